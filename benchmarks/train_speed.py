"""Training speed: the companion's NumPy training loop against Keras on the same MLP and data.

Run from the repository root:

    .venv/bin/python benchmarks/train_speed.py            # everything, 60,000 samples: 5-20 min
    .venv/bin/python benchmarks/train_speed.py --quick    # main and scaling, small: about a minute
    .venv/bin/python benchmarks/train_speed.py --tables crossover --quick

What it measures (details in benchmarks/README.md, section "Training speed"):

1. this machine's float32 matrix-multiply peak (GFLOP/s), from a large ``np.matmul``;
2. ``main``: one epoch of training of the MLP 784-256-128-10 (relu, relu, softmax; sparse
   categorical cross-entropy; Adam) on Fashion-MNIST (float32 in [0, 1]) at batch sizes 32 and
   128, with the companion and with Keras, both starting from the same weights
   (``from_keras``), ``verbose=0``; training FLOPs are approximated as 6 * parameters * samples
   (forward 2, backward 4 FLOPs per weight and sample), and each time is turned into a
   fraction of the matmul peak; the floor: the epoch's matrix products and Adam's updates,
   timed alone (what no one-thread epoch avoids); then one Dense(256, relu) layer's forward
   + backward throughput (samples/s) on 784 features, the companion's ``__call__`` +
   ``backward`` against ``tf.GradientTape`` in eager mode;
3. ``scaling``: one epoch of the MLP 784-w-w-10 for widths w = 64, 256, 1024 and batch sizes
   8 to 512, companion against Keras;
4. ``crossover``: the matrix products of a Dense layer's training step with one BLAS thread
   and with the library's default, which is where ``companion.models.ONE_BLAS_THREAD_BELOW``
   comes from.

Not part of the test suite: timings depend on the machine and its load.
"""

import argparse
import os
import time

import _common  # noqa: E402,F401 -- first: environment and --threads before NumPy loads

THREADS = _common.THREADS

import numpy as np  # noqa: E402

from companion import data, layers, models, optimizers  # noqa: E402
from companion.utils import blas_threads, format_table  # noqa: E402

ARCHITECTURE = (784, 256, 128, 10)
BATCH_SIZES = (32, 128)
SCALING_WIDTHS = (64, 256, 1024)
SCALING_BATCHES = (8, 16, 32, 64, 128, 256, 512)
QUICK_SCALING_BATCHES = (8, 32, 128, 512)
SEED = 0


