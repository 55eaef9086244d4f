# %% [markdown]
# # 04 · Keras models: Sequential vs Functional (vs subclassing)
#
# **Questions**
#
# - What is the difference between a layer and a model in Keras?
# - When is `keras.Sequential` enough, and when do I need the Functional API or a subclass?
# - How do I read `model.summary()`, and how do I make it print the same thing every time?
# - How do I move a Keras model into the companion package, and check that nothing changed?
#
# **Objectives** — after this notebook you will be able to:
#
# - tell a layer from a model with `isinstance`, and explain why a model can be nested like a
#   layer;
# - build the same network as a `Sequential`, a Functional and a subclassed model, and show that
#   they compute the same thing from the same weights;
# - build Functional graphs with two inputs, two outputs, a shared layer and a skip connection,
#   draw them, and predict their parameter counts;
# - write Keras 3 style models (`keras.Input`, explicit layer names) whose summaries are
#   reproducible;
# - copy a Keras model into the companion with `from_keras` and compare the predictions.
#
# **Prerequisites**: notebook 01 (dense layers, counting parameters) and 02 (activations).
# Notebook 03 helps but is not needed.
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
import warnings

import keras
import numpy as np

from companion import models, plots
from companion.compare import max_abs_diff, report_bound, report_gap
from companion.exercises import nb04 as ex

# %% [markdown]
# ## 1. Layers and models, and models nested like layers
#
# A **layer** is a function with weights: it turns input tensors into output tensors
# (`Dense`, `Dropout`, `Add`, ...). A **model** is a network of layers with the machinery to
# train and use it: `compile`, `fit`, `evaluate`, `predict`, `save`.
#
# Tutorials sometimes say "add a Sequential layer", as if `keras.Sequential` were one more kind
# of layer to put in a network. `Sequential` is a **model**, which Keras also lets you nest
# inside another model like a layer: in Keras's class tree, `keras.Model` is a subclass of
# `keras.layers.Layer`. Python can tell us both facts.

# %%
dense = keras.layers.Dense(3, name="dense_demo")
seq = keras.Sequential([keras.Input(shape=(4,)), dense], name="seq_demo")
for label, obj in [("Dense", dense), ("Sequential", seq)]:
    print(
        f"{label:>10}: a Layer? {isinstance(obj, keras.layers.Layer)!s:5}  "
        f"a Model? {isinstance(obj, keras.Model)!s:5}  has fit()? {hasattr(obj, 'fit')}"
    )

# %% [markdown]
# `Dense` is a layer and nothing more: it has no `fit`. `Sequential` is a `Model`, with `fit`;
# the `True` in its "a Layer?" column is the nesting: because `keras.Model` subclasses
# `keras.layers.Layer`, a whole model can be used as one block of a bigger model, and its
# weights come along.

# %%
block = keras.Sequential(
    [keras.Input(shape=(4,)), keras.layers.Dense(3, activation="relu", name="inner")],
    name="block",
)
outer = keras.Sequential(
    [keras.Input(shape=(4,)), block, keras.layers.Dense(1, name="after")], name="outer"
)
print("layers of outer:", [layer.name for layer in outer.layers])
after = outer.get_layer("after").count_params()
print(f"parameters: block {block.count_params()} + after {after} = {outer.count_params()}")

# %% [markdown]
# The model `block` sits in `outer` like any layer, and its 15 parameters (4 × 3 weights and 3
# biases) are counted in `outer`'s total.
#
# ## 2. Keras 3 style: `keras.Input`, not `input_shape=`
#
# Older tutorials (Keras 2, `tf.keras`) give the first layer an `input_shape=` argument:
# `Dense(8, input_shape=(4,))`. Keras 3 still accepts it, but warns. In a notebook that warning
# would land in a red box on stderr; here we catch it with `warnings.catch_warnings` to read
# its text.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # record the warning even if Python showed it before
    old_style = keras.Sequential([keras.layers.Dense(8, input_shape=(4,), name="old_style")])
