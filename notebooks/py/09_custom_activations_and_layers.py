# %% [markdown]
# # 09 · Custom activations and layers
#
# **Questions**
#
# - How do I use an activation function that Keras does not have, and how do I make sure that
#   a model using it can be saved and loaded again?
# - What does a custom Keras layer need (`build`, `call`, `get_config`), and what goes wrong
#   without each?
# - How does the same idea look in plain NumPy, where we write the backward pass ourselves?
# - How do the course's lessons combine when I design a network for a budget?
#
# **Objectives** — after this notebook you will be able to:
#
# - write an activation as a function of `keras.ops`, register it for saving, and write the same
#   activation with its derivative for the companion;
# - derive the derivative of `x · sigmoid(x)` and check it three ways: against Keras's built-in
#   `silu`, against `tf.GradientTape`, and with a numerical gradient check;
# - subclass `keras.layers.Layer` with `build`, `call` and `get_config`, train the layer, save the
#   model to a `.keras` file and load it back with identical predictions;
# - design a small dense network for Fashion-MNIST under a parameter budget and justify its
#   activation, initializer and regularization.
#
# **Prerequisites**: notebooks 02 (activation functions), 03 (backpropagation and gradient
# checks), 04 (Keras models, subclassing), 05 (training on Fashion-MNIST); the capstone also
# draws on 06 (initialization), 07 (vanishing gradients) and 08 (overfitting).
#
# **Time**: teaching 30 min · exercises 40 min

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
import os
import tempfile

import keras
import numpy as np
from keras import ops

from companion import activations, backend, data, gradcheck, layers, models, optimizers, plots
from companion.exercises import nb09 as ex

# %% [markdown]
# ## 1. Swish on paper: the function and its derivative
#
# Our custom activation is **swish**, `f(x) = x · σ(x)`, where `σ(x) = 1 / (1 + e^(−x))` is the
# sigmoid. Hendrycks and Gimpel (2016) named it the sigmoid linear unit (SiLU), in the paper
# that introduced GELU; Elfwing, Uchibe and Doya (2017) used it, as the sigmoid-weighted linear
# unit, in reinforcement learning; Ramachandran, Zoph and Le (2017) found it again by an
# automated search over activation functions, named it swish, and reported that it often
# beats ReLU in deep networks. Keras has
# it built in as `keras.activations.silu`, which is exactly why we pick it: we can write it
# ourselves and compare with a reference.
#
# Training needs its derivative. The product rule, and the sigmoid's own derivative
# `σ'(x) = σ(x) (1 − σ(x))` (notebook 02), give
#
# `f'(x) = σ(x) + x · σ(x) (1 − σ(x)) = σ(x) · (1 + x (1 − σ(x)))`.
#
# Three sanity checks before we trust it. For large positive `x`, `σ(x) → 1` and
# `x (1 − σ(x)) → 0`, so `f'(x) → 1`: swish behaves like the identity there, as ReLU does. For
# large negative `x`, `σ(x) → 0`, so `f'(x) → 0`. At 0, `f'(0) = ½`. Unlike ReLU, swish is
# smooth everywhere, dips slightly below zero (to −0.278 at x ≈ −1.28) and has a derivative that
# briefly exceeds 1 (1.0998 at x ≈ 2.40).
#
# Ramachandran et al. also proposed a version with a slope `β`, `x · σ(βx)`: `β = 0` gives the
# linear function `x / 2`, and a large `β` approaches ReLU. We will make `β` learnable in
# section 6.

# %%
x_plot = np.linspace(-5.0, 5.0, 401)
sigmoid_of = lambda z: 1.0 / (1.0 + np.exp(-z))  # fine for |z| <= 50, as here
fig, (ax_f, ax_d) = plots.new_figure(1, 2, figsize=(9.0, 3.2))
with plots.style():
    for i, beta in enumerate((0.0, 0.5, 1.0, 2.0, 10.0)):
        label = f"β = {beta:g}" + (" (swish)" if beta == 1 else "")
        dashes = ("-", "--", "-.", ":", (0, (3, 1, 1, 1, 1, 1)))  # a second cue besides colour
        style = dict(color=plots.PALETTE[i], ls=dashes[i], lw=1.8)
        ax_f.plot(x_plot, x_plot * sigmoid_of(beta * x_plot), label=label, **style)
    s = sigmoid_of(x_plot)
    ax_d.plot(x_plot, s * (1 + x_plot * (1 - s)), label="swish'(x)", color=plots.PALETTE[2])
    ax_d.plot(x_plot, (x_plot > 0) * 1.0, ls="--", label="relu'(x)", color=plots.PALETTE[7])
    ax_f.set(title="x · σ(βx) for several β", xlabel="x", ylabel="f(x)")
    ax_d.set(title="Derivative of swish (β = 1) and of relu", xlabel="x", ylabel="f'(x)")
    ax_f.legend(fontsize=8)
    ax_d.legend(fontsize=8)
