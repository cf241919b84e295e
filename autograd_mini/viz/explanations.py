"""The chain rule in words and numbers: :func:`explain` and :func:`backprop_table`.

Both describe ONE backward pass from ``root``: the numbers are ∂L/∂node computed from the
op table's local derivatives (:func:`autograd_mini.engine.local_grads`), which is exactly
what ``root.backward()`` puts in ``.grad`` (leaves' ``.grad`` also adds earlier passes). They
work before ``backward()`` too.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from autograd_mini.engine import Value
from autograd_mini.viz.analysis import (
    GraphInfo,
    analyze,
    grad_value,
    is_activation,
    is_computed,
    op_text,
)
from autograd_mini.viz.labels import html_escape, num, product

__all__ = ["BackpropRow", "BackpropTable", "Explanation", "backprop_table", "explain", "op_text"]


class Explanation(str):
    """The text :func:`explain` returns: a ``str`` that also displays nicely in Jupyter."""

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(str(self))  # type: ignore[attr-defined]

    def _repr_markdown_(self) -> str:
        """Each line as inline code; written as HTML ``<code>`` with ``|`` and backticks as
        character references, so no label can end the span or split a table."""
        return "\n\n".join(f"<code>{_code(line)}</code>" for line in self.splitlines())


def _code(line: str) -> str:
    return html_escape(line).replace("|", "&#124;").replace("`", "&#96;").replace("*", "&#42;")


def _is_station(info: GraphInfo, node: Value) -> bool:
    """Default waypoints of the chain rule: every node except activation outputs h = f(u)
    (the chapter folds f′ into ∂y/∂u) and unlabelled nodes with a single consumer."""
    if is_activation(node.op):
        return False
    return bool(node.label) or len(info.consumers[node]) != 1


def _factors_from(info: GraphInfo, start: Value, stations: set[Value]) -> dict[Value, float]:
    """∂t/∂start for every station t reachable from ``start`` through non-stations only."""
    val = {start: 1.0}
    out: dict[Value, float] = {}
    heap = [(info.index[start], start)]
    seen = {start}
    while heap:
        _, node = heapq.heappop(heap)
        for c, pos in info.consumers[node]:
            contrib = val[node] * info.locals[c][pos]
            if c in stations:
                out[c] = out.get(c, 0.0) + contrib
                continue
            val[c] = val.get(c, 0.0) + contrib
            if c not in seen:
                seen.add(c)
                heapq.heappush(heap, (info.index[c], c))
    return out


def _subpath(info: GraphInfo, start: Value, end: Value, stations: set[Value]) -> list[Value] | None:
    """The node sequence start → … → end through non-stations when it is the only one (a
    walk that remembers each node's predecessor: linear in the nodes between them)."""
    prev: dict[Value, Value] = {}
    stack = [start]
    last: Value | None = None
    while stack:
        node = stack.pop()
        for c, _ in info.consumers[node]:
            if c is end:
                if last is not None:
                    return None  # a second way into end
                last = node
            elif c not in stations and info.index[c] < info.index[end]:
                if c in prev or c is start:
                    return None  # two ways to reach c: possibly two paths
                prev[c] = node
                stack.append(c)
    if last is None:
        return None
    path = [end, last]
    while path[-1] is not start:
        path.append(prev[path[-1]])
    return path[::-1]


def _d(info: GraphInfo, top: Value, bottom: Value) -> str:
    return info.d(top, bottom)


def _in_argument_order(info: GraphInfo, nodes: Iterable[Value]) -> list[Value]:
    """Nodes by decreasing topological index: the engine's depth-first order finishes the
    last argument first, so this lists them roughly in the order they were written."""
    return sorted(nodes, key=lambda n: -info.index[n])


def _station_paths(
    info: GraphInfo, start: Value, root: Value, factors: dict[Value, dict[Value, float]], limit: int
) -> list[list[Value]] | None:
    paths: list[list[Value]] = []
    stack = [[start]]
    while stack:
        path = stack.pop()
        if path[-1] is root:
            paths.append(path)
            if len(paths) > limit:
                return None
            continue
        stack.extend([*path, nxt] for nxt in reversed(_in_argument_order(info, factors[path[-1]])))
    return paths


def _local_steps(info: GraphInfo, chain: list[Value]) -> list[float]:
    """The local derivative on each edge of a single chain (summed over repeated args)."""
    steps = []
    for lo, hi in itertools.pairwise(chain):
        steps.append(math.fsum(info.locals[hi][p] for p, a in enumerate(hi.args) if a is lo))
    return steps


def explain(
    root: Value,
    node: Value,
    *,
    through: Iterable[Value] | None = None,
    max_terms: int = 6,
    max_nodes: int = 200_000,
) -> Explanation:
    """The chain rule for ∂root/∂node, with the numbers of one backward pass.

    ``∂L/∂w₂ = ∂u₁₁/∂w₂ · ∂y/∂u₁₁ · ∂L/∂y = 2 × 3 × 26 = 156`` for the chapter's example: a
    product of local derivatives along each path from ``node`` up to ``root``, summed over
    the paths. The waypoints are the labelled nodes and branch points; activation outputs
    h = f(u) and unlabelled single-consumer nodes are folded into the factor around them
    and spelled out on "where" lines. ``through`` picks the waypoints instead. With more
    than ``max_terms`` paths the sum is grouped by ``node``'s next waypoints, in the
    chapter's δ form ∂L/∂x = Σ ∂c/∂x · ∂L/∂c.

    The work is linear in the graph's size; past ``max_nodes`` nodes a
    :class:`GraphTooLargeError` is raised at once (the graph is not walked further).
    """
    info = analyze(root, max_nodes=max_nodes, what="explain")
    if node not in info.index:
        raise ValueError(f"explain: {node!r} is not part of the graph of {root!r}")
    return explain_in(info, info.adjoints(), node, through=through, max_terms=max_terms)


def explain_in(
    info: GraphInfo,
    adj: dict[Value, float],
    node: Value,
    *,
    through: Iterable[Value] | None = None,
    max_terms: int = 6,
) -> Explanation:
    """:func:`explain` on an analysed graph with its adjoints ∂L/∂node already computed."""
    root = info.root
    lhs = _d(info, root, node)
    if node is root:
        return Explanation(f"{lhs} = 1")
    stations = {n for n in info.order if _is_station(info, n)} if through is None else set(through)
    stations |= {node, root}
    factors: dict[Value, dict[Value, float]] = {}
    todo = [node]
    while todo and len(factors) <= _MAX_WAYPOINTS:
        s = todo.pop()
        if s not in factors:
            factors[s] = _factors_from(info, s, stations)
            todo.extend(factors[s])
    complete = not todo
    paths = _station_paths(info, node, root, factors, max_terms) if complete else None
    lines = _path_lines(info, lhs, node, adj, factors, paths)
    where = _where_lines(info, node, factors, stations, paths)
    if paths is not None and len(paths) == 1 and len(paths[0]) == 2 and where:
        # One folded factor: its expansion is the whole story.
        lines, where = [where[0].removeprefix("  where ")], []
    lines += where
    lines += _accumulated_note(info, node, adj[node])
    return Explanation("\n".join(lines))


#: Past this many waypoints above a node, explain() writes only the first step of the sum.
_MAX_WAYPOINTS = 2000
#: A folded chain longer than this is written as one product, not factor by factor.
_MAX_CHAIN = 12


def _count_paths(
    info: GraphInfo, start: Value, factors: dict[Value, dict[Value, float]]
) -> int | str:
    """How many waypoint paths lead from ``start`` to the root (counted, not listed)."""
    if len(factors) > _MAX_WAYPOINTS:
        return "many"
    count: dict[Value, int] = {info.root: 1}
    for s in sorted(factors, key=lambda n: -info.index[n]):
        if s is not info.root:
            count[s] = sum(count.get(t, 0) for t in factors[s])
    return count.get(start, 0)


def _path_lines(
    info: GraphInfo,
    lhs: str,
    node: Value,
    adj: dict[Value, float],
    factors: dict[Value, dict[Value, float]],
    paths: list[list[Value]] | None,
) -> list[str]:
    total = num(adj[node])
    if not factors[node]:
        return [f"{lhs} = 0  ({info.name(info.root)} does not depend on {info.name(node)})"]
    if paths is None:
        nxt = _in_argument_order(info, factors[node])
        shown = nxt[:6]
        sym = " + ".join(f"{_d(info, c, node)} · {_d(info, info.root, c)}" for c in shown)
        values = " + ".join(product([factors[node][c], adj[c]]) for c in shown)
        more = f" + … ({len(nxt) - len(shown)} more)" if len(nxt) > len(shown) else ""
        return [
            f"{lhs} = {sym}{more}",
            f"    = {values}{more} = {total}",
            f"({_count_paths(info, node, factors)} paths from {info.name(node)} to "
            f"{info.name(info.root)}, grouped by the nodes reading {info.name(node)}: "
            "explain() those for their own ∂L/∂·)",
        ]
    if len(paths) == 1 and len(paths[0]) == 2:
        return [f"{lhs} = {total}"]
    syms: list[str] = []
    nums: list[str] = []
    for path in paths:
        pairs = list(itertools.pairwise(path))
        syms.append(" · ".join(_d(info, hi, lo) for lo, hi in pairs))
        nums.append(product([factors[lo][hi] for lo, hi in pairs]))
    return [f"{lhs} = {' + '.join(syms)} = {' + '.join(nums)} = {total}"]


def _where_lines(
    info: GraphInfo,
    node: Value,
    factors: dict[Value, dict[Value, float]],
    stations: set[Value],
    paths: list[list[Value]] | None,
) -> list[str]:
    """Spell out each factor that was folded through intermediate nodes."""
    pairs: list[tuple[Value, Value]] = []
    if paths is None:
        pairs = [(node, c) for c in list(factors[node])[:6]]
    for path in paths or []:
        for lo, hi in itertools.pairwise(path):
            if (lo, hi) not in pairs:
                pairs.append((lo, hi))
    lines = []
    for lo, hi in pairs:
        chain = _subpath(info, lo, hi, stations)
        if chain is None or len(chain) <= 2:
            continue
        value = num(factors[lo][hi])
        if len(chain) > _MAX_CHAIN + 1:
            lines.append(
                f"  where {_d(info, hi, lo)} = the product of the {len(chain) - 1:,} local "
                f"derivatives along the chain {info.name(lo)} → … → {info.name(hi)} = {value}"
            )
            continue
        parts = " · ".join(_d(info, b, a) for a, b in itertools.pairwise(chain))
        steps = _local_steps(info, chain)
        lines.append(f"  where {_d(info, hi, lo)} = {parts} = {product(steps)} = {value}")
    return lines


def _accumulated_note(info: GraphInfo, node: Value, this_pass: float) -> list[str]:
    if node.operation is not None or not is_computed(info.root):
        return []
    stored = grad_value(node)
    if math.isclose(stored, this_pass, rel_tol=1e-9, abs_tol=1e-12):
        return []
    return [
        f"({info.name(node)}.grad = {num(stored)}: a leaf accumulates its gradient over "
        "backward() calls; the numbers above are one pass)"
    ]


class BackpropRow(NamedTuple):
    """One step of the backward pass: the node visited, its op, forward value, the local
    derivatives ∂node/∂arg it multiplies its grad by, and its grad ∂L/∂node."""

    step: int
    node: Value
    name: str
    op: str
    value: float
    local: tuple[tuple[str, float], ...]
    grad: float


class BackpropTable:
    """The backward pass as rows in visiting order (root first). ``str(table)`` is a text
    table, :meth:`to_markdown` a Markdown one; Jupyter shows it as a table."""

    _HEAD = ("step", "node", "op", "value", "local derivatives ∂node/∂arg", "grad ∂L/∂node")

    def __init__(self, rows: list[BackpropRow], root_name: str) -> None:
        self.rows = rows
        self.root_name = root_name

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[BackpropRow]:
        return iter(self.rows)

    def __getitem__(self, i: int) -> BackpropRow:
        return self.rows[i]

    def _cells(self) -> list[tuple[str, ...]]:
        head = (*self._HEAD[:-1], f"grad ∂{self.root_name}/∂node")
        body = [
            (
                str(r.step),
                r.name,
                r.op or "leaf",
                num(r.value),
                ", ".join(f"∂/∂{a} = {num(p)}" for a, p in r.local),
                num(r.grad),
            )
            for r in self.rows
        ]
        return [head, *body]

    def __str__(self) -> str:
        cells = self._cells()
        widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def __repr__(self) -> str:
        return f"<BackpropTable: {len(self.rows)} steps>\n{self}"

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table; user text is escaped (| < > & and backticks)."""

        def cell(s: str) -> str:
            return html_escape(s).replace("|", "\\|").replace("`", "\\`").replace("*", "\\*")

        cells = self._cells()
        out = ["| " + " | ".join(cell(c) for c in cells[0]) + " |"]
        out.append("|" + "|".join("---" for _ in cells[0]) + "|")
        out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in cells[1:]]
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def backprop_table(root: Value, *, max_nodes: int = 100_000) -> BackpropTable:
    """The backward pass from ``root`` as a table, one row per node in the order
    ``root.backward()`` visits them (reverse topological order: root first; each node's grad
    is complete when it is visited), with the op table's local derivatives."""
    info = analyze(root, max_nodes=max_nodes, what="backprop_table")
    adj = info.adjoints()
    rows = []
    for step, node in enumerate(info.backward_order, start=1):
        local = tuple(
            (info.factor_name(a), p)
            for a, p in zip(node.args, info.locals[node], strict=True)
            if isinstance(a, Value)
        )
        rows.append(
            BackpropRow(step, node, info.name(node), op_text(node), node.data, local, adj[node])
        )
    return BackpropTable(rows, info.name(root))
