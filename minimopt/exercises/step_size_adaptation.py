"""Checkers for the exercises of chapter 7, *Learning the learning rate*.

Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, and one
tolerance, ``|x − y| ≤ 1e-6·|y| + 1e-12`` entry by entry (truth values exactly), in every chapter.

Each ``check_<name>(student_function, *, seed=None)`` calls the student's function on fixed and seeded random
cases and returns ``"pass"`` or a message that explains the mistake. The catalogued mistakes, each recognised with
its own message:

- ``check_logit_step`` (θe^{−ηg} / (θe^{−ηg} + 1 − θ), mirror descent with the binary entropy on (0, 1)): the
  unnormalised EG step θe^{−ηg}; the additive step θ − ηg; θe^{−ηg} clipped to [0, 1]; gradient descent on
  logit θ; the wrong sign; Hedge's normalisation over the coordinates.
- ``check_hedge_weights`` (prior ⊙ e^{−η Σ_t ℓ_t} / Σ, Hedge after T rounds): the missing normalisation on the
  simplex; the prior dropped; the wrong sign; only the last round; the mean loss instead of the cumulative one;
  exp(−ηΣℓ) underflowing to 0/0 for large η·Σℓ (no shift of the exponents).
- ``check_step_size_after`` (ν_T = exp(γ Σ_{k=2}^T g_{k−1} g_k)): g_k² instead of g_{k−1} g_k; the additive
  1 + γΣ; the wrong sign; stopping one step early (ν_{T−1}); a first term with g₀ = g₁ instead of g₀ = 0.
- ``check_lr_hypergradient`` (∂L(θ_t)/∂η = −g_{t+1}·g_t): the wrong sign; g_{t+1}·g_{t+1} or g_t·g_t
  (gₜ² instead of gₜ₋₁gₜ); an element-wise product instead of the dot product.

Besides, every checker recognises a function that is right with its parameters in another order (also when it
cannot run on the cases in the exercise's order). Vectors may be returned as a NumPy array, a list or a tuple. The arguments are fresh copies on every call, so a
function that modifies its inputs in place does not change the cases.

>>> import numpy as np
>>> from minimopt.exercises import check_lr_hypergradient
>>> check_lr_hypergradient(lambda g_prev, g_next: -float(np.dot(g_prev, g_next)))
'pass'
"""

import numpy as np

from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, Exercise, StudentError

__all__ = ["check_logit_step", "check_hedge_weights", "check_step_size_after", "check_lr_hypergradient"]

_LOGIT_SIGNATURE = "theta, grad, lr"
_HEDGE_SIGNATURE = "prior, losses, eta"
_NU_SIGNATURE = "grads, gamma"
_HD_SIGNATURE = "g_prev, g_next"


# ---------------------------------------------------------------------------------------------------------
# helpers (vector answers: _checking coerces numbers and fixed-length tuples; these add arrays of any length)
# ---------------------------------------------------------------------------------------------------------
def _fresh(case):
    """A copy of a case's arguments, so that a student's in-place change cannot alter the next call."""
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case)


def _coerce(out, want, who):
    """A number when the right answer is one, else a vector of as many numbers (an array, a list or a tuple)."""
    if np.ndim(want) == 0:
        return _checking.as_number(out, who)
    return np.array(_checking.as_numbers(out, np.size(want), who))


def _agree(value, want):
    if np.ndim(want) == 0:
        return _checking.close(float(value), float(want))
    return np.shape(value) == np.shape(want) and _checking.all_close([float(v) for v in value],
                                                                     [float(w) for w in want])


_ANSWER = _checking.Answer(_coerce, _agree, None)


def _answers(student_function, name, cases, reference, signature):
    """The student's answer on each case, read as :func:`_coerce` does.

    A function that fails on the cases (raises, or returns what is not an answer) but is right with its
    parameters in another order gets the message that says so (:func:`~minimopt.exercises._checking.swapped_call`).
    """
    values = []
    for case in cases:
        who = f"{name}({_checking.format_args(case)})"
        try:
            out = _checking.call(student_function, _fresh(case), who)
            values.append(_coerce(out, reference(*case), who))
        except StudentError as error:
            if not error.timed_out:
                wants = [reference(*c) for c in cases]
                message = _checking.swapped_call(student_function, cases, wants, _ANSWER, name, signature)
                if message is not None:
                    raise StudentError(message) from None
            raise
    return values


