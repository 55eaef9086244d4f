"""The course's companion package: NumPy implementations of dense layers, activations,
losses, initializers, optimizers and models, each checked against Keras.

``import companion`` imports NumPy only; the few functions that talk to Keras import it
when they are called, so the package is fast to import and usable without TensorFlow.
"""

from importlib import import_module

__version__ = "0.1.0"

_SUBMODULES = (
    "activations",
    "callbacks",
    "compare",
    "data",
    "diagnostics",
    "exercises",
    "gradcheck",
    "initializers",
    "layers",
    "losses",
    "models",
    "optimizers",
    "plots",
    "regularizers",
    "utils",
    "widgets",
)

__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name):
    # Submodules load on first use (PEP 562), so `import companion` stays light and
    # `companion.plots` does not pull matplotlib into a test that never draws.
    if name in _SUBMODULES:
        return import_module(f"companion.{name}")
    raise AttributeError(f"module 'companion' has no attribute {name!r}")
