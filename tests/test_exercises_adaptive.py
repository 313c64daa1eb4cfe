"""The checkers of chapter 5 (``minimopt.exercises.adaptive``): right answers pass for several seeds, each
catalogued mistake gets its own message, and nothing a student returns makes a checker raise or hang."""

import math
import time

import numpy as np
import pytest

import minimopt as mo
from minimopt.exercises import _checking
from minimopt.exercises import adaptive as ex

SEEDS = (0, 1, 2, 17, 12345)


def assert_explained(message, words):
    """The checker did not pass the wrong answer, and its message contains each of ``words``."""
    assert message != "pass"
    for word in words:
        assert word in message, (word, message)


def test_checkers_are_exported_and_listed():
    for name in ex.__all__:
        assert name.startswith("check_")
        assert getattr(mo.exercises, name) is getattr(ex, name)
    assert len(ex.EXERCISES) >= 3
    assert [e.label for e in ex.EXERCISES] == ["ex-adaptive-1", "ex-adaptive-2", "ex-adaptive-3"]
    assert {e.checker.__name__ for e in ex.EXERCISES} == set(ex.__all__)


@pytest.mark.parametrize("exercise", ex.EXERCISES, ids=lambda e: e.function)
@pytest.mark.parametrize("seed", SEEDS)
def test_reference_solutions_pass(exercise, seed):
    assert exercise.checker(exercise.solution, seed=seed) == "pass"


