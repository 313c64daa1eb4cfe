"""Independent re-checks of the SymPy derivations in ``minimopt.derive``.

Each function in ``derive`` already asserts its own identity; these tests do not rely on that. They re-derive
the claim in another way (a concrete loss, a closed-form solution, a series computed here) or check it
numerically (simulation, finite differences, polynomial roots), so each test fails if the returned expression
is wrong.
"""

import numpy as np
import pytest
import sympy as sp

from minimopt import derive

RNG_SEED = 20240607


def _zero(expr):
    """True when ``expr`` simplifies to zero."""
    return sp.simplify(sp.sympify(expr)) == 0


def _symbol(expr, name):
    """The free symbol of ``expr`` called ``name``."""
    (s,) = [s for s in expr.free_symbols if s.name == name]
    return s


def _function(expr, name):
    """The undefined function class called ``name`` used in ``expr``."""
    (f,) = {a.func for a in expr.atoms(sp.core.function.AppliedUndef) if a.func.__name__ == name}
    return f


def _num(expr, subs):
    return float(sp.N(expr.subs(subs), 30))


# ---------------------------------------------------------------------------------------------------------
# Chapter 1
# ---------------------------------------------------------------------------------------------------------
def test_euler_local_error_on_flows_with_known_solutions():
    res = derive.euler_local_error()
    th, g, f, x = derive.theta, derive.gamma, derive.f, sp.Symbol("x")
    assert res.order == 2
    assert _zero(res.euler_step - (th + g * f(th)))
    # theta' = theta^2 has the exact flow theta/(1 - gamma theta).
    exact = th / (1 - g * th)
    true_error = sp.series(exact - (th + g * th**2), g, 0, 3).removeO()
    claimed = res.local_error.subs(f, sp.Lambda(x, x**2)).doit()
    assert _zero(true_error - claimed)
    # theta' = -h theta has the flow theta e^{-h gamma}.
    h = derive.h
    true_error = sp.series(th * sp.exp(-h * g) - th * (1 - h * g), g, 0, 3).removeO()
    assert _zero(true_error - res.local_error.subs(f, sp.Lambda(x, -h * x)).doit())
    # The exact-step expansion through gamma^2 on the same flow.
    rhs = res.exact_step.rhs.removeO().subs(f, sp.Lambda(x, x**2)).doit()
    assert _zero(sp.series(exact, g, 0, 3).removeO() - rhs)
    # Gradient-descent form: L = theta^4/4 gives f = -theta^3.
    gd = res.local_error_gd.subs(derive.L, sp.Lambda(x, x**4 / 4)).doit()
    assert _zero(gd - sp.Rational(3, 2) * g**2 * th**5)
    # Numerically: the one-step error divided by the leading term tends to 1 like O(gamma).
    for gam in (1e-2, 1e-3):
        sub = {th: 0.5, g: gam}
        ratio = _num(exact - (th + g * th**2), sub) / _num(claimed, sub)
        assert abs(ratio - 1) < 2 * gam


def test_euler_global_error_matches_iteration():
    res = derive.euler_global_error()
    g, h, T, th0 = derive.gamma, derive.h, derive.T, derive.theta0
    assert res.order == 1
    assert _zero(res.exact - th0 * sp.exp(-h * T))
    hv, Tv, t0 = 1.3, 2.0, 0.7
    errors = []
    for n in (1000, 2000, 4000):
        gam = Tv / n
        err = t0 * np.exp(-hv * Tv) - t0 * (1 - gam * hv) ** n
        lead = _num(res.leading_term, {g: gam, h: hv, T: Tv, th0: t0})
        assert abs(err / lead - 1) < 5 * gam
        errors.append(err)
    # First order: halving the step halves the error.
    assert errors[0] / errors[1] == pytest.approx(2, rel=1e-2)
    assert errors[1] / errors[2] == pytest.approx(2, rel=1e-2)
    # Symbolically, error/gamma has the limit leading/gamma (computed here with n = T/gamma directly).
    iterate = th0 * (1 - g * h) ** (T / g)
    assert _zero(sp.limit((res.exact - iterate) / g, g, 0) - res.leading_term / g)
    # The returned series starts at gamma^1.
    poly = sp.expand(res.error_series.removeO())
    assert poly.coeff(g, 0) == 0 and _zero(poly.coeff(g, 1) * g - res.leading_term)


