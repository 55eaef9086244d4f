"""The input contract, probed with drawn adversarial input (Hypothesis) for every public function.

Every function reached through a registry (``activations.names()``, ``losses.names()``,
``initializers.names()``, ``optimizers.names()``, ``regularizers.names()``, the layer classes
of ``layers.__all__``) and every boolean flag of the public API (found by walking the
companion's modules: a flag without a recipe in ``FLAG_CALLS`` or a reason in ``FLAG_EXEMPT``
fails) is called with input drawn from these classes:

- ``ordinary``: float16/float32/float64 arrays of moderate values (|x| <= 30), any rank from 0-d
  up to 3-d, empty axes included;
- ``ints``: integer and boolean arrays;
- ``extreme``: the dtype's largest finite values, subnormals, zeros;
- ``nonfinite``: NaN and +-inf mixed with ordinary values;
- ``wrong kind``: strings, None, dicts, ragged lists, complex and object arrays;
- ``bad flag`` / ``bad number``: strings, ints, None, floats for a bool; strings, NaN, inf,
  negative numbers, bools for a numeric hyperparameter.

The contract (docs/architecture.md, "What each family does with non-finite and out-of-domain
input"): a result of the input's floating dtype (float64 for integer input), finite whenever
the input was ordinary (for ``extreme`` input, non-finite only where Keras's is non-finite
too); otherwise a ``ValueError``/``TypeError`` whose message names the argument. No warning
escapes, and no call takes more than a second. Adding a name to a registry adds it here.

Size: ``SIZE`` below (functions x input classes); locally each run draws new examples, with
CI set the profile in conftest.py derandomizes them.
"""

import fnmatch
import functools
import importlib
import inspect
import os
import pkgutil
import tempfile
import time
import warnings
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import companion
from companion import (
    activations,
    backend,
    callbacks,
    course,
    diagnostics,
    doctor,
    gradcheck,
    initializers,
    layers,
    losses,
    models,
    optimizers,
    plots,
    regularizers,
)
from companion.widgets.activation import ActivationExplorer, activation_explorer

# 25 examples per test keep the suite near 30 s on 2 cores; CONTRACT_EXAMPLES=500 hunts deeper.
EXAMPLES = settings(
    max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "25")),
    deadline=None,  # our own per-call limit below (1 s) is the contract
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MAX_SECONDS = 1.0
FLOAT_DTYPES = (np.float16, np.float32, np.float64)
ARRAY_CLASSES = ("ordinary", "ints", "extreme", "nonfinite")

# --- input classes -------------------------------------------------------------------------


def _shapes(min_dims=0, max_dims=3):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=4)


@st.composite
def tagged_arrays(draw, min_dims=0, max_dims=3, classes=ARRAY_CLASSES):
    """(input class, array) for one of the array classes."""
    kind = draw(st.sampled_from(classes))
    shape = draw(_shapes(min_dims, max_dims))
    if kind == "ints":
        dtype = draw(st.sampled_from([np.int8, np.int64, np.bool_]))
        elements = st.booleans() if dtype == np.bool_ else st.integers(-30, 30)
        return kind, draw(hnp.arrays(dtype, shape, elements=elements))
    dtype = np.dtype(draw(st.sampled_from(FLOAT_DTYPES)))
    width = dtype.itemsize * 8
    bound = 10 if dtype == np.float16 else 30  # exp(10) fits float16 (max 65504), exp(12) not
    ordinary = st.floats(-bound, bound, width=width)
    if kind == "ordinary":
        elements = ordinary
    elif kind == "extreme":
        info = np.finfo(dtype)
        specials = [float(info.max), -float(info.max), float(info.tiny) / 4, 0.0, -0.0]
        elements = st.one_of(st.sampled_from(specials), ordinary)
    else:
        elements = st.one_of(st.sampled_from([np.nan, np.inf, -np.inf]), ordinary)
    return kind, draw(hnp.arrays(dtype, shape, elements=elements))


