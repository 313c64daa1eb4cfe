r"""SymPy derivations behind the book, one function per result, one module per chapter.

Every function derives its result with SymPy, checks the identity it claims (raising ``AssertionError`` with
a message if a check fails, which it never should), and returns the verified expressions in a small
``NamedTuple`` whose fields the chapters display and the tests re-check.

The symbols are shared module attributes, so that a chapter can substitute numbers into a result::

    from minimopt import derive
    lf = derive.leapfrog_coefficients()
    lf.beta.subs({derive.lam: 0.3, derive.gamma: 0.1})

Shared symbols (module attributes, printed as the Greek letter or name in brackets):

- ``gamma`` (γ): time step of the discretisation, the learning rate of gradient descent
- ``h``: curvature of the quadratic test problem :math:`L = h\theta^2/2`
- ``lam`` (λ): damping (friction) of :math:`\theta'' + \lambda\theta' = -\nabla L`
- ``alpha`` (α), ``beta`` (β): learning rate and momentum of heavy ball, :math:`v \leftarrow \beta v - \alpha\nabla L`
- ``sigma`` (σ): noise amplitude of :math:`dX = -L'(X)\,dt + \sigma\,dW`
- ``theta`` (θ), ``theta0`` (θ₀): a scalar parameter and its initial value
- ``t``, ``T``: time, and the fixed final time :math:`T = n\gamma` of a convergence study; ``n``: step index
- ``r``: the factor by which a learning rate is changed
- ``h_min``, ``h_max`` (printed :math:`h_{min}`, :math:`h_{max}`), ``kappa`` (κ = h_max/h_min): curvature bounds
  for heavy-ball tuning
- ``mu`` (μ), ``lr``: PyTorch's momentum and learning rate (:func:`torch_to_physics`)
- ``x``, ``v``: position and velocity in the Fokker–Planck and Kramers equations
- ``beta1``, ``beta2`` (β₁, β₂), ``t_step`` (printed t): Adam's decay rates and step count; ``g_mean``,
  ``g2_mean``: :math:`\mathbb{E}[g]` and :math:`\mathbb{E}[g^2]`
- ``f``: generic right-hand side of :math:`\theta' = f(\theta)`; ``L``: generic loss (undefined SymPy functions)

Only SymPy and the standard library are imported, so this module works without the compiled parts of
minimopt.

The derivations live in one module per chapter (``euler``, ``fokker_planck``, ``momentum``, ``adaptive``,
``intrinsic_lr``, …); every public function of every chapter module is collected into this namespace, so a chapter
writes ``derive.<result>()`` whatever module holds it. Results are cached (``functools.cache``): the first call
derives and checks, later calls in the same process return the same object.

Only SymPy and the standard library are imported, so this package works without the compiled parts of
minimopt.
"""

import importlib
import pkgutil

from minimopt.derive._common import (L, T, alpha, beta, beta1, beta2, f, g2_mean, g_mean, gamma, h, h_max, h_min,
                                     kappa, lam, lr, mu, n, r, sigma, t, t_step, theta, theta0, v, x)  # noqa: F401 (re-exported)

SYMBOLS = ("gamma", "h", "lam", "alpha", "beta", "sigma", "theta", "theta0", "t", "T", "n", "r", "mu", "h_min", "h_max",
           "kappa", "lr", "x", "v", "f", "L", "beta1", "beta2", "g_mean", "g2_mean", "t_step")

__all__ = []
for _module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
    if _module_info.name.startswith("_"):
        continue
    _module = importlib.import_module(f"{__name__}.{_module_info.name}")
    for _name in getattr(_module, "__all__", ()):
        if _name in globals() and globals()[_name] is not getattr(_module, _name):
            raise ImportError(f"minimopt.derive: {_name!r} is defined by two chapter modules")
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
