"""Optimizers: immutable hyperparameters, an ``init``/``step`` pair, and an in-place ``step_``.

Each class validates its hyperparameters, then hands the arithmetic to one compiled kernel of
:mod:`minimopt._updates` — the same kernel that :func:`minimopt.minimize` calls inside its compiled loop.
Names and defaults follow ``torch.optim`` where a torch optimizer exists, and so do the updates.

>>> import numpy as np, minimopt as mo
>>> opt = mo.SGD(lr=0.1, momentum=0.9)
>>> theta = np.array([1.0]); state = opt.init(theta)
>>> for g in (2.0, 2.0, 2.0, 0.0):
...     theta, state = opt.step(theta, np.array([g]), state)
...     print(round(float(theta[0]), 12))
0.8
0.42
-0.122
-0.6098
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from . import _updates, _validate
from ._errors import DivergedError

__all__ = ["Optimizer", "OptState", "DivergedError", "hyperparameter", "optimizer_classes"]


class OptState:
    """An optimizer's state: named per-coordinate buffers and a step counter, held in arrays.

    The arrays are what the compiled kernels update; ``step`` copies them first, ``step_`` updates them in place.
    Buffers and scalar state are read by name, ``state["exp_avg"]`` or ``state["lr"]``; ``state.count`` is the
    number of steps taken.

    A state cannot be built wrong: the constructor copies ``buffers`` (k × d, one row per name) and ``scalars``
    (the step count, then one entry per scalar name) into new float64 arrays after checking their shapes and
    finiteness, and the attributes cannot be reassigned. ``state.buffers`` and ``state.scalars`` are views:
    their entries can be written, their shape cannot be changed under the kernels.
    """

    __slots__ = ("_buffers", "_scalars", "_names", "_scalar_names")

    def __init__(self, buffers, scalars, names, scalar_names=()) -> None:
        names, scalar_names = _names("names", names), _names("scalar_names", scalar_names)
        buffers = _validate.real_array("buffers", buffers, ndim=2)
        scalars = _validate.real_array("scalars", scalars, ndim=1)
        if buffers.shape[0] != len(names):
            raise ValueError(f"buffers must have one row per name ({len(names)} for {names}), "
                             f"got shape {buffers.shape}")
        if buffers.shape[1] == 0:
            raise ValueError(f"buffers must have one column per parameter (at least 1), got shape {buffers.shape}")
        if scalars.shape[0] != 1 + len(scalar_names):
            raise ValueError(f"scalars must hold the step count and one entry per scalar name "
                             f"({1 + len(scalar_names)} entries), got shape {scalars.shape}")
        if scalars[0] < 0 or scalars[0] != int(scalars[0]):
            raise ValueError(f"scalars[0] is the step count, a whole number ≥ 0; got {scalars[0]!r}")
        _fill(self, buffers, scalars, names, scalar_names)

    @classmethod
    def _trusted(cls, buffers: np.ndarray, scalars: np.ndarray, names: tuple, scalar_names: tuple) -> OptState:
        """A state from arrays this package has just made (no checks, no copies)."""
        state = object.__new__(cls)
        _fill(state, buffers, scalars, names, scalar_names)
        return state

    buffers = property(lambda self: self._buffers.view(), doc="The buffers, k × d (a view: writable entries).")
    scalars = property(lambda self: self._scalars.view(), doc="The step count, then the scalar state (a view).")
    names = property(lambda self: self._names, doc="The buffers' names, one per row.")
    scalar_names = property(lambda self: self._scalar_names, doc="The names of the scalar state after the count.")

    def __setattr__(self, name, value):
        raise AttributeError(f"OptState is immutable: {name!r} cannot be reassigned (build a new state instead)")

    @property
    def count(self) -> int:
        """Number of steps taken."""
        return int(self._scalars[0]) if np.isfinite(self._scalars[0]) else -1

    def __getitem__(self, name: str):
        if name in self._names:
            return self._buffers[self._names.index(name)]
        if name in self._scalar_names:
            return float(self._scalars[1 + self._scalar_names.index(name)])
        raise KeyError(f"no state {name!r}; this state has {self._names + self._scalar_names}")

    def __reduce__(self):
        """Pickling, ``copy.copy`` and ``copy.deepcopy`` rebuild the state through the checking constructor."""
        return OptState, (self._buffers, self._scalars, self._names, self._scalar_names)

    def copy(self) -> OptState:
        """A deep copy: the functional ``step`` works on one."""
        return OptState._trusted(self._buffers.copy(), self._scalars.copy(), self._names, self._scalar_names)

    def __repr__(self) -> str:
        scalars = "".join(f", {name}={self[name]!r}" for name in self._scalar_names)
        return f"OptState(count={self.count}{scalars}, buffers={self._names})"


def _fill(state, buffers, scalars, names, scalar_names):
    for slot, value in zip(OptState.__slots__, (buffers, scalars, names, scalar_names)):
        object.__setattr__(state, slot, value)


def _names(what, names):
    if isinstance(names, str) or not all(isinstance(name, str) for name in _iterate(what, names)):
        raise ValueError(f"{what} must be a tuple of strings, got {names!r}")
    return tuple(names)


def _iterate(what, value):
    try:
        return list(value)
    except TypeError:
        raise ValueError(f"{what} must be a tuple of strings, got {value!r}") from None


def hyperparameter(default: Any = dataclasses.MISSING, *, check: Callable[[str, Any], Any], packed: bool = True,
                   **field_options) -> Any:
    """Declare a hyperparameter: a dataclass field whose metadata says how to check it and whether the kernel reads it.

    ``check(name, value)`` returns the validated value (see :mod:`minimopt._validate`) or raises a ValueError
    naming the parameter; ``packed`` values (floats, bools as 0/1, pairs as two floats) go to the kernel's
    ``hyper`` array in the order the fields are declared, followed by the class's ``_hyper_tail``.
    """
    return dataclasses.field(default=default, metadata={"check": check, "packed": packed}, **field_options)


class Optimizer:
    """Base class: subclasses are frozen dataclasses that declare their hyperparameters with :func:`hyperparameter`.

    One loop here validates every declared field (``dataclasses.replace`` runs it too), checks the combination
    (``_check_combination``), and packs the kernel's ``hyper`` array once. A subclass names its kernel by an
    identifier of the registry :data:`minimopt._updates.RULES`; a class without one is refused when defined.
    """

    _rule: ClassVar[int] = -1
    _buffer_names: ClassVar[tuple[str, ...]] = ()
    _scalar_names: ClassVar[tuple[str, ...]] = ()
    _hyper_tail: ClassVar[tuple[float, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not (isinstance(cls._rule, int) and 0 <= cls._rule < len(_updates.KERNELS)):
            raise TypeError(f"{cls.__name__} names no update kernel (_rule={cls._rule!r}): add its rule to "
                            "minimopt._updates.RULES and KERNELS")

    def __new__(cls, *args, **kwargs):
        if cls is Optimizer:
            raise TypeError("Optimizer is the base class; use one of minimopt's optimizers (mo.SGD, mo.Adam, …)")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        packed = []
        for field in dataclasses.fields(self):
            check = field.metadata.get("check")
            if check is None:
                continue
            value = check(field.name, getattr(self, field.name))
            object.__setattr__(self, field.name, value)
            if field.metadata["packed"]:
                packed.extend(value if isinstance(value, tuple) else (value,))
        self._check_combination()
        object.__setattr__(self, "_packed", np.array([*map(float, packed), *self._hyper_tail]))

    def _check_combination(self) -> None:
        """Constraints between hyperparameters (none by default)."""

    def _hyper(self) -> np.ndarray:
        """The kernel's ``hyper`` array (packed once, in declaration order)."""
        return self._packed

    def _initial_buffers(self, params: np.ndarray) -> np.ndarray:
        return np.zeros((len(self._buffer_names), params.shape[0]))

    def _initial_scalars(self) -> np.ndarray:
        return np.zeros(1)

    def _check_params(self, name: str, params: np.ndarray) -> None:
        """Constraints on the parameters themselves (none by default)."""

    def init(self, params: np.ndarray) -> OptState:
        """The state before the first step, for parameters shaped like ``params`` (1-D float64)."""
        params = _validate.vector("params", params)
        self._check_params("params", params)
        return OptState._trusted(self._initial_buffers(params), self._initial_scalars(), self._buffer_names,
                                 self._scalar_names)

    def query(self, params: np.ndarray, state: OptState) -> np.ndarray:
        """The point at which the next gradient must be taken: ``params`` itself except for the Nesterov methods."""
        params = _kernel_ready(self._check_vector("params", params))
        self._check_state(params, state)
        out = np.empty(params.shape[0])
        _updates.query_point(self._rule, params, state._buffers, state._scalars, self._packed, out)
        return out

    def step(self, params: np.ndarray, grad: np.ndarray, state: OptState) -> tuple[np.ndarray, OptState]:
        """One update; returns ``(new_params, new_state)`` and leaves the inputs untouched."""
        grad = self._check(params, grad, state)
        params, state = params.copy(), state.copy()
        self._apply(params, grad, state)
        return params, state

    def step_(self, params: np.ndarray, grad: np.ndarray, state: OptState) -> None:
        """The same update as :meth:`step`, written into ``params`` and ``state`` in place (no copies).

        ``params`` must be a writeable C-contiguous array that does not share memory with the state; a ``grad``
        that shares memory with ``params`` or the state is copied first, so that the result is :meth:`step`'s.
        """
        grad = self._check(params, grad, state)
        if not (params.flags.writeable and params.flags.c_contiguous):
            raise ValueError("params must be a writeable, C-contiguous array for step_ (the update is written into "
                             "it); use step for a read-only or strided array")
        if np.may_share_memory(params, state._buffers) or np.may_share_memory(params, state._scalars):
            raise ValueError("params must not share memory with the state (a view of state.buffers cannot be "
                             "updated in place)")
        if np.may_share_memory(grad, params) or np.may_share_memory(grad, state._buffers):
            grad = grad.copy()
        self._apply(params, grad, state)

    def _check_vector(self, name, array):
        """``params`` as a 1-D finite float64 array that also meets the optimizer's own constraints."""
        array = _validate.vector(name, array)
        self._check_params(name, array)
        return array

    def _check(self, params, grad, state):
        self._check_vector("params", params)
        _validate.vector("grad", grad)
        _validate.same_shape("params", params, "grad", grad)
        self._check_state(params, state)
        return _kernel_ready(grad)

    def _check_state(self, params, state):
        if not isinstance(state, OptState) or state._names != self._buffer_names \
                or state._scalar_names != self._scalar_names:
            raise ValueError(f"state must come from {type(self).__name__}.init, got {state!r}")
        if state._buffers.shape[1] != params.shape[0]:
            raise ValueError(f"state was made for {state._buffers.shape[1]} parameters, params has {params.shape[0]}")
        count = state._scalars[0]
        if not (np.isfinite(state._scalars).all() and count >= 0 and count == int(count)):
            raise ValueError(f"state: its step count and scalars must be finite, the count a whole number ≥ 0; "
                             f"got {state._scalars.tolist()}")

    def _apply(self, params, grad, state):
        if not _updates.apply_update(self._rule, params, grad, state._buffers, state._scalars, self._packed):
            raise DivergedError(f"{type(self).__name__} step {state.count} (counted from 1) produced non-finite parameters from "
                                "finite parameters, gradient and state: the update overflowed (the step size is "
                                "too large for this gradient)", step=state.count)


