"""Checkers for the exercises of chapter 5, *Adaptive methods: AdaGrad, RMSProp, Adam*.

Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, and one
tolerance, ``|x − y| ≤ 1e-6·|y| + 1e-12`` entry by entry (truth values exactly), in every chapter.

Each ``check_<name>(student_function, *, seed=None)`` runs fixed cases, then seeded random ones
(:func:`minimopt.exercises._checking.random_cases`), and returns ``"pass"`` or a message. Typical mistakes are
recognised on the fixed cases and named:

``check_adam_update`` (one coordinate of ``torch.optim.Adam``'s step, returning ``(theta, m, v)``)
    the bias correction missing (of both moments, of m only, of v only); ε inside the square root; g instead of
    g² in v; β₁ and β₂ swapped; the correction with t − 1 or t + 1 instead of t; the corrected moments returned
    as the new state; ε added to the uncorrected √v (Kingma & Ba's "ε̂" form); m and v returned in the wrong
    order; the step added instead of subtracted.
``check_first_step_uncorrected`` (the size of the first step without bias correction, ε → 0)
    lr (the corrected step); the square root forgotten; the ratio upside down; the step's factor 1 − β₁
    forgotten; β₁ and β₂ swapped; lr forgotten (the ratio alone); a signed (negative) step for a size.
``check_adagrad_effective_lr`` (the factor η_t in θ_t = θ_{t−1} − η_t g for a constant gradient, ε → 0)
    g instead of |g|; the root forgotten (lr/(|g| t)); g forgotten (lr/√t); g² instead of |g|; t − 1 or t + 1
    instead of t; the step size lr/√t instead of the factor; |g| multiplied instead of divided (lr|g|/√t).

>>> import math
>>> from minimopt.exercises import check_first_step_uncorrected
>>> check_first_step_uncorrected(lambda lr, beta1, beta2: lr * (1 - beta1) / math.sqrt(1 - beta2))
'pass'
"""

import math

from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, Exercise

__all__ = ["check_adam_update", "check_first_step_uncorrected", "check_adagrad_effective_lr"]

_ADAM_SIGNATURE = "theta, grad, m, v, t, lr, beta1, beta2, eps"
_FIRST_SIGNATURE = "lr, beta1, beta2"
_ADAGRAD_SIGNATURE = "lr, g, t"


def _check_in_two_rounds(student_function, name, fixed, random, reference, mistakes, count=None, *, signature):
    """Fixed cases first, with the catalogue of mistakes; then the random cases, which only need to agree.

    Written here rather than with one call of ``_checking.check_function`` because a mistake can raise on a
    random case (``math.sqrt`` of a negative v when g replaces g²) before it could be named on the fixed ones.

    Parameters
    ----------
    student_function : callable
    name : str
        The function's name in the exercise.
    fixed, random : sequence of tuple
        The fixed cases (on which every catalogued mistake is recognisable) and the random ones.
    reference : callable
        The right answer for a case.
    mistakes : sequence of (callable, str)
    count : int, optional
        The number of numbers returned (None for one).
    signature : str
        The parameters as the exercise writes them (answers right with them in another order are named).

    Returns
    -------
    str
    """
    message = _checking.check_function(student_function, name, fixed, reference, mistakes, count,
                                       signature=signature)
    if message != PASS:
        return message
    return _checking.check_function(student_function, name, random, reference, (), count, signature=signature)


# ---------------------------------------------------------------------------------------------------------
# Adam's update for one coordinate
# ---------------------------------------------------------------------------------------------------------
def _adam(theta, grad, m, v, t, lr, beta1, beta2, eps, *, correct_m=True, correct_v=True, t_used=None,
          eps_inside=False, square=True, store_corrected=False, eps_hat=False, swap_state=False, ascend=False):
    """Adam's step for one coordinate, with switches that reproduce the catalogued mistakes."""
    tc = t if t_used is None else t_used
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * (grad * grad if square else grad)
    m_hat = m_new / (1 - beta1**tc) if correct_m else m_new
    v_hat = v_new / (1 - beta2**tc) if correct_v else v_new
    if eps_hat:  # lr sqrt(1 - b2^t)/(1 - b1^t) * m/(sqrt(v) + eps)
        step = lr * math.sqrt(1 - beta2**tc) / (1 - beta1**tc) * m_new / (math.sqrt(v_new) + eps)
    elif eps_inside:
        step = lr * m_hat / math.sqrt(v_hat + eps)
    else:
        step = lr * m_hat / (math.sqrt(v_hat) + eps)
    if ascend:
        step = -step
    if store_corrected:
        return theta - step, m_hat, v_hat
    if swap_state:
        return theta - step, v_new, m_new
    return theta - step, m_new, v_new


