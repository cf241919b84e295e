"""Graphviz pictures: the computation graph (:func:`draw_graph`), the chapter's network
picture (:func:`draw_network`) and :func:`render` to svg/png/pdf/dot.

``graphviz`` (the Python package) is imported here, never by ``import autograd_mini``.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_mini.engine import Value
from autograd_mini.files import write_atomic
from autograd_mini.viz.analysis import (
    GraphInfo,
    GraphTooLargeError,
    analyze,
    count_nodes,
    expression_name,
    grad_value,
    is_activation,
    is_computed,
    natural_key,
    node_equation,
    op_text,
    parameter_role,
)
from autograd_mini.viz.labels import MARK, clean, dot_escape, html_escape, num, pretty, subscript

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "CHAPTER_INDEX_ORDER",
    "NN_INDEX_ORDER",
    "GraphvizNotFoundError",
    "GraphvizNotInstalledWarning",
    "draw_graph",
    "draw_network",
    "draw_worked_example_network",
    "mimebundle",
    "network_graph",
    "render",
]

FONT = "DejaVu Sans"
INSTALL_HINT = (
    "Install Graphviz's `dot` program: `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS), `conda install graphviz`, or see https://graphviz.org/download/"
)

# |grad| shading, light to dark, one colour per decade (ColorBrewer "Oranges").
SHADES = ["#fff5eb", "#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801"]
_ZERO = "#e0e0e0"
_NONE = "#ffffff"
_EDGE = "#1f5fa8"


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (the message says how to install it)."""


class GraphvizNotInstalledWarning(UserWarning):
    """render() wrote only the .dot source because Graphviz's ``dot`` is not installed."""


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "autograd_mini.viz needs the `graphviz` Python package: "
            "pip install 'autograd-mini[viz]' (and Graphviz's `dot` program: "
            "sudo apt-get install graphviz)"
        ) from error
    return graphviz


# -- shading ----------------------------------------------------------------------------------


@dataclass
class Shading:
    """Maps |grad| to a fill colour on a log scale: one shade per decade, the top decade of
    the graph darkest and the others spread over the palette (every other shade when the
    graph spans few decades, so they differ at a glance); |grad| = 0 is grey,
    not-yet-computed is white."""

    top: int = 0
    decades: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, grads: list[float]) -> Shading:
        mags = [abs(g) for g in grads if g != 0 and math.isfinite(g)]
        if not mags:
            return cls()
        top = math.floor(math.log10(max(mags)))
        low = max(math.floor(math.log10(min(mags))), top - len(SHADES) + 1)
        return cls(top, list(range(top, low - 1, -1)))

    def level(self, g: float) -> int:
        if not math.isfinite(g):
            return len(SHADES) - 1
        d = math.floor(math.log10(abs(g)))
        darkest = len(SHADES) - 1
        step = min(2.0, darkest / (len(self.decades) - 1)) if len(self.decades) > 1 else 1.0
        return max(0, darkest - round((self.top - d) * step))

    def fill(self, g: float | None) -> tuple[str, str]:
        """(fill colour, font colour) for a grad (None: not yet computed)."""
        if g is None:
            return _NONE, "black"
        if g == 0:
            return _ZERO, "black"
        level = self.level(g)
        return SHADES[level], "white" if level == len(SHADES) - 1 else "black"

    def legend(self, computed: bool, show_local: bool, delta: str = "") -> str:
        """The legend node's HTML-like label: shades per decade, then the notation."""
        rows = ['<TR><TD COLSPAN="2"><B>|grad| (log scale)</B></TD></TR>']
        rows += [_legend_row(f"1e{d} … 1e{d + 1}", self.fill(10.0**d)[0]) for d in self.decades]
        rows.append(_legend_row("0", _ZERO))
        if not computed:
            rows.append(_legend_row("not yet computed: call backward()", "white", "—"))
        if show_local:
            swatch = f'<FONT COLOR="{_EDGE}">2</FONT>'
            rows.append(_legend_row("on an edge: local derivative ∂out/∂in", "white", swatch))
        if delta:
            rows.append(_legend_row(dot_escape(delta), "white", "δ"))
        return (
            '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2" '
            f'COLOR="#999999">{"".join(rows)}</TABLE>'
        )


def _legend_row(text: str, colour: str, swatch: str = " ") -> str:
    return f'<TR><TD BGCOLOR="{colour}" WIDTH="18">{swatch}</TD><TD ALIGN="LEFT">{text}</TD></TR>'


# -- the computation graph --------------------------------------------------------------------


#: The levels of detail of :func:`draw_graph`.
DETAILS = ("compact", "full")


