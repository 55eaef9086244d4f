"""Shared test setup: quiet, repeatable TensorFlow, set before anything imports it."""

import contextlib
import os

# Must be set before TensorFlow is imported anywhere in the test session.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # repeatable CPU float sums
os.environ.setdefault("MPLBACKEND", "Agg")
# Live class progress stays off in the tests (and in the kernels they start), even when they
# run in a terminal of a class hub that has it on: tests/test_progress.py turns it on itself.
os.environ.pop("COURSE_PROGRESS_DIR", None)
# `make test-backends` sets KERAS_BACKEND=jax: JAX computes float64 only if enabled before it is
# imported (float64 arrays would silently become float32), as companion.utils.setup_notebook does.
if os.environ.get("KERAS_BACKEND") == "jax":
    os.environ.setdefault("JAX_ENABLE_X64", "true")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Locally, Hypothesis draws new examples on every run and keeps the failures it finds in
# .hypothesis/ to replay them. In CI (CI=true) a fresh clone has no such database, so the draws
# are derandomized: the same examples on every CI run, and a red CI is reproducible by running
# `CI=true make test`. Failing examples are printed with the blob to replay them.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")


# --------------------------------------------------------------------------------------------
# Keras backends (make test-backends runs the Keras-facing tests once per backend)
# --------------------------------------------------------------------------------------------

KERAS_BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")

# Keras 3 computes float64 in float32 on torch wherever its own type promotion picks the dtype:
# keras.backend.result_type maps float64 to float32 on every backend but TensorFlow
# (BIT64_TO_BIT32_DTYPE in keras/src/backend/common/dtypes.py), and the torch backend uses it in
# matmul, in losses and metrics and wherever a float64 tensor meets a Python float. A float64
# comparison there measures float32 rounding (~1e-8..1e-7 relative), not the formulas: these
# tests are skipped on torch, whose float32 tests (and the elementwise float64 ones that pass)
# carry the comparison. On JAX (with JAX_ENABLE_X64) matmul stays float64, but the ops that ask
# result_type for their dtype (keras.ops.tanh, hence activations.tanh and Dense(tanh)) compute
# float64 in float32 as well; which JAX tests that skips is not settled yet (issue 13).
TORCH_FLOAT64_IN_FLOAT32 = {
    "test_layers.py": {
        "test_dense_forward_float64_matches_keras",
        "test_dense_nd_inputs_contract_last_axis",
        "test_dense_backward_nd_sums_over_leading_axes",
        "test_hypothesis_shapes_forward_backward",
    },
    "test_losses.py": {
        "test_value_and_backward_match_keras_float64",
        "test_reduction",
        "test_categorical_logits_gradient_for_targets_not_summing_to_one",
        "test_column_targets_do_not_broadcast",
        "test_per_sample_matches_keras_functions",
        "test_sparse_label_shapes_and_values",
        "test_one_dimensional_inputs_are_one_sample_like_keras",
        "test_categorical_axis_matches_keras",
        "test_dtypes",
        "test_extremes_are_finite_and_match_keras[float64]",
    },
    "test_models.py": {
        "test_predict_equals_keras_float64",
        "test_from_keras_activation_layers_keep_their_parameters",
        "test_get_set_weights_flat_keras_order",
        "test_backward_matches_gradient_tape",
        "test_evaluate_matches_keras",
        "test_accuracy_resolves_like_keras",
    },
    "test_optimizers.py": {
        "test_float64_matches_keras_to_rounding",
        "test_clipping_really_clips",
        "test_hypothesis_random_shapes_and_steps",
    },
    "test_residual_dense.py": {
        "test_forward_matches_keras_add_of_dense_float64",
        "test_backward_matches_the_backends_autodiff",
        "test_a_chain_of_blocks_has_the_gradients_of_the_keras_functional_model",
        "test_fit_matches_keras_functional_model",
    },
    "test_training_equivalence.py": {
        "test_every_loss_head",
        "test_every_optimizer_sparse_softmax",
        "test_keras_defaults_within_documented_bound",
        "test_regularization_is_in_the_reported_loss",
    },
    "test_diagnostics.py": {
        "test_activation_stats_keras_equals_companion_float64",
        "test_gradient_stats_keras_equals_companion_float64",
        "test_keras_functional_with_skip_connection",
        "test_weight_gradients_keras_equals_companion_elementwise",
    },
}

