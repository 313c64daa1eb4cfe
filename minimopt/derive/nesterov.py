r"""Chapter 4, *Nesterov's method*: which discretisation of the damping gives which coefficients, the
high-resolution ODEs of heavy ball and Nesterov, the map to PyTorch's ``nesterov=True``, Nesterov's stability and
tuning on quadratics, heavy ball's period-3 cycle on Lessard, Recht & Packard's function, and the Su–Boyd–Candès
limit.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.

Symbols of this module (module attributes, besides the shared ones of :mod:`minimopt.derive`):

- ``s``: the step of Shi, Du, Jordan & Su and of Su, Boyd & Candès (the gradient coefficient α = s; one
  iteration advances time by √s)
- ``ell`` (ℓ): Nesterov's look-ahead, the gradient taken at θ + ℓβv (ℓ = 0 is heavy ball)
- ``X``: the continuous trajectory, an undefined function of ``t``; ``G``: the gradient ∇L as an undefined
  function (one-dimensional, so that ∇²L(X)X′ is ``G'(X) X'``)
"""

from __future__ import annotations

import functools
import itertools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import (alpha, beta, gamma, h, kappa, lam, lr, mu, h_min, h_max, n, t, theta0, _check, _is_zero)
from minimopt.derive.momentum import heavy_ball_stability, leapfrog_coefficients

__all__ = ["damping_discretisations", "high_resolution_odes", "nesterov_torch_map", "nesterov_stability",
           "lrp_heavy_ball_cycle", "su_boyd_candes_limit"]

s = sp.Symbol("s", positive=True)
ell = sp.Symbol("ell", nonnegative=True)
X = sp.Function("X")
G = sp.Function(r"\nabla L")


# ---------------------------------------------------------------------------------------------------------
# Which discretisation of the damping
# ---------------------------------------------------------------------------------------------------------
class DampingDiscretisations(NamedTuple):
    schemes: dict        # name -> Eq (u_{n+1} − u_n)/γ = −λ·(damped velocity) − F
    coefficients: dict   # name -> (β, α) of v_{n+1} = βv_n − αF, v = γu
    series: dict         # name -> (β series, α series) in γ to O(γ³), O(γ⁴)
    first_order: tuple   # (1 − λγ, γ²): what all three share
    gap: sp.Expr         # β_implicit − β_explicit = λ²γ² + O(γ³)


@functools.cache
def damping_discretisations() -> DampingDiscretisations:
    r"""Which discretisation of the damping in :math:`\theta'' + \lambda\theta' = -\nabla L` gives which (β, α).

    Write the equation as :math:`\theta' = u`, :math:`u' = -\lambda u - F` with the force :math:`F = \nabla L`
    taken where the method takes it (:math:`\theta_n` for heavy ball, :math:`\theta_n + \beta v_n` for Nesterov),
    difference the velocity forward, :math:`(u_{n+1} - u_n)/\gamma`, move the position with the new velocity,
    :math:`\theta_{n+1} = \theta_n + \gamma u_{n+1}`, and call :math:`v = \gamma u` the displacement. Then

    - damping at the old velocity, :math:`-\lambda u_n` (explicit): :math:`\beta = 1 - \lambda\gamma`,
      :math:`\alpha = \gamma^2`;
    - damping at the new velocity, :math:`-\lambda u_{n+1}` (implicit): :math:`\beta = 1/(1 + \lambda\gamma)`,
      :math:`\alpha = \gamma^2/(1 + \lambda\gamma)`;
    - the average :math:`-\lambda(u_{n+1} + u_n)/2`: the leapfrog coefficients
      :math:`\beta = (1 - \lambda\gamma/2)/(1 + \lambda\gamma/2)`, :math:`\alpha = \gamma^2/(1 + \lambda\gamma/2)`
      of :func:`~minimopt.derive.leapfrog_coefficients`.

    All three agree to first order, :math:`\beta = 1 - \lambda\gamma + O(\gamma^2)`,
    :math:`\alpha = \gamma^2 + O(\gamma^3)`; the implicit and explicit β differ by :math:`\lambda^2\gamma^2 + O(\gamma^3)`.

    Returns
    -------
    DampingDiscretisations
        ``schemes``, ``coefficients`` and ``series`` keyed by ``"explicit"``, ``"implicit"``, ``"average"``;
        ``first_order`` and ``gap``.

    References
    ----------
    Su Jianlin, "从动力学角度看优化算法（一）：从SGD到动量加速", Scientific Spaces (2018) derives
    β = 1 − λγ, α = γ²; the implicit reading is the one its readers proposed.
    """
    u_old, u_new, F = sp.symbols("u_n u_n+1 F", real=True)
    v_old = sp.Symbol("v_n", real=True)
    damped = {"explicit": u_old, "implicit": u_new, "average": (u_new + u_old) / 2}
    schemes, coefficients, series = {}, {}, {}
    for name, u_damped in damped.items():
        scheme = sp.Eq((u_new - u_old) / gamma, -lam * u_damped - F)
        sol = sp.solve(scheme, u_new)
        _check(len(sol) == 1, f"{name}: the scheme is linear in u_(n+1)")
        v_new = sp.expand(gamma * sol[0].subs(u_old, v_old / gamma))   # v = gamma u
        b = sp.simplify(v_new.coeff(v_old))
        a = sp.simplify(-v_new.coeff(F))
        _check(_is_zero(v_new - (b * v_old - a * F)), f"{name}: v_(n+1) = beta v_n - alpha F only")
        schemes[name] = scheme
        coefficients[name] = (b, a)
        series[name] = (sp.series(b, gamma, 0, 3), sp.series(a, gamma, 0, 4))
    expl, impl, avg = (coefficients[k] for k in ("explicit", "implicit", "average"))
    _check(_is_zero(expl[0] - (1 - lam * gamma)) and _is_zero(expl[1] - gamma**2),
           "explicit damping gives beta = 1 - lambda gamma, alpha = gamma^2")
    _check(_is_zero(impl[0] - 1 / (1 + lam * gamma)) and _is_zero(impl[1] - gamma**2 / (1 + lam * gamma)),
           "implicit damping gives beta = 1/(1 + lambda gamma), alpha = gamma^2/(1 + lambda gamma)")
    lf = leapfrog_coefficients()
    _check(_is_zero(avg[0] - lf.beta) and _is_zero(avg[1] - lf.alpha), "averaged damping gives the leapfrog pair")
    first_order = (1 - lam * gamma, gamma**2)
    for name, (b_series, a_series) in series.items():
        b_lead = sp.series(b_series.removeO() - first_order[0], gamma, 0, 2).removeO()
        a_lead = sp.series(a_series.removeO() - first_order[1], gamma, 0, 3).removeO()
        _check(b_lead == 0 and a_lead == 0, f"{name}: agrees with (1 - lambda gamma, gamma^2) to first order")
    gap_series = sp.series(impl[0] - expl[0], gamma, 0, 3)
    _check(_is_zero(gap_series.removeO() - lam**2 * gamma**2), "implicit - explicit beta = lambda^2 gamma^2 + ...")
    return DampingDiscretisations(schemes, coefficients, series, first_order, gap_series)


