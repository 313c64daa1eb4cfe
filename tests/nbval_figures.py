"""Repository-wide pytest configuration: nbval also compares the figures of the chapters.

nbval compares a cell's text outputs and skips PNG images, so a chapter whose figure silently changes would still
pass. This plugin extends nbval's comparison of each cell (``IPyNbCell.compare_outputs``, run on the outputs the
cell has just produced and the ones stored in the notebook, so nothing is executed twice): after nbval's own
checks, every stored PNG output is decoded together with the fresh one and compared with
``matplotlib.testing.compare.calculate_rms``, the root-mean-square difference of the pixel values on the 0–255
scale that matplotlib's own image tests use. A difference above :data:`FIGURE_RMS_TOLERANCE` fails the cell with
the chapter, the figure's name (its ``mystnb.figure.name``) and the RMS difference; a changed image size or number
of figures fails it too.

Animations (``minimopt.plot.animation``) are ``text/html`` outputs that nbval compares as text, byte for byte,
although each of their frames is a PNG: before nbval's comparison, every frame (``frames[k] =
"data:image/png;base64,…"`` in the player's script) is cut out of the stored and the fresh HTML and replaced by the
placeholder ``<frame k>``, and the player's element id (a hash of the whole fragment, frames included) by
``<animation id>``. nbval then compares the rest of the HTML as text (controls, number of frames, alt text), and
each pair of frames is compared by the same RMS measure and tolerance as a still figure; a frame above it fails
the cell with the chapter, the cell, the animation (its alt text) and the frame's index.

The environment is pinned, so an unchanged figure is normally byte-identical; the tolerance only absorbs
sub-pixel anti-aliasing differences between machines, and any visible change (a moved curve, a new label, another
colour) is far above it.
"""

from __future__ import annotations

import base64
import copy
import io
import re

import numpy as np

FIGURE_RMS_TOLERANCE = 0.5


def _png_outputs(outputs):
    return [output["data"]["image/png"] for output in outputs
            if isinstance(output.get("data"), dict) and "image/png" in output["data"]]


def _pixels(encoded: str) -> np.ndarray:
    from PIL import Image

    data = encoded if isinstance(encoded, str) else "".join(encoded)
    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        return np.asarray(image.convert("RGB")).astype(np.int16)


def figure_difference(stored: str, fresh: str) -> float:
    """RMS difference (0–255 scale) of two base64 PNGs; ``inf`` when their sizes differ."""
    from matplotlib.testing.compare import calculate_rms

    if stored == fresh:
        return 0.0
    expected, actual = _pixels(stored), _pixels(fresh)
    if expected.shape != actual.shape:
        return float("inf")
    return float(calculate_rms(expected, actual))


_FRAME = re.compile(r'(frames\[(\d+)\] = "data:image/png;base64,)([^"]*)(")')
_PLAYER_ID = re.compile(r"(?<=_anim_img)[0-9a-f]{32}")
_ALT = re.compile(r'<img id="_anim_img[^"]*" alt="([^"]*)"')


def split_animation(html: str) -> tuple[str, list[str]]:
    """An animation player's HTML with its frames and element id replaced by placeholders, and its frames.

    Each frame is returned as base64 text (the player's JavaScript line continuations removed). HTML that is not
    a ``minimopt.plot.animation`` player is returned unchanged, with no frames.
    """
    if "new Animation(frames" not in html:
        return html, []
    frames = []

    def cut(match):
        frames.append(re.sub(r"\\\r?\n", "", match.group(3)))
        return f"{match.group(1)}<frame {match.group(2)}>{match.group(4)}"

    text = _FRAME.sub(cut, html)
    found = _PLAYER_ID.search(text)
    if found:
        text = text.replace(found.group(0), "<animation id>")
    return text, frames


def _split_outputs(outputs):
    """Copies of ``outputs`` whose animation players have placeholders, and the frames of each player."""
    split, players = [], []
    for output in outputs:
        data = output.get("data") if isinstance(output, dict) else None
        html = data.get("text/html") if isinstance(data, dict) else None
        if html is None:
            split.append(output)
            continue
        html = html if isinstance(html, str) else "".join(html)
        text, frames = split_animation(html)
        if frames:
            output = copy.copy(output)
            output["data"] = dict(data, **{"text/html": text})
            alt = _ALT.search(html)
            players.append((alt.group(1) if alt else "no alt text", frames))
        split.append(output)
    return split, players


def _figure_name(cell, index: int) -> str:
    figure = cell.metadata.get("mystnb", {}).get("figure", {})
    name = figure.get("name")
    return f"figure {name!r}" if name else f"figure {index + 1} of the cell (no mystnb.figure.name)"


def _install():
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to extend
        return
    if getattr(IPyNbCell, "_compares_figures", False):
        return
    compare_text = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        test, fresh_players = _split_outputs(test)
        ref, stored_players = _split_outputs(ref)
        if not compare_text(self, test, ref, skip_compare):
            return False
        chapter = self.parent.fspath.basename
        # equal placeholder HTML: the same number of players, each with the same number of frames
        for number, ((alt, old_frames), (_, new_frames)) in enumerate(zip(stored_players, fresh_players)):
            for index, (old, new) in enumerate(zip(old_frames, new_frames)):
                rms = figure_difference(old, new)
                if rms > FIGURE_RMS_TOLERANCE:
                    what = "its size changed" if rms == float("inf") else f"RMS difference {rms:.2f}"
                    self.comparison_traceback.append(
                        f"animation frame changed in {chapter}: animation {number + 1} of cell {self.cell_num} "
                        f"({alt[:80]!r}), frame {index} of {len(old_frames)}: {what} > tolerance "
                        f"{FIGURE_RMS_TOLERANCE} (pixel values 0-255)")
                    return False
        stored, fresh = _png_outputs(ref), _png_outputs(test)
        if len(stored) != len(fresh):
            self.comparison_traceback.append(
                f"figures changed in {chapter}, cell {self.cell_num}: {len(stored)} stored, {len(fresh)} produced")
            return False
        for index, (old, new) in enumerate(zip(stored, fresh)):
            rms = figure_difference(old, new)
            if rms > FIGURE_RMS_TOLERANCE:
                what = "its size changed" if rms == float("inf") else f"RMS difference {rms:.2f}"
                self.comparison_traceback.append(
                    f"figure changed in {chapter}: {_figure_name(self.cell, index)} (cell {self.cell_num}): "
                    f"{what} > tolerance {FIGURE_RMS_TOLERANCE} (pixel values 0-255)")
                return False
        return True

    IPyNbCell.compare_outputs = compare_outputs
    IPyNbCell._compares_figures = True


_install()
