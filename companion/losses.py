"""Losses: mean squared/absolute error and the three cross-entropies, as Keras 3 computes them.

A loss object compares targets and predictions:

    loss = CategoricalCrossentropy(from_logits=True)
    loss(y_true, y_pred)            # a Python float: the batch mean of per-sample losses
    loss.per_sample(y_true, y_pred) # one value per sample
    loss.backward(y_true, y_pred)   # d(batch mean) / d(y_pred), same shape as y_pred

"Batch mean" is Keras's default reduction, ``"sum_over_batch_size"``: the per-sample losses
(one per row; for MSE/MAE each is itself a mean over the last axis) summed and divided by
their number.

Predictions that are probabilities (``from_logits=False``) are clipped to [1e-7, 1 - 1e-7]
before the logarithm, as Keras does, so a prediction of exactly 0 or 1 costs at most
-log(1e-7) = 16.1 instead of infinity. Like TensorFlow's gradient of a clip, ``backward``
gives zero gradient where a probability lies outside that range. With ``from_logits=True``
the loss is computed from the logits with a stable log-softmax / log-sigmoid, which never
overflows (logits of +-1000 are fine): prefer it for training.

Probabilities must be probabilities: with ``from_logits=False``, values outside [0, 1] (or,
for the categorical losses, rows that do not sum to 1 within max(1e-3, 4 * classes * eps))
raise a ``ValueError`` that suggests ``from_logits=True``, where Keras would silently rescale
or clip them into a confident wrong number. float16 input is computed in float32 (1 - 1e-7
rounds to 1 in float16, so the clip could not keep the log finite) and returned as float16.

dtypes: the computation runs in y_pred's floating dtype (float32 stays float32; integers
become float64), or in ``dtype`` if given. Keras's loss objects compute in float32 unless
given ``dtype=``; pass ``dtype="float64"`` to Keras to compare in float64.
"""

import numbers
import warnings

import numpy as np

from companion.utils import (
    MIRROR_KERAS,
    as_float_array,
    check_bool,
    lookup_name,
    resolve_identifier,
)

__all__ = [
    "EPSILON",
    "Loss",
    "LossFunctionWrapper",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "get",
    "names",
    "ALL",
]

#: Keras's ``backend.epsilon()``: probabilities are clipped to [EPSILON, 1 - EPSILON].
EPSILON = 1e-7

_REDUCTIONS = ("sum_over_batch_size", "mean", "sum")


def _shape_str(shape):
    return str(tuple(int(d) for d in shape))


def _same_rank(t, p):
    """Keras's ``squeeze_or_expand_to_same_rank``: if the ranks differ by one and the larger
    has a last axis of 1, make them equal (a (N,) target against a (N, 1) prediction becomes
    (N, 1) and (N, 1); an (N, T, 1) one against (N, T) becomes (N, T)). This is what keeps
    (N,) - (N, 1) from broadcasting to (N, N)."""
    if t.ndim == p.ndim + 1 and t.shape[-1] == 1:
        if p.ndim == 1:
            p = p[:, None]
        else:
            t = t[..., 0]
    elif p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        if t.ndim == 1:
            t = t[:, None]
        else:
            p = p[..., 0]
    return t, p


def _clip_bounds(dtype):
    # The bounds in the computation's dtype: in float32, 1 - 1e-7 rounds to 1 - 2**-23.
    return dtype.type(EPSILON), dtype.type(1.0 - EPSILON)


def _widen(t, p):
    """float16 computes in float32: 1 - 1e-7 rounds to 1 in float16, so the clip could not keep
    log(1 - p) finite (Keras too computes float16 input in its float32 ``floatx``)."""
    if p.dtype == np.float16:
        p = p.astype(np.float32)
        if np.issubdtype(t.dtype, np.floating):
            t = t.astype(np.float32)
    return t, p


def _domain_tolerance(p, count=1):
    # Round-off of a softmax/sigmoid output in p's dtype (a sum of `count` terms), with a
    # 1e-3 floor: this tells probabilities from scores, it is not a precision check.
    return max(1e-3, 4.0 * count * float(np.finfo(p.dtype).eps))


