"""Exercises of notebook 03, backpropagation through a dense layer.

- ``q1``: ``dense_backward(x, kernel, bias, grad_output)`` for a **sigmoid** layer (the
  notebook works the tanh layer: the learner carries the derivation to another activation).
- ``q2``: ``numerical_gradient(f, x, h=1e-5)`` by centred differences.
- ``q3``: find and fix the bug in a two-layer network's backward pass.
- ``q4``: ``sigmoid_crossentropy_grad(logits, y_true)``, the gradient of the mean binary
  cross-entropy of ``sigmoid(logits)`` with respect to the logits, ``(p - y) / N``: derived
  by the learner (the notebook derives the softmax case only).

Every check compares the learner's arrays with a float64 reference on several fixed random
cases (different shapes, so that a transposed matrix or a missing sum shows up) and names the
typical mistake when it recognises one.
"""

import numpy as np

from companion import activations, gradcheck
from companion.exercises.core import (
    NotAttempted,
    NotYet,
    Question,
    call_learner,
    describe_exception,
    expect_array,
    expect_callable,
    for_case,
)

__all__ = ["q1", "q2", "q3", "q4", "QUESTIONS"]

# Analytic gradients in float64 agree with a float64 reference to ~1e-15 relative; a learner
# who computes in float32 still lands within 1e-5. Every mistake the hints name (a missing
# derivative, a missing transpose, a factor of N) is off by far more than that.
_RTOL = 1e-5
_ATOL = 1e-8


def _rng(seed):
    return np.random.default_rng(seed)


def _unpack(result, n, names, fn_name):
    if not isinstance(result, (tuple, list)) or len(result) != n:
        got = (
            f"a {type(result).__name__} of length {len(result)}"
            if isinstance(result, (tuple, list))
            else f"a {type(result).__name__}"
        )
        raise NotYet(
            f"{fn_name} should return {n} arrays, `return {', '.join(names)}`, but it "
            f"returned {got}."
        )
    return result


# ---------------------------------------------------------------------------------------------
# q1: backward of a sigmoid dense layer


def _sigmoid(z):
    return activations.sigmoid(z)


def _sigmoid_layer_reference(x, kernel, bias, grad_output):
    y = _sigmoid(x @ kernel + bias)
    delta = grad_output * y * (1.0 - y)
    return x.T @ delta, delta.sum(axis=0), delta @ kernel.T


def _layer_cases():
    cases = []
    # Non-square kernels first: a missing transpose then fails loudly on a shape.
    for seed, (n, d_in, units) in enumerate([(5, 3, 2), (1, 4, 3), (6, 2, 5), (4, 3, 3)]):
        rng = _rng(100 + seed)
        cases.append(
            (
                rng.normal(size=(n, d_in)),
                rng.normal(scale=0.7, size=(d_in, units)),
                rng.normal(scale=0.3, size=units),
                rng.normal(size=(n, units)),
            )
        )
    return cases


_SHAPES_HELP = (
    " Shapes: x (N, in), kernel (in, units), grad_output (N, units); each gradient has the "
    "shape of what it differentiates, and the shapes tell you where a transpose goes."
)


