"""Hand-written numba loops, one per optimizer: what `minimize` must come within 2× of.

Each loop is what a careful user would write for one optimizer on Rosenbrock's function, without minimopt:
the gradient and the update written out in one ``@njit`` function, hyperparameters as constants (the values
of ``CONFIGS``), recording every iterate and loss and stopping at the first non-finite one — the same work
``minimize`` does. The formulas are torch's (or the physics form's) in the same order as minimopt's kernels, so
the iterates agree with ``minimize`` (``loop_overhead.py`` reports the largest difference).
"""

import numpy as np
from numba import njit

A, B = 1.0, 100.0  # Rosenbrock's a and b

# name -> (minimopt class name, keyword arguments); the hand-written loops below use these same numbers
CONFIGS = {
    "SGD": ("SGD", {"lr": 1e-3}),
    "SGD-momentum": ("SGD", {"lr": 1e-3, "momentum": 0.9}),
    "Adam": ("Adam", {"lr": 1e-3}),
    "AdamW": ("AdamW", {"lr": 1e-3}),
    "Adagrad": ("Adagrad", {"lr": 1e-2}),
    "RMSprop": ("RMSprop", {"lr": 1e-3}),
    "HeavyBall": ("HeavyBall", {"alpha": 1e-3, "beta": 0.9}),
    "Nesterov": ("Nesterov", {"alpha": 1e-3, "beta": 0.9}),
    "NesterovConvex": ("NesterovConvex", {"alpha": 1e-3}),
    "ExponentiatedGradient": ("ExponentiatedGradient", {"lr": 1e-3}),
    "EGStepSize": ("EGStepSize", {"lr": 1e-3, "gamma": 1e-3}),
    "HypergradientSGD": ("HypergradientSGD", {"lr": 1e-3, "beta": 1e-7}),
}


@njit(cache=True, inline="always")
def _value(x):
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += B * (x[i + 1] - x[i] * x[i]) ** 2 + (A - x[i]) ** 2
    return total


@njit(cache=True, inline="always")
def _grad(x, g):
    n = x.shape[0]
    for i in range(n):
        g[i] = 0.0
    for i in range(n - 1):
        inner = x[i + 1] - x[i] * x[i]
        g[i] += -4.0 * B * x[i] * inner - 2.0 * (A - x[i])
        g[i + 1] += 2.0 * B * inner


@njit(cache=True, inline="always")
def _start(x0, steps):
    path = np.empty((steps + 1, x0.shape[0]))
    loss = np.empty(steps + 1)
    path[0] = x0
    loss[0] = _value(x0)
    return path, loss, x0.copy(), np.empty(x0.shape[0])


@njit(cache=True, inline="always")
def _record(path, loss, t, x, finite):
    """Write row t + 1; False (stop) when x or its loss is not finite."""
    value = _value(x)
    if not (finite and np.isfinite(value)):
        return False
    for i in range(x.shape[0]):
        path[t + 1, i] = x[i]
    loss[t + 1] = value
    return True


@njit(cache=True)
def sgd(x0, steps):
    path, loss, x, g = _start(x0, steps)
    for t in range(steps):
        _grad(x, g)
        ok = True
        for i in range(x.shape[0]):
            x[i] = x[i] - 1e-3 * g[i]
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def sgd_momentum(x0, steps):
    path, loss, x, g = _start(x0, steps)
    b = np.zeros(x.shape[0])
    for t in range(steps):
        _grad(x, g)
        ok = True
        for i in range(x.shape[0]):
            b[i] = g[i] if t == 0 else b[i] * 0.9 + g[i]
            x[i] = x[i] - 1e-3 * b[i]
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def _adam(x0, steps, decay):
    path, loss, x, g = _start(x0, steps)
    m, v = np.zeros(x.shape[0]), np.zeros(x.shape[0])
    lr, beta1, beta2, eps = 1e-3, 0.9, 0.999, 1e-8
    for t in range(steps):
        _grad(x, g)
        k = t + 1.0
        step_size = lr / (1.0 - beta1**k)
        root = (1.0 - beta2**k) ** 0.5
        ok = True
        for i in range(x.shape[0]):
            m[i] = m[i] + (1.0 - beta1) * (g[i] - m[i])  # torch.lerp(m, g, 0.1)
            v[i] = v[i] * beta2 + (1.0 - beta2) * g[i] * g[i]
            x[i] = x[i] * (1.0 - lr * decay) - step_size * (m[i] / (np.sqrt(v[i]) / root + eps))
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def adam(x0, steps):
    return _adam(x0, steps, 0.0)


