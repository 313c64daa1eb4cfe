"""Property-based tests (hypothesis): the public API, tried as a careless or hostile user would.

Each property is one class of fault of minimopt 0.1's fuzz run (issue 6), stated so that it would have found
the examples: whatever is passed, a call either works or raises ``ValueError`` naming the parameter (never
another exception, a crash or uninitialised memory); states and problems cannot be made inconsistent; ``step``
and ``step_`` agree even when arrays overlap; seeds of any size work and do not depend on earlier calls;
chunking a compiled run changes no bit.

The profile is fixed (``derandomize=True``: the same examples every run, so CI is deterministic) and sized to
run in well under a minute on two cores.
"""

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal

import minimopt as mo
from minimopt import _parallel, run

settings.register_profile("minimopt", derandomize=True, deadline=None, max_examples=60, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("minimopt")

# Every optimizer with valid arguments (any hyperparameter can then be replaced by a hostile value).
VALID = {
    mo.SGD: {"lr": 0.1}, mo.Adam: {}, mo.AdamW: {}, mo.Adagrad: {}, mo.RMSprop: {},
    mo.HeavyBall: {"alpha": 0.1, "beta": 0.5}, mo.Nesterov: {"alpha": 0.1, "beta": 0.5},
    mo.NesterovConvex: {"alpha": 0.1}, mo.ExponentiatedGradient: {"lr": 0.1},
    mo.EGStepSize: {"lr": 0.1, "gamma": 0.1}, mo.HypergradientSGD: {"lr": 0.1, "beta": 0.01},
}
CLASSES = sorted(VALID, key=lambda cls: cls.__name__)


def test_the_table_covers_every_optimizer():
    assert set(mo.optimizers.optimizer_classes()) <= set(VALID)


HOSTILE_SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-(10**450), max_value=10**450),
    st.booleans(), st.none(), st.text(max_size=3), st.complex_numbers(max_magnitude=10),
    st.tuples(st.floats(-2, 2), st.floats(-2, 2)), st.just(np.float32(0.5)), st.just(np.int64(2)),
    st.just([0.9, 0.99]), st.just(np.array([0.1])),
)


def _field_names(cls):
    return [f.name for f in dataclasses.fields(cls) if f.init]


@given(cls=st.sampled_from(CLASSES), data=st.data())
def test_any_hyperparameter_value_builds_a_valid_optimizer_or_raises_value_error_naming_it(cls, data):
    name = data.draw(st.sampled_from(_field_names(cls)))
    value = data.draw(HOSTILE_SCALARS)
    try:
        opt = cls(**{**VALID[cls], name: value})
    except ValueError as error:
        assert re.search(rf"\b{re.escape(name)}\b", str(error)) or "nesterov" in str(error), str(error)
        return
    # accepted: every packed hyperparameter is a finite float and a step works
    assert np.isfinite(opt._hyper()).all()
    x = np.array([0.5, 1.5])
    opt.step(x, np.ones(2), opt.init(x))
    assert dataclasses.replace(opt) == opt


STATE_ARRAYS = hnp.arrays(dtype=st.sampled_from([np.float64, np.float32, np.int64, np.complex128, np.bool_]),
                          shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))


@given(cls=st.sampled_from(CLASSES), buffers=STATE_ARRAYS, scalars=STATE_ARRAYS,
       names=st.sampled_from([None, ()]), d=st.integers(1, 4))
def test_a_hand_built_state_is_refused_or_consistent_and_a_step_never_crashes(cls, buffers, scalars, names, d):
    opt = cls(**VALID[cls])
    names = opt._buffer_names if names is None else names
    try:
        state = mo.OptState(buffers, scalars, names, opt._scalar_names)
    except ValueError:
        return
    # built: its arrays are exactly as the kernels need them
    assert state.buffers.shape[0] == len(names) and state.buffers.dtype == np.float64
    assert state.buffers.flags.c_contiguous and state.scalars.shape == (1 + len(opt._scalar_names),)
    x = np.full(d, 0.5)
    try:
        opt.step(x, np.ones(d), state)
        opt.step_(x.copy(), np.ones(d), state)
    except (ValueError, mo.DivergedError):
        pass


