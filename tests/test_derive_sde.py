"""Chapter 2's derivations (minimopt.derive.sde) re-checked by other routes: exhaustive enumeration in NumPy,
fixed-point iteration, Lyapunov solvers, a boundary-value solver and quadrature (scipy), and minimopt's sampler."""

import itertools

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, linalg

import minimopt as mo
from minimopt import derive
from minimopt.derive import sde


def _num(expr, values):
    return float(sp.sympify(expr).subs(values))


# ---------------------------------------------------------------------------------------------------------
# Minibatch covariance
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("replace", [True, False])
def test_minibatch_covariance_by_enumerating_every_batch_of_vector_gradients(replace):
    rng = np.random.default_rng(0)
    n = 6
    grads = rng.normal(size=(n, 2))
    Sigma = np.cov(grads.T, bias=True)  # per-example covariance, 1/n
    res = derive.minibatch_covariance()
    for B in (1, 2, 3, 5):
        batches = itertools.product(range(n), repeat=B) if replace else itertools.permutations(range(n), B)
        means = np.array([grads[list(idx)].mean(axis=0) for idx in batches])
        cov = np.cov(means.T, bias=True)  # exact: every batch once, all equally likely
        formula = res.with_replacement if replace else res.without_replacement
        factor = _num(formula, {sde.Sigma: 1, sde.B: B, sde.n_examples: n})
        np.testing.assert_allclose(cov, factor * Sigma, rtol=1e-12, atol=1e-14)


def test_least_squares_minibatches_have_covariance_sigma_over_b():
    # minimopt's sampler (with replacement) against Σ/B: 20 000 draws, tolerance 5 standard errors of a variance.
    rng = np.random.default_rng(1)
    A, y = rng.normal(size=(50, 2)), rng.normal(size=50)
    x = np.array([0.3, -0.2])
    per_example = A * (A @ x - y)[:, None]
    Sigma = np.cov(per_example.T, bias=True)
    draws = 20_000
    for B in (1, 4, 16):
        problem = mo.problems.LeastSquares(A, y, batch_size=B, seed=B)
        noise = np.array([problem.grad(x) for _ in range(draws)]) - problem.full_grad(x)
        measured = noise.T @ noise / draws
        for i in range(2):
            want = Sigma[i, i] / B
            assert abs(measured[i, i] - want) < 5 * want * np.sqrt(2 / draws)


# ---------------------------------------------------------------------------------------------------------
# Discrete SGD against the SDE
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lr, h, s", [(0.1, 1.0, 1.0), (0.9, 2.0, 0.3), (0.05, 30.0, 2.0), (1.99, 1.0, 1.0)])
def test_sgd_variance_is_the_fixed_point_of_the_variance_recursion(lr, h, s):
    res = derive.sgd_stationary_variance()
    v = 0.0
    for _ in range(200_000):  # v ← (1 − ηh)² v + η² s², a contraction for 0 < ηh < 2
        v = (1 - lr * h) ** 2 * v + lr**2 * s**2
    values = {sde.eta: lr, derive.h: h, sde.s: s}
    assert _num(res.variance, values) == pytest.approx(v, rel=1e-10)
    assert _num(res.sde_variance, values) == pytest.approx(lr * s**2 / (2 * h), rel=1e-14)
    assert _num(res.ratio, values) == pytest.approx(v / (lr * s**2 / (2 * h)), rel=1e-10)
    assert bool(res.stability.subs(values))
    assert not bool(res.stability.subs({sde.eta: 2.01 / h, derive.h: h}))


def test_sgd_variance_series_by_finite_differences():
    res = derive.sgd_stationary_variance()
    f = sp.lambdify(sde.eta, res.variance.subs({derive.h: 3.0, sde.s: 1.0}))
    e = 1e-4  # f(η)/η = s²/(2h) + η s²/4 + O(η²)
    assert (f(2 * e) / (2 * e) - f(e) / e) / e == pytest.approx(0.25, rel=1e-3)
    assert f(e) / e == pytest.approx(1 / 6, rel=1e-3)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    assert float(res.autocorrelation.subs({sde.eta: 0.1, derive.h: 2.0, j: 3})) == pytest.approx(0.8**3)


