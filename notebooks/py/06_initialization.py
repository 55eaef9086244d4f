# %% [markdown]
# # 06 · Pitfall: initialization
#
# **Questions**
#
# - Why can a network not start with all its weights equal, for instance all zeros?
# - What goes wrong in a deep network when the initial weights are too small or too large?
# - Where do the Glorot, He and LeCun initializers come from, and which one goes with which
#   activation?
# - What do Keras's initializers compute exactly, and what does `Dense` use by default?
#
# **Objectives** — after this notebook you will be able to:
#
# - show with numbers that a constant initialization keeps all units of a layer identical, and
#   explain why (identical gradients);
# - measure per-layer activation statistics of a 32-layer network and recognise a signal that
#   vanishes, explodes or saturates;
# - derive the LeCun, Glorot and He scales from the rule "keep the variance from layer to
#   layer", including ReLU's factor 2;
# - check the companion's initializers against Keras's: the formula constants exactly, the
#   samples statistically;
# - choose the initializer that suits an activation, in Keras and in the companion.
#
# **Prerequisites**: notebook 02 (activation functions: tanh, relu, selu), notebook 03
# (backpropagation through a dense layer), notebook 05 (`compile` and `fit`); variance of a sum
# of independent random variables.
#
# **Time**: teaching 35 min · exercises 25 min · investigation 10 min (exercise 5:
# for fast groups or homework)

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

from companion import data, diagnostics, initializers, layers, models, optimizers, plots, widgets
from companion.exercises import nb06 as ex
from companion.utils import format_table

# %% [markdown]
# ## 1. The starting point matters
#
# Training changes weights a little at a time, starting from the values they were given when
# the layer was built. Those starting values are the job of an **initializer**: `Dense` calls
# its `kernel_initializer` with the kernel's shape `(fan_in, fan_out)`, the number of inputs and
# of units, and its `bias_initializer` with the shape `(fan_out,)`.
#
# A bad start shows up in two ways. It can make the units of a layer **interchangeable**, so
# that a layer of 8 units behaves like a layer of 1 forever (section 2). Or it can give the
# weights the wrong **size**, so that the signal shrinks to nothing or blows up as it passes
# through many layers (section 3). The cure for both is the same few lines of arithmetic about
# variances (section 4), which Keras's initializers implement (section 5) and which we test on
# a 32-layer network (sections 6 and 7).
#
# ## 2. Symmetry: a constant initialization keeps units identical
#
# Our test problem: two concentric circles, a task that a single straight boundary cannot
# solve, with one hidden layer of 8 tanh units and a sigmoid output. We train three copies that
# differ only in how their kernels start: every weight 0.5 (`Constant(0.5)`), every weight 0
# (`"zeros"`, a tempting default), and Keras's default `"glorot_uniform"`. The companion models
# compute in float64 here, so that the printed numbers repeat exactly on any computer.

# %%
X, labels = data.circles(400, noise=0.1, seed=0)
y = labels.reshape(-1, 1).astype("float64")  # one column of 0/1 targets for the sigmoid


def small_net(kernel_initializer):
    """Dense(8, tanh) -> Dense(1, sigmoid), both kernels from `kernel_initializer`."""
    options = dict(kernel_initializer=kernel_initializer, dtype="float64")
    return models.Sequential(
        [layers.Dense(8, "tanh", seed=0, **options), layers.Dense(1, "sigmoid", seed=1, **options)]
    )


def column_spread(kernel):
    """Largest difference between any unit's weight column and the first unit's."""
    return float(np.max(np.abs(kernel - kernel[:, :1])))


# %% [markdown]
# Each model trains for 100 epochs with plain SGD. We then measure how different the hidden
# units have become: the largest difference between any column of the hidden kernel (one column
# per unit) and the first column.

# %%
nets, rows = {}, []
for label, init in [
    ("Constant(0.5)", initializers.Constant(0.5)),
    ("zeros", "zeros"),
    ("glorot_uniform", "glorot_uniform"),
]:
    net = small_net(init)
    net.compile(optimizers.SGD(learning_rate=0.5), "binary_crossentropy", metrics=["accuracy"])
    history = net.fit(X, y, epochs=100, batch_size=32, seed=0)
    nets[label] = net
    rows.append(
        {
            "kernels start as": label,
            "training accuracy": history.history["accuracy"][-1],
            "max column difference, hidden kernel": column_spread(net.layers[0].kernel),
        }
    )
print(format_table(rows, floatfmt=".3g"))

# %% [markdown]
# With a constant start the 8 hidden units are still **exactly** identical after 100 epochs
# (a difference of exactly 0, not merely a small one), and the network is no better than a
# coin flip. With Glorot's random start, the units have moved apart and the network solves the
# task. The trained constant-start kernel shows it: 8 copies of one column.

# %%
print("hidden kernel after training, Constant(0.5) start:")
print(nets["Constant(0.5)"].layers[0].kernel.round(4))
zeros_kernel = nets["zeros"].layers[0].kernel
print("max |hidden kernel| after training, zeros start:", np.abs(zeros_kernel).max())

# %% [markdown]
# **Why.** If every unit of a layer has the same incoming weights, every unit computes the same
# output; if every unit also has the same outgoing weights, every unit receives the same error
# signal in backpropagation, so every unit's weights get the **same gradient** and remain equal
# after the update. Nothing in the computation can tell the units apart, so they stay clones at
# every step: 8 units do the work of one. With all zeros it is even worse for tanh: the hidden
# outputs are `tanh(0) = 0`, so the output kernel's gradient `hᵀ·δ` is 0, and the error sent
# back, `δ·W₂ᵀ`, is 0 too. Only the output bias ever changes.
#
# We can watch the identical gradients directly: the gradient of the loss for the hidden
# kernel of a fresh constant-start network, computed by the companion's backward pass.

