"""companion.models.Sequential and companion.callbacks against Keras's models and callbacks."""

import re

import numpy as np
import pytest

from companion import backend, callbacks, losses, models, optimizers, regularizers
from companion.layers import Activation, Dense, Dropout, Flatten
from companion.models import Sequential, from_keras


@pytest.fixture
def keras64(keras, keras_float64):
    """Keras in float64 throughout (conftest's keras_float64)."""
    with keras_float64():
        yield keras


def _xy(n=40, features=12, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)), rng.integers(0, classes, size=n)


def _keras_mlp(keras, dtype=None, seed=1, reg=None):
    keras.utils.set_random_seed(seed)
    kw = {} if dtype is None else {"dtype": dtype}
    return keras.Sequential(
        [
            keras.Input((4, 3), **kw),
            keras.layers.Flatten(**kw),
            keras.layers.Dense(16, activation="relu", kernel_regularizer=reg, **kw),
            keras.layers.Dropout(0.5, **kw),
            keras.layers.Dense(8, activation="tanh", use_bias=False, **kw),
            keras.layers.Dense(3, **kw),
            keras.layers.Activation("softmax", **kw),
        ],
        name="mlp",
    )


# --- predict and structure ------------------------------------------------------------------------


def test_predict_equals_keras_float64(keras64):
    # keras64: Keras's predict casts NumPy inputs to floatx, whatever the layers' dtype.
    km = _keras_mlp(keras64)
    cm = from_keras(km)
    x = np.random.default_rng(2).normal(size=(70, 4, 3))  # 70: batches of 32, 32 and 6
    ours = cm.predict(x)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, km.predict(x, verbose=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cm(x), ours, rtol=1e-15)  # __call__ = predict in one batch


def test_predict_equals_keras_float32(keras):
    """float32 on both sides: dot products of 12 and 16 terms summed in different orders
    and softmax evaluated differently, each a few float32 ulps (6e-8); through three layers
    that stays below 1e-5 relative, with 1e-7 absolute for probabilities near 0."""
    km = _keras_mlp(keras)
    cm = from_keras(km)
    x = np.random.default_rng(3).normal(size=(20, 4, 3)).astype(np.float32)
    ours = cm.predict(x)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, km.predict(x, verbose=0), rtol=1e-5, atol=1e-7)


