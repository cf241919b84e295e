"""Prototype: can a creation counter replace the post-order bookkeeping of the backward sort?

    python benchmarks/topo_counter.py [--repeats N]

Nodes are created in topological order: every argument exists before the node that uses
it. So numbering nodes at creation (a counter in a slot) gives a topological order for
free, and backward needs only the *set* of nodes the root depends on, swept in decreasing
number. This script measures that idea on a standalone node class laid out like
autograd-mini's Value (slots data, grad, _op, _x, _y; arguments inline; a tuple for more
than two), so nothing in the package changes. Sorts compared, each followed by the same
float sweep:

* ``postorder``  — autograd-mini's iterative DFS (a ``seen`` set, a ``None`` marker pushed
  after each expanded node; the node is emitted when its marker pops);
* ``counter``    — a DFS that only collects the reachable nodes (a ``seen`` set, no marker),
  then ``list.sort`` by the creation number (descending);
* ``counter+epoch`` — the same, with a per-pass stamp in a node slot instead of the set;
* ``heap``       — no sort: a max-heap on the creation number yields the nodes in order;
* ``tape``       — no walk: the nodes recorded in a list at creation, read backwards (the
  lower bound of any order; it keeps every node alive and passes over unreached ones).

Graphs: the chain y = y·c + 0 (deep, two-argument nodes), micrograd's moons graph (every
w·h and + its own node), and the nn.MLP moons graph (one n-argument node per neuron). The
collector is paused while timing. Gradients of every variant are compared bit for bit with
the post-order sweep's: a different order of the sweep adds the contributions to a shared
node (a weight used by every sample) in a different order, so the last bits may differ.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from operator import attrgetter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import initial_weights, moons

MANY: Any = object()
_counter = itertools.count()
#: Every node in creation order (for the ``tape`` variant; a graph is built on a fresh one).
TAPE: list[Node] = []


class Node:
    """autograd-mini's Value layout plus ``n`` (creation number) and ``stamp`` (pass mark)."""

    __slots__ = ("_op", "_x", "_y", "data", "grad", "n", "stamp")

    def __init__(self, data: float, op: str | None = None, x: Any = None, y: Any = None) -> None:
        self.data = data
        self.grad = 0.0
        self._op = op
        self._x = x
        self._y = y
        self.n = next(_counter)
        self.stamp = None
        TAPE.append(self)

    def __add__(self, other: Any) -> Node:
        od = other.data if isinstance(other, Node) else other
        return Node(self.data + od, "add", self, other)

    __radd__ = __add__

    def __mul__(self, other: Any) -> Node:
        od = other.data if isinstance(other, Node) else other
        return Node(self.data * od, "mul", self, other)

    __rmul__ = __mul__

    def relu(self) -> Node:
        return Node(self.data if self.data > 0 else 0.0, "relu", self)


def linear(ws: list[Node], hs: list[Any], b: Node) -> Node:
    """One node for Σ wᵢhᵢ + b (arguments: weights, inputs, bias), like ``engine.linear``."""
    total = b.data
    for w, h in zip(ws, hs, strict=True):
        total += w.data * (h.data if isinstance(h, Node) else h)
    return Node(total, "linear", (*ws, *hs, b), MANY)


def partials(node: Node) -> Iterable[tuple[Any, float]]:
    op, x, y = node._op, node._x, node._y
    if op == "add":
        return ((x, 1.0), (y, 1.0))
    if op == "mul":
        return ((x, y.data if isinstance(y, Node) else y), (y, x.data))
    if op == "relu":
        return ((x, 1.0 if node.data > 0 else 0.0),)
    half = (len(x) - 1) // 2
    ws, hs = x[:half], x[half:-1]
    return (
        *((w, h.data if isinstance(h, Node) else h) for w, h in zip(ws, hs, strict=True)),
        *((h, w.data) for w, h in zip(ws, hs, strict=True)),
        (x[-1], 1.0),
    )


