"""``Sequential``: a stack of companion layers with Keras's compile / fit / evaluate / predict.

    model = Sequential([Dense(16, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, batch_size=32, validation_data=(xv, yv))
    history.history["val_accuracy"]

One training step is: forward pass (``training=True``), batch loss (the loss's batch mean plus
every layer's regularization penalty), backward pass through the layers in reverse order, and
one optimizer update of all weights. ``from_keras`` copies a Keras model (weights included), so
the two can be trained side by side from the same starting point and compared.
"""

import copy
import inspect
import numbers
import warnings

import numpy as np

from companion import callbacks as callbacks_module
from companion.layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Flatten,
    Layer,
    _auto_name,
    _weight_list,
)
from companion.utils import as_float_array, as_generator, blas_threads, check_bool

__all__ = ["Sequential", "from_keras"]


# --- metrics (what ``compile(metrics=[...])`` accepts) ------------------------------------------
def _matches_binary(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _same_rank(y_true, y_pred, "binary_accuracy")
    return (y_true == (y_pred > threshold)).astype(np.float64)


def _check_metric_labels(name, y_true, y_pred, sparse):
    """A ValueError when the labels' shape does not fit the metric (one-hot vs integer)."""
    y_true = np.asarray(y_true)
    onehot_shape = tuple(y_pred.shape)
    label_shapes = (onehot_shape[:-1], (*onehot_shape[:-1], 1))
    if sparse and y_true.shape not in label_shapes:
        hint = (
            " These look like one-hot labels: use 'categorical_accuracy' (or 'accuracy', "
            "which picks the right one from the shapes)."
            if y_true.shape == onehot_shape
            else ""
        )
        raise ValueError(
            f"Metric '{name}' needs integer class labels of shape {label_shapes[0]} for "
            f"predictions of shape {onehot_shape}, but got labels of shape {y_true.shape}.{hint}"
        )
    if not sparse and y_true.shape != onehot_shape:
        hint = (
            " These look like integer class labels: use 'sparse_categorical_accuracy' (or "
            "'accuracy', which picks the right one from the shapes)."
            if y_true.shape in label_shapes
            else ""
        )
        raise ValueError(
            f"Metric '{name}' needs one-hot labels of the predictions' shape {onehot_shape}, "
            f"but got labels of shape {y_true.shape}.{hint}"
        )


def _matches_categorical(y_true, y_pred):
    _check_metric_labels("categorical_accuracy", y_true, y_pred, sparse=False)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def _matches_sparse(y_true, y_pred):
    _check_metric_labels("sparse_categorical_accuracy", y_true, y_pred, sparse=True)
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64)


def _abs_error(y_true, y_pred):
    y_true, y_pred = _same_rank(y_true, y_pred, "mae")
    return np.abs(y_pred - y_true)


def _sq_error(y_true, y_pred):
    y_true, y_pred = _same_rank(y_true, y_pred, "mse")
    return np.square(y_pred - y_true)


def _same_rank(y_true, y_pred, metric):
    # Keras's squeeze_or_expand_to_same_rank: labels (N,) against predictions (N, 1).
    y_true = np.asarray(y_true)
    shapes = y_true.shape, y_pred.shape
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    elif y_pred.ndim == y_true.ndim - 1:
        y_pred = y_pred[..., None]
    try:  # Keras then compares them element-wise, broadcasting as NumPy does
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(
            f"Metric '{metric}' needs labels shaped like the predictions {shapes[1]}, but got "
            f"labels of shape {shapes[0]} (the two do not broadcast)."
        ) from None
    return y_true, y_pred


_METRICS = {
    "binary_accuracy": _matches_binary,
    "categorical_accuracy": _matches_categorical,
    "sparse_categorical_accuracy": _matches_sparse,
    "mae": _abs_error,
    "mean_absolute_error": _abs_error,
    "mse": _sq_error,
    "mean_squared_error": _sq_error,
}


def _resolve_accuracy(y_true, y_pred):
    """Keras's choice for "accuracy"/"acc" (keras/src/trainers/compile_utils.py): binary when
    the prediction has one column, sparse when the labels have one axis fewer (or one column
    against several), categorical otherwise. It depends on shapes, not on the loss."""
    y_true = np.asarray(y_true)
    if y_pred.shape[-1] == 1:
        return _matches_binary
    if y_true.ndim < y_pred.ndim or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1):
        return _matches_sparse
    return _matches_categorical


def _per_sample(values):
    # A metric's value per sample: average over any axes after the first (Keras's Mean
    # reduces each sample's values to one number before averaging over the batch).
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values


def _check_positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{what} must be a positive integer, but got {value!r}.")
    return int(value)


