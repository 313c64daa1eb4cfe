"""Adam on the 2-D Rosenbrock function, 10⁵ steps, with ``minimopt.minimize`` (warm: compiled before timing).

What the reader of the book does in every chapter: one call runs the whole loop compiled. The run also records
every iterate and the loss at every step (the Trajectory); the NumPy and torch loops it is compared with do not,
so the comparison favours the references. Reports the best-of-k time and the final iterate.
"""

import numpy as np

import minimopt as mo
from _timing import ADAM, ROSENBROCK_STEPS, ROSENBROCK_X0, best_of, options, report

opts = options(repeat=7, steps=ROSENBROCK_STEPS)
opt = mo.Adam(lr=ADAM["lr"], betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["eps"])
problem = mo.problems.Rosenbrock()
x0 = np.array(ROSENBROCK_X0)


def run():
    return mo.minimize(opt, problem, x0, opts.steps)


trajectory = run()  # compile, or load from numba's cache
best, median, _ = best_of(run, opts.repeat)
report(seconds=best, median=median, repeat=opts.repeat, steps=opts.steps, final=trajectory.params[-1].tolist(),
       diverged=trajectory.diverged)
