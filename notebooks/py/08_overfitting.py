# %% [markdown]
# # 08 · Pitfall: overfitting
#
# **Questions**
#
# - What does overfitting look like in the learning curves, and how do I measure it?
# - Which remedies work — a smaller network, L2, dropout, early stopping, more data — and how
#   much does each one help?
# - What exactly do Keras's `L2` regularizer and `Dropout` layer compute?
#
# **Objectives** — after this notebook you will be able to:
#
# - provoke overfitting on purpose and recognise it from the train–validation gap and a rising
#   validation loss;
# - apply a smaller network, an L2 penalty, dropout and early stopping in Keras, and measure
#   what each does to training accuracy, validation accuracy and their gap;
# - compute an L2 penalty and inverted dropout by hand and check them against Keras;
# - choose an `EarlyStopping` configuration and explain each of its arguments.
#
# **Prerequisites**: notebook 05 (training on Fashion-MNIST: `compile`, `fit`, learning
# curves).
#
# **Time**: teaching 30 min · exercises 25 min

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

from companion import data, layers, models, plots, regularizers, widgets
from companion.exercises import nb08 as ex
from companion.utils import format_table

# %% [markdown]
# ## 1. Small data, big network
#
# A network **overfits** when it learns its training examples rather than the pattern behind
# them: it keeps getting better on the data it has seen and stops getting better (or gets
# worse) on data it has not. Overfitting is easiest to see when the network has far more
# parameters than there are examples, so we provoke it: **1,000** Fashion-MNIST training
# images and a network of more than 200,000 parameters.
#
# We draw the images at random (with a fixed seed) from the 60,000 training images, and set
# 1,000 *other* training images aside as a **validation set**: the network never trains on
# them, so they tell us how it does on new data. Later, for the "more data" remedy, we take
# 4,000 training images (the first 1,000 plus 3,000 more). The test set stays out of this
# notebook: we are comparing training setups, which is the validation set's job.

# %%
(x_all, y_all), _ = data.load_fashion_mnist()
x_all = (x_all.reshape(len(x_all), -1) / 255.0).astype("float32")  # as in notebook 05
order = np.random.default_rng(0).permutation(len(x_all))
x_small, y_small = x_all[order[:1000]], y_all[order[:1000]]
x_more, y_more = x_all[order[:4000]], y_all[order[:4000]]
x_val, y_val = x_all[order[-1000:]], y_all[order[-1000:]]
print("training:", x_small.shape, " validation:", x_val.shape, " more data:", x_more.shape)
print("training images per class:", np.bincount(y_small, minlength=10))

# %% [markdown]
# About 100 images per class. One function builds, compiles and trains every model of this
# notebook, so that the runs differ only in what we pass: the hidden layers, an L2 factor, a
# dropout rate, the training data, callbacks. Everything else stays fixed: Adam, batches of
# 100, 25 epochs, and the same random seed.
#
# One detail matters for the comparisons. When a layer has a regularizer, Keras's `loss`
# includes the penalty, so it is not comparable between runs with and without L2. We
# therefore also track the plain cross-entropy as a metric named `ce`.

# %%
EPOCHS = 25


def train(hidden=(256, 128), l2=None, dropout=0.0, x=x_small, y=y_small, callbacks=None):
    """Build, compile and fit a dense classifier; return (model, history)."""
    keras.utils.set_random_seed(0)
    reg = keras.regularizers.L2(l2) if l2 else None
    stack = [keras.Input(shape=(784,))]
    for units in hidden:
        stack.append(keras.layers.Dense(units, activation="relu", kernel_regularizer=reg))
        if dropout:
            stack.append(keras.layers.Dropout(dropout))
    stack.append(keras.layers.Dense(10, activation="softmax", kernel_regularizer=reg))
    model = keras.Sequential(stack)
    ce = keras.metrics.SparseCategoricalCrossentropy(name="ce")  # the loss without penalties
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy", ce]
    )
    history = model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=100,
        validation_data=(x_val, y_val),
        callbacks=callbacks,
        verbose=0,
    )
    return model, history


