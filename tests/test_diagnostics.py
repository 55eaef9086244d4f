"""Tests for companion.diagnostics: activation and gradient statistics, companion vs Keras."""

import subprocess
import sys

import numpy as np
import pytest

from companion import diagnostics as diag
from companion import layers, losses, models, regularizers

NUMERIC_ACTIVATION_COLUMNS = ("mean", "std", "saturated_pct", "dead_pct")
NUMERIC_GRADIENT_COLUMNS = (
    "grad_norm",
    "grad_rms",
    "grad_mean",
    "grad_std",
    "weight_std",
    "grad_data_ratio",
)


def keras_mlp(keras, dtype="float64", functional=False, regularized=False, seed=0):
    """A Keras MLP touching every family the diagnostics treat differently.

    (elu, not leaky_relu: TensorFlow keeps leaky_relu's slope in float32, which would limit the
    float64 agreement to ~1e-8.)
    """
    keras.utils.set_random_seed(seed)
    # 2**-7: Keras casts the factor through float32, so a factor float32 holds exactly keeps
    # float64 agreement (0.01 would become 0.009999999776 in Keras only).
    reg = keras.regularizers.L2(2.0**-7) if regularized else None
    stack = [
        keras.layers.Dense(16, activation="tanh", dtype=dtype, kernel_regularizer=reg),
        keras.layers.Dense(16, activation="relu", dtype=dtype),
        keras.layers.Dropout(0.3, dtype=dtype),
        keras.layers.Dense(12, activation="sigmoid", dtype=dtype),
        keras.layers.Dense(12, dtype=dtype),
        keras.layers.Activation("elu", dtype=dtype),
        keras.layers.Dense(5, activation="softmax", dtype=dtype),
    ]
    inputs = keras.Input((20,), dtype=dtype)
    if not functional:
        return keras.Sequential([inputs, *stack])
    h = inputs
    for layer in stack:
        h = layer(h)
    return keras.Model(inputs, h)


def batch(n=64, dtype=np.float64, seed=1):
    rng = np.random.default_rng(seed)
    x = (2.0 * rng.standard_normal((n, 20))).astype(dtype)
    y = rng.integers(0, 5, size=n)
    return x, y


def assert_tables_close(ours, theirs, numeric, rtol, atol=0.0, skip=()):
    """Numeric columns to the tolerance, the other columns exactly, ``skip`` not at all."""
    assert len(ours) == len(theirs) > 0
    for a, b in zip(ours, theirs):
        assert a.keys() - {"counts", "edges"} == b.keys() - {"counts", "edges"}
        for key in a:
            if key in numeric:
                np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=atol, err_msg=key)
            elif key not in ("counts", "edges", *skip):
                np.testing.assert_equal(a[key], b[key], err_msg=key)  # NaN equals NaN here


# --------------------------------------------------------------------------------------------
# Companion vs Keras: the same numbers from a Keras model and its from_keras copy
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_activation_stats_keras_equals_companion_float64(keras, functional):
    kmodel = keras_mlp(keras, functional=functional)
    cmodel = models.from_keras(kmodel)
    x, _ = batch()
    theirs = diag.activation_stats(kmodel, x)
    ours = diag.activation_stats(cmodel, x)
    assert [r["layer"] for r in ours] == [
        layer.name for layer in kmodel.layers if hasattr(layer, "activation")
    ]
    assert [r["activation"] for r in ours] == [
        "tanh",
        "relu",
        "sigmoid",
        "linear",
        "elu",
        "softmax",
    ]
    # float64 all the way: only summation order differs (1e-15 relative per operation).
    assert_tables_close(ours, theirs, NUMERIC_ACTIVATION_COLUMNS, rtol=1e-9, atol=1e-12)
    # The statistics that apply are real numbers; the others are NaN in both.
    sat, dead = ours.column("saturated_pct"), ours.column("dead_pct")
    np.testing.assert_array_equal(np.isnan(sat), [False, True, False, True, True, True])
    np.testing.assert_array_equal(np.isnan(dead), [True, False, True, True, False, True])
    # The input is wide (std 2), so the first tanh layer is visibly saturated.
    assert sat[0] > 5


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
@pytest.mark.parametrize("regularized", [False, True], ids=["plain", "l2"])
def test_gradient_stats_keras_equals_companion_float64(keras, functional, regularized):
    kmodel = keras_mlp(keras, functional=functional, regularized=regularized)
    cmodel = models.from_keras(kmodel)
    x, y = batch()
    loss = "sparse_categorical_crossentropy"
    theirs = diag.gradient_stats(kmodel, x, y, loss, include_bias=True)
    ours = diag.gradient_stats(cmodel, x, y, loss, include_bias=True)
    assert [(r["layer"], r["weight"], r["shape"]) for r in ours] == [
        (r["layer"], r["weight"], r["shape"]) for r in theirs
    ]
    assert len(ours) == 10  # five Dense layers, kernel and bias each
    # Biases start at zero: the ratio is undefined there, in both.
    assert np.isnan(ours[1]["grad_data_ratio"]) and np.isnan(theirs[1]["grad_data_ratio"])
    assert_tables_close(ours, theirs, NUMERIC_GRADIENT_COLUMNS, rtol=1e-9, atol=1e-15)


