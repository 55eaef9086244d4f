"""The figures the notebooks draw, so that a notebook cell is one line.

Every function returns a ``matplotlib.figure.Figure`` and never calls ``plt.show()``: in Jupyter
the returned figure is shown once, as the cell's value. Figures are made with
``matplotlib.figure.Figure`` rather than ``pyplot``, so they are not registered with pyplot (no
double display, nothing to close, no memory growing over a long notebook). Functions that take
``ax=`` draw into that Axes instead and return its figure.

Defaults keep stored notebooks small and readable for everyone: ``FIGURE_DPI`` (72) and figures
at most 10 inches wide; the Okabe-Ito colour-blind-safe ``PALETTE`` (with markers or line styles
as a second cue where colours carry meaning); titles and axis labels everywhere.

Example::

    >>> from companion import plots
    >>> fig = plots.dense_shapes(batch=32, in_features=784, units=10)
    >>> fig.axes[0].get_title()
    'Dense layer: y = x @ W + b'
"""

import contextlib
import inspect
import numbers

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from companion.utils import as_float_array, format_table

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Ordered so that the first colours contrast most with each other.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
COLORS = dict(
    zip(
        ("blue", "orange", "green", "vermillion", "sky_blue", "purple", "yellow", "black"),
        PALETTE,
        strict=True,
    )
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
# Two-class surfaces go from blue (class 0) through white to orange (class 1).
DIVERGING = LinearSegmentedColormap.from_list(
    "okabe_ito_diverging", [PALETTE[0], "#FFFFFF", PALETTE[1]]
)
# The same, halfway to white: a background on which blue and orange points stay visible.
DIVERGING_LIGHT = LinearSegmentedColormap.from_list(
    "okabe_ito_diverging_light", ["#80B8D8", "#FFFFFF", "#F2CF80"]
)
SEQUENTIAL = "cividis"  # perceptually uniform and designed for colour-vision deficiencies

FIGURE_DPI = 72
MAX_WIDTH = 10.0
RC_PARAMS = {
    "figure.dpi": FIGURE_DPI,
    "savefig.dpi": FIGURE_DPI,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.framealpha": 0.8,
    "image.cmap": SEQUENTIAL,
}


@contextlib.contextmanager
def style():
    """A context in which matplotlib uses the course's palette, DPI and font sizes.

    The functions here apply it themselves; use it around your own plotting code to match.
    """
    with mpl.rc_context(RC_PARAMS):
        yield


def new_figure(nrows=1, ncols=1, figsize=(6.0, 3.0), squeeze=True, **subplot_kw):
    """A ``Figure`` with a grid of Axes in the course style (constrained layout, small DPI)."""
    width, height = figsize
    with style():
        fig = Figure(figsize=(min(width, MAX_WIDTH), height), dpi=FIGURE_DPI, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=squeeze, subplot_kw=subplot_kw or None)
    return fig, axes


def _figure_for(ax, figsize):
    if ax is None:
        return new_figure(figsize=figsize)
    if not isinstance(ax, mpl.axes.Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, but got {type(ax).__name__}.")
    return ax.figure, ax


# ---------------------------------------------------------------------------------------------
# Activation functions


def _activations():
    from companion import activations

    return activations


def catalogue():
    """Registered activation names without aliases and without required arguments.

    ``swish`` and ``hard_swish`` are aliases of ``silu`` and ``hard_silu``; ``threshold`` needs
    its ``threshold`` and ``default_value`` arguments, so it has no default curve.
    """
    acts = _activations()
    result = []
    for name in acts.names():
        fn = acts.get(name)
        if getattr(fn, "__name__", name) != name:
            continue
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):
            result.append(name)
            continue
        required = [
            p
            for p in list(signature.parameters.values())[1:]
            if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if not required:
            result.append(name)
    return result


def _check_x(x, default=(-5.0, 5.0, 401)):
    if x is None:
        return np.linspace(*default)
    arr = as_float_array(x, name="x")
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"x must be a 1-D array of at least 2 points, but got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must hold finite numbers only.")
    return arr


def activation_curve(name, x=None, derivative=True, **params):
    """``(y, dy)`` for plotting activation ``name`` over the 1-D grid ``x``.

    Elementwise functions give ``y = f(x)`` and ``dy = f'(x)``. Functions over an axis (softmax,
    log_softmax) are shown as a function of one logit with a second logit fixed at 0:
    ``y = f([x, 0])[0]`` (softmax of two logits is the sigmoid of their difference), and
    ``dy`` is that output's derivative, from ``f.backward``. ``dy`` is ``None`` when
    ``derivative`` is false.

    Example::

        >>> y, dy = activation_curve("relu", [-1.0, 2.0])
        >>> y.tolist(), dy.tolist()
        ([0.0, 2.0], [0.0, 1.0])
    """
    fn = _activations().get(name)
    x = _check_x(x)
    if getattr(fn, "elementwise", True):
        y = np.asarray(fn(x, **params))
        dy = np.asarray(fn.derivative(x, **params)) if derivative else None
        return y, dy
    z = np.stack([x, np.zeros_like(x)], axis=-1)
    out = np.asarray(fn(z, **params))
    dy = None
    if derivative:
        # The vector-Jacobian product with the first unit vector is the gradient of output 0.
        first = np.zeros_like(out)
        first[:, 0] = 1.0
        dy = np.asarray(fn.backward(z, first, **params))[:, 0]
    return out[:, 0], dy


def curve_label(name, fn=None):
    """How a curve of ``name`` is labelled: ``"relu"`` or ``"softmax([x, 0])[0]"``."""
    fn = fn or _activations().get(name)
    return name if getattr(fn, "elementwise", True) else f"{name}([x, 0])[0]"


def keras_activation_curve(name, x=None, **params):
    """Keras's ``keras.activations.get(name)`` on the same points as ``activation_curve``.

    Imports Keras (slow the first time); raises ``ImportError`` if it is not installed.
    """
    import keras

    fn = _activations().get(name)
    x = _check_x(x)
    keras_fn = keras.activations.get(name)
    if getattr(fn, "elementwise", True):
        return np.asarray(keras.ops.convert_to_numpy(keras_fn(x, **params)))
    z = np.stack([x, np.zeros_like(x)], axis=-1)
    return np.asarray(keras.ops.convert_to_numpy(keras_fn(z, **params)))[:, 0]


def _format_params(params):
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


def _draw_activation(ax, name, x, derivative, params, show_legend=True):
    fn = _activations().get(name)
    y, dy = activation_curve(name, x, derivative=derivative, **params)
    label = curve_label(name, fn)
    (line,) = ax.plot(x, y, color=PALETTE[0], lw=2, label=label)
    lines = [line]
    if dy is not None:
        (dline,) = ax.plot(x, dy, color=PALETTE[1], lw=1.5, ls="--", label="derivative")
        lines.append(dline)
    ax.axhline(0, color="0.6", lw=0.8, zorder=0)
    ax.axvline(0, color="0.6", lw=0.8, zorder=0)
    if show_legend:
        ax.legend(loc="best")
    return lines, y


def plot_activation(name, ax=None, x=None, derivative=True, keras_overlay=False, **params):
    """Plot one activation function and its derivative; optionally Keras's curve on top.

    ``params`` are the function's keyword arguments (``alpha=0.5``, ``negative_slope=0.1``).
    With ``keras_overlay=True`` Keras is imported and its curve is drawn as dots; the title
    then gives the largest ``|companion - Keras|`` over the grid.

    Example::

        >>> fig = plot_activation("elu", alpha=0.5)
        >>> fig.axes[0].get_title()
        'elu(alpha=0.5)'
        >>> plot_activation("softmax").axes[0].get_title()
        'softmax([x, 0])[0]'
    """
    x = _check_x(x)
    fig, ax = _figure_for(ax, (5.0, 3.2))
    with style():
        _, y = _draw_activation(ax, name, x, derivative, params, show_legend=False)
        title = f"{name}({_format_params(params)})" if params else curve_label(name)
        if keras_overlay:
            y_keras = keras_activation_curve(name, x, **params)
            step = max(1, x.size // 25)
            ax.plot(
                x[::step],
                y_keras[::step],
                ls="none",
                marker="o",
                ms=4,
                mfc="none",
                color=PALETTE[7],
                label="Keras",
            )
            title += f"\nmax |companion - Keras| = {float(np.max(np.abs(y - y_keras))):.2g}"
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)" if derivative is False else "f(x), f'(x)")
        ax.legend(loc="best")
    return fig


def activation_grid(names=None, x=None, derivative=True, ncols=6):
    """Small multiples: each activation (solid) and its derivative (dashed) in its own subplot.

    ``names`` defaults to ``catalogue()`` (every registered activation but aliases). Each row
    is 1.7 inches high, so a grid of the whole catalogue is taller than the usual 4 inches.

    Example::

        >>> fig = activation_grid(["relu", "tanh"])
        >>> [ax.get_title() for ax in fig.axes]
        ['relu', 'tanh']
    """
    acts = _activations()
    if names is None:
        names = catalogue()
    elif isinstance(names, str):
        names = [names]
    names = list(names)
    if not names or not all(isinstance(n, str) for n in names):
        raise TypeError(f"names must be a non-empty list of activation names, but got {names!r}.")
    for n in names:
        acts.get(n)  # an unknown name raises ValueError listing the valid ones
    if not isinstance(ncols, numbers.Integral) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, but got {ncols!r}.")
    x = _check_x(x)
    ncols = min(ncols, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(2.5 * ncols, 1.7 * nrows + 0.6), squeeze=False)
    with style():
        for ax, name in zip(axes.flat, names, strict=False):
            _draw_activation(ax, name, x, derivative, {}, show_legend=False)
            ax.set_title(curve_label(name))
        for ax in axes.flat[len(names) :]:
            fig.delaxes(ax)
        # The title is the key (a figure legend would collide with it in constrained layout).
        if derivative:
            fig.suptitle("Activation functions (solid blue) and their derivatives (dashed orange)")
            fig.supylabel("f(x), f'(x)")
        else:
            fig.suptitle("Activation functions")
            fig.supylabel("f(x)")
        fig.supxlabel("x")
    return fig


def _format_cell(value):
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if value is None:
        return "-"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_format_cell(v) for v in value) + ")"
    if isinstance(value, numbers.Real):
        v = float(value)
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return format(v, ".4g")
    return str(value)