# %% [markdown]
# For each run we record the accuracy on its training data and on the validation data,
# both measured at the end with `evaluate` (dropout off), their difference (the **gap**), the
# lowest validation cross-entropy reached during training, and the size of the weights (the
# sum of the squares of all kernel weights, which L2 penalises).

# %%
results = {}  # run name -> measurements
curves = {}  # run name -> validation cross-entropy per epoch


def kernel_sq(model):
    """Sum of the squares of every kernel weight: how large the weights are."""
    return sum(float(np.sum(w.numpy() ** 2)) for w in model.weights if "kernel" in w.path)


def record(name, model, history, x=x_small, y=y_small):
    train_acc = model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"]
    val_acc = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["accuracy"]
    val_ce = history.history["val_ce"]
    results[name] = {
        "run": name,
        "epochs": len(val_ce),
        "train acc": train_acc,
        "val acc": val_acc,
        "gap": train_acc - val_acc,
        "best val ce": min(val_ce),
        "sum w^2": kernel_sq(model),
    }
    curves[name] = val_ce


# %% [markdown]
# ## 2. The baseline: watching a network overfit
#
# Two hidden layers of 256 and 128 units: 235,146 parameters for 1,000 images, 235 per image.

# %%
model, history = train()
record("baseline 256-128", model, history)
print("parameters:", model.count_params())
h = history.history
plots.learning_curves(
    {k: h[k] for k in ("loss", "val_loss", "accuracy", "val_accuracy")},
    title="Baseline: 1,000 training images, 235k parameters",
)

# %% [markdown]
# *Figure:* the baseline's loss and accuracy per epoch for training (solid) and validation
# (dashed): the training loss falls towards 0 and its accuracy climbs to 0.99, while the
# validation loss bottoms out near 0.58 and rises again and the validation accuracy stays
# near 0.82.
#
# This is what overfitting looks like. The training loss keeps falling towards 0 and the
# training accuracy climbs towards 100 %: with 235 parameters per image, the network can
# memorise them. The validation loss falls for a few epochs, stops improving, and in the
# second half of the run **rises**, while the validation accuracy stalls around 80 %. The
# network grows more and more confident on the training images, including where it is wrong
# on new ones, and the cross-entropy punishes confident mistakes.

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: float32 training ends slightly differently on CPUs with other vector units,
# so these numbers move in the second decimal. The robust statements follow.
best_epoch = int(np.argmin(h["val_ce"])) + 1
train_acc, val_acc, val_ce = h["accuracy"][-1], h["val_accuracy"][-1], h["val_ce"]
print(f"final training accuracy {train_acc:.3f}, validation accuracy {val_acc:.3f}")
print(f"validation loss: lowest {min(val_ce):.3f} at epoch {best_epoch}, final {val_ce[-1]:.3f}")

# %%
print("training accuracy above 0.95:", results["baseline 256-128"]["train acc"] > 0.95)
print(
    "gap between training and validation accuracy above 0.1:",
    results["baseline 256-128"]["gap"] > 0.1,
)
print("validation loss at the end above its minimum:", h["val_ce"][-1] > min(h["val_ce"]) + 0.05)

# %% [markdown]
# The **gap** between training and validation accuracy is our measure of overfitting. Each
# remedy below is one change to this baseline; we look at what it does to the gap, and
# whether it helps the number that matters, the validation accuracy.
#
# ## 3. Remedy 1: a smaller network
#
# Fewer parameters, less room to memorise: one hidden layer of 32 units.

# %%
model, history = train(hidden=(32,))
record("small 32", model, history)
print("parameters:", model.count_params())

