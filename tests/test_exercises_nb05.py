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


# --- q5: the update:data ratio investigation -------------------------------------------------


def _q5_answers(**changes):
    """The reference (prediction, layer1_update_ratio, verdict), with some of them replaced."""
    prediction, function, verdict = nb05.q5.reference_answers()
    answers = {"prediction": prediction, "function": function, "verdict": verdict}
    answers.update(changes)
    return answers["prediction"], answers["function"], answers["verdict"]


def _q5_not_yet(*fragments, **changes):
    status, message = nb05.q5.evaluate(*_q5_answers(**changes))
    assert status == NOT_YET, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _measure(learning_rate_of=lambda lr: lr, optimizer="adam", epochs=1, seed=0, pick=None):
    """A layer1_update_ratio with one thing changed from the task's recipe."""
    from companion import diagnostics, optimizers

    def layer1_update_ratio(net, x, y, learning_rate):
        lr = learning_rate_of(learning_rate)
        opt = optimizers.Adam(lr) if optimizer == "adam" else optimizers.SGD(lr)
        net.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
        rec = diagnostics.update_ratio_callback(net)
        net.fit(x, y, epochs=epochs, batch_size=256, seed=seed, callbacks=[rec])
        return (pick or (lambda r: r.table()[0]["mean_log10"]))(rec)

    return layer1_update_ratio


def test_q5_reference_verdicts_have_a_margin_of_half_a_decade():
    """The verdicts follow from the measurement with room to spare on any CPU (float32
    rounding moves these means by ~1e-6)."""
    for rate in nb05.RATES:
        value = nb05._ratio_ref(rate).table()[0]["mean_log10"]
        assert min(abs(value - (-4.0)), abs(value - (-2.0))) > 0.5, (rate, value)
    verdicts = [nb05._verdict_ref(nb05._ratio_ref(r).table()[0]["mean_log10"]) for r in nb05.RATES]
    assert verdicts == ["too small", "about right", "too large"]


def test_q5_data_are_the_notebooks_first_training_images():
    from companion import data

    (x_raw, y), _ = data.load_fashion_mnist()
    x, labels = nb05._ratio_data()
    assert x.shape == (2048, 784) and x.dtype == np.float32
    np.testing.assert_array_equal(labels, y[:2048])
    # The notebook's x_train: flat, divided by 255, float32 (both ways of rounding agree).
    np.testing.assert_allclose(x, (x_raw[:2048].reshape(2048, -1) / 255.0), rtol=1e-7)


def test_q5_another_shuffle_seed_is_accepted():
    status, message = nb05.q5.evaluate(*_q5_answers(function=_measure(seed=1)))
    assert status == CORRECT, message


def test_q5_any_numeric_prediction_is_accepted_and_reported():
    status, message = nb05.q5.evaluate(*_q5_answers(prediction={1e-6: -9, 1e-4: -3, 1e-1: 2.5}))
    assert status == CORRECT, message
    assert "predicted -9.00" in message and "measured -4.7" in message, message


def test_q5_prediction_of_the_ratio_itself():
    _q5_not_yet("log10", prediction={1e-6: 1e-5, 1e-4: 1e-3, 1e-1: 0.5})


def test_q5_prediction_missing_a_rate_or_not_a_dict():
    _q5_not_yet("no entry for learning rate 1e-06", prediction={1e-4: -3, 1e-1: -1})
    _q5_not_yet("dict", prediction=[-5, -3, -1])
    _q5_not_yet("one number", prediction={1e-6: "low", 1e-4: -3, 1e-1: -1})


def test_q5_ratio_without_log():
    _q5_not_yet("ratio itself", function=_measure(pick=lambda r: 10 ** r.table()[0]["mean_log10"]))


def test_q5_natural_log():
    _q5_not_yet(
        "natural log", function=_measure(pick=lambda r: r.table()[0]["mean_log10"] * np.log(10))
    )


def test_q5_last_step_only():
    _q5_not_yet("last step", function=_measure(pick=lambda r: r.table()[0]["last_log10"]))


def test_q5_first_step_only():
    first = lambda r: float(next(iter(r.ratios.values()))[0])  # noqa: E731
    _q5_not_yet("first step", function=_measure(pick=first))


def test_q5_wrong_layer():
    _q5_not_yet("row 2", "layer 1", function=_measure(pick=lambda r: r.table()[1]["mean_log10"]))


def test_q5_learning_rate_not_used():
    _q5_not_yet("learning_rate", function=_measure(learning_rate_of=lambda lr: 1e-3))


def test_q5_sgd_instead_of_adam():
    _q5_not_yet("optimizers.Adam(learning_rate)", function=_measure(optimizer="sgd"))


def test_q5_returns_the_whole_table():
    _q5_not_yet("one number", function=_measure(pick=lambda r: r.table()))


def test_q5_wrong_verdicts():
    message = _q5_not_yet(
        "decades above", verdict={1e-6: "too small", 1e-4: "about right", 1e-1: "about right"}
    )
    assert "too large" not in message  # the message points at the number, not the word
    _q5_not_yet("decades above", verdict={1e-6: "too small", 1e-4: "too small", 1e-1: "too large"})
    _q5_not_yet("one of", verdict={1e-6: "small", 1e-4: "about right", 1e-1: "too large"})


def test_q5_hints_before_the_last_do_not_give_the_answer():
    *early, last = nb05.q5.hints
    for hint in early:
        assert "mean_log10" not in hint and "too small" not in hint and "too large" not in hint
    assert "lr / 0.044" not in nb05.q5.hints[0]  # the facts for the prediction, not the guess
    assert "mean_log10" in last and "too large" in last
