"""Checkers for the exercises of chapter 7, *Learning the learning rate*.

Each ``check_<name>(student_function, *, seed=None)`` calls the student's function on fixed and seeded random
cases and returns ``"pass"`` or a message that explains the mistake. The catalogued mistakes, each recognised with
its own message:

- ``check_eg_step`` (θ ⊙ e^{−η g}): the additive update θ − ηg; its first-order form θ − ηθg; gradient descent on
  log θ, θ e^{−ηθg}; the wrong sign, θ e^{+ηg}; a normalisation that does not belong to the unnormalised rule.
- ``check_hedge_step`` (w ⊙ e^{−ηℓ} / Σ): the missing normalisation on the simplex; the additive step w − ηℓ
  (normalised or not); the wrong sign; forgetting the old weights; dividing by the largest weight.
- ``check_step_size_after`` (ν_T = exp(γ Σ_{k=2}^T g_{k−1} g_k)): g_k² instead of g_{k−1} g_k; the additive
  1 + γΣ; the wrong sign; stopping one step early (ν_{T−1}); a first term with g₀ = g₁ instead of g₀ = 0.
- ``check_lr_hypergradient`` (∂L(θ_t)/∂η = −g_{t+1}·g_t): the wrong sign; g_{t+1}·g_{t+1} or g_t·g_t
  (gₜ² instead of gₜ₋₁gₜ); an element-wise product instead of the dot product.

Vectors may be returned as a NumPy array, a list or a tuple. The arguments are fresh copies on every call, so a
function that modifies its inputs in place does not change the cases.

>>> import numpy as np
>>> from minimopt.exercises import check_eg_step
>>> check_eg_step(lambda theta, grad, lr: theta * np.exp(-lr * grad))
'pass'
"""

import numpy as np

from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, Exercise

__all__ = ["check_eg_step", "check_hedge_step", "check_step_size_after", "check_lr_hypergradient"]


# ---------------------------------------------------------------------------------------------------------
# helpers (vector answers: _checking coerces numbers and fixed-length tuples; these add arrays of any length)
# ---------------------------------------------------------------------------------------------------------
def _fresh(case):
    """A copy of a case's arguments, so that a student's in-place change cannot alter the next call."""
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case)


def _shown(case):
    return ", ".join(np.array2string(a, precision=4, separator=", ") if isinstance(a, np.ndarray) else f"{a:.6g}"
                     for a in case)


def _answers(student_function, name, cases, count):
    """The student's answer on each case: a vector of ``count(case)`` numbers, or a number when count is None."""
    values = []
    for case in cases:
        who = f"{name}({_shown(case)})"
        out = _checking.call(student_function, _fresh(case), who)
        size = count(case)
        if size is None:
            values.append(_checking.as_number(out, who))
        else:
            values.append(np.array(_checking.as_numbers(out, size, who)))
    return values


def _agree(value, want):
    if np.ndim(want) == 0:
        return _checking.close(float(value), float(want))
    return np.shape(value) == np.shape(want) and _checking.all_close([float(v) for v in value],
                                                                     [float(w) for w in want])


def _judge(values, cases, reference, mistakes, name):
    """``"pass"``, the message of a catalogued mistake, or the first failing case with the digits that differ."""
    wants = [reference(*case) for case in cases]
    if all(_agree(v, w) for v, w in zip(values, wants)):
        return PASS
    with np.errstate(all="ignore"):
        message = _checking.known_mistake(values, cases, mistakes,
                                          lambda v, p: bool(np.all(np.isfinite(p))) and _agree(v, p))
    if message is not None:
        return message
    index = next(_checking.differences(values, wants, lambda v, w: not _agree(v, w)))
    value, want = values[index], wants[index]
    who = f"{name}({_shown(cases[index])})"
    if np.ndim(want) == 0:
        return f"{who}: {_checking.describe_mismatch(float(value), float(want))}"
    parts = [f"entry {k}: {_checking.describe_mismatch(float(v), float(w))}"
             for k, (v, w) in enumerate(zip(value, want)) if not _checking.close(float(v), float(w))]
    return f"{who}: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# the exponentiated-gradient step
# ---------------------------------------------------------------------------------------------------------
def _reference_eg_step(theta, grad, lr):
    """θ ⊙ exp(−lr·g): the step φ ← φ − lr·∂L/∂θ in φ = log θ."""
    return theta * np.exp(-lr * grad)


