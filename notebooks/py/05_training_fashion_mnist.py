# %% [markdown]
# # 05 · Training a dense classifier on Fashion-MNIST
#
# **Questions**
#
# - How do images become something a dense network can read?
# - Which output layer and which loss does a 10-class classifier need, and why together?
# - What do `compile`, `fit` and `evaluate` do, and how good can a network of dense layers get
#   on Fashion-MNIST?
# - Where does the trained network go wrong, and what does a training loop do at each step?
#
# **Objectives** — after this notebook you will be able to:
#
# - load Fashion-MNIST, look at it, and turn it into flat `float32` vectors in [0, 1];
# - explain softmax + sparse categorical cross-entropy and compute the loss by hand;
# - choose a learning rate with a sweep on a validation split, over several seeds;
# - build, compile, train and evaluate a dense Keras network that reaches 0.89 test accuracy;
# - read learning curves and a confusion matrix, and look at the mistakes;
# - show that the companion's NumPy training loop reproduces Keras's loss, epoch by epoch.
#
# **Prerequisites**: notebooks 01 (dense layers), 02 (activations, softmax) and 04 (Keras
# models). Notebook 03 (backpropagation) explains what happens inside a training step.
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
import math
import time

import keras
import numpy as np

from companion import (
    activations,
    callbacks,
    data,
    diagnostics,
    layers,
    losses,
    models,
    optimizers,
    plots,
)
from companion.exercises import nb05 as ex

CLASS_NAMES = data.CLASS_NAMES

# %% [markdown]
# ## 1. The data
#
# Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) is 70,000 grey-scale photos of clothes from
# Zalando's catalogue, 28 × 28 pixels each, in 10 classes. It was made as a drop-in
# replacement for the handwritten digits of MNIST, which had become too easy. The companion
# loads it exactly as `keras.datasets.fashion_mnist.load_data()` does, but finds a local copy
# first (the Keras cache, or the system folder where Debian's `dataset-fashion-mnist` package
# puts it), so this works offline.

# %%
(x_train_raw, y_train), (x_test_raw, y_test) = data.load_fashion_mnist()
print("training images:", x_train_raw.shape, x_train_raw.dtype)
print("test images:    ", x_test_raw.shape, x_test_raw.dtype)
print("pixel values from", x_train_raw.min(), "to", x_train_raw.max())
print("labels:", np.unique(y_train), "-> images per class:", np.bincount(y_train))

# %% [markdown]
# 60,000 training and 10,000 test images, as unsigned 8-bit integers from 0 (black) to 255
# (white). Each label is a class number; every class has exactly 6,000 training images, so
# a classifier that guessed blindly would be right 10 % of the time. Here are the first 16
# training images with the names of their classes:

# %%
plots.image_grid(
    x_train_raw, labels=y_train, class_names=CLASS_NAMES, title="First 16 training images"
)

# %% [markdown]
# *Figure:* the first 16 Fashion-MNIST training images in a grid, each titled with its class name.
#
# Some classes are easy to tell apart (a trouser is not a bag), others much less so: a
# shirt, a T-shirt, a pullover and a coat all have a body and sleeves. Keep that in mind when
# we look at the mistakes.
#
# ## 2. Preprocessing: flat float32 vectors in [0, 1]
#
# A `Dense` layer reads a vector of features, so each 28 × 28 image becomes a vector of 784
# pixels (row after row: *flattening*). We also divide by 255 so that every input lies in
# [0, 1]. The initializers of notebook 06 assume inputs of order 1; raw values up to 255
# would make the first layer's outputs, and the first gradients, hundreds of times larger.
# Finally we use `float32`, Keras's default: it halves the memory of float64 and is what the
# layers compute in anyway. We convert *before* dividing: `x_train_raw / 255.0` would first
# build a float64 copy of all 60,000 images (360 MB), only to round it to float32 (the values
# come out the same either way).

