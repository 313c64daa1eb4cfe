"""minimopt's updates against torch.optim's, from reference values stored in tests/fixtures/torch_optim.json.

The fixtures were written by tests/fixtures/make_torch_fixtures.py with torch 2.13 (float64, foreach=False:
torch's single-tensor code path); torch is not needed to run these tests.

Tolerance: ``RTOL = 1e-12`` with ``atol = 0`` is a *relative* tolerance on every float64 coordinate. A float64
has a relative spacing of 2.2e-16, so 1e-12 leaves room for a few ulps of reassociation per step (e.g.
``lr * (mu * b + g)`` against ``mu * (lr * b) + lr * g``) accumulated over the run, and nothing more: any
difference in a formula (a missing bias correction, eps in the wrong place, a first momentum buffer of
(1 − dampening)·g instead of g, …) changes the iterates by far more than 1e-12.
"""

import copy
import json
import pathlib

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import minimopt as mo

RTOL = 1e-12  # relative, float64: a few ulps of reassociation, accumulated over the run (see module docstring)

FIXTURES = json.loads((pathlib.Path(__file__).parent / "fixtures" / "torch_optim.json").read_text())
FIXED = FIXTURES["fixed_gradient"]
QUAD = FIXTURES["quadratic"]
QUAD_CASES = {case["name"]: case for case in QUAD["cases"]}
WORKED = FIXTURES["worked_example"]


def _make(case):
    """The minimopt optimizer of a fixture case, built with the kwargs that were passed to torch."""
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    return getattr(mo, case["optimizer"])(**kwargs)


def _vec(x):
    return np.array(x, dtype=np.float64)


def _run_step(opt, params0, grads):
    """The functional ``step`` sequence; returns the (T+1, d) iterates."""
    params = _vec(params0)
    state = opt.init(params)
    out = [params.copy()]
    for g in grads:
        params, state = opt.step(params, _vec(g), state)
        out.append(np.array(params, copy=True))
    return np.array(out)


def _run_step_(opt, params0, grads):
    """The in-place ``step_`` sequence on one params array; returns the (T+1, d) iterates."""
    params = _vec(params0)
    state = opt.init(params)
    out = [params.copy()]
    for g in grads:
        opt.step_(params, _vec(g), state)
        out.append(params.copy())
    return np.array(out)


def _snapshot(obj):
    """A deep copy of a (possibly nested) state, to check later that nothing in it changed."""
    return copy.deepcopy(obj)


