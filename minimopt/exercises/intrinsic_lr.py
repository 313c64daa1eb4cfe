"""Checkers for the exercises of chapter 6, *The intrinsic learning rate*.

Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, and one
tolerance, ``|x − y| ≤ 1e-6·|y| + 1e-12`` entry by entry (truth values exactly), in every chapter.

Each ``check_<name>(student_function)`` calls the student's function on fixed and seeded random cases and
returns ``"pass"`` or a message that explains the mistake. The catalogued mistakes, each recognised with its own
message:

``check_equilibrium_norm`` (‖w*‖ = η‖g‖/√(1 − (1 − ηλ)²))
    the decay factor not squared (1 − ηλ instead of (1 − ηλ)², giving ‖g‖√(η/λ)); the small-ηλ approximation
    ‖g‖√(η/(2λ)); the squared norm instead of the norm; η instead of η² in the recursion (‖g‖√(1/(λ(2 − ηλ))));
    η and λ swapped.
``check_angular_update`` (θ = arccos(1 − ηλ))
    ηλ (the relative shrink of the norm, not the angle); the approximation √(2ηλ); √(ηλ); arccos((1 − ηλ)²)
    (the squared-norm factor used as the cosine); degrees instead of radians; cos θ = 1 − ηλ instead of θ.
``check_lr_growth_factor`` ((1 − ηλ)⁻²)
    (1 − ηλ)⁻¹ (the gradient's 1/c forgotten); (1 − ηλ)² (upside down); the approximation 1 + 2ηλ; 1 − ηλ
    (the decay factor of w itself).

>>> import math
>>> from minimopt.exercises import check_angular_update
>>> check_angular_update(lambda eta, lam: math.acos(1 - eta * lam))
'pass'
>>> check_angular_update(lambda eta, lam: eta * lam)[:40]
'ηλ is the fraction by which weight decay'
"""

import math

from minimopt.exercises import _checking

__all__ = ["check_equilibrium_norm", "check_angular_update", "check_lr_growth_factor"]

# Fixed cases cover small and large ηλ (up to 0.5, where the approximations are visibly off).
_NORM_CASES = ((0.1, 0.01, 1.0), (0.5, 1.0, 0.3), (0.01, 5e-4, 2.0), (1.0, 0.5, 0.7))
_ANGLE_CASES = ((0.1, 0.01), (0.5, 1.0), (0.01, 5e-4), (1.0, 0.4))


def _draw_norm(rng):
    return (float(rng.uniform(0.01, 1.0)), float(rng.uniform(1e-3, 0.5)), float(rng.uniform(0.1, 3.0)))


def _draw_angle(rng):
    return (float(rng.uniform(0.01, 1.0)), float(rng.uniform(1e-3, 0.5)))


# ---------------------------------------------------------------------------------------------------------
# reference solutions
# ---------------------------------------------------------------------------------------------------------
def _reference_equilibrium_norm(eta, lam, g_norm):
    """‖w*‖ = η‖g‖/√(1 − (1 − ηλ)²): the fixed point of ‖w‖² ↦ (1 − ηλ)²‖w‖² + η²‖g‖²."""
    return eta * g_norm / math.sqrt(1 - (1 - eta * lam) ** 2)


def _reference_angular_update(eta, lam):
    """θ = arccos(1 − ηλ): the angle between consecutive iterates at the norm's equilibrium (g ⊥ w)."""
    return math.acos(1 - eta * lam)


def _reference_lr_growth_factor(eta, lam):
    """(1 − ηλ)⁻²: the per-step growth of the rate of SGD without decay that is equivalent to SGD + decay."""
    return (1 - eta * lam) ** -2


# ---------------------------------------------------------------------------------------------------------
# catalogued mistakes
# ---------------------------------------------------------------------------------------------------------
_NORM_MISTAKES = (
    (lambda eta, lam, g: g * math.sqrt(eta / lam),
     "you get ‖g‖√(η/λ): the decay factor is not squared. Weight decay multiplies w by 1 − ηλ, so it multiplies "
     "the squared norm by (1 − ηλ)²: the fixed point of ‖w‖² = (1 − ηλ)²‖w‖² + η²‖g‖² is "
     "η²‖g‖²/(1 − (1 − ηλ)²), not η²‖g‖²/(ηλ)."),
    (lambda eta, lam, g: g * math.sqrt(eta / (2 * lam)),
     "you get ‖g‖√(η/(2λ)): that is the small-ηλ approximation. 1 − (1 − ηλ)² = ηλ(2 − ηλ) exactly; keep the "
     "(ηλ)² term."),
    (lambda eta, lam, g: eta**2 * g**2 / (1 - (1 - eta * lam) ** 2),
     "you return the squared norm ‖w*‖²; the exercise asks for the norm ‖w*‖ (take the square root)."),
    (lambda eta, lam, g: g * math.sqrt(eta) / math.sqrt(1 - (1 - eta * lam) ** 2),
     "the power of η is off: the step is η g, so the norm gains η²‖g‖² per step, and ‖w*‖ = η‖g‖/√(1 − (1 − ηλ)²)."),
    (lambda eta, lam, g: lam * g / math.sqrt(1 - (1 - eta * lam) ** 2),
     "η and λ are swapped (are the parameters of your def line in the order (lam, eta, g_norm)?): the "
     "function is called as equilibrium_norm(eta, lam, g_norm), and the step η g puts η (not λ) in front of ‖g‖."),
)