for w in caught:
    print(f"{w.category.__name__}: {w.message}")
print("built anyway:", old_style.built, "| parameters:", old_style.count_params())

# %% [markdown]
# The model still works, but the warning says what Keras 3 wants: an `Input(shape)` object as
# the first element. The shape leaves out the batch axis (`(4,)` means "any number of samples
# with 4 features"). The same goes for `keras.layers.InputLayer(input_shape=...)`, which now
# wants `shape=`. Written the Keras 3 way, nothing is raised:

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    new_style = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(8, name="new_style")], name="new_style"
    )
print("warnings:", len(caught), "| parameters:", new_style.count_params())

# %% [markdown]
# ## 3. One network, three styles
#
# Our specification: 4 input features → `Dense(8, relu)` called `"hidden"` → `Dense(3,
# softmax)` called `"probs"`. Keras offers three ways to write it.
#
# **Sequential**: a list of layers, each feeding the next.

# %%
keras.utils.set_random_seed(0)
mlp_seq = keras.Sequential(
    [
        keras.Input(shape=(4,), name="features"),
        keras.layers.Dense(8, activation="relu", name="hidden"),
        keras.layers.Dense(3, activation="softmax", name="probs"),
    ],
    name="mlp_sequential",
)

# %% [markdown]
# **Functional**: start from a symbolic input, *call* each layer on the tensor before it, and
# wrap inputs and outputs in `keras.Model`. Keras records which layer was called on what, and
# that record is the model's graph.

# %%
inputs = keras.Input(shape=(4,), name="features")
h = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
outputs = keras.layers.Dense(3, activation="softmax", name="probs")(h)
mlp_fun = keras.Model(inputs, outputs, name="mlp_functional")
print("inputs:", tuple(inputs.shape), "-> outputs:", tuple(outputs.shape))

# %% [markdown]
# `inputs` and `outputs` are not numbers: they are placeholders (`KerasTensor`) with a shape
# whose first entry, `None`, stands for the batch size.
#
# **Subclassing**: write a class, create the layers in `__init__` and say what happens to the
# data in `call`. Any Python can go in `call` (loops, `if`s on the data), which is the point of
# this style and also its cost: Keras cannot see the graph before the model has run.


# %%
class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(8, activation="relu", name="hidden")
        self.probs = keras.layers.Dense(3, activation="softmax", name="probs")

    def call(self, x):
        return self.probs(self.hidden(x))


mlp_sub = MLP(name="mlp_subclassed")
try:
    mlp_sub.count_params()
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# A subclassed model does not know its input size until it sees data, so it has no weights yet.
# Calling it once on a batch creates them. (`mlp_sub.build((None, 4))` would *not* do it here:
# without a `build` method of our own Keras only marks the model as built, and warns.)

# %%
mlp_sub(np.zeros((1, 4), dtype="float32"))  # one call creates the weights
for model in (mlp_seq, mlp_fun, mlp_sub):
    print(f"{model.name:>15}: {model.count_params()} parameters")

# %% [markdown]
# The same 67 parameters in all three: `(4 + 1) × 8 = 40` for `hidden` and `(8 + 1) × 3 = 27`
# for `probs`. The three models were initialised with different random weights, though. To
# compare what they *compute*, copy the Sequential model's weights into the other two
# (`get_weights` gives the arrays in the order kernel, bias, kernel, bias) and run the same batch
# through all three.

# %%
weights = mlp_seq.get_weights()
print("weight shapes:", [w.shape for w in weights])
mlp_fun.set_weights(weights)
mlp_sub.set_weights(weights)
x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
p_seq, p_fun, p_sub = (np.asarray(m(x)) for m in (mlp_seq, mlp_fun, mlp_sub))
print(f"max |sequential - functional| = {max_abs_diff(p_seq, p_fun):.0e}")
print(f"max |sequential - subclassed| = {max_abs_diff(p_seq, p_sub):.0e}")
print("first sample's probabilities:", p_seq[0].round(4))