# %%
fresh = small_net(initializers.Constant(0.5))
grads = diagnostics.weight_gradients(fresh, X, y, loss="binary_crossentropy")
_, _, _, grad = grads[0]  # (layer name, weight name, weight, gradient) of the hidden kernel
print(f"gradient of the loss for the hidden kernel, shape {grad.shape}:")
print(grad.round(6))
print("max column difference of the gradient:", column_spread(grad))

# %% [markdown]
# Eight identical columns: one gradient, copied. The pictures tell the same story. On the
# left, the constant start; on the right, Glorot's random start.

# %%
fig, axes = plots.new_figure(1, 2, figsize=(9, 3.4))
for ax, (label, title) in zip(axes, [("Constant(0.5)", "8 clones"), ("glorot_uniform", "8 units")]):
    plots.decision_surface(nets[label], X, labels, ax=ax, resolution=60, title=f"{label}: {title}")
fig

# %% [markdown]
# *Figure:* two decision surfaces over the circles data: on the left, the 8 clone units of the
# Constant(0.5) start draw one straight boundary across both rings; on the right, Glorot's 8
# units draw a closed curve around the inner ring.
#
# Eight identical tanh units add up to one tanh unit, and one unit can only draw one straight
# boundary, useless for circles. The random start gives 8 different units, whose boundaries
# combine into a closed curve around the inner circle.
#
# Keras behaves the same way, of course: the same network with `Constant(0.5)` kernels, trained
# with Keras's own `fit`.

# %%
keras.utils.set_random_seed(0)
same = keras.initializers.Constant(0.5)
keras_net = keras.Sequential(
    [
        keras.Input(shape=(2,)),
        keras.layers.Dense(8, activation="tanh", kernel_initializer=same),
        keras.layers.Dense(1, activation="sigmoid", kernel_initializer=same),
    ]
)
keras_net.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy")
keras_net.fit(X, y, epochs=20, batch_size=32, verbose=0)
hidden, output = keras_net.layers[0].kernel.numpy(), keras_net.layers[1].kernel.numpy()
print("Keras, max column difference of the hidden kernel:", column_spread(hidden))
print("Keras, max row difference of the output kernel:  ", column_spread(output.T))

# %% [markdown]
# Again exactly `0.0`, after 20 epochs of Keras training. The lesson: **weights must start
# different**, and the usual way to make them different is to draw them at random. Biases are
# another matter: once the kernel is random the units already differ, so biases can start at 0
# (section 8).
#
# ## 3. Scale: too small and too large
#
# Random weights break the symmetry, but how large should they be? Let us try two scales on a
# deep network: **32 Dense layers of 256 units**, fed a batch of 256 samples of standard-normal
# inputs. The companion's `diagnostics.activation_stats` measures, for every layer, the mean and
# standard deviation of its outputs, and for tanh the percentage of **saturated** outputs
# (`|a| > 0.97`, where tanh's derivative is below 0.06). The deep models also compute in
# float64, so that the tiny and huge numbers below repeat exactly.

# %%
WIDTH, DEPTH = 256, 32
x_deep = np.random.default_rng(0).standard_normal((256, WIDTH))  # mean 0, std 1


def deep_model(kernel_initializer, activation, depth=DEPTH, seed=1):
    """`depth` Dense layers of WIDTH units with the same activation and initializer."""
    rng = np.random.default_rng(seed)  # one generator: every layer gets different weights
    return models.Sequential(
        [
            layers.Dense(WIDTH, activation, kernel_initializer=kernel_initializer, seed=rng,
                         dtype="float64", name=f"layer{i + 1}")
            for i in range(depth)
        ]
    )  # fmt: skip


small = initializers.RandomNormal(stddev=0.01)  # N(0, 0.01²)
large = initializers.RandomNormal(stddev=1.0)  # N(0, 1)

# %%
histograms = lambda model: diagnostics.activation_histograms(model, x_deep, value_range=(-1, 1))
tanh_small = histograms(deep_model(small, "tanh"))
tanh_large = histograms(deep_model(large, "tanh"))
relu_small = diagnostics.activation_stats(deep_model(small, "relu"), x_deep)
relu_large = diagnostics.activation_stats(deep_model(large, "relu"), x_deep)
rows = [
    {
        "layer": i,
        "tanh std, N(0,0.01²)": tanh_small[i - 1]["std"],
        "relu std, N(0,0.01²)": relu_small[i - 1]["std"],
        "tanh std, N(0,1)": tanh_large[i - 1]["std"],
        "tanh saturated %, N(0,1)": tanh_large[i - 1]["saturated_pct"],
        "relu std, N(0,1)": relu_large[i - 1]["std"],
    }
    for i in (1, 2, 3, 4, 8, 16, 32)
]
print(format_table(rows, floatfmt=".3g"))

# %% [markdown]
# Both scales fail, in opposite directions:
#
# - **Too small** (`stddev=0.01`): each layer multiplies the spread of the signal by about
#   `√256 · 0.01 = 0.16` (we derive this factor in section 4), so after 8 layers the tanh
#   network's outputs are around 4e-07 and after 32 layers around 3e-26: the input has been
#   forgotten. ReLU, which zeroes half its inputs, shrinks even faster. Backpropagation sends
#   the error back through the same small weights, so the gradients vanish the same way.
# - **Too large** (`stddev=1.0`): each layer multiplies by about `√256 · 1 = 16`. Tanh cannot
#   grow past ±1, so almost 90 % of its outputs sit in the flat tails from the first layer on,
#   where the derivative is nearly 0 and learning stalls. ReLU does not saturate: its outputs
#   explode, 4e+33 at layer 32.
#
# The histograms show the shapes (note the log scale on the left):

