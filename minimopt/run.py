"""Whole optimisation runs, compiled end to end: ``minimize`` and the ``Trajectory`` it returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from . import _objectives, _random, _updates, _validate
from .optimizers import Optimizer, OptState  # noqa: F401 (OptState: the annotation)
from .problems import Problem


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The record of a run.

    Attributes
    ----------
    params : ndarray, shape (n + 1, d)
        The iterates θ₀ … θₙ, where n = ``steps`` unless the run diverged.
    loss : ndarray, shape (n + 1,)
        L(θ₀) … L(θₙ) (the full loss, also for minibatch problems).
    diverged : bool
        True when an update produced a non-finite iterate or loss. The run stops there and the record ends with
        the last finite iterate, so it never contains NaN.
    """

    params: np.ndarray
    loss: np.ndarray
    diverged: bool

    @property
    def steps(self) -> int:
        """Number of steps recorded (``steps`` asked for, or fewer if the run diverged)."""
        return self.loss.shape[0] - 1

    def __repr__(self) -> str:
        status = f"diverged after {self.steps} finite steps" if self.diverged else f"{self.steps} steps"
        return f"Trajectory({status}, final loss {self.loss[-1]:.6g})"


# A compiled call runs at most this many "operations" (steps × the gradient's cost) before returning to
# Python, where Ctrl-C (KeyboardInterrupt) is delivered: about 10–50 ms of work (the cost is measured in
# benchmarks/RESULTS.md).
CHUNK_WORK = 1 << 22


@njit(cache=True, error_model="numpy")
def _minimize_chunk(rule, hyper, buffers, scalars, kind, matrix, vector, problem_scalars, params, point, grad,
                    rng, path, loss, start, stop, noise):
    """Steps ``start`` … ``stop − 1`` of the compiled loop, writing rows start + 1 … stop of ``path``/``loss``.

    Each step: query point, gradient (+ noise), shared update kernel, loss, divergence check. Returns −1 when
    every step was finite, else the index of the last finite row. ``params``, the optimizer state and the random
    stream ``rng[0]`` carry over from one chunk to the next, so chunking does not change a single bit.
    """
    d = params.shape[0]
    state = rng[0]
    look_ahead = rule == _updates.NESTEROV or rule == _updates.NESTEROV_CONVEX
    for t in range(start, stop):
        if look_ahead:
            _updates.query_point(rule, params, buffers, scalars, hyper, point)
            state = _objectives.grad_into(kind, matrix, vector, problem_scalars, point, grad, state)
        else:  # query_point would copy params: take the gradient at params itself
            state = _objectives.grad_into(kind, matrix, vector, problem_scalars, params, grad, state)
        if noise > 0.0:
            for i in range(d):
                state, z = _random.next_normal(state)
                grad[i] += noise * z
        finite = _updates.apply_update(rule, params, grad, buffers, scalars, hyper)
        value = _objectives.value(kind, matrix, vector, problem_scalars, params)
        if not (finite and np.isfinite(value)):
            rng[0] = state
            return t
        for i in range(d):
            path[t + 1, i] = params[i]
        loss[t + 1] = value
    rng[0] = state
    return -1


