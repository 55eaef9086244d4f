"""The checks of notebook 07's exercises: right answers pass, blanks and typical mistakes don't."""

import numpy as np
import pytest

from companion.exercises import nb07
from companion.exercises.core import CORRECT, NOT_YET


@pytest.fixture(autouse=True)
def _keras_loaded(keras):
    """q3 builds Keras tensors; load Keras once with the quiet test settings."""
    return keras


def _not_yet(q, answer, *fragments):
    status, message = q.evaluate(answer)
    assert status == NOT_YET, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- q1: the factor along a chain of sigmoid units ---------------------------------------------


def test_q1_reference_matches_tensorflow_chain_rule(tf):
    """The product of w * sigmoid'(z) is what GradientTape gives for a chain of sigmoid units."""
    for z, w in nb07._factor_cases():
        # Build the chain h_i = sigmoid(w_i * h_{i-1}) whose pre-activations are exactly z.
        h_prev = np.concatenate([[1.0], _sigmoid(z[:-1])])
        biases = tf.constant(z - w * h_prev)
        x = tf.Variable(1.0, dtype=tf.float64)
        with tf.GradientTape() as tape:
            h = x
            for i in range(len(z)):
                h = tf.sigmoid(w[i] * h + biases[i])
        grad = float(tape.gradient(h, x))
        # float64 throughout: rounding only (~1e-15 relative on 20 factors).
        assert nb07._factor_ref(z, w) == pytest.approx(grad, rel=1e-12)


def test_q1_best_case_is_a_quarter_per_unit():
    assert nb07._factor_ref(np.zeros(20), np.ones(20)) == pytest.approx(0.25**20, rel=1e-14)


def test_q1_float32_answer_is_accepted():
    def backprop_factor(z, w):
        s = 1 / (1 + np.exp(-z.astype("float32")))
        return np.prod(w.astype("float32") * s * (1 - s))

    assert nb07.q1.evaluate(backprop_factor)[0] == CORRECT


def test_q1_weights_left_out():
    _not_yet(nb07.q1, lambda z, w: np.prod(_sigmoid(z) * (1 - _sigmoid(z))), "left out the weights")


def test_q1_sigmoid_values_instead_of_derivative():
    _not_yet(nb07.q1, lambda z, w: np.prod(w * _sigmoid(z)), "VALUES")


def test_q1_sum_instead_of_product():
    _not_yet(nb07.q1, lambda z, w: np.sum(w * _sigmoid(z) * (1 - _sigmoid(z))), "MULTIPLIES")


def test_q1_tanh_derivative():
    _not_yet(nb07.q1, lambda z, w: np.prod(w * (1 - np.tanh(z) ** 2)), "tanh's derivative")


def test_q1_absolute_weights():
    def backprop_factor(z, w):
        s = _sigmoid(z)
        return np.prod(np.abs(w) * s * (1 - s))

    _not_yet(nb07.q1, backprop_factor, "sign of the weights")


def test_q1_elementwise_factors_not_multiplied():
    _not_yet(nb07.q1, lambda z, w: w * _sigmoid(z) * (1 - _sigmoid(z)), "ONE number")


# --- q2: diagnose --------------------------------------------------------------------------------


def _solution(q, name):
    ns = {"np": np}
    exec(q.solution_source, ns)
    return ns[name]


def test_q2_reference_on_the_notebook_cases():
    # RMS gradients as notebook 07 prints them (first ... last of 20 layers).
    assert nb07._diagnose_ref(np.geomspace(1.76e-14, 0.0232, 20)) == "vanishing"  # sigmoid
    assert nb07._diagnose_ref(np.geomspace(0.00243, 0.00497, 20)) == "healthy"  # tanh
    assert nb07._diagnose_ref(np.geomspace(0.063, 0.0728, 20)) == "healthy"  # selu
    assert nb07._diagnose_ref(np.geomspace(4.73e-6, 1.9e-5, 20)) == "vanishing"  # relu + Glorot
    assert nb07._diagnose_ref(np.geomspace(0.00987, 0.0323, 20)) == "healthy"  # relu + He
    assert nb07._diagnose_ref(np.geomspace(4.94, 95.9, 20)) == "exploding"  # relu, N(0, 0.25)
    assert nb07._diagnose_ref(np.geomspace(1.85, 0.02, 20)) == "exploding"  # tanh, N(0, 0.5)
    assert nb07._diagnose_ref(np.geomspace(0.0656, 0.503, 20)) == "healthy"  # small residuals
    assert nb07._diagnose_ref(np.geomspace(0.00387, 0.0207, 20)) == "healthy"  # sigmoid + BN


