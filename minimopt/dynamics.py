"""Stochastic dynamics of particle ensembles: Langevin (overdamped) and Kramers (underdamped) equations.

The ensembles run in parallel over particles (numba ``prange``). Particle k draws its noise from its own stream,
derived from ``(seed, k)`` (see :mod:`minimopt._random`), so an ensemble is the same for a seed whatever the number
of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import _objectives, _parallel, _random, _validate
from .problems import Problem

__all__ = ["langevin", "kramers", "stationary_density"]


@njit(cache=True, inline="always")
def euler_maruyama(x, slope, z, dt, kick):
    r"""One Euler–Maruyama step of one coordinate of :math:`dX = -\nabla L\,dt + \sigma\,dW`.

    :math:`x - L'(x)\,\Delta t + \sigma\sqrt{\Delta t}\,\xi` with ``kick`` = σ√Δt and ``z`` = ξ (Kloeden &
    Platen 1992, Sec. 9.1); every overdamped ensemble of the package (``langevin``, ``exit_times``) takes this step.
    """
    return x + (-slope * dt + kick * z)


@njit(cache=True, parallel=True)
def _langevin_chunk(kind, matrix, vector, scalars, X, G, streams, sigma, dt, steps):
    """``steps`` Euler–Maruyama steps of every particle, in place; each particle's stream carries over.

    Particle k works on the rows ``X[k]`` and ``G[k]`` (scratch for its gradient) directly: no allocation per
    particle and chunk.
    """
    n, d = X.shape
    kick = sigma * np.sqrt(dt)
    for k in prange(n):
        state = streams[k]
        x = X[k]
        g = G[k]
        for _ in range(steps):
            state = _objectives.grad_inline(kind, matrix, vector, scalars, x, g, state)
            for j in range(d):
                state, z = _random.next_normal(state)
                x[j] = euler_maruyama(x[j], g[j], z, dt, kick)
        streams[k] = state


@njit(cache=True, inline="always")
def _step_1d(kind, matrix, vector, scalars, x, xbuf, gbuf, state, dt, kick):
    """One Euler–Maruyama step of a particle of a 1-D problem held in a register: ``(x, state)`` after it."""
    slope, state = _objectives.slope_1d(kind, matrix, vector, scalars, x, xbuf, gbuf, state)
    state, z = _random.next_normal(state)
    return euler_maruyama(x, slope, z, dt, kick), state


# Particles a 1-D ensemble advances together on one core (see _langevin_chunk_1d); _step_lanes is written out
# for this number.
LANES = 4


@njit(cache=True, inline="always")
def _step_lanes(kind, matrix, vector, scalars, x0, x1, x2, x3, s0, s1, s2, s3, b0, b1, b2, b3, g0, g1, g2, g3,
                dt, kick):
    """One :func:`_step_1d` of each of four particles (positions x, streams s, scratch rows b and g), interleaved.

    Shared by ``langevin``'s and ``exit_times``'s 1-D kernels; returns the positions and the streams after it.
    """
    x0, s0 = _step_1d(kind, matrix, vector, scalars, x0, b0, g0, s0, dt, kick)
    x1, s1 = _step_1d(kind, matrix, vector, scalars, x1, b1, g1, s1, dt, kick)
    x2, s2 = _step_1d(kind, matrix, vector, scalars, x2, b2, g2, s2, dt, kick)
    x3, s3 = _step_1d(kind, matrix, vector, scalars, x3, b3, g3, s3, dt, kick)
    return x0, x1, x2, x3, s0, s1, s2, s3


@njit(cache=True, _nrt=False)
def _advance_lanes_1d(kind, matrix, vector, scalars, X, G, streams, a, dt, kick, steps):
    """``steps`` steps of particles a … a + 3 (those below n), four chains interleaved; positions in registers."""
    n = X.shape[0]
    if a + LANES <= n:
        x0, x1, x2, x3 = X[a, 0], X[a + 1, 0], X[a + 2, 0], X[a + 3, 0]
        s0, s1, s2, s3 = streams[a], streams[a + 1], streams[a + 2], streams[a + 3]
        b0, b1, b2, b3 = X[a], X[a + 1], X[a + 2], X[a + 3]
        g0, g1, g2, g3 = G[a], G[a + 1], G[a + 2], G[a + 3]
        for _ in range(steps):
            x0, x1, x2, x3, s0, s1, s2, s3 = _step_lanes(kind, matrix, vector, scalars, x0, x1, x2, x3, s0, s1, s2,
                                                         s3, b0, b1, b2, b3, g0, g1, g2, g3, dt, kick)
        X[a, 0], X[a + 1, 0], X[a + 2, 0], X[a + 3, 0] = x0, x1, x2, x3
        streams[a], streams[a + 1], streams[a + 2], streams[a + 3] = s0, s1, s2, s3
    else:  # the last n mod 4 particles, one after the other
        for k in range(a, n):
            x, state, buf, g = X[k, 0], streams[k], X[k], G[k]
            for _ in range(steps):
                x, state = _step_1d(kind, matrix, vector, scalars, x, buf, g, state, dt, kick)
            X[k, 0] = x
            streams[k] = state


@njit(cache=True, parallel=True)
def _langevin_chunk_1d(kind, matrix, vector, scalars, X, G, streams, sigma, dt, steps):
    """:func:`_langevin_chunk` for one coordinate (X of shape (n, 1)): the same numbers, faster.

    Two things make the difference (``benchmarks/langevin_minimopt.py``). Each position stays in a register
    through its steps (:func:`minimopt._objectives.slope_1d`) instead of going through memory twice per step.
    And the particles advance four at a time (:data:`LANES`, :func:`_advance_lanes_1d`): one particle's step is
    a chain of dependent operations (the normal, the slope, the update) whose latency leaves the core mostly
    idle, and independent chains interleaved fill it (measured while writing it, the kernel alone on the double
    well, 10⁵ particles, 2 threads, Intel Xeon: 5.0·10⁸ particle-steps/s with two chains, 6.0·10⁸ with four,
    the same with eight). Each particle still draws from its own stream in the same order, so the result is
    bit-identical whatever the grouping. The lane loop is a function of its own, called once per group: inlined
    into the parallel loop, numba compiled it about twice as slowly.
    """
    n = X.shape[0]
    kick = sigma * np.sqrt(dt)
    for group in prange((n + LANES - 1) // LANES):
        _advance_lanes_1d(kind, matrix, vector, scalars, X, G, streams, LANES * group, dt, kick, steps)


@njit(cache=True, parallel=True)
def _kramers_chunk(kind, matrix, vector, scalars, X, V, G, streams, damping, sigma, dt, steps):
    """As :func:`_langevin_chunk`, for positions X and velocities V."""
    n, d = X.shape
    kick = sigma * np.sqrt(dt)
    for k in prange(n):
        state = streams[k]
        x = X[k]
        v = V[k]
        g = G[k]
        for _ in range(steps):
            state = _objectives.grad_inline(kind, matrix, vector, scalars, x, g, state)
            for j in range(d):
                state, z = _random.next_normal(state)
                v[j] += -(damping * v[j] + g[j]) * dt + kick * z
                x[j] += v[j] * dt
        streams[k] = state


@njit(cache=True)
def _all_gradients_finite(kind, matrix, vector, scalars, X):
    """−1 if ∇L is finite at every row of X, else the first row where it is not."""
    g = np.empty(X.shape[1])
    for k in range(X.shape[0]):
        _objectives.grad_into(kind, matrix, vector, scalars, X[k], g, np.uint64(0))
        for j in range(X.shape[1]):
            if not np.isfinite(g[j]):
                return k
    return -1


def _ensemble_start(name, x, n_particles, problem, d=None):
    """Broadcast a start point (1-D) to every particle, or check a per-particle array (n_particles, d).

    The size is checked before anything is allocated, and the dimension against the problem.
    """
    if isinstance(x, np.ndarray) and x.ndim == 2:
        if x.dtype != np.float64 or x.shape[0] != n_particles or x.shape[1] == 0 or not np.isfinite(x).all():
            raise ValueError(f"{name} must be float64 of shape (n_particles, d) = ({n_particles}, d) with finite "
                             f"entries, got {x.dtype} {x.shape}")
        width = x.shape[1]
    else:
        x = _validate.vector(name, x)
        width = x.shape[0]
    if d is not None and width != d:
        raise ValueError(f"{name} must have {d} coordinates per particle (as x0), got {width}")
    problem.check_dimension(name, width)
    _validate.allocation("n_particles", 8 * n_particles * width * 3, f"an ensemble of {n_particles} particles × "
                         f"{width} coordinates")
    if x.ndim == 2:
        return np.array(x, order="C", copy=True)
    return np.tile(x, (n_particles, 1))


def _check_start_gradient(problem, X):
    row = _all_gradients_finite(*problem.kernel_data, X)
    if row >= 0:
        raise ValueError(f"x0: the gradient of the loss is not finite at the start of particle {row}, {X[row]}")


def _check_common(problem, sigma, dt, steps, n_particles, seed):
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a minimopt problem, got {type(problem).__name__}")
    return (_validate.nonnegative("sigma", sigma), _validate.positive("dt", dt), _validate.count("steps", steps),
            _validate.count("n_particles", n_particles, minimum=1), _validate.seed("seed", seed))


def langevin(problem: Problem, x0: np.ndarray, sigma: float, dt: float, steps: int, n_particles: int,
             seed: int = 0) -> np.ndarray:
    r"""Simulate an ensemble of the Langevin equation :math:`dX = -\nabla L(X)\,dt + \sigma\, dW`.

    Euler–Maruyama: :math:`X_{k+1} = X_k - \nabla L(X_k)\,\Delta t + \sigma\sqrt{\Delta t}\,\xi_k`,
    ξ standard normal. Its stationary density is ∝ exp(−2L/σ²) (:func:`stationary_density`).

    Parameters
    ----------
    problem : Problem
        The loss L.
    x0 : ndarray(float64)
        Start, shape (d,) for all particles or (n_particles, d).
    sigma : float
        Noise amplitude σ ≥ 0.
    dt : float
        Time step Δt > 0.
    steps : int
        Number of steps.
    n_particles : int
        Ensemble size.
    seed : int
        Seed in [0, 2⁶⁴); particle k uses stream (seed, k + 1).

    Returns
    -------
    ndarray, shape (n_particles, d)
        The positions after ``steps`` steps.

    Raises
    ------
    ValueError
        Bad input, naming the parameter — also a start where the gradient is not finite.
    DivergedError
        A particle's position became non-finite (the message names it and the chunk of steps).

    Notes
    -----
    The particles run in parallel (numba ``prange``) in chunks of steps (see :mod:`minimopt._parallel`), so
    Ctrl-C interrupts a long run, concurrent calls from several threads are safe, and a forked child process
    can run ensembles too. Results do not depend on the number of threads or on the chunking.

    References
    ----------
    - H. Risken, *The Fokker–Planck Equation*, 2nd ed., Springer 1989, Chs. 4–5.
    - G. A. Pavliotis, *Stochastic Processes and Applications*, Springer 2014, Chs. 3–4.
    - P. E. Kloeden & E. Platen, *Numerical Solution of Stochastic Differential Equations*, Springer 1992, Sec. 9.1
      (the Euler–Maruyama scheme).
    """
    sigma, dt, steps, n_particles, seed = _check_common(problem, sigma, dt, steps, n_particles, seed)
    X = _ensemble_start("x0", x0, n_particles, problem)
    _check_start_gradient(problem, X)
    streams, G = _parallel.particle_streams(seed, n_particles), np.empty_like(X)
    kernel = _langevin_chunk_1d if X.shape[1] == 1 else _langevin_chunk
    for start, count in _parallel.chunks(steps, n_particles * (problem._cost(X.shape[1]) + X.shape[1])):
        _parallel.run_parallel(kernel, *problem.kernel_data, X, G, streams, sigma, dt, count)
        _parallel.check_finite("langevin", X, start + count, count)
    return X


def kramers(problem: Problem, x0: np.ndarray, v0: np.ndarray, damping: float, sigma: float, dt: float, steps: int,
            n_particles: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Simulate the Kramers (underdamped Langevin) equation, the SDE of momentum with noisy gradients.

    .. math:: dX = V\,dt, \qquad dV = (-\lambda V - \nabla L(X))\,dt + \sigma\, dW,

    by the semi-implicit Euler–Maruyama scheme :math:`V_{k+1} = V_k - (\lambda V_k + \nabla L(X_k))\Delta t +
    \sigma\sqrt{\Delta t}\,\xi_k`, :math:`X_{k+1} = X_k + V_{k+1}\Delta t`. For λ > 0 its stationary density is
    ∝ exp(−(2λ/σ²)(‖v‖²/2 + L(x))).

    Parameters
    ----------
    problem : Problem
        The potential L.
    x0, v0 : ndarray(float64)
        Start positions and velocities, shape (d,) or (n_particles, d).
    damping : float
        λ ≥ 0.
    sigma, dt, steps, n_particles, seed
        As for :func:`langevin`.

    Returns
    -------
    X, V : ndarray, shape (n_particles, d)
        Positions and velocities after ``steps`` steps.

    Raises ``ValueError`` on bad input and :class:`DivergedError` when a particle diverges, as :func:`langevin`,
    which it also follows in running in chunks, under the lock, reproducibly whatever the number of threads.

    References
    ----------
    - H. A. Kramers, "Brownian motion in a field of force and the diffusion model of chemical reactions", Physica
      7(4):284–304 (1940).
    - H. Risken, *The Fokker–Planck Equation*, 2nd ed., Springer 1989, Ch. 10 (the Kramers equation).
    - G. A. Pavliotis, *Stochastic Processes and Applications*, Springer 2014, Ch. 6 (the Langevin equation).
    - P. E. Kloeden & E. Platen, *Numerical Solution of Stochastic Differential Equations*, Springer 1992, Sec. 9.1
      (the Euler–Maruyama scheme).
    """
    sigma, dt, steps, n_particles, seed = _check_common(problem, sigma, dt, steps, n_particles, seed)
    damping = _validate.nonnegative("damping", damping)
    X = _ensemble_start("x0", x0, n_particles, problem)
    V = _ensemble_start("v0", v0, n_particles, problem, d=X.shape[1])
    _check_start_gradient(problem, X)
    streams, G = _parallel.particle_streams(seed, n_particles), np.empty_like(X)
    for start, count in _parallel.chunks(steps, n_particles * (problem._cost(X.shape[1]) + 2 * X.shape[1])):
        _parallel.run_parallel(_kramers_chunk, *problem.kernel_data, X, V, G, streams, damping, sigma, dt,
                              count)
        _parallel.check_finite("kramers", V, start + count, count, what="velocity")
        _parallel.check_finite("kramers", X, start + count, count)
    return X, V