# %%
fig, axes = plots.new_figure(1, 2, figsize=(10, 3.4))
plots.histograms_by_layer(tanh_small[:3], ax=axes[0], title="tanh, N(0, 0.01²): shrinks to 0")
axes[0].set_yscale("log")
plots.histograms_by_layer(
    [tanh_large[i - 1] for i in (1, 8, 32)], ax=axes[1], title="tanh, N(0, 1): saturates at ±1"
)
fig

# %% [markdown]
# *Figure:* histograms of tanh outputs: on the left (log density), layers 1, 2 and 3 of the
# N(0, 0.01²) network, each a narrower spike around 0; on the right, layers 1, 8 and 32 of the
# N(0, 1) network, one U shape with its mass at -1 and +1, the same at every depth.
#
# On the left, each layer's distribution is a narrower spike around 0 than the one before. On
# the right, the distribution is U-shaped at every depth: most outputs are pinned near -1 or
# +1, with the same histogram at layers 1, 8 and 32.
#
# ## 4. Keeping the variance: LeCun, Glorot and He
#
# The right scale follows from one requirement: **the spread of the signal should stay the
# same from layer to layer**, forward (activations) and backward (gradients).
#
# **One layer, forward.** A unit computes `y = w₁x₁ + … + wₙxₙ` with `n = fan_in` inputs. If the
# weights and inputs are independent with mean 0, the variance of a sum of independent terms is
# the sum of their variances, and `Var(wᵢxᵢ) = Var(wᵢ)·Var(xᵢ)`, so
#
# `Var(y) = fan_in · Var(w) · Var(x)`.
#
# For `Var(y) = Var(x)` we need `Var(w) = 1 / fan_in`. This is **LeCun** initialization (LeCun
# et al., "Efficient BackProp", 1998). It also explains section 3: with `stddev = 0.01` each
# layer multiplies the variance by `256 · 0.01² = 0.0256`, the standard deviation by 0.16.
#
# **Backward.** Backpropagation computes `dx = dy · Wᵀ`: each input's gradient is a sum over
# the `fan_out` units it feeds, so `Var(dx) = fan_out · Var(w) · Var(dy)`, which asks for
# `Var(w) = 1 / fan_out`. Both conditions hold only when `fan_in = fan_out`; **Glorot and Bengio
# (2010)** take the compromise, the average of the two fans:
#
# `Var(w) = 2 / (fan_in + fan_out)`.
#
# **ReLU.** The derivation assumed the activation leaves the variance alone, as tanh does near
# 0 (slope 1). ReLU sets the negative half of its inputs to zero: for a symmetric input `y`,
# `E[relu(y)²] = Var(y) / 2`. Every ReLU layer therefore halves what the next layer receives.
# **He et al. (2015)** compensate with a factor 2:
#
# `Var(w) = 2 / fan_in`.
#
# (For ReLU the quantity that is kept is the second moment `E[x²]` of the layer's inputs, as
# ReLU outputs are not centred; He et al.'s derivation tracks exactly that.)
#
# **From a variance to a distribution.** A uniform `U(-a, a)` has variance `a² / 3`, so the
# limit is `a = √(3 · Var(w))`; Glorot uniform's limit is `√(6 / (fan_in + fan_out))`. A
# normal has `stddev = √Var(w)`; Keras draws from a normal **truncated** at ±2 standard
# deviations (values further out are redrawn), which has a smaller spread, and divides by
# 0.8796, the standard deviation of a standard normal truncated at ±2, to keep the variance.
#
# Two lines check the two facts the derivation rests on:

# %%
rng = np.random.default_rng(0)
n = 256
x_in = rng.standard_normal((4000, n))  # Var(x) = 1
w = rng.normal(0.0, 0.1, size=(n, 256))  # Var(w) = 0.01
y_out = x_in @ w
print(f"Var(y):       measured {y_out.var():.3f}, predicted n·Var(w)·Var(x) = {n * 0.01:.3f}")
second_moment = np.mean(np.maximum(y_out, 0.0) ** 2)
print(f"E[relu(y)²]: measured {second_moment:.3f}, predicted Var(y) / 2 = {y_out.var() / 2:.3f}")

# %% [markdown]
# Both hold to sampling precision. Keras implements the whole family with one class,
# `VarianceScaling(scale, mode, distribution)`: the weights get variance `scale / n`, where `n`
# is `fan_in`, `fan_out` or their average (`mode`), drawn uniform or truncated normal
# (`distribution`). The named initializers are just settings of it:
#
# | initializers (uniform, truncated normal) | scale | mode | Var(w) |
# |---|---|---|---|
# | `glorot_uniform`, `glorot_normal` | 1 | `fan_avg` | 2 / (fan_in + fan_out) |
# | `he_uniform`, `he_normal` | 2 | `fan_in` | 2 / fan_in |
# | `lecun_uniform`, `lecun_normal` | 1 | `fan_in` | 1 / fan_in |
#
# ## 5. The companion's initializers against Keras's (optional)
#
# *This section verifies the library rather than teaching a new idea: skip to section 6 if
# time is short.*
#
# `companion.initializers` has the same names and formulas (read `companion/initializers.py`).
# The **deterministic** initializers must give identical arrays:

# %%
for name, ours, theirs in [
    ("zeros", initializers.Zeros(), keras.initializers.Zeros()),
    ("ones", initializers.Ones(), keras.initializers.Ones()),
    ("Constant(0.3)", initializers.Constant(0.3), keras.initializers.Constant(0.3)),
]:
    a, b = ours((3, 4)), keras.ops.convert_to_numpy(theirs((3, 4)))
    print(f"{name:14s} identical arrays: {np.array_equal(a, b)}, dtypes {a.dtype} and {b.dtype}")

