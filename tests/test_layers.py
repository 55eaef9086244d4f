"""companion.layers against keras.layers: forward values, backward passes, errors.

Float64 comparisons use Keras layers with dtype="float64". TensorFlow keeps a few activation
constants in float32 even for float64 tensors (leaky_relu's slope, gelu's coefficients), so
float64 agreement is ~1e-8..2e-7 relative there; 1e-6 catches any formula error (those are
>= 1e-3) while allowing that.
"""

import inspect
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import activations, backend, gradcheck, regularizers
from companion.layers import Activation, Dense, Dropout, Flatten, Layer, reset_names

# Fewer Hypothesis examples on JAX and torch (make test-backends): every new shape is a new
# trace there (JAX compiles each); TensorFlow, the reference backend, runs the full search.
ON_TENSORFLOW = os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"

F64_RTOL = 1e-6  # see the module docstring


def _usable_in_dense(name):
    """Activations a Dense layer can take by name: no required argument besides x."""
    params = inspect.signature(activations.get(name)).parameters.values()
    required = [
        p
        for p in params
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(required) == 1


ACTIVATIONS = [n for n in activations.names() if _usable_in_dense(n)]
UNITS = 4  # even, so that glu (which halves the last axis) works too


def _data(shape, seed=0, scale=1.0, dtype="float64"):
    return (scale * np.random.default_rng(seed).normal(size=shape)).astype(dtype)


def _keras_dense(keras, input_dim, units, dtype="float64", **kwargs):
    layer = keras.layers.Dense(units, dtype=dtype, **kwargs)
    layer.build((None, input_dim))
    return layer


def _pair(keras, input_dim=6, units=UNITS, dtype="float64", seed=1, **kwargs):
    """A companion Dense and a Keras Dense holding the same (non-trivial) weights."""
    ours = Dense(units, dtype=dtype, **kwargs)
    ours.build(input_dim)
    theirs = _keras_dense(keras, input_dim, units, dtype=dtype, **kwargs)
    weights = [
        _data(w.shape, seed=seed + i, scale=0.5, dtype=dtype) for i, w in enumerate(ours.weights)
    ]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


# --- forward --------------------------------------------------------------------------------------


def test_activation_registry_is_covered():
    assert {"relu", "softmax", "sigmoid", "tanh", "gelu", "linear", "glu"} <= set(ACTIVATIONS)


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_forward_float64_matches_keras(keras, act):
    ours, theirs = _pair(keras, activation=act)
    x = _data((5, 6), seed=10)
    out = ours(x)
    expected = np.asarray(theirs(x))
    assert out.dtype == np.float64 and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=F64_RTOL, atol=1e-12)
    # The pre-activation is kept, and is exactly x @ kernel + bias.
    np.testing.assert_allclose(ours.last_z, x @ ours.kernel + ours.bias, rtol=1e-15)


@pytest.mark.parametrize("act", ["linear", "relu", "sigmoid", "tanh", "softmax", "gelu", "elu"])
def test_dense_forward_float32_matches_keras(keras, act):
    """float32 on both sides: the 6-term dot product may be summed in another order and the
    activation evaluated by another formula, each a few ulps (6e-8 relative); 1e-5 relative
    with 1e-6 absolute (for values near 0, where relative error is meaningless) bounds that."""
    ours, theirs = _pair(keras, activation=act, dtype="float32")
    x = _data((5, 6), seed=11, dtype="float32")
    out = ours(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 3, 6), (2, 3, 2, 6)])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_nd_inputs_contract_last_axis(keras, shape, use_bias):
    ours, theirs = _pair(keras, activation="tanh", use_bias=use_bias)
    x = _data(shape, seed=12)
    out = ours(x)
    assert out.shape == (*shape[:-1], UNITS)
    np.testing.assert_allclose(out, np.asarray(theirs(x)), rtol=F64_RTOL, atol=1e-12)
    # Every leading position gets the same map as a 2-D batch would.
    flat = ours(x.reshape(-1, 6)).reshape(out.shape)
    np.testing.assert_allclose(out, flat, rtol=1e-14)


def test_use_bias_false_has_only_a_kernel(keras):
    ours, theirs = _pair(keras, use_bias=False)
    assert len(ours.get_weights()) == 1 == len(theirs.get_weights())
    assert ours.count_params() == theirs.count_params() == 6 * UNITS
    assert ours.bias is None