# %%
x_train = x_train_raw.reshape(len(x_train_raw), -1).astype("float32") / np.float32(255)
x_test = x_test_raw.reshape(len(x_test_raw), -1).astype("float32") / np.float32(255)
print("x_train:", x_train.shape, x_train.dtype, " range", x_train.min(), "to", x_train.max())
print("memory of x_train:", x_train.nbytes // 2**20, "MiB (float64 would take twice that)")
print(
    "one image survives the round trip:",
    np.array_equal(x_train[0].reshape(28, 28) * 255, x_train_raw[0]),
)

# %% [markdown]
# Nothing was lost: reshaping back and multiplying by 255 gives the original pixels. Note that
# flattening throws away which pixels are neighbours; a dense network has to learn any spatial
# structure from the data (convolutional networks build it in, and do better on images).
#
# Every choice we make from data (the learning rate, the schedule, when to stop) is made on a
# **validation** split carved out of the training images, never on the test set: a test
# accuracy that helped choose the model is no longer an estimate of the accuracy on new
# images. We keep the last 6,000 training images aside, as Keras's `validation_split=0.1`
# would:

# %%
x_fit, y_fit = x_train[:54000], y_train[:54000]
x_val, y_val = x_train[54000:], y_train[54000:]
print("fit:", x_fit.shape, " validation:", x_val.shape, " test:", x_test.shape)
#
# ## 3. The output layer and the loss: softmax + sparse categorical cross-entropy
#
# The last layer has one unit per class and outputs 10 numbers, the **logits** `z`. The
# **softmax** turns them into probabilities that are positive and sum to 1:
#
# `p_k = exp(z_k) / (exp(z_1) + … + exp(z_10))`
#
# The **cross-entropy** loss of one sample whose true class is `y` is `-log(p_y)`: 0 when the
# network gives the true class probability 1, large when it gives it almost 0. The loss of a
# batch is the mean over its samples. "Sparse" means the labels are class numbers (`3`);
# the non-sparse `categorical_crossentropy` wants one-hot rows (`[0, 0, 0, 1, 0, …]`). Here are
# three samples with three classes, by hand, with the companion and with Keras:

# %%
logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [1.0, 1.0, 1.0]])
labels = np.array([0, 2, 1])
probs = activations.softmax(logits)
print("probabilities:\n", probs.round(4), "\nrow sums:", probs.sum(axis=1))
by_hand = -np.log(probs[np.arange(3), labels])
print("per-sample -log p[true class]:", by_hand.round(4), "-> mean", round(by_hand.mean(), 6))

# %%
ours = losses.SparseCategoricalCrossentropy()(labels, probs)
theirs = float(keras.losses.SparseCategoricalCrossentropy(dtype="float64")(labels, probs))
one_hot = float(keras.losses.CategoricalCrossentropy(dtype="float64")(np.eye(3)[labels], probs))
print(f"companion {ours:.6f}   Keras sparse {theirs:.6f}   Keras one-hot {one_hot:.6f}")
print("|companion - Keras| < 1e-12:", abs(ours - theirs) < 1e-12)

# %% [markdown]
# The three agree: the sparse loss is the one-hot loss without building the one-hot rows.
# The second sample shows what the loss punishes: its true class got probability 0.026, which
# costs `-log(0.026) = 3.65`, more than the two other samples together. The third sample, where
# the network cannot decide, costs `log(3) = 1.1`: a network that knows nothing starts around
# `log(10) = 2.3` on 10 classes.
#
# Softmax and cross-entropy belong together. Softmax makes probabilities, the cross-entropy
# scores probabilities, and the gradient of the pair with respect to the logits is simply
# `p - one_hot(y)` (notebook 03). If the last layer had no activation, its outputs would be
# logits, and the loss would need `from_logits=True`; a softmax output with
# `from_logits=True` would apply softmax twice. Pick one of the two consistent pairs.
#
# ## 4. The model
#
# Two hidden `Dense` layers with ReLU (256 and 128 units) and a softmax output of 10 units:
# a small version of the benchmark's "MLP 256-128-100".

# %%
keras.utils.set_random_seed(0)
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        keras.layers.Dense(256, activation="relu", name="hidden_1"),
        keras.layers.Dense(128, activation="relu", name="hidden_2"),
        keras.layers.Dense(10, activation="softmax", name="output"),
    ],
    name="fashion_mlp",
)
model.summary(line_length=80, print_fn=print)  # plain text, a fixed width

# %% [markdown]
# 235,146 parameters, 85 % of them in the first layer (784 × 256 + 256), which reads every
# pixel. Before training, the network should know nothing: its loss should be close to
# `log(10) = 2.30` and its accuracy close to 10 %.

# %%
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
loss0, acc0 = model.evaluate(x_val, y_val, verbose=0)
print(f"untrained: loss {loss0:.2f} (log 10 = {math.log(10):.2f}), accuracy {acc0:.2f}")

# %% [markdown]
# Close to `log 10` (within 7 %) and to chance. That check is worth doing on every new model:
# a starting loss far from `log(number of classes)` points at a bug in the data, the labels or
# the output layer. A common cause is an output layer that is **too confident** at the start:
# large logits make the softmax put almost all its probability on one arbitrary class, and
# the loss starts far above `log 10`. Training then spends its first steps only shrinking the
# logits (Karpathy's "hockey stick" loss curve in makemore). Here is the same network with its
# output kernel multiplied by 10, and by 0.1 (on the companion copy, so that the Keras model
# stays as it is):

