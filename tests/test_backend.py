"""companion.backend: the backend's name and gradients from each Keras backend's own autodiff.

Keras-facing (run once per backend by `make test-backends`), and a subprocess test that the
course under JAX never imports TensorFlow.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from companion import backend

ROOT = Path(__file__).resolve().parents[1]


def _run(code, backend_name, **env):
    environ = {**os.environ, "KERAS_BACKEND": backend_name, "MPLBACKEND": "Agg", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_backend_name_comes_from_the_environment_without_importing_keras():
    code = (
        "import sys, json\nfrom companion.backend import backend\n"
        "print(json.dumps([backend(), 'keras' in sys.modules]))"
    )
    assert _run(code, "jax") == ["jax", False]
    assert _run(code, "torch") == ["torch", False]


def test_backend_name_falls_back_to_keras_json(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch"}))
    code = "import json\nfrom companion.backend import backend\nprint(json.dumps(backend()))"
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(KERAS_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert json.loads(result.stdout) == "torch", result.stderr


def _notebook_cells(number, until):
    """The code of a stored notebook's code cells, up to the first one containing ``until``."""
    path = next((ROOT / "notebooks").glob(f"{number:02d}_*.ipynb"))
    cells = []
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            cells.append("".join(cell["source"]))
            if until in cells[-1]:
                return cells
    raise AssertionError(f"no code cell of {path.name} contains {until!r}")


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None,
    reason="needs JAX (make test-backends installs it in .venv-backends)",
)
def test_notebook05_under_jax_never_imports_tensorflow():
    cells = _notebook_cells(5, "load_fashion_mnist()")
    code = "\n".join(
        [
            "import companion",
            *cells,
            # What notebook 05 does later with Keras models: copy one, diagnose it.
            "from companion import diagnostics",
            "m = keras.Sequential([keras.Input((784,)), keras.layers.Dense(8, activation='relu'),"
            " keras.layers.Dropout(0.2), keras.layers.Dense(10, activation='softmax')])",
            "m.compile(optimizer='adam', loss='sparse_categorical_crossentropy')",
            "xs, ys = x_train_raw[:64].reshape(64, -1) / 255.0, y_train[:64]",
            "m.fit(xs, ys, epochs=1, verbose=0)",
            "models.from_keras(m)",
            "diagnostics.gradient_stats(m, xs, ys, training=True)",
            "diagnostics.activation_stats(m, xs)",
            "import sys, json",
            "print(json.dumps([keras.backend.backend(),"
            " sorted({n.split('.')[0] for n in sys.modules} & {'tensorflow', 'torch'})]))",
        ]
    )
    assert _run(code, "jax") == ["jax", []]


# --------------------------------------------------------------------------------------------
# Keras-facing: the helper on whichever backend this process runs
# --------------------------------------------------------------------------------------------


def test_grad_of_a_scalar_function(keras):
    x = np.array([[1.0, -2.0, 0.5]])
    y = np.array([3.0, 0.25])
    gx, gy = backend.grad(lambda a, b: keras.ops.sum(a**2) * keras.ops.sum(b), x, y)
    # Exact in float64: 2x * 3.25 and sum(x**2) = 5.25 are exact binary fractions.
    np.testing.assert_array_equal(gx, 2 * x * 3.25)
    np.testing.assert_array_equal(gy, np.full(2, 5.25))
    assert gx.dtype == np.float64


def test_grad_needs_an_argument():
    with pytest.raises(ValueError, match="at least one argument"):
        backend.grad(lambda: 0.0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_keras_gradients_of_a_dense_layer(keras, dtype):
    # float32: a 4-term sum of products, relative rounding ~4 * 2**-24 = 2.4e-7, bound 1e-6.
    # float64: 1e-14 on TensorFlow; Keras 3 on torch computes keras.ops.matmul of float64 in
    # float32 (keras/src/backend/common/dtypes.py, BIT64_TO_BIT32_DTYPE), so the float32 bound.
    rtol = 1e-14 if dtype == "float64" and keras.backend.backend() != "torch" else 1e-6
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4)).astype(dtype)
    g = rng.normal(size=(5, 3)).astype(dtype)
    layer = keras.layers.Dense(3, activation=None, dtype=dtype)
    layer.build((None, 4))
    kernel = np.asarray(keras.ops.convert_to_numpy(layer.kernel))
    value, (d_kernel, d_bias), d_x = backend.keras_gradients(
        layer, x, lambda out: keras.ops.sum(keras.ops.multiply(out, g)), wrt_input=True
    )
    np.testing.assert_allclose(d_kernel, x.T @ g, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(d_bias, g.sum(axis=0), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(d_x, g @ kernel.T, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(value, np.sum((x @ kernel) * g), rtol=rtol)


def test_keras_gradients_include_regularization_penalties(keras):
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    layer = keras.layers.Dense(2, use_bias=False, kernel_regularizer=keras.regularizers.L2(0.5))
    layer.build((None, 2))
    layer.set_weights([w.astype("float32")])
    x = np.zeros((1, 2), dtype="float32")  # the data term is 0: only the penalty is left
    value, (d_kernel,), _ = backend.keras_gradients(layer, x, lambda out: keras.ops.sum(out))
    assert value == pytest.approx(0.5 * np.sum(w**2))
    np.testing.assert_allclose(d_kernel, 2 * 0.5 * w)  # exact binary fractions


def test_keras_gradients_training_flag_reaches_dropout(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((200,)), keras.layers.Dropout(0.5)])
    model.add(keras.layers.Dense(1, use_bias=False, kernel_initializer="ones"))
    x = np.ones((1, 200), dtype="float32")
    _, (d_eval,), _ = backend.keras_gradients(model, x, lambda out: keras.ops.sum(out))
    _, (d_train,), _ = backend.keras_gradients(
        model, x, lambda out: keras.ops.sum(out), training=True
    )
    np.testing.assert_array_equal(d_eval, np.ones((200, 1)))
    # Inverted dropout: each input is 0 or 2; 200 draws at p = 0.5 are never all alike.
    assert set(np.unique(d_train)) == {0.0, 2.0}


def test_doctor_reports_the_backend_and_which_backends_import(monkeypatch):
    from companion import _backend_name, doctor

    monkeypatch.setattr(_backend_name, "backend", lambda: "jax")  # where the doctor reads it
    real_find_spec = importlib.util.find_spec

    def only_tensorflow_and_jax(name, *args):
        return None if name == "torch" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", only_tensorflow_and_jax)
    monkeypatch.setattr(doctor, "_installed", lambda dist: {"tensorflow": "2.21.0"}.get(dist))
    have_jax = real_find_spec("jax") is not None
    check = doctor.check_backends()
    assert check.found.startswith("KERAS_BACKEND=jax; tensorflow 2.21.0, jax ")
    assert check.found.endswith("torch not installed")
    assert check.status == (doctor.OK if have_jax else doctor.FAIL)
    if not have_jax:
        assert "set KERAS_BACKEND to one of ['tensorflow']" in check.fix


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="needs PyTorch (make test-backends installs it in .venv-backends)",
)
def test_setup_notebook_on_torch_uses_one_thread_unless_omp_num_threads_says():
    code = (
        "import json, torch\nfrom companion.utils import setup_notebook\nsetup_notebook()\n"
        "print(json.dumps(torch.get_num_threads()))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "KERAS_BACKEND": "torch", "MPLBACKEND": "Agg"},
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.splitlines()[-1]) == 1
    assert _run(code, "torch", OMP_NUM_THREADS="2") == 2