@dataclass
class GraphStyle:
    """What one picture shows. ``grad`` returns a node's grad, None when not yet computed;
    ``dynamic`` (stepper pages) marks the texts that are filled in step by step.
    ``detail`` "compact" folds each op into its value's box and each edge's local
    derivative into the equation of the node it leaves; "full" draws op nodes and writes
    the local derivative on every edge."""

    grad: Callable[[Value], float | None]
    show_grad: bool = True
    show_delta: bool = True
    show_local: bool = True
    rankdir: str = "LR"
    shade: bool = True
    dynamic: dict[str, list[str]] | None = None
    detail: str = "compact"


def node_id(info: GraphInfo, node: Value) -> str:
    """The DOT/SVG id of a value node: ``v`` and its 1-based topological index."""
    return f"v{info.index[node] + 1}"


def _annotations(info: GraphInfo, node: Value, style: GraphStyle) -> list[str]:
    """The node's equation (δ = f′(u)·Σ w·δ, ∂L/∂w = h·δ, …) once its grad is known."""
    if style.grad(node) is None or not style.show_delta or node is info.root:
        return []
    if style.detail == "full" and not (info.is_preactivation(node) or info.is_weight_like(node)):
        return []  # the edges carry the local derivatives

    def known(n: Value) -> float:
        value = style.grad(n)
        return math.nan if value is None else value

    eq = node_equation(info, node, known)
    g = known(node)
    agrees = math.isclose(eq.value, g, rel_tol=1e-9, abs_tol=1e-12)
    if not agrees and not (math.isnan(eq.value) and math.isnan(g)):
        return []  # e.g. a leaf that accumulated several backward passes: never a wrong sum
    return eq.lines() if style.detail == "compact" else [eq.one_line()]


def _value_label(info: GraphInfo, node: Value, style: GraphStyle, fill: str, font: str) -> str:
    g = style.grad(node)
    head = f"<B>{info.html_names[node]}</B>"
    if node is info.root and info.root_symbol != info.name(node):
        head = f"<B><I>{info.root_symbol}</I>&#160;= </B>{head}"
    named_by_expression = not node.label and expression_name(node, info.names) is not None
    if style.detail == "compact" and node.operation is not None and not named_by_expression:
        # Grey on a light shade; on the darkest (white text) a light orange that stays legible.
        muted = "#555555" if font == "black" else SHADES[2]
        head += f'  <FONT COLOR="{muted}">{dot_escape(op_text(node))}</FONT>'
    texts: list[str] = []
    if style.show_grad:
        texts.append(f"grad {num(g)}" if g is not None else "grad —")
    extra = _annotations(info, node, style)
    if style.dynamic is not None:
        # Stepper: mark the texts the page hides until the node is visited.
        style.dynamic[node_id(info, node)] = [MARK + t for t in texts + extra]
        texts = [MARK + t for t in texts]
        extra = [MARK + t for t in extra]
    data = f'<TD ALIGN="LEFT">data {dot_escape(num(node.data))}</TD>'
    values = data + "".join(f'<TD ALIGN="LEFT">{dot_escape(t)}</TD>' for t in texts)
    width = 1 + len(texts)
    if style.detail == "compact":
        rows = [f'<TR><TD COLSPAN="{width}">{head}</TD></TR>', f"<TR>{values}</TR>"]
    else:
        rows = [f"<TR><TD>{head}</TD>{values}</TR>"]
        width += 1
    rows += [f'<TR><TD COLSPAN="{width}" ALIGN="LEFT">{dot_escape(t)}</TD></TR>' for t in extra]
    table = (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{fill}" '
        f'COLOR="#444444">{"".join(rows)}</TABLE>'
    )
    return f'<<FONT COLOR="{font}">{table}</FONT>>'


def _neuron_parts_in(info: GraphInfo, u: Value) -> tuple[set[tuple[int, int]], list[Value]]:
    """The nn (layer, neuron) keys of the parameters under a pre-activation u, and the
    partial sums and products of an expanded neuron between them and u."""
    keys: set[tuple[int, int]] = set()
    inner: list[Value] = []
    stack = list(u.parents)
    while stack:
        node = stack.pop()
        role = info.roles.get(node)
        if role is not None:
            keys.add((role.layer, role.neuron))
        elif node.op in ("add", "sum", "mul") and len(info.consumers[node]) == 1:
            inner.append(node)
            stack.extend(node.parents)
    return keys, inner


def _groups(info: GraphInfo) -> dict[Value, tuple[int, int]]:
    """(layer, neuron) for the nodes of an nn neuron: its parameters, u, h and (expanded
    form) the partial sums between them."""
    group: dict[Value, tuple[int, int]] = {}
    for node, role in info.roles.items():
        group[node] = (role.layer, role.neuron)
    for node in info.order:
        if not info.is_preactivation(node):
            continue
        keys, inner = _neuron_parts_in(info, node)
        if len(keys) != 1:
            continue
        (key,) = keys
        for member in [node, *inner]:
            group[member] = key
        for c, _ in info.consumers[node]:
            if is_activation(c.op):
                group[c] = key
    return group