def optimizer_classes() -> tuple[type[Optimizer], ...]:
    """Every optimizer class of minimopt (the subclasses of :class:`Optimizer` defined in this package)."""
    found, pending = [], list(Optimizer.__subclasses__())
    while pending:
        cls = pending.pop(0)
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("minimopt.") and cls not in found:
            found.append(cls)
    return tuple(found)


def _kernel_ready(array: np.ndarray) -> np.ndarray:
    """``array`` if the kernels can take it as it is (C-contiguous, writeable), else a copy that they can.

    Read-only and strided arrays would each make numba compile (and cache) another version of every kernel.
    """
    if array.flags.c_contiguous and array.flags.writeable:
        return array
    return np.array(array, order="C", copy=True)


@dataclass(frozen=True)
class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    .. math::
        b \leftarrow \mu b + (1-\tau)(g + w\theta), \qquad
        \theta \leftarrow \theta - \eta\,b \quad(\text{Nesterov: } \theta - \eta\,(g + w\theta + \mu b)),

    with :math:`b_1 = g_1`. This is PyTorch's momentum convention; the physics one is :class:`HeavyBall`
    (same iterates with α = η, β = μ when τ = 0).

    Parameters
    ----------
    lr : float
        Learning rate η ≥ 0.
    momentum : float
        μ in [0, 1).
    dampening : float
        τ in [0, 1).
    nesterov : bool
        Nesterov's look-ahead form (needs μ > 0 and τ = 0, as in torch).
    weight_decay : float
        w ≥ 0, added to the gradient as w θ.

    References
    ----------
    - H. Robbins & S. Monro, "A stochastic approximation method", Ann. Math. Statist. 22(3):400–407 (1951).
    - PyTorch documentation, ``torch.optim.SGD``, https://pytorch.org/docs/stable/generated/torch.optim.SGD.html:
      the momentum, dampening and Nesterov convention followed here.
    - I. Sutskever, J. Martens, G. Dahl & G. Hinton, "On the importance of initialization and momentum in deep
      learning", ICML 2013, PMLR 28(3):1139–1147 (the Nesterov form).
    """

    lr: float = hyperparameter(check=_validate.nonnegative)
    momentum: float = hyperparameter(0.0, check=_validate.unit_interval)
    dampening: float = hyperparameter(0.0, check=_validate.unit_interval)
    nesterov: bool = hyperparameter(False, check=_validate.flag)
    weight_decay: float = hyperparameter(0.0, check=_validate.nonnegative)

    _rule = _updates.SGD
    _buffer_names = ("momentum_buffer",)

    def _check_combination(self):
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening = 0")


@dataclass(frozen=True)
class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``; ``bias_correction=False`` drops the 1 − βᵗ factors.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t}+\epsilon},

    with g including w θ (L2 weight decay) and, for AMSGrad, the running maximum of v in the denominator.

    Parameters
    ----------
    lr : float
        η ≥ 0.
    betas : tuple of float
        (β₁, β₂), each in [0, 1).
    eps : float
        ε > 0, added to the denominator after the square root.
    weight_decay : float
        w ≥ 0.
    amsgrad : bool
        Use max_{s≤t} v_s (Reddi et al. 2018).
    bias_correction : bool
        Divide by 1 − β₁ᵗ and √(1 − β₂ᵗ) (True, as torch).

    References
    ----------
    - D. P. Kingma & J. Ba, "Adam: A method for stochastic optimization", ICLR 2015, Algorithm 1.
    - S. J. Reddi, S. Kale & S. Kumar, "On the convergence of Adam and beyond", ICLR 2018 (AMSGrad).
    - PyTorch documentation, ``torch.optim.Adam``, https://pytorch.org/docs/stable/generated/torch.optim.Adam.html.
    """

    lr: float = hyperparameter(1e-3, check=_validate.nonnegative)
    betas: tuple[float, float] = hyperparameter((0.9, 0.999), check=_validate.pair_of_unit)
    eps: float = hyperparameter(1e-8, check=_validate.positive)
    weight_decay: float = hyperparameter(0.0, check=_validate.nonnegative)
    amsgrad: bool = hyperparameter(False, check=_validate.flag)
    bias_correction: bool = hyperparameter(True, check=_validate.flag)

    _rule = _updates.ADAM
    _buffer_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _hyper_tail = (0.0,)  # decoupled weight decay: no


