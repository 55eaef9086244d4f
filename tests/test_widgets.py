"""companion.widgets: callbacks run headless, react to value changes, and draw what they say."""

import base64
import io
import os
import subprocess
import warnings
from pathlib import Path

import ipywidgets
import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter
from PIL import Image

from companion import (
    activations,
    data,
    diagnostics,
    initializers,
    layers,
    losses,
    models,
    optimizers,
    plots,
    regularizers,
    widgets,
)

ROOT = Path(__file__).resolve().parent.parent
IPYWIDGETS7_VARIABLE = "COURSE_IPYWIDGETS7_PYTHON"
IPYWIDGETS7_SETUP = (
    "run `make test-ipywidgets7`, which builds .venv-ipywidgets7 (Colab's ipywidgets 7.7 stack) "
    f"and sets {IPYWIDGETS7_VARIABLE} to its Python"
)


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def assert_blit_matches_full_draw(widget, stale):
    """The cached-background PNG shows what a complete draw shows.

    Blitting draws the changing artists last, so a few pixels where a curve meets a spine or a
    tick may differ from a complete draw. We require those to be under 5% of the pixels that the
    update changed: a stale curve left in the picture, or a curve missing, would make the
    difference as large as the change itself.
    """
    blitted, reference = pixels(widget.last_png), full_render(widget)
    changed = np.count_nonzero(np.any(stale != reference, axis=-1))
    wrong = np.count_nonzero(np.any(blitted != reference, axis=-1))
    assert changed > 500  # the update changed the picture visibly
    assert wrong <= 0.05 * changed


def full_render(widget):
    """What a plain, complete draw of the widget's figure looks like (no cached background)."""
    canvas = widget.figure.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int).copy()


@pytest.fixture
def explorer():
    return widgets.ActivationExplorer(keras=False)


@pytest.fixture
def playground():
    return widgets.NeuronPlayground(resolution=40)


# --- the package ------------------------------------------------------------------------------


def test_one_module_per_widget_and_the_names_stay_importable():
    import importlib

    homes = {
        "base": ["nice_limits"],
        "activation": ["ActivationExplorer", "activation_explorer", "PARAMETER_SLIDERS"],
        "neuron": ["NeuronPlayground", "neuron_playground", "neuron_activations"],
        "deep_network": ["DeepNetworkExplorer", "deep_network_explorer", "DEEP_ACTIVATIONS"],
        "trainer": ["PlaygroundTrainer", "playground_trainer", "parse_hidden_layers"],
    }
    for module, names in homes.items():
        home = importlib.import_module(f"companion.widgets.{module}")
        for name in names:
            assert getattr(widgets, name) is getattr(home, name)
    assert set(widgets.__all__) >= {n for names in homes.values() for n in names}
    assert all(hasattr(widgets, name) for name in widgets.__all__)


# --- activation explorer ---------------------------------------------------------------------


def test_explorer_starts_on_relu_with_its_keras_defaults(explorer):
    assert explorer.controls["function"].value == "relu"
    assert explorer.last_params == {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}
    x, y = explorer.line_f.get_data()
    np.testing.assert_array_equal(y, np.maximum(x, 0.0))
    assert explorer.last_text == (
        "relu(negative_slope=0.0, max_value=None, threshold=0.0): Keras overlay off."
    )
    assert explorer.n_updates == 1


def test_explorer_output_holds_the_figure_and_the_printed_line(explorer):
    image, text = explorer.output.outputs
    assert base64.b64decode(image["data"]["image/png"]) == explorer.last_png
    assert image["data"]["text/plain"] == "<Figure size 648x230>"
    assert text == {"output_type": "stream", "name": "stdout", "text": explorer.last_text + "\n"}
    assert isinstance(explorer.widget, ipywidgets.VBox)
    assert explorer.output in explorer.widget.children


def test_changing_a_control_redraws_once_and_changes_the_output(explorer):
    before_png, before_updates = explorer.last_png, explorer.n_updates
    explorer.controls["function"].value = "elu"
    # One redraw, although switching function also resets the parameter sliders.
    assert explorer.n_updates == before_updates + 1
    assert explorer.last_png != before_png
    assert explorer.last_params == {"alpha": 1.0}
    explorer.controls["alpha"].value = 0.5
    x, y = explorer.line_f.get_data()
    np.testing.assert_allclose(y, np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-15)
    assert explorer.ax_f.get_title() == "elu"
    assert explorer.last_text == "elu(alpha=0.5): Keras overlay off."


@pytest.mark.parametrize("name", activations.names())
def test_every_registered_activation_can_be_selected(explorer, name):
    explorer.controls["function"].value = name
    fn = activations.get(name)
    assert explorer.last_error is None
    assert explorer.last_text.startswith(f"{name}(")
    assert explorer.ax_f.get_title() == plots.curve_label(name)
    assert set(explorer.last_params) == set(widgets._parameters(fn))
    expected, derivative = plots.activation_curve(name, explorer.line_f.get_xdata(),
                                                  **explorer.last_params)  # fmt: skip
    np.testing.assert_array_equal(explorer.last_y, expected)
    np.testing.assert_array_equal(explorer.last_dy, derivative)
    # The y limits contain the curve (both are finite on the default range [-5, 5]).
    low, high = explorer.ax_f.get_ylim()
    assert low <= np.min(expected) and np.max(expected) <= high


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("relu", {"negative_slope", "max_value", "use_max_value", "threshold"}),
        ("leaky_relu", {"negative_slope"}),
        ("elu", {"alpha"}),
        ("celu", {"alpha"}),
        ("gelu", {"approximate"}),
        ("squareplus", {"b"}),
        ("soft_shrink", {"threshold"}),
        ("threshold", {"threshold", "default_value"}),
        ("tanh", set()),
        ("softmax", set()),
    ],
)
def test_parameter_controls_are_shown_only_for_the_functions_that_have_them(explorer, name, shown):
    explorer.controls["function"].value = name
    always = {"function", "x_range", "keras"}
    assert set(explorer.visible_controls()) == always | shown


