"""Write one assignment notebook per chapter: ``python -m minimopt.assign OUTDIR [CHAPTER ...]``.

For every chapter of ``_toc.yml`` (or the chapters named, ``gradient_descent_is_euler`` …) the notebook
``OUTDIR/<chapter>.ipynb`` holds, in the chapter's order, each exercise's statement (read from the chapter's
``{exercise}`` block, its MyST roles turned into plain text), and for every exercise listed in a
``minimopt.exercises`` module's ``EXERCISES``:

* a stub cell ``def name(signature): raise NotImplementedError(...)`` for the function the exercise asks for;
* a check cell ``print(mo.exercises.check_name(name))`` that prints the checker's message (a checker never
  raises, so the notebook runs from top to bottom even while the stubs are unwritten).

Exercises without a checker (open questions, experiments) get their statement and an empty cell. Solutions
never appear. The notebook's metadata records the chapter and the graded exercises, which
:mod:`minimopt.grade` reads back.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from minimopt import _book

STUB_TAG = "exercise-stub"
CHECK_TAG = "exercise-check"
METADATA_KEY = "minimopt"

_INTRO = """\
# Assignment: {title}

The exercises of the chapter *{title}* (`{source}`). For each exercise that asks for a function:

1. write the function in the cell under its statement, in place of the `raise NotImplementedError(...)` line
   (keep its name and its parameters);
2. run the check cell under it: it prints `pass`, or a message that explains what is wrong.

Hand in this notebook. The grader runs it from top to bottom in a fresh kernel, then checks every function
again on new random cases, so a function must compute its answer (a table of the cases shown here will not
pass). Keep long experiments out of it: each submission has a time and a memory limit."""


def _first_sentence(text: str, limit: int = 120) -> str:
    """The first sentence of a caption, cut after at most ``limit`` characters at a comma or parenthesis that is
    not inside math."""
    match = re.match(r"(.+?[.!?])(\s|$)", text.strip(), flags=re.S)
    sentence = (match[1] if match else text.strip()).replace("\n", " ")
    if len(sentence) <= limit:
        return sentence
    cuts = [m.start() for m in re.finditer(r", | \(", sentence[:limit]) if sentence[:m.start()].count("$") % 2 == 0]
    return sentence[:cuts[-1]] + " …" if cuts else sentence


def _figure_captions(notebook) -> dict:
    captions = {}
    for cell in notebook.cells:
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if figure.get("name"):
            captions[figure["name"]] = figure.get("caption", "")
    return captions


def _equations(notebook) -> dict:
    equations = {}
    for _, source in _book.markdown_sources(notebook):
        for match in re.finditer(r"\$\$(.*?)\$\$[ \t]*\(([^)\s]+)\)", source, flags=re.S):
            equations[match[2]] = match[1].strip()
    return equations


def plain_markdown(text: str, notebook) -> str:
    """MyST roles of a chapter's text turned into what a plain Jupyter notebook shows.

    ``{eq}`label``` becomes the equation itself, ``{numref}`fig-…``` the figure's first caption sentence, a
    ``{ref}`` to an exercise or section its label, ``{cite:…}`` the citation key and any other role its text.
    """
    captions, equations = _figure_captions(notebook), _equations(notebook)

    def role(match):
        name, target = match[1], match[2]
        target = re.sub(r"^.*<(.+)>$", r"\1", target)  # {ref}`text <label>`
        if name == "eq":
            return f"$${equations[target]}$$" if target in equations else f"equation ({target}) of the chapter"
        if name == "numref":
            if target in captions:
                return f'the chapter\'s figure "{_first_sentence(captions[target])}"'
            return f"the chapter's {target}"
        if name.startswith("cite"):
            return f"({target})"
        if name == "doc":
            return f"the chapter `{target}`"
        return target

    return re.sub(r"\{([a-zA-Z:_-]+)\}`([^`]*)`", role, text)


def _title(notebook, fallback: str) -> str:
    for _, source in _book.markdown_sources(notebook):
        match = re.search(r"^#\s+(.+?)\s*$", source, flags=re.M)
        if match:
            return match[1]
    return fallback


def _imports(notebook) -> list[str]:
    """The import lines of the chapter's first code cell (so that its statements' names exist)."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            return [line for line in cell.source.splitlines() if re.match(r"^(import|from)\s", line)]
    return []