def test_from_keras_copies_configuration_and_weights(keras):
    km = _keras_mlp(keras, dtype="float64", reg=keras.regularizers.L1L2(l1=0.25, l2=0.125))
    cm = from_keras(km)
    assert cm.name == "mlp"
    assert [layer.name for layer in cm.layers] == [layer.name for layer in km.layers]
    assert [type(layer) for layer in cm.layers] == [
        Flatten,
        Dense,
        Dropout,
        Dense,
        Dense,
        Activation,
    ]
    flat, d1, drop, d2, d3, act = cm.layers
    assert d1.activation.__name__ == "relu" and d2.activation.__name__ == "tanh"
    assert d3.activation.__name__ == "linear" and act.activation.__name__ == "softmax"
    assert d2.use_bias is False and drop.rate == 0.5
    assert d1.kernel.dtype == np.float64
    assert d1.kernel_regularizer.l1 == 0.25 and d1.kernel_regularizer.l2 == 0.125
    assert d2.kernel_regularizer is None
    # Copies: changing the Keras model afterwards leaves ours alone.
    before = cm.get_weights()
    km.set_weights([np.zeros_like(w) for w in km.get_weights()])
    for a, b in zip(cm.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_from_keras_functional_chain(keras):
    inp = keras.Input((5,))
    h = keras.layers.Dense(4, activation="elu", name="h")(inp)
    out = keras.layers.Dense(2, activation="sigmoid", name="out")(h)
    km = keras.Model(inp, out, name="chain")
    cm = from_keras(km)
    assert [layer.name for layer in cm.layers] == ["h", "out"]
    x = np.random.default_rng(4).normal(size=(6, 5)).astype(np.float32)
    # float32: 5- and 4-term sums, elu and sigmoid, each a few ulps: 1e-5 relative bound.
    np.testing.assert_allclose(cm.predict(x), km.predict(x, verbose=0), rtol=1e-5, atol=1e-7)


def test_from_keras_activation_layers_keep_their_parameters(keras):
    """Keras's activation layers with non-default parameters that float32 represents exactly
    (TensorFlow applies them as float32 constants even to float64 tensors): predictions and
    input gradients equal Keras's in float64 (sums of 5 and 6 terms: 1e-12 relative is a
    wide bound)."""
    km = keras.Sequential(
        [
            keras.Input((5,), dtype="float64"),
            keras.layers.Dense(6, dtype="float64", name="d1"),
            keras.layers.ReLU(max_value=1.5, negative_slope=0.125, threshold=0.25, dtype="float64"),
            keras.layers.Dense(6, dtype="float64", name="d2"),
            keras.layers.LeakyReLU(negative_slope=0.375, dtype="float64"),
            keras.layers.Dense(6, dtype="float64", name="d3"),
            keras.layers.ELU(alpha=0.5, dtype="float64"),
            keras.layers.Dense(3, dtype="float64", name="d4"),
            keras.layers.Softmax(dtype="float64"),
        ]
    )
    cm = from_keras(km)
    assert [type(layer).__name__ for layer in cm.layers[1::2]] == ["Activation"] * 4
    x = np.random.default_rng(7).normal(size=(16, 5)) * 2
    np.testing.assert_allclose(cm.predict(x), np.asarray(km(x)), rtol=1e-12, atol=1e-15)
    g = np.random.default_rng(8).normal(size=(16, 3))
    _, theirs = backend.vjp(km, x, g)
    cm(x, training=False)
    np.testing.assert_allclose(cm.backward(g), theirs, rtol=1e-10, atol=1e-14)
    # LeakyReLU's own default slope (0.3) is kept, not the leaky_relu function's 0.2.
    leaky = from_keras(keras.Sequential([keras.Input((2,)), keras.layers.LeakyReLU()]))
    np.testing.assert_allclose(leaky.predict(np.array([[-1.0, 2.0]])), [[-0.3, 2.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="Softmax layer over the last axis only.*axis=1"):
        from_keras(keras.Sequential([keras.Input((2, 3)), keras.layers.Softmax(axis=1)]))


def test_from_keras_errors(keras):
    conv = keras.Sequential([keras.Input((8, 1)), keras.layers.Conv1D(2, 3, name="my_conv")])
    with pytest.raises(ValueError) as info:
        from_keras(conv)
    message = str(info.value)
    assert "'my_conv'" in message and "Conv1D" in message
    assert "Dense, Dropout, Activation, ReLU, LeakyReLU, ELU, Softmax" in message

    unbuilt = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"not built.*keras.Input\(shape\).*call it on a batch"):
        from_keras(unbuilt)

    inp = keras.Input((4,))
    a = keras.layers.Dense(4, name="a")(inp)
    b = keras.layers.Dense(4, name="b")(a)
    skip = keras.layers.Add(name="skip")([a, b])
    with pytest.raises(ValueError, match="single-chain"):
        from_keras(keras.Model(inp, skip))

    ortho = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(
                2, name="o", kernel_regularizer=keras.regularizers.OrthogonalRegularizer()
            ),
        ]
    )
    with pytest.raises(ValueError, match="'o' uses the regularizer OrthogonalRegularizer.*L1, L2"):
        from_keras(ortho)
    with pytest.raises(TypeError, match="from_keras expects a keras.Model, but got Sequential"):
        from_keras(Sequential())


def test_summary_text_equals_keras(keras):
    km = _keras_mlp(keras)
    theirs, ours = [], []
    km.summary(print_fn=lambda text, line_break=None: theirs.append(text))
    assert from_keras(km).summary(print_fn=ours.append) is None
    assert ours == theirs
    assert "Layer (type)" in ours[0] and "Output Shape" in ours[0] and "Param #" in ours[0]
    # Keras numbers names per session (dense, dense_1, ...), so match the pattern.
    assert re.search(r"│ dense(_\d+)? \(Dense\) +│ \(None, 16\) +│ +208 │", ours[0])