def test_weights_order_shapes_and_count_like_keras(keras):
    ours, theirs = _pair(keras, input_dim=7, units=3)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert ours.count_params() == theirs.count_params() == 7 * 3 + 3
    # get_weights returns copies: changing them leaves the layer alone.
    w = ours.get_weights()
    w[0][...] = 0
    assert np.any(ours.kernel != 0)


def test_inputs_cast_to_layer_dtype_and_lazy_build():
    layer = Dense(3, seed=0)
    assert not layer.built
    out = layer(np.arange(8).reshape(2, 4))  # integers in, float32 (Keras's floatx) out
    assert layer.built and layer.kernel.shape == (4, 3) and layer.bias.shape == (3,)
    assert out.dtype == np.float32 and layer.kernel.dtype == np.float32
    layer64 = Dense(3, dtype="float64", seed=0)
    assert layer64(np.ones((1, 4), dtype=np.float32)).dtype == np.float64


def test_build_variants_seed_and_initializer_limits():
    a = Dense(5, seed=3, input_dim=4)
    assert a.built and a.kernel.shape == (4, 5)
    b = Dense(5, seed=3)
    b.build((None, 4))
    np.testing.assert_array_equal(a.kernel, b.kernel)  # same seed, same kernel
    c = Dense(5, seed=4)
    c.build(4)
    assert not np.array_equal(a.kernel, c.kernel)
    limit = np.sqrt(6 / (4 + 5))  # glorot_uniform, Keras's default
    assert np.all(np.abs(a.kernel) <= limit) and np.all(a.bias == 0)
    # Var of U(-L, L) is L**2 / 3 = 2 / (fan_in + fan_out); 60000 samples: 2% is > 5 sigma.
    assert np.std(Dense(200, seed=0, input_dim=300).kernel) == pytest.approx(
        np.sqrt(2 / 500), rel=0.02
    )


def test_auto_names_like_keras():
    reset_names()
    assert [Dense(2).name, Dense(2).name, Dense(2, name="out").name, Dense(2).name] == [
        "dense",
        "dense_1",
        "out",
        "dense_2",
    ]
    assert (Dropout(0.1).name, Activation("relu").name, Flatten().name) == (
        "dropout",
        "activation",
        "flatten",
    )


def test_output_shape_for_and_config():
    layer = Dense(3, activation="relu", input_dim=5, name="d")
    assert layer.output_shape_for((None, 5)) == (None, 3)
    assert layer.output_shape_for((None, 7, 5)) == (None, 7, 3)
    assert Dense(4, activation="glu", input_dim=5).output_shape_for((None, 5)) == (None, 2)
    assert Flatten().output_shape_for((None, 4, 5)) == (None, 20)
    assert Dropout(0.5).output_shape_for((None, 4)) == (None, 4)
    config = layer.get_config()
    assert config["name"] == "d" and config["units"] == 3 and config["activation"] == "relu"
    assert config["use_bias"] is True and config["dtype"] == "float32"


# --- backward -------------------------------------------------------------------------------------


def _tape_grads(keras, layer, x, grad_out):
    """Gradients of sum(layer(x) * grad_out) w.r.t. x and each weight, from the backend's
    autodiff (tf.GradientTape on TensorFlow)."""
    g = keras.ops.convert_to_tensor(grad_out)
    _, weights, dx = backend.keras_gradients(
        layer, x, lambda out: keras.ops.sum(keras.ops.multiply(out, g)), wrt_input=True
    )
    return [dx, *weights]


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_backward_matches_gradient_tape(keras, act):
    ours, theirs = _pair(keras, activation=act)
    x = _data((5, 6), seed=20)
    out = ours(x)
    grad_out = _data(out.shape, seed=21)
    dx = ours.backward(grad_out)
    expected = _tape_grads(keras, theirs, x, grad_out)
    for got, want, what in zip([dx, *ours.grads], expected, ["dx", "dkernel", "dbias"]):
        assert got.shape == want.shape, what
        scale = np.max(np.abs(want)) + 1e-300
        assert np.max(np.abs(got - want)) / scale <= F64_RTOL, (act, what)


