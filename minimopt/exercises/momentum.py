"""Checkers for the exercises of chapter 3, *Momentum is leapfrog*.

Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, and one
tolerance, ``|x − y| ≤ 1e-6·|y| + 1e-12`` entry by entry (truth values exactly), in every chapter.

Each ``check_<name>(student_function, *, seed=None)`` calls the student's function on fixed cases and on random
cases drawn with ``seed`` (:data:`~minimopt.exercises._checking.PUBLIC_SEED` when None; a grading run passes a
fresh one) and returns ``"pass"`` or a message.

The catalogued mistakes, each recognised with its own message:

``leapfrog(lam, gamma) -> (beta, alpha)`` (ex-momentum-1)
    the pair swapped; β = 1 − λγ/2 (no denominator), 1 − λγ (explicit damping), 1/(1 + λγ) (implicit
    damping), (1 + λγ/2)/(1 − λγ/2) (upside down); α = γ² (no denominator), γ/(1 + λγ/2), γ.
``torch_to_physics(lr, mu, b) -> (alpha, beta, v)`` (ex-momentum-2)
    α and β swapped; α = lr(1 − μ) (the dampened convention), lr/(1 − μ) (the terminal step); β = 1 − μ;
    v = lr·b (sign), −b (no lr), b, −μ·lr·b.
``retune(beta, r)`` (ex-momentum-3)
    1 − β scaled by r, by 1/√r or by r²; β unchanged; β^√r (right to first order in 1 − β; to second order
    it misses the exact retuning by as much as the rule does, on the other side); β·√r.
``heavy_ball_stable(alpha_h, beta)`` (ex-momentum-4)
    gradient descent's condition αh < 2; αh < 2(1 − β); each boundary included (αh = 2(1 + β), αh = 0,
    β = 1, or all of them).

Besides, every checker recognises an answer that is right with the parameters in another order, an answer that
does not depend on the arguments, and the failures of :func:`~minimopt.exercises._checking.call` (an exception,
``sys.exit``, a time-out, None, a string, a wrong length).

>>> import math
>>> from minimopt.exercises import check_momentum_retune
>>> check_momentum_retune(lambda beta, r: 1 - (1 - beta) * math.sqrt(r))
'pass'
"""

import math

import numpy as np

from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, Exercise

__all__ = ["check_leapfrog_coefficients", "check_torch_to_physics", "check_momentum_retune",
           "check_heavy_ball_stable"]


# ---------------------------------------------------------------------------------------------------------
# Reference solutions (self-contained: the assignment notebooks paste their source into a cell)
# ---------------------------------------------------------------------------------------------------------
def _reference_leapfrog(lam, gamma):
    d = 1 + lam * gamma / 2
    return (1 - lam * gamma / 2) / d, gamma**2 / d


def _reference_torch_to_physics(lr, mu, b):
    return lr, mu, -lr * b


def _reference_retune(beta, r):
    return 1 - (1 - beta) * math.sqrt(r)


def _reference_heavy_ball_stable(alpha_h, beta):
    return beta < 1 and 0 < alpha_h < 2 * (1 + beta)


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------
def _evaluate(student_function, name, cases, wants):
    """The student's answers (tuples of numbers), or a ``StudentError`` at the first case that is not one."""
    names = [f"{name}({_checking.format_args(case)})" for case in cases]
    values, _ = _checking.evaluate(student_function, cases, names, wants, _checking.NUMBERS)
    return values


def _entries(values, k):
    return [value[k] for value in values]


def _recognise(values, mistakes, cases, expected, name, signature):
    """The message of the first known mistake that reproduces one entry of the answers, else the first case
    where that entry fails.

    Parameters
    ----------
    values : list of float
        The student's numbers (one entry of the answer), one per case.
    mistakes : sequence of (callable, str)
        ``(formula, message)``: a mistake is named when ``formula(*case)`` matches every value.
    cases : sequence of tuple
        The arguments of each case.
    expected : list of float
        The right numbers.
    name, signature : str
        How the message names the number and the arguments, for instance ``"beta"`` and ``"lam, gamma"``.

    Returns
    -------
    str
    """
    message = _checking.known_mistake(values, cases, mistakes, _checking.close)
    if message is not None:
        return message
    index = next(_checking.differences(values, expected, lambda v, want: not _checking.close(v, want)))
    return (f"{name} is wrong at ({signature}) = ({_checking.format_args(cases[index])}): "
            f"{_checking.describe_mismatch(values[index], expected[index])}.")


