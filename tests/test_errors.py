"""Bad input raises ValueError naming the parameter; divergence raises DivergedError (DESIGN.md, "Errors").

One test per bad input, each checking the exception type and that the message names the offending parameter
(``match`` is a regular expression searched in the message).
"""

import math
import re

import numpy as np
import pytest

import minimopt as mo

NAN, INF = math.nan, math.inf

# every optimizer with valid hyperparameters, and the name of its step size
OPTIMIZERS = {
    "SGD": (mo.SGD, {"lr": 0.1}, "lr"),
    "Adam": (mo.Adam, {}, "lr"),
    "AdamW": (mo.AdamW, {}, "lr"),
    "Adagrad": (mo.Adagrad, {}, "lr"),
    "RMSprop": (mo.RMSprop, {}, "lr"),
    "HeavyBall": (mo.HeavyBall, {"alpha": 0.1, "beta": 0.9}, "alpha"),
    "Nesterov": (mo.Nesterov, {"alpha": 0.1, "beta": 0.9}, "alpha"),
    "NesterovConvex": (mo.NesterovConvex, {"alpha": 0.1}, "alpha"),
    "ExponentiatedGradient": (mo.ExponentiatedGradient, {"lr": 0.1}, "lr"),
    "EGStepSize": (mo.EGStepSize, {"lr": 0.1, "gamma": 0.1}, "lr"),
    "HypergradientSGD": (mo.HypergradientSGD, {"lr": 0.1, "beta": 0.01}, "lr"),
}


def test_table_covers_every_optimizer():
    assert {cls.__name__ for cls in mo.optimizers.optimizer_classes()} <= set(OPTIMIZERS)


def make(name, **changes):
    cls, kwargs, _ = OPTIMIZERS[name]
    return cls(**{**kwargs, **changes})


def name_of(parameter):
    """A pattern matching the parameter's name as a word (so "beta" does not match "betas")."""
    return rf"(?<![\w\[]){re.escape(parameter)}(?![\w\]])" if "[" not in parameter else re.escape(parameter)


# (optimizer, parameter, bad value)
BAD_HYPERPARAMETERS = (
    [(name, OPTIMIZERS[name][2], value) for name in OPTIMIZERS for value in (-0.1, NAN, INF, -INF, "0.1", None)]
    + [(name, "betas", betas) for name in ("Adam", "AdamW") for betas in ((0.9,), (0.9, 0.99, 0.999), 0.9)]
    + [(name, "momentum", value) for name in ("SGD", "RMSprop") for value in (1.0, -0.1, 1.5, NAN)]
    + [("RMSprop", "alpha", value) for value in (1.0, -0.1, NAN)]
    + [(name, "beta", value) for name in ("HeavyBall", "Nesterov") for value in (1.0, -0.1, INF)]
    + [(name, "eps", value) for name in ("Adam", "AdamW", "Adagrad", "RMSprop") for value in (0.0, -1e-8, NAN)]
    + [("SGD", "dampening", value) for value in (-0.1, 1.5, NAN)]
    + [(name, "weight_decay", -0.1) for name in ("SGD", "Adam", "AdamW", "Adagrad", "RMSprop")]
    + [("Adagrad", "lr_decay", -0.1), ("Adagrad", "initial_accumulator_value", -1.0)]
    + [("Nesterov", "lookahead", value) for value in (-0.1, 1.5, NAN)]
    + [("EGStepSize", "gamma", -0.1), ("HypergradientSGD", "beta", -0.1)]
    + [("Adam", "amsgrad", "yes"), ("RMSprop", "centered", 1), ("SGD", "nesterov", "no")]
)


@pytest.mark.parametrize("name, parameter, value", BAD_HYPERPARAMETERS)
def test_bad_hyperparameter(name, parameter, value):
    with pytest.raises(ValueError, match=name_of(parameter)):
        make(name, **{parameter: value})


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("value", [1.0, -0.1, 1.5, NAN])
def test_bad_beta_in_betas(name, index, value):
    betas = [0.9, 0.999]
    betas[index] = value
    with pytest.raises(ValueError, match=re.escape(f"betas[{index}]")):
        make(name, betas=tuple(betas))


