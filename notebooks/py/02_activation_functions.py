# %% [markdown]
# # 02 · Activation functions
#
# **Questions**
#
# - Which activation functions does Keras offer, and how do they differ?
# - Why do some of them give `nan` or `inf` when implemented naively, and how is that avoided?
# - Which activation belongs on the output layer, and how does it go together with the loss?
# - What does an activation function *not* do?
#
# **Objectives** — after this notebook you will be able to:
#
# - sketch the common activations and their derivatives and read their properties (range,
#   zero-centred, monotonic, saturating, largest derivative, cost);
# - define logit, loss and cross-entropy, and say what the universal approximation theorem
#   promises (and what it does not);
# - verify that the companion's NumPy activations equal Keras's, and name the Keras 3 details
#   that differ from older tutorials;
# - explain how softmax and sigmoid are computed without overflow, and carry the trick to
#   another function;
# - choose the output activation together with its loss, and use `from_logits=True` correctly.
#
# **Prerequisites**: notebook 01 (dense layers, why stacked linear layers collapse); derivatives
# of `exp` and the product rule.
#
# **Time**: teaching 35 min · exercises 25 min

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
import warnings

import keras
import numpy as np

from companion import activations, layers, losses, plots, widgets
from companion.compare import activation_gaps, report_bound, report_gap
from companion.exercises import nb02 as ex


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


# %% [markdown]
# ## 1. What an activation function is for
#
# Notebook 01 ended with a fact: dense layers stacked without anything between them collapse into
# one linear map. An **activation function** `f` is applied elementwise to a layer's
# pre-activation `z = x @ W + b`, giving `a = f(z)`; as long as `f` is not linear, the
# collapse is broken and depth becomes useful.
#
# **How much can one nonlinear layer do?** The *universal approximation theorem* answers: a
# network with one hidden layer of a continuous activation `f`, followed by a linear output,
# can approximate any continuous function on a closed, bounded region as closely as you like,
# given enough hidden units, **if and only if `f` is not a polynomial** (Cybenko 1989 proved it for
# sigmoids, Hornik 1991 for bounded activations, Leshno, Lin, Pinkus & Schocken 1993 in this
# general form). relu, tanh and sigmoid qualify; `linear` (a polynomial of degree 1) does not,
# which is notebook 01's collapse again. The theorem promises that good weights *exist*; it
# says nothing about how many units are needed or whether training finds them.
#
# Here is the difference on a curve. The best that *any* stack of linear layers can do is one
# straight line (the least-squares line); one hidden layer of 16 ReLU units, each `relu(x − k)`
# with its kink `k` at one of 16 points from −3 to 3, and output weights fitted by least
# squares, follows the curve.

# %%
x_fit = np.linspace(-3.0, 3.0, 201)
target = np.sin(1.5 * x_fit)
line = np.polyval(np.polyfit(x_fit, target, 1), x_fit)  # the best any linear stack can do
kinks = np.linspace(-3.0, 3.0, 16)
hidden = np.maximum(x_fit[:, None] - kinks, 0.0)  # 16 ReLU units, weight 1 and bias -k each
H = np.hstack([hidden, np.ones((x_fit.size, 1))])  # a column of ones for the output bias
w_out, *_ = np.linalg.lstsq(H, target, rcond=None)
plots.fit_comparison(
    x_fit, target,
    {"any stack of linear layers": line, "one ReLU layer, 16 units": H @ w_out},
    title="Why non-linearity: fitting sin(1.5x)",
)  # fmt: skip

# %% [markdown]
# *Figure:* the curve sin(1.5x) drawn as dots; a nearly flat straight line (the best any linear
# stack can do) misses it by up to 1, while the 16-unit ReLU fit (dashed) lies on the dots,
# made of 16 short straight pieces.
#
# The ReLU fit is a chain of straight pieces that bend at the kinks: more units, more pieces,
# a closer fit. Almost any nonlinear `f` would do in theory. In practice the choice matters for
# three things we will look at: how gradients flow through `f` (its derivative), what range of
# values it produces, and whether it is numerically safe.
#
# ### Three words for the output end: logit, loss, cross-entropy
#
# A classifier's last dense layer outputs one raw score per class, any real number. These
# scores are called **logits**. Softmax turns a vector of logits `z` into probabilities,
# `pᵢ = exp(zᵢ) / Σⱼ exp(zⱼ)`, positive and summing to 1.
#
# A **loss** is one number that says how wrong the predictions are; training changes the
# weights to make it smaller. For classification the loss is the **cross-entropy**: the
# negative log of the probability the model gave the *true* class, `L = −log p_true`,
# averaged over the samples. It is 0 for a sure and right prediction (`p_true = 1`) and grows
# without bound as `p_true` goes to 0. For one sample with three classes:

