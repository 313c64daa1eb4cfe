"""Chapter 6, *The intrinsic learning rate*: the scale-invariance identities.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import _check, _is_zero

__all__ = ["scale_invariance"]


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
