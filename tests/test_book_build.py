"""The book builds as a reader gets it: warning-free, offline, with figures and folded solutions.

One test builds the whole site (Jupyter Book 1.x, stored notebook outputs, no execution) into a temporary
folder, exactly as the README's command does but with ``--path-output``, and then checks the HTML:

* the build exits 0 and prints no warning (``-W -n --keep-going``);
* every page of ``_toc.yml`` exists;
* no page loads a script, stylesheet, font, image or frame from another host (links ``<a href>`` to the
  outside are fine): the site works without network;
* the MathJax script the pages load is the vendored copy, present in the site with its fonts;
* every chapter (a notebook in the toc) shows at least three captioned figures, has exercises, and every
  solution is folded (a dropdown);
* chapter 1's labelled equations are numbered (1.1), (1.2), … and every chapter's equations carry its number;
* in headless Chromium with the network off: math is typeset (chapters and the API reference), code is folded,
  and each animation's "Next frame" button and slider change the frame it shows.
"""

from __future__ import annotations

import functools
import posixpath
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from minimopt._book import toc_files  # one reading of _toc.yml for the build, the tests and the student edition

REPO = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT_S = 600
MIN_FIGURES_PER_CHAPTER = 3

# <link rel=...> values that point at pages rather than load resources.
NAVIGATION_RELS = {"index", "search", "next", "prev", "canonical", "alternate", "author", "license", "help"}


# --------------------------------------------------------------------------------------------- helpers


def source_of(docname: str) -> Path:
    for suffix in (".ipynb", ".md"):
        if (REPO / (docname + suffix)).is_file():
            return REPO / (docname + suffix)
    raise AssertionError(f"_toc.yml lists {docname!r}, but neither {docname}.ipynb nor {docname}.md exists")


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.text: list[str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self, tag: str | None = None):
        for child in self.children:
            if tag is None or child.tag == tag:
                yield child
            yield from child.iter(tag)

    def all_text(self) -> str:
        return "".join(self.text) + "".join(child.all_text() for child in self.children)


class PageParser(HTMLParser):
    """A small DOM (tags, attributes, text) with the standard library only."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v or "") for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, {k: (v or "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text.append(data)


@functools.lru_cache(maxsize=None)
def parse(path: Path) -> Element:
    """The page's DOM, parsed once per test session (the tests only read it)."""
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.root


def is_remote(url: str) -> bool:
    return url.startswith("//") or urlsplit(url).scheme not in ("", "file", "data")


def resolve(site: Path, page: Path, url: str) -> Path:
    """The file a relative URL of a page points to (query and fragment dropped, '..' resolved)."""
    relative_page = page.relative_to(site).as_posix()
    target = posixpath.normpath(posixpath.join(posixpath.dirname(relative_page), unquote(urlsplit(url).path)))
    assert not target.startswith(".."), f"{page.name}: {url} points outside the site"
    return site / target


def loaded_resources(doc: Element) -> list[tuple[str, str]]:
    """(what, url) for everything a browser would fetch to show the page: scripts, stylesheets, fonts,
    icons, images, media, frames."""
    found = []
    for element in doc.iter():
        attrs = element.attrs
        if element.tag == "script" and attrs.get("src"):
            found.append(("script", attrs["src"]))
        elif element.tag == "link" and attrs.get("href"):
            rels = set(attrs.get("rel", "").lower().split())
            if not rels or not rels <= NAVIGATION_RELS:
                found.append((f"link rel={attrs.get('rel', '')}", attrs["href"]))
        elif element.tag in ("img", "iframe", "embed", "audio", "video", "source", "track") and attrs.get("src"):
            found.append((element.tag, attrs["src"]))
        elif element.tag == "object" and attrs.get("data"):
            found.append(("object", attrs["data"]))
        if element.tag in ("img", "source") and attrs.get("srcset"):
            for candidate in attrs["srcset"].split(","):
                if candidate.strip():
                    found.append((f"{element.tag} srcset", candidate.split()[0]))
    return found


# -------------------------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    command = [
        sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
        "build", str(REPO), "--path-output", str(out), "-W", "-n", "--keep-going",
    ]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, cwd=REPO)
    elapsed = time.perf_counter() - start
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"jupyter-book build failed ({elapsed:.1f} s):\n{log[-6000:]}"
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not warnings, "the book build printed warnings:\n" + "\n".join(warnings)
    html = out / "_build" / "html"
    assert html.is_dir(), f"no HTML output in {out}:\n{log[-3000:]}"
    return html


