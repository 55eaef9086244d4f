"""Interactive widgets (ipywidgets 8): an activation explorer and a one-neuron playground.

Each widget is a small class whose ``update(**values)`` method is the callback the controls
call, and which keeps what it drew (``last_figure``, ``last_text``, ``last_png``, ...) so that
tests and benchmarks can drive it without a browser::

    >>> explorer = ActivationExplorer(keras=False)
    >>> explorer.controls["function"].value = "elu"     # as if the learner picked it
    >>> explorer.last_params
    {'alpha': 1.0}

In a notebook, ``activation_explorer()`` or ``neuron_playground()`` as the last line of a cell
shows the controls and the plot; ``.widget`` is the ipywidgets container.

How updates stay fast (``benchmarks/widget_latency.py`` measures them): the figure is made once
with fixed margins and drawn in three levels (matplotlib "blitting"). What never changes (frame,
x-axis, labels, legend) is drawn once and kept as a bitmap; what changes now and then (a y-axis
with new limits, a title with a new function, a colour bar with a new range) is drawn over it
when it changes and otherwise pasted from a cached bitmap; only the curves or the heatmap are
drawn at every update. One small PNG (72 dpi) then goes into an ``Output`` widget. Axis limits
move only when the curve leaves them or shrinks to a small part of them (``nice_limits``), so a
slider drag redraws just the curve, and the curve visibly moves instead of the axes rescaling.
Keras's curve is computed once per (function, parameters, x-range) and cached; Keras itself is
imported at the first comparison.
"""

import base64
import contextlib
import inspect
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox
from PIL import Image

from companion import plots

# Sliders for the activation parameters Keras has, by argument name. A function shows the
# controls of the arguments in its signature and starts at its own defaults.
PARAMETER_SLIDERS = {
    "negative_slope": dict(min=0.0, max=1.0, step=0.01),
    "alpha": dict(min=0.05, max=3.0, step=0.05),
    "max_value": dict(min=0.5, max=10.0, step=0.5),
    "threshold": dict(min=-3.0, max=3.0, step=0.1),
    "default_value": dict(min=-3.0, max=3.0, step=0.1),
    "b": dict(min=0.0, max=10.0, step=0.5),
}
# Starting values where Keras has no default (threshold(x, threshold, default_value)) or where
# the default None means "off" (relu's max_value, enabled with its checkbox).
START_VALUES = {"threshold": 1.0, "default_value": 0.0, "max_value": 6.0}
_NOT_PARAMETERS = ("x", "axis")