# %%
for factor in (10.0, 1.0, 0.1):
    copy = models.from_keras(model)
    copy.layers[-1].kernel *= factor
    probs_val = copy.predict(x_val, batch_size=1000)
    loss_f = losses.SparseCategoricalCrossentropy()(y_val, probs_val)
    print(f"output kernel x {factor:4}: initial loss {loss_f:5.2f}, "
          f"largest probability {probs_val.max(axis=1).mean():.2f} on average")  # fmt: skip

# %% [markdown]
# Ten times larger logits: the loss starts several times above `log 10`, with the network
# sure of random answers. A tenth: the loss is almost exactly `log 10` and every class gets
# about 0.1. That is why some practitioners initialize the output layer small (or zero): the
# network then starts from "I don't know", the right prior for balanced classes.
#
# ## 5. Choosing the learning rate, on the validation split
#
# `compile` chooses *how* to learn: the **optimizer** (Adam), the **loss** to minimise and
# the **metrics** to report. `fit` then runs the loop: for each **batch** of `batch_size`
# samples, a forward pass, the loss, the gradients (backpropagation) and one optimizer step;
# one **epoch** is one pass over the training data.
#
# The setting that matters most is the **learning rate**. We choose it the way a careful
# experimenter does: a sweep over a factor of 30, each setting trained from 3 random
# initializations (seeds), scored on the validation split. To fit the sweep into a minute of
# a laptop's time we shrink it: 8,000 training images, 2 epochs, and the companion's NumPy
# trainer, which on a CPU is about twice as fast as Keras for this network (section 10 shows
# that it computes what Keras computes). A short run ranks learning rates; it does not
# reach the final accuracy.

# %%
x_sub, y_sub = x_fit[:8000], y_fit[:8000]  # the shrunken training set of the sweeps


def companion_mlp(seed):
    """The 256-128-10 network in the companion, initialized from `seed`."""
    rng = np.random.default_rng(seed)
    return models.Sequential(
        [layers.Dense(256, "relu", seed=rng), layers.Dense(128, "relu", seed=rng),
         layers.Dense(10, "softmax", seed=rng)]
    )  # fmt: skip


class CosineDecay(callbacks.Callback):
    """Keras's CosineDecay schedule for a companion fit: before step t of T,
    learning_rate = peak * (1 + cos(pi * t / T)) / 2, from `peak` down to 0."""

    def __init__(self, peak, total_steps):
        super().__init__()
        self.peak, self.total, self.step = peak, total_steps, 0

    def on_train_batch_begin(self, batch, logs=None):
        progress = min(self.step, self.total) / self.total
        self.model.optimizer.learning_rate = self.peak * (1 + math.cos(math.pi * progress)) / 2
        self.step += 1


def short_run(lr, batch_size, seed, epochs=2, cosine=False):
    """Train on x_sub with Adam(lr), constant or cosine-decaying; return the validation loss."""
    net = companion_mlp(seed)
    net.compile(optimizer=optimizers.Adam(lr), loss="sparse_categorical_crossentropy")
    steps = math.ceil(len(x_sub) / batch_size) * epochs
    schedule = [CosineDecay(lr, steps)] if cosine else []
    net.fit(x_sub, y_sub, epochs=epochs, batch_size=batch_size, seed=seed, callbacks=schedule)
    return net.evaluate(x_val, y_val, batch_size=1000)


# %%
LRS, SEEDS = [3e-4, 1e-3, 2e-3, 4e-3, 1e-2], [0, 1, 2]
sweep = {
    bs: np.array([[short_run(lr, bs, seed) for seed in SEEDS] for lr in LRS]) for bs in (256, 1024)
}
fig, ax = plots.new_figure(figsize=(6.0, 3.4))
with plots.style():
    for k, (bs, val_loss) in enumerate(sweep.items()):
        mean, sd = val_loss.mean(axis=1), val_loss.std(axis=1, ddof=1)
        ax.errorbar(LRS, mean, yerr=sd, color=plots.PALETTE[k], marker="o", capsize=3,
                    label=f"batch {bs} ({math.ceil(8000 / bs)} steps per epoch)")  # fmt: skip
    ax.set(xscale="log", xlabel="Adam learning rate", ylabel="validation loss after 2 epochs")
    ax.set_title("Learning-rate sweep: mean ± sd over 3 seeds")
    ax.legend()
fig