def matmul_peak_gflops(n=2048, repeats=5, threads=None):
    """Best float32 GFLOP/s of an n x n by n x n np.matmul (2 n**3 FLOPs each), with at most
    ``threads`` BLAS threads (None: the current setting)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    best = float("inf")
    with blas_threads(threads):
        np.matmul(a, b)  # warm up the BLAS threads
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(a, b)
            best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best / 1e9


def count_params(architecture):
    return sum(a * b + b for a, b in zip(architecture[:-1], architecture[1:]))


def keras_mlp(keras, architecture=ARCHITECTURE):
    """relu hidden layers, softmax output, Keras's default initializers from a fixed seed."""
    keras.utils.set_random_seed(SEED)
    *hidden, classes = architecture[1:]
    return keras.Sequential(
        [
            keras.Input((architecture[0],)),
            *(keras.layers.Dense(units, activation="relu") for units in hidden),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )


def timed(fn):
    """(wall seconds, CPU seconds of this process) taken by ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def train_epochs(
    keras, x, y, batch_size, repeats, architecture=ARCHITECTURE, both_thread_modes=False
):
    """(wall, cpu) seconds of one epoch for the companion and for Keras, from identical weights.

    Each is the run with the best wall time out of ``repeats``; the two libraries alternate,
    so that a change in the machine's load hits both. ``both_thread_modes`` adds a third
    contender: the companion with BLAS's own thread count (``ONE_BLAS_THREAD_BELOW = 0``).
    """
    reference = keras_mlp(keras, architecture)
    initial = reference.get_weights()

    def keras_run():
        model = keras_mlp(keras, architecture)
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

    def companion_run(one_thread_below=None):
        model = models.from_keras(reference)
        model.compile(optimizer=optimizers.Adam(), loss="sparse_categorical_crossentropy")
        saved = models.ONE_BLAS_THREAD_BELOW
        if one_thread_below is not None:
            models.ONE_BLAS_THREAD_BELOW = one_thread_below
        try:
            return timed(
                lambda: model.fit(
                    x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0, seed=SEED
                )
            )
        finally:
            models.ONE_BLAS_THREAD_BELOW = saved

    keras_times, companion_times, default_threads_times = [], [], []
    for _ in range(repeats):
        keras_times.append(keras_run())
        companion_times.append(companion_run())
        if both_thread_modes:
            default_threads_times.append(companion_run(one_thread_below=0))
    if both_thread_modes:
        return min(companion_times), min(keras_times), min(default_threads_times)
    return min(companion_times), min(keras_times)


def epoch_row(keras, x, y, batch_size, repeats, architecture, both_thread_modes=False):
    """A table row: both libraries' epoch times at ``batch_size`` and their ratios."""
    times = train_epochs(keras, x, y, batch_size, repeats, architecture, both_thread_modes)
    (companion_s, companion_cpu), (keras_s, keras_cpu) = times[:2]
    extra = {}
    if both_thread_modes:
        extra = {
            "companion BLAS-default s": times[2][0],
            "BLAS-default/keras": times[2][0] / keras_s,
        }
    return {
        "batch": batch_size,
        "companion s": companion_s,
        "keras s": keras_s,
        "companion/keras": companion_s / keras_s,
        "companion cpu s": companion_cpu,
        "keras cpu s": keras_cpu,
        "cpu companion/keras": companion_cpu / keras_cpu,
        "companion BLAS threads": companion_threads(architecture, batch_size),
        **extra,
    }


def companion_threads(architecture, batch_size):
    """BLAS threads the companion's fit uses for this MLP and batch size (1 or "default")."""
    largest = max(2 * batch_size * a * b for a, b in zip(architecture[:-1], architecture[1:]))
    return 1 if largest < models.ONE_BLAS_THREAD_BELOW else "default"


def epoch_floor(architecture, batch_size, n, row, min_seconds=0.2, trials=5):
    """A row of the floor table: the seconds one epoch of ``n`` samples spends in its matrix
    products (one BLAS thread and BLAS's own threads) and in Adam's updates, each timed alone
    over whole steps (best of ``trials``), against the epoch times in ``row``."""
    rng = np.random.default_rng(SEED)
    sizes = list(zip(architecture[:-1], architecture[1:]))
    xs = [rng.random((batch_size, a), dtype=np.float32) for a, _ in sizes]
    ws = [rng.standard_normal((a, b), dtype=np.float32) for a, b in sizes]
    dzs = [rng.standard_normal((batch_size, b), dtype=np.float32) for _, b in sizes]

    def products():
        for i, (x, w, dz) in enumerate(zip(xs, ws, dzs)):
            x @ w
            x.T @ dz
            if i:  # no input gradient for the first layer (its input is the data)
                dz @ w.T

    weights = [*ws, *(np.zeros(b, np.float32) for _, b in sizes)]
    grads = [np.full_like(v, 1e-3) for v in weights]
    adam = optimizers.Adam()

    def per_step(fn, threads):
        with blas_threads(threads):
            fn()
            reps = 1
            while timed(fn)[0] * reps < min_seconds / trials:
                reps *= 2
            best = min(timed(lambda: [fn() for _ in range(reps)])[0] for _ in range(trials))
        return best / reps

    steps = -(-n // batch_size)
    flops = sum(2 * batch_size * a * b * (3 if i else 2) for i, (a, b) in enumerate(sizes))
    products_one = per_step(products, 1) * steps
    adam_s = per_step(lambda: adam.apply(grads, weights), 1) * steps
    floor = products_one + adam_s
    return {
        "batch": batch_size,
        "products GFLOP": flops * steps / 1e9,
        "products s": products_one,
        "products s, BLAS threads": per_step(products, None) * steps,
        "adam s": adam_s,
        "floor s": floor,
        "floor/keras": floor / row["keras s"],
        "companion/floor": row["companion s"] / floor,
    }


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

    threads = companion_threads(ARCHITECTURE[:2], batch_size)
    with blas_threads(1 if threads == 1 else None):
        ours_rate = rate(companion_step)
    return ours_rate, rate(keras_step)


def main_tables(tf, keras, x, y, peak, repeats, quick, blas_default=False):
    n = len(x)
    params = count_params(ARCHITECTURE)
    flops = 6.0 * params * n
    print(
        f"MLP {'-'.join(map(str, ARCHITECTURE))}: {params:,} parameters; one epoch of {n:,} "
        f"samples ~ 6 * params * samples = {flops / 1e9:.1f} GFLOP\n"
    )
    rows = []
    floors = []
    for batch_size in BATCH_SIZES:
        row = epoch_row(keras, x, y, batch_size, repeats, ARCHITECTURE, blas_default)
        row["companion % peak"] = 100.0 * flops / row["companion s"] / 1e9 / peak
        if blas_default:
            default_s = row["companion BLAS-default s"]
            row["BLAS-default % peak"] = 100.0 * flops / default_s / 1e9 / peak
        row["keras % peak"] = 100.0 * flops / row["keras s"] / 1e9 / peak
        rows.append(row)
        floors.append(epoch_floor(ARCHITECTURE, batch_size, n, row))
    print(f"One training epoch (wall seconds, best of {repeats}; CPU seconds of that run):")
    print(format_table(rows, floatfmt=".3g"))
    print(
        "\nThe floor: what fit cannot avoid, timed alone at this batch size. `products`: the\n"
        "matrix products one epoch computes (forward, kernel gradients, input gradients but\n"
        "the first layer's), on one BLAS thread as fit runs them and on BLAS's own threads;\n"
        "`adam`: the optimizer's update of these weights, once per step. floor = products\n"
        "(one thread) + adam; `floor/keras` is the smallest companion/keras ratio a one-thread\n"
        "epoch could reach in this run (activations, loss and Python cost nothing in it):"
    )
    print(format_table(floors, floatfmt=".3g"))

    rows = []
    steps = 100 if quick else 300
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


def scaling_table(keras, x, y, repeats, batches):
    """One epoch of 784-w-w-10 for each width and batch size, companion against Keras."""
    print(
        f"\nScaling: one epoch of {len(x):,} samples, MLP 784-w-w-10 (relu, softmax, Adam), "
        f"wall seconds, best of {repeats}:"
    )
    rows = []
    for width in SCALING_WIDTHS:
        architecture = (ARCHITECTURE[0], width, width, ARCHITECTURE[-1])
        for batch_size in batches:
            row = epoch_row(keras, x, y, batch_size, repeats, architecture)
            rows.append({"width": width, **row})
    print(format_table(rows, floatfmt=".3g"))


def product_seconds(shapes, threads, trials, min_seconds=2e-3):
    """Best and median seconds of one Dense training step's three products (forward x @ W,
    kernel gradient x.T @ dz, input gradient dz @ W.T) with ``threads`` BLAS threads."""
    rng = np.random.default_rng(SEED)
    batch, inputs, units = shapes
    x = rng.random((batch, inputs), dtype=np.float32)
    w = rng.random((inputs, units), dtype=np.float32)
    dz = rng.random((batch, units), dtype=np.float32)

    def step():
        x @ w
        x.T @ dz
        dz @ w.T

    with blas_threads(threads):
        step()
        reps = 1
        while timed(step)[0] * reps < min_seconds:
            reps *= 2
        times = []
        for _ in range(trials):
            start = time.perf_counter()
            for _ in range(reps):
                step()
            times.append((time.perf_counter() - start) / reps)
    return min(times), float(np.median(times))


CROSSOVER_SHAPES = ((784, 64), (64, 64), (784, 256), (256, 256), (784, 1024), (1024, 1024))
QUICK_CROSSOVER_SHAPES = ((784, 256), (1024, 1024))


def crossover_table(trials, batches, shapes):
    """One BLAS thread against the library's default for the products of a Dense layer."""
    try:
        import threadpoolctl  # noqa: F401 -- without it both columns would use the default
    except ImportError:
        print("\nCrossover: needs threadpoolctl (pip install threadpoolctl); skipped.")
        return
    print(
        f"\nCrossover: a Dense layer's three training products (forward, kernel gradient, "
        f"input gradient), one BLAS thread against the default, best and median of {trials} "
        "trials (microseconds):"
    )
    rows = []
    for inputs, units in shapes:
        for batch_size in batches:
            shapes = (batch_size, inputs, units)
            one, default = [], []
            for _ in range(2):  # interleaved, so that a change of load hits both
                one.append(product_seconds(shapes, 1, trials))
                default.append(product_seconds(shapes, None, trials))
            one_best, one_median = min(t[0] for t in one), min(t[1] for t in one)
            default_best, default_median = min(t[0] for t in default), min(t[1] for t in default)
            rows.append(
                {
                    "batch x inputs x units": f"{batch_size} x {inputs} x {units}",
                    "MFLOP/product": 2e-6 * batch_size * inputs * units,
                    "1 thread best": one_best * 1e6,
                    "default best": default_best * 1e6,
                    "default/1 best": default_best / one_best,
                    "1 thread median": one_median * 1e6,
                    "default median": default_median * 1e6,
                    "default/1 median": default_median / one_median,
                }
            )
    print(format_table(rows, floatfmt=".3g"))
    print(
        f"companion.models.ONE_BLAS_THREAD_BELOW = {models.ONE_BLAS_THREAD_BELOW / 1e6:g} MFLOP "
        "per product"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="10,000 samples (1,000 for scaling), one repeat"
    )
    parser.add_argument("--samples", type=int, default=None, help="training samples to use")
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing (best kept)")
    parser.add_argument(
        "--tables",
        nargs="+",
        choices=("main", "scaling", "crossover"),
        default=None,
        help="which tables to measure (default: all three; with --quick main and scaling)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for NumPy's BLAS and for TensorFlow (default: each library's own choice)",
    )
    parser.add_argument(
        "--blas-default",
        action="store_true",
        help="main table: also time the companion with BLAS's own thread count",
    )
    args = parser.parse_args(argv)
    tables = args.tables or (
        ("main", "scaling") if args.quick else ("main", "scaling", "crossover")
    )
    n = args.samples or (10_000 if args.quick else 60_000)
    n_scaling = args.samples or (1_000 if args.quick else 10_000)
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
    peak_one = matmul_peak_gflops(threads=1)
    print(f"NumPy {np.__version__}, TensorFlow {tf.__version__}, Keras {keras.__version__}")
    threads = "library defaults" if args.threads is None else f"{args.threads} (BLAS and TF)"
    print(f"CPU cores visible: {os.cpu_count()}; threads: {threads}")
    print(f"Data from {data.fashion_mnist_source()}")
    print(f"float32 matmul peak (2048x2048 np.matmul, best of 5): {peak:.1f} GFLOP/s")
    print(f"the same on one BLAS thread, as the companion's fit runs: {peak_one:.1f} GFLOP/s")
    wall, cpu = time.perf_counter(), time.process_time()

    if "main" in tables:
        main_tables(tf, keras, x, y, peak, repeats, args.quick, args.blas_default)
    if "scaling" in tables:
        batches = QUICK_SCALING_BATCHES if args.quick else SCALING_BATCHES
        scaling_table(keras, x[:n_scaling], y[:n_scaling], repeats, batches)
    if "crossover" in tables:
        if args.quick:
            crossover_table(5, QUICK_SCALING_BATCHES, QUICK_CROSSOVER_SHAPES)
        else:
            crossover_table(15, SCALING_BATCHES, CROSSOVER_SHAPES)
    print(
        f"\nMeasured in {time.perf_counter() - wall:.0f} s wall, "
        f"{time.process_time() - cpu:.0f} s CPU of this process."
    )


if __name__ == "__main__":
    main()
