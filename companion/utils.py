"""Small helpers shared by the companion's modules: input checking, seeds, BLAS threads."""

import contextlib
import functools
import numbers

import numpy as np

from companion.course import check_flag  # the same check, for modules without NumPy

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def as_float_array(x, name="input", dtype=None):
    """Return ``x`` as a floating NumPy array.

    Floating input keeps its dtype (float32 stays float32); integers and booleans become
    float64, unless ``dtype`` is given, in which case the result has that dtype.
    Anything that is not array-like raises a ``TypeError`` that names what came.
    """
    # Fast path for what the training loop passes on every step (a float array): the checks
    # below cost more than a small layer's arithmetic.
    # (`dtype is None` spelled out: np.dtype(None) is float64, so `dtype in (None, ...)` would
    # take float64 for "no dtype given" and skip the cast.)
    if (
        type(x) is np.ndarray
        and x.dtype in _FLOAT_DTYPES
        and (dtype is None or np.dtype(dtype) == x.dtype)
    ):
        return x
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a number or an array of numbers, but got {x!r}.")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{name} must be a number or an array of numbers, but got {type(x).__name__}: {exc}"
        ) from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(
            f"{name} must be an array of numbers, but got an array of dtype {arr.dtype} "
            f"(a ragged list, strings or objects?)."
        )
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real-valued, but got complex dtype {arr.dtype}.")
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if not np.issubdtype(arr.dtype, np.floating):
        return arr.astype(np.float64)
    return arr


#: ``with np.errstate(**MIRROR_KERAS):`` -- inf and NaN are computed silently where Keras computes
#: them too (an overflow to inf, NaN in, NaN out), as the contract in docs/architecture.md says.
MIRROR_KERAS = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