def test_q2_solution_source_agrees_with_the_reference():
    diagnose = _solution(nb07.q2, "diagnose")
    for norms, _ in nb07._diagnose_cases():
        assert diagnose(norms) == nb07._diagnose_ref(norms)


def test_q2_inverted_ratio():
    reference = _solution(nb07.q2, "diagnose")

    def diagnose(norms):
        return reference(list(norms)[::-1])

    _not_yet(nb07.q2, diagnose, "LAST value by the FIRST")


def test_q2_no_size_rule():
    def diagnose(norms):
        norms = np.asarray(norms, dtype=float)
        if not np.all(np.isfinite(norms)):
            return "exploding"
        ratio = norms[0] / norms[-1]
        return "vanishing" if ratio < 1e-2 else "exploding" if ratio > 10 else "healthy"

    _not_yet(nb07.q2, diagnose, "every RMS gradient is tiny")


def test_q2_no_finite_check():
    def diagnose(norms):
        norms = np.asarray(norms, dtype=float)
        ratio = norms[0] / norms[-1]
        if ratio < 1e-2:
            return "vanishing"
        if ratio > 10 or norms.max() > 10:
            return "exploding"
        return "vanishing" if norms.max() < 1e-4 else "healthy"

    _not_yet(nb07.q2, diagnose, "np.isfinite")


def test_q2_capitalised_labels_are_accepted():
    reference = _solution(nb07.q2, "diagnose")
    assert nb07.q2.evaluate(lambda norms: reference(norms).capitalize() + " ")[0] == CORRECT


def test_q2_not_a_label():
    _not_yet(nb07.q2, lambda norms: "fine", "one of the strings")
    _not_yet(nb07.q2, lambda norms: 0, "one of the strings")


# --- q3: residual block ----------------------------------------------------------------------


def test_q3_reference_output_is_input_plus_branch(keras):
    residual_block = _solution_with_keras(keras)
    inputs = keras.Input(shape=(8,))
    model = keras.Model(inputs, residual_block(inputs, 8))
    x = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 1  # identity shortcut: no projection
    kernel, bias = dense[0].get_weights()
    want = x + np.maximum(x @ kernel + bias, 0)
    # float32 matmul of 8 terms of size O(1): round-off ~1e-6.
    np.testing.assert_allclose(np.asarray(model(x)), want, rtol=1e-5, atol=1e-5)


def _solution_with_keras(keras):
    ns = {"np": np, "keras": keras}
    exec(nb07.q3.solution_source, ns)
    return ns["residual_block"]


def test_q3_plus_operator_is_accepted(keras):
    def residual_block(h, units):
        shortcut = h if h.shape[-1] == units else keras.layers.Dense(units)(h)
        return shortcut + keras.layers.Dense(units, activation="relu")(h)

    assert nb07.q3.evaluate(residual_block)[0] == CORRECT


def test_q3_separate_activation_layer_is_accepted(keras):
    def residual_block(h, units):
        branch = keras.layers.Activation("relu")(keras.layers.Dense(units)(h))
        shortcut = h if h.shape[-1] == units else keras.layers.Dense(units, use_bias=False)(h)
        return keras.layers.Add()([shortcut, branch])

    assert nb07.q3.evaluate(residual_block)[0] == CORRECT


def test_q3_no_skip(keras):
    _not_yet(
        nb07.q3, lambda h, units: keras.layers.Dense(units, activation="relu")(h), "branch alone"
    )


def test_q3_concatenate(keras):
    def residual_block(h, units):
        branch = keras.layers.Dense(units, activation="relu")(h)
        return keras.layers.Concatenate()([h, branch])

    _not_yet(nb07.q3, residual_block, "Concatenate")


def test_q3_no_projection(keras):
    def residual_block(h, units):
        return keras.layers.Add()([h, keras.layers.Dense(units, activation="relu")(h)])

    _not_yet(nb07.q3, residual_block, "project the shortcut")


def test_q3_relu_after_the_sum(keras):
    def residual_block(h, units):
        shortcut = h if h.shape[-1] == units else keras.layers.Dense(units)(h)
        total = keras.layers.Add()([shortcut, keras.layers.Dense(units)(h)])
        return keras.layers.Activation("relu")(total)

    _not_yet(nb07.q3, residual_block, "after the sum")


def test_q3_linear_branch(keras):
    def residual_block(h, units):
        shortcut = h if h.shape[-1] == units else keras.layers.Dense(units)(h)
        return keras.layers.Add()([shortcut, keras.layers.Dense(units)(h)])

    _not_yet(nb07.q3, residual_block, "no activation")


