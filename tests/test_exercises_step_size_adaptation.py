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
def test_logit_reference_is_mirror_descent_with_the_binary_entropy():
    """Independent route: minimise lr·g·θ + D_ψ(θ, θ_t) for ψ the binary entropy, numerically, per coordinate."""
    from scipy.optimize import minimize_scalar
    theta, grad, lr = np.array([0.3, 0.8, 0.05]), np.array([1.2, -0.4, 3.0]), 0.7
    psi = lambda x: x * np.log(x) + (1 - x) * np.log(1 - x)
    dpsi = lambda x: np.log(x / (1 - x))
    out = ssa._reference_logit_step(theta, grad, lr)
    for i in range(3):
        obj = lambda x: lr * grad[i] * x + psi(x) - psi(theta[i]) - dpsi(theta[i]) * (x - theta[i])
        best = minimize_scalar(obj, bounds=(1e-12, 1 - 1e-12), method="bounded", options={"xatol": 1e-12})
        assert abs(best.x - out[i]) < 1e-8  # bounded scalar search to xatol 1e-12; 1e-8 leaves room for a flat minimum
    assert np.all((out > 0) & (out < 1))


def test_hedge_weights_reference_is_the_round_by_round_hedge_of_the_package():
    """T rounds of mo.ExponentiatedGradient followed by normalisation give the closed form."""
    rng = np.random.default_rng(5)
    prior = rng.uniform(0.1, 1.0, 4)
    prior /= prior.sum()
    losses, eta = rng.uniform(0.0, 1.0, (6, 4)), 1.3
    opt = mo.ExponentiatedGradient(eta)
    w = prior.copy()
    for loss in losses:
        w, _ = opt.step(w, loss, opt.init(w))
        w = w / w.sum()
    np.testing.assert_allclose(ssa._reference_hedge_weights(prior, losses, eta), w, rtol=1e-13)  # 6 rounds of exp/sum
    big = ssa._reference_hedge_weights(*ssa._HEDGE_UNDERFLOW)
    assert np.all(np.isfinite(big)) and abs(big.sum() - 1) < 1e-15 and big[1] > 0.99


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
    (lambda th, g, lr: th * np.exp(-lr * g), ["unnormalised entropy", "not θ < 1"]),
    (lambda th, g, lr: th - lr * g, ["additive step", "leave (0, 1)"]),
    (lambda th, g, lr: np.clip(th * np.exp(-lr * g), 0, 1), ["clipped"]),
    (lambda th, g, lr: 1 / (1 + np.exp(-(np.log(th / (1 - th)) - lr * th * (1 - th) * g))),
     ["gradient descent on φ = logit θ"]),
    (lambda th, g, lr: th * np.exp(lr * g) / (th * np.exp(lr * g) + 1 - th), ["sign is wrong"]),
    (lambda th, g, lr: th * np.exp(-lr * g) / np.sum(th * np.exp(-lr * g)), ["Hedge"]),
    (lambda th, g, lr: np.round(ssa._reference_logit_step(th, g, lr), 4), ["logit_step(", "entry 0", "4th"]),
    (lambda th, g, lr: ssa._reference_logit_step(g, th, lr), ["in the order (grad, theta, lr)"]),
])
def test_logit_mistakes(student, words):
    assert_explained(mo.exercises.check_logit_step(student), words)


def _naive_hedge(p, l, e):
    u = p * np.exp(-e * l.sum(axis=0))
    return u / u.sum()


@pytest.mark.parametrize("student, words", [
    (lambda p, l, e: p * np.exp(-e * l.sum(axis=0)), ["normalisation on the simplex is missing"]),
    (lambda p, l, e: np.exp(-e * l.sum(axis=0)) / np.exp(-e * l.sum(axis=0)).sum(), ["dropped the prior"]),
    (lambda p, l, e: p * np.exp(e * l.sum(axis=0)) / np.sum(p * np.exp(e * l.sum(axis=0))), ["sign is wrong"]),
    (lambda p, l, e: p * np.exp(-e * l[-1]) / np.sum(p * np.exp(-e * l[-1])), ["only the last round"]),
    (lambda p, l, e: p * np.exp(-e * l.mean(axis=0)) / np.sum(p * np.exp(-e * l.mean(axis=0))), ["average loss"]),
    (_naive_hedge, ["underflows", "subtract the largest exponent"]),
    (lambda p, l, e: np.sqrt(p), ["hedge_weights(", "expected"]),
])
def test_hedge_weights_mistakes(student, words):
    with np.errstate(all="ignore"):
        assert_explained(mo.exercises.check_hedge_weights(student), words)


def test_hedge_weights_round_by_round_passes():
    def rounds(prior, losses, eta):
        w = prior.copy()
        for loss in losses:
            w = w * np.exp(-eta * loss)
            w = w / w.sum()
        return w

    assert mo.exercises.check_hedge_weights(rounds) == "pass"


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
CHECKERS = [mo.exercises.check_logit_step, mo.exercises.check_hedge_weights, mo.exercises.check_step_size_after,
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
    assert "expected 3 numbers" in mo.exercises.check_logit_step(lambda th, g, lr: th[:-1])
    assert "expected 3 numbers" in mo.exercises.check_hedge_weights(lambda w, l, e: np.append(w, 0.0))
    assert "expected a single number" in mo.exercises.check_step_size_after(lambda gs, ga: np.ones(3))
    assert "expected a single number" in mo.exercises.check_lr_hypergradient(lambda gp, gn: [1.0, 2.0, 3.0])


def test_list_and_tuple_answers_pass_and_in_place_changes_do_not_leak():
    assert mo.exercises.check_logit_step(lambda th, g, lr: list(ssa._reference_logit_step(th, g, lr))) == "pass"
    assert mo.exercises.check_hedge_weights(lambda w, l, e: tuple(ssa._reference_hedge_weights(w, l, e))) == "pass"

    def in_place(theta, grad, lr):
        theta *= np.exp(-lr * grad)
        theta /= theta + 1 - theta / np.exp(-lr * grad)
        return theta

    assert mo.exercises.check_logit_step(in_place) == "pass"

    def destroys_input(grads, gamma):
        value = float(np.exp(gamma * np.sum(grads[:-1] * grads[1:])))
        grads[:] = 0.0
        return value

    assert mo.exercises.check_step_size_after(destroys_input) == "pass"


def test_not_callable():
    assert "expected a function" in mo.exercises.check_logit_step(3.0)
