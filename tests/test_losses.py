"""companion.losses against keras.losses (values) and tf.GradientTape (backward).

Keras's loss objects compute in float32 unless given ``dtype=``; the float64 comparisons
construct them with ``dtype="float64"`` (COURSE.md, "Keras facts").
"""

import inspect
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import backend
from companion import losses as cl
from companion.gradcheck import numerical_gradient

# Fewer Hypothesis examples on JAX and torch (make test-backends): every new shape is a new
# trace there (JAX compiles each); TensorFlow, the reference backend, runs the full search.
ON_TENSORFLOW = os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"

REGRESSION = ["mean_absolute_error", "mean_squared_error"]
# (registry name, constructor kwargs): every registered loss, with and without logits.
CONFIGS = [(name, {}) for name in REGRESSION] + [
    (name, {"from_logits": fl})
    for name in cl.names()
    if name not in REGRESSION
    for fl in (False, True)
]
SMOOTHED = [
    ("binary_crossentropy", {"from_logits": fl, "label_smoothing": 0.2}) for fl in (False, True)
] + [
    ("categorical_crossentropy", {"from_logits": fl, "label_smoothing": 0.1})
    for fl in (False, True)
]


def config_id(config):
    name, kwargs = config
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


# float64: the same formulas evaluated in a different order (TensorFlow's fused kernels,
# summation order): differences are a few ulp of the result, so 1e-12 relative is ample and
# still 1e6 times tighter than any formula error would be.
RTOL64 = 1e-12
# float32: both sides run the same float32 formula and differ only in rounding. Each
# elementary operation rounds within u = 2**-24 = 6e-8 relative, and a sum of k terms adds at
# most k * u relative to the sum of |terms|; here k <= 48 terms per loss and the terms are at
# most ~3 times the loss in total, so the two results differ by < 2 * 48 * 3 * u = 1.7e-5
# relative (observed: 2.3e-7). ATOL32 covers results near 0, where the rounding is relative
# to terms as large as -log(1e-7) = 16: 16 * u * a few.
RTOL32, ATOL32 = 2e-5, 2e-6


def keras_loss(keras, name, kwargs, dtype="float64", **extra):
    return getattr(keras.losses, cl.ALL[name].__name__)(**kwargs, dtype=dtype, **extra)


def keras_value_and_grad(kloss, y_true, y_pred):
    """A Keras loss and its gradient w.r.t. y_pred, from the Keras backend's own autodiff."""
    (grad,) = backend.grad(lambda p: kloss(y_true, p), y_pred)
    return float(keras_numpy(kloss(y_true, y_pred))), grad


def keras_numpy(value):
    import keras

    return keras.ops.convert_to_numpy(value)


def make_data(name, kwargs, rng, n=5, classes=4, extra_axis=None, dtype=np.float64):
    """(y_true, y_pred) suitable for the loss: labels, one-hot or soft targets; logits or
    probabilities kept away from the clip range so that the gradient is non-trivial."""
    logits = kwargs.get("from_logits", None)
    lead = (n,) if extra_axis is None else (n, extra_axis)
    shape = (*lead, classes)
    if name in REGRESSION:
        return rng.normal(size=shape), rng.normal(size=shape).astype(dtype)
    if logits:
        y_pred = 3 * rng.normal(size=shape)
    else:
        y_pred = rng.uniform(0.02, 0.98, size=shape)
        if name != "binary_crossentropy":
            y_pred /= y_pred.sum(axis=-1, keepdims=True)
    labels = rng.integers(0, classes, size=lead)
    if name == "sparse_categorical_crossentropy":
        y_true = labels
    elif name == "categorical_crossentropy":
        y_true = np.eye(classes)[labels]
    else:  # binary: hard and soft targets mixed
        y_true = rng.integers(0, 2, size=shape).astype(np.float64)
        y_true.reshape(-1)[::3] = rng.uniform(size=y_true.reshape(-1)[::3].size)
    return y_true, y_pred.astype(dtype)


