"""The checks of notebook 08's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np
import pytest

from companion.exercises import nb08
from companion.exercises.core import CORRECT, NOT_YET


@pytest.fixture(autouse=True)
def _keras_loaded(keras):
    """q3 and q4 build Keras objects; load Keras once with the quiet test settings."""
    return keras


def _not_yet(q, answer, *fragments):
    status, message = q.evaluate(answer)
    assert status == NOT_YET, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- q1: L2 penalty ----------------------------------------------------------------------------


def test_q1_reference_matches_keras(keras):
    for weights, l2 in nb08._l2_cases():
        theirs = sum(float(keras.regularizers.L2(l2)(w)) for w in weights)
        # Keras keeps the factor in float32 (0.01 -> 0.0099999998) and sums in the weights'
        # dtype: ~1e-7 relative for factors float32 cannot represent exactly.
        assert nb08._l2_ref(weights, l2) == pytest.approx(theirs, rel=1e-6)


def test_q1_half_factor():
    _not_yet(nb08.q1, lambda ws, l2: 0.5 * l2 * sum(np.sum(w**2) for w in ws), "1/2")


def test_q1_norm_not_squared():
    def l2_penalty(ws, l2):
        return l2 * np.sqrt(sum(np.sum(w**2) for w in ws))

    _not_yet(nb08.q1, l2_penalty, "square root")


def test_q1_l1():
    _not_yet(nb08.q1, lambda ws, l2: l2 * sum(np.sum(np.abs(w)) for w in ws), "L1")


def test_q1_first_array_only():
    _not_yet(nb08.q1, lambda ws, l2: l2 * np.sum(ws[0] ** 2), "every array")


def test_q1_square_of_sum():
    _not_yet(nb08.q1, lambda ws, l2: l2 * sum(np.sum(w) ** 2 for w in ws), "square each weight")


def test_q1_array_instead_of_number():
    _not_yet(nb08.q1, lambda ws, l2: [l2 * np.sum(w**2) for w in ws], "one number")


# --- q2: inverted dropout ----------------------------------------------------------------------


def test_q2_reference_has_keras_dropout_statistics(keras):
    """Same dropped fraction (within sampling noise) and the same scaling as Keras's layer."""
    x = np.ones((400, 500), dtype="float32")
    ns = {"np": np}
    exec(nb08.q2.solution_source, ns)
    ours = ns["dropout"](x, 0.3, np.random.default_rng(0))
    theirs = np.asarray(keras.layers.Dropout(0.3, seed=0)(x, training=True))
    # 200,000 Bernoulli draws: the dropped fraction has std sqrt(0.3 * 0.7 / 2e5) = 0.001.
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.01
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs), rtol=1e-6)


def test_q2_no_scaling():
    _not_yet(nb08.q2, lambda x, rate, rng: x * (rng.random(x.shape) >= rate), "1 / (1 - rate)")


def test_q2_multiplied_by_keep_probability():
    def dropout(x, rate, rng):
        return x * (rng.random(x.shape) >= rate) * (1 - rate)

    _not_yet(nb08.q2, dropout, "divide by it instead")


def test_q2_keeps_with_probability_rate():
    def dropout(x, rate, rng):
        return x * (rng.random(x.shape) < rate) / (1 - rate)

    _not_yet(nb08.q2, dropout, "DROPPED with probability rate")


def test_q2_global_random_state():
    def dropout(x, rate, rng):
        fresh = np.random.default_rng()  # ignores the rng argument
        return x * (fresh.random(x.shape) >= rate) / (1 - rate)

    _not_yet(nb08.q2, dropout, "from the `rng` argument")


def test_q2_returns_the_mask():
    _not_yet(nb08.q2, lambda x, rate, rng: (rng.random(x.shape) >= rate) * 1.0, "neither")


def test_q2_wrong_shape():
    _not_yet(nb08.q2, lambda x, rate, rng: (x * (rng.random(x.shape) >= rate)).ravel(), "shape")


# --- q3: early stopping ------------------------------------------------------------------------


def test_q3_training_loss(keras):
    def make_early_stopping():
        return keras.callbacks.EarlyStopping(monitor="loss", patience=3, restore_best_weights=True)

    _not_yet(nb08.q3, make_early_stopping, "training data")


def test_q3_no_restore(keras):
    _not_yet(
        nb08.q3, lambda: keras.callbacks.EarlyStopping(patience=3), "restore_best_weights=True"
    )


def test_q3_patience_zero(keras):
    def make_early_stopping():
        return keras.callbacks.EarlyStopping(restore_best_weights=True)

    _not_yet(nb08.q3, make_early_stopping, "noisy")


def test_q3_patience_too_long(keras):
    def make_early_stopping():
        return keras.callbacks.EarlyStopping(patience=50, restore_best_weights=True)

    _not_yet(nb08.q3, make_early_stopping, "rarely")


