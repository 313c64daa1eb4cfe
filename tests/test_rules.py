"""The update rules the book derives, checked against their continuous-time models and closed forms.

* Chapter 1: gradient descent is Euler's method — global error O(γ), constant from ``derive.euler_global_error``.
* Chapter 3: heavy ball with the leapfrog coefficients is second order for the damped oscillator when started
  with the staggered half-step velocity, first order from rest.
* Chapter 4: Nesterov's look-ahead point, its reduction to heavy ball, its 2×2 iteration matrix on a quadratic and
  the stability bound that matrix implies.
* Chapter 7: exponentiated gradient, EG step sizes and hypergradient descent against closed forms and a
  reference written from the paper.
* An optax-style table: every optimizer reaches the minimum of a parabola and of Rosenbrock's valley.

Convergence orders are fitted slopes of log(error) against log(γ) over γ = T/N, N = 100 … 1600: the slope of a
p-th order method is p + O(γ), which at these γ is within a few thousandths of p (measured: 2.002, 1.003,
1.001), so ± 0.1 (± 0.05 for Euler) separates first from second order with a wide margin either way.
"""

import functools

import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose, assert_array_equal

import minimopt as mo
from minimopt import derive

NS = np.array([100, 200, 400, 800, 1600])  # steps over [0, T]: γ = T/N spans a factor 16


def _slope(gammas, errors):
    """Least-squares slope of log(error) against log(γ)."""
    return np.polyfit(np.log(gammas), np.log(errors), 1)[0]


# ---------------------------------------------------------------------------------------------------------
# Chapter 3: heavy ball is leapfrog for θ'' + λθ' + hθ = 0
# ---------------------------------------------------------------------------------------------------------
OSCILLATORS = [  # (h, λ): underdamped and overdamped; θ(0) = 1, θ'(0) = 0 (a ball released at rest)
    pytest.param(4, sp.Rational(1, 2), id="underdamped-h4-lam0.5"),
    pytest.param(1, 3, id="overdamped-h1-lam3"),
]


@functools.cache
def _exact_oscillator(h, lam):
    """θ(t) and θ'(t) of θ'' + λθ' + hθ = 0, θ(0) = 1, θ'(0) = 0, from sympy.dsolve, as NumPy functions."""
    t = sp.Symbol("t", real=True)
    th = sp.Function("theta")
    sol = sp.dsolve(th(t).diff(t, 2) + lam * th(t).diff(t) + h * th(t), th(t),
                    ics={th(0): 1, th(t).diff(t).subs(t, 0): 0}).rhs
    assert sp.simplify(sol.diff(t, 2) + lam * sol.diff(t) + h * sol) == 0
    return sp.lambdify(t, sol, "numpy"), sp.lambdify(t, sol.diff(t), "numpy")


_leapfrog = functools.cache(derive.leapfrog_coefficients)
_heavy_ball_region = functools.cache(lambda: derive.heavy_ball_stability().region)


def _heavy_ball_max_error(h, lam, T, N, staggered):
    """max over n of |θₙ − θ(nγ)| for heavy ball with the leapfrog coefficients of ``derive``, γ = T/N."""
    theta, dtheta = _exact_oscillator(h, lam)
    gamma = T / N
    coeffs = _leapfrog()
    at = {derive.lam: lam, derive.gamma: sp.Rational(T) / N}
    opt = mo.HeavyBall(alpha=float(coeffs.alpha.subs(at)), beta=float(coeffs.beta.subs(at)))
    x0 = np.array([1.0])
    # The staggered grid: v is θₙ₊₁ − θₙ ≈ γ θ'(tₙ₊½), so the velocity before the first step is γ θ'(−γ/2).
    v0 = np.array([gamma * dtheta(-gamma / 2)]) if staggered else np.zeros(1)
    traj = mo.minimize(opt, mo.problems.Quadratic(np.array([[float(h)]])), x0, N,
                       state=opt.init(x0, velocity=v0))
    assert not traj.diverged
    return np.max(np.abs(traj.params[:, 0] - theta(gamma * np.arange(N + 1))))


@pytest.mark.parametrize("h, lam", OSCILLATORS)
@pytest.mark.parametrize("staggered, order", [(True, 2), (False, 1)], ids=["v0=gamma*theta'(-gamma/2)", "v0=0"])
def test_heavy_ball_converges_to_damped_oscillator(h, lam, staggered, order):
    """Leapfrog is second order with the staggered start velocity; v₀ = 0 (θ'(−γ/2) ≈ 0 instead of
    −γθ''(0)/2) is an O(γ²) error in the first step's velocity that spoils it to first order, as the book says."""
    T = 4.0
    errors = np.array([_heavy_ball_max_error(h, lam, T, int(N), staggered) for N in NS])
    slope = _slope(T / NS, errors)
    assert abs(slope - order) < 0.1, f"fitted order {slope:.3f}, errors {errors}"
    assert np.all(np.diff(errors) < 0)  # the error decreases monotonically with γ


