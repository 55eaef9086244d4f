"""Issue 17's examples, one test each: bad input gets a clear error, never a silent NaN.

Each test reproduces one example of the issue (a NaN, a wrong number, a string read as True,
a raw NumPy message) and asserts the contract of docs/architecture.md ("What each family does
with non-finite and out-of-domain input"). The property-based suite, tests/test_contract.py,
probes the same contract with drawn inputs.
"""

import warnings

import numpy as np
import pytest

from companion import activations, callbacks, gradcheck, initializers, layers, losses, models
from companion.optimizers import SGD, Adam, RMSprop
from companion.utils import check_bool


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    # A divide or overflow warning is how a silent NaN announces itself: none may escape.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


ONE_HOT = np.eye(3)[[0, 2]]


# --- losses ------------------------------------------------------------------------------------
def test_categorical_zero_rows_are_not_probabilities():
    with pytest.raises(ValueError, match=r"sum to 1.*sums to 0"):
        losses.CategoricalCrossentropy()(ONE_HOT, np.zeros((2, 3)))


@pytest.mark.parametrize(
    "loss",
    [
        losses.CategoricalCrossentropy(),
        losses.SparseCategoricalCrossentropy(),
    ],
)
def test_logits_passed_as_probabilities_suggest_from_logits(loss):
    y_true = ONE_HOT if isinstance(loss, losses.CategoricalCrossentropy) else np.array([0, 2])
    logits = np.array([[1000.0, -1000.0, 0.0], [2.0, -1.0, 0.5]])
    with pytest.raises(ValueError, match=r"from_logits=True") as info:
        loss(y_true, logits)
    assert "-1000 to 1000" in str(info.value)  # says what came


def test_negative_probabilities_are_not_a_perfect_score():
    # [-3, 1, 1] sums to -1; Keras's rescaling makes the true class 3 and scores it 1e-7.
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*from_logits=True"):
        losses.CategoricalCrossentropy()([[1.0, 0.0, 0.0]], [[-3.0, 1.0, 1.0]])


def test_binary_logits_as_probabilities():
    with pytest.raises(ValueError, match=r"from_logits=True, or apply sigmoid"):
        losses.BinaryCrossentropy()([[1.0], [0.0]], [[3.2], [-1.5]])


def test_zero_probability_for_the_true_class_keeps_keras_value(keras):
    # A valid probability row with a 0 where the true class is: Keras clips to 1e-7, -log = 16.1.
    y_true, y_pred = ONE_HOT[:1], np.array([[0.0, 1.0, 0.0]])
    ours = losses.CategoricalCrossentropy()(y_true, y_pred)
    theirs = float(keras.losses.CategoricalCrossentropy(dtype="float64")(y_true, y_pred))
    assert ours == pytest.approx(theirs, rel=1e-6)  # float64 against float64: rounding only
    assert ours == pytest.approx(-np.log(1e-7), rel=1e-6)


def test_binary_float16_probabilities_are_finite(keras):
    y_true = np.array([[1.0], [0.0], [1.0]], dtype=np.float16)
    y_pred = np.array([[1.0], [0.0], [0.9]], dtype=np.float16)  # valid, at the edges
    loss = losses.BinaryCrossentropy()
    values = loss.per_sample(y_true, y_pred)
    assert values.dtype == np.float16 and np.all(np.isfinite(values))
    grad = loss.backward(y_true, y_pred)
    assert grad.dtype == np.float16 and np.all(np.isfinite(grad))
    theirs = float(keras.losses.BinaryCrossentropy()(y_true, y_pred))  # Keras: float32 inside
    # float16 inputs, float32 computation on both sides: 1e-5 relative is float32 round-off
    # of a mean of three logs (Keras's float32 constants included).
    assert loss(y_true, y_pred) == pytest.approx(theirs, rel=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: losses.BinaryCrossentropy(from_logits="False"),
        lambda: losses.CategoricalCrossentropy(from_logits="yes"),
        lambda: losses.SparseCategoricalCrossentropy(from_logits=1),
    ],
)
def test_from_logits_must_be_a_bool(make):
    with pytest.raises(TypeError, match="`from_logits` must be True or False"):
        make()


# --- optimizers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("clip", [{"global_clipnorm": 1.0}, {"clipnorm": 1.0}])
def test_clipping_huge_float32_gradients(clip):
    w = np.zeros((4, 3), dtype=np.float32)
    g = np.full((4, 3), 1e20, dtype=np.float32)  # finite in float32, its square is not
    SGD(learning_rate=1.0, **clip).apply([g], [w])
    assert np.all(np.isfinite(w))
    # The clipped gradient has norm 1: each of the 12 equal entries is 1/sqrt(12).
    np.testing.assert_allclose(w, -1 / np.sqrt(12), rtol=1e-6)  # float32 round-off


