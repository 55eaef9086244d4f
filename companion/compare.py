"""Side-by-side checks the notebooks print: how far the companion is from Keras (or from itself).

The course promises to *print* how far apart two computations are. The last bits of a float sum
depend on the CPU's vector instructions and the order in which a library adds, so the exact
difference changes from machine to machine (2e-16 on one, 4e-16 on another). ``report_gap``
therefore prints the difference as an order of magnitude, ``max |a - b| < 1e-12``, against a
bound that the notebook's author chose ten times or more above the measured value: every machine
prints the same line, and a real error (a missing bias is off by 0.1) prints its size instead.

Example::

    >>> import numpy as np
    >>> report_gap("batch - one by one", np.ones(3), np.ones(3) + 1e-15, 1e-12)
    max |batch - one by one| < 1e-12
    >>> report_gap("no bias", np.ones(3), np.ones(3) + 0.1, 1e-12)
    max |no bias| = 0.1, NOT below 1e-12
"""

import numbers

import numpy as np

from companion.utils import as_float_array


def max_abs_diff(a, b):
    """``max |a - b|`` over all entries, as a Python float (NumPy arrays or Keras tensors).

    Example::

        >>> max_abs_diff([1.0, 2.0], [1.0, 2.5])
        0.5
    """
    a = np.asarray(_to_numpy(a), dtype=np.float64)
    b = np.asarray(_to_numpy(b), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}.")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)))


def _to_numpy(value):
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        return value.numpy()  # a TensorFlow or PyTorch tensor
    return value


def power_of_ten(bound):
    """``1e-12`` for 1e-12: a bound written the way the notebooks print it.

    Example::

        >>> power_of_ten(1e-6), power_of_ten(0.001), power_of_ten(2e-5)
        ('1e-6', '1e-3', '2e-5')
    """
    if isinstance(bound, bool) or not isinstance(bound, numbers.Real) or not bound > 0:
        raise ValueError(f"bound must be a positive number, but got {bound!r}.")
    mantissa, exponent = f"{bound:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def report_gap(label, a, b, bound):
    """Print ``max |label| < bound`` when ``a`` and ``b`` agree within ``bound``.

    Otherwise the line gives the gap itself and says it is not below the bound, so a broken
    implementation is seen at once, with its size. Returns nothing (a notebook cell ending
    with it prints one line); ``max_abs_diff`` gives the number.
    """
    report_bound(f"max |{label}|", max_abs_diff(a, b), bound)


def report_bound(label, value, bound):
    """Print ``label < bound`` when ``value < bound``, else the value and that it is not below.

    For a number measured elsewhere (the largest of several gaps, a relative error).

    Example::

        >>> report_bound("largest float64 gap", 3e-9, 1e-7)
        largest float64 gap < 1e-7
    """
    if value < bound:
        print(f"{label} < {power_of_ten(bound)}")
    else:
        print(f"{label} = {value:.2g}, NOT below {power_of_ten(bound)}")


def best_line_accuracy(X, y, n_angles=180):
    """The best accuracy of any rule "class 1 on one side of a line" on 2-D points.

    Tries ``n_angles`` directions; for each, every cut midway between neighbouring projected
    points, and both sides. A baseline: what one neuron (a linear boundary) can do at best.

    Example::

        >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
        >>> best_line_accuracy(X, np.array([0, 0, 1, 1]))  # XOR: three of four at best
        0.75
    """
    X = as_float_array(X, name="X")
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must have shape (n, 2) and y shape (n,); got {X.shape} and {y.shape}.")
    best = 0.0
    for angle in np.linspace(0.0, np.pi, n_angles, endpoint=False):
        proj = X @ np.array([np.cos(angle), np.sin(angle)])
        ordered = np.sort(proj)
        cuts = (ordered[1:] + ordered[:-1]) / 2  # midway between neighbouring points
        acc = np.mean((proj[:, None] > cuts) == y[:, None].astype(bool), axis=0)
        best = max(best, float(acc.max()), 1.0 - float(acc.min()))
    return best


def activation_gaps(name, x):
    """``(value_gap, gradient_gap)``: companion activation ``name`` against Keras's, on ``x``.

    ``value_gap = max |f(x) - keras f(x)|``; ``gradient_gap`` compares ``f.backward(x, g)`` with
    the gradient of ``sum(keras f(x) * g)`` from the Keras backend's own autodiff
    (``companion.backend.vjp``: ``tf.GradientTape``, ``jax.grad`` or ``torch.autograd``) for a
    fixed upstream gradient ``g`` (values from 0.5 to 1.5), so softmax's vector-Jacobian product
    is compared too. Imports the Keras backend in use (TensorFlow only on TensorFlow).
    """
    import keras

    from companion import activations
    from companion.backend import vjp

    x = np.asarray(x)
    ours_fn, keras_fn = activations.get(name), keras.activations.get(name)
    g = np.linspace(0.5, 1.5, x.size).reshape(x.shape).astype(x.dtype)
    keras_value, keras_grad = vjp(keras_fn, x, g)
    value_gap = max_abs_diff(ours_fn(x), keras_value)
    grad_gap = max_abs_diff(ours_fn.backward(x, g), keras_grad)
    return value_gap, grad_gap


__all__ = [
    "activation_gaps",
    "best_line_accuracy",
    "max_abs_diff",
    "power_of_ten",
    "report_bound",
    "report_gap",
]
