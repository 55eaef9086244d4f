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

from companion.utils import as_float_array, check_bool, format_table

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
    squeeze = check_bool(squeeze, "squeeze")
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
    derivative = check_bool(derivative, "derivative")
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
    derivative = check_bool(derivative, "derivative")
    keras_overlay = check_bool(keras_overlay, "keras_overlay")
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
        ax.set_ylabel("f(x), f'(x)" if derivative else "f(x)")
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
    derivative = check_bool(derivative, "derivative")
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
            label = curve_label(name)  # "log_softmax([x, 0])[0]" needs a smaller font to fit
            ax.set_title(label, **({"fontsize": 8.5} if len(label) > 14 else {}))
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


def dense_shapes(batch, in_features, units, to_scale_up_to=16):
    """A diagram of ``y = x @ W + b`` with each array drawn as a grid of its entries.

    Up to ``to_scale_up_to`` entries per axis every entry is one unit square, so the boxes are
    drawn to scale (``x`` (5, 3) is 5 squares high and 3 wide; ``b`` is one row of squares) and
    the entries that make ``y[0, 0]`` are shaded: row 0 of ``x``, column 0 of ``W`` and ``b[0]``
    (``y[0, 0] = x[0, :] · W[:, 0] + b[0]``). Larger sizes (784) are drawn with sides that grow
    with the square root of the size, and the subtitle says "not to scale". The subtitle counts
    the layer's parameters: ``in_features * units + units``.

    Example::

        >>> fig = dense_shapes(4, 3, 2)
        >>> [t.get_text() for t in fig.axes[0].texts][:4]
        ['x', '(4, 3)', '@', 'W']
    """
    batch = _positive_int(batch, "batch")
    in_features = _positive_int(in_features, "in_features")
    units = _positive_int(units, "units")
    largest = max(batch, in_features, units)
    to_scale = largest <= to_scale_up_to
    if to_scale:
        unit = 2.6 / max(largest, 4)
        side = lambda d: d * unit
    else:
        side = lambda d: 0.35 + 2.0 * np.sqrt(d / largest)
    # (label, shape, colour, which row/column is shaded to show where y[0, 0] comes from)
    boxes = [
        ("x", (batch, in_features), PALETTE[4], ("row", 0)),
        ("@", None, None, None),
        ("W", (in_features, units), PALETTE[1], ("col", 0)),
        ("+", None, None, None),
        ("b", (units,), PALETTE[2], ("col", 0)),
        ("=", None, None, None),
        ("y", (batch, units), PALETTE[0], ("cell", 0)),
    ]
    fig, ax = new_figure(figsize=(8.0, 3.4))
    left = 0.0
    with style():
        for label, shape, color, shade in boxes:
            if shape is None:
                ax.text(left + 0.25, 0.0, label, ha="center", va="center", fontsize=16)
                left += 0.5
                continue
            rows, cols = (1, shape[0]) if len(shape) == 1 else shape
            w, h = side(cols), side(rows)
            top = h / 2
            ax.add_patch(
                Rectangle((left, -h / 2), w, h, facecolor=color, edgecolor="black", alpha=0.45)
            )
            if to_scale:
                for r in range(rows):
                    for c in range(cols):
                        kind, k = shade
                        dark = (
                            (kind == "row" and r == k)
                            or (kind == "col" and c == k)
                            or (kind == "cell" and r == k and c == k)
                        )
                        ax.add_patch(
                            Rectangle(
                                (left + c * unit, top - (r + 1) * unit),
                                unit,
                                unit,
                                facecolor=color if dark else "none",
                                edgecolor="black",
                                lw=0.6,
                                hatch="//" if dark else None,
                            )
                        )
            ax.text(left + w / 2, h / 2 + 0.08, label, ha="center", va="bottom", fontsize=13)
            ax.text(left + w / 2, -h / 2 - 0.08, str(shape), ha="center", va="top", fontsize=10)
            left += w + 0.1
        params = in_features * units + units
        ax.set_xlim(-0.2, left + 0.1)
        ax.set_ylim(-1.7, 1.7)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title("Dense layer: y = x @ W + b")
        note = (
            "hatched: y[0, 0] = x[0, :] · W[:, 0] + b[0]"
            if to_scale
            else "box sides grow with the square root of the size (not to scale)"
        )
        ax.text(
            0.5,
            -0.02,
            f"{note}\nbatch={batch}, in_features={in_features}, units={units}: "
            f"W has {in_features} x {units} = {in_features * units} weights, b has {units} "
            f"biases, {params} parameters in all",
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=9,
        )
    return fig