@pytest.mark.parametrize("shape", [(2, 3, 6), (2, 2, 3, 6)])
def test_dense_backward_nd_sums_over_leading_axes(keras, shape):
    ours, theirs = _pair(keras, activation="tanh")
    x = _data(shape, seed=22)
    grad_out = _data(ours(x).shape, seed=23)
    got = [ours.backward(grad_out), *ours.grads]
    for g, want in zip(got, _tape_grads(keras, theirs, x, grad_out)):
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)


def _numerical_grads(layer, x, grad_out):
    """Numerical gradients of L = sum(layer(x) * grad_out) w.r.t. x and each weight."""

    def loss_of(arr):
        def f(value):
            saved = arr.copy()
            arr[...] = value
            out = float(np.sum(layer(x) * grad_out))
            arr[...] = saved
            return out

        return f

    return [gradcheck.numerical_gradient(loss_of(a), a.copy()) for a in (x, *layer.weights)]


# Some activations have kinks (relu at 0, hard_sigmoid at +-3, ...), where a centred
# difference is meaningless. With these fixed random inputs no pre-activation lies within
# h = 1e-5 of a kink, so every activation is smooth where it is probed.
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_backward_matches_numerical_gradient(act):
    layer = Dense(UNITS, activation=act, dtype="float64", seed=5, bias_initializer="random_normal")
    x = _data((4, 3), seed=30)
    out = layer(x)
    grad_out = _data(out.shape, seed=31)
    analytic = [layer.backward(grad_out), *layer.grads]
    numeric = _numerical_grads(layer, x, grad_out)
    for a, n, what in zip(analytic, numeric, ["dx", "dkernel", "dbias"]):
        # CS231n: relative error <= 1e-7 means the gradient is right (float64).
        assert gradcheck.rel_error(a, n) <= 1e-7, (act, what, gradcheck.rel_error(a, n))


def test_check_layer_gradients_passes_for_dense():
    layer = Dense(3, activation="tanh", dtype="float64", seed=0)
    result = gradcheck.check_layer_gradients(layer, _data((4, 5), seed=1))
    errors = result.values() if isinstance(result, dict) else result
    assert max(float(e) for e in errors) <= 1e-7


def test_backward_error_messages():
    layer = Dense(3, name="fresh")
    with pytest.raises(RuntimeError, match="'fresh'.backward needs the input of a forward pass"):
        layer.backward(np.ones((2, 3)))
    layer(np.ones((2, 4)))
    with pytest.raises(
        ValueError,
        match=r"'fresh'.backward expects a gradient shaped like its "
        r"last output \(2, 3\), but got shape \(2, 4\)",
    ):
        layer.backward(np.ones((2, 4)))
    with pytest.raises(RuntimeError, match="forward pass"):
        Dropout(0.5).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="forward pass"):
        Activation("relu").backward(np.ones(3))
    with pytest.raises(RuntimeError, match="forward pass"):
        Flatten().backward(np.ones(3))


# --- Dropout --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.0, 0.25, 0.5, 0.9])
def test_dropout_inference_is_identity_like_keras(keras, rate):
    x = _data((50, 8), seed=40)
    ours = Dropout(rate, seed=0, dtype="float64")
    theirs = keras.layers.Dropout(rate, dtype="float64")
    np.testing.assert_array_equal(ours(x), x)
    np.testing.assert_array_equal(ours(x, training=False), x)
    np.testing.assert_array_equal(np.asarray(theirs(x, training=False)), x)


