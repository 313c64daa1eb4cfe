"""Objective functions with compiled values and gradients.

Each problem is a small immutable object: ``value(x)`` and ``grad(x)`` for 1-D float64 ``x``, and the data the
compiled loops of :func:`minimopt.minimize`, :func:`minimopt.langevin` and :func:`minimopt.kramers` read
(``problem.kernel_data``). The formulas are in :mod:`minimopt._objectives`.
"""

import numpy as np

from . import _objectives, _random, _validate

_EMPTY_MATRIX = np.zeros((0, 0))
_EMPTY_VECTOR = np.zeros(0)


class Problem:
    """Base class: a loss L with its gradient, as compiled kernels."""

    _kind = -1
    dim = None  # the required dimension, or None when any works

    def __init__(self, matrix=_EMPTY_MATRIX, vector=_EMPTY_VECTOR, scalars=_EMPTY_VECTOR):
        self._matrix, self._vector, self._scalars = matrix, vector, np.asarray(scalars, dtype=np.float64)
        for array in (self._matrix, self._vector, self._scalars):
            array.setflags(write=False)

    @property
    def kernel_data(self):
        """``(kind, matrix, vector, scalars)``, the description the compiled kernels take."""
        return self._kind, self._matrix, self._vector, self._scalars

    def _point(self, x):
        return _validate.vector("x", x, size=self.dim)

    def value(self, x):
        """L(x)."""
        return _objectives.value(*self.kernel_data, self._point(x))

    def grad(self, x):
        """∇L(x), a new array."""
        out = np.empty_like(self._point(x))
        _objectives.grad_into(*self.kernel_data, x, out, np.uint64(0))
        return out

    def values_on_grid(self, grid):
        """L at every point of a 1-D ``grid`` (one-dimensional problems only)."""
        if self.dim not in (None, 1):
            raise ValueError(f"values_on_grid needs a one-dimensional problem, this one has dimension {self.dim}")
        grid = _validate.vector("grid", np.ascontiguousarray(grid, dtype=np.float64))
        return _objectives.values_on_grid(*self.kernel_data, grid)


class Quadratic(Problem):
    r"""The quadratic :math:`L(x) = \tfrac12 x^\top H x - b^\top x`, gradient :math:`Hx - b`.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric curvature matrix (its eigenvalues h are the curvatures the stability conditions speak of).
    b : array_like, shape (d,), optional
        Linear term; zero by default. The minimiser (when H ≻ 0) is ``problem.solution`` = H⁻¹b.
    """

    _kind = _objectives.QUADRATIC

    def __init__(self, H, b=None):
        H = _validate.matrix("H", H, square=True, symmetric=True)
        d = H.shape[0]
        b = np.zeros(d) if b is None else _validate.vector("b", np.asarray(b, dtype=np.float64), size=d).copy()
        self.dim = d
        super().__init__(H, b)

    @property
    def H(self):
        return self._matrix

    @property
    def b(self):
        return self._vector

    @property
    def solution(self):
        """H⁻¹b, the stationary point."""
        return np.linalg.solve(self._matrix, self._vector)

    def __repr__(self):
        return f"Quadratic(H with eigenvalues {np.round(np.linalg.eigvalsh(self._matrix), 6).tolist()})"


class Rosenbrock(Problem):
    r"""Rosenbrock's valley :math:`L(x) = \sum_i b(x_{i+1} - x_i^2)^2 + (a - x_i)^2`, minimum 0 at (a, a², …).

    Parameters
    ----------
    a, b : float
        The classic values are a = 1, b = 100 (minimum at (1, 1)).
    """

    _kind = _objectives.ROSENBROCK

    def __init__(self, a=1.0, b=100.0):
        self.a = _validate.finite_scalar("a", a)
        self.b = _validate.nonnegative("b", b)
        super().__init__(scalars=[self.a, self.b])

    def _point(self, x):
        x = super()._point(x)
        if x.shape[0] < 2:
            raise ValueError(f"x must have at least 2 coordinates for Rosenbrock, got shape {x.shape}")
        return x

    def __repr__(self):
        return f"Rosenbrock(a={self.a}, b={self.b})"


class DoubleWell(Problem):
    r"""The double well :math:`L(x) = \sum_i (x_i^2 - 1)^2/4 + c\,x_i`, gradient :math:`x_i^3 - x_i + c`.

    With c = 0 the minima are at ±1 with a barrier of height ¼ at 0; a small tilt c makes one well shallower
    (for ``|c| < 2/(3√3)`` both wells survive).

    Parameters
    ----------
    tilt : float
        c, the slope added to every coordinate (0 by default).
    """

    _kind = _objectives.DOUBLE_WELL

    def __init__(self, tilt=0.0):
        self.tilt = _validate.finite_scalar("tilt", tilt)
        super().__init__(scalars=[self.tilt])

    def __repr__(self):
        return f"DoubleWell(tilt={self.tilt})"