WRONG_KINDS = st.sampled_from(
    ["1.0", None, {"x": 1}, [[1.0, 2.0], [3.0]], np.array([1 + 2j]), np.array([1, "a"], object)]
)
BAD_FLAGS = st.one_of(
    st.sampled_from(["False", "True", "no", "", 0, 1, None, 0.0]), st.text(max_size=3)
)
BAD_NUMBERS = st.sampled_from(["0.1", None, True, np.nan, np.inf, -np.inf, -1.0, [0.1]])


# --- the contract --------------------------------------------------------------------------


def call(fn, *args, **kwargs):
    """``fn(*args)`` under the contract's rules: no warning escapes, under a second.

    Returns ("ok", result) or ("error", exception) for a ValueError/TypeError; any other
    exception fails the test.
    """
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            outcome = ("ok", fn(*args, **kwargs))
        except (ValueError, TypeError) as exc:
            outcome = ("error", exc)
    elapsed = time.perf_counter() - start
    assert elapsed < MAX_SECONDS, f"{fn!r} took {elapsed:.2f} s"
    return outcome


def assert_error_names(outcome, *names):
    """The outcome is a ValueError/TypeError whose message names one of ``names``."""
    kind, value = outcome
    assert kind == "error", f"expected a ValueError/TypeError naming {names}, got {value!r}"
    assert any(n in str(value) for n in names), f"{value!r} names none of {names}"


def float_dtype(x):
    x = np.asarray(x)
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


def assert_result(value, kind, dtype, keras_value=None):
    """Floating ``dtype``; finite for ordinary input; for extreme input non-finite only where
    Keras's result (when given) is non-finite too."""
    arr = np.asarray(value)
    assert arr.dtype == dtype, f"dtype {arr.dtype}, expected {dtype}"
    if kind in ("ordinary", "ints"):
        assert np.all(np.isfinite(arr)), f"non-finite result {arr!r} for {kind} input"
    elif kind == "extreme" and keras_value is not None:
        theirs = np.asarray(keras_value, dtype=np.float64)
        ours_bad = ~np.isfinite(arr)
        assert not np.any(ours_bad & np.isfinite(theirs)), (arr, theirs)


# --- activations ---------------------------------------------------------------------------


def _keras_activation(name, x):
    """Keras's value for an extreme input (None where Keras lacks the name or the dtype)."""
    import keras

    try:
        fn = keras.activations.get(name)
        return np.asarray(fn(x))
    except Exception:  # a name Keras lacks, or a dtype its backend refuses
        return None


# Activations with required arguments besides x (a new one must say how to call it).
ACTIVATION_ARGS = {"threshold": {"threshold": 0.5, "default_value": 0.0}}


def _required_arguments(f):
    return [
        p.name
        for p in list(inspect.signature(f).parameters.values())[1:]
        if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
    ]


def test_every_activation_can_be_called():
    for name in activations.names():
        missing = set(_required_arguments(activations.get(name))) - set(
            ACTIVATION_ARGS.get(name, {})
        )
        assert not missing, f"add {name}'s {missing} to ACTIVATION_ARGS"


@pytest.mark.parametrize("name", activations.names())
@EXAMPLES
@given(data=tagged_arrays(), wrong=WRONG_KINDS)
def test_activation(name, data, wrong):
    f = activations.get(name)
    kwargs = ACTIVATION_ARGS.get(name, {})
    kind, x = data
    needs_axis = not f.elementwise
    outcome = call(f, x, **kwargs)
    if needs_axis and (x.ndim == 0 or (name == "glu" and x.shape[-1] % 2)):
        assert_error_names(outcome, "scalar", "axis", "even", name)
        return
    assert outcome[0] == "ok", outcome[1]
    out = outcome[1]
    keras_out = None
    if kind == "extreme" and not np.all(np.isfinite(out)):
        keras_out = _keras_activation(name, x)
    assert_result(out, kind, float_dtype(x), keras_out)
    back = call(f.backward, x, np.ones_like(out), **kwargs)
    assert back[0] == "ok", back[1]
    assert back[1].shape == x.shape
    if kind in ("ordinary", "ints"):
        assert np.all(np.isfinite(back[1]))
    if f.elementwise:
        derivative = call(f.derivative, x, **kwargs)[1]
        assert_result(derivative, kind if kind != "extreme" else "-", float_dtype(x))
    assert_error_names(call(f, wrong, **kwargs), "input of", name)


