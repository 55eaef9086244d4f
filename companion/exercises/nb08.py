"""Exercises of notebook 08, the overfitting pitfall.

- ``q1``: ``l2_penalty(weights, l2)`` -- Keras's L2 penalty summed over several weight arrays.
- ``q2``: ``dropout(x, rate, rng)`` -- inverted dropout in training mode, checked by its
  statistics (which values survive, how they are scaled, how many are dropped).
- ``q3``: ``make_early_stopping()`` -- a ``keras.callbacks.EarlyStopping`` configured to stop
  when validation stops improving and to keep the best weights.
- ``q4``: ``build_regularized_model()`` -- a Keras model with an L2 penalty and dropout, to a
  spec; the check reads its layers.
- ``q5``: predict, measure, interpret -- how the train-validation gap changes as the training
  set grows from 250 to 2,000 images at an equal number of optimizer steps. The learner
  predicts, sweeps with ``train_subset(n, seed)`` over three seeds, and picks the statement the
  numbers support; the check runs the reference measurement itself.

Keras is imported inside the checks that need it.
"""

import functools
import numbers

import numpy as np

from companion.exercises.core import (
    NotYet,
    Question,
    call_learner,
    expect_callable,
    expect_keras_layers,
    expect_number,
    for_case,
    keras_setup,
    load_keras,
    require_result,
)

__all__ = ["q1", "q2", "q3", "q4", "q5", "train_subset", "QUESTIONS"]


_call, _blank, _keras, _keras_setup = call_learner, require_result, load_keras, keras_setup


def _as_number(result, label):
    arr = np.asarray(result)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise NotYet(f"{label}, the result should be a number, but it is {type(result).__name__}.")
    if arr.size != 1:
        raise NotYet(
            f"{label}, the result has shape {arr.shape}: the penalty is one number, a sum "
            "over every weight of every array."
        )
    return float(arr.reshape(()))


# ---------------------------------------------------------------------------------------------
# q1: the L2 penalty of several weight arrays


def _l2_ref(weights, l2):
    return float(l2 * sum(np.sum(np.square(np.asarray(w, np.float64))) for w in weights))


def _l2_cases():
    rng = np.random.default_rng(3)
    return [
        ([np.array([[1.0, -2.0], [0.5, 3.0]])], 0.5),
        ([rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))], 0.01),
        ([rng.normal(size=(7, 6)), rng.normal(size=(6,))], 1e-3),
    ]


def _l2_mistakes(weights, l2):
    w64 = [np.asarray(w, np.float64) for w in weights]
    sq = sum(np.sum(w**2) for w in w64)
    return [
        (
            0.5 * l2 * sq,
            "that has a factor 1/2. Many textbooks write (l2 / 2) * sum(w**2); Keras does not: "
            "its L2(l2) adds l2 * sum(w**2).",
        ),
        (
            l2 * np.sqrt(sq),
            "that is l2 times the norm of the weights; the penalty uses the squared norm, "
            "sum(w**2), without a square root.",
        ),
        (
            l2 * sum(np.sum(np.abs(w)) for w in w64),
            "that is the L1 penalty (absolute values); L2 squares each weight.",
        ),
        (
            l2 * float(np.sum(w64[0] ** 2)),
            "only the first array counts: add the penalties of every array in the list.",
        ),
        (
            l2 * sum(float(np.sum(w)) ** 2 for w in w64),
            "that squares the sum of the weights; square each weight first, then sum.",
        ),
    ]


def _check_l2(l2_penalty):
    expect_callable(l2_penalty, n_args=2, name="l2_penalty", arg_names=("weights", "l2"))
    for i, (weights, l2) in enumerate(_l2_cases(), start=1):
        shapes = [w.shape for w in weights]
        label = f"for test case {i} (arrays of shapes {shapes}, l2={l2})"
        result = _call(l2_penalty, ([w.copy() for w in weights], l2), "l2_penalty", label)
        _blank(result, "l2_penalty")
        value = _as_number(result, label)
        # float64 sums: rounding only. A float32 computation stays within ~1e-6 relative.
        with for_case(label):
            expect_number(
                value,
                _l2_ref(weights, l2),
                rtol=1e-5,
                name="your penalty",
                mistakes=_l2_mistakes(weights, l2),
                reveal=True,
            )


