"""The checkers' toolkit (``minimopt/exercises/_checking.py``), and the contract every chapter's checkers keep.

The second half is parametrized over every exercise that any ``minimopt.exercises`` module lists in
``EXERCISES``, so a chapter merged later is covered without editing this file: its reference solution passes
for several seeds, a table of the public cases fails under another seed, and a function that raises, exits,
hangs or returns None, a string, NaN or the wrong shape gets a message instead of an exception or a hang.
"""

import decimal
import fractions
import inspect
import math
import re
import sys
import threading
import time

import numpy as np
import pytest
import sympy as sp

import minimopt.exercises as exercises_package
from minimopt import _book
from minimopt.exercises import _checking
from minimopt.exercises._checking import PASS, StudentError

EXERCISES = [exercise for found in _book.exercise_modules().values() for exercise in found]
IDS = [exercise.label for exercise in EXERCISES]


# ------------------------------------------------------------------------------------------ call
def test_call_stops_an_infinite_loop_in_the_main_thread(monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)

    def forever(x):
        while True:
            pass

    start = time.perf_counter()
    with pytest.raises(StudentError, match=r"f\(1\) did not return within 0.2 s: is there an infinite loop\?"):
        _checking.call(forever, (1,), "f(1)")
    assert time.perf_counter() - start < 5  # the limit, not a hang (generous: a loaded machine)


