"""Layers: Dense, Dropout, Activation, Flatten, BatchNormalization, ResidualDense; backward below
forward.

A layer maps a batch ``x`` to an output and, in ``backward``, maps the gradient of the loss
with respect to its output back to the gradient with respect to its input, storing the
gradients for its own weights in ``layer.grads`` (same order as ``layer.get_weights()``):

    layer = Dense(4, activation="relu")
    y = layer(x)                  # builds the kernel (x.shape[-1], 4) on the first call
    dx = layer.backward(dy)       # and sets layer.grads = [dkernel, dbias]

Names, arguments, defaults, weight order and shapes follow ``keras.layers``, so that
``set_weights(keras_layer.get_weights())`` gives the same outputs as the Keras layer.
"""

import numbers

import numpy as np

from companion.utils import (
    MIRROR_KERAS,
    as_float_array,
    as_generator,
    check_bool,
    check_finite_after_cast,
)

__all__ = [
    "Layer",
    "Dense",
    "Dropout",
    "Activation",
    "Flatten",
    "BatchNormalization",
    "ResidualDense",
    "reset_names",
]

# Keras names layers "dense", "dense_1", "dense_2", ... with one counter per base name for
# the whole session; ``reset_names`` plays the part of ``keras.backend.clear_session``.
_NAME_COUNTS = {}


def _auto_name(base):
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    """Restart automatic layer names at ``"dense"``, ``"dropout"``, ... (as Keras's
    ``clear_session`` does)."""
    _NAME_COUNTS.clear()


def _snake_case(name):
    out = [name[0].lower()]
    for ch in name[1:]:
        out.append(f"_{ch.lower()}" if ch.isupper() else ch)
    return "".join(out)


def _check_dtype(dtype):
    try:
        dtype = np.dtype("float32" if dtype is None else dtype)
    except TypeError:
        raise TypeError(
            f"A layer's dtype must be a floating type such as 'float32' or 'float64', but got "
            f"{dtype!r}, which is not a data type NumPy knows."
        ) from None
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(
            f"A layer's dtype must be a floating type such as 'float32' or 'float64', "
            f"but got {dtype}."
        )
    return dtype


def _shape_str(shape):
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def _weight_list(weights, owner):
    """``weights`` as a list of arrays, or a TypeError that says a list was expected."""
    if isinstance(weights, (list, tuple)):
        return list(weights)
    if isinstance(weights, np.ndarray) and weights.dtype != object:
        raise TypeError(
            f"{owner}.set_weights expects a list of arrays, as get_weights() returns, but got a "
            f"single array of shape {weights.shape}: wrap it in a list, e.g. [kernel, bias]."
        )
    raise TypeError(
        f"{owner}.set_weights expects a list of arrays, as get_weights() returns, but got "
        f"{type(weights).__name__}."
    )


def _activation_name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


