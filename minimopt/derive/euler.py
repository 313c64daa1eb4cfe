"""Chapter 1, *Gradient descent is Euler's method*: the local and global error of Euler's method,
the midpoint observation, the stability bound, and beyond quadratics the descent lemma, local stability at a
minimum, the modified flow and the minima of the scalar factorisation (edge of stability).

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import gamma, h, theta, theta0, t, T, x, f, L, _check, _is_zero

__all__ = ["euler_local_error", "euler_global_error", "midpoint_difference", "euler_stability", "gradient_step_descent",
           "rosenbrock_minimum_stability", "modified_flow", "factorisation_minima"]

ell = sp.Symbol(r"\ell", positive=True)   # smoothness constant: |L''| <= ell (often called L; here L is the loss)


class EulerLocalError(NamedTuple):
    exact_step: sp.Eq        # θ(t+γ) = θ + γf + γ²/2 f'f + O(γ³)
    euler_step: sp.Expr      # θ + γ f(θ)
    local_error: sp.Expr     # γ²/2 f'(θ) f(θ): leading term of exact − Euler
    local_error_gd: sp.Expr  # the same for f = −L': γ²/2 L''(θ) L'(θ)
    order: int               # 2: the local error is O(γ²)


@functools.cache
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


@functools.cache
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


@functools.cache
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


@functools.cache
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


class GradientStepDescent(NamedTuple):
    remainder: sp.Expr      # ∫₀¹ ℓ s ds · d² = ℓd²/2: the bound on L(θ + d) − L(θ) − L′(θ)d when |L″| ≤ ℓ
    bound: sp.Expr          # L(θ − γ∇L) − L(θ) ≤ −γ(1 − ℓγ/2)‖∇L‖²: the right side, per unit ‖∇L‖²
    steps: sp.Set           # {γ > 0 : the bound is negative} = (0, 2/ℓ)
    best_step: sp.Expr      # 1/ℓ: the largest guaranteed decrease
    best_decrease: sp.Expr  # 1/(2ℓ): that decrease, per unit ‖∇L‖²
    map_slope: sp.Expr      # 1 − γL″(θ): slope of θ ↦ θ − γL′(θ) in 1-D, ≥ 0 for γ ≤ 1/ℓ


@functools.cache
def gradient_step_descent() -> GradientStepDescent:
    r"""When a gradient step goes downhill: the descent lemma, and when it cannot jump over a barrier (1-D).

    If :math:`\nabla L` is :math:`\ell`-Lipschitz on the segment from :math:`\theta` to :math:`\theta + d`
    (for a twice differentiable loss: :math:`\|\nabla^2 L\| \le \ell` there), Taylor's formula with the integral
    remainder gives :math:`L(\theta + d) \le L(\theta) + \nabla L(\theta)\cdot d + \ell\|d\|^2/2`, and for the
    gradient step :math:`d = -\gamma\nabla L(\theta)`

    .. math::

        L(\theta - \gamma\nabla L) \le L(\theta) - \gamma\Bigl(1 - \frac{\ell\gamma}{2}\Bigr)\|\nabla L(\theta)\|^2 ,

    a strict decrease for :math:`0 < \gamma < 2/\ell` (unless :math:`\nabla L = 0`), largest at
    :math:`\gamma = 1/\ell`. The bound is an equality on :math:`L = \ell\theta^2/2`, so :math:`2/\ell` cannot
    be improved. Decrease of :math:`L` does not keep the iterate in its basin: in one dimension the map
    :math:`\theta \mapsto \theta - \gamma L'(\theta)` has slope :math:`1 - \gamma L''`, non-negative when
    :math:`\gamma \le 1/\ell`; a non-decreasing map keeps the order of points, so an iterate cannot pass a
    stationary point (a fixed point). For :math:`1/\ell < \gamma < 2/\ell` a step can jump over a barrier and
    still lower :math:`L`.

    Returns
    -------
    GradientStepDescent
        ``remainder`` (in the step ``d``), ``bound`` (per unit :math:`\|\nabla L\|^2`, in ``gamma`` and the
        smoothness constant ``\ell``), ``steps`` (the interval of guaranteed decrease), ``best_step``,
        ``best_decrease`` and ``map_slope``.

    References
    ----------
    Y. Nesterov, *Lectures on Convex Optimization*, 2nd ed., Springer 2018, Lemma 1.2.3 and Sec. 1.2.3;
    J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006.
    """
    s, d, g = sp.symbols("s d g", real=True)
    # |L'(theta + s d) - L'(theta)| <= ell s |d|: the remainder integral is at most ell d^2 / 2.
    remainder = sp.integrate(ell * s * d**2, (s, 0, 1))
    _check(_is_zero(remainder - ell * d**2 / 2), "int_0^1 ell s d^2 ds = ell d^2/2")
    change = (g * d + remainder).subs(d, -gamma * g)
    bound = sp.factor(change / g**2)
    _check(_is_zero(bound + gamma * (1 - ell * gamma / 2)), "bound -gamma (1 - ell gamma/2) per unit grad^2")
    steps = sp.solve_univariate_inequality(bound < 0, gamma, relational=False)
    _check(steps == sp.Interval.open(0, 2 / ell), "decrease guaranteed iff 0 < gamma < 2/ell")
    crit = sp.solve(sp.diff(bound, gamma), gamma)
    _check(crit == [1 / ell], "the best guaranteed decrease is at gamma = 1/ell")
    best = -bound.subs(gamma, 1 / ell)
    _check(_is_zero(best - 1 / (2 * ell)), "best decrease ell^{-1}/2 per unit grad^2")
    # Tight on L = ell theta^2/2: the actual change equals the bound.
    th = sp.Symbol("theta", real=True)
    quad = ell * th**2 / 2
    actual = quad.subs(th, th - gamma * ell * th) - quad
    _check(_is_zero(actual - bound * (ell * th)**2), "the bound is an equality on ell theta^2/2")
    # 1-D: slope of the gradient-step map.
    slope = sp.diff(th - gamma * sp.diff(L(th), th), th)
    _check(_is_zero(slope - (1 - gamma * sp.diff(L(th), th, 2))), "slope 1 - gamma L''")
    no_jump = sp.solve_univariate_inequality(1 - gamma * ell >= 0, gamma, relational=False)
    _check(no_jump == sp.Interval(-sp.oo, 1 / ell), "slope >= 0 wherever L'' <= ell iff gamma <= 1/ell")
    return GradientStepDescent(remainder, -gamma * (1 - ell * gamma / 2), steps, 1 / ell, 1 / (2 * ell),
                               1 - gamma * sp.diff(L(th), th, 2))


class RosenbrockMinimumStability(NamedTuple):
    hessian: sp.Matrix         # ∇²L at the minimum (a, a²) of Rosenbrock(a, b)
    eigenvalues: list          # its two eigenvalues, largest first
    step_bound: sp.Expr        # 2/λ_max: gradient descent is linearly stable at the minimum iff γ < 2/λ_max


@functools.cache
def rosenbrock_minimum_stability() -> RosenbrockMinimumStability:
    r"""Local stability of gradient descent at the minimum of the Rosenbrock function (a = 1, b = 100).

    Near a minimum :math:`\theta^*`, :math:`\nabla L(\theta) = \nabla^2L(\theta^*)(\theta - \theta^*)
    + O(\|\theta - \theta^*\|^2)`, so gradient descent is, to first order, gradient descent on the quadratic
    with Hessian :math:`\nabla^2L(\theta^*)`: the minimum attracts nearby iterates if
    :math:`\gamma < 2/\lambda_{\max}(\nabla^2 L(\theta^*))` and repels them if :math:`\gamma > 2/\lambda_{\max}`
    (linearisation; Hartman–Grobman for maps with no eigenvalue of modulus one). For
    :math:`L = b(y - x^2)^2 + (a - x)^2` at :math:`(a, a^2)` the Hessian is
    :math:`\begin{pmatrix} 8a^2b + 2 & -4ab \\ -4ab & 2b \end{pmatrix}`.
    """
    X, Y = sp.symbols("x y", real=True)
    a, b = sp.Integer(1), sp.Integer(100)
    rosen = b * (Y - X**2) ** 2 + (a - X) ** 2
    grad = sp.Matrix([rosen.diff(X), rosen.diff(Y)])
    _check(grad.subs({X: a, Y: a**2}) == sp.zeros(2, 1), "(a, a²) should be a stationary point")
    hess = sp.hessian(rosen, (X, Y)).subs({X: a, Y: a**2})
    _check(hess == sp.Matrix([[8 * a**2 * b + 2, -4 * a * b], [-4 * a * b, 2 * b]]), "unexpected Hessian")
    eigenvalues = sorted(hess.eigenvals(), key=lambda e: -float(e))
    _check(all(float(e) > 0 for e in eigenvalues), "the Hessian should be positive definite")
    _check(_is_zero(eigenvalues[0] + eigenvalues[1] - hess.trace()) and _is_zero(eigenvalues[0] * eigenvalues[1]
                                                                                   - hess.det()),
           "eigenvalues should have the Hessian's trace and determinant")
    return RosenbrockMinimumStability(hess, eigenvalues, sp.radsimp(2 / eigenvalues[0]))


class ModifiedFlow(NamedTuple):
    modified_loss: sp.Expr     # L + (γ/4) L'²
    vector_field: sp.Expr      # −L' − (γ/2) L'' L' = −d/dθ (L + γ/4 L'²)
    flow_error: sp.Expr        # θ(t+γ) − (θ − γL') along the modified flow: O(γ³)


@functools.cache
def modified_flow() -> ModifiedFlow:
    r"""The modified equation of gradient descent for a general smooth loss (one dimension).

    Gradient descent follows, to second order per step, the flow :math:`\tilde\theta' = -\tilde L'(\tilde\theta)`
    of the modified loss :math:`\tilde L = L + \frac{\gamma}{4}L'^2`: SymPy expands one step of that flow,
    :math:`\tilde\theta(t+\gamma) = \theta + \gamma F + \frac{\gamma^2}{2}F'F + O(\gamma^3)` with
    :math:`F = -\tilde L'`, and checks that it agrees with :math:`\theta - \gamma L'(\theta)` up to
    :math:`O(\gamma^3)`, whereas the flow of :math:`L` itself differs at :math:`O(\gamma^2)`.

    References
    ----------
    Hairer, Lubich & Wanner (2006), Ch. IX (modified equations); Barrett & Dherin (2021).
    """
    Lp = sp.diff(L(theta), theta)
    modified = L(theta) + gamma / 4 * Lp**2
    field = sp.expand(-sp.diff(modified, theta))
    _check(_is_zero(field - (-Lp - gamma / 2 * sp.diff(L(theta), theta, 2) * Lp)), "field should be −L' − γ/2 L''L'")
    # one step of the flow θ' = F(θ): θ + γF + γ²/2 F'F + O(γ³)
    step = theta + gamma * field + gamma**2 / 2 * sp.diff(field, theta) * field
    error = sp.expand(step - (theta - gamma * Lp))
    error = sp.series(error, gamma, 0, 3).removeO()
    _check(_is_zero(error), "the modified flow should agree with gradient descent to O(γ³) per step")
    plain = sp.expand(theta - gamma * Lp + gamma**2 / 2 * sp.diff(-Lp, theta) * (-Lp) - (theta - gamma * Lp))
    _check(not _is_zero(plain), "the flow of L itself should differ from gradient descent at O(γ²)")
    return ModifiedFlow(modified, field, sp.O(gamma**3))


class FactorisationMinima(NamedTuple):
    loss: sp.Expr              # (xy − 1)²/2
    minima: sp.Eq              # xy = 1
    hessian_eigenvalues: list  # at a minimum: 0 and x² + y²
    least_sharpness: sp.Expr   # 2, at (1, 1) and (−1, −1)
    stable_step: sp.Expr       # gradient descent is linearly stable at a minimum iff γ < 2/(x² + y²)
    conserved: sp.Expr         # x² − y², constant along the gradient flow
    flow_sharpness: sp.Expr    # √(c² + 4): sharpness of the minimum the flow from x² − y² = c reaches


@functools.cache
def factorisation_minima() -> FactorisationMinima:
    r"""Minima of the scalar factorisation :math:`L(x, y) = (xy - 1)^2/2` and their sharpness.

    The minima form the hyperbola :math:`xy = 1`. There the Hessian is :math:`(y, x)^\top(y, x)`, with
    eigenvalues 0 (along the hyperbola) and :math:`x^2 + y^2` (the *sharpness*), which is at least 2 by
    :math:`x^2 + y^2 \ge 2|xy|`, with equality at :math:`\pm(1, 1)`. Gradient descent with step :math:`\gamma`
    can be linearly stable only at minima of sharpness below :math:`2/\gamma`.
    The gradient flow conserves :math:`x^2 - y^2`, so from a start with :math:`x_0^2 - y_0^2 = c` it reaches
    the minimum with :math:`x^2 - y^2 = c`, :math:`xy = 1`, whose sharpness is :math:`\sqrt{c^2 + 4}`.

    References
    ----------
    Lewkowycz et al. (2020), the catapult mechanism; Cohen et al. (2021), edge of stability.
    """
    X, Y = sp.symbols("x y", real=True)
    loss = (X * Y - 1) ** 2 / 2
    grad = [loss.diff(X), loss.diff(Y)]
    _check(all(_is_zero(g.subs(Y, 1 / X)) for g in grad), "every point of xy = 1 should be stationary")
    hess = sp.hessian(loss, (X, Y)).subs(Y, 1 / X)
    eigenvalues = sorted(hess.eigenvals(), key=sp.default_sort_key)
    sharp = [e for e in eigenvalues if not _is_zero(e)]
    _check(len(sharp) == 1 and any(_is_zero(e) for e in eigenvalues), "eigenvalues should be 0 and x² + y²")
    _check(_is_zero(sharp[0] - (X**2 + 1 / X**2)), "the sharpness should be x² + y²")
    least = sp.minimum(X**2 + 1 / X**2, X, sp.Interval.open(0, sp.oo))
    _check(least == 2, "the least sharpness on xy = 1 should be 2")
    sharpness = X**2 + Y**2
    conserved = X**2 - Y**2
    _check(_is_zero(conserved.diff(X) * -grad[0] + conserved.diff(Y) * -grad[1]), "the flow should conserve x² − y²")
    c = sp.Symbol("c", real=True)
    # on xy = 1 with x² − y² = c: (x² + y²)² = (x² − y²)² + 4x²y² = c² + 4
    _check(_is_zero((sharpness**2 - conserved**2 - 4 * (X * Y) ** 2).expand()), "(x²+y²)² = (x²−y²)² + 4x²y²")
    return FactorisationMinima(loss, sp.Eq(X * Y, 1), [sp.Integer(0), sharpness], least, 2 / sharpness,
                               conserved, sp.sqrt(c**2 + 4))
