"""Checkers for the exercises of chapter 4, *Nesterov's method*.

Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, and one
tolerance, ``|x − y| ≤ 1e-6·|y| + 1e-12`` entry by entry (truth values exactly), in every chapter.

Each ``check_<name>(student_function, *, seed=None)`` runs the student's function on fixed cases and on seeded
random cases and returns ``"pass"`` or a message that explains the mistake. The catalogued mistakes, each named
by its own message:

``check_nesterov_step`` (one step of v ← βv − α∇L(θ + βv), θ ← θ + v)
    the gradient taken at θ (heavy ball); the look-ahead applied to θ instead of v, ∇L(θ + βθ); the look-ahead
    without β, ∇L(θ + v); θ moved with the old velocity; the look-ahead added to θ; the gradient added instead of
    subtracted; the outputs swapped; θ and v, or α and β, exchanged in the def line.
``check_nesterov_max_step`` (the supremum of αh for which Nesterov converges on L = hθ²/2)
    heavy ball's boundary 2(1 + β) given for Nesterov; gradient descent's 2; the factor 2 lost; the edge
    1 + 1/β of |β(1 − αh)| < 1; αh = 1, where the effective momentum vanishes; 2/(1 + 2β).
``check_nesterov_to_torch`` (the PyTorch state (Θ, b) of the physics state (θ, v))
    Θ = θ + v (β forgotten); Θ = θ − βv; Θ = θ + βθ (the look-ahead applied to θ instead of v); b = v/α (sign);
    Θ = θ; b = −v (α forgotten); b = −αv; b = v; the outputs swapped; θ and v, or α and β, exchanged in the
    def line.
``check_tuned_contraction`` (the worst spectral radius of k steps of tuned Nesterov, ρᵏ)
    ρ instead of ρᵏ (β and βᵏ confused); the momentum β* or β*ᵏ instead of the rate; heavy ball's rate;
    the standard tuning's rate 1 − 1/√κ; ρ^(k−1); κ and k exchanged. An answer within 1e-4 of ρᵏ (rounded, or
    from numerical eigenvalues, which resolve the double root at h = μ only to about √ε) gets a hint.

When both outputs of a two-output function are wrong, the two messages are joined by "Also, ".

>>> from minimopt.exercises import check_nesterov_max_step
>>> check_nesterov_max_step(lambda beta: 2 * (1 + beta) / (1 + 2 * beta))
'pass'
>>> check_nesterov_max_step(lambda beta: 2 * (1 + beta)).startswith("2(1 + β) is heavy ball's boundary")
True
"""

from __future__ import annotations

import math

import numpy as np

from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, Exercise

__all__ = ["check_nesterov_step", "check_nesterov_max_step", "check_nesterov_to_torch", "check_tuned_contraction"]


def _component_message(values, cases, mistakes, expected, what, who):
    """The message for one wrong component: a named mistake, else the first case where it differs.

    Parameters
    ----------
    values : list of float
        The student's numbers for this component, one per case.
    cases : list of tuple
        The cases, in the order of ``values`` (the mistakes' formulas take them as arguments).
    mistakes : sequence of (callable, str)
        Catalogued mistakes for this component.
    expected : list of float
        The right numbers.
    what : str
        The component's name in the message (``"the new velocity"``).
    who : list of str
        How each case's call is written in the message.

    Returns
    -------
    str or None
        None if the component is right in every case.
    """
    if _checking.all_close(values, expected):
        return None
    with np.errstate(all="ignore"):
        named = _checking.known_mistake(values, cases, mistakes, _checking.close)
    if named is not None:
        return named
    index = next(_checking.differences(values, expected, lambda v, w: not _checking.close(v, w)))
    return f"{what} is wrong for {who[index]}: {_checking.describe_mismatch(values[index], expected[index])}"


def _joined(messages):
    """Two components' messages as one text: the second starts a new sentence after "Also, "."""
    return messages[0] if len(messages) == 1 else f"{messages[0]} Also, {messages[1]}"


