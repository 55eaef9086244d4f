"""The checks of notebook 02's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np
import pytest

from companion import activations
from companion.exercises import nb02
from companion.exercises.core import CORRECT, NOT_ATTEMPTED, NOT_YET


def evaluate(q, answer):
    status, message = q.evaluate(answer)
    assert "Traceback" not in message and "checker itself failed" not in message, message
    return status, message


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --- q1: silu's derivative ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (sigmoid, "that is sigmoid(x)"),
        (lambda x: sigmoid(x) * (1 - sigmoid(x)), "that is sigmoid's own derivative"),
        (lambda x: x * sigmoid(x) * (1 - sigmoid(x)), "only the second term"),
        (lambda x: sigmoid(x) + x * sigmoid(x), "not sigmoid(x)"),
        (lambda x: x * sigmoid(x), "that is silu itself"),
        (lambda x: sigmoid(x) + sigmoid(x) * (1 - sigmoid(x)), "lost its x"),
        (np.tanh, "values of silu_derivative(x) are off"),
    ],
    ids=[
        "sigmoid",
        "sigmoid-derivative",
        "second-term-only",
        "no-chain",
        "silu",
        "second-term-without-x",
        "unrelated",
    ],
)
def test_q1_typical_mistakes(wrong, hint):
    status, message = evaluate(nb02.q1, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q1_companion_derivative_passes():
    """The companion's own silu.derivative is a correct answer (same formula, stable form)."""
    assert evaluate(nb02.q1, activations.silu.derivative)[0] == CORRECT


# --- q2: stable softplus ----------------------------------------------------------------------


def naive_softplus(x):
    return np.log(1 + np.exp(x))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (naive_softplus, "pull the large part out"),
        (lambda x: np.log1p(np.exp(x)), "pull the large part out"),
        (lambda x: np.maximum(x, 0.0), "that is relu"),
        (lambda x: np.abs(x) + np.log1p(np.exp(-np.abs(x))), "for negative x the large part is 0"),
        (
            lambda x: np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))) - np.log(2),
            "softplus(0) should be log 2",
        ),
    ],
    ids=["naive", "log1p-naive", "relu", "abs", "minus-log2"],
)
def test_q2_typical_mistakes(wrong, hint):
    with np.errstate(all="ignore"):  # the naive versions overflow on purpose
        status, message = evaluate(nb02.q2, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q2_companion_keras_formula_and_float32_pass():
    assert evaluate(nb02.q2, activations.softplus)[0] == CORRECT
    assert evaluate(nb02.q2, lambda x: np.logaddexp(0.0, x))[0] == CORRECT
    f32 = lambda x: activations.softplus(x.astype("float32"))  # noqa: E731
    assert evaluate(nb02.q2, f32)[0] == CORRECT


def test_q2_where_evaluating_both_branches_is_caught_by_its_warning():
    def where_both(x):
        return np.where(x > 0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x)))

    status, message = evaluate(nb02.q2, where_both)
    assert status == NOT_YET
    assert "overflow" in message


def test_q2_hints_do_not_give_the_answer_before_the_last():
    assert all("log1p" not in h for h in nb02.q2.hints[:-1])
    assert "np.log1p(np.exp(-np.abs(x)))" in nb02.q2.hints[-1]


# --- q3: predict tanh's slope at 2 --------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (0.964, "is tanh(2), the unit's output"),
        (0.96, "is tanh(2), the unit's output"),
        (1, "steepest point"),
        (0.25, "sigmoid's largest slope"),
        (0.036, "forgets the square"),
        (0.93, "what is subtracted from 1"),
        (0.5, "too large"),
        (0.01, "too small"),
        (-0.07, "wrong sign"),
        ("0.07", "without quotes"),
        (True, "should be a number"),
        ([0.07, 0.1], "single number"),
    ],
)
def test_q3_typical_mistakes(wrong, hint):
    status, message = evaluate(nb02.q3, wrong)
    assert status == NOT_YET
    assert hint in message


@pytest.mark.parametrize("estimate", [0.07, 0.0707, 0.078, np.float32(0.065), np.array([0.07])])
def test_q3_a_hand_estimate_within_15_percent_is_right(estimate):
    assert evaluate(nb02.q3, estimate)[0] == CORRECT


def test_q3_reference_is_the_companion_tanh_derivative():
    (value,) = nb02.q3.reference_answers()
    assert value == pytest.approx(float(activations.tanh.derivative(np.array(2.0))), rel=1e-12)


def test_q3_hints_do_not_give_the_answer_before_the_last():
    assert all("0.07" not in h for h in nb02.q3.hints[:-1])
    assert "0.07" in nb02.q3.hints[-1]


# --- q4: output activation and loss -----------------------------------------------------------

RIGHT = {
    "temperature": ("linear", "mean_squared_error"),
    "spam": ("sigmoid", "binary_crossentropy"),
    "garment": ("softmax", "sparse_categorical_crossentropy"),
    "tags": ("sigmoid", "binary_crossentropy"),
}


def with_change(task, pair):
    return {**RIGHT, task: pair}


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (with_change("temperature", ("relu", "mse")), "cannot output a negative"),
        (with_change("temperature", ("linear", "binary_crossentropy")), "regression loss"),
        (with_change("spam", ("softmax", "binary_crossentropy")), "always 1"),
        (with_change("garment", ("softmax", "categorical_crossentropy")), "one-hot"),
        (with_change("garment", ("sigmoid", "binary_crossentropy")), "do not sum to 1"),
        (with_change("tags", ("softmax", "categorical_crossentropy")), "compete"),
        (with_change("tags", ("sigmoid", "categorical_crossentropy")), "exactly one true class"),
        (with_change("spam", ("sigmoid", "hinge")), "is not one of"),
        (with_change("spam", "sigmoid"), "should be a pair"),
        ({"spam": RIGHT["spam"]}, "no entry for"),
        ([("linear", "mse")], "should be a dict"),
    ],
)
def test_q4_typical_mistakes(answer, hint):
    status, message = evaluate(nb02.q4, answer)
    assert status == NOT_YET
    assert hint in message


@pytest.mark.parametrize(
    "temperature", [(None, "MSE"), ("linear", "mae"), ("Linear", "mean_absolute_error")]
)
def test_q4_aliases_and_case_are_accepted(temperature):
    answer = with_change("temperature", temperature)
    answer["spam"] = ("Sigmoid", "Binary_Crossentropy")
    assert evaluate(nb02.q4, answer)[0] == CORRECT


def test_q4_partly_filled_is_not_attempted():
    answer = with_change("tags", (..., ...))
    assert nb02.q4.evaluate(answer)[0] == NOT_ATTEMPTED
