"""Tests for companion.gradcheck: numerical gradients, rel_error and the layer check.

The layer check is tested with small layers defined here (following docs/architecture.md's
layer contract), so these tests do not depend on companion.layers.
"""

import doctest

import numpy as np
import pytest

from companion import gradcheck
from companion.gradcheck import (
    THRESHOLDS,
    check_layer_gradients,
    numerical_gradient,
    numerical_vjp,
    rel_error,
    verdict,
)

# Centred differences with h = 1e-5 in float64: truncation ~ h**2 * |f'''| / 6 and rounding
# ~ eps * |f| / h, both around 1e-10 for the O(1) functions below; 1e-8 leaves margin while
# still catching any formula error (those are O(1)).
NUMERIC_ATOL = 1e-8


def test_doctests():
    assert doctest.testmod(gradcheck).failed == 0


# --- numerical_gradient ---------------------------------------------------------------------


def test_numerical_gradient_of_sum_of_squares():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -0.25]])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**2), x), 2 * x, atol=1e-8)


def test_numerical_gradient_of_smooth_functions():
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(
        numerical_gradient(lambda v: np.sum(np.sin(v) * np.exp(v)), x),
        np.exp(x) * (np.sin(x) + np.cos(x)),
        atol=NUMERIC_ATOL,
    )
    # A function coupling the elements: d/dx_i prod(x) = prod(x) / x_i.
    np.testing.assert_allclose(
        numerical_gradient(np.prod, x), np.prod(x) / x, atol=NUMERIC_ATOL, rtol=0
    )
    # Quadratic form: gradient (A + A^T) x.
    a = np.array([[2.0, 1.0, 0.0], [0.5, -1.0, 3.0], [0.0, 0.0, 4.0]])
    np.testing.assert_allclose(
        numerical_gradient(lambda v: v @ a @ v, x), (a + a.T) @ x, atol=NUMERIC_ATOL
    )


def test_numerical_gradient_of_a_scalar_input():
    grad = numerical_gradient(lambda v: float(v) ** 3, 2.0)
    assert grad.shape == ()
    assert abs(float(grad) - 12.0) < 1e-8


def test_numerical_gradient_leaves_the_callers_array_alone():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v is x)
        return np.sum(v**2)

    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    assert not any(seen), "f must receive a copy, not the caller's array"


def test_numerical_gradient_works_in_float64_for_float32_and_int_input():
    x32 = np.array([0.1, 0.7], dtype=np.float32)
    grad = numerical_gradient(lambda v: np.sum(v**2), x32)
    assert grad.dtype == np.float64
    # The copy is float64, so the step is not lost in float32 rounding: 2x to 1e-8.
    np.testing.assert_allclose(grad, 2 * x32.astype(np.float64), atol=NUMERIC_ATOL)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**2), [1, 2]), [2.0, 4.0])


def test_numerical_gradient_error_shrinks_like_h_squared():
    # For f = sum(x**3), the centred difference is exactly 3x**2 + h**2: the O(h**2) term.
    x = np.array([1.0, 2.0])
    for h in (1e-2, 1e-3):
        error = numerical_gradient(lambda v: np.sum(v**3), x, h=h) - 3 * x**2
        np.testing.assert_allclose(error, h**2, rtol=1e-4)


@pytest.mark.parametrize(
    "f, message",
    [
        (lambda v: v * 2, "single number"),
        (lambda v: np.array([1.0, 2.0]), "numerical_vjp"),
        (lambda v: np.inf, "finite"),
    ],
)
def test_numerical_gradient_rejects_non_scalar_or_non_finite_f(f, message):
    with pytest.raises(ValueError, match=message):
        numerical_gradient(f, np.array([1.0, 2.0]))


@pytest.mark.parametrize("h", [0, -1e-5, float("nan"), float("inf"), "1e-5", True])
def test_numerical_gradient_rejects_bad_steps(h):
    with pytest.raises(ValueError, match="positive finite"):
        numerical_gradient(np.sum, np.ones(2), h=h)