# A training step (or a batch of evaluate/predict) runs NumPy's BLAS on one thread when its
# largest matrix product, 2 * batch * inputs * units floating-point operations, is below this.
# A second thread only pays when both cores are free for the whole product. On a machine that
# also runs other work (Colab, Binder, a class server) the threads wait for each other, and
# OpenBLAS's idle thread spins between products, taking CPU time from the Python step itself:
# on 2 shared cores, an epoch of 10,000 images with the 784-256-128-10 MLP took 23 s at batch
# 32 with BLAS's two threads and 1.1 s with one. (`benchmarks/train_speed.py --tables
# crossover` times the products alone: a second thread up to 2x faster in its best trial, but
# slower in the median trial at most sizes, by 3-100x and more.)
# The threshold lies above every network of the course (512 x 1024 x 1024 is 1.07 GFLOP). One
# thread also makes fit's numbers independent of the core count (two threads sum in another
# order). Set it to 0 to leave BLAS's threads alone; see also companion.utils.blas_threads.
ONE_BLAS_THREAD_BELOW = 2e9

_LOGIT_ACTIVATIONS = ("softmax", "sigmoid")
_CROSSENTROPIES = (
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
)


class Sequential:
    """A linear stack of layers, trained with Keras's ``compile``/``fit`` workflow.

    Forward:  output = layer_n(... layer_2(layer_1(x)))
    Backward: the loss gradient goes through the layers in reverse; each layer stores the
              gradients of its weights in ``layer.grads``.

    Example:
        >>> from companion.layers import Dense
        >>> model = Sequential([Dense(4, activation="relu"), Dense(1)])
        >>> model.build((None, 3))
        >>> model.count_params()   # (3*4 + 4) + (4*1 + 1)
        21
    """

    def __init__(self, layers=None, name=None):
        self.name = name or _auto_name("sequential")
        self._layers = []
        self.built = False
        self._input_shape = None
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._metric_names = []
        if isinstance(layers, Layer):
            raise TypeError(
                f"Sequential expects a list of layers, but got a single {type(layers).__name__}: "
                "put it in a list, Sequential([layer])."
            )
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(
                f"Sequential expects a list of layers, but got {type(layers).__name__}."
            )
        for layer in layers or []:
            self.add(layer)

    # --- structure --------------------------------------------------------------------------------
    @property
    def layers(self):
        return list(self._layers)

    def add(self, layer):
        """Append a layer; if the model is built, the new layer is built on the current output."""
        if not isinstance(layer, Layer):
            hint = (
                " It looks like a Keras layer: build the model in Keras and use "
                "companion.models.from_keras, or use companion.layers."
                if type(layer).__module__.startswith(("keras", "tensorflow"))
                else ""
            )
            raise TypeError(
                f"Sequential.add expects a companion.layers.Layer, but got "
                f"{type(layer).__name__}.{hint}"
            )
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(
                f"All layers in a model need unique names, but '{layer.name}' is already in "
                f"model '{self.name}'."
            )
        if self.built:
            shape = self._output_shapes()[-1] if self._layers else self._input_shape
            if not layer.built:
                layer.build(shape)
            layer.output_shape_for(shape)  # raises on a mismatch
        self._layers.append(layer)

    def build(self, input_shape):
        """Build every layer for inputs of ``input_shape`` (the batch axis may be ``None``)."""
        shape = tuple(input_shape)
        self._input_shape = (None, *shape[1:]) if shape else shape
        shape = self._input_shape
        for layer in self._layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.output_shape_for(shape)
        self.built = True

    def _output_shapes(self):
        shapes, shape = [], self._input_shape
        for layer in self._layers:
            shape = layer.output_shape_for(shape)
            shapes.append(shape)
        return shapes

    # --- forward and backward ---------------------------------------------------------------------
    def __call__(self, x, training=False):
        training = False if training is None else check_bool(training, "training")
        x = as_float_array(x, name=f"The input of model '{self.name}'")
        if not self._layers:
            raise ValueError(f"Model '{self.name}' has no layers yet: add some first.")
        if not self.built:
            if x.ndim == 0:
                raise ValueError(
                    f"Model '{self.name}' expects a batch of inputs, but got a scalar."
                )
            self.build((None, *x.shape[1:]))
        for layer in self._layers:
            x = layer(x, training=training)
        return x

    def backward(self, grad_output):
        """Backpropagate ``grad_output`` (d loss / d output) through every layer.

        Returns d loss / d input; each layer's weight gradients land in ``layer.grads``.
        """
        grad = grad_output
        for layer in reversed(self._layers):
            grad = layer.backward(grad)
        return grad

    def _train_backward(self, grad, from_logits, first, input_grad):
        """``backward`` for a training step: from the last layer's pre-activation when the loss
        is scored from the logits (``backward_from_z``), down to layer ``first`` only, which
        computes no gradient for its input unless ``input_grad`` (see ``_training_setup``)."""
        backwards = [layer.backward for layer in self._layers]
        if from_logits:
            backwards[-1] = self._layers[-1].backward_from_z
        for backward in reversed(backwards[first + 1 :]):
            grad = backward(grad)
        return backwards[first](grad) if input_grad else backwards[first](grad, input_grad=False)

    def _blas_threads(self, batch_size):
        """A context in which BLAS runs on one thread if this model's largest matrix product
        at ``batch_size`` is below ``ONE_BLAS_THREAD_BELOW`` FLOPs (else as it was)."""
        kernels = [getattr(layer, "kernel", None) for layer in self._layers]
        flops = max((2 * batch_size * np.size(k) for k in kernels if k is not None), default=0)
        return blas_threads(1 if flops < ONE_BLAS_THREAD_BELOW else None)

    # --- weights ----------------------------------------------------------------------------------
    @property
    def weights(self):
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self):
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def losses(self):
        """Every layer's regularization penalties (floats)."""
        return [p for layer in self._layers for p in layer.losses]

    def get_weights(self):
        """Copies of all weights, layer after layer, each layer in Keras's order."""
        return [w for layer in self._layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Set all weights from a flat list (as ``get_weights`` returns, or Keras's)."""
        weights = _weight_list(weights, f"Model '{self.name}'")
        if not self.built:
            raise ValueError(
                f"Model '{self.name}' is not built yet: call it on a batch or call "
                "build(input_shape) before set_weights."
            )
        expected = self.weights
        if len(weights) != len(expected):
            raise ValueError(
                f"Model '{self.name}' expects {len(expected)} weight arrays with shapes "
                f"{[w.shape for w in expected]}, but got {len(weights)}."
            )
        start = 0
        for layer in self._layers:
            n = len(layer.weights)
            layer.set_weights(weights[start : start + n])
            start += n

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call count_params on model '{self.name}', but it isn't built. "
                "Build it with model.build(input_shape) or call it on a batch first."
            )
        return int(sum(layer.count_params() for layer in self._layers))

    # --- summary ----------------------------------------------------------------------------------
    def summary(self, print_fn=None):
        """Print a table like Keras's ``model.summary()``: layer, output shape, parameters.

        ``print_fn`` (default ``print``) receives the whole text at once. Returns ``None``.
        """
        shapes = self._output_shapes() if self.built else [None] * len(self._layers)
        rows = []
        for layer, shape in zip(self._layers, shapes):
            if shape is None and layer.built:
                shape = layer.output_shape_for(layer._input_shape)
            shape_txt = "?" if shape is None else _format_shape(shape)
            params = (
                f"{layer.count_params():,}"
                if layer.built or not layer._weight_names
                else "0 (unbuilt)"
            )
            rows.append((f"{layer.name} ({type(layer).__name__})", shape_txt, params))
        header = ("Layer (type)", "Output Shape", "Param #")
        widths = [31, 22, 13]
        for row in rows:
            widths = [max(w, len(c)) for w, c in zip(widths, row)]

        def line(left, mid, right, fill):
            return left + mid.join(fill * (w + 2) for w in widths) + right

        def cells(row, edge):
            a, b, c = row
            return (
                f"{edge} {a.ljust(widths[0])} {edge} {b.ljust(widths[1])} "
                f"{edge} {c.rjust(widths[2])} {edge}"
            )

        out = [f'Model: "{self.name}"', line("┏", "┳", "┓", "━"), cells(header, "┃")]
        out.append(line("┡", "╇", "┩", "━"))
        for i, row in enumerate(rows):
            if i:
                out.append(line("├", "┼", "┤", "─"))
            out.append(cells(row, "│"))
        out.append(line("└", "┴", "┘", "─"))
        built_layers = [layer for layer in self._layers if layer.built]
        total = sum(w.size for layer in built_layers for w in layer.weights)
        total_b = sum(w.nbytes for layer in built_layers for w in layer.weights)
        train = sum(w.size for layer in built_layers for w in layer.trainable_weights)
        train_b = sum(w.nbytes for layer in built_layers for w in layer.trainable_weights)
        out.append(f" Total params: {total:,} ({_readable_size(total_b)})")
        out.append(f" Trainable params: {train:,} ({_readable_size(train_b)})")
        out.append(
            f" Non-trainable params: {total - train:,} ({_readable_size(total_b - train_b)})"
        )
        # Keras's text ends with a newline too, so the two compare equal.
        (print_fn or print)("\n".join(out) + "\n")

    # --- compile ----------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, the loss and the metrics to report (Keras's defaults).

        ``metrics`` names: "accuracy"/"acc" (binary, categorical or sparse chosen from the
        shapes, as Keras), "binary_accuracy", "categorical_accuracy",
        "sparse_categorical_accuracy", "mse", "mae".
        """
        from companion import losses, optimizers

        if loss is None:
            raise ValueError(
                "compile needs a loss, e.g. loss='sparse_categorical_crossentropy' or 'mse'."
            )
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        metrics = [] if metrics is None else metrics
        if isinstance(metrics, str):
            metrics = [metrics]
        names = []
        for m in metrics:
            if not isinstance(m, str):
                raise TypeError(f"Metrics must be given by name, but got {type(m).__name__}.")
            if m.lower() not in ("accuracy", "acc") and m not in _METRICS:
                valid = ", ".join(["accuracy", "acc", *_METRICS])
                raise ValueError(f"Unknown metric {m!r}. Valid names: {valid}.")
            names.append(m)
        self._metric_names = names
        self._metric_fns = {}
        self.compiled = True

    def _metric_fn(self, name, y_true, y_pred):
        if name not in self._metric_fns:
            self._metric_fns[name] = (
                _resolve_accuracy(y_true, y_pred)
                if name.lower() in ("accuracy", "acc")
                else _METRICS[name]
            )
        return self._metric_fns[name]

    def _logits_loss(self):
        """The loss to apply to the last layer's pre-activation, or None.

        Keras on the TensorFlow backend tags the output of ``activations.softmax`` and
        ``activations.sigmoid`` with ``_keras_logits``; its cross-entropies
        (keras/src/backend/tensorflow/nn.py, ``_get_logits``) then use those logits with
        from_logits=True instead of clipped probabilities. We do the same, so the loss and
        its gradient (softmax(z) - onehot) / N match Keras's. Keras checks only the tag, not
        which activation set it; we follow the matched pairs (softmax with categorical or
        sparse categorical, sigmoid with binary cross-entropy) and leave learner-made
        mismatches scored from probabilities.
        """
        if not self._layers:
            return None
        last = self._layers[-1]
        act = getattr(getattr(last, "activation", None), "__name__", None)
        kind = type(self.loss).__name__
        if not hasattr(last, "backward_from_z") or act not in _LOGIT_ACTIVATIONS:
            return None
        if kind not in _CROSSENTROPIES or (act == "sigmoid") != (kind == "BinaryCrossentropy"):
            return None
        logits_loss = copy.copy(self.loss)
        logits_loss.from_logits = True
        return logits_loss

    def _check_compiled(self):
        if not self.compiled:
            raise RuntimeError(
                f"You must call compile() before training or evaluating model '{self.name}'."
            )

    # --- training ---------------------------------------------------------------------------------
    def _batch_loss(self, x, y, training, logits_loss):
        """Forward pass and the batch loss (data loss + regularization penalties)."""
        out = self(x, training=training)
        if logits_loss is not None:
            z = self._layers[-1].last_z
            data_loss = logits_loss(y, z)
        else:
            data_loss = self.loss(y, out)
        return out, float(data_loss) + float(sum(self.losses))

    def _training_setup(self):
        """What every step of one ``fit`` shares: the logits loss (or None), the layer where
        the backward pass can stop, and whether that layer needs the gradient for its input.

        Training needs the gradients of the weights, not of the data. So the backward pass
        stops at the first layer with weights (the layers before it have nothing to learn),
        and that layer skips the gradient for its input if its ``backward`` takes
        ``input_grad`` (the companion's Dense does; Keras's autodiff skips it too). With 784
        input features, that product is a third of the first Dense layer's backward work.
        """
        logits_loss = self._logits_loss()
        first = next((i for i, layer in enumerate(self._layers) if layer.weights), 0)
        if not self._layers:
            return logits_loss, first, True  # the forward pass will say that layers are missing
        layer = self._layers[first]
        last = logits_loss is not None and first == len(self._layers) - 1
        backward = layer.backward_from_z if last else layer.backward
        return logits_loss, first, not _takes_input_grad(backward)

    def train_step(self, x, y):
        """One optimizer step on the batch (x, y); returns the batch's ``{"loss": ..., ...}``.

        loss = loss_fn(y, model(x)) + sum of regularization penalties (before the update)
        """
        self._check_compiled()
        x, y = self._check_xy(x, y)
        with self._blas_threads(len(x)):  # as fit does, so that a step computes the same
            return self._train_step(x, y, *self._training_setup())

    def _train_step(self, x, y, logits_loss, first, input_grad):
        # train_step without the checks, which fit makes once for all batches.
        out, loss = self._batch_loss(x, y, True, logits_loss)
        if logits_loss is not None:
            grad = logits_loss.backward(y, self._layers[-1].last_z)
        else:
            grad = self.loss.backward(y, out)
        self._train_backward(grad, logits_loss is not None, first, input_grad)
        grads, variables = [], []
        for layer in self._layers:
            if not layer.trainable or not layer.weights:
                continue
            # trainable_weights come first in a layer's weights (BatchNormalization's moving
            # statistics, last, are updated by its forward pass, not by the optimizer).
            for g, w, rg in zip(layer.grads, layer.trainable_weights, layer.regularization_grads()):
                grads.append(g if rg is None else g + rg)
                variables.append(w)
        self.optimizer.apply(grads, variables)
        logs = {"loss": loss}
        for name in self._metric_names:
            logs[name] = float(np.mean(_per_sample(self._metric_fn(name, y, out)(y, out))))
        return logs

    def _check_xy(self, x, y, what="x", ywhat="y"):
        x = as_float_array(x, name=what)
        # Labels keep their dtype (integer class indices stay integers for the loss).
        as_float_array(y, name=ywhat)  # a TypeError for strings, objects, ragged lists
        y = np.asarray(y)
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(
                f"{what} and {ywhat} must be arrays with a batch axis, but got shapes "
                f"{x.shape} and {y.shape}."
            )
        if len(x) != len(y):
            raise ValueError(
                f"{what} and {ywhat} must have the same number of samples (first axis), but "
                f"{what} has {len(x)} and {ywhat} has {len(y)}."
            )
        if len(x) == 0:
            raise ValueError(f"{what} is empty: there are no samples to use.")
        return x, y

    def _run_batches(self, x, y, batch_size, order, step):
        """Run ``step`` on each batch; return sample-weighted means of its logs (Keras's way:
        sum of batch value * batch size, divided by the number of samples)."""
        totals, count = {}, 0
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            logs = step(x[idx], y[idx])
            n = len(idx)
            for key, value in logs.items():
                totals[key] = totals.get(key, 0.0) + value * n
            count += n
        return {key: total / count for key, total in totals.items()}

    def fit(
        self,
        x,
        y,
        epochs=1,
        batch_size=32,
        shuffle=True,
        validation_data=None,
        callbacks=None,
        verbose=0,
        seed=None,
    ):
        """Train for ``epochs`` passes over (x, y) in batches of ``batch_size``.

        The last batch may be smaller. The epoch ``loss`` is the sample-weighted mean of the
        batch losses (each including the regularization penalties at that step), as Keras
        reports it; metrics are means over the epoch's samples. With ``validation_data=(xv,
        yv)`` the logs also hold ``val_loss`` and ``val_<metric>``, computed after the epoch.
        ``shuffle=True`` draws a new sample order each epoch from ``seed``.
        Returns a ``History`` whose ``.history`` maps each name to its list of epoch values.
        NumPy's BLAS runs on one thread meanwhile unless the products are large (see
        ``ONE_BLAS_THREAD_BELOW``).
        """
        self._check_compiled()
        shuffle = check_bool(shuffle, "shuffle")
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise TypeError(
                "callbacks must be a list of callbacks, e.g. callbacks=[EarlyStopping(...)], "
                f"but got {type(callbacks).__name__}."
            )
        x, y = self._check_xy(x, y)
        epochs = _check_positive_int(epochs, "epochs")
        # None means 32, as in Keras.
        batch_size = 32 if batch_size is None else _check_positive_int(batch_size, "batch_size")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError(
                    "validation_data must be a tuple (x_val, y_val), but got "
                    f"{type(validation_data).__name__}"
                    + (
                        f" of length {len(validation_data)}."
                        if hasattr(validation_data, "__len__")
                        else "."
                    )
                )
            xv, yv = self._check_xy(*validation_data, what="x_val", ywhat="y_val")
        rng = as_generator(seed)
        steps = -(-len(x) // batch_size)
        history = callbacks_module.History()
        cbs = [*(callbacks or []), history]
        for cb in cbs:
            if not isinstance(cb, callbacks_module.Callback):
                raise TypeError(
                    f"callbacks must be companion.callbacks.Callback instances, but got "
                    f"{type(cb).__name__}."
                )
        params = {"verbose": verbose, "epochs": epochs, "steps": steps}
        for cb in cbs:
            cb.set_model(self)
            cb.set_params(params)
        self.history = history
        self.stop_training = False
        if not self.built:
            self.build((None, *x.shape[1:]))
        setup = self._training_setup()
        with self._blas_threads(batch_size):
            for cb in cbs:
                cb.on_train_begin()
            for epoch in range(epochs):
                for cb in cbs:
                    cb.on_epoch_begin(epoch)
                order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
                logs = self._train_epoch(
                    x, y, batch_size, order, cbs, epoch, epochs, verbose, setup
                )
                # Keras sorts the epoch logs by name, then appends the sorted validation ones.
                logs = dict(sorted(logs.items()))
                if validation_data is not None:
                    val = self._evaluate_logs(xv, yv, batch_size)
                    logs.update({f"val_{k}": v for k, v in sorted(val.items())})
                if verbose == 2 or (verbose == 1 and not _has_tqdm()):
                    print(f"Epoch {epoch + 1}/{epochs} - " + _format_logs(logs))
                elif verbose == 1 and validation_data is not None:
                    val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
                    print("  " + _format_logs(val_logs))
                for cb in cbs:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            for cb in cbs:
                cb.on_train_end()
        return history

    def _train_epoch(self, x, y, batch_size, order, cbs, epoch, epochs, verbose, setup):
        totals, count = {}, 0
        bar = None
        if verbose == 1 and _has_tqdm():
            from tqdm.auto import tqdm

            bar = tqdm(total=len(order), desc=f"Epoch {epoch + 1}/{epochs}", unit="sample")
        for batch, start in enumerate(range(0, len(x), batch_size)):
            for cb in cbs:
                cb.on_train_batch_begin(batch)
            idx = order[start : start + batch_size]
            batch_logs = self._train_step(x[idx], y[idx], *setup)
            n = len(idx)
            for key, value in batch_logs.items():
                totals[key] = totals.get(key, 0.0) + value * n
            count += n
            # Keras hands batch callbacks the running means of the epoch so far.
            running = {key: total / count for key, total in totals.items()}
            if bar is not None:
                bar.update(n)
                bar.set_postfix_str(_format_logs(running), refresh=False)
            for cb in cbs:
                cb.on_train_batch_end(batch, running)
            if self.stop_training:
                break
        if bar is not None:
            bar.close()
        logs = {key: total / count for key, total in totals.items()}
        return logs

    # --- evaluation -------------------------------------------------------------------------------
    def _evaluate_logs(self, x, y, batch_size):
        logits_loss = self._logits_loss()

        def step(xb, yb):
            out, loss = self._batch_loss(xb, yb, False, logits_loss)
            logs = {"loss": loss}
            for name in self._metric_names:
                logs[name] = float(np.mean(_per_sample(self._metric_fn(name, yb, out)(yb, out))))
            return logs

        return self._run_batches(x, y, batch_size, np.arange(len(x)), step)

    def evaluate(self, x, y, batch_size=32):
        """Loss (and metrics) on (x, y), without training: ``loss`` or ``[loss, metric, ...]``.

        The loss includes the regularization penalties, as Keras's evaluate does.
        """
        self._check_compiled()
        x, y = self._check_xy(x, y)
        # None means 32, as in Keras.
        batch_size = 32 if batch_size is None else _check_positive_int(batch_size, "batch_size")
        with self._blas_threads(batch_size):
            logs = self._evaluate_logs(x, y, batch_size)
        if not self._metric_names:
            return logs["loss"]
        return [logs["loss"], *(logs[name] for name in self._metric_names)]

    def predict(self, x, batch_size=None):
        """Outputs for ``x`` in inference mode (dropout off), computed in batches (default 32)."""
        x = as_float_array(x, name="x")
        if x.ndim == 0:
            raise ValueError("predict expects a batch of inputs, but got a scalar.")
        batch_size = 32 if batch_size is None else _check_positive_int(batch_size, "batch_size")
        if len(x) == 0:
            raise ValueError("x is empty: there is nothing to predict.")
        with self._blas_threads(batch_size):
            starts = range(0, len(x), batch_size)
            outs = [self(x[i : i + batch_size], training=False) for i in starts]
        return np.concatenate(outs, axis=0)

    def __repr__(self):
        return f"<Sequential name='{self.name}', layers={[layer.name for layer in self._layers]}>"


def _format_shape(shape):
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _readable_size(nbytes):
    # Keras's summary_utils.readable_memory_size: powers of 1024, two decimals.
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _format_logs(logs):
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


def _takes_input_grad(backward):
    """Whether a layer's ``backward`` accepts ``input_grad=False`` (the companion's Dense does;
    a learner's layer, or a Dense subclass with its own ``backward``, may not)."""
    try:
        return "input_grad" in inspect.signature(backward).parameters
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return False


