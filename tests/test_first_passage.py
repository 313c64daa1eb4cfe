"""``mo.exit_times``: first-passage times of the Langevin dynamics against the exact mean first-passage time.

The reference is the mean first-passage time of the 1-D diffusion dX = −L′(X)dt + σdW from x0 to b (reflected at
−∞), computed here with scipy.integrate.quad alone (never with minimopt):

    T(x0) = (2/σ²) ∫_{x0}^{b} dy ∫_{−∞}^{y} dz exp(2(L(y) − L(z))/σ²)      (Gardiner 2009, Sec. 5.5).

Where the discretisation bias comes from: the Euler–Maruyama path is looked at only every Δt, so a path that
crosses b and comes back between two steps is not counted, and the first step beyond b overshoots it. Both make
measured exit times longer, by O(√Δt) (the path moves by σ√Δt in a step). For Brownian motion the effect is a
boundary shifted outward by β σ √Δt, β = −ζ(1/2)/√(2π) ≈ 0.5826 (Broadie, Glasserman & Kou 1997); the tests
use that shift and check that without it the bias is there and beyond the statistical error. Means are compared
in units of their standard error (exit times are close to exponential, SE = std/√n); |z| < 4 passes.
"""

import numba
import numpy as np
import pytest
from scipy import integrate, special

import minimopt as mo
from minimopt import _parallel

BETA = 0.5826  # −ζ(1/2)/√(2π), the discrete-monitoring shift of Broadie, Glasserman & Kou (1997)
Z_PASS = 4.0


def double_well(x):
    return (x * x - 1.0) ** 2 / 4.0


def mean_first_passage_time(L, x0, b, sigma, lower=-4.0):
    """The double integral above by nested quadrature (x0 < b; the integrand is below e^-100 for z < −4)."""
    def inner(y):
        return integrate.quad(lambda z: np.exp(2 * (L(y) - L(z)) / sigma**2), lower, y, epsabs=0.0,
                              epsrel=1e-11, limit=200)[0]
    return 2 / sigma**2 * integrate.quad(inner, x0, b, epsabs=0.0, epsrel=1e-10, limit=200)[0]


def z_score(times, reference):
    assert np.all(np.isfinite(times))
    return (times.mean() - reference) / (times.std() / np.sqrt(times.size))


def test_quadrature_reference_is_the_closed_form_for_the_ornstein_uhlenbeck_process():
    # L = x²/2, σ = 1: the inner integral is (√π/2)(1 + erf(y)) e^{y²}; a check of the reference itself.
    exact = 2 * integrate.quad(lambda y: np.exp(y * y) * np.sqrt(np.pi) / 2 * (1 + special.erf(y)), 0.0, 1.0,
                               epsrel=1e-12)[0]
    assert mean_first_passage_time(lambda x: x * x / 2, 0.0, 1.0, 1.0, lower=-12.0) == pytest.approx(exact, 1e-9)


def test_over_the_barrier_to_the_other_well_agrees_with_the_exact_mean():
    # From −1 to +1 at σ = 0.6: T ≈ 22.2. At b = 1 the boundary shift β σ √Δt = 0.025 changes T by 0.5% (≈ 0.7 SE).
    sigma, dt, n = 0.6, 0.005, 10_000
    times = mo.exit_times(mo.problems.DoubleWell(), -1.0, sigma, dt, 1.0, 10**8, n, seed=3)
    shifted = mean_first_passage_time(double_well, -1.0, 1.0 + BETA * sigma * np.sqrt(dt), sigma)
    assert abs(z_score(times, shifted)) < Z_PASS
    assert times.mean() == pytest.approx(mean_first_passage_time(double_well, -1.0, 1.0, sigma), rel=0.04)


def test_to_the_barrier_top_the_sqrt_dt_bias_is_the_discrete_monitoring_shift():
    # At the barrier top T is steep in b: at Δt = 0.01 the measured mean is ≈ 5% (≈ 10 SE) above T(b), and agrees
    # with T(b + βσ√Δt), the boundary shifted by the discrete monitoring.
    sigma, dt, n = 0.6, 0.01, 20_000
    times = mo.exit_times(mo.problems.DoubleWell(), -1.0, sigma, dt, 0.0, 10**8, n, seed=4)
    plain = mean_first_passage_time(double_well, -1.0, 0.0, sigma)
    shifted = mean_first_passage_time(double_well, -1.0, BETA * sigma * np.sqrt(dt), sigma)
    assert abs(z_score(times, shifted)) < Z_PASS
    assert z_score(times, plain) > 2 * Z_PASS


def test_downward_exits_of_a_quadratic_agree_with_the_exact_mean():
    # L = x²/2 from 0 down to −1 (by symmetry the OU mean from 0 up to 1), σ = 1, Δt = 0.002.
    sigma, dt, n = 1.0, 0.002, 10_000
    times = mo.exit_times(mo.problems.Quadratic(np.array([[1.0]])), np.array([0.0]), sigma, dt, -1.0, 10**7, n,
                          seed=5)
    shift = BETA * sigma * np.sqrt(dt)
    reference = mean_first_passage_time(lambda x: x * x / 2, 0.0, 1.0 + shift, sigma, lower=-12.0)
    assert abs(z_score(times, reference)) < Z_PASS


