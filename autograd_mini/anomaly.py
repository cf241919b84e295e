"""Anomaly detection: stop at the first operation that produces nan or inf.

Inside ``with detect_anomaly():``

* every new node's forward value is checked: the first operation whose value is nan or ±inf
  raises :class:`AnomalyError` at once, naming the operation, its input values (with their
  labels) and the file and line of the user code that called it;
* ``backward()`` (also with ``create_graph=True``) checks every chain-rule term
  ∂L/∂xᵢ = ∂out/∂xᵢ · ∂L/∂out: the first node whose backward gradient is nan or ±inf raises
  :class:`AnomalyError` naming the node's operation, input values, label, and where it was
  created (recorded for nodes created inside the block).

Off by default, with no cost when off: entering the block swaps the engine's node
constructor and its backward sweeps for checked versions, and leaving it (also through an
exception) puts the originals back. Blocks nest. Like :func:`~autograd_mini.engine.no_grad`,
the switch is global, not per thread. The compiled batch path does not use the eager
engine and is not checked.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any, NamedTuple

from autograd_mini import engine
from autograd_mini.engine import Value, local_grads
from autograd_mini.ops import Op

__all__ = ["AnomalyError", "Site", "check_backward", "detect_anomaly", "is_anomaly_enabled"]

#: The engine functions swapped while anomaly mode is on.
_HOOKED = ("_new", "_backward_float", "_backward_graph")


class Site(NamedTuple):
    """Where user code created a node: file, line and function."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno} in {self.function}"


class AnomalyError(FloatingPointError):
    """An operation produced nan or inf inside :func:`detect_anomaly`.

    ``phase`` is ``"forward"`` or ``"backward"``; ``op`` the operation's name; ``inputs``
    its argument values; ``label`` the node's label (``""`` if unlabelled; a forward
    anomaly is raised while the node is created, before any label is set); ``site`` the
    user code that created the node (None if it was created outside anomaly mode).
    """

    def __init__(
        self,
        message: str,
        *,
        phase: str,
        op: str,
        inputs: tuple[float, ...],
        label: str,
        site: Site | None,
    ) -> None:
        super().__init__(message)
        self.phase = phase
        self.op = op
        self.inputs = inputs
        self.label = label
        self.site = site


_depth = 0
_originals: dict[str, Any] = {}
# Creation sites of nodes made in anomaly mode, keyed by id(node), each with a fingerprint of
# the node (its op and the identities of its arguments). An id is reused once its node dies:
# a node made by the engine in the block overwrites the entry, but one made another way (a
# copy.copy, an unpickled graph) does not, so an entry counts only if the fingerprint still
# matches. The table is cleared when the outermost block exits; it never holds more entries
# than addresses nodes have occupied.
_sites: dict[int, tuple[Site | None, int]] = {}