# --- losses ----------------------------------------------------------------------------------

LOSS_VARIANTS = [
    (name, flags)
    for name in losses.names()
    for flags in (
        ({"from_logits": False}, {"from_logits": True}) if "crossentropy" in name else ({},)
    )
]


def _valid_targets_and_predictions(name, flags, x):
    """Labels and predictions a correct program would pass, built from the drawn x."""
    x64 = x.astype(np.float64)
    if name == "sparse_categorical_crossentropy":
        y_true = np.zeros(x.shape[:-1], dtype=np.int64)
    else:
        y_true = (x64 > 0).astype(np.float64) if "binary" in name else np.zeros(x.shape)
        if name == "categorical_crossentropy" and x.size:
            y_true[..., 0] = 1.0
    if flags.get("from_logits") is False:
        with np.errstate(over="ignore", invalid="ignore"):
            if "binary" in name:
                p = 1.0 / (1.0 + np.exp(-x64))
            else:
                e = np.exp(x64 - x64.max(axis=-1, keepdims=True))
                p = e / e.sum(axis=-1, keepdims=True)
        return y_true, p.astype(x.dtype)
    return y_true, x


@pytest.mark.parametrize("name, flags", LOSS_VARIANTS)
@EXAMPLES
@given(
    data=tagged_arrays(min_dims=1, classes=("ordinary", "extreme", "nonfinite")),
    wrong=WRONG_KINDS,
    flag=BAD_FLAGS,
)
def test_loss(name, flags, data, wrong, flag):
    loss = type(losses.get(name))(**flags)
    kind, x = data
    if x.size == 0 or x.shape[-1] < 2:  # an empty batch, or one class: not this test's subject
        return
    y_true, y_pred = _valid_targets_and_predictions(name, flags, x)
    outcome = call(loss, y_true, y_pred)
    if kind == "ordinary":
        assert outcome[0] == "ok", outcome[1]
        assert np.isfinite(outcome[1])
        grad = call(loss.backward, y_true, y_pred)[1]
        if grad.dtype == np.float16:
            # The float32 gradient may exceed float16's 65504 (1 / p for p < 1.5e-5): inf
            # then, as in Keras, and only then.
            wide = loss.backward(y_true, y_pred.astype(np.float32))
            assert np.array_equal(~np.isfinite(grad), np.abs(wide) > np.finfo(np.float16).max)
        else:
            assert_result(grad, kind, float_dtype(y_pred))
    elif outcome[0] == "error":  # extreme/nonfinite: probabilities out of [0, 1]
        assert_error_names(outcome, "y_pred")
    if flags.get("from_logits") is False and kind == "ordinary":
        # Logits passed as probabilities: a ValueError that suggests from_logits=True.
        scores = x.astype(np.float64) * 10 + 1.5
        if np.any((scores < -0.01) | (scores > 1.01)):
            assert_error_names(call(loss, y_true, scores), "from_logits=True")
    assert_error_names(call(loss, y_true, wrong), "y_pred")
    assert_error_names(call(loss, wrong, y_pred), "y_true")
    if flags:
        assert_error_names(call(type(loss), from_logits=flag), "from_logits")


# --- layers ----------------------------------------------------------------------------------

LAYER_ARGS = {
    "Dense": (3,),
    "Dropout": (0.5,),
    "Activation": ("tanh",),
    "Flatten": (),
    "BatchNormalization": (),
    "ResidualDense": (3,),
}
LAYERS = [getattr(layers, n) for n in layers.__all__ if n not in ("Layer", "reset_names")]


