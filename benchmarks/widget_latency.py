"""Widget latency: how long one update of each companion widget takes, headless.

Each scenario sets a control's value the way a learner's click or slider drag does (the
widget's observer runs its ``update`` callback: compute, redraw, encode the PNG, fill the
Output widget) and times it with ``time.perf_counter`` (wall clock) and ``time.process_time``
(the CPU time of the process). Not timed: sending the PNG to the browser and drawing it there.
Keras's import is timed once, on its own, and excluded from the rest.

The target is a 95th percentile under 100 ms of wall-clock time in every scenario; the script
exits with 1 when a scenario misses it.

Run:  .venv/bin/python benchmarks/widget_latency.py [--updates 30] [--no-keras] [--threads 1]
      [--only TEXT]
"""

import argparse
import os
import platform
import sys
import time

import _common  # noqa: E402,F401 -- first: environment and --threads before NumPy loads

THREADS = _common.THREADS

import numpy as np  # noqa: E402

from companion import widgets  # noqa: E402

TARGET_MS = 100.0


def timed_changes(widget, changes):
    """Wall-clock and CPU milliseconds for each ``(control, value)`` change, and the redraws
    they needed."""
    draws, layers = widget.n_background_draws, widget.n_layer_draws
    wall, cpu = [], []
    for name, value in changes:
        start, start_cpu = time.perf_counter(), time.process_time()
        widget.controls[name].value = value
        wall.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.process_time() - start_cpu) * 1e3)
        if widget.last_error is not None:
            raise RuntimeError(f"update failed: {widget.last_error!r}")
    return (
        np.array(wall),
        np.array(cpu),
        widget.n_background_draws - draws,
        widget.n_layer_draws - layers,
    )


def sweep(name, start, stop, n):
    # Consecutive values must differ from each other and from the start value: setting a
    # control to its current value does not call the callback.
    values = np.round(np.linspace(start, stop, n), 4)
    return [(name, float(v)) for v in values]


def alternate(name, values, n):
    """``n`` changes of control ``name`` cycling through ``values`` (no value twice in a row)."""
    return [(name, values[i % len(values)]) for i in range(n)]


