# %% [markdown]
# # 00 · Setup and tour
#
# **Questions**
#
# - Is my machine (or Colab, or Binder) ready to run the course?
# - Where does the Fashion-MNIST data come from, and what does it look like?
# - How do the exercises and their automatic checks work?
# - How are the notebooks organised, and in what order should I read them?
#
# **Objectives** — after this notebook you will be able to:
#
# - check the versions of Python, NumPy, TensorFlow and Keras that your kernel uses;
# - load Fashion-MNIST offline with `companion.data.load_fashion_mnist()` and name its ten classes;
# - answer an exercise, read the three possible outcomes of its check, and ask for a hint or
#   the solution;
# - find your way through the course map.
#
# **Prerequisites**: Python and a first contact with NumPy arrays (`shape`, `dtype`, indexing).
# No deep learning yet.
#
# **Time**: teaching 10 min · exercises 10 min

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

# %% [markdown]
# The cell above is the first code cell of every notebook in the course. Run it first, every
# time you open a notebook or restart its kernel. It does four things:
#
# 1. On Google Colab it installs this course's small helper package, `companion`. Colab already
#    has TensorFlow and Keras, and the cell does not reinstall them (that would take minutes and
#    could break Colab's own setup).
# 2. It chooses TensorFlow as the engine under Keras (Keras 3 can also run on JAX or PyTorch,
#    its *backends*; the course's stored outputs come from TensorFlow).
# 3. It imports TensorFlow once, quietly: TensorFlow prints start-up messages that are not
#    for you, and it is told to add numbers in a repeatable order, so that what you see matches
#    what is stored in the notebook.
# 4. It makes NumPy print four decimals and figures small, so the outputs stay readable.
#
# ## 1. Check your environment
#
# The course needs Python ≥ 3.10, NumPy, Matplotlib, ipywidgets, TensorFlow and **Keras 3**.
# Keras 3 matters: many tutorials on the web were written for Keras 2 (`tf.keras` in TensorFlow
# ≤ 2.15), and a few of its definitions changed (we point them out when we meet them).
#
# The exact version numbers differ from machine to machine. (A cell whose first line is
# `# NBVAL_IGNORE_OUTPUT` prints something that differs between machines, like these versions;
# the line is a note for the course's automatic checks, and you can ignore it.)

# %%
# NBVAL_IGNORE_OUTPUT
# Versions differ between laptops, Colab and Binder; the cell after this one checks what matters.
import importlib
import platform

import keras
import matplotlib
import numpy as np

backend_module = importlib.import_module(keras.backend.backend())  # tensorflow, jax or torch
print("Python     ", platform.python_version())
print("NumPy      ", np.__version__)
print("Matplotlib ", matplotlib.__version__)
print(f"{backend_module.__name__:11s}", backend_module.__version__)
print("Keras      ", keras.__version__)


# %% [markdown]
# What matters is not the exact numbers but these facts: a recent Python, Keras 3 running on the
# TensorFlow backend. If a line below prints `False`, fix your environment before you go on (the
# README explains how; `make doctor` in a terminal runs a longer pre-flight check).


# %%
def major(version):
    return int(version.split(".")[0])


print("Python >= 3.10:", sys.version_info >= (3, 10))
print("NumPy >= 1.26:", tuple(map(int, np.__version__.split(".")[:2])) >= (1, 26))
if keras.backend.backend() == "tensorflow":
    print("TensorFlow 2:", major(backend_module.__version__) == 2)
print("Keras 3:", major(keras.__version__) == 3)
print("Keras backend:", keras.backend.backend())

