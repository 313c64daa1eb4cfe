"""``python -m minimopt.grade``: every faulty submission of the issue is graded with a reason, never a crash or
a hang of the grader, and the others are still graded.

The submissions are small synthetic notebooks built from chapter 1's exercises (their reference solutions pasted
as the student's functions, with the faults of the issue added); the grader itself knows no chapter. Each is graded in its own process, as the grader always does; two at a time.
"""

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from minimopt import _book, grade
from minimopt.exercises import _checking

REPO = Path(__file__).resolve().parents[1]
# Chapter 1's exercises (their reference solutions need only math and NumPy); any module with two would do.
MODULE = "gradient_descent"
EXERCISES = _book.exercise_modules()[MODULE]
FIRST, SECOND = EXERCISES[0], EXERCISES[1]
SEED = 20261202
TIMEOUT_S = 60      # generous for a loaded machine: a good submission is graded in a few seconds
LOOP_TIMEOUT_S = 6  # the submission with an infinite loop costs this much
HUGE = "np.ones(400_000_000)"  # 3.2 GB, beyond the default limit of 2048 MB (and not allocated: refused)


def solution(exercise, name=None):
    source = textwrap.dedent(inspect.getsource(exercise.solution))
    return re.sub(r"^def \w+\(", f"def {name or exercise.function}(", source, count=1, flags=re.M)


def body(exercise, lines):
    return f"def {exercise.function}({exercise.signature}):\n" + textwrap.indent(lines, "    ")


SETUP = "import math\nimport sys\n\nimport numpy as np\nimport minimopt as mo"
NUMBA = ("traj = mo.minimize(mo.SGD(lr=0.1), mo.problems.Quadratic(np.eye(2)), np.ones(2), 10)\n"
         "X = mo.langevin(mo.problems.DoubleWell(), np.array([0.0]), sigma=0.5, dt=0.01, steps=10, n_particles=64)\n"
         "assert traj.params.shape == (11, 2) and X.shape[0] == 64")


def notebook(*cells, metadata=True):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (SETUP, *cells)])
    if metadata:
        nb.metadata["minimopt"] = {"chapter": MODULE, "exercises": [e.label for e in EXERCISES]}
    return nb


def rest(skip=()):
    return [solution(e) for e in EXERCISES if e not in skip]


# A function that hangs while it is checked, and swallows the checker's own time limit for one call (which it
# can: that limit is an exception raised inside the function), but not the grader's wall-clock limit.
HANG = body(FIRST, """import time
while True:
    try:
        time.sleep(0.01)
    except KeyboardInterrupt:  # the grader's deadline gets through
        raise
    except BaseException:      # the checker's time limit for this call does not
        pass""")

LOOKUP = f"""\
{solution(FIRST, "_reference")}
_table = {{}}

def _key(args):
    return tuple(a.tobytes() if isinstance(a, np.ndarray) else a for a in args)

def _recording(*args):
    _table[_key(args)] = _reference(*args)
    return _table[_key(args)]

assert {_book.checker_call(FIRST)}(_recording) == "pass"

def {FIRST.function}(*args):
    return _table[_key(args)]   # the answers of the public cases, by heart
"""