def test_summary_counts_and_unbuilt(keras, capsys):
    model = Sequential([Dense(16, activation="relu", name="d1"), Dense(3, name="d2")], name="m")
    model.summary()
    text = capsys.readouterr().out
    assert 'Model: "m"' in text and "?" in text and "0 (unbuilt)" in text
    model.build((None, 8))
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 16)" in text and "144" in text and "51" in text
    assert " Total params: 195 (780.00 B)" in text  # float32: 4 bytes each, as Keras
    km = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dense(3)])
    assert model.count_params() == km.count_params() == 195
    with pytest.raises(ValueError, match="count_params on model 'late', but it isn't built"):
        Sequential([Dense(2)], name="late").count_params()


def test_get_set_weights_flat_keras_order(keras):
    km = _keras_mlp(keras, dtype="float64")
    cm = from_keras(km)
    assert [w.shape for w in cm.get_weights()] == [w.shape for w in km.get_weights()]
    other = _keras_mlp(keras, dtype="float64", seed=5)
    cm.set_weights(other.get_weights())
    x = np.random.default_rng(6).normal(size=(5, 4, 3))
    # Calling a float64 Keras model directly keeps float64 (predict would cast to floatx).
    np.testing.assert_allclose(cm.predict(x), np.asarray(other(x)), rtol=1e-12)
    with pytest.raises(ValueError, match=r"expects 5 weight arrays.*but got 4"):
        cm.set_weights(other.get_weights()[:4])
    with pytest.raises(ValueError, match="not built yet"):
        Sequential([Dense(2)]).set_weights([])


def test_backward_matches_gradient_tape(keras):
    km = _keras_mlp(keras, dtype="float64")
    cm = from_keras(km)
    x = np.random.default_rng(7).normal(size=(5, 4, 3))
    g = np.random.default_rng(8).normal(size=(5, 3))
    out = cm(x)
    dx = cm.backward(g)
    gt = keras.ops.convert_to_tensor(g)
    _, weights, dx_keras = backend.keras_gradients(
        km, x, lambda out: keras.ops.sum(keras.ops.multiply(out, gt)), wrt_input=True
    )
    want = [dx_keras, *weights]
    kout = keras.ops.convert_to_numpy(km(x, training=False))
    np.testing.assert_allclose(out, kout, rtol=1e-12)
    np.testing.assert_allclose(dx, want[0], rtol=1e-10, atol=1e-15)
    ours = [g for layer in cm.layers for g in (layer.grads or [])]
    assert len(ours) == len(want) - 1
    for a, b in zip(ours, want[1:]):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-15)


def test_add_and_layers():
    model = Sequential(name="m2")
    model.add(Dense(3, name="a"))
    assert [layer.name for layer in model.layers] == ["a"]
    model.layers.append("not a layer")  # a copy: the model is unchanged
    assert len(model.layers) == 1
    with pytest.raises(TypeError, match="expects a companion.layers.Layer, but got str"):
        model.add("dense")
    with pytest.raises(ValueError, match="unique names.*'a' is already in model 'm2'"):
        model.add(Dense(2, name="a"))
    model.build((None, 5))
    model.add(Dense(2, name="b"))  # built on the current output, (None, 3)
    assert model.layers[-1].kernel.shape == (3, 2)


def test_add_keras_layer_hint(keras):
    with pytest.raises(TypeError, match="looks like a Keras layer.*from_keras"):
        Sequential().add(keras.layers.Dense(2))


# --- compile / fit / evaluate ---------------------------------------------------------------------


def _model(seed=0, dtype="float64"):
    return Sequential(
        [
            Dense(8, activation="relu", seed=seed, dtype=dtype),
            Dense(3, activation="softmax", seed=seed + 1, dtype=dtype),
        ]
    )