shapes = st.tuples(
    st.integers(1, 6),  # batch
    st.integers(2, 5),  # classes / features
    st.one_of(st.none(), st.integers(1, 3)),  # an optional middle axis (N, T, C)
    st.integers(0, 2**32 - 1),  # data seed
)


# --- registry -------------------------------------------------------------------------------
def test_registry_names_are_keras_names(keras):
    for name, cls in cl.ALL.items():
        assert keras.losses.get(name) is getattr(keras.losses, name)  # Keras's function
        assert type(keras.losses.get(cls.__name__)).__name__ == cls.__name__
    for alias in ("mse", "MSE", "mae", "MAE", "bce", "BCE"):
        keras_fn = keras.losses.get(alias)
        assert type(cl.get(alias)) is cl.ALL[keras_fn.__name__]


@pytest.mark.parametrize("name", cl.names())
def test_constructor_arguments_and_defaults_match_keras(keras, name):
    ours = inspect.signature(cl.ALL[name]).parameters
    theirs = inspect.signature(getattr(keras.losses, cl.ALL[name].__name__)).parameters
    for pname, param in ours.items():
        assert pname in theirs, pname
        assert param.default == theirs[pname].default, pname
    assert list(ours) == [p for p in theirs if p in ours]  # same order


def test_get():
    assert isinstance(cl.get("mse"), cl.MeanSquaredError)
    assert isinstance(cl.get("mean_absolute_error"), cl.MeanAbsoluteError)
    assert isinstance(cl.get("SparseCategoricalCrossentropy"), cl.SparseCategoricalCrossentropy)
    assert cl.get("binary_crossentropy").from_logits is False
    loss = cl.CategoricalCrossentropy(from_logits=True)
    assert cl.get(loss) is loss
    assert isinstance(cl.get(cl.MeanSquaredError), cl.MeanSquaredError)
    assert cl.get(None) is None
    cfg = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    assert cl.get(cfg).from_logits is True
    for name in cl.names():
        clone = cl.get({"class_name": name, "config": cl.get(name).get_config()})
        assert clone.get_config() == cl.get(name).get_config()


def test_get_unknown_name_lists_names_and_suggests():
    with pytest.raises(ValueError) as info:
        cl.get("categorical_crossentropi")
    msg = str(info.value)
    assert "Did you mean 'categorical_crossentropy'?" in msg
    assert ", ".join(cl.names()) in msg
    with pytest.raises(TypeError, match="int"):
        cl.get(3)
    with pytest.raises(ValueError, match="class_name"):
        cl.get({"config": {}})


def test_get_wraps_a_plain_function():
    def cubic_error(y_true, y_pred):
        return np.mean((y_pred - y_true) ** 3, axis=-1)

    loss = cl.get(cubic_error)
    t, p = np.zeros((3, 2)), np.arange(6.0).reshape(3, 2) / 4
    assert loss(t, p) == pytest.approx(np.mean(p**3))
    expected = numerical_gradient(lambda q: float(np.mean(np.mean((q - t) ** 3, -1))), p)
    # Centred differences of a cube are off by h**2 = 1e-10 / (6 entries): atol 1e-10.
    np.testing.assert_allclose(loss.backward(t, p), 3 * p**2 / 6, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(loss.backward(t, p), expected, rtol=1e-8, atol=1e-10)


# --- values against Keras -------------------------------------------------------------------
@pytest.mark.parametrize("config", CONFIGS + SMOOTHED, ids=config_id)
@settings(max_examples=20 if ON_TENSORFLOW else 5, deadline=None)
@given(shape=shapes)
def test_value_and_backward_match_keras_float64(keras, config, shape):
    name, kwargs = config
    n, classes, extra, seed = shape
    y_true, y_pred = make_data(name, kwargs, np.random.default_rng(seed), n, classes, extra)
    loss = cl.ALL[name](**kwargs)
    value, grad = keras_value_and_grad(keras_loss(keras, name, kwargs), y_true, y_pred)

    assert isinstance(loss(y_true, y_pred), float)
    # A loss near 0 is a difference of terms as large as the largest logit (log-sum-exp minus
    # the true logit), so its rounding is relative to those terms, not to the result: each side
    # rounds within a few ulp (2.2e-16) of max|y_pred|, bounded by 1e-14 * max|y_pred| (45 ulp).
    atol = 1e-14 * max(1.0, float(np.max(np.abs(y_pred))))
    assert loss(y_true, y_pred) == pytest.approx(value, rel=RTOL64, abs=atol)
    ours = loss.backward(y_true, y_pred)
    assert ours.shape == y_pred.shape and ours.dtype == np.float64
    np.testing.assert_allclose(ours, grad, rtol=1e-9, atol=RTOL64 * np.max(np.abs(grad)))


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_per_sample_matches_keras_functions(keras, config):
    name, kwargs = config
    y_true, y_pred = make_data(name, kwargs, np.random.default_rng(0), n=7, extra_axis=2)
    ours = cl.ALL[name](**kwargs).per_sample(y_true, y_pred)
    theirs = np.asarray(getattr(keras.losses, name)(y_true, y_pred, **kwargs))
    assert ours.shape == theirs.shape == y_pred.shape[:-1]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL64)
    # The module-level function with Keras's name gives the same.
    np.testing.assert_array_equal(getattr(cl, name)(y_true, y_pred, **kwargs), ours)


