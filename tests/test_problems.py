"""The objectives of ``minimopt.problems``: values and gradients against SymPy, the scale-invariance identities,
and the statistics of LeastSquares' minibatch gradients.

References and tolerances
-------------------------
* SymPy builds each loss from its textbook formula; value and gradient are evaluated at the *same* float64
  points with 40 significant digits, so the reference is exact to far below float64 resolution. The package
  computes in float64: a sum of a few terms of size S carries a rounding error of a few ulps of S, so
  ``rtol = 1e-12`` (≈ 4500 ulps) leaves generous room for rounding and none for a wrong coefficient or a
  missing term. The random points are drawn so that no coordinate of the gradient is a near-cancellation
  (checked below: every reference component is at least 1e-3 of the gradient's norm), which is what makes a
  purely relative tolerance meaningful.
* Central differences are a second, formula-free check: with step ``H_FD`` their error is
  O(H_FD²·|L'''|) + O(eps·|L|/H_FD) ≈ 1e-7 relative for these problems, so ``rtol = 1e-6`` on the gradient's
  norm.
"""

import math

import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose, assert_array_equal

import minimopt as mo

RTOL_SYMPY = 1e-12  # relative, float64 against 40-digit SymPy (see module docstring)
RTOL_FD = 1e-6      # central differences with H_FD = 1e-5: truncation + cancellation ≈ 1e-7 (see docstring)
H_FD = 1e-5
DIGITS = 40

# ---------------------------------------------------------------------------------------------------------
# The curated collection: (id, problem, SymPy loss as a function of the symbol vector, dimension, point sampler)
# ---------------------------------------------------------------------------------------------------------
H3 = np.array([[2.0, 0.5, -0.3], [0.5, 1.5, 0.2], [-0.3, 0.2, 1.0]])
B3 = np.array([1.0, -2.0, 0.5])
H4 = np.array([[3.0, 0.4, 0.0, -0.2], [0.4, 1.0, 0.3, 0.0], [0.0, 0.3, -0.5, 0.6], [-0.2, 0.0, 0.6, 2.0]])
_LS_RNG = np.random.default_rng(20240611)
A_LS = _LS_RNG.normal(size=(8, 3))
Y_LS = _LS_RNG.normal(size=8)


def _rat(value):
    """A float64 as the exact SymPy rational it represents (no decimal rounding on the way in)."""
    return sp.Rational(float(value))


def _sym_quadratic(H, b):
    def loss(x):
        Hm, bm, xm = sp.Matrix(H.tolist()).applyfunc(_rat), sp.Matrix(b.tolist()).applyfunc(_rat), sp.Matrix(x)
        return (xm.T * Hm * xm)[0] / 2 - (bm.T * xm)[0]
    return loss


def _sym_rosenbrock(a, b):
    a, b = _rat(a), _rat(b)
    return lambda x: sum(b * (x[i + 1] - x[i] ** 2) ** 2 + (a - x[i]) ** 2 for i in range(len(x) - 1))


def _sym_double_well(tilt):
    c = _rat(tilt)
    return lambda x: sum((xi**2 - 1) ** 2 / 4 + c * xi for xi in x)


def _sym_scale_invariant(H):
    def loss(x):
        Hm, xm = sp.Matrix(H.tolist()).applyfunc(_rat), sp.Matrix(x)
        return (xm.T * Hm * xm)[0] / (2 * (xm.T * xm)[0])
    return loss


def _sym_piecewise(m, L):
    """Lessard, Recht & Packard's φ from its three pieces (the constants as the docstring derives them)."""
    m, L = _rat(m), _rat(L)

    def phi(x):
        return sp.Piecewise((L * x**2 / 2, x < 1), (m * x**2 / 2 + (L - m) * x - (L - m) / 2, x < 2),
                            (L * x**2 / 2 - (L - m) * x + 3 * (L - m) / 2, True))
    return lambda x: sum(phi(xi) for xi in x)


def _sym_least_squares(A, y):
    def loss(x):
        Am, ym = sp.Matrix(A.tolist()).applyfunc(_rat), sp.Matrix(y.tolist()).applyfunc(_rat)
        r = Am * sp.Matrix(x) - ym
        return (r.T * r)[0] / (2 * A.shape[0])
    return loss


