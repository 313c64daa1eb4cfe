"""The checkers of chapter 3 (``minimopt.exercises.momentum``): right answers pass, typical mistakes are named."""

import collections
import math

import numpy as np
import pytest

import minimopt as mo
from minimopt.exercises import momentum


def assert_explained(message, words):
    """The checker did not pass the wrong answer, and its message contains each of ``words``."""
    assert message != "pass"
    for word in words:
        assert word in message, (word, message)


# ---------------------------------------------------------------------------------------------------------
# the checkers are collected into minimopt.exercises
# ---------------------------------------------------------------------------------------------------------


def test_checkers_are_exported():
    for name in momentum.__all__:
        assert name.startswith("check_")
        assert getattr(mo.exercises, name) is getattr(momentum, name)
    assert len(momentum.__all__) >= 3


# ---------------------------------------------------------------------------------------------------------
# check_leapfrog_coefficients
# ---------------------------------------------------------------------------------------------------------


def leapfrog(lam, gamma):
    return (1 - lam * gamma / 2) / (1 + lam * gamma / 2), gamma**2 / (1 + lam * gamma / 2)


def test_leapfrog_correct_passes():
    assert mo.exercises.check_leapfrog_coefficients(leapfrog) == "pass"


def test_leapfrog_correct_with_numpy_and_list_passes():
    def f(lam, gamma):
        d = np.float64(1 + lam * gamma / 2)
        return [(1 - lam * gamma / 2) / d, gamma**2 / d]

    assert mo.exercises.check_leapfrog_coefficients(f) == "pass"


def test_leapfrog_numpy_array_and_other_sequences_pass():
    """A "pair" may be any sequence of two numbers or a 1-D array, not only a tuple."""
    assert mo.exercises.check_leapfrog_coefficients(lambda lam, g: np.array(leapfrog(lam, g))) == "pass"
    assert mo.exercises.check_leapfrog_coefficients(lambda lam, g: collections.UserList(leapfrog(lam, g))) == "pass"
    # the known mistakes are still recognised when the answer is an array
    message = mo.exercises.check_leapfrog_coefficients(lambda lam, g: np.array(leapfrog(lam, g)[::-1]))
    assert_explained(message, ["swapped"])


@pytest.mark.parametrize("bad", [
    lambda lam, g: np.array([leapfrog(lam, g)]),            # 2-D, shape (1, 2)
    lambda lam, g: np.array(leapfrog(lam, g) + (0.0,)),     # three numbers
    lambda lam, g: np.float64(0.5),                         # 0-d
    lambda lam, g: "0.5, 0.5",                              # a string is not a pair
    lambda lam, g: {"beta": 0.5, "alpha": 0.5},             # nor a mapping
])
def test_leapfrog_rejects_what_is_not_a_pair(bad):
    assert "tuple of 2 numbers" in mo.exercises.check_leapfrog_coefficients(bad)


def test_leapfrog_matches_derive():
    import sympy as sp

    lf = mo.derive.leapfrog_coefficients()
    f = sp.lambdify((mo.derive.lam, mo.derive.gamma), (lf.beta, lf.alpha))
    assert mo.exercises.check_leapfrog_coefficients(lambda lam, g: tuple(f(lam, g))) == "pass"


@pytest.mark.parametrize("student, words", [
    (lambda lam, g: leapfrog(lam, g)[::-1], ["swapped", "(beta, alpha)"]),
    (lambda lam, g: (1 - lam * g / 2, g**2), ["beta is 1 - λγ/2", "forgot to divide", "alpha is γ²"]),
    (lambda lam, g: (1 - lam * g / 2, leapfrog(lam, g)[1]), ["beta is 1 - λγ/2", "alpha is right"]),
    (lambda lam, g: (leapfrog(lam, g)[0], g**2), ["beta is right", "alpha is γ²", "forgot to divide"]),
    (lambda lam, g: (1 - lam * g, g**2), ["old half-step velocity", "averages"]),
    (lambda lam, g: (1 / (1 + lam * g), g**2 / (1 + lam * g)), ["new half-step velocity", "1/(1 + λγ)"]),
    (lambda lam, g: ((1 + lam * g / 2) / (1 - lam * g / 2), leapfrog(lam, g)[1]), ["upside down"]),
    (lambda lam, g: (leapfrog(lam, g)[0], g / (1 + lam * g / 2)), ["power of γ", "γ u_{n+1/2}"]),
    (lambda lam, g: (leapfrog(lam, g)[0], 2 * leapfrog(lam, g)[1]), ["alpha is wrong at", "expected"]),
])
def test_leapfrog_mistakes_are_explained(student, words):
    assert_explained(mo.exercises.check_leapfrog_coefficients(student), words)