# %% [markdown]
# The **random** ones cannot give the same numbers: NumPy and TensorFlow use different random
# generators. What must be identical is the **formula**: the same `scale`, `mode` and
# `distribution`, and the same constant (limit or standard deviation) for a given shape. We use
# the shape `(784, 256)`, the first layer of a Fashion-MNIST network, where `fan_in ≠ fan_out`
# so that the three families differ.

# %%
SHAPE = (784, 256)
VS_NAMES = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
            "lecun_uniform", "lecun_normal"]  # fmt: skip
FORMULA = {
    "glorot_uniform": "limit = sqrt(6 / (fan_in + fan_out))",
    "glorot_normal": "stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796",
    "he_uniform": "limit = sqrt(6 / fan_in)",
    "he_normal": "stddev = sqrt(2 / fan_in) / 0.8796",
    "lecun_uniform": "limit = sqrt(3 / fan_in)",
    "lecun_normal": "stddev = sqrt(1 / fan_in) / 0.8796",
}
rows = []
for name in VS_NAMES:
    ours, theirs = initializers.get(name), keras.initializers.get(name)
    settings = (ours.scale, ours.mode, ours.distribution)
    constant = ours.limit(SHAPE) if ours.distribution == "uniform" else ours.stddev(SHAPE)
    rows.append(
        {
            "initializer": name,
            "companion (scale, mode, distribution)": settings,
            "same in Keras": settings == (theirs.scale, theirs.mode, theirs.distribution),
            "constant": FORMULA[name],
            "value": f"{constant:.6f}",
        }
    )
print(format_table(rows))

# %% [markdown]
# The settings match Keras's objects attribute for attribute. To check that Keras really uses
# the companion's constant, we hand that constant to Keras's own random sampler, with the
# seed that Keras's initializer uses (`seed=0`): if the constant is the same, the sampler must
# return Keras's initializer's draw **bit for bit**.


# %%
def keras_sampler_with(ours, shape):
    """Keras's random sampler, given the companion's constant, seed 0, float64."""
    if ours.distribution == "uniform":
        lim = ours.limit(shape)
        return keras.random.uniform(shape, minval=-lim, maxval=lim, seed=0, dtype="float64")
    return keras.random.truncated_normal(shape, stddev=ours.stddev(shape), seed=0, dtype="float64")


for name in VS_NAMES:
    ours = initializers.get(name)
    keras_init = getattr(keras.initializers, type(ours).__name__)(seed=0)  # e.g. GlorotUniform
    same = np.array_equal(keras_init(SHAPE, dtype="float64"), keras_sampler_with(ours, SHAPE))
    print(f"{name:15s} Keras's draw reproduced bit for bit from the companion's constant: {same}")

# %% [markdown]
# All six are reproduced exactly. (For the normal ones this pins the standard deviation to the
# last bit of a float64; Keras passes the uniform limits through float32 on their way to
# TensorFlow, so there the check is as sharp as float32, seven digits.)
#
# The **samples** are compared statistically: a large draw (200,704 weights) from each
# library should have the theoretical standard deviation `√Var(w)` (to about 0.2 %, the
# sampling error of so many draws), a mean near 0, and no value beyond the limit.

# %%
rows = []
for k, name in enumerate(VS_NAMES):
    ours = initializers.get(name)
    a = ours(SHAPE, seed=k, dtype="float64")
    b = keras.ops.convert_to_numpy(getattr(keras.initializers, type(ours).__name__)(seed=k)(SHAPE))
    rows.append(
        {
            "initializer": name,
            "theory std": np.sqrt(ours.variance(SHAPE)),
            "companion std": a.std(),
            "Keras std": b.std(),
            "companion mean": f"{a.mean():+.1e}",
            "Keras mean": f"{b.mean():+.1e}",
            "limit": ours.limit(SHAPE),
            "companion max|w|": np.abs(a).max(),
            "Keras max|w|": np.abs(b).max(),
        }
    )
print(format_table(rows, floatfmt=".4g"))
close = [
    abs(r[who] / r["theory std"] - 1) < 0.005
    for r in rows
    for who in ("companion std", "Keras std")
]
print("every sample std within 0.5 % of the theory:", all(close))

# %% [markdown]
# Both libraries' samples have the theoretical standard deviation (within the sampling error),
# a mean of about 1e-04 (the sampling error of a mean of 200,704 values of this size), and no
# value beyond the limit (for the truncated normals the limit is twice the standard deviation
# the normal is drawn with, i.e. after the division by 0.8796). Histograms of two of them, the
# companion's and Keras's on top of each other:

# %%
fig, axes = plots.new_figure(1, 2, figsize=(10, 3.2))
with plots.style():
    for ax, name in zip(axes, ["glorot_uniform", "he_normal"]):
        ours = initializers.get(name)
        keras_init = getattr(keras.initializers, type(ours).__name__)(seed=0)
        theirs = keras.ops.convert_to_numpy(keras_init(SHAPE))  # any backend's tensor
        samples = {"companion": ours(SHAPE, seed=0), "Keras": theirs}
        for (label, values), color, ls in zip(samples.items(), plots.PALETTE, ["-", "--"]):
            style = dict(bins=60, density=True, histtype="step", color=color, ls=ls)
            ax.hist(values.ravel(), label=label, **style)
        for sign in (-1, 1):
            ax.axvline(sign * ours.limit(SHAPE), color="0.4", lw=1, ls=":")
        ax.set_title(f"{name}{SHAPE}: dotted lines at ±limit")
        ax.set_xlabel("weight value")
        ax.set_ylabel("density")
        ax.legend(loc="lower center")
fig

