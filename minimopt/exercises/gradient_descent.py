"""Checkers for the exercises of Chapter 1, "Gradient descent is Euler's method".

Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, and one
tolerance, ``|x − y| ≤ 1e-6·|y| + 1e-12`` entry by entry (truth values exactly), in every chapter.

Each ``check_<name>(student_function, *, seed=None)`` calls the student's function on fixed cases and on random
cases drawn with ``seed`` (:data:`~minimopt.exercises._checking.PUBLIC_SEED` when None; a grading run passes a
fresh one) and returns ``"pass"`` or a message.

The catalogued mistakes, each recognised with its own message:

``gd_step(theta, grad, lr)`` (ex-euler-1)
    ``theta + lr*grad`` (uphill), ``theta - grad`` and ``theta + grad`` (no learning rate), ``theta - grad/lr``,
    ``-lr*grad`` and ``lr*grad`` (the change instead of the new parameters), ``theta - lr*theta``; changing
    ``theta`` in place.
``error_order(gammas, errors)`` (ex-euler-2)
    the order with the wrong sign (fit against 1/γ), axes swapped (1/p), the intercept (log, log10, log2)
    instead of the slope, a straight line fitted to the errors themselves, semi-log fits (log or log10 of the
    error against γ, the error against log γ), both polyfit coefficients returned.
``largest_stable_step(h)`` (ex-euler-3)
    1/h (monotone convergence), 1/(2h), h/2 and 2h (upside down), 2/h², a constant.
``best_step(h_min, h_max)`` (ex-euler-4)
    2/h_max, 1/h_max, 1/h_min, 2/h_min, 1/(h_min + h_max), 2/(h_max − h_min), (h_min + h_max)/2,
    1/√(h_min h_max).
``modified_curvature(h, lr)`` (ex-euler-5)
    h + lr h²/2 and h + lr h²/2 + lr² h³/3 (truncated series), log(1 − lr h)/lr (sign), −log(1 − lr h)
    (not divided by lr), h, log(1 + lr h)/lr, −log(1 − lr h)/h.

Besides, every checker recognises an answer that is right with the parameters in another order, an answer that
does not depend on the arguments, and the failures of :func:`~minimopt.exercises._checking.call` (an exception,
``sys.exit``, a time-out, None, a string, a wrong length).

>>> import minimopt as mo
>>> mo.exercises.check_stability_limit(lambda h: 2 / h)
'pass'
"""

import math

import numpy as np

from minimopt.exercises import _checking
from minimopt.exercises._checking import Exercise, StudentError

__all__ = ["check_gd_step", "check_euler_error_order", "check_stability_limit", "check_best_step",
           "check_modified_curvature"]


# ---------------------------------------------------------------------------------------------------------
# Reference solutions (self-contained: the assignment notebooks paste their source into a cell)
# ---------------------------------------------------------------------------------------------------------
def _reference_gd_step(theta, grad, lr):
    return theta - lr * grad


def _reference_error_order(gammas, errors):
    slope, intercept = np.polyfit(np.log(gammas), np.log(errors), 1)
    return slope


def _reference_largest_stable_step(h):
    return 2 / h


def _reference_best_step(h_min, h_max):
    return 2 / (h_min + h_max)


def _reference_modified_curvature(h, lr):
    return -math.log(1 - lr * h) / lr


# ---------------------------------------------------------------------------------------------------------
# Exercise: one step of gradient descent
# ---------------------------------------------------------------------------------------------------------
_GD_SIGNATURE = "theta, grad, lr"
_GD_CASES = (
    (np.array([1.0, -2.0, 0.5]), np.array([0.3, -0.4, 2.0]), 0.1),
    (np.array([3.0]), np.array([-1.5]), 0.25),
    (np.array([0.2, 0.7]), np.array([4.0, -2.0]), 0.05),
)


def _draw_gd(rng):
    d = int(rng.integers(2, 6))
    return rng.normal(size=d), rng.normal(size=d), rng.uniform(0.01, 0.5)


