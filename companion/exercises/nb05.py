"""Exercises of notebook 05, training a dense classifier on Fashion-MNIST.

- ``q1``: ``standardize(x_train, x_test)`` -- per-pixel standardization with the training
  set's statistics, as ``keras.layers.Normalization`` computes it.
- ``q2``: ``sparse_categorical_crossentropy(y_true, y_pred)`` -- the loss in NumPy, with
  Keras's clipping of probabilities.
- ``q3``: ``build_model()`` -- a compiled Keras classifier that meets a spec; the check reads
  its layers and its compile configuration.
- ``q4``: ``most_confused(counts)`` -- the largest mistake in a confusion matrix.
- ``q5``: an investigation -- ``prediction``, ``layer1_update_ratio(net, x, y, learning_rate)``
  and ``verdict``: predict layer 1's update:data ratio at three Adam learning rates, measure it
  with ``companion.diagnostics.update_ratio_callback``, and judge each rate against Karpathy's
  rule of thumb (about 1e-3). The check measures the reference itself on the first 2,048
  training images, with the notebook's 256-128-10 companion network.

Every numeric check compares with a float64 reference on several fixed cases and names the
typical mistake when it recognises one. Keras is imported inside the checks that need it.
"""

import functools
import math
import numbers

import numpy as np

from companion.exercises.core import (
    NotYet,
    Question,
    call_learner,
    describe,
    describe_exception,
    expect_array,
    expect_callable,
    expect_keras_layers,
    keras_setup,
    load_keras,
    require_result,
)

__all__ = ["q1", "q2", "q3", "q4", "q5", "QUESTIONS"]

# Keras's backend.epsilon(): the floor of the standard deviation in Normalization and the
# clipping margin of probabilities in the cross-entropies.
_EPSILON = 1e-7


_call, _blank, _keras, _keras_setup = call_learner, require_result, load_keras, keras_setup


# ---------------------------------------------------------------------------------------------
# q1: standardization with the training set's statistics


def _standardize_ref(x_train, x_test):
    x_train = np.asarray(x_train, dtype=np.float64)
    x_test = np.asarray(x_test, dtype=np.float64)
    mean = x_train.mean(axis=0)
    std = np.maximum(x_train.std(axis=0), _EPSILON)
    return (x_train - mean) / std, (x_test - mean) / std


def _standardize_cases():
    rng = np.random.default_rng(5)
    cases = []
    for n_train, n_test, features, shift in ((40, 10, 6, 0.0), (25, 7, 9, 3.0)):
        x_train = rng.uniform(0, 1, size=(n_train, features)) ** 2 + shift
        # Test data drawn from a different distribution: statistics taken from it give a
        # visibly different (wrong) answer.
        x_test = rng.uniform(0.5, 2.0, size=(n_test, features)) + shift
        # A pixel that is 0 in every image (Fashion-MNIST's corners nearly are): its standard
        # deviation is 0, and without a guard 0 / 0 gives NaN. Any guard (a floor, + eps,
        # replacing 0 by 1) gives 0 here, so the check accepts them all.
        x_train[:, 0] = 0.0
        x_test[:, 0] = 0.0
        cases.append((x_train.astype(np.float32), x_test.astype(np.float32)))
    return cases


def _standardize_mistakes(x_train, x_test):
    """(wrong x_train, wrong x_test, hint) for the typical mistakes."""
    xt, xs = np.asarray(x_train, np.float64), np.asarray(x_test, np.float64)
    mean, std = xt.mean(axis=0), np.maximum(xt.std(axis=0), _EPSILON)
    test_mean, test_std = xs.mean(axis=0), np.maximum(xs.std(axis=0), _EPSILON)
    g_mean, g_std = xt.mean(), xt.std()
    ddof1 = np.maximum(xt.std(axis=0, ddof=1), _EPSILON)
    return [
        (
            (xt - mean) / std,
            (xs - test_mean) / test_std,
            "x_test was standardized with its own mean and std. Use the training set's "
            "statistics for both: the test set stands for new data, whose statistics you "
            "do not know when you train.",
        ),
        (
            (xt - g_mean) / g_std,
            (xs - g_mean) / g_std,
            "that uses one mean and one std for all pixels. Standardize each pixel (each "
            "column) on its own: x_train.mean(axis=0), x_train.std(axis=0).",
        ),
        (
            (xt - mean) / ddof1,
            (xs - mean) / ddof1,
            "that std divides by n - 1 (ddof=1); Keras's Normalization uses the population "
            "std, np.std's default (ddof=0).",
        ),
        (xt / std, xs / std, "the mean was not subtracted: (x - mean) / std."),
    ]


