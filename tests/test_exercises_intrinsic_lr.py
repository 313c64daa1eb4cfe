"""The checkers of chapter 6 (``minimopt.exercises.intrinsic_lr``): right answers pass, typical mistakes are
named, and nothing a student returns makes a checker raise or hang."""

import math
import time

import numpy as np
import pytest

import minimopt as mo
from minimopt import derive
from minimopt.exercises import _checking, intrinsic_lr


def equilibrium_norm(eta, lam, g_norm):
    return eta * g_norm / math.sqrt(1 - (1 - eta * lam) ** 2)


def angular_update(eta, lam):
    return math.acos(1 - eta * lam)


def lr_growth_factor(eta, lam):
    return (1 - eta * lam) ** -2


CHECKERS = (
    (mo.exercises.check_equilibrium_norm, equilibrium_norm, 3),
    (mo.exercises.check_angular_update, angular_update, 2),
    (mo.exercises.check_lr_growth_factor, lr_growth_factor, 2),
)


def test_checkers_are_exported_and_listed():
    assert set(intrinsic_lr.__all__) == {"check_equilibrium_norm", "check_angular_update", "check_lr_growth_factor"}
    for name in intrinsic_lr.__all__:
        assert getattr(mo.exercises, name) is getattr(intrinsic_lr, name)
    assert [ex.label for ex in intrinsic_lr.EXERCISES] == [f"ex-intrinsic-lr-{k}" for k in (1, 2, 3)]


@pytest.mark.parametrize("seed", [None, 0, 1, 7, 12345])
def test_reference_solutions_pass_for_several_seeds(seed):
    for ex in intrinsic_lr.EXERCISES:
        assert ex.checker(ex.solution, seed=seed) == "pass", ex.label


@pytest.mark.parametrize("checker, solution, _", CHECKERS)
def test_own_solutions_pass_also_with_numpy(checker, solution, _):
    assert checker(solution) == "pass"
    assert checker(lambda *a: np.float64(solution(*a))) == "pass"
    assert checker(lambda *a: np.array([solution(*a)])) == "pass"


def test_references_agree_with_the_derivations():
    """Independent reference: the SymPy results of derive.intrinsic_lr, evaluated numerically."""
    ne, au, ex = derive.norm_equilibrium(), derive.angular_update(), derive.exponential_lr_equivalence()
    eta = sp_symbol(ne.equilibrium, "eta")
    g2 = sp_symbol(ne.equilibrium, r"\|g\|^2")
    for e, l, g in [(0.1, 0.01, 1.0), (0.5, 1.0, 0.3), (0.3, 0.2, 2.0)]:
        sub = {eta: e, derive.lam: l, g2: g**2}
        assert equilibrium_norm(e, l, g) == pytest.approx(math.sqrt(float(ne.equilibrium.subs(sub))), rel=1e-13)
        assert angular_update(e, l) == pytest.approx(float(au.angle.subs(sub)), rel=1e-13)
        assert lr_growth_factor(e, l) == pytest.approx(float(ex.growth_factor.subs(sub)), rel=1e-13)


def sp_symbol(expr, name):
    return next(s for s in expr.free_symbols if s.name == name)


def test_references_agree_with_a_simulation():
    """Iterate the norm recursion to its fixed point and measure the angle of an exactly orthogonal step."""
    eta, lam, g = 0.2, 0.3, 1.5
    x = 1.0
    for _ in range(5000):
        x = (1 - eta * lam) ** 2 * x + eta**2 * g**2
    assert math.sqrt(x) == pytest.approx(equilibrium_norm(eta, lam, g), rel=1e-12)
    w = np.array([math.sqrt(x), 0.0])
    w_next = (1 - eta * lam) * w - eta * np.array([0.0, g])      # g ⊥ w
    cos = w @ w_next / (np.linalg.norm(w) * np.linalg.norm(w_next))
    assert math.acos(cos) == pytest.approx(angular_update(eta, lam), rel=1e-9)   # acos near 1 loses digits


