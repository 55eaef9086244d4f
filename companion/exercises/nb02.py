"""Exercises of notebook 02, activation functions.

- ``q1``: ``silu_derivative(x)``, the derivative of ``silu(x) = x * sigmoid(x)`` (product rule).
- ``q2``: ``stable_softmax(z)``, a softmax over the last axis that survives logits of 1000.
- ``q3``: ``stable_sigmoid(x)``, a sigmoid without overflow warnings for ``x = +-1000``.
- ``q4``: ``choices``, the output activation and loss for four tasks.

The numeric checks compare with float64 references on fixed cases that include the extreme
values where the naive formulas break, and name the usual mistakes.
"""

import warnings

import numpy as np

from companion import activations
from companion.exercises.core import (
    NotAttempted,
    NotYet,
    Question,
    call_learner,
    describe,
    expect_array,
    expect_callable,
    for_case,
)

__all__ = ["q1", "q2", "q3", "q4", "QUESTIONS"]

# The references are float64 formulas of O(1) values: any correct float64 implementation agrees
# to ~1e-15, a float32 one to ~1e-7 relative (float32's epsilon is 1.2e-7; a few roundings of
# exp and a division stay within 1e-6). Every mistake the hints name is off by more than 1e-2.
_RTOL = 1e-6
_ATOL = 1e-7


def _call(fn, args, name, label):
    """``call_learner``, also returning the RuntimeWarnings (overflow) the learner's code raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call_learner(fn, args, name, label)
    overflow = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    return result, overflow


def _expect_stable_values(result, want, label, name, fix, mistakes=()):
    """``expect_array`` for a stable function; an inf or NaN in the result is answered with
    ``fix``, the way to keep exp from overflowing."""
    try:
        expect_array(result, want, _RTOL, _ATOL, name=name, mistakes=mistakes)
    except NotYet as exc:
        message = str(exc)
        if "NaN or infinite" in message:
            message += f" {fix}"
        raise NotYet(f"{label}: {message}") from None


def _finite_without_warnings(overflow, label, name, fix):
    if overflow:
        raise NotYet(
            f"{label}, NumPy warned '{overflow[0].message}': {name} computes an exp that "
            f"overflows (exp(710) is already inf in float64). {fix}"
        )


# ---------------------------------------------------------------------------------------------
# q1: the derivative of silu


def _silu_derivative_reference(x):
    s = activations.sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _check_silu_derivative(silu_derivative):
    expect_callable(silu_derivative, n_args=1, name="silu_derivative", arg_names=("x",))
    cases = [
        np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),
        np.linspace(-6.0, 6.0, 25).reshape(5, 5),
        np.array([-3.0, 1.0, 4.0]),
    ]
    for x in cases:
        label = f"for x = {describe(x)}"
        result, _ = _call(silu_derivative, (x,), "silu_derivative", label)
        s = activations.sigmoid(x)
        mistakes = [
            (
                s,
                "that is sigmoid(x), the derivative of x times a *constant* sigmoid: the "
                "product rule also differentiates sigmoid(x), adding x * sigmoid'(x).",
            ),
            (
                s * (1 - s),
                "that is sigmoid's own derivative; silu(x) = x * sigmoid(x) needs the "
                "product rule: (x)' * sigmoid(x) + x * sigmoid'(x).",
            ),
            (
                x * s * (1 - s),
                "only the second term of the product rule is there: add "
                "sigmoid(x) (the derivative of x, which is 1, times sigmoid(x)).",
            ),
            (s + x * s, "sigmoid'(x) is sigmoid(x) * (1 - sigmoid(x)), not sigmoid(x)."),
            (x * s, "that is silu itself, not its derivative."),
        ]
        with for_case(label):
            expect_array(
                result,
                _silu_derivative_reference(x),
                _RTOL,
                _ATOL,
                name="silu_derivative(x)",
                mistakes=mistakes,
            )


q1 = Question(
    "q1",
    prompt="Write silu_derivative(x), the derivative of silu(x) = x * sigmoid(x), elementwise.",
    check_fn=_check_silu_derivative,
    hint=[
        "Product rule: (u * v)' = u' * v + u * v', with u = x and v = sigmoid(x).",
        "sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x)).",
        "With s = 1 / (1 + np.exp(-x)): return s + x * s * (1 - s).",
    ],
    solution_source="""
