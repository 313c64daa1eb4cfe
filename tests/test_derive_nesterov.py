"""Independent re-checks of chapter 4's derivations (``minimopt.derive.nesterov``).

Each derivation asserts its own identities; these tests take another route: the schemes run with numbers,
characteristic exponents of the recurrences against those of the ODEs, torch.optim fixtures, polynomial roots,
runs of the compiled optimizers, and scipy's Bessel function and ODE solver.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.special import j1

import minimopt as mo
from minimopt import derive
from minimopt.derive import nesterov as dn

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_optim.json").read_text())


def _zero(expr):
    return sp.simplify(sp.sympify(expr)) == 0


def test_functions_are_collected_into_derive():
    for name in dn.__all__:
        assert getattr(derive, name) is getattr(dn, name)


# ---------------------------------------------------------------------------------------------------------
# damping discretisations
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["explicit", "implicit", "average"])
def test_damping_schemes_run_with_numbers_equal_heavy_ball(key):
    """Integrate θ' = u, u' = −λu − ∇L with each damping choice and compare with heavy ball (β, α) from derive."""
    lam_v, gam_v, h_v = 0.7, 0.1, 3.0
    b_expr, a_expr = derive.damping_discretisations().coefficients[key]
    b, a = (float(e.subs({derive.lam: lam_v, derive.gamma: gam_v})) for e in (b_expr, a_expr))
    theta, u = 1.0, 0.0
    path = [theta]
    for _ in range(50):
        F = h_v * theta
        if key == "explicit":
            u = u + gam_v * (-lam_v * u - F)
        elif key == "implicit":
            u = (u - gam_v * F) / (1 + lam_v * gam_v)
        else:
            u = (u * (1 - lam_v * gam_v / 2) - gam_v * F) / (1 + lam_v * gam_v / 2)
        theta = theta + gam_v * u
        path.append(theta)
    traj = mo.minimize(mo.HeavyBall(a, b), mo.problems.Quadratic(np.array([[h_v]])), np.array([1.0]), 50)
    # same arithmetic up to rounding: 1e-12 relative to the O(1) iterates
    np.testing.assert_allclose(traj.params[:, 0], path, rtol=0, atol=1e-12)


def test_damping_choices_agree_to_first_order_numerically():
    dd = derive.damping_discretisations()
    lam_v = 1.3
    for g in (1e-2, 1e-3):
        vals = {k: [float(e.subs({derive.lam: lam_v, derive.gamma: g})) for e in dd.coefficients[k]]
                for k in ("explicit", "implicit", "average")}
        for k in vals:
            assert abs(vals[k][0] - (1 - lam_v * g)) < 2 * lam_v**2 * g**2    # beta = 1 - λγ + O(γ²)
            assert abs(vals[k][1] - g**2) < 2 * lam_v * g**3                  # alpha = γ² + O(γ³)
        # implicit - explicit = λ²γ² + O(γ³): the ratio tends to λ² linearly in γ
        gap = (vals["implicit"][0] - vals["explicit"][0]) / g**2
        assert abs(gap - lam_v**2) < 2 * lam_v**3 * g


# ---------------------------------------------------------------------------------------------------------
# high-resolution ODEs: characteristic exponents
# ---------------------------------------------------------------------------------------------------------
def _ode_exponent(lhs, h_v, mu_v, s_v):
    """The root with positive imaginary part of the characteristic polynomial of ``lhs`` on ∇L(X) = hX."""
    t, x = derive.t, sp.Symbol("x")
    sigma = sp.Symbol("sigma")
    expr = lhs.subs(dn.G, sp.Lambda(x, derive.h * x)).doit()
    expr = expr.subs(dn.X(t), sp.exp(sigma * t)).doit()
    poly = sp.expand(sp.simplify(expr / sp.exp(sigma * t)))
    poly = poly.subs({derive.h: h_v, derive.mu: mu_v, dn.s: s_v})
    roots = [complex(r) for r in sp.Poly(poly, sigma).nroots()]
    return max(roots, key=lambda r: r.imag)


def _scheme_exponent(ell, h_v, mu_v, s_v):
    """log(z)/√s for the root z with positive imaginary part of the look-ahead-ℓ scheme on hθ²/2."""
    b = (1 - math.sqrt(mu_v * s_v)) / (1 + math.sqrt(mu_v * s_v))
    q = 1 - ell * s_v * h_v   # gradient at θ + ℓβ(θ_n − θ_{n−1}): effective momentum β(1 − ℓ s h)
    z = max(np.roots([1.0, -(1 + b * q - s_v * h_v), b * q]), key=lambda r: r.imag)
    return complex(np.log(z)) / math.sqrt(s_v)


@pytest.mark.parametrize("ell, ode_name", [(1, "nesterov"), (0, "heavy_ball")])
def test_high_resolution_exponents_are_second_order(ell, ode_name):
    """The scheme's exponent differs from its high-res ODE's by O(s) (slope 2 in √s), from the low-res by O(√s)."""
    hr = derive.high_resolution_odes()
    h_v, mu_v = 4.0, 1.0
    steps = [0.02**2, 0.01**2, 0.005**2]
    err_hr, err_low = [], []
    for s_v in steps:
        disc = _scheme_exponent(ell, h_v, mu_v, s_v)
        err_hr.append(abs(disc - _ode_exponent(getattr(hr, ode_name).lhs, h_v, mu_v, s_v)))
        err_low.append(abs(disc - _ode_exponent(hr.low_resolution.lhs, h_v, mu_v, s_v)))
    slope_hr = mo.plot.fit_slope(np.sqrt(steps), err_hr)
    slope_low = mo.plot.fit_slope(np.sqrt(steps), err_low)
    assert slope_hr > 1.8, (slope_hr, err_hr)     # O(s); a missing or wrong correction gives slope 1
    assert 0.8 < slope_low < 1.2, (slope_low, err_low)


def test_heavy_ball_ode_misses_nesterov_correction():
    """Nesterov's scheme against heavy ball's high-res ODE is only first order: the correction is needed."""
    hr = derive.high_resolution_odes()
    steps = [0.02**2, 0.01**2, 0.005**2]
    errs = [abs(_scheme_exponent(1, 4.0, 1.0, s_v) - _ode_exponent(hr.heavy_ball.lhs, 4.0, 1.0, s_v))
            for s_v in steps]
    assert mo.plot.fit_slope(np.sqrt(steps), errs) < 1.2
    assert hr.correction.subs(dn.ell, 1) == sp.sqrt(dn.s)


# ---------------------------------------------------------------------------------------------------------
# PyTorch's nesterov=True
# ---------------------------------------------------------------------------------------------------------
def test_torch_map_reproduces_the_torch_fixture():
    """mo.Nesterov with the derived map (α = lr, β = μ), shifted to θ + βv, gives torch 2.13's iterates."""
    tm = derive.nesterov_torch_map()
    quad = FIXTURES["quadratic"]
    (case,) = [c for c in quad["cases"] if c["name"] == "sgd-nesterov"]
    lr_v, mu_v = case["kwargs"]["lr"], case["kwargs"]["momentum"]
    inverse = {value: key for key, value in tm.mapping.items()}   # alpha -> lr, beta -> mu
    a = float(inverse[derive.alpha].subs(derive.lr, lr_v))
    b = float(inverse[derive.beta].subs(derive.mu, mu_v))
    problem = mo.problems.Quadratic(np.array(quad["H"]), np.array(quad["b"]))
    theta = mo.minimize(mo.Nesterov(a, b), problem, np.array(quad["x0"]), quad["steps"]).params
    v = np.diff(theta, axis=0, prepend=theta[:1])
    Theta = theta + b * v
    # float64 on both sides; the two forms round differently: 1e-12 relative
    np.testing.assert_allclose(Theta, np.array(case["params"]), rtol=1e-12, atol=1e-13)


