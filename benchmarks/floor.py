"""The floor: how fast a minimal pure-Python scalar engine runs the moons step.

    python benchmarks/floor.py [--rounds N] [--steps N]

Two engines of a few dozen lines each, with nothing autograd-mini has beyond the chain
rule: ``__slots__`` nodes made by operator overloads, the forward and the local derivatives
written inline for the few ops the step uses (no op table, no checks of the numbers, no
modes, no labels), an iterative post-order sort and a sweep into ``.grad``. Each runs the
loop of the workload: step k's graph stays alive while step k + 1 is built, as in
``micrograd_baseline`` and the eager rows of ``make bench`` (with the collector on, its
passes traverse that graph):

* **floor, micrograd's graph**: node for node the graph micrograd 0.1.0 builds (``+``, ``*``,
  ``relu``); its loss after each step equals micrograd's.
* **floor, one linear node per neuron**: the graph of autograd-mini's default ``nn.MLP``
  (a ``linear`` node per neuron, ReLU nodes, the hinge, the mean and an L2 sum); its loss
  after each step equals autograd-mini's from the same weights.

Each engine runs in its own process (the order alternating per round), beside micrograd and
autograd-mini's two eager graphs, with the collector on and paused, and the script prints
each one's speed-up over micrograd: what a target "N× micrograd" asks of an engine with no
overhead at all. The losses are checked first (a floor that computed less would flatter it).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import L2, SIZES, learning_rate, moons

LEAF, ADD, MUL, RELU, LINEAR, SCALE, SUM = range(7)


class Node:
    """One scalar: its number, gradient, op code and arguments (``b`` True: ``a`` is a tuple)."""

    __slots__ = ("a", "b", "data", "grad", "op")

    def __init__(self, data: float, op: int = LEAF, a: Any = None, b: Any = None) -> None:
        self.data, self.grad, self.op, self.a, self.b = data, 0.0, op, a, b

    def __add__(self, other: Any) -> Node:
        o = other if other.__class__ is Node else Node(float(other))
        return Node(self.data + o.data, ADD, self, o)

    __radd__ = __add__

    def __mul__(self, other: Any) -> Node:
        o = other if other.__class__ is Node else Node(float(other))
        return Node(self.data * o.data, MUL, self, o)

    __rmul__ = __mul__

    def __neg__(self) -> Node:
        return self * -1.0

    def relu(self) -> Node:
        return Node(self.data if self.data > 0 else 0.0, RELU, self)


def order_of(root: Node) -> list[Node]:
    """Every node ``root`` depends on, arguments first (post-order, no recursion)."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[Node | None] = [root]
    while stack:
        n = stack.pop()
        if n is None:
            order.append(stack.pop())  # type: ignore[arg-type]
            continue
        if n in seen:
            continue
        seen.add(n)
        stack.append(n)
        stack.append(None)
        a, b = n.a, n.b
        if b is True:
            stack.extend([c for c in a if c.__class__ is Node and c not in seen])
            continue
        if a.__class__ is Node and a not in seen:
            stack.append(a)
        if b.__class__ is Node and b not in seen:
            stack.append(b)
    return order


def backward(root: Node) -> None:
    """The chain rule in reverse order, each op's local derivatives inline."""
    order = order_of(root)
    for n in order:
        if n.op != LEAF:
            n.grad = 0.0
    root.grad = 1.0
    for n in reversed(order):
        op, g, a, b = n.op, n.grad, n.a, n.b
        if op == LEAF:
            continue
        if op == ADD:
            a.grad += g
            b.grad += g
        elif op == MUL:
            a.grad += b.data * g
            b.grad += a.data * g
        elif op == RELU:
            if a.data > 0:
                a.grad += g
        elif op == LINEAR:  # (w₁…wₖ, h₁…hₖ, bias)
            k = (len(a) - 1) // 2
            for i in range(k):
                w, h = a[i], a[k + i]
                if h.__class__ is Node:
                    w.grad += h.data * g
                    h.grad += w.data * g
                else:
                    w.grad += h * g
            a[-1].grad += g
        elif op == SCALE:  # a · constant b
            a.grad += b * g
        elif op == SUM:
            for c in a:
                c.grad += g