class PropertiesTable:
    """A table with a plain-text ``repr`` (stable in stored notebooks) and HTML/Markdown views.

    ``rows`` is a list of dicts, ``columns`` their keys in order.
    """

    def __init__(self, rows, columns):
        self.rows = rows
        self.columns = columns

    def _cells(self):
        return [[_format_cell(row.get(c)) for c in self.columns] for row in self.rows]

    def to_text(self):
        return format_table(
            [dict(zip(self.columns, cells, strict=True)) for cells in self._cells()],
            self.columns,
        )

    def to_markdown(self):
        lines = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(cells) + " |" for cells in self._cells()]
        return "\n".join(lines)

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_html_(self):
        from html import escape

        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in cells) + "</tr>"
            for cells in self._cells()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self):
        return self.to_text()

    __str__ = __repr__

    def __len__(self):
        return len(self.rows)


PROPERTY_COLUMNS = (
    "range",
    "zero_centred",
    "monotonic",
    "saturating",
    "max_derivative",
    "cost",
)


def properties_table(names=None):
    """The activations' properties (``companion.activations.PROPERTIES``) as a table.

    Columns: name, range, zero_centred, monotonic, saturating, max_derivative, cost. The result
    prints as fixed-width text and renders as an HTML table in Jupyter.

    Example::

        >>> table = properties_table(["relu", "sigmoid"])
        >>> [row["name"] for row in table.rows]
        ['relu', 'sigmoid']
    """
    props = _activations().PROPERTIES
    if names is None:
        names = list(props)
    elif isinstance(names, str):
        names = [names]
    missing = [n for n in names if n not in props]
    if missing:
        raise ValueError(
            f"no properties recorded for {missing}; activations with properties: "
            f"{', '.join(props)}."
        )
    extra = [k for n in names for k in props[n] if k not in PROPERTY_COLUMNS]
    columns = ["name", *PROPERTY_COLUMNS, *dict.fromkeys(extra)]
    rows = [{"name": n, **props[n]} for n in names]
    return PropertiesTable(rows, columns)