def test_leapfrog_coefficients_are_the_books():
    """derive's β and α at λ = 0.3, γ = 0.1 are (1 − λγ/2)/(1 + λγ/2) and γ²/(1 + λγ/2) (exact rationals)."""
    coeffs = derive.leapfrog_coefficients()
    lam, gamma = sp.Rational(3, 10), sp.Rational(1, 10)
    at = {derive.lam: lam, derive.gamma: gamma}
    assert sp.simplify(coeffs.beta.subs(at) - (1 - lam * gamma / 2) / (1 + lam * gamma / 2)) == 0
    assert sp.simplify(coeffs.alpha.subs(at) - gamma**2 / (1 + lam * gamma / 2)) == 0


# ---------------------------------------------------------------------------------------------------------
# Chapter 1: gradient descent is Euler's method
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def euler_global():
    return derive.euler_global_error()


@pytest.mark.parametrize("h, T, theta0", [(1.0, 2.0, 1.5), (3.0, 0.5, -0.7)], ids=["hT=2", "hT=1.5"])
def test_euler_global_error_first_order_with_sympy_constant(euler_global, h, T, theta0):
    """θ(T) − θ_N for SGD(lr=γ) on L = hθ²/2 against e^{−hT}θ₀: slope 1 ± 0.05, and the error constant is
    SymPy's leading term (h²T/2)e^{−hT}θ₀ to 5 % at γ = T/1600 (the next term makes it ≈ 1 + O(γ))."""
    problem = mo.problems.Quadratic(np.array([[h]]))
    errors = []
    for N in NS:
        gamma = T / N
        traj = mo.minimize(mo.SGD(lr=gamma), problem, np.array([theta0]), int(N))
        errors.append(np.exp(-h * T) * theta0 - traj.params[-1, 0])
    errors = np.array(errors)
    gammas = T / NS
    assert abs(_slope(gammas, np.abs(errors)) - 1.0) < 0.05
    sub = {derive.h: h, derive.T: T, derive.theta0: theta0}
    leading = np.array([float(euler_global.leading_term.subs({**sub, derive.gamma: g})) for g in gammas])
    assert euler_global.order == 1
    # 5 % at the smallest γ (the sign of the error included: GD lags behind the flow).
    assert_allclose(errors[-1], leading[-1], rtol=0.05)
    # The two-term series of ``error_series`` leaves O(γ³), i.e. a relative O(γ²) (measured ≤ 2.1e-5 at
    # N = 100). The γ² term itself is ≈ 4e-3 of the error at N = 100, so 1e-4 relative checks it to ≈ 3 %.
    two_terms = euler_global.error_series.removeO()
    series = np.array([float(two_terms.subs({**sub, derive.gamma: g})) for g in gammas])
    assert_allclose(errors, series, rtol=1e-4)


# ---------------------------------------------------------------------------------------------------------
# Chapter 4: Nesterov
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lookahead", [0.0, 0.3, 0.5, 1.0])
def test_nesterov_query_point_is_lookahead(lookahead):
    """query(θ, state) = θ + ℓβv, bit for bit (one product and one sum, in the same order)."""
    rng = np.random.default_rng(1)
    theta, v = rng.normal(size=5), rng.normal(size=5)
    opt = mo.Nesterov(alpha=0.1, beta=0.7, lookahead=lookahead)
    state = opt.init(theta, velocity=v)
    assert_array_equal(opt.query(theta, state), theta + (lookahead * 0.7) * v)
    # Heavy ball takes its gradient at θ itself.
    hb = mo.HeavyBall(alpha=0.1, beta=0.7)
    assert_array_equal(hb.query(theta, hb.init(theta, velocity=v)), theta)


def test_nesterov_query_point_after_steps():
    """After a few steps the look-ahead uses the *current* velocity: query = θₙ + βvₙ with vₙ read from the
    state (the point Θₙ that torch's nesterov=True iterates track)."""
    opt = mo.Nesterov(alpha=0.01, beta=0.9)
    problem = mo.problems.Rosenbrock()
    theta = np.array([-1.2, 1.0])
    state = opt.init(theta)
    for _ in range(5):
        theta, state = opt.step(theta, problem.grad(opt.query(theta, state)), state)
    assert state["velocity"].any()
    assert_array_equal(opt.query(theta, state), theta + 0.9 * state["velocity"])


