"""Adam on the 2-D Rosenbrock function, 10⁵ steps, with ``torch.optim.Adam`` (float64 tensor of 2 parameters).

The loop a deep-learning reader would write. ``--grad autograd`` (the usual way) builds the loss and calls
``backward()`` each step; ``--grad analytic`` writes the analytic gradient, computed with torch ops under
``no_grad``, into ``x.grad``. torch.optim.Adam with its defaults (CPU: the single-tensor implementation).
No loss or trajectory is recorded. Runs in any environment with torch (minimopt is not needed).
"""

import torch

from _timing import ADAM, ROSENBROCK_STEPS, ROSENBROCK_X0, best_of, options, report

A, B = 1.0, 100.0


def run(steps, grad_mode):
    x = torch.tensor(ROSENBROCK_X0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([x], lr=ADAM["lr"], betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["eps"])
    for _ in range(steps):
        if grad_mode == "autograd":
            opt.zero_grad()
            loss = (B * (x[1:] - x[:-1] ** 2) ** 2 + (A - x[:-1]) ** 2).sum()
            loss.backward()
        else:
            with torch.no_grad():
                inner = x[1:] - x[:-1] ** 2
                g = torch.zeros_like(x)
                g[:-1] += -4.0 * B * x[:-1] * inner - 2.0 * (A - x[:-1])
                g[1:] += 2.0 * B * inner
            x.grad = g
        opt.step()
    return x.detach()


opts = options(repeat=3, steps=ROSENBROCK_STEPS, grad="autograd")
if opts.grad not in ("autograd", "analytic"):
    raise SystemExit("--grad must be autograd or analytic")
best, median, final = best_of(lambda: run(opts.steps, opts.grad), opts.repeat)
report(seconds=best, median=median, repeat=opts.repeat, steps=opts.steps, final=final.tolist(), grad=opts.grad,
       torch=torch.__version__, torch_threads=torch.get_num_threads())
