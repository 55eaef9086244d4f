"""Shared test setup: quiet, repeatable TensorFlow, set before anything imports it."""

import os

# Must be set before TensorFlow is imported anywhere in the test session.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # repeatable CPU float sums
os.environ.setdefault("MPLBACKEND", "Agg")
# Live class progress stays off in the tests (and in the kernels they start), even when they
# run in a terminal of a class hub that has it on: tests/test_progress.py turns it on itself.
os.environ.pop("COURSE_PROGRESS_DIR", None)

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Locally, Hypothesis draws new examples on every run and keeps the failures it finds in
# .hypothesis/ to replay them. In CI (CI=true) a fresh clone has no such database, so the draws
# are derandomized: the same examples on every CI run, and a red CI is reproducible by running
# `CI=true make test`. Failing examples are printed with the blob to replay them.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def keras():
    """Keras with the TensorFlow backend, imported once per session."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras as _keras

    return _keras


@pytest.fixture(scope="session")
def tf():
    import tensorflow as _tf

    return _tf
