"""Shared test setup: quiet, repeatable TensorFlow, set before anything imports it."""

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

# TensorFlow-only behaviour that the companion mirrors: Keras scores a softmax/sigmoid output
# from the logits it carries on the TensorFlow backend only; and at a probability of exactly 0
# (clipped to 1e-7) TensorFlow's gradient is 0 where Keras on torch differentiates the
# normalisation p / sum(p) (1/3 in that test's third sample).
TENSORFLOW_ONLY = {
    "test_training_equivalence.py": {"test_softmax_output_scored_from_logits_like_keras"},
    "test_diagnostics.py": {"test_softmax_output_scored_from_logits_like_keras"},
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


def pytest_collection_modifyitems(config, items):
    if KERAS_BACKEND == "tensorflow":
        return
    for item in items:
        if _listed(item, TENSORFLOW_ONLY):
            reason = f"TensorFlow-specific Keras behaviour (this run's backend: {KERAS_BACKEND})"
            item.add_marker(pytest.mark.skip(reason=reason))
        elif KERAS_BACKEND == "torch" and _listed(item, TORCH_FLOAT64_IN_FLOAT32):
            reason = "Keras on torch computes float64 in float32 (see tests/conftest.py)"
            item.add_marker(pytest.mark.skip(reason=reason))
        elif KERAS_BACKEND == "torch" and _listed(item, TORCH_CLIP_GRADIENT):
            reason = "Keras on torch: gradient at a probability of exactly 0 (tests/conftest.py)"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def keras():
    """Keras with the TensorFlow backend, imported once per session."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras as _keras

    return _keras


@pytest.fixture(scope="session", autouse=True)
def _torch_tensors_read_by_numpy():
    """On torch, np.asarray reads Keras outputs that require grad, as setup_notebook arranges.

    The tests compare Keras's forward values as NumPy arrays (np.asarray), which works for
    TensorFlow and JAX tensors (companion.backend.let_numpy_read_torch_tensors).
    """
    if os.environ.get("KERAS_BACKEND") == "torch":
        from companion.backend import let_numpy_read_torch_tensors

        let_numpy_read_torch_tensors()


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
