"""The checkers of Chapter 1's exercises: correct answers pass, each catalogued mistake gets its own message.

The generic contract (reference passes for several seeds, a table of the public cases fails under a fresh seed,
None / a string / an exception / sys.exit / a hang give messages) is tested for every chapter in
``tests/test_checking.py``; here are the chapter's own cases and messages.
"""

import math

import numpy as np
import pytest

import minimopt as mo
from minimopt.exercises import gradient_descent as ex


def test_checkers_are_collected_into_the_exercises_namespace():
    for name in ex.__all__:
        assert getattr(mo.exercises, name) is getattr(ex, name)
        assert name in mo.exercises.__all__
    assert len(ex.__all__) >= 3


def assert_explained(message, words):
    """The checker did not pass the wrong answer, and its message contains each of ``words``."""
    assert message != "pass"
    for word in words:
        assert word in message, (word, message)


# ---------------------------------------------------------------------------------------------------------
# check_gd_step
# ---------------------------------------------------------------------------------------------------------
def test_gd_step_correct_answers_pass():
    assert mo.exercises.check_gd_step(lambda theta, grad, lr: theta - lr * grad) == "pass"
    assert mo.exercises.check_gd_step(lambda theta, grad, lr: np.subtract(theta, lr * np.asarray(grad))) == "pass"


def test_gd_step_agrees_with_minimopt_sgd():
    # The checker's reference is the update of mo.SGD: a function that calls it passes.
    def via_minimopt(theta, grad, lr):
        opt = mo.SGD(lr=lr)
        new, _ = opt.step(theta, grad, opt.init(theta))
        return new

    assert mo.exercises.check_gd_step(via_minimopt) == "pass"


@pytest.mark.parametrize("step, words", [
    (lambda theta, grad, lr: theta + lr * grad, ["uphill", "theta - lr * grad"]),
    (lambda theta, grad, lr: theta - grad, ["ignores the learning rate", "time step"]),
    (lambda theta, grad, lr: theta + grad, ["ignores the learning rate", "uphill"]),
    (lambda theta, grad, lr: theta - grad / lr, ["divides the gradient by the learning rate"]),
    (lambda theta, grad, lr: -lr * grad, ["change", "not the new parameters"]),
    (lambda theta, grad, lr: lr * grad, ["size of the step"]),
    (lambda theta, grad, lr: theta - lr * theta, ["uses theta where the gradient belongs"]),
])
def test_gd_step_typical_mistakes_are_explained(step, words):
    assert_explained(mo.exercises.check_gd_step(step), words)


def test_gd_step_in_place_update_is_explained():
    def in_place(theta, grad, lr):
        theta -= lr * grad
        return theta

    message = mo.exercises.check_gd_step(in_place)
    assert message.startswith("gd_step returns the right values but changes its input theta in place")
    assert "Return a new array" in message


def test_gd_step_missing_return_exception_shape_and_unknown_errors():
    assert "forget the return" in mo.exercises.check_gd_step(lambda theta, grad, lr: None)
    assert "raised ZeroDivisionError" in mo.exercises.check_gd_step(lambda theta, grad, lr: 1 / 0)
    message = mo.exercises.check_gd_step(lambda theta, grad, lr: float(np.sum(theta - lr * grad)))
    assert "expected an array of shape (3,)" in message
    message = mo.exercises.check_gd_step(lambda theta, grad, lr: theta - 2 * lr * grad)
    assert message.startswith("gd_step([1, -2, 0.5], [0.3, -0.4, 2], 0.1): entry 0: got 0.94, expected 0.97 (")
    assert message.endswith("; and 1 more entry")


def test_gd_step_accepts_lists_float32_and_one_element_answers():
    assert mo.exercises.check_gd_step(lambda theta, grad, lr: list(theta - lr * grad)) == "pass"
    assert mo.exercises.check_gd_step(lambda theta, grad, lr: (theta - lr * grad).astype(np.float32)) == "pass"