def test_book_builds_offline_with_figures_and_folded_solutions(site):
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    assert toc.get("format") == "jb-book"
    docnames = toc_files(toc)
    sources = {doc: source_of(doc) for doc in docnames}
    chapters = [doc for doc, src in sources.items() if src.suffix == ".ipynb"]
    assert chapters, "_toc.yml lists no notebook chapter"

    # every page of the toc was built
    pages = {doc: site / f"{doc}.html" for doc in docnames}
    missing = [str(p.relative_to(site)) for p in pages.values() if not p.is_file()]
    assert not missing, f"pages missing from the built site: {missing}"
    assert (site / "index.html").is_file()

    # nothing is fetched from another host; the vendored MathJax is what the pages load
    problems = []
    mathjax_pages = []
    for doc, page in pages.items():
        dom = parse(page)
        for what, url in loaded_resources(dom):
            if is_remote(url):
                problems.append(f"{doc}: {what} loads {url}")
                continue
            if not url.startswith("data:") and not resolve(site, page, url).is_file():
                problems.append(f"{doc}: {what} {url} is not in the built site")
                continue
            if what == "script" and "mathjax" in url.lower():
                mathjax_pages.append(doc)
                script = resolve(site, page, url)
                assert script.name == "tex-mml-chtml.js", f"{doc} loads an unexpected MathJax: {url}"
                root = script.parent
                for needed in ("output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
                               "input/tex/extensions/boldsymbol.js", "LICENSE"):
                    assert (root / needed).is_file(), f"vendored MathJax lacks {needed} ({root})"
    assert not problems, "pages load resources that are missing or remote:\n" + "\n".join(problems)
    for doc in [docnames[0], *chapters]:
        assert doc in mathjax_pages, f"{doc} does not load the vendored MathJax"

    # the CSS shipped with the site imports nothing from another host (web fonts would come from there)
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        for marker in ("url(http", "url('http", 'url("http', "url(//", "@import url(http", '@import "http',
                       "@import 'http"):
            assert marker not in text, f"{css.relative_to(site)} fetches from another host ({marker}...)"

    # chapters: captioned figures, exercises, folded solutions
    for doc in chapters:
        dom = parse(pages[doc])
        captioned = [
            figure for figure in dom.iter("figure")
            if any(True for _ in figure.iter("img"))
            and any(cap.all_text().strip() for cap in figure.iter("figcaption"))
        ]
        assert len(captioned) >= MIN_FIGURES_PER_CHAPTER, (
            f"{doc}: {len(captioned)} captioned figures (<figure> with <img> and <figcaption>), "
            f"expected at least {MIN_FIGURES_PER_CHAPTER}"
        )
        for figure in captioned:
            for img in figure.iter("img"):
                assert resolve(site, pages[doc], img.attrs["src"]).is_file(), f"{doc}: image {img.attrs['src']}"

        blocks = list(dom.iter("div"))
        exercises = [b for b in blocks if "exercise" in b.classes]
        solutions = [b for b in blocks if "solution" in b.classes]
        assert exercises, f"{doc}: no exercise ({{exercise}} directive)"
        assert solutions, f"{doc}: no solution ({{solution}} directive)"
        unfolded = [b.attrs.get("id", "?") for b in solutions if "dropdown" not in b.classes]
        assert not unfolded, f"{doc}: solutions not folded (add ':class: dropdown'): {unfolded}"


# ------------------------------------------------------------------------ reader experience (issue 14)

# Chapters that must show an animated figure (a matplotlib player made by mo.plot.animation).
ANIMATED_CHAPTERS = ("book/gradient_descent_is_euler", "book/momentum_is_leapfrog")
MAX_PAGE_BYTES = 2_000_000
MIN_ALT_WORDS = 5


def chapter_pages(site):
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    return {doc: site / f"{doc}.html" for doc in toc_files(toc) if source_of(doc).suffix == ".ipynb"}


