"""Shared test setup: quiet, repeatable TensorFlow, set before anything imports it."""

import os

# Must be set before TensorFlow is imported anywhere in the test session.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # repeatable CPU float sums
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


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
