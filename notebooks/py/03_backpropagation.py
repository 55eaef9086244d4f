# %% [markdown]
# # 03 · Backpropagation through a dense layer
#
# **Questions**
#
# - How does a dense layer turn "how the loss changes with my output" into gradients for its
#   weights, its bias and its input?
# - How can I be sure that a hand-written gradient is right?
# - Do my NumPy gradients match what TensorFlow computes?
#
# **Objectives** — after this notebook you will be able to:
#
# - read a computational graph: values flow forward, gradients flow back, and each node
#   multiplies the gradient by its local derivative;
# - derive `dW = xᵀ·δ`, `db = Σδ` and `dx = δ·Wᵀ` with `δ = grad_out ⊙ f'(z)`, and use the
#   shapes to put every transpose in the right place;
# - implement the backward pass of a dense layer in NumPy, step by step;
# - check a gradient with centred differences and read the relative error (CS231n's thresholds),
#   knowing why a check in float32 misleads;
# - compare your gradients with `tf.GradientTape` and print how far apart they are;
# - use the combined softmax + cross-entropy gradient `(p − y) / N`, and say why Keras computes
#   it from the logits.
#
# **Prerequisites**: notebook 01 (the forward pass `x @ W + b`), notebook 02 (activations and
# their derivatives); the chain rule from calculus.
#
# **Time**: teaching 35 min · exercises 30 min

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

from companion import activations, backend, gradcheck, layers, losses, plots
from companion.compare import report_bound, report_gap
from companion.exercises import nb03 as ex

# %% [markdown]
# `report_gap(label, a, b, bound)` prints `max |a − b| < bound` (notebook 01 introduced it): the
# exact gap is rounding noise whose last digits depend on the CPU, so we print a bound at least
# ten times above it.
#
# ## 0. Warm-up: nudge an input, watch the output
#
# Before matrices, one number. Take a single neuron with one input, `L = tanh(w·x + b)`, at
# `x = 2`, `w = −0.5`, `b = 0.3`. The derivative `dL/dw` answers a practical question: *if I
# nudge `w` a little, how much does `L` move?* Let us nudge it and watch.

# %%
x0, w0, b0 = 2.0, -0.5, 0.3
L0 = np.tanh(w0 * x0 + b0)
nudge = 0.001
L_nudged = np.tanh((w0 + nudge) * x0 + b0)
print(f"L = {L0:.6f};  with w + {nudge}: L = {L_nudged:.6f}")
print(f"L moved by {L_nudged - L0:.6f}, that is {(L_nudged - L0) / nudge:.4f} times the nudge")

# %% [markdown]
# `L` moves by about 1.27 times the nudge: `dL/dw ≈ 1.27`. The chain rule gets the same number
# without nudging, one small step at a time, each step a *local* derivative: `z = w·x + b`
# moves by `x = 2` per unit of `w` (`dz/dw = x`), and `L = tanh(z)` moves by
# `1 − tanh(z)² = 0.635` per unit of `z` (here `z = −0.7`). Multiplied:
# `dL/dw = 0.635 × 2 = 1.27`. The figure
# writes every such number on the graph of the computation: each value on its way forward,
# and on the way back the gradient of `L` with respect to that value.

# %%
plots.scalar_neuron_graph(x0, w0, b0)

