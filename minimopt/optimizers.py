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

from dataclasses import dataclass

import numpy as np

from . import _updates, _validate


class DivergedError(ArithmeticError):
    """An update produced a parameter that is not finite (the step size is too large for the problem)."""


class OptState:
    """An optimizer's state: named per-coordinate buffers and a step counter, held in arrays.

    The arrays are what the compiled kernels update; ``step`` copies them first, ``step_`` updates them in place.
    Buffers and scalar state are read by name, ``state["exp_avg"]`` or ``state["lr"]``; ``state.count`` is the
    number of steps taken.
    """

    __slots__ = ("buffers", "scalars", "names", "scalar_names")

    def __init__(self, buffers, scalars, names, scalar_names=()):
        self.buffers = buffers
        self.scalars = scalars
        self.names = names
        self.scalar_names = scalar_names

    @property
    def count(self):
        """Number of steps taken."""
        return int(self.scalars[0])

    def __getitem__(self, name):
        if name in self.names:
            return self.buffers[self.names.index(name)]
        if name in self.scalar_names:
            return float(self.scalars[1 + self.scalar_names.index(name)])
        raise KeyError(f"no state {name!r}; this state has {self.names + self.scalar_names}")

    def copy(self):
        """A deep copy: the functional ``step`` works on one."""
        return OptState(self.buffers.copy(), self.scalars.copy(), self.names, self.scalar_names)

    def __repr__(self):
        scalars = "".join(f", {name}={self[name]!r}" for name in self.scalar_names)
        return f"OptState(count={self.count}{scalars}, buffers={self.names})"


class Optimizer:
    """Base class: subclasses are frozen dataclasses that define the rule, its buffers and its hyperparameters."""

    _rule = -1
    _buffer_names = ()
    _scalar_names = ()

    def _hyper(self):
        raise NotImplementedError

    def _initial_buffers(self, params):
        return np.zeros((len(self._buffer_names), params.shape[0]))

    def _initial_scalars(self):
        return np.zeros(1)

    def init(self, params):
        """The state before the first step, for parameters shaped like ``params`` (1-D float64)."""
        params = _validate.vector("params", params)
        return OptState(self._initial_buffers(params), self._initial_scalars(), self._buffer_names,
                        self._scalar_names)

    def query(self, params, state):
        """The point at which the next gradient must be taken: ``params`` itself except for Nesterov."""
        self._check(params, params, state)
        out = np.empty_like(params)
        _updates.query_point(self._rule, params, state.buffers, state.scalars, self._hyper(), out)
        return out

    def step(self, params, grad, state):
        """One update; returns ``(new_params, new_state)`` and leaves the inputs untouched."""
        self._check(params, grad, state)
        params, state = params.copy(), state.copy()
        self._apply(params, grad, state)
        return params, state

    def step_(self, params, grad, state):
        """The same update as :meth:`step`, written into ``params`` and ``state`` in place (no copies)."""
        self._check(params, grad, state)
        self._apply(params, grad, state)

    def _check(self, params, grad, state):
        _validate.vector("params", params)
        _validate.vector("grad", grad)
        _validate.same_shape("params", params, "grad", grad)
        if not isinstance(state, OptState) or state.names != self._buffer_names:
            raise ValueError(f"state must come from {type(self).__name__}.init, got {state!r}")
        if state.buffers.shape[1] != params.shape[0]:
            raise ValueError(f"state was made for {state.buffers.shape[1]} parameters, params has {params.shape[0]}")

    def _apply(self, params, grad, state):
        if not _updates.apply_update(self._rule, params, grad, state.buffers, state.scalars, self._hyper()):
            raise DivergedError(f"{type(self).__name__} step {state.count} produced non-finite parameters: "
                                "the iteration diverged (try a smaller step size)")


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
    """

    lr: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0

    _rule = _updates.SGD
    _buffer_names = ("momentum_buffer",)

    def __post_init__(self):
        _set(self, "lr", _validate.nonnegative("lr", self.lr))
        _set(self, "momentum", _validate.unit_interval("momentum", self.momentum))
        _set(self, "dampening", _validate.unit_interval("dampening", self.dampening))
        _set(self, "weight_decay", _validate.nonnegative("weight_decay", self.weight_decay))
        _set(self, "nesterov", _flag("nesterov", self.nesterov))
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening = 0")

    def _hyper(self):
        return np.array([self.lr, self.momentum, self.dampening, float(self.nesterov), self.weight_decay])


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
    """

    lr: float = 1e-3
    betas: tuple = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False
    bias_correction: bool = True

    _rule = _updates.ADAM
    _buffer_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled = False

    def __post_init__(self):
        _set(self, "lr", _validate.nonnegative("lr", self.lr))
        _set(self, "betas", _betas(self.betas))
        _set(self, "eps", _validate.positive("eps", self.eps))
        _set(self, "weight_decay", _validate.nonnegative("weight_decay", self.weight_decay))
        _set(self, "amsgrad", _flag("amsgrad", self.amsgrad))
        _set(self, "bias_correction", _flag("bias_correction", self.bias_correction))

    def _hyper(self):
        return np.array([self.lr, self.betas[0], self.betas[1], self.eps, self.weight_decay, float(self.amsgrad),
                         float(self.bias_correction), float(self._decoupled)])