# ---------------------------------------------------------------------------------------------
# Dense layer shapes


def _positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a positive integer, but got {value!r}.")
    if value < 1:
        raise ValueError(f"{what} must be a positive integer, but got {value}.")
    return int(value)


def dense_shapes(batch, in_features, units):
    """A diagram of ``y = x @ W + b`` with each array drawn as a box labelled with its shape.

    Box sides grow with the square root of the dimension (so 784 and 10 both stay visible).
    The subtitle counts the layer's parameters: ``in_features * units + units``.

    Example::

        >>> fig = dense_shapes(4, 3, 2)
        >>> [t.get_text() for t in fig.axes[0].texts][:4]
        ['x', '(4, 3)', '@', 'W']
    """
    batch = _positive_int(batch, "batch")
    in_features = _positive_int(in_features, "in_features")
    units = _positive_int(units, "units")
    largest = max(batch, in_features, units)
    side = lambda d: 0.35 + 2.0 * np.sqrt(d / largest)
    boxes = [
        ("x", (batch, in_features), PALETTE[4]),
        ("@", None, None),
        ("W", (in_features, units), PALETTE[1]),
        ("+", None, None),
        ("b", (units,), PALETTE[2]),
        ("=", None, None),
        ("y", (batch, units), PALETTE[0]),
    ]
    fig, ax = new_figure(figsize=(8.0, 3.2))
    left = 0.0
    with style():
        for label, shape, color in boxes:
            if shape is None:
                ax.text(left + 0.25, 0.0, label, ha="center", va="center", fontsize=16)
                left += 0.5
                continue
            rows, cols = (1, shape[0]) if len(shape) == 1 else shape
            w, h = side(cols), side(rows)
            ax.add_patch(
                Rectangle((left, -h / 2), w, h, facecolor=color, edgecolor="black", alpha=0.85)
            )
            ax.text(left + w / 2, 0.0, label, ha="center", va="center", fontsize=13)
            ax.text(left + w / 2, -h / 2 - 0.08, str(shape), ha="center", va="top", fontsize=10)
            left += w + 0.1
        params = in_features * units + units
        ax.set_xlim(-0.2, left + 0.1)
        ax.set_ylim(-1.6, 1.3)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title("Dense layer: y = x @ W + b")
        ax.text(
            0.5,
            -0.02,
            f"batch={batch}, in_features={in_features}, units={units}: "
            f"W has {in_features} x {units} = {in_features * units} weights, b has {units} "
            f"biases, {params} parameters in all",
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=9,
        )
    return fig