def _check_standardize(standardize):
    expect_callable(standardize, n_args=2, name="standardize", arg_names=("x_train", "x_test"))
    for i, (x_train, x_test) in enumerate(_standardize_cases(), start=1):
        label = f"for test case {i} (x_train {x_train.shape}, x_test {x_test.shape})"
        result = _call(standardize, (x_train, x_test), "standardize", label)
        _blank(result, "standardize")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise NotYet(
                f"standardize should return two arrays, `return x_train_std, x_test_std`, but "
                f"it returned {type(result).__name__}."
            )
        want_train, want_test = _standardize_ref(x_train, x_test)
        got = [np.asarray(r) for r in result]
        for arr, want, which in ((got[0], want_train, "x_train"), (got[1], want_test, "x_test")):
            numeric = arr.dtype != object and np.issubdtype(arr.dtype, np.number)
            if numeric and arr.shape == want.shape and not np.all(np.isfinite(arr)):
                raise NotYet(
                    f"{label}, your {which} contains NaN or inf: a pixel that is 0 in every "
                    "training image has std 0, and 0 / 0 is NaN. Divide by "
                    "np.maximum(std, 1e-7), as Keras does."
                )
        shapes_ok = all(
            g.dtype != object and g.shape == w.shape for g, w in zip(got, (want_train, want_test))
        )
        if shapes_ok:
            g_train, g_test = (g.astype(np.float64) for g in got)
            for wrong_train, wrong_test, hint in _standardize_mistakes(x_train, x_test):
                if _close(g_train, wrong_train) and _close(g_test, wrong_test):
                    raise NotYet(f"{label}, {hint}")
        # float32 inputs give float32 round-off (~1e-7 relative) on values of size ~10;
        # 1e-4 accepts it, while every named mistake is off by more than 1 %.
        expect_array(got[0], want_train, rtol=1e-4, atol=1e-4, name="the standardized x_train")
        expect_array(got[1], want_test, rtol=1e-4, atol=1e-4, name="the standardized x_test")


def _close(a, b):
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-4))


q1 = Question(
    "q1",
    prompt=(
        "Write standardize(x_train, x_test) that returns both sets standardized per pixel "
        "with the TRAINING set's mean and std: (x - mean) / max(std, 1e-7)."
    ),
    check_fn=_check_standardize,
    hint=[
        "mean = x_train.mean(axis=0) and std = x_train.std(axis=0) give one value per pixel "
        "(per column).",
        "Guard constant pixels: std = np.maximum(std, 1e-7); then return "
        "(x_train - mean) / std, (x_test - mean) / std.",
    ],
    solution_source="""
def standardize(x_train, x_test):
    mean = x_train.mean(axis=0)
    std = np.maximum(x_train.std(axis=0), 1e-7)  # constant pixels: no division by 0
    return (x_train - mean) / std, (x_test - mean) / std
""",
    correct=(
        "that is what keras.layers.Normalization computes after adapt(x_train): statistics "
        "from the training data only, applied to every set."
    ),
)


# ---------------------------------------------------------------------------------------------
# q2: sparse categorical cross-entropy in NumPy


def _scce_ref(y_true, y_pred):
    p = np.clip(np.asarray(y_pred, np.float64), _EPSILON, 1 - _EPSILON)
    picked = p[np.arange(len(p)), np.asarray(y_true).astype(int)]
    return float(np.mean(-np.log(picked)))


