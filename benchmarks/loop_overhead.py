"""`minimize` against hand-written numba loops (handwritten.py), every optimizer, 2-D and 100-D Rosenbrock.

For each optimizer of ``handwritten.CONFIGS`` and each dimension, both loops are compiled first (or loaded from
numba's cache), then timed alternately, best of k (the alternation exposes both to the same load). Both loops are
single-threaded, so they are timed with ``time.process_time`` (CPU time of this process): on a shared machine it
leaves out the time the process waits for a core, which wall time would add to one loop or the other at random. Also
measured: the cost of running ``minimize`` and ``langevin`` in chunks (so that Ctrl-C gets through) against
one single compiled call. Reports one JSON line.
"""

import time

import numpy as np

import minimopt as mo
from _timing import options, report
from handwritten import CONFIGS, LOOPS
from minimopt import _parallel, run

opts = options(repeat=7, steps2=100_000, steps100=20_000)
# 100-D: near the valley floor (1, …, 1), where every optimizer of the table runs 5000 steps without diverging
STARTS = {2: np.array([-1.2, 1.0]), 100: 1.0 + 0.05 * np.sin(np.arange(100.0))}
POSITIVE = {2: np.array([0.5, 0.5]), 100: STARTS[100]}  # exponentiated gradient starts > 0


def best_pair(first, second, repeat, clock=time.process_time):
    """Best-of-k times of two callables, timed alternately (CPU time by default, see the module docstring)."""
    times = ([], [])
    first(), second()  # compile / load from the cache
    for _ in range(repeat):
        for fn, store in ((first, times[0]), (second, times[1])):
            start = clock()
            fn()
            store.append(clock() - start)
    return min(times[0]), min(times[1])


results = {}
for name, (cls, kwargs) in CONFIGS.items():
    opt = getattr(mo, cls)(**kwargs)
    for d, steps in ((2, opts.steps2), (100, opts.steps100)):
        x0 = (POSITIVE if cls == "ExponentiatedGradient" else STARTS)[d]
        problem = mo.problems.Rosenbrock()
        hand_time, mine_time = best_pair(lambda: LOOPS[name](x0, steps), lambda: mo.minimize(opt, problem, x0, steps),
                                         opts.repeat)
        path, _ = LOOPS[name](x0, steps)
        traj = mo.minimize(opt, problem, x0, steps)
        same_length = path.shape == traj.params.shape
        gap = float(np.max(np.abs(path - traj.params))) if same_length else float("nan")
        results[f"{name}|{d}"] = dict(hand=hand_time, minimize=mine_time, ratio=mine_time / hand_time, steps=steps,
                                      d=d, max_abs_diff=gap, diverged=bool(traj.diverged),
                                      recorded=int(traj.steps))


def chunk_cost(fn, patch):
    """Best-of-k time of fn with the default chunks and with a single chunk (``patch`` sets the chunk work)."""
    default = getattr(*patch)
    try:
        chunked, single = best_pair(fn, lambda: (setattr(*patch, 2**62), fn(), setattr(*patch, default)),
                                    max(3, opts.repeat // 2), clock=time.perf_counter)  # langevin: 2 threads
    finally:
        setattr(*patch, default)
    return chunked, single


adam, rosen = mo.Adam(), mo.problems.Rosenbrock()
chunks = {
    "minimize, Adam, 2-D, 10⁶ steps": chunk_cost(lambda: mo.minimize(adam, rosen, STARTS[2], 1_000_000),
                                                  (run, "CHUNK_WORK")),
    "minimize, Adam, 100-D, 10⁵ steps": chunk_cost(lambda: mo.minimize(adam, rosen, STARTS[100], 100_000),
                                                    (run, "CHUNK_WORK")),
    "langevin, 10⁴ particles × 2·10³ steps": chunk_cost(
        lambda: mo.langevin(mo.problems.DoubleWell(), np.array([-1.0]), 0.7, 0.01, 2_000, 10_000),
        (_parallel, "CHUNK_WORK")),
}
report(loops=results, chunks={key: dict(chunked=a, single=b, cost=a / b - 1.0) for key, (a, b) in chunks.items()},
       chunk_work_minimize=run.CHUNK_WORK, chunk_work_ensembles=_parallel.CHUNK_WORK, repeat=opts.repeat)