def build_graph(info: GraphInfo, style: GraphStyle, title: str) -> graphviz.Digraph:
    """The Digraph of a computation graph, micrograd-style: value nodes (label, data, grad,
    δ or ∂L/∂w = h·δ) and, with ``detail="full"``, op nodes between them with the local
    derivative on every edge. Nodes are written in the chapter's order (by layer, then by
    name: x₁ x₂ x₃, u₁₁ before u₁₂), which dot keeps where it can."""
    gv = _graphviz()
    full = style.detail == "full"
    dot = gv.Digraph("autograd", graph_attr={"rankdir": style.rankdir})
    dot.attr(fontname=FONT, nodesep="0.18", ranksep="0.35" if full else "0.3")
    dot.attr("node", fontname=FONT, fontsize="11", shape="plain")
    dot.attr("edge", fontname=FONT, fontsize="11", arrowsize="0.6", color="#555555")
    grads = [g for g in (style.grad(n) for n in info.order) if g is not None]
    shading = Shading.of(grads) if style.shade else Shading()
    groups = _groups(info)
    ranks = info.forward_ranks
    drawing_order = sorted(info.order, key=lambda n: (ranks[n], natural_key(info.name(n))))
    clusters: dict[int, dict[int, list[tuple[str, dict[str, str]]]]] = {}
    for node in drawing_order:
        nid = node_id(info, node)
        fill, font = shading.fill(style.grad(node)) if style.shade else (_NONE, "black")
        entries = [(nid, {"label": _value_label(info, node, style, fill, font), "id": nid})]
        if node.operation is not None and full:
            text = dot_escape(op_text(node))
            entries.append(
                (
                    f"op{nid}",
                    {
                        "label": f"<{text}>",
                        "shape": "ellipse",
                        "style": "filled",
                        "fillcolor": "#eeeeee",
                        "margin": "0.04,0.02",
                        "height": "0.3",
                    },
                )
            )
        key = groups.get(node)
        for name, attrs in entries:
            if key is None:
                dot.node(name, **attrs)
            else:
                clusters.setdefault(key[0], {}).setdefault(key[1], []).append((name, attrs))
    _add_clusters(dot, clusters)
    for node in drawing_order:
        if node.operation is None:
            continue
        nid = node_id(info, node)
        args = [
            (a, p)
            for a, p in zip(node.args, info.locals[node], strict=True)
            if isinstance(a, Value)
        ]
        for a, p in sorted(args, key=lambda ap: natural_key(info.name(ap[0]))):
            if not full:
                dot.edge(node_id(info, a), nid)
                continue
            label = dot_escape(num(p))
            # At the edge's tail, where it leaves its value: at the head the labels of all the
            # edges into one op crowd round it.
            attrs = (
                {"taillabel": f'<<FONT COLOR="{_EDGE}">{label}</FONT>>', "labeldistance": "1.6"}
                if style.show_local
                else {}
            )
            dot.edge(node_id(info, a), f"op{nid}", **attrs)
        if full:
            dot.edge(f"op{nid}", nid)
    has_delta = any(info.is_preactivation(n) for n in info.order)
    root_name = info.factor_name(info.root)
    delta = f"∂{root_name}/∂u at a neuron's pre-activation u" if has_delta else ""
    computed = grads != [] and style.grad(info.root) is not None
    legend = shading.legend(computed, style.show_local and full, delta) if style.shade else ""
    if title or legend:
        dot.attr(label=_caption(title, legend), labelloc="b", labeljust="l")
    return dot


def _caption(title: str, legend: str) -> str:
    """The graph's label under the picture: the title, and the legend table beside it (in
    one row, so Graphviz never stretches the legend's swatches to the title's width)."""
    cells = f'<TD ALIGN="LEFT" VALIGN="TOP">{title}</TD>' if title else ""
    if legend:
        cells += f'<TD ALIGN="LEFT" VALIGN="TOP">{legend}</TD>'
    return f'<<TABLE BORDER="0" CELLPADDING="2" CELLSPACING="8"><TR>{cells}</TR></TABLE>>'


def _add_clusters(
    dot: Any, clusters: dict[int, dict[int, list[tuple[str, dict[str, str]]]]]
) -> None:
    for layer in sorted(clusters):
        with dot.subgraph(name=f"cluster_layer{layer}") as lg:
            lg.attr(label=f"layer {layer}", style="rounded", color="#bbbbbb", fontsize="11")
            for neuron in sorted(clusters[layer]):
                with lg.subgraph(name=f"cluster_layer{layer}_neuron{neuron}") as ng:
                    ng.attr(label=f"neuron {neuron}", style="dashed,rounded", color="#cccccc")
                    for name, attrs in clusters[layer][neuron]:
                        ng.node(name, **attrs)