def _scce_cases():
    rng = np.random.default_rng(7)
    cases = []
    for n, k in ((4, 3), (9, 10)):
        logits = rng.normal(scale=2.0, size=(n, k))
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        y = rng.integers(0, k, size=n)
        cases.append((y, p))
    # A confident mistake: probability exactly 0 for the true class. Keras clips it to 1e-7,
    # so the loss is large but finite.
    p = np.array([[1.0, 0.0, 0.0], [0.2, 0.7, 0.1], [0.25, 0.25, 0.5]])
    cases.append((np.array([1, 1, 2]), p))
    return cases


def _scce_mistakes(y_true, y_pred):
    p = np.clip(np.asarray(y_pred, np.float64), _EPSILON, 1 - _EPSILON)
    idx = np.asarray(y_true).astype(int)
    picked = p[np.arange(len(p)), idx]
    return [
        (float(np.sum(-np.log(picked))), "that is the sum over the batch; Keras reports the mean."),
        (float(np.mean(np.log(picked))), "the sign is wrong: the loss is -log(p), positive."),
        (
            float(np.mean(-np.log(p))),
            "that averages -log(p) over every class; take only the probability of the TRUE "
            "class of each sample: y_pred[np.arange(n), y_true].",
        ),
        (
            float(np.mean(-np.log10(picked))),
            "that uses log10; the cross-entropy uses the natural log, np.log.",
        ),
    ]


def _check_scce(sparse_categorical_crossentropy):
    name = "sparse_categorical_crossentropy"
    expect_callable(sparse_categorical_crossentropy, n_args=2, name=name)
    for i, (y, p) in enumerate(_scce_cases(), start=1):
        label = f"for test case {i} (y_true {y.tolist()}, y_pred of shape {p.shape})"
        result = _call(sparse_categorical_crossentropy, (y, p), name, label)
        _blank(result, name)
        arr = np.asarray(result)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise NotYet(f"{label}, the result should be a number, but it is {type(result)}.")
        if arr.size != 1:
            raise NotYet(
                f"{label}, the result has shape {arr.shape}: that is one loss per sample (or "
                "per entry). Average them into one number with np.mean."
            )
        value = float(arr.reshape(()))
        want = _scce_ref(y, p)
        if not np.isfinite(value):
            raise NotYet(
                f"{label}, the loss is {value}: a probability of exactly 0 gives log(0). Clip "
                "the probabilities first, np.clip(y_pred, 1e-7, 1 - 1e-7), as Keras does."
            )
        # float64 in, float64 reference: agreement to rounding. A float32 computation stays
        # within 1e-6 relative; every mistake below is off by a factor or more.
        if np.isclose(value, want, rtol=1e-5, atol=1e-7):
            continue
        for wrong, hint in _scce_mistakes(y, p):
            if np.isclose(value, wrong, rtol=1e-5, atol=1e-7):
                raise NotYet(f"{label}, {hint}")
        raise NotYet(
            f"{label}, your loss is {value:.6g} but it should be {want:.6g}. The loss is the "
            "mean over samples of -log(probability of the true class)."
        )


q2 = Question(
    "q2",
    prompt=(
        "Write sparse_categorical_crossentropy(y_true, y_pred): the mean over the batch of "
        "-log(y_pred[i, y_true[i]]), with probabilities clipped to [1e-7, 1 - 1e-7]."
    ),
    check_fn=_check_scce,
    hint=[
        "Pick each sample's probability of its true class with fancy indexing: "
        "y_pred[np.arange(len(y_true)), y_true].",
        "Clip before the log (np.clip(y_pred, 1e-7, 1 - 1e-7)), then return "
        "np.mean(-np.log(picked)).",
    ],
    solution_source="""
def sparse_categorical_crossentropy(y_true, y_pred):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)  # log(0) would be -inf
    picked = p[np.arange(len(y_true)), y_true]  # probability of the true class
    return np.mean(-np.log(picked))
""",
    correct=(
        "the same number as keras.losses.SparseCategoricalCrossentropy() on probabilities: "
        "a confident wrong answer costs -log(1e-7) = 16.1 at most."
    ),
)