def _check_probabilities(who, p, axis=None):
    """A ValueError when ``p`` cannot be probabilities: values outside [0, 1], or (``axis``
    given) rows along ``axis`` that do not sum to 1. NaN passes (it propagates, as in Keras)."""
    tol = _domain_tolerance(p)
    outside = (p < -tol) | (p > 1 + tol)
    if np.any(outside):
        lo, hi = float(np.nanmin(p)), float(np.nanmax(p))
        raise ValueError(
            f"{who}(from_logits=False) expects probabilities in [0, 1] in y_pred, but got "
            f"values from {lo:.4g} to {hi:.4g}. These look like logits (raw scores): pass "
            f"from_logits=True, or apply {'sigmoid' if axis is None else 'softmax'} first."
        )
    if axis is None:
        return
    with np.errstate(invalid="ignore", over="ignore"):
        sums = np.sum(p, axis=axis, dtype=np.float64)
    bad = np.abs(sums - 1.0) > _domain_tolerance(p, p.shape[axis])
    if np.any(bad):
        first = float(sums[bad].reshape(-1)[0])
        raise ValueError(
            f"{who}(from_logits=False) expects each row of y_pred (along axis {axis}) to be "
            f"probabilities that sum to 1, but {int(np.sum(bad))} row(s) do not (one sums to "
            f"{first:.4g}). If these are scores, pass from_logits=True or apply softmax first."
        )


def _log_softmax(x, axis):
    # Subtracting the max makes every exp() <= 1: no overflow for logits of 1000.
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


