r"""Chapter 2, *SGD is a stochastic differential equation*: minibatch noise, discrete SGD against its SDE, mean
first-passage times and the Arrhenius law, learning rate and batch size as a temperature.

The stationary Fokker–Planck density itself is :func:`minimopt.derive.fokker_planck_stationary`. Each function
derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check fails, which it
never should) and returns the verified expressions; results are cached, so a chapter and its tests pay for a
derivation once per process.

Symbols of this module (module attributes): ``eta`` (η, the learning rate), ``s`` (the standard deviation of the
gradient noise), ``B`` (the batch size), ``n_examples`` (n, the number of examples), ``Sigma`` (Σ, the variance of
one example's gradient along a direction), ``boundary`` (b), ``x0``, ``barrier`` (ΔL), ``k_well`` and
``k_barrier`` (the curvatures L″ at the well's bottom and |L″| at the barrier's top), ``examples`` (E, the examples
processed in a phase of training).
"""

from __future__ import annotations

import functools
import itertools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import sigma, h, x, t, L, _check, _is_zero

__all__ = ["minibatch_covariance", "sgd_stationary_variance", "mean_first_passage_time", "arrhenius_escape",
           "noise_scale_temperature"]

eta = sp.Symbol("eta", positive=True)
s = sp.Symbol("s", positive=True)
B = sp.Symbol("B", positive=True, integer=True)
n_examples = sp.Symbol("n", positive=True, integer=True)
Sigma = sp.Symbol("Sigma", positive=True)
boundary = sp.Symbol("b", real=True)
x0 = sp.Symbol("x_0", real=True)
barrier = sp.Symbol(r"\Delta L", positive=True)
k_well = sp.Symbol("k_a", positive=True)
k_barrier = sp.Symbol("k_c", positive=True)
examples = sp.Symbol("E", positive=True)


# ---------------------------------------------------------------------------------------------------------
# Minibatch noise
# ---------------------------------------------------------------------------------------------------------
class MinibatchCovariance(NamedTuple):
    with_replacement: sp.Expr     # Σ/B
    without_replacement: sp.Expr  # Σ (n − B)/(B (n − 1))
    pair_covariance_with: sp.Expr     # Cov(g_I, g_J) of two different draws, with replacement: 0
    pair_covariance_without: sp.Expr  # without replacement: −Σ/(n − 1)


def _enumerated_covariance(values, batch, replace):
    """Exact variance of the mean of ``batch`` draws from ``values`` (uniform; with or without replacement)."""
    n = len(values)
    if replace:
        batches = list(itertools.product(range(n), repeat=batch))
    else:
        batches = list(itertools.permutations(range(n), batch))
    means = [sum(values[i] for i in idx) / batch for idx in batches]
    first = sum(means) / len(batches)
    return sp.expand(sum(m**2 for m in means) / len(batches) - first**2)


