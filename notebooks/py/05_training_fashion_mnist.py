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
# - build, compile, train and evaluate a dense Keras network that reaches 0.89 test accuracy;
# - read learning curves and a confusion matrix, and look at the mistakes;
# - show that the companion's NumPy training loop reproduces Keras's loss, epoch by epoch.
#
# **Prerequisites**: notebooks 01 (dense layers), 02 (activations, softmax) and 04 (Keras
# models). Notebook 03 (backpropagation) explains what happens inside a training step.
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
import math
import time

import keras
import numpy as np

from companion import activations, data, losses, models, optimizers, plots
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
# layers compute in anyway.

# %%
x_train = (x_train_raw.reshape(len(x_train_raw), -1) / 255.0).astype("float32")
x_test = (x_test_raw.reshape(len(x_test_raw), -1) / 255.0).astype("float32")
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
loss0, acc0 = model.evaluate(x_test, y_test, verbose=0)
print(f"untrained: loss {loss0:.2f} (log 10 = {math.log(10):.2f}), accuracy {acc0:.2f}")

# %% [markdown]
# Close to `log 10` (within 7 %) and to chance. That check is worth doing on every new model:
# a starting loss far from `log(number of classes)` points at a bug in the data, the labels or
# the output layer.
#
# ## 5. Compile and fit
#
# `compile` chooses *how* to learn: the **optimizer** (Adam), the **loss** to minimise and
# the **metrics** to report. `fit` then runs the loop: for each **batch** of `batch_size`
# samples, a forward pass, the loss, the gradients (backpropagation) and one optimizer step;
# one **epoch** is one pass over the training data.
#
# Our choices, and why:
#
# - **batch_size 256**: large batches make each epoch fast on a CPU; the gradient of 256
#   samples is also a less noisy estimate.
# - **Adam with a cosine-decaying learning rate**: it starts at 0.002 and shrinks smoothly to 0
#   over the whole run. Large steps early explore, small steps at the end settle in a
#   minimum. In our trials that was worth more than a point of test accuracy over a
#   constant learning rate of 0.001.
# - **15 epochs** and **`validation_split=0.1`**: Keras keeps the last 10 % of the training
#   images (6,000) aside and reports the loss and accuracy on them after each epoch. The
#   test set stays untouched until the very end.

# %%
EPOCHS, BATCH_SIZE = 15, 256
steps_per_epoch = math.ceil(len(x_train) * 0.9 / BATCH_SIZE)
schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=2e-3, decay_steps=EPOCHS * steps_per_epoch
)
model.compile(  # compiling again replaces the optimizer; the weights stay untrained
    optimizer=keras.optimizers.Adam(learning_rate=schedule),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
print(f"{steps_per_epoch} steps per epoch, {EPOCHS * steps_per_epoch} optimizer steps in all")

# %%
start = time.perf_counter()
history = model.fit(
    x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=0.1, verbose=0
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

# %%
print("test accuracy >= 0.89:", test_acc >= 0.89)

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
# | **this notebook: dense 256-128-10, 15 epochs** | **[0, 1] scaling** | **≥ 0.89** |
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
# ## Key points
#
# - Images become flat `float32` vectors in [0, 1] for a dense network: reshape to
#   `(n, 784)`, divide by 255. Statistics for any preprocessing come from the training set only.
# - A classifier ends in `Dense(classes, activation="softmax")` with
#   `sparse_categorical_crossentropy` for integer labels (or no activation with
#   `from_logits=True`); an untrained model should start near `log(classes)`.
# - `compile` picks optimizer, loss and metrics; `fit` runs forward, loss, backward and an
#   update per batch; `evaluate` on the test set comes last, once.
# - A dense 256-128-10 network with Adam and a decaying learning rate reaches 0.89 test
#   accuracy in 15 epochs; its mistakes are mostly between shirts, T-shirts, pullovers and coats.
# - From the same weights and batches, in float64, the companion's NumPy `fit` reproduces
#   Keras's losses to rounding: the training loop has no hidden parts.