# %% [markdown]
# *Figure:* a graph from x and w into a multiply node, then with b into an add node, then tanh,
# then L; above each arrow its forward value (z = −0.7, L = −0.604), below it the gradient of
# L coming back (dL/dz = 0.635, dL/dw = 1.27, dL/dx = −0.317).
#
# Read it from the right: `dL/dL = 1`; tanh multiplies by its local slope, giving `dL/dz`; an
# add node passes the gradient unchanged to both of its inputs (so `dL/db = dL/dz`); a multiply
# node sends each input the gradient times the *other* input (`dL/dw = x · dL/dz`). This is
# all backpropagation is — micrograd (Andrej Karpathy's 100-line teaching library), Keras and
# PyTorch do exactly this, node by node. The
# rest of the notebook does it for a whole dense layer, where the numbers become arrays.
#
# ## 1. The forward pass we want to differentiate
#
# A dense layer with activation `f` computes, for a batch `x` of `N` samples,
#
# `z = x @ W + b` (the pre-activation) and `y = f(z)` (the output).
#
# Training needs the gradient of the loss `L` with respect to `W` and `b`, and, so that the
# layers *before* this one can learn too, with respect to `x`. **Backpropagation** gets them
# with the chain rule, one layer at a time, starting from the loss and walking back.
#
# The layer never sees the loss itself. What reaches it from the layers after it is
# `grad_out = ∂L/∂y`, one number per output, of the same shape as `y`. To study one layer in
# isolation we use a loss that makes `grad_out` a fixed array `G` that we choose:
# `L = Σ y ⊙ G`, whose derivative with respect to `y` is exactly `G`. We use float64 throughout
# the derivations, so that rounding does not get in the way.

# %%
rng = np.random.default_rng(0)
x = rng.normal(size=(4, 3))  # a batch of N = 4 samples with 3 features
W = rng.normal(scale=0.5, size=(3, 2))  # kernel (in = 3, units = 2), Keras's layout
b = rng.normal(scale=0.1, size=2)  # one bias per unit
G = rng.normal(size=(4, 2))  # grad_out = dL/dy, what the rest of the network sends back


def loss_fn(x, W, b):
    """L = sum(tanh(x @ W + b) * G): a stand-in for 'the rest of the network'."""
    return float(np.sum(np.tanh(x @ W + b) * G))


z = x @ W + b
print("x", x.shape, "@ W", W.shape, "+ b", b.shape, "-> z and y", z.shape)
print(f"L = {loss_fn(x, W, b):.6f}")

# %% [markdown]
# ## 2. Deriving the three gradients
#
# Write the forward pass element by element: `z[n, j] = Σᵢ x[n, i] · W[i, j] + b[j]` and
# `y[n, j] = f(z[n, j])`.
#
# **Step 1, through the activation.** `y[n, j]` depends on `z[n, j]` only, so
#
# `δ[n, j] = ∂L/∂z[n, j] = ∂L/∂y[n, j] · f'(z[n, j])`, that is **`δ = grad_out ⊙ f'(z)`**
#
# (⊙ is the elementwise product). For `tanh`, `f'(z) = 1 − tanh(z)²`.
#
# **Step 2, the weights.** `W[i, j]` appears in `z[n, j]` for every sample `n`, multiplied by
# `x[n, i]`; the chain rule adds up the contributions:
#
# `∂L/∂W[i, j] = Σₙ δ[n, j] · x[n, i]`, that is **`dW = xᵀ · δ`**.
#
# **Step 3, the bias.** `b[j]` is added to `z[n, j]` for every `n` with slope 1:
# **`db = Σₙ δ[n, :]`**, the sum over the batch.
#
# **Step 4, the input.** `x[n, i]` feeds every unit `j` through `W[i, j]`:
#
# `∂L/∂x[n, i] = Σⱼ δ[n, j] · W[i, j]`, that is **`dx = δ · Wᵀ`**.
#
# You do not need to remember where the transposes go: the shapes decide. Each gradient has the
# shape of what it differentiates, and there is only one way to get it from the pieces:
#
# | gradient | shape | built from | product |
# |---|---|---|---|
# | `dW` | `(in, units)` | `x (N, in)`, `δ (N, units)` | `xᵀ @ δ` |
# | `db` | `(units,)` | `δ (N, units)` | sum over axis 0 |
# | `dx` | `(N, in)` | `δ (N, units)`, `W (in, units)` | `δ @ Wᵀ` |
#
# The same four lines in NumPy:

# %%
delta = G * (1 - np.tanh(z) ** 2)  # dL/dz = dL/dy * tanh'(z)
dW = x.T @ delta  # (3, 4) @ (4, 2) -> (3, 2), like W
db = delta.sum(axis=0)  # (2,), like b
dx = delta @ W.T  # (4, 2) @ (2, 3) -> (4, 3), like x
for name, grad, var in [("dW", dW, W), ("db", db, b), ("dx", dx, x)]:
    print(f"{name}: shape {grad.shape}, the shape of its variable: {grad.shape == var.shape}")