class Layer:
    """Base class of the companion's layers.

    Subclasses implement ``call(x, training)`` (the forward pass, which caches what
    ``backward`` needs), ``backward(grad_output)``, and, if they have weights,
    ``build(input_shape)`` and ``_weight_names``.
    """

    _weight_names = ()
    _min_ndim = 1

    def __init__(self, name=None, dtype=None, trainable=True):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"A layer's name must be a string, but got {type(name).__name__}.")
        self.name = name or _auto_name(_snake_case(type(self).__name__))
        self.dtype = _check_dtype(dtype)
        self.trainable = check_bool(trainable, "trainable")
        self.built = False
        self.grads = None
        self._input_shape = None

    # --- building and calling ---------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (weightless layers only record it)."""
        self._input_shape = _as_shape(input_shape)
        self.built = True

    def __call__(self, x, training=False):
        # None means "not training", as in Keras.
        training = False if training is None else check_bool(training, "training")
        x = as_float_array(x, name=f"The input of layer '{self.name}'")
        if x.dtype.itemsize > self.dtype.itemsize and np.all(np.isfinite(x)):
            # 1e39 is finite in float64 but inf in float32: rejected where it enters.
            x = check_finite_after_cast(x, self.dtype, f"The input of layer '{self.name}'")
        else:
            with np.errstate(**MIRROR_KERAS):
                x = x.astype(self.dtype, copy=False)
        if x.ndim == 0:
            raise ValueError(
                f"Layer '{self.name}' expects a batch of inputs (at least 1 dimension), "
                "but got a scalar."
            )
        if x.ndim < self._min_ndim:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expects inputs with at least "
                f"{self._min_ndim} dimensions (batch, features), but got an input of shape "
                f"{x.shape}. For one sample use x[None, :]."
            )
        if not self.built:
            self.build((None, *x.shape[1:]))
        # Large finite inputs may overflow x @ kernel to inf, as in Keras: silently.
        with np.errstate(**MIRROR_KERAS):
            return self.call(x, training=training)

    def call(self, x, training=False):
        raise NotImplementedError

    def backward(self, grad_output):
        raise NotImplementedError

    def output_shape_for(self, input_shape):
        """The output shape for an input of ``input_shape`` (``None`` for unknown sizes)."""
        return _as_shape(input_shape)

    def _check_grad(self, grad_output, expected_shape):
        grad = as_float_array(grad_output, name=f"The gradient passed to layer '{self.name}'")
        if grad.shape != tuple(expected_shape):
            raise ValueError(
                f"Layer '{self.name}'.backward expects a gradient shaped like its last output "
                f"{tuple(expected_shape)}, but got shape {grad.shape}."
            )
        return grad.astype(self.dtype, copy=False)

    def _no_forward_error(self):
        return RuntimeError(
            f"Layer '{self.name}'.backward needs the input of a forward pass: call the layer "
            "on a batch first (backward uses the cached input of the last call)."
        )

    # --- weights ----------------------------------------------------------------------------------
    @property
    def weights(self):
        """The live weight arrays (changing them changes the layer)."""
        return [getattr(self, n) for n in self._weight_names if getattr(self, n, None) is not None]

    @property
    def trainable_weights(self):
        return self.weights if self.trainable else []

    def get_weights(self):
        """Copies of the weights, in Keras's order (``[kernel, bias]`` for ``Dense``)."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        """Overwrite the weights (in place, so optimizer state stays attached to them)."""
        weights = _weight_list(weights, f"Layer '{self.name}'")
        current = self.weights
        if not self.built and self._weight_names:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so it has no weights to set. Call it "
                "on a batch or call build(input_shape) first."
            )
        if len(weights) != len(current):
            raise ValueError(
                f"Layer '{self.name}' expects a list of {len(current)} weight array(s) "
                f"with shapes {[w.shape for w in current]}, but got {len(weights)}."
            )
        new = []
        for i, (w, ref) in enumerate(zip(weights, current)):
            arr = as_float_array(w, name=f"Weight {i} for layer '{self.name}'")
            what = f"Weight {i} ({self._weight_names[i]}) for layer '{self.name}'"
            if arr.shape != ref.shape:
                raise ValueError(
                    f"Layer '{self.name}' weight {i} ({self._weight_names[i]}) has shape "
                    f"{ref.shape}, but the new value has shape {arr.shape}."
                )
            # Checked after the cast to the layer's dtype: 1e39 is finite in float64 only.
            new.append(check_finite_after_cast(arr, ref.dtype, what))
        for arr, ref in zip(new, current):
            ref[...] = arr

    def count_params(self):
        """Number of scalars in the weights; an unbuilt layer with weights raises, as Keras."""
        if not self.built and self._weight_names:
            raise ValueError(
                f"You tried to call count_params on layer '{self.name}', but the layer isn't "
                "built. Build it first with layer.build(input_shape) or call it on a batch."
            )
        return int(sum(w.size for w in self.weights))

    # --- regularization ---------------------------------------------------------------------------
    def _regularizers(self):
        return [None] * len(self.weights)

    @property
    def losses(self):
        """The regularization penalties at the current weights (floats), as ``layer.losses``."""
        return [float(r(w)) for r, w in zip(self._regularizers(), self.weights) if r is not None]

    def regularization_grads(self):
        """Gradients of the penalties, aligned with ``weights`` (``None`` where none)."""
        regs = list(self._regularizers())
        # A subclass may add weights (a Dense with a learnable slope) without regularizers.
        regs += [None] * (len(self.weights) - len(regs))
        return [
            None if r is None else np.asarray(r.gradient(w), dtype=w.dtype)
            for r, w in zip(regs, self.weights)
        ]

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}

    def __repr__(self):
        return f"<{type(self).__name__} name='{self.name}', built={self.built}>"


def _as_shape(input_shape):
    """A shape tuple of ints (None for unknown sizes); anything else is a TypeError/ValueError.

    ``int(2.7)`` would silently build 2 features and ``int("3")`` would accept a string, so
    each entry must be an integer (Python or NumPy), not a float, bool or string.
    """
    expected = "An input shape must be a tuple of ints such as (None, 784) or an int"
    if isinstance(input_shape, numbers.Integral) and not isinstance(input_shape, bool):
        input_shape = (None, input_shape)
    if isinstance(input_shape, (str, bytes)) or not hasattr(input_shape, "__iter__"):
        raise TypeError(f"{expected}, but got {input_shape!r}.")
    shape = tuple(input_shape)
    for d in shape:
        if d is None:
            continue
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral):
            raise TypeError(f"{expected}, but got {input_shape!r} (the entry {d!r}).")
        if d < 0:
            raise ValueError(f"{expected} >= 0, but got {input_shape!r}.")
    return tuple(None if d is None else int(d) for d in shape)


class Dense(Layer):
    """A fully connected layer: ``output = activation(x @ kernel + bias)``.

    kernel has shape (input_dim, units) and bias (units,), as in Keras. An input with more
    than two axes is contracted on its last axis (every leading position gets the same map).

    Backward, with z = x @ kernel + bias and dz = activation's vector-Jacobian product:
        dkernel = sum over all leading positions of x^T dz
        dbias   = sum over all leading positions of dz
        dx      = dz @ kernel^T

    Example:
        >>> layer = Dense(2, kernel_initializer="ones")
        >>> layer(np.array([[1.0, 2.0, 3.0]]))
        array([[6., 6.]], dtype=float32)
        >>> layer.kernel.shape, layer.count_params()
        ((3, 2), 8)
    """

    _weight_names = ("kernel", "bias")
    _min_ndim = 2  # (batch, features), as Keras's InputSpec(min_ndim=2)

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        seed=None,
        dtype=None,
        name=None,
        input_dim=None,
    ):
        from companion import activations, initializers, regularizers

        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError(
                f"Dense expects `units` to be a positive integer (the number of outputs), "
                f"but got {units!r}."
            )
        super().__init__(name=name, dtype=dtype)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        # None means Keras's fallback for float weights (Layer.add_weight): glorot_uniform, for
        # the bias too.
        self.kernel_initializer = initializers.get(kernel_initializer or "glorot_uniform")
        self.bias_initializer = initializers.get(bias_initializer or "glorot_uniform")
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.seed = seed
        as_generator(seed)  # fail now (TypeError) rather than at build time
        self.kernel = None
        self.bias = None
        self.last_z = None
        self._last_input = None
        self._last_output_shape = None
        if input_dim is not None:
            self.build(input_dim)

    def build(self, input_shape):
        """Create kernel (input_dim, units) and bias (units,); ``input_shape`` may be an int."""
        shape = _as_shape(input_shape)
        input_dim = shape[-1] if shape else None
        if input_dim is None or input_dim <= 0:
            raise ValueError(
                f"Dense layer '{self.name}' needs a known, positive number of input features "
                f"(the last axis), but got input shape {_shape_str(shape)}."
            )
        rng = as_generator(self.seed)
        self.kernel = np.asarray(
            self.kernel_initializer((input_dim, self.units), seed=rng, dtype=self.dtype),
            dtype=self.dtype,
        )
        self.bias = (
            np.asarray(self.bias_initializer((self.units,), seed=rng, dtype=self.dtype), self.dtype)
            if self.use_bias
            else None
        )
        super().build(shape)

    @property
    def input_dim(self):
        return None if self.kernel is None else self.kernel.shape[0]

    def call(self, x, training=False):
        if x.shape[-1] != self.input_dim:
            raise ValueError(
                f"Dense layer '{self.name}' expects inputs whose last axis has "
                f"{self.input_dim} features (its kernel is {self.kernel.shape}), but got an "
                f"input of shape {x.shape}."
            )
        z = x @ self.kernel
        if self.use_bias:
            z = z + self.bias
        self._last_input = x
        self.last_z = z
        out = self.activation(z)
        self._last_output_shape = out.shape
        return out

    def backward(self, grad_output, input_grad=True):
        """Gradient w.r.t. the input; sets ``grads = [dkernel, dbias]`` (no dbias without bias).

        ``input_grad=False`` skips the gradient w.r.t. the input and returns ``None``: a model's
        first layer does not need it in training (its input is the data).
        """
        if self._last_input is None:
            raise self._no_forward_error()
        grad = self._check_grad(grad_output, self._last_output_shape)
        return self.backward_from_z(self.activation.backward(self.last_z, grad), input_grad)

    def backward_from_z(self, grad_z, input_grad=True):
        """Backward pass given the gradient w.r.t. the pre-activation ``z = x @ kernel + bias``.

        Used by ``Sequential`` when the loss is computed from the logits (softmax or sigmoid
        output with a cross-entropy), where the combined gradient is simpler and exact.
        ``input_grad`` as in ``backward``.
        """
        if self._last_input is None:
            raise self._no_forward_error()
        dz = self._check_grad(grad_z, self.last_z.shape)
        x2 = self._last_input.reshape(-1, self.input_dim)
        dz2 = dz.reshape(-1, self.units)
        with np.errstate(**MIRROR_KERAS):  # inf in the input: inf/NaN gradients, as Keras
            grads = [x2.T @ dz2]
            if self.use_bias:
                grads.append(dz2.sum(axis=0))
            self.grads = grads
            return dz @ self.kernel.T if input_grad else None

    def output_shape_for(self, input_shape):
        shape = _as_shape(input_shape)
        if self.built and shape and shape[-1] is not None and shape[-1] != self.input_dim:
            raise ValueError(
                f"Dense layer '{self.name}' expects inputs whose last axis has "
                f"{self.input_dim} features (its kernel is {self.kernel.shape}), but got input "
                f"shape {_shape_str(shape)}."
            )
        return (*shape[:-1], _activation_units(self.activation, self.units, self.dtype))

    def _regularizers(self):
        regs = [self.kernel_regularizer]
        if self.use_bias:
            regs.append(self.bias_regularizer)
        return regs

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": _activation_name(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _config_name(self.kernel_initializer),
            "bias_initializer": _config_name(self.bias_initializer),
            "kernel_regularizer": _config_name(self.kernel_regularizer),
            "bias_regularizer": _config_name(self.bias_regularizer),
        }


def _activation_units(activation, units, dtype):
    # Elementwise activations keep the width; others (glu halves it) tell by example.
    if getattr(activation, "elementwise", True):
        return units
    return activation(np.zeros((1, units), dtype=dtype)).shape[-1]


def _config_name(obj):
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", type(obj).__name__)


class Dropout(Layer):
    """Inverted dropout: during training, zero each value with probability ``rate`` and
    scale the kept ones by 1 / (1 - rate), so the expected output equals the input.

    training=True:  output = x * mask / (1 - rate),  mask ~ Bernoulli(1 - rate)
    otherwise:      output = x                      (also when rate == 0)
    Backward uses the same mask: dx = grad_output * mask / (1 - rate).

    ``noise_shape`` (as Keras) shares one mask value along its axes of size 1: with inputs
    (batch, features), ``noise_shape=(None, 1)`` keeps or drops each sample's features all
    together. ``None`` entries take the input's size.

    Example:
        >>> drop = Dropout(0.5, seed=1)
        >>> drop(np.ones((1, 4)), training=True)   # kept values become 1 / (1 - 0.5) = 2
        array([[2., 2., 0., 2.]], dtype=float32)
        >>> drop(np.ones((1, 4)))                  # inference: identity
        array([[1., 1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate, noise_shape=None, seed=None, name=None, dtype=None):
        if (
            isinstance(rate, bool)
            or not isinstance(rate, numbers.Real)
            or not np.isfinite(rate)
            or not 0 <= rate < 1
        ):
            raise ValueError(
                f"Dropout expects `rate` (the fraction of values to drop) in [0, 1), but got "
                f"{rate!r}."
            )
        super().__init__(name=name, dtype=dtype)
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = as_generator(seed)
        self._mask = None
        self._last_shape = None

    def _mask_shape(self, shape):
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(
                f"Dropout layer '{self.name}' has noise_shape {self.noise_shape}, which "
                f"needs inputs with {len(self.noise_shape)} dimensions, but got shape {shape}."
            )
        out = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        for n, s in zip(out, shape):
            if n not in (1, s):
                raise ValueError(
                    f"Dropout layer '{self.name}' noise_shape {self.noise_shape} does not "
                    f"broadcast to the input shape {shape}: each entry must be 1, None or "
                    "the input's size."
                )
        return out

    def call(self, x, training=False):
        self._last_shape = x.shape
        if not training or self.rate == 0:
            self._mask = None
            return x
        keep = self._rng.random(self._mask_shape(x.shape)) >= self.rate
        self._mask = keep.astype(self.dtype) * self.dtype.type(1.0 / (1.0 - self.rate))
        return x * self._mask

    def backward(self, grad_output):
        if self._last_shape is None:
            raise self._no_forward_error()
        grad = self._check_grad(grad_output, self._last_shape)
        self.grads = []
        return grad if self._mask is None else grad * self._mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape}


class Activation(Layer):
    """Apply an activation function as a layer of its own: ``output = activation(x)``.

    Backward: dx = activation.backward(x, grad_output) (a vector-Jacobian product, so softmax
    works too).

    Example:
        >>> Activation("relu")(np.array([[-1.0, 2.0]]))
        array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, name=None, dtype=None):
        from companion import activations

        super().__init__(name=name, dtype=dtype)
        self.activation = activations.get(activation)
        self.last_z = None

    def call(self, x, training=False):
        self.last_z = x
        out = self.activation(x)
        self._last_output_shape = out.shape
        return out

    def backward(self, grad_output):
        if self.last_z is None:
            raise self._no_forward_error()
        grad = self._check_grad(grad_output, self._last_output_shape)
        self.grads = []
        return self.activation.backward(self.last_z, grad)

    def backward_from_z(self, grad_z):
        """Backward given the gradient w.r.t. this layer's input (the logits)."""
        if self.last_z is None:
            raise self._no_forward_error()
        self.grads = []
        return self._check_grad(grad_z, self.last_z.shape)

    def output_shape_for(self, input_shape):
        shape = _as_shape(input_shape)
        if not shape or shape[-1] is None:
            return shape
        return (*shape[:-1], _activation_units(self.activation, shape[-1], self.dtype))

    def get_config(self):
        return {**super().get_config(), "activation": _activation_name(self.activation)}


class Flatten(Layer):
    """Flatten every axis after the batch axis: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    Backward reshapes the gradient back to the input's shape.

    Example:
        >>> Flatten()(np.zeros((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._last_shape = None

    def call(self, x, training=False):
        self._last_shape = x.shape
        # An explicit size, not -1: reshape cannot infer -1 for an empty batch.
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64)))

    def backward(self, grad_output):
        if self._last_shape is None:
            raise self._no_forward_error()
        grad = self._check_grad(
            grad_output, (self._last_shape[0], int(np.prod(self._last_shape[1:])))
        )
        self.grads = []
        return grad.reshape(self._last_shape)

    def output_shape_for(self, input_shape):
        shape = _as_shape(input_shape)
        if len(shape) == 0:
            raise ValueError(f"Flatten layer '{self.name}' needs at least a batch axis.")
        rest = shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest, dtype=np.int64))
        return (shape[0], size)


def _check_fraction(value, what, low_open=False):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or not (0 < value < 1 if low_open else 0 <= value <= 1)
    ):
        interval = "(0, 1)" if low_open else "[0, 1]"
        raise ValueError(f"BatchNormalization expects `{what}` in {interval}, but got {value!r}.")
    return float(value)


class BatchNormalization(Layer):
    """Batch normalization (Ioffe & Szegedy, 2015) over the last axis, as
    ``keras.layers.BatchNormalization`` (axis=-1).

    training=True (and the layer trainable): normalize with the batch's own statistics,
        mean = mean of x over every axis but the last, var = the (biased) variance,
        xhat = (x - mean) / sqrt(var + epsilon),  output = gamma * xhat + beta,
        and update the moving statistics used at inference, as Keras does:
        moving_mean = moving_mean * momentum + mean * (1 - momentum)   (same for the variance).
    otherwise: the same formula with moving_mean and moving_variance instead of the batch's.

    Weights in Keras's order: ``[gamma, beta, moving_mean, moving_variance]`` (gamma only with
    ``scale=True``, beta only with ``center=True``); gamma and beta are trainable, the moving
    statistics are not (``trainable_weights`` holds gamma and beta; ``grads`` too).

    Backward in training mode, with m values per unit and dxhat = grad_output * gamma:
        dgamma = sum(grad_output * xhat),  dbeta = sum(grad_output)
        dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + epsilon)
    (the batch mean and variance depend on x too, which gives the two subtracted terms).
    In inference mode the statistics are constants: dx = dxhat / sqrt(moving_var + epsilon).

    Example:
        >>> bn = BatchNormalization()
        >>> bn(np.array([[1.0], [3.0]]), training=True).round(3)   # mean 2, variance 1
        array([[-1.],
               [ 1.]], dtype=float32)
        >>> bn.moving_mean                                          # 0.99 * 0 + 0.01 * 2
        array([0.02], dtype=float32)
    """

    _weight_names = ("gamma", "beta", "moving_mean", "moving_variance")
    _min_ndim = 2

    def __init__(
        self,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        trainable=True,
        name=None,
        dtype=None,
    ):
        from companion import initializers

        super().__init__(name=name, dtype=dtype, trainable=trainable)
        self.momentum = _check_fraction(momentum, "momentum")
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, numbers.Real)
            or not np.isfinite(epsilon)
            or epsilon <= 0
        ):
            raise ValueError(
                f"BatchNormalization expects `epsilon` to be a small positive number (it keeps "
                f"the division away from 0), but got {epsilon!r}."
            )
        self.epsilon = float(epsilon)
        self.center = check_bool(center, "center")
        self.scale = check_bool(scale, "scale")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self._cache = None

    def build(self, input_shape):
        """Create gamma, beta, moving_mean, moving_variance, one value per feature (last axis)."""
        shape = _as_shape(input_shape)
        features = shape[-1] if shape else None
        if features is None or features <= 0:
            raise ValueError(
                f"BatchNormalization layer '{self.name}' needs a known, positive number of "
                f"features (the last axis), but got input shape {_shape_str(shape)}."
            )

        def make(init):
            return np.asarray(init((features,), dtype=self.dtype), dtype=self.dtype)

        self.gamma = make(self.gamma_initializer) if self.scale else None
        self.beta = make(self.beta_initializer) if self.center else None
        self.moving_mean = make(self.moving_mean_initializer)
        self.moving_variance = make(self.moving_variance_initializer)
        super().build(shape)

    @property
    def features(self):
        return None if self.moving_mean is None else self.moving_mean.shape[0]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for w in (self.gamma, self.beta) if w is not None]

    @property
    def non_trainable_weights(self):
        return [self.moving_mean, self.moving_variance] if self.built else []

    def call(self, x, training=False):
        if x.shape[-1] != self.features:
            raise ValueError(
                f"BatchNormalization layer '{self.name}' normalizes {self.features} features "
                f"(last axis), but got an input of shape {x.shape}."
            )
        axes = tuple(range(x.ndim - 1))
        # An empty batch has no statistics: it is normalized with the moving ones, which it
        # leaves as they are (an empty batch in, an empty batch out).
        batch_stats = training and self.trainable and x.size > 0
        if batch_stats:
            mean = x.mean(axis=axes)
            var = np.square(x - mean).mean(axis=axes)
            m = self.momentum
            # In place, so that an optimizer or a caller holding the arrays sees the update.
            self.moving_mean[...] = self.moving_mean * m + mean * (1.0 - m)
            self.moving_variance[...] = self.moving_variance * m + var * (1.0 - m)
        else:
            mean, var = self.moving_mean, self.moving_variance
        inv_std = (1.0 / np.sqrt(var + self.dtype.type(self.epsilon))).astype(self.dtype)
        xhat = (x - mean) * inv_std
        out = xhat
        if self.scale:
            out = out * self.gamma
        if self.center:
            out = out + self.beta
        self._cache = (xhat, inv_std, batch_stats, x.shape)
        return out.astype(self.dtype, copy=False)

    def backward(self, grad_output):
        """Gradient w.r.t. the input; sets ``grads = [dgamma, dbeta]`` (those that exist)."""
        if self._cache is None:
            raise self._no_forward_error()
        xhat, inv_std, batch_stats, shape = self._cache
        grad = self._check_grad(grad_output, shape)
        axes = tuple(range(grad.ndim - 1))
        with np.errstate(**MIRROR_KERAS):  # inf in the input: NaN gradients, as Keras, silently
            grads = []
            if self.scale:
                grads.append((grad * xhat).sum(axis=axes))
            if self.center:
                grads.append(grad.sum(axis=axes))
            self.grads = grads
            dxhat = grad * self.gamma if self.scale else grad
            if not batch_stats:
                return dxhat * inv_std
            mean_dxhat, mean_dxhat_xhat = dxhat.mean(axis=axes), (dxhat * xhat).mean(axis=axes)
            return (dxhat - mean_dxhat - xhat * mean_dxhat_xhat) * inv_std

    def output_shape_for(self, input_shape):
        shape = _as_shape(input_shape)
        if self.built and shape and shape[-1] is not None and shape[-1] != self.features:
            raise ValueError(
                f"BatchNormalization layer '{self.name}' normalizes {self.features} features "
                f"(last axis), but got input shape {_shape_str(shape)}."
            )
        return shape

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
        }


class ResidualDense(Dense):
    """A residual block of one Dense layer (He et al., 2016): ``output = x + dense(x)``.

    Keras has no such layer; it is the Functional API's skip connection,
    ``keras.layers.Add()([h, keras.layers.Dense(units, activation)(h)])``, packed into one
    layer so that a chain of blocks fits in a companion ``Sequential``. The branch is a
    ``Dense(units, ...)`` with the same arguments and weights ``[kernel, bias]``; ``units`` must
    equal the input's width (the sum needs equal shapes, as ``Add`` does).

    Backward: the skip connection passes the gradient unchanged, the branch adds its own,
        dx = grad_output + Dense.backward(grad_output)      (dkernel, dbias as in Dense).

    Example:
        >>> block = ResidualDense(2, kernel_initializer="ones")
        >>> block(np.array([[1.0, 2.0]]))                   # [1, 2] + [1, 2] @ ones
        array([[4., 5.]], dtype=float32)
    """

    def build(self, input_shape):
        shape = _as_shape(input_shape)
        if shape and shape[-1] is not None and shape[-1] != self.units:
            raise ValueError(
                f"ResidualDense layer '{self.name}' adds its input to a Dense branch of "
                f"{self.units} units, so its input needs {self.units} features (last axis), but "
                f"got input shape {_shape_str(shape)}."
            )
        super().build(shape)

    def call(self, x, training=False):
        return x + super().call(x, training=training)

    def backward(self, grad_output, input_grad=True):
        """Gradient w.r.t. the input (the skip's ``grad_output`` plus the branch's); sets
        ``grads = [dkernel, dbias]`` as ``Dense`` does (``input_grad=False``: those only)."""
        if self._last_input is None:
            raise self._no_forward_error()
        grad = self._check_grad(grad_output, self._last_output_shape)
        grad_z = self.activation.backward(self.last_z, grad)
        branch = Dense.backward_from_z(self, grad_z, input_grad=input_grad)
        return grad + branch if input_grad else None

    @property
    def backward_from_z(self):
        # No shortcut from the pre-activation: the output x + activation(z) is not a function of
        # z alone. Hiding the attribute makes Sequential score a softmax ResidualDense output
        # from its probabilities, through ``backward``, which is right.
        raise AttributeError(
            f"ResidualDense layer '{self.name}' has no backward_from_z: its output is "
            "x + activation(z), so use backward."
        )
