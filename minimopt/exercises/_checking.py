"""The toolkit every chapter's checkers use (not collected into ``minimopt.exercises``: no ``__all__``).

A checker ``check_<name>(student_function, *, seed=None)`` returns ``"pass"`` or a message that explains the
mistake. It never raises on what the student wrote and never hangs; this module holds the rules that make that
true for every chapter alike.

Running the student's code
    :func:`call` runs the student's function with a time limit (:data:`TIME_LIMIT_S` seconds per call, "did not
    return within N s" otherwise) and turns *every* exception it raises, ``SystemExit`` included, into a
    :class:`StudentError` whose message names the call. Only ``KeyboardInterrupt`` (the reader pressing stop)
    gets through. :func:`returns_student_errors` makes a checker return that message instead of raising it.
    A function that still raises ``NotImplementedError`` (the stub of an assignment notebook) is told so. The
    time limit cannot stop code that catches ``BaseException`` and carries on, nor a long computation inside a
    compiled extension that does not return to Python; the grader's per-submission wall-clock limit does.

One coercion rule for answers
    :func:`as_number` accepts a real number in any of the forms a student is likely to return: a Python or NumPy
    int or float (float32 included, converted exactly), a 0-d array, a one-element array, list or tuple, a SymPy
    number, a ``fractions.Fraction`` or ``decimal.Decimal``. It refuses, with a message that says what was
    returned: ``None`` (a forgotten ``return``), ``bool``, strings, complex numbers, NaN and infinities, ints too
    large for a float, and containers of more than one number. :func:`as_numbers` accepts a fixed number of
    such numbers as a tuple, list, 1-D array or any other sequence; :func:`as_array` accepts an array (any real
    dtype, float32 included), list or tuple of the expected shape (a single number for shape ``(1,)``);
    :func:`as_bool` accepts ``bool`` and ``numpy.bool_`` (and 0-d or one-element arrays of them).

One tolerance policy
    An answer ``x`` equals the expected ``y`` when ``|x − y| ≤ RTOL·|y| + ATOL`` with ``RTOL = 1e-6`` and
    ``ATOL = 1e-12`` (:func:`close`): float32 arithmetic and any exact formula pass, an answer rounded to four
    decimals does not, in every chapter. Pairs, tuples and arrays are compared entry by entry with the same
    rule, truth values exactly. A mismatch is shown with :func:`describe_mismatch`, which prints both numbers
    to 12 significant digits and says from which digit they differ.

Fixed and random cases
    Each checker runs fixed cases and seeded random cases (:func:`random_cases`). Students see the messages of
    seed :data:`PUBLIC_SEED`; a grading run passes a fresh ``seed``, so a table of the public answers does not
    pass. :func:`check_function` runs a whole check: the cases, inputs changed in place, the catalogued
    mistakes (:func:`known_mistake`), arguments taken in another order (:func:`swapped_arguments`, and
    :func:`swapped_call` for a function that cannot even run on them in the exercise's order), an answer
    that ignores its arguments, and otherwise the first case that fails with the digits that differ.

Exercises as data
    Each chapter module lists its exercises in ``EXERCISES``, a tuple of :class:`Exercise` records (label in the
    book, the function the student writes, its signature, the checker, a reference solution), from which the
    assignment notebooks and the grader are generated.
"""

from __future__ import annotations

import ctypes
import decimal
import fractions
import functools
import itertools
import math
import numbers
import operator
import signal
import threading
import warnings
from typing import Callable, NamedTuple, Sequence

import numpy as np

PASS = "pass"
RTOL = 1e-6
ATOL = 1e-12
TIME_LIMIT_S = 10.0
PUBLIC_SEED = 0
N_RANDOM_CASES = 5
#: The sentence on answers that every chapter module's docstring states, word for word (a test holds them to it).
RULES = ("Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, "
         f"and one tolerance, ``|x − y| ≤ {RTOL:.0e}·|y| + {ATOL:.0e}`` entry by entry (truth values "
         "exactly), in every chapter.").replace("e-0", "e-")


