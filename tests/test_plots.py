"""companion.plots: every figure builds headless, has what it promises, and rejects bad input."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from companion import activations, plots  # noqa: E402

RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(40, 2))
Y2 = (X2[:, 0] > 0).astype(int)
HISTORY = {
    "loss": [0.9, 0.6, 0.5],
    "accuracy": [0.6, 0.75, 0.8],
    "val_loss": [1.0, 0.7, 0.65],
    "val_accuracy": [0.55, 0.7, 0.72],
}
ROWS = [
    {"layer": f"dense_{i}", "std": 0.5**i, "grad_norm": None if i == 2 else 1.0} for i in range(5)
]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


def renders(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


# Every public figure function, called the way a notebook would.
BUILDERS = {
    "activation_grid": lambda: plots.activation_grid(["relu", "tanh", "softmax"]),
    "plot_activation": lambda: plots.plot_activation("leaky_relu", negative_slope=0.1),
    "dense_shapes": lambda: plots.dense_shapes(32, 784, 10),
    "decision_surface": lambda: plots.decision_surface(lambda p: sigmoid(p[:, 0]), X2, Y2),
    "learning_curves": lambda: plots.learning_curves(HISTORY),
    "confusion_matrix": lambda: plots.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1]),
    "image_grid": lambda: plots.image_grid(RNG.random((5, 28, 28)), [0, 1, 2, 3, 4]),
    "layer_stats": lambda: plots.layer_stats(ROWS, "std", log=True),
    "histograms_by_layer": lambda: plots.histograms_by_layer([RNG.normal(size=50)] * 2),
    "network_diagram": lambda: plots.network_diagram([np.ones((3, 4)), -np.ones((4, 2))]),
    "fit_comparison": lambda: plots.fit_comparison(
        np.linspace(-1, 1, 9), np.linspace(-1, 1, 9) ** 2, {"line": np.full(9, 0.4)}
    ),
    "sigmoid_saturation": lambda: plots.sigmoid_saturation({"z": RNG.normal(size=50)}),
    "scalar_neuron_graph": lambda: plots.scalar_neuron_graph(2.0, -0.5, 0.3),
    "dense_layer_graph": lambda: plots.dense_layer_graph(
        np.ones((1, 2)), np.eye(2), np.zeros(2), np.ones((1, 2))
    ),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_figure_is_small_titled_labelled_and_renders(name):
    before = plt.get_fignums()
    fig = BUILDERS[name]()
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before  # not registered with pyplot: nothing to close
    assert fig.dpi == plots.FIGURE_DPI
    assert fig.get_size_inches()[0] <= 10.0
    main_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    has_suptitle = fig._suptitle is not None and fig._suptitle.get_text()
    assert has_suptitle or all(ax.get_title() for ax in main_axes)
    # Axes with ticks need axis labels; images and diagrams have neither ticks nor labels.
    for ax in main_axes:
        if ax.axison and ax.get_xticks().size:
            assert ax.get_xlabel() or fig._supxlabel is not None, f"{name}: no x label"
            assert ax.get_ylabel() or fig._supylabel is not None, f"{name}: no y label"
    assert renders(fig)


def test_palette_is_okabe_ito_and_the_style_applies_it():
    assert plots.PALETTE[:4] == ("#0072B2", "#E69F00", "#009E73", "#D55E00")
    with plots.style():
        assert matplotlib.rcParams["figure.dpi"] == plots.FIGURE_DPI
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert [c.upper() for c in cycle] == list(plots.PALETTE)


# --- activations ---------------------------------------------------------------------------


def test_catalogue_has_each_function_once_and_only_those_without_required_arguments():
    names = plots.catalogue()
    assert "silu" in names and "hard_silu" in names and "softmax" in names
    assert "swish" not in names and "hard_swish" not in names  # aliases
    assert "threshold" not in names  # needs threshold= and default_value=
    assert set(names) <= set(activations.names())


def test_activation_curve_elementwise_and_over_an_axis():
    x = np.linspace(-4, 4, 9)
    y, dy = plots.activation_curve("relu", x)
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    np.testing.assert_array_equal(dy, (x > 0).astype(float))
    # softmax([x, 0])[0] = 1 / (1 + exp(-x)) = sigmoid(x), derivative sigmoid * (1 - sigmoid).
    # Both are float64 computations of the same quantity: a few ulp apart.
    y, dy = plots.activation_curve("softmax", x)
    np.testing.assert_allclose(y, sigmoid(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dy, sigmoid(x) * (1 - sigmoid(x)), rtol=1e-12, atol=1e-15)
    y, dy = plots.activation_curve("glu", x)  # glu([x, 0]) = x * sigmoid(0) = x / 2
    np.testing.assert_allclose(y, x / 2, rtol=1e-15)
    np.testing.assert_allclose(dy, np.full_like(x, 0.5), rtol=1e-15)
    assert plots.activation_curve("tanh", x, derivative=False)[1] is None


def test_activation_grid_has_one_subplot_per_name_with_function_and_derivative():
    fig = plots.activation_grid(["relu", "tanh", "softmax", "elu"], ncols=3)
    assert titles(fig) == ["relu", "tanh", "softmax([x, 0])[0]", "elu"]
    # Function, derivative, and the two zero reference lines per subplot.
    assert [len(ax.lines) for ax in fig.axes] == [4, 4, 4, 4]
    assert "derivatives" in fig._suptitle.get_text()
    fig = plots.activation_grid("relu", derivative=False)
    assert len(fig.axes[0].lines) == 3


def test_activation_grid_defaults_to_the_catalogue():
    assert len(plots.activation_grid().axes) == len(plots.catalogue())


def test_plot_activation_lines_titles_and_parameters():
    fig = plots.plot_activation("elu", alpha=0.5)
    ax = fig.axes[0]
    assert ax.get_title() == "elu(alpha=0.5)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "f(x), f'(x)")
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(y, np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-15)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["elu", "derivative"]
    fig2, target = plt.subplots()
    try:
        assert plots.plot_activation("tanh", ax=target) is fig2
    finally:
        plt.close(fig2)


def test_plot_activation_with_keras_overlay(keras):
    fig = plots.plot_activation("gelu", keras_overlay=True)
    title = fig.axes[0].get_title()
    assert "max |companion - Keras| = " in title
    # TensorFlow keeps gelu's constants in float32 even for float64 input (COURSE.md), so the
    # float64 curves agree to ~1e-8, not 1e-16; a formula error would be > 1e-3.
    assert float(title.rsplit("= ", 1)[1]) < 1e-7
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][-1] == "Keras"


def test_bad_activation_input_is_rejected_with_a_clear_error():
    with pytest.raises(ValueError, match="Unknown activation 'rleu'"):
        plots.activation_grid(["rleu"])
    with pytest.raises(TypeError, match="non-empty list of activation names"):
        plots.activation_grid([])
    with pytest.raises(ValueError, match="1-D array of at least 2 points"):
        plots.plot_activation("relu", x=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="finite"):
        plots.plot_activation("relu", x=[0.0, np.nan])
    with pytest.raises(TypeError, match="matplotlib Axes"):
        plots.plot_activation("relu", ax="left")
    with pytest.raises(ValueError, match="ncols must be a positive integer"):
        plots.activation_grid(["relu"], ncols=0)


def test_properties_table_text_markdown_and_html():
    table = plots.properties_table(["relu", "sigmoid", "softmax"])
    assert [r["name"] for r in table.rows] == ["relu", "sigmoid", "softmax"]
    text = repr(table)
    assert text == str(table) == table.to_text() == repr(plots.properties_table(table_names()))
    lines = text.splitlines()
    assert lines[0].split() == ["name", *plots.PROPERTY_COLUMNS]
    assert lines[3].split()[:4] == ["sigmoid", "(0,", "1)", "no"]  # range, then zero_centred
    assert "0.25" in lines[3] and lines[4].split()[-2:] == ["-", "exp"]  # no max derivative
    markdown = table._repr_markdown_()
    assert markdown.splitlines()[0] == "| name | " + " | ".join(plots.PROPERTY_COLUMNS) + " |"
    html = table._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 4
    assert len(plots.properties_table()) == len(activations.PROPERTIES)
    with pytest.raises(ValueError, match="no properties recorded for \\['threshold'\\]"):
        plots.properties_table(["threshold"])


def table_names():
    return ["relu", "sigmoid", "softmax"]


def test_properties_cells_format_infinity_booleans_and_none():
    assert plots.properties_table(["exponential"]).rows[0]["max_derivative"] == np.inf
    assert plots.properties_table(["exponential"]).to_text().splitlines()[2].split()[-2] == "inf"
    cell = plots._format_cell
    assert [cell(True), cell(None), cell((0, -np.inf)), cell(1 / 6)] == [
        "yes",
        "-",
        "(0, -inf)",
        "0.1667",
    ]


# --- dense shapes ----------------------------------------------------------------------------


def test_dense_shapes_draws_four_labelled_boxes_and_counts_parameters():
    fig = plots.dense_shapes(batch=32, in_features=784, units=10)
    ax = fig.axes[0]
    assert ax.get_title() == "Dense layer: y = x @ W + b"
    texts = [t.get_text() for t in ax.texts]
    assert texts[:11] == ["x", "(32, 784)", "@", "W", "(784, 10)", "+", "b", "(10,)", "=", "y",
                          "(32, 10)"]  # fmt: skip
    assert "7850 parameters in all" in texts[-1]
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(boxes) == 4
    x_box, w_box = boxes[0], boxes[1]
    assert x_box.get_width() > x_box.get_height()  # 784 columns, 32 rows
    assert w_box.get_height() > w_box.get_width()  # 784 rows, 10 columns


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 3, 2), ValueError, "batch must be a positive integer, but got 0"),
        ((4, 2.5, 2), TypeError, "in_features must be a positive integer, but got 2.5"),
        ((4, 3, True), TypeError, "units must be a positive integer, but got True"),
    ],
)
def test_dense_shapes_rejects_bad_sizes(args, error, match):
    with pytest.raises(error, match=match):
        plots.dense_shapes(*args)


# --- decision surfaces -------------------------------------------------------------------------


def test_decision_surface_for_probabilities_has_colorbar_contour_and_points():
    fig = plots.decision_surface(lambda p: sigmoid(3 * p[:, 0]), X2, Y2, resolution=30)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the plot and its colour bar
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x1", "x2", "Decision surface")
    assert ax.images[0].get_array().shape == (30, 30)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert len(ax.collections) == 3  # contour at 0.5 + one scatter per class
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_surface_for_class_scores_and_models():
    scores = lambda p: np.stack([p[:, 0], -p[:, 0], p[:, 1]], axis=1)
    fig = plots.decision_surface(scores, X2, Y2, resolution=20, title="Three classes")
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "Three classes"
    assert set(np.unique(fig.axes[0].images[0].get_array())) <= {0, 1, 2}

    class Model:
        def predict(self, points, verbose="auto"):
            assert verbose == 0  # Keras would print a progress bar otherwise
            return sigmoid(points[:, :1])

    assert isinstance(plots.decision_surface(Model(), X2, Y2, resolution=10), Figure)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: plots.decision_surface(lambda p: p[:, :, None], X2, Y2), ValueError, "returned"),
        (lambda: plots.decision_surface(lambda p: p[:3, 0], X2, Y2), ValueError, "returned"),
        (lambda: plots.decision_surface(abs, X2[:, :1], Y2), ValueError, r"shape \(n, 2\)"),
        (lambda: plots.decision_surface(abs, X2, Y2[:5]), ValueError, "one label per point"),
        (lambda: plots.decision_surface(3, X2, Y2), TypeError, "predict_fn must be"),
        (lambda: plots.decision_surface(abs, X2, Y2 + 0.5), ValueError, "integer class labels"),
        (lambda: plots.decision_surface(abs, X2, Y2, resolution=1), ValueError, "resolution"),
    ],
)
def test_decision_surface_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- training curves and evaluation -----------------------------------------------------------


def test_learning_curves_one_subplot_per_metric_with_train_and_validation():
    fig = plots.learning_curves(HISTORY)
    assert titles(fig) == ["loss", "accuracy"]
    for ax in fig.axes:
        assert [line.get_label() for line in ax.lines] == ["training", "validation"]
        np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])  # epochs from 1
        assert ax.get_xlabel() == "epoch"
    np.testing.assert_array_equal(fig.axes[0].lines[1].get_ydata(), HISTORY["val_loss"])

    class History:
        history = {"loss": [1.0, 0.5]}

    fig = plots.learning_curves(History())
    assert titles(fig) == ["loss"] and len(fig.axes[0].lines) == 1


def test_learning_curves_rejects_bad_histories():
    with pytest.raises(TypeError, match="History"):
        plots.learning_curves([0.5, 0.4])
    with pytest.raises(ValueError, match="empty"):
        plots.learning_curves({})
    with pytest.raises(ValueError, match="one per epoch"):
        plots.learning_curves({"loss": [[1.0, 2.0]]})


def test_confusion_counts_and_matrix():
    counts = plots.confusion_counts([0, 1, 2, 2], [0, 2, 2, 1])
    np.testing.assert_array_equal(counts, [[1, 0, 0], [0, 0, 1], [0, 1, 1]])
    probabilities = np.eye(3)[[0, 2, 2, 1]] * 0.9 + 0.03
    np.testing.assert_array_equal(plots.confusion_counts(np.eye(3)[[0, 1, 2, 2]], probabilities),
                                  counts)  # fmt: skip
    fig = plots.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], class_names=["a", "b", "c"])
    ax = fig.axes[0]
    assert ax.get_title() == "Confusion matrix (accuracy 0.500)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert [t.get_text() for t in ax.texts] == ["1", "0", "0", "0", "0", "1", "0", "1", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    fig = plots.confusion_matrix([0, 1, 1, 1], [0, 1, 1, 0], normalize=True)
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.00", "0.00", "0.33", "0.67"]


def test_flags_must_be_bools():
    with pytest.raises(TypeError, match=r"`normalize` must be True or False, but got 'yes'"):
        plots.confusion_matrix([0, 1], [0, 1], normalize="yes")
    with pytest.raises(TypeError, match="`derivative` must be True or False"):
        plots.activation_grid(["relu"], derivative=0)


def test_confusion_rejects_mismatched_or_out_of_range_labels():
    with pytest.raises(ValueError, match="hold 3 and 2 labels"):
        plots.confusion_counts([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"from 0 to 1; found \[2\]"):
        plots.confusion_matrix([0, 1], [0, 2], class_names=["a", "b"])
    with pytest.raises(ValueError, match="integer class labels"):
        plots.confusion_counts([0.5], [0])


def test_image_grid_titles_mark_mistakes():
    images = RNG.random((6, 784))  # flat images are reshaped to 28 x 28
    fig = plots.image_grid(images, [0, 1, 2, 0, 1, 2], predictions=[0, 1, 0, 0, 2, 2],
                           class_names=["cat", "dog", "owl"], ncols=3)  # fmt: skip
    assert titles(fig) == ["cat", "dog", "pred: cat\ntrue: owl", "cat", "pred: owl\ntrue: dog",
                           "owl"]  # fmt: skip
    assert fig._suptitle.get_text() == "6 images: 2 misclassified"
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    wrong = fig.axes[2].title.get_color()
    assert matplotlib.colors.to_hex(wrong).upper() == plots.COLORS["vermillion"]
    assert len(plots.image_grid(RNG.random((40, 8, 8)), max_images=10).axes) == 10


def test_image_grid_rejects_bad_images_and_labels():
    with pytest.raises(ValueError, match="not square"):
        plots.image_grid(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="labels has 1 entries for 2 images"):
        plots.image_grid(np.zeros((2, 4, 4)), labels=[0])
    with pytest.raises(ValueError, match="images must have shape"):
        plots.image_grid(np.zeros((2, 4, 4, 2)))


# --- per-layer diagnostics ---------------------------------------------------------------------


def test_layer_stats_lines_bars_log_scale_and_comparisons():
    fig = plots.layer_stats(ROWS, "std", log=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "std per layer"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.5**i for i in range(5)])
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"dense_{i}" for i in range(5)]
    fig = plots.layer_stats(ROWS, "grad_norm", kind="bar")
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert np.isnan(heights[2]) and heights[0] == 1.0  # None becomes a gap
    named = [{"name": f"L{i}", "std": 1.0} for i in range(3)]
    fig = plots.layer_stats({"glorot": ROWS, "he": named}, "std")
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["glorot", "he"]


def test_layer_stats_rejects_bad_tables():
    with pytest.raises(ValueError, match=r"no column 'mean'; its columns are \['layer', 'std'"):
        plots.layer_stats(ROWS, "mean")
    with pytest.raises(ValueError, match="kind must be 'line' or 'bar'"):
        plots.layer_stats(ROWS, "std", kind="pie")
    with pytest.raises(TypeError, match="StatsTable"):
        plots.layer_stats([1, 2], "std")


def test_histograms_by_layer_legend_gives_mean_and_std():
    a, b = RNG.normal(size=400), 3 + 2 * RNG.normal(size=400)
    fig = plots.histograms_by_layer([a, b], ["first", "second"], bins=20)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_ylabel() == "density"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[1] == f"second: mean {np.mean(b):+.3f}, std {np.std(b):.3f}"
    # Density histograms integrate to 1 over the shared bins.
    x, y = ax.lines[0].get_data()
    assert np.sum(y) * (x[1] - x[0]) == pytest.approx(1.0, rel=1e-9)
    many = plots.histograms_by_layer([a] * 12)  # more layers than palette colours
    assert len({tuple(line.get_color()) for line in many.axes[0].lines}) == 12


def test_diagnostics_tables_plot_directly():
    from companion import diagnostics, layers, models

    model = models.Sequential([layers.Dense(8, activation="tanh", seed=i) for i in range(3)])
    x = RNG.normal(size=(32, 4))
    stats = diagnostics.activation_stats(model, x)
    fig = plots.layer_stats(stats, "std")
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [r["std"] for r in stats])
    table = diagnostics.activation_histograms(model, x, bins=10)
    ax = plots.histograms_by_layer(table).axes[0]
    assert [line.get_xdata().size for line in ax.lines] == [10, 10, 10]
    first = table[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), first["counts"])
    label = ax.get_legend().get_texts()[0].get_text()
    assert label == f"{first['layer']}: mean {first['mean']:+.3f}, std {first['std']:.3f}"
    assert ax.get_ylabel() == "density"
    counts = diagnostics.activation_histograms(model, x, bins=10, density=False)
    assert plots.histograms_by_layer(counts).axes[0].get_ylabel() == "count"
    with pytest.raises(ValueError, match="'counts' and 'edges'"):
        plots.histograms_by_layer(stats)


def test_histograms_by_layer_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one array"):
        plots.histograms_by_layer([])
    with pytest.raises(ValueError, match="got 2 arrays but 1 names"):
        plots.histograms_by_layer([np.zeros(3), np.ones(3)], ["a"])
    with pytest.raises(ValueError, match="no finite values"):
        plots.histograms_by_layer([np.array([np.nan])])


# --- lesson diagrams (notebooks 01-04) ---------------------------------------------------------


def test_dense_shapes_is_drawn_to_scale_for_small_sizes():
    fig = plots.dense_shapes(batch=5, in_features=3, units=4)
    ax = fig.axes[0]
    outlines = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_alpha() == 0.45]
    x_box, w_box, b_box, y_box = outlines
    unit = x_box.get_width() / 3
    assert x_box.get_height() == pytest.approx(5 * unit)  # (5, 3): 5 rows of 3
    assert (w_box.get_width(), w_box.get_height()) == pytest.approx((4 * unit, 3 * unit))
    assert (b_box.get_width(), b_box.get_height()) == pytest.approx((4 * unit, unit))
    assert (y_box.get_width(), y_box.get_height()) == pytest.approx((4 * unit, 5 * unit))
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 3 + 3 + 1 + 1  # row 0 of x, column 0 of W, b[0], y[0, 0]
    assert "hatched: y[0, 0] = x[0, :] · W[:, 0] + b[0]" in ax.texts[-1].get_text()
    big = plots.dense_shapes(32, 784, 10).axes[0].texts[-1].get_text()
    assert "not to scale" in big


def test_network_diagram_draws_one_arrow_per_weight_and_prints_the_kernel():
    W1 = np.array([[0.2, -0.5, 0.1, 0.0], [0.4, 0.3, -0.2, 1.0], [-0.1, 0.2, 0.3, -0.5]])
    W2 = RNG.normal(size=(4, 2))
    fig = plots.network_diagram([W1, W2], [np.zeros(4), np.ones(2)])
    ax, ax_m = fig.axes
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == W1.size + W2.size
    negative = [a for a in arrows if a.arrow_patch.get_linestyle() != "-"]
    assert len(negative) == int((W1 < 0).sum() + (W2 < 0).sum())  # dashed: a second cue
    assert ax.get_title() == "An MLP: 3 → 4 → 2"
    cells = {
        (r, c): cell.get_text().get_text() for (r, c), cell in ax_m.tables[0].get_celld().items()
    }
    assert cells[1, 1] == "-0.50" and cells[0, 3] == "unit 3" and cells[4, 0] == "+0.00"
    neuron = plots.network_diagram(W1[:, :1], [np.array([0.3])])
    assert neuron.axes[0].get_title() == "One neuron: 3 inputs, 1 unit"
    assert "+0.2" in [t.get_text() for t in neuron.axes[0].texts]  # weights on the arrows


@pytest.mark.parametrize(
    ("kernels", "error", "match"),
    [
        ([np.ones((3, 4)), np.ones((3, 2))], ValueError, "its first axis must be 4"),
        ([np.ones(3)], ValueError, "must be 2-D"),
        ("W", TypeError, "kernels must be a 2-D array"),
        ([np.ones((20, 2))], ValueError, "at most 12 units"),
    ],
)
def test_network_diagram_rejects_bad_kernels(kernels, error, match):
    with pytest.raises(error, match=match):
        plots.network_diagram(kernels)


def test_fit_comparison_legend_gives_each_fits_largest_error():
    x = np.linspace(-1, 1, 21)
    fig = plots.fit_comparison(x, x**2, {"line": np.full(21, 0.5), "exact": x**2})
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["target", "line (max error 0.5)", "exact (max error 0)"]
    styles = [line.get_linestyle() for line in fig.axes[0].lines[1:]]
    assert len(set(styles)) == 2  # line styles differ, not only colours
    with pytest.raises(ValueError, match="fits\\['line'\\] has shape"):
        plots.fit_comparison(x, x**2, {"line": np.ones(3)})


def test_sigmoid_saturation_reports_the_mean_slope_per_input_set():
    fig = plots.sigmoid_saturation({"at 0": np.zeros(5), "far": np.full(5, 10.0)})
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend == ["at 0: mean σ'(z) = 0.25", "far: mean σ'(z) = 4.5e-05"]
    with pytest.raises(TypeError, match="non-empty dict"):
        plots.sigmoid_saturation([1.0, 2.0])


def test_scalar_graph_writes_the_chain_rule_numbers_on_its_edges():
    fig = plots.scalar_neuron_graph(2.0, -0.5, 0.3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    dz = 1 - np.tanh(-0.7) ** 2  # z = -0.5 * 2 + 0.3
    assert "z = -0.7" in texts
    assert f"dL/dw = x·dL/dz = {2 * dz:.3g}" in texts
    assert f"dL/dx = w·dL/dz = {-0.5 * dz:.3g}" in texts


def test_dense_layer_graph_matches_the_backward_formulas():
    x, W, b, G = (
        np.array([[1.0, -2.0]]),
        np.array([[0.5, -0.3], [0.2, 0.8]]),
        np.array([0.1, -0.2]),
        np.array([[1.0, -0.5]]),
    )
    texts = " ".join(t.get_text() for t in plots.dense_layer_graph(x, W, b, G).axes[0].texts)
    delta = G * (1 - np.tanh(x @ W + b) ** 2)
    assert str(np.round(x.T @ delta, 2).tolist()) in texts
    assert str(np.round(delta @ W.T, 2).tolist()) in texts
    with pytest.raises(ValueError, match="grad_output must have the output's shape"):
        plots.dense_layer_graph(x, W, b, np.ones((2, 2)))


def test_graph_diagram_rejects_edges_between_unknown_nodes():
    with pytest.raises(ValueError, match="between known nodes"):
        plots.graph_diagram({"a": (0, 0, "a")}, [("a", "b", "", "")], "t")


def _residual(keras):
    x = keras.Input(shape=(4,), name="x")
    f = keras.layers.Dense(4, activation="relu", name="f1")(x)
    f = keras.layers.Dense(4, name="f2")(f)
    added = keras.layers.Add(name="add_skip")([x, f])
    return keras.Model(x, keras.layers.Dense(1, name="out")(added), name="res")


def test_graph_edges_reads_a_functional_and_a_sequential_model(keras):
    assert plots.graph_edges(_residual(keras)) == [
        ("x", "f1"), ("f1", "f2"), ("x", "add_skip"), ("f2", "add_skip"), ("add_skip", "out")
    ]  # fmt: skip
    seq = keras.Sequential(
        [keras.Input(shape=(3,)), keras.layers.Dense(2, name="a"), keras.layers.Dense(1, name="b")]
    )
    assert plots.graph_edges(seq)[1:] == [("a", "b")]  # after the edge from the Input
    fig = plots.model_graph(seq, use_keras=False)
    boxes = [t.get_text() for t in fig.axes[0].texts if t.get_text()]
    assert boxes[1:] == ["a (Dense)", "b (Dense)"] and boxes[0].endswith("(Input)")


def test_model_graph_companion_drawing_marks_the_skip(keras):
    fig = plots.model_graph(_residual(keras), "residual", use_keras=False)
    ax = fig.axes[0]
    assert ax.get_title() == "residual"
    boxes = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert boxes == ["add_skip (Add)", "f1 (Dense)", "f2 (Dense)", "out (Dense)", "x (InputLayer)"]
    dashed = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None
              and t.arrow_patch.get_linestyle() != "-"]  # fmt: skip
    assert len(dashed) == 1  # the skip from x to add_skip, the only edge over a row


@pytest.mark.skipif(not plots._graphviz_available(), reason="needs pydot and Graphviz's dot")
def test_model_graph_uses_keras_plot_model_where_graphviz_is_installed(keras):
    fig = plots.model_graph(_residual(keras))
    (image,) = fig.axes[0].images
    assert image.get_array().shape[0] > 100  # a rendered diagram, not the companion's boxes
    assert fig.get_size_inches()[0] <= 10.0