# ---------------------------------------------------------------------------------------------
# 2-D data and decision surfaces


def _check_xy(X, y):
    X = as_float_array(X, name="X")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) (2-D points), but got shape {X.shape}.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must hold one label per point, shape ({X.shape[0]},), but got shape {y.shape}."
        )
    if not np.all(np.equal(np.mod(y, 1), 0)):
        raise ValueError("y must hold integer class labels (0, 1, ...).")
    return X, y.astype(int)


def scatter_classes(ax, X, y, size=16):
    """Draw 2-D points coloured and shaped by class (colour and marker, for colour-blind safety)."""
    handles = []
    for k in np.unique(y):
        pts = X[y == k]
        handles.append(
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=size,
                color=PALETTE[k % len(PALETTE)],
                marker=MARKERS[k % len(MARKERS)],
                edgecolors="black",
                linewidths=0.4,
                label=f"class {k}",
            )
        )
    return handles


def grid_points(X, resolution=200, padding=0.5):
    """``(xx, yy, points)``: a ``resolution`` x ``resolution`` grid around the data ``X``."""
    if not isinstance(resolution, numbers.Integral) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, but got {resolution!r}.")
    lo = X.min(axis=0) - padding
    hi = X.max(axis=0) + padding
    xx, yy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def decision_surface(predict_fn, X, y, ax=None, resolution=200, padding=0.5, title=None):
    """Colour the plane by a model's output and overlay the labelled points.

    ``predict_fn(points)`` gets an ``(m, 2)`` array and returns one score per point (shape
    ``(m,)`` or ``(m, 1)``: drawn as a colour map with the 0.5 contour for probabilities, or the
    0 contour otherwise) or class scores ``(m, k)`` (the arg-max class is drawn). A model with a
    ``predict`` method may be passed instead of a function.

    Example::

        >>> X = np.array([[0.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1])
        >>> fig = decision_surface(lambda p: (p.sum(axis=1) > 1).astype(float), X, y)
        >>> fig.axes[0].get_xlabel()
        'x1'
    """
    if not callable(predict_fn):
        if hasattr(predict_fn, "predict"):
            model = predict_fn
            predict_fn = lambda p: _predict_quietly(model, p)
        else:
            raise TypeError(
                f"predict_fn must be a function of an (m, 2) array or a model with .predict, "
                f"but got {type(predict_fn).__name__}."
            )
    X, y = _check_xy(X, y)
    xx, yy, points = grid_points(X, resolution, padding)
    out = np.asarray(predict_fn(points))
    if out.shape[0] != points.shape[0] or out.ndim > 2:
        raise ValueError(
            f"predict_fn returned shape {out.shape} for {points.shape[0]} points; expected "
            f"({points.shape[0]},), ({points.shape[0]}, 1) or ({points.shape[0]}, classes)."
        )
    fig, ax = _figure_for(ax, (5.0, 4.0))
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    with style():
        if out.ndim == 2 and out.shape[1] > 1:
            classes = np.argmax(out, axis=1).reshape(xx.shape)
            n = out.shape[1]
            cmap = ListedColormap([PALETTE[k % len(PALETTE)] for k in range(n)])
            ax.imshow(
                classes,
                origin="lower",
                extent=extent,
                cmap=cmap,
                vmin=-0.5,
                vmax=n - 0.5,
                alpha=0.35,
                aspect="auto",
                interpolation="nearest",
            )
        else:
            score = out.reshape(xx.shape).astype(float)
            probabilities = np.nanmin(score) >= 0 and np.nanmax(score) <= 1
            level = 0.5 if probabilities else 0.0
            vmin, vmax = (0.0, 1.0) if probabilities else (np.nanmin(score), np.nanmax(score))
            image = ax.imshow(
                score,
                origin="lower",
                extent=extent,
                cmap=DIVERGING,
                vmin=vmin,
                vmax=vmax,
                alpha=0.8,
                aspect="auto",
            )
            fig.colorbar(image, ax=ax, label="model output")
            if np.nanmin(score) < level < np.nanmax(score):
                ax.contour(xx, yy, score, levels=[level], colors="black", linewidths=1.2)
        scatter_classes(ax, X, y)
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title(title or "Decision surface")
        ax.legend(loc="upper right")
    return fig