@functools.cache
def minibatch_covariance() -> MinibatchCovariance:
    r"""Covariance of the minibatch gradient :math:`g_B = \frac1B\sum_{j=1}^B g_{I_j}` about the full gradient.

    With :math:`\bar g = \frac1n\sum_r g_r` and the per-example covariance
    :math:`\Sigma = \frac1n\sum_r (g_r - \bar g)(g_r - \bar g)^\top`,

    .. math::

        \operatorname{Cov}(g_B) = \frac{1}{B^2}\Big(B\,\Sigma + B(B-1)\,c\Big)
        = \begin{cases} \Sigma/B & \text{with replacement } (c = 0),\\
        \dfrac{\Sigma}{B}\,\dfrac{n-B}{n-1} & \text{without replacement } (c = -\Sigma/(n-1)),\end{cases}

    where c is the covariance of two different draws :math:`g_{I_j}, g_{I_k}`. Checked for a scalar direction
    (any :math:`u^\top g`, hence for the matrix), and by enumerating every batch for small n with symbolic
    per-example gradients. minimopt's :class:`~minimopt.problems.LeastSquares` samples with replacement.

    Returns
    -------
    MinibatchCovariance
        ``with_replacement``, ``without_replacement``, ``pair_covariance_with``, ``pair_covariance_without``.

    References
    ----------
    W. G. Cochran, *Sampling Techniques*, 3rd ed., Wiley 1977, Thm. 2.2 (the finite-population correction).
    """
    def covariance(c):
        return sp.simplify((B * Sigma + B * (B - 1) * c) / B**2)

    c_without = -Sigma / (n_examples - 1)
    with_repl = covariance(0)
    without = covariance(c_without)
    _check(_is_zero(with_repl - Sigma / B), "with replacement: Sigma/B")
    _check(_is_zero(without - Sigma / B * (n_examples - B) / (n_examples - 1)), "without: (n-B)/(n-1) Sigma/B")
    # Enumeration with symbolic gradients g_1..g_n: the formulas hold exactly.
    for n_val in (3, 4):
        g = sp.symbols(f"g1:{n_val + 1}", real=True)
        mean = sum(g) / n_val
        sig_val = sp.expand(sum((gi - mean) ** 2 for gi in g) / n_val)
        pairs = list(itertools.permutations(range(n_val), 2))
        pair_cov = sp.expand(sum(g[i] * g[j] for i, j in pairs) / len(pairs) - mean**2)
        _check(_is_zero(pair_cov - c_without.subs({Sigma: sig_val, n_examples: n_val})),
               "two distinct draws have covariance -Sigma/(n-1)")
        for b_val in (1, 2, 3):
            subs = {Sigma: sig_val, B: b_val, n_examples: n_val}
            _check(_is_zero(_enumerated_covariance(g, b_val, True) - with_repl.subs(subs)),
                   f"enumeration with replacement, n={n_val}, B={b_val}")
            if b_val <= n_val:
                _check(_is_zero(_enumerated_covariance(g, b_val, False) - without.subs(subs)),
                       f"enumeration without replacement, n={n_val}, B={b_val}")
    _check(_is_zero(without.subs(B, n_examples)), "without replacement, B = n gives the full gradient")
    return MinibatchCovariance(with_repl, without, sp.Integer(0), c_without)


# ---------------------------------------------------------------------------------------------------------
# Discrete SGD against the SDE
# ---------------------------------------------------------------------------------------------------------
class SGDStationaryVariance(NamedTuple):
    recursion: sp.Eq        # θ_{k+1} = (1 − ηh)θ_k − η s ξ_k
    variance: sp.Expr       # η s²/(h(2 − ηh)), the exact stationary variance of the recursion
    sde_noise: sp.Expr      # σ = s√η: dθ = −hθ dt + σ dW has the recursion as its Euler–Maruyama step, Δt = η
    sde_variance: sp.Expr   # σ²/(2h) = η s²/(2h)
    ratio: sp.Expr          # variance/sde_variance = 2/(2 − ηh)
    series: sp.Expr         # variance to second order in η: ηs²/(2h) + η²s²/4 + …
    autocorrelation: sp.Expr  # Corr(θ_k, θ_{k+j}) = (1 − ηh)^j
    stability: sp.Expr      # the condition for a stationary law: 0 < ηh < 2


