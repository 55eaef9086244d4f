# %% [markdown]
# # 01 · From a neuron to a dense layer
#
# **Questions**
#
# - What does one artificial neuron compute, and what does a dense layer of them compute?
# - How do the shapes of inputs, kernel, bias and outputs fit together for a whole batch?
# - How many parameters does a dense network have, and where are they?
# - Why does a network need activation functions at all?
#
# **Objectives** — after this notebook you will be able to:
#
# - compute a neuron's output `w · x + b` and a dense layer's output `x @ W + b` for a batch;
# - predict the output shape of a dense layer, including for inputs with more than two axes;
# - count the parameters of a multilayer perceptron by hand and check the count with Keras;
# - show, with numbers, that two stacked linear layers equal one linear layer.
#
# **Prerequisites**: notebook 00; NumPy matrix products (`@`) and broadcasting.
#
# **Time**: teaching 25 min · exercises 20 min

# %% tags=["setup"]
# Setup: on Colab, install the companion package alone (--no-deps: Colab already has
# NumPy, Matplotlib and ipywidgets, and keeps its versions, TensorFlow's too); everywhere,
# quiet and repeatable TensorFlow. Run this cell first.
import subprocess
import sys

COURSE_PACKAGE = "dl-course-companion @ git+https://github.com/dl-course/dense-activations"
if "google.colab" in sys.modules:
    pip_install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    subprocess.run([*pip_install, COURSE_PACKAGE], check=True)
from companion.utils import setup_notebook

setup_notebook()

# %%
import keras
import numpy as np

from companion import data, layers, plots, widgets
from companion.compare import best_line_accuracy, max_abs_diff, report_gap
from companion.exercises import nb01 as ex

# %% [markdown]
# ## 1. One neuron: a weighted sum plus a bias
#
# An artificial neuron receives `n` numbers `x₁ … xₙ`, multiplies each by a **weight** `wᵢ`,
# adds them up, and adds a **bias** `b`:
#
# `z = w₁x₁ + w₂x₂ + … + wₙxₙ + b = w · x + b`
#
# Then it passes `z` through an **activation function** (notebook 02); for now we look at `z`
# alone. The weights say how much each input matters and in which direction; the bias shifts the
# result, so that the neuron can output something other than 0 when all inputs are 0.
#
# Here is one neuron with three inputs, computed twice: term by term, and as a dot product.

# %%
x = np.array([0.5, -1.0, 2.0])  # three input features
w = np.array([0.2, 0.4, -0.1])  # one weight per input
b = 0.3

z_loop = sum(w_i * x_i for w_i, x_i in zip(w, x)) + b
z_dot = w @ x + b
print(f"term by term: {z_loop:.4f}")
print(f"dot product:  {z_dot:.4f}")

# %% [markdown]
# Both give `0.1 − 0.4 − 0.2 + 0.3 = −0.2`. The dot product is the same sum written as one
# operation, and it is what NumPy (and Keras) run fast.
#
# Drawn as a picture: the inputs are circles on the left, each weight is an arrow into the
# neuron (thicker for a larger `|w|`; solid blue when positive, dashed vermillion when
# negative), and the bias sits beside the neuron.

# %%
plots.network_diagram(w.reshape(3, 1), [np.array([b])])

# %% [markdown]
# *Figure:* three input circles x1, x2, x3 joined by arrows labelled +0.2, +0.4 and −0.1 to one
# neuron u0 with bias +0.3; the table beside it lists the same three weights as a column.
#
# A useful picture: in the space of inputs, the points where `w · x + b = 0` form a line (in 2-D),
# a plane (in 3-D) or a hyperplane. `z` is positive on one side, negative on the other, and grows
# as you move in the direction of `w`. The widget at the end of this notebook lets you move that
# line around.
#
# ## 2. Many neurons side by side: a dense layer
#
# A **dense** (fully connected) layer is `units` neurons that all read the same inputs. Each
# neuron has its own weight vector and bias. Put the weight vectors side by side as the
# **columns** of a matrix `W` of shape `(n_inputs, units)` — Keras calls it the **kernel** — and
# the biases in a vector `b` of shape `(units,)`. Then one matrix product computes every neuron
# at once:
#
# `z = x @ W + b`, with `x` of shape `(n_inputs,)` and `z` of shape `(units,)`.
#
# A common source of confusion: textbooks often write `z = W x + b` with `W` of shape
# `(units, n_inputs)`. That is the same layer with the matrix transposed. Keras (and this course)
# store the kernel as `(n_inputs, units)` and put the input first, `x @ W`, which is what you will
# see in `layer.get_weights()`.