# ---------------------------------------------------------------------------------------------------------
# check_adam_update
# ---------------------------------------------------------------------------------------------------------
def adam_via_minimopt(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """One step of mo.Adam from the given state: an independent reference (the torch-checked kernel)."""
    opt = mo.Adam(lr=lr, betas=(beta1, beta2), eps=eps)
    state = opt.init(np.array([theta]))
    state["exp_avg"][0], state["exp_avg_sq"][0] = m, v
    state.scalars[0] = t - 1
    new, state = opt.step(np.array([theta]), np.array([grad]), state)
    return new[0], state["exp_avg"][0], state["exp_avg_sq"][0]


@pytest.mark.parametrize("seed", SEEDS)
def test_adam_update_via_minimopt_passes(seed):
    assert mo.exercises.check_adam_update(adam_via_minimopt, seed=seed) == "pass"


def test_adam_update_reference_equals_minimopt():
    """The reference solution is torch's update: it equals mo.Adam (checked against torch) to rounding."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        case = ex._draw_adam(rng)
        np.testing.assert_allclose(ex._reference_adam_update(*case), adam_via_minimopt(*case), rtol=1e-13,
                                   atol=1e-15)  # float64 reassociation of the same formula: a few ulps


def adam_numpy_array(theta, grad, m, v, t, lr, beta1, beta2, eps):
    return np.array(ex._reference_adam_update(theta, grad, m, v, t, lr, beta1, beta2, eps))


def test_adam_update_accepts_arrays_and_lists():
    assert mo.exercises.check_adam_update(adam_numpy_array) == "pass"
    assert mo.exercises.check_adam_update(lambda *c: list(ex._reference_adam_update(*c))) == "pass"


def _mistake(**switches):
    return lambda *c: ex._adam(*c, **switches)


@pytest.mark.parametrize("student, words", [
    (_mistake(correct_m=False, correct_v=False), ["bias correction is missing"]),
    (_mistake(correct_v=False), ["only m is bias-corrected"]),
    (_mistake(correct_m=False), ["only v is bias-corrected"]),
    (_mistake(eps_inside=True), ["inside the square root"]),
    (_mistake(square=False), ["instead of g**2"]),
    (lambda th, g, m, v, t, lr, b1, b2, eps: ex._reference_adam_update(th, g, m, v, t, lr, b2, b1, eps),
     ["swapped"]),
    (lambda th, g, m, v, t, lr, b1, b2, eps: ex._reference_adam_update(th, g, m, v, t - 1, lr, b1, b2, eps),
     ["uses t - 1"]),
    (lambda th, g, m, v, t, lr, b1, b2, eps: ex._reference_adam_update(th, g, m, v, t + 1, lr, b1, b2, eps),
     ["uses t + 1"]),
    (_mistake(store_corrected=True), ["corrected moments", "new state"]),
    (_mistake(eps_hat=True), ["epsilon hat"]),
    (lambda *c: (lambda th, m, v: (th, v, m))(*ex._reference_adam_update(*c)), ["wrong order"]),
    (lambda *c: (lambda th, m, v: (2 * c[0] - th, m, v))(*ex._reference_adam_update(*c)), ["uphill"]),
])
def test_adam_update_mistakes_are_named(student, words):
    assert_explained(mo.exercises.check_adam_update(student), words)


def test_adam_update_each_mistake_has_its_own_message():
    messages = [mo.exercises.check_adam_update(formula) for formula, _ in ex._ADAM_MISTAKES]
    assert messages == [message for _, message in ex._ADAM_MISTAKES]
    assert len(set(messages)) == len(messages)


def test_adam_update_unknown_mistake_shows_the_case():
    def twice_lr(th, g, m, v, t, lr, b1, b2, eps):
        return ex._reference_adam_update(th, g, m, v, t, 2 * lr, b1, b2, eps)

    message = mo.exercises.check_adam_update(twice_lr)
    assert message.startswith("adam_update(") and "entry 0" in message and "expected" in message


def test_adam_update_wrong_only_on_random_cases_is_caught():
    """An answer that is right on the fixed cases only (a table) fails on the random ones."""
    table = {case: ex._reference_adam_update(*case) for case in ex._ADAM_FIXED}
    message = mo.exercises.check_adam_update(lambda *c: table.get(c, (0.0, 0.0, 0.0)))
    assert message != "pass" and "expected" in message


# ---------------------------------------------------------------------------------------------------------
# check_first_step_uncorrected
# ---------------------------------------------------------------------------------------------------------
def test_first_step_matches_derive_and_a_measured_step():
    import sympy as sp

    d = mo.derive
    ratio = sp.lambdify((d.beta1, d.beta2), d.adam_first_step().ratio)
    assert mo.exercises.check_first_step_uncorrected(lambda lr, b1, b2: lr * ratio(b1, b2)) == "pass"
    opt = mo.Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-12, bias_correction=False)
    theta, _ = opt.step(np.zeros(1), np.array([3.0]), opt.init(np.zeros(1)))
    assert math.isclose(abs(theta[0]), ex._reference_first_step_uncorrected(1e-3, 0.9, 0.999), rel_tol=1e-9)


@pytest.mark.parametrize("index", range(len(ex._FIRST_MISTAKES)))
def test_first_step_mistakes_are_named(index):
    formula, message = ex._FIRST_MISTAKES[index]
    assert mo.exercises.check_first_step_uncorrected(formula) == message


def test_first_step_messages_are_distinct_and_specific():
    messages = [m for _, m in ex._FIRST_MISTAKES]
    assert len(set(messages)) == len(messages)
    assert_explained(mo.exercises.check_first_step_uncorrected(lambda lr, b1, b2: lr), ["*with* bias correction"])
    assert_explained(mo.exercises.check_first_step_uncorrected(lambda lr, b1, b2: lr * (1 - b1) / (1 - b2)),
                     ["square root"])
    size = ex._reference_first_step_uncorrected
    assert_explained(mo.exercises.check_first_step_uncorrected(lambda lr, b1, b2: size(1.0, b1, b2)),
                     ["multiply by lr"])
    assert_explained(mo.exercises.check_first_step_uncorrected(lambda lr, b1, b2: -size(lr, b1, b2)),
                     ["positive number"])


# ---------------------------------------------------------------------------------------------------------
# check_adagrad_effective_lr
# ---------------------------------------------------------------------------------------------------------
def test_adagrad_effective_lr_matches_minimopt_runs():
    """The reference is what mo.Adagrad does: step t of a constant gradient g is −η_t g."""
    for lr, g in ((0.3, -2.0), (0.01, 5.0)):
        opt, theta = mo.Adagrad(lr=lr, eps=1e-300), np.zeros(1)
        state = opt.init(theta)
        for t in range(1, 30):
            new, state = opt.step(theta, np.array([g]), state)
            assert math.isclose(new[0] - theta[0], -ex._reference_adagrad_effective_lr(lr, g, t) * g,
                                rel_tol=1e-12)
            theta = new


@pytest.mark.parametrize("index", range(len(ex._ADAGRAD_MISTAKES)))
def test_adagrad_mistakes_are_named(index):
    formula, message = ex._ADAGRAD_MISTAKES[index]
    assert mo.exercises.check_adagrad_effective_lr(formula) == message


def test_adagrad_multiplying_by_abs_g_is_named():
    message = mo.exercises.check_adagrad_effective_lr(lambda lr, g, t: lr * abs(g) / math.sqrt(t))
    assert_explained(message, ["multiplied by |g|"])


def test_adagrad_numpy_and_sympy_answers_pass():
    import sympy as sp

    eff = sp.lambdify((mo.derive.lr, sp.Symbol("g", real=True, nonzero=True), mo.derive.t_step),
                      mo.derive.adagrad_constant_gradient().effective_lr)
    assert mo.exercises.check_adagrad_effective_lr(lambda lr, g, t: np.float64(eff(lr, g, t))) == "pass"
    assert mo.exercises.check_adagrad_effective_lr(lambda lr, g, t: np.array([eff(lr, g, t)])) == "pass"


# ---------------------------------------------------------------------------------------------------------
# robustness: exceptions, hangs, None, strings, wrong lengths
# ---------------------------------------------------------------------------------------------------------
CHECKERS = [ex.check_adam_update, ex.check_first_step_uncorrected, ex.check_adagrad_effective_lr]


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_exception_none_and_string_give_messages(checker):
    assert "raised ZeroDivisionError" in checker(lambda *a: 1 / 0)
    assert "called sys.exit(3)" in checker(lambda *a: exec("raise SystemExit(3)"))
    assert "forget the return" in checker(lambda *a: None)
    expected = "expected a tuple of 3 numbers" if checker is ex.check_adam_update else "the string '0.1'"
    assert expected in checker(lambda *a: "0.1")
    assert "expected a function" in checker(3.0)


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_wrong_length_gives_a_message(checker):
    message = checker(lambda *a: (1.0, 2.0))
    assert message != "pass" and ("expected 3 numbers" in message or "expected a single number" in message)


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_a_hang_is_stopped(checker, monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)

    def forever(*args):
        while True:
            pass

    start = time.perf_counter()
    message = checker(forever)
    assert "did not return within 0.2 s" in message
    assert time.perf_counter() - start < 5  # one case times out, then the checker stops


def test_nan_answer_gives_a_message():
    assert "finite" in mo.exercises.check_adagrad_effective_lr(lambda lr, g, t: math.nan)
    assert "finite" in mo.exercises.check_adam_update(lambda *c: (math.nan, 0.0, 0.0))