def _has_tqdm():
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


# --- from_keras -----------------------------------------------------------------------------------
_SUPPORTED = (
    "Dense, Dropout, Activation, ReLU, LeakyReLU, ELU, Softmax (last axis), Flatten, "
    "BatchNormalization (last axis) and InputLayer"
)


def _keras_activation_name(fn, layer):
    import keras

    # The name keras.activations.serialize gives (a builtin's name, a registered custom
    # function's "package>name"), read without serialize, which imports TensorFlow whenever it
    # is installed, whatever the backend.
    try:
        name = keras.saving.get_registered_name(fn)
    except AttributeError:  # an object without a __name__
        name = None
    if not isinstance(name, str):
        name = getattr(fn, "__name__", None)
    if not isinstance(name, str):
        raise ValueError(
            f"Cannot copy the activation of layer '{layer.name}' ({type(layer).__name__}): "
            f"{fn!r} has no name."
        )
    return name


def _companion_activation(layer, custom_activations):
    """The companion activation for a Keras layer's activation (built-in or custom)."""
    from companion import activations

    name = _keras_activation_name(layer.activation, layer)
    custom_activations = custom_activations or {}
    if not isinstance(custom_activations, dict):
        raise TypeError(
            "custom_activations must be a dict {name: companion activation}, but got "
            f"{type(custom_activations).__name__}."
        )
    if name in custom_activations:
        return activations.get(custom_activations[name])
    try:
        return activations.get(name)
    except ValueError:
        pass
    raise ValueError(
        f"Layer '{layer.name}' uses the activation {name!r}, which the companion does not know. "
        f"Pass its NumPy version: from_keras(model, custom_activations={{{name!r}: "
        "activations.custom(fn, derivative=dfn)}). Known activations: "
        + ", ".join(sorted(activations.ALL))
        + "."
    )