# %% [markdown]
# *Figure:* histograms of 200,704 weights each, companion solid and Keras dashed: glorot_uniform
# is flat between its dotted limits at ±0.076, he_normal a bell cut off at ±0.115, and the two
# libraries' outlines coincide.
#
# Flat between the limits for the uniform, a bell cut off at ±2 standard deviations for the
# truncated normal; the two libraries' histograms lie on top of each other.
#
# ## 6. Thirty-two layers deep: reproducing the published observations
#
# Now the real test, the experiment behind three well-known papers: the 32-layer network of
# section 3 with each initializer and each of three activations, and the standard deviation of
# every layer's outputs. The schemes:
#
# - `random_normal(0.01)` and `random_normal(1.0)`: the two fixed scales of section 3;
# - `uniform(±1/√n)`: `U(-1/√fan_in, 1/√fan_in)`, the "commonly used heuristic" that Glorot
#   and Bengio (2010) started from; its variance is `1 / (3 · fan_in)`, a third of LeCun's;
# - `glorot_uniform` (Keras's default), `he_normal` and `lecun_normal`.
#
# Every layer here is square (256 × 256), so `fan_in = fan_out` and Glorot's variance equals
# LeCun's: the two differ only in the shape of the distribution (uniform versus truncated
# normal). The 18 networks take a few seconds in NumPy.

# %%
SCHEMES = {
    "random_normal(0.01)": small,
    "random_normal(1.0)": large,
    "uniform(±1/√n)": initializers.RandomUniform(-1 / np.sqrt(WIDTH), 1 / np.sqrt(WIDTH)),
    "glorot_uniform": "glorot_uniform",
    "he_normal": "he_normal",
    "lecun_normal": "lecun_normal",
}
ACTIVATIONS = ["tanh", "relu", "selu"]
stds = {}  # (activation, scheme) -> std of each layer's outputs
for activation in ACTIVATIONS:
    for label, init in SCHEMES.items():
        table = diagnostics.activation_stats(deep_model(init, activation), x_deep)
        stds[activation, label] = table.column("std")

# %%
fig, axes = plots.new_figure(1, 3, figsize=(10, 3.6), sharey=True)
with plots.style():
    for ax, activation in zip(axes, ACTIVATIONS):
        for k, label in enumerate(SCHEMES):
            style = dict(color=plots.PALETTE[k], marker=plots.MARKERS[k], ms=4, markevery=4)
            ax.plot(range(1, DEPTH + 1), stds[activation, label], label=label, **style)
        ax.set_yscale("log")
        ax.set_ylim(1e-9, 1e9)
        ax.set_title(f"activation: {activation}")
        ax.set_xlabel("layer")
    axes[0].set_ylabel("std of the layer's outputs")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=6, fontsize=8)
    fig.suptitle(f"{DEPTH} Dense layers of {WIDTH} units, standard-normal inputs")
fig

# %% [markdown]
# *Figure:* three log-scale panels (tanh, relu, selu) of the std of each of the 32 layers'
# outputs for six initializers: random_normal(0.01) and uniform(±1/√n) fall in straight lines,
# random_normal(1.0) shoots off the top for relu and selu (and sits at 0.97 for tanh), and the
# lines that stay near 1 are he_normal for relu and lecun_normal and glorot_uniform for selu.
#
# The same numbers at layers 1, 8, 16 and 32:

# %%
rows = [
    {"activation": activation, "initializer": label,
     **{f"layer {i}": s[i - 1] for i in (1, 8, 16, 32)}}
    for (activation, label), s in stds.items()
]  # fmt: skip
print(format_table(rows, floatfmt=".3g"))

# %% [markdown]
# The average factor by which the standard deviation changes from one layer to the next,
# `(std₃₂ / std₁)^(1/31)`, condenses each curve into one number:

# %%
for activation, label in [
    ("tanh", "uniform(±1/√n)"),
    ("tanh", "glorot_uniform"),
    ("relu", "glorot_uniform"),
    ("relu", "he_normal"),
    ("selu", "lecun_normal"),
]:
    s = stds[activation, label]
    print(f"{activation:5s} {label:15s} factor per layer {(s[-1] / s[0]) ** (1 / 31):.3f}")
print(f"for comparison: 1/sqrt(2) = {1 / np.sqrt(2):.3f}, 1/sqrt(3) = {1 / np.sqrt(3):.3f}")

