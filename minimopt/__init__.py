"""minimopt: the optimizers and dynamics of the book *The Dynamics of Optimization*, compiled with numba.

``derive`` (SymPy), ``plot`` (matplotlib) and ``exercises`` are imported on first use, so that ``import minimopt``
stays fast for a script that only runs optimizers. Importing minimopt selects numba's fork-safe TBB threading
layer when TBB is installed (see :mod:`minimopt._parallel`).

Errors: bad input raises ``ValueError`` naming the parameter; a computation that diverges from valid input
raises :class:`DivergedError` (a ``FloatingPointError``), except ``minimize``, which reports ``traj.diverged``.
"""

import importlib

from . import _parallel  # noqa: F401  (first: picks the threading layer before any parallel kernel runs)
from . import problems
from ._errors import DivergedError
from .dynamics import kramers, langevin, stationary_density
from .first_passage import exit_times
from .optimizers import (SGD, Adagrad, Adam, AdamW, EGStepSize, ExponentiatedGradient, HeavyBall, HypergradientSGD,
                         Nesterov, NesterovConvex, OptState, RMSprop)
from .run import Trajectory, minimize

_LAZY_SUBMODULES = ("derive", "exercises", "plot")

__all__ = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "HeavyBall", "Nesterov", "NesterovConvex",
           "ExponentiatedGradient", "EGStepSize", "HypergradientSGD", "OptState", "DivergedError",
           "minimize", "Trajectory", "langevin", "kramers", "stationary_density", "exit_times", "problems",
           *_LAZY_SUBMODULES]
__version__ = "0.2.0"


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