def _activation_layer(layer):
    """The companion activation of a Keras ReLU, LeakyReLU, ELU or Softmax layer, or None."""
    import functools

    from companion import activations

    kind = type(layer).__name__
    if kind == "Softmax":
        axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
        if list(axes) != [-1]:
            raise ValueError(
                f"from_keras copies a Softmax layer over the last axis only, but layer "
                f"'{layer.name}' uses axis={layer.axis!r}."
            )
        return activations.get("softmax")
    if kind == "ReLU":
        base, name = activations.relu, "relu"
        params = {
            "negative_slope": float(layer.negative_slope),
            "max_value": None if layer.max_value is None else float(layer.max_value),
            "threshold": float(layer.threshold),
        }
    elif kind == "LeakyReLU":
        base, name = activations.leaky_relu, "leaky_relu"
        params = {"negative_slope": float(layer.negative_slope)}
    elif kind == "ELU":
        base, name = activations.elu, "elu"
        params = {"alpha": float(layer.alpha)}
    else:
        return None
    # The layer's own parameters (LeakyReLU's default slope is 0.3, the function's 0.2).
    return activations.custom(
        functools.partial(base, **params),
        derivative=functools.partial(base.derivative, **params),
        name=name,
    )


def _keras_regularizer(reg, layer):
    import keras

    from companion import regularizers

    if reg is None:
        return None
    if isinstance(reg, keras.regularizers.L1L2):
        return regularizers.L1L2(l1=float(reg.l1), l2=float(reg.l2))
    if isinstance(reg, keras.regularizers.L2):
        return regularizers.L2(l2=float(reg.l2))
    if isinstance(reg, keras.regularizers.L1):
        return regularizers.L1(l1=float(reg.l1))
    raise ValueError(
        f"Layer '{layer.name}' uses the regularizer {type(reg).__name__}; from_keras supports "
        "L1, L2 and L1L2."
    )


