"""The checkers of chapter 7 (``minimopt.exercises.step_size_adaptation``): right answers pass for several seeds,
every catalogued mistake gets its own message, and what is not an answer is explained rather than raised."""

import time

import numpy as np
import pytest

import minimopt as mo
from minimopt.exercises import _checking, step_size_adaptation as ssa

SEEDS = (None, 1, 7, 2024)


def assert_explained(message, words):
    assert message != "pass"
    for word in words:
        assert word in message, (word, message)


def test_checkers_are_exported_and_listed():
    for name in ssa.__all__:
        assert getattr(mo.exercises, name) is getattr(ssa, name)
    assert [ex.checker for ex in ssa.EXERCISES] == [getattr(ssa, name) for name in ssa.__all__]
    assert len({ex.label for ex in ssa.EXERCISES}) == len(ssa.EXERCISES) >= 3


@pytest.mark.parametrize("exercise", ssa.EXERCISES, ids=lambda ex: ex.function)
@pytest.mark.parametrize("seed", SEEDS)
def test_reference_solutions_pass(exercise, seed):
    assert exercise.checker(exercise.solution, seed=seed) == "pass"


# ---------------------------------------------------------------------------------------------------------
# the references agree with the package and with the derivations (independent routes)
# ---------------------------------------------------------------------------------------------------------
def test_eg_reference_is_the_package_step():
    rng = np.random.default_rng(3)
    theta, grad = rng.uniform(0.1, 2.0, 6), rng.normal(size=6)
    opt = mo.ExponentiatedGradient(0.3)
    new, _ = opt.step(theta, grad, opt.init(theta))
    np.testing.assert_allclose(ssa._reference_eg_step(theta, grad, 0.3), new, rtol=1e-15)


def test_hedge_reference_sums_to_one_and_is_normalised_eg():
    w = np.array([0.1, 0.2, 0.7])
    loss = np.array([0.5, 0.1, 0.9])
    out = ssa._reference_hedge_step(w, loss, 1.5)
    assert abs(out.sum() - 1) < 1e-15
    opt = mo.ExponentiatedGradient(1.5)
    unnormalised, _ = opt.step(w, loss, opt.init(w))
    np.testing.assert_allclose(out, unnormalised / unnormalised.sum(), rtol=1e-15)


def test_step_size_reference_is_the_state_of_egstepsize():
    """Feeding the gradients g_1..g_T to mo.EGStepSize leaves ν_T in its state (the package's g0 = 0)."""
    rng = np.random.default_rng(11)
    for T in (1, 2, 5, 9):
        grads, gamma = rng.normal(size=T), 0.7
        opt = mo.EGStepSize(0.01, gamma)
        theta, state = np.zeros(1), opt.init(np.zeros(1))
        for g in grads:
            theta, state = opt.step(theta, np.array([g]), state)
        # one coordinate, a handful of exp factors: agreement to a few ulps
        assert abs(state["step_size"][0] - ssa._reference_step_size_after(grads, gamma)) < 1e-13 * state["step_size"][0]


def test_lr_hypergradient_reference_is_a_finite_difference():
    """-g_{t+1}·g_t against a central difference of L(θ_{t-1} - η g_t) in η on a quadratic."""
    H = np.array([[2.0, 0.3], [0.3, 1.0]])
    loss = lambda x: 0.5 * x @ H @ x
    theta_prev, eta = np.array([1.0, -2.0]), 0.1
    g_t = H @ theta_prev
    g_next = H @ (theta_prev - eta * g_t)
    d = 1e-6
    fd = (loss(theta_prev - (eta + d) * g_t) - loss(theta_prev - (eta - d) * g_t)) / (2 * d)
    assert abs(ssa._reference_lr_hypergradient(g_t, g_next) - fd) < 1e-8  # central difference of a quadratic: exact up to rounding


# ---------------------------------------------------------------------------------------------------------
# catalogued mistakes, each with its own message
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("student, words", [
    (lambda th, g, lr: th - lr * g, ["additive step", "multiplicative"]),
    (lambda th, g, lr: th * (1 - lr * g), ["first-order expansion"]),
    (lambda th, g, lr: th * np.exp(-lr * th * g), ["gradient descent on φ = log θ", "θ²"]),
    (lambda th, g, lr: th * np.exp(lr * g), ["sign is wrong"]),
    (lambda th, g, lr: th * np.exp(-lr * g) / np.sum(th * np.exp(-lr * g)), ["Hedge"]),
    (lambda th, g, lr: 2 * th * np.exp(-lr * g), ["eg_step(", "entry 0", "expected"]),
])
def test_eg_mistakes(student, words):
    assert_explained(mo.exercises.check_eg_step(student), words)


