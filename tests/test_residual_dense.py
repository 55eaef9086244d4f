"""companion.layers.ResidualDense against Keras's Functional skip connection.

Keras has no residual layer: the reference is ``Add()([h, Dense(units, activation)(h)])`` in a
Functional model. The same standard as Dense: forward (float64 to 1e-12 relative, float32 to a
stated bound), backward against the backend's autodiff (companion.backend) and against centred
differences, a deep chain of blocks whose gradients and ``fit`` match a Keras Functional model
with the same weights (float64), and the errors.
"""

import numpy as np
import pytest

from companion import backend, diagnostics, gradcheck, optimizers
from companion.layers import Dense, ResidualDense
from companion.models import Sequential

F64 = 1e-12  # float64, the same formula in both libraries up to the order of a few sums


def _data(shape, seed=0, scale=1.0):
    return scale * np.random.default_rng(seed).normal(size=shape)


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    err = np.max(np.abs(got - want)) / (np.max(np.abs(want)) + 1e-300)
    assert err <= rtol, err


def _pair(keras, act, shape, dtype="float64", seed=1):
    """A companion block and a Keras Functional block (input + Dense) with equal weights."""
    units = shape[-1]
    ours = ResidualDense(units, act, dtype=dtype)
    ours.build((None, *shape[1:]))
    inputs = keras.Input(shape=shape[1:], dtype=dtype)
    dense = keras.layers.Dense(units, act, dtype=dtype)
    outputs = keras.layers.Add(dtype=dtype)([inputs, dense(inputs)])
    theirs = keras.Model(inputs, outputs)
    weights = [_data((units, units), seed, 0.5), _data((units,), seed + 1, 0.2)]
    ours.set_weights(weights)
    dense.set_weights([w.astype(dtype) for w in weights])
    return ours, theirs, dense


ACTS = ["relu", "tanh", "sigmoid", None]
SHAPES = [(7, 5), (3, 4, 6)]


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_keras_add_of_dense_float64(keras, act, shape):
    ours, theirs, _ = _pair(keras, act, shape)
    x = _data(shape, seed=3)
    _close(ours(x), np.asarray(theirs(x)), F64)


def test_forward_float32_matches_keras(keras):
    ours, theirs, _ = _pair(keras, "relu", (16, 8), dtype="float32")
    x = _data((16, 8), seed=4).astype("float32")
    out = ours(x)
    assert out.dtype == np.float32
    # float32, sums of 8 products of order 1: round-off ~1e-7 relative to the largest output.
    _close(out, np.asarray(theirs(x)), 1e-6)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_the_backends_autodiff(keras, act, shape):
    ours, theirs, dense = _pair(keras, act, shape)
    x = _data(shape, seed=5)
    g = _data(shape, seed=6)
    ours(x)
    dx = ours.backward(g)
    cotangent = keras.ops.convert_to_tensor(g)
    _, want, want_dx = backend.keras_gradients(
        theirs, x, lambda out: keras.ops.sum(out * cotangent), wrt_input=True
    )
    _close(dx, want_dx, F64)
    assert len(want) == len(ours.grads) == len(dense.trainable_weights)
    for got, ref in zip(ours.grads, want):
        _close(got, ref, F64)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", None])
def test_backward_passes_gradient_check(act):
    block = ResidualDense(4, act, dtype="float64", seed=0)
    errors = gradcheck.check_layer_gradients(block, _data((6, 4), seed=7))
    assert set(errors) == {"input", "kernel", "bias"}
    assert max(errors.values()) < 1e-7, errors  # CS231n: <= 1e-7 in float64 is right


def test_without_input_grad_the_weight_gradients_are_the_same():
    block = ResidualDense(5, "relu", dtype="float64", seed=2)
    x, g = _data((9, 5), seed=8), _data((9, 5), seed=9)
    block(x)
    block.backward(g)
    full = [w.copy() for w in block.grads]
    block(x)
    assert block.backward(g, input_grad=False) is None
    for a, b in zip(block.grads, full):
        np.testing.assert_array_equal(a, b)