def test_midpoint_difference_on_concrete_trajectories():
    res = derive.midpoint_difference()
    g = derive.gamma
    assert res.coefficient == sp.Rational(1, 24)
    th = _function(res.statement.rhs, "theta")
    tau = _symbol(res.statement.rhs, "tau")
    a, t, s = sp.symbols("a t s", real=True)
    # theta = exp(a t): the claimed right side matches the difference quotient up to O(gamma^4).
    sub = {th: sp.Lambda(s, sp.exp(a * s))}
    rhs = res.statement.rhs.removeO().subs(sub).doit().subs(tau, t + g / 2)
    quotient = (sp.exp(a * (t + g)) - sp.exp(a * t)) / g
    residual = sp.series(quotient - rhs, g, 0, 4).removeO()
    assert _zero(residual)
    # With a wrong coefficient the residual would not vanish at order gamma^2.
    wrong = (sp.diff(sp.exp(a * s), s) + g**2 / 12 * sp.diff(sp.exp(a * s), s, 3)).subs(s, t + g / 2)
    assert not _zero(sp.series(quotient - wrong, g, 0, 4).removeO())
    # Numerically with theta = sin: residual ~ gamma^4 theta^(5)(tau)/1920 (the returned error's next term).
    err_next = res.error.removeO().coeff(g, 4)
    for gam in (0.2, 0.1):
        tv = 0.3
        tau_v = tv + gam / 2
        quot = (np.sin(tv + gam) - np.sin(tv)) / gam
        resid = quot - (np.cos(tau_v) - gam**2 / 24 * np.cos(tau_v))
        next_term = gam**4 * _num(err_next.subs(th, sp.Lambda(s, sp.sin(s))).doit(), {tau: tau_v})
        assert resid == pytest.approx(next_term, rel=gam**2)
    # Read at the left point the difference is only first order: gamma/2 theta''(t).
    left = res.left_point_error.removeO()
    th_t = _function(left, "theta")
    t_sym = _symbol(left, "t")
    gam, tv = 1e-3, 0.3
    fwd = (np.sin(tv + gam) - np.sin(tv)) / gam - np.cos(tv)
    assert fwd == pytest.approx(_num(left.subs(th_t, sp.Lambda(s, sp.sin(s))).doit(), {t_sym: tv, g: gam}),
                                rel=1e-2)


def test_euler_stability_against_iteration():
    res = derive.euler_stability()
    assert _zero(res.factor - (1 - derive.gamma * derive.h))
    assert _zero(res.step_bound - 2 / derive.h)
    for z in np.linspace(-1, 3, 401):
        if min(abs(z), abs(z - 1), abs(z - 2)) < 1e-9:
            continue
        decays = abs(1 - z) < 1
        assert bool(res.stable.contains(sp.Float(z))) == decays
        assert bool(res.oscillating.contains(sp.Float(z))) == (decays and 1 - z < 0)
        assert bool(res.monotone.contains(sp.Float(z))) == (decays and 1 - z >= 0)
    # Gradient descent on h theta^2/2 just below / above the bound.
    hv = 4.0
    bound = _num(res.step_bound, {derive.h: hv})
    for lr, should_decay in ((0.99 * bound, True), (1.01 * bound, False)):
        theta = 1.0
        for _ in range(2000):
            theta -= lr * hv * theta
        assert (abs(theta) < 1e-3) == should_decay


# ---------------------------------------------------------------------------------------------------------
# Chapter 3
# ---------------------------------------------------------------------------------------------------------
def _leapfrog_numbers(lam_v, gam_v):
    return ((1 - lam_v * gam_v / 2) / (1 + lam_v * gam_v / 2), gam_v**2 / (1 + lam_v * gam_v / 2))


