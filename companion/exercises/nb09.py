"""Exercises of notebook 09, custom activations and layers.

- ``q1``: ``mish_derivative(x)`` -- the derivative of ``mish(x) = x * tanh(softplus(x))`` in
  NumPy, checked against the companion's ``activations.mish.derivative``.
- ``q2``: ``LearnableLeakyReLU`` -- a Keras layer with a learnable slope per feature for the
  negative side; checked against ``keras.layers.PReLU``, then ``get_config``, ``from_config``,
  registration and a save/load round trip.
- ``q3``: the capstone, ``build_capstone_model()`` and ``justification`` -- a Fashion-MNIST
  network under a budget of 60,000 parameters whose activation, initializer and regularization
  fit together and are justified. The check reads the model (one forward pass on two
  images); it never trains it.

Keras is imported inside the checks that need it.
"""

import os
import re
import tempfile

import numpy as np

from companion import activations
from companion.exercises.core import (
    NotAttempted,
    NotYet,
    Question,
    call_learner,
    describe_exception,
    expect_array,
    expect_callable,
    for_case,
    load_keras,
    require_result,
)

__all__ = ["q1", "q2", "q3", "QUESTIONS", "BUDGET"]

BUDGET = 60_000
"""The capstone's parameter budget."""


_call, _blank, _keras = call_learner, require_result, load_keras


def _keras_setup():
    keras = _keras()
    return {"keras": keras, "ops": keras.ops}


def _short(text, limit=160):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# q1: the derivative of mish


def _mish_reference(x):
    from companion import activations

    return activations.mish.derivative(np.asarray(x, dtype=np.float64))


def _mish_cases():
    return [
        np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),
        np.linspace(-8.0, 8.0, 33),
        np.array([[-30.0, -3.0, 1.5], [3.0, 12.0, 30.0]]),
    ]


def _mish_mistakes(x):
    sp = np.logaddexp(0.0, x)
    t = np.tanh(sp)
    s = activations.sigmoid(x)
    return [
        (
            t,
            "that is tanh(softplus(x)) only: mish is a product, x * g(x), so the product "
            "rule gives g(x) + x * g'(x).",
        ),
        (
            x * t,
            "that is mish itself; return its derivative, d/dx [x * tanh(softplus(x))].",
        ),
        (
            t + x * (1 - t**2),
            "the chain rule needs one more factor: d/dx tanh(softplus(x)) = "
            "(1 - tanh(softplus(x))**2) * softplus'(x), and softplus'(x) = sigmoid(x).",
        ),
        (
            t + x * (1 - t) * s,
            "tanh'(u) is 1 - tanh(u)**2: square the tanh.",
        ),
        (
            t + x * (1 - np.tanh(x) ** 2) * s,
            "tanh' must be taken at softplus(x), the argument of the tanh: "
            "1 - tanh(softplus(x))**2, not 1 - tanh(x)**2.",
        ),
        (
            t + x * (1 - t**2) * activations.sigmoid(-x),
            "softplus'(x) = sigmoid(x) = 1 / (1 + exp(-x)); you used sigmoid(-x) "
            "(a sign in the exponent).",
        ),
        (
            t + (1 - t**2) * s,
            "the product rule gives tanh(softplus(x)) + x * (...): the second term is "
            "multiplied by x.",
        ),
    ]


def _check_mish(mish_derivative):
    expect_callable(mish_derivative, n_args=1, name="mish_derivative", arg_names=("x",))
    for x in _mish_cases():
        label = f"for x of shape {x.shape} (values from {x.min():g} to {x.max():g})"
        result = _call(mish_derivative, (x,), "mish_derivative", label)
        _blank(result, "mish_derivative")
        with for_case(label):
            expect_array(
                result,
                _mish_reference(x),
                name="the derivative",
                mistakes=_mish_mistakes(x),
            )
    return (
        "tanh(s) + x * (1 - tanh(s)**2) * sigmoid(x) with s = softplus(x), the derivative "
        "the companion's activations.mish carries. Like swish's, it exceeds 1 (at most "
        "1.0885, near x = 1.49) and is negative below x = -1.19."
    )


