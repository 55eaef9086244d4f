"""Exercises of notebook 04, Keras models: Sequential vs Functional (vs subclassing).

- ``q1``: ``build_residual_model()`` -- a Functional model with a skip connection, to a spec.
- ``q2``: ``n_params`` -- the parameter count of a graph with a shared layer, by hand.
- ``q3``: ``to_functional(seq)`` -- the same network as a Sequential, as a Functional model.
- ``q4``: ``build_two_head_model()`` -- one trunk, two outputs.

The checks inspect the learner's Keras model: its class, inputs, outputs, named layers, their
connections (read from ``model.get_config()``, the same description Keras saves to disk) and
parameter counts. Keras is imported inside the checks, so importing this module stays light.
"""

import numpy as np

from companion.exercises.core import (
    NotYet,
    Question,
    call_learner,
    expect_callable,
    expect_number,
)

__all__ = ["q1", "q2", "q3", "q4", "QUESTIONS"]


def _keras():
    import keras

    return keras


def _keras_setup():
    return {"keras": _keras()}


_NOT_SEQUENTIAL = (
    "A Sequential hands one tensor from each layer to the next, so it cannot express this "
    "graph: build it with the Functional API, inputs = keras.Input(...), ..., "
    "keras.Model(inputs, outputs)."
)


def _expect_model(model, fn_name, sequential_hint=_NOT_SEQUENTIAL):
    keras = _keras()
    if isinstance(model, keras.Model):
        if isinstance(model, keras.Sequential):
            raise NotYet(f"{fn_name} returned a Sequential model. {sequential_hint}")
        return model
    if isinstance(model, keras.layers.Layer):
        raise NotYet(
            f"{fn_name} returned a {type(model).__name__} layer, not a model: wrap the graph "
            "in keras.Model(inputs, outputs)."
        )
    if type(model).__name__ == "KerasTensor" or isinstance(model, (list, tuple, dict)):
        raise NotYet(
            f"{fn_name} returned the output tensor(s), not a model: return "
            "keras.Model(inputs, outputs)."
        )
    raise NotYet(f"{fn_name} should return a keras.Model, but it returned {type(model).__name__}.")


def _layer(model, name, kind, **expected):
    """The layer called ``name``; checks its class and the given config entries."""
    try:
        layer = model.get_layer(name)
    except ValueError:
        names = ", ".join(repr(layer.name) for layer in model.layers)
        raise NotYet(
            f"the model has no layer named {name!r} (its layers are {names}): give each layer "
            f"its name with name=..., e.g. keras.layers.{kind}(..., name={name!r})."
        ) from None
    if type(layer).__name__ != kind:
        raise NotYet(f"layer {name!r} is a {type(layer).__name__}; it should be a {kind}.")
    config = layer.get_config()
    for key, want in expected.items():
        got = config.get(key)
        if key == "activation":
            got = got if isinstance(got, str) else getattr(got, "__name__", str(got))
        if got != want:
            raise NotYet(f"layer {name!r} has {key}={got!r}; the spec asks for {key}={want!r}.")
    return layer


def _histories(obj):
    """Names of the layers whose outputs appear in a serialized call (nested lists/dicts)."""
    if isinstance(obj, dict):
        if "keras_history" in obj.get("config", {}):
            return [obj["config"]["keras_history"][0]]
        return [n for value in obj.values() for n in _histories(value)]
    if isinstance(obj, (list, tuple)):
        return [n for value in obj for n in _histories(value)]
    return []


def _sources(model):
    """{layer name: names of the layers feeding it}, read from the model's saved config."""
    return {
        layer["name"]: _histories(layer.get("inbound_nodes", []))
        for layer in model.get_config().get("layers", [])
    }


def _input_names(model):
    return [layer.name for layer in model.layers if type(layer).__name__ == "InputLayer"]


def _expect_input(model, shape, name):
    if len(model.inputs) != 1:
        raise NotYet(f"the model has {len(model.inputs)} inputs; the spec has one.")
    got = tuple(model.inputs[0].shape)
    if got != (None, *shape):
        raise NotYet(
            f"the model's input has shape {got}, expected {(None, *shape)}: "
            f"keras.Input(shape={shape}, name={name!r})."
        )
    if _input_names(model) != [name]:
        raise NotYet(
            f"the input is called {_input_names(model)[0]!r}; name it: "
            f"keras.Input(shape={shape}, name={name!r})."
        )