def _sentences(messages):
    """Messages joined into one text, each starting with a capital letter."""
    return " ".join(m[:1].upper() + m[1:] for m in messages)


def _swapped(values, cases, reference, name, signature):
    return _checking.swapped_arguments(values, cases, reference, _checking.all_close, name, signature)


# ---------------------------------------------------------------------------------------------------------
# the leapfrog coefficients
# ---------------------------------------------------------------------------------------------------------
_LEAPFROG_SIGNATURE = "lam, gamma"
_LEAPFROG_CASES = ((0.5, 0.1), (2.0, 0.3), (0.0, 0.2), (1.0, 1.0), (3.0, 0.05))


def _draw_leapfrog(rng):
    return rng.uniform(0.0, 3.0), rng.uniform(0.01, 0.6)


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
    (lambda lam, g: (1 + lam * g / 2) / (1 - lam * g / 2),
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
def check_leapfrog_coefficients(student_function, *, seed=None):
    """Check ``leapfrog(lam, gamma) -> (beta, alpha)``: the heavy-ball coefficients of the leapfrog scheme.

    The staggered-grid discretisation, with time step ``gamma``, of the equation of motion with friction ``lam``
    is heavy ball with momentum β and step α; the answer is that pair, in the order (beta, alpha).

    Parameters
    ----------
    student_function : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_LEAPFROG_CASES) + _checking.random_cases(_draw_leapfrog, seed)
    expected = [_reference_leapfrog(*case) for case in cases]
    got = _evaluate(student_function, "leapfrog", cases, expected)
    betas, alphas = _entries(got, 0), _entries(got, 1)
    beta_ok = _checking.all_close(betas, _entries(expected, 0))
    alpha_ok = _checking.all_close(alphas, _entries(expected, 1))
    if beta_ok and alpha_ok:
        return PASS
    if _checking.all_close(betas, _entries(expected, 1)) and _checking.all_close(alphas, _entries(expected, 0)):
        return ("You returned (alpha, beta); the function must return (beta, alpha): your values are right but "
                "swapped.")
    swapped = _swapped(got, cases, _reference_leapfrog, "leapfrog", _LEAPFROG_SIGNATURE)
    if swapped is not None:
        return swapped
    messages = []
    if not beta_ok:
        messages.append(_recognise(betas, _LEAPFROG_BETA_MISTAKES, cases, _entries(expected, 0), "beta",
                                   _LEAPFROG_SIGNATURE))
    if not alpha_ok:
        messages.append(_recognise(alphas, _LEAPFROG_ALPHA_MISTAKES, cases, _entries(expected, 1), "alpha",
                                   _LEAPFROG_SIGNATURE))
    if beta_ok:
        messages.insert(0, "beta is right.")
    if alpha_ok:
        messages.append("alpha is right.")
    return _sentences(messages)


# ---------------------------------------------------------------------------------------------------------
# PyTorch's convention against the physics one
# ---------------------------------------------------------------------------------------------------------
_TORCH_SIGNATURE = "lr, mu, b"
_TORCH_CASES = ((0.1, 0.9, 2.0), (0.01, 0.5, -3.8), (0.3, 0.99, 0.5), (0.05, 0.0, 1.25))


def _draw_torch(rng):
    return rng.uniform(0.001, 0.5), rng.uniform(0.05, 0.999), rng.normal(0.0, 3.0)


_TORCH_ALPHA_MISTAKES = (
    (lambda lr, mu, b: lr * (1 - mu),
     "alpha is lr·(1 - μ): that is the convention in which the buffer is an exponential average, "
     "b ← μb + (1 - μ)g. PyTorch's buffer adds the whole gradient (dampening = 0), so α = lr."),
    (lambda lr, mu, b: lr / (1 - mu),
     "alpha is lr/(1 - μ): that is the terminal step on a constant gradient (the velocity settles at "
     "lr·g/(1 - μ)), not the coefficient of the gradient in one update; α = lr."),
)
_TORCH_BETA_MISTAKES = (
    (lambda lr, mu, b: 1 - mu,
     "beta is 1 - μ: the momentum coefficient is the same number in both conventions, β = μ "
     "(it multiplies the old velocity, v ← βv - αg, as μ multiplies the old buffer)."),
)
_TORCH_VELOCITY_MISTAKES = (
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
)


@_checking.returns_student_errors
def check_torch_to_physics(student_function, *, seed=None):
    """Check ``torch_to_physics(lr, mu, b) -> (alpha, beta, v)``: PyTorch's SGD with momentum as heavy ball.

    The heavy-ball parameters (α, β), in the physics convention, that reproduce
    ``torch.optim.SGD(lr=lr, momentum=mu)``, and the heavy-ball velocity that corresponds to PyTorch's momentum
    buffer ``b``.

    Parameters
    ----------
    student_function : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_TORCH_CASES) + _checking.random_cases(_draw_torch, seed)
    expected = [_reference_torch_to_physics(*case) for case in cases]
    got = _evaluate(student_function, "torch_to_physics", cases, expected)
    if all(map(_checking.all_close, got, expected)):
        return PASS
    swapped = _swapped(got, cases, _reference_torch_to_physics, "torch_to_physics", _TORCH_SIGNATURE)
    if swapped is not None:
        return swapped
    alphas, betas, vs = (_entries(got, k) for k in range(3))
    lrs, mus, want_v = (_entries(expected, k) for k in range(3))
    messages = []
    if _checking.all_close(alphas, mus) and _checking.all_close(betas, lrs):
        messages.append("alpha and beta are swapped: the gradient's coefficient α is PyTorch's lr and the momentum "
                        "β is PyTorch's μ (return alpha first, then beta).")
    else:
        if not _checking.all_close(alphas, lrs):
            messages.append(_recognise(alphas, _TORCH_ALPHA_MISTAKES, cases, lrs, "alpha", _TORCH_SIGNATURE))
        if not _checking.all_close(betas, mus):
            messages.append(_recognise(betas, _TORCH_BETA_MISTAKES, cases, mus, "beta", _TORCH_SIGNATURE))
    if not _checking.all_close(vs, want_v):
        messages.append(_recognise(vs, _TORCH_VELOCITY_MISTAKES, cases, want_v, "the velocity v",
                                   _TORCH_SIGNATURE))
    return _sentences(messages)


