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
        (np.tanh, "values of silu_derivative(x) are off"),
    ],
    ids=["sigmoid", "sigmoid-derivative", "second-term-only", "no-chain", "silu", "unrelated"],
)
def test_q1_typical_mistakes(wrong, hint):
    status, message = evaluate(nb02.q1, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q1_companion_derivative_passes():
    """The companion's own silu.derivative is a correct answer (same formula, stable form)."""
    assert evaluate(nb02.q1, activations.silu.derivative)[0] == CORRECT


# --- q2: stable softmax ------------------------------------------------------------------------


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def global_max_softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


def all_elements_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum()


def axis0_softmax(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def no_keepdims_softmax(z):
    e = np.exp(z - z.max(axis=-1))
    return e / e.sum(axis=-1)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (naive_softmax, "Subtract each row's largest logit"),
        (global_max_softmax, "Subtract each row's largest logit"),
        (all_elements_softmax, "should sum to 1 on its own"),
        (axis0_softmax, "along the last axis"),
        (no_keepdims_softmax, "broadcast"),
    ],
    ids=["naive", "global-max", "all-elements", "axis-0", "no-keepdims"],
)
def test_q2_typical_mistakes(wrong, hint):
    with np.errstate(all="ignore"):  # the naive versions overflow on purpose
        status, message = evaluate(nb02.q2, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q2_companion_and_float32_pass():
    assert evaluate(nb02.q2, activations.softmax)[0] == CORRECT
    assert evaluate(nb02.q2, lambda z: activations.softmax(z.astype("float32")))[0] == CORRECT


def test_q2_overflow_warning_is_reported_even_if_values_are_finite():
    def clipped_then_naive(z):
        # Finite and right here, but it computes exp(1000) on the way: NumPy warns.
        e = np.exp(z)
        e = np.where(np.isfinite(e), e, 0.0)
        shifted = np.exp(z - z.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True) + 0 * e

    status, message = evaluate(nb02.q2, clipped_then_naive)
    assert status == NOT_YET
    assert "overflow" in message


# --- q3: stable sigmoid ------------------------------------------------------------------------


def where_both_branches(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (sigmoid, "overflow"),
        (lambda x: np.exp(x) / (1 + np.exp(x)), "exp(-|x|)"),
        (where_both_branches, "overflow"),
        (lambda x: 1 / (1 + np.exp(x)), "values of stable_sigmoid(x) are off"),
    ],
    ids=["naive", "naive-other-form", "where-evaluates-both", "sign"],
)
def test_q3_typical_mistakes(wrong, hint):
    status, message = evaluate(nb02.q3, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q3_companion_sigmoid_passes():
    assert evaluate(nb02.q3, activations.sigmoid)[0] == CORRECT


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
