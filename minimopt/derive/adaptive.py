"""Chapter 5, *Adaptive methods*: Adam's bias, its first step, sign descent, AdaGrad's rate, the continuous-time
limit, the role of ε, and decoupled weight decay.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import lr, beta1, beta2, g_mean, g2_mean, t_step, _check, _is_zero

__all__ = ["adam_bias", "adam_step_size", "adam_first_step", "sign_descent", "adagrad_constant_gradient",
           "adam_continuous_limit", "epsilon_regimes", "decoupled_weight_decay"]


class AdamBias(NamedTuple):
    first_moment: sp.Eq    # E[m_t] = (1 − β₁ᵗ) E[g]
    second_moment: sp.Eq   # E[v_t] = (1 − β₂ᵗ) E[g²]
    correction_m: sp.Expr  # 1/(1 − β₁ᵗ): m̂_t = m_t/(1 − β₁ᵗ) is unbiased
    correction_v: sp.Expr  # 1/(1 − β₂ᵗ)


@functools.cache
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


@functools.cache
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
# The first step, sign descent, AdaGrad's rate, the continuous-time limit, epsilon, decoupled weight decay
# ---------------------------------------------------------------------------------------------------------
g_sym = sp.Symbol("g", real=True, nonzero=True)      # a constant gradient coordinate
eps_sym = sp.Symbol("epsilon", positive=True)        # Adam's / AdaGrad's epsilon
wd = sp.Symbol("lambda", positive=True)              # a weight-decay coefficient
c1 = sp.Symbol("c_1", positive=True)                 # 1 - beta1 = c1 * lr in the continuous-time limit
c2 = sp.Symbol("c_2", positive=True)                 # 1 - beta2 = c2 * lr
tau = sp.Symbol("tau", positive=True)                # continuous time tau = t * lr


class AdamFirstStep(NamedTuple):
    corrected: sp.Expr        # lr·g/(|g| + ε): the first step with bias correction
    uncorrected: sp.Expr      # lr(1 − β₁)g/(√(1 − β₂)|g| + ε): the first step without it
    ratio: sp.Expr            # (1 − β₁)/√(1 − β₂): uncorrected over corrected, as ε → 0
    ratio_default: sp.Expr    # the ratio at β₁ = 0.9, β₂ = 0.999: √10
    uncorrected_t: sp.Expr    # lr(1 − β₁ᵗ)/√(1 − β₂ᵗ): the uncorrected step at step t (constant g, ε → 0)


@functools.cache
def adam_first_step() -> AdamFirstStep:
    r"""The size of Adam's first step, with and without bias correction.

    From :math:`m_0 = v_0 = 0`, the first step sees :math:`m_1 = (1-\beta_1)g`, :math:`v_1 = (1-\beta_2)g^2`.
    With bias correction :math:`\hat m_1 = g`, :math:`\hat v_1 = g^2` and the step is
    :math:`\mathrm{lr}\,g/(|g| + \epsilon) \to \mathrm{lr}\,\operatorname{sign}(g)`; without it

    .. math::

        \Delta\theta_1 = -\mathrm{lr}\,\frac{(1-\beta_1)\,g}{\sqrt{1-\beta_2}\,|g| + \epsilon}
        \;\to\; -\mathrm{lr}\,\frac{1-\beta_1}{\sqrt{1-\beta_2}}\,\operatorname{sign}(g)
        \qquad (\epsilon \to 0),

    :math:`\sqrt{10} \approx 3.16` times larger at :math:`\beta_1 = 0.9`, :math:`\beta_2 = 0.999`. With a
    constant gradient the uncorrected step at step t is :math:`\mathrm{lr}(1-\beta_1^t)/\sqrt{1-\beta_2^t}`
    (from :func:`adam_bias`), which tends to lr.

    Returns
    -------
    AdamFirstStep
        ``corrected``, ``uncorrected`` (in ``lr``, ``beta1``, ``beta2``, the real ``g`` and ``epsilon``),
        ``ratio``, ``ratio_default`` and ``uncorrected_t`` (in ``t_step``).

    References
    ----------
    Kingma & Ba (2015), Sec. 3 (initialization bias correction).
    """
    m1 = (1 - beta1) * g_sym     # m_1 = beta1 m_0 + (1 - beta1) g with m_0 = 0
    v1 = (1 - beta2) * g_sym**2
    corrected = lr * (m1 / (1 - beta1)) / (sp.sqrt(v1 / (1 - beta2)) + eps_sym)
    _check(_is_zero(corrected - lr * g_sym / (sp.Abs(g_sym) + eps_sym)), "corrected first step lr g/(|g| + eps)")
    uncorrected = lr * m1 / (sp.sqrt(v1) + eps_sym)
    _check(_is_zero(uncorrected - lr * (1 - beta1) * g_sym / (sp.sqrt(1 - beta2) * sp.Abs(g_sym) + eps_sym)),
           "uncorrected first step")
    ratio = sp.simplify(sp.limit(uncorrected, eps_sym, 0) / sp.limit(corrected, eps_sym, 0))
    _check(_is_zero(ratio - (1 - beta1) / sp.sqrt(1 - beta2)), "ratio (1 - beta1)/sqrt(1 - beta2)")
    ratio_default = sp.nsimplify(ratio.subs({beta1: sp.Rational(9, 10), beta2: sp.Rational(999, 1000)}))
    _check(ratio_default == sp.sqrt(10), "the ratio at (0.9, 0.999) is sqrt(10)")
    # At step t (constant g, eps -> 0) the uncorrected step is the corrected one times (1 - b1^t)/sqrt(1 - b2^t).
    bias = adam_bias()
    m_t = bias.first_moment.rhs.subs(g_mean, g_sym)
    v_t = bias.second_moment.rhs.subs(g2_mean, g_sym**2)
    q = sp.Symbol("q", positive=True)  # 1 - beta2^t > 0
    size_t = sp.simplify((lr * m_t / sp.sqrt(v_t)).subs(beta2**t_step, 1 - q) / sp.sign(g_sym))
    uncorrected_t = lr * (1 - beta1**t_step) / sp.sqrt(1 - beta2**t_step)
    _check(_is_zero(size_t.subs(q, 1 - beta2**t_step) - uncorrected_t), "uncorrected step at step t")
    _check(_is_zero(uncorrected_t.subs(t_step, 1) - lr * ratio), "the step-t formula at t = 1")
    return AdamFirstStep(corrected, uncorrected, ratio, ratio_default, uncorrected_t)


class SignDescent(NamedTuple):
    update: sp.Expr   # lr·g/(|g| + ε): Adam's step at β₁ = β₂ = 0, any t ≥ 1
    limit: sp.Expr    # lr·sign(g): the step as ε → 0 (sign descent)


@functools.cache
def sign_descent() -> SignDescent:
    r"""Adam with :math:`\beta_1 = \beta_2 = 0` is sign descent in the limit :math:`\epsilon \to 0`.

    With both decay rates zero, :math:`m_t = g_t`, :math:`v_t = g_t^2`, the correction factors
    :math:`1 - 0^t` are 1 for :math:`t \ge 1`, and the step is
    :math:`\mathrm{lr}\,g_t/(|g_t| + \epsilon) \to \mathrm{lr}\,\operatorname{sign}(g_t)`, coordinate by coordinate.

    Returns
    -------
    SignDescent
        ``update`` (in ``lr``, the real ``g``, ``epsilon``) and ``limit``.

    References
    ----------
    L. Balles, P. Hennig, "Dissecting Adam: the sign, magnitude and variance of stochastic gradients", ICML 2018;
    J. Bernstein et al., "signSGD: compressed optimisation for non-convex problems", ICML 2018.
    """
    m_prev, v_prev = sp.symbols("m_{t-1} v_{t-1}", real=True)
    m_t = (beta1 * m_prev + (1 - beta1) * g_sym).subs(beta1, 0)      # the previous moments drop out
    v_t = (beta2 * v_prev + (1 - beta2) * g_sym**2).subs(beta2, 0)
    _check(m_t == g_sym and v_t == g_sym**2, "m_t = g_t and v_t = g_t^2 at beta = 0")
    correction_m = adam_bias().correction_m.subs(beta1, 0)
    correction_v = adam_bias().correction_v.subs(beta2, 0)
    _check(correction_m == 1 and correction_v == 1, "the correction factors are 1 at beta = 0 (t >= 1)")
    update = lr * m_t * correction_m / (sp.sqrt(v_t * correction_v) + eps_sym)
    _check(_is_zero(update - lr * g_sym / (sp.Abs(g_sym) + eps_sym)), "update lr g/(|g| + eps)")
    limit = sp.limit(update, eps_sym, 0)
    _check(_is_zero(limit - lr * sp.sign(g_sym)), "the limit is lr sign(g)")
    return SignDescent(update, lr * sp.sign(g_sym))


class AdagradConstantGradient(NamedTuple):
    accumulator: sp.Expr     # s_t = t g² (s₀ = 0)
    effective_lr: sp.Expr    # lr/√(s_t) = lr/(|g|√t): the factor multiplying g in the step (ε → 0)
    step: sp.Expr            # lr·sign(g)/√t: the step's size
    distance: sp.Expr        # lr·Σ_{k≤t} 1/√k: how far θ has moved after t steps


@functools.cache
def adagrad_constant_gradient() -> AdagradConstantGradient:
    r"""AdaGrad's effective learning rate for a constant gradient decays as :math:`1/\sqrt t`.

    AdaGrad accumulates :math:`s_t = s_{t-1} + g_t^2` and steps :math:`-\mathrm{lr}\,g_t/(\sqrt{s_t} + \epsilon)`.
    With :math:`s_0 = 0` and a constant gradient g, :math:`s_t = t g^2` (checked by induction), so the factor
    multiplying g is, for :math:`\epsilon \to 0`,

    .. math::

        \eta_t = \frac{\mathrm{lr}}{|g|\sqrt t}, \qquad |\Delta\theta_t| = \frac{\mathrm{lr}}{\sqrt t},
        \qquad |\theta_t - \theta_0| = \mathrm{lr}\sum_{k=1}^t k^{-1/2} \sim 2\,\mathrm{lr}\sqrt t .

    Returns
    -------
    AdagradConstantGradient
        ``accumulator``, ``effective_lr``, ``step`` and ``distance`` (in ``lr``, the real ``g``, ``t_step``).

    References
    ----------
    Duchi, Hazan & Singer (2011).
    """
    s_t = t_step * g_sym**2
    _check(_is_zero(s_t.subs(t_step, 0)) and _is_zero(s_t.subs(t_step, t_step - 1) + g_sym**2 - s_t),
           "s_t = t g^2 by induction")
    effective = sp.limit(lr / (sp.sqrt(s_t) + eps_sym), eps_sym, 0)
    _check(_is_zero(effective - lr / (sp.Abs(g_sym) * sp.sqrt(t_step))), "effective lr = lr/(|g| sqrt(t))")
    step = sp.simplify(effective * g_sym)
    _check(_is_zero(step - lr * sp.sign(g_sym) / sp.sqrt(t_step)), "step lr sign(g)/sqrt(t)")
    k = sp.Symbol("k", integer=True, positive=True)
    distance = lr * sp.Sum(1 / sp.sqrt(k), (k, 1, t_step))
    # the sum lies between 2(sqrt(t+1) - 1) and 2 sqrt(t) - 1 (integral test); check at t = 1 ... 50
    for n_steps in range(1, 51):
        value = float(distance.subs({t_step: n_steps, lr: 1}).doit())
        _check(2 * (float(sp.sqrt(n_steps + 1)) - 1) <= value <= 2 * float(sp.sqrt(n_steps)) - 1 + 1e-12,
               "integral bounds on the distance")
    return AdagradConstantGradient(s_t, effective, step, distance)


class AdamContinuousLimit(NamedTuple):
    equations: tuple          # dm/dτ = c₁(g − m), dv/dτ = c₂(g² − v), dθ/dτ = −m̂/(√v̂ + ε)
    correction_m: sp.Expr     # 1 − e^{−c₁τ}: the limit of 1 − β₁ᵗ with β₁ = 1 − c₁·lr, t = τ/lr
    correction_v: sp.Expr     # 1 − e^{−c₂τ}


@functools.cache
def adam_continuous_limit() -> AdamContinuousLimit:
    r"""Adam with :math:`1 - \beta_i = c_i\,\mathrm{lr}` follows an ODE system as :math:`\mathrm{lr} \to 0`.

    Write :math:`\beta_1 = 1 - c_1\eta`, :math:`\beta_2 = 1 - c_2\eta` with :math:`\eta` the learning rate and
    :math:`\tau = t\eta`. The moment recurrences are exactly Euler steps of size :math:`\eta`,
    :math:`(m_t - m_{t-1})/\eta = c_1(g_t - m_{t-1})` (and the same for v), and the parameter update is
    :math:`(\theta_t - \theta_{t-1})/\eta = -\hat m_t/(\sqrt{\hat v_t} + \epsilon)`. So as :math:`\eta \to 0`

    .. math::

        \dot m = c_1(\nabla L(\theta) - m), \quad \dot v = c_2(\nabla L(\theta)^2 - v), \quad
        \dot\theta = -\frac{m/(1 - e^{-c_1\tau})}{\sqrt{v/(1 - e^{-c_2\tau})} + \epsilon},

    since :math:`(1 - c\eta)^{\tau/\eta} \to e^{-c\tau}`. The iterates approach the ODE's solution at
    :math:`\tau = t\eta` with an error :math:`O(\eta)` (Euler's method).

    Returns
    -------
    AdamContinuousLimit
        ``equations`` (three ``Eq`` in the functions ``m(τ)``, ``v(τ)``, ``θ(τ)``), ``correction_m``,
        ``correction_v`` (in ``c_1``, ``c_2``, ``tau``).

    References
    ----------
    C. Ma, L. Wu, W. E, "A qualitative study of the dynamic behavior for adaptive gradient algorithms",
    MSML 2022; S. Malladi, K. Lyu, A. Panigrahi, S. Arora, "On the SDEs and scaling rules for adaptive gradient
    algorithms", NeurIPS 2022 (the stochastic version).
    """
    eta = lr
    m_prev, v_prev, g_t = sp.symbols("m_{t-1} v_{t-1} g_t", real=True)
    m_next = (1 - c1 * eta) * m_prev + c1 * eta * g_t
    v_next = (1 - c2 * eta) * v_prev + c2 * eta * g_t**2
    _check(_is_zero((m_next - m_prev) / eta - c1 * (g_t - m_prev)), "m recurrence is an Euler step")
    _check(_is_zero((v_next - v_prev) / eta - c2 * (g_t**2 - v_prev)), "v recurrence is an Euler step")
    corrections = []
    for c in (c1, c2):
        limit = sp.limit((1 - c * eta)**(tau / eta), eta, 0, "+")
        _check(_is_zero(limit - sp.exp(-c * tau)), "(1 - c eta)^(tau/eta) -> exp(-c tau)")
        corrections.append(1 - sp.exp(-c * tau))
    m, v, th = (sp.Function(name)(tau) for name in ("m", "v", "theta"))
    grad = sp.Function(r"\nabla L")(th)
    equations = (sp.Eq(m.diff(tau), c1 * (grad - m)), sp.Eq(v.diff(tau), c2 * (grad**2 - v)),
                 sp.Eq(th.diff(tau), -(m / corrections[0]) / (sp.sqrt(v / corrections[1]) + eps_sym)))
    # With a constant gradient the ODE's bias-corrected moments are exact, as the discrete ones are.
    g_c = sp.Symbol("g", positive=True)
    m_sol = sp.dsolve(sp.Eq(m.diff(tau), c1 * (g_c - m)), ics={m.subs(tau, 0): 0}).rhs
    _check(_is_zero(m_sol / corrections[0] - g_c), "continuous m / (1 - exp(-c1 tau)) = g")
    return AdamContinuousLimit(equations, corrections[0], corrections[1])


class EpsilonRegimes(NamedTuple):
    outside: sp.Expr       # lr·g/(|g| + ε): ε added after the root (torch, Kingma & Ba), v = g²
    inside: sp.Expr        # lr·g/√(g² + ε): ε inside the root
    sign_limit: sp.Expr    # lr·sign(g): both for |g| ≫ ε (resp. √ε)
    sgd_outside: sp.Expr   # lr·g/ε: ε outside, |g| ≪ ε: SGD with learning rate lr/ε
    sgd_inside: sp.Expr    # lr·g/√ε: ε inside, |g| ≪ √ε: SGD with learning rate lr/√ε
    half_point: sp.Expr    # |g| = ε: where the ε-outside step is half of lr


@functools.cache
def epsilon_regimes() -> EpsilonRegimes:
    r"""Where ε sits and how large it is decides between a sign-like and an SGD-like update.

    With the second moment at its steady value :math:`\hat v = g^2`, the update per coordinate is
    :math:`\mathrm{lr}\,g/(|g| + \epsilon)` with ε outside the root and :math:`\mathrm{lr}\,g/\sqrt{g^2 + \epsilon}`
    with ε inside. For :math:`\sqrt{\hat v} \gg \epsilon` both are :math:`\mathrm{lr}\operatorname{sign}(g)`;
    for :math:`\sqrt{\hat v} \ll \epsilon` they are SGD, :math:`(\mathrm{lr}/\epsilon)\,g` and
    :math:`(\mathrm{lr}/\sqrt\epsilon)\,g`. An ε inside the root acts like :math:`\sqrt\epsilon` outside: the
    torch default 1e-8 outside corresponds to 1e-16 inside.

    Returns
    -------
    EpsilonRegimes

    References
    ----------
    Kingma & Ba (2015) (ε outside the root); D. Choi et al., "On empirical comparisons of optimizers for deep
    learning", arXiv:1910.05446 (2019) (a tuned, large ε).
    """
    g, e = g_sym, eps_sym
    outside = lr * g / (sp.Abs(g) + e)
    inside = lr * g / sp.sqrt(g**2 + e)
    s = sp.Symbol("s", positive=True)
    for expr, scale in ((outside, e), (inside, sp.sqrt(e))):
        # |g| = s * scale: sign-like as s -> oo, SGD-like (linear in g) as s -> 0
        gp = (expr / lr).subs(g, s * scale)
        _check(_is_zero(sp.limit(gp, s, sp.oo) - 1), "sign-like for |g| >> eps")
        _check(_is_zero(sp.limit(gp / s, s, 0) - 1), "SGD-like for |g| << eps")
    sgd_outside, sgd_inside = lr * g / e, lr * g / sp.sqrt(e)
    _check(_is_zero(sp.limit(outside / g, g, 0) - lr / e), "slope lr/eps (outside)")
    _check(_is_zero(sp.limit(inside / g, g, 0) - lr / sp.sqrt(e)), "slope lr/sqrt(eps) (inside)")
    half = sp.solve(sp.Eq((outside / lr).subs(g, s), sp.Rational(1, 2)), s)
    _check(half == [e], "the outside step is lr/2 at |g| = eps")
    return EpsilonRegimes(outside, inside, lr * sp.sign(g), sgd_outside, sgd_inside, e)


class DecoupledWeightDecay(NamedTuple):
    adam_l2: sp.Expr            # −lr·P(g + λθ): Adam + L2 with a frozen preconditioner P = 1/(√v̂ + ε)
    adamw: sp.Expr              # −lr·(P g + λθ): decoupled weight decay
    equivalent_l2: sp.Expr      # λ/P = λ(√v̂ + ε): the L2 coefficient that would give AdamW's step
    fixed_point_l2: sp.Expr     # h a/(h + λ): Adam + L2's limit on L = h(θ − a)²/2 (the ridge solution)
    fixed_point_adamw: sp.Expr  # AdamW's fixed point for ε > 0 (a > 0)
    fixed_point_adamw_eps0: sp.Expr  # its limit ε → 0: min(a, 1/λ)


@functools.cache
def decoupled_weight_decay() -> DecoupledWeightDecay:
    r"""AdamW is not Adam + L2: the decay is not divided by the preconditioner, and the limits differ.

    Adam with L2 adds :math:`\lambda\theta` to the gradient, so the decay passes through the preconditioner
    :math:`P = 1/(\sqrt{\hat v} + \epsilon)`: :math:`\Delta\theta = -\mathrm{lr}\,P(g + \lambda\theta)`. AdamW
    decays the weights directly: :math:`\Delta\theta = -\mathrm{lr}(Pg + \lambda\theta)`. With P frozen the two
    agree only if :math:`P = 1`; AdamW's step is Adam + L2 with the coordinate-wise coefficient
    :math:`\lambda(\sqrt{\hat v} + \epsilon)`, larger where gradients are large.

    Their fixed points on :math:`L = h(\theta - a)^2/2` (a > 0) differ. Adam + L2 stops where the decayed
    gradient vanishes, :math:`h(\theta - a) + \lambda\theta = 0`: the ridge solution :math:`ha/(h + \lambda)`,
    whatever the preconditioner. AdamW stops where :math:`\lambda\theta + \hat m/(\sqrt{\hat v} + \epsilon) = 0`;
    at a fixed point the gradient g is constant, so :math:`\hat m = g`, :math:`\hat v = g^2` and
    :math:`\lambda\theta(|g| + \epsilon) = -g`. Its root in :math:`(0, a)` tends to
    :math:`(a\lambda + 1 - |a\lambda - 1|)/(2\lambda) = \min(a, 1/\lambda)` as :math:`\epsilon \to 0`: a box
    constraint :math:`|\theta| \le 1/\lambda`, not a shrinkage.

    Returns
    -------
    DecoupledWeightDecay

    References
    ----------
    I. Loshchilov, F. Hutter, "Decoupled weight decay regularization", ICLR 2019; for the box (ℓ∞) picture,
    S. Xie, Z. Li, "Implicit bias of AdamW: ℓ∞-norm constrained optimization", ICML 2024.
    """
    P, th, g = sp.Symbol("P", positive=True), sp.Symbol("theta", real=True), sp.Symbol("g", real=True)
    adam_l2 = -lr * P * (g + wd * th)
    adamw = -lr * (P * g + wd * th)
    difference = sp.factor(adamw - adam_l2)
    _check(_is_zero(difference - lr * wd * th * (P - 1)), "the two differ by lr lambda theta (P - 1)")
    lam_equiv = sp.Symbol("lambda'", positive=True)
    sol = sp.solve(sp.Eq(-lr * P * (g + lam_equiv * th), adamw), lam_equiv)
    _check(len(sol) == 1 and _is_zero(sol[0] - wd / P), "equivalent L2 coefficient lambda/P")
    a, h = sp.Symbol("a", positive=True), sp.Symbol("h", positive=True)
    thp = sp.Symbol("theta", positive=True)
    fp_l2 = sp.solve(h * (thp - a) + wd * thp, thp)
    _check(len(fp_l2) == 1 and _is_zero(fp_l2[0] - h * a / (h + wd)), "Adam + L2 fixed point ha/(h + lambda)")
    # AdamW, on the branch 0 < theta < a (g = h(theta - a) < 0, |g| = h(a - theta)).
    roots = sp.solve(wd * thp * (h * (a - thp) + eps_sym) - h * (a - thp), thp)
    probes = [{a: 4, h: 1, wd: sp.Rational(1, 2), eps_sym: sp.Rational(1, 100)},
              {a: 1, h: 100, wd: sp.Rational(1, 2), eps_sym: sp.Rational(1, 100)}]
    inside = [r for r in roots if all(0 < r.subs(p) < p[a] for p in probes)]
    _check(len(inside) == 1, "one AdamW fixed point in (0, a)")
    fp_w = inside[0]
    lim = sp.limit(fp_w, eps_sym, 0)
    box = (a * wd + 1 - sp.Abs(a * wd - 1)) / (2 * wd)
    sq = sp.sqrt(a**2 * wd**2 - 2 * a * wd + 1)
    _check(_is_zero(sq**2 - (a * wd - 1)**2), "the root's square root is |a lambda - 1|")
    _check(_is_zero(lim.subs(sq, sp.Abs(a * wd - 1)) - box), "the limit is (a lambda + 1 - |a lambda - 1|)/(2 lambda)")
    cases = ((4, sp.Rational(1, 2)), (1, sp.Rational(1, 2)), (sp.Rational(1, 3), 5), (sp.Rational(7, 3), 2))
    _check(all(_is_zero((lim - sp.Min(av, 1 / sp.S(lv))).subs({a: av, wd: lv, h: 3})) for av, lv in cases),
           "the limit is min(a, 1/lambda)")
    return DecoupledWeightDecay(adam_l2, adamw, wd / P, h * a / (h + wd), fp_w, sp.Min(a, 1 / wd))