def _predict_quietly(model, points):
    try:
        return model.predict(points, verbose=0)  # Keras prints a progress bar otherwise
    except TypeError:
        return model.predict(points)


# ---------------------------------------------------------------------------------------------
# Training


def _history_dict(history):
    if hasattr(history, "history"):
        history = history.history
    if not isinstance(history, dict):
        raise TypeError(
            "history must be a Keras or companion History (with .history) or a dict of "
            f"lists, but got {type(history).__name__}."
        )
    if not history:
        raise ValueError("history is empty: train for at least one epoch first.")
    curves = {}
    for key, values in history.items():
        arr = as_float_array(values, name=f"history[{key!r}]")
        if arr.ndim != 1:
            raise ValueError(f"history[{key!r}] must be a list of numbers, one per epoch.")
        curves[str(key)] = arr
    return curves


def learning_curves(history, title="Learning curves"):
    """Training and validation curves, one subplot per metric (loss first).

    ``history`` is what ``fit`` returns (Keras or companion) or its ``.history`` dict; keys
    ``val_<metric>`` are drawn dashed next to ``<metric>``.

    Example::

        >>> fig = learning_curves({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
        >>> fig.axes[0].get_title(), len(fig.axes[0].lines)
        ('loss', 2)
    """
    curves = _history_dict(history)
    bases = list(dict.fromkeys(k[4:] if k.startswith("val_") else k for k in curves))
    bases.sort(key=lambda k: k != "loss")
    fig, axes = new_figure(1, len(bases), figsize=(4.2 * len(bases), 3.2), squeeze=False)
    with style():
        for ax, base in zip(axes.flat, bases, strict=True):
            for key, label, color, ls, marker in (
                (base, "training", PALETTE[0], "-", "o"),
                (f"val_{base}", "validation", PALETTE[1], "--", "s"),
            ):
                if key in curves:
                    values = curves[key]
                    ax.plot(
                        np.arange(1, values.size + 1),
                        values,
                        color=color,
                        ls=ls,
                        marker=marker,
                        ms=3,
                        label=label,
                    )
            ax.set_title(base)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("epoch")
            ax.set_ylabel(base)
            ax.legend(loc="best")
        fig.suptitle(title)
    return fig


