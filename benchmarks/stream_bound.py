"""The memory-stream bound of an in-place update on d = 10⁷ parameters, measured directly.

A numba kernel makes one trivial fused pass over the same arrays the update streams (it reads g and reads and
writes params and each state buffer, ``a[i] += 1e-300 * g[i]``, which the compiler cannot remove), once
single-threaded like ``step_`` and once over all cores (``prange``). Also NumPy's copy bandwidth
(``np.copyto``, 16 bytes per element). Bandwidth is reported in GB/s of the bytes the update must move
(7 × 8 × d for Adam); a write also costs a read for ownership in the cache, the same for every contender.
"""

import numba
import numpy as np
from numba import njit, prange

from _timing import LARGE_D, STREAMS, best_of, options, report, stream_bytes

TINY = 1e-300


def touch1(g, a):
    for i in prange(g.shape[0]):
        a[i] += TINY * g[i]


def touch2(g, a, b):
    for i in prange(g.shape[0]):
        a[i] += TINY * g[i]
        b[i] += TINY * g[i]


def touch3(g, a, b, c):
    for i in prange(g.shape[0]):
        a[i] += TINY * g[i]
        b[i] += TINY * g[i]
        c[i] += TINY * g[i]


opts = options(rule="adam", repeat=10, d=LARGE_D)
read_only, read_write = STREAMS[opts.rule]
assert read_only == 1
touch = {1: touch1, 2: touch2, 3: touch3}[read_write]
rng = np.random.default_rng(0)
g = rng.standard_normal(opts.d)
arrays = [rng.standard_normal(opts.d) for _ in range(read_write)]
gigabytes = stream_bytes(opts.rule, opts.d) / 1e9
result = dict(rule=opts.rule, d=opts.d, threads=numba.get_num_threads())
for name, kernel in (("serial", njit(touch)), ("parallel", njit(parallel=True)(touch))):
    kernel(g, *arrays)  # compile
    best, median, _ = best_of(lambda: kernel(g, *arrays), opts.repeat)
    result[name] = dict(seconds=best, median=median, gbps=gigabytes / best)
copy_best, _, _ = best_of(lambda: np.copyto(arrays[0], g), opts.repeat)
result["numpy_copy"] = dict(seconds=copy_best, gbps=16e-9 * opts.d / copy_best)
result["seconds"] = result["serial"]["seconds"]
report(**result)