# %%
W = np.array(
    [
        [0.2, -0.5, 0.1, 0.0],
        [0.4, 0.3, -0.2, 1.0],
        [-0.1, 0.2, 0.3, -0.5],
    ]
)  # (n_inputs=3, units=4): column j holds neuron j's weights
b_vec = np.array([0.3, 0.0, -0.1, 0.2])  # one bias per unit

z = x @ W + b_vec
print("W shape:", W.shape, " b shape:", b_vec.shape, " z shape:", z.shape)
print("z =", z)
print("neuron 0 alone:", round(float(W[:, 0] @ x + b_vec[0]), 4))

# %% [markdown]
# Four outputs, one per neuron, and the first is our neuron from section 1 (its weights are
# column 0 of `W`).
#
# Put a second dense layer of 2 units after this one and you have a small **multilayer
# perceptron** (MLP), the network of this course. The figure draws both layers and, beside
# them, the first layer's kernel `W`: each arrow into unit `j` is one entry of column `j`.

# %%
W_next = np.array([[0.5, -0.4], [-0.3, 0.6], [0.8, 0.1], [0.2, -0.7]])  # (4 units in, 2 out)
plots.network_diagram([W, W_next], [b_vec, np.array([0.0, 0.1])])

# %% [markdown]
# *Figure:* an MLP with 3 inputs, 4 hidden units and 2 outputs, every input joined to every
# hidden unit and every hidden unit to every output; beside it, the 3 × 4 kernel W with one
# column per hidden unit and the bias vector under it.
#
# Every input is connected to every unit: that is what *dense* (fully connected) means. The
# first layer has 12 arrows, one per entry of `W`, and 4 biases.
#
# ## 3. A whole batch at once: `y = x @ W + b`
#
# Networks process many samples at a time. Stack `batch` input vectors as the rows of `x`, of
# shape `(batch, n_inputs)`. The same line still works: `x @ W` has shape `(batch, units)`, and
# NumPy *broadcasts* the bias `(units,)` onto every row. The figure draws every array to scale,
# one square per number: the inner sizes (`n_inputs`) must match and disappear; the outer ones
# (`batch`, `units`) remain.

# %%
plots.dense_shapes(batch=5, in_features=3, units=4)

# %% [markdown]
# *Figure:* x as a grid of 5 × 3 squares, W as 3 × 4, b as one row of 4 and y as 5 × 4, with
# row 0 of x, column 0 of W, b[0] and the single entry y[0, 0] hatched.
#
# The hatched squares show where one output number comes from: `y[0, 0]` is row 0 of `x`
# times column 0 of `W`, plus `b[0]`. Every other square of `y` is made the same way from its
# own row and column.
#
# Now with numbers: five samples through our layer. Row `i` of the result is what sample `i`
# alone gives.
#
# To compare two results we use `report_gap(label, a, b, bound)`, which prints how far apart
# they are, as `max |a − b| < bound`. Why a bound and not the exact number? The last digits of
# a sum of floats depend on the order in which your CPU adds them, so the exact gap (2e-16
# here, 4e-16 there) changes from machine to machine, while "below 1e-12" holds on all of
# them. Each bound in this notebook is at least ten times the gap we measured; a real mistake
# (a missing bias) is off by 0.1 or more, and then `report_gap` prints the gap itself.

# %%
rng = np.random.default_rng(0)
x_batch = rng.normal(size=(5, 3)).round(2)
y_batch = x_batch @ W + b_vec
print("x_batch:", x_batch.shape, "-> y_batch:", y_batch.shape)
row_by_row = np.stack([sample @ W + b_vec for sample in x_batch])
report_gap("batch - one by one", y_batch, row_by_row, 1e-12)

