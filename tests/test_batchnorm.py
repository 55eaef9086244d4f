"""companion.layers.BatchNormalization against keras.layers.BatchNormalization.

The same standard as Dense: forward in training and inference mode (float64 to 1e-12 relative,
float32 to a stated bound), backward against the Keras backend's autodiff and against centred
differences, the moving statistics after one call and after ``fit`` (from the same weights and
batch order, in float64), ``from_keras``, weights order and parameter counts, and the errors.
"""

import warnings

import numpy as np
import pytest

from companion import gradcheck, optimizers
from companion.layers import BatchNormalization, Dense
from companion.models import Sequential, from_keras

F64 = 1e-12  # float64, formulas identical up to the order of a few sums


def _data(shape, seed=0, scale=1.0, shift=0.0, dtype="float64"):
    rng = np.random.default_rng(seed)
    return (shift + scale * rng.normal(size=shape)).astype(dtype)


def _pair(keras, features=5, dtype="float64", seed=1, ndim=2, **kwargs):
    """A companion and a Keras BatchNormalization holding the same, non-trivial weights."""
    ours = BatchNormalization(dtype=dtype, **kwargs)
    ours.build((None, features))
    theirs = keras.layers.BatchNormalization(dtype=dtype, **kwargs)
    theirs.build((None,) * (ndim - 1) + (features,))
    n_train = int(kwargs.get("center", True)) + int(kwargs.get("scale", True))
    weights = [
        _data((features,), seed=seed + i, scale=0.5, shift=1.0, dtype=dtype) for i in range(n_train)
    ]
    weights += [
        _data((features,), seed=seed + 10, scale=0.3, dtype=dtype),  # moving mean
        np.abs(_data((features,), seed=seed + 11, shift=1.0, dtype=dtype)) + 0.1,  # variance
    ]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    scale = np.max(np.abs(want)) + 1e-300
    assert np.max(np.abs(got - want)) / scale <= rtol, np.max(np.abs(got - want)) / scale