def _check_dense_backward(dense_backward):
    expect_callable(dense_backward, n_args=4, name="dense_backward")
    for x, kernel, bias, grad_output in _layer_cases():
        label = f"for x of shape {x.shape} and kernel of shape {kernel.shape}"
        result = call_learner(
            dense_backward,
            (x, kernel, bias, grad_output),
            "dense_backward",
            label,
            _SHAPES_HELP,
        )
        d_kernel, d_bias, d_x = _unpack(result, 3, ("d_kernel", "d_bias", "d_x"), "dense_backward")
        want_k, want_b, want_x = _sigmoid_layer_reference(x, kernel, bias, grad_output)
        z = x @ kernel + bias
        y = _sigmoid(z)
        n = x.shape[0]
        no_derivative = "f'(z) is missing: delta = grad_output * f'(z) comes first."
        slope = (
            "each delta should be multiplied by the sigmoid's slope at z; what you used is "
            "{what}. The slope is a derivative: work it out from sigmoid(z) = 1 / (1 + e^-z)."
        )
        mean = (
            "you divided by the batch size: grad_output already carries any 1/N of the loss, "
            "so the layer only sums over the batch."
        )
        wrong_factors = [
            (1 - np.tanh(z) ** 2, slope.format(what="tanh's derivative, 1 - tanh(z)²")),
            (1 - y**2, slope.format(what="1 - y², tanh's slope written in its output")),
            (y, slope.format(what="the output sigmoid(z) itself")),
            (1 - y, slope.format(what="1 - sigmoid(z), one of its two factors")),
        ]
        with for_case(label):
            expect_array(
                d_kernel,
                want_k,
                _RTOL,
                _ATOL,
                name="d_kernel",
                mistakes=[
                    (x.T @ grad_output, no_derivative),
                    *[(x.T @ (grad_output * f), hint) for f, hint in wrong_factors],
                    *([(want_k / n, mean)] if n > 1 else []),
                ],
            )
            expect_array(
                d_bias,
                want_b,
                _RTOL,
                _ATOL,
                name="d_bias",
                mistakes=[(grad_output.sum(axis=0), no_derivative)],
                shape_hint="d_bias has one value per unit: sum delta over the batch axis.",
            )
            square_bug = (
                [
                    (
                        (grad_output * y * (1 - y)) @ kernel,
                        "d_x uses kernel where it needs its transpose: check which axis of the "
                        "kernel belongs to the inputs.",
                    )
                ]
                if kernel.shape[0] == kernel.shape[1]
                else []
            )
            expect_array(
                d_x,
                want_x,
                _RTOL,
                _ATOL,
                name="d_x",
                mistakes=[(grad_output @ kernel.T, no_derivative), *square_bug],
            )


q1 = Question(
    "q1",
    prompt=(
        "Write dense_backward(x, kernel, bias, grad_output) for the layer y = sigmoid(x @ kernel "
        "+ bias): return (d_kernel, d_bias, d_x)."
    ),
    check_fn=_check_dense_backward,
    hint=[
        "Section 2's four lines hold for any activation; only f'(z) in the first one changes.",
        "Differentiate sigmoid(z) = 1 / (1 + e^-z) and write the result in terms of "
        "sigmoid(z) itself: it is the output y of the layer, so you can reuse it.",
        "y = 1 / (1 + np.exp(-(x @ kernel + bias))); delta = grad_output * y * (1 - y); then "
        "x.T @ delta, delta.sum(axis=0) and delta @ kernel.T.",
    ],
    solution_source="""
def dense_backward(x, kernel, bias, grad_output):
    y = 1.0 / (1.0 + np.exp(-(x @ kernel + bias)))
    delta = grad_output * y * (1.0 - y)  # dL/dz = dL/dy * sigmoid'(z), sigmoid' = y (1 - y)
    d_kernel = x.T @ delta
    d_bias = delta.sum(axis=0)
    d_x = delta @ kernel.T
    return d_kernel, d_bias, d_x
""",
    correct=(
        "sigmoid'(z) = y (1 - y), at most 0.25; the rest is the tanh layer's three lines. "
        "Only delta knows which activation the layer has."
    ),
)


# ---------------------------------------------------------------------------------------------
# q2: numerical gradient by centred differences


def _forward_difference(f, x, h):
    x = np.array(x, dtype=np.float64)
    f0 = f(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - f0) / h
        x[i] = old
    return grad


def _cube_sum(x):
    return float(np.sum(x**3))


_V = np.array([0.5, -1.0, 2.0])


def _tanh_of_product(w):
    return float(np.sum(np.tanh(w @ _V)))