# %% [markdown]
# The batch computation equals the sample-by-sample one to float64 rounding (the gap is of
# order 1e-16, the last of 16 digits): batching changes how fast it runs, not what it
# computes.
#
# ## 4. Counting parameters
#
# A dense layer from `n_in` inputs to `units` outputs has `n_in × units` kernel weights and
# `units` biases:
#
# `parameters = n_in × units + units = (n_in + 1) × units`.
#
# A classic Fashion-MNIST network flattens each 28 × 28 image into 784 inputs, has a hidden layer
# of 128 units and an output layer of 10 (one per class). By hand:

# %%
first = 784 * 128 + 128
second = 128 * 10 + 10
print(f"hidden layer: {first:,}  output layer: {second:,}  total: {first + second:,}")

# %% [markdown]
# Keras counts the same way. We build the model (with `keras.Input` for the input shape, the
# Keras 3 way) and ask it.

# %%
keras.utils.set_random_seed(0)
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
print("Keras count_params():", f"{model.count_params():,}")
print("per layer:", [layer.count_params() for layer in model.layers])

# %% [markdown]
# 101,770 parameters, and 99 % of them sit in the first layer: in a dense network the widest
# input dominates the count. The activation functions add no parameters at all.
#
# ## 5. The companion `Dense` equals `keras.layers.Dense`
#
# `companion.layers.Dense` is a NumPy implementation with Keras's name, arguments and weight
# layout (`get_weights()` returns `[kernel, bias]` with the kernel `(n_in, units)`). Read its
# `call` method: it is `x @ kernel + bias` followed by the activation. To compare the two fairly,
# we give them **the same weights**: we build a Keras layer, give it a non-zero bias (Keras
# initialises biases to zero, which would hide a missing bias), and copy its weights into the
# companion layer.

# %%
keras.utils.set_random_seed(1)
keras_dense = keras.layers.Dense(4, activation="relu")
keras_dense.build((None, 3))
kernel, bias = keras_dense.get_weights()
bias = np.array([0.1, -0.2, 0.3, 0.0], dtype="float32")
keras_dense.set_weights([kernel, bias])

our_dense = layers.Dense(4, activation="relu")
our_dense.build((None, 3))
our_dense.set_weights(keras_dense.get_weights())
print("kernel", our_dense.kernel.shape, our_dense.kernel.dtype, "| bias", our_dense.bias.shape)

# %% [markdown]
# Both layers now hold identical float32 weights. We feed both the same batch.

# %%
x_in = np.random.default_rng(2).normal(size=(6, 3)).astype("float32")
ours = our_dense(x_in)
theirs = keras.ops.convert_to_numpy(keras_dense(x_in))
print("companion output[0]:", ours[0])
print("keras output[0]:    ", theirs[0])
report_gap("companion - keras", ours, theirs, 1e-6)
print("parameters:", our_dense.count_params(), "vs", keras_dense.count_params())

# %% [markdown]
# The same outputs to float32 rounding, and the same parameter count. float32 keeps about 7
# significant digits and these outputs are of order 1, so two libraries that add the products
# in a different order may differ in the 7th digit, by about 1e-7: ten times below the printed
# bound. (On the machine that stored this notebook the gap was exactly 0; on yours it may be
# a few units of 1e-8, and the line above reads the same.) Whatever you learn from reading
# the companion's code is what Keras does.
#
# ## 6. Inputs with more than two axes: Dense works on the last axis
#
# A frequent misunderstanding is that `Dense` flattens its input. It does not: it applies the
# same kernel to the **last axis** and keeps every other axis. An input of shape
# `(batch, steps, features)` — say, 2 sequences of 5 time steps with 3 features each — gives an
# output of shape `(batch, steps, units)`, with the same 3 × 4 kernel used at every step.

# %%
x_seq = np.random.default_rng(3).normal(size=(2, 5, 3)).astype("float32")
ours_seq = our_dense(x_seq)
theirs_seq = keras.ops.convert_to_numpy(keras_dense(x_seq))
print("input", x_seq.shape, "-> companion", ours_seq.shape, " keras", tuple(theirs_seq.shape))
report_gap("companion - keras", ours_seq, theirs_seq, 1e-6)
step_by_step = np.stack([our_dense(x_seq[:, t]) for t in range(5)], axis=1)
report_gap("whole - step by step", ours_seq, step_by_step, 1e-6)

