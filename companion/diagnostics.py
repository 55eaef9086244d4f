"""Per-layer health checks for a network: activation statistics and gradient statistics.

The tables follow Karpathy's makemore part 3: for each layer with an activation, the mean and
standard deviation of its outputs, the percentage of saturated outputs and of dead units; for each
weight, the norm, mean and standard deviation of its gradient and the grad:data ratio
``std(grad) / std(weight)``. Every function works for a companion ``Sequential`` and for a Keras
model (Sequential or Functional), so the two can be compared number for number:

    >>> table = activation_stats(model, x)            # doctest: +SKIP
    >>> print(table.format())                         # doctest: +SKIP
      layer  activation    mean     std  saturated_pct  dead_pct
    -------  ----------  ------  ------  -------------  --------
      dense        tanh  0.0123  0.6312           4.25         -
    ...

Both the companion and Keras run the forward pass with ``training=False`` (no dropout) unless a
gradient function is given ``training=True``.
Statistics are computed in float64 from the arrays the model produced, in the model's dtype.
Keras (and its backend) are imported only when a Keras model is passed in; TensorFlow only when
it is Keras's backend.
"""

import numbers

import numpy as np

from companion.utils import as_float_array, blas_threads, check_bool, format_table

__all__ = [
    "DEAD_ACTIVATIONS",
    "SATURATING_ACTIVATIONS",
    "StatsTable",
    "UpdateRatioRecorder",
    "activation_histograms",
    "activation_stats",
    "gradient_histograms",
    "gradient_stats",
    "layer_outputs",
    "network_histograms",
    "update_ratio_callback",
    "update_ratio_table",
    "weight_gradients",
]

# How far an output is from the middle of its range, mapped onto [0, 1]: an output is saturated
# when this exceeds the threshold (0.97 as Karpathy uses for tanh). For a sigmoid, |2a - 1| is the
# tanh of z / 2, so sigmoid saturates where tanh(z / 2) does.
SATURATING_ACTIVATIONS = {
    "tanh": np.abs,
    "softsign": np.abs,
    "hard_tanh": np.abs,
    "sigmoid": lambda a: np.abs(2.0 * a - 1.0),
    "hard_sigmoid": lambda a: np.abs(2.0 * a - 1.0),
}

# Activations whose output is positive exactly when their input is (the ReLU family): a unit whose
# output is <= 0 for every sample of the batch never activates. For relu and relu6 such a unit
# passes no gradient at all (a dead ReLU); for the smooth or leaky variants it still passes a
# small one, which is why they are the usual remedy.
DEAD_ACTIVATIONS = frozenset(
    {
        "relu",
        "relu6",
        "leaky_relu",
        "elu",
        "selu",
        "celu",
        "gelu",
        "silu",
        "swish",
        "mish",
        "hard_silu",
        "hard_swish",
        "prelu",
    }
)

# Keras's activation *layers* (keras.layers.ReLU, ...) carry no ``activation`` attribute.
_KERAS_ACTIVATION_LAYERS = {
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "PReLU": "prelu",
    "Softmax": "softmax",
}

DEFAULT_SATURATION_THRESHOLD = 0.97


class StatsTable(list):
    """A list of per-layer rows (dicts) that prints as a fixed-width table.

    ``table.format(columns=None, floatfmt=".4g")`` gives the text (NaN, meaning "does not apply",
    prints as ``-``); ``table.column(name)`` gives one column as a NumPy array;
    ``table.columns`` lists the column names.

    >>> t = StatsTable([{"layer": "dense", "std": 0.5}, {"layer": "dense_1", "std": 0.25}])
    >>> t.column("std")
    array([0.5 , 0.25])
    >>> print(t.format())
      layer   std
    -------  ----
      dense   0.5
    dense_1  0.25
    """

    @property
    def columns(self):
        return list(self[0].keys()) if self else []

    def format(self, columns=None, floatfmt=".4g"):
        if columns is not None:
            missing = [c for c in columns if c not in self.columns]
            if missing:
                raise ValueError(
                    f"Unknown column(s) {missing}; this table's columns are {self.columns}."
                )
        shown = columns or [c for c in self.columns if c not in _ARRAY_COLUMNS]
        rows = [{c: _display(row.get(c)) for c in shown} for row in self]
        return format_table(rows, columns=shown, floatfmt=floatfmt)

    def column(self, name):
        if name not in self.columns:
            raise ValueError(f"Unknown column {name!r}; this table's columns are {self.columns}.")
        values = [row[name] for row in self]
        if all(isinstance(v, (numbers.Real, np.floating, np.integer)) for v in values):
            return np.asarray(values, dtype=float)
        if all(isinstance(v, str) for v in values):
            return np.asarray(values)
        # Shapes and histogram arrays differ in length: keep them as objects.
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    def __str__(self):
        return self.format()

    __repr__ = __str__