def _judge(values, cases, reference, mistakes, name, signature):
    """``"pass"``, the message of a catalogued mistake, of parameters in another order, or the first failing
    case with the digits that differ."""
    wants = [reference(*case) for case in cases]
    if all(_agree(v, w) for v, w in zip(values, wants)):
        return PASS
    with np.errstate(all="ignore"):
        message = _checking.known_mistake(values, cases, mistakes,
                                          lambda v, p: bool(np.all(np.isfinite(p))) and _agree(v, p))
    if message is not None:
        return message
    message = _checking.swapped_arguments(values, cases, reference, _agree, name, signature)
    if message is not None:
        return message
    index = next(_checking.differences(values, wants, lambda v, w: not _agree(v, w)))
    value, want = values[index], wants[index]
    who = f"{name}({_checking.format_args(cases[index])})"
    if np.ndim(want) == 0:
        return f"{who}: {_checking.describe_mismatch(float(value), float(want))}"
    parts = [f"entry {k}: {_checking.describe_mismatch(float(v), float(w))}"
             for k, (v, w) in enumerate(zip(value, want)) if not _checking.close(float(v), float(w))]
    return f"{who}: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# mirror descent with the binary entropy: exponentiated gradient for parameters in (0, 1)
# ---------------------------------------------------------------------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _reference_logit_step(theta, grad, lr):
    """θ e^{−lr g} / (θ e^{−lr g} + 1 − θ): the step logit θ ← logit θ − lr·∂L/∂θ, mirror descent with the binary
    entropy ψ(θ) = θ log θ + (1 − θ) log(1 − θ), whose gradient is logit θ = log(θ/(1 − θ))."""
    u = theta * np.exp(-lr * grad)
    return u / (u + 1.0 - theta)


_LOGIT_CASES = ((np.array([0.5, 0.9, 0.2]), np.array([0.3, -1.0, 2.0]), 0.5),
                (np.array([0.1, 0.3, 0.6, 0.95]), np.array([-2.0, 1.5, -3.0, -0.5]), 1.0),
                (np.array([0.999, 1e-3]), np.array([-0.7, 4.0]), 2.0))


def _draw_logit(rng):
    d = int(rng.integers(2, 6))
    return rng.uniform(0.02, 0.98, d), rng.normal(0.0, 2.0, d), float(rng.uniform(0.1, 2.0))


_LOGIT_MISTAKES = (
    (lambda th, g, lr: th * np.exp(-lr * g),
     "you returned θ·exp(-lr·g), the exponentiated-gradient step of the unnormalised entropy: it keeps θ > 0 but "
     "not θ < 1. With the binary entropy the dual coordinate is logit θ = log(θ/(1-θ)); step it and map back "
     "with the logistic function: θe^{-lr·g} / (θe^{-lr·g} + 1 - θ)."),
    (lambda th, g, lr: th - lr * g,
     "you took the additive step θ - lr·g: that is gradient descent, which can leave (0, 1). Step the dual "
     "coordinate logit θ instead and map back: θe^{-lr·g} / (θe^{-lr·g} + 1 - θ)."),
    (lambda th, g, lr: np.clip(th * np.exp(-lr * g), 0.0, 1.0),
     "you clipped θ·exp(-lr·g) to [0, 1]: that is a Euclidean projection of the wrong mirror step, not mirror "
     "descent with the binary entropy. Step logit θ and map back: θe^{-lr·g} / (θe^{-lr·g} + 1 - θ)."),
    (lambda th, g, lr: _sigmoid(np.log(th / (1 - th)) - lr * th * (1 - th) * g),
     "you took gradient descent on φ = logit θ, with ∂L/∂φ = θ(1-θ)·∂L/∂θ: a different rule, like gradient "
     "descent on log θ in the chapter. Mirror descent steps φ with the gradient in θ: "
     "θe^{-lr·g} / (θe^{-lr·g} + 1 - θ)."),
    (lambda th, g, lr: th * np.exp(lr * g) / (th * np.exp(lr * g) + 1 - th),
     "the sign is wrong: exp(+lr·g) climbs the loss. Use θe^{-lr·g} / (θe^{-lr·g} + 1 - θ)."),
    (lambda th, g, lr: th * np.exp(-lr * g) / np.sum(th * np.exp(-lr * g)),
     "you divided by the sum over coordinates: that is Hedge, for weights that must sum to one. Here each "
     "coordinate is its own number in (0, 1), normalised against its own complement: "
     "θe^{-lr·g} / (θe^{-lr·g} + 1 - θ)."),
)


