"""The checks of notebook 06's exercises: right answers pass, blanks and typical mistakes don't."""

import math

import numpy as np

from companion import layers, models
from companion.exercises import nb06
from companion.exercises.core import CORRECT, NOT_YET


def _not_yet(q, answer, *fragments):
    status, message = q.evaluate(answer)
    assert status == NOT_YET, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- q1: Glorot's uniform limit ------------------------------------------------------------------


def test_q1_reference_is_the_limit_keras_uses(keras):
    """Keras's uniform sampler given the reference limit reproduces GlorotUniform's draw."""
    shape = (784, 256)
    limit = nb06._glorot_limit_ref(*shape)
    theirs = keras.initializers.GlorotUniform(seed=0)(shape, dtype="float64")
    ours = keras.random.uniform(shape, minval=-limit, maxval=limit, seed=0, dtype="float64")
    # Same seed and same sampler: equal bit for bit when the limit is the same (Keras passes
    # the limits through float32, so this pins the limit to float32 precision).
    np.testing.assert_array_equal(np.asarray(theirs), np.asarray(ours))
    assert limit == math.sqrt(6 / (784 + 256))


def test_q1_float32_computation_is_accepted():
    def glorot_uniform_limit(fan_in, fan_out):
        return np.sqrt(np.float32(6.0) / np.float32(fan_in + fan_out))

    assert nb06.q1.evaluate(glorot_uniform_limit)[0] == CORRECT


def test_q1_standard_deviation_instead_of_limit():
    _not_yet(nb06.q1, lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)), "a**2 / 3")


def test_q1_he_limit():
    _not_yet(nb06.q1, lambda fan_in, fan_out: math.sqrt(6 / fan_in), "He uniform")


def test_q1_lecun_limit():
    _not_yet(nb06.q1, lambda fan_in, fan_out: math.sqrt(3 / fan_in), "LeCun uniform")


def test_q1_sum_instead_of_average():
    _not_yet(nb06.q1, lambda fan_in, fan_out: math.sqrt(3 / (fan_in + fan_out)), "AVERAGE")


def test_q1_missing_square_root():
    _not_yet(nb06.q1, lambda fan_in, fan_out: 6 / (fan_in + fan_out), "square root")


def test_q1_an_array_is_not_a_limit():
    _not_yet(nb06.q1, lambda fan_in, fan_out: np.ones((fan_in, fan_out)), "one number")


# --- q2: the first collapsed layer ---------------------------------------------------------------


def test_q2_numpy_solution_is_accepted():
    def first_collapsed_layer(stds):
        stds = np.asarray(stds)
        below = np.flatnonzero(stds < 0.01 * stds[0])
        return int(below[0]) + 1 if below.size else None

    assert nb06.q2.evaluate(first_collapsed_layer)[0] == CORRECT


def test_q2_reference_on_relu_glorot_network():
    """The notebook's ReLU + Glorot network (a factor ~0.7 per layer) collapses by layer 14."""
    x = np.random.default_rng(0).standard_normal((256, 256))
    rng = np.random.default_rng(1)
    model = models.Sequential(
        [layers.Dense(256, "relu", seed=rng, dtype="float64") for _ in range(32)]
    )
    from companion import diagnostics

    stds = diagnostics.activation_stats(model, x).column("std")
    assert 12 <= nb06._collapsed_ref(stds) <= 16


def test_q2_zero_based_index():
    def first_collapsed_layer(stds):
        for i, s in enumerate(stds):
            if s < 0.01 * stds[0]:
                return i
        return None

    _not_yet(nb06.q2, first_collapsed_layer, "0-based")


def test_q2_absolute_threshold():
    def first_collapsed_layer(stds):
        for layer, s in enumerate(stds, start=1):
            if s < 0.01:
                return layer
        return None

    _not_yet(nb06.q2, first_collapsed_layer, "0.01 * stds[0]", "OF LAYER 1")


def test_q2_last_layer_below():
    def first_collapsed_layer(stds):
        found = None
        for layer, s in enumerate(stds, start=1):
            if s < 0.01 * stds[0]:
                found = layer
        return found

    _not_yet(nb06.q2, first_collapsed_layer, "LAST layer")


def test_q2_returns_the_std_instead_of_the_layer():
    def first_collapsed_layer(stds):
        for s in stds:
            if s < 0.01 * stds[0]:
                return s
        return None

    _not_yet(nb06.q2, first_collapsed_layer, "NUMBER")


def test_q2_returns_minus_one_when_nothing_collapses():
    def first_collapsed_layer(stds):
        for layer, s in enumerate(stds, start=1):
            if s < 0.01 * stds[0]:
                return layer
        return -1

    _not_yet(nb06.q2, first_collapsed_layer, "return None")


def test_q2_missing_return_gives_a_specific_message():
    def first_collapsed_layer(stds):
        for layer, s in enumerate(stds, start=1):
            if s < 0.01 * stds[0]:
                layer  # noqa: B018 -- the learner's bug: no return
        return None

    _not_yet(nb06.q2, first_collapsed_layer, "returned None", "missing `return`")


