"""Tracing: run a per-sample function once, eagerly, and flatten its graph into a tape.

While tracing, this thread's modes carry a :class:`Recorder` (no function or class is
patched). The engine reports every comparison and ``float()`` of a Value to it; each becomes
a guard the replay checks on every sample of every call. Every node made while tracing, and
every traced leaf (:func:`traced_leaf`: the sample's inputs, a loss's model outputs), is a
:class:`TracedValue`, whose ``data`` lets only the engine's forward rules and comparisons
through (:func:`~autograd_mini.engine.reads_for_graph`): any other read of its number —
``.data`` in user code, ``repr()``/``str()``/f-strings, ``backward()`` or ``local_grads``
inside the traced function — and any write of its ``.data`` is a
:class:`DataDependenceError` at trace time, naming what was read and the user's file:line.
"""

from __future__ import annotations

import dis
import math
import numbers
import operator
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import CodeType, FrameType
from typing import Any, NamedTuple

from autograd_mini.engine import Value, is_grad_enabled, reads_for_graph, topological_order
from autograd_mini.modes import STATE, using_tracer
from autograd_mini.ops import Op

__all__ = [
    "COMPARISONS",
    "Guard",
    "OutsideNumbers",
    "OutsideValues",
    "Recorder",
    "Tape",
    "TracedValue",
    "flatten",
    "joined",
    "output_values",
    "trace",
    "traced_leaf",
]


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

#: Value's own ``data`` slot (the raw number, read and written without recording).
RAW_DATA: Any = vars(Value)["data"]


class TracedValue(Value):
    """A Value made while tracing (same slots as Value). In a thread that is tracing, a read
    of its number outside the engine's graph-building reads, or a write of it, is refused;
    anywhere else (another thread, after the trace) it is an ordinary Value."""

    __slots__ = ()

    @property
    def data(self) -> float:
        tracer = STATE.tracer
        if tracer.__class__ is Recorder:
            frame = sys._getframe(1)
            if not reads_for_graph(frame):
                tracer.refuse(self, frame, "read")
        return RAW_DATA.__get__(self, Value)  # type: ignore[no-any-return]

    @data.setter
    def data(self, value: float) -> None:
        tracer = STATE.tracer
        if tracer.__class__ is Recorder:
            tracer.refuse(self, sys._getframe(1), "write")
        RAW_DATA.__set__(self, value)


def traced_leaf(x: float) -> Value:
    """A leaf of the trace (an input, a model output): a :class:`TracedValue` of ``x``."""
    leaf = Value(x)
    leaf.__class__ = TracedValue
    return leaf


def _user_frame(frame: FrameType | None) -> tuple[FrameType | None, str]:
    """The first frame outside autograd_mini, and the outermost library function on the way
    (the one user code called, e.g. ``__repr__`` or ``backward``; "" if none)."""
    called = ""
    while frame is not None and _in_library(frame):
        called = frame.f_code.co_name
        frame = frame.f_back
    return frame, called


def _file_name(path: str) -> str:
    return path if path.startswith("<") else os.path.basename(path)  # "<stdin>", "<doctest …>"


