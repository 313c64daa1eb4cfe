"""minimopt's exceptions.

Bad input is a :class:`ValueError` naming the parameter (see :mod:`minimopt._validate`). Divergence — a computation
that started from finite, valid input and produced a non-finite number — is one type everywhere:

.. code-block:: text

    ArithmeticError
     └── FloatingPointError
          └── DivergedError                 minimopt.DivergedError
               ├── raised by Optimizer.step / step_      (an update produced a non-finite parameter)
               └── raised by langevin / kramers / the ensembles built on minimopt._parallel
                                                           (a particle's position or velocity became non-finite)

``minimize`` does not raise it: it stops at the first non-finite iterate or loss and sets ``traj.diverged``.
An invalid *start* (a non-finite x0, or one where the loss or gradient is not finite) is bad input, a
``ValueError`` naming ``x0``, not a divergence. ``DivergedError`` derives from ``FloatingPointError`` so that code
written for minimopt 0.1's ensembles (``except FloatingPointError``) keeps working.
"""

from __future__ import annotations


class DivergedError(FloatingPointError):
    """A computation that started from valid, finite input produced a non-finite number.

    Attributes
    ----------
    step : int or None
        The step at (or, for ensembles checked in chunks, before) which it happened, when known.
    particle : int or None
        For ensembles, the first particle found non-finite.
    """

    def __init__(self, message: str, *, step: int | None = None, particle: int | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.particle = particle