_GD_MISTAKES = (
    (lambda theta, grad, lr: theta + lr * grad,
     "Your step goes uphill: it returns theta + lr * grad. Gradient descent moves against the gradient, "
     "theta - lr * grad (the Euler step of theta' = -grad L)."),
    (lambda theta, grad, lr: theta - grad,
     "Your step ignores the learning rate: it returns theta - grad, a step of size 1. The learning rate is the "
     "time step of Euler's method: theta - lr * grad."),
    (lambda theta, grad, lr: theta + grad,
     "Your step ignores the learning rate and goes uphill: it returns theta + grad. Use theta - lr * grad."),
    (lambda theta, grad, lr: theta - grad / lr,
     "Your step divides the gradient by the learning rate (theta - grad / lr); multiply instead: "
     "theta - lr * grad."),
    (lambda theta, grad, lr: -lr * grad,
     "You returned the change -lr * grad, not the new parameters: add it to theta, theta - lr * grad."),
    (lambda theta, grad, lr: lr * grad,
     "You returned lr * grad, the size of the step, not the new parameters theta - lr * grad."),
    (lambda theta, grad, lr: theta - lr * theta,
     "Your step uses theta where the gradient belongs (theta - lr * theta): use theta - lr * grad."),
)


@_checking.returns_student_errors
def check_gd_step(gd_step, *, seed=None):
    """Check ``gd_step(theta, grad, lr)``: the parameters after one step of gradient descent, as a new array.

    ``theta`` and ``grad`` are 1-D float arrays of the same length and ``lr`` is the learning rate; the result must
    be an array of that shape, and ``theta`` must not be changed in place (a functional step, as ``minimopt``'s
    ``opt.step``).

    Parameters
    ----------
    gd_step : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake.
    """
    cases = list(_GD_CASES) + _checking.random_cases(_draw_gd, seed)
    return _checking.check_function(gd_step, "gd_step", cases, _reference_gd_step, _GD_MISTAKES,
                                    signature=_GD_SIGNATURE)


# ---------------------------------------------------------------------------------------------------------
# Exercise: the order of a method from measured errors
# ---------------------------------------------------------------------------------------------------------
_ORDER_SIGNATURE = "gammas, errors"


def _power_law(p, c, first, ratio, n):
    """A convergence study: ``n`` step sizes ``first·ratio**k`` and the errors ``c·gamma**p`` measured there."""
    gammas = first * ratio ** np.arange(n)
    return gammas, c * gammas**p


# Pure power laws, so that every sound estimate of the order (a least-squares fit of any logarithm, the two
# smallest steps, ...) gives p to rounding error and the one tolerance policy applies.
_ORDER_CASES = (_power_law(2.0, 5.0, 0.1, 0.5, 8), _power_law(1.0, 0.3, 0.2, 0.5, 6),
                _power_law(0.5, 2.0, 0.05, 0.25, 5))


def _draw_order(rng):
    return _power_law(rng.uniform(0.4, 4.0), 10 ** rng.uniform(-2, 2), rng.uniform(0.05, 0.5),
                      rng.uniform(0.2, 0.8), int(rng.integers(4, 10)))


def _true_order(gammas, errors):
    return float(math.log(errors[1] / errors[0]) / math.log(gammas[1] / gammas[0]))


def _ls(x, y):
    """Least-squares (slope, intercept) of y against x."""
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)


def _intercept_mistake(log, name):
    """The mistake of returning the intercept of the log-log fit (taken with ``log``, called ``name``)."""
    return (lambda g, e: _ls(log(g), log(e))[1],
            f"You returned the intercept of the log-log fit, {name} C. The order p is the slope, the first "
            "coefficient that np.polyfit returns.")


