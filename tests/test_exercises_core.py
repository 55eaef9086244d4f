"""The exercise framework: three outcomes, kind messages, hints and solutions, helpers."""

import inspect
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import companion.exercises as ex
from companion.exercises import (
    CORRECT,
    NOT_ATTEMPTED,
    NOT_YET,
    NotAttempted,
    NotYet,
    Question,
    case,
    expect_array,
    expect_callable,
    expect_choice,
    expect_function,
    expect_number,
    for_case,
    questions_in,
)

X = np.array([-2.0, 0.0, 3.0])


def _check_relu(relu):
    expect_callable(relu, n_args=1, name="relu")
    expect_function(
        relu,
        [case(X), case(np.array([[1.5, -0.5], [0.0, 2.0]]))],
        reference=lambda x: np.maximum(x, 0.0),
        name="relu",
    )


def relu_question():
    return Question(
        "q1",
        prompt="Write relu(x).",
        check_fn=_check_relu,
        hint=["np.maximum compares elementwise.", "return np.maximum(x, 0.0)"],
        solution_source="""
            def relu(x):
                return np.maximum(x, 0.0)
        """,
        correct="relu keeps positive values and zeroes the rest.",
    )


def line_of(fn, text):
    """The file line number of the first line of ``fn`` containing ``text``."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


# --- the three outcomes ------------------------------------------------------------------------


def test_correct_answer_prints_correct_and_returns_none(capsys):
    q = relu_question()
    assert q.check(lambda x: np.maximum(x, 0)) is None
    out = capsys.readouterr().out
    assert out == "Correct! relu keeps positive values and zeroes the rest.\n"
    assert q.last_status == CORRECT


def test_wrong_answer_prints_not_yet_with_the_failing_case(capsys):
    q = relu_question()
    q.check(lambda x: np.abs(x))
    out = capsys.readouterr().out
    assert out.startswith("Not yet: for x = [-2.,  0.,  3.]:")
    assert "expected 0, got 2" in out
    assert out.count("\n") == 1  # one line


@pytest.mark.parametrize("blank", [..., None, (np.ones(2), ...), [...], {"W": ...}])
def test_blank_answers_are_not_attempted(blank, capsys):
    q = Question("q", check_fn=lambda a: None)
    status, message = q.evaluate(blank)
    assert status == NOT_ATTEMPTED
    assert "replace" in message
    q.check(blank)
    assert capsys.readouterr().out.startswith("Not attempted: ")


def test_none_can_be_a_real_answer_when_allowed():
    q = Question("q", check_fn=lambda a: a is None, allow_none=True)
    assert q.evaluate(None)[0] == CORRECT


def test_check_without_an_answer_says_how_to_call_it():
    status, message = relu_question().evaluate()
    assert status == NOT_ATTEMPTED
    assert "q1.check(relu)" in message


def test_function_returning_ellipsis_or_none_or_raising_not_implemented_is_not_attempted():
    def returns_ellipsis(x):
        return ...

    def body_is_ellipsis(x): ...

    def raises(x):
        raise NotImplementedError

    q = relu_question()
    assert q.evaluate(returns_ellipsis) == (
        NOT_ATTEMPTED,
        "your function returns_ellipsis still returns `...`: write its body, run that cell, "
        "then run this check again.",
    )
    status, message = q.evaluate(body_is_ellipsis)
    assert status == NOT_ATTEMPTED and "returned None" in message
    status, message = q.evaluate(raises)
    assert status == NOT_ATTEMPTED and "NotImplementedError" in message
    # A lambda has no name to show: "your function" once, not "your function your function".
    assert q.evaluate(lambda x: ...) == (
        NOT_ATTEMPTED,
        "your function still returns `...`: write its body, run that cell, "
        "then run this check again.",
    )


def test_not_implemented_in_a_directly_called_function_is_not_attempted():
    def check(f):
        assert f(1) == 1

    def stub(x):
        raise NotImplementedError("write me")

    assert Question("q", check_fn=check).evaluate(stub)[0] == NOT_ATTEMPTED


def test_todo_overrides_the_not_attempted_message():
    q = Question("q", check_fn=lambda a: None, todo="set n_params to a number.")
    assert q.evaluate(...) == (NOT_ATTEMPTED, "set n_params to a number.")


def test_several_answers_are_passed_in_order_and_named_when_blank():
    def check(W, b):
        expect_array(W, np.eye(2), name="W")
        expect_array(b, np.zeros(2), name="b")

    q = Question(
        "q2", check_fn=check, solution_source="W = np.eye(2)\nb = np.zeros(2)", correct="ok"
    )
    assert q.answer_names == ("W", "b")
    assert q.evaluate(np.eye(2), np.zeros(2)) == (CORRECT, "ok")
    status, message = q.evaluate(np.eye(2), ...)
    assert status == NOT_ATTEMPTED and message.startswith("b still contains")
    assert q.evaluate(W=np.eye(2), b=np.ones(2))[0] == NOT_YET


# --- learner exceptions and checker bugs ---------------------------------------------------------


def test_learner_exception_is_reported_with_its_line_and_no_traceback(capsys):
    def relu(x):
        y = x @ np.ones((4, 4))
        return y

    relu_question().check(relu)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert captured.err == ""
    assert captured.out.startswith("Not yet: for x = [-2.,  0.,  3.], your code raised ValueError")
    line = line_of(relu, "x @ np.ones")
    assert f"(line {line} of test_exercises_core.py, in relu: `y = x @ np.ones((4, 4))`)" in (
        captured.out
    )


def test_learner_exception_outside_expect_function_is_reported_kindly(capsys):
    def check(f):
        return f(2.0) == 0.5

    def inverse(x):
        return 1 / (x - 2.0)

    Question("q", check_fn=check).check(inverse)
    out = capsys.readouterr().out
    line = line_of(inverse, "return 1 /")
    assert out == (
        "Not yet: your code raised ZeroDivisionError: float division by zero "
        f"(line {line} of test_exercises_core.py, in inverse: `return 1 / (x - 2.0)`).\n"
    )


def test_learner_exception_inside_a_library_call_points_at_the_learner_line():
    def check(f):
        f(np.ones((2, 3)))

    def reshape_wrong(x):
        return np.reshape(x, (4, 4))

    status, message = Question("q", check_fn=check).evaluate(reshape_wrong)
    assert status == NOT_YET
    assert message.startswith("your code raised ValueError: cannot reshape array")
    assert f"line {line_of(reshape_wrong, 'np.reshape')} of" in message


def test_a_bug_in_the_checker_is_contained_and_named(capsys):
    def buggy_check(answer):
        return {}["missing"] == answer

    q = Question("q7", check_fn=buggy_check)
    q.check(3)
    captured = capsys.readouterr()
    assert captured.out.startswith("Not yet: the checker itself failed (KeyError: 'missing').")
    assert "q7.solution()" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_a_checker_bug_inside_a_library_call_is_still_the_checkers():
    def buggy_check(answer):
        np.reshape(np.ones(3), (2, 2))

    status, message = Question("q", check_fn=buggy_check).evaluate(1)
    assert status == NOT_YET and message.startswith("the checker itself failed (ValueError")


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (None, (CORRECT, "why")),
        (True, (CORRECT, "why")),
        ("custom why", (CORRECT, "custom why")),
        (False, (NOT_YET, "that is not the expected answer yet. q.hint() gives a hint.")),
    ],
)
def test_check_function_return_values(returned, expected):
    q = Question("q", check_fn=lambda a: returned, hint="h", correct="why")
    assert q.evaluate(1) == expected


def test_numpy_booleans_and_helper_return_values():
    assert Question("q", check_fn=lambda a: np.isclose(a, 1.0)).evaluate(2.0)[0] == NOT_YET
    assert Question("q", check_fn=lambda a: np.isclose(a, 1.0)).evaluate(1.0)[0] == CORRECT
    # A check written as `lambda n: expect_number(n, 12)` returns the number when it is right.
    assert Question("q", check_fn=lambda n: expect_number(n, 12)).evaluate(12)[0] == CORRECT


def test_numpy_warnings_are_appended_to_a_not_yet_message():
    def check(f):
        expect_array(f(np.array([1000.0])), np.array([1.0]), name="sigmoid(1000)")

    def sigmoid(x):
        return np.exp(x) / np.exp(x)

    status, message = Question("q", check_fn=check).evaluate(sigmoid)
    assert status == NOT_YET
    assert "NaN" in message and "(NumPy warned: overflow encountered in exp)" in message


def test_wrapped_learner_functions_keep_their_attributes_and_classes_pass_through():
    seen = {}

    def check(f, cls):
        seen["name"], seen["derivative"] = f.__name__, f.derivative
        seen["cls"] = cls

    def act(x):
        return x

    act.derivative = "d"

    class Layer:
        pass

    assert Question("q", check_fn=check).evaluate(act, Layer)[0] == CORRECT
    assert seen == {"name": "act", "derivative": "d", "cls": Layer}


# --- hints, solutions, reference answers ---------------------------------------------------------


def test_hints_are_shown_one_at_a_time(capsys):
    q = relu_question()
    q.hint()
    q.hint()
    q.hint()
    q.hint(1)
    assert capsys.readouterr().out.splitlines() == [
        "Hint 1 of 2: np.maximum compares elementwise.",
        "Hint 2 of 2: return np.maximum(x, 0.0)",
        "Hint 2 of 2: return np.maximum(x, 0.0) (That was the last hint; "
        "q1.solution() shows a reference answer.)",
        "Hint 1 of 2: np.maximum compares elementwise.",
    ]


def test_single_hint_and_no_hint(capsys):
    Question("q", check_fn=lambda a: None, hint="only one").hint()
    Question("q5", check_fn=lambda a: None).hint()
    assert capsys.readouterr().out.splitlines() == [
        "Hint: only one",
        "No hint for this one; q5.solution() shows a reference answer.",
    ]


def test_hint_number_out_of_range_is_a_value_error():
    with pytest.raises(ValueError, match="from 1 to 2"):
        relu_question().hint(3)


def test_solution_prints_dedented_source(capsys):
    q = relu_question()
    q.solution()
    assert capsys.readouterr().out == ("Solution:\ndef relu(x):\n    return np.maximum(x, 0.0)\n")
    assert q.solution_source.startswith("def relu(x):")
    Question("q3", check_fn=lambda a: None).solution()
    assert capsys.readouterr().out == "No reference solution is stored for q3.\n"


def test_reference_solution_passes_its_own_check():
    assert relu_question().evaluate_solution()[0] == CORRECT


def test_reference_answers_use_setup_and_answer_names():
    def check(y):
        expect_array(y, np.array([[3.0, 3.0]]), name="y")

    q = Question(
        "q",
        check_fn=check,
        solution_source="z = x @ W\ny = z + b",
        answer_names=["y"],
        setup=lambda: {"x": np.ones((1, 2)), "W": np.ones((2, 2)), "b": np.ones(2)},
    )
    assert q.evaluate_solution() == (CORRECT, "")
    bad = Question("q", check_fn=check, solution_source="z = 1", answer_names=["y"])
    with pytest.raises(ValueError, match=r"does not define \['y'\]"):
        bad.reference_answers()


def test_question_rejects_bad_construction():
    with pytest.raises(TypeError, match="check_fn"):
        Question("q", check_fn=None)
    with pytest.raises(TypeError, match="hint must be"):
        Question("q", check_fn=lambda a: None, hint=3)
    with pytest.raises(ValueError, match="not valid Python"):
        Question("q", check_fn=lambda a: None, solution_source="def f(:")
    with pytest.raises(TypeError, match="non-empty string"):
        Question("", check_fn=lambda a: None)


def test_questions_in_orders_by_number_and_repr_shows_prompt():
    module = types.ModuleType("nbxx")
    module.q10 = Question("q10", check_fn=lambda a: None)
    module.q2 = Question("q2", "Count the parameters.", check_fn=lambda a: None)
    module.other = 3
    assert [q.name for q in questions_in(module)] == ["q2", "q10"]
    assert repr(module.q2) == "Question q2: Count the parameters."


def test_missing_notebook_module_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no exercises for notebook 99"):
        ex.nb99  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        ex.nonsense  # noqa: B018


# --- expect_array ----------------------------------------------------------------------------


def not_yet(fn, *args, **kwargs):
    with pytest.raises(NotYet) as info:
        fn(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    ("answer", "expected", "fragment"),
    [
        (
            np.ones((3, 2)),
            np.ones((2, 3)),
            "expected (2, 3) -- rows and columns are swapped: did you transpose W?",
        ),
        (np.ones((5, 3)), np.ones(3), "did you forget to sum or average over the batch axis"),
        (np.ones(3), np.ones((5, 3)), "the first axis is missing"),
        (np.ones((3, 1)), np.ones(3), "differ only in axes of length 1"),
        (np.ones(6), np.ones((2, 3)), "the same number of values, arranged differently"),
        (np.ones((2, 2)), np.ones((3, 3)), "W has shape (2, 2), expected (3, 3)."),
        (np.ones(3, dtype=int), np.ones(3), "holds int64 values, expected floating-point"),
        (
            np.array([1.0, np.nan]),
            np.ones(2),
            "contains 1 NaN or infinite value(s) (the first at index (1,))",
        ),
        (-np.arange(1.0, 4.0), np.arange(1.0, 4.0), "opposite sign"),
        (0.5 * np.arange(1.0, 4.0), np.arange(1.0, 4.0), "is 0.5 times the expected one"),
        (np.arange(1.0, 4.0) + 0.25, np.arange(1.0, 4.0), "off by the same +0.25"),
        (np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), "transposed"),
        (
            np.array([1.0, 2.0, 4.0]),
            np.arange(1.0, 4.0),
            "1 of 3 values of W are off; e.g. at index (2,) expected 3, got 4.",
        ),
        ([[1.0, 2.0], [3.0]], np.ones(2), "cannot be turned into one"),
        (np.ones, np.ones(2), "it is a function (did you forget to call it?)"),
        ("1 2", np.ones(2), "it is the string '1 2'"),
        (np.array(["a", "b"]), np.ones(2), "holds <U1 values"),
    ],
)
def test_expect_array_hints(answer, expected, fragment):
    assert fragment in not_yet(expect_array, answer, expected, name="W")


def test_expect_array_accepts_close_values_and_returns_an_array():
    expected = np.array([[0.1, 0.2], [0.3, 1e-9]])
    # float32 answer: round-off of ~6e-8 relative is well within the default rtol of 1e-5.
    got = expect_array(expected.astype(np.float32).tolist(), expected)
    assert isinstance(got, np.ndarray) and got.shape == (2, 2)
    expect_array(np.array([np.inf, 1.0]), np.array([np.inf, 1.0]))
    assert "infinite or NaN exactly where" in not_yet(
        expect_array, np.array([1.0, 1.0]), np.array([np.inf, 1.0])
    )


def test_expect_array_rejects_values_just_outside_the_tolerance():
    expected = np.array([1.0, 2.0])
    expect_array(expected * (1 + 0.9e-5), expected)  # within rtol=1e-5 (plus atol=1e-6)
    with pytest.raises(NotYet):
        expect_array(expected + np.array([0.0, 1e-4]), expected)


def test_expect_array_dtype_mistakes_and_extra_hints():
    want = np.ones((2, 2), dtype=np.float32)
    assert "dtype float64, expected float32" in not_yet(
        expect_array, np.ones((2, 2)), want, check_dtype=True
    )
    message = not_yet(
        expect_array, np.zeros((2, 2)), want, mistakes=[(np.zeros((2, 2)), "forgot the bias")]
    )
    assert message == "forgot the bias"
    assert not_yet(expect_array, np.ones((2, 3)), want, shape_hint="(x has 3 features.)").endswith(
        "(x has 3 features.)"
    )
    assert "expected" not in not_yet(expect_array, np.array([1.0, 5.0]), np.ones(2), reveal=False)


def test_expect_array_blank_is_not_attempted():
    with pytest.raises(NotAttempted):
        expect_array(..., np.ones(2))


@settings(max_examples=30, deadline=None)
@given(
    rows=st.integers(1, 5),
    cols=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_expect_array_transposed_shape_property(rows, cols, seed):
    expected = np.random.default_rng(seed).normal(size=(rows, cols))
    expect_array(expected.copy(), expected)
    if rows != cols:
        assert "rows and columns are swapped" in not_yet(expect_array, expected.T, expected)


# --- expect_number, expect_callable, expect_choice ----------------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("12", "n is the string '12'; write the number without quotes."),
        (True, "n should be a number, but it is bool True."),
        (np.ones(3), "n should be a single number, but it is an array of shape (3,)"),
        (15, "n = 15 is too large."),
        (9.5, "n = 9.5 is too small."),
        (-12, "n = -12 has the wrong sign."),
        (float("nan"), "n is nan"),
        (9, "you forgot the biases"),
    ],
)
def test_expect_number_hints(answer, message):
    got = not_yet(expect_number, answer, 12, name="n", mistakes={9: "you forgot the biases"})
    assert got.startswith(message)


def test_expect_number_right_answer_is_right_even_where_a_mistake_agrees():
    # Glorot's limit for fan_in == fan_out equals LeCun's: that case must not say "LeCun".
    assert expect_number(3.0, 3.0, mistakes=[(3.0, "that is LeCun's")]) == 3.0
    assert not_yet(expect_number, 2.0, 3.0, mistakes=[(2.0, "that is He's")]) == "that is He's"


def test_for_case_names_the_case_in_the_hint():
    with pytest.raises(NotYet, match=r"^for x = \[1, 2\]: f\(x\) = 3 is too small\.$"):
        with for_case("for x = [1, 2]"):
            expect_number(3, 4, name="f(x)")
    with for_case("for x = [1, 2]"):  # nothing to say: nothing raised
        expect_number(4, 4)


def test_expect_number_accepts_numbers_in_many_forms():
    assert expect_number(np.array([12]), 12) == 12
    assert expect_number(np.int64(12), 12) == 12
    assert expect_number(0.1 + 0.2, 0.3) == pytest.approx(0.3)
    assert "expected 0.3" in not_yet(expect_number, 0.4, 0.3, reveal=True)
    with pytest.raises(NotYet):
        expect_number(12.5, 12)  # integers are compared exactly


def test_expect_callable():
    assert "should be a function, but it is int 3" in not_yet(expect_callable, 3, name="relu")
    message = not_yet(
        expect_callable, lambda x: x, n_args=3, name="dense", arg_names=("x", "W", "b")
    )
    assert message == "dense should accept 3 argument(s) (x, W, b), but its signature is (x)."
    assert expect_callable(np.tanh, n_args=1) is np.tanh  # ufuncs have no signature
    expect_callable(lambda x, alpha=1.0: x, n_args=1)


def test_expect_choice():
    choices = ["sigmoid", "tanh", "relu"]
    assert expect_choice(" ReLU ", choices, "relu") == "relu"
    assert not_yet(expect_choice, "tanh", choices, "relu", explanations={"tanh": "saturates"}) == (
        "saturates"
    )
    assert "one of 'sigmoid', 'tanh', 'relu'" in not_yet(expect_choice, "elu", choices, "relu")
    assert "is not the best choice" in not_yet(expect_choice, "sigmoid", choices, "relu")


# --- expect_function ---------------------------------------------------------------------------


def test_expect_function_reports_the_first_failing_case():
    def half_right(x):
        return np.where(x.ndim == 1, np.maximum(x, 0), x)

    message = not_yet(
        expect_function,
        half_right,
        [X, np.array([[1.0, -1.0]])],
        reference=lambda x: np.maximum(x, 0),
        name="relu",
    )
    assert message.startswith("for x = [[ 1., -1.]]: 1 of 2 values of the output of relu are off")


def test_expect_function_with_expected_list_keyword_cases_and_custom_compare():
    def scale(x, factor=2.0):
        return x * factor

    expect_function(scale, [case(1.0, factor=3.0), 2.0], expected=[3.0, 4.0], name="scale")
    message = not_yet(expect_function, scale, [case(1.0, factor=3.0)], expected=[4.0], name="scale")
    assert message.startswith("for x = 1, factor = 3: the output of scale = 3, expected 4.")

    def compare(result, want):
        if result != want:
            raise NotYet("custom")

    assert not_yet(expect_function, scale, [1.0], expected=[5.0], compare=compare) == (
        "for x = 1: custom"
    )


def test_expect_function_detects_in_place_changes():
    def relu_in_place(x):
        x[x < 0] = 0.0
        return x

    assert "changed its input array in place" in not_yet(
        expect_function, relu_in_place, [X], reference=lambda x: np.maximum(x, 0)
    )
    expect_function(relu_in_place, [X], reference=lambda x: np.maximum(x, 0), allow_mutation=True)
    assert X[0] == -2.0  # the case's own array was copied before the call


def test_expect_function_blank_results_and_bad_usage():
    with pytest.raises(NotAttempted, match="returned None"):
        expect_function(lambda x: None, [1.0], expected=[1.0])
    with pytest.raises(NotAttempted, match="NotImplementedError"):
        expect_function(_raise_not_implemented, [1.0], expected=[1.0])
    with pytest.raises(TypeError, match="exactly one of reference= or expected="):
        expect_function(abs, [1.0])
    with pytest.raises(ValueError, match="2 cases but 1 expected"):
        expect_function(abs, [1.0, 2.0], expected=[1.0])


def _raise_not_implemented(x):
    raise NotImplementedError


def test_call_learner_copies_inputs_and_reports_failures_kindly():
    from companion.exercises.core import NotAttempted, NotYet, call_learner, require_result

    data, items = np.arange(3.0), [1, 2]

    def scribble(x, xs):
        x[:] = -1
        xs.append(3)
        return x.sum() + len(xs)

    assert call_learner(scribble, (data, items), "scribble", "on [0, 1, 2]") == 0.0
    assert data.tolist() == [0.0, 1.0, 2.0] and items == [1, 2]  # the checker's data is intact

    def unfinished(x):
        raise NotImplementedError

    with pytest.raises(NotAttempted, match="unfinished still raises NotImplementedError"):
        call_learner(unfinished, (data,), "unfinished", "on [0, 1, 2]")

    def broken(x):
        return x / {}["n"]

    with pytest.raises(NotYet, match=r"^on \[0, 1, 2\], your code raised KeyError") as info:
        call_learner(broken, (data,), "broken", "on [0, 1, 2]")
    assert "Traceback" not in str(info.value)

    # shape_help follows a NumPy shape error only.
    help_text = "The kernel has shape (n_in, units)."
    with pytest.raises(NotYet, match=r"ValueError: matmul.*\. The kernel has shape") as info:
        call_learner(lambda x: np.ones((2, 3)) @ x, (np.ones((2, 3)),), "f", "for x", help_text)
    with pytest.raises(NotYet) as info:
        call_learner(broken, (data,), "broken", "on [0, 1, 2]", help_text)
    assert help_text not in str(info.value)

    with pytest.raises(NotAttempted, match="still returns `...`"):
        require_result(..., "f")
    with pytest.raises(NotAttempted, match="returned None"):
        require_result(None, "f")
    with pytest.raises(NotAttempted, match=r"^your function returned None"):
        require_result(None, "your function")
    require_result(None, "f", allow_none=True)  # None can be a right answer (e.g. "no layer")


def test_unwrap_keras_error_keeps_the_learners_message():
    from companion.exercises.core import unwrap_keras_error

    wrapped = ValueError(
        "Exception encountered when calling MyLayer.call().\n\n"
        "\x1b[1mshapes (2, 3) and (4,) are incompatible\x1b[0m\n\nArguments received: ..."
    )
    assert str(unwrap_keras_error(wrapped)) == "shapes (2, 3) and (4,) are incompatible"
    plain = KeyError("n")
    assert unwrap_keras_error(plain) is plain


def test_describe_keeps_a_small_matrix_on_one_line():
    from companion.exercises.core import describe

    text = describe(np.array([[1.0, 2.0, 3.0], [0.5, 0.0, 1.0]]))
    assert "\n" not in text
    assert text == "[[1. , 2. , 3. ], [0.5, 0. , 1. ]]"
    assert describe(np.zeros((4, 4))) == "an array of shape (4, 4)"
    assert describe([1.5, 2.0]) == "[1.5, 2. ]"


# --- issue 17: time limits, repeated calls, unanticipated answers, global state ---------------
def _pair_question(**kwargs):
    """A check that (like nb05 q4) unpacks the learner's pair with int(): it does not anticipate
    other types, so a wrong type fails inside the checker's own code."""

    def check(pair_of):
        a, b = pair_of(np.array([3, 1]))
        if (int(a), int(b)) != (1, 3):
            raise NotYet("not sorted")

    return Question(
        "q9",
        check_fn=check,
        solution_source="def pair_of(x):\n    return int(min(x)), int(max(x))",
        **kwargs,
    )