class Loss:
    """Base class. Subclasses implement ``_values(t, p)`` (the per-sample losses) and
    ``_grad(t, p)`` (the gradient of their *sum* with respect to ``p``); the base class
    checks inputs, matches shapes as Keras does, and applies the reduction."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"`reduction` must be one of {list(_REDUCTIONS)}, but got {reduction!r}."
            )
        self.name = name
        self.reduction = reduction
        self.dtype = None if dtype is None else np.dtype(dtype)
        if self.dtype is not None and not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"A loss's dtype must be floating, but got {self.dtype.name!r}.")

    # --- the three public operations ----------------------------------------------------------
    def __call__(self, y_true, y_pred):
        values = self._wide_values(y_true, y_pred)[0]
        with np.errstate(**MIRROR_KERAS):
            total = np.sum(values)
            if self.reduction == "sum":
                return float(total)
            return float(total / values.dtype.type(values.size))

    def per_sample(self, y_true, y_pred):
        """The loss of each sample, before the reduction (an array, or a 0-d array for 1-D
        inputs, which Keras treats as one sample whose last axis is the features)."""
        values, dtype = self._wide_values(y_true, y_pred)
        return values.astype(dtype, copy=False)

    def _wide_values(self, y_true, y_pred):
        t, p, _ = self._inputs(y_true, y_pred)
        dtype = p.dtype
        # Out-of-domain input raised in _inputs; what remains (NaN in, an overflow of
        # (y - p)**2 to inf) is computed silently, as Keras computes it.
        with np.errstate(**MIRROR_KERAS):
            return np.asarray(self._values(*_widen(t, p))), dtype

    def backward(self, y_true, y_pred):
        """Gradient of ``self(y_true, y_pred)`` with respect to ``y_pred`` (same shape)."""
        t, p, shape = self._inputs(y_true, y_pred)
        dtype = p.dtype
        t, p = _widen(t, p)
        with np.errstate(**MIRROR_KERAS):
            grad = self._grad(t, p)
            if self.reduction != "sum":
                grad = grad / p.dtype.type(self._count(t, p))
            # float16: a gradient beyond 65504 (1 / p for p < 1.5e-5) is inf, as in Keras.
            return grad.reshape(shape).astype(dtype, copy=False)

    # --- for subclasses -----------------------------------------------------------------------
    def _pred(self, y_pred):
        p = as_float_array(y_pred, "y_pred", self.dtype)
        if p.ndim == 0:
            raise ValueError(
                f"{self._who()} expects y_pred with at least one axis (a batch), but got a "
                f"scalar {y_pred!r}."
            )
        if p.size == 0:
            raise ValueError(f"{self._who()} got an empty batch: y_pred has shape {p.shape}.")
        return p

    def _inputs(self, y_true, y_pred):
        """(y_true, y_pred, y_pred's original shape), same shape, in the computation dtype."""
        p = self._pred(y_pred)
        t = as_float_array(y_true, "y_true", p.dtype)
        shape = p.shape
        t2, p2 = _same_rank(t, p)
        if t2.shape != p2.shape:
            raise ValueError(
                f"{self._who()} needs y_true and y_pred of the same shape, but got y_true of "
                f"shape {_shape_str(t.shape)} and y_pred of shape {_shape_str(p.shape)}."
            )
        return t2, p2, shape

    def _count(self, t, p):
        # Number of per-sample values: one per position along the other axes.
        return p.size // p.shape[self._axis()]

    def _axis(self):
        return -1

    def _values(self, t, p):
        raise NotImplementedError

    def _grad(self, t, p):
        raise NotImplementedError

    def _who(self):
        return type(self).__name__

    def get_config(self):
        return {
            "name": self.name,
            "reduction": self.reduction,
            "dtype": None if self.dtype is None else self.dtype.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(
            f"{k}={v!r}" for k, v in self.get_config().items() if k not in ("name", "dtype")
        )
        return f"{type(self).__name__}({args})"


# --- regression losses ----------------------------------------------------------------------
class MeanSquaredError(Loss):
    """Mean squared error: per sample mean((y_true - y_pred)**2) over the last axis.

    backward: 2 * (y_pred - y_true) / (features * samples)

    Example:
        >>> MeanSquaredError()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _values(self, t, p):
        return np.mean(np.square(t - p), axis=-1)

    def _grad(self, t, p):
        return (2 * (p - t)) / p.dtype.type(p.shape[-1])


class MeanAbsoluteError(Loss):
    """Mean absolute error: per sample mean(|y_true - y_pred|) over the last axis.

    backward: sign(y_pred - y_true) / (features * samples), 0 where they are equal (as
    TensorFlow's gradient of |x| at 0).

    Example:
        >>> MeanAbsoluteError()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _values(self, t, p):
        return np.mean(np.abs(t - p), axis=-1)

    def _grad(self, t, p):
        return np.sign(p - t) / p.dtype.type(p.shape[-1])


# --- cross-entropies ------------------------------------------------------------------------
def _check_smoothing(label_smoothing):
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, numbers.Real)
        or not 0.0 <= label_smoothing <= 1.0
    ):
        raise ValueError(f"`label_smoothing` must be in [0, 1], but got {label_smoothing!r}.")
    return float(label_smoothing)


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"`axis` must be an int, but got {axis!r}.")
    return int(axis)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy, averaged over ``axis`` (the last) for each sample.

    Probabilities (from_logits=False), with c = clip(y_pred, 1e-7, 1 - 1e-7):
        -(y * log(c) + (1 - y) * log(1 - c))
        backward: (c - y) / (c * (1 - c)), 0 where y_pred is outside the clip range
    Logits x (from_logits=True), the stable form TensorFlow uses:
        max(x, 0) - x * y + log(1 + exp(-|x|))
        backward: sigmoid(x) - y
    (each backward further divided by the number of averaged values). ``label_smoothing``
    s replaces y by y * (1 - s) + s / 2.

    Example:
        >>> round(BinaryCrossentropy()([[1.0], [0.0]], [[0.9], [0.2]]), 6)  # -(ln .9 + ln .8)/2
        0.164252
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = _check_smoothing(label_smoothing)
        self.axis = _check_axis(axis)

    def _axis(self):
        return self.axis

    def _inputs(self, y_true, y_pred):
        t, p, shape = super()._inputs(y_true, y_pred)
        if not -p.ndim <= self.axis < p.ndim:
            raise ValueError(f"axis={self.axis} is out of range for y_pred of shape {shape}.")
        if not self.from_logits:
            _check_probabilities(self._who(), p)
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return t, p, shape

    def _elementwise(self, t, p):
        if self.from_logits:
            return np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
        lo, hi = _clip_bounds(p.dtype)
        c = np.clip(p, lo, hi)
        return -(t * np.log(c) + (1 - t) * np.log(1 - c))

    def _values(self, t, p):
        return np.mean(self._elementwise(t, p), axis=self.axis)

    def _grad(self, t, p):
        if self.from_logits:
            # sigmoid(x) - y, written so that neither branch subtracts two numbers near 1:
            # with e = sigmoid(-|x|), sigmoid(x) = 1 - e for x >= 0 and e for x < 0.
            e = np.exp(-np.abs(p))
            e = e / (1 + e)
            grad = np.where(p >= 0, (1 - t) - e, e - t)
        else:
            lo, hi = _clip_bounds(p.dtype)
            c = np.clip(p, lo, hi)
            grad = np.where((p >= lo) & (p <= hi), -t / c + (1 - t) / (1 - c), 0)
        return grad.astype(p.dtype, copy=False) / p.dtype.type(p.shape[self.axis])

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy with one-hot (or soft) targets along ``axis``.

    Probabilities p (from_logits=False): as Keras, first rescale so each row sums to 1,
    q = p / sum(p), then clip, c = clip(q, 1e-7, 1 - 1e-7):
        -sum(y * log(c))
        backward: with g = -y / c (0 where q is outside the clip range),
                  (g - sum(g * q)) / sum(p)
    Logits x (from_logits=True):
        -sum(y * log_softmax(x))
        backward: softmax(x) * sum(y) - y      (= softmax(x) - y for one-hot y)
    ``label_smoothing`` s replaces y by y * (1 - s) + s / num_classes.

    TensorFlow's fused kernel returns softmax(x) - y as the gradient even when y does not
    sum to 1; that is the true gradient only for targets that do. Here backward is the
    gradient of the loss for any y.

    Example:
        >>> round(CategoricalCrossentropy()([[0.0, 1.0, 0.0]], [[0.1, 0.8, 0.1]]), 6)  # -ln .8
        0.223144
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = _check_smoothing(label_smoothing)
        self.axis = _check_axis(axis)

    def _axis(self):
        return self.axis

    def _inputs(self, y_true, y_pred):
        t, p, shape = super()._inputs(y_true, y_pred)
        if not -p.ndim <= self.axis < p.ndim:
            raise ValueError(f"axis={self.axis} is out of range for y_pred of shape {shape}.")
        if p.shape[self.axis] == 1:
            warnings.warn(
                f"{self._who()} got y_pred of shape {shape}: one class only, so the loss is "
                "always 0. For two classes, use BinaryCrossentropy with one output, or give "
                "y_pred one column per class.",
                stacklevel=3,
            )
        if not self.from_logits:
            # One class: warned above; its "row" cannot sum to 1 unless it is 1.
            _check_probabilities(self._who(), p, self.axis if p.shape[self.axis] > 1 else None)
        if self.label_smoothing:
            num_classes = p.shape[self.axis]
            t = t * (1.0 - self.label_smoothing) + self.label_smoothing / num_classes
        return t, p, shape

    def _values(self, t, p):
        ax = self.axis
        if self.from_logits:
            return -np.sum(t * _log_softmax(p, ax), axis=ax)
        lo, hi = _clip_bounds(p.dtype)
        q = p / np.sum(p, axis=ax, keepdims=True)
        return -np.sum(t * np.log(np.clip(q, lo, hi)), axis=ax)

    def _grad(self, t, p):
        ax = self.axis
        if self.from_logits:
            return _softmax(p, ax) * np.sum(t, axis=ax, keepdims=True) - t
        lo, hi = _clip_bounds(p.dtype)
        total = np.sum(p, axis=ax, keepdims=True)
        q = p / total
        g = np.where((q >= lo) & (q <= hi), -t / np.clip(q, lo, hi), 0).astype(p.dtype)
        # The rescaling q = p / sum(p) couples the entries of a row: chain rule through it.
        return (g - np.sum(g * q, axis=ax, keepdims=True)) / total

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer class labels: y_true holds class indices, of
    shape (N,) or (N, 1) for y_pred of shape (N, num_classes).

    Logits x (from_logits=True):
        logsumexp(x) - x[label]
        backward: softmax(x) - onehot(label)
    Probabilities p (from_logits=False): as Keras, clip c = clip(p, 1e-7, 1 - 1e-7) and
    use log(c) as logits (note: no rescaling to sum 1 first, unlike CategoricalCrossentropy):
        log(sum(c)) - log(c[label])
        backward: 1 / sum(c) - onehot(label) / c, 0 where p is outside the clip range

    Example:
        >>> round(SparseCategoricalCrossentropy()([1], [[0.1, 0.8, 0.1]]), 6)  # -ln .8
        0.223144
    """

    def __init__(
        self,
        from_logits=False,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.axis = _check_axis(axis)

    def _inputs(self, y_true, y_pred):
        p = self._pred(y_pred)
        if self.axis not in (-1, p.ndim - 1):
            raise ValueError(
                f"{self._who()} supports only axis=-1 (the classes on the last axis, as "
                f"Keras), but got axis={self.axis}."
            )
        if isinstance(y_true, (str, bytes)) or y_true is None:
            raise TypeError(f"y_true must be integer class labels, but got {y_true!r}.")
        try:
            labels = np.asarray(y_true)
        except ValueError:  # a ragged list
            raise TypeError(
                "y_true must be integer class labels (an array), but got a ragged list."
            ) from None
        if np.iscomplexobj(labels) or not (
            np.issubdtype(labels.dtype, np.number) or labels.dtype == np.bool_
        ):
            raise TypeError(
                f"y_true must be integer class labels, but got an array of dtype {labels.dtype}."
            )
        shape = labels.shape
        if labels.ndim == p.ndim and labels.ndim > 0 and labels.shape[-1] == 1:
            labels = labels[..., 0]
        if labels.shape != p.shape[:-1]:
            raise ValueError(
                f"{self._who()} needs one integer label per row of y_pred: y_true of shape "
                f"{_shape_str(p.shape[:-1])} (or {_shape_str(p.shape[:-1] + (1,))}) for y_pred "
                f"of shape {_shape_str(p.shape)}, but got y_true of shape {_shape_str(shape)}."
            )
        num_classes = p.shape[-1]
        if np.issubdtype(labels.dtype, np.inexact) or labels.dtype == np.bool_:
            bad = ~np.isfinite(labels) | (labels != np.round(labels))
            if np.any(bad):
                raise ValueError(
                    f"{self._who()} expects integer class labels in [0, {num_classes}) "
                    f"({num_classes} classes, the last axis of y_pred), but y_true contains "
                    f"{labels[bad].reshape(-1)[0].item()!r}. For one-hot or soft targets use "
                    "CategoricalCrossentropy."
                )
        out = (labels < 0) | (labels >= num_classes)
        if np.any(out):
            raise ValueError(
                f"{self._who()} expects class labels in [0, {num_classes}) ({num_classes} "
                f"classes, the last axis of y_pred of shape {_shape_str(p.shape)}), but "
                f"y_true contains {labels[out].reshape(-1)[0].item()!r}."
            )
        if not self.from_logits:
            _check_probabilities(self._who(), p, -1)
        return labels.astype(np.int64), p, p.shape

    def _count(self, t, p):
        return t.size

    def _logits(self, p):
        if self.from_logits:
            return p
        lo, hi = _clip_bounds(p.dtype)
        return np.log(np.clip(p, lo, hi))

    def _values(self, t, p):
        logits = self._logits(p)
        picked = np.take_along_axis(logits, t[..., None], axis=-1)[..., 0]
        m = np.max(logits, axis=-1)
        lse = m + np.log(np.sum(np.exp(logits - m[..., None]), axis=-1))
        return lse - picked

    def _grad(self, t, p):
        onehot = np.zeros_like(p)
        np.put_along_axis(onehot, t[..., None], 1, axis=-1)
        if self.from_logits:
            return _softmax(p, -1) - onehot
        lo, hi = _clip_bounds(p.dtype)
        c = np.clip(p, lo, hi)
        grad = 1 / np.sum(c, axis=-1, keepdims=True) - onehot / c
        return np.where((p >= lo) & (p <= hi), grad, 0).astype(p.dtype)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "axis": self.axis}


class LossFunctionWrapper(Loss):
    """A loss from a plain function ``fn(y_true, y_pred, **kwargs)`` returning per-sample
    losses (Keras's convention). Its ``backward`` uses centred differences of the reduced
    loss in float64, two calls per entry of y_pred: fine for small batches only.

    Example:
        >>> cube = LossFunctionWrapper(lambda t, p: np.mean((p - t) ** 3, axis=-1))
        >>> cube([[0.0]], [[2.0]])
        8.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(
            name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype
        )
        self.fn = fn
        self.fn_kwargs = kwargs

    def _values(self, t, p):
        return np.asarray(self.fn(t, p, **self.fn_kwargs))

    def _count(self, t, p):
        return max(1, np.asarray(self._values(t, p)).size)

    def _grad(self, t, p, h=1e-5):
        # Gradient of the *sum* of values; the base class divides by the count.
        w = p.astype(np.float64)
        flat = w.reshape(-1)
        grad = np.empty_like(flat)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            up = float(np.sum(self._values(t, w)))
            flat[i] = old - h
            down = float(np.sum(self._values(t, w)))
            flat[i] = old
            grad[i] = (up - down) / (2 * h)
        return grad.reshape(p.shape).astype(p.dtype)

    def __repr__(self):
        return f"LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)!r})"


# --- Keras's functional forms: per-sample losses ---------------------------------------------
def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error, mean((y_true - y_pred)**2, axis=-1), as
    ``keras.losses.mean_squared_error``.

    Example:
        >>> mean_squared_error([[0.0, 2.0]], [[1.0, 1.0]])
        array([1.])
    """
    return MeanSquaredError().per_sample(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error, mean(|y_true - y_pred|, axis=-1).

    Example:
        >>> mean_absolute_error([[0.0, 2.0]], [[1.0, 1.0]])
        array([1.])
    """
    return MeanAbsoluteError().per_sample(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary cross-entropy (see ``BinaryCrossentropy``).

    Example:
        >>> binary_crossentropy([[1.0]], [[0.0]], from_logits=True).round(6)  # ln 2
        array([0.693147])
    """
    loss = BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
    return loss.per_sample(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical cross-entropy (see ``CategoricalCrossentropy``).

    Example:
        >>> categorical_crossentropy([[1.0, 0.0]], [[0.0, 0.0]], from_logits=True).round(6)
        array([0.693147])
    """
    loss = CategoricalCrossentropy(
        from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
    )
    return loss.per_sample(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Per-sample sparse categorical cross-entropy (see ``SparseCategoricalCrossentropy``).

    Example:
        >>> sparse_categorical_crossentropy([0], [[0.0, 0.0]], from_logits=True).round(6)
        array([0.693147])
    """
    return SparseCategoricalCrossentropy(from_logits=from_logits, axis=axis).per_sample(
        y_true, y_pred
    )


# --- registry -------------------------------------------------------------------------------
#: Keras's snake_case name -> class; tests iterate over it.
ALL = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "mean_absolute_error": MeanAbsoluteError,
    "mean_squared_error": MeanSquaredError,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}

# Keras's get() also knows the class names and these short aliases.
_IDENTIFIERS = {
    **ALL,
    **{cls.__name__: cls for cls in ALL.values()},
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
}


def names():
    """The snake_case loss names ``get`` accepts, sorted (it also takes class names and the
    aliases "mse", "mae", "bce")."""
    return sorted(ALL)


def get(identifier):
    """A loss object from a name, a config dict, a class, an instance or a function.

    Names: Keras's (``"mse"``, ``"mean_squared_error"``, ``"mae"``,
    ``"binary_crossentropy"``, ``"categorical_crossentropy"``,
    ``"sparse_categorical_crossentropy"``, the class names). Unlike ``keras.losses.get``,
    which returns Keras's per-sample *function* for a snake_case name, this always returns a
    loss object (callable as ``loss(y_true, y_pred)`` with a ``backward``), with Keras's
    defaults (``from_logits=False``). A plain function ``fn(y_true, y_pred)`` is wrapped in
    ``LossFunctionWrapper``; ``None`` gives ``None``.

    Example:
        >>> get("mse")
        MeanSquaredError(reduction='sum_over_batch_size')
    """
    return resolve_identifier(
        identifier,
        Loss,
        _lookup,
        LossFunctionWrapper,
        config_error="A loss config must look like {'class_name': 'CategoricalCrossentropy', "
        "'config': {'from_logits': True}}",
        type_error="A loss must be a name such as 'mse', a Loss or a function fn(y_true, y_pred)",
    )


def _lookup(name):
    return lookup_name(
        _IDENTIFIERS,
        name,
        "loss",
        names(),
        also="(also 'mse', 'mae', 'bce' and the class names, e.g. 'MeanSquaredError')",
    )
