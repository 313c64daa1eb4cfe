"""Chapter 2, *SGD is a stochastic differential equation*: the stationary Fokker–Planck density.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import sigma, t, x, L, _check, _is_zero

__all__ = ["fokker_planck_stationary"]


class FokkerPlanckStationary(NamedTuple):
    equation: sp.Eq          # ∂p/∂t = ∂ₓ(L′p) + (σ²/2)∂ₓ²p
    density: sp.Expr         # exp(−2L(x)/σ²) (unnormalised)
    current: sp.Expr         # J = −L′p − (σ²/2)p′ for that density: 0
    temperature: sp.Expr     # σ²/2: the density is exp(−L/T) with T = σ²/2
    popular_density: sp.Expr  # exp(−L(x)/σ²)
    popular_current: sp.Expr  # −L′(x) exp(−L/σ²)/2 ≠ 0: not stationary for noise σ
    popular_noise: sp.Expr    # √2·σ: the noise amplitude for which exp(−L/σ²) is stationary


@functools.cache
def fokker_planck_stationary() -> FokkerPlanckStationary:
    r"""Stationary density of :math:`dX = -L'(X)\,dt + \sigma\,dW` (overdamped Langevin, the SDE model of SGD).

    The Fokker–Planck equation is

    .. math::

        \frac{\partial p}{\partial t} = \partial_x(L' p) + \frac{\sigma^2}{2}\partial_x^2 p = -\partial_x J,
        \qquad J = -L'p - \frac{\sigma^2}{2}p'.

    For a generic :math:`L` the current of :math:`p \propto e^{-2L/\sigma^2}` vanishes identically, so it is
    stationary: a Gibbs density :math:`e^{-L/T}` at temperature :math:`T = \sigma^2/2`. The popular
    :math:`e^{-L/\sigma^2}` has current :math:`-\tfrac12 L' e^{-L/\sigma^2} \neq 0`; it is stationary only for
    noise amplitude :math:`\sigma\sqrt2` (in general: :math:`e^{-L/T}` is stationary for noise
    :math:`\sqrt{2T}`).

    Returns
    -------
    FokkerPlanckStationary
        ``equation`` (for ``p(x, t)``), ``density``, ``current`` (= 0), ``temperature``,
        ``popular_density``, ``popular_current`` and ``popular_noise``.

    References
    ----------
    C. Gardiner, *Stochastic Methods*, 4th ed., Springer 2009, Sec. 5.3 and 6.5; H. Risken, *The Fokker–Planck
    Equation*, 2nd ed., Springer 1989, Sec. 5.1.
    """
    P = sp.Function("p")
    Lp = sp.diff(L(x), x)
    equation = sp.Eq(sp.diff(P(x, t), t),
                     sp.diff(Lp * P(x, t), x) + sigma**2 / 2 * sp.diff(P(x, t), x, 2))

    def current(p, s=sigma):
        return -Lp * p - s**2 / 2 * sp.diff(p, x)

    def rhs(p, s=sigma):
        return sp.diff(Lp * p, x) + s**2 / 2 * sp.diff(p, x, 2)

    # The right-hand side is minus the divergence of the current, for any p.
    q = sp.Function("q")(x)
    _check(_is_zero(rhs(q) + sp.diff(current(q), x)), "Fokker-Planck right side should be -dJ/dx")
    density = sp.exp(-2 * L(x) / sigma**2)
    J = sp.simplify(current(density))
    _check(J == 0, "the current of exp(-2L/sigma^2) should vanish")
    _check(_is_zero(rhs(density)), "exp(-2L/sigma^2) should be stationary")
    # Derive the exponent: p = exp(-c L) has zero current for all L iff c = 2/sigma^2.
    c = sp.Symbol("c")
    cs = sp.solve(sp.simplify(current(sp.exp(-c * L(x))) / (Lp * sp.exp(-c * L(x)))), c)
    _check(cs == [2 / sigma**2], "zero current iff c = 2/sigma^2")
    popular = sp.exp(-L(x) / sigma**2)
    Jpop = sp.simplify(current(popular))
    _check(_is_zero(Jpop + Lp * popular / 2), "current of exp(-L/sigma^2) should be -L' p/2")
    _check(not _is_zero(rhs(popular).subs(L(x), x**4).doit()), "exp(-L/sigma^2) is not stationary (x^4 example)")
    noise = sp.sqrt(2) * sigma
    _check(_is_zero(current(popular, noise)), "exp(-L/sigma^2) is stationary for noise sqrt(2) sigma")
    Tt = sp.Symbol("T", positive=True)
    _check(_is_zero(current(sp.exp(-L(x) / Tt), sp.sqrt(2 * Tt))), "exp(-L/T) stationary for noise sqrt(2T)")
    return FokkerPlanckStationary(equation, density, J, sigma**2 / 2, popular, Jpop, noise)