# ---------------------------------------------------------------------------------------------------------
# High-resolution ODEs
# ---------------------------------------------------------------------------------------------------------
def _taylor(shift, derivs):
    """X(t + shift) as a Taylor polynomial in the derivative symbols ``derivs`` = (X, X', X'', …)."""
    return sum(shift**k / sp.factorial(k) * d for k, d in enumerate(derivs))


class HighResolutionODEs(NamedTuple):
    low_resolution: sp.Eq   # X'' + 2√μ X' + ∇L(X) = 0 (both methods, s → 0)
    heavy_ball: sp.Eq       # X'' + 2√μ X' + (1 + √(μs)) ∇L(X) = 0
    nesterov: sp.Eq         # X'' + 2√μ X' + ℓ√s ∇²L(X) X' + (1 + √(μs)) ∇L(X) = 0
    correction: sp.Expr     # ℓ√s: the coefficient of ∇²L(X) X′ (√s for Nesterov, ℓ = 1)
    residual: sp.Expr       # the scheme's residual through O(√s), in X, X', X'', ∇L, ∇²L at t
    beta: sp.Expr           # the tuning (1 − √(μs))/(1 + √(μs))


@functools.cache
def high_resolution_odes() -> HighResolutionODEs:
    r"""The ODEs that heavy ball and Nesterov follow to first order in the step (Shi, Du, Jordan & Su).

    Take the strongly convex tuning :math:`\alpha = s`, :math:`\beta = (1 - \sqrt{\mu s})/(1 + \sqrt{\mu s})`,
    the gradient at :math:`\theta_n + \ell\beta(\theta_n - \theta_{n-1})` (ℓ = 0 heavy ball, ℓ = 1 Nesterov) and
    :math:`\theta_n = X(n\sqrt s)`. Taylor-expanding the recurrence
    :math:`\theta_{n+1} - \theta_n - \beta(\theta_n - \theta_{n-1}) + s\nabla L(\cdot) = 0`, multiplied by
    :math:`(1 + \sqrt{\mu s})/s`, in :math:`\sqrt s` and dropping :math:`O(s)`:

    .. math::

        \ddot X + 2\sqrt\mu\,\dot X + \ell\sqrt s\,\nabla^2 L(X)\dot X + (1 + \sqrt{\mu s})\nabla L(X) = 0 .

    Heavy ball (ℓ = 0) lacks the gradient correction :math:`\sqrt s\,\nabla^2L(X)\dot X`; at :math:`s \to 0`
    both reduce to the low-resolution :math:`\ddot X + 2\sqrt\mu\dot X + \nabla L(X) = 0`. The expansion is done
    in one dimension (the Hessian term is then :math:`L''(X)\dot X`); it is the same term for vectors.

    Returns
    -------
    HighResolutionODEs
        ``low_resolution``, ``heavy_ball``, ``nesterov`` (equations in ``X(t)`` and ``G`` = ∇L),
        ``correction`` (ℓ√s), ``residual`` and ``beta``.

    References
    ----------
    B. Shi, S. S. Du, M. I. Jordan, W. J. Su, "Understanding the acceleration phenomenon via high-resolution
    differential equations", Mathematical Programming 195 (2022; online 2021), Sec. 2.
    """
    e = sp.Symbol("epsilon", positive=True)   # sqrt(s): one step advances time by sqrt(s)
    r = sp.sqrt(s)
    x = sp.symbols("x0:5", real=True)         # X and its first four derivatives at t
    g = sp.symbols("g0:2", real=True)         # grad L and its derivative (the Hessian) at X(t)
    num, den = 1 - sp.sqrt(mu) * e, 1 + sp.sqrt(mu) * e     # beta = num/den
    x_next, x_prev = _taylor(e, x), _taylor(-e, x)
    # grad L at the look-ahead x0 + delta, delta = ell beta (x0 - x_prev) = O(sqrt s): g0 + g1 delta + O(s)
    # (1 + sqrt(mu s)) times the recurrence x_next - x0 - beta (x0 - x_prev) + s grad L(x0 + delta):
    scaled = (den * (x_next - x[0]) - num * (x[0] - x_prev)
              + e**2 * (den * g[0] + g[1] * ell * num * (x[0] - x_prev)))
    # a polynomial in e; divided by s = e^2, keep e^0 and e^1.
    poly = sp.Poly(sp.expand(scaled), e)
    coeff = {k[0]: c for k, c in zip(poly.monoms(), poly.coeffs())}
    _check(coeff.get(0, 0) == 0 and coeff.get(1, 0) == 0, "no O(1/s) or O(1/sqrt s) terms")
    residual = sp.expand(coeff.get(2, 0) + coeff.get(3, 0) * r)
    claimed = x[2] + 2 * sp.sqrt(mu) * x[1] + ell * r * g[1] * x[1] + (1 + sp.sqrt(mu * s)) * g[0]
    _check(_is_zero(residual - claimed), "residual through O(sqrt s) is the high-resolution ODE")
    b = num.subs(e, r) / den.subs(e, r)
    low = sp.expand(residual.subs(s, 0))
    _check(_is_zero(low - (x[2] + 2 * sp.sqrt(mu) * x[1] + g[0])), "s -> 0 gives the low-resolution ODE")
    _check(_is_zero(sp.diff(residual, ell) - r * g[1] * x[1]), "the look-ahead adds ell sqrt(s) Hess X' only")
    tt = X(t)
    subs_back = {x[0]: tt, x[1]: tt.diff(t), x[2]: tt.diff(t, 2), g[0]: G(tt), g[1]: sp.Derivative(G(tt), tt)}
    hessian_term = sp.Derivative(G(tt), tt) * tt.diff(t)
    heavy = tt.diff(t, 2) + 2 * sp.sqrt(mu) * tt.diff(t) + (1 + sp.sqrt(mu * s)) * G(tt)
    return HighResolutionODEs(
        sp.Eq(tt.diff(t, 2) + 2 * sp.sqrt(mu) * tt.diff(t) + G(tt), 0),
        sp.Eq(heavy, 0),
        sp.Eq(heavy + sp.sqrt(s) * hessian_term, 0),
        ell * sp.sqrt(s),
        residual.subs(subs_back),
        b,
    )