_EG_CASES = ((np.array([1.0, 0.5, 2.0]), np.array([0.3, -1.0, 2.0]), 0.1),
             (np.array([0.2, 0.2, 0.2, 0.4]), np.array([1.0, 2.0, -3.0, 0.5]), 0.5),
             (np.array([3.0, 1e-3]), np.array([-0.7, 4.0]), 1.0))


def _draw_eg(rng):
    d = int(rng.integers(2, 6))
    return rng.uniform(0.05, 3.0, d), rng.normal(0.0, 2.0, d), float(rng.uniform(0.05, 1.0))


_EG_MISTAKES = (
    (lambda th, g, lr: th - lr * g,
     "you took the additive step θ - lr·g: that is gradient descent, which can make a coordinate negative. "
     "Exponentiated gradient takes the step in φ = log θ, φ ← φ - lr·g, and maps back: θ ← θ·exp(-lr·g), "
     "a multiplicative update that keeps every coordinate positive."),
    (lambda th, g, lr: th * (1 - lr * g),
     "you returned θ(1 - lr·g), the first-order expansion of the update: exp(-lr·g) ≈ 1 - lr·g only for small "
     "lr·g, and the linearised rule loses positivity as soon as lr·g > 1. Return θ·exp(-lr·g)."),
    (lambda th, g, lr: th * np.exp(-lr * th * g),
     "you returned θ·exp(-lr·θ·g): that is gradient descent on φ = log θ with ∂L/∂φ = θ·∂L/∂θ, a different rule "
     "(to first order θ - lr·θ²·g). Exponentiated gradient steps in φ with the gradient in θ: θ·exp(-lr·g)."),
    (lambda th, g, lr: th * np.exp(lr * g),
     "the sign is wrong: θ·exp(+lr·g) climbs the loss. Descent lowers φ = log θ along the gradient: "
     "θ·exp(-lr·g)."),
    (lambda th, g, lr: th * np.exp(-lr * g) / np.sum(th * np.exp(-lr * g)),
     "you normalised the weights to sum to one: that is Hedge, exponentiated gradient on the simplex. The "
     "unnormalised rule asked for here is θ·exp(-lr·g) itself."),
)


@_checking.returns_student_errors
def check_eg_step(student_function, *, seed=None):
    """Check ``eg_step(theta, grad, lr)``: one exponentiated-gradient step, θ ⊙ exp(−lr·grad) (arrays).

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_EG_CASES) + _checking.random_cases(_draw_eg, seed)
    values = _answers(student_function, "eg_step", cases, lambda case: case[0].shape[0])
    return _judge(values, cases, _reference_eg_step, _EG_MISTAKES, "eg_step")


# ---------------------------------------------------------------------------------------------------------
# Hedge on the simplex
# ---------------------------------------------------------------------------------------------------------
def _reference_hedge_step(w, losses, eta):
    """w ⊙ exp(−η ℓ) / Σ_j w_j exp(−η ℓ_j): exponentiated gradient on the probability simplex."""
    u = w * np.exp(-eta * losses)
    return u / u.sum()


_HEDGE_CASES = ((np.array([0.25, 0.25, 0.5]), np.array([1.0, 0.0, 0.5]), 0.5),
                (np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.9, 0.1, 0.4, 0.0]), 2.0),
                (np.array([0.5, 0.5]), np.array([0.2, 0.7]), 1.0))


def _draw_hedge(rng):
    d = int(rng.integers(2, 7))
    w = rng.uniform(0.05, 1.0, d)
    return w / w.sum(), rng.uniform(0.0, 1.0, d), float(rng.uniform(0.1, 3.0))


_HEDGE_MISTAKES = (
    (lambda w, l, eta: w * np.exp(-eta * l),
     "the normalisation on the simplex is missing: w·exp(-η·ℓ) does not sum to one. Hedge is the unnormalised "
     "exponentiated-gradient step followed by the KL projection onto the simplex, which divides by the sum: "
     "w·exp(-η·ℓ) / Σ_j w_j·exp(-η·ℓ_j)."),
    (lambda w, l, eta: (w - eta * l) / np.sum(w - eta * l),
     "you took the additive step w - η·ℓ and rescaled it: that is not a multiplicative update (and it can make "
     "weights negative). Hedge multiplies each weight by exp(-η·ℓ_i), then divides by the sum."),
    (lambda w, l, eta: w - eta * l,
     "you took the additive step w - η·ℓ: that is gradient descent, which leaves the simplex (weights can become "
     "negative, the sum changes). Hedge multiplies: w·exp(-η·ℓ), then divides by the sum."),
    (lambda w, l, eta: w * np.exp(eta * l) / np.sum(w * np.exp(eta * l)),
     "the sign is wrong: exp(+η·ℓ) moves weight towards the experts with the largest loss. Use exp(-η·ℓ)."),
    (lambda w, l, eta: np.exp(-eta * l) / np.sum(np.exp(-eta * l)),
     "you forgot the old weights: exp(-η·ℓ)/Σ is Hedge started afresh from the uniform weights. Multiply the "
     "current weights: w·exp(-η·ℓ) / Σ_j w_j·exp(-η·ℓ_j)."),
    (lambda w, l, eta: w * np.exp(-eta * l) / np.max(w * np.exp(-eta * l)),
     "you divided by the largest weight; the weights of a probability vector must sum to one, so divide by the "
     "sum Σ_j w_j·exp(-η·ℓ_j)."),
)


@_checking.returns_student_errors
def check_hedge_step(student_function, *, seed=None):
    """Check ``hedge_step(w, losses, eta)``: one multiplicative-weights (Hedge) update on the simplex.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_HEDGE_CASES) + _checking.random_cases(_draw_hedge, seed)
    values = _answers(student_function, "hedge_step", cases, lambda case: case[0].shape[0])
    return _judge(values, cases, _reference_hedge_step, _HEDGE_MISTAKES, "hedge_step")


