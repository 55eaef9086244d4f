"""Keras's backend (TensorFlow, JAX or PyTorch) and gradients from that backend's own autodiff.

Keras 3 runs on three backends, chosen once per process by the ``KERAS_BACKEND`` environment
variable (or ``~/.keras/keras.json``) before Keras is first imported. The course compares the
companion with Keras on any of them, so gradients are taken with the backend's own automatic
differentiation, behind one function each:

- ``grad(fn, *args)``: the gradient of a scalar ``fn(*args)`` with respect to each argument
  (``tf.GradientTape``, ``jax.grad``, ``torch.autograd.grad``);
- ``vjp(fn, x, cotangent)``: ``fn(x)`` and the vector-Jacobian product backpropagation computes;
- ``keras_gradients(layer_or_model, x, loss_fn, training=False)``: the gradient of
  ``loss_fn(layer(x))`` (plus the layer's regularization penalties) with respect to its
  trainable weights and, optionally, its input. On JAX the forward pass is
  ``layer.stateless_call``, as in Keras's own JAX training step.

Only the backend in use is imported: nothing here imports TensorFlow under JAX or PyTorch.
"""

import numpy as np

from companion._backend_name import BACKEND_MODULES, BACKENDS, backend
from companion.utils import check_bool

__all__ = [
    "BACKENDS",
    "BACKEND_MODULES",
    "backend",
    "grad",
    "keras_gradients",
    "let_numpy_read_torch_tensors",
    "to_numpy",
    "vjp",
]


def _checked_backend():
    import keras

    name = keras.backend.backend()
    if name not in BACKENDS:
        raise ValueError(
            f"Gradients are supported on the Keras backends {', '.join(BACKENDS)}, but this "
            f"process uses '{name}'. Set KERAS_BACKEND before Keras is imported."
        )
    return name


def let_numpy_read_torch_tensors():
    """On torch, let ``np.asarray`` (and matplotlib) read tensors that carry autograd history.

    TensorFlow and JAX tensors convert to NumPy arrays directly; a torch tensor that is part of
    an autograd graph (any Keras output computed from trainable weights) refuses with "Can't
    call numpy() on Tensor that requires grad". The course's notebooks and checkers read Keras
    outputs with ``np.asarray``, so on torch ``setup_notebook`` (and the tests) make NumPy's
    read detach the tensor first: the values are the same, autograd is untouched. Idempotent.
    """
    import torch

    if getattr(torch.Tensor.__array__, "_course_detached", False):
        return
    original = torch.Tensor.__array__

    def __array__(self, *args, **kwargs):
        return original(self.detach(), *args, **kwargs)

    __array__._course_detached = True
    torch.Tensor.__array__ = __array__


def to_numpy(value):
    """A backend tensor (or a Keras variable) as a NumPy array; ``None`` stays ``None``."""
    if value is None:
        return None
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


def _as_tensor(x):
    # The backend's own tensor type in x's dtype (float64 stays float64), ready to differentiate.
    import keras

    return keras.ops.convert_to_tensor(np.asarray(x), dtype=np.asarray(x).dtype.name)


def grad(fn, *args):
    """Gradients of the scalar ``fn(*args)`` with respect to each of ``args``, as NumPy arrays.

    ``fn`` computes with ``keras.ops`` (or Keras layers and activations) on the backend's
    tensors; ``args`` are arrays, kept in their dtype. A list with one gradient per argument.
    ``sum(f(x) * g)`` as ``fn`` gives the vector-Jacobian product ``tape.gradient(f(x), x,
    output_gradients=g)`` computes.

    >>> import keras  # doctest: +SKIP
    >>> grad(lambda x: keras.ops.sum(x**2), np.array([1.0, 2.0]))  # doctest: +SKIP
    [array([2., 4.])]
    """
    if not args:
        raise ValueError("grad needs at least one argument to differentiate with respect to.")
    name = _checked_backend()
    tensors = [_as_tensor(a) for a in args]
    if name == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            for t in tensors:
                tape.watch(t)
            value = fn(*tensors)
        grads = tape.gradient(value, tensors)
    elif name == "jax":
        import jax

        grads = jax.grad(fn, argnums=tuple(range(len(tensors))))(*tensors)
    else:
        import torch

        tensors = [t.detach().requires_grad_(True) for t in tensors]
        with torch.enable_grad():  # also inside a caller's torch.no_grad()
            value = fn(*tensors)
        # A constant (e.g. a zero penalty) does not depend on the arguments: zero gradients.
        grads = (
            torch.autograd.grad(value, tensors, allow_unused=True)
            if value.requires_grad
            else [None] * len(tensors)
        )
    return [np.zeros_like(np.asarray(a)) if g is None else to_numpy(g) for a, g in zip(args, grads)]


