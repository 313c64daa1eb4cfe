"""Chapter 1, *Gradient descent is Euler's method*: the local and global error of Euler's method,
the midpoint observation and the stability bound.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import gamma, h, theta, theta0, t, T, x, f, L, _check, _is_zero

__all__ = ["euler_local_error", "euler_global_error", "midpoint_difference", "euler_stability"]


class EulerLocalError(NamedTuple):
    exact_step: sp.Eq        # θ(t+γ) = θ + γf + γ²/2 f'f + O(γ³)
    euler_step: sp.Expr      # θ + γ f(θ)
    local_error: sp.Expr     # γ²/2 f'(θ) f(θ): leading term of exact − Euler
    local_error_gd: sp.Expr  # the same for f = −L': γ²/2 L''(θ) L'(θ)
    order: int               # 2: the local error is O(γ²)


@functools.cache
def euler_local_error() -> EulerLocalError:
    r"""Local truncation error of one explicit Euler (= gradient descent) step.

    Gradient descent :math:`\theta_{n+1} = \theta_n - \gamma\nabla L(\theta_n)` is the explicit Euler method
    for the gradient flow :math:`\theta' = -\nabla L(\theta) = f(\theta)`. Along the exact flow, time
    derivatives follow from the chain rule, :math:`\frac{d}{dt}\varphi(\theta(t)) = \varphi'(\theta)f(\theta)`,
    so :math:`\theta'' = f'f` and Taylor's theorem gives

    .. math::

        \theta(t+\gamma) = \theta + \gamma f(\theta) + \frac{\gamma^2}{2} f'(\theta) f(\theta) + O(\gamma^3),
        \qquad
        \theta(t+\gamma) - \bigl(\theta + \gamma f(\theta)\bigr)
        = \frac{\gamma^2}{2} f'(\theta) f(\theta) + O(\gamma^3).

    For gradient descent (:math:`f = -L'`) the local error is :math:`\frac{\gamma^2}{2}L''(\theta)L'(\theta)`.

    Returns
    -------
    EulerLocalError
        ``exact_step`` (``Eq``: the Taylor expansion of the exact flow, with its ``O(γ³)``), ``euler_step``,
        ``local_error`` (the leading term, in the generic ``f``), ``local_error_gd`` (in the generic loss
        ``L``) and ``order`` (= 2).

    References
    ----------
    E. Hairer, S. P. Nørsett, G. Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., Springer 1993,
    Sec. II.2 (local error of one-step methods).
    """
    order_max = 4
    # Time derivatives along the flow: theta^(k) = D^(k-1) f with (D phi)(theta) = phi'(theta) f(theta).
    derivs = [theta, f(theta)]
    for _ in range(order_max - 1):
        derivs.append(sp.expand(sp.diff(derivs[-1], theta) * f(theta)))
    taylor = sum(derivs[k] * gamma**k / sp.factorial(k) for k in range(order_max))
    euler = theta + gamma * f(theta)
    error = sp.expand(taylor - euler)
    _check(error.coeff(gamma, 0) == 0 and error.coeff(gamma, 1) == 0,
           "Euler should match the exact flow to first order")
    leading = sp.expand(error.coeff(gamma, 2)) * gamma**2
    expected = gamma**2 / 2 * sp.diff(f(theta), theta) * f(theta)
    _check(_is_zero(leading - expected), "local error should be gamma^2/2 f' f")
    # Gradient descent: f = -L'.
    fprime = sp.Lambda(x, -sp.diff(L(x), x))
    leading_gd = sp.simplify(leading.subs(f, fprime).doit())
    _check(_is_zero(leading_gd - gamma**2 / 2 * sp.diff(L(theta), theta, 2) * sp.diff(L(theta), theta)),
           "local error of gradient descent should be gamma^2/2 L'' L'")
    exact = sp.Eq(sp.Function("theta")(t + gamma),
                  sum(derivs[k] * gamma**k / sp.factorial(k) for k in range(3)) + sp.O(gamma**3))
    return EulerLocalError(exact, euler, leading, leading_gd, 2)


class EulerGlobalError(NamedTuple):
    iterate: sp.Expr       # θ_n = (1 − γh)^(T/γ) θ₀ with n = T/γ
    exact: sp.Expr         # θ(T) = e^(−hT) θ₀
    error_series: sp.Expr  # θ(T) − θ_n expanded in γ at fixed T, with O(γ³)
    leading_term: sp.Expr  # (h²T/2) e^(−hT) θ₀ γ
    order: int             # 1: the global error is O(γ)


@functools.cache
def euler_global_error() -> EulerGlobalError:
    r"""Global error of gradient descent on the linear test problem :math:`L = h\theta^2/2`.

    Gradient descent gives :math:`\theta_n = (1-\gamma h)^n\theta_0`, the flow :math:`\theta' = -h\theta` gives
    :math:`\theta(T) = e^{-hT}\theta_0`. With :math:`n = T/\gamma` and
    :math:`(1-\gamma h)^{T/\gamma} = \exp\bigl(\tfrac{T}{\gamma}\log(1-\gamma h)\bigr)`, expanding in
    :math:`\gamma` at fixed :math:`T`:

    .. math::

        \theta(T) - \theta_n = \frac{h^2 T}{2} e^{-hT}\theta_0\,\gamma + O(\gamma^2),

    so the local errors :math:`O(\gamma^2)` accumulate over :math:`T/\gamma` steps into a global error
    :math:`O(\gamma)`.

    Returns
    -------
    EulerGlobalError
        ``iterate`` (θ_n as a function of γ and T), ``exact``, ``error_series`` (to ``O(γ³)``),
        ``leading_term`` and ``order`` (= 1).

    References
    ----------
    Hairer, Nørsett, Wanner, *Solving ODEs I*, Sec. II.3 (convergence of one-step methods); the linear test
    equation is Dahlquist's.
    """
    iterate = theta0 * sp.exp(T / gamma * sp.log(1 - gamma * h))
    exact = theta0 * sp.exp(-h * T)
    series = sp.series(exact - iterate, gamma, 0, 3)
    poly = sp.expand(series.removeO())
    _check(_is_zero(poly.coeff(gamma, 0)), "the global error should vanish as gamma -> 0")
    leading = sp.factor(poly.coeff(gamma, 1)) * gamma
    expected = h**2 * T / 2 * sp.exp(-h * T) * theta0 * gamma
    _check(_is_zero(leading - expected), "the global error should be (h^2 T/2) e^(-hT) theta0 gamma")
    # The same limit without series: (error/gamma) -> h^2 T e^(-hT) theta0 / 2.
    _check(_is_zero(sp.limit((exact - iterate) / gamma, gamma, 0) - expected / gamma),
           "limit of error/gamma disagrees with the series")
    return EulerGlobalError(iterate, exact, series, expected, 1)


class MidpointDifference(NamedTuple):
    statement: sp.Eq        # (θ(τ+γ/2) − θ(τ−γ/2))/γ = θ'(τ) + γ²/24 θ'''(τ) + O(γ⁴)
    coefficient: sp.Rational  # 1/24
    error: sp.Expr          # γ²/24 θ'''(τ) + γ⁴/1920 θ⁽⁵⁾(τ) + O(γ⁶)
    left_point_error: sp.Expr  # difference − θ'(t) = γ/2 θ''(t) + O(γ²), the first-order reading


@functools.cache
def midpoint_difference() -> MidpointDifference:
    r"""The forward difference is a second-order derivative at the midpoint.

    For a smooth trajectory :math:`\theta(t)` and the midpoint :math:`\tau = t + \gamma/2`, Taylor expansion
    about :math:`\tau` of :math:`\theta(\tau \pm \gamma/2)` cancels the even terms:

    .. math::

        \frac{\theta(t+\gamma) - \theta(t)}{\gamma} = \theta'(\tau) + \frac{\gamma^2}{24}\theta'''(\tau)
        + O(\gamma^4), \qquad \tau = t + \frac{\gamma}{2},

    whereas read as the derivative at the left point it is only first order,
    :math:`\theta'(t) + \frac{\gamma}{2}\theta''(t) + O(\gamma^2)`. So gradient descent's
    :math:`(\theta_{n+1} - \theta_n)/\gamma` is the flow's velocity at :math:`n + \tfrac12` to :math:`O(\gamma^2)`.

    Returns
    -------
    MidpointDifference
        ``statement`` (``Eq`` in the generic function ``theta`` and the midpoint ``tau``), ``coefficient``
        (1/24), ``error`` (the expansion of difference − θ'(τ)) and ``left_point_error``.

    References
    ----------
    Standard central-difference analysis, e.g. R. J. LeVeque, *Finite Difference Methods for Ordinary and
    Partial Differential Equations*, SIAM 2007, Sec. 1.1.
    """
    th = sp.Function("theta")
    tau = sp.Symbol("tau", real=True)
    order = 7
    plus = th(tau + gamma / 2).series(gamma, 0, order).removeO().doit()
    minus = th(tau - gamma / 2).series(gamma, 0, order).removeO().doit()
    diff_quot = sp.expand((plus - minus) / gamma)   # exact up to O(gamma^6)
    d = [sp.diff(th(tau), tau, k) for k in range(6)]
    error = sp.expand(diff_quot - d[1])
    coeff = sp.simplify(error.coeff(gamma, 2) / d[3])
    _check(coeff == sp.Rational(1, 24), "the gamma^2 coefficient should be theta'''/24")
    _check(error.coeff(gamma, 0) == 0 and error.coeff(gamma, 1) == 0 and error.coeff(gamma, 3) == 0,
           "no even-order derivatives should survive")
    _check(_is_zero(error.coeff(gamma, 4) - d[5] / 1920), "the gamma^4 coefficient should be theta^(5)/1920")
    # Read as the derivative at the left point t:
    left = sp.expand((th(t + gamma).series(gamma, 0, 3).removeO().doit() - th(t)) / gamma
                     - sp.diff(th(t), t))
    _check(_is_zero(left - gamma / 2 * sp.diff(th(t), t, 2)), "left-point reading should be first order")
    statement = sp.Eq((th(tau + gamma / 2) - th(tau - gamma / 2)) / gamma,
                      d[1] + coeff * gamma**2 * d[3] + sp.O(gamma**4))
    return MidpointDifference(statement, coeff, error + sp.O(gamma**6), left + sp.O(gamma**2))


class EulerStability(NamedTuple):
    factor: sp.Expr            # 1 − γh: θ_{n+1} = (1 − γh) θ_n
    stable: sp.Interval        # values of γh with |1 − γh| < 1: (0, 2)
    oscillating: sp.Interval   # values of γh in the stable set with 1 − γh < 0: (1, 2)
    monotone: sp.Interval      # values of γh in the stable set with 1 − γh ≥ 0: (0, 1]
    step_bound: sp.Expr        # 2/h: stable iff 0 < γ < 2/h


@functools.cache
def euler_stability() -> EulerStability:
    r"""Stability of gradient descent on :math:`L = h\theta^2/2`.

    Each step multiplies by :math:`1 - \gamma h`, so the iterates decay iff

    .. math::

        |1 - \gamma h| < 1 \iff 0 < \gamma h < 2 \iff \gamma < 2/h,

    and they alternate in sign (oscillate) when :math:`1 < \gamma h < 2`. The inequalities are solved with
    ``sympy.solve_univariate_inequality`` in the variable :math:`\gamma h`.

    Returns
    -------
    EulerStability
        ``factor``, the intervals of :math:`\gamma h` ``stable``, ``oscillating``, ``monotone``, and
        ``step_bound`` (= 2/h).

    References
    ----------
    Dahlquist's test equation; Hairer & Wanner, *Solving ODEs II*, Sec. IV.2 (stability function of explicit
    Euler, :math:`R(z) = 1 + z`).
    """
    z = sp.Symbol("z", real=True)  # z = gamma*h
    factor = 1 - gamma * h
    rz = factor.subs(gamma, z / h)
    stable = sp.solve_univariate_inequality(sp.Abs(rz) < 1, z, relational=False)
    _check(stable == sp.Interval.open(0, 2), "stability interval should be 0 < gamma h < 2")
    negative = sp.solve_univariate_inequality(rz < 0, z, relational=False)
    oscillating = sp.Intersection(stable, negative)
    monotone = sp.Complement(stable, negative)
    _check(oscillating == sp.Interval.open(1, 2), "oscillation interval should be 1 < gamma h < 2")
    _check(monotone == sp.Interval.Lopen(0, 1), "monotone interval should be 0 < gamma h <= 1")
    cond = sp.solve_univariate_inequality(sp.Abs(factor) < 1, gamma, relational=False)
    bound = cond.sup
    _check(cond == sp.Interval.open(0, 2 / h) and _is_zero(bound - 2 / h), "step bound should be 2/h")
    return EulerStability(factor, stable, oscillating, monotone, bound)
