"""Compiled objectives: the value and gradient of every problem, behind one dispatch on an integer kind.

A problem is described to the kernels by ``(kind, matrix, vector, scalars)``:

================  ==========================================  =====================================
kind              loss L(x)                                   data
================  ==========================================  =====================================
QUADRATIC         ½ xᵀHx − bᵀx                                 matrix H, vector b
ROSENBROCK        Σᵢ b(xᵢ₊₁ − xᵢ²)² + (a − xᵢ)²                 scalars (a, b)
DOUBLE_WELL       Σᵢ (xᵢ² − 1)²/4 + c xᵢ                       scalars (c,)
LEAST_SQUARES     (1/2n) ‖Ax − y‖²                             matrix A, vector y, scalars (B,)
SCALE_INVARIANT   ½ xᵀHx / xᵀx                                 matrix H
PIECEWISE_QUAD    Σᵢ φ(xᵢ), φ of Lessard, Recht & Packard      scalars (m, L)
================  ==========================================  =====================================

Gradients are written into a preallocated ``out`` (which must not overlap ``x``). LEAST_SQUARES with a batch size B > 0 returns the minibatch
gradient (1/B) Σⱼ aⱼ(aⱼᵀx − yⱼ) over B rows drawn uniformly with replacement from the random stream ``state``
(see :mod:`minimopt._random`); every gradient function takes and returns that stream.
"""

import numpy as np
from numba import njit

from . import _random

# The registry of kinds: a problem class names its kind with one of these identifiers (checked when the class
# is created, see ``minimopt.problems.Problem``); ``tests/test_problems.py`` checks that every kind has a class
# and a value and gradient here. An unknown kind gives NaN, never uninitialised memory.
KINDS = ("QUADRATIC", "ROSENBROCK", "DOUBLE_WELL", "LEAST_SQUARES", "SCALE_INVARIANT", "PIECEWISE_QUADRATIC")
QUADRATIC, ROSENBROCK, DOUBLE_WELL, LEAST_SQUARES, SCALE_INVARIANT, PIECEWISE_QUADRATIC = range(len(KINDS))

# Compiled with the NumPy error model (a division by zero gives inf or NaN, which the callers report as
# divergence, instead of raising ZeroDivisionError inside a compiled loop) and without numba's reference
# counting (these functions allocate nothing; the reference-count updates of their array arguments cost about
# 100 ns per call, more than the arithmetic of a 2-D problem).
_KERNEL = dict(cache=True, error_model="numpy", _nrt=False)


@njit(cache=True, inline="always")
def _row_dot(matrix, row, x):
    """Σⱼ matrix[row, j] x[j]: one entry of Hx, or the prediction aᵣᵀx."""
    total = 0.0
    for j in range(x.shape[0]):
        total += matrix[row, j] * x[j]
    return total


@njit(cache=True, inline="always")
def _double_well(tilt, x):
    """One coordinate's term of the double well, (x² − 1)²/4 + c x, and its derivative x(x² − 1) + c."""
    return 0.25 * (x * x - 1.0) ** 2 + tilt * x, x * (x * x - 1.0) + tilt


@njit(cache=True, inline="always")
def _piecewise(m, L, x):
    """Lessard, Recht & Packard's φ(x) and φ′(x): curvature L below 1 and from 2 on, m in between."""
    gap = L - m
    if x < 1.0:
        return 0.5 * L * x * x, L * x
    if x < 2.0:
        return 0.5 * m * x * x + gap * x - 0.5 * gap, m * x + gap
    return 0.5 * L * x * x - gap * x + 1.5 * gap, L * x - gap


@njit(**_KERNEL)
def value(kind, matrix, vector, scalars, x):
    """L(x) for the problem ``(kind, matrix, vector, scalars)``."""
    n = x.shape[0]
    total = 0.0
    if kind == QUADRATIC:
        for i in range(n):
            total += x[i] * (0.5 * _row_dot(matrix, i, x) - vector[i])
    elif kind == ROSENBROCK:
        a, b = scalars[0], scalars[1]
        for i in range(n - 1):
            total += b * (x[i + 1] - x[i] * x[i]) ** 2 + (a - x[i]) ** 2
    elif kind == DOUBLE_WELL:
        tilt = scalars[0]
        for i in range(n):
            total += _double_well(tilt, x[i])[0]
    elif kind == LEAST_SQUARES:
        rows = matrix.shape[0]
        for r in range(rows):
            residual = _row_dot(matrix, r, x) - vector[r]
            total += residual * residual
        total /= 2.0 * rows
    elif kind == SCALE_INVARIANT:
        quad = 0.0
        norm2 = 0.0
        for i in range(n):
            quad += x[i] * _row_dot(matrix, i, x)
            norm2 += x[i] * x[i]
        total = 0.5 * quad / norm2
    elif kind == PIECEWISE_QUADRATIC:
        m, L = scalars[0], scalars[1]
        for i in range(n):
            total += _piecewise(m, L, x[i])[0]
    else:
        total = np.nan
    return total


