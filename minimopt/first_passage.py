r"""First-passage (exit) times of the overdamped Langevin dynamics of :func:`minimopt.langevin`, in one dimension.

Each particle runs the Euler–Maruyama scheme of :func:`minimopt.langevin`,
:math:`X_{k+1} = X_k - L'(X_k)\,\Delta t + \sigma\sqrt{\Delta t}\,\xi_k`, drawing its normals from the same
per-particle stream (``(seed, particle + 1)`` of :mod:`minimopt._random`), so particle i's path is the path that
``mo.langevin(problem, x0, sigma, dt, k, n, seed)`` returns for it after k steps, whatever the number of threads.
The run of a particle stops at the first step k at which it has crossed the boundary; its exit time is k·Δt.
"""

import numba
import numpy as np
from numba import njit, prange

from . import _parallel, _validate
from ._errors import DivergedError
from .dynamics import _check_common, _step_1d, _step_lanes


# Running particles per parallel task (at most; fewer when few are left, so that every thread has work): the
# four lanes of a task take them one after the other.
GROUP = 64


@njit(cache=True, inline="always")
def _crossed(x, up, boundary):
    """Whether x is at or beyond the boundary: x ≥ b going up, x ≤ b going down."""
    return x >= boundary if up else x <= boundary


@njit(cache=True, inline="always")
def _any_crossed(x0, x1, x2, x3, up, boundary):
    """Whether any of four positions is at or beyond the boundary: one test for four particles.

    A NaN position may hide another's crossing in that step; the caller then raises DivergedError anyway.
    """
    if up:
        return max(max(x0, x1), max(x2, x3)) >= boundary
    return min(min(x0, x1), min(x2, x3)) <= boundary


@njit(cache=True, inline="always")
def _run_alone(kind, matrix, vector, scalars, X, G, streams, times, lane, dt, kick, up, boundary, stop):
    """Steps ``step`` … ``stop − 1`` of a lane's particle alone, until it crosses; its state is stored."""
    particle, x, state, step, buf, g = lane
    if particle < 0:
        return
    while step < stop:
        x, state = _step_1d(kind, matrix, vector, scalars, x, buf, g, state, dt, kick)
        if _crossed(x, up, boundary):
            times[particle] = step * dt
            break
        step += 1
    X[particle, 0], streams[particle] = x, state


@njit(cache=True, inline="always")
def _lane(X, G, streams, running, queue, end, first, stop):
    """The lane for the next particle of the group's queue (−1: none left): ``(lane, next queue position)``.

    A lane is ``(particle, x, state, next step, scratch x, scratch gradient)``.
    """
    if queue < end:
        k = running[queue]
        return (k, X[k, 0], streams[k], first, X[k], G[k]), queue + 1
    k = running[end - 1]
    return (-1, 0.0, streams[k], stop, X[k], G[k]), queue


@njit(cache=True, inline="always")
def _settle(lane, any_crossed, X, G, streams, times, running, queue, end, first, stop, dt, up, boundary):
    """After a run of the four lanes: store the lane's particle if it crossed or used its steps, then refill."""
    particle, x, state, step, buf, g = lane
    if particle < 0:
        return lane, queue
    crossed = any_crossed and _crossed(x, up, boundary)
    if crossed:
        times[particle] = (step - 1) * dt
    if crossed or step == stop:
        X[particle, 0], streams[particle] = x, state
        return _lane(X, G, streams, running, queue, end, first, stop)
    return lane, queue


@njit(cache=True, _nrt=False)
def _advance_group(kind, matrix, vector, scalars, X, G, streams, times, running, begin, end, dt, kick, up,
                   boundary, first, stop):
    """Steps ``first`` … ``stop − 1`` of the particles ``running[begin:end]``, four lanes at a time.

    The four lanes advance together, as in ``langevin``'s 1-D kernel, with one combined crossing test per step;
    when a lane's particle crosses or reaches ``stop`` it is stored and the lane takes the group's next
    particle, so the lanes stay full while the group has particles. The last ones (at most three) finish alone.
    A function of its own, called once per group by the parallel loop, not inlined into it: inlined, numba's
    parallel compilation of the lane loop took 3.6 times as long (cold first call of exit_times 64 s against
    18 s, measured while writing it).
    """
    queue = begin
    lane0, queue = _lane(X, G, streams, running, queue, end, first, stop)
    lane1, queue = _lane(X, G, streams, running, queue, end, first, stop)
    lane2, queue = _lane(X, G, streams, running, queue, end, first, stop)
    lane3, queue = _lane(X, G, streams, running, queue, end, first, stop)
    while lane0[0] >= 0 and lane1[0] >= 0 and lane2[0] >= 0 and lane3[0] >= 0:
        p0, x0, s0, k0, b0, g0 = lane0
        p1, x1, s1, k1, b1, g1 = lane1
        p2, x2, s2, k2, b2, g2 = lane2
        p3, x3, s3, k3, b3, g3 = lane3
        budget = stop - max(max(k0, k1), max(k2, k3))
        taken = 0
        crossed = False
        while taken < budget:
            x0, x1, x2, x3, s0, s1, s2, s3 = _step_lanes(kind, matrix, vector, scalars, x0, x1, x2, x3, s0, s1, s2,
                                                         s3, b0, b1, b2, b3, g0, g1, g2, g3, dt, kick)
            taken += 1
            if _any_crossed(x0, x1, x2, x3, up, boundary):
                crossed = True
                break
        lane0, queue = _settle((p0, x0, s0, k0 + taken, b0, g0), crossed, X, G, streams, times, running, queue,
                               end, first, stop, dt, up, boundary)
        lane1, queue = _settle((p1, x1, s1, k1 + taken, b1, g1), crossed, X, G, streams, times, running, queue,
                               end, first, stop, dt, up, boundary)
        lane2, queue = _settle((p2, x2, s2, k2 + taken, b2, g2), crossed, X, G, streams, times, running, queue,
                               end, first, stop, dt, up, boundary)
        lane3, queue = _settle((p3, x3, s3, k3 + taken, b3, g3), crossed, X, G, streams, times, running, queue,
                               end, first, stop, dt, up, boundary)
    for lane in (lane0, lane1, lane2, lane3):
        _run_alone(kind, matrix, vector, scalars, X, G, streams, times, lane, dt, kick, up, boundary, stop)


