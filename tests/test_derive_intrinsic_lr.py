"""Chapter 6 derivations (``minimopt.derive.intrinsic_lr``) re-checked by other routes: numbers substituted into
the SymPy results and compared with finite differences, iterated recursions, direct simulation with minimopt, and
series evaluated against the exact functions."""

import math

import numpy as np
import pytest
import sympy as sp

import minimopt as mo
from minimopt import derive

RNG_SEED = 20261202


def sym(expr, name):
    """The free symbol of ``expr`` called ``name``."""
    return next(s for s in expr.free_symbols if s.name == name)


def num(expr, values):
    """``expr`` with symbols (looked up by name) replaced by numbers, as a float."""
    sub = {sym(expr, k): v for k, v in values.items() if any(s.name == k for s in expr.free_symbols)}
    return float(expr.subs(sub))


def rayleigh_grad(H, w):
    n2 = w @ w
    return (H @ w - (w @ H @ w / n2) * w) / n2


def test_hessian_numerically():
    """The closed-form Hessian equals a finite-difference Hessian of the package's loss, is homogeneous of
    degree -2 and maps w to -grad L (tolerance 1e-6: central differences with step 1e-5)."""
    res = derive.scale_invariance_hessian()
    ws = sorted((s for s in res.hessian.free_symbols if s.name.startswith("w_")), key=lambda s: s.name)
    Hs = sorted((s for s in res.hessian.free_symbols if s.name.startswith("H_")), key=lambda s: s.name)
    hess = sp.lambdify((ws, Hs), res.hessian, "numpy")
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(4):
        A = rng.normal(size=(3, 3))
        H = A + A.T
        Hv = [H[int(s.name[2]) - 1, int(s.name[3]) - 1] for s in Hs]
        problem = mo.problems.ScaleInvariant(H)
        w = rng.normal(size=3)
        eps = 1e-5
        fd = np.array([(problem.grad(w + eps * e) - problem.grad(w - eps * e)) / (2 * eps) for e in np.eye(3)]).T
        Hw = np.asarray(hess(w, Hv), dtype=float)
        np.testing.assert_allclose(Hw, fd, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(np.asarray(hess(2.5 * w, Hv), dtype=float), Hw / 2.5**2, rtol=1e-12)
        np.testing.assert_allclose(Hw @ w, -problem.grad(w), rtol=1e-10, atol=1e-13)
    assert res.homogeneity == sp.zeros(3, 3) and res.radial == sp.zeros(3, 1)


def test_norm_recursion_against_minimopt_steps():
    """One SGD step with weight decay from minimopt satisfies the exact recursion; the orthogonal form holds for
    the noiseless gradient of a scale-invariant loss (rtol 1e-13: a few roundings)."""
    res = derive.norm_recursion()
    rng = np.random.default_rng(RNG_SEED)
    H = np.diag(rng.uniform(0, 1, size=6))
    problem = mo.problems.ScaleInvariant(H)
    eta, lam = 0.3, 0.05
    opt = mo.SGD(eta, weight_decay=lam)
    for _ in range(5):
        w = rng.normal(size=6)
        g = problem.grad(w) + 0.4 * rng.normal(size=6)          # a non-orthogonal noisy gradient
        w_new, _ = opt.step(w, g, opt.init(w))
        values = {"eta": eta, "lambda": lam, r"\|w\|^2": w @ w, r"w\cdot g": w @ g, r"\|g\|^2": g @ g}
        assert w_new @ w_new == pytest.approx(num(res.exact.rhs, values), rel=1e-13)
        g0 = problem.grad(w)
        w0_new, _ = opt.step(w, g0, opt.init(w))
        values = {"eta": eta, "lambda": lam, r"\|w\|^2": w @ w, r"\|g\|^2": g0 @ g0}
        assert w0_new @ w0_new == pytest.approx(num(res.orthogonal.rhs, values), rel=1e-13)


def test_noisy_mean_and_tangential_share_by_monte_carlo():
    """E over xi of |w'|^2 and of the tangential noise energy, by 200 000 Gaussian samples in d = 7
    (tolerance 1 %: about five standard errors of the sample mean)."""
    res = derive.norm_recursion()
    rng = np.random.default_rng(RNG_SEED)
    d, eta, lam, s = 7, 0.2, 0.1, 0.3
    H = np.diag(np.linspace(0, 1, d))
    w = rng.normal(size=d)
    G = rayleigh_grad(H, w)
    xi = rng.normal(size=(200_000, d))
    w_new = (1 - eta * lam) * w - eta * (G + s * xi)
    values = {"eta": eta, "lambda": lam, r"\|w\|^2": w @ w, r"\|\nabla L\|^2": G @ G, "s": s, "d": d}
    assert np.mean(np.sum(w_new**2, axis=1)) == pytest.approx(num(res.noisy_mean.rhs, values), rel=1e-2)
    u = w / np.linalg.norm(w)
    g = G + s * xi
    g_perp = g - np.outer(g @ u, u)
    share = np.mean(np.sum(g_perp**2, axis=1)) / np.mean(np.sum(g**2, axis=1))
    assert share == pytest.approx(num(res.tangential_share, values), rel=1e-2)


def test_equilibrium_and_approach_by_iteration():
    """Iterating the recursions: the constant-gradient closed form matches to rounding; the scale-invariant one
    converges to its fixed point, with the predicted contraction factor (rtol 1e-10 / 1e-6)."""
    res = derive.norm_equilibrium()
    eta, lam, g2, x0 = 0.1, 0.02, 0.7, 3.0
    q = 1 - eta * lam
    x = x0
    for k in range(1, 301):
        x = q**2 * x + eta**2 * g2
        if k in (1, 50, 300):
            want = num(res.solution, {"eta": eta, "lambda": lam, r"\|g\|^2": g2, r"\|w_0\|^2": x0, "k": k})
            assert x == pytest.approx(want, rel=1e-10)
    xstar = num(res.equilibrium, {"eta": eta, "lambda": lam, r"\|g\|^2": g2})
    assert xstar == pytest.approx(eta**2 * g2 / (1 - q**2), rel=1e-14)
    tau = num(res.relaxation_time, {"eta": eta, "lambda": lam})
    assert q ** (2 * tau) == pytest.approx(math.exp(-1), rel=1e-12)
    assert tau == pytest.approx(1 / (2 * eta * lam) - 0.25, rel=1e-3)        # series to O(eta lambda)
    # scale-invariant gradient |g|^2 = C^2/x
    C2 = 0.5
    x, devs = 1.0, []
    si = num(res.si_equilibrium, {"eta": eta, "lambda": lam, "C": math.sqrt(C2)})
    for _ in range(4000):
        x = q**2 * x + eta**2 * C2 / x
        devs.append(x - si)
    assert x == pytest.approx(si, rel=1e-10)
    contraction = num(res.si_contraction, {"eta": eta, "lambda": lam})
    assert devs[-2000] / devs[-2001] == pytest.approx(contraction, rel=1e-6)
    eff = num(res.effective_lr, {"eta": eta, "lambda": lam, "C": math.sqrt(C2)})
    assert eff == pytest.approx(eta / si, rel=1e-13)
    # the same product eta*lambda gives the same effective rate
    assert num(res.effective_lr, {"eta": eta / 4, "lambda": lam * 4, "C": math.sqrt(C2)}) == pytest.approx(eff)


def test_angular_update_from_a_simulated_orthogonal_step():
    """At the fixed point of the norm, an orthogonal step turns w by arccos(1 - eta lambda); the series agrees to
    O((eta lambda)^{7/2})."""
    res = derive.angular_update()
    for eta, lam in [(0.1, 0.01), (0.5, 0.4), (1.0, 0.9)]:
        q = 1 - eta * lam
        g = 1.3
        x = eta**2 * g**2 / (1 - q**2)
        w = np.array([math.sqrt(x), 0.0, 0.0])
        w_new = q * w - eta * np.array([0.0, g, 0.0])
        assert w_new @ w_new == pytest.approx(x, rel=1e-13)
        angle = math.atan2(np.linalg.norm(np.cross(w, w_new)), w @ w_new)        # accurate for small angles
        assert angle == pytest.approx(num(res.angle, {"eta": eta, "lambda": lam}), rel=1e-12)
        assert math.sin(angle) == pytest.approx(num(res.sin_angle, {"eta": eta, "lambda": lam}), rel=1e-12)
        e = eta * lam
        if e < 0.5:                   # next term of the series: 5 sqrt(2) e^{7/2}/896 < 0.01 e^{7/2}
            assert num(res.angle_series, {"eta": eta, "lambda": lam}) == pytest.approx(
                math.acos(1 - e), abs=0.01 * e**3.5 + 1e-15)


def test_growth_without_decay_by_iteration():
    """x_{k+1} = x_k + eta^2 C^2 / x_k stays above the flow's lower bound and approaches it relatively."""
    res = derive.norm_growth_without_decay()
    eta, C, x0 = 0.3, 0.8, 0.5
    x = x0
    for k in range(1, 100_001):
        x = x + eta**2 * C**2 / x
    flow = num(res.flow, {"eta": eta, "C": C, "x_0": x0, "k": 100_000})
    assert x >= flow
    assert x == pytest.approx(flow, rel=1e-3)   # the eta^4 C^4 / x^2 terms add O(log k) to x^2
    assert eta / x * math.sqrt(100_000) == pytest.approx(float(res.effective_lr.subs(
        {sym(res.effective_lr, "C"): C, sym(res.effective_lr, "k"): 1})), rel=1e-3)


def test_exponential_lr_equivalence_with_minimopt():
    """SGD + weight decay (mo.minimize, no noise) and SGD with the schedule of derive (mo.SGD steps) point the
    same way for 200 steps (atol 1e-13: rounding accumulates slowly on the sphere), and the norms differ by the
    factor (1 - eta lambda)^k."""
    res = derive.exponential_lr_equivalence()
    rng = np.random.default_rng(RNG_SEED)
    problem = mo.problems.ScaleInvariant(np.diag(rng.uniform(0, 1, size=5)))
    # noiseless, the norm of the decayed run shrinks for ever and its effective rate eta/|w|^2 grows: keep the
    # run short enough (200 steps, |w| falls by about 2) that steps stay small and rounding is not amplified
    eta, lam = 0.2, 0.02
    w0 = rng.normal(size=5)
    decayed = mo.minimize(mo.SGD(eta, weight_decay=lam), problem, w0, 200).params
    w, state = w0.copy(), mo.SGD(eta).init(w0)
    for k in range(200):
        lr_k = num(res.lr_schedule, {"eta": eta, "lambda": lam, "k": k})
        w, state = mo.SGD(lr_k).step(w, problem.grad(w), state)
        u, v = w / np.linalg.norm(w), decayed[k + 1] / np.linalg.norm(decayed[k + 1])
        np.testing.assert_allclose(u, v, atol=1e-13)
        assert np.linalg.norm(w) * (1 - eta * lam) ** (k + 1) == pytest.approx(
            np.linalg.norm(decayed[k + 1]), rel=1e-11), k
        # 1e-11: the norm of w~ accumulates the roundings of every step; a factor off by one power of
        # (1 - eta lambda) would be off by 1 %.
    assert num(res.growth_factor, {"eta": eta, "lambda": lam}) == pytest.approx((1 - eta * lam) ** -2, rel=1e-15)
    assert num(res.noise_factor, {"eta": eta, "lambda": lam, "k": 3}) == pytest.approx((1 - eta * lam) ** 3)


def test_invariance_map_with_minimopt_noise():
    """(eta, lambda, s, w0) and (eta/a^2, lambda a^2, a s, w0/a) with the same seed give the same directions
    (rtol 1e-10: the two runs round differently)."""
    res = derive.intrinsic_lr_invariance()
    e2, l2, s2, w2 = res.fixed_noise_map
    a_sym = sym(e2, "a")
    rng = np.random.default_rng(RNG_SEED)
    problem = mo.problems.ScaleInvariant(np.diag(rng.uniform(0, 1, size=8)))
    w0 = rng.normal(size=8)
    eta, lam, s, a = 0.1, 0.02, 0.05, 2.0
    sub = {sym(e2, "eta"): eta, derive.lam: lam, sym(s2, "s"): s, a_sym: a}
    run1 = mo.minimize(mo.SGD(eta, weight_decay=lam), problem, w0, 400, noise=s, seed=5).params
    run2 = mo.minimize(mo.SGD(float(e2.subs(sub)), weight_decay=float(l2.subs(sub))), problem, w0 / a, 400,
                       noise=float(s2.subs(sub)), seed=5).params
    np.testing.assert_allclose(run1 / a, run2, rtol=1e-10, atol=1e-13)
    assert [sp.simplify(i - j) for i, j in zip(res.invariants, (e2 * l2, e2 * s2**2))] == [0, 0]