def test_call_stops_an_infinite_loop_outside_the_main_thread(monkeypatch):
    # Elsewhere than in the main thread no timer signal can be used: the call is abandoned in a daemon thread.
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)
    box = {}

    def run():
        try:
            _checking.call(lambda: time.sleep(30), (), "g()")
        except StudentError as exc:
            box["message"] = str(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(10)
    assert box["message"] == "g() did not return within 0.2 s: is there an infinite loop?"


def test_call_turns_every_exception_into_a_message_but_lets_keyboard_interrupt_through():
    with pytest.raises(StudentError, match=r"f\(\) called sys.exit\(2\) \(SystemExit\)"):
        _checking.call(lambda: sys.exit(2), (), "f()")
    with pytest.raises(StudentError, match=r"f\(\) raised ZeroDivisionError: division by zero"):
        _checking.call(lambda: 1 / 0, (), "f()")
    with pytest.raises(StudentError, match=r"not written yet"):
        _checking.call(lambda: (_ for _ in ()).throw(NotImplementedError("stub")), (), "f()")
    with pytest.raises(StudentError, match=r"expected a function, got int 3"):
        _checking.call(3, (), "f()")

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _checking.call(interrupted, (), "f()")


def test_a_keyboard_interrupt_replaced_while_it_propagates_still_gets_through():
    # The grader's deadline is a KeyboardInterrupt; when it and a call's own time limit fall due together, the
    # limit's exception can be raised in a finally while the deadline propagates (seen in the grading tests, about
    # one run in eight): the deadline must still end the checking, not become "did not return in time".
    def limit_raised_while_interrupted():
        try:
            raise KeyboardInterrupt("the deadline")
        finally:
            raise _checking._TimeLimitExceeded

    def error_raised_while_interrupted():
        try:
            raise KeyboardInterrupt("the deadline")
        finally:
            raise ValueError("a student's finally")

    for function in (limit_raised_while_interrupted, error_raised_while_interrupted):
        with pytest.raises(KeyboardInterrupt, match="the deadline"):
            _checking.call(function, (), "f()")

    def limit_alone():
        raise _checking._TimeLimitExceeded

    with pytest.raises(StudentError, match="did not return within"):  # without an interrupt: the usual message
        _checking.call(limit_alone, (), "f()", time_limit=1.0)


def test_returns_student_errors_turns_a_checker_bug_into_a_message():
    @_checking.returns_student_errors
    def buggy(f):
        return {}["missing"]

    assert buggy(None).startswith("the checker could not judge this answer (KeyError")


# ---------------------------------------------------------------------------------------- coercion
@pytest.mark.parametrize("value, number", [
    (0.5, 0.5), (3, 3.0), (np.float64(0.25), 0.25), (np.float32(0.1), float(np.float32(0.1))),
    (np.int64(7), 7.0), (np.array(2.5), 2.5), (np.array([2.5]), 2.5), ([1.5], 1.5), ((1.5,), 1.5),
    (np.array([[4.0]]), 4.0), (sp.Rational(1, 4), 0.25), (sp.sqrt(2), math.sqrt(2)),
    (fractions.Fraction(3, 8), 0.375), (decimal.Decimal("0.125"), 0.125),
])
def test_as_number_accepts_every_form_of_a_real_number(value, number):
    assert _checking.as_number(value) == number  # exact: float32 is converted exactly, not rounded


@pytest.mark.parametrize("value, words", [
    (None, "forget the return"), (True, "truth value"), ("0.5", "string"), (1j, "complex"),
    (float("nan"), "finite"), (math.inf, "finite"), (10**400, "too large"), ([1.0, 2.0], "single number"),
    (np.array([1.0, 2.0]), "shape (2,)"), (sp.I, "not a real number"), ({"x": 1}, "expected a number"),
])
def test_as_number_refuses_what_is_not_one_real_number(value, words):
    with pytest.raises(StudentError, match=None) as info:
        _checking.as_number(value, "f(1)")
    assert words in str(info.value) and str(info.value).startswith("f(1) returned")


def test_as_numbers_as_array_and_as_bool():
    assert _checking.as_numbers(np.array([1.0, 2.0]), 2) == (1.0, 2.0)
    assert _checking.as_numbers([np.float32(0.5), sp.Rational(1, 2)], 2) == (0.5, 0.5)
    with pytest.raises(StudentError, match="expected 2 numbers"):
        _checking.as_numbers((1.0, 2.0, 3.0), 2)
    with pytest.raises(StudentError, match="tuple of 2 numbers"):
        _checking.as_numbers("1, 2", 2)
    np.testing.assert_array_equal(_checking.as_array([1, 2], (2,)), [1.0, 2.0])
    assert _checking.as_array(np.float32(0.5), (1,)).dtype == np.float64
    for bad, words in [((1.0, 2.0, 3.0), "shape (3,)"), ("ab", "expected an array"), (None, "return"),
                       (np.array([1.0, np.nan]), "finite"), (np.array([True, False]), "truth values")]:
        with pytest.raises(StudentError, match=None) as info:
            _checking.as_array(bad, (2,))
        assert words in str(info.value)
    assert _checking.as_bool(np.bool_(True)) is True and _checking.as_bool(np.array([False])) is False
    with pytest.raises(StudentError, match="expected True or False"):
        _checking.as_bool(1)


# ---------------------------------------------------------------------------------------- tolerance
def test_one_tolerance_float32_and_exact_forms_pass_four_decimals_do_not():
    want = 2 / 3.7
    assert _checking.close(float(np.float32(want)), want)      # float32: relative error below 6e-8
    assert _checking.close(want * (1 + 9e-7), want)
    assert not _checking.close(round(want, 4), want)           # rounding to 4 decimals: 1e-5 relative
    assert not _checking.close(want * (1 + 2e-6), want)
    assert _checking.close(1e-13, 0.0) and not _checking.close(1e-11, 0.0)  # ATOL for a zero answer
    assert not _checking.close(math.nan, math.nan)


def test_describe_mismatch_shows_the_digits_that_differ():
    # The float32 report of the issue: both numbers are shown to 12 digits, so they visibly differ.
    message = _checking.describe_mismatch(float(np.float32(0.97)), 0.97)
    assert message.startswith("got 0.97000002861, expected 0.97 (")
    assert "they differ from the 8th significant digit" in message
    assert "relative error" in _checking.describe_mismatch(1.0, 2.0)
    assert "absolute error" in _checking.describe_mismatch(1e-3, 0.0)


def test_random_cases_are_reproducible_and_depend_on_the_seed():
    def draw(rng):
        return rng.uniform(0, 1), rng.integers(0, 10)

    assert _checking.random_cases(draw) == _checking.random_cases(draw, _checking.PUBLIC_SEED)
    assert _checking.random_cases(draw, 5) == _checking.random_cases(draw, 5)
    assert _checking.random_cases(draw, 5) != _checking.random_cases(draw, 6)
    assert all(isinstance(case[0], float) for case in _checking.random_cases(draw, 1))


# ------------------------------------------------------------------------------------- check_function
CASES = [(1.0, 2.0), (3.0, 5.0), (0.5, 4.0)]


def reference(a, b):
    return a / b


def test_check_function_passes_and_reports_the_first_failing_case():
    assert _checking.check_function(lambda a, b: a / b, "ratio", CASES, reference) == PASS
    cases = [(1.0, 2.0), (1.0, 3.0), (2.0, 7.0)]
    message = _checking.check_function(lambda a, b: round(a / b, 4), "ratio", cases, reference)
    assert message == ("ratio(1, 3): got 0.3333, expected 0.333333333333 (they differ from the 5th significant "
                       "digit; relative error 0.0001)")


def test_check_function_recognises_mistakes_swaps_constants_and_accepts_alternatives():
    mistakes = [(lambda a, b: b / a, "upside down")]
    assert _checking.check_function(lambda a, b: b / a, "ratio", CASES, reference, mistakes) == "upside down"
    swapped = _checking.check_function(lambda b, a: a / b, "ratio", CASES, reference, signature="a, b")
    assert swapped == ("ratio computes the right answer with its parameters in the order (b, a), but it is "
                       "called as ratio(a, b): put the parameters of your def line in that order.")
    constant = _checking.check_function(lambda a, b: 0.5, "ratio", CASES, reference)
    assert constant.startswith("ratio returned 0.5 in every case")
    # when the right answer is the same in every case, a wrong constant is just a wrong answer
    message = _checking.check_function(lambda a, b: 0.3, "half", CASES, lambda a, b: 0.5)
    assert message.startswith("half(1, 2): got 0.3, expected 0.5 (")
    assert _checking.check_function(lambda a, b: a / b + 1, "ratio", CASES, reference,
                                    accept=[lambda a, b: a / b + 1]) == PASS
    explained = _checking.check_function(lambda a, b: 2 * a / b, "ratio", CASES, reference,
                                         explain=lambda case, value, want: " (hint)")
    assert explained.endswith(" (hint)")


def test_other_orders_are_every_permutation_of_three_and_every_exchange_of_more():
    assert _checking.other_orders(2) == [(1, 0)]
    assert len(_checking.other_orders(3)) == 5 and (1, 2, 0) in _checking.other_orders(3)
    assert len(_checking.other_orders(9)) == 36 and (1, 0, 2, 3, 4, 5, 6, 7, 8) in _checking.other_orders(9)


def test_a_function_that_fails_in_the_exercises_order_but_not_in_another_is_named():
    # last(values, k) indexes its first argument: written as last(k, values) it cannot run on the cases
    def wrong_order(k, values):
        return float(np.asarray(values)[-1] * k)

    cases = [(np.array([1.0, 2.0]), 3.0), (np.array([0.5, 4.0, 1.0]), 2.0)]
    message = _checking.check_function(wrong_order, "last", cases, lambda values, k: float(values[-1] * k),
                                       signature="values, k")
    assert message == ("last computes the right answer with its parameters in the order (k, values), but it is "
                       "called as last(values, k): put the parameters of your def line in that order.")
    # without a signature, or when no order helps, the failure itself is the message
    with pytest.raises(StudentError, match="raised IndexError"):
        _checking.check_function(wrong_order, "last", cases, lambda values, k: float(values[-1] * k))
    with pytest.raises(StudentError, match="raised ZeroDivisionError"):
        _checking.check_function(lambda values, k: 1 / 0, "last", cases, lambda values, k: 1.0,
                                 signature="values, k")


def test_a_function_that_hangs_is_not_called_again_in_another_order(monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)
    calls = []

    def forever(a, b):
        calls.append((a, b))
        while True:
            pass

    with pytest.raises(StudentError, match="did not return within 0.2 s") as raised:
        _checking.check_function(forever, "f", CASES, reference, signature="a, b")
    assert raised.value.timed_out and len(calls) == 1


def test_answer_kinds_follow_the_type_of_the_right_answer():
    assert _checking.answer_kind(True) is _checking.BOOL and _checking.answer_kind(np.bool_(False)) is _checking.BOOL
    assert _checking.answer_kind(np.zeros(3)) is _checking.ARRAY
    assert _checking.answer_kind(np.array(0.5)) is _checking.NUMBER and _checking.answer_kind(2) is _checking.NUMBER
    assert _checking.answer_kind((1.0, 2.0)) is _checking.NUMBERS


def test_check_function_reports_an_input_changed_in_place():
    def scale(x, c):
        x *= c
        return x

    cases = [(np.array([1.0, 2.0]), 3.0), (np.array([-1.0]), 0.5)]
    message = _checking.check_function(scale, "scale", cases, lambda x, c: x * c, signature="x, c")
    assert message.startswith("scale returns the right values but changes its input x in place")
    assert np.array_equal(cases[0][0], [1.0, 2.0])  # the cases themselves are intact


# ------------------------------------------------------------ the contract of every chapter's checkers
def _parameters(function):
    return [p.name for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_exercise_record_is_consistent(exercise):
    assert exercise.label.startswith("ex-") and IDS.count(exercise.label) == 1
    assert exercise.function.isidentifier()
    assert _parameters(exercise.solution) == _checking.parameters(exercise.signature)
    assert getattr(exercises_package, exercise.checker.__name__) is exercise.checker
    seed = inspect.signature(exercise.checker).parameters["seed"]
    assert seed.kind is inspect.Parameter.KEYWORD_ONLY and seed.default is None
    assert exercise.points > 0


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_reference_solution_passes_for_several_seeds(exercise):
    for seed in (None, 1, 2, 2**32 - 1, 987654321):
        assert exercise.checker(exercise.solution, seed=seed) == PASS, seed


def _wrong_like(answer):
    """An answer of the same kind that is wrong."""
    if isinstance(answer, (bool, np.bool_)):
        return not answer
    if isinstance(answer, (tuple, list)):
        return tuple(float(a) + 1.0 for a in answer)
    return np.asarray(answer, dtype=float) + 1.0 if isinstance(answer, np.ndarray) else float(answer) + 1.0


def _key(args):
    return tuple(a.tobytes() if isinstance(a, np.ndarray) else repr(a) for a in args)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_a_table_of_the_public_cases_fails_under_a_fresh_seed(exercise):
    table = {}

    def recording(*args):
        answer = exercise.solution(*args)
        table[_key(args)] = answer
        return answer

    assert exercise.checker(recording, seed=None) == PASS

    def lookup(*args):
        key = _key(args)
        return table[key] if key in table else _wrong_like(exercise.solution(*args))

    assert exercise.checker(lookup) == PASS                  # the public cases, memorised
    assert exercise.checker(lookup, seed=20261202) != PASS   # a grading run's cases are new


def _hang(*args):
    while True:
        pass


def _exit(*args):
    sys.exit(0)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
@pytest.mark.parametrize("student, words", [
    (lambda *args: None, "forget the return"),
    (lambda *args: "0.5", "string"),
    (lambda *args: float("nan"), "nan"),
    (lambda *args: (1.0, 2.0, 3.0, 4.0, 5.0), "returned"),
    (lambda *args: [][0], "raised IndexError"),
    (_exit, "sys.exit(0)"),
    (_hang, "did not return within 0.2 s"),
    (lambda *args: (_ for _ in ()).throw(NotImplementedError), "not written yet"),
], ids=["none", "string", "nan", "wrong-length", "exception", "sys-exit", "hang", "stub"])
def test_checkers_give_a_message_never_an_exception_or_a_hang(exercise, student, words, monkeypatch):
    monkeypatch.setattr(_checking, "TIME_LIMIT_S", 0.2)
    message = exercise.checker(student, seed=3)
    assert isinstance(message, str) and message != PASS
    assert words in message, message
    assert not message.startswith("the checker could not judge"), message
    assert len(message) < 400  # short


# ------------------------------------------------------------------ the API page shows no answer
# book/api.md renders every public check_* docstring (in the student edition too), so a docstring must say
# what is checked, never the answer. The solutions' formulas are compared with each docstring after both are
# brought to one spelling: LaTeX, Unicode and Python (θ, \theta, theta; e^{x}, np.exp(x); √x, \sqrt{x},
# math.sqrt(x); x², x**2, x^2; |g|, abs(g); ...), without spaces, multiplication signs, braces or parentheses.
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿᵗᵏ", "0123456789-+ntk")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₋₊ₜₖₙ", "0123456789-+tkn")
_GREEK = {"θ": "theta", "η": "eta", "λ": "lambda", "γ": "gamma", "β": "beta", "μ": "mu", "κ": "kappa",
          "σ": "sigma", "ε": "epsilon", "ϵ": "epsilon", "α": "alpha", "ν": "nu", "ρ": "rho", "ψ": "psi",
          "ξ": "xi", "Δ": "delta", "ℓ": "ell", "∇": "nabla", "φ": "phi", "Θ": "theta", "Σ": "sum",
          "∑": "sum", "∂": "partial", "√": "sqrt", "‖": "|", "−": "-", "·": "*", "⋅": "*", "×": "*"}
# one name for each quantity, whatever the spelling: the learning rate (lr, η, γ), its friends, the functions
_SYNONYMS = {"eta": "lr", "gamma": "lr", "lambda": "lam", "epsilon": "eps", "grad": "g", "grads": "g",
             "g_norm": "g", "arccos": "acos", "cdot": "", "times": "", "left": "", "right": "", "bigl": "",
             "bigr": "", "big": "", "mathrm": "", "text": "", "operatorname": "", "math": "", "np": "", "numpy": "",
             "abs": "", "float": "", "tfrac": "frac", "dfrac": "frac"}
_OPERATOR = re.compile(r"[-+/^<>]|sqrt|exp|log|acos|sum")


def _canonical(text):
    """A formula (or a whole docstring) in one spelling, see above."""
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿᵗᵏ]+", lambda m: f"^({m.group().translate(_SUPERSCRIPTS)})", text)
    text = text.translate(_SUBSCRIPTS).replace("\u0303", "")
    for letter, name in _GREEK.items():
        text = text.replace(letter, f" {name} ")
    text = text.replace("\\|", "|").replace("**", "^")
    text = re.sub(r"\\[,;!: ]|\\q?quad", " ", text)
    for _ in range(3):  # \frac{a}{b} -> (a)/(b), innermost first
        text = re.sub(r"\\[td]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\([A-Za-z]+)", r" \1 ", text)  # \theta -> theta, \sqrt -> sqrt
    text = re.sub(r"\be\s*\^", "exp", text)
    text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*",
                  lambda m: _SYNONYMS.get(m.group().lower(), m.group().lower()), text)
    return re.sub(r"[\s*_{}()\[\]|`.,]", "", text)