def test_numerical_gradient_rejects_non_callables_and_bad_x():
    with pytest.raises(TypeError, match="function"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(TypeError, match="number"):
        numerical_gradient(np.sum, "abc")


# --- numerical_vjp --------------------------------------------------------------------------


def test_numerical_vjp_of_elementwise_and_matrix_functions():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    np.testing.assert_allclose(
        numerical_vjp(np.tanh, x, g), g * (1 - np.tanh(x) ** 2), atol=NUMERIC_ATOL
    )
    w = rng.normal(size=(4, 2))
    g2 = rng.normal(size=(3, 2))
    np.testing.assert_allclose(numerical_vjp(lambda v: v @ w, x, g2), g2 @ w.T, atol=NUMERIC_ATOL)


def test_numerical_vjp_checks_the_shape_of_grad_output():
    with pytest.raises(ValueError, match=r"shape of f\(x\) \(3,\).*\(2,\)"):
        numerical_vjp(np.tanh, np.ones(3), np.ones(2))


# --- rel_error and verdict ------------------------------------------------------------------


def test_rel_error_values():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error(1.0, -1.0) == 1.0  # opposite signs: the largest possible value
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)
    # The largest elementwise error wins, not an average.
    assert rel_error([1.0, 100.0], [1.0, 101.0]) == pytest.approx(1 / 201)
    # Symmetric.
    assert rel_error([2.0, 5.0], [2.5, 4.0]) == rel_error([2.5, 4.0], [2.0, 5.0])


def test_rel_error_floor_for_tiny_values():
    # Both values tiny: the difference is divided by the 1e-8 floor, not by the tiny sum.
    assert rel_error(0.0, 1e-12) == pytest.approx(1e-4)
    assert rel_error(0.0, 1e-3) == pytest.approx(1.0)
    assert rel_error([], []) == 0.0


def test_rel_error_nan_and_shape_errors():
    assert np.isnan(rel_error([1.0, np.nan], [1.0, 1.0]))
    assert np.isnan(rel_error(np.inf, np.inf))
    with pytest.raises(ValueError, match=r"same shape.*\(2,\) and \(3,\)"):
        rel_error(np.ones(2), np.ones(3))


def test_verdict_uses_the_thresholds():
    assert THRESHOLDS == {"right": 1e-7, "wrong": 1e-2}
    assert verdict(0.0) == "right"
    assert verdict(THRESHOLDS["right"]) == "right"
    assert verdict(2e-7) == "suspicious"
    assert verdict(2e-7, kinks=True) == "right"
    assert verdict(1e-3, kinks=True) == "suspicious"
    assert verdict(THRESHOLDS["wrong"]) == "suspicious"
    assert verdict(0.011) == "wrong"
    assert verdict(float("nan")) == "wrong"


# --- check_layer_gradients ------------------------------------------------------------------


class FakeDense:
    """y = x @ kernel + bias, with the companion's layer contract (and optional bugs)."""

    def __init__(self, kernel, bias, bug=None, name="fake_dense"):
        self.name = name
        self.kernel = np.array(kernel, dtype=np.float64)
        self.bias = np.array(bias, dtype=np.float64)
        self.bug = bug
        self.grads = None

    @property
    def weights(self):
        return [self.kernel, self.bias]

    def __call__(self, x, training=False):
        self.x = np.asarray(x)
        return self.x @ self.kernel + self.bias

    def backward(self, grad_output):
        d_kernel = self.x.T @ grad_output
        d_bias = grad_output.sum(axis=0)
        d_x = grad_output @ self.kernel.T
        if self.bug == "halved_kernel_grad":  # a stray 1/2, as from a 0.5 * ||.||^2 habit
            d_kernel = 0.5 * d_kernel
        if self.bug == "bias_not_summed":
            d_bias = grad_output[0]
        if self.bug == "input_grad_sign":
            d_x = -d_x
        self.grads = [d_kernel, d_bias]
        return d_x


class FakeTanh:
    """A weightless layer: y = tanh(x)."""

    name = "fake_tanh"
    weights = []

    def __call__(self, x, training=False):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_output):
        self.grads = []
        return grad_output * (1 - self.y**2)


@pytest.fixture
def dense_and_batch():
    rng = np.random.default_rng(42)
    return (rng.normal(size=(3, 2)), rng.normal(size=2)), rng.normal(size=(4, 3))


def test_check_layer_gradients_passes_a_correct_layer(dense_and_batch):
    (kernel, bias), x = dense_and_batch
    layer = FakeDense(kernel, bias)
    errors = check_layer_gradients(layer, x, seed=0)
    assert list(errors) == ["input", "kernel", "bias"]
    # A linear layer: centred differences are exact up to rounding (~1e-10 relative).
    for name, err in errors.items():
        assert err <= THRESHOLDS["right"], (name, err)
    # Weights restored bit for bit, and the cached forward pass is at the unperturbed point.
    np.testing.assert_array_equal(layer.kernel, kernel)
    np.testing.assert_array_equal(layer.bias, bias)
    np.testing.assert_array_equal(layer.x, x)