def test_torch_map_on_rosenbrock_and_buffer():
    tm = derive.nesterov_torch_map()
    a, b = 1e-3, 0.9
    sgd, nag = mo.SGD(lr=a, momentum=b, nesterov=True), mo.Nesterov(a, b)
    problem = mo.problems.Rosenbrock()
    Th = th = np.array([-1.0, 1.5])
    st, sn = sgd.init(Th), nag.init(th)
    buffer = sp.lambdify((sp.Symbol("v", real=True), derive.alpha), tm.buffer.rhs)
    for _ in range(30):
        Th, st = sgd.step(Th, problem.grad(Th), st)
        th, sn = nag.step(th, problem.grad(nag.query(th, sn)), sn)
        np.testing.assert_allclose(Th, th + b * sn["velocity"], rtol=1e-12)
        np.testing.assert_allclose(st["momentum_buffer"], buffer(sn["velocity"], a), rtol=1e-10)


# ---------------------------------------------------------------------------------------------------------
# stability and tuning
# ---------------------------------------------------------------------------------------------------------
def _rho(alpha_h, beta):
    """Spectral radius of Nesterov's iteration matrix on hθ²/2, by numpy's eigenvalues (arrays broadcast)."""
    alpha_h, beta = np.broadcast_arrays(np.asarray(alpha_h, float), np.asarray(beta, float))
    q = 1 - alpha_h
    M = np.zeros(alpha_h.shape + (2, 2))
    M[..., 0, 1] = 1.0
    M[..., 1, 0] = -beta * q
    M[..., 1, 1] = (1 + beta) * q
    rho = np.max(np.abs(np.linalg.eigvals(M)), axis=-1)
    return float(rho) if rho.ndim == 0 else rho