def minimize(opt: Optimizer, problem: Problem, x0: np.ndarray, steps: int, noise: float = 0.0, seed: int = 0,
             state: OptState | None = None) -> Trajectory:
    r"""Run ``opt`` on ``problem`` from ``x0`` for ``steps`` steps, in one compiled loop.

    .. math::
        g_k = \nabla L(q_k) + s\,\xi_k, \quad \xi_k \sim \mathcal{N}(0, I), \qquad
        (\theta_{k+1}, S_{k+1}) = \operatorname{step}(\theta_k, g_k, S_k), \qquad k = 0, \dots, n - 1,

    with :math:`q_k` = ``opt.query(θ_k, S_k)`` and :math:`S_0` = ``state`` (``opt.init(x0)`` by default).
    Each step takes the gradient at ``opt.query(θ, state)`` (θ itself except for the Nesterov methods), adds
    independent N(0, noise²) to every coordinate when ``noise > 0`` — the SDE model of SGD, g = ∇L + s ξ — and
    applies the same compiled update kernel as ``opt.step``. The run stops at the first non-finite iterate or
    loss. The loop returns to Python every few million operations (``CHUNK_WORK``), so Ctrl-C interrupts a long
    run; the chunks carry the whole state over and do not change the result.

    Parameters
    ----------
    opt : Optimizer
        Any minimopt optimizer.
    problem : Problem
        Any ``minimopt.problems`` problem (minibatch problems draw their batches from this run's stream).
    x0 : ndarray(float64, ndim=1)
        Starting point, where the loss must be finite.
    steps : int
        Number of steps, ≥ 0. The trajectory, (steps + 1) × (d + 1) float64, must fit in the memory available;
        a larger request is refused before anything is allocated.
    noise : float
        Standard deviation s ≥ 0 of the Gaussian noise added to each gradient coordinate.
    seed : int
        Seed in [0, 2⁶⁴) of the run's random stream (noise and minibatches); the same seed gives the same run.
    state : OptState, optional
        Starting optimizer state (e.g. a heavy ball's initial velocity); ``opt.init(x0)`` by default. Not
        modified.

    Returns
    -------
    Trajectory
        ``params`` (n + 1, d), ``loss`` (n + 1,), ``diverged``.

    References
    ----------
    - Q. Li, C. Tai & W. E, "Stochastic modified equations and dynamics of stochastic gradient algorithms I:
      Mathematical foundations", JMLR 20(40):1–47 (2019) (gradient noise as the SDE model of SGD).
    - S. Mandt, M. D. Hoffman & D. M. Blei, "Stochastic gradient descent as approximate Bayesian inference", JMLR
      18(134):1–35 (2017).

    Examples
    --------
    >>> import numpy as np, minimopt as mo
    >>> traj = mo.minimize(mo.SGD(lr=0.1), mo.problems.Quadratic([[1.0]]), np.array([1.0]), steps=3)
    >>> traj.params[:, 0].tolist(), traj.diverged
    ([1.0, 0.9, 0.81, 0.7290000000000001], False)
    """
    if not isinstance(opt, Optimizer):
        raise ValueError(f"opt must be a minimopt optimizer, got {type(opt).__name__}")
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a minimopt problem, got {type(problem).__name__}")
    x0 = problem._point(x0, "x0")
    value0 = problem.value(x0)
    if not np.isfinite(value0):
        raise ValueError(f"x0: the loss is not finite at the starting point {x0}")
    steps = _validate.count("steps", steps)
    noise = _validate.nonnegative("noise", noise)
    seed = _validate.seed("seed", seed)
    if state is None:
        state = opt.init(x0)
    else:
        opt._check_params("x0", x0)
        opt._check_state(x0, state)
        state = state.copy()
    d = x0.shape[0]
    _validate.allocation("steps", 8 * (steps + 1) * (d + 1), f"the trajectory of {steps} steps in {d} dimensions")
    path = np.empty((steps + 1, d))
    loss = np.empty(steps + 1)
    path[0] = x0
    loss[0] = value0
    params = x0.copy()
    point, grad = np.empty(d), np.empty(d)
    rng = np.array([_random.stream(seed, 0)], dtype=np.uint64)
    chunk = max(1, CHUNK_WORK // (problem._cost(d) + d))
    kernel_args = (opt._rule, opt._hyper(), state._buffers, state._scalars, *problem.kernel_data)
    for start in range(0, steps, chunk):
        last = _minimize_chunk(*kernel_args, params, point, grad, rng, path, loss, start, min(steps, start + chunk),
                               noise)
        if last >= 0:
            return Trajectory(path[: last + 1], loss[: last + 1], True)
    return Trajectory(path, loss, False)
