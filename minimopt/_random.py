"""A small counter-free random number generator that numba kernels can carry per particle.

Each stream is a single 64-bit state advanced by SplitMix64 (Steele, Lea & Flood 2014). A stream is derived from
``(seed, index)``, so a particle's random numbers do not depend on which thread simulates it: ensembles are
reproducible whatever the number of threads. Normals come from the ziggurat method (Marsaglia & Tsang 2000,
256 layers): one 64-bit draw gives the layer (8 bits), the sign (1 bit) and a 53-bit uniform, and about 99% of
draws are accepted at once without a logarithm or a square root.
"""

import numpy as np
from numba import njit

from . import _ziggurat

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0
_LAYER_MASK = np.uint64(0xFF)
_S8 = np.uint64(8)
_ONE = np.uint64(1)


# The tables are data (minimopt/_ziggurat.py, made by tools/make_ziggurat_tables.py in 60-digit arithmetic):
# computed at import with NumPy's float64 exp and log they depended on the CPU's SIMD extensions, an ulp apart,
# and so did every seeded random normal of the package.
_ZIG_X, _ZIG_F = np.array(_ziggurat.X), np.array(_ziggurat.F)
_ZIG_R = _ziggurat.R


@njit(cache=True)
def _mix(z):
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True)
def stream(seed, index):
    """Initial state of stream ``index`` of ``seed``: two rounds of mixing keep nearby seeds apart."""
    return _mix(_mix(np.uint64(seed) + _GOLDEN) ^ (np.uint64(index) * _GOLDEN + _MIX1))


@njit(cache=True)
def next_uniform(state):
    """Advance ``state`` (a uint64) and return ``(new_state, u)`` with u uniform on [0, 1)."""
    state = state + _GOLDEN
    return state, np.float64(_mix(state) >> _S11) * _TWO_M53


@njit(cache=True, inline="always")
def next_normal(state):
    """Advance ``state`` and return ``(new_state, z)`` with z a standard normal (ziggurat).

    The sign is computed without a branch (bit 8 of the draw gives ±1 arithmetically): a branch on a fair coin is
    mispredicted half the time, and that alone doubled the cost of a normal (10 ns against 5 ns per draw here).
    """
    while True:
        state = state + _GOLDEN
        bits = _mix(state)
        layer = int(bits & _LAYER_MASK)
        sign = 1.0 - 2.0 * np.float64((bits >> _S8) & _ONE)
        z = np.float64(bits >> _S11) * _TWO_M53 * _ZIG_X[layer]
        if z < _ZIG_X[layer + 1]:
            return state, sign * z
        if layer == 0:
            while True:  # the tail beyond r (Marsaglia 1964)
                state, u1 = next_uniform(state)
                state, u2 = next_uniform(state)
                a = -np.log(1.0 - u1) / _ZIG_R
                b = -np.log(1.0 - u2)
                if 2.0 * b > a * a:
                    return state, sign * (_ZIG_R + a)
        state, u = next_uniform(state)
        y = _ZIG_F[layer] + u * (_ZIG_F[layer + 1] - _ZIG_F[layer])
        if y < np.exp(-0.5 * z * z):
            return state, sign * z


@njit(cache=True)
def fill_normal(state, out):
    """Fill ``out`` with standard normals; return the advanced state."""
    for i in range(out.shape[0]):
        state, out[i] = next_normal(state)
    return state


@njit(cache=True)
def next_index(state, n):
    """Advance ``state`` and return ``(new_state, k)`` with k uniform on {0, …, n − 1}."""
    state, u = next_uniform(state)
    k = int(u * n)
    if k >= n:
        k = n - 1
    return state, k