def draw_graph(
    root: Value,
    *,
    detail: str = "compact",
    show_grad: bool = True,
    show_delta: bool = True,
    show_local: bool = True,
    rankdir: str = "LR",
    max_nodes: int = 2000,
) -> graphviz.Digraph:
    """Draw the computation graph below ``root`` (a ``graphviz.Digraph``; Jupyter shows it).

    Every value node shows its label (``w_11`` drawn as w₁₁; an unlabelled node is named by
    its expression, like ``20 − y``), data and grad, and how backward() got that grad, in
    the chapter's form: δ₁₁ = f′(u₁₁) · w₁ · δ_y = 1 × 3 × 26 = 78 at a neuron's u, ∂L/∂w₂ =
    x₁ · δ₁₁ = 2 × 78 = 156 at a weight, Σ ∂c/∂n · ∂L/∂c elsewhere. Neuron equations are
    written only where the graph has a neuron's shape (a ``linear`` node, or a sum labelled
    u… or adding an nn bias). Nodes are shaded by |grad| on a log scale (legend under the
    picture), so vanishing gradients stand out; nn neurons and layers are grouped.

    ``detail="compact"`` (the default) puts each op in its value's box and each edge's local
    derivative into the equation of the node the edge leaves: the chapter's worked example
    is about 900 pt wide, so its text stays ≥ 9 px at a 900 px column. ``detail="full"``
    draws an op node between values and the local derivative ∂out/∂in at every edge's tail.

    Before ``root.backward()`` (root.grad ≠ 1) grads of 0 show as "—", not yet computed.
    More than ``max_nodes`` nodes raise :class:`GraphTooLargeError` (draw a part instead), and
    so does a layout that would take Graphviz minutes: more than 1.5 × ``max_nodes`` bends (a
    value read at many depths, like ``a`` in a*a*…*a) or more than 2 × ``max_nodes`` edges.
    """
    if detail not in DETAILS:
        raise ValueError(f"draw_graph: detail must be 'compact' or 'full', not {detail!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be LR, RL, TB or BT, not {rankdir!r}")
    info = analyze(root, max_nodes=max_nodes, layout=True)
    info.short_root = True
    computed = is_computed(root)

    def grad(node: Value) -> float | None:
        g = grad_value(node)
        return g if computed or g != 0 else None

    style = GraphStyle(grad, show_grad, show_delta, show_local, rankdir, detail=detail)
    return build_graph(info, style, graph_title(info, computed))


def graph_title(info: GraphInfo, computed: bool) -> str:
    root = info.root
    state = (
        "grads after backward()"
        if computed
        else f"grads not yet computed: call {dot_escape(info.name(root))}.backward()"
    )
    alias = "" if info.root_symbol == info.name(root) else f"<I>{info.root_symbol}</I>&#160;= "
    # &#160;: Graphviz drops a plain space that follows a font change (<I>f</I> = …).
    return f"{alias}{info.html_names[root]}&#160;= {dot_escape(num(root.data))}  ·  {state}"


# -- the network picture ----------------------------------------------------------------------


@dataclass
class _Neuron:
    weights: list[Value]
    bias: Value | None
    u: Value | None
    h: Value | None


def _neuron_parts(neuron: Any) -> _Neuron:
    params = list(neuron.parameters())
    roles = [parameter_role(p) for p in params]
    if all(r is not None for r in roles):
        ws = sorted((r.index, p) for p, r in zip(params, roles, strict=True) if r.kind == "w")
        weights = [p for _, p in ws]
        bias = next((p for p, r in zip(params, roles, strict=True) if r.kind == "b"), None)
    elif hasattr(neuron, "w"):
        weights, bias = list(neuron.w), getattr(neuron, "b", None)
    else:
        weights, bias = params[:-1], params[-1]
    return _Neuron(weights, bias, getattr(neuron, "u", None), getattr(neuron, "h", None))


def _layers_of(model: Any) -> list[list[_Neuron]]:
    if hasattr(model, "neurons_by_layer"):
        return [[_neuron_parts(n) for n in layer] for layer in model.neurons_by_layer()]
    if hasattr(model, "layers"):
        layers = list(model.layers)
    elif hasattr(model, "neurons"):
        layers = [model]
    else:
        return [[_neuron_parts(model)]]
    return [[_neuron_parts(n) for n in layer.neurons] for layer in layers]


def _inputs_of(neurons: list[_Neuron]) -> list[float | None]:
    n = len(neurons[0].weights)
    for neuron in neurons:
        u = neuron.u
        if isinstance(u, Value) and u.op == "linear" and len(u.args) == 2 * n + 1:
            return [float(a.data if isinstance(a, Value) else a) for a in u.args[n : 2 * n]]
    return [None] * n


def _idx(*ks: int) -> str:
    """Chapter-style index subscript: ₁₂ while every index is one digit, else ₁,₁₂."""
    text = ",".join(map(str, ks)) if any(k >= 10 for k in ks) else "".join(map(str, ks))
    return subscript(text) or text


