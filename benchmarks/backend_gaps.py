"""Largest differences between the companion and Keras on this process's Keras backend.

    KERAS_BACKEND=jax python benchmarks/backend_gaps.py     # one backend per process

For float64 and float32 inputs: every activation (values and gradients) on a grid from -8 to 8
(no point on a kink),
a Dense tanh layer (output, and the gradients of kernel, bias and input), the losses (value and
gradient) and five Adam steps. Gradients come from the backend's own autodiff
(``companion.backend``). Each comparison is ``max|companion - keras| / max|keras|``; the script
prints the largest per dtype and which comparison it was. Not a test: the tests hold the bounds.
"""

import os
import sys

import _common  # noqa: F401 -- environment first (quiet TensorFlow, repository on sys.path)

if os.environ.get("KERAS_BACKEND") == "jax":
    os.environ.setdefault("JAX_ENABLE_X64", "true")  # float64 on JAX, as setup_notebook does

import keras  # noqa: E402
import numpy as np  # noqa: E402

from companion import activations, backend, layers, losses, optimizers  # noqa: E402

SKIP = {"exponential", "glu"}  # exp overflows at the ends by design; glu halves the axis


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def gaps(dtype):
    found = {}
    # 400 points: no grid point lands on a kink (0, ±1, ±3), where one-sided conventions differ
    x = np.linspace(-8, 8, 400).reshape(-1, 1).astype(dtype) * np.array([1.0, -0.5], dtype)
    g = np.linspace(0.5, 1.5, x.size).reshape(x.shape).astype(dtype)
    for name in sorted(set(activations.names()) - SKIP):
        try:
            keras_fn = keras.activations.get(name)
        except ValueError:
            continue
        ours = activations.get(name)
        try:
            y, dx = backend.vjp(keras_fn, x, g)
        except TypeError:  # needs arguments (threshold): compared in tests/test_activations.py
            continue
        found[f"activation {name}"] = rel(ours(x), y)
        found[f"activation {name} gradient"] = rel(ours.backward(x, g), dx)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(16, 8)).astype(dtype)
    gout = rng.normal(size=(16, 4)).astype(dtype)
    kd = keras.layers.Dense(4, activation="tanh", dtype=dtype)
    kd.build((None, 8))
    cd = layers.Dense(4, activation="tanh", dtype=dtype)
    cd.build(8)
    cd.set_weights([keras.ops.convert_to_numpy(w) for w in kd.weights])
    gt = keras.ops.convert_to_tensor(gout)
    _, (dk, db), dxk = backend.keras_gradients(
        kd, xs, lambda out: keras.ops.sum(keras.ops.multiply(out, gt)), wrt_input=True
    )
    found["Dense tanh output"] = rel(cd(xs), keras.ops.convert_to_numpy(kd(xs)))
    dxc = cd.backward(gout)
    found["Dense dx"], found["Dense dkernel"], found["Dense dbias"] = (
        rel(dxc, dxk),
        rel(cd.grads[0], dk),
        rel(cd.grads[1], db),
    )
    labels = rng.integers(0, 4, 16)
    logits = rng.normal(size=(16, 4)).astype(dtype)
    for cls, y_true, kwargs in [
        (losses.SparseCategoricalCrossentropy, labels, {"from_logits": True}),
        (losses.CategoricalCrossentropy, np.eye(4)[labels].astype(dtype), {"from_logits": True}),
        (losses.MeanSquaredError, rng.normal(size=(16, 4)).astype(dtype), {}),
    ]:
        ours = cls(**kwargs)
        theirs = getattr(keras.losses, cls.__name__)(dtype=dtype, **kwargs)
        (grad,) = backend.grad(lambda p, t=theirs, y=y_true: t(y, p), logits)
        found[f"{cls.__name__} value"] = rel(
            ours(y_true, logits), keras.ops.convert_to_numpy(theirs(y_true, logits))
        )
        found[f"{cls.__name__} gradient"] = rel(ours.backward(y_true, logits), grad)
    w0 = rng.normal(size=(8, 4)).astype(dtype)
    steps = [rng.normal(size=(8, 4)).astype(dtype) for _ in range(5)]
    w_ours, w_keras = w0.copy(), keras.Variable(w0.copy(), dtype=dtype)
    mine = optimizers.Adam(learning_rate=0.125, beta_1=0.875, beta_2=0.9990234375)
    theirs = keras.optimizers.Adam(learning_rate=0.125, beta_1=0.875, beta_2=0.9990234375)
    for step in steps:
        mine.apply([step], [w_ours])
        theirs.apply([keras.ops.convert_to_tensor(step)], [w_keras])
    found["Adam 5 steps (weights moved)"] = rel(
        w_ours - w0, keras.ops.convert_to_numpy(w_keras) - w0
    )
    return found


def main():
    print(f"Keras {keras.__version__} on {keras.backend.backend()}")
    for dtype in ("float64", "float32"):
        found = gaps(dtype)
        worst = max(found, key=found.get)
        print(f"{dtype}: largest relative difference {found[worst]:.1e} ({worst})")
        if "--all" in sys.argv:
            for name, value in sorted(found.items(), key=lambda kv: -kv[1])[:8]:
                print(f"    {value:.1e}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