def _assert_unchanged(before, after, where="state"):
    """Recursive exact comparison of a snapshot with the live object (arrays, sequences, mappings, objects)."""
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), where
        assert_array_equal(after, before, err_msg=f"{where} was mutated")
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), where
        for k in before:
            _assert_unchanged(before[k], after[k], f"{where}[{k!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), where
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_unchanged(b, a, f"{where}[{i}]")
    elif hasattr(before, "__dict__") or hasattr(before, "__slots__"):
        names = set(getattr(before, "__dict__", {}))
        for cls in type(before).__mro__:
            names.update(s for s in getattr(cls, "__slots__", ()) if isinstance(s, str))
        for name in sorted(names):
            if hasattr(before, name):
                _assert_unchanged(getattr(before, name), getattr(after, name), f"{where}.{name}")
    else:
        if isinstance(before, float) and np.isnan(before):
            assert np.isnan(after), where
        else:
            assert before == after, f"{where} was mutated: {before!r} -> {after!r}"


def _quadratic_grad(x):
    H, b = _vec(QUAD["H"]), _vec(QUAD["b"])
    return H @ x - b


# ------------------------------------------------------------------------------------------------------------
# fixed gradient sequences: every torch option, T=7 steps (one of them with an all-zero gradient)


@pytest.mark.parametrize("case", FIXED, ids=[c["name"] for c in FIXED])
def test_step_matches_torch(case):
    got = _run_step(_make(case), case["params0"], case["grads"])
    assert_allclose(got, _vec(case["params"]), rtol=RTOL, atol=0,
                    err_msg=f"{case['optimizer']}({case['kwargs']}): rows are steps 0..T")


@pytest.mark.parametrize("case", FIXED, ids=[c["name"] for c in FIXED])
def test_step_inplace_matches_torch(case):
    opt = _make(case)
    got = _run_step_(opt, case["params0"], case["grads"])
    assert_allclose(got, _vec(case["params"]), rtol=RTOL, atol=0,
                    err_msg=f"{case['optimizer']}({case['kwargs']}): rows are steps 0..T")
    # one kernel behind both: the in-place update is the functional one, bit for bit
    assert_array_equal(got, _run_step(opt, case["params0"], case["grads"]))


@pytest.mark.parametrize("case", FIXED, ids=[c["name"] for c in FIXED])
def test_step_does_not_mutate_inputs(case):
    opt = _make(case)
    params = _vec(case["params0"])
    state = opt.init(params)
    for g in case["grads"]:
        grad = _vec(g)
        params_before, grad_before, state_before = params.copy(), grad.copy(), _snapshot(state)
        new_params, new_state = opt.step(params, grad, state)
        assert_array_equal(params, params_before, err_msg="step mutated params")
        assert_array_equal(grad, grad_before, err_msg="step mutated grad")
        _assert_unchanged(state_before, state)
        assert not np.shares_memory(new_params, params), "step returned a view of its input params"
        params, state = new_params, new_state


# ------------------------------------------------------------------------------------------------------------
# problem-driven: the quadratic L = 1/2 x^T H x - b^T x, gradient at each iterate


def _quadratic_iterates(opt):
    """θ₀ … θ_T of ``opt.step`` on the fixture's quadratic, the gradient taken at each iterate."""
    params = _vec(QUAD["x0"])
    state = opt.init(params)
    out = [params.copy()]
    for _ in range(QUAD["steps"]):
        params, state = opt.step(params, _quadratic_grad(params), state)
        out.append(np.array(params, copy=True))
    return np.array(out)


@pytest.mark.parametrize("name", list(QUAD_CASES))
def test_quadratic_step_matches_torch(name):
    case = QUAD_CASES[name]
    opt = _make(case)
    assert_allclose(_quadratic_iterates(opt), _vec(case["params"]), rtol=RTOL, atol=0)


def test_heavy_ball_is_torch_sgd_momentum():
    """v ← βv − α∇L(θ), θ ← θ + v (v₀ = 0) is torch's b ← μb + ∇L, θ ← θ − lr·b with v = −lr·b."""
    case = QUAD_CASES["sgd-momentum"]
    lr, mu = case["kwargs"]["lr"], case["kwargs"]["momentum"]
    opt = mo.HeavyBall(alpha=lr, beta=mu)
    assert_allclose(_quadratic_iterates(opt), _vec(case["params"]), rtol=RTOL, atol=0)


def _torch_nesterov_theta(case):
    """θ = Θ − βv for torch's iterates Θ, with v = −lr·(momentum buffer) (v₀ = 0)."""
    lr, mu = case["kwargs"]["lr"], case["kwargs"]["momentum"]
    buffers = np.array([np.zeros(len(QUAD["x0"]))] + [s["momentum_buffer"] for s in case["state"]])
    return _vec(case["params"]) + mu * lr * buffers


def test_nesterov_lookahead_is_torch_nesterov():
    """torch's SGD(nesterov=True) iterates are the look-ahead points Θ = θ + βv of v ← βv − α∇L(θ + βv), θ ← θ + v."""
    case = QUAD_CASES["sgd-nesterov"]
    lr, mu = case["kwargs"]["lr"], case["kwargs"]["momentum"]
    opt = mo.Nesterov(alpha=lr, beta=mu, lookahead=1.0)
    params = _vec(QUAD["x0"])
    state = opt.init(params)
    queries, thetas = [np.array(opt.query(params, state), copy=True)], [params.copy()]
    for _ in range(QUAD["steps"]):
        params, state = opt.step(params, _quadratic_grad(opt.query(params, state)), state)
        queries.append(np.array(opt.query(params, state), copy=True))
        thetas.append(np.array(params, copy=True))
    assert_allclose(np.array(queries), _vec(case["params"]), rtol=RTOL, atol=0,
                    err_msg="query points against torch's nesterov iterates")
    assert_allclose(np.array(thetas), _torch_nesterov_theta(case), rtol=RTOL, atol=0,
                    err_msg="theta against torch's iterates minus beta * v")


# the optimizer minimize runs, the torch case it reproduces, and whether traj.params are torch's iterates (Θ)
# or the θ behind them (Nesterov in the physics form records θ, not the look-ahead point θ + βv)
MINIMIZE_CASES = {
    "sgd-momentum": (lambda kw: mo.SGD(**kw), "sgd-momentum", "iterates"),
    "heavy-ball": (lambda kw: mo.HeavyBall(alpha=kw["lr"], beta=kw["momentum"]), "sgd-momentum", "iterates"),
    "sgd-nesterov": (lambda kw: mo.SGD(**kw), "sgd-nesterov", "iterates"),
    "nesterov": (lambda kw: mo.Nesterov(alpha=kw["lr"], beta=kw["momentum"], lookahead=1.0),
                 "sgd-nesterov", "theta"),
    "adam": (lambda kw: mo.Adam(**kw), "adam", "iterates"),
}


@pytest.mark.parametrize("name", list(MINIMIZE_CASES))
def test_minimize_matches_torch(name):
    make, torch_name, recorded = MINIMIZE_CASES[name]
    case = QUAD_CASES[torch_name]
    problem = mo.problems.Quadratic(_vec(QUAD["H"]), _vec(QUAD["b"]))
    traj = mo.minimize(make(case["kwargs"]), problem, _vec(QUAD["x0"]), QUAD["steps"])
    expected = _vec(case["params"]) if recorded == "iterates" else _torch_nesterov_theta(case)
    assert not traj.diverged
    assert np.shape(traj.params) == expected.shape
    assert_allclose(traj.params, expected, rtol=RTOL, atol=0)
    H, b = _vec(QUAD["H"]), _vec(QUAD["b"])
    loss = np.array([0.5 * x @ H @ x - b @ x for x in expected])
    assert_allclose(traj.loss, loss, rtol=1e-10, atol=1e-12 * np.abs(loss).max())


# ------------------------------------------------------------------------------------------------------------
# the book's worked example (chapter 3): 1 → 0.8 → 0.42 → −0.122 → −0.6098


def test_worked_example_fixture():
    assert_allclose(_vec(WORKED["params"])[:, 0], [1.0, 0.8, 0.42, -0.122, -0.6098], rtol=RTOL, atol=0)


@pytest.mark.parametrize("make", [lambda: mo.SGD(lr=0.1, momentum=0.9), lambda: mo.HeavyBall(alpha=0.1, beta=0.9)],
                         ids=["SGD", "HeavyBall"])
def test_worked_example(make):
    opt = make()
    got = _run_step(opt, WORKED["param0"], WORKED["grads"])[:, 0]
    assert_allclose(got, [1.0, 0.8, 0.42, -0.122, -0.6098], rtol=RTOL, atol=0)
    assert_allclose(got, _vec(WORKED["params"])[:, 0], rtol=RTOL, atol=0)
    assert_allclose(_run_step_(opt, WORKED["param0"], WORKED["grads"])[:, 0], got, rtol=RTOL, atol=0)
