"""The update kernels: one compiled function per rule, shared by ``Optimizer.step`` and ``minimize``.

Every kernel has the same signature, so that the compiled loop in :mod:`minimopt.run` can call any of them:

``kernel(params, grad, buffers, scalars, hyper) -> bool``

params : float64[d]
    Updated in place.
grad : float64[d]
    The gradient, read only (weight decay is added element by element, never written back).
buffers : float64[k, d]
    The rule's per-coordinate state (momentum buffer, moment estimates, …), updated in place.
scalars : float64[m]
    ``scalars[0]`` is the number of steps taken so far; rules with a scalar state keep it after that.
hyper : float64[n]
    The hyperparameters, in the order the optimizer class documents.

``params`` and ``grad`` must not overlap (``Optimizer.step_`` copies ``grad`` when they might). The return value
is True when every new parameter is finite: the divergence check is folded into the update's
single pass over memory. Each loop is one fused pass, so an update streams its arrays once.
"""

import numpy as np
from numba import njit

# The registry of rules: identifiers for the compiled dispatch in ``apply_update`` and ``query_point``, in the
# order of ``KERNELS`` (defined after the kernels). An optimizer class names its rule with one of them (checked
# when the class is created, see ``minimopt.optimizers.Optimizer``); ``tests/test_rules.py`` checks that the
# dispatch reaches ``KERNELS[rule]`` for every identifier and that every identifier has a class.
RULES = ("SGD", "ADAM", "ADAGRAD", "RMSPROP", "HEAVY_BALL", "NESTEROV", "EXP_GRAD", "EG_STEP_SIZE", "HYPERGRADIENT",
         "NESTEROV_CONVEX")
SGD, ADAM, ADAGRAD, RMSPROP, HEAVY_BALL, NESTEROV, EXP_GRAD, EG_STEP_SIZE, HYPERGRADIENT, NESTEROV_CONVEX = range(
    len(RULES))

# Every kernel: the NumPy error model (a zero division gives inf/NaN, reported as divergence, never an
# exception) and no reference counting (kernels allocate nothing; numba's reference-count updates of the
# array arguments would cost about 100 ns per call, more than a 2-D update).
_KERNEL = dict(cache=True, error_model="numpy", _nrt=False)


