"""The playground trainer: train a small network on 2-D data and watch it learn."""

import numbers
import re

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from companion import plots
from companion.utils import blas_threads
from companion.widgets.base import (
    _axis_layers,
    _check_choice,
    _check_number,
    _FigureWidget,
    _Play,
    _widget_seed,
)

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
            # Opaque, so that it can be pasted over the curves from a bitmap (see _overlays).
            self._legend = self.ax_loss.legend(loc="upper right", framealpha=1.0)
        self.figure = fig
        self._overlays = [self._legend]
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
        # lesson, not an error: training stops and the printed line says what happened. The
        # matrices are tiny: one BLAS thread (see DeepNetworkExplorer.update).
        with np.errstate(over="ignore", invalid="ignore"), blas_threads(1):
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
        # A diverged network gives NaN colours.
        with np.errstate(over="ignore", invalid="ignore"), blas_threads(1):
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