class LeastSquares(Problem):
    r"""Linear least squares as a finite sum, :math:`L(x) = \frac{1}{2n}\sum_{r=1}^n (a_r^\top x - y_r)^2`.

    ``grad`` returns a minibatch gradient :math:`\frac1B \sum_{j} a_j (a_j^\top x - y_j)` over B rows drawn
    uniformly with replacement, so that its covariance is exactly Σ/B with Σ the per-example covariance;
    ``full_grad`` is the exact gradient. The draws come from the problem's own stream (seeded by ``seed``) when
    called from Python, and from the run's seed inside :func:`minimopt.minimize`.

    Parameters
    ----------
    A : array_like, shape (n, d)
        The examples aᵣ as rows.
    y : array_like, shape (n,)
        The targets.
    batch_size : int or None
        B ≥ 1; None for the full gradient.
    seed : int
        Seed of the minibatch stream used by ``grad``.
    """

    _kind = _objectives.LEAST_SQUARES

    def __init__(self, A, y, batch_size=None, seed=0):
        A = _validate.matrix("A", A)
        n, d = A.shape
        y = _validate.vector("y", np.asarray(y, dtype=np.float64), size=n).copy()
        self.batch_size = None if batch_size is None else _validate.count("batch_size", batch_size, minimum=1)
        self.dim = d
        self._stream = np.array([_random.stream(_validate.count("seed", seed), 0)], dtype=np.uint64)
        super().__init__(A, y, scalars=[0.0 if batch_size is None else float(self.batch_size)])

    @property
    def A(self):
        return self._matrix

    @property
    def y(self):
        return self._vector

    def grad(self, x):
        """A minibatch gradient (the full one when ``batch_size`` is None); advances the problem's stream."""
        out = np.empty_like(self._point(x))
        self._stream[0] = _objectives.grad_into(*self.kernel_data, x, out, self._stream[0])
        return out

    def full_grad(self, x):
        """The exact gradient (1/n) Aᵀ(Ax − y)."""
        x = self._point(x)
        return self._matrix.T @ (self._matrix @ x - self._vector) / self._matrix.shape[0]

    def __repr__(self):
        return f"LeastSquares(n={self._matrix.shape[0]}, d={self.dim}, batch_size={self.batch_size})"


class ScaleInvariant(Problem):
    r"""A normalised model: :math:`L(w) = \tfrac12\, w^\top H w / w^\top w`, so that L(cw) = L(w) for c ≠ 0.

    The loss depends only on the direction w/‖w‖ (as a network's loss depends only on the direction of weights
    followed by batch normalisation). Its gradient

    .. math:: \nabla L(w) = \frac{Hw - 2L(w)\,w}{w^\top w}

    is orthogonal to w (w·∇L = 0) and scales as ∇L(cw) = ∇L(w)/c, so plain gradient descent can only grow ‖w‖.
    The minimum, λ_min(H)/2, is reached along the eigenvector of the smallest eigenvalue.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric matrix.
    """

    _kind = _objectives.SCALE_INVARIANT

    def __init__(self, H):
        H = _validate.matrix("H", H, square=True, symmetric=True)
        self.dim = H.shape[0]
        super().__init__(H)

    @property
    def H(self):
        return self._matrix

    def _point(self, x):
        x = super()._point(x)
        if not np.any(x):
            raise ValueError("x must be non-zero: a scale-invariant loss is undefined at the origin")
        return x

    def __repr__(self):
        return f"ScaleInvariant(d={self.dim})"


class PiecewiseQuadratic(Problem):
    r"""Lessard, Recht & Packard's strongly convex, L-smooth function, on which the tuned heavy ball cycles.

    Coordinate-wise and summed, :math:`f(x) = \sum_i \varphi(x_i)` with (Lessard, Recht & Packard 2016, SIAM J.
    Optim. 26(1), §4.6)

    .. math::
        \varphi(x) = \begin{cases}
            \tfrac{L}{2} x^2 & x < 1, \\
            \tfrac{m}{2} x^2 + (L - m)\,x - \tfrac{L - m}{2} & 1 \le x < 2, \\
            \tfrac{L}{2} x^2 - (L - m)\,x + \tfrac{3(L - m)}{2} & x \ge 2,
        \end{cases}

    the constants fixed by the continuity of φ and φ′ at 1 and 2. φ″ is L, m, L on the three pieces, so f is
    m-strongly convex and L-smooth, with its minimum 0 at x = 0. For m = 1, L = 25 the pieces are the paper's
    25x²/2, x²/2 + 24x − 12 and 25x²/2 − 24x + 36.

    Parameters
    ----------
    m : float
        Strong convexity, 0 < m < L.
    L : float
        Smoothness constant, finite.

    Examples
    --------
    >>> import numpy as np, minimopt as mo
    >>> f = mo.problems.PiecewiseQuadratic()
    >>> [float(v) for v in f.values_on_grid(np.array([0.5, 1.0, 1.5, 2.0, 3.0]))]
    [3.125, 12.5, 25.125, 38.0, 76.5]
    >>> f.grad(np.array([0.5, 1.5, 3.0]))
    array([12.5, 25.5, 51. ])
    """

    _kind = _objectives.PIECEWISE_QUADRATIC

    def __init__(self, m=1.0, L=25.0):
        self.m = _validate.positive("m", m)
        self.L = _validate.finite_scalar("L", L)
        if not self.m < self.L:
            raise ValueError(f"L must be larger than m (0 < m < L), got m={m!r}, L={L!r}")
        super().__init__(scalars=[self.m, self.L])

    def __repr__(self):
        return f"PiecewiseQuadratic(m={self.m}, L={self.L})"