def test_gd_step_swapped_parameters_are_named():
    message = mo.exercises.check_gd_step(lambda grad, theta, lr: theta - lr * grad)
    assert message == ("gd_step computes the right answer with its parameters in the order (grad, theta, lr), but "
                       "it is called as gd_step(theta, grad, lr): put the parameters of your def line in that order.")


# ---------------------------------------------------------------------------------------------------------
# check_euler_error_order
# ---------------------------------------------------------------------------------------------------------
def test_error_order_correct_answers_pass():
    def least_squares(gammas, errors):
        return np.polyfit(np.log(gammas), np.log(errors), 1)[0]

    def two_smallest(gammas, errors):  # the two smallest steps: also a sound estimate
        return math.log(errors[-1] / errors[-2]) / math.log(gammas[-1] / gammas[-2])

    def log10_fit(gammas, errors):
        return np.polyfit(np.log10(gammas), np.log10(errors), 1)[0]

    for f in (least_squares, two_smallest, log10_fit):
        assert mo.exercises.check_euler_error_order(f) == "pass"


def test_error_order_on_minimopt_measurement():
    # The chapter's measurement: gradient descent to T = 1 on a quadratic; a correct fit gives about 1.
    H = np.array([[2.5, 1.5], [1.5, 2.5]])
    x0 = np.array([1.0, 0.0])
    h, V = np.linalg.eigh(H)
    exact = V @ (np.exp(-h) * (V.T @ x0))
    gammas = 2.0 ** -np.arange(3, 11)
    errors = [np.linalg.norm(mo.minimize(mo.SGD(lr=g), mo.problems.Quadratic(H), x0, round(1 / g)).params[-1] - exact)
              for g in gammas]
    slope = np.polyfit(np.log(gammas), np.log(errors), 1)[0]
    assert abs(slope - 1.0) < 0.05


@pytest.mark.parametrize("f, words", [
    (lambda g, e: np.polyfit(np.log(1 / g), np.log(e), 1)[0], ["wrong sign", "1/gamma"]),
    (lambda g, e: np.polyfit(np.log(e), np.log(g), 1)[0], ["swapped", "1/p"]),
    (lambda g, e: np.polyfit(np.log(g), np.log(e), 1)[1], ["intercept", "log C"]),
    (lambda g, e: np.polyfit(np.log10(g), np.log10(e), 1)[1], ["intercept", "log10 C"]),
    (lambda g, e: np.polyfit(np.log2(g), np.log2(e), 1)[1], ["intercept", "log2 C"]),
    (lambda g, e: np.polyfit(g, np.log10(e), 1)[0], ["log10(error) against gamma", "semi-log"]),
    (lambda g, e: np.polyfit(g, e, 1)[0], ["straight line to the errors themselves", "log-log"]),
    (lambda g, e: np.polyfit(g, np.log(e), 1)[0], ["fitted log(error) against gamma", "semi-log"]),
    (lambda g, e: np.polyfit(np.log(g), e, 1)[0], ["logarithm of the errors"]),
    (lambda g, e: np.polyfit(np.log(g), np.log(e), 1), ["two numbers", "only the slope"]),
    (lambda g, e: 1.0, ["returned 1.0 in every case", "compute it from the arguments"]),
    # a def line with the parameters the other way round fits x against y: the same numbers, 1/p
    (lambda e, g: np.polyfit(np.log(g), np.log(e), 1)[0], ["(errors, gammas)", "1/p"]),
])
def test_error_order_typical_mistakes_are_explained(f, words):
    assert_explained(mo.exercises.check_euler_error_order(f), words)


