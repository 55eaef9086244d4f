"""The shared base of the widgets: controls, blitted rendering into an ``Output``, checks.

Every widget is a ``_FigureWidget``: a dict of ipywidgets ``controls`` whose changes call the
widget's ``update``, a matplotlib ``figure`` drawn in three levels (see ``_FigureWidget._render``)
into one PNG in an ``Output`` widget, and the printed line under it. What a widget keeps after
an update (``last_png``, ``last_text``, ``n_updates``, ...) lets tests and benchmarks drive it
without a browser.
"""

import base64
import contextlib
import io
import numbers

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox
from PIL import Image

from companion.utils import as_generator

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
        # bitmap per key (a y-axis per limits, a title per text), the last few keys of each.
        self._layers = []
        self._layer_cache = {}
        # Opaque, rectangular artists (a legend with framealpha=1) drawn over the dynamic ones:
        # drawn once, then pasted from a bitmap, which hides what lies under them just as well.
        self._overlays = []
        self._overlay_cache = {}
        self._xlabels_fixed = False

    #: How many keys of each layer keep their bitmap: switching back to a function or a setting
    #: seen shortly before pastes its axes and titles instead of drawing their text again.
    LAYER_BITMAPS = 8

    def _static_key(self):
        """Whatever, when it changes, requires redrawing the whole background."""
        return None

    def _render(self):
        """Render the figure to PNG bytes, redrawing as little as possible.

        Three levels: the background (everything static) is drawn once per ``_static_key``;
        each layer (``_layers``) is drawn over it for a key it has not seen lately and otherwise
        pasted from that key's cached bitmap; the dynamic artists are drawn at every update.
        Overlays (``_overlays``) are pasted last, over the dynamic artists.
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
            self._overlay_cache.clear()
            self.n_background_draws += 1
            for a, v in zip(hidden, visible, strict=True):
                a.set_visible(v)
        else:
            canvas.restore_region(self._background)
        for i, (key_fn, artists, region_fn) in enumerate(self._layers):
            layer_key = key_fn()
            bitmaps = self._layer_cache.setdefault(i, {})
            bitmap = bitmaps.pop(layer_key, None)
            if bitmap is None:
                for a in artists:
                    if a.get_visible():
                        self.figure.draw_artist(a)
                region = region_fn(canvas.get_renderer()).padded(2)
                region = Bbox.intersection(region, self.figure.bbox)
                bitmap = None if region is None else canvas.copy_from_bbox(region)
                self.n_layer_draws += 1
            else:
                canvas.restore_region(bitmap)
            if bitmap is not None:
                bitmaps[layer_key] = bitmap  # the most recently used last
                if len(bitmaps) > self.LAYER_BITMAPS:
                    del bitmaps[next(iter(bitmaps))]
        for a in self._dynamic:
            if a.get_visible():
                self.figure.draw_artist(a)
        for a in self._overlays:
            bitmap = self._overlay_cache.get(a)
            if bitmap is None:
                self.figure.draw_artist(a)
                region = a.get_window_extent(canvas.get_renderer()).padded(1)
                self._overlay_cache[a] = canvas.copy_from_bbox(region)
            else:
                canvas.restore_region(bitmap)
        if not self._xlabels_fixed:
            self._fix_xlabels()
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        # The figure is opaque: RGB is a quarter less to compress than RGBA. Level 1 compresses
        # flat-colour plots nearly as well as the default, several times faster.
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def _fix_xlabels(self):
        """Keep each x-axis label where the first draw put it.

        matplotlib places an axis label by measuring every tick label at every draw (about half
        the time an axis takes to draw). x tick labels are one line of text, always as high, so
        the label's place never changes: fixing it skips that measuring.
        """
        for ax in self.figure.axes:
            if ax.xaxis.label.get_text():
                _fix_label(ax.xaxis)
        self._xlabels_fixed = True

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


def _fix_label(axis):
    """Keep ``axis``'s label where matplotlib last placed it (see ``_fix_xlabels``)."""
    label = axis.label
    where = label.get_transform().transform(label.get_position())
    axis.set_label_coords(*axis.axes.transAxes.inverted().transform(where))


# ---------------------------------------------------------------------------------------------
# Checks of values set from code: a slider silently clamps a value outside its range and a
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
