"""Small helpers shared by the companion's modules: input checking and seeds."""

import numbers

import numpy as np


def as_float_array(x, name="input", dtype=None):
    """Return ``x`` as a floating NumPy array.

    Floating input keeps its dtype (float32 stays float32); integers and booleans become
    float64, unless ``dtype`` is given, in which case the result has that dtype.
    Anything that is not array-like raises a ``TypeError`` that names what came.
    """
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


def as_generator(seed):
    """Turn ``seed`` (``None``, an ``int`` or a ``numpy.random.Generator``) into a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be None, an int or a numpy.random.Generator, but got {type(seed).__name__}."
    )


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