def test_leapfrog_coefficients_solve_the_scheme_numerically():
    res = derive.leapfrog_coefficients()
    lam_v, gam_v = 0.3, 0.1
    sub = {derive.lam: lam_v, derive.gamma: gam_v}
    b, a = _num(res.beta, sub), _num(res.alpha, sub)
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(5):
        tm, tn, grad = rng.normal(size=3)

        def residual(tp):
            vp, vm = (tp - tn) / gam_v, (tn - tm) / gam_v
            return (vp - vm) / gam_v + lam_v * (vp + vm) / 2 + grad

        # The scheme is affine in theta_{n+1}: solve from two evaluations.
        r0, r1 = residual(0.0), residual(1.0)
        tp = -r0 / (r1 - r0)
        assert tp == pytest.approx(tn + b * (tn - tm) - a * grad, rel=1e-12, abs=1e-12)
    # The solved update is the displayed equation.
    lhs_minus_rhs = res.update.lhs - res.update.rhs
    names = {s.name: s for s in lhs_minus_rhs.free_symbols}
    grad_n = _function(lhs_minus_rhs, r"\nabla L")(names["theta_n"])
    tp_claim = -0.4 + b * (-0.4 - 0.2) - a * 1.5
    vals = {names["theta_n-1"]: 0.2, names["theta_n+1"]: tp_claim, derive.lam: lam_v, derive.gamma: gam_v}
    assert abs(_num(lhs_minus_rhs.subs(grad_n, 1.5).subs(names["theta_n"], -0.4), vals)) < 1e-14


def test_leapfrog_is_second_order_on_damped_oscillator():
    res = derive.leapfrog_coefficients()
    lam_v, hv, Tv = 0.4, 1.0, 5.0
    w = np.sqrt(hv - lam_v**2 / 4)

    def exact(t):
        return np.exp(-lam_v * t / 2) * (np.cos(w * t) + lam_v / (2 * w) * np.sin(w * t))

    errors = []
    for n in (500, 1000, 2000):
        gam_v = Tv / n
        sub = {derive.lam: lam_v, derive.gamma: gam_v}
        b, a = _num(res.beta, sub), _num(res.alpha, sub)
        prev, cur = exact(0.0), exact(gam_v)  # exact start-up keeps the scheme second order
        for _ in range(n - 1):
            prev, cur = cur, cur + b * (cur - prev) - a * hv * cur
        errors.append(abs(cur - exact(Tv)))
    assert errors[0] / errors[1] == pytest.approx(4, rel=0.05)
    assert errors[1] / errors[2] == pytest.approx(4, rel=0.05)


def test_momentum_retuning_numerically():
    res = derive.momentum_retuning()
    al, be, lam, r = derive.alpha, derive.beta, derive.lam, derive.r
    # Round trip (lambda, gamma) -> (beta, alpha) -> (lambda, gamma).
    lam_v, gam_v = 0.5, 0.05
    b, a = _leapfrog_numbers(lam_v, gam_v)
    assert _num(res.gamma, {al: a, be: b}) == pytest.approx(gam_v, rel=1e-13)
    assert _num(res.damping, {al: a, be: b}) == pytest.approx(lam_v, rel=1e-13)
    # Step sqrt(alpha): gamma^2 = alpha (1 + lambda gamma/2) solved by the quadratic formula here.
    for a in (1e-4, 1e-6):
        gam_true = (a * lam_v / 2 + np.sqrt((a * lam_v / 2) ** 2 + 4 * a)) / 2
        approx = _num(res.gamma_series.removeO(), {al: a, lam: lam_v})
        assert abs(gam_true - approx) < lam_v**2 * a**1.5 / 16
        assert abs(gam_true - np.sqrt(a)) > lam_v * a / 8  # the alpha term is really there
    # Exact retuned momentum: keep lambda, change alpha to r alpha, solve for the new step numerically.
    for b0, a0, rv in ((0.9, 0.01, 4.0), (0.99, 1e-3, 0.25), (0.5, 0.2, 2.0)):
        lam0 = np.sqrt(2) * (1 - b0) / np.sqrt(a0 * (1 + b0))
        lo, hi = 0.0, 10.0
        for _ in range(200):  # bisection on gamma'^2 - r alpha (1 + lambda gamma'/2) = 0
            mid = (lo + hi) / 2
            if mid**2 - rv * a0 * (1 + lam0 * mid / 2) < 0:
                lo = mid
            else:
                hi = mid
        b_true = (1 - lam0 * lo / 2) / (1 + lam0 * lo / 2)
        assert _num(res.beta_new_exact, {be: b0, r: rv}) == pytest.approx(b_true, rel=1e-12)
        rule = _num(res.beta_new_rule, {be: b0, r: rv})
        assert rule == pytest.approx(1 - (1 - b0) * np.sqrt(rv), rel=1e-14)
    # The rule's error is second order in 1 - beta with the returned coefficient.
    rv = 4.0
    for b0 in (0.999, 0.9999):
        diff = _num(res.beta_new_exact - res.beta_new_rule, {be: b0, r: rv})
        pred = _num(res.rule_error.removeO(), {be: b0, r: rv})
        assert diff == pytest.approx(pred, rel=10 * (1 - b0))
        assert pred == pytest.approx((rv - np.sqrt(rv)) / 4 * (1 - b0) ** 2, rel=1e-12)