# %% [markdown]
# Ten times fewer parameters (25,450). Its training accuracy can no longer reach 100 % in 25
# epochs, and its gap is much smaller (the table in section 8 has all the numbers). Its
# validation accuracy is about the same as the big network's: on 1,000 images the big one
# had capacity to spare.
#
# ## 4. Remedy 2: an L2 penalty
#
# L2 regularization adds to the loss a penalty that grows with the size of the weights:
#
# `loss = cross-entropy + l2 · Σ w²`  (the sum over every weight of the regularized kernels)
#
# so that a weight only grows if that pays off in the data term. Large weights let a network
# carve sharp boundaries around single training images; the penalty prefers smoother
# functions. Keras 3 writes the penalty **without** the factor ½ that many textbooks use:
# `keras.regularizers.L2(l2)` adds `l2 * sum(w**2)`, and its gradient is `2 * l2 * w`.
#
# Before training with it, let us check that we know exactly what it computes: a Keras layer
# with `kernel_regularizer=L2(0.01)`, its penalty in `model.losses`, Keras's regularizer
# called directly, the companion's `regularizers.L2`, and the formula by hand.

# %%
keras.utils.set_random_seed(1)
probe = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        keras.layers.Dense(32, kernel_regularizer=keras.regularizers.L2(0.01)),
    ]
)
kernel = probe.layers[0].kernel.numpy()
values = {
    "model.losses": float(sum(probe.losses)),
    "keras.regularizers.L2": float(keras.regularizers.L2(0.01)(kernel)),
    "companion L2": regularizers.L2(0.01)(kernel),
    "by hand 0.01 * sum(w**2)": 0.01 * float(np.sum(kernel.astype(np.float64) ** 2)),
}
for name, value in values.items():
    print(f"{name:26s} {value:.6f}")
spread = max(values.values()) - min(values.values())
print(
    "all four agree to float32 precision (relative 1e-6):",
    spread / values["by hand 0.01 * sum(w**2)"] < 1e-6,
)

# %% [markdown]
# All four agree (the kernel is float32, so the sums agree to float32 precision). The
# companion also copies the penalty when it copies a Keras model, and its gradient is the
# `2 * l2 * w` that training adds to each weight's gradient:

# %%
copy = models.from_keras(probe)
print(
    "companion model.losses == Keras model.losses (relative 1e-6):",
    abs(sum(copy.losses) - float(sum(probe.losses))) < 1e-6 * float(sum(probe.losses)),
)
grad = regularizers.L2(0.01).gradient(kernel)
print("gradient is 2 * l2 * w:", np.allclose(grad, 2 * 0.01 * kernel, rtol=1e-6, atol=0))

# %% [markdown]
# Now training with `L2(0.01)` on every kernel of the baseline network. During training the
# reported `loss` is cross-entropy **plus** penalty; the `ce` metric is the cross-entropy alone.
# After training, the difference between the two is exactly the penalty in `model.losses`:

# %%
model, history = train(l2=0.01)
record("L2 0.01", model, history)
scores = model.evaluate(x_val, y_val, verbose=0, return_dict=True)
print(
    "loss - ce equals sum(model.losses):",
    np.isclose(scores["loss"] - scores["ce"], float(sum(model.losses)), rtol=1e-3),
)

# %% [markdown]
# (The tolerance is loose only because `evaluate` averages the loss over batches in float32.)
# What did the penalty do to the weights? It keeps them small:

# %%
print(
    "L2 model's kernels at least 5 times smaller (sum of squares) than the baseline's:",
    results["L2 0.01"]["sum w^2"] * 5 < results["baseline 256-128"]["sum w^2"],
)

