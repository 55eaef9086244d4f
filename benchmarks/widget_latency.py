"""Widget latency: how long one update of each companion widget takes, headless.

Each scenario sets a control's value the way a learner's click or slider drag does (the
widget's observer runs its ``update`` callback: compute, redraw, encode the PNG, fill the
Output widget) and times it with ``time.perf_counter``. Not timed: sending the PNG to the browser
and drawing it there. Keras's import is timed once, on its own, and excluded from the rest.

Run:  .venv/bin/python benchmarks/widget_latency.py [--updates 30] [--no-keras]
"""

import argparse
import os
import platform
import time

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

from companion import widgets  # noqa: E402

TARGET_MS = 100.0


def timed_changes(widget, changes):
    """Milliseconds for each ``(control, value)`` change, and the redraws they needed."""
    draws, layers = widget.n_background_draws, widget.n_layer_draws
    times = []
    for name, value in changes:
        start = time.perf_counter()
        widget.controls[name].value = value
        times.append((time.perf_counter() - start) * 1e3)
        if widget.last_error is not None:
            raise RuntimeError(f"update failed: {widget.last_error!r}")
    return np.array(times), widget.n_background_draws - draws, widget.n_layer_draws - layers


def sweep(name, start, stop, n):
    # Consecutive values must differ from each other and from the start value: setting a
    # control to its current value does not call the callback.
    values = np.round(np.linspace(start, stop, n), 4)
    return [(name, float(v)) for v in values]


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30, help="updates per scenario")
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras overlay")
    args = parser.parse_args()
    keras = not args.no_keras
    print(f"Widget update latency, {args.updates} updates per scenario")
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s)")
    if keras:
        start = time.perf_counter()
        try:
            import keras as _keras  # noqa: F401
        except ImportError:
            print("Keras not installed: skipping the Keras scenarios.")
            keras = False
        else:
            print(f"Keras import (once, excluded below): {time.perf_counter() - start:.1f} s")
    print()
    header = (
        f"{'scenario':60s} {'median ms':>9s} {'p95 ms':>7s} {'max ms':>7s} {'full':>5s} "
        f"{'layers':>6s}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, factory, changes in scenarios(args.updates, keras):
        widget = factory()
        times, full, layers = timed_changes(widget, changes)
        median, p95 = np.median(times), np.percentile(times, 95)
        worst = max(worst, median)
        print(f"{label:60s} {median:9.1f} {p95:7.1f} {times.max():7.1f} {full:5d} {layers:6d}")
    print()
    print("full: updates that redrew the whole figure (new x limits or data set);")
    print("layers: y-axes, titles or colour bars redrawn (new limits or function).")
    verdict = "within" if worst <= TARGET_MS else "over"
    print(f"Slowest median {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target.")


if __name__ == "__main__":
    main()
