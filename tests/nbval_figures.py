"""Repository-wide pytest configuration: nbval also compares the figures of the chapters.

nbval compares a cell's text outputs and skips PNG images, so a chapter whose figure silently changes would still
pass. This plugin extends nbval's comparison of each cell (``IPyNbCell.compare_outputs``, run on the outputs the
cell has just produced and the ones stored in the notebook, so nothing is executed twice): after nbval's own
checks, every stored PNG output is decoded together with the fresh one and compared with
``matplotlib.testing.compare.calculate_rms``, the root-mean-square difference of the pixel values on the 0–255
scale that matplotlib's own image tests use. A difference above :data:`FIGURE_RMS_TOLERANCE` fails the cell with
the chapter, the figure's name (its ``mystnb.figure.name``) and the RMS difference; a changed image size or number
of figures fails it too.

The environment is pinned, so an unchanged figure is normally byte-identical; the tolerance only absorbs
sub-pixel anti-aliasing differences between machines, and any visible change (a moved curve, a new label, another
colour) is far above it.
"""

from __future__ import annotations

import base64
import io

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
        if not compare_text(self, test, ref, skip_compare):
            return False
        stored, fresh = _png_outputs(ref), _png_outputs(test)
        chapter = self.parent.fspath.basename
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
