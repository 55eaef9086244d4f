"""The checks of notebook 03's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np
import pytest

from companion.exercises import nb03
from companion.exercises.core import CORRECT, NOT_YET


def solution(q):
    """The reference answer of ``q``, defined from its solution source in a fresh namespace."""
    (answer,) = q.reference_answers()
    return answer


# --- q1: dense backward of a sigmoid layer ----------------------------------------------------


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _with_factor(factor):
    """A backward pass that is right except for the activation's factor."""

    def dense_backward(x, kernel, bias, grad_output):
        delta = grad_output * factor(x @ kernel + bias)
        return x.T @ delta, delta.sum(axis=0), delta @ kernel.T

    return dense_backward


def _sigmoid_delta(x, kernel, bias, grad_output):
    y = _sig(x @ kernel + bias)
    return grad_output * y * (1 - y)


@pytest.mark.parametrize(
    ("factor", "hint"),
    [
        (lambda z: 1.0, "f'(z) is missing"),
        (lambda z: 1 - np.tanh(z) ** 2, "tanh's derivative"),
        (lambda z: 1 - _sig(z) ** 2, "tanh's slope written in its output"),
        (_sig, "the output sigmoid(z) itself"),
        (lambda z: 1 - _sig(z), "one of its two factors"),
        (lambda z: 1 - z**2, "values of d_kernel are off"),
    ],
    ids=["none", "tanh", "one-minus-y-squared", "sigmoid", "one-minus-sigmoid", "on-z"],
)
def test_q1_wrong_activation_factor(factor, hint):
    status, message = nb03.q1.evaluate(_with_factor(factor))
    assert status == NOT_YET
    assert hint in message


def test_q1_the_tanh_solution_of_the_worked_example_is_not_accepted():
    status, message = nb03.q1.evaluate(_with_factor(lambda z: 1 - np.tanh(z) ** 2))
    assert status == NOT_YET
    assert "sigmoid(z) = 1 / (1 + e^-z)" in message


def test_q1_bias_not_summed_over_batch():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _sigmoid_delta(x, kernel, bias, grad_output)
        return x.T @ delta, delta, delta @ kernel.T

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "d_bias" in message and "sum" in message


def test_q1_mean_instead_of_sum():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _sigmoid_delta(x, kernel, bias, grad_output)
        return x.T @ delta / len(x), delta.mean(axis=0), delta @ kernel.T

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "divided by the batch size" in message


def test_q1_missing_transpose_fails_on_a_shape_with_a_hint():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _sigmoid_delta(x, kernel, bias, grad_output)
        return x.T @ delta, delta.sum(axis=0), delta @ kernel

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "ValueError" in message and "Shapes: x (N, in)" in message


def test_q1_wrong_number_of_results():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _sigmoid_delta(x, kernel, bias, grad_output)
        return x.T @ delta, delta.sum(axis=0)

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "should return 3 arrays" in message


def test_q1_float32_answer_is_accepted():
    reference = solution(nb03.q1)

    def dense_backward(x, kernel, bias, grad_output):
        args = (a.astype(np.float32) for a in (x, kernel, bias, grad_output))
        return reference(*args)

    assert nb03.q1.evaluate(dense_backward)[0] == CORRECT