def test_nesterov_region_against_polynomial_roots():
    ns = derive.nesterov_stability()
    region = sp.lambdify((derive.alpha, derive.h, derive.beta), ns.region)
    rng = np.random.default_rng(4)
    alpha_h, beta = rng.uniform(0, 4.5, 20000), rng.uniform(0, 1.6, 20000)
    rho = _rho(alpha_h, beta)
    decided = np.abs(rho - 1) > 1e-6        # off the boundary, where rounding cannot flip the answer
    assert decided.sum() > 19900
    inside = np.asarray(region(alpha_h, 1.0, beta), dtype=bool)
    assert np.array_equal(inside[decided], rho[decided] < 1)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9, 0.99])
def test_upper_edge_is_where_rho_crosses_one(beta):
    edge = float(derive.nesterov_stability().upper_edge.subs(derive.beta, beta))
    assert _rho(edge * (1 - 1e-6), beta) < 1 < _rho(edge * (1 + 1e-6), beta)
    assert math.isclose(edge, 2 * (1 + beta) / (1 + 2 * beta), rel_tol=1e-15)


@pytest.mark.parametrize("beta", [1.2, 2.0])
def test_lower_edge_for_large_momentum(beta):
    edge = float(derive.nesterov_stability().lower_edge.subs(derive.beta, beta))
    assert _rho(edge + 1e-6, beta) < 1 < _rho(edge - 1e-6, beta)


@pytest.mark.parametrize("kappa_v", [4.0, 25.0, 100.0, 1e4])
def test_tunings_worst_case_rates_by_brute_force(kappa_v):
    ns, hb = derive.nesterov_stability(), derive.heavy_ball_stability()
    subs = {derive.h_min: 1.0, derive.h_max: kappa_v, derive.kappa: kappa_v}
    hs = np.linspace(1.0, kappa_v, 2001)
    for a_e, b_e, r_e in [(ns.alpha_opt, ns.beta_opt, ns.rate_opt), (ns.alpha_std, ns.beta_std, ns.rate_std)]:
        a, b, r = (float(e.subs(subs)) for e in (a_e, b_e, r_e))
        worst = _rho(a * hs, b).max()
        assert abs(worst - r) < 1e-6, (worst, r)   # double roots: np.roots splits them by ~sqrt(eps)
    rate_hb = float(hb.rate_opt.subs(subs))
    assert rate_hb < float(ns.rate_opt.subs(subs))
    q = math.sqrt(kappa_v)
    assert math.isclose(float(ns.rate_gap.subs(sp.Symbol("q", positive=True), q)),
                        float(ns.rate_opt.subs(subs)) - rate_hb, rel_tol=1e-12)


def test_no_nearby_nesterov_tuning_beats_the_optimal_one():
    ns = derive.nesterov_stability()
    kappa_v = 50.0
    a0 = float(ns.alpha_opt.subs({derive.h_min: 1.0, derive.h_max: kappa_v}))
    b0 = float(ns.beta_opt.subs(derive.kappa, kappa_v))
    r0 = float(ns.rate_opt.subs(derive.kappa, kappa_v))
    hs = np.linspace(1.0, kappa_v, 401)
    rng = np.random.default_rng(7)
    d = rng.uniform(-0.05, 0.05, size=(400, 2))
    a, b = a0 * (1 + d[:, :1]), np.minimum(b0 + d[:, 1:], 0.999)
    worst = _rho(a * hs, b).max(axis=1)
    assert np.all(worst > r0 - 1e-7)


# ---------------------------------------------------------------------------------------------------------
# heavy ball's cycle on Lessard, Recht & Packard's function
# ---------------------------------------------------------------------------------------------------------
def test_cycle_is_reached_by_the_compiled_heavy_ball():
    cyc = derive.lrp_heavy_ball_cycle()
    f = mo.problems.PiecewiseQuadratic(m=1.0, L=25.0)
    # the package's gradient is the Piecewise of the derivation
    xs = sp.Symbol("x", real=True)
    for x in (-3.0, 0.5, 1.5, 2.0, 2.7):
        assert math.isclose(f.grad(np.array([x]))[0], float(cyc.gradient.subs(xs, x)), rel_tol=1e-15)
    path = mo.minimize(mo.HeavyBall(float(cyc.alpha), float(cyc.beta)), f, np.array([3.3]), 600).params[:, 0]
    points = np.array([float(p) for p in cyc.points])
    last = path[-3:]
    assert min(np.max(np.abs(np.roll(points, k) - last)) for k in range(3)) < 1e-12


def _three_steps(state, a, b, f):
    prev, cur = state
    for _ in range(3):
        prev, cur = cur, (1 + b) * cur - b * prev - a * f.grad(np.array([cur]))[0]
    return np.array([prev, cur])


