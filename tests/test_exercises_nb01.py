"""The checks of notebook 01's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np
import pytest

from companion.exercises import nb01
from companion.exercises.core import CORRECT, NOT_YET

FUNCTION_QUESTIONS = [nb01.q1, nb01.q2, nb01.q3]


def evaluate(q, answer):
    status, message = q.evaluate(answer)
    assert "Traceback" not in message and "checker itself failed" not in message, message
    return status, message


@pytest.mark.parametrize("q", FUNCTION_QUESTIONS, ids=lambda q: q.name)
def test_wrong_number_of_arguments_is_named(q):
    status, message = evaluate(q, lambda: 0)
    assert status == NOT_YET
    assert "should accept" in message


# --- q1: dense forward pass --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, kernel, bias: x @ kernel, "the bias is missing"),
        (lambda x, kernel, bias: x @ kernel - bias, "the bias is subtracted"),
        (lambda x, kernel, bias: np.maximum(x @ kernel + bias, 0), "no activation"),
        (lambda x, kernel, bias: x @ kernel + bias.sum(), "not its sum"),
        (lambda x, kernel, bias: kernel @ x + bias, "the input comes first: x @ kernel"),
        (lambda x, kernel, bias: x @ kernel.T + bias, "the input comes first: x @ kernel"),
    ],
    ids=["no-bias", "minus-bias", "relu", "bias-sum", "kernel-first", "transposed"],
)
def test_q1_typical_mistakes(wrong, hint):
    status, message = evaluate(nb01.q1, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q1_flattening_fails_on_the_3d_case():
    def flattening(x, kernel, bias):
        return x.reshape(len(x), -1) @ kernel + bias

    status, message = evaluate(nb01.q1, flattening)
    assert status == NOT_YET
    assert "(2, 3, 4)" in message  # the case that shows Dense must not flatten


def test_q1_float32_computation_is_accepted():
    def in_float32(x, kernel, bias):
        return x.astype("float32") @ kernel.astype("float32") + bias.astype("float32")

    assert evaluate(nb01.q1, in_float32)[0] == CORRECT


# --- q2: parameter count -----------------------------------------------------------------------


def pairs(sizes):
    return list(zip(sizes[:-1], sizes[1:]))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda s: sum(a * b for a, b in pairs(s)), "counts the kernels only"),
        (lambda s: sum(a * b for a, b in pairs(s)) + sum(s), "the input is not a layer"),
        (lambda s: sum(a * b + a for a, b in pairs(s)), "not to its inputs"),
    ],
    ids=["weights-only", "input-biases", "biases-of-inputs"],
)
def test_q2_typical_mistakes(wrong, hint):
    status, message = evaluate(nb01.q2, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q2_off_by_a_constant_is_too_large():
    status, message = evaluate(nb01.q2, lambda s: sum((a + 1) * b for a, b in pairs(s)) + 1)
    assert status == NOT_YET
    assert "too large" in message


def test_q2_numpy_integer_result_is_accepted():
    def with_numpy(sizes):
        s = np.array(sizes)
        return np.sum(s[:-1] * s[1:] + s[1:])

    assert evaluate(nb01.q2, with_numpy)[0] == CORRECT


# --- q3: composing two linear layers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda W1, b1, W2, b2: (W1 @ W2, b2), "the first bias also passes through W2"),
        (lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2), "b is missing b2"),
        (lambda W1, b1, W2, b2: (W1 @ W2, b1 + b2), "b1 (hidden,) goes through W2"),
        (lambda W1, b1, W2, b2: (W2 @ W1, b1 @ W2 + b2), "x (n_in,) meets W1"),
        (lambda W1, b1, W2, b2: W1 @ W2, "should return two arrays"),
    ],
    ids=["b2-only", "no-b2", "b1-plus-b2", "order", "one-value"],
)
def test_q3_typical_mistakes(wrong, hint):
    status, message = evaluate(nb01.q3, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q3_equivalence_holds_for_the_reference():
    """The property the exercise teaches: one layer reproduces the two-layer stack."""
    (compose,) = nb01.q3.reference_answers()
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = (
        rng.normal(size=(3, 5)),
        rng.normal(size=5),
        rng.normal(size=(5, 2)),
        rng.normal(size=2),
    )
    x = rng.normal(size=(7, 3))
    W, b = compose(W1, b1, W2, b2)
    # Float64 products of O(1) numbers over 5 terms: rounding differences stay below 1e-13.
    np.testing.assert_allclose(x @ W + b, (x @ W1 + b1) @ W2 + b2, rtol=0, atol=1e-12)


# --- q4: output shape --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        ((32, 8), "does not flatten"),
        ((32, 10, 5, 8), "replaced by the 8 units"),
        ((32, 8, 5), "the *last* axis"),
        ((10, 8), "which axis"),
        ("(32, 10, 8)", "tuple of integers"),
    ],
)
def test_q4_typical_mistakes(wrong, hint):
    status, message = evaluate(nb01.q4, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q4_list_and_numpy_integers_are_accepted():
    assert evaluate(nb01.q4, [32, 10, 8])[0] == CORRECT
    assert evaluate(nb01.q4, tuple(np.array([32, 10, 8])))[0] == CORRECT


def test_q4_matches_keras(keras):
    shape = tuple(keras.layers.Dense(8)(np.zeros((32, 10, 5), "float32")).shape)
    assert evaluate(nb01.q4, shape)[0] == CORRECT
