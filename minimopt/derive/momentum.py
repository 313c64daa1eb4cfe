"""Chapter 3, *Momentum is leapfrog*: the leapfrog coefficients, the retuning rule, PyTorch's convention,
heavy ball's stability and tuning on quadratics, and the Kramers equation's stationary density.

Each function derives its result with SymPy, checks the identity it claims (an ``AssertionError`` if a check
fails, which it never should) and returns the verified expressions; results are cached, so a chapter and its
tests pay for a derivation once per process.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from minimopt.derive._common import (gamma, h, lam, alpha, beta, sigma, theta0, t, n, r, mu, h_min, h_max, kappa, lr,
    x, v, L, _check, _is_zero)

__all__ = ["leapfrog_coefficients", "momentum_retuning", "torch_to_physics", "heavy_ball_stability", "kramers_stationary",
           "double_root_iterates", "undamped_energy"]

# Symbols of this chapter only (the shared ones come from _common).
z0 = sp.Symbol("z_0", real=True)          # a double root of heavy ball's characteristic polynomial


class LeapfrogCoefficients(NamedTuple):
    scheme: sp.Eq    # (v₊ − v₋)/γ = −λ(v₊ + v₋)/2 − ∇L(θ_n), with v± the half-step velocities
    update: sp.Eq    # θ_{n+1} − θ_n = β(θ_n − θ_{n−1}) − α∇L(θ_n) with β, α below substituted
    beta: sp.Expr    # (1 − λγ/2)/(1 + λγ/2)
    alpha: sp.Expr   # γ²/(1 + λγ/2)


@functools.cache
def leapfrog_coefficients() -> LeapfrogCoefficients:
    r"""Heavy ball is the staggered-grid (leapfrog) discretisation of :math:`\theta'' + \lambda\theta' = -\nabla L`.

    With half-step velocities :math:`v_{n\pm 1/2} = \pm(\theta_{n\pm1} - \theta_n)/\gamma`, the damping term
    averaged between them and the acceleration as their difference quotient,

    .. math::

        \frac{v_{n+1/2} - v_{n-1/2}}{\gamma} = -\lambda\,\frac{v_{n+1/2} + v_{n-1/2}}{2} - \nabla L(\theta_n),

    ``sympy.solve`` for :math:`\theta_{n+1}` gives the heavy-ball update

    .. math::

        \theta_{n+1} - \theta_n = \beta(\theta_n - \theta_{n-1}) - \alpha\nabla L(\theta_n),\qquad
        \beta = \frac{1 - \lambda\gamma/2}{1 + \lambda\gamma/2},\quad
        \alpha = \frac{\gamma^2}{1 + \lambda\gamma/2}.

    Returns
    -------
    LeapfrogCoefficients
        ``scheme`` (the discretised equation), ``update`` (the solved update), ``beta``, ``alpha``.

    References
    ----------
    B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR Comput. Math. Math.
    Phys. 4 (1964); N. Qian, "On the momentum term in gradient descent learning algorithms", Neural Networks
    12 (1999).
    """
    tm, tn, tp = sp.symbols("theta_n-1 theta_n theta_n+1", real=True)
    grad = sp.Function(r"\nabla L")(tn)
    d = sp.Symbol("d", real=True)  # theta_n - theta_{n-1}
    v_plus = (tp - tn) / gamma
    v_minus = (tn - tm) / gamma
    scheme = sp.Eq((v_plus - v_minus) / gamma, -lam * (v_plus + v_minus) / 2 - grad)
    sol = sp.solve(scheme, tp)
    _check(len(sol) == 1, "the scheme should be linear in theta_{n+1}")
    step = sp.expand(sp.simplify(sol[0] - tn).subs(tm, tn - d))
    b = sp.simplify(step.coeff(d))
    a = sp.simplify(-step.coeff(grad))
    rest = sp.simplify(step - b * d + a * grad)
    _check(rest == 0, "the update should be beta*(theta_n - theta_{n-1}) - alpha*grad only")
    beta_cf = (1 - lam * gamma / 2) / (1 + lam * gamma / 2)
    alpha_cf = gamma**2 / (1 + lam * gamma / 2)
    _check(_is_zero(b - beta_cf), "beta should be (1 - lambda gamma/2)/(1 + lambda gamma/2)")
    _check(_is_zero(a - alpha_cf), "alpha should be gamma^2/(1 + lambda gamma/2)")
    update = sp.Eq(tp - tn, beta_cf * (tn - tm) - alpha_cf * grad)
    return LeapfrogCoefficients(scheme, update, beta_cf, alpha_cf)


class MomentumRetuning(NamedTuple):
    gamma: sp.Expr          # time step of heavy ball (α, β): √(2α/(1+β))
    damping: sp.Expr        # friction of heavy ball (α, β): λ = (1−β)√2 / √(α(1+β))
    gamma_series: sp.Expr   # γ at fixed λ as α → 0: √α + λα/4 + O(α^{3/2})
    beta_new_exact: sp.Expr  # momentum for lr rα that keeps λ, as a function of β and r
    beta_new_rule: sp.Expr   # 1 − (1−β)√r
    rule_error: sp.Expr      # beta_new_exact − beta_new_rule = (r − √r)(1−β)²/4 + O((1−β)³)


@functools.cache
def momentum_retuning() -> MomentumRetuning:
    r"""Which continuous dynamics a heavy ball :math:`(\alpha, \beta)` runs, and how to retune it.

    Inverting :math:`\beta = \frac{1-\lambda\gamma/2}{1+\lambda\gamma/2}`,
    :math:`\alpha = \frac{\gamma^2}{1+\lambda\gamma/2}` (see :func:`leapfrog_coefficients`):

    .. math::

        \gamma = \sqrt{\frac{2\alpha}{1+\beta}}, \qquad
        \lambda = \frac{\sqrt2\,(1-\beta)}{\sqrt{\alpha(1+\beta)}} .

    Momentum advances with step :math:`\sqrt\alpha`: :math:`\gamma = \sqrt\alpha\sqrt{1+\lambda\gamma/2}`, so
    at fixed friction :math:`\gamma = \sqrt\alpha + \lambda\alpha/4 + O(\alpha^{3/2})`.

    Changing the learning rate to :math:`r\alpha` while keeping the same dynamics (same :math:`\lambda`) needs a
    new momentum :math:`\beta'`. With :math:`x = \lambda\gamma/2 = (1-\beta)/(1+\beta)` the conditions reduce to
    :math:`x'^2(1+x) = r x^2 (1+x')`, which depends on :math:`\beta` and :math:`r` only; expanding its positive
    root in :math:`1-\beta`:

    .. math::

        1 - \beta' = \sqrt r\,(1 - \beta) + \frac{\sqrt r - r}{4}(1-\beta)^2 + O\bigl((1-\beta)^3\bigr),

    so the rule :math:`\beta' = 1 - (1-\beta)\sqrt r` is exact to leading order as :math:`\gamma\lambda \to 0`.

    Returns
    -------
    MomentumRetuning
        ``gamma`` and ``damping`` (functions of ``alpha``, ``beta``), ``gamma_series`` (in ``alpha`` at
        fixed ``lam``), ``beta_new_exact`` and ``beta_new_rule`` (functions of ``beta``, ``r``) and
        ``rule_error`` (their difference as a series in ``1 - beta``).

    References
    ----------
    Qian (1999) for the continuous limit; the :math:`\sqrt r` rule is the leading-order consequence derived
    here (see also the square-root scaling rules of S. Malladi et al., "On the SDEs and scaling rules for
    adaptive gradient algorithms", NeurIPS 2022).
    """
    lf = leapfrog_coefficients()
    sols = sp.solve([sp.Eq(beta, lf.beta), sp.Eq(alpha, lf.alpha)], [lam, gamma], dict=True)
    probe = {alpha: sp.Rational(1, 100), beta: sp.Rational(9, 10)}
    sols = [s for s in sols if s[gamma].subs(probe) > 0 and s[lam].subs(probe) > 0]
    _check(len(sols) == 1, "exactly one positive (lambda, gamma) should give (alpha, beta)")
    g_ab = sp.sqrt(2 * alpha) / sp.sqrt(1 + beta)
    l_ab = sp.sqrt(2) * (1 - beta) / sp.sqrt(alpha * (1 + beta))
    onep = {beta: sp.Symbol("s", positive=True) - 1}  # compare on 1 + beta > 0, where the roots are real
    _check(_is_zero((sols[0][gamma] - g_ab).subs(onep)), "gamma should be sqrt(2 alpha/(1+beta))")
    _check(_is_zero((sols[0][lam] - l_ab).subs(onep)), "lambda should be sqrt(2)(1-beta)/sqrt(alpha(1+beta))")
    # Round trip: (lambda, gamma) -> (beta, alpha) -> (lambda, gamma).
    rt = {alpha: lf.alpha, beta: lf.beta}
    _check(_is_zero(g_ab.subs(rt) - gamma) and _is_zero(l_ab.subs(rt) - lam), "inverse map round trip")

    # Step sqrt(alpha): gamma^2 = alpha (1 + lambda gamma/2), solved for gamma at fixed lambda.
    g_sols = [s for s in sp.solve(sp.Eq(gamma**2, alpha * (1 + lam * gamma / 2)), gamma)
              if s.subs({alpha: sp.Rational(1, 100), lam: 1}) > 0]
    _check(len(g_sols) == 1, "one positive step gamma for given alpha, lambda")
    _check(_is_zero(lf.alpha.subs(gamma, g_sols[0]) - alpha), "gamma(alpha) should invert alpha(gamma)")
    g_series = sp.series(g_sols[0], alpha, 0, 2)
    lead = g_series.removeO()
    _check(_is_zero(lead - (sp.sqrt(alpha) + lam * alpha / 4 + lam**2 * alpha**sp.Rational(3, 2) / 32)),
           "gamma should be sqrt(alpha) + lambda alpha/4 + O(alpha^(3/2))")
    gamma_series = sp.sqrt(alpha) + lam * alpha / 4 + sp.O(alpha**sp.Rational(3, 2))

    # Retuning: same lambda at learning rate r*alpha.
    eps = sp.Symbol("epsilon", positive=True)  # 1 - beta
    xs = sp.Symbol("x", positive=True)
    xp = sp.Symbol("x'", positive=True)
    # x = lambda gamma / 2; gamma^2 = alpha (1 + x); gamma'^2 = r alpha (1 + x'); x'/x = gamma'/gamma.
    gp = sp.Symbol("gamma'", positive=True)
    cond = sp.simplify((xp / xs)**2 - (gp / gamma)**2
                       ).subs({gp**2: r * alpha * (1 + xp), gamma**2: alpha * (1 + xs)})
    _check(_is_zero(sp.together(cond) * xs**2 * (1 + xs) - (xp**2 * (1 + xs) - r * xs**2 * (1 + xp))),
           "retuning condition should be x'^2 (1+x) = r x^2 (1+x')")
    roots = sp.solve(sp.Eq(xp**2 * (1 + xs), r * xs**2 * (1 + xp)), xp)
    pos = [s for s in roots if s.subs({xs: sp.Rational(1, 10), r: 2}) > 0]
    _check(len(pos) == 1, "one positive root x'")
    x_of_beta = (1 - beta) / (1 + beta)
    _check(_is_zero((x_of_beta - (lam * gamma / 2).subs({lam: l_ab, gamma: g_ab})).subs(onep)),
           "x = (1-beta)/(1+beta)")
    x_new = pos[0].subs(xs, x_of_beta)
    # Tidy form: r x^2 + 4x + 4 = (r(1-beta)^2 + 8(1+beta))/(1+beta)^2.
    x_tidy = ((1 - beta) * sp.sqrt(r) * (sp.sqrt(r * (1 - beta)**2 + 8 * (1 + beta)) + sp.sqrt(r) * (1 - beta))
              / (4 * (1 + beta)))
    _check(_is_zero((x_new - x_tidy).subs(onep)), "tidy form of the retuned x'")
    beta_new = (1 - x_tidy) / (1 + x_tidy)
    rule = 1 - (1 - beta) * sp.sqrt(r)
    err_series = sp.series((beta_new - rule).subs(beta, 1 - eps), eps, 0, 3)
    err_poly = sp.expand(err_series.removeO())
    _check(_is_zero(err_poly.coeff(eps, 0)) and _is_zero(err_poly.coeff(eps, 1)),
           "the rule should be exact to first order in 1 - beta")
    c2 = sp.simplify(err_poly.coeff(eps, 2))
    _check(_is_zero(c2 - (r - sp.sqrt(r)) / 4), "second-order error should be (r - sqrt r)/4 (1-beta)^2")
    rule_error = (r - sp.sqrt(r)) / 4 * (1 - beta)**2 + sp.O((beta - 1)**3, (beta, 1))
    return MomentumRetuning(g_ab, l_ab, gamma_series, beta_new, rule, rule_error)


class TorchToPhysics(NamedTuple):
    torch_update: tuple     # (Eq b_{k+1} = μ b_k + g_k, Eq θ_{k+1} = θ_k − lr b_{k+1})
    physics_update: tuple   # (Eq v_{k+1} = β v_k − α g_k, Eq θ_{k+1} = θ_k + v_{k+1})
    mapping: dict           # {β: μ, α: lr}: the unique parameters making the iterates agree
    velocity: sp.Eq         # v = −lr·b
    iterates: tuple         # (θ₁, θ₂) of both conventions with the mapping, in the generic gradient ∇L


@functools.cache
def torch_to_physics() -> TorchToPhysics:
    r"""PyTorch's momentum convention is heavy ball with :math:`\beta = \mu`, :math:`\alpha = \mathrm{lr}`.

    PyTorch (``dampening = 0``) updates :math:`b \leftarrow \mu b + g,\ \theta \leftarrow \theta - \mathrm{lr}\,b`;
    the physics convention updates :math:`v \leftarrow \beta v - \alpha g,\ \theta \leftarrow \theta + v`. Both
    start from zero velocity (PyTorch's first step sets :math:`b = g`, which is :math:`\mu\cdot 0 + g`). Iterating two steps symbolically (gradients :math:`g_0, g_1` arbitrary) the
    iterates agree for all gradients iff

    .. math::

        \beta = \mu, \qquad \alpha = \mathrm{lr}, \qquad\text{and then } v = -\mathrm{lr}\, b \text{ at every step.}

    With a generic gradient function :math:`\nabla L` the iterates are then identical expressions.

    Returns
    -------
    TorchToPhysics
        ``torch_update``, ``physics_update`` (pairs of ``Eq``), ``mapping`` (``{beta: mu, alpha: lr}``),
        ``velocity`` (``Eq(v, -lr*b)``) and ``iterates`` (θ₁, θ₂ with a generic ``∇L``).

    References
    ----------
    ``torch.optim.SGD`` documentation (note on the momentum formulation); I. Sutskever, J. Martens, G. Dahl,
    G. Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013.
    """
    g0, g1 = sp.symbols("g_0 g_1", real=True)
    b_sym, vv = sp.symbols("b v", real=True)

    def torch_run(grads):
        th, b = theta0, sp.S(0)
        out = []
        for g in grads:
            g = g(th) if callable(g) else g
            b = mu * b + g
            th = th - lr * b
            out.append((th, b))
        return out

    def physics_run(grads):
        th, vel = theta0, sp.S(0)
        out = []
        for g in grads:
            g = g(th) if callable(g) else g
            vel = beta * vel - alpha * g
            th = th + vel
            out.append((th, vel))
        return out

    # "Only if": equal iterates for arbitrary gradients g0, g1 fix the parameters.
    tr, ph = torch_run([g0, g1]), physics_run([g0, g1])
    eqs = []
    for (tt, _), (pt, _) in zip(tr, ph):
        diff = sp.Poly(sp.expand(tt - pt), g0, g1)
        eqs.extend(diff.coeffs())
    sol = sp.solve(eqs, [alpha, beta], dict=True)
    _check(sol == [{alpha: lr, beta: mu}], "iterates agree iff alpha = lr and beta = mu")
    mapping = {beta: mu, alpha: lr}
    # "If": with a generic gradient function the two runs are the same expressions, and v = -lr b.
    G = sp.Function(r"\nabla L")
    tr, ph = torch_run([G, G]), physics_run([G, G])
    for (tt, bb), (pt, vel) in zip(tr, ph):
        pt, vel = pt.subs(mapping), vel.subs(mapping)
        _check(_is_zero(tt - pt), "iterates should coincide under the mapping")
        _check(_is_zero(vel + lr * bb), "velocity should be -lr times the torch buffer")
    k = sp.Symbol("k", integer=True)
    bk, vk, thk = (sp.Function(name) for name in ("b", "v", "theta"))
    gk = sp.Function("g")(k)
    torch_update = (sp.Eq(bk(k + 1), mu * bk(k) + gk), sp.Eq(thk(k + 1), thk(k) - lr * bk(k + 1)))
    physics_update = (sp.Eq(vk(k + 1), beta * vk(k) - alpha * gk), sp.Eq(thk(k + 1), thk(k) + vk(k + 1)))
    iterates = tuple(tt for tt, _ in tr)
    return TorchToPhysics(torch_update, physics_update, mapping, sp.Eq(vv, -lr * b_sym), iterates)


class HeavyBallStability(NamedTuple):
    recurrence: sp.Eq      # θ_{n+1} = (1 + β − αh)θ_n − βθ_{n−1}
    char_poly: sp.Expr     # z² − (1 + β − αh) z + β, in the symbol z
    region: sp.Boolean     # And(β < 1, αh > 0, αh < 2(1+β)) (implies β > −1)
    beta_opt: sp.Expr      # ((√κ − 1)/(√κ + 1))²
    alpha_opt: sp.Expr     # 4/(√h_max + √h_min)²
    rate_opt: sp.Expr      # √β* = (√κ − 1)/(√κ + 1)
    critical_beta: sp.Expr  # (1 − √(αh))²: double root, the critically damped momentum for 0 < αh ≤ 1


@functools.cache
def heavy_ball_stability() -> HeavyBallStability:
    r"""Stability region, optimal tuning and critical damping of heavy ball on :math:`L = h\theta^2/2`.

    Heavy ball on the quadratic is the recurrence :math:`\theta_{n+1} = (1+\beta-\alpha h)\theta_n -
    \beta\theta_{n-1}` with characteristic polynomial :math:`p(z) = z^2 - (1+\beta-\alpha h)z + \beta`. The
    Möbius map :math:`z = (1+w)/(1-w)` sends the unit disc to the left half-plane and
    :math:`(1-w)^2 p\bigl(\tfrac{1+w}{1-w}\bigr) = p(-1)\,w^2 + 2(1-\beta)\,w + p(1)`; a real quadratic has
    both roots in the left half-plane iff its coefficients share a sign (Routh–Hurwitz), which gives the Jury
    conditions :math:`p(1) > 0`, :math:`p(-1) > 0`, :math:`|\beta| < 1`:

    .. math::

        |z_{1,2}| < 1 \iff \beta < 1,\quad 0 < \alpha h < 2(1+\beta)\quad(\text{hence } -1 < \beta < 1).

    With complex roots :math:`|z| = \sqrt\beta`; the roots are complex iff
    :math:`(1-\sqrt\beta)^2 \le \alpha h \le (1+\sqrt\beta)^2`. For curvatures in :math:`[h_{\min}, h_{\max}]`,
    :math:`\kappa = h_{\max}/h_{\min}`, the smallest :math:`\beta` keeping all of them there puts
    :math:`\alpha h_{\min}` and :math:`\alpha h_{\max}` on the two ends:

    .. math::

        \alpha^* = \frac{4}{(\sqrt{h_{\max}} + \sqrt{h_{\min}})^2},\qquad
        \beta^* = \Bigl(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Bigr)^2,\qquad
        \text{rate } \sqrt{\beta^*} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}.

    Critical damping for a given :math:`h` is the double root, :math:`(1+\beta-\alpha h)^2 = 4\beta`, i.e.
    :math:`\beta = (1 - \sqrt{\alpha h})^2` (the root with :math:`\beta < 1`, for :math:`\alpha h \le 1`).

    Returns
    -------
    HeavyBallStability
        ``recurrence``, ``char_poly`` (in a real symbol ``z``), ``region`` (a SymPy ``And`` in ``alpha``,
        ``beta``, ``h``), ``beta_opt``, ``alpha_opt``, ``rate_opt`` (in ``h_min``, ``h_max``, ``kappa``) and
        ``critical_beta``.

    References
    ----------
    B. T. Polyak, *Introduction to Optimization*, Optimization Software 1987, Sec. 3.2.1; E. I. Jury,
    *Theory and Application of the z-Transform Method*, Wiley 1964.
    """
    z, w = sp.symbols("z w")
    a = 1 + beta - alpha * h
    th = sp.Function("theta")
    recurrence = sp.Eq(th(n + 1), a * th(n) - beta * th(n - 1))
    # Characteristic polynomial from the ansatz theta_n = z^n.
    char = sp.expand(sp.powsimp(sp.expand((z**(n + 1) - a * z**n + beta * z**(n - 1)) * z**(1 - n))))
    _check(_is_zero(char - (z**2 - a * z + beta)), "characteristic polynomial")
    mapped = sp.Poly(sp.expand(sp.cancel((1 - w)**2 * char.subs(z, (1 + w) / (1 - w)))), w)
    c2, c1, c0 = mapped.all_coeffs()
    _check(_is_zero(c2 - char.subs(z, -1)) and _is_zero(c1 - 2 * (1 - beta)) and _is_zero(c0 - char.subs(z, 1)),
           "Moebius-transformed polynomial")
    # Routh-Hurwitz for a real quadratic: both roots in Re w < 0 iff the three coefficients share a sign.
    # All negative is impossible (p(1) = alpha h > 0), so the region is: all three positive.
    _check(sp.expand(c0) == alpha * h, "p(1) = alpha h")
    _check(sp.simplify(sp.And(c2 < 0, c1 < 0, c0 < 0)) == sp.false, "the all-negative Hurwitz case is empty")
    # The coefficients are linear in beta and alpha h; read each positivity condition off.
    _check(sp.expand(c1 - 2 * (1 - beta)) == 0, "middle coefficient 2(1 - beta): positive iff beta < 1")
    _check(sp.expand(c2 - (2 * (1 + beta) - alpha * h)) == 0, "p(-1) = 2(1 + beta) - alpha h")
    region = sp.And(sp.Lt(beta, 1), sp.Gt(alpha * h, 0, evaluate=False), sp.Lt(alpha * h, 2 * (1 + beta)),
                    evaluate=False)
    # 0 < alpha h < 2(1 + beta) needs 2(1 + beta) > 0:
    _check(sp.solve_univariate_inequality(2 * (1 + beta) > 0, beta, relational=False) == sp.Interval.open(-1, sp.oo),
           "the region implies beta > -1")

    # Complex roots have modulus sqrt(beta): product of conjugate roots is beta.
    disc = sp.expand(a**2 - 4 * beta)
    roots = sp.solve(char, z)
    _check(len(roots) == 2 and _is_zero(roots[0] * roots[1] - beta), "product of the roots is beta")
    ahs = sp.Symbol("ah", positive=True)
    sb = sp.Symbol("s", positive=True)  # sqrt(beta)
    # disc <= 0  <=>  (1 - sqrt b)^2 <= ah <= (1 + sqrt b)^2: the zeros of disc in ah.
    ah_edges = sp.solve(disc.subs(alpha, ahs / h).subs(beta, sb**2), ahs)
    _check(set(sp.expand(e) for e in ah_edges) == {sp.expand((1 - sb)**2), sp.expand((1 + sb)**2)},
           "complex-root band should be (1 - sqrt beta)^2 <= alpha h <= (1 + sqrt beta)^2")
    # Optimal tuning: alpha h_min = (1 - s)^2, alpha h_max = (1 + s)^2.
    opt = sp.solve([sp.sqrt(alpha * h_min) - (1 - sb), sp.sqrt(alpha * h_max) - (1 + sb)], [alpha, sb], dict=True)
    _check(len(opt) == 1, "one optimal (alpha, sqrt beta)")
    alpha_opt = 4 / (sp.sqrt(h_max) + sp.sqrt(h_min))**2
    rate_opt = (sp.sqrt(kappa) - 1) / (sp.sqrt(kappa) + 1)
    beta_opt = rate_opt**2
    _check(_is_zero(opt[0][alpha] - alpha_opt), "alpha* = 4/(sqrt h_max + sqrt h_min)^2")
    _check(_is_zero(opt[0][sb].subs(h_max, kappa * h_min) - rate_opt),
           "sqrt beta* = (sqrt kappa - 1)/(sqrt kappa + 1)")
    # At both ends the root is double with modulus sqrt(beta*).
    for hh in (h_min, h_max):
        d_end = disc.subs({alpha: alpha_opt, h: hh, beta: beta_opt}).subs(kappa, h_max / h_min)
        _check(_is_zero(d_end), "double root at the ends of [h_min, h_max]")
    # Critical damping.
    crit = sp.solve(sp.Eq(a**2, 4 * beta), beta)
    _check(set(sp.expand(c) for c in crit) ==
           {sp.expand((1 - sp.sqrt(alpha * h))**2), sp.expand((1 + sp.sqrt(alpha * h))**2)},
           "double-root condition beta = (1 -+ sqrt(alpha h))^2")
    critical = (1 - sp.sqrt(alpha * h))**2
    return HeavyBallStability(recurrence, sp.collect(char, z), region, beta_opt, alpha_opt, rate_opt, critical)


class KramersStationary(NamedTuple):
    equation: sp.Eq           # ∂p/∂t = −v∂ₓp + ∂ᵥ[(λv + L′)p] + (σ²/2)∂ᵥ²p
    density: sp.Expr          # exp(−(2λ/σ²)(v²/2 + L(x)))
    rhs: sp.Expr              # right side for that density: 0
    exponent: sp.Expr         # 2λ/σ²: the unique c with exp(−c(v²/2 + L)) stationary
    residual: sp.Expr         # right side / p for exp(−c H): (λ − σ²c/2)(1 − c v²)
    temperature: sp.Expr      # σ²/(2λ)
    undamped_exponent: sp.Expr  # 0: with λ = 0 only c = 0 is stationary, p = const, not normalisable


@functools.cache
def kramers_stationary() -> KramersStationary:
    r"""Stationary density of the Kramers (Klein–Kramers) equation of noisy heavy ball.

    For :math:`dX = V\,dt`, :math:`dV = (-\lambda V - L'(X))\,dt + \sigma\,dW` the density :math:`p(x, v, t)`
    obeys

    .. math::

        \frac{\partial p}{\partial t} = -v\,\partial_x p + \partial_v\bigl[(\lambda v + L'(x))p\bigr]
        + \frac{\sigma^2}{2}\partial_v^2 p.

    For :math:`p = e^{-cH}`, :math:`H = v^2/2 + L(x)`, the right side divided by :math:`p` is
    :math:`(\lambda - \sigma^2c/2)(1 - cv^2)`, which vanishes for all :math:`v` iff :math:`c = 2\lambda/\sigma^2`:

    .. math::

        p \propto \exp\Bigl(-\frac{2\lambda}{\sigma^2}\Bigl(\frac{v^2}{2} + L(x)\Bigr)\Bigr),
        \qquad T = \frac{\sigma^2}{2\lambda}.

    Without friction (:math:`\lambda = 0`) the only such :math:`c` is 0: the "density" is constant and not
    normalisable — noise keeps pumping energy in.

    Returns
    -------
    KramersStationary
        ``equation``, ``density``, ``rhs`` (= 0), ``exponent`` (2λ/σ²), ``residual`` (in a symbol ``c``),
        ``temperature`` and ``undamped_exponent`` (= 0).

    References
    ----------
    H. A. Kramers, "Brownian motion in a field of force and the diffusion model of chemical reactions",
    Physica 7 (1940); Risken, *The Fokker–Planck Equation*, Ch. 10.
    """
    P = sp.Function("p")
    Lp = sp.diff(L(x), x)

    def kramers_rhs(p, damping=lam):
        return -v * sp.diff(p, x) + sp.diff((damping * v + Lp) * p, v) + sigma**2 / 2 * sp.diff(p, v, 2)

    equation = sp.Eq(sp.diff(P(x, v, t), t), kramers_rhs(P(x, v, t)))
    H = v**2 / 2 + L(x)
    c = sp.Symbol("c", real=True)
    residual = sp.factor(sp.simplify(kramers_rhs(sp.exp(-c * H)) / sp.exp(-c * H)))
    _check(_is_zero(residual - (lam - sigma**2 * c / 2) * (1 - c * v**2)), "residual (lambda - sigma^2 c/2)(1 - c v^2)")
    # Identically zero in v: all coefficients of the polynomial in v vanish.
    coeffs = sp.Poly(sp.expand(residual), v).coeffs()
    cs = sp.solve(coeffs, c, dict=True)
    _check(cs == [{c: 2 * lam / sigma**2}], "the only stationary exponent is 2 lambda/sigma^2")
    density = sp.exp(-2 * lam / sigma**2 * H)
    rhs = sp.simplify(kramers_rhs(density))
    _check(rhs == 0, "Kramers right side should vanish for the Gibbs density")
    undamped = sp.solve(sp.Poly(sp.expand(sp.simplify(kramers_rhs(sp.exp(-c * H), 0) / sp.exp(-c * H))), v).coeffs(),
                        c, dict=True)
    _check(undamped == [{c: 0}], "without friction only c = 0 is stationary")
    return KramersStationary(equation, density, rhs, 2 * lam / sigma**2, residual, sigma**2 / (2 * lam), sp.S(0))


class DoubleRootIterates(NamedTuple):
    recurrence: sp.Eq   # θ_{n+1} = 2 z₀ θ_n − z₀² θ_{n−1}: heavy ball with 1 + β − αh = 2z₀, β = z₀²
    solution: sp.Expr   # (1 + (1 − z₀) n) z₀ⁿ θ₀: the iterates from θ₋₁ = θ₀ (v₀ = 0)
    growth: sp.Expr     # 1 + (1 − z₀) n: the factor by which |θ_n| exceeds |z₀|ⁿ|θ₀|


@functools.cache
def double_root_iterates() -> DoubleRootIterates:
    r"""Heavy ball on :math:`L = h\theta^2/2` at a double root decays like :math:`n\rho^n`, not :math:`\rho^n`.

    When :math:`(1+\beta-\alpha h)^2 = 4\beta` the characteristic polynomial is :math:`(z - z_0)^2` with
    :math:`z_0 = (1+\beta-\alpha h)/2`, :math:`\beta = z_0^2`, and ``sympy.rsolve`` gives, from
    :math:`\theta_{-1} = \theta_0` (start-up velocity :math:`v_0 = 0`),

    .. math::

        \theta_n = \bigl(1 + (1 - z_0)\,n\bigr)\,z_0^{\,n}\,\theta_0 ,

    so :math:`|\theta_n|/(\rho^n|\theta_0|)`, :math:`\rho = |z_0|`, grows linearly in :math:`n`. Both ends of
    the optimal tuning of :func:`heavy_ball_stability` are double roots: :math:`z_0 = \sqrt{\beta^*}` at
    :math:`h_{\min}` and :math:`z_0 = -\sqrt{\beta^*}` at :math:`h_{\max}`.

    Returns
    -------
    DoubleRootIterates
        ``recurrence``, ``solution`` (in ``n``, ``theta0`` and the double root ``z_0``) and ``growth``.

    References
    ----------
    S. Elaydi, *An Introduction to Difference Equations*, 3rd ed., Springer 2005, Sec. 2.3 (repeated roots).
    """
    th = sp.Function("theta")
    recurrence = sp.Eq(th(n + 1), 2 * z0 * th(n) - z0**2 * th(n - 1))
    # Heavy ball's recurrence with beta = z0^2 and 1 + beta - alpha h = 2 z0 is this one.
    hb = heavy_ball_stability().recurrence.rhs
    _check(_is_zero(hb.subs(alpha, (1 + z0**2 - 2 * z0) / h).subs(beta, z0**2) - recurrence.rhs),
           "heavy ball with beta = z0^2, 1 + beta - alpha h = 2 z0")
    # theta_1 = (1 + beta - alpha h) theta_0 - beta theta_{-1} with theta_{-1} = theta_0.
    theta1 = (2 * z0 - z0**2) * theta0
    general = sp.rsolve(th(n + 1) - 2 * z0 * th(n) + z0**2 * th(n - 1), th(n), {th(0): theta0, th(1): theta1})
    solution = (1 + (1 - z0) * n) * z0**n * theta0
    _check(_is_zero(sp.expand(general - solution)), "theta_n = (1 + (1 - z0) n) z0^n theta_0")
    # Direct check: the solution satisfies the recurrence and both initial values.
    step = solution.subs(n, n + 2) - 2 * z0 * solution.subs(n, n + 1) + z0**2 * solution
    _check(_is_zero(sp.expand(sp.powsimp(sp.expand(step / z0**n)))), "the solution satisfies the recurrence")
    _check(_is_zero(solution.subs(n, 0) - theta0) and _is_zero(solution.subs(n, 1) - theta1), "initial values")
    return DoubleRootIterates(recurrence, solution, 1 + (1 - z0) * n)


class UndampedEnergy(NamedTuple):
    euler_factor: sp.Expr      # 1 + γ²h: explicit Euler multiplies the energy u²/2 + hθ²/2 by it every step
    invariant: sp.Expr         # (θ₊ − θ)²/(2γ²) + hθθ₊/2: conserved exactly by leapfrog (β = 1, α = γ²)
    invariant_in_energy: sp.Expr  # the same, as (1 − γ²h/4)u²/2 + hθ̄²/2 with u = (θ₊ − θ)/γ, θ̄ = (θ + θ₊)/2
    bound: sp.Expr             # 1/(1 − γ²h/4): the energy at the half step stays within this factor of the invariant


@functools.cache
def undamped_energy() -> UndampedEnergy:
    r"""Without friction, leapfrog keeps the energy bounded while explicit Euler's grows (:math:`L = h\theta^2/2`).

    Explicit Euler for :math:`\theta' = u`, :math:`u' = -h\theta` maps :math:`(\theta, u)` to
    :math:`(\theta + \gamma u,\ u - \gamma h\theta)` and multiplies the energy :math:`u^2/2 + h\theta^2/2` by
    :math:`1 + \gamma^2 h` every step. Leapfrog (heavy ball with :math:`\lambda = 0`: :math:`\beta = 1`,
    :math:`\alpha = \gamma^2`), :math:`\theta_{n+1} = (2 - \gamma^2 h)\theta_n - \theta_{n-1}`, conserves exactly

    .. math::

        I_n = \frac{(\theta_{n+1} - \theta_n)^2}{2\gamma^2} + \frac{h}{2}\theta_n\theta_{n+1}
            = \Bigl(1 - \frac{\gamma^2 h}{4}\Bigr)\frac{u_{n+1/2}^2}{2} + \frac{h}{2}\bar\theta_{n+1/2}^2 ,

    with :math:`u_{n+1/2} = (\theta_{n+1} - \theta_n)/\gamma` and :math:`\bar\theta_{n+1/2} = (\theta_n + \theta_{n+1})/2`.
    For :math:`\gamma^2 h < 4` (leapfrog's stability condition) :math:`I` is positive definite, and the energy
    :math:`E = u^2/2 + h\bar\theta^2/2` at the half step obeys :math:`I \le E \le I/(1 - \gamma^2 h/4)` for ever.

    Returns
    -------
    UndampedEnergy
        ``euler_factor``, ``invariant`` (in the symbols ``theta_n``, ``theta_n+1``), ``invariant_in_energy``
        (in ``u``, ``thetabar``) and ``bound``.

    References
    ----------
    E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed., Springer 2006, Sec. I.1 and
    Ch. IX (symplectic methods conserve a modified energy).
    """
    th_n, th_p, th_pp = sp.symbols("theta_n theta_n+1 theta_n+2", real=True)
    u, tb = sp.symbols("u thetabar", real=True)
    # Explicit Euler.
    energy = lambda q, p: p**2 / 2 + h * q**2 / 2  # noqa: E731
    growth = sp.cancel(energy(theta0 + gamma * u, u - gamma * h * theta0) / energy(theta0, u))
    _check(_is_zero(growth - (1 + gamma**2 * h)), "explicit Euler multiplies the energy by 1 + gamma^2 h")
    # Leapfrog: the heavy-ball recurrence at beta = 1, alpha = gamma^2.
    lf = leapfrog_coefficients()
    _check(_is_zero(lf.beta.subs(lam, 0) - 1) and _is_zero(lf.alpha.subs(lam, 0) - gamma**2), "lambda = 0 is leapfrog")
    next_theta = (2 - gamma**2 * h) * th_p - th_n
    hb = heavy_ball_stability().recurrence.rhs
    th = sp.Function("theta")
    _check(_is_zero(hb.subs({alpha: gamma**2, beta: 1, th(n): th_p, th(n - 1): th_n}) - next_theta),
           "heavy ball at beta = 1, alpha = gamma^2")
    invariant = (th_p - th_n)**2 / (2 * gamma**2) + h * th_n * th_p / 2
    later = invariant.subs({th_p: th_pp, th_n: th_p}, simultaneous=True).subs(th_pp, next_theta)
    _check(_is_zero(sp.expand(later - invariant)), "leapfrog conserves I exactly")
    in_energy = (1 - gamma**2 * h / 4) * u**2 / 2 + h * tb**2 / 2
    _check(_is_zero(sp.expand(in_energy.subs({u: (th_p - th_n) / gamma, tb: (th_n + th_p) / 2}) - invariant)),
           "I = (1 - gamma^2 h/4) u^2/2 + h thetabar^2/2")
    # E - I = gamma^2 h u^2/8 >= 0, and E <= I/(1 - gamma^2 h/4) because E(1 - gamma^2 h/4) <= I.
    E_half = u**2 / 2 + h * tb**2 / 2
    _check(_is_zero(sp.expand(E_half - in_energy - gamma**2 * h * u**2 / 8)), "E - I = gamma^2 h u^2/8")
    _check(_is_zero(sp.expand(in_energy - (1 - gamma**2 * h / 4) * E_half - gamma**2 * h**2 * tb**2 / 8)),
           "I - (1 - gamma^2 h/4) E = gamma^2 h^2 thetabar^2/8")
    return UndampedEnergy(1 + gamma**2 * h, invariant, in_energy, 1 / (1 - gamma**2 * h / 4))