@pytest.mark.parametrize("student, words", [
    (lambda w, l, e: w * np.exp(-e * l), ["normalisation on the simplex is missing"]),
    (lambda w, l, e: (w - e * l) / np.sum(w - e * l), ["additive step w - η·ℓ and rescaled"]),
    (lambda w, l, e: w - e * l, ["additive step w - η·ℓ: that is gradient descent"]),
    (lambda w, l, e: w * np.exp(e * l) / np.sum(w * np.exp(e * l)), ["sign is wrong"]),
    (lambda w, l, e: np.exp(-e * l) / np.sum(np.exp(-e * l)), ["forgot the old weights"]),
    (lambda w, l, e: w * np.exp(-e * l) / np.max(w * np.exp(-e * l)), ["largest weight"]),
    (lambda w, l, e: np.sqrt(w), ["hedge_step(", "expected"]),
])
def test_hedge_mistakes(student, words):
    assert_explained(mo.exercises.check_hedge_step(student), words)


@pytest.mark.parametrize("student, words", [
    (lambda gs, ga: float(np.exp(ga * np.sum(gs**2))), ["summed g_k²", "never negative"]),
    (lambda gs, ga: float(np.exp(ga * np.sum(gs[1:]**2))), ["g_k² for k ≥ 2"]),
    (lambda gs, ga: 1 + ga * float(np.sum(gs[:-1] * gs[1:])), ["added instead of multiplying"]),
    (lambda gs, ga: float(np.exp(-ga * np.sum(gs[:-1] * gs[1:]))), ["sign is wrong"]),
    (lambda gs, ga: float(np.exp(ga * np.sum(gs[:-2] * gs[1:-1]))), ["one step early", "ν_{T-1}"]),
    (lambda gs, ga: float(np.exp(ga * (gs[0]**2 + np.sum(gs[:-1] * gs[1:])))), ["g_0 = g_1", "g_0 = 0"]),
    (lambda gs, ga: float(np.exp(2 * ga * np.sum(gs[:-1] * gs[1:]))), ["step_size_after(", "expected"]),
])
def test_step_size_mistakes(student, words):
    assert_explained(mo.exercises.check_step_size_after(student), words)


@pytest.mark.parametrize("student, words", [
    (lambda gp, gn: float(np.dot(gp, gn)), ["sign is wrong"]),
    (lambda gp, gn: -float(np.dot(gn, gn)), ["g_{t+1}·g_{t+1}", "not g_t²"]),
    (lambda gp, gn: -float(np.dot(gp, gp)), ["g_t·g_t"]),
    (lambda gp, gn: float(np.dot(gn, gn)), ["both the sign and the pairing"]),
    (lambda gp, gn: -(gp * gn), ["element-wise product", "dot product"]),
    (lambda gp, gn: -2 * float(np.dot(gp, gn)), ["lr_hypergradient(", "expected"]),
])
def test_hypergradient_mistakes(student, words):
    assert_explained(mo.exercises.check_lr_hypergradient(student), words)


# ---------------------------------------------------------------------------------------------------------
# what is not an answer: exceptions, hangs, None, strings, wrong lengths, in-place changes
# ---------------------------------------------------------------------------------------------------------
CHECKERS = [mo.exercises.check_eg_step, mo.exercises.check_hedge_step, mo.exercises.check_step_size_after,
            mo.exercises.check_lr_hypergradient]


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_exception_none_string(checker):
    assert "raised ZeroDivisionError" in checker(lambda *args: 1 / 0)
    assert "forget the return statement" in checker(lambda *args: None)
    assert "string" in checker(lambda *args: "0.5") or "expected a tuple" in checker(lambda *args: "0.5")


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_hang_is_reported(checker, monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)

    def forever(*args):
        while True:
            time.sleep(0.01)

    start = time.perf_counter()
    message = checker(forever)
    assert "did not return within 0.2 s" in message
    assert time.perf_counter() - start < 5


def test_wrong_lengths():
    assert "expected 3 numbers" in mo.exercises.check_eg_step(lambda th, g, lr: th[:-1])
    assert "expected 3 numbers" in mo.exercises.check_hedge_step(lambda w, l, e: np.append(w, 0.0))
    assert "expected a single number" in mo.exercises.check_step_size_after(lambda gs, ga: np.ones(3))
    assert "expected a single number" in mo.exercises.check_lr_hypergradient(lambda gp, gn: [1.0, 2.0, 3.0])


def test_list_and_tuple_answers_pass_and_in_place_changes_do_not_leak():
    assert mo.exercises.check_eg_step(lambda th, g, lr: list(th * np.exp(-lr * g))) == "pass"
    assert mo.exercises.check_hedge_step(lambda w, l, e: tuple(ssa._reference_hedge_step(w, l, e))) == "pass"

    def in_place(theta, grad, lr):
        theta *= np.exp(-lr * grad)
        return theta

    assert mo.exercises.check_eg_step(in_place) == "pass"

    def destroys_input(grads, gamma):
        value = float(np.exp(gamma * np.sum(grads[:-1] * grads[1:])))
        grads[:] = 0.0
        return value

    assert mo.exercises.check_step_size_after(destroys_input) == "pass"


def test_not_callable():
    assert "expected a function" in mo.exercises.check_eg_step(3.0)