@dataclass(frozen=True)
class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    Before the Adam step the parameters shrink, :math:`\theta \leftarrow (1 - \eta w)\,\theta`; the decay never
    enters m or v. Parameters as :class:`Adam`, with ``weight_decay=1e-2`` by default (and bias correction).
    """

    weight_decay: float = 1e-2
    bias_correction: bool = True
    _decoupled = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        Adam.__init__(self, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)


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
    """

    lr: float = 1e-2
    lr_decay: float = 0.0
    weight_decay: float = 0.0
    initial_accumulator_value: float = 0.0
    eps: float = 1e-10

    _rule = _updates.ADAGRAD
    _buffer_names = ("sum",)

    def __post_init__(self):
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value"):
            _set(self, name, _validate.nonnegative(name, getattr(self, name)))
        _set(self, "eps", _validate.positive("eps", self.eps))

    def _initial_buffers(self, params):
        return np.full((1, params.shape[0]), self.initial_accumulator_value)

    def _hyper(self):
        return np.array([self.lr, self.lr_decay, self.weight_decay, self.eps])


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
    """

    lr: float = 1e-2
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False

    _rule = _updates.RMSPROP
    _buffer_names = ("square_avg", "grad_avg", "momentum_buffer")

    def __post_init__(self):
        _set(self, "lr", _validate.nonnegative("lr", self.lr))
        _set(self, "alpha", _validate.unit_interval("alpha", self.alpha))
        _set(self, "eps", _validate.positive("eps", self.eps))
        _set(self, "weight_decay", _validate.nonnegative("weight_decay", self.weight_decay))
        _set(self, "momentum", _validate.unit_interval("momentum", self.momentum))
        _set(self, "centered", _flag("centered", self.centered))

    def _hyper(self):
        return np.array([self.lr, self.alpha, self.eps, self.weight_decay, self.momentum, float(self.centered)])


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
    """

    alpha: float
    beta: float

    _rule = _updates.HEAVY_BALL
    _buffer_names = ("velocity",)

    def __post_init__(self):
        _set(self, "alpha", _validate.nonnegative("alpha", self.alpha))
        _set(self, "beta", _validate.unit_interval("beta", self.beta))

    def init(self, params, velocity=None):
        """The state before the first step; ``velocity`` (v₀, shaped like params) defaults to zeros."""
        state = super().init(params)
        if velocity is not None:
            velocity = _validate.vector("velocity", velocity, size=params.shape[0])
            state.buffers[0] = velocity
        return state

    def _hyper(self):
        return np.array([self.alpha, self.beta])


@dataclass(frozen=True)
class Nesterov(HeavyBall):
    r"""Nesterov's accelerated gradient: the heavy-ball update with the gradient taken ahead.

    .. math::
        v \leftarrow \beta v - \alpha \nabla L(\theta + \ell \beta v), \qquad \theta \leftarrow \theta + v.

    ℓ = 1 is Sutskever et al.'s (2013) form, whose look-ahead points Θ = θ + βv are the iterates of
    ``torch.optim.SGD(lr=α, momentum=β, nesterov=True)``; ℓ = ½ takes the gradient at the midpoint. Use
    :meth:`query` for the point at which to evaluate the gradient.

    Parameters
    ----------
    alpha : float
        α ≥ 0.
    beta : float
        β in [0, 1).
    lookahead : float
        ℓ in [0, 1]; 0 gives back the heavy ball.
    """

    lookahead: float = 1.0

    _rule = _updates.NESTEROV

    def __post_init__(self):
        super().__post_init__()
        _set(self, "lookahead", _validate.finite_scalar("lookahead", self.lookahead, low=0.0, high=1.0,
                                                        high_open=False))

    def _hyper(self):
        return np.array([self.alpha, self.beta, self.lookahead])