def test_leapfrog_bad_return_and_exception():
    assert "tuple of 2 numbers" in mo.exercises.check_leapfrog_coefficients(lambda lam, g: 0.5)
    message = mo.exercises.check_leapfrog_coefficients(lambda lam, g: 1 / 0)
    assert "raised ZeroDivisionError" in message


# ---------------------------------------------------------------------------------------------------------
# check_torch_to_physics
# ---------------------------------------------------------------------------------------------------------


def torch_to_physics(lr, mu, b):
    return lr, mu, -lr * b


def test_torch_correct_passes():
    assert mo.exercises.check_torch_to_physics(torch_to_physics) == "pass"


def test_torch_correct_agrees_with_the_optimizers():
    """The mapping the checker accepts turns PyTorch's state into heavy ball's, step for step."""
    lr, mu = 0.1, 0.9
    alpha, beta, _ = torch_to_physics(lr, mu, 0.0)
    sgd, hb = mo.SGD(lr=lr, momentum=mu), mo.HeavyBall(alpha, beta)
    theta_t = theta_p = np.array([1.0])
    state_t, state_p = sgd.init(theta_t), hb.init(theta_p)
    for g in (2.0, 2.0, 2.0, 0.0):
        theta_t, state_t = sgd.step(theta_t, np.array([g]), state_t)
        theta_p, state_p = hb.step(theta_p, np.array([g]), state_p)
        np.testing.assert_allclose(theta_p, theta_t, rtol=1e-14)
        v = torch_to_physics(lr, mu, state_t["momentum_buffer"][0])[2]
        np.testing.assert_allclose(state_p["velocity"][0], v, rtol=1e-14)
    assert round(float(theta_t[0]), 10) == -0.6098


@pytest.mark.parametrize("student, words", [
    (lambda lr, mu, b: (mu, lr, -lr * b), ["swapped"]),
    (lambda lr, mu, b: (lr, mu, lr * b), ["wrong sign", "v = -lr·b"]),
    (lambda lr, mu, b: (lr, mu, -b), ["forgot lr"]),
    (lambda lr, mu, b: (lr, mu, b), ["forgot lr and the sign"]),
    (lambda lr, mu, b: (lr, mu, -mu * lr * b), ["-μ·lr·b"]),
    (lambda lr, mu, b: (lr * (1 - mu), mu, -lr * b), ["lr·(1 - μ)", "exponential average"]),
    (lambda lr, mu, b: (lr / (1 - mu), mu, -lr * b), ["lr/(1 - μ)", "terminal"]),
    (lambda lr, mu, b: (lr, 1 - mu, -lr * b), ["beta is 1 - μ"]),
    (lambda lr, mu, b: (lr, mu**2, -lr * b), ["beta is wrong at", "expected"]),
    (lambda lr, mu, b: (mu, lr, lr * b), ["swapped", "wrong sign"]),
])
def test_torch_mistakes_are_explained(student, words):
    assert_explained(mo.exercises.check_torch_to_physics(student), words)


def test_torch_numpy_array_passes():
    assert mo.exercises.check_torch_to_physics(lambda lr, mu, b: np.array([lr, mu, -lr * b])) == "pass"
    assert mo.exercises.check_torch_to_physics(lambda lr, mu, b: [lr, mu, -lr * b]) == "pass"
    message = mo.exercises.check_torch_to_physics(lambda lr, mu, b: np.array([lr, mu, lr * b]))
    assert_explained(message, ["wrong sign"])
    assert "tuple of 3 numbers" in mo.exercises.check_torch_to_physics(lambda lr, mu, b: np.array([[lr, mu, -lr * b]]))


def test_torch_bad_return():
    assert "tuple of 3 numbers" in mo.exercises.check_torch_to_physics(lambda lr, mu, b: (lr, mu))
    assert "expected 3 numbers" in mo.exercises.check_torch_to_physics(lambda lr, mu, b: (lr, mu, "v"))


# ---------------------------------------------------------------------------------------------------------
# check_momentum_retune
# ---------------------------------------------------------------------------------------------------------