# %%
example_logits = np.array([2.0, 1.0, 0.1])  # the raw scores of the last layer, one per class
p_example = activations.softmax(example_logits)
print("probabilities:", p_example.round(3), " sum:", round(float(p_example.sum()), 6))
print(f"true class 0: cross-entropy = -log {p_example[0]:.3f} = {-np.log(p_example[0]):.3f}")
print(f"true class 2: cross-entropy = -log {p_example[2]:.3f} = {-np.log(p_example[2]):.3f}")

# %% [markdown]
# If class 0 is right, the loss is 0.417; if class 2 is right, the model gave it only 10 %
# and pays 2.317. For a yes/no output with a sigmoid, `p = sigmoid(z)` is the probability of
# "yes" and the *binary* cross-entropy is `−log p` for a yes and `−log(1 − p)` for a no.
# Sections 7 and 8 come back to all three words.
#
# ## 2. The catalogue
#
# Keras 3 ships about thirty activations. These sixteen are the ones you meet in practice,
# in five families:
#
# - **identity**: `linear` (no activation — the default of `Dense`);
# - **rectifiers**: `relu = max(x, 0)`, `relu6` (capped at 6), `leaky_relu` (a small slope
#   below 0), `elu` and `selu` (an exponential curve below 0);
# - **smooth rectifiers**: `gelu = x·Φ(x)`, `silu = x·sigmoid(x)` (also called swish),
#   `mish = x·tanh(softplus(x))`, `softplus = log(1 + eˣ)`;
# - **squashing functions**: `sigmoid = 1 / (1 + e⁻ˣ)`, `hard_sigmoid` (its piecewise-linear
#   cousin), `tanh`, `softsign = x / (1 + |x|)`;
# - **over a vector**: `softmax` turns a vector of scores into probabilities that sum to 1, and
#   `log_softmax` is its logarithm.
#
# The grid shows each function (solid) and its derivative (dashed) on `[-5, 5]`. Softmax and
# log-softmax act on a vector, so their panels show the first output for the vector `[x, 0]`:
# `softmax([x, 0])[0]` is `sigmoid(x)`, and the log_softmax panel is its logarithm,
# `log_sigmoid(x)`. As you look, compare the derivatives: where are they 0, where 1, and
# what is their largest value?

# %%
CATALOGUE = [
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu",
    "mish", "softplus", "sigmoid", "hard_sigmoid", "tanh", "softsign", "softmax", "log_softmax",
]  # fmt: skip
plots.activation_grid(CATALOGUE)

# %% [markdown]
# *Figure:* sixteen small panels, one per activation, each with the function as a solid blue
# curve and its derivative as a dashed orange curve on x from −5 to 5.
#
# The rectifiers have derivative 1 for positive inputs (selu: its scale, 1.05; relu6: 0 again
# above 6) and 0 (or a small slope) for negative ones. The squashing functions flatten out on
# both sides: their derivative tends to 0 for large `|x|` (they **saturate**), and the
# sigmoid's derivative never exceeds 0.25. The smooth rectifiers (gelu, silu, mish) dip
# slightly below zero and have derivatives a little above 1.
#
# ## 3. The properties table
#
# `companion.activations.PROPERTIES` records, for each activation with its default arguments:
# the **range** of its outputs; whether it is **zero-centred** (standard-normal inputs give
# outputs averaging near 0); whether it is **monotonic**; where it **saturates** (its derivative
# tends to 0); its **largest derivative**; and its **cost** per element (comparisons only, or an
# `exp`, `log` or `erf`).

# %%
plots.properties_table(CATALOGUE)

# %% [markdown]
# Reading the table the way practitioners do:
#
# - A maximum derivative of **0.25** (sigmoid) or 1/6 (hard_sigmoid) bounds the
#   *activation's share* of the backward signal. Going back through a layer, the gradient is
#   multiplied elementwise by `f′(z)` and then by the weights: `δ_in = (f′(z) ⊙ δ) @ Wᵀ`
#   (⊙ is the elementwise product; notebook 03 derives it). The activation shrinks every
#   entry to at most 0.25 of its size; the weights may scale the result up or down. Unless
#   they make up for it, deep stacks of sigmoids make gradients vanish (notebook 07).
# - **relu** saturates on the left: a unit whose input stays negative gets zero gradient and
#   may never recover (a "dead ReLU"). leaky_relu and elu keep a gradient there.
# - **tanh** and **selu** are zero-centred; sigmoid and relu are not (their outputs are
#   positive), which biases the next layer's inputs.
# - The cheap functions (relu family, hard_sigmoid) cost comparisons only; the smooth ones need
#   `exp`, `log` or `erf` for every element.
#
# The maximum-derivative column is easy to check numerically with the companion's derivatives
# (each activation `f` carries `f.derivative`):

