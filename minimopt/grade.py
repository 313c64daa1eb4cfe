"""Grade submitted assignment notebooks.

    python -m minimopt.grade [--json] [--timeout SECONDS] [--memory MB] [--seed N] SUBMISSION.ipynb [more ...]

Each submission is graded in its own fresh process (:mod:`minimopt._grade_worker`), one after the other:

1. its code cells run top to bottom in a fresh IPython shell (the Jupyter kernel's engine), a failing cell
   recorded and the next one run anyway, as "Restart and run all" with errors allowed would;
2. every exercise of its chapter is checked: the exercise's checker runs on the function of that name that the
   submission defines, with this run's seed, so the cases differ from the public ones the notebook showed.

Limits, per submission: a wall-clock limit (``--timeout``, default 120 s) for running and checking together
(counted from the moment the submission's first cell starts; the grading process's own start-up is not
counted, and it is killed if it has not finished ``STARTUP_S + SECONDS + GRACE_S`` after it was started);
an address-space limit (``--memory``, default 2048 MB) set with ``setrlimit(RLIMIT_AS)`` in the grading process
before it starts, so an allocation beyond it raises ``MemoryError`` in the submission; each call of a student
function inside a checker has the checkers' own limit (10 s). A submission that hangs, exhausts its memory,
raises at top level, calls ``sys.exit`` or ``os._exit``, or lacks a function gets 0 for what it could not do, with
the reason, and the next submission is graded.

Which exercises: those listed in the notebook's metadata by :mod:`minimopt.assign`; for a notebook without it,
the chapter whose exercise functions it defines (``def name(``) the most.

The seed is drawn fresh for every run (``secrets.randbits(32)``) unless ``--seed`` is given; it is printed
first (on standard error with ``--json``) so that a grade can be reproduced with ``--seed``.

Output: a table of submission × exercise (score and the checker's message) and totals; with ``--json`` a JSON
list with one object per submission: ``file``, ``exercises`` (each ``name``, ``score``, ``max_score``,
``message``), ``total``, ``max_total`` and ``error`` (null, or why the submission could not be graded in full).
Exit status 0 when every submission was graded, 1 otherwise.

Not a sandbox. The submission runs with the instructor's user rights: it can read and write the instructor's
files, open network connections, start processes that outlive the limits, or tamper with the grading process
it runs in (patch the checkers, forge its result). The limits protect against mistakes, not against a hostile
student. For untrusted submissions run the grader inside an isolated environment: a container without network
and with a read-only view of the rest (``docker run --network none --read-only …``), a throwaway virtual
machine, bubblewrap or firejail, or nbgrader's autograder under a separate user account.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import nbformat

from minimopt import _book
from minimopt.assign import METADATA_KEY

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048
#: Seconds the grading process gets beyond the limit to stop by itself before it is killed.
GRACE_S = 10.0
#: Seconds allowed for the grading process's own start (imports), which do not count against the submission.
STARTUP_S = 60.0


def _limit_memory(megabytes):
    def apply():
        import resource

        limit = int(megabytes * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def exercises_for(notebook, table=None) -> list:
    """The exercises a submission is graded on (see the module docstring), in the chapter's order."""
    table = _book.exercises_by_label() if table is None else table
    labels = notebook.metadata.get(METADATA_KEY, {}).get("exercises")
    if labels:
        return [table[label] for label in labels if label in table]
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    defined = set(re.findall(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", code, flags=re.M))
    best, count = (), 0
    for exercises in _book.exercise_modules().values():
        hits = sum(exercise.function in defined for exercise in exercises)
        if hits > count:
            best, count = exercises, hits
    return list(best)


def _environment(scratch):
    env = dict(os.environ)
    env["IPYTHONDIR"] = str(Path(scratch) / "ipython")  # not the instructor's IPython profile
    env["PYTHONPATH"] = os.pathsep.join([str(_book.REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["MPLBACKEND"] = "Agg"
    return env


def _exit_reason(returncode) -> str:
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.Signals._value2member_map_ else ""
        return f"was killed by signal {-returncode} {name}".rstrip()
    return f"ended with exit status {returncode}"


class Graded(NamedTuple):
    """A submission's result (the object of the JSON output) and the errors its code cells raised."""
    result: dict
    cell_errors: list


def grade_one(path: Path, seed: int, timeout: float = DEFAULT_TIMEOUT_S, memory: float = DEFAULT_MEMORY_MB,
              table=None) -> Graded:
    """Grade one submission."""
    result = {"file": str(path), "exercises": [], "total": 0, "max_total": 0, "error": None}
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # not there, not JSON, not a notebook: reported, the others are graded
        result["error"] = f"could not read the notebook: {type(exc).__name__}: {exc}"
        return Graded(result, [])
    exercises = exercises_for(notebook, table)
    result["max_total"] = sum(exercise.points for exercise in exercises)
    if not exercises:
        result["error"] = ("no exercise to grade: the notebook has no assignment metadata and defines none of "
                           "the exercises' functions")
        return Graded(result, [])
    with tempfile.TemporaryDirectory(prefix="minimopt-grade-") as scratch:
        log_path = Path(scratch) / "result.jsonl"
        stderr_path = Path(scratch) / "stderr.txt"
        command = [sys.executable, "-m", "minimopt._grade_worker", str(path.resolve()), str(log_path), str(seed),
                   str(timeout), *(exercise.label for exercise in exercises)]
        with open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                       env=_environment(scratch), start_new_session=True,
                                       preexec_fn=_limit_memory(memory))
            try:
                returncode = process.wait(STARTUP_S + timeout + GRACE_S)
                killed = False
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                returncode, killed = process.wait(), True
            try:  # whatever the submission started in its session goes too
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        events = []
        if log_path.exists():
            for line in log_path.read_text(encoding="utf-8").splitlines():
                try:
                    events.append(json.loads(line))
                except ValueError:  # a line cut short by a kill
                    break
        stderr_tail = stderr_path.read_text(encoding="utf-8", errors="replace")[-1500:]
    graded = {e["name"]: e for e in events if e.get("event") == "graded"}
    last = events[-1] if events else {}
    cells = [e["cell"] for e in events if e.get("event") == "cell"]
    started = any(e.get("event") == "started" for e in events)
    if last.get("event") == "done":
        reason = None
    elif killed and not started:
        reason = f"the grading process did not even start within {STARTUP_S + timeout + GRACE_S:g} s"
    elif last.get("event") == "timeout" or killed:
        if last.get("phase") == "grade" or (killed and any(e.get("event") == "executed" for e in events)):
            reason = f"the time limit of {timeout:g} s ran out while checking {last.get('name', 'an exercise')}"
        else:
            where = f" (code cell {cells[-1]} was still running: an infinite loop?)" if cells else ""
            reason = f"the notebook did not finish running within the time limit of {timeout:g} s{where}"
    elif not started:
        reason = f"the grading process {_exit_reason(returncode)} before it could start: {stderr_tail.strip()}"
    else:
        where = (f" while checking {last['name']}" if last.get("event") == "grading"
                 else f" in code cell {cells[-1]}" if cells else "")
        memory_hint = f" (was the memory limit of {memory:g} MB exceeded?)" if returncode < 0 else ""
        reason = f"the submission stopped the grading process: it {_exit_reason(returncode)}{where}{memory_hint}"
    result["error"] = reason
    for exercise in exercises:
        item = graded.get(exercise.function)
        if item is None:
            item = {"score": 0, "max_score": exercise.points,
                    "message": f"not graded: {reason}" if reason else "not graded"}
        result["exercises"].append({"name": exercise.function, "score": item["score"],
                                    "max_score": item["max_score"], "message": item["message"]})
    result["total"] = sum(item["score"] for item in result["exercises"])
    cell_errors = [f"code cell {e['cell']} raised {e['error']}" for e in events if e.get("event") == "cell_error"]
    return Graded(result, cell_errors)


def table_text(graded, seed) -> str:
    """The human-readable report: one line per submission × exercise, the submission's total, and the errors
    its code cells raised."""
    results = [g.result for g in graded]
    lines = [f"Grading seed {seed} (reproduce this grading with --seed {seed})", ""]
    width = max([len("submission")] + [len(Path(r["file"]).name) for r in results])
    name_width = max([len("exercise")] + [len(e["name"]) for r in results for e in r["exercises"]])
    lines.append(f"{'submission':<{width}}  {'exercise':<{name_width}}  score  message")
    for result, cell_errors in graded:
        name = Path(result["file"]).name
        for item in result["exercises"]:
            score = f"{item['score']:g}/{item['max_score']:g}"
            lines.append(f"{name:<{width}}  {item['name']:<{name_width}}  {score:>5}  {item['message']}")
        total = f"{result['total']:g}/{result['max_total']:g}"
        error = f"  not graded in full: {result['error']}" if result["error"] else ""
        lines.append(f"{name:<{width}}  {'TOTAL':<{name_width}}  {total:>5}{error}")
        lines += [f"{name:<{width}}  note: {text}" for text in cell_errors]
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minimopt.grade", description=__doc__.split("\n\n")[0],
                                     epilog="See the module's docstring or the instructor guide for the details.")
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION.ipynb")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead of a table")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=f"wall-clock limit per submission (default {DEFAULT_TIMEOUT_S:g})")
    parser.add_argument("--memory", type=float, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help=f"address-space limit per submission (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--seed", type=int, default=None, help="the seed of the random cases (default: fresh)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    if args.memory < 256:
        parser.error("--memory must be at least 256 MB (importing NumPy, SymPy and numba needs about 1 GB of "
                     "address space)")
    seed = secrets.randbits(32) if args.seed is None else args.seed
    if args.json:
        print(f"grading seed {seed} (reproduce with --seed {seed})", file=sys.stderr)
    table = _book.exercises_by_label()
    graded = []
    for path in args.submissions:
        graded.append(grade_one(path, seed, args.timeout, args.memory, table))
        if not args.json:
            print(f"graded {path}", file=sys.stderr)
    if args.json:
        print(json.dumps([g.result for g in graded], indent=2, ensure_ascii=False))
    else:
        print(table_text(graded, seed))
    return 0 if all(g.result["error"] is None for g in graded) else 1


if __name__ == "__main__":
    sys.exit(main())