def test_every_layer_has_construction_arguments():
    # A new layer class joins the suite once it says how to construct it.
    assert {cls.__name__ for cls in LAYERS} <= set(LAYER_ARGS), "add it to LAYER_ARGS"


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@EXAMPLES
@given(
    data=tagged_arrays(min_dims=2),
    training=st.one_of(st.booleans(), BAD_FLAGS),
    wrong=WRONG_KINDS,
)
def test_layer(cls, dtype, data, training, wrong):
    kind, x = data
    layer = cls(*LAYER_ARGS[cls.__name__], dtype=dtype)
    if hasattr(layer, "seed"):
        layer._rng = np.random.default_rng(0)
    outcome = call(layer, x, training=training)
    if not isinstance(training, bool) and training is not None:  # None: inference, as Keras
        assert_error_names(outcome, "training")
        return
    if outcome[0] == "error":
        # Only a finite value that overflows the layer's dtype, or an empty feature axis.
        assert_error_names(outcome, f"layer '{layer.name}'")
        return
    out = outcome[1]
    assert_result(out, kind if kind != "extreme" else "-", np.dtype(dtype))
    back = call(layer.backward, np.ones_like(out))
    assert back[0] == "ok", back[1]
    assert back[1].shape == x.shape
    assert_error_names(call(cls(*LAYER_ARGS[cls.__name__]), wrong), "input of layer")


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda v: layers.Dense(v), "units"),
        (lambda v: layers.Dropout(v), "rate"),
        (lambda v: layers.Dense(2).build((None, v)), "shape"),
    ],
)
@EXAMPLES
@given(value=st.one_of(BAD_NUMBERS, st.floats(-5, 5).filter(lambda v: v != int(v))))
def test_layer_arguments(make, argument, value):
    if argument == "rate" and isinstance(value, float) and 0 <= value < 1:
        return  # a valid rate
    assert_error_names(call(make, value), argument, "shape")


# --- initializers ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", initializers.names())
@EXAMPLES
@given(
    shape=st.one_of(
        _shapes(0, 3),
        st.sampled_from(["3", (2.5, 3), None, (-1, 2), (True, 2), [[1]]]),
    ),
    dtype=st.sampled_from(["float16", "float32", "float64", "int32", "str", None]),
)
def test_initializer(name, shape, dtype):
    init = initializers.get(name)
    outcome = call(init, shape, seed=0, dtype=dtype) if init.random else call(init, shape)
    valid_shape = isinstance(shape, tuple) and all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    )
    if not valid_shape:
        assert_error_names(outcome, "shape")
        return
    if init.random and dtype in ("int32", "str"):
        assert_error_names(outcome, "dtype")
        return
    if outcome[0] == "error":  # identity/orthogonal need 2-D shapes
        assert_error_names(outcome, "2-D", "shape")
        return
    out = outcome[1]
    assert out.shape == shape
    assert np.all(np.isfinite(out))


@EXAMPLES
@given(
    value=st.one_of(
        BAD_NUMBERS.filter(lambda v: not isinstance(v, float) or not v == -1), st.just(1e39)
    )
)
def test_initializer_values_finite_after_cast(value):
    outcome = call(lambda: initializers.Constant(value)((2, 2)))
    assert_error_names(outcome, "value", "finite")


# --- optimizers ------------------------------------------------------------------------------

OPTIMIZERS = [type(optimizers.get(n)) for n in optimizers.names()]