# %% [markdown]
# *Figure:* validation loss after 2 epochs against Adam's learning rate (log scale), one line per
# batch size, with error bars of one standard deviation over 3 seeds.

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: float32 training; the third decimal can change between CPUs. The statements in
# the next cell do not.
for bs, val_loss in sweep.items():
    cells = [f"{m:.3f} ± {d:.3f}" for m, d in zip(val_loss.mean(1), val_loss.std(1, ddof=1))]
    print(f"batch {bs:4d}:", "  ".join(f"lr {lr:g}: {c}" for lr, c in zip(LRS, cells)))

# %%
mean_256, mean_1024 = sweep[256].mean(axis=1), sweep[1024].mean(axis=1)
print("batch 256: lr 3e-4 worse than 2e-3:", mean_256[0] > mean_256[2] + 0.05)
print("batch 1024: lr 3e-4 worse than 4e-3:", mean_1024[0] > mean_1024[3] + 0.1)
print("batch 1024 at lr 1e-3 worse than batch 256 at lr 1e-3:", mean_1024[1] > mean_256[1] + 0.05)

# %% [markdown]
# Too small a learning rate (3e-4) learns too slowly at both batch sizes; too large a one
# (1e-2) overshoots at batch 1024. For batches of 256 the bottom of the curve is flat from
# 1e-3 to 1e-2: its lowest mean is at **2e-3**, which we take, but its neighbours are within
# the error bars (one standard deviation over the 3 seeds), so the sweep does not say that 2e-3
# is better than 4e-3, only that it is as good as any.
#
# **Batch size and learning rate go together.** With the same number of epochs, a batch 4
# times larger takes 4 times fewer steps (16 instead of 64 here), each on a less noisy
# gradient. Its whole curve sits higher, and a too-small rate costs it far more: at 1e-3 it
# is about 0.06 above its own best, at 3e-4 it has hardly started. Its best rates (2e-3 to
# 4e-3) are not lower than batch 256's, and larger steps would help it most if they did not
# overshoot.
# For SGD, Goyal et al. (2017) scale the learning rate linearly with the batch size ("linear
# scaling rule", with a warm-up); for Adam, Malladi et al. (2022) argue for a square-root
# rule. Either way: when you change the batch size, sweep the learning rate again.
#
# **A schedule.** Large steps early explore, small steps at the end settle in a minimum. A
# cosine schedule starts at a peak learning rate and shrinks it smoothly to 0 over the run.
# Does it help? The same peak of 4e-3, held constant or decaying, 4 epochs on the 8,000
# images (twice the sweep's length, so that the decay has room to act), 3 seeds each, on the
# validation split. To save time we compare only at 4e-3, the largest rate that did not
# overshoot at either batch size:

# %%
schedule_runs = {
    kind: np.array([short_run(4e-3, 256, s, epochs=4, cosine=kind == "cosine") for s in SEEDS])
    for kind in ("constant", "cosine")
}

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: float32 training; the third decimal can change between CPUs.
for kind, val_loss in schedule_runs.items():
    mean, sd = val_loss.mean(), val_loss.std(ddof=1)
    print(f"{kind:8s} from 0.004: validation loss {mean:.3f} ± {sd:.3f}")

# %%
constant, cosine = schedule_runs["constant"], schedule_runs["cosine"]
print("cosine from 4e-3 beats constant 4e-3:", cosine.mean() < constant.mean())
print("cosine's spread over seeds is smaller:", cosine.std(ddof=1) < constant.std(ddof=1))

# %% [markdown]
# Cosine decay gives the lower mean validation loss, with a spread over seeds several times
# smaller than the constant rate's: the large early steps make progress, the small late ones
# let every seed settle. Its lead is smaller than the constant runs' standard deviation, though:
# suggestive, not established by 3 seeds. A schedule pays when it lets a run start with larger
# steps than a constant rate could keep. For the full run we take cosine from 2e-3, the best
# constant rate of the sweep. (We did not sweep the peak on full-length runs, 15 to 30 s each:
# with 25 times more steps than these short runs, the best peak may differ.)
#
# ### Compile and fit, with the chosen settings
#
# - **batch_size 256**: large batches make each epoch fast on a CPU.
# - **Adam with a cosine-decaying learning rate from 2e-3**, the middle of the sweep's flat
#   bottom for this batch size, decaying to 0 over the whole run.
# - **15 epochs**, with the validation split scored after each one. The test set stays
#   untouched until the very end.
#
# `diagnostics.update_ratio_callback` records the update:data ratio of every kernel during
# training (notebook 07 explains it): how large each step is compared with the weights.