def _reference_adam_update(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """The reference solution: ``torch.optim.Adam``'s update of one coordinate, returning (θ_t, m_t, v_t)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (math.sqrt(v_hat) + eps), m, v


# (theta, grad, m, v, t, lr, beta1, beta2, eps): positive gradients and moments (so that g in place of g² still
# gives a number), t ≥ 2 (so that t − 1 does not divide by zero), a large eps (so that where it sits shows)
_ADAM_FIXED = (
    (1.0, 0.5, 0.2, 0.09, 3, 0.1, 0.9, 0.999, 0.01),
    (-0.3, 2.0, 1.1, 1.5, 5, 0.01, 0.8, 0.99, 0.05),
    (2.5, 0.25, 0.3, 0.2, 2, 0.05, 0.5, 0.9, 0.02),
    (0.0, 1.5, 0.4, 0.7, 10, 0.2, 0.9, 0.999, 0.1),
)

_ADAM_MISTAKES = (
    (lambda *c: _adam(*c, correct_m=False, correct_v=False),
     "the bias correction is missing: divide m by 1 - beta1**t and v by 1 - beta2**t before the step (the "
     "moments start at zero, so E[m_t] = (1 - beta1^t) E[g])."),
    (lambda *c: _adam(*c, correct_v=False),
     "only m is bias-corrected: v needs its own correction, v / (1 - beta2**t)."),
    (lambda *c: _adam(*c, correct_m=False),
     "only v is bias-corrected: m needs its own correction, m / (1 - beta1**t)."),
    (lambda *c: _adam(*c, eps_inside=True),
     "epsilon is inside the square root, sqrt(v_hat + eps): torch.optim.Adam adds it after the root, "
     "sqrt(v_hat) + eps."),
    (lambda *c: _adam(*c, square=False),
     "v averages g instead of g**2: v is the running mean of the squared gradient, "
     "v = beta2 * v + (1 - beta2) * grad**2."),
    (lambda theta, g, m, v, t, lr, b1, b2, eps: _adam(theta, g, m, v, t, lr, b2, b1, eps),
     "beta1 and beta2 are swapped: beta1 (about 0.9) averages the gradient in m, beta2 (about 0.999) the "
     "squared gradient in v."),
    (lambda *c: _adam(*c, t_used=c[4] - 1),
     "the bias correction uses t - 1: at step t the moments include t gradients, so divide by 1 - beta**t with "
     "the current t (t = 1 at the first step)."),
    (lambda *c: _adam(*c, t_used=c[4] + 1),
     "the bias correction uses t + 1: at step t the moments include t gradients, so divide by 1 - beta**t."),
    (lambda *c: _adam(*c, store_corrected=True),
     "the step is right but you returned the corrected moments m_hat, v_hat as the new state: return the "
     "uncorrected m and v (the recurrences are for them; the correction is applied anew at every step)."),
    (lambda *c: _adam(*c, eps_hat=True),
     "epsilon is added to the uncorrected sqrt(v) (Kingma & Ba's efficient form, 'epsilon hat'): "
     "torch.optim.Adam adds it to the corrected sqrt(v_hat)."),
    (lambda *c: _adam(*c, swap_state=True),
     "theta_new is right but m and v come back in the wrong order: return (theta_new, m_new, v_new)."),
    (lambda *c: _adam(*c, ascend=True),
     "the step goes uphill: theta_new = theta - lr * m_hat / (sqrt(v_hat) + eps), with a minus sign."),
)


def _draw_adam(rng):
    return (rng.normal(), rng.normal(), 0.3 * rng.normal(), 0.5 * rng.random(), int(rng.integers(1, 50)),
            10 ** rng.uniform(-3, -1), rng.uniform(0.5, 0.95), rng.uniform(0.9, 0.9999), 10 ** rng.uniform(-8, -2))


@_checking.returns_student_errors
def check_adam_update(student_function, *, seed=None):
    """Check ``adam_update(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta_new, m_new, v_new)``.

    One step of ``torch.optim.Adam`` for one coordinate: ``m`` and ``v`` are the moments after step t − 1 and
    ``grad`` is the gradient of step t; the function returns the new parameter and the new *uncorrected* moments,
    with ε added after the square root of the corrected second moment, as ``torch.optim.Adam`` does.

    Returns
    -------
    str
        ``"pass"``, or a message naming the mistake.
    """
    return _check_in_two_rounds(student_function, "adam_update", _ADAM_FIXED,
                                _checking.random_cases(_draw_adam, seed), _reference_adam_update,
                                _ADAM_MISTAKES, count=3, signature=_ADAM_SIGNATURE)


# ---------------------------------------------------------------------------------------------------------
# The first step without bias correction
# ---------------------------------------------------------------------------------------------------------
def _reference_first_step_uncorrected(lr, beta1, beta2):
    """The reference solution: lr (1 − β₁)/√(1 − β₂)."""
    return lr * (1 - beta1) / math.sqrt(1 - beta2)


_FIRST_FIXED = ((1e-3, 0.9, 0.999), (0.1, 0.8, 0.99), (0.01, 0.5, 0.9), (1.0, 0.95, 0.9999))

_FIRST_MISTAKES = (
    (lambda lr, b1, b2: lr,
     "lr is the first step *with* bias correction (m_hat = g, v_hat = g^2). Without it m_1 = (1 - beta1) g and "
     "v_1 = (1 - beta2) g^2: compute lr * m_1 / sqrt(v_1)."),
    (lambda lr, b1, b2: lr * (1 - b1) / (1 - b2),
     "you divided by 1 - beta2 instead of its square root: the step divides by sqrt(v_1) = sqrt(1 - beta2) |g|."),
    (lambda lr, b1, b2: lr * math.sqrt(1 - b2) / (1 - b1),
     "the ratio is upside down: m_1 = (1 - beta1) g is in the numerator, sqrt(v_1) = sqrt(1 - beta2) |g| in "
     "the denominator."),
    (lambda lr, b1, b2: lr / math.sqrt(1 - b2),
     "you forgot the factor 1 - beta1 of m_1 = (1 - beta1) g."),
    (lambda lr, b1, b2: lr * (1 - b2) / math.sqrt(1 - b1),
     "beta1 and beta2 are swapped (in the formula, or in the order of the parameters of your def line): m uses "
     "beta1, v uses beta2."),
    (lambda lr, b1, b2: lr * (1 - b1) * math.sqrt(1 - b2),
     "you multiplied by sqrt(1 - beta2): the step divides by sqrt(v_1) = sqrt(1 - beta2) |g|."),
    (lambda lr, b1, b2: (1 - b1) / math.sqrt(1 - b2),
     "(1 - beta1)/sqrt(1 - beta2) is the step in units of lr: multiply by lr."),
    (lambda lr, b1, b2: -lr * (1 - b1) / math.sqrt(1 - b2),
     "the size |theta_1 - theta_0| is asked for, a positive number: drop the sign of the step."),
)


def _draw_first(rng):
    return 10 ** rng.uniform(-4, 0), rng.uniform(0.0, 0.99), rng.uniform(0.9, 0.9999)


@_checking.returns_student_errors
def check_first_step_uncorrected(student_function, *, seed=None):
    """Check ``first_step_uncorrected(lr, beta1, beta2)``: the size of Adam's first step without bias correction.

    Started from zero moments, for a gradient much larger than ε (ε → 0): the size of the first step, a positive
    number.

    Returns
    -------
    str
        ``"pass"``, or a message naming the mistake.
    """
    return _check_in_two_rounds(student_function, "first_step_uncorrected", _FIRST_FIXED,
                                _checking.random_cases(_draw_first, seed), _reference_first_step_uncorrected,
                                _FIRST_MISTAKES, signature=_FIRST_SIGNATURE)


# ---------------------------------------------------------------------------------------------------------
# AdaGrad's effective learning rate for a constant gradient
# ---------------------------------------------------------------------------------------------------------
def _reference_adagrad_effective_lr(lr, g, t):
    """The reference solution: lr/(|g|√t) (s_t = t g², ε → 0)."""
    return lr / (abs(g) * math.sqrt(t))


# negative gradients (to catch g for |g|), |g| ≠ 1 (to catch a forgotten g) and t ≥ 2 (t − 1 > 0)
_ADAGRAD_FIXED = ((0.1, 2.0, 4), (0.5, -3.0, 9), (0.01, 0.5, 16), (1.0, -0.25, 7))

_ADAGRAD_MISTAKES = (
    (lambda lr, g, t: lr / (g * math.sqrt(t)),
     "the sign is wrong for negative g: s_t = t g^2, so sqrt(s_t) = |g| sqrt(t); use abs(g)."),
    (lambda lr, g, t: lr / (abs(g) * t),
     "you forgot the square root: AdaGrad divides by sqrt(s_t) = sqrt(t g^2) = |g| sqrt(t), not by s_t/|g|."),
    (lambda lr, g, t: lr / math.sqrt(t),
     "lr/sqrt(t) is the size of the step, eta_t |g|; the effective learning rate is the factor multiplying g, "
     "eta_t = lr / sqrt(t g^2)."),
    (lambda lr, g, t: lr / (g * g * t),
     "you divided by s_t = t g^2 itself; AdaGrad divides by its square root, |g| sqrt(t)."),
    (lambda lr, g, t: lr / (abs(g) * math.sqrt(t - 1)),
     "you used t - 1 steps: s_t includes the current gradient, so after t steps s_t = t g^2."),
    (lambda lr, g, t: lr / (abs(g) * math.sqrt(t + 1)),
     "you used t + 1: with s_0 = 0 and t gradients, s_t = t g^2."),
    (lambda lr, g, t: lr / abs(g),
     "your rate does not decay with t: AdaGrad's sum of squares grows, s_t = t g^2, so eta_t = lr/(|g| sqrt(t))."),
    (lambda lr, g, t: lr * abs(g) / math.sqrt(t),
     "you multiplied by |g|: AdaGrad divides the gradient by sqrt(s_t) = |g| sqrt(t), so eta_t = lr/(|g| sqrt(t))."),
)


def _draw_adagrad(rng):
    return 10 ** rng.uniform(-3, 0), float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-2, 2)), int(rng.integers(1, 1000))


@_checking.returns_student_errors
def check_adagrad_effective_lr(student_function, *, seed=None):
    """Check ``adagrad_effective_lr(lr, g, t)``: AdaGrad's effective learning rate at step t for a constant gradient.

    AdaGrad starts from a zero accumulator and sees the same gradient ``g`` ≠ 0 at every step; the answer is the
    factor that multiplies ``g`` in the update of step ``t``, for ε → 0.

    Returns
    -------
    str
        ``"pass"``, or a message naming the mistake.
    """
    return _check_in_two_rounds(student_function, "adagrad_effective_lr", _ADAGRAD_FIXED,
                                _checking.random_cases(_draw_adagrad, seed), _reference_adagrad_effective_lr,
                                _ADAGRAD_MISTAKES, signature=_ADAGRAD_SIGNATURE)


EXERCISES = (
    Exercise(label="ex-adaptive-1", function="adam_update", signature=_ADAM_SIGNATURE,
             checker=check_adam_update, solution=_reference_adam_update),
    Exercise(label="ex-adaptive-2", function="first_step_uncorrected", signature=_FIRST_SIGNATURE,
             checker=check_first_step_uncorrected, solution=_reference_first_step_uncorrected),
    Exercise(label="ex-adaptive-3", function="adagrad_effective_lr", signature=_ADAGRAD_SIGNATURE,
             checker=check_adagrad_effective_lr, solution=_reference_adagrad_effective_lr),
)
