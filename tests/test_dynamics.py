"""Stochastic dynamics: Langevin and Kramers ensembles against their stationary densities.

The references are computed here with NumPy alone (trapezoidal quadrature on a fine grid), never with minimopt.
Ensembles are compared with them in units of the ensemble's standard error, and every comparison states the
time-step bias of the scheme, computed independently, so that a pass means agreement with the continuous-time
density and not with an artefact of Δt.
"""

import numba
import numpy as np
import pytest

import minimopt as mo

SIGMA = 0.7
QUAD_GRID = np.linspace(-4.0, 4.0, 8001)  # beyond |x| = 4, 2L/σ² > 200: the densities are below e^-100 there
Z_PASS = 4.0  # agreement: |ensemble − density| < 4 standard errors
Z_FAIL = 10.0  # disagreement: the wrong exponent must miss by more than 10 standard errors

# Langevin ensemble: N particles, half started in each well (the law stays symmetric, so only the fast even modes
# relax: the slowest has rate ≈ 1.49, and e^{-1.49·8} ≈ 7e-6). The Euler–Maruyama bias is O(Δt); at Δt = 0.0025
# it is about 0.15 standard errors for E[x²] and 0.24 for P(|x| < ½), computed in
# test_langevin_time_step_bias_is_below_the_statistical_error.
LANGEVIN_N, LANGEVIN_DT, LANGEVIN_T = 50_000, 0.0025, 8.0
# Kramers ensemble: λ = 1; second moments relax at rate ≈ λ = 1 near the wells, so T = 12 leaves e^{-12} ≈ 6e-6.
# The semi-implicit scheme's bias is O(Δt²) for E[x²] and ≈ λΔt/2 relative for E[v²] (0.15%, 0.24 SE).
KRAMERS_N, KRAMERS_DT, KRAMERS_T, DAMPING = 50_000, 0.003, 12.0, 1.0


def double_well(x):
    return (x**2 - 1.0) ** 2 / 4.0


def density_stats(exponent):
    """E[x²], Var[x²], P(|x| < ½) under p ∝ exp(−exponent·L/σ²) for the double well, by quadrature."""
    x = QUAD_GRID
    weight = np.exp(-exponent * double_well(x) / SIGMA**2)
    z = np.trapezoid(weight, x)
    m2 = np.trapezoid(x**2 * weight, x) / z
    m4 = np.trapezoid(x**4 * weight, x) / z
    inner = np.abs(x) <= 0.5 + 1e-12  # ±½ are grid points
    return m2, m4 - m2**2, np.trapezoid(weight[inner], x[inner]) / z