# %% [markdown]
# ### An L2 penalty is not weight decay under Adam
#
# With plain SGD, an L2 penalty and **weight decay** are the same thing: the step
# `w ← w - lr · (g + 2 · l2 · w) = (1 - 2 · lr · l2) · w - lr · g` shrinks every weight by the
# same factor before the data's step, which is what "decay" means. Adam is different: it
# divides each weight's whole gradient, the penalty's part included, by a running size of that
# weight's gradients. A weight whose gradients are large hardly feels the penalty; a weight
# whose gradients are small is pulled to 0 at full speed. Loshchilov & Hutter (2019) showed
# this and proposed **decoupled** weight decay, AdamW: shrink `w` by `lr · weight_decay · w`
# outside Adam's normalization. In Keras, `keras.optimizers.AdamW(weight_decay=...)` (and the
# `weight_decay=` argument every Keras 3 optimizer has) decays that way; a `kernel_regularizer`
# adds an L2 penalty to the loss, which under Adam is *not* weight decay.
#
# Two weights, both starting at 1, receive random gradients of very different sizes
# (standard deviation 10 for the first, 0.001 for the second), 200 steps of learning rate
# 0.01. We compare Adam with an L2 penalty (`l2 = 0.05`, which SGD would turn into a decay of
# `2 · l2 = 0.1`) and AdamW with `weight_decay=0.1`, each against Adam without either, on the
# same gradient noise (float64):

# %%
SCALES, STEPS = np.array([10.0, 0.001]), 200


def noisy_run(optimizer, l2=0.0):
    """200 steps on two weights with seeded gradient noise, plus an L2 penalty's gradient."""
    w = keras.Variable(np.ones(2), dtype="float64")
    rng = np.random.default_rng(0)
    for _ in range(STEPS):
        g = SCALES * rng.standard_normal(2) + 2 * l2 * keras.ops.convert_to_numpy(w)
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), w)])  # torch needs a tensor
    return keras.ops.convert_to_numpy(w)


free = noisy_run(keras.optimizers.Adam(0.01))
shrink = {
    "Adam + L2 penalty 0.05": 1 - noisy_run(keras.optimizers.Adam(0.01), l2=0.05) / free,
    "AdamW weight_decay=0.1": 1 - noisy_run(keras.optimizers.AdamW(0.01, weight_decay=0.1)) / free,
}
for name, (w1, w2) in shrink.items():
    print(f"{name}: shrinks weight 1 (large gradients) by {w1:.0%}, weight 2 (small) by {w2:.0%}")
print(f"200 decays by lr * weight_decay = 0.001 shrink by 1 - 0.999**200 = {1 - 0.999**200:.0%}")

# %% [markdown]
# AdamW shrinks both weights by about the same fraction, close to 200 steps of the decay
# `lr · weight_decay = 0.001`. The L2 penalty under Adam barely touches the weight with
# large gradients and nearly wipes out the one with small gradients. So, in this notebook and
# in Keras: `kernel_regularizer=L2(...)` is **an L2 penalty**, the remedy of this section;
# `AdamW` or `weight_decay=` is **weight decay**. Loshchilov & Hutter found that decoupling
# made the best decay factor independent of the learning rate and improved Adam's
# generalization on image classification; as with any regularizer, its strength is a
# hyperparameter to tune on the validation split.
#
# ## 5. Remedy 3: dropout
#
# **Dropout** (Srivastava et al., 2014) sets each activation to 0 with probability `rate`
# during training, a different random choice at every step. No unit can rely on a particular
# other unit being there, which discourages the co-adapted, memorising features of an
# overfitting network. Keras uses **inverted** dropout: the surviving values are scaled by
# `1 / (1 - rate)` during training, so that the expected output equals the input and nothing
# changes at inference time, where dropout is off.
#
# As d2l does with every new function, let us first try it on a tiny input at its edge cases,
# the companion's `Dropout` next to Keras's:

# %%
x_tiny = np.arange(1.0, 9.0, dtype="float32").reshape(1, 8)
for rate in (0.0, 0.5):
    ours = layers.Dropout(rate, seed=0)(x_tiny, training=True)
    theirs = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=0)(x_tiny, training=True))
    print(f"rate {rate}, training=True   companion {ours[0]}   Keras {theirs[0]}")
print(
    "training=False (inference):  companion",
    layers.Dropout(0.5)(x_tiny)[0],
    "  Keras",
    keras.ops.convert_to_numpy(keras.layers.Dropout(0.5)(x_tiny))[0],
)