def test_switching_function_resets_sliders_to_that_functions_defaults(explorer):
    explorer.update(function="soft_shrink", threshold=1.5)
    assert explorer.last_params == {"threshold": 1.5}
    explorer.update(function="hard_shrink")
    assert explorer.last_params == {"threshold": 0.5}  # Keras's default, not the old 1.5
    explorer.update(function="relu")
    assert explorer.last_params["threshold"] == 0.0


def test_max_value_checkbox_and_gelu_toggle(explorer):
    explorer.update(max_value=2.0)
    assert explorer.controls["use_max_value"].value is True
    assert explorer.last_params["max_value"] == 2.0 and explorer.last_y.max() == 2.0
    explorer.update(max_value=None)
    assert explorer.last_params["max_value"] is None and explorer.last_y.max() == 5.0
    explorer.update(function="gelu")
    exact = explorer.last_y.copy()
    explorer.controls["approximate"].value = True
    assert explorer.last_params == {"approximate": True}
    # The tanh approximation differs from the erf form by at most ~5e-4 (near |x| = 2).
    gap = np.max(np.abs(explorer.last_y - exact))
    assert 1e-4 < gap < 1e-3


def test_x_range_slider_sets_the_grid_and_the_limits(explorer):
    explorer.controls["x_range"].value = (-2.0, 3.0)
    x = explorer.line_f.get_xdata()
    assert (x[0], x[-1], x.size) == (-2.0, 3.0, 401)
    assert explorer.ax_f.get_xlim() == (-2.0, 3.0)


def test_update_rejects_unknown_controls(explorer):
    with pytest.raises(ValueError, match="unknown control 'slope'"):
        explorer.update(slope=0.1)
    with pytest.raises(ValueError, match="Unknown activation"):
        widgets.ActivationExplorer(function="rleu", keras=False)


def test_cached_background_gives_the_same_picture_as_a_full_draw(explorer):
    explorer.update(function="elu")
    draws = explorer.n_background_draws
    stale = pixels(explorer.last_png)
    explorer.update(alpha=0.9)  # the curve stays inside the current limits
    assert explorer.n_background_draws == draws  # only the curves were redrawn
    assert_blit_matches_full_draw(explorer, stale)


def test_switching_function_redraws_only_the_axes_that_changed(explorer):
    draws = explorer.n_background_draws
    for name in ("elu", "exponential", "softmax", "relu"):
        stale = pixels(explorer.last_png)
        explorer.controls["function"].value = name
        assert_blit_matches_full_draw(explorer, stale)
    # The x-axis, labels and frame were drawn once; y-axes and titles came from cached layers.
    assert explorer.n_background_draws == draws
    explorer.controls["x_range"].value = (-3.0, 3.0)  # new x limits: a new background
    assert explorer.n_background_draws == draws + 1


def test_switching_back_pastes_the_cached_axes_and_titles(explorer):
    first = explorer.last_png
    explorer.controls["function"].value = "elu"
    layer_draws = explorer.n_layer_draws
    stale = pixels(explorer.last_png)
    explorer.controls["function"].value = "relu"  # seen before: its axes and titles are cached
    assert explorer.n_layer_draws == layer_draws
    assert explorer.last_png == first
    assert_blit_matches_full_draw(explorer, stale)


def test_x_labels_stay_where_matplotlib_puts_them(monkeypatch):
    # The widgets fix each x label where the first draw put it, so that later draws skip
    # measuring the tick labels (always one line high) to place it. The same widget without
    # that step shows where matplotlib would put the labels.
    fixed = widgets.ActivationExplorer(function="sigmoid", keras=False)
    monkeypatch.setattr(type(fixed), "_fix_xlabels", lambda self: None)
    auto = widgets.ActivationExplorer(function="sigmoid", keras=False)
    for widget in (fixed, auto):
        widget.update(function="exponential", x_range=(-8.0, 8.0))  # other ticks and limits
        widget.figure.canvas.draw()
    renderer = fixed.figure.canvas.get_renderer()
    for ax_fixed, ax_auto in zip(fixed.figure.axes, auto.figure.axes, strict=True):
        np.testing.assert_allclose(
            ax_fixed.xaxis.label.get_window_extent(renderer).bounds,
            ax_auto.xaxis.label.get_window_extent(auto.figure.canvas.get_renderer()).bounds,
            atol=0.5,
        )


def test_the_first_picture_has_its_titles():
    # Titles drawn on their own (they are cached layers) once landed outside the figure until
    # the first change; ~700 pixels of the explorer's two titles were missing.
    for widget in (widgets.ActivationExplorer(keras=False), widgets.NeuronPlayground()):
        wrong = np.count_nonzero(np.any(pixels(widget.last_png) != full_render(widget), axis=-1))
        assert wrong < 50


def test_callback_errors_are_shown_not_lost(explorer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(plots, "activation_curve", broken)
    explorer.controls["function"].value = "tanh"  # must not raise inside the callback
    assert isinstance(explorer.last_error, RuntimeError)
    assert explorer.output.outputs[-1]["text"] == "Could not redraw: RuntimeError: boom\n"


VIEW = "application/vnd.jupyter.widget-view+json"


def ipywidgets_own_display(widget):
    """What ipywidgets itself shows for ``widget``: ipywidgets 8 returns it from
    ``_repr_mimebundle_``; 7.7 (Colab's) has no such method and passes it to ``display`` in
    ``_ipython_display_``."""
    if hasattr(widget, "_repr_mimebundle_"):
        return widget._repr_mimebundle_()
    shown = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ipywidgets.widgets.widget, "display", lambda data, raw: shown.append(data))
        widget._ipython_display_()
    (data,) = shown
    return data