def is_anomaly_enabled() -> bool:
    """Whether a :func:`detect_anomaly` block is active."""
    return _depth > 0


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first nan/inf in a forward value or a gradient.

    >>> from autograd_mini import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     big = Value(1e200, label="big") * 1e200  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autograd_mini.anomaly.AnomalyError: forward: mul(big=1e+200, 1e+200) = inf, ...
    """
    global _depth
    if _depth == 0:
        _install()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _uninstall()


def _install() -> None:
    missing = [name for name in _HOOKED if not hasattr(engine, name)]
    if missing:
        raise RuntimeError(f"detect_anomaly: autograd_mini.engine has no {missing[0]}() to check")
    _originals.update((name, getattr(engine, name)) for name in _HOOKED)
    _sites.clear()
    engine._new = _checked_new
    engine._backward_float = _checked_backward_float
    engine._backward_graph = _checked_backward_graph


def _uninstall() -> None:
    for name, function in _originals.items():
        setattr(engine, name, function)
    _originals.clear()
    _sites.clear()


# -- where user code created a node ----------------------------------------------------------


def _is_library(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__", "")
    return isinstance(name, str) and (name == "autograd_mini" or name.startswith("autograd_mini."))


def _user_site() -> Site | None:
    """The innermost calling frame outside the autograd_mini package."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _is_library(frame):
        frame = frame.f_back
    if frame is None:
        return None
    return Site(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def _fingerprint(op: Op | None, args: Sequence[Any]) -> int:
    return hash((op, *map(id, args)))


def _site_of(node: Value) -> Site | None:
    """Where user code created ``node`` in this block; None when it was not recorded."""
    entry = _sites.get(id(node))
    if entry is None or entry[1] != _fingerprint(node.operation, node.args):
        return None  # made outside the block, or a dead node's entry for a reused id
    return entry[0]


def _created(site: Site | None) -> str:
    if site is None:
        return "created outside detect_anomaly(), so its creation site was not recorded"
    return f"created at {site}"


def _describe(op: Op, args: Sequence[Any]) -> tuple[str, tuple[float, ...]]:
    """``mul(w_1=2.0, 3.0)`` and the input values, labels shown where there are any."""
    values = tuple(float(a.data) if isinstance(a, Value) else float(a) for a in args)
    shown = [
        f"{a.label}={v!r}" if isinstance(a, Value) and a.label else repr(v)
        for a, v in zip(args, values, strict=True)
    ]
    return f"{op.name}({', '.join(shown)})", values


# -- forward ---------------------------------------------------------------------------------


def _checked_new(op: Op, data: float, args: tuple[Any, ...]) -> Value:
    """engine._new in anomaly mode: record the creation site, stop at a nan/inf value."""
    node: Value = _originals["_new"](op, data, args)
    site = _user_site()
    _sites[id(node)] = (site, _fingerprint(node.operation, args))
    if not math.isfinite(data):
        raise _anomaly(
            "forward", op, args, node.label, site, f" = {data!r}, the first nan/inf value"
        )
    return node


# -- backward --------------------------------------------------------------------------------


def _anomaly(
    phase: str, op: Op, args: tuple[Any, ...], label: str, site: Site | None, what: str
) -> AnomalyError:
    """The report: ``phase: op(inputs)<what>`` and where the user's code created the node."""
    call, inputs = _describe(op, args)
    return AnomalyError(
        f"{phase}: {call}{what}\n  {_created(site)}",
        phase=phase,
        op=op.name,
        inputs=inputs,
        label=label,
        site=site,
    )


def _backward_anomaly(node: Value, detail: str) -> AnomalyError:
    op = node.operation
    assert op is not None
    name = f"node {node.label!r}" if node.label else "unlabelled node"
    what = f" = {node.data!r} ({name}): the gradient {detail}"
    return _anomaly("backward", op, node.args, node.label, _site_of(node), what)


def check_backward(root: Value, order: list[Value]) -> dict[Value, float]:
    """∂root/∂node on floats for every node reached (``order``: topological, root last).

    Raises :class:`AnomalyError` at the first chain-rule term that is nan or inf, or whose
    local derivative cannot be evaluated. Writes no ``.grad``.
    """
    adjoint: dict[Value, float] = {root: 1.0}
    for node in reversed(order):
        g = adjoint.get(node)
        if g is None or node.operation is None:
            continue
        try:
            partials = local_grads(node)
        except ArithmeticError as error:
            raise _backward_anomaly(node, f"is infinite: its derivative fails ({error})") from None
        for i, (a, p) in enumerate(zip(node.args, partials, strict=True), start=1):
            if not isinstance(a, Value):
                continue
            term = p * g
            total = adjoint.get(a, 0.0) + term
            if not math.isfinite(term) or not math.isfinite(total):
                raise _backward_anomaly(
                    node,
                    f"is {total!r}: ∂out/∂x{i} = {p!r} times the upstream gradient ∂L/∂out = {g!r}",
                )
            adjoint[a] = total
    return adjoint


def _checked_backward_float(root: Value, order: list[Value]) -> None:
    """engine._backward_float in anomaly mode: the same semantics, every term checked."""
    adjoint = check_backward(root, order)
    for node in order:
        if node.operation is not None:
            node.grad = adjoint.get(node, 0.0)
        elif node in adjoint and node is not root:
            node.grad += adjoint[node]
    root.grad = 1.0


def _checked_backward_graph(root: Value, order: list[Value]) -> None:
    """engine._backward_graph in anomaly mode: check the float gradients first."""
    check_backward(root, order)
    backward_graph: Callable[[Value, list[Value]], None] = _originals["_backward_graph"]
    backward_graph(root, order)