def test_sgd_recursion_has_the_stated_form():
    res = derive.sgd_stationary_variance()
    theta_k, xi = sp.symbols("theta_k xi", real=True)
    assert sp.simplify(res.recursion.rhs - (theta_k - sde.eta * (derive.h * theta_k + sde.s * xi))) == 0


# ---------------------------------------------------------------------------------------------------------
# Mean first-passage time and the Arrhenius law
# ---------------------------------------------------------------------------------------------------------
def _mfpt_quad(L, x0, b, sigma, lower):
    def inner(y):
        return integrate.quad(lambda z: np.exp(2 * (L(y) - L(z)) / sigma**2), lower, y, epsrel=1e-12)[0]
    return 2 / sigma**2 * integrate.quad(inner, x0, b, epsrel=1e-11)[0]


def test_mean_first_passage_time_solves_the_backward_boundary_value_problem():
    # The formula (quadrature) against scipy's BVP solver on (σ²/2)T″ − L′T′ = −1, T′(−3) = 0, T(1) = 0.
    sigma = 0.8
    res = derive.mean_first_passage_time()
    assert res.boundary_value == 0

    def rhs(x, Y):  # Y = (T, T′):  T″ = (2/σ²)(L′T′ − 1)
        return np.vstack([Y[1], 2 / sigma**2 * ((x**3 - x) * Y[1] - 1)])

    grid = np.linspace(-3.0, 1.0, 2001)
    sol = integrate.solve_bvp(rhs, lambda ya, yb: np.array([ya[1], yb[0]]), grid, np.zeros((2, grid.size)),
                              tol=1e-9, max_nodes=200_000)
    assert sol.success
    dw = lambda x: (x * x - 1) ** 2 / 4  # noqa: E731
    for x0 in (-1.0, -0.5, 0.0, 0.5):
        # the BVP reflects at −3 instead of −∞: the difference is below e^{-2(L(−3) − L(−1))/σ²} ≈ e^{-50}
        assert sol.sol(x0)[0] == pytest.approx(_mfpt_quad(dw, x0, 1.0, sigma, -3.0), rel=1e-6)
    # the returned formula is the double integral that _mfpt_quad evaluates
    y, z = sp.symbols("y z", real=True)
    s2 = derive.sigma**2
    expected = 2 / s2 * sp.Integral(sp.exp(2 * derive.L(y) / s2)
                                    * sp.Integral(sp.exp(-2 * derive.L(z) / s2), (z, -sp.oo, y)),
                                    (y, sde.x0, sde.boundary))
    assert res.formula == expected


def test_kramers_time_is_the_small_noise_limit_of_the_exact_mean():
    ar = derive.arrhenius_escape()
    dw = lambda x: (x * x - 1) ** 2 / 4  # noqa: E731
    errors = []
    for sigma in (0.5, 0.35, 0.25, 0.18):
        exact = _mfpt_quad(dw, -1.0, 1.0, sigma, -4.0)
        kramers = _num(ar.double_well["time_beyond_barrier"], {derive.sigma: sigma})
        errors.append(abs(exact / kramers - 1))
        top = _mfpt_quad(dw, -1.0, 0.0, sigma, -4.0)
        assert top / exact == pytest.approx(0.5, abs=0.15)  # half, up to the same small-σ corrections
    assert all(a > b for a, b in zip(errors, errors[1:]))  # the ratio tends to 1 as σ → 0
    assert errors[-1] < 0.03
    # local Arrhenius slope d log T/d(1/σ²) of the exact mean → 2ΔL = 1/2
    u = np.array([1 / 0.25**2, 1 / 0.2**2])
    T = [_mfpt_quad(dw, -1.0, 1.0, 1 / np.sqrt(ui), -4.0) for ui in u]
    slope = np.diff(np.log(T))[0] / np.diff(u)[0]
    assert slope == pytest.approx(_num(ar.slope, {sde.barrier: 0.25}), rel=0.01)