# %%
x_grid = np.linspace(-6.0, 6.0, 120_001)
for name in ["sigmoid", "tanh", "softsign", "silu", "gelu", "mish"]:
    d = activations.get(name).derivative(x_grid)
    table = activations.PROPERTIES[name]["max_derivative"]
    peak = x_grid[d.argmax()]
    print(f"{name:12s} max f'(x) = {d.max():.4f} at x = {peak:+.2f}   table: {table:.4f}")

# %% [markdown]
# The numbers match the table: sigmoid's derivative peaks at 0.25 at `x = 0`, while silu's
# exceeds 1 (at `x ≈ 2.4`).
#
# **Saturation: where the inputs land.** 0.25 is the sigmoid's *best* case, at `z = 0`. What a
# layer actually passes back depends on where its pre-activations `z` fall. Take 1000 samples
# of 20 standard-normal features and a sigmoid layer whose weights have standard deviation
# `1/√20` (so `z` has standard deviation about 1), and the same layer with weights four times
# larger:

# %%
rng = np.random.default_rng(0)
x_feat = rng.normal(size=(1000, 20))
W_small = rng.normal(scale=1 / np.sqrt(20), size=(20, 8))
z_small, z_large = x_feat @ W_small, x_feat @ (4 * W_small)
plots.sigmoid_saturation({"weights of std 1/√20": z_small, "weights 4× larger": z_large})

# %% [markdown]
# *Figure:* top, the S-shaped sigmoid and its bell-shaped slope peaking at 0.25 at z = 0;
# bottom, the histogram of z for the small weights, narrow around 0, and for the large
# weights, spread from about −12 to 12, where the slope is nearly 0.
#
# With the larger weights most inputs land on the flat arms of the curve: the mean slope
# (in the legend) falls from about 0.21 to about 0.10, so the gradient through this one
# layer is cut by another factor of two, before the weights have had their say. This is
# **saturation**, and it is why weight scales matter (notebook 06).
#
# ### What to use by default
#
# - **Hidden layers: the ReLU family.** Start with `relu`: it is cheap, its derivative is
#   exactly 1 wherever the unit is active, so it does not saturate for positive inputs, and
#   it trains deep networks well with He initialization, a scale for the random starting
#   weights that notebook 06 explains (Nair & Hinton 2010; Glorot, Bordes &
#   Bengio 2011; He et al. 2015; Goodfellow, Bengio & Courville, *Deep Learning*, §6.3, call
#   it "an excellent default choice"). If many units die (notebook 07), use `leaky_relu` or
#   `elu`. The smooth `gelu` and `silu` are the defaults of transformers (Hendrycks & Gimpel
#   2016; Ramachandran, Zoph & Le 2017), slightly more accurate there and slower everywhere;
#   `selu` with LeCun-normal starting weights (notebook 06) keeps the activations of plain
#   deep MLPs near mean 0 and variance 1, layer after layer (*self-normalizing*; Klambauer et al.
#   2017).
# - **Sigmoid and softmax only at the output**, where they turn logits into probabilities
#   (section 8). In hidden layers they saturate and their slope is at most 0.25; Glorot &
#   Bengio (2010) saw sigmoid hidden layers get stuck in saturation. `tanh` is zero-centred
#   and the better of the two in a hidden layer (LeCun et al., "Efficient BackProp", 1998),
#   but it saturates too.
# - **The output activation is not a free choice**: the task decides it, together with the
#   loss (section 8).
#
# ## 4. Companion versus Keras, for every activation
#
# Each companion activation is a few lines of NumPy with its derivative right under it — read
# `companion/activations.py`. Here we compare all sixteen with Keras: the values in float64 and
# in float32, and the derivative against Keras's automatic differentiation (TensorFlow's
# `tf.GradientTape`, which notebook 03 explains, or JAX's or PyTorch's own). The inputs
# include large values (±8) where saturation and rounding show.
#
# `activation_gaps(name, x)` (in `companion.compare`) returns two numbers: the largest
# `|companion − Keras|` of the values `f(x)`, and the same for the gradient.

# %%
x64 = np.linspace(-8.0, 8.0, 41).reshape(-1, 1) * np.array([1.0, 0.5, -0.25])  # 41 rows of 3

# %% [markdown]
# The table prints each gap's order of magnitude. Those are rounding errors, and how your CPU
# rounds `exp`, `tanh` or `erf` in the last digit differs from one processor to the next, so
# your table may differ from the stored one by a digit here and there; the cell after it
# states the bounds that hold on every machine.