# Columns holding arrays (histograms): left out of the printed table unless asked for.
_ARRAY_COLUMNS = ("counts", "edges")


def _display(value):
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return "-"
    return value


# --------------------------------------------------------------------------------------------
# Recognising models and running them
# --------------------------------------------------------------------------------------------


def _is_keras_model(model):
    # Checked through the class's module, so that a companion model never imports Keras.
    if not any(cls.__module__.startswith("keras") for cls in type(model).__mro__):
        return False
    import keras

    return isinstance(model, keras.Model)


def _kind(model, fn_name):
    from companion.models import Sequential

    if isinstance(model, Sequential):
        if not model.layers:
            raise ValueError(f"{fn_name} needs a model with layers, but '{model.name}' has none.")
        return "companion"
    if _is_keras_model(model):
        return "keras"
    raise TypeError(
        f"{fn_name} expects a companion.models.Sequential or a Keras model (keras.Model), "
        f"but got {type(model).__name__}."
    )


def _check_x(x, fn_name):
    if isinstance(x, (list, tuple)) and x and all(hasattr(v, "shape") for v in x):
        return x  # several inputs for a multi-input Keras model
    x = as_float_array(x, name=f"x passed to {fn_name}")
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(
            f"{fn_name} needs a batch of at least one sample in x, but got shape {x.shape}."
        )
    return x


def _activation_name(layer):
    fn = getattr(layer, "activation", None)
    if fn is not None:
        return getattr(fn, "__name__", type(fn).__name__)
    return _KERAS_ACTIVATION_LAYERS.get(type(layer).__name__)


def _to_numpy(value):
    if isinstance(value, np.ndarray):
        return value
    from companion.backend import to_numpy  # any backend's tensor (a torch one may need grad)

    return to_numpy(value)


def layer_outputs(model, x):
    """The output of every layer that has an activation, for the batch ``x`` (training=False).

    Returns a list of ``(layer_name, activation_name, output)`` with NumPy outputs in the model's
    dtype. Layers without an activation (Dropout, Flatten, InputLayer) are left out; a Dense layer
    with no activation appears with ``"linear"``.

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(3, activation="relu", name="h"), Dense(1, name="out")])
    >>> [(name, act, out.shape) for name, act, out in layer_outputs(model, np.ones((2, 4)))]
    [('h', 'relu', (2, 3)), ('out', 'linear', (2, 1))]
    """
    kind = _kind(model, "layer_outputs")
    x = _check_x(x, "layer_outputs")
    if kind == "companion":
        return _companion_outputs(model, x)[0]
    return _keras_layer_outputs(model, x)


def _blas_like_predict(model, x):
    """The BLAS threads the model's own predict and fit use for the batch ``x`` (one thread for
    the course's networks): the diagnostics then compute the same numbers as they do, on any
    number of cores (two BLAS threads sum some products in another order)."""
    choose = getattr(model, "_blas_threads", None)
    return choose(len(x)) if choose is not None else blas_threads(1)


def _companion_outputs(model, x):
    """``layer_outputs``'s list for a companion model, and the model's output."""
    results, h = [], x
    with _blas_like_predict(model, x):
        for layer in model.layers:
            h = layer(h, training=False)
            name = _activation_name(layer)
            if name is not None:
                results.append((layer.name, name, h))
    return results, h