q1 = Question(
    "q1",
    prompt=(
        "Write l2_penalty(weights, l2): Keras's L2 penalty of a list of weight arrays, "
        "l2 * (sum of the squares of every weight in every array)."
    ),
    check_fn=_check_l2,
    hint=[
        "np.sum(w ** 2) is the sum of squares of one array; add them up over the list.",
        "return l2 * sum(np.sum(w ** 2) for w in weights)  (no 1/2, no square root).",
    ],
    solution_source="""
def l2_penalty(weights, l2):
    return l2 * sum(np.sum(w**2) for w in weights)  # Keras: no 1/2
""",
    correct=(
        "the number Keras adds to the loss for kernel_regularizer=L2(l2), layer by layer "
        "(model.losses)."
    ),
)


# ---------------------------------------------------------------------------------------------
# q2: inverted dropout

# With n values dropped independently with probability rate, the fraction dropped has standard
# deviation sqrt(rate * (1 - rate) / n): 0.0011 for n = 200,000 at rate 0.5. A tolerance of
# 0.01 is 9 standard deviations, so a correct function never fails, while dropping with
# probability 1 - rate (off by 0.5 at rate 0.25) always does.
_N_ROWS, _N_COLS = 400, 500
_FRACTION_TOL = 0.01


def _dropout_inputs():
    rng = np.random.default_rng(21)
    # Nonzero values of both signs, so that "dropped" (0) and "kept" are always told apart.
    x = rng.uniform(0.5, 2.0, size=(_N_ROWS, _N_COLS)) * rng.choice([-1.0, 1.0], (_N_ROWS, _N_COLS))
    return x


def _run_dropout(fn, x, rate, seed, label):
    result = _call(fn, (x, rate, np.random.default_rng(seed)), "dropout", label)
    _blank(result, "dropout")
    arr = np.asarray(result)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise NotYet(f"{label}, dropout should return an array, but it returned {type(result)}.")
    if arr.shape != x.shape:
        raise NotYet(
            f"{label}, the output has shape {arr.shape}; dropout keeps the input's shape "
            f"{x.shape}: draw one mask value per input value."
        )
    return arr.astype(np.float64)


def _check_dropout(dropout):
    expect_callable(dropout, n_args=3, name="dropout", arg_names=("x", "rate", "rng"))
    x = _dropout_inputs()

    for rate in (0.5, 0.25):
        label = f"with rate={rate}"
        out = _run_dropout(dropout, x, rate, 1, label)
        dropped = out == 0
        kept = ~dropped
        if np.allclose(out[kept], x[kept], rtol=1e-6, atol=0) and dropped.any():
            raise NotYet(
                f"{label}, the kept values are unchanged. Inverted dropout scales them by "
                "1 / (1 - rate), so that the expected output equals the input and nothing "
                "needs to change at inference time."
            )
        if np.allclose(out[kept], x[kept] * (1 - rate), rtol=1e-6, atol=0) and dropped.any():
            raise NotYet(
                f"{label}, the kept values are multiplied by (1 - rate); divide by it instead: "
                "x * mask / (1 - rate)."
            )
        if not np.allclose(out[kept], x[kept] / (1 - rate), rtol=1e-5, atol=0):
            raise NotYet(
                f"{label}, every value should be either 0 (dropped) or x / (1 - rate) (kept), "
                "but some are neither."
            )
        fraction = float(dropped.mean())
        if abs(fraction - rate) > _FRACTION_TOL:
            extra = (
                " It looks like you keep values with probability `rate`: a value is DROPPED "
                "with probability rate (keep it where rng.random(x.shape) >= rate)."
                if abs(fraction - (1 - rate)) <= _FRACTION_TOL
                else ""
            )
            raise NotYet(
                f"{label}, {fraction:.3f} of the values were dropped; about {rate} should be."
                + extra
            )
    out = _run_dropout(dropout, x, 0.0, 0, "with rate=0")
    if not np.allclose(out, x, rtol=1e-6, atol=0):
        raise NotYet("with rate=0 nothing should be dropped or scaled: the output equals x.")

    again = _run_dropout(dropout, x, 0.5, 1, "with rate=0.5, called again with the same seed")
    first = _run_dropout(dropout, x, 0.5, 1, "with rate=0.5")
    if not np.array_equal(again, first):
        raise NotYet(
            "two calls with generators made from the same seed gave different masks: draw the "
            "random numbers from the `rng` argument (rng.random(x.shape)), not from np.random, "
            "so that results can be repeated."
        )


