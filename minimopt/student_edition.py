"""Build the student edition of the book, without solutions: ``python -m minimopt.student_edition``.

The book is copied to a temporary folder; every ``{solution}`` block (and every gated ``{solution-start}`` …
``{solution-end}`` stretch) is removed from the notebooks' markdown cells and from the markdown pages, a cell
left empty is dropped; then ``jupyter-book build`` runs on the copy with ``--path-output`` into another
temporary folder, with the flags of the reader's build (``-W -n --keep-going``: a warning fails it), and the
site is moved to ``_build/student/html`` (``--output`` to choose another folder). Since the copy has no
solution, none reaches the pages, ``_sources/`` (the downloadable notebooks and markdown), the search index or
anything else. As a last check the builder searches every file of the site for the text of the original
solutions (:func:`leaks`) and fails if any is found.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from minimopt import _book

DEFAULT_OUTPUT = _book.REPO / "_build" / "student" / "html"
BUILD_TIMEOUT_S = 900
#: Not copied: version control, builds, virtual environments, caches.
_SKIP = shutil.ignore_patterns(".git", "_build", ".venv", "venv", "__pycache__", ".pytest_cache", "*.egg-info",
                               ".ipynb_checkpoints", "*.nbi", "*.nbc")


def strip_notebook(notebook):
    """The notebook without solutions (markdown cells stripped, cells left empty dropped); a new object."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = _book.strip_solutions(cell.source)
            if not cell.source.strip():
                continue
        cells.append(cell)
    notebook.cells = cells
    return notebook


def copy_without_solutions(root: Path, target: Path) -> list[Path]:
    """Copy the book at ``root`` to ``target`` and remove the solutions there; the files changed."""
    shutil.copytree(root, target, ignore=_SKIP, symlinks=True)
    changed = []
    for path in sorted(target.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if path.suffix == ".ipynb":
            original = _book.read_notebook(path)
            stripped = strip_notebook(original)
            if stripped != original:
                nbformat.write(stripped, str(path))
                changed.append(path)
        elif path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            stripped = _book.strip_solutions(text)
            if stripped != text:
                path.write_text(stripped, encoding="utf-8")
                changed.append(path)
    return changed


# --------------------------------------------------------------------------------- what a solution says
def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def fragments(solution_body: str, min_words: int = 4, min_chars: int = 16) -> set[str]:
    """Pieces of a solution's text that would show if any of it reached the site.

    Every line of its code blocks (at least ``min_chars`` characters, comments removed), and every run of
    prose of at least ``min_words`` words between math, code and markup.
    """
    found = set()
    code_lines, prose = _book.code_and_prose(solution_body)
    for line in code_lines:
        code = _normal(re.sub(r"\s#.*$", "", line))
        if len(code) >= min_chars:
            found.add(code)
    text = " ".join(prose)  # hard-wrapped lines are one paragraph on the page
    cut = "\x00"  # math, code and roles are rendered differently: the prose runs between them are compared
    text = re.sub(r"\$\$.*?\$\$", cut, text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", cut, text)
    text = re.sub(r"\{[a-zA-Z:_-]+\}`[^`]*`", cut, text)
    text = re.sub(r"`[^`]*`", cut, text)
    for run in re.split(r"[\x00*_\[\](){}<>|#:;\"]+|[.,]\s", text):
        run = _normal(run).strip(" ,.")
        if len(run.split()) >= min_words and len(run) >= min_chars:
            found.add(run)
    return found


def _shown_outside_solutions(notebook) -> list[str]:
    """The texts a page shows besides its solutions: cells (markdown stripped), outputs, captions, alt texts."""
    texts = []
    for cell in strip_notebook(notebook).cells:
        texts.append(cell.source)
        for output in cell.get("outputs", []):
            texts.append(str(output.get("text", "")))
            texts.append(str(output.get("data", {}).get("text/plain", "")))
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        texts.append(str(mystnb.get("figure", {}).get("caption", "")))
        texts.append(str(mystnb.get("image", {}).get("alt", "")))
    return texts


def solution_fragments(root: Path = _book.REPO) -> dict[str, set[str]]:
    """``{page: fragments}`` of the solutions of every page of the book (notebooks and markdown pages), minus
    the fragments that the book's text outside the solutions contains too (those may show)."""
    solutions, rest = {}, []
    for page in _book.pages(root):
        if page.suffix == ".ipynb":
            notebook = _book.read_notebook(page)
            texts = [block.body for _, source in _book.markdown_sources(notebook)
                     for block in _book.blocks(source, {"solution"})]
            rest += _shown_outside_solutions(notebook)
        else:
            text = page.read_text(encoding="utf-8")
            texts = [block.body for block in _book.blocks(text, {"solution"})]
            rest.append(_book.strip_solutions(text))
        solutions[page.relative_to(root).as_posix()] = set().union(set(), *(fragments(t) for t in texts))
    outside = _normal(" ".join(rest))
    return {page: {f for f in found if f not in outside} for page, found in solutions.items()}


def site_texts(site: Path):
    """(path, text) of every text file of a built site, HTML also as its visible text (tags removed)."""
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix in {".png", ".jpg", ".jpeg", ".gif", ".woff", ".woff2", ".ttf",
                                                 ".eot", ".ico", ".pdf", ".inv"}:
            continue
        raw = path.read_bytes().decode("utf-8", errors="replace")
        variants = [raw]
        if path.suffix == ".html":
            variants += [html.unescape(re.sub(r"<[^>]+>", joiner, raw)) for joiner in ("", " ")]
        if path.suffix == ".ipynb":
            try:
                variants.append("\n".join(cell.source for cell in nbformat.reads(raw, as_version=4).cells))
            except Exception:  # not a notebook after all: its raw text is searched
                pass
        yield path, [_normal(v) for v in variants]


def leaks(site: Path, table: dict[str, set[str]]) -> list[str]:
    """Every (file, fragment) of the site that contains a solution fragment, as readable lines."""
    wanted = {fragment for found in table.values() for fragment in found}
    found = []
    for path, variants in site_texts(site):
        for fragment in sorted(wanted):
            if any(fragment in v for v in variants):
                found.append(f"{path.relative_to(site)}: {fragment!r}")
    return found


# ---------------------------------------------------------------------------------------------- build
def build(output: Path = DEFAULT_OUTPUT, root: Path = _book.REPO) -> Path:
    """Build the student edition of the book at ``root`` into ``output`` (replaced); return ``output``.

    Raises
    ------
    RuntimeError
        If the build fails or prints a warning, or if solution text is found in the site.
    """
    output = Path(output).resolve()
    with tempfile.TemporaryDirectory(prefix="minimopt-student-") as scratch:
        source, out = Path(scratch) / "book", Path(scratch) / "out"
        copy_without_solutions(root, source)
        command = [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
                   "build", str(source), "--path-output", str(out), "-W", "-n", "--keep-going"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, cwd=source)
        log = result.stdout + result.stderr
        if result.returncode != 0 or "WARNING" in log:
            raise RuntimeError(f"the student edition did not build cleanly:\n{log[-4000:]}")
        found = leaks(out / "_build" / "html", solution_fragments(root))
        if found:
            raise RuntimeError("solution text reached the student edition:\n" + "\n".join(found[:20]))
        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(out / "_build" / "html"), str(output))
    return output


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minimopt.student_edition", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="folder of the site (replaced; default: _build/student/html)")
    parser.add_argument("--book", type=Path, default=_book.REPO, help="the book's root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        site = build(args.output, args.book.resolve())
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"The student edition (no solutions) is in {site}; open {site / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