_ORDER_MISTAKES = (
    (lambda g, e: -_true_order(g, e),
     "Your order has the wrong sign. The order p in error ≈ C·gamma^p is the slope of log(error) against "
     "log(gamma); fitting against the number of steps 1/gamma (or log(1/gamma)) gives -p."),
    (lambda g, e: 1 / _true_order(g, e),
     "You fitted log(gamma) against log(error) (x and y swapped, or a def line with its parameters in the "
     "order (errors, gammas)), "
     "which gives 1/p. Fit log(error) as a function of log(gamma): "
     "np.polyfit(np.log(gammas), np.log(errors), 1)."),
    _intercept_mistake(np.log, "log"),
    _intercept_mistake(np.log10, "log10"),
    _intercept_mistake(np.log2, "log2"),
    (lambda g, e: _ls(g, e)[0],
     "You fitted a straight line to the errors themselves. A power law error ≈ C·gamma^p is a straight line "
     "only on log-log axes: fit np.log(errors) against np.log(gammas)."),
    (lambda g, e: _ls(g, np.log(e))[0],
     "You fitted log(error) against gamma (semi-log axes). Take the logarithm of gamma too: the order is the "
     "slope of log(error) against log(gamma)."),
    (lambda g, e: _ls(g, np.log10(e))[0],
     "You fitted log10(error) against gamma (semi-log axes). Take the logarithm of gamma too: the order is the "
     "slope of log(error) against log(gamma)."),
    (lambda g, e: _ls(np.log(g), e)[0],
     "You fitted the errors against log(gamma). Take the logarithm of the errors too: the order is the slope "
     "of log(error) against log(gamma)."),
)


def _coerce_order(out, want, who):
    """A single number; two numbers are most likely both coefficients of ``np.polyfit``."""
    if isinstance(out, (np.ndarray, list, tuple)) and np.size(out) == 2 and np.ndim(out) == 1:
        raise StudentError(f"{who} returned two numbers, {_checking.format_args(tuple(map(float, out)))}. If "
                           "they come from np.polyfit(x, y, 1), that is (slope, intercept): return only the "
                           "slope, the first one.")
    return _checking.as_number(out, who)


def _name_order_case(case):
    gammas, errors = case
    return f"error_order(gammas, errors) for errors = C * gammas**{_true_order(gammas, errors):.4g}"


@_checking.returns_student_errors
def check_euler_error_order(error_order, *, seed=None):
    """Check ``error_order(gammas, errors)``: the order p of a method, fitted to measured errors.

    ``gammas`` and ``errors`` are 1-D arrays of positive numbers (the step sizes of a convergence study and the
    errors measured with them). The cases are exact power laws, so every sound estimate of the order passes.

    Parameters
    ----------
    error_order : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake.
    """
    cases = list(_ORDER_CASES) + _checking.random_cases(_draw_order, seed)
    answer = _checking.Answer(_coerce_order, _checking.close, _checking.describe_mismatch)
    return _checking.check_function(error_order, "error_order", cases, _true_order, _ORDER_MISTAKES,
                                    signature=_ORDER_SIGNATURE, who=_name_order_case, answer=answer,
                                    explain=lambda case, value, want: (
                                        ". The order is the slope of log(error) against log(gamma): "
                                        "np.polyfit(np.log(gammas), np.log(errors), 1)[0]."))


# ---------------------------------------------------------------------------------------------------------
# Exercise: the stability limit of gradient descent on L = h θ²/2
# ---------------------------------------------------------------------------------------------------------
_H_CASES = ((1.0,), (4.0,), (0.5,), (20.0,), (3.7,))


def _draw_h(rng):
    return (10 ** rng.uniform(-1, 2),)


_UPSIDE_DOWN = ("Your answer grows with the curvature h (it is {}): it is upside down. A larger curvature needs "
                "a smaller step; solve |1 - gamma*h| < 1 for gamma.")
_CONSTANT = ("Your answer does not depend on the curvature h. Each step multiplies theta by 1 - gamma*h, so the "
             "limit on gamma must involve h.")
_STABILITY_MISTAKES = (
    (lambda h: 1.0 / h,
     "1/h is the largest step for which the iterates decrease monotonically (the factor 1 - gamma*h stays "
     "≥ 0). For 1/h < gamma < 2/h the factor is negative but |1 - gamma*h| < 1: the iterates change sign "
     "every step and still converge. The stability limit is where |1 - gamma*h| reaches 1."),
    (lambda h: 0.5 / h,
     "Your answer is 1/(2h), four times too small. The iterates converge while |1 - gamma*h| < 1: solve for "
     "the largest such gamma."),
    (lambda h: h / 2.0, _UPSIDE_DOWN.format("h/2")),
    (lambda h: 2.0 * h, _UPSIDE_DOWN.format("2h")),
    (lambda h: 2.0 / h**2,
     "Your answer is 2/h²: the step limit scales as 1/h, not 1/h². Each step multiplies theta by "
     "1 - gamma*h."),
    (lambda h: 2.0, _CONSTANT),
    (lambda h: 1.0, _CONSTANT),
)


