r"""SymPy derivations behind the book, one function per result.

Every function derives its result with SymPy, checks the identity it claims (raising ``AssertionError`` with
a message if a check fails, which it never should), and returns the verified expressions in a small
``NamedTuple`` whose fields the chapters display and the tests re-check.

The symbols are shared module attributes, so that a chapter can substitute numbers into a result::

    from minimopt import derive
    lf = derive.leapfrog_coefficients()
    lf.beta.subs({derive.lam: 0.3, derive.gamma: 0.1})

Shared symbols (module attributes, printed as the Greek letter or name in brackets):

- ``gamma`` (γ): time step of the discretisation, the learning rate of gradient descent
- ``h``: curvature of the quadratic test problem :math:`L = h\theta^2/2`
- ``lam`` (λ): damping (friction) of :math:`\theta'' + \lambda\theta' = -\nabla L`
- ``alpha`` (α), ``beta`` (β): learning rate and momentum of heavy ball, :math:`v \leftarrow \beta v - \alpha\nabla L`
- ``sigma`` (σ): noise amplitude of :math:`dX = -L'(X)\,dt + \sigma\,dW`
- ``theta`` (θ), ``theta0`` (θ₀): a scalar parameter and its initial value
- ``t``, ``T``: time, and the fixed final time :math:`T = n\gamma` of a convergence study; ``n``: step index
- ``r``: the factor by which a learning rate is changed
- ``mu`` (μ), ``Lmax`` (printed L), ``kappa`` (κ = L/μ): curvature bounds for heavy-ball tuning (``mu`` is also
  PyTorch's momentum in :func:`torch_to_physics`); ``lr``: PyTorch's learning rate
- ``x``, ``v``: position and velocity in the Fokker–Planck and Kramers equations
- ``beta1``, ``beta2`` (β₁, β₂), ``t_step`` (printed t): Adam's decay rates and step count; ``g_mean``,
  ``g2_mean``: :math:`\mathbb{E}[g]` and :math:`\mathbb{E}[g^2]`
- ``f``: generic right-hand side of :math:`\theta' = f(\theta)`; ``L``: generic loss (undefined SymPy functions)

Only SymPy and the standard library are imported, so this module works without the compiled parts of
minimopt.
"""

from __future__ import annotations

from typing import NamedTuple

import sympy as sp

__all__ = [
    "euler_local_error",
    "euler_global_error",
    "midpoint_difference",
    "euler_stability",
    "leapfrog_coefficients",
    "momentum_retuning",
    "torch_to_physics",
    "heavy_ball_stability",
    "fokker_planck_stationary",
    "kramers_stationary",
    "adam_bias",
    "scale_invariance",
    "adam_step_size",
]