def _swapped_message(student_values, cases, reference, name, swaps):
    """The message for an answer that is right with two named parameters exchanged, else ``None``.

    ``_checking.swapped_arguments`` handles 2 or 3 parameters; these functions take 4 or 5, so the usual
    exchanges are tried one by one. ``swaps`` holds ``(i, j, "alpha, beta")``: positions and their names.
    """
    for i, j, names in swaps:
        def exchanged(case, i=i, j=j):
            case = list(case)
            case[i], case[j] = case[j], case[i]
            return tuple(case)
        try:
            with np.errstate(all="ignore"):
                wants = [reference(*exchanged(case)) for case in cases]
        except Exception:  # a case outside the reference's domain once exchanged
            continue
        if all(_checking.all_close(list(got), list(want)) for got, want in zip(student_values, wants)):
            first, second = names.split(", ")
            return (f"{name} computes the right answer with {first} and {second} exchanged: check the order of "
                    f"the parameters in your def line and in the formula, {name}(... {names} ...).")
    return None


# ---------------------------------------------------------------------------------------------------------
# one Nesterov step
# ---------------------------------------------------------------------------------------------------------
_GRADIENTS = (
    ("∇L(x) = 4x", lambda x: 4.0 * x),
    ("∇L(x) = x³ − x", lambda x: x**3 - x),
    ("∇L(x) = sin x + x", lambda x: math.sin(x) + x),
)
_STEP_CASES = ((1.0, 0.5, 0.1, 0.9, 0), (-0.8, 0.3, 0.05, 0.5, 1), (2.0, -0.7, 0.2, 0.75, 2), (0.3, 0.9, 0.1, 0.6, 1))


def _reference_nesterov_step(theta, v, grad, alpha, beta):
    """v ← βv − α∇L(θ + βv), θ ← θ + v: returns ``(theta_new, v_new)``."""
    v_new = beta * v - alpha * grad(theta + beta * v)
    return theta + v_new, v_new


def _step_draw(rng):
    return (float(rng.uniform(-2, 2)), float(rng.uniform(-1, 1)), float(rng.uniform(0.01, 0.3)),
            float(rng.uniform(0.3, 0.95)), int(rng.integers(len(_GRADIENTS))))


def _velocity_mistakes():
    def gradient_at(point):
        return lambda th, v, a, b, k: b * v - a * _GRADIENTS[k][1](point(th, v, b))
    return (
        (gradient_at(lambda th, v, b: th),
         "your velocity takes the gradient at θ: that is heavy ball. Nesterov looks ahead first and takes it at "
         "θ + βv, where the momentum alone would carry the parameters."),
        (gradient_at(lambda th, v, b: th + b * th),
         "your velocity takes the gradient at θ + βθ: the look-ahead is applied to θ instead of v. The point "
         "ahead is where the momentum carries θ, θ + βv."),
        (gradient_at(lambda th, v, b: th + v),
         "your velocity takes the gradient at θ + v: the look-ahead lost its β. The momentum step is βv, so the "
         "gradient is taken at θ + βv."),
        (lambda th, v, a, b, k: b * v + a * _GRADIENTS[k][1](th + b * v),
         "your velocity adds the gradient: v ← βv + α∇L goes uphill. Subtract it: v ← βv − α∇L(θ + βv)."),
    )


def _theta_mistakes():
    # Judged against the student's own new velocity vs (the last entry of each case), so that a wrong velocity
    # is reported once.
    return (
        (lambda th, v, a, b, k, vs: th + v,
         "your new θ moves with the old velocity v: update v first, then θ ← θ + v with the new velocity."),
        (lambda th, v, a, b, k, vs: th + b * v + vs,
         "your new θ is θ + βv + v_new: you added the look-ahead to θ. The look-ahead point is only where the "
         "gradient is taken; θ itself moves by the new velocity, θ ← θ + v_new."),
    )


