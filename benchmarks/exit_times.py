"""``minimopt.exit_times`` against ``minimopt.langevin``: particle-steps per second (warm, best of k).

Two measurements on the double well, σ = 0.7, Δt = 0.01, from x0 = −1:

- the same work: a boundary no particle reaches (b = 50), so ``exit_times`` runs every particle for all
  ``steps`` steps, like ``langevin`` with the same n and steps;
- real exits: b = 0 (the barrier top); the particle-steps done are Σ(exit time)/Δt.

The two functions are timed alternately, so that a change of the machine's load hits both. Reports the
particle-steps per second of each and their ratio (> 1: ``exit_times`` is faster per particle-step).
"""

import numba
import numpy as np

import minimopt as mo
from _timing import LANGEVIN, best_of, options, report

opts = options(repeat=5, threads=0, n=LANGEVIN["n"], steps=LANGEVIN["steps"])
if opts.threads:
    numba.set_num_threads(opts.threads)
problem, sigma, dt = mo.problems.DoubleWell(), LANGEVIN["sigma"], LANGEVIN["dt"]
x0 = LANGEVIN["x0"]


def run_langevin():
    return mo.langevin(problem, np.array([x0]), sigma, dt, opts.steps, opts.n, seed=0)


def run_exit(boundary, max_steps):
    return mo.exit_times(problem, x0, sigma, dt, boundary, max_steps, opts.n, seed=0)


run_langevin(), run_exit(50.0, 1)  # compile, or load from numba's cache
rates = {"langevin": [], "exit_times_same_work": [], "exit_times_real_exits": []}
for _ in range(opts.repeat):
    best, _, _ = best_of(run_langevin, 1)
    rates["langevin"].append(opts.n * opts.steps / best)
    best, _, times = best_of(lambda: run_exit(50.0, opts.steps), 1)
    assert np.all(np.isinf(times))
    rates["exit_times_same_work"].append(opts.n * opts.steps / best)
    best, _, times = best_of(lambda: run_exit(0.0, 10**7), 1)
    rates["exit_times_real_exits"].append(np.sum(np.round(times / dt)) / best)
best = {key: max(values) for key, values in rates.items()}
report(n=opts.n, steps=opts.steps, repeat=opts.repeat, threads=numba.get_num_threads(),
       threading_layer=numba.threading_layer(),
       **{f"{key}_particle_steps_per_second": value for key, value in best.items()},
       ratio_same_work=best["exit_times_same_work"] / best["langevin"],
       ratio_real_exits=best["exit_times_real_exits"] / best["langevin"])