def test_repr_is_short_and_stable(explorer):
    explorer.update(function="elu", alpha=0.5)
    assert repr(explorer) == "ActivationExplorer(function='elu', alpha=0.5)"
    bundle = explorer._repr_mimebundle_()
    assert bundle == {
        "text/plain": repr(explorer),
        VIEW: {"version_major": 2, "version_minor": 0, "model_id": explorer.widget.model_id},
    }
    # The same view as ipywidgets displays for the container, whatever its version.
    assert bundle[VIEW] == ipywidgets_own_display(explorer.widget)[VIEW]
    # What the kernel shows (IPython 7.34 on Colab, 8 or 9 elsewhere): the bundle, as it is.
    data, _ = DisplayFormatter().format(explorer)
    assert data == bundle
    explorer.widget.close()  # a closed widget has no view left: its text only
    assert explorer._repr_mimebundle_() == {"text/plain": repr(explorer)}


def _widget_tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _widget_tree(child)


ALL_WIDGETS = {
    "explorer": lambda: widgets.ActivationExplorer(keras=False),
    "playground": lambda: widgets.NeuronPlayground(resolution=10),
    "deep": lambda: widgets.DeepNetworkExplorer(depth=3, width=8),
    "trainer": lambda: widgets.PlaygroundTrainer(resolution=10),
}