def test_q3_always_projected(keras):
    def residual_block(h, units):
        branch = keras.layers.Dense(units, activation="relu")(h)
        return keras.layers.Add()([keras.layers.Dense(units)(h), branch])

    _not_yet(nb07.q3, residual_block, "identity")


def test_q3_projection_with_relu(keras):
    def residual_block(h, units):
        branch = keras.layers.Dense(units, activation="relu")(h)
        if h.shape[-1] == units:
            shortcut = h
        else:
            shortcut = keras.layers.Dense(units, activation="relu")(h)
        return keras.layers.Add()([shortcut, branch])

    _not_yet(nb07.q3, residual_block, "linear")


def test_q3_returns_a_model(keras):
    def residual_block(h, units):
        out = keras.layers.Add()([h, keras.layers.Dense(units, activation="relu")(h)])
        return keras.Model(h, out)

    _not_yet(nb07.q3, residual_block, "TENSOR")


# --- q4: clip_by_norm ------------------------------------------------------------------------


def test_q4_reference_matches_keras_clipnorm(keras):
    """One SGD step with learning rate 1 from zero weights moves them by -clip(g)."""
    for g, clipnorm in nb07._clip_cases():
        variable = keras.Variable(np.zeros_like(g), dtype="float64")
        opt = keras.optimizers.SGD(learning_rate=1.0, clipnorm=clipnorm)
        opt.apply_gradients([(keras.ops.convert_to_tensor(g), variable)])
        # float64 variable and gradient: rounding only.
        np.testing.assert_allclose(
            -np.asarray(variable), nb07._clip_ref(g, clipnorm), rtol=1e-12, atol=1e-15
        )


def test_q4_reference_matches_the_companion_optimizer():
    from companion.optimizers import SGD

    for g, clipnorm in nb07._clip_cases():
        w = np.zeros_like(g)
        SGD(learning_rate=1.0, clipnorm=clipnorm).apply([g], [w])
        np.testing.assert_allclose(-w, nb07._clip_ref(g, clipnorm), rtol=1e-12, atol=1e-15)


def test_q4_clipvalue():
    _not_yet(nb07.q4, lambda g, c: np.clip(g, -c, c), "clipvalue")


def test_q4_always_rescaled():
    _not_yet(nb07.q4, lambda g, c: g * c / np.sqrt(np.sum(g**2)), "ABOVE clipnorm")


def test_q4_clipnorm_factor_missing():
    _not_yet(nb07.q4, lambda g, c: g / max(np.sqrt(np.sum(g**2)), c), "multiply by")


def test_q4_l1_norm():
    _not_yet(nb07.q4, lambda g, c: g * c / max(np.sum(np.abs(g)), c), "Euclidean")


def test_q4_squared_norm():
    _not_yet(nb07.q4, lambda g, c: g * c / max(np.sum(g**2), c), "SQUARED")


def test_q4_in_place():
    def clip_by_norm(g, clipnorm):
        g *= clipnorm / max(np.sqrt(np.sum(g**2)), clipnorm)
        return g

    _not_yet(nb07.q4, clip_by_norm, "in place")


def test_q4_returns_the_norm():
    _not_yet(nb07.q4, lambda g, c: min(np.sqrt(np.sum(g**2)), c), "shape")


# --- q5: an investigation: the factor per sigmoid layer -----------------------------------------


def _ratio(model, x, y):
    rms = nb07.diagnostics.gradient_stats(model, x, y, "sparse_categorical_crossentropy")
    return rms.column("grad_rms")[0] / rms.column("grad_rms")[-1]


@pytest.fixture(scope="module")
def measured():
    """The reference sweep's estimates of the factor per layer (seed 0, depths 5, 10, 20)."""
    x, y = nb07._probe()
    nets = [nb07._companion_net("sigmoid", "glorot_uniform", "dense", 0, d) for d in nb07._DEPTHS]
    return nb07._factor_estimates([_ratio(net, x, y) for net in nets])


def test_q5_reference_sweep_fits_a_factor_near_a_quarter(measured):
    # The notebook's section 3: 20 sigmoid layers, first/last ~1e-12, so ~0.23 per layer.
    assert 0.2 < min(measured) <= max(measured) < 0.245


def test_q5_reference_network_is_the_notebook_construction(keras):
    """_companion_net draws the same weights as companion_net of the notebook: one Generator
    from the seed, layer after layer (here checked against Keras's glorot_uniform limits and
    against a second build)."""
    a = nb07._companion_net("sigmoid", "glorot_uniform", "dense", 0, depth=5)
    b = nb07._companion_net("sigmoid", "glorot_uniform", "dense", 0, depth=5)
    a.build((None, 784))
    b.build((None, 784))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    kernels = a.get_weights()[::2]
    assert not np.array_equal(kernels[1], kernels[2])  # every layer draws its own weights
    assert np.abs(kernels[1]).max() <= np.sqrt(6 / 128)  # Glorot uniform, 64 in and 64 out