def _in_library(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__", "")
    return name == "autograd_mini" or name.startswith("autograd_mini.")  # type: ignore[no-any-return]


class Recorder:
    """The tracer (see :mod:`autograd_mini.modes`): every comparison and ``float()`` of a
    Value in this thread while tracing becomes a guard; nodes made are :class:`TracedValue`
    and a read of their number outside the graph is refused (:meth:`refuse`)."""

    node_type = TracedValue

    def __init__(self, leaves: Sequence[Value] = (), labels: Sequence[str] = ()) -> None:
        self.guards: list[Guard] = []
        self.refusals: list[str] = []
        self.labels = {id(v): label for v, label in zip(leaves, labels, strict=False)}

    def compared(self, symbol: str, left: Any, right: Any, result: bool) -> None:
        self.guards.append(Guard(symbol, left, right, result))

    def describe(self, v: Value) -> str:
        label = self.labels.get(id(v))
        if label is not None:
            return label
        return (
            f"a Value computed by {v.op}"
            if v.op
            else "a Value computed in no_grad() (or traced earlier)"
        )

    def refuse(self, v: Value, frame: FrameType, kind: str) -> None:
        """A read (or write) of a traced Value's number: a DataDependenceError, now and
        again when the trace ends (in case user code caught it)."""
        if kind == "read" and frame.f_globals.get("__name__") == "autograd_mini.anomaly":
            return  # anomaly mode's checks read numbers only to name a nan/inf in an error
        user, called = _user_frame(frame)
        if kind == "write":
            what = "writing .data of"
        else:
            what = {"": ".data", "__repr__": "repr()", "__str__": "str()"}.get(
                called, f"{called}() reading the number"
            ) + " of"
        at = f"{_file_name(user.f_code.co_filename)}:{user.f_lineno}" if user else "?"
        message = (
            f"compiled: while tracing, {what} {self.describe(v)} at {at}: its number differs "
            f"per sample, so the traced graph cannot use it as a constant. Compute with "
            f"Values instead (ops such as relu, abs, maximum, clip; comparisons are guarded), "
            f"or run this function eagerly."
        )
        self.refusals.append(message)
        raise data_dependence(message)


def data_dependence(message: str) -> Exception:
    from autograd_mini.compiled.plan import DataDependenceError  # plan imports this module

    return DataDependenceError(message)


class OutsideNumbers:
    """The plain numbers (int, float, bool) a traced function reads from its own closure
    and from the module globals it names, as they were at trace time; :meth:`check` (at
    every call) refuses a change. Numbers reached any other way (a helper's closure, an
    attribute, a parameter's ``.data``) are frozen in the trace unchecked, as documented."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.names = list(_outside_names(fn))
        self.then = [get() for _, get in self.names]

    def check(self) -> None:
        for (name, get), then in zip(self.names, self.then, strict=True):
            now = get()
            if now is not then and not (now == then and type(now) is type(then)):
                if now != now and then != then:  # nan stays nan
                    continue
                raise data_dependence(
                    f"compiled: {name}, a number the traced function reads from outside, "
                    f"changed from {then!r} to {now!r} since tracing: numbers that are not "
                    f"Values are constants of the trace; compile again (or make it a Value "
                    f"among the parameters)"
                )


_MISSING: Any = object()


def _outside_names(fn: Any) -> Iterator[tuple[str, Callable[[], Any]]]:
    """``(description, getter)`` of each closure cell and named global holding a number."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or (), strict=False):
        if _is_number(_cell(cell)):
            yield f"{name!r} (a closure variable)", partial(_cell, cell)
    namespace = getattr(fn, "__globals__", {})
    for name in sorted(_global_names(code)):
        if _is_number(namespace.get(name, _MISSING)):
            yield f"{name!r} (a global)", partial(namespace.get, name, _MISSING)


def _cell(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _MISSING


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, Value)


def _global_names(code: CodeType) -> set[str]:
    names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _global_names(const)
    return names


def number(x: Any) -> Any:
    return RAW_DATA.__get__(x, Value) if isinstance(x, Value) else x


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
    #: Leaf Values from outside that are not leaves of the trace: ``(constant index, Value)``
    #: (their value at trace time is ``constants[index]``; see :class:`OutsideValues`).
    outside: list[tuple[int, Value]] = field(default_factory=list)

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


def joined(first: Tape, then: Tape, links: Sequence[int]) -> tuple[Tape, list[int]]:
    """One tape computing ``first`` and then ``then`` on its slots: ``then``'s leaf i is
    ``first``'s slot ``links[i]``. The joint tape has ``first``'s leaves and labels, both
    codes and both constants (``first``'s, then ``then``'s), both guards and ``then``'s
    outputs; also returned: where ``first``'s outputs are in it."""
    n_first = first.n_leaves + len(first.code)  # first's leaves and nodes keep their slots
    n_code = n_first + len(then.code)
    n_then = then.n_leaves + len(then.code)

    def mine(s: int) -> int:
        return s if s < n_first else s + len(then.code)

    def theirs(s: int) -> int:
        if s < then.n_leaves:
            return mine(links[s])
        if s < n_then:
            return n_first + s - then.n_leaves
        return n_code + len(first.constants) + s - n_then

    tape = Tape(
        n_leaves=first.n_leaves,
        code=[(op, tuple(map(mine, a))) for op, a in first.code]
        + [(op, tuple(map(theirs, a))) for op, a in then.code],
        constants=[*first.constants, *then.constants],
        outputs=[theirs(s) for s in then.outputs],
        guards=[(g, mine(a), mine(b), r) for g, a, b, r in first.guards]
        + [(g, theirs(a), theirs(b), r) for g, a, b, r in then.guards],
        labels=first.labels,
    )
    return tape, [mine(s) for s in first.outputs]


def trace(run: Callable[[], Any], leaves: Sequence[Value], labels: list[str]) -> Tape:
    """Run ``run()`` eagerly, recording guards, and flatten the Values it returns.

    A refused read of a traced Value's number (see the module docstring) raises
    :class:`DataDependenceError`, also when the traced code caught the first one.
    """
    if not is_grad_enabled():
        raise RuntimeError("compiled: cannot trace inside no_grad(): no graph is recorded")
    recorder = Recorder(leaves, labels)
    with using_tracer(recorder):
        try:
            result = run()
        except Exception as error:
            if recorder.refusals and str(error) not in recorder.refusals:  # caught, then
                raise data_dependence(recorder.refusals[0]) from error
            raise
    if recorder.refusals:
        raise data_dependence(recorder.refusals[0])
    return flatten(leaves, output_values(result), recorder.guards, labels)


class OutsideValues:
    """The leaf Values from outside the traces (not leaves of the trace) with their traced
    numbers; :meth:`check` (at every call) refuses a change."""

    def __init__(self) -> None:
        self.values: dict[int, tuple[Value, float]] = {}

    def add(self, tape: Tape) -> Tape:
        for index, v in tape.outside:
            self.values.setdefault(id(v), (v, tape.constants[index]))
        return tape

    def check(self) -> None:
        for v, then in self.values.values():
            now = number(v)
            if now != then and not (math.isnan(now) and math.isnan(then)):
                name = f" {v.label!r}" if v.label else ""
                raise data_dependence(
                    f"compiled: the leaf Value{name} used by the traced function changed from "
                    f"{then!r} to {now!r} since tracing; pass it among the parameters to "
                    f"have it read at every call, or compile again"
                )


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

    outside: list[tuple[int, Value]] = []
    for leaf in constant_leaves:
        if isinstance(leaf, TracedValue):
            raise data_dependence(
                "compiled: a Value computed in no_grad() while tracing is used by the traced "
                "graph: it holds a number of the traced sample; compute it with recording on"
            )
        slot[leaf] = ref(leaf)
        outside.append((slot[leaf] - len(leaves) - len(nodes), leaf))
    code = [(node.operation, tuple(ref(a) for a in node.args)) for node in nodes]
    return Tape(
        n_leaves=len(leaves),
        code=code,  # type: ignore[arg-type]
        constants=constants,
        outputs=[slot[v] for v in outputs],
        guards=[(g.symbol, ref(g.left), ref(g.right), g.result) for g in guards],
        labels=labels,
        outside=outside,
    )