def test_retune_rule_passes():
    assert mo.exercises.check_momentum_retune(lambda beta, r: 1 - (1 - beta) * math.sqrt(r)) == "pass"
    assert mo.exercises.check_momentum_retune(lambda beta, r: 1 - (1 - beta) * np.sqrt(r)) == "pass"


def test_retune_exact_from_derive_passes():
    import sympy as sp

    d = mo.derive
    exact = sp.lambdify((d.beta, d.r), d.momentum_retuning().beta_new_exact)
    assert mo.exercises.check_momentum_retune(lambda beta, r: float(exact(beta, r))) == "pass"


@pytest.mark.parametrize("student, words", [
    (lambda beta, r: 1 - (1 - beta) * r, ["instead of √r", "γ ≈ √α"]),
    (lambda beta, r: 1 - (1 - beta) / math.sqrt(r), ["divided 1 - β by √r", "reversed"]),
    (lambda beta, r: beta, ["kept β unchanged", "1/√r"]),
    (lambda beta, r: beta ** math.sqrt(r), ["β^√r", "first order"]),
    (lambda beta, r: beta * math.sqrt(r), ["scaled β by √r"]),
    (lambda beta, r: 1 - (1 - beta) * r**2, ["r²"]),
    (lambda beta, r: 1 - (1 - beta) * r**0.25, ["beta_new is wrong at", "expected"]),
])
def test_retune_mistakes_are_explained(student, words):
    assert_explained(mo.exercises.check_momentum_retune(student), words)


def test_retune_exception_and_non_number():
    assert "raised ValueError" in mo.exercises.check_momentum_retune(lambda beta, r: math.sqrt(-r))
    assert "expected a number" in mo.exercises.check_momentum_retune(lambda beta, r: (beta, r))


# ---------------------------------------------------------------------------------------------------------
# check_heavy_ball_stable
# ---------------------------------------------------------------------------------------------------------


def stable(alpha_h, beta):
    return beta < 1 and 0 < alpha_h < 2 * (1 + beta)


def test_stable_correct_passes():
    assert mo.exercises.check_heavy_ball_stable(stable) == "pass"


def test_stable_correct_agrees_with_the_spectral_radius_and_with_runs():
    """Away from the boundary the rule is the spectral radius test, and runs of HeavyBall confirm it."""
    problem = mo.problems.Quadratic(np.array([[1.0]]))
    for alpha_h, beta in [(0.5, 0.5), (3.0, 0.75), (2.5, 0.0), (4.5, 0.875), (1.5, 0.25), (3.9, 0.9)]:
        rho = momentum._spectral_radius(alpha_h, beta)
        assert stable(alpha_h, beta) == (rho < 1)
        traj = mo.minimize(mo.HeavyBall(alpha_h, beta), problem, np.array([1.0]), 3000)
        converged = not traj.diverged and abs(traj.params[-1, 0]) < 1e-6
        assert converged == stable(alpha_h, beta)


def test_stable_numpy_bool_passes():
    assert mo.exercises.check_heavy_ball_stable(lambda ah, b: np.bool_(stable(ah, b))) == "pass"


@pytest.mark.parametrize("student, words", [
    (lambda ah, b: 0 < ah < 2, ["gradient descent's condition", "2(1 + β)"]),
    (lambda ah, b: b < 1 and 0 < ah < 2 * (1 - b), ["sign is wrong"]),
    (lambda ah, b: b < 1 and 0 < ah <= 2 * (1 + b), ["included the boundary", "z = -1"]),
    (lambda ah, b: b < 1 and 0 <= ah < 2 * (1 + b), ["accepted αh = 0", "z = 1"]),
    (lambda ah, b: b <= 1 and 0 < ah < 2 * (1 + b), ["accepted β = 1", "no friction"]),
    (lambda ah, b: 0 <= ah <= 2 * (1 + b), ["all the boundaries"]),
    (lambda ah, b: b < 1 and 0 < ah < 1 + b, ["wrong at (alpha_h, beta)", "largest modulus"]),
])
def test_stable_mistakes_are_explained(student, words):
    assert_explained(mo.exercises.check_heavy_ball_stable(student), words)


def test_stable_non_bool_and_exception():
    assert "expected True or False" in mo.exercises.check_heavy_ball_stable(lambda ah, b: 1.0)
    assert "raised KeyError" in mo.exercises.check_heavy_ball_stable(lambda ah, b: {}[ah])
