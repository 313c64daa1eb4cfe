"""``minimopt.langevin``: 10⁵ particles × 10³ Euler–Maruyama steps on the double well, σ = 0.7, dt = 0.01 (warm).

The ensemble runs in parallel over particles (numba ``prange``, each particle with its own random stream);
``--threads`` sets numba's thread count (default: all, ``numba.get_num_threads()``). Reports the best-of-k
time, particle-steps per second, and summary statistics of the final ensemble (to check it against the NumPy
ensemble statistically: the random streams differ).
"""

import numba
import numpy as np

import minimopt as mo
from _timing import LANGEVIN, best_of, options, report

opts = options(repeat=5, threads=0, **{key: LANGEVIN[key] for key in ("n", "steps")})
if opts.threads:
    numba.set_num_threads(opts.threads)
problem = mo.problems.DoubleWell()
x0 = np.array([LANGEVIN["x0"]])


def run():
    return mo.langevin(problem, x0, LANGEVIN["sigma"], LANGEVIN["dt"], opts.steps, opts.n, seed=0)


run()  # compile, or load from numba's cache
best, median, X = best_of(run, opts.repeat)
report(seconds=best, median=median, repeat=opts.repeat, n=opts.n, steps=opts.steps,
       particle_steps_per_second=opts.n * opts.steps / best, threads=numba.get_num_threads(),
       threading_layer=numba.threading_layer(), mean=float(X.mean()), right_well=float((X > 0).mean()))
