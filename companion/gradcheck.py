"""Numerical gradient checks (in the style of CS231n's ``gradient_check.py``).

A backward pass is easy to get subtly wrong and hard to debug by looking at it. The remedy is to
compare it with a numerical estimate from centred differences,

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h),

whose error is O(h**2) plus rounding of about eps * |f| / h: with h = 1e-5 in float64 both are
near 1e-10, far below the size of a real mistake.

>>> import numpy as np
>>> x = np.array([1.0, -2.0, 3.0])
>>> numerical_gradient(lambda v: np.sum(v**2), x).round(6)
array([ 2., -4.,  6.])
>>> float(rel_error(np.array([2.0, -4.0]), np.array([2.0, -4.0000001]))) < 1e-7
True
"""

import math
import numbers

import numpy as np

from companion.utils import as_float_array, as_generator, check_bool, check_finite

THRESHOLDS = {"right": 1e-7, "wrong": 1e-2}
"""How to read a relative error between an analytic and a numerical gradient (float64).

- ``<= 1e-7`` (``THRESHOLDS["right"]``): the gradient is right.
- between 1e-7 and 1e-4: fine for functions with kinks (relu, max): a difference step that
  straddles a kink spoils the estimate there; for smooth functions (tanh, softmax) it deserves a
  second look.
- between 1e-4 and 1e-2: probably a bug, unless there are kinks.
- ``> 1e-2`` (``THRESHOLDS["wrong"]``): the gradient is wrong.

These bands (from CS231n's notes on gradient checking) assume float64. In float32 rounding
alone gives errors near 1e-3, which is why ``check_layer_gradients`` insists on float64.
"""


def _step(h):
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not (0 < h < math.inf):
        raise ValueError(f"h must be a positive finite number (e.g. 1e-5), but got {h!r}.")
    return float(h)


def _scalar_value(value, what):
    """The single number ``f`` returned, with an error that says what else came."""
    arr = as_float_array(value, name=f"the value of {what}")
    if arr.size != 1:
        raise ValueError(
            f"numerical_gradient needs {what} to return a single number (such as a loss), but "
            f"it returned an array of shape {arr.shape}. For a function that returns an array, "
            "use numerical_vjp(f, x, grad_output)."
        )
    value = float(arr.reshape(()))
    if not math.isfinite(value):
        raise ValueError(f"{what} returned {value}; a numerical gradient needs finite values.")
    return value