@_checking.returns_student_errors
def check_nesterov_step(student_function, *, seed=None):
    """Check ``nesterov_step(theta, v, grad, alpha, beta) -> (theta_new, v_new)`` (numbers, ``grad`` a function).

    One step of Nesterov's method in the physics form, from the parameter ``theta`` with velocity ``v``, where
    ``grad`` is the gradient of the loss.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_STEP_CASES) + _checking.random_cases(_step_draw, seed)
    who, got = [], []
    for th, v, a, b, k in cases:
        call = f"nesterov_step({th:.6g}, {v:.6g}, grad, {a:.6g}, {b:.6g}) with {_GRADIENTS[k][0]}"
        out = _checking.call(student_function, (th, v, _GRADIENTS[k][1], a, b), call)
        got.append(_checking.as_numbers(out, 2, call))
        who.append(call)
    expected = [_reference_nesterov_step(th, v, _GRADIENTS[k][1], a, b) for th, v, a, b, k in cases]
    thetas, vs = [g[0] for g in got], [g[1] for g in got]
    if _checking.all_close(thetas, [e[0] for e in expected]) and _checking.all_close(vs, [e[1] for e in expected]):
        return PASS
    if _checking.all_close(thetas, [e[1] for e in expected]) and _checking.all_close(vs, [e[0] for e in expected]):
        return "your values are right but swapped: return (theta_new, v_new), the parameters first."
    swapped = _swapped_message(
        got, [(th, v, _GRADIENTS[k][1], a, b) for th, v, a, b, k in cases], _reference_nesterov_step,
        "nesterov_step", ((0, 1, "theta, v"), (3, 4, "alpha, beta")))
    if swapped is not None:
        return swapped
    with_v = [case + (v_student,) for case, v_student in zip(cases, vs)]
    consistent = [th + v_student for (th, *_), v_student in zip(cases, vs)]   # θ + the student's v_new
    messages = [m for m in (_component_message(vs, cases, _velocity_mistakes(), [e[1] for e in expected],
                                               "the new velocity", who),
                            _component_message(thetas, with_v, _theta_mistakes(), consistent,
                                               "the new theta (which must be theta + v_new)", who))
                if m is not None]
    return _joined(messages)


# ---------------------------------------------------------------------------------------------------------
# Nesterov's stability boundary
# ---------------------------------------------------------------------------------------------------------
_MAX_STEP_CASES = ((0.1,), (0.5,), (0.9,), (0.99,), (0.25,))


def _reference_nesterov_max_step(beta):
    """The supremum of αh with Nesterov (ℓ = 1) convergent on L = hθ²/2, for 0 ≤ β < 1: 2(1 + β)/(1 + 2β)."""
    return 2 * (1 + beta) / (1 + 2 * beta)


_MAX_STEP_MISTAKES = (
    (lambda b: 2 * (1 + b),
     "2(1 + β) is heavy ball's boundary, not Nesterov's. On L = hθ²/2 Nesterov is heavy ball with the "
     "effective momentum β(1 − αh), so the condition p(−1) > 0 reads αh < 2(1 + β(1 − αh)): solve it for αh."),
    (lambda b: 2.0,
     "2 is gradient descent's boundary (αh < 2): it ignores β. Solve p(−1) = 1 + (1 + 2β)(1 − αh) > 0 for αh."),
    (lambda b: (1 + b) / (1 + 2 * b),
     "you lost a factor 2: p(−1) = 1 + (1 + 2β)(1 − αh) > 0 gives αh < 1 + 1/(1 + 2β) = 2(1 + β)/(1 + 2β)."),
    (lambda b: 1 + 1 / b,
     "1 + 1/β is where the effective momentum β(1 − αh) reaches −1; the root z = −1 crosses the unit circle "
     "earlier, where p(−1) = 1 + (1 + 2β)(1 − αh) = 0."),
    (lambda b: 1.0,
     "αh = 1 is where the effective momentum β(1 − αh) vanishes, the middle of the region, not its edge: "
     "Nesterov still converges beyond it, up to where p(−1) = 1 + (1 + 2β)(1 − αh) = 0."),
    (lambda b: 2 / (1 + 2 * b),
     "2/(1 + 2β) is too small: from p(−1) = 1 + (1 + 2β)(1 − αh) > 0, αh < 1 + 1/(1 + 2β) = 2(1 + β)/(1 + 2β)."),
)


def _max_step_draw(rng):
    return (float(rng.uniform(0.05, 0.98)),)


@_checking.returns_student_errors
def check_nesterov_max_step(student_function, *, seed=None):
    """Check ``nesterov_max_step(beta)``: the largest stable αh of Nesterov's method on a quadratic.

    The supremum of αh for which Nesterov's method (ℓ = 1) with momentum ``beta`` converges on L = hθ²/2 from
    every start, for 0 < β < 1.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_MAX_STEP_CASES) + _checking.random_cases(_max_step_draw, seed)
    return _checking.check_function(student_function, "nesterov_max_step", cases, _reference_nesterov_max_step,
                                    _MAX_STEP_MISTAKES)