# %% [markdown]
# With rate 0 nothing happens; at inference nothing happens either. With rate 0.5 about half
# of the values become 0 and the others are **doubled**. The two libraries draw different
# random masks (they use different random generators), so the comparison is about
# statistics: on a million values, the fraction dropped and the scale of the kept ones.

# %%
ones = np.ones((1000, 1000), dtype="float32")
rows = []
for rate in (0.2, 0.5, 0.8):
    ours = layers.Dropout(rate, seed=0)(ones, training=True)
    theirs = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=0)(ones, training=True))
    for who, out in (("companion", ours), ("Keras", theirs)):
        kept = out[out != 0]
        rows.append(
            {
                "rate": rate,
                "library": who,
                "fraction dropped": np.mean(out == 0),
                "kept values": f"{kept.min():g} to {kept.max():g}",
                "mean": out.mean(),
            }
        )
print(format_table(rows, floatfmt=".3f"))

# %% [markdown]
# Both drop the fraction `rate` (to within the sampling noise of a million draws, ±0.001),
# both scale the kept values to `1 / (1 - rate)` (1.25, 2, 5) and both keep the mean at 1.
# The companion's `backward` multiplies the incoming gradient by the same scaled mask (0 or
# `1 / (1 - rate)`), so dropped units get no gradient at that step:

# %%
drop = layers.Dropout(0.5, seed=3)
out = drop(x_tiny, training=True)
print("forward: ", out[0])
print("backward:", drop.backward(np.ones_like(x_tiny))[0])

# %% [markdown]
# Now a **rate sweep**: dropout after each hidden layer of the baseline, at rates 0.2, 0.5
# and 0.8.

# %%
for rate in (0.2, 0.5, 0.8):
    model, history = train(dropout=rate)
    record(f"dropout {rate}", model, history)
print("runs so far:", list(results))

# %% [markdown]
# The table in section 8 shows a familiar pattern: 0.2 changes little, 0.5 narrows the gap
# clearly, and 0.8 is too much: the network can no longer fit even its training data
# (**underfitting**), and its validation accuracy drops with it. The rate is a
# hyperparameter, chosen on the validation set.
#
# ## 6. Remedy 4: early stopping
#
# The validation loss of the baseline bottomed out long before epoch 25. **Early stopping**
# watches it and stops when it has not improved for `patience` epochs;
# `restore_best_weights=True` then puts back the weights of the best epoch (without it, you
# keep the last, already overfitted, weights). The companion has the same callback with the
# same rules (`companion.callbacks.EarlyStopping`).

# %%
stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
model, history = train(callbacks=[stop])
record("early stopping", model, history)

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: the epoch at which validation stops improving depends on the float32
# training, which differs slightly between CPUs.
print(f"stopped after epoch {len(history.epoch)}; best epoch {stop.best_epoch + 1}")

# %%
print("stopped before the last epoch:", len(history.epoch) < EPOCHS)

# %% [markdown]
# Early stopping costs nothing (it even saves time) and needs no change to the model, but its
# stop is only as good as its `patience`. When this notebook was stored, the baseline's
# validation loss sat on a plateau for five epochs after epoch 4, so the callback stopped after
# epoch 9 and kept epoch 4, although the same curve reached a lower point later (compare
# `best val ce` of "early stopping" and of the baseline in the table of section 8). On a noisy
# validation loss (1,000 images), a longer patience finds the real minimum more often.
#
# Note also what it optimises: the validation **loss**. That often bottoms out a little before
# the validation accuracy peaks, so the stopped model can have a slightly lower accuracy than
# one trained longer; monitoring `"val_accuracy"` instead is possible, but accuracy on 1,000
# images is a noisier signal.
#
# ## 7. Remedy 5: more data
#
# The most effective remedy, when you can have it: the same baseline network on 4,000 images.
# Keep one difference in mind: 25 epochs of 4,000 images in batches of 100 are 1,000 optimizer
# steps, four times the 250 of every other run, so this run also trains longer (its curve in
# section 8 is per epoch, each epoch four times as many steps).

