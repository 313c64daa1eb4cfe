"""Input checks shared by the optimizers, problems and runners.

Every check raises :class:`ValueError` with a message that names the offending parameter, so that a reader
who passes a bad value sees at once which one and why.
"""

import math

import numpy as np


def finite_scalar(name, value, *, low=None, high=None, low_open=False, high_open=True):
    """Return ``value`` as a float after checking it is finite and inside [low, high) (by default).

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : float
        The value to check.
    low, high : float or None
        Bounds; ``None`` means unbounded on that side.
    low_open, high_open : bool
        Whether the bound itself is excluded.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    if low is not None and (number < low or (low_open and number == low)):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high if high is not None else 'inf'}"
                         f"{')' if high_open or high is None else ']'}, got {value!r}")
    if high is not None and (number > high or (high_open and number == high)):
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {'(' if low_open else '['}{low if low is not None else '-inf'}, "
                         f"{high}{bracket}, got {value!r}")
    return number


def nonnegative(name, value):
    """A finite number ≥ 0 (learning rates, weight decay, noise, σ)."""
    return finite_scalar(name, value, low=0.0)


def positive(name, value):
    """A finite number > 0 (eps, dt)."""
    return finite_scalar(name, value, low=0.0, low_open=True)


def unit_interval(name, value):
    """A coefficient in [0, 1): momentum, betas, RMSprop's alpha."""
    return finite_scalar(name, value, low=0.0, high=1.0)


def count(name, value, *, minimum=0):
    """A whole number ≥ ``minimum`` (steps, particles, batch sizes)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be ≥ {minimum}, got {value!r}")
    return int(value)


def vector(name, array, *, size=None):
    """Check a 1-D float64 parameter vector with finite entries; return it unchanged.

    Arrays are not converted silently: a float32, integer or 2-D array is a mistake the caller should see.
    """
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{name} must be a numpy.ndarray of float64, got {type(array).__name__}")
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {array.shape}")
    if array.dtype != np.float64:
        raise ValueError(f"{name} must have dtype float64, got {array.dtype}")
    if size is not None and array.shape[0] != size:
        raise ValueError(f"{name} must have shape ({size},), got {array.shape}")
    if not all_finite(array):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return array


def matrix(name, array, *, shape=None, square=False, symmetric=False):
    """Check a 2-D float64 array with finite entries; return a C-contiguous copy."""
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got an array of shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be a real array, got dtype {array.dtype}")
    if square and array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be square, got shape {array.shape}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    array = np.ascontiguousarray(array, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite entries")
    if symmetric and not np.allclose(array, array.T, rtol=1e-12, atol=0.0):
        raise ValueError(f"{name} must be symmetric")
    return array


def same_shape(name_a, a, name_b, b):
    """Two arrays that must have the same shape (params and grad)."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def all_finite(array):
    """True when every entry is finite: one cheap reduction, then an exact check only if it overflowed."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(array)):
            return True
    return bool(np.isfinite(array).all())