# %% [markdown]
# All `True`, and Keras runs on TensorFlow. That is everything the course relies on.
#
# **Keras's backend.** Keras 3 runs on TensorFlow, JAX or PyTorch, and the course is tested on
# all three. Its stored outputs come from TensorFlow, the reference, so on another backend a few
# last digits differ, and so do the cells that show TensorFlow's own tools (notebook 03). The
# last line above names yours. To switch, set `KERAS_BACKEND` before Keras is first imported:
#
# - **Colab** (TensorFlow, JAX and PyTorch are preinstalled): make
#   `import os; os.environ["KERAS_BACKEND"] = "jax"` the first line of the notebook, then
#   *Runtime → Restart session* and run all.
# - **Your laptop**: `KERAS_BACKEND=jax make lab` (or `KERAS_BACKEND=torch`), after
#   `pip install jax` or PyTorch's CPU build (`pip install torch --index-url
#   https://download.pytorch.org/whl/cpu`). This is the way out when TensorFlow will not
#   install.
# - **Binder**: the image has TensorFlow only; use Colab or your laptop for the other backends.
#
# The doctor below lists which backends your machine can import.
#
# The course's longer pre-flight check, the **doctor**, can run here too. Run inside this
# notebook, it checks the Python that your notebooks really use, so it also catches the most
# common setup mistake: a notebook running on another environment's kernel. Each line says `OK`,
# `WARN` or `FAIL`, with a `fix:` line under anything that needs one; the last line says `READY`
# or `NOT READY`.

# %%
# NBVAL_IGNORE_OUTPUT
# Memory, disk and versions differ between machines.
from companion import doctor

ready = doctor.report(with_keras=False)

# %% [markdown]
# ## 2. Where Fashion-MNIST comes from
#
# The running dataset of the course is **Fashion-MNIST** (Zalando Research, 2017): 70 000
# greyscale images of clothes, 28 × 28 pixels each, in ten classes. It was made as a harder
# drop-in replacement for the handwritten digits of MNIST.
#
# `companion.data.load_fashion_mnist()` returns exactly what
# `keras.datasets.fashion_mnist.load_data()` returns, but it first looks for the four data files
# on your disk, so the course runs offline:
#
# 1. in the Keras cache (`~/.keras/datasets/fashion-mnist`, where Keras keeps what it downloaded);
# 2. in the system dataset folder, where Debian/Ubuntu's `dataset-fashion-mnist` package
#    installs the files (the Binder image does this);
# 3. only then does it download the files through Keras (Colab does this; it takes a few seconds).
#
# `companion.data.fashion_mnist_source()` tells you which one it would use, without reading
# anything. We print a description of the place, not the folder itself (your folder names are
# your own business), and again the answer depends on the machine.

# %%
# NBVAL_IGNORE_OUTPUT
# Which source is found depends on the machine (Keras cache, system package or download).
import companion.data as data

source = data.fashion_mnist_source()
if source == data.DOWNLOAD:
    where = "a download through keras.datasets (no local copy found)"
elif source == data.SYSTEM_DATASET_DIR:
    where = "the system dataset folder (Debian/Ubuntu package dataset-fashion-mnist)"
else:
    where = "the Keras cache (a copy Keras downloaded earlier)"
print("Fashion-MNIST comes from:", where)

# %% [markdown]
# Wherever the files come from, the arrays are the same. Let us load them and look at shapes,
# types and a few labels.

