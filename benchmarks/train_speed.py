"""Training speed: the companion's NumPy training loop against Keras on the same MLP and data.

Run from the repository root:

    .venv/bin/python benchmarks/train_speed.py            # full: 60,000 samples, ~2-4 minutes
    .venv/bin/python benchmarks/train_speed.py --quick    # 10,000 samples, under a minute

What it measures (details in benchmarks/README.md, section "Training speed"):

1. this machine's float32 matrix-multiply peak (GFLOP/s), from a large ``np.matmul``;
2. one epoch of training of the MLP 784-256-128-10 (relu, relu, softmax; sparse categorical
   cross-entropy; Adam) on Fashion-MNIST (float32 in [0, 1]) at batch sizes 32 and 128, with the
   companion and with Keras, both starting from the same weights (``from_keras``), ``verbose=0``;
   training FLOPs are approximated as 6 * parameters * samples (forward 2, backward 4 FLOPs per
   weight and sample), and each time is turned into a fraction of the matmul peak;
3. one Dense(256, relu) layer's forward + backward throughput (samples/s) on 784 features, the
   companion's ``__call__`` + ``backward`` against ``tf.GradientTape`` in eager mode.

Not part of the test suite: timings depend on the machine and its load.
"""

import argparse
import os
import time

import _common  # noqa: E402,F401 -- first: environment and --threads before NumPy loads

THREADS = _common.THREADS

import numpy as np  # noqa: E402

from companion import data, layers, models, optimizers  # noqa: E402
from companion.utils import format_table  # noqa: E402

ARCHITECTURE = (784, 256, 128, 10)
BATCH_SIZES = (32, 128)
SEED = 0


def matmul_peak_gflops(n=2048, repeats=5):
    """Best float32 GFLOP/s of an n x n by n x n np.matmul (2 n**3 FLOPs each)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    np.matmul(a, b)  # warm up the BLAS threads
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best / 1e9


def keras_mlp(keras):
    keras.utils.set_random_seed(SEED)
    return keras.Sequential(
        [
            keras.Input((ARCHITECTURE[0],)),
            keras.layers.Dense(ARCHITECTURE[1], activation="relu"),
            keras.layers.Dense(ARCHITECTURE[2], activation="relu"),
            keras.layers.Dense(ARCHITECTURE[3], activation="softmax"),
        ]
    )


def timed(fn):
    """(wall seconds, CPU seconds of this process) taken by ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def train_epochs(keras, x, y, batch_size, repeats):
    """(wall, cpu) seconds of one epoch for the companion and for Keras, from identical weights.

    Each is the run with the best wall time out of ``repeats``.
    """
    reference = keras_mlp(keras)
    initial = reference.get_weights()

    def keras_run():
        model = keras_mlp(keras)
        model.set_weights(initial)
        model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
        # Keras builds its tf.function on the first train step; a warm-up fit on one batch keeps
        # tracing out of the measured epoch (the companion has nothing to compile). The weights
        # are reset after it; the optimizer has then taken one step, which costs no time.
        model.fit(x[:batch_size], y[:batch_size], batch_size=batch_size, epochs=1, verbose=0)
        model.set_weights(initial)
        return timed(
            lambda: model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
        )

    def companion_run():
        model = models.from_keras(reference)
        model.compile(optimizer=optimizers.Adam(), loss="sparse_categorical_crossentropy")
        return timed(
            lambda: model.fit(
                x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0, seed=SEED
            )
        )

    keras_times = min(keras_run() for _ in range(repeats))
    companion_times = min(companion_run() for _ in range(repeats))
    return companion_times, keras_times