# %%
# NBVAL_IGNORE_OUTPUT
# Rounding errors: the last digit of each gap depends on the CPU (see the cell after).
gaps = {}
print(f"{'activation':12s} {'f float64':>10s} {'f float32':>10s} {'df float64':>11s}")
for name in CATALOGUE:
    v64, d64 = activation_gaps(name, x64)
    v32, _ = activation_gaps(name, x64.astype("float32"))
    gaps[name] = (v64, v32, d64)
    print(f"{name:12s} {v64:10.0e} {v32:10.0e} {d64:11.0e}")

# %%
worst = [max(g[i] for g in gaps.values()) for i in range(3)]
report_bound("largest gap, float64 values", worst[0], 1e-6)
report_bound("largest gap, float32 values", worst[1], 1e-4)
report_bound("largest gap, float64 derivatives", worst[2], 1e-7)
report_bound("largest gap, float64 values, all but leaky_relu and gelu", max(
    g[0] for n, g in gaps.items() if n not in ("leaky_relu", "gelu")), 1e-13)  # fmt: skip

# %% [markdown]
# Every activation agrees with Keras. In float64 most differences are at the level of the last
# digit (about 1e-16, far below 1e-13); the largest are those of **leaky_relu** and **gelu**,
# around 1e-8,
# because TensorFlow keeps their constants (the slope 0.2, gelu's coefficients) in float32
# even for float64 inputs. In float32 the differences are the size of float32 rounding
# (7 significant digits; the outputs reach 8, so about 1e-6).
#
# ## 5. Keras 3 details: a changed definition, a renamed argument, two pairs of defaults
#
# Code and tutorials written for Keras 2 (`tf.keras`) meet two changes in Keras 3, and two
# pairs of Keras functions that look alike have different defaults.
#
# **`hard_sigmoid` changed.** Keras 2 defined it as `clip(0.2·x + 0.5, 0, 1)`; Keras 3 uses
# `relu6(x + 3) / 6`, which reaches 0 and 1 at ±3 instead of ±2.5.

# %%
x_hs = np.array([-3.0, -2.5, -1.0, 0.0, 1.0, 2.5, 3.0])
print("x:               ", x_hs)
print("Keras 3:         ", to_numpy(keras.activations.hard_sigmoid(x_hs)))
print("companion:       ", activations.hard_sigmoid(x_hs))
print("Keras 2 formula: ", np.clip(0.2 * x_hs + 0.5, 0.0, 1.0))

# %% [markdown]
# The companion follows Keras 3. A model trained with Keras 2's `hard_sigmoid` gives different
# outputs under Keras 3.
#
# **`LeakyReLU(alpha=...)` is now `negative_slope`.** Keras 2 called the layer's slope
# `alpha`; Keras 3 renamed it. The old spelling still works but warns, and in a notebook the
# warning lands in a red box. We catch it to read it:

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old_spelling = keras.layers.LeakyReLU(alpha=0.1)  # the Keras 2 spelling
print("warning:", caught[0].message)
print("slope used:", old_spelling.negative_slope)
print("Keras 3 spelling:", keras.layers.LeakyReLU(negative_slope=0.1).negative_slope)

# %% [markdown]
# Write `negative_slope=` in new code; when you copy an older tutorial, rename `alpha`.
#
# **Two defaults for leaky ReLU.** The function `keras.activations.leaky_relu` has
# `negative_slope=0.2`; the layer `keras.layers.LeakyReLU` has `negative_slope=0.3`.

# %%
x_neg = np.array([-1.0, 2.0])
print("activations.leaky_relu(-1):", to_numpy(keras.activations.leaky_relu(x_neg))[0].round(4))
print("layers.LeakyReLU()(-1):    ", to_numpy(keras.layers.LeakyReLU()(x_neg))[0].round(4))
print("companion leaky_relu(-1):  ", activations.leaky_relu(x_neg)[0])

# %% [markdown]
# Writing `activation="leaky_relu"` in a `Dense` layer and adding a `LeakyReLU()` layer are
# therefore *not* the same model.
#
# **Two GELUs.** GELU is `x·Φ(x)`, with Φ the standard normal distribution function. The
# activation `keras.activations.gelu` computes it exactly by default (`approximate=False`, with
# `erf`), while the operation `keras.ops.gelu` defaults to the tanh approximation
# (`approximate=True`).

# %%
x_g = np.linspace(-4.0, 4.0, 801)
exact = to_numpy(keras.activations.gelu(x_g))
approx = to_numpy(keras.ops.gelu(x_g))
print(f"max |activations.gelu - ops.gelu| = {np.max(np.abs(exact - approx)):.1e}")
report_gap("companion gelu - activations.gelu", activations.gelu(x_g), exact, 1e-7)
report_gap("companion gelu(approximate=True) - ops.gelu", activations.gelu(x_g, approximate=True),
           approx, 1e-7)  # fmt: skip