def _keras_residual_net(keras, depth=6, width=8, seed=3):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(12,))
    h = keras.layers.Dense(width, "relu")(inputs)
    for _ in range(depth):
        init = keras.initializers.VarianceScaling(scale=0.5)
        h = keras.layers.Add()([h, keras.layers.Dense(width, "relu", kernel_initializer=init)(h)])
    outputs = keras.layers.Dense(3, "softmax")(h)
    return keras.Model(inputs, outputs)


def _companion_copy(net, depth=6, width=8):
    f64 = {"dtype": "float64"}
    copy = Sequential(
        [Dense(width, "relu", **f64)]
        + [ResidualDense(width, "relu", **f64) for _ in range(depth)]
        + [Dense(3, "softmax", **f64)]
    )
    copy.build((None, 12))
    dense = [layer for layer in net.layers if isinstance(layer, type(net.layers[1]))]
    assert len(dense) == len(copy.layers)
    for ours, theirs in zip(copy.layers, dense):
        ours.set_weights(theirs.get_weights())
    return copy


def test_a_chain_of_blocks_has_the_gradients_of_the_keras_functional_model(keras, keras_float64):
    with keras_float64():
        net = _keras_residual_net(keras)
        copy = _companion_copy(net)
        x, y = _data((20, 12), seed=10), np.arange(20) % 3
        loss = "sparse_categorical_crossentropy"
        theirs = diagnostics.gradient_stats(net, x, y, loss, include_bias=True)
        probs = net.predict(
            x, verbose=0
        )  # in float64 (outside this context Keras casts to float32)
    ours = diagnostics.gradient_stats(copy, x, y, loss, include_bias=True)
    assert len(ours) == len(theirs) == 2 * len(copy.layers)
    _close(ours.column("grad_rms"), theirs.column("grad_rms"), 1e-10)
    _close(copy.predict(x), probs, F64)


def test_fit_matches_keras_functional_model(keras, keras_float64):
    """Companion fit vs Keras fit from the same weights and batch order, in float64."""
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(50, 12)), rng.integers(0, 3, size=50)
    args = dict(epochs=3, batch_size=16, shuffle=False, verbose=0)
    # Keras keeps the learning rate and momentum in float32: 2**-6 and 0.875 are exact there.
    with keras_float64():
        net = _keras_residual_net(keras)
        copy = _companion_copy(net)
        net.compile(
            optimizer=keras.optimizers.SGD(0.015625, momentum=0.875),
            loss="sparse_categorical_crossentropy",
        )
        keras_hist = net.fit(x, y, **args).history
    copy.compile(
        optimizer=optimizers.SGD(0.015625, momentum=0.875), loss="sparse_categorical_crossentropy"
    )
    ours_hist = copy.fit(x, y, **args).history
    np.testing.assert_allclose(ours_hist["loss"], keras_hist["loss"], rtol=1e-9)
    assert keras_hist["loss"][-1] < keras_hist["loss"][0]  # it trained: the weights moved
    for a, b in zip(copy.get_weights(), net.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_a_softmax_block_as_output_is_trained_through_backward():
    # x + softmax(z) is no probability, but a model may end with it; Sequential must then use
    # the generic backward (its gradient checks out numerically), not a logits shortcut.
    block = ResidualDense(3, "softmax", dtype="float64")
    assert not hasattr(block, "backward_from_z")
    model = Sequential([Dense(3, dtype="float64", seed=0), block])
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    x, y = _data((8, 4), seed=12), _data((8, 3), seed=13)
    before = model.evaluate(x, y)
    model.fit(x, y, epochs=5, batch_size=8, shuffle=False)
    assert model.evaluate(x, y) < before


def test_errors_name_the_layer_and_the_sizes():
    block = ResidualDense(4, name="res")
    with pytest.raises(ValueError, match=r"ResidualDense layer 'res'.*4 features.*\(None, 3\)"):
        block(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="call the layer"):
        ResidualDense(4).backward(np.zeros((2, 4)))
    block = ResidualDense(4)
    block(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"shaped like its last output \(2, 4\)"):
        block.backward(np.zeros((2, 5)))
