"""The checkers of chapter 4 (``minimopt.exercises.nesterov``): right answers pass, each catalogued mistake gets its
own message, and nothing a student returns makes a checker raise or hang."""

import math
import time

import numpy as np
import pytest

import minimopt as mo
from minimopt.exercises import _checking
from minimopt.exercises import nesterov as ex


def assert_explained(message, words):
    assert message != "pass"
    for word in words:
        assert word in message, (word, message)


def test_checkers_are_exported_and_listed():
    for name in ex.__all__:
        assert name.startswith("check_")
        assert getattr(mo.exercises, name) is getattr(ex, name)
    assert len(ex.EXERCISES) >= 3
    assert [e.label for e in ex.EXERCISES] == [f"ex-nesterov-{k}" for k in range(1, len(ex.EXERCISES) + 1)]
    assert {e.checker.__name__ for e in ex.EXERCISES} == set(ex.__all__)


@pytest.mark.parametrize("exercise", ex.EXERCISES, ids=lambda e: e.label)
@pytest.mark.parametrize("seed", [None, 1, 17, 2024])
def test_reference_solutions_pass(exercise, seed):
    assert exercise.checker(exercise.solution, seed=seed) == "pass"


# ---------------------------------------------------------------------------------------------------------
# check_nesterov_step
# ---------------------------------------------------------------------------------------------------------
def test_nesterov_step_agrees_with_the_optimizer():
    """The reference is mo.Nesterov's update: a function that calls the optimizer passes."""
    def via_minimopt(theta, v, grad, alpha, beta):
        opt = mo.Nesterov(alpha, beta)
        x = np.array([theta])
        state = opt.init(x, velocity=np.array([v]))
        point = opt.query(x, state)
        x, state = opt.step(x, np.array([grad(float(point[0]))]), state)
        return float(x[0]), float(state["velocity"][0])

    assert mo.exercises.check_nesterov_step(via_minimopt) == "pass"
    assert mo.exercises.check_nesterov_step(lambda th, v, g, a, b: np.array(ex._reference_nesterov_step(
        th, v, g, a, b))) == "pass"


def _step_with(point, theta_rule=None):
    def step(theta, v, grad, alpha, beta):
        v_new = beta * v - alpha * grad(point(theta, v, beta))
        return (theta + v_new if theta_rule is None else theta_rule(theta, v, beta, v_new)), v_new
    return step


@pytest.mark.parametrize("student, words", [
    (_step_with(lambda th, v, b: th), ["gradient at θ:", "heavy ball"]),
    (_step_with(lambda th, v, b: th + b * th), ["θ + βθ", "applied to θ instead of v"]),
    (_step_with(lambda th, v, b: th + v), ["θ + v", "lost its β"]),
    (lambda th, v, g, a, b: (th + b * v + a * g(th + b * v), b * v + a * g(th + b * v)), ["adds the gradient"]),
    (_step_with(lambda th, v, b: th + b * v, lambda th, v, b, vn: th + v), ["old velocity"]),
    (_step_with(lambda th, v, b: th + b * v, lambda th, v, b, vn: th + b * v + vn), ["added the look-ahead"]),
    (lambda th, v, g, a, b: ex._reference_nesterov_step(th, v, g, a, b)[::-1], ["swapped"]),
    (_step_with(lambda th, v, b: th + b * v, lambda th, v, b, vn: th + 2 * vn), ["the new theta", "is wrong for"]),
])
def test_nesterov_step_mistakes(student, words):
    assert_explained(mo.exercises.check_nesterov_step(student), words)


def test_nesterov_step_bad_answers():
    check = mo.exercises.check_nesterov_step
    assert "forget the return" in check(lambda th, v, g, a, b: None)
    assert "raised ZeroDivisionError" in check(lambda th, v, g, a, b: 1 / 0)
    assert "expected 2 numbers" in check(lambda th, v, g, a, b: (th, v, 0.0))
    assert "tuple of 2 numbers" in check(lambda th, v, g, a, b: "0.5, 0.1")
    assert "expected a number" in check(lambda th, v, g, a, b: ("a", v))


# ---------------------------------------------------------------------------------------------------------
# check_nesterov_max_step
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("student, words", [
    (lambda b: 2 * (1 + b), ["heavy ball's boundary"]),
    (lambda b: 2.0, ["gradient descent's boundary"]),
    (lambda b: (1 + b) / (1 + 2 * b), ["lost a factor 2"]),
    (lambda b: 1 + 1 / b, ["1 + 1/β", "reaches −1"]),
    (lambda b: 1.0, ["effective momentum", "vanishes"]),
    (lambda b: 2 / (1 + 2 * b), ["2/(1 + 2β) is too small"]),
    (lambda b: 1.5 * (1 + b) / (1 + 2 * b), ["nesterov_max_step(", "expected"]),
])
def test_nesterov_max_step_mistakes(student, words):
    assert_explained(mo.exercises.check_nesterov_max_step(student), words)