q1 = Question(
    "q1",
    prompt=(
        "Write mish_derivative(x), the derivative of mish(x) = x * tanh(softplus(x)), "
        "elementwise in NumPy."
    ),
    check_fn=_check_mish,
    hint=[
        "Product rule: d/dx [x * t(x)] = t(x) + x * t'(x), with t(x) = tanh(softplus(x)).",
        "Chain rule: t'(x) = (1 - t(x)**2) * sigmoid(x). With t = np.tanh(np.logaddexp(0, x)) "
        "and sigmoid = 1 / (1 + np.exp(-x)): return t + x * (1 - t**2) * sigmoid.",
    ],
    solution_source="""
def mish_derivative(x):
    t = np.tanh(np.logaddexp(0.0, x))  # tanh(softplus(x)), no overflow
    sigmoid = np.exp(-np.logaddexp(0.0, -x))  # 1 / (1 + exp(-x)), no overflow
    return t + x * (1.0 - t**2) * sigmoid
""",
)


# ---------------------------------------------------------------------------------------------
# q2: a Keras layer with a learnable slope


_LAYER_METHODS = ("__init__", "build", "call", "get_config")
_Q2_ALPHA = 0.2
# Per-feature slopes for the second test; 1.5 > 1 tells max(x, alpha * x) from the leaky ReLU.
_Q2_ALPHAS = np.array([0.1, 0.2, 0.3, 0.5, 1.5], dtype=np.float32)


def _q2_input():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(6, 5)).astype(np.float32)
    x[0, :] = 0.0  # the kink: both sides give 0
    x[1] = np.array([-2.0, -1.0, 1.0, -0.5, -3.0], dtype=np.float32)  # negatives in every column
    return x


def _leaky(x, alpha):
    return np.where(x >= 0, x, alpha * x)


def _q2_output(layer, x, label):
    y = _call(layer, (x,), "your layer", label)
    if y is None or y is Ellipsis:
        raise NotAttempted(
            "your layer's call returned nothing: `return` the output of call, run that cell, "
            "then run this check again."
        )
    try:
        arr = np.asarray(y, dtype=np.float64)
    except Exception:
        raise NotYet(
            f"{label}, the layer returned {type(y).__name__}, not a tensor of numbers."
        ) from None
    if arr.shape != x.shape:
        raise NotYet(
            f"{label}, the output has shape {arr.shape}; an activation keeps the input's "
            f"shape {x.shape}."
        )
    return arr


def _q2_value_mistakes(x, alpha):
    """Known wrong outputs and their hints; those equal to the right output are left out."""
    want = _leaky(x, alpha)
    mistakes = [
        (
            np.maximum(x, 0),
            "negative inputs come out as 0: that is a plain ReLU. Multiply them by alpha "
            "instead: ops.where(x >= 0, x, self.alpha * x).",
        ),
        (
            np.where(x >= 0, alpha * x, x),
            "the slope alpha is applied to the positive side; it belongs to the negative "
            "side (x < 0), while x >= 0 passes through unchanged.",
        ),
        (
            alpha * x,
            "every input is multiplied by alpha; only the negative ones should be.",
        ),
        (
            x,
            "the output equals the input: negative inputs must be multiplied by alpha.",
        ),
        (
            np.maximum(x, alpha * x),
            "max(x, alpha * x) equals the leaky ReLU only while alpha <= 1, and a learned "
            "alpha can grow beyond 1 (here one feature has alpha = 1.5). Write the rule "
            "itself: ops.where(x >= 0, x, self.alpha * x).",
        ),
    ]
    return [(w, h) for w, h in mistakes if not np.allclose(w, want, rtol=1e-5, atol=1e-6)]


def _q2_make(cls, keras, **kwargs):
    try:
        return cls(alpha_initializer=keras.initializers.Constant(_Q2_ALPHA), **kwargs)
    except (NotYet, NotAttempted):
        raise
    except TypeError as exc:
        text = str(exc)
        if "alpha_initializer" in text:
            raise NotYet(
                "LearnableLeakyReLU(alpha_initializer=...) failed: __init__ should accept "
                'the argument alpha_initializer (default "zeros"), '
                f"but Python says: {_short(text)}"
            ) from None
        if "'name'" in text or "keyword argument" in text:
            raise NotYet(
                "LearnableLeakyReLU(..., name=...) failed: accept **kwargs in __init__ and "
                "pass them on with super().__init__(**kwargs), so that Keras's own arguments "
                f"(name, dtype, trainable) work. Python says: {_short(text)}"
            ) from None
        raise NotYet(f"creating your layer, {describe_exception(exc)}.") from None
    except Exception as exc:
        raise NotYet(f"creating your layer, {describe_exception(exc)}.") from None


