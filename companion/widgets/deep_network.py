"""The deep-network explorer: activations and gradients, layer by layer, in a deep MLP."""

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import QuadMesh
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from companion import plots
from companion.utils import blas_threads
from companion.widgets.base import (
    _axis_layers,
    _check_choice,
    _check_number,
    _FigureWidget,
    _fix_label,
    _widget_seed,
    nice_limits,
)

#: Activations the deep-network explorer offers (elementwise, no required arguments).
DEEP_ACTIVATIONS = (
    "linear",
    "sigmoid",
    "tanh",
    "softsign",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "softplus",
)
#: Kernel initializers it offers, by Keras name, with the label shown in the dropdown. The
#: first three have a fixed scale whatever the layer size (Keras's defaults: 0.05).
DEEP_INITIALIZERS = {
    "random_normal": "random_normal (std 0.05)",
    "random_uniform": "random_uniform (±0.05)",
    "truncated_normal": "truncated_normal (std 0.05)",
    "glorot_uniform": "glorot_uniform",
    "glorot_normal": "glorot_normal",
    "he_uniform": "he_uniform",
    "he_normal": "he_normal",
    "lecun_uniform": "lecun_uniform",
    "lecun_normal": "lecun_normal",
    "orthogonal": "orthogonal",
    "zeros": "zeros",
}
DEPTH_RANGE = (2, 50)
WIDTH_RANGE = (4, 256)
N_CLASSES = 10
# White (empty bin) to the palette's blue (the layer's fullest bin): one hue, readable with
# every colour-vision deficiency. The gaps between layers are masked cells, drawn transparent.
HISTOGRAM_CMAP = LinearSegmentedColormap.from_list(
    "white_blue", ["#FFFFFF", plots.PALETTE[0]]
).with_extremes(bad=(0.0, 0.0, 0.0, 0.0))