# %% [markdown]
# Both libraries keep the leading axes, and the result equals applying the layer at each step
# separately. The parameter count did not change: it depends only on the last axis and `units`.
# To feed a 28 × 28 image to a dense layer you must flatten it yourself (`keras.layers.Flatten`
# or `reshape`).
#
# ## 7. Stacking linear layers gives one linear layer
#
# What if we stack two dense layers **without** an activation? Write them out:
#
# `(x @ W₁ + b₁) @ W₂ + b₂ = x @ (W₁ @ W₂) + (b₁ @ W₂ + b₂) = x @ W + b`
#
# The product of two matrices is a matrix, so two linear layers are exactly one linear layer with
# `W = W₁ @ W₂` and `b = b₁ @ W₂ + b₂`. Let us check with numbers: a 2 → 8 → 3 stack against the
# single 2 → 3 layer computed from its weights.

# %%
rng = np.random.default_rng(4)
W1, b1 = rng.normal(size=(2, 8)), rng.normal(size=8)
W2, b2 = rng.normal(size=(8, 3)), rng.normal(size=3)
x_pts = rng.normal(size=(100, 2))

two_layers = (x_pts @ W1 + b1) @ W2 + b2
W_one, b_one = W1 @ W2, b1 @ W2 + b2
one_layer = x_pts @ W_one + b_one
print("two layers:", W1.size + b1.size + W2.size + b2.size, "parameters")
print("one layer: ", W_one.size + b_one.size, "parameters")
report_gap("two layers - one layer", two_layers, one_layer, 1e-12)

# %% [markdown]
# 51 parameters in two layers do nothing that 9 parameters in one layer cannot do: the outputs
# agree to float64 rounding (below 1e-12). The same holds for 100 linear layers. Depth without
# activations adds cost, not power.
#
# With a nonlinearity in between, the collapse no longer happens. Put a ReLU (`max(z, 0)`) after
# the first layer and compare again:

# %%
relu_between = np.maximum(x_pts @ W1 + b1, 0.0) @ W2 + b2
print(f"max |relu stack - one linear layer| = {max_abs_diff(relu_between, one_layer):.2f}")

# %% [markdown]
# Now the two-layer network computes something no single linear layer gives.
#
# ### Why that matters: XOR
#
# The four points of XOR — `(0,0)` and `(1,1)` in class 0, `(0,1)` and `(1,0)` in class 1 — cannot
# be separated by one line. The best any linear map can do, in the least-squares sense, is to
# answer 0.5 for every point:

# %%
X_xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_xor = np.array([0.0, 1.0, 1.0, 0.0])

X_aug = np.hstack([X_xor, np.ones((4, 1))])  # a column of ones plays the bias
coef, *_ = np.linalg.lstsq(X_aug, y_xor, rcond=None)
print("best linear fit:", np.round(X_aug @ coef, 3), " targets:", y_xor)

# %% [markdown]
# With one hidden layer of two ReLU units, hand-picked weights solve it exactly: the first unit
# counts how many inputs are on, the second fires only when both are, and the output subtracts
# twice the second from the first.

# %%
W_h, b_h = np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0])
w_out = np.array([1.0, -2.0])

hidden = np.maximum(X_xor @ W_h + b_h, 0.0)
print("hidden:", hidden.tolist())
print("output:", hidden @ w_out, " targets:", y_xor)

# %% [markdown]
# That is the whole reason activation functions exist: **without a nonlinearity between them,
# dense layers collapse into one linear map**, and linear maps cannot even compute XOR. Notebook
# 02 looks at the activation functions in detail.
#
# ## 8. Play with one neuron
#
# The widget below shows one neuron `a = activation(w₁x₁ + w₂x₂ + b)` on a small 2-D dataset:
# the colour is the neuron's output, the black line is where `w · x + b = 0`, and the printed
# accuracy is that of the rule "class 1 where `z > 0`". Move the sliders:
#
# - how does the line turn when you change `w₁` and `w₂`, and what does `b` do?
# - does changing the activation move the line? (Watch the line, not the colours.)
# - can one neuron separate the two classes of *gaussians*? Of *moons*? Of *xor*?
#
# (The sliders need a running kernel; in a static view of the notebook the widget is not shown.)

# %%
playground = widgets.neuron_playground(dataset="moons", activation="sigmoid")
playground