def _su_boyd_candes(problem, x0, s, n):
    """The readable two-sequence recurrence: x_k = y_{k−1} − s∇f(y_{k−1}), y_k = x_k + (k−1)/(k+2)(x_k − x_{k−1}),
    y₀ = x₀. Returns x₀ … x_n as rows."""
    x_prev, x, y = x0.copy(), x0.copy(), x0.copy()
    xs = [x0.copy()]
    for k in range(1, n + 1):
        x_prev, x = x, y - s * problem.grad(y)
        y = x + (k - 1) / (k + 2) * (x - x_prev)
        xs.append(x.copy())
    return np.array(xs)


NESTEROV_CONVEX_CASES = [
    ("quadratic-3d", mo.problems.Quadratic(np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.2], [0.0, 0.2, 1.0]]),
                                           np.array([1.0, 2.0, 1.5])), np.array([0.5, 0.5, 0.5]), 0.3),
    ("piecewise-1d", mo.problems.PiecewiseQuadratic(), np.array([3.3]), 1 / 25),
    ("piecewise-3d-m2-L10", mo.problems.PiecewiseQuadratic(m=2.0, L=10.0), np.array([3.3, -1.0, 1.5]), 0.1),
    ("rosenbrock", mo.problems.Rosenbrock(), np.array([-1.2, 1.0]), 1e-3),
]


@pytest.mark.parametrize("name, problem, x0, s", NESTEROV_CONVEX_CASES, ids=[c[0] for c in NESTEROV_CONVEX_CASES])
def test_nesterov_convex_is_the_su_boyd_candes_recurrence(name, problem, x0, s):
    """``minimize(NesterovConvex(s), …).params[k]`` is x_k of the recurrence bit for bit: the kernel forms
    y_k = x_k + β_k v_k with v_k = x_k − x_{k−1} computed by the same subtraction, then y_k − s∇f(y_k)."""
    n = 300
    traj = mo.minimize(mo.NesterovConvex(alpha=s), problem, x0, n)
    assert not traj.diverged
    assert_array_equal(traj.params, _su_boyd_candes(problem, x0, s, n))
    # The index convention spelt out: x₁ = x₀ − s∇f(x₀) and, as β₁ = 0, x₂ = x₁ − s∇f(x₁).
    x1 = x0 - s * problem.grad(x0)
    assert_array_equal(traj.params[1], x1)
    assert_array_equal(traj.params[2], x1 - s * problem.grad(x1))


@pytest.mark.parametrize("name, problem, x0, s", NESTEROV_CONVEX_CASES, ids=[c[0] for c in NESTEROV_CONVEX_CASES])
def test_nesterov_convex_step_query_and_step_in_place_follow_minimize(name, problem, x0, s):
    """query returns y_k, state.count is k and state["velocity"] is x_k − x_{k−1}; step and step_ agree with
    each other and with minimize bit for bit."""
    opt, n = mo.NesterovConvex(alpha=s), 60
    traj = mo.minimize(opt, problem, x0, n)
    theta, state = x0.copy(), opt.init(x0)
    theta_, state_ = x0.copy(), opt.init(x0)
    for k in range(n):
        assert state.count == k
        y = opt.query(theta, state)
        assert_array_equal(y, theta + (k - 1) / (k + 2) * state["velocity"])
        grad = problem.grad(y)
        previous = theta
        theta, state = opt.step(theta, grad, state)
        opt.step_(theta_, problem.grad(opt.query(theta_, state_)), state_)
        assert_array_equal(theta, traj.params[k + 1])
        assert_array_equal(theta_, theta)
        assert_array_equal(state["velocity"], theta - previous)


def test_nesterov_convex_objective_gap_is_o_of_one_over_s_k_squared():
    """Su, Boyd & Candès (2016), Theorem 6 (after Nesterov 1983/Beck & Teboulle 2009): for convex L-smooth f and
    s ≤ 1/L, f(x_k) − f* ≤ 2‖x₀ − x*‖²/(s(k + 1)²). Checked on Lessard et al.'s function (f* = 0 at 0)."""
    problem, x0 = mo.problems.PiecewiseQuadratic(), np.array([3.3, -2.0])
    s, n = 1 / 25, 500
    traj = mo.minimize(mo.NesterovConvex(alpha=s), problem, x0, n)
    k = np.arange(n + 1)
    assert np.all(traj.loss <= 2 * (x0 @ x0) / (s * (k + 1) ** 2))