@dataclass(frozen=True)
class NesterovConvex(Optimizer):
    r"""Nesterov's method for convex functions, with the momentum schedule of Su, Boyd & Candès (2016, JMLR).

    .. math::
        x_k = y_{k-1} - s\,\nabla f(y_{k-1}), \qquad y_k = x_k + \frac{k-1}{k+2}\,(x_k - x_{k-1}), \qquad y_0 = x_0,

    with s = ``alpha``. In the package's physics form the state is the velocity v_k = x_k − x_{k−1} (v₀ = 0) and
    the step count k; the gradient is taken at the look-ahead point y_k = x_k + (k − 1)/(k + 2)·v_k, which
    :meth:`query` returns. The step is v_{k+1} = y_k − s∇f(y_k) − x_k, x_{k+1} = x_k + v_{k+1}, computed as
    y_k − s∇f(y_k) so that the iterates are the recurrence's, bit for bit.

    Index convention: ``params`` after k steps is x_k and ``state.count`` is k, so
    ``mo.minimize(mo.NesterovConvex(s), problem, x0, n).params[k]`` is x_k for k = 0 … n, and
    ``opt.query(x_k, state)`` is y_k. As s → 0 with t = k√s the iterates follow Su, Boyd & Candès's ODE
    X'' + (3/t) X' + ∇f(X) = 0.

    Parameters
    ----------
    alpha : float
        Step s ≥ 0 (s ≤ 1/L for an L-smooth convex f in the O(1/(s k²)) guarantee).

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

    alpha: float

    _rule = _updates.NESTEROV_CONVEX
    _buffer_names = ("velocity",)

    def __post_init__(self):
        _set(self, "alpha", _validate.nonnegative("alpha", self.alpha))

    def _hyper(self):
        return np.array([self.alpha])


@dataclass(frozen=True)
class ExponentiatedGradient(Optimizer):
    r"""Exponentiated gradient descent (Kivinen & Warmuth 1997): :math:`\theta \leftarrow \theta \odot e^{-\eta g}`.

    Mirror descent with the entropy as mirror map; parameters must start positive, and stay positive.

    Parameters
    ----------
    lr : float
        η ≥ 0.
    """

    lr: float

    _rule = _updates.EXP_GRAD

    def __post_init__(self):
        _set(self, "lr", _validate.nonnegative("lr", self.lr))

    def init(self, params):
        """The state (only a step count); ``params`` must be positive."""
        state = super().init(params)
        if not (params > 0).all():
            raise ValueError("params must be positive for exponentiated gradient")
        return state

    def _hyper(self):
        return np.array([self.lr])


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
    """

    lr: float
    gamma: float

    _rule = _updates.EG_STEP_SIZE
    _buffer_names = ("step_size", "prev_grad")

    def __post_init__(self):
        _set(self, "lr", _validate.nonnegative("lr", self.lr))
        _set(self, "gamma", _validate.nonnegative("gamma", self.gamma))

    def _initial_buffers(self, params):
        buffers = np.zeros((2, params.shape[0]))
        buffers[0] = 1.0
        return buffers

    def _hyper(self):
        return np.array([self.lr, self.gamma])


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
    """

    lr: float
    beta: float

    _rule = _updates.HYPERGRADIENT
    _buffer_names = ("prev_grad",)
    _scalar_names = ("lr",)

    def __post_init__(self):
        _set(self, "lr", _validate.nonnegative("lr", self.lr))
        _set(self, "beta", _validate.nonnegative("beta", self.beta))

    def _initial_scalars(self):
        return np.array([0.0, self.lr])

    def _hyper(self):
        return np.array([self.lr, self.beta])


def _set(instance, name, value):
    object.__setattr__(instance, name, value)


def _flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _betas(betas):
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    return (_validate.unit_interval("betas[0]", beta1), _validate.unit_interval("betas[1]", beta2))
