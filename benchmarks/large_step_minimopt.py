"""One in-place update on d = 10⁷ parameters with ``opt.step_`` (warm), and the bare kernel it calls.

``step_`` is what a user calls: it validates its inputs (shapes, dtype, and finiteness of params and grad by one
``np.sum`` each, i.e. two extra reads of 8·d bytes) and then runs the compiled kernel, which makes one fused
pass over the arrays. Calling the kernel of :mod:`minimopt._updates` directly shows what the validation costs.
Rules: ``adam`` (torch defaults), ``sgd`` (lr only, no momentum), ``heavyball`` (α = 1e-3, β = 0.9).
"""

import numpy as np

import minimopt as mo
from minimopt import _updates
from _timing import LARGE_D, best_of, options, report, stream_bytes

OPTIMIZERS = {"adam": (mo.Adam, _updates.adam_update), "sgd": (lambda: mo.SGD(lr=1e-3), _updates.sgd_update),
              "heavyball": (lambda: mo.HeavyBall(alpha=1e-3, beta=0.9), _updates.heavy_ball_update)}

opts = options(rule="adam", repeat=10, d=LARGE_D)
make, kernel = OPTIMIZERS[opts.rule]
rng = np.random.default_rng(0)
params, grad = rng.standard_normal(opts.d), rng.standard_normal(opts.d)
opt = make()
state = opt.init(params)
hyper = opt._hyper()

opt.step_(params, grad, state)  # compile, or load from numba's cache
step_best, step_median, _ = best_of(lambda: opt.step_(params, grad, state), opts.repeat)
kernel_best, kernel_median, _ = best_of(lambda: kernel(params, grad, state.buffers, state.scalars, hyper),
                                        opts.repeat)
check_best, _, _ = best_of(lambda: opt._check(params, grad, state), opts.repeat)
gigabytes = stream_bytes(opts.rule, opts.d) / 1e9
report(rule=opts.rule, d=opts.d, seconds=step_best, median=step_median, kernel_seconds=kernel_best,
       kernel_median=kernel_median, validation_seconds=check_best, gbps=gigabytes / step_best,
       kernel_gbps=gigabytes / kernel_best, finite=bool(np.isfinite(params).all()))