# ---------------------------------------------------------------------------------------------------------
# retuning the momentum when the learning rate changes
# ---------------------------------------------------------------------------------------------------------
_RETUNE_CASES = ((0.9, 4.0), (0.99, 0.25), (0.95, 2.0), (0.8, 0.5), (0.9, 1.0))


def _draw_retune(rng):
    return rng.uniform(0.5, 0.999), 2 ** rng.uniform(-3.0, 3.0)


def _retune_exact(beta, r):
    """β' that keeps the friction λ exactly (the root of x'²(1+x) = r x²(1+x'), x = (1−β)/(1+β))."""
    x = (1 - beta) / (1 + beta)
    x_new = (r * x * x + x * math.sqrt(r * (r * x * x + 4 * x + 4))) / (2 * (1 + x))
    return (1 - x_new) / (1 + x_new)


_RETUNE_MISTAKES = (
    (lambda beta, r: 1 - (1 - beta) * r,
     "you scaled 1 - β by r instead of √r. The time step is γ ≈ √α, so α → rα changes γ by √r; the friction "
     "λ ≈ (1 - β)/γ stays fixed only if 1 - β changes by √r too: β' = 1 - (1 - β)√r."),
    (lambda beta, r: 1 - (1 - beta) / math.sqrt(r),
     "you divided 1 - β by √r: the direction is reversed. A larger learning rate (r > 1) means a longer time "
     "step γ ≈ √α, so more friction must act per step: 1 - β' = √r (1 - β)."),
    (lambda beta, r: beta,
     "you kept β unchanged. With β fixed the friction λ ≈ (1 - β)/√α changes by the factor 1/√r, so the "
     "optimizer follows a differently damped equation; β' = 1 - (1 - β)√r keeps λ."),
    (lambda beta, r: beta ** math.sqrt(r),
     "you returned β^√r. It agrees with the rule to first order in 1 - β; to second order it misses the exact "
     "retuning by as much as the rule does, on the other side (the exact β' lies halfway between the two). "
     "The exercise asks for the rule β' = 1 - (1 - β)√r."),
    (lambda beta, r: beta * math.sqrt(r),
     "you scaled β by √r; it is 1 - β, the friction per step, that scales: β' = 1 - (1 - β)√r."),
    (lambda beta, r: 1 - (1 - beta) * r**2,
     "you scaled 1 - β by r², but the time step γ ≈ √α changes by √r, and so must 1 - β."),
)