# %% [markdown]
# The differences are exactly zero: the three styles build the same layers and run the same
# operations; they differ only in how we *describe* the network. Which to choose:
#
# | | Sequential | Functional | Subclassing |
# |---|---|---|---|
# | shape of the network | one chain | any graph without cycles | anything Python can say |
# | `summary()` and parameter count before seeing data | yes (with `keras.Input`) | yes | no |
# | saved and cloned from its config | yes | yes | only with your own `get_config` |
# | typical use | a plain stack | branches, merges, several inputs/outputs | dynamic control flow |
#
# ## 4. `model.summary()`, and why names matter
#
# A layer created without `name=` gets one from a counter that runs for the whole Python
# session: `dense`, `dense_1`, `dense_2`, ... `keras.backend.clear_session()` resets the
# counters (and drops Keras's global state), so this cell prints the same names every time:

# %%
keras.backend.clear_session()
print("fresh session: ", [keras.layers.Dense(2).name for _ in range(3)])
print("one more Dense:", keras.layers.Dense(2).name)

# %% [markdown]
# Without the reset, the numbers would depend on how many `Dense` layers this session had made
# before (run a cell twice and they change). Those names appear in `summary()`, in the names of
# the weights and in error messages. Giving every layer a `name=` makes all of them
# predictable, which is why this course always does. Here is the summary of our named
# Sequential model. Usually you type just `model.summary()`; here `line_length` fixes the
# table's width (otherwise it follows the width of your terminal) and `print_fn=print` prints
# plain text instead of a coloured table, which keeps the stored notebook small.

# %%
mlp_seq.summary(line_length=80, print_fn=print)

# %% [markdown]
# One row per layer: its name and class, its output shape (`None` is the batch axis) and its
# parameter count. The total, 67 parameters, takes 268 bytes: 67 float32 numbers of 4 bytes
# each. The `Input` does not appear as a row in a Sequential summary; it only fixes the shape.
#
# `plots.model_graph(model)` draws a model's graph. Where the Graphviz program and the `pydot`
# package are installed (Colab has both) it shows `keras.utils.plot_model(model,
# show_shapes=True)`, Keras's own drawing with every layer's input and output shape;
# elsewhere it draws the graph itself from the model's config (section 5 shows how). For a
# Sequential model the graph is a straight chain:

# %%
plots.model_graph(mlp_seq, "mlp_sequential: a chain")

# %% [markdown]
# *Figure:* two boxes in a column joined by a downward arrow, the Dense layer hidden above the
# Dense layer probs, each with its input and output shapes; every layer reads exactly the one
# above it. (Without Graphviz the companion's drawing shows the input `features` on top and no
# shapes.)
#
# ## 5. What Sequential cannot express
#
# A `Sequential` model hands exactly one tensor from each layer to the next. Four common
# designs need more than that, and the Functional API writes each of them in a few lines.
#
# ### Two inputs
#
# A price model that reads a product's image features (32 numbers, say from a pretrained image
# network) and its metadata (5 numbers). `Concatenate` joins the two along the feature axis.

# %%
image_in = keras.Input(shape=(32,), name="image_features")
meta_in = keras.Input(shape=(5,), name="metadata")
joined = keras.layers.Concatenate(name="join")([image_in, meta_in])
hidden = keras.layers.Dense(16, activation="relu", name="hidden")(joined)
price = keras.layers.Dense(1, name="price")(hidden)
two_inputs = keras.Model([image_in, meta_in], price, name="two_inputs")
print("inputs:", [tuple(t.shape) for t in two_inputs.inputs], "output:", tuple(price.shape))
print("parameters:", two_inputs.count_params(), "=", (32 + 5) * 16 + 16, "+", 16 + 1)

# %% [markdown]
# The model is called with a list of two arrays, one per input, in the order of
# `keras.Model([image_in, meta_in], ...)`:

# %%
rng = np.random.default_rng(1)
batch = [rng.normal(size=(6, 32)), rng.normal(size=(6, 5))]
print("prediction shape:", tuple(two_inputs(batch).shape))

# %% [markdown]
# ### Two outputs
#
# One network, two tasks: from 20 measurements, predict a class out of 10 and a probability
# that the measurement is faulty. Both heads read the same hidden features (the *trunk*).

# %%
sensor_in = keras.Input(shape=(20,), name="measurements")
trunk = keras.layers.Dense(16, activation="relu", name="trunk")(sensor_in)
label = keras.layers.Dense(10, activation="softmax", name="label")(trunk)
faulty = keras.layers.Dense(1, activation="sigmoid", name="faulty")(trunk)
two_outputs = keras.Model(sensor_in, [label, faulty], name="two_outputs")
print("output names:", two_outputs.output_names)
print("output shapes:", [tuple(t.shape) for t in two_outputs.outputs])
print("parameters:", two_outputs.count_params(), "=", 21 * 16, "+", 17 * 10, "+", 17)

# %% [markdown]
# A model with two outputs returns a list of two arrays. Its graph splits after the trunk:

# %%
plots.model_graph(two_outputs, "two_outputs: one trunk, two heads")

# %% [markdown]
# *Figure:* the input measurements feeds the Dense layer trunk, and the trunk feeds two boxes
# side by side, the heads label and faulty, each an output of the model.
#
# To train it, `compile` takes one loss per output, by the outputs' names; the training loss is
# their sum (or a weighted sum, with `loss_weights`). Let us train it once, one epoch (one pass over
# the data) on 256 random samples, to see what `fit` reports:

# %%
keras.utils.set_random_seed(0)
two_outputs.compile(
    optimizer="adam",
    loss={"label": "sparse_categorical_crossentropy", "faulty": "binary_crossentropy"},
)
rng = np.random.default_rng(0)
x_sensors = rng.normal(size=(256, 20)).astype("float32")
targets = {"label": rng.integers(0, 10, 256), "faulty": rng.integers(0, 2, (256, 1))}
history = two_outputs.fit(x_sensors, targets, epochs=1, batch_size=64, verbose=0).history
print("history keys:", sorted(history))
total, parts = history["loss"][0], history["label_loss"][0] + history["faulty_loss"][0]
report_bound("|loss - (label_loss + faulty_loss)|", abs(total - parts), 1e-4)
label_loss = history["label_loss"][0]
print(f"label_loss after one epoch: between {int(label_loss)} and {int(label_loss) + 1}")

# %% [markdown]
# `fit` reports one loss per output (named after the output layer) and their sum, `loss`; a
# separate target array goes with each output, by name. The labels here are random, so the
# label head stays near `ln 10 ≈ 2.3`, the cross-entropy of a uniform guess over 10 classes.
# (The sum is exact up to float32 rounding, of order 1e-7: `fit` averages each loss over the
# batches, and the average of sums is the sum of averages.)
#
# ### A shared layer
#
# Are two items similar? Encode both with *the same* layer, so that they land in the same
# feature space, and score the difference. A layer object called twice is one layer with one
# set of weights: it appears once in `model.layers` and its parameters count once.

# %%
item_a = keras.Input(shape=(6,), name="item_a")
item_b = keras.Input(shape=(6,), name="item_b")
encoder = keras.layers.Dense(4, activation="tanh", name="encoder")
difference = keras.layers.Subtract(name="difference")([encoder(item_a), encoder(item_b)])
similar = keras.layers.Dense(1, activation="sigmoid", name="similar")(difference)
shared = keras.Model([item_a, item_b], similar, name="shared_encoder")
print("layers:", [layer.name for layer in shared.layers])
print("parameters:", shared.count_params(), "=", 7 * 4, "+", 5)