def test_clipping_small_norms_unchanged_and_nan_propagates():
    w = np.zeros(2)
    SGD(learning_rate=1.0, clipnorm=10.0).apply([np.array([3.0, 4.0])], [w])
    np.testing.assert_array_equal(w, [-3.0, -4.0])
    w = np.zeros(2)
    SGD(learning_rate=1.0, global_clipnorm=1.0).apply([np.array([np.inf, 1.0])], [w])
    assert np.all(np.isnan(w))  # a diverged step shows up as NaN, as in Keras


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: SGD(momentum=0.5, nesterov="no"), "nesterov"),
        (lambda: Adam(amsgrad="False"), "amsgrad"),
        (lambda: RMSprop(centered=0), "centered"),
    ],
)
def test_optimizer_flags_must_be_bools(make, name):
    with pytest.raises(TypeError, match=f"`{name}` must be True or False"):
        make()


@pytest.mark.parametrize("cls", [Adam, RMSprop])
def test_epsilon_zero_rejected(cls):
    with pytest.raises(ValueError, match=r"`epsilon` must be in \(0.0, inf\]"):
        cls(epsilon=0)


def test_apply_with_none_gradient():
    w = np.ones(3)
    with pytest.raises(ValueError, match="Gradient 0 is None"):
        SGD().apply([None], [w])
    np.testing.assert_array_equal(w, 1.0)


# --- flags ---------------------------------------------------------------------------------------
def test_dropout_training_string():
    drop = layers.Dropout(0.5, seed=0)
    with pytest.raises(TypeError, match="`training` must be True or False"):
        drop(np.ones((2, 4)), training="False")
    np.testing.assert_array_equal(drop(np.ones((2, 4)), training=np.False_), 1.0)
    np.testing.assert_array_equal(drop(np.ones((2, 4)), training=None), 1.0)  # as Keras


def _compiled_model(metrics=None, loss="mse", units=1):
    activation = "softmax" if units > 1 else None
    model = models.Sequential([layers.Dense(units, activation=activation, seed=0)])
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    return model


def test_fit_shuffle_string():
    model = _compiled_model()
    with pytest.raises(TypeError, match="`shuffle` must be True or False"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), shuffle="False")


def test_gradient_stats_include_bias_string():
    from companion import diagnostics

    model = _compiled_model()
    with pytest.raises(TypeError, match="`include_bias` must be True or False"):
        diagnostics.gradient_stats(model, np.ones((4, 2)), np.ones((4, 1)), include_bias="no")


def test_check_bool():
    assert check_bool(np.True_, "flag") is True
    with pytest.raises(TypeError, match="`flag` must be True or False, but got 'False' \\(str\\)"):
        check_bool("False", "flag")


# --- non-finite state ----------------------------------------------------------------------------
def test_set_weights_overflowing_float32():
    dense = layers.Dense(2)
    dense.build(3)
    before = dense.get_weights()
    with pytest.raises(ValueError, match="overflows float32"):
        dense.set_weights([np.full((3, 2), 1e39), np.zeros(2)])
    for w, b in zip(dense.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, b)  # nothing was half-written


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_constant_initializer_nan(value):
    with pytest.raises(ValueError, match="finite"):
        initializers.Constant(value)


def test_initializer_overflowing_dtype():
    with pytest.raises(ValueError, match="not finite in float32"):
        initializers.Constant(1e39)((2, 2))
    assert initializers.Constant(1e39)((2,), dtype="float64")[0] == 1e39


# --- metrics -------------------------------------------------------------------------------------
def test_categorical_accuracy_with_integer_labels():
    model = _compiled_model(["categorical_accuracy"], "sparse_categorical_crossentropy", 3)
    x, y = np.ones((5, 2)), np.array([0, 1, 2, 0, 1])
    with pytest.raises(ValueError, match=r"'categorical_accuracy'.*\(5,\).*sparse_categorical"):
        model.evaluate(x, y)


def test_sparse_categorical_accuracy_with_one_hot_labels():
    model = _compiled_model(["sparse_categorical_accuracy"], "categorical_crossentropy", 3)
    x, y = np.ones((3, 2)), np.eye(3)
    with pytest.raises(ValueError, match=r"'sparse_categorical_accuracy'.*\(3, 3\).*'categorical"):
        model.evaluate(x, y)


# --- raw messages --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_on_empty_batch_matches_keras(keras, name):
    x = np.zeros((0, 3))
    ours = activations.get(name)(x)
    theirs = np.asarray(keras.activations.get(name)(x))
    assert ours.shape == theirs.shape == (0, 3) and ours.dtype == x.dtype