CASES = [
    ("quadratic-3d", mo.problems.Quadratic(H3, B3), _sym_quadratic(H3, B3), 3),
    ("quadratic-indefinite-4d", mo.problems.Quadratic(H4), _sym_quadratic(H4, np.zeros(4)), 4),
    ("rosenbrock-2d", mo.problems.Rosenbrock(), _sym_rosenbrock(1.0, 100.0), 2),
    ("rosenbrock-4d", mo.problems.Rosenbrock(), _sym_rosenbrock(1.0, 100.0), 4),
    ("rosenbrock-4d-a0.5-b3", mo.problems.Rosenbrock(a=0.5, b=3.0), _sym_rosenbrock(0.5, 3.0), 4),
    ("double-well", mo.problems.DoubleWell(), _sym_double_well(0.0), 3),
    ("double-well-tilt", mo.problems.DoubleWell(tilt=0.3), _sym_double_well(0.3), 3),
    ("scale-invariant-3d", mo.problems.ScaleInvariant(H3), _sym_scale_invariant(H3), 3),
    ("scale-invariant-4d", mo.problems.ScaleInvariant(H4), _sym_scale_invariant(H4), 4),
    ("least-squares", mo.problems.LeastSquares(A_LS, Y_LS), _sym_least_squares(A_LS, Y_LS), 3),
    ("piecewise-quadratic", mo.problems.PiecewiseQuadratic(), _sym_piecewise(1.0, 25.0), 3),
    ("piecewise-quadratic-m0.3-L4", mo.problems.PiecewiseQuadratic(m=0.3, L=4.0), _sym_piecewise(0.3, 4.0), 4),
]
CASE_IDS = [case[0] for case in CASES]


def test_cases_cover_every_problem_and_every_kind_has_one_class():
    from minimopt import _objectives
    classes = mo.problems.problem_classes()
    assert set(classes) <= {type(case[1]) for case in CASES}
    assert sorted(cls._kind for cls in classes) == list(range(len(_objectives.KINDS)))


def _points(dim, count=5, seed=7):
    """Seeded points in [-1.8, 1.8]^d whose coordinates stay 0.1 away from 0 and ±1 (no degenerate points)."""
    rng = np.random.default_rng(seed + dim)
    points = []
    while len(points) < count:
        x = rng.uniform(-1.8, 1.8, size=dim)
        if np.all(np.abs(x) > 0.1) and np.all(np.abs(np.abs(x) - 1.0) > 0.1):
            points.append(x)
    return points


def _sympy_reference(sym_loss, dim, x):
    """(value, gradient) of the SymPy loss at the float64 point x, to DIGITS significant digits."""
    xs = sp.symbols(f"x0:{dim}", real=True)
    loss = sym_loss(xs)
    at = {s: _rat(v) for s, v in zip(xs, x)}
    value = float(sp.N(loss.subs(at), DIGITS))
    grad = np.array([float(sp.N(sp.diff(loss, s).subs(at), DIGITS)) for s in xs])
    return value, grad


@pytest.fixture(scope="module", params=CASES, ids=CASE_IDS)
def case_with_reference(request):
    name, problem, sym_loss, dim = request.param
    points = _points(dim)
    refs = [_sympy_reference(sym_loss, dim, x) for x in points]
    return problem, points, refs


def _gradient(problem, x):
    """The exact gradient: ``full_grad`` for LeastSquares, ``grad`` for the others."""
    return problem.full_grad(x) if isinstance(problem, mo.problems.LeastSquares) else problem.grad(x)


def test_value_matches_sympy(case_with_reference):
    problem, points, refs = case_with_reference
    for x, (value, _) in zip(points, refs):
        assert_allclose(problem.value(x), value, rtol=RTOL_SYMPY, atol=0)


def test_gradient_matches_sympy(case_with_reference):
    problem, points, refs = case_with_reference
    for x, (_, grad) in zip(points, refs):
        # The relative tolerance is meaningful only without cancellation; the points are chosen so:
        assert np.all(np.abs(grad) > 1e-3 * np.linalg.norm(grad)), "test point too close to a cancellation"
        assert_allclose(_gradient(problem, x), grad, rtol=RTOL_SYMPY, atol=0)


