"""Figures everyone can read: a text alternative after every figure, and only safe colours.

1. Every code cell of a stored notebook that shows a figure (an ``image/png`` output) is
   followed by a markdown cell whose first line starts with ``*Figure:*``: one sentence that
   says what the figure shows, for a screen reader and for a reader who cannot tell the
   curves apart (the convention is in docs/notebook-authoring.md).
2. Every colour that the companion's figures and widgets draw is an Okabe-Ito colour
   (``plots.PALETTE``) or a neutral grey (black, white and greys carry no hue to confuse), and
   every colour map is one of the course's colour-blind-safe maps. The test walks every artist
   of each figure (lines and their markers, patches, collections, texts, images).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from test_plots import BUILDERS  # noqa: E402

from companion import plots, widgets  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ALT_TEXT_NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALT_TEXT = "*Figure:*"

PALETTE_RGB = {tuple(np.round(to_rgba(c)[:3], 3)) for c in plots.PALETTE}
SAFE_COLORMAPS = {
    plots.SEQUENTIAL,
    plots.DIVERGING.name,
    plots.DIVERGING_LIGHT.name,
    "gray",
    "gray_r",
    "white_blue",  # the deep-network widget: white to the palette's blue
}


def figure_cells(path):
    """(index, next cell) for every code cell with a figure among its outputs."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            yield i, nb.cells[i + 1] if i + 1 < len(nb.cells) else None


@pytest.mark.parametrize("path", ALT_TEXT_NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_figure_is_followed_by_a_one_sentence_text_alternative(path):
    found = list(figure_cells(path))
    assert found, f"{path.name} shows no figure"
    for index, after in found:
        where = f"{path.name}, cell {index}"
        assert after is not None and after.cell_type == "markdown", f"{where}: no alt text after"
        first = after.source.splitlines()[0] if after.source else ""
        assert first.startswith(ALT_TEXT), f"{where}: the next cell must start with {ALT_TEXT}"
        sentence = first[len(ALT_TEXT) :].strip()
        assert len(sentence.split()) >= 6, f"{where}: the alt text is too short: {sentence!r}"


@pytest.mark.parametrize("path", ALT_TEXT_NOTEBOOKS[1:5], ids=lambda p: p.stem[:2])
def test_notebooks_01_to_04_store_at_least_three_figures(path):
    assert len(list(figure_cells(path))) >= 3


def _colors_of(artist):
    """The RGBA colours an artist draws with (fully transparent ones are not drawn)."""
    colors = []
    if isinstance(artist, Line2D):
        colors += [artist.get_color(), artist.get_markerfacecolor(), artist.get_markeredgecolor()]
    elif isinstance(artist, Patch):
        colors += [artist.get_facecolor(), artist.get_edgecolor()]
    elif isinstance(artist, Collection) and not isinstance(artist.get_array(), np.ndarray):
        colors += list(artist.get_facecolors()) + list(artist.get_edgecolors())
    elif isinstance(artist, Text):
        colors.append(artist.get_color())
        if artist.get_bbox_patch() is not None:
            colors += _colors_of(artist.get_bbox_patch())
    rgba = []
    for c in colors:
        if isinstance(c, str) and c in ("none", "None"):
            continue
        value = to_rgba(c)
        if value[3] > 0:
            rgba.append(value)
    return rgba


def unsafe_colors(fig):
    """Colours (and colour maps) of ``fig`` that are neither Okabe-Ito nor neutral grey."""
    bad = set()
    for artist in fig.findobj():
        if isinstance(artist, AxesImage) or (
            isinstance(artist, Collection) and isinstance(artist.get_array(), np.ndarray)
        ):
            name = artist.get_cmap().name
            listed = getattr(artist.get_cmap(), "colors", None)
            from_palette = listed is not None and all(
                tuple(np.round(to_rgba(c)[:3], 3)) in PALETTE_RGB for c in listed
            )
            if name not in SAFE_COLORMAPS and not from_palette:
                bad.add(f"colour map {name}")
            continue
        for r, g, b, _ in _colors_of(artist):
            grey = max(r, g, b) - min(r, g, b) < 0.01
            if not grey and (round(r, 3), round(g, 3), round(b, 3)) not in PALETTE_RGB:
                bad.add(f"{type(artist).__name__} {matplotlib.colors.to_hex((r, g, b))}")
    return bad


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_plot_functions_draw_with_the_palette_only(name):
    fig = BUILDERS[name]()
    fig.canvas.draw()  # some artists (legends, tables) are made at draw time
    assert not unsafe_colors(fig)


def test_model_graph_draws_with_the_palette_only(keras):
    inputs = keras.Input(shape=(3,), name="x")
    h = keras.layers.Dense(3, name="d")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="add")([inputs, h]))
    fig = plots.model_graph(model, use_keras=False)
    fig.canvas.draw()
    assert not unsafe_colors(fig)


WIDGETS = {
    "explorer": lambda: widgets.ActivationExplorer(keras=False),
    "playground": lambda: widgets.NeuronPlayground(resolution=10),
    "deep": lambda: widgets.DeepNetworkExplorer(depth=3, width=8),
    "trainer": lambda: widgets.PlaygroundTrainer(resolution=10),
}


@pytest.mark.parametrize("name", sorted(WIDGETS))
def test_widgets_draw_with_the_palette_only(name):
    fig = WIDGETS[name]().figure
    fig.canvas.draw()
    assert not unsafe_colors(fig)


def test_the_colour_check_catches_a_colour_outside_the_palette():
    fig, ax = plots.new_figure()
    ax.plot([0, 1], [0, 1], color="tab:red")
    ax.imshow(np.eye(2), cmap="jet")
    assert unsafe_colors(fig) == {"Line2D #d62728", "colour map jet"}
