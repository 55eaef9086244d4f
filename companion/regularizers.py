"""Weight regularizers: L1, L2 and L1L2 penalties, as Keras 3 computes them.

A regularizer turns a weight array into a penalty that is added to the loss:

    L1(l1)      penalty = l1 * sum(|w|)
    L2(l2)      penalty = l2 * sum(w**2)          (no 1/2: Keras 3's convention)
    L1L2(l1, l2) both added together

and ``reg.gradient(w)`` is the penalty's derivative, which the training loop adds to the
weight's gradient:

    L1: l1 * sign(w)          (0 at w = 0, as TensorFlow's gradient of |w|)
    L2: 2 * l2 * w

Comparing with Keras in float64: Keras converts the factor through float32 before using it
(L2(0.01) acts as 0.009999999776...), so float64 results agree to ~2e-8 relative for factors
like 0.01, and exactly for factors float32 represents (0.5, 0.125, 2**-7).
"""

import math
import numbers

import numpy as np

from companion.utils import MIRROR_KERAS, as_float_array, lookup_name, resolve_identifier

__all__ = ["Regularizer", "L1", "L2", "L1L2", "get", "names", "ALL"]


def _check_factor(value, name):
    """A regularization factor: a finite, non-negative real number (as Keras requires)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"The regularization factor `{name}` must be a non-negative number, "
            f"but got {name}={value!r}."
        )
    return float(value)


class Regularizer:
    """Base class: ``reg(w)`` is the penalty (a float), ``reg.gradient(w)`` its gradient."""

    def __call__(self, x):
        return 0.0

    def gradient(self, x):
        x = as_float_array(x, "weights")
        return np.zeros_like(x)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """L1 and L2 together: l1 * sum(|w|) + l2 * sum(w**2).

    Note Keras's defaults here are 0 for both (so ``get("l1l2")`` penalizes nothing).

    Example:
        >>> reg = L1L2(l1=0.5, l2=0.25)
        >>> reg([1.0, -2.0])        # 0.5 * 3 + 0.25 * 5
        2.75
        >>> reg.gradient([1.0, -2.0])   # 0.5 * sign(w) + 2 * 0.25 * w
        array([ 1. , -1.5])
    """

    def __init__(self, l1=0.0, l2=0.0):
        # None means 0, as in Keras.
        self.l1 = _check_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _check_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = as_float_array(x, "weights")
        penalty = x.dtype.type(0.0)
        # A zero factor's term is skipped, not multiplied by 0 (as Keras): an infinite
        # weight then gives inf instead of 0 * inf = nan in the unused term. Weights whose
        # square overflows give inf, as in Keras, without a NumPy warning.
        with np.errstate(**MIRROR_KERAS):
            if self.l1 != 0.0:
                penalty = penalty + x.dtype.type(self.l1) * np.sum(np.abs(x))
            if self.l2 != 0.0:
                penalty = penalty + x.dtype.type(self.l2) * np.sum(np.square(x))
        return float(penalty)

    def gradient(self, x):
        x = as_float_array(x, "weights")
        grad = np.zeros_like(x)
        if self.l1 != 0.0:
            grad += x.dtype.type(self.l1) * np.sign(x)
        if self.l2 != 0.0:
            grad += x.dtype.type(2.0 * self.l2) * x
        return grad

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """L1 penalty: l1 * sum(|w|). It pushes weights to exactly zero (sparse weights).

    Example:
        >>> L1(0.5)([1.0, -2.0, 0.0])
        1.5
        >>> L1(0.5).gradient([1.0, -2.0, 0.0])   # 0.5 * sign(w), 0 at w = 0
        array([ 0.5, -0.5,  0. ])
    """

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1, l2=0.0)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """L2 penalty ("weight decay"): l2 * sum(w**2), with no 1/2 (textbooks often write
    (l2 / 2) * sum(w**2); Keras does not).

    Example:
        >>> L2(0.5)([1.0, -2.0])    # 0.5 * (1 + 4)
        2.5
        >>> L2(0.5).gradient([1.0, -2.0])   # 2 * 0.5 * w
        array([ 1., -2.])
    """

    def __init__(self, l2=0.01):
        super().__init__(l1=0.0, l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


class _FunctionRegularizer(Regularizer):
    """Wraps a plain function ``fn(w) -> penalty`` (Keras accepts those as regularizers).

    Its ``gradient`` uses centred differences, (fn(w + h e_i) - fn(w - h e_i)) / (2 h) for
    every entry i, in float64: two calls of ``fn`` per weight, so it suits small layers only.
    Give the function a ``gradient`` attribute to avoid that.
    """

    def __init__(self, fn, h=1e-5):
        self.fn = fn
        self.h = h

    def __call__(self, x):
        return float(self.fn(as_float_array(x, "weights")))

    def gradient(self, x):
        x = as_float_array(x, "weights")
        w = x.astype(np.float64)  # a copy, nudged one entry at a time
        flat = w.reshape(-1)
        grad = np.empty_like(flat)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + self.h
            up = float(self.fn(w))
            flat[i] = old - self.h
            down = float(self.fn(w))
            flat[i] = old
            grad[i] = (up - down) / (2 * self.h)
        return grad.reshape(x.shape).astype(x.dtype)

    def __repr__(self):
        return f"_FunctionRegularizer({getattr(self.fn, '__name__', self.fn)!r})"


#: Keras's snake_case name -> class; tests iterate over it.
ALL = {"l1": L1, "l1l2": L1L2, "l2": L2}

# Keras's get() accepts the class names and snake_case names; "l1_l2" is also Keras's
# exported alias of L1L2 (keras.regularizers.l1_l2), so a learner may well type it.
_IDENTIFIERS = {**ALL, "l1_l2": L1L2, **{cls.__name__: cls for cls in ALL.values()}}


def names():
    """The snake_case names ``get`` accepts (besides class names and "l1_l2"), sorted."""
    return sorted(ALL)


def get(identifier):
    """A regularizer from a name, a config dict, a class, an instance or a function.

    ``"l1"`` gives L1(0.01), ``"l2"`` gives L2(0.01), ``"l1l2"``/``"l1_l2"`` gives L1L2()
    (whose factors default to 0, as Keras's); ``None`` gives ``None``; a plain function
    ``fn(w)`` is wrapped so that it has a (numerical) ``gradient``.

    Example:
        >>> get("l2")
        L2(l2=0.01)
    """
    return resolve_identifier(
        identifier,
        Regularizer,
        _lookup,
        _as_regularizer,
        config_error="A regularizer config must look like {'class_name': 'L2', 'config': "
        "{'l2': 0.01}}",
        type_error="A regularizer must be a name ('l1', 'l2', 'l1l2'), a Regularizer, a "
        "function fn(w) or None",
    )


def _as_regularizer(fn):
    """A function with its own ``gradient`` is used as is; a plain ``fn(w)`` is wrapped."""
    return fn if callable(getattr(fn, "gradient", None)) else _FunctionRegularizer(fn)


def _lookup(name):
    return lookup_name(
        _IDENTIFIERS,
        name,
        "regularizer",
        names(),
        also="(also 'l1_l2' and the class names 'L1', 'L2', 'L1L2')",
    )