def _labels(values, what):
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] > 1:
        arr = np.argmax(arr, axis=1)  # probabilities or one-hot rows
    elif arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{what} must be labels of shape (n,) or scores (n, classes), got {arr.shape}."
        )
    if arr.size and not np.all(np.equal(np.mod(arr, 1), 0)):
        raise ValueError(f"{what} must hold integer class labels.")
    return arr.astype(int)


def confusion_counts(y_true, y_pred, n_classes=None):
    """``counts[i, j]`` = number of examples of true class ``i`` predicted as class ``j``.

    Either argument may be labels ``(n,)`` or scores/one-hot ``(n, classes)`` (arg-max taken).

    Example::

        >>> confusion_counts([0, 1, 1], [0, 0, 1]).tolist()
        [[1, 0], [1, 1]]
    """
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred hold {t.size} and {p.size} labels; they must match.")
    n = (
        int(n_classes)
        if n_classes is not None
        else int(max(t.max(initial=0), p.max(initial=0))) + 1
    )
    bad = (t < 0) | (t >= n) | (p < 0) | (p >= n)
    if bad.any():
        found = np.unique(np.concatenate([t[(t < 0) | (t >= n)], p[(p < 0) | (p >= n)]]))
        raise ValueError(f"labels must be integers from 0 to {n - 1}; found {found.tolist()}.")
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def confusion_matrix(y_true, y_pred, class_names=None, normalize=False, ax=None):
    """A confusion matrix: rows are true classes, columns predicted ones, counts in the cells.

    With ``normalize=True`` each row is divided by its total (the per-class recall on the
    diagonal). The title gives the accuracy (the diagonal's share of all examples).

    Example::

        >>> fig = confusion_matrix([0, 1, 1], [0, 0, 1], class_names=["cat", "dog"])
        >>> fig.axes[0].get_title()
        'Confusion matrix (accuracy 0.667)'
    """
    n = len(class_names) if class_names is not None else None
    counts = confusion_counts(y_true, y_pred, n)
    n = counts.shape[0]
    names = list(class_names) if class_names is not None else [str(k) for k in range(n)]
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    fig, ax = _figure_for(ax, (5.0, 4.0))
    with style():
        image = ax.imshow(shown, cmap=SEQUENTIAL, vmin=0)
        ax.grid(False)
        if n <= 12:
            top = shown.max() if shown.size else 1
            for i in range(n):
                for j in range(n):
                    text = f"{shown[i, j]:.2f}" if normalize else str(counts[i, j])
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="black" if shown[i, j] > 0.6 * top else "white",
                    )
        ax.set_xticks(
            range(n), names, rotation=45 if n > 4 else 0, ha="right" if n > 4 else "center"
        )
        ax.set_yticks(range(n), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(f"Confusion matrix (accuracy {accuracy:.3f})")
        fig.colorbar(image, ax=ax, label="fraction of the row" if normalize else "count")
    return fig


def _as_images(images):
    arr = np.asarray(images)
    if arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        if side * side != arr.shape[1]:
            raise ValueError(
                f"flat images of {arr.shape[1]} pixels are not square; pass (n, height, width)."
            )
        arr = arr.reshape(-1, side, side)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] not in (3, 4)):
        raise ValueError(
            "images must have shape (n, height, width), (n, height, width, 1 or 3) or "
            f"(n, pixels), but got {np.shape(images)}."
        )
    return arr


