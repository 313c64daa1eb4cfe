"""Checkers for the exercises of Chapter 1, "Gradient descent is Euler's method".

Each ``check_<name>(student_function)`` calls the student's function on a few fixed cases and returns the string
``"pass"``, or a message that says which case fails and, when the answer matches a typical mistake (a sign error,
a forgotten learning rate, the monotone limit 1/h instead of the stability limit 2/h, ...), what that mistake is.

>>> import minimopt as mo
>>> mo.exercises.check_stability_limit(lambda h: 2 / h)
'pass'
"""

import math

import numpy as np

from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, StudentError

__all__ = ["check_gd_step", "check_euler_error_order", "check_stability_limit", "check_best_step",
           "check_modified_curvature"]


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------
def _result(student_function, args, call):
    """What ``student_function(*args)`` returned.

    Parameters
    ----------
    student_function : callable
        The student's function.
    args : tuple
        The arguments of one case.
    call : str
        How messages name the call, for instance ``"largest_stable_step(4.0)"``.

    Returns
    -------
    object
        The result, which is not None.

    Raises
    ------
    StudentError
        If the function raised or returned None.
    """
    result = _checking.call(student_function, args, call)
    if result is None:
        raise StudentError(f"{call} returned None: did you forget the return statement?")
    return result


def _number(value, call):
    """``value`` as a float, if it is a real number (or a one-element array).

    Parameters
    ----------
    value : object
        What the student's function returned (not None).
    call : str
        How messages name the call.

    Returns
    -------
    float

    Raises
    ------
    StudentError
        If ``value`` is not a real number, with a message that says what it is instead.
    """
    array = np.asarray(value)
    if array.dtype == object:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise StudentError(f"{call} returned {value!r}, which is not a number") from None
    if array.size == 2 and array.ndim == 1:
        raise StudentError(f"{call} returned two numbers, {_fmt(array)}. If they come from np.polyfit(x, y, 1), "
                           "that is (slope, intercept): return only the slope, the first one.")
    if array.size != 1:
        raise StudentError(f"{call} returned an array of shape {array.shape}; return a single number")
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise StudentError(f"{call} returned {value!r}, which is not a real number")
    return float(array.reshape(()))


def _numbers(student_function, calls):
    """The student's answers as floats, case by case.

    Parameters
    ----------
    student_function : callable
        The student's function.
    calls : iterable of (tuple, str)
        For each case, the arguments and how messages name the call.

    Returns
    -------
    list of float

    Raises
    ------
    StudentError
        At the first case where the function raises or does not return a real number.
    """
    return [_number(_result(student_function, args, call), call) for args, call in calls]


def _close(a, b, rtol):
    return math.isfinite(a) and abs(a - b) <= rtol * max(abs(b), 1e-300)


def _fmt(x):
    """A number or array printed with 6 significant digits."""
    if np.ndim(x) == 0:
        return f"{float(x):.6g}"
    return "[" + ", ".join(f"{float(v):.6g}" for v in np.ravel(x)) + "]"


def _check_scalar(student_function, name, cases, correct, mistakes, rtol):
    """Check a student's function of a few numbers that returns one number.

    Parameters
    ----------
    student_function : callable
        The student's function, called as ``student_function(*case)``.
    name : str
        The function's name in the exercise; messages name a call ``name(1.0, 20.0)``.
    cases : sequence of tuple
        The arguments of each case.
    correct : callable
        ``correct(*case)``, the right answer.
    mistakes : sequence of (callable, str)
        Typical mistakes, ``(formula, message)``; a mistake is named when its formula matches every answer.
    rtol : float
        The relative tolerance within which an answer passes.

    Returns
    -------
    str
        ``"pass"``, the message of a typical mistake, or the first case that fails and the value expected there.
    """
    calls = [f"{name}({', '.join(str(a) for a in case)})" for case in cases]
    values = _numbers(student_function, zip(cases, calls))
    expected = [correct(*case) for case in cases]
    if all(_close(v, e, rtol) for v, e in zip(values, expected)):
        return PASS
    message = _checking.known_mistake(values, cases, mistakes, lambda v, p: _close(v, p, 1e-6))
    if message is not None:
        return message
    index = next(_checking.differences(values, expected, lambda v, e: not _close(v, e, rtol)))
    return f"{calls[index]} returned {_fmt(values[index])}, expected {_fmt(expected[index])}."