SUBMISSIONS = {
    "good": notebook(NUMBA, *rest()),
    "inferred": notebook(*rest(), metadata=False),
    "syntax": notebook(solution(FIRST).replace(":", "", 1), *rest({FIRST})),
    "toplevel": notebook("raise RuntimeError('boom')\n" + solution(FIRST), *rest({FIRST})),
    "exit": notebook("sys.exit(3)\n" + solution(FIRST), body(SECOND, "sys.exit(1)"), *rest({FIRST, SECOND})),
    "memory": notebook(f"big = {HUGE}", body(FIRST, f"{HUGE}\nreturn None"), *rest({FIRST})),
    "missing": notebook(*rest({SECOND})),
    "loop": notebook(*rest(), "while True:\n    pass"),
    "hang": notebook(HANG, *rest({FIRST})),
    "osexit": notebook(*rest(), "import os\nos._exit(0)"),
    "lookup": notebook(LOOKUP, *rest({FIRST})),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    where = tmp_path_factory.mktemp("submissions")
    for name, nb in SUBMISSIONS.items():
        nbformat.write(nb, str(where / f"{name}.ipynb"))
    (where / "broken.ipynb").write_text("{not a notebook", encoding="utf-8")
    return where


@pytest.fixture(scope="module")
def graded(folder):
    jobs = {name: (folder / f"{name}.ipynb", SEED, LOOP_TIMEOUT_S if name in ("loop", "hang") else TIMEOUT_S)
            for name in [*SUBMISSIONS, "broken"]}
    jobs["lookup-public-seed"] = (folder / "lookup.ipynb", _checking.PUBLIC_SEED, TIMEOUT_S)
    table = _book.exercises_by_label()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(grade.grade_one, path, seed, timeout, grade.DEFAULT_MEMORY_MB, table)
                   for name, (path, seed, timeout) in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def scores(result):
    return {item["name"]: (item["score"], item["message"]) for item in result["exercises"]}


def assert_others_pass(result, *failing):
    for exercise in EXERCISES:
        if exercise.function not in failing:
            assert scores(result)[exercise.function] == (exercise.points, "pass"), exercise.function


def test_a_good_submission_gets_every_point_and_numba_runs_under_the_memory_limit(graded):
    result, cell_errors = graded["good"]
    assert cell_errors == []  # the cell that runs minimize and the parallel langevin kernel, under 2048 MB
    assert result["error"] is None
    assert_others_pass(result)
    assert result["total"] == result["max_total"] == sum(e.points for e in EXERCISES)


def test_without_assignment_metadata_the_chapter_is_inferred(graded):
    result, _ = graded["inferred"]
    assert [item["name"] for item in result["exercises"]] == [e.function for e in EXERCISES]
    assert result["error"] is None and result["total"] == result["max_total"]


def test_a_syntax_error_costs_the_function_it_breaks(graded):
    result, cell_errors = graded["syntax"]
    score, message = scores(result)[FIRST.function]
    assert score == 0
    assert message.startswith(f"no function named {FIRST.function} is defined in the submission (code cell 2 "
                              "raised SyntaxError")
    assert_others_pass(result, FIRST.function)
    assert result["error"] is None and cell_errors[0].startswith("code cell 2 raised SyntaxError")


def test_an_exception_at_top_level_stops_its_cell_only(graded):
    result, cell_errors = graded["toplevel"]
    assert scores(result)[FIRST.function] == (0, f"no function named {FIRST.function} is defined in the "
                                                 "submission (code cell 2 raised RuntimeError: boom)")
    assert_others_pass(result, FIRST.function)
    assert cell_errors == ["code cell 2 raised RuntimeError: boom"]


def test_sys_exit_at_top_level_and_inside_a_function(graded):
    result, cell_errors = graded["exit"]
    assert "SystemExit: the cell called sys.exit(3)" in scores(result)[FIRST.function][1]
    score, message = scores(result)[SECOND.function]
    assert score == 0 and "called sys.exit(1) (SystemExit): a checked function must return its answer" in message
    assert_others_pass(result, FIRST.function, SECOND.function)
    assert result["error"] is None


def test_an_allocation_beyond_the_memory_limit_fails_with_memory_error(graded):
    result, cell_errors = graded["memory"]
    assert cell_errors[0].startswith("code cell 2 raised MemoryError: Unable to allocate 2.98 GiB")
    score, message = scores(result)[FIRST.function]
    assert score == 0 and "raised MemoryError: Unable to allocate 2.98 GiB" in message
    assert_others_pass(result, FIRST.function)
    assert result["error"] is None


def test_a_missing_function_scores_zero(graded):
    result, cell_errors = graded["missing"]
    assert cell_errors == []
    assert scores(result)[SECOND.function] == (0, f"no function named {SECOND.function} is defined in the submission")
    assert_others_pass(result, SECOND.function)
    assert result["error"] is None and result["total"] == result["max_total"] - SECOND.points


def test_an_infinite_loop_is_stopped_at_the_time_limit(graded):
    result, _ = graded["loop"]
    cell = len(SUBMISSIONS["loop"].cells)
    reason = (f"the notebook did not finish running within the time limit of {LOOP_TIMEOUT_S} s (code cell {cell} "
              "was still running: an infinite loop?)")
    assert result["error"] == reason
    assert all(item == {"name": e.function, "score": 0, "max_score": e.points, "message": f"not graded: {reason}"}
               for item, e in zip(result["exercises"], EXERCISES))


def test_a_function_that_hangs_while_it_is_checked_is_stopped_at_the_time_limit(graded):
    result, cell_errors = graded["hang"]
    assert cell_errors == []  # the notebook itself ran; the time ran out in the checker of its first function
    reason = f"the time limit of {LOOP_TIMEOUT_S} s ran out while checking {FIRST.function}"
    assert result["error"] == reason
    assert all(item == {"name": e.function, "score": 0, "max_score": e.points, "message": f"not graded: {reason}"}
               for item, e in zip(result["exercises"], EXERCISES))
    assert result["total"] == 0


def test_os_exit_is_reported_not_fatal(graded):
    result, _ = graded["osexit"]
    cell = len(SUBMISSIONS["osexit"].cells)
    assert result["error"] == (f"the submission stopped the grading process: it ended with exit status 0 in code "
                               f"cell {cell}")
    assert result["total"] == 0


def test_an_unreadable_file_is_reported(graded):
    result, _ = graded["broken"]
    assert result["error"].startswith("could not read the notebook: NotJSONError")
    assert result["exercises"] == [] and result["total"] == 0


def test_a_table_of_the_public_cases_fails_under_the_grading_seed(graded):
    assert scores(graded["lookup-public-seed"].result)[FIRST.function] == (FIRST.points, "pass")
    score, message = scores(graded["lookup"].result)[FIRST.function]
    assert score == 0 and "raised KeyError" in message


def run_cli(*args):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "minimopt.grade", *args], capture_output=True, text=True, env=env,
                          timeout=TIMEOUT_S * 3)


