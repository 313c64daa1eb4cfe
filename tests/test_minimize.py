"""``minimize``: the compiled loop against the Python loop it replaces, its randomness, and its divergence stop.

The compiled loop calls the very kernels that ``opt.step`` and ``problem.grad`` call, in the same order, on the
same float64 numbers, so without noise it must reproduce the Python loop *bit for bit*
(``assert_array_equal``): any difference means the loop takes the gradient at another point, skips or repeats
an update, or records the wrong iterate.

Statistical checks use z-scores against the exact standard errors of the model (the draws are seeded, so each
outcome is fixed; 5 standard errors is a two-sided 6e-7 tail under the CLT, so a correct implementation
passes for essentially any seed while a wrong variance, mean or correlation of the size that matters fails).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import minimopt as mo

H3 = np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.2], [0.0, 0.2, 1.0]])
_RNG = np.random.default_rng(99)
A_LS = _RNG.normal(size=(12, 3))
Y_LS = _RNG.normal(size=12)

PROBLEMS = [
    ("quadratic", mo.problems.Quadratic(H3, np.array([1.0, 2.0, 1.5])), np.array([0.5, 0.7, 0.9])),
    ("rosenbrock-4d", mo.problems.Rosenbrock(), np.array([0.9, 0.8, 0.7, 0.6])),
    ("double-well-tilt", mo.problems.DoubleWell(tilt=0.1), np.array([0.5, 1.3, 0.2])),
    ("scale-invariant", mo.problems.ScaleInvariant(H3), np.array([0.5, 0.7, 0.9])),
    ("least-squares-full", mo.problems.LeastSquares(A_LS, Y_LS), np.array([0.5, 0.7, 0.9])),
    ("piecewise-quadratic", mo.problems.PiecewiseQuadratic(), np.array([2.5, 1.5, 0.5])),
]

OPTIMIZERS = [
    ("SGD", mo.SGD(lr=1e-3)),
    ("SGD-momentum-dampening-wd", mo.SGD(lr=1e-3, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD-nesterov", mo.SGD(lr=1e-3, momentum=0.9, nesterov=True)),
    ("Adam", mo.Adam(lr=1e-2)),
    ("Adam-amsgrad-wd", mo.Adam(lr=1e-2, amsgrad=True, weight_decay=0.1)),
    ("Adam-no-bias-correction", mo.Adam(lr=1e-2, bias_correction=False)),
    ("AdamW", mo.AdamW(lr=1e-2)),
    ("Adagrad", mo.Adagrad(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", mo.RMSprop(lr=1e-3)),
    ("RMSprop-centered-momentum", mo.RMSprop(lr=1e-3, momentum=0.5, centered=True, weight_decay=0.01)),
    ("HeavyBall", mo.HeavyBall(alpha=1e-3, beta=0.9)),
    ("Nesterov", mo.Nesterov(alpha=1e-3, beta=0.9)),
    ("Nesterov-midpoint", mo.Nesterov(alpha=1e-3, beta=0.9, lookahead=0.5)),
    ("NesterovConvex", mo.NesterovConvex(alpha=1e-3)),
    ("ExponentiatedGradient", mo.ExponentiatedGradient(lr=1e-3)),
    ("EGStepSize", mo.EGStepSize(lr=1e-3, gamma=1e-4)),
    ("HypergradientSGD", mo.HypergradientSGD(lr=1e-3, beta=1e-6)),
]


def python_loop(opt, problem, x0, steps, state=None):
    """The reference: ``opt.step`` with ``problem.grad`` at ``opt.query``, stopping as ``minimize`` documents
    (at the first non-finite iterate or loss, keeping only finite records). Returns (params, loss, diverged)."""
    theta = x0.copy()
    state = opt.init(theta) if state is None else state.copy()
    params, loss = [theta.copy()], [problem.value(theta)]
    for _ in range(steps):
        grad = problem.grad(opt.query(theta, state))
        if not np.isfinite(grad).all():  # the update would make θ non-finite (``step`` refuses such a grad)
            return np.array(params), np.array(loss), True
        try:
            theta, state = opt.step(theta, grad, state)
        except mo.DivergedError:
            return np.array(params), np.array(loss), True
        value = problem.value(theta)
        if not np.isfinite(value):
            return np.array(params), np.array(loss), True
        params.append(theta.copy())
        loss.append(value)
    return np.array(params), np.array(loss), False


@pytest.mark.parametrize("problem_name, problem, x0", PROBLEMS, ids=[p[0] for p in PROBLEMS])
@pytest.mark.parametrize("opt_name, opt", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_compiled_loop_is_the_python_loop(opt_name, opt, problem_name, problem, x0):
    steps = 150
    traj = mo.minimize(opt, problem, x0, steps)
    params, loss, diverged = python_loop(opt, problem, x0, steps)
    assert not diverged and not traj.diverged
    assert_array_equal(traj.params, params)  # bit for bit (see module docstring)
    assert_array_equal(traj.loss, loss)
    assert not np.array_equal(traj.params[-1], x0)  # the run moved


def test_tables_cover_every_optimizer_and_problem():
    """A new optimizer or problem class must join these tables (guards against forgetting one)."""
    assert {cls.__name__ for cls in mo.optimizers.optimizer_classes()} <= {type(opt).__name__ for _, opt in OPTIMIZERS}
    assert set(mo.problems.problem_classes()) <= {type(problem) for _, problem, _ in PROBLEMS}


# ---------------------------------------------------------------------------------------------------------
# Shapes, steps = 0, inputs untouched, resuming from a state
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("d, steps", [(1, 0), (1, 7), (3, 0), (3, 25), (6, 100)])
def test_trajectory_shapes_and_records(d, steps):
    problem = mo.problems.Quadratic(np.diag(np.linspace(1.0, 2.0, d)))
    x0 = np.linspace(-1.0, 1.0, d) + 0.3
    traj = mo.minimize(mo.SGD(lr=0.1), problem, x0, steps)
    assert traj.params.shape == (steps + 1, d) and traj.params.dtype == np.float64
    assert traj.loss.shape == (steps + 1,) and traj.loss.dtype == np.float64
    assert traj.steps == steps and traj.diverged is False
    assert_array_equal(traj.params[0], x0)
    # loss[t] is L(params[t]): the same value kernel, so exactly equal.
    assert_array_equal(traj.loss, [problem.value(p) for p in traj.params])


def test_inputs_are_not_mutated_and_state_is_copied():
    problem = mo.problems.Rosenbrock()
    x0 = np.array([-1.2, 1.0])
    opt = mo.HeavyBall(alpha=1e-3, beta=0.9)
    state = opt.init(x0, velocity=np.array([0.01, -0.02]))
    buffers, scalars = state.buffers.copy(), state.scalars.copy()
    x0_copy = x0.copy()
    first = mo.minimize(opt, problem, x0, 50, state=state)
    assert_array_equal(state.buffers, buffers)
    assert_array_equal(state.scalars, scalars)
    assert state.count == 0
    assert_array_equal(x0, x0_copy)
    # The state was used (the velocity changes the run), and re-using it gives the same run again.
    assert not np.array_equal(first.params, mo.minimize(opt, problem, x0, 50).params)
    assert_array_equal(first.params, mo.minimize(opt, problem, x0, 50, state=state).params)
    assert_array_equal(first.params, python_loop(opt, problem, x0, 50, state=state)[0])


@pytest.mark.parametrize("opt", [mo.Adam(lr=1e-2), mo.HypergradientSGD(lr=1e-3, beta=1e-7),
                                 mo.Adagrad(lr=0.1, lr_decay=0.05)], ids=["Adam", "HypergradientSGD", "Adagrad"])
def test_resuming_from_a_state_continues_the_run(opt):
    """A run of 40 steps, then 60 more from its state (step count, moments, learning rate): bit for bit the
    same as one run of 100 (Adam's bias correction and Adagrad's decay depend on the count)."""
    problem = mo.problems.Rosenbrock()
    x0 = np.array([-1.2, 1.0])
    full = mo.minimize(opt, problem, x0, 100)
    theta, state = x0.copy(), opt.init(x0)
    for _ in range(40):
        theta, state = opt.step(theta, problem.grad(opt.query(theta, state)), state)
    resumed = mo.minimize(opt, problem, theta, 60, state=state)
    assert state.count == 40  # not advanced by minimize
    assert_array_equal(resumed.params, full.params[40:])


# ---------------------------------------------------------------------------------------------------------
# Noise: N(0, noise²) added to every gradient coordinate, seeded
# ---------------------------------------------------------------------------------------------------------
FLAT = mo.problems.Quadratic(np.zeros((2, 2)))  # zero curvature, zero gradient: the increments are pure noise


def test_noise_is_deterministic_per_seed_and_differs_across_seeds():
    problem = mo.problems.Rosenbrock()
    x0 = np.array([-1.2, 1.0])
    opt = mo.SGD(lr=1e-3, momentum=0.9)
    a = mo.minimize(opt, problem, x0, 300, noise=0.5, seed=11)
    b = mo.minimize(opt, problem, x0, 300, noise=0.5, seed=11)
    c = mo.minimize(opt, problem, x0, 300, noise=0.5, seed=12)
    assert_array_equal(a.params, b.params)
    assert_array_equal(a.loss, b.loss)
    assert np.all(a.params[1:] != c.params[1:])  # every iterate after θ₀ differs
    # Without noise the seed plays no role.
    assert_array_equal(mo.minimize(opt, problem, x0, 50, seed=1).params, mo.minimize(opt, problem, x0, 50).params)


def test_noise_increments_are_iid_gaussian_with_the_given_std():
    """SGD(lr = ½) on a flat problem: θₜ₊₁ − θₜ = −½·noise·ξₜ. Over M = 2·10⁵ steps and 2 coordinates:
    mean within 5 SE (σ/√M), std within 5 SE (σ/√(2M)), kurtosis within 5 SE (√(24/M)) of 3,
    P(|ξ| < 1) within 5 SE of 0.6827, lag-1 and cross-coordinate correlations within 5/√M of 0."""
    lr, noise, M = 0.5, 0.7, 200_000
    traj = mo.minimize(mo.SGD(lr=lr), FLAT, np.zeros(2), M, noise=noise, seed=3)
    z = -np.diff(traj.params, axis=0) / (lr * noise)  # standard normal if the noise is right
    assert np.all(np.abs(z.mean(axis=0)) < 5 / np.sqrt(M))
    assert np.all(np.abs(z.std(axis=0) - 1) < 5 / np.sqrt(2 * M))
    kurtosis = (z**4).mean(axis=0) / (z**2).mean(axis=0) ** 2
    assert np.all(np.abs(kurtosis - 3) < 5 * np.sqrt(24 / M))
    p1 = 0.6826894921370859  # P(|ξ| < 1)
    assert np.all(np.abs((np.abs(z) < 1).mean(axis=0) - p1) < 5 * np.sqrt(p1 * (1 - p1) / M))
    for j in range(2):
        assert abs(np.corrcoef(z[:-1, j], z[1:, j])[0, 1]) < 5 / np.sqrt(M)
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 5 / np.sqrt(M)


def test_noise_across_seeds_is_standard_normal():
    """One step from θ₀ for seeds 0 … 19 999: the increments over seeds have mean 0 and std lr·noise (5 SE)."""
    lr, noise, seeds = 1.0, 0.3, 20_000
    first = np.array([mo.minimize(mo.SGD(lr=lr), FLAT, np.zeros(2), 1, noise=noise, seed=s).params[1]
                      for s in range(seeds)]) / (lr * noise)
    assert np.all(np.abs(first.mean(axis=0)) < 5 / np.sqrt(seeds))
    assert np.all(np.abs(first.std(axis=0) - 1) < 5 / np.sqrt(2 * seeds))
    assert len(np.unique(first[:, 0])) == seeds  # no two seeds share a stream


def test_noise_is_added_to_the_gradient():
    """On L = hθ²/2 with noise, SGD is θₜ₊₁ = (1 − lr·h)θₜ − lr·noise·ξₜ: with the same seed, the increments
    minus the deterministic part are exactly the flat-problem increments (the noise does not depend on θ)."""
    h, lr, noise, steps = 2.0, 0.1, 0.4, 200
    quad = mo.problems.Quadratic(np.diag([h, h]))
    traj = mo.minimize(mo.SGD(lr=lr), quad, np.array([1.0, -1.0]), steps, noise=noise, seed=5)
    flat = mo.minimize(mo.SGD(lr=lr), FLAT, np.zeros(2), steps, noise=noise, seed=5)
    noise_part = traj.params[1:] - (traj.params[:-1] - lr * h * traj.params[:-1])
    # Each side is a difference of numbers of size ≤ 1 rounded a few times: 1e-15 absolute ≈ a few ulps.
    assert_allclose(noise_part, np.diff(flat.params, axis=0), rtol=0, atol=1e-15)


def test_zero_noise_on_a_flat_problem_does_not_move():
    traj = mo.minimize(mo.SGD(lr=1.0), FLAT, np.array([0.25, -3.0]), 100, noise=0.0, seed=9)
    assert_array_equal(traj.params, np.tile([0.25, -3.0], (101, 1)))


# ---------------------------------------------------------------------------------------------------------
# Divergence: stop at the first non-finite iterate or loss, keep only finite records
# ---------------------------------------------------------------------------------------------------------
def test_gradient_descent_overflow_is_exact():
    """GD with γh = 3 on L = θ²/2 from θ₀ = 1: θₙ = (−2)ⁿ exactly and L(θₙ) = 2^{2n−1}, finite up to n = 512.
    At n = 513 the iterate is finite but the loss overflows: the record ends at n = 512."""
    problem = mo.problems.Quadratic(np.array([[1.0]]))
    traj = mo.minimize(mo.SGD(lr=3.0), problem, np.array([1.0]), 2000)
    assert traj.diverged
    assert traj.params.shape == (513, 1) and traj.loss.shape == (513,)
    assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.loss))
    assert_array_equal(traj.params[:, 0], (-2.0) ** np.arange(513))
    assert traj.loss[-1] == 2.0**1023
    # The next iterate is finite, its loss is not: that is why the run stopped there.
    nxt = traj.params[-1] - 3.0 * problem.grad(traj.params[-1])
    assert np.isfinite(nxt).all() and not np.isfinite(problem.value(nxt))


def test_iterate_overflow_stops_the_run():
    """Exponentiated gradient on the linear loss L = −θ (g = −1): θₙ = eⁿ, finite up to n = 709, infinite at 710
    while every recorded loss is finite. The record ends at the last finite iterate."""
    problem = mo.problems.Quadratic(np.zeros((1, 1)), b=np.array([1.0]))
    opt = mo.ExponentiatedGradient(lr=1.0)
    traj = mo.minimize(opt, problem, np.array([1.0]), 1000)
    assert traj.diverged and traj.params.shape == (710, 1)
    assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.loss))
    # n products of e, each rounded: relative error ≤ n ulps ≈ 1.6e-13 at n = 709.
    assert_allclose(traj.params[:, 0], np.exp(np.arange(710.0)), rtol=2e-13)
    with pytest.raises(mo.DivergedError):
        opt.step(traj.params[-1], problem.grad(traj.params[-1]), opt.init(traj.params[-1]))


DIVERGING = [
    ("SGD-gamma-h-3", mo.SGD(lr=1.5), mo.problems.Quadratic(np.diag([2.0, 0.5])), np.array([1.0, 1.0])),
    ("HeavyBall-beyond-bound", mo.HeavyBall(alpha=1.6, beta=0.5), mo.problems.Quadratic(np.diag([2.0, 0.5])),
     np.array([1.0, 1.0])),
    ("Nesterov-beyond-bound", mo.Nesterov(alpha=0.8, beta=0.5), mo.problems.Quadratic(np.diag([2.0, 0.5])),
     np.array([1.0, 1.0])),
    ("SGD-rosenbrock", mo.SGD(lr=0.01), mo.problems.Rosenbrock(), np.array([-1.2, 1.0])),
    ("DoubleWell-big-step", mo.SGD(lr=1.0), mo.problems.DoubleWell(), np.array([3.0, 0.5])),
    ("HypergradientSGD-runaway-lr", mo.HypergradientSGD(lr=0.1, beta=10.0), mo.problems.Quadratic(np.eye(2)),
     np.array([5.0, 5.0])),
    ("EGStepSize-runaway-nu", mo.EGStepSize(lr=1e-3, gamma=0.1), mo.problems.Rosenbrock(), np.array([-1.2, 1.0])),
]


@pytest.mark.parametrize("name, opt, problem, x0", DIVERGING, ids=[d[0] for d in DIVERGING])
def test_divergence_stops_at_first_non_finite(name, opt, problem, x0):
    """diverged is set, the record is finite and shorter than steps + 1, and it is exactly the Python loop's
    record up to its last finite iterate (so the stop happens at the first non-finite iterate or loss)."""
    steps = 5000
    traj = mo.minimize(opt, problem, x0, steps)
    params, loss, diverged = python_loop(opt, problem, x0, steps)
    assert diverged and traj.diverged
    assert traj.params.shape[0] < steps + 1 and traj.params.shape[0] == traj.loss.shape[0]
    assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.loss))
    assert_array_equal(traj.params, params)
    assert_array_equal(traj.loss, loss)


def test_divergence_with_noise_keeps_only_finite_records():
    problem = mo.problems.Quadratic(np.array([[1.0]]))
    traj = mo.minimize(mo.SGD(lr=3.0), problem, np.array([1.0]), 5000, noise=1.0, seed=4)
    assert traj.diverged and traj.params.shape[0] < 5001
    assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.loss))
    assert np.abs(traj.params[-1, 0]) > 1e100  # it stopped because of the blow-up, not before


def test_stable_run_is_not_diverged():
    traj = mo.minimize(mo.SGD(lr=1.99), mo.problems.Quadratic(np.array([[1.0]])), np.array([1.0]), 5000)
    assert not traj.diverged and traj.params.shape == (5001, 1)


# ---------------------------------------------------------------------------------------------------------
# LeastSquares minibatches inside minimize: drawn from the run's stream, seeded by ``seed``
# ---------------------------------------------------------------------------------------------------------
def _ls(batch_size, seed=0):
    return mo.problems.LeastSquares(A_LS, Y_LS, batch_size=batch_size, seed=seed)


def test_minibatches_in_minimize_are_seeded_by_seed():
    x0 = np.array([0.5, 0.7, 0.9])
    opt = mo.SGD(lr=0.05)
    a = mo.minimize(opt, _ls(2), x0, 200, seed=21)
    b = mo.minimize(opt, _ls(2), x0, 200, seed=21)
    c = mo.minimize(opt, _ls(2), x0, 200, seed=22)
    assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params[1:], c.params[1:])
    # The problem's own seed drives only its Python-side ``grad``; the run's seed drives the run.
    assert_array_equal(a.params, mo.minimize(opt, _ls(2, seed=7), x0, 200, seed=21).params)
    # The recorded loss is the full loss.
    assert_array_equal(a.loss, [_ls(2).value(p) for p in a.params])
    # Minibatches really are drawn (the run differs from the full-batch run).
    assert not np.array_equal(a.params, mo.minimize(opt, _ls(None), x0, 200, seed=21).params)


def test_minimize_does_not_advance_the_problems_stream():
    problem, fresh = _ls(3), _ls(3)
    x0 = np.array([0.5, 0.7, 0.9])
    mo.minimize(mo.SGD(lr=0.05), problem, x0, 100, seed=0)
    assert_array_equal(problem.grad(x0), fresh.grad(x0))


def test_minibatch_steps_in_minimize_are_unbiased():
    """One SGD step from x0 over seeds 0 … 9 999: the mean increment is −lr·∇L(x0), within 5 standard errors
    per coordinate (standard error from the sample: the increments are i.i.d. over seeds)."""
    lr, seeds, x0 = 1.0, 10_000, np.array([0.5, 0.7, 0.9])
    problem = _ls(2)
    increments = np.array([mo.minimize(mo.SGD(lr=lr), problem, x0, 1, seed=s).params[1] - x0 for s in range(seeds)])
    standard_error = increments.std(axis=0) / np.sqrt(seeds)
    assert np.all(np.abs(increments.mean(axis=0) + lr * problem.full_grad(x0)) < 5 * standard_error)


# ---------------------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------------------
QUAD = mo.problems.Quadratic(H3)


@pytest.mark.parametrize("kwargs, name", [
    (dict(steps=-1), "steps"),
    (dict(noise=-0.1), "noise"),
    (dict(noise=float("nan")), "noise"),
    (dict(seed=-3), "seed"),
    (dict(x0=np.array([1.0, 2.0])), "x0"),
    (dict(x0=np.array([1, 2, 3])), "x0"),
    (dict(state=mo.Adam().init(np.zeros(3))), "state"),
], ids=["negative-steps", "negative-noise", "nan-noise", "negative-seed", "wrong-dimension", "integer-x0",
        "foreign-state"])
def test_bad_arguments_raise_value_error_naming_them(kwargs, name):
    call = dict(opt=mo.SGD(lr=0.1), problem=QUAD, x0=np.zeros(3), steps=5)
    call.update(kwargs)
    with pytest.raises(ValueError, match=name):
        mo.minimize(call.pop("opt"), call.pop("problem"), call.pop("x0"), call.pop("steps"), **call)