# %% [markdown]
# Whatever you try, the boundary stays a straight line, and the activation only changes the
# colours, not the line (it is where `z = 0`, before the activation). To see how far a single
# line can go, `best_line_accuracy` tries 180 directions and, for each, every offset between
# two neighbouring points, and keeps the best line for each dataset:

# %%
for name in ["gaussians", "moons", "circles", "xor"]:
    X2, y2 = data.make_2d(name, n=200, noise=0.1, seed=0)
    print(f"{name:10s} best single line: {best_line_accuracy(X2, y2):.2f}")

# %% [markdown]
# Two separated blobs are split perfectly and the interleaved moons mostly (90 %), but for
# circles and XOR no line gets much past 70 %: the classes are not on two sides of any line.
# To bend the boundary you need several neurons *and* an activation between layers — which is
# where notebook 02 goes next.
#
# ## Exercises
#
# ### Exercise 1 — the same layer, stored the other way round
#
# Textbooks write a layer as `W x + b` and store `W` as `(units, n_in)`, one **row** per unit;
# PyTorch's `nn.Linear` does the same. Write `dense_forward_rows(x, weight, bias)` that takes
# such a `weight` of shape `(units, n_in)` and returns what a Keras `Dense` layer without
# activation returns: an output of shape `(batch, units)` for a batch `(batch, n_in)`, and
# `(2, 3, units)` for an input `(2, 3, n_in)`. (Section 2's picture helps: where are unit
# `j`'s weights in Keras's kernel, and where are they here?)


# %% tags=["exercise", "q1"]
def dense_forward_rows(x, weight, bias):
    return ...  # your code here


# %%
ex.q1.check(dense_forward_rows)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — count the parameters of an MLP
#
# The Fashion-MNIST benchmark lists a dense network with hidden layers of 256, 128 and 100 units.
# Write `count_params(layer_sizes)` that takes the input size followed by each dense layer's
# width, e.g. `[784, 256, 128, 100, 10]`, and returns the total number of weights and biases.


# %% tags=["exercise", "q2"]
def count_params(layer_sizes):
    return ...  # your code here


# %%
ex.q2.check(count_params)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — a ReLU network, seen up close
#
# Section 7 showed that a ReLU between two layers stops them from collapsing into one linear
# layer. But look closely at one input `x`: each hidden unit is either **on** there (`z > 0`,
# and the ReLU passes `z` unchanged) or **off** (the ReLU outputs 0), and it stays so for
# inputs close enough to `x`. Around `x`, then, the network `relu(x @ W1 + b1) @ W2 + b2` *is*
# a linear layer. Write `local_linear_map(W1, b1, W2, b2, x)` that returns that layer's
# `(W, b)` for one input `x` of shape `(n_in,)`. Shapes: `W1` `(n_in, hidden)`, `b1`
# `(hidden,)`, `W2` `(hidden, n_out)`, `b2` `(n_out,)`.


# %% tags=["exercise", "q3"]
def local_linear_map(W1, b1, W2, b2, x):
    W = ...  # your code here
    b = ...  # your code here
    return W, b


# %%
ex.q3.check(local_linear_map)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# ### Exercise 4 — shapes on a 3-D input
#
# What is the output shape of `keras.layers.Dense(8)` applied to an input of shape
# `(32, 10, 5)`? Write it as a tuple.

# %% tags=["exercise", "q4"]
output_shape = ...  # your answer, e.g. (1, 2, 3)

# %%
ex.q4.check(output_shape)
# ex.q4.hint()
# ex.q4.solution()

# %% [markdown]
# ## Key points
#
# - A neuron computes `w · x + b`; a dense layer of `units` neurons computes `x @ W + b` with the
#   kernel `W` of shape `(n_in, units)` (Keras's layout: input first) and one bias per unit.
# - For a batch, the same line works: `(batch, n_in) @ (n_in, units) + (units,)` →
#   `(batch, units)`. For more axes, Dense contracts the **last** axis and keeps the others; it
#   never flattens.
# - A dense layer has `(n_in + 1) × units` parameters; the widest input layer dominates the count.
# - The companion `Dense` and `keras.layers.Dense` give the same outputs from the same weights.
# - Linear layers stacked without activations collapse into one linear map
#   (`W = W₁ @ W₂`, `b = b₁ @ W₂ + b₂`); nonlinear activations are what make depth useful.
#   A ReLU network is linear piece by piece, one piece per on/off pattern of its units.