q2 = Question(
    "q2",
    prompt=(
        "Write dropout(x, rate, rng): inverted dropout in training mode. Drop each value "
        "with probability rate (draw from rng) and scale the kept ones by 1 / (1 - rate)."
    ),
    check_fn=_check_dropout,
    hint=[
        "mask = rng.random(x.shape) >= rate is True for the values you keep (with "
        "probability 1 - rate).",
        "return x * mask / (1 - rate)  (a new array; do not change x in place).",
    ],
    solution_source="""
def dropout(x, rate, rng):
    mask = rng.random(x.shape) >= rate  # keep with probability 1 - rate
    return x * mask / (1 - rate)  # scaled so that the expected output is x
""",
    correct=(
        "the dropped fraction is rate and the mean is preserved, the same statistics as "
        "keras.layers.Dropout(rate)(x, training=True)."
    ),
)


# ---------------------------------------------------------------------------------------------
# q3: an early-stopping configuration

_PATIENCE = (2, 10)
_VALIDATION = {"val_loss": "min", "val_accuracy": "max", "val_ce": "min"}


def _check_early_stopping(make_early_stopping):
    keras = _keras()
    expect_callable(make_early_stopping, n_args=0, name="make_early_stopping")
    cb = _call(make_early_stopping, (), "make_early_stopping", "calling make_early_stopping()")
    _blank(cb, "make_early_stopping")
    if isinstance(cb, type):
        raise NotYet(
            "make_early_stopping returned the class itself; return an instance: "
            "keras.callbacks.EarlyStopping(...)."
        )
    if not isinstance(cb, keras.callbacks.EarlyStopping):
        raise NotYet(
            "make_early_stopping should return a keras.callbacks.EarlyStopping, but it "
            f"returned {type(cb).__name__}."
        )
    if cb.monitor in ("loss", "accuracy", "ce"):
        raise NotYet(
            f"it monitors {cb.monitor!r}, measured on the training data, which keeps "
            "improving while the network overfits. Monitor a validation value, such as "
            "'val_loss' (the default)."
        )
    if cb.monitor not in _VALIDATION:
        raise NotYet(
            f"it monitors {cb.monitor!r}; the fit in this notebook reports 'val_loss', "
            "'val_accuracy' and 'val_ce'. 'val_loss' is the usual choice."
        )
    want_mode = _VALIDATION[cb.monitor]
    if cb.mode not in ("auto", want_mode):
        raise NotYet(
            f"mode={cb.mode!r} with monitor={cb.monitor!r} would stop when it gets better: "
            f"use mode={want_mode!r} or leave mode='auto'."
        )
    low, high = _PATIENCE
    if cb.patience < low:
        raise NotYet(
            f"patience={cb.patience} stops at the first epoch that does not improve; "
            "validation curves are noisy, so give it a few epochs (3 to 5 is common)."
        )
    if cb.patience > high:
        raise NotYet(
            f"patience={cb.patience} waits so long that, in a 25-epoch run, it would rarely "
            "stop at all; 3 to 5 epochs is common."
        )
    if not cb.restore_best_weights:
        raise NotYet(
            "restore_best_weights is False, so the model keeps the weights of the LAST epoch, "
            f"{cb.patience} epochs past the best one. Set restore_best_weights=True."
        )


q3 = Question(
    "q3",
    prompt=(
        "Write make_early_stopping() that returns a keras.callbacks.EarlyStopping which "
        "watches a validation value, waits a few epochs and restores the best weights."
    ),
    check_fn=_check_early_stopping,
    hint=[
        "keras.callbacks.EarlyStopping(monitor='val_loss', patience=..., "
        "restore_best_weights=...).",
        "patience between 2 and 10 (3 to 5 is common) and restore_best_weights=True.",
    ],
    solution_source="""
def make_early_stopping():
    return keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=4, restore_best_weights=True
    )
""",
    setup=_keras_setup,
    correct=(
        "training stops a few epochs after the validation value stops improving, and the "
        "model ends with the weights of its best epoch."
    ),
)