@dataclass(frozen=True)
class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    Before the Adam step the parameters shrink, :math:`\theta \leftarrow (1 - \eta w)\,\theta`; the decay never
    enters m or v. Parameters as :class:`Adam`, with ``weight_decay=1e-2`` by default (and bias correction).

    References
    ----------
    - I. Loshchilov & F. Hutter, "Decoupled weight decay regularization", ICLR 2019, Algorithm 2.
    - PyTorch documentation, ``torch.optim.AdamW``,
      https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html.
    """

    weight_decay: float = hyperparameter(1e-2, check=_validate.nonnegative)
    bias_correction: bool = hyperparameter(True, check=_validate.flag, init=False, repr=False)

    _hyper_tail = (1.0,)  # decoupled weight decay: yes


@dataclass(frozen=True)
class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al. 2011), as ``torch.optim.Adagrad``.

    .. math::
        s_t = s_{t-1} + g_t^2, \qquad \theta_t = \theta_{t-1} - \frac{\eta}{1+(t-1)\delta}\frac{g_t}{\sqrt{s_t}+\epsilon}

    Parameters
    ----------
    lr : float
        η ≥ 0.
    lr_decay : float
        δ ≥ 0.
    weight_decay : float
        w ≥ 0, added to g as w θ.
    initial_accumulator_value : float
        s₀ ≥ 0.
    eps : float
        ε > 0.

    References
    ----------
    - J. Duchi, E. Hazan & Y. Singer, "Adaptive subgradient methods for online learning and stochastic
      optimization", JMLR 12(61):2121–2159 (2011).
    - PyTorch documentation, ``torch.optim.Adagrad``,
      https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html (the learning-rate decay δ and the initial
      accumulator s₀).
    """

    lr: float = hyperparameter(1e-2, check=_validate.nonnegative)
    lr_decay: float = hyperparameter(0.0, check=_validate.nonnegative)
    weight_decay: float = hyperparameter(0.0, check=_validate.nonnegative)
    initial_accumulator_value: float = hyperparameter(0.0, check=_validate.nonnegative, packed=False)
    eps: float = hyperparameter(1e-10, check=_validate.positive)

    _rule = _updates.ADAGRAD
    _buffer_names = ("sum",)

    def _initial_buffers(self, params):
        return np.full((1, params.shape[0]), self.initial_accumulator_value)