def _check_numerical_gradient(numerical_gradient):
    expect_callable(numerical_gradient, n_args=2, name="numerical_gradient")
    cases = [
        ("f(x) = sum(x**3)", _cube_sum, np.array([1.0, -2.0, 0.5]), {}),
        (
            "f(W) = sum(tanh(W @ v)) with W of shape (2, 3)",
            _tanh_of_product,
            np.array([[0.3, -0.2, 0.1], [-0.5, 0.4, 0.25]]),
            {},
        ),
        ("f(x) = sum(x**3) with h=0.1", _cube_sum, np.array([1.0, -2.0, 0.5]), {"h": 0.1}),
    ]
    for label, f, x, kwargs in cases:
        x_given = x.copy()
        try:
            result = numerical_gradient(f, x_given, **kwargs)
        except (NotYet, NotAttempted):
            raise
        except NotImplementedError:
            raise NotAttempted(
                "numerical_gradient still raises NotImplementedError: replace that line with "
                "your code."
            ) from None
        except Exception as exc:
            raise NotYet(f"for {label}, {describe_exception(exc)}.") from None
        # Restoring a nudged entry by adding and subtracting h can leave a last-bit change;
        # forgetting to restore it leaves a change of size h (>= 1e-5), far above 1e-12.
        if x_given.shape != x.shape or not np.allclose(x_given, x, rtol=0, atol=1e-12):
            raise NotYet(
                f"for {label}, x was changed after your function ran: put each nudged entry "
                "back (old = x[i] ... x[i] = old), or the next entries are measured at the "
                "wrong point."
            )
        h = kwargs.get("h", 1e-5)
        want = gradcheck.numerical_gradient(f, x, h)
        mistakes = [
            (
                2 * want,
                "every value is twice too large: the two points x + h and x - h are 2h "
                "apart, so divide by 2 * h.",
            ),
            (
                _forward_difference(f, x, h),
                "that is the forward difference (f(x + h) - f(x)) "
                "/ h, whose error shrinks only like h: use the centred (f(x + h) - f(x - h)) / "
                "(2 * h), whose error shrinks like h**2.",
            ),
        ]
        if "h" in kwargs:
            mistakes.append(
                (
                    gradcheck.numerical_gradient(f, x, 1e-5),
                    "your function ignores its h argument: use h, not a fixed step.",
                )
            )
        with for_case(f"for {label}"):
            # A correct centred difference reproduces the reference to rounding (~1e-10
            # relative for these functions and steps); the forward difference is ~1e-5 off.
            expect_array(
                result,
                want,
                1e-7,
                1e-9,
                name="numerical_gradient(f, x)",
                mistakes=mistakes,
                shape_hint="The gradient has one entry per entry of x: np.zeros_like(x), and "
                "loop with np.ndindex(x.shape) so that 2-D x works too.",
            )


q2 = Question(
    "q2",
    prompt=(
        "Write numerical_gradient(f, x, h=1e-5): for every entry x[i], "
        "(f(x + h e_i) - f(x - h e_i)) / (2h)."
    ),
    check_fn=_check_numerical_gradient,
    hint=[
        "Make grad = np.zeros_like(x) and loop `for i in np.ndindex(x.shape):`.",
        "Inside the loop: old = x[i]; x[i] = old + h; f_plus = f(x); x[i] = old - h; "
        "f_minus = f(x); x[i] = old; grad[i] = (f_plus - f_minus) / (2 * h).",
    ],
    solution_source="""
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old  # put it back, or the next entries are measured at the wrong point
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
""",
    correct=(
        "centred differences: error ~ h**2 from the Taylor series plus ~ eps * |f| / h from "
        "rounding, which is why h = 1e-5 suits float64."
    ),
)


# ---------------------------------------------------------------------------------------------
# q3: find the bug in a two-layer backward pass


def _mlp_reference(x, w1, b1, w2, b2, grad_output):
    z1 = x @ w1 + b1
    h = np.maximum(z1, 0.0)
    d_w2 = h.T @ grad_output
    d_b2 = grad_output.sum(axis=0)
    d_h = grad_output @ w2.T
    d_z1 = d_h * (z1 > 0)
    return x.T @ d_z1, d_z1.sum(axis=0), d_w2, d_b2


def _mlp_with(x, w1, b1, grad_output, d_h, relu_mask=True):
    z1 = x @ w1 + b1
    d_z1 = d_h * (z1 > 0) if relu_mask else d_h
    return x.T @ d_z1, d_z1.sum(axis=0)