def numbered_chapters():
    """The docnames of the toc's numbered part(s), in order: chapter k is the k-th of them."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    return [entry["file"] for part in toc.get("parts", []) if part.get("numbered")
            for entry in part.get("chapters", [])]


def test_every_figure_has_alt_text_that_says_what_it_shows(site):
    problems = []
    for doc, page in chapter_pages(site).items():
        for img in parse(page).iter("img"):
            alt = img.attrs.get("alt", "").strip()
            src = img.attrs.get("src", "")
            if (not alt or alt == src or alt.endswith((".png", ".svg", ".jpg")) or "_images/" in alt
                    or len(alt.split()) < MIN_ALT_WORDS):
                problems.append(f"{doc}: image {src[:60] or img.attrs.get('id', '?')} has alt text {alt[:70]!r}")
    assert not problems, ("figures without a description in their alt text (set the cell's mystnb.image.alt, or "
                          "mo.plot.animation(..., alt=...)):\n" + "\n".join(problems))


def test_chapters_figures_and_exercises_are_numbered_per_chapter(site):
    chapters = numbered_chapters()
    assert chapters, "_toc.yml has no numbered part"
    for number, doc in enumerate(chapters, start=1):
        dom = parse(site / f"{doc}.html")
        title_numbers = [span.all_text().strip() for h1 in dom.iter("h1") for span in h1.iter("span")
                         if "section-number" in span.classes]
        assert title_numbers[:1] == [f"{number}."], f"{doc}: the title is numbered {title_numbers[:1]}, not {number}."
        numbers = [span.all_text().strip() for span in dom.iter("span") if "caption-number" in span.classes]
        figures = [n for n in numbers if n.startswith("Fig.")]
        exercises = [n for n in numbers if n.startswith("Exercise")]
        assert figures and figures[0].startswith(f"Fig. {number}.1"), f"{doc}: figures numbered {figures[:2]}"
        assert all(f.startswith(f"Fig. {number}.") for f in figures), f"{doc}: figures numbered {figures}"
        assert exercises and exercises[0].startswith(f"Exercise {number}.1"), f"{doc}: exercises {exercises[:2]}"
        assert all(e.startswith(f"Exercise {number}.") for e in exercises), f"{doc}: exercises {exercises}"


def labelled_equations(doc: str) -> list[str]:
    """The labels of a chapter's displayed equations, in order: ``$$ … $$ (label)`` and a ``{math}`` block's
    ``:label:``."""
    import nbformat

    labels = []
    for cell in nbformat.read(source_of(doc), as_version=4).cells:
        if cell.cell_type == "markdown":
            labels += [a or b for a, b in re.findall(
                r"\$\$[ \t]*\(([\w-]+)\)|(?:```|:::)\{math\}[^\n]*\n(?::\w+:.*\n)*?:label:[ \t]*([\w-]+)",
                cell.source)]
    return labels


def equation_numbers(page: Path) -> dict[str, str]:
    """label -> the number Sphinx printed beside it, e.g. ``"(1.2)"``, for every numbered equation of a page."""
    numbers = {}
    for div in parse(page).iter("div"):
        if "math" in div.classes and div.attrs.get("id", "").startswith("equation-"):
            eqno = [span for span in div.iter("span") if "eqno" in span.classes]
            if eqno:
                numbers[div.attrs["id"].removeprefix("equation-")] = "".join(eqno[0].text).strip()
    return numbers


def test_chapter_1s_labelled_equations_are_numbered_1_x_in_order(site):
    chapters = numbered_chapters()
    assert chapters, "_toc.yml has no numbered part"
    first = chapters[0]
    labels = labelled_equations(first)
    assert {"eq-euler-flow", "eq-euler-gd"} <= set(labels), f"{first}: labelled equations {labels}"
    numbers = equation_numbers(site / f"{first}.html")
    expected = {label: f"(1.{k})" for k, label in enumerate(labels, start=1)}
    assert {label: numbers.get(label) for label in labels} == expected, (
        f"{first}: equations numbered {numbers}, expected {expected}")
    for number, doc in enumerate(chapters, start=1):  # later chapters count from their own number too
        wrong = {label: n for label, n in equation_numbers(site / f"{doc}.html").items()
                 if not re.fullmatch(rf"\({number}\.\d+\)", n)}
        assert not wrong, f"{doc} (chapter {number}): equations numbered {wrong}"


def test_code_that_interrupts_the_text_is_folded_and_teaching_code_stays_visible(site):
    for doc, page in chapter_pages(site).items():
        cells = [div for div in parse(page).iter("div") if "cell" in div.classes]
        folded = [cell for cell in cells if "tag_hide-input" in cell.classes]
        visible = [cell for cell in cells if "tag_hide-input" not in cell.classes]
        assert folded, f"{doc}: no code cell is folded (tag 'hide-input')"
        assert visible, f"{doc}: every code cell is folded; keep the short code that teaches visible"
        for cell in folded:
            assert any(True for _ in cell.iter("details")), f"{doc}: a hide-input cell has no <details> toggle"


def test_animated_figures_play_offline_and_pages_stay_small(site):
    pages = chapter_pages(site)
    for doc, page in pages.items():
        size = page.stat().st_size + sum(
            resolve(site, page, img.attrs["src"]).stat().st_size
            for img in parse(page).iter("img") if img.attrs.get("src") and not img.attrs["src"].startswith("data:"))
        assert size < MAX_PAGE_BYTES, f"{doc}: the page and its images weigh {size / 1e6:.2f} MB (limit 2 MB)"
    for doc in ANIMATED_CHAPTERS:
        dom = parse(pages[doc])
        players = [div for div in dom.iter("div") if "animation" in div.classes]
        assert players, f"{doc}: no animated figure (mo.plot.animation)"
        for player in players:
            assert any(True for _ in player.iter("input")), f"{doc}: the animation has no slider"
        scripts = "".join(s.all_text() for s in dom.iter("script"))
        assert "new Animation(frames" in scripts and "data:image/png;base64," in scripts, (
            f"{doc}: the animation's frames are not embedded in the page")


def public_names():
    """Every public name of minimopt, as the API reference must document it (fully qualified)."""
    import inspect

    import minimopt

    names = [f"minimopt.{name}" for name in minimopt.__all__
             if not inspect.ismodule(getattr(minimopt, name))]
    for module_name in ("problems", "derive", "exercises", "plot"):
        module = getattr(minimopt, module_name)
        exported = getattr(module, "__all__", None) or [
            name for name, value in vars(module).items()
            if not name.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
            and getattr(value, "__module__", "") == module.__name__]
        names += [f"minimopt.{module_name}.{name}" for name in exported
                  if inspect.isclass(getattr(module, name)) or inspect.isfunction(getattr(module, name))]
    return names


def test_the_api_reference_documents_every_public_name(site):
    page = site / "book" / "api.html"
    assert page.is_file(), "no API reference page (book/api.md)"
    ids = {element.attrs["id"] for element in parse(page).iter() if "id" in element.attrs}
    missing = [name for name in public_names() if name not in ids]
    assert not missing, f"public names missing from the API reference: {missing}"


# ------------------------------------------------------------------------------ in a real browser

def chromium():
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


# Run in the page (appended before </body> of a copy next to it) after its own scripts: press each player's
# "Next frame" button, then move its slider to the last frame, and record the <img> src each time, with the
# frames the player holds, in <pre id="player-test"> (JSON) for --dump-dom to show.
PLAYER_PROBE = """
<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    var results = [];
    document.querySelectorAll("div.animation").forEach(function (player) {
      var img = player.querySelector("img[id^='_anim_img']");
      var next = player.querySelector("button[title='Next frame']");
      var slider = player.querySelector("input[type=range]");
      var anim = img ? window["anim" + img.id.slice("_anim_img".length)] : undefined;
      var r = {img: !!img, next: !!next, slider: !!slider, anim: !!(anim && anim.frames)};
      if (img && next && slider && r.anim) {
        var n = anim.frames.length, first = img.src;
        next.click();
        var afterNext = img.src, valueAfterNext = slider.value;
        slider.value = String(n - 1);
        slider.dispatchEvent(new Event("input", {bubbles: true}));
        slider.dispatchEvent(new Event("change", {bubbles: true}));
        var afterSlider = img.src;
        r.frames = n;
        r.firstIsFrame0 = first === anim.frames[0].src;
        r.nextChanged = afterNext !== first;
        r.nextIsFrame1 = afterNext === anim.frames[1].src;
        r.sliderFollowsNext = valueAfterNext === "1";
        r.sliderChanged = afterSlider !== afterNext;
        r.sliderIsLastFrame = afterSlider === anim.frames[n - 1].src;
        r.png = afterSlider.indexOf("data:image/png;base64,") === 0;
      }
      results.push(r);
    });
    var out = document.createElement("pre");
    out.id = "player-test";
    out.textContent = JSON.stringify(results);
    document.body.appendChild(out);
  }, 1000);
});
</script>
"""


def rendered_dom(page: Path, tmp_path: Path) -> str:
    """The DOM of a page after its scripts ran, in headless Chromium with every network request refused."""
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        # the network is off: no host name resolves and every request would go to a closed local port
        "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=15000", "--dump-dom", page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _visible_text(element: Element) -> str:
    if element.tag in ("script", "style"):
        return ""
    return "".join(element.text) + "".join(_visible_text(child) for child in element.children)


def _player_results(site: Path, doc: str, tmp_path: Path) -> list[dict]:
    """What PLAYER_PROBE saw in Chromium on a copy of the page (next to it, so its relative links resolve)."""
    import json

    page = site / f"{doc}.html"
    probe = page.with_name(f"_player_probe_{page.name}")
    html = page.read_text(encoding="utf-8")
    assert "</body>" in html, f"{doc}: no </body>"
    probe.write_text(html.replace("</body>", PLAYER_PROBE + "</body>", 1), encoding="utf-8")
    try:
        dom = PageParser()
        dom.feed(rendered_dom(probe, tmp_path))
    finally:
        probe.unlink()
    found = [pre for pre in dom.root.iter("pre") if pre.attrs.get("id") == "player-test"]
    assert found, f"{doc}: the player probe did not run (JavaScript did not run offline?)"
    return json.loads(found[0].all_text())


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (apt-get install chromium)")
def test_in_chromium_offline_math_renders_code_is_folded_and_animations_play(site, tmp_path):
    for doc in ANIMATED_CHAPTERS:
        results = _player_results(site, doc, tmp_path)
        assert results, f"{doc}: the probe found no animation player"
        for number, r in enumerate(results, start=1):
            where = f"{doc}, animation {number}"
            assert r["img"] and r["next"] and r["slider"] and r["anim"], f"{where}: player incomplete: {r}"
            assert r["frames"] >= 2 and r["firstIsFrame0"] and r["png"], f"{where}: {r}"
            assert r["nextChanged"] and r["nextIsFrame1"] and r["sliderFollowsNext"], (
                f"{where}: 'Next frame' did not show frame 1: {r}")
            assert r["sliderChanged"] and r["sliderIsLastFrame"], (
                f"{where}: moving the slider to the end did not show the last frame: {r}")
        dom_text = rendered_dom(site / f"{doc}.html", tmp_path)
        dom = PageParser()
        dom.feed(dom_text)
        root = dom.root
        assert any(True for _ in root.iter("mjx-container")), f"{doc}: MathJax did not typeset the math offline"
        folded = [d for d in root.iter("details") if "hide" in d.classes and "above-input" in d.classes]
        assert folded and not any("open" in d.attrs for d in folded), f"{doc}: folded code is not folded"
        players = [div for div in root.iter("div") if "animation" in div.classes]
        assert players, f"{doc}: no animation"
        for player in players:
            images = [img for img in player.iter("img") if img.attrs.get("id", "").startswith("_anim_img")]
            assert images and images[0].attrs.get("src", "").startswith("data:image/png;base64,"), (
                f"{doc}: the animation's script did not show its first frame (JavaScript did not run offline)")


# Names whose API entry must show typeset math: an optimizer, a problem and a dynamics function.
API_MATH_NAMES = ("minimopt.SGD", "minimopt.langevin", "minimopt.problems.Quadratic")


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (apt-get install chromium)")
def test_in_chromium_offline_the_api_reference_typesets_its_math(site, tmp_path):
    dom = PageParser()
    dom.feed(rendered_dom(site / "book" / "api.html", tmp_path))
    root = dom.root
    for name in API_MATH_NAMES:
        entries = [dl for dl in root.iter("dl")
                   if any(dt.attrs.get("id") == name for dt in dl.children if dt.tag == "dt")]
        assert entries, f"api.html: no entry for {name}"
        assert any(True for _ in entries[0].iter("mjx-container")), f"api.html: {name}'s math is not typeset"
    text = _visible_text(root)
    for raw in ("\\(", "\\["):
        assert raw not in text, f"api.html: math left untypeset ({raw} ... in the page text)"


def test_chapters_link_each_name_to_the_api_reference_where_they_first_use_it(site):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        from link_api_names import public_targets
    finally:
        sys.path.pop(0)
    targets = public_targets()
    problems = []
    for doc, page in chapter_pages(site).items():
        seen = set()
        for code in parse(page).iter("code"):
            node, in_cell, link = code.parent, False, None
            while node is not None:
                if node.tag == "a" and link is None:
                    link = node
                if node.tag == "pre" or (node.tag == "div" and "cell" in node.classes):
                    in_cell = True
                node = node.parent
            if in_cell:
                continue
            text = code.all_text().strip()
            if not re.fullmatch(r"[\w.]+(\(.*\))?", text):   # `derive.x().field` is not a mention of a name
                continue
            name = text.split("(", 1)[0]
            target = targets.get(name)
            if target is None or target in seen:
                continue
            seen.add(target)
            if link is None or not link.attrs.get("href", "").endswith(f"api.html#{target}"):
                problems.append(f"{doc}: the first mention of {name} is not a link to the API reference")
    assert not problems, "run `python tools/link_api_names.py`:\n" + "\n".join(problems)