# ---------------------------------------------------------------------------------------------------------
# the closed form of the step-size factor
# ---------------------------------------------------------------------------------------------------------
def _reference_step_size_after(grads, gamma):
    """ν_T = exp(γ Σ_{k=2}^T g_{k−1} g_k) for one coordinate, from ν₀ = 1 with g₀ = 0 (``mo.EGStepSize``)."""
    grads = np.asarray(grads, dtype=np.float64)
    return float(np.exp(gamma * np.sum(grads[:-1] * grads[1:])))


_NU_CASES = ((np.array([1.0, 0.5, -0.2, 0.1]), 1.0),
             (np.array([0.3, 0.3, 0.3]), 2.0),
             (np.array([2.0, -1.0, 0.5, 0.25, -0.1]), 0.5),
             (np.array([0.8, 0.6]), 3.0))


def _draw_nu(rng):
    t = int(rng.integers(2, 9))
    return rng.normal(0.0, 1.0, t), float(rng.uniform(0.1, 1.5))


_NU_MISTAKES = (
    (lambda gs, gamma: float(np.exp(gamma * np.sum(gs**2))),
     "you summed g_k², the squared gradients: they are never negative, so the step size could only grow. The "
     "rule multiplies successive gradients, exp(γ·g_{k-1}·g_k): it grows while they agree in sign and shrinks "
     "when they alternate."),
    (lambda gs, gamma: float(np.exp(gamma * np.sum(gs[1:]**2))),
     "you summed g_k² for k ≥ 2 instead of the products g_{k-1}·g_k of successive gradients."),
    (lambda gs, gamma: float(1 + gamma * np.sum(gs[:-1] * gs[1:])),
     "you added instead of multiplying: 1 + γ·Σ g_{k-1}·g_k is an additive (hypergradient-style) rule, and it can "
     "go negative. Each step multiplies ν by exp(γ·g_{k-1}·g_k), so the exponents add up: ν_T = exp(γ·Σ)."),
    (lambda gs, gamma: float(np.exp(-gamma * np.sum(gs[:-1] * gs[1:]))),
     "the sign is wrong: successive gradients that agree (g_{k-1}·g_k > 0) mean the step is too small, so ν "
     "must grow: exp(+γ·Σ g_{k-1}·g_k)."),
    (lambda gs, gamma: float(np.exp(gamma * np.sum(gs[:-2] * gs[1:-1]))),
     "you stopped one step early: that is ν_{T-1}. The factor of step T already uses g_T (ν is updated before "
     "the step that uses it), so the sum runs to k = T."),
    (lambda gs, gamma: float(np.exp(gamma * (gs[0]**2 + np.sum(gs[:-1] * gs[1:])))),
     "you started the sum at k = 1 with g_0 = g_1. EGStepSize has no gradient before the first step, g_0 = 0, "
     "so ν_1 = 1 and the sum starts at k = 2."),
)