def test_nesterov_max_step_is_where_the_iteration_stops_converging():
    """The accepted answer is the measured edge: just below it a run converges, just above it does not."""
    beta = 0.7
    edge = ex._reference_nesterov_max_step(beta)
    problem = mo.problems.Quadratic(np.eye(1))
    for factor, converges in ((0.99, True), (1.01, False)):
        path = mo.minimize(mo.Nesterov(edge * factor, beta), problem, np.ones(1), 3000).params[:, 0]
        assert (path.size == 3001 and abs(path[-1]) < 1e-3) == converges


# ---------------------------------------------------------------------------------------------------------
# check_nesterov_to_torch
# ---------------------------------------------------------------------------------------------------------
def _to_torch(Theta_rule, b_rule):
    return lambda th, v, a, b: (Theta_rule(th, v, a, b), b_rule(th, v, a, b))


RIGHT_T = (lambda th, v, a, b: th + b * v)
RIGHT_B = (lambda th, v, a, b: -v / a)


@pytest.mark.parametrize("student, words", [
    (_to_torch(lambda th, v, a, b: th + v, RIGHT_B), ["β is missing"]),
    (_to_torch(lambda th, v, a, b: th - b * v, RIGHT_B), ["Θ = θ − βv"]),
    (_to_torch(lambda th, v, a, b: th + b * th, RIGHT_B), ["applies the look-ahead to θ instead of v"]),
    (_to_torch(lambda th, v, a, b: th, RIGHT_B), ["Θ = θ:"]),
    (_to_torch(RIGHT_T, lambda th, v, a, b: v / a), ["b = v/α"]),
    (_to_torch(RIGHT_T, lambda th, v, a, b: -v), ["b = −v:"]),
    (_to_torch(RIGHT_T, lambda th, v, a, b: -a * v), ["b = −αv"]),
    (_to_torch(RIGHT_T, lambda th, v, a, b: v), ["b = v:"]),
    (lambda th, v, a, b: (-v / a, th + b * v), ["swapped"]),
    (_to_torch(lambda th, v, a, b: th + b * th, lambda th, v, a, b: v / a), ["instead of v", "b = v/α"]),
])
def test_nesterov_to_torch_mistakes(student, words):
    assert_explained(mo.exercises.check_nesterov_to_torch(student), words)


def test_nesterov_to_torch_agrees_with_mo_sgd():
    """The accepted map turns a mo.Nesterov state into mo.SGD(nesterov=True)'s, step for step."""
    alpha, beta = 0.05, 0.8
    problem = mo.problems.Quadratic(np.diag([1.0, 10.0]))
    nag, sgd = mo.Nesterov(alpha, beta), mo.SGD(lr=alpha, momentum=beta, nesterov=True)
    th = Th = np.array([1.0, -1.0])
    sn, st = nag.init(th), sgd.init(Th)
    for _ in range(5):
        th, sn = nag.step(th, problem.grad(nag.query(th, sn)), sn)
        Th, st = sgd.step(Th, problem.grad(Th), st)
        for i in range(2):
            T_i, b_i = ex._reference_nesterov_to_torch(th[i], sn["velocity"][i], alpha, beta)
            assert math.isclose(T_i, Th[i], rel_tol=1e-12, abs_tol=1e-15)
            assert math.isclose(b_i, st["momentum_buffer"][i], rel_tol=1e-10, abs_tol=1e-14)


# ---------------------------------------------------------------------------------------------------------
# check_tuned_contraction
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("student, words", [
    (lambda kappa, k: 1 - 2 / math.sqrt(3 * kappa + 1), ["rate of one step", "ρ with ρᵏ"]),
    (lambda kappa, k: ex._beta_opt(kappa) ** k, ["raised the momentum"]),
    (lambda kappa, k: ex._beta_opt(kappa), ["returned the momentum β*"]),
    (lambda kappa, k: ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** k, ["heavy ball's tuned"]),
    (lambda kappa, k: (1 - 1 / math.sqrt(kappa)) ** k, ["standard tuning"]),
    (lambda kappa, k: (1 - 2 / math.sqrt(3 * kappa + 1)) ** (k - 1), ["ρ^(k−1)"]),
    (lambda kappa, k: 0.5 ** k, ["tuned_contraction(", "expected"]),
])
def test_tuned_contraction_mistakes(student, words):
    assert_explained(mo.exercises.check_tuned_contraction(student), words)


def test_tuned_contraction_is_the_spectral_radius_of_k_steps():
    """The reference against numpy: the largest spectral radius of M_h^k over a fine grid of h in [1, κ]."""
    kappa, k = 30.0, 7
    q = math.sqrt(3 * kappa + 1)
    a, b = 4 / (3 * kappa + 1), (q - 2) / (q + 2)
    worst = 0.0
    for h in np.linspace(1.0, kappa, 501):
        c = 1 - a * h
        M = np.array([[0.0, 1.0], [-b * c, (1 + b) * c]])
        worst = max(worst, max(abs(np.linalg.eigvals(np.linalg.matrix_power(M, k)))))
    assert math.isclose(worst, ex._reference_tuned_contraction(kappa, k), rel_tol=1e-6)