# %% [markdown]
# What the numbers show:
#
# - **Glorot & Bengio (2010), tanh.** With the old heuristic `U(±1/√n)` the variance is a third
#   of what is needed, and the standard deviation shrinks layer after layer (factor 0.576 per
#   layer, close to `1/√3 = 0.577`: from 0.46 at layer 1 to 1.7e-08 at layer 32). With
#   Glorot's scaling the geometric collapse is gone: the signal still drifts down (0.26 at
#   layer 8, 0.18 at 16, 0.13 at 32), because tanh flattens large values, but it stays in a
#   range where the units respond. That drift is not a constant factor per layer (the "0.949"
#   above is only the average over a curve that flattens): each doubling of depth divides the
#   std by about `√2`, a power law, std ∝ 1/√layer. (The paper's 5-layer networks show the
#   same contrast: shrinking histograms with the heuristic, similar ones with the normalized
#   initialization.)
# - **tanh with He's scale holds its std** (0.55 at every depth from layer 8 on), where
#   Glorot's decays. For tanh with weights of variance `σ² / fan_in`, `σ² = 1` (Glorot's and
#   LeCun's for these square layers) is the boundary, the "edge of chaos", between an ordered
#   phase (`σ² < 1`: the signal dies out geometrically) and a chaotic one (`σ² > 1`: the
#   variance settles at a non-zero fixed point) (Poole et al., 2016; Schoenholz et al., 2017).
#   Exactly on the boundary the decay is the slow power law we just saw; He's `σ² = 2` lies on
#   the chaotic side, where the std settles. The same idea is PyTorch's *gain* for tanh, 5/3
#   (`torch.nn.init.calculate_gain("tanh")`, i.e. `σ² ≈ 2.8`), which Karpathy uses in
#   makemore: a factor above 1 that makes up for tanh's squashing. The price of going further
#   into the chaotic side: nearby inputs are pulled apart, layer after layer (notebook 07).
# - **He et al. (2015), ReLU.** With Glorot's (here equal to LeCun's) variance, each ReLU layer
#   halves the second moment, so the standard deviation shrinks by `1/√2 ≈ 0.707` per layer:
#   measured 0.701, from 0.58 at layer 1 to 1e-05 at layer 32. With He's factor 2 it stays of
#   order 1 (0.8 to 1.6 in this draw; the next cells show how much one draw of 256-unit layers
#   varies). This is why He et al. could train 30-layer ReLU networks from scratch where
#   Glorot's initialization stalled.
# - **Klambauer et al. (2017), SELU.** With `lecun_normal`, SELU networks are
#   **self-normalizing**: the standard deviation sits at 1.0 at every depth (factor 1.000).
#   SELU's two constants were chosen so that mean 0 and variance 1 is a fixed point, which
#   holds for weights of variance `1 / fan_in`; He's factor 2 breaks it (the std grows to 19).
# - **Fixed scales** fail whatever the activation: `random_normal(0.01)` vanishes everywhere,
#   `random_normal(1.0)` saturates tanh and explodes ReLU and SELU.
#
# **One draw is one draw.** He/ReLU's std at layer 32 was 1.62 above; the Keras network of
# section 7 ends at 0.36 with the same initializer. Both are right: with 256 units per layer,
# each layer multiplies the signal's size by a random factor close to 1, and 32 such factors
# spread widely. Ten draws (seeds) of the He/ReLU network, as a band:

# %%
he_relu = np.array(
    [diagnostics.activation_stats(deep_model("he_normal", "relu", seed=s), x_deep).column("std")
     for s in range(10)]
)  # fmt: skip
fig, ax = plots.new_figure(figsize=(6.0, 3.2))
with plots.style():
    depth_axis = range(1, DEPTH + 1)
    ax.fill_between(depth_axis, he_relu.min(0), he_relu.max(0), alpha=0.3, label="10 seeds: range")
    ax.plot(depth_axis, np.median(he_relu, 0), color=plots.PALETTE[0], label="median")
    ax.set(yscale="log", xlabel="layer", ylabel="std of the layer's outputs")
    ax.set_title("relu + he_normal, 32 layers of 256 units: 10 draws")
    ax.legend()
fig

# %% [markdown]
# *Figure:* the std of each layer's outputs in ten He/ReLU networks, as a shaded range with its
# median line on a log scale: the median stays near 1 at every depth while the range widens
# with depth, to about 0.4 to 2.2 at layer 32.

# %%
lo, hi = he_relu[:, -1].min(), he_relu[:, -1].max()
median = np.median(he_relu[:, -1])
print(f"std at layer 32 over 10 seeds: {lo:.2g} to {hi:.2g}, median {median:.2g}")
print("every draw within 10x of 1 at every layer:", bool(np.all((he_relu > 0.1) & (he_relu < 10))))

# %% [markdown]
# Every draw stays of order 1, and between draws the std at layer 32 varies by a factor of
# about 6 (0.39 to 2.2); the Keras draw of section 7 (0.36, just under this range) is one
# more draw of the same kind. The He initialization fixes the *expected* variance, and a
# finite width leaves a random walk around it. A single curve is a sample, not the law; to
# compare two initializations, compare bands, or many seeds.
#
# **SELU's fixed point attracts.** "Self-normalizing" means more than "mean 0 and variance 1
# are kept": a signal that starts elsewhere is pulled towards them. Feed the SELU/LeCun
# network inputs with standard deviation 3, or with mean 0.5:

# %%
selu_net = deep_model("lecun_normal", "selu")
for label, x_start in (("std 3", 3.0 * x_deep), ("mean 0.5", x_deep + 0.5)):
    table = diagnostics.activation_stats(selu_net, x_start)
    means, sds = table.column("mean"), table.column("std")
    print(f"input {label:8s} layer 1, 2, 4, 8, 32:  mean", np.round(means[[0, 1, 3, 7, 31]], 2),
          " std", np.round(sds[[0, 1, 3, 7, 31]], 2))  # fmt: skip

# %% [markdown]
# From std 3 the signal is pulled back: 2.3, 2.0 and 1.6 at layers 1, 2 and 4, 1.2 at layer 8,
# 1.0 at layer 32. The mean of 0.5 is gone after the first layer (its zero-mean weights
# remove an input's mean whatever the activation); what it leaves is a slightly larger
# spread, which decays in the same way. The fixed point (mean 0, std 1) is *attracting*:
# Klambauer et al. (2017) prove it for a range of means and variances around it. ReLU with
# He has no such pull: with zero biases the whole network is positively homogeneous
# (`relu(3z) = 3 relu(z)`), so a signal that starts 3 times too large stays 3 times too large
# at every layer.
#
# Backpropagation sends its error signal back through the same weights, so that signal
# shrinks or grows by the same kind of factors; notebook 07 measures the gradients layer by
# layer.
#
# ## 7. The same diagnostics on a Keras model
#
# `diagnostics.activation_stats` also accepts a Keras model. Here are the 32-layer ReLU networks
# in Keras: one with `Dense`'s default initializer (`glorot_uniform`) and one with
# `kernel_initializer="he_normal"`. Next to each, its companion copy (`models.from_keras`, which
# copies the weights) measured with the same function. Keras computes in float32 here, its
# default.