# %%
(x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
print("x_train:", x_train.shape, x_train.dtype, " pixel range", x_train.min(), "-", x_train.max())
print("y_train:", y_train.shape, y_train.dtype, " first labels", y_train[:8])
print("x_test: ", x_test.shape, " y_test:", y_test.shape)
print("classes:", len(data.CLASS_NAMES))

# %% [markdown]
# Sixty thousand training images and ten thousand test images, stored as 8-bit integers from 0
# (no light: the black background) to 255 (white, the brightest parts of a garment); each label
# is a class number from 0 to 9. The numbers mean nothing by themselves: `data.CLASS_NAMES`
# turns them into names.

# %%
for label, name in enumerate(data.CLASS_NAMES):
    print(label, name)

# %% [markdown]
# Now one picture of each class, the first of its kind in the training set. The pictures are
# drawn with an **inverted** grey scale, as ink on paper: 0 is white and 255 is black, so the
# garments appear dark on a white page.

# %%
from companion import plots

first_of_each = [np.flatnonzero(y_train == label)[0] for label in range(10)]
plots.image_grid(
    x_train[first_of_each],
    labels=y_train[first_of_each],
    class_names=data.CLASS_NAMES,
    ncols=5,
    title="Fashion-MNIST: the first training image of each class",
)

# %% [markdown]
# *Figure:* ten small greyscale pictures, one per class (T-shirt/top, trouser, pullover, dress,
# coat, sandal, shirt, sneaker, bag, ankle boot), each a dark garment centred on a white square.
#
# Small, centred, low-resolution pictures. Shirts, T-shirts, pullovers and coats look alike,
# and those are the classes a dense network will confuse most (notebook 05).
#
# ## 3. The companion package, side by side with Keras
#
# Every idea in the course is implemented twice: once in plain NumPy in the `companion` package
# (short functions you can read), and once with Keras (what you would use in practice). Each time
# we put them side by side and **print how far apart they are** instead of asking you to trust a
# plot. Here is the smallest example: the ReLU activation, `max(x, 0)`.

# %%
from companion import activations

x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
ours = activations.relu(x)
theirs = keras.ops.convert_to_numpy(keras.activations.relu(x))
print("companion:", ours)
print("keras:    ", theirs)
print(f"max |companion - keras| = {np.max(np.abs(ours - theirs)):.0e}")

# %% [markdown]
# The same numbers, and the difference is exactly zero. When a computation involves rounding
# (a sum, an exponential), the difference is tiny but not zero, and we print its size.
#
# ## 4. How exercises work
#
# Each notebook has 2–5 exercises. An exercise is three cells:
#
# 1. a **task** (a markdown cell like this one);
# 2. an **answer cell**, with a `...` for you to replace (a number, an array or the body of a
#    function);
# 3. a **check cell**: `ex.q1.check(answer)` prints one line with one of three outcomes:
#    - `Not attempted: ...` — you have not replaced the `...` yet (or not run the answer cell);
#    - `Not yet: ...` — something is wrong, and the message says what (a shape, a sign, a
#      missing term, the line of your code that raised an error);
#    - `Correct! ...` — with a sentence on why.
#
# `ex.q1.hint()` prints a hint (call it again for the next one) and `ex.q1.solution()` prints a
# reference solution. The hint and solution lines are commented out: remove the `#` when you want
# them. Try the exercise first — that is where the learning happens.
#
# Here is a demonstration question, `ex.demo`, answered three times so that you see each outcome.
# *How many input numbers does one Fashion-MNIST image give a dense layer?*

# %%
from companion.exercises import nb00 as ex

ex.demo.check(...)  # the blank answer, as the answer cells ship
ex.demo.check(28)  # a typical wrong answer
ex.demo.check(28 * 28)  # the right answer

# %% [markdown]
# Three calls, three outcomes. The wrong answer did not just get a "no": the message says what
# the number 28 is and what is missing. Now it is your turn.
#
# ### Exercise 1 — pixels as numbers between 0 and 1
#
# Neural networks train best on inputs of order 1, so the first thing we will do to
# Fashion-MNIST is scale the pixels from 0–255 to 0–1. Write `to_unit_range(images)` that takes
# an array of `uint8` images (any shape) and returns a **float32** array of the same shape with
# every value divided by 255.


# %% tags=["exercise", "q1"]
def to_unit_range(images):
    return ...  # your code here


# %%
ex.q1.check(to_unit_range)
# ex.q1.hint()
# ex.q1.solution()

# %% [markdown]
# ### Exercise 2 — how balanced is the training set?
#
# A classifier that always answers the most common class gets that class's share as its
# accuracy, so it is worth knowing the class counts. Write `class_counts(labels)` that returns a
# NumPy array of length 10 whose entry `k` is the number of labels equal to `k` (for a NumPy
# array of labels 0–9; a class that never occurs counts 0). Then look at `class_counts(y_train)`.


# %% tags=["exercise", "q2"]
def class_counts(labels):
    return ...  # your code here


# %%
ex.q2.check(class_counts)
# ex.q2.hint()
# ex.q2.solution()

# %% [markdown]
# (Once your function passes, run `class_counts(y_train)` in a new cell: every class has the
# same number of training images, so always guessing one class scores 10 %.)
#
# ## 5. Running the course: laptop, Binder, Colab
#
# - **Laptop or lab machine.** `make lab` (in the course folder) creates a virtual environment,
#   installs everything and opens JupyterLab; `make doctor` checks the machine first. Everything
#   runs on a CPU: each notebook takes well under two minutes and 1.5 GB of memory.
# - **Binder** (mybinder.org). The Binder image installs the course, Keras and the Debian package
#   with Fashion-MNIST, so nothing is downloaded while you work. Binder sessions are temporary:
#   download your notebooks (File → Download) before you leave, or your answers are lost.
# - **Google Colab.** Open a notebook from the course's GitHub page; the setup cell installs the
#   companion package (a few seconds) and Fashion-MNIST is downloaded through Keras on first use.
#   Colab offers a GPU, but this course does not need one: dense networks on 28 × 28 images train
#   quickly on a CPU.
# - **Widgets.** Some notebooks contain sliders (ipywidgets). They work in JupyterLab, Jupyter
#   Notebook, VS Code and Colab; a static view (GitHub's preview) does not show them: run the
#   notebook to get them.
# - **Fresh start.** If a notebook behaves oddly, use *Kernel → Restart Kernel and Run All
#   Cells*: the notebooks are written to run top to bottom on a fresh kernel.
#
# ## 6. The course map
#
# The notebooks build on each other; read them in order. The pitfall notebooks (06–08) each take
# one thing that goes wrong in practice, make it happen on purpose, measure it, and fix it.
#
# | # | Notebook | You will learn |
# |---|---|---|
# | 00 | Setup and tour | environment, data, exercises (this notebook) |
# | 01 | From a neuron to a dense layer | `y = x @ W + b`, parameter counts, linear collapse |
# | 02 | Activation functions | the catalogue, stability, output activation + loss |
# | 03 | Backpropagation through a dense layer | dW, db, dx; gradient checks; `GradientTape` |
# | 04 | Keras models | Sequential, Functional, subclassing; what each can express |
# | 05 | Training a dense classifier | Fashion-MNIST end to end, ≥ 0.89 test accuracy |
# | 06 | Pitfall: initialization | symmetry, scales; Glorot, He, LeCun |
# | 07 | Pitfall: vanishing and exploding gradients | gradient norms, dead ReLUs, remedies |
# | 08 | Pitfall: overfitting | learning curves; L2, dropout, early stopping |
# | 09 | Custom activations and layers | your own activation and Keras `Layer`; a capstone |
#
# Each notebook opens with its questions, objectives, prerequisites and time, and closes with
# key points. The `companion` package mirrors Keras's names (`companion.layers.Dense`,
# `companion.activations.relu`, …), so what you learn from its code transfers to Keras directly.

# %% [markdown]
# ## Key points
#
# - Run the setup cell first; use *Restart Kernel and Run All* when in doubt.
# - The course needs Keras 3 on TensorFlow; tutorials written for Keras 2 differ in a few
#   details, which the notebooks point out.
# - Fashion-MNIST (60 000 + 10 000 images, 28 × 28, ten classes) is loaded offline when a local
#   copy exists: `companion.data.load_fashion_mnist()`.
# - Every companion implementation is shown beside Keras with the difference printed.
# - An exercise check says *not attempted*, *not yet* (with a hint) or *correct*; `hint()` and
#   `solution()` are there when you are stuck.