# %%
EPOCHS, BATCH_SIZE, PEAK_LR = 15, 256, 2e-3
steps_per_epoch = math.ceil(len(x_fit) / BATCH_SIZE)
schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=PEAK_LR, decay_steps=EPOCHS * steps_per_epoch
)
model.compile(  # compiling again replaces the optimizer; the weights stay untrained
    optimizer=keras.optimizers.Adam(learning_rate=schedule),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
print(f"{steps_per_epoch} steps per epoch, {EPOCHS * steps_per_epoch} optimizer steps in all")

# %%
updates = diagnostics.update_ratio_callback(model, every=25)
start = time.perf_counter()
history = model.fit(
    x_fit,
    y_fit,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    validation_data=(x_val, y_val),
    callbacks=[updates],
    verbose=0,
)
seconds = time.perf_counter() - start

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: wall-clock time depends on the machine and on what else runs on it.
print(f"training took {seconds:.0f} s ({seconds / EPOCHS:.1f} s per epoch)")

# %% [markdown]
# ## 6. Learning curves
#
# `fit` returned a `History`: one value per epoch for each loss and metric, on the training
# data (`loss`, `accuracy`) and on the validation data (`val_loss`, `val_accuracy`).

# %%
plots.learning_curves(history, title="Fashion-MNIST, dense 256-128-10")

# %% [markdown]
# *Figure:* training and validation loss and accuracy per epoch of the 256-128-10 network.
#
# Both losses fall quickly in the first epochs and flatten as the learning rate decays. The
# training curves keep improving to the end, while the validation curves level off (accuracy
# below the training curve, loss above it): the network starts to fit details of its training
# images that do not carry over to new ones. That growing gap is the beginning of
# **overfitting**, the subject of notebook 08. Here the gap is a few points of accuracy, small
# enough that we keep all 15 epochs.

# %%
h = history.history
gap = h["accuracy"][-1] - h["val_accuracy"][-1]
print("training accuracy above validation accuracy at the end:", gap > 0)
print(
    "validation accuracy improved over the first epoch:",
    h["val_accuracy"][-1] > h["val_accuracy"][0],
)

# %% [markdown]
# The update:data ratio of each kernel during the same run, every 25th step: the size of an
# Adam step relative to the weights, on a log scale, with Karpathy's rule of thumb (-3) dashed.

# %%
fig, ax = plots.new_figure(figsize=(6.5, 3.2))
with plots.style():
    for k, (name, ratios) in enumerate(updates.ratios.items()):
        ax.plot(updates.steps, ratios, color=plots.PALETTE[k], label=name)
    ax.axhline(-3.0, color="grey", ls="--", lw=1)
    ax.set(xlabel="optimizer step", ylabel="log10(|step| / |w|)", title="update:data ratio")
    ax.legend()
fig

# %% [markdown]
# *Figure:* log10 of each layer kernel's update:data ratio over the optimizer steps, with a dashed
# line at -3, the rule of thumb.

# %%
early = [r[1:40].mean() for r in updates.ratios.values()]  # steps 25 to 975
print("steps 25-975: every layer within a decade above -3:", all(-3.5 < r < -1.5 for r in early))
print("last step: every layer below -5:", all(r[-1] < -5 for r in updates.ratios.values()))

# %% [markdown]
# Adam's very first step is large, about 1/20 of the weights (its first update has the size
# of the learning rate for every weight, whatever the gradient). The ratio then settles
# between about -2.8 and -2.2, a little above Karpathy's -3, in every layer, and falls as the
# cosine schedule takes the learning rate to 0. A layer far below the others would be
# learning too slowly; one far above, too fast.

# %% [markdown]
# ## 7. Test accuracy, and the benchmark
#
# Now, once, the test set.

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: float32 training sums in an order that depends on the CPU's vector width
# (SSE, AVX2, AVX-512), so another machine ends with slightly different weights and a test
# accuracy a few tenths of a point away. The robust statement is in the next cell.
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.4f}")

# %% [markdown]
# One run is one draw: another random initialization and batch order give another accuracy.
# How large is that spread? Two more runs of the same recipe (same architecture, Adam with
# the same cosine schedule, 15 epochs of 54,000 images in batches of 256) from seeds 1 and 2,
# trained with the companion's NumPy loop to save time (about 15 s each on a laptop):

