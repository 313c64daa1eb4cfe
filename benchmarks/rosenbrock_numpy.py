"""Adam on the 2-D Rosenbrock function, 10⁵ steps, as a Python loop calling a NumPy Adam step per iteration.

The reference a reader would write without minimopt: the analytic Rosenbrock gradient in NumPy and a
straightforward NumPy Adam step (torch.optim.Adam's formulas and order of operations, state updated in place),
called once per iteration. No loss or trajectory is recorded. Reports the best-of-k time and the final iterate,
which must equal minimopt's to ~1e-9.
"""

import numpy as np

from _timing import ADAM, ROSENBROCK_STEPS, ROSENBROCK_X0, best_of, options, report


def rosenbrock_grad(x, a=1.0, b=100.0):
    """∇ Σᵢ b(xᵢ₊₁ − xᵢ²)² + (a − xᵢ)²."""
    inner = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] += -4.0 * b * x[:-1] * inner - 2.0 * (a - x[:-1])
    g[1:] += 2.0 * b * inner
    return g


def adam_step(x, g, m, v, t, lr, beta1, beta2, eps):
    """Step t (from 1) of torch.optim.Adam, in place on x, m, v."""
    m += (1.0 - beta1) * (g - m)  # torch.lerp(m, g, 1 − β₁)
    v *= beta2
    v += (1.0 - beta2) * g * g
    denom = np.sqrt(v) / (1.0 - beta2**t) ** 0.5 + eps
    x -= lr / (1.0 - beta1**t) * (m / denom)


def run(steps):
    x = np.array(ROSENBROCK_X0)
    m, v = np.zeros_like(x), np.zeros_like(x)
    for t in range(1, steps + 1):
        adam_step(x, rosenbrock_grad(x), m, v, t, ADAM["lr"], ADAM["beta1"], ADAM["beta2"], ADAM["eps"])
    return x


opts = options(repeat=3, steps=ROSENBROCK_STEPS)
best, median, final = best_of(lambda: run(opts.steps), opts.repeat)  # pure Python: nothing to warm up
report(seconds=best, median=median, repeat=opts.repeat, steps=opts.steps, final=final.tolist(),
       numpy=np.__version__)
