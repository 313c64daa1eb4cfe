"""nbval compares figures too: a changed figure fails with the chapter and the figure named.

The check itself is ``tests/nbval_figures.py`` (loaded for the whole suite by the root ``conftest.py``). Here a
two-cell notebook is executed once, and ``pytest --nbval`` is run on it in a subprocess: unchanged it passes;
with the stored PNG replaced by a visibly different one it fails, naming the notebook, the figure and the RMS.
An animation (``mo.plot.animation``) is checked frame by frame the same way: one changed frame fails, naming the
notebook, the cell, the animation and the frame.
"""

import base64
import copy
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from tests import nbval_figures

matplotlib.use("Agg")
REPO = Path(__file__).resolve().parents[1]

PLOT = """\
import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(0, 2 * np.pi, 200)
fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
ax.plot(x, np.sin(SHIFT + x))
ax.set_xlabel("x")
ax.set_ylabel("y")
plt.show()
"""


def _png(shift):
    import matplotlib.pyplot as plt

    x = np.linspace(0, 2 * np.pi, 200)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    ax.plot(x, np.sin(shift + x))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")  # as the inline backend saves figures
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def test_rms_is_zero_for_the_same_image_and_large_for_a_moved_curve():
    same = _png(0.0)
    assert nbval_figures.figure_difference(same, same) == 0.0
    assert nbval_figures.figure_difference(same, _png(1.0)) > 10 * nbval_figures.FIGURE_RMS_TOLERANCE


def _executed(shift):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(PLOT.replace("SHIFT", repr(shift)))
    cell.metadata["mystnb"] = {"figure": {"name": "fig-demo-sine", "caption": "A sine."}}
    nb.cells = [nbformat.v4.new_code_cell("1 + 1"), cell]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def _stored_png(nb):
    (output,) = [o for o in nb.cells[1].outputs if "image/png" in o.get("data", {})]
    return output


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory):
    return tmp_path_factory.mktemp("figures"), _executed(0.0)


def _run_nbval(folder, nb, name):
    path = folder / name
    nbformat.write(nb, path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-p", "tests.nbval_figures",
         "-o", "addopts=", "-o", "filterwarnings=", "--nbval", str(path)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_an_unchanged_figure_passes(executed_notebook):
    folder, nb = executed_notebook
    result = _run_nbval(folder, nb, "unchanged.ipynb")
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_changed_figure_fails_naming_the_chapter_and_the_figure(executed_notebook):
    folder, nb = executed_notebook
    changed = copy.deepcopy(nb)
    # the stored figure replaced by the one the cell draws when its curve is moved
    _stored_png(changed)["data"]["image/png"] = _stored_png(_executed(1.0))["data"]["image/png"]
    result = _run_nbval(folder, changed, "changed_chapter.ipynb")
    assert result.returncode != 0
    assert "figure changed in changed_chapter.ipynb: figure 'fig-demo-sine'" in result.stdout
    assert "RMS difference" in result.stdout


ANIMATION = """\
import numpy as np
import minimopt as mo
fig, ax = mo.plot.figure(width=3.0, height=2.0)
x = np.linspace(0.0, 2.0 * np.pi, 50)
(line,) = ax.plot(x, np.sin(x))
ax.set_xlabel("x")
ax.set_ylabel("y")
def draw(k):
    line.set_ydata(np.sin(x + SHIFT * k / 2))
    return (line,)
mo.plot.animation(fig, draw, 4, alt="a sine wave moving to the left", dpi=50)
"""


def _executed_animation(shift):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    animation = nbformat.v4.new_code_cell(ANIMATION.replace("SHIFT", repr(shift)))
    nb.cells = [nbformat.v4.new_code_cell("1 + 1"), animation]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def _player_html(nb):
    (output,) = [o for o in nb.cells[1].outputs if "text/html" in o.get("data", {})]
    return output


@pytest.fixture(scope="module")
def executed_animation(tmp_path_factory):
    return tmp_path_factory.mktemp("animations"), _executed_animation(1.0)


def test_an_animation_is_split_into_placeholder_html_and_its_frames(executed_animation):
    _, nb = executed_animation
    html = _player_html(nb)["data"]["text/html"]
    text, frames = nbval_figures.split_animation(html)
    assert len(frames) == 4 and "<frame 3>" in text and "base64,iVBOR" not in text
    assert re.search(r"[0-9a-f]{32}", text) is None  # the id, a hash of the frames too, is a placeholder
    assert all(base64.b64decode(frame)[:8] == b"\x89PNG\r\n\x1a\n" for frame in frames)
    assert nbval_figures.figure_difference(frames[0], frames[1]) > 10 * nbval_figures.FIGURE_RMS_TOLERANCE
    assert nbval_figures.split_animation("<p>no player</p>") == ("<p>no player</p>", [])


def test_an_unchanged_animation_passes(executed_animation):
    folder, nb = executed_animation
    result = _run_nbval(folder, nb, "unchanged_animation.ipynb")
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_changed_animation_frame_fails_naming_the_chapter_cell_and_frame(executed_animation):
    folder, nb = executed_animation
    changed = copy.deepcopy(nb)
    output = _player_html(changed)
    # frame 2 of the stored player replaced by frame 2 of the player whose wave moves twice as fast
    _, faster = nbval_figures.split_animation(_player_html(_executed_animation(2.0))["data"]["text/html"])
    output["data"]["text/html"] = re.sub(
        r'(frames\[2\] = "data:image/png;base64,)[^"]*"', lambda m: m.group(1) + faster[2] + '"',
        output["data"]["text/html"])
    result = _run_nbval(folder, changed, "changed_animation.ipynb")
    assert result.returncode != 0
    expected = ("animation frame changed in changed_animation.ipynb: animation 1 of cell 1 "
                "('a sine wave moving to the left'), frame 2 of 4: RMS difference")
    assert expected in result.stdout, result.stdout[-3000:]