@_checking.returns_student_errors
def check_step_size_after(student_function, *, seed=None):
    """Check ``step_size_after(grads, gamma)``: ν_T of one coordinate after the gradients g₁ … g_T.

    ``mo.EGStepSize`` updates ν_t = ν_{t−1} exp(γ g_{t−1} g_t) from ν₀ = 1 with g₀ = 0, so
    ν_T = exp(γ Σ_{k=2}^T g_{k−1} g_k).

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_NU_CASES) + _checking.random_cases(_draw_nu, seed)
    values = _answers(student_function, "step_size_after", cases, lambda case: None)
    return _judge(values, cases, _reference_step_size_after, _NU_MISTAKES, "step_size_after")


# ---------------------------------------------------------------------------------------------------------
# the hypergradient of the loss with respect to the learning rate
# ---------------------------------------------------------------------------------------------------------
def _reference_lr_hypergradient(g_prev, g_next):
    """∂L(θ_t)/∂η = −g_{t+1}·g_t for θ_t = θ_{t−1} − η g_t (Baydin et al. 2018)."""
    return -float(np.dot(g_prev, g_next))


_HD_CASES = ((np.array([1.0, 2.0]), np.array([0.5, -1.0])),
             (np.array([0.3, -0.2, 0.1]), np.array([0.2, 0.1, 0.4])),
             (np.array([2.0]), np.array([-3.0])),
             (np.array([1.0, 1.0, -2.0, 0.5]), np.array([0.5, 0.25, 1.0, -2.0])))


def _draw_hd(rng):
    d = int(rng.integers(2, 6))
    return rng.normal(0.0, 1.0, d), rng.normal(0.0, 1.0, d)


_HD_MISTAKES = (
    (lambda gp, gn: float(np.dot(gp, gn)),
     "the sign is wrong: θ_t = θ_{t-1} - η·g_t moves against g_t, so ∂θ_t/∂η = -g_t and "
     "∂L(θ_t)/∂η = ∇L(θ_t)·(-g_t) = -g_{t+1}·g_t."),
    (lambda gp, gn: -float(np.dot(gn, gn)),
     "you used g_{t+1}·g_{t+1}, the squared gradient; the chain rule pairs the gradient at the new point with "
     "the direction of the step that got there: -g_{t+1}·g_t (g_{t-1}·g_t, not g_t²)."),
    (lambda gp, gn: -float(np.dot(gp, gp)),
     "you used g_t·g_t, the squared gradient; the derivative of L(θ_t) involves the gradient at θ_t, which is "
     "g_{t+1}: -g_{t+1}·g_t (g_{t-1}·g_t, not g_t²)."),
    (lambda gp, gn: float(np.dot(gn, gn)),
     "you used +g_{t+1}·g_{t+1}: both the sign and the pairing are wrong. The answer is -g_{t+1}·g_t."),
)


@_checking.returns_student_errors
def check_lr_hypergradient(student_function, *, seed=None):
    """Check ``lr_hypergradient(g_prev, g_next)``: ∂L(θ_t)/∂η for θ_t = θ_{t−1} − η·g_prev, g_next = ∇L(θ_t).

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_HD_CASES) + _checking.random_cases(_draw_hd, seed)
    first = _checking.call(student_function, _fresh(cases[0]), f"lr_hypergradient({_shown(cases[0])})")
    if isinstance(first, (np.ndarray, list, tuple)) and np.size(first) == cases[0][0].shape[0] > 1:
        product = -(cases[0][0] * cases[0][1])
        if np.shape(np.asarray(first, dtype=object)) == product.shape and all(
                isinstance(x, (int, float, np.integer, np.floating)) and _checking.close(float(x), float(p))
                for x, p in zip(np.ravel(np.asarray(first, dtype=object)), product)):
            return ("you returned the element-wise product -g_{t+1}⊙g_t, one number per coordinate: those are the "
                    "derivatives with respect to per-coordinate step sizes (at ν = 1). The learning rate is one "
                    "number, shared by all coordinates, so its derivative is their sum, the dot product "
                    "-g_{t+1}·g_t.")
    values = _answers(student_function, "lr_hypergradient", cases, lambda case: None)
    return _judge(values, cases, _reference_lr_hypergradient, _HD_MISTAKES, "lr_hypergradient")


EXERCISES = (
    Exercise(label="ex-stepsize-1", function="eg_step", signature="theta, grad, lr", checker=check_eg_step,
             solution=_reference_eg_step),
    Exercise(label="ex-stepsize-2", function="hedge_step", signature="w, losses, eta", checker=check_hedge_step,
             solution=_reference_hedge_step),
    Exercise(label="ex-stepsize-3", function="step_size_after", signature="grads, gamma",
             checker=check_step_size_after, solution=_reference_step_size_after),
    Exercise(label="ex-stepsize-4", function="lr_hypergradient", signature="g_prev, g_next",
             checker=check_lr_hypergradient, solution=_reference_lr_hypergradient),
)