print("dW =\n", dW.round(4))

# %% [markdown]
# The same graph as in the warm-up, now for a dense layer: `x @ W` replaces `w·x`, and every
# edge carries an array. To keep the numbers readable, the figure draws a tiny layer, one
# sample with 2 features and 2 units, with its own `G`:

# %%
plots.dense_layer_graph(
    x=np.array([[1.0, -2.0]]),
    kernel=np.array([[0.5, -0.3], [0.2, 0.8]]),
    bias=np.array([0.1, -0.2]),
    grad_output=np.array([[1.0, -0.5]]),
)

# %% [markdown]
# *Figure:* the graph x and W into a matrix-product node, then with b into an add node, then
# tanh, then L = Σ y ⊙ G; above each arrow the forward array (z = [[0.2, −2.1]], y =
# [[0.2, −0.97]]), below it the gradient coming back (δ = [[0.96, −0.03]], dW = xᵀ @ δ,
# db = Σ δ, dx = δ @ Wᵀ).
#
# Each node does what its scalar cousin did: tanh multiplies by its slope elementwise (`δ`),
# the add node hands `δ` to both inputs (summed over the batch for `b`, which every sample
# shares), and the matrix product sends each input the gradient times the *other* input,
# transposed so that the shapes fit. The second unit is nearly saturated (`z = −2.1`), so
# almost nothing comes back through it: its `δ` is −0.03.
#
# Each gradient has its variable's shape, so one step of gradient descent, `W -= lr * dW`, is
# well defined. Note that `db` and `dW` *sum* over the batch: if the loss is a batch mean, the
# `1/N` is already inside `grad_out`, and the layer must not divide again.
#
# ## 3. Checking a gradient numerically
#
# A backward pass can be wrong and still run: a missing transpose on a square matrix, a
# forgotten `f'(z)`, a sum over the wrong axis. The remedy is to compare with a gradient computed
# from the definition of the derivative. The **centred difference**
#
# `∂L/∂w ≈ (L(w + h) − L(w − h)) / (2h)`
#
# is accurate to `O(h²)` (the `h²` term of the Taylor series cancels between the two sides),
# much better than the one-sided `(L(w + h) − L(w)) / h`, which is only `O(h)`. Here it is for
# one entry of the kernel:

# %%
h = 1e-5
W_plus, W_minus = W.copy(), W.copy()
W_plus[0, 1] += h
W_minus[0, 1] -= h
slope = (loss_fn(x, W_plus, b) - loss_fn(x, W_minus, b)) / (2 * h)
print(f"centred difference: {slope:.7f}")
print(f"analytic dW[0, 1]:  {dW[0, 1]:.7f}")

# %% [markdown]
# They agree to 7 decimals. `companion.gradcheck.numerical_gradient(f, w)` does the same for
# every entry of `w` (two evaluations of `f` each, so keep the arrays small), and
# `gradcheck.rel_error(a, b)` measures the disagreement as a **relative** error: for each
# element the ratio `|aᵢ − bᵢ| / (|aᵢ| + |bᵢ|)`, and the largest of these ratios.
# Relative, because an absolute difference of 1e-6 is negligible
# for a gradient of size 10 and huge for one of size 1e-6.
#
# How to read it (CS231n's rule of thumb, for float64; `gradcheck.verdict` applies it). CS231n's
# notes divide by `max(|a|, |b|)`, its assignments by the sum, as here: the two differ by at
# most a factor 2, which does not matter for a rule read in powers of ten.
#
# | relative error | verdict |
# |---|---|
# | ≤ 1e-7 | right |
# | 1e-7 … 1e-4 | fine with kinks (relu: a step across 0 spoils it), suspicious if smooth (tanh) |
# | 1e-4 … 1e-2 | suspicious: probably a bug |
# | > 1e-2 | wrong |

