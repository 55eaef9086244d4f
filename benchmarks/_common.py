"""What every benchmark script does first, before NumPy or TensorFlow is imported.

Import it as the scripts' first import (``import _common``; the scripts' own folder is on
``sys.path`` when they run as ``python benchmarks/<script>.py``):

- TensorFlow quiet and repeatable (log level, oneDNN off), Keras on TensorFlow, matplotlib
  headless;
- ``--threads N`` on the command line pins NumPy's BLAS (and OpenMP/MKL) to N threads. It must
  be read here because BLAS fixes its thread count when NumPy loads.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")


def _threads_from_argv(argv):
    """The --threads value, or None."""
    for i, arg in enumerate(argv):
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
    return None


THREADS = _threads_from_argv(sys.argv[1:])
if THREADS is not None:
    # On a machine whose cores are busy with other work, BLAS threads waiting for each other
    # can make small matrix products 5-10x slower; one thread each is the fair comparison.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(THREADS)

# The repository root, so `import companion` works without installing the package.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def import_tensorflow_quietly():
    """TensorFlow imported with its start-up lines on stderr silenced (see companion.utils)."""
    from companion.utils import _import_tensorflow_quietly

    _import_tensorflow_quietly()
