"""Chapter 6, *The intrinsic learning rate*: scale invariance, the norm's recursion under SGD with weight decay,
its equilibrium and angular speed, the growth of the norm without decay, the exponential learning-rate schedule
that weight decay is equivalent to, and the symmetry that leaves only the product ηλ.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import _check, _is_zero, lam

__all__ = ["scale_invariance", "scale_invariance_hessian", "norm_recursion", "norm_equilibrium", "angular_update",
           "norm_growth_without_decay", "exponential_lr_equivalence", "intrinsic_lr_invariance"]

# Symbols of this chapter (lam, λ, is the weight decay here).
eta = sp.Symbol("eta", positive=True)            # learning rate η
s = sp.Symbol("s", positive=True)                # noise per gradient coordinate
d = sp.Symbol("d", integer=True, positive=True)  # dimension
X = sp.Symbol(r"\|w\|^2", positive=True)       # squared norm
X0 = sp.Symbol(r"\|w_0\|^2", positive=True)
G2 = sp.Symbol(r"\|g\|^2", positive=True)      # squared gradient norm (constant-gradient model)
C = sp.Symbol("C", positive=True)                # ‖w‖‖g‖, constant for a scale-invariant gradient
C2 = C**2
GL2 = sp.Symbol(r"\|\nabla L\|^2", positive=True)
WXI = sp.Symbol(r"w\cdot\xi", real=True)
a = sp.Symbol("a", positive=True)                # rescaling of the weights
k = sp.Symbol("k", integer=True, nonnegative=True)   # step index
tau = sp.Symbol("tau", positive=True)


class ScaleInvariance(NamedTuple):
    euler_identity: sp.Eq    # d/dc L(cw)|_{c=1} = w·∇L(w): so L(cw) = L(w) ⇒ w·∇L = 0
    chain_identity: sp.Eq    # ∂/∂w L(cw) = c (∇L)(cw): so L(cw) = L(w) ⇒ ∇L(cw) = ∇L(w)/c
    loss: sp.Expr            # ½ wᵀHw / wᵀw with symbolic symmetric 3×3 H
    grad: sp.Matrix          # its gradient (Hw − 2L w)/wᵀw
    orthogonality: sp.Expr   # w·∇L(w) for that loss: 0
    homogeneity: sp.Matrix   # ∇L(cw) − ∇L(w)/c for that loss: zero vector
    norm_growth: sp.Eq       # |w − η∇L|² − |w|² = η²|∇L|²: gradient steps never shrink the norm
    effective_lr: sp.Expr    # η/c²: a step on w = c·u is a step on u with learning rate η/c²


@functools.cache
def scale_invariance() -> ScaleInvariance:
    r"""Gradient of a scale-invariant loss: orthogonal to :math:`w` and homogeneous of degree :math:`-1`.

    If :math:`L(cw) = L(w)` for all :math:`c > 0`, differentiating in :math:`c` at :math:`c = 1` and in
    :math:`w` gives

    .. math::

        w\cdot\nabla L(w) = 0, \qquad \nabla L(cw) = \frac{1}{c}\nabla L(w).

    Both are checked (i) for a generic scale-invariant function of three variables,
    :math:`L(w) = F(w/\|w\|)` with an undefined :math:`F` (every scale-invariant :math:`L` has this form),
    and (ii) on minimopt's model :math:`L(w) = \tfrac12 w^\top Hw / w^\top w` with a symbolic symmetric
    :math:`3\times3` :math:`H`. Consequences: a gradient step never shrinks the norm,
    :math:`\|w - \eta\nabla L\|^2 = \|w\|^2 + \eta^2\|\nabla L\|^2`, and a step on :math:`w = c\,u` moves the
    direction :math:`u` like a step with learning rate :math:`\eta/c^2`.

    Returns
    -------
    ScaleInvariance
        ``euler_identity``, ``chain_identity`` (generic), ``loss``, ``grad``, ``orthogonality`` (= 0),
        ``homogeneity`` (zero vector) for the model (symbols ``w_1..w_3``, ``H_ij``), ``norm_growth`` and
        ``effective_lr`` (in ``eta``, ``c``).

    References
    ----------
    T. van Laarhoven, "L2 regularization versus batch and weight normalization", arXiv:1706.05350 (2017);
    Z. Li, S. Arora, "An exponential learning rate schedule for deep learning", ICLR 2020.
    """
    c = sp.Symbol("c", positive=True)
    eta = sp.Symbol("eta", positive=True)
    w = sp.Matrix(sp.symbols("w_1:4", real=True))
    # (i) Generic identities (before using invariance).
    G = sp.Function("L")
    Lcw = G(*(c * w))
    grad_generic = sp.Matrix([sp.diff(G(*w), wi) for wi in w])
    d_dc = sp.diff(Lcw, c).subs(c, 1).doit()
    _check(_is_zero(d_dc - (w.T * grad_generic)[0]), "d/dc L(cw) at c = 1 should be w . grad L")
    euler_identity = sp.Eq(sp.Subs(sp.Derivative(Lcw, c), c, 1), (w.T * grad_generic)[0])
    chain = sp.Matrix([sp.diff(Lcw, wi) for wi in w])
    u = sp.symbols("u_1:4", real=True)
    grad_at_cw = sp.Matrix([sp.diff(G(*u), ui) for ui in u]).subs(dict(zip(u, c * w)), simultaneous=True)
    _check(_is_zero((chain - c * grad_at_cw).doit()), "d/dw L(cw) should be c (grad L)(cw)")
    chain_identity = sp.Eq(sp.Derivative(Lcw, w[0]), c * sp.Subs(sp.Derivative(G(*u), u[0]), u, tuple(c * w)))
    _check(_is_zero((chain_identity.lhs - chain_identity.rhs).doit()), "displayed chain identity")
    # A generic scale-invariant function F(w/|w|).
    F = sp.Function("F")
    norm = sp.sqrt((w.T * w)[0])
    Lsi = F(*(w / norm))
    _check(_is_zero(Lsi.subs({wi: c * wi for wi in w}, simultaneous=True) - Lsi), "F(w/|w|) is scale invariant")
    gsi = sp.Matrix([sp.diff(Lsi, wi) for wi in w])
    _check(_is_zero(sp.expand((w.T * gsi)[0])), "w . grad F(w/|w|) should vanish")
    gsi_cw = gsi.subs({wi: c * wi for wi in w}, simultaneous=True)
    _check(_is_zero(gsi_cw - gsi / c), "grad F(cw/|cw|) should be grad/c")
    # (ii) minimopt's normalised quadratic (Rayleigh quotient).
    Hs = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"H_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    loss = (w.T * Hs * w)[0] / (2 * (w.T * w)[0])
    grad = sp.Matrix([sp.cancel(sp.diff(loss, wi)) for wi in w])
    _check(_is_zero(grad - (Hs * w - 2 * loss * w) / (w.T * w)[0]), "gradient of the Rayleigh quotient")
    ortho = sp.cancel((w.T * grad)[0])
    _check(ortho == 0, "w . grad L should be 0 for the normalised quadratic")
    homog = (grad.subs({wi: c * wi for wi in w}, simultaneous=True) - grad / c).applyfunc(sp.cancel)
    _check(homog == sp.zeros(3, 1), "grad L(cw) should be grad L(w)/c for the normalised quadratic")
    # Consequences, with the orthogonality used: w . g = 0.
    gv = sp.Matrix(sp.symbols("g_1:4", real=True))
    growth = sp.expand(((w - eta * gv).T * (w - eta * gv))[0] - (w.T * w)[0])
    growth_orth = growth.subs(gv[2], -(w[0] * gv[0] + w[1] * gv[1]) / w[2])
    _check(_is_zero(growth_orth - (eta**2 * (gv.T * gv)[0]).subs(gv[2], -(w[0] * gv[0] + w[1] * gv[1]) / w[2])),
           "norm growth eta^2 |g|^2")
    ww, gg = sp.symbols(r"\|w\|^2 \|\nabla{L}\|^2", positive=True)
    norm_growth = sp.Eq(sp.Symbol(r"\|w - \eta\nabla L\|^2") - ww, eta**2 * gg)
    # Effective learning rate on the direction u = w/c: (w - eta grad L(w))/c = u - (eta/c^2) grad L(u).
    uu = sp.Matrix(u)
    grad_u = grad.subs(dict(zip(w, uu)), simultaneous=True)
    step_w = (c * uu - eta * grad.subs({wi: c * ui for wi, ui in zip(w, uu)}, simultaneous=True)) / c
    _check(_is_zero((step_w - (uu - eta / c**2 * grad_u)).applyfunc(sp.cancel)), "effective rate eta/c^2")
    return ScaleInvariance(euler_identity, chain_identity, loss, sp.ImmutableMatrix(grad), ortho,
                           sp.ImmutableMatrix(homog), norm_growth, eta / c**2)


def _vec(name, n=3):
    return sp.Matrix(sp.symbols(f"{name}_1:{n + 1}", real=True))


def _dot(p, q):
    return sp.expand((p.T * q)[0])


def _rayleigh_gradient(w):
    """The gradient of ½ wᵀHw / wᵀw (symbolic symmetric H of the size of w), from :func:`scale_invariance`."""
    return scale_invariance().grad.subs(dict(zip(sp.symbols("w_1:4", real=True), w)), simultaneous=True)


class ScaleInvarianceHessian(NamedTuple):
    hessian: sp.Matrix        # ∇²L(w) of ½ wᵀHw / wᵀw: (H − 2L I − 2(∇L wᵀ + w ∇Lᵀ))/wᵀw
    homogeneity: sp.Matrix    # ∇²L(cw) − ∇²L(w)/c²: zero matrix
    radial: sp.Matrix         # ∇²L(w) w + ∇L(w): zero vector (differentiate w·∇L = 0)


def _is_zero_rational(expr):
    """Zero test for rational expressions: the expanded numerator of the combined fraction (fast)."""
    return sp.expand(sp.numer(sp.together(expr))) == 0


@functools.cache
def scale_invariance_hessian() -> ScaleInvarianceHessian:
    r"""The Hessian of a scale-invariant loss is homogeneous of degree −2, and :math:`\nabla^2L(w)\,w = -\nabla L(w)`.

    Differentiating :math:`\nabla L(cw) = \nabla L(w)/c` once more in :math:`w` gives
    :math:`c\,\nabla^2L(cw) = \nabla^2L(w)/c`, i.e. :math:`\nabla^2L(cw) = \nabla^2L(w)/c^2`: the curvature
    seen by a step falls like :math:`1/\|w\|^2`, the same factor as the effective learning rate
    :math:`\eta/\|w\|^2` of :func:`scale_invariance`. Differentiating :math:`w\cdot\nabla L(w) = 0` gives
    :math:`\nabla^2L(w)\,w + \nabla L(w) = 0`. For :math:`L = \tfrac12 w^\top Hw/w^\top w` the Hessian is

    .. math:: \nabla^2 L(w) = \frac{H - 2L(w)\,I - 2(\nabla L\, w^\top + w\,\nabla L^\top)}{w^\top w},

    checked against SymPy's Hessian for a symbolic symmetric 3×3 H, and both identities are checked on it.

    Returns
    -------
    ScaleInvarianceHessian

    References
    ----------
    T. van Laarhoven, "L2 regularization versus batch and weight normalization", arXiv:1706.05350 (2017).
    """
    c = sp.Symbol("c", positive=True)
    base = scale_invariance()
    w = sp.Matrix(sp.symbols("w_1:4", real=True))
    Hs = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"H_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    nn = (w.T * w)[0]
    grad = sp.Matrix(base.grad)
    closed = (Hs - 2 * base.loss * sp.eye(3) - 2 * (grad * w.T + w * grad.T)) / nn
    direct = sp.hessian(base.loss, list(w))
    _check(all(_is_zero_rational(e) for e in direct - closed), "closed form of the Hessian")
    homog = closed.subs({wi: c * wi for wi in w}, simultaneous=True) - closed / c**2
    _check(all(_is_zero_rational(e) for e in homog), "Hessian should be homogeneous of degree -2")
    radial = closed * w + grad
    _check(all(_is_zero_rational(e) for e in radial), "H(w) w should be -grad L(w)")
    return ScaleInvarianceHessian(sp.ImmutableMatrix(closed), sp.ImmutableMatrix(3, 3, [0] * 9),
                                  sp.ImmutableMatrix(3, 1, [0] * 3))


class NormRecursion(NamedTuple):
    step: sp.Eq          # w' = (1 − ηλ) w − η g   (torch's SGD with weight_decay λ: g + λw)
    exact: sp.Eq         # ‖w'‖² = (1−ηλ)²‖w‖² − 2η(1−ηλ) w·g + η²‖g‖², any g
    orthogonal: sp.Eq    # ‖w'‖² = (1−ηλ)²‖w‖² + η²‖g‖² when w·g = 0
    noisy: sp.Eq         # g = ∇L + sξ (∇L ⊥ w): ‖w'‖² = (1−ηλ)²‖w‖² − 2η(1−ηλ)s w·ξ + η²‖∇L + sξ‖²
    noisy_mean: sp.Eq    # E over ξ ~ N(0, I_d): (1−ηλ)²‖w‖² + η²(‖∇L‖² + d s²)
    tangential_share: sp.Expr   # E‖g_⊥‖² / E‖g‖² = (‖∇L‖² + (d−1)s²)/(‖∇L‖² + d s²)


@functools.cache
def norm_recursion() -> NormRecursion:
    r"""The squared norm under SGD with weight decay: exact, with :math:`g\perp w`, and with isotropic noise.

    SGD with weight decay (torch's convention: the gradient becomes :math:`g + \lambda w`) is
    :math:`w_{t+1} = (1-\eta\lambda)w_t - \eta g_t`, so, for any :math:`g_t`,

    .. math::

        \|w_{t+1}\|^2 = (1-\eta\lambda)^2\|w_t\|^2 - 2\eta(1-\eta\lambda)\,w_t\cdot g_t + \eta^2\|g_t\|^2 .

    For a scale-invariant loss :math:`w\cdot\nabla L = 0` and the middle term vanishes:
    :math:`\|w_{t+1}\|^2 = (1-\eta\lambda)^2\|w_t\|^2 + \eta^2\|g_t\|^2` (Li, Lyu & Arora 2020; van Laarhoven
    2017). minimopt's ``noise=s`` adds :math:`s\xi`, :math:`\xi \sim N(0, I_d)`, to every coordinate, which is
    *not* orthogonal to :math:`w`: the middle term becomes :math:`-2\eta(1-\eta\lambda)s\,w\cdot\xi`, zero in the
    mean but not step by step, and the mean recursion is
    :math:`(1-\eta\lambda)^2\|w\|^2 + \eta^2(\|\nabla L\|^2 + d s^2)`. Only the tangential part of the noise,
    :math:`(d-1)s^2` of the :math:`d s^2`, turns the direction. The expectation is checked in three dimensions
    (moments :math:`E\xi_i = 0`, :math:`E\xi_i\xi_j = \delta_{ij}`) and stated for general :math:`d`.

    Returns
    -------
    NormRecursion

    References
    ----------
    Z. Li, K. Lyu, S. Arora, "Reconciling modern deep learning with traditional optimization analyses: the
    intrinsic learning rate", NeurIPS 2020; T. van Laarhoven, arXiv:1706.05350 (2017).
    """
    w, g, xi, gl = _vec("w"), _vec("g"), _vec("xi"), _vec("G")
    q = 1 - eta * lam
    new = q * w - eta * g
    lhs = _dot(new, new)
    rhs = q**2 * _dot(w, w) - 2 * eta * q * _dot(w, g) + eta**2 * _dot(g, g)
    _check(_is_zero(lhs - rhs), "exact norm recursion")
    # Orthogonal g: eliminate g_3 by w.g = 0.
    g3 = sp.solve(sp.Eq(_dot(w, g), 0), g[2])[0]
    _check(_is_zero((lhs - q**2 * _dot(w, w) - eta**2 * _dot(g, g)).subs(g[2], g3)), "orthogonal recursion")
    # Noise: g = G + s xi with G . w = 0 (G_3 eliminated).
    G3 = sp.solve(sp.Eq(_dot(w, gl), 0), gl[2])[0]
    gn = gl + s * xi
    newn = q * w - eta * gn
    nn = sp.expand(_dot(newn, newn).subs(gl[2], G3))
    noisy_rhs = q**2 * _dot(w, w) - 2 * eta * q * s * _dot(w, xi) + eta**2 * _dot(gn, gn)
    _check(_is_zero(nn - sp.expand(noisy_rhs.subs(gl[2], G3))), "noisy exact recursion")
    # Expectation over xi: replace monomials by Gaussian moments (degree <= 2 here).
    poly = sp.Poly(nn, *xi)
    mean = 0
    for monom, coeff in poly.terms():
        if sum(monom) == 0:
            mean += coeff
        elif sorted(monom) == [0, 0, 2]:
            mean += coeff
        # odd moments and xi_i xi_j (i != j) average to zero
    want = q**2 * _dot(w, w) + eta**2 * (_dot(gl, gl) + 3 * s**2)
    _check(_is_zero(mean - sp.expand(want.subs(gl[2], G3))), "mean of the noisy recursion (d = 3)")
    # Tangential share of the noise: E|s xi - (s xi . u)u|^2 = (d - 1) s^2 (checked for d = 3).
    u = w / sp.sqrt(_dot(w, w))
    xperp = xi - _dot(xi, u) * u
    pp = sp.Poly(sp.expand(sp.simplify(_dot(xperp, xperp))), *xi)
    eperp = sum(cf for mo, cf in pp.terms() if sorted(mo) == [0, 0, 2])
    _check(_is_zero(sp.simplify(eperp) - 2), "tangential noise share (d - 1)/d for d = 3")
    return NormRecursion(
        step=sp.Eq(sp.Symbol("w_{t+1}"), q * sp.Symbol("w_t") - eta * sp.Symbol("g_t")),
        exact=sp.Eq(sp.Symbol(r"\|w_{t+1}\|^2"), q**2 * X - 2 * eta * q * sp.Symbol(r"w\cdot g") + eta**2 * G2),
        orthogonal=sp.Eq(sp.Symbol(r"\|w_{t+1}\|^2"), q**2 * X + eta**2 * G2),
        noisy=sp.Eq(sp.Symbol(r"\|w_{t+1}\|^2"),
                    q**2 * X - 2 * eta * q * s * WXI + eta**2 * sp.Symbol(r"\|\nabla L + s\xi\|^2")),
        noisy_mean=sp.Eq(sp.Symbol(r"\mathbb{E}\|w_{t+1}\|^2"), q**2 * X + eta**2 * (GL2 + d * s**2)),
        tangential_share=(GL2 + (d - 1) * s**2) / (GL2 + d * s**2),
    )


class NormEquilibrium(NamedTuple):
    equilibrium: sp.Expr          # x* = η‖g‖²/(λ(2 − ηλ)) for constant ‖g‖
    equilibrium_series: sp.Expr   # η‖g‖²/(2λ) + η²‖g‖²/4 + O(η³λ)
    solution: sp.Expr             # x_k = x* + (1−ηλ)^{2k}(x₀ − x*)
    relaxation_time: sp.Expr      # −1/(2 log(1 − ηλ)) steps (e-folding)
    relaxation_series: sp.Expr    # 1/(2ηλ) − 1/4 + O(ηλ)
    si_equilibrium: sp.Expr       # ‖g‖² = C²/x: x*² = ηC²/(λ(2 − ηλ)), so x* = C√(η/(λ(2−ηλ)))
    si_contraction: sp.Expr       # derivative of x ↦ (1−ηλ)²x + η²C²/x at x*: 2(1−ηλ)² − 1
    si_relaxation_series: sp.Expr  # −1/log(2(1−ηλ)²−1) = 1/(4ηλ) − 3/8 + O(ηλ)
    effective_lr: sp.Expr         # η/x* for ‖g‖² = C²/x: √(ηλ(2−ηλ))/C, a function of ηλ only


@functools.cache
def norm_equilibrium() -> NormEquilibrium:
    r"""Equilibrium of :math:`x_{k+1} = (1-\eta\lambda)^2 x_k + \eta^2\|g\|^2` and how fast it is reached.

    With :math:`x = \|w\|^2` and a constant :math:`\|g\|^2` the fixed point is
    :math:`x^* = \eta^2\|g\|^2/(1-(1-\eta\lambda)^2) = \eta\|g\|^2/(\lambda(2-\eta\lambda))`, the solution is
    :math:`x_k = x^* + (1-\eta\lambda)^{2k}(x_0 - x^*)` and the deviation falls by :math:`e` every
    :math:`-1/(2\log(1-\eta\lambda)) \approx 1/(2\eta\lambda)` steps: equilibrium in :math:`O(1/(\eta\lambda))`.
    For a scale-invariant gradient, :math:`\|g\|^2 = C^2/x` (noise included, if it scales like the gradient),
    the fixed point is :math:`x^{*2} = \eta C^2/(\lambda(2-\eta\lambda))`, the map contracts by
    :math:`2(1-\eta\lambda)^2 - 1 \approx 1 - 4\eta\lambda` near it (time :math:`\approx 1/(4\eta\lambda)`), and
    the effective learning rate :math:`\eta/x^* = \sqrt{\eta\lambda(2-\eta\lambda)}/C` depends on :math:`\eta\lambda`
    only.

    Returns
    -------
    NormEquilibrium

    References
    ----------
    Z. Li, K. Lyu, S. Arora, NeurIPS 2020; R. Wan, Z. Zhu, X. Zhang, J. Sun, "Spherical motion dynamics:
    learning dynamics of normalized neural network using SGD and weight decay", NeurIPS 2021.
    """
    q = 1 - eta * lam
    xs = sp.Symbol("x", positive=True)
    fixed = sp.solve(sp.Eq(xs, q**2 * xs + eta**2 * G2), xs)
    _check(len(fixed) == 1, "one fixed point")
    xstar = sp.factor(fixed[0])
    _check(_is_zero(xstar - eta * G2 / (lam * (2 - eta * lam))), "x* = eta |g|^2/(lambda(2 - eta lambda))")
    ser = sp.series(xstar, eta, 0, 3).removeO()
    _check(_is_zero(ser - (eta * G2 / (2 * lam) + eta**2 * G2 / 4)), "series of x*")
    sol = xstar + q**(2 * k) * (X0 - xstar)
    P = sp.Symbol("P", positive=True)               # (1 - eta lambda)^{2k}: the induction step
    _check(_is_zero_rational((xstar + P * q**2 * (X0 - xstar)) - (q**2 * (xstar + P * (X0 - xstar)) + eta**2 * G2)),
           "solution satisfies recursion")
    _check(_is_zero(sol.subs(k, 0) - X0), "solution starts at x0")
    relax = -1 / (2 * sp.log(q))
    _check(sp.exp(2 * relax * sp.log(q)) == sp.exp(-1), "relaxation time is an e-folding")
    ep = sp.Symbol("epsilon", positive=True)
    rser = sp.series(relax.subs(eta, ep / lam), ep, 0, 1).removeO()
    _check(_is_zero(rser - (1 / (2 * ep) - sp.Rational(1, 4))), "relaxation time series")
    # Scale-invariant gradient |g|^2 = C^2/x: x = q^2 x + eta^2 C^2/x  <=>  (1 - q^2) x^2 = eta^2 C^2.
    si_map = q**2 * xs + eta**2 * C2 / xs
    S = eta * C2 / (lam * (2 - eta * lam))           # x*^2; the roots are +-sqrt(S), one positive
    _check(_is_zero_rational(sp.numer(sp.together(si_map - xs)).subs(xs**2, S)), "x*^2 = eta C^2/(lambda(2-eta lambda))")
    si_x = sp.sqrt(S)
    contraction = sp.cancel((q**2 - eta**2 * C2 / xs**2).subs(xs**2, S))
    _check(_is_zero(contraction - (2 * q**2 - 1)), "contraction 2(1 - eta lambda)^2 - 1")
    si_rser = sp.series((-1 / sp.log(2 * q**2 - 1)).subs(eta, ep / lam), ep, 0, 1).removeO()
    _check(_is_zero(si_rser - (1 / (4 * ep) - sp.Rational(3, 8))), "scale-invariant time 1/(4 eta lambda) - 3/8")
    eff = eta / si_x
    _check(_is_zero_rational(eta**2 / S - eta * lam * (2 - eta * lam) / C2), "effective lr sqrt(eta lambda(2 - eta lambda))/C")
    back = {ep: eta * lam}
    return NormEquilibrium(xstar, ser, sol, relax, rser.subs(back), si_x, sp.expand(contraction),
                           si_rser.subs(back), eff)


class AngularUpdate(NamedTuple):
    cos_angle: sp.Expr     # cos θ at equilibrium, g ⊥ w: 1 − ηλ
    sin_angle: sp.Expr     # sin θ = η‖g‖/‖w_{t+1}‖ = √(1 − (1−ηλ)²) = √(ηλ(2 − ηλ))
    angle: sp.Expr         # arccos(1 − ηλ)
    angle_series: sp.Expr  # √(2ηλ)(1 + ηλ/12 + 3(ηλ)²/160) + O((ηλ)^{7/2})
    noisy_sin2: sp.Expr    # with isotropic noise: ηλ(2 − ηλ)(‖∇L‖² + (d−1)s²)/(‖∇L‖² + ds²) (ratio of means)


@functools.cache
def angular_update() -> AngularUpdate:
    r"""The angle between :math:`w_t` and :math:`w_{t+1}` at the norm's equilibrium: :math:`\arccos(1-\eta\lambda)`.

    With :math:`g\perp w`, :math:`w_{t+1} = (1-\eta\lambda)w_t - \eta g_t` has the component
    :math:`(1-\eta\lambda)\|w_t\|` along :math:`w_t` and :math:`\eta\|g_t\|` across, so
    :math:`\cos\theta_t = (1-\eta\lambda)\|w_t\|/\|w_{t+1}\|`, which at equilibrium
    (:math:`\|w_{t+1}\| = \|w_t\|`) is :math:`1-\eta\lambda`: :math:`\theta = \arccos(1-\eta\lambda) =
    \sqrt{2\eta\lambda}\,(1 + \eta\lambda/12 + \dots)`, a function of :math:`\eta\lambda` alone
    (van Laarhoven 2017; Wan et al. 2021). With minimopt's isotropic noise only the tangential part turns the
    direction: in the ratio of means :math:`\sin^2\theta \approx \eta\lambda(2-\eta\lambda)\,(\|\nabla L\|^2 +
    (d-1)s^2)/(\|\nabla L\|^2 + ds^2)`.

    Returns
    -------
    AngularUpdate

    References
    ----------
    T. van Laarhoven, arXiv:1706.05350 (2017); R. Wan et al., NeurIPS 2021; Z. Li, K. Lyu, S. Arora, NeurIPS 2020.
    """
    q = 1 - eta * lam
    wn, gn = sp.symbols("W gamma_n", positive=True)   # ‖w_t‖, ‖g_t‖ with g ⊥ w
    new_norm2 = q**2 * wn**2 + eta**2 * gn**2          # ‖w_{t+1}‖²
    cos2, sin2 = q**2 * wn**2 / new_norm2, eta**2 * gn**2 / new_norm2
    _check(sp.cancel(cos2 + sin2 - 1) == 0, "cos^2 + sin^2 = 1")
    equilibrium = {gn: wn * sp.sqrt(1 - q**2) / eta}            # ‖w_{t+1}‖ = ‖w_t‖
    _check(sp.expand(new_norm2.subs(equilibrium) - wn**2) == 0, "equilibrium keeps the norm")
    cos_eq = sp.cancel(q * wn / sp.sqrt(sp.expand(new_norm2.subs(equilibrium))))
    _check(_is_zero(cos_eq - q), "cos theta = 1 - eta lambda at equilibrium")
    sin2_eq = sp.cancel(sp.expand(sin2.subs(equilibrium)))
    _check(_is_zero(sin2_eq - eta * lam * (2 - eta * lam)), "sin^2 theta = eta lambda (2 - eta lambda)")
    ep = sp.Symbol("epsilon", positive=True)
    ser = sp.series(sp.acos(1 - ep), ep, 0, 3).removeO()
    want = sp.sqrt(2 * ep) * (1 + ep / 12 + 3 * ep**2 / 160)
    _check(_is_zero(sp.expand(ser - want)), "arccos(1 - e) = sqrt(2e)(1 + e/12 + 3e^2/160) + ...")
    angle_series = want.subs(ep, eta * lam)
    nr = norm_recursion()
    noisy = sp.factor(sp.expand(1 - q**2)) * nr.tangential_share
    return AngularUpdate(cos_eq, sp.sqrt(eta * lam * (2 - eta * lam)), sp.acos(q), angle_series, noisy)


class NormGrowthWithoutDecay(NamedTuple):
    recursion: sp.Expr         # x_{k+1} = x_k + η²C²/x_k   (‖w‖‖g‖ = C, λ = 0)
    squared_step: sp.Expr      # x_{k+1}² − x_k² = 2η²C² + η⁴C⁴/x_k² ≥ 2η²C²
    flow: sp.Expr              # solution of dx/dk = η²C²/x: √(x₀² + 2η²C²k), x₀ = ‖w₀‖²
    effective_lr: sp.Expr      # η/x ≈ 1/(C√(2k)) for large k
    constant_gradient: sp.Expr  # ‖g‖ = G constant instead: x_k = x₀ + η²G²k (linear)


@functools.cache
def norm_growth_without_decay() -> NormGrowthWithoutDecay:
    r"""Without weight decay, :math:`\|w\|^2` grows like :math:`\sqrt t` when :math:`\|w\|\,\|g\|` is constant.

    With :math:`\lambda = 0` and :math:`g\perp w`, :math:`x_{k+1} = x_k + \eta^2\|g_k\|^2`. For a
    scale-invariant model whose gradient (noise included) scales as :math:`1/\|w\|`, :math:`\|g\|^2 = C^2/x` and

    .. math:: x_{k+1}^2 = x_k^2 + 2\eta^2C^2 + \eta^4C^4/x_k^2 \;\ge\; x_k^2 + 2\eta^2C^2,

    so :math:`x_k \approx \sqrt{x_0^2 + 2\eta^2C^2k}` (the solution of :math:`dx/dk = \eta^2C^2/x`) and the
    effective learning rate :math:`\eta/x_k \approx 1/(C\sqrt{2k})` decays like :math:`1/\sqrt k` by itself
    (Arora, Li & Lyu 2019). A gradient of constant size :math:`G` (minimopt's fixed noise) gives instead
    :math:`x_k = x_0 + \eta^2G^2k` and :math:`\eta/x_k \sim 1/(\eta G^2 k)`.

    Returns
    -------
    NormGrowthWithoutDecay

    References
    ----------
    S. Arora, Z. Li, K. Lyu, "Theoretical analysis of auto rate-tuning by batch normalization", ICLR 2019.
    """
    xs = sp.Symbol("x", positive=True)
    nxt = xs + eta**2 * C2 / xs
    sq = sp.expand(nxt**2 - xs**2)
    _check(_is_zero(sq - (2 * eta**2 * C2 + eta**4 * C2**2 / xs**2)), "squared step")
    kk = sp.Symbol("k", nonnegative=True)
    xf = sp.Function("x")
    ode = sp.Eq(xf(kk).diff(kk), eta**2 * C2 / xf(kk))
    x0 = sp.Symbol("x_0", positive=True)           # ‖w_0‖²
    flow = sp.sqrt(x0**2 + 2 * eta**2 * C2 * kk)
    _check(_is_zero(sp.simplify(ode.lhs.subs(xf(kk), flow).doit() - ode.rhs.subs(xf(kk), flow))), "flow solves ODE")
    _check(_is_zero(flow.subs(kk, 0) - x0), "flow starts at x0")
    eff = sp.limit(eta / flow * sp.sqrt(kk), kk, sp.oo)
    _check(_is_zero(eff - 1 / (sp.sqrt(2) * sp.sqrt(C2))), "effective lr ~ 1/(C sqrt(2k))")
    lin = x0 + eta**2 * G2 * k
    _check(_is_zero(lin.subs(k, k + 1) - (lin + eta**2 * G2)), "constant gradient: linear growth")
    return NormGrowthWithoutDecay(nxt, sq, flow, 1 / (sp.sqrt(C2) * sp.sqrt(2 * kk)), lin)


class ExponentialLREquivalence(NamedTuple):
    lr_schedule: sp.Expr   # η_k = η(1 − ηλ)^{−(2k+1)}
    growth_factor: sp.Expr  # η_{k+1}/η_k = (1 − ηλ)^{−2}
    growth_series: sp.Expr  # 1 + 2ηλ + 3(ηλ)² + O((ηλ)³)
    scale: sp.Expr          # w̃_k = w_k / (1 − ηλ)^k
    noise_factor: sp.Expr   # minimopt's fixed noise s becomes s(1 − ηλ)^k in the equivalent run


@functools.cache
def exponential_lr_equivalence() -> ExponentialLREquivalence:
    r"""SGD with weight decay on a scale-invariant loss = SGD without decay with an exponentially growing rate.

    If :math:`\nabla L(cw) = \nabla L(w)/c`, the iterates :math:`w_{k+1} = (1-\eta\lambda)w_k - \eta\nabla L(w_k)`
    and :math:`\tilde w_{k+1} = \tilde w_k - \eta_k\nabla L(\tilde w_k)` with
    :math:`\eta_k = \eta(1-\eta\lambda)^{-(2k+1)}` and :math:`\tilde w_0 = w_0` satisfy
    :math:`\tilde w_k = w_k/(1-\eta\lambda)^k`: the same directions, step by step (Li & Arora 2019, ICLR 2020).
    Each step multiplies the learning rate by :math:`(1-\eta\lambda)^{-2}`. The proof is one induction step, checked here on
    the normalised quadratic with symbolic 3×3 H. A noise term must scale like the gradient for this to hold:
    with minimopt's fixed :math:`s\xi_k` in the decayed run, the equivalent run needs
    :math:`s(1-\eta\lambda)^k\xi_k` (a scale-invariant model's own minibatch noise does this by itself).

    Returns
    -------
    ExponentialLREquivalence

    References
    ----------
    Z. Li, S. Arora, "An exponential learning rate schedule for deep learning", ICLR 2020 (arXiv:1910.07454).
    """
    q = 1 - eta * lam
    c = sp.Symbol("c", positive=True)           # (1 - eta lambda)^k, the scale at step k
    u = _vec("u")                               # w~_k; then w_k = c u
    xi = _vec("xi")
    grad = _rayleigh_gradient
    w_k = c * u
    w_next = q * w_k - eta * (grad(w_k) + s * xi)
    lr_k = eta / (q * c**2)                     # = eta (1 - eta lambda)^{-(2k+1)} with c = q^k
    u_next = u - lr_k * (grad(u) + s * c * xi)
    _check(all(_is_zero_rational(e) for e in w_next / (q * c) - u_next), "w_{k+1}/(1-eta lambda)^{k+1} = w~_{k+1}")
    sched = eta * q**(-(2 * k + 1))
    qs = sp.Symbol("q", positive=True)         # 1 - eta lambda in (0, 1) for the powers to combine
    lr_q = lr_k.subs(c, q**k).subs(q, qs)
    _check(_is_zero(sp.powsimp(lr_q - eta * qs**(-(2 * k + 1)), force=True)), "schedule eta (1-eta lambda)^-(2k+1)")
    factor_q = sp.powsimp(sp.simplify((eta * qs**(-(2 * k + 1))).subs(k, k + 1) / (eta * qs**(-(2 * k + 1)))),
                          force=True)
    _check(_is_zero(factor_q - qs**-2), "growth factor (1 - eta lambda)^-2")
    factor = q**-2
    ep = sp.Symbol("epsilon", positive=True)
    gser = sp.series((1 - ep)**-2, ep, 0, 3).removeO()
    _check(_is_zero(gser - (1 + 2 * ep + 3 * ep**2)), "growth factor series")
    return ExponentialLREquivalence(sched, factor, gser.subs(ep, eta * lam), sp.Symbol("w_k") / q**k, q**k)


class IntrinsicLRInvariance(NamedTuple):
    fixed_noise_map: tuple     # (η, λ, s, w) ↦ (η/a², λa², a s, w/a) maps runs with minimopt's noise to runs
    scaled_noise_map: tuple    # (η, λ, w) ↦ (η/a², λa², w/a) for noise that scales like the gradient
    invariants: tuple          # ηλ and ηs² are unchanged by the first map; ηλ by the second


@functools.cache
def intrinsic_lr_invariance() -> IntrinsicLRInvariance:
    r"""Why only :math:`\eta\lambda` matters: a rescaling of :math:`w` maps runs to runs.

    For a scale-invariant loss, a step :math:`w' = (1-\eta\lambda)w - \eta(\nabla L(w) + s\xi)` divided by
    :math:`a > 0` is the step with :math:`(\eta/a^2, \lambda a^2, as)` from :math:`w/a`, with the same
    :math:`\xi`: the directions of the two runs coincide step by step. The map keeps :math:`\eta\lambda` and
    :math:`\eta s^2`. If the noise scales like the gradient, :math:`g(w) = (\nabla L(u) + s_0\zeta)/\|w\|` with
    :math:`u = w/\|w\|` (a normalised network's minibatch gradients), the map is
    :math:`(\eta/a^2, \lambda a^2)` with the same noise, and only :math:`\eta\lambda` is left. Since the norm
    forgets its start in :math:`O(1/(\eta\lambda))` steps, runs with equal invariants and the *same* start agree
    in distribution after that transient (Li, Lyu & Arora 2020; Wan et al. 2021).

    Returns
    -------
    IntrinsicLRInvariance

    References
    ----------
    Z. Li, K. Lyu, S. Arora, NeurIPS 2020; R. Wan et al., NeurIPS 2021.
    """
    w, xi = _vec("w"), _vec("xi")
    grad = _rayleigh_gradient
    step1 = (1 - eta * lam) * w - eta * (grad(w) + s * xi)
    e2, l2, s2, v = eta / a**2, lam * a**2, a * s, w / a
    step2 = (1 - e2 * l2) * v - e2 * (grad(v) + s2 * xi)
    _check(all(_is_zero_rational(e) for e in step1 / a - step2), "fixed-noise map")
    _check(_is_zero(e2 * l2 - eta * lam) and _is_zero(e2 * s2**2 - eta * s**2), "invariants eta lambda, eta s^2")
    zeta = _vec("zeta")
    s0 = sp.Symbol("s_0", positive=True)

    rn = sp.Symbol("r", positive=True)             # ‖w‖; then ‖w/a‖ = r/a since a > 0

    def scaled(p, norm):
        return grad(p) + s0 * zeta / norm          # grad(p) already scales as 1/|p|

    step1s = (1 - eta * lam) * w - eta * scaled(w, rn)
    step2s = (1 - e2 * l2) * v - e2 * scaled(v, rn / a)
    _check(all(_is_zero_rational(e) for e in step1s / a - step2s), "scaled-noise map")
    ws = sp.Symbol("w")
    return IntrinsicLRInvariance((e2, l2, s2, ws / a), (e2, l2, ws / a), (eta * lam, eta * s**2))