# ---------------------------------------------------------------------------------------------------------
# PyTorch's nesterov=True
# ---------------------------------------------------------------------------------------------------------
class NesterovTorchMap(NamedTuple):
    torch_update: tuple     # (Eq b ← μb + g(Θ), Eq Θ ← Θ − lr(g + μb))
    physics_update: tuple   # (Eq v ← βv − α∇L(θ + βv), Eq θ ← θ + v)
    mapping: dict           # {lr: α, μ: β}
    params: sp.Eq           # Θ = θ + βv
    buffer: sp.Eq           # b = −v/α
    iterates: tuple         # Θ₁, Θ₂, Θ₃ of both forms with a generic ∇L


@functools.cache
def nesterov_torch_map() -> NesterovTorchMap:
    r"""``torch.optim.SGD(lr, momentum=μ, nesterov=True)`` is Nesterov's method on :math:`\Theta = \theta + \beta v`.

    PyTorch updates :math:`b \leftarrow \mu b + g`, :math:`\Theta \leftarrow \Theta - \mathrm{lr}(g + \mu b)`
    with :math:`g = \nabla L(\Theta)`; the physics form updates
    :math:`v \leftarrow \beta v - \alpha\nabla L(\theta + \beta v)`, :math:`\theta \leftarrow \theta + v`. If
    :math:`\Theta = \theta + \beta v` and :math:`b = -v/\alpha` before a step, with :math:`\mathrm{lr} = \alpha`,
    :math:`\mu = \beta`, both take the gradient at the same point and the relations hold after it (checked
    symbolically for a generic gradient); they hold at the start (:math:`v_0 = 0`, :math:`b_0 = 0`), so for all
    steps. Conversely equal :math:`\Theta_k` for arbitrary gradients over three steps force
    :math:`\mathrm{lr} = \alpha`, :math:`\mu = \beta` (for :math:`\mu \ge 0`).

    Returns
    -------
    NesterovTorchMap
        ``torch_update``, ``physics_update``, ``mapping`` (``{lr: alpha, mu: beta}``), ``params``
        (``Eq(Θ, θ + βv)``), ``buffer`` (``Eq(b, -v/α)``) and ``iterates``.

    References
    ----------
    I. Sutskever, J. Martens, G. Dahl, G. Hinton, ICML 2013 (the physics form); the ``torch.optim.SGD``
    documentation (the ``nesterov`` update).
    """
    th, vv, Th, bb = sp.symbols("theta v Theta b", real=True)

    def torch_step(Theta, b, grad, rate, momentum):
        g = grad(Theta) if callable(grad) else grad
        b = momentum * b + g
        return Theta - rate * (g + momentum * b), b

    def physics_step(theta, v, grad):
        g = grad(theta + beta * v) if callable(grad) else grad
        v = beta * v - alpha * g
        return theta + v, v

    # Induction step with a generic gradient function.
    Th1, b1 = torch_step(th + beta * vv, -vv / alpha, G, alpha, beta)
    th1, v1 = physics_step(th, vv, G)
    _check(_is_zero(Th1 - (th1 + beta * v1)), "Theta = theta + beta v is preserved by a step")
    _check(_is_zero(b1 + v1 / alpha), "b = -v/alpha is preserved by a step")
    # Base case: v0 = 0 and b0 = 0 satisfy both relations; the iterates from theta0 with a generic gradient.
    Th_k, b_k, th_k, v_k = theta0, sp.S(0), theta0, sp.S(0)
    iterates = []
    for _ in range(3):
        Th_k, b_k = torch_step(Th_k, b_k, G, alpha, beta)
        th_k, v_k = physics_step(th_k, v_k, G)
        _check(_is_zero(Th_k - (th_k + beta * v_k)), "iterates coincide from the start")
        iterates.append(Th_k)
    # "Only if": arbitrary gradient values g0, g1, g2 at the (common) query points.
    gs = sp.symbols("g_0:3", real=True)
    rate, momentum = sp.symbols("lr_t mu_t", real=True)
    Th_k, b_k, th_k, v_k = theta0, sp.S(0), theta0, sp.S(0)
    eqs = []
    for g in gs:
        Th_k, b_k = torch_step(Th_k, b_k, g, rate, momentum)
        th_k, v_k = physics_step(th_k, v_k, g)
        eqs.extend(sp.Poly(sp.expand(Th_k - (th_k + beta * v_k)), *gs).coeffs())
    sols = sp.solve(eqs, [rate, momentum], dict=True)
    probe = {alpha: sp.Rational(1, 10), beta: sp.Rational(9, 10)}
    nonneg = [sol for sol in sols if sol[momentum].subs(probe) >= 0]
    _check(len(nonneg) == 1 and _is_zero(nonneg[0][rate] - alpha) and _is_zero(nonneg[0][momentum] - beta),
           "equal iterates force lr = alpha, mu = beta")
    k = sp.Symbol("k", integer=True)
    bk, vk, Thk, thk = (sp.Function(name) for name in ("b", "v", "Theta", "theta"))
    torch_update = (sp.Eq(bk(k + 1), mu * bk(k) + G(Thk(k))),
                    sp.Eq(Thk(k + 1), Thk(k) - lr * (G(Thk(k)) + mu * bk(k + 1))))
    physics_update = (sp.Eq(vk(k + 1), beta * vk(k) - alpha * G(thk(k) + beta * vk(k))),
                      sp.Eq(thk(k + 1), thk(k) + vk(k + 1)))
    return NesterovTorchMap(torch_update, physics_update, {lr: alpha, mu: beta}, sp.Eq(Th, th + beta * vv),
                            sp.Eq(bb, -vv / alpha), tuple(iterates))