# Keras on JAX (with JAX_ENABLE_X64) keeps matmul and most elementwise ops in float64, but the
# ops that ask keras.backend.result_type for their dtype compute float64 in float32 there too:
# keras.ops.tanh (hence activations.tanh, Activation("tanh") and Dense(tanh)), and the losses
# that meet a Python float (mean_squared_error, mean_absolute_error, binary_crossentropy), hence
# the float64 models and training runs scored by them (the cross-entropies of categorical and
# sparse labels stay float64 and are compared). Measured gaps are float32 rounding
# (1e-8..1e-7 relative) against 1e-12..1e-15 bounds; these are skipped on JAX (the float32
# tests, the other float64 activations and the float64 optimizers carry the comparison).
JAX_FLOAT64_IN_FLOAT32 = {
    "test_activations.py": {
        "test_matches_keras_on_a_grid[tanh-float64]",
        "test_random_shapes_and_values_match_keras[tanh]",
    },
    "test_layers.py": {
        "test_dense_backward_nd_sums_over_leading_axes",
        "test_activation_layer_matches_keras[tanh]",
        "test_hypothesis_shapes_forward_backward",  # draws tanh among the activations
    },
    "test_compare.py": {"test_activation_gaps_are_float64_rounding_for_relu_and_tanh"},
    "test_residual_dense.py": {
        "test_forward_matches_keras_add_of_dense_float64[shape0-tanh]",
        "test_forward_matches_keras_add_of_dense_float64[shape1-tanh]",
        "test_backward_matches_the_backends_autodiff[shape0-tanh]",
        "test_backward_matches_the_backends_autodiff[shape1-tanh]",
    },
    "test_losses.py": {
        "test_value_and_backward_match_keras_float64[mean_absolute_error]",
        "test_value_and_backward_match_keras_float64[mean_squared_error]",
        "test_value_and_backward_match_keras_float64[binary_crossentropy-from_logits=False]",
        "test_value_and_backward_match_keras_float64[binary_crossentropy-from_logits=True]",
        "test_value_and_backward_match_keras_float64[binary_crossentropy-from_logits=False-label_smoothing=0.2]",
        "test_value_and_backward_match_keras_float64[binary_crossentropy-from_logits=True-label_smoothing=0.2]",
        "test_per_sample_matches_keras_functions[mean_absolute_error]",
        "test_per_sample_matches_keras_functions[mean_squared_error]",
        "test_per_sample_matches_keras_functions[binary_crossentropy-from_logits=False]",
        "test_per_sample_matches_keras_functions[binary_crossentropy-from_logits=True]",
        "test_reduction[mean_absolute_error-sum]",
        "test_reduction[mean_absolute_error-sum_over_batch_size]",
        "test_reduction[mean_squared_error-sum]",
        "test_reduction[mean_squared_error-sum_over_batch_size]",
        "test_reduction[binary_crossentropy-from_logits=False-sum]",
        "test_reduction[binary_crossentropy-from_logits=False-sum_over_batch_size]",
        "test_reduction[binary_crossentropy-from_logits=True-sum]",
        "test_reduction[binary_crossentropy-from_logits=True-sum_over_batch_size]",
        "test_column_targets_do_not_broadcast[mean_absolute_error]",
        "test_column_targets_do_not_broadcast[mean_squared_error]",
        "test_column_targets_do_not_broadcast[binary_crossentropy-from_logits=False]",
        "test_column_targets_do_not_broadcast[binary_crossentropy-from_logits=True]",
        "test_categorical_logits_gradient_for_targets_not_summing_to_one",
        "test_extremes_are_finite_and_match_keras[binary_crossentropy-True-float64]",
        "test_one_dimensional_inputs_are_one_sample_like_keras",
    },
    "test_models.py": {
        "test_predict_equals_keras_float64",
        "test_get_set_weights_flat_keras_order",
        "test_backward_matches_gradient_tape",
        "test_accuracy_resolves_like_keras",
    },
    "test_training_equivalence.py": {"test_every_loss_head"},
    "test_diagnostics.py": {
        "test_activation_stats_keras_equals_companion_float64",
        "test_gradient_stats_keras_equals_companion_float64",
        "test_weight_gradients_keras_equals_companion_elementwise",
        "test_keras_functional_with_skip_connection",
    },
}

