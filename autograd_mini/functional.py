"""Functional entry points over the engine, in the style of JAX: ``grad``, ``value_and_grad``,
and the finite-difference checks ``numerical_grad`` and ``gradcheck``.

``f`` is any Python function of scalars built from Value operations (and plain arithmetic),
returning one Value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd_mini.engine import Value

__all__ = ["grad", "gradcheck", "numerical_grad", "value_and_grad"]

ScalarFn = Callable[..., Any]


def _as_value(out: object, f: ScalarFn) -> Value:
    if isinstance(out, Value):
        return out
    name = getattr(f, "__name__", repr(f))
    raise TypeError(f"{name} must return one Value, got {type(out).__name__}: {out!r}")


def value_and_grad(f: ScalarFn) -> Callable[..., tuple[float, tuple[float, ...]]]:
    """Return a function computing ``(f(*xs), (∂f/∂x₁, …, ∂f/∂xₙ))`` at plain numbers xs."""

    def evaluate(*xs: float) -> tuple[float, tuple[float, ...]]:
        inputs = [Value(x) for x in xs]
        out = _as_value(f(*inputs), f)
        out.backward()
        return out.data, tuple(float(v.grad) for v in inputs)

    return evaluate


def grad(f: ScalarFn) -> Callable[..., tuple[float, ...]]:
    """Return a function computing the tuple (∂f/∂x₁, …, ∂f/∂xₙ) at plain numbers xs."""
    both = value_and_grad(f)

    def gradient(*xs: float) -> tuple[float, ...]:
        return both(*xs)[1]

    return gradient


def numerical_grad(f: ScalarFn, *xs: float, eps: float = 1e-6) -> tuple[float, ...]:
    """Central differences: ∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, one per input.

    ``f`` is called with Values (so the same function serves :func:`grad`); the error of
    the estimate is O(ε²) in exact arithmetic plus O(machine-ε / ε) from rounding.
    """
    estimates = []
    for i in range(len(xs)):
        up = [Value(x + eps if j == i else x) for j, x in enumerate(xs)]
        down = [Value(x - eps if j == i else x) for j, x in enumerate(xs)]
        f_up = _as_value(f(*up), f).data
        f_down = _as_value(f(*down), f).data
        estimates.append((f_up - f_down) / (2 * eps))
    return tuple(estimates)


def gradcheck(
    f: ScalarFn, *xs: float, eps: float = 1e-6, rtol: float = 1e-4, atol: float = 1e-6
) -> bool:
    """Compare reverse-mode gradients with central differences at xs.

    Returns True when every input satisfies |analytic − numeric| ≤ atol + rtol·|numeric|;
    otherwise raises ``AssertionError`` listing every input's analytic and numeric value.
    """
    analytic = grad(f)(*xs)
    numeric = numerical_grad(f, *xs, eps=eps)
    rows = []
    ok = True
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        close = math.isclose(a, n, rel_tol=rtol, abs_tol=atol)
        ok = ok and close
        flag = "" if close else "  <-- differs"
        rows.append(f"  x{i} = {xs[i]!r}: analytic {a!r}, numeric {n!r}{flag}")
    if not ok:
        header = f"gradcheck failed (rtol={rtol}, atol={atol}):\n"
        raise AssertionError(header + "\n".join(rows))
    return True