@dataclass(frozen=True)
class RMSprop(Optimizer):
    r"""RMSProp (Tieleman & Hinton 2012), as ``torch.optim.RMSprop``.

    .. math::
        s_t = \alpha s_{t-1} + (1-\alpha) g_t^2, \qquad
        \theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon},

    centred: s_t − ḡ_t² under the root with ḡ the running mean of g; with momentum μ > 0 the ratio feeds a
    buffer b ← μ b + g/(√s + ε) and θ ← θ − η b.

    Parameters
    ----------
    lr : float
        η ≥ 0.
    alpha : float
        Smoothing constant α in [0, 1).
    eps : float
        ε > 0.
    weight_decay : float
        w ≥ 0.
    momentum : float
        μ in [0, 1).
    centered : bool
        Normalise by an estimate of the gradient's variance instead of its second moment.

    References
    ----------
    - T. Tieleman & G. Hinton, "Lecture 6.5 — RMSProp: Divide the gradient by a running average of its recent
      magnitude", COURSERA: Neural Networks for Machine Learning, 2012.
    - A. Graves, "Generating sequences with recurrent neural networks", arXiv:1308.0850 (2013), Sec. 4.2 (the
      centred form).
    - PyTorch documentation, ``torch.optim.RMSprop``,
      https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html.
    """

    lr: float = hyperparameter(1e-2, check=_validate.nonnegative)
    alpha: float = hyperparameter(0.99, check=_validate.unit_interval)
    eps: float = hyperparameter(1e-8, check=_validate.positive)
    weight_decay: float = hyperparameter(0.0, check=_validate.nonnegative)
    momentum: float = hyperparameter(0.0, check=_validate.unit_interval)
    centered: bool = hyperparameter(False, check=_validate.flag)

    _rule = _updates.RMSPROP
    _buffer_names = ("square_avg", "grad_avg", "momentum_buffer")


