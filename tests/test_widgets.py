"""companion.widgets: callbacks run headless, react to value changes, and draw what they say."""

import base64
import io

import ipywidgets
import numpy as np
import pytest
from PIL import Image

from companion import activations, plots, widgets


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


def test_callback_errors_are_shown_not_lost(explorer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(plots, "activation_curve", broken)
    explorer.controls["function"].value = "tanh"  # must not raise inside the callback
    assert isinstance(explorer.last_error, RuntimeError)
    assert explorer.output.outputs[-1]["text"] == "Could not redraw: RuntimeError: boom\n"


def test_repr_is_short_and_stable(explorer):
    explorer.update(function="elu", alpha=0.5)
    assert repr(explorer) == "ActivationExplorer(function='elu', alpha=0.5)"
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == repr(explorer)
    assert "application/vnd.jupyter.widget-view+json" in bundle


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