@njit(cache=True)
def _lerp(start, end, weight):
    """torch.lerp's formula, exactly: start + w (end − start) for w < ½, else end − (end − start)(1 − w)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


@njit(**_KERNEL)
def sgd_update(params, grad, buffers, scalars, hyper):
    r"""Stochastic gradient descent with momentum, torch.optim.SGD's convention.

    .. math::
        g &\leftarrow \nabla L(\theta) + w\,\theta, \\
        b &\leftarrow \mu b + (1 - \tau) g \quad (b \leftarrow g \text{ on the first step}), \\
        \theta &\leftarrow \theta - \eta\,(g + \mu b) \text{ (Nesterov) or } \theta - \eta\, b,

    with ``hyper = (lr η, momentum μ, dampening τ, nesterov (0/1), weight_decay w)``; ``buffers[0]`` is b.
    With μ = 0 it is plain θ ← θ − η g.
    """
    lr, momentum, dampening, nesterov, weight_decay = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
    first = scalars[0] == 0.0
    finite = True
    for i in range(params.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * params[i]
        if momentum != 0.0:
            if first:
                b = g
            else:
                b = buffers[0, i] * momentum + (1.0 - dampening) * g
            buffers[0, i] = b
            if nesterov != 0.0:
                g = g + momentum * b
            else:
                g = b
        p = params[i] - lr * g
        params[i] = p
        finite &= np.isfinite(p)
    scalars[0] += 1.0
    return finite


@njit(**_KERNEL)
def adam_update(params, grad, buffers, scalars, hyper):
    r"""Adam (Kingma & Ba 2015), with AMSGrad and decoupled weight decay (AdamW) as options.

    .. math::
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,
                    \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon},

    where :math:`\hat v_t = v_t` or, with AMSGrad, :math:`\max_{s\le t} v_s`. Weight decay w either adds
    w θ to g (Adam) or multiplies θ by 1 − ηw before the step (AdamW, decoupled). Without bias correction the
    two factors 1 − βᵗ are replaced by 1. ``hyper = (lr, beta1, beta2, eps, weight_decay, amsgrad,
    bias_correction, decoupled)``; ``buffers = (m, v, max v)``.

    The options become coefficients before the loop (a decay of 0, a shrink factor of 1, torch.lerp's two
    forms written as base + c·(g − m)), so that the loop has no branches but AMSGrad's and vectorises: one
    update streams its four arrays at close to memory speed, with results identical to torch's formulas.
    """
    lr, beta1, beta2, eps = hyper[0], hyper[1], hyper[2], hyper[3]
    weight_decay, amsgrad, bias_correction, decoupled = hyper[4], hyper[5] != 0.0, hyper[6], hyper[7] != 0.0
    t = scalars[0] + 1.0
    scalars[0] = t
    if bias_correction != 0.0:
        correction1 = 1.0 - beta1**t
        correction2_sqrt = (1.0 - beta2**t) ** 0.5
    else:
        correction1 = 1.0
        correction2_sqrt = 1.0
    step_size = lr / correction1
    shrink = 1.0 - lr * weight_decay if decoupled else 1.0
    coupled_decay = 0.0 if decoupled else weight_decay
    weight = 1.0 - beta1  # torch.lerp(m, g, weight): m + w(g − m) if w < ½, else g − (1 − w)(g − m)
    lerp_from_start = weight < 0.5
    lerp_coefficient = weight if lerp_from_start else -(1.0 - weight)
    exp_avg, exp_avg_sq, max_exp_avg_sq = buffers[0], buffers[1], buffers[2]
    bad = False
    for i in range(params.shape[0]):
        g = grad[i] + coupled_decay * params[i]
        m = exp_avg[i]
        m = (m if lerp_from_start else g) + lerp_coefficient * (g - m)
        v = exp_avg_sq[i] * beta2 + (1.0 - beta2) * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        if amsgrad:
            v = max(max_exp_avg_sq[i], v)
            max_exp_avg_sq[i] = v
        p = params[i] * shrink - step_size * (m / (np.sqrt(v) / correction2_sqrt + eps))
        params[i] = p
        bad |= not np.isfinite(p)
    return not bad


@njit(**_KERNEL)
def adagrad_update(params, grad, buffers, scalars, hyper):
    r"""AdaGrad (Duchi, Hazan & Singer 2011), torch.optim.Adagrad's convention.

    .. math::
        s_t = s_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \frac{\eta}{1 + (t-1)\,\delta}\,\frac{g_t}{\sqrt{s_t} + \epsilon},

    with g including weight decay w θ; ``hyper = (lr η, lr_decay δ, weight_decay w, eps)``;
    ``buffers[0]`` is s (starting at ``initial_accumulator_value``).
    """
    lr, lr_decay, weight_decay, eps = hyper[0], hyper[1], hyper[2], hyper[3]
    t = scalars[0] + 1.0
    scalars[0] = t
    clr = lr / (1.0 + (t - 1.0) * lr_decay)
    finite = True
    for i in range(params.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * params[i]
        s = buffers[0, i] + g * g
        buffers[0, i] = s
        p = params[i] - clr * (g / (np.sqrt(s) + eps))
        params[i] = p
        finite &= np.isfinite(p)
    return finite


@njit(**_KERNEL)
def rmsprop_update(params, grad, buffers, scalars, hyper):
    r"""RMSProp (Tieleman & Hinton 2012), torch.optim.RMSprop's convention, optionally centred and with momentum.

    .. math::
        s_t &= \alpha s_{t-1} + (1-\alpha) g_t^2, \qquad \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t, \\
        d_t &= \sqrt{s_t - \bar g_t^2} + \epsilon \ \text{(centred) or}\ \sqrt{s_t} + \epsilon, \\
        b_t &= \mu b_{t-1} + g_t / d_t, \qquad \theta_t = \theta_{t-1} - \eta\, b_t
        \quad(\theta_t = \theta_{t-1} - \eta\, g_t/d_t \text{ when } \mu = 0),

    ``hyper = (lr η, alpha α, eps ε, weight_decay, momentum μ, centered)``; ``buffers = (s, ḡ, b)``.
    """
    lr, alpha, eps, weight_decay, momentum, centered = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4], hyper[5]
    scalars[0] += 1.0
    finite = True
    for i in range(params.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * params[i]
        s = buffers[0, i] * alpha + (1.0 - alpha) * g * g
        buffers[0, i] = s
        if centered != 0.0:
            mean = _lerp(buffers[1, i], g, 1.0 - alpha)
            buffers[1, i] = mean
            denom = np.sqrt(s - mean * mean) + eps
        else:
            denom = np.sqrt(s) + eps
        if momentum > 0.0:
            b = buffers[2, i] * momentum + g / denom
            buffers[2, i] = b
            p = params[i] - lr * b
        else:
            p = params[i] - lr * (g / denom)
        params[i] = p
        finite &= np.isfinite(p)
    return finite


@njit(**_KERNEL)
def heavy_ball_update(params, grad, buffers, scalars, hyper):
    r"""Polyak's heavy ball in the leapfrog (physics) form.

    .. math::
        v \leftarrow \beta v - \alpha\, g, \qquad \theta \leftarrow \theta + v,

    ``hyper = (alpha α, beta β, …)``; ``buffers[0]`` is v. Nesterov's method uses this same update with g taken
    at the look-ahead point (see :func:`query_point`).
    """
    alpha, beta = hyper[0], hyper[1]
    scalars[0] += 1.0
    finite = True
    for i in range(params.shape[0]):
        v = beta * buffers[0, i] - alpha * grad[i]
        buffers[0, i] = v
        p = params[i] + v
        params[i] = p
        finite &= np.isfinite(p)
    return finite


@njit(**_KERNEL)
def exponentiated_gradient_update(params, grad, buffers, scalars, hyper):
    r"""Exponentiated gradient (Kivinen & Warmuth 1997): :math:`\theta \leftarrow \theta \odot e^{-\eta g}`.

    Mirror descent with the entropy: a positive coordinate stays positive. ``hyper = (lr η,)``.
    """
    lr = hyper[0]
    scalars[0] += 1.0
    finite = True
    for i in range(params.shape[0]):
        p = params[i] * np.exp(-lr * grad[i])
        params[i] = p
        finite &= np.isfinite(p)
    return finite


@njit(**_KERNEL)
def eg_step_size_update(params, grad, buffers, scalars, hyper):
    r"""Per-coordinate step sizes learned by exponentiated gradient.

    .. math::
        \nu_t = \nu_{t-1} \odot \exp(\gamma\, g_{t-1} \odot g_t), \qquad
        \theta_t = \theta_{t-1} - \eta\, \nu_t \odot g_t,

    so that from ν₀ = 1, :math:`\nu_t = \exp(\gamma \sum_{k \le t} g_{k-1} \odot g_k)` (g₀ = 0).
    ``hyper = (lr η, gamma γ)``; ``buffers = (ν, g_{t-1})``.
    """
    lr, gamma = hyper[0], hyper[1]
    scalars[0] += 1.0
    finite = True
    for i in range(params.shape[0]):
        g = grad[i]
        nu = buffers[0, i] * np.exp(gamma * buffers[1, i] * g)
        buffers[0, i] = nu
        buffers[1, i] = g
        p = params[i] - lr * nu * g
        params[i] = p
        finite &= np.isfinite(p)
    return finite


@njit(**_KERNEL)
def hypergradient_update(params, grad, buffers, scalars, hyper):
    r"""SGD with hypergradient descent on the learning rate (SGD-HD, Baydin et al. 2018).

    .. math::
        \eta_t = \eta_{t-1} + \beta\, g_t \cdot g_{t-1}, \qquad \theta_t = \theta_{t-1} - \eta_t\, g_t,

    (−g_t·g_{t−1} is ∂L(θ_{t−1})/∂η, the hypergradient). ``hyper = (lr η₀, beta β)``;
    ``buffers[0]`` is g_{t−1} (zero at the start); ``scalars[1]`` is the current η.
    """
    beta = hyper[1]
    n = params.shape[0]
    dot = 0.0
    for i in range(n):
        dot += grad[i] * buffers[0, i]
    lr = scalars[1] + beta * dot
    scalars[1] = lr
    scalars[0] += 1.0
    finite = np.isfinite(lr)
    for i in range(n):
        g = grad[i]
        buffers[0, i] = g
        p = params[i] - lr * g
        params[i] = p
        finite &= np.isfinite(p)
    return finite


@njit(cache=True, inline="always")
def _convex_momentum(count):
    """Su, Boyd & Candès's momentum (k − 1)/(k + 2) after k steps (k = ``count``)."""
    return (count - 1.0) / (count + 2.0)


