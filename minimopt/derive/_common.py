"""Shared SymPy symbols and the self-check helpers of :mod:`minimopt.derive` (no ``__all__``: internal).

Every chapter module of ``minimopt.derive`` builds on these symbols, so that a result derived in one chapter can
be substituted into another, and ``minimopt.derive.<symbol>`` is the same object everywhere.
"""

from __future__ import annotations

import sympy as sp

# ---------------------------------------------------------------------------------------------------------
# Shared symbols
# ---------------------------------------------------------------------------------------------------------
gamma = sp.Symbol("gamma", positive=True)
h = sp.Symbol("h", positive=True)
lam = sp.Symbol("lambda", positive=True)
alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", real=True)
sigma = sp.Symbol("sigma", positive=True)
theta = sp.Symbol("theta", real=True)
theta0 = sp.Symbol("theta_0", real=True)
t = sp.Symbol("t", real=True)
T = sp.Symbol("T", positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
r = sp.Symbol("r", positive=True)
mu = sp.Symbol("mu", positive=True)            # PyTorch's momentum (torch.optim.SGD(momentum=mu))
h_min = sp.Symbol("h_min", positive=True)      # smallest curvature of a quadratic (heavy-ball tuning)
h_max = sp.Symbol("h_max", positive=True)      # largest curvature of a quadratic (heavy-ball tuning)
kappa = sp.Symbol("kappa", positive=True)      # condition number h_max/h_min
lr = sp.Symbol("lr", positive=True)
x = sp.Symbol("x", real=True)
v = sp.Symbol("v", real=True)
f = sp.Function("f")
L = sp.Function("L")
beta1 = sp.Symbol("beta_1", positive=True)
beta2 = sp.Symbol("beta_2", positive=True)
g_mean = sp.Symbol(r"\mathbb{E}[g]", real=True)
g2_mean = sp.Symbol(r"\mathbb{E}[g^2]", positive=True)
t_step = sp.Symbol("t", integer=True, positive=True)


def _check(condition, message):
    """Raise ``AssertionError(message)`` unless ``condition`` is true (not stripped by ``python -O``)."""
    if not (condition is True or condition is sp.true):
        raise AssertionError("minimopt.derive: " + message)


def _is_zero(expr):
    """True when ``expr`` simplifies to zero (SymPy ``Matrix`` or scalar)."""
    if isinstance(expr, sp.MatrixBase):
        return all(_is_zero(e) for e in expr)
    expr = sp.sympify(expr)
    if expr == 0 or sp.cancel(sp.expand(expr)) == 0:  # cheap, and enough for rational expressions
        return True
    return sp.simplify(expr) == 0