def test_dropout_rate_zero_training_is_identity(keras):
    x = _data((20, 8), seed=41)
    np.testing.assert_array_equal(Dropout(0.0, seed=0, dtype="float64")(x, training=True), x)
    np.testing.assert_array_equal(
        np.asarray(keras.layers.Dropout(0.0, dtype="float64")(x, training=True)), x
    )


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_dropout_training_statistics_and_scaling_like_keras(keras, rate):
    n = 200_000
    x = np.ones((n // 100, 100))
    ours = Dropout(rate, seed=1, dtype="float64")(x, training=True)
    theirs = np.asarray(keras.layers.Dropout(rate, seed=1, dtype="float64")(x, training=True))
    for out in (ours, theirs):
        kept = out[out != 0]
        # Kept values are scaled by exactly 1 / (1 - rate) (inverted dropout).
        np.testing.assert_allclose(kept, 1.0 / (1.0 - rate), rtol=1e-15)
        # The dropped fraction is Binomial(n, rate)/n: 5 standard deviations.
        sd = np.sqrt(rate * (1 - rate) / n)
        assert abs(np.mean(out == 0) - rate) <= 5 * sd
        # The mean is preserved in expectation: mean(out) = kept fraction / (1 - rate).
        assert abs(np.mean(out) - 1.0) <= 5 * sd / (1 - rate)


def test_dropout_backward_uses_the_same_mask():
    drop = Dropout(0.5, seed=3, dtype="float64")
    x = _data((10, 10), seed=42)
    out = drop(x, training=True)
    grad = drop.backward(np.ones_like(x))
    np.testing.assert_array_equal(grad == 0, out == 0)
    np.testing.assert_array_equal(grad[grad != 0], 2.0)
    np.testing.assert_allclose(out, x * grad, rtol=1e-15)
    drop(x)  # inference: backward is identity
    np.testing.assert_array_equal(drop.backward(np.full_like(x, 3.0)), np.full_like(x, 3.0))


def test_dropout_seed_and_noise_shape():
    x = np.ones((6, 5))
    a = Dropout(0.5, seed=7)(x, training=True)
    b = Dropout(0.5, seed=7)(x, training=True)
    np.testing.assert_array_equal(a, b)
    rows = Dropout(0.5, noise_shape=(None, 1), seed=0)(np.ones((200, 5)), training=True)
    # One draw per sample: each row all kept or all dropped.
    assert np.all((rows == 0).all(axis=1) | (rows == 2).all(axis=1))
    with pytest.raises(ValueError, match=r"noise_shape \(None, 1\).*2 dimensions.*\(2, 3, 4\)"):
        Dropout(0.5, noise_shape=(None, 1), name="d")(np.ones((2, 3, 4)), training=True)
    with pytest.raises(ValueError, match=r"does not broadcast to the input shape \(2, 5\)"):
        Dropout(0.5, noise_shape=(2, 3))(np.ones((2, 5)), training=True)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan"), "0.5", True, None])
def test_dropout_rate_outside_range(rate):
    with pytest.raises(ValueError, match=r"Dropout expects `rate`.*in \[0, 1\), but got"):
        Dropout(rate)


# --- Activation and Flatten -----------------------------------------------------------------------


@pytest.mark.parametrize("act", ["relu", "softmax", "sigmoid", "tanh", "selu"])
def test_activation_layer_matches_keras(keras, act):
    x = _data((4, 5), seed=50)
    ours = Activation(act, dtype="float64")
    theirs = keras.layers.Activation(act, dtype="float64")
    np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=F64_RTOL, atol=1e-15)
    g = _data((4, 5), seed=51)
    _, want = backend.vjp(theirs, x, g)
    np.testing.assert_allclose(ours.backward(g), want, rtol=F64_RTOL, atol=1e-15)
    assert ours.count_params() == 0 and ours.get_weights() == []


def test_flatten_matches_keras(keras):
    x = _data((3, 2, 4), seed=52)
    ours = Flatten(dtype="float64")
    out = ours(x)
    np.testing.assert_array_equal(out, np.asarray(keras.layers.Flatten(dtype="float64")(x)))
    assert ours.backward(np.ones((3, 8))).shape == (3, 2, 4)
    np.testing.assert_array_equal(ours.backward(out), x)


# --- regularization -------------------------------------------------------------------------------


def test_regularization_losses_and_grads_match_keras(keras):
    l2 = 0.0009765625  # float32-exact, so Keras's float32 cast of the factor changes nothing
    ours = Dense(
        UNITS,
        dtype="float64",
        kernel_regularizer=regularizers.L2(l2),
        bias_regularizer=regularizers.L1(0.5),
        bias_initializer="random_normal",
        input_dim=6,
    )
    theirs = _keras_dense(
        keras,
        6,
        UNITS,
        kernel_regularizer=keras.regularizers.L2(l2),
        bias_regularizer=keras.regularizers.L1(0.5),
    )
    theirs.set_weights(ours.get_weights())
    assert ours.losses[0] == pytest.approx(l2 * np.sum(ours.kernel**2), rel=1e-15)
    dk, db = ours.regularization_grads()
    np.testing.assert_allclose(dk, 2 * l2 * ours.kernel, rtol=1e-15)
    np.testing.assert_allclose(db, 0.5 * np.sign(ours.bias), rtol=1e-15)
    plain = Dense(3, input_dim=2)
    assert plain.losses == [] and plain.regularization_grads() == [None, None]
    # Keras before 3.14 keeps L1's factor as a float32 tensor and multiplies it uncast, so a
    # float64 layer's L1 penalty raises InvalidArgumentError there (Colab's Keras 3.13 too).
    if tuple(int(p) for p in keras.version().split(".")[:2]) < (3, 14):
        pytest.skip("Keras < 3.14 cannot apply L1 to float64 weights")
    theirs_losses = [float(keras.ops.convert_to_numpy(v)) for v in theirs.losses]
    np.testing.assert_allclose(ours.losses, theirs_losses, rtol=1e-14)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("units", [0, -3, 2.5, True, "4", None])
def test_units_must_be_positive_int(units):
    with pytest.raises(ValueError, match=r"Dense expects `units` to be a positive integer.*got"):
        Dense(units)


def test_shape_mismatch_names_layer_and_sizes():
    layer = Dense(4, name="dense_in", input_dim=3)
    with pytest.raises(ValueError) as info:
        layer(np.ones((2, 5)))
    message = str(info.value)
    assert "Dense layer 'dense_in'" in message and "3 features" in message
    assert "(3, 4)" in message and "(2, 5)" in message
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*shape \(3,\).*x\[None, :\]"):
        layer(np.ones(3))
    with pytest.raises(ValueError, match=r"Dense layer 'fresh1d' expects inputs with at least 2"):
        Dense(2, name="fresh1d")(np.ones(3))  # also before the layer is built
    with pytest.raises(ValueError, match="expects a batch of inputs"):
        layer(np.float64(1.0))
    with pytest.raises(TypeError, match="input of layer 'dense_in'"):
        layer("abc")


def test_set_weights_errors_name_layer_and_shapes():
    layer = Dense(2, name="dd", input_dim=3)
    with pytest.raises(
        ValueError,
        match=r"'dd' expects a list of 2 weight array\(s\) with "
        r"shapes \[\(3, 2\), \(2,\)\], but got 1",
    ):
        layer.set_weights([np.ones((3, 2))])
    with pytest.raises(
        ValueError,
        match=r"'dd' weight 0 \(kernel\) has shape \(3, 2\), but the "
        r"new value has shape \(2, 3\)",
    ):
        layer.set_weights([np.ones((2, 3)), np.ones(2)])
    bad = np.ones((3, 2))
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"kernel\) for layer 'dd' contains 1 NaN or infinite"):
        layer.set_weights([bad, np.ones(2)])
    with pytest.raises(ValueError, match=r"bias\) for layer 'dd' contains 1 NaN or infinite"):
        layer.set_weights([np.ones((3, 2)), np.array([np.inf, 0.0])])
    before = layer.kernel
    layer.set_weights([np.full((3, 2), 2.0), np.zeros(2)])
    assert layer.kernel is before and np.all(before == 2.0)  # written in place
    with pytest.raises(ValueError, match="'late' is not built yet.*build"):
        Dense(2, name="late").set_weights([np.ones((3, 2)), np.ones(2)])
    # Not a list: said so, instead of iterating over None or over the rows of one array.
    with pytest.raises(TypeError, match="'dd'.set_weights expects a list of arrays.*NoneType"):
        layer.set_weights(None)
    with pytest.raises(TypeError, match=r"single array of shape \(3, 2\): wrap it in a list"):
        layer.set_weights(np.ones((3, 2)))