@pytest.mark.parametrize("kwargs", [{"momentum": 0.0}, {"momentum": 0.9, "dampening": 0.5}])
def test_sgd_nesterov_needs_momentum_and_no_dampening(kwargs):
    with pytest.raises(ValueError, match="nesterov"):
        mo.SGD(lr=0.1, nesterov=True, **kwargs)


GOOD = np.array([0.5, 1.0, 2.0])
# (description, params, grad, parameter named)
BAD_ARRAYS = [
    ("grad longer than params", GOOD, np.ones(4), "grad"),
    ("2-D params", GOOD.reshape(3, 1), np.ones((3, 1)), "params"),
    ("2-D grad", GOOD, np.ones((3, 1)), "grad"),
    ("float32 params", GOOD.astype(np.float32), np.ones(3), "params"),
    ("float32 grad", GOOD, np.ones(3, dtype=np.float32), "grad"),
    ("integer grad", GOOD, np.ones(3, dtype=np.int64), "grad"),
    ("integer params", np.array([1, 2, 3]), np.ones(3), "params"),
    ("NaN in grad", GOOD, np.array([1.0, NAN, 1.0]), "grad"),
    ("inf in grad", GOOD, np.array([1.0, INF, 1.0]), "grad"),
    ("NaN in params", np.array([0.5, NAN, 2.0]), np.ones(3), "params"),
    ("list params", [0.5, 1.0, 2.0], np.ones(3), "params"),
    ("list grad", GOOD, [1.0, 1.0, 1.0], "grad"),
]


@pytest.mark.parametrize("method", ["step", "step_"])
@pytest.mark.parametrize("case", BAD_ARRAYS, ids=[case[0] for case in BAD_ARRAYS])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_rejects_bad_arrays(name, case, method):
    _, params, grad, parameter = case
    opt = make(name)
    state = opt.init(GOOD)
    with pytest.raises(ValueError, match=name_of(parameter)):
        getattr(opt, method)(params, grad, state)


