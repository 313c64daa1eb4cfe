"""Start-up cost in a fresh process: ``import minimopt`` and the first call of ``minimize`` or ``langevin``.

The first call of a compiled function either loads its machine code from numba's on-disk cache (warm: the
normal case, ``cache=True`` keeps it in minimopt/__pycache__) or compiles it (cold). ``run_all.py`` runs this
script in a new interpreter for each measurement and chooses warm or cold through ``NUMBA_CACHE_DIR`` (a fresh
empty directory makes the cache cold; numba honours it for ``cache=True`` functions, the script reports the
files it finds there). ``--call minimize``: Adam on Rosenbrock, 1000 steps; ``--call langevin``: 1000
particles × 1000 steps on the double well. Times: import (numpy and numba included, as a user pays them) and
first call, measured inside the process (interpreter start-up excluded; run_all also records the wall time).
"""

import os
import time

from _timing import options, report

opts = options(call="minimize")
start = time.perf_counter()
import minimopt as mo  # noqa: E402  (timed)

imported = time.perf_counter()
import numpy as np  # noqa: E402  (already loaded by minimopt)

if opts.call == "minimize":
    mo.minimize(mo.Adam(), mo.problems.Rosenbrock(), np.array([-1.2, 1.0]), 1000)
else:
    mo.langevin(mo.problems.DoubleWell(), np.array([-1.0]), 0.7, 0.01, 1000, 1000)
called = time.perf_counter()
cache_dir = os.environ.get("NUMBA_CACHE_DIR")
cache_files = sum(len(files) for _, _, files in os.walk(cache_dir)) if cache_dir else None
report(call=opts.call, import_seconds=imported - start, first_call_seconds=called - imported,
       total_seconds=called - start, numba_cache_dir=cache_dir, cache_files=cache_files)
