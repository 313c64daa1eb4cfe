"""Chapter 1's results beyond quadratics, re-checked by other routes (numbers, finite differences, iteration)."""

import math

import numpy as np
import sympy as sp

from minimopt import derive


def test_descent_lemma_bound_holds_on_a_smooth_loss_that_is_not_quadratic():
    dl = derive.gradient_step_descent()
    ell = sp.Symbol(r"\ell", positive=True)
    per_unit = sp.lambdify((ell, derive.gamma), dl.bound)
    # log cosh is 1-smooth (its second derivative sech² is at most 1): the bound holds at every point and step
    for x in np.linspace(-4, 4, 41):
        for step in (0.1, 1.0, 1.9):
            change = math.log(math.cosh(x - step * math.tanh(x))) - math.log(math.cosh(x))
            assert change <= per_unit(1.0, step) * math.tanh(x) ** 2 + 1e-15
    assert dl.steps == sp.Interval.open(0, 2 / ell)


def test_rosenbrock_hessian_eigenvalues_match_numpy():
    rs = derive.rosenbrock_minimum_stability()
    numeric = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))[::-1]
    assert np.allclose([float(e) for e in rs.eigenvalues], numeric, rtol=1e-14)
    assert math.isclose(float(rs.step_bound), 2 / numeric[0], rel_tol=1e-14)


def test_modified_field_is_minus_the_gradient_of_the_modified_loss_numerically():
    mf = derive.modified_flow()
    theta, gamma = derive.theta, derive.gamma
    well = (theta**2 - 1) ** 2 / 4
    field = sp.lambdify((theta, gamma), mf.vector_field.subs(derive.L(theta), well).doit())
    loss = sp.lambdify((theta, gamma), mf.modified_loss.subs(derive.L(theta), well).doit())
    for x in (-1.7, 0.3, 2.0):
        for g in (0.01, 0.1):
            eps = 1e-6
            central = (loss(x + eps, g) - loss(x - eps, g)) / (2 * eps)
            assert math.isclose(field(x, g), -central, rel_tol=1e-7, abs_tol=1e-9)


def test_factorisation_flow_conserves_the_invariant_and_reaches_the_predicted_sharpness():
    fm = derive.factorisation_minima()
    x, y = 3.0, 0.1
    c = x * x - y * y
    dt = 1e-4          # forward Euler with a tiny step: the invariant drifts by O(dt)
    for _ in range(200_000):
        r = x * y - 1
        x, y = x - dt * r * y, y - dt * r * x
    assert abs(x * y - 1) < 1e-10
    predicted = float(fm.flow_sharpness.subs(sp.Symbol("c", real=True), c))
    assert math.isclose(x * x + y * y, predicted, rel_tol=1e-3)
    assert fm.least_sharpness == 2
