"""Tracing: run a per-sample function once, eagerly, and flatten its graph into a tape.

While tracing, this thread's modes carry a :class:`Recorder` (no method is patched): the
engine reports every comparison and ``float()`` of a Value to it, and each becomes a guard
the replay re-checks on every sample.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd_mini.engine import Value, is_grad_enabled, topological_order
from autograd_mini.modes import using_tracer
from autograd_mini.ops import Op

__all__ = ["COMPARISONS", "Guard", "Recorder", "Tape", "flatten", "output_values", "trace"]


class Guard(NamedTuple):
    """A comparison made on a traced Value: ``compare(left, right)`` gave ``result``."""

    symbol: str
    left: Value | float
    right: Value | float
    result: bool


COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


class Recorder:
    """The tracer (see :mod:`autograd_mini.modes`): every comparison and ``float()`` of a
    Value in this thread while tracing becomes a guard."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []

    def compared(self, symbol: str, left: Any, right: Any, result: bool) -> None:
        self.guards.append(Guard(symbol, left, right, result))


def number(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


@dataclass
class Tape:
    """A flat program: leaves, then one instruction per node, then constants.

    Slot numbering: the ``n_leaves`` given leaves first, then one slot per instruction
    (``code[i] = (op, argument slots)`` computes slot ``n_leaves + i``), then the constants.
    ``guards`` are ``(symbol, left slot, right slot, result)``.
    """

    n_leaves: int
    code: list[tuple[Op, tuple[int, ...]]]
    constants: list[float]
    outputs: list[int]
    guards: list[tuple[str, int, int, bool]]
    labels: list[str]

    @property
    def structure(self) -> tuple[Any, ...]:
        """Everything but the constants' values: equal structures replay together."""
        code = tuple((op.name, args) for op, args in self.code)
        return (self.n_leaves, len(self.constants), code, tuple(self.outputs), *self.guards)

    def describe(self, slot: int) -> str:
        """A slot in words, for error messages."""
        if slot < self.n_leaves:
            return self.labels[slot]
        if slot < self.n_leaves + len(self.code):
            return f"node #{slot - self.n_leaves} ({self.code[slot - self.n_leaves][0].name})"
        return f"the constant {self.constants[slot - self.n_leaves - len(self.code)]!r}"


def trace(run: Callable[[], Any], leaves: Sequence[Value], labels: list[str]) -> Tape:
    """Run ``run()`` eagerly, recording guards, and flatten the Values it returns."""
    if not is_grad_enabled():
        raise RuntimeError("compiled: cannot trace inside no_grad(): no graph is recorded")
    recorder = Recorder()
    with using_tracer(recorder):
        result = run()
    return flatten(leaves, output_values(result), recorder.guards, labels)


def output_values(result: Any) -> list[Value]:
    items = [result] if isinstance(result, Value) else result
    if not isinstance(items, Sequence) or not all(isinstance(v, Value) for v in items):
        raise TypeError(
            f"compiled: the traced function must return a Value or a list of Values, "
            f"got {type(result).__name__}"
        )
    return list(items)


def flatten(
    leaves: Sequence[Value], outputs: list[Value], guards: list[Guard], labels: list[str]
) -> Tape:
    """Number the graph's slots (leaves, nodes, constants) and list its instructions.

    A leaf Value that is not one of ``leaves`` is a constant of the trace (its value now).
    """
    roots = [*outputs, *(v for g in guards for v in (g.left, g.right) if isinstance(v, Value))]
    slot: dict[Value, int] = {v: i for i, v in enumerate(leaves)}
    nodes: list[Value] = []
    constant_leaves: list[Value] = []
    for root in roots:
        for node in topological_order(root):
            if node not in slot:
                slot[node] = -1  # numbered below, once the number of nodes is known
                (nodes if node.operation is not None else constant_leaves).append(node)
    for i, node in enumerate(nodes):
        slot[node] = len(leaves) + i
    constants: list[float] = []

    def ref(a: Value | float) -> int:
        if isinstance(a, Value) and slot[a] >= 0:
            return slot[a]
        constants.append(float(number(a)))
        return len(leaves) + len(nodes) + len(constants) - 1

    for leaf in constant_leaves:
        slot[leaf] = ref(leaf)
    code = [(node.operation, tuple(ref(a) for a in node.args)) for node in nodes]
    return Tape(
        n_leaves=len(leaves),
        code=code,  # type: ignore[arg-type]
        constants=constants,
        outputs=[slot[v] for v in outputs],
        guards=[(g.symbol, ref(g.left), ref(g.right), g.result) for g in guards],
        labels=labels,
    )