def test_q3_wrong_mode(keras):
    def make_early_stopping():
        return keras.callbacks.EarlyStopping(patience=3, mode="max", restore_best_weights=True)

    _not_yet(nb08.q3, make_early_stopping, "mode='min'")


def test_q3_val_accuracy_is_accepted(keras):
    def make_early_stopping():
        return keras.callbacks.EarlyStopping(
            monitor="val_accuracy", patience=5, restore_best_weights=True
        )

    assert nb08.q3.evaluate(make_early_stopping)[0] == CORRECT


def test_q3_the_class(keras):
    _not_yet(nb08.q3, lambda: keras.callbacks.EarlyStopping, "instance")


def test_q3_companion_callback_is_not_keras():
    from companion import callbacks

    def make_early_stopping():
        return callbacks.EarlyStopping(patience=3, restore_best_weights=True)

    _not_yet(nb08.q3, make_early_stopping, "keras.callbacks.EarlyStopping")


# --- q4: a regularized model -------------------------------------------------------------------


def _builder(keras, reg="l2", factor=1e-4, rate=0.5, bias_reg=False, head_reg=False):
    def build_regularized_model():
        regs = {
            "l2": lambda: keras.regularizers.L2(factor),
            "l1": lambda: keras.regularizers.L1(factor),
            None: lambda: None,
        }
        return keras.Sequential(
            [
                keras.Input(shape=(784,)),
                keras.layers.Dense(
                    256,
                    activation="relu",
                    kernel_regularizer=regs[reg](),
                    bias_regularizer=keras.regularizers.L2(factor) if bias_reg else None,
                ),
                keras.layers.Dropout(rate),
                keras.layers.Dense(
                    10,
                    activation="softmax",
                    kernel_regularizer=keras.regularizers.L2(factor) if head_reg else None,
                ),
            ]
        )

    return build_regularized_model


def test_q4_no_regularizer(keras):
    _not_yet(nb08.q4, _builder(keras, reg=None), "no kernel_regularizer")


def test_q4_l1(keras):
    _not_yet(nb08.q4, _builder(keras, reg="l1"), "L2 only")


def test_q4_wrong_factor(keras):
    _not_yet(nb08.q4, _builder(keras, factor=1e-3), "factor is 0.001")


def test_q4_wrong_rate(keras):
    _not_yet(nb08.q4, _builder(keras, rate=0.2), "rate is 0.2")


def test_q4_bias_regularized(keras):
    _not_yet(nb08.q4, _builder(keras, bias_reg=True), "bias_regularizer")


def test_q4_head_regularized(keras):
    _not_yet(nb08.q4, _builder(keras, head_reg=True), "hidden layer only")


def test_q4_l1l2_with_only_l2_is_accepted(keras):
    def build_regularized_model():
        model = _builder(keras)()
        model.layers[0].kernel_regularizer = keras.regularizers.L1L2(l2=1e-4)
        return model

    assert nb08.q4.evaluate(build_regularized_model)[0] == CORRECT


def test_q4_unflattened_input(keras):
    def build_regularized_model():
        return keras.Sequential(
            [keras.Input(shape=(28, 28)), keras.layers.Flatten(), *_builder(keras)().layers]
        )

    _not_yet(nb08.q4, build_regularized_model, "input has shape (None, 28, 28)", "(784,)")


def test_q4_missing_dropout(keras):
    def build_regularized_model():
        return keras.Sequential(
            [
                keras.Input(shape=(784,)),
                keras.layers.Dense(
                    256, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4)
                ),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )

    _not_yet(nb08.q4, build_regularized_model, "['Dense', 'Dense']")


# --- q5: predict, measure, interpret -----------------------------------------------------------


def _q5_not_yet(prediction, gap_sweep, supported, *fragments):
    status, message = nb08.q5.evaluate(prediction, gap_sweep, supported)
    assert status == NOT_YET, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _reference_sweep():
    return nb08.q5.reference_answers()[1]


def _sweep_from(transform):
    """A gap_sweep that returns transform(n, gaps of the three seeds) for each size."""

    def gap_sweep():
        out = {}
        for n in nb08.SIZES:
            runs = np.array([nb08.train_subset(n, seed) for seed in nb08.SEEDS])
            out[n] = transform(n, runs)
        return out

    return gap_sweep


def _mean_sd(gaps):
    return (float(np.mean(gaps)), float(np.std(gaps, ddof=1)))


def test_q5_train_subset_takes_equal_steps_and_is_deterministic():
    """Every size gets the same 200 steps; the same (n, seed) gives the same accuracies."""
    assert nb08._STEPS * nb08._BATCH // 250 == 40 and nb08._STEPS * nb08._BATCH // 2000 == 5
    nb08._train_subset.cache_clear()
    first = nb08.train_subset(250, 1)
    nb08._train_subset.cache_clear()
    assert nb08.train_subset(250, 1) == first
    assert all(0.0 <= acc <= 1.0 for acc in first)