@pytest.mark.parametrize("n", [1, 3, 5, 66, 400])
def test_exit_steps_are_the_first_crossings_of_the_langevin_paths(n):
    # Particle i's path is the one mo.langevin gives it: position after k steps = langevin(..., steps=k)[i].
    # The sizes exercise the kernels' grouping: langevin's lanes of four and its n mod 4 remainder, exit_times's
    # groups (of 4 for n ≤ 63 on two threads, so lanes are refilled only from n = 64 on: a lane refilled after an
    # exit, the last particles of a group finishing alone).
    problem, sigma, dt, K = mo.problems.DoubleWell(), 1.5, 0.01, 40
    for x0, boundary in ((-0.2, 0.0), (0.3, 0.1)):
        paths = np.array([mo.langevin(problem, np.array([x0]), sigma, dt, k, n, seed=9)[:, 0]
                          for k in range(1, K + 1)])
        crossed = paths >= boundary if boundary > x0 else paths <= boundary
        expected = np.where(crossed.any(axis=0), (np.argmax(crossed, axis=0) + 1) * dt, np.inf)
        times = mo.exit_times(problem, x0, sigma, dt, boundary, K, n, seed=9)
        np.testing.assert_array_equal(times, expected)
        if n >= 66:
            assert 0 < np.isinf(times).sum() < n  # both kinds occur: the comparison is not vacuous


def test_exit_times_are_bit_identical_with_one_and_two_threads(two_threads):
    runs = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        runs.append(mo.exit_times(mo.problems.DoubleWell(), -1.0, 0.8, 0.01, 0.0, 10**6, 3000, seed=21))
    np.testing.assert_array_equal(*runs)


def test_seeds_and_particles_have_their_own_streams():
    problem = mo.problems.DoubleWell()
    a = mo.exit_times(problem, -1.0, 0.8, 0.01, 0.0, 10**6, 1000, seed=0)
    np.testing.assert_array_equal(mo.exit_times(problem, -1.0, 0.8, 0.01, 0.0, 10**6, 1000, seed=0), a)
    np.testing.assert_array_equal(mo.exit_times(problem, -1.0, 0.8, 0.01, 0.0, 10**6, 10, seed=0), a[:10])
    b = mo.exit_times(problem, -1.0, 0.8, 0.01, 0.0, 10**6, 1000, seed=1)
    assert np.mean(a == b) < 0.05  # other seed, other paths (equal times only by coincidence of the grid k·dt)
    assert np.unique(a).size > 500


def test_particles_that_do_not_cross_get_infinity_and_times_are_multiples_of_dt():
    times = mo.exit_times(mo.problems.DoubleWell(), -1.0, 0.3, 0.01, 1.0, 50, 100, seed=0)
    assert np.all(np.isinf(times))  # at σ = 0.3 the mean time is ~10⁶, 50 steps are not enough
    times = mo.exit_times(mo.problems.DoubleWell(), -1.0, 1.0, 0.01, 0.0, 10**6, 100, seed=0)
    steps = times / 0.01
    np.testing.assert_allclose(steps, np.round(steps), rtol=0, atol=1e-9)
    assert steps.min() >= 1


def test_a_diverging_path_raises():
    # From 1e103, L′ overflows to inf: the path becomes −inf, then NaN, and never crosses the boundary above.
    with pytest.raises(FloatingPointError, match="diverged"):
        mo.exit_times(mo.problems.DoubleWell(), 1e103, 1.0, 0.1, 1e300, 10, 2)


GOOD = dict(problem=mo.problems.DoubleWell(), x0=-1.0, sigma=0.5, dt=0.01, boundary=0.0, max_steps=10,
            n_particles=4, seed=0)


@pytest.mark.parametrize("name, value", [
    ("problem", "double well"), ("problem", mo.problems.Quadratic(np.eye(2))), ("problem", mo.problems.Rosenbrock()),
    ("x0", np.array([-1.0, 0.0])), ("x0", np.array([np.nan])), ("x0", np.inf), ("x0", "0"), ("x0", np.array([1]))
    , ("sigma", 0.0), ("sigma", -1.0), ("sigma", np.nan), ("sigma", np.inf),
    ("dt", 0.0), ("dt", -0.1), ("dt", np.inf), ("boundary", -1.0), ("boundary", np.nan), ("boundary", -np.inf),
    ("max_steps", 0), ("max_steps", 2.5), ("max_steps", -3), ("n_particles", 0), ("n_particles", 4.0),
    ("seed", -1), ("seed", 1.5),
])
def test_bad_arguments_are_value_errors_naming_the_parameter(name, value):
    kwargs = dict(GOOD, **{name: value})
    with pytest.raises(ValueError, match=name):
        mo.exit_times(**kwargs)


@pytest.mark.parametrize("work", [1, 7, 1000])
def test_chunking_changes_no_exit_time_and_no_1d_position(monkeypatch, work):
    # CHUNK_WORK = 1 or 7 makes chunks of one step: every crossing then happens on the last step of a chunk, and
    # lanes that reach the chunk's end without crossing resume in the next one (n = 67: groups with refills and
    # a remainder). The default is one chunk for these sizes.
    problem, n, steps = mo.problems.DoubleWell(tilt=0.1), 67, 300
    whole = (mo.exit_times(problem, -0.3, 0.9, 0.01, 0.4, steps, n, seed=6),
             mo.langevin(problem, np.array([-0.3]), 0.9, 0.01, steps, n, seed=6))
    monkeypatch.setattr(_parallel, "CHUNK_WORK", work)
    pieces = (mo.exit_times(problem, -0.3, 0.9, 0.01, 0.4, steps, n, seed=6),
              mo.langevin(problem, np.array([-0.3]), 0.9, 0.01, steps, n, seed=6))
    np.testing.assert_array_equal(pieces[0], whole[0])
    np.testing.assert_array_equal(pieces[1], whole[1])
    assert 0 < np.isinf(whole[0]).sum() < n  # crossings and survivors: the comparison is not vacuous