class StudentError(Exception):
    """The student's function could not be evaluated on a case; the message says why.

    ``timed_out`` is true when the call did not return within its time limit (a function that hangs is not
    called again on other arguments).
    """

    def __init__(self, message, *, timed_out=False):
        super().__init__(message)
        self.timed_out = timed_out


class Exercise(NamedTuple):
    """One exercise of a chapter, as the assignment generator and the grader see it.

    Attributes
    ----------
    label : str
        The exercise's label in the book (``ex-momentum-1``); the statement is read from there.
    function : str
        The name of the function the student writes (``leapfrog``).
    signature : str
        Its parameters as written in the statement (``"lam, gamma"``).
    checker : callable
        ``checker(student_function, *, seed=None) -> str``.
    solution : callable
        A reference solution; ``checker(solution, seed=s) == "pass"`` for every seed.
    points : int
        The score of a passing answer.
    """
    label: str
    function: str
    signature: str
    checker: Callable
    solution: Callable
    points: int = 1


class _TimeLimitExceeded(BaseException):
    """Raised inside the student's code when its time is up (a BaseException, so ``except Exception`` in the
    student's code does not swallow it)."""


def returns_student_errors(checker):
    """Make a checker return the message of a :class:`StudentError` raised inside it, instead of raising it.

    Any other exception escaping the checker (which would be a bug of the checker, not of the student) is
    turned into a message too, so that a checker never raises on a student's answer.

    Parameters
    ----------
    checker : callable
        A checker, ``checker(student_function, ...) -> str``.

    Returns
    -------
    callable
        The checker, with the same name, docstring and signature.
    """
    @functools.wraps(checker)
    def checked(*args, **kwargs):
        try:
            return checker(*args, **kwargs)
        except StudentError as exc:
            return str(exc)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # a checker bug must not look like the student's
            return (f"the checker could not judge this answer ({type(exc).__name__}: {exc}); "
                    "please report it with your function")

    return checked


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}) (SystemExit): a checked function must return its answer"
    if isinstance(exc, NotImplementedError):
        return "raised NotImplementedError: it is not written yet (replace the `raise` line with your code)"
    text = str(exc)
    return f"raised {type(exc).__name__}: {text}" if text else f"raised {type(exc).__name__}"


def _run_with_alarm(function, args, seconds):
    def on_alarm(signum, frame):
        raise _TimeLimitExceeded

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def _run_in_thread(function, args, seconds):
    box = {}

    def target():
        try:
            box["value"] = function(*args)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="minimopt-student-call")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        # Stop it: raise the time-limit exception inside the student's code, which Python code sees at its next
        # bytecode. (A call stuck in C code cannot be interrupted; it is then abandoned as a daemon thread.)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident),
                                                   ctypes.py_object(_TimeLimitExceeded))
        worker.join(1.0)
        raise _TimeLimitExceeded
    if "error" in box:
        raise box["error"]
    return box["value"]