def silu_derivative(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return s + x * s * (1.0 - s)
""",
    correct="silu'(x) = s + x s (1 - s) with s = sigmoid(x); it exceeds 1 near x = 2.4 and is "
    "slightly negative for x < -1.28, unlike relu's 0/1.",
)


# ---------------------------------------------------------------------------------------------
# q2: a numerically stable softmax


def _check_stable_softmax(stable_softmax):
    expect_callable(stable_softmax, n_args=1, name="stable_softmax", arg_names=("z",))
    cases = [
        np.array([1.0, 2.0, 3.0]),
        np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]]),
        np.array([1000.0, 1001.0, 1002.0]),
        np.array([[-1000.0, 0.0, 1000.0], [3.0, -2.0, 1.0], [-800.0, -801.0, -799.0]]),
    ]
    for z in cases:
        label = f"for z = {describe(z)}"
        result, overflow = _call(stable_softmax, (z,), "stable_softmax", label)
        fix = (
            "Subtract each row's largest logit, z.max(axis=-1, keepdims=True), before np.exp: "
            "then every exponent is <= 0."
        )
        want = activations.softmax(z)
        mistakes = []
        if z.ndim == 2:
            e = np.exp(z - z.max())
            mistakes.append(
                (
                    e / e.sum(axis=-1, keepdims=True),
                    "subtract each row's own maximum (z.max(axis=-1, keepdims=True)), not the "
                    "maximum of the whole array: a row far below it underflows to 0 / 0.",
                )
            )
            with np.errstate(all="ignore"):
                e0 = np.exp(z - z.max(axis=0, keepdims=True))
                mistakes.append(
                    (
                        e0 / e0.sum(axis=0, keepdims=True),
                        "the probabilities should sum to 1 along the last axis (each row is one "
                        "sample); use axis=-1 with keepdims=True.",
                    )
                )
        # A mistake that happens to give the right numbers on this case is not a mistake here.
        mistakes = [
            (m, hint)
            for m, hint in mistakes
            if not (np.all(np.isfinite(m)) and np.allclose(m, want, rtol=_RTOL, atol=_ATOL))
        ]
        got = np.asarray(result) if isinstance(result, (np.ndarray, list, tuple)) else None
        if (
            z.ndim == 2
            and got is not None
            and got.shape == z.shape
            and np.issubdtype(got.dtype, np.number)
            and np.isclose(np.sum(got), 1.0)
        ):
            raise NotYet(
                f"{label}: all the values together sum to 1, but each row is one sample and "
                "should sum to 1 on its own: e.sum(axis=-1, keepdims=True)."
            )
        _expect_stable_values(result, want, label, "stable_softmax(z)", fix, mistakes)
        _finite_without_warnings(overflow, label, "stable_softmax", fix)


q2 = Question(
    "q2",
    prompt="Write stable_softmax(z): softmax over the last axis that works for logits like 1000.",
    check_fn=_check_stable_softmax,
    hint=[
        "softmax(z) = softmax(z - c) for any constant c; pick c so that exp never overflows.",
        "c = z.max(axis=-1, keepdims=True): then every exponent is <= 0 and the largest is 0.",
        "e = np.exp(z - z.max(axis=-1, keepdims=True)); return e / e.sum(axis=-1, keepdims=True)",
    ],
    solution_source="""
def stable_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""",
    correct="Shifting by the row maximum changes nothing mathematically and keeps every exp "
    "in (0, 1]: Keras's softmax does the same.",
)


# ---------------------------------------------------------------------------------------------
# q3: a numerically stable sigmoid


def _check_stable_sigmoid(stable_sigmoid):
    expect_callable(stable_sigmoid, n_args=1, name="stable_sigmoid", arg_names=("x",))
    cases = [
        np.array([-2.0, 0.0, 2.0]),
        np.array([-1000.0, -30.0, 30.0, 1000.0]),
        np.linspace(-800.0, 800.0, 17).reshape(-1, 1),
    ]
    fix = (
        "Use exp(-|x|), which is at most 1: 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0 "
        "(np.where picks per element)."
    )
    for x in cases:
        label = f"for x = {describe(x)}"
        result, overflow = _call(stable_sigmoid, (x,), "stable_sigmoid", label)
        _expect_stable_values(result, activations.sigmoid(x), label, "stable_sigmoid(x)", fix)
        _finite_without_warnings(overflow, label, "stable_sigmoid", fix)


q3 = Question(
    "q3",
    prompt="Write stable_sigmoid(x): 1 / (1 + exp(-x)) without overflow, even for x = -1000.",
    check_fn=_check_stable_sigmoid,
    hint=[
        "For x >= 0, exp(-x) <= 1 is safe. For x < 0, rewrite 1 / (1 + exp(-x)) by multiplying "
        "top and bottom by exp(x).",
        "With e = np.exp(-np.abs(x)): sigmoid is 1 / (1 + e) where x >= 0 and e / (1 + e) "
        "where x < 0.",
        "return np.where(x >= 0, 1 / (1 + e), e / (1 + e))",
    ],
    solution_source="""
def stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
""",
    correct="exp(-|x|) never overflows, and both branches are the same function: the "
    "companion's sigmoid is written this way.",
)


# ---------------------------------------------------------------------------------------------
# q4: output activation and loss for four tasks

TASKS = {
    "temperature": "tomorrow's temperature in degrees Celsius (one number, may be negative)",
    "spam": "is this e-mail spam? (labels 0 or 1)",
    "garment": "which of the 10 Fashion-MNIST classes is this image? (integer labels 0-9)",
    "tags": "which of 5 tags (sleeveless, striped, ...) apply to this image? (any number "
    "of them; labels are 5 zeros/ones)",
}

_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")
_LOSSES = (
    "mean_squared_error",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
)
_LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
_ANSWERS = {
    "temperature": ("linear", {"mean_squared_error", "mean_absolute_error"}),
    "spam": ("sigmoid", {"binary_crossentropy"}),
    "garment": ("softmax", {"sparse_categorical_crossentropy"}),
    "tags": ("sigmoid", {"binary_crossentropy"}),
}
_EXPLAIN = {
    ("temperature", "relu"): "relu cannot output a negative temperature.",
    ("temperature", "sigmoid"): "sigmoid squeezes the output into (0, 1); a temperature is not.",
    ("temperature", "tanh"): "tanh squeezes the output into (-1, 1); a temperature is not.",
    ("temperature", "softmax"): "softmax of a single output is always 1.",
    ("spam", "softmax"): "softmax of a single output is always 1; for one yes/no output use "
    "sigmoid (softmax needs two outputs, one per class).",
    ("spam", "linear"): "a linear output is a logit, not a probability; with a linear output "
    "you would need binary_crossentropy(from_logits=True). Here pick the activation that gives "
    "a probability.",
    ("garment", "sigmoid"): "ten independent sigmoids do not sum to 1; exactly one class is "
    "right, so the ten probabilities should compete: softmax.",
    ("tags", "softmax"): "softmax makes the tags compete (the probabilities sum to 1), but "
    "several tags can apply at once: each needs its own independent sigmoid.",
}


def _norm(value):
    if value is None:
        return "linear"
    if isinstance(value, str):
        key = value.strip().lower().replace(" ", "_").replace("-", "_")
        return _LOSS_ALIASES.get(key, key)
    return value


def _check_choices(choices):
    if not isinstance(choices, dict):
        raise NotYet(
            f"choices should be a dict task -> (activation, loss), but it is {describe(choices)}."
        )
    missing = [t for t in TASKS if t not in choices]
    if missing:
        raise NotYet(f"choices has no entry for {missing}; its keys should be {list(TASKS)}.")
    for task, (want_act, want_losses) in _ANSWERS.items():
        pair = choices[task]
        if pair is Ellipsis or (isinstance(pair, (tuple, list)) and Ellipsis in pair):
            raise NotAttempted(f"choices[{task!r}] still contains `...`: fill in both names.")
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise NotYet(
                f"choices[{task!r}] should be a pair (activation, loss), such as "
                f"('relu', 'mean_squared_error'), but it is {describe(pair)}."
            )
        act, loss = (_norm(v) for v in pair)
        if act not in _ACTIVATIONS:
            raise NotYet(f"choices[{task!r}]: activation {pair[0]!r} is not one of {_ACTIVATIONS}.")
        if loss not in (*_LOSSES, "mean_absolute_error"):
            raise NotYet(f"choices[{task!r}]: loss {pair[1]!r} is not one of {_LOSSES}.")
        if act != want_act:
            reason = _EXPLAIN.get((task, act), f"{act!r} is not the best output activation here.")
            raise NotYet(f"{task!r}: {reason}")
        if loss not in want_losses:
            if task == "garment" and loss == "categorical_crossentropy":
                reason = (
                    "categorical_crossentropy expects one-hot labels; these labels are integers "
                    "0-9, which is what sparse_categorical_crossentropy takes."
                )
            elif task == "tags" and loss == "categorical_crossentropy":
                reason = (
                    "categorical cross-entropy assumes exactly one true class; with independent "
                    "yes/no tags each output is its own binary problem."
                )
            elif want_act == "linear":
                reason = (
                    "a real-valued target calls for a regression loss such as mean squared error."
                )
            else:
                reason = f"{loss!r} does not match a {want_act} output with these labels."
            raise NotYet(f"{task!r}: {reason}")


q4 = Question(
    "q4",
    prompt="Fill choices[task] = (output activation, loss) for the four tasks in TASKS.",
    check_fn=_check_choices,
    hint=[
        "Ask two questions: what values can the target take, and can several classes be true?",
        "Real numbers: linear + MSE. One yes/no: sigmoid + binary cross-entropy. Exactly one of "
        "k classes: softmax + (sparse) categorical cross-entropy. Several of k: k sigmoids + "
        "binary cross-entropy.",
    ],
    solution_source="""
choices = {
    "temperature": ("linear", "mean_squared_error"),
    "spam": ("sigmoid", "binary_crossentropy"),
    "garment": ("softmax", "sparse_categorical_crossentropy"),
    "tags": ("sigmoid", "binary_crossentropy"),
}
""",
    correct="The output activation decides what the network can output; the loss must read "
    "that output and the labels in the same form. (With from_logits=True you would drop the "
    "sigmoid/softmax and let the loss apply it.)",
)

QUESTIONS = [q1, q2, q3, q4]