fig

# %% [markdown]
# *Figure:* on the left, x · σ(βx) for β = 0, 0.5, 1, 2 and 10, from the straight line x / 2 to
# a near-ReLU bend at 0; on the right, swish's derivative, an S-shaped curve from 0 through 0.5
# at x = 0 to a bump just above 1, over relu's dashed step.
#
# Left: as `β` grows, the curve moves from the straight line `x / 2` towards ReLU. Right: the
# derivative of swish is a smoothed version of ReLU's step, with the small overshoot above 1 and
# a negative region for x below about −1.28 (swish is not monotonic there).
#
# ## 2. In Keras: a function of `keras.ops`, registered
#
# A Keras activation is any function from a tensor to a tensor of the same shape. Written with
# `keras.ops`, it runs on every Keras backend (TensorFlow, JAX, PyTorch), and Keras
# differentiates it automatically: there is no backward pass to write.
#
# One more line matters. A saved model (a `.keras` file) stores each layer's configuration as
# JSON, and a function is stored by its **name**. To find the function again from that name
# when loading, Keras needs it in its registry: the decorator
# `keras.saving.register_keras_serializable` puts it there, under `"package>name"`.


# %%
@keras.saving.register_keras_serializable(package="course")
def swish_keras(x):
    """swish(x) = x * sigmoid(x), for any Keras backend."""
    return ops.multiply(x, ops.sigmoid(x))  # ops.multiply: NumPy input on PyTorch too


print("registered as:", keras.saving.get_registered_name(swish_keras))
print("swish_keras([-1, 0, 2]) =", np.asarray(swish_keras(np.array([-1.0, 0.0, 2.0]))).round(4))

# %% [markdown]
# It takes NumPy arrays too (`keras.ops` converts them) and returns a tensor. We can now pass it
# wherever Keras accepts an activation: `keras.layers.Dense(64, activation=swish_keras)` or
# `keras.layers.Activation(swish_keras)`.
#
# ## 3. In the companion: `activations.custom`, with the derivative
#
# The companion does not differentiate automatically: every activation carries its derivative
# (`f.derivative(x)`) and a `f.backward(x, grad_output)` that the layers call during
# backpropagation. `activations.custom(fn, derivative=...)` turns a NumPy function and its
# derivative into such an activation, which `layers.Dense(..., activation=...)` accepts.
#
# First the sigmoid, computed so that `exp` never overflows: `1 / (1 + e^(−x))` overflows in
# `e^(−x)` for x below about −709 in float64, so for negative x we use the equal form
# `e^x / (1 + e^x)`. Both are written with `e = exp(−|x|)`, which is at most 1.


# %%
def sigmoid_np(x):
    e = np.exp(-np.abs(x))  # <= 1: no overflow for any x
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def swish_np(x):
    return x * sigmoid_np(x)


def swish_np_derivative(x):
    s = sigmoid_np(x)
    return s * (1.0 + x * (1.0 - s))


swish_companion = activations.custom(swish_np, derivative=swish_np_derivative, name="swish")
print("derivative at [-1, 0, 2]:", swish_companion.derivative(np.array([-1.0, 0.0, 2.0])))
print("activations.get accepts it:", activations.get(swish_companion) is swish_companion)

# %% [markdown]
# `f'(0) = 0.5`, as derived. What if we give the companion only the function?
# `activations.get(swish_np)` still works: it wraps the function with `custom` and estimates the
# derivative by **centred differences**, `(f(x + h) − f(x − h)) / 2h`. That is accurate for
# smooth functions (about 1e-10) but costs two extra evaluations per step, and is meaningless
# at a kink. The exact derivative is better whenever we know it.

# %%
swish_numeric = activations.get(swish_np)  # derivative by centred differences
print(swish_numeric.__doc__.splitlines()[0])

# %% [markdown]
# ## 4. Four implementations, one function
#
# We now have swish four times: ours in Keras, ours in the companion, Keras's built-in
# `keras.activations.silu` and the companion's built-in `activations.silu`. They should agree
# to rounding. We compare them in float64 (16 significant digits, so that a wrong formula
# cannot hide behind float32 rounding) on 401 points from −20 to 20 plus two extreme inputs,
# ±1000, where a naive `exp` would overflow. For the derivative we compare our formula with
# the gradient `tf.GradientTape` computes through `swish_keras` (on JAX or PyTorch, their own
# autodiff: `backend.vjp` asks whichever backend Keras runs on), and with a numerical gradient
# (`companion.gradcheck`, notebook 03).

