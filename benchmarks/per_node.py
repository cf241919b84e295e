"""Where a node's time goes: autograd-mini's forward and backward per node against the floor.

    python benchmarks/per_node.py [--nodes N] [--repeats R]

The floor is a minimal pure-Python node: a ``__slots__`` object created by a float
multiply or add through an operator overload, and a reverse step with the local derivative
known (``x.grad += c * g`` over a known order). Between it and autograd-mini, a ladder of
standalone prototypes adds one cost at a time, so the gap splits into its parts:

forward   floor (2 slots) → autograd-mini's 6 fields → creation through a helper function →
          the rule from a table (``op.forward(FLOAT, x, y)``) → the number-type checks →
          ``autograd_mini.Value`` itself
backward  floor sweep → + reading the op and branching on arity → + ``op.partials`` from a
          table (a tuple per node) → + ``isinstance`` per argument and the grad reset →
          autograd-mini's ``backward()``, split into ``engine.topological_order`` and the
          rest (the sweep)

The graph is the chain y = y·1.0000001 + 0.0 (half the nodes ``mul``, half ``add``, one
constant argument each). The collector is paused; every variant takes its turn in each
repeat, and the medians are reported in µs per node.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from autograd_mini import Value, engine

C = 1.0000001


# -- forward prototypes ----------------------------------------------------------------------


class Floor:
    __slots__ = ("data", "grad")

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0

    def __mul__(self, c: float) -> Floor:
        return Floor(self.data * c)

    def __add__(self, c: float) -> Floor:
        return Floor(self.data + c)


class Fields:
    """The floor with autograd-mini's fields: data, grad, label, op and the arguments."""

    __slots__ = ("_op", "_x", "_y", "data", "grad", "label")

    def __init__(self, data: float, op: Any = None, x: Any = None, y: Any = None) -> None:
        self.data = data
        self.grad = 0.0
        self.label = ""
        self._op = op
        self._x = x
        self._y = y

    def __mul__(self, c: float) -> Fields:
        return Fields(self.data * c, "mul", self, c)

    def __add__(self, c: float) -> Fields:
        return Fields(self.data + c, "add", self, c)


def _make(cls: Any, op: Any, data: float, x: Any, y: Any) -> Any:
    out = cls.__new__(cls)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._x = x
    out._y = y
    return out


class Helper(Fields):
    """Creation through a module-level helper (``__new__`` and six stores), as ``_node``."""

    __slots__ = ()

    def __mul__(self, c: float) -> Helper:
        return _make(Helper, "mul", self.data * c, self, c)  # type: ignore[no-any-return]

    def __add__(self, c: float) -> Helper:
        return _make(Helper, "add", self.data + c, self, c)  # type: ignore[no-any-return]


class Rules:
    @staticmethod
    def mul(x: float, y: float) -> float:
        return x * y

    @staticmethod
    def add(x: float, y: float) -> float:
        return x + y


class Op:
    """An op-table entry: a name, a forward rule on a backend, local derivatives."""

    __slots__ = ("check", "forward", "name", "partials")

    def __init__(self, name: str, forward: Any, partials: Any) -> None:
        self.name, self.forward, self.partials, self.check = name, forward, partials, None


MUL = Op("mul", lambda b, x, y: b.mul(x, y), lambda b, out, x, y: (y, x))
ADD = Op("add", lambda b, x, y: b.add(x, y), lambda b, out, x, y: (1.0, 1.0))


class Table(Fields):
    """The value from the op table's rule on the float backend, as autograd-mini does."""

    __slots__ = ()

    def __mul__(self, c: float) -> Table:
        return _make(Table, MUL, MUL.forward(Rules, self.data, c), self, c)  # type: ignore[no-any-return]

    def __add__(self, c: float) -> Table:
        return _make(Table, ADD, ADD.forward(Rules, self.data, c), self, c)  # type: ignore[no-any-return]


NUMBERS = frozenset({float, int})


def _binary(op: Op, x: Any, y: Any) -> Any:
    xd = x.data if isinstance(x, Checked) else x
    yd = y.data if isinstance(y, Checked) else y
    if xd.__class__ not in NUMBERS or yd.__class__ not in NUMBERS:
        raise TypeError("not a number")
    if op.check is not None:
        op.check(xd, yd)
    return _make(Checked, op, op.forward(Rules, xd, yd), x, y)


class Checked(Fields):
    """The table rule behind autograd-mini's checks: Value or number on either side, number
    types, the domain check hook."""

    __slots__ = ()

    def __mul__(self, c: float) -> Checked:
        return _binary(MUL, self, c)  # type: ignore[no-any-return]

    def __add__(self, c: float) -> Checked:
        return _binary(ADD, self, c)  # type: ignore[no-any-return]