def test_torch_to_physics_by_simulation():
    res = derive.torch_to_physics()
    mu, lr = derive.mu, derive.lr
    assert _zero(res.mapping[derive.beta] - mu) and _zero(res.mapping[derive.alpha] - lr)
    assert set(res.mapping) == {derive.beta, derive.alpha}
    rng = np.random.default_rng(RNG_SEED)
    A = rng.normal(size=(4, 4))
    A = A @ A.T + np.eye(4)
    x0 = rng.normal(size=4)
    mu_v, lr_v = 0.9, 0.01

    def torch_run(steps):
        x, buf, out = x0.copy(), np.zeros(4), []
        for _ in range(steps):
            buf = mu_v * buf + A @ x
            x = x - lr_v * buf
            out.append((x, buf))
        return out

    def physics_run(steps, beta_v, alpha_v):
        x, vel, out = x0.copy(), np.zeros(4), []
        for _ in range(steps):
            vel = beta_v * vel - alpha_v * (A @ x)
            x = x + vel
            out.append((x, vel))
        return out

    beta_v = _num(res.mapping[derive.beta], {mu: mu_v})
    alpha_v = _num(res.mapping[derive.alpha], {lr: lr_v})
    for (xt, buf), (xp, vel) in zip(torch_run(20), physics_run(20, beta_v, alpha_v)):
        np.testing.assert_allclose(xp, xt, rtol=1e-12, atol=1e-14)
        vb = _symbol(res.velocity.rhs, "b")
        np.testing.assert_allclose(vel, [_num(res.velocity.rhs, {vb: bi, lr: lr_v}) for bi in buf],
                                   rtol=1e-12, atol=1e-15)
    # Other parameters give other iterates.
    assert not np.allclose(physics_run(3, mu_v, 2 * lr_v)[-1][0], torch_run(3)[-1][0])
    assert not np.allclose(physics_run(3, 0.5, lr_v)[-1][0], torch_run(3)[-1][0])
    # The returned symbolic iterates, with a concrete 1-D gradient 3 theta.
    th2 = res.iterates[1]
    G = _function(th2, r"\nabla L")
    s = sp.Symbol("s")
    val = _num(th2.subs(G, sp.Lambda(s, 3 * s)).doit(), {derive.theta0: 1.0, mu: mu_v, lr: lr_v})
    b1 = 3.0
    t1 = 1.0 - lr_v * b1
    b2 = mu_v * b1 + 3 * t1
    assert val == pytest.approx(t1 - lr_v * b2, rel=1e-14)


def test_heavy_ball_stability_region_matches_roots():
    res = derive.heavy_ball_stability()
    al, be, h = derive.alpha, derive.beta, derive.h
    z = _symbol(res.char_poly, "z")
    inside = sp.lambdify((al, be, h), res.region, "numpy")
    # The characteristic polynomial is the recurrence's: coefficients 1, -(1 + beta - alpha h), beta.
    coeffs = sp.Poly(res.char_poly, z).all_coeffs()
    assert _zero(coeffs[0] - 1) and _zero(coeffs[1] + 1 + be - al * h) and _zero(coeffs[2] - be)
    checked = 0
    for bv in np.linspace(-1.3, 1.3, 53):
        for ahv in np.linspace(-0.5, 5.0, 56):
            if abs(ahv) < 1e-9:
                continue  # alpha h > 0 is built into the positive symbols; use alpha h > 0 only
            if ahv < 0:
                continue
            rho = max(abs(np.roots([1.0, -(1 + bv - ahv), bv])))
            if abs(rho - 1) < 1e-6:
                continue
            assert bool(inside(ahv, bv, 1.0)) == (rho < 1), (bv, ahv, rho)
            checked += 1
    assert checked > 1500
    # The recurrence itself decays inside and blows up outside.
    for (av, bv), decays in (((1.0, 0.9), True), ((3.7, 0.9), True), ((3.9, 0.9), False), ((1.0, 1.01), False)):
        prev = cur = 1.0
        for _ in range(3000):
            prev, cur = cur, (1 + bv - av) * cur - bv * prev
        assert (abs(cur) < 1e-3) == decays
        assert bool(inside(av, bv, 1.0)) == decays