def test_nesterov_without_lookahead_is_heavy_ball():
    """lookahead = 0 reproduces HeavyBall bit for bit, also from a non-zero starting velocity."""
    problem = mo.problems.Rosenbrock()
    x0 = np.array([-1.2, 1.0, 0.3])
    v0 = np.array([0.01, -0.02, 0.005])
    hb, nag0 = mo.HeavyBall(alpha=5e-4, beta=0.9), mo.Nesterov(alpha=5e-4, beta=0.9, lookahead=0.0)
    a = mo.minimize(hb, problem, x0, 500, state=hb.init(x0, velocity=v0))
    b = mo.minimize(nag0, problem, x0, 500, state=nag0.init(x0, velocity=v0))
    assert_array_equal(a.params, b.params)
    assert_array_equal(a.loss, b.loss)
    # ...and a look-ahead does change the run (the comparison is not vacuous).
    nag1 = mo.Nesterov(alpha=5e-4, beta=0.9, lookahead=1.0)
    assert not np.array_equal(a.params, mo.minimize(nag1, problem, x0, 500).params)


def _iteration_matrix(ah, beta, lookahead):
    """(θ, v) ↦ (θ', v') of v' = βv − αh(θ + ℓβv), θ' = θ + v' on L = hθ²/2, as a 2×2 matrix in a = αh."""
    shrink = beta * (1.0 - lookahead * ah)
    return np.array([[1.0 - ah, shrink], [-ah, shrink]])


BETA = 0.5
H_CURV = 2.0


@pytest.mark.parametrize("lookahead", [0.0, 0.5, 1.0])
def test_iteration_matrix_is_one_step(lookahead):
    """One step of the package on L = hθ²/2 is the matrix above applied to (θ, v) (to a few ulps)."""
    ah = 1.3
    opt = mo.Nesterov(alpha=ah / H_CURV, beta=BETA, lookahead=lookahead)
    problem = mo.problems.Quadratic(np.array([[H_CURV]]))
    theta, v = np.array([0.8]), np.array([-0.35])
    state = opt.init(theta, velocity=v)
    new_theta, new_state = opt.step(theta, problem.grad(opt.query(theta, state)), state)
    expected = _iteration_matrix(ah, BETA, lookahead) @ np.array([theta[0], v[0]])
    # Components of size ≤ 1 computed with a handful of roundings each: 1e-15 absolute is ≈ 5 ulps.
    assert_allclose([new_theta[0], new_state["velocity"][0]], expected, rtol=0, atol=1e-15)


def _bound(beta, lookahead):
    """Stability bound on αh at fixed (α, β): p(−1) > 0 for z² − (1 − a + β(1 − ℓa))z + β(1 − ℓa) gives
    a < 2(1 + β)/(1 + 2ℓβ); ℓ = 0 is heavy ball's 2(1 + β) (``derive.heavy_ball_stability``)."""
    return 2 * (1 + beta) / (1 + 2 * lookahead * beta)


# αh for β = 0.5: bounds are 3 (heavy ball), 2 (ℓ = ½) and 1.5 (ℓ = 1).
STABILITY_CASES = [(ah, la) for ah in (1.4, 1.6, 2.9, 3.1) for la in (0.0, 0.5, 1.0)]


@pytest.mark.parametrize("ah, lookahead", STABILITY_CASES, ids=[f"ah={a}-l={la}" for a, la in STABILITY_CASES])
def test_spectral_radius_decides_divergence(ah, lookahead):
    """numpy's eigenvalues of the iteration matrix decide, and ``minimize`` agrees: ρ > 1 ⇔ diverged, and a
    convergent run decays at rate ρ (fitted over steps 100–200, to 2 %)."""
    rho = np.max(np.abs(np.linalg.eigvals(_iteration_matrix(ah, BETA, lookahead))))
    assert (rho < 1.0) == (ah < _bound(BETA, lookahead))
    if lookahead == 0.0:  # the bound is derive's heavy-ball region
        region = _heavy_ball_region()
        assert bool(region.subs({derive.alpha: ah / H_CURV, derive.beta: BETA, derive.h: H_CURV})) == (rho < 1)
    opt = mo.Nesterov(alpha=ah / H_CURV, beta=BETA, lookahead=lookahead)
    traj = mo.minimize(opt, mo.problems.Quadratic(np.array([[H_CURV]])), np.array([1.0]), 3000)
    assert traj.diverged == (rho > 1.0)
    if rho < 1.0:
        envelope = [np.max(np.abs(traj.params[n:n + 20, 0])) for n in (100, 200)]
        assert_allclose((envelope[1] / envelope[0]) ** (1 / 100), rho, rtol=0.02)