ARRAY_LIKE = st.one_of(
    hnp.arrays(dtype=st.sampled_from([np.float64, np.float32, np.int32, np.complex128, np.bool_, "U2", "M8[D]"]),
               shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)),
    st.lists(st.one_of(st.floats(), st.integers(-10**400, 10**400), st.lists(st.floats(), max_size=2)),
             max_size=3),
    st.none(), st.text(max_size=3),
)
BUILDERS = {
    "Quadratic(H)": (lambda a: mo.problems.Quadratic(a), "H"),
    "Quadratic(b)": (lambda a: mo.problems.Quadratic(np.eye(2), b=a), "b"),
    "LeastSquares(A)": (lambda a: mo.problems.LeastSquares(a, np.ones(2)), "A"),
    "LeastSquares(y)": (lambda a: mo.problems.LeastSquares(np.ones((2, 2)), a), "y"),
    "ScaleInvariant(H)": (lambda a: mo.problems.ScaleInvariant(a), "H"),
    "values_on_grid": (lambda a: mo.problems.DoubleWell().values_on_grid(a), "grid"),
}


@given(which=st.sampled_from(sorted(BUILDERS)), data=ARRAY_LIKE)
def test_problem_data_is_real_and_copied_or_refused_by_name(which, data):
    build, name = BUILDERS[which]
    before = np.array(data, copy=True) if isinstance(data, np.ndarray) else None
    try:
        result = build(data)
    except ValueError as error:
        assert name in str(error), str(error)
        return
    if isinstance(data, np.ndarray):
        assert data.flags.writeable  # never frozen
        assert_array_equal(data, before)
        assert data.dtype.kind in "iuf"  # complex, bool, strings, datetimes were refused
    if isinstance(result, mo.problems.Problem):
        for array in result.kernel_data[1:]:
            assert not array.flags.writeable and not (isinstance(data, np.ndarray) and np.shares_memory(array, data))


@given(cls=st.sampled_from(CLASSES), offset=st.integers(-2, 2), d=st.integers(1, 5),
       values=st.lists(st.floats(0.25, 2.0), min_size=9, max_size=9))
def test_step_and_step_in_place_agree_for_overlapping_params_and_grad(cls, offset, d, values):
    opt = cls(**VALID[cls])
    base = np.array(values)
    p0, g0 = 2 + min(0, offset), 2 + max(0, offset)
    params, grad = base[p0: p0 + d], base[g0: g0 + d]  # views of one buffer, shifted by ``offset``
    state = opt.init(np.full(d, 0.5))
    expected, expected_state = opt.step(params, grad, state)
    opt.step_(params, grad, state)
    assert_array_equal(params, expected)
    assert_array_equal(state.buffers, expected_state.buffers)


@given(seed=st.integers(-(2**70), 2**70))
def test_any_seed_runs_or_is_refused_and_results_do_not_depend_on_earlier_calls(seed):
    problem, x0 = mo.problems.Quadratic([[1.0]]), np.ones(1)
    try:
        first = mo.minimize(mo.SGD(lr=0.1), problem, x0, 5, noise=0.1, seed=seed).params
    except ValueError as error:
        assert "seed" in str(error) and not 0 <= seed < 2**64
        return
    assert 0 <= seed < 2**64
    mo.minimize(mo.SGD(lr=0.1), problem, x0, 5, noise=0.1, seed=(seed * 7919 + 1) % 2**64)  # another seed
    assert_array_equal(mo.minimize(mo.SGD(lr=0.1), problem, x0, 5, noise=0.1, seed=seed).params, first)


@given(steps=st.one_of(st.integers(0, 30), st.integers(10**11, 10**30), st.integers(-5, -1),
                       st.floats(0, 10), st.none()))
def test_any_step_count_runs_or_is_refused_before_allocating(steps):
    try:
        traj = mo.minimize(mo.SGD(lr=0.1), mo.problems.Quadratic([[1.0]]), np.ones(1), steps)
    except ValueError as error:
        assert "steps" in str(error)
        return
    assert traj.params.shape == (steps + 1, 1)