def test_gradient_matches_central_differences(case_with_reference):
    problem, points, _ = case_with_reference
    for x in points:
        fd = np.empty_like(x)
        for i in range(x.shape[0]):
            e = np.zeros_like(x)
            e[i] = H_FD
            fd[i] = (problem.value(x + e) - problem.value(x - e)) / (2 * H_FD)
        grad = _gradient(problem, x)
        assert_allclose(grad, fd, rtol=0, atol=RTOL_FD * np.linalg.norm(grad))


def test_gradient_does_not_mutate_its_input(case_with_reference):
    problem, points, _ = case_with_reference
    x = points[0].copy()
    problem.grad(x)
    problem.value(x)
    assert_array_equal(x, points[0])


def test_least_squares_full_batch_grad_is_exact():
    """batch_size=None: ``grad`` is the exact gradient, the same as ``full_grad`` and as SymPy's."""
    problem = mo.problems.LeastSquares(A_LS, Y_LS, batch_size=None)
    for x in _points(3):
        _, ref = _sympy_reference(_sym_least_squares(A_LS, Y_LS), 3, x)
        first, second = problem.grad(x), problem.grad(x)
        assert_allclose(first, ref, rtol=RTOL_SYMPY, atol=0)
        assert_array_equal(first, second)  # no randomness at all
        assert_allclose(problem.full_grad(x), ref, rtol=RTOL_SYMPY, atol=0)


# ---------------------------------------------------------------------------------------------------------
# Lessard, Recht & Packard's piecewise quadratic (Chapter 4)
# ---------------------------------------------------------------------------------------------------------
# Points on all three pieces (and both signs below 1), away from the joints 1 and 2 (central differences
# straddling a joint see the jump of φ″, an O(H_FD·(L − m)) error).
PIECEWISE_POINTS = np.array([-2.7, -0.4, 0.3, 0.95, 1.05, 1.5, 1.97, 2.03, 3.0, 11.0])


def test_piecewise_quadratic_is_the_papers_function():
    """m = 1, L = 25: the paper's pieces 25x²/2, x²/2 + 24x − 12, 25x²/2 − 24x + 36 (Lessard, Recht & Packard
    2016, §4.6), value and derivative, to a few ulps (each piece is two or three float64 terms)."""
    f = mo.problems.PiecewiseQuadratic()
    x = PIECEWISE_POINTS
    value = np.where(x < 1, 25 * x**2 / 2, np.where(x < 2, x**2 / 2 + 24 * x - 12, 25 * x**2 / 2 - 24 * x + 36))
    slope = np.where(x < 1, 25 * x, np.where(x < 2, x + 24, 25 * x - 24))
    assert_allclose(f.values_on_grid(x), value, rtol=1e-14, atol=0)
    assert_allclose(f.grad(x), slope, rtol=1e-14, atol=0)
    assert_allclose(f.value(x), value.sum(), rtol=1e-14, atol=0)
    assert f.value(np.zeros(4)) == 0.0 and not f.grad(np.zeros(4)).any()  # the minimum is 0 at the origin


@pytest.mark.parametrize("m, L", [(1.0, 25.0), (0.3, 4.0), (2.0, 2.5)])
def test_piecewise_quadratic_value_and_slope_are_continuous_at_the_joints(m, L):
    """Across each joint (1 and 2) φ and φ′ jump by no more than their slope times the 1-ulp step: the pieces
    meet (a wrong constant would leave a jump of order L − m); φ″ is L, m, L (m-strongly convex, L-smooth)."""
    f = mo.problems.PiecewiseQuadratic(m=m, L=L)
    for joint in (1.0, 2.0):
        below, above = np.nextafter(joint, -np.inf), joint
        values = f.values_on_grid(np.array([below, above]))
        slopes = f.grad(np.array([below, above]))
        assert abs(values[1] - values[0]) <= 4 * np.spacing(values[1]) + slopes[1] * (above - below)
        assert abs(slopes[1] - slopes[0]) <= 4 * np.spacing(slopes[1]) + L * (above - below)
    # second differences inside each piece: exactly the curvature of that piece (to rounding, 1e-6 relative
    # for a second difference with step 1e-3 of values of size 10 … 100)
    for centre, curvature in ((0.5, L), (1.5, m), (3.0, L)):
        h = 1e-3
        v = f.values_on_grid(np.array([centre - h, centre, centre + h]))
        assert_allclose((v[0] - 2 * v[1] + v[2]) / h**2, curvature, rtol=1e-6)