def _as_kernels(kernels):
    if isinstance(kernels, np.ndarray) and kernels.ndim == 2:
        kernels = [kernels]
    if not isinstance(kernels, (list, tuple)) or not kernels:
        raise TypeError(
            "kernels must be a 2-D array or a non-empty list of 2-D arrays (one per layer), "
            f"but got {type(kernels).__name__}."
        )
    arrays = [as_float_array(k, name=f"kernels[{i}]") for i, k in enumerate(kernels)]
    for i, k in enumerate(arrays):
        if k.ndim != 2:
            raise ValueError(f"kernels[{i}] must be 2-D (n_in, units), but got shape {k.shape}.")
        if i and k.shape[0] != arrays[i - 1].shape[1]:
            raise ValueError(
                f"kernels[{i}] has shape {k.shape} but the layer before has "
                f"{arrays[i - 1].shape[1]} units: its first axis must be "
                f"{arrays[i - 1].shape[1]}."
            )
        if max(k.shape) > 12:
            raise ValueError(f"network_diagram draws at most 12 units a layer; got {k.shape}.")
    return arrays


def network_diagram(kernels, biases=None, title=None, matrix=0):
    """Neurons as circles and weights as arrows, with one layer's kernel printed beside them.

    ``kernels`` is one kernel ``(n_in, units)`` (one dense layer; a single neuron when
    ``units`` is 1) or a list of them (an MLP). An arrow's width grows with ``|w|``; positive
    weights are solid blue, negative ones dashed vermillion. With one or two layers of at
    most 3 x 4 weights each weight is written on its arrow. On the right, the kernel of layer
    ``matrix`` is printed as a matrix whose column ``j`` holds the weights of unit ``j`` (and,
    with ``biases``, the bias vector under it).

    Example::

        >>> fig = network_diagram(np.array([[0.2], [0.4], [-0.1]]), [np.array([0.3])])
        >>> fig.axes[0].get_title()
        'One neuron: 3 inputs, 1 unit'
    """
    kernels = _as_kernels(kernels)
    if biases is not None:
        biases = [as_float_array(b, name=f"biases[{i}]").ravel() for i, b in enumerate(biases)]
        if len(biases) != len(kernels) or any(
            b.size != k.shape[1] for b, k in zip(biases, kernels, strict=False)
        ):
            raise ValueError("biases must hold one vector of `units` numbers per kernel.")
    if not isinstance(matrix, numbers.Integral) or not 0 <= matrix < len(kernels):
        raise ValueError(f"matrix must be a layer index from 0 to {len(kernels) - 1}.")
    sizes = [kernels[0].shape[0]] + [k.shape[1] for k in kernels]
    fig, (ax, ax_m) = new_figure(1, 2, figsize=(8.5, 3.6))
    fig.get_layout_engine().set(wspace=0.05)
    label_weights = sum(k.size for k in kernels) <= 16
    top = max(np.abs(k).max() for k in kernels) or 1.0
    with style():
        pos = {}
        for layer, n in enumerate(sizes):
            for i in range(n):
                pos[layer, i] = (layer * 2.0, (n - 1) / 2 - i)
        for layer, kernel in enumerate(kernels):
            for i in range(kernel.shape[0]):
                for j in range(kernel.shape[1]):
                    w = kernel[i, j]
                    (x0, y0), (x1, y1) = pos[layer, i], pos[layer + 1, j]
                    positive = w >= 0
                    ax.annotate(
                        "",
                        (x1 - 0.22, y1 + (y0 - y1) * 0.11),
                        xytext=(x0 + 0.22, y0 - (y0 - y1) * 0.11),
                        arrowprops={
                            "arrowstyle": "-|>",
                            "color": PALETTE[0] if positive else PALETTE[3],
                            "lw": 0.6 + 2.4 * abs(w) / top,
                            "ls": "-" if positive else "--",
                            "shrinkA": 0,
                            "shrinkB": 0,
                        },
                    )
                    if label_weights:
                        t = 0.3 if kernel.shape[1] > 1 else 0.5
                        ax.text(
                            x0 + (x1 - x0) * t,
                            y0 + (y1 - y0) * t + 0.08,
                            f"{w:+.2g}",
                            fontsize=8,
                            ha="center",
                            color=PALETTE[0] if positive else PALETTE[3],
                            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"},
                        )
        for (layer, i), (x, y) in pos.items():
            name = f"x{i + 1}" if layer == 0 else f"u{i}" if len(kernels) == 1 else f"h{layer}.{i}"
            ax.add_patch(
                mpl.patches.Circle(
                    (x, y),
                    0.22,
                    facecolor="white" if layer == 0 else PALETTE[4],
                    edgecolor="black",
                    zorder=3,
                )
            )
            ax.text(x, y, name, ha="center", va="center", fontsize=7 if len(name) > 2 else 8,
                    zorder=4)  # fmt: skip
            if layer and biases is not None:  # on a white pad above the arrows, to stay legible
                pad = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"}
                ax.text(x + 0.26, y - 0.26, f"b={biases[layer - 1][i]:+.2g}", fontsize=7.5,
                        va="top", zorder=5, bbox=pad)  # fmt: skip
        ax.set_xlim(-0.5, 2.0 * len(kernels) + 0.9)
        ax.set_ylim(-max(sizes) / 2 - 0.1, max(sizes) / 2 + 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        if title is None:
            if len(kernels) == 1 and sizes[1] == 1:
                title = f"One neuron: {sizes[0]} inputs, 1 unit"
            elif len(kernels) == 1:
                title = f"A dense layer: {sizes[0]} inputs, {sizes[1]} units"
            else:
                title = "An MLP: " + " → ".join(map(str, sizes))
        ax.set_title(title)
        kernel = kernels[matrix]
        rows = [[f"{w:+.2f}" for w in row] for row in kernel]
        row_labels = [f"from {'x' if matrix == 0 else f'h{matrix}.'}{i + (matrix == 0)}"
                      for i in range(kernel.shape[0])]  # fmt: skip
        if biases is not None:
            rows.append([f"{v:+.2f}" for v in biases[matrix]])
            row_labels.append("bias b")
        col_labels = [f"unit {j}" for j in range(kernel.shape[1])]
        table = ax_m.table(
            cellText=rows,
            rowLabels=row_labels,
            colLabels=col_labels,
            loc="center",
            cellLoc="center",
        )
        table.scale(1.0, 1.4)
        for cell in table.get_celld().values():
            cell.set_edgecolor("0.6")
        ax_m.axis("off")
        ax_m.set_title(
            f"kernel W of layer {matrix + 1}, shape {kernel.shape}:\ncolumn j = unit j's weights"
        )
    return fig


def fit_comparison(x, target, fits, title="Fitting the same curve", xlabel="x", ylabel="y"):
    """The target curve (black dots) and several fits of it, each with its own colour and style.

    ``fits`` maps a label to the fitted values on ``x``; each legend entry gives that fit's
    largest error ``max |fit - target|``.

    Example::

        >>> x = np.linspace(-1, 1, 5)
        >>> fig = fit_comparison(x, x**2, {"a line": 0 * x + 0.5})
        >>> fig.axes[0].get_legend().get_texts()[1].get_text()
        'a line (max error 0.5)'
    """
    x = _check_x(x)
    target = as_float_array(target, name="target")
    if target.shape != x.shape:
        raise ValueError(f"target has shape {target.shape}, x has {x.shape}; they must match.")
    if not isinstance(fits, dict) or not fits:
        raise TypeError("fits must be a non-empty dict {label: fitted values}.")
    fig, ax = new_figure(figsize=(6.5, 3.8))
    styles = ["-", "--", "-.", ":"]
    with style():
        step = max(1, x.size // 40)
        ax.plot(x[::step], target[::step], "o", color=PALETTE[7], ms=3, label="target")
        for k, (label, values) in enumerate(fits.items()):
            values = as_float_array(values, name=f"fits[{label!r}]")
            if values.shape != x.shape:
                raise ValueError(f"fits[{label!r}] has shape {values.shape}, x has {x.shape}.")
            error = float(np.max(np.abs(values - target)))
            ax.plot(
                x,
                values,
                color=PALETTE[k % len(PALETTE)],
                ls=styles[k % len(styles)],
                lw=2,
                label=f"{label} (max error {error:.2g})",
            )
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
        # Below the axes: a curve that fills the plot leaves no corner for the legend.
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8)
    return fig


def sigmoid_saturation(inputs, title="Where inputs land decides the sigmoid's slope"):
    """Top: sigmoid and its slope. Bottom: histograms of pre-activations, one per label.

    ``inputs`` maps a label (e.g. ``"weights × 1"``) to an array of pre-activations ``z``. Each
    legend entry gives the mean slope ``mean σ'(z)`` over that array: the factor by which, on
    average, the sigmoid scales the gradient that flows back through it.

    Example::

        >>> fig = sigmoid_saturation({"narrow": np.zeros(10)})
        >>> fig.axes[1].get_legend().get_texts()[0].get_text()
        "narrow: mean σ'(z) = 0.25"
    """
    if not isinstance(inputs, dict) or not inputs:
        raise TypeError("inputs must be a non-empty dict {label: array of pre-activations}.")
    arrays = {k: as_float_array(v, name=f"inputs[{k!r}]").ravel() for k, v in inputs.items()}
    reach = max(6.0, max(float(np.max(np.abs(a))) for a in arrays.values()))
    z = np.linspace(-reach, reach, 801)
    sig = lambda v: 0.5 * (1.0 + np.tanh(v / 2))
    slope = lambda v: sig(v) * (1 - sig(v))
    fig, (ax, ax_h) = new_figure(2, 1, figsize=(6.5, 4.6), sharex=True)
    styles = ["-", "--", "-.", ":"]
    with style():
        ax.plot(z, sig(z), color=PALETTE[0], lw=2, label="σ(z)")
        ax.plot(z, slope(z), color=PALETTE[1], lw=2, ls="--", label="slope σ'(z), at most 0.25")
        ax.set(xlabel="z", ylabel="σ(z), σ'(z)")
        fig.suptitle(title)
        ax.legend(loc="center right")
        bins = np.linspace(-reach, reach, 61)
        for k, (label, a) in enumerate(arrays.items()):
            ax_h.hist(
                a,
                bins=bins,
                density=True,
                histtype="step",
                lw=2,
                color=PALETTE[(k + 2) % len(PALETTE)],
                ls=styles[k % len(styles)],
                label=f"{label}: mean σ'(z) = {float(np.mean(slope(a))):.2g}",
            )
        ax_h.set(xlabel="pre-activation z", ylabel="density")
        ax_h.legend(loc="upper left", fontsize=8)
    return fig


def graph_diagram(nodes, edges, title, figsize=(9.0, 3.6)):
    """A computational graph: boxes for values and operations, arrows with two numbers each.

    ``nodes`` maps a name to ``(x, y, label)``; ``edges`` is a list of
    ``(source, target, forward, backward)``: the value that flows forward along the arrow
    (written above it, blue) and the gradient of the loss with respect to that value, which
    flows back (written below it, vermillion, in italics). Either text may be ``""``.

    Example::

        >>> fig = graph_diagram({"a": (0, 0, "a"), "b": (1, 0, "b")}, [("a", "b", "2", "-1")],
        ...                     "tiny")
        >>> fig.axes[0].get_title()
        'tiny'
    """
    if not isinstance(nodes, dict) or not nodes:
        raise TypeError("nodes must be a non-empty dict {name: (x, y, label)}.")
    for edge in edges:
        if len(edge) != 4 or edge[0] not in nodes or edge[1] not in nodes:
            raise ValueError(
                f"each edge must be (source, target, forward, backward) between known nodes; "
                f"got {edge!r}."
            )
    fig, ax = new_figure(figsize=figsize)
    with style():
        box = {"boxstyle": "round,pad=0.35", "fc": "white", "ec": PALETTE[7]}
        handles = {
            name: ax.text(x, y, label, ha="center", va="center", fontsize=10, bbox=box, zorder=3)
            for name, (x, y, label) in nodes.items()
        }
        for source, target, forward, backward in edges:
            (x0, y0, _), (x1, y1, _) = nodes[source], nodes[target]
            # The arrow ends at the boxes' edges (patchA/patchB), not at their centres, so a
            # wide box such as "L = Σ y ⊙ G" is not crossed by its own arrow.
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": PALETTE[7], "lw": 1.2,
                            "patchA": handles[source].get_bbox_patch(),
                            "patchB": handles[target].get_bbox_patch(),
                            "shrinkA": 3, "shrinkB": 3},
            )  # fmt: skip
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            # Labels sit above the arrows (zorder 4) on a white pad, so a line never runs
            # through their text.
            pad = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}
            if forward:
                ax.text(mx, my + 0.1, forward, ha="center", va="bottom", fontsize=8.5,
                        color=PALETTE[0], bbox=pad, zorder=4)  # fmt: skip
            if backward:
                ax.text(mx, my - 0.1, backward, ha="center", va="top", fontsize=8.5,
                        color=PALETTE[3], style="italic", bbox=pad, zorder=4)  # fmt: skip
        xs = [x for x, _, _ in nodes.values()]
        ys = [y for _, y, _ in nodes.values()]
        ax.set_xlim(min(xs) - 0.8, max(xs) + 1.3)
        ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
        ax.axis("off")
        ax.set_title(title)
        ax.text(
            0.5,
            -0.02,
            "above an arrow (blue): the value going forward · "
            "below it (vermillion, italics): dL/d(that value) coming back",
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=8,
        )
    return fig