# %%
x64 = np.concatenate([np.linspace(-20.0, 20.0, 401), [-1000.0, 1000.0]])
values = {
    "ours: companion": swish_companion(x64),
    "ours: Keras": np.asarray(swish_keras(x64)),
    "keras.activations.silu": np.asarray(keras.activations.silu(x64)),
    "activations.silu": activations.silu(x64),
}
derivatives = {
    "our formula": swish_companion.derivative(x64),
    # the gradient of sum(swish_keras(x)): d total / dx_i = f'(x_i)
    "GradientTape": backend.vjp(swish_keras, x64, np.ones_like(x64))[1],
    "centred differences": swish_numeric.derivative(x64),
}

# %% [markdown]
# The exact differences are rounding noise in the last bits of `exp`, which depend on the CPU's
# vector instructions, so this cell's output is not compared when the course is tested; the cell
# after it checks bounds that hold everywhere.

# %%
# NBVAL_IGNORE_OUTPUT
# Last-bit rounding of exp differs between CPUs; the next cell checks the bounds.
reference = values["keras.activations.silu"]
for name, v in values.items():
    if name != "keras.activations.silu":
        print(f"max |{name:16s} - keras.activations.silu| = {np.max(np.abs(v - reference)):.0e}")
for name in ("GradientTape", "centred differences"):
    gap = np.max(np.abs(derivatives[name] - derivatives["our formula"]))
    print(f"max |our derivative formula - {name:19s}| = {gap:.0e}")
x32 = x64.astype("float32")
gap32 = np.max(np.abs(swish_companion(x32) - np.asarray(swish_keras(x32))))
print(f"float32: max |companion - Keras| = {gap32:.0e}")

# %%
# Bounds: float64 rounding of values up to 20 is a few 1e-15; a wrong formula is off by far more.
max_gap = lambda v: float(np.max(np.abs(v - reference)))
print("all four functions agree within 1e-13:", all(max_gap(v) < 1e-13 for v in values.values()))
tape_gap = np.max(np.abs(derivatives["GradientTape"] - derivatives["our formula"]))
print("our derivative equals GradientTape's within 1e-13:", tape_gap < 1e-13)
numeric_gap = np.max(np.abs(derivatives["centred differences"] - derivatives["our formula"]))
print("centred differences within 1e-8 of our derivative:", numeric_gap < 1e-8)
print("float32 values within 1e-5 of Keras:", gap32 < 1e-5)

# %% [markdown]
# The four functions agree to the last digits of float64 (Keras's `silu` is the same product
# `x · sigmoid(x)`), also at ±1000; the derivative we derived on paper is the one automatic
# differentiation computes; and the centred differences that `activations.get` falls back on
# are close but, as expected, less exact.
#
# The gradient check of notebook 03 reads the same agreement as a relative error, with its
# published thresholds (≤ 1e-7 is right in float64). It perturbs each input, so we use a few
# points:

# %%
x_check = np.linspace(-6.0, 6.0, 25)
numeric = gradcheck.numerical_gradient(lambda v: np.sum(swish_companion(v)), x_check)
error = gradcheck.rel_error(swish_companion.derivative(x_check), numeric)
print("relative error below 1e-7:", error < 1e-7, "->", gradcheck.verdict(error))

# %% [markdown]
# Finally the two activations inside a layer: a Keras `Dense` with `activation=swish_keras` and a
# companion `Dense` with `activation=swish_companion`, both in float64, with the same weights.
# The companion's backward pass (which calls our derivative) should give the kernel the gradient
# `tf.GradientTape` gives it.

# %%
keras.utils.set_random_seed(0)
x_layer = np.random.default_rng(4).normal(size=(5, 4))
keras_dense = keras.layers.Dense(3, activation=swish_keras, dtype="float64")
ours_dense = layers.Dense(3, activation=swish_companion, dtype="float64", input_dim=4)
keras_out = keras.ops.convert_to_numpy(keras_dense(x_layer))
# the gradient of the sum of the outputs (grad_output is all ones), from Keras's autodiff
_, (keras_dkernel, _), _ = backend.keras_gradients(keras_dense, x_layer, keras.ops.sum)
ours_dense.set_weights(keras_dense.get_weights())
ours_out = ours_dense(x_layer)
ours_dense.backward(np.ones_like(ours_out))
print("outputs within 1e-13:", np.max(np.abs(ours_out - keras_out)) < 1e-13)
print("kernel gradients within 1e-13:", np.max(np.abs(ours_dense.grads[0] - keras_dkernel)) < 1e-13)

