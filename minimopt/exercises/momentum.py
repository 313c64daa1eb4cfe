"""Checkers for the exercises of chapter 3, *Momentum is leapfrog*.

Each ``check_<name>(student_function)`` calls the student's function on a few cases and returns ``"pass"`` or a
message that explains the mistake: a typical mistake (a swapped pair, a forgotten denominator, ``r`` instead of
``√r``, …) is recognised and named; anything else is reported with the first case that fails and the value
expected there.

>>> import math
>>> from minimopt.exercises import check_momentum_retune
>>> check_momentum_retune(lambda beta, r: 1 - (1 - beta) * math.sqrt(r))
'pass'
"""

import collections.abc
import math
import operator

import numpy as np

from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, StudentError

__all__ = ["check_leapfrog_coefficients", "check_torch_to_physics", "check_momentum_retune",
           "check_heavy_ball_stable"]

_RTOL = 1e-9


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------
def _call(function, args, n_outputs=None):
    """``function(*args)`` as floats.

    Parameters
    ----------
    function : callable
        The student's function.
    args : tuple
        The arguments of one case.
    n_outputs : int, optional
        How many numbers the function returns, as a tuple (or any other sequence, such as a list or a 1-D NumPy
        array); None (the default) for one number.

    Returns
    -------
    float or tuple of float

    Raises
    ------
    StudentError
        If the function raises, or returns anything other than ``n_outputs`` finite numbers.
    """
    shown = ", ".join(repr(a) for a in args)
    out = _checking.call(function, args, "your function", f" (called with {shown})")
    if n_outputs is None:
        return _as_float(out, f"your function returned {out!r} for ({shown}); expected a number")
    items = _as_items(out)
    if items is None or len(items) != n_outputs:
        raise StudentError(f"your function returned {out!r} for ({shown}); expected a tuple of {n_outputs} numbers "
                           "(a list or a 1-D array will do too)")
    return tuple(_as_float(o, f"your function returned {out!r} for ({shown}); expected {n_outputs} numbers")
                 for o in items)


def _as_items(out):
    """The entries of a returned tuple, list, other sequence or 1-D array, as a list; None for anything else.

    A string, a mapping, a 0-d or a multi-dimensional array is not a sequence of numbers: None.
    """
    if isinstance(out, np.ndarray):
        return list(out) if out.ndim == 1 else None
    if isinstance(out, (str, bytes)) or not isinstance(out, collections.abc.Sequence):
        return None
    return list(out)