def test_piecewise_quadratic_gradient_matches_central_differences():
    f = mo.problems.PiecewiseQuadratic(m=0.7, L=9.0)
    fd = (f.values_on_grid(PIECEWISE_POINTS + H_FD) - f.values_on_grid(PIECEWISE_POINTS - H_FD)) / (2 * H_FD)
    # A quadratic piece has no third derivative: the only error is cancellation, eps·|φ|/H_FD ≲ 1e-9 here.
    assert_allclose(f.grad(PIECEWISE_POINTS), fd, rtol=1e-7, atol=0)


# ---------------------------------------------------------------------------------------------------------
# Scale invariance (Chapter 6): L(cw) = L(w), w·∇L = 0, ∇L(cw) = ∇L(w)/c
# ---------------------------------------------------------------------------------------------------------
SCALES = [3.7, 0.01, 1e3, -2.5, 2.0**-20]


@pytest.mark.parametrize("H", [H3, H4], ids=["3d", "4d-indefinite"])
@pytest.mark.parametrize("c", SCALES, ids=[f"c={c:g}" for c in SCALES])
def test_scale_invariance_identities(H, c):
    problem = mo.problems.ScaleInvariant(H)
    norm_H = np.linalg.norm(H, 2)
    for w in _points(H.shape[0], seed=11):
        # L(cw) = L(w): numerator and denominator both scale by c², each with a few ulps of rounding, so the
        # quotient agrees to a few ulps; 1e-14 relative is ≈ 45 ulps.
        assert_allclose(problem.value(c * w), problem.value(w), rtol=1e-14, atol=0)
        grad = problem.grad(w)
        # w·∇L = 0 up to the rounding of the terms that cancel: Σ wᵢ(Hw)ᵢ/‖w‖² − L·2 is made of terms of size
        # ‖H‖, so the residual is measured against ‖w‖·(‖H‖/‖w‖) = ‖H‖, with 1e-14 ≈ 45 ulps of slack.
        assert abs(w @ grad) <= 1e-14 * norm_H
        # ∇L(cw) = ∇L(w)/c, i.e. c∇L(cw) = ∇L(w); components are of size ‖H‖/‖w‖, rounded to a few ulps.
        assert_allclose(c * problem.grad(c * w), grad, rtol=0, atol=1e-14 * norm_H / np.linalg.norm(w))


def test_scale_invariant_minimum_is_half_the_smallest_eigenvalue():
    """L(w) = ½ wᵀHw/wᵀw is minimised by the eigenvector of λ_min, with value λ_min/2 and zero gradient."""
    problem = mo.problems.ScaleInvariant(H4)
    eigenvalues, vectors = np.linalg.eigh(H4)
    u = vectors[:, 0]
    # Tolerances: an eigenvector from LAPACK is accurate to ~1e-15 (well-separated eigenvalues of H4).
    assert_allclose(problem.value(u), eigenvalues[0] / 2, rtol=1e-14)
    assert_allclose(problem.grad(5.0 * u), 0.0, atol=1e-14 * np.linalg.norm(H4, 2))


# ---------------------------------------------------------------------------------------------------------
# LeastSquares minibatches: unbiased, covariance Σ/B, seeded
# ---------------------------------------------------------------------------------------------------------
def _chi2_3_survival(x):
    """P(χ²₃ > x), closed form for three degrees of freedom."""
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)


# n = 8 rows and B = 4: sampling *without* replacement would scale the covariance by (n − B)/(n − 1) = 4/7,
# far outside the tolerance below, so the test tells the two schemes apart.
N_DRAWS = 40_000
BATCH = 4
X_LS = np.array([0.3, -0.7, 1.1])


@pytest.fixture(scope="module")
def minibatch_draws():
    problem = mo.problems.LeastSquares(A_LS, Y_LS, batch_size=BATCH, seed=0)
    return np.array([problem.grad(X_LS) for _ in range(N_DRAWS)])


