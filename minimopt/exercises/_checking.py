"""Helpers shared by the coursework checkers (not collected into ``minimopt.exercises``: no ``__all__``).

A checker calls the student's function through :func:`call`; when the function raises, or returns something the
checker cannot use, a :class:`StudentError` carries the message, and :func:`returns_student_errors` turns it into
the checker's return value. :func:`known_mistake` names a typical mistake that reproduces the student's answers,
and :func:`differences` finds the cases where an answer is wrong.
"""

import functools

PASS = "pass"


class StudentError(Exception):
    """The student's function could not be evaluated on a case; the message says why."""


def returns_student_errors(checker):
    """Make a checker return the message of a :class:`StudentError` raised inside it, instead of raising it.

    Parameters
    ----------
    checker : callable
        A checker, ``checker(student_function) -> str``.

    Returns
    -------
    callable
        The checker, with the same name, docstring and signature; where it raises a ``StudentError`` it returns
        ``str(error)``.
    """
    @functools.wraps(checker)
    def checked(*args, **kwargs):
        try:
            return checker(*args, **kwargs)
        except StudentError as exc:
            return str(exc)

    return checked


def call(function, args, who, where=""):
    """Call the student's function on one case.

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

    Returns
    -------
    object
        What ``function(*args)`` returned.

    Raises
    ------
    StudentError
        If the function raised: the message is ``f"{who} raised {type(exc).__name__}: {exc}{where}"``.
    """
    try:
        return function(*args)
    except Exception as exc:  # the student's error becomes the message, it is not raised
        raise StudentError(f"{who} raised {type(exc).__name__}: {exc}{where}") from None


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
        only as far as they agree), or ``None`` if none does.
    """
    for formula, message in mistakes:
        if all(agree(value, formula(*case)) for value, case in zip(values, cases)):
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
