"""``mo.plot.animation``: an offline, deterministic HTML player of precomputed frames."""

import re

import matplotlib
import numpy as np
import pytest

import minimopt as mo

matplotlib.use("Agg")


def _player(n_frames=6, shift=0.0):
    fig, ax = mo.plot.figure(width=3.0, height=2.0)
    x = np.linspace(0.0, 2.0 * np.pi, 50)
    (line,) = ax.plot(x, np.sin(x))
    ax.set_xlabel("x")
    ax.set_ylabel("sin(x + k/5)")

    def draw(k):
        line.set_ydata(np.sin(x + k / 5 + shift))
        return (line,)

    return mo.plot.animation(fig, draw, n_frames, alt="a sine wave moving to the left", dpi=50).data


def test_the_same_frames_give_the_same_html_and_different_frames_a_different_id():
    first, again, other = _player(), _player(), _player(shift=1.0)
    assert first == again  # nbval can compare it as text
    ids = {re.search(r"_anim_img([0-9a-f]{32})", html).group(1) for html in (first, other)}
    assert len(ids) == 2  # two different animations on one page do not share element ids


def test_the_player_loads_nothing_from_the_network_and_holds_every_frame():
    html = _player(n_frames=7)
    assert "<link" not in html and "http://" not in html and "https://" not in html
    assert 'class="fa' not in html  # icons are Unicode symbols, not a remote icon font
    assert len(re.findall(r"frames\[\d+\] = \"data:image/png;base64,", html)) == 7
    assert "new Array(7)" in html
    assert 'alt="a sine wave moving to the left"' in html


def test_the_player_needs_alt_text():
    fig, _ = mo.plot.figure()
    with pytest.raises(ValueError, match="alt"):
        mo.plot.animation(fig, lambda k: (), 3, alt=" ")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_a_frame_count_that_is_not_a_positive_integer_is_refused(bad):
    fig, _ = mo.plot.figure()
    with pytest.raises(ValueError, match="n_frames"):
        mo.plot.animation(fig, lambda k: (), bad, alt="nothing")


def test_an_unknown_mode_is_refused():
    fig, _ = mo.plot.figure()
    with pytest.raises(ValueError, match="mode"):
        mo.plot.animation(fig, lambda k: (), 3, alt="nothing", mode="bounce")