def _fmt(value):
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr) + 0.0:.3g}"  # + 0.0 turns -0.0 into 0.0
    return str((np.round(arr, 2) + 0.0).tolist())


def scalar_neuron_graph(x, w, b):
    """The graph of ``L = tanh(w·x + b)`` for scalars, with values and gradients on the edges.

    Backward: ``dL/dz = 1 − tanh(z)²``, ``dL/dw = x·dL/dz``, ``dL/dx = w·dL/dz``,
    ``dL/db = dL/dz``.

    Example::

        >>> fig = scalar_neuron_graph(2.0, -0.5, 0.3)
        >>> fig.axes[0].get_title()
        'L = tanh(w·x + b) with x = 2, w = -0.5, b = 0.3'
    """
    x, w, b = (float(v) for v in (x, w, b))
    p = w * x
    z = p + b
    L = np.tanh(z)
    dz = 1 - L**2
    nodes = {
        "x": (0, 1, "x"),
        "w": (0, -1, "w"),
        "mul": (2, 0, "×"),
        "b": (2, -1.6, "b"),
        "add": (4, 0, "+"),
        "tanh": (6, 0, "tanh"),
        "L": (8, 0, "L"),
    }
    edges = [
        ("x", "mul", f"x = {_fmt(x)}", f"dL/dx = w·dL/dz = {_fmt(w * dz)}"),
        ("w", "mul", f"w = {_fmt(w)}", f"dL/dw = x·dL/dz = {_fmt(x * dz)}"),
        ("mul", "add", f"w·x = {_fmt(p)}", f"{_fmt(dz)}"),
        ("b", "add", f"b = {_fmt(b)}", f"dL/db = {_fmt(dz)}"),
        ("add", "tanh", f"z = {_fmt(z)}", f"dL/dz = 1 − tanh²(z)\n= {_fmt(dz)}"),
        ("tanh", "L", f"L = {_fmt(L)}", "dL/dL = 1"),
    ]
    title = f"L = tanh(w·x + b) with x = {_fmt(x)}, w = {_fmt(w)}, b = {_fmt(b)}"
    return graph_diagram(nodes, edges, title, figsize=(9.0, 3.4))


