"""The checks of notebook 03's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np

from companion.exercises import nb03
from companion.exercises.core import CORRECT, NOT_YET


def solution(q):
    """The reference answer of ``q``, defined from its solution source in a fresh namespace."""
    (answer,) = q.reference_answers()
    return answer


# --- q1: dense backward -----------------------------------------------------------------------


def _tanh_delta(x, kernel, bias, grad_output):
    return grad_output * (1 - np.tanh(x @ kernel + bias) ** 2)


def test_q1_missing_activation_derivative():
    def dense_backward(x, kernel, bias, grad_output):
        return x.T @ grad_output, grad_output.sum(axis=0), grad_output @ kernel.T

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "f'(z) is missing" in message


def test_q1_derivative_of_z_instead_of_tanh_z():
    def dense_backward(x, kernel, bias, grad_output):
        z = x @ kernel + bias
        delta = grad_output * (1 - z**2)
        return x.T @ delta, delta.sum(axis=0), delta @ kernel.T

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "1 - tanh(z)**2, not 1 - z**2" in message


def test_q1_bias_not_summed_over_batch():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _tanh_delta(x, kernel, bias, grad_output)
        return x.T @ delta, delta, delta @ kernel.T

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "d_bias" in message and "sum" in message


def test_q1_mean_instead_of_sum():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _tanh_delta(x, kernel, bias, grad_output)
        return x.T @ delta / len(x), delta.mean(axis=0), delta @ kernel.T

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "divided by the batch size" in message


def test_q1_missing_transpose_fails_on_a_shape_with_a_hint():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _tanh_delta(x, kernel, bias, grad_output)
        return x.T @ delta, delta.sum(axis=0), delta @ kernel

    status, message = nb03.q1.evaluate(dense_backward)
    assert status == NOT_YET
    assert "ValueError" in message and "Shapes: x (N, in)" in message


def test_q1_wrong_number_of_results():
    def dense_backward(x, kernel, bias, grad_output):
        delta = _tanh_delta(x, kernel, bias, grad_output)
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


# --- q4: softmax + cross-entropy --------------------------------------------------------------


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_q4_missing_division_by_n():
    status, message = nb03.q4.evaluate(lambda logits, y: _softmax(logits) - y)
    assert status == NOT_YET
    assert "divided by N" in message


def test_q4_logits_instead_of_probabilities():
    status, message = nb03.q4.evaluate(lambda logits, y: (logits - y) / len(logits))
    assert status == NOT_YET
    assert "softmax first" in message


def test_q4_naive_softmax_overflows_on_large_logits():
    def softmax_crossentropy_grad(logits, y_true):
        e = np.exp(logits)
        return (e / e.sum(axis=1, keepdims=True) - y_true) / len(logits)

    with np.errstate(over="ignore", invalid="ignore"):
        status, message = nb03.q4.evaluate(softmax_crossentropy_grad)
    assert status == NOT_YET
    assert "±1000" in message and "NaN" in message


def test_q4_sign_flipped():
    status, message = nb03.q4.evaluate(lambda logits, y: (y - _softmax(logits)) / len(logits))
    assert status == NOT_YET
    assert "opposite sign" in message