def _q2_alpha_weight(layer, x):
    weights = list(layer.trainable_weights)
    if not weights:
        if layer.non_trainable_weights:
            raise NotYet(
                "alpha is not trainable, so training would never change it: leave "
                "trainable=True (the default) in self.add_weight."
            )
        raise NotYet(
            "the layer has no trainable weight. Create alpha in build with "
            "self.alpha = self.add_weight(shape=..., initializer=self.alpha_initializer): "
            "only weights made by add_weight are tracked (and trained)."
        )
    if len(weights) > 1:
        shapes = [tuple(w.shape) for w in weights]
        raise NotYet(
            f"the layer has {len(weights)} trainable weights {shapes}; it needs exactly one, "
            "alpha, with one slope per feature."
        )
    (alpha,) = weights
    shape = tuple(alpha.shape)
    n = x.shape[-1]
    if shape != (n,):
        if shape in ((), (1,)):
            problem = "a single slope shared by every feature"
        elif shape == x.shape:
            problem = "one slope per sample and feature (it depends on the batch size)"
        else:
            problem = "not one slope per feature"
        raise NotYet(
            f"alpha has shape {shape}, {problem}. The layer needs one slope per feature, "
            f"shape (input_shape[-1],) = ({n},): in build, shape=(input_shape[-1],)."
        )
    values = np.asarray(alpha, dtype=np.float64)
    if not np.allclose(values, _Q2_ALPHA, rtol=1e-6, atol=0):
        raise NotYet(
            f"built with alpha_initializer=Constant({_Q2_ALPHA}), alpha starts at "
            f"{np.unique(values.round(4))}: initialize it with the initializer you were given "
            "(self.alpha_initializer = keras.initializers.get(alpha_initializer) in __init__, "
            "initializer=self.alpha_initializer in add_weight)."
        )
    return alpha


def _q2_config(layer, cls, keras):
    try:
        config = layer.get_config()
    except NotImplementedError:
        raise NotYet(
            "get_config is missing: Keras can only write a config by itself when every "
            "argument of __init__ is a plain value, and an initializer object is not. Write "
            "get_config: config = super().get_config(), then add "
            "config['alpha_initializer'] = keras.initializers.serialize(self.alpha_initializer)."
        ) from None
    except Exception as exc:
        raise NotYet(f"calling get_config, {describe_exception(exc)}.") from None
    if not isinstance(config, dict):
        raise NotYet(f"get_config should return a dict, but it returned {type(config).__name__}.")
    if "alpha_initializer" not in config:
        raise NotYet(
            f"get_config returns the keys {sorted(config)}, without 'alpha_initializer': "
            "add it, so that from_config can pass it back to __init__."
        )
    if "name" not in config:
        raise NotYet(
            "get_config lacks Keras's own keys (name, trainable, dtype): start from "
            "config = super().get_config() and add to it."
        )
    value = config["alpha_initializer"]
    if not isinstance(value, (str, dict)):
        raise NotYet(
            f"get_config stores alpha_initializer as a {type(value).__name__} object, which "
            "cannot be written to a .keras file (JSON): store "
            "keras.initializers.serialize(self.alpha_initializer) instead."
        )
    return config


def _q2_round_trip(layer, x, keras):
    model = keras.Sequential([keras.Input(shape=(x.shape[-1],)), layer])
    want = np.asarray(model(x))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "q2.keras")
        try:
            model.save(path)
        except Exception as exc:
            raise NotYet(
                f"saving a model with your layer failed: {type(exc).__name__}: {_short(exc)}"
            ) from None
        try:
            loaded = keras.saving.load_model(path)
        except Exception as exc:
            text = str(exc).split("Exception encountered: ")[-1]
            raise NotYet(
                "loading a saved model with your layer failed: "
                f"{type(exc).__name__}: {_short(text)}"
            ) from None
    got = np.asarray(loaded(x))
    if not np.array_equal(got, want):
        raise NotYet(
            "after saving and loading, the model predicts something else: are alpha's "
            "values saved? Create alpha with self.add_weight in build, so that Keras saves it."
        )