def _keras_layer_outputs(model, x):
    import keras

    chosen = [layer for layer in model.layers if _activation_name(layer) is not None]
    if isinstance(model, keras.Sequential):
        # A Sequential is a chain: calling its layers in turn gives every output in one pass,
        # and works for models built without keras.Input too.
        outputs, h = [], x
        for layer in model.layers:
            h = layer(h, training=False)
            if _activation_name(layer) is not None:
                outputs.append(h)
    else:
        # A Functional model may branch (skip connections): read the outputs off its graph.
        try:
            probe = keras.Model(model.input, [layer.output for layer in chosen])
        except (AttributeError, ValueError) as exc:
            raise ValueError(
                f"Could not read the layer outputs of Keras model '{model.name}' ({exc}). "
                "Diagnostics support Sequential models and Functional models whose layers are "
                "each used once."
            ) from exc
        outputs = probe(x, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [
        (layer.name, _activation_name(layer), _to_numpy(out)) for layer, out in zip(chosen, outputs)
    ]


# --------------------------------------------------------------------------------------------
# Activation statistics
# --------------------------------------------------------------------------------------------


def _check_threshold(saturation_threshold):
    if isinstance(saturation_threshold, bool) or not isinstance(saturation_threshold, numbers.Real):
        raise TypeError(
            "saturation_threshold must be a number between 0 and 1, but got "
            f"{type(saturation_threshold).__name__}: {saturation_threshold!r}."
        )
    if not 0 < saturation_threshold < 1:
        raise ValueError(
            f"saturation_threshold must be between 0 and 1 (exclusive), but got "
            f"{saturation_threshold}."
        )
    return float(saturation_threshold)


def saturation_pct(output, activation, saturation_threshold=DEFAULT_SATURATION_THRESHOLD):
    """Percentage of saturated outputs of a bounded activation; NaN for the others.

    tanh, softsign, hard_tanh: |a| > threshold; sigmoid, hard_sigmoid: |2a - 1| > threshold
    (a < 0.015 or a > 0.985 for the default 0.97). There the derivative is tiny (tanh's
    1 - a**2 < 0.06), so a saturated unit learns slowly.

    >>> saturation_pct(np.array([0.0, 0.5, 0.98, -0.99]), "tanh")
    50.0
    >>> saturation_pct(np.array([0.001, 0.5, 0.999, 0.9]), "sigmoid")
    50.0
    """
    distance = SATURATING_ACTIVATIONS.get(activation)
    if distance is None:
        return float("nan")
    output = np.asarray(output, dtype=np.float64)
    return float(100.0 * np.mean(distance(output) > saturation_threshold))


def dead_pct(output, activation):
    """Percentage of units (last axis) never active over the batch, for the ReLU family.

    A unit is never active when its output is <= 0 for every sample (every position along the
    leading axes). NaN for activations outside ``DEAD_ACTIVATIONS``.

    >>> dead_pct(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]), "relu")  # unit 0 never fires
    33.33333333333333
    """
    if activation not in DEAD_ACTIVATIONS:
        return float("nan")
    output = np.asarray(output)
    per_unit = output.reshape(-1, output.shape[-1]) if output.ndim > 1 else output[:, None]
    never_active = np.all(per_unit <= 0, axis=0)
    return float(100.0 * np.mean(never_active))


def activation_stats(model, x, saturation_threshold=DEFAULT_SATURATION_THRESHOLD):
    """Per-layer statistics of the activations for the batch ``x`` (forward with training=False).

    One row per layer with an activation (see ``layer_outputs``):

    - ``mean``, ``std``: of all the layer's outputs over the batch;
    - ``saturated_pct``: % of outputs in the flat tails of a bounded activation (see
      ``saturation_pct``: |a| > 0.97 for tanh, |2a - 1| > 0.97 for sigmoid); NaN (printed ``-``)
      for activations without flat tails;
    - ``dead_pct``: % of units whose output is <= 0 for every sample of the batch, for the ReLU
      family (see ``dead_pct``); NaN for the others. Use a batch of a few hundred samples: with a
      handful, live units can look dead by chance.

    Works for a companion ``Sequential`` and for a Keras model.

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(8, activation="tanh", seed=0, name="h")])
    >>> row = activation_stats(model, np.full((4, 3), 100.0))[0]
    >>> row["layer"], row["saturated_pct"] > 50
    ('h', True)
    """
    threshold = _check_threshold(saturation_threshold)
    return _activation_rows(layer_outputs(model, x), threshold)


def _activation_rows(outputs, threshold, bins=None, value_range=None, density=True):
    rows = StatsTable()
    for name, act, out in outputs:
        values = np.asarray(out, dtype=np.float64)
        row = {
            "layer": name,
            "activation": act,
            "mean": float(values.mean()),
            "std": float(values.std()),
            "saturated_pct": saturation_pct(values, act, threshold),
            "dead_pct": dead_pct(values, act),
        }
        if bins is not None:
            row["counts"], row["edges"] = _histogram(values, bins, value_range, density)
        rows.append(row)
    return rows


def _check_bins(bins):
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"bins must be a positive int, but got {bins!r}.")
    return int(bins)