def symmetric_start(n):
    """Half the particles at −1, half at +1: shape (n, 1)."""
    return np.where(np.arange(n)[:, None] < n // 2, -1.0, 1.0)


@pytest.fixture(scope="module")
def langevin_ensemble():
    steps = int(round(LANGEVIN_T / LANGEVIN_DT))
    X = mo.langevin(mo.problems.DoubleWell(), symmetric_start(LANGEVIN_N), SIGMA, LANGEVIN_DT, steps, LANGEVIN_N,
                    seed=2024)
    return X[:, 0]


def langevin_z_scores(x, exponent):
    """z-scores of the ensemble's E[x²] and P(|x| < ½) against the density ∝ exp(−exponent·L/σ²)."""
    n = x.shape[0]
    m2, var_x2, p_inner = density_stats(exponent)
    z_m2 = (np.mean(x**2) - m2) / np.sqrt(var_x2 / n)
    z_inner = (np.mean(np.abs(x) < 0.5) - p_inner) / np.sqrt(p_inner * (1 - p_inner) / n)
    return z_m2, z_inner


def test_langevin_samples_exp_minus_2L_over_sigma_squared(langevin_ensemble):
    """The factor-2 point of the book: dX = −L′dt + σ dW is stationary at exp(−2L/σ²), not exp(−L/σ²).

    On the double well at σ = 0.7 the ensemble's E[x²] and P(|x| < ½) agree with exp(−2L/σ²) within 4 standard
    errors; the popular exp(−L/σ²) (the density for noise σ√2) is missed by more than 10.
    """
    z_m2, z_inner = langevin_z_scores(langevin_ensemble, exponent=2.0)
    assert abs(z_m2) < Z_PASS, f"E[x²] off by {z_m2:.2f} standard errors from exp(-2L/σ²)"
    assert abs(z_inner) < Z_PASS, f"P(|x|<½) off by {z_inner:.2f} standard errors from exp(-2L/σ²)"
    wrong_m2, wrong_inner = langevin_z_scores(langevin_ensemble, exponent=1.0)
    assert abs(wrong_m2) > Z_FAIL, f"exp(-L/σ²) not excluded by E[x²]: only {wrong_m2:.2f} standard errors"
    assert abs(wrong_inner) > Z_FAIL, f"exp(-L/σ²) not excluded by P(|x|<½): only {wrong_inner:.2f} SE"


def test_langevin_time_step_bias_is_below_the_statistical_error():
    """The Euler–Maruyama chain's own stationary law, from its transition kernel on a grid, is within 0.3 SE.

    The chain x ↦ x − L′(x)Δt + σ√Δt ξ has the kernel N(x − L′(x)Δt, σ²Δt); its stationary vector on a grid
    (Nyström, spectrally accurate: 961 and 1601 points agree to 1e-11) gives the exact discrete-time moments. The
    difference from the continuous density is the bias the ensemble test carries.
    """
    grid = np.linspace(-3.0, 3.0, 961)  # spacing 1/160: ±½ are grid points, σ√Δt = 5.6 spacings
    sd = SIGMA * np.sqrt(LANGEVIN_DT)
    drift = grid - (grid**3 - grid) * LANGEVIN_DT
    kernel = np.exp(-0.5 * ((grid[None, :] - drift[:, None]) / sd) ** 2) * (grid[1] - grid[0]) / (np.sqrt(2 * np.pi) * sd)
    system = kernel.T - np.eye(grid.size)
    system[-1] = 1.0  # replace one (redundant) balance equation by the normalisation
    rhs = np.zeros(grid.size)
    rhs[-1] = 1.0
    p = np.linalg.solve(system, rhs)
    inner = np.where(np.abs(grid) < 0.5 - 1e-9, 1.0, 0.0) + np.where(np.isclose(np.abs(grid), 0.5), 0.5, 0.0)
    m2, var_x2, p_inner = density_stats(2.0)
    bias_m2 = (grid**2 @ p - m2) / np.sqrt(var_x2 / LANGEVIN_N)
    bias_inner = (inner @ p - p_inner) / np.sqrt(p_inner * (1 - p_inner) / LANGEVIN_N)
    assert abs(bias_m2) < 0.3 and abs(bias_inner) < 0.3, (bias_m2, bias_inner)


@pytest.mark.parametrize("problem, sigma, lo, hi", [
    (mo.problems.DoubleWell(), 0.7, -3.0, 3.0),
    (mo.problems.DoubleWell(tilt=0.1), 0.5, -2.5, 2.5),
    (mo.problems.Quadratic([[2.0]], b=[1.0]), 1.3, -5.0, 6.0),
])
def test_stationary_density_is_normalised_exp_minus_2L_over_sigma_squared(problem, sigma, lo, hi):
    grid = np.linspace(lo, hi, 2001)
    if isinstance(problem, mo.problems.DoubleWell):
        loss = double_well(grid) + problem.tilt * grid
    else:
        loss = 0.5 * problem.H[0, 0] * grid**2 - problem.b[0] * grid
    expected = np.exp(-2.0 * loss / sigma**2)
    expected /= np.trapezoid(expected, grid)
    p = mo.stationary_density(problem, sigma, grid)
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=0.0)
    assert abs(np.trapezoid(p, grid) - 1.0) < 1e-12


@pytest.fixture(scope="module")
def kramers_ensemble():
    steps = int(round(KRAMERS_T / KRAMERS_DT))
    X, V = mo.kramers(mo.problems.DoubleWell(), symmetric_start(KRAMERS_N), np.zeros(1), DAMPING, SIGMA,
                      KRAMERS_DT, steps, KRAMERS_N, seed=7)
    return X[:, 0], V[:, 0]