# ---------------------------------------------------------------------------------------------
# q3: a compiled Keras model that meets a spec

_SPEC = "Input (784,) -> Dense(128, relu) -> Dropout(0.2) -> Dense(10, softmax)"


def _name_of(entry):
    """The name of a loss or metric as ``get_compile_config`` stores it."""
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, dict):
        config = entry.get("config")
        if entry.get("class_name") == "function" and isinstance(config, str):
            return config, {}
        return entry.get("class_name", ""), config if isinstance(config, dict) else {}
    return getattr(entry, "__name__", type(entry).__name__), {}


_SPARSE_LOSS = {"sparse_categorical_crossentropy", "sparsecategoricalcrossentropy"}
_ACCURACY = {"accuracy", "acc", "sparse_categorical_accuracy", "sparsecategoricalaccuracy"}


def _norm(name):
    return str(name).replace("_", "").lower() if name else ""


def _check_build_model(build_model):
    expect_callable(build_model, n_args=0, name="build_model")
    model = _call(build_model, (), "build_model", "calling build_model()")
    _blank(model, "build_model")
    # The images come flattened to 784 pixels.
    hidden, drop, head = expect_keras_layers(
        model, "build_model", (784,), ["Dense", "Dropout", "Dense"], _SPEC
    )
    for layer, units, act in ((hidden, 128, "relu"), (head, 10, "softmax")):
        config = layer.get_config()
        got_act = config.get("activation")
        if config.get("units") != units:
            raise NotYet(
                f"Dense layer '{layer.name}' has {config.get('units')} units; the spec asks "
                f"for {units}."
            )
        if got_act != act:
            extra = (
                " Without softmax the outputs are logits, not probabilities, and the loss "
                "would need from_logits=True."
                if act == "softmax"
                else ""
            )
            raise NotYet(
                f"Dense layer '{layer.name}' has activation={got_act!r}; the spec asks for "
                f"activation={act!r}.{extra}"
            )
    if not np.isclose(drop.rate, 0.2):
        raise NotYet(f"the Dropout rate is {drop.rate}; the spec asks for 0.2.")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise NotYet(
            "the model is not compiled: call model.compile(optimizer=..., loss=..., "
            "metrics=...) before returning it."
        )
    config = model.get_compile_config() or {}
    opt_name, _ = _name_of(config.get("optimizer"))
    if _norm(opt_name) != "adam":
        raise NotYet(f"the optimizer is {opt_name}; the spec asks for Adam.")
    lr = float(np.asarray(model.optimizer.learning_rate))
    # Keras stores the learning rate in float32: 1e-3 comes back as 0.0010000000474974513.
    if not np.isclose(lr, 1e-3, rtol=1e-6):
        raise NotYet(f"the learning rate is {lr:.3g}; the spec asks for 0.001 (Adam's default).")
    loss = config.get("loss")
    loss_name, loss_config = _name_of(loss)
    if _norm(loss_name) in {"categoricalcrossentropy"}:
        raise NotYet(
            "categorical_crossentropy expects one-hot labels of shape (n, 10); Fashion-MNIST's "
            "labels are integers 0-9, which sparse_categorical_crossentropy takes as they are."
        )
    if _norm(loss_name) not in {_norm(n) for n in _SPARSE_LOSS}:
        raise NotYet(
            f"the loss is {loss_name!r}; for integer labels and a softmax output use "
            "'sparse_categorical_crossentropy'."
        )
    if loss_config.get("from_logits"):
        raise NotYet(
            "the loss has from_logits=True, but the model ends in softmax and outputs "
            "probabilities: use from_logits=False (the default)."
        )
    metrics = config.get("metrics") or []
    if isinstance(metrics, (str, dict)):
        metrics = [metrics]
    names = {_norm(_name_of(m)[0]) for m in metrics}
    if not names & {_norm(n) for n in _ACCURACY}:
        raise NotYet("the model does not report accuracy: compile it with metrics=['accuracy'].")
    return (
        f"{model.count_params():,} parameters (784*128 + 128 + 128*10 + 10); the spec's "
        "model, compiled as in this notebook."
    )