def _histogram(values, bins, value_range, density):
    """``np.histogram`` of the finite values; its own range by default.

    For the default range the bins are counted with ``np.bincount`` (what ``np.histogram``
    does too, plus edge corrections that cost it 2-3x the time): a value within rounding of an
    inner edge may land in the neighbouring bin. The deep-network explorer histograms about a
    hundred arrays per update.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    lo, hi = (values.min(), values.max()) if values.size else (np.nan, np.nan)
    if not (np.isfinite(lo) and np.isfinite(hi)):  # NaN or inf somewhere (or no values)
        values = values[np.isfinite(values)]
        lo, hi = (values.min(), values.max()) if values.size else (0.0, 1.0)
    if value_range is not None or lo == hi:
        return np.histogram(values, bins=bins, range=value_range, density=density)
    edges = np.linspace(lo, hi, bins + 1)
    index = ((values - lo) * (bins / (hi - lo))).astype(np.intp)
    np.minimum(index, bins - 1, out=index)  # the maximum belongs to the last bin
    counts = np.bincount(index, minlength=bins)
    if density:
        return counts / (counts.sum() * np.diff(edges)), edges
    return counts, edges


def activation_histograms(
    model,
    x,
    bins=50,
    value_range=None,
    density=True,
    saturation_threshold=DEFAULT_SATURATION_THRESHOLD,
):
    """``activation_stats`` plus a histogram of each layer's outputs (for plots).

    Each row gains ``counts`` (``bins`` values; a probability density when ``density``) and
    ``edges`` (``bins + 1`` values). ``value_range=(lo, hi)`` gives every layer the same bins;
    by default each layer's own min..max is used.

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(8, activation="tanh", seed=0)])
    >>> row = activation_histograms(model, np.ones((4, 3)), bins=10, value_range=(-1, 1))[0]
    >>> row["counts"].shape, row["edges"].shape
    ((10,), (11,))
    """
    bins = _check_bins(bins)
    density = check_bool(density, "density")
    threshold = _check_threshold(saturation_threshold)
    return _activation_rows(layer_outputs(model, x), threshold, bins, value_range, density)


# --------------------------------------------------------------------------------------------
# Gradient statistics
# --------------------------------------------------------------------------------------------


def _check_y(x, y, fn_name):
    as_float_array(y, name=f"y passed to {fn_name}")  # TypeError for strings and ragged lists
    y = np.asarray(y)
    n_x = len(x[0]) if isinstance(x, (list, tuple)) else len(x)
    if y.ndim == 0 or len(y) != n_x:
        raise ValueError(
            f"{fn_name} needs one target per sample: x has {n_x} samples but y has shape {y.shape}."
        )
    return y


_LOGIT_ACTIVATIONS = {"softmax": "categorical", "sigmoid": "binary"}
_LOSS_KINDS = {
    "CategoricalCrossentropy": "categorical",
    "SparseCategoricalCrossentropy": "categorical",
    "BinaryCrossentropy": "binary",
}


def _companion_loss(model, loss):
    from companion import losses

    if loss is None:
        loss = getattr(model, "loss", None)
        if loss is None:
            raise ValueError(
                f"gradient_stats needs a loss: pass loss='sparse_categorical_crossentropy' (or "
                f"another name), or compile model '{model.name}' first."
            )
    if type(loss).__module__.startswith("keras"):
        raise TypeError(
            "gradient_stats got a Keras loss object for a companion model: pass the loss's name "
            "(e.g. 'sparse_categorical_crossentropy') or a companion.losses object."
        )
    return losses.get(loss)


def _companion_gradients(model, x, y, loss, training=False, out=None):
    """``out``: the model's output for ``x`` from a forward pass just run with ``training`` (the
    layers keep what their backward needs), so that no second forward pass is needed."""
    loss = _companion_loss(model, loss)
    with _blas_like_predict(model, x):
        return _companion_backward(model, x, y, loss, training, out)


def _companion_backward(model, x, y, loss, training, out):
    import copy

    if out is None:
        out = model(x, training=training)
    last = model.layers[-1]
    act = _activation_name(last)
    kind = _LOSS_KINDS.get(type(loss).__name__)
    if (
        hasattr(last, "backward_from_z")
        and act in _LOGIT_ACTIVATIONS
        and kind == _LOGIT_ACTIVATIONS[act]
        and not getattr(loss, "from_logits", False)
    ):
        # Keras (TensorFlow backend) scores a softmax/sigmoid output from its logits, so its
        # gradient is (softmax(z) - onehot) / N without probability clipping: do the same.
        logits_loss = copy.copy(loss)
        logits_loss.from_logits = True
        grad = last.backward_from_z(logits_loss.backward(y, last.last_z))
        for layer in reversed(model.layers[:-1]):
            grad = layer.backward(grad)
    else:
        model.backward(loss.backward(y, out))

    results = []
    for layer in model.layers:
        if not layer.trainable or not layer.weights:
            continue
        names = [
            n for n in getattr(layer, "_weight_names", ()) if getattr(layer, n, None) is not None
        ]
        names += [f"weight_{i}" for i in range(len(names), len(layer.weights))]
        for name, w, g, rg in zip(names, layer.weights, layer.grads, layer.regularization_grads()):
            # A copy of the weight: the caller gets a snapshot, not the model's live array.
            results.append((layer.name, name, w.copy(), g if rg is None else g + rg))
    return results


def _keras_loss(model, loss, dtype):
    import keras

    if loss is None:
        loss = getattr(model, "loss", None)
        if loss is None:
            raise ValueError(
                f"gradient_stats needs a loss: pass loss='sparse_categorical_crossentropy' (or "
                f"another name), or compile Keras model '{model.name}' first."
            )
    if type(loss).__module__.startswith("companion"):
        # The same loss in Keras, computing in the model's dtype (Keras losses default to
        # float32 otherwise).
        config = {"dtype": dtype}
        if hasattr(loss, "from_logits"):
            config["from_logits"] = bool(loss.from_logits)
        return getattr(keras.losses, type(loss).__name__)(**config)
    if isinstance(loss, str):
        fn = keras.losses.get(loss)
        # The function form computes in the dtype of y_pred; the batch mean as Keras reduces.
        return lambda y_true, y_pred: keras.ops.mean(fn(y_true, y_pred))
    if callable(loss):
        return loss
    raise TypeError(
        "loss must be a loss name, a companion loss or a Keras loss, but got "
        f"{type(loss).__name__}."
    )


def _keras_gradients(model, x, y, loss, training=False):
    from companion.backend import keras_gradients

    if not model.built:
        model(x, training=False)
    dtype = model.trainable_weights[0].dtype if model.trainable_weights else "float32"
    loss_fn = _keras_loss(model, loss, dtype)
    # Each backend's own autodiff (tf.GradientTape, jax.grad, torch.autograd); regularization
    # penalties are evaluated inside it.
    _, grads, _ = keras_gradients(model, x, lambda y_pred: loss_fn(y, y_pred), training)
    owners = {id(v): layer for layer in model.layers for v in layer.trainable_weights}
    return [
        (owners[id(v)].name, v.name, _to_numpy(v), g)
        for v, g in zip(model.trainable_weights, grads)
        if g is not None and id(v) in owners
    ]


def weight_gradients(model, x, y, loss=None, training=False):
    """Gradients of the batch loss with respect to every trainable weight.

    loss = mean over the batch of loss(y, model(x, training=training)) + regularization penalties

    ``training=False`` (the default) runs the forward pass as ``predict`` does; ``training=True``
    as a training step does: Dropout drops, and BatchNormalization normalizes with the batch's
    own statistics (and, in Keras, updates its moving averages, as a training step would).

    ``loss`` is a name (``"sparse_categorical_crossentropy"``, ``"mse"``, ...), a companion loss,
    or, for a Keras model, a Keras loss; ``None`` uses the loss the model was compiled with.
    Companion models use their own ``backward``; Keras models their backend's autodiff
    (``companion.backend.keras_gradients``). As in Keras
    (TensorFlow backend), a softmax or sigmoid output is scored from its logits by a matching
    cross-entropy. Returns a list of ``(layer_name, weight_name, weight, grad)`` NumPy arrays.

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(2, name="out")])
    >>> grads = weight_gradients(model, np.ones((3, 4)), np.zeros((3, 2)), loss="mse")
    >>> [(layer, name, g.shape) for layer, name, _, g in grads]
    [('out', 'kernel', (4, 2)), ('out', 'bias', (2,))]
    """
    kind = _kind(model, "gradient_stats")
    x = _check_x(x, "gradient_stats")
    y = _check_y(x, y, "gradient_stats")
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be True or False, but got {training!r}.")
    if kind == "companion":
        return _companion_gradients(model, x, y, loss, bool(training))
    return _keras_gradients(model, x, y, loss, bool(training))


def gradient_stats(model, x, y, loss=None, include_bias=False, training=False):
    """Per-weight statistics of the gradient of the batch loss (see ``weight_gradients``, also
    for ``training``).

    One row per kernel (and per bias when ``include_bias``), as in Karpathy's makemore part 3:

    - ``grad_norm``: sqrt(sum(grad**2)); ``grad_mean``, ``grad_std``: over the weight's entries;
    - ``grad_rms``: sqrt(mean(grad**2)), the typical gradient of ONE weight. Use it (or
      ``grad_data_ratio``) to compare layers of different shapes: the norm of a 784 x 64 kernel
      sums 50,176 squares, that of a 64 x 10 kernel 640, so shape alone makes the first norm
      sqrt(50176 / 640) = 8.9 times larger;
    - ``weight_std``: std of the weight itself;
    - ``grad_data_ratio``: grad_std / weight_std, how big a step the gradient suggests relative
      to the weights (NaN when the weights are all equal, e.g. a bias initialised to zeros).

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(4, "tanh", seed=0, name="h"), Dense(1, seed=1, name="o")])
    >>> table = gradient_stats(model, np.ones((8, 3)), np.zeros((8, 1)), loss="mse")
    >>> [(row["layer"], row["shape"]) for row in table]  # kernels only by default
    [('h', (3, 4)), ('o', (4, 1))]
    """
    include_bias = check_bool(include_bias, "include_bias")
    return _gradient_rows(weight_gradients(model, x, y, loss, training), include_bias)


def _gradient_rows(gradients, include_bias, bins=None, value_range=None, density=True):
    rows = StatsTable()
    for layer, name, w, g in gradients:
        if not include_bias and np.ndim(w) < 2:
            continue
        w64, g64 = np.asarray(w, dtype=np.float64), np.asarray(g, dtype=np.float64)
        w_std, g_std = float(w64.std()), float(g64.std())
        row = {
            "layer": layer,
            "weight": name,
            "shape": tuple(np.shape(w)),
            "grad_norm": float(np.sqrt(np.sum(g64**2))),
            "grad_rms": float(np.sqrt(np.mean(g64**2))),
            "grad_mean": float(g64.mean()),
            "grad_std": g_std,
            "weight_std": w_std,
            "grad_data_ratio": g_std / w_std if w_std > 0 else float("nan"),
        }
        if bins is not None:
            row["counts"], row["edges"] = _histogram(g64, bins, value_range, density)
        rows.append(row)
    return rows


def gradient_histograms(
    model,
    x,
    y,
    loss=None,
    bins=50,
    value_range=None,
    density=True,
    include_bias=False,
    training=False,
):
    """``gradient_stats`` plus a histogram of each weight's gradient (``counts``, ``edges``).

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(4, seed=0)])
    >>> row = gradient_histograms(model, np.ones((2, 3)), np.zeros((2, 4)), "mse", bins=5)[0]
    >>> row["counts"].shape
    (5,)
    """
    bins = _check_bins(bins)
    density = check_bool(density, "density")
    include_bias = check_bool(include_bias, "include_bias")
    gradients = weight_gradients(model, x, y, loss, training)
    return _gradient_rows(gradients, include_bias, bins, value_range, density)


def network_histograms(
    model, x, y, loss=None, bins=50, saturation_threshold=DEFAULT_SATURATION_THRESHOLD
):
    """``(activation_histograms(model, x, bins), gradient_histograms(model, x, y, loss, bins))``
    with ``training=False``, from one forward pass for a companion model (two for Keras's).

    What the deep-network explorer draws after every change of a control.

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(4, "tanh", seed=0, name="h"), Dense(2, seed=1, name="o")])
    >>> acts, grads = network_histograms(model, np.ones((3, 5)), np.zeros((3, 2)), "mse", bins=4)
    >>> [row["layer"] for row in acts], [row["layer"] for row in grads]
    (['h', 'o'], ['h', 'o'])
    """
    if _kind(model, "network_histograms") != "companion":
        return (
            activation_histograms(model, x, bins, saturation_threshold=saturation_threshold),
            gradient_histograms(model, x, y, loss, bins),
        )
    bins = _check_bins(bins)
    threshold = _check_threshold(saturation_threshold)
    x = _check_x(x, "network_histograms")
    y = _check_y(x, y, "network_histograms")
    outputs, out = _companion_outputs(model, x)
    acts = _activation_rows(outputs, threshold, bins)
    gradients = _companion_gradients(model, x, y, loss, training=False, out=out)
    return acts, _gradient_rows(gradients, False, bins)


# --------------------------------------------------------------------------------------------
# Update:data ratios during training
# --------------------------------------------------------------------------------------------


def _trainable_refs(model, include_bias):
    """``(layer_name, weight_name, read)`` for each trainable weight; ``read()`` gives its value."""
    refs = []
    if _kind(model, "update_ratio_callback") == "companion":
        for layer in model.layers:
            names = [n for n in layer._weight_names if getattr(layer, n, None) is not None]
            for name, w in zip(names, layer.trainable_weights):
                if include_bias or w.ndim >= 2:
                    refs.append((layer.name, name, lambda w=w: w))
        return refs
    import keras

    for layer in model.layers:
        for v in layer.trainable_weights:
            if include_bias or len(v.shape) >= 2:
                refs.append((layer.name, v.name, lambda v=v: keras.ops.convert_to_numpy(v)))
    return refs


class UpdateRatioRecorder:
    """Karpathy's update:data ratio, recorded during ``fit`` (makemore part 3).

    For each trainable kernel (and bias, with ``include_bias``), at every ``every``-th training
    step: ``log10(||w_after - w_before|| / ||w_before||)``, the size of the step the optimizer
    took relative to the size of the weights, whatever the optimizer (for plain SGD the step is
    ``lr * grad``). Karpathy's rule of thumb: around -3 (a step of 1/1000 of the weights);
    far below, the layer learns too slowly; far above, the steps are too large for the weights.

    Use ``update_ratio_callback(model)``, which returns a recorder that is a companion callback
    for a companion model and a Keras callback for a Keras model. After ``fit``: ``steps``
    (the step numbers recorded, from 0), ``ratios`` (``{"layer/weight": array of log10
    ratios}``), ``table()`` (one row per weight).
    """

    def _init_recorder(self, every, include_bias):
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise ValueError(
                f"every must be a positive int (record every n-th step), not {every!r}."
            )
        self.every = int(every)
        self.include_bias = check_bool(include_bias, "include_bias")
        self.steps = []
        self._log = {}
        self._step = 0
        self._refs = None
        self._before = None

    @property
    def ratios(self):
        return {key: np.asarray(values) for key, values in self._log.items()}

    def on_train_batch_begin(self, batch, logs=None):
        if self._step % self.every:
            return
        model = self.model  # on JAX, reading a Keras callback's model syncs its weights in
        if self._refs is None:
            self._refs = _trainable_refs(model, self.include_bias)
        self._before = [np.array(read(), dtype=np.float64) for _, _, read in self._refs]

    def on_train_batch_end(self, batch, logs=None):
        if self._before is not None:
            self.model  # noqa: B018 -- on JAX this syncs the step's weights into the model
            for (layer, name, read), w0 in zip(self._refs, self._before):
                step = np.linalg.norm(np.asarray(read(), dtype=np.float64) - w0)
                size = np.linalg.norm(w0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = np.log10(step / size) if size > 0 else float("nan")
                self._log.setdefault(f"{layer}/{name}", []).append(float(value))
            self.steps.append(self._step)
            self._before = None
        self._step += 1

    def table(self, last=None):
        """One row per weight: ``mean_log10`` over the recorded steps (the ``last`` n only, if
        given), ``min_log10``, ``max_log10``, ``last_log10``."""
        return update_ratio_table(self, last)


def update_ratio_table(recorder, last=None):
    """The ``StatsTable`` of an ``UpdateRatioRecorder``: one row per weight (see its ``table``)."""
    rows = StatsTable()
    for key, values in recorder.ratios.items():
        layer, weight = key.rsplit("/", 1)
        values = values[-last:] if last else values
        finite = values[np.isfinite(values)]
        rows.append(
            {
                "layer": layer,
                "weight": weight,
                "mean_log10": float(finite.mean()) if finite.size else float("nan"),
                "min_log10": float(finite.min()) if finite.size else float("nan"),
                "max_log10": float(finite.max()) if finite.size else float("nan"),
                "last_log10": float(values[-1]) if values.size else float("nan"),
            }
        )
    return rows


def update_ratio_callback(model, every=1, include_bias=False):
    """An ``UpdateRatioRecorder`` for ``model.fit(..., callbacks=[recorder])``.

    A companion ``Sequential`` gets a ``companion.callbacks.Callback``, a Keras model a
    ``keras.callbacks.Callback`` (weights read with ``keras.ops.convert_to_numpy``, so any
    backend). Both record the same numbers: trained the same way from the same weights, a Keras
    model and its ``models.from_keras`` copy give the same ratios.

    >>> from companion.layers import Dense
    >>> from companion.models import Sequential
    >>> model = Sequential([Dense(3, seed=0, name="out")])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> rec = update_ratio_callback(model)
    >>> _ = model.fit(np.ones((8, 4)), np.zeros((8, 3)), batch_size=4, callbacks=[rec])
    >>> rec.steps, list(rec.ratios)
    ([0, 1], ['out/kernel'])
    """
    if _kind(model, "update_ratio_callback") == "companion":
        from companion.callbacks import Callback

        class CompanionUpdateRatio(UpdateRatioRecorder, Callback):
            def __init__(self):
                Callback.__init__(self)
                self._init_recorder(every, include_bias)

        return CompanionUpdateRatio()
    import keras

    class KerasUpdateRatio(UpdateRatioRecorder, keras.callbacks.Callback):
        def __init__(self):
            keras.callbacks.Callback.__init__(self)
            self._init_recorder(every, include_bias)

    return KerasUpdateRatio()
