"""``python -m minimopt.assign OUTDIR``: one assignment notebook per chapter, which runs.

Parametrized over the chapters of ``_toc.yml`` and the exercises of every ``minimopt.exercises`` module, so a
chapter merged later is covered as it is. Generated notebooks are executed with nbclient in a fresh
``python3`` kernel whose ``PYTHONPATH`` is this checkout: with the stubs, every check cell prints the
checker's "not written yet" message (no cell raises); with the reference solutions pasted into the stubs,
every check cell prints ``pass``.
"""

import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from minimopt import _book, assign, student_edition

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = _book.chapters(REPO)
TABLE = _book.exercises_by_label()
GRADED = [c for c in CHAPTERS if any(s.label in TABLE for s in _book.statements(_book.read_notebook(c)))]
KERNEL_TIMEOUT_S = 120  # per cell; a check cell takes well under a second


@pytest.fixture(scope="module")
def assignments(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignments")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "minimopt.assign", str(out)], capture_output=True, text=True,
                            env=env, cwd=out, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def load(assignments, chapter):
    return nbformat.read(str(assignments / f"{chapter.stem}.ipynb"), as_version=4)


def tagged(notebook, tag):
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def run(notebook, where, monkeypatch):
    """Execute a notebook as a student would (fresh kernel, this checkout's minimopt); raises on any error."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(notebook, timeout=KERNEL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(where)}}).execute()
    return notebook


def printed(cell):
    assert all(out.output_type == "stream" and out.name == "stdout" for out in cell.outputs), cell.outputs
    return "".join(out.text for out in cell.outputs)


def test_one_notebook_per_chapter(assignments):
    assert sorted(p.name for p in assignments.glob("*.ipynb")) == sorted(f"{c.stem}.ipynb" for c in CHAPTERS)


def test_every_exercise_of_the_package_is_stated_in_a_chapter_with_its_function_and_checker():
    stated = {s.label: s for c in CHAPTERS for s in _book.statements(_book.read_notebook(c))}
    for label, exercise in TABLE.items():
        assert label in stated, f"{label} is in EXERCISES but in no chapter's {{exercise}} blocks"
        body = stated[label].body
        assert f"`{exercise.function}({exercise.signature})`" in body, (label, "the statement names the function")
        assert f"{_book.checker_call(exercise)}({exercise.function})" in body, (label, "and its check call")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_assignment_has_statements_stubs_and_checks_and_no_solution(assignments, chapter):
    source = _book.read_notebook(chapter)
    notebook = load(assignments, chapter)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    statements = _book.statements(source)
    for statement in statements:
        assert any(f"`{statement.label}`" in text and assign.plain_markdown(statement.body, source) in text
                   for text in markdown), statement.label
    assert not any(re.search(r"\{[a-z:]+\}`", text) for text in markdown), "a MyST role was left"
    graded = [s.label for s in statements if s.label in TABLE]
    assert notebook.metadata["minimopt"] == {"chapter": chapter.stem, "exercises": graded}
    stubs, checks = tagged(notebook, assign.STUB_TAG), tagged(notebook, assign.CHECK_TAG)
    assert [c.metadata["minimopt"]["exercise"] for c in stubs] == graded
    assert [c.metadata["minimopt"]["exercise"] for c in checks] == graded
    for stub, check, label in zip(stubs, checks, graded):
        exercise = TABLE[label]
        namespace = {}
        exec(stub.source, namespace)
        with pytest.raises(NotImplementedError):
            namespace[exercise.function](*range(len(_book_parameters(exercise))))
        assert check.source == f"print({_book.checker_call(exercise)}({exercise.function}))"
    text = "\n".join(cell.source for cell in notebook.cells)
    def_lines = {f"def {TABLE[label].function}({TABLE[label].signature}):" for label in graded}  # the stubs' own
    for fragment in student_edition.solution_fragments(REPO)[chapter.relative_to(REPO).as_posix()] - def_lines:
        assert fragment not in text, f"solution text in the assignment: {fragment!r}"
    assert "{solution}" not in text


def _book_parameters(exercise):
    from minimopt.exercises._checking import parameters

    return parameters(exercise.signature)


@pytest.mark.parametrize("chapter", GRADED, ids=[c.stem for c in GRADED])
def test_generated_notebook_runs_and_its_stubs_fail_gracefully(assignments, chapter, tmp_path, monkeypatch):
    notebook = run(load(assignments, chapter), tmp_path, monkeypatch)
    for cell in tagged(notebook, assign.CHECK_TAG):
        message = printed(cell)
        assert message.endswith("raised NotImplementedError: it is not written yet (replace the `raise` line "
                                "with your code)\n"), message


def solved(notebook):
    """The notebook with each stub replaced by the source of the exercise's reference solution."""
    for cell in tagged(notebook, assign.STUB_TAG):
        exercise = TABLE[cell.metadata["minimopt"]["exercise"]]
        source = textwrap.dedent(inspect.getsource(exercise.solution))
        cell.source = re.sub(r"^def \w+\(", f"def {exercise.function}(", source, count=1, flags=re.M)
    return notebook


@pytest.mark.parametrize("chapter", GRADED, ids=[c.stem for c in GRADED])
def test_reference_solutions_in_the_stubs_pass_every_check(assignments, chapter, tmp_path, monkeypatch):
    notebook = run(solved(load(assignments, chapter)), tmp_path, monkeypatch)
    checks = tagged(notebook, assign.CHECK_TAG)
    assert checks
    assert [printed(cell) for cell in checks] == ["pass\n"] * len(checks)


def test_unknown_chapter_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        assign.main([str(tmp_path), "no_such_chapter"])
    assert info.value.code == 2
    assert "unknown chapter(s) no_such_chapter" in capsys.readouterr().err
