"""Input checks shared by the optimizers, problems and runners.

Every check raises :class:`ValueError` with a message that names the offending parameter (also for a value of
the wrong type, which minimopt 0.1 already reported as ValueError and the chapters rely on), so that a reader
who passes a bad value sees at once which one and why. Nothing else escapes: ``float(10**400)`` is caught
(OverflowError), ragged lists are caught, and sizes are checked before anything is allocated.

Arrays: parameter vectors (``params``, ``grad``, ``x0``, ``x``) must already be 1-D float64 ndarrays — converting
them silently would hide a float32 or integer array the caller should see. Data a problem keeps (``H``, ``b``,
``A``, ``y``, a grid) may be any real array_like; it is copied into a new float64 array, and complex, boolean,
string, datetime or object data is refused rather than converted.
"""

from __future__ import annotations

import math
import os

import numpy as np

_SEED_LIMIT = 2**64


def finite_scalar(name: str, value, *, low: float | None = None, high: float | None = None,
                  low_open: bool = False, high_open: bool = True) -> float:
    """Return ``value`` as a float after checking it is finite and inside [low, high) (by default).

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : float
        The value to check: a Python or NumPy real number (not a bool).
    low, high : float or None
        Bounds; ``None`` means unbounded on that side.
    low_open, high_open : bool
        Whether the bound itself is excluded.

    Examples
    --------
    >>> finite_scalar("lr", 10**400)
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite real number, got an integer of 401 digits
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {_show(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite real number, got {_show(value)}")
    if low is not None and (number < low or (low_open and number == low)):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high if high is not None else 'inf'}"
                         f"{')' if high_open or high is None else ']'}, got {_show(value)}")
    if high is not None and (number > high or (high_open and number == high)):
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {'(' if low_open else '['}{low if low is not None else '-inf'}, "
                         f"{high}{bracket}, got {_show(value)}")
    return number


def _show(value) -> str:
    """A short description of a bad value (a 400-digit integer is not printed in full)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"an integer of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def nonnegative(name: str, value) -> float:
    """A finite number ≥ 0 (learning rates, weight decay, noise, σ)."""
    return finite_scalar(name, value, low=0.0)


def positive(name: str, value) -> float:
    """A finite number > 0 (eps, dt)."""
    return finite_scalar(name, value, low=0.0, low_open=True)


def unit_interval(name: str, value) -> float:
    """A coefficient in [0, 1): momentum, betas, RMSprop's alpha."""
    return finite_scalar(name, value, low=0.0, high=1.0)


def closed_unit_interval(name: str, value) -> float:
    """A coefficient in [0, 1] (Nesterov's lookahead)."""
    return finite_scalar(name, value, low=0.0, high=1.0, high_open=False)


def flag(name: str, value) -> bool:
    """True or False (a Python or NumPy bool; 0 and 1 are refused, they are too easily a typo for a rate)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {_show(value)}")
    return bool(value)


def pair_of_unit(name: str, value) -> tuple[float, float]:
    """A pair (β₁, β₂), each in [0, 1)."""
    try:
        first, second = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair ({name}[0], {name}[1]), got {_show(value)}") from None
    return unit_interval(f"{name}[0]", first), unit_interval(f"{name}[1]", second)


def count(name: str, value, *, minimum: int = 0) -> int:
    """A whole number ≥ ``minimum`` (steps, particles, batch sizes)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {_show(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be ≥ {minimum}, got {_show(value)}")
    return int(value)


def seed(name: str, value) -> np.uint64:
    """A seed: a whole number in [0, 2⁶⁴), returned as ``numpy.uint64`` so that every kernel sees one type."""
    value = count(name, value)
    if value >= _SEED_LIMIT:
        raise ValueError(f"{name} must be < 2**64, got {_show(value)}")
    return np.uint64(value)


def vector(name: str, array, *, size: int | None = None) -> np.ndarray:
    """Check a non-empty 1-D float64 parameter vector with finite entries; return it unchanged.

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
    if array.shape[0] == 0:
        raise ValueError(f"{name} must have at least one entry, got shape {array.shape}")
    if not all_finite(array):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return array


def real_array(name: str, value, *, ndim: int) -> np.ndarray:
    """Any real array_like of ``ndim`` dimensions as a new C-contiguous float64 array (the caller's is untouched).

    Integers and floats are accepted; booleans, complex numbers (whose imaginary part would be dropped),
    strings, datetimes and objects are refused, as are ragged nested lists and non-finite entries.
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError) as error:  # ragged lists, unconvertible objects
        raise ValueError(f"{name} must be a real array, got {_show(value)} ({error})") from None
    kind = array.dtype.kind
    if kind not in "iuf":
        what = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes", "M": "datetimes",
                "m": "timedeltas", "O": "objects"}.get(kind, f"dtype {array.dtype}")
        raise ValueError(f"{name} must be a real (integer or float) array, got {what}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got an array of shape {array.shape}")
    try:
        with np.errstate(over="raise"):
            array = np.array(array, dtype=np.float64, order="C", copy=True)
    except (OverflowError, FloatingPointError):
        raise ValueError(f"{name} contains entries too large for float64") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite entries")
    return array


def matrix(name: str, array, *, square: bool = False, symmetric: bool = False) -> np.ndarray:
    """Check a 2-D real array with finite entries; return a new C-contiguous float64 copy."""
    array = real_array(name, array, ndim=2)
    if square and array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be square, got shape {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if symmetric and not np.allclose(array, array.T, rtol=1e-12, atol=0.0):
        raise ValueError(f"{name} must be symmetric")
    return array


def same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Two arrays that must have the same shape (params and grad)."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def all_finite(array: np.ndarray) -> bool:
    """True when every entry is finite: one cheap reduction, then an exact check only if it overflowed."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(array)):
            return True
    return bool(np.isfinite(array).all())


def available_memory() -> int:
    """Bytes the machine can still give: MemAvailable of /proc/meminfo, else the physical memory."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**63


def allocation(name: str, nbytes: int, what: str) -> None:
    """Refuse, before allocating, an allocation of ``nbytes`` (caused by parameter ``name``) that cannot fit.

    Examples
    --------
    >>> allocation("steps", 2**70, "the trajectory")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: steps: the trajectory would need 1180591620717.4 GB, more than the ... GB of memory available
    """
    available = available_memory()
    if nbytes > available:
        raise ValueError(f"{name}: {what} would need {nbytes / 1e9:.1f} GB, more than the "
                         f"{available / 1e9:.1f} GB of memory available")
