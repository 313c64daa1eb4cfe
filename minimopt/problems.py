"""Objective functions with compiled values and gradients.

Each problem is a small immutable object: ``value(x)`` and ``grad(x)`` for 1-D float64 ``x``, and the data the
compiled loops of :func:`minimopt.minimize`, :func:`minimopt.langevin` and :func:`minimopt.kramers` read
(``problem.kernel_data``). The formulas are in ``minimopt._objectives``.
"""

from __future__ import annotations

import numpy as np

from . import _objectives, _random, _validate

__all__ = ["Problem", "Quadratic", "Rosenbrock", "DoubleWell", "LeastSquares", "ScaleInvariant",
           "PiecewiseQuadratic", "problem_classes"]


def _frozen_copy(array: np.ndarray) -> np.ndarray:
    """A private read-only copy: the caller's array is neither frozen nor able to change the problem later."""
    array = np.array(array, dtype=np.float64, order="C", copy=True)
    array.setflags(write=False)
    return array


_EMPTY_MATRIX = _frozen_copy(np.zeros((0, 0)))
_EMPTY_VECTOR = _frozen_copy(np.zeros(0))


class Problem:
    """Base class: a loss L with its gradient, as compiled kernels.

    Problems are immutable: the constructor copies the arrays it is given (the caller's arrays stay writeable
    and cannot change the problem afterwards), the arrays it exposes are read-only views, and attributes cannot
    be reassigned. A subclass names its kernel by an identifier of the registry
    :data:`minimopt._objectives.KINDS`; a class without one is refused when it is defined, and ``Problem()`` itself
    is not a problem.
    """

    _kind: int = -1
    _dim: int | None = None   # the required dimension, or None when any works
    _min_dim: int = 1         # the smallest dimension the formula needs

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not (isinstance(cls._kind, int) and 0 <= cls._kind < len(_objectives.KINDS)):
            raise TypeError(f"{cls.__name__} names no objective kernel (_kind={cls._kind!r}): add its kind to "
                            "minimopt._objectives.KINDS, value and grad_into")

    def __init__(self, matrix: np.ndarray = _EMPTY_MATRIX, vector: np.ndarray = _EMPTY_VECTOR,
                 scalars=()) -> None:
        if type(self) is Problem:
            raise TypeError("Problem is the base class; use one of minimopt.problems (Quadratic, Rosenbrock, …)")
        for name, value in (("_matrix", _frozen_copy(matrix)), ("_vector", _frozen_copy(vector)),
                            ("_scalars", _frozen_copy(np.asarray(scalars, dtype=np.float64)))):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, name, value):
        if self.__dict__.get("_frozen"):
            raise AttributeError(f"{type(self).__name__} is immutable: {name!r} cannot be reassigned "
                                 "(build a new problem instead)")
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable: {name!r} cannot be deleted")

    @property
    def dim(self) -> int | None:
        """The dimension the problem requires, or None when any dimension (≥ its minimum) works."""
        return self._dim

    @property
    def kernel_data(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """``(kind, matrix, vector, scalars)``, the description the compiled kernels take (read-only arrays)."""
        return self._kind, self._matrix, self._vector, self._scalars

    def _cost(self, d: int) -> int:
        """Rough number of floating-point operations of one gradient (to size the chunks of a compiled run)."""
        return d

    def check_dimension(self, name: str, d: int) -> None:
        """Refuse points of dimension ``d`` (reported as parameter ``name``) that this problem cannot take."""
        if self._dim is not None and d != self._dim:
            raise ValueError(f"{name} must have {self._dim} coordinates for this {type(self).__name__}, got {d}")
        if d < self._min_dim:
            raise ValueError(f"{name} must have at least {self._min_dim} coordinates for {type(self).__name__}, "
                             f"got {d}")

    def _point(self, x: np.ndarray, name: str = "x") -> np.ndarray:
        """A checked point the kernels can read: 1-D float64, finite, of an allowed dimension, C-contiguous."""
        x = _validate.vector(name, x)
        self.check_dimension(name, x.shape[0])
        if not (x.flags.c_contiguous and x.flags.writeable):
            x = np.array(x, order="C", copy=True)
        return x

    def value(self, x: np.ndarray) -> float:
        """L(x)."""
        return float(_objectives.value(*self.kernel_data, self._point(x)))

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇L(x), a new array."""
        x = self._point(x)
        out = np.empty(x.shape[0])
        _objectives.grad_into(*self.kernel_data, x, out, np.uint64(0))
        return out

    def values_on_grid(self, grid) -> np.ndarray:
        """L at every point of a 1-D ``grid`` (real array_like; one-dimensional problems only)."""
        self.check_dimension("grid", 1)
        grid = _validate.real_array("grid", grid, ndim=1)
        return _objectives.values_on_grid(*self.kernel_data, grid)


class Quadratic(Problem):
    r"""The quadratic :math:`L(x) = \tfrac12 x^\top H x - b^\top x`, gradient :math:`Hx - b`.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric curvature matrix (its eigenvalues h are the curvatures the stability conditions speak of).
    b : array_like, shape (d,), optional
        Linear term; zero by default. The minimiser (when H ≻ 0) is ``problem.solution`` = H⁻¹b.

    References
    ----------
    - J. Nocedal & S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, Sec. 3.3 (steepest descent on a
      quadratic).
    """

    _kind = _objectives.QUADRATIC

    def __init__(self, H, b=None) -> None:
        H = _validate.matrix("H", H, square=True, symmetric=True)
        d = H.shape[0]
        b = np.zeros(d) if b is None else _validate.real_array("b", b, ndim=1)
        if b.shape != (d,):
            raise ValueError(f"b must have shape ({d},) to match H, got {b.shape}")
        self._dim = d
        super().__init__(H, b)

    def _cost(self, d):
        return d * d

    @property
    def H(self) -> np.ndarray:
        """The curvature matrix (a read-only view)."""
        return self._matrix.view()

    @property
    def b(self) -> np.ndarray:
        """The linear term (a read-only view)."""
        return self._vector.view()

    @property
    def solution(self) -> np.ndarray:
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

    References
    ----------
    - H. H. Rosenbrock, "An automatic method for finding the greatest or least value of a function", Comput. J.
      3(3):175–184 (1960). The sum over coordinates is the usual d-dimensional extension (as
      ``scipy.optimize.rosen``).
    """

    _kind = _objectives.ROSENBROCK
    _min_dim = 2

    def __init__(self, a: float = 1.0, b: float = 100.0) -> None:
        self.a = _validate.finite_scalar("a", a)
        self.b = _validate.nonnegative("b", b)
        super().__init__(scalars=[self.a, self.b])

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

    References
    ----------
    - H. A. Kramers, "Brownian motion in a field of force and the diffusion model of chemical reactions", Physica
      7(4):284–304 (1940).
    - P. Hänggi, P. Talkner & M. Borkovec, "Reaction-rate theory: fifty years after Kramers", Rev. Mod. Phys.
      62(2):251–341 (1990).
    """

    _kind = _objectives.DOUBLE_WELL

    def __init__(self, tilt: float = 0.0) -> None:
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

    References
    ----------
    - J. Nocedal & S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, Ch. 10 (least squares).
    - S. Mandt, M. D. Hoffman & D. M. Blei, "Stochastic gradient descent as approximate Bayesian inference", JMLR
      18(134):1–35 (2017) (the minibatch gradient's covariance).
    """

    _kind = _objectives.LEAST_SQUARES

    def __init__(self, A, y, batch_size: int | None = None, seed: int = 0) -> None:
        A = _validate.matrix("A", A)
        n, d = A.shape
        y = _validate.real_array("y", y, ndim=1)
        if y.shape != (n,):
            raise ValueError(f"y must have shape ({n},), one target per row of A, got {y.shape}")
        self.batch_size = None if batch_size is None else _validate.count("batch_size", batch_size, minimum=1)
        self._dim = d
        self._stream = np.array([_random.stream(_validate.seed("seed", seed), 0)], dtype=np.uint64)
        super().__init__(A, y, scalars=[0.0 if batch_size is None else float(self.batch_size)])

    def _cost(self, d):
        return d * (self.batch_size or self._matrix.shape[0])

    @property
    def A(self) -> np.ndarray:
        """The examples as rows (a read-only view)."""
        return self._matrix.view()

    @property
    def y(self) -> np.ndarray:
        """The targets (a read-only view)."""
        return self._vector.view()

    def grad(self, x: np.ndarray) -> np.ndarray:
        """A minibatch gradient (the full one when ``batch_size`` is None); advances the problem's stream."""
        x = self._point(x)
        out = np.empty(x.shape[0])
        self._stream[0] = _objectives.grad_into(*self.kernel_data, x, out, self._stream[0])
        return out

    def full_grad(self, x: np.ndarray) -> np.ndarray:
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

    References
    ----------
    - T. van Laarhoven, "L2 regularization versus batch and weight normalization", arXiv:1706.05350 (2017).
    - S. Arora, Z. Li & K. Lyu, "Theoretical analysis of auto rate-tuning by batch normalization", ICLR 2019.
    - Z. Li & S. Arora, "An exponential learning rate schedule for deep learning", ICLR 2020 (arXiv:1910.07454,
      2019).
    """

    _kind = _objectives.SCALE_INVARIANT

    def __init__(self, H) -> None:
        H = _validate.matrix("H", H, square=True, symmetric=True)
        self._dim = H.shape[0]
        super().__init__(H)

    def _cost(self, d):
        return d * d

    @property
    def H(self) -> np.ndarray:
        """The matrix (a read-only view)."""
        return self._matrix.view()

    def _point(self, x, name="x"):
        x = super()._point(x, name)
        if not np.any(x):
            raise ValueError(f"{name} must be non-zero: a scale-invariant loss is undefined at the origin")
        with np.errstate(over="ignore", under="ignore"):
            norm2 = float(np.dot(x, x))
        if norm2 == 0.0 or not np.isfinite(norm2):
            raise ValueError(f"{name}: its squared norm {'underflows to 0' if norm2 == 0.0 else 'overflows'} in "
                             "float64, where the scale-invariant loss cannot be evaluated; rescale it (L(cw) = L(w))")
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

    References
    ----------
    - L. Lessard, B. Recht & A. Packard, "Analysis and design of optimization algorithms via integral quadratic
      constraints", SIAM J. Optim. 26(1):57–95 (2016), Sec. 4.6.

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

    def __init__(self, m: float = 1.0, L: float = 25.0) -> None:
        self.m = _validate.positive("m", m)
        self.L = _validate.finite_scalar("L", L)
        if not self.m < self.L:
            raise ValueError(f"L must be larger than m (0 < m < L), got m={m!r}, L={L!r}")
        super().__init__(scalars=[self.m, self.L])

    def __repr__(self):
        return f"PiecewiseQuadratic(m={self.m}, L={self.L})"


def problem_classes() -> tuple[type[Problem], ...]:
    """Every problem class of minimopt (the subclasses of :class:`Problem` defined in this package)."""
    return tuple(cls for cls in Problem.__subclasses__() if cls.__module__ == __name__)