def test_kramers_samples_exp_minus_2_lambda_over_sigma_squared_times_energy(kramers_ensemble):
    """Kramers on the double well, λ = 1, σ = 0.7: stationary ∝ exp(−(2λ/σ²)(v²/2 + L)).

    So v ~ N(0, σ²/(2λ)) independent of x, and x has the Langevin marginal exp(−2λL/σ²). E[v²], E[x²] and
    E[xv] = 0 agree within 4 standard errors. Time-step bias: E[v²] is σ²/(2λ)·(1 + λΔt/2 + …) (0.24 SE here),
    E[x²] is biased at O(Δt²) only; both are checked on the linearised scheme in the next test.
    """
    x, v = kramers_ensemble
    n = x.shape[0]
    m2, var_x2, _ = density_stats(2.0 * DAMPING)
    v2 = SIGMA**2 / (2 * DAMPING)
    z_v2 = (np.mean(v**2) - v2) / np.sqrt(2 * v2**2 / n)
    z_x2 = (np.mean(x**2) - m2) / np.sqrt(var_x2 / n)
    z_xv = np.mean(x * v) / np.sqrt(m2 * v2 / n)
    assert abs(z_v2) < Z_PASS and abs(z_x2) < Z_PASS and abs(z_xv) < Z_PASS, (z_v2, z_x2, z_xv)


def test_kramers_time_step_bias_is_below_the_statistical_error():
    """The scheme linearised at a well (L″ = 2) has an exact stationary covariance C = ACAᵀ + bbᵀ: bias < 0.3 SE."""
    h, dt, kick = 2.0, KRAMERS_DT, SIGMA * np.sqrt(KRAMERS_DT)
    # (x, v) ↦ v′ = (1 − λΔt)v − hΔt x + kick ξ, x′ = x + Δt v′
    A = np.array([[1 - h * dt**2, dt * (1 - DAMPING * dt)], [-h * dt, 1 - DAMPING * dt]])
    b = np.array([dt * kick, kick])
    C = np.linalg.solve(np.eye(4) - np.kron(A, A), np.outer(b, b).ravel()).reshape(2, 2)
    v2 = SIGMA**2 / (2 * DAMPING)
    x2 = SIGMA**2 / (2 * DAMPING * h)
    assert abs(C[1, 1] - v2) / np.sqrt(2 * v2**2 / KRAMERS_N) < 0.3
    assert abs(C[0, 0] - x2) / np.sqrt(2 * x2**2 / KRAMERS_N) < 0.01


def test_ensembles_are_bit_identical_with_one_and_two_threads(two_threads):
    problem, x0, n, steps = mo.problems.DoubleWell(), np.array([0.3, -0.2]), 2000, 300
    runs = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        runs.append((mo.langevin(problem, x0, SIGMA, 0.01, steps, n, seed=11),
                     *mo.kramers(problem, x0, np.zeros(2), DAMPING, SIGMA, 0.01, steps, n, seed=11)))
    for one, two in zip(*runs):
        np.testing.assert_array_equal(one, two)


def test_seeds_and_particles_have_their_own_streams():
    problem, x0 = mo.problems.DoubleWell(), np.array([0.5])
    a = mo.langevin(problem, x0, SIGMA, 0.01, 100, 1000, seed=0)
    assert np.unique(a).size == a.size  # every particle its own path
    assert not np.any(mo.langevin(problem, x0, SIGMA, 0.01, 100, 1000, seed=1) == a)
    np.testing.assert_array_equal(mo.langevin(problem, x0, SIGMA, 0.01, 100, 1000, seed=0), a)
    # particle k's path does not depend on how many particles run beside it
    np.testing.assert_array_equal(mo.langevin(problem, x0, SIGMA, 0.01, 100, 10, seed=0), a[:10])
    X, V = mo.kramers(problem, x0, np.zeros(1), DAMPING, SIGMA, 0.01, 100, 1000, seed=0)
    X10, V10 = mo.kramers(problem, x0, np.zeros(1), DAMPING, SIGMA, 0.01, 100, 10, seed=0)
    np.testing.assert_array_equal(X10, X[:10])
    np.testing.assert_array_equal(V10, V[:10])
    assert not np.any(mo.kramers(problem, x0, np.zeros(1), DAMPING, SIGMA, 0.01, 100, 1000, seed=5)[0] == X)