# ---------------------------------------------------------------------------------------------------------
# Stability and tuning on quadratics
# ---------------------------------------------------------------------------------------------------------
class NesterovStability(NamedTuple):
    recurrence: sp.Eq          # θ_{n+1} = (1+β)(1−αh)θ_n − β(1−αh)θ_{n−1}
    char_poly: sp.Expr         # z² − (1+β)(1−αh)z + β(1−αh)
    effective_momentum: sp.Expr  # β(1 − αh): heavy ball with this momentum and the same α
    region: sp.Boolean         # And(β(1−αh) < 1, αh > 0, αh < 2(1 + β(1−αh))): all β, also β ≥ 1
    upper_edge: sp.Expr        # 2(1+β)/(1+2β): the edge αh < ... (for β > −1/2)
    lower_edge: sp.Expr        # 1 − 1/β: for β > 1 the region also needs αh > 1 − 1/β
    heavy_ball_edge: sp.Expr   # 2(1+β), heavy ball's edge
    edge_gap: sp.Expr          # 2(1+β) − 2(1+β)/(1+2β) = 4β(1+β)/(1+2β) ≥ 0
    alpha_opt: sp.Expr         # 4/(3L + μ)
    beta_opt: sp.Expr          # (√(3κ+1) − 2)/(√(3κ+1) + 2)
    rate_opt: sp.Expr          # 1 − 2/√(3κ+1)
    alpha_std: sp.Expr         # 1/L
    beta_std: sp.Expr          # (√κ − 1)/(√κ + 1)
    rate_std: sp.Expr          # 1 − 1/√κ
    rate_gap: sp.Expr          # rate_opt − heavy ball's (√κ−1)/(√κ+1), in q = √κ: positive for κ > 1


