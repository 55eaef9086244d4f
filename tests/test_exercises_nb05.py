"""The checks of notebook 05's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np
import pytest

from companion.exercises import nb05
from companion.exercises.core import CORRECT, NOT_YET


@pytest.fixture(autouse=True)
def _keras_loaded(keras):
    """q3 builds Keras models; load Keras once with the quiet test settings."""
    return keras


def _not_yet(q, answer, *fragments):
    status, message = q.evaluate(answer)
    assert status == NOT_YET, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- q1: standardize ----------------------------------------------------------------------------


def test_q1_matches_keras_normalization(keras):
    """The reference is what keras.layers.Normalization computes after adapt(x_train)."""
    (x_train, x_test) = nb05._standardize_cases()[1]
    layer = keras.layers.Normalization(axis=-1)
    layer.adapt(x_train)
    want_train, want_test = nb05._standardize_ref(x_train, x_test)
    # float32 layer: ~1e-6 relative round-off on values of size ~10.
    np.testing.assert_allclose(np.asarray(layer(x_train)), want_train, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(layer(x_test)), want_test, rtol=1e-4, atol=1e-4)


def test_q1_an_eps_added_to_std_is_accepted_too():
    def standardize(x_train, x_test):
        mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-7
        return (x_train - mean) / std, (x_test - mean) / std

    assert nb05.q1.evaluate(standardize)[0] == CORRECT


def test_q1_test_statistics():
    def standardize(x_train, x_test):
        def one(x):
            return (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-7)

        return one(x_train), one(x_test)

    _not_yet(nb05.q1, standardize, "training set's statistics")


def test_q1_global_statistics():
    def standardize(x_train, x_test):
        mean, std = x_train.mean(), x_train.std()
        return (x_train - mean) / std, (x_test - mean) / std

    _not_yet(nb05.q1, standardize, "each pixel")


def test_q1_no_guard_gives_nan():
    def standardize(x_train, x_test):
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        return (x_train - mean) / std, (x_test - mean) / std

    with np.errstate(invalid="ignore", divide="ignore"):
        _not_yet(nb05.q1, standardize, "NaN or inf", "np.maximum(std, 1e-7)")


def test_q1_sample_std():
    def standardize(x_train, x_test):
        mean, std = x_train.mean(axis=0), np.maximum(x_train.std(axis=0, ddof=1), 1e-7)
        return (x_train - mean) / std, (x_test - mean) / std

    _not_yet(nb05.q1, standardize, "ddof=1")


def test_q1_returns_one_array():
    def standardize(x_train, x_test):
        mean, std = x_train.mean(axis=0), np.maximum(x_train.std(axis=0), 1e-7)
        return np.concatenate([(x_train - mean) / std, (x_test - mean) / std])

    _not_yet(nb05.q1, standardize, "two arrays")


# --- q2: sparse categorical cross-entropy ------------------------------------------------------


def test_q2_reference_matches_keras(keras):
    for y, p in nb05._scce_cases():
        theirs = float(keras.losses.SparseCategoricalCrossentropy(dtype="float64")(y, p))
        # float64 on both sides. Keras (TF backend) takes log of the clipped probabilities and
        # renormalises them with a softmax, so a row where k entries were raised from 0 to
        # 1e-7 sums to 1 + k * 1e-7 and its loss grows by about k * 1e-7; the batch mean, by
        # at most that. Elsewhere the two agree to rounding.
        assert nb05._scce_ref(y, p) == pytest.approx(theirs, rel=1e-12, abs=2e-7)


def test_q2_sum_instead_of_mean():
    def scce(y_true, y_pred):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return np.sum(-np.log(p[np.arange(len(y_true)), y_true]))

    _not_yet(nb05.q2, scce, "sum over the batch")


def test_q2_per_sample_losses():
    def scce(y_true, y_pred):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.log(p[np.arange(len(y_true)), y_true])

    _not_yet(nb05.q2, scce, "one loss per sample")


def test_q2_missing_clip():
    def scce(y_true, y_pred):
        return np.mean(-np.log(y_pred[np.arange(len(y_true)), y_true]))

    with np.errstate(divide="ignore"):
        _not_yet(nb05.q2, scce, "np.clip")


def test_q2_all_classes():
    def scce(y_true, y_pred):
        return np.mean(-np.log(np.clip(y_pred, 1e-7, 1 - 1e-7)))

    _not_yet(nb05.q2, scce, "TRUE class")


def test_q2_wrong_sign():
    def scce(y_true, y_pred):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return np.mean(np.log(p[np.arange(len(y_true)), y_true]))

    _not_yet(nb05.q2, scce, "sign")


# --- q3: a model to a spec ------------------------------------------------------------------------


def _builder(
    keras,
    head="softmax",
    loss="sparse_categorical_crossentropy",
    compile_=True,
    layers=None,
    metrics=("accuracy",),
    learning_rate=0.001,
):
    def build_model():
        L = keras.layers
        model = keras.Sequential(
            [keras.Input(shape=(784,))]
            + (
                layers
                if layers is not None
                else [L.Dense(128, activation="relu"), L.Dropout(0.2), L.Dense(10, activation=head)]
            )
        )
        if compile_:
            model.compile(
                optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=list(metrics)
            )
        return model

    return build_model


def test_q3_loss_object_and_metric_object_are_accepted(keras):
    fn = _builder(
        keras,
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=(keras.metrics.SparseCategoricalAccuracy(),),
    )
    assert nb05.q3.evaluate(fn)[0] == CORRECT


def test_q3_categorical_loss(keras):
    _not_yet(nb05.q3, _builder(keras, loss="categorical_crossentropy"), "one-hot")


def test_q3_missing_softmax(keras):
    _not_yet(nb05.q3, _builder(keras, head=None), "activation='softmax'", "from_logits")


def test_q3_not_compiled(keras):
    _not_yet(nb05.q3, _builder(keras, compile_=False), "not compiled")


def test_q3_missing_dropout(keras):
    L = keras.layers
    layers = [L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")]
    _not_yet(nb05.q3, _builder(keras, layers=layers), "['Dense', 'Dense']")


def test_q3_wrong_units(keras):
    L = keras.layers
    layers = [L.Dense(256, activation="relu"), L.Dropout(0.2), L.Dense(10, activation="softmax")]
    _not_yet(nb05.q3, _builder(keras, layers=layers), "256 units")


def test_q3_no_accuracy(keras):
    _not_yet(nb05.q3, _builder(keras, metrics=()), "metrics=['accuracy']")


def test_q3_from_logits_with_softmax(keras):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    _not_yet(nb05.q3, _builder(keras, loss=loss), "from_logits=True")


def test_q3_no_input(keras):
    def build_model():
        L = keras.layers
        return keras.Sequential(
            [L.Dense(128, activation="relu"), L.Dropout(0.2), L.Dense(10, activation="softmax")]
        )

    _not_yet(nb05.q3, build_model, "no input yet", "keras.Input(shape=(784,))")


def test_q3_returns_something_else():
    _not_yet(nb05.q3, lambda: "model", "keras.Model")


# --- q4: most confused pair ----------------------------------------------------------------------


def test_q4_diagonal_included():
    def most_confused(counts):
        return np.unravel_index(np.argmax(counts), counts.shape)

    _not_yet(nb05.q4, most_confused, "diagonal")


def test_q4_swapped():
    def most_confused(counts):
        off = counts.copy()
        np.fill_diagonal(off, -1)
        i, j = np.unravel_index(np.argmax(off), off.shape)
        return j, i

    _not_yet(nb05.q4, most_confused, "swapped")


def test_q4_flat_index():
    def most_confused(counts):
        off = counts.copy()
        np.fill_diagonal(off, -1)
        return np.argmax(off)

    _not_yet(nb05.q4, most_confused, "flat index")


def test_q4_changes_the_input():
    def most_confused(counts):
        np.fill_diagonal(counts, -1)
        i, j = np.unravel_index(np.argmax(counts), counts.shape)
        return int(i), int(j)

    _not_yet(nb05.q4, most_confused, "changed the matrix")