# %%
numeric = {
    "dW": gradcheck.numerical_gradient(lambda W_: loss_fn(x, W_, b), W),
    "db": gradcheck.numerical_gradient(lambda b_: loss_fn(x, W, b_), b),
    "dx": gradcheck.numerical_gradient(lambda x_: loss_fn(x_, W, b), x),
}
analytic = {"dW": dW, "db": db, "dx": dx}
errors = {name: gradcheck.rel_error(analytic[name], numeric[name]) for name in analytic}
for name, err in errors.items():
    report_bound(f"{name}: relative error", err, 1e-7)
    print(f"    -> {gradcheck.verdict(err)}")

# %% [markdown]
# All three gradients are right. The exact errors are rounding noise, between about 1e-11 and
# 1e-9, and their last digits change from one CPU to another; if you are curious, the next
# cell prints them (yours may differ in the digit shown).

# %%
# NBVAL_IGNORE_OUTPUT
# Rounding noise: the digits differ from one CPU to another.
print({name: f"{err:.0e}" for name, err in errors.items()})

# %% [markdown]
# ## 4. float32 versus float64: why a correct gradient can fail the check
#
# Keras computes in float32 by default, which keeps about 7 significant digits against
# float64's 16. The centred difference divides a small difference of two losses by `2h`, so
# the rounding error of the loss, about `eps · |L|`, is magnified by `1/h`. Two errors pull in
# opposite directions: truncation, `∝ h²`, wants a small `h`; rounding, `∝ eps / h`, wants a
# large one. Let us sweep `h` for the same layer computed in both precisions.

# %%
x32, W32, b32, G32 = (a.astype(np.float32) for a in (x, W, b, G))


def loss32(W_):
    """The same loss, computed in float32 as Keras computes by default."""
    return float(np.sum(np.tanh(x32 @ W_.astype(np.float32) + b32) * G32))


dW32 = x32.T @ (G32 * (1 - np.tanh(x32 @ W32 + b32) ** 2))
steps = [float(f"1e-{k}") for k in range(1, 10)]  # 1e-1 ... 1e-9, exactly the literals 1e-k
err64 = [gradcheck.rel_error(dW, gradcheck.numerical_gradient(
    lambda W_: loss_fn(x, W_, b), W, h=s)) for s in steps]  # fmt: skip
err32 = [gradcheck.rel_error(dW32, gradcheck.numerical_gradient(loss32, W32, h=s)) for s in steps]

# %%
fig, ax = plots.new_figure(figsize=(6, 3.4))
ax.loglog(steps, err64, "o-", label="float64")
ax.loglog(steps, err32, "s--", label="float32")
for level, text, at in [(1e-7, "right below 1e-7", 2e-7), (1e-2, "wrong above 1e-2", 2e-9)]:
    ax.axhline(level, color="grey", lw=0.8, ls=":")
    ax.text(at, level * 1.6, text, fontsize=8, color="grey")
ax.set(xlabel="step h", ylabel="relative error of dW", ylim=(1e-12, 3))
ax.set_title("Gradient check: the same correct gradient in two precisions")
ax.legend(loc="lower left")
fig

# %% [markdown]
# *Figure:* relative error of the same correct gradient against the step h on log-log axes: the
# float64 curve (circles) dips to about 1e-10 near h = 1e-5, the float32 curve (squares,
# dashed) only to about 1e-4 near h = 1e-2 and climbs to 1 for small h.
#
# Read the float64 curve from the right: for large `h` the error falls like `h²` (two decades
# per decade), reaches about 1e-10 near `h = 1e-5`, then rises again like `1/h` as rounding
# takes over. The float32 curve shares the right arm (truncation does not depend on the
# precision), but its rounding arm lies about nine decades higher (float32's `eps` is some
# 5e8 times float64's), so its V is shallow and its bottom moves to larger `h`: its best
# value, near `h = 1e-2`, is about 1e-4, "suspicious". At the usual `h = 1e-5` it is about
# 1e-2, on the border of "wrong", and at `h = 1e-6` plainly wrong, for a gradient that is
# perfectly right. Below that, the two losses differ by a float32 step or two at most: the
# numerical gradient is nonsense and the error sits at 1, the largest it can be.
#
# The printed checks below restate the figure, each with a wide margin, because float32's
# rounding noise, and with it the exact error, differs from one CPU to another. At
# `h = 1e-5` the error is so close to the 1e-2 border that its verdict would flip between
# CPUs, so that check states only what holds everywhere, an error above 1e-3 ("suspicious"
# at best); the verdict is given at `h = 1e-6`, where the error is far past 1e-2.