def _as_float(value, message):
    """``value`` as a finite float, else a ``StudentError`` with ``message``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StudentError(message) from None
    if not math.isfinite(number):
        raise StudentError(message.replace("expected", "got a non-finite value; expected"))
    return number


def _close(a, b):
    return math.isclose(a, b, rel_tol=_RTOL, abs_tol=1e-12)


def _all_close(got, expected):
    return all(_close(a, b) for a, b in zip(got, expected))


# ---------------------------------------------------------------------------------------------------------
# leapfrog coefficients
# ---------------------------------------------------------------------------------------------------------
_LEAPFROG_CASES = ((0.5, 0.1), (2.0, 0.3), (0.0, 0.2), (1.0, 1.0), (3.0, 0.05))


def _leapfrog(lam, gamma):
    d = 1 + lam * gamma / 2
    return (1 - lam * gamma / 2) / d, gamma**2 / d


_LEAPFROG_BETA_MISTAKES = (
    (lambda lam, g: 1 - lam * g / 2,
     "beta is 1 - λγ/2: you forgot to divide by 1 + λγ/2. Solving the scheme for θ_{n+1} divides every term "
     "by the coefficient of θ_{n+1}, which is (1 + λγ/2)/γ²."),
    (lambda lam, g: 1 - lam * g,
     "beta is 1 - λγ: that is the damping taken at the old half-step velocity u_{n-1/2} (an explicit, first-order "
     "choice). The leapfrog scheme averages the damping, λ(u_{n+1/2} + u_{n-1/2})/2, which gives "
     "β = (1 - λγ/2)/(1 + λγ/2)."),
    (lambda lam, g: 1 / (1 + lam * g),
     "beta is 1/(1 + λγ): that is the damping taken at the new half-step velocity u_{n+1/2} (implicit, first "
     "order). The leapfrog scheme averages the two half-step velocities: β = (1 - λγ/2)/(1 + λγ/2)."),
    (lambda lam, g: (1 + lam * g / 2) / (1 - lam * g / 2) if lam * g != 2 else math.inf,
     "beta is (1 + λγ/2)/(1 - λγ/2), upside down: damping must make β < 1 (friction removes velocity), so the "
     "1 + λγ/2 belongs in the denominator."),
)

_LEAPFROG_ALPHA_MISTAKES = (
    (lambda lam, g: g**2,
     "alpha is γ²: you forgot to divide by 1 + λγ/2 (the coefficient of θ_{n+1} in the scheme is "
     "(1 + λγ/2)/γ², and the gradient term is divided by it too)."),
    (lambda lam, g: g / (1 + lam * g / 2),
     "alpha is γ/(1 + λγ/2): the power of γ is wrong. The heavy-ball velocity is the displacement "
     "θ_{n+1} - θ_n = γ u_{n+1/2}, so the gradient enters multiplied by γ·γ = γ²."),
    (lambda lam, g: g,
     "alpha is γ: the power of γ is wrong and the denominator is missing; it must be γ²/(1 + λγ/2)."),
)


@_checking.returns_student_errors
def check_leapfrog_coefficients(student_function):
    """Check ``f(lam, gamma) -> (beta, alpha)``, the heavy-ball coefficients of the leapfrog scheme.

    The staggered-grid discretisation of θ'' + λθ' = −∇L with step γ is heavy ball with
    β = (1 − λγ/2)/(1 + λγ/2) and α = γ²/(1 + λγ/2).

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    got = [_call(student_function, case, 2) for case in _LEAPFROG_CASES]
    expected = [_leapfrog(*case) for case in _LEAPFROG_CASES]
    betas, alphas = [g[0] for g in got], [g[1] for g in got]
    beta_ok = _all_close(betas, [e[0] for e in expected])
    alpha_ok = _all_close(alphas, [e[1] for e in expected])
    if beta_ok and alpha_ok:
        return PASS
    if _all_close(betas, [e[1] for e in expected]) and _all_close(alphas, [e[0] for e in expected]):
        return ("you returned (alpha, beta); the function must return (beta, alpha) — your values are right but "
                "swapped.")
    messages = []
    if not beta_ok:
        messages.append(_recognise(betas, _LEAPFROG_BETA_MISTAKES, _LEAPFROG_CASES, [e[0] for e in expected],
                                   "beta", "(lam, gamma)"))
    if not alpha_ok:
        messages.append(_recognise(alphas, _LEAPFROG_ALPHA_MISTAKES, _LEAPFROG_CASES, [e[1] for e in expected],
                                   "alpha", "(lam, gamma)"))
    if beta_ok:
        messages.insert(0, "beta is right.")
    if alpha_ok:
        messages.append("alpha is right.")
    return " ".join(messages)


def _recognise(values, mistakes, cases, expected, name, arg_names):
    """The message of the first known mistake that reproduces ``values``, else the first failing case.

    Parameters
    ----------
    values : list of float
        The student's numbers, one per case.
    mistakes : sequence of (callable, str)
        ``(formula, message)``: a mistake is named when ``formula(*case)`` is finite and matches every value.
    cases : sequence of tuple
        The arguments of each case.
    expected : list of float
        The right numbers.
    name, arg_names : str
        How the message names the number and the arguments, for instance ``"beta"`` and ``"(lam, gamma)"``.

    Returns
    -------
    str
    """
    with np.errstate(all="ignore"):
        message = _checking.known_mistake(values, cases, mistakes, lambda v, p: math.isfinite(p) and _close(v, p))
    if message is not None:
        return message
    index = next(_checking.differences(values, expected, lambda v, want: not _close(v, want)), None)
    if index is None:  # pragma: no cover (unreachable: some case differs)
        return f"{name} is wrong."
    return (f"{name} is wrong at {arg_names} = {cases[index]}: expected {expected[index]:.12g}, "
            f"got {values[index]:.12g}.")