@pytest.mark.parametrize("config", CONFIGS + SMOOTHED, ids=config_id)
def test_float32_matches_keras_default(keras, config):
    name, kwargs = config
    rng = np.random.default_rng(1)
    y_true, y_pred = make_data(name, kwargs, rng, n=8, classes=3, dtype=np.float32)
    loss = cl.ALL[name](**kwargs)
    # Keras's default dtype: float32 (floatx).
    value, grad = keras_value_and_grad(keras_loss(keras, name, kwargs, dtype=None), y_true, y_pred)
    ours = loss.backward(y_true, y_pred)
    assert ours.dtype == np.float32
    assert loss(y_true, y_pred) == pytest.approx(value, rel=RTOL32, abs=ATOL32)
    np.testing.assert_allclose(ours, grad, rtol=RTOL32, atol=RTOL32 * np.max(np.abs(grad)))
    # And float32 stays close to the float64 truth, by the same bound.
    exact = loss(y_true, y_pred.astype(np.float64))
    assert loss(y_true, y_pred) == pytest.approx(exact, rel=RTOL32, abs=ATOL32)


@pytest.mark.parametrize("reduction", ["sum", "sum_over_batch_size"])
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_reduction(keras, config, reduction):
    name, kwargs = config
    y_true, y_pred = make_data(name, kwargs, np.random.default_rng(2), n=6)
    loss = cl.ALL[name](**kwargs, reduction=reduction)
    value, grad = keras_value_and_grad(
        keras_loss(keras, name, kwargs, reduction=reduction), y_true, y_pred
    )
    assert loss(y_true, y_pred) == pytest.approx(value, rel=RTOL64)
    np.testing.assert_allclose(loss.backward(y_true, y_pred), grad, rtol=1e-9, atol=1e-15)


# --- backward against numerical gradients ---------------------------------------------------
@pytest.mark.parametrize("config", CONFIGS + SMOOTHED, ids=config_id)
def test_backward_matches_numerical_gradient(config):
    name, kwargs = config
    rng = np.random.default_rng(3)
    y_true, y_pred = make_data(name, kwargs, rng, n=4, classes=3, extra_axis=2)
    if name == "mean_absolute_error":
        y_pred = y_true + np.where(rng.uniform(size=y_true.shape) < 0.5, -1, 1) * rng.uniform(
            0.01, 1, size=y_true.shape
        )  # keep |y_pred - y_true| >= 0.01, away from the kink
    loss = cl.ALL[name](**kwargs)
    numerical = numerical_gradient(lambda p: loss(y_true, p), y_pred, h=1e-5)
    analytic = loss.backward(y_true, y_pred)
    # Relative error normalized by the largest gradient entry (an entrywise ratio means
    # nothing for entries near 0). With h = 1e-5: rounding eps * |loss| / h ~
    # 2e-16 * 20 / 1e-5 = 4e-10, and truncation h**2 * |f'''| / 6, largest for -log(p) at
    # p >= 0.02: 1e-10 * (2 / 0.02**3) / 6 = 4e-6 against gradients up to 1 / (0.02 * 8) = 6,
    # i.e. < 1e-6 relative. A formula error is O(1).
    err = np.max(np.abs(analytic - numerical)) / np.max(np.abs(analytic) + np.abs(numerical))
    assert err <= 1e-6