@pytest.mark.parametrize(
    "bug, wrong_key",
    [
        ("halved_kernel_grad", "kernel"),
        ("bias_not_summed", "bias"),
        ("input_grad_sign", "input"),
    ],
)
def test_check_layer_gradients_catches_a_wrong_backward(dense_and_batch, bug, wrong_key):
    (kernel, bias), x = dense_and_batch
    errors = check_layer_gradients(FakeDense(kernel, bias, bug=bug), x, seed=0)
    assert errors[wrong_key] > THRESHOLDS["wrong"]
    assert verdict(errors[wrong_key]) == "wrong"
    for name, err in errors.items():
        if name != wrong_key:
            assert err <= THRESHOLDS["right"], (name, err)


def test_check_layer_gradients_weightless_layer_and_seeds():
    x = np.array([[0.3, -1.0, 2.0]])
    errors = check_layer_gradients(FakeTanh(), x, seed=np.random.default_rng(1))
    assert list(errors) == ["input"]
    # Smooth function: centred-difference error ~1e-10 relative.
    assert errors["input"] < THRESHOLDS["right"]


def test_check_layer_gradients_does_not_modify_x(dense_and_batch):
    (kernel, bias), x = dense_and_batch
    before = x.copy()
    check_layer_gradients(FakeDense(kernel, bias), x)
    np.testing.assert_array_equal(x, before)


def test_check_layer_gradients_names_weights_by_attribute_or_index():
    class PropertyDense(FakeDense):
        """Weights held privately and exposed through properties, as a real layer may do."""

        def __init__(self, kernel, bias):
            self._kernel, self._bias = np.array(kernel), np.array(bias)
            self.bug, self.name = None, "property_dense"

        kernel = property(lambda self: self._kernel)
        bias = property(lambda self: self._bias)

    x = np.array([[1.0, -2.0]])
    assert list(check_layer_gradients(PropertyDense(np.eye(2), np.zeros(2)), x)) == [
        "input",
        "kernel",
        "bias",
    ]

    class Hidden(FakeTanh):
        def __init__(self):
            self._scale = np.array([2.0])

        @property
        def weights(self):
            return [self._scale]

        def __call__(self, x, training=False):
            self.xin = np.asarray(x)
            return self.xin * self._scale

        def backward(self, grad_output):
            self.grads = [np.array([np.sum(grad_output * self.xin)])]
            return grad_output * self._scale

    errors = check_layer_gradients(Hidden(), x)
    assert list(errors) == ["input", "weights[0]"]
    assert max(errors.values()) <= THRESHOLDS["right"]


def test_check_layer_gradients_requires_float64():
    class Float32Dense(FakeDense):
        def __call__(self, x, training=False):
            return super().__call__(x).astype(np.float32)

    (kernel, bias), x = (np.eye(2), np.zeros(2)), np.ones((1, 2))
    with pytest.raises(ValueError, match="float64 layer.*dtype='float64'"):
        check_layer_gradients(Float32Dense(kernel, bias), x)

    layer = FakeDense(kernel, bias)
    layer.kernel = layer.kernel.astype(np.float32)
    layer.bias = layer.bias.astype(np.float32)

    class Upcast(FakeDense):
        def __call__(self, x, training=False):
            return super().__call__(x).astype(np.float64)

    layer.__class__ = Upcast
    with pytest.raises(ValueError, match="float64 weights"):
        check_layer_gradients(layer, x)


def test_check_layer_gradients_contract_errors():
    (kernel, bias), x = (np.eye(2), np.zeros(2)), np.ones((1, 2))

    class WrongShape(FakeDense):
        def backward(self, grad_output):
            super().backward(grad_output)
            return grad_output.ravel()

    with pytest.raises(ValueError, match=r"shaped like the input \(1, 2\).*\(2,\)"):
        check_layer_gradients(WrongShape(kernel, bias), x)

    class MissingGrad(FakeDense):
        def backward(self, grad_output):
            dx = super().backward(grad_output)
            self.grads = self.grads[:1]
            return dx

    with pytest.raises(ValueError, match="one gradient per weight"):
        check_layer_gradients(MissingGrad(kernel, bias), x)

    class BadGradShape(FakeDense):
        def backward(self, grad_output):
            dx = super().backward(grad_output)
            self.grads = [self.grads[0].T[:1], self.grads[1]]
            return dx

    with pytest.raises(ValueError, match="kernel must have the weight's shape"):
        check_layer_gradients(BadGradShape(kernel, bias), x)