def test_count_params_unbuilt_like_keras(keras):
    with pytest.raises(ValueError, match="count_params on layer 'unbuilt'.*isn't built"):
        Dense(2, name="unbuilt").count_params()
    with pytest.raises(ValueError, match="isn't built"):
        keras.layers.Dense(2).count_params()  # Keras raises too
    assert Dropout(0.5).count_params() == 0


def test_bad_dtype_and_name():
    with pytest.raises(ValueError, match="floating type.*but got int32"):
        Dense(2, dtype="int32")
    with pytest.raises(TypeError, match="name must be a string"):
        Dense(2, name=3)
    with pytest.raises(TypeError, match="seed must be None, an int"):
        Dense(2, seed="x")
    with pytest.raises(TypeError, match="floating type.*'floaty', which is not a data type"):
        Dense(2, dtype="floaty")
    for make in (lambda: Dense(2, seed=-1), lambda: Dropout(0.5, seed=-1)):
        with pytest.raises(ValueError, match="seed must be a non-negative int, but got -1"):
            make()
    assert isinstance(Dense(2), Layer)


def test_none_initializers_fall_back_as_in_keras(keras):
    # Keras's Layer.add_weight uses glorot_uniform for a float weight whose initializer is
    # None, the bias included.
    keras_layer = keras.layers.Dense(3, kernel_initializer=None, bias_initializer=None)
    keras_layer.build((None, 4))
    assert np.any(keras_layer.bias.numpy() != 0)
    layer = Dense(3, kernel_initializer=None, bias_initializer=None, seed=0, input_dim=4)
    assert type(layer.kernel_initializer).__name__ == "GlorotUniform"
    assert type(layer.bias_initializer).__name__ == "GlorotUniform"
    assert np.any(layer.bias != 0) and np.all(np.abs(layer.bias) <= np.sqrt(6 / (3 + 3)))