# ---------------------------------------------------------------------------------------------
# q4: a regularized model to a spec

_SPEC = (
    "Input (784,) -> Dense(256, relu, kernel_regularizer=L2(1e-4)) -> Dropout(0.5) -> "
    "Dense(10, softmax)"
)


def _check_regularized(build_regularized_model):
    keras = _keras()
    expect_callable(build_regularized_model, n_args=0, name="build_regularized_model")
    model = _call(
        build_regularized_model, (), "build_regularized_model", "calling build_regularized_model()"
    )
    _blank(model, "build_regularized_model")
    hidden, drop, head = expect_keras_layers(
        model, "build_regularized_model", (784,), ["Dense", "Dropout", "Dense"], _SPEC
    )
    if hidden.units != 256 or hidden.get_config().get("activation") != "relu":
        raise NotYet(
            f"the hidden layer is Dense({hidden.units}, "
            f"activation={hidden.get_config().get('activation')!r}); the spec asks for "
            "Dense(256, activation='relu')."
        )
    reg = hidden.kernel_regularizer
    if reg is None:
        raise NotYet(
            "the hidden layer has no kernel_regularizer: pass "
            "kernel_regularizer=keras.regularizers.L2(1e-4)."
        )
    l1 = float(getattr(reg, "l1", 0.0) or 0.0)
    l2 = float(getattr(reg, "l2", 0.0) or 0.0)
    if l1 != 0.0 or not isinstance(reg, (keras.regularizers.L2, keras.regularizers.L1L2)):
        raise NotYet(
            f"the hidden layer's regularizer is {type(reg).__name__} (l1={l1:g}); the spec "
            "asks for L2 only: keras.regularizers.L2(1e-4)."
        )
    # Keras keeps the factor in float32: 1e-4 comes back as 9.99999974e-05.
    if not np.isclose(l2, 1e-4, rtol=1e-6):
        raise NotYet(f"the L2 factor is {l2:g}; the spec asks for 1e-4.")
    if hidden.bias_regularizer is not None:
        raise NotYet(
            "the spec penalizes the kernel only; biases are usually left unregularized "
            "(remove bias_regularizer)."
        )
    if not np.isclose(drop.rate, 0.5):
        raise NotYet(f"the Dropout rate is {drop.rate}; the spec asks for 0.5.")
    if head.units != 10 or head.get_config().get("activation") != "softmax":
        raise NotYet(
            f"the output layer is Dense({head.units}, "
            f"activation={head.get_config().get('activation')!r}); the spec asks for "
            "Dense(10, activation='softmax')."
        )
    if head.kernel_regularizer is not None:
        raise NotYet("the spec puts the L2 penalty on the hidden layer only.")
    penalty = float(sum(np.asarray(loss) for loss in model.losses))
    expect = 1e-4 * float(np.sum(np.square(np.asarray(hidden.kernel, np.float64))))
    return (
        f"model.losses holds the hidden kernel's penalty, {penalty:.4g} "
        f"(= 1e-4 * sum(kernel**2) = {expect:.4g}), which fit() adds to the loss."
    )


q4 = Question(
    "q4",
    prompt=f"Write build_regularized_model() that returns the Keras model {_SPEC}.",
    check_fn=_check_regularized,
    hint=[
        "keras.layers.Dense(256, activation='relu', "
        "kernel_regularizer=keras.regularizers.L2(1e-4)).",
        "keras.Sequential([keras.Input(shape=(784,)), <that Dense>, "
        "keras.layers.Dropout(0.5), keras.layers.Dense(10, activation='softmax')]).",
    ],
    solution_source="""
def build_regularized_model():
    return keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(
                256, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4)
            ),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
""",
    setup=_keras_setup,
    correct="",
)


# ---------------------------------------------------------------------------------------------
# q5: predict, measure, interpret -- the gap against the size of the training set