def vjp(fn, x, cotangent):
    """``(fn(x), gradient of sum(fn(x) * cotangent) with respect to x)``, as NumPy arrays.

    The vector-Jacobian product backpropagation computes (``tape.gradient(fn(x), x,
    output_gradients=cotangent)`` on TensorFlow), from the backend's own autodiff.
    """
    import keras

    y = fn(_as_tensor(x))
    g = np.asarray(cotangent, dtype=keras.backend.standardize_dtype(y.dtype))
    (dx,) = grad(lambda t: keras.ops.sum(keras.ops.multiply(fn(t), _as_tensor(g))), x)
    return to_numpy(y), dx


def _penalties(layer, value):
    import keras

    penalties = layer.losses  # regularizers read the weights here (traced values under JAX)
    if penalties:
        total = keras.ops.sum(keras.ops.stack([keras.ops.cast(p, value.dtype) for p in penalties]))
        value = value + total
    return value


def keras_gradients(layer, x, loss_fn, training=False, wrt_input=False):
    """The gradient of ``loss_fn(layer(x, training=training)) + penalties`` from the backend.

    ``layer`` is a Keras layer or model; ``loss_fn(y_pred)`` returns a scalar backend tensor
    (e.g. ``lambda out: keras.losses.mean_squared_error(y, out)``); ``penalties`` are the
    layer's regularization losses (``layer.losses``). Returns ``(value, weight_grads,
    input_grad)``: the loss as a float, one NumPy gradient per ``layer.trainable_weights`` entry
    (``None`` where the loss does not depend on it) and the gradient with respect to ``x``
    (``None`` unless ``wrt_input``). With ``training=True`` stateful layers update as in a
    training step (BatchNormalization's moving statistics, Dropout's seed).

    TensorFlow: ``tf.GradientTape``; JAX: ``jax.value_and_grad`` over ``layer.stateless_call``
    (the non-trainable state it returns is assigned back); PyTorch: ``torch.autograd.grad``.
    """
    # training=None is passed on as Keras takes it in a layer call (inference).
    if training is not None:
        training = check_bool(training, "training")
    wrt_input = check_bool(wrt_input, "wrt_input")
    name = _checked_backend()
    if not layer.built:
        layer(x, training=False)
    weights = list(layer.trainable_weights)
    xt = _as_tensor(x) if not isinstance(x, (list, tuple)) else [_as_tensor(v) for v in x]
    single = not isinstance(xt, list)
    inputs = [xt] if single else xt
    if name == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            for t in inputs:
                tape.watch(t)
            value = _penalties(layer, loss_fn(layer(xt, training=training)))
        grads = tape.gradient(value, [*weights, *inputs])
    elif name == "jax":
        import jax
        import keras

        non_trainable = list(layer.non_trainable_variables)
        ntv = [v.value for v in non_trainable]

        def loss_of(tv, xs):
            out, new_ntv = layer.stateless_call(tv, ntv, xs[0] if single else xs, training=training)
            mapping = list(zip(weights, tv)) + list(zip(non_trainable, new_ntv))
            with keras.StatelessScope(state_mapping=mapping):
                value = _penalties(layer, loss_fn(out))
            return value, new_ntv

        (value, new_ntv), (g_w, g_x) = jax.value_and_grad(loss_of, argnums=(0, 1), has_aux=True)(
            [v.value for v in weights], inputs
        )
        for v, new in zip(non_trainable, new_ntv):
            v.assign(new)
        grads = [*g_w, *g_x]
    else:
        import torch

        inputs = [t.detach().requires_grad_(wrt_input) for t in inputs]
        with torch.enable_grad():  # also inside a caller's torch.no_grad()
            out = layer(inputs[0] if single else inputs, training=training)
            value = _penalties(layer, loss_fn(out))
        targets = [v.value for v in weights] + (inputs if wrt_input else [])
        grads = list(torch.autograd.grad(value, targets, allow_unused=True))
        grads += [None] * (len(weights) + len(inputs) - len(grads))
    weight_grads = [to_numpy(g) for g in grads[: len(weights)]]
    input_grad = None
    if wrt_input:
        input_grad = [to_numpy(g) for g in grads[len(weights) :]]
        input_grad = input_grad[0] if single else input_grad
    return float(to_numpy(value)), weight_grads, input_grad