# --- q3: the initializer for an activation -------------------------------------------------------


def _chooser(**overrides):
    table = {"relu": "he_normal", "selu": "lecun_normal"}
    for act in ("leaky_relu", "elu", "gelu"):
        table[act] = "he_uniform"
    table.update(overrides)

    def choose_initializer(activation):
        return table.get(activation, "glorot_uniform")

    return choose_initializer


def test_q3_other_good_choices_are_accepted():
    assert nb06.q3.evaluate(_chooser(tanh="lecun_normal", sigmoid="glorot_normal"))[0] == CORRECT
    assert nb06.q3.evaluate(_chooser(relu="HeNormal"))[0] == CORRECT


def test_q3_initializer_objects_are_accepted(keras):
    from companion import initializers

    answer = _chooser(relu=keras.initializers.HeNormal(), selu=initializers.LecunNormal())
    assert nb06.q3.evaluate(answer)[0] == CORRECT


def test_q3_glorot_for_relu():
    _not_yet(nb06.q3, _chooser(relu="glorot_uniform"), "'relu'", "factor 2")


def test_q3_keras_default_everywhere():
    _not_yet(nb06.q3, lambda activation: "glorot_uniform", "'relu'", "factor 2")


def test_q3_he_for_selu():
    _not_yet(nb06.q3, _chooser(selu="he_normal"), "'selu'", "Var(w) = 1 / fan_in")


def test_q3_lecun_uniform_for_selu():
    _not_yet(nb06.q3, _chooser(selu="lecun_uniform"), "NORMAL")


def test_q3_he_for_tanh():
    _not_yet(nb06.q3, _chooser(tanh="he_normal"), "'tanh'", "Glorot")


def test_q3_he_for_sigmoid_gets_sigmoids_own_reason():
    # Not tanh's "twice the variance" argument: sigmoid's slope at 0 is 1/4.
    _not_yet(nb06.q3, _chooser(sigmoid="he_uniform"), "'sigmoid'", "slope at 0 is 1/4", "Glorot")


def test_q3_he_for_everything():
    _not_yet(nb06.q3, lambda activation: "he_normal", "'tanh'")


def test_q3_zeros_and_fixed_scales():
    _not_yet(nb06.q3, _chooser(relu="zeros"), "identical")
    _not_yet(nb06.q3, _chooser(relu="random_normal"), "fixed scale")


def test_q3_unknown_name_lists_the_names():
    _not_yet(nb06.q3, _chooser(relu="xavier"), "glorot_uniform", "he_normal")


def test_q3_forgotten_activation_is_reported_kindly():
    def choose_initializer(activation):
        return {"relu": "he_normal", "selu": "lecun_normal", "tanh": "glorot_uniform"}[activation]

    _not_yet(nb06.q3, choose_initializer, "leaky_relu", "KeyError")


# --- q4: a deep ReLU network that keeps its signal ----------------------------------------------


def _companion_builder(kernel_initializer="he_normal", depth=32, units=256, activation="relu"):
    def build_deep_relu_model():
        return models.Sequential(
            [
                layers.Dense(units, activation, kernel_initializer=kernel_initializer, seed=i)
                for i in range(depth)
            ]
        )

    return build_deep_relu_model


def test_q4_he_uniform_is_accepted():
    assert nb06.q4.evaluate(_companion_builder("he_uniform"))[0] == CORRECT


def test_q4_keras_he_model_is_accepted(keras):
    def build_deep_relu_model():
        keras.utils.set_random_seed(0)
        stack = [keras.Input(shape=(256,))]
        stack += [
            keras.layers.Dense(256, activation="relu", kernel_initializer="he_normal")
            for _ in range(32)
        ]
        return keras.Sequential(stack)

    assert nb06.q4.evaluate(build_deep_relu_model)[0] == CORRECT


def test_q4_keras_default_initializer_vanishes(keras):
    def build_deep_relu_model():
        keras.utils.set_random_seed(0)
        stack = [keras.Input(shape=(256,))]
        stack += [keras.layers.Dense(256, activation="relu") for _ in range(32)]
        return keras.Sequential(stack)

    _not_yet(nb06.q4, build_deep_relu_model, "vanishes", "glorot_uniform", "he_normal")


def test_q4_companion_default_initializer_vanishes():
    _not_yet(nb06.q4, _companion_builder("glorot_uniform"), "vanishes", "factor 2")


def test_q4_too_small_and_too_large():
    from companion import initializers

    _not_yet(nb06.q4, _companion_builder(initializers.RandomNormal(stddev=0.01)), "too small")
    _not_yet(nb06.q4, _companion_builder(initializers.RandomNormal(stddev=1.0)), "too large")


def test_q4_zeros():
    _not_yet(nb06.q4, _companion_builder("zeros"), "all 0")