def dense_layer_graph(x, kernel, bias, grad_output):
    """The graph of one tanh dense layer, ``L = Σ tanh(x @ W + b) ⊙ G``, values and gradients.

    Every array is small (one or two samples, a few units), rounded to 2 decimals on the
    edges. Backward: ``δ = G ⊙ (1 − y²)``, ``dW = xᵀ @ δ``, ``db = Σₙ δ``, ``dx = δ @ Wᵀ``.

    Example::

        >>> fig = dense_layer_graph(np.ones((1, 2)), np.eye(2), np.zeros(2), np.ones((1, 2)))
        >>> fig.axes[0].get_title()
        'One dense layer, L = sum(tanh(x @ W + b) * G): x (1, 2), W (2, 2), b (2,)'
    """
    x = as_float_array(x, name="x")
    W = as_float_array(kernel, name="kernel")
    b = as_float_array(bias, name="bias")
    G = as_float_array(grad_output, name="grad_output")
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
        raise ValueError(
            f"need x (N, n_in), kernel (n_in, units), bias (units,); got {x.shape}, {W.shape}, "
            f"{b.shape}."
        )
    if G.shape != (x.shape[0], W.shape[1]) or x.size > 6 or W.size > 6:
        raise ValueError(
            "grad_output must have the output's shape (N, units), and x and the kernel at "
            f"most 6 entries each to fit on the edges; got x {x.shape}, kernel {W.shape}, "
            f"grad_output {G.shape}."
        )
    xw = x @ W
    z = xw + b
    y = np.tanh(z)
    delta = G * (1 - y**2)
    nodes = {
        "x": (0, 1.2, "x"),
        "W": (0, -1.2, "W"),
        "matmul": (4, 0, "@"),  # wide gaps: the array labels on the slanted edges fit
        "b": (4, -1.9, "b"),
        "add": (7, 0, "+"),
        "tanh": (10, 0, "tanh"),
        "L": (13.8, 0, "L = Σ y ⊙ G"),
    }
    edges = [
        ("x", "matmul", f"x = {_fmt(x)}", f"dx = δ @ Wᵀ\n= {_fmt(delta @ W.T)}"),
        ("W", "matmul", f"W = {_fmt(W)}", f"dW = xᵀ @ δ\n= {_fmt(x.T @ delta)}"),
        ("matmul", "add", f"x @ W = {_fmt(xw)}", f"δ = {_fmt(delta)}"),
        ("b", "add", f"b = {_fmt(b)}", f"db = Σₙ δ\n= {_fmt(delta.sum(axis=0))}"),
        ("add", "tanh", f"z = {_fmt(z)}", f"δ = G ⊙ (1 − y²)\n= {_fmt(delta)}"),
        ("tanh", "L", f"y = {_fmt(y)}", f"G = {_fmt(G)}"),
    ]
    title = f"One dense layer, L = sum(tanh(x @ W + b) * G): x {x.shape}, W {W.shape}, b {b.shape}"
    return graph_diagram(nodes, edges, title, figsize=(10.5, 4.0))