def test_evaluate_matches_keras(keras64):
    x, y = _xy()
    km = keras64.Sequential(
        [
            keras64.Input((12,)),
            keras64.layers.Dense(
                8, activation="relu", kernel_regularizer=keras64.regularizers.L2(0.5)
            ),
            keras64.layers.Dense(3, activation="softmax"),
        ]
    )
    cm = from_keras(km)
    for metrics in (None, ["accuracy"]):
        km.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=metrics)
        cm.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=metrics)
        theirs = km.evaluate(x, y, batch_size=16, verbose=0)
        ours = cm.evaluate(x, y, batch_size=16)
        if metrics is None:
            assert isinstance(ours, float)
            assert ours == pytest.approx(theirs, rel=1e-12)
        else:
            assert len(ours) == len(theirs) == 2
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    # The penalty is part of the evaluated loss, as in Keras.
    data_only = losses.get("sparse_categorical_crossentropy")(y, cm.predict(x))
    assert ours[0] == pytest.approx(data_only + sum(cm.losses), rel=1e-12)


@pytest.mark.parametrize(
    "loss,y_kind,expected",
    [
        ("sparse_categorical_crossentropy", "sparse", "sparse"),
        ("categorical_crossentropy", "onehot", "categorical"),
        ("binary_crossentropy", "binary", "binary"),
    ],
)
def test_accuracy_resolves_like_keras(keras64, loss, y_kind, expected):
    x, labels = _xy(n=30, seed=9)
    units = 1 if y_kind == "binary" else 3
    act = "sigmoid" if y_kind == "binary" else "softmax"
    y = {
        "sparse": labels,
        "onehot": np.eye(3)[labels],
        "binary": (labels == 0).astype(np.float64)[:, None],
    }[y_kind]
    km = keras64.Sequential([keras64.Input((12,)), keras64.layers.Dense(units, activation=act)])
    cm = from_keras(km)
    km.compile(optimizer="sgd", loss=loss, metrics=["acc"])
    cm.compile(optimizer="sgd", loss=loss, metrics=["acc"])
    theirs = km.evaluate(x, y, verbose=0)
    ours = cm.evaluate(x, y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    fn = cm._metric_fns["acc"]
    assert (
        fn
        is {
            "sparse": models._matches_sparse,
            "categorical": models._matches_categorical,
            "binary": models._matches_binary,
        }[expected]
    )


def test_fit_history_keys_params_and_shapes(keras64):
    x, y = _xy(n=50)
    km = keras64.Sequential([keras64.Input((12,)), keras64.layers.Dense(3, activation="softmax")])
    cm = from_keras(km)
    for model in (km, cm):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    fit = dict(epochs=2, batch_size=16, verbose=0)
    hk, hc = km.fit(x, y, **fit), cm.fit(x, y, **fit)
    assert list(hc.history) == list(hk.history) == ["accuracy", "loss"]
    assert hc.params == hk.params == {"verbose": 0, "epochs": 2, "steps": 4}
    assert hc.epoch == [0, 1] and all(len(v) == 2 for v in hc.history.values())
    assert cm.history is hc
    hc = cm.fit(x, y, validation_data=(x[:10], y[:10]), **fit)
    assert list(hc.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_fit_shuffle_seed_reproducible():
    x, y = _xy(n=60)

    def run(seed):
        model = _model()
        model.compile(optimizer=optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
        return model.fit(x, y, epochs=3, batch_size=8, seed=seed).history["loss"]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_train_step_returns_batch_logs():
    x, y = _xy(n=16)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.evaluate(x, y, batch_size=16)
    weights = model.get_weights()
    logs = model.train_step(x, y)
    assert set(logs) == {"loss", "accuracy"}
    assert logs["loss"] == pytest.approx(before[0], rel=1e-14)  # loss before the update
    assert logs["accuracy"] == pytest.approx(before[1], rel=1e-14)
    assert any(not np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))


def test_fit_verbose_output(capsys):
    x, y = _xy(n=20)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    model.fit(x, y, epochs=2, verbose=2, validation_data=(x, y))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2 - accuracy: ")
    assert "val_loss: " in lines[1]
    model.fit(x, y, epochs=2, verbose=1)
    captured = capsys.readouterr()
    assert "Epoch 1/2" in captured.out + captured.err  # a tqdm bar (stderr) or a line


def test_callback_hooks_in_keras_order():
    calls = []

    class Recorder(callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(f"epoch_begin {epoch}")

        def on_batch_end(self, batch, logs=None):
            calls.append(f"batch_end {batch} {sorted(logs)}")

        def on_epoch_end(self, epoch, logs=None):
            calls.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            calls.append("train_end")

    x, y = _xy(n=10)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    recorder = Recorder()
    model.fit(x, y, epochs=2, batch_size=6, callbacks=[recorder])
    assert recorder.model is model and recorder.params["steps"] == 2
    assert calls == [
        "train_begin",
        "epoch_begin 0",
        "batch_end 0 ['loss']",
        "batch_end 1 ['loss']",
        "epoch_end 0 ['loss']",
        "epoch_begin 1",
        "batch_end 0 ['loss']",
        "batch_end 1 ['loss']",
        "epoch_end 1 ['loss']",
        "train_end",
    ]


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda m, x, y: m.fit(x, y[:-1]), ValueError, "x has 12 and y has 11"),
        (lambda m, x, y: m.evaluate(x[:5], y), ValueError, "x has 5 and y has 12"),
        (lambda m, x, y: m.fit(x, y, epochs=0), ValueError, "epochs must be a positive integer"),
        (lambda m, x, y: m.fit(x, y, batch_size=2.5), ValueError, "batch_size must be a positive"),
        (
            lambda m, x, y: m.fit(x, y, validation_data=x),
            ValueError,
            "validation_data must be a tuple",
        ),
        (
            lambda m, x, y: m.fit(x, y, validation_data=(x, y[:3])),
            ValueError,
            "x_val has 12 and y_val has 3",
        ),
        (lambda m, x, y: m.fit(x, y, callbacks=[print]), TypeError, "Callback instances"),
        (lambda m, x, y: m.fit(x[:0], y[:0]), ValueError, "x is empty"),
        (lambda m, x, y: m.fit(x, ["a"] * 12), TypeError, "y must be an array of numbers"),
        (lambda m, x, y: m.predict(np.float64(1.0)), ValueError, "batch of inputs"),
        (lambda m, x, y: m.set_weights(None), TypeError, "expects a list of arrays"),
        (
            lambda m, x, y: m.set_weights(np.ones(3)),
            TypeError,
            r"single array of shape \(3,\): wrap it in a list",
        ),
    ],
)
def test_input_validation(call, error, message):
    x, y = _xy(n=12)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(error, match=message):
        call(model, x, y)