def image_grid(
    images, labels=None, predictions=None, class_names=None, ncols=8, max_images=16, title=None
):
    """Show the first ``max_images`` images in a grid, titled by label (and prediction).

    With ``predictions``, a correct image is titled with its class (blue) and a wrong one with
    ``pred: <class>`` over ``true: <class>`` (vermillion), so mistakes stand out even without
    colour. ``labels``/``predictions`` may be labels or class scores (arg-max taken).

    Example::

        >>> fig = image_grid(np.zeros((3, 28, 28)), labels=[0, 1, 2], ncols=3)
        >>> [ax.get_title() for ax in fig.axes]
        ['0', '1', '2']
    """
    imgs = _as_images(images)
    n = min(len(imgs), int(max_images))
    if n < 1:
        raise ValueError("image_grid needs at least one image.")
    lab = _labels(labels, "labels")[:n] if labels is not None else None
    pred = _labels(predictions, "predictions")[:n] if predictions is not None else None
    for arr, what in ((lab, "labels"), (pred, "predictions")):
        if arr is not None and arr.size < n:
            raise ValueError(f"{what} has {arr.size} entries for {n} images.")
    name = lambda k: class_names[k] if class_names is not None else str(k)
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    cell_h = 1.75 if pred is not None else 1.35
    fig, axes = new_figure(nrows, ncols, figsize=(1.2 * ncols, cell_h * nrows + 0.3), squeeze=False)
    with style():
        for i, ax in enumerate(axes.flat):
            if i >= n:
                fig.delaxes(ax)
                continue
            ax.imshow(imgs[i], cmap="gray_r" if imgs.ndim == 3 else None)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if pred is not None and lab is not None:
                right = pred[i] == lab[i]
                text = name(pred[i]) if right else f"pred: {name(pred[i])}\ntrue: {name(lab[i])}"
                ax.set_title(text, fontsize=8, color=PALETTE[0] if right else PALETTE[3])
            elif pred is not None:
                ax.set_title(f"pred: {name(pred[i])}", fontsize=8)
            elif lab is not None:
                ax.set_title(name(lab[i]), fontsize=8)
        if title is None:
            if pred is not None and lab is not None:
                wrong = int(np.sum(pred != lab))
                title = f"{n} images: {wrong} misclassified"
            else:
                title = f"{n} images"
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------------------------------------
# Per-layer diagnostics


def _rows(table):
    rows = list(table)
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise TypeError(
            "a stats table must be a diagnostics StatsTable or a non-empty list of per-layer "
            f"dicts, but got {type(table).__name__}."
        )
    return rows


def _layer_name(row, i):
    for key in ("layer", "name"):
        if key in row:
            return str(row[key])
    return str(i)


