"""Chapter 5, *Adaptive methods*: Adam's bias and the size of its first step.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import lr, beta1, beta2, g_mean, g2_mean, t_step, _check, _is_zero

__all__ = ["adam_bias", "adam_step_size"]


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