# %%
def keras_deep(kernel_initializer):
    """32 Keras Dense(256, relu) layers; `None` keeps Dense's default initializer."""
    options = {} if kernel_initializer is None else {"kernel_initializer": kernel_initializer}
    stack = [keras.Input(shape=(WIDTH,))]
    stack += [
        keras.layers.Dense(WIDTH, activation="relu", name=f"layer{i + 1}", **options)
        for i in range(DEPTH)
    ]
    return keras.Sequential(stack)


keras.utils.set_random_seed(0)
x_deep32 = x_deep.astype("float32")
keras_tables = {}  # (initializer, model) -> diagnostics table
for label, init in [("glorot_uniform (default)", None), ("he_normal", "he_normal")]:
    keras_model = keras_deep(init)
    companion_copy = models.from_keras(keras_model)
    keras_tables[label, "Keras"] = diagnostics.activation_stats(keras_model, x_deep32)
    keras_tables[label, "companion copy"] = diagnostics.activation_stats(companion_copy, x_deep32)
keras_stds = {key: table.column("std") for key, table in keras_tables.items()}

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: float32 matrix products round differently on CPUs with other vector units, so
# the last printed digit can change. The statements in the next cell hold everywhere.
rows = [
    {"initializer": label, "model": who, **{f"layer {i}": s[i - 1] for i in (1, 8, 16, 32)}}
    for (label, who), s in keras_stds.items()
]
print(format_table(rows, floatfmt=".3g"))

# %%
gaps = [
    np.max(np.abs(keras_stds[label, "Keras"] / keras_stds[label, "companion copy"] - 1))
    for label in ("glorot_uniform (default)", "he_normal")
]
default, he = keras_stds["glorot_uniform (default)", "Keras"], keras_stds["he_normal", "Keras"]
print("companion copy's stds equal Keras's to 1e-4 (relative, float32):", max(gaps) < 1e-4)
print("Keras default: std at layer 32 below 1/1000 of layer 1's:", default[-1] < default[0] / 1e3)
print("Keras he_normal: std at layer 32 within 10x of layer 1's:", 0.1 < he[-1] / he[0] < 10)

# %% [markdown]
# `plots.layer_stats` draws such tables directly, one line per model:

# %%
plots.layer_stats(
    {f"{who}, {label}": table for (label, who), table in keras_tables.items()},
    "std",
    log=True,
    title="32 Keras Dense(256, relu) layers: Dense's default initializer versus he_normal",
)

# %% [markdown]
# *Figure:* the std of each of the 32 layers' outputs on a log scale, for Keras and its
# companion copy with each initializer: the two glorot_uniform lines fall together from 0.6 to
# 1e-05, the two he_normal lines stay together between 0.36 and 0.82.
#
# The Keras model and its companion copy give the same statistics (to float32 rounding: each
# companion line hides the Keras line under it), and Keras reproduces He et al.'s
# observation: with `Dense`'s default initializer, a deep ReLU stack loses its signal; with
# `kernel_initializer="he_normal"` it keeps it. The default is right for tanh layers, the
# usual choice for sigmoid ones, and fine for shallow networks; **for deep ReLU networks,
# pass `"he_normal"` (or `"he_uniform"`)**.
#
# ## 8. Biases, and Keras's defaults
#
# What does a Keras `Dense` use when you do not say?

# %%
config = keras.layers.Dense(4).get_config()
ours = layers.Dense(4).get_config()
for key in ("kernel_initializer", "bias_initializer"):
    print(f"{key}: Keras {config[key]['class_name']}, companion {ours[key]['class_name']}")

# %% [markdown]
# `glorot_uniform` for the kernel and `zeros` for the bias, in both. Zero biases are fine:
# symmetry is already broken by the random kernel, and a bias of 0 adds nothing to the
# variance of a unit's input, so the derivation above holds unchanged. (A small positive bias,
# such as 0.01, was once suggested for ReLU units so that they start active; with He
# initialization it is not needed, and zeros is what Keras and most practice use.)
#
# To change the initializers, pass a name or an object with its own arguments, in Keras and in
# the companion alike:
#
# ```python
# keras.layers.Dense(256, activation="relu", kernel_initializer="he_normal")
# keras.layers.Dense(256, "selu", kernel_initializer=keras.initializers.LecunNormal(seed=0))
# layers.Dense(256, activation="relu", kernel_initializer="he_normal", seed=0)  # companion
# ```
#
# ## 9. Explore: depth, activation and initializer
#
# The explorer below builds a stack of `depth` companion `Dense(width, activation)` layers
# with the initializer you choose (plus a 10-unit softmax output), runs a fixed batch of 256
# standard-normal samples through it, and backpropagates a cross-entropy loss. Each row of the
# left panel is one hidden layer's histogram of outputs (layer 1 at the top); each row of the
# right panel the histogram of that layer's kernel gradient. The line under the controls
# prints the std of the last layer, the ratio of the first and last layers' gradient norms,
# and the percentage of saturated outputs or dead units. It starts on He et al.'s case: 32
# ReLU layers with Keras's default initializer. Things to try:
#
# - switch the initializer to `he_normal`: the activation rows keep their width down to layer
#   32. Compare the scale of the gradient axis before and after (the factor in its corner).
# - `selu` with `lecun_normal`, then with `he_normal`: which one keeps the histograms alike?
# - `tanh` with `random_normal (std 0.05)`: a layer multiplies the std by `√width · 0.05`
#   (0.8 at width 256, 0.5 at width 100). Move the width slider and watch the rows shrink
#   faster: a fixed scale cannot suit every width, which is why Glorot, He and LeCun scale
#   with the fans.
# - `zeros`: what is left to see, and why (section 2)?
# - `sigmoid` with `glorot_uniform`: the activations look healthy; look at the gradients
#   (notebook 07 takes this up).
#
# (The controls need a running kernel; a static view of the notebook does not show the
# widget.)