q3 = Question(
    "q3",
    prompt=(
        f"Write build_model() that returns a compiled Keras model: {_SPEC}; Adam with "
        "learning rate 0.001, sparse categorical cross-entropy, metrics ['accuracy']."
    ),
    check_fn=_check_build_model,
    hint=[
        "keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(128, "
        "activation='relu'), keras.layers.Dropout(0.2), keras.layers.Dense(10, "
        "activation='softmax')]).",
        "model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), "
        "loss='sparse_categorical_crossentropy', metrics=['accuracy']); return model.",
    ],
    solution_source="""
def build_model():
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
""",
    setup=_keras_setup,
    correct="",
)


# ---------------------------------------------------------------------------------------------
# q4: the largest mistake in a confusion matrix


def _most_confused_ref(counts):
    off = np.array(counts, dtype=np.int64)
    np.fill_diagonal(off, -1)
    i, j = np.unravel_index(int(np.argmax(off)), off.shape)
    return int(i), int(j)


def _confusion_cases():
    rng = np.random.default_rng(11)
    cases = [
        np.array([[50, 2, 9], [1, 60, 3], [4, 7, 40]]),  # asymmetric: (0, 2) not (2, 0)
    ]
    for k in (4, 10):
        counts = rng.integers(0, 30, size=(k, k))
        counts[np.diag_indices(k)] = rng.integers(200, 400, size=k)
        i, j = rng.choice(k, size=2, replace=False)
        counts[i, j] = 150  # one clear winner off the diagonal
        counts[j, i] = 40
        cases.append(counts)
    return cases


def _check_most_confused(most_confused):
    expect_callable(most_confused, n_args=1, name="most_confused")
    for i, counts in enumerate(_confusion_cases(), start=1):
        label = f"for test case {i} (a {counts.shape[0]}x{counts.shape[1]} matrix)"
        result = _call(most_confused, (counts,), "most_confused", label)
        _blank(result, "most_confused")
        if isinstance(result, (int, np.integer)):
            raise NotYet(
                f"{label}, most_confused returned one number ({result}), perhaps a flat index: "
                "return the pair (true_class, predicted_class), e.g. with np.unravel_index."
            )
        if not isinstance(result, (tuple, list, np.ndarray)) or len(result) != 2:
            raise NotYet(
                f"{label}, most_confused should return a pair (true_class, predicted_class), "
                f"but it returned {result!r}."
            )
        got = tuple(int(v) for v in result)
        want = _most_confused_ref(counts)
        if got == want:
            continue
        if got[0] == got[1]:
            raise NotYet(
                f"{label}, ({got[0]}, {got[1]}) is on the diagonal: those are the correct "
                "predictions. Leave the diagonal out (e.g. set it to -1 in a copy) before "
                "looking for the largest count."
            )
        if got == want[::-1]:
            raise NotYet(
                f"{label}, {got} has the classes swapped: rows are the true classes and "
                "columns the predicted ones, so the pair is (row, column)."
            )
        raise NotYet(
            f"{label}, your pair {got} holds {counts[got]} examples, but another "
            "off-diagonal cell holds more."
        )
    # The learner must not change the caller's matrix (np.fill_diagonal works in place).
    counts = _confusion_cases()[0]
    before = counts.copy()
    try:
        most_confused(counts)
    except Exception as exc:  # already passed on a copy; report kindly all the same
        raise NotYet(f"on a second call, {describe_exception(exc)}.") from None
    if not np.array_equal(counts, before):
        raise NotYet(
            "most_confused changed the matrix it was given (np.fill_diagonal works in "
            "place): work on a copy, counts.copy()."
        )


