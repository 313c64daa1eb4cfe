"""minimopt: the optimizers and dynamics of the book *The Dynamics of Optimization*, compiled with numba."""

from . import derive, exercises, plot, problems
from .dynamics import kramers, langevin, stationary_density
from .optimizers import (SGD, Adagrad, Adam, AdamW, DivergedError, EGStepSize, ExponentiatedGradient, HeavyBall,
                         HypergradientSGD, Nesterov, OptState, RMSprop)
from .run import Trajectory, minimize

__all__ = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "HeavyBall", "Nesterov", "ExponentiatedGradient",
           "EGStepSize", "HypergradientSGD", "OptState", "DivergedError", "minimize", "Trajectory", "langevin",
           "kramers", "stationary_density", "problems", "derive", "exercises", "plot"]
__version__ = "0.1.0"