# Each catalogued mistake gets its own message (pinned by a phrase only that message contains).
MISTAKES = [
    (mo.exercises.check_equilibrium_norm, lambda e, l, g: g * math.sqrt(e / l), "the decay factor is not squared"),
    (mo.exercises.check_equilibrium_norm, lambda e, l, g: g * math.sqrt(e / (2 * l)), "small-ηλ approximation"),
    (mo.exercises.check_equilibrium_norm, lambda e, l, g: equilibrium_norm(e, l, g) ** 2, "squared norm ‖w*‖²"),
    (mo.exercises.check_equilibrium_norm, lambda e, l, g: g * math.sqrt(e) / math.sqrt(1 - (1 - e * l) ** 2),
     "the power of η is off"),
    (mo.exercises.check_equilibrium_norm, lambda e, l, g: equilibrium_norm(l, e, g), "η and λ are swapped"),
    (mo.exercises.check_angular_update, lambda e, l: e * l, "ηλ is the fraction"),
    (mo.exercises.check_angular_update, lambda e, l: math.sqrt(2 * e * l), "√(2ηλ) is right to first order"),
    (mo.exercises.check_angular_update, lambda e, l: math.sqrt(e * l), "misses a factor √2"),
    (mo.exercises.check_angular_update, lambda e, l: math.acos((1 - e * l) ** 2), "factor of the squared norm"),
    (mo.exercises.check_angular_update, lambda e, l: math.degrees(math.acos(1 - e * l)), "in degrees"),
    (mo.exercises.check_angular_update, lambda e, l: 1 - e * l, "is cos θ, not θ"),
    (mo.exercises.check_lr_growth_factor, lambda e, l: 1 / (1 - e * l), "forgets one factor"),
    (mo.exercises.check_lr_growth_factor, lambda e, l: (1 - e * l) ** 2, "upside down"),
    (mo.exercises.check_lr_growth_factor, lambda e, l: 1 + 2 * e * l, "first-order approximation"),
    (mo.exercises.check_lr_growth_factor, lambda e, l: 1 - e * l, "decay factor of w itself"),
]


@pytest.mark.parametrize("checker, student, phrase", MISTAKES)
def test_each_mistake_has_its_own_message(checker, student, phrase):
    message = checker(student)
    assert phrase in message, message
    others = [p for c, _, p in MISTAKES if c is checker and p != phrase]
    assert not any(p in message for p in others), message


@pytest.mark.parametrize("checker, solution, n_args", CHECKERS)
def test_unknown_wrong_answer_names_the_case(checker, solution, n_args):
    message = checker(lambda *a: 1.01 * solution(*a))
    assert message != "pass" and "expected" in message and "relative error" in message


@pytest.mark.parametrize("checker, solution, n_args", CHECKERS)
def test_bad_answers_give_messages(checker, solution, n_args):
    def boom(*a):
        raise ZeroDivisionError("oops")

    def leave(*a):
        raise SystemExit(3)

    for bad, phrase in [(boom, "ZeroDivisionError"), (leave, "SystemExit"), (lambda *a: None, "return"),
                        (lambda *a: "0.5", "0.5"), (lambda *a: [1.0, 2.0], "[1.0, 2.0]"),
                        (lambda *a: float("nan"), "nan"), (42, "expected a function")]:
        message = checker(bad)
        assert isinstance(message, str) and message != "pass"
        assert phrase.lower() in message.lower(), (phrase, message)


def test_a_hang_is_stopped(monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)

    def hang(*a):
        while True:
            time.sleep(0.01)

    start = time.monotonic()
    message = mo.exercises.check_angular_update(hang)
    assert "did not return within" in message
    assert time.monotonic() - start < 5        # one case times out, the checker stops there


def test_wrong_number_of_parameters_gives_a_message():
    message = mo.exercises.check_equilibrium_norm(lambda eta, lam: 1.0)
    assert "TypeError" in message