def dense_throughput(tf, keras, batch_size, steps):
    """Samples/s of Dense(256, relu) forward + backward on 784 float32 features."""
    rng = np.random.default_rng(SEED)
    x = rng.random((batch_size, ARCHITECTURE[0]), dtype=np.float32)
    grad_out = rng.standard_normal((batch_size, ARCHITECTURE[1])).astype(np.float32)

    keras_layer = keras.layers.Dense(ARCHITECTURE[1], activation="relu")
    keras_layer.build((None, ARCHITECTURE[0]))
    ours = layers.Dense(ARCHITECTURE[1], activation="relu")
    ours.build(ARCHITECTURE[0])
    ours.set_weights(keras_layer.get_weights())

    def companion_step():
        ours(x)
        ours.backward(grad_out)

    x_tf, g_tf = tf.constant(x), tf.constant(grad_out)

    def keras_step():
        with tf.GradientTape() as tape:
            tape.watch(x_tf)
            out = keras_layer(x_tf)
        tape.gradient(out, [x_tf, *keras_layer.trainable_weights], output_gradients=g_tf)

    def rate(step):
        for _ in range(3):
            step()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        return batch_size * steps / (time.perf_counter() - start)

    return rate(companion_step), rate(keras_step)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 samples, one repeat")
    parser.add_argument("--samples", type=int, default=None, help="training samples to use")
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing (best kept)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for NumPy's BLAS and for TensorFlow (default: each library's own choice)",
    )
    args = parser.parse_args(argv)
    n = args.samples or (10_000 if args.quick else 60_000)
    repeats = args.repeats or (1 if args.quick else 2)

    _common.import_tensorflow_quietly()
    import tensorflow as tf

    if args.threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    (x_train, y_train), _ = data.load_fashion_mnist()
    x = (x_train[:n].reshape(n, -1).astype(np.float32) / np.float32(255.0)).copy()
    y = y_train[:n].astype(np.int64)

    peak = matmul_peak_gflops()
    params = sum(a * b + b for a, b in zip(ARCHITECTURE[:-1], ARCHITECTURE[1:]))
    flops = 6.0 * params * n

    print(f"NumPy {np.__version__}, TensorFlow {tf.__version__}, Keras {keras.__version__}")
    threads = "library defaults" if args.threads is None else f"{args.threads} (BLAS and TF)"
    print(f"CPU cores visible: {os.cpu_count()}; threads: {threads}")
    print(f"Data from {data.fashion_mnist_source()}")
    print(f"float32 matmul peak (2048x2048 np.matmul, best of 5): {peak:.1f} GFLOP/s")
    print(
        f"MLP {'-'.join(map(str, ARCHITECTURE))}: {params:,} parameters; one epoch of {n:,} "
        f"samples ~ 6 * params * samples = {flops / 1e9:.1f} GFLOP\n"
    )

    rows = []
    for batch_size in BATCH_SIZES:
        (companion_s, companion_cpu), (keras_s, keras_cpu) = train_epochs(
            keras, x, y, batch_size, repeats
        )
        rows.append(
            {
                "batch": batch_size,
                "companion s": companion_s,
                "keras s": keras_s,
                "companion/keras": companion_s / keras_s,
                "companion cpu s": companion_cpu,
                "keras cpu s": keras_cpu,
                "companion % peak": 100.0 * flops / companion_s / 1e9 / peak,
                "keras % peak": 100.0 * flops / keras_s / 1e9 / peak,
            }
        )
    print(f"One training epoch (wall seconds, best of {repeats}; CPU seconds of that run):")
    print(format_table(rows, floatfmt=".3g"))

    rows = []
    steps = 100 if args.quick else 300
    for batch_size in BATCH_SIZES:
        ours, theirs = dense_throughput(tf, keras, batch_size, steps)
        rows.append(
            {
                "batch": batch_size,
                "companion samples/s": f"{ours:,.0f}",
                "keras samples/s": f"{theirs:,.0f}",
                "companion/keras": ours / theirs,
            }
        )
    print(f"\nDense(256, relu) on 784 features, forward + backward ({steps} steps):")
    print(format_table(rows, floatfmt=".3g"))


if __name__ == "__main__":
    main()