def chain(cls: Callable[[float], Any], n: int) -> tuple[Any, Any]:
    x = cls(1.0)
    y = x
    for _ in range(n // 2):
        y = y * C + 0.0
    return x, y


FORWARD: dict[str, Callable[[float], Any]] = {
    "floor (2 slots, operator overload)": Floor,
    "+ autograd-mini's 6 fields": Fields,
    "+ creation through a helper": Helper,
    "+ the rule from an op table": Table,
    "+ number checks and check hook": Checked,
    "autograd_mini.Value": Value,
}


# -- backward prototypes (on a Fields chain; a list of nodes in reverse order) -------------------


def floor_sweep(order: list[Any]) -> None:
    """The floor: (node, argument, local derivative) known in advance (built untimed)."""
    for node, x, d in order:
        x.grad += d * node.grad


def arity_sweep(order: list[Any]) -> None:
    for node in order:
        op = node._op
        if op is None:
            continue
        g = node.grad
        x, y = node._x, node._y
        if y is None:
            continue
        x.grad += (y if op is MUL else 1.0) * g


def table_sweep(order: list[Any]) -> None:
    for node in order:
        op = node._op
        if op is None:
            continue
        g = node.grad
        x, y = node._x, node._y
        px, _ = op.partials(Rules, node.data, x.data, y)
        x.grad += px * g


def checked_sweep(order: list[Any]) -> None:
    for node in order:
        if node._op is not None:
            node.grad = 0.0
    order[0].grad = 1.0
    for node in order:
        op = node._op
        if op is None:
            continue
        g = node.grad
        x, y = node._x, node._y
        xv = isinstance(x, Table)
        yv = isinstance(y, Table)
        px, py = op.partials(Rules, node.data, x.data if xv else x, y.data if yv else y)
        if xv:
            x.grad += px * g
        if yv:
            y.grad += py * g


BACKWARD: dict[str, Callable[[list[Any]], None]] = {
    "floor sweep (local derivative known)": floor_sweep,
    "+ op read and arity branch": arity_sweep,
    "+ op.partials from the table": table_sweep,
    "+ isinstance per argument, grad reset": checked_sweep,
}


def table_order(y: Any) -> list[Any]:
    order = []
    node = y
    while node._op is not None:
        order.append(node)
        node = node._x
    order.append(node)
    return order


def measure(n: int, repeats: int) -> dict[str, dict[str, float]]:
    forward: dict[str, list[float]] = {k: [] for k in FORWARD}
    backward: dict[str, list[float]] = {k: [] for k in BACKWARD}
    ours: dict[str, list[float]] = {"topological_order": [], "backward()": []}
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, cls in FORWARD.items():
                t0 = time.perf_counter()
                x, y = chain(cls, n)
                forward[name].append(time.perf_counter() - t0)
                if cls is Value:
                    t0 = time.perf_counter()
                    engine.topological_order(y)
                    t1 = time.perf_counter()
                    y.backward()
                    t2 = time.perf_counter()
                    ours["topological_order"].append(t1 - t0)
                    ours["backward()"].append(t2 - t1)
                    assert abs(x.grad - C ** (n // 2)) < 1e-9 * x.grad
                del x, y
            _, y = chain(Table, n)
            order = table_order(y)
            known = [(v, v._x, v._y if v._op is MUL else 1.0) for v in order[:-1]]
            for name, sweep in BACKWARD.items():
                for node in order:
                    node.grad = 0.0
                y.grad = 1.0
                t0 = time.perf_counter()
                sweep(known if sweep is floor_sweep else order)
                backward[name].append(time.perf_counter() - t0)
            del y, order, known
            gc.collect()
    finally:
        gc.enable()

    def us(values: list[float]) -> float:
        return 1e6 * statistics.median(values) / n

    out = {
        "forward": {k: us(v) for k, v in forward.items()},
        "backward": {k: us(v) for k, v in backward.items()},
        "autograd_mini": {k: us(v) for k, v in ours.items()},
    }
    out["autograd_mini"]["sweep (backward() − sort)"] = (
        out["autograd_mini"]["backward()"] - out["autograd_mini"]["topological_order"]
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    r = measure(args.nodes, args.repeats)
    print(f"µs per node, chain of {args.nodes:,} nodes, collector paused, median of {args.repeats}")
    for part in ("forward", "backward", "autograd_mini"):
        print(f"\n{part}")
        for name, v in r[part].items():
            print(f"  {name:<42} {v:6.3f}")


if __name__ == "__main__":
    main()