def test_infinite_loop_is_stopped_with_the_limit_in_the_message():
    def pair_of(x):
        while True:
            pass

    q = _pair_question(time_limit=0.2)
    status, message = q.evaluate(pair_of)
    assert status == NOT_YET
    assert message.startswith("your function pair_of did not return within 0.2 s — an infinite")
    with ex.core.time_limit(1.0):  # the alarm is off again: a short sleep is not interrupted
        import time

        time.sleep(0.3)


def test_default_time_limit_is_five_seconds():
    assert ex.core.TIME_LIMIT == 5.0 and _pair_question().time_limit == 5.0


def test_learner_function_called_once_per_distinct_input():
    calls = []

    def relu(x):
        calls.append(x.shape)
        return np.maximum(x, 0.0)

    def check(fn):
        for _ in range(3):  # the same input three times, as a careless check might
            expect_array(fn(X.copy()), np.maximum(X, 0.0))
        expect_array(fn(X[:2].copy()), np.maximum(X[:2], 0.0))

    assert Question("q", check_fn=check).evaluate(relu)[0] == CORRECT
    assert calls == [(3,), (2,)]


def test_replayed_call_repeats_the_change_to_its_input():
    def sort_in_place(x):
        x.sort()
        return x[0]

    def check(fn):
        a, b = np.array([3.0, 1.0]), np.array([3.0, 1.0])
        fn(a)
        fn(b)  # replayed from the cache: b must be changed as a was
        if not np.array_equal(b, [1.0, 3.0]):
            raise NotYet("b unchanged")
        raise NotYet("changed its input")

    assert Question("q", check_fn=check).evaluate(sort_in_place) == (NOT_YET, "changed its input")