@njit(**_KERNEL)
def nesterov_convex_update(params, grad, buffers, scalars, hyper):
    r"""Nesterov's method for convex functions with the schedule of Su, Boyd & Candès (2016).

    .. math::
        y_k = x_k + \frac{k-1}{k+2}\,(x_k - x_{k-1}), \qquad x_{k+1} = y_k - s\,\nabla f(y_k),

    from y₀ = x₀, with ``grad`` = ∇f(y_k) taken at :func:`query_point`. The state is the velocity
    v_k = x_k − x_{k−1} (``buffers[0]``, v₀ = 0) and k = ``scalars[0]``; ``hyper = (s,)``. The look-ahead point is
    recomputed as x_k + β_k v_k exactly as ``query_point`` computes it, so the iterates are those of the
    two-sequence recurrence bit for bit.
    """
    step = hyper[0]
    beta = _convex_momentum(scalars[0])
    scalars[0] += 1.0
    finite = True
    for i in range(params.shape[0]):
        x = params[i]
        p = (x + beta * buffers[0, i]) - step * grad[i]
        buffers[0, i] = p - x
        params[i] = p
        finite &= np.isfinite(p)
    return finite


# Indexed by rule identifier: ``apply_update(rule, …)`` must call ``KERNELS[rule]`` (tested for every rule).
KERNELS = (sgd_update, adam_update, adagrad_update, rmsprop_update, heavy_ball_update, heavy_ball_update,
           exponentiated_gradient_update, eg_step_size_update, hypergradient_update, nesterov_convex_update)
