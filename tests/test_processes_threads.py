"""Processes, threads and Ctrl-C (issue 6): a forked child survives, concurrent calls are safe, long runs stop.

* numba's GNU OpenMP layer kills a ``fork()``ed child that runs a parallel kernel after the parent ran one;
  minimopt selects TBB (preloaded from the environment) so that the child lives.
* Two Python threads running ``langevin`` at once: safe under the layer in use, and under ``workqueue`` (which
  aborts the interpreter without minimopt's lock) in a subprocess.
* A compiled run returns to Python every chunk, so SIGINT (Ctrl-C) interrupts ``langevin`` and ``minimize``.
Subprocesses make the dangerous cases observable without endangering the test process itself.
"""

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import minimopt as mo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
ARGS = (mo.problems.DoubleWell(), np.array([0.2]), 0.7, 0.01, 200, 500)


def _child(queue):
    queue.put(mo.langevin(*ARGS, seed=3).sum())


def test_the_threading_layer_is_fork_safe():
    assert mo._parallel.REQUESTED_LAYER in ("tbb", "workqueue")
    expected = mo.langevin(*ARGS, seed=3).sum()  # the parent has run a parallel kernel
    assert mo._parallel.threading_layer() in ("tbb", "workqueue")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue,))
    child.start()
    child.join(120)
    assert child.exitcode == 0, f"the forked child died (exit code {child.exitcode})"
    assert queue.get(timeout=5) == expected


def test_concurrent_calls_from_threads_give_the_sequential_results():
    seeds = range(6)
    expected = [mo.langevin(*ARGS, seed=s) for s in seeds]
    got = [None] * len(expected)

    def work(i):
        got[i] = mo.langevin(*ARGS, seed=seeds[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(expected))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


_WORKQUEUE_THREADS = """
import threading, numpy as np, numba, minimopt as mo
args = (mo.problems.DoubleWell(), np.array([0.2]), 0.7, 0.01, 300, 2000)
ref = mo.langevin(*args, seed=1)
out = []
threads = [threading.Thread(target=lambda: out.append(mo.langevin(*args, seed=1))) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
assert numba.threading_layer() == "workqueue", numba.threading_layer()
assert len(out) == 4 and all(np.array_equal(o, ref) for o in out)
print("ok")
"""


def test_concurrent_calls_are_safe_under_the_workqueue_layer():
    done = subprocess.run([sys.executable, "-c", _WORKQUEUE_THREADS], capture_output=True, text=True, timeout=300,
                          env={**ENV, "NUMBA_THREADING_LAYER": "workqueue"})
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


_LONG_RUN = """
import sys, time, numpy as np, minimopt as mo
mo.langevin(mo.problems.DoubleWell(), np.zeros(1), 0.5, 0.01, 10, 10)                       # compile first
mo.minimize(mo.SGD(lr=1e-3), mo.problems.Quadratic([[1.0]]), np.ones(1), 10)
print("ready", flush=True)
start = time.perf_counter()
try:
    if sys.argv[1] == "langevin":
        mo.langevin(mo.problems.DoubleWell(), np.zeros(1), 0.5, 0.01, 10**10, 1000)
    else:
        mo.minimize(mo.SGD(lr=1e-9), mo.problems.Quadratic([[1.0]]), np.ones(1), 10**7)
        print("finished", flush=True)
except KeyboardInterrupt:
    print(f"interrupted after {time.perf_counter() - start:.2f} s", flush=True)
"""


@pytest.mark.parametrize("run", ["langevin", "minimize"])
def test_ctrl_c_interrupts_a_long_compiled_run(run):
    child = subprocess.Popen([sys.executable, "-c", _LONG_RUN, run], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=ENV)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err[-2000:]
    # minimize (10⁷ steps, about a second) may finish first on a fast machine; langevin (10¹⁰) cannot
    assert out.startswith("interrupted") or (run == "minimize" and out.startswith("finished")), out + err