def _solution_formulas(body):
    """The formulas of a solution: each side of the ``=`` of its math and of its code's assignments, each
    ``return`` expression and each piece of math without ``=`` (only those with an operator, 3 characters or
    more once canonical)."""
    pieces = []
    for line in _book.code_and_prose(body)[0]:
        code = re.sub(r"#.*$", "", line).strip()
        if code.startswith("return "):
            pieces += code[len("return "):].split(", ")
        elif re.search(r"[^=!<>]=[^=]", code) and not code.startswith(("def ", "for ", "if ")):
            pieces += [p for side in re.split(r"(?<![=!<>])=(?!=)", code) for p in side.split(", ")]
    prose = " ".join(line for line in body.split("\n"))
    prose = re.sub(r"```.*?```", " ", prose, flags=re.S)
    for span in re.findall(r"\$\$(.+?)\$\$|\$([^$]+)\$", prose, flags=re.S):
        math_text = span[0] or span[1]
        pieces += re.split(r"=|\\approx|\\le|\\ge|\\iff|\\qquad|\\quad|,\s", math_text)
    canonical = {_canonical(p) for p in pieces}
    return {c for c in canonical if len(c) >= 3 and _OPERATOR.search(c)}


def _solution_bodies():
    found = {}
    for page in _book.chapters():
        for block in _book.solutions(_book.read_notebook(page)):
            found.setdefault(block.argument.strip(), []).append(block.body)
    return found


