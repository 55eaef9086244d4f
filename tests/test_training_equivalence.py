"""The core promise: from the same weights and batch order, companion training = Keras training.

Each test builds a small Keras model, copies it with ``from_keras``, trains both with
``shuffle=False`` on 50 samples in batches of 16 (so the last batch has 2 samples) for 3 epochs,
and compares the per-epoch history (training and validation) and the final weights.

Everything runs in float64 (``keras.config.set_floatx("float64")`` in a fixture that restores
the old value). With hyperparameters that float32 represents exactly (0.125, 0.875,
0.9990234375, L2 factor 2**-10), Keras's float32 handling of hyperparameters changes nothing
and the two agree to rounding: 1e-9 relative is the contract, ~1e-15 is what is observed.
"""

import numpy as np
import pytest

from companion import losses, optimizers
from companion.models import from_keras

B2 = 0.9990234375  # 1 - 2**-10
L2 = 0.0009765625  # 2**-10
N, N_VAL, FEATURES, CLASSES = 50, 20, 8, 3
EPOCHS, BATCH = 3, 16


@pytest.fixture
def keras64(keras, keras_float64):
    """Keras computing in float64 (layers, losses, metrics, the optimizer's learning rate):
    conftest's keras_float64, which sets and restores both floatx and the dtype policy."""
    with keras_float64():
        yield keras


def _data(head):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N + N_VAL, FEATURES))
    if head in ("binary",):
        y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float64)[:, None]
    elif head == "mse":
        y = np.stack([x[:, 0] - x[:, 1], np.sin(x[:, 2]), x[:, 3] * x[:, 4]], axis=1)
    else:
        y = rng.integers(0, CLASSES, size=N + N_VAL)
        if head == "categorical":
            y = np.eye(CLASSES)[y]
    return (x[:N], y[:N]), (x[N:], y[N:])


# head -> (output units, output activation, Keras loss, companion loss)
HEADS = {
    "sparse": (CLASSES, "softmax", "SparseCategoricalCrossentropy", {}),
    "categorical": (CLASSES, "softmax", "CategoricalCrossentropy", {}),
    "logits": (CLASSES, None, "SparseCategoricalCrossentropy", {"from_logits": True}),
    "binary": (1, "sigmoid", "BinaryCrossentropy", {}),
    "mse": (CLASSES, None, "MeanSquaredError", {}),
}


def _keras_model(keras, head, l2=None, seed=1):
    units, act, _, _ = HEADS[head]
    reg = keras.regularizers.L2(l2) if l2 else None
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((FEATURES,)),
            keras.layers.Dense(16, activation="relu", kernel_regularizer=reg),
            keras.layers.Dense(units, activation=act, kernel_regularizer=reg),
        ]
    )


def _train_both(keras, head, opt_name, opt_kwargs, l2=None):
    (x, y), (xv, yv) = _data(head)
    km = _keras_model(keras, head, l2)
    cm = from_keras(km)
    _, _, loss_name, loss_kwargs = HEADS[head]
    km.compile(
        optimizer=getattr(keras.optimizers, opt_name)(**opt_kwargs),
        loss=getattr(keras.losses, loss_name)(**loss_kwargs),
        metrics=["accuracy"] if head != "mse" else ["mae"],
    )
    cm.compile(
        optimizer=getattr(optimizers, opt_name)(**opt_kwargs),
        loss=getattr(losses, loss_name)(**loss_kwargs),
        metrics=["accuracy"] if head != "mse" else ["mae"],
    )
    fit = dict(epochs=EPOCHS, batch_size=BATCH, shuffle=False, validation_data=(xv, yv), verbose=0)
    hk = km.fit(x, y, **fit)
    hc = cm.fit(x, y, **fit)
    return km, cm, hk, hc


def _history_rel(hc, hk):
    """Max relative difference per history key."""
    out = {}
    for key, theirs in hk.history.items():
        ours = np.asarray(hc.history[key])
        theirs = np.asarray(theirs)
        out[key] = float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)))
    return out


def _weights_rel(cm, km):
    return max(
        float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
        for a, b in zip(cm.get_weights(), km.get_weights())
    )