@dataclass(frozen=True)
class HeavyBall(Optimizer):
    r"""Polyak's heavy ball in the physics (leapfrog) convention.

    .. math::
        v \leftarrow \beta v - \alpha \nabla L(\theta), \qquad \theta \leftarrow \theta + v.

    It is the leapfrog discretisation of θ'' + λθ' = −∇L with step γ when
    β = (1 − λγ/2)/(1 + λγ/2) and α = γ²/(1 + λγ/2) (see :func:`minimopt.derive.leapfrog_coefficients`).
    ``init(params, velocity=None)`` starts from v₀ = 0 unless a velocity is given: v₀ = γ θ'(−γ/2), the
    staggered half-step velocity, keeps the scheme second order from the first step.

    Parameters
    ----------
    alpha : float
        Step α ≥ 0 (for PyTorch's SGD with momentum, α = lr).
    beta : float
        Momentum coefficient β in [0, 1).

    References
    ----------
    - B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR Comput. Math. Math.
      Phys. 4(5):1–17 (1964).
    - N. Qian, "On the momentum term in gradient descent learning algorithms", Neural Networks 12(1):145–151 (1999)
      (the damped-oscillator reading).
    - E. Hairer, C. Lubich & G. Wanner, *Geometric Numerical Integration*, 2nd ed., Springer 2006 (the leapfrog /
      Störmer–Verlet scheme).
    """

    alpha: float = hyperparameter(check=_validate.nonnegative)
    beta: float = hyperparameter(check=_validate.unit_interval)

    _rule = _updates.HEAVY_BALL
    _buffer_names = ("velocity",)

    def init(self, params: np.ndarray, velocity: np.ndarray | None = None) -> OptState:
        """The state before the first step; ``velocity`` (v₀, shaped like params) defaults to zeros."""
        state = super().init(params)
        if velocity is not None:
            velocity = _validate.vector("velocity", velocity, size=params.shape[0])
            state._buffers[0] = velocity
        return state