def _numeric_parameters(cls):
    return [
        p.name
        for p in inspect.signature(cls).parameters.values()
        if isinstance(p.default, float) or p.name in ("clipnorm", "clipvalue", "global_clipnorm")
    ]


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
@EXAMPLES
@given(
    data=tagged_arrays(min_dims=0, max_dims=2, classes=("ordinary", "ints", "extreme")),
    clip=st.sampled_from([{}, {"clipnorm": 1.0}, {"global_clipnorm": 1.0}, {"clipvalue": 1.0}]),
    bad=BAD_NUMBERS,
    wrong=WRONG_KINDS,
)
def test_optimizer(cls, data, clip, bad, wrong):
    kind, g = data
    dtype = float_dtype(g)
    w = np.ones(g.shape, dtype=dtype)
    opt = cls(learning_rate=0.01, **clip)
    outcome = call(opt.apply, [g], [w])
    assert outcome[0] == "ok", outcome[1]
    call(opt.apply, [g], [w])
    assert w.dtype == dtype
    if kind in ("ordinary", "ints") or clip:
        # Clipping (the remedy notebook 07 teaches) keeps even the largest gradients finite.
        assert np.all(np.isfinite(w)), (w, g)
    for name in _numeric_parameters(cls):
        if bad is None and name in ("clipnorm", "clipvalue", "global_clipnorm"):
            continue  # None: no clipping
        assert_error_names(call(cls, **{name: bad}), f"`{name}`", "Only one of")
    assert_error_names(call(cls().apply, [wrong], [np.ones(1)]), "Gradient 0")


# --- regularizers ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", regularizers.names())
@EXAMPLES
@given(data=tagged_arrays(), wrong=WRONG_KINDS)
def test_regularizer(name, data, wrong):
    reg = regularizers.get(name)
    kind, w = data
    penalty = call(reg, w)
    assert penalty[0] == "ok", penalty[1]
    if kind in ("ordinary", "ints"):
        assert np.isfinite(penalty[1])
    grad = call(reg.gradient, w)
    assert grad[0] == "ok", grad[1]
    assert_result(grad[1], kind if kind != "extreme" else "-", float_dtype(w))
    assert_error_names(call(reg, wrong), "weights")


# --- flags: every public signature's boolean parameter ---------------------------------------


def _public_modules(package=companion):
    """The companion's modules, subpackages included, but ``companion.exercises``: the notebooks'
    exercise checkers, whose arguments are a learner's answers (a wrong one gets a hint, not an
    error; tests/test_exercise*.py hold them to that)."""
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        if info.name == "companion.exercises" or info.name.rpartition(".")[2].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        yield module
        if info.ispkg:
            yield from _public_modules(module)


def _public_callables():
    """(qualified name, callable): each module's public functions and classes (where they are
    defined, not where they are re-exported), and each class's public methods and ``__call__``."""
    for module in _public_modules():
        prefix = module.__name__.removeprefix("companion.")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if callable(obj):
                yield f"{prefix}.{name}", obj
            if inspect.isclass(obj):
                for attr, method in vars(obj).items():
                    if (attr == "__call__" or not attr.startswith("_")) and callable(method):
                        yield f"{prefix}.{name}.{attr}", method


def _discovered_flags():
    """(qualified name, flag) for every bool-default parameter of the public API."""
    found = []
    for where, obj in _public_callables():
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):  # a builtin without a signature
            continue
        found += [(where, p.name) for p in parameters if isinstance(p.default, bool)]
    return found


# How to call each public callable that has a bool flag (the flag is then drawn), cheaply: the
# per-call limit is 1 s. Plots make Figures outside pyplot (nothing to close; conftest.py picks
# the Agg backend); recipes that reach Keras find it imported by test_flags_are_bools's fixture.
_X, _Y = np.ones((4, 2)), np.ones((4, 1))
_GRID = np.linspace(-2.0, 2.0, 5)