def stub_source(exercise) -> str:
    """The stub cell of an exercise: the function, raising ``NotImplementedError`` until it is written."""
    return (f"def {exercise.function}({exercise.signature}):\n"
            f"    # your code here\n"
            f"    raise NotImplementedError(\"{exercise.function} is not written yet\")")


def check_source(exercise) -> str:
    """The check cell of an exercise: it prints the checker's message."""
    return f"print({_book.checker_call(exercise)}({exercise.function}))"


def assignment(chapter: Path, table=None):
    """The assignment notebook of one chapter.

    Parameters
    ----------
    chapter : Path
        The chapter's notebook.
    table : dict, optional
        ``{label: Exercise}``; all of ``minimopt.exercises`` by default.

    Returns
    -------
    nbformat.NotebookNode
    """
    table = _book.exercises_by_label() if table is None else table
    source = _book.read_notebook(chapter)
    title = _title(source, chapter.stem)
    try:
        shown = chapter.resolve().relative_to(_book.REPO).as_posix()
    except ValueError:
        shown = chapter.name
    base = ["import math", "import numpy as np", "import minimopt as mo"]
    extra = list(dict.fromkeys(line for line in _imports(source) if line not in base))
    setup = "import math\n\nimport numpy as np\n\nimport minimopt as mo" + "".join(f"\n{line}" for line in extra)
    cells = [nbformat.v4.new_markdown_cell(_INTRO.format(title=title, source=shown)),
             nbformat.v4.new_code_cell(setup)]
    graded = []
    for number, statement in enumerate(_book.statements(source), start=1):
        exercise = table.get(statement.label)
        heading = f"## Exercise {number}"
        if exercise is not None:
            heading += f": `{exercise.function}({exercise.signature})`"
            points = f"{exercise.points} point{'s' if exercise.points != 1 else ''}"
            heading += f" ({points})"
        body = plain_markdown(statement.body, source)
        cells.append(nbformat.v4.new_markdown_cell(f"{heading}\n\n{body}\n\n*Exercise `{statement.label}` of the "
                                                   "chapter.*"))
        meta = {METADATA_KEY: {"exercise": statement.label}}
        if exercise is None:
            cells.append(nbformat.v4.new_code_cell("# your work here", metadata=meta))
            continue
        graded.append(statement.label)
        cells.append(nbformat.v4.new_code_cell(stub_source(exercise), metadata={**meta, "tags": [STUB_TAG]}))
        cells.append(nbformat.v4.new_code_cell(check_source(exercise), metadata={**meta, "tags": [CHECK_TAG]}))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata[METADATA_KEY] = {"chapter": chapter.stem, "exercises": graded}
    return notebook


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minimopt.assign", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, help="folder for the assignment notebooks (created if needed)")
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter of _toc.yml)")
    parser.add_argument("--book", type=Path, default=_book.REPO, help="the book's root (default: this checkout)")
    args = parser.parse_args(argv)
    available = {path.stem: path for path in _book.chapters(args.book)}
    unknown = [name for name in args.chapters if name not in available]
    if unknown:
        parser.error(f"unknown chapter(s) {', '.join(unknown)}; the chapters are: {', '.join(available)}")
    table = _book.exercises_by_label()
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name in args.chapters or available:
        notebook = assignment(available[name], table)
        target = args.outdir / f"{name}.ipynb"
        nbformat.write(notebook, str(target))
        graded = len(notebook.metadata[METADATA_KEY]["exercises"])
        print(f"{target}: {graded} checked exercise{'s' if graded != 1 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