def test_q5_solution_passes_and_says_what_it_measured():
    status, message = nb07.q5.evaluate_solution()
    assert status == CORRECT, message
    assert "you predicted 0.25" in message and "0.23 per layer" in message


def test_q5_any_reading_of_the_sweep_is_accepted(measured):
    for estimate in measured:
        assert nb07.q5.evaluate(0.25, _ratio, estimate)[0] == CORRECT


def test_q5_a_prediction_far_off_is_still_correct_and_compared(measured):
    status, message = nb07.q5.evaluate(0.9, _ratio, measured[0])
    assert status == CORRECT and "you predicted 0.9" in message


def test_q5_blank_parts_are_not_attempted(measured):
    assert nb07.q5.evaluate(..., _ratio, measured[0])[0] == "not attempted"
    assert nb07.q5.evaluate(0.25, _ratio, ...)[0] == "not attempted"
    assert nb07.q5.evaluate(0.25, lambda model, x, y: ..., measured[0])[0] == "not attempted"


def test_q5_prediction_must_be_a_positive_number(measured):
    for prediction, fragment in (("quarter", "a number"), (-0.25, "positive")):
        status, message = nb07.q5.evaluate(prediction, _ratio, measured[0])
        assert status == NOT_YET and fragment in message, message


def _wrong_ratio(fn, fragment, measured):
    status, message = nb07.q5.evaluate(0.25, fn, measured[0])
    assert status == NOT_YET, message
    assert fragment in message, message


def test_q5_inverted_ratio(measured):
    _wrong_ratio(lambda m, x, y: 1 / _ratio(m, x, y), "last / first", measured)


def test_q5_frobenius_norms(measured):
    def by_norm(model, x, y):
        table = nb07.diagnostics.gradient_stats(model, x, y, "sparse_categorical_crossentropy")
        return table.column("grad_norm")[0] / table.column("grad_norm")[-1]

    _wrong_ratio(by_norm, "grad_rms", measured)


def test_q5_first_layer_only(measured):
    def first_only(model, x, y):
        table = nb07.diagnostics.gradient_stats(model, x, y, "sparse_categorical_crossentropy")
        return table.column("grad_rms")[0]

    _wrong_ratio(first_only, "divide it by the last", measured)


def test_q5_the_whole_table(measured):
    def whole(model, x, y):
        return nb07.diagnostics.gradient_stats(model, x, y, "sparse_categorical_crossentropy")

    status, message = nb07.q5.evaluate(0.25, whole, measured[0])
    assert status == NOT_YET and "return a number" in message, message


@pytest.mark.parametrize(
    ("wrong", "fragment"),
    [
        (lambda f: np.log10(f), "LOGARITHM"),  # the slope itself
        (lambda f: np.log(f), "LOGARITHM"),
        (lambda f: 1 / f, "GROW"),  # inverted
        (lambda f: f**19, "ONE layer"),  # the 20-layer ratio
        (lambda f: 0.25, "bound of section 1"),  # the prediction, not a measurement
        (lambda f: np.sqrt(f), "fit the ratios"),
    ],
)
def test_q5_typical_wrong_factors(measured, wrong, fragment):
    status, message = nb07.q5.evaluate(0.25, _ratio, wrong(measured[0]))
    assert status == NOT_YET and fragment in message, message


def test_q5_hints_do_not_give_the_answer_before_the_last():
    assert all("10**slope" not in h for h in nb07.q5.hints[:-1])
    assert "factor_per_layer = 10**slope" in nb07.q5.hints[-1]


@pytest.mark.parametrize("k", [0, 1])  # ratio**(1/depth), ratio**(1/(depth - 1))
def test_q5_averaged_roots_per_depth_are_explained(k):
    """A learner who averages a root per depth instead of fitting the line is told why that
    is off (the constant C), not that 0.25 is 'your prediction'."""
    x, y = nb07._probe()
    nets = [nb07._companion_net("sigmoid", "glorot_uniform", "dense", 0, d) for d in nb07._DEPTHS]
    ratios = [_ratio(net, x, y) for net in nets]
    averaged = np.mean([r ** (1 / (d - k)) for r, d in zip(ratios, nb07._DEPTHS)])
    # Both readings lie outside the accepted band (0.218 to 0.249 on this batch).
    status, message = nb07.q5.evaluate(0.25, _ratio, averaged)
    assert status == NOT_YET and "root per depth" in message and "cancels C" in message, message
