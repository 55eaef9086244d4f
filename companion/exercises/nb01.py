"""Exercises of notebook 01, from a neuron to a dense layer.

- ``q1``: ``dense_forward_rows(x, weight, bias)``, a dense layer whose weights come in the
  textbook (and PyTorch) layout ``(units, n_in)``, one row per unit: ``x @ weight.T + bias``,
  for inputs with any number of leading axes.
- ``q2``: ``count_params(layer_sizes)``, the number of weights and biases of an MLP of dense
  layers given its layer widths, e.g. ``[784, 256, 128, 100, 10]``.
- ``q3``: ``local_linear_map(W1, b1, W2, b2, x)``, the one linear layer ``(W, b)`` that equals
  ``relu(x @ W1 + b1) @ W2 + b2`` around the point ``x``: a ReLU network is linear wherever its
  hidden units keep their on/off pattern.
- ``q4``: the output shape of ``Dense(8)`` on an input of shape ``(32, 10, 5)``.

Checks call the learner's functions on fixed random cases with non-square matrices (so a
missing or extra transpose fails on a shape) and name the typical mistake when they see one.
"""

import numpy as np

from companion.exercises.core import (
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

# The references are float64 matrix products of O(1) numbers with at most 6 terms per sum:
# they agree with any correct float64 computation to ~1e-15 and with a float32 one to ~1e-6
# relative; every mistake the hints name (no bias, a transpose, b1 + b2) is off by O(0.1).
_RTOL = 1e-5
_ATOL = 1e-6


# ---------------------------------------------------------------------------------------------
# q1: the forward pass of a dense layer, with the weights stored one row per unit


def _dense_cases():
    cases = []
    # (input shape, units): a batch, a batch of one, a 3-D input (a batch of sequences), and a
    # square weight (units == n_in), where x @ weight runs without an error but is wrong.
    for seed, (x_shape, units) in enumerate(
        [((4, 3), 2), ((1, 5), 4), ((2, 3, 4), 6), ((3, 3), 3)]
    ):
        rng = np.random.default_rng(10 + seed)
        x = rng.normal(size=x_shape)
        weight = rng.normal(size=(units, x_shape[-1]))
        bias = rng.normal(size=units)
        cases.append((x, weight, bias))
    return cases


def _check_dense_forward_rows(dense_forward_rows):
    expect_callable(
        dense_forward_rows, n_args=3, name="dense_forward_rows", arg_names=("x", "weight", "bias")
    )
    for x, weight, bias in _dense_cases():
        label = f"for x of shape {x.shape}, weight {weight.shape}, bias {bias.shape}"
        result = call_learner(
            dense_forward_rows,
            (x, weight, bias),
            "dense_forward_rows",
            label,
            "Here the weight has shape (units, n_in): one row per unit. Which axis of the "
            "weight matches x's last axis?",
        )
        z = x @ weight.T
        mistakes = [
            (z, "the bias is missing: add it after the matrix product."),
            (z - bias, "the bias is subtracted: add it."),
            (z + bias.sum(), "every unit gets its own bias: add the bias vector, not its sum."),
        ]
        if weight.shape[0] == weight.shape[1]:  # only then does x @ weight run at all
            mistakes.append(
                (
                    x @ weight + bias,
                    "x @ weight pairs x with the weight's columns, but in this layout unit j's "
                    "weights are row j of the weight.",
                )
            )
        with for_case(label):
            expect_array(
                result,
                z + bias,
                _RTOL,
                _ATOL,
                name="dense_forward_rows(x, weight, bias)",
                mistakes=mistakes,
                shape_hint="The output should have x's leading axes and one column per unit "
                "(units is weight.shape[0] here).",
            )


q1 = Question(
    "q1",
    prompt="Write dense_forward_rows(x, weight, bias) for a weight stored as (units, n_in).",
    check_fn=_check_dense_forward_rows,
    hint=[
        "In this layout row j of the weight holds unit j's weights: unit j computes "
        "x · weight[j] + bias[j].",
        "Keras's kernel holds unit j's weights in column j instead. Which NumPy operation turns "
        "rows into columns?",
        "return x @ weight.T + bias: the transposed weight is Keras's kernel.",
    ],
    solution_source="""
def dense_forward_rows(x, weight, bias):
    return x @ weight.T + bias
""",
    correct="weight.T is Keras's kernel: the two layouts are the same layer, and copying "
    "weights between libraries (PyTorch's nn.Linear stores (units, n_in)) needs exactly this "
    "transpose.",
)


# ---------------------------------------------------------------------------------------------
# q2: parameter count of an MLP


def _mlp_params(sizes):
    return int(sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))