def stationary_density(problem: Problem, sigma: float, grid: np.ndarray) -> np.ndarray:
    r"""The stationary density of :math:`dX = -L'(X)\,dt + \sigma\,dW` on a 1-D grid.

    .. math:: p(x) = \frac{e^{-2L(x)/\sigma^2}}{\int e^{-2L/\sigma^2}},

    normalised by the trapezoidal rule on ``grid`` (the factor 2 is derived in
    :func:`minimopt.derive.fokker_planck_stationary`; the often quoted exp(−L/σ²) belongs to noise σ√2).

    Parameters
    ----------
    problem : Problem
        A one-dimensional problem (``DoubleWell()``, a 1×1 ``Quadratic``, …).
    sigma : float
        σ > 0.
    grid : ndarray(float64, ndim=1)
        Increasing points covering the region where the density is not negligible.

    Returns
    -------
    ndarray
        p on the grid.

    References
    ----------
    - H. Risken, *The Fokker–Planck Equation*, 2nd ed., Springer 1989, Ch. 5 (the stationary solution for one
      variable).
    - G. A. Pavliotis, *Stochastic Processes and Applications*, Springer 2014, Ch. 4.
    """
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a minimopt problem, got {type(problem).__name__}")
    sigma = _validate.positive("sigma", sigma)
    problem.check_dimension("grid", 1)
    grid = _validate.vector("grid", grid)
    if grid.shape[0] < 2 or np.any(np.diff(grid) <= 0):
        raise ValueError("grid must be increasing with at least 2 points")
    energy = problem.values_on_grid(grid)
    if not np.isfinite(energy).all():
        raise ValueError(f"grid: the loss is not finite at {grid[~np.isfinite(energy)][:3].tolist()}")
    weight = np.exp(-2.0 * (energy - energy.min()) / sigma**2)
    return weight / np.trapezoid(weight, grid)
