r"""First-passage (exit) times of the overdamped Langevin dynamics of :func:`minimopt.langevin`, in one dimension.

Each particle runs the Euler–Maruyama scheme of :func:`minimopt.langevin`,
:math:`X_{k+1} = X_k - L'(X_k)\,\Delta t + \sigma\sqrt{\Delta t}\,\xi_k`, drawing its normals from the same
per-particle stream (``(seed, particle + 1)`` of :mod:`minimopt._random`), so particle i's path is the path that
``mo.langevin(problem, x0, sigma, dt, k, n, seed)`` returns for it after k steps, whatever the number of threads.
The run of a particle stops at the first step k at which it has crossed the boundary; its exit time is k·Δt.
"""

import numpy as np
from numba import njit, prange

from . import _objectives, _random, _validate
from .dynamics import _check_common
from .problems import Problem


@njit(cache=True, parallel=True)
def _exit_time_ensemble(kind, matrix, vector, scalars, x0, sigma, dt, boundary, direction, max_steps, n, seed):
    """Exit step × dt of each of ``n`` particles started at ``x0`` (np.inf if none within ``max_steps``).

    ``direction`` is +1.0 (exit when x ≥ boundary) or −1.0 (exit when x ≤ boundary). A particle whose position
    is not finite when its steps run out gets NaN (a diverged path; the caller raises).
    """
    times = np.empty(n)
    kick = sigma * np.sqrt(dt)
    level = direction * boundary
    for k in prange(n):
        state = _random.stream(seed, k + 1)  # the stream of particle k in mo.langevin
        x = np.empty(1)
        x[0] = x0
        g = np.empty(1)
        times[k] = np.inf
        for step in range(1, max_steps + 1):
            state = _objectives.grad_into(kind, matrix, vector, scalars, x, g, state)
            state, z = _random.next_normal(state)
            x[0] += -g[0] * dt + kick * z  # the Euler–Maruyama step of mo.langevin
            if direction * x[0] >= level:
                times[k] = step * dt
                break
        if not np.isfinite(x[0]):  # NaN never crosses: the path diverged
            times[k] = np.nan
    return times


def _point(x0):
    """The start as a float: a real number or a float64 array of shape (1,)."""
    if isinstance(x0, np.ndarray):
        if x0.shape not in ((), (1,)):
            raise ValueError(f"x0 must be a 1-D point (a number or an array of shape (1,)), got shape {x0.shape}")
        x0 = _validate.vector("x0", x0.reshape(1))[0]
    return _validate.finite_scalar("x0", x0)


def exit_times(problem, x0, sigma, dt, boundary, max_steps, n_particles, seed=0):
    r"""First-passage times of :math:`dX = -L'(X)\,dt + \sigma\,dW` from ``x0`` across ``boundary``, in 1-D.

    Every particle starts at x0 and follows the Euler–Maruyama scheme of :func:`minimopt.langevin` (same step,
    same random stream for particle i, same results for any number of threads). Its exit time is k·Δt for the
    first step k with :math:`X_k \ge b` when b > x0 (:math:`X_k \le b` when b < x0). Because the path is only
    looked at every Δt, crossings between two steps are missed and exit times are biased upward by
    :math:`O(\sqrt{\Delta t})` (for a boundary where the mean first-passage time is steep; Broadie, Glasserman &
    Kou 1997: discrete monitoring shifts the boundary by ≈ 0.5826 σ√Δt).

    Parameters
    ----------
    problem : Problem
        A one-dimensional problem (``DoubleWell()``, a 1×1 ``Quadratic``, …).
    x0 : float or ndarray(float64, shape (1,))
        The start, the same for all particles.
    sigma : float
        Noise amplitude σ > 0.
    dt : float
        Time step Δt > 0.
    boundary : float
        The level b ≠ x0 to cross.
    max_steps : int
        Steps after which a particle that has not crossed is given the time ``np.inf``; ≥ 1.
    n_particles : int
        Ensemble size, ≥ 1.
    seed : int
        Seed, ≥ 0; particle i uses the stream (seed, i) of :func:`minimopt.langevin`.

    Returns
    -------
    ndarray(float64), shape (n_particles,)
        The exit times, ``np.inf`` where a particle has not crossed within ``max_steps`` steps.

    Raises
    ------
    ValueError
        For a problem that is not one-dimensional, a boundary equal to x0, non-finite or non-positive σ, Δt,
        counts that are not positive integers; the message names the parameter.
    FloatingPointError
        If a path diverged (reduce ``dt``).

    References
    ----------
    C. Gardiner, *Stochastic Methods*, 4th ed., Springer 2009, Sec. 5.5 (mean first-passage times);
    M. Broadie, P. Glasserman & S. Kou, "A continuity correction for discrete barrier options", Math. Finance 7
    (1997).

    Examples
    --------
    >>> import numpy as np, minimopt as mo
    >>> t = mo.exit_times(mo.problems.DoubleWell(), -1.0, 1.0, 0.01, 0.0, 10**6, 4, seed=0)
    >>> t.shape, bool(np.all(t > 0) and np.all(np.isfinite(t)))
    ((4,), True)
    """
    max_steps = _validate.count("max_steps", max_steps, minimum=1)
    sigma, dt, _, n_particles, seed = _check_common(problem, sigma, dt, max_steps, n_particles, seed)
    sigma = _validate.positive("sigma", sigma)
    x0 = _point(x0)
    try:
        problem._point(np.array([x0]))
    except ValueError:
        raise ValueError(f"problem must be one-dimensional for exit_times, got {problem!r}") from None
    boundary = _validate.finite_scalar("boundary", boundary)
    if boundary == x0:
        raise ValueError(f"boundary must differ from x0, both are {x0!r}")
    direction = 1.0 if boundary > x0 else -1.0
    times = _exit_time_ensemble(*problem.kernel_data, x0, sigma, dt, boundary, direction, max_steps, n_particles,
                                seed)
    if np.isnan(times).any():
        raise FloatingPointError("exit_times: a path diverged (non-finite position); reduce dt")
    return times
