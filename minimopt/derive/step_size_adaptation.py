"""Chapter 7, *Learning the learning rate*: exponentiated gradient in log coordinates and as mirror descent, Hedge
on the simplex, the chain rule behind per-coordinate step-size adaptation and its closed form, the hypergradient
of the loss with respect to the learning rate, and the correlations that mislead these rules under momentum.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.

Notation (that of :class:`minimopt.EGStepSize`): step ``t`` uses the gradient :math:`g_t = \\nabla L(\\theta_{t-1})`
and moves :math:`\\theta_t = \\theta_{t-1} - \\eta\\,\\nu_t \\odot g_t`.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import L, _check, _is_zero, h, sigma, theta

__all__ = ["eg_log_coordinates", "eg_mirror_descent", "step_size_chain_rule", "lr_hypergradient",
           "momentum_gradient_correlations"]

eta = sp.Symbol("eta", positive=True)            # learning rate η
gamma_meta = sp.Symbol("gamma", positive=True)   # meta learning rate γ of EGStepSize
g = sp.Symbol("g", real=True)                    # a gradient coordinate ∂L/∂θ
phi = sp.Symbol("phi", real=True)                # φ = log θ
nu = sp.Symbol("nu", positive=True)              # a step-size factor ν
mu_m = sp.Symbol("mu", nonnegative=True)         # momentum μ (PyTorch convention b ← μb + g)
a_lr = sp.Symbol("a", positive=True)             # the step a = η ν of the momentum analysis


def _name_partials(expr, names):
    """Replace each partial derivative ∂ᵢL(point) that SymPy writes as a ``Subs`` by ``names[i]``.

    ``L`` is an undefined function; the chain rule leaves its partial derivatives at the new point as
    ``Subs(Derivative(L(…, ξ, …), ξ), ξ, …)``; the position of ξ among L's arguments says which partial it is.
    """
    def name_of(sub):
        derivative = sub.expr
        (variable, _), = derivative.variable_count
        return names[list(derivative.expr.args).index(variable)]

    return expr.replace(lambda e: isinstance(e, sp.Subs) and isinstance(e.expr, sp.Derivative), name_of)


class EGLogCoordinates(NamedTuple):
    mirror_step: sp.Expr          # θ e^{−ηg}: the step φ ← φ − η ∂L/∂θ taken in φ = log θ (EG)
    gd_on_log: sp.Expr            # θ e^{−ηθg}: gradient descent on φ, with ∂L/∂φ = θ ∂L/∂θ
    eg_first_order: sp.Expr       # θ − ηθg: EG to first order in η
    gd_log_first_order: sp.Expr   # θ − ηθ²g: GD on log θ to first order in η
    step_for_agreement: sp.Expr   # η/θ: the per-coordinate step that makes GD on φ reproduce EG exactly


@functools.cache
def eg_log_coordinates() -> EGLogCoordinates:
    r"""Exponentiated gradient as a step in the coordinates :math:`\varphi = \log\theta`.

    With :math:`\theta = e^{\varphi}` (so :math:`\theta > 0` for every real :math:`\varphi`), the step
    :math:`\varphi \leftarrow \varphi - \eta\,\partial L/\partial\theta` gives exponentiated gradient,

    .. math::

        \theta \leftarrow e^{\varphi - \eta g} = \theta\, e^{-\eta g} = \theta - \eta\,\theta g + O(\eta^2),

    i.e. to first order gradient descent with the per-coordinate step :math:`\eta\theta`. *Gradient descent on*
    :math:`\varphi` proper uses :math:`\partial L/\partial\varphi = \theta\,\partial L/\partial\theta` and gives
    :math:`\theta e^{-\eta\theta g} = \theta - \eta\theta^2 g + O(\eta^2)`: another rule. The two agree only
    if the step of the second is :math:`\eta/\theta`, a per-coordinate step that changes every iteration, which
    is why "absorbing θ into the learning rate" is not a derivation of EG.

    Returns
    -------
    EGLogCoordinates
        ``mirror_step``, ``gd_on_log``, their first-order forms, and ``step_for_agreement`` (η/θ).

    References
    ----------
    J. Kivinen, M. K. Warmuth, "Exponentiated gradient versus gradient descent for linear predictors",
    Information and Computation 132 (1997).
    """
    Lf = sp.Function("L")
    theta_of_phi = sp.exp(phi)
    grad_theta = sp.Subs(Lf(theta).diff(theta), theta, theta_of_phi).doit()  # ∂L/∂θ at θ = e^φ
    grad_phi = Lf(theta_of_phi).diff(phi)                                     # ∂L/∂φ by the chain rule
    _check(_is_zero(grad_phi - theta_of_phi * grad_theta), "dL/dphi should be theta * dL/dtheta")
    gsym = {grad_theta: g}
    mirror = sp.exp(phi - eta * grad_theta).subs(gsym).subs(phi, sp.log(theta))
    gd_log = sp.exp(phi - eta * grad_phi.subs(gsym)).subs(phi, sp.log(theta))
    mirror, gd_log = sp.simplify(mirror), sp.simplify(gd_log)
    _check(_is_zero(mirror - theta * sp.exp(-eta * g)), "the step in log coordinates should be theta e^{-eta g}")
    _check(_is_zero(gd_log - theta * sp.exp(-eta * theta * g)), "GD on log theta should be theta e^{-eta theta g}")
    first = sp.series(mirror, eta, 0, 2).removeO()
    first_gd = sp.series(gd_log, eta, 0, 2).removeO()
    _check(_is_zero(first - (theta - eta * theta * g)), "EG to first order should be theta - eta theta g")
    _check(_is_zero(first_gd - (theta - eta * theta**2 * g)), "GD on log theta to first order: theta - eta theta^2 g")
    step = sp.Symbol("s", positive=True)
    sol = sp.solve(sp.Eq(sp.log(theta) - step * theta * g, sp.log(theta) - eta * g), step)
    _check(len(sol) == 1 and _is_zero(sol[0] - eta / theta), "GD on phi reproduces EG with step eta/theta")
    # Positivity: the EG iterate is the exponential of a real number, so positive whatever the gradient.
    _check(sp.exp(phi - eta * g).is_positive is True, "an EG iterate is positive")
    return EGLogCoordinates(mirror, gd_log, first, first_gd, sol[0])


class EGMirrorDescent(NamedTuple):
    bregman: sp.Expr        # D(θ, θ_t) = θ log(θ/θ_t) − θ + θ_t (generalised KL of the entropy Σ θ log θ − θ)
    eg_minimiser: sp.Expr   # argmin_θ η g θ + D(θ, θ_t) = θ_t e^{−ηg}
    hedge_minimiser: tuple  # the same on the simplex (3 coordinates): θ_{t,i} e^{−ηg_i} / Σ_j θ_{t,j} e^{−ηg_j}
    kl_projection: tuple    # argmin over the simplex of KL(w, y), y > 0: y / Σ y


@functools.cache
def eg_mirror_descent() -> EGMirrorDescent:
    r"""Exponentiated gradient is mirror descent with the entropy; on the simplex it is Hedge.

    The mirror map :math:`\psi(\theta) = \sum_i \theta_i\log\theta_i - \theta_i` has :math:`\nabla\psi = \log\theta`
    and Bregman divergence :math:`D_\psi(\theta, \theta_t) = \sum_i \theta_i\log(\theta_i/\theta_{t,i}) -
    \theta_i + \theta_{t,i}` (the generalised Kullback–Leibler divergence). The mirror-descent step
    (Nemirovski & Yudin; Beck & Teboulle 2003)

    .. math::

        \theta_{t+1} = \arg\min_{\theta > 0}\ \eta\, g\cdot\theta + D_\psi(\theta, \theta_t)

    is the unique stationary point of a strictly convex function (second derivative :math:`1/\theta > 0`):
    :math:`\theta_{t+1} = \theta_t\, e^{-\eta g}`, i.e. :math:`\nabla\psi(\theta_{t+1}) = \nabla\psi(\theta_t) -
    \eta g`. Restricted to the probability simplex :math:`\sum_i\theta_i = 1` (a Lagrange multiplier, solved
    here for three coordinates: the Lagrange conditions and the constraint hold) it is the multiplicative-weights (Hedge) update
    :math:`\theta_{t+1,i} = \theta_{t,i}e^{-\eta g_i}/\sum_j\theta_{t,j}e^{-\eta g_j}`: the unnormalised step
    followed by the KL projection onto the simplex, which is division by the sum.

    Returns
    -------
    EGMirrorDescent
        ``bregman`` (one coordinate), ``eg_minimiser``, ``hedge_minimiser`` and ``kl_projection`` (tuples of
        three coordinates).

    References
    ----------
    A. Beck, M. Teboulle, "Mirror descent and nonlinear projected subgradient methods for convex optimization",
    Operations Research Letters 31 (2003); Y. Freund, R. E. Schapire, "A decision-theoretic generalization of
    on-line learning and an application to boosting", J. Comput. Syst. Sci. 55 (1997).
    """
    th_t = sp.Symbol("theta_t", positive=True)
    th = sp.Symbol("theta", positive=True)
    psi = th * sp.log(th) - th
    bregman = sp.expand_log(psi - psi.subs(th, th_t) - psi.diff(th).subs(th, th_t) * (th - th_t), force=True)
    tidy = th * sp.log(th / th_t) - th + th_t
    _check(_is_zero(bregman - sp.expand_log(tidy, force=True)), "Bregman divergence of the entropy")
    bregman = tidy
    objective = eta * g * th + bregman
    _check(sp.simplify(objective.diff(th, 2) - 1 / th) == 0, "the objective is strictly convex (second derivative 1/theta)")
    # strictly convex, so the stationary point is the minimiser: eta g + log(theta/theta_t) = 0
    sol = [th_t * sp.exp(-eta * g)]
    _check(sp.expand_log(objective.diff(th).subs(th, sol[0]), force=True) == 0,
           "the mirror step theta_t e^{-eta g} should be the stationary point")
    _check(_is_zero(sp.log(sol[0]) - (sp.log(th_t) - eta * g)) or
           _is_zero(sp.expand_log(sp.log(sol[0]), force=True) - (sp.log(th_t) - eta * g)),
           "grad psi(theta_{t+1}) = grad psi(theta_t) - eta g")

    # The simplex, three coordinates, with a Lagrange multiplier.
    w = sp.symbols("w1:4", positive=True)
    wt = sp.symbols("w_t1:4", positive=True)
    gs = sp.symbols("g1:4", real=True)
    lam_s = sp.Symbol("lambda_s", real=True)
    lagrangian = sum(eta * gi * wi + wi * sp.log(wi / wti) - wi + wti for gi, wi, wti in zip(gs, w, wt)) \
        + lam_s * (sum(w) - 1)
    # The objective is strictly convex (Hessian diag(1/w_i)) and the constraint linear, so a point that satisfies
    # the Lagrange conditions is the unique minimiser. The conditions are eta g_i + log(w_i/w_t,i) + lambda = 0:
    # solved for w_i (each alone), then lambda from the constraint.
    stationary = [wti * sp.exp(-eta * gi - lam_s) for gi, wti in zip(gs, wt)]
    for wi, si in zip(w, stationary):
        _check(sp.expand_log(lagrangian.diff(wi).subs(wi, si), force=True) == 0, "w_i solves its Lagrange condition")
    total = sum(wti * sp.exp(-eta * gi) for gi, wti in zip(gs, wt))
    lam_star = sp.log(total)
    _check(sp.cancel(sp.powsimp(sum(stationary).subs(lam_s, lam_star))) == 1, "lambda = log sum makes sum(w) = 1")
    hedge = tuple(wti * sp.exp(-eta * gi) / total for gi, wti in zip(gs, wt))
    for hi, si in zip(hedge, stationary):
        _check(_is_zero(sp.powsimp(si.subs(lam_s, lam_star)) - hi), "Hedge: w_i e^{-eta g_i} / sum")
    # KL projection of y > 0 onto the simplex: conditions log(w_i/y_i) + lambda = 0.
    y = sp.symbols("y1:4", positive=True)
    lag_p = sum(wi * sp.log(wi / yi) - wi + yi for wi, yi in zip(w, y)) + lam_s * (sum(w) - 1)
    projection = tuple(yi / sum(y) for yi in y)
    for wi, yi in zip(w, y):
        _check(sp.expand_log(lag_p.diff(wi).subs({wi: yi * sp.exp(-lam_s)}), force=True) == 0,
               "w_i = y_i e^{-lambda} solves its Lagrange condition")
        _check(_is_zero(sp.powsimp((yi * sp.exp(-lam_s)).subs(lam_s, sp.log(sum(y)))) - yi / sum(y)),
               "lambda = log sum(y): the KL projection divides by the sum")
    # Hedge = unnormalised EG, then the projection.
    eg_unnormalised = [wti * sp.exp(-eta * gi) for gi, wti in zip(gs, wt)]
    for hi, pi in zip(hedge, projection):
        _check(_is_zero(hi - pi.subs(dict(zip(y, eg_unnormalised)), simultaneous=True)),
               "Hedge is EG followed by the KL projection")
    return EGMirrorDescent(bregman, sol[0], hedge, projection)


class StepSizeChainRule(NamedTuple):
    dL_dnu: sp.Expr          # ∂L(θ_t)/∂ν_t = −η g_t g_{t+1} (one coordinate)
    dL_dlog_nu: sp.Expr      # ∂L(θ_t)/∂log ν_t = −η ν_t g_t g_{t+1}
    eg_update: sp.Expr       # ν_t e^{−(γ/η) ∂L/∂ν_t} = ν_t e^{γ g_t g_{t+1}}: EGStepSize's rule
    log_step: sp.Expr        # γ/(η ν_t): the step on log ν that gives the same update
    closed_form: sp.Expr     # ν_T = exp(γ Σ_{k=2}^{T} g_{k−1} g_k), from ν_0 = 1 and g_0 = 0 (T = 6 shown)


@functools.cache
def step_size_chain_rule() -> StepSizeChainRule:
    r"""Why :math:`\nu \leftarrow \nu \odot e^{\gamma\, g_{t-1} \odot g_t}` adapts a step size, and what it sums to.

    Step :math:`t` moves :math:`\theta_t = \theta_{t-1} - \eta\,\nu_t \odot g_t`; the next gradient is
    :math:`g_{t+1} = \nabla L(\theta_t)`. By the chain rule (one coordinate, any differentiable L)

    .. math::

        \frac{\partial L(\theta_t)}{\partial \nu_t} = -\eta\, g_t\, g_{t+1}, \qquad
        \frac{\partial L(\theta_t)}{\partial \log\nu_t} = -\eta\,\nu_t\, g_t\, g_{t+1} .

    Exponentiated gradient on :math:`\nu` with meta step :math:`\gamma/\eta`,
    :math:`\nu_{t+1} = \nu_t e^{-(\gamma/\eta)\,\partial L(\theta_t)/\partial\nu_t}`, is the rule
    :math:`\nu_{t+1} = \nu_t e^{\gamma g_t g_{t+1}}` of :class:`minimopt.EGStepSize`; as a gradient step on
    :math:`\log\nu` it has the per-coordinate step :math:`\gamma/(\eta\nu_t)`. It is a one-step (greedy)
    hypergradient: only the last step's effect on the loss is counted.

    From :math:`\nu_0 = 1`, and with the convention :math:`g_0 = 0` of ``EGStepSize`` (there is no gradient
    before the first step, so step 1 keeps :math:`\nu_1 = 1`), induction gives

    .. math::

        \nu_T = \exp\Bigl(\gamma\sum_{k=2}^{T} g_{k-1}\, g_k\Bigr),

    checked here by unrolling six steps with symbolic gradients and by the induction step.

    Returns
    -------
    StepSizeChainRule
        ``dL_dnu``, ``dL_dlog_nu`` (in the symbols ``g_t``, ``g_{t+1}``, ``nu``, ``eta``), ``eg_update``,
        ``log_step`` and ``closed_form`` (T = 6, in ``g1`` … ``g6``).

    References
    ----------
    R. S. Sutton, "Adapting bias by gradient descent: an incremental version of delta-bar-delta", AAAI 1992;
    E. Amid, R. Anil, C. Fifty, M. K. Warmuth, "Step-size adaptation using exponentiated gradient updates",
    arXiv:2202.00145 (2022).
    """
    Lf = sp.Function("L")
    th_prev = sp.Symbol("theta_{t-1}", real=True)
    g_t, g_next = sp.symbols("g_t g_{t+1}", real=True)
    dnu = sp.simplify(_name_partials(Lf(th_prev - eta * nu * g_t).diff(nu), [g_next]))
    _check(_is_zero(dnu + eta * g_t * g_next), "dL(theta_t)/dnu_t should be -eta g_t g_{t+1}")
    lognu = sp.Symbol("l", real=True)
    dlog = _name_partials(Lf(th_prev - eta * sp.exp(lognu) * g_t).diff(lognu), [g_next])
    dlog = sp.simplify(dlog.subs(sp.exp(lognu), nu))
    _check(_is_zero(dlog + eta * nu * g_t * g_next), "dL/dlog nu should be -eta nu g_t g_{t+1}")
    eg = nu * sp.exp(-(gamma_meta / eta) * dnu)
    _check(_is_zero(eg - nu * sp.exp(gamma_meta * g_t * g_next)), "EG on nu with step gamma/eta is EGStepSize's rule")
    rho = sp.Symbol("rho", positive=True)
    rho_sol = sp.solve(sp.Eq(sp.log(nu) - rho * dlog, sp.log(nu) + gamma_meta * g_t * g_next), rho)
    _check(len(rho_sol) == 1 and _is_zero(rho_sol[0] - gamma_meta / (eta * nu)),
           "as a step on log nu the rule has step gamma/(eta nu)")

    # Closed form by unrolling: nu_0 = 1, g_0 = 0.
    T = 6
    gs = sp.symbols(f"g1:{T + 1}", real=True)
    value, previous = sp.Integer(1), sp.Integer(0)
    for gk in gs:
        value = value * sp.exp(gamma_meta * previous * gk)
        previous = gk
    closed = sp.exp(gamma_meta * sum(gs[k - 1] * gs[k] for k in range(1, T)))
    _check(_is_zero(sp.powsimp(value) - closed), "nu_T = exp(gamma sum_{k=2}^T g_{k-1} g_k)")
    # Induction step: if nu_{t-1} = exp(γ S) then nu_t = exp(γ (S + g_{t-1} g_t)).
    S, gp, gc = sp.symbols("S g_prev g_cur", real=True)
    _check(_is_zero(sp.powsimp(sp.exp(gamma_meta * S) * sp.exp(gamma_meta * gp * gc))
                    - sp.exp(gamma_meta * (S + gp * gc))), "induction step of the closed form")
    return StepSizeChainRule(dnu, dlog, sp.simplify(eg), rho_sol[0], closed)


class LRHypergradient(NamedTuple):
    dL_dlr: sp.Expr   # ∂L(θ_{t})/∂η = −g_{t+1}·g_t (two coordinates shown)
    update: sp.Expr   # η − β ∂L/∂η = η + β g_{t+1}·g_t: HypergradientSGD's rule


@functools.cache
def lr_hypergradient() -> LRHypergradient:
    r"""The hypergradient of Baydin et al. (2018): the derivative of the loss with respect to the learning rate.

    With :math:`\theta_t = \theta_{t-1} - \eta\, g_t` and :math:`g_{t+1} = \nabla L(\theta_t)`, the chain rule
    (here for a generic loss of two coordinates) gives

    .. math::

        \frac{\partial L(\theta_t)}{\partial\eta} = -\,g_{t+1}\cdot g_t ,

    so gradient descent on :math:`\eta` with step :math:`\beta` is :math:`\eta \leftarrow \eta + \beta\,
    g_{t+1}\cdot g_t` (:class:`minimopt.HypergradientSGD`). It is the sum over coordinates of
    :func:`step_size_chain_rule`'s per-coordinate derivative (with :math:`\nu = 1`).

    Returns
    -------
    LRHypergradient
        ``dL_dlr`` and ``update`` in the symbols ``g_{t,1}``, ``g_{t,2}``, ``g_{t+1,1}``, ``g_{t+1,2}``, ``eta``,
        ``beta_hd``.

    References
    ----------
    A. G. Baydin, R. Cornish, D. Martínez Rubio, M. Schmidt, F. Wood, "Online learning rate adaptation with
    hypergradient descent", ICLR 2018; L. B. Almeida, T. Langlois, J. D. Amaral, A. Plakhov, "Parameter
    adaptation in stochastic optimization", in *On-line Learning in Neural Networks* (1998).
    """
    L2 = sp.Function("L")
    x1, x2 = sp.symbols("x1 x2", real=True)
    gt = sp.symbols("g_{t\\,1} g_{t\\,2}", real=True)
    gn = sp.symbols("g_{t+1\\,1} g_{t+1\\,2}", real=True)
    point = (x1 - eta * gt[0], x2 - eta * gt[1])
    replaced = sp.expand(_name_partials(L2(*point).diff(eta), list(gn)))
    want = -(gn[0] * gt[0] + gn[1] * gt[1])
    _check(_is_zero(replaced - want), "dL(theta_t)/deta should be -g_{t+1} . g_t")
    beta_hd = sp.Symbol("beta_hd", positive=True)
    update = eta - beta_hd * replaced
    _check(_is_zero(update - (eta + beta_hd * (gn[0] * gt[0] + gn[1] * gt[1]))), "the hypergradient step")
    update = eta + beta_hd * (gn[0] * gt[0] + gn[1] * gt[1])
    # Consistency with the per-coordinate rule: the sum over coordinates of -eta g_t g_{t+1} / eta at nu = 1.
    per_coord = step_size_chain_rule().dL_dnu
    g_t, g_next = sorted(per_coord.free_symbols - {eta}, key=str)
    total = sum(per_coord.subs({g_t: a, g_next: b}) for a, b in zip(gt, gn)) / eta
    _check(_is_zero(total - want), "the scalar hypergradient is the sum of the per-coordinate ones (nu = 1)")
    return LRHypergradient(replaced, update)


class MomentumCorrelations(NamedTuple):
    grad_grad: sp.Expr      # E[g_t g_{t+1}] in the stationary noisy regime, momentum μ, step a
    update_grad: sp.Expr    # E[b_t g_{t+1}]: the true one-step hypergradient signal (b: the update direction)
    grad_grad_sgd: sp.Expr  # E[g_t g_{t+1}] at μ = 0: −ahσ²/(2 − ah)
    sign_change: sp.Expr    # a h at which E[g_t g_{t+1}] changes sign: (2μ − 1)(1 + μ)/μ


@functools.cache
def momentum_gradient_correlations() -> MomentumCorrelations:
    r"""Near convergence (the noise-dominated stationary regime), what the adaptation signals average to.

    On :math:`L = h\theta^2/2` with gradients :math:`g_{t+1} = h\theta_t + \xi_{t+1}`, :math:`\xi` i.i.d. with
    variance :math:`\sigma^2`, run SGD with momentum in PyTorch's convention, :math:`b_{t+1} = \mu b_t + g_{t+1}`,
    :math:`\theta_{t+1} = \theta_t - a\, b_{t+1}` (a fixed step :math:`a = \eta\nu`; :math:`\mu = 0` is SGD).
    The state :math:`z = (\theta, b, g)` is a linear recursion :math:`z_{t+1} = A z_t + B\xi_{t+1}`; its
    stationary covariance solves the discrete Lyapunov equation :math:`\Sigma = A\Sigma A^\top +
    \sigma^2 BB^\top` and the lag-one covariance is :math:`A\Sigma`. Solved here symbolically:

    .. math::

        \mathbb{E}[b_t\, g_{t+1}] = -\frac{a h\sigma^2}{(1-\mu)\,(2(1+\mu) - a h)} < 0, \qquad
        \mathbb{E}[g_t\, g_{t+1}] = \frac{a h\sigma^2\,\bigl((2\mu-1)(1+\mu) - \mu a h\bigr)}
                                        {(1-\mu)\,(2(1+\mu) - a h)}

    on the whole stable range :math:`0 < ah < 2(1+\mu)`. The true one-step hypergradient signal
    :math:`b_t g_{t+1}` (the last *update* against the next gradient) is negative: it always asks for a smaller
    step. The product of successive *gradients*, which the simplified rules use, is negative only for SGD
    (:math:`-ah\sigma^2/(2-ah)` at :math:`\mu = 0`); for :math:`\mu > 1/2` it is positive whenever
    :math:`ah < (2\mu-1)(1+\mu)/\mu` and asks for a larger step. Adam near convergence, where
    :math:`v_t \approx \mathbb{E}[g^2]` hardly changes, is this recursion with :math:`\mu = \beta_1` and the step
    :math:`a = \eta(1-\beta_1)/\sqrt{v}`.

    Returns
    -------
    MomentumCorrelations
        ``grad_grad``, ``update_grad`` (in ``a``, ``h``, ``sigma``, ``mu``), ``grad_grad_sgd`` and
        ``sign_change``.
    """
    A = sp.Matrix([[1 - a_lr * h, -a_lr * mu_m, 0], [h, mu_m, 0], [h, 0, 0]])
    B = sp.Matrix([-a_lr, 1, 1])
    entries = {}
    for i in range(3):
        for j in range(i, 3):
            entries[(i, j)] = sp.Symbol(f"s_{i}{j}")
    S = sp.Matrix(3, 3, lambda i, j: entries[(min(i, j), max(i, j))])
    sol = sp.solve(list(S - A * S * A.T - sigma**2 * B * B.T), list(entries.values()), dict=True)
    _check(len(sol) == 1, "the Lyapunov equation has one solution")
    Sigma = S.subs(sol[0])
    _check(_is_zero(Sigma - A * Sigma * A.T - sigma**2 * B * B.T), "Sigma solves the Lyapunov equation")
    lag = A * Sigma
    gg = sp.factor(sp.simplify(lag[2, 2]))
    bg = sp.factor(sp.simplify(lag[2, 1]))
    denominator = (1 - mu_m) * (2 * (1 + mu_m) - a_lr * h)
    bg_claim = -a_lr * h * sigma**2 / denominator
    gg_claim = a_lr * h * sigma**2 * ((2 * mu_m - 1) * (1 + mu_m) - mu_m * a_lr * h) / denominator
    _check(_is_zero(bg - bg_claim), "E[b_t g_{t+1}] = -a h sigma^2 / ((1 - mu)(2(1 + mu) - a h))")
    _check(_is_zero(gg - gg_claim), "E[g_t g_{t+1}] closed form")
    gg_sgd = sp.simplify(gg_claim.subs(mu_m, 0))
    _check(_is_zero(gg_sgd + a_lr * h * sigma**2 / (2 - a_lr * h)), "SGD: E[g_t g_{t+1}] = -a h sigma^2/(2 - a h)")
    ah = sp.Symbol("q", positive=True)
    roots = sp.solve(sp.Eq(((2 * mu_m - 1) * (1 + mu_m) - mu_m * ah), 0), ah)
    _check(len(roots) == 1 and _is_zero(roots[0] - (2 * mu_m - 1) * (1 + mu_m) / mu_m), "sign change of E[g g']")
    # The threshold lies inside the stable range 0 < ah < 2(1 + mu) whenever 1/2 < mu < 1.
    _check(sp.simplify(2 * (1 + mu_m) - roots[0] - (1 + mu_m) / mu_m) == 0, "2(1+mu) - threshold = (1+mu)/mu > 0")
    return MomentumCorrelations(gg_claim, bg_claim, gg_sgd, roots[0])