# ---------------------------------------------------------------------------------------------
# Keras model graphs


def graph_edges(model):
    """``(source, target)`` pairs of layer names of a Keras model, from ``model.get_config()``.

    Each layer's ``inbound_nodes`` in the config name the layers whose outputs it was called on
    (``keras_history``). A Sequential model's config lists no inbound nodes: its layers form a
    chain in the order of ``model.layers``.
    """
    import json
    import re

    config = model.get_config()
    layers = config.get("layers", [])
    if not any("inbound_nodes" in layer for layer in layers):  # Sequential: a chain
        names = [layer.name for layer in model.layers]
        first = _sequential_input_name(model)
        if first is not None:
            names.insert(0, first)
        return list(zip(names[:-1], names[1:], strict=False))
    edges = []
    for layer in layers:
        text = json.dumps(layer.get("inbound_nodes", []))
        sources = re.findall(r'"keras_history": \["([^"]+)"', text)
        edges += [(source, layer["name"]) for source in sources]
    return edges


def _sequential_input_name(model):
    """The name of a built Sequential model's ``keras.Input`` (not one of ``model.layers``)."""
    try:
        return model.inputs[0].name
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _graphviz_available():
    import importlib.util
    import shutil

    return importlib.util.find_spec("pydot") is not None and shutil.which("dot") is not None


