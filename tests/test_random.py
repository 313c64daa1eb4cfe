"""The per-particle generator of minimopt._random: SplitMix64 streams and the ziggurat normal.

Statistical checks use one fixed seed and bounds of a few standard errors, so they are deterministic; a bound of
4–5 standard errors is what a correct generator passes and what a wrong layer, tail or scale fails.
"""

import hashlib
import math

import numpy as np
import pytest
from numba import njit

from minimopt import _random

N_NORMAL = 10_000_000
N_UNIFORM = 1_000_000
R = _random._ZIG_R  # the ziggurat's base-layer edge; beyond it the tail algorithm runs


@njit
def normals(seed, index, n):
    out = np.empty(n)
    _random.fill_normal(_random.stream(seed, index), out)
    return out


@njit
def uniforms(seed, index, n):
    out = np.empty(n)
    state = _random.stream(seed, index)
    for i in range(n):
        state, out[i] = _random.next_uniform(state)
    return out


@njit
def indices(seed, n, size):
    out = np.empty(size, dtype=np.int64)
    state = _random.stream(seed, 0)
    for i in range(size):
        state, out[i] = _random.next_index(state, n)
    return out


@njit
def initial_states(seeds, index_list):
    out = np.empty((seeds.size, index_list.size), dtype=np.uint64)
    for i in range(seeds.size):
        for j in range(index_list.size):
            out[i, j] = _random.stream(seeds[i], index_list[j])
    return out


@njit
def central_moments(z):
    """Mean and central moments 2–4 in two passes (no 10⁷-element temporaries)."""
    mean = 0.0
    for v in z:
        mean += v
    mean /= z.size
    m2 = m3 = m4 = 0.0
    for v in z:
        d = v - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
    return mean, m2 / z.size, m3 / z.size, m4 / z.size


def normal_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@pytest.fixture(scope="module")
def z():
    return normals(12345, 1, N_NORMAL)


def test_normal_moments(z):
    n = z.size
    mean, m2, m3, m4 = central_moments(z)
    skew, excess = m3 / m2**1.5, m4 / m2**2 - 3.0
    # standard errors for a normal sample: 1/√n, √(2/n), √(6/n), √(24/n)
    assert abs(mean) < 4 / math.sqrt(n), mean
    assert abs(m2 - 1.0) < 4 * math.sqrt(2 / n), m2
    assert abs(skew) < 4 * math.sqrt(6 / n), skew
    assert abs(excess) < 4 * math.sqrt(24 / n), excess


@pytest.mark.parametrize("x", [-5.0, -4.5, -4.0, -R, -3.0, -2.0, -1.0, -0.3, 0.0, 0.3, 1.0, 2.0, 3.0, R, 3.8,
                               4.0, 4.5, 5.0])
def test_normal_cdf(z, x):
    """Empirical CDF against erf, including the tail beyond r = 3.654 that the ziggurat draws separately."""
    p = normal_cdf(x)
    count = np.count_nonzero(z < x)
    sd = math.sqrt(z.size * p * (1 - p))
    assert abs(count - z.size * p) < 4.5 * sd + 1, (x, count, z.size * p, sd)


def test_normal_tail_beyond_r_has_the_right_shape(z):
    """Conditional on |z| > r (about 2.6e-4 of the draws), |z| − r is distributed as the normal tail says."""
    tail = np.abs(z[np.abs(z) > R])
    beyond_r = math.erfc(R / math.sqrt(2))
    for x in (3.8, 4.0, 4.3, 4.7):
        p = math.erfc(x / math.sqrt(2)) / beyond_r
        count = np.count_nonzero(tail > x)
        assert abs(count - tail.size * p) < 4.5 * math.sqrt(tail.size * p * (1 - p)) + 1, (x, count, tail.size * p)


def test_normal_histogram_chi_square(z):
    """160 bins of width 0.05 on [−4, 4] plus the two tails resolve the 256 layers; χ² with 161 dof."""
    edges = np.concatenate(([-np.inf], np.linspace(-4.0, 4.0, 161), [np.inf]))
    observed = np.histogram(z, bins=edges)[0]
    cdf = np.array([0.0 if e == -np.inf else 1.0 if e == np.inf else normal_cdf(e) for e in edges])
    expected = z.size * np.diff(cdf)
    assert expected.min() > 50
    chi2 = np.sum((observed - expected) ** 2 / expected)
    dof = observed.size - 1
    assert chi2 < dof + 5 * math.sqrt(2 * dof), chi2


def test_normals_are_symmetric_and_finite(z):
    assert np.isfinite(z).all()
    positive = np.count_nonzero(z > 0)
    assert abs(positive - z.size / 2) < 4 * math.sqrt(z.size / 4)
    assert np.count_nonzero(z == 0.0) < 3