@_checking.returns_student_errors
def check_logit_step(student_function, *, seed=None):
    """Check ``logit_step(theta, grad, lr)``: one step of mirror descent with the binary entropy.

    For NumPy arrays ``theta`` (entries in (0, 1)) and ``grad``: the gradient step taken in the dual coordinates of
    the binary-entropy mirror map, with the gradient in θ, and mapped back.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_LOGIT_CASES) + _checking.random_cases(_draw_logit, seed)
    values = _answers(student_function, "logit_step", cases, _reference_logit_step, _LOGIT_SIGNATURE)
    return _judge(values, cases, _reference_logit_step, _LOGIT_MISTAKES, "logit_step", _LOGIT_SIGNATURE)


# ---------------------------------------------------------------------------------------------------------
# Hedge after T rounds, in closed form and without underflow
# ---------------------------------------------------------------------------------------------------------
def _reference_hedge_weights(prior, losses, eta):
    """w_{T+1} ∝ prior ⊙ exp(−η Σ_t ℓ_t), computed in log space (shifted by the largest exponent) so that large
    η·Σℓ neither underflow nor overflow."""
    z = np.log(prior) - eta * np.sum(losses, axis=0)
    u = np.exp(z - z.max())
    return u / u.sum()


def _hedge_case(rng, t, d, eta):
    prior = rng.uniform(0.05, 1.0, d)
    return prior / prior.sum(), rng.uniform(0.0, 1.0, (t, d)), eta


_HEDGE_RNG = np.random.default_rng(20220201)
_HEDGE_CASES = ((np.array([0.25, 0.25, 0.5]), np.array([[1.0, 0.0, 0.5], [0.5, 0.5, 0.0]]), 0.5),
                _hedge_case(_HEDGE_RNG, 5, 4, 1.0),
                _hedge_case(_HEDGE_RNG, 3, 2, 2.0))
# η·Σℓ of about 10³: every exp(−η Σℓ_i) underflows to 0 in float64
_HEDGE_UNDERFLOW = (np.array([0.2, 0.3, 0.5]), np.array([[1.0, 0.9, 0.95]] * 20), 50.0)


def _draw_hedge(rng):
    return _hedge_case(rng, int(rng.integers(1, 8)), int(rng.integers(2, 6)), float(rng.uniform(0.1, 3.0)))


_HEDGE_MISTAKES = (
    (lambda w, l, eta: w * np.exp(-eta * l.sum(axis=0)),
     "the normalisation on the simplex is missing: prior·exp(-η·Σ_t ℓ_t) does not sum to one. Hedge projects "
     "onto the simplex after every round, and the projections combine into one division by the sum at the end."),
    (lambda w, l, eta: np.exp(-eta * l.sum(axis=0)) / np.sum(np.exp(-eta * l.sum(axis=0))),
     "you dropped the prior: exp(-η·Σℓ)/Σ is Hedge from the uniform weights. Start from the given weights: "
     "prior·exp(-η·Σ_t ℓ_t), divided by its sum."),
    (lambda w, l, eta: w * np.exp(eta * l.sum(axis=0)) / np.sum(w * np.exp(eta * l.sum(axis=0))),
     "the sign is wrong: exp(+η·Σℓ) moves weight towards the experts with the largest loss. Use exp(-η·Σℓ)."),
    (lambda w, l, eta: w * np.exp(-eta * l[-1]) / np.sum(w * np.exp(-eta * l[-1])),
     "you used only the last round's losses: the multiplicative factors of all T rounds multiply, so their "
     "exponents add up: prior·exp(-η·Σ_t ℓ_t), divided by its sum."),
    (lambda w, l, eta: w * np.exp(-eta * l.mean(axis=0)) / np.sum(w * np.exp(-eta * l.mean(axis=0))),
     "you used the average loss per round; the exponents of the T rounds add up, so the exponent is -η times "
     "the cumulative loss Σ_t ℓ_t, not its mean."),
)


def _hedge_underflow_message(student_function):
    """The message for weights that are not finite where the answer is: exp(−η Σℓ) underflowed (0/0), or None."""
    who = f"hedge_weights({_checking.format_args(_HEDGE_UNDERFLOW[:1])}, <20 rounds of losses near 1>, 50)"
    out = _checking.call(student_function, _fresh(_HEDGE_UNDERFLOW), who)
    try:
        array = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if array.shape == _HEDGE_UNDERFLOW[0].shape and not np.all(np.isfinite(array)):
        return (f"{who} returned {_checking.format_number_array(array)}: with η·Σℓ ≈ 10³ every "
                "exp(-η·Σℓ_i) underflows to 0 and the normalisation divides 0 by 0. Only the differences of "
                "the exponents matter: subtract the largest exponent log(prior_i) - η·Σℓ_i before exp.")
    return None


@_checking.returns_student_errors
def check_hedge_weights(student_function, *, seed=None):
    """Check ``hedge_weights(prior, losses, eta)``: Hedge's weights after every round of ``losses``.

    ``losses`` is a T × d array, one row per round, and ``prior`` the probability vector Hedge starts from; the
    weights must be finite even when ``eta`` times the cumulative losses is in the thousands.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_HEDGE_CASES) + _checking.random_cases(_draw_hedge, seed)
    values = _answers(student_function, "hedge_weights", cases, _reference_hedge_weights, _HEDGE_SIGNATURE)
    verdict = _judge(values, cases, _reference_hedge_weights, _HEDGE_MISTAKES, "hedge_weights", _HEDGE_SIGNATURE)
    if verdict != PASS:
        return verdict
    message = _hedge_underflow_message(student_function)
    if message is not None:
        return message
    values = _answers(student_function, "hedge_weights", [_HEDGE_UNDERFLOW], _reference_hedge_weights,
                      _HEDGE_SIGNATURE)
    return _judge(values, [_HEDGE_UNDERFLOW], _reference_hedge_weights, (), "hedge_weights", _HEDGE_SIGNATURE)


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
    """Check ``step_size_after(grads, gamma)``: the step-size factor of ``mo.EGStepSize`` after T gradients.

    The factor ν_T of one coordinate after the gradients ``grads`` = (g₁, …, g_T), from ν₀ = 1, with the
    meta-learning rate ``gamma``.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_NU_CASES) + _checking.random_cases(_draw_nu, seed)
    values = _answers(student_function, "step_size_after", cases, _reference_step_size_after, _NU_SIGNATURE)
    return _judge(values, cases, _reference_step_size_after, _NU_MISTAKES, "step_size_after", _NU_SIGNATURE)


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
    """Check ``lr_hypergradient(g_prev, g_next)``: the derivative of the loss with respect to the learning rate.

    The parameters θ_t come from the gradient step with learning rate η along ``g_prev``, and ``g_next`` is the
    gradient of the loss at θ_t; the answer is the derivative of the loss at θ_t with respect to η.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_HD_CASES) + _checking.random_cases(_draw_hd, seed)
    first = _checking.call(student_function, _fresh(cases[0]), f"lr_hypergradient({_checking.format_args(cases[0])})")
    if isinstance(first, (np.ndarray, list, tuple)) and np.size(first) == cases[0][0].shape[0] > 1:
        product = -(cases[0][0] * cases[0][1])
        if np.shape(np.asarray(first, dtype=object)) == product.shape and all(
                isinstance(x, (int, float, np.integer, np.floating)) and _checking.close(float(x), float(p))
                for x, p in zip(np.ravel(np.asarray(first, dtype=object)), product)):
            return ("you returned the element-wise product -g_{t+1}⊙g_t, one number per coordinate: those are the "
                    "derivatives with respect to per-coordinate step sizes (at ν = 1). The learning rate is one "
                    "number, shared by all coordinates, so its derivative is their sum, the dot product "
                    "-g_{t+1}·g_t.")
    values = _answers(student_function, "lr_hypergradient", cases, _reference_lr_hypergradient, _HD_SIGNATURE)
    return _judge(values, cases, _reference_lr_hypergradient, _HD_MISTAKES, "lr_hypergradient", _HD_SIGNATURE)


EXERCISES = (
    Exercise(label="ex-stepsize-1", function="logit_step", signature=_LOGIT_SIGNATURE, checker=check_logit_step,
             solution=_reference_logit_step),
    Exercise(label="ex-stepsize-2", function="hedge_weights", signature=_HEDGE_SIGNATURE,
             checker=check_hedge_weights, solution=_reference_hedge_weights),
    Exercise(label="ex-stepsize-3", function="step_size_after", signature=_NU_SIGNATURE,
             checker=check_step_size_after, solution=_reference_step_size_after),
    Exercise(label="ex-stepsize-4", function="lr_hypergradient", signature=_HD_SIGNATURE,
             checker=check_lr_hypergradient, solution=_reference_lr_hypergradient),
)