def _leaked(docstring, formulas):
    text = _canonical(docstring)
    return sorted(f for f in formulas if f in text)


# What the docstrings of check_logit_step, check_adagrad_effective_lr, check_tuned_contraction,
# check_stability_limit and check_heavy_ball_stable said before (issue 12): each gave the answer away.
_OLD_DOCSTRINGS = {
    "ex-stepsize-1": "Check ``logit_step(theta, grad, lr)``: mirror descent with the binary entropy, "
                     "θe^{−lr·g}/(θe^{−lr·g} + 1 − θ).",
    "ex-adaptive-3": "AdaGrad's accumulator is s_t = t g², so for ε → 0, ``η_t = lr/√(s_t) = lr/(|g|√t)``.",
    "ex-nesterov-4": "with the tuning α = 4/(3L + μ), β = (√(3κ+1) − 2)/(√(3κ+1) + 2), which is "
                     "(1 − 2/√(3κ + 1))ᵏ.",
    "ex-euler-3": "The answer is the supremum of the learning rates γ for which θₙ → 0 from every θ₀, that is "
                  "2/h.",
    "ex-momentum-4": "which for 0 ≤ β ≤ 1 and αh ≥ 0 means β < 1 and 0 < αh < 2(1 + β).",
    "ex-intrinsic-lr-3": "Check ``lr_growth_factor(eta, lam) -> (1 − ηλ)⁻²``, the per-step growth.",
    "ex-momentum-2": "and then the physics velocity is v = −lr·b for PyTorch's momentum buffer b.",
}