@functools.cache
def nesterov_stability() -> NesterovStability:
    r"""Stability region and tunings of Nesterov's method (ℓ = 1) on :math:`L = h\theta^2/2`.

    On the quadratic, :math:`\theta_{n+1} = (1-\alpha h)\bigl(\theta_n + \beta(\theta_n - \theta_{n-1})\bigr)`:
    heavy ball with the *effective momentum* :math:`\beta(1-\alpha h)` and the same :math:`\alpha`. Substituting
    it into heavy ball's region (:func:`~minimopt.derive.heavy_ball_stability`) and solving each condition for
    :math:`\alpha h`:

    .. math::

        0 < \alpha h < \frac{2(1+\beta)}{1+2\beta}\quad(0 \le \beta < 1), \qquad
        \text{and also } \alpha h > 1 - 1/\beta \text{ for } \beta \ge 1 .

    At fixed :math:`(\alpha, \beta)` this is narrower than heavy ball's :math:`\alpha h < 2(1+\beta)` by
    :math:`4\beta(1+\beta)/(1+2\beta)`. For curvatures in :math:`[\mu, L]`, :math:`\kappa = L/\mu`, the tuning
    with a double root :math:`\rho` at :math:`h = \mu` and the root :math:`-\rho` at :math:`h = L` is

    .. math::

        \alpha = \frac{4}{3L + \mu},\quad \beta = \frac{\sqrt{3\kappa+1} - 2}{\sqrt{3\kappa+1} + 2},\quad
        \rho = 1 - \frac{2}{\sqrt{3\kappa+1}},

    which Lessard, Recht & Packard show to be the best rate of Nesterov's method on such quadratics; the
    standard tuning :math:`\alpha = 1/L`, :math:`\beta = (\sqrt\kappa-1)/(\sqrt\kappa+1)` has a double root
    :math:`1 - 1/\sqrt\kappa` at :math:`h = \mu`. Heavy ball's tuned rate :math:`(\sqrt\kappa-1)/(\sqrt\kappa+1)`
    is smaller than :math:`1 - 2/\sqrt{3\kappa+1}` for every :math:`\kappa > 1`.

    Returns
    -------
    NesterovStability
        See the fields; ``region`` is in ``alpha``, ``beta``, ``h``; tunings in ``h_min``, ``h_max``, ``kappa``;
        ``rate_gap`` in a positive symbol ``q`` = √κ.

    References
    ----------
    L. Lessard, B. Recht, A. Packard, "Analysis and design of optimization algorithms via integral quadratic
    constraints", SIAM J. Optim. 26 (2016), Sec. 2.2 and Prop. 1; Y. Nesterov, *Introductory Lectures on Convex
    Optimization* (2004), Sec. 2.2.
    """
    z = sp.Symbol("z")
    ah = sp.Symbol("ah", positive=True)   # alpha h
    th = sp.Function("theta")
    q = 1 - alpha * h
    recurrence = sp.Eq(th(n + 1), (1 + beta) * q * th(n) - beta * q * th(n - 1))
    char = sp.expand(sp.powsimp(sp.expand((z**(n + 1) - (1 + beta) * q * z**n + beta * q * z**(n - 1))
                                          * z**(1 - n))))
    hb = heavy_ball_stability()
    b_eff = beta * (1 - alpha * h)
    # Nesterov's polynomial is heavy ball's with beta -> beta (1 - alpha h).
    zz = [sym for sym in hb.char_poly.free_symbols if sym.name == "z"][0]
    _check(_is_zero(char - hb.char_poly.subs(beta, b_eff).subs(zz, z)), "heavy ball with effective momentum")
    region = hb.region.subs(beta, b_eff)
    # Solve each Jury condition for alpha h.  p(-1) = 1 + (1 + 2 beta)(1 - alpha h):
    p_minus = sp.expand(char.subs(z, -1)).subs(alpha, ah / h)
    _check(_is_zero(p_minus - (1 + (1 + 2 * beta) * (1 - ah))), "p(-1) = 1 + (1 + 2beta)(1 - alpha h)")
    upper = sp.solve(p_minus, ah)
    _check(len(upper) == 1, "one root of p(-1) in alpha h")
    upper_edge = 2 * (1 + beta) / (1 + 2 * beta)
    _check(_is_zero(upper[0] - upper_edge), "p(-1) > 0 iff alpha h < 2(1+beta)/(1+2beta) (beta > -1/2)")
    _check(_is_zero(sp.diff(p_minus, ah) + (1 + 2 * beta)), "p(-1) decreases in alpha h for beta > -1/2")
    _check(_is_zero(sp.expand(char.subs(z, 1)) - alpha * h), "p(1) = alpha h")
    # |beta (1 - alpha h)| < 1: with 0 <= beta < 1 and alpha h inside (0, upper_edge) it holds automatically.
    bb = sp.Symbol("b", nonnegative=True)
    at_upper = sp.simplify((beta * (1 - upper_edge)).subs(beta, bb))
    _check(_is_zero(at_upper + bb / (1 + 2 * bb)), "beta (1 - alpha h) = -beta/(1+2beta) at the upper edge")
    lower = sp.solve(sp.Eq(beta * (1 - ah), 1), ah)
    lower_edge = 1 - 1 / beta
    _check(len(lower) == 1 and _is_zero(lower[0] - lower_edge), "beta(1 - alpha h) = 1 at alpha h = 1 - 1/beta")
    # The lower edge stays below the upper one for every beta > 0: the region is never empty.
    _check(_is_zero(upper_edge - lower_edge - (1 + 3 * beta) / (beta * (1 + 2 * beta))),
           "upper - lower edge = (1 + 3beta)/(beta(1 + 2beta)) > 0")
    hb_edge = 2 * (1 + beta)
    edge_gap = sp.factor(sp.simplify(hb_edge - upper_edge))
    _check(_is_zero(edge_gap - 4 * beta * (1 + beta) / (1 + 2 * beta)), "heavy ball's edge minus Nesterov's")

    # Tuning with a double root rho at h = h_min and the root -rho at h = L.
    rho = sp.Symbol("rho", positive=True)
    am, bt = sp.symbols("a_mu b_t", positive=True)   # alpha h_min, beta
    # (z - rho)^2 = z^2 - (1+beta)(1 - alpha h_min) z + beta (1 - alpha h_min):
    sol = sp.solve([sp.Eq((1 + bt) * (1 - am), 2 * rho), sp.Eq(bt * (1 - am), rho**2)], [am, bt], dict=True)
    _check(len(sol) == 1, "one (alpha h_min, beta) for a double root rho")
    am_rho, b_rho = sol[0][am], sol[0][bt]
    _check(_is_zero(am_rho - (1 - rho)**2) and _is_zero(b_rho - rho / (2 - rho)),
           "double root: alpha h_min = (1 - rho)^2, beta = rho/(2 - rho)")
    # With Q = sqrt(3 kappa + 1), i.e. kappa = (Q^2 - 1)/3, everything below is rational in Q.
    Q = sp.Symbol("Q", positive=True)
    on_Q = {kappa: (Q**2 - 1) / 3}
    p_L = sp.numer(sp.together(char.subs({beta: b_rho, alpha: am_rho / h_min, h: kappa * h_min}).subs(z, -rho)))
    roots = [r_ for r_ in sp.solve(sp.expand(p_L.subs(on_Q)), rho)
             if r_.subs(Q, 5).is_real and 0 < r_.subs(Q, 5) < 1]
    rate_opt = 1 - 2 / sp.sqrt(3 * kappa + 1)
    _check(len(roots) == 1 and _is_zero(roots[0] - (1 - 2 / Q)), "the root -rho at L gives rho = 1 - 2/sqrt(3kappa+1)")
    alpha_opt = 4 / (3 * h_max + h_min)
    beta_opt = (sp.sqrt(3 * kappa + 1) - 2) / (sp.sqrt(3 * kappa + 1) + 2)
    rate_Q, beta_Q = 1 - 2 / Q, (Q - 2) / (Q + 2)
    _check(_is_zero(am_rho.subs(rho, rate_Q) / h_min - alpha_opt.subs(h_max, (Q**2 - 1) / 3 * h_min)), "alpha* = 4/(3L+h_min)")
    _check(_is_zero(b_rho.subs(rho, rate_Q) - beta_Q), "beta* = (sqrt(3k+1) - 2)/(sqrt(3k+1) + 2)")
    _check(sp.simplify(beta_opt.subs(on_Q) - beta_Q) == 0 and sp.simplify(rate_opt.subs(on_Q) - rate_Q) == 0,
           "the tuning in kappa is the tuning in Q")
    # At h = L the polynomial is (z + rho)(z - rho/3): the other root rho/3 is inside.
    at_L = char.subs({alpha: alpha_opt, beta: beta_Q, h: h_max}).subs(h_max, (Q**2 - 1) / 3 * h_min)
    _check(_is_zero(at_L - (z + rate_Q) * (z - rate_Q / 3)), "roots -rho and rho/3 at h = L")
    # Standard tuning: double root 1 - 1/sqrt(kappa) at h = h_min (with kappa = P^2).
    alpha_std, beta_std = 1 / h_max, (sp.sqrt(kappa) - 1) / (sp.sqrt(kappa) + 1)
    rate_std = 1 - 1 / sp.sqrt(kappa)
    P = sp.Symbol("P", positive=True)
    at_mu = char.subs({alpha: 1 / (P**2 * h_min), h: h_min, beta: (P - 1) / (P + 1)})
    _check(_is_zero(at_mu - (z - (1 - 1 / P))**2), "standard tuning: double root 1 - 1/sqrt(kappa) at mu")
    # Heavy ball is faster: with q = sqrt(kappa) > 1, rate_opt - (q-1)/(q+1) = 2/(q+1) - 2/sqrt(3q^2+1) > 0.
    qq = sp.Symbol("q", positive=True)
    gap = 2 / (qq + 1) - 2 / sp.sqrt(3 * qq**2 + 1)
    _check(_is_zero(rate_opt.subs(kappa, qq**2) - hb.rate_opt.subs(kappa, qq**2) - gap),
           "rate gap 2/(q+1) - 2/sqrt(3q^2+1)")
    # 2/(q+1) > 2/sqrt(3q^2+1)  <=>  3q^2 + 1 > (q+1)^2  <=>  2q(q - 1) > 0.
    _check(_is_zero(sp.expand((3 * qq**2 + 1) - (qq + 1)**2) - 2 * qq * (qq - 1)), "3q^2+1 - (q+1)^2 = 2q(q-1)")
    return NesterovStability(recurrence, sp.collect(char, z), b_eff, region, upper_edge, lower_edge, hb_edge,
                             edge_gap, alpha_opt, beta_opt, rate_opt, alpha_std, beta_std, rate_std, gap)