def layer_stats(table, column, log=False, kind="line", ax=None, title=None):
    """One statistic per layer (e.g. ``"std"`` or ``"grad_norm"``) from a diagnostics table.

    ``table`` is a ``StatsTable`` (a list of per-layer dict rows) or a dict
    ``{label: table}`` to compare several networks (one line each). ``kind`` is ``"line"`` or
    ``"bar"``; ``log=True`` uses a log scale (where vanishing gradients become straight lines).

    Example::

        >>> rows = [{"layer": "dense", "std": 1.0}, {"layer": "dense_1", "std": 0.5}]
        >>> fig = layer_stats(rows, "std")
        >>> fig.axes[0].get_ylabel()
        'std'
    """
    if kind not in ("line", "bar"):
        raise ValueError(f"kind must be 'line' or 'bar', but got {kind!r}.")
    tables = table if isinstance(table, dict) else {None: table}
    series = {}
    for label, t in tables.items():
        rows = _rows(t)
        if column not in rows[0]:
            raise ValueError(
                f"the table has no column {column!r}; its columns are {list(rows[0])}."
            )
        values = np.array(
            [np.nan if r.get(column) is None else r[column] for r in rows], dtype=float
        )
        series[label] = ([_layer_name(r, i) for i, r in enumerate(rows)], values)
    fig, ax = _figure_for(ax, (7.0, 3.2))
    with style():
        width = 0.8 / len(series)
        for k, (label, (_, values)) in enumerate(series.items()):
            positions = np.arange(len(values))
            color = PALETTE[k % len(PALETTE)]
            if kind == "bar":
                ax.bar(
                    positions + (k - (len(series) - 1) / 2) * width,
                    values,
                    width=width,
                    color=color,
                    label=label,
                )
            else:
                ax.plot(
                    positions,
                    values,
                    color=color,
                    marker=MARKERS[k % len(MARKERS)],
                    ms=4,
                    label=label,
                )
        names = max((s[0] for s in series.values()), key=len)
        step = max(1, len(names) // 12)
        ax.set_xticks(range(0, len(names), step), names[::step], rotation=30, ha="right")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("layer")
        ax.set_ylabel(column)
        ax.set_title(title or f"{column} per layer")
        if len(series) > 1:
            ax.legend(loc="best")
    return fig


def _histogram_rows(rows, names):
    """(name, centres, counts, mean, std) from diagnostics rows with ``counts`` and ``edges``."""
    curves = []
    for i, row in enumerate(rows):
        counts, edges = np.asarray(row["counts"], float), np.asarray(row["edges"], float)
        if edges.shape != (counts.size + 1,):
            raise ValueError(
                f"row {i} has {counts.size} counts but {edges.size} edges; expected one more "
                "edge than counts."
            )
        name = names[i] if names is not None else _layer_name(row, i)
        if names is None and "weight" in row:
            name = f"{name}/{row['weight']}"  # gradient rows: one per weight of a layer
        mean = row.get("mean", row.get("grad_mean", np.nan))
        std = row.get("std", row.get("grad_std", np.nan))
        curves.append((name, (edges[:-1] + edges[1:]) / 2, counts, mean, std))
    return curves


def _histogram_arrays(arrays, names, bins, value_range):
    """(name, centres, density, mean, std) for raw arrays, over shared bins."""
    arrays = [as_float_array(a, name=f"arrays[{i}]").ravel() for i, a in enumerate(arrays)]
    finite = [a[np.isfinite(a)] for a in arrays]
    if not any(f.size for f in finite):
        raise ValueError("the arrays hold no finite values to histogram.")
    every = np.concatenate(finite)
    lo, hi = value_range if value_range is not None else (every.min(), every.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, int(bins) + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    names = names if names is not None else [f"layer {i}" for i in range(len(arrays))]
    return [
        (name, centres, np.histogram(f, bins=edges, density=True)[0], np.mean(a), np.std(a))
        for name, a, f in zip(names, arrays, finite, strict=True)
    ]


def histograms_by_layer(arrays, names=None, bins=50, ax=None, title=None, value_range=None):
    """Overlaid histograms, one per layer (as in Karpathy's makemore part 3).

    ``arrays`` is a list of arrays (one per layer; histogrammed here, over shared bins) or the
    table returned by ``diagnostics.activation_histograms`` / ``gradient_histograms`` (rows
    with ``counts`` and ``edges``, drawn as they are). Each legend entry gives the layer's
    mean and standard deviation, so the figure can be read without judging shapes by eye.

    Example::

        >>> rng = np.random.default_rng(0)
        >>> fig = histograms_by_layer([rng.normal(size=100), rng.normal(size=100) * 2])
        >>> len(fig.axes[0].lines)
        2
    """
    arrays = list(arrays)
    if not arrays:
        raise ValueError("histograms_by_layer needs at least one array.")
    names = list(names) if names is not None else None
    if names is not None and len(names) != len(arrays):
        raise ValueError(f"got {len(arrays)} arrays but {len(names)} names.")
    if all(isinstance(a, dict) for a in arrays):
        if not all("counts" in a and "edges" in a for a in arrays):
            raise ValueError(
                "table rows need 'counts' and 'edges' columns: use "
                "diagnostics.activation_histograms or gradient_histograms, not *_stats."
            )
        curves = _histogram_rows(arrays, names)
        # Tables made with density=False hold counts: label the axis by what is drawn.
        areas = [np.sum(np.diff(r["edges"]) * np.asarray(r["counts"])) for r in arrays]
        ylabel = "density" if np.allclose(areas, 1.0, rtol=1e-6) else "count"
    else:
        curves = _histogram_arrays(arrays, names, bins, value_range)
        ylabel = "density"
    fig, ax = _figure_for(ax, (7.0, 3.2))
    many = len(curves) > len(PALETTE)
    colors = mpl.colormaps[SEQUENTIAL](np.linspace(0, 0.9, len(curves))) if many else PALETTE
    with style():
        for color, (name, centres, counts, mean, std) in zip(colors, curves, strict=False):
            label = f"{name}: mean {mean:+.3f}, std {std:.3f}"
            ax.plot(centres, counts, color=color, lw=1.5, label=label)
        ax.set_xlabel("value")
        ax.set_ylabel(ylabel)
        ax.set_title(title or "Distribution per layer")
        ax.legend(loc="best", fontsize=8)
    return fig


__all__ = [
    "COLORS",
    "DIVERGING",
    "DIVERGING_LIGHT",
    "FIGURE_DPI",
    "MARKERS",
    "PALETTE",
    "PropertiesTable",
    "activation_curve",
    "activation_grid",
    "catalogue",
    "confusion_counts",
    "confusion_matrix",
    "curve_label",
    "decision_surface",
    "dense_shapes",
    "grid_points",
    "histograms_by_layer",
    "image_grid",
    "keras_activation_curve",
    "layer_stats",
    "learning_curves",
    "new_figure",
    "plot_activation",
    "properties_table",
    "scatter_classes",
    "style",
]