@_checking.returns_student_errors
def check_momentum_retune(student_function, *, seed=None):
    """Check ``retune(beta, r) -> beta_new``: the momentum to use when the learning rate is multiplied by r.

    By the rule of the chapter, which keeps the friction of the equation of motion that heavy ball integrates (the
    exact retuning, which keeps it to all orders, is accepted too).

    Parameters
    ----------
    student_function : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_RETUNE_CASES) + _checking.random_cases(_draw_retune, seed)
    return _checking.check_function(student_function, "retune", cases, _reference_retune, _RETUNE_MISTAKES,
                                    signature="beta, r", accept=(_retune_exact,))


# ---------------------------------------------------------------------------------------------------------
# stability of heavy ball on a quadratic
# ---------------------------------------------------------------------------------------------------------
# (alpha_h, beta): exactly representable numbers, so that the boundary cases are exact.
_STABLE_CASES = ((0.5, 0.5), (3.0, 0.75), (3.875, 0.9990234375), (1.0, 0.0), (0.001953125, 0.9990234375),
                 (2.5, 0.0), (4.5, 0.875), (0.0, 0.5), (2.0, 0.0), (3.0, 0.5), (3.5, 0.75), (0.5, 1.0),
                 (1.5, 0.25), (2.25, 0.0625))


def _draw_stable(rng):
    beta = rng.uniform(0.0, 1.0)
    return rng.uniform(0.0, 3.0 * (1 + beta)), beta


def _spectral_radius(alpha_h, beta):
    return float(np.max(np.abs(np.roots([1.0, -(1.0 + beta - alpha_h), beta]))))


_STABLE_MISTAKES = (
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


def _explain_stable(case, answer, want):
    rho = _spectral_radius(*case)
    return (f". There the roots of z² - (1 + β - αh)z + β have largest modulus {rho:.6g}"
            f"{' < 1 (it converges)' if want else ' ≥ 1 (it does not converge)'}.")


@_checking.returns_student_errors
def check_heavy_ball_stable(student_function, *, seed=None):
    """Check ``heavy_ball_stable(alpha_h, beta) -> bool``: does heavy ball converge on L = hθ²/2?

    ``True`` exactly when heavy ball with step α and momentum ``beta`` converges to 0 from every start on the
    quadratic of curvature h, where ``alpha_h`` is the product αh (for αh ≥ 0 and 0 ≤ β ≤ 1). The cases
    include the boundary of the region of convergence.

    Parameters
    ----------
    student_function : callable
        The student's function.
    seed : int, optional
        The seed of the random cases.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_STABLE_CASES) + _checking.random_cases(_draw_stable, seed)
    return _checking.check_function(student_function, "heavy_ball_stable", cases, _reference_heavy_ball_stable,
                                    _STABLE_MISTAKES, signature="alpha_h, beta", explain=_explain_stable)


EXERCISES = (
    Exercise(label="ex-momentum-1", function="leapfrog", signature=_LEAPFROG_SIGNATURE,
             checker=check_leapfrog_coefficients, solution=_reference_leapfrog),
    Exercise(label="ex-momentum-2", function="torch_to_physics", signature=_TORCH_SIGNATURE,
             checker=check_torch_to_physics, solution=_reference_torch_to_physics),
    Exercise(label="ex-momentum-3", function="retune", signature="beta, r", checker=check_momentum_retune,
             solution=_reference_retune),
    Exercise(label="ex-momentum-4", function="heavy_ball_stable", signature="alpha_h, beta",
             checker=check_heavy_ball_stable, solution=_reference_heavy_ball_stable),
)