def test_q5_train_subset_rejects_bad_arguments():
    for bad, fragment in ((0, "between 1 and 2000"), (2500, "between 1 and 2000"), (2.5, "whole")):
        with pytest.raises((TypeError, ValueError), match=fragment):
            nb08.train_subset(bad, 0)
    with pytest.raises(ValueError, match="seed"):
        nb08.train_subset(250, -1)


def test_q5_statement_comes_from_the_measurement():
    """The supported statement is computed from the reference numbers, with a wide margin:
    the change of the mean gap is over 3 times the summed seed spread needed for statement 1."""
    ref = nb08._reference_sweep()
    change = ref[250][0] - ref[2000][0]
    spread = ref[250][1] + ref[2000][1]
    assert change > 10 * spread, (change, spread)
    assert nb08._supported_statement(ref) == 1
    # The rule itself, on made-up numbers: flat and growing gaps give statements 2 and 3.
    assert nb08._supported_statement({250: (0.10, 0.02), 2000: (0.105, 0.02)}) == 2
    assert nb08._supported_statement({250: (0.05, 0.01), 2000: (0.20, 0.01)}) == 3


def test_q5_any_prediction_is_accepted_and_answered():
    sweep = _reference_sweep()
    for prediction, fragment in (("grows", "but it shrinks"), ("Shrinks ", "and it shrinks")):
        status, message = nb08.q5.evaluate(prediction, sweep, 1)
        assert status == CORRECT, message
        assert fragment in message, message


def test_q5_unknown_prediction():
    _q5_not_yet("bigger", _reference_sweep(), 1, "'shrinks', 'stays', 'grows'")


def test_q5_supported_not_a_statement_number():
    _q5_not_yet("shrinks", _reference_sweep(), "1", "statement's number")
    _q5_not_yet("shrinks", _reference_sweep(), 7, "1, 2, 3 or 4")


def test_q5_wrong_statements_get_a_question_not_the_answer():
    for wrong, fragment in ((2, "smaller than the spread"), (3, "larger"), (4, "Three seeds")):
        message = _q5_not_yet("stays", _reference_sweep(), wrong, fragment)
        assert "statement 1" not in message and "supported = 1" not in message


def test_q5_sign_flipped():
    sweep = _sweep_from(lambda n, r: _mean_sd(r[:, 1] - r[:, 0]))
    _q5_not_yet("shrinks", sweep, 1, "training accuracy minus the validation")


def test_q5_validation_accuracy_instead_of_gap():
    sweep = _sweep_from(lambda n, r: _mean_sd(r[:, 1]))
    _q5_not_yet("shrinks", sweep, 1, "look like accuracies (validation accuracies?)")


def test_q5_one_seed_has_no_spread():
    sweep = _sweep_from(lambda n, r: (float(r[0, 0] - r[0, 1]), 0.0))
    _q5_not_yet("shrinks", sweep, 1, "all 0")


def test_q5_variance_instead_of_sd():
    sweep = _sweep_from(
        lambda n, r: (np.mean(r[:, 0] - r[:, 1]), np.var(r[:, 0] - r[:, 1], ddof=1))
    )
    _q5_not_yet("shrinks", sweep, 1, "variances")


def test_q5_mean_and_sd_swapped():
    sweep = _sweep_from(lambda n, r: _mean_sd(r[:, 0] - r[:, 1])[::-1])
    _q5_not_yet("shrinks", sweep, 1, "(sd, mean)")


def test_q5_bare_numbers_instead_of_pairs():
    sweep = _sweep_from(lambda n, r: float(np.mean(r[:, 0] - r[:, 1])))
    _q5_not_yet("shrinks", sweep, 1, "pair (mean gap, standard deviation")


def test_q5_missing_size():
    def gap_sweep():
        full = _reference_sweep()()
        return {n: v for n, v in full.items() if n != 2000}

    _q5_not_yet("shrinks", gap_sweep, 1, "one per training-set size")


def test_q5_validation_error_instead_of_gap():
    sweep = _sweep_from(lambda n, r: _mean_sd(1 - r[:, 1]))  # 1 - val acc: an error, not a gap
    _q5_not_yet("shrinks", sweep, 1, "for n = 500", "further than 0.04")


def test_q5_other_seeds_are_accepted():
    """Another set of three seeds measures the same effect within the tolerance."""

    def gap_sweep():
        out = {}
        for n in nb08.SIZES:
            runs = np.array([nb08.train_subset(n, seed) for seed in (3, 4, 5)])
            out[n] = _mean_sd(runs[:, 0] - runs[:, 1])
        return out

    status, message = nb08.q5.evaluate("shrinks", gap_sweep, 1)
    assert status == CORRECT, message


def test_q5_hints_keep_the_answer_for_the_last():
    *early, last = nb08.q5.hints
    for hint in early:
        assert "statement 1" not in hint and "supported = 1" not in hint, hint
    assert "statement 1" in last