# Keras's BatchNormalization computes in backend.result_type(inputs.dtype, "float32")
# (keras/src/layers/normalization/batch_normalization.py), which is float32 for float64 inputs
# on JAX and torch (the BIT64_TO_BIT32 mapping above) and float64 on TensorFlow. So the float64
# comparisons of tests/test_batchnorm.py hold to 1e-12 relative on TensorFlow; on JAX and torch
# Keras's side carries float32 rounding: measured up to 1.3e-7 relative (outputs of order 1-8,
# a dozen float32 operations), bounded here by 2e-6 (15x margin); a formula error is >= 1e-3.
BATCHNORM_FLOAT64_RTOL = 1e-12 if KERAS_BACKEND == "tensorflow" else 2e-6
# Float64 training trajectories through a BatchNormalization compared to 1e-9 (twelve steps in
# test_batchnorm.py's fit test; six in the update:data ratio test, whose log10 ratios differ by
# ~1e-8 on torch) measure float32 rounding on JAX and torch: skipped there.
BATCHNORM_IN_FLOAT32 = {
    "test_batchnorm.py": {"test_fit_matches_keras_weights_and_moving_statistics"},
    "test_diagnostics.py": {"test_update_ratio_companion_equals_keras_on_a_from_keras_copy"},
}

# Gradients at a kink are a convention: at exactly 0, JAX's autodiff of leaky_relu, selu and
# relu(negative_slope or threshold) takes the slope of the other side than TensorFlow's (which
# the companion follows), and JAX's d|w|/dw at w = 0 is 1 where TensorFlow's (sign) is 0. The
# tests that put inputs on the kink compare that convention, so they are skipped on JAX; the
# same functions away from the kink are compared by the grid and random-input tests.
JAX_KINK_GRADIENT = {
    "test_activations.py": {
        f"test_extreme_inputs_without_warnings[{config}-{dtype}]"
        for config in (
            "leaky_relu",
            "selu",
            "relu-negative_slope=0.1",
            "relu-threshold=-1.0-max_value=5.0",
            "leaky_relu-negative_slope=0.01",
            "leaky_relu-negative_slope=1.5",
        )
        for dtype in ("float64", "float32")
    },
    "test_regularizers.py": {
        "test_default_l1_gradient_at_zero_is_zero",
        "test_gradient_matches_tape_float64",
    },
}

# TensorFlow-only behaviour that the companion mirrors: Keras scores a softmax/sigmoid output
# from the logits it carries on the TensorFlow backend only; and at a probability of exactly 0
# (clipped to 1e-7) TensorFlow's gradient is 0 where Keras on torch differentiates the
# normalisation p / sum(p) (1/3 in that test's third sample).
TENSORFLOW_ONLY = {
    "test_training_equivalence.py": {"test_softmax_output_scored_from_logits_like_keras"},
    "test_diagnostics.py": {"test_softmax_output_scored_from_logits_like_keras"},
    # a softmax output trained and differentiated with sparse cross-entropy
    "test_residual_dense.py": {
        "test_a_chain_of_blocks_has_the_gradients_of_the_keras_functional_model",
        "test_fit_matches_keras_functional_model",
    },
}
# At the clip boundary itself JAX's min/max split the gradient between the two arguments
# (half of it flows, -5e5 where TensorFlow's clip passes -1e6 in binary_crossentropy's float32
# extremes), and for a probability of exactly 0 it differentiates p / sum(p) like torch.
CLIP_GRADIENT = {
    "test_losses.py": {
        "test_extremes_are_finite_and_match_keras[binary_crossentropy-False-float32]",
        "test_extremes_are_finite_and_match_keras[sparse_categorical_crossentropy-False-float32]",
        "test_extremes_are_finite_and_match_keras[binary_crossentropy-False-float64]",
        "test_extremes_are_finite_and_match_keras[sparse_categorical_crossentropy-False-float64]",
    },
}
TORCH_CLIP_GRADIENT = {
    "test_losses.py": {
        "test_extremes_are_finite_and_match_keras[sparse_categorical_crossentropy-False-float32]"
    },
}


