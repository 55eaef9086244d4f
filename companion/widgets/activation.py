"""The activation explorer: pick an activation, move its parameters, see f, f' and Keras's curve."""

import inspect

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from companion import plots
from companion.utils import check_bool
from companion.widgets.base import _FigureWidget, nice_limits

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
        keras = check_bool(keras, "keras")
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
            value=keras, description="overlay Keras", indent=False
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
        # y=1.0 fixes them above the axes: matplotlib's automatic placement, run while the
        # background is drawn with the titles hidden, would move them out of the figure.
        self.ax_f.set_title(label, y=1.0)
        self.ax_d.set_title(f"derivative of {label}", y=1.0)
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