@dataclass(frozen=True)
class Nesterov(HeavyBall):
    r"""Nesterov's accelerated gradient: the heavy-ball update with the gradient taken ahead.

    .. math::
        v \leftarrow \beta v - \alpha \nabla L(\theta + \ell \beta v), \qquad \theta \leftarrow \theta + v.

    ℓ = 1 is Sutskever et al.'s (2013) form, whose look-ahead points Θ = θ + βv are the iterates of
    ``torch.optim.SGD(lr=α, momentum=β, nesterov=True)``; ℓ = ½ takes the gradient at the midpoint. Use
    ``query`` for the point at which to evaluate the gradient.

    Parameters
    ----------
    alpha : float
        α ≥ 0.
    beta : float
        β in [0, 1).
    lookahead : float
        ℓ in [0, 1]; 0 gives back the heavy ball.

    References
    ----------
    - Y. E. Nesterov, "A method for solving the convex programming problem with convergence rate O(1/k²)", Soviet
      Math. Dokl. 27:372–376 (1983).
    - I. Sutskever, J. Martens, G. Dahl & G. Hinton, "On the importance of initialization and momentum in deep
      learning", ICML 2013, PMLR 28(3):1139–1147 (the momentum form, ℓ = 1).
    """

    lookahead: float = hyperparameter(1.0, check=_validate.closed_unit_interval)

    _rule = _updates.NESTEROV


@dataclass(frozen=True)
class NesterovConvex(Optimizer):
    r"""Nesterov's method for convex functions, with the momentum schedule of Su, Boyd & Candès (2016, JMLR).

    .. math::
        x_k = y_{k-1} - s\,\nabla f(y_{k-1}), \qquad y_k = x_k + \frac{k-1}{k+2}\,(x_k - x_{k-1}), \qquad y_0 = x_0,

    with s = ``alpha``. In the package's physics form the state is the velocity v_k = x_k − x_{k−1} (v₀ = 0) and
    the step count k; the gradient is taken at the look-ahead point y_k = x_k + (k − 1)/(k + 2)·v_k, which
    ``query`` returns. The step is v_{k+1} = y_k − s∇f(y_k) − x_k, x_{k+1} = x_k + v_{k+1}, computed as
    y_k − s∇f(y_k) so that the iterates are the recurrence's, bit for bit.

    Index convention: ``params`` after k steps is x_k and ``state.count`` is k, so
    ``mo.minimize(mo.NesterovConvex(s), problem, x0, n).params[k]`` is x_k for k = 0 … n, and
    ``opt.query(x_k, state)`` is y_k. As s → 0 with t = k√s the iterates follow Su, Boyd & Candès's ODE
    X'' + (3/t) X' + ∇f(X) = 0.

    Parameters
    ----------
    alpha : float
        Step s ≥ 0 (s ≤ 1/L for an L-smooth convex f in the O(1/(s k²)) guarantee).

    References
    ----------
    - W. Su, S. Boyd & E. J. Candès, "A differential equation for modeling Nesterov's accelerated gradient method:
      theory and insights", JMLR 17(153):1–43 (2016).
    - Y. E. Nesterov, "A method for solving the convex programming problem with convergence rate O(1/k²)", Soviet
      Math. Dokl. 27:372–376 (1983).

    Examples
    --------
    >>> import numpy as np, minimopt as mo
    >>> opt = mo.NesterovConvex(alpha=0.1)
    >>> x = np.array([1.0]); state = opt.init(x)
    >>> for _ in range(3):               # f(x) = x²/2, ∇f(y) = y
    ...     y = opt.query(x, state)
    ...     x, state = opt.step(x, y, state)
    ...     print(round(float(x[0]), 12), state.count)
    0.9 1
    0.81 2
    0.70875 3
    """

    alpha: float = hyperparameter(check=_validate.nonnegative)

    _rule = _updates.NESTEROV_CONVEX
    _buffer_names = ("velocity",)