@functools.cache
def sgd_stationary_variance() -> SGDStationaryVariance:
    r"""Stationary variance of SGD on :math:`L = h\theta^2/2` with gradient noise of variance :math:`s^2`.

    The recursion :math:`\theta_{k+1} = \theta_k - \eta(h\theta_k + s\xi_k)` (ξ standard normal) gives
    :math:`v = (1-\eta h)^2 v + \eta^2 s^2`, so

    .. math:: v = \frac{\eta s^2}{h(2 - \eta h)} \qquad (0 < \eta h < 2).

    It is the Euler–Maruyama scheme, with :math:`\Delta t = \eta`, of the SDE
    :math:`d\theta = -h\theta\,dt + s\sqrt\eta\,dW` (time t = kη), whose stationary density
    :math:`\propto e^{-h\theta^2/(\eta s^2)}` has variance :math:`\eta s^2/(2h)`. The ratio :math:`2/(2-\eta h)` is
    1 + ηh/2 + … for small ηh and infinite at the stability limit ηh = 2.

    Returns
    -------
    SGDStationaryVariance

    References
    ----------
    S. Mandt, M. D. Hoffman & D. M. Blei, JMLR 18 (2017), Sec. 3; Q. Li, C. Tai & W. E, ICML 2017 and JMLR 20
    (2019) (the SDE with noise √η).
    """
    theta_k, xi, v = sp.symbols("theta_k xi v", real=True)
    theta_next = sp.Symbol(r"\theta_{k+1}", real=True)
    update = theta_k - eta * (h * theta_k + s * xi)
    recursion = sp.Eq(theta_next, sp.collect(sp.expand(update), theta_k))
    # Var(θ_{k+1}) with θ_k ⟂ ξ_k, E ξ = 0, E ξ² = 1: the coefficient of θ_k squared times v plus that of ξ squared.
    expanded = sp.expand(update)
    a, c = expanded.coeff(theta_k), expanded.coeff(xi)
    _check(_is_zero(expanded - a * theta_k - c * xi), "the update is linear in theta_k and xi")
    solutions = sp.solve(sp.Eq(v, a**2 * v + c**2), v)
    _check(len(solutions) == 1, "one stationary variance")
    variance = sp.factor(solutions[0])
    _check(_is_zero(variance - eta * s**2 / (h * (2 - eta * h))), "v = eta s^2/(h(2 - eta h))")
    # The SDE whose Euler–Maruyama step with dt = eta is the recursion.
    dt, z = sp.Symbol("dt", positive=True), sp.Symbol("z", real=True)
    noise = s * sp.sqrt(eta)
    em_step = theta_k - h * theta_k * dt + noise * sp.sqrt(dt) * z
    # with z = −ξ (a standard normal too: the law of the step is the same)
    _check(_is_zero(em_step.subs(dt, eta).subs(z, -xi) - update), "EM step of the SDE with dt = eta is SGD")
    # Its stationary density exp(-2L/sigma^2) (fokker_planck_stationary) for L = h x^2/2: variance sigma^2/(2h).
    weight = sp.exp(-2 * (h * x**2 / 2) / sigma**2)
    sde_var_sigma = sp.simplify(sp.integrate(x**2 * weight, (x, -sp.oo, sp.oo))
                                / sp.integrate(weight, (x, -sp.oo, sp.oo)))
    _check(_is_zero(sde_var_sigma - sigma**2 / (2 * h)), "OU stationary variance sigma^2/(2h)")
    sde_variance = sde_var_sigma.subs(sigma, noise)
    _check(_is_zero(sde_variance - eta * s**2 / (2 * h)), "SDE variance eta s^2/(2h)")
    ratio = sp.simplify(variance / sde_variance)
    _check(_is_zero(ratio - 2 / (2 - eta * h)), "ratio 2/(2 - eta h)")
    series = sp.series(variance, eta, 0, 3).removeO()
    _check(_is_zero(series - (eta * s**2 / (2 * h) + eta**2 * s**2 / 4)), "series eta s^2/(2h) + eta^2 s^2/4")
    j = sp.Symbol("j", integer=True, nonnegative=True)
    autocorrelation = (1 - eta * h) ** j
    # Cov(θ_{k+1}, θ_k) = a v (ξ_k ⟂ θ_k): each step multiplies the correlation by a = 1 − ηh.
    _check(_is_zero(a - autocorrelation.subs(j, 1)), "lag-1 correlation 1 - eta h")
    u = sp.Symbol("u", positive=True)  # u = ηh
    scaled = sp.simplify(variance * h**2 / s**2).subs(eta, u / h)
    _check(_is_zero(scaled - u / (2 - u)), "v h^2/s^2 = eta h/(2 - eta h)")
    stability = sp.solve_univariate_inequality(scaled > 0, u, relational=False)
    _check(stability == sp.Interval.open(0, 2), "a positive stationary variance iff 0 < eta h < 2")
    # returned in the forms the text writes (the checks above compared them with what SymPy derived)
    return SGDStationaryVariance(recursion, eta * s**2 / (h * (2 - eta * h)), noise, sde_variance,
                                 2 / (2 - eta * h), series, autocorrelation, eta * h < 2)


# ---------------------------------------------------------------------------------------------------------
# Escape over a barrier
# ---------------------------------------------------------------------------------------------------------
class MeanFirstPassageTime(NamedTuple):
    formula: sp.Expr          # T(x0) = (2/σ²) ∫_{x0}^{b} dy e^{2L(y)/σ²} ∫_{−∞}^{y} dz e^{−2L(z)/σ²}
    backward_equation: sp.Eq  # (σ²/2) T″ − L′ T′ = −1
    boundary_value: sp.Expr   # T(b) = 0