def _check_chain(keras_model):
    """A Functional model must be one straight chain: each layer fed by the previous one."""
    if len(keras_model.inputs) != 1 or len(keras_model.outputs) != 1:
        raise ValueError(
            f"from_keras needs a model with one input and one output, but "
            f"'{keras_model.name}' has {len(keras_model.inputs)} inputs and "
            f"{len(keras_model.outputs)} outputs."
        )
    previous = keras_model.inputs[0]
    for layer in keras_model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            if len(layer._inbound_nodes) != 1:
                raise AttributeError
            layer_input = layer.input
        except (AttributeError, ValueError):
            raise ValueError(
                f"Layer '{layer.name}' is used more than once (or not at all) in "
                f"'{keras_model.name}'; from_keras copies single-chain models only."
            ) from None
        if layer_input is not previous:
            raise ValueError(
                f"Layer '{layer.name}' in '{keras_model.name}' does not take the previous "
                "layer's output (a branch, merge or skip connection?); from_keras copies "
                "single-chain models only, which Sequential can express."
            )
        previous = layer.output
    if previous is not keras_model.outputs[0]:
        raise ValueError(
            f"The output of '{keras_model.name}' is not its last layer's output; from_keras "
            "copies single-chain models only."
        )


def _batch_normalization(layer, dtype):
    """The companion copy of a Keras BatchNormalization layer over the last axis."""
    ndim = len(layer.input.shape) if hasattr(layer, "input") else None
    axis = layer.axis[0] if isinstance(layer.axis, (list, tuple)) else layer.axis
    if len(np.atleast_1d(layer.axis)) != 1 or (axis != -1 and (ndim is None or axis != ndim - 1)):
        raise ValueError(
            f"from_keras copies BatchNormalization over the last axis only, but layer "
            f"'{layer.name}' uses axis={layer.axis!r}."
        )
    if getattr(layer, "renorm", False):
        raise ValueError(
            f"from_keras cannot copy layer '{layer.name}': it uses batch renormalization "
            "(renorm=True), which the companion's BatchNormalization does not implement."
        )
    regs = (getattr(layer, "beta_regularizer", None), getattr(layer, "gamma_regularizer", None))
    if any(r is not None for r in regs):
        raise ValueError(
            f"from_keras cannot copy layer '{layer.name}': the companion's BatchNormalization "
            "has no beta/gamma regularizers."
        )
    new = BatchNormalization(
        momentum=float(layer.momentum),
        epsilon=float(layer.epsilon),
        center=layer.center,
        scale=layer.scale,
        trainable=layer.trainable,
        name=layer.name,
        dtype=layer.moving_mean.dtype,
    )
    new.build(int(layer.moving_mean.shape[0]))
    new.set_weights([np.array(w) for w in layer.get_weights()])
    return new