# %%
float32_at = dict(zip(steps, err32))
report_bound("float64, best error over all h", min(err64), 1e-9)
print("float32, best error over all h:", "above 1e-6" if min(err32) > 1e-6 else "below 1e-6")
above = float32_at[1e-5] > 1e-3
print("float32 at h = 1e-5:", "above 1e-3, suspicious or worse" if above else "below 1e-3")
print("float32 at h = 1e-6, verdict:", gradcheck.verdict(float32_at[1e-6]))

# %% [markdown]
# The lesson: **run gradient checks in float64**. That is why
# `gradcheck.check_layer_gradients` refuses a float32 layer, and why the layers below are built
# with `dtype="float64"`.
#
# ## 5. The companion's `Dense.backward`
#
# `companion.layers.Dense` implements the same lines as section 2 (open `companion/layers.py`:
# `backward` sits right under the forward pass). Its contract mirrors Keras's weight order:
# `dx = layer.backward(grad_out)` returns the gradient for the input and stores
# `layer.grads = [dkernel, dbias]`.

# %%
dense = layers.Dense(2, activation="tanh", dtype="float64", name="dense_tanh")
dense.build((None, 3))
dense.set_weights([W, b])
dense(x)  # the forward pass caches x and z for backward
dx_c = dense.backward(G)
dW_c, db_c = dense.grads
report_gap("companion dW - step-by-step dW", dW_c, dW, 1e-12)
report_gap("companion db - step-by-step db", db_c, db, 1e-12)
report_gap("companion dx - step-by-step dx", dx_c, dx, 1e-12)

# %% [markdown]
# The same numbers as our four lines. `gradcheck.check_layer_gradients(layer, x)` runs the whole
# numerical check on a layer in one call, for its input and every weight, with a random
# `grad_out`:

# %%
for name, err in gradcheck.check_layer_gradients(dense, x).items():
    print(f"{name:>6}: {gradcheck.verdict(err)}")

# %% [markdown]
# ## 6. The same gradients from TensorFlow
#
# TensorFlow computes gradients by *automatic differentiation*: `tf.GradientTape` records the
# operations of the forward pass and replays their backward rules. It is backpropagation done by
# the framework, so it must give our numbers. A Keras `Dense` in float64 with the same weights.
# (Keras also runs on JAX and PyTorch, which have their own autodiff, `jax.grad` and
# `torch.autograd`; on those backends the cell's `else` branch asks them through the
# companion's `backend.keras_gradients`.)

# %%
keras_dense = keras.layers.Dense(2, activation="tanh", dtype="float64", name="keras_tanh")
keras_dense.build((None, 3))
keras_dense.set_weights([W, b])
if keras.backend.backend() == "tensorflow":
    import tensorflow as tf

    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)  # x is a constant, not a weight: ask the tape to follow it too
        loss_tf = tf.reduce_sum(keras_dense(x_tf) * G)
    dW_tf, db_tf, dx_tf = tape.gradient(loss_tf, [keras_dense.kernel, keras_dense.bias, x_tf])
else:  # JAX or PyTorch: the same loss, differentiated by that backend
    _, (dW_tf, db_tf), dx_tf = backend.keras_gradients(
        keras_dense, x, lambda y: keras.ops.sum(keras.ops.multiply(y, G)), wrt_input=True
    )
report_gap("companion dW - tf dW", dW_c, dW_tf, 1e-12)
report_gap("companion db - tf db", db_c, db_tf, 1e-12)
report_gap("companion dx - tf dx", dx_c, dx_tf, 1e-12)