def _neuron_label(
    name: str, delta: str, layer: int, j: int, neuron: _Neuron, grad: Callable[[Value], float]
) -> str:
    """A neuron's circle: its name (h₁₁, or y for an output) and then, from the last forward
    call, u and h; δ = ∂ℒ/∂u after backward(); and its bias."""
    rows = [f"<B>{dot_escape(name)}</B>"]
    if neuron.u is not None and neuron.h is None and name.startswith("y"):
        rows.append(dot_escape(f"{name} = u = {num(neuron.u.data)}"))  # a linear output
        if delta:
            rows.append(dot_escape(f"{delta} = {num(grad(neuron.u))}"))
    elif neuron.u is not None:
        rows.append(dot_escape(f"u{_idx(layer, j)} = {num(neuron.u.data)}"))
        if neuron.h is not None:
            rows.append(dot_escape(f"{name} = {num(neuron.h.data)}"))
        if delta:
            rows.append(dot_escape(f"{delta} = {num(grad(neuron.u))}"))
    if neuron.bias is not None:
        rows.append(dot_escape(f"b = {num(neuron.bias.data)}"))
    return "<" + "<BR/>".join(rows) + ">"


def _keep_order(col: Any, ids: list[str]) -> None:
    """Invisible edges inside a column so dot keeps neurons in their index order."""
    for a, b in itertools.pairwise(ids):
        col.edge(a, b, style="invis")


#: How the nn module numbers its weights (the legend's "index order").
NN_INDEX_ORDER = "w_ljk: the weight of layer l, neuron j, from input k (x_k or h_(l−1)k)"


def draw_network(
    model: Any,
    *,
    edge_labels: bool | None = None,
    rankdir: str = "LR",
    rho: float | None = None,
    legend: bool = True,
) -> graphviz.Digraph:
    """The chapter's picture of a network: circles in columns (inputs, hidden layers,
    output), each edge labelled with its weight (``w = 3``, and ∂ℒ/∂w after backward),
    each neuron showing u, h and, after ``backward()``, δ = ∂ℒ/∂u from its last forward call.

    ``model`` is an ``autograd_mini.nn`` MLP, Layer or Neuron (or anything shaped like one:
    ``.layers`` of ``.neurons`` with ``parameters()``, ``.u``, ``.h``). ``edge_labels``
    defaults to on for up to 40 edges; edge colour is the weight's sign (blue +, red −)
    and its width grows with |w|, as the legend says (with how the weights are numbered).
    With ``rho``, each edge also shows the gradient-descent update w → w − ρ ∂ℒ/∂w.
    """
    layers = _layers_of(model)
    if not layers or not layers[0]:
        raise ValueError(f"draw_network: {type(model).__name__} has no neurons to draw")
    return network_graph(
        layers,
        grad_value,
        edge_labels=edge_labels,
        rankdir=rankdir,
        rho=rho,
        index_order=NN_INDEX_ORDER if legend else None,
    )


def network_graph(
    layers: list[list[_Neuron]],
    grad: Callable[[Value], float],
    *,
    edge_labels: bool | None,
    rankdir: str,
    rho: float | None,
    index_order: str | None,
    inputs: list[float | None] | None = None,
    state: str | None = None,
) -> graphviz.Digraph:
    """The network picture of :func:`draw_network` from its neurons and a grad function."""
    gv = _graphviz()
    if rho is not None and not (isinstance(rho, (int, float)) and math.isfinite(rho)):
        raise ValueError(f"draw_network: rho must be a finite number, not {rho!r}")
    n_edges = sum(len(n.weights) for layer in layers for n in layer)
    labels = n_edges <= 40 if edge_labels is None else edge_labels
    us = [n.u for layer in layers for n in layer if isinstance(n.u, Value)]
    computed = any(grad(u) != 0 for u in us)
    wmax = (
        max((abs(w.data) for layer in layers for n in layer for w in n.weights), default=1.0) or 1.0
    )
    dot = gv.Digraph(
        "network",
        graph_attr={
            "rankdir": rankdir,
            "nodesep": "0.3",
            "ranksep": "0.5" if labels else "1.4",
            # Straight lines read like the chapter's figure; labels need curves to stay clear.
            "splines": "true" if labels else "line",
        },
    )
    dot.attr(
        "node", fontname=FONT, fontsize="11", shape="circle", style="filled", fillcolor="#f7f7f7"
    )
    dot.attr("edge", fontname=FONT, fontsize="10", arrowsize="0.5")
    if state is None:
        state = (
            "after backward()"
            if computed
            else ("δ not yet computed" if us else "no forward call yet")
        )
    if index_order is None:
        dot.attr(label=f"<{dot_escape(state)}>", labelloc="t", fontname=FONT)
    else:
        legend = _network_legend(state, index_order, rho, labels)
        dot.attr(label=legend, labelloc="b", fontname=FONT)
    prev = []
    with dot.subgraph(name="inputs") as col:
        col.attr(rank="same")
        for i, x in enumerate(inputs or _inputs_of(layers[0]), start=1):
            text = f"x{_idx(i)}" + ("" if x is None else f"<BR/>{dot_escape(num(x))}")
            col.node(f"x{i}", label=f"<{text}>", fillcolor="#e8f0fe")
            prev.append(f"x{i}")
        _keep_order(col, prev)
    for li, layer in enumerate(layers, start=1):
        last = li == len(layers)
        ids = []
        with dot.subgraph(name=f"layer{li}") as col:
            col.attr(rank="same")
            for j, neuron in enumerate(layer, start=1):
                nid = f"n{li}_{j}"
                name = (
                    f"y{_idx(j)}"
                    if last and len(layer) > 1
                    else ("y" if last else f"h{_idx(li, j)}")
                )
                delta = ("δ_y" if name == "y" else f"δ{_idx(li, j)}") if computed else ""
                fill = "#fff5eb" if last else "#f7f7f7"
                label = _neuron_label(name, delta, li, j, neuron, grad)
                col.node(nid, label=label, fillcolor=fill)
                ids.append(nid)
            _keep_order(col, ids)
        for j, neuron in enumerate(layer, start=1):
            for src, w in zip(prev, neuron.weights, strict=False):
                colour = "#1f5fa8" if w.data >= 0 else "#c0392b"
                width = 0.6 + 2.4 * abs(w.data) / wmax
                attrs = {"color": colour, "penwidth": f"{width:.2f}"}
                if labels:
                    attrs["label"] = _weight_label(w, grad(w) if computed else None, rho)
                    attrs["fontcolor"] = colour
                    # Underlined and joined to its edge by a line: each label visibly
                    # belongs to one edge even where two edges run close together.
                    attrs["decorate"] = "true"
                dot.edge(src, f"n{li}_{j}", **attrs)
        prev = ids
    return dot