@njit(**_KERNEL)
def grad_into(kind, matrix, vector, scalars, x, out, state):
    """Write ∇L(x) (a minibatch gradient for LEAST_SQUARES with B > 0) into ``out``; return the stream."""
    n = x.shape[0]
    if kind == QUADRATIC:
        for i in range(n):
            out[i] = _row_dot(matrix, i, x) - vector[i]
    elif kind == ROSENBROCK:
        a, b = scalars[0], scalars[1]
        for j in range(n):
            out[j] = 0.0
        for i in range(n - 1):
            inner = x[i + 1] - x[i] * x[i]
            out[i] += -4.0 * b * x[i] * inner - 2.0 * (a - x[i])
            out[i + 1] += 2.0 * b * inner
    elif kind == DOUBLE_WELL:
        tilt = scalars[0]
        for i in range(n):
            out[i] = _double_well(tilt, x[i])[1]
    elif kind == LEAST_SQUARES:
        rows = matrix.shape[0]
        batch = int(scalars[0])
        for j in range(n):
            out[j] = 0.0
        count = rows if batch <= 0 else batch
        for k in range(count):
            if batch <= 0:
                r = k
            else:
                state, r = _random.next_index(state, rows)
            residual = _row_dot(matrix, r, x) - vector[r]
            for j in range(n):
                out[j] += matrix[r, j] * residual
        for j in range(n):
            out[j] /= count
    elif kind == SCALE_INVARIANT:
        quad = 0.0
        norm2 = 0.0
        for i in range(n):
            out[i] = _row_dot(matrix, i, x)
            quad += x[i] * out[i]
            norm2 += x[i] * x[i]
        rayleigh = quad / norm2
        for i in range(n):
            out[i] = (out[i] - rayleigh * x[i]) / norm2
    elif kind == PIECEWISE_QUADRATIC:
        m, L = scalars[0], scalars[1]
        for i in range(n):
            out[i] = _piecewise(m, L, x[i])[1]
    else:
        for i in range(n):
            out[i] = np.nan
    return state


# The same gradient, inlined into its caller at numba's IR level: for the parallel ensembles, where a call per
# particle and step out of the ``prange`` body is about 20× slower than the inlined arithmetic.
grad_inline = njit(cache=True, error_model="numpy", inline="always")(grad_into.py_func)


@njit(cache=True, error_model="numpy", inline="always")
def slope_1d(kind, matrix, vector, scalars, x, xbuf, gbuf, state):
    """L′(x) of a one-dimensional problem at the number x; return ``(slope, state)``.

    For the double well, the piecewise quadratic and a 1×1 quadratic the slope is the same arithmetic that
    :func:`grad_into` does, on the number itself, so that a 1-D ensemble keeps its particle in a register; every
    other kind calls :func:`grad_into` with the one-element scratch arrays ``xbuf`` and ``gbuf`` (a call, not
    inlined: the ensembles inline this function four or five times, and inlining the whole of ``grad_into`` at
    each place doubled their compile time). Either way the value is bit-identical to ``grad_into`` at ``[x]``.
    """
    if kind == DOUBLE_WELL:
        return _double_well(scalars[0], x)[1], state
    if kind == PIECEWISE_QUADRATIC:
        return _piecewise(scalars[0], scalars[1], x)[1], state
    if kind == QUADRATIC:
        hx = 0.0  # _row_dot's sum, so that the bits are grad_into's
        hx += matrix[0, 0] * x
        return hx - vector[0], state
    xbuf[0] = x
    state = grad_into(kind, matrix, vector, scalars, xbuf, gbuf, state)
    return gbuf[0], state


@njit(cache=True, error_model="numpy")
def values_on_grid(kind, matrix, vector, scalars, grid):
    """L at each point of a 1-D grid, for one-dimensional problems."""
    out = np.empty(grid.shape[0])
    x = np.empty(1)
    for k in range(grid.shape[0]):
        x[0] = grid[k]
        out[k] = value(kind, matrix, vector, scalars, x)
    return out