_MLPS = ([784, 256, 128, 100, 10], [3, 4, 2], [10, 1], [2, 16, 16, 16, 1])


def _check_count_params(count_params):
    expect_callable(count_params, n_args=1, name="count_params", arg_names=("layer_sizes",))
    for sizes in _MLPS:
        label = f"for layer_sizes = {sizes}"
        result = call_learner(count_params, (list(sizes),), "count_params", label)
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        mistakes = {
            weights: "that counts the kernels only: each dense layer also has one bias per unit.",
            weights + sum(sizes): "the input is not a layer and has no biases: count one bias "
            "per unit of each dense layer, i.e. of every size after the first.",
            weights + sum(sizes[:-1]): "the biases belong to each layer's units (its output "
            "size), not to its inputs.",
        }
        with for_case(label):
            expect_number(
                result, _mlp_params(sizes), name="count_params(layer_sizes)", mistakes=mistakes
            )


q2 = Question(
    "q2",
    prompt="Write count_params(layer_sizes): the parameters of dense layers "
    "layer_sizes[0] -> layer_sizes[1] -> ... (input size first).",
    check_fn=_check_count_params,
    hint=[
        "A dense layer from n_in to n_out has an (n_in, n_out) kernel and n_out biases.",
        "zip(layer_sizes[:-1], layer_sizes[1:]) gives the (n_in, n_out) pairs, one per layer.",
    ],
    solution_source="""
def count_params(layer_sizes):
    total = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        total += n_in * n_out + n_out
    return total
""",
    correct="(n_in + 1) * n_out per layer; the 784-256-128-100-10 network of the Fashion-MNIST "
    "benchmark has 247,766 parameters, 81 % of them in its first layer.",
)


# ---------------------------------------------------------------------------------------------
# q3: a ReLU network is linear around each point


def _local_cases():
    cases = []
    for seed, (n_in, hidden, n_out) in enumerate([(3, 5, 2), (4, 6, 3), (2, 8, 1)]):
        rng = np.random.default_rng(20 + seed)
        W1, b1 = rng.normal(size=(n_in, hidden)), rng.normal(size=hidden)
        W2, b2 = rng.normal(size=(hidden, n_out)), rng.normal(size=n_out)
        # A point where some hidden units are on and some off, none within 0.05 of its kink.
        for _ in range(1000):
            x = rng.normal(size=n_in)
            z = x @ W1 + b1
            if (z > 0).any() and (z < 0).any() and np.abs(z).min() > 0.05:
                break
        cases.append((W1, b1, W2, b2, x))
    return cases


def _reference_local(W1, b1, W2, b2, x):
    on = (x @ W1 + b1) > 0
    return (W1 * on) @ W2, (b1 * on) @ W2 + b2