def test_lookahead_does_not_widen_the_alpha_h_bound():
    """At fixed (α, β), looking ahead *shrinks* the stable range of αh: 2(1 + β)/(1 + 2ℓβ) ≤ 2(1 + β).

    Just above heavy ball's bound (αh = 2(1 + β) + 0.2: ρ ≥ 1.24, overflow within ≈ 1700 steps) both diverge; between the two bounds heavy ball
    converges and Nesterov (ℓ = 1) diverges. (Nesterov's wider region lies in β instead: see the next test.)
    """
    problem = mo.problems.Quadratic(np.array([[H_CURV]]))
    for beta in (0.2, 0.5, 0.9):
        for ah, hb_converges in ((2 * (1 + beta) + 0.2, False), (0.5 * (_bound(beta, 1) + _bound(beta, 0)), True)):
            rho_hb = np.max(np.abs(np.linalg.eigvals(_iteration_matrix(ah, beta, 0.0))))
            rho_nag = np.max(np.abs(np.linalg.eigvals(_iteration_matrix(ah, beta, 1.0))))
            assert (rho_hb < 1) == hb_converges and rho_nag > 1
            hb = mo.minimize(mo.HeavyBall(ah / H_CURV, beta), problem, np.array([1.0]), 10_000)
            nag = mo.minimize(mo.Nesterov(ah / H_CURV, beta), problem, np.array([1.0]), 10_000)
            assert hb.diverged == (not hb_converges) and nag.diverged


def test_lookahead_damps_oscillations():
    """Where the look-ahead does help on quadratics: heavy ball's complex roots have |z| = √β whatever αh,
    Nesterov's have |z| = √(β(1 − αh)) (complex for 0 < αh < 1 at β = 0.99): it contracts faster for every αh
    in [0.05, 1.3], and at αh = 1 its matrix is nilpotent — θ₂ = 0 exactly, while heavy ball is at −βθ₀."""
    beta = 0.99
    for ah in np.linspace(0.05, 1.3, 26):
        rho_hb = np.max(np.abs(np.linalg.eigvals(_iteration_matrix(ah, beta, 0.0))))
        rho_nag = np.max(np.abs(np.linalg.eigvals(_iteration_matrix(ah, beta, 1.0))))
        # eigvals of a 2×2 matrix: accurate to ~1e-15 away from a double root (the nearest is at αh ≈ 2.5e-5).
        assert_allclose(rho_hb, np.sqrt(beta), rtol=1e-12)
        if ah < 1:
            assert_allclose(rho_nag, np.sqrt(beta * (1 - ah)), rtol=1e-12)
        assert rho_nag < rho_hb
    problem = mo.problems.Quadratic(np.array([[2.0]]))  # α = 0.5: αh = 1 exactly in binary
    nag = mo.minimize(mo.Nesterov(alpha=0.5, beta=beta), problem, np.array([1.0]), 2)
    hb = mo.minimize(mo.HeavyBall(alpha=0.5, beta=beta), problem, np.array([1.0]), 2)
    assert nag.params[2, 0] == 0.0  # every operation is exact here (αh = 1, products of 0.5, 2, β and 1)
    assert_allclose(hb.params[2, 0], -beta, rtol=1e-15)


# ---------------------------------------------------------------------------------------------------------
# Chapter 7: learning the learning rate
# ---------------------------------------------------------------------------------------------------------
def test_exponentiated_gradient_positive_and_closed_form():
    """θ_t = θ₀ ⊙ exp(−lr Σₖ gₖ) with gradients of size up to 1000 (lr·|g| up to 500) and both signs.

    The gradients are integers and lr = ½, so lr·Σg is exact and the closed form is the correctly rounded
    exp times θ₀; the iterate is a product of t factors each rounded once (plus one rounding in exp), so after
    2000 steps it is within ≈ 4000 ulps ≈ 9e-13 in the worst case: rtol 1e-12. Signs are chosen to keep
    |lr Σg| ≤ 500, so every iterate lies between e^{−500}θ₀ and e^{500}θ₀: representable and positive.
    """
    rng = np.random.default_rng(42)
    lr, steps, d = 0.5, 2000, 5
    opt = mo.ExponentiatedGradient(lr)
    theta0 = rng.uniform(0.1, 10.0, size=d)
    theta, state = theta0.copy(), opt.init(theta0)
    exponent = np.zeros(d)  # lr·Σg, exact
    smallest = np.inf
    for _ in range(steps):
        # |g| in [200, 1000]; the sign pushes lr·Σg back towards 0 (so both signs occur, about equally).
        g = np.where(exponent > 0, -1.0, 1.0) * rng.integers(200, 1001, size=d)
        theta, state = opt.step(theta, g, state)
        exponent += lr * g
        smallest = min(smallest, theta.min())
        assert np.all(theta > 0)
        assert_allclose(theta, theta0 * np.exp(-exponent), rtol=1e-12, atol=0)
    assert smallest < 1e-150  # the run really went through huge factors of both signs
    assert np.max(exponent) > 100 and np.min(exponent) < -100