if len(KERNELS) != len(RULES):
    raise ImportError(f"minimopt._updates: {len(RULES)} rules but {len(KERNELS)} kernels")


@njit(**_KERNEL)
def apply_update(rule, params, grad, buffers, scalars, hyper):
    """Dispatch to the kernel of ``rule`` (one of the identifiers above); returns the finiteness flag."""
    if rule == SGD:
        return sgd_update(params, grad, buffers, scalars, hyper)
    if rule == ADAM:
        return adam_update(params, grad, buffers, scalars, hyper)
    if rule == ADAGRAD:
        return adagrad_update(params, grad, buffers, scalars, hyper)
    if rule == RMSPROP:
        return rmsprop_update(params, grad, buffers, scalars, hyper)
    if rule == HEAVY_BALL or rule == NESTEROV:
        return heavy_ball_update(params, grad, buffers, scalars, hyper)
    if rule == EXP_GRAD:
        return exponentiated_gradient_update(params, grad, buffers, scalars, hyper)
    if rule == EG_STEP_SIZE:
        return eg_step_size_update(params, grad, buffers, scalars, hyper)
    if rule == HYPERGRADIENT:
        return hypergradient_update(params, grad, buffers, scalars, hyper)
    if rule == NESTEROV_CONVEX:
        return nesterov_convex_update(params, grad, buffers, scalars, hyper)
    raise ValueError("unknown update rule")


@njit(**_KERNEL)
def query_point(rule, params, buffers, scalars, hyper, out):
    r"""Write into ``out`` the point where the rule takes its gradient.

    θ itself for every rule but Nesterov's, which looks ahead: :math:`\theta + \ell\,\beta v` with
    ``hyper = (alpha, beta β, lookahead ℓ)`` (ℓ = 1: Sutskever et al.'s form; ℓ = ½: the midpoint variant);
    for NesterovConvex, :math:`y_k = x_k + \frac{k-1}{k+2} v_k` after k = ``scalars[0]`` steps.
    """
    if rule == NESTEROV:
        shift = hyper[2] * hyper[1]
        for i in range(params.shape[0]):
            out[i] = params[i] + shift * buffers[0, i]
    elif rule == NESTEROV_CONVEX:
        beta = _convex_momentum(scalars[0])
        for i in range(params.shape[0]):
            out[i] = params[i] + beta * buffers[0, i]
    else:
        for i in range(params.shape[0]):
            out[i] = params[i]
