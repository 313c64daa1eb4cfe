"""Execute chapter notebooks in place, in the current environment, and strip what changes from run to run.

    python tools/execute_notebook.py book/momentum_is_leapfrog.ipynb [more.ipynb ...]

Each notebook is run top to bottom in a fresh ``python3`` kernel whose working directory is the notebook's
folder (as ``jupyter execute`` and nbval do), with ``PYTHONPATH`` set to this checkout so that the kernel imports
*this* ``minimopt``. The outputs are stored; the per-cell ``execution`` timestamps that nbclient records are
removed (they change every run and nbval does not compare them). The wall-clock time of each notebook is printed.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[1:]:
        seconds = execute(Path(name).resolve())
        print(f"{name}: executed in {seconds:.1f} s")