# ---------------------------------------------------------------------------------------------------------
# robustness: exceptions, hangs, None, strings, wrong lengths, SystemExit
# ---------------------------------------------------------------------------------------------------------
SCALAR_CHECKERS = [(mo.exercises.check_nesterov_max_step, 1), (mo.exercises.check_tuned_contraction, 2)]
PAIR_CHECKERS = [(mo.exercises.check_nesterov_step, 5), (mo.exercises.check_nesterov_to_torch, 4)]


def _with_arity(n, body):
    return {1: lambda a: body(), 2: lambda a, b: body(), 4: lambda a, b, c, d: body(),
            5: lambda a, b, c, d, e: body()}[n]


def _raise(exc):
    raise exc


@pytest.mark.parametrize("check, arity", SCALAR_CHECKERS + PAIR_CHECKERS)
def test_bad_answers_give_messages(check, arity):
    assert "raised RuntimeError" in check(_with_arity(arity, lambda: _raise(RuntimeError("boom"))))
    assert "SystemExit" in check(_with_arity(arity, lambda: _raise(SystemExit(3))))
    assert "forget the return" in check(_with_arity(arity, lambda: None))
    assert "string" in check(_with_arity(arity, lambda: "1.0")) or "tuple" in check(_with_arity(arity, lambda: "1.0"))
    assert "expected" in check(_with_arity(arity, lambda: [1.0, 2.0, 3.0]))
    assert "expected a function" in check(3.0)


@pytest.mark.parametrize("check, arity", SCALAR_CHECKERS + PAIR_CHECKERS)
def test_a_hang_is_reported(check, arity, monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)

    def forever():
        while True:
            time.sleep(0.01)

    start = time.perf_counter()
    message = check(_with_arity(arity, forever))
    assert "did not return within 0.2 s" in message
    assert time.perf_counter() - start < 5


def test_nan_and_complex_answers():
    assert "finite" in mo.exercises.check_nesterov_max_step(lambda b: float("nan"))
    assert "complex" in mo.exercises.check_tuned_contraction(lambda kappa, k: 1j)
    assert "finite" in mo.exercises.check_nesterov_to_torch(lambda th, v, a, b: (math.inf, 0.0))


# ---------------------------------------------------------------------------------------------------------
# added by the referee: exchanged parameters, two messages joined, near misses
# ---------------------------------------------------------------------------------------------------------
def _exchange(function, i, j):
    def exchanged(*args):
        args = list(args)
        args[i], args[j] = args[j], args[i]
        return function(*args)
    return exchanged


@pytest.mark.parametrize("check, reference, i, j, names", [
    (mo.exercises.check_nesterov_step, ex._reference_nesterov_step, 0, 1, "theta and v"),
    (mo.exercises.check_nesterov_step, ex._reference_nesterov_step, 3, 4, "alpha and beta"),
    (mo.exercises.check_nesterov_to_torch, ex._reference_nesterov_to_torch, 0, 1, "theta and v"),
    (mo.exercises.check_nesterov_to_torch, ex._reference_nesterov_to_torch, 2, 3, "alpha and beta"),
])
def test_exchanged_parameters_are_named(check, reference, i, j, names):
    assert_explained(check(_exchange(reference, i, j)), [f"with {names} exchanged", "def line"])


def test_tuned_contraction_exchanged_parameters():
    message = mo.exercises.check_tuned_contraction(lambda k, kappa: ex._reference_tuned_contraction(kappa, k))
    assert_explained(message, ["(k, kappa)", "def line"])


def test_two_wrong_outputs_give_two_sentences():
    message = mo.exercises.check_nesterov_to_torch(lambda th, v, a, b: (th + v, v / a))
    assert_explained(message, ["the β is missing", " Also, b = v/α has the wrong sign"])


@pytest.mark.parametrize("student", [
    lambda kappa, k: round(ex._reference_tuned_contraction(kappa, k), 4),
    # a numerical eigenvalue computation: exact up to a relative 2e-6 (the double root is ill-conditioned)
    lambda kappa, k: ex._reference_tuned_contraction(kappa, k) * (1 + 2e-6),
])
def test_tuned_contraction_near_miss_gets_the_hint(student):
    assert_explained(mo.exercises.check_tuned_contraction(student), ["within 1e-4", "double eigenvalue"])


def test_tuned_contraction_far_miss_gets_no_hint():
    message = mo.exercises.check_tuned_contraction(lambda kappa, k: k * ex._reference_tuned_contraction(kappa, k))
    assert message != "pass" and "within 1e-4" not in message