SIZES = (250, 500, 1000, 2000)
SEEDS = (0, 1, 2)
_STEPS, _BATCH, _HIDDEN, _LR = 200, 50, 32, 1e-3
_N_VAL = 1000
_PREDICTIONS = ("shrinks", "stays", "grows")
_STATEMENTS = {
    1: "The gap shrinks as the training set grows, by many times its spread over seeds.",
    2: "The gap changes by less than its spread over seeds: the amount of data makes no "
    "measurable difference.",
    3: "The gap grows as the training set grows.",
    4: "Three seeds are too few to say anything about how the gap changes.",
}
# A learner's mean gap may come from other seeds than the reference's: over three seeds the
# gap's standard deviation is at most ~0.012 (measured), so two means over three seeds differ
# by ~0.01 (one sd); 0.04 is four of those, while a wrong gap (a sign, an accuracy instead of a
# difference) is off by 0.1 or more.
_MEAN_TOL = 0.04
# The standard deviation of three values is itself noisy (~50 % relative): loose on purpose.
_SD_TOL = 0.03


@functools.lru_cache(maxsize=1)
def _subset_data():
    """The notebook's training pool (first 2,000 of its shuffle) and its 1,000 validation
    images: the same seed-0 permutation of Fashion-MNIST's training set as notebook 08."""
    from companion import data

    (x, y), _ = data.load_fashion_mnist()
    order = np.random.default_rng(0).permutation(len(x))

    def take(idx):
        return (x[idx].reshape(len(idx), -1) / 255.0).astype("float32"), y[idx]

    return take(order[: max(SIZES)]), take(order[-_N_VAL:])


