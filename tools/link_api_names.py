"""Link the first mention of every minimopt name in each chapter's prose to the API reference.

    python tools/link_api_names.py            # every notebook chapter of _toc.yml, in place

In the markdown cells, the first inline-code mention of a public name — `` `mo.HeavyBall` ``,
`` `mo.minimize(..., noise=s)` ``, `` `derive.leapfrog_coefficients` ``, `` `mo.problems.DoubleWell(tilt=c)` ``,
`` `mo.exercises.check_gd_step(gd_step)` `` — becomes a MyST role that keeps the same text and links it to the name's
entry in ``book/api.md``: ``{py:obj}`mo.HeavyBall <minimopt.HeavyBall>` ``. Fenced code blocks and mentions that are
already links are left alone; running it twice changes nothing. Outputs are untouched, so nbval is unaffected.
``tests/test_book_build.py`` checks the result on the built site.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
INLINE_CODE = re.compile(r"(?<![`>])`(?P<text>(?:mo|minimopt|derive)\.[A-Za-z_][\w.]*(?:\([^`]*\))?)`(?!`)")
# a fenced code block (``` or ~~~ with an optional language), not a ````{directive} fence, whose content is prose
CODE_BLOCK = re.compile(r"^(```|~~~)(?![`~{])[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)


def public_targets() -> dict[str, str]:
    """Every spelling a chapter uses for a public name → its fully qualified name in the API reference."""
    import minimopt

    targets = {}
    for name in minimopt.__all__:
        value = getattr(minimopt, name)
        if not inspect.ismodule(value):
            for prefix in ("mo", "minimopt"):
                targets[f"{prefix}.{name}"] = f"minimopt.{name}"
    for module_name in ("problems", "derive", "exercises", "plot"):
        module = getattr(minimopt, module_name)
        names = getattr(module, "__all__", None) or [
            n for n, v in vars(module).items() if not n.startswith("_")
            and (inspect.isclass(v) or inspect.isfunction(v)) and getattr(v, "__module__", "") == module.__name__]
        for name in names:
            for prefix in ("mo.", "minimopt.", "derive." if module_name == "derive" else None):
                if prefix is None:
                    continue
                spelled = f"{prefix}{name}" if prefix == "derive." else f"{prefix}{module_name}.{name}"
                targets[spelled] = f"minimopt.{module_name}.{name}"
    return targets


LINKED = re.compile(r"\{py:obj\}`[^`<]*<(?P<target>minimopt[\w.]*)>`")


def link_first_mentions(nb, targets) -> int:
    changed = 0
    seen = {m.group("target") for cell in nb.cells if cell.cell_type == "markdown"
            for m in LINKED.finditer(cell.source)}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        out, position = [], 0
        for block in list(CODE_BLOCK.finditer(cell.source)) + [None]:
            prose = cell.source[position: block.start() if block else len(cell.source)]

            def replace(match):
                nonlocal changed
                text = match.group("text")
                target = targets.get(text.split("(", 1)[0])
                if target is None or target in seen:
                    return match.group(0)
                seen.add(target)
                changed += 1
                return f"{{py:obj}}`{text} <{target}>`"

            out.append(INLINE_CODE.sub(replace, prose))
            if block:
                out.append(block.group(0))
                position = block.end()
        cell.source = "".join(out)
    return changed


def chapters():
    from minimopt._book import pages

    return [page for page in pages(REPO) if page.suffix == ".ipynb"]


if __name__ == "__main__":
    targets = public_targets()
    for path in chapters():
        nb = nbformat.read(path, as_version=4)
        count = link_first_mentions(nb, targets)
        if count:
            nbformat.write(nb, path)
        print(f"{path.relative_to(REPO)}: {count} names linked")