@pytest.mark.parametrize("case", [case for case in BAD_ARRAYS if case[3] == "params"],
                         ids=[case[0] for case in BAD_ARRAYS if case[3] == "params"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_init_rejects_bad_params(name, case):
    with pytest.raises(ValueError, match="params"):
        make(name).init(case[1])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_rejects_a_state_from_another_optimizer(name):
    other = "RMSprop" if name != "RMSprop" else "SGD"
    foreign = make(other).init(GOOD)
    with pytest.raises(ValueError, match="state"):
        make(name).step(GOOD, np.ones(3), foreign)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_rejects_a_state_made_for_another_size(name):
    opt = make(name)
    with pytest.raises(ValueError, match="state"):
        opt.step(GOOD, np.ones(3), opt.init(np.ones(5)))


@pytest.mark.parametrize("params, state_size, parameter", [
    ([0.5, 1.0, 2.0], 3, "params"),
    (GOOD.astype(np.float32), 3, "params"),
    (GOOD.reshape(3, 1), 3, "params"),
    (GOOD, 2, "state"),  # the look-ahead would read the velocity out of bounds
], ids=["list", "float32", "2-D", "state of another size"])
def test_nesterov_query_validates_like_step(params, state_size, parameter):
    """``query`` is public (DESIGN: the gradient is taken at opt.query(params, state)): same checks as step."""
    opt = mo.Nesterov(0.1, 0.9)
    with pytest.raises(ValueError, match=parameter):
        opt.query(params, opt.init(np.ones(state_size)))


@pytest.mark.parametrize("params", [np.array([1.0, 0.0, 2.0]), np.array([1.0, -1.0, 2.0])], ids=["zero", "negative"])
def test_exponentiated_gradient_needs_positive_params(params):
    with pytest.raises(ValueError, match="params"):
        mo.ExponentiatedGradient(lr=0.1).init(params)


@pytest.mark.parametrize("name, opt_changes, params, grad", [
    ("SGD", {"lr": 1e300}, [1.0], [1e300]),
    ("SGD", {"lr": 1e300, "momentum": 0.9}, [1.0], [1e300]),
    ("Adam", {"lr": 1e308}, [-1e308], [1.0]),
    ("AdamW", {"lr": 1e308}, [-1e308], [1.0]),
    ("Adagrad", {"lr": 1e308}, [-1e308], [1.0]),
    ("RMSprop", {"lr": 1e308}, [-1e308], [1.0]),
    ("HeavyBall", {"alpha": 1e308}, [1.0], [10.0]),
    ("Nesterov", {"alpha": 1e308}, [1.0], [10.0]),
    ("ExponentiatedGradient", {"lr": 1.0}, [1.0], [-1000.0]),
    ("EGStepSize", {"lr": 1e308}, [1.0], [10.0]),
    ("HypergradientSGD", {"lr": 1e308}, [1.0], [10.0]),
])
def test_a_diverging_step_raises_diverged_error(name, opt_changes, params, grad):
    """Divergence is reported, never returned as inf or NaN; the functional step leaves its inputs untouched."""
    assert issubclass(mo.DivergedError, ArithmeticError)
    opt = make(name, **opt_changes)
    params, grad = np.array(params), np.array(grad)
    state = opt.init(params)
    before = (params.copy(), state.buffers.copy(), state.scalars.copy())
    with pytest.raises(mo.DivergedError):
        opt.step(params, grad, state)
    for kept, now in zip(before, (params, state.buffers, state.scalars)):
        np.testing.assert_array_equal(kept, now)
    with pytest.raises(ArithmeticError):
        opt.step_(params, grad, state)


def test_a_diverging_run_is_flagged_and_ends_with_finite_records():
    traj = mo.minimize(mo.SGD(lr=3.0), mo.problems.Quadratic([[1.0]]), np.array([1.0]), 2000)
    assert traj.diverged and traj.steps < 2000
    assert np.isfinite(traj.params).all() and np.isfinite(traj.loss).all()


QUADRATIC = mo.problems.Quadratic(np.eye(2))


@pytest.mark.parametrize("kwargs, parameter", [
    ({"steps": -1}, "steps"),
    ({"steps": 2.5}, "steps"),
    ({"steps": 10.0}, "steps"),
    ({"steps": "10"}, "steps"),
    ({"noise": -0.1}, "noise"),
    ({"noise": NAN}, "noise"),
    ({"noise": INF}, "noise"),
    ({"seed": -1}, "seed"),
    ({"x0": np.array([1.0, NAN])}, "x0"),
    ({"x0": np.ones(2, dtype=np.float32)}, "x0"),
    ({"x0": [1.0, 1.0]}, "x0"),
    ({"x0": np.ones(3)}, "x0"),  # a point of the wrong dimension for the problem
])
def test_minimize_rejects(kwargs, parameter):
    args = {"opt": mo.SGD(lr=0.1), "problem": QUADRATIC, "x0": np.ones(2), "steps": 10, **kwargs}
    with pytest.raises(ValueError, match=name_of(parameter)):
        mo.minimize(**args)


ENSEMBLE_BAD = [
    ({"sigma": -0.1}, "sigma"),
    ({"sigma": NAN}, "sigma"),
    ({"dt": 0.0}, "dt"),
    ({"dt": -0.01}, "dt"),
    ({"dt": INF}, "dt"),
    ({"n_particles": 0}, "n_particles"),
    ({"n_particles": -3}, "n_particles"),
    ({"n_particles": 2.0}, "n_particles"),
    ({"steps": -1}, "steps"),
    ({"x0": np.ones(3)}, "x0"),
    ({"x0": np.ones((5, 2))}, "x0"),  # per-particle start with the wrong number of particles
]


@pytest.mark.parametrize("kwargs, parameter", ENSEMBLE_BAD)
def test_langevin_rejects(kwargs, parameter):
    args = {"problem": QUADRATIC, "x0": np.ones(2), "sigma": 0.5, "dt": 0.01, "steps": 10, "n_particles": 4,
            **kwargs}
    with pytest.raises(ValueError, match=name_of(parameter)):
        mo.langevin(**args)


@pytest.mark.parametrize("kwargs, parameter", ENSEMBLE_BAD + [({"damping": -1.0}, "damping"),
                                                             ({"v0": np.ones(3)}, "v0")])
def test_kramers_rejects(kwargs, parameter):
    args = {"problem": QUADRATIC, "x0": np.ones(2), "v0": np.zeros(2), "damping": 1.0, "sigma": 0.5, "dt": 0.01,
            "steps": 10, "n_particles": 4, **kwargs}
    with pytest.raises(ValueError, match=name_of(parameter)):
        mo.kramers(**args)


@pytest.mark.parametrize("sigma, grid, parameter", [
    (0.0, np.linspace(-2, 2, 11), "sigma"),
    (-0.7, np.linspace(-2, 2, 11), "sigma"),
    (NAN, np.linspace(-2, 2, 11), "sigma"),
    (0.7, np.linspace(2, -2, 11), "grid"),
    (0.7, np.array([0.0]), "grid"),
    (0.7, np.linspace(-2, 2, 11).reshape(1, 11), "grid"),
])
def test_stationary_density_rejects(sigma, grid, parameter):
    with pytest.raises(ValueError, match=name_of(parameter)):
        mo.stationary_density(mo.problems.DoubleWell(), sigma, grid)


@pytest.mark.parametrize("build, parameter", [
    (lambda: mo.problems.Quadratic(np.ones((2, 3))), "H"),
    (lambda: mo.problems.Quadratic([[1.0, 2.0], [0.0, 1.0]]), "H"),
    (lambda: mo.problems.Quadratic(np.ones(3)), "H"),
    (lambda: mo.problems.Quadratic([[1.0, NAN], [NAN, 1.0]]), "H"),
    (lambda: mo.problems.Quadratic(np.eye(2), b=np.ones(3)), "b"),
    (lambda: mo.problems.ScaleInvariant(np.ones((2, 3))), "H"),
    (lambda: mo.problems.ScaleInvariant([[1.0, 2.0], [0.0, 1.0]]), "H"),
    (lambda: mo.problems.LeastSquares(np.ones((5, 2)), np.ones(4)), "y"),
    (lambda: mo.problems.LeastSquares(np.ones((5, 2)), np.ones(5), batch_size=0), "batch_size"),
    (lambda: mo.problems.LeastSquares(np.ones((5, 2)), np.ones(5), batch_size=-2), "batch_size"),
    (lambda: mo.problems.LeastSquares(np.ones((5, 2)), np.ones(5), batch_size=2.5), "batch_size"),
    (lambda: mo.problems.LeastSquares(np.ones(5), np.ones(5)), "A"),
    (lambda: mo.problems.Rosenbrock(b=-1.0), "b"),
    (lambda: mo.problems.DoubleWell(tilt=NAN), "tilt"),
    (lambda: mo.problems.PiecewiseQuadratic(m=0.0), "m"),
    (lambda: mo.problems.PiecewiseQuadratic(m=-1.0), "m"),
    (lambda: mo.problems.PiecewiseQuadratic(m=NAN), "m"),
    (lambda: mo.problems.PiecewiseQuadratic(L=INF), "L"),
    (lambda: mo.problems.PiecewiseQuadratic(m=2.0, L=2.0), "L"),
    (lambda: mo.problems.PiecewiseQuadratic(m=3.0, L=2.0), "L"),
])
def test_problem_constructor_rejects(build, parameter):
    with pytest.raises(ValueError, match=name_of(parameter)):
        build()


def test_minimize_rejects_a_start_where_the_loss_is_not_finite():
    # 1e200² overflows: there is no finite first record to start a trajectory from.
    with pytest.raises(ValueError, match=r"\bx0\b"):
        mo.minimize(mo.SGD(lr=0.1), mo.problems.Quadratic([[1.0]]), np.array([1e200]), 3)


# ---------------------------------------------------------------------------------------------------------
# Regressions of the 0.1 fuzz run (issue 6): each named after the fault it pins
# ---------------------------------------------------------------------------------------------------------
ADAM_NAMES = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def test_a_hand_built_state_of_the_wrong_shape_is_refused_not_a_segfault():
    with pytest.raises(ValueError, match="buffers"):
        mo.OptState(np.zeros((0, 10**6)), np.zeros(1), ADAM_NAMES)
    with pytest.raises(ValueError, match="scalars"):
        mo.OptState(np.zeros((1, 3)), np.zeros(1), ("prev_grad",), ("lr",))  # HypergradientSGD without its lr
    with pytest.raises(ValueError, match="scalars"):
        mo.OptState(np.zeros((1, 3)), np.array([-1.0]), ("momentum_buffer",))
    with pytest.raises(ValueError, match="buffers"):
        mo.OptState(np.full((1, 3), NAN), np.zeros(1), ("momentum_buffer",))
    with pytest.raises(ValueError, match="names"):
        mo.OptState(np.zeros((1, 3)), np.zeros(1), "momentum_buffer")
    # a well-formed hand-built state of another size is refused by the step, as before
    state = mo.OptState(np.zeros((3, 10**3)), np.zeros(1), ADAM_NAMES)
    with pytest.raises(ValueError, match="state"):
        mo.Adam().step_(GOOD.copy(), np.ones(3), state)


def test_state_attributes_cannot_be_replaced_and_reshaping_a_view_changes_nothing():
    opt = mo.HypergradientSGD(lr=0.1, beta=0.01)
    state = opt.init(GOOD)
    with pytest.raises(AttributeError):
        state.scalars = np.zeros(0)
    with pytest.raises(AttributeError):
        state.buffers = np.zeros((1, 10**6))
    view = state.buffers
    view.shape = (3,)  # the "flattened state" of the fuzz run: only the view is reshaped
    reference = opt.step(GOOD, np.ones(3), opt.init(GOOD))
    np.testing.assert_array_equal(opt.step(GOOD, np.ones(3), state)[0], reference[0])


def test_state_survives_copy_and_pickle():
    import copy
    import pickle
    opt = mo.Adam()
    state = opt.step(GOOD, np.ones(3), opt.init(GOOD))[1]
    for other in (copy.copy(state), copy.deepcopy(state), pickle.loads(pickle.dumps(state))):
        np.testing.assert_array_equal(other.buffers, state.buffers)
        assert other.count == 1 and not np.shares_memory(other.buffers, state.buffers)


def test_problems_are_immutable_and_do_not_freeze_or_share_the_callers_arrays():
    H = np.array([[2.0, 0.0], [0.0, 1.0]])
    problem = mo.problems.Quadratic(H)
    assert H.flags.writeable  # 0.1 made the caller's H read-only
    H[0, 0] = 100.0           # and a view passed in let the caller change the problem afterwards
    assert problem.value(np.array([1.0, 0.0])) == 1.0
    with pytest.raises(AttributeError):
        problem.dim = 10**6
    with pytest.raises(ValueError):
        problem.H[0, 0] = 5.0  # read-only view
    with pytest.raises(ValueError):
        problem.H.setflags(write=True)
    with pytest.raises(AttributeError):
        mo.problems.Rosenbrock().b = -1.0


def test_problem_base_class_is_not_a_problem():
    with pytest.raises(TypeError, match="base class"):
        mo.problems.Problem()
    with pytest.raises(TypeError, match="base class"):
        mo.optimizers.Optimizer()


@pytest.mark.parametrize("build, parameter", [
    (lambda: mo.SGD(lr=10**400), "lr"),
    (lambda: mo.Adam(eps=10**400), "eps"),
    (lambda: mo.HeavyBall(alpha=-10**400, beta=0.5), "alpha"),
    (lambda: mo.Adam(betas=(10**400, 0.9)), r"betas\[0\]"),
    (lambda: mo.problems.DoubleWell(tilt=10**400), "tilt"),
    (lambda: mo.minimize(mo.SGD(lr=0.1), mo.problems.Quadratic([[1.0]]), np.ones(1), 3, noise=10**400), "noise"),
    (lambda: mo.minimize(mo.SGD(lr=0.1), mo.problems.Quadratic([[1.0]]), np.ones(1), 3, seed=2**64), "seed"),
    (lambda: mo.langevin(mo.problems.DoubleWell(), np.ones(1), 0.1, 0.1, 3, 2, seed=2**70), "seed"),
    (lambda: mo.problems.LeastSquares(np.ones((2, 1)), np.ones(2), seed=2**64), "seed"),
    (lambda: mo.problems.LeastSquares(np.ones((0, 2)), np.ones(0)), "A"),
    (lambda: mo.problems.Quadratic(np.eye(2), b=[1 + 2j, 0.0]), "b"),
    (lambda: mo.problems.Quadratic(np.eye(2), b=["1", "2"]), "b"),
    (lambda: mo.problems.Quadratic(np.eye(2), b=[True, False]), "b"),
    (lambda: mo.problems.Quadratic(np.eye(2), b=np.array(["2020-01-01", "2020-01-02"], dtype="M8[D]")), "b"),
    (lambda: mo.problems.Quadratic(np.eye(2), b=[[1.0], [2.0, 3.0]]), "b"),
    (lambda: mo.problems.Quadratic(np.eye(2), b=[10**400, 0]), "b"),
    (lambda: mo.problems.LeastSquares(np.ones((2, 2)), [1j, 2j]), "y"),
    (lambda: mo.problems.DoubleWell().values_on_grid([0.0, 1j]), "grid"),
    (lambda: mo.problems.DoubleWell().values_on_grid(["a", "b"]), "grid"),
    (lambda: mo.problems.Quadratic(np.eye(2) * (1 + 0j)), "H"),
])
def test_wrong_kinds_of_values_are_value_errors_naming_the_parameter(build, parameter):
    with pytest.raises(ValueError, match=parameter):
        build()


def test_seeds_up_to_2_to_the_64_work_and_do_not_depend_on_earlier_calls():
    problem, x0 = mo.problems.Quadratic([[1.0]]), np.ones(1)
    small = mo.minimize(mo.SGD(lr=0.1), problem, x0, 20, noise=0.1, seed=5).params
    big = mo.minimize(mo.SGD(lr=0.1), problem, x0, 20, noise=0.1, seed=2**64 - 1).params
    assert not np.array_equal(small, big)
    np.testing.assert_array_equal(mo.minimize(mo.SGD(lr=0.1), problem, x0, 20, noise=0.1, seed=5).params, small)
    X = mo.langevin(mo.problems.DoubleWell(), np.zeros(1), 0.5, 0.01, 10, 4, seed=2**63)
    assert np.isfinite(X).all()


def test_scale_invariant_run_through_the_origin_reports_divergence():
    """0.1 raised ZeroDivisionError: θ₁ = 0 exactly (v₁ = βv₀ = −θ₀ with α = 0), where L = 0/0."""
    problem, x0 = mo.problems.ScaleInvariant(np.eye(2)), np.array([0.5, -0.25])
    opt = mo.HeavyBall(alpha=0.0, beta=0.5)
    traj = mo.minimize(opt, problem, x0, 5, state=opt.init(x0, velocity=-2 * x0))
    assert traj.diverged and traj.steps == 0
    with pytest.raises(ValueError, match="x0"):
        mo.minimize(opt, problem, np.zeros(2), 5)
    with pytest.raises(ValueError, match="underflows"):
        problem.value(np.array([1e-170, 1e-170]))
    with pytest.raises(ValueError, match="underflows"):
        problem.grad(np.array([1e-170, 0.0]))


def test_step_in_place_refuses_a_read_only_target_and_step_accepts_one():
    opt = mo.SGD(lr=0.1)
    params = GOOD.copy()
    params.setflags(write=False)
    with pytest.raises(ValueError, match="params"):
        opt.step_(params, np.ones(3), opt.init(GOOD))
    grad = np.ones(3)
    grad.setflags(write=False)
    np.testing.assert_array_equal(opt.step(params, grad, opt.init(GOOD))[0], GOOD - 0.1)


def test_sizes_are_refused_before_allocating():
    with pytest.raises(ValueError, match=r"steps: .* GB"):
        mo.minimize(mo.SGD(lr=0.1), mo.problems.Quadratic([[1.0]]), np.ones(1), 10**12)
    with pytest.raises(ValueError, match=r"n_particles: .* GB"):
        mo.langevin(mo.problems.DoubleWell(), np.zeros(1), 0.1, 0.1, 1, 10**13)


@pytest.mark.parametrize("call", [
    lambda p: mo.stationary_density(p, 0.5, np.linspace(-1, 1, 11)),
    lambda p: mo.langevin(p, np.zeros(1), 0.5, 0.01, 10, 4),
    lambda p: mo.kramers(p, np.zeros(1), np.zeros(1), 1.0, 0.5, 0.01, 10, 4),
    lambda p: p.values_on_grid(np.linspace(-1, 1, 11)),
], ids=["stationary_density", "langevin", "kramers", "values_on_grid"])
def test_a_problem_of_the_wrong_dimension_is_refused(call):
    """Rosenbrock needs 2 coordinates: 0.1 ran these in 1-D anyway (a uniform density, pure noise)."""
    with pytest.raises(ValueError, match="coordinates"):
        call(mo.problems.Rosenbrock())


def test_exponentiated_gradient_refuses_nonpositive_params_in_every_method():
    opt = mo.ExponentiatedGradient(lr=0.1)
    state = opt.init(np.ones(3))
    bad = np.array([1.0, -0.5, 1.0])
    for method in (lambda: opt.step(bad, np.ones(3), state), lambda: opt.step_(bad.copy(), np.ones(3), state),
                   lambda: opt.query(bad, state)):
        with pytest.raises(ValueError, match="params"):
            method()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_and_step_in_place_agree_when_grad_overlaps_params(name):
    opt = make(name)
    x = np.array([0.5, 1.0, 2.0, 1.5])
    state = opt.init(x[1:])
    for grad_of in (lambda a: a[:-1], lambda a: a[1:]):  # grad shifted against params in the same memory
        base = x.copy()
        params, grad = base[1:], grad_of(base)
        expected = opt.step(params, grad, state)[0]
        state_ = state.copy()
        opt.step_(params, grad, state_)
        np.testing.assert_array_equal(params, expected)
    if opt._buffer_names:  # params inside the state's own buffers cannot be updated in place
        s = opt.init(np.ones(3))
        with pytest.raises(ValueError, match="share memory"):
            opt.step_(s.buffers[0], np.ones(3), s)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_dataclasses_replace_works_and_validates(name):
    import dataclasses
    opt = make(name)
    field = OPTIMIZERS[name][2]
    changed = dataclasses.replace(opt, **{field: 0.05})
    assert getattr(changed, field) == 0.05 and type(changed) is type(opt)
    assert changed == make(name, **{field: 0.05})
    np.testing.assert_array_equal(changed._hyper(), make(name, **{field: 0.05})._hyper())
    with pytest.raises(ValueError, match=name_of(field)):
        dataclasses.replace(opt, **{field: -1.0})


def test_adamw_replace_keeps_decoupled_decay():
    import dataclasses
    opt = dataclasses.replace(mo.AdamW(), lr=0.1)
    assert opt == mo.AdamW(lr=0.1) and isinstance(opt, mo.Adam)
    np.testing.assert_array_equal(opt._hyper(), [0.1, 0.9, 0.999, 1e-8, 1e-2, 0.0, 1.0, 1.0])


def test_one_divergence_error_with_a_message_that_says_what_happened():
    assert issubclass(mo.DivergedError, FloatingPointError)
    with pytest.raises(mo.DivergedError, match="non-finite parameters") as info:
        mo.SGD(lr=1e300).step(np.array([1e300]), np.array([1e300]), mo.SGD(lr=1e300).init(np.ones(1)))
    assert info.value.step == 1  # the first step (steps are counted from 1)
    problem = mo.problems.Quadratic([[1.0]])
    with pytest.raises(mo.DivergedError, match="particle 0") as info:
        mo.langevin(problem, np.ones(1), 0.1, 10.0, 1000, 4)
    assert info.value.particle == 0 and 0 < info.value.step <= 1000
    # an invalid start is bad input, not a divergence (0.1 advised to reduce dt)
    with pytest.raises(ValueError, match="x0"):
        mo.langevin(mo.problems.DoubleWell(), np.array([1e200]), 0.1, 0.01, 10, 4)
    with pytest.raises(ValueError, match="x0"):
        mo.kramers(mo.problems.DoubleWell(), np.array([1e200]), np.zeros(1), 1.0, 0.1, 0.01, 10, 4)