# %% [markdown]
# Agreement to float64 rounding: the differences are of order 1e-16, far below the printed
# 1e-12 (TensorFlow adds the products in a different order than NumPy, so they are not
# always exactly zero). On JAX and PyTorch, Keras 3 computes some float64 operations in
# float32 (tanh on both, matrix products on PyTorch), so there the gaps are near 1e-7 and
# exceed the printed bound.
#
# ## 7. Backpropagation through two layers
#
# In a network, the `dx` of one layer is the `grad_out` of the layer before it. So the backward
# pass runs the layers in reverse order, each handing its `dx` down. Two companion layers, a
# mean squared error loss, and the chain:

# %%
rng = np.random.default_rng(1)
x2, y2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
hidden = layers.Dense(4, activation="relu", dtype="float64", seed=1, name="hidden")
out = layers.Dense(2, dtype="float64", seed=2, name="out")
mse = losses.MeanSquaredError()
y_pred = out(hidden(x2))
g = mse.backward(y2, y_pred)  # dL/dy_pred (the 1/N of the mean is in here)
g = out.backward(g)  # dL/dh; out.grads = [dkernel, dbias]
g = hidden.backward(g)  # dL/dx; hidden.grads = [dkernel, dbias]
print(f"loss = {mse(y2, y_pred):.6f}")

# %% [markdown]
# The Keras twin: the same layers in a float64 `Sequential`, the same weights, and the
# backend's autodiff (the tape, on TensorFlow) around the Keras loss (`dtype="float64"`, as
# Keras losses otherwise compute in float32).

# %%
twin = keras.Sequential(
    [
        keras.Input(shape=(3,), dtype="float64"),
        keras.layers.Dense(4, activation="relu", dtype="float64", name="hidden"),
        keras.layers.Dense(2, dtype="float64", name="out"),
    ]
)
twin.set_weights(hidden.get_weights() + out.get_weights())
twin_mse = keras.losses.MeanSquaredError(dtype="float64")
_, twin_grads, _ = backend.keras_gradients(twin, x2, lambda y_pred: twin_mse(y2, y_pred))
names = ["hidden kernel", "hidden bias", "out kernel", "out bias"]
for name, ours, theirs in zip(names, hidden.grads + out.grads, twin_grads):
    report_gap(f"{name}: companion - tf", ours, theirs, 1e-12)

# %% [markdown]
# Every weight's gradient matches, the first layer's included: its gradient went through the
# second layer's `backward` and the relu's derivative on the way.
#
# ## 8. Softmax + cross-entropy: the gradient `(p − y) / N`
#
# For classification the last layer usually has a softmax and the loss is the categorical
# cross-entropy, `L = −(1/N) Σₙ Σₖ y[n, k] · log p[n, k]` with `p = softmax(z)` and one-hot
# labels `y` (row `n` is 1 at sample `n`'s true class, 0 elsewhere). Going through `∂L/∂p` and
# then the softmax's Jacobian (the matrix of its partial derivatives `∂p[n, k] / ∂z[n, j]`)
# works, but the two combine
# into something much simpler. With `log p[n, k] = z[n, k] − log Σₘ exp(z[n, m])`:
#
# `∂ log p[n, k] / ∂z[n, j] = [k = j] − p[n, j]` (`[k = j]` is 1 when `k = j`, else 0), so
# `∂L/∂z[n, j] = −(1/N) Σₖ y[n, k] ([k = j] − p[n, j]) = (p[n, j] − y[n, j]) / N`,
#
# because the one-hot `y[n, :]` sums to 1. The gradient is the prediction minus the target,
# divided by the batch size. Four ways to compute it:

# %%
logits = rng.normal(size=(5, 4))
y_onehot = np.eye(4)[[0, 3, 1, 1, 2]]
p = activations.softmax(logits)
by_formula = (p - y_onehot) / len(logits)
cce = losses.CategoricalCrossentropy()  # scores probabilities
by_chain = activations.softmax.backward(logits, cce.backward(y_onehot, p))
cce_logits = losses.CategoricalCrossentropy(from_logits=True)  # scores logits
by_logits = cce_logits.backward(y_onehot, logits)
keras_cce = keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64")
(by_tf,) = backend.grad(lambda z: keras_cce(y_onehot, z), logits)  # Keras's autodiff
report_gap("chain rule - (p - y)/N", by_chain, by_formula, 1e-12)
report_gap("companion from_logits - (p - y)/N", by_logits, by_formula, 1e-12)
report_gap("tf from_logits - (p - y)/N", by_tf, by_formula, 1e-12)