EXACT_OPTIMIZERS = [
    ("SGD", dict(learning_rate=0.125)),
    ("SGD", dict(learning_rate=0.0625, momentum=0.875)),
    ("SGD", dict(learning_rate=0.0625, momentum=0.875, nesterov=True)),
    ("RMSprop", dict(learning_rate=0.0078125, rho=0.875)),
    ("RMSprop", dict(learning_rate=0.0078125, rho=0.875, momentum=0.5)),
    ("RMSprop", dict(learning_rate=0.0078125, rho=0.875, centered=True)),
    ("Adam", dict(learning_rate=0.015625, beta_1=0.875, beta_2=B2)),
    ("Adam", dict(learning_rate=0.015625, beta_1=0.875, beta_2=B2, amsgrad=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in EXACT_OPTIMIZERS]


@pytest.mark.parametrize("l2", [None, L2], ids=["no-reg", "l2"])
@pytest.mark.parametrize("opt_name,opt_kwargs", EXACT_OPTIMIZERS, ids=IDS)
def test_every_optimizer_sparse_softmax(keras64, opt_name, opt_kwargs, l2):
    km, cm, hk, hc = _train_both(keras64, "sparse", opt_name, opt_kwargs, l2)
    assert list(hc.history) == list(hk.history)  # same keys, same order
    assert list(hk.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert hc.epoch == hk.epoch == [0, 1, 2]
    rel = _history_rel(hc, hk)
    assert max(rel.values()) <= 1e-9, rel
    assert _weights_rel(cm, km) <= 1e-9
    # Training moved the weights (a test on a model that does not learn proves little).
    assert hk.history["loss"][-1] < hk.history["loss"][0]


@pytest.mark.parametrize("head", ["categorical", "logits", "binary", "mse"])
@pytest.mark.parametrize(
    "opt_name,opt_kwargs", [EXACT_OPTIMIZERS[2], EXACT_OPTIMIZERS[5], EXACT_OPTIMIZERS[7]]
)
def test_every_loss_head(keras64, head, opt_name, opt_kwargs):
    km, cm, hk, hc = _train_both(keras64, head, opt_name, opt_kwargs, L2)
    assert list(hc.history) == list(hk.history)
    rel = _history_rel(hc, hk)
    assert max(rel.values()) <= 1e-9, rel
    assert _weights_rel(cm, km) <= 1e-9


def test_regularization_is_in_the_reported_loss(keras64):
    """With a large L2 the penalty dominates the loss; both report the same total."""
    km, cm, hk, hc = _train_both(keras64, "sparse", "SGD", dict(learning_rate=0.125), l2=0.5)
    penalty = sum(cm.losses)
    assert penalty > 0.1  # large enough that leaving it out would fail the comparison below
    rel = _history_rel(hc, hk)
    assert max(rel.values()) <= 1e-9, rel


def test_softmax_output_scored_from_logits_like_keras(keras64):
    """Saturated softmax: Keras (TF backend) scores the loss from the logits, not from
    probabilities clipped at 1e-7; so must we, or the losses differ by orders of magnitude."""
    km = _keras_model(keras64, "sparse")
    w = km.get_weights()
    km.set_weights([w[0], w[1], 40 * w[2], w[3]])  # logits of size ~100
    cm = from_keras(km)
    (x, y), _ = _data("sparse")
    km.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    cm.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    theirs = km.evaluate(x, y, verbose=0)
    ours = cm.evaluate(x, y)
    clipped = losses.get("sparse_categorical_crossentropy")(y, cm.predict(x))
    assert theirs > 1.5 * clipped  # the clipped-probability value is far away...
    assert ours == pytest.approx(theirs, rel=1e-12)  # ...and we match Keras's


# Keras's defaults are not float32-representable. With floatx float64 the learning rate is
# float64, but SGD's momentum (0.9 -> 0.899999976) and Adam's bias-correction betas
# (0.999 -> 0.999000013) still go through float32. For Adam, sqrt(1 - beta_2**t) then changes
# by 0.5 * 1.3e-8 * t / (1 - 0.999**t) ~ 6.4e-6 relative at small t, and each step with it;
# SGD's momentum shifts by 2.4e-8 relative. So weights and losses agree to ~1e-5 (Adam) and
# ~1e-7 (SGD); RMSprop's rho is used as given, and it agrees to rounding.
DEFAULT_OPTIMIZERS = [
    ("SGD", dict(momentum=0.9), 1e-6),
    ("SGD", dict(momentum=0.9, nesterov=True), 1e-6),
    ("RMSprop", dict(), 1e-9),
    ("Adam", dict(), 1e-5),
]


@pytest.mark.parametrize(
    "opt_name,opt_kwargs,bound",
    DEFAULT_OPTIMIZERS,
    ids=[f"{n}-{k}" for n, k, _ in DEFAULT_OPTIMIZERS],
)
def test_keras_defaults_within_documented_bound(keras64, opt_name, opt_kwargs, bound):
    km, cm, hk, hc = _train_both(keras64, "sparse", opt_name, opt_kwargs, L2)
    rel = _history_rel(hc, hk)
    assert max(rel.values()) <= bound, rel
    assert _weights_rel(cm, km) <= bound


def test_float32_training_close_to_keras(keras):
    """Keras's default float32: each operation rounds at 6e-8 relative, in a different order
    on each side, and the differences grow through 12 optimizer steps. Float32-exact Adam
    hyperparameters keep the float32-cast effect (tested above) out, so only rounding is left:
    observed ~3e-7; the bound 1e-5 is well above that and far below any formula error (>= 1e-3)."""
    assert keras.config.floatx() == "float32"
    (x, y), (xv, yv) = _data("sparse")
    km = _keras_model(keras, "sparse", l2=L2)
    cm = from_keras(km)
    assert cm.layers[0].kernel.dtype == np.float32
    adam = dict(learning_rate=0.015625, beta_1=0.875, beta_2=B2)
    km.compile(optimizer=keras.optimizers.Adam(**adam), loss="sparse_categorical_crossentropy")
    cm.compile(optimizer=optimizers.Adam(**adam), loss="sparse_categorical_crossentropy")
    fit = dict(epochs=EPOCHS, batch_size=BATCH, shuffle=False, validation_data=(xv, yv), verbose=0)
    hk = km.fit(x.astype(np.float32), y, **fit)
    hc = cm.fit(x.astype(np.float32), y, **fit)
    rel = _history_rel(hc, hk)
    assert max(rel.values()) <= 1e-5, rel
    assert _weights_rel(cm, km) <= 1e-5
