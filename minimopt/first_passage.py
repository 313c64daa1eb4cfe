r"""First-passage (exit) times of the overdamped Langevin dynamics of :func:`minimopt.langevin`, in one dimension.

Each particle runs the Euler–Maruyama scheme of :func:`minimopt.langevin`,
:math:`X_{k+1} = X_k - L'(X_k)\,\Delta t + \sigma\sqrt{\Delta t}\,\xi_k`, drawing its normals from the same
per-particle stream (``(seed, particle + 1)`` of :mod:`minimopt._random`), so particle i's path is the path that
``mo.langevin(problem, x0, sigma, dt, k, n, seed)`` returns for it after k steps, whatever the number of threads.
The run of a particle stops at the first step k at which it has crossed the boundary; its exit time is k·Δt.
"""

import numpy as np
from numba import njit, prange

from . import _parallel, _validate
from ._errors import DivergedError
from .dynamics import _check_common, _step_1d
from .problems import Problem


@njit(cache=True, inline="always")
def _crossed(x, direction, level):
    """Whether x is at or beyond the boundary: ``direction`` · x ≥ ``direction`` · b."""
    return direction * x >= level


@njit(cache=True, inline="always")
def _run_alone(kind, matrix, vector, scalars, x, buf, g, state, times, k, dt, kick, direction, level, step, stop):
    """Steps ``step`` … ``stop − 1`` of particle k alone, until it crosses; ``(x, state)`` after them."""
    while step < stop:
        x, state = _step_1d(kind, matrix, vector, scalars, x, buf, g, state, dt, kick)
        if _crossed(x, direction, level):
            times[k] = step * dt
            break
        step += 1
    return x, state


@njit(cache=True, inline="always")
def _advance_pair(kind, matrix, vector, scalars, X, G, streams, times, a, b, dt, kick, direction, level, first,
                  stop):
    """Steps ``first`` … ``stop − 1`` of particles a and b (b < 0: a alone) until each has crossed."""
    active_a, active_b = True, b >= 0
    xa, sa, bufa, ga = X[a, 0], streams[a], X[a], G[a]
    c = b if active_b else a
    xb, sb, bufb, gb = X[c, 0], streams[c], X[c], G[c]
    step = first
    while step < stop and active_a and active_b:  # both running: two interleaved chains
        xa, sa = _step_1d(kind, matrix, vector, scalars, xa, bufa, ga, sa, dt, kick)
        xb, sb = _step_1d(kind, matrix, vector, scalars, xb, bufb, gb, sb, dt, kick)
        # One test per step on the common path (measured: 0.90 -> 0.93 of langevin's rate). If xa is NaN the
        # max is NaN and a crossing of b in this step is missed, but the call then raises DivergedError anyway.
        if max(direction * xa, direction * xb) >= level:
            crossed_a, crossed_b = _crossed(xa, direction, level), _crossed(xb, direction, level)
            if crossed_a:
                times[a] = step * dt
                active_a = False
            if crossed_b:
                times[b] = step * dt
                active_b = False
        step += 1
    if active_a:
        xa, sa = _run_alone(kind, matrix, vector, scalars, xa, bufa, ga, sa, times, a, dt, kick, direction, level,
                            step, stop)
    if active_b:
        xb, sb = _run_alone(kind, matrix, vector, scalars, xb, bufb, gb, sb, times, b, dt, kick, direction, level,
                            step, stop)
    X[a, 0], streams[a] = xa, sa
    if b >= 0:
        X[b, 0], streams[b] = xb, sb


@njit(cache=True, parallel=True)
def _exit_time_chunk(kind, matrix, vector, scalars, X, G, streams, times, running, sigma, dt, direction, level,
                     first, steps):
    """Steps ``first`` … ``first + steps − 1`` of the particles listed in ``running``, in place.

    X (n, 1) holds the positions, ``streams`` the random states, ``times`` the exit times (np.inf until a
    particle crosses, then step × dt). The step is :func:`minimopt.dynamics._step_1d`, the one of
    ``mo.langevin``'s 1-D ensembles, and the running particles advance in pairs for the same reason (two
    independent dependency chains fill the core). The caller lists the particles still running before every
    chunk, so pairs are formed again among them and a particle whose partner has exited runs alone for at most
    one chunk.
    """
    n = running.shape[0]
    kick = sigma * np.sqrt(dt)
    for pair in prange((n + 1) // 2):
        a = running[2 * pair]
        b = running[2 * pair + 1] if 2 * pair + 1 < n else -1
        _advance_pair(kind, matrix, vector, scalars, X, G, streams, times, a, b, dt, kick, direction, level,
                      first, first + steps)


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
    DivergedError
        If a path diverged before crossing (a :class:`FloatingPointError`; reduce ``dt``).

    Notes
    -----
    Like :func:`minimopt.langevin`, the run goes in chunks of steps under the package's lock (Ctrl-C gets
    through, concurrent calls are safe) and stops as soon as every particle has crossed.

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
    _validate.allocation("n_particles", 8 * 4 * n_particles, f"an ensemble of {n_particles} particles")
    X = np.full((n_particles, 1), x0)
    G, times = np.empty_like(X), np.full(n_particles, np.inf)
    streams = _parallel.particle_streams(seed, n_particles)
    done, cost = 0, problem._cost(1) + 1
    running = np.arange(n_particles)
    while done < max_steps and running.size:
        count = min(max_steps - done, max(1, _parallel.CHUNK_WORK // (running.size * cost)))
        _parallel.run_parallel(_exit_time_chunk, *problem.kernel_data, X, G, streams, times, running, sigma, dt,
                               direction, direction * boundary, done + 1, count)
        done += count
        diverged = running[~np.isfinite(X[running, 0])]
        if diverged.size:  # NaN never crosses: the path blew up
            particle = int(diverged[0])
            raise DivergedError(
                f"exit_times: the ensemble diverged: particle {particle}'s position is not finite after step "
                f"{done} (it became so within the last {count} steps) before crossing the boundary: the "
                "Euler–Maruyama steps blew up; reduce dt", step=done, particle=particle)
        running = running[np.isinf(times[running])]
    return times
