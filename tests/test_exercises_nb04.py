"""The checks of notebook 04's exercises: right answers pass, blanks and typical mistakes don't."""

import pytest

from companion.exercises import nb04
from companion.exercises.core import CORRECT, NOT_YET


@pytest.fixture(autouse=True)
def _keras_loaded(keras):
    """Every check here builds Keras models; load Keras once with the quiet test settings."""
    return keras


FUNCTION_QUESTIONS = [q for q in nb04.QUESTIONS if q is not nb04.q2]


# --- q1: skip connection ----------------------------------------------------------------------


def _residual(keras, skip_from="input", head_activation="softmax", hidden_units=16, names=True):
    L = keras.layers
    name = (lambda n: n) if names else (lambda n: None)
    inputs = keras.Input(shape=(16,), name="features")
    h1 = L.Dense(hidden_units, activation="relu", name=name("hidden_1"))(inputs)
    h2 = L.Dense(16, name=name("hidden_2"))(h1)
    start = inputs if skip_from == "input" else h1
    s = L.Add(name=name("skip"))([start, h2]) if hidden_units == 16 else h2
    outputs = L.Dense(4, activation=head_activation, name=name("head"))(s)
    return keras.Model(inputs, outputs)


def test_q1_sequential_without_skip(keras):
    L = keras.layers

    def build_residual_model():
        return keras.Sequential(
            [
                keras.Input(shape=(16,), name="features"),
                L.Dense(16, activation="relu", name="hidden_1"),
                L.Dense(16, name="hidden_2"),
                L.Dense(4, activation="softmax", name="head"),
            ]
        )

    status, message = nb04.q1.evaluate(build_residual_model)
    assert status == NOT_YET
    assert "returned a Sequential model" in message


def test_q1_skip_from_the_wrong_tensor(keras):
    status, message = nb04.q1.evaluate(lambda: _residual(keras, skip_from="hidden_1"))
    assert status == NOT_YET
    assert "it should add the input `features`" in message


def test_q1_missing_softmax(keras):
    status, message = nb04.q1.evaluate(lambda: _residual(keras, head_activation=None))
    assert status == NOT_YET
    assert "activation='linear'" in message and "activation='softmax'" in message


def test_q1_unnamed_layers(keras):
    status, message = nb04.q1.evaluate(lambda: _residual(keras, names=False))
    assert status == NOT_YET
    assert "no layer named 'hidden_1'" in message


def test_q1_wrong_units(keras):
    status, message = nb04.q1.evaluate(lambda: _residual(keras, hidden_units=32))
    assert status == NOT_YET
    assert "units=32" in message


def test_q1_returns_the_output_tensor(keras):
    def build_residual_model():
        return _residual(keras).outputs[0]

    status, message = nb04.q1.evaluate(build_residual_model)
    assert status == NOT_YET
    assert "not a model" in message


# --- q2: parameter count of the siamese model --------------------------------------------------


def _siamese(keras):
    left = keras.Input(shape=(10,), name="left")
    right = keras.Input(shape=(10,), name="right")
    encoder = keras.layers.Dense(8, activation="relu", name="encoder")
    merged = keras.layers.Concatenate(name="merge")([encoder(left), encoder(right)])
    score = keras.layers.Dense(1, activation="sigmoid", name="score")(merged)
    return keras.Model([left, right], score, name="siamese")


def test_q2_expected_count_is_keras_count(keras):
    (n_params,) = nb04.q2.reference_answers()
    assert n_params == _siamese(keras).count_params() == nb04._SIAMESE_PARAMS


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (193, "count once"),
        (96, "not the biases"),
        (97, "reads 16 features"),
        (185, "not joined before it"),
        (104, "too small"),
    ],
)
def test_q2_typical_wrong_counts(answer, hint):
    status, message = nb04.q2.evaluate(answer)
    assert status == NOT_YET
    assert hint in message


def test_q2_numpy_integer_is_accepted():
    import numpy as np

    assert nb04.q2.evaluate(np.int64(105))[0] == CORRECT


# --- q3: Sequential -> Functional -------------------------------------------------------------


def test_q3_returning_the_sequential_itself():
    status, message = nb04.q3.evaluate(lambda seq: seq)
    assert status == NOT_YET
    assert "returned a Sequential model" in message


def test_q3_fresh_layers_have_other_weights(keras):
    def to_functional(seq):
        inputs = keras.Input(shape=seq.input_shape[1:])
        x = inputs
        for layer in seq.layers:
            x = layer.__class__.from_config(layer.get_config())(x)
        return keras.Model(inputs, x)

    status, message = nb04.q3.evaluate(to_functional)
    assert status == NOT_YET
    assert "new random weights" in message


def test_q3_skipping_a_layer(keras):
    def to_functional(seq):
        inputs = keras.Input(shape=seq.input_shape[1:])
        x = inputs
        for layer in seq.layers[:-1]:
            x = layer(x)
        return keras.Model(inputs, x)

    status, message = nb04.q3.evaluate(to_functional)
    assert status == NOT_YET
    assert "parameters" in message


def test_q3_model_from_the_sequentials_own_tensors_is_accepted(keras):
    status, message = nb04.q3.evaluate(lambda seq: keras.Model(seq.inputs, seq.outputs))
    assert status == CORRECT, message


# --- q4: two outputs --------------------------------------------------------------------------


def test_q4_concatenated_heads(keras):
    L = keras.layers

    def build_two_head_model():
        inputs = keras.Input(shape=(8,), name="features")
        t = L.Dense(32, activation="relu", name="trunk")(inputs)
        a = L.Dense(3, activation="softmax", name="species")(t)
        b = L.Dense(1, name="size")(t)
        return keras.Model(inputs, L.Concatenate()([a, b]))

    status, message = nb04.q4.evaluate(build_two_head_model)
    assert status == NOT_YET
    assert "1 output(s)" in message and "two" in message


def test_q4_heads_skip_the_trunk(keras):
    L = keras.layers

    def build_two_head_model():
        inputs = keras.Input(shape=(8,), name="features")
        t = L.Dense(32, activation="relu", name="trunk")(inputs)
        a = L.Dense(3, activation="softmax", name="species")(t)
        b = L.Dense(1, name="size")(inputs)
        return keras.Model(inputs, [a, b])

    status, message = nb04.q4.evaluate(build_two_head_model)
    assert status == NOT_YET
    assert "'size' is fed by ['features']" in message


def test_q4_outputs_in_the_wrong_order(keras):
    L = keras.layers

    def build_two_head_model():
        inputs = keras.Input(shape=(8,), name="features")
        t = L.Dense(32, activation="relu", name="trunk")(inputs)
        a = L.Dense(3, activation="softmax", name="species")(t)
        b = L.Dense(1, name="size")(t)
        return keras.Model(inputs, [b, a])

    status, message = nb04.q4.evaluate(build_two_head_model)
    assert status == NOT_YET
    assert "order [size, species]" in message


def test_q4_dict_outputs_are_accepted(keras):
    L = keras.layers

    def build_two_head_model():
        inputs = keras.Input(shape=(8,), name="features")
        t = L.Dense(32, activation="relu", name="trunk")(inputs)
        heads = {
            "species": L.Dense(3, activation="softmax", name="species")(t),
            "size": L.Dense(1, name="size")(t),
        }
        return keras.Model(inputs, heads)

    status, message = nb04.q4.evaluate(build_two_head_model)
    assert status == CORRECT, message