@functools.cache
def mean_first_passage_time() -> MeanFirstPassageTime:
    r"""Mean time for :math:`dX = -L'(X)\,dt + \sigma\,dW` to reach b from x0 < b (reflected at −∞).

    The mean first-passage time T(x) solves the backward (Dynkin) equation
    :math:`\frac{\sigma^2}{2}T'' - L'T' = -1` with :math:`T(b) = 0` and :math:`T'(-\infty) = 0`; integrating twice,

    .. math::

        T(x_0) = \frac{2}{\sigma^2}\int_{x_0}^{b} dy\; e^{2L(y)/\sigma^2}\int_{-\infty}^{y} dz\; e^{-2L(z)/\sigma^2}.

    SymPy differentiates the double integral (Leibniz) with L an undefined function and checks both conditions
    at b; :math:`T'(x) = -\frac{2}{\sigma^2}e^{2L(x)/\sigma^2}\int_{-\infty}^x e^{-2L/\sigma^2} \to 0` as
    x → −∞ for a confining L (its limit is −1/L′(x) by l'Hôpital).

    Returns
    -------
    MeanFirstPassageTime
        ``formula`` (in the symbols ``x0``, ``boundary``), ``backward_equation`` (for T(x)), ``boundary_value``.

    References
    ----------
    C. Gardiner, *Stochastic Methods*, 4th ed., Springer 2009, Sec. 5.5.1; P. Hänggi, P. Talkner & M. Borkovec,
    Rev. Mod. Phys. 62 (1990), Sec. IV.
    """
    y, z = sp.symbols("y z", real=True)
    inner = sp.Integral(sp.exp(-2 * L(z) / sigma**2), (z, -sp.oo, y))
    formula = 2 / sigma**2 * sp.Integral(sp.exp(2 * L(y) / sigma**2) * inner, (y, x0, boundary))
    T_of_x = formula.subs(x0, x)
    residual = sigma**2 / 2 * sp.diff(T_of_x, x, 2) - sp.diff(L(x), x) * sp.diff(T_of_x, x) + 1
    _check(_is_zero(sp.simplify(residual.doit())), "T solves (sigma^2/2) T'' - L' T' = -1")
    at_b = formula.subs(x0, boundary).doit()
    _check(at_b == 0, "T(b) = 0")
    Tf = sp.Function("T")
    equation = sp.Eq(sigma**2 / 2 * Tf(x).diff(x, 2) - L(x).diff(x) * Tf(x).diff(x), -1)
    return MeanFirstPassageTime(formula, equation, at_b)


class ArrheniusEscape(NamedTuple):
    time_beyond_barrier: sp.Expr   # 2π/√(k_a k_c) · exp(2ΔL/σ²): to a boundary well past the barrier top
    time_to_barrier_top: sp.Expr   # π/√(k_a k_c) · exp(2ΔL/σ²): to the barrier top itself
    slope: sp.Expr                 # d log T / d(1/σ²) = 2ΔL
    double_well: dict              # k_a, k_c, ΔL and the two times for L = (x² − 1)²/4


