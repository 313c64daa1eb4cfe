"""The checkers of chapter 3 (``minimopt.exercises.momentum``): right answers pass, each catalogued mistake gets
its own message. The generic contract of every checker is tested in ``tests/test_checking.py``."""

import collections
import math

import numpy as np
import pytest

import minimopt as mo
from minimopt.exercises import momentum


def assert_explained(message, words):
    """The checker did not pass the wrong answer, and its message contains each of ``words`` (the first letter
    of a sentence may be capitalised: messages about several entries are joined as sentences)."""
    assert message != "pass"
    for word in words:
        assert word in message or word[:1].upper() + word[1:] in message, (word, message)


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
    message = mo.exercises.check_leapfrog_coefficients(bad)
    assert message.startswith("leapfrog(0.5, 0.1) returned") and "2 numbers" in message


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
    (lambda lam, g: (leapfrog(lam, g)[0], g), ["alpha is γ:", "denominator is missing"]),
    (lambda lam, g: (leapfrog(lam, g)[0], 2 * leapfrog(lam, g)[1]),
     ["Beta is right. Alpha is wrong at (lam, gamma) = (0.5, 0.1): got 0.0195121951", "expected 0.00975609756098"]),
    (lambda g, lam: leapfrog(lam, g), ["parameters in the order (gamma, lam)", "leapfrog(lam, gamma)"]),
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
    # the parameters taken in another order are named as such (not as swapped outputs and a wrong velocity)
    (lambda mu, lr, b: (lr, mu, -lr * b), ["parameters in the order (mu, lr, b)"]),
])
def test_torch_mistakes_are_explained(student, words):
    assert_explained(mo.exercises.check_torch_to_physics(student), words)


def test_torch_numpy_array_passes():
    assert mo.exercises.check_torch_to_physics(lambda lr, mu, b: np.array([lr, mu, -lr * b])) == "pass"
    assert mo.exercises.check_torch_to_physics(lambda lr, mu, b: [lr, mu, -lr * b]) == "pass"
    message = mo.exercises.check_torch_to_physics(lambda lr, mu, b: np.array([lr, mu, lr * b]))
    assert_explained(message, ["wrong sign"])
    message = mo.exercises.check_torch_to_physics(lambda lr, mu, b: np.array([[lr, mu, -lr * b]]))
    assert "returned an array of shape (1, 3); expected 3 numbers" in message


def test_torch_bad_return():
    assert "returned 2 values" in mo.exercises.check_torch_to_physics(lambda lr, mu, b: (lr, mu))
    message = mo.exercises.check_torch_to_physics(lambda lr, mu, b: (lr, mu, "v"))
    assert "returned the string 'v'; expected a number" in message


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
    (lambda beta, r: beta ** math.sqrt(r), ["β^√r", "first order", "as much as the rule does, on the other side"]),
    (lambda beta, r: beta * math.sqrt(r), ["scaled β by √r"]),
    (lambda beta, r: 1 - (1 - beta) * r**2, ["r²"]),
    (lambda beta, r: 1 - (1 - beta) * r**0.25, ["retune(0.9, 4): got 0.858578643763, expected 0.8 ("]),
    (lambda r, beta: 1 - (1 - beta) * math.sqrt(r), ["parameters in the order (r, beta)"]),
])
def test_retune_mistakes_are_explained(student, words):
    assert_explained(mo.exercises.check_momentum_retune(student), words)


def test_retune_exception_and_non_number():
    assert "raised ValueError" in mo.exercises.check_momentum_retune(lambda beta, r: math.sqrt(-r))
    assert "expected a single number" in mo.exercises.check_momentum_retune(lambda beta, r: (beta, r))


def test_retune_beta_to_the_root_r_errs_as_much_as_the_rule_on_the_other_side():
    """The claim of the β^√r message, checked with SymPy: to second order in ε = 1 − β, β^√r − exact and
    rule − exact are equal in size and opposite in sign (the old message said "twice the rule's error")."""
    import sympy as sp

    d = mo.derive
    eps = sp.symbols("epsilon", positive=True)
    exact = d.momentum_retuning().beta_new_exact.subs(d.beta, 1 - eps)
    rule = 1 - eps * sp.sqrt(d.r)
    power = (1 - eps) ** sp.sqrt(d.r)
    rule_error = sp.series(rule - exact, eps, 0, 3).removeO()
    power_error = sp.series(power - exact, eps, 0, 3).removeO()
    assert sp.simplify(power_error + rule_error) == 0
    assert sp.simplify(rule_error - eps**2 * (sp.sqrt(d.r) - d.r) / 4) == 0
    # numerically, at beta = 0.99, r = 4: the two errors agree in size to O(eps^3)
    b, r = 0.99, 4.0
    e_rule = momentum._reference_retune(b, r) - momentum._retune_exact(b, r)
    e_power = b ** math.sqrt(r) - momentum._retune_exact(b, r)
    assert e_rule < 0 < e_power and abs(e_power + e_rule) < 0.05 * abs(e_rule)


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
    (lambda ah, b: b < 1 and 0 < ah < 1 + b,
     ["heavy_ball_stable(3, 0.75): got False, expected True. There the roots", "largest modulus 0.866025 < 1"]),
    (lambda b, ah: b < 1 and 0 < ah < 2 * (1 + b), ["parameters in the order (beta, alpha_h)"]),
    (lambda ah, b: True, ["returned True in every case"]),
])
def test_stable_mistakes_are_explained(student, words):
    assert_explained(mo.exercises.check_heavy_ball_stable(student), words)


def test_stable_non_bool_and_exception():
    assert "returned 1.0; expected True or False" in mo.exercises.check_heavy_ball_stable(lambda ah, b: 1.0)
    assert "raised KeyError" in mo.exercises.check_heavy_ball_stable(lambda ah, b: {}[ah])