# %%
model, history = train(x=x_more, y=y_more)
record("more data (4,000)", model, history, x=x_more, y=y_more)

# %% [markdown]
# ## 8. All the runs side by side
#
# Training and validation accuracy at the end of each run, the gap, and the lowest validation
# cross-entropy reached. Each run is a single seed at Adam's default learning rate, so the
# table cannot tell whether a difference of a point or two in validation accuracy would
# survive another seed; read it for the large effects (the gaps, underfitting, the loss
# curves), not as a ranking:

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: the numbers come from float32 training, whose last digits (and so the second
# decimal here) change from one CPU to another. The conclusions in the next cell do not.
print(format_table(results.values(), floatfmt=".2f"))

# %%
base = results["baseline 256-128"]
narrows = lambda name: results[name]["gap"] < base["gap"] - 0.03  # a clear difference
print("smaller network narrows the gap:", narrows("small 32"))
print("L2 narrows the gap:", narrows("L2 0.01"))
print("dropout 0.5 narrows the gap:", narrows("dropout 0.5"))
print("early stopping narrows the gap:", narrows("early stopping"))
print(
    "dropout 0.8 underfits (lowest training accuracy):",
    min(results, key=lambda n: results[n]["train acc"]) == "dropout 0.8",
)
print(
    "more data reaches a lower validation loss than the baseline:",
    results["more data (4,000)"]["best val ce"] < base["best val ce"] - 0.02,
)

# %% [markdown]
# And the validation loss, epoch by epoch, of the baseline and of one setting per remedy:

# %%
shown = ["baseline 256-128", "small 32", "L2 0.01", "dropout 0.5", "early stopping"]
shown.append("more data (4,000)")
fig, ax = plots.new_figure(figsize=(7.5, 3.6))
with plots.style():
    for i, name in enumerate(shown):
        val_ce = curves[name]
        style = dict(color=plots.PALETTE[i], ls=("-", "--", "-.", ":")[i % 4], lw=1.8)
        ax.plot(range(1, len(val_ce) + 1), val_ce, label=name, **style)
    ax.set_ylim(0.45, 1.0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation cross-entropy")
    ax.set_title("Validation loss of each run (lower is better)")
    ax.legend(loc="upper right", ncol=2, fontsize=8)
fig

# %% [markdown]
# *Figure:* the validation cross-entropy per epoch of six runs: the baseline dips to about 0.58
# and climbs to 0.71, the small network, L2 and dropout 0.5 level off near 0.6, early stopping
# lies under the baseline's first 9 epochs, and more data falls lowest, to about 0.53, before
# rising again.
#
# What we saw:
#
# - Every remedy except the mildest dropout clearly narrows the gap, mostly by **lowering training
#   accuracy**: it stops the network from memorising. That is not the same as improving
#   validation accuracy, which moves much less: on 1,000 images, none of the regularizers
#   turns a 0.82 model into a 0.85 one.
# - The validation **loss** shows the difference more clearly: the baseline's rises in the
#   second half; with a smaller network, L2 or dropout 0.5 it levels off instead. Early
#   stopping runs exactly the baseline's training (same seed, hidden under its curve) and
#   simply stops it, keeping the weights of the best epoch so far; here it stopped on a
#   plateau, before the baseline's lowest point.
# - Too much regularization underfits: dropout 0.8's validation loss stays far above the
#   others (see the table; it is off the scale of this plot).
# - **More data** reaches the lowest validation loss of all the runs (its validation accuracy
#   is only a point above the baseline's, within what one seed can tell apart), with four times
#   the optimizer steps. Four times the data still overfits eventually (its validation loss
#   turns up again after its minimum), but from a much better point. When collecting data is
#   possible, it beats every trick, and the others combine with it.
#
# A practical recipe: start with a network big enough to overfit (you then know it can learn
# the task), then add early stopping, and tune dropout or L2 on the validation set.
#
# ## 9. Play with it: overfitting's knobs
#
# The widget below trains a small network on 2-D data, as TensorFlow Playground does: the
# colours show its output over the plane, filled points are the 100 training points and
# hollow ones the 100 test points, and the right panel plots the training loss (solid) and the
# test loss (dashed) after each epoch. It starts with the knobs set to overfit: noisy data, a
# big network (two layers of 32) and no L2. Press play: the test loss soon stops falling and
# then climbs while the training loss keeps falling and the boundary curls around single noisy
# points. Then press reset, set L2 to 0.003, or the hidden layers to `4`, or the noise to 0.1,
# and train again. (Nothing trains until you press play or step; the widget needs a running
# kernel.)

# %%
trainer = widgets.playground_trainer(
    dataset="moons", noise=0.3, hidden_layers=(32, 32), activation="tanh", learning_rate=0.3
)
trainer

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 — the L2 penalty of a model
#
# Write `l2_penalty(weights, l2)` that returns Keras's L2 penalty for a **list** of weight
# arrays (e.g. all the kernels of a model): `l2` times the sum of the squares of every weight
# in every array. Mind Keras's convention (no ½).


# %% tags=["exercise", "q1"]
def l2_penalty(weights, l2):
    return ...  # your code here


# %%
ex.q1.check(l2_penalty)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — inverted dropout
#
# Write `dropout(x, rate, rng)`, inverted dropout in training mode: drop each value of `x`
# with probability `rate` (draw the random numbers from the NumPy generator `rng`, e.g.
# `rng.random(x.shape)`) and scale the values you keep by `1 / (1 - rate)`. Return a new array.
# The check looks at the statistics: which values survive, how they are scaled, and what
# fraction is dropped.


# %% tags=["exercise", "q2"]
def dropout(x, rate, rng):
    return ...  # your code here


# %%
ex.q2.check(dropout)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — configure early stopping
#
# Write `make_early_stopping()` that returns a `keras.callbacks.EarlyStopping` for a run like
# the ones above (25 epochs, validation data given): it should watch a **validation** value,
# tolerate a few epochs without improvement, and leave the model with its best weights.


# %% tags=["exercise", "q3"]
def make_early_stopping():
    return ...  # your code here


# %%
ex.q3.check(make_early_stopping)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# ### Exercise 4 — a regularized model to a spec
#
# Write `build_regularized_model()` that returns this Keras model: input of shape `(784,)`,
# `Dense(256, activation="relu")` with an L2 penalty of `1e-4` on its kernel, `Dropout(0.5)`,
# and `Dense(10, activation="softmax")`. (Optional: compile it and train it with
# `train`-like settings on `x_small`; how does it compare in the table?)


# %% tags=["exercise", "q4"]
def build_regularized_model():
    return ...  # your code here


# %%
ex.q4.check(build_regularized_model)
# ex.q4.hint()
# ex.q4.solution()

# %% [markdown]
# ## Key points
#
# - Overfitting shows as a growing gap between training and validation accuracy and a
#   validation loss that rises after its minimum; provoke it (small data, big network) to study
#   it, and measure the gap on a validation set the network never trains on.
# - A smaller network, an L2 penalty (`keras.regularizers.L2(l2)` adds `l2 * sum(w**2)`, no ½,
#   to the loss and to `model.losses`) and dropout narrow the gap, mostly by stopping
#   memorisation; too much of them underfits.
# - Under Adam an L2 penalty is not weight decay: Adam rescales the penalty's gradient with the
#   rest, so weights with large gradients hardly feel it. `keras.optimizers.AdamW` (or
#   `weight_decay=`) decays every weight by the same factor (Loshchilov & Hutter, 2019).
# - Keras's `Dropout` is inverted dropout: during training it zeroes a fraction `rate` and
#   scales the rest by `1 / (1 - rate)`; at inference it does nothing.
# - `EarlyStopping(monitor="val_loss", patience=…, restore_best_weights=True)` stops after
#   `patience` epochs without improvement and keeps the best weights so far; it costs nothing,
#   but too short a patience can stop on a plateau before the real minimum.
# - More data is the most reliable remedy of all.