# %% [markdown]
# All four agree. The short form is not only faster; it also survives where the long way
# breaks down. Take a network that is **confidently wrong**: logits `[1000, 0, −1000]`, true
# class 1. In float64, `exp(−1000)` is exactly 0, so `p = [1, 0, 0]`.

# %%
z_bad = np.array([[1000.0, 0.0, -1000.0]])  # very sure of class 0 ...
y_bad = np.array([[0.0, 1.0, 0.0]])  # ... but the answer is class 1
p_bad = activations.softmax(z_bad)
print("p =", p_bad)
print(f"loss via probabilities: {cce(y_bad, p_bad):.2f}")
print(f"loss from the logits:   {cce_logits(y_bad, z_bad):.2f}")
print(
    "gradient via probabilities:", activations.softmax.backward(z_bad, cce.backward(y_bad, p_bad))
)
print("gradient from the logits:  ", cce_logits.backward(y_bad, z_bad))

# %% [markdown]
# Through the probabilities, the worst mistake produces a **zero** gradient: the network would
# never learn from it. Two things zero it, each on its own. The loss clips the probabilities
# to `[1e-7, 1 − 1e-7]` before the logarithm, and a clip passes back no gradient outside that
# range. And even an unclipped gradient `∂L/∂p` would be stopped by the softmax itself: its
# Jacobian is `diag(p) − p pᵀ`, which is exactly zero at `p = [1, 0, 0]`. A saturated
# softmax passes back nothing, whatever arrives from above:

# %%
upstream = np.array([[5.0, -7.0, 3.0]])  # any gradient with respect to p
stopped = activations.softmax.backward(z_bad, upstream) + 0.0  # + 0.0 prints -0.0 as 0.0
print("softmax backward at p = [1, 0, 0]:", stopped)

# %% [markdown]
# From the logits, the combined gradient `p − y` never goes through the softmax's Jacobian:
# it is `[1, −1, 0]`, push class 0 down, class 1 up. This is why Keras recommends
# `from_logits=True` (a linear last layer and
# `CategoricalCrossentropy(from_logits=True)`), and why, when a model does end in a softmax,
# Keras's TensorFlow backend quietly scores the loss from the logits underneath it.
#
# ## Exercises
#
# ### Exercise 1 — the backward pass of a sigmoid dense layer
#
# Section 2 derived the backward pass of a **tanh** layer. Write `dense_backward(x, kernel,
# bias, grad_output)` for the layer `y = sigmoid(x @ kernel + bias)`: work out the sigmoid's
# derivative yourself (write it in terms of `y`). Return the tuple `(d_kernel, d_bias, d_x)`.
# The check tries several shapes, so a transpose in the wrong place will show.


# %% tags=["exercise", "q1"]
def dense_backward(x, kernel, bias, grad_output):
    ...  # your code here: delta, then the three gradients
    return ...


# %%
ex.q1.check(dense_backward)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — a numerical gradient
#
# Write `numerical_gradient(f, x, h=1e-5)`: for every entry `x[i]` (of an array of any shape),
# the centred difference `(f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)`, where `f` returns one number.
# When your function returns, `x` must hold its original values again.


# %% tags=["exercise", "q2"]
def numerical_gradient(f, x, h=1e-5):
    return ...  # your code here


# %%
ex.q2.check(numerical_gradient)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — find the bug
#
# `buggy_mlp_backward` computes the gradients of `L = Σ y ⊙ grad_output` for a two-layer network
# `y = relu(x @ W1 + b1) @ W2 + b2`. One line is wrong, yet it runs without an error on the
# shapes below. Use the gradient check in the next cell to find which gradients are wrong, then
# decide which line is to blame.


