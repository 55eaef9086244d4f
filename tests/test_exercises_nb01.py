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


# --- q1: dense forward pass with the weights stored one row per unit ---------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, w, bias: x @ w.T, "the bias is missing"),
        (lambda x, w, bias: x @ w.T - bias, "the bias is subtracted"),
        (lambda x, w, bias: x @ w.T + bias.sum(), "not its sum"),
        (lambda x, w, bias: x @ w + bias, "unit j's weights are row j"),  # only runs if square
        (lambda x, w, bias: w @ x + bias, "Which axis of the weight matches x's last axis?"),
    ],
    ids=["no-bias", "minus-bias", "bias-sum", "no-transpose", "weight-first"],
)
def test_q1_typical_mistakes(wrong, hint):
    status, message = evaluate(nb01.q1, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q1_no_transpose_is_caught_on_the_square_case_by_value():
    status, message = evaluate(
        nb01.q1, lambda x, w, bias: x @ w + bias if w.shape[0] == w.shape[1] else x @ w.T + bias
    )
    assert status == NOT_YET
    assert "(3, 3)" in message and "row j" in message


def test_q1_flattening_fails_on_the_3d_case():
    def flattening(x, weight, bias):
        return x.reshape(len(x), -1) @ weight.T + bias

    status, message = evaluate(nb01.q1, flattening)
    assert status == NOT_YET
    assert "(2, 3, 4)" in message  # the case that shows Dense must not flatten


def test_q1_float32_and_einsum_answers_are_accepted():
    def in_float32(x, weight, bias):
        return x.astype("float32") @ weight.T.astype("float32") + bias.astype("float32")

    assert evaluate(nb01.q1, in_float32)[0] == CORRECT
    assert evaluate(nb01.q1, lambda x, w, b: np.einsum("...i,ji->...j", x, w) + b)[0] == CORRECT


def test_q1_reference_equals_keras_dense_with_the_transposed_weight(keras):
    (fn,) = nb01.q1.reference_answers()
    rng = np.random.default_rng(0)
    x, weight, bias = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    layer = keras.layers.Dense(2, dtype="float64")
    layer.build((None, 3))
    layer.set_weights([weight.T, bias])
    # float64 on both sides, 3-term sums: last-bit differences only.
    np.testing.assert_allclose(fn(x, weight, bias), layer(x), rtol=0, atol=1e-12)


def test_q1_hints_do_not_give_the_answer_before_the_last():
    assert all(".T" not in h and "transpose" not in h for h in nb01.q1.hints[:-1])
    assert "weight.T" in nb01.q1.hints[-1]


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


# --- q3: a ReLU network is linear around each point -------------------------------------------


def _on(W1, b1, x):
    return (x @ W1 + b1) > 0


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda W1, b1, W2, b2, x: (W1 @ W2, b1 @ W2 + b2), "the network without its ReLU"),
        (
            lambda W1, b1, W2, b2, x: (
                (W1 * ~_on(W1, b1, x)) @ W2,
                (b1 * ~_on(W1, b1, x)) @ W2 + b2,
            ),
            "the other way round",
        ),
        (
            lambda W1, b1, W2, b2, x: ((W1 * _on(W1, b1, x)) @ W2, b1 @ W2 + b2),
            "its b1 entry does not reach the output",
        ),
        (lambda W1, b1, W2, b2, x: ((W1 * _on(W1, b1, x)) @ W2, b2), "b is missing the biases"),
        (
            lambda W1, b1, W2, b2, x: ((W1 * _on(W1, b1, x)) @ W2, (b1 * _on(W1, b1, x)) @ W2),
            "b is missing b2",
        ),
        (lambda W1, b1, W2, b2, x: W1 @ W2, "should return two arrays"),
        (lambda W1, b1, W2, b2, x: (W2 @ W1, b2), "Not yet"),
    ],
    ids=["no-relu", "mask-inverted", "bias-unmasked", "b2-only", "no-b2", "one-value", "order"],
)
def test_q3_typical_mistakes(wrong, hint):
    status, message = evaluate(nb01.q3, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q3_reference_equals_the_relu_network_near_x_but_not_far_away():
    """The property the exercise teaches: the ReLU network is linear around x, not globally."""
    (local_linear_map,) = nb01.q3.reference_answers()
    for W1, b1, W2, b2, x in nb01._local_cases():
        W, b = local_linear_map(W1, b1, W2, b2, x)
        net = lambda v, W1=W1, b1=b1, W2=W2, b2=b2: np.maximum(v @ W1 + b1, 0) @ W2 + b2  # noqa: E731
        near = x + 1e-3 * np.random.default_rng(0).normal(size=(5, x.size))
        # float64 products of O(1) numbers: rounding stays below 1e-12.
        np.testing.assert_allclose(near @ W + b, net(near), rtol=0, atol=1e-12)
        far = x + 10 * np.random.default_rng(1).normal(size=(50, x.size))
        assert np.max(np.abs(far @ W + b - net(far))) > 0.1


def test_q3_hints_do_not_give_the_answer_before_the_last():
    assert all("W1 * on" not in h for h in nb01.q3.hints[:-1])
    assert "(W1 * on) @ W2" in nb01.q3.hints[-1]


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
