"""Per-thread modes the engine reads: grad mode, anomaly mode and tracing.

Each thread has its own :data:`STATE` (a ``threading.local``): every thread starts with
recording on, no anomaly checks and no tracer, and a mode set in one thread never changes
another thread's results. Nothing is patched: the engine reads ``STATE`` when it creates a
node, runs a backward sweep or compares a Value. ``STATE.plain`` is true when all modes are
off, so the engine's fast path pays one attribute read per node.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = [
    "STATE",
    "AnomalyHook",
    "ModeState",
    "Tracer",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "using_anomaly_hook",
    "using_tracer",
]


class AnomalyHook(Protocol):
    """What anomaly mode gives the engine: checks called on each new node and each
    chain-rule term of the one backward sweep."""

    def created(self, node: Any) -> None:
        """Called for every node made while the hook is active (may raise)."""

    def term(self, node: Any, index: int, partial: Any, upstream: Any, total: Any) -> None:
        """Called for each chain-rule term ∂out/∂xᵢ · ∂L/∂out the sweep adds (may raise)."""

    def failed(self, node: Any, error: ArithmeticError) -> Exception:
        """The error to raise when a local derivative of ``node`` cannot be evaluated."""


class Tracer(Protocol):
    """What the compiled path's tracing gives the engine: every read of a Value's number
    that can steer Python code (comparisons, ``float()``) is reported, and every node made
    while tracing gets the class ``node_type`` (a Value subclass with no slots of its own,
    e.g. one whose ``data`` records reads; nothing else's class changes)."""

    node_type: type[Any]

    def compared(self, symbol: str, left: Any, right: Any, result: bool) -> None:
        """``left <symbol> right`` gave ``result`` (``float(v)`` is ``==`` with itself)."""


class ModeState(threading.local):
    """One thread's modes (class attributes are every new thread's defaults)."""

    grad: bool = True
    anomaly: AnomalyHook | None = None
    tracer: Tracer | None = None
    plain: bool = True  # grad on, no anomaly hook, no tracer

    def refresh(self) -> None:
        self.plain = self.grad and self.anomaly is None and self.tracer is None


#: This thread's modes.
STATE = ModeState()


def is_grad_enabled() -> bool:
    """Whether new operations in this thread record their arguments (False in no_grad)."""
    return STATE.grad


@contextmanager
def _setting(name: str, value: Any) -> Iterator[None]:
    """This thread's mode ``name`` set to ``value`` inside the block; restored after it."""
    state = STATE
    previous = getattr(state, name)
    setattr(state, name, value)
    state.refresh()
    try:
        yield
    finally:
        setattr(state, name, previous)
        state.refresh()


def set_grad_enabled(enabled: bool) -> Any:
    """Recording on or off in this thread inside the block; the previous mode after it."""
    if not isinstance(enabled, bool):
        raise TypeError(f"set_grad_enabled: expected a bool, got {type(enabled).__name__}")
    return _setting("grad", enabled)


def no_grad() -> Any:
    """Inside this block this thread's operations record no arguments: results are leaves.

    Use it for evaluation and for parameter updates, where no gradient is wanted: it saves
    the memory and time of building a graph. Per thread: other threads keep recording.
    """
    return set_grad_enabled(False)


def enable_grad() -> Any:
    """Recording on again inside this block (e.g. within :func:`no_grad`), in this thread."""
    return set_grad_enabled(True)


def using_anomaly_hook(hook: AnomalyHook) -> Any:
    """``hook`` active for this thread inside the block (the previous one after it)."""
    return _setting("anomaly", hook)


def using_tracer(tracer: Tracer) -> Any:
    """``tracer`` records this thread's Value comparisons inside the block."""
    return _setting("tracer", tracer)
