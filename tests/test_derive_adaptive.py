"""Chapter 5's SymPy results (``minimopt.derive.adaptive``) re-checked by other routes: numeric recurrences,
Monte Carlo averages, runs of minimopt's optimizers, root finding and an ODE solver."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import minimopt as mo
from minimopt import derive
from minimopt.derive import adaptive

G = sp.Symbol("g", real=True, nonzero=True)
EPS = sp.Symbol("epsilon", positive=True)


def test_all_results_are_collected_into_derive():
    for name in adaptive.__all__:
        assert getattr(derive, name) is getattr(adaptive, name)


# ---------------------------------------------------------------------------------------------------------
# bias correction: the expectations for every t in a range, by Monte Carlo with i.i.d. gradients
# ---------------------------------------------------------------------------------------------------------
def test_bias_for_t_up_to_40_by_exact_recurrence():
    res = derive.adam_bias()
    b1, b2 = sp.Rational(9, 10), sp.Rational(999, 1000)
    Em, Ev = sp.S(0), sp.S(0)
    for t in range(1, 41):
        Em = b1 * Em + (1 - b1) * 3          # E[g] = 3, exact rationals
        Ev = b2 * Ev + (1 - b2) * 10         # E[g^2] = 10
        assert Em == res.first_moment.rhs.subs({derive.beta1: b1, derive.g_mean: 3, derive.t_step: t})
        assert Ev == res.second_moment.rhs.subs({derive.beta2: b2, derive.g2_mean: 10, derive.t_step: t})


def test_bias_by_monte_carlo_with_minimopt_state():
    """Average mo.Adam's exp_avg over many i.i.d. gradient sequences (each coordinate one sequence)."""
    rng = np.random.default_rng(0)
    n, T, mean, sd = 200_000, 12, 0.7, 1.5
    opt = mo.Adam(lr=1e-3, betas=(0.6, 0.8))
    params, state = np.zeros(n), opt.init(np.zeros(n))
    res = derive.adam_bias()
    for t in range(1, T + 1):
        params, state = opt.step(params, mean + sd * rng.normal(size=n), state)
        want_m = float(res.first_moment.rhs.subs({derive.beta1: 0.6, derive.g_mean: mean, derive.t_step: t}))
        want_v = float(res.second_moment.rhs.subs({derive.beta2: 0.8, derive.g2_mean: mean**2 + sd**2,
                                                   derive.t_step: t}))
        # 5 standard errors of a mean of n samples whose standard deviation is below 2 (m) and 8 (v)
        assert abs(state["exp_avg"].mean() - want_m) < 5 * 2 / math.sqrt(n)
        assert abs(state["exp_avg_sq"].mean() - want_v) < 5 * 8 / math.sqrt(n)


# ---------------------------------------------------------------------------------------------------------
# the first step, and the uncorrected step at step t
# ---------------------------------------------------------------------------------------------------------
def test_first_step_ratio_is_sqrt_10_and_measured():
    res = derive.adam_first_step()
    assert res.ratio_default == sp.sqrt(10)
    assert math.isclose(float(res.ratio_default), 3.1622776601683795, rel_tol=1e-15)
    for g in (1e-3, -2.0, 50.0):
        sizes = []
        for correct in (True, False):
            opt = mo.Adam(lr=1e-2, eps=1e-14, bias_correction=correct)
            theta, _ = opt.step(np.zeros(1), np.array([g]), opt.init(np.zeros(1)))
            sizes.append(abs(theta[0]))
        # eps = 1e-14 against sqrt(v1) >= 3e-5: a relative effect below 1e-9
        assert math.isclose(sizes[0], 1e-2, rel_tol=1e-9)
        assert math.isclose(sizes[1] / sizes[0], math.sqrt(10), rel_tol=1e-9)


def test_first_step_expressions_by_substitution():
    res = derive.adam_first_step()
    vals = {derive.lr: 0.1, derive.beta1: 0.8, derive.beta2: 0.99, G: -3.0, EPS: 0.01}
    m1, v1 = 0.2 * -3.0, 0.01 * 9.0
    assert math.isclose(float(res.uncorrected.subs(vals)), 0.1 * m1 / (math.sqrt(v1) + 0.01), rel_tol=1e-14)
    assert math.isclose(float(res.corrected.subs(vals)), 0.1 * -3.0 / (3.0 + 0.01), rel_tol=1e-14)