# ---------------------------------------------------------------------------------------------------------
# the PyTorch state of the physics state
# ---------------------------------------------------------------------------------------------------------
_TORCH_CASES = ((1.0, -0.2, 0.1, 0.9), (0.5, 0.3, 0.05, 0.5), (-2.0, 0.8, 0.2, 0.75), (0.7, -0.4, 0.01, 0.99))


def _reference_nesterov_to_torch(theta, v, alpha, beta):
    """PyTorch's ``nesterov=True`` parameters and buffer of the physics state: (θ + βv, −v/α)."""
    return theta + beta * v, -v / alpha


def _torch_draw(rng):
    return (float(rng.uniform(-2, 2)), float(rng.uniform(-1, 1)), float(rng.uniform(0.01, 0.3)),
            float(rng.uniform(0.3, 0.95)))


_THETA_T_MISTAKES = (
    (lambda th, v, a, b: th + v,
     "Θ = θ + v: the β is missing. PyTorch's parameters are the look-ahead points of the physics form, "
     "Θ = θ + βv, where the gradient is taken."),
    (lambda th, v, a, b: th - b * v,
     "Θ = θ − βv has the wrong sign: the look-ahead goes where the momentum carries θ, Θ = θ + βv."),
    (lambda th, v, a, b: th + b * th,
     "Θ = θ + βθ applies the look-ahead to θ instead of v: Θ = θ + βv."),
    (lambda th, v, a, b: th,
     "Θ = θ: PyTorch's parameters are not the physics θ but the look-ahead points Θ = θ + βv."),
)
_BUFFER_MISTAKES = (
    (lambda th, v, a, b: v / a,
     "b = v/α has the wrong sign: PyTorch subtracts lr·(g + μb) while the physics form adds v, so b = −v/α."),
    (lambda th, v, a, b: -v,
     "b = −v: the buffer accumulates gradients, b ← μb + g, while v ← βv − αg carries the factor α: b = −v/α."),
    (lambda th, v, a, b: -a * v,
     "b = −αv: the factor α belongs in the denominator, v = −α·b, so b = −v/α."),
    (lambda th, v, a, b: v,
     "b = v: the buffer is the velocity divided by −α, b = −v/α."),
)