CONFIGS = [
    {},
    {"center": False},
    {"scale": False},
    {"center": False, "scale": False},
    {"momentum": 0.9, "epsilon": 1e-5},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("shape", [(8, 5), (3, 4, 5)])
def test_forward_and_moving_statistics_match_keras_float64(
    keras, batchnorm_float64_rtol, kwargs, training, shape
):
    # batchnorm_float64_rtol: F64 on TensorFlow; Keras computes BN in float32 on JAX and torch.
    ours, theirs = _pair(keras, ndim=len(shape), **kwargs)
    x = _data(shape, seed=3, scale=2.0, shift=0.7)
    _close(ours(x, training=training), theirs(x, training=training), batchnorm_float64_rtol)
    # One training call moves the moving statistics; an inference call leaves them.
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        _close(a, b, batchnorm_float64_rtol)


def test_forward_float32_matches_keras(keras):
    ours, theirs = _pair(keras, dtype="float32")
    x = _data((64, 5), seed=4, scale=3.0, shift=1.0, dtype="float32")
    for training in (True, False):
        out = ours(x, training=training)
        assert out.dtype == np.float32
        # Outputs of order 1 from float32 sums of 64 values: round-off ~1e-6; 1e-5 leaves
        # a margin while any formula error (>= 1e-3) fails.
        _close(out, np.asarray(theirs(x, training=training)), 1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        _close(a, b, 1e-5)


def test_training_normalizes_each_feature():
    bn = BatchNormalization(dtype="float64", epsilon=1e-12)
    out = bn(_data((200, 3), seed=5, scale=4.0, shift=-3.0), training=True)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-9)


def _keras_backward(keras, layer, x, grad_out, training):
    """Keras's dx and weight gradients for an upstream ``grad_out``, from the backend's own
    autodiff (companion.backend: tf.GradientTape, jax.grad over stateless_call, torch.autograd)."""
    from companion.backend import keras_gradients

    g = keras.ops.convert_to_tensor(grad_out)
    _, weight_grads, dx = keras_gradients(
        layer, x, lambda out: keras.ops.sum(out * g), training=training, wrt_input=True
    )
    return [dx, *weight_grads]


@pytest.mark.parametrize("kwargs", CONFIGS)
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("shape", [(8, 5), (3, 4, 5)])
def test_backward_matches_keras_autodiff(keras, batchnorm_float64_rtol, kwargs, training, shape):
    ours, theirs = _pair(keras, ndim=len(shape), **kwargs)
    x = _data(shape, seed=6, scale=2.0, shift=0.5)
    grad_out = _data(shape, seed=7)
    ours(x, training=training)
    dx = ours.backward(grad_out)
    expected = _keras_backward(keras, theirs, x, grad_out, training)
    got = [dx, *ours.grads]
    assert len(got) == len(expected) == 1 + len(ours.trainable_weights)
    for g, want in zip(got, expected):
        _close(g, want, batchnorm_float64_rtol)


class _Mode:
    """BatchNormalization in one mode, with its trainable weights only, for check_layer_gradients
    (which calls ``layer(x)`` and pairs ``grads`` with ``weights``)."""

    def __init__(self, layer, training):
        self.layer, self.training, self.name = layer, training, layer.name

    def __call__(self, x):
        return self.layer(x, training=self.training)

    def backward(self, grad):
        return self.layer.backward(grad)

    @property
    def weights(self):
        return self.layer.trainable_weights

    @property
    def grads(self):
        return self.layer.grads


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("kwargs", CONFIGS)
def test_backward_passes_gradient_check(training, kwargs):
    bn = BatchNormalization(dtype="float64", **kwargs)
    bn.build((None, 4))
    bn.set_weights([_data(w.shape, seed=i, shift=1.0) ** 2 + 0.1 for i, w in enumerate(bn.weights)])
    errors = gradcheck.check_layer_gradients(_Mode(bn, training), _data((6, 4), seed=9, shift=1.0))
    assert len(errors) == 1 + len(bn.trainable_weights)
    # CS231n: relative error <= 1e-7 means the gradient is right (float64).
    assert max(errors.values()) <= 1e-7, errors


def test_weights_order_counts_and_trainable_like_keras(keras):
    ours, theirs = _pair(keras)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params() == 20
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 2
    fresh_ours, fresh_keras = BatchNormalization(), keras.layers.BatchNormalization()
    fresh_ours.build((None, 3))
    fresh_keras.build((None, 3))
    for a, b in zip(fresh_ours.get_weights(), fresh_keras.get_weights()):
        np.testing.assert_array_equal(a, b)  # ones, zeros, zeros, ones
    assert fresh_ours.momentum == fresh_keras.momentum == 0.99
    assert fresh_ours.epsilon == fresh_keras.epsilon == 1e-3


def test_not_trainable_uses_moving_statistics_in_training_like_keras(keras, batchnorm_float64_rtol):
    ours, theirs = _pair(keras)
    ours.trainable = theirs.trainable = False
    x = _data((8, 5), seed=10, scale=2.0)
    _close(ours(x, training=True), theirs(x, training=True), batchnorm_float64_rtol)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        _close(a, b, batchnorm_float64_rtol)
    assert ours.trainable_weights == []


def _keras_net(keras, seed=2):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, use_bias=False),
            keras.layers.BatchNormalization(momentum=0.875),
            keras.layers.Activation("tanh"),
            keras.layers.Dense(4),
            keras.layers.BatchNormalization(center=False),
            keras.layers.Activation("relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def test_from_keras_copies_batchnormalization(keras):
    net = _keras_net(keras)
    copy = from_keras(net)
    bns = [layer for layer in copy.layers if isinstance(layer, BatchNormalization)]
    assert [b.momentum for b in bns] == [0.875, 0.99] and [b.center for b in bns] == [True, False]
    assert copy.count_params() == net.count_params()
    x = _data((10, 6), seed=11)
    # float32 through two BN layers; outputs (probabilities) are of order 0.1-1, round-off ~1e-7.
    _close(copy.predict(x), net.predict(x, verbose=0), 1e-5)


def test_from_keras_refuses_other_axes(keras):
    net = keras.Sequential([keras.Input((4, 3)), keras.layers.BatchNormalization(axis=1)])
    with pytest.raises(ValueError, match="last axis"):
        from_keras(net)


def test_fit_matches_keras_weights_and_moving_statistics(keras, keras_float64):
    """Companion fit vs Keras fit from the same weights and batch order, in float64."""
    with keras_float64():
        net = _keras_net(keras)
        copy = from_keras(net)
        rng = np.random.default_rng(12)
        x, y = rng.normal(size=(50, 6)), rng.integers(0, 3, size=50)
        xv, yv = rng.normal(size=(20, 6)), rng.integers(0, 3, size=20)
        args = dict(epochs=3, batch_size=16, shuffle=False, validation_data=(xv, yv), verbose=0)
        net.compile(
            optimizer=keras.optimizers.SGD(0.125, momentum=0.875),
            loss="sparse_categorical_crossentropy",
        )
        keras_hist = net.fit(x, y, **args).history
    copy.compile(
        optimizer=optimizers.SGD(0.125, momentum=0.875), loss="sparse_categorical_crossentropy"
    )
    ours_hist = copy.fit(x, y, **args).history
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(ours_hist[key], keras_hist[key], rtol=1e-9)
    # Every weight, the moving statistics included (changed by 12 training steps).
    for a, b in zip(copy.get_weights(), net.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    moving = [layer.moving_mean for layer in copy.layers if isinstance(layer, BatchNormalization)]
    assert all(np.max(np.abs(m)) > 1e-3 for m in moving)


def test_sequential_passes_training_flag():
    model = Sequential([Dense(4, seed=0), BatchNormalization()])
    x = _data((16, 3), seed=13, shift=2.0)
    train_out = model(x, training=True)
    np.testing.assert_allclose(train_out.mean(axis=0), 0.0, atol=1e-5)
    infer_out = model(x)  # moving statistics have moved 1 % of the way: far from normalized
    assert np.max(np.abs(infer_out.mean(axis=0))) > 0.1


def test_errors_are_clear():
    with pytest.raises(ValueError, match="momentum"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        BatchNormalization(epsilon=0)
    bn = BatchNormalization(name="bn")
    with pytest.raises(RuntimeError, match="forward"):
        bn.backward(np.ones((2, 3)))
    bn(np.ones((2, 3)))
    with pytest.raises(ValueError, match="3 features"):
        bn(np.ones((2, 4)))


@pytest.mark.parametrize("flag", ["center", "scale"])
def test_flags_must_be_booleans(flag):
    # A string such as "False" is truthy: it would silently keep gamma or beta.
    with pytest.raises(TypeError, match=flag):
        BatchNormalization(**{flag: "False"})
    assert getattr(BatchNormalization(**{flag: False}), flag) is False


def test_an_empty_batch_in_training_leaves_the_moving_statistics_alone():
    layer = BatchNormalization()
    layer.build((None, 3))
    out = layer(np.zeros((0, 3), dtype=np.float32), training=True)
    assert out.shape == (0, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(layer.moving_mean, np.zeros(3))
    np.testing.assert_array_equal(layer.moving_variance, np.ones(3))


@pytest.mark.parametrize("training", [False, True])
def test_infinite_input_gives_keras_nan_gradients_silently(keras, training):
    """+inf and -inf in one feature: the gradients that sum over the batch are NaN where
    Keras's are, and no NumPy warning escapes (tests/test_contract.py found the warning)."""
    ours, theirs = _pair(keras, features=2, dtype="float32")
    x = np.array([[np.inf, 1.0], [-np.inf, 2.0], [0.5, 3.0]], dtype=np.float32)
    grad_out = np.ones_like(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours(x, training=training)
        got = [ours.backward(grad_out), *ours.grads]
    expected = _keras_backward(keras, theirs, x, grad_out, training)
    for g, want in zip(got, expected):
        want = np.asarray(want)
        np.testing.assert_array_equal(np.isnan(g), np.isnan(want))
    assert np.isnan(got[1][0])  # d gamma for the infinite feature