# %%
def buggy_mlp_backward(x, W1, b1, W2, b2, grad_output):
    z1 = x @ W1 + b1
    h = np.maximum(z1, 0.0)
    d_W2 = h.T @ grad_output
    d_b2 = grad_output.sum(axis=0)
    d_h = grad_output @ W2
    d_z1 = d_h * (z1 > 0)
    d_W1 = x.T @ d_z1
    d_b1 = d_z1.sum(axis=0)
    return d_W1, d_b1, d_W2, d_b2


# %%
rng = np.random.default_rng(3)
xq, Gq = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
params = {
    "W1": rng.normal(scale=0.8, size=(4, 3)),
    "b1": rng.normal(scale=0.2, size=3),
    "W2": rng.normal(scale=0.8, size=(3, 3)),  # square: the buggy line runs without an error
    "b2": rng.normal(scale=0.2, size=3),
}


def mlp_loss(W1, b1, W2, b2):
    return float(np.sum((np.maximum(xq @ W1 + b1, 0.0) @ W2 + b2) * Gq))


grads = dict(zip(params, buggy_mlp_backward(xq, *params.values(), Gq)))
for name, value in params.items():
    f = lambda v, name=name: mlp_loss(**{**params, name: v})
    err = gradcheck.rel_error(grads[name], gradcheck.numerical_gradient(f, value))
    print(f"d_{name}: {gradcheck.verdict(err, kinks=True)}")

# %% [markdown]
# Write the fixed version, `mlp_backward(x, W1, b1, W2, b2, grad_output)`, returning
# `(d_W1, d_b1, d_W2, d_b2)`. The check also tries shapes where `W2` is not square.


# %% tags=["exercise", "q3"]
def mlp_backward(x, W1, b1, W2, b2, grad_output):
    return ...  # your code here: start from buggy_mlp_backward and fix one line


# %%
ex.q3.check(mlp_backward)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# ### Exercise 4 — derive a gradient: sigmoid + binary cross-entropy
#
# A yes/no classifier ends in one logit `z` per sample, `p = sigmoid(z)`, and its loss is the
# mean binary cross-entropy `L = −(1/N) Σₙ [yₙ log pₙ + (1 − yₙ) log(1 − pₙ)]` with labels
# `y` of 0 or 1. Section 8 derived the softmax case; derive this one on paper (chain rule,
# and your sigmoid derivative from exercise 1), then write
# `sigmoid_crossentropy_grad(logits, y_true)`: `∂L/∂logits` for 1-D arrays `logits` and
# `y_true` of length `N`. It must work for logits of ±1000 too.


# %% tags=["exercise", "q4"]
def sigmoid_crossentropy_grad(logits, y_true):
    return ...  # your code here


# %%
ex.q4.check(sigmoid_crossentropy_grad)
# ex.q4.hint()
# ex.q4.solution()

# %% [markdown]
# ## Key points
#
# - Backpropagation walks the computational graph backwards, each node multiplying the
#   incoming gradient by its local derivative (add: passes it on; multiply: times the other
#   input).
# - A dense layer's backward pass is four lines: `δ = grad_out ⊙ f'(z)`, `dW = xᵀ·δ`,
#   `db = Σₙ δ`, `dx = δ·Wᵀ`. Each gradient has its variable's shape, and the shapes tell you
#   where the transposes go.
# - Backpropagation chains layers in reverse: each layer's `dx` is the previous layer's
#   `grad_out`.
# - Check gradients with centred differences and the relative error: ≤ 1e-7 right, > 1e-2 wrong,
#   in between a closer look (kinks excuse up to ~1e-4). Check in **float64**: in float32,
#   rounding alone makes a correct gradient look suspicious or wrong.
# - The companion's `Dense.backward` and `tf.GradientTape` agree to float64 rounding (~1e-16).
# - Softmax + cross-entropy (and sigmoid + binary cross-entropy) combine to `(p − y) / N`.
#   Computing it from the logits (`from_logits=True`) is simpler and stays correct where
#   probabilities underflow and a saturated softmax would pass back nothing.