# ---------------------------------------------------------------------------------------------------------
# PyTorch's convention against the physics one
# ---------------------------------------------------------------------------------------------------------
_TORCH_CASES = ((0.1, 0.9, 2.0), (0.01, 0.5, -3.8), (0.3, 0.99, 0.5), (0.05, 0.0, 1.25))


@_checking.returns_student_errors
def check_torch_to_physics(student_function):
    """Check ``f(lr, mu, b) -> (alpha, beta, v)``: PyTorch's SGD with momentum in the physics convention.

    PyTorch updates b ← μb + g, θ ← θ − lr·b; the physics (heavy-ball) convention v ← βv − αg, θ ← θ + v.
    The iterates agree when α = lr and β = μ, and then the physics velocity is v = −lr·b for PyTorch's
    momentum buffer b.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    got = [_call(student_function, case, 3) for case in _TORCH_CASES]
    alphas, betas, vs = ([g[k] for g in got] for k in range(3))
    lrs, mus, bs = ([c[k] for c in _TORCH_CASES] for k in range(3))
    messages = []
    if _all_close(alphas, mus) and _all_close(betas, lrs):
        messages.append("alpha and beta are swapped: the gradient's coefficient α is PyTorch's lr and the momentum "
                        "β is PyTorch's μ (return alpha first, then beta).")
    else:
        if not _all_close(alphas, lrs):
            messages.append(_recognise(alphas, (
                (lambda lr, mu, b: lr * (1 - mu),
                 "alpha is lr·(1 - μ): that is the convention in which the buffer is an exponential average, "
                 "b ← μb + (1 - μ)g. PyTorch's buffer adds the whole gradient (dampening = 0), so α = lr."),
                (lambda lr, mu, b: lr / (1 - mu),
                 "alpha is lr/(1 - μ): that is the terminal step on a constant gradient (the velocity settles at "
                 "lr·g/(1 - μ)), not the coefficient of the gradient in one update; α = lr."),
            ), _TORCH_CASES, lrs, "alpha", "(lr, mu, b)"))
        if not _all_close(betas, mus):
            messages.append(_recognise(betas, (
                (lambda lr, mu, b: 1 - mu,
                 "beta is 1 - μ: the momentum coefficient is the same number in both conventions, β = μ "
                 "(it multiplies the old velocity, v ← βv - αg, as μ multiplies the old buffer)."),
            ), _TORCH_CASES, mus, "beta", "(lr, mu, b)"))
    want_v = [-lr * b for lr, b in zip(lrs, bs)]
    if not _all_close(vs, want_v):
        messages.append(_recognise(vs, (
            (lambda lr, mu, b: lr * b,
             "the velocity has the wrong sign: PyTorch subtracts lr·b from θ while the physics convention adds v, "
             "so v = -lr·b."),
            (lambda lr, mu, b: -b,
             "the velocity is -b: the buffer b accumulates gradients, and PyTorch moves θ by lr·b, so the "
             "displacement per step is v = -lr·b (you forgot lr)."),
            (lambda lr, mu, b: b,
             "the velocity is b: it must be the displacement θ_{k+1} - θ_k = -lr·b (you forgot lr and the sign)."),
            (lambda lr, mu, b: -mu * lr * b,
             "the velocity is -μ·lr·b: v is the displacement of the step that produced b, θ_{k+1} - θ_k = -lr·b; "
             "μ enters only in the next update."),
        ), _TORCH_CASES, want_v, "the velocity v", "(lr, mu, b)"))
    return " ".join(messages) if messages else PASS


# ---------------------------------------------------------------------------------------------------------
# retuning the momentum when the learning rate changes
# ---------------------------------------------------------------------------------------------------------
_RETUNE_CASES = ((0.9, 4.0), (0.99, 0.25), (0.95, 2.0), (0.8, 0.5), (0.9, 1.0))


def _retune_rule(beta, r):
    return 1 - (1 - beta) * math.sqrt(r)


def _retune_exact(beta, r):
    """β' that keeps the friction λ exactly (the root of x'²(1+x) = r x²(1+x'), x = (1−β)/(1+β))."""
    x = (1 - beta) / (1 + beta)
    x_new = (r * x * x + x * math.sqrt(r * (r * x * x + 4 * x + 4))) / (2 * (1 + x))
    return (1 - x_new) / (1 + x_new)


@_checking.returns_student_errors
def check_momentum_retune(student_function):
    """Check ``f(beta, r) -> beta_new``: the momentum that keeps the dynamics when α changes to r·α.

    Heavy ball (α, β) integrates θ'' + λθ' = −∇L with step γ ≈ √α and friction λ ≈ (1 − β)/√α. Keeping λ
    when α → rα gives the rule β' = 1 − (1 − β)√r (exact to leading order in 1 − β; the exact retuning,
    which keeps λ to all orders, is accepted too).

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    got = [_call(student_function, case) for case in _RETUNE_CASES]
    if _all_close(got, [_retune_rule(*c) for c in _RETUNE_CASES]):
        return PASS
    if _all_close(got, [_retune_exact(*c) for c in _RETUNE_CASES]):
        return PASS
    return _recognise(got, (
        (lambda beta, r: 1 - (1 - beta) * r,
         "you scaled 1 - β by r instead of √r. The time step is γ ≈ √α, so α → rα changes γ by √r; the friction "
         "λ ≈ (1 - β)/γ stays fixed only if 1 - β changes by √r too: β' = 1 - (1 - β)√r."),
        (lambda beta, r: 1 - (1 - beta) / math.sqrt(r),
         "you divided 1 - β by √r: the direction is reversed. A larger learning rate (r > 1) means a longer time "
         "step γ ≈ √α, so more friction must act per step: 1 - β' = √r (1 - β)."),
        (lambda beta, r: beta,
         "you kept β unchanged. With β fixed the friction λ ≈ (1 - β)/√α changes by the factor 1/√r, so the "
         "optimizer follows a differently damped equation; β' = 1 - (1 - β)√r keeps λ."),
        (lambda beta, r: beta**math.sqrt(r),
         "you returned β^√r. It agrees with the rule to first order in 1 - β (its second-order error is twice "
         "the rule's), but the exercise asks for the rule β' = 1 - (1 - β)√r."),
        (lambda beta, r: beta * math.sqrt(r),
         "you scaled β by √r; it is 1 - β, the friction per step, that scales: β' = 1 - (1 - β)√r."),
        (lambda beta, r: 1 - (1 - beta) * r**2,
         "you scaled 1 - β by r², but the time step γ ≈ √α changes by √r, and so must 1 - β."),
    ), _RETUNE_CASES, [_retune_rule(*c) for c in _RETUNE_CASES], "beta_new", "(beta, r)")


# ---------------------------------------------------------------------------------------------------------
# stability of heavy ball on a quadratic
# ---------------------------------------------------------------------------------------------------------
# (alpha_h, beta): exactly representable numbers, so that the boundary cases are exact.
_STABLE_CASES = ((0.5, 0.5), (3.0, 0.75), (3.875, 0.9990234375), (1.0, 0.0), (0.001953125, 0.9990234375),
                 (2.5, 0.0), (4.5, 0.875), (0.0, 0.5), (2.0, 0.0), (3.0, 0.5), (3.5, 0.75), (0.5, 1.0),
                 (1.5, 0.25), (2.25, 0.0625))


def _spectral_radius(alpha_h, beta):
    return float(np.max(np.abs(np.roots([1.0, -(1.0 + beta - alpha_h), beta]))))


def _stable(alpha_h, beta):
    return beta < 1 and 0 < alpha_h < 2 * (1 + beta)


def _truth(function, case):
    """``function(*case)``, which must be a bool (or a NumPy bool); else a ``StudentError``."""
    shown = f"({case[0]!r}, {case[1]!r})"
    answer = _checking.call(function, case, "your function", f" (called with {shown})")
    if not isinstance(answer, (bool, np.bool_)):
        raise StudentError(f"your function returned {answer!r} for {shown}; expected True or False")
    return bool(answer)


@_checking.returns_student_errors
def check_heavy_ball_stable(student_function):
    """Check ``f(alpha_h, beta) -> bool``: does heavy ball converge on L = hθ²/2?

    On the quadratic, heavy ball is θ_{n+1} = (1 + β − αh)θ_n − βθ_{n−1}; it converges to 0 from every start iff
    both roots of z² − (1 + β − αh)z + β lie inside the unit circle, which for 0 ≤ β ≤ 1 and αh ≥ 0 means
    β < 1 and 0 < αh < 2(1 + β). The cases include the boundary, where the answer is False.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    got = [_truth(student_function, case) for case in _STABLE_CASES]
    expected = [_stable(*c) for c in _STABLE_CASES]
    if got == expected:
        return PASS
    mistakes = (
        (lambda ah, b: 0 < ah < 2,
         "you used gradient descent's condition αh < 2. Momentum widens the interval to 0 < αh < 2(1 + β): the "
         "root that crosses the unit circle is z = -1, where p(-1) = 2(1 + β) - αh."),
        (lambda ah, b: b < 1 and 0 < ah < 2 * (1 - b),
         "you used αh < 2(1 - β): the sign is wrong. The boundary is p(-1) = 1 + (1 + β - αh) + β = 2(1 + β) - αh "
         "> 0, so αh < 2(1 + β)."),
        (lambda ah, b: b < 1 and 0 < ah <= 2 * (1 + b),
         "you included the boundary αh = 2(1 + β). There a root is exactly z = -1: the iterates oscillate with "
         "constant amplitude and never converge, so the inequality is strict."),
        (lambda ah, b: b < 1 and 0 <= ah < 2 * (1 + b),
         "you accepted αh = 0. Then the gradient vanishes and a root is z = 1: θ stays where the velocity leaves "
         "it instead of going to the minimum, so αh > 0 is needed."),
        (lambda ah, b: b <= 1 and 0 < ah < 2 * (1 + b),
         "you accepted β = 1. Then there is no friction: the product of the roots is β = 1, so |z| = 1 and the "
         "iterates oscillate forever; β < 1 is needed."),
        (lambda ah, b: 0 <= ah <= 2 * (1 + b),
         "you included all the boundaries (αh = 0, αh = 2(1 + β) and β = 1). On each a root has |z| = 1 and "
         "the iteration does not converge: the inequalities are strict."),
    )
    message = _checking.known_mistake(got, _STABLE_CASES, mistakes, operator.eq)
    if message is not None:
        return message
    index = next(_checking.differences(got, expected, operator.ne), None)
    if index is None:  # pragma: no cover
        return "wrong."
    case, answer, want = _STABLE_CASES[index], got[index], expected[index]
    rho = _spectral_radius(*case)
    return (f"wrong at (alpha_h, beta) = {case}: expected {want}, got {answer}. There the roots of "
            f"z² - (1 + β - αh)z + β have largest modulus {rho:.6g}"
            f"{' < 1 (it converges)' if want else ' ≥ 1 (it does not converge)'}.")