def test_batch_size_none_means_32_as_in_keras():
    x, y = _xy(n=70)  # 3 batches of 32, 32, 6
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.build(x.shape)
    start = model.get_weights()
    model.fit(x, y, batch_size=None, shuffle=False, verbose=0)
    with_none = model.get_weights()
    model.set_weights(start)
    model.fit(x, y, batch_size=32, shuffle=False, verbose=0)
    for a, b in zip(with_none, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert model.evaluate(x, y, batch_size=None) == model.evaluate(x, y)


def test_sequential_wants_a_list_of_layers():
    with pytest.raises(TypeError, match=r"single Dense: put it in a list, Sequential\(\[layer\]\)"):
        Sequential(Dense(1))
    with pytest.raises(TypeError, match="a list of layers, but got str"):
        Sequential("dense")


def test_compile_errors():
    x, y = _xy(n=4)
    model = _model()
    with pytest.raises(RuntimeError, match="must call compile"):
        model.fit(x, y)
    with pytest.raises(ValueError, match="compile needs a loss"):
        model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="Unknown metric 'f1'.*accuracy"):
        model.compile(optimizer="sgd", loss="mse", metrics=["f1"])
    with pytest.raises(ValueError, match="Unknown optimizer"):
        model.compile(optimizer="adagrad", loss="mse")


