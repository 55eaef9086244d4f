"""The neuron playground: one neuron ``a = activation(w1 * x1 + w2 * x2 + b)`` on 2-D data."""

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from companion import plots
from companion.widgets.base import _FigureWidget, nice_limits


def neuron_activations():
    """The activations a single neuron can use: the elementwise ones of ``plots.catalogue()``."""
    acts = plots._activations()
    return [n for n in plots.catalogue() if getattr(acts.get(n), "elementwise", True)]


class NeuronPlayground(_FigureWidget):
    """One neuron on 2-D data: ``a = activation(w1 * x1 + w2 * x2 + b)`` as a heatmap.

    The black line is ``w1 * x1 + w2 * x2 + b = 0``, where the pre-activation changes sign; the
    printed accuracy is that of the rule "class 1 where z > 0". Controls: ``w1``, ``w2``, ``b``,
    ``activation`` (the elementwise activations) and ``dataset``.

    After each update: ``last_output`` (the activation on the grid), ``last_accuracy`` and
    ``last_text``.
    """

    def __init__(
        self,
        dataset="moons",
        activation="sigmoid",
        w1=1.0,
        w2=-1.0,
        b=0.0,
        n=200,
        noise=0.1,
        seed=0,
        resolution=80,
    ):
        super().__init__()
        from companion import data

        self._data = data
        self.n, self.noise, self.seed = n, noise, seed
        self.resolution = int(resolution)
        acts = plots._activations()
        self._acts = acts
        options = neuron_activations()
        if activation not in options:
            raise ValueError(f"activation must be one of {options}, but got {activation!r}.")
        datasets = sorted(data.DATASETS_2D)
        if dataset not in datasets:
            raise ValueError(f"dataset must be one of {datasets}, but got {dataset!r}.")
        slider = dict(min=-5.0, max=5.0, step=0.1, readout_format=".1f")
        self.controls["w1"] = widgets.FloatSlider(value=w1, description="w1", **slider)
        self.controls["w2"] = widgets.FloatSlider(value=w2, description="w2", **slider)
        self.controls["b"] = widgets.FloatSlider(value=b, description="b", **slider)
        self.controls["activation"] = widgets.Dropdown(
            options=options, value=activation, description="activation"
        )
        self.controls["dataset"] = widgets.Dropdown(
            options=datasets, value=dataset, description="dataset"
        )
        c = self.controls
        self.widget = widgets.VBox(
            [
                widgets.HBox([c["w1"], c["w2"], c["b"]]),
                widgets.HBox([c["activation"], c["dataset"]]),
                self.output,
            ]
        )
        self.last_output = None
        self.last_accuracy = None
        self._dataset = None
        self._activation = None
        self._build_figure()
        self._watch()
        self.update()

    def _build_figure(self):
        fig = Figure(figsize=(6.0, 4.0), dpi=plots.FIGURE_DPI)
        FigureCanvasAgg(fig)
        with plots.style():
            # Fixed positions: the main axes, and at the right a legend above the colour bar,
            # both outside the plot area so that they belong to the static background.
            self.ax = fig.add_axes((0.1, 0.12, 0.62, 0.78))
            self.cax = fig.add_axes((0.76, 0.12, 0.03, 0.56))
            self.image = self.ax.imshow(
                np.zeros((2, 2)),
                origin="lower",
                cmap=plots.DIVERGING_LIGHT,  # opaque: alpha blending costs time
                aspect="auto",
                extent=(0, 1, 0, 1),
                # Smooth, and cheaper than the default resampling of colours.
                interpolation="bilinear",
                interpolation_stage="data",
            )
            fig.colorbar(self.image, cax=self.cax, label="neuron output a")
            (self.line,) = self.ax.plot([], [], color="black", lw=1.5, label="w·x + b = 0")
            self.ax.set_xlabel("x1")
            self.ax.set_ylabel("x2")
            self.ax.grid(False)
        self.figure = fig
        self._points = []
        self._legend = None

    def _static_key(self):
        return (self._dataset, self.extent)

    def _load(self, name):
        X, y = self._data.make_2d(name, n=self.n, noise=self.noise, seed=self.seed)
        self.X, self.y = X, y
        self.xx, self.yy, grid = plots.grid_points(X, self.resolution, padding=0.5)
        self.grid = grid
        self.extent = (self.xx.min(), self.xx.max(), self.yy.min(), self.yy.max())
        for handle in self._points:
            handle.remove()
        with plots.style():
            self._points = plots.scatter_classes(self.ax, X, y, size=14)
            if self._legend is not None:
                self._legend.remove()
            self._legend = self.figure.legend(
                handles=[*self._points, self.line],
                loc="upper left",
                bbox_to_anchor=(0.74, 0.91),
                fontsize=8,
            )
        # What lies inside the axes changes or must stay on top of what changes.
        self._dynamic = [self.image, *self._points, self.line, *self.ax.spines.values()]
        # The title changes with the activation, the colour bar with the colour limits.
        self._layers = [
            (self.ax.get_title, [self.ax.title], self.ax.title.get_window_extent),
            (self.image.get_clim, [self.cax], self.cax.get_tightbbox),
        ]
        self.image.set_extent(self.extent)
        self.ax.set_xlim(self.extent[:2])
        self.ax.set_ylim(self.extent[2:])
        self._dataset = name

    def update(self, **values):
        """Apply ``values`` to the controls (e.g. ``w1=2.0, activation="tanh"``) and redraw."""
        with self._quiet():
            for key, value in values.items():
                self._set(key, value)
        c = self.controls
        if c["dataset"].value != self._dataset:
            self._load(c["dataset"].value)
        w1, w2, b = float(c["w1"].value), float(c["w2"].value), float(c["b"].value)
        name = c["activation"].value
        z = self.grid @ np.array([w1, w2]) + b
        a = self._acts.get(name)(z).reshape(self.xx.shape)
        self.last_output = a
        self.image.set_data(a)
        # Colour limits move only when needed (see nice_limits), so that the colour bar stays
        # in the cached background and a colour keeps its meaning while a slider moves.
        current = self.image.get_clim() if name == self._activation else None
        self.image.set_clim(nice_limits(float(np.nanmin(a)), float(np.nanmax(a)), current))
        self._activation = name
        self._draw_boundary(w1, w2, b)
        predicted = (self.X @ np.array([w1, w2]) + b > 0).astype(int)
        self.last_accuracy = float(np.mean(predicted == self.y))
        # The title changes with the activation only (it stays in the cached background).
        self.ax.set_title(f"a = {name}(w1·x1 + w2·x2 + b)", y=1.0)  # y: see ActivationExplorer
        sign = lambda v: "-" if v < 0 else "+"
        neuron = f"a = {name}({w1:.1f}·x1 {sign(w2)} {abs(w2):.1f}·x2 {sign(b)} {abs(b):.1f})"
        if w1 == 0 and w2 == 0:
            rule = "w = 0: every point gets the same z, so there is no boundary"
        else:
            rule = "accuracy of 'class 1 where z > 0'"
        self._show(f"{neuron}; {rule}: {self.last_accuracy:.2f}")
        return self

    def _draw_boundary(self, w1, w2, b):
        x0, x1, y0, y1 = self.extent
        if abs(w2) > 1e-12:
            xs = np.array([x0, x1])
            self.line.set_data(xs, -(w1 * xs + b) / w2)
        elif abs(w1) > 1e-12:
            self.line.set_data([-b / w1, -b / w1], [y0, y1])
        else:
            self.line.set_data([], [])

    def _summary(self):
        c = self.controls
        return {k: c[k].value for k in ("dataset", "activation", "w1", "w2", "b")}


def neuron_playground(dataset="moons", activation="sigmoid", w1=1.0, w2=-1.0, b=0.0, seed=0):
    """A ``NeuronPlayground`` on ``dataset`` (moons, circles, xor, spirals or gaussians)."""
    return NeuronPlayground(dataset=dataset, activation=activation, w1=w1, w2=w2, b=b, seed=seed)