def arguments(node: Node) -> Iterable[Any]:
    y = node._y
    if y is MANY:
        return node._x  # type: ignore[no-any-return]
    return (node._x,) if y is None else (node._x, y)


# -- the sorts: each returns the nodes root depends on, root first (reverse topological) ----


def postorder(root: Node) -> list[Node]:
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[Node | None] = [root]
    push, pop, mark, emit = stack.append, stack.pop, seen.add, order.append
    while stack:
        node = pop()
        if node is None:
            emit(pop())  # type: ignore[arg-type]
        elif node not in seen:
            mark(node)
            push(node)
            push(None)
            x, y = node._x, node._y
            if y is MANY:
                for a in x:
                    if isinstance(a, Node) and a not in seen:
                        push(a)
            else:
                if isinstance(x, Node) and x not in seen:
                    push(x)
                if isinstance(y, Node) and y not in seen:
                    push(y)
    order.reverse()
    return order


BY_NUMBER = attrgetter("n")


def counter(root: Node) -> list[Node]:
    seen = {root}
    stack = [root]
    push, pop, mark = stack.append, stack.pop, seen.add
    while stack:
        node = pop()
        x, y = node._x, node._y
        if y is MANY:
            for a in x:
                if isinstance(a, Node) and a not in seen:
                    mark(a)
                    push(a)
        else:
            if isinstance(x, Node) and x not in seen:
                mark(x)
                push(x)
            if isinstance(y, Node) and y not in seen:
                mark(y)
                push(y)
    order = list(seen)
    order.sort(key=BY_NUMBER, reverse=True)
    return order


def counter_epoch(root: Node) -> list[Node]:
    epoch = object()
    root.stamp = epoch
    found = [root]
    stack = [root]
    push, pop, keep = stack.append, stack.pop, found.append
    while stack:
        node = pop()
        x, y = node._x, node._y
        for a in x if y is MANY else (x, y):
            if isinstance(a, Node) and a.stamp is not epoch:
                a.stamp = epoch
                keep(a)
                push(a)
    found.sort(key=BY_NUMBER, reverse=True)
    return found


def heap(root: Node) -> list[Node]:
    order: list[Node] = []
    seen = {root}
    queue = [(-root.n, root)]
    while queue:
        _, node = heapq.heappop(queue)
        order.append(node)
        x, y = node._x, node._y
        for a in x if y is MANY else (x, y):
            if isinstance(a, Node) and a not in seen:
                seen.add(a)
                heapq.heappush(queue, (-a.n, a))
    return order


def tape(root: Node) -> list[Node]:
    """No walk at all: the nodes recorded at creation, newest first (here every recorded node
    is reachable from the root; in general the sweep would also pass over unreached ones)."""
    return TAPE[::-1]


SORTS: dict[str, Callable[[Node], list[Node]]] = {
    "postorder": postorder,
    "counter": counter,
    "counter+epoch": counter_epoch,
    "heap": heap,
    "tape": tape,
}


def sweep(root: Node, order: list[Node]) -> None:
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in order:
        if node._op is None:
            continue
        g = node.grad
        for a, p in partials(node):
            if isinstance(a, Node):
                a.grad += p * g


# -- the graphs -----------------------------------------------------------------------------