def test_error_order_other_failures():
    assert "forget the return" in mo.exercises.check_euler_error_order(lambda g, e: None)
    assert "raised ValueError" in mo.exercises.check_euler_error_order(lambda g, e: float("x"))
    assert "returned the string 'one'" in mo.exercises.check_euler_error_order(lambda g, e: "one")
    message = mo.exercises.check_euler_error_order(lambda g, e: np.polyfit(np.log(g), np.log(e), 1)[0] + 0.2)
    assert message == ("error_order(gammas, errors) for errors = C * gammas**2: got 2.2, expected 2 (they differ "
                       "from the 2nd significant digit; relative error 0.1). The order is the slope of log(error) "
                       "against log(gamma): np.polyfit(np.log(gammas), np.log(errors), 1)[0].")
    # a NaN answer (e.g. log of a zero error) is explained, not a crash of the checker
    assert "returned nan" in mo.exercises.check_euler_error_order(lambda g, e: float("nan"))


# ---------------------------------------------------------------------------------------------------------
# check_stability_limit
# ---------------------------------------------------------------------------------------------------------
def test_stability_limit_correct_answers_pass():
    assert mo.exercises.check_stability_limit(lambda h: 2 / h) == "pass"
    assert mo.exercises.check_stability_limit(lambda h: 2.0 / h * (1 - 1e-9)) == "pass"


def test_stability_limit_one_coercion_rule_and_one_tolerance():
    # The holes: chapter 1 took a one-element array while chapter 3 did not, and accepted 1e-3.
    assert mo.exercises.check_stability_limit(lambda h: np.array([2 / h])) == "pass"
    assert mo.exercises.check_stability_limit(lambda h: [2 / h]) == "pass"
    assert mo.exercises.check_stability_limit(lambda h: np.float32(2 / h)) == "pass"
    assert mo.exercises.check_momentum_retune(lambda beta, r: np.array([1 - (1 - beta) * math.sqrt(r)])) == "pass"
    message = mo.exercises.check_stability_limit(lambda h: round(2 / h, 4))
    assert message == ("largest_stable_step(3.7): got 0.5405, expected 0.540540540541 (they differ from the 5th "
                       "significant digit; relative error 7.5e-05)")
    # the same rounding fails chapter 3 too
    assert mo.exercises.check_momentum_retune(lambda beta, r: round(1 - (1 - beta) * math.sqrt(r), 4)) != "pass"


def test_stability_limit_found_by_bisection_with_minimopt_passes():
    # A numerical answer: bisect on whether gradient descent converges on L = h θ²/2 (|θ| below |θ₀|).
    def by_bisection(h):
        problem = mo.problems.Quadratic(np.array([[h]]))
        lo, hi = 0.0, 10.0 / h
        for _ in range(30):
            mid = (lo + hi) / 2
            traj = mo.minimize(mo.SGD(lr=mid), problem, np.array([1.0]), 20_000)
            converges = not traj.diverged and abs(traj.params[-1, 0]) < 1.0
            lo, hi = (mid, hi) if converges else (lo, mid)
        return lo

    assert mo.exercises.check_stability_limit(by_bisection) == "pass"


@pytest.mark.parametrize("f, words", [
    (lambda h: 1 / h, ["monotonically", "still converge", "|1 - gamma*h| reaches 1"]),
    (lambda h: 1 / (2 * h), ["four times too small"]),
    (lambda h: h / 2, ["upside down"]),
    (lambda h: 2 * h, ["upside down"]),
    (lambda h: 2 / h**2, ["1/h²"]),
    (lambda h: 2.0, ["does not depend on the curvature"]),
    (lambda h: 1.0, ["does not depend on the curvature"]),
])
def test_stability_limit_typical_mistakes_are_explained(f, words):
    assert_explained(mo.exercises.check_stability_limit(f), words)


def test_stability_limit_unknown_mistake_names_the_case():
    message = mo.exercises.check_stability_limit(lambda h: 3 / h)
    assert message == ("largest_stable_step(1): got 3, expected 2 (they differ from the 1st significant digit; "
                       "relative error 0.5)")