def test_q1_reference_matches_the_companion_sigmoid_layer():
    from companion import layers

    x, kernel, bias, grad_output = nb03._layer_cases()[0]
    dense = layers.Dense(kernel.shape[1], activation="sigmoid", dtype="float64")
    dense.build((None, kernel.shape[0]))
    dense.set_weights([kernel, bias])
    dense(x)
    d_x = dense.backward(grad_output)
    got = solution(nb03.q1)(x, kernel, bias, grad_output)
    # float64 on both sides, a handful of operations: last-bit differences only.
    for ours, theirs in zip(got, [*dense.grads, d_x], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_q1_hints_do_not_give_the_answer_before_the_last():
    assert all("y * (1 - y)" not in h for h in nb03.q1.hints[:-1])
    assert "y * (1 - y)" in nb03.q1.hints[-1]


# --- q2: numerical gradient -------------------------------------------------------------------


def test_q2_forward_difference():
    def numerical_gradient(f, x, h=1e-5):
        grad = np.zeros_like(x)
        f0 = f(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            grad[i] = (f(x) - f0) / h
            x[i] = old
        return grad

    status, message = nb03.q2.evaluate(numerical_gradient)
    assert status == NOT_YET
    assert "forward difference" in message


def test_q2_divides_by_h_instead_of_2h():
    def numerical_gradient(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            f_plus = f(x)
            x[i] = old - h
            f_minus = f(x)
            x[i] = old
            grad[i] = (f_plus - f_minus) / h
        return grad

    status, message = nb03.q2.evaluate(numerical_gradient)
    assert status == NOT_YET
    assert "divide by 2 * h" in message


def test_q2_forgets_to_restore_x():
    def numerical_gradient(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            f_plus = f(x)
            x[i] = old - h
            f_minus = f(x)
            grad[i] = (f_plus - f_minus) / (2 * h)
        return grad

    status, message = nb03.q2.evaluate(numerical_gradient)
    assert status == NOT_YET
    assert "x was changed" in message


def test_q2_only_first_axis_fails_on_2d_input():
    def numerical_gradient(f, x, h=1e-5):
        grad = np.zeros(len(x))
        for i in range(len(x)):
            old = x[i].copy()
            x[i] = old + h
            f_plus = f(x)
            x[i] = old - h
            f_minus = f(x)
            x[i] = old
            grad[i] = (f_plus - f_minus) / (2 * h)
        return grad

    status, message = nb03.q2.evaluate(numerical_gradient)
    assert status == NOT_YET
    assert "(2, 3)" in message and "np.ndindex" in message


def test_q2_ignores_h():
    def numerical_gradient(f, x, h=1e-5):
        step = 1e-5
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + step
            f_plus = f(x)
            x[i] = old - step
            f_minus = f(x)
            x[i] = old
            grad[i] = (f_plus - f_minus) / (2 * step)
        return grad

    status, message = nb03.q2.evaluate(numerical_gradient)
    assert status == NOT_YET
    assert "ignores its h argument" in message


def test_q2_copying_implementation_is_accepted():
    def numerical_gradient(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            grad[i] = (f(x + e) - f(x - e)) / (2 * h)
        return grad

    assert nb03.q2.evaluate(numerical_gradient)[0] == CORRECT


# --- q3: the bug in a two-layer backward ------------------------------------------------------


def test_q3_unchanged_buggy_version_points_between_the_layers():
    def mlp_backward(x, W1, b1, W2, b2, grad_output):
        z1 = x @ W1 + b1
        h = np.maximum(z1, 0.0)
        d_W2 = h.T @ grad_output
        d_b2 = grad_output.sum(axis=0)
        d_h = grad_output @ W2  # the bug of the notebook
        d_z1 = d_h * (z1 > 0)
        return x.T @ d_z1, d_z1.sum(axis=0), d_W2, d_b2

    status, message = nb03.q3.evaluate(mlp_backward)
    assert status == NOT_YET
    assert "bug sits between the two layers" in message


def test_q3_relu_mask_dropped():
    def mlp_backward(x, W1, b1, W2, b2, grad_output):
        h = np.maximum(x @ W1 + b1, 0.0)
        d_h = grad_output @ W2.T
        return x.T @ d_h, d_h.sum(axis=0), h.T @ grad_output, grad_output.sum(axis=0)

    status, message = nb03.q3.evaluate(mlp_backward)
    assert status == NOT_YET
    assert "relu derivative is missing" in message


def test_q3_output_layer_broken():
    reference = solution(nb03.q3)

    def mlp_backward(x, W1, b1, W2, b2, grad_output):
        d_W1, d_b1, d_W2, d_b2 = reference(x, W1, b1, W2, b2, grad_output)
        return d_W1, d_b1, d_W2, 2 * d_b2

    status, message = nb03.q3.evaluate(mlp_backward)
    assert status == NOT_YET
    assert "output layer's own gradients" in message


def test_q3_wrong_order_of_results():
    reference = solution(nb03.q3)

    def mlp_backward(*args):
        d_W1, d_b1, d_W2, d_b2 = reference(*args)
        return d_W2, d_b2, d_W1, d_b1

    status, message = nb03.q3.evaluate(mlp_backward)
    assert status == NOT_YET
    assert "each gradient has its weight's shape" in message


# --- q4: sigmoid + binary cross-entropy, derived -----------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda z, y: _sig(z) - y, "a factor 1/N"),
        (lambda z, y: (z - y) / len(z), "the logits themselves"),
        (lambda z, y: (y - _sig(z)) / len(z), "the sign is flipped"),
        (lambda z, y: _sig(z) * (1 - _sig(z)) * (_sig(z) - y) / len(z), "should cancel"),
        (lambda z, y: (1 - y) / len(z), "softmax of a single logit"),
    ],
    ids=["no-mean", "logits", "sign", "slope-kept", "softmax"],
)
def test_q4_typical_mistakes(wrong, hint):
    with np.errstate(over="ignore"):  # the naive sigmoid overflows at -1000, harmlessly
        status, message = nb03.q4.evaluate(wrong)
    assert status == NOT_YET
    assert hint in message


def test_q4_naive_sigmoid_is_right_despite_its_overflow_warning():
    # exp(1000) = inf gives 1 / inf = 0, the right limit: the values pass.
    with np.errstate(over="ignore"):
        assert nb03.q4.evaluate(lambda z, y: (_sig(z) - y) / len(z))[0] == CORRECT


def test_q4_reference_equals_the_companion_and_keras_gradient(keras, tf):
    from companion import losses

    z = np.array([2.0, -1.0, 0.5, -3.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    ours = solution(nb03.q4)(z, y)
    loss = losses.BinaryCrossentropy(from_logits=True)
    np.testing.assert_allclose(ours, loss.backward(y, z), rtol=1e-12)
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        value = keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")(y, zt)
    # Keras's float64 loss: a few constants are float32 in TensorFlow, so ~1e-7 relative.
    np.testing.assert_allclose(ours, tape.gradient(value, zt).numpy(), rtol=1e-6)


def test_q4_hints_do_not_give_the_answer_before_the_last():
    assert all("(p - y_true)" not in h for h in nb03.q4.hints[:-1])
    assert "(p - y_true) / len(logits)" in nb03.q4.hints[-1]