# ---------------------------------------------------------------------------------------------------------
# Heavy ball's period-3 cycle on Lessard, Recht & Packard's function
# ---------------------------------------------------------------------------------------------------------
class HeavyBallCycle(NamedTuple):
    gradient: sp.Piecewise   # ∇f: Lx (x < 1), mx + (L − m) (1 ≤ x < 2), Lx − (L − m) (x ≥ 2), m = 1, L = 25
    alpha: sp.Expr           # 1/9 = 4/(√L + √m)²
    beta: sp.Expr            # 4/9 = ((√κ − 1)/(√κ + 1))²
    points: tuple            # the attracting cycle, exact rationals, in the order visited, largest first
    pieces: tuple            # which piece (0: x < 1, 1: 1 ≤ x < 2, 2: x ≥ 2) each point lies in
    monodromy: sp.Matrix     # Jacobian of three steps of (θ_{n−1}, θ_n) around the cycle
    multipliers: tuple       # its eigenvalues (−8/27 twice): inside the unit circle, the cycle attracts
    saddle_points: tuple     # a second period-3 cycle, unstable (one multiplier outside the unit circle)
    saddle_multipliers: tuple


def _monodromy(pieces, slopes, a, b):
    """Product of the heavy-ball step Jacobians [[0, 1], [−β, 1 + β − α·slope]] along the pieces visited."""
    matrix = sp.eye(2)
    for k in pieces:
        matrix = sp.Matrix([[0, 1], [-b, 1 + b - a * slopes[k]]]) * matrix
    return matrix