# ---------------------------------------------------------------------------------------------------------
# Exercise: one step of gradient descent
# ---------------------------------------------------------------------------------------------------------
_GD_CASES = (
    (np.array([1.0, -2.0, 0.5]), np.array([0.3, -0.4, 2.0]), 0.1),
    (np.array([3.0]), np.array([-1.5]), 0.25),
    (np.array([0.2, 0.7]), np.array([4.0, -2.0]), 0.05),
)

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
def check_gd_step(gd_step):
    """Check ``gd_step(theta, grad, lr)``, which must return the new parameters ``theta - lr * grad``.

    The inputs are 1-D float arrays ``theta`` and ``grad`` and a float ``lr``; the result must be a new array of
    the same shape, and ``theta`` must not be changed (a functional step, as ``minimopt``'s ``opt.step``).

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake (for instance a sign error or a forgotten learning rate).
    """
    results = []
    mutated = False
    for theta, grad, lr in _GD_CASES:
        theta_in, grad_in = theta.copy(), grad.copy()
        call = f"gd_step({_fmt(theta)}, {_fmt(grad)}, {lr})"
        result = _result(gd_step, (theta_in, grad_in, lr), call)
        try:
            result = np.array(result, dtype=np.float64)
        except (TypeError, ValueError):
            return f"{call} returned {result!r}, which is not an array of numbers"
        if result.shape != theta.shape:
            return (f"{call} returned shape {result.shape}; the new parameters must have the shape of theta, "
                    f"{theta.shape}")
        mutated |= not (np.array_equal(theta_in, theta) and np.array_equal(grad_in, grad))
        results.append(result)
    expected = [theta - lr * grad for theta, grad, lr in _GD_CASES]
    if all(np.allclose(r, e, rtol=1e-12, atol=1e-12) for r, e in zip(results, expected)):
        if mutated:
            return ("Your step returns the right values but changes its input array (for instance with "
                    "theta -= lr * grad). Return a new array, theta - lr * grad, and leave theta as it was: "
                    "a run keeps every iterate, and they must not all turn into the last one.")
        return PASS
    message = _checking.known_mistake(results, _GD_CASES, _GD_MISTAKES,
                                      lambda r, p: np.allclose(r, p, rtol=1e-9, atol=1e-12))
    if message is not None:
        return message
    index = next(_checking.differences(results, expected, lambda r, e: not np.allclose(r, e, 1e-12, 1e-12)))
    theta, grad, lr = _GD_CASES[index]
    return (f"gd_step({_fmt(theta)}, {_fmt(grad)}, {lr}) returned {_fmt(results[index])}, expected "
            f"theta - lr * grad = {_fmt(expected[index])}.")


# ---------------------------------------------------------------------------------------------------------
# Exercise: the order of a method from measured errors
# ---------------------------------------------------------------------------------------------------------
_ORDER_GAMMAS = 0.1 * 0.5 ** np.arange(8)
# (true order p, errors): a pure power law, and one with a higher-order term as measured errors have.
_ORDER_CASES = (
    (2.0, 5.0 * _ORDER_GAMMAS**2),
    (1.0, 0.3 * _ORDER_GAMMAS * (1.0 + 0.5 * _ORDER_GAMMAS)),
    (0.5, 2.0 * _ORDER_GAMMAS**0.5),
)


def _ls(x, y):
    """Least-squares (slope, intercept) of y against x."""
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)


def _intercept_mistake(log, name):
    """The mistake of returning the intercept of the log-log fit instead of its slope.

    Parameters
    ----------
    log : callable
        The logarithm the fit uses (``np.log``, ``np.log10``, ...).
    name : str
        Its name in the message.

    Returns
    -------
    (callable, str)
        The mistake's formula, ``formula(gammas, errors)``, and its message.
    """
    return (lambda g, e: _ls(log(g), log(e))[1],
            f"You returned the intercept of the log-log fit, {name} C. The order p is the slope, the first "
            "coefficient that np.polyfit returns.")