# --- EarlyStopping --------------------------------------------------------------------------------


class _ScriptedModel:
    """Stands in for a model: weights are just the epoch number, so restores are visible."""

    def __init__(self):
        self.stop_training = False
        self.current = None

    def get_weights(self):
        return [np.array(self.current)]

    def set_weights(self, weights):
        self.current = int(weights[0])


def _drive(callback, values, monitor="val_loss"):
    """Feed a contrived history to an EarlyStopping; return (stop epoch, restored weights)."""
    model = _ScriptedModel()
    callback.set_model(model)
    callback.on_train_begin()
    stopped = None
    for epoch, value in enumerate(values):
        model.current = epoch
        callback.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    return stopped, model.current


HISTORIES = [
    [1.0, 0.8, 0.85, 0.9, 0.7, 0.95, 0.96, 0.97],
    [1.0, 1.1, 1.2, 1.3],
    [1.0, 0.9, 0.8, 0.7, 0.6],
    [0.5, 0.5, 0.5, 0.5, 0.5],
    [1.0, 0.95, 0.94, 0.9, 0.89, 0.88, 0.5],
]
SETTINGS = [
    dict(patience=0),
    dict(patience=2),
    dict(patience=2, restore_best_weights=True),
    dict(patience=1, min_delta=0.05),
    dict(patience=1, min_delta=0.05, restore_best_weights=True),
    dict(patience=1, baseline=0.75),
    dict(patience=1, start_from_epoch=2, restore_best_weights=True),
]


@pytest.mark.parametrize("values", HISTORIES)
@pytest.mark.parametrize("kwargs", SETTINGS)
def test_early_stopping_matches_keras(keras, values, kwargs):
    ours = _drive(callbacks.EarlyStopping(**kwargs), values)
    theirs = _drive(keras.callbacks.EarlyStopping(**kwargs), values)
    assert ours == theirs


@pytest.mark.parametrize("values", [[0.5, 0.6, 0.55, 0.58, 0.7], [0.9, 0.8, 0.7]])
@pytest.mark.parametrize("kwargs", [dict(patience=1), dict(patience=1, restore_best_weights=True)])
def test_early_stopping_maximizes_accuracy_like_keras(keras, values, kwargs):
    # Keras's "auto" reads the direction from the model's metric objects, which this scripted
    # model does not have, so Keras gets mode="max" spelled out; ours infers it from the name.
    theirs = _drive(
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", **kwargs),
        values,
        "val_accuracy",
    )
    for mode in ("auto", "max"):
        ours = _drive(
            callbacks.EarlyStopping(monitor="val_accuracy", mode=mode, **kwargs),
            values,
            "val_accuracy",
        )
        assert ours == theirs


def test_early_stopping_contrived_expectations():
    """The same rules, spelled out: patience 2 on val_loss 1.0, 0.8, 0.85, 0.9 stops at epoch 3
    and restores the weights of epoch 1 (the best)."""
    stop = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    assert _drive(stop, [1.0, 0.8, 0.85, 0.9, 0.1]) == (3, 1)
    assert stop.best == 0.8 and stop.best_epoch == 1 and stop.stopped_epoch == 3