def test_generators_are_never_cached():
    def draw(rng):
        return rng.random()

    def check(fn):
        a = fn(np.random.default_rng(0))
        b = fn(np.random.default_rng(0))
        assert a == b  # both calls ran: equal draws from equal seeds

    assert Question("q", check_fn=check).evaluate(draw)[0] == CORRECT


@pytest.mark.parametrize(
    "answer, came",
    [
        (lambda x: ("a", "b"), "a tuple of 2 str"),
        (lambda x: (None, None), "a tuple of 2 None"),
        (lambda x: [[1, 2], [3]], "a list of 2 list"),
        (lambda x: np.ones((2, 2)), "an array of shape (2, 2) and dtype float64"),
    ],
)
def test_unanticipated_answer_forms_are_not_a_bug_in_the_course(answer, came):
    status, message = _pair_question().evaluate(answer)
    assert status == NOT_YET and "bug in the course" not in message
    assert f"what pair_of returned, {came}; it expects a tuple of 2 int" in message


def test_bug_in_the_course_only_when_the_reference_fails_too():
    def check(fn):
        return {}["missing"]  # a broken check: fails for every answer

    q = Question("q", check_fn=check, solution_source="def f(x):\n    return x")
    status, message = q.evaluate(lambda x: x)
    assert status == NOT_YET and "This is a bug in the course" in message


