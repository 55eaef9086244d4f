"""Which Keras backend this process uses, read with the standard library only.

``companion.backend`` re-exports these; ``companion.doctor`` imports them from here, so that the
pre-flight check runs on a Python where NumPy is missing (and reports that it is).
"""

import json
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")

# The module each backend needs, for messages and for companion.doctor.
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def backend():
    """The name of Keras's backend in this process: ``"tensorflow"``, ``"jax"`` or ``"torch"``.

    Once Keras is imported it is ``keras.backend.backend()``; before, it is what Keras will pick:
    ``KERAS_BACKEND``, else the ``backend`` entry of ``$KERAS_HOME/keras.json`` (default
    ``~/.keras``), else TensorFlow. Reading it imports nothing.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    name = os.environ.get("KERAS_BACKEND")
    if name:
        return name
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        with open(os.path.join(home, "keras.json")) as f:
            return json.load(f).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"