@functools.cache
def lrp_heavy_ball_cycle() -> HeavyBallCycle:
    r"""The period-3 limit cycle of tuned heavy ball on Lessard, Recht & Packard's function (m = 1, L = 25).

    The function is strongly convex and L-smooth with gradient :math:`\nabla f(x) = 25x` for :math:`x < 1`,
    :math:`x + 24` for :math:`1 \le x < 2` and :math:`25x - 24` for :math:`x \ge 2`. Heavy ball with its
    quadratic-optimal tuning :math:`\alpha = 4/(\sqrt L + \sqrt m)^2 = 1/9`,
    :math:`\beta = ((\sqrt\kappa - 1)/(\sqrt\kappa + 1))^2 = 4/9` has exact period-3 cycles
    :math:`x_a \to x_b \to x_c \to x_a`: each step is affine on each piece, so for every assignment of the
    three points to pieces a cycle solves a linear system, and it is a cycle if its points lie in the assigned
    pieces. Up to rotation there are two (besides the fixed point 0). The product of the three steps'
    Jacobians (the monodromy matrix) has the double eigenvalue :math:`-8/27` on the one through
    :math:`2592/1225 > 2`, which therefore attracts nearby starts: from them heavy ball never converges. The
    other, through :math:`2592/1367 \in [1, 2)`, is a saddle (one multiplier outside the unit circle).

    Returns
    -------
    HeavyBallCycle
        ``gradient``, ``alpha``, ``beta``, ``points``, ``pieces``, ``monodromy``, ``multipliers``,
        ``saddle_points``, ``saddle_multipliers``.

    References
    ----------
    L. Lessard, B. Recht, A. Packard, SIAM J. Optim. 26 (2016), Sec. 4.6.
    """
    m_val, L_val = sp.Integer(1), sp.Integer(25)
    xs = sp.Symbol("x", real=True)
    slopes = (L_val, m_val, L_val)
    offsets = (sp.S(0), L_val - m_val, -(L_val - m_val))
    gradient = sp.Piecewise((L_val * xs, xs < 1), (m_val * xs + L_val - m_val, xs < 2),
                            (L_val * xs - (L_val - m_val), True))
    hb = heavy_ball_stability()
    a = hb.alpha_opt.subs({h_max: L_val, h_min: m_val})
    b = hb.beta_opt.subs(kappa, L_val / m_val)
    _check(a == sp.Rational(1, 9) and b == sp.Rational(4, 9), "tuning alpha = 1/9, beta = 4/9")

    def piece(value):
        return 0 if value < 1 else (1 if value < 2 else 2)

    p = sp.symbols("p0:3", real=True)
    found = []
    for assign in itertools.product(range(3), repeat=3):
        grad = [slopes[k] * p[i] + offsets[k] for i, k in enumerate(assign)]
        # p0 -> p1 -> p2 -> p0: x_{n+1} = (1 + b) x_n - b x_{n-1} - a grad(x_n)
        eqs = [sp.Eq(p[(i + 1) % 3], (1 + b) * p[i] - b * p[(i - 1) % 3] - a * grad[i]) for i in range(3)]
        sol = sp.solve(eqs, p, dict=True)
        if len(sol) != 1:
            continue
        pts = tuple(sol[0][pi] for pi in p)
        if tuple(piece(v) for v in pts) == assign and any(v != 0 for v in pts) and pts[0] == max(pts):
            found.append((pts, assign))
    _check(len(found) == 2, "two period-3 cycles (up to rotation) besides the fixed point")
    cycles = []
    for pts, assign in found:
        _check(len(set(pts)) == 3 and all(v not in (1, 2) for v in pts), "three distinct points off the edges")
        for i in range(3):   # replay with the Piecewise gradient
            nxt = (1 + b) * pts[i] - b * pts[(i - 1) % 3] - a * gradient.subs(xs, pts[i])
            _check(_is_zero(nxt - pts[(i + 1) % 3]), "the points form a cycle of the heavy-ball map")
        matrix = _monodromy(assign, slopes, a, b)
        eig = tuple(matrix.eigenvals(multiple=True))
        radius = max(abs(complex(sp.N(e))) for e in eig)
        cycles.append((radius, pts, assign, matrix, eig))
    cycles.sort(key=lambda c: c[0])
    (r_in, pts, assign, matrix, eig), (r_out, saddle, _, _, saddle_eig) = cycles
    _check(r_in < 1 < r_out, "one attracting cycle and one saddle")
    _check(pts == (sp.Rational(2592, 1225), sp.Rational(792, 1225), sp.Rational(-2208, 1225)),
           "the attracting cycle is 2592/1225 -> 792/1225 -> -2208/1225")
    _check(all(e == sp.Rational(-8, 27) for e in eig), "multipliers -8/27 (double)")
    return HeavyBallCycle(gradient, a, b, pts, assign, matrix, eig, saddle, saddle_eig)