def chain(n: int = 200_000) -> tuple[Node, list[Node]]:
    x = Node(1.0)
    y = x
    for _ in range(n // 2):
        y = y * 1.0000001 + 0.0
    return y, [x]


def moons_expanded() -> tuple[Node, list[Node]]:
    xs, ys = moons()
    layers = [[([Node(w) for w in ws], Node(0.0)) for ws in layer] for layer in initial_weights()]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    scores = []
    for x in xs:
        h: list[Any] = [Node(x[0]), Node(x[1])]
        for i, layer in enumerate(layers):
            out = []
            for ws, b in layer:
                act = sum((wi * hi for wi, hi in zip(ws, h, strict=True)), b)
                out.append(act.relu() if i < len(layers) - 1 else act)
            h = out
        scores.append(h[0])
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
    return total, params


def moons_linear() -> tuple[Node, list[Node]]:
    xs, ys = moons()
    layers = [[([Node(w) for w in ws], Node(0.0)) for ws in layer] for layer in initial_weights()]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    terms = []
    for x, t in zip(xs, ys, strict=True):
        h: list[Any] = list(x)
        for i, layer in enumerate(layers):
            u = [linear(ws, h, b) for ws, b in layer]
            h = [ui.relu() for ui in u] if i < len(layers) - 1 else u
        terms.append((1 + -t * h[0]).relu())
    total = sum(terms) * (1.0 / len(terms)) + 1e-4 * sum(p * p for p in params)
    return total, params


GRAPHS = {"chain": chain, "moons, micrograd's graph": moons_expanded, "moons, nn.MLP": moons_linear}


def check(sort_name: str, root: Node, leaves: list[Node], expected: list[float]) -> float:
    """Assert the sort gives a reverse topological order of exactly the reachable nodes;
    return the largest relative difference of the leaves' gradients from post-order's."""
    order = SORTS[sort_name](root)
    reference = set(postorder(root))
    assert set(order) == reference and len(order) == len(reference) and order[0] is root
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for a in arguments(node):
            assert not isinstance(a, Node) or position[a] > position[node], sort_name
    sweep(root, order)
    return max(
        abs(leaf.grad - e) / abs(e) if e else abs(leaf.grad)
        for leaf, e in zip(leaves, expected, strict=True)
    )


def measure(repeats: int) -> dict[str, Any]:
    """Per graph and sort: median µs per node of the sort and of the sweep after it. The
    sorts take turns within each repeat, so machine noise falls on all of them alike."""
    results: dict[str, Any] = {}
    for name, build in GRAPHS.items():
        TAPE.clear()
        root, leaves = build()
        reference = postorder(root)
        sweep(root, reference)
        expected = [leaf.grad for leaf in leaves]
        row: dict[str, Any] = {"nodes": len(reference)}
        differences = {s: check(s, root, leaves, expected) for s in SORTS}
        times: dict[str, tuple[list[float], list[float]]] = {s: ([], []) for s in SORTS}
        gc.collect()
        gc.disable()
        try:
            for _ in range(repeats):
                for sort_name, sort in SORTS.items():
                    t0 = time.perf_counter()
                    order = sort(root)
                    t1 = time.perf_counter()
                    sweep(root, order)
                    t2 = time.perf_counter()
                    times[sort_name][0].append(t1 - t0)
                    times[sort_name][1].append(t2 - t1)
        finally:
            gc.enable()
        n = len(reference)
        for sort_name, (sort_t, sweep_t) in times.items():
            row[sort_name] = {
                "sort_us_per_node": 1e6 * statistics.median(sort_t) / n,
                "sweep_us_per_node": 1e6 * statistics.median(sweep_t) / n,
                "max_relative_gradient_difference": differences[sort_name],
            }
        results[name] = row
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    results = measure(args.repeats)
    print("µs per node (median of repeats, collector paused); ratio = sort time ÷ post-order's")
    for graph, row in results.items():
        print(f"\n{graph}: {row['nodes']:,} nodes")
        base = row["postorder"]["sort_us_per_node"]
        for sort_name in SORTS:
            r = row[sort_name]
            print(
                f"  {sort_name:<14} sort {r['sort_us_per_node']:.3f}  "
                f"({r['sort_us_per_node'] / base:.2f}×)  sweep {r['sweep_us_per_node']:.3f}  "
                f"gradients vs post-order: max rel. diff "
                f"{r['max_relative_gradient_difference']:.1e}"
            )


if __name__ == "__main__":
    main()