def nice_limits(low, high, current=None, shrink=0.4):
    """Axis limits for data in ``[low, high]``: round numbers, kept while they still fit.

    The data plus a 5% margin must fit. The ``current`` limits are kept if it does and the data
    spans at least ``shrink`` of them; otherwise the new limits are the outer ticks of a 5-tick
    locator around the data and its margin.

    >>> nice_limits(0.0, 1.0)
    (-0.25, 1.25)
    >>> nice_limits(0.1, 0.9, current=(-0.25, 1.25))
    (-0.25, 1.25)
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        low, high = -1.0, 1.0
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    span = high - low
    low, high = low - 0.05 * span, high + 0.05 * span
    if current is not None:
        c_low, c_high = current
        if c_low <= low and high <= c_high and span >= shrink * (c_high - c_low):
            return current
    ticks = MaxNLocator(nbins=5).tick_values(low, high)
    return float(ticks[0]), float(ticks[-1])


class _FigureWidget:
    """Shared plumbing: controls, blitted rendering into an Output, the printed text."""

    def __init__(self):
        self.controls = {}
        self.output = widgets.Output()
        self.last_png = b""
        self.last_text = ""
        self.n_updates = 0
        self.n_background_draws = 0
        self.last_error = None
        self._muted = False
        self.n_layer_draws = 0
        self._background = None
        self._background_key = None
        self._dynamic = []  # artists redrawn at every update, on top of the background
        # (key function, artists, region function): drawn over the background and cached as a
        # bitmap until the key changes (a y-axis for its limits, a title for its text).
        self._layers = []
        self._layer_cache = {}

    def _static_key(self):
        """Whatever, when it changes, requires redrawing the whole background."""
        return None

    def _render(self):
        """Render the figure to PNG bytes, redrawing as little as possible.

        Three levels: the background (everything static) is drawn once per ``_static_key``;
        each layer (``_layers``) is drawn over it when its key changes and otherwise pasted from
        its cached bitmap; the dynamic artists are drawn at every update, last.
        """
        canvas = self.figure.canvas
        key = self._static_key()
        layered = [a for _, artists, _ in self._layers for a in artists]
        if self._background is None or key != self._background_key:
            hidden = [*self._dynamic, *layered]
            visible = [a.get_visible() for a in hidden]
            for a in hidden:
                a.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._background_key = key
            self._layer_cache.clear()
            self.n_background_draws += 1
            for a, v in zip(hidden, visible, strict=True):
                a.set_visible(v)
        else:
            canvas.restore_region(self._background)
        for i, (key_fn, artists, region_fn) in enumerate(self._layers):
            layer_key = key_fn()
            cached = self._layer_cache.get(i)
            if cached is not None and cached[0] == layer_key:
                canvas.restore_region(cached[1])
                continue
            for a in artists:
                if a.get_visible():
                    self.figure.draw_artist(a)
            region = Bbox.intersection(region_fn(canvas.get_renderer()).padded(2), self.figure.bbox)
            if region is not None:
                self._layer_cache[i] = (layer_key, canvas.copy_from_bbox(region))
            self.n_layer_draws += 1
        for a in self._dynamic:
            if a.get_visible():
                self.figure.draw_artist(a)
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        # Level 1 compresses flat-colour plots nearly as well as the default, several times faster.
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    @property
    def last_figure(self):
        return self.figure

    def _watch(self):
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, change):
        if self._muted:
            return
        try:
            self.update()
            self.last_error = None
        except Exception as exc:  # a callback's exception would vanish into the kernel log
            self.last_error = exc
            self.last_text = f"Could not redraw: {type(exc).__name__}: {exc}"
            self.output.outputs = (
                {"output_type": "stream", "name": "stdout", "text": self.last_text + "\n"},
            )

    @contextlib.contextmanager
    def _quiet(self):
        """Set control values without each change triggering its own redraw."""
        muted, self._muted = self._muted, True
        try:
            yield
        finally:
            self._muted = muted

    def _set(self, name, value):
        if name not in self.controls:
            raise ValueError(f"unknown control {name!r}; the controls are {sorted(self.controls)}.")
        self.controls[name].value = value

    def _show(self, text):
        self.last_png = self._render()
        self.last_text = text
        self.n_updates += 1
        width, height = (self.figure.get_size_inches() * self.figure.dpi).round().astype(int)
        # Replacing the outputs in one assignment works with or without a kernel (tests,
        # benchmarks) and avoids the flicker of clear_output + display.
        self.output.outputs = (
            {
                "output_type": "display_data",
                "data": {
                    "image/png": base64.b64encode(self.last_png).decode("ascii"),
                    "text/plain": f"<Figure size {width}x{height}>",
                },
                "metadata": {},
            },
            {"output_type": "stream", "name": "stdout", "text": text + "\n"},
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # A stable text/plain keeps stored notebooks free of widget reprs that list every value.
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        values = ", ".join(f"{k}={v!r}" for k, v in self._summary().items())
        return f"{type(self).__name__}({values})"


# ---------------------------------------------------------------------------------------------
# Activation explorer


def _describe(params):
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


def _parameters(fn):
    """``{name: default}`` of an activation's keyword arguments (``x`` and ``axis`` left out)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    params = {}
    for p in signature.parameters.values():
        if p.name in _NOT_PARAMETERS or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        params[p.name] = START_VALUES.get(p.name, 0.0) if p.default is p.empty else p.default
    return params


