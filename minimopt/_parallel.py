"""Running parallel compiled ensembles safely: a fork-safe threading layer, a lock, and Ctrl-C-able chunks.

Everything an ensemble (``langevin``, ``kramers``, ``exit_times`` …) needs besides its kernel:

* **Threading layer.** Importing this module (``import minimopt`` does) preloads TBB's ``libtbb.so.12`` from the
  environment (pip's ``tbb`` wheel puts it in ``<prefix>/lib``, where numba does not look) and selects numba's
  ``tbb`` layer: unlike GNU OpenMP, it survives ``fork()`` (multiprocessing's default start method on Linux,
  ``ProcessPoolExecutor``). Without TBB the ``workqueue`` layer is selected (fork-safe as well). A layer chosen
  explicitly with ``NUMBA_THREADING_LAYER`` is respected. :func:`threading_layer` says which one runs.
* **Lock.** :func:`run_parallel` calls a parallel kernel under one process-wide lock, so that two Python threads
  never run parallel kernels at once (``workqueue`` aborts the interpreter then; TBB would merely share the
  cores). Each call holds it for one chunk only.
* **Chunks.** :func:`chunks` cuts ``steps`` into pieces of about :data:`CHUNK_WORK` particle-coordinate steps,
  so that a long run returns to Python every few tens of milliseconds, where Ctrl-C (KeyboardInterrupt) gets
  through. A kernel that runs a chunk must carry its state across calls: positions in place, and each
  particle's random stream in an array from :func:`particle_streams`, so that chunking changes no bit.

How an ensemble uses them (``exit_times`` can do the same)::

    streams = _parallel.particle_streams(seed, n)                 # particle k: stream (seed, k + 1)
    for start, count in _parallel.chunks(steps, n * d):
        _parallel.run_parallel(_my_chunk_kernel, *data, X, streams, count)
        _parallel.check_finite("langevin", X, start + count, count)   # DivergedError naming the particle
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

import numba
import numpy as np
from numba import njit

from . import _random
from ._errors import DivergedError

# Particle-coordinate steps per chunk: ≈ 2·10⁷ × a few ns ≈ 20–60 ms of work on two threads.
CHUNK_WORK = 1 << 24

_LOCK = threading.RLock()


def _select_threading_layer() -> str:
    """Preload TBB if the environment has it and pick a fork-safe layer; return the layer asked of numba."""
    if os.environ.get("NUMBA_THREADING_LAYER"):
        return numba.config.THREADING_LAYER
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, sys.exec_prefix)):
        library = os.path.join(prefix, "lib", "libtbb.so.12")
        if os.path.exists(library):
            try:
                ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
            except OSError:
                continue
            try:
                from numba.np.ufunc import tbbpool  # noqa: F401  (importable only once libtbb is loaded)
            except ImportError:
                continue
            numba.config.THREADING_LAYER = "tbb"
            return "tbb"
    numba.config.THREADING_LAYER = "workqueue"
    return "workqueue"


REQUESTED_LAYER = _select_threading_layer()


def threading_layer() -> str:
    """The threading layer numba uses (known once a parallel kernel has run; before, the one requested)."""
    try:
        return numba.threading_layer()
    except ValueError:
        return REQUESTED_LAYER


def run_parallel(kernel, *args):
    """Call a ``parallel=True`` kernel under the process-wide lock (safe from any number of Python threads)."""
    with _LOCK:
        return kernel(*args)


def chunks(steps: int, work_per_step: int, work: int | None = None):
    """Yield ``(start, count)`` pieces covering ``range(steps)``, each about ``work`` (CHUNK_WORK) of work."""
    per_chunk = max(1, (CHUNK_WORK if work is None else work) // max(1, work_per_step))
    for start in range(0, steps, per_chunk):
        yield start, min(per_chunk, steps - start)


@njit(cache=True)
def _streams(seed, n):
    out = np.empty(n, dtype=np.uint64)
    for k in range(n):
        out[k] = _random.stream(seed, k + 1)
    return out


def particle_streams(seed: np.uint64, n: int) -> np.ndarray:
    """The initial random state of particles 0 … n − 1: stream (seed, k + 1), as in minimopt 0.1's ensembles."""
    return _streams(np.uint64(seed), n)


def check_finite(name: str, X: np.ndarray, step: int, chunk: int, what: str = "position") -> None:
    """Raise :class:`DivergedError` naming the first particle of ``X`` (n × d) that is not finite after ``step``."""
    finite = np.isfinite(X).all(axis=1)
    if finite.all():
        return
    particle = int(np.argmin(finite))
    raise DivergedError(
        f"{name}: the ensemble diverged: particle {particle}'s {what} is not finite after step {step} (it became "
        f"so within the last {chunk} steps). The start was finite with a finite gradient, so the "
        "Euler–Maruyama steps blew up: dt is too large for the curvature the particles reached, or the "
        "potential grows too fast for this scheme", step=step, particle=particle)