# -- micrograd's graph -----------------------------------------------------------------------


class Neuron:
    def __init__(self, nin: int, nonlin: bool) -> None:
        self.w = [Node(random.uniform(-1, 1)) for _ in range(nin)]
        self.b, self.nonlin = Node(0.0), nonlin

    def __call__(self, x: Sequence[Node]) -> Node:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Node]:
        return [*self.w, self.b]


class MLP:
    """micrograd's MLP, layer by layer (its initial weights: the same draws in the same order)."""

    def __init__(self, sizes: Sequence[int]) -> None:
        last = len(sizes) - 2
        self.layers = [
            [Neuron(sizes[i], i != last) for _ in range(sizes[i + 1])] for i in range(last + 1)
        ]

    def __call__(self, x: Sequence[Node]) -> Node:
        for layer in self.layers:
            x = [n(x) for n in layer]
        return x[0]

    def parameters(self) -> list[Node]:
        return [p for layer in self.layers for n in layer for p in n.parameters()]


def micrograd_graph() -> Callable[[int], float]:
    random.seed(1337)  # micrograd's initial weights
    xs, ys = moons()
    model = MLP(SIZES)
    params = model.parameters()
    kept: list[Node] = []  # the last step's graph, alive while the next one is built

    def step(k: int) -> float:
        scores = [model([Node(a), Node(b)]) for a, b in xs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
        total = sum(losses) * (1.0 / len(losses)) + L2 * sum(p * p for p in params)
        for p in params:
            p.grad = 0.0
        backward(total)  # type: ignore[arg-type]
        for p in params:
            p.data -= learning_rate(k) * p.grad
        kept[:] = [total]  # type: ignore[list-item]
        return float(total.data)  # type: ignore[union-attr]

    return step


# -- one linear node per neuron ----------------------------------------------------------------


def layer(weights: list[list[Node]], x: Sequence[Any], biases: list[Node]) -> list[Node]:
    hs = [h.data if h.__class__ is Node else h for h in x]
    out = []
    for w, b in zip(weights, biases, strict=True):
        total = b.data
        for i, h in enumerate(hs):
            total = total + w[i].data * h
        out.append(Node(total, LINEAR, (*w, *x, b), True))
    return out


def relu(u: Node) -> Node:
    return Node(u.data if u.data > 0 else 0.0, RELU, u)


def add_n(xs: Sequence[Node]) -> Node:
    total = xs[0].data
    for x in xs[1:]:
        total = total + x.data
    return Node(total, SUM, tuple(xs), True)


def linear_graph(weights: list[list[list[float]]] | None = None) -> Callable[[int], float]:
    """``weights``: each layer's rows, with the bias last (default: micrograd's start)."""
    if weights is None:
        random.seed(1337)
        start = MLP(SIZES)
        weights = [[[p.data for p in n.parameters()] for n in lay] for lay in start.layers]
    layers = [
        ([[Node(v) for v in row[:-1]] for row in rows], [Node(row[-1]) for row in rows])
        for rows in weights
    ]
    params = [p for ws, bs in layers for w, b in zip(ws, bs, strict=True) for p in (*w, b)]
    xs, ys = moons()
    kept: list[Node] = []  # the last step's graph, alive while the next one is built

    def model(x: Sequence[Any]) -> Node:
        for i, (ws, bs) in enumerate(layers):
            x = layer(ws, x, bs)
            if i < len(layers) - 1:
                x = [relu(u) for u in x]
        return x[0]

    def step(k: int) -> float:
        hinges = []
        for x, y in zip(xs, ys, strict=True):
            s = model(x)
            margin = Node(-y * s.data, SCALE, s, float(-y))
            hinges.append(relu(Node(1.0 + margin.data, SUM, (margin,), True)))
        mean = add_n(hinges)
        mean = Node(mean.data / len(hinges), SCALE, mean, 1.0 / len(hinges))
        penalty = add_n([Node(p.data * p.data, MUL, p, p) for p in params])
        penalty = Node(L2 * penalty.data, SCALE, penalty, L2)
        total = Node(mean.data + penalty.data, ADD, mean, penalty)
        for p in params:
            p.grad = 0.0
        backward(total)
        for p in params:
            p.data -= learning_rate(k) * p.grad
        kept[:] = [total]
        return total.data

    return step


# -- the comparison ----------------------------------------------------------------------------


def check_micrograd_graph(steps: int = 5) -> None:
    """The floor on micrograd's graph ends with micrograd's loss (needs micrograd)."""
    import moons_workload

    ours = micrograd_graph()
    last = [ours(k) for k in range(steps)][-1]
    reference = moons_workload.micrograd_baseline(steps)["final_loss"]
    assert abs(last - reference) <= 1e-12 * abs(reference), (last, reference)


def check_linear_graph(steps: int = 5) -> None:
    """The floor with linear nodes has autograd-mini's nn.MLP loss at every step."""
    from autograd_mini import losses, nn
    from autograd_mini.engine import add_n as library_add_n

    model = nn.MLP(2, list(SIZES[1:]), seed=0)
    start = [[[*n.w, n.b] for n in lay.neurons] for lay in model.layers]
    floor = linear_graph([[[p.data for p in row] for row in rows] for rows in start])
    xs, ys = moons()
    params = model.parameters()
    for k in range(steps):
        expected = floor(k)
        scores = [model(x) for x in xs]
        total = losses.mean([losses.hinge(s, t) for s, t in zip(scores, ys, strict=True)])
        total = total + L2 * library_add_n([p * p for p in params])
        model.zero_grad()
        total.backward()
        for p in params:
            p.data -= learning_rate(k) * p.grad
        assert abs(total.data - expected) <= 1e-12 * abs(expected), (k, total.data, expected)


def timed(step: Callable[[int], float], steps: int, gc_on: bool) -> float:
    step(0)
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        start = time.perf_counter()
        for k in range(1, steps + 1):
            step(k)
        return (time.perf_counter() - start) / steps
    finally:
        gc.enable()


def worker(engine: str, steps: int, gc_on: bool) -> float:
    if engine == "floor-micrograd-graph":
        return timed(micrograd_graph(), steps, gc_on)
    if engine == "floor-linear-nodes":
        return timed(linear_graph(), steps, gc_on)
    import engines  # micrograd and autograd-mini's eager rows, as make bench runs them

    seconds: float = engines.MOONS_ENGINES[engine]("moons", steps, gc_on)["seconds"]
    return seconds


ENGINES = ("micrograd", "expand", "floor-micrograd-graph", "mlp", "floor-linear-nodes")
LABELS = {
    "micrograd": "micrograd 0.1.0",
    "expand": "autograd-mini, micrograd's graph (expand=True)",
    "floor-micrograd-graph": "floor, micrograd's graph",
    "mlp": "autograd-mini, default nn.MLP",
    "floor-linear-nodes": "floor, one linear node per neuron",
}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args(argv)
    check_micrograd_graph()
    check_linear_graph()
    speedups: dict[tuple[str, bool], list[float]] = {}
    for r in range(args.rounds):
        jobs = [(e, g) for e in ENGINES for g in (False, True)]
        seconds = {}
        for engine, gc_on in jobs if r % 2 == 0 else jobs[::-1]:
            spec = json.dumps([engine, args.steps, gc_on])
            command = [sys.executable, __file__, "--worker", spec]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds[engine, gc_on] = float(done.stdout.strip().splitlines()[-1])
        for engine, gc_on in jobs:
            ratio = seconds["micrograd", gc_on] / seconds[engine, gc_on]
            speedups.setdefault((engine, gc_on), []).append(ratio)
    print(f"speed-up over micrograd, median (min–max) of {args.rounds} rounds")
    print(f"{'engine':<48} {'GC paused':>18} {'GC on':>18}")
    for engine in ENGINES:
        cells = []
        for gc_on in (False, True):
            s = speedups[engine, gc_on]
            cells.append(f"{statistics.median(s):.2f}× ({min(s):.2f}–{max(s):.2f})")
        print(f"{LABELS[engine]:<48} {cells[0]:>18} {cells[1]:>18}")
    return {f"{e} gc={'on' if g else 'paused'}": s for (e, g), s in speedups.items()}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        engine, steps, gc_on = json.loads(sys.argv[2])
        print(worker(engine, steps, gc_on))
    else:
        main()