def _per_example_covariance():
    """Σ: the covariance of the gradient aᵣ(aᵣᵀx − yᵣ) of one uniformly drawn example (population form, 1/n)."""
    per_example = A_LS * (A_LS @ X_LS - Y_LS)[:, None]
    centred = per_example - per_example.mean(axis=0)
    return centred.T @ centred / A_LS.shape[0]


def test_minibatch_gradient_is_unbiased(minibatch_draws):
    """mean of M draws → full gradient: Hotelling's M (m − μ)ᵀ(Σ/B)⁻¹(m − μ) is χ²₃ (CLT, M = 40 000).

    Threshold 30: P(χ²₃ > 30) ≈ 1.4e-6, so a correct sampler fails with negligible probability (and the draws
    are seeded, so the outcome is fixed); a bias of a few standard errors per coordinate would fail.
    """
    problem = mo.problems.LeastSquares(A_LS, Y_LS)
    mean_error = minibatch_draws.mean(axis=0) - problem.full_grad(X_LS)
    covariance = _per_example_covariance() / BATCH
    statistic = N_DRAWS * mean_error @ np.linalg.solve(covariance, mean_error)
    assert _chi2_3_survival(30.0) < 2e-6
    assert statistic < 30.0, f"Hotelling statistic {statistic:.1f} for χ²₃"


def test_minibatch_covariance_is_sigma_over_batch(minibatch_draws):
    """Each entry of the sample covariance (centred at the known mean) within 5 standard errors of Σ/B.

    The standard error of entry (j, k) is the sample standard deviation of the products
    (gⱼ − μⱼ)(gₖ − μₖ) over √M; 5 standard errors is a two-sided 6e-7 tail per entry under the CLT.
    """
    problem = mo.problems.LeastSquares(A_LS, Y_LS)
    centred = minibatch_draws - problem.full_grad(X_LS)
    products = centred[:, :, None] * centred[:, None, :]
    estimate = products.mean(axis=0)
    standard_error = products.std(axis=0) / math.sqrt(N_DRAWS)
    expected = _per_example_covariance() / BATCH
    z = (estimate - expected) / standard_error
    assert np.all(np.abs(z) < 5.0), f"z-scores {z}"
    # The check is sharp: sampling without replacement (covariance × 4/7) would be rejected by far.
    z_without = (estimate - expected * (8 - BATCH) / (8 - 1)) / standard_error
    assert np.max(np.abs(z_without)) > 20.0


def test_minibatch_draws_are_seeded_and_reproducible():
    x = X_LS
    first = mo.problems.LeastSquares(A_LS, Y_LS, batch_size=2, seed=0)
    again = mo.problems.LeastSquares(A_LS, Y_LS, batch_size=2, seed=0)
    other = mo.problems.LeastSquares(A_LS, Y_LS, batch_size=2, seed=1)
    draws_first = np.array([first.grad(x) for _ in range(50)])
    draws_again = np.array([again.grad(x) for _ in range(50)])
    draws_other = np.array([other.grad(x) for _ in range(50)])
    assert_array_equal(draws_first, draws_again)       # same seed → the same draws, bit for bit
    assert not np.array_equal(draws_first, draws_other)  # a new problem with seed=1 draws other batches
    # Successive draws differ (the stream advances), and with B = 2 of n = 8 rows most pairs differ.
    assert len({tuple(row) for row in draws_first}) > 25


def test_minibatch_with_batch_equal_one_is_a_single_example():
    """B = 1: every draw is exactly one per-example gradient aᵣ(aᵣᵀx − yᵣ), and all of them occur."""
    problem = mo.problems.LeastSquares(A_LS, Y_LS, batch_size=1, seed=3)
    per_example = A_LS * (A_LS @ X_LS - Y_LS)[:, None]
    seen = set()
    for _ in range(400):
        g = problem.grad(X_LS)
        distances = np.abs(per_example - g).max(axis=1)
        r = int(np.argmin(distances))
        # One product and a division by 1: equal to a few ulps of the example's gradient.
        assert_allclose(g, per_example[r], rtol=1e-14, atol=1e-15)
        seen.add(r)
    assert seen == set(range(A_LS.shape[0]))  # 400 draws from 8 rows: missing one has probability < 1e-22