@pytest.mark.parametrize("problem, x0", [
    (mo.problems.DoubleWell(), np.array([0.3, -2.0, 1.7])),
    (mo.problems.Rosenbrock(), np.array([-1.2, 1.0])),
])
def test_noiseless_langevin_is_gradient_descent(problem, x0):
    dt, steps = 1e-3, 500
    X = mo.langevin(problem, x0, 0.0, dt, steps, 3)
    gd = mo.minimize(mo.SGD(lr=dt), problem, x0, steps).params[-1]
    for particle in X:
        np.testing.assert_allclose(particle, gd, rtol=1e-12, atol=0.0)


def test_noiseless_kramers_is_the_heavy_ball():
    """σ = 0: with u = vΔt the scheme is u ← (1 − λΔt)u − Δt²∇L, x ← x + u, the heavy ball α = Δt², β = 1 − λΔt."""
    problem, x0, v0, dt, steps = mo.problems.DoubleWell(), np.array([0.3, -2.0]), np.array([1.0, 0.5]), 0.05, 400
    X, V = mo.kramers(problem, x0, v0, DAMPING, 0.0, dt, steps, 2)
    opt = mo.HeavyBall(alpha=dt**2, beta=1 - DAMPING * dt)
    traj = mo.minimize(opt, problem, x0, steps, state=opt.init(x0, velocity=v0 * dt))
    np.testing.assert_allclose(X[0], traj.params[-1], rtol=1e-10)
    np.testing.assert_array_equal(X[0], X[1])


@pytest.mark.parametrize("run", ["langevin", "kramers"])
def test_a_diverging_ensemble_raises_instead_of_returning_nan(run):
    problem, x0 = mo.problems.Quadratic([[1.0]]), np.array([1.0])
    with pytest.raises(FloatingPointError):
        if run == "langevin":
            mo.langevin(problem, x0, 0.1, 10.0, 1000, 4)  # x ← −9x per step
        else:
            mo.kramers(problem, x0, np.zeros(1), DAMPING, 0.1, 10.0, 1000, 4)


ONE_DIMENSIONAL = {
    "double well": mo.problems.DoubleWell(),
    "quadratic 1x1": mo.problems.Quadratic([[1.5]], [0.2]),
    "piecewise quadratic": mo.problems.PiecewiseQuadratic(),
    "least squares, minibatch of 4": mo.problems.LeastSquares(np.linspace(-1.0, 1.0, 20)[:, None],
                                                              np.linspace(0.0, 2.0, 20), batch_size=4),
}


@pytest.mark.parametrize("n", [1, 5, 66])
@pytest.mark.parametrize("name", ONE_DIMENSIONAL)
def test_one_dimensional_ensembles_are_bit_identical_to_the_general_kernel(name, n):
    # langevin runs 1-D ensembles with their own kernel (positions in registers, four particles interleaved, the
    # slope computed on the number for the double well, the piecewise quadratic and a 1x1 quadratic); it must give
    # the bits of the general d-dimensional kernel for every kind of problem and any n (n mod 4 = 1, 1, 2 here).
    from minimopt import _parallel, dynamics

    problem, x0, steps = ONE_DIMENSIONAL[name], np.array([0.3]), 50
    X = mo.langevin(problem, x0, SIGMA, 0.01, steps, n, seed=4)
    reference, scratch = np.tile(x0, (n, 1)), np.empty((n, 1))
    streams = _parallel.particle_streams(np.uint64(4), n)
    dynamics._langevin_chunk(*problem.kernel_data, reference, scratch, streams, SIGMA, 0.01, steps)
    np.testing.assert_array_equal(X, reference)
    assert np.unique(X).size == n  # the particles did move apart: the comparison is not vacuous