@njit(cache=True)
def adamw(x0, steps):
    return _adam(x0, steps, 1e-2)


@njit(cache=True)
def adagrad(x0, steps):
    path, loss, x, g = _start(x0, steps)
    s = np.zeros(x.shape[0])
    for t in range(steps):
        _grad(x, g)
        ok = True
        for i in range(x.shape[0]):
            s[i] += g[i] * g[i]
            x[i] = x[i] - 1e-2 * (g[i] / (np.sqrt(s[i]) + 1e-10))
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def rmsprop(x0, steps):
    path, loss, x, g = _start(x0, steps)
    s = np.zeros(x.shape[0])
    for t in range(steps):
        _grad(x, g)
        ok = True
        for i in range(x.shape[0]):
            s[i] = s[i] * 0.99 + (1.0 - 0.99) * g[i] * g[i]
            x[i] = x[i] - 1e-3 * (g[i] / (np.sqrt(s[i]) + 1e-8))
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def heavy_ball(x0, steps):
    path, loss, x, g = _start(x0, steps)
    v = np.zeros(x.shape[0])
    for t in range(steps):
        _grad(x, g)
        ok = True
        for i in range(x.shape[0]):
            v[i] = 0.9 * v[i] - 1e-3 * g[i]
            x[i] = x[i] + v[i]
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def nesterov(x0, steps):
    path, loss, x, g = _start(x0, steps)
    v, y = np.zeros(x.shape[0]), np.empty(x.shape[0])
    for t in range(steps):
        for i in range(x.shape[0]):
            y[i] = x[i] + 0.9 * v[i]  # look-ahead 1 · β · v
        _grad(y, g)
        ok = True
        for i in range(x.shape[0]):
            v[i] = 0.9 * v[i] - 1e-3 * g[i]
            x[i] = x[i] + v[i]
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def nesterov_convex(x0, steps):
    path, loss, x, g = _start(x0, steps)
    v, y = np.zeros(x.shape[0]), np.empty(x.shape[0])
    for t in range(steps):
        beta = (t - 1.0) / (t + 2.0)
        for i in range(x.shape[0]):
            y[i] = x[i] + beta * v[i]
        _grad(y, g)
        ok = True
        for i in range(x.shape[0]):
            p = y[i] - 1e-3 * g[i]
            v[i] = p - x[i]
            x[i] = p
            ok &= np.isfinite(p)
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def exponentiated_gradient(x0, steps):
    path, loss, x, g = _start(x0, steps)
    for t in range(steps):
        _grad(x, g)
        ok = True
        for i in range(x.shape[0]):
            x[i] = x[i] * np.exp(-1e-3 * g[i])
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def eg_step_size(x0, steps):
    path, loss, x, g = _start(x0, steps)
    nu, previous = np.ones(x.shape[0]), np.zeros(x.shape[0])
    for t in range(steps):
        _grad(x, g)
        ok = True
        for i in range(x.shape[0]):
            nu[i] = nu[i] * np.exp(1e-3 * previous[i] * g[i])
            previous[i] = g[i]
            x[i] = x[i] - 1e-3 * nu[i] * g[i]
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


@njit(cache=True)
def hypergradient_sgd(x0, steps):
    path, loss, x, g = _start(x0, steps)
    previous = np.zeros(x.shape[0])
    lr = 1e-3
    for t in range(steps):
        _grad(x, g)
        dot = 0.0
        for i in range(x.shape[0]):
            dot += g[i] * previous[i]
        lr = lr + 1e-7 * dot
        ok = np.isfinite(lr)
        for i in range(x.shape[0]):
            previous[i] = g[i]
            x[i] = x[i] - lr * g[i]
            ok &= np.isfinite(x[i])
        if not _record(path, loss, t, x, ok):
            return path[: t + 1], loss[: t + 1]
    return path, loss


LOOPS = {"SGD": sgd, "SGD-momentum": sgd_momentum, "Adam": adam, "AdamW": adamw, "Adagrad": adagrad,
         "RMSprop": rmsprop, "HeavyBall": heavy_ball, "Nesterov": nesterov, "NesterovConvex": nesterov_convex,
         "ExponentiatedGradient": exponentiated_gradient, "EGStepSize": eg_step_size,
         "HypergradientSGD": hypergradient_sgd}