@_checking.returns_student_errors
def check_stability_limit(largest_stable_step, *, seed=None):
    """Check ``largest_stable_step(h)``: the stability limit of gradient descent on ``L = h θ²/2`` (h > 0).

    The answer is the supremum of the learning rates for which the iterates tend to 0 from every start (a careful
    numerical search, to a relative 1e-7, passes too).

    Parameters
    ----------
    largest_stable_step : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake.
    """
    cases = list(_H_CASES) + _checking.random_cases(_draw_h, seed)
    return _checking.check_function(largest_stable_step, "largest_stable_step", cases,
                                    _reference_largest_stable_step, _STABILITY_MISTAKES, signature="h")


# ---------------------------------------------------------------------------------------------------------
# Exercise: the best constant step for curvatures in [h_min, h_max]
# ---------------------------------------------------------------------------------------------------------
_BEST_CASES = ((1.0, 20.0), (0.5, 4.0), (2.0, 3.0), (0.1, 1.0))


def _draw_best(rng):
    h_min = 10 ** rng.uniform(-1, 1)
    return h_min, h_min * 10 ** rng.uniform(0.1, 2)


_BALANCE = "1 - gamma*h_min = -(1 - gamma*h_max)"
_BEST_MISTAKES = (
    (lambda lo, hi: 2.0 / hi,
     "2/h_max is the stability limit itself: there |1 - gamma*h_max| = 1 and the stiffest component never "
     f"decays. The best step balances the two extreme factors, {_BALANCE}."),
    (lambda lo, hi: 1.0 / hi,
     "1/h_max removes the stiffest component in one step, but leaves the slowest one with the factor "
     "1 - h_min/h_max. A larger step shrinks the slow factor while the stiff one grows in size: the best step "
     f"makes them equal in size, {_BALANCE}."),
    (lambda lo, hi: 1.0 / lo,
     "1/h_min removes the slowest component in one step, but the stiff factor |1 - h_max/h_min| is then "
     f"large (above 1 when h_max > 2 h_min: divergence). Balance the two extreme factors, {_BALANCE}."),
    (lambda lo, hi: 2.0 / lo,
     "2/h_min is the stability limit of the flattest component; the stiff one diverges there. Balance the two "
     f"extreme factors, {_BALANCE}."),
    (lambda lo, hi: 1.0 / (lo + hi),
     "Close: you balanced the factors but lost a factor 2. Solve 1 - gamma*h_min = gamma*h_max - 1 again."),
    (lambda lo, hi: 2.0 / (hi - lo),
     "Your step is 2/(h_max - h_min), larger than the stability limit 2/h_max. Balance the two extreme "
     f"factors, {_BALANCE}: mind the sign of the second."),
    (lambda lo, hi: (lo + hi) / 2.0,
     "Your step grows with the curvatures: it is upside down. Balance the two extreme factors, "
     f"{_BALANCE}, and solve for gamma."),
    (lambda lo, hi: 1.0 / math.sqrt(lo * hi),
     "1/sqrt(h_min*h_max) is not the balance point of the factors |1 - gamma*h|, which depend linearly on "
     f"gamma: solve {_BALANCE}."),
)


@_checking.returns_student_errors
def check_best_step(best_step, *, seed=None):
    """Check ``best_step(h_min, h_max)``: the constant learning rate that minimises the worst contraction factor.

    On a quadratic whose curvatures lie in [h_min, h_max] (both attained), the learning rate for which the slowest
    eigen-component of gradient descent shrinks fastest.

    Parameters
    ----------
    best_step : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake.
    """
    cases = list(_BEST_CASES) + _checking.random_cases(_draw_best, seed)
    return _checking.check_function(best_step, "best_step", cases, _reference_best_step, _BEST_MISTAKES,
                                    signature="h_min, h_max")