q4 = Question(
    "q4",
    prompt=(
        "Write most_confused(counts) that returns (true_class, predicted_class) of the "
        "largest off-diagonal entry of a confusion matrix (rows: true, columns: predicted)."
    ),
    check_fn=_check_most_confused,
    hint=[
        "Copy the matrix and overwrite its diagonal with -1 (np.fill_diagonal), so that "
        "correct predictions cannot win.",
        "np.argmax gives a flat index; np.unravel_index(flat, counts.shape) turns it into "
        "(row, column).",
    ],
    solution_source="""
def most_confused(counts):
    off = np.array(counts, dtype=np.int64)  # a copy: fill_diagonal works in place
    np.fill_diagonal(off, -1)  # correct predictions are not mistakes
    true_class, predicted = np.unravel_index(np.argmax(off), off.shape)
    return int(true_class), int(predicted)
""",
    correct="rows are what the image is, columns what the model said.",
)


# ---------------------------------------------------------------------------------------------
# q5: an investigation -- predict, measure and judge layer 1's update:data ratio

RATES = (1e-6, 1e-4, 1e-1)  # the Adam learning rates of the investigation
VERDICTS = ("too small", "about right", "too large")
# Karpathy's rule of thumb: log10(update:data) around -3; "about right" means within a decade.
_RULE, _BAND = -3.0, 1.0
_N_IMAGES, _BATCH = 2048, 256  # one epoch of 8 Adam steps: about 0.05 s per rate


@functools.lru_cache(maxsize=1)
def _ratio_data():
    """The first 2,048 Fashion-MNIST training images as the notebook has them (flat float32 in
    [0, 1]) and their labels: ``x_sub[:2048], y_sub[:2048]`` in notebook 05."""
    from companion import data

    (x_raw, y), _ = data.load_fashion_mnist()
    x = x_raw[:_N_IMAGES].reshape(_N_IMAGES, -1).astype(np.float32) / np.float32(255)
    x.setflags(write=False)
    y = y[:_N_IMAGES].copy()
    y.setflags(write=False)
    return x, y


def _ratio_net(seed=0):
    """Notebook 05's ``companion_mlp(seed)``: the 256-128-10 network in the companion."""
    from companion import layers, models

    rng = np.random.default_rng(seed)
    return models.Sequential(
        [
            layers.Dense(256, "relu", seed=rng),
            layers.Dense(128, "relu", seed=rng),
            layers.Dense(10, "softmax", seed=rng),
        ]
    )


