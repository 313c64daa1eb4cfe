"""Matplotlib helpers that give every chapter the same look.

Each helper draws on an ``Axes`` it is given (or makes one) and labels what it draws; the chapters add the axis
labels that say what the quantities mean in their context.
"""

import re

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


# Icons of matplotlib's animation controls: its template draws them with Font Awesome loaded from a CDN, which
# a site that works offline cannot load; plain characters (each button keeps its title) need no request.
_CONTROL_SYMBOLS = {
    '<i class="fa fa-minus"></i>': "&minus;",
    '<i class="fa fa-fast-backward"></i>': "|&#x25C0;",
    '<i class="fa fa-step-backward"></i>': "&lsaquo;",
    '<i class="fa fa-play fa-flip-horizontal"></i>': "&#x25C0;",
    '<i class="fa fa-pause"></i>': "||",
    '<i class="fa fa-play"></i>': "&#x25B6;",
    '<i class="fa fa-step-forward"></i>': "&rsaquo;",
    '<i class="fa fa-fast-forward"></i>': "&#x25B6;|",
    '<i class="fa fa-plus"></i>': "+",
}
_REMOTE_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]*"\s*/?>')
_RANDOM_ID = re.compile(r"(?<=_anim_img)[0-9a-f]{32}")


def animation(fig, draw_frame, n_frames, *, alt, interval_ms=150, mode="once", dpi=None):
    """Precomputed frames of a figure as a self-contained HTML player: play, pause, step and a slider.

    The frames are rendered here, once, to PNG images embedded in the page with matplotlib's
    :meth:`~matplotlib.animation.Animation.to_jshtml` player, so the animation works on a static site with no
    network and no kernel. Two changes make it fit the book: the player's remote Font Awesome stylesheet is
    dropped (its buttons show Unicode symbols instead), and its random element id is replaced by a hash of the
    page fragment, so the output is the same on every run and nbval compares it as it compares text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to animate, with everything drawn that does not change; it is closed afterwards, so it is
        not also shown as a still image.
    draw_frame : callable
        ``draw_frame(k)`` updates the figure's artists for frame ``k = 0, …, n_frames − 1``.
    n_frames : int
        The number of frames (keep the page under 2 MB: each frame is one PNG of the figure).
    alt : str
        Alternative text of the player's image for readers who cannot see it: what the animation shows.
    interval_ms : float, optional
        Time between frames when playing.
    mode : {"once", "loop", "reflect"}, optional
        What the player does at the last frame.
    dpi : float, optional
        Resolution of the frames; the figure's own by default.

    Returns
    -------
    IPython.display.HTML
        The player; display it as a cell's last expression (or with ``IPython.display.display``).
    """
    import hashlib
    from html import escape

    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    if not isinstance(n_frames, (int, np.integer)) or isinstance(n_frames, bool) or n_frames < 1:
        raise ValueError(f"n_frames must be a positive integer, got {n_frames!r}")
    if mode not in ("once", "loop", "reflect"):
        raise ValueError(f"mode must be 'once', 'loop' or 'reflect', got {mode!r}")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a sentence that says what the animation shows")
    if not callable(draw_frame):
        raise TypeError("draw_frame must be a function of the frame index")
    if dpi is not None:
        fig.set_dpi(dpi)
    player = FuncAnimation(fig, draw_frame, frames=int(n_frames), interval=float(interval_ms), repeat=False)
    html = player.to_jshtml(default_mode=mode)
    plt.close(fig)
    html = _REMOTE_STYLESHEET.sub("", html)
    for icon, symbol in _CONTROL_SYMBOLS.items():
        html = html.replace(icon, symbol)
    random_id = _RANDOM_ID.search(html).group(0)
    html = html.replace(f'<img id="_anim_img{random_id}">',
                        f'<img id="_anim_img{random_id}" alt="{escape(alt.strip(), quote=True)}">')
    stable_id = hashlib.sha256(html.replace(random_id, "").encode()).hexdigest()[:32]
    return HTML(html.replace(random_id, stable_id))