def _expect_params(model, want, breakdown):
    got = model.count_params()
    if got != want:
        raise NotYet(
            f"the model has {got} parameters, the spec gives {want} ({breakdown}): compare "
            "your layers' units with the spec."
        )


# ---------------------------------------------------------------------------------------------
# q1: a skip connection


def _check_residual(build_residual_model):
    expect_callable(build_residual_model, n_args=0, name="build_residual_model")
    model = call_learner(
        build_residual_model, (), "build_residual_model", "calling build_residual_model()"
    )
    model = _expect_model(model, "build_residual_model")
    _expect_input(model, (16,), "features")
    _layer(model, "hidden_1", "Dense", units=16, activation="relu")
    _layer(model, "hidden_2", "Dense", units=16, activation="linear")
    _layer(model, "skip", "Add")
    _layer(model, "head", "Dense", units=4, activation="softmax")
    sources = _sources(model)
    if sources.get("hidden_1") != ["features"] or sources.get("hidden_2") != ["hidden_1"]:
        raise NotYet(
            "the chain should be features -> hidden_1 -> hidden_2; the model has hidden_1 fed "
            f"by {sources.get('hidden_1')} and hidden_2 by {sources.get('hidden_2')}."
        )
    skip = sorted(sources.get("skip", []))
    if skip != ["features", "hidden_2"]:
        extra = (
            " The skip starts at the model's input, so `features` itself goes into the Add."
            if "features" not in skip
            else ""
        )
        raise NotYet(
            f"the Add layer 'skip' adds {skip}; it should add the input `features` and the "
            f"output of hidden_2: keras.layers.Add(name='skip')([inputs, h]).{extra}"
        )
    if sources.get("head") != ["skip"]:
        raise NotYet(
            f"'head' is fed by {sources.get('head')}; it should read the sum, the output of 'skip'."
        )
    if len(model.outputs) != 1 or tuple(model.outputs[0].shape) != (None, 4):
        shapes = [tuple(t.shape) for t in model.outputs]
        raise NotYet(f"the model's outputs have shapes {shapes}; expected one of shape (None, 4).")
    _expect_params(model, 612, "hidden_1 16*16+16, hidden_2 16*16+16, head 16*4+4")


q1 = Question(
    "q1",
    prompt=(
        "Write build_residual_model(): features (16,) -> Dense(16, relu) 'hidden_1' -> Dense(16) "
        "'hidden_2'; Add 'skip' of features and hidden_2; Dense(4, softmax) 'head'."
    ),
    check_fn=_check_residual,
    hint=[
        "Start with inputs = keras.Input(shape=(16,), name='features') and call each layer on "
        "the tensor before it: h = keras.layers.Dense(16, activation='relu', "
        "name='hidden_1')(inputs).",
        "Then h = keras.layers.Dense(16, name='hidden_2')(h); the skip: "
        "s = keras.layers.Add(name='skip')([inputs, h]); then "
        "outputs = keras.layers.Dense(4, activation='softmax', name='head')(s) and "
        "return keras.Model(inputs, outputs).",
    ],
    solution_source="""
def build_residual_model():
    inputs = keras.Input(shape=(16,), name="features")
    h = keras.layers.Dense(16, activation="relu", name="hidden_1")(inputs)
    h = keras.layers.Dense(16, name="hidden_2")(h)
    s = keras.layers.Add(name="skip")([inputs, h])  # the skip connection
    outputs = keras.layers.Dense(4, activation="softmax", name="head")(s)
    return keras.Model(inputs, outputs, name="residual_mlp")
""",
    setup=_keras_setup,
    correct=(
        "612 parameters, the same as without the skip: an Add has no weights, it only gives "
        "the signal (and the gradient) a path around hidden_1 and hidden_2."
    ),
)


# ---------------------------------------------------------------------------------------------
# q2: counting the parameters of a graph with a shared layer

# The notebook's siamese model: inputs left (10,) and right (10,), one Dense(8) "encoder"
# applied to both, Concatenate "merge" (8 + 8 = 16 features), Dense(1) "score".
_SIAMESE_PARAMS = (10 * 8 + 8) + (16 * 1 + 1)