def test_weight_gradients_keras_equals_companion_elementwise(keras):
    kmodel = keras_mlp(keras, regularized=True)
    cmodel = models.from_keras(kmodel)
    x, y = batch(seed=3)
    theirs = diag.weight_gradients(kmodel, x, y, "sparse_categorical_crossentropy")
    ours = diag.weight_gradients(cmodel, x, y, losses.SparseCategoricalCrossentropy())
    for (la, na, wa, ga), (lb, nb, wb, gb) in zip(ours, theirs):
        assert (la, na) == (lb, nb)
        assert ga.dtype == gb.dtype == np.float64
        np.testing.assert_array_equal(wa, wb)
        # float64 gradients through five layers: agreement to ~1e-14 relative to the largest.
        np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-12 * np.abs(gb).max())


def test_training_true_runs_dropout_as_fit_does():
    """A unit dropped in the training-mode forward pass sends no gradient to the next kernel."""
    model = models.Sequential(
        [
            layers.Dense(16, activation="relu", seed=0, dtype="float64"),
            layers.Dropout(0.5, seed=1),
            layers.Dense(3, activation="softmax", seed=2, dtype="float64"),
        ]
    )
    x = np.abs(np.random.default_rng(0).normal(size=(1, 4)))  # one sample: rows are per unit
    y = np.array([1])
    loss = "sparse_categorical_crossentropy"

    def zero_rows_of_last_kernel(grads):
        (g,) = [g for layer, name, _, g in grads if layer == model.layers[2].name and g.ndim == 2]
        return set(np.flatnonzero(np.all(g == 0, axis=1)))

    default = diag.weight_gradients(model, x, y, loss)
    inference = diag.weight_gradients(model, x, y, loss, training=False)
    for a, b in zip(default, inference, strict=True):
        np.testing.assert_array_equal(a[3], b[3])
    training = diag.weight_gradients(model, x, y, loss, training=True)
    # Dropout(0.5) of 16 units drops some (probability 2**-16 that it drops none).
    assert zero_rows_of_last_kernel(training) > zero_rows_of_last_kernel(inference)
    with pytest.raises(TypeError, match="training must be True or False"):
        diag.gradient_stats(model, x, y, loss, training="yes")