def test_q4_wrong_structure():
    _not_yet(nb06.q4, _companion_builder(depth=8), "8 Dense layers")
    _not_yet(nb06.q4, _companion_builder(units=128), "[128] units")
    _not_yet(nb06.q4, _companion_builder(activation="tanh"), "'relu'")


def test_q4_returns_something_else():
    _not_yet(nb06.q4, lambda: [layers.Dense(256, "relu")], "models.Sequential")


# --- q5: how tanh's std falls with depth -----------------------------------------------------


def _q5_answers(**changes):
    prediction, function, law = nb06.q5.reference_answers()
    answers = {"prediction": prediction, "function": function, "law": law}
    answers.update(changes)
    return answers["prediction"], answers["function"], answers["law"]


def _q5_not_yet(*fragments, **changes):
    status, message = nb06.q5.evaluate(*_q5_answers(**changes))
    assert status == NOT_YET, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _stds(activation="tanh", seed=1, depth_of=lambda d: d):
    """The per-layer stds of the notebook's deep_model, with one thing changed."""
    names = nb06._notebook_names()

    def stds(kernel_initializer, depth):
        model = names["deep_model"](
            kernel_initializer, activation, depth=depth_of(depth), seed=seed
        )
        return np.asarray(
            names["diagnostics"].activation_stats(model, names["x_deep"]).column("std")
        )

    return stds


def test_q5_reference_matches_the_notebooks_deep_model():
    """The check's replica of deep_model + x_deep gives activation_stats's numbers exactly."""
    for case in nb06._CASES:
        want = _stds()(nb06._initializer_of(case), nb06._DEEP)
        np.testing.assert_allclose(nb06._tanh_stds_ref(case), want, rtol=1e-12)


def test_q5_laws_are_decided_with_a_margin():
    """glorot_uniform: layer 64 / layer 32 is near the power law's 1/sqrt(2) = 0.71 and far from
    the geometric extrapolation (about 0.19); gain 5/3 stays within 2 % (fixed point: 10 %)."""
    glorot, gain = nb06._tanh_stds_ref("glorot_uniform"), nb06._tanh_stds_ref("gain 5/3")
    assert 0.6 < glorot[63] / glorot[31] < 0.8
    assert (glorot[31] / glorot[0]) ** (32 / 31) < 0.3
    assert abs(gain[63] / gain[31] - 1) < 0.02
    assert nb06._law_ref(glorot) == "power-law decay" and nb06._law_ref(gain) == "fixed point"


def test_q5_another_seed_is_accepted():
    other = lambda init, depth: _stds(seed=2)(init, depth)[-1]  # noqa: E731
    status, message = nb06.q5.evaluate(*_q5_answers(function=other))
    assert status == CORRECT, message


def test_q5_any_positive_prediction_is_accepted_and_reported():
    status, message = nb06.q5.evaluate(*_q5_answers(prediction=0.024))
    assert status == CORRECT, message
    assert "you predicted 0.024" in message and "0.082" in message, message


def test_q5_prediction_not_a_positive_number():
    _q5_not_yet("positive", prediction=-0.1)
    _q5_not_yet("one number", prediction="small")


def test_q5_every_layer_returned():
    _q5_not_yet("one per layer", function=lambda init, depth: _stds()(init, depth))


def test_q5_depth_ignored():
    _q5_not_yet("layer 32", function=lambda init, depth: _stds(depth_of=lambda d: 32)(init, 32)[-1])


def test_q5_first_layer():
    _q5_not_yet("first layer", function=lambda init, depth: _stds()(init, depth)[0])


def test_q5_relu_network():
    _q5_not_yet("'tanh'", function=lambda init, depth: _stds("relu")(init, depth)[-1])


def test_q5_something_else():
    _q5_not_yet("not the std", function=lambda init, depth: 0.3)


def test_q5_wrong_laws():
    message = _q5_not_yet(
        "average factor", law={"glorot_uniform": "geometric decay", "gain 5/3": "fixed point"}
    )
    assert "power-law" not in message  # the message gives numbers to test, not the word
    _q5_not_yet("still falls", law={"glorot_uniform": "fixed point", "gain 5/3": "fixed point"})
    _q5_not_yet(
        "changes by", law={"glorot_uniform": "power-law decay", "gain 5/3": "power-law decay"}
    )
    _q5_not_yet("one of", law={"glorot_uniform": "power law", "gain 5/3": "fixed point"})
    _q5_not_yet("no entry 'gain 5/3'", law={"glorot_uniform": "power-law decay"})
    _q5_not_yet("dict", law="power-law decay")


def test_q5_hints_before_the_last_do_not_give_the_answer():
    *early, last = nb06.q5.hints
    for hint in early:
        assert "power-law decay" not in hint and "fixed point" not in hint and "[-1]" not in hint
    assert "power-law decay" in last and "fixed point" in last and "[-1]" in last