def test_categorical_logits_gradient_for_targets_not_summing_to_one(keras):
    # For soft targets that do not sum to 1 the true gradient is softmax * sum(y) - y;
    # TensorFlow's fused kernel returns softmax - y (correct only when sum(y) = 1).
    rng = np.random.default_rng(4)
    y_true, y_pred = rng.uniform(size=(3, 4)), rng.normal(size=(3, 4))
    loss = cl.CategoricalCrossentropy(from_logits=True)
    numerical = numerical_gradient(lambda p: loss(y_true, p), y_pred)
    np.testing.assert_allclose(loss.backward(y_true, y_pred), numerical, rtol=1e-6, atol=1e-10)
    value, tf_grad = keras_value_and_grad(
        keras_loss(keras, "categorical_crossentropy", {"from_logits": True}), y_true, y_pred
    )
    assert loss(y_true, y_pred) == pytest.approx(value, rel=RTOL64)  # the values agree
    softmax = np.exp(y_pred) / np.exp(y_pred).sum(-1, keepdims=True)
    np.testing.assert_allclose(tf_grad, (softmax - y_true) / 3, rtol=1e-12)


# --- extremes -------------------------------------------------------------------------------
EXTREME_PROBS = {
    "binary_crossentropy": (
        np.array([[1.0, 0.0, 1.0, 0.0, 0.3], [1.0, 0.0, 1.0, 0.0, 0.7]]),
        np.array([[1.0, 0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1e-7, 1 - 1e-7, 1.0]]),
    ),
    "categorical_crossentropy": (
        np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]),
    ),
    "sparse_categorical_crossentropy": (
        np.array([0, 1, 2]),
        np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]),
    ),
}
EXTREME_LOGITS = {
    "binary_crossentropy": (
        np.array([[1.0, 0.0, 1.0, 0.0, 0.5, 0.5]]),
        np.array([[1000.0, -1000.0, -1000.0, 1000.0, 1000.0, 0.0]]),
    ),
    "categorical_crossentropy": (
        np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0], [1000.0, 1000.0, -1000.0]]),
    ),
    "sparse_categorical_crossentropy": (
        np.array([0, 1, 2]),
        np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0], [1000.0, 1000.0, -1000.0]]),
    ),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("name", sorted(EXTREME_PROBS))
def test_extremes_are_finite_and_match_keras(keras, name, from_logits, dtype):
    y_true, y_pred = (EXTREME_LOGITS if from_logits else EXTREME_PROBS)[name]
    y_pred = y_pred.astype(dtype)
    loss = cl.ALL[name](from_logits=from_logits)
    kloss = keras_loss(keras, name, {"from_logits": from_logits}, dtype=dtype)
    value, grad = keras_value_and_grad(kloss, y_true, y_pred)
    ours, ours_grad = loss(y_true, y_pred), loss.backward(y_true, y_pred)
    assert math.isfinite(ours) and np.all(np.isfinite(ours_grad))
    rtol = RTOL64 if dtype == "float64" else RTOL32
    assert ours == pytest.approx(value, rel=rtol)
    # Clipped probabilities get zero gradient, exactly as TensorFlow's clip.
    np.testing.assert_allclose(ours_grad, grad, rtol=rtol, atol=1e-300)
    if not from_logits:  # a certain wrong answer costs -log(1e-7) = 16.1, not infinity
        assert np.max(loss.per_sample(y_true, y_pred)) <= -math.log(1e-7) * 1.0001