# %%
test_accs = [test_acc]  # seed 0: the Keras model above
for seed in (1, 2):
    twin = companion_mlp(seed)
    twin.compile(optimizer=optimizers.Adam(PEAK_LR), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])  # fmt: skip
    cosine = CosineDecay(PEAK_LR, EPOCHS * steps_per_epoch)
    twin.fit(x_fit, y_fit, epochs=EPOCHS, batch_size=BATCH_SIZE, seed=seed, callbacks=[cosine])
    test_accs.append(twin.evaluate(x_test, y_test, batch_size=1000)[1])

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: as above, float32 training; the fourth decimal changes between CPUs.
print("test accuracy per seed:", np.round(test_accs, 4))
print(f"mean ± sd over 3 seeds: {np.mean(test_accs):.4f} ± {np.std(test_accs, ddof=1):.4f}")

# %%
print("mean test accuracy over 3 seeds >= 0.89:", np.mean(test_accs) >= 0.89)

# %% [markdown]
# How good is that? The Fashion-MNIST README collects submitted results
# ([zalandoresearch/fashion-mnist](https://github.com/zalandoresearch/fashion-mnist#benchmark),
# "Benchmark"). A few rows, test accuracy:
#
# | classifier (from the README) | preprocessing | test accuracy |
# |---|---|---|
# | Human performance (crowd-sourced, 1,000 test images, no fashion expertise) | – | 0.835 |
# | 2 Conv layers with max pooling (Keras) | none | 0.876 |
# | MLP 256-128-100 | none | 0.8833 |
# | XgBoost | scaled to mean 0, variance 1 | 0.898 |
# | 3 Conv + pooling + BN | none | 0.903 |
# | WRN40-4, 8.9M parameters | standardization + augmentation | 0.967 |
# | **this notebook: dense 256-128-10, mean of 3 seeds** | **[0, 1] scaling** | **≥ 0.89** |
#
# A dense network of 235k parameters, trained for well under a minute on a laptop CPU, beats
# the listed MLP and untrained humans. The convolutional networks at the top of the list use
# what we threw away when we flattened: which pixels are neighbours.
#
# ## 8. Where does it go wrong? The confusion matrix
#
# Row `i`, column `j` of a **confusion matrix** counts the test images of class `i` that the
# network labelled `j`. The diagonal holds the correct answers.

# %%
probs_test = model.predict(x_test, verbose=0)
pred = probs_test.argmax(axis=1)
plots.confusion_matrix(y_test, pred, class_names=CLASS_NAMES)

# %% [markdown]
# *Figure:* the test set's confusion matrix, true classes in rows and predicted classes in columns;
# most off-diagonal counts sit among shirts, T-shirts, pullovers and coats.
#
# Trousers, bags, sandals, sneakers and ankle boots are nearly perfect. The mistakes gather in
# the block of upper-body clothes: shirts are taken for T-shirts, pullovers and coats, and
# the other way round. Per class (the diagonal divided by the row sums, the **recall**):

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: the counts come from the float32 training above and vary by a few images
# from one CPU to another.
counts = plots.confusion_counts(y_test, pred, n_classes=10)
recall = np.diag(counts) / counts.sum(axis=1)
for name, r in sorted(zip(CLASS_NAMES, recall), key=lambda t: t[1]):
    print(f"{name:12s} {r:.3f}")

# %%
print("Shirt is the hardest class:", CLASS_NAMES[int(np.argmin(recall))] == "Shirt")
print("every footwear class above 0.93:", bool(recall[[5, 7, 9]].min() > 0.93))

# %% [markdown]
# ## 9. The misclassified images
#
# Numbers tell *how often*; images tell *why*. Here are the first 16 test images the network
# got wrong, with its prediction over the true class.

# %%
wrong = np.flatnonzero(pred != y_test)
plots.image_grid(
    x_test_raw[wrong], labels=y_test[wrong], predictions=pred[wrong], class_names=CLASS_NAMES
)

# %% [markdown]
# *Figure:* test images the network got wrong, each titled with its true and its predicted class.
#
# Many of these mistakes are understandable at 28 × 28 pixels: a shirt without visible
# buttons looks like a T-shirt or a pullover, a coat without a visible zip like a pullover,
# and some labels are debatable. Others are errors a person would hardly make, such as a
# sneaker taken for a sandal: the network compares pixel patterns and has no notion of what
# a shoe is. Looking at mistakes like this is how you find label noise, confusable classes,
# or what a better model would need to see.
#
# ## 10. Inside `fit`: the companion's training loop gives the same losses
#
# What does `fit` do at each step? The companion's `Sequential.fit` spells it out in NumPy:
# forward pass with `training=True`, the batch loss, `backward` through the layers in reverse
# order, then one optimizer update of every weight. If that description is complete, it must
# reproduce Keras's losses exactly, given
#
# - the **same starting weights**: `models.from_keras` copies the Keras model;
# - the **same batches**: `shuffle=False`, so both go through the samples in order;
# - the **same arithmetic precision**: float64 on both sides, so that rounding is far below
#   what we compare. Keras computes in float32 by default; `keras.config.set_floatx("float64")`
#   (with the matching dtype policy) switches layers, losses and metrics to float64, and we
#   switch back afterwards;
# - **hyperparameters that float32 stores exactly**: Keras keeps Adam's `beta_1` and `beta_2`
#   in float32 even then, so 0.9 would act as 0.899999976. We use `beta_1 = 0.875`,
#   `beta_2 = 1 - 2⁻¹⁰` and a learning rate of `2⁻¹⁰ ≈ 0.001`.
#
# To keep it quick: 2,000 training images, batches of 100, three epochs, the same 256-128-10
# architecture.