def test_exponentiated_gradient_stays_positive_under_one_signed_gradients():
    """Large positive gradients for many steps shrink θ geometrically towards 0 but never to 0 or below."""
    opt = mo.ExponentiatedGradient(lr=1.0)
    theta = np.array([1.0, 1e-3, 50.0])
    state = opt.init(theta)
    g = np.full(3, 1.5)
    for t in range(1, 401):  # θ₀ e^{−600} ≥ 1e-3·e^{−600} ≈ 3e-264: representable
        theta, state = opt.step(theta, g, state)
        assert np.all(theta > 0)
    assert_allclose(theta, np.array([1.0, 1e-3, 50.0]) * np.exp(-600.0), rtol=1e-12)


def test_eg_step_size_closed_form():
    """From ν₀ = 1, g₀ = 0: ν_t = exp(γ Σ_{k≤t} g_{k−1} ⊙ g_k) (rtol 1e-12: the product of t = 200 rounded
    exponentials against one exponential of a sum, ≈ 2 ulps per step), and θ_t = θ_{t−1} − lr ν_t ⊙ g_t with
    the closed-form ν_t (checked step by step, to 1e-12 of the size of the terms)."""
    rng = np.random.default_rng(5)
    lr, gamma, steps, d = 0.05, 0.3, 200, 4
    opt = mo.EGStepSize(lr, gamma)
    theta = rng.normal(size=d)
    state = opt.init(theta)
    assert_array_equal(state["step_size"], np.ones(d))
    prev = np.zeros(d)
    exponent = np.zeros(d)
    for t in range(steps):
        g = rng.normal(size=d)
        exponent += gamma * prev * g
        nu = np.exp(exponent)
        new_theta, state = opt.step(theta, g, state)
        assert_allclose(state["step_size"], nu, rtol=1e-12, atol=0)
        expected = theta - lr * nu * g
        assert np.all(np.abs(new_theta - expected) <= 1e-12 * (np.abs(theta) + np.abs(lr * nu * g)))
        if t == 0:  # ν₁ = exp(0) = 1 exactly: the first step is plain SGD
            assert_array_equal(new_theta, theta - lr * g)
        theta, prev = new_theta, g
    assert np.ptp(exponent) > 2.0  # the step sizes really moved apart (factor e² or more)


def test_eg_step_size_grows_with_agreeing_signs_and_shrinks_with_alternating():
    opt = mo.EGStepSize(lr=0.1, gamma=0.5)
    theta = np.zeros(2)
    state = opt.init(theta)
    for t in range(10):
        g = np.array([1.0, (-1.0) ** t])  # coordinate 0 agrees, coordinate 1 alternates
        theta, state = opt.step(theta, g, state)
    assert_allclose(state["step_size"], np.exp([0.5 * 9, -0.5 * 9]), rtol=1e-13)


def _sgd_hd_reference(grad, theta0, alpha0, beta, steps):
    """SGD-HD, Algorithm 1 of Baydin et al. (ICLR 2018), in plain Python, returning (θ₀…θ_T, α₁…α_T).

    h_t = −∇f(θ_{t−1})·∇f(θ_{t−2})  (with ∇f(θ_{−1}) = 0),  α_t = α_{t−1} − β h_t,  θ_t = θ_{t−1} − α_t ∇f(θ_{t−1}).
    """
    thetas, alphas = [list(theta0)], []
    alpha = alpha0
    prev = [0.0] * len(theta0)
    for _ in range(steps):
        theta = thetas[-1]
        g = list(grad(np.array(theta)))
        hypergrad = -sum(gi * pi for gi, pi in zip(g, prev))
        alpha = alpha - beta * hypergrad
        thetas.append([ti - alpha * gi for ti, gi in zip(theta, g)])
        alphas.append(alpha)
        prev = g
    return np.array(thetas), np.array(alphas)


def test_hypergradient_sgd_is_baydin_sgd_hd():
    """minimize and the step loop (with state["lr"]) against the paper's algorithm, rtol 1e-12 (the same
    operations up to the order of a 3-term dot product: a few ulps per step, contracted by the dynamics)."""
    H = np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.2], [0.0, 0.2, 1.0]])
    problem = mo.problems.Quadratic(H, np.array([1.0, 2.0, 1.5]))
    x0 = np.array([3.0, -2.0, 4.0])
    alpha0, beta, steps = 0.05, 0.01, 60
    ref_thetas, ref_alphas = _sgd_hd_reference(problem.grad, x0, alpha0, beta, steps)
    opt = mo.HypergradientSGD(lr=alpha0, beta=beta)
    traj = mo.minimize(opt, problem, x0, steps)
    assert_allclose(traj.params, ref_thetas, rtol=1e-12, atol=0)
    theta, state = x0.copy(), opt.init(x0)
    assert state["lr"] == alpha0
    for t in range(steps):
        theta, state = opt.step(theta, problem.grad(theta), state)
        assert_allclose(state["lr"], ref_alphas[t], rtol=1e-12)
        assert_allclose(theta, ref_thetas[t + 1], rtol=1e-12, atol=0)
    assert ref_alphas.max() > 2 * alpha0  # the learning rate really adapted (it more than doubles here)


