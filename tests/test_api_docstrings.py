"""Every public optimizer, problem and dynamics function states its equation and its sources.

The API reference (book/api.md) is generated from the docstrings by autodoc and napoleon, so what it shows for a
name is its docstring: each must contain math (a ``:math:`` role or a ``.. math::`` directive) and a numpy-style
``References`` section that napoleon turns into a "References" rubric with at least one entry.
"""

import inspect
import re

import pytest
from sphinx.ext.napoleon import Config
from sphinx.ext.napoleon.docstring import NumpyDocstring

import minimopt as mo
from minimopt.optimizers import optimizer_classes
from minimopt.problems import problem_classes

DYNAMICS = (mo.langevin, mo.kramers, mo.stationary_density, mo.exit_times, mo.minimize)
DOCUMENTED = (*optimizer_classes(), *problem_classes(), *DYNAMICS)
NAPOLEON = Config(napoleon_numpy_docstring=True, napoleon_google_docstring=False, napoleon_use_rtype=False)


def _name(obj):
    return obj.__qualname__


def test_the_documented_names_are_public():
    public = {getattr(mo, name) for name in mo.__all__} | {getattr(mo.problems, cls.__name__)
                                                         for cls in problem_classes()}
    assert [obj for obj in DOCUMENTED if obj not in public] == []
    assert len(optimizer_classes()) == 11 and len(problem_classes()) == 6


@pytest.mark.parametrize("obj", DOCUMENTED, ids=_name)
def test_the_docstring_states_its_equation(obj):
    doc = inspect.getdoc(obj) or ""
    assert ":math:`" in doc or re.search(r"^\s*\.\. math::", doc, re.MULTILINE), (
        f"{obj.__qualname__}: no :math: role or .. math:: directive in its docstring")


@pytest.mark.parametrize("obj", DOCUMENTED, ids=_name)
def test_the_docstring_has_a_references_section_that_napoleon_renders(obj):
    doc = inspect.getdoc(obj) or ""
    match = re.search(r"^References\n-{10}\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.MULTILINE | re.DOTALL)
    assert match and match.group(1).strip(), f"{obj.__qualname__}: no numpy-style References section"
    entries = match.group(1).strip()
    assert re.search(r"(1[89]|20)\d\d", entries), f"{obj.__qualname__}: its references give no year"
    rendered = str(NumpyDocstring(doc, NAPOLEON, what="class" if inspect.isclass(obj) else "function"))
    assert ".. rubric:: References" in rendered, f"{obj.__qualname__}: napoleon does not render its References"