POINTS = hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(allow_nan=False, allow_infinity=False,
                                                                       width=64))


@given(x=POINTS, which=st.sampled_from(["quadratic", "rosenbrock", "double-well", "scale-invariant",
                                        "least-squares", "piecewise"]))
def test_value_and_grad_are_finite_numbers_or_value_errors(x, which):
    d = x.shape[0]
    problem = {"quadratic": lambda: mo.problems.Quadratic(np.eye(d)),
               "rosenbrock": lambda: mo.problems.Rosenbrock(),
               "double-well": lambda: mo.problems.DoubleWell(),
               "scale-invariant": lambda: mo.problems.ScaleInvariant(np.diag(np.arange(1.0, d + 1))),
               "least-squares": lambda: mo.problems.LeastSquares(np.ones((3, d)), np.ones(3)),
               "piecewise": lambda: mo.problems.PiecewiseQuadratic()}[which]()
    try:
        value, grad = problem.value(x), problem.grad(x)
    except ValueError as error:
        assert re.search(r"\bx\b", str(error))
        return
    assert isinstance(value, float) and grad.shape == x.shape  # may overflow to inf, never raise or crash


@given(cls=st.sampled_from(CLASSES), d=st.integers(1, 3), steps=st.integers(0, 40), chunk=st.integers(1, 7),
       noise=st.sampled_from([0.0, 0.3]))
def test_chunking_minimize_changes_no_bit(monkeypatch_module, cls, d, steps, chunk, noise):
    opt, problem, x0 = cls(**VALID[cls]), mo.problems.Rosenbrock() if d > 1 else mo.problems.DoubleWell(), \
        np.linspace(0.3, 0.8, d)
    whole = mo.minimize(opt, problem, x0, steps, noise=noise, seed=4)
    monkeypatch_module.setattr(run, "CHUNK_WORK", chunk * (problem._cost(d) + d))
    try:
        pieces = mo.minimize(opt, problem, x0, steps, noise=noise, seed=4)
    finally:
        monkeypatch_module.undo()
    assert_array_equal(pieces.params, whole.params)
    assert_array_equal(pieces.loss, whole.loss)
    assert pieces.diverged == whole.diverged


@given(steps=st.integers(0, 30), work=st.integers(1, 200), n=st.integers(1, 9))
def test_chunking_ensembles_changes_no_bit(monkeypatch_module, steps, work, n):
    problem, x0 = mo.problems.DoubleWell(tilt=0.1), np.array([0.2, -0.4])
    whole = mo.langevin(problem, x0, 0.5, 0.01, steps, n, seed=9), \
        mo.kramers(problem, x0, np.zeros(2), 0.7, 0.5, 0.01, steps, n, seed=9)
    monkeypatch_module.setattr(_parallel, "CHUNK_WORK", work)
    try:
        pieces = mo.langevin(problem, x0, 0.5, 0.01, steps, n, seed=9), \
            mo.kramers(problem, x0, np.zeros(2), 0.7, 0.5, 0.01, steps, n, seed=9)
    finally:
        monkeypatch_module.undo()
    assert_array_equal(pieces[0], whole[0])
    assert_array_equal(pieces[1][0], whole[1][0])
    assert_array_equal(pieces[1][1], whole[1][1])


@given(x0=POINTS, dt=st.floats(1e-6, 100.0), sigma=st.floats(0.0, 10.0))
def test_ensembles_return_finite_positions_or_say_why(x0, dt, sigma):
    problem = mo.problems.DoubleWell()
    try:
        X = mo.langevin(problem, x0, sigma, dt, 20, 3)
    except ValueError as error:
        assert "x0" in str(error)
        return
    except mo.DivergedError as error:
        assert "particle" in str(error) and error.particle is not None
        return
    assert np.isfinite(X).all() and X.shape == (3, x0.shape[0])


@pytest.fixture(scope="module")
def monkeypatch_module():
    """A monkeypatch usable from hypothesis tests (function-scoped fixtures are not reset between examples)."""
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()