@njit(cache=True, parallel=True)
def _exit_time_chunk(kind, matrix, vector, scalars, X, G, streams, times, running, group_size, sigma, dt, up,
                     boundary, first, steps):
    """Steps ``first`` … ``first + steps − 1`` of the particles listed in ``running``, in place.

    X (n, 1) holds the positions, ``streams`` the random states, ``times`` the exit times (np.inf until a
    particle crosses, then step × dt). The step is :func:`minimopt.dynamics._step_1d`, the one of
    ``mo.langevin``'s 1-D ensembles, and the particles advance four at a time for the same reason (independent
    dependency chains fill the core); each task takes ``group_size`` of the running particles.
    """
    n = running.shape[0]
    kick = sigma * np.sqrt(dt)
    for group in prange((n + group_size - 1) // group_size):
        _advance_group(kind, matrix, vector, scalars, X, G, streams, times, running, group_size * group,
                       min(n, group_size * (group + 1)), dt, kick, up, boundary, first, first + steps)


@njit(cache=True)
def _still_running(running, times):
    """The particles of ``running`` that have not crossed (time still inf), in order: one pass, no temporaries."""
    out = np.empty_like(running)
    count = 0
    for k in running:
        if np.isinf(times[k]):
            out[count] = k
            count += 1
    return out[:count]


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
        Seed, ≥ 0; particle i uses the stream (seed, i + 1), as in :func:`minimopt.langevin`.

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
        If a path blew up (NaN, or ±inf, even where that is beyond the boundary) before its particle crossed
        (a :class:`FloatingPointError`; reduce ``dt``).

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
        problem.check_dimension("x0", 1)
    except ValueError:
        raise ValueError(f"problem must be one-dimensional for exit_times, got {problem!r}") from None
    problem._point(np.array([x0]), "x0")  # a start the problem refuses (the origin of ScaleInvariant, …)
    boundary = _validate.finite_scalar("boundary", boundary)
    if boundary == x0:
        raise ValueError(f"boundary must differ from x0, both are {x0!r}")
    _validate.allocation("n_particles", 8 * 4 * n_particles, f"an ensemble of {n_particles} particles")
    X = np.full((n_particles, 1), x0)
    G, times = np.empty_like(X), np.full(n_particles, np.inf)
    streams = _parallel.particle_streams(seed, n_particles)
    done, cost = 0, problem._cost(1) + 1
    running = np.arange(n_particles)
    while done < max_steps and running.size:
        count = min(max_steps - done, max(1, _parallel.CHUNK_WORK // (running.size * cost)))
        # groups of at most GROUP particles, at least four tasks per thread while there are particles for them
        group_size = int(np.clip(running.size // (16 * numba.get_num_threads()) * 4, 4, GROUP))
        _parallel.run_parallel(_exit_time_chunk, *problem.kernel_data, X, G, streams, times, running, group_size,
                               sigma, dt, boundary > x0, boundary, done + 1, count)
        done += count
        # a particle that stopped in an earlier chunk stopped at a finite position (else that chunk raised), so one
        # pass over X finds a blow-up: NaN never crosses, and a jump to ±inf is a blow-up even where it crosses
        if not np.isfinite(X).all():
            particle = int(np.argmin(np.isfinite(X[:, 0])))
            raise DivergedError(
                f"exit_times: the ensemble diverged: particle {particle}'s position is not finite after step "
                f"{done} (it became so within the last {count} steps): the Euler–Maruyama steps blew up; "
                "reduce dt", step=done, particle=particle)
        running = _still_running(running, times)
    return times
