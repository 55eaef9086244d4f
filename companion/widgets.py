"""Interactive widgets (ipywidgets 7.7 and 8): an activation explorer and a one-neuron playground.

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
import numbers
import re

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import QuadMesh
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox
from PIL import Image

from companion import plots
from companion.utils import as_generator

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
_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"

if "playing" in widgets.Play.class_trait_names():
    _Play = widgets.Play
else:

    class _Play(widgets.Play):
        """ipywidgets 7 (Colab's) keeps Play's running state in ``_playing``; 8 renamed it
        ``playing``. The alias lets ``play.playing = False`` stop the button in both (on 7 it
        would otherwise set a plain attribute that never reaches the browser)."""

        playing = property(
            lambda self: self._playing, lambda self, value: setattr(self, "_playing", value)
        )


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
            self._handle_change(change)
            self.last_error = None
        except Exception as exc:  # a callback's exception would vanish into the kernel log
            self.last_error = exc
            self.last_text = f"Could not redraw: {type(exc).__name__}: {exc}"
            self.output.outputs = (
                {"output_type": "stream", "name": "stdout", "text": self.last_text + "\n"},
            )

    def _handle_change(self, change):
        """What a control's change does; by default, redraw with the current values."""
        self.update()

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
        # The container's view, as ipywidgets 8's own _repr_mimebundle_ gives it. ipywidgets 7
        # (Colab's) has no _repr_mimebundle_ (its widgets display themselves through
        # _ipython_display_); get_view_spec() gives the same view data in both. A stable
        # text/plain keeps stored notebooks free of widget reprs that list every value.
        bundle = {"text/plain": repr(self)}
        if self.widget.comm is not None:  # a closed widget has no view left to show
            bundle[_VIEW_MIMETYPE] = self.widget.get_view_spec()
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


# ---------------------------------------------------------------------------------------------
# Shared checks for the widgets below: a slider silently clamps a value outside its range and a
# dropdown answers a wrong name with a traitlets error, so values are checked before they are set.


def _check_choice(name, value, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, but got {value!r}.")
    return value


def _check_number(name, value, low, high, integer=False):
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be {kind} between {low} and {high}, but got "
            f"{type(value).__name__}: {value!r}."
        )
    if integer and int(value) != value:
        raise ValueError(f"{name} must be {kind} between {low} and {high}, but got {value!r}.")
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be {kind} between {low} and {high}, but got {value!r}.")
    return int(value) if integer else float(value)


def _widget_seed(seed):
    """A non-negative int from ``seed`` (int, Generator or None), so the widget can re-derive
    every random draw from it: the same settings then always give the same network."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative int, but got {seed}.")
        return int(seed)
    return int(as_generator(seed).integers(2**31))


def _axis_layers(axes):
    """Cached layers for the ticks and tick labels of ``axes``, redrawn when limits change.

    Tick labels are the slowest thing to draw, so a y-axis (keyed by its limits) is apart from
    an x-axis (keyed by both limits): a change of x limits redraws only the x tick labels. Both
    regions include the axes, so they overlap; every x layer comes after every y layer and is
    redrawn whenever the y limits change, so the overlap never shows a stale y-axis. (Axes side
    by side must share their y limits, as the explorer's do, or keep their labels apart, as the
    trainer's do: an x layer is keyed by its own axes' limits only.)
    """
    y_layers = [
        (
            ax.get_ylim,
            [ax.yaxis],
            lambda r, ax=ax: Bbox.union([ax.yaxis.get_tightbbox(r), ax.bbox]),
        )
        for ax in axes
    ]
    x_layers = [
        (
            lambda ax=ax: (ax.get_xlim(), ax.get_ylim()),
            [ax.xaxis],
            lambda r, ax=ax: Bbox.union([ax.xaxis.get_tightbbox(r), ax.bbox]),
        )
        for ax in axes
    ]
    return y_layers + x_layers


# ---------------------------------------------------------------------------------------------
# Deep network explorer

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
        self._build_figure()
        self._watch()
        self.update()

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
        self.figure = fig
        self._layers = _axis_layers((self.ax_act, self.ax_grad))

    def build_model(self, depth, width, activation, kernel_initializer):
        """The explorer's network for these settings (built, with its weights drawn)."""
        from companion import layers, models

        hidden = [
            layers.Dense(
                width,
                activation=activation,
                kernel_initializer=kernel_initializer,
                seed=np.random.default_rng([self.seed, 2, i]),
                name=f"hidden_{i}",
            )
            for i in range(1, depth + 1)
        ]
        output = layers.Dense(
            N_CLASSES,
            activation="softmax",
            seed=np.random.default_rng([self.seed, 3]),
            name="output",
        )
        model = models.Sequential([*hidden, output], name="deep_network")
        model.build((None, width))
        return model

    def batch(self, width):
        """The fixed batch for inputs of ``width`` features: (x float32, random labels 0..9)."""
        x = np.random.default_rng([self.seed, 0]).standard_normal((self.n_samples, width))
        y = np.random.default_rng([self.seed, 1]).integers(0, N_CLASSES, self.n_samples)
        return x.astype(np.float32), y

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
        self.model = self.build_model(depth, width, activation, initializer)
        self.x, self.y = self.batch(width)
        acts = diagnostics.activation_histograms(self.model, self.x, bins=self.bins)
        grads = diagnostics.gradient_histograms(
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


# ---------------------------------------------------------------------------------------------
# Playground trainer

TRAINER_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
L2_CHOICES = (0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
NOISE_RANGE = (0.0, 0.6)
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 64


def parse_hidden_layers(value):
    """Hidden-layer sizes from ``"8, 8"``, ``(8, 8)``, ``8`` or ``""`` (no hidden layer).

    >>> parse_hidden_layers("16, 8")
    (16, 8)
    >>> parse_hidden_layers("")
    ()
    """
    expected = (
        f"up to {MAX_HIDDEN_LAYERS} layer sizes between 1 and {MAX_UNITS}, like '8, 8' or (8, 8)"
    )
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,\s]+", value.strip().strip("()[]")) if p]
        try:
            sizes = [int(p) for p in parts]
        except ValueError:
            raise ValueError(f"hidden_layers must be {expected}, but got {value!r}.") from None
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        sizes = [int(value)]
    elif isinstance(value, (tuple, list)):
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
            raise ValueError(f"hidden_layers must be {expected}, but got {value!r}.")
        sizes = [int(v) for v in value]
    else:
        raise TypeError(
            f"hidden_layers must be {expected}, but got {type(value).__name__}: {value!r}."
        )
    if len(sizes) > MAX_HIDDEN_LAYERS or not all(1 <= v <= MAX_UNITS for v in sizes):
        raise ValueError(f"hidden_layers must be {expected}, but got {value!r}.")
    return tuple(sizes)


def _format_hidden(sizes):
    return ", ".join(str(v) for v in sizes)


def _choice_options(options, value):
    """``(label, value)`` pairs for a SelectionSlider: ``options`` plus ``value``, sorted."""
    return [(f"{v:g}", v) for v in sorted({*options, value})]


def _choice_slider(options, value, description):
    """A SelectionSlider over ``options`` (numbers), with ``value`` added if it is not one."""
    return widgets.SelectionSlider(
        options=_choice_options(options, value),
        value=value,
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
    )


class PlaygroundTrainer(_FigureWidget):
    """Train a small network on 2-D data and watch it learn, in the spirit of TensorFlow
    Playground.

    The network: ``Dense(units, activation)`` for each size in ``hidden_layers``, then
    ``Dense(1, "sigmoid")``; binary cross-entropy; plain ``SGD(learning_rate)``; an ``L2(l2)``
    penalty on every kernel when ``l2 > 0``. The ``n_samples`` points of ``dataset`` (with
    ``noise``) are split at random into training and test points (``test_fraction``); one epoch
    is one pass over the training points in shuffled batches of ``batch_size``.

    Left: the network's output P(class 1) over the plane (white where it is 0.5: the decision
    boundary), training points filled, test points hollow. Right: the cross-entropy on the
    training and on the test points after each epoch (without the L2 penalty, so that runs
    with and without L2 compare).

    Controls: ``dataset``, ``noise``, ``hidden_layers`` (text, e.g. ``"8, 8"``), ``activation``,
    ``l2``, ``learning_rate``, and ``play`` (Play: each tick trains ``epochs_per_frame``
    epochs and redraws). A change of data, noise, layers or activation starts again from new
    initial weights; ``l2`` and ``learning_rate`` apply from the next step on, without a reset.
    The Step button trains one frame, Reset restores the initial weights.

    Headless: ``train(epochs)``, ``step()`` (one frame), ``reset()``, ``update(**values)``,
    ``history`` (lists per epoch: ``epoch``, ``train_loss``, ``test_loss``,
    ``train_accuracy``, ``test_accuracy``; epoch 0 is before training).

    >>> trainer = PlaygroundTrainer(dataset="gaussians", hidden_layers=(4,))
    >>> trainer.train(5).epoch
    5
    """

    def __init__(
        self,
        dataset="circles",
        noise=0.1,
        hidden_layers=(8, 8),
        activation="tanh",
        l2=0.0,
        learning_rate=0.03,
        seed=0,
        n_samples=200,
        test_fraction=0.5,
        batch_size=10,
        epochs_per_frame=5,
        resolution=50,
    ):
        super().__init__()
        from companion import data

        self._data = data
        datasets = tuple(data.DATASETS_2D)
        _check_choice("dataset", dataset, datasets)
        noise = _check_number("noise", noise, *NOISE_RANGE)
        hidden = parse_hidden_layers(hidden_layers)
        _check_choice("activation", activation, TRAINER_ACTIVATIONS)
        l2 = _check_number("l2", l2, 0.0, 10.0)
        learning_rate = _check_number("learning_rate", learning_rate, 1e-6, 10.0)
        self.seed = _widget_seed(seed)
        self.n_samples = _check_number("n_samples", n_samples, 4, 100_000, integer=True)
        self.test_fraction = _check_number("test_fraction", test_fraction, 0.05, 0.95)
        self.batch_size = _check_number("batch_size", batch_size, 1, 100_000, integer=True)
        self.epochs_per_frame = _check_number("epochs_per_frame", epochs_per_frame, 1, 100, True)
        self.resolution = _check_number("resolution", resolution, 2, 400, integer=True)
        style = {"description_width": "initial"}
        self.controls["dataset"] = widgets.Dropdown(
            options=datasets, value=dataset, description="dataset"
        )
        self.controls["noise"] = widgets.FloatSlider(
            value=noise, min=NOISE_RANGE[0], max=NOISE_RANGE[1], step=0.05, description="noise",
            readout_format=".2f", continuous_update=False, style=style,
        )  # fmt: skip
        self.controls["hidden_layers"] = widgets.Text(
            value=_format_hidden(hidden),
            description="hidden layers",
            placeholder="e.g. 8, 8",
            continuous_update=False,  # parse on Enter or when the box loses focus
            style=style,
        )
        self.controls["activation"] = widgets.Dropdown(
            options=TRAINER_ACTIVATIONS, value=activation, description="activation"
        )
        self.controls["l2"] = _choice_slider(L2_CHOICES, l2, "L2")
        self.controls["learning_rate"] = _choice_slider(
            LEARNING_RATES, learning_rate, "learning rate"
        )
        # Each tick trains a few epochs (tens of milliseconds); the interval leaves the kernel
        # time to answer, so that pausing takes effect at once instead of after a backlog.
        self.controls["play"] = _Play(
            value=0, min=0, max=100_000, step=1, interval=200, description="train",
            show_repeat=False,
        )  # fmt: skip
        self.step_button = widgets.Button(
            description=f"step (+{self.epochs_per_frame} epochs)", tooltip="train one frame"
        )
        self.reset_button = widgets.Button(description="reset", tooltip="initial weights again")
        self.step_button.on_click(lambda _: self._guarded(self.step))
        self.reset_button.on_click(lambda _: self._guarded(self.reset))
        c = self.controls
        self.widget = widgets.VBox(
            [
                widgets.HBox([c["dataset"], c["noise"], c["hidden_layers"]]),
                widgets.HBox([c["activation"], c["l2"], c["learning_rate"]]),
                widgets.HBox([c["play"], self.step_button, self.reset_button]),
                self.output,
            ]
        )
        self.model = None
        self.epoch = 0
        self.history = {}
        self._data_key = self._arch_key = None
        self._build_figure()
        self._watch()
        self.update()

    _CHECKS = {
        "dataset": lambda v: _check_choice("dataset", v, tuple(_data_module().DATASETS_2D)),
        "noise": lambda v: _check_number("noise", v, *NOISE_RANGE),
        "hidden_layers": parse_hidden_layers,
        "activation": lambda v: _check_choice("activation", v, TRAINER_ACTIVATIONS),
        "l2": lambda v: _check_number("l2", v, 0.0, 10.0),
        "learning_rate": lambda v: _check_number("learning_rate", v, 1e-6, 10.0),
    }

    # --- figure -----------------------------------------------------------------------------------
    def _build_figure(self):
        fig = Figure(figsize=(9.0, 3.7), dpi=plots.FIGURE_DPI)
        FigureCanvasAgg(fig)
        with plots.style():
            self.ax_surface = fig.add_axes((0.085, 0.13, 0.31, 0.77))
            cax = fig.add_axes((0.405, 0.13, 0.012, 0.77))
            self.ax_loss = fig.add_axes((0.58, 0.13, 0.40, 0.77))
            self.image = self.ax_surface.imshow(
                np.zeros((2, 2)),
                origin="lower",
                cmap=plots.DIVERGING_LIGHT,
                vmin=0.0,
                vmax=1.0,
                aspect="auto",
                extent=(0, 1, 0, 1),
                interpolation="bilinear",
                interpolation_stage="data",
            )
            fig.colorbar(self.image, cax=cax, label="P(class 1)")
            self.ax_surface.set_title("network output: filled = training, hollow = test")
            self.ax_surface.set_xlabel("x1")
            self.ax_surface.set_ylabel("x2")
            self.ax_surface.grid(False)
            (self.line_train,) = self.ax_loss.plot([], [], color=plots.PALETTE[0], lw=2)
            (self.line_test,) = self.ax_loss.plot([], [], color=plots.PALETTE[1], lw=2, ls="--")
            self.line_train.set_label("training")
            self.line_test.set_label("test")
            self.ax_loss.set_title("loss (cross-entropy, without the L2 penalty)")
            self.ax_loss.set_xlabel("epoch")
            self.ax_loss.set_ylabel("loss")
            self.ax_loss.set_xlim(0.0, 10.0)
            self.ax_loss.set_ylim(0.0, 1.0)
            self._legend = self.ax_loss.legend(loc="upper right")
        self.figure = fig
        self._points = []
        # New data moves the surface's axis limits: its ticks are layers too, so a new dataset
        # redraws them and not the whole figure.
        self._layers = _axis_layers((self.ax_surface, self.ax_loss))

    def _load_data(self, name, noise):
        X, y = self._data.make_2d(name, n=self.n_samples, noise=noise, seed=self.seed)
        order = np.random.default_rng([self.seed, 1]).permutation(len(X))
        n_test = min(len(X) - 1, max(1, round(self.test_fraction * len(X))))
        test, train = order[:n_test], order[n_test:]
        self.X_train, self.y_train = X[train].astype(np.float32), y[train]
        self.X_test, self.y_test = X[test].astype(np.float32), y[test]
        self.xx, self.yy, grid = plots.grid_points(X, self.resolution, padding=0.5)
        self.grid = grid.astype(np.float32)
        self.extent = (self.xx.min(), self.xx.max(), self.yy.min(), self.yy.max())
        for handle in self._points:
            handle.remove()
        self._points = []
        with plots.style():
            for k in (0, 1):
                colour, marker = plots.PALETTE[k], plots.MARKERS[k]
                train_k, test_k = self.X_train[self.y_train == k], self.X_test[self.y_test == k]
                self._points.append(
                    self.ax_surface.scatter(
                        train_k[:, 0], train_k[:, 1], s=16, color=colour, marker=marker,
                        edgecolors="black", linewidths=0.4,
                    )
                )  # fmt: skip
                self._points.append(
                    self.ax_surface.scatter(
                        test_k[:, 0], test_k[:, 1], s=16, facecolors="white", marker=marker,
                        edgecolors=colour, linewidths=1.2,
                    )
                )  # fmt: skip
        self.image.set_extent(self.extent)
        self.ax_surface.set_xlim(self.extent[:2])
        self.ax_surface.set_ylim(self.extent[2:])
        self._dynamic = [
            self.image,
            *self._points,
            *self.ax_surface.spines.values(),
            self.line_train,
            self.line_test,
            self._legend,
            *self.ax_loss.spines.values(),
        ]

    # --- model and training -----------------------------------------------------------------------
    def _build_model(self, hidden, activation):
        from companion import layers, models

        stack = [
            layers.Dense(
                units,
                activation=activation,
                seed=np.random.default_rng([self.seed, 2, i]),
                name=f"hidden_{i}",
            )
            for i, units in enumerate(hidden, start=1)
        ]
        stack.append(
            layers.Dense(1, "sigmoid", seed=np.random.default_rng([self.seed, 3]), name="output")
        )
        self.model = models.Sequential(stack, name="playground")
        self.model.build((None, 2))
        self._initial_weights = self.model.get_weights()

    def _set_l2(self, l2):
        from companion import regularizers

        for layer in self.model.layers:
            layer.kernel_regularizer = regularizers.L2(l2) if l2 > 0 else None

    def _start(self):
        """Back to the initial weights: a fresh optimizer, shuffling and history."""
        from companion import optimizers

        self.model.set_weights(self._initial_weights)
        lr = float(self.controls["learning_rate"].value)
        self.model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="binary_crossentropy")
        self._set_l2(float(self.controls["l2"].value))
        self._shuffle_rng = np.random.default_rng([self.seed, 4])
        self.epoch = 0
        self.history = {
            k: [] for k in ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")
        }
        self._record()

    def _scores(self, X, y):
        """(cross-entropy, accuracy) on (X, y), computed from the output layer's logits."""
        from companion import losses

        self.model(X)
        z = self.model.layers[-1].last_z
        loss = losses.BinaryCrossentropy(from_logits=True)(y[:, None].astype(z.dtype), z)
        return float(loss), float(np.mean((z[:, 0] > 0) == (y == 1)))

    def _record(self):
        train_loss, train_acc = self._scores(self.X_train, self.y_train)
        test_loss, test_acc = self._scores(self.X_test, self.y_test)
        for key, value in (
            ("epoch", self.epoch),
            ("train_loss", train_loss),
            ("test_loss", test_loss),
            ("train_accuracy", train_acc),
            ("test_accuracy", test_acc),
        ):
            self.history[key].append(value)

    def train(self, epochs=1):
        """Train ``epochs`` epochs (SGD on shuffled batches), record each, then redraw once."""
        epochs = _check_number("epochs", epochs, 1, 100_000, integer=True)
        targets = self.y_train[:, None].astype(np.float32)
        # A too-large learning rate makes SGD diverge until the weights overflow; that is a
        # lesson, not an error: training stops and the printed line says what happened.
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(epochs):
                if self.diverged:
                    break
                self.model.fit(
                    self.X_train,
                    targets,
                    epochs=1,
                    batch_size=self.batch_size,
                    shuffle=True,
                    seed=self._shuffle_rng,
                    verbose=0,
                )
                self.epoch += 1
                self._record()
        if self.diverged:
            self.controls["play"].playing = False
        self._redraw()
        return self

    @property
    def diverged(self):
        """Whether the training loss has stopped being a finite number."""
        return not np.isfinite(self.history["train_loss"][-1])

    def step(self):
        """One frame, as one tick of Play or one press of Step: ``epochs_per_frame`` epochs."""
        return self.train(self.epochs_per_frame)

    def reset(self):
        """Back to the initial weights and epoch 0 (the data and the settings stay)."""
        with self._quiet():
            self.controls["play"].playing = False
            self.controls["play"].value = 0
        self._start()
        self._redraw()
        return self

    def _guarded(self, action):
        """Run a button's action; show an exception instead of losing it in the kernel log."""
        self._on_change({"owner": None, "action": action})

    def _handle_change(self, change):
        if "action" in change:
            change["action"]()
        elif change["owner"] is self.controls["play"]:
            # Each tick of Play adds one to its value. A jump back (Play restarting at 0) does
            # not train; several ticks at once (a busy kernel) train at most 5 frames.
            ticks = change["new"] - change["old"]
            if ticks > 0:
                self.train(self.epochs_per_frame * min(ticks, 5))
        else:
            self.update()

    def update(self, **values):
        """Apply ``values`` (e.g. ``dataset="moons", l2=0.01``) and redraw.

        A new dataset, noise, hidden_layers or activation restarts from new initial weights;
        l2 and learning_rate change the training from the next step on.
        """
        if "play" in values:
            raise ValueError("play is the Play button's counter: use train(epochs) or step().")
        checked = {}
        for key, value in values.items():
            if key not in self._CHECKS:
                self._set(key, value)  # the ValueError listing the controls
            checked[key] = self._CHECKS[key](value)
        if "hidden_layers" in checked:
            checked["hidden_layers"] = _format_hidden(checked["hidden_layers"])
        with self._quiet():
            for key, value in checked.items():
                slider = self.controls[key]
                if isinstance(slider, widgets.SelectionSlider):
                    choices = [v for _, v in slider.options]
                    if value not in choices:
                        slider.options = _choice_options(choices, value)
                self._set(key, value)
        c = self.controls
        hidden = parse_hidden_layers(c["hidden_layers"].value)
        data_key = (c["dataset"].value, float(c["noise"].value))
        arch_key = (hidden, c["activation"].value)
        restart = False
        if data_key != self._data_key:
            self._load_data(*data_key)
            self._data_key = data_key
            restart = True
        if arch_key != self._arch_key:
            self._build_model(*arch_key)
            self._arch_key = arch_key
            restart = True
        if restart:
            self._start()
        else:
            self._set_l2(float(c["l2"].value))
            self.model.optimizer.learning_rate = float(c["learning_rate"].value)
        self._redraw()
        return self

    def _redraw(self):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged network: NaN colours
            probabilities = self.model(self.grid)[:, 0].reshape(self.xx.shape)
        self.last_surface = probabilities
        self.image.set_data(probabilities)
        h = self.history
        self.line_train.set_data(h["epoch"], h["train_loss"])
        self.line_test.set_data(h["epoch"], h["test_loss"])
        # Both axes start at 0; their upper ends are round numbers that move only when a
        # curve leaves them (see nice_limits), so most frames redraw just the curves.
        finite = [v for v in h["train_loss"] + h["test_loss"] if np.isfinite(v)]
        for set_lim, get_lim, high in (
            (self.ax_loss.set_xlim, self.ax_loss.get_xlim, max(10.0, self.epoch)),
            (self.ax_loss.set_ylim, self.ax_loss.get_ylim, max(finite, default=1.0)),
        ):
            set_lim(0.0, _upper_limit(high, get_lim()[1]))
        text = (
            f"epoch {self.epoch}: loss training {h['train_loss'][-1]:.3f}, "
            f"test {h['test_loss'][-1]:.3f}; accuracy training {h['train_accuracy'][-1]:.2f}, "
            f"test {h['test_accuracy'][-1]:.2f}"
        )
        l2 = float(self.controls["l2"].value)
        if l2 > 0:
            text += f"; L2 penalty {float(sum(self.model.losses)):.3g}"
        if self.diverged:
            text = (
                f"epoch {self.epoch}: the loss is no longer a finite number: training diverged. "
                "Lower the learning rate and press reset."
            )
        self._show(text)

    def _summary(self):
        c = self.controls
        return {
            "dataset": c["dataset"].value,
            "noise": float(c["noise"].value),
            "hidden_layers": parse_hidden_layers(c["hidden_layers"].value),
            "activation": c["activation"].value,
            "l2": float(c["l2"].value),
            "learning_rate": float(c["learning_rate"].value),
            "epoch": self.epoch,
        }


def _upper_limit(high, current):
    """A round upper axis limit above ``high``; ``current`` is kept while ``high`` fits in it
    and fills at least 40% of it."""
    if 0 < high <= current and high >= 0.4 * current:
        return current
    return float(MaxNLocator(nbins=5).tick_values(0.0, 1.05 * high)[-1])


def _data_module():
    from companion import data

    return data


def playground_trainer(
    dataset="circles",
    noise=0.1,
    hidden_layers=(8, 8),
    activation="tanh",
    l2=0.0,
    learning_rate=0.03,
    seed=0,
):
    """A ``PlaygroundTrainer``: press play to train a small network on 2-D data.

    ``dataset`` is one of moons, circles, xor, spirals, gaussians; ``hidden_layers`` a tuple
    (or text like ``"8, 8"``) of up to 6 sizes; nothing trains until play or step is pressed.
    """
    return PlaygroundTrainer(
        dataset=dataset,
        noise=noise,
        hidden_layers=hidden_layers,
        activation=activation,
        l2=l2,
        learning_rate=learning_rate,
        seed=seed,
    )


__all__ = [
    "DEEP_ACTIVATIONS",
    "DEEP_INITIALIZERS",
    "ActivationExplorer",
    "DeepNetworkExplorer",
    "NeuronPlayground",
    "PARAMETER_SLIDERS",
    "PlaygroundTrainer",
    "TRAINER_ACTIVATIONS",
    "activation_explorer",
    "deep_network_explorer",
    "neuron_activations",
    "neuron_playground",
    "parse_hidden_layers",
    "playground_trainer",
]
