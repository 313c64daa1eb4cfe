"""Shared helpers of the benchmark scripts: best-of-k timing, the JSON line a script reports, the subprocess runner.

Every benchmark script prints, as its last line of standard output, one JSON object with its measurements;
``run_all.py`` starts each script in a fresh interpreter with :func:`run_script` and reads that line back.
This module imports only the standard library, so the torch script can use it from a virtual environment that
does not have minimopt.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# The problem sizes of the issue, in one place.
ROSENBROCK_X0 = (-1.2, 1.0)        # the classic start, a = 1, b = 100
ROSENBROCK_STEPS = 100_000
ADAM = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)  # torch.optim.Adam's defaults
LARGE_D = 10_000_000
LANGEVIN = dict(n=100_000, steps=1_000, sigma=0.7, dt=0.01, x0=-1.0)
# Arrays an in-place update reads only / reads and writes (params, buffers): Adam reads g and reads and writes
# θ, m, v, so it must stream 7 arrays of 8-byte floats; SGD (no momentum) 3; the heavy ball (θ, v) 5.
STREAMS = {"adam": (1, 3), "sgd": (1, 1), "heavyball": (1, 2)}


def stream_bytes(rule, d=LARGE_D):
    """Bytes the update of ``rule`` must move for d float64 parameters (each array read once, written once)."""
    read_only, read_write = STREAMS[rule]
    return 8 * d * (read_only + 2 * read_write)


def options(**defaults):
    """Parse ``--name value`` command-line options; ``defaults`` gives their names, types and default values."""
    parser = argparse.ArgumentParser()
    for name, default in defaults.items():
        parser.add_argument("--" + name, type=type(default), default=default)
    return parser.parse_args()


def best_of(fn, repeat=7):
    """Call ``fn()`` ``repeat`` times; return (min, median) of the wall times in seconds and fn's last result.

    Times are time.perf_counter differences. The minimum is the figure reported: it is the run least disturbed
    by other processes. Call ``fn`` once before (to compile) when the warm time is wanted.
    """
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def report(**fields):
    """Print the script's measurements as one JSON line (the last line of stdout, read by run_all)."""
    print(json.dumps(fields), flush=True)


def run_script(script, *args, python=None, env=None, timeout=3600):
    """Run ``benchmarks/<script>`` in a fresh interpreter and return its JSON report plus ``wall`` seconds.

    ``python`` defaults to the running interpreter; ``env`` entries are added to (or, when None, removed from)
    a copy of the current environment.
    """
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), script)
    start = time.perf_counter()
    done = subprocess.run([python or sys.executable, path, *map(str, args)], capture_output=True, text=True,
                          env=environment, timeout=timeout)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result