# %%
explorer = widgets.deep_network_explorer(
    depth=32, width=256, activation="relu", kernel_initializer="glorot_uniform"
)
explorer

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 — Glorot's uniform limit
#
# Write `glorot_uniform_limit(fan_in, fan_out)` that returns the limit `a` of Keras's
# `glorot_uniform`, whose weights are drawn from `U(-a, a)`. Start from the variance Glorot
# asks for and the variance of a uniform distribution (section 4).


# %% tags=["exercise", "q1"]
def glorot_uniform_limit(fan_in, fan_out):
    return ...  # your code here


# %%
ex.q1.check(glorot_uniform_limit)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — where does the signal die?
#
# Write `first_collapsed_layer(stds)`: given the standard deviations of a network's layers
# (`stds[0]` is layer 1, as in the tables above; a list or an array), return the **number** of
# the first layer whose std is below 1 % of layer 1's, counting layers from 1. If no layer
# falls that low, return `None`. Try it on `stds["relu", "glorot_uniform"]`.


# %% tags=["exercise", "q2"]
def first_collapsed_layer(stds):
    return ...  # your code here


# %%
ex.q2.check(first_collapsed_layer)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — the initializer for an activation
#
# Write `choose_initializer(activation)` that returns the name of the Keras initializer (a
# string such as `"glorot_uniform"`) to use for a deep stack of layers with that activation:
# the one whose variance argument fits it. The check asks about `"relu"`, `"leaky_relu"`,
# `"elu"`, `"gelu"`, `"selu"`, `"tanh"`, `"sigmoid"` and `"linear"`. (Sigmoid is the odd one:
# its slope at 0 is 1/4, not 1, and its outputs have mean 0.5, so no scale keeps its variance
# exactly; Glorot, Keras's default, is the conventional choice.)


# %% tags=["exercise", "q3"]
def choose_initializer(activation):
    return ...  # your code here


# %%
ex.q3.check(choose_initializer)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# ### Exercise 4 — a deep ReLU network that keeps its signal
#
# Write `build_deep_relu_model()` that returns a model of **32** `Dense` layers of **256**
# units with `relu`, for inputs of 256 features, whose activations neither vanish nor
# explode: the check feeds it a standard-normal batch and wants the std at layer 32 within a
# factor 10 of layer 1's. Use the companion (`models.Sequential([layers.Dense(...), ...])`) or
# Keras (start with `keras.Input(shape=(256,))`), as you prefer.


# %% tags=["exercise", "q4"]
def build_deep_relu_model():
    return ...  # your code here


# %%
ex.q4.check(build_deep_relu_model)
# ex.q4.hint()
# ex.q4.solution()

# %% [markdown]
# ### Exercise 5 — investigate: how does tanh's signal fall with depth?
#
# Section 6 found that tanh + `glorot_uniform` loses its std slowly, and said that the loss
# is a power law, not a constant factor per layer. Test that claim twice as deep, at
# **64 layers**, and compare with tanh's gain 5/3.
#
# 1. **Predict first**: set `prediction` to the std you expect at layer 64 for tanh +
#    `glorot_uniform`, from section 6's numbers (layer 32: 0.13, an average factor of 0.949
#    per layer). The two ways of extending the curve give very different numbers.
# 2. **Measure**: write `std_at_depth(kernel_initializer, depth)` that returns the std of the
#    **last** layer's outputs of `deep_model(kernel_initializer, "tanh", depth=depth)` on
#    `x_deep`. Run it (the commented lines) for `"glorot_uniform"` and for `gain_5_3`, at
#    depths 32 and 64.
# 3. **Interpret**: for each of the two, is the law from layer 32 to layer 64 a
#    `"geometric decay"`, a `"power-law decay"` or a `"fixed point"`?


# %% tags=["exercise", "q5"]
prediction = ...  # your guess of the std at layer 64, tanh + glorot_uniform


def std_at_depth(kernel_initializer, depth):
    return ...  # your code here


# gain_5_3 = initializers.VarianceScaling(scale=(5 / 3) ** 2, mode="fan_in")
# for init in ("glorot_uniform", gain_5_3):
#     print(std_at_depth(init, 32), std_at_depth(init, 64))
# each law: "geometric decay", "power-law decay" or "fixed point"
law = {"glorot_uniform": ..., "gain 5/3": ...}

# %%
ex.q5.check(prediction, std_at_depth, law)
# ex.q5.hint()
# ex.q5.solution()

# %% [markdown]
# ## Key points
#
# - Weights must start **different**: a constant initialization (all zeros included) gives
#   every unit of a layer the same gradient, so the units stay identical clones forever.
#   Random kernels break the symmetry; biases can start at zero.
# - The **scale** matters as much: a layer multiplies the variance of its signal by
#   `fan_in · Var(w)` (times ½ for ReLU), so in a deep network a scale that is off by a little
#   makes the signal vanish or explode geometrically, and tanh units saturate.
# - Keeping the variance gives the rules: LeCun `1/fan_in`, Glorot `2/(fan_in + fan_out)`
#   (forward and backward averaged), He `2/fan_in` (ReLU zeroes half its inputs). Uniform
#   limit `√(3·Var)`; Keras's truncated normals divide the stddev by 0.8796.
# - Match the initializer to the activation: Glorot (Keras's default `glorot_uniform`) for
#   tanh and linear layers (and, by convention, sigmoid), **He for the ReLU family**,
#   **LeCun normal for SELU**.
# - Measure rather than guess: `diagnostics.activation_stats` prints per-layer statistics for
#   companion and Keras models alike; the companion's initializers match Keras's formulas
#   exactly and its samples statistically.