def _check_leaky(cls):
    keras = _keras()
    if not isinstance(cls, type):
        raise NotYet(
            f"LearnableLeakyReLU should be a class (class LearnableLeakyReLU("
            f"keras.layers.Layer): ...), but it is a {type(cls).__name__}. Pass the class "
            "itself to the check, not an instance."
        )
    if not issubclass(cls, keras.layers.Layer):
        raise NotYet(
            f"{cls.__name__} should subclass keras.layers.Layer, but its bases are "
            f"{[b.__name__ for b in cls.__bases__]}."
        )
    if not any(m in vars(cls) for m in _LAYER_METHODS):
        raise NotAttempted(
            f"your class {cls.__name__} has no methods yet: write __init__, build, call and "
            "get_config, run that cell, then run this check again."
        )
    missing = [m for m in ("build", "call") if m not in vars(cls)]
    if missing:
        raise NotYet(
            f"{cls.__name__} does not define {' and '.join(missing)}: build creates alpha with "
            "self.add_weight, call computes the output."
        )
    x = _q2_input()
    layer = _q2_make(cls, keras, name="leaky_check")
    y = _q2_output(layer, x, "calling your layer on a batch of shape (6, 5)")
    alpha = _q2_alpha_weight(layer, x)
    expect_array(
        y,
        _leaky(x, _Q2_ALPHA),
        name="the output with alpha = 0.2",
        mistakes=_q2_value_mistakes(x, _Q2_ALPHA),
    )
    # Per-feature slopes: set them, and compare with Keras's own layer holding the same.
    alpha.assign(_Q2_ALPHAS)
    prelu = keras.layers.PReLU()
    prelu.build(x.shape)
    prelu.set_weights([_Q2_ALPHAS])
    y = _q2_output(layer, x, "with alpha set to [0.1, 0.2, 0.3, 0.5, 1.5]")
    want = np.asarray(prelu(x), dtype=np.float64)
    if np.allclose(y, _leaky(x, _Q2_ALPHA), rtol=1e-6, atol=1e-7):
        raise NotYet(
            "after alpha was set to other values, the output did not change: call should "
            "use the weight self.alpha, not a fixed number."
        )
    # PReLU computes relu(x) - alpha * relu(-x): float32 rounding only, ~1e-7 relative.
    expect_array(
        y,
        want,
        name="the output with per-feature alphas (compared with keras.layers.PReLU)",
        mistakes=_q2_value_mistakes(x, _Q2_ALPHAS),
    )
    config = _q2_config(layer, cls, keras)
    try:
        clone = cls.from_config(config)
    except Exception as exc:
        raise NotYet(
            f"{cls.__name__}.from_config(layer.get_config()) failed: {describe_exception(exc)}"
            ". The config's keys must be arguments of __init__."
        ) from None
    y_clone = _q2_output(clone, x, "calling the layer rebuilt by from_config")
    if not np.allclose(y_clone, _leaky(x, _Q2_ALPHA), rtol=1e-6, atol=1e-7):
        raise NotYet(
            "the layer rebuilt by from_config(get_config()) does not start with alpha = 0.2: "
            "get_config must save the alpha_initializer you were given."
        )
    registered = keras.saving.get_registered_object(keras.saving.get_registered_name(cls))
    if registered is not cls:
        raise NotYet(
            f"{cls.__name__} is not registered, so a saved model could not find it when "
            'loading. Put @keras.saving.register_keras_serializable(package="course") on '
            "the line above `class`."
        )
    _q2_round_trip(layer, x, keras)
    return (
        "the layer matches keras.layers.PReLU, rebuilds from its config, and a model using "
        "it saves and loads with identical predictions."
    )


q2 = Question(
    "q2",
    prompt=(
        "Write a registered Keras layer LearnableLeakyReLU(alpha_initializer='zeros'): "
        "y = x for x >= 0, alpha * x for x < 0, one learnable alpha per feature, with "
        "build, call and get_config."
    ),
    check_fn=_check_leaky,
    hint=[
        "__init__: super().__init__(**kwargs); self.alpha_initializer = "
        "keras.initializers.get(alpha_initializer). build: self.alpha = self.add_weight("
        "shape=(input_shape[-1],), initializer=self.alpha_initializer, name='alpha').",
        "call: return ops.where(x >= 0, x, self.alpha * x). get_config: config = "
        "super().get_config(); config['alpha_initializer'] = "
        "keras.initializers.serialize(self.alpha_initializer); return config. And "
        '@keras.saving.register_keras_serializable(package="course") above the class.',
    ],
    solution_source='''
@keras.saving.register_keras_serializable(package="course")
class LearnableLeakyReLU(keras.layers.Layer):
    """y = x for x >= 0, alpha * x for x < 0, with a learnable alpha per feature."""

    def __init__(self, alpha_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = keras.initializers.get(alpha_initializer)

    def build(self, input_shape):
        self.alpha = self.add_weight(
            shape=(input_shape[-1],), initializer=self.alpha_initializer, name="alpha"
        )

    def call(self, inputs):
        return ops.where(inputs >= 0, inputs, self.alpha * inputs)

    def get_config(self):
        config = super().get_config()
        config["alpha_initializer"] = keras.initializers.serialize(self.alpha_initializer)
        return config
''',
    setup=_keras_setup,
)