def test_heavy_ball_optimal_parameters_by_grid_search():
    res = derive.heavy_ball_stability()
    h_min_v, h_max_v = 1.0, 10.0
    kap = h_max_v / h_min_v
    sub = {derive.h_min: h_min_v, derive.h_max: h_max_v, derive.kappa: kap}
    a_opt, b_opt, rate = (_num(e, sub) for e in (res.alpha_opt, res.beta_opt, res.rate_opt))
    assert rate == pytest.approx(np.sqrt(b_opt), rel=1e-14)
    hs = np.linspace(h_min_v, h_max_v, 41)

    def worst(av, bv):
        return max(max(abs(np.roots([1.0, -(1 + bv - av * hv), bv]))) for hv in hs)

    assert worst(a_opt, b_opt) == pytest.approx(rate, abs=1e-6)
    best = min(worst(av, bv) for av in np.linspace(0.05, 0.5, 46) for bv in np.linspace(0.0, 0.95, 39))
    assert best >= rate - 1e-6
    assert best < rate + 0.02  # the grid gets close to the optimum
    # Critical damping: a double root.
    cb = res.critical_beta
    for ahv in (0.05, 0.3, 0.8):
        bv = _num(cb, {derive.alpha: ahv, derive.h: 1.0})
        assert (1 + bv - ahv) ** 2 - 4 * bv == pytest.approx(0, abs=1e-13)
        assert 0 <= bv < 1


# ---------------------------------------------------------------------------------------------------------
# Chapter 2
# ---------------------------------------------------------------------------------------------------------
def _double_well(x):
    return (x**2 - 1) ** 2 / 4


def test_fokker_planck_density_with_a_double_well():
    res = derive.fokker_planck_stationary()
    x, sig, L = derive.x, derive.sigma, derive.L
    dw = sp.Lambda(sp.Symbol("s"), _double_well(sp.Symbol("s")))
    Lc = _double_well(x)

    def current(p, s=sig):
        return -sp.diff(Lc, x) * p - s**2 / 2 * sp.diff(p, x)

    p = res.density.subs(L, dw).doit()
    assert _zero(current(p))
    assert _zero(sp.diff(current(p), x))
    assert res.current == 0
    assert _zero(res.temperature - sig**2 / 2)
    # The returned equation's right side vanishes for the density (L substituted here).
    P = _function(res.equation.lhs, "p")
    tt = _symbol(res.equation.lhs, "t")
    rhs = res.equation.rhs.subs(L, dw).doit()
    rhs = rhs.subs(P(x, tt), p).doit()
    assert _zero(rhs)
    # The popular exp(-L/sigma^2): nonzero current, equal to the returned one.
    q = res.popular_density.subs(L, dw).doit()
    Jq = current(q)
    assert _zero(Jq - res.popular_current.subs(L, dw).doit())
    assert abs(_num(Jq, {x: 0.5, sig: 0.7})) > 1e-3
    assert _zero(current(q, res.popular_noise))
    # Numerically: finite differences of the Fokker-Planck right side on a grid, sigma = 0.7.
    xs = np.linspace(-2, 2, 4001)
    dx = xs[1] - xs[0]
    sv = 0.7
    dens = sp.lambdify(x, p.subs(sig, sv), "numpy")(xs)
    dL = xs**3 - xs
    flux = dL * dens
    fp = np.gradient(flux, dx) + sv**2 / 2 * np.gradient(np.gradient(dens, dx), dx)
    assert np.max(np.abs(fp[5:-5])) < 1e-4 * np.max(dens)
    qd = sp.lambdify(x, q.subs(sig, sv), "numpy")(xs)
    fpq = np.gradient(dL * qd, dx) + sv**2 / 2 * np.gradient(np.gradient(qd, dx), dx)
    assert np.max(np.abs(fpq[5:-5])) > 1e-2 * np.max(qd)