def test_uncorrected_step_at_t_matches_a_run():
    res = derive.adam_first_step()
    f = sp.lambdify((derive.lr, derive.beta1, derive.beta2, derive.t_step), res.uncorrected_t)
    line = mo.problems.Quadratic(np.zeros((1, 1)), np.array([2.0]))   # constant gradient -2
    path = mo.minimize(mo.Adam(lr=1e-3, eps=1e-14, bias_correction=False), line, np.zeros(1), 300).params[:, 0]
    t = np.arange(1, 301)
    np.testing.assert_allclose(np.diff(path), f(1e-3, 0.9, 0.999, t), rtol=1e-8)  # eps/sqrt(v) < 1e-9


# ---------------------------------------------------------------------------------------------------------
# sign descent, AdaGrad, epsilon
# ---------------------------------------------------------------------------------------------------------
def test_sign_descent_is_adam_with_zero_betas():
    res = derive.sign_descent()
    assert res.limit.subs({derive.lr: 1, G: -5}) == -1
    quad = mo.problems.Quadratic(np.diag([1.0, 100.0]), np.array([1.0, -3.0]))
    traj = mo.minimize(mo.Adam(lr=0.01, betas=(0.0, 0.0), eps=1e-30), quad, np.array([0.3, 0.4]), 200)
    theta = np.array([0.3, 0.4])
    for k in range(200):
        theta = theta - 0.01 * np.sign(quad.grad(theta))
        np.testing.assert_allclose(traj.params[k + 1], theta, rtol=0, atol=1e-15)


def test_adagrad_constant_gradient_by_recurrence_and_run():
    res = derive.adagrad_constant_gradient()
    eff = sp.lambdify((derive.lr, G, derive.t_step), res.effective_lr)
    s, theta = 0.0, 0.0
    opt, p = mo.Adagrad(lr=0.2, eps=1e-300), np.zeros(1)
    state = opt.init(p)
    for t in range(1, 101):
        s += 0.49
        theta -= 0.2 * -0.7 / math.sqrt(s)
        p, state = opt.step(p, np.array([-0.7]), state)
        assert math.isclose(0.2 / math.sqrt(s), eff(0.2, -0.7, t), rel_tol=1e-13)
        assert math.isclose(p[0], theta, rel_tol=1e-13)
    distance = float(res.distance.subs({derive.lr: 1, derive.t_step: 100}).doit())
    assert math.isclose(distance, sum(k**-0.5 for k in range(1, 101)), rel_tol=1e-13)
    assert math.isclose(theta, 0.2 * distance, rel_tol=1e-12)