# ---------------------------------------------------------------------------------------------
# q3: the capstone


_RELU_LIKE = (
    "relu",
    "relu6",
    "leaky_relu",
    "prelu",
    "elu",
    "celu",
    "gelu",
    "silu",
    "swish",
    "mish",
    "hard_silu",
    "hard_swish",
    "softplus",
)
_GLOROT_LIKE = ("tanh", "sigmoid", "hard_sigmoid", "softsign", "hard_tanh")
_ACTIVATION_LAYERS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu"}
# Up to this many hidden weight layers, relu + Glorot earns a warning instead of a "not yet".
SHALLOW = 2
_PASS_THROUGH = ("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise")
_NORMALIZATION = ("BatchNormalization", "LayerNormalization")
_DROPOUT_LIKE = ("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D")
_INPUT_SHAPES = ((784,), (28, 28), (28, 28, 1))
# One hidden layer of h units costs 785 h + 10 h + 10 parameters: h <= 75 fits the budget.
_MAX_SINGLE_HIDDEN = (BUDGET - 10) // 795


def _family(activation):
    """'relu', 'selu', 'glorot', 'linear' or 'other' for an activation name."""
    name = activation.lower()
    if name == "selu":
        return "selu"
    if name == "linear":
        return "linear"
    if name in _GLOROT_LIKE:
        return "glorot"
    if name in _RELU_LIKE or any(k in name for k in ("relu", "swish", "silu", "mish", "gelu")):
        return "relu"
    return "other"


def _initializer_family(init):
    """'he', 'glorot', 'lecun_normal', 'lecun_uniform', 'constant' or the class name."""
    kind = type(init).__name__
    named = {
        "HeNormal": "he",
        "HeUniform": "he",
        "GlorotNormal": "glorot",
        "GlorotUniform": "glorot",
        "LecunNormal": "lecun_normal",
        "LecunUniform": "lecun_uniform",
        "Zeros": "constant",
        "Ones": "constant",
        "Constant": "constant",
    }
    if kind in named:
        return named[kind]
    if kind == "VarianceScaling":
        scale, mode = float(init.scale), init.mode
        if scale == 2.0 and mode == "fan_in":
            return "he"
        if scale == 1.0 and mode == "fan_avg":
            return "glorot"
        if scale == 1.0 and mode == "fan_in":
            normal = init.distribution in ("truncated_normal", "untruncated_normal")
            return "lecun_normal" if normal else "lecun_uniform"
    return kind


_INIT_WORDS = {
    "he": (r"\bhe\b", "kaiming"),
    "glorot": ("glorot", "xavier"),
    "lecun_normal": ("lecun",),
    "lecun_uniform": ("lecun",),
}
_ACTIVATION_WORDS = {
    "relu": ("relu", "rectified"),
    "leaky_relu": ("leaky",),
    "prelu": ("prelu", "parametric"),
    "silu": ("silu", "swish"),
    "swish": ("silu", "swish"),
    "sigmoid": ("sigmoid", "logistic"),
}


def _activation_name(fn):
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return name.lower()


def _activation_of(layers, i):
    """The activation that follows the weight layer ``layers[i]``, by name."""
    layer = layers[i]
    kind = type(layer).__name__
    if "swish" in kind.lower():  # SwishDense and friends carry their activation inside
        return "swish"
    own = _activation_name(layer.activation) if hasattr(layer, "activation") else "linear"
    if own != "linear":
        return own
    for nxt in layers[i + 1 :]:
        nkind = type(nxt).__name__
        if nkind in _ACTIVATION_LAYERS:
            return _ACTIVATION_LAYERS[nkind]
        if nkind == "Activation":
            return _activation_name(nxt.activation)
        if not type(nxt).__module__.startswith("keras") and not hasattr(nxt, "kernel_initializer"):
            # A learner's own activation layer, e.g. LearnableLeakyReLU from Exercise 2.
            return _snake(nkind)
        if nkind not in _PASS_THROUGH + _NORMALIZATION:
            break
    return "linear"