@pytest.mark.parametrize("name", ALL_WIDGETS)
def test_every_setting_reaches_the_browser_with_ipywidgets_7_and_8(name):
    """ipywidgets 7.7 and 8 name some traits differently (Play's ``_playing`` / ``playing``).
    A keyword the installed version lacks is dropped with a warning, and an attribute it lacks
    becomes a plain Python attribute that never reaches the browser: neither may happen."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        widget = ALL_WIDGETS[name]()
        if name == "trainer":
            widget.controls["play"].playing = True
            widget.train(1)
            widget.step_button.click()
            widget.reset_button.click()
    assert not [w for w in caught if "unrecognized arguments" in str(w.message)]
    for control in _widget_tree(widget.widget):
        # What ipywidgets sets itself (selection widgets' ``equals``) is on a fresh one too.
        options = {"options": control.options} if control.has_trait("options") else {}
        fresh = set(vars(type(control)(**options)))
        plain = {k for k in vars(control) if not k.startswith("_") and not control.has_trait(k)}
        assert plain <= fresh, f"{type(control).__name__}: {plain - fresh} is not synced"


def test_explorer_without_keras_says_so(monkeypatch):
    def no_keras(*args, **kwargs):
        raise ImportError("No module named 'keras'")

    monkeypatch.setattr(plots, "keras_activation_curve", no_keras)
    explorer = widgets.activation_explorer(keras=True)
    assert explorer.last_difference is None
    assert not explorer.line_keras.get_visible()
    assert explorer.last_text.startswith(
        "relu(negative_slope=0.0, max_value=None, threshold=0.0): Keras is not installed "
        "(No module named 'keras')"
    )


def test_explorer_keras_overlay_and_its_cache(keras):
    explorer = widgets.activation_explorer(function="gelu", keras=True)
    assert explorer.line_keras.get_visible()
    # TensorFlow keeps gelu's constants in float32 even for float64 input (COURSE.md), so the
    # float64 curves agree to ~1e-8 rather than 1e-16; a wrong formula would be off by > 1e-3.
    assert 0 <= explorer.last_difference < 1e-7
    assert "companion (line) vs Keras (circles): max |difference| = " in explorer.last_text
    x = explorer.line_f.get_xdata()
    first = explorer.keras_curve("gelu", {"approximate": False}, x)
    assert explorer.keras_curve("gelu", {"approximate": False}, x) is first  # cached
    explorer.update(function="leaky_relu", negative_slope=0.1)
    assert explorer.last_difference < 1e-7  # leaky_relu's slope is float32 in TensorFlow
    explorer.update(function="relu", max_value=2.0, threshold=0.5)
    assert explorer.last_difference == 0.0  # comparisons and a maximum: exact
    explorer.controls["keras"].value = False
    assert explorer.last_difference is None and not explorer.line_keras.get_visible()


# --- neuron playground ---------------------------------------------------------------------------


def test_playground_draws_the_neuron_output_on_its_grid(playground):
    w1, w2, b = (playground.controls[k].value for k in ("w1", "w2", "b"))
    z = playground.grid @ np.array([w1, w2]) + b
    expected = activations.sigmoid(z).reshape(playground.xx.shape)
    np.testing.assert_array_equal(playground.last_output, expected)
    np.testing.assert_array_equal(playground.image.get_array(), expected)
    predicted = (playground.X @ np.array([w1, w2]) + b > 0).astype(int)
    assert playground.last_accuracy == np.mean(predicted == playground.y)
    assert playground.last_text == (
        "a = sigmoid(1.0·x1 - 1.0·x2 + 0.0); accuracy of 'class 1 where z > 0': "
        f"{playground.last_accuracy:.2f}"
    )
    assert playground.ax.get_title() == "a = sigmoid(w1·x1 + w2·x2 + b)"


def test_playground_reacts_to_each_slider(playground):
    for name, value in (("w1", 2.5), ("w2", 0.7), ("b", -1.0)):
        before_png, before_output = playground.last_png, playground.last_output
        updates = playground.n_updates
        playground.controls[name].value = value
        assert playground.n_updates == updates + 1
        assert playground.last_png != before_png
        assert not np.array_equal(playground.last_output, before_output)


def test_boundary_line_is_where_the_pre_activation_is_zero(playground):
    playground.update(w1=2.0, w2=-0.5, b=0.3)
    xs, ys = playground.line.get_data()
    np.testing.assert_allclose(2.0 * np.asarray(xs) - 0.5 * np.asarray(ys) + 0.3, 0, atol=1e-12)
    playground.update(w2=0.0)  # vertical line x1 = -b / w1
    xs, ys = playground.line.get_data()
    assert list(xs) == [-0.15, -0.15] and list(ys) == list(playground.extent[2:])
    playground.update(w1=0.0)
    assert len(playground.line.get_xdata()) == 0
    assert "w = 0: every point gets the same z" in playground.last_text


@pytest.mark.parametrize("name", widgets.neuron_activations())
def test_every_playground_activation_can_be_selected(playground, name):
    playground.controls["activation"].value = name
    z = playground.grid @ np.array([1.0, -1.0])
    np.testing.assert_array_equal(
        playground.last_output, activations.get(name)(z).reshape(playground.xx.shape)
    )
    low, high = playground.image.get_clim()
    assert low <= np.min(playground.last_output) and np.max(playground.last_output) <= high


def test_playground_offers_only_elementwise_activations(playground):
    options = playground.controls["activation"].options
    assert list(options) == widgets.neuron_activations()
    assert "softmax" not in options and "glu" not in options and "threshold" not in options
    assert {"sigmoid", "relu", "tanh"} <= set(options)


def test_changing_dataset_reloads_points_and_background(playground):
    draws = playground.n_background_draws
    old = playground.X.copy()
    playground.controls["dataset"].value = "circles"
    assert playground.n_background_draws == draws + 1
    assert not np.array_equal(playground.X, old)
    assert len(playground._points) == 2  # the old scatter was removed, not stacked


def test_playground_blitting_matches_a_full_draw(playground):
    playground.update(w1=1.1)
    draws = playground.n_background_draws
    stale = pixels(playground.last_png)
    playground.update(w1=1.6)  # sigmoid stays within the colour limits: no new background
    assert playground.n_background_draws == draws
    assert_blit_matches_full_draw(playground, stale)


def test_playground_activation_switch_uses_cached_layers(playground):
    draws = playground.n_background_draws
    for name in ("tanh", "relu", "sigmoid"):
        stale = pixels(playground.last_png)
        playground.controls["activation"].value = name
        assert_blit_matches_full_draw(playground, stale)
        assert playground.ax.get_title() == f"a = {name}(w1·x1 + w2·x2 + b)"
    assert playground.n_background_draws == draws


def test_playground_rejects_unknown_names():
    with pytest.raises(ValueError, match="activation must be one of"):
        widgets.neuron_playground(activation="softmax")
    with pytest.raises(ValueError, match="dataset must be one of"):
        widgets.neuron_playground(dataset="mnist")


def test_playground_repr(playground):
    assert repr(playground) == (
        "NeuronPlayground(dataset='moons', activation='sigmoid', w1=1.0, w2=-1.0, b=0.0)"
    )


def test_nice_limits_keep_round_numbers_and_move_only_when_needed():
    assert widgets.nice_limits(0.0, 1.0) == (-0.25, 1.25)
    assert widgets.nice_limits(0.1, 0.9, current=(-0.25, 1.25)) == (-0.25, 1.25)
    assert widgets.nice_limits(0.0, 3.0, current=(-0.25, 1.25)) != (-0.25, 1.25)  # outside
    assert widgets.nice_limits(0.5, 0.51, current=(-0.25, 1.25)) != (-0.25, 1.25)  # too small
    assert widgets.nice_limits(np.nan, 1.0) == widgets.nice_limits(-1.0, 1.0)
    low, high = widgets.nice_limits(2.0, 2.0)
    assert low < 2.0 < high


# --- deep network explorer -----------------------------------------------------------------------


@pytest.fixture
def deep():
    return widgets.DeepNetworkExplorer(depth=6, width=32)


def assert_rows_equal(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_explorer_numbers_are_those_of_diagnostics(deep):
    model, x, y = deep.model, deep.x, deep.y
    assert x.shape == (256, 32) and x.dtype == np.float32
    assert y.shape == (256,) and set(np.unique(y)) <= set(range(10))
    assert_rows_equal(
        deep.last_activation_rows, diagnostics.activation_histograms(model, x, bins=40)
    )
    grads = diagnostics.gradient_histograms(model, x, y, "sparse_categorical_crossentropy", bins=40)
    assert_rows_equal(deep.last_gradient_rows, grads)
    # The printed numbers are read off those tables: hidden layers 1..6, not the output layer.
    acts = diagnostics.activation_stats(model, x)
    summary = deep.last_summary
    assert summary["last_activation_std"] == acts[5]["std"]
    assert summary["grad_norm_ratio"] == grads[0]["grad_norm"] / grads[5]["grad_norm"]
    assert summary["saturated_pct"] == np.mean(acts.column("saturated_pct")[:6])
    assert np.isnan(summary["dead_pct"])  # tanh has no dead units
    assert deep.last_text == (
        f"6 × Dense(32, 'tanh'), glorot_uniform: std of layer 6's outputs "
        f"{acts[5]['std']:.3g}; gradient norm layer 1 / layer 6 = "
        f"{summary['grad_norm_ratio']:.3g}; saturated outputs {summary['saturated_pct']:.1f}%"
    )


def test_explorer_draws_each_layers_histogram_where_its_bins_are(deep):
    mesh = deep._meshes[deep.ax_act]
    coords, cells = mesh.get_coordinates(), mesh.get_array()
    assert cells.shape == (2 * 6 - 1, 40)
    for i, row in enumerate(deep.last_activation_rows[:6]):
        np.testing.assert_array_equal(cells[2 * i], row["counts"] / row["counts"].max())
        assert not cells.mask[2 * i].any()
        if i < 5:
            assert cells.mask[2 * i + 1].all()  # the gap to the next layer is not drawn
        np.testing.assert_array_equal(coords[2 * i, :, 0], row["edges"])
        np.testing.assert_array_equal(coords[2 * i, :, 1], i + 1 - 0.42)
    low, high = deep.ax_act.get_xlim()
    assert low <= min(r["edges"][0] for r in deep.last_activation_rows[:6])
    assert high >= max(r["edges"][-1] for r in deep.last_activation_rows[:6])
    assert deep.ax_act.get_ylim() == (6.5, 0.5)  # layer 1 at the top


def test_a_layer_with_a_tiny_range_is_drawn_one_percent_wide():
    explorer = widgets.DeepNetworkExplorer(depth=8, width=100, kernel_initializer="random_normal")
    rows = explorer.last_activation_rows[:8]
    coords = explorer._meshes[explorer.ax_act].get_coordinates()
    low, high = explorer.ax_act.get_xlim()
    last = rows[7]["edges"]
    # tanh with weights of std 0.05 halves the spread at every layer: layer 8's is ~1e-2 of
    # layer 1's, narrower than 1% of the axis, so it is widened around its own centre.
    assert last[-1] - last[0] < 0.01 * (high - low)
    drawn = coords[14, :, 0]
    assert drawn[-1] - drawn[0] == pytest.approx(0.01 * (high - low), rel=1e-12)
    assert (drawn[0] + drawn[-1]) / 2 == pytest.approx((last[0] + last[-1]) / 2, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "value"),
    [("depth", 9), ("width", 12), ("activation", "relu"), ("kernel_initializer", "he_normal")],
)
def test_each_explorer_control_rebuilds_the_network(deep, name, value):
    before_png, updates = deep.last_png, deep.n_updates
    deep.controls[name].value = value
    assert deep.last_error is None
    assert deep.n_updates == updates + 1
    assert deep.last_png != before_png
    c = deep.controls
    hidden = deep.model.layers[:-1]
    assert len(hidden) == c["depth"].value == len(deep.last_activation_rows) - 1
    assert all(layer.kernel.shape[1] == c["width"].value for layer in hidden)
    assert deep.x.shape == (256, c["width"].value)
    assert {layer.activation.__name__ for layer in hidden} == {c["activation"].value}
    expected = type(initializers.get(c["kernel_initializer"].value))
    assert all(type(layer.kernel_initializer) is expected for layer in hidden)
    assert deep.model.layers[-1].activation.__name__ == "softmax"
    assert deep.ax_act.get_ylim() == (c["depth"].value + 0.5, 0.5)


def test_explorer_shows_what_initialization_does_to_the_activations():
    explorer = widgets.DeepNetworkExplorer(depth=10, width=100)
    ratio = lambda: (
        explorer.last_summary["activation_std"][-1] / explorer.last_summary["activation_std"][0]
    )
    # Glorot keeps tanh's activations alive: measured 0.35 from layer 1 to layer 10.
    assert ratio() > 0.2
    # N(0, 0.05**2) weights on 100 inputs scale the spread by ~0.5 per layer: 0.5**9 = 2e-3
    # (measured 1.8e-3); 1e-2 leaves a factor of 5.
    explorer.update(kernel_initializer="random_normal")
    assert ratio() < 1e-2
    # relu with He's initialization keeps the spread (measured 1.0006) ...
    explorer.update(activation="relu", kernel_initializer="he_normal")
    assert 0.7 < ratio() < 1.4
    assert explorer.last_summary["dead_pct"] >= 0 and np.isnan(
        explorer.last_summary["saturated_pct"]
    )
    # ... and a linear stack with He's initialization grows by sqrt(2) per layer: 2**4.5 = 22.6.
    explorer.update(activation="linear")
    assert 15 < ratio() < 35
    # sigmoid's derivative is at most 1/4: the gradient vanishes towards the first layer
    # (measured layer 1 / layer 10 = 1.2e-6).
    explorer.update(activation="sigmoid", kernel_initializer="glorot_uniform")
    assert explorer.last_summary["grad_norm_ratio"] < 1e-4


def test_adding_layers_keeps_the_first_layers_weights(deep):
    first = [layer.get_weights() for layer in deep.model.layers[:6]]
    deep.update(depth=10)
    for before, layer in zip(first, deep.model.layers[:6], strict=True):
        for a, b in zip(before, layer.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_reused_layers_are_those_a_fresh_explorer_builds(deep):
    for change in (
        {"activation": "relu"},
        {"kernel_initializer": "orthogonal"},
        {"depth": 3},
        {"kernel_initializer": "glorot_uniform", "depth": 8, "activation": "selu"},
    ):
        deep.update(**change)
        fresh = widgets.DeepNetworkExplorer(**deep._summary(), seed=deep.seed)
        for ours, theirs in zip(deep.model.layers, fresh.model.layers, strict=True):
            assert ours.activation is theirs.activation
            for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
                np.testing.assert_array_equal(a, b)
        assert_rows_equal(deep.last_activation_rows, fresh.last_activation_rows)
        assert_rows_equal(deep.last_gradient_rows, fresh.last_gradient_rows)
    # Only the last few (width, initializer) networks are kept.
    for name in list(widgets.DEEP_INITIALIZERS)[:6]:
        deep.update(kernel_initializer=name)
    assert len(deep._hidden_layers) == deep.KEPT_NETWORKS


def test_explorer_is_deterministic_for_a_seed():
    a = widgets.DeepNetworkExplorer(depth=4, width=16, seed=3)
    b = widgets.DeepNetworkExplorer(depth=4, width=16, seed=3)
    assert_rows_equal(a.last_activation_rows, b.last_activation_rows)
    assert_rows_equal(a.last_gradient_rows, b.last_gradient_rows)
    assert a.last_text == b.last_text and a.last_png == b.last_png
    c = widgets.DeepNetworkExplorer(depth=4, width=16, seed=4)
    assert c.last_activation_rows[0]["std"] != a.last_activation_rows[0]["std"]


def test_explorer_blitting_matches_a_full_draw(deep):
    for change in ({"kernel_initializer": "random_normal"}, {"depth": 12}, {"activation": "relu"}):
        stale = pixels(deep.last_png)
        deep.update(**change)
        assert_blit_matches_full_draw(deep, stale)
    assert deep.n_background_draws == 1  # the colour bar, titles and frame were drawn once


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"depth": 1}, ValueError, "depth must be an integer between 2 and 50, but got 1"),
        ({"depth": 51}, ValueError, "depth must be an integer between 2 and 50, but got 51"),
        ({"depth": 2.5}, ValueError, "depth must be an integer between 2 and 50, but got 2.5"),
        ({"depth": "20"}, TypeError, "depth must be an integer between 2 and 50, but got str"),
        ({"width": 0}, ValueError, "width must be an integer between 4 and 256, but got 0"),
        ({"activation": "softmax"}, ValueError, "activation must be one of \\['linear'"),
        ({"kernel_initializer": "glorot"}, ValueError, "but got 'glorot'"),
        ({"seed": -1}, ValueError, "seed must be a non-negative int, but got -1"),
        ({"seed": "0"}, TypeError, "seed must be None, an int or a numpy.random.Generator"),
    ],
)
def test_explorer_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        widgets.deep_network_explorer(**kwargs)


def test_explorer_update_checks_before_changing_anything(deep):
    with pytest.raises(ValueError, match="depth must be an integer between 2 and 50, but got 100"):
        deep.update(activation="relu", depth=100)  # a slider would silently clamp 100 to 50
    assert deep.controls["activation"].value == "tanh" and deep.controls["depth"].value == 6
    with pytest.raises(ValueError, match="unknown control 'layers'"):
        deep.update(layers=3)


def test_explorer_factory_and_repr():
    explorer = widgets.deep_network_explorer(depth=3, width=8, activation="relu")
    assert repr(explorer) == (
        "DeepNetworkExplorer(depth=3, width=8, activation='relu', "
        "kernel_initializer='glorot_uniform')"
    )
    assert explorer.output in explorer.widget.children
    assert list(explorer.controls["kernel_initializer"].options)[0] == (
        "random_normal (std 0.05)",
        "random_normal",
    )
    assert set(widgets.DEEP_INITIALIZERS) <= set(initializers.names())
    assert set(widgets.DEEP_ACTIVATIONS) <= set(activations.names())


def test_zero_weights_are_reported_not_divided_by(deep):
    deep.update(kernel_initializer="zeros", activation="relu")
    assert deep.last_summary["dead_pct"] == 100.0
    assert np.isnan(deep.last_summary["grad_norm_ratio"])
    assert "the gradient of layer 6's kernel is 0; dead units 100.0%" in deep.last_text


# --- playground trainer --------------------------------------------------------------------------


@pytest.fixture
def trainer():
    return widgets.PlaygroundTrainer(dataset="gaussians", hidden_layers=(4,), resolution=20)


def test_trainer_starts_untrained_with_the_losses_of_its_initial_weights(trainer):
    assert trainer.epoch == 0
    assert trainer.history["epoch"] == [0]
    assert len(trainer.X_train) == len(trainer.X_test) == 100
    bce = losses.BinaryCrossentropy()
    # Probabilities clipped at 1e-7 vs the logits: equal to float32 rounding here (|z| < 5).
    for split in ("train", "test"):
        X, y = getattr(trainer, f"X_{split}"), getattr(trainer, f"y_{split}")
        p = trainer.model.predict(X)
        assert trainer.history[f"{split}_loss"][0] == pytest.approx(bce(y[:, None], p), rel=1e-5)
        assert trainer.history[f"{split}_accuracy"][0] == np.mean((p[:, 0] > 0.5) == y)
    np.testing.assert_array_equal(
        trainer.last_surface, trainer.model(trainer.grid)[:, 0].reshape(20, 20)
    )
    assert trainer.last_text.startswith("epoch 0: loss training ")


def test_training_reduces_the_loss_on_an_easy_dataset(trainer):
    trainer.train(20)
    h = trainer.history
    assert trainer.epoch == 20 and h["epoch"] == list(range(21))
    # Two well-separated blobs: measured 0.70 -> 0.073 in 20 epochs; we require a factor 4.
    assert h["train_loss"][-1] < 0.25 * h["train_loss"][0]
    assert h["test_loss"][-1] < 0.25 * h["test_loss"][0]
    assert h["test_accuracy"][-1] >= 0.95  # measured 0.99
    assert np.all(np.diff(h["train_loss"]) < 0)  # full-batch loss falls at every epoch here


def test_reset_restores_the_initial_weights_exactly(trainer):
    initial = trainer.model.get_weights()
    trainer.train(3)
    first_run = {k: list(v) for k, v in trainer.history.items()}
    assert not np.array_equal(trainer.model.get_weights()[0], initial[0])
    trainer.reset()
    assert trainer.epoch == 0 and trainer.history["epoch"] == [0]
    for a, b in zip(trainer.model.get_weights(), initial, strict=True):
        np.testing.assert_array_equal(a, b)
    trainer.train(3)  # same shuffling, same optimizer state: the same run again
    assert trainer.history == first_run


def test_trainer_is_deterministic_for_a_seed():
    a = widgets.PlaygroundTrainer(seed=5, resolution=10).train(2)
    b = widgets.PlaygroundTrainer(seed=5, resolution=10).train(2)
    assert a.history == b.history and a.last_png == b.last_png
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    c = widgets.PlaygroundTrainer(seed=6, resolution=10)
    assert not np.array_equal(c.X_train, a.X_train)


def test_train_in_chunks_equals_train_at_once():
    a = widgets.PlaygroundTrainer(resolution=10).train(4)
    b = widgets.PlaygroundTrainer(resolution=10)
    b.train(1).train(3)
    assert a.history == b.history


@pytest.mark.parametrize(
    ("name", "value"),
    [("dataset", "moons"), ("noise", 0.3), ("hidden_layers", "3, 2"), ("activation", "relu")],
)
def test_data_and_architecture_controls_restart_training(trainer, name, value):
    trainer.train(2)
    old_png, old_train = trainer.last_png, trainer.X_train.copy()
    old_kernel = trainer.model.layers[0].kernel.copy()
    trainer.controls[name].value = value
    assert trainer.last_error is None
    assert trainer.epoch == 0 and trainer.history["epoch"] == [0]
    assert trainer.last_png != old_png
    if name in ("dataset", "noise"):
        assert not np.array_equal(trainer.X_train, old_train)
        c = trainer.controls
        X, _ = data.make_2d(c["dataset"].value, n=200, noise=c["noise"].value, seed=0)
        shown = np.vstack([trainer.X_train, trainer.X_test])
        assert sorted(map(tuple, shown)) == sorted(map(tuple, X.astype(np.float32)))
    else:
        np.testing.assert_array_equal(trainer.X_train, old_train)
    hidden = trainer.model.layers[:-1]
    assert [layer.units for layer in hidden] == list(
        widgets.parse_hidden_layers(trainer.controls["hidden_layers"].value)
    )
    assert {layer.activation.__name__ for layer in hidden} == {trainer.controls["activation"].value}
    if name in ("dataset", "noise"):  # same architecture and seed: the same initial weights
        np.testing.assert_array_equal(trainer.model.layers[0].kernel, trainer._initial_weights[0])
    else:
        assert trainer.model.layers[0].kernel.shape != old_kernel.shape or not np.array_equal(
            trainer.model.layers[0].kernel, old_kernel
        )


def test_learning_rate_changes_the_step_without_restarting(trainer):
    trainer.train(2)
    trainer.controls["learning_rate"].value = 0.3
    assert trainer.epoch == 2 and trainer.model.optimizer.learning_rate == 0.3
    # Replay the next epoch by hand, from the same weights and with the same shuffled order:
    # plain SGD at the new rate, batches of 10, must give the trainer's weights bit for bit.
    replay = models.Sequential([layers.Dense(4, "tanh"), layers.Dense(1, "sigmoid")])
    replay.build((None, 2))
    replay.set_weights(trainer.model.get_weights())
    replay.compile(optimizers.SGD(learning_rate=0.3), "binary_crossentropy")
    rng = np.random.default_rng()
    rng.bit_generator.state = trainer._shuffle_rng.bit_generator.state
    order = rng.permutation(len(trainer.X_train))
    X, y = trainer.X_train, trainer.y_train[:, None].astype(np.float32)
    for start in range(0, len(X), 10):
        idx = order[start : start + 10]
        replay.train_step(X[idx], y[idx])
    trainer.train(1)
    for a, b in zip(replay.get_weights(), trainer.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_l2_applies_from_the_next_step_without_restarting(trainer):
    trainer.train(2)
    updates, png = trainer.n_updates, trainer.last_png
    trainer.controls["l2"].value = 0.01
    # Redrawn, with the same picture (nothing trained yet) and the penalty in the printed line.
    assert trainer.n_updates == updates + 1 and trainer.last_png == png
    assert trainer.epoch == 2 and trainer.history["epoch"] == [0, 1, 2]
    for layer in trainer.model.layers:
        assert isinstance(layer.kernel_regularizer, regularizers.L2)
        assert layer.kernel_regularizer.l2 == 0.01
    kernels = [layer.kernel for layer in trainer.model.layers]
    penalty = 0.01 * sum(float(np.sum(k.astype(np.float64) ** 2)) for k in kernels)
    assert float(sum(trainer.model.losses)) == pytest.approx(penalty, rel=1e-6)  # float32 sums
    assert trainer.last_text.endswith(f"; L2 penalty {sum(trainer.model.losses):.3g}")
    trainer.update(l2=0.0)
    assert all(layer.kernel_regularizer is None for layer in trainer.model.layers)


def test_l2_keeps_the_weights_smaller():
    plain = widgets.PlaygroundTrainer(hidden_layers=(16, 16), resolution=10).train(30)
    decayed = widgets.PlaygroundTrainer(hidden_layers=(16, 16), l2=0.03, resolution=10).train(30)
    size = lambda t: sum(float(np.sum(layer.kernel**2)) for layer in t.model.layers)
    # The same start and the same batches; the penalty's pull 2 * l2 * w shrinks the kernels
    # (measured: a third smaller); 10% is a clear margin.
    assert size(decayed) < 0.9 * size(plain)
    # The plotted losses are cross-entropies without the penalty, as in notebook 08.
    decayed.model(decayed.X_test)
    z = decayed.model.layers[-1].last_z
    ce = losses.BinaryCrossentropy(from_logits=True)(decayed.y_test[:, None].astype(z.dtype), z)
    assert decayed.history["test_loss"][-1] == ce


def synced_playing(play):
    """Play's running state as the browser gets it: ``playing`` in ipywidgets 8, ``_playing``
    in 7.7 (``play.playing`` must reach it in both, not become a plain Python attribute)."""
    (value,) = [v for k, v in play.get_state().items() if k in ("playing", "_playing")]
    return value


def test_play_ticks_train_frames_and_buttons_work(trainer):
    play = trainer.controls["play"]
    play.value = 1
    assert trainer.epoch == trainer.epochs_per_frame == 5
    play.value = 3
    assert trainer.epoch == 15
    play.value = 0  # Play starting over: no training
    assert trainer.epoch == 15
    play.value = 100  # a backlog of ticks: at most 5 frames at once
    assert trainer.epoch == 40
    trainer.step_button.click()
    assert trainer.epoch == 45
    play.playing = True
    assert synced_playing(play) is True
    trainer.reset_button.click()
    assert trainer.epoch == 0 and play.value == 0 and not play.playing
    assert synced_playing(play) is False
    with pytest.raises(ValueError, match="use train"):
        trainer.update(play=3)


def test_a_typo_in_the_layers_box_is_shown_not_raised(trainer):
    trainer.controls["hidden_layers"].value = "8, x"
    assert isinstance(trainer.last_error, ValueError)
    assert trainer.output.outputs[-1]["text"] == (
        "Could not redraw: ValueError: hidden_layers must be up to 6 layer sizes between 1 and "
        "64, like '8, 8' or (8, 8), but got '8, x'.\n"
    )
    trainer.controls["hidden_layers"].value = "8"
    assert trainer.last_error is None and trainer.model.layers[0].units == 8


def test_trainer_blitting_matches_a_full_draw(trainer):
    stale = pixels(trainer.last_png)
    trainer.train(30)
    assert_blit_matches_full_draw(trainer, stale)
    stale = pixels(trainer.last_png)
    trainer.update(dataset="xor")
    assert_blit_matches_full_draw(trainer, stale)
    # New data redrew the surface's axes as layers, not the whole figure.
    assert trainer.n_background_draws == 1


def test_trainer_legend_stays_on_top_of_the_curves():
    # The legend is pasted from a bitmap after the curves are drawn: it must look as in a full
    # draw, where it is drawn over them, wherever the curves go.
    trainer = widgets.PlaygroundTrainer(dataset="xor", hidden_layers=(4,), learning_rate=1.0)
    stale = pixels(trainer.last_png)
    trainer.train(40)
    assert_blit_matches_full_draw(trainer, stale)
    legend = trainer._legend.get_window_extent(trainer.figure.canvas.get_renderer())
    x0, y0, x1, y1 = (int(v) for v in legend.bounds[:2] + (legend.x1, legend.y1))
    height = trainer.figure.canvas.get_width_height()[1]
    rows = slice(height - y1 + 2, height - y0 - 2)  # the PNG's rows run from the top
    np.testing.assert_array_equal(
        pixels(trainer.last_png)[rows, x0 + 2 : x1 - 2], full_render(trainer)[rows, x0 + 2 : x1 - 2]
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8, 8", (8, 8)), ("16,4 2", (16, 4, 2)), ("(3, 3)", (3, 3)), ("", ()), (5, (5,)),
     ([2, 3], (2, 3))],
)  # fmt: skip
def test_parse_hidden_layers(value, expected):
    assert widgets.parse_hidden_layers(value) == expected


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"dataset": "mnist"}, ValueError, "dataset must be one of \\['moons', 'circles'"),
        ({"noise": 0.7}, ValueError, "noise must be a number between 0.0 and 0.6, but got 0.7"),
        ({"noise": -0.1}, ValueError, "noise must be a number between 0.0 and 0.6"),
        ({"hidden_layers": (0,)}, ValueError, "sizes between 1 and 64.*but got \\(0,\\)"),
        ({"hidden_layers": (8,) * 7}, ValueError, "up to 6 layer sizes"),
        ({"hidden_layers": 8.5}, TypeError, "hidden_layers must be .* but got float: 8.5"),
        ({"activation": "softmax"}, ValueError, "activation must be one of"),
        ({"l2": -0.01}, ValueError, "l2 must be a number between 0.0 and 10.0, but got -0.01"),
        ({"learning_rate": 0}, ValueError, "learning_rate must be a number between 1e-06"),
        ({"learning_rate": "fast"}, TypeError, "but got str: 'fast'"),
    ],
)
def test_trainer_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        widgets.playground_trainer(**kwargs)


def test_trainer_train_rejects_bad_epochs(trainer):
    with pytest.raises(ValueError, match="epochs must be an integer between 1 and 100000"):
        trainer.train(0)


def test_trainer_keeps_a_value_not_on_the_slider_and_has_a_stable_repr():
    trainer = widgets.playground_trainer(l2=0.002, learning_rate=0.05)
    assert trainer.controls["l2"].value == 0.002
    assert trainer.model.optimizer.learning_rate == 0.05
    assert repr(trainer) == (
        "PlaygroundTrainer(dataset='circles', noise=0.1, hidden_layers=(8, 8), "
        "activation='tanh', l2=0.002, learning_rate=0.05, epoch=0)"
    )
    assert trainer._repr_mimebundle_()["text/plain"] == repr(trainer)
    trainer.train(1)
    trainer.update(learning_rate=0.07)  # a value the slider lacks is added to it
    assert 0.07 in [v for _, v in trainer.controls["learning_rate"].options]
    assert trainer.model.optimizer.learning_rate == 0.07 and trainer.epoch == 1


def test_divergence_stops_training_and_says_so():
    trainer = widgets.PlaygroundTrainer(
        dataset="gaussians", activation="linear", learning_rate=3.0, noise=0.6, resolution=10
    )
    trainer.controls["play"].playing = True
    assert synced_playing(trainer.controls["play"]) is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings leak into the notebook
        trainer.train(10)
    # A linear network with SGD at rate 3 on these blobs overflows in its second epoch.
    assert trainer.diverged and trainer.epoch == 2
    assert not trainer.controls["play"].playing
    assert synced_playing(trainer.controls["play"]) is False  # the browser's button stops too
    assert trainer.last_text == (
        "epoch 2: the loss is no longer a finite number: training diverged. "
        "Lower the learning rate and press reset."
    )
    trainer.train(5)
    assert trainer.epoch == 2  # nothing more until a reset
    trainer.update(learning_rate=0.03)
    trainer.reset()
    trainer.train(3)
    assert not trainer.diverged and trainer.epoch == 3


@pytest.mark.slow
def test_widget_and_doctor_tests_pass_with_colabs_ipywidgets_7():
    """This file and test_doctor.py again, in the interpreter that COURSE_IPYWIDGETS7_PYTHON
    names (ipywidgets 7.7, as on Colab), with this checkout's companion.

    The same run by hand: ``make test-ipywidgets7``."""
    if ipywidgets.__version__.startswith("7."):
        pytest.skip("this is the ipywidgets 7 run")
    python = os.environ.get(IPYWIDGETS7_VARIABLE)
    if not python:
        pytest.skip(
            f"{IPYWIDGETS7_VARIABLE} is not set; to run with ipywidgets 7.7: {IPYWIDGETS7_SETUP}"
        )
    env = {k: v for k, v in os.environ.items() if k != IPYWIDGETS7_VARIABLE}
    env["PYTHONPATH"] = str(ROOT)
    probe = subprocess.run(
        [python, "-c", "import ipywidgets; print(ipywidgets.__version__)"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert probe.stdout.startswith("7."), (
        f"{IPYWIDGETS7_VARIABLE}={python} must have ipywidgets 7.x: {probe.stdout}{probe.stderr}"
        f"\nto make one: {IPYWIDGETS7_SETUP}"
    )
    tests = ["tests/test_widgets.py", "tests/test_doctor.py"]
    result = subprocess.run(
        [python, "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=1800,
    )  # fmt: skip
    assert result.returncode == 0, f"with ipywidgets {probe.stdout}" + result.stdout[-6000:]