def _model():
    model = models.Sequential([layers.Dense(1, seed=0)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@functools.cache
def _tiny_fashion_mnist():
    """A folder holding a Fashion-MNIST of 3 blank images per split, as uncompressed IDX files."""
    folder = tempfile.TemporaryDirectory()  # removed when the test process exits
    for role, name in companion.data.FASHION_MNIST_FILES.items():
        shape = (3, 28, 28) if "images" in role else (3,)
        header = bytes([0, 0, 8, len(shape)]) + np.array(shape, ">u4").tobytes()
        Path(folder.name, name.removesuffix(".gz")).write_bytes(header + bytes(np.prod(shape)))
    return folder


def _keras_gradients(**kw):
    import keras

    loss = keras.ops.sum
    return backend.keras_gradients(keras.layers.Dense(1), _X.astype("float32"), loss, **kw)


FLAG_CALLS = {
    "activations.gelu": lambda **kw: activations.gelu(np.zeros(2), **kw),
    "backend.keras_gradients": _keras_gradients,
    "callbacks.EarlyStopping": callbacks.EarlyStopping,
    "course.Runner": course.Runner,
    "course.install": lambda **kw: course.install(
        course.Runner(dry_run=True), Path("no-venv"), ("lab",), **kw
    ),
    "data.fashion_mnist_source": lambda **kw: companion.data.fashion_mnist_source(
        [_tiny_fashion_mnist().name], **kw
    ),
    "data.load_fashion_mnist": lambda **kw: companion.data.load_fashion_mnist(
        [_tiny_fashion_mnist().name], **kw
    ),
    "data.load_fashion_mnist_subset": lambda **kw: companion.data.load_fashion_mnist_subset(
        2, 1, search_paths=[_tiny_fashion_mnist().name], **kw
    ),
    "diagnostics.activation_histograms": lambda **kw: diagnostics.activation_histograms(
        _model(), _X, bins=3, **kw
    ),
    "diagnostics.gradient_histograms": lambda **kw: diagnostics.gradient_histograms(
        _model(), _X, _Y, bins=3, **kw
    ),
    "diagnostics.gradient_stats": lambda **kw: diagnostics.gradient_stats(_model(), _X, _Y, **kw),
    "diagnostics.update_ratio_callback": lambda **kw: diagnostics.update_ratio_callback(
        _model(), **kw
    ),
    "diagnostics.weight_gradients": lambda **kw: diagnostics.weight_gradients(
        _model(), _X, _Y, **kw
    ),
    "doctor.report": doctor.report,
    "doctor.run_checks": doctor.run_checks,
    "gradcheck.verdict": lambda **kw: gradcheck.verdict(0.1, **kw),
    "layers.BatchNormalization": layers.BatchNormalization,
    "layers.Dense": lambda **kw: layers.Dense(2, **kw),
    "layers.Layer": layers.Layer,
    "layers.Layer.__call__": lambda **kw: layers.Dropout(0.5)(np.ones((1, 2)), **kw),
    "layers.ResidualDense": lambda **kw: layers.ResidualDense(2, **kw),
    "losses.binary_crossentropy": lambda **kw: losses.binary_crossentropy([[1.0]], [[0.5]], **kw),
    "losses.categorical_crossentropy": lambda **kw: losses.categorical_crossentropy(
        [[1.0, 0.0]], [[0.5, 0.5]], **kw
    ),
    "losses.sparse_categorical_crossentropy": lambda **kw: losses.sparse_categorical_crossentropy(
        [0], [[0.5, 0.5]], **kw
    ),
    "models.Sequential.__call__": lambda **kw: _model()(_X, **kw),
    "models.Sequential.fit": lambda **kw: _model().fit(_X, _Y, **kw),
    "plots.activation_curve": lambda **kw: plots.activation_curve("relu", _GRID, **kw),
    "plots.activation_grid": lambda **kw: plots.activation_grid(["relu"], _GRID, **kw),
    "plots.confusion_matrix": lambda **kw: plots.confusion_matrix([0, 1], [1, 1], **kw),
    "plots.layer_stats": lambda **kw: plots.layer_stats([{"layer": "d", "std": 1.0}], "std", **kw),
    "plots.new_figure": lambda **kw: plots.new_figure(1, 2, **kw),
    "plots.plot_activation": lambda **kw: plots.plot_activation("relu", x=_GRID, **kw),
    "widgets.activation.ActivationExplorer": lambda **kw: ActivationExplorer(n_points=5, **kw),
    "widgets.activation.activation_explorer": activation_explorer,
    # Classes whose constructor's defaults are all valid: the class is the recipe.
    "losses.BinaryCrossentropy": losses.BinaryCrossentropy,
    "losses.CategoricalCrossentropy": losses.CategoricalCrossentropy,
    "losses.SparseCategoricalCrossentropy": losses.SparseCategoricalCrossentropy,
    "optimizers.Adam": optimizers.Adam,
    "optimizers.RMSprop": optimizers.RMSprop,
    "optimizers.SGD": optimizers.SGD,
}

# Discovered flags that are not probed, each with its reason (fnmatch patterns).
FLAG_EXEMPT = {
    ("layers.*.call", "training"): "the hook Layer.__call__ calls once it has checked training "
    "(Keras's call is the same hook); checking again would cost every training step",
    ("layers.*.backward*", "input_grad"): "set by Sequential's training step only, on fit's "
    "per-step path (a learner's backward(grad) leaves it at True)",
}
# None as a training flag means inference, as in a Keras layer call.
NONE_MEANS_INFERENCE = {
    ("layers.Layer.__call__", "training"),
    ("models.Sequential.__call__", "training"),
    ("backend.keras_gradients", "training"),
}


def _exempt(where, flag):
    return any(fnmatch.fnmatchcase(where, w) and flag == f for w, f in FLAG_EXEMPT)


DISCOVERED = _discovered_flags()
FLAGS = [f for f in DISCOVERED if f[0] in FLAG_CALLS and not _exempt(*f)]


def test_every_public_flag_is_probed_or_exempt():
    unprobed = [f for f in DISCOVERED if f not in FLAGS and not _exempt(*f)]
    assert not unprobed, f"give these a recipe in FLAG_CALLS or a reason in FLAG_EXEMPT: {unprobed}"
    # No stale entry: each recipe and each exemption matches a flag the walk finds.
    assert set(FLAG_CALLS) == {where for where, _ in FLAGS}
    for where, flag in FLAG_EXEMPT:
        assert any(fnmatch.fnmatchcase(w, where) and f == flag for w, f in DISCOVERED), where


@pytest.mark.parametrize("where, flag", FLAGS)
@EXAMPLES
@given(value=st.one_of(st.booleans(), BAD_FLAGS))
def test_flags_are_bools(keras, where, flag, value):
    # keras: imported once before the timed calls (seconds); the recipes that reach it
    # (keras_gradients, keras_overlay, the explorer's overlay, the doctor's check) then take ms.
    outcome = call(FLAG_CALLS[where], **{flag: value})
    if isinstance(value, bool) or (value is None and (where, flag) in NONE_MEANS_INFERENCE):
        assert outcome[0] == "ok", outcome[1]
    else:
        assert_error_names(outcome, f"`{flag}`", flag)


def test_flag_suite_covers_the_issue_examples():
    covered = set(FLAGS)
    for item in [
        ("layers.Layer.__call__", "training"),
        ("models.Sequential.fit", "shuffle"),
        ("losses.BinaryCrossentropy", "from_logits"),
        ("optimizers.SGD", "nesterov"),
        ("diagnostics.gradient_stats", "include_bias"),
        ("data.load_fashion_mnist_subset", "flatten"),
        ("plots.confusion_matrix", "normalize"),
    ]:
        assert item in covered


# --- size ------------------------------------------------------------------------------------

SIZE = {
    "activations (forward, backward, derivative)": (len(activations.names()), 5),
    "losses (with from_logits variants)": (len(LOSS_VARIANTS), 5),
    "layers x dtypes": (len(LAYERS) * 2, 6),
    "layer arguments": (3, 2),
    "initializers": (len(initializers.names()), 3),
    "optimizers": (len(OPTIMIZERS), 5),
    "regularizers": (len(regularizers.names()), 5),
    "boolean flags": (len(FLAGS), 2),
}


def test_size_is_reported():
    total = sum(functions * classes for functions, classes in SIZE.values())
    print(f"contract suite: {total} function x input-class pairs")
    assert total > 300