@functools.cache
def arrhenius_escape() -> ArrheniusEscape:
    r"""Small-σ (Laplace) asymptotics of the mean first-passage time over a barrier: Arrhenius and Kramers.

    In :func:`mean_first_passage_time`, for small σ the inner integrand is peaked at the well's bottom a and the
    outer one at the barrier's top c. Replacing L by its quadratic approximations,
    :math:`L(a) + k_a (z-a)^2/2` and :math:`L(c) - k_c (y-c)^2/2`, the Gaussian integrals give

    .. math::

        T \approx \frac{2\pi}{\sqrt{k_a k_c}}\, e^{2\Delta L/\sigma^2}, \qquad \Delta L = L(c) - L(a),

    when the boundary lies well beyond the barrier (the outer Gaussian is complete), and half of it when the
    boundary is the barrier top. The Arrhenius slope is :math:`d\log T/d(1/\sigma^2) = 2\Delta L`: the factor 2
    is the same as in the stationary density, :math:`e^{-\Delta L/\mathcal T}` with temperature σ²/2.

    Returns
    -------
    ArrheniusEscape
        The two times, the slope and, for the double well, ``{"k_a": 2, "k_c": 1, "barrier": 1/4,
        "time_beyond_barrier": √2 π e^{1/(2σ²)}, "time_to_barrier_top": π e^{1/(2σ²)}/√2}``.

    References
    ----------
    H. A. Kramers, Physica 7 (1940); P. Hänggi, P. Talkner & M. Borkovec, Rev. Mod. Phys. 62 (1990), Sec. IV.A.
    """
    y, z = sp.symbols("y z", real=True)
    La = sp.Symbol("L_a", real=True)
    inner = sp.integrate(sp.exp(-2 * (La + k_well * z**2 / 2) / sigma**2), (z, -sp.oo, sp.oo))
    outer_full = sp.integrate(sp.exp(2 * (La + barrier - k_barrier * y**2 / 2) / sigma**2), (y, -sp.oo, sp.oo))
    outer_half = sp.integrate(sp.exp(2 * (La + barrier - k_barrier * y**2 / 2) / sigma**2), (y, -sp.oo, 0))
    full = sp.simplify(2 / sigma**2 * inner * outer_full)
    half = sp.simplify(2 / sigma**2 * inner * outer_half)
    expected = 2 * sp.pi / sp.sqrt(k_well * k_barrier) * sp.exp(2 * barrier / sigma**2)
    _check(_is_zero(full - expected), "T = 2 pi/sqrt(k_a k_c) exp(2 dL/sigma^2)")
    _check(_is_zero(half - expected / 2), "to the barrier top: half of it")
    u = sp.Symbol("u", positive=True)  # u = 1/σ²
    slope = sp.simplify(sp.diff(sp.log(full.subs(sigma, 1 / sp.sqrt(u))), u))
    _check(_is_zero(slope - 2 * barrier), "Arrhenius slope 2 dL")
    Ldw = (x**2 - 1) ** 2 / 4
    critical = sorted(sp.solve(sp.diff(Ldw, x), x))
    _check(critical == [-1, 0, 1], "double well: critical points -1, 0, 1")
    ka, kc = sp.diff(Ldw, x, 2).subs(x, -1), -sp.diff(Ldw, x, 2).subs(x, 0)
    dL = Ldw.subs(x, 0) - Ldw.subs(x, -1)
    _check((ka, kc, dL) == (2, 1, sp.Rational(1, 4)), "double well: k_a = 2, k_c = 1, dL = 1/4")
    values = {k_well: ka, k_barrier: kc, barrier: dL}
    dw = {"k_a": ka, "k_c": kc, "barrier": dL, "time_beyond_barrier": sp.simplify(expected.subs(values)),
          "time_to_barrier_top": sp.simplify((expected / 2).subs(values))}
    return ArrheniusEscape(expected, expected / 2, 2 * barrier, dw)


# ---------------------------------------------------------------------------------------------------------
# Learning rate and batch size as a temperature
# ---------------------------------------------------------------------------------------------------------
class NoiseScaleTemperature(NamedTuple):
    sde_noise: sp.Expr        # σ² = ηΣ/B: SGD with batch B is the EM step (Δt = η) of dθ = −∇L dt + √(ηΣ/B) dW
    temperature: sp.Expr      # σ²/2 = ηΣ/(2B)
    excess_loss: sp.Expr      # SDE, any quadratic: E[L] − L* = η tr Σ/(4B) (checked for 2×2)
    discrete_excess_loss: sp.Expr  # exact SGD recursion, 1-D: ηΣ/(2B(2 − ηh))
    phase_time: sp.Expr       # SDE time of E examples processed in batches of B: ηE/B
    batch_for_lr: sp.Expr     # the batch B' that keeps the temperature when η becomes η': B η'/η