def test_the_leak_search_finds_the_answers_the_old_docstrings_gave():
    solutions = _solution_bodies()
    for label, old in _OLD_DOCSTRINGS.items():
        formulas = set().union(*(_solution_formulas(body) for body in solutions[label]))
        assert _leaked(old, formulas), f"{label}: the search misses the answer in {old!r}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_no_checker_docstring_gives_the_answer_of_its_exercise(exercise):
    solutions = _solution_bodies()
    assert exercise.label in solutions, f"{exercise.label} has no solution in the book"
    formulas = set().union(*(_solution_formulas(body) for body in solutions[exercise.label]))
    assert len(formulas) >= 1, f"{exercise.label}: no formula found in its solution, the test would mean nothing"
    docstring = inspect.getdoc(exercise.checker) or ""
    assert _leaked(docstring, formulas) == []
    # the reference solution's own code (its return expression) is not in the docstring either
    source = inspect.getsource(exercise.solution)
    returned = {_canonical(r) for r in re.findall(r"^\s*return (.+)$", source, flags=re.M)}
    assert _leaked(docstring, {r for r in returned if len(r) >= 3 and _OPERATOR.search(r)}) == []


# ------------------------------------------------------------ parameters in another order, in every chapter
def _exchanged(solution, i, j):
    """The reference solution written with its parameters i and j exchanged in the def line."""
    def student(*args):
        args = list(args)
        args[i], args[j] = args[j], args[i]
        return solution(*args)
    return student


