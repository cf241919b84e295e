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
from autograd_mini.viz._analysis import GraphInfo, analyze
from autograd_mini.viz._draw import DOT_TIMEOUT, GraphStyle, build_graph, node_id, pipe_svg
from autograd_mini.viz._explain import explain_in
from autograd_mini.viz._text import MARK, clean, html_escape, num, product

__all__ = ["json_for_script", "save_stepper"]


def json_for_script(data: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` are
    written as \\u escapes (so no ``</script>`` or ``<!--`` can appear), and non-ASCII too."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _step_line(info: GraphInfo, node: Value, adj: dict[Value, float]) -> str:
    """What backward() does at ``node``: ∂L/∂n = Σ_c ∂c/∂n · ∂L/∂c over the nodes c reading n."""
    root = info.name(info.root)
    lhs = f"∂{root}/∂{info.name(node)}"
    if node is info.root:
        return f"{lhs} = 1"
    local: dict[Value, float] = {}
    for c, pos in info.consumers[node]:
        local[c] = local.get(c, 0.0) + info.locals[c][pos]
    syms = " + ".join(
        f"∂{info.name(c)}/∂{info.name(node)} · ∂{root}/∂{info.name(c)}" for c in local
    )
    nums = " + ".join(product([p, adj[c]]) for c, p in local.items())
    return f"{lhs} = {syms} = {nums} = {num(adj[node])}"


def _hidden(text: str) -> str:
    """The not-yet-visited form of a marked text: ``grad`` with its number blanked."""
    return MARK + "grad" if text.startswith(MARK + "grad ") else MARK


def save_stepper(
    root: Value,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    max_nodes: int = 1000,
    rankdir: str = "LR",
    timeout: float | None = DOT_TIMEOUT,
) -> Path:
    """Write ONE self-contained HTML page that steps through ``root``'s backward pass.

    Prev/Next buttons, a slider and the ← → keys walk the nodes in the order
    ``backward()`` visits them (root first): the current node is highlighted, grads filled
    in so far are shown, not-yet-visited ones are blank, and the chain-rule line for the
    current node (and its full :func:`explain`) is written above the picture. The numbers
    are those of one backward pass, so the page works before ``backward()`` too. Needs
    Graphviz's ``dot`` (to lay the graph out as SVG, stopped after ``timeout`` seconds with
    a :class:`GraphTooLargeError`); returns the path written.
    """
    info = analyze(root, max_nodes=max_nodes, what="save_stepper", layout=True)
    adj = info.adjoints()
    dynamic: dict[str, list[str]] = {}
    style = GraphStyle(adj.get, rankdir=rankdir, shade=False, dynamic=dynamic)
    head = clean(title) if title is not None else f"Backward pass of {info.name(root)}"
    svg = pipe_svg(
        build_graph(info, style, ""), "save_stepper", timeout
    )  # the page shows the title
    steps = []
    for node in info.backward_order:
        if node is root:
            why = f"backward() starts at {info.name(root)}: its grad is 1."
        else:
            why = str(explain_in(info, adj, node))
        steps.append(
            {
                "id": node_id(info, node),
                "name": info.name(node),
                "grad": num(adj[node]),
                "line": _step_line(info, node, adj),
                "explain": why,
            }
        )
    data = {
        "steps": steps,
        "dynamic": {k: [[t, _hidden(t)] for t in v] for k, v in dynamic.items()},
        "intro": (
            f"{info.name(root)} = {num(root.data)}. backward() visits the {len(steps)} nodes "
            "from the root back to the leaves; press Next (→) to take one step."
        ),
    }
    page = _page(head, _inline_svg(svg), json_for_script(data))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, page.encode("utf-8"))
    return out


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