# ---------------------------------------------------------------------------------------------------------
# check_best_step
# ---------------------------------------------------------------------------------------------------------
def test_best_step_correct_answer_passes_and_minimises_the_worst_factor():
    assert mo.exercises.check_best_step(lambda lo, hi: 2 / (lo + hi)) == "pass"
    # The reference really minimises max(|1 - γ h_min|, |1 - γ h_max|) (a grid search agrees).
    lo, hi = 1.0, 20.0
    grid = np.linspace(1e-4, 2 / hi, 200_001)
    worst = np.maximum(abs(1 - grid * lo), abs(1 - grid * hi))
    assert abs(grid[np.argmin(worst)] - 2 / (lo + hi)) < 1e-4
    assert abs(worst.min() - (hi / lo - 1) / (hi / lo + 1)) < 1e-4


@pytest.mark.parametrize("f, words", [
    (lambda lo, hi: 2 / hi, ["stability limit itself", "never decays"]),
    (lambda lo, hi: 1 / hi, ["in one step", "1 - h_min/h_max"]),
    (lambda lo, hi: 1 / lo, ["divergence"]),
    (lambda lo, hi: 2 / lo, ["flattest"]),
    (lambda lo, hi: 1 / (lo + hi), ["factor 2"]),
    (lambda lo, hi: 2 / (hi - lo), ["larger than the stability limit"]),
    (lambda lo, hi: (lo + hi) / 2, ["upside down"]),
    (lambda lo, hi: 1 / math.sqrt(lo * hi), ["linearly"]),
    (lambda lo, hi: 3 / (lo + hi), ["best_step(1, 20): got 0.142857142857, expected 0.0952380952381"]),
])
def test_best_step_typical_mistakes_are_explained(f, words):
    assert_explained(mo.exercises.check_best_step(f), words)


# ---------------------------------------------------------------------------------------------------------
# check_modified_curvature
# ---------------------------------------------------------------------------------------------------------
def test_modified_curvature_correct_answers_pass():
    assert mo.exercises.check_modified_curvature(lambda h, lr: -math.log(1 - lr * h) / lr) == "pass"
    assert mo.exercises.check_modified_curvature(lambda h, lr: -np.log1p(-lr * h) / lr) == "pass"


def test_modified_curvature_reference_puts_gd_on_the_modified_flow():
    # GD's iterates from minimopt equal exp(-h̃ n γ) θ₀ with the reference h̃.
    h, lr, n = 4.0, 0.2, 30
    traj = mo.minimize(mo.SGD(lr=lr), mo.problems.Quadratic(np.array([[h]])), np.array([1.0]), n)
    h_mod = -math.log(1 - lr * h) / lr
    np.testing.assert_allclose(traj.params[:, 0], np.exp(-h_mod * lr * np.arange(n + 1)), rtol=1e-10)


@pytest.mark.parametrize("f, words", [
    (lambda h, lr: h + lr * h**2 / 2, ["first-order modified curvature", "exact"]),
    (lambda h, lr: h + lr * h**2 / 2 + lr**2 * h**3 / 3, ["truncated series"]),
    (lambda h, lr: math.log(1 - lr * h) / lr, ["negative"]),
    (lambda h, lr: -math.log(1 - lr * h), ["divide by the time step"]),
    (lambda h, lr: h, ["original loss"]),
    (lambda h, lr: math.log(1 + lr * h) / lr, ["(1 + lr*h)"]),
    (lambda h, lr: -math.log(1 - lr * h) / h, ["divided by h", "in the order (lr, h)"]),
    # the right formula with the parameters the other way round is the same function: the same message
    (lambda lr, h: -math.log(1 - lr * h) / lr, ["divided by h", "in the order (lr, h)"]),
])
def test_modified_curvature_typical_mistakes_are_explained(f, words):
    assert_explained(mo.exercises.check_modified_curvature(f), words)