# --- property-based -------------------------------------------------------------------------------


# A softmax over one unit is always 1 (Keras warns about it); still a valid case to compare.
@pytest.mark.filterwarnings("ignore:You are using a softmax over axis -1")
@settings(max_examples=25 if ON_TENSORFLOW else 5, deadline=None)
@given(
    lead=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    features=st.integers(1, 5),
    units=st.integers(1, 5),
    act=st.sampled_from(["linear", "relu", "tanh", "softmax", "sigmoid", "elu"]),
    use_bias=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_hypothesis_shapes_forward_backward(keras, lead, features, units, act, use_bias, seed):
    ours, theirs = _pair(
        keras, input_dim=features, units=units, activation=act, use_bias=use_bias, seed=seed
    )
    x = _data((*lead, features), seed=seed)
    out = ours(x)
    assert out.shape == (*lead, units)
    np.testing.assert_allclose(out, np.asarray(theirs(x)), rtol=1e-12, atol=1e-14)
    grad_out = _data(out.shape, seed=seed + 1)
    got = [ours.backward(grad_out), *ours.grads]
    for g, want in zip(got, _tape_grads(keras, theirs, x, grad_out)):
        assert g.shape == want.shape
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dense_backward_without_input_grad_gives_the_same_weight_gradients(dtype):
    """``input_grad=False`` (what a model's first layer gets in training) skips dz @ kernel.T
    and returns None; the weight gradients are exactly those of the full backward pass."""
    layer = Dense(4, activation="tanh", dtype=dtype, seed=3)
    x = _data((6, 5), seed=40).astype(dtype)
    grad_out = _data((6, 4), seed=41).astype(dtype)
    layer(x)
    dx = layer.backward(grad_out)
    full = [g.copy() for g in layer.grads]
    assert dx.shape == x.shape
    assert layer.backward(grad_out, input_grad=False) is None
    for a, b in zip(layer.grads, full):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.dtype(dtype)
    assert layer.backward_from_z(grad_out, input_grad=False) is None
    np.testing.assert_array_equal(layer.grads[0], layer._last_input.T @ grad_out)


def test_fit_trains_a_weight_that_a_dense_subclass_adds():
    """A Dense subclass with one more weight (and no regularizer for it) has every weight
    updated by fit: regularization_grads stays aligned with weights."""
    from companion import optimizers
    from companion.models import Sequential

    class ScaledDense(Dense):
        _weight_names = ("kernel", "bias", "scale")

        def build(self, input_shape):
            super().build(input_shape)
            self.scale = np.ones(self.units, dtype=self.dtype)

        def call(self, x, training=False):
            return super().call(x) * self.scale

        def backward(self, grad_output):
            dscale = (grad_output * self.last_z).reshape(-1, self.units).sum(axis=0)
            dx = self.backward_from_z(grad_output * self.scale)
            self.grads.append(dscale)
            return dx

    layer = ScaledDense(4, seed=0, kernel_regularizer=regularizers.L2(0.01))
    model = Sequential([layer, Dense(2, seed=1)])
    model.build((None, 3))
    assert len(layer.regularization_grads()) == 3 and layer.regularization_grads()[2] is None
    before = [w.copy() for w in layer.weights]
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    model.fit(_data((16, 3), seed=40), _data((16, 2), seed=41), batch_size=8)
    assert all(np.max(np.abs(w - b)) > 1e-6 for w, b in zip(layer.weights, before))