def _check_int(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, but got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, but got {value}.")
    return int(value)


@functools.cache
def _train_subset(n, seed):
    from companion import callbacks, layers, models, optimizers

    class StopAfter(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.step = 0

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            if self.step == _STEPS:
                self.model.stop_training = True

    (x_pool, y_pool), (x_val, y_val) = _subset_data()
    x, y = x_pool[:n], y_pool[:n]
    rng = np.random.default_rng(seed)
    model = models.Sequential(
        [
            layers.Dense(_HIDDEN, activation="relu", seed=rng),
            layers.Dense(10, activation="softmax", seed=rng),
        ]
    )
    model.compile(optimizers.Adam(_LR), loss="sparse_categorical_crossentropy")
    epochs = -(-_STEPS * _BATCH // n)  # the callback stops the last one at step _STEPS
    model.fit(x, y, epochs=epochs, batch_size=_BATCH, callbacks=[StopAfter()], seed=rng)

    def accuracy(xs, ys):
        return float(np.mean(np.argmax(model.predict(xs, batch_size=1000), axis=1) == ys))

    return accuracy(x, y), accuracy(x_val, y_val)


def train_subset(n, seed):
    """Train a small network on the first ``n`` of notebook 08's training images; return
    ``(train_acc, val_acc)``.

    The network is the companion's 784-32-10 (relu, softmax), trained with Adam (learning rate
    1e-3) for 200 steps of 50 images, whatever ``n`` is: 40 epochs of 250 images, 5 epochs of
    2,000. ``seed`` fixes the initial weights and the batch order. The accuracies are measured
    at the end (on the ``n`` training images and on the notebook's 1,000 validation images).
    A result is computed once per ``(n, seed)`` and then remembered.

    Example::

        train_acc, val_acc = train_subset(500, seed=0)
    """
    n = _check_int(n, "n (the number of training images)", 1, max(SIZES))
    seed = _check_int(seed, "seed", 0, 2**32 - 1)
    return _train_subset(n, seed)


def _reference_sweep():
    """{n: (mean gap, sd gap, mean train acc, mean val acc)} over SEEDS."""
    out = {}
    for n in SIZES:
        runs = np.array([train_subset(n, seed) for seed in SEEDS])
        gaps = runs[:, 0] - runs[:, 1]
        out[n] = (gaps.mean(), gaps.std(ddof=1), runs[:, 0].mean(), runs[:, 1].mean())
    return out


def _supported_statement(ref):
    """The statement the reference numbers support (never a hard-coded answer)."""
    (first, first_sd, *_), (last, last_sd, *_) = ref[SIZES[0]], ref[SIZES[-1]]
    change, spread = last - first, first_sd + last_sd
    if abs(change) > 3 * spread:
        return 1 if change < 0 else 3
    if abs(change) < spread:
        return 2
    raise RuntimeError(
        f"the reference measurement is ambiguous (change {change:+.3f}, spread {spread:.3f})"
    )


def _as_pair(value, n):
    arr = np.asarray(value, dtype=object)
    if arr.shape != (2,):
        raise NotYet(
            f"gap_sweep()[{n}] is {type(value).__name__}; each value should be a pair "
            "(mean gap, standard deviation of the gap), e.g. (np.mean(gaps), np.std(gaps, ddof=1))."
        )
    try:
        pair = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"gap_sweep()[{n}] should hold two numbers, but it is {value!r}.") from None
    return float(pair[0]), float(pair[1])


def _check_sweep(result, ref):
    if not isinstance(result, dict):
        raise NotYet(
            f"gap_sweep() should return a dict {{n: (mean, sd)}}, but it returned "
            f"{type(result).__name__}."
        )
    keys = sorted(int(k) for k in result if isinstance(k, numbers.Integral))
    if keys != sorted(SIZES) or len(result) != len(SIZES):
        raise NotYet(
            f"gap_sweep() has the keys {sorted(result, key=str)}; it should have one per "
            f"training-set size, {list(SIZES)}."
        )
    got = {n: _as_pair(result[n], n) for n in SIZES}
    means = np.array([got[n][0] for n in SIZES])
    sds = np.array([got[n][1] for n in SIZES])
    ref_means = np.array([ref[n][0] for n in SIZES])
    ref_sds = np.array([ref[n][1] for n in SIZES])
    ref_val = np.array([ref[n][3] for n in SIZES])
    if not np.all(np.isfinite(means)):
        raise NotYet("some of your mean gaps are not finite numbers (NaN or inf).")
    if np.allclose(means, -ref_means, atol=_MEAN_TOL) and not np.allclose(
        means, ref_means, atol=_MEAN_TOL
    ):
        raise NotYet(
            "your gaps are negative: the gap is the training accuracy minus the validation "
            "accuracy (a network does better on the images it trained on)."
        )
    if np.all(means > 0.5):
        what = " (validation accuracies?)" if np.allclose(means, ref_val, atol=_MEAN_TOL) else ""
        raise NotYet(
            f"your means, {np.round(means, 3).tolist()}, look like accuracies{what}, not gaps: "
            "the gap is train_acc - val_acc, a difference of two accuracies."
        )
    if np.allclose(means, ref_sds, atol=0.01) and np.all(sds > 0.5 * means.max()):
        raise NotYet("it looks like each pair is (sd, mean); the order is (mean, sd).")
    far = [n for n, m, r in zip(SIZES, means, ref_means) if abs(m - r) > _MEAN_TOL]
    if far:
        raise NotYet(
            f"your mean gap for n = {far[0]} is {got[far[0]][0]:.3f}, further than {_MEAN_TOL} "
            "from the reference measurement: for each n, average train_acc - val_acc over "
            "train_subset(n, seed) for the seeds 0, 1 and 2."
        )
    if np.all(np.isnan(sds)) or np.all(sds == 0):
        raise NotYet(
            "your standard deviations are all 0 (or NaN): they should measure the spread of "
            "the gap over the three seeds, np.std(gaps, ddof=1) of the three gaps for one n."
        )
    if not np.all(np.isfinite(sds)) or np.any(sds < 0):
        raise NotYet("a standard deviation is a finite number >= 0; some of yours are not.")
    if np.allclose(sds, ref_sds**2, rtol=0.5, atol=1e-5) and not np.allclose(
        sds, ref_sds, atol=0.002
    ):
        raise NotYet("these look like variances; the standard deviation is their square root.")
    if np.any(np.abs(sds - ref_sds) > _SD_TOL):
        raise NotYet(
            "your standard deviations are far from the spread of the gap over the three "
            "seeds: for one n, take the three gaps (one per seed) and np.std(gaps, ddof=1)."
        )
    return got


def _check_gap_investigation(prediction, gap_sweep, supported):
    if not isinstance(prediction, str) or prediction.strip().lower() not in _PREDICTIONS:
        raise NotYet(
            f"prediction should be one of {', '.join(map(repr, _PREDICTIONS))} (what you "
            f"expect the gap to do as the training set grows), but it is {prediction!r}."
        )
    prediction = prediction.strip().lower()
    if isinstance(supported, bool) or not isinstance(supported, numbers.Integral):
        raise NotYet(f"supported should be a statement's number, 1 to 4, but it is {supported!r}.")
    if supported not in _STATEMENTS:
        raise NotYet(f"supported should be 1, 2, 3 or 4, but it is {supported}.")
    expect_callable(gap_sweep, n_args=0, name="gap_sweep")
    result = _call(gap_sweep, (), "gap_sweep", "calling gap_sweep()")
    _blank(result, "gap_sweep")
    ref = _reference_sweep()
    got = _check_sweep(result, ref)
    answer = _supported_statement(ref)
    first, last = got[SIZES[0]], got[SIZES[-1]]
    if supported != answer:
        where = f"from {first[0]:.3f} (250 images) to {last[0]:.3f} (2,000 images)"
        messages = {
            1: f"your mean gap goes {where}: in which direction?",
            2: f"your mean gap goes {where}, and your standard deviations are "
            f"{first[1]:.3f} and {last[1]:.3f}: is that change smaller than the spread?",
            3: f"your mean gap goes {where}: does it get larger?",
            4: f"your mean gap goes {where}, with standard deviations of {first[1]:.3f} and "
            f"{last[1]:.3f}. Three seeds are few, but enough to see a change that is many "
            "standard deviations large.",
        }
        raise NotYet(messages[supported])
    direction = {1: "shrinks", 2: "stays", 3: "grows"}[answer]
    verdict = (
        f"you predicted '{prediction}', and it {direction}"
        if prediction == direction
        else f"you predicted '{prediction}', but it {direction}: that is what measuring is for"
    )
    (_, _, train_first, val_first), (_, _, train_last, val_last) = ref[SIZES[0]], ref[SIZES[-1]]
    return (
        f"{verdict}. The mean gap goes {first[0]:.2f} -> {last[0]:.2f}, many times its spread "
        "over seeds. At equal steps, each of 250 images is seen 40 times and memorised, each of "
        f"2,000 only 5 times. But read the gap with the accuracies: training accuracy falls "
        f"{train_first:.2f} -> {train_last:.2f} while validation accuracy rises only "
        f"{val_first:.2f} -> {val_last:.2f}; a smaller gap alone is not a better model."
    )


q5 = Question(
    "q5",
    prompt=(
        "Predict how the train-validation gap changes as the training set grows from 250 to "
        "2,000 images at equal steps; measure it with train_subset(n, seed) over three seeds; "
        "say which statement (1-4) the numbers support."
    ),
    check_fn=_check_gap_investigation,
    hint=[
        "For each n in (250, 500, 1000, 2000) and each seed in (0, 1, 2), "
        "ex.train_subset(n, seed) returns (train_acc, val_acc); the gap is train_acc - val_acc.",
        "result[n] = (np.mean(gaps), np.std(gaps, ddof=1)) for the three gaps of one n. Print "
        "the result and compare how much the mean gap changes from 250 to 2,000 images with "
        "the standard deviations.",
        "A change many standard deviations large is one the seeds cannot explain: if the mean "
        "gap at 2,000 images is far below the one at 250, the numbers support statement 1.",
    ],
    solution_source="""
prediction = "shrinks"  # any of the three: the check compares it with the measurement


def gap_sweep():
    result = {}
    for n in (250, 500, 1000, 2000):
        gaps = [train - val for train, val in (ex.train_subset(n, seed) for seed in (0, 1, 2))]
        result[n] = (np.mean(gaps), np.std(gaps, ddof=1))
    return result


for n, (mean, sd) in gap_sweep().items():
    print(f"{n:5d} images: gap {mean:.3f} ± {sd:.3f}")
supported = 1
""",
    answer_names=("prediction", "gap_sweep", "supported"),
    setup=lambda: {"ex": _this_module()},
    time_limit=120,  # twelve short trainings; a loaded shared machine can take 10x longer
    correct="",
)


def _this_module():
    import sys

    return sys.modules[__name__]


QUESTIONS = [q1, q2, q3, q4, q5]
