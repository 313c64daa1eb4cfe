"""``python -m minimopt.student_edition``: the site without solutions, checked against every chapter's solutions.

The site is built once for this module (a session-scoped fixture runs the README's command with ``--output``
into a temporary folder). Then, for the solutions of every page of ``_toc.yml``:

* no fragment of a solution (a code line, a run of prose) is in any file of the site: pages (as HTML and as
  visible text), ``_sources/`` (the downloadable notebooks and markdown), the search index, scripts …;
* no word that only the solutions use is a term of the search index (Sphinx indexes stemmed words);
* the pages still have their exercises, and no solution block.
"""

import json
import re
import subprocess
import sys
import os
from pathlib import Path

import nbformat
import pytest
from sphinx.search.en import SearchEnglish

from minimopt import _book, student_edition

REPO = Path(__file__).resolve().parents[1]
PAGES = _book.pages(REPO)
BUILD_TIMEOUT_S = 900


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "html"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "minimopt.student_edition", "--output", str(out)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.startswith(f"The student edition (no solutions) is in {out}")
    return out


def test_default_output_is_build_student_html():
    assert student_edition.DEFAULT_OUTPUT == REPO / "_build" / "student" / "html"


def test_every_page_is_built_with_its_exercises_and_no_solution_block(site):
    for page in PAGES:
        doc = page.relative_to(REPO).with_suffix("")
        html = (site / f"{doc}.html").read_text(encoding="utf-8")
        classes = [set(c.split()) for c in re.findall(r'class="([^"]*)"', html)]
        assert not any("solution" in c for c in classes), f"{doc}: a solution block is in the page"
        if page.suffix == ".ipynb":
            labels = [s.label for s in _book.statements(_book.read_notebook(page))]
            for label in labels:
                assert f'id="{label}"' in html, f"{doc}: exercise {label} is missing"


def test_no_fragment_of_any_solution_is_anywhere_in_the_site(site):
    table = student_edition.solution_fragments(REPO)
    for page in PAGES:
        if page.suffix == ".ipynb" and _book.solutions(_book.read_notebook(page)):
            assert len(table[page.relative_to(REPO).as_posix()]) >= 3, f"{page.name}: too few fragments to test"
    assert student_edition.leaks(site, table) == []


def test_the_leak_search_finds_solution_text_where_it_is(tmp_path):
    # The same search on a site that does contain a solution (here a fake page and a fake notebook) finds it.
    table = student_edition.solution_fragments(REPO)
    page, fragments = next((p, f) for p, f in table.items() if f)
    code = next((f for f in sorted(fragments) if "(" in f), sorted(fragments)[0])
    prose = max(fragments, key=lambda f: len(f.split()))
    (tmp_path / "page.html").write_text(f"<p>{prose.replace(' ', ' <em>', 1)}</em></p><pre><span>{code}"
                                        "</span></pre>", encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"```python\n{code}\n```")])
    nbformat.write(nb, str(tmp_path / "copy.ipynb"))
    found = student_edition.leaks(tmp_path, {page: {code, prose}})
    assert f"page.html: {prose!r}" in found and f"page.html: {code!r}" in found and f"copy.ipynb: {code!r}" in found


def _words(text):
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", text)}


def test_words_only_the_solutions_use_are_not_in_the_search_index(site):
    solution_words, other_words = set(), set()
    for page in PAGES:
        if page.suffix == ".ipynb":
            notebook = _book.read_notebook(page)
            for block in _book.solutions(notebook):
                solution_words |= _words(block.body)
            # everything else the page shows: the other cells, their outputs, captions and alt texts
            other_words |= _words(nbformat.writes(student_edition.strip_notebook(notebook)).replace("\\n", " "))
        else:
            text = page.read_text(encoding="utf-8")
            solution_words |= {w for b in _book.blocks(text, {"solution"}) for w in _words(b.body)}
            other_words |= _words(_book.strip_solutions(text))
    # the API reference page shows the package's docstrings: words there are not the solutions' own
    for source in (REPO / "minimopt").rglob("*.py"):
        other_words |= _words(source.read_text(encoding="utf-8"))
    stem = SearchEnglish({}).stem
    only_in_solutions = {stem(w) for w in solution_words - other_words} - {stem(w) for w in other_words}
    assert len(only_in_solutions) >= 3, "too few solution-only words for this test to mean anything"
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(index[index.index("(") + 1:index.rindex(")")])
    indexed = set(terms["terms"]) | set(terms.get("titleterms", {}))
    assert sorted(only_in_solutions & indexed) == []


def test_downloadable_sources_keep_the_exercises_and_lose_the_solutions(site):
    for page in PAGES:
        copy = site / "_sources" / page.relative_to(REPO)
        assert copy.is_file(), copy
        if page.suffix == ".ipynb":
            notebook = nbformat.read(str(copy), as_version=4)
            assert _book.solutions(notebook) == [], copy
            assert not any(re.search(r"^\s*(`{3,}|:{3,})\{solution", cell.source, flags=re.M)
                           for cell in notebook.cells), copy
            labels = [s.label for s in _book.statements(_book.read_notebook(page))]
            assert [s.label for s in _book.statements(notebook)] == labels
        else:
            text = copy.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(`{3,}|:{3,})\{solution", text, flags=re.M), copy


# ------------------------------------------------------------------------------------- strip_solutions
def test_strip_solutions_removes_every_form_of_solution_and_keeps_the_exercise():
    text = "\n".join([
        "Intro.", "", "````{exercise}", ":label: ex-a-1", "", "Do it.", "````", "",
        "````{solution} ex-a-1", ":class: dropdown", "", "```python", "secret_one = 1", "```", "````", "",
        ":::{solution} ex-a-1", "secret two", ":::", "",
        "`````{exercise}", ":label: ex-a-2", "", "````{solution} ex-a-2", "secret three", "````", "`````", "",
        "```{solution-start} ex-a-1", "```", "secret four", "```{solution-end}", "```", "", "Outro.",
    ])
    stripped = _book.strip_solutions(text)
    assert "secret" not in stripped and "{solution" not in stripped
    assert "Do it." in stripped and ":label: ex-a-1" in stripped and ":label: ex-a-2" in stripped
    assert stripped.startswith("Intro.") and stripped.endswith("Outro.")


def test_strip_notebook_drops_cells_left_empty():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("````{solution} ex-a-1\nall of it\n````"),
        nbformat.v4.new_code_cell("x = 1"),
    ])
    stripped = student_edition.strip_notebook(nb)
    assert [c.cell_type for c in stripped.cells] == ["code"] and len(nb.cells) == 2