# %% [markdown]
# Same outputs, same gradients: to the companion, our function is an activation like any
# built-in one.
#
# ## 5. Registration: what saving a model needs
#
# Let us save a small model that uses `swish_keras` and load it back. Every save in this
# notebook goes to a temporary folder that disappears afterwards; this helper saves, loads and
# returns the loaded model.


# %%
def save_and_load(model, **load_kwargs):
    """Save model to a .keras file in a temporary folder and load it back."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{model.name}.keras")
        model.save(path)
        return keras.saving.load_model(path, **load_kwargs)


keras.utils.set_random_seed(0)
small = keras.Sequential(
    [keras.Input(shape=(4,)), keras.layers.Dense(3, activation=swish_keras)], name="small"
)
x_small = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
loaded = save_and_load(small)
gap = np.max(np.abs(small.predict(x_small, verbose=0) - loaded.predict(x_small, verbose=0)))
print("activation after loading:", loaded.layers[0].activation.__name__)
print("max |before - after| =", gap)

# %% [markdown]
# The loaded model found `swish_keras` through its registered name and predicts exactly what
# the original did. Now the same with a function that was **not** registered:


# %%
def swish_unregistered(x):
    return ops.multiply(x, ops.sigmoid(x))  # ops.multiply: NumPy input on PyTorch too


keras.utils.set_random_seed(0)
forgetful = keras.Sequential(
    [keras.Input(shape=(4,)), keras.layers.Dense(3, activation=swish_unregistered)]
)
try:
    save_and_load(forgetful)
except TypeError as err:
    print("TypeError:", str(err).split("Exception encountered: ")[-1].split(". Make sure")[0])

# %% [markdown]
# Saving works (the file stores the name `swish_unregistered`), but loading fails:
# `Could not locate function 'swish_unregistered'`. The full message continues with the remedy:
# decorate the function with `@keras.saving.register_keras_serializable()`, and make sure the
# code that defines it has run before `load_model` (in a new session, import or re-run it
# first). When you cannot change the code that defined it, pass it by hand at load time:

# %%
rescued = save_and_load(forgetful, custom_objects={"swish_unregistered": swish_unregistered})
print("loaded with custom_objects:", rescued.layers[0].activation.__name__)

# %% [markdown]
# ## 6. A custom layer: `SwishDense`, with a learnable slope per unit
#
# An activation has no weights. When the new idea has its own parameters, it becomes a
# **layer**. Our example: a dense layer followed by `z · σ(β z)` where `β` is learned, one value
# per unit (the "trainable β" version of swish in Ramachandran et al.). It starts at `β = 1`,
# i.e. ordinary swish, and training may make each unit more linear (`β → 0`) or more
# ReLU-like (large `β`).
#
# A subclass of `keras.layers.Layer` has four parts:
#
# - `__init__`: store the arguments (the layer's configuration). No weights yet: the input size
#   is unknown until the layer sees an input. Pass `**kwargs` (such as `name`) to the base class.
# - `build(input_shape)`: create the weights with `self.add_weight(shape, initializer)`; Keras
#   calls it once, on the first input, with that input's shape.
# - `call(inputs)`: the forward pass, in `keras.ops`. The backward pass comes from automatic
#   differentiation, as for `swish_keras`.
# - `get_config()`: return the arguments of `__init__` as plain, JSON-friendly values, so that
#   Keras can rebuild the layer from a saved file with `SwishDense(**config)`. Objects such as
#   initializers go through `keras.initializers.serialize`.
#
# The decorator registers the class, for the same reason as the function in section 5.


# %%
@keras.saving.register_keras_serializable(package="course")
class SwishDense(keras.layers.Layer):
    """Dense layer + swish with a learnable slope per unit: z * sigmoid(beta * z)."""

    def __init__(self, units, kernel_initializer="he_normal", beta_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)

    def build(self, input_shape):
        n_in = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(n_in, self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.beta = self.add_weight(
            shape=(self.units,), initializer=self.beta_initializer, name="beta"
        )

    def call(self, inputs):
        z = ops.matmul(inputs, self.kernel) + self.bias
        return z * ops.sigmoid(self.beta * z)

    def get_config(self):
        config = super().get_config()  # name, trainable, dtype
        config.update(
            units=self.units,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            beta_initializer=keras.initializers.serialize(self.beta_initializer),
        )
        return config


# %% [markdown]
# The kernel initializer defaults to He normal, as for ReLU, which swish resembles for large
# inputs. He scaling is exact for ReLU only: for a unit-variance Gaussian pre-activation `z`,
# `E[relu(z)²] = 0.5`, which He's factor 2 restores to 1 (notebook 06). For swish,
# `E[swish(z)²] ≈ 0.356`, so with He scaling the signal's second moment is multiplied by about
# `2 · 0.356 ≈ 0.71` per layer: harmless in our one hidden layer, a slow decay in a deep stack
# (for which a variance of about `2.8 / fan_in` would keep it). Before training, with `β = 1`,
# the layer must compute exactly what a `Dense` layer with `activation=swish_keras` computes
# with the same kernel and bias. Let us check that, and count its parameters: the `Dense` ones
# plus one `β` per unit.

# %%
keras.utils.set_random_seed(0)
swish_dense = SwishDense(8, name="swish_dense")
plain_dense = keras.layers.Dense(8, activation=swish_keras, name="plain_dense")
x_probe = np.random.default_rng(1).normal(size=(6, 20)).astype("float32")
swish_dense(x_probe), plain_dense(x_probe)  # the first call builds the weights
plain_dense.set_weights([swish_dense.kernel.numpy(), swish_dense.bias.numpy()])
gap = np.max(np.abs(np.asarray(swish_dense(x_probe)) - np.asarray(plain_dense(x_probe))))
print("weights:", [(w.name, tuple(w.shape)) for w in swish_dense.weights])
print("parameters: SwishDense", swish_dense.count_params(), " Dense", plain_dense.count_params())
print("max |SwishDense - Dense(activation=swish_keras)| =", gap)

# %% [markdown]
# Identical outputs (the same operations in the same order), and 8 more parameters: the eight
# `β`s.
#
# ## 7. Training it on Fashion-MNIST
#
# A short run: 10,000 training images drawn at random (with a fixed seed), a `SwishDense` of 64
# units, a softmax output, three epochs of Adam. The whole test set (10,000 images) measures it.

# %%
(x_train, y_train), (x_test, y_test) = data.load_fashion_mnist_subset(n_train=10_000, seed=0)
print("training:", x_train.shape, x_train.dtype, " test:", x_test.shape)

keras.utils.set_random_seed(0)
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        SwishDense(64, name="swish_dense"),
        keras.layers.Dense(10, activation="softmax", name="probs"),
    ],
    name="swish_mlp",
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=3, batch_size=64, verbose=0)
print("parameters:", model.count_params())

# %%
# NBVAL_IGNORE_OUTPUT
# float32 training ends slightly differently on CPUs with other vector units, so the digits
# move; the next cell prints robust statements.
test_acc = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
beta = model.get_layer("swish_dense").beta.numpy()
print(f"training loss per epoch: {np.round(history.history['loss'], 3)}")
print(f"test accuracy: {test_acc:.3f}")
print(f"learned beta: mean {beta.mean():.3f}, min {beta.min():.3f}, max {beta.max():.3f}")

# %%
print("test accuracy above 0.8:", test_acc > 0.8)
print("every beta moved away from 1:", bool(np.all(beta != 1.0)))
print("the betas now differ between units (spread > 0.05):", float(np.ptp(beta)) > 0.05)

# %% [markdown]
# The layer trains like any built-in one: `fit` found its three weights through `add_weight`,
# and automatic differentiation gave `β` its gradient. After three epochs the units' slopes have
# started to go their own ways around 1.
#
# ## 8. Saving and loading the custom layer
#
# The real test of `get_config` and of the registration: save the trained model, load it, and
# compare predictions on the test set. Loading rebuilds `SwishDense` from its configuration and
# then fills in the saved weights, so the predictions must be **identical**, not just close.

# %%
reloaded = save_and_load(model)
before = model.predict(x_test, verbose=0)
after = reloaded.predict(x_test, verbose=0)
print("reloaded layer:", type(reloaded.get_layer("swish_dense")).__name__)
print("max |before - after| =", np.max(np.abs(before - after)))

config = model.get_layer("swish_dense").get_config()
print("config keys:", list(config))
print(
    "from_config(get_config()) gives the same config:",
    SwishDense.from_config(config).get_config() == config,
)

# %% [markdown]
# A difference of exactly 0.0 on 10,000 predictions, and a configuration that survives the
# round trip `get_config` → `from_config` → `get_config`.
#
# ## 9. What goes wrong without `get_config` or without registration
#
# Keras 3 tries to help: when a layer is created, it records the arguments of `__init__`, and if
# they are all plain values (numbers, strings, lists), the default `get_config` returns them.
# So a layer without its own `get_config` can save correctly, until one argument is an
# **object**, for example an initializer. To see both cases, here is `SwishDense` with Keras's
# default `get_config` put back:


# %%
class SwishDenseWithoutConfig(SwishDense):
    get_config = keras.layers.Layer.get_config  # Keras's automatic version


auto = SwishDenseWithoutConfig(8, beta_initializer="ones").get_config()
print("strings only, automatic config:", {key: auto[key] for key in ("units", "beta_initializer")})
try:
    SwishDenseWithoutConfig(8, beta_initializer=keras.initializers.Constant(1.0)).get_config()
except NotImplementedError as err:
    print(
        "an initializer object: NotImplementedError:",
        " ".join(str(err).split()).split(" Please")[0],
    )

# %% [markdown]
# With strings, the recorded arguments are enough. With an initializer object, Keras cannot
# write it to JSON and refuses ("... must override `get_config()` in order to be
# serializable"); `model.save` raises the same error. Writing `get_config` yourself, with
# `keras.initializers.serialize` for such objects, works in both cases.
#
# Without registration, the class name is written to the file but cannot be found when loading.
# A subclass is a new class, and this one is not registered:


# %%
class UnregisteredSwishDense(SwishDense):
    pass


keras.utils.set_random_seed(0)
lost = keras.Sequential([keras.Input(shape=(4,)), UnregisteredSwishDense(3)])
try:
    save_and_load(lost)
except TypeError as err:
    print("TypeError:", str(err).split("Exception encountered: ")[-1].split(". Make sure")[0])

# %% [markdown]
# The same remedies as for the function: register the class, or pass
# `custom_objects={"UnregisteredSwishDense": UnregisteredSwishDense}` to `load_model`.
#
# ## 10. The same layer in the companion, backward pass included
#
# In NumPy we write the backward pass ourselves. With `z = x @ kernel + bias` and
# `s = σ(β z)`, the layer computes `y = z · s`, and the chain rule gives the two derivatives we
# need (the first is section 1's formula with `βz` in place of `x`):
#
# - `∂y/∂z = s · (1 + β z (1 − s))`, which `Dense.backward_from_z` turns into the gradients of
#   kernel, bias and input, exactly as for any other activation;
# - `∂y/∂β = z² · s (1 − s)`, summed over the batch, since `β` is shared by every sample.
#
# The companion's `Dense` does most of the work, so the new layer is a small subclass: one more
# weight, a forward pass and a backward pass side by side.


# %%
class SwishDenseNP(layers.Dense):
    """Companion version of SwishDense: Dense (linear) + z * sigmoid(beta * z), beta per unit."""

    _weight_names = ("kernel", "bias", "beta")  # Keras's order

    def build(self, input_shape):
        super().build(input_shape)
        self.beta = np.ones(self.units, dtype=self.dtype)

    def call(self, x, training=False):
        z = super().call(x)  # x @ kernel + bias; keeps z as self.last_z
        self._s = sigmoid_np(self.beta * z)
        return z * self._s

    def backward(self, grad_output):
        z, s = self.last_z, self._s
        g = self._check_grad(grad_output, z.shape)
        dbeta = (g * z * z * s * (1 - s)).reshape(-1, self.units).sum(axis=0)
        dx = self.backward_from_z(g * s * (1 + self.beta * z * (1 - s)))  # kernel, bias grads
        self.grads.append(dbeta)
        return dx


# %% [markdown]
# Is the backward pass right? `gradcheck.check_layer_gradients` (notebook 03) compares it with
# numerical gradients for the input and for every weight. It needs float64, and we set random
# `β`s so that the check does not only see `β = 1`:

# %%
probe = SwishDenseNP(3, dtype="float64", seed=0)
probe.build((None, 4))
probe.beta[...] = np.random.default_rng(2).uniform(0.3, 3.0, size=3)
errors = gradcheck.check_layer_gradients(probe, np.random.default_rng(3).normal(size=(5, 4)))
for name, err in errors.items():
    print(f"{name:6s} relative error <= 1e-7: {err <= 1e-7} -> {gradcheck.verdict(err)}")

# %% [markdown]
# All four gradients are right. Now the trained Keras model, copied into the companion.
# `models.from_keras` only knows the built-in layers, and says so:

# %%
try:
    models.from_keras(model)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# So we build the companion model by hand, with the same layers, and copy the weights
# (`get_weights` lists them layer by layer, in the order `add_weight` created them: kernel, bias,
# β, then the output layer's kernel and bias):

# %%
twin = models.Sequential(
    [SwishDenseNP(64, name="swish_dense"), layers.Dense(10, activation="softmax", name="probs")]
)
twin.build((None, 784))
twin.set_weights(model.get_weights())
companion_probs = twin.predict(x_test)
gap = np.max(np.abs(companion_probs - before))
print("weight shapes:", [w.shape for w in twin.get_weights()])
print("max |companion - Keras| below 1e-5 (float32 rounding):", gap < 1e-5)
print(
    "same predicted class for every test image:",
    np.array_equal(companion_probs.argmax(1), before.argmax(1)),
)

# %% [markdown]
# The NumPy layer, with its hand-written backward pass, computes what the Keras layer learned
# (to float32 rounding, about 1e-7). Because it follows the companion's layer contract
# (`weights`, `grads`), the companion's `fit` can train it: one more epoch of Adam, the
# learnable `β`s included, on the same 10,000 images.

# %%
beta_before = twin.layers[0].beta.copy()
twin.compile(
    optimizer=optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
)
one_epoch = twin.fit(x_train, y_train, epochs=1, batch_size=64, seed=0)
moved = np.max(np.abs(twin.layers[0].beta - beta_before))
print("training loss of the epoch is finite:", bool(np.isfinite(one_epoch.history["loss"][0])))
# Adam moves a weight by up to ~1e-3 per step; float32 rounding at beta ~ 1 is 6e-8.
print("the betas moved (the largest change above 1e-6):", moved > 1e-6)

# %% [markdown]
# Forward pass, hand-written backward pass including `dβ`, Adam update: the custom layer
# trains in NumPy as it did in Keras.
#
# ## Exercises
#
# ### Exercise 1 — the derivative of mish
#
# Mish (Misra, 2019) is another smooth, ReLU-like activation:
# `mish(x) = x · tanh(softplus(x))`, with `softplus(x) = log(1 + eˣ)`. Write
# `mish_derivative(x)`, its derivative, elementwise for a NumPy array. You need the product rule
# and the chain rule, with `tanh'(u) = 1 − tanh(u)²` and `softplus'(x) = σ(x)`. For
# `softplus`, `np.logaddexp(0, x)` computes `log(e⁰ + eˣ)` without overflow. (Then try it:
# `activations.custom(mish_fn, derivative=mish_derivative)` makes it a companion activation.)


# %% tags=["exercise", "q1"]
def mish_derivative(x):
    return ...  # your code here


# %%
ex.q1.check(mish_derivative)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — a custom layer: a leaky ReLU that learns its slope
#
# Write a Keras layer `LearnableLeakyReLU`: `y = x` where `x ≥ 0` and `y = α · x` where `x < 0`,
# with a **learnable** slope `α`, one per feature (the last axis of the input). Give it
# `__init__(self, alpha_initializer="zeros", **kwargs)`, a `build` that creates `self.alpha`
# with `add_weight`, a `call` in `keras.ops` (e.g. `ops.where` or `ops.maximum` and
# `ops.minimum`), and a `get_config` that saves `alpha_initializer` (an initializer object
# must go through `keras.initializers.serialize`). Register it with
# `@keras.saving.register_keras_serializable(package="course")`. The check builds it with
# `alpha_initializer=keras.initializers.Constant(0.2)`, compares it with Keras's own version
# of this layer (`keras.layers.PReLU`), and saves and loads a model that uses it.


# %% tags=["exercise", "q2"]
class LearnableLeakyReLU(
    keras.layers.Layer
): ...  # your code here: __init__, build, call, get_config (and register the class)


# %%
ex.q2.check(LearnableLeakyReLU)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — capstone: a network on a budget
#
# Design a dense network for Fashion-MNIST with **at most 60,000 parameters**, to be trained for
# a few epochs on the 10,000 training images of this notebook. Write
# `build_capstone_model()` that returns the (uncompiled) Keras model: input of shape `(784,)`
# (or `(28, 28)` with a `Flatten`), at least one hidden layer, and an output of 10 units
# (softmax, or no activation for logits). Then justify your three main choices in the dict
# `justification`, a sentence each, naming what you chose:
#
# - `"activation"`: which hidden activation, and why (notebooks 02, 07, this one);
# - `"initializer"`: which kernel initializer, and why it suits that activation (notebook 06);
# - `"regularization"`: what you do against overfitting 10,000 images, e.g. dropout, L2, early
#   stopping (notebook 08).
#
# A budget forces trade-offs: with 784 inputs, every hidden unit of the first layer costs 785
# parameters. The check reads your model (it does not train it); the cell after it trains the
# model once the check says "Correct!". Some choices pass with a *warning*: they work in a
# small network but would not scale, such as ReLU with Glorot initialization (fine for one or
# two hidden layers, a halving of the variance per layer in a deep one) or no regularization
# at all (watch the gap between training and validation accuracy).


# %% tags=["exercise", "q3"]
def build_capstone_model():
    return ...  # your code here: a keras.Model with at most 60,000 parameters


justification = {
    "activation": ...,  # your choice, and why
    "initializer": ...,  # your choice, and why it goes with that activation
    "regularization": ...,  # what you do against overfitting, and why
}

# %%
ex.q3.check(build_capstone_model, justification)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# Once your capstone passes, this cell trains it: five epochs of Adam on the 10,000 training
# images, with 10 % of them held out for validation, then the test accuracy. (Compare: the
# `SwishDense` model of section 7 has 50,954 parameters; notebook 05's best network reaches
# about 0.89 with far more parameters and all 60,000 images.)

# %%
if ex.q3.last_status == "correct":
    keras.utils.set_random_seed(0)
    capstone = build_capstone_model()
    logits = capstone.layers[-1].get_config().get("activation") != "softmax"
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=logits)
    capstone.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    shape = (-1, *capstone.inputs[0].shape[1:])  # (784,) or (28, 28)
    log = capstone.fit(
        x_train.reshape(shape), y_train, epochs=5, batch_size=64, validation_split=0.1, verbose=0
    ).history
    _, capstone_acc = capstone.evaluate(x_test.reshape(shape), y_test, verbose=0)
    print(f"parameters: {capstone.count_params():,}")
    print(f"last epoch: training accuracy {log['accuracy'][-1]:.3f}", end=", ")
    print(f"validation accuracy {log['val_accuracy'][-1]:.3f}")
    print(f"test accuracy: {capstone_acc:.3f}")
else:
    print("Solve exercise 3 first: this cell trains your capstone model once its check passes.")

# %% [markdown]
# ## Where next
#
# This course stayed with dense layers on purpose: every idea in it (initialization scaled to
# the activation, gradients that vanish or explode, overfitting and its remedies, custom
# layers with their configuration) carries over unchanged to the networks you will meet next.
#
# - **Convolutional networks.** A dense layer treats an image as 784 unrelated numbers. A
#   `keras.layers.Conv2D` layer slides small filters over the image and shares their weights
#   across positions, which fits images far better: a small CNN with a few tens of thousands
#   of parameters typically passes 0.91 on Fashion-MNIST. The d2l book's chapters on convolutional
#   networks and CS231n's notes are good next steps.
# - **Normalization layers.** `keras.layers.BatchNormalization` (Ioffe & Szegedy, 2015) and
#   `keras.layers.LayerNormalization` (Ba et al., 2016) rescale activations during training,
#   which makes deep networks much less sensitive to initialization (notebook 06's problem)
#   and allows larger learning rates.
# - **Optimizers and schedules.** This notebook used Adam with its defaults; notebook 05 chose
#   Adam's learning rate with a sweep and decayed it with a cosine schedule, and notebook 07
#   used SGD with momentum. Warm-up, and decoupled weight decay (`keras.optimizers.AdamW`,
#   Loshchilov & Hutter, 2019), are the usual next tools; the companion's `optimizers` module
#   shows Keras's exact update rules to start from.
# - **Residual connections** (He et al., 2016), previewed with the Functional API in notebooks 04
#   and 07, are what lets networks of a hundred layers train at all.
# - **Custom everything.** The pattern of this notebook (a function of `keras.ops`, or a
#   `Layer` with `build`/`call`/`get_config`, registered for saving) is the same for custom
#   losses, metrics, regularizers and constraints. The Keras guides "Making new layers and
#   models via subclassing" and "Save, serialize, and export models" (keras.io/guides) cover
#   the details, including `compute_output_shape` and layers that behave differently in training.
#
# ## Key points
#
# - A custom activation is a function of `keras.ops`; Keras differentiates it for you. Decorate
#   it with `@keras.saving.register_keras_serializable()` so that a saved model can find it
#   again by name.
# - In the companion, `activations.custom(fn, derivative=...)` makes a NumPy function an
#   activation; without a derivative it falls back on centred differences. The derivative of
#   `x · σ(x)` is `σ(x) (1 + x (1 − σ(x)))`, and it matches `tf.GradientTape` and a numerical
#   gradient check.
# - A custom Keras layer creates its weights in `build` (with `add_weight`), computes in `call`,
#   and returns its constructor's arguments from `get_config`, serializing objects such as
#   initializers; registered, it saves to `.keras` and loads back with identical predictions.
# - Keras 3 generates a config automatically only when every constructor argument is a plain
#   value; an unregistered function or class saves but cannot be loaded (unless you pass
#   `custom_objects`).
# - Written in NumPy, the same layer needs its backward pass, `∂y/∂z` and `∂y/∂β`, verified with
#   a gradient check before use.
