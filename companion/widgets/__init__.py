"""Interactive widgets (ipywidgets 7.7 and 8): explore activations, one neuron, a deep network, and
train a small network on 2-D data.

Each widget is a small class whose ``update(**values)`` method is the callback the controls
call, and which keeps what it drew (``last_figure``, ``last_text``, ``last_png``, ...) so that
tests and benchmarks can drive it without a browser::

    >>> explorer = ActivationExplorer(keras=False)
    >>> explorer.controls["function"].value = "elu"     # as if the learner picked it
    >>> explorer.last_params
    {'alpha': 1.0}

In a notebook, ``activation_explorer()``, ``neuron_playground()``, ``deep_network_explorer()``
or ``playground_trainer()`` as the last line of a cell shows the controls and the plot;
``.widget`` is the ipywidgets container.

One module per widget, so that changing a widget means opening one file:

- ``base``: what every widget shares: controls, the blitted rendering into an ``Output``, the
  printed line, ``nice_limits``, the checks of values set from code;
- ``activation``: ``ActivationExplorer`` / ``activation_explorer()``;
- ``neuron``: ``NeuronPlayground`` / ``neuron_playground()``;
- ``deep_network``: ``DeepNetworkExplorer`` / ``deep_network_explorer()``;
- ``trainer``: ``PlaygroundTrainer`` / ``playground_trainer()``.

How updates stay fast (``benchmarks/widget_latency.py`` measures them; the target is 100 ms at
the 95th percentile): the figure is made once with fixed margins and drawn in three levels
(matplotlib "blitting"). What never changes (frame, x-axis, labels) is drawn once and kept as a
bitmap; what changes now and then (a y-axis with new limits, a title with a new function, a
colour bar with a new range) is drawn over it when it changes and pasted from a cached bitmap
when it comes back (the last 8 of each are kept); only the curves or the heatmap are drawn at
every update, and an opaque legend over them is pasted too. Text is the slowest thing
matplotlib draws, so x-axis labels stay where the first draw put them instead of being placed
again at every draw. One small PNG (72 dpi) then goes into an ``Output`` widget. Axis limits
move only when the curve leaves them or shrinks to a small part of them (``nice_limits``), so a
slider drag redraws just the curve, and the curve visibly moves instead of the axes rescaling.
The computations run NumPy's BLAS on one thread (the matrices are small; on a busy machine more
threads wait for each other); the deep-network explorer keeps the layers it has drawn weights
for. Keras's curve is computed once per (function, parameters, x-range) and cached; Keras itself
is imported at the first comparison.
"""

from companion.widgets.activation import (
    PARAMETER_SLIDERS,
    START_VALUES,
    ActivationExplorer,
    activation_explorer,
)
from companion.widgets.activation import _parameters as _parameters
from companion.widgets.base import nice_limits
from companion.widgets.deep_network import (
    DEEP_ACTIVATIONS,
    DEEP_INITIALIZERS,
    DeepNetworkExplorer,
    deep_network_explorer,
)
from companion.widgets.neuron import NeuronPlayground, neuron_activations, neuron_playground
from companion.widgets.trainer import (
    TRAINER_ACTIVATIONS,
    PlaygroundTrainer,
    parse_hidden_layers,
    playground_trainer,
)

__all__ = [
    "DEEP_ACTIVATIONS",
    "DEEP_INITIALIZERS",
    "ActivationExplorer",
    "DeepNetworkExplorer",
    "NeuronPlayground",
    "PARAMETER_SLIDERS",
    "PlaygroundTrainer",
    "START_VALUES",
    "TRAINER_ACTIVATIONS",
    "activation_explorer",
    "deep_network_explorer",
    "neuron_activations",
    "neuron_playground",
    "nice_limits",
    "parse_hidden_layers",
    "playground_trainer",
]
