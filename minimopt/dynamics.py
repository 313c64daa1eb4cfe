"""Stochastic dynamics of particle ensembles: Langevin (overdamped) and Kramers (underdamped) equations.

The ensembles run in parallel over particles (numba ``prange``). Particle k draws its noise from its own stream,
derived from ``(seed, k)`` (see :mod:`minimopt._random`), so an ensemble is the same for a seed whatever the number
of threads.
"""

import numpy as np
from numba import njit, prange

from . import _objectives, _random, _validate
from .problems import Problem


@njit(cache=True, parallel=True)
def _langevin_ensemble(kind, matrix, vector, scalars, X, sigma, dt, steps, seed):
    n, d = X.shape
    kick = sigma * np.sqrt(dt)
    for k in prange(n):
        state = _random.stream(seed, k + 1)
        x = X[k].copy()
        g = np.empty(d)
        for _ in range(steps):
            state = _objectives.grad_into(kind, matrix, vector, scalars, x, g, state)
            for j in range(d):
                state, z = _random.next_normal(state)
                x[j] += -g[j] * dt + kick * z
        X[k] = x
    return X


@njit(cache=True, parallel=True)
def _kramers_ensemble(kind, matrix, vector, scalars, X, V, damping, sigma, dt, steps, seed):
    n, d = X.shape
    kick = sigma * np.sqrt(dt)
    for k in prange(n):
        state = _random.stream(seed, k + 1)
        x = X[k].copy()
        v = V[k].copy()
        g = np.empty(d)
        for _ in range(steps):
            state = _objectives.grad_into(kind, matrix, vector, scalars, x, g, state)
            for j in range(d):
                state, z = _random.next_normal(state)
                v[j] += -(damping * v[j] + g[j]) * dt + kick * z
                x[j] += v[j] * dt
        X[k] = x
        V[k] = v
    return X, V


def _ensemble_start(name, x, n_particles, dim):
    """Broadcast a start point (1-D) to every particle, or check a per-particle array (n_particles, d)."""
    if isinstance(x, np.ndarray) and x.ndim == 2:
        if x.dtype != np.float64 or x.shape[0] != n_particles or not np.isfinite(x).all():
            raise ValueError(f"{name} must be float64 of shape (n_particles, d) with finite entries, "
                             f"got {x.dtype} {x.shape}")
        start = np.ascontiguousarray(x).copy()
    else:
        start = np.tile(_validate.vector(name, x), (n_particles, 1))
    if dim is not None and start.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} coordinates per particle, got {start.shape[1]}")
    return start


def _check_common(problem, sigma, dt, steps, n_particles, seed):
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a minimopt problem, got {type(problem).__name__}")
    return (_validate.nonnegative("sigma", sigma), _validate.positive("dt", dt), _validate.count("steps", steps),
            _validate.count("n_particles", n_particles, minimum=1), _validate.count("seed", seed))


def langevin(problem, x0, sigma, dt, steps, n_particles, seed=0):
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
        Seed; particle k uses stream (seed, k).

    Returns
    -------
    ndarray, shape (n_particles, d)
        The positions after ``steps`` steps.
    """
    sigma, dt, steps, n_particles, seed = _check_common(problem, sigma, dt, steps, n_particles, seed)
    X = _ensemble_start("x0", x0, n_particles, problem.dim)
    X = _langevin_ensemble(*problem.kernel_data, X, sigma, dt, steps, seed)
    return _reported(X, "langevin")


def kramers(problem, x0, v0, damping, sigma, dt, steps, n_particles, seed=0):
    r"""Simulate the Kramers (underdamped Langevin) equation, the SDE of momentum with noisy gradients.

    .. math:: dX = V\,dt, \qquad dV = (-\lambda V - \nabla L(X))\,dt + \sigma\, dW,

    by the semi-implicit Euler–Maruyama scheme :math:`V_{k+1} = V_k - (\lambda V_k + \nabla L(X_k))\Delta t +
    \sigma\sqrt{\Delta t}\,\xi_k`, :math:`X_{k+1} = X_k + V_{k+1}\Delta t`. For λ > 0 its stationary density is
    ∝ exp(−(2λ/σ²)(|v|²/2 + L(x))).

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
    """
    sigma, dt, steps, n_particles, seed = _check_common(problem, sigma, dt, steps, n_particles, seed)
    damping = _validate.nonnegative("damping", damping)
    X = _ensemble_start("x0", x0, n_particles, problem.dim)
    V = _ensemble_start("v0", v0, n_particles, X.shape[1])
    X, V = _kramers_ensemble(*problem.kernel_data, X, V, damping, sigma, dt, steps, seed)
    _reported(V, "kramers")
    return _reported(X, "kramers"), V


def _reported(X, name):
    if not np.isfinite(X).all():
        raise FloatingPointError(f"{name}: the ensemble diverged (non-finite positions); reduce dt")
    return X


def stationary_density(problem, sigma, grid):
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
    """
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a minimopt problem, got {type(problem).__name__}")
    sigma = _validate.positive("sigma", sigma)
    grid = _validate.vector("grid", grid)
    if grid.shape[0] < 2 or np.any(np.diff(grid) <= 0):
        raise ValueError("grid must be increasing with at least 2 points")
    energy = problem.values_on_grid(grid)
    weight = np.exp(-2.0 * (energy - energy.min()) / sigma**2)
    return weight / np.trapezoid(weight, grid)
