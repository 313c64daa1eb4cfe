"""Whole optimisation runs, compiled end to end: ``minimize`` and the ``Trajectory`` it returns."""

from dataclasses import dataclass

import numpy as np
from numba import njit

from . import _objectives, _random, _updates, _validate
from .optimizers import Optimizer, OptState
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
    def steps(self):
        """Number of steps recorded (``steps`` asked for, or fewer if the run diverged)."""
        return self.loss.shape[0] - 1

    def __repr__(self):
        status = f"diverged after {self.steps} finite steps" if self.diverged else f"{self.steps} steps"
        return f"Trajectory({status}, final loss {self.loss[-1]:.6g})"


@njit(cache=True)
def _minimize_loop(rule, hyper, buffers, scalars, kind, matrix, vector, problem_scalars, x0, steps, noise, seed):
    """The compiled loop: query point, gradient (+ noise), shared update kernel, loss, divergence check."""
    d = x0.shape[0]
    path = np.empty((steps + 1, d))
    loss = np.empty(steps + 1)
    params = x0.copy()
    point = np.empty(d)
    grad = np.empty(d)
    state = _random.stream(seed, 0)
    path[0] = params
    loss[0] = _objectives.value(kind, matrix, vector, problem_scalars, params)
    for t in range(steps):
        _updates.query_point(rule, params, buffers, scalars, hyper, point)
        state = _objectives.grad_into(kind, matrix, vector, problem_scalars, point, grad, state)
        if noise > 0.0:
            for i in range(d):
                state, z = _random.next_normal(state)
                grad[i] += noise * z
        finite = _updates.apply_update(rule, params, grad, buffers, scalars, hyper)
        value = _objectives.value(kind, matrix, vector, problem_scalars, params)
        if not (finite and np.isfinite(value)):
            return path[: t + 1], loss[: t + 1], True
        for i in range(d):
            path[t + 1, i] = params[i]
        loss[t + 1] = value
    return path, loss, False


def minimize(opt, problem, x0, steps, noise=0.0, seed=0, state=None):
    r"""Run ``opt`` on ``problem`` from ``x0`` for ``steps`` steps, in one compiled loop.

    Each step takes the gradient at ``opt.query(θ, state)`` (θ itself except for Nesterov), adds independent
    N(0, noise²) to every coordinate when ``noise > 0`` — the SDE model of SGD, g = ∇L + s ξ — and applies the
    same compiled update kernel as ``opt.step``. The run stops at the first non-finite iterate or loss.

    Parameters
    ----------
    opt : Optimizer
        Any minimopt optimizer.
    problem : Problem
        Any ``minimopt.problems`` problem (minibatch problems draw their batches from this run's stream).
    x0 : ndarray(float64, ndim=1)
        Starting point.
    steps : int
        Number of steps, ≥ 0.
    noise : float
        Standard deviation s ≥ 0 of the Gaussian noise added to each gradient coordinate.
    seed : int
        Seed of the run's random stream (noise and minibatches); the same seed gives the same run.
    state : OptState, optional
        Starting optimizer state (e.g. a heavy ball's initial velocity); ``opt.init(x0)`` by default. Not
        modified.

    Returns
    -------
    Trajectory
        ``params`` (n + 1, d), ``loss`` (n + 1,), ``diverged``.
    """
    if not isinstance(opt, Optimizer):
        raise ValueError(f"opt must be a minimopt optimizer, got {type(opt).__name__}")
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a minimopt problem, got {type(problem).__name__}")
    x0 = problem._point(_validate.vector("x0", x0, size=problem.dim))
    if not np.isfinite(problem.value(x0)):
        raise ValueError(f"x0: the loss is not finite at the starting point {x0}")
    steps = _validate.count("steps", steps)
    noise = _validate.nonnegative("noise", noise)
    seed = _validate.count("seed", seed)
    if state is None:
        state = opt.init(x0)
    else:
        opt._check(x0, x0, state)
        state = state.copy()
    path, loss, diverged = _minimize_loop(opt._rule, opt._hyper(), state.buffers, state.scalars,
                                          *problem.kernel_data, x0, steps, noise, seed)
    return Trajectory(path, loss, bool(diverged))