def test_cycle_multipliers_by_finite_differences():
    """The Jacobian of three heavy-ball steps at the cycle, by central differences, has the derived multipliers."""
    cyc = derive.lrp_heavy_ball_cycle()
    f = mo.problems.PiecewiseQuadratic()
    a, b = float(cyc.alpha), float(cyc.beta)
    p = [float(v) for v in cyc.points]
    for points, multipliers in [(p, cyc.multipliers), ([float(v) for v in cyc.saddle_points], cyc.saddle_multipliers)]:
        base = np.array([points[2], points[0]])     # (x_{n-1}, x_n) = (x_c, x_a)
        eps = 1e-7
        J = np.column_stack([(_three_steps(base + eps * e, a, b, f) - _three_steps(base - eps * e, a, b, f))
                             / (2 * eps) for e in np.eye(2)])
        got = np.sort_complex(np.linalg.eigvals(J))
        want = np.sort_complex(np.array([complex(sp.N(m)) for m in multipliers]))
        # the map is affine near the cycle: differences are exact up to rounding (double eigenvalue: sqrt)
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_nesterov_converges_and_diverges_with_heavy_balls_tuning():
    f = mo.problems.PiecewiseQuadratic()
    good = mo.minimize(mo.Nesterov(1 / 25, 4 / 6), f, np.array([3.3]), 100).params[-1, 0]
    bad = mo.minimize(mo.Nesterov(1 / 9, 4 / 9), f, np.array([3.3]), 100).params[-1, 0]
    assert abs(good) < 1e-12 and abs(bad) > 1e10


# ---------------------------------------------------------------------------------------------------------
# Su–Boyd–Candès
# ---------------------------------------------------------------------------------------------------------
def test_bessel_solution_against_solve_ivp():
    sbc = derive.su_boyd_candes_limit()
    h_v, x0 = 2.0, 1.5
    X = sp.lambdify(derive.t, sbc.quadratic_solution.subs({derive.h: h_v, derive.theta0: x0}), "scipy")
    t0 = 1e-4
    sol = solve_ivp(lambda t, y: [y[1], -3 / t * y[1] - h_v * y[0]], (t0, 15.0),
                    [x0 * (1 - h_v * t0**2 / 8), -x0 * h_v * t0 / 4], t_eval=np.linspace(0.5, 15, 30),
                    rtol=1e-12, atol=1e-14, method="DOP853")
    # the series start is off by O(t0^4): 1e-9 covers it and the solver's tolerance
    np.testing.assert_allclose(X(sol.t), sol.y[0], atol=1e-9)
    np.testing.assert_allclose(X(sol.t), x0 * 2 * j1(sol.t * math.sqrt(h_v)) / (sol.t * math.sqrt(h_v)), rtol=1e-12)


def test_sbc_iterates_approach_the_bessel_solution_at_rate_sqrt_s():
    sbc = derive.su_boyd_candes_limit()
    X = sp.lambdify(derive.t, sbc.quadratic_solution.subs({derive.h: 1, derive.theta0: 1}), "scipy")
    errors, steps = [], [0.01, 0.0025, 0.000625]
    for s_v in steps:
        n = int(round(10 / math.sqrt(s_v)))
        t_k = math.sqrt(s_v) * np.arange(1, n + 1)
        x_k = mo.minimize(mo.NesterovConvex(s_v), mo.problems.Quadratic(np.eye(1)), np.ones(1), n).params[1:, 0]
        errors.append(np.max(np.abs(x_k - X(t_k))))
    assert 0.9 < mo.plot.fit_slope(np.sqrt(steps), errors) < 1.1


def test_sbc_leading_order_by_numbers():
    """The scheme's residual / s, for X = cos(t) and ∇L(x) = x³, approaches X'' + 3X'/t + X³ as s → 0."""
    t_v = 1.7
    X = np.cos
    gaps = []
    for s_v in (1e-4, 1e-6):
        r = math.sqrt(s_v)
        k = t_v / r
        x_prev, x_now, x_next = X(t_v - r), X(t_v), X(t_v + r)
        y = x_now + (k - 1) / (k + 2) * (x_now - x_prev)
        residual = (x_next - y + s_v * y**3) / s_v
        gaps.append(residual)
    sbc = derive.su_boyd_candes_limit()
    t = derive.t
    claimed = sbc.residual.subs(dn.G, sp.Lambda(sp.Symbol("x"), sp.Symbol("x")**3)).subs(dn.X(t), sp.cos(t)).doit()
    want = float(claimed.subs(t, t_v))
    e0, e1 = abs(gaps[0] - want), abs(gaps[1] - want)
    assert 5 < e0 / e1 < 20, (e0, e1)    # the next term is O(√s): √s shrinks tenfold
    assert e1 < 5e-3