# %% [markdown]
# The two differ by up to about 5e-4: small, but enough to break a test that compares a model's
# outputs to many digits.
#
# ## 6. Explore
#
# The explorer draws one activation and its derivative, with sliders for its parameters
# (`negative_slope`, `alpha`, `max_value`, ...) and Keras's curve on top (the printed line is
# the largest difference between the two). Things to try:
#
# - `elu` with `alpha` from 0.05 to 3: what happens to the curve and the derivative below 0?
# - `relu` with `max_value` and `threshold`: which familiar function do you get with
#   `max_value = 6`?
# - `gelu` with and without `approximate`: can you see the difference at all?
#
# (The sliders need a running kernel; a static view of the notebook does not show the widget.)

# %%
explorer = widgets.activation_explorer("elu")
explorer

# %% [markdown]
# ## 7. Numerical stability: when the formula on paper overflows
#
# `exp(710)` is already larger than the largest float64 (about 1.8e308), and `exp(89)` overflows
# float32. Formulas with `exp` therefore need care when their inputs are large — and logits of
# a few hundred do occur in a badly scaled network.
#
# **Softmax of large logits.** The textbook formula `exp(zᵢ) / Σⱼ exp(zⱼ)` on logits
# `[1000, 1001, 1002]` computes `inf / inf`. (We run the naive versions inside `np.errstate` to
# keep NumPy's overflow warnings quiet; they would say the same thing.)