def _check_local_linear_map(local_linear_map):
    expect_callable(
        local_linear_map, n_args=5, name="local_linear_map", arg_names=("W1", "b1", "W2", "b2", "x")
    )
    for W1, b1, W2, b2, x in _local_cases():
        label = f"for W1 {W1.shape}, W2 {W2.shape} at x = {np.round(x, 2).tolist()}"
        result = call_learner(
            local_linear_map,
            (W1, b1, W2, b2, x),
            "local_linear_map",
            label,
            "W maps the network's inputs to its outputs: shape (n_in, n_out); b has n_out entries.",
        )
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise NotYet(
                f"{label}: local_linear_map should return two arrays, `return W, b`, but it "
                f"returned {describe(result)}."
            )
        W, b = result
        W_ref, b_ref = _reference_local(W1, b1, W2, b2, x)
        on = (x @ W1 + b1) > 0
        with for_case(label):
            expect_array(
                W,
                W_ref,
                _RTOL,
                _ATOL,
                name="W",
                mistakes=[
                    (
                        W1 @ W2,
                        "that is the network without its ReLU: at this x, which hidden units "
                        "does the ReLU switch off?",
                    ),
                    (
                        (W1 * ~on) @ W2,
                        "the ReLU passes the units with z > 0 and zeroes those with z <= 0: "
                        "the on/off mask is the other way round.",
                    ),
                ],
                shape_hint="W maps the inputs of the first layer to the outputs of the second: "
                "(n_in, n_out).",
            )
            expect_array(
                b,
                b_ref,
                _RTOL,
                _ATOL,
                name="b",
                mistakes=[
                    (
                        b1 @ W2 + b2,
                        "W is right, but a switched-off unit outputs 0 whatever its bias: its "
                        "b1 entry does not reach the output either.",
                    ),
                    (b2, "b is missing the biases of the hidden units that are on."),
                    ((b1 * on) @ W2, "b is missing b2, the second layer's own bias."),
                ],
                shape_hint="b has one entry per output of the network.",
            )


q3 = Question(
    "q3",
    prompt="Write local_linear_map(W1, b1, W2, b2, x) -> (W, b) with "
    "relu(x' @ W1 + b1) @ W2 + b2 == x' @ W + b for every x' near x.",
    check_fn=_check_local_linear_map,
    hint=[
        "Compute the hidden pre-activations at x. Near x each hidden unit stays on (z > 0: "
        "the ReLU passes z unchanged) or off (the ReLU outputs 0).",
        "A unit that is off behaves as if its column of W1 and its entry of b1 were zero; the "
        "units that are on form a plain linear stack, which section 7 collapsed into one layer.",
        "on = (x @ W1 + b1) > 0, then W = (W1 * on) @ W2 and b = (b1 * on) @ W2 + b2.",
    ],
    solution_source="""
def local_linear_map(W1, b1, W2, b2, x):
    on = (x @ W1 + b1) > 0  # which hidden units the ReLU lets through at x
    W = (W1 * on) @ W2
    b = (b1 * on) @ W2 + b2
    return W, b
""",
    correct="A ReLU network is linear piece by piece: each on/off pattern of its hidden units "
    "is one linear map, and the boundaries between the pieces are where a unit's z crosses 0. "
    "More units, more pieces: that is how ReLU networks bend a decision boundary.",
)


# ---------------------------------------------------------------------------------------------
# q4: output shape on an N-D input


def _check_output_shape(output_shape):
    if not isinstance(output_shape, (tuple, list)) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in output_shape
    ):
        raise NotYet(
            "write the shape as a tuple of integers such as (2, 3), but got "
            f"{describe(output_shape)}."
        )
    shape = tuple(int(d) for d in output_shape)
    if shape == (32, 8):
        raise NotYet(
            "Dense does not flatten its input: it works on the last axis only and keeps all the "
            "others."
        )
    if shape in ((32, 10, 5, 8), (32, 50, 8)):
        raise NotYet("the last axis (5 features) is replaced by the 8 units, not kept.")
    if shape == (32, 8, 5) or shape == (8, 10, 5):
        raise NotYet("the units replace the *last* axis; the other axes stay where they are.")
    if shape != (32, 10, 8):
        raise NotYet(f"{shape} is not it: which axis does x @ kernel contract?")


q4 = Question(
    "q4",
    prompt="What is the output shape of keras.layers.Dense(8) on an input of shape (32, 10, 5)?",
    check_fn=_check_output_shape,
    hint="The kernel has shape (5, 8). x @ kernel contracts x's last axis with the kernel's first.",
    solution_source="output_shape = (32, 10, 8)",
    correct="The same (5, 8) kernel is applied at each of the 32 x 10 positions; the kernel "
    "has 40 weights whatever the leading axes are.",
)

QUESTIONS = [q1, q2, q3, q4]