@functools.cache
def noise_scale_temperature() -> NoiseScaleTemperature:
    r"""Learning rate η and batch size B enter the SDE of SGD only through the noise scale η/B.

    SGD with a minibatch of B examples (with replacement) takes :math:`\theta \leftarrow \theta - \eta(\nabla L +
    \xi_B)`, :math:`\operatorname{Cov}\xi_B = \Sigma/B` (:func:`minibatch_covariance`): the Euler–Maruyama step,
    with Δt = η, of :math:`d\theta = -\nabla L\,dt + \sqrt{\eta\Sigma/B}\,dW`, at temperature
    :math:`\mathcal T = \sigma^2/2 = \eta\Sigma/(2B)`. On a quadratic with Hessian H the stationary covariance C
    solves the Lyapunov equation :math:`HC + CH = (\eta/B)\Sigma`, and the mean excess loss is
    :math:`\tfrac12\operatorname{tr}(HC) = \eta\operatorname{tr}\Sigma/(4B)`, a function of η/B only (the exact
    recursion adds :math:`-\eta HCH` on the left: corrections of order ηh). Processing E examples in batches of
    B takes E/B updates and covers SDE time ηE/B: decaying η by a factor and growing B by the same factor give
    the same SDE (same time, same temperature) with fewer updates in the second case.

    Returns
    -------
    NoiseScaleTemperature

    References
    ----------
    S. L. Smith & Q. V. Le, ICLR 2018 (the noise scale); S. L. Smith, P.-J. Kindermans, C. Ying & Q. V. Le,
    ICLR 2018 (increase the batch size); S. Mandt, M. D. Hoffman & D. M. Blei, JMLR 18 (2017).
    """
    sde_noise2 = eta * Sigma / B
    xi = sp.Symbol("xi", real=True)
    theta_k, dt = sp.symbols("theta_k dt", real=True)
    grad = sp.Symbol(r"\nabla L", real=True)
    sgd = theta_k - eta * (grad + sp.sqrt(Sigma / B) * xi)
    em = theta_k - grad * dt + sp.sqrt(sde_noise2) * sp.sqrt(dt) * xi
    _check(_is_zero(sgd - em.subs(dt, eta).subs(xi, -xi)), "SGD with batch B is the EM step of the SDE with sigma^2 = eta Sigma/B")
    temperature = sde_noise2 / 2
    # Lyapunov equation for a general symmetric 2x2 H and Σ: ½ tr(HC) = (η/B) tr Σ /4.
    h11, h12, h22, s11, s12, s22 = sp.symbols("h11 h12 h22 S11 S12 S22", real=True)
    c11, c12, c22 = sp.symbols("c11 c12 c22", real=True)
    H = sp.Matrix([[h11, h12], [h12, h22]])
    S = sp.Matrix([[s11, s12], [s12, s22]])
    C = sp.Matrix([[c11, c12], [c12, c22]])
    lyapunov = H * C + C * H - eta / B * S
    solution = sp.solve([lyapunov[0, 0], lyapunov[0, 1], lyapunov[1, 1]], [c11, c12, c22], dict=True)
    _check(len(solution) == 1, "the Lyapunov equation has one solution")
    excess_2x2 = sp.simplify((H * C).trace().subs(solution[0]) / 2)
    _check(_is_zero(excess_2x2 - eta * S.trace() / (4 * B)), "excess loss = eta tr(Sigma)/(4B)")
    excess = eta * sp.Symbol(r"\operatorname{tr}\Sigma", positive=True) / (4 * B)
    # 1-D exact recursion: variance η²(Σ/B)/(ηh(2 − ηh)), excess loss h v/2.
    v = sgd_stationary_variance().variance.subs(s, sp.sqrt(Sigma / B))
    discrete = sp.simplify(h * v / 2)
    _check(_is_zero(discrete - eta * Sigma / (2 * B * (2 - eta * h))), "discrete excess loss")
    _check(_is_zero(sp.limit(discrete / (eta * Sigma / (4 * B)), eta, 0) - 1), "discrete -> SDE as eta -> 0")
    phase_time = eta * examples / B
    eta_new = sp.Symbol(r"\eta'", positive=True)
    B_new = sp.Symbol("B'", positive=True)
    batch = sp.solve(sp.Eq(eta_new / B_new, eta / B), B_new)
    _check(len(batch) == 1 and _is_zero(batch[0] - B * eta_new / eta), "B' = B eta'/eta keeps eta/B")
    rr = sp.Symbol("r", positive=True)
    _check(_is_zero(phase_time.subs(eta, eta / rr) - phase_time.subs(B, B * rr)),
           "decaying eta by r and growing B by r cover the same SDE time")
    _check(_is_zero(temperature.subs(eta, eta / rr) - temperature.subs(B, B * rr)), "... at the same temperature")
    return NoiseScaleTemperature(sde_noise2, temperature, excess, eta * Sigma / (2 * B * (2 - eta * h)), phase_time,
                                 batch[0])