def test_binary_logits_gradient_has_no_cancellation():
    # sigmoid(30) - 1 computed naively is 1 - 1 = 0 in float64; the true value is -9.4e-14.
    grad = cl.BinaryCrossentropy(from_logits=True).backward([[1.0]], [[30.0]])
    assert grad[0, 0] == pytest.approx(-1 / (1 + math.exp(30.0)), rel=1e-12)


# --- shapes and bad input -------------------------------------------------------------------
@pytest.mark.parametrize(
    "config", [c for c in CONFIGS if c[0] in REGRESSION + ["binary_crossentropy"]], ids=config_id
)
def test_column_targets_do_not_broadcast(keras, config):
    # (N,) against (N, 1) would broadcast to (N, N) in NumPy; Keras matches ranks instead.
    name, kwargs = config
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 2, size=6).astype(np.float64)
    y_pred = (
        rng.uniform(0.1, 0.9, size=(6, 1))
        if not kwargs.get("from_logits")
        else rng.normal(size=(6, 1))
    )
    loss = cl.ALL[name](**kwargs)
    kloss = keras_loss(keras, name, kwargs)
    assert loss(y_true, y_pred) == pytest.approx(float(kloss(y_true, y_pred)), rel=RTOL64)
    assert loss(y_pred[:, 0], y_true[:, None]) == pytest.approx(
        float(kloss(y_pred[:, 0], y_true[:, None])), rel=RTOL64
    )
    assert loss.backward(y_true, y_pred).shape == (6, 1)
    assert loss.per_sample(y_true, y_pred).shape == (6,)


def test_one_dimensional_inputs_are_one_sample_like_keras(keras):
    y_true, y_pred = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])
    loss = cl.MeanSquaredError()
    assert loss(y_true, y_pred) == float(
        keras.losses.MeanSquaredError(dtype="float64")(y_true, y_pred)
    )
    assert loss.per_sample(y_true, y_pred).shape == ()
    np.testing.assert_allclose(loss.backward(y_true, y_pred), [0.0, 0.0, 2 / 3])


@pytest.mark.parametrize("name", [n for n in cl.names() if n != "sparse_categorical_crossentropy"])
def test_shape_mismatch_names_both_shapes(name):
    loss = cl.get(name)
    with pytest.raises(ValueError, match=r"y_true of shape \(4, 3\) and y_pred of shape \(4, 2\)"):
        loss(np.zeros((4, 3)), np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match=r"\(5,\).*\(4, 2\)"):
        loss.backward(np.zeros(5), np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match="empty batch"):
        loss(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="scalar"):
        loss(1.0, 0.5)
    with pytest.raises(TypeError, match="y_pred"):
        loss([1.0], "0.5")


def test_sparse_label_shapes_and_values(keras):
    rng = np.random.default_rng(6)
    y_pred = rng.uniform(0.1, 1, size=(5, 4))
    y_pred /= y_pred.sum(axis=-1, keepdims=True)  # probabilities: rows sum to 1
    labels = np.array([0, 3, 1, 2, 3])
    loss = cl.SparseCategoricalCrossentropy()
    base = loss(labels, y_pred)
    assert loss(labels[:, None], y_pred) == base  # (N, 1) as Keras
    assert loss(labels.astype(np.float32), y_pred) == base  # integral floats are fine
    kloss = keras.losses.SparseCategoricalCrossentropy(dtype="float64")
    assert base == pytest.approx(float(kloss(labels[:, None], y_pred)), rel=RTOL64)
    np.testing.assert_array_equal(
        loss.backward(labels[:, None], y_pred), loss.backward(labels, y_pred)
    )