def _check_siamese_count(n_params):
    expect_number(
        n_params,
        _SIAMESE_PARAMS,
        name="n_params",
        mistakes={
            2 * (10 * 8 + 8) + (16 + 1): "the encoder is one layer called twice: its weights "
            "exist once, so they count once.",
            10 * 8 + 16 * 1: "you counted the weights but not the biases (one per unit).",
            (10 * 8 + 8) + (8 * 1 + 1): "the Concatenate joins two 8-feature vectors, so "
            "'score' reads 16 features, not 8.",
            (20 * 8 + 8) + (16 + 1): "each call of the encoder reads one 10-feature input; "
            "the two inputs are not joined before it.",
        },
    )


q2 = Question(
    "q2",
    prompt=(
        "How many parameters does the siamese model have (two inputs of 10 features, one "
        "shared Dense(8) 'encoder', Concatenate, Dense(1) 'score')? Work it out before "
        "running count_params()."
    ),
    check_fn=_check_siamese_count,
    hint=[
        "A layer object called twice owns one kernel and one bias: count it once.",
        "encoder: 10 * 8 + 8; the merge has no weights and outputs 8 + 8 = 16 features; "
        "score: 16 * 1 + 1.",
    ],
    solution_source="""
n_params = (10 * 8 + 8) + (16 * 1 + 1)  # shared encoder counted once, then the score layer
""",
    correct=(
        "105: the shared encoder's 88 parameters count once, however many times it is called, "
        "and both inputs train the same weights."
    ),
)


# ---------------------------------------------------------------------------------------------
# q3: Sequential -> Functional


def _make_sequentials():
    keras = _keras()
    L = keras.layers
    first = keras.Sequential(
        [keras.Input(shape=(6,)), L.Dense(5, activation="relu"), L.Dense(3, activation="softmax")],
        name="first",
    )
    second = keras.Sequential(
        [keras.Input(shape=(3,)), L.Dense(4, activation="tanh"), L.Dropout(0.5), L.Dense(2)],
        name="second",
    )
    # Weights drawn here, not by the layers' initializers: a copy of the layers (even one with
    # the same seeded initializers) then gets different weights, and the check can tell.
    rng = np.random.default_rng(4)
    for seq in (first, second):
        seq.set_weights([rng.normal(scale=0.5, size=w.shape) for w in seq.get_weights()])
    return [first, second]


def _check_to_functional(to_functional):
    expect_callable(to_functional, n_args=1, name="to_functional")
    rng = np.random.default_rng(0)
    for seq in _make_sequentials():
        x = rng.normal(size=(7, seq.input_shape[-1])).astype("float32")
        want = np.asarray(seq(x, training=False))
        model = _expect_model(
            call_learner(to_functional, (seq,), "to_functional", "calling to_functional()"),
            "to_functional",
            "The task is a Functional model: start from inputs = keras.Input(...) and end with "
            "keras.Model(inputs, outputs).",
        )
        label = f"for a Sequential with layers {[type(layer).__name__ for layer in seq.layers]}"
        if not model.inputs or tuple(model.inputs[0].shape) != seq.input_shape:
            shape = tuple(model.inputs[0].shape) if model.inputs else None
            raise NotYet(
                f"{label}, the Functional model's input has shape {shape}, expected "
                f"{seq.input_shape}: keras.Input(shape=seq.input_shape[1:])."
            )
        if model.count_params() != seq.count_params():
            raise NotYet(
                f"{label}, the Functional model has {model.count_params()} parameters, the "
                f"Sequential {seq.count_params()}: call every layer of seq.layers once."
            )
        got = np.asarray(model(x, training=False))
        if got.shape != want.shape:
            raise NotYet(f"{label}, the outputs have shape {got.shape}, expected {want.shape}.")
        # The same layers in the same order run the same float32 operations: any difference
        # beyond float32 round-off (~1e-7) means different weights or a different order.
        if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            diff = float(np.max(np.abs(got - want)))
            raise NotYet(
                f"{label}, the outputs differ from the Sequential's by up to {diff:.2g}: new "
                "layers start with new random weights. Call seq's own layers (for layer in "
                "seq.layers: x = layer(x)); a layer called on a new tensor keeps its weights."
            )