_ORDER_MISTAKES = (
    (lambda g, e: -_ls(np.log(g), np.log(e))[0],
     "Your order has the wrong sign. The order p in error ≈ C·gamma^p is the slope of log(error) against "
     "log(gamma); fitting against the number of steps 1/gamma (or log(1/gamma)) gives -p."),
    (lambda g, e: _ls(np.log(e), np.log(g))[0],
     "You fitted log(gamma) against log(error) (x and y swapped), which gives 1/p. Fit log(error) as a function "
     "of log(gamma): np.polyfit(np.log(gammas), np.log(errors), 1)."),
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


@_checking.returns_student_errors
def check_euler_error_order(error_order):
    """Check ``error_order(gammas, errors)``, which must return the order p in ``errors ≈ C * gammas**p``.

    ``gammas`` and ``errors`` are 1-D arrays of positive numbers (the step sizes of a convergence study, halved
    from one to the next, and the errors measured with them). The order is the slope of log(error) against
    log(gamma), fitted by least squares; an answer within 0.05 of the true order passes (the test errors
    include one set with a higher-order term, as measured errors do).

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake (swapped axes, the intercept instead of the slope, ...).
    """
    values = _numbers(error_order, (((_ORDER_GAMMAS.copy(), errors.copy()),
                                     f"error_order(gammas, errors) for errors = C * gammas**{p:g}")
                                    for p, errors in _ORDER_CASES))
    if all(abs(v - p) <= 0.05 for v, (p, _) in zip(values, _ORDER_CASES)):
        return PASS
    message = _checking.known_mistake(values, [(_ORDER_GAMMAS, e) for _, e in _ORDER_CASES], _ORDER_MISTAKES,
                                      lambda v, predicted: _close(v, predicted, 1e-6))
    if message is not None:
        return message
    if len(set(values)) == 1:
        return (f"error_order returned {_fmt(values[0])} for errors of orders 2, 1 and 0.5: compute the order from "
                "the data (the slope of log(error) against log(gamma)) instead of returning a fixed number.")
    index = next(_checking.differences(values, [p for p, _ in _ORDER_CASES], lambda v, p: not abs(v - p) <= 0.05))
    p = _ORDER_CASES[index][0]
    return (f"For errors = C * gammas**{p:g}, error_order returned {_fmt(values[index])}, expected {p:g} (within "
            "0.05). The order is the slope of log(error) against log(gamma): "
            "np.polyfit(np.log(gammas), np.log(errors), 1)[0].")


# ---------------------------------------------------------------------------------------------------------
# Exercise: the stability limit of gradient descent on L = h θ²/2
# ---------------------------------------------------------------------------------------------------------
_H_CASES = ((1.0,), (4.0,), (0.5,), (20.0,), (3.7,))

_STABILITY_MISTAKES = (
    (lambda h: 1.0 / h,
     "1/h is the largest step for which the iterates decrease monotonically (the factor 1 - gamma*h stays "
     "≥ 0). For 1/h < gamma < 2/h the factor is negative but |1 - gamma*h| < 1: the iterates change sign "
     "every step and still converge. The stability limit is where |1 - gamma*h| reaches 1."),
    (lambda h: 0.5 / h,
     "Your answer is 1/(2h), four times too small. The iterates converge while |1 - gamma*h| < 1: solve for "
     "the largest such gamma."),
    (lambda h: h / 2.0,
     "Your answer grows with the curvature h (it is h/2): it is upside down. A larger curvature needs a "
     "smaller step; solve |1 - gamma*h| < 1 for gamma."),
    (lambda h: 2.0 * h,
     "Your answer grows with the curvature h (it is 2h): it is upside down. A larger curvature needs a "
     "smaller step; solve |1 - gamma*h| < 1 for gamma."),
    (lambda h: 2.0 / h**2,
     "Your answer is 2/h²: the step limit scales as 1/h, not 1/h². Each step multiplies theta by "
     "1 - gamma*h."),
    (lambda h: 2.0,
     "Your answer does not depend on the curvature h. Each step multiplies theta by 1 - gamma*h, so the "
     "limit on gamma must involve h."),
    (lambda h: 1.0,
     "Your answer does not depend on the curvature h. Each step multiplies theta by 1 - gamma*h, so the "
     "limit on gamma must involve h."),
)


@_checking.returns_student_errors
def check_stability_limit(largest_stable_step):
    """Check ``largest_stable_step(h)``: the stability limit of gradient descent on ``L = h θ²/2`` (h > 0).

    The answer is the supremum of the learning rates γ for which θₙ → 0 from every θ₀, that is 2/h; a value
    within a relative 1e-3 of it passes (so a careful numerical search passes too).

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake (for instance 1/h, the limit of monotone convergence).
    """
    return _check_scalar(largest_stable_step, "largest_stable_step", _H_CASES, lambda h: 2.0 / h,
                         _STABILITY_MISTAKES, 1e-3)


# ---------------------------------------------------------------------------------------------------------
# Exercise: the best constant step for curvatures in [h_min, h_max]
# ---------------------------------------------------------------------------------------------------------
_BEST_CASES = ((1.0, 20.0), (0.5, 4.0), (2.0, 3.0), (0.1, 1.0))

_BEST_MISTAKES = (
    (lambda lo, hi: 2.0 / hi,
     "2/h_max is the stability limit itself: there |1 - gamma*h_max| = 1 and the stiffest component never "
     "decays. The best step balances the two extreme factors, 1 - gamma*h_min = -(1 - gamma*h_max)."),
    (lambda lo, hi: 1.0 / hi,
     "1/h_max removes the stiffest component in one step, but leaves the slowest one with the factor "
     "1 - h_min/h_max. A larger step shrinks the slow factor while the stiff one grows in size: the best step "
     "makes them equal in size, 1 - gamma*h_min = -(1 - gamma*h_max)."),
    (lambda lo, hi: 1.0 / lo,
     "1/h_min removes the slowest component in one step, but the stiff factor |1 - h_max/h_min| is then "
     "large (above 1 when h_max > 2 h_min: divergence). Balance the two extreme factors, "
     "1 - gamma*h_min = -(1 - gamma*h_max)."),
    (lambda lo, hi: 2.0 / lo,
     "2/h_min is the stability limit of the flattest component; the stiff one diverges there. Balance the two "
     "extreme factors, 1 - gamma*h_min = -(1 - gamma*h_max)."),
    (lambda lo, hi: 1.0 / (lo + hi),
     "Close: you balanced the factors but lost a factor 2. Solve 1 - gamma*h_min = gamma*h_max - 1 again."),
    (lambda lo, hi: 2.0 / (hi - lo),
     "Your step is 2/(h_max - h_min), larger than the stability limit 2/h_max. Balance the two extreme "
     "factors, 1 - gamma*h_min = -(1 - gamma*h_max): mind the sign of the second."),
    (lambda lo, hi: (lo + hi) / 2.0,
     "Your step grows with the curvatures: it is upside down. Balance the two extreme factors, "
     "1 - gamma*h_min = -(1 - gamma*h_max), and solve for gamma."),
    (lambda lo, hi: 1.0 / math.sqrt(lo * hi),
     "1/sqrt(h_min*h_max) is not the balance point of the factors |1 - gamma*h|, which depend linearly on "
     "gamma: solve 1 - gamma*h_min = -(1 - gamma*h_max)."),
)


@_checking.returns_student_errors
def check_best_step(best_step):
    """Check ``best_step(h_min, h_max)``: the constant learning rate that minimises the worst contraction factor.

    On a quadratic whose curvatures lie in [h_min, h_max], gradient descent multiplies each eigen-component by
    1 − γh per step; the worst factor max(|1 − γh_min|, |1 − γh_max|) is smallest at γ = 2/(h_min + h_max). A
    value within a relative 1e-3 passes.

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake (for instance 2/h_max, the stability limit itself).
    """
    return _check_scalar(best_step, "best_step", _BEST_CASES, lambda lo, hi: 2.0 / (lo + hi), _BEST_MISTAKES, 1e-3)


# ---------------------------------------------------------------------------------------------------------
# Exercise: the modified curvature, the flow that gradient descent solves exactly
# ---------------------------------------------------------------------------------------------------------
_MODIFIED_CASES = ((1.0, 0.5), (4.0, 0.2), (20.0, 0.01), (2.5, 0.3), (1.0, 0.9))

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
     "You divided by h instead of by the time step lr: (1 - lr*h)^n = exp(-h̃ n lr) gives "
     "h̃ = -log(1 - lr*h)/lr."),
)


@_checking.returns_student_errors
def check_modified_curvature(modified_curvature):
    """Check ``modified_curvature(h, lr)``: the h̃ whose gradient flow passes exactly through GD's iterates.

    For ``L = h θ²/2`` and 0 < lr·h < 1, gradient descent gives θₙ = (1 − lr·h)ⁿ θ₀, which equals the flow
    θ(t) = exp(−h̃ t) θ₀ of the modified loss h̃θ²/2 at t = n·lr exactly when h̃ = −log(1 − lr·h)/lr. A value
    within a relative 1e-6 passes.

    Returns
    -------
    str
        ``"pass"``, or a message explaining the mistake (for instance the truncated series h + lr h²/2).
    """
    return _check_scalar(modified_curvature, "modified_curvature", _MODIFIED_CASES,
                         lambda h, lr: -math.log(1 - lr * h) / lr, _MODIFIED_MISTAKES, 1e-6)