def _snake(name):
    """``MyLeakyReLU`` -> ``my_leaky_relu`` (ReLU kept whole, unlike Keras's ``re_lu``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.replace("ReLU", "Relu")).lower()


def _name_pattern(name):
    """A regex that finds ``name`` in a text normalised by ``_words``.

    ``swish_keras``, ``SwishKeras`` and ``swish-keras`` all match "swish keras" and "swishkeras".
    """
    parts = [p for p in re.split(r"[_\-\s]+", _snake(name)) if p]
    return r"\s?".join(re.escape(p) for p in parts)


def _activation_patterns(name):
    """What a justification may call the activation ``name``: the name itself, and the usual
    words of every known activation inside it (``learnable_leaky_relu`` -> leaky, relu, ...)."""
    patterns = [_name_pattern(name)]
    for known, words in _ACTIVATION_WORDS.items():
        if known in name:
            patterns.extend(words)
    return patterns


def _words(text):
    return " ".join(re.sub(r"[_\-]", " ", text.lower()).split())


def _mentions(text, patterns):
    return any(re.search(p, text) for p in patterns)


def _check_justification(justification):
    if isinstance(justification, str):
        raise NotYet(
            "justification should be a dict with the keys 'activation', 'initializer' and "
            "'regularization' (one sentence each), but it is a single string."
        )
    if not isinstance(justification, dict):
        raise NotYet(
            "justification should be a dict with the keys 'activation', 'initializer' and "
            f"'regularization', but it is a {type(justification).__name__}."
        )
    missing = [k for k in ("activation", "initializer", "regularization") if k not in justification]
    if missing:
        raise NotYet(
            f"justification lacks the key(s) {missing}; it has {sorted(map(str, justification))}."
        )
    texts = {}
    for key in ("activation", "initializer", "regularization"):
        value = justification[key]
        if not isinstance(value, str) or len(value.split()) < 3:
            raise NotYet(
                f"justification[{key!r}] should be a sentence saying what you chose and why "
                f"(a few words at least), but it is {value!r}."
            )
        texts[key] = _words(value)
    return texts


def _model_structure(model, keras):
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise NotYet(
            "the model has no defined input, so its parameters cannot be counted before it "
            "sees data: start it with keras.Input(shape=(784,))."
        )
    if len(inputs) != 1 or len(model.outputs) != 1:
        raise NotYet(
            f"the model has {len(inputs)} input(s) and {len(model.outputs)} output(s); the "
            "capstone is one image in, 10 class scores out."
        )
    shape = tuple(inputs[0].shape[1:])
    if shape not in _INPUT_SHAPES:
        raise NotYet(
            f"the model's input has shape {shape}; Fashion-MNIST images here are flat vectors "
            "of 784 pixels: keras.Input(shape=(784,)) (or (28, 28) followed by Flatten)."
        )
    out_shape = tuple(model.outputs[0].shape[1:])
    if out_shape != (10,):
        raise NotYet(
            f"the model's output has shape {out_shape}; it needs one score per class, shape "
            "(10,): end with keras.layers.Dense(10, activation='softmax')."
        )
    return shape


def _check_output_layer(layers):
    last = layers[-1]
    if type(last).__name__ != "Dense" or last.units != 10:
        raise NotYet(
            f"the last layer is {type(last).__name__}; end the model with "
            "keras.layers.Dense(10, activation='softmax') (or without activation, for logits)."
        )
    act = _activation_name(last.activation)
    if act not in ("softmax", "linear"):
        raise NotYet(
            f"the output layer uses {act!r}. One class out of ten calls for softmax "
            "(probabilities that sum to 1, notebooks 02 and 05), or no activation (logits, "
            "with a loss built with from_logits=True)."
        )
    return act


def _hidden_layers(layers, keras):
    """[(layer, activation name, initializer family)] for every weight layer but the output."""
    found = []
    for i, layer in enumerate(layers[:-1]):
        if not hasattr(layer, "kernel_initializer"):
            continue
        found.append(
            (layer, _activation_of(layers, i), _initializer_family(layer.kernel_initializer))
        )
    return found


def _pairing_hint(layer, activation, init):
    family = _family(activation)
    where = f"layer '{layer.name}' ({activation}"
    shown = type(layer.kernel_initializer).__name__
    if init == "constant":
        return (
            f"{where}) starts with constant weights: every unit computes the same thing and "
            "receives the same gradient, so they never become different (notebook 06)."
        )
    if family == "relu" and init != "he":
        default = " (the Dense default)" if init == "glorot" else ""
        return (
            f"{where}) uses {shown}{default} initialization. For ReLU-like activations, He "
            "initialization keeps the activations' variance from layer to layer (He et al., "
            "2015; notebook 06): kernel_initializer='he_normal' or 'he_uniform'."
        )
    if family == "selu" and init != "lecun_normal":
        return (
            f"{where}) uses {shown} initialization. SELU is self-normalizing only with LeCun "
            "normal initialization (Klambauer et al., 2017; notebook 07): "
            "kernel_initializer='lecun_normal'."
        )
    if family == "glorot" and init not in ("glorot", "lecun_normal", "lecun_uniform"):
        return (
            f"{where}) uses {shown} initialization. Glorot (Xavier) initialization was derived "
            "for symmetric activations like tanh and is the convention for sigmoid (Glorot & "
            "Bengio, 2010; notebook 06): kernel_initializer='glorot_uniform' or "
            "'glorot_normal'."
        )
    return None


def _regularization_of(layers):
    """Names of the regularizers in the model: 'dropout', 'l2', 'l1'."""
    found = set()
    for layer in layers:
        kind = type(layer).__name__
        rate = getattr(layer, "rate", None)
        if kind in _DROPOUT_LIKE and (rate is None or rate > 0):
            found.add("dropout")
        for attr in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            reg = getattr(layer, attr, None)
            if reg is not None:
                if float(getattr(reg, "l2", 0.0) or 0.0) > 0:
                    found.add("l2")
                if float(getattr(reg, "l1", 0.0) or 0.0) > 0:
                    found.add("l1")
                if not {"l1", "l2"} & found:
                    found.add("regularizer")
    return found


def _check_regularization(found, text):
    says_dropout = "dropout" in text
    says_weights = _mentions(text, (r"\bl2\b", r"\bl1\b", "weight decay", "ridge", "lasso"))
    says_early = _mentions(text, ("early stop", "earlystopping"))
    if says_dropout and "dropout" not in found:
        raise NotYet(
            "your regularization justification mentions dropout, but the model has no "
            "Dropout layer (with a rate above 0): add keras.layers.Dropout(rate) after a "
            "hidden layer, or change the justification."
        )
    if says_weights and not found & {"l1", "l2", "regularizer"}:
        raise NotYet(
            "your regularization justification mentions a weight penalty (L2/L1), but no layer "
            "has a kernel_regularizer: add kernel_regularizer=keras.regularizers.L2(...) to a "
            "hidden Dense layer, or change the justification."
        )
    if not found and not says_early:
        # A design choice, not an error: warn and let the training cell show the gap.
        return (
            "the model has no Dropout and no kernel_regularizer, and the justification names "
            "no other remedy such as early stopping. Tens of thousands of parameters trained on "
            "10,000 images can overfit (notebook 08): watch the gap between training and test "
            "accuracy when it trains, and consider adding one."
        )
    return None


def _check_capstone(build_capstone_model, justification):
    keras = _keras()
    expect_callable(build_capstone_model, n_args=0, name="build_capstone_model")
    model = _call(
        build_capstone_model, (), "build_capstone_model", "calling build_capstone_model()"
    )
    _blank(model, "build_capstone_model")
    if not isinstance(model, keras.Model):
        hint = (
            " (a companion model: the capstone asks for a Keras one)"
            if type(model).__module__.startswith("companion")
            else ""
        )
        raise NotYet(
            "build_capstone_model should return a keras.Model, but it returned "
            f"{type(model).__name__}{hint}."
        )
    texts = _check_justification(justification)
    input_shape = _model_structure(model, keras)
    n_params = model.count_params()
    if n_params > BUDGET:
        raise NotYet(
            f"the model has {n_params:,} parameters, {n_params - BUDGET:,} over the budget of "
            f"{BUDGET:,}. With 784 inputs, each unit of the first hidden layer costs 785 "
            f"parameters: a single hidden layer can have at most {_MAX_SINGLE_HIDDEN} units."
        )
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    output_activation = _check_output_layer(layers)
    hidden = _hidden_layers(layers, keras)
    if not hidden:
        raise NotYet(
            "the model has no hidden layer: a single Dense(10) is a linear classifier "
            "(notebook 01). Put at least one hidden layer with a non-linear activation before "
            "the output."
        )
    warnings = []
    for layer, activation, init in hidden:
        if activation == "linear":
            raise NotYet(
                f"hidden layer '{layer.name}' has no activation, so it adds no non-linearity: "
                "linear layers stacked are one linear map (notebook 01). Give it one, e.g. "
                "activation='relu'."
            )
        hint = _pairing_hint(layer, activation, init)
        if hint and len(hidden) <= SHALLOW and _family(activation) == "relu" and init == "glorot":
            # Glorot halves a relu signal's variance per layer: over one or two layers that
            # costs a factor of 2-4, which a shallow net trains through. Warn, do not fail.
            warnings.append(
                hint + f" In a net of {len(hidden)} hidden layer(s) it still trains, so this "
                "is a warning: the halving compounds with depth."
            )
        elif hint:
            raise NotYet(hint)
    activations_used = sorted({a for _, a, _ in hidden})
    words = [w for a in activations_used for w in _activation_patterns(a)]
    if not _mentions(texts["activation"], words):
        raise NotYet(
            f"justification['activation'] should name the activation your hidden layers use "
            f"({', '.join(activations_used)}) and say why you chose it."
        )
    inits = sorted({i for _, _, i in hidden})
    init_words = [w for i in inits for w in _INIT_WORDS.get(i, (_name_pattern(i),))]
    if not _mentions(texts["initializer"], init_words):
        shown = ", ".join(i.replace("he", "He").replace("glorot", "Glorot") for i in inits)
        raise NotYet(
            f"justification['initializer'] should name the initializer your hidden layers use "
            f"({shown}) and say why it suits the activation."
        )
    found = _regularization_of(layers)
    warning = _check_regularization(found, texts["regularization"])
    if warning:
        warnings.append(warning)
    x = np.zeros((2, *input_shape), dtype=np.float32)
    y = _call(model, (x,), "your model", "running your model on two blank images")
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (2, 10) or not np.all(np.isfinite(y)):
        raise NotYet(
            f"on two blank images the model returned shape {y.shape}"
            f"{'' if np.all(np.isfinite(y)) else ' with NaN or inf'}; expected (2, 10)."
        )
    output = "softmax probabilities" if output_activation == "softmax" else "logits"
    remedies = ", ".join(sorted(found)) or (
        "early stopping" if _mentions(texts["regularization"], ("early stop", "earlystopping"))
        else "nothing"
    )  # fmt: skip
    matching = "with warnings" if warnings else "with matching initialization"
    message = (
        f"{n_params:,} parameters (budget {BUDGET:,}), {' and '.join(activations_used)} hidden "
        f"units {matching}, {output} out, regularized by {remedies}. The next cell trains it."
    )
    for i, warning in enumerate(warnings, 1):
        message += f" Warning {i} (not an error): {warning}"
    return message


q3 = Question(
    "q3",
    prompt=(
        f"Capstone: build_capstone_model() returns a Keras model for Fashion-MNIST with at most "
        f"{BUDGET:,} parameters; justification = {{'activation': ..., 'initializer': ..., "
        "'regularization': ...}} says what you chose and why."
    ),
    check_fn=_check_capstone,
    hint=[
        "For example: keras.Input(shape=(784,)), Dense(64, activation='relu', "
        "kernel_initializer='he_normal'), Dropout(0.2), Dense(10, activation='softmax'): "
        "785 * 64 + 65 * 10 = 50,890 parameters.",
        "Pairings: relu-like -> he_normal / he_uniform; selu -> lecun_normal; tanh or sigmoid "
        "-> glorot_uniform / glorot_normal. In justification, name each choice: e.g. "
        "'relu, because ...', 'he_normal, because ...', 'Dropout(0.2), because ...'.",
    ],
    solution_source="""
def build_capstone_model():
    return keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="capstone",
    )


justification = {
    "activation": (
        "relu: cheap, it does not saturate for positive inputs, and a two-hidden-layer "
        "network is too shallow for smoother choices such as swish to pay off"
    ),
    "initializer": (
        "he_normal, because He initialization keeps the variance of relu activations from "
        "layer to layer, where Glorot would halve it at every layer"
    ),
    "regularization": (
        "Dropout(0.2) after the wide first layer: 52,650 parameters trained on 10,000 images "
        "can start to memorise them, and dropout narrows the train-validation gap"
    ),
}
""",
    setup=_keras_setup,
)

QUESTIONS = [q1, q2, q3]
