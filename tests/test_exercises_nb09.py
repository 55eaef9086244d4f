"""The checks of notebook 09's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np
import pytest

from companion import activations, gradcheck
from companion.exercises import nb09
from companion.exercises.core import CORRECT, NOT_ATTEMPTED, NOT_YET


@pytest.fixture(autouse=True)
def _keras_loaded(keras):
    """q2 and q3 build Keras objects; load Keras once with the quiet test settings."""
    return keras


def _not_yet(q, *answers, fragments=()):
    status, message = q.evaluate(*answers)
    assert status == NOT_YET, message
    assert "Traceback" not in message and "checker itself failed" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- q1: the derivative of mish ----------------------------------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _t(x):
    return np.tanh(np.logaddexp(0.0, x))


def test_q1_reference_matches_gradient_tape_and_a_numerical_gradient(keras, tf):
    (mish_derivative,) = nb09.q1.reference_answers()
    x = np.linspace(-8.0, 8.0, 41)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        total = tf.reduce_sum(keras.activations.mish(xt))
    # float64 throughout; TensorFlow's softplus and tanh differ from NumPy's in the last bits.
    np.testing.assert_allclose(mish_derivative(x), tape.gradient(total, xt).numpy(), atol=1e-12)
    numeric = gradcheck.numerical_gradient(lambda v: np.sum(activations.mish(v)), x)
    assert gradcheck.rel_error(mish_derivative(x), numeric) < 1e-7


def test_q1_function_returning_ellipsis_is_not_attempted():
    def mish_derivative(x):
        return ...

    assert nb09.q1.evaluate(mish_derivative)[0] == NOT_ATTEMPTED


def test_q1_exception_is_reported_kindly():
    def mish_derivative(x):
        return {}["missing"]

    _not_yet(nb09.q1, mish_derivative, fragments=("KeyError",))


def test_q1_float32_computation_is_accepted():
    def mish_derivative(x):
        x = x.astype(np.float32)
        t = np.tanh(np.logaddexp(np.float32(0), x))
        return t + x * (1 - t**2) / (1 + np.exp(-x))

    assert nb09.q1.evaluate(mish_derivative)[0] == CORRECT


def test_q1_naive_softplus_is_accepted_in_this_range():
    def mish_derivative(x):
        t = np.tanh(np.log(1 + np.exp(x)))
        return t + x * (1 - t**2) * _sigmoid(x)

    assert nb09.q1.evaluate(mish_derivative)[0] == CORRECT


@pytest.mark.parametrize(
    ("wrong", "fragment"),
    [
        (lambda x: _t(x), "product rule"),
        (lambda x: x * _t(x), "mish itself"),
        (lambda x: _t(x) + x * (1 - _t(x) ** 2), "softplus'(x) = sigmoid(x)"),
        (lambda x: _t(x) + x * (1 - _t(x)) * _sigmoid(x), "square the tanh"),
        (lambda x: _t(x) + x * (1 - np.tanh(x) ** 2) * _sigmoid(x), "not 1 - tanh(x)**2"),
        (lambda x: _t(x) + x * (1 - _t(x) ** 2) * _sigmoid(-x), "sigmoid(-x)"),
        (lambda x: _t(x) + (1 - _t(x) ** 2) * _sigmoid(x), "multiplied by x"),
    ],
    ids=[
        "no-product-rule",
        "mish-itself",
        "no-chain-rule",
        "tanh-not-squared",
        "tanh-of-x",
        "sigmoid-sign",
        "missing-x",
    ],
)
def test_q1_typical_mistakes(wrong, fragment):
    _not_yet(nb09.q1, wrong, fragments=(fragment,))


def test_q1_wrong_shape():
    _not_yet(nb09.q1, lambda x: np.sum(x), fragments=("shape",))


# --- q2: a Keras layer with a learnable slope --------------------------------------------------


def _leaky_class(
    keras,
    *,
    call="where",
    kwargs=True,
    config="serialize",
    register=True,
    alpha_shape="feature",
    trainable=True,
    use_initializer=True,
):
    """A LearnableLeakyReLU with one thing changed (the reference when nothing is)."""
    ops = keras.ops

    class LearnableLeakyReLU(keras.layers.Layer):
        if kwargs:

            def __init__(self, alpha_initializer="zeros", **kw):
                super().__init__(**kw)
                self.alpha_initializer = keras.initializers.get(alpha_initializer)

        else:

            def __init__(self, alpha_initializer="zeros"):
                super().__init__()
                self.alpha_initializer = keras.initializers.get(alpha_initializer)

        def build(self, input_shape):
            shape = {"feature": (input_shape[-1],), "scalar": ()}[alpha_shape]
            init = self.alpha_initializer if use_initializer else "zeros"
            self.alpha = self.add_weight(
                shape=shape, initializer=init, name="alpha", trainable=trainable
            )

        def call(self, x):
            rules = {
                "where": lambda: ops.where(x >= 0, x, self.alpha * x),
                "relu": lambda: ops.relu(x),
                "positive": lambda: ops.where(x >= 0, self.alpha * x, x),
                "max": lambda: ops.maximum(x, self.alpha * x),
                "constant": lambda: ops.where(x >= 0, x, 0.2 * x),
                "broken": lambda: {}["missing"],
            }
            return rules[call]()

        if config == "serialize":

            def get_config(self):
                cfg = super().get_config()
                cfg["alpha_initializer"] = keras.initializers.serialize(self.alpha_initializer)
                return cfg

        elif config == "object":

            def get_config(self):
                cfg = super().get_config()
                cfg["alpha_initializer"] = self.alpha_initializer
                return cfg

        elif config == "no_super":

            def get_config(self):
                return {"alpha_initializer": keras.initializers.serialize(self.alpha_initializer)}

    if register:
        keras.saving.register_keras_serializable(package="course")(LearnableLeakyReLU)
    return LearnableLeakyReLU


def test_q2_reference_equals_keras_prelu(keras):
    (cls,) = nb09.q2.reference_answers()
    x = nb09._q2_input()
    ours = cls(alpha_initializer=keras.initializers.Constant(0.3))
    theirs = keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.3))
    # Both compute in float32; PReLU as relu(x) - alpha * relu(-x): rounding only.
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6, atol=1e-7)


def test_q2_the_helper_builds_a_correct_layer(keras):
    """The factory below makes one thing wrong at a time; unchanged, it must pass."""
    assert nb09.q2.evaluate(_leaky_class(keras))[0] == CORRECT


def test_q2_template_class_is_not_attempted(keras):
    class LearnableLeakyReLU(keras.layers.Layer): ...

    assert nb09.q2.evaluate(LearnableLeakyReLU)[0] == NOT_ATTEMPTED


def test_q2_function_instead_of_class():
    def LearnableLeakyReLU(x):  # noqa: N802 -- the learner's mistake, on purpose
        return x

    _not_yet(nb09.q2, LearnableLeakyReLU, fragments=("should be a class",))


def test_q2_instance_instead_of_class(keras):
    _not_yet(nb09.q2, _leaky_class(keras)(), fragments=("not an instance",))


def test_q2_companion_layer_is_not_a_keras_layer():
    from companion import layers

    class LearnableLeakyReLU(layers.Layer):
        def call(self, x, training=False):
            return x

    _not_yet(nb09.q2, LearnableLeakyReLU, fragments=("keras.layers.Layer",))


def test_q2_exception_in_call_is_reported_kindly(keras):
    message = _not_yet(nb09.q2, _leaky_class(keras, call="broken"), fragments=("KeyError",))
    # Keras wraps errors raised in call() with its own lines and terminal bold codes.
    assert "'missing'" in message
    assert "Exception encountered" not in message and "\x1b" not in message, message


def test_q2_missing_super_init_is_reported_kindly(keras):
    class LearnableLeakyReLU(keras.layers.Layer):
        def __init__(self, alpha_initializer="zeros", **kwargs):
            self.alpha_initializer = keras.initializers.get(alpha_initializer)

        def build(self, input_shape):
            self.alpha = self.add_weight(shape=(input_shape[-1],))

        def call(self, x):
            return x

    _not_yet(nb09.q2, LearnableLeakyReLU, fragments=("super().__init__()",))


def test_q2_relu(keras):
    _not_yet(nb09.q2, _leaky_class(keras, call="relu"), fragments=("plain ReLU",))


def test_q2_slope_on_the_positive_side(keras):
    _not_yet(nb09.q2, _leaky_class(keras, call="positive"), fragments=("positive side",))


def test_q2_max_form_fails_for_alpha_above_one(keras):
    _not_yet(nb09.q2, _leaky_class(keras, call="max"), fragments=("alpha <= 1",))


def test_q2_constant_slope_in_call(keras):
    _not_yet(nb09.q2, _leaky_class(keras, call="constant"), fragments=("self.alpha",))


def test_q2_one_shared_slope(keras):
    _not_yet(nb09.q2, _leaky_class(keras, alpha_shape="scalar"), fragments=("one slope per",))


def test_q2_not_trainable(keras):
    _not_yet(nb09.q2, _leaky_class(keras, trainable=False), fragments=("trainable=True",))


def test_q2_initializer_ignored(keras):
    _not_yet(
        nb09.q2, _leaky_class(keras, use_initializer=False), fragments=("self.alpha_initializer",)
    )


def test_q2_no_kwargs(keras):
    _not_yet(nb09.q2, _leaky_class(keras, kwargs=False), fragments=("**kwargs",))


def test_q2_no_get_config(keras):
    _not_yet(nb09.q2, _leaky_class(keras, config=None), fragments=("get_config is missing",))


def test_q2_initializer_object_in_config(keras):
    _not_yet(nb09.q2, _leaky_class(keras, config="object"), fragments=("serialize",))


def test_q2_config_without_super(keras):
    _not_yet(nb09.q2, _leaky_class(keras, config="no_super"), fragments=("super().get_config()",))


def test_q2_not_registered(keras):
    _not_yet(nb09.q2, _leaky_class(keras, register=False), fragments=("not registered",))


# --- q3: the capstone ----------------------------------------------------------------------------

GOOD = {
    "activation": "relu, cheap and non-saturating for positive inputs",
    "initializer": "he_normal keeps the variance of relu units",
    "regularization": "Dropout(0.2) against overfitting the 10,000 images",
}


def _builder(
    keras,
    units=(64,),
    activation="relu",
    init="he_normal",
    dropout=0.2,
    l2=None,
    output="softmax",
    n_out=10,
    input_shape=(784,),
    with_input=True,
):
    def build_capstone_model():
        stack = [keras.Input(shape=input_shape)] if with_input else []
        if len(input_shape) > 1:
            stack.append(keras.layers.Flatten())
        for n in units:
            reg = keras.regularizers.L2(l2) if l2 else None
            stack.append(
                keras.layers.Dense(
                    n, activation=activation, kernel_initializer=init, kernel_regularizer=reg
                )
            )
            if dropout:
                stack.append(keras.layers.Dropout(dropout))
        stack.append(keras.layers.Dense(n_out, activation=output))
        return keras.Sequential(stack)

    return build_capstone_model


def _just(**changes):
    return {**GOOD, **changes}


def test_q3_the_helper_builds_a_correct_model(keras):
    status, message = nb09.q3.evaluate(_builder(keras), GOOD)
    assert status == CORRECT, message
    assert "50,890 parameters" in message


def test_q3_blank_function_is_not_attempted():
    def build_capstone_model():
        return ...

    assert nb09.q3.evaluate(build_capstone_model, GOOD)[0] == NOT_ATTEMPTED


def test_q3_blank_justification_is_not_attempted(keras):
    assert nb09.q3.evaluate(_builder(keras), _just(initializer=...))[0] == NOT_ATTEMPTED


def test_q3_exception_is_reported_kindly():
    def build_capstone_model():
        return {}["missing"]

    _not_yet(nb09.q3, build_capstone_model, GOOD, fragments=("KeyError",))


def test_q3_over_budget(keras):
    _not_yet(nb09.q3, _builder(keras, units=(128,)), GOOD, fragments=("over the budget", "75"))


def test_q3_no_hidden_layer(keras):
    _not_yet(nb09.q3, _builder(keras, units=()), GOOD, fragments=("no hidden layer",))


def test_q3_hidden_layer_without_activation(keras):
    _not_yet(nb09.q3, _builder(keras, activation=None), GOOD, fragments=("no activation",))


def test_q3_relu_with_default_glorot_warns_in_a_shallow_net(keras):
    just = _just(initializer="glorot_uniform, the Dense default")
    for units in ((64,), (48, 32)):
        status, message = nb09.q3.evaluate(
            _builder(keras, units=units, init="glorot_uniform"), just
        )
        assert status == CORRECT, message
        assert "Warning 1 (not an error)" in message and "he_normal" in message
        assert "Dense default" in message and "with warnings" in message
    # He initialization: no warning.
    assert "Warning" not in nb09.q3.evaluate(_builder(keras), GOOD)[1]


def test_q3_relu_with_default_glorot_fails_in_a_deeper_net(keras):
    just = _just(initializer="glorot_uniform, the Dense default")
    builder = _builder(keras, units=(32, 32, 32), init="glorot_uniform")
    message = _not_yet(nb09.q3, builder, just, fragments=("he_normal",))
    assert "Dense default" in message


def test_q3_selu_with_he(keras):
    just = _just(activation="selu, because it is self-normalizing")
    _not_yet(nb09.q3, _builder(keras, activation="selu"), just, fragments=("lecun_normal",))


def test_q3_tanh_with_he(keras):
    just = _just(activation="tanh, zero-centred outputs")
    _not_yet(nb09.q3, _builder(keras, activation="tanh"), just, fragments=("Glorot",))


def test_q3_constant_initializer(keras):
    _not_yet(nb09.q3, _builder(keras, init="zeros"), GOOD, fragments=("constant weights",))


def test_q3_sigmoid_output(keras):
    _not_yet(nb09.q3, _builder(keras, output="sigmoid"), GOOD, fragments=("softmax",))


def test_q3_wrong_number_of_outputs(keras):
    _not_yet(nb09.q3, _builder(keras, n_out=1), GOOD, fragments=("(10,)",))


def test_q3_wrong_input_shape(keras):
    _not_yet(nb09.q3, _builder(keras, input_shape=(100,)), GOOD, fragments=("784",))


def test_q3_without_input(keras):
    _not_yet(nb09.q3, _builder(keras, with_input=False), GOOD, fragments=("keras.Input",))


def test_q3_companion_model():
    from companion import layers, models

    def build_capstone_model():
        return models.Sequential([layers.Dense(32, activation="relu"), layers.Dense(10)])

    _not_yet(nb09.q3, build_capstone_model, GOOD, fragments=("companion model",))


def test_q3_justification_as_a_string(keras):
    _not_yet(nb09.q3, _builder(keras), "relu and he_normal", fragments=("a dict",))


def test_q3_justification_missing_key(keras):
    just = {k: v for k, v in GOOD.items() if k != "regularization"}
    _not_yet(nb09.q3, _builder(keras), just, fragments=("'regularization'",))


def test_q3_justification_too_short(keras):
    _not_yet(nb09.q3, _builder(keras), _just(activation="relu"), fragments=("a sentence",))


def test_q3_justification_names_another_activation(keras):
    just = _just(activation="tanh because it is zero-centred")
    _not_yet(nb09.q3, _builder(keras), just, fragments=("justification['activation']",))


def test_q3_justification_names_another_initializer(keras):
    just = _just(initializer="glorot uniform, the default")
    _not_yet(nb09.q3, _builder(keras), just, fragments=("justification['initializer']",))


def test_q3_dropout_promised_but_missing(keras):
    _not_yet(nb09.q3, _builder(keras, dropout=0), GOOD, fragments=("no Dropout layer",))


def test_q3_l2_promised_but_missing(keras):
    just = _just(regularization="an L2 penalty of 1e-4 on the kernels")
    _not_yet(nb09.q3, _builder(keras), just, fragments=("kernel_regularizer",))


def test_q3_no_regularization_at_all_warns(keras):
    just = _just(regularization="none, the model is small enough")
    status, message = nb09.q3.evaluate(_builder(keras, dropout=0), just)
    assert status == CORRECT, message
    assert "Warning 1 (not an error)" in message and "early stopping" in message
    assert "regularized by nothing" in message


def test_q3_early_stopping_alone_is_accepted(keras):
    just = _just(regularization="early stopping on the validation loss, patience 3")
    assert nb09.q3.evaluate(_builder(keras, dropout=0), just)[0] == CORRECT


def test_q3_l2_is_accepted(keras):
    just = _just(regularization="L2(1e-4) on the hidden kernel keeps the weights small")
    assert nb09.q3.evaluate(_builder(keras, dropout=0, l2=1e-4), just)[0] == CORRECT


@pytest.mark.parametrize(
    ("activation", "init", "words"),
    [
        ("selu", "lecun_normal", ("selu keeps activations normalized", "lecun normal for selu")),
        ("tanh", "glorot_normal", ("tanh is zero-centred", "Xavier/Glorot for tanh")),
        ("silu", "he_uniform", ("swish is smooth like relu", "He uniform, relu-like")),
        ("gelu", "he_normal", ("gelu is smooth like relu", "kaiming normal for relu-like units")),
    ],
)
def test_q3_other_sensible_pairings_are_accepted(keras, activation, init, words):
    just = _just(activation=words[0], initializer=words[1])
    status, message = nb09.q3.evaluate(_builder(keras, activation=activation, init=init), just)
    assert status == CORRECT, message


def test_q3_images_with_flatten_and_logits_are_accepted(keras):
    build = _builder(keras, input_shape=(28, 28), output=None, units=(48, 32))
    status, message = nb09.q3.evaluate(build, GOOD)
    assert status == CORRECT, message
    assert "logits" in message


def test_q3_relu_layer_after_a_linear_dense_is_understood(keras):
    def build_capstone_model():
        return keras.Sequential(
            [
                keras.Input(shape=(784,)),
                keras.layers.Dense(64, kernel_initializer="glorot_uniform"),
                keras.layers.ReLU(),
                keras.layers.Dropout(0.2),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )

    # The ReLU layer is read as the Dense layer's activation: relu + Glorot, one hidden layer,
    # a warning that names He initialization.
    just = _just(initializer="glorot_uniform, the Dense default")
    status, message = nb09.q3.evaluate(build_capstone_model, just)
    assert status == CORRECT, message
    assert "Warning 1" in message and "he_normal" in message


def test_q3_check_is_cheap_and_does_not_train(keras):
    """The check reads the model; its weights stay as built (no fit inside the check)."""
    build = _builder(keras)
    made = []

    def build_capstone_model():
        model = build()
        made.append((model, [w.copy() for w in model.get_weights()]))
        return model

    assert nb09.q3.evaluate(build_capstone_model, GOOD)[0] == CORRECT
    ((model, before),) = made
    for w0, w1 in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(w0, w1)


def test_q3_custom_activation_function_with_an_underscore_is_named(keras):
    def swish_keras(x):  # the notebook's own custom activation
        return x * keras.ops.sigmoid(x)

    build = _builder(keras, activation=swish_keras)
    for words in ("swish_keras is smooth like relu", "swish is smooth like relu"):
        status, message = nb09.q3.evaluate(build, _just(activation=words))
        assert status == CORRECT, (words, message)
    _not_yet(nb09.q3, build, _just(activation="tanh is zero-centred"), fragments=("swish_keras",))


def _with_own_activation_layer(keras, init):
    class MyLeakyReLU(keras.layers.Layer):  # a learner's activation layer, as in Exercise 2
        def call(self, x):
            return keras.ops.where(x > 0, x, 0.1 * x)

    def build_capstone_model():
        return keras.Sequential(
            [
                keras.Input(shape=(784,)),
                keras.layers.Dense(64, kernel_initializer=init),
                MyLeakyReLU(),
                keras.layers.Dropout(0.2),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )

    return build_capstone_model


def test_q3_own_activation_layer_counts_as_the_activation(keras):
    just = _just(activation="a leaky relu keeps a gradient for negative inputs")
    status, message = nb09.q3.evaluate(_with_own_activation_layer(keras, "he_normal"), just)
    assert status == CORRECT, message
    assert "my_leaky_relu" in message
    just = _just(
        activation="a leaky relu keeps a gradient for negative inputs",
        initializer="glorot_uniform, the Dense default",
    )
    status, message = nb09.q3.evaluate(_with_own_activation_layer(keras, "glorot_uniform"), just)
    assert status == CORRECT, message
    assert "Warning 1" in message and "my_leaky_relu" in message and "he_normal" in message