class ActivationExplorer(_FigureWidget):
    """Pick an activation, move its parameters, see f and f' with Keras's curve on top.

    Controls (``self.controls``): ``function`` (every registered name), ``x_range``, one slider
    per Keras argument (``negative_slope``, ``alpha``, ``max_value`` with its on/off checkbox
    ``use_max_value``, ``threshold``, ``default_value``, ``b``), the ``approximate`` checkbox for
    gelu, and ``keras`` (overlay Keras's curve). Controls a function does not have are hidden.

    After each update: ``last_params`` (the arguments passed), ``last_y``/``last_dy`` (the
    curves), ``last_difference`` (max |companion - Keras|, or ``None`` without Keras) and
    ``last_text`` (the printed line).
    """

    def __init__(self, function="relu", x_range=(-5.0, 5.0), keras=True, n_points=401):
        super().__init__()
        acts = plots._activations()
        self._acts = acts
        names = acts.names()
        if function not in names:
            acts.get(function)  # raises ValueError listing the valid names
        self.n_points = int(n_points)
        self._keras_cache = {}
        self._keras_error = None
        self.last_params = {}
        self.last_difference = None
        self.last_y = self.last_dy = None
        style = {"description_width": "initial"}
        self.controls["function"] = widgets.Dropdown(
            options=names, value=function, description="activation"
        )
        self.controls["x_range"] = widgets.FloatRangeSlider(
            value=tuple(x_range),
            min=-10.0,
            max=10.0,
            step=0.5,
            description="x range",
            continuous_update=False,
            style=style,
        )
        for name, spec in PARAMETER_SLIDERS.items():
            self.controls[name] = widgets.FloatSlider(
                value=START_VALUES.get(name, spec["min"]),
                description=name,
                readout_format=".2f",
                style=style,
                **spec,
            )
        self.controls["use_max_value"] = widgets.Checkbox(
            value=False, description="cap at max_value", indent=False
        )
        self.controls["approximate"] = widgets.Checkbox(
            value=False, description="approximate (tanh form)", indent=False
        )
        self.controls["keras"] = widgets.Checkbox(
            value=bool(keras), description="overlay Keras", indent=False
        )
        c = self.controls
        parameter_boxes = [c[n] for n in PARAMETER_SLIDERS] + [c["use_max_value"], c["approximate"]]
        self.widget = widgets.VBox(
            [
                widgets.HBox([c["function"], c["x_range"], c["keras"]]),
                widgets.HBox(parameter_boxes, layout=widgets.Layout(flex_flow="row wrap")),
                self.output,
            ]
        )
        self._function = None
        self._build_figure()
        self._watch()
        self.update()

    def _build_figure(self):
        fig = Figure(figsize=(9.0, 3.2), dpi=plots.FIGURE_DPI)
        FigureCanvasAgg(fig)
        with plots.style():
            self.ax_f, self.ax_d = fig.subplots(1, 2)
            fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.86, wspace=0.22)
            x = np.linspace(-5, 5, self.n_points)
            (self.line_f,) = self.ax_f.plot(x, x, color=plots.PALETTE[0], lw=2, label="companion")
            (self.line_keras,) = self.ax_f.plot(
                x, x, ls="none", marker="o", ms=4, mfc="none", color=plots.PALETTE[7], label="Keras"
            )
            (self.line_d,) = self.ax_d.plot(x, x, color=plots.PALETTE[1], lw=2, ls="--")
            zero_lines = []
            for ax in (self.ax_f, self.ax_d):
                zero_lines.append(ax.axhline(0, color="0.6", lw=0.8, zorder=0))
                ax.axvline(0, color="0.6", lw=0.8, zorder=0)
                ax.set_xlabel("x")
            self.ax_f.set_ylabel("f(x)")
            self.ax_d.set_ylabel("f'(x)")
        self.figure = fig
        self._dynamic = [self.line_f, self.line_keras, self.line_d]
        # A y-axis (ticks, labels, horizontal grid lines) and the y = 0 line move with the y
        # limits; the region to cache is the axes plus the tick labels at their left. The
        # spines come last, over the grid lines, as in a full draw.
        for ax, zero in zip((self.ax_f, self.ax_d), zero_lines, strict=True):
            self._layers.append(
                (
                    ax.get_ylim,
                    [zero, ax.yaxis, *ax.spines.values()],
                    lambda r, ax=ax: Bbox.union([ax.yaxis.get_tightbbox(r), ax.bbox]),
                )
            )
            self._layers.append(
                (ax.get_title, [ax.title], lambda r, ax=ax: ax.title.get_window_extent(r))
            )
        self._limits = {}

    def _static_key(self):
        return self.ax_f.get_xlim()

    def _visible_parameters(self, fn):
        params = _parameters(fn)
        shown = set(params) & set(PARAMETER_SLIDERS)
        if "max_value" in params:
            shown.add("use_max_value")
        if "approximate" in params:
            shown.add("approximate")
        for name in [*PARAMETER_SLIDERS, "use_max_value", "approximate"]:
            self.controls[name].layout.display = "" if name in shown else "none"
        return params

    def _reset_parameters(self, params):
        for name, default in params.items():
            if name == "max_value":
                self.controls["use_max_value"].value = default is not None
                self.controls["max_value"].value = (
                    START_VALUES["max_value"] if default is None else default
                )
            elif name == "approximate":
                self.controls["approximate"].value = bool(default)
            elif name in PARAMETER_SLIDERS:
                self.controls[name].value = float(default)

    def _current_parameters(self, params):
        values = {}
        for name in params:
            if name == "max_value":
                on = self.controls["use_max_value"].value
                values[name] = float(self.controls["max_value"].value) if on else None
            elif name == "approximate":
                values[name] = bool(self.controls["approximate"].value)
            elif name in PARAMETER_SLIDERS:
                values[name] = float(self.controls[name].value)
        return values

    def visible_controls(self):
        """Names of the parameter controls shown for the current function."""
        return [n for n, c in self.controls.items() if c.layout.display != "none"]

    def keras_curve(self, name, params, x):
        """Keras's curve, cached per (function, parameters, grid); ``None`` without Keras."""
        key = (name, tuple(sorted(params.items())), float(x[0]), float(x[-1]), x.size)
        if key not in self._keras_cache:
            try:
                self._keras_cache[key] = plots.keras_activation_curve(name, x, **params)
            except ImportError as exc:
                self._keras_error = f"Keras is not installed ({exc}); showing the companion only."
                return None
            except Exception as exc:  # e.g. an argument this Keras version does not have
                self._keras_error = (
                    f"Keras could not compute {name}({_describe(params)}): "
                    f"{type(exc).__name__}: {exc}"
                )
                return None
        return self._keras_cache[key]

    def update(self, **values):
        """Apply ``values`` to the controls (e.g. ``function="elu", alpha=0.5``) and redraw."""
        with self._quiet():
            if "function" in values:
                self._set("function", values.pop("function"))
            name = self.controls["function"].value
            fn = self._acts.get(name)
            params = self._visible_parameters(fn)
            if name != self._function:
                self._reset_parameters(params)
                self._function = name
            for key, value in values.items():
                if key == "max_value" and value is not None:
                    self._set("use_max_value", True)
                if key == "max_value" and value is None:
                    self._set("use_max_value", False)
                    continue
                self._set(key, value)
        lo, hi = self.controls["x_range"].value
        if hi <= lo:
            hi = lo + 1.0
        x = np.linspace(lo, hi, self.n_points)
        kwargs = self._current_parameters(params)
        y, dy = plots.activation_curve(name, x, derivative=True, **kwargs)
        self.last_params, self.last_y, self.last_dy = kwargs, y, dy
        self.line_f.set_data(x, y)
        self.line_d.set_data(x, dy)
        label = plots.curve_label(name, fn)
        # Titles name the function only, so they stay in the cached background while a
        # parameter moves (text is the slowest thing to draw); the printed line gives the call.
        self.ax_f.set_title(label)
        self.ax_d.set_title(f"derivative of {label}")
        call = f"{name}({_describe(kwargs)})"
        y_keras = self.keras_curve(name, kwargs, x) if self.controls["keras"].value else None
        self.line_keras.set_visible(y_keras is not None)
        if y_keras is not None:
            step = max(1, x.size // 25)
            self.line_keras.set_data(x[::step], y_keras[::step])
            self.last_difference = float(np.max(np.abs(y - y_keras)))
            text = (
                f"{call}: companion (line) vs Keras (circles): max |difference| = "
                f"{self.last_difference:.2g} over {x.size} points in [{lo:g}, {hi:g}] (float64)"
            )
        else:
            self.last_difference = None
            if not self.controls["keras"].value:
                text = f"{call}: Keras overlay off."
            else:
                text = f"{call}: " + (self._keras_error or "Keras curve unavailable.")
        new_function = name != self._limits.get("function")
        for ax, values_ in ((self.ax_f, y), (self.ax_d, dy)):
            ax.set_xlim(lo, hi)
            finite = values_[np.isfinite(values_)]
            low, high = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
            current = None if new_function else ax.get_ylim()
            ax.set_ylim(nice_limits(low, high, current))
        self._limits["function"] = name
        self._show(text)
        return self

    def _summary(self):
        return {"function": self.controls["function"].value, **self.last_params}


def activation_explorer(function="relu", x_range=(-5.0, 5.0), keras=True):
    """An ``ActivationExplorer``: show it by making it the last line of a cell.

    ``keras=True`` overlays Keras's curve and prints the largest difference (Keras is imported
    the first time; without TensorFlow the explorer works and says so).
    """
    return ActivationExplorer(function=function, x_range=x_range, keras=keras)


# ---------------------------------------------------------------------------------------------
# Neuron playground


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
        self.ax.set_title(f"a = {name}(w1·x1 + w2·x2 + b)")
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


__all__ = [
    "ActivationExplorer",
    "NeuronPlayground",
    "PARAMETER_SLIDERS",
    "activation_explorer",
    "neuron_activations",
    "neuron_playground",
]