_PAIRS = [(exercise, pair) for exercise in EXERCISES
          for pair in {(0, 1), (len(_checking.parameters(exercise.signature)) - 2,
                                len(_checking.parameters(exercise.signature)) - 1)}
          if len(_checking.parameters(exercise.signature)) >= 2]


@pytest.mark.parametrize("exercise, pair", _PAIRS, ids=[f"{e.label}-{i}{j}" for e, (i, j) in _PAIRS])
def test_parameters_in_another_order_are_named_wherever_the_order_matters(exercise, pair):
    # "pass" only where exchanging the two parameters gives the same answers on every case (a symmetric
    # formula); otherwise the message says that the order is wrong, whether the exchanged function returns
    # wrong numbers or cannot even run on the cases (an index into a number, a matrix for a vector).
    message = exercise.checker(_exchanged(exercise.solution, *pair))
    assert message == PASS or "order" in message or "exchanged" in message, message


def test_most_exercises_depend_on_the_order_of_their_first_two_parameters():
    # so that the test above is not passed by checkers that pass everything
    messages = {e.label: e.checker(_exchanged(e.solution, 0, 1)) for e, (i, j) in _PAIRS if (i, j) == (0, 1)}
    symmetric = sorted(label for label, message in messages.items() if message == PASS)
    assert len(symmetric) <= len(messages) // 4, symmetric


# ------------------------------------------------------------------- one tolerance, stated everywhere
def test_every_chapter_module_states_the_one_rule_on_answers_word_for_word():
    assert f"{_checking.RTOL:.0e}".replace("e-0", "e-") in _checking.RULES and "1e-12" in _checking.RULES
    rules = " ".join(_checking.RULES.split())
    modules = [sys.modules[exercise.checker.__module__] for exercise in EXERCISES]
    for module in dict.fromkeys(modules):
        assert rules in " ".join((module.__doc__ or "").split()), module.__name__
