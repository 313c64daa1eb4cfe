"""The checkers of chapter 2's exercises: references pass for every seed, each catalogued mistake gets its own
message, and nothing a student returns (an exception, a hang, None, a string, a wrong length) makes them raise."""

import math
import time

import numpy as np
import pytest

import minimopt as mo
from minimopt.exercises import _checking
from minimopt.exercises import sde as ex

CHECKERS = {e.function: e.checker for e in ex.EXERCISES}


def test_checkers_are_collected_and_every_exercise_is_listed():
    for name in ex.__all__:
        assert getattr(mo.exercises, name) is getattr(ex, name)
        assert name in mo.exercises.__all__
    assert [e.label for e in ex.EXERCISES] == ["ex-sde-1", "ex-sde-2", "ex-sde-3", "ex-sde-4"]
    assert {e.checker for e in ex.EXERCISES} == {getattr(ex, name) for name in ex.__all__}


@pytest.mark.parametrize("exercise", ex.EXERCISES, ids=lambda e: e.function)
@pytest.mark.parametrize("seed", [None, 1, 2, 12345])
def test_reference_solutions_pass_for_every_seed(exercise, seed):
    assert exercise.checker(exercise.solution, seed=seed) == "pass"


def test_references_agree_with_the_derivations():
    # The checkers' formulas against minimopt.derive (SymPy), at numbers.
    from minimopt import derive
    from minimopt.derive import sde
    fp = derive.fokker_planck_stationary()
    assert fp.temperature.subs(derive.sigma, 0.7) / 2.0 == pytest.approx(ex._reference_stationary_variance(2.0, 0.7))
    sgd = derive.sgd_stationary_variance()
    value = float(sgd.variance.subs({sde.eta: 0.3, derive.h: 4.0, sde.s: 1.5}))
    assert value == pytest.approx(ex._reference_sgd_variance(0.3, 4.0, 1.5), rel=1e-14)
    nst = derive.noise_scale_temperature()
    eta_new = [sym for sym in nst.batch_for_lr.free_symbols if sym.name == r"\eta'"][0]
    assert float(nst.batch_for_lr.subs({sde.eta: 0.1, sde.B: 32, eta_new: 0.3})) == pytest.approx(96.0)
    ar = derive.arrhenius_escape()
    t1 = ar.time_beyond_barrier.subs({sde.barrier: 0.4, derive.sigma: 0.8})
    t2 = ar.time_beyond_barrier.subs({sde.barrier: 0.4, derive.sigma: 0.6})
    assert float(t2 / t1) == pytest.approx(ex._reference_escape_ratio(0.4, 0.8, 0.6), rel=1e-12)


def test_the_sgd_reference_is_the_variance_of_simulated_sgd():
    # An independent route: the sample variance of a long SGD run with Gaussian gradient noise (mo.minimize).
    lr, h, s, steps = 0.5, 2.0, 1.0, 400_000
    traj = mo.minimize(mo.SGD(lr=lr), mo.problems.Quadratic(np.array([[h]])), np.zeros(1), steps, noise=s, seed=3)
    v = ex._reference_sgd_variance(lr, h, s)
    # lag-1 correlation 1 - lr h = 0 here: the iterates are independent, SE of the variance = v sqrt(2/N)
    assert abs(np.var(traj.params[1000:, 0]) - v) < 4 * v * math.sqrt(2 / steps)