# ---------------------------------------------------------------------------------------------------------
# Exercise: the modified curvature, the flow that gradient descent solves exactly
# ---------------------------------------------------------------------------------------------------------
_MODIFIED_CASES = ((1.0, 0.5), (4.0, 0.2), (20.0, 0.01), (2.5, 0.3), (1.0, 0.9))


def _draw_modified(rng):
    h = rng.uniform(0.5, 20.0)
    return h, rng.uniform(0.05, 0.95) / h


_MODIFIED_MISTAKES = (
    (lambda h, lr: h + lr * h**2 / 2,
     "h + lr*h²/2 is the first-order modified curvature, the γ-expansion of the answer cut after one term. "
     "The exercise asks for the exact h̃ with (1 - lr*h)^n = exp(-h̃ n lr) for every n."),
    (lambda h, lr: h + lr * h**2 / 2 + lr**2 * h**3 / 3,
     "This is a truncated series in lr. The exercise asks for the exact h̃ with "
     "(1 - lr*h)^n = exp(-h̃ n lr) for every n: take logarithms."),
    (lambda h, lr: math.log(1 - lr * h) / lr,
     "Your curvature is negative: log(1 - lr*h) < 0. From (1 - lr*h)^n = exp(-h̃ n lr), "
     "h̃ = -log(1 - lr*h)/lr."),
    (lambda h, lr: -math.log(1 - lr * h),
     "You forgot to divide by the time step: n steps take time n*lr, so (1 - lr*h)^n = exp(-h̃ n lr) gives "
     "h̃ = -log(1 - lr*h)/lr."),
    (lambda h, lr: h,
     "h is the curvature of the original loss: gradient descent's iterates are not exactly on its flow "
     "((1 - lr*h)^n differs from exp(-h n lr)). Find h̃ with (1 - lr*h)^n = exp(-h̃ n lr)."),
    (lambda h, lr: math.log(1 + lr * h) / lr,
     "log(1 + lr*h)/lr comes from the step theta*(1 + lr*h); gradient descent multiplies by (1 - lr*h). "
     "Solve (1 - lr*h)^n = exp(-h̃ n lr)."),
    (lambda h, lr: -math.log(1 - lr * h) / h,
     "You divided by h instead of by the time step lr (or your def line takes its parameters in the order "
     "(lr, h) instead of (h, lr)): "
     "(1 - lr*h)^n = exp(-h̃ n lr) gives h̃ = -log(1 - lr*h)/lr."),
)


@_checking.returns_student_errors
def check_modified_curvature(modified_curvature, *, seed=None):
    """Check ``modified_curvature(h, lr)``: the curvature of the quadratic on whose gradient flow GD's iterates lie.

    For ``L = h θ²/2`` and 0 < lr·h < 1, the curvature h̃ of the modified quadratic h̃θ²/2 whose gradient flow
    passes exactly through every iterate of gradient descent with learning rate ``lr``.

    Parameters
    ----------
    modified_curvature : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake.
    """
    cases = list(_MODIFIED_CASES) + _checking.random_cases(_draw_modified, seed)
    return _checking.check_function(modified_curvature, "modified_curvature", cases, _reference_modified_curvature,
                                    _MODIFIED_MISTAKES, signature="h, lr")


EXERCISES = (
    Exercise(label="ex-euler-1", function="gd_step", signature=_GD_SIGNATURE, checker=check_gd_step,
             solution=_reference_gd_step),
    Exercise(label="ex-euler-2", function="error_order", signature=_ORDER_SIGNATURE,
             checker=check_euler_error_order, solution=_reference_error_order),
    Exercise(label="ex-euler-3", function="largest_stable_step", signature="h", checker=check_stability_limit,
             solution=_reference_largest_stable_step),
    Exercise(label="ex-euler-4", function="best_step", signature="h_min, h_max", checker=check_best_step,
             solution=_reference_best_step),
    Exercise(label="ex-euler-5", function="modified_curvature", signature="h, lr",
             checker=check_modified_curvature, solution=_reference_modified_curvature),
)