def _listed(item, table):
    names = table.get(item.path.name, ())
    base = item.originalname or item.name
    if base in names or item.name in names:
        return True
    # "name[float64]": only the float64 parametrizations
    return f"{base}[float64]" in names and "float64" in item.name


# (backends it applies to, None for every one but TensorFlow; table; reason): the first listing
# that applies skips the test.
_BACKEND_SKIPS = [
    (
        None,
        TENSORFLOW_ONLY,
        f"TensorFlow-specific Keras behaviour (this run's backend: {KERAS_BACKEND})",
    ),
    (
        ("torch",),
        TORCH_FLOAT64_IN_FLOAT32,
        "Keras on torch computes float64 in float32 (see tests/conftest.py)",
    ),
    (
        ("jax",),
        JAX_FLOAT64_IN_FLOAT32,
        "Keras on JAX computes these float64 ops in float32 (see tests/conftest.py)",
    ),
    (
        ("jax",),
        CLIP_GRADIENT,
        "Keras on JAX: gradient at the clipping boundary (tests/conftest.py)",
    ),
    (
        ("jax",),
        JAX_KINK_GRADIENT,
        "JAX's gradient at a kink follows another convention (tests/conftest.py)",
    ),
    (
        None,
        BATCHNORM_IN_FLOAT32,
        "Keras's BatchNormalization computes float64 in float32 off TensorFlow",
    ),
    (
        ("torch",),
        TORCH_CLIP_GRADIENT,
        "Keras on torch: gradient at a probability of exactly 0 (tests/conftest.py)",
    ),
]


def pytest_collection_modifyitems(config, items):
    if KERAS_BACKEND == "tensorflow":
        return
    for item in items:
        for backends, table, reason in _BACKEND_SKIPS:
            if (backends is None or KERAS_BACKEND in backends) and _listed(item, table):
                item.add_marker(pytest.mark.skip(reason=reason))
                break


@pytest.fixture(scope="session")
def keras():
    """Keras with the TensorFlow backend, imported once per session."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras as _keras

    return _keras


@pytest.fixture
def keras_float64(keras):
    """A context manager: Keras in float64 inside the ``with`` block, as before it after.

    Keras caches its global dtype policy from floatx the first time a layer is made, so
    setting floatx alone is not enough (and would leak into later tests): it sets and restores
    both.
    """

    @contextlib.contextmanager
    def float64():
        previous_floatx, previous_policy = keras.config.floatx(), keras.config.dtype_policy()
        keras.config.set_floatx("float64")
        keras.config.set_dtype_policy("float64")
        try:
            yield keras
        finally:
            keras.config.set_floatx(previous_floatx)
            keras.config.set_dtype_policy(previous_policy)

    return float64


@pytest.fixture(scope="session", autouse=True)
def _torch_tensors_read_by_numpy():
    """On torch, np.asarray reads Keras outputs that require grad, as setup_notebook arranges.

    The tests compare Keras's forward values as NumPy arrays (np.asarray), which works for
    TensorFlow and JAX tensors (companion.backend.let_numpy_read_torch_tensors).
    """
    if os.environ.get("KERAS_BACKEND") == "torch":
        from companion.backend import let_numpy_read_torch_tensors

        let_numpy_read_torch_tensors()


@pytest.fixture
def blas_threads_now():
    """A function that gives NumPy's BLAS thread counts at the moment (one per BLAS library);
    the test is skipped where threadpoolctl is missing or sees no BLAS."""
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def now():
        info = threadpoolctl.threadpool_info()
        return [lib["num_threads"] for lib in info if lib["user_api"] == "blas"]

    if not now():
        pytest.skip("NumPy's BLAS is not visible to threadpoolctl")
    return now


@pytest.fixture(scope="session")
def batchnorm_float64_rtol():
    """The bound of a float64 BatchNormalization comparison with Keras on this run's backend."""
    return BATCHNORM_FLOAT64_RTOL


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, for tests of TensorFlow-specific behaviour: skipped on the other backends.

    Backend-neutral comparisons use keras.ops and companion.backend (each backend's autodiff).
    """
    name = os.environ.get("KERAS_BACKEND", "tensorflow")
    if name != "tensorflow":
        pytest.skip(f"TensorFlow-specific check (this run's Keras backend is {name})")
    import tensorflow as _tf

    return _tf