# Each catalogued mistake: (checker, wrong answer, words its message must contain). Pinned one by one.
MISTAKES = [
    ("stationary_variance", lambda h, sigma: sigma**2 / h, ["exp(-L/sigma^2)", "factor 2 in the exponent"]),
    ("stationary_variance", lambda h, sigma: sigma / (2 * h), ["its square sigma^2"]),
    ("stationary_variance", lambda h, sigma: 2 * h / sigma**2, ["precision"]),
    ("stationary_variance", lambda h, sigma: sigma**2 / 2, ["temperature T", "T/h"]),
    ("stationary_variance", lambda h, sigma: sigma**2 / (4 * h), ["exp(-x^2/(2 var))"]),
    ("sgd_variance", lambda lr, h, s: lr * s**2 / (2 * h), ["forgot the 2 - lr*h", "SDE"]),
    ("sgd_variance", lambda lr, h, s: lr * s**2 / h, ["(1 - lr*h)^2 per step"]),
    ("sgd_variance", lambda lr, h, s: lr**2 * s**2 / (h * (2 - lr * h)), ["one factor lr too many"]),
    ("sgd_variance", lambda lr, h, s: s**2 / (h * (2 - lr * h)), ["one factor lr too few"]),
    ("sgd_variance", lambda lr, h, s: lr * s / (h * (2 - lr * h)), ["s instead of s^2"]),
    ("sgd_variance", lambda lr, h, s: lr * s**2 / (h * (2 + lr * h)), ["2 + lr*h instead of 2 - lr*h"]),
    ("batch_for_temperature", lambda lr, b, new: b * lr / new, ["B instead of 1/B"]),
    ("batch_for_temperature", lambda lr, b, new: b * (new / lr) ** 2, ["square-root rule"]),
    ("batch_for_temperature", lambda lr, b, new: b, ["unchanged"]),
    ("batch_for_temperature", lambda lr, b, new: b * math.sqrt(new / lr), ["lr/B^2"]),
    ("escape_time_ratio", lambda d, s1, s2: math.exp(d * (1 / s2**2 - 1 / s1**2)), ["factor 2 in the exponent"]),
    ("escape_time_ratio", lambda d, s1, s2: math.exp(2 * d * (1 / s1**2 - 1 / s2**2)), ["upside down"]),
    ("escape_time_ratio", lambda d, s1, s2: math.exp(2 * d * (1 / s2 - 1 / s1)), ["1/sigma instead of 1/sigma^2"]),
    ("escape_time_ratio", lambda d, s1, s2: math.exp(d * (1 / s2 - 1 / s1)), ["both the factor 2 and the square"]),
]


@pytest.mark.parametrize("name, answer, words", MISTAKES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)])
def test_each_catalogued_mistake_gets_its_own_message(name, answer, words):
    message = CHECKERS[name](answer)
    assert message != "pass"
    for word in words:
        assert word in message, (word, message)


def test_the_messages_of_the_mistakes_are_all_different():
    messages = [CHECKERS[name](answer) for name, answer, _ in MISTAKES]
    assert len(set(messages)) == len(messages)


def test_an_unknown_wrong_answer_names_the_first_failing_case_and_the_digits():
    message = mo.exercises.check_sgd_stationary_variance(lambda lr, h, s: 1.01 * lr * s**2 / (h * (2 - lr * h)))
    assert message.startswith("sgd_variance(0.1, 1, 1)") and "expected" in message and "differ" in message


def _args(name):
    return next(e.signature for e in ex.EXERCISES if e.function == name).count(",") + 1


@pytest.mark.parametrize("name", list(CHECKERS))
def test_bad_returns_and_exceptions_give_messages(name):
    checker, n = CHECKERS[name], _args(name)
    assert "forget the return" in checker(lambda *a: None)
    assert "string" in checker(lambda *a: "0.5")
    assert "single number" in checker(lambda *a: [1.0, 2.0])
    assert "raised ZeroDivisionError" in checker(lambda *a: 1 / 0)
    assert "SystemExit" in checker(lambda *a: exit(1))
    assert "expected a function" in checker(3.0)
    assert "raised TypeError" in checker(lambda a: a)  # wrong number of parameters
    assert n >= 2


@pytest.mark.parametrize("name", list(CHECKERS))
def test_a_hang_is_reported_within_the_time_limit(name, monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)

    def hang(*args):
        while True:
            pass

    start = time.perf_counter()
    message = CHECKERS[name](hang)
    assert "did not return within 0.2 s" in message
    assert time.perf_counter() - start < 5.0