q3 = Question(
    "q3",
    prompt=(
        "Write to_functional(seq): a Functional keras.Model that computes exactly what the "
        "Sequential model seq computes, with the same weights."
    ),
    check_fn=_check_to_functional,
    hint=[
        "inputs = keras.Input(shape=seq.input_shape[1:]); then pass the tensor through each "
        "layer of seq.layers in turn.",
        "x = inputs; for layer in seq.layers: x = layer(x); return keras.Model(inputs, x).",
    ],
    solution_source="""
def to_functional(seq):
    inputs = keras.Input(shape=seq.input_shape[1:])
    x = inputs
    for layer in seq.layers:  # the same layer objects, so the same weights
        x = layer(x)
    return keras.Model(inputs, x)
""",
    setup=_keras_setup,
    correct=(
        "a layer object can be called on any tensor and keeps its weights, so the Functional "
        "model shares them with the Sequential one."
    ),
)


# ---------------------------------------------------------------------------------------------
# q4: two outputs


def _check_two_heads(build_two_head_model):
    expect_callable(build_two_head_model, n_args=0, name="build_two_head_model")
    model = call_learner(
        build_two_head_model, (), "build_two_head_model", "calling build_two_head_model()"
    )
    model = _expect_model(model, "build_two_head_model")
    _expect_input(model, (8,), "features")
    _layer(model, "trunk", "Dense", units=32, activation="relu")
    if len(model.outputs) != 2:
        shapes = [tuple(t.shape) for t in model.outputs]
        raise NotYet(
            f"the model has {len(model.outputs)} output(s) of shape(s) {shapes}; it should have "
            "two: keras.Model(inputs, [species, size]). Concatenating the heads would make one "
            "output that a loss cannot treat as two tasks."
        )
    _layer(model, "species", "Dense", units=3, activation="softmax")
    _layer(model, "size", "Dense", units=1, activation="linear")
    if sorted(model.output_names) != ["size", "species"]:
        raise NotYet(
            f"the outputs come from {list(model.output_names)}; they should be the layers "
            "'species' and 'size'."
        )
    # A list of outputs is paired with a list of targets (or losses) by position, so its order
    # is part of the model; a dict of outputs is paired by name and has no order to get wrong.
    result = model(np.zeros((1, 8), dtype="float32"))
    if isinstance(result, (list, tuple)) and tuple(result[0].shape) == (1, 1):
        raise NotYet(
            "the outputs come in the order [size, species]; the task asks for [species, size]. "
            "Keras pairs a list of targets or losses with the outputs by position, so the "
            "order is part of what the model promises."
        )
    sources = _sources(model)
    if sources.get("trunk") != ["features"]:
        raise NotYet(f"'trunk' is fed by {sources.get('trunk')}; it should read the input.")
    for head in ("species", "size"):
        if sources.get(head) != ["trunk"]:
            raise NotYet(
                f"the head {head!r} is fed by {sources.get(head)}; both heads should read the "
                "trunk's output, so that they share its features."
            )
    _expect_params(model, 420, "trunk 8*32+32, species 32*3+3, size 32*1+1")


q4 = Question(
    "q4",
    prompt=(
        "Write build_two_head_model(): features (8,) -> Dense(32, relu) 'trunk'; from the trunk "
        "two heads, Dense(3, softmax) 'species' and Dense(1) 'size'; outputs [species, size]."
    ),
    check_fn=_check_two_heads,
    hint=[
        "Both heads are called on the same tensor: t = trunk(inputs); a = species_layer(t); "
        "b = size_layer(t).",
        "keras.Model(inputs, [a, b]) has two outputs; model.output_names lists them.",
    ],
    solution_source="""
def build_two_head_model():
    inputs = keras.Input(shape=(8,), name="features")
    t = keras.layers.Dense(32, activation="relu", name="trunk")(inputs)
    species = keras.layers.Dense(3, activation="softmax", name="species")(t)
    size = keras.layers.Dense(1, name="size")(t)
    return keras.Model(inputs, [species, size], name="two_heads")
""",
    setup=_keras_setup,
    correct=(
        "one trunk, two heads: 420 parameters, and fit() can take one loss per output, "
        "e.g. loss={'species': 'sparse_categorical_crossentropy', 'size': 'mse'}."
    ),
)

QUESTIONS = [q1, q2, q3, q4]