@_checking.returns_student_errors
def check_nesterov_to_torch(student_function, *, seed=None):
    """Check ``nesterov_to_torch(theta, v, alpha, beta) -> (Theta, b)``: the state of PyTorch's Nesterov.

    A run of ``mo.Nesterov(alpha, beta)`` is at ``theta`` with velocity ``v``; the answer is the parameters and the
    momentum buffer that ``torch.optim.SGD(lr=alpha, momentum=beta, nesterov=True)`` holds at the same point of
    the same run.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_TORCH_CASES) + _checking.random_cases(_torch_draw, seed)
    who = [f"nesterov_to_torch({_checking.format_args(case)})" for case in cases]
    got = [_checking.as_numbers(_checking.call(student_function, case, w), 2, w) for case, w in zip(cases, who)]
    expected = [_reference_nesterov_to_torch(*case) for case in cases]
    Ths, bs = [g[0] for g in got], [g[1] for g in got]
    want_T, want_b = [e[0] for e in expected], [e[1] for e in expected]
    if _checking.all_close(Ths, want_T) and _checking.all_close(bs, want_b):
        return PASS
    if _checking.all_close(Ths, want_b) and _checking.all_close(bs, want_T):
        return "your values are right but swapped: return (Theta, b), the parameters first."
    swapped = _swapped_message(got, cases, _reference_nesterov_to_torch, "nesterov_to_torch",
                               ((0, 1, "theta, v"), (2, 3, "alpha, beta")))
    if swapped is not None:
        return swapped
    messages = [m for m in (_component_message(Ths, cases, _THETA_T_MISTAKES, want_T, "Theta", who),
                            _component_message(bs, cases, _BUFFER_MISTAKES, want_b, "the buffer b", who))
                if m is not None]
    return _joined(messages)


# ---------------------------------------------------------------------------------------------------------
# the contraction of k tuned steps
# ---------------------------------------------------------------------------------------------------------
_CONTRACTION_CASES = ((100.0, 10), (25.0, 1), (1000.0, 50), (4.0, 3), (100.0, 100))


def _rate(kappa):
    return 1 - 2 / math.sqrt(3 * kappa + 1)


def _reference_tuned_contraction(kappa, k):
    """The worst spectral radius over h in [μ, L] of k steps of tuned Nesterov: (1 − 2/√(3κ + 1))ᵏ."""
    return (1 - 2 / math.sqrt(3 * kappa + 1)) ** k


def _beta_opt(kappa):
    q = math.sqrt(3 * kappa + 1)
    return (q - 2) / (q + 2)


_CONTRACTION_MISTAKES = (
    (lambda kappa, k: _rate(kappa),
     "you returned the rate of one step, ρ = 1 − 2/√(3κ + 1), not of k steps: the k-step map is the k-th power "
     "of the one-step map, and its spectral radius is ρᵏ (do not confuse ρ with ρᵏ)."),
    (lambda kappa, k: _beta_opt(kappa) ** k,
     "you raised the momentum β* = (√(3κ+1) − 2)/(√(3κ+1) + 2) to the k-th power: β is a coefficient of the "
     "method, not its rate. The rate per step is ρ = 1 − 2/√(3κ + 1); k steps contract by ρᵏ."),
    (lambda kappa, k: _beta_opt(kappa),
     "you returned the momentum β*: it is neither the rate nor its k-th power. The rate is "
     "ρ = 1 − 2/√(3κ + 1) per step, ρᵏ for k steps."),
    (lambda kappa, k: ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** k,
     "((√κ − 1)/(√κ + 1))ᵏ is heavy ball's tuned contraction. Tuned Nesterov is slower on quadratics: "
     "ρ = 1 − 2/√(3κ + 1) per step."),
    (lambda kappa, k: (1 - 1 / math.sqrt(kappa)) ** k,
     "(1 − 1/√κ)ᵏ is the contraction of the standard tuning α = 1/L, β = (√κ − 1)/(√κ + 1). The tuning of "
     "Lessard, Recht & Packard (α = 4/(3L + μ)) does better: ρ = 1 − 2/√(3κ + 1)."),
    (lambda kappa, k: _rate(kappa) ** (k - 1),
     "you returned ρ^(k−1): k steps apply the one-step map k times, ρᵏ."),
)


def _contraction_draw(rng):
    return (float(rng.uniform(2.0, 500.0)), int(rng.integers(2, 60)))


@_checking.returns_student_errors
def check_tuned_contraction(student_function, *, seed=None):
    """Check ``tuned_contraction(kappa, k)``: the worst contraction of k steps of tuned Nesterov.

    The largest spectral radius, over the curvatures h ∈ [μ, L] with condition number ``kappa`` = L/μ, of the
    iteration matrix of ``k`` steps of Nesterov's method with the chapter's tuning of α and β.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = list(_CONTRACTION_CASES) + _checking.random_cases(_contraction_draw, seed)
    return _checking.check_function(student_function, "tuned_contraction", cases, _reference_tuned_contraction,
                                    _CONTRACTION_MISTAKES, signature="kappa, k", explain=_contraction_hint)


def _contraction_hint(case, value, want):
    """A hint for an answer within 1e-4 of the right one: rounded, or a numerical eigenvalue computation."""
    if not (math.isfinite(value) and abs(value - want) <= 1e-4 * abs(want)):
        return ""
    return (" You are within 1e-4 but the checker asks for 1e-6. If you rounded, return the unrounded number. If "
            "you computed eigenvalues numerically: at h = μ the tuned matrix has a double eigenvalue, which "
            "floating point resolves only to about √ε ≈ 1e-8, an error that the k-th power multiplies by k; "
            "use the closed form of the rate instead.")


EXERCISES = (
    Exercise(label="ex-nesterov-1", function="nesterov_step", signature="theta, v, grad, alpha, beta",
             checker=check_nesterov_step, solution=_reference_nesterov_step),
    Exercise(label="ex-nesterov-2", function="nesterov_max_step", signature="beta",
             checker=check_nesterov_max_step, solution=_reference_nesterov_max_step),
    Exercise(label="ex-nesterov-3", function="nesterov_to_torch", signature="theta, v, alpha, beta",
             checker=check_nesterov_to_torch, solution=_reference_nesterov_to_torch),
    Exercise(label="ex-nesterov-4", function="tuned_contraction", signature="kappa, k",
             checker=check_tuned_contraction, solution=_reference_tuned_contraction),
)
