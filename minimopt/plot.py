"""Matplotlib helpers that give every chapter the same look.

Each helper draws on an ``Axes`` it is given (or makes one) and labels what it draws; the chapters add the axis
labels that say what the quantities mean in their context.
"""

import matplotlib.pyplot as plt
import numpy as np

from . import _validate
from .problems import Problem

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "image.cmap": "viridis",
}


def use_style():
    """Apply the book's matplotlib style (call once at the top of a chapter)."""
    plt.rcParams.update(STYLE)


def figure(ncols=1, nrows=1, width=6.4, height=4.0, **kwargs):
    """A figure with ``nrows × ncols`` axes in the book's style; returns ``(fig, axes)``."""
    use_style()
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **kwargs)
    return fig, axes


def fit_slope(x, y):
    """Least-squares slope of log y against log x: the order p in y ≈ C xᵖ."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.shape[0] < 2:
        raise ValueError("x and y must be 1-D arrays of the same length ≥ 2")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive to fit a slope on log-log axes")
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)


def loglog_with_slope(ax, x, y, label, marker="o", **kwargs):
    """Plot y against x on log-log axes with the fitted slope in the legend; returns the slope."""
    slope = fit_slope(x, y)
    ax.loglog(x, y, marker=marker, label=f"{label} (slope {slope:.2f})", **kwargs)
    return slope


def reference_slope(ax, x, y_start, order, label=None, **kwargs):
    """Draw the line C xᵒʳᵈᵉʳ through (x[0], y_start), dashed, as a guide to the eye."""
    x = np.asarray(x, dtype=np.float64)
    kwargs.setdefault("linestyle", "--")
    kwargs.setdefault("color", "0.5")
    ax.loglog(x, y_start * (x / x[0]) ** order, label=label or f"slope {order}", **kwargs)


def contours(ax, problem, xlim, ylim, levels=20, resolution=200, log=False, **kwargs):
    """Contour lines of a two-dimensional problem's loss on ``xlim × ylim``."""
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a minimopt problem, got {type(problem).__name__}")
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    values = np.empty((resolution, resolution))
    point = np.empty(2)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            point[0], point[1] = x, y
            values[i, j] = problem.value(point)
    if log:
        values = np.log10(values - values.min() + 1e-12)
    kwargs.setdefault("colors", "0.75")
    kwargs.setdefault("linewidths", 0.8)
    return ax.contour(xs, ys, values, levels=levels, **kwargs)


def path(ax, params, label, **kwargs):
    """A two-dimensional trajectory (rows of ``params``) with its start marked."""
    params = np.asarray(params)
    if params.ndim != 2 or params.shape[1] != 2:
        raise ValueError(f"params must have shape (n, 2), got {params.shape}")
    (line,) = ax.plot(params[:, 0], params[:, 1], marker=".", markersize=3, label=label, **kwargs)
    ax.plot(params[0, 0], params[0, 1], "o", color=line.get_color(), markersize=5)
    return line


def histogram_against_density(ax, samples, grid, density, label_samples="ensemble", label_density="density",
                              bins=80):
    """A normalised histogram of ``samples`` with a density curve on top."""
    samples = np.asarray(samples, dtype=np.float64).ravel()
    grid = _validate.vector("grid", np.asarray(grid, dtype=np.float64))
    ax.hist(samples, bins=bins, range=(grid[0], grid[-1]), density=True, alpha=0.45, label=label_samples)
    ax.plot(grid, density, color="black", label=label_density)