# %%
x_small = x_train_raw[:2000].reshape(2000, -1) / 255.0  # float64
y_small = y_train[:2000]
adam_args = dict(learning_rate=2**-10, beta_1=0.875, beta_2=1 - 2**-10)

keras.config.set_floatx("float64")
keras.config.set_dtype_policy("float64")
try:
    keras.utils.set_random_seed(1)
    keras_model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    companion_model = models.from_keras(keras_model)  # same weights, as NumPy arrays
    keras_model.compile(
        optimizer=keras.optimizers.Adam(**adam_args),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    fit_args = dict(epochs=3, batch_size=100, shuffle=False, verbose=0)
    keras_hist = keras_model.fit(x_small, y_small, **fit_args).history
finally:
    keras.config.set_floatx("float32")
    keras.config.set_dtype_policy("float32")

# %% [markdown]
# The companion model trains with the companion's own Adam, loss and loop:

# %%
companion_model.compile(
    optimizer=optimizers.Adam(**adam_args),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
companion_hist = companion_model.fit(x_small, y_small, **fit_args).history

print("epoch      Keras loss  companion loss  rel. diff < 1e-12  Keras acc  companion acc")
for e in range(3):
    k, c = keras_hist["loss"][e], companion_hist["loss"][e]
    acc_k, acc_c = keras_hist["accuracy"][e], companion_hist["accuracy"][e]
    close = abs(c - k) / k < 1e-12
    print(f"{e + 1:5d}  {k:14.10f}  {c:14.10f}  {close!s:>17}  {acc_k:9.4f}  {acc_c:13.4f}")

# %%
# NBVAL_IGNORE_OUTPUT
# Why ignored: the exact relative differences are float64 rounding (about 1e-16), whose last
# digits depend on how each CPU orders its sums.
rel = [abs(c - k) / k for k, c in zip(keras_hist["loss"], companion_hist["loss"])]
w_diff = max(
    np.max(np.abs(a - b)) for a, b in zip(keras_model.get_weights(), companion_model.get_weights())
)
print("relative loss differences:", [f"{r:.0e}" for r in rel])
print(f"max |companion weight - Keras weight| after training: {w_diff:.0e}")

# %% [markdown]
# Three epochs, 60 optimizer steps, and the two losses agree to about 16 significant digits,
# as do the accuracies and every weight at the end. Nothing is hidden in `fit`: a forward
# pass, a loss, a backward pass and an Adam update per batch, and the epoch loss is the mean
# of the batch losses weighted by batch size.
#
# ## Exercises
#
# ### Exercise 1 — standardize with the training set's statistics
#
# Scaling to [0, 1] is one choice; another is to **standardize** each pixel: subtract its mean
# and divide by its standard deviation, so that every input has mean 0 and variance 1. Write
# `standardize(x_train, x_test)` that returns both sets standardized with the mean and the
# (population) standard deviation of the **training** set, per pixel (per column):
# `(x - mean) / max(std, 1e-7)`. The `max` protects pixels that are the same in every image.


# %% tags=["exercise", "q1"]
def standardize(x_train, x_test):
    return ...  # your code here: return x_train_std, x_test_std


# %%
ex.q1.check(standardize)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — the loss in NumPy
#
# Write `sparse_categorical_crossentropy(y_true, y_pred)` for integer labels `y_true` of shape
# `(n,)` and probabilities `y_pred` of shape `(n, classes)`: the mean over the batch of
# `-log(y_pred[i, y_true[i]])`. Clip the probabilities to `[1e-7, 1 - 1e-7]` first, as Keras
# does, so that a probability of exactly 0 does not give `log(0)`.


# %% tags=["exercise", "q2"]
def sparse_categorical_crossentropy(y_true, y_pred):
    return ...  # your code here


# %%
ex.q2.check(sparse_categorical_crossentropy)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — a model to a spec
#
# Write `build_model()` that returns a **compiled** Keras model: input of shape `(784,)`,
# `Dense(128, activation="relu")`, `Dropout(0.2)`, `Dense(10, activation="softmax")`; compiled
# with Adam (learning rate 0.001), the sparse categorical cross-entropy loss and
# `metrics=["accuracy"]`. The check reads the layers and the compile configuration. (If you
# want, train it afterwards with `build_model().fit(x_train, y_train, epochs=5,
# batch_size=256, verbose=0)` and compare.)


# %% tags=["exercise", "q3"]
def build_model():
    return ...  # your code here


# %%
ex.q3.check(build_model)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# ### Exercise 4 — the most confused pair
#
# Write `most_confused(counts)` that returns `(true_class, predicted_class)` of the largest
# **off-diagonal** entry of a confusion matrix `counts` (rows: true classes, columns:
# predicted classes). Do not change the matrix you are given. Then try it on our model:
# `CLASS_NAMES[t], CLASS_NAMES[p]` for `t, p = most_confused(counts)`.


# %% tags=["exercise", "q4"]
def most_confused(counts):
    return ...  # your code here


# %%
ex.q4.check(most_confused)
# ex.q4.hint()
# ex.q4.solution()

# %% [markdown]
# ### Exercise 5 — investigate: predict, then measure the update:data ratio
#
# Section 6 recorded the update:data ratio during the full run. How does it depend on the
# learning rate? Take Adam at three rates, **1e-6, 1e-4 and 1e-1**, each for one epoch on the
# first 2,048 training images (8 steps of 256) from the same initial weights.
#
# 1. **Predict first**, before you run anything: fill in `prediction` with your guess of
#    log10 of layer 1's update:data ratio at each rate (-3 means a step of 1/1000 of the
#    weights). A reasoned guess needs two facts: how far Adam moves each weight per step, and
#    the typical size of layer 1's weights.
# 2. **Measure**: write `layer1_update_ratio(net, x, y, learning_rate)` that compiles the
#    companion network `net` with `optimizers.Adam(learning_rate)` and the sparse categorical
#    cross-entropy, trains it for one epoch (`batch_size=256, seed=0`) with
#    `diagnostics.update_ratio_callback(net)` in its callbacks, and returns layer 1's kernel's
#    mean log10 ratio over the steps (the first row's `mean_log10` of the recorder's
#    `table()`). Run it on `companion_mlp(0), x_sub[:2048], y_sub[:2048]` for each rate (the
#    commented line in the cell).
# 3. **Interpret**: against Karpathy's rule of thumb (about -3, give or take a decade), is
#    each rate `"too small"`, `"about right"` or `"too large"`? Compare with your prediction,
#    and with the learning-rate sweep of section 5.


# %% tags=["exercise", "q5"]
prediction = {1e-6: ..., 1e-4: ..., 1e-1: ...}  # your guesses of log10(update:data), layer 1


def layer1_update_ratio(net, x, y, learning_rate):
    return ...  # your code here


# for lr in prediction:
#     print(lr, layer1_update_ratio(companion_mlp(0), x_sub[:2048], y_sub[:2048], lr))
verdict = {1e-6: ..., 1e-4: ..., 1e-1: ...}  # "too small", "about right" or "too large"

# %%
ex.q5.check(prediction, layer1_update_ratio, verdict)
# ex.q5.hint()
# ex.q5.solution()

# %% [markdown]
# ## Key points
#
# - Images become flat `float32` vectors in [0, 1] for a dense network: reshape to
#   `(n, 784)`, divide by 255. Statistics for any preprocessing come from the training set only.
# - A classifier ends in `Dense(classes, activation="softmax")` with
#   `sparse_categorical_crossentropy` for integer labels (or no activation with
#   `from_logits=True`); an untrained model should start near `log(classes)` (far above it:
#   an over-confident output layer).
# - `compile` picks optimizer, loss and metrics; `fit` runs forward, loss, backward and an
#   update per batch; `evaluate` on the test set comes last, once.
# - Choose the learning rate (and batch size, schedule) on a validation split, with a sweep
#   over several seeds; differences inside the error bars are not differences. A larger batch
#   means fewer steps per epoch: sweep the learning rate again when you change it.
# - A dense 256-128-10 network with Adam and a cosine-decaying learning rate reaches 0.89 test
#   accuracy (mean of 3 seeds) in 15 epochs; its update:data ratio stays near 1e-3 while it
#   learns. Its mistakes are mostly between shirts, T-shirts, pullovers and coats.
# - From the same weights and batches, in float64, the companion's NumPy `fit` reproduces
#   Keras's losses to rounding: the training loop has no hidden parts.
