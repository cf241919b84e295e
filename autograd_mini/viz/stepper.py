"""The backprop stepper: ONE self-contained HTML page that walks the backward pass.

The page holds the graph as inline SVG (from ``dot -Tsvg``), its CSS and JavaScript, and the
steps as JSON; it loads nothing (a Content-Security-Policy forbids it) and works opened
straight from disk (``file://``).
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

from autograd_mini.engine import Value
from autograd_mini.files import write_atomic
from autograd_mini.viz.analysis import GraphInfo, analyze, node_equation
from autograd_mini.viz.drawing import (
    DETAILS,
    DOT_TIMEOUT,
    GraphStyle,
    build_graph,
    node_id,
    pipe_svg,
)
from autograd_mini.viz.explanations import explain_in
from autograd_mini.viz.labels import MARK, clean, html_escape, num

__all__ = ["WINDOW", "fit_scale", "json_for_script", "save_stepper", "step_lines"]


def json_for_script(data: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` are
    written as \\u escapes (so no ``</script>`` or ``<!--`` can appear), and non-ASCII too."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def step_lines(info: GraphInfo, node: Value, adj: dict[Value, float]) -> tuple[str, str]:
    """What backward() does at ``node`` and why: (the node's equation in the chapter's form,
    e.g. δ₁₁ = f′(u₁₁) · w₁ · δ_y = 1 × 3 × 26 = 78; the chain rule from the root,
    :func:`explain`, without any line already said). No line repeats, and no node is
    explained by itself."""
    root = info.root
    if node is root:
        return (
            f"{info.d(root, root)} = 1",
            f"backward() starts at {_root_name(info)}: its grad is 1.",
        )
    line = node_equation(info, node, adj.__getitem__).one_line()
    said = {_core(line)}
    more = []
    for text in str(explain_in(info, adj, node)).splitlines():
        core = _core(text)
        if core in said or any(core in s for s in said) or _self_explained(core):
            continue
        said.add(core)
        more.append(text)
    return line, "\n".join(more)


def _root_name(info: GraphInfo) -> str:
    """The root as the page names it: ``f = relu(w1*x1 + …)`` when the equations call it f."""
    name = info.name(info.root)
    return name if info.root_symbol == name else f"{info.root_symbol} = {name}"


def _core(line: str) -> str:
    """A chain-rule line without its indentation, "where" and δ prefix, for comparing."""
    text = line.strip().removeprefix("where ").strip()
    return text


def _self_explained(line: str) -> bool:
    """``∂L/∂x = ∂L/∂x …``: a line whose right side starts with its left side."""
    parts = line.split(" = ")
    return len(parts) > 1 and parts[1] == parts[0]


def _hidden(text: str) -> str:
    """The not-yet-visited form of a marked text: ``grad`` with its number blanked."""
    return MARK + "grad" if text.startswith(MARK + "grad ") else MARK


def save_stepper(
    root: Value,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    max_nodes: int = 1000,
    rankdir: str = "auto",
    detail: str = "compact",
    timeout: float | None = DOT_TIMEOUT,
) -> Path:
    """Write ONE self-contained HTML page that steps through ``root``'s backward pass.

    Prev/Next buttons, a slider and the ← → keys walk the backward pass in the chapter's
    order (root first, then the output layer, then layer by layer back to the inputs; each
    node after all the nodes reading it): the current node is highlighted and scrolled into
    view, grads filled in so far are shown, not-yet-visited ones are blank, and the
    current node's equation (δ = f′(u) · Σ w · δ at a neuron, ∂L/∂w = h · δ at a weight)
    and the rest of its chain rule (:func:`explain`) are written above the picture. The
    picture fits the window; + and − (or the buttons) zoom, 0 fits again. ``detail`` and
    ``rankdir`` are as in :func:`draw_graph`; ``rankdir="auto"`` (the default) lays the
    graph out both left to right and top to bottom and keeps left to right unless it would
    be shrunk in a 1400 × 900 window (:data:`WINDOW`) and top to bottom shows clearly
    (1.2 ×) larger. The numbers are those of one backward pass, so
    the page works before ``backward()`` too. Needs
    Graphviz's ``dot`` (to lay the graph out as SVG, stopped after ``timeout`` seconds with
    a :class:`GraphTooLargeError`); returns the path written.
    """
    if detail not in DETAILS:
        raise ValueError(f"save_stepper: detail must be 'compact' or 'full', not {detail!r}")
    if rankdir not in ("auto", "LR", "RL", "TB", "BT"):
        raise ValueError(f"save_stepper: rankdir must be auto, LR, RL, TB or BT, not {rankdir!r}")
    info = analyze(root, max_nodes=max_nodes, what="save_stepper", layout=True)
    info.short_root = True
    adj = info.adjoints()
    head = clean(title) if title is not None else f"Backward pass of {info.name(root)}"
    layouts = []
    for direction in ("LR", "TB") if rankdir == "auto" else (rankdir,):
        dynamic: dict[str, list[str]] = {}
        style = GraphStyle(adj.get, rankdir=direction, shade=False, dynamic=dynamic, detail=detail)
        # No title in the picture: the page shows it.
        svg = pipe_svg(build_graph(info, style, ""), "save_stepper", timeout)
        layouts.append((fit_scale(svg), svg, dynamic))
    # Left to right, as the chapter draws, unless it is shrunk below natural size and top
    # to bottom shows clearly larger.
    _, svg, dynamic = layouts[0]
    if len(layouts) == 2 and layouts[0][0] < 1.0 and layouts[1][0] > 1.2 * layouts[0][0]:
        _, svg, dynamic = layouts[1]
    steps = []
    for node in info.backward_order:
        line, why = step_lines(info, node, adj)
        steps.append(
            {
                "id": node_id(info, node),
                "name": info.name(node),
                "grad": num(adj[node]),
                "line": line,
                "explain": why,
            }
        )
    data = {
        "steps": steps,
        "dynamic": {k: [[t, _hidden(t)] for t in v] for k, v in dynamic.items()},
        "intro": (
            f"{_root_name(info)} = {num(root.data)}. backward() visits the {len(steps)} nodes "
            "from the root back to the leaves; press Next (→) to take one step."
        ),
    }
    page = _page(head, _inline_svg(svg), json_for_script(data))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, page.encode("utf-8"))
    return out


#: The picture's part of a typical browser window (1400 × 900 less the buttons and the
#: panel), in CSS px: ``rankdir="auto"`` picks the layout that shows largest there.
WINDOW = (1370.0, 680.0)


def fit_scale(svg: str, window: tuple[float, float] = WINDOW) -> float:
    """The scale at which dot's ``svg`` (its size in pt) fits ``window`` (CSS px)."""
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if size is None:
        return 0.0
    width, height = (float(v) * 4 / 3 for v in size.groups())
    return min(window[0] / width, window[1] / height) if width and height else 0.0


def _inline_svg(svg: str) -> str:
    """dot's SVG without its XML declaration and DOCTYPE, ready to sit inside HTML."""
    start = svg.find("<svg")
    if start < 0:
        raise RuntimeError("save_stepper: Graphviz produced no <svg> element")
    return svg[start:]


def _page(title: str, svg: str, data: str) -> str:
    template = resources.files("autograd_mini.viz").joinpath("stepper.html").read_text("utf-8")
    parts = {"@@TITLE@@": html_escape(title), "@@SVG@@": svg, "@@DATA@@": data}
    # One pass, so nothing substituted is scanned for placeholders again.
    return re.sub("@@(?:TITLE|SVG|DATA)@@", lambda m: parts[m.group(0)], template)