def test_early_stopping_in_fit_stops_and_restores():
    x, y = _xy(n=24)
    model = _model()
    model.compile(optimizer=optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    seen = []

    class Keep(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.model.get_weights())

    # The loss falls every epoch, so in "max" mode epoch 0 stays the best: stop at epoch 1.
    stop = callbacks.EarlyStopping(monitor="loss", mode="max", restore_best_weights=True)
    history = model.fit(x, y, epochs=10, batch_size=8, callbacks=[Keep(), stop])
    assert len(history.history["loss"]) == 2 and model.stop_training
    for a, b in zip(model.get_weights(), seen[0]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_errors_and_missing_monitor():
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', but got 'maximum'"):
        callbacks.EarlyStopping(mode="maximum")
    with pytest.raises(ValueError, match="patience must be a non-negative integer"):
        callbacks.EarlyStopping(patience=-1)
    stop = callbacks.EarlyStopping(monitor="val_f1")
    stop.set_model(_ScriptedModel())
    with pytest.raises(ValueError, match="cannot tell whether monitor='val_f1'.*mode='max'"):
        stop.on_epoch_end(0, {"val_f1": 0.3})
    stop = callbacks.EarlyStopping(monitor="val_loss")
    stop.set_model(_ScriptedModel())
    with pytest.warns(UserWarning, match="`val_loss` which is not available.*loss"):
        stop.on_epoch_end(0, {"loss": 0.3})


def test_regularizers_from_strings_train():
    """A Dense with kernel_regularizer="l2" (Keras's 0.01) adds its penalty to the loss."""
    x, y = _xy(n=8)
    model = Sequential([Dense(3, kernel_regularizer="l2", seed=0, dtype="float64")])
    model.compile(optimizer="sgd", loss=losses.MeanSquaredError())
    yy = np.eye(3)[y]
    model.build((None, 12))
    penalty = 0.01 * np.sum(model.layers[0].kernel ** 2)
    assert model.evaluate(x, yy) == pytest.approx(
        losses.MeanSquaredError()(yy, model.predict(x)) + penalty, rel=1e-12
    )
    assert isinstance(model.layers[0].kernel_regularizer, regularizers.L2)


def test_from_keras_custom_activation(keras):
    from companion import activations

    def cube(x):  # a custom Keras activation the companion cannot know by name
        return x * x * x

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=cube, name="c")])
    with pytest.raises(ValueError) as info:
        from_keras(model)
    message = str(info.value)
    assert "'c'" in message and "'cube'" in message and "custom_activations=" in message
    with pytest.raises(TypeError, match="dict"):
        from_keras(model, custom_activations=[cube])

    act = activations.custom(lambda x: x**3, derivative=lambda x: 3 * x**2, name="cube")
    copy = from_keras(model, custom_activations={"cube": act})
    x = np.linspace(-1, 1, 12).reshape(4, 3).astype(np.float32)
    # float32 on both sides, the same three roundings per product: 1e-6 relative is ample.
    np.testing.assert_allclose(copy.predict(x), model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


# --- the training loop's plumbing: input gradient, dtypes, BLAS threads ---------------------------
class _RecordingDense(Dense):
    """A Dense that records the ``input_grad`` each backward call received."""

    def backward(self, grad_output, input_grad=True):
        self.asked.append(input_grad)
        return super().backward(grad_output, input_grad)


class _LearnersDense(Dense):
    """A learner's subclass with the plain ``backward(grad_output)`` (as notebook 09's)."""

    def backward(self, grad_output):
        return super().backward(grad_output)


def test_fit_skips_only_the_first_layers_input_gradient():
    x, y = _xy(n=20)
    first, second = _RecordingDense(8, activation="relu", seed=0), _RecordingDense(6, seed=1)
    first.asked, second.asked = [], []
    model = Sequential([first, second, Dense(3, activation="softmax", seed=2)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=10)
    assert first.asked == [False, False] and second.asked == [True, True]
    model.train_step(x[:4], y[:4])
    assert first.asked[-1] is False
    # Model.backward is the full pass: it returns the gradient for the input.
    model(x[:4], training=True)
    assert model.backward(np.ones((4, 3))).shape == (4, 12)


def test_fit_trains_a_learners_layer_that_knows_no_input_grad():
    x, y = _xy(n=20)
    plain = Sequential([Dense(8, activation="relu", seed=0), Dense(3, "softmax", seed=1)])
    learner = Sequential([_LearnersDense(8, "relu", seed=0), Dense(3, "softmax", seed=1)])
    histories = []
    for model in (plain, learner):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        histories.append(model.fit(x, y, epochs=2, batch_size=8, seed=0).history["loss"])
    assert histories[0] == histories[1]  # the skipped product changes no weight gradient
    for a, b in zip(plain.get_weights(), learner.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam"])
def test_float32_training_stays_float32_and_float64_stays_float64(optimizer):
    x, y = _xy(n=24)
    for dtype in ("float32", "float64"):
        model = _model(dtype=dtype)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit(x.astype(np.float32), y, epochs=1, batch_size=8)  # float32 data either way
        for layer in model.layers:
            assert all(w.dtype == np.dtype(dtype) for w in layer.weights)
            assert all(g.dtype == np.dtype(dtype) for g in layer.grads)
            for w in layer.weights:
                slots = model.optimizer.get_slots(w).values()
                assert all(s.dtype == np.dtype(dtype) for s in slots)


def test_fit_evaluate_and_predict_run_blas_on_one_thread_for_small_products(
    monkeypatch, blas_threads_now
):
    before = blas_threads_now()
    seen = []

    class Spy(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(blas_threads_now())

    x, y = _xy(n=16)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, callbacks=[Spy()])
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert blas_threads_now() == before  # restored after fit
    # Above the threshold fit leaves BLAS's threads as they were.
    monkeypatch.setattr(models, "ONE_BLAS_THREAD_BELOW", 0)
    seen.clear()
    model.fit(x, y, epochs=1, batch_size=8, callbacks=[Spy()])
    assert seen and all(threads == before for threads in seen)
    monkeypatch.undo()
    # train_step, evaluate and predict use the same rule; they too restore the thread count.
    limits, real = [], models.blas_threads
    monkeypatch.setattr(models, "blas_threads", lambda limit: limits.append(limit) or real(limit))
    model.train_step(x, y)
    model.evaluate(x, y)
    model.predict(x)
    assert limits == [1, 1, 1]
    assert blas_threads_now() == before


def test_fit_stops_the_backward_pass_at_the_first_layer_with_weights():
    """Layers before the first weighted one have nothing to learn: fit does not run their
    backward, and the training is exactly that of the same model on pre-flattened data."""
    x, y = _xy(n=24)
    images = x.reshape(24, 3, 4)

    class Spy(Flatten):
        def backward(self, grad_output):
            raise AssertionError("fit ran the backward pass of a layer without weights")

    dense = _RecordingDense(8, activation="relu", seed=0)
    dense.asked = []
    flat = Sequential([Spy(), dense, Dense(3, activation="softmax", seed=1)])
    plain = Sequential([Dense(8, activation="relu", seed=0), Dense(3, "softmax", seed=1)])
    histories = []
    for model, data in ((flat, images), (plain, x)):
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        histories.append(model.fit(data, y, epochs=2, batch_size=8, seed=0).history["loss"])
    assert histories[0] == histories[1]
    assert set(dense.asked) == {False}


@pytest.mark.parametrize("name", ["binary_accuracy", "mae", "mse"])
def test_elementwise_metrics_name_labels_that_do_not_fit_the_predictions(name):
    metric = models._METRICS[name]
    with pytest.raises(ValueError, match=rf"Metric '{name}'.*\(4, 2\).*shape \(4, 3\)"):
        metric(np.zeros((4, 3)), np.zeros((4, 2)))


def test_binary_accuracy_broadcasts_labels_as_keras(keras):
    """Labels of another, compatible shape are compared element-wise with broadcasting, as
    keras.metrics.binary_accuracy does (here 3 label columns against 1 prediction column)."""
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 2, (16, 3)).astype(np.float32)
    y_pred = rng.random((16, 1)).astype(np.float32)
    ours = models._per_sample(models._METRICS["binary_accuracy"](y_true, y_pred))
    theirs = np.asarray(keras.metrics.binary_accuracy(y_true, y_pred))
    # Per sample, as the Mean metric reduces it (some Keras versions average the last axis
    # inside binary_accuracy already).
    theirs = theirs.reshape(16, -1).mean(axis=-1)
    assert 0 < ours.mean() < 1  # some labels match their prediction, some do not
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)  # thirds: float32 rounding