def test_flatten_on_empty_batch_matches_keras(keras):
    x = np.zeros((0, 2, 3), dtype=np.float32)
    ours = layers.Flatten()(x)
    theirs = np.asarray(keras.layers.Flatten()(x))
    assert ours.shape == theirs.shape == (0, 6)


def test_fit_callbacks_not_a_list():
    model = _compiled_model()
    with pytest.raises(TypeError, match=r"callbacks must be a list.*EarlyStopping"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), callbacks=callbacks.EarlyStopping())


def test_early_stopping_monitor_none_at_construction():
    with pytest.raises(TypeError, match="`monitor` must be the name"):
        callbacks.EarlyStopping(monitor=None)


def test_early_stopping_ambiguous_monitor_before_training():
    model = _compiled_model()
    stop = callbacks.EarlyStopping(monitor="my_score")
    w = model.layers[0]
    with pytest.raises(ValueError, match="maximized or minimized"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), callbacks=[stop])
    assert not w.built or model.history.epoch == []  # raised before an epoch trained


@pytest.mark.parametrize("shape", [(None, 2.7), (None, "3"), "784", (None, True)])
def test_shapes_must_be_ints(shape):
    with pytest.raises(TypeError, match="tuple of ints"):
        layers.Dense(2).build(shape)


@pytest.mark.parametrize("shape", [(2.0, 3), "4", (3, None)])
def test_initializer_shapes_must_be_ints(shape):
    with pytest.raises(TypeError, match="shape must be a tuple of non-negative integers"):
        initializers.GlorotUniform(seed=0)(shape)


def test_numerical_gradient_step_absorbed():
    with pytest.raises(ValueError, match=r"too large for the step h = 1e-05.*h=1e-05 \* 1e\+20"):
        gradcheck.numerical_gradient(lambda v: float(np.sum(v)), np.array([1e20]))
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        gradcheck.numerical_gradient(lambda v: float(np.sum(v)), np.array([np.inf, 0.0]))


# --- exercise checks -----------------------------------------------------------------------------
def _exercise_questions():
    from companion.exercises import nb01, nb05

    return {"nb01.q1": nb01.q1, "nb01.q2": nb01.q2, "nb05.q1": nb05.q1, "nb05.q2": nb05.q2}, nb05


WRONG_RETURNS = {
    "a tuple of strings": ("a", "b"),
    "(None, None)": (None, None),
    "a ragged list": [[1, 2], [3]],
    "10**400": 10**400,
    "a 2x2 array": np.ones((2, 2)),
}


def _returning(question, value):
    """A learner function with the question's number of arguments that returns ``value``."""
    import inspect

    n = len(inspect.signature(question.reference_answers()[0]).parameters)
    return {1: lambda a: value, 2: lambda a, b: value, 3: lambda a, b, c: value}[n]


@pytest.mark.parametrize("which", ["nb01.q1", "nb01.q2", "nb05.q1", "nb05.q2", "nb05.q4"])
@pytest.mark.parametrize("label", list(WRONG_RETURNS))
def test_wrong_answer_forms_get_not_yet_not_a_course_bug(which, label):
    questions, nb05 = _exercise_questions()
    q = questions.get(which) or nb05.q4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the check reports NumPy's warnings in its message
        status, message = q.evaluate(_returning(q, WRONG_RETURNS[label]))
    assert status == "not yet"
    assert "bug in the course" not in message
    assert message  # names what came (tested in detail in test_exercises_core.py)


@pytest.mark.parametrize("which", ["nb01.q1", "nb05.q4"])
def test_answer_passed_twice(which):
    questions, nb05 = _exercise_questions()
    q = questions.get(which) or nb05.q4
    solution = q.reference_answers()[0]
    status, message = q.evaluate(solution, solution)
    assert status == "not yet" and "expects 1 answer(s)" in message


def test_nb05_infinite_loop_system_exit_and_seterr():
    import sys

    from companion.exercises import core

    _, nb05 = _exercise_questions()

    def most_confused(counts):
        while True:
            pass

    q = core.Question(
        "q4", check_fn=nb05.q4.check_fn, solution_source=nb05.q4.solution_source, time_limit=0.3
    )
    status, message = q.evaluate(most_confused)
    assert status == "not yet" and "did not return within 0.3 s — an infinite loop?" in message

    def exits(counts):
        sys.exit(0)

    assert nb05.q4.evaluate(exits)[0] == "not yet"

    def seterr_then_solve(counts):
        np.seterr(all="raise")
        off = np.array(counts, dtype=np.int64)
        np.fill_diagonal(off, -1)
        i, j = np.unravel_index(np.argmax(off), off.shape)
        return int(i), int(j)

    before = np.geterr()
    assert nb05.q4.evaluate(seterr_then_solve)[0] == "correct"
    assert np.geterr() == before