def call(function, args, who, where="", time_limit=None):
    """Call the student's function on one case, with a time limit.

    Parameters
    ----------
    function : callable
        The student's function.
    args : tuple
        The case, passed as positional arguments.
    who : str
        How a message names the call, for instance ``"largest_stable_step(4.0)"`` or ``"your function"``.
    where : str, optional
        Text that ends the message, for instance ``" (called with 4.0)"``.
    time_limit : float, optional
        Seconds the call may take; :data:`TIME_LIMIT_S` by default. In the main thread the call is interrupted
        by a timer signal; elsewhere (or under another timer) it runs in a thread that is stopped when time is up.

    Returns
    -------
    object
        What ``function(*args)`` returned.

    Raises
    ------
    StudentError
        If the function is not callable, raised anything (``SystemExit`` included), or did not return in time.
    """
    seconds = TIME_LIMIT_S if time_limit is None else float(time_limit)
    if not callable(function):
        raise StudentError(f"expected a function, got {type(function).__name__} {_short_repr(function)}: pass "
                           "the function itself (without calling it)")
    use_alarm = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
                 and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0)
    try:
        with warnings.catch_warnings():
            # NumPy's floating-point warnings in the student's code are not failures (even where warnings are
            # turned into errors, as under pytest): a NaN or inf they produce is diagnosed as an answer.
            warnings.simplefilter("ignore", RuntimeWarning)
            if use_alarm:
                return _run_with_alarm(function, args, seconds)
            return _run_in_thread(function, args, seconds)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        # A KeyboardInterrupt (Ctrl-C, or the grader's deadline) that this exception replaced while it propagated
        # still ends the checking: when the deadline and this call's own limit fall due together, the alarm's
        # exception can be raised in the unwinding (in a finally) and would otherwise swallow the deadline.
        interrupt = _replaced_interrupt(exc)
        if interrupt is not None:
            raise interrupt from None
        if isinstance(exc, _TimeLimitExceeded):
            raise StudentError(f"{who} did not return within {seconds:g} s{where}: is there an infinite loop?",
                               timed_out=True) from None
        # the student's error becomes the message, it is not raised
        raise StudentError(f"{who} {_describe_exception(exc)}{where}") from None