def _centred_differences(evaluate, arr, h, what):
    """Gradient of ``evaluate()`` with respect to ``arr`` (perturbed in place, then restored)."""
    grad = np.zeros(arr.shape, dtype=np.float64)
    for index in np.ndindex(arr.shape):
        original = arr[index]
        arr[index] = original + h
        f_plus = _scalar_value(evaluate(), what)
        arr[index] = original - h
        f_minus = _scalar_value(evaluate(), what)
        # Divide by the step actually taken: original +- h is rounded, 2h may not be exact.
        step = (original + h) - (original - h)
        arr[index] = original
        if step == 0:
            where = f"x[{', '.join(map(str, index))}]" if index else "x"
            raise ValueError(
                f"{where} = {original:.6g} is too large for the step h = {h:g}: in float64, "
                f"{original:.6g} + {h:g} rounds back to {original:.6g}, so the difference "
                f"quotient would divide by 0. Pass a step relative to x, e.g. "
                f"h={h:g} * {abs(original):.3g}, or rescale the problem."
            )
        grad[index] = (f_plus - f_minus) / step
    return grad


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar-valued ``f`` at ``x``.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)`` for every element ``i``: two calls of
    ``f`` per element, so keep ``x`` small. ``f`` is called with a float64 copy of ``x`` that
    is nudged one element at a time; the caller's ``x`` is never modified.

    Args:
        f: Function from an array shaped like ``x`` to one number.
        x: Point at which to differentiate.
        h: Step (1e-5 balances truncation, O(h**2), and rounding, O(eps / h), in float64).

    Returns:
        float64 array shaped like ``x``.

    >>> numerical_gradient(lambda v: float(v[0] * v[1]), np.array([3.0, 5.0])).round(8)
    array([5., 3.])
    """
    if not callable(f):
        raise TypeError(f"f must be a function of x, but got {type(f).__name__}: {f!r}.")
    h = _step(h)
    work = np.array(as_float_array(x, name="x"), dtype=np.float64, copy=True)
    check_finite(work, "x")
    return _centred_differences(lambda: f(work), work, h, "f")


def numerical_vjp(f, x, grad_output, h=1e-5):
    """Centred-difference vector-Jacobian product of an array-valued ``f`` at ``x``.

    The numerical counterpart of a ``backward(grad_output)``: the gradient of
    ``sum(f(x) * grad_output)`` with respect to ``x``.

    Args:
        f: Function from an array shaped like ``x`` to an array shaped like ``grad_output``.
        x: Point at which to differentiate.
        grad_output: Gradient of some loss with respect to ``f(x)``.
        h: Step, as in ``numerical_gradient``.

    Returns:
        float64 array shaped like ``x``.

    >>> numerical_vjp(np.tanh, np.array([0.0, 1.0]), np.array([1.0, 2.0])).round(6)
    array([1.      , 0.839949])
    """
    if not callable(f):
        raise TypeError(f"f must be a function of x, but got {type(f).__name__}: {f!r}.")
    g = np.asarray(as_float_array(grad_output, name="grad_output"), dtype=np.float64)
    out = np.asarray(f(np.array(as_float_array(x, name="x"), dtype=np.float64, copy=True)))
    if out.shape != g.shape:
        raise ValueError(
            f"numerical_vjp needs grad_output with the shape of f(x) {out.shape}, but got "
            f"grad_output of shape {g.shape}."
        )
    return numerical_gradient(lambda z: np.sum(np.asarray(f(z), dtype=np.float64) * g), x, h)


def rel_error(a, b):
    """Largest elementwise relative error: ``max |a - b| / max(|a| + |b|, 1e-8)``.

    Symmetric in ``a`` and ``b``, 0 for identical arrays (zeros included). The floor 1e-8 (as in
    CS231n) keeps 0 versus 0 at 0; it also means that elements where both values are below about
    1e-8 count by their absolute difference divided by 1e-8. NaN anywhere gives NaN. See
    ``THRESHOLDS`` for how to read the result.

    >>> float(rel_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])))
    0.0
    >>> round(rel_error(1.0, 1.1), 4)
    0.0476
    """
    a = np.asarray(as_float_array(a, name="a"), dtype=np.float64)
    b = np.asarray(as_float_array(b, name="b"), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"rel_error compares arrays of the same shape, but got {a.shape} and {b.shape}."
        )
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):  # inf - inf: reported as NaN
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))


def verdict(error, kinks=False):
    """Read a relative error with ``THRESHOLDS``: ``"right"``, ``"suspicious"`` or ``"wrong"``.

    With ``kinks=True`` (relu, max, abs in the function) errors up to 1e-4 count as right.

    >>> verdict(3e-10), verdict(5e-6), verdict(5e-6, kinks=True), verdict(0.3)
    ('right', 'suspicious', 'right', 'wrong')
    """
    kinks = check_bool(kinks, "kinks")
    error = float(error)
    if math.isnan(error) or error > THRESHOLDS["wrong"]:
        return "wrong"
    if error <= (1e-4 if kinks else THRESHOLDS["right"]):
        return "right"
    return "suspicious"


def check_layer_gradients(layer, x, seed=0, h=1e-5):
    """Compare a layer's ``backward`` with numerical gradients, for its input and every weight.

    Follows the companion's layer contract: ``y = layer(x)``; ``dx = layer.backward(g)`` returns
    the gradient with respect to ``x`` and stores the weights' gradients in ``layer.grads``, in
    the order of ``layer.weights`` (the live arrays). With a random ``g`` (drawn from ``seed``)
    the reference is the numerical gradient of ``sum(layer(x) * g)``. Weights are nudged in
    place and restored exactly.

    The layer must compute in float64 (``Dense(..., dtype="float64")``): in float32 rounding
    alone produces relative errors of 1e-3, and the thresholds would mean nothing.

    Args:
        layer: A companion layer (or anything following the same contract).
        x: A small input batch (two forward passes per input element and per weight).
        seed: Seed for ``g``: an int, a ``numpy.random.Generator`` or None.
        h: Step of the centred differences.

    Returns:
        dict mapping ``"input"`` and each weight's name (the layer attribute holding it, such as
        ``"kernel"``, else ``"weights[i]"``) to ``rel_error(analytic, numerical)``.
    """
    h = _step(h)
    rng = as_generator(seed)
    x = np.array(as_float_array(x, name="x"), dtype=np.float64, copy=True)
    label = getattr(layer, "name", None) or type(layer).__name__
    y = np.asarray(layer(x))
    if y.dtype != np.float64:
        raise ValueError(
            f"check_layer_gradients needs a float64 layer, but {label} returned {y.dtype}. Build "
            f"it with dtype='float64': in float32 rounding alone gives relative errors near "
            f"1e-3, so the thresholds (right <= 1e-7, wrong > 1e-2) would not apply."
        )
    g = rng.standard_normal(y.shape)
    dx = np.array(layer.backward(g), dtype=np.float64)
    weights = list(layer.weights)
    grads = [np.array(gw, dtype=np.float64) for gw in (getattr(layer, "grads", None) or [])]
    if dx.shape != x.shape:
        raise ValueError(
            f"{label}.backward must return the gradient for the input, shaped like the input "
            f"{x.shape}, but it returned shape {dx.shape}."
        )
    if len(grads) != len(weights):
        raise ValueError(
            f"{label}.grads must hold one gradient per weight ({len(weights)}), in the order of "
            f"layer.weights, but it holds {len(grads)}."
        )
    names = _weight_names(layer, weights)
    for name, w, gw in zip(names, weights, grads):
        if gw.shape != np.shape(w):
            raise ValueError(
                f"The gradient for {label}'s {name} must have the weight's shape {np.shape(w)}, "
                f"but has shape {gw.shape}."
            )
        if np.asarray(w).dtype != np.float64:
            raise ValueError(
                f"check_layer_gradients needs float64 weights, but {label}'s {name} is "
                f"{np.asarray(w).dtype}; build the layer with dtype='float64'."
            )

    def loss():
        return np.sum(np.asarray(layer(x), dtype=np.float64) * g)

    errors = {"input": rel_error(dx, _centred_differences(loss, x, h, f"{label}(x) * g"))}
    for name, w, gw in zip(names, weights, grads):
        errors[name] = rel_error(gw, _centred_differences(loss, w, h, f"{label}(x) * g"))
    layer(x)  # leave the layer's cached forward pass at the unperturbed point
    return errors


def _weight_names(layer, weights):
    """Name each weight by the attribute that holds it (``kernel``, ``bias``), else by index."""
    attributes = {}
    for attr in sorted(dir(layer)):
        if attr.startswith("_") or attr in ("weights", "grads"):
            continue
        try:
            value = getattr(layer, attr)
        except Exception:  # a property that cannot be computed right now names nothing
            continue
        if isinstance(value, np.ndarray):
            attributes.setdefault(id(value), attr)
    names = []
    for i, w in enumerate(weights):
        name = attributes.get(id(w), f"weights[{i}]")
        names.append(name if name not in names else f"weights[{i}]")
    return names