def test_training_true_uses_batch_statistics_in_keras_batchnorm(keras, tf):
    # TensorFlow-only: the independent check is a hand-written tf.GradientTape; on the other
    # backends tests/test_backend.py checks training=True through Dropout.
    keras.utils.set_random_seed(0)
    kmodel = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("sigmoid"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    x, y = batch(n=32, seed=4)
    x, y = x[:, :6].astype("float32"), y % 3
    loss = "sparse_categorical_crossentropy"
    kernels = [w for w in kmodel.trainable_weights if len(w.shape) == 2]
    with tf.GradientTape() as tape:
        value = keras.ops.mean(
            keras.losses.sparse_categorical_crossentropy(y, kmodel(x, training=True))
        )
    by_hand = [float(tf.norm(g)) for g in tape.gradient(value, kernels)]
    inference = diag.gradient_stats(kmodel, x, y, loss).column("grad_norm")
    training = diag.gradient_stats(kmodel, x, y, loss, training=True).column("grad_norm")
    # The same float32 computation as by hand, in the same order: equal to float32 rounding
    # (1e-6 relative is a few ulps of float32's 1.2e-7).
    np.testing.assert_allclose(training, by_hand, rtol=1e-6)
    # Inference uses the moving statistics instead (mean 0, variance 1 before training).
    assert not np.allclose(training, inference, rtol=1e-3)


def test_softmax_output_scored_from_logits_like_keras(keras):
    # Huge logits push the true class's probability below the 1e-7 clip: from clipped
    # probabilities its gradient would vanish, from the logits (Keras's way) it is ~ -1 / N.
    kmodel = keras.Sequential(
        [keras.Input((3,), dtype="float64"), keras.layers.Dense(4, "softmax", dtype="float64")]
    )
    kmodel.layers[0].set_weights([np.array([[60.0, 0, 0, 0]] * 3), np.zeros(4)])
    cmodel = models.from_keras(kmodel)
    x = np.ones((2, 3))
    y = np.array([1, 2])
    theirs = diag.weight_gradients(kmodel, x, y, "sparse_categorical_crossentropy")
    ours = diag.weight_gradients(cmodel, x, y, "sparse_categorical_crossentropy")
    for (_, _, _, ga), (_, _, _, gb) in zip(ours, theirs):
        np.testing.assert_allclose(ga, gb, rtol=1e-12, atol=1e-15)
    # d loss / d bias = mean over the batch of softmax(z) - onehot(y): class 0 gets ~1.
    np.testing.assert_allclose(ours[1][3], [1.0, -0.5, -0.5, 0.0], atol=1e-12)


def test_float32_keras_equals_companion(keras):
    kmodel = keras_mlp(keras, dtype="float32")
    cmodel = models.from_keras(kmodel)
    x, y = batch(dtype=np.float32)
    ours, theirs = diag.activation_stats(cmodel, x), diag.activation_stats(kmodel, x)
    # float32 outputs are O(1) after 5 layers of 12-20 term dot products: rounding differences
    # stay near 20 * 6e-8 per layer; 1e-5 absolute leaves an order of magnitude to spare.
    # No output of this batch lies within 1e-5 of a saturation threshold or of 0, so the
    # percentages agree exactly.
    assert_tables_close(ours, theirs, ("mean", "std"), rtol=0, atol=1e-5)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(
            [a["saturated_pct"], a["dead_pct"]], [b["saturated_pct"], b["dead_pct"]]
        )
    g_ours = diag.gradient_stats(cmodel, x, y, "sparse_categorical_crossentropy")
    g_theirs = diag.gradient_stats(kmodel, x, y, "sparse_categorical_crossentropy")
    # Gradients are sums over the batch of float32 products: relative error ~ 64 * 6e-8 = 4e-6
    # on the norm and std; the mean of a signed sum can cancel, so it gets an absolute bound
    # scaled by the std.
    assert_tables_close(
        g_ours,
        g_theirs,
        ("grad_norm", "grad_rms", "grad_std", "weight_std", "grad_data_ratio"),
        rtol=1e-4,
        skip=("grad_mean",),
    )
    for a, b in zip(g_ours, g_theirs):
        assert abs(a["grad_mean"] - b["grad_mean"]) <= 1e-4 * b["grad_std"]


def test_keras_functional_with_skip_connection(keras):
    # A branching graph the companion cannot copy: outputs are read off the graph.
    keras.utils.set_random_seed(4)
    inputs = keras.Input((6,), dtype="float64")
    h = keras.layers.Dense(6, activation="relu", dtype="float64", name="a")(inputs)
    h2 = keras.layers.Dense(6, activation="tanh", dtype="float64", name="b")(h)
    out = keras.layers.Dense(1, dtype="float64", name="c")(
        keras.layers.Add(dtype="float64")([h, h2])
    )
    kmodel = keras.Model(inputs, out)
    x = np.random.default_rng(0).standard_normal((32, 6))
    w = {name: kmodel.get_layer(name).get_weights() for name in "abc"}
    a = np.maximum(x @ w["a"][0] + w["a"][1], 0.0)
    b = np.tanh(a @ w["b"][0] + w["b"][1])
    c = (a + b) @ w["c"][0] + w["c"][1]
    got = diag.layer_outputs(kmodel, x)
    assert [(name, act) for name, act, _ in got] == [("a", "relu"), ("b", "tanh"), ("c", "linear")]
    for (_, _, arr), expected in zip(got, (a, b, c)):
        np.testing.assert_allclose(arr, expected, rtol=1e-12, atol=1e-14)
    y = np.zeros((32, 1))
    grads = diag.weight_gradients(kmodel, x, y, "mse")
    # d mse / d c_bias = mean(2 (c - y)).
    np.testing.assert_allclose(grads[-1][3], [np.mean(2 * (c - y))], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Hand-made cases
# --------------------------------------------------------------------------------------------


def identity_model(activation, dtype="float64"):
    """A companion model whose single Dense layer passes its input to the activation unchanged."""
    layer = layers.Dense(4, activation=activation, dtype=dtype, name="unit")
    layer.build(4)
    layer.set_weights([np.eye(4), np.zeros(4)])
    return models.Sequential([layer])


def stats_for(activation, z, **kwargs):
    return diag.activation_stats(identity_model(activation), np.asarray(z, float), **kwargs)[0]


def test_tanh_saturation_hand_made():
    # tanh(3) = 0.9951 and tanh(-3) are past 0.97; tanh(2) = 0.9640 is not.
    z = [[3.0, 0.1, -3.0, 2.0], [3.0, -0.2, 0.1, 0.5]]
    row = stats_for("tanh", z)
    assert row["saturated_pct"] == pytest.approx(100 * 3 / 8)
    assert np.isnan(row["dead_pct"])
    np.testing.assert_allclose(row["mean"], np.tanh(z).mean(), rtol=1e-14)
    np.testing.assert_allclose(row["std"], np.tanh(z).std(), rtol=1e-14)
    # A stricter threshold (0.99) leaves only tanh(+-3) = 0.9951 saturated; 0.999 none.
    assert stats_for("tanh", z, saturation_threshold=0.99)["saturated_pct"] == 37.5
    assert stats_for("tanh", z, saturation_threshold=0.996)["saturated_pct"] == 0.0
    assert stats_for("tanh", z, saturation_threshold=0.95)["saturated_pct"] == 50.0


def test_sigmoid_saturation_hand_made():
    # sigmoid(5) = 0.99331 -> |2a - 1| = 0.9866 > 0.97; sigmoid(4) = 0.98201 -> 0.9640 is not.
    z = [[5.0, 4.0, -5.0, 0.0]]
    assert stats_for("sigmoid", z)["saturated_pct"] == 50.0
    assert stats_for("hard_sigmoid", [[3.0, -3.0, 0.0, 2.5]])["saturated_pct"] == 50.0


def test_dead_units_hand_made():
    z = [[-1.0, 2.0, 0.0, -3.0], [-2.0, -1.0, 0.0, 4.0], [-0.5, -1.0, 0.0, -1.0]]
    # Unit 0 never positive, unit 2 always exactly 0 (relu(0) = 0 is inactive), 1 and 3 fire.
    row = stats_for("relu", z)
    assert row["dead_pct"] == 50.0
    assert np.isnan(row["saturated_pct"])
    assert stats_for("leaky_relu", z)["dead_pct"] == 50.0
    assert stats_for("elu", z)["dead_pct"] == 50.0
    # One sample where unit 0 fires is enough to make it alive.
    assert stats_for("relu", [*z, [0.1, -1.0, -1.0, -1.0]])["dead_pct"] == 25.0
    # Not a ReLU-family activation: dead units are not defined.
    assert np.isnan(stats_for("sigmoid", z)["dead_pct"])
    assert np.isnan(stats_for("linear", z)["dead_pct"])


def test_saturation_and_dead_helpers():
    assert diag.saturation_pct(np.array([0.98, 0.5]), "softsign") == 50.0
    assert np.isnan(diag.saturation_pct(np.array([0.98, 0.5]), "relu"))
    assert np.isnan(diag.saturation_pct(np.array([0.999, 0.001]), "softmax"))
    out = np.zeros((2, 3, 4))
    out[1, 2, 0] = 1.0  # N-D output: units are the last axis, all leading positions count
    assert diag.dead_pct(out, "relu") == 75.0


def test_gradient_stats_hand_made_mse():
    # One linear Dense layer and MSE: d loss / d W = x^T (2 (x W + b - y) / (N * units)).
    rng = np.random.default_rng(5)
    layer = layers.Dense(3, dtype="float64", name="lin")
    layer.build(4)
    kernel, bias = rng.standard_normal((4, 3)), rng.standard_normal(3)
    layer.set_weights([kernel, bias])
    model = models.Sequential([layer])
    x, y = rng.standard_normal((10, 4)), rng.standard_normal((10, 3))
    residual = 2.0 * (x @ kernel + bias - y) / y.size
    d_kernel, d_bias = x.T @ residual, residual.sum(axis=0)
    rows = diag.gradient_stats(model, x, y, "mse", include_bias=True)
    expected = [(d_kernel, kernel), (d_bias, bias)]
    for row, (g, w) in zip(rows, expected):
        assert row["layer"] == "lin" and row["shape"] == w.shape
        np.testing.assert_allclose(row["grad_norm"], np.linalg.norm(g), rtol=1e-12)
        np.testing.assert_allclose(row["grad_mean"], g.mean(), rtol=1e-12)
        np.testing.assert_allclose(row["grad_std"], g.std(), rtol=1e-12)
        np.testing.assert_allclose(row["weight_std"], w.std(), rtol=1e-12)
        np.testing.assert_allclose(row["grad_data_ratio"], g.std() / w.std(), rtol=1e-12)
    assert [r["weight"] for r in rows] == ["kernel", "bias"]
    assert [r["weight"] for r in diag.gradient_stats(model, x, y, "mse")] == ["kernel"]


def test_gradient_stats_includes_regularization():
    layer = layers.Dense(2, dtype="float64", kernel_regularizer=regularizers.L2(0.5), name="r")
    layer.build(3)
    kernel = np.arange(6.0).reshape(3, 2)
    layer.set_weights([kernel, np.zeros(2)])
    model = models.Sequential([layer])
    x = np.zeros((4, 3))  # no data gradient for the kernel: only the penalty's 2 * 0.5 * W
    (_, _, _, grad), _ = diag.weight_gradients(model, x, np.zeros((4, 2)), "mse")
    np.testing.assert_allclose(grad, kernel, rtol=1e-15)


def test_compiled_loss_is_the_default(keras):
    kmodel = keras_mlp(keras)
    cmodel = models.from_keras(kmodel)
    x, y = batch()
    kmodel.compile(loss="sparse_categorical_crossentropy")
    cmodel.compile(loss="sparse_categorical_crossentropy")
    for model in (kmodel, cmodel):
        default = diag.gradient_stats(model, x, y)
        explicit = diag.gradient_stats(model, x, y, "sparse_categorical_crossentropy")
        assert_tables_close(default, explicit, NUMERIC_GRADIENT_COLUMNS, rtol=1e-12)


def test_companion_loss_object_for_keras_model(keras):
    kmodel = keras_mlp(keras)
    x, y = batch()
    by_name = diag.gradient_stats(kmodel, x, y, "sparse_categorical_crossentropy")
    by_object = diag.gradient_stats(kmodel, x, y, losses.SparseCategoricalCrossentropy())
    # The companion loss becomes Keras's class with the model's dtype (float64), not float32.
    assert_tables_close(by_name, by_object, NUMERIC_GRADIENT_COLUMNS, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Histograms and the table
# --------------------------------------------------------------------------------------------


def test_activation_histograms(keras):
    kmodel = keras_mlp(keras)
    x, _ = batch()
    rows = diag.activation_histograms(kmodel, x, bins=20, density=False)
    stats = diag.activation_stats(kmodel, x)
    assert_tables_close(rows, stats, NUMERIC_ACTIVATION_COLUMNS, rtol=0)
    outputs = diag.layer_outputs(kmodel, x)
    for row, (_, _, out) in zip(rows, outputs):
        assert row["counts"].shape == (20,) and row["edges"].shape == (21,)
        assert row["counts"].sum() == out.size
        assert row["edges"][0] == out.min() and row["edges"][-1] == out.max()
    shared = diag.activation_histograms(kmodel, x, bins=10, value_range=(-1, 1))
    for row in shared:
        np.testing.assert_allclose(row["edges"], np.linspace(-1, 1, 11))
        # A density integrates to one over the range (only values inside it count).
        if row["counts"].any():
            assert np.sum(row["counts"] * np.diff(row["edges"])) == pytest.approx(1.0)
    # Histogram arrays are kept out of the printed table.
    assert "counts" not in rows.format()


def test_gradient_histograms():
    model = identity_model("tanh")
    x, y = np.ones((3, 4)), np.zeros((3, 4))
    rows = diag.gradient_histograms(model, x, y, "mse", bins=7, density=False, include_bias=True)
    grads = diag.weight_gradients(model, x, y, "mse")
    assert len(rows) == 2
    for row, (_, _, _, g) in zip(rows, grads):
        assert row["counts"].sum() == g.size and row["edges"].shape == (8,)


def test_network_histograms_equal_the_two_separate_passes():
    # One forward pass for both tables gives what the two functions give on their own.
    model = models.Sequential(
        [layers.Dense(16, "tanh", seed=0, name="h1"), layers.Dense(5, "softmax", seed=1)]
    )
    x, y = batch(32)[0], np.arange(32) % 5
    acts, grads = diag.network_histograms(model, x, y, "sparse_categorical_crossentropy", bins=9)
    acts_alone = diag.activation_histograms(model, x, bins=9)
    grads_alone = diag.gradient_histograms(model, x, y, "sparse_categorical_crossentropy", bins=9)
    for ours, alone in ((acts, acts_alone), (grads, grads_alone)):
        assert len(ours) == len(alone) == 2
        for a, b in zip(ours, alone):
            assert a.keys() == b.keys()
            for key in a:
                np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram_counts_as_numpy_does(dtype):
    rng = np.random.default_rng(3)
    for values in (rng.standard_normal(5000), rng.exponential(size=(40, 30)), np.arange(20.0)):
        values = values.astype(dtype)
        for density in (False, True):
            counts, edges = diag._histogram(values, 13, None, density)
            want_counts, want_edges = np.histogram(values.astype(np.float64), 13, density=density)
            np.testing.assert_array_equal(edges, want_edges)
            np.testing.assert_allclose(counts, want_counts, rtol=1e-12)
    # Non-finite values are left out; a constant array falls back to numpy's unit-wide range.
    counts, edges = diag._histogram(np.array([np.nan, 1.0, 2.0, np.inf, 3.0]), 2, None, False)
    np.testing.assert_array_equal(counts, [1, 2])
    np.testing.assert_array_equal(edges, [1.0, 2.0, 3.0])
    counts, edges = diag._histogram(np.full(4, 7.0), 2, None, False)
    np.testing.assert_array_equal(counts, [0, 4])
    np.testing.assert_array_equal(edges, [6.5, 7.0, 7.5])


def test_stats_table_format_and_column():
    table = diag.StatsTable(
        [
            {"layer": "a", "shape": (2, 3), "std": 0.123456, "dead_pct": float("nan")},
            {"layer": "b", "shape": (3, 1), "std": 2.0, "dead_pct": 25.0},
        ]
    )
    text = table.format()
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "shape", "std", "dead_pct"]
    assert lines[2].split() == ["a", "(2,", "3)", "0.1235", "-"]
    assert lines[3].split() == ["b", "(3,", "1)", "2", "25"]
    assert table.format(columns=["std"], floatfmt=".2f").splitlines()[2].strip() == "0.12"
    assert repr(table) == str(table) == text
    np.testing.assert_array_equal(table.column("std"), [0.123456, 2.0])
    assert table.column("std").dtype == np.float64
    assert table.column("layer").tolist() == ["a", "b"]
    assert table.column("shape").tolist() == [(2, 3), (3, 1)]
    assert table.columns == ["layer", "shape", "std", "dead_pct"]
    assert isinstance(table, list) and table[1]["layer"] == "b"
    with pytest.raises(ValueError, match="Unknown column 'mean'.*'layer'"):
        table.column("mean")
    with pytest.raises(ValueError, match="Unknown column"):
        table.format(columns=["layer", "nope"])
    assert diag.StatsTable().format() == "(empty table)"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("not_a_model", [np.ones((2, 3)), "model", None, layers.Dense(3)])
def test_rejects_non_models(not_a_model):
    with pytest.raises(TypeError, match="expects a companion.models.Sequential or a Keras model"):
        diag.activation_stats(not_a_model, np.ones((2, 3)))
    with pytest.raises(TypeError, match="but got"):
        diag.gradient_stats(not_a_model, np.ones((2, 3)), np.zeros(2), "mse")


def test_rejects_empty_model_and_bad_batches():
    with pytest.raises(ValueError, match="needs a model with layers"):
        diag.activation_stats(models.Sequential(), np.ones((2, 3)))
    model = identity_model("relu")
    with pytest.raises(ValueError, match="at least one sample"):
        diag.activation_stats(model, np.ones((0, 4)))
    with pytest.raises(TypeError, match="x passed to"):
        diag.activation_stats(model, "abc")
    with pytest.raises(ValueError, match="x has 3 samples but y has shape"):
        diag.gradient_stats(model, np.ones((3, 4)), np.zeros((2, 4)), "mse")
    with pytest.raises(ValueError, match="expects inputs whose last axis has 4 features"):
        diag.activation_stats(model, np.ones((3, 5)))


@pytest.mark.parametrize("threshold", [0.0, 1.0, 1.5, -0.2])
def test_rejects_bad_threshold(threshold):
    with pytest.raises(ValueError, match="saturation_threshold must be between 0 and 1"):
        diag.activation_stats(identity_model("tanh"), np.ones((2, 4)), threshold)
    with pytest.raises(TypeError, match="saturation_threshold must be a number"):
        diag.activation_stats(identity_model("tanh"), np.ones((2, 4)), "0.9")


def test_rejects_bad_bins():
    with pytest.raises(ValueError, match="bins must be a positive int, but got 0"):
        diag.activation_histograms(identity_model("tanh"), np.ones((2, 4)), bins=0)


def test_loss_errors(keras):
    model = identity_model("linear")
    x, y = np.ones((2, 4)), np.zeros((2, 4))
    with pytest.raises(ValueError, match="needs a loss.*compile"):
        diag.gradient_stats(model, x, y)
    with pytest.raises(ValueError, match="Unknown|unknown"):
        diag.gradient_stats(model, x, y, "not_a_loss")
    with pytest.raises(TypeError, match="Keras loss object for a companion model"):
        diag.gradient_stats(model, x, y, keras.losses.MeanSquaredError())
    with pytest.raises(ValueError, match="needs a loss"):
        diag.gradient_stats(keras_mlp(keras), *batch())


def test_companion_models_never_import_tensorflow():
    code = (
        "import sys, numpy as np\n"
        "from companion import diagnostics, layers, models\n"
        "m = models.Sequential([layers.Dense(3, 'relu', seed=0), layers.Dense(2, seed=1)])\n"
        "x = np.ones((4, 5))\n"
        "diagnostics.activation_histograms(m, x)\n"
        "diagnostics.gradient_stats(m, x, np.zeros((4, 2)), 'mse')\n"
        "bad = [name for name in ('tensorflow', 'keras') if name in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- per-weight measures and the update:data ratio --------------------------------------------


def test_grad_rms_is_the_norm_per_weight_and_ignores_shape():
    x, y = batch()
    model = models.Sequential(
        [
            layers.Dense(16, "tanh", seed=0, dtype="float64"),
            layers.Dense(5, "softmax", seed=1, dtype="float64"),
        ]
    )
    loss = "sparse_categorical_crossentropy"
    table = diag.gradient_stats(model, x, y, loss=loss)
    kernels = [g for _, name, _, g in diag.weight_gradients(model, x, y, loss) if name == "kernel"]
    for row, g in zip(table, kernels):
        assert row["grad_rms"] == pytest.approx(row["grad_norm"] / np.sqrt(g.size), rel=1e-12)
    # The same gradient per weight over 4x as many weights: twice the norm, the same RMS.
    small, big = np.full((8, 8), 0.5), np.full((16, 16), 0.5)
    rows = diag._gradient_rows([("a", "kernel", small, small), ("b", "kernel", big, big)], False)
    assert rows[1]["grad_norm"] == pytest.approx(2 * rows[0]["grad_norm"])
    assert rows[1]["grad_rms"] == pytest.approx(rows[0]["grad_rms"])


def _sgd_fit_with_recorder(model, x, y, opt, **kwargs):
    rec = diag.update_ratio_callback(model, **kwargs)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[rec])
    return rec


def _bn_net(keras):
    """The network of the update-ratio comparisons: tanh, a bias-free Dense into
    BatchNormalization, relu, softmax (seed 3)."""
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(16, activation="tanh"),
            keras.layers.Dense(12, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )


def test_update_ratio_companion_equals_keras_on_a_from_keras_copy(keras, keras_float64):
    from companion import optimizers

    with keras_float64():
        net = _bn_net(keras)
        twin = models.from_keras(net)
        x, y = batch(n=40)
        theirs = _sgd_fit_with_recorder(
            net, x, y, keras.optimizers.SGD(0.125, momentum=0.875), include_bias=True
        )
    ours = _sgd_fit_with_recorder(
        twin, x, y, optimizers.SGD(0.125, momentum=0.875), include_bias=True
    )
    assert ours.steps == theirs.steps == list(range(6))  # 2 epochs of 3 batches
    assert list(ours.ratios) == list(theirs.ratios) and len(ours.ratios) == 7
    for key in ours.ratios:
        # float64 training that agrees to ~1e-15: log10 ratios to 1e-9 absolute.
        np.testing.assert_allclose(ours.ratios[key], theirs.ratios[key], rtol=0, atol=1e-9)
    ours_t, theirs_t = ours.table(), theirs.table()
    assert [r["layer"] for r in ours_t] == [r["layer"] for r in theirs_t]
    np.testing.assert_allclose(
        ours_t.column("mean_log10"), theirs_t.column("mean_log10"), atol=1e-9
    )


def test_update_ratio_companion_near_keras_in_float32(keras):
    """The same comparison in float32, which Keras computes as float32 on every backend (the
    float64 one above is TensorFlow's: off it Keras's BatchNormalization computes in float32)."""
    from companion import optimizers

    net = _bn_net(keras)
    twin = models.from_keras(net)
    x, y = batch(n=40)
    x = x.astype("float32")
    theirs = _sgd_fit_with_recorder(
        net, x, y, keras.optimizers.SGD(0.125, momentum=0.875), include_bias=True
    )
    ours = _sgd_fit_with_recorder(
        twin, x, y, optimizers.SGD(0.125, momentum=0.875), include_bias=True
    )
    assert list(ours.ratios) == list(theirs.ratios) and len(ours.ratios) == 7
    gap = max(np.max(np.abs(np.subtract(ours.ratios[k], theirs.ratios[k]))) for k in ours.ratios)
    # Six float32 steps of log10(update / weight): float32 rounding of the weights (6e-8) in
    # an update ~25x smaller than them, measured up to 2.2e-7 (TensorFlow 1.8e-7, torch 2.2e-7,
    # JAX 6.0e-8). 1e-5 keeps a margin of over 40x; a wrong ratio is off by >= 1e-2.
    assert gap < 1e-5, gap


def test_update_ratio_of_plain_sgd_is_lr_times_grad_over_weights():
    from companion import optimizers

    x, y = batch(n=16)
    model = models.Sequential(
        [
            layers.Dense(8, "tanh", seed=0, dtype="float64"),
            layers.Dense(5, "softmax", seed=1, dtype="float64"),
        ]
    )
    model.build((None, 20))
    grads = diag.weight_gradients(model, x, y, "sparse_categorical_crossentropy", training=True)
    expected = [
        np.log10(0.1 * np.linalg.norm(g) / np.linalg.norm(w))
        for _, name, w, g in grads
        if name == "kernel"
    ]
    rec = diag.update_ratio_callback(model, include_bias=False)
    model.compile(optimizer=optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, callbacks=[rec])
    got = [values[0] for values in rec.ratios.values()]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_update_ratio_every_and_errors():
    x, y = batch(n=64)
    model = models.Sequential([layers.Dense(5, "softmax", seed=1)])
    rec = _sgd_fit_with_recorder(model, x, y, "sgd", every=3)
    assert rec.steps == [0, 3, 6]  # 8 steps in all
    with pytest.raises(ValueError, match="every"):
        diag.update_ratio_callback(model, every=0)
    with pytest.raises(TypeError, match="Sequential or a Keras model"):
        diag.update_ratio_callback("model")


def test_companion_diagnostics_run_blas_on_the_threads_predict_uses(blas_threads_now):
    """Forward and backward passes of the diagnostics run on one BLAS thread for the course's
    networks, as predict and fit do, so that they compute predict's numbers on any core count
    (two OpenBLAS threads sum some products in another order)."""
    before = blas_threads_now()
    seen = []

    class Spy(layers.Dense):
        def call(self, x, training=False):
            seen.append(("forward", blas_threads_now()))
            return super().call(x, training)

        def backward(self, grad_output, input_grad=True):
            seen.append(("backward", blas_threads_now()))
            return super().backward(grad_output, input_grad)

    model = models.Sequential([Spy(8, activation="tanh"), Spy(3, activation="softmax")])
    x = np.random.default_rng(0).standard_normal((16, 5))
    y = np.arange(16) % 3
    model.build(x.shape)
    diag.layer_outputs(model, x)
    diag.activation_stats(model, x)
    diag.gradient_stats(model, x, y, "sparse_categorical_crossentropy")
    diag.network_histograms(model, x, y, "sparse_categorical_crossentropy")
    assert {kind for kind, _ in seen} == {"forward", "backward"}
    assert all(threads == [1] * len(before) for _, threads in seen), seen
    assert blas_threads_now() == before  # restored afterwards
    # The last layer's output is predict's, bit for bit.
    last = diag.layer_outputs(model, x)[-1][2]
    np.testing.assert_array_equal(last, model.predict(x, batch_size=len(x)))