# %% [markdown]
# 33 parameters, not 61: the encoder's 28 weights and biases exist once, and gradients from both
# inputs update them.
#
# ### A skip connection
#
# A *residual* block adds its input to its output, `y = x + F(x)`. The addition gives the
# signal (and, in training, the gradient) a path around the block's layers; notebook 07 shows
# why that matters in deep networks. In Sequential there is no way to reach back to `x`.

# %%
x_in = keras.Input(shape=(8,), name="x")
f = keras.layers.Dense(8, activation="relu", name="block_dense_1")(x_in)
f = keras.layers.Dense(8, name="block_dense_2")(f)
added = keras.layers.Add(name="add_skip")([x_in, f])
added = keras.layers.Activation("relu", name="block_relu")(added)
y_out = keras.layers.Dense(1, name="output")(added)
residual = keras.Model(x_in, y_out, name="residual_block")
residual.summary(line_length=100, print_fn=print)

# %% [markdown]
# A Functional summary has a fourth column, *Connected to*: `add_skip` reads both `x` and
# `block_dense_2`. That is the skip. The `Add` has no parameters, so the skip is free:
# 72 + 72 + 9 = 153, the same as the plain chain.
#
# ### Drawing the graph
#
# Where does a drawing of the graph come from? From the model's config, the description Keras
# saves to disk: each layer lists the layers whose outputs it was called on. `plots.graph_edges`
# reads those pairs:

# %%
for source, target in plots.graph_edges(residual):
    print(f"{source:>13} -> {target}")

# %% [markdown]
# `add_skip` is fed twice, by `x` and by `block_dense_2`. Drawn:

# %%
plots.model_graph(residual, "residual_block: the skip goes from x to add_skip")

# %% [markdown]
# *Figure:* the layers of residual_block from the input x down through block_dense_1,
# block_dense_2, add_skip, block_relu and output, with a second arrow going from x straight to
# add_skip, around the two dense layers.
#
# The arrow from `x` to `add_skip` that bypasses the two dense layers is the connection a
# `Sequential` model cannot make. (`keras.utils.plot_model` needs the Python package `pydot`
# and the Graphviz program `dot`: `pip install pydot` and your system's `graphviz` package,
# e.g. `apt install graphviz`, `brew install graphviz` or `conda install graphviz`. Without
# them, `plots.model_graph` draws the skip as a dashed orange arc.)
#
# ## 6. From Keras to the companion: `from_keras`
#
# The companion package has its own NumPy `Sequential` model. `companion.models.from_keras`
# copies a Keras model into it (each layer's configuration and a copy of its weights), so we
# can check our NumPy code against Keras on any model we build. Here is a slightly bigger MLP.

# %%
keras.utils.set_random_seed(1)
keras_mlp = keras.Sequential(
    [
        keras.Input(shape=(4,), name="features"),
        keras.layers.Dense(16, activation="relu", name="hidden_1"),
        keras.layers.Dense(16, activation="tanh", name="hidden_2"),
        keras.layers.Dense(3, activation="softmax", name="probs"),
    ],
    name="keras_mlp",
)
twin = models.from_keras(keras_mlp)
twin.summary()

# %% [markdown]
# The companion's summary lists the same layers, shapes and parameter counts as Keras's would.
# Now the predictions, on 200 random samples:

# %%
x_many = np.random.default_rng(2).normal(size=(200, 4)).astype("float32")
p_keras = keras_mlp.predict(x_many, verbose=0)
p_twin = twin.predict(x_many)
print("parameters:", twin.count_params(), "companion,", keras_mlp.count_params(), "Keras")
report_gap("companion - keras", p_twin, p_keras, 1e-5)

# %% [markdown]
# Both compute in float32, so they agree to float32 rounding, not necessarily bit for bit:
# NumPy and TensorFlow may add up the matrix products in different orders. The probabilities
# are below 1, so that rounding is of order 1e-7 (float32 keeps about 7 significant digits),
# well below the printed bound; a wrong weight or activation would be off by 0.01 or more.
#
# `from_keras` also accepts a Functional model that is a single chain (like `mlp_fun`). A graph
# with a branch or a skip has no companion `Sequential` equivalent, and `from_keras` says so:

# %%
print("mlp_functional copied:", models.from_keras(mlp_fun).count_params(), "parameters")
try:
    models.from_keras(residual)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 — a Functional model with a skip connection
#
# Write `build_residual_model()` that returns a Functional model meeting this spec (the checker
# inspects its layers, their connections and its parameter count):
#
# - input: `keras.Input(shape=(16,), name="features")`;
# - `Dense(16, activation="relu", name="hidden_1")`, then `Dense(16, name="hidden_2")`;
# - `Add(name="skip")` of the **input** `features` and the output of `hidden_2`;
# - `Dense(4, activation="softmax", name="head")` on the sum.


# %% tags=["exercise", "q1"]
def build_residual_model():
    return ...  # your code here: build the graph and return keras.Model(inputs, outputs)


# %%
ex.q1.check(build_residual_model)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — count the parameters of a graph with a shared layer
#
# The model below reads two items, encodes each with the same `Dense(8)` layer, joins the two
# codes and scores them. Work out its number of parameters by hand, then check your answer
# (and only then run `siamese.count_params()`).

# %%
left = keras.Input(shape=(10,), name="left")
right = keras.Input(shape=(10,), name="right")
encoder_8 = keras.layers.Dense(8, activation="relu", name="encoder")
merged = keras.layers.Concatenate(name="merge")([encoder_8(left), encoder_8(right)])
score = keras.layers.Dense(1, activation="sigmoid", name="score")(merged)
siamese = keras.Model([left, right], score, name="siamese")

# %% tags=["exercise", "q2"]
n_params = ...  # your answer: a whole number

# %%
ex.q2.check(n_params)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# ### Exercise 3 — from Sequential to Functional
#
# Write `to_functional(seq)` that takes any built `keras.Sequential` model and returns a
# Functional `keras.Model` computing exactly the same function with the same weights. (The check
# tries it on two Sequential models with different layers; you can try it on `mlp_seq`.)


# %% tags=["exercise", "q3"]
def to_functional(seq):
    return ...  # your code here


# %%
ex.q3.check(to_functional)
# ex.q3.hint()
# ex.q3.solution()

# %% [markdown]
# ### Exercise 4 — a model with two outputs
#
# Write `build_two_head_model()`: input `keras.Input(shape=(8,), name="features")`, a shared
# `Dense(32, activation="relu", name="trunk")`, and two heads on the trunk's output,
# `Dense(3, activation="softmax", name="species")` and `Dense(1, name="size")`. The model's
# outputs are `[species, size]`.


# %% tags=["exercise", "q4"]
def build_two_head_model():
    return ...  # your code here


# %%
ex.q4.check(build_two_head_model)
# ex.q4.hint()
# ex.q4.solution()

# %% [markdown]
# ## Key points
#
# - A layer maps tensors to tensors; a model adds `compile`/`fit`/`predict`. `keras.Sequential`
#   is a **model**, not a layer type; Keras lets a model be nested in another like a layer.
# - Start models with `keras.Input(shape)`: `input_shape=` on a layer is the Keras 2 style and
#   warns in Keras 3.
# - Sequential, Functional and subclassed versions of the same network have the same parameters
#   and, with the same weights, the same outputs: the style only changes how the graph is
#   described.
# - Several inputs, several outputs, shared layers and skip connections need the Functional
#   API (or subclassing); `plots.model_graph` (or `keras.utils.plot_model`) draws the graph. A
#   model with several outputs trains on one loss per output, and `fit` reports each. A
#   shared layer's parameters count once; an `Add` or `Concatenate` has none.
# - Name your layers: automatic names come from a session-wide counter, so summaries and error
#   messages change from run to run without them.
# - `companion.models.from_keras` copies a single-chain Keras model into NumPy; its predictions
#   match Keras to float32 rounding.