def from_keras(keras_model, custom_activations=None):
    """Copy a built Keras Sequential (or single-chain Functional) model into a ``Sequential``.

    Copies each layer's configuration (units, activation, use_bias, regularizer factors,
    dropout rate, dtype, name) and its weights (as copies), so both models give the same
    predictions and can be trained side by side. Supported layers: Dense, Dropout,
    Activation, the activation layers ReLU, LeakyReLU, ELU and Softmax (over the last axis, with
    their own parameters), Flatten, BatchNormalization (over the last axis), InputLayer.

    ``custom_activations`` maps the name of a custom Keras activation (its registered name,
    e.g. ``"course>swish"``, or its function name) to the companion activation to use for it,
    e.g. ``{"course>swish": activations.custom(swish_np, derivative=swish_np_derivative)}``.

        >>> # keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        >>> # model = from_keras(keras_model); model.predict(x) ~ keras_model.predict(x)
    """
    import keras

    if not isinstance(keras_model, keras.Model):
        raise TypeError(f"from_keras expects a keras.Model, but got {type(keras_model).__name__}.")
    if not keras_model.built or not getattr(keras_model, "inputs", None):
        raise ValueError(
            f"Keras model '{keras_model.name}' is not built, so its weights do not exist yet. "
            "Start it with keras.Input(shape) (keras.Sequential([keras.Input((784,)), ...])) "
            "or call it on a batch of data first."
        )
    if not isinstance(keras_model, keras.Sequential):
        _check_chain(keras_model)

    model = Sequential(name=keras_model.name)
    for layer in keras_model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        dtype = getattr(layer, "variable_dtype", None) or "float32"
        if isinstance(layer, keras.layers.Dense):
            act = _companion_activation(layer, custom_activations)
            new = Dense(
                layer.units,
                activation=act,
                use_bias=layer.use_bias,
                kernel_regularizer=_keras_regularizer(layer.kernel_regularizer, layer),
                bias_regularizer=_keras_regularizer(layer.bias_regularizer, layer),
                dtype=layer.kernel.dtype,
                name=layer.name,
            )
            new.build(int(layer.kernel.shape[0]))
            new.set_weights([np.array(w) for w in layer.get_weights()])
        elif isinstance(layer, keras.layers.Dropout):
            new = Dropout(layer.rate, noise_shape=layer.noise_shape, name=layer.name, dtype=dtype)
        elif isinstance(layer, keras.layers.Activation):
            act = _companion_activation(layer, custom_activations)
            new = Activation(act, name=layer.name, dtype=dtype)
        elif isinstance(layer, keras.layers.Flatten):
            new = Flatten(name=layer.name, dtype=dtype)
        elif isinstance(layer, keras.layers.BatchNormalization):
            new = _batch_normalization(layer, dtype)
        elif (act := _activation_layer(layer)) is not None:
            new = Activation(act, name=layer.name, dtype=dtype)
        else:
            raise ValueError(
                f"from_keras cannot copy layer '{layer.name}' of type {kind}: it supports "
                f"{_SUPPORTED} layers."
            )
        model.add(new)
    input_shape = tuple(keras_model.inputs[0].shape)
    model.build((None, *input_shape[1:]))
    if not model.layers:
        warnings.warn(f"Keras model '{keras_model.name}' has no layers to copy.", stacklevel=2)
    return model