# ---------------------------------------------------------------------------------------------------------
# Every optimizer solves a parabola and Rosenbrock's valley (optax-style table)
# ---------------------------------------------------------------------------------------------------------
H_WELL = np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.2], [0.0, 0.2, 1.0]])  # eigenvalues 0.89 … 2.32, κ ≈ 2.6
QUADRATIC = mo.problems.Quadratic(H_WELL, np.array([1.0, 2.0, 1.5]))  # minimiser ≈ (0.23, 1.09, 1.28) > 0
ROSENBROCK = mo.problems.Rosenbrock(a=1.0, b=100.0)                  # minimiser (1, 1); curvature ≈ 1000 there
X0_QUADRATIC = np.array([0.5, 0.5, 0.5])
X0_ROSENBROCK = np.array([-1.2, 1.0])   # the classic start
X0_POSITIVE = np.array([0.5, 0.5])      # exponentiated gradient needs a positive start

# Tolerances (max-norm distance to the minimiser at the last step):
EXACT_QUADRATIC = 1e-10   # linear convergence on a parabola: the stated step counts reach ≈ 1e-15
EXACT_ROSENBROCK = 1e-6   # and ≈ 1e-7 … 1e-15 in the valley


def _cycle(lr):
    """RMSprop and AdamW with a constant lr behave like sign descent near the minimum and settle in a cycle of
    amplitude ≈ lr/2 per coordinate (RMSprop on a parabola: exactly θ* ± lr/2); 2·lr bounds it with margin."""
    return 2 * lr


