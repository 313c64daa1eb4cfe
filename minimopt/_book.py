"""The book as the coursework tools read it: chapters from ``_toc.yml``, exercise and solution blocks, exercises.

Private helpers shared by :mod:`minimopt.assign`, :mod:`minimopt.grade` and :mod:`minimopt.student_edition`.
They rely on the chapter conventions (LEAD's notes, "Chapter conventions" 4 and 5): an exercise is a MyST
``{exercise}`` directive with a ``:label:``, its solution a ``{solution}`` directive (four-backtick fences; colon
fences and sphinx-exercise's gated ``{solution-start}`` … ``{solution-end}`` are understood too), and every
chapter module of :mod:`minimopt.exercises` lists its checkable exercises in ``EXERCISES``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import NamedTuple

import nbformat
import yaml

#: The root of this checkout (the folder that holds ``_toc.yml`` and the package).
REPO = Path(__file__).resolve().parents[1]

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[a-zA-Z0-9_:-]+)\}[ \t]*(?P<arg>.*?)[ \t]*$")


class Block(NamedTuple):
    """A directive block of a markdown text: lines ``start`` to ``end`` (exclusive) of the text."""
    name: str
    argument: str
    options: dict
    body: str
    start: int
    end: int


def toc_files(toc: dict) -> list[str]:
    """Every ``file:`` entry of a jb-book table of contents, root first, in reading order."""
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


def pages(root: Path = REPO) -> list[Path]:
    """The source file (``.ipynb`` or ``.md``) of every page of ``root/_toc.yml``, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found = []
    for doc in toc_files(toc):
        for suffix in (".ipynb", ".md"):
            if (root / (doc + suffix)).is_file():
                found.append(root / (doc + suffix))
                break
        else:
            raise FileNotFoundError(f"_toc.yml lists {doc!r}, but neither {doc}.ipynb nor {doc}.md exists")
    return found


def chapters(root: Path = REPO) -> list[Path]:
    """The notebooks of the table of contents (the chapters), in reading order."""
    return [path for path in pages(root) if path.suffix == ".ipynb"]


def blocks(text: str, names=None) -> list[Block]:
    """The directive blocks of a markdown text (blocks nested in a listed block are not listed themselves).

    Parameters
    ----------
    text : str
        Markdown (MyST).
    names : collection of str, optional
        Only blocks of these directives; all by default.

    Returns
    -------
    list of Block
    """
    lines = text.split("\n")
    found, k = [], 0
    while k < len(lines):
        match = _OPEN.match(lines[k])
        if not match:
            k += 1
            continue
        fence = match["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(k + 1, len(lines)) if closing.match(lines[j])), len(lines) - 1)
        inner = lines[k + 1:end]
        options, first = {}, 0
        for first, line in enumerate(inner):
            option = re.match(r"^[ \t]*:([a-zA-Z0-9_-]+):[ \t]*(.*)$", line)
            if not option:
                break
            options[option[1]] = option[2].strip()
        else:
            first = len(inner)
        body = "\n".join(inner[first:]).strip("\n")
        if names is None or match["name"] in names:
            found.append(Block(match["name"], match["arg"], options, body, k, end + 1))
            k = end + 1
        else:  # look inside it too: a block of those names may be nested in another directive
            k += 1
    return found


_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def code_and_prose(body: str) -> tuple[list[str], list[str]]:
    """The lines of a MyST text inside code fences and the lines outside them (the fence lines themselves in
    neither)."""
    code, prose = [], []
    in_code = False
    for line in body.split("\n"):
        if _CODE_FENCE.match(line):
            in_code = not in_code
        else:
            (code if in_code else prose).append(line)
    return code, prose


def strip_solutions(text: str) -> str:
    """The markdown text without its solutions: every ``{solution}`` block and everything from a
    ``{solution-start}`` to its ``{solution-end}`` (blank lines left around them are collapsed)."""
    lines = text.split("\n")
    remove = set()
    for block in blocks(text, {"solution", "solution-start", "solution-end"}):
        remove.update(range(block.start, block.end))
    gated = blocks(text, {"solution-start", "solution-end"})
    for opening, closing in zip(gated[::2], gated[1::2]):
        if opening.name == "solution-start" and closing.name == "solution-end":
            remove.update(range(opening.start, closing.end))
    kept = "\n".join(line for k, line in enumerate(lines) if k not in remove)
    return re.sub(r"\n{3,}", "\n\n", kept).strip("\n") + ("\n" if text.endswith("\n") else "")


def markdown_sources(notebook) -> list[tuple[int, str]]:
    """(cell index, source) of every markdown cell of a notebook."""
    return [(k, cell.source) for k, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"]


class Statement(NamedTuple):
    """An exercise as the chapter states it."""
    label: str
    body: str
    cell: int


def statements(notebook) -> list[Statement]:
    """The exercises of a chapter notebook, in order, with their labels and statement text."""
    found = []
    for index, source in markdown_sources(notebook):
        for block in blocks(source, {"exercise"}):
            found.append(Statement(block.options.get("label", ""), block.body, index))
    return found


def solutions(notebook) -> list[Block]:
    """The ``{solution}`` blocks of a chapter notebook."""
    return [block for _, source in markdown_sources(notebook) for block in blocks(source, {"solution"})]


def read_notebook(path: Path):
    return nbformat.read(str(path), as_version=4)


def exercise_modules() -> dict:
    """``{module name: EXERCISES}`` for every module of :mod:`minimopt.exercises` that defines ``EXERCISES``."""
    import minimopt.exercises as package

    found = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if getattr(module, "EXERCISES", None):
            found[info.name] = tuple(module.EXERCISES)
    return found


def exercises_by_label() -> dict:
    """``{label: Exercise}`` over every chapter module."""
    table = {}
    for module, exercises in exercise_modules().items():
        for exercise in exercises:
            if exercise.label in table:
                raise ValueError(f"exercise label {exercise.label!r} is defined twice (in {module})")
            table[exercise.label] = exercise
    return table


def checker_call(exercise) -> str:
    """How a notebook calls the exercise's checker: ``mo.exercises.check_x`` when it is exported there."""
    import minimopt.exercises as package

    name = exercise.checker.__name__
    if getattr(package, name, None) is exercise.checker:
        return f"mo.exercises.{name}"
    return f"{exercise.checker.__module__}.{name}"
