"""Exercises of notebook 02, activation functions.

- ``q1``: ``silu_derivative(x)``, the derivative of ``silu(x) = x * sigmoid(x)`` (product rule).
- ``q2``: ``stable_softplus(x)``, ``log(1 + exp(x))`` without overflow for ``x = 1000``: the
  stability tricks of the notebook (shown for softmax and sigmoid) carried to a function whose
  stable form is not shown.
- ``q3``: ``tanh_slope_at_2``, predicted by hand before running: the factor by which a tanh
  unit at ``z = 2`` scales the gradient passing back through it (the notebook works the
  sigmoid; this is tanh).
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
    expect_number,
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
            (
                s + s * (1 - s),
                "the second term of the product rule lost its x: it is x * sigmoid'(x).",
            ),
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
# q2: a numerically stable softplus


def _check_stable_softplus(stable_softplus):
    expect_callable(stable_softplus, n_args=1, name="stable_softplus", arg_names=("x",))
    cases = [
        np.array([-2.0, 0.0, 2.0]),
        np.array([-1000.0, -30.0, 30.0, 1000.0]),
        np.linspace(-800.0, 800.0, 17).reshape(-1, 1),
    ]
    fix = (
        "For large x, log(1 + exp(x)) is x plus a small correction: pull the large part out "
        "of the exp so that what is left never overflows."
    )
    for x in cases:
        label = f"for x = {describe(x)}"
        result, overflow = _call(stable_softplus, (x,), "stable_softplus", label)
        want = activations.softplus(x)
        mistakes = [
            (
                np.maximum(x, 0.0),
                "that is relu: softplus is relu plus a smooth correction that matters near 0 "
                "(softplus(0) = log 2 = 0.693).",
            ),
            (
                np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))) - np.log(2.0),
                "softplus(0) should be log 2 = 0.693.",
            ),
        ]
        with np.errstate(all="ignore"):
            mistakes.append(
                (
                    np.abs(x) + np.log1p(np.exp(-np.abs(x))),
                    "for negative x the large part is 0, not |x|: softplus(-1000) is about 0.",
                )
            )
        mistakes = [(m, h) for m, h in mistakes if not np.allclose(m, want, rtol=_RTOL, atol=_ATOL)]
        _expect_stable_values(result, want, label, "stable_softplus(x)", fix, mistakes)
        _finite_without_warnings(overflow, label, "stable_softplus", fix)


q2 = Question(
    "q2",
    prompt="Write stable_softplus(x): log(1 + exp(x)) elementwise, finite and without NumPy "
    "warnings even for x = 1000 and x = -1000.",
    check_fn=_check_stable_softplus,
    hint=[
        "For x > 0 write 1 + exp(x) = exp(x) · (1 + exp(-x)), then take the log of the product.",
        "That gives softplus(x) = x + log(1 + exp(-x)) for x > 0, and the original formula is "
        "safe for x <= 0. Both cases are one expression in |x| and max(x, 0).",
        "return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))",
    ],
    solution_source="""
def stable_softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
""",
    correct="max(x, 0) carries the large part and exp(-|x|) is at most 1, so nothing overflows; "
    "np.log1p(e) computes log(1 + e) accurately even when e is tiny. Keras's softplus and "
    "binary cross-entropy from logits use the same identity.",
)


# ---------------------------------------------------------------------------------------------
# q3: predict, then run: how much a tanh unit at z = 2 scales the gradient

_TANH_2 = float(np.tanh(2.0))
_TANH_SLOPE_2 = 1.0 - _TANH_2**2  # 0.0707


_SLOPE_MISTAKES = [
    (
        _TANH_2,
        "0.96 is tanh(2), the unit's output. The factor that multiplies the gradient is the "
        "slope tanh'(2).",
    ),
    (
        1.0,
        "1 is tanh's slope at z = 0, its steepest point; at z = 2 the curve is already flattening.",
    ),
    (0.25, "0.25 is the sigmoid's largest slope; this question is about tanh at z = 2."),
    (1.0 - _TANH_2, "1 - tanh(2) forgets the square: tanh'(z) = 1 - tanh(z)²."),
    (_TANH_2**2, "tanh(2)² is what is subtracted from 1, not the slope itself."),
]


def _check_tanh_slope(tanh_slope_at_2):
    if isinstance(tanh_slope_at_2, (bool, np.bool_)):
        raise NotYet("tanh_slope_at_2 should be a number, your estimate of tanh'(2).")
    try:
        # A prediction by hand: within 15 % is right (1 - 0.96**2 = 0.078 counts).
        expect_number(tanh_slope_at_2, _TANH_SLOPE_2, rtol=0.15, name="tanh_slope_at_2")
    except NotYet as not_yet:
        # The typical mistakes lie close together (0.93 and 0.96): match them within 2 %.
        try:
            value = np.asarray(tanh_slope_at_2, dtype=float)
        except (TypeError, ValueError):
            value = None  # not a number: expect_number's message says so
        if value is not None and value.size == 1:
            value = float(value.reshape(-1)[0])
            for wrong, hint in _SLOPE_MISTAKES:
                if abs(value - wrong) <= 0.02 * abs(wrong):
                    raise NotYet(hint) from None
        raise not_yet from None


q3 = Question(
    "q3",
    prompt="Predict, before running anything: by what factor does a tanh unit at z = 2 scale "
    "the gradient that flows back through it? (tanh(2) = 0.964)",
    check_fn=_check_tanh_slope,
    hint=[
        "Backpropagation multiplies the incoming gradient by the activation's derivative at z "
        "(section 3 of this notebook): the factor is tanh'(2), a slope, not a value of tanh.",
        "tanh'(z) = 1 - tanh(z)²: square 0.964 first.",
        "1 - 0.964² = 1 - 0.929 = 0.071: tanh_slope_at_2 = 0.07",
    ],
    solution_source="tanh_slope_at_2 = 1 - np.tanh(2.0) ** 2  # about 0.0707",
    correct="tanh'(2) = 0.071: one tanh unit at z = 2 already passes back only 7 % of the "
    "gradient, and at z = 4 only 0.13 %. tanh saturates like the sigmoid (tanh(z) = "
    "2·sigmoid(2z) - 1, so its slope at 2 is 4 times the sigmoid's at 4).",
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