# ---------------------------------------------------------------------------------------------------------
# The Su–Boyd–Candès limit
# ---------------------------------------------------------------------------------------------------------
class SuBoydCandesLimit(NamedTuple):
    scheme: tuple           # (Eq x_k = y_{k−1} − s∇L(y_{k−1}), Eq y_k = x_k + (k−1)/(k+2)(x_k − x_{k−1}))
    residual: sp.Expr       # the scheme divided by s at leading order in √s, at t = k√s
    ode: sp.Eq              # X'' + (3/t)X' + ∇L(X) = 0, X(0) = x₀, X'(0) = 0
    quadratic_solution: sp.Expr   # x₀·2J₁(t√h)/(t√h)
    solution_series: sp.Expr      # its expansion x₀(1 − ht²/8 + h²t⁴/192 + …)


@functools.cache
def su_boyd_candes_limit() -> SuBoydCandesLimit:
    r"""Nesterov's method for convex functions tends to :math:`\ddot X + \tfrac{3}{t}\dot X + \nabla L(X) = 0`.

    The scheme :math:`x_k = y_{k-1} - s\nabla L(y_{k-1})`,
    :math:`y_k = x_k + \tfrac{k-1}{k+2}(x_k - x_{k-1})` with :math:`x_k = X(k\sqrt s)`, Taylor-expanded in
    :math:`\sqrt s` at fixed :math:`t = k\sqrt s`, gives the ODE at leading order. For :math:`L = h\theta^2/2`
    its solution with :math:`X(0) = x_0`, :math:`\dot X(0) = 0` is

    .. math::

        X(t) = x_0\,\frac{2J_1(t\sqrt h)}{t\sqrt h},

    checked by substitution (the residual simplifies to zero) and by its series at :math:`t = 0`.

    Returns
    -------
    SuBoydCandesLimit
        ``scheme``, ``residual``, ``ode``, ``quadratic_solution`` (in ``t``, ``h``, ``theta0``),
        ``solution_series``.

    References
    ----------
    W. Su, S. Boyd, E. J. Candès, "A differential equation for modeling Nesterov's accelerated gradient
    method: theory and insights", JMLR 17 (2016), Sec. 2.
    """
    r = sp.sqrt(s)
    tp = sp.Symbol("t", positive=True)
    x = sp.symbols("x0:5", real=True)
    g = sp.symbols("g0:3", real=True)
    # The scheme in x alone, at step k -> k+1:  x_{k+1} = y_k - s grad(y_k), y_k = x_k + (k-1)/(k+2)(x_k - x_{k-1}).
    kk = tp / r
    momentum = (kk - 1) / (kk + 2)
    x_next, x_prev = _taylor(r, x), _taylor(-r, x)
    delta = momentum * (x[0] - x_prev)
    grad_at = sum(g[j] * delta**j / sp.factorial(j) for j in range(3))
    recurrence = (x_next - x[0] - delta + s * grad_at) / s
    e = sp.Symbol("epsilon", positive=True)
    lead = sp.series(sp.cancel(recurrence.subs(s, e**2)), e, 0, 1).removeO()
    _check(_is_zero(lead - (x[2] + 3 * x[1] / tp + g[0])), "leading order is X'' + 3X'/t + grad L")
    xt = X(t)
    ode = sp.Eq(xt.diff(t, 2) + 3 / t * xt.diff(t) + G(xt), 0)
    omega = sp.sqrt(h)
    sol = theta0 * 2 * sp.besselj(1, tp * omega) / (tp * omega)
    residual_q = sol.diff(tp, 2) + 3 / tp * sol.diff(tp) + h * sol
    _check(sp.simplify(residual_q) == 0, "the Bessel solution satisfies the ODE for L = h theta^2/2")
    ser = sp.series(sol, tp, 0, 6)
    _check(_is_zero(ser.removeO() - theta0 * (1 - h * tp**2 / 8 + h**2 * tp**4 / 192)), "series of the solution")
    _check(sp.series(sol.diff(tp), tp, 0, 1).removeO() == 0, "X'(0) = 0")
    k = sp.Symbol("k", integer=True, positive=True)
    xk, yk = sp.Function("x"), sp.Function("y")
    scheme = (sp.Eq(xk(k), yk(k - 1) - s * G(yk(k - 1))),
              sp.Eq(yk(k), xk(k) + (k - 1) / (k + 2) * (xk(k) - xk(k - 1))))
    back = {x[0]: xt, x[1]: xt.diff(t), x[2]: xt.diff(t, 2), g[0]: G(xt), tp: t}
    return SuBoydCandesLimit(scheme, lead.subs(back), ode, sol.subs(tp, t), ser.subs(tp, t))