def int_sweep(name, start, stop, n):
    """``n`` integer values from start to stop and back, each different from the one before."""
    up = list(range(start, stop + 1, max(1, (stop - start) // max(1, n // 2))))
    values = (up + up[-2:0:-1]) * n
    return [(name, v) for v in values[:n]]


DEEP_ACTIVATIONS = ["relu", "tanh", "elu", "sigmoid", "selu", "linear", "leaky_relu", "silu"]
DEEP_INITIALIZERS = ["he_normal", "random_normal", "glorot_uniform", "lecun_normal", "orthogonal"]


def deep_scenarios(n):
    """The deep-network explorer at the default depth (20) and at the largest (50)."""
    result = []
    for depth in (20, 50):
        make = lambda depth=depth: widgets.DeepNetworkExplorer(depth=depth)
        result += [
            (
                f"deep explorer (depth {depth}): switch activation",
                make,
                alternate("activation", DEEP_ACTIVATIONS, n),
            ),
            (
                f"deep explorer (depth {depth}): switch initializer",
                make,
                alternate("kernel_initializer", DEEP_INITIALIZERS, n),
            ),
            (
                f"deep explorer (depth {depth}): width 100 <-> 120",
                make,
                alternate("width", [120, 100], n),
            ),
        ]
    result += [
        (
            "deep explorer: depth slider 2..50 and back",
            lambda: widgets.DeepNetworkExplorer(depth=20),
            int_sweep("depth", 2, 50, n),
        ),
        (
            # The exact gelu needs erfc (NumPy has none): 20 layers x 256 x 100 values, three
            # times per update (two forward passes and the derivative).
            "deep explorer (depth 20): gelu <-> tanh",
            lambda: widgets.DeepNetworkExplorer(depth=20),
            alternate("activation", ["gelu", "tanh"], max(4, n // 5)),
        ),
    ]
    return result


def trainer_scenarios(n):
    """The playground trainer: every control, and one frame of training (Play's tick)."""
    make = lambda: widgets.PlaygroundTrainer(hidden_layers=(8, 8))
    noise = [round(0.05 * k, 2) for k in range(1, 13)]
    return [
        (
            "trainer: training frame (5 epochs + redraw)",
            make,
            [("play", i + 1) for i in range(n)],
        ),
        (
            "trainer: training frame, hidden layers 32, 32",
            lambda: widgets.PlaygroundTrainer(hidden_layers=(32, 32)),
            [("play", i + 1) for i in range(n)],
        ),
        (
            "trainer: switch dataset (new data, restart)",
            make,
            alternate("dataset", ["moons", "xor", "spirals", "gaussians", "circles"], n),
        ),
        ("trainer: noise slider (new data, restart)", make, alternate("noise", noise, n)),
        (
            "trainer: edit hidden layers (restart)",
            make,
            alternate("hidden_layers", ["4", "16, 16", "8, 8, 8", "8, 8"], n),
        ),
        (
            "trainer: switch activation (restart)",
            make,
            alternate("activation", ["relu", "sigmoid", "elu", "tanh"], n),
        ),
        ("trainer: L2 slider", make, alternate("l2", [0.001, 0.01, 0.1, 0.0], n)),
        (
            "trainer: learning-rate slider",
            make,
            alternate("learning_rate", [0.1, 0.3, 0.01, 0.03], n),
        ),
    ]


def scenarios(n, keras):
    """(label, widget factory, changes) for each measured interaction."""
    functions = ["elu", "tanh", "gelu", "leaky_relu", "sigmoid", "softplus", "selu", "relu"]
    switches = [("function", functions[i % len(functions)]) for i in range(n)]
    result = [
        (
            "explorer: drag alpha (elu)",
            lambda: widgets.ActivationExplorer(function="elu", keras=False),
            sweep("alpha", 0.5, 1.5, n),
        ),
        (
            "explorer: switch function",
            lambda: widgets.ActivationExplorer(function="relu", keras=False),
            switches,
        ),
        (
            "playground: drag w1",
            lambda: widgets.NeuronPlayground(w1=-2.0),
            sweep("w1", -1.9, 2.0, n),
        ),
        (
            "playground: drag b",
            lambda: widgets.NeuronPlayground(b=-2.0),
            sweep("b", -1.9, 1.0, n),
        ),
        (
            "playground: switch activation",
            lambda: widgets.NeuronPlayground(),
            [("activation", ["tanh", "relu", "elu", "sigmoid"][i % 4]) for i in range(n)],
        ),
    ]
    result += deep_scenarios(n) + trainer_scenarios(n)
    if keras:
        result += [
            (
                "explorer + Keras: drag alpha (a new Keras curve each time)",
                lambda: widgets.ActivationExplorer(function="elu", keras=True),
                sweep("alpha", 0.5, 1.5, n),
            ),
            (
                "explorer + Keras: switch function (cached Keras curves)",
                lambda: _warm_explorer(functions),
                switches,
            ),
        ]
    return result


def _warm_explorer(functions):
    explorer = widgets.ActivationExplorer(function="relu", keras=True)
    for name in functions:  # fill the cache with each function's default curve
        explorer.controls["function"].value = name
    return explorer


def _load():
    return " / ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30, help="updates per scenario")
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras overlay")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads for NumPy's BLAS (default: its own)"
    )
    parser.add_argument("--only", default="", help="only the scenarios whose name contains this")
    args = parser.parse_args()
    keras = not args.no_keras
    print(f"Widget update latency, {args.updates} updates per scenario")
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s)")
    print(f"BLAS threads: {'library default' if THREADS is None else THREADS}")
    print(f"Load average (1 / 5 / 15 min) at the start: {_load()}")
    if keras:
        start = time.perf_counter()
        try:
            _common.import_tensorflow_quietly()
            import keras as _keras  # noqa: F401
        except ImportError:
            print("Keras not installed: skipping the Keras scenarios.")
            keras = False
        else:
            print(f"Keras import (once, excluded below): {time.perf_counter() - start:.1f} s")
    print()
    header = (
        f"{'scenario':60s} {'median ms':>9s} {'p95 ms':>7s} {'max ms':>7s} "
        f"{'cpu median':>10s} {'cpu p95':>7s} {'full':>5s} {'layers':>6s}"
    )
    print(header)
    print("-" * len(header))
    over = []
    for label, factory, changes in scenarios(args.updates, keras):
        if args.only not in label:
            continue
        widget = factory()
        wall, cpu, full, layers = timed_changes(widget, changes)
        p95 = np.percentile(wall, 95)
        if p95 > TARGET_MS:
            over.append(label)
        print(
            f"{label:60s} {np.median(wall):9.1f} {p95:7.1f} {wall.max():7.1f} "
            f"{np.median(cpu):10.1f} {np.percentile(cpu, 95):7.1f} {full:5d} {layers:6d}",
            flush=True,
        )
    print()
    print("median, p95, max: wall-clock time; cpu: the process's CPU time (all its threads), which")
    print("leaves out waiting for a core on a busy machine.")
    print("full: updates that redrew the whole figure (new x limits or data set);")
    print("layers: axes, titles or colour bars drawn again (new limits or function, not cached).")
    print(f"Load average at the end: {_load()}")
    if over:
        print(f"Over the {TARGET_MS:.0f} ms target at the 95th percentile: {'; '.join(over)}.")
        sys.exit(1)
    print(f"Every 95th percentile within the {TARGET_MS:.0f} ms target.")


if __name__ == "__main__":
    main()