def test_wrong_number_of_answers():
    q = relu_question()
    status, message = q.evaluate(np.abs, np.abs)
    assert status == NOT_YET
    assert message == "q1.check expects 1 answer(s), q1.check(relu), but got 2."


def test_system_exit_is_reported_and_keyboard_interrupt_stops():
    import sys

    def relu(x):
        sys.exit(1)

    status, message = relu_question().evaluate(relu)
    assert status == NOT_YET and "SystemExit" in message and "return" in message

    def stopped(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        relu_question().evaluate(stopped)


def test_numpy_global_state_restored_and_checks_run_under_defaults():
    def relu(x):
        np.seterr(all="raise")
        np.set_printoptions(precision=1)
        np.random.seed(0)  # noqa: NPY002 -- a learner's global seed, to be undone
        return np.maximum(x, 0.0)

    def check(fn):
        fn(X.copy())
        with np.errstate(divide="ignore"):
            np.log(np.zeros(1))  # the checker's own arithmetic does not raise
        return np.geterr()["divide"] == "warn"

    before_err, before_print = np.geterr(), np.get_printoptions()
    before_random = np.random.get_state()[1].copy()  # noqa: NPY002
    with np.errstate(invalid="raise"):  # a learner's setting from an earlier cell
        assert Question("q", check_fn=check).evaluate(relu)[0] == CORRECT
        assert np.geterr()["invalid"] == "raise"
    assert np.geterr() == before_err and np.get_printoptions() == before_print
    np.testing.assert_array_equal(np.random.get_state()[1], before_random)  # noqa: NPY002


def test_huge_integer_answer():
    status, message = Question("q", check_fn=lambda n: expect_number(n, 12, name="n")).evaluate(
        10**400
    )
    assert status == NOT_YET and "401 digits" in message


def test_form():
    assert ex.core.form((1, 2.0)) == "a tuple of 2 (int, float)"
    assert ex.core.form([]) == "an empty list"
    assert ex.core.form("x") == "a string" and ex.core.form(3) == "an int"