@pytest.mark.parametrize(
    "labels, pattern",
    [
        ([0, 1, 4], r"labels in \[0, 4\) \(4 classes.*contains 4\.$"),
        ([0, -1, 2], r"\[0, 4\) \(4 classes.*contains -1\.$"),
        (
            [0.0, 1.5, 2.0],
            r"integer class labels in \[0, 4\) \(4 classes.*contains 1\.5\. ",
        ),
        ([0.0, np.nan, 2.0], r"4 classes.*nan"),
        ([0, 1], r"y_true of shape \(3,\) \(or \(3, 1\)\).*\(3, 4\).*got y_true of shape \(2,\)"),
        ([[0, 1, 2]], r"got y_true of shape \(1, 3\)"),
    ],
)
def test_sparse_bad_labels_name_the_number_of_classes(labels, pattern):
    with pytest.raises(ValueError, match=pattern):
        cl.SparseCategoricalCrossentropy()(labels, np.full((3, 4), 0.25))


def test_sparse_other_bad_input():
    with pytest.raises(ValueError, match="axis=-1.*axis=0"):
        cl.SparseCategoricalCrossentropy(axis=0)([0], [[0.5, 0.5]])
    with pytest.raises(TypeError, match="integer class labels"):
        cl.SparseCategoricalCrossentropy()(["a"], [[0.5, 0.5]])


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="`reduction`.*'average'"):
        cl.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="`label_smoothing`.*1.5"):
        cl.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="`axis`.*True"):
        cl.CategoricalCrossentropy(axis=True)
    with pytest.raises(ValueError, match="floating.*'int32'"):
        cl.MeanSquaredError(dtype="int32")
    with pytest.raises(ValueError, match=r"axis=2 is out of range.*\(3, 2\)"):
        cl.CategoricalCrossentropy(axis=2)(np.eye(3)[:, :2], np.full((3, 2), 0.5))


def test_single_class_categorical_warns():
    with pytest.warns(UserWarning, match="one class only"):
        cl.CategoricalCrossentropy()([[1.0], [1.0]], [[0.3], [0.9]])


# --- dtypes and axes ------------------------------------------------------------------------
def test_dtypes():
    t, p = np.array([[0.0, 1.0]]), np.array([[0.2, 0.8]])
    loss = cl.CategoricalCrossentropy()
    assert loss.backward(t, p.astype(np.float32)).dtype == np.float32
    assert loss.backward(t.astype(np.float32), p).dtype == np.float64  # y_pred decides
    assert cl.MeanSquaredError().backward([[1, 2]], [[0, 0]]).dtype == np.float64  # ints
    as64 = cl.CategoricalCrossentropy(dtype="float64")
    assert as64.backward(t, p.astype(np.float32)).dtype == np.float64
    assert loss.get_config()["dtype"] is None and as64.get_config()["dtype"] == "float64"


def test_categorical_axis_matches_keras(keras):
    rng = np.random.default_rng(7)
    y_true = np.moveaxis(np.eye(4)[rng.integers(0, 4, size=(3, 2))], -1, 1)  # classes on axis 1
    for from_logits in (False, True):
        y_pred = (
            rng.uniform(0.05, 1, size=y_true.shape)
            if not from_logits
            else rng.normal(size=y_true.shape)
        )
        if not from_logits:  # probabilities: they sum to 1 along the class axis
            y_pred /= y_pred.sum(axis=1, keepdims=True)
        ours = cl.CategoricalCrossentropy(from_logits=from_logits, axis=1)
        theirs = keras.losses.CategoricalCrossentropy(
            from_logits=from_logits, axis=1, dtype="float64"
        )
        assert ours(y_true, y_pred) == pytest.approx(float(theirs(y_true, y_pred)), rel=RTOL64)
        numerical = numerical_gradient(lambda p, o=ours: o(y_true, p), y_pred, h=1e-6)
        np.testing.assert_allclose(ours.backward(y_true, y_pred), numerical, rtol=1e-6, atol=1e-9)


def test_repr():
    assert repr(cl.get("mse")) == "MeanSquaredError(reduction='sum_over_batch_size')"
    assert "from_logits=True" in repr(cl.BinaryCrossentropy(from_logits=True))
