"""Drawing and explaining the backward pass: the chapter's derivations on screen.

* :func:`draw_graph` — the computation graph with data, grad, the local derivative on every
  edge, δ = ∂L/∂u at each neuron and ∂L/∂w = h·δ at each weight, shaded by |grad|;
* :func:`draw_network` — the chapter's picture of a network (columns of neurons), and
  :func:`draw_worked_example_network` the chapter's own 3-2-1 network with its numbers;
* :func:`backprop_table` and :func:`explain` — the backward pass and the chain rule, in text;
* :func:`save_stepper` — one self-contained HTML page stepping through the backward pass;
* :func:`render` — a picture to .svg/.png/.pdf/.dot;
* :func:`mimebundle` — Jupyter's rich display of a Value (its graph) or a network.

Needs the ``graphviz`` Python package (``pip install 'autograd-mini[viz]'``) for the
pictures and Graphviz's ``dot`` program to render them (``sudo apt-get install graphviz``);
:func:`backprop_table` and :func:`explain` need neither.
"""

from autograd_mini.viz.analysis import GraphTooLargeError
from autograd_mini.viz.drawing import (
    GraphvizNotFoundError,
    GraphvizNotInstalledWarning,
    draw_graph,
    draw_network,
    draw_worked_example_network,
    mimebundle,
    render,
)
from autograd_mini.viz.explanations import (
    BackpropRow,
    BackpropTable,
    Explanation,
    backprop_table,
    explain,
)
from autograd_mini.viz.stepper import save_stepper

__all__ = [
    "BackpropRow",
    "BackpropTable",
    "Explanation",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "GraphvizNotInstalledWarning",
    "backprop_table",
    "draw_graph",
    "draw_network",
    "draw_worked_example_network",
    "explain",
    "mimebundle",
    "render",
    "save_stepper",
]