def _mlp_cases():
    cases = []
    # The notebook's buggy version runs only when W2 is square; the 3 -> 3 case reproduces
    # it, the others make a wrong transpose fail on a shape.
    for seed, (n, d_in, hidden, out) in enumerate([(5, 4, 3, 3), (6, 3, 5, 2), (2, 2, 4, 3)]):
        rng = _rng(300 + seed)
        cases.append(
            (
                rng.normal(size=(n, d_in)),
                rng.normal(scale=0.8, size=(d_in, hidden)),
                rng.normal(scale=0.2, size=hidden),
                rng.normal(scale=0.8, size=(hidden, out)),
                rng.normal(scale=0.2, size=out),
                rng.normal(size=(n, out)),
            )
        )
    return cases


def _rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))


def _check_mlp_backward(mlp_backward):
    expect_callable(mlp_backward, n_args=6, name="mlp_backward")
    names = ("d_W1", "d_b1", "d_W2", "d_b2")
    for x, w1, b1, w2, b2, g in _mlp_cases():
        label = f"for W1 of shape {w1.shape} and W2 of shape {w2.shape}"
        result = call_learner(mlp_backward, (x, w1, b1, w2, b2, g), "mlp_backward", label)
        got = _unpack(result, 4, names, "mlp_backward")
        want = _mlp_reference(x, w1, b1, w2, b2, g)
        shapes_ok = all(np.shape(a) == w.shape for a, w in zip(got, want))
        if not shapes_ok:
            detail = ", ".join(
                f"{n} {np.shape(a)} (expected {w.shape})" for n, a, w in zip(names, got, want)
            )
            raise NotYet(f"{label}, the shapes are {detail}: each gradient has its weight's shape.")
        errors = {n: _rel(a, w) for n, a, w in zip(names, got, want)}
        wrong = [n for n in names if errors[n] > 1e-6]
        if not wrong:
            continue
        table = ", ".join(f"{n} {errors[n]:.1e}" for n in names)
        if {"d_W2", "d_b2"} & set(wrong):
            raise NotYet(
                f"{label}, relative errors {table}: the output layer's own gradients are off "
                "now. h.T @ grad_output and grad_output.sum(axis=0) were right in the given "
                "code; the bug was further down."
            )
        if w2.shape[0] == w2.shape[1]:
            still_buggy = _mlp_with(x, w1, b1, g, g @ w2)
            if all(_rel(a, w) < 1e-6 for a, w in zip(got[:2], still_buggy)):
                raise NotYet(
                    f"{label}, relative errors {table}: d_W2 and d_b2 are right, d_W1 and "
                    "d_b1 are not, so the bug sits between the two layers, in d_h. Which "
                    "matrix carries a gradient from the outputs (N, out) back to the hidden "
                    "units (N, hidden)?"
                )
        no_mask = _mlp_with(x, w1, b1, g, g @ w2.T, relu_mask=False)
        if all(_rel(a, w) < 1e-6 for a, w in zip(got[:2], no_mask)):
            raise NotYet(
                f"{label}, relative errors {table}: the relu derivative is missing: multiply "
                "d_h by (z1 > 0) before the first layer's gradients."
            )
        raise NotYet(
            f"{label}, relative errors {table}: d_W2 and d_b2 are right; look at d_h and "
            "d_z1, the step from layer 2 back to layer 1."
        )


q3 = Question(
    "q3",
    prompt=(
        "buggy_mlp_backward has one bug. Write mlp_backward(x, W1, b1, W2, b2, grad_output), "
        "the fixed version, returning (d_W1, d_b1, d_W2, d_b2)."
    ),
    check_fn=_check_mlp_backward,
    hint=[
        "The gradient check says d_W2 and d_b2 are right and d_W1, d_b1 wrong: the bug is in "
        "the line that carries the gradient from layer 2 back to the hidden units.",
        "d_h = grad_output @ W2.T: W2 is (hidden, out), and d_h must be (N, hidden).",
    ],
    solution_source="""
def mlp_backward(x, W1, b1, W2, b2, grad_output):
    z1 = x @ W1 + b1
    h = np.maximum(z1, 0.0)
    d_W2 = h.T @ grad_output
    d_b2 = grad_output.sum(axis=0)
    d_h = grad_output @ W2.T  # the fix: W2 is (hidden, out), d_h must be (N, hidden)
    d_z1 = d_h * (z1 > 0)
    d_W1 = x.T @ d_z1
    d_b1 = d_z1.sum(axis=0)
    return d_W1, d_b1, d_W2, d_b2
""",
    correct=(
        "d_h = grad_output @ W2.T. With a square W2 the wrong product ran without an error; "
        "only the gradient check (or a non-square shape) gave it away."
    ),
)