def check_finite(arr, what):
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity, naming ``what`` it is."""
    arr = np.asarray(arr)
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{what} contains {bad} NaN or infinite value(s); expected finite numbers. "
            "Check how the values were computed (a division by zero or an overflow?)."
        )
    return arr


def check_bool(value, name):
    """``value`` as a Python bool, or a ``TypeError`` naming the argument ``name``.

    Only ``True``/``False`` (and NumPy's ``np.True_``/``np.False_``) are booleans: a string
    such as ``"False"`` is truthy in Python and would silently act as ``True``, and ``0``/``1``
    are more often a mistaken argument than a flag.

        >>> check_bool(np.True_, "training")
        True
    """
    return bool(value) if isinstance(value, np.bool_) else check_flag(value, name)


def check_finite_after_cast(value, dtype, what):
    """``value`` cast to ``dtype`` and checked finite *after* the cast.

    A float64 1e39 is finite but becomes ``inf`` in float32: checking before the cast would let
    it in.
    """
    arr = np.asarray(value)
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(cast)):
        big = np.all(np.isfinite(arr)) if np.issubdtype(arr.dtype, np.number) else False
        if big:
            raise ValueError(
                f"{what} overflows {np.dtype(dtype).name} (largest finite value "
                f"{float(np.finfo(dtype).max):.4g}); expected values that fit in that dtype."
            )
        check_finite(cast, what)
    return cast


def check_seed(seed):
    """``seed`` as given (``None``, a ``numpy.random.Generator``) or as an ``int`` >= 0.

    Anything else raises a TypeError (wrong type) or ValueError (a negative int) that says so.
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative int, but got {seed}.")
        return int(seed)
    raise TypeError(
        f"seed must be None, an int or a numpy.random.Generator, but got {type(seed).__name__}."
    )


def as_generator(seed):
    """Turn ``seed`` (``None``, an int >= 0 or a ``numpy.random.Generator``) into a Generator."""
    seed = check_seed(seed)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


@functools.cache
def _threadpool_controller():
    # Finding the loaded BLAS libraries takes milliseconds: do it once per process.
    import threadpoolctl

    return threadpoolctl.ThreadpoolController()


@contextlib.contextmanager
def blas_threads(limit):
    """Inside the ``with`` block, NumPy's BLAS uses at most ``limit`` threads.

    ``limit=None`` leaves the threads as they are; so does a missing ``threadpoolctl``
    (the package that can change BLAS's thread count after NumPy has loaded it).

        >>> with blas_threads(1):
        ...     product = np.ones((32, 784)) @ np.ones((784, 256))
    """
    if limit is None:
        yield
        return
    try:
        controller = _threadpool_controller()
    except ImportError:
        yield
        return
    with controller.limit(limits=limit, user_api="blas"):
        yield


def format_table(rows, columns=None, floatfmt=".4g"):
    """Format a list of dicts as a fixed-width text table (stable output for notebooks)."""
    rows = list(rows)
    if not rows:
        return "(empty table)"
    columns = list(columns or rows[0].keys())

    def fmt(value):
        if isinstance(value, (float, np.floating)):
            return format(float(value), floatfmt)
        return str(value)

    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(str(c)), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def setup_notebook(seed=None):
    """Prepare a notebook kernel the way every course notebook expects.

    - TensorFlow's C++ log lines off and oneDNN's reordered (non-repeatable) float sums off.
      Both must be set before TensorFlow is imported, which is why this runs first.
    - Keras on the TensorFlow backend, unless ``KERAS_BACKEND`` already names another one
      (``"jax"``, ``"torch"``): TensorFlow is imported only when it is the backend; on JAX,
      float64 is enabled (``JAX_ENABLE_X64``).
    - NumPy prints 4 significant decimals, so stored outputs are short and stable.
    - Figures drawn inline at a small resolution, so stored notebooks stay small.

    ``seed`` (optional) seeds Python's and NumPy's global generators for the rare library
    that uses them; the companion itself always takes seeds explicitly.
    """
    import os
    import random

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    from companion.backend import backend

    # KERAS_BACKEND, else keras.json's backend, else TensorFlow (what Keras itself would pick).
    os.environ.setdefault("KERAS_BACKEND", backend())
    if os.environ["KERAS_BACKEND"] == "jax":
        # JAX computes float64 only when enabled before it is imported (otherwise float64
        # arrays silently become float32); the course compares in float64 on purpose.
        os.environ.setdefault("JAX_ENABLE_X64", "true")
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    if seed is not None:
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002 -- seeding the legacy global RNG on purpose
    try:
        import matplotlib

        matplotlib.rcParams.update(
            {"figure.dpi": 72, "savefig.dpi": 72, "figure.max_open_warning": 0}
        )
    except ImportError:  # plotting is optional for the numeric core
        pass
    _inline_figures()
    if os.environ["KERAS_BACKEND"] == "tensorflow":
        _import_tensorflow_quietly()
    elif os.environ["KERAS_BACKEND"] == "torch":
        from companion.backend import let_numpy_read_torch_tensors

        let_numpy_read_torch_tensors()  # np.asarray(keras_output) works as on TensorFlow
        if "OMP_NUM_THREADS" not in os.environ:
            import torch

            # The course's networks are small: one thread per operation. On 2 busy cores
            # PyTorch's thread pool made one epoch of a 784-128-10 MLP 12x slower (14.8 s
            # against 1.2 s, measured under load).
            torch.set_num_threads(1)


def _inline_figures():
    """Draw figures inline in a Jupyter kernel, whatever ``MPLBACKEND`` the kernel inherited."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")


def _import_tensorflow_quietly():
    """Import TensorFlow once with the process's stderr pointed at /dev/null.

    TensorFlow's C++ runtime writes a few lines straight to file descriptor 2 on import
    ("All log messages before absl::InitializeLog()...", "Could not find cuda drivers...")
    whatever ``TF_CPP_MIN_LOG_LEVEL`` says. In a notebook they would appear as red noise under
    the first cell that imports Keras. Python-level warnings are not affected. Without
    TensorFlow installed this does nothing: the NumPy parts of the course still work.
    """
    import importlib.util
    import os
    import sys

    if "tensorflow" in sys.modules or importlib.util.find_spec("tensorflow") is None:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401 -- imported for its side effect (quiet start-up)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def lookup_name(table, name, kind, valid_names, also=""):
    """``table[name]``, or a ValueError that suggests the closest name and lists the valid ones.

    ``kind`` names the thing ("initializer"), ``also`` adds other accepted spellings to the
    message (e.g. "(also 'mse' and the class names)").
    """
    import difflib

    found = table.get(name)
    if found is None:
        close = difflib.get_close_matches(str(name), list(table), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown {kind} {name!r}.{hint} Valid names: {', '.join(valid_names)}"
            + (f" {also}" if also else "")
            + "."
        )
    return found


def resolve_identifier(identifier, base, lookup, wrap_function, config_error, type_error):
    """The object a Keras-style ``get(identifier)`` returns, shared by the companion's registries.

    ``identifier`` may be None (returned as is), an instance of ``base`` (returned as is), a
    subclass of ``base`` (instantiated with its defaults), a config dict
    ``{"class_name": ..., "config": {...}}``, a registered name (``lookup(name)()``), or a
    plain function (``wrap_function(fn)``). ``config_error`` and ``type_error`` are the
    messages for a dict without ``class_name`` and for anything else; both end with what came.
    """
    import inspect

    if identifier is None or isinstance(identifier, base):
        return identifier
    if inspect.isclass(identifier) and issubclass(identifier, base):
        return identifier()
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"{config_error}, but got {identifier!r}.")
        return lookup(identifier["class_name"]).from_config(identifier.get("config") or {})
    if isinstance(identifier, str):
        return lookup(identifier)()
    if callable(identifier):
        return wrap_function(identifier)
    raise TypeError(f"{type_error}, but got {type(identifier).__name__}.")