def _weight_label(w: Value, g: float | None, rho: float | None) -> str:
    """``w₂ = 3``, then ``∂ℒ/∂w₂ = 156`` and ``→ 3 − ρ·156 = 1.44`` when known."""
    name = pretty(w.label) if w.label else "w"
    lines = [f"{name} = {num(w.data)}"]
    if g is not None:
        lines.append(f"∂ℒ/∂{name} = {num(g)}")
        if rho is not None:
            lines.append(f"→ {num(w.data - rho * g)}")
    return "<" + "<BR/>".join(dot_escape(t) for t in lines) + ">"


def _network_legend(state: str, index_order: str, rho: float | None, labels: bool) -> str:
    """The legend under the network picture: colour, thickness, the numbering, the update."""
    rows = [
        f"<B>{dot_escape(state)}</B>",
        '<FONT COLOR="#1f5fa8">blue edge: w ≥ 0</FONT>,  '
        '<FONT COLOR="#c0392b">red edge: w &lt; 0</FONT>;  thicker edge: larger |w|',
        dot_escape("in each circle: u = Σ w·h (+ b), h = f(u) and δ, which is ∂ℒ/∂u"),
        dot_escape(f"numbering: {index_order}"),
    ]
    if rho is not None:
        rows.append(dot_escape(f"on each edge: w, ∂ℒ/∂w, and → w − ρ ∂ℒ/∂w with ρ = {num(rho)}"))
    if labels:
        rows.append("the line under an edge's label joins it to its edge")
    cells = "".join(f'<TR><TD ALIGN="LEFT">{r}</TD></TR>' for r in rows)
    return f'<<TABLE BORDER="0" CELLPADDING="1">{cells}</TABLE>>'


#: The chapter's numbering of the worked example's weights.
CHAPTER_INDEX_ORDER = (
    "w₁: h₁₁ → y;  w₂ w₃ w₄: x₁ x₂ x₃ → u₁₁;  w₅ w₆ w₇: x₁ x₂ x₃ → u₁₂;  w₈: h₁₂ → y"
)


def draw_worked_example_network(example: Any, *, rho: float | None = None) -> graphviz.Digraph:
    """The chapter's 3-2-1 network (``autograd_mini.chapter.build()``) as the chapter draws
    it: x = (2, 3, 1), u, h and δ in each neuron (δ₁₁ = 78, δ_y = 26), each edge's weight,
    ∂ℒ/∂w and its update w → w − ρ ∂ℒ/∂w (w₁: 3 → 0.14, w₂: 3 → 1.44), and a legend for
    colour, thickness and the chapter's numbering w₁ … w₈.

    The gradients are those of one backward pass from ``example.loss``, computed here from
    the op table (``example``'s ``.grad`` fields are not touched); ``rho`` defaults to the
    chapter's learning rate ρ = 0.01.
    """
    from autograd_mini import chapter

    fields = ("x", "hidden_weights", "output_weights", "u", "h", "y", "loss")
    missing = [f for f in fields if not hasattr(example, f)]
    if missing:
        raise TypeError(
            "draw_worked_example_network: expected autograd_mini.chapter.build()'s result, "
            f"got {type(example).__name__} without {', '.join(missing)}"
        )
    adj = analyze(example.loss, max_nodes=10_000, what="draw_worked_example_network").adjoints()

    def grad(v: Value) -> float:
        return adj.get(v, 0.0)

    hidden = [
        _Neuron(list(ws), None, u, h)
        for ws, u, h in zip(example.hidden_weights, example.u, example.h, strict=True)
    ]
    output = [_Neuron(list(example.output_weights), None, example.y, None)]
    return network_graph(
        [hidden, output],
        grad,
        edge_labels=True,
        rankdir="LR",
        rho=chapter.RHO if rho is None else rho,
        index_order=CHAPTER_INDEX_ORDER,
        inputs=[v.data for v in example.x],
        state="the chapter's worked example: one backward pass from ℒ = (t − y)²",
    )


