"""Independent re-checks of chapter 3's newer derivations (``minimopt.derive.momentum``).

Each derivation checks itself with SymPy; these tests take another route (iterating the recurrences
numerically, running ``mo.HeavyBall``, sampling losses whose smoothness constant is known), so each fails if the
returned expression is wrong.
"""

import numpy as np
import pytest
import sympy as sp

import minimopt as mo
from minimopt import derive

RNG_SEED = 20261202


def _symbol(expr, name):
    (s,) = [s for s in expr.free_symbols if s.name == name]
    return s


def test_double_root_solution_matches_the_iterated_recurrence():
    res = derive.double_root_iterates()
    z0 = _symbol(res.solution, "z_0")
    solution = sp.lambdify((derive.n, z0, derive.theta0), res.solution)
    for z in (0.7, -0.5, 0.95, 0.2):
        prev, cur = 1.5, (2 * z - z**2) * 1.5  # theta_{-1} = theta_0 = 1.5, i.e. v_0 = 0
        values = [1.5, cur]
        for _ in range(60):
            prev, cur = cur, 2 * z * cur - z**2 * prev
            values.append(cur)
        # 62 values of a linear recurrence in float64: agreement to rounding, 1e-12 relative to the scale
        scale = np.max(np.abs(values))
        np.testing.assert_allclose([solution(k, z, 1.5) for k in range(62)], values, rtol=0, atol=1e-12 * scale)
    growth = sp.lambdify((derive.n, z0), res.growth)
    assert growth(10, 0.8) == pytest.approx(1 + 0.2 * 10, rel=1e-15)


def test_heavy_ball_at_critical_damping_follows_the_double_root_solution():
    res = derive.double_root_iterates()
    z0 = _symbol(res.solution, "z_0")
    solution = sp.lambdify((derive.n, z0, derive.theta0), res.solution)
    h, alpha = 1.0, 0.09
    beta = (1 - np.sqrt(alpha * h)) ** 2  # double root z0 = 1 - sqrt(alpha h) = 0.7
    traj = mo.minimize(mo.HeavyBall(alpha, beta), mo.problems.Quadratic(np.array([[h]])), np.array([2.0]), 80)
    # 80 compiled steps vs a closed form: float64 rounding, well below 1e-12 absolute at this scale
    np.testing.assert_allclose(traj.params[:, 0], [solution(k, 0.7, 2.0) for k in range(81)], rtol=0, atol=1e-12)


def test_undamped_energy_euler_factor_and_leapfrog_invariant_numerically():
    res = derive.undamped_energy()
    g, h = 0.2, 3.0
    factor = float(res.euler_factor.subs({derive.gamma: g, derive.h: h}))
    theta, u = 0.7, -0.4
    energy = lambda q, p: p**2 / 2 + h * q**2 / 2  # noqa: E731
    for _ in range(5):
        new = (theta + g * u, u - g * h * theta)
        assert energy(*new) / energy(theta, u) == pytest.approx(factor, rel=1e-13)
        theta, u = new
    tn, tp = _symbol(res.invariant, "theta_n"), _symbol(res.invariant, "theta_n+1")
    invariant = sp.lambdify((tn, tp), res.invariant.subs({derive.gamma: g, derive.h: h}))
    prev, cur = 1.0, 1.0 - g**2 * h / 2
    first = invariant(prev, cur)
    bound = float(res.bound.subs({derive.gamma: g, derive.h: h}))
    for _ in range(20_000):
        prev, cur = cur, (2 - g**2 * h) * cur - prev
        I = invariant(prev, cur)
        # 2e4 steps of rounding in a conserved quadratic form: 1e-10 relative is ample and far below O(gamma^2)
        assert I == pytest.approx(first, rel=1e-10)
        u_half, bar = (cur - prev) / g, (cur + prev) / 2
        E = u_half**2 / 2 + h * bar**2 / 2
        assert I * (1 - 1e-12) <= E <= I * bound * (1 + 1e-12)
    u_s, tb_s = _symbol(res.invariant_in_energy, "u"), _symbol(res.invariant_in_energy, "thetabar")
    rng = np.random.default_rng(RNG_SEED)
    for a, b in rng.normal(size=(5, 2)):
        lhs = float(res.invariant_in_energy.subs({u_s: (b - a) / g, tb_s: (a + b) / 2, derive.gamma: g, derive.h: h}))
        assert lhs == pytest.approx(invariant(a, b), rel=1e-12)


def test_descent_lemma_on_losses_with_a_known_smoothness_constant():
    res = derive.gradient_step_descent()
    ell = _symbol(res.bound, r"\ell")
    assert res.steps == sp.Interval.open(0, 2 / ell)
    bound = sp.lambdify((derive.gamma, ell), res.bound)
    # L = a sin(theta) + b theta^2 / 2 has |L''| <= a + b everywhere.
    rng = np.random.default_rng(RNG_SEED)
    checked = 0
    for a, b in [(1.0, 0.5), (0.3, 2.0), (2.0, 0.0)]:
        ell_v = a + b
        loss = lambda th: a * np.sin(th) + b * th**2 / 2  # noqa: E731
        grad = lambda th: a * np.cos(th) + b * th  # noqa: E731
        for theta in rng.uniform(-4, 4, size=50):
            for g in np.linspace(0.05, 1.95, 12) / ell_v:
                change = loss(theta - g * grad(theta)) - loss(theta)
                assert change <= bound(g, ell_v) * grad(theta) ** 2 + 1e-12
                assert change < 0 or grad(theta) == 0
                checked += 1
    assert checked == 3 * 50 * 12
    # Equality on ell theta^2 / 2, so 2/ell is sharp: beyond it the quadratic's loss grows.
    ell_v, theta = 4.0, 0.8
    for g in (0.1, 0.25, 0.45):
        change = ell_v * (theta - g * ell_v * theta) ** 2 / 2 - ell_v * theta**2 / 2
        assert change == pytest.approx(bound(g, ell_v) * (ell_v * theta) ** 2, rel=1e-12)
    assert ell_v * (theta - 0.55 * ell_v * theta) ** 2 / 2 > ell_v * theta**2 / 2
    assert res.best_step == 1 / ell and res.best_decrease == 1 / (2 * ell)


def test_small_steps_cannot_jump_the_barrier_of_the_tilted_well():
    res = derive.gradient_step_descent()
    th = _symbol(res.map_slope, "theta")
    assert sp.simplify(res.map_slope.subs(derive.L(th), th**4).doit() - (1 - derive.gamma * 12 * th**2)) == 0
    # On the tilted double well, gamma * max L'' <= 1 on [0.8, 1.5]: iterates from 1.5 never pass the barrier.
    tilted = mo.problems.DoubleWell(tilt=0.25)
    ell_v = 3 * 1.5**2 - 1
    for lr in (0.05, 1 / ell_v):
        path = mo.minimize(mo.SGD(lr=lr), tilted, np.array([1.5]), 500).params[:, 0]
        assert np.all(np.diff(path) <= 0) and path.min() > 0.8