# ---------------------------------------------------------------------------------------------
# q4: sigmoid + binary cross-entropy gradient, derived by the learner


def _bce_cases():
    rng = _rng(400)
    logits = [
        rng.normal(size=5),
        rng.normal(scale=3.0, size=8),
        np.array([1000.0, -1000.0, 0.0, 30.0, -30.0]),
        rng.normal(size=1),
    ]
    return [(z, rng.integers(0, 2, size=z.shape).astype(float)) for z in logits]


def _check_bce(sigmoid_crossentropy_grad):
    expect_callable(sigmoid_crossentropy_grad, n_args=2, name="sigmoid_crossentropy_grad")
    for logits, y in _bce_cases():
        large = np.abs(logits).max() > 100
        label = f"for {logits.size} logits" + (" with large values (±1000)" if large else "")
        result = call_learner(
            sigmoid_crossentropy_grad, (logits, y), "sigmoid_crossentropy_grad", label
        )
        n = logits.shape[0]
        p = _sigmoid(logits)
        want = (p - y) / n
        mistakes = [
            (
                (logits - y) / n,
                "you used the logits themselves: the loss scores the probabilities "
                "p = sigmoid(logits).",
            ),
            (
                (y - p) / n,
                "the sign is flipped: for a true label 1, raising the logit lowers the loss, so "
                "that gradient entry must be negative.",
            ),
            (
                p * (1 - p) * (p - y) / n,
                "the sigmoid's slope p (1 - p) should cancel: the derivative of -log p with "
                "respect to p is -1/p, and of -log(1 - p) it is 1/(1 - p).",
            ),
            (
                (1 - y) / n,
                "softmax of a single logit is always 1: one yes/no output goes through a sigmoid.",
            ),
        ]
        if n > 1:
            mistakes.append(
                (
                    p - y,
                    "the loss is the batch mean, so each gradient entry carries a factor 1/N, "
                    "N = logits.shape[0].",
                )
            )
        with for_case(label):
            expect_array(
                result,
                want,
                _RTOL,
                _ATOL,
                name="the gradient",
                mistakes=mistakes,
                value_hint="With logits of ±1000, np.exp overflows: compute the sigmoid stably "
                "(notebook 02, section 7)."
                if large
                else None,
            )


q4 = Question(
    "q4",
    prompt=(
        "Write sigmoid_crossentropy_grad(logits, y_true): the gradient of the mean binary "
        "cross-entropy of sigmoid(logits) with respect to the logits."
    ),
    check_fn=_check_bce,
    hint=[
        "Write the loss of one sample, L = -[y log p + (1 - y) log(1 - p)] with p = sigmoid(z), "
        "and differentiate with the chain rule: dL/dz = dL/dp · dp/dz, with dp/dz = p (1 - p).",
        "Multiply out: the p (1 - p) cancels against the 1/p and 1/(1 - p) of the logs. The "
        "result has the same form as section 8's softmax case, and the batch mean adds a 1/N.",
        "e = np.exp(-np.abs(logits)); p = np.where(logits >= 0, 1, e) / (1 + e); "
        "return (p - y_true) / len(logits)",
    ],
    solution_source="""
def sigmoid_crossentropy_grad(logits, y_true):
    e = np.exp(-np.abs(logits))  # never overflows
    p = np.where(logits >= 0, 1.0, e) / (1.0 + e)  # a stable sigmoid(logits)
    return (p - y_true) / logits.shape[0]
""",
    correct=(
        "(p - y) / N again: sigmoid + binary cross-entropy and softmax + categorical "
        "cross-entropy have the same gradient, prediction minus target. Keras computes both "
        "from the logits (from_logits=True) for that reason."
    ),
)

QUESTIONS = [q1, q2, q3, q4]