# -- output -----------------------------------------------------------------------------------

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


#: Seconds ``dot`` may take before render/save_stepper stop it (None: wait for ever).
DOT_TIMEOUT: float | None = 60.0


def dot_program() -> str | None:
    """The path of Graphviz's ``dot`` program, or None when it is not installed."""
    return shutil.which("dot")


def pipe_svg(dot: Any, what: str, timeout: float | None = DOT_TIMEOUT) -> str:
    """``dot -Tsvg`` of a Digraph as text; GraphvizNotFoundError when dot is missing."""
    return _pipe(dot, "svg", what, timeout).decode("utf-8")


def _pipe(dot: Any, fmt: str, what: str, timeout: float | None) -> bytes:
    """Run ``dot -T{fmt}`` on the Digraph's source; clear errors when dot is missing, fails,
    crashes or takes longer than ``timeout`` seconds (the process is then killed)."""
    program = dot_program()
    if program is None:
        raise GraphvizNotFoundError(
            f"{what}: Graphviz's `dot` program was not found. {INSTALL_HINT}"
        ) from None  # a short traceback: no chained context
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"],
            input=str(dot.source).encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GraphTooLargeError(
            f"{what}: Graphviz's `dot` took longer than {timeout:g} s to lay out this graph "
            "and was stopped (a value read at many depths, like a in a*a*…*a, makes thousands "
            "of bends). Draw a part of it, or pass a larger timeout (None waits for ever)."
        ) from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode < 0:
            stderr = f"dot crashed (signal {-done.returncode}) {stderr}".strip()
        raise RuntimeError(f"{what}: Graphviz's `dot -T{fmt}` failed: {stderr}") from None
    return done.stdout


def render(
    graph: Any, path: str | os.PathLike[str], *, timeout: float | None = DOT_TIMEOUT
) -> Path:
    """Write ``graph`` (a Digraph from :func:`draw_graph`/:func:`draw_network`) to ``path``;
    the format comes from the suffix: .svg, .png, .pdf, or .dot/.gv (the DOT source).

    Returns the path written. When Graphviz's ``dot`` program is missing, the DOT source is
    written next to it (``name.dot``), ONE :class:`GraphvizNotInstalledWarning` says how to
    install Graphviz, and that .dot path is returned. ``dot`` is stopped after ``timeout``
    seconds with a :class:`GraphTooLargeError` (its layout of some graphs takes minutes).
    """
    out = Path(path)
    fmt = _FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"render: can't tell the format of {str(out)!r}; use one of {', '.join(_FORMATS)}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    source = str(graph.source).encode("utf-8")
    if fmt == "dot":
        write_atomic(out, source)
        return out
    try:
        data = _pipe(graph, fmt, "render", timeout)
    except GraphvizNotFoundError:
        fallback = out.with_suffix(".dot")
        write_atomic(fallback, source)
        warnings.warn(
            f"render: Graphviz's `dot` program is not installed, so {out} was not drawn; "
            f"its DOT source is in {fallback}. {INSTALL_HINT}",
            GraphvizNotInstalledWarning,
            stacklevel=2,
        )
        return fallback
    write_atomic(out, data)
    return out


# -- Jupyter ----------------------------------------------------------------------------------
# Rich display in Jupyter: :func:`mimebundle` draws a Value's graph or a network.
#
# A ``Value._repr_mimebundle_`` or ``Module._repr_mimebundle_`` can return it (the engine and
# nn do not define them yet: ``display(viz.mimebundle(v), raw=True)`` shows it). Every picture is
# bounded: a graph is measured by a walk that stops past :data:`MAX_INLINE_NODES` nodes (so
# a huge graph costs nothing to display), Graphviz gets :data:`INLINE_TIMEOUT` seconds, and
# anything too large or failing shows a one-line text summary and a small SVG saying so.
# Without the graphviz package or Graphviz's ``dot``, the bundle is text only.