def _keras_plot_model(model, title):
    import os
    import tempfile

    import keras
    from matplotlib.image import imread

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.png")
        keras.utils.plot_model(model, to_file=path, show_shapes=True, show_layer_names=True,
                               dpi=72)  # fmt: skip
        image = imread(path)
    height, width = image.shape[:2]
    scale = min(1.0, 7.0 / (width / 72), 6.0 / (height / 72))
    fig, ax = new_figure(figsize=(width / 72 * scale + 0.2, height / 72 * scale + 0.5))
    with style():
        ax.imshow(image, cmap="gray")
        ax.axis("off")
        ax.set_title(title)
    return fig


def model_graph(model, title=None, use_keras=None):
    """Draw a Keras model's graph: ``keras.utils.plot_model`` if Graphviz is installed.

    ``use_keras=None`` (the default) uses ``keras.utils.plot_model`` (with shapes) when the
    ``pydot`` package and Graphviz's ``dot`` program are present, and the companion's own
    drawing otherwise: each layer a box, one row below the deepest layer that feeds it, edges
    read from ``model.get_config()`` (``graph_edges``), and an edge that skips a row drawn as a
    dashed orange arc. Either way the result is a Figure.
    """
    title = title or model.name
    if use_keras or (use_keras is None and _graphviz_available()):
        try:
            return _keras_plot_model(model, title)
        except Exception:  # a broken Graphviz install: fall back to the companion's drawing
            if use_keras:
                raise
    edges = graph_edges(model)
    names = [layer.name for layer in model.layers]
    names = [n for n in dict.fromkeys(n for edge in edges for n in edge) if n not in names] + names
    depth = dict.fromkeys(names, 0)
    for _ in names:  # longest path from an input; enough passes for any acyclic graph
        for source, target in edges:
            depth[target] = max(depth[target], depth[source] + 1)
    rows = {}
    for n in names:
        rows.setdefault(depth[n], []).append(n)
    layer_names = {layer.name for layer in model.layers}
    width = max(len(r) for r in rows.values())
    fig, ax = new_figure(figsize=(max(4.5, 2.6 * width), 0.62 * len(rows) + 0.6))
    with style():
        box = {"boxstyle": "round", "fc": "white", "ec": PALETTE[0]}
        text = {}
        for d, row in rows.items():
            for i, n in enumerate(row):
                kind = type(model.get_layer(n)).__name__ if n in layer_names else "Input"
                text[n] = ax.text(i - (len(row) - 1) / 2, -d, f"{n} ({kind})", ha="center",
                                  va="center", bbox=box, fontsize=9)  # fmt: skip
        for source, target in edges:
            skip = depth[target] - depth[source] > 1
            ends = ((1, 0.5), (1, 0.5)) if skip else ((0.5, 1), (0.5, 0))
            ax.annotate(
                "",
                ends[0],
                xycoords=text[target],
                xytext=ends[1],
                textcoords=text[source],
                arrowprops={
                    "arrowstyle": "->",
                    "color": PALETTE[1] if skip else PALETTE[7],
                    "ls": "--" if skip else "-",
                    "connectionstyle": f"arc3,rad={-0.6 if skip else 0}",
                },
            )
        ax.set(xlim=(-width / 2 - 0.6, width / 2 + 0.6), ylim=(-len(rows) + 0.5, 0.5))
        ax.set_title(title)
        ax.axis("off")
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
    normalize = check_bool(normalize, "normalize")
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
    log = check_bool(log, "log")
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
    "dense_layer_graph",
    "dense_shapes",
    "fit_comparison",
    "graph_diagram",
    "graph_edges",
    "grid_points",
    "histograms_by_layer",
    "image_grid",
    "keras_activation_curve",
    "layer_stats",
    "learning_curves",
    "model_graph",
    "network_diagram",
    "new_figure",
    "plot_activation",
    "properties_table",
    "scalar_neuron_graph",
    "scatter_classes",
    "sigmoid_saturation",
    "style",
]
