"""One in-place update on d = 10⁷ parameters written in NumPy: several ways, the fastest is the reference.

Variants, all updating params and state in place with the same formulas as minimopt (torch's order of
operations):

* ``expression`` — the obvious NumPy expressions (temporaries allocated by each operation);
* ``out`` — ufuncs with ``out=`` into one preallocated temporary, no allocation;
* ``blocked`` — the ``out`` variant applied block by block (2¹⁵ elements), so that the temporaries and the
  several passes of each block stay in cache and main memory is streamed about once.

Before timing, each variant's result on d = 1000 is compared with minimopt's ``step`` (max relative difference
reported), so the timings compare the same update.
"""

import numpy as np

from _timing import ADAM, LARGE_D, best_of, options, report, stream_bytes

BLOCK = 1 << 15
LR, ALPHA, BETA = 1e-3, 1e-3, 0.9  # SGD's lr; the heavy ball's α, β (as large_step_minimopt.py)


def adam_expression(t, p, g, m, v):
    b1, b2 = ADAM["beta1"], ADAM["beta2"]
    m += (1.0 - b1) * (g - m)
    v *= b2
    v += (1.0 - b2) * g * g
    p -= ADAM["lr"] / (1.0 - b1**t) * (m / (np.sqrt(v) / (1.0 - b2**t) ** 0.5 + ADAM["eps"]))


def adam_out(t, p, g, m, v, tmp):
    b1, b2 = ADAM["beta1"], ADAM["beta2"]
    np.subtract(g, m, out=tmp)
    tmp *= 1.0 - b1
    m += tmp
    v *= b2
    np.multiply(g, 1.0 - b2, out=tmp)
    tmp *= g
    v += tmp
    np.sqrt(v, out=tmp)
    tmp /= (1.0 - b2**t) ** 0.5
    tmp += ADAM["eps"]
    np.divide(m, tmp, out=tmp)
    tmp *= ADAM["lr"] / (1.0 - b1**t)
    p -= tmp


def sgd_expression(t, p, g):
    p -= LR * g


def sgd_out(t, p, g, tmp):
    np.multiply(g, LR, out=tmp)
    p -= tmp


def heavyball_expression(t, p, g, v):
    v *= BETA
    v -= ALPHA * g
    p += v


def heavyball_out(t, p, g, v, tmp):
    v *= BETA
    np.multiply(g, ALPHA, out=tmp)
    v -= tmp
    p += v


RULES = {"adam": (adam_expression, adam_out, 2), "sgd": (sgd_expression, sgd_out, 0),
         "heavyball": (heavyball_expression, heavyball_out, 1)}


class Update:
    """params, grad and state buffers of one rule, and the three ways to update them in place."""

    def __init__(self, rule, d, seed=0):
        self.expression, self.out, n_buffers = RULES[rule]
        rng = np.random.default_rng(seed)
        self.p, self.g = rng.standard_normal(d), rng.standard_normal(d)
        self.buffers = [np.abs(rng.standard_normal(d)) for _ in range(n_buffers)]  # v ≥ 0 for Adam
        self.tmp = np.empty(min(d, BLOCK))
        self.whole_tmp = np.empty(d)
        self.t = 0

    def run(self, variant):
        self.t += 1
        arrays = [self.p, self.g, *self.buffers]
        if variant == "expression":
            self.expression(self.t, *arrays)
        elif variant == "out":
            self.out(self.t, *arrays, self.whole_tmp)
        else:
            for start in range(0, self.p.shape[0], BLOCK):
                block = [a[start:start + BLOCK] for a in arrays]
                self.out(self.t, *block, self.tmp[:block[0].shape[0]])


def check(rule, variant, d=1000):
    """Max relative difference between one step of ``variant`` and minimopt's ``step`` from the same state."""
    import minimopt as mo

    update = Update(rule, d, seed=1)
    opt = {"adam": lambda: mo.Adam(), "sgd": lambda: mo.SGD(lr=LR),
           "heavyball": lambda: mo.HeavyBall(alpha=ALPHA, beta=BETA)}[rule]()
    state = opt.init(update.p)
    for row, buffer in enumerate(update.buffers):
        state.buffers[row] = buffer
    expected, _ = opt.step(update.p, update.g, state)
    update.run(variant)
    return float(np.max(np.abs(update.p - expected) / np.abs(expected)))


def measure(rule, variant, d, repeat):
    """Best-of-k time of one in-place update of ``variant`` (fresh arrays, freed on return)."""
    update = Update(rule, d)
    update.run(variant)  # first touch of the temporaries
    best, median, _ = best_of(lambda: update.run(variant), repeat)
    return dict(seconds=best, median=median, max_rel_diff=check(rule, variant))


opts = options(rule="adam", repeat=10, d=LARGE_D)
variants = {variant: measure(opts.rule, variant, opts.d, opts.repeat) for variant in ("expression", "out", "blocked")}
fastest = min(variants, key=lambda name: variants[name]["seconds"])
seconds = variants[fastest]["seconds"]
report(rule=opts.rule, d=opts.d, seconds=seconds, fastest=fastest,
       gbps=stream_bytes(opts.rule, opts.d) / 1e9 / seconds, variants=variants, numpy=np.__version__)