#: Graphs with more nodes than this are summarised, not drawn, in a notebook.
MAX_INLINE_NODES = 300
#: Networks with more neurons than this are summarised, not drawn.
MAX_INLINE_NEURONS = 120
#: Networks with more weights (edges) than this are summarised, not drawn.
MAX_INLINE_EDGES = 1000
#: Seconds Graphviz may take to lay out an inline picture.
INLINE_TIMEOUT = 10.0

_TEXT_PLAIN = "text/plain"
_SVG = "image/svg+xml"


def _neurons_of(model: Any) -> int | None:
    """How many neurons ``model`` (an nn MLP, Layer or Neuron) has; None if it is not one."""
    if hasattr(model, "neurons_by_layer"):
        return sum(len(layer) for layer in model.neurons_by_layer())
    if hasattr(model, "layers"):
        return sum(len(layer.neurons) for layer in model.layers)
    if hasattr(model, "neurons"):
        return len(model.neurons)
    if hasattr(model, "parameters") and hasattr(model, "w"):
        return 1
    return None


def _summary_svg(text: str) -> str:
    """A one-line picture saying why there is no drawing (escaped, ~9 px per character)."""
    shown = html_escape(text)
    width = 12 + 7 * len(text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="28" '
        f'viewBox="0 0 {width} 28"><rect width="{width}" height="28" fill="#f7f7f7" '
        'stroke="#999999"/><text x="6" y="18" font-family="DejaVu Sans, sans-serif" '
        f'font-size="12">{shown}</text></svg>'
    )


def _svg_of(graph: Any) -> str:
    svg = pipe_svg(graph, "mimebundle", INLINE_TIMEOUT)
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _picture(obj: Any) -> tuple[str, str | None]:
    """(text/plain, image/svg+xml or None) for ``obj``."""
    text = clean(repr(obj)) if not isinstance(obj, Value) else repr(obj)
    try:
        if isinstance(obj, Value):
            n = count_nodes(obj, MAX_INLINE_NODES)
            if n > MAX_INLINE_NODES:
                note = (
                    f"a graph of more than {MAX_INLINE_NODES:,} nodes: too large to draw "
                    "inline (viz.draw_graph(part) draws a part of it)"
                )
                return f"{text}\n({note})", _summary_svg(note)
            return text, _svg_of(draw_graph(obj, max_nodes=MAX_INLINE_NODES))
        neurons = _neurons_of(obj)
        if neurons is None:
            raise TypeError(
                "mimebundle: expected a Value or an nn MLP, Layer or Neuron, "
                f"got {type(obj).__name__}"
            )
        if neurons > MAX_INLINE_NEURONS:
            note = (
                f"a network of {neurons:,} neurons: too large to draw inline "
                f"(more than {MAX_INLINE_NEURONS}); viz.draw_network(model) draws it"
            )
            return f"{text}\n({note})", _summary_svg(note)
        edges = sum(len(n.weights) for layer in _layers_of(obj) for n in layer)
        if edges > MAX_INLINE_EDGES:  # 2-60-59-1's 3,719 edges made a 1.4 MB picture
            note = (
                f"a network of {edges:,} weights: too many edges to draw inline "
                f"(more than {MAX_INLINE_EDGES:,}); viz.draw_network(model) draws it"
            )
            return f"{text}\n({note})", _summary_svg(note)
        return text, _svg_of(draw_network(obj))
    except ImportError:
        return text, None  # no graphviz package: text only
    except GraphTooLargeError as error:
        note = str(error).split(". ")[0]
        return f"{text}\n({note})", _summary_svg(note[:120])
    except RuntimeError as error:  # dot missing (GraphvizNotFoundError) or failing
        return f"{text}\n({str(error).splitlines()[0][:200]})", None


def mimebundle(
    obj: Any, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> dict[str, str]:
    """Jupyter's rich display of ``obj``: ``{"text/plain": ..., "image/svg+xml": ...}``.

    A :class:`~autograd_mini.Value` shows its computation graph (:func:`draw_graph`), an
    ``autograd_mini.nn`` MLP, Layer or Neuron its network (:func:`draw_network`). A graph of
    more than :data:`MAX_INLINE_NODES` nodes, a network of more than
    :data:`MAX_INLINE_NEURONS` neurons or :data:`MAX_INLINE_EDGES` weights, or a layout
    Graphviz cannot finish in :data:`INLINE_TIMEOUT` seconds shows a one-line summary
    instead (at once: the graph is never walked past the limit). Without the graphviz
    package or Graphviz's ``dot`` only "text/plain" is given. ``include`` and ``exclude``
    pick MIME types, as IPython passes them to ``_repr_mimebundle_``.
    """
    text, svg = _picture(obj)
    bundle = {_TEXT_PLAIN: text}
    if svg is not None:
        bundle[_SVG] = svg
    if include is not None:
        wanted = set(include)
        bundle = {k: v for k, v in bundle.items() if k in wanted}
    if exclude is not None:
        unwanted = set(exclude)
        bundle = {k: v for k, v in bundle.items() if k not in unwanted}
    return bundle