@dataclass(frozen=True)
class ExponentiatedGradient(Optimizer):
    r"""Exponentiated gradient descent (Kivinen & Warmuth 1997): :math:`\theta \leftarrow \theta \odot e^{-\eta g}`.

    Mirror descent with the entropy as mirror map; parameters must start positive, and stay positive.

    Parameters
    ----------
    lr : float
        η ≥ 0.

    References
    ----------
    - J. Kivinen & M. K. Warmuth, "Exponentiated gradient versus gradient descent for linear predictors", Inf.
      Comput. 132(1):1–63 (1997).
    """

    lr: float = hyperparameter(check=_validate.nonnegative)

    _rule = _updates.EXP_GRAD

    def _check_params(self, name, params):
        """Exponentiated gradient lives on the positive orthant: ``init``, ``step``, ``step_`` and ``query``
        refuse a parameter ≤ 0 (the multiplicative update could never make it positive)."""
        if not (params > 0).all():
            raise ValueError(f"{name} must be positive for exponentiated gradient")


@dataclass(frozen=True)
class EGStepSize(Optimizer):
    r"""Per-coordinate step sizes adapted by exponentiated gradient (meta-learning of the learning rate).

    .. math::
        \nu_t = \nu_{t-1} \odot \exp(\gamma\, g_{t-1} \odot g_t), \qquad \theta_t = \theta_{t-1} - \eta\,\nu_t \odot g_t,

    from ν₀ = 1 and g₀ = 0, so that :math:`\nu_t = \exp(\gamma \sum_k g_{k-1} \odot g_k)`: a step size grows
    while successive gradients agree in sign and shrinks when they alternate.

    Parameters
    ----------
    lr : float
        Base learning rate η ≥ 0.
    gamma : float
        Meta learning rate γ ≥ 0.

    References
    ----------
    - E. Amid, R. Anil, C. Fifty & M. K. Warmuth, "Step-size adaptation using exponentiated gradient updates",
      arXiv:2202.00145 (2022). The rule here is a simplified form of theirs: their method adapts a global scale and
      per-coordinate gains with a normalised alignment signal.
    - J. Kivinen & M. K. Warmuth, "Exponentiated gradient versus gradient descent for linear predictors", Inf.
      Comput. 132(1):1–63 (1997).
    """

    lr: float = hyperparameter(check=_validate.nonnegative)
    gamma: float = hyperparameter(check=_validate.nonnegative)

    _rule = _updates.EG_STEP_SIZE
    _buffer_names = ("step_size", "prev_grad")

    def _initial_buffers(self, params):
        buffers = np.zeros((2, params.shape[0]))
        buffers[0] = 1.0
        return buffers


@dataclass(frozen=True)
class HypergradientSGD(Optimizer):
    r"""SGD whose learning rate follows its own hypergradient (SGD-HD, Baydin et al. 2018).

    .. math::
        \eta_t = \eta_{t-1} + \beta\, g_t \cdot g_{t-1}, \qquad \theta_t = \theta_{t-1} - \eta_t g_t,

    starting from η₀ = ``lr`` and g₀ = 0. The current rate is ``state["lr"]``.

    Parameters
    ----------
    lr : float
        Initial learning rate η₀ ≥ 0.
    beta : float
        Hypergradient learning rate β ≥ 0.

    References
    ----------
    - A. G. Baydin, R. Cornish, D. Martínez Rubio, M. Schmidt & F. Wood, "Online learning rate adaptation with
      hypergradient descent", ICLR 2018 (SGD-HD).
    - L. B. Almeida, T. Langlois, J. D. Amaral & A. Plakhov, "Parameter adaptation in stochastic optimization", in
      *On-Line Learning in Neural Networks*, Cambridge University Press 1998.
    """

    lr: float = hyperparameter(check=_validate.nonnegative)
    beta: float = hyperparameter(check=_validate.nonnegative)

    _rule = _updates.HYPERGRADIENT
    _buffer_names = ("prev_grad",)
    _scalar_names = ("lr",)

    def _initial_scalars(self):
        return np.array([0.0, self.lr])