def _replaced_interrupt(exc):
    """The KeyboardInterrupt in the chain of exceptions that ``exc`` replaced (its ``__context__``s), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt):
            return exc
        exc = exc.__context__
    return None


def _short_repr(value, limit=80):
    try:
        text = repr(value)
    except Exception:  # a student's object with a broken __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _what(value):
    """How a message shows a returned value: ``the string '0.5'`` for text, the short repr otherwise."""
    return f"the string {_short_repr(value)}" if isinstance(value, (str, bytes)) else _short_repr(value)


def _scalar_of(value):
    """The single entry of a one-element array, list or tuple; the value itself otherwise."""
    if isinstance(value, np.ndarray):
        return value.reshape(()).item() if value.size == 1 else value
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return _scalar_of(value[0])
    return value


def as_number(value, who="your function"):
    """A student's answer as a finite float, by the coercion rule of this module.

    Parameters
    ----------
    value : object
        What the student's function returned.
    who : str
        How messages name the call (``"largest_stable_step(4.0)"``).

    Returns
    -------
    float

    Raises
    ------
    StudentError
        With a message that says what was returned instead of a real number.
    """
    shown = _short_repr(value)
    if value is None:
        raise StudentError(f"{who} returned None: did you forget the return statement?")
    if isinstance(value, np.ndarray) and value.size > 1:
        raise StudentError(f"{who} returned an array of shape {value.shape}, {shown}; expected a single number")
    if isinstance(value, (list, tuple)) and len(value) != 1:
        raise StudentError(f"{who} returned {shown}; expected a single number")
    item = _scalar_of(value)
    if isinstance(item, (bool, np.bool_)):
        raise StudentError(f"{who} returned {shown}, a truth value; expected a number")
    if isinstance(item, (str, bytes)):
        raise StudentError(f"{who} returned the string {shown}; expected a number")
    if isinstance(item, (complex, np.complexfloating)):
        raise StudentError(f"{who} returned the complex number {shown}; expected a real number")
    try:
        if isinstance(item, (numbers.Real, np.integer, np.floating, fractions.Fraction, decimal.Decimal)):
            number = float(item)
        elif getattr(item, "is_number", False):  # SymPy numbers and closed-form constants
            if getattr(item, "is_real", None) is False:
                raise StudentError(f"{who} returned {shown}, which is not a real number")
            number = float(item)
        else:
            raise StudentError(f"{who} returned {shown} ({type(item).__name__}); expected a number")
    except OverflowError:
        raise StudentError(f"{who} returned {shown}, too large for a floating-point number") from None
    except (TypeError, ValueError):
        raise StudentError(f"{who} returned {shown}, which is not a real number") from None
    if not math.isfinite(number):
        raise StudentError(f"{who} returned {number!r}; expected a finite number")
    return number


def as_numbers(value, count, who="your function"):
    """A student's answer of ``count`` numbers as a tuple of floats.

    Parameters
    ----------
    value : object
        What the student's function returned: a tuple, list, 1-D array or other sequence of ``count`` numbers
        (each coerced by :func:`as_number`).
    count : int
        How many numbers are expected.
    who : str
        How messages name the call.

    Returns
    -------
    tuple of float

    Raises
    ------
    StudentError
        If the answer is not a sequence of ``count`` real numbers.
    """
    shown = _short_repr(value)
    if value is None:
        raise StudentError(f"{who} returned None: did you forget the return statement?")
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise StudentError(f"{who} returned an array of shape {value.shape}; expected {count} numbers")
        items = list(value)
    elif isinstance(value, (str, bytes, dict)) or not isinstance(value, Sequence):
        raise StudentError(f"{who} returned {_what(value)}; expected a tuple of {count} numbers (a list or a 1-D "
                           "array will do too)")
    else:
        items = list(value)
    if len(items) != count:
        raise StudentError(f"{who} returned {len(items)} value{'s' if len(items) != 1 else ''}, {shown}; "
                           f"expected {count} numbers")
    return tuple(as_number(item, f"{who} (entry {k} of its answer)") for k, item in enumerate(items))


def as_bool(value, who="your function"):
    """A student's yes/no answer as a bool: ``bool``, ``numpy.bool_`` or a one-element array of them.

    Raises
    ------
    StudentError
        For anything else (a number, None, a string, a longer array).
    """
    item = _scalar_of(value)
    if isinstance(item, (bool, np.bool_)):
        return bool(item)
    if value is None:
        raise StudentError(f"{who} returned None: did you forget the return statement?")
    raise StudentError(f"{who} returned {_what(value)}; expected True or False")


def as_array(value, shape, who="your function"):
    """A student's array answer as a float64 array of the expected shape, by the coercion rule of this module.

    Parameters
    ----------
    value : object
        What the student's function returned: a NumPy array of any real dtype (float32 included), or a list or
        tuple of numbers; for ``shape == (1,)`` a single number (as :func:`as_number` takes it) will do too.
    shape : tuple of int
        The expected shape.
    who : str
        How messages name the call.

    Returns
    -------
    numpy.ndarray
        A new float64 array.

    Raises
    ------
    StudentError
        If the answer is not a finite real array of that shape.

    >>> as_array([1, 2.5], (2,))
    array([1. , 2.5])
    """
    shape = tuple(shape)
    if value is None:
        raise StudentError(f"{who} returned None: did you forget the return statement?")
    if shape == (1,) and not isinstance(value, (np.ndarray, list, tuple)):
        return np.array([as_number(value, who)])
    if isinstance(value, (str, bytes, dict, set)) or not isinstance(value, (np.ndarray, Sequence)):
        raise StudentError(f"{who} returned {_what(value)} ({type(value).__name__}); expected an array of shape "
                           f"{shape}")
    try:
        array = np.array(value)
    except (TypeError, ValueError):
        raise StudentError(f"{who} returned {_short_repr(value)}, which is not an array of numbers") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        if array.dtype.kind == "c":
            raise StudentError(f"{who} returned complex numbers; expected real numbers")
        raise StudentError(f"{who} returned {_short_repr(value)}, which is not an array of numbers")
    if array.dtype.kind == "b":
        raise StudentError(f"{who} returned truth values, {_short_repr(value)}; expected numbers")
    if array.shape != shape:
        raise StudentError(f"{who} returned an array of shape {array.shape}; expected shape {shape}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise StudentError(f"{who} returned {format_number_array(array)}; expected finite numbers")
    return array


def close(value, want, rtol=RTOL, atol=ATOL):
    """Whether an answer equals the expected number under the tolerance policy ``|x − y| ≤ rtol·|y| + atol``."""
    return math.isfinite(value) and abs(value - want) <= rtol * abs(want) + atol


def all_close(values, wants):
    """:func:`close` for every pair of two equally long sequences."""
    return len(values) == len(wants) and all(close(v, w) for v, w in zip(values, wants))


def describe_mismatch(value, want):
    """Both numbers to 12 significant digits, and where they start to differ.

    >>> describe_mismatch(0.9714, 0.9714285714285714)
    'got 0.9714, expected 0.971428571429 (they differ from the 5th significant digit; relative error 2.9e-05)'
    """
    got, expected = f"{value:.12g}", f"{want:.12g}"
    digits = _first_differing_digit(value, want)
    relative = abs(value - want) / abs(want) if want != 0 else abs(value - want)
    kind = "relative" if want != 0 else "absolute"
    where = f"they differ from the {_ordinal(digits)} significant digit; " if digits else ""
    return f"got {got}, expected {expected} ({where}{kind} error {relative:.2g})"


def _first_differing_digit(value, want):
    if value == want or not math.isfinite(value) or want == 0 or np.sign(value) != np.sign(want):
        return None
    a, b = (f"{abs(x):.15e}".replace(".", "").split("e") for x in (value, want))
    if a[1] != b[1]:
        return 1
    for k, (p, q) in enumerate(zip(a[0], b[0]), start=1):
        if p != q:
            return k
    return None


def _ordinal(k):
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def random_cases(draw, seed=None, count=N_RANDOM_CASES):
    """``count`` cases drawn by ``draw(rng)`` from a generator seeded with ``seed`` (:data:`PUBLIC_SEED` if None).

    Parameters
    ----------
    draw : callable
        ``draw(rng) -> tuple``: one case's arguments, from a ``numpy.random.Generator``.
    seed : int, optional
        The seed; a grading run passes a fresh one.
    count : int
        How many cases.

    Returns
    -------
    list of tuple
    """
    rng = np.random.default_rng(PUBLIC_SEED if seed is None else seed)
    return [tuple(float(a) if isinstance(a, (float, np.floating)) else a for a in draw(rng))
            for _ in range(count)]


def format_number_array(array, limit=4):
    """A short display of an array of numbers, ``[1, -2, 0.5]``, or ``[0.1, 0.05, …] (8 numbers)``."""
    flat = np.ravel(array)
    shown = ", ".join(f"{float(v):.6g}" for v in flat[:limit])
    return f"[{shown}]" if flat.size <= limit else f"[{shown}, …] ({flat.size} numbers)"


def _format_float(x):
    """6 significant digits when they are exact, else 12 (so that a shown case can be typed in again)."""
    short = f"{x:.6g}"
    return short if float(short) == x else f"{x:.12g}"


def format_args(args):
    """A case's arguments as they would be typed, ``(0.5, 4.0)`` → ``"0.5, 4"``; arrays shown briefly.

    >>> format_args((0.5, 4.0, 0.9990234375))
    '0.5, 4, 0.9990234375'
    """
    return ", ".join(_format_float(a) if isinstance(a, float) else
                     format_number_array(a) if isinstance(a, np.ndarray) else _short_repr(a) for a in args)


def parameters(signature):
    """The parameter names of a signature string, ``"lam, gamma"`` → ``["lam", "gamma"]``."""
    return [part.strip().split("=")[0].strip() for part in signature.split(",") if part.strip()]


class Answer(NamedTuple):
    """How one kind of answer is read and judged: ``coerce(out, want, who)`` (a :class:`StudentError` for what
    is not an answer), ``agree(value, want)`` (the tolerance policy) and ``describe(value, want)`` (the
    mismatch, with the digits that differ)."""
    coerce: Callable
    agree: Callable
    describe: Callable


def arrays_close(value, want):
    """:func:`close` entry by entry for two arrays of the same shape."""
    value, want = np.asarray(value), np.asarray(want)
    return value.shape == want.shape and all(close(float(v), float(w)) for v, w in zip(value.ravel(), want.ravel()))


def _describe_entries(value, want, shown=2):
    """The first ``shown`` entries that differ, with :func:`describe_mismatch`."""
    wrong = [k for k, (v, w) in enumerate(zip(np.ravel(value), np.ravel(want))) if not close(float(v), float(w))]
    parts = [f"entry {k}: {describe_mismatch(float(np.ravel(value)[k]), float(np.ravel(want)[k]))}"
             for k in wrong[:shown]]
    more = len(wrong) - shown
    return "; ".join(parts) + (f"; and {more} more entr{'y' if more == 1 else 'ies'}" if more > 0 else "")


NUMBER = Answer(lambda out, want, who: as_number(out, who), close, describe_mismatch)
NUMBERS = Answer(lambda out, want, who: as_numbers(out, len(want), who), all_close, _describe_entries)
ARRAY = Answer(lambda out, want, who: as_array(out, np.shape(want), who), arrays_close, _describe_entries)
BOOL = Answer(lambda out, want, who: as_bool(out, who), operator.eq, lambda value, want: f"got {value}, expected {want}")


def answer_kind(want):
    """The :class:`Answer` for a right answer of this type: :data:`BOOL`, :data:`ARRAY`, :data:`NUMBERS` (a
    tuple or list) or :data:`NUMBER`."""
    if isinstance(want, (bool, np.bool_)):
        return BOOL
    if isinstance(want, np.ndarray):
        return ARRAY if want.ndim else NUMBER
    if isinstance(want, (tuple, list)):
        return NUMBERS
    return NUMBER


def evaluate(student_function, cases, names, wants, kind):
    """The student's answers, case by case, and the arguments it changed in place.

    Array arguments are passed as copies, so that the cases stay intact; an argument whose copy differs after
    the call was changed in place.

    Parameters
    ----------
    student_function : callable
    cases : sequence of tuple
    names : sequence of str
        How messages name each call.
    wants : sequence
        The right answers (they fix the shape or count of each answer).
    kind : Answer

    Returns
    -------
    values : list
        The coerced answers.
    mutated : set of int
        The positions of the arguments that some call changed in place.

    Raises
    ------
    StudentError
        At the first case where the function raises, hangs or returns something that is not an answer.
    """
    values, mutated = [], set()
    for case, who, want in zip(cases, names, wants):
        passed = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case)
        out = call(student_function, passed, who)
        values.append(kind.coerce(out, want, who))
        mutated |= {k for k, (a, b) in enumerate(zip(case, passed))
                    if isinstance(a, np.ndarray) and not (isinstance(b, np.ndarray) and b.shape == a.shape
                                                          and np.array_equal(a, b, equal_nan=True))}
    return values, mutated


#: The time limit of each call that tries the student's function with its arguments in another order.
SWAP_TIME_LIMIT_S = 2.0


def other_orders(n):
    """The orders of ``n`` parameters, other than the exercise's, in which a student may have written them:
    every permutation of 2 or 3 parameters, every exchange of two of 4 or more (``order[k]`` is the exercise's
    index of the parameter that the student's k-th parameter stands for)."""
    if n <= 3:
        return [order for order in itertools.permutations(range(n)) if order != tuple(range(n))]
    orders = []
    for i, j in itertools.combinations(range(n), 2):
        order = list(range(n))
        order[i], order[j] = j, i
        orders.append(tuple(order))
    return orders


def _order_message(name, names, order):
    wrote = ", ".join(names[o] for o in order)
    return (f"{name} computes the right answer with its parameters in the order ({wrote}), but it is "
            f"called as {name}({', '.join(names)}): put the parameters of your def line in that order.")


def swapped_arguments(values, cases, reference, agree, name, signature):
    """The message for an answer that is right with the parameters in another order, else ``None``.

    Parameters
    ----------
    values : sequence
        The student's answers, one per case.
    cases : sequence of tuple
        The cases, in the order of ``values``.
    reference : callable
        The right answer, ``reference(*case)``.
    agree : callable
        ``agree(value, want) -> bool``.
    name, signature : str
        The function's name and its parameters as the exercise writes them (``"lam, gamma"``).

    Returns
    -------
    str or None
        ``None`` unless ``signature`` names 2 or more parameters and, for one order ``σ`` of
        :func:`other_orders`, ``values[k] == reference(*σ(cases[k]))`` for every case.
    """
    names = parameters(signature or "")
    if len(names) < 2 or any(len(case) != len(names) for case in cases):
        return None
    for order in other_orders(len(names)):
        # The student wrote def f(names[order[0]], ...): its k-th parameter receives case[k] but is used as
        # the parameter names[order[k]], so it computes reference(*x) with x[order[k]] = case[k].
        def as_student_reads(case, order=order):
            x = [None] * len(case)
            for k, o in enumerate(order):
                x[o] = case[k]
            return tuple(x)

        if all(_predicts(agree, value, reference, as_student_reads(case)) for value, case in zip(values, cases)):
            return _order_message(name, names, order)
    return None


def swapped_call(student_function, cases, wants, kind, name, signature):
    """For a function that fails on the cases: the message if it is right when called in another order.

    A function whose parameters are in another order often cannot even run on the cases (an index into a
    number, say), so :func:`swapped_arguments` never sees an answer. This calls it again, for each order of
    :func:`other_orders`, with the arguments of every case rearranged into that order (each call limited to
    :data:`SWAP_TIME_LIMIT_S`, and an order given up at its first failing case).

    Parameters
    ----------
    student_function : callable
    cases : sequence of tuple
    wants : sequence
        The right answers, one per case.
    kind : Answer
        How answers are read and judged.
    name, signature : str
        The function's name and its parameters as the exercise writes them.

    Returns
    -------
    str or None
        The message naming the order, or ``None`` if no other order gives the right answer on every case.
    """
    names = parameters(signature or "")
    if len(names) < 2 or any(len(case) != len(names) for case in cases):
        return None
    limit = min(SWAP_TIME_LIMIT_S, TIME_LIMIT_S)
    for order in other_orders(len(names)):
        for case, want in zip(cases, wants):
            rearranged = tuple(case[o].copy() if isinstance(case[o], np.ndarray) else case[o] for o in order)
            try:
                out = call(student_function, rearranged, name, time_limit=limit)
                if not kind.agree(kind.coerce(out, want, name), want):
                    break
            except StudentError:
                break
        else:
            return _order_message(name, names, order)
    return None


def _predicts(agree, value, formula, case):
    """Whether ``formula(*case)`` is the answer ``value`` (a formula that fails on the case does not agree)."""
    try:
        with np.errstate(all="ignore"):
            return bool(agree(value, formula(*case)))
    except Exception:  # a formula outside its domain (log of a negative, a shape mismatch, ...) does not agree
        return False


def check_function(student_function, name, cases, reference, mistakes=(), count=None, *, signature=None,
                   accept=(), who=None, answer=None, explain=None):
    """Check a student's function against a reference, case by case.

    Parameters
    ----------
    student_function : callable
        The student's function, called as ``student_function(*case)`` (array arguments as copies).
    name : str
        The function's name in the exercise; messages name a call ``name(1, 20)``.
    cases : sequence of tuple
        The arguments of each case (fixed cases first, then random ones).
    reference : callable
        ``reference(*case)``, the right answer: a number, a bool, a tuple of numbers or an array (its type
        selects the :class:`Answer` unless ``answer`` is given).
    mistakes : sequence of (callable, str)
        Typical mistakes, ``(formula, message)``: the first whose formula reproduces every answer is named.
    count : int, optional
        The number of numbers the function returns (a tuple); None for a single number.
    signature : str, optional
        The parameters as the exercise writes them (``"theta, grad, lr"``): messages then name the parameter
        changed in place, and a function that is right with its parameters in another order is recognised,
        whether it returns wrong answers (:func:`swapped_arguments`) or fails (:func:`swapped_call`).
    accept : sequence of callable
        Other formulas that are right too (an exact variant of a rule, say).
    who : callable, optional
        ``who(case) -> str``, how messages name the call on a case; ``name(args)`` by default.
    answer : Answer, optional
        How answers are read and judged.
    explain : callable, optional
        ``explain(case, value, want) -> str``, a hint appended to the message of a failing case.

    Returns
    -------
    str
        ``"pass"``, or a message naming the mistake, or the first case that fails with the digits that differ.

    Raises
    ------
    StudentError
        When the function raises, hangs or returns something that is not an answer.
    """
    cases = list(cases)
    wants = [reference(*case) for case in cases]
    kind = answer or (NUMBERS if count is not None else answer_kind(wants[0]))
    names = [who(case) if who else f"{name}({format_args(case)})" for case in cases]
    try:
        values, mutated = evaluate(student_function, cases, names, wants, kind)
    except StudentError as error:
        if error.timed_out:
            raise
        message = swapped_call(student_function, cases, wants, kind, name, signature)
        if message is not None:
            return message
        raise
    right = all(kind.agree(value, want) for value, want in zip(values, wants))
    right = right or any(all(_predicts(kind.agree, value, formula, case) for value, case in zip(values, cases))
                         for formula in accept)
    if right:
        if mutated:
            params = parameters(signature or "")
            which = ", ".join(params[k] if k < len(params) else f"argument {k + 1}" for k in sorted(mutated))
            return (f"{name} returns the right values but changes its input {which} in place (with `-=` or "
                    f"`[...] =`, say). Return a new array and leave {which} as it was: a caller that keeps "
                    "its arrays, such as a run that stores every iterate, would see them change.")
        return PASS
    message = known_mistake(values, cases, mistakes, kind.agree)
    if message is not None:
        return message
    message = swapped_arguments(values, cases, reference, kind.agree, name, signature)
    if message is not None:
        return message
    if (isinstance(values[0], (float, bool)) and len(cases) > 1 and all(v == values[0] for v in values)
            and not all(kind.agree(wants[0], want) for want in wants)):
        return (f"{name} returned {values[0]!r} in every case, but the right answer changes from case to case: "
                "compute it from the arguments.")
    index = next(differences(values, wants, lambda a, b: not kind.agree(a, b)))
    message = f"{names[index]}: {kind.describe(values[index], wants[index])}"
    if explain is not None:
        message += explain(cases[index], values[index], wants[index])
    return message


def known_mistake(values, cases, mistakes, agree):
    """The explanation of the first typical mistake that reproduces the student's answer in every case.

    Parameters
    ----------
    values : sequence
        The student's answers, one per case.
    cases : sequence of tuple
        The cases, in the order of ``values``.
    mistakes : sequence of (callable, str)
        ``(formula, message)`` pairs: ``formula(*case)`` is the answer that the mistake gives on ``case``.
    agree : callable
        ``agree(value, predicted) -> bool``: whether an answer is the one a mistake predicts.

    Returns
    -------
    str or None
        The message of the first mistake that agrees on every case (the formulas are evaluated case by case,
        only as far as they agree; a formula that fails on a case does not agree), or ``None`` if none does.
    """
    for formula, message in mistakes:
        if all(_predicts(agree, value, formula, case) for value, case in zip(values, cases)):
            return message
    return None


def differences(values, expected, differ):
    """The indices of the cases where the student's answer differs from the expected one.

    Parameters
    ----------
    values, expected : sequence
        The student's answers and the right ones, one per case.
    differ : callable
        ``differ(value, want) -> bool``: whether an answer is wrong.

    Returns
    -------
    iterator of int
        The indices, in order, computed lazily: ``next(differences(...))`` is the first wrong case (and raises
        ``StopIteration`` if there is none).
    """
    return (index for index, (value, want) in enumerate(zip(values, expected)) if differ(value, want))