# ---------------------------------------------------------------------------------------------------------
# Shared symbols
# ---------------------------------------------------------------------------------------------------------
gamma = sp.Symbol("gamma", positive=True)
h = sp.Symbol("h", positive=True)
lam = sp.Symbol("lambda", positive=True)
alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", real=True)
sigma = sp.Symbol("sigma", positive=True)
theta = sp.Symbol("theta", real=True)
theta0 = sp.Symbol("theta_0", real=True)
t = sp.Symbol("t", real=True)
T = sp.Symbol("T", positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
r = sp.Symbol("r", positive=True)
mu = sp.Symbol("mu", positive=True)
Lmax = sp.Symbol("L", positive=True)
kappa = sp.Symbol("kappa", positive=True)
lr = sp.Symbol("lr", positive=True)
x = sp.Symbol("x", real=True)
v = sp.Symbol("v", real=True)
f = sp.Function("f")
L = sp.Function("L")
beta1 = sp.Symbol("beta_1", positive=True)
beta2 = sp.Symbol("beta_2", positive=True)
g_mean = sp.Symbol(r"\mathbb{E}[g]", real=True)
g2_mean = sp.Symbol(r"\mathbb{E}[g^2]", positive=True)
t_step = sp.Symbol("t", integer=True, positive=True)


def _check(condition, message):
    """Raise ``AssertionError(message)`` unless ``condition`` is true (not stripped by ``python -O``)."""
    if not (condition is True or condition is sp.true):
        raise AssertionError("minimopt.derive: " + message)


def _is_zero(expr):
    """True when ``expr`` simplifies to zero (SymPy ``Matrix`` or scalar)."""
    if isinstance(expr, sp.MatrixBase):
        return all(_is_zero(e) for e in expr)
    expr = sp.sympify(expr)
    if expr == 0 or sp.cancel(sp.expand(expr)) == 0:  # cheap, and enough for rational expressions
        return True
    return sp.simplify(expr) == 0


# ---------------------------------------------------------------------------------------------------------
# Chapter 1: gradient descent is Euler's method
# ---------------------------------------------------------------------------------------------------------
class EulerLocalError(NamedTuple):
    exact_step: sp.Eq        # θ(t+γ) = θ + γf + γ²/2 f'f + O(γ³)
    euler_step: sp.Expr      # θ + γ f(θ)
    local_error: sp.Expr     # γ²/2 f'(θ) f(θ): leading term of exact − Euler
    local_error_gd: sp.Expr  # the same for f = −L': γ²/2 L''(θ) L'(θ)
    order: int               # 2: the local error is O(γ²)


def euler_local_error() -> EulerLocalError:
    r"""Local truncation error of one explicit Euler (= gradient descent) step.

    Gradient descent :math:`\theta_{n+1} = \theta_n - \gamma\nabla L(\theta_n)` is the explicit Euler method
    for the gradient flow :math:`\theta' = -\nabla L(\theta) = f(\theta)`. Along the exact flow, time
    derivatives follow from the chain rule, :math:`\frac{d}{dt}\varphi(\theta(t)) = \varphi'(\theta)f(\theta)`,
    so :math:`\theta'' = f'f` and Taylor's theorem gives

    .. math::

        \theta(t+\gamma) = \theta + \gamma f(\theta) + \frac{\gamma^2}{2} f'(\theta) f(\theta) + O(\gamma^3),
        \qquad
        \theta(t+\gamma) - \bigl(\theta + \gamma f(\theta)\bigr)
        = \frac{\gamma^2}{2} f'(\theta) f(\theta) + O(\gamma^3).

    For gradient descent (:math:`f = -L'`) the local error is :math:`\frac{\gamma^2}{2}L''(\theta)L'(\theta)`.

    Returns
    -------
    EulerLocalError
        ``exact_step`` (``Eq``: the Taylor expansion of the exact flow, with its ``O(γ³)``), ``euler_step``,
        ``local_error`` (the leading term, in the generic ``f``), ``local_error_gd`` (in the generic loss
        ``L``) and ``order`` (= 2).

    References
    ----------
    E. Hairer, S. P. Nørsett, G. Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., Springer 1993,
    Sec. II.2 (local error of one-step methods).
    """
    order_max = 4
    # Time derivatives along the flow: theta^(k) = D^(k-1) f with (D phi)(theta) = phi'(theta) f(theta).
    derivs = [theta, f(theta)]
    for _ in range(order_max - 1):
        derivs.append(sp.expand(sp.diff(derivs[-1], theta) * f(theta)))
    taylor = sum(derivs[k] * gamma**k / sp.factorial(k) for k in range(order_max))
    euler = theta + gamma * f(theta)
    error = sp.expand(taylor - euler)
    _check(error.coeff(gamma, 0) == 0 and error.coeff(gamma, 1) == 0,
           "Euler should match the exact flow to first order")
    leading = sp.expand(error.coeff(gamma, 2)) * gamma**2
    expected = gamma**2 / 2 * sp.diff(f(theta), theta) * f(theta)
    _check(_is_zero(leading - expected), "local error should be gamma^2/2 f' f")
    # Gradient descent: f = -L'.
    fprime = sp.Lambda(x, -sp.diff(L(x), x))
    leading_gd = sp.simplify(leading.subs(f, fprime).doit())
    _check(_is_zero(leading_gd - gamma**2 / 2 * sp.diff(L(theta), theta, 2) * sp.diff(L(theta), theta)),
           "local error of gradient descent should be gamma^2/2 L'' L'")
    exact = sp.Eq(sp.Function("theta")(t + gamma),
                  sum(derivs[k] * gamma**k / sp.factorial(k) for k in range(3)) + sp.O(gamma**3))
    return EulerLocalError(exact, euler, leading, leading_gd, 2)


class EulerGlobalError(NamedTuple):
    iterate: sp.Expr       # θ_n = (1 − γh)^(T/γ) θ₀ with n = T/γ
    exact: sp.Expr         # θ(T) = e^(−hT) θ₀
    error_series: sp.Expr  # θ(T) − θ_n expanded in γ at fixed T, with O(γ³)
    leading_term: sp.Expr  # (h²T/2) e^(−hT) θ₀ γ
    order: int             # 1: the global error is O(γ)


def euler_global_error() -> EulerGlobalError:
    r"""Global error of gradient descent on the linear test problem :math:`L = h\theta^2/2`.

    Gradient descent gives :math:`\theta_n = (1-\gamma h)^n\theta_0`, the flow :math:`\theta' = -h\theta` gives
    :math:`\theta(T) = e^{-hT}\theta_0`. With :math:`n = T/\gamma` and
    :math:`(1-\gamma h)^{T/\gamma} = \exp\bigl(\tfrac{T}{\gamma}\log(1-\gamma h)\bigr)`, expanding in
    :math:`\gamma` at fixed :math:`T`:

    .. math::

        \theta(T) - \theta_n = \frac{h^2 T}{2} e^{-hT}\theta_0\,\gamma + O(\gamma^2),

    so the local errors :math:`O(\gamma^2)` accumulate over :math:`T/\gamma` steps into a global error
    :math:`O(\gamma)`.

    Returns
    -------
    EulerGlobalError
        ``iterate`` (θ_n as a function of γ and T), ``exact``, ``error_series`` (to ``O(γ³)``),
        ``leading_term`` and ``order`` (= 1).

    References
    ----------
    Hairer, Nørsett, Wanner, *Solving ODEs I*, Sec. II.3 (convergence of one-step methods); the linear test
    equation is Dahlquist's.
    """
    iterate = theta0 * sp.exp(T / gamma * sp.log(1 - gamma * h))
    exact = theta0 * sp.exp(-h * T)
    series = sp.series(exact - iterate, gamma, 0, 3)
    poly = sp.expand(series.removeO())
    _check(_is_zero(poly.coeff(gamma, 0)), "the global error should vanish as gamma -> 0")
    leading = sp.factor(poly.coeff(gamma, 1)) * gamma
    expected = h**2 * T / 2 * sp.exp(-h * T) * theta0 * gamma
    _check(_is_zero(leading - expected), "the global error should be (h^2 T/2) e^(-hT) theta0 gamma")
    # The same limit without series: (error/gamma) -> h^2 T e^(-hT) theta0 / 2.
    _check(_is_zero(sp.limit((exact - iterate) / gamma, gamma, 0) - expected / gamma),
           "limit of error/gamma disagrees with the series")
    return EulerGlobalError(iterate, exact, series, expected, 1)


class MidpointDifference(NamedTuple):
    statement: sp.Eq        # (θ(τ+γ/2) − θ(τ−γ/2))/γ = θ'(τ) + γ²/24 θ'''(τ) + O(γ⁴)
    coefficient: sp.Rational  # 1/24
    error: sp.Expr          # γ²/24 θ'''(τ) + γ⁴/1920 θ⁽⁵⁾(τ) + O(γ⁶)
    left_point_error: sp.Expr  # difference − θ'(t) = γ/2 θ''(t) + O(γ²), the first-order reading


def midpoint_difference() -> MidpointDifference:
    r"""The forward difference is a second-order derivative at the midpoint.

    For a smooth trajectory :math:`\theta(t)` and the midpoint :math:`\tau = t + \gamma/2`, Taylor expansion
    about :math:`\tau` of :math:`\theta(\tau \pm \gamma/2)` cancels the even terms:

    .. math::

        \frac{\theta(t+\gamma) - \theta(t)}{\gamma} = \theta'(\tau) + \frac{\gamma^2}{24}\theta'''(\tau)
        + O(\gamma^4), \qquad \tau = t + \frac{\gamma}{2},

    whereas read as the derivative at the left point it is only first order,
    :math:`\theta'(t) + \frac{\gamma}{2}\theta''(t) + O(\gamma^2)`. So gradient descent's
    :math:`(\theta_{n+1} - \theta_n)/\gamma` is the flow's velocity at :math:`n + \tfrac12` to :math:`O(\gamma^2)`.

    Returns
    -------
    MidpointDifference
        ``statement`` (``Eq`` in the generic function ``theta`` and the midpoint ``tau``), ``coefficient``
        (1/24), ``error`` (the expansion of difference − θ'(τ)) and ``left_point_error``.

    References
    ----------
    Standard central-difference analysis, e.g. R. J. LeVeque, *Finite Difference Methods for Ordinary and
    Partial Differential Equations*, SIAM 2007, Sec. 1.1.
    """
    th = sp.Function("theta")
    tau = sp.Symbol("tau", real=True)
    order = 7
    plus = th(tau + gamma / 2).series(gamma, 0, order).removeO().doit()
    minus = th(tau - gamma / 2).series(gamma, 0, order).removeO().doit()
    diff_quot = sp.expand((plus - minus) / gamma)   # exact up to O(gamma^6)
    d = [sp.diff(th(tau), tau, k) for k in range(6)]
    error = sp.expand(diff_quot - d[1])
    coeff = sp.simplify(error.coeff(gamma, 2) / d[3])
    _check(coeff == sp.Rational(1, 24), "the gamma^2 coefficient should be theta'''/24")
    _check(error.coeff(gamma, 0) == 0 and error.coeff(gamma, 1) == 0 and error.coeff(gamma, 3) == 0,
           "no even-order derivatives should survive")
    _check(_is_zero(error.coeff(gamma, 4) - d[5] / 1920), "the gamma^4 coefficient should be theta^(5)/1920")
    # Read as the derivative at the left point t:
    left = sp.expand((th(t + gamma).series(gamma, 0, 3).removeO().doit() - th(t)) / gamma
                     - sp.diff(th(t), t))
    _check(_is_zero(left - gamma / 2 * sp.diff(th(t), t, 2)), "left-point reading should be first order")
    statement = sp.Eq((th(tau + gamma / 2) - th(tau - gamma / 2)) / gamma,
                      d[1] + coeff * gamma**2 * d[3] + sp.O(gamma**4))
    return MidpointDifference(statement, coeff, error + sp.O(gamma**6), left + sp.O(gamma**2))


class EulerStability(NamedTuple):
    factor: sp.Expr            # 1 − γh: θ_{n+1} = (1 − γh) θ_n
    stable: sp.Interval        # values of γh with |1 − γh| < 1: (0, 2)
    oscillating: sp.Interval   # values of γh in the stable set with 1 − γh < 0: (1, 2)
    monotone: sp.Interval      # values of γh in the stable set with 1 − γh ≥ 0: (0, 1]
    step_bound: sp.Expr        # 2/h: stable iff 0 < γ < 2/h


def euler_stability() -> EulerStability:
    r"""Stability of gradient descent on :math:`L = h\theta^2/2`.

    Each step multiplies by :math:`1 - \gamma h`, so the iterates decay iff

    .. math::

        |1 - \gamma h| < 1 \iff 0 < \gamma h < 2 \iff \gamma < 2/h,

    and they alternate in sign (oscillate) when :math:`1 < \gamma h < 2`. The inequalities are solved with
    ``sympy.solve_univariate_inequality`` in the variable :math:`\gamma h`.

    Returns
    -------
    EulerStability
        ``factor``, the intervals of :math:`\gamma h` ``stable``, ``oscillating``, ``monotone``, and
        ``step_bound`` (= 2/h).

    References
    ----------
    Dahlquist's test equation; Hairer & Wanner, *Solving ODEs II*, Sec. IV.2 (stability function of explicit
    Euler, :math:`R(z) = 1 + z`).
    """
    z = sp.Symbol("z", real=True)  # z = gamma*h
    factor = 1 - gamma * h
    rz = factor.subs(gamma, z / h)
    stable = sp.solve_univariate_inequality(sp.Abs(rz) < 1, z, relational=False)
    _check(stable == sp.Interval.open(0, 2), "stability interval should be 0 < gamma h < 2")
    negative = sp.solve_univariate_inequality(rz < 0, z, relational=False)
    oscillating = sp.Intersection(stable, negative)
    monotone = sp.Complement(stable, negative)
    _check(oscillating == sp.Interval.open(1, 2), "oscillation interval should be 1 < gamma h < 2")
    _check(monotone == sp.Interval.Lopen(0, 1), "monotone interval should be 0 < gamma h <= 1")
    cond = sp.solve_univariate_inequality(sp.Abs(factor) < 1, gamma, relational=False)
    bound = cond.sup
    _check(cond == sp.Interval.open(0, 2 / h) and _is_zero(bound - 2 / h), "step bound should be 2/h")
    return EulerStability(factor, stable, oscillating, monotone, bound)


# ---------------------------------------------------------------------------------------------------------
# Chapter 3: momentum is leapfrog
# ---------------------------------------------------------------------------------------------------------
class LeapfrogCoefficients(NamedTuple):
    scheme: sp.Eq    # (v₊ − v₋)/γ = −λ(v₊ + v₋)/2 − ∇L(θ_n), with v± the half-step velocities
    update: sp.Eq    # θ_{n+1} − θ_n = β(θ_n − θ_{n−1}) − α∇L(θ_n) with β, α below substituted
    beta: sp.Expr    # (1 − λγ/2)/(1 + λγ/2)
    alpha: sp.Expr   # γ²/(1 + λγ/2)


def leapfrog_coefficients() -> LeapfrogCoefficients:
    r"""Heavy ball is the staggered-grid (leapfrog) discretisation of :math:`\theta'' + \lambda\theta' = -\nabla L`.

    With half-step velocities :math:`v_{n\pm 1/2} = \pm(\theta_{n\pm1} - \theta_n)/\gamma`, the damping term
    averaged between them and the acceleration as their difference quotient,

    .. math::

        \frac{v_{n+1/2} - v_{n-1/2}}{\gamma} = -\lambda\,\frac{v_{n+1/2} + v_{n-1/2}}{2} - \nabla L(\theta_n),

    ``sympy.solve`` for :math:`\theta_{n+1}` gives the heavy-ball update

    .. math::

        \theta_{n+1} - \theta_n = \beta(\theta_n - \theta_{n-1}) - \alpha\nabla L(\theta_n),\qquad
        \beta = \frac{1 - \lambda\gamma/2}{1 + \lambda\gamma/2},\quad
        \alpha = \frac{\gamma^2}{1 + \lambda\gamma/2}.

    Returns
    -------
    LeapfrogCoefficients
        ``scheme`` (the discretised equation), ``update`` (the solved update), ``beta``, ``alpha``.

    References
    ----------
    B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR Comput. Math. Math.
    Phys. 4 (1964); N. Qian, "On the momentum term in gradient descent learning algorithms", Neural Networks
    12 (1999).
    """
    tm, tn, tp = sp.symbols("theta_n-1 theta_n theta_n+1", real=True)
    grad = sp.Function(r"\nabla L")(tn)
    d = sp.Symbol("d", real=True)  # theta_n - theta_{n-1}
    v_plus = (tp - tn) / gamma
    v_minus = (tn - tm) / gamma
    scheme = sp.Eq((v_plus - v_minus) / gamma, -lam * (v_plus + v_minus) / 2 - grad)
    sol = sp.solve(scheme, tp)
    _check(len(sol) == 1, "the scheme should be linear in theta_{n+1}")
    step = sp.expand(sp.simplify(sol[0] - tn).subs(tm, tn - d))
    b = sp.simplify(step.coeff(d))
    a = sp.simplify(-step.coeff(grad))
    rest = sp.simplify(step - b * d + a * grad)
    _check(rest == 0, "the update should be beta*(theta_n - theta_{n-1}) - alpha*grad only")
    beta_cf = (1 - lam * gamma / 2) / (1 + lam * gamma / 2)
    alpha_cf = gamma**2 / (1 + lam * gamma / 2)
    _check(_is_zero(b - beta_cf), "beta should be (1 - lambda gamma/2)/(1 + lambda gamma/2)")
    _check(_is_zero(a - alpha_cf), "alpha should be gamma^2/(1 + lambda gamma/2)")
    update = sp.Eq(tp - tn, beta_cf * (tn - tm) - alpha_cf * grad)
    return LeapfrogCoefficients(scheme, update, beta_cf, alpha_cf)


class MomentumRetuning(NamedTuple):
    gamma: sp.Expr          # time step of heavy ball (α, β): √(2α/(1+β))
    damping: sp.Expr        # friction of heavy ball (α, β): λ = (1−β)√2 / √(α(1+β))
    gamma_series: sp.Expr   # γ at fixed λ as α → 0: √α + λα/4 + O(α^{3/2})
    beta_new_exact: sp.Expr  # momentum for lr rα that keeps λ, as a function of β and r
    beta_new_rule: sp.Expr   # 1 − (1−β)√r
    rule_error: sp.Expr      # beta_new_exact − beta_new_rule = (r − √r)(1−β)²/4 + O((1−β)³)


def momentum_retuning() -> MomentumRetuning:
    r"""Which continuous dynamics a heavy ball :math:`(\alpha, \beta)` runs, and how to retune it.

    Inverting :math:`\beta = \frac{1-\lambda\gamma/2}{1+\lambda\gamma/2}`,
    :math:`\alpha = \frac{\gamma^2}{1+\lambda\gamma/2}` (see :func:`leapfrog_coefficients`):

    .. math::

        \gamma = \sqrt{\frac{2\alpha}{1+\beta}}, \qquad
        \lambda = \frac{\sqrt2\,(1-\beta)}{\sqrt{\alpha(1+\beta)}} .

    Momentum advances with step :math:`\sqrt\alpha`: :math:`\gamma = \sqrt\alpha\sqrt{1+\lambda\gamma/2}`, so
    at fixed friction :math:`\gamma = \sqrt\alpha + \lambda\alpha/4 + O(\alpha^{3/2})`.

    Changing the learning rate to :math:`r\alpha` while keeping the same dynamics (same :math:`\lambda`) needs a
    new momentum :math:`\beta'`. With :math:`x = \lambda\gamma/2 = (1-\beta)/(1+\beta)` the conditions reduce to
    :math:`x'^2(1+x) = r x^2 (1+x')`, which depends on :math:`\beta` and :math:`r` only; expanding its positive
    root in :math:`1-\beta`:

    .. math::

        1 - \beta' = \sqrt r\,(1 - \beta) + \frac{\sqrt r - r}{4}(1-\beta)^2 + O\bigl((1-\beta)^3\bigr),

    so the rule :math:`\beta' = 1 - (1-\beta)\sqrt r` is exact to leading order as :math:`\gamma\lambda \to 0`.

    Returns
    -------
    MomentumRetuning
        ``gamma`` and ``damping`` (functions of ``alpha``, ``beta``), ``gamma_series`` (in ``alpha`` at
        fixed ``lam``), ``beta_new_exact`` and ``beta_new_rule`` (functions of ``beta``, ``r``) and
        ``rule_error`` (their difference as a series in ``1 - beta``).

    References
    ----------
    Qian (1999) for the continuous limit; the :math:`\sqrt r` rule is the leading-order consequence derived
    here (see also the square-root scaling rules of S. Malladi et al., "On the SDEs and scaling rules for
    adaptive gradient algorithms", NeurIPS 2022).
    """
    lf = leapfrog_coefficients()
    sols = sp.solve([sp.Eq(beta, lf.beta), sp.Eq(alpha, lf.alpha)], [lam, gamma], dict=True)
    probe = {alpha: sp.Rational(1, 100), beta: sp.Rational(9, 10)}
    sols = [s for s in sols if s[gamma].subs(probe) > 0 and s[lam].subs(probe) > 0]
    _check(len(sols) == 1, "exactly one positive (lambda, gamma) should give (alpha, beta)")
    g_ab = sp.sqrt(2 * alpha) / sp.sqrt(1 + beta)
    l_ab = sp.sqrt(2) * (1 - beta) / sp.sqrt(alpha * (1 + beta))
    onep = {beta: sp.Symbol("s", positive=True) - 1}  # compare on 1 + beta > 0, where the roots are real
    _check(_is_zero((sols[0][gamma] - g_ab).subs(onep)), "gamma should be sqrt(2 alpha/(1+beta))")
    _check(_is_zero((sols[0][lam] - l_ab).subs(onep)), "lambda should be sqrt(2)(1-beta)/sqrt(alpha(1+beta))")
    # Round trip: (lambda, gamma) -> (beta, alpha) -> (lambda, gamma).
    rt = {alpha: lf.alpha, beta: lf.beta}
    _check(_is_zero(g_ab.subs(rt) - gamma) and _is_zero(l_ab.subs(rt) - lam), "inverse map round trip")

    # Step sqrt(alpha): gamma^2 = alpha (1 + lambda gamma/2), solved for gamma at fixed lambda.
    g_sols = [s for s in sp.solve(sp.Eq(gamma**2, alpha * (1 + lam * gamma / 2)), gamma)
              if s.subs({alpha: sp.Rational(1, 100), lam: 1}) > 0]
    _check(len(g_sols) == 1, "one positive step gamma for given alpha, lambda")
    _check(_is_zero(lf.alpha.subs(gamma, g_sols[0]) - alpha), "gamma(alpha) should invert alpha(gamma)")
    g_series = sp.series(g_sols[0], alpha, 0, 2)
    lead = g_series.removeO()
    _check(_is_zero(lead - (sp.sqrt(alpha) + lam * alpha / 4 + lam**2 * alpha**sp.Rational(3, 2) / 32)),
           "gamma should be sqrt(alpha) + lambda alpha/4 + O(alpha^(3/2))")
    gamma_series = sp.sqrt(alpha) + lam * alpha / 4 + sp.O(alpha**sp.Rational(3, 2))

    # Retuning: same lambda at learning rate r*alpha.
    eps = sp.Symbol("epsilon", positive=True)  # 1 - beta
    xs = sp.Symbol("x", positive=True)
    xp = sp.Symbol("x'", positive=True)
    # x = lambda gamma / 2; gamma^2 = alpha (1 + x); gamma'^2 = r alpha (1 + x'); x'/x = gamma'/gamma.
    gp = sp.Symbol("gamma'", positive=True)
    cond = sp.simplify((xp / xs)**2 - (gp / gamma)**2
                       ).subs({gp**2: r * alpha * (1 + xp), gamma**2: alpha * (1 + xs)})
    _check(_is_zero(sp.together(cond) * xs**2 * (1 + xs) - (xp**2 * (1 + xs) - r * xs**2 * (1 + xp))),
           "retuning condition should be x'^2 (1+x) = r x^2 (1+x')")
    roots = sp.solve(sp.Eq(xp**2 * (1 + xs), r * xs**2 * (1 + xp)), xp)
    pos = [s for s in roots if s.subs({xs: sp.Rational(1, 10), r: 2}) > 0]
    _check(len(pos) == 1, "one positive root x'")
    x_of_beta = (1 - beta) / (1 + beta)
    _check(_is_zero((x_of_beta - (lam * gamma / 2).subs({lam: l_ab, gamma: g_ab})).subs(onep)),
           "x = (1-beta)/(1+beta)")
    x_new = pos[0].subs(xs, x_of_beta)
    # Tidy form: r x^2 + 4x + 4 = (r(1-beta)^2 + 8(1+beta))/(1+beta)^2.
    x_tidy = ((1 - beta) * sp.sqrt(r) * (sp.sqrt(r * (1 - beta)**2 + 8 * (1 + beta)) + sp.sqrt(r) * (1 - beta))
              / (4 * (1 + beta)))
    _check(_is_zero((x_new - x_tidy).subs(onep)), "tidy form of the retuned x'")
    beta_new = (1 - x_tidy) / (1 + x_tidy)
    rule = 1 - (1 - beta) * sp.sqrt(r)
    err_series = sp.series((beta_new - rule).subs(beta, 1 - eps), eps, 0, 3)
    err_poly = sp.expand(err_series.removeO())
    _check(_is_zero(err_poly.coeff(eps, 0)) and _is_zero(err_poly.coeff(eps, 1)),
           "the rule should be exact to first order in 1 - beta")
    c2 = sp.simplify(err_poly.coeff(eps, 2))
    _check(_is_zero(c2 - (r - sp.sqrt(r)) / 4), "second-order error should be (r - sqrt r)/4 (1-beta)^2")
    rule_error = (r - sp.sqrt(r)) / 4 * (1 - beta)**2 + sp.O((beta - 1)**3, (beta, 1))
    return MomentumRetuning(g_ab, l_ab, gamma_series, beta_new, rule, rule_error)


class TorchToPhysics(NamedTuple):
    torch_update: tuple     # (Eq b_{k+1} = μ b_k + g_k, Eq θ_{k+1} = θ_k − lr b_{k+1})
    physics_update: tuple   # (Eq v_{k+1} = β v_k − α g_k, Eq θ_{k+1} = θ_k + v_{k+1})
    mapping: dict           # {β: μ, α: lr}: the unique parameters making the iterates agree
    velocity: sp.Eq         # v = −lr·b
    iterates: tuple         # (θ₁, θ₂) of both conventions with the mapping, in the generic gradient ∇L


def torch_to_physics() -> TorchToPhysics:
    r"""PyTorch's momentum convention is heavy ball with :math:`\beta = \mu`, :math:`\alpha = \mathrm{lr}`.

    PyTorch (``dampening = 0``) updates :math:`b \leftarrow \mu b + g,\ \theta \leftarrow \theta - \mathrm{lr}\,b`;
    the physics convention updates :math:`v \leftarrow \beta v - \alpha g,\ \theta \leftarrow \theta + v`. Both
    start from zero velocity (PyTorch's first step sets :math:`b = g`, which is :math:`\mu\cdot 0 + g`). Iterating two steps symbolically (gradients :math:`g_0, g_1` arbitrary) the
    iterates agree for all gradients iff

    .. math::

        \beta = \mu, \qquad \alpha = \mathrm{lr}, \qquad\text{and then } v = -\mathrm{lr}\, b \text{ at every step.}

    With a generic gradient function :math:`\nabla L` the iterates are then identical expressions.

    Returns
    -------
    TorchToPhysics
        ``torch_update``, ``physics_update`` (pairs of ``Eq``), ``mapping`` (``{beta: mu, alpha: lr}``),
        ``velocity`` (``Eq(v, -lr*b)``) and ``iterates`` (θ₁, θ₂ with a generic ``∇L``).

    References
    ----------
    ``torch.optim.SGD`` documentation (note on the momentum formulation); I. Sutskever, J. Martens, G. Dahl,
    G. Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013.
    """
    g0, g1 = sp.symbols("g_0 g_1", real=True)
    b_sym, vv = sp.symbols("b v", real=True)

    def torch_run(grads):
        th, b = theta0, sp.S(0)
        out = []
        for g in grads:
            g = g(th) if callable(g) else g
            b = mu * b + g
            th = th - lr * b
            out.append((th, b))
        return out

    def physics_run(grads):
        th, vel = theta0, sp.S(0)
        out = []
        for g in grads:
            g = g(th) if callable(g) else g
            vel = beta * vel - alpha * g
            th = th + vel
            out.append((th, vel))
        return out

    # "Only if": equal iterates for arbitrary gradients g0, g1 fix the parameters.
    tr, ph = torch_run([g0, g1]), physics_run([g0, g1])
    eqs = []
    for (tt, _), (pt, _) in zip(tr, ph):
        diff = sp.Poly(sp.expand(tt - pt), g0, g1)
        eqs.extend(diff.coeffs())
    sol = sp.solve(eqs, [alpha, beta], dict=True)
    _check(sol == [{alpha: lr, beta: mu}], "iterates agree iff alpha = lr and beta = mu")
    mapping = {beta: mu, alpha: lr}
    # "If": with a generic gradient function the two runs are the same expressions, and v = -lr b.
    G = sp.Function(r"\nabla L")
    tr, ph = torch_run([G, G]), physics_run([G, G])
    for (tt, bb), (pt, vel) in zip(tr, ph):
        pt, vel = pt.subs(mapping), vel.subs(mapping)
        _check(_is_zero(tt - pt), "iterates should coincide under the mapping")
        _check(_is_zero(vel + lr * bb), "velocity should be -lr times the torch buffer")
    k = sp.Symbol("k", integer=True)
    bk, vk, thk = (sp.Function(name) for name in ("b", "v", "theta"))
    gk = sp.Function("g")(k)
    torch_update = (sp.Eq(bk(k + 1), mu * bk(k) + gk), sp.Eq(thk(k + 1), thk(k) - lr * bk(k + 1)))
    physics_update = (sp.Eq(vk(k + 1), beta * vk(k) - alpha * gk), sp.Eq(thk(k + 1), thk(k) + vk(k + 1)))
    iterates = tuple(tt for tt, _ in tr)
    return TorchToPhysics(torch_update, physics_update, mapping, sp.Eq(vv, -lr * b_sym), iterates)


class HeavyBallStability(NamedTuple):
    recurrence: sp.Eq      # θ_{n+1} = (1 + β − αh)θ_n − βθ_{n−1}
    char_poly: sp.Expr     # z² − (1 + β − αh) z + β, in the symbol z
    region: sp.Boolean     # And(β < 1, αh > 0, αh < 2(1+β)) (implies β > −1)
    beta_opt: sp.Expr      # ((√κ − 1)/(√κ + 1))²
    alpha_opt: sp.Expr     # 4/(√L + √μ)²
    rate_opt: sp.Expr      # √β* = (√κ − 1)/(√κ + 1)
    critical_beta: sp.Expr  # (1 − √(αh))²: double root, the critically damped momentum for 0 < αh ≤ 1


def heavy_ball_stability() -> HeavyBallStability:
    r"""Stability region, optimal tuning and critical damping of heavy ball on :math:`L = h\theta^2/2`.

    Heavy ball on the quadratic is the recurrence :math:`\theta_{n+1} = (1+\beta-\alpha h)\theta_n -
    \beta\theta_{n-1}` with characteristic polynomial :math:`p(z) = z^2 - (1+\beta-\alpha h)z + \beta`. The
    Möbius map :math:`z = (1+w)/(1-w)` sends the unit disc to the left half-plane and
    :math:`(1-w)^2 p\bigl(\tfrac{1+w}{1-w}\bigr) = p(-1)\,w^2 + 2(1-\beta)\,w + p(1)`; a real quadratic has
    both roots in the left half-plane iff its coefficients share a sign (Routh–Hurwitz), which gives the Jury
    conditions :math:`p(1) > 0`, :math:`p(-1) > 0`, :math:`|\beta| < 1`:

    .. math::

        |z_{1,2}| < 1 \iff \beta < 1,\quad 0 < \alpha h < 2(1+\beta)\quad(\text{hence } -1 < \beta < 1).

    With complex roots :math:`|z| = \sqrt\beta`; the roots are complex iff
    :math:`(1-\sqrt\beta)^2 \le \alpha h \le (1+\sqrt\beta)^2`. For curvatures in :math:`[\mu, L]`,
    :math:`\kappa = L/\mu`, the smallest :math:`\beta` keeping all of them there puts :math:`\alpha\mu` and
    :math:`\alpha L` on the two ends:

    .. math::

        \alpha^* = \frac{4}{(\sqrt L + \sqrt\mu)^2},\qquad
        \beta^* = \Bigl(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Bigr)^2,\qquad
        \text{rate } \sqrt{\beta^*} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}.

    Critical damping for a given :math:`h` is the double root, :math:`(1+\beta-\alpha h)^2 = 4\beta`, i.e.
    :math:`\beta = (1 - \sqrt{\alpha h})^2` (the root with :math:`\beta < 1`, for :math:`\alpha h \le 1`).

    Returns
    -------
    HeavyBallStability
        ``recurrence``, ``char_poly`` (in a real symbol ``z``), ``region`` (a SymPy ``And`` in ``alpha``,
        ``beta``, ``h``), ``beta_opt``, ``alpha_opt``, ``rate_opt`` (in ``mu``, ``Lmax``, ``kappa``) and
        ``critical_beta``.

    References
    ----------
    B. T. Polyak, *Introduction to Optimization*, Optimization Software 1987, Sec. 3.2.1; E. I. Jury,
    *Theory and Application of the z-Transform Method*, Wiley 1964.
    """
    z, w = sp.symbols("z w")
    a = 1 + beta - alpha * h
    th = sp.Function("theta")
    recurrence = sp.Eq(th(n + 1), a * th(n) - beta * th(n - 1))
    # Characteristic polynomial from the ansatz theta_n = z^n.
    char = sp.expand(sp.powsimp(sp.expand((z**(n + 1) - a * z**n + beta * z**(n - 1)) * z**(1 - n))))
    _check(_is_zero(char - (z**2 - a * z + beta)), "characteristic polynomial")
    mapped = sp.Poly(sp.expand(sp.cancel((1 - w)**2 * char.subs(z, (1 + w) / (1 - w)))), w)
    c2, c1, c0 = mapped.all_coeffs()
    _check(_is_zero(c2 - char.subs(z, -1)) and _is_zero(c1 - 2 * (1 - beta)) and _is_zero(c0 - char.subs(z, 1)),
           "Moebius-transformed polynomial")
    # Routh-Hurwitz for a real quadratic: both roots in Re w < 0 iff the three coefficients share a sign.
    # All negative is impossible (p(1) = alpha h > 0), so the region is: all three positive.
    _check(sp.expand(c0) == alpha * h, "p(1) = alpha h")
    _check(sp.simplify(sp.And(c2 < 0, c1 < 0, c0 < 0)) == sp.false, "the all-negative Hurwitz case is empty")
    # The coefficients are linear in beta and alpha h; read each positivity condition off.
    _check(sp.expand(c1 - 2 * (1 - beta)) == 0, "middle coefficient 2(1 - beta): positive iff beta < 1")
    _check(sp.expand(c2 - (2 * (1 + beta) - alpha * h)) == 0, "p(-1) = 2(1 + beta) - alpha h")
    region = sp.And(sp.Lt(beta, 1), sp.Gt(alpha * h, 0, evaluate=False), sp.Lt(alpha * h, 2 * (1 + beta)),
                    evaluate=False)
    # 0 < alpha h < 2(1 + beta) needs 2(1 + beta) > 0:
    _check(sp.solve_univariate_inequality(2 * (1 + beta) > 0, beta, relational=False) == sp.Interval.open(-1, sp.oo),
           "the region implies beta > -1")

    # Complex roots have modulus sqrt(beta): product of conjugate roots is beta.
    disc = sp.expand(a**2 - 4 * beta)
    roots = sp.solve(char, z)
    _check(len(roots) == 2 and _is_zero(roots[0] * roots[1] - beta), "product of the roots is beta")
    ahs = sp.Symbol("ah", positive=True)
    sb = sp.Symbol("s", positive=True)  # sqrt(beta)
    # disc <= 0  <=>  (1 - sqrt b)^2 <= ah <= (1 + sqrt b)^2: the zeros of disc in ah.
    ah_edges = sp.solve(disc.subs(alpha, ahs / h).subs(beta, sb**2), ahs)
    _check(set(sp.expand(e) for e in ah_edges) == {sp.expand((1 - sb)**2), sp.expand((1 + sb)**2)},
           "complex-root band should be (1 - sqrt beta)^2 <= alpha h <= (1 + sqrt beta)^2")
    # Optimal tuning: alpha mu = (1 - s)^2, alpha L = (1 + s)^2.
    opt = sp.solve([sp.sqrt(alpha * mu) - (1 - sb), sp.sqrt(alpha * Lmax) - (1 + sb)], [alpha, sb], dict=True)
    _check(len(opt) == 1, "one optimal (alpha, sqrt beta)")
    alpha_opt = 4 / (sp.sqrt(Lmax) + sp.sqrt(mu))**2
    rate_opt = (sp.sqrt(kappa) - 1) / (sp.sqrt(kappa) + 1)
    beta_opt = rate_opt**2
    _check(_is_zero(opt[0][alpha] - alpha_opt), "alpha* = 4/(sqrt L + sqrt mu)^2")
    _check(_is_zero(opt[0][sb].subs(Lmax, kappa * mu) - rate_opt), "sqrt beta* = (sqrt kappa - 1)/(sqrt kappa + 1)")
    # At both ends the root is double with modulus sqrt(beta*).
    for hh in (mu, Lmax):
        d_end = disc.subs({alpha: alpha_opt, h: hh, beta: beta_opt}).subs(kappa, Lmax / mu)
        _check(_is_zero(d_end), "double root at the ends of [mu, L]")
    # Critical damping.
    crit = sp.solve(sp.Eq(a**2, 4 * beta), beta)
    _check(set(sp.expand(c) for c in crit) ==
           {sp.expand((1 - sp.sqrt(alpha * h))**2), sp.expand((1 + sp.sqrt(alpha * h))**2)},
           "double-root condition beta = (1 -+ sqrt(alpha h))^2")
    critical = (1 - sp.sqrt(alpha * h))**2
    return HeavyBallStability(recurrence, sp.collect(char, z), region, beta_opt, alpha_opt, rate_opt, critical)


# ---------------------------------------------------------------------------------------------------------
# Chapter 2: SGD is a stochastic differential equation
# ---------------------------------------------------------------------------------------------------------
class FokkerPlanckStationary(NamedTuple):
    equation: sp.Eq          # ∂p/∂t = ∂ₓ(L′p) + (σ²/2)∂ₓ²p
    density: sp.Expr         # exp(−2L(x)/σ²) (unnormalised)
    current: sp.Expr         # J = −L′p − (σ²/2)p′ for that density: 0
    temperature: sp.Expr     # σ²/2: the density is exp(−L/T) with T = σ²/2
    popular_density: sp.Expr  # exp(−L(x)/σ²)
    popular_current: sp.Expr  # −L′(x) exp(−L/σ²)/2 ≠ 0: not stationary for noise σ
    popular_noise: sp.Expr    # √2·σ: the noise amplitude for which exp(−L/σ²) is stationary


def fokker_planck_stationary() -> FokkerPlanckStationary:
    r"""Stationary density of :math:`dX = -L'(X)\,dt + \sigma\,dW` (overdamped Langevin, the SDE model of SGD).

    The Fokker–Planck equation is

    .. math::

        \frac{\partial p}{\partial t} = \partial_x(L' p) + \frac{\sigma^2}{2}\partial_x^2 p = -\partial_x J,
        \qquad J = -L'p - \frac{\sigma^2}{2}p'.

    For a generic :math:`L` the current of :math:`p \propto e^{-2L/\sigma^2}` vanishes identically, so it is
    stationary: a Gibbs density :math:`e^{-L/T}` at temperature :math:`T = \sigma^2/2`. The popular
    :math:`e^{-L/\sigma^2}` has current :math:`-\tfrac12 L' e^{-L/\sigma^2} \neq 0`; it is stationary only for
    noise amplitude :math:`\sigma\sqrt2` (in general: :math:`e^{-L/T}` is stationary for noise
    :math:`\sqrt{2T}`).

    Returns
    -------
    FokkerPlanckStationary
        ``equation`` (for ``p(x, t)``), ``density``, ``current`` (= 0), ``temperature``,
        ``popular_density``, ``popular_current`` and ``popular_noise``.

    References
    ----------
    C. Gardiner, *Stochastic Methods*, 4th ed., Springer 2009, Sec. 5.3 and 6.5; H. Risken, *The Fokker–Planck
    Equation*, 2nd ed., Springer 1989, Sec. 5.1.
    """
    P = sp.Function("p")
    Lp = sp.diff(L(x), x)
    equation = sp.Eq(sp.diff(P(x, t), t),
                     sp.diff(Lp * P(x, t), x) + sigma**2 / 2 * sp.diff(P(x, t), x, 2))

    def current(p, s=sigma):
        return -Lp * p - s**2 / 2 * sp.diff(p, x)

    def rhs(p, s=sigma):
        return sp.diff(Lp * p, x) + s**2 / 2 * sp.diff(p, x, 2)

    # The right-hand side is minus the divergence of the current, for any p.
    q = sp.Function("q")(x)
    _check(_is_zero(rhs(q) + sp.diff(current(q), x)), "Fokker-Planck right side should be -dJ/dx")
    density = sp.exp(-2 * L(x) / sigma**2)
    J = sp.simplify(current(density))
    _check(J == 0, "the current of exp(-2L/sigma^2) should vanish")
    _check(_is_zero(rhs(density)), "exp(-2L/sigma^2) should be stationary")
    # Derive the exponent: p = exp(-c L) has zero current for all L iff c = 2/sigma^2.
    c = sp.Symbol("c")
    cs = sp.solve(sp.simplify(current(sp.exp(-c * L(x))) / (Lp * sp.exp(-c * L(x)))), c)
    _check(cs == [2 / sigma**2], "zero current iff c = 2/sigma^2")
    popular = sp.exp(-L(x) / sigma**2)
    Jpop = sp.simplify(current(popular))
    _check(_is_zero(Jpop + Lp * popular / 2), "current of exp(-L/sigma^2) should be -L' p/2")
    _check(not _is_zero(rhs(popular).subs(L(x), x**4).doit()), "exp(-L/sigma^2) is not stationary (x^4 example)")
    noise = sp.sqrt(2) * sigma
    _check(_is_zero(current(popular, noise)), "exp(-L/sigma^2) is stationary for noise sqrt(2) sigma")
    Tt = sp.Symbol("T", positive=True)
    _check(_is_zero(current(sp.exp(-L(x) / Tt), sp.sqrt(2 * Tt))), "exp(-L/T) stationary for noise sqrt(2T)")
    return FokkerPlanckStationary(equation, density, J, sigma**2 / 2, popular, Jpop, noise)


class KramersStationary(NamedTuple):
    equation: sp.Eq           # ∂p/∂t = −v∂ₓp + ∂ᵥ[(λv + L′)p] + (σ²/2)∂ᵥ²p
    density: sp.Expr          # exp(−(2λ/σ²)(v²/2 + L(x)))
    rhs: sp.Expr              # right side for that density: 0
    exponent: sp.Expr         # 2λ/σ²: the unique c with exp(−c(v²/2 + L)) stationary
    residual: sp.Expr         # right side / p for exp(−c H): (λ − σ²c/2)(1 − c v²)
    temperature: sp.Expr      # σ²/(2λ)
    undamped_exponent: sp.Expr  # 0: with λ = 0 only c = 0 is stationary, p = const, not normalisable


def kramers_stationary() -> KramersStationary:
    r"""Stationary density of the Kramers (Klein–Kramers) equation of noisy heavy ball.

    For :math:`dX = V\,dt`, :math:`dV = (-\lambda V - L'(X))\,dt + \sigma\,dW` the density :math:`p(x, v, t)`
    obeys

    .. math::

        \frac{\partial p}{\partial t} = -v\,\partial_x p + \partial_v\bigl[(\lambda v + L'(x))p\bigr]
        + \frac{\sigma^2}{2}\partial_v^2 p.

    For :math:`p = e^{-cH}`, :math:`H = v^2/2 + L(x)`, the right side divided by :math:`p` is
    :math:`(\lambda - \sigma^2c/2)(1 - cv^2)`, which vanishes for all :math:`v` iff :math:`c = 2\lambda/\sigma^2`:

    .. math::

        p \propto \exp\Bigl(-\frac{2\lambda}{\sigma^2}\Bigl(\frac{v^2}{2} + L(x)\Bigr)\Bigr),
        \qquad T = \frac{\sigma^2}{2\lambda}.

    Without friction (:math:`\lambda = 0`) the only such :math:`c` is 0: the "density" is constant and not
    normalisable — noise keeps pumping energy in.

    Returns
    -------
    KramersStationary
        ``equation``, ``density``, ``rhs`` (= 0), ``exponent`` (2λ/σ²), ``residual`` (in a symbol ``c``),
        ``temperature`` and ``undamped_exponent`` (= 0).

    References
    ----------
    H. A. Kramers, "Brownian motion in a field of force and the diffusion model of chemical reactions",
    Physica 7 (1940); Risken, *The Fokker–Planck Equation*, Ch. 10.
    """
    P = sp.Function("p")
    Lp = sp.diff(L(x), x)

    def kramers_rhs(p, damping=lam):
        return -v * sp.diff(p, x) + sp.diff((damping * v + Lp) * p, v) + sigma**2 / 2 * sp.diff(p, v, 2)

    equation = sp.Eq(sp.diff(P(x, v, t), t), kramers_rhs(P(x, v, t)))
    H = v**2 / 2 + L(x)
    c = sp.Symbol("c", real=True)
    residual = sp.factor(sp.simplify(kramers_rhs(sp.exp(-c * H)) / sp.exp(-c * H)))
    _check(_is_zero(residual - (lam - sigma**2 * c / 2) * (1 - c * v**2)), "residual (lambda - sigma^2 c/2)(1 - c v^2)")
    # Identically zero in v: all coefficients of the polynomial in v vanish.
    coeffs = sp.Poly(sp.expand(residual), v).coeffs()
    cs = sp.solve(coeffs, c, dict=True)
    _check(cs == [{c: 2 * lam / sigma**2}], "the only stationary exponent is 2 lambda/sigma^2")
    density = sp.exp(-2 * lam / sigma**2 * H)
    rhs = sp.simplify(kramers_rhs(density))
    _check(rhs == 0, "Kramers right side should vanish for the Gibbs density")
    undamped = sp.solve(sp.Poly(sp.expand(sp.simplify(kramers_rhs(sp.exp(-c * H), 0) / sp.exp(-c * H))), v).coeffs(),
                        c, dict=True)
    _check(undamped == [{c: 0}], "without friction only c = 0 is stationary")
    return KramersStationary(equation, density, rhs, 2 * lam / sigma**2, residual, sigma**2 / (2 * lam), sp.S(0))


# ---------------------------------------------------------------------------------------------------------
# Chapter 5: adaptive methods
# ---------------------------------------------------------------------------------------------------------
class AdamBias(NamedTuple):
    first_moment: sp.Eq    # E[m_t] = (1 − β₁ᵗ) E[g]
    second_moment: sp.Eq   # E[v_t] = (1 − β₂ᵗ) E[g²]
    correction_m: sp.Expr  # 1/(1 − β₁ᵗ): m̂_t = m_t/(1 − β₁ᵗ) is unbiased
    correction_v: sp.Expr  # 1/(1 − β₂ᵗ)


def adam_bias() -> AdamBias:
    r"""Bias of Adam's moment estimates started at zero.

    With :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1)g_t`, :math:`m_0 = 0`, unrolling gives
    :math:`m_t = (1-\beta_1)\sum_{k=1}^t \beta_1^{t-k} g_k`, and if :math:`\mathbb{E}[g_t] = \mathbb{E}[g]` is
    constant the finite geometric sum (symbolic :math:`t`) gives

    .. math::

        \mathbb{E}[m_t] = (1 - \beta_1^t)\,\mathbb{E}[g], \qquad
        \mathbb{E}[v_t] = (1 - \beta_2^t)\,\mathbb{E}[g^2],

    checked a second time by induction (true at :math:`t = 0`; the recurrence maps the formula at
    :math:`t-1` to the formula at :math:`t`). Dividing by :math:`1-\beta^t` removes the bias.

    Returns
    -------
    AdamBias
        ``first_moment``, ``second_moment`` (``Eq`` in ``t_step``, ``beta1``, ``beta2``, ``g_mean``,
        ``g2_mean``) and the correction factors ``correction_m``, ``correction_v``.

    References
    ----------
    D. P. Kingma, J. Ba, "Adam: A method for stochastic optimization", ICLR 2015, Sec. 3.
    """
    k = sp.Symbol("k", integer=True, positive=True)
    results = []
    for b, mean, name in ((beta1, g_mean, "m_t"), (beta2, g2_mean, "v_t")):
        total = sp.summation((1 - b) * b**(t_step - k) * mean, (k, 1, t_step))
        if isinstance(total, sp.Piecewise):  # the beta = 1 branch is irrelevant for beta in (0, 1)
            total = [e for e, cond in total.args if cond == sp.true or cond is True][0]
        closed = (1 - b**t_step) * mean
        _check(_is_zero(total - closed), f"E[{name}] should be (1 - {b}^t) E")
        # Induction.
        _check(_is_zero(closed.subs(t_step, 0)), "base case m_0 = 0")
        step = b * closed.subs(t_step, t_step - 1) + (1 - b) * mean
        _check(_is_zero(step - closed), "induction step")
        results.append(sp.Eq(sp.Symbol(r"\mathbb{E}[" + name + "]"), closed))
    return AdamBias(results[0], results[1], 1 / (1 - beta1**t_step), 1 / (1 - beta2**t_step))


class AdamStepSize(NamedTuple):
    step: sp.Expr          # lr·g/(|g| + ε): bias-corrected Adam (PyTorch's ε placement) with constant g
    step_eps_hat: sp.Expr  # lr·g/(|g| + ε/√(1 − β₂ᵗ)): ε added to the uncorrected √v_t (Kingma & Ba's "ε̂")
    limit: sp.Expr         # lr·sign(g): the step as ε → 0


def adam_step_size() -> AdamStepSize:
    r"""Adam's update size with a constant gradient is about lr per coordinate.

    With a constant gradient :math:`g`, :math:`m_t = (1-\beta_1^t)g` and :math:`v_t = (1-\beta_2^t)g^2`, so the
    bias-corrected estimates are exact, :math:`\hat m_t = g`, :math:`\hat v_t = g^2`, and

    .. math::

        \Delta\theta = -\mathrm{lr}\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
        = -\mathrm{lr}\,\frac{g}{|g| + \epsilon} \approx -\mathrm{lr}\,\operatorname{sign}(g).

    If instead :math:`\epsilon` is added to the uncorrected :math:`\sqrt{v_t}` (the "epsilon hat" form),
    the effective :math:`\epsilon` is :math:`\epsilon/\sqrt{1-\beta_2^t}`, large in the first steps.

    Returns
    -------
    AdamStepSize
        ``step`` and ``step_eps_hat`` (the size of the update, ``lr·g/(|g| + ε')``, in the real symbol
        ``g`` and ``eps``) and ``limit`` (``lr·sign(g)``).

    References
    ----------
    Kingma & Ba (2015), Sec. 2.1 ("the effective step ... is approximately bounded by the stepsize"),
    ``torch.optim.Adam`` documentation.
    """
    g = sp.Symbol("g", real=True, nonzero=True)
    eps = sp.Symbol("epsilon", positive=True)
    # Closed forms from the recurrences with constant g (the same sums as in adam_bias).
    m_t, v_t = sp.S(0), sp.S(0)
    for _ in range(3):  # explicit iteration for small t ...
        m_t = beta1 * m_t + (1 - beta1) * g
        v_t = beta2 * v_t + (1 - beta2) * g**2
    _check(_is_zero(m_t - (1 - beta1**3) * g) and _is_zero(v_t - (1 - beta2**3) * g**2), "moments at t = 3")
    bias = adam_bias()  # ... and the symbolic-t result
    m_t = bias.first_moment.rhs.subs(g_mean, g)
    v_t = bias.second_moment.rhs.subs(g2_mean, g**2)
    m_hat = sp.simplify(m_t / (1 - beta1**t_step))
    v_hat = sp.simplify(v_t / (1 - beta2**t_step))
    _check(m_hat == g and v_hat == g**2, "bias-corrected moments should be g and g^2")
    step = lr * m_hat / (sp.sqrt(v_hat) + eps)
    _check(_is_zero(step - lr * g / (sp.Abs(g) + eps)), "step should be lr g/(|g| + eps)")
    step_hat = lr * g / (sp.Abs(g) + eps / sp.sqrt(1 - beta2**t_step))
    # Kingma & Ba's efficient form: lr_t = lr sqrt(1 - beta2^t)/(1 - beta1^t), step lr_t m_t/(sqrt(v_t) + eps).
    q = sp.Symbol("q", positive=True)  # 1 - beta2^t, in (0, 1)
    direct = (lr * sp.sqrt(1 - beta2**t_step) / (1 - beta1**t_step) * m_t / (sp.sqrt(v_t) + eps))
    _check(_is_zero((direct - step_hat).subs(beta2**t_step, 1 - q)), "epsilon-hat form")
    lim = sp.limit(step, eps, 0)
    _check(_is_zero(lim - lr * sp.sign(g)), "step -> lr sign(g) as eps -> 0")
    return AdamStepSize(step, step_hat, lr * sp.sign(g))


# ---------------------------------------------------------------------------------------------------------
# Chapter 6: the intrinsic learning rate
# ---------------------------------------------------------------------------------------------------------
class ScaleInvariance(NamedTuple):
    euler_identity: sp.Eq    # d/dc L(cw)|_{c=1} = w·∇L(w): so L(cw) = L(w) ⇒ w·∇L = 0
    chain_identity: sp.Eq    # ∂/∂w L(cw) = c (∇L)(cw): so L(cw) = L(w) ⇒ ∇L(cw) = ∇L(w)/c
    loss: sp.Expr            # ½ wᵀHw / wᵀw with symbolic symmetric 3×3 H
    grad: sp.Matrix          # its gradient (Hw − 2L w)/wᵀw
    orthogonality: sp.Expr   # w·∇L(w) for that loss: 0
    homogeneity: sp.Matrix   # ∇L(cw) − ∇L(w)/c for that loss: zero vector
    norm_growth: sp.Eq       # |w − η∇L|² − |w|² = η²|∇L|²: gradient steps never shrink the norm
    effective_lr: sp.Expr    # η/c²: a step on w = c·u is a step on u with learning rate η/c²


def scale_invariance() -> ScaleInvariance:
    r"""Gradient of a scale-invariant loss: orthogonal to :math:`w` and homogeneous of degree :math:`-1`.

    If :math:`L(cw) = L(w)` for all :math:`c > 0`, differentiating in :math:`c` at :math:`c = 1` and in
    :math:`w` gives

    .. math::

        w\cdot\nabla L(w) = 0, \qquad \nabla L(cw) = \frac{1}{c}\nabla L(w).

    Both are checked (i) for a generic scale-invariant function of three variables,
    :math:`L(w) = F(w/\|w\|)` with an undefined :math:`F` (every scale-invariant :math:`L` has this form),
    and (ii) on minimopt's model :math:`L(w) = \tfrac12 w^\top Hw / w^\top w` with a symbolic symmetric
    :math:`3\times3` :math:`H`. Consequences: a gradient step never shrinks the norm,
    :math:`\|w - \eta\nabla L\|^2 = \|w\|^2 + \eta^2\|\nabla L\|^2`, and a step on :math:`w = c\,u` moves the
    direction :math:`u` like a step with learning rate :math:`\eta/c^2`.

    Returns
    -------
    ScaleInvariance
        ``euler_identity``, ``chain_identity`` (generic), ``loss``, ``grad``, ``orthogonality`` (= 0),
        ``homogeneity`` (zero vector) for the model (symbols ``w_1..w_3``, ``H_ij``), ``norm_growth`` and
        ``effective_lr`` (in ``eta``, ``c``).

    References
    ----------
    T. van Laarhoven, "L2 regularization versus batch and weight normalization", arXiv:1706.05350 (2017);
    Z. Li, S. Arora, "An exponential learning rate schedule for deep learning", ICLR 2020.
    """
    c = sp.Symbol("c", positive=True)
    eta = sp.Symbol("eta", positive=True)
    w = sp.Matrix(sp.symbols("w_1:4", real=True))
    # (i) Generic identities (before using invariance).
    G = sp.Function("L")
    Lcw = G(*(c * w))
    grad_generic = sp.Matrix([sp.diff(G(*w), wi) for wi in w])
    d_dc = sp.diff(Lcw, c).subs(c, 1).doit()
    _check(_is_zero(d_dc - (w.T * grad_generic)[0]), "d/dc L(cw) at c = 1 should be w . grad L")
    euler_identity = sp.Eq(sp.Subs(sp.Derivative(Lcw, c), c, 1), (w.T * grad_generic)[0])
    chain = sp.Matrix([sp.diff(Lcw, wi) for wi in w])
    u = sp.symbols("u_1:4", real=True)
    grad_at_cw = sp.Matrix([sp.diff(G(*u), ui) for ui in u]).subs(dict(zip(u, c * w)), simultaneous=True)
    _check(_is_zero((chain - c * grad_at_cw).doit()), "d/dw L(cw) should be c (grad L)(cw)")
    chain_identity = sp.Eq(sp.Derivative(Lcw, w[0]), c * sp.Subs(sp.Derivative(G(*u), u[0]), u, tuple(c * w)))
    _check(_is_zero((chain_identity.lhs - chain_identity.rhs).doit()), "displayed chain identity")
    # A generic scale-invariant function F(w/|w|).
    F = sp.Function("F")
    norm = sp.sqrt((w.T * w)[0])
    Lsi = F(*(w / norm))
    _check(_is_zero(Lsi.subs({wi: c * wi for wi in w}, simultaneous=True) - Lsi), "F(w/|w|) is scale invariant")
    gsi = sp.Matrix([sp.diff(Lsi, wi) for wi in w])
    _check(_is_zero(sp.expand((w.T * gsi)[0])), "w . grad F(w/|w|) should vanish")
    gsi_cw = gsi.subs({wi: c * wi for wi in w}, simultaneous=True)
    _check(_is_zero(gsi_cw - gsi / c), "grad F(cw/|cw|) should be grad/c")
    # (ii) minimopt's normalised quadratic (Rayleigh quotient).
    Hs = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"H_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    loss = (w.T * Hs * w)[0] / (2 * (w.T * w)[0])
    grad = sp.Matrix([sp.cancel(sp.diff(loss, wi)) for wi in w])
    _check(_is_zero(grad - (Hs * w - 2 * loss * w) / (w.T * w)[0]), "gradient of the Rayleigh quotient")
    ortho = sp.cancel((w.T * grad)[0])
    _check(ortho == 0, "w . grad L should be 0 for the normalised quadratic")
    homog = (grad.subs({wi: c * wi for wi in w}, simultaneous=True) - grad / c).applyfunc(sp.cancel)
    _check(homog == sp.zeros(3, 1), "grad L(cw) should be grad L(w)/c for the normalised quadratic")
    # Consequences, with the orthogonality used: w . g = 0.
    gv = sp.Matrix(sp.symbols("g_1:4", real=True))
    growth = sp.expand(((w - eta * gv).T * (w - eta * gv))[0] - (w.T * w)[0])
    growth_orth = growth.subs(gv[2], -(w[0] * gv[0] + w[1] * gv[1]) / w[2])
    _check(_is_zero(growth_orth - (eta**2 * (gv.T * gv)[0]).subs(gv[2], -(w[0] * gv[0] + w[1] * gv[1]) / w[2])),
           "norm growth eta^2 |g|^2")
    ww, gg = sp.symbols(r"\|w\|^2 \|\nabla{L}\|^2", positive=True)
    norm_growth = sp.Eq(sp.Symbol(r"\|w - \eta\nabla L\|^2") - ww, eta**2 * gg)
    # Effective learning rate on the direction u = w/c: (w - eta grad L(w))/c = u - (eta/c^2) grad L(u).
    uu = sp.Matrix(u)
    grad_u = grad.subs(dict(zip(w, uu)), simultaneous=True)
    step_w = (c * uu - eta * grad.subs({wi: c * ui for wi, ui in zip(w, uu)}, simultaneous=True)) / c
    _check(_is_zero((step_w - (uu - eta / c**2 * grad_u)).applyfunc(sp.cancel)), "effective rate eta/c^2")
    return ScaleInvariance(euler_identity, chain_identity, loss, sp.ImmutableMatrix(grad), ortho,
                           sp.ImmutableMatrix(homog), norm_growth, eta / c**2)
