"""Anomaly detection: stop at the first operation that produces nan or inf.

Inside ``with detect_anomaly():``

* every new node's forward value is checked: the first operation whose value is nan or ±inf
  raises :class:`AnomalyError` at once, naming the operation, its input values (with their
  labels) and the file and line of the user code that called it;
* ``backward()`` (also with ``create_graph=True``) checks every chain-rule term
  ∂L/∂xᵢ = ∂out/∂xᵢ · ∂L/∂out: the first node whose backward gradient is nan or ±inf raises
  :class:`AnomalyError` naming the node's operation, input values, label, and where it was
  created (recorded for nodes created inside the block).

Off by default, with no cost when off: the block installs a check hook in this thread's
modes (:mod:`autograd_mini.modes`) that the engine's node constructor and its one backward
sweep call; nothing is patched, so leaving the block (also through an exception) cannot
leave anything half-installed. Blocks nest. The mode is per thread, like
:func:`~autograd_mini.engine.no_grad`: a block in one thread checks only that thread's
operations. A non-finite input (a leaf or constant that is nan/±inf) is reported as the
first nan/inf. The compiled batch path does not use the eager engine and is not checked.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any, NamedTuple

from autograd_mini import modes
from autograd_mini.engine import Value, adjoints
from autograd_mini.ops import Op

__all__ = ["AnomalyError", "Site", "check_backward", "detect_anomaly", "is_anomaly_enabled"]


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


def is_anomaly_enabled() -> bool:
    """Whether a :func:`detect_anomaly` block is active in this thread."""
    return isinstance(modes.STATE.anomaly, _Checks)


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
    current = modes.STATE.anomaly
    if isinstance(current, _Checks):  # nested: the outer block's checks go on
        yield
        return
    with modes.using_anomaly_hook(_Checks()):
        yield


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


# -- the checks the engine calls -------------------------------------------------------------


class _Checks:
    """This thread's anomaly checks, installed in its modes for one outermost block.

    Creation sites of nodes made in the block are kept keyed by id(node), each with a
    fingerprint of the node (its op and the identities of its arguments). An id is reused
    once its node dies: a node made by the engine in the block overwrites the entry, but one
    made another way (a copy.copy, an unpickled graph) does not, so an entry counts only if
    the fingerprint still matches. The table dies with the block.
    """

    def __init__(self) -> None:
        self.sites: dict[int, tuple[Site | None, int]] = {}

    def site_of(self, node: Value) -> Site | None:
        """Where user code created ``node`` in this block; None when it was not recorded."""
        entry = self.sites.get(id(node))
        if entry is None or entry[1] != _fingerprint(node.operation, node.args):
            return None  # made outside the block, or a dead node's entry for a reused id
        return entry[0]

    def created(self, node: Any) -> None:
        """Record where user code made ``node``; stop at a nan/inf value."""
        op, args, data = node.operation, node.args, node.data
        site = _user_site()
        if isinstance(node, Value):
            self.sites[id(node)] = (site, _fingerprint(op, args))
        if math.isfinite(data):
            return
        what = f" = {data!r}, the first nan/inf value"
        for i, a in enumerate(args, start=1):
            v = a.data if isinstance(a, Value) else a
            computed = isinstance(a, Value) and a.operation is not None
            if not computed and not math.isfinite(v):  # (a computed one was reported)
                kind = "a leaf" if isinstance(a, Value) else "a constant"
                name = a.label if isinstance(a, Value) and a.label else f"argument {i}"
                what = (
                    f" = {data!r}: its input {name} = {v!r} is {kind} that is not finite, "
                    f"the first nan/inf value"
                )
                break
        raise _anomaly("forward", op, args, node.label, site, what)

    def term(self, node: Value, index: int, partial: float, upstream: float, total: float) -> None:
        """Stop at a chain-rule term (or running total) that is nan or inf."""
        if math.isfinite(total) and math.isfinite(partial * upstream):
            return
        raise _backward_anomaly(
            self,
            node,
            f"is {total!r}: ∂out/∂x{index} = {partial!r} times the upstream gradient "
            f"∂L/∂out = {upstream!r}",
        )

    def failed(self, node: Value, error: ArithmeticError) -> AnomalyError:
        return _backward_anomaly(self, node, f"is infinite: its derivative fails ({error})")


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


def _backward_anomaly(checks: _Checks, node: Value, detail: str) -> AnomalyError:
    op = node.operation
    assert op is not None
    name = f"node {node.label!r}" if node.label else "unlabelled node"
    what = f" = {node.data!r} ({name}): the gradient {detail}"
    return _anomaly("backward", op, node.args, node.label, checks.site_of(node), what)


def check_backward(root: Value, order: list[Value] | None = None) -> dict[Value, float]:
    """∂root/∂node on floats for every node reached (``order``: topological, root last),
    with every chain-rule term checked: the engine's one sweep, :func:`~autograd_mini.
    engine.adjoints`, run in anomaly mode. Raises :class:`AnomalyError` at the first term
    that is nan or inf, or whose local derivative cannot be evaluated. Writes no ``.grad``.
    """
    with detect_anomaly():
        return adjoints(root, order=order)