class DeepNetworkExplorer(_FigureWidget):
    """Activations and gradients, layer by layer, in a deep stack of Dense layers.

    The network is ``depth`` hidden layers ``Dense(width, activation,
    kernel_initializer=...)`` and a ``Dense(10, "softmax")`` output, run on a fixed batch of
    ``n_samples`` standard-normal inputs (``n_samples x width``) with random labels in 0..9 and
    the sparse categorical cross-entropy, so that every kernel gets a gradient. Everything
    random is derived from ``seed``; hidden layer ``i`` always gets the same weights for the same
    (seed, width, initializer), so adding layers leaves the first ones as they were.

    Left panel: one row per hidden layer, the histogram of its outputs over the batch; right
    panel: the histogram of the gradient of its kernel. Both come from
    ``diagnostics.activation_histograms`` / ``diagnostics.gradient_histograms`` with their
    default bins (each layer's own min..max), drawn at their place on a shared value axis, each
    row coloured relative to its fullest bin. A row narrower than 1% of the axis is drawn 1%
    wide so that it stays visible: a dot at 0 means "everything is (nearly) 0 here".

    Controls: ``depth``, ``width``, ``activation``, ``kernel_initializer``. After each update:
    ``model``, ``x``, ``y`` (the batch), ``last_activation_rows`` / ``last_gradient_rows`` (the
    diagnostics tables, output layer included), ``last_summary`` and ``last_text``.

    >>> explorer = DeepNetworkExplorer(depth=5, width=20)
    >>> explorer.update(activation="relu").last_summary["dead_pct"] >= 0
    True
    """

    def __init__(
        self,
        depth=20,
        width=100,
        activation="tanh",
        kernel_initializer="glorot_uniform",
        seed=0,
        n_samples=256,
        bins=40,
    ):
        super().__init__()
        depth = _check_number("depth", depth, *DEPTH_RANGE, integer=True)
        width = _check_number("width", width, *WIDTH_RANGE, integer=True)
        _check_choice("activation", activation, DEEP_ACTIVATIONS)
        _check_choice("kernel_initializer", kernel_initializer, DEEP_INITIALIZERS)
        self.n_samples = _check_number("n_samples", n_samples, 2, 100_000, integer=True)
        self.bins = _check_number("bins", bins, 2, 1000, integer=True)
        self.seed = _widget_seed(seed)
        style = {"description_width": "initial"}
        # Dragging depth or width rebuilds the network: update when the slider is released.
        self.controls["depth"] = widgets.IntSlider(
            value=depth, min=DEPTH_RANGE[0], max=DEPTH_RANGE[1], description="depth",
            continuous_update=False, style=style,
        )  # fmt: skip
        self.controls["width"] = widgets.IntSlider(
            value=width, min=WIDTH_RANGE[0], max=WIDTH_RANGE[1], description="width",
            continuous_update=False, style=style,
        )  # fmt: skip
        self.controls["activation"] = widgets.Dropdown(
            options=DEEP_ACTIVATIONS, value=activation, description="activation"
        )
        self.controls["kernel_initializer"] = widgets.Dropdown(
            options=[(label, name) for name, label in DEEP_INITIALIZERS.items()],
            value=kernel_initializer,
            description="initializer",
        )
        c = self.controls
        self.widget = widgets.VBox(
            [
                widgets.HBox([c["depth"], c["width"]]),
                widgets.HBox([c["activation"], c["kernel_initializer"]]),
                self.output,
            ]
        )
        self.model = self.x = self.y = None
        self.last_activation_rows = self.last_gradient_rows = None
        self.last_summary = {}
        self._meshes = {}
        self._hidden_layers = {}  # (width, initializer) -> built hidden layers, see build_model
        self._output_layers = {}  # width -> the output layer
        self._batch = None
        self._build_figure()
        self._watch()
        self.update()

    #: How many (width, initializer) networks ``build_model`` keeps for reuse.
    KEPT_NETWORKS = 4

    _CHECKS = {
        "depth": lambda v: _check_number("depth", v, *DEPTH_RANGE, integer=True),
        "width": lambda v: _check_number("width", v, *WIDTH_RANGE, integer=True),
        "activation": lambda v: _check_choice("activation", v, DEEP_ACTIVATIONS),
        "kernel_initializer": lambda v: _check_choice("kernel_initializer", v, DEEP_INITIALIZERS),
    }

    def _build_figure(self):
        fig = Figure(figsize=(9.0, 3.9), dpi=plots.FIGURE_DPI)
        FigureCanvasAgg(fig)
        with plots.style():
            self.ax_act = fig.add_axes((0.065, 0.13, 0.38, 0.76))
            self.ax_grad = fig.add_axes((0.525, 0.13, 0.38, 0.76))
            cax = fig.add_axes((0.925, 0.13, 0.015, 0.76))
            fig.colorbar(
                ScalarMappable(norm=Normalize(0.0, 1.0), cmap=HISTOGRAM_CMAP),
                cax=cax,
                label="share of the layer's fullest bin",
            )
            titles = ("activations of each hidden layer", "gradient of each hidden kernel")
            xlabels = ("layer output", "d loss / d kernel")
            self._zero_lines = []
            for ax, title, xlabel in zip((self.ax_act, self.ax_grad), titles, xlabels):
                ax.set_title(title)
                ax.set_xlabel(xlabel)
                ax.set_ylabel("hidden layer")
                ax.grid(False)
                # Few ticks: tick labels are what makes a redraw slow.
                ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
                ax.yaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
                self._zero_lines.append(ax.axvline(0.0, color="0.45", lw=0.8))
                # Placed for the widest tick labels (two digits, at the largest depth) and kept
                # there, so that no depth change measures the tick labels to place them.
                ax.set_ylim(DEPTH_RANGE[1] + 0.5, 0.5)
            fig.canvas.draw()
            for ax in (self.ax_act, self.ax_grad):
                _fix_label(ax.yaxis)
        self.figure = fig
        self._layers = _axis_layers((self.ax_act, self.ax_grad))

    def build_model(self, depth, width, activation, kernel_initializer):
        """The explorer's network for these settings (built, with its weights drawn).

        Drawing the weights is the slow part of a small network (an orthogonal kernel is a QR
        decomposition), so the hidden layers of the last few (width, initializer) pairs are
        kept and reused: a new activation is set on them, a deeper network adds layers below
        the ones it has. The weights are those a fresh network would draw for these settings.
        """
        from companion import activations, layers, models

        key = (width, kernel_initializer)
        hidden = self._hidden_layers.pop(key, [])
        self._hidden_layers[key] = hidden  # the most recently used pair last
        while len(self._hidden_layers) > self.KEPT_NETWORKS:
            del self._hidden_layers[next(iter(self._hidden_layers))]
        for i in range(len(hidden) + 1, depth + 1):
            layer = layers.Dense(
                width,
                kernel_initializer=kernel_initializer,
                seed=np.random.default_rng([self.seed, 2, i]),
                name=f"hidden_{i}",
            )
            layer.build(width)
            hidden.append(layer)
        for layer in hidden[:depth]:
            layer.activation = activations.get(activation)
        if width not in self._output_layers:
            self._output_layers[width] = layers.Dense(
                N_CLASSES,
                activation="softmax",
                seed=np.random.default_rng([self.seed, 3]),
                name="output",
            )
        model = models.Sequential(
            [*hidden[:depth], self._output_layers[width]], name="deep_network"
        )
        model.build((None, width))
        return model

    def batch(self, width):
        """The fixed batch for inputs of ``width`` features: (x float32, random labels 0..9)."""
        if self._batch is None or self._batch[0].shape[1] != width:
            x = np.random.default_rng([self.seed, 0]).standard_normal((self.n_samples, width))
            y = np.random.default_rng([self.seed, 1]).integers(0, N_CLASSES, self.n_samples)
            self._batch = x.astype(np.float32), y
        return self._batch

    def update(self, **values):
        """Apply ``values`` (e.g. ``depth=30, activation="relu"``) and recompute everything."""
        checked = {}
        for key, value in values.items():
            if key not in self.controls:
                self._set(key, value)  # the ValueError listing the controls
            checked[key] = self._CHECKS[key](value)
        with self._quiet():
            for key, value in checked.items():
                self._set(key, value)
        from companion import diagnostics

        c = self.controls
        depth, width = c["depth"].value, c["width"].value
        activation, initializer = c["activation"].value, c["kernel_initializer"].value
        # Products of at most 256 x 256 x 256, far below companion.models.ONE_BLAS_THREAD_BELOW:
        # one BLAS thread, as fit uses. On a busy machine more threads wait for each other.
        with blas_threads(1):
            self.model = self.build_model(depth, width, activation, initializer)
            self.x, self.y = self.batch(width)
            acts, grads = diagnostics.network_histograms(
                self.model, self.x, self.y, loss="sparse_categorical_crossentropy", bins=self.bins
            )
        self.last_activation_rows, self.last_gradient_rows = acts, grads
        # The last row of each table is the softmax output layer: not a hidden layer.
        hidden_acts, hidden_grads = acts[:depth], grads[:depth]
        for ax, rows in ((self.ax_act, hidden_acts), (self.ax_grad, hidden_grads)):
            self._draw_rows(ax, rows)
        self._dynamic = [
            self._meshes[self.ax_act],
            self._meshes[self.ax_grad],
            *self._zero_lines,
            *self.ax_act.spines.values(),
            *self.ax_grad.spines.values(),
        ]
        self.last_summary = self._summarise(hidden_acts, hidden_grads)
        self._show(self._describe_summary(depth, width, activation, initializer))
        return self

    def _draw_rows(self, ax, rows):
        """One row of cells per layer, at the layer's own bin edges, on a shared value axis."""
        edges = [np.asarray(row["edges"], dtype=np.float64) for row in rows]
        counts = [np.asarray(row["counts"], dtype=np.float64) for row in rows]
        # diagnostics histograms the finite values only, so every edge is finite.
        lo, hi = min(e[0] for e in edges), max(e[-1] for e in edges)
        current = ax.get_xlim() if ax in self._meshes else None
        xlim = nice_limits(lo, hi, current)
        min_span = 0.01 * (xlim[1] - xlim[0])
        n, b = len(rows), self.bins
        # Two mesh rows per layer (its cells, then a masked gap to the next layer), so each
        # layer keeps its own x edges: a QuadMesh shares vertices only between adjacent rows.
        coords = np.empty((2 * n, b + 1, 2))
        # Masked cells over zeros (not masked_all's uninitialised memory, which the colour
        # mapping would still multiply, overflowing).
        cells = np.ma.array(np.zeros((2 * n - 1, b)), mask=True)
        for i, (e, k) in enumerate(zip(edges, counts, strict=True)):
            if e[-1] - e[0] < min_span:
                centre = 0.5 * (e[0] + e[-1])
                e = centre + np.linspace(-0.5, 0.5, b + 1) * min_span
            coords[2 * i : 2 * i + 2, :, 0] = e
            coords[2 * i, :, 1] = i + 1 - 0.42
            coords[2 * i + 1, :, 1] = i + 1 + 0.42
            peak = k.max()
            cells[2 * i] = k / peak if peak > 0 else 0.0
        old = self._meshes.get(ax)
        if old is not None:
            old.remove()
        mesh = QuadMesh(coords, cmap=HISTOGRAM_CMAP, norm=Normalize(0.0, 1.0), antialiased=False)
        mesh.set_array(cells)
        ax.add_collection(mesh, autolim=False)
        self._meshes[ax] = mesh
        ax.set_xlim(xlim)
        ax.set_ylim(n + 0.5, 0.5)  # layer 1 at the top: the data flows down

    @staticmethod
    def _summarise(acts, grads):
        first, last = grads[0]["grad_norm"], grads[-1]["grad_norm"]
        saturated = [row["saturated_pct"] for row in acts]
        dead = [row["dead_pct"] for row in acts]
        return {
            "last_activation_std": acts[-1]["std"],
            "activation_std": [row["std"] for row in acts],
            "grad_norm": [row["grad_norm"] for row in grads],
            "grad_norm_ratio": first / last if last > 0 else float("nan"),
            # Every hidden layer has the same number of outputs and units, so the mean of the
            # per-layer percentages is the percentage over the whole network.
            "saturated_pct": float(np.mean(saturated)),
            "dead_pct": float(np.mean(dead)),
        }

    def _describe_summary(self, depth, width, activation, initializer):
        s = self.last_summary
        parts = [
            f"{depth} × Dense({width}, {activation!r}), {initializer}: "
            f"std of layer {depth}'s outputs {s['last_activation_std']:.3g}",
            f"gradient norm layer 1 / layer {depth} = {s['grad_norm_ratio']:.3g}"
            if np.isfinite(s["grad_norm_ratio"])
            else f"the gradient of layer {depth}'s kernel is 0",
        ]
        if np.isfinite(s["saturated_pct"]):
            parts.append(f"saturated outputs {s['saturated_pct']:.1f}%")
        if np.isfinite(s["dead_pct"]):
            parts.append(f"dead units {s['dead_pct']:.1f}%")
        return "; ".join(parts)

    def _summary(self):
        c = self.controls
        return {k: c[k].value for k in ("depth", "width", "activation", "kernel_initializer")}


def deep_network_explorer(
    depth=20, width=100, activation="tanh", kernel_initializer="glorot_uniform", seed=0
):
    """A ``DeepNetworkExplorer``: per-layer activation and gradient histograms of a deep MLP.

    ``depth`` hidden layers (2 to 50) of ``width`` units (4 to 256), one of
    ``DEEP_ACTIVATIONS`` and one of ``DEEP_INITIALIZERS``; show it as the last line of a cell.
    """
    return DeepNetworkExplorer(
        depth=depth,
        width=width,
        activation=activation,
        kernel_initializer=kernel_initializer,
        seed=seed,
    )