# ---------------------------------------------------------------------------------------------------------
# Noise scale η/B
# ---------------------------------------------------------------------------------------------------------
def test_excess_loss_by_scipy_lyapunov_solvers():
    res = derive.noise_scale_temperature()
    rng = np.random.default_rng(2)
    M = rng.normal(size=(3, 3))
    H = M @ M.T + np.eye(3)
    N = rng.normal(size=(3, 3))
    Sigma = N @ N.T
    eta, B = 0.01, 4
    C = linalg.solve_continuous_lyapunov(-H, -(eta / B) * Sigma)  # −HC − CH = −(η/B)Σ
    trace = sp.Symbol(r"\operatorname{tr}\Sigma", positive=True)
    assert 0.5 * np.trace(H @ C) == pytest.approx(_num(res.excess_loss, {sde.eta: eta, sde.B: B,
                                                                          trace: np.trace(Sigma)}), rel=1e-10)
    # 1-D exact recursion: C = (1 − ηh)² C + η² Σ/B  (discrete Lyapunov)
    h, S = 3.0, 2.0
    Cd = linalg.solve_discrete_lyapunov(np.array([[1 - eta * h]]), np.array([[eta**2 * S / B]]))[0, 0]
    assert h * Cd / 2 == pytest.approx(_num(res.discrete_excess_loss, {sde.eta: eta, sde.B: B, sde.Sigma: S,
                                                                       derive.h: h}), rel=1e-10)
    assert _num(res.temperature, {sde.eta: 0.2, sde.Sigma: 3.0, sde.B: 6}) == pytest.approx(0.05)
    assert _num(res.phase_time, {sde.eta: 0.1, sde.examples: 1000, sde.B: 10}) == pytest.approx(10.0)


def test_least_squares_sgd_second_moment_recursion_with_state_dependent_noise_by_enumeration():
    # The equation chapter 2 solves for the exact stationary loss of minibatch SGD on least squares,
    #   C' = (I - ηH) C (I - ηH) + (η²/B) (E_r[M_r C M_r] - HCH + Σ),  M_r = a_r a_rᵀ, Σ at θ*,
    # checked against the exact one-step expectation: every ordered batch (with replacement) and a symmetric set
    # of 2d deviations δ = ±√d R e_i with mean 0 and covariance C = R Rᵀ. Both sides are exact, so the tolerance
    # is floating-point rounding only.
    rng = np.random.default_rng(0)
    n, d, B, lr = 4, 2, 2, 0.3
    A, y = rng.normal(size=(n, d)), rng.normal(size=n)
    theta_star = np.linalg.lstsq(A, y, rcond=None)[0]
    residual = A @ theta_star - y
    H = A.T @ A / n
    Sigma = (A * residual[:, None]).T @ (A * residual[:, None]) / n
    R = np.linalg.cholesky(np.array([[0.5, 0.2], [0.2, 0.3]]))
    C = R @ R.T
    deltas = [sign * np.sqrt(d) * R[:, i] for i in range(d) for sign in (1.0, -1.0)]
    second = np.zeros((d, d))
    for delta in deltas:
        for batch in itertools.product(range(n), repeat=B):
            g = np.mean([A[r] * (A[r] @ (theta_star + delta) - y[r]) for r in batch], axis=0)
            step = delta - lr * g
            second += np.outer(step, step)
    second /= len(deltas) * n**B
    P = np.eye(d) - lr * H
    MCM = sum(np.outer(a, a) @ C @ np.outer(a, a) for a in A) / n
    formula = P @ C @ P + lr**2 / B * (MCM - H @ C @ H + Sigma)
    np.testing.assert_allclose(second, formula, rtol=1e-12, atol=1e-14)