def _ratio_ref(learning_rate):
    """The recorder of one epoch of Adam(learning_rate) on the investigation's data."""
    from companion import diagnostics, optimizers

    x, y = _ratio_data()
    net = _ratio_net()
    net.compile(optimizer=optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
    recorder = diagnostics.update_ratio_callback(net)
    net.fit(x, y, epochs=1, batch_size=_BATCH, seed=0, callbacks=[recorder])
    return recorder


def _verdict_ref(log_ratio):
    if log_ratio < _RULE - _BAND:
        return "too small"
    if log_ratio > _RULE + _BAND:
        return "too large"
    return "about right"


def _rate_dict(answer, name, what):
    """``answer`` as ``{rate: value}`` for exactly the investigation's three rates."""
    if not isinstance(answer, dict):
        raise NotYet(
            f"{name} should be a dict with one {what} per learning rate, "
            f"{{1e-6: ..., 1e-4: ..., 1e-1: ...}}, but it is {type(answer).__name__}."
        )
    found = {}
    for key, value in answer.items():
        if isinstance(key, bool) or not isinstance(key, numbers.Real):
            raise NotYet(f"the keys of {name} should be the learning rates 1e-6, 1e-4 and 1e-1.")
        match = [r for r in RATES if math.isclose(float(key), r, rel_tol=1e-9)]
        if not match:
            raise NotYet(
                f"{name} has a key {key!r}; its keys should be the learning rates 1e-6, 1e-4 "
                "and 1e-1."
            )
        found[match[0]] = value
    missing = [f"{r:g}" for r in RATES if r not in found]
    if missing:
        raise NotYet(f"{name} has no entry for learning rate {', '.join(missing)}.")
    return found


def _as_log_number(value, label):
    if isinstance(value, (bool, np.bool_)):
        raise NotYet(f"{label} is {value}, a bool; it should be a number such as -3.")
    try:
        number = float(np.asarray(value, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        raise NotYet(f"{label} should be one number, but it is {describe(value)}.") from None
    if not math.isfinite(number):
        raise NotYet(f"{label} is {number}; it should be a finite number.")
    return number


def _check_prediction(prediction):
    guesses = _rate_dict(prediction, "prediction", "number")
    values = {r: _as_log_number(v, f"your prediction for {r:g}") for r, v in guesses.items()}
    if all(0 < v < 1 for v in values.values()):
        raise NotYet(
            "your predictions are all between 0 and 1: that looks like the ratio itself. "
            "Predict its log10 instead (a step of 1/1000 of the weights is log10 = -3)."
        )
    return values


def _check_measurement(layer1_update_ratio):
    """{rate: (learner's value, reference recorder)}; raises NotYet on a wrong measurement."""
    expect_callable(
        layer1_update_ratio,
        n_args=4,
        name="layer1_update_ratio",
        arg_names=("net", "x", "y", "learning_rate"),
    )
    x, y = _ratio_data()
    measured = {}
    for rate in RATES:
        label = f"at learning rate {rate:g}"
        result = _call(
            layer1_update_ratio, (_ratio_net(), x, y, rate), "layer1_update_ratio", label
        )
        _blank(result, "layer1_update_ratio")
        value = _as_log_number(result, f"{label}, layer1_update_ratio's result")
        measured[rate] = (value, _ratio_ref(rate))
    for rate, (value, recorder) in measured.items():
        table = recorder.table()
        want = table[0]["mean_log10"]
        # Same network, data and batches give the reference's value to float32 rounding
        # (~1e-6); a shuffle from another seed moves the mean by up to ~0.03 (measured at
        # 1e-1). The named mistakes below are 0.1 to several decades away at some rate.
        if abs(value - want) <= 0.05:
            continue
        label = f"at learning rate {rate:g} your function gives {value:.3g}"
        first = np.asarray(next(iter(recorder.ratios.values())))
        if 0 < value < 1 and abs(math.log10(value) - want) <= 0.05:
            raise NotYet(
                f"{label}, which looks like the ratio itself: return its log10, as the "
                "recorder's table does (mean_log10)."
            )
        if abs(value - want * math.log(10)) <= 0.1:
            raise NotYet(f"{label}: that is a natural log; the ratio is measured in log10.")
        if abs(value - table[0]["last_log10"]) <= 0.02 and abs(value - want) > 0.1:
            raise NotYet(
                f"{label}, the ratio of the last step only; return the mean over the "
                "recorded steps (the table's mean_log10)."
            )
        if abs(value - first[0]) <= 0.02:
            raise NotYet(
                f"{label}, the ratio of the first step only (Adam's first step is its "
                "largest); return the mean over the recorded steps (mean_log10)."
            )
        for number, row in enumerate(table[1:], start=2):
            if abs(value - row["mean_log10"]) <= 0.02:
                raise NotYet(
                    f"{label}, which matches the table's row {number} ('{row['layer']}'); "
                    "the question is about layer 1's kernel, the first row of the table."
                )
        other = [r for r in RATES if r != rate]
        if all(abs(value - measured[r][0]) <= 0.05 for r in other):
            raise NotYet(
                f"{label}, the same at every learning rate: is learning_rate passed to "
                "the optimizer, optimizers.Adam(learning_rate)?"
            )
        raise NotYet(
            f"{label}, but one epoch of Adam at that rate (batches of 256, seed=0) gives "
            f"another value. Compile net with optimizers.Adam(learning_rate) and the sparse "
            "categorical cross-entropy, fit with the recorder in callbacks, and return the "
            "first row's mean_log10."
        )
    return {rate: value for rate, (value, _) in measured.items()}


def _check_verdict(verdict, measured):
    answers = _rate_dict(verdict, "verdict", "word")
    for rate in RATES:
        answer, value = answers[rate], measured[rate]
        label = f"verdict[{rate:g}]"
        if not isinstance(answer, str) or answer.strip().lower() not in VERDICTS:
            listed = ", ".join(repr(v) for v in VERDICTS)
            raise NotYet(f"{label} should be one of {listed}, but it is {describe(answer)}.")
        if answer.strip().lower() == _verdict_ref(value):
            continue
        side = "above" if value > _RULE else "below"
        raise NotYet(
            f"{label} is {answer.strip()!r}, but at {rate:g} the measurement is {value:.2f}, "
            f"{abs(value - _RULE):.1f} decades {side} the rule of thumb's -3, which allows "
            "about a decade either way."
        )


def _ratio_setup():
    """The names the reference solution uses from notebook 05's imports."""
    from companion import diagnostics, optimizers

    return {"diagnostics": diagnostics, "optimizers": optimizers}


def _check_investigation(prediction, layer1_update_ratio, verdict):
    guesses = _check_prediction(prediction)
    measured = _check_measurement(layer1_update_ratio)
    _check_verdict(verdict, measured)
    lines = "; ".join(
        f"{r:g}: measured {measured[r]:.2f}, predicted {guesses[r]:.2f}" for r in RATES
    )
    return (
        f"layer 1's mean log10 update:data ratio over 8 Adam steps ({lines}). Adam's first "
        "steps move every weight by about the learning rate, and layer 1's weights have an "
        "RMS of about 0.044, so log10(lr) + 1.4 is a good first guess (a little high: the "
        "weights of always-black pixels get no gradient). At 1e-1 the first step alone is "
        "twice the size of the weights; they grow, and later ratios fall. By the rule of "
        "thumb 1e-1 is far too large and 1e-6 too small, while 1e-4 sits near -3, though "
        "the sweep found 3e-4 slow over 2 short epochs: the rule of thumb flags rates that "
        "are off by decades; the validation sweep chooses among the rest."
    )


q5 = Question(
    "q5",
    prompt=(
        "Predict log10 of layer 1's update:data ratio at Adam learning rates 1e-6, 1e-4 and "
        "1e-1; write layer1_update_ratio(net, x, y, learning_rate) that measures it over one "
        "epoch; then give each rate a verdict against the rule of thumb (about -3)."
    ),
    check_fn=_check_investigation,
    hint=[
        "To predict: Adam's first steps move each weight by about the learning rate, "
        "whatever its gradient; layer 1's glorot_uniform weights have an RMS of "
        "sqrt(2 / (784 + 256)) = 0.044. Combine the two into a guess for each rate.",
        "To measure: rec = diagnostics.update_ratio_callback(net), then "
        "net.fit(x, y, epochs=1, batch_size=256, seed=0, callbacks=[rec]) after compiling "
        "with optimizers.Adam(learning_rate) and loss='sparse_categorical_crossentropy'; "
        "rec.table() has one row per kernel, layer 1 first.",
        "return rec.table()[0]['mean_log10']. Verdicts: below -4 is 'too small', above -2 "
        "'too large', in between 'about right'.",
    ],
    solution_source="""
# Adam moves each weight by about lr at first; layer 1's weights have an RMS of about
# 0.044, so log10(ratio) is about log10(lr) - log10(0.044) = log10(lr) + 1.4.
prediction = {1e-6: -4.6, 1e-4: -2.6, 1e-1: 0.4}


def layer1_update_ratio(net, x, y, learning_rate):
    net.compile(optimizer=optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
    rec = diagnostics.update_ratio_callback(net)
    net.fit(x, y, epochs=1, batch_size=256, seed=0, callbacks=[rec])
    return rec.table()[0]["mean_log10"]  # layer 1's kernel, mean over the 8 steps


verdict = {1e-6: "too small", 1e-4: "about right", 1e-1: "too large"}
""",
    setup=_ratio_setup,
    correct="",
)


QUESTIONS = [q1, q2, q3, q4, q5]