def test_kramers_density_with_concrete_potentials():
    res = derive.kramers_stationary()
    x, v, lam, sig, L = derive.x, derive.v, derive.lam, derive.sigma, derive.L
    s = sp.Symbol("s")

    def rhs(p, Lc, damping=lam):
        return (-v * sp.diff(p, x) + sp.diff((damping * v + sp.diff(Lc, x)) * p, v)
                + sig**2 / 2 * sp.diff(p, v, 2))

    for Lc in (_double_well(x), 3 * x**2 / 2, sp.cos(x)):
        p = res.density.subs(L, sp.Lambda(s, Lc.subs(x, s))).doit()
        assert _zero(rhs(p, Lc) / p)
        # The returned equation's right side, with p substituted.
        P = _function(res.equation.lhs, "p")
        tt = _symbol(res.equation.lhs, "t")
        eq_rhs = res.equation.rhs.subs(L, sp.Lambda(s, Lc.subs(x, s))).doit().subs(P(x, v, tt), p).doit()
        assert _zero(eq_rhs / p)
    assert res.rhs == 0
    assert _zero(res.exponent - 2 * lam / sig**2)
    assert _zero(res.temperature - sig**2 / (2 * lam))
    # Wrong exponents leave a residual; the returned residual agrees with a direct computation.
    c = _symbol(res.residual, "c")
    Lc = _double_well(x)
    H = v**2 / 2 + Lc
    direct = sp.simplify(rhs(sp.exp(-c * H), Lc) / sp.exp(-c * H))
    assert _zero(direct - res.residual)
    assert not _zero(res.residual.subs(c, lam / sig**2))
    # Without friction: exponent 0, i.e. a constant (non-normalisable) density; c = 1 is not stationary.
    assert res.undamped_exponent == 0
    assert _zero(rhs(sp.exp(-res.undamped_exponent * H), Lc, damping=0))
    assert not _zero(rhs(sp.exp(-H), Lc, damping=0))


# ---------------------------------------------------------------------------------------------------------
# Chapter 5
# ---------------------------------------------------------------------------------------------------------
def test_adam_bias_by_recurrence_and_monte_carlo():
    res = derive.adam_bias()
    first, second = res.first_moment.rhs, res.second_moment.rhs
    b1, b2 = _symbol(first, "beta_1"), _symbol(second, "beta_2")
    t = _symbol(first, "t")
    Eg, Eg2 = _symbol(first, r"\mathbb{E}[g]"), _symbol(second, r"\mathbb{E}[g^2]")
    rng = np.random.default_rng(RNG_SEED)
    mean, std, n = 0.3, 1.0, 200_000
    b1v, b2v = 0.9, 0.99
    m = np.zeros(n)
    vv = np.zeros(n)
    for step in range(1, 31):
        g = mean + std * rng.standard_normal(n)
        m = b1v * m + (1 - b1v) * g
        vv = b2v * vv + (1 - b2v) * g**2
        if step in (1, 5, 30):
            em = _num(first, {b1: b1v, t: step, Eg: mean})
            ev = _num(second, {b2: b2v, t: step, Eg2: mean**2 + std**2})
            assert m.mean() == pytest.approx(em, abs=5 * m.std() / np.sqrt(n))
            assert vv.mean() == pytest.approx(ev, abs=5 * vv.std() / np.sqrt(n))
            # The correction removes the bias.
            assert _num(first * res.correction_m, {b1: b1v, t: step, Eg: mean}) == pytest.approx(mean, rel=1e-14)
    # Deterministic recurrence for symbolic beta and the first few t.
    mk = sp.S(0)
    for step in range(1, 6):
        mk = sp.expand(b1 * mk + (1 - b1) * Eg)
        assert _zero(mk - first.subs(t, step))
    assert _zero(res.correction_v * second - Eg2)