def test_epsilon_regimes_numerically():
    res = derive.epsilon_regimes()
    out = sp.lambdify((G, EPS), res.outside.subs(derive.lr, 1))
    ins = sp.lambdify((G, EPS), res.inside.subs(derive.lr, 1))
    eps = 1e-4
    assert math.isclose(out(1e4 * eps, eps), 1 / (1 + 1e-4), rel_tol=1e-14)      # sign-like
    assert math.isclose(out(1e-6 * eps, eps) / 1e-6, 1 / (1 + 1e-6), rel_tol=1e-12)  # SGD with lr/eps
    assert math.isclose(ins(1e-6 * math.sqrt(eps), eps) / (1e-6 * math.sqrt(eps)), 1 / math.sqrt(eps), rel_tol=1e-9)
    assert math.isclose(out(eps, eps), 0.5, rel_tol=1e-15)
    assert res.half_point == EPS
    # mo.Adam's first (corrected) step is exactly the outside form
    g = np.logspace(-8, 0, 9)
    opt = mo.Adam(lr=1.0, eps=eps)
    theta, _ = opt.step(np.zeros(9), g, opt.init(np.zeros(9)))
    np.testing.assert_allclose(-theta, out(g, eps), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# the continuous-time limit: Adam's iterates approach the ODE at first order
# ---------------------------------------------------------------------------------------------------------
def test_continuous_limit_first_order():
    res = derive.adam_continuous_limit()
    c1, c2, H = 1.5, 0.3, np.diag([1.0, 4.0])
    fm = sp.lambdify(adaptive.tau, res.correction_m.subs(adaptive.c1, c1))
    fv = sp.lambdify(adaptive.tau, res.correction_v.subs(adaptive.c2, c2))

    def rhs(tau, y):
        th, m, v = y[:2], y[2:4], y[4:]
        g = H @ th
        mh, vh = (g, g * g) if tau < 1e-9 else (m / fm(tau), v / fv(tau))
        return np.concatenate([-mh / (np.sqrt(vh) + 1e-8), c1 * (g - m), c2 * (g * g - v)])

    x0 = np.array([1.0, -0.5])
    sol = solve_ivp(rhs, (0, 4.0), np.concatenate([x0, np.zeros(4)]), method="LSODA", rtol=1e-11, atol=1e-13,
                    dense_output=True)
    errors = []
    for eta in (0.02, 0.01, 0.005):
        n = int(round(4.0 / eta))
        path = mo.minimize(mo.Adam(lr=eta, betas=(1 - c1 * eta, 1 - c2 * eta), eps=1e-8), mo.problems.Quadratic(H),
                           x0, n).params
        errors.append(np.abs(path - sol.sol(eta * np.arange(n + 1))[:2].T).max())
    ratios = [errors[0] / errors[1], errors[1] / errors[2]]
    assert all(1.8 < r < 2.2 for r in ratios), ratios   # halving eta halves the error: first order


def test_continuous_corrections_are_limits_of_the_discrete_ones():
    res = derive.adam_continuous_limit()
    for eta in (1e-3, 1e-5):
        t = 2.0 / eta
        discrete = 1 - (1 - 0.7 * eta) ** t
        assert math.isclose(discrete, float(res.correction_m.subs({adaptive.c1: 0.7, adaptive.tau: 2.0})),
                            rel_tol=10 * eta)   # the O(eta) error of (1 - c eta)^(tau/eta) against exp(-c tau)


# ---------------------------------------------------------------------------------------------------------
# decoupled weight decay: fixed points by root finding and by runs
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("h, a, lam", [(1.0, 4.0, 0.5), (100.0, 1.0, 0.5), (3.0, 0.3, 2.0)])
def test_adamw_fixed_point_by_root_finding(h, a, lam):
    res = derive.decoupled_weight_decay()
    a_s, h_s = sp.Symbol("a", positive=True), sp.Symbol("h", positive=True)
    subs = {a_s: a, h_s: h, adaptive.wd: lam, EPS: 1e-3}
    root = brentq(lambda th: lam * th + h * (th - a) / (abs(h * (th - a)) + 1e-3), 0, a, xtol=1e-14)
    assert math.isclose(float(res.fixed_point_adamw.subs(subs)), root, rel_tol=1e-9)
    assert math.isclose(float(res.fixed_point_adamw_eps0.subs(subs)), min(a, 1 / lam), rel_tol=1e-15)
    assert math.isclose(float(res.fixed_point_l2.subs(subs)), h * a / (h + lam), rel_tol=1e-15)


def test_adam_l2_and_adamw_reach_their_fixed_points():
    h, a, lam = np.array([1.0, 100.0]), np.array([1.0, 4.0]), 0.5
    quad = mo.problems.Quadratic(np.diag(h), h * a)
    l2 = mo.minimize(mo.Adam(lr=0.005, weight_decay=lam), quad, np.zeros(2), 30000).params[-1]
    w = mo.minimize(mo.AdamW(lr=0.005, weight_decay=lam), quad, np.zeros(2), 30000).params[-1]
    # Adam's last iterates oscillate around the fixed point with an amplitude of order lr
    np.testing.assert_allclose(l2, h * a / (h + lam), atol=5e-3)
    np.testing.assert_allclose(w, [1.0, 2.0], atol=5e-3)


def test_equivalent_l2_coefficient_by_substitution():
    res = derive.decoupled_weight_decay()
    P, th, g = sp.Symbol("P", positive=True), sp.Symbol("theta", real=True), sp.Symbol("g", real=True)
    vals = {P: 0.25, th: 1.3, g: -0.4, derive.lr: 0.1, adaptive.wd: 0.2}
    lam_eq = float(res.equivalent_l2.subs(vals))
    assert math.isclose(float(res.adamw.subs(vals)), -0.1 * 0.25 * (-0.4 + lam_eq * 1.3), rel_tol=1e-14)
    assert float(res.adam_l2.subs(vals)) != float(res.adamw.subs(vals))