def test_cli_json_has_exactly_the_issues_fields_and_exit_status_1_when_one_was_not_graded(folder):
    done = run_cli("--json", str(folder / "good.ipynb"), str(folder / "broken.ipynb"))
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert [Path(item["file"]).name for item in document] == ["good.ipynb", "broken.ipynb"]
    for item in document:
        assert set(item) == {"file", "exercises", "total", "max_total", "error"}
        for exercise in item["exercises"]:
            assert set(exercise) == {"name", "score", "max_score", "message"}
    assert document[0]["error"] is None and document[0]["total"] == document[0]["max_total"]
    assert document[1]["error"].startswith("could not read the notebook")
    seed = re.fullmatch(r"grading seed (\d+) \(reproduce with --seed \1\)\n", done.stderr)
    assert seed, done.stderr
    # a second run draws a fresh seed, printed in its table; every submission graded: exit status 0
    table = run_cli("--seed", "7", str(folder / "good.ipynb"))
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("Grading seed 7 (reproduce this grading with --seed 7)\n")
    total = sum(e.points for e in EXERCISES)
    assert re.search(rf"^good\.ipynb +TOTAL +{total}/{total}$", table.stdout, flags=re.M), table.stdout
    assert re.search(rf"^good\.ipynb +{FIRST.function} +{FIRST.points}/{FIRST.points} +pass$", table.stdout,
                     flags=re.M)


def test_fresh_seeds_differ_between_runs(monkeypatch):
    drawn = []
    monkeypatch.setattr(grade, "grade_one", lambda path, seed, *a: drawn.append(seed) or grade.Graded(
        {"file": str(path), "exercises": [], "total": 0, "max_total": 0, "error": None}, []))
    for _ in range(3):
        assert grade.main(["--json", "x.ipynb"]) == 0
    assert len(set(drawn)) == 3


def test_bad_limits_are_refused(capsys):
    for args in (["--timeout", "0", "x.ipynb"], ["--memory", "100", "x.ipynb"]):
        with pytest.raises(SystemExit) as info:
            grade.main(args)
        assert info.value.code == 2
    assert "--memory must be at least 256 MB" in capsys.readouterr().err
