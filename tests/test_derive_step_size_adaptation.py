"""Independent re-checks of ``minimopt.derive.step_size_adaptation`` (chapter 7).

Each test takes another route than the derivation: the package's optimizers, numerical minimisation with scipy,
finite differences on concrete losses, scipy's discrete Lyapunov solver and a Monte Carlo simulation.
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import sympy as sp

import minimopt as mo
from minimopt import derive
from minimopt.derive import step_size_adaptation as ssa


def _lambdify(expr, names):
    symbols = sorted(expr.free_symbols, key=lambda s: names.index(s.name))
    return sp.lambdify(symbols, expr, "numpy")


def test_eg_log_coordinates_against_the_package_and_a_numerical_gd_on_log_theta():
    res = derive.eg_log_coordinates()
    mirror = _lambdify(res.mirror_step, ["theta", "eta", "g"])
    gd_log = _lambdify(res.gd_on_log, ["theta", "eta", "g"])
    theta, eta = np.array([0.5, 1.5, 3.0]), 0.2
    loss = lambda th: np.sum(np.cos(th) + th**2 / 2)   # a concrete non-quadratic loss
    grad = -np.sin(theta) + theta
    opt = mo.ExponentiatedGradient(eta)
    np.testing.assert_allclose(mirror(theta, eta, grad), opt.step(theta, grad, opt.init(theta))[0], rtol=1e-14)
    # gradient descent on phi = log theta with a finite-difference gradient in phi
    phi, d = np.log(theta), 1e-6
    grad_phi = np.array([(loss(np.exp(phi + d * e)) - loss(np.exp(phi - d * e))) / (2 * d) for e in np.eye(3)])
    np.testing.assert_allclose(np.exp(phi - eta * grad_phi), gd_log(theta, eta, grad), rtol=1e-8)  # FD error ~1e-10
    # first-order forms: the remainders are O(eta^2)
    for small in (1e-3, 1e-4):
        rem = np.abs(mirror(theta, small, grad) - (theta - small * theta * grad))
        assert np.all(rem < 0.6 * small**2 * theta * grad**2 + 1e-18)   # theta (eta g)^2 / 2 plus rounding
    assert sp.simplify(res.step_for_agreement - ssa.eta / derive.theta) == 0


def test_mirror_step_and_hedge_by_numerical_minimisation():
    res = derive.eg_mirror_descent()
    rng = np.random.default_rng(5)
    theta_t, g, eta = 0.7, 1.3, 0.4
    objective = lambda th: eta * g * th + th * np.log(th / theta_t) - th + theta_t
    found = scipy.optimize.minimize_scalar(objective, bounds=(1e-9, 10), method="bounded",
                                           options={"xatol": 1e-12}).x
    assert abs(found - theta_t * np.exp(-eta * g)) < 1e-7          # bounded Brent, xatol 1e-12
    w_t = rng.dirichlet(np.ones(3))
    gs = rng.normal(size=3)

    def kl_objective(w):
        return eta * gs @ w + np.sum(w * np.log(w / w_t) - w + w_t)

    opt = scipy.optimize.minimize(kl_objective, np.ones(3) / 3, method="SLSQP", bounds=[(1e-12, 1)] * 3,
                                  constraints={"type": "eq", "fun": lambda w: w.sum() - 1}, options={"ftol": 1e-14})
    names = {s.name: s for s in set().union(*(e.free_symbols for e in res.hedge_minimiser))}
    subs = {names["eta"]: eta, **{names[f"g{i + 1}"]: gs[i] for i in range(3)},
            **{names[f"w_t{i + 1}"]: w_t[i] for i in range(3)}}
    hedge = np.array([float(e.subs(subs)) for e in res.hedge_minimiser])
    np.testing.assert_allclose(opt.x, hedge, atol=1e-6)              # SLSQP to ftol 1e-14
    y = rng.uniform(0.1, 2.0, 3)
    proj = scipy.optimize.minimize(lambda w: np.sum(w * np.log(w / y) - w + y), np.ones(3) / 3, method="SLSQP",
                                   bounds=[(1e-12, 1)] * 3, constraints={"type": "eq", "fun": lambda w: w.sum() - 1},
                                   options={"ftol": 1e-14}).x
    np.testing.assert_allclose(proj, y / y.sum(), atol=1e-6)


def test_chain_rule_by_finite_differences_and_closed_form_by_the_package():
    res = derive.step_size_chain_rule()
    loss, dloss = (lambda th: np.cos(th) + 0.3 * th**4), (lambda th: -np.sin(th) + 1.2 * th**3)
    theta_prev, eta, nu = 0.8, 0.05, 1.7
    g_t = dloss(theta_prev)
    g_next = dloss(theta_prev - eta * nu * g_t)
    f = lambda n: loss(theta_prev - eta * n * g_t)
    d = 1e-6
    fd = (f(nu + d) - f(nu - d)) / (2 * d)
    dnu = _lambdify(res.dL_dnu, ["eta", "g_t", "g_{t+1}"])
    assert abs(dnu(eta, g_t, g_next) - fd) < 1e-8                   # central difference, h = 1e-6
    fd_log = (f(nu * np.exp(d)) - f(nu * np.exp(-d))) / (2 * d)
    dlog = _lambdify(res.dL_dlog_nu, ["eta", "g_t", "g_{t+1}", "nu"])
    assert abs(dlog(eta, g_t, g_next, nu) - fd_log) < 1e-8
    # closed form (six steps) against mo.EGStepSize fed with the same gradients
    rng = np.random.default_rng(2)
    grads, gamma = rng.normal(size=6), 0.9
    opt = mo.EGStepSize(0.1, gamma)
    theta, state = np.zeros(1), opt.init(np.zeros(1))
    for g in grads:
        theta, state = opt.step(theta, np.array([g]), state)
    names = ["gamma"] + [f"g{k}" for k in range(1, 7)]
    closed = _lambdify(res.closed_form, names)(gamma, *grads)
    assert abs(state["step_size"][0] - closed) < 1e-13 * closed     # six exp factors: a few ulps


def test_lr_hypergradient_by_finite_differences_on_rosenbrock():
    res = derive.lr_hypergradient()
    problem = mo.problems.Rosenbrock()
    theta_prev, eta = np.array([-0.5, 0.8]), 1e-3
    g_t = problem.grad(theta_prev)
    g_next = problem.grad(theta_prev - eta * g_t)
    f = lambda e: problem.value(theta_prev - e * g_t)
    d = 1e-7
    fd = (f(eta + d) - f(eta - d)) / (2 * d)
    names = {s.name: s for s in res.dL_dlr.free_symbols}
    value = float(res.dL_dlr.subs({names["g_{t,1}"]: g_t[0], names["g_{t,2}"]: g_t[1],
                                   names["g_{t+1,1}"]: g_next[0], names["g_{t+1,2}"]: g_next[1]}))
    assert abs(value - fd) < 1e-5 * abs(fd)                          # central difference, h = 1e-7


def test_momentum_correlations_against_scipy_lyapunov_and_a_simulation():
    res = derive.momentum_gradient_correlations()
    names = ["a", "h", "sigma", "mu"]
    gg, bg = _lambdify(res.grad_grad, names), _lambdify(res.update_grad, names)
    for a, h, s, mu in [(0.01, 1.0, 1.0, 0.9), (0.3, 2.0, 0.5, 0.5), (0.05, 1.0, 1.0, 0.0), (1.0, 1.0, 2.0, 0.9)]:
        A = np.array([[1 - a * h, -a * mu, 0], [h, mu, 0], [h, 0, 0]])
        B = np.array([-a, 1.0, 1.0])
        Sigma = scipy.linalg.solve_discrete_lyapunov(A, s**2 * np.outer(B, B))
        lag = A @ Sigma
        assert abs(lag[2, 2] - gg(a, h, s, mu)) < 1e-10 * max(1, abs(lag[2, 2]))
        assert abs(lag[2, 1] - bg(a, h, s, mu)) < 1e-10 * max(1, abs(lag[2, 1]))
    # Monte Carlo: 4000 chains, 3000 steps, momentum 0.9, a h = 0.05 (theta relaxes in ~1/(a h/(1-mu)) = 200 steps)
    rng = np.random.default_rng(0)
    a, h, s, mu, chains = 0.05, 1.0, 1.0, 0.9, 4000
    theta, b = np.zeros(chains), np.zeros(chains)
    g_prev = np.zeros(chains)
    prods_gg, prods_bg = [], []
    for t in range(3000):
        g = h * theta + s * rng.standard_normal(chains)
        if t >= 1000:
            prods_gg.append(np.mean(g_prev * g))
            prods_bg.append(np.mean(b * g))
        b = mu * b + g
        theta = theta - a * b
        g_prev = g
    est_gg, est_bg = np.mean(prods_gg), np.mean(prods_bg)
    # the standard error of these averages is below 0.01 here; allow 5 standard errors
    assert abs(est_gg - gg(a, h, s, mu)) < 0.05 and est_gg > 0
    assert abs(est_bg - bg(a, h, s, mu)) < 0.05 and est_bg < 0


def test_signs_over_the_stable_range():
    res = derive.momentum_gradient_correlations()
    names = ["a", "h", "sigma", "mu"]
    gg, bg = _lambdify(res.grad_grad, names), _lambdify(res.update_grad, names)
    threshold = _lambdify(res.sign_change, ["mu"])
    for mu in (0.0, 0.3, 0.6, 0.9, 0.99):
        ah = np.linspace(1e-3, 2 * (1 + mu) - 1e-3, 200)
        assert np.all(bg(ah, 1.0, 1.0, mu) < 0)
        if mu > 0.5:
            q = threshold(mu)
            assert 0 < q < 2 * (1 + mu)
            assert np.all(gg(ah[ah < q - 1e-9], 1.0, 1.0, mu) > 0) and np.all(gg(ah[ah > q + 1e-9], 1.0, 1.0, mu) < 0)
        else:
            assert np.all(gg(ah, 1.0, 1.0, mu) < 0)
    assert sp.simplify(res.grad_grad_sgd.subs(derive.h, 1).subs(derive.sigma, 1).subs(ssa.a_lr, 0.5) + 0.5 / 1.5) == 0