# %%
z_big = np.array([1000.0, 1001.0, 1002.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(z_big) / np.exp(z_big).sum()
shifted = np.exp(z_big - z_big.max())
print("naive:               ", naive)
print("stable (minus max):  ", shifted / shifted.sum())
print("companion softmax:   ", activations.softmax(z_big))
print("keras softmax:       ", to_numpy(keras.activations.softmax(z_big)))

# %% [markdown]
# Since `softmax(z) = softmax(z − c)` for any constant `c`, subtracting the largest logit
# changes nothing mathematically, but every exponent becomes ≤ 0 and `exp` stays in (0, 1].
# Keras and the companion both do this; the probabilities `[0.09, 0.24, 0.67]` are those of
# `[0, 1, 2]`.
#
# **Sigmoid of ±1000.** The two textbook forms `1 / (1 + e⁻ˣ)` and `eˣ / (1 + eˣ)` are equal on
# paper. The first overflows for very negative `x` (and happens to give the right limit, 0); the
# second gives `inf / inf = nan` for very positive `x`:

# %%
x_ext = np.array([-1000.0, 0.0, 1000.0])
with np.errstate(over="ignore", invalid="ignore"):
    form_a = 1.0 / (1.0 + np.exp(-x_ext))
    form_b = np.exp(x_ext) / (1.0 + np.exp(x_ext))
print("1 / (1 + exp(-x)):   ", form_a)
print("exp(x) / (1 + exp(x)):", form_b)
print("companion sigmoid:   ", activations.sigmoid(x_ext))
print("keras sigmoid:       ", to_numpy(keras.activations.sigmoid(x_ext)))

# %% [markdown]
# The stable implementation computes `e = exp(−|x|)`, which never overflows, and uses `1 / (1 + e)`
# for `x ≥ 0` and `e / (1 + e)` for `x < 0` — the same function, split so that each branch is
# safe. (Exercise 2 asks you to find such a split for softplus.)
#
# **Logarithms of probabilities.** Losses need `log(p)`. Taking the log *after* the sigmoid
# or softmax fails as soon as the probability rounds to 0, even though the true value is a
# perfectly ordinary number:

# %%
with np.errstate(divide="ignore"):
    log_of_sigmoid = np.log(activations.sigmoid(np.array([-1000.0])))
    log_of_softmax = np.log(activations.softmax(np.array([0.0, 1000.0])))
print("log(sigmoid(-1000)):    ", log_of_sigmoid)
print("log_sigmoid(-1000):     ", activations.log_sigmoid(np.array([-1000.0])))
print("log(softmax([0, 1000])):", log_of_softmax)
print("log_softmax([0, 1000]): ", activations.log_softmax(np.array([0.0, 1000.0])))

# %% [markdown]
# `log_sigmoid` and `log_softmax` compute the logarithm directly from the logits (the
# log-sum-exp trick) and stay finite: −1000 is the right answer. This is exactly why Keras's
# losses accept logits.
#
# ## 8. Choosing the output activation together with its loss
#
# Hidden layers are free to use any activation; the **output** layer's activation is decided by
# what the target is, and it must match the loss:
#
# | task | output layer | loss |
# |---|---|---|
# | regression (a real number) | 1 unit, `linear` | `mean_squared_error` or `mean_absolute_error` |
# | binary classification | 1 unit, `sigmoid` | `binary_crossentropy` |
# | one of k classes | k units, `softmax` | `sparse_categorical_crossentropy` (labels 0…k−1) |
# | one of k, one-hot labels | k units, `softmax` | `categorical_crossentropy` |
# | several of k labels at once | k units, `sigmoid` | `binary_crossentropy` |
#
# (A *one-hot* label is a row of k numbers, 1 at the true class and 0 elsewhere.)
#
# **`from_logits=True`.** Every cross-entropy loss in Keras has a `from_logits` argument. With
# `from_logits=False` (the default) it expects probabilities, i.e. an output layer with sigmoid
# or softmax. With `from_logits=True` it expects the raw scores `z` (a `linear` output layer)
# and applies the sigmoid or softmax itself, in the stable log form we just saw. On ordinary
# numbers the two give the same loss:

# %%
logits = np.array([[2.0, 1.0, 0.1, -1.0], [0.5, 2.5, -1.0, 0.0], [1.0, 1.0, 1.0, 3.0]], "float32")
labels = np.array([0, 1, 3])
probs = to_numpy(keras.activations.softmax(logits))

keras_scce = keras.losses.SparseCategoricalCrossentropy
ours_scce = losses.SparseCategoricalCrossentropy
k_logits = float(keras_scce(from_logits=True)(labels, logits))
k_probs = float(keras_scce()(labels, probs))
o_logits = ours_scce(from_logits=True)(labels, logits)
o_probs = ours_scce()(labels, probs)
print(f"keras:     from logits {k_logits:.5f}   from probabilities {k_probs:.5f}")
print(f"companion: from logits {o_logits:.5f}   from probabilities {o_probs:.5f}")

# %% [markdown]
# Four times the same loss. The difference shows when a prediction is confidently
# wrong. Keras clips probabilities to `[1e-7, 1 − 1e-7]` before taking the log (otherwise
# `log(0)` would be `-inf`), so from probabilities no sample can cost more than
# `−log(1e-7) = 16.1`. From the logits there is no clipping:

# %%
confident_wrong = np.array([[0.0, 40.0]], "float32")  # the model is sure of class 1; truth is 0
truth = np.array([0])
p_wrong = to_numpy(keras.activations.softmax(confident_wrong))
print("probability of the true class:", p_wrong[0, 0])
wrong_k_logits = float(keras_scce(from_logits=True)(truth, confident_wrong))
wrong_k_probs = float(keras_scce()(truth, p_wrong))
wrong_o_logits = ours_scce(from_logits=True)(truth, confident_wrong)
wrong_o_probs = ours_scce()(truth, p_wrong)
print(f"keras:     from logits {wrong_k_logits:.4f}   from probabilities {wrong_k_probs:.4f}")
print(f"companion: from logits {wrong_o_logits:.4f}   from probabilities {wrong_o_probs:.4f}")

# %% [markdown]
# The true loss is 40; from clipped probabilities it is 16.1, and its gradient is zero (the clip
# is flat), so training gets no signal to correct this sample. That is why many practitioners
# end their classifiers with a linear layer and use `from_logits=True`. (On the TensorFlow
# backend, Keras hides the problem most of the time: a tensor made by Keras's `softmax` or
# `sigmoid` carries its logits along, and the cross-entropy losses use them, in `fit`,
# `evaluate` and a hand-written `GradientTape` loop alike. The clipping hits probabilities that
# arrive as plain arrays, like `p_wrong` here or the output of `predict`, and every
# probability on the JAX and PyTorch backends.)
#
# **The pitfall: softmax twice.** If the model already ends in softmax *and* the loss says
# `from_logits=True`, the loss applies a second softmax to the probabilities. No error is
# raised; the numbers are just wrong:

# %%
twice = float(keras_scce(from_logits=True)(labels, probs))  # probs already went through softmax
print(f"correct loss {k_probs:.4f}   softmax applied twice {twice:.4f}")
one_hot_perfect = np.eye(10)[:1]  # a perfect prediction over 10 classes
best_possible = -np.log(activations.softmax(one_hot_perfect)[0, 0])
print(f"10 classes, perfect prediction, softmax twice: loss {best_possible:.3f} (should be 0)")

# %% [markdown]
# Softmax of numbers between 0 and 1 can never be confident: with 10 classes the second softmax
# gives the right class at most `e / (e + 9) = 0.23`, so the loss can never fall below 1.46
# however well the model does. The model still trains, slowly and badly — a silent bug. On the
# TensorFlow backend Keras catches the case where the probabilities come straight from its own
# softmax: it uses the logits they carry and warns instead. Watch:

# %%
probs_tensor = keras.activations.softmax(logits)  # a tensor that remembers its logits
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    rescued = float(keras_scce(from_logits=True)(labels, probs_tensor))
print(f"from_logits=True on Keras's own softmax tensor: {rescued:.4f} (correct: {k_probs:.4f})")
print("Keras warned about from_logits:", any("from_logits" in str(w.message) for w in caught))

# %% [markdown]
# Right loss, and a `UserWarning` ("received `from_logits=True`, but the `output` argument was
# produced by a Softmax activation"). Take that warning as the bug report it is: the rescue
# does not happen for plain arrays or on the other backends. Match `from_logits` to what your
# output layer produces.
#
# ## 9. Two myths
#
# **"The activation function updates the weights."** You will read this in tutorials, but an
# activation has no parameters and changes nothing: it transforms the *values* flowing
# forward. Weights change only when an **optimizer** applies gradients; the activation's role
# is that its derivative appears inside those gradients, where it decides *which* weights get
# a gradient at all. We check both halves on a relu layer of 3 units, 4 samples of 5 features;
# unit 2 gets a bias of −5, so it is off for every sample. First, a forward pass:


# %%
def changed(before, layer):
    return any(not np.array_equal(b, a) for b, a in zip(before, layer.get_weights()))


keras.utils.set_random_seed(0)
layer = keras.layers.Dense(3, activation="relu")
x_in = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
layer.build(x_in.shape)
layer.set_weights([layer.get_weights()[0], np.array([0.0, 0.0, -5.0], "float32")])
before = [w.copy() for w in layer.get_weights()]
_ = layer(x_in)  # a forward pass through relu
print("weights changed by a forward pass:", changed(before, layer))

# %% [markdown]
# Nothing moved. Now the gradient of the loss `mean(y²)` with respect to the kernel, computed
# with the companion's `backward` (notebook 03 derives it: `dW = xᵀ @ (grad_out ⊙ relu′(z))`),
# and one step of SGD (stochastic gradient descent: each weight `w` becomes
# `w − learning_rate · gradient`) with Keras's optimizer. `relu′(z)` is 1 where a unit is on
# and 0 where it is off, so a sample adds to column `j` of the gradient only if unit `j` was
# on for it:

# %%
twin = layers.Dense(3, activation="relu", dtype="float64")
twin.build((None, 5))
twin.set_weights(before)
y = twin(x_in.astype("float64"))
twin.backward(2 * y / y.size)  # the gradient of mean(y**2) with respect to y
d_kernel, d_bias = twin.grads
on = (x_in.astype("float64") @ before[0] + before[1] > 0).astype(int)
print("relu'(z), one row per sample, one column per unit:\n", on)
print("gradient of the kernel (5 inputs x 3 units):\n", d_kernel.round(3) + 0.0)
sgd = keras.optimizers.SGD(learning_rate=0.1)
step = [keras.ops.convert_to_tensor(g.astype("float32")) for g in (d_kernel, d_bias)]
sgd.apply_gradients(zip(step, layer.weights))  # the gradients as the backend's tensors
moved = (layer.get_weights()[0] != before[0]).astype(int)
print("kernel entries moved by one SGD step:\n", moved)

# %% [markdown]
# Unit 2 was off for all four samples: relu's derivative is 0 there, so its whole column of the
# gradient is exactly 0 and the optimizer left its five weights untouched; the columns of the
# units that were on for some sample moved. The activation did not adjust any weight; its
# derivative decided which weights the optimizer could adjust. (A unit that is off for every
# input never learns again: notebook 07's *dead ReLU*.)
#
# **"More layers are always better."** Depth helps only when the network can be trained and
# when the data supports it. Going back through each sigmoid layer, the activation's share of
# the backward signal, `f′(z)`, is at most 0.25; the weights (`Wᵀ`) then scale it further, up
# or down. So the sigmoids alone take a factor of up to `0.25^L` out of the gradient in `L`
# layers, and the weights would have to grow by 4 per layer to make up for it, which pushes
# `z` into saturation, where `f′` is far below 0.25 (the figure in section 3):

# %%
for depth in [1, 5, 10, 20]:
    print(f"{depth:2d} sigmoid layers: the activations' share at most {0.25**depth:.1e}")

# %% [markdown]
# Through twenty sigmoid layers the activations alone scale the gradient down by a factor of
# a trillion or more; unless the weights make up for it, the first layers then barely learn.
# Even with well-behaved activations, a deeper network has more parameters to overfit with.
# Notebook 07 measures vanishing and exploding gradients layer by layer, and
# notebook 08 shows what extra capacity does on a small training set.
#
# ## Exercises
#
# ### Exercise 1 — a derivative by hand
#
# `silu(x) = x · sigmoid(x)` (also called swish) is a smooth rectifier used in many recent
# networks. Write `silu_derivative(x)`, its derivative, elementwise for a NumPy array `x`.
# Use `sigmoid'(x) = sigmoid(x)·(1 − sigmoid(x))`. (You can compare your result with the
# companion's `activations.silu.derivative(x)` yourself.)


# %% tags=["exercise", "q1"]
def silu_derivative(x):
    return ...  # your code here


# %%
ex.q1.check(silu_derivative)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — a softplus that survives large inputs
#
# `softplus(x) = log(1 + exp(x))` is a smooth relu. Its textbook formula overflows: `exp(1000)`
# is `inf` in float64. Write `stable_softplus(x)`, elementwise for a NumPy array, that returns
# finite, correct values for `x = 1000` (the answer is 1000) and `x = −1000` (the answer is
# about 0) without NumPy warning about an overflow. Section 7 showed the tricks for softmax
# and sigmoid; here you find the one for softplus.


# %% tags=["exercise", "q2"]
def stable_softplus(x):
    return ...  # your code here


# %%
ex.q2.check(stable_softplus)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — predict, then run: how much does tanh pass back?
#
# A tanh unit receives the pre-activation `z = 2` (`tanh(2) = 0.964`). Going back through it,
# the gradient is multiplied by one factor. **Before running anything**, work out that factor
# with pen and paper (`tanh′(z) = 1 − tanh(z)²`), write your estimate below (two significant
# digits are enough), check it, and only then run the cell after the check.

# %% tags=["exercise", "q3"]
tanh_slope_at_2 = ...  # your estimate, a number

# %%
ex.q3.check(tanh_slope_at_2)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# Once the check says *Correct!*, remove the `#` in the next cell and run it: the companion's
# derivative of tanh at 0, 2 and 4. (It is commented out so that the stored notebook does not
# show the answer before you have made your prediction.) How fast does the slope fall as `z`
# grows, and what does that mean for a tanh layer whose inputs are large?

# %%
# print("tanh'(z) at z = 0, 2, 4:", activations.tanh.derivative(np.array([0.0, 2.0, 4.0])))

# %% [markdown]
# ### Exercise 4 — output activation and loss
#
# For each task in `ex.TASKS` (printed below), choose the output layer's activation (one of
# `"linear"`, `"relu"`, `"sigmoid"`, `"tanh"`, `"softmax"`) and the loss (one of
# `"mean_squared_error"`, `"binary_crossentropy"`, `"categorical_crossentropy"`,
# `"sparse_categorical_crossentropy"`), assuming the loss reads probabilities
# (`from_logits=False`).

# %%
for task, description in ex.TASKS.items():
    print(f"{task:12s} {description}")

# %% tags=["exercise", "q4"]
choices = {
    "temperature": (..., ...),  # (activation, loss)
    "spam": (..., ...),
    "garment": (..., ...),
    "tags": (..., ...),
}

# %%
ex.q4.check(choices)
# ex.q4.hint()
# ex.q4.solution()

# %% [markdown]
# ## Key points
#
# - Activations break the linearity of stacked layers. Rectifiers (relu and its variants) pass
#   gradients with derivative 1 (selu: 1.05) for positive inputs; squashing functions
#   (sigmoid, tanh) saturate, and the sigmoid's derivative is at most 0.25.
# - One hidden layer of any non-polynomial activation can approximate any continuous function
#   (the universal approximation theorem), given enough units; linear layers cannot.
# - A logit is a raw score; softmax or sigmoid turns logits into probabilities; the
#   cross-entropy loss is `−log p_true`, averaged over the samples.
# - By default: relu (or its family) in hidden layers; sigmoid or softmax only at the output.
#   An activation's maximum slope bounds only its own share of the backward signal; where the
#   inputs land (saturation) and the weights decide the rest.
# - The companion's activations equal Keras's (float64 to ~1e-16, or ~1e-8 where TensorFlow
#   keeps constants in float32), and their derivatives equal `tf.GradientTape`'s.
# - Keras 3 details: `hard_sigmoid` is `relu6(x + 3) / 6`; `LeakyReLU(alpha=)` is now
#   `negative_slope=`; `leaky_relu`'s default slope is 0.2 but the `LeakyReLU` layer's is
#   0.3; `activations.gelu` is exact, `ops.gelu` approximate.
# - Stable formulas subtract the maximum (softmax), use `exp(−|x|)` (sigmoid) and compute logs
#   directly from logits (`log_softmax`, `log_sigmoid`, `from_logits=True`).
# - Choose the output activation with the loss; never apply softmax twice.
# - An activation never changes weights (the optimizer does); its derivative decides which
#   weights get a gradient (relu: none for a unit that is off). More layers are not
#   automatically better.