def test_adam_step_size_matches_torch_style_update():
    res = derive.adam_step_size()
    g, eps = _symbol(res.step, "g"), _symbol(res.step, "epsilon")
    lr, b2, t = derive.lr, _symbol(res.step_eps_hat, "beta_2"), _symbol(res.step_eps_hat, "t")
    lr_v, b1v, b2v, eps_v = 1e-3, 0.9, 0.999, 1e-3
    for gv in (0.02, -3.0, 1e-4):
        m = v = 0.0
        theta = 0.0
        for step in range(1, 6):
            m = b1v * m + (1 - b1v) * gv
            v = b2v * v + (1 - b2v) * gv**2
            # torch.optim.Adam: denom = sqrt(v)/sqrt(bc2) + eps; theta -= lr/bc1 * m/denom.
            bc1, bc2 = 1 - b1v**step, 1 - b2v**step
            upd = lr_v / bc1 * m / (np.sqrt(v) / np.sqrt(bc2) + eps_v)
            theta -= upd
            assert upd == pytest.approx(_num(res.step, {g: gv, eps: eps_v, lr: lr_v}), rel=1e-12)
            # Kingma & Ba's epsilon-hat form: lr_t = lr sqrt(bc2)/bc1; step lr_t m/(sqrt(v) + eps).
            upd_hat = lr_v * np.sqrt(bc2) / bc1 * m / (np.sqrt(v) + eps_v)
            sub = {g: gv, eps: eps_v, lr: lr_v, b2: b2v, t: step}
            assert upd_hat == pytest.approx(_num(res.step_eps_hat, sub), rel=1e-12)
        assert _num(res.limit, {g: gv, lr: lr_v}) == pytest.approx(lr_v * np.sign(gv), rel=1e-14)
    # Update size ~ lr per coordinate once |g| >> eps.
    assert _num(res.step, {g: 5.0, eps: 1e-8, lr: lr_v}) == pytest.approx(lr_v, rel=1e-8)


# ---------------------------------------------------------------------------------------------------------
# Chapter 6
# ---------------------------------------------------------------------------------------------------------
def test_scale_invariance_numerically():
    res = derive.scale_invariance()
    assert res.orthogonality == 0
    assert all(e == 0 for e in res.homogeneity)
    ws = sorted((s for s in res.loss.free_symbols if s.name.startswith("w_")), key=lambda s: s.name)
    Hs = sorted((s for s in res.loss.free_symbols if s.name.startswith("H_")), key=lambda s: s.name)
    assert len(ws) == 3 and len(Hs) == 6
    loss = sp.lambdify((ws, Hs), res.loss, "numpy")
    grad = sp.lambdify((ws, Hs), res.grad, "numpy")
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(5):
        A = rng.normal(size=(3, 3))
        H = A + A.T
        Hv = [H[int(s.name[2]) - 1, int(s.name[3]) - 1] for s in Hs]
        w = rng.normal(size=3)
        assert loss(w, Hv) == pytest.approx(0.5 * w @ H @ w / (w @ w), rel=1e-13)
        gw = np.asarray(grad(w, Hv), dtype=float).ravel()
        fd = np.array([(loss(w + 1e-6 * e, Hv) - loss(w - 1e-6 * e, Hv)) / 2e-6 for e in np.eye(3)])
        np.testing.assert_allclose(gw, fd, rtol=1e-6, atol=1e-8)
        assert abs(w @ gw) < 1e-12 * np.linalg.norm(w) * np.linalg.norm(gw) + 1e-15
        for c in (0.1, 3.0):
            gcw = np.asarray(grad(c * w, Hv), dtype=float).ravel()
            np.testing.assert_allclose(gcw, gw / c, rtol=1e-12)
            # Effective learning rate: a step on w = c u moves u like a step with rate eta/c^2.
            u = w / np.linalg.norm(w)
            eta = 0.05
            eff = _num(res.effective_lr, {_symbol(res.effective_lr, "eta"): eta, _symbol(res.effective_lr, "c"): c})
            gu = np.asarray(grad(u, Hv), dtype=float).ravel()
            np.testing.assert_allclose((c * u - eta * np.asarray(grad(c * u, Hv), dtype=float).ravel()) / c,
                                       u - eff * gu, rtol=1e-12)
        # The norm never shrinks under a gradient step.
        eta = 0.3
        w2 = w - eta * gw
        assert w2 @ w2 - w @ w == pytest.approx(eta**2 * gw @ gw, rel=1e-10)
    # The generic identity d/dc L(cw)|_{c=1} = w . grad L holds for any concrete L (invariant or not).
    a, b, cc = sp.symbols("a b cc")
    Lconcrete = sp.Lambda((a, b, cc), a * b**2 + sp.sin(cc) * a)
    Lf = _function(res.euler_identity.rhs, "L")
    lhs = res.euler_identity.lhs.subs(Lf, Lconcrete).doit()
    rhs = res.euler_identity.rhs.subs(Lf, Lconcrete).doit()
    assert _zero(lhs - rhs)
    lhs = res.chain_identity.lhs.subs(Lf, Lconcrete).doit()
    rhs = res.chain_identity.rhs.subs(Lf, Lconcrete).doit()
    assert _zero(lhs - rhs)