def test_uniforms():
    u = uniforms(99, 3, N_UNIFORM)
    n = u.size
    assert u.min() >= 0.0 and u.max() < 1.0
    assert np.all(u * 2.0**53 == np.floor(u * 2.0**53))  # multiples of 2⁻⁵³
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / n)
    # Var(u²) = 1/5 − 1/9 for U(0,1): the second moment 1/3 within 4 SE
    assert abs(np.mean(u**2) - 1 / 3) < 4 * math.sqrt((1 / 5 - 1 / 9) / n)
    observed = np.histogram(u, bins=100, range=(0.0, 1.0))[0]
    chi2 = np.sum((observed - n / 100) ** 2 / (n / 100))
    assert chi2 < 99 + 5 * math.sqrt(2 * 99), chi2
    lag1 = np.corrcoef(u[:-1], u[1:])[0, 1]
    assert abs(lag1) < 4 / math.sqrt(n), lag1


def test_index_is_uniform_on_0_to_n_minus_1():
    k = indices(5, 7, 700_000)
    assert k.min() == 0 and k.max() == 6
    observed = np.bincount(k, minlength=7)
    chi2 = np.sum((observed - 100_000) ** 2 / 100_000)
    assert chi2 < 6 + 5 * math.sqrt(12), chi2


def test_streams_are_reproducible():
    np.testing.assert_array_equal(normals(7, 3, 1000), normals(7, 3, 1000))
    np.testing.assert_array_equal(uniforms(7, 3, 1000), uniforms(7, 3, 1000))


def test_streams_are_distinct_and_uncorrelated():
    """Seeds × indices give distinct states; neighbouring streams (in seed or in index) are uncorrelated."""
    states = initial_states(np.arange(50), np.arange(200))
    assert np.unique(states).size == states.size
    first = {tuple(normals(seed, index, 4)) for seed in range(5) for index in range(5)}
    assert len(first) == 25
    n = 200_000
    base = normals(0, 1, n)
    for seed, index in ((0, 2), (1, 1), (0, 0), (2, 1)):
        corr = np.corrcoef(base, normals(seed, index, n))[0, 1]
        assert abs(corr) < 4.5 / math.sqrt(n), (seed, index, corr)


def test_streams_do_not_overlap():
    """Every stream walks the same Weyl sequence s + nG (mod 2⁶⁴), from its own start s.

    Streams a and b share draws within m steps iff (s_a − s_b)·G⁻¹ mod 2⁶⁴ < m (either way round). For 2000
    streams (10 seeds × 200 particles) that offset is at least 2³² in every pair: no particle meets another's
    numbers within 4·10⁹ draws.
    """
    states = initial_states(np.arange(10), np.arange(1, 201)).ravel()
    inverse = np.uint64(pow(int(_random._GOLDEN), -1, 2**64))
    offsets = (states[:, None] - states[None, :]) * inverse  # uint64 arrays wrap modulo 2⁶⁴
    np.fill_diagonal(offsets, np.iinfo(np.uint64).max)
    assert offsets.min() >= np.uint64(2**32), int(offsets.min())


def test_ziggurat_tables_are_the_exact_recursion_correctly_rounded():
    """The stored tables (minimopt/_ziggurat.py) are what tools/make_ziggurat_tables.py computes in 60 digits."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "tools" / "make_ziggurat_tables.py"
    spec = importlib.util.spec_from_file_location("make_ziggurat_tables", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    x, f = tool.tables()
    assert list(_random._ZIG_X) == x and list(_random._ZIG_F) == f
    # every layer has the same area, to float64 round-off (the float64 recursion the tables replace drifted 4e-14)
    X, F = np.array(x), np.array(f)
    layers = X[1:-1] * (F[2:] - F[1:-1])
    np.testing.assert_allclose(layers, tool.AREA, rtol=1e-13)


def test_seeded_normals_are_the_same_bits_on_every_machine():
    """Pinned draws (hex floats): a change of the tables, the mixing or the ziggurat's arithmetic changes them.

    Before the tables became data these differed by an ulp between a CPU with AVX-512 and one without.
    """
    out = normals(np.uint64(2026), np.uint64(1), 100_000)
    assert [v.hex() for v in out[:8]] == [
        '0x1.345470b27bde5p-3', '-0x1.3d318fdfd5d0bp+0', '-0x1.e745bb9293460p-7', '0x1.c069329ac5304p-3',
        '0x1.60a2f27ee63a3p+0', '0x1.334544e719721p+0', '-0x1.6b31fb920a022p+0', '0x1.bd925a857081dp-2']
    assert np.count_nonzero(np.abs(out) > R) == 31  # the tail algorithm and the wedges ran too
    assert hashlib.sha256(out.tobytes()).hexdigest() == (
        "f43cdf609582e8d65fafb55ae4f85d6c608431808935a7c193cceab2f57d563c")