TABLE = [
    # id, problem, optimizer, x0, steps, tolerance
    ("SGD", QUADRATIC, mo.SGD(lr=0.3), X0_QUADRATIC, 300, EXACT_QUADRATIC),
    ("SGD", ROSENBROCK, mo.SGD(lr=1e-3), X0_ROSENBROCK, 40_000, EXACT_ROSENBROCK),
    ("SGD-momentum", QUADRATIC, mo.SGD(lr=0.1, momentum=0.9), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("SGD-momentum", ROSENBROCK, mo.SGD(lr=1e-3, momentum=0.9), X0_ROSENBROCK, 10_000, EXACT_ROSENBROCK),
    ("SGD-nesterov", QUADRATIC, mo.SGD(lr=0.1, momentum=0.9, nesterov=True), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("SGD-nesterov", ROSENBROCK, mo.SGD(lr=1e-3, momentum=0.9, nesterov=True), X0_ROSENBROCK, 10_000,
     EXACT_ROSENBROCK),
    ("Adam", QUADRATIC, mo.Adam(lr=1e-2), X0_QUADRATIC, 2000, EXACT_QUADRATIC),
    ("Adam", ROSENBROCK, mo.Adam(lr=1e-2), X0_ROSENBROCK, 40_000, EXACT_ROSENBROCK),
    ("AdamW", QUADRATIC, mo.AdamW(lr=1e-3), X0_QUADRATIC, 20_000, _cycle(1e-3)),
    ("AdamW", ROSENBROCK, mo.AdamW(lr=1e-3), X0_ROSENBROCK, 20_000, _cycle(1e-3)),
    ("Adagrad", QUADRATIC, mo.Adagrad(lr=0.5), X0_QUADRATIC, 300, EXACT_QUADRATIC),
    ("Adagrad", ROSENBROCK, mo.Adagrad(lr=0.5), X0_ROSENBROCK, 40_000, EXACT_ROSENBROCK),
    ("RMSprop", QUADRATIC, mo.RMSprop(lr=1e-3), X0_QUADRATIC, 5000, _cycle(1e-3)),
    ("RMSprop", ROSENBROCK, mo.RMSprop(lr=1e-3), X0_ROSENBROCK, 20_000, _cycle(1e-3)),
    ("HeavyBall", QUADRATIC, mo.HeavyBall(alpha=0.1, beta=0.9), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("HeavyBall", ROSENBROCK, mo.HeavyBall(alpha=1e-3, beta=0.9), X0_ROSENBROCK, 10_000, EXACT_ROSENBROCK),
    ("Nesterov", QUADRATIC, mo.Nesterov(alpha=0.1, beta=0.9), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("Nesterov", ROSENBROCK, mo.Nesterov(alpha=1e-3, beta=0.9), X0_ROSENBROCK, 10_000, EXACT_ROSENBROCK),
    ("Nesterov-midpoint", QUADRATIC, mo.Nesterov(alpha=0.1, beta=0.9, lookahead=0.5), X0_QUADRATIC, 1000,
     EXACT_QUADRATIC),
    ("Nesterov-midpoint", ROSENBROCK, mo.Nesterov(alpha=1e-3, beta=0.9, lookahead=0.5), X0_ROSENBROCK, 10_000,
     EXACT_ROSENBROCK),
    ("NesterovConvex", QUADRATIC, mo.NesterovConvex(alpha=0.3), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("NesterovConvex", ROSENBROCK, mo.NesterovConvex(alpha=1e-3), X0_ROSENBROCK, 40_000, EXACT_ROSENBROCK),
    ("ExponentiatedGradient", QUADRATIC, mo.ExponentiatedGradient(lr=0.3), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("ExponentiatedGradient", ROSENBROCK, mo.ExponentiatedGradient(lr=1e-3), X0_POSITIVE, 40_000,
     EXACT_ROSENBROCK),
    ("EGStepSize", QUADRATIC, mo.EGStepSize(lr=0.1, gamma=0.1), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("EGStepSize", ROSENBROCK, mo.EGStepSize(lr=1e-3, gamma=1e-3), X0_ROSENBROCK, 40_000, EXACT_ROSENBROCK),
    ("HypergradientSGD", QUADRATIC, mo.HypergradientSGD(lr=0.1, beta=1e-3), X0_QUADRATIC, 1000, EXACT_QUADRATIC),
    ("HypergradientSGD", ROSENBROCK, mo.HypergradientSGD(lr=1e-3, beta=1e-7), X0_ROSENBROCK, 40_000,
     EXACT_ROSENBROCK),
]
TABLE_IDS = [f"{row[0]}-{'quadratic' if row[1] is QUADRATIC else 'rosenbrock'}" for row in TABLE]


def test_table_covers_every_optimizer():
    every = {cls.__name__ for cls in mo.optimizers.optimizer_classes()}
    exported = {name for name in mo.__all__ if isinstance(getattr(mo, name), type)
                and issubclass(getattr(mo, name), mo.optimizers.Optimizer)}
    assert exported == every  # every optimizer class is public, and only those
    covered = {type(row[2]).__name__ for row in TABLE}
    assert every <= covered, f"optimizers missing from the table: {every - covered}"


# ---------------------------------------------------------------------------------------------------------
# The registry of rules: every identifier has its kernel and a class, every class a registered identifier
# ---------------------------------------------------------------------------------------------------------
def test_every_rule_has_a_kernel_reached_by_the_dispatch_and_a_class():
    from minimopt import _updates
    assert len(_updates.KERNELS) == len(_updates.RULES)
    rng = np.random.default_rng(5)
    for rule, kernel in enumerate(_updates.KERNELS):
        params, grad = rng.uniform(0.5, 1.5, size=4), rng.normal(size=4)
        buffers, scalars, hyper = np.full((3, 4), 0.5), np.array([2.0, 0.1]), np.array([0.1, 0.5, 0.5, 0.0, 0.0])
        args = [params.copy(), grad, buffers.copy(), scalars.copy(), hyper]
        direct = [params.copy(), grad, buffers.copy(), scalars.copy(), hyper]
        assert _updates.apply_update(rule, *args) == kernel(*direct)
        for got, want in zip(args, direct):
            assert_array_equal(got, want)
    classes = mo.optimizers.optimizer_classes()
    assert {cls._rule for cls in classes} == set(range(len(_updates.RULES)))


def test_a_class_without_a_kernel_is_refused_when_defined():
    with pytest.raises(TypeError, match="names no update kernel"):
        class NoKernel(mo.optimizers.Optimizer):  # noqa: F841
            pass
    with pytest.raises(TypeError, match="names no objective kernel"):
        class NoObjective(mo.problems.Problem):  # noqa: F841
            pass


@pytest.mark.parametrize("name, problem, opt, x0, steps, tol", TABLE, ids=TABLE_IDS)
def test_every_optimizer_reaches_the_minimum(name, problem, opt, x0, steps, tol):
    solution = problem.solution if problem is QUADRATIC else np.ones(2)
    traj = mo.minimize(opt, problem, x0, steps)
    assert not traj.diverged
    assert traj.params.shape == (steps + 1, x0.shape[0])
    assert np.max(np.abs(traj.params[-1] - solution)) <= tol
    # The loss came down by orders of magnitude from the start to (almost) the minimum value.
    minimum = problem.value(solution)
    assert traj.loss[-1] - minimum <= 1e-3 * (traj.loss[0] - minimum)
