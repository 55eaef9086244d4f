"""Exercises of notebook 01, from a neuron to a dense layer.

- ``q1``: ``dense_forward(x, kernel, bias)``, the forward pass ``x @ kernel + bias`` of a
  dense layer without activation, for inputs with any number of leading axes.
- ``q2``: ``count_params(layer_sizes)``, the number of weights and biases of an MLP of dense
  layers given its layer widths, e.g. ``[784, 256, 128, 100, 10]``.
- ``q3``: ``compose(W1, b1, W2, b2)``, the one linear layer ``(W, b)`` equal to two stacked
  linear layers.
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
# q1: the forward pass of a dense layer


def _dense_cases():
    cases = []
    # (input shape, units): a batch, a batch of one, and a 3-D input (a batch of sequences),
    # always with n_in != units so that kernel @ x or x @ kernel.T fails on the shapes.
    for seed, (x_shape, units) in enumerate([((4, 3), 2), ((1, 5), 4), ((2, 3, 4), 6)]):
        rng = np.random.default_rng(10 + seed)
        x = rng.normal(size=x_shape)
        kernel = rng.normal(size=(x_shape[-1], units))
        bias = rng.normal(size=units)
        cases.append((x, kernel, bias))
    return cases


def _check_dense_forward(dense_forward):
    expect_callable(
        dense_forward, n_args=3, name="dense_forward", arg_names=("x", "kernel", "bias")
    )
    for x, kernel, bias in _dense_cases():
        label = f"for x of shape {x.shape}, kernel {kernel.shape}, bias {bias.shape}"
        result = call_learner(
            dense_forward,
            (x, kernel, bias),
            "dense_forward",
            label,
            "The kernel has shape (n_in, units), so the input comes first: x @ kernel.",
        )
        z = x @ kernel
        mistakes = [
            (z, "the bias is missing: add it after the matrix product."),
            (z - bias, "the bias is subtracted: add it."),
            (np.maximum(z + bias, 0.0), "this layer has no activation: return x @ kernel + bias."),
            (z + bias.sum(), "every unit gets its own bias: add the bias vector, not its sum."),
        ]
        with for_case(label):
            expect_array(
                result,
                z + bias,
                _RTOL,
                _ATOL,
                name="dense_forward(x, kernel, bias)",
                mistakes=mistakes,
                shape_hint="The output should have x's leading axes and one column per unit: "
                "x @ kernel contracts x's last axis with the kernel's first.",
            )


q1 = Question(
    "q1",
    prompt="Write dense_forward(x, kernel, bias) = x @ kernel + bias (no activation).",
    check_fn=_check_dense_forward,
    hint=[
        "Keras's kernel has shape (n_in, units), so the input comes first: x @ kernel.",
        "The bias has shape (units,); NumPy broadcasting adds it to every row.",
        "The whole body is one line: return x @ kernel + bias.",
    ],
    solution_source="""
def dense_forward(x, kernel, bias):
    return x @ kernel + bias
""",
    correct="x @ kernel contracts the last axis of x, so the same line works for a single "
    "sample, a batch, or a batch of sequences.",
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
# q3: two linear layers are one


def _compose_cases():
    cases = []
    for seed, (n_in, hidden, n_out) in enumerate([(3, 5, 2), (4, 2, 3), (2, 6, 4)]):
        rng = np.random.default_rng(20 + seed)
        cases.append(
            (
                rng.normal(size=(n_in, hidden)),
                rng.normal(size=hidden),
                rng.normal(size=(hidden, n_out)),
                rng.normal(size=n_out),
            )
        )
    return cases


def _check_compose(compose):
    expect_callable(compose, n_args=4, name="compose", arg_names=("W1", "b1", "W2", "b2"))
    for W1, b1, W2, b2 in _compose_cases():
        label = f"for W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}"
        result = call_learner(
            compose,
            (W1, b1, W2, b2),
            "compose",
            label,
            "Follow the data: x (n_in,) meets W1 (n_in, hidden) first, then W2 (hidden, n_out);"
            " b1 (hidden,) goes through W2 as well.",
        )
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise NotYet(
                f"{label}: compose should return two arrays, `return W, b`, but it returned "
                f"{describe(result)}."
            )
        W, b = result
        with for_case(label):
            expect_array(
                W,
                W1 @ W2,
                _RTOL,
                _ATOL,
                name="W",
                shape_hint="W maps the inputs of "
                "the first layer to the outputs of the second: (n_in, n_out).",
            )
            expect_array(
                b,
                b1 @ W2 + b2,
                _RTOL,
                _ATOL,
                name="b",
                mistakes=[
                    (b2, "b is missing b1's contribution: the first bias also passes through W2."),
                    (b1 @ W2, "b is missing b2, the second layer's own bias."),
                ],
                shape_hint="b has one entry per output of the second layer.",
            )


q3 = Question(
    "q3",
    prompt="Write compose(W1, b1, W2, b2) -> (W, b) with (x @ W1 + b1) @ W2 + b2 == x @ W + b.",
    check_fn=_check_compose,
    hint=[
        "Expand (x @ W1 + b1) @ W2 + b2 = x @ (W1 @ W2) + (b1 @ W2 + b2).",
        "So W = W1 @ W2 and b = b1 @ W2 + b2.",
    ],
    solution_source="""
def compose(W1, b1, W2, b2):
    W = W1 @ W2
    b = b1 @ W2 + b2
    return W, b
""",
    correct="Two linear layers are one linear layer: depth without an activation adds "
    "parameters, not expressive power.",
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