_ANGLE_MISTAKES = (
    (lambda eta, lam: eta * lam,
     "ηλ is the fraction by which weight decay shrinks w in one step, not the angle. At equilibrium the component "
     "of w_{t+1} along w_t is (1 − ηλ)‖w_t‖ and ‖w_{t+1}‖ = ‖w_t‖, so cos θ = 1 − ηλ: θ = arccos(1 − ηλ), about "
     "√(2ηλ), much larger than ηλ."),
    (lambda eta, lam: math.sqrt(2 * eta * lam),
     "√(2ηλ) is right to first order in ηλ: it is the small-ηλ approximation that papers quote (Wan et al. "
     "2021), and for ηλ = 10⁻³ it is off by less than 0.01 %. The exercise asks for the exact angle, "
     "arccos(1 − ηλ) = √(2ηλ)(1 + ηλ/12 + …), which is larger (by 4.7 % at ηλ = 0.5)."),
    (lambda eta, lam: math.sqrt(eta * lam),
     "√(ηλ) misses a factor √2: 1 − cos θ = ηλ and 1 − cos θ ≈ θ²/2 give θ ≈ √(2ηλ); exactly θ = arccos(1 − ηλ)."),
    (lambda eta, lam: math.acos((1 - eta * lam) ** 2),
     "arccos((1 − ηλ)²) uses the factor of the squared norm as the cosine. The cosine is a ratio of lengths: the "
     "component along w_t, (1 − ηλ)‖w_t‖, over ‖w_{t+1}‖ = ‖w_t‖, so cos θ = 1 − ηλ."),
    (lambda eta, lam: math.degrees(math.acos(1 - eta * lam)),
     "that is arccos(1 − ηλ) in degrees; return radians."),
    (lambda eta, lam: 1 - eta * lam,
     "1 − ηλ is cos θ, not θ: return the angle itself, arccos(1 − ηλ)."),
)

_GROWTH_MISTAKES = (
    (lambda eta, lam: 1 / (1 - eta * lam),
     "(1 − ηλ)⁻¹ forgets one factor. Writing w_k = (1 − ηλ)^k w̃_k, dividing the step by (1 − ηλ)^{k+1} gives one "
     "factor, and the gradient's homogeneity ∇L(cw) = ∇L(w)/c gives a second one: η_k = η(1 − ηλ)^{−(2k+1)}, "
     "growing by (1 − ηλ)⁻² per step."),
    (lambda eta, lam: (1 - eta * lam) ** 2,
     "(1 − ηλ)² is upside down: the equivalent learning rate grows (weight decay shrinks w, which makes every "
     "later step larger relative to ‖w‖); the factor is (1 − ηλ)⁻²."),
    (lambda eta, lam: 1 + 2 * eta * lam,
     "1 + 2ηλ is the first-order approximation; the exact factor is (1 − ηλ)⁻² = 1 + 2ηλ + 3(ηλ)² + …."),
    (lambda eta, lam: 1 - eta * lam,
     "1 − ηλ is the decay factor of w itself; the equivalent run has no decay and a rate that grows by "
     "(1 − ηλ)⁻² per step."),
)


# ---------------------------------------------------------------------------------------------------------
# checkers
# ---------------------------------------------------------------------------------------------------------
@_checking.returns_student_errors
def check_equilibrium_norm(student_function, *, seed=None):
    """Check ``equilibrium_norm(eta, lam, g_norm)``: the weight norm that SGD with weight decay keeps.

    A scale-invariant model is trained with SGD, learning rate ``eta`` and weight decay ``lam``, and its gradients
    keep the norm ``g_norm``, orthogonal to w; the answer is the norm of w (not its square) at which one step
    leaves the norm unchanged.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_NORM_CASES) + _checking.random_cases(_draw_norm, seed)
    return _checking.check_function(student_function, "equilibrium_norm", cases, _reference_equilibrium_norm,
                                    _NORM_MISTAKES, signature="eta, lam, g_norm")


@_checking.returns_student_errors
def check_angular_update(student_function, *, seed=None):
    """Check ``angular_update(eta, lam)``: the angle per step, in radians, at the norm's equilibrium.

    The exact angle between successive weights once SGD with learning rate ``eta`` and weight decay ``lam`` keeps
    their norm (no small-ηλ approximation).

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_ANGLE_CASES) + _checking.random_cases(_draw_angle, seed)
    return _checking.check_function(student_function, "angular_update", cases, _reference_angular_update,
                                    _ANGLE_MISTAKES, signature="eta, lam")


@_checking.returns_student_errors
def check_lr_growth_factor(student_function, *, seed=None):
    """Check ``lr_growth_factor(eta, lam)``: the per-step growth of the equivalent learning rate.

    SGD with learning rate ``eta`` and weight decay ``lam`` on a scale-invariant loss traces the same directions as
    SGD without weight decay whose learning rate is multiplied by a constant factor every step (Li & Arora 2019);
    the answer is that factor.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_ANGLE_CASES) + _checking.random_cases(_draw_angle, seed)
    return _checking.check_function(student_function, "lr_growth_factor", cases, _reference_lr_growth_factor,
                                    _GROWTH_MISTAKES, signature="eta, lam")


EXERCISES = (
    _checking.Exercise(label="ex-intrinsic-lr-1", function="equilibrium_norm", signature="eta, lam, g_norm",
                       checker=check_equilibrium_norm, solution=_reference_equilibrium_norm),
    _checking.Exercise(label="ex-intrinsic-lr-2", function="angular_update", signature="eta, lam",
                       checker=check_angular_update, solution=_reference_angular_update),
    _checking.Exercise(label="ex-intrinsic-lr-3", function="lr_growth_factor", signature="eta, lam",
                       checker=check_lr_growth_factor, solution=_reference_lr_growth_factor),
)
