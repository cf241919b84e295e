"""``check_grads``: reverse-mode derivatives of order 1 and 2 against finite differences.

Like JAX's ``jax.test_util.check_grads``: the gradient from ``backward`` is compared with
central differences of ``f``, and for ``order=2`` the Hessian (the gradient of each
gradient component, built with ``create_graph=True``, and ``hessian``'s forward-over-reverse
on dual numbers) with central differences of the exact gradient.

**Steps.** Input i moves by hᵢ = ε·max(1, |xᵢ|): relative to |xᵢ| (so the step stays far
above the float spacing of large inputs) and ε itself near 0. The default ε = 6e-6 is about
∛(machine ε) ≈ 6.1e-6, the step that balances the two errors of a central difference:
truncation h²·|f‴|/6 ≈ 6e-12·|f‴| and rounding ≈ 1.1e-16·|f|/h ≈ 2e-11·|f|.

**Tolerance.** A derivative passes when |analytic − numeric| ≤ atol + rtol·|numeric|, with
rtol = 1e-5 and atol = 1e-6 by default: about 10⁵ times the expected error for functions
whose values and third derivatives are of order 1 to 100, yet far below any wrong rule
(a wrong derivative is typically off by a factor, a sign or a term of order 1). Pass looser
tolerances for functions with large values (|f| ≫ 10⁴) or steep third derivatives.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from autograd_mini.dual import hessian_rows
from autograd_mini.engine import Value
from autograd_mini.functional import grad, gradients

__all__ = ["DEFAULT_ATOL", "DEFAULT_EPS", "DEFAULT_RTOL", "check_grads"]

#: ε of the finite-difference step hᵢ = ε·max(1, |xᵢ|) (≈ ∛ machine ε).
DEFAULT_EPS = 6e-6
#: Relative tolerance of check_grads.
DEFAULT_RTOL = 1e-5
#: Absolute tolerance of check_grads.
DEFAULT_ATOL = 1e-6


def _close(a: float, n: float, rtol: float, atol: float) -> bool:
    return a == n or abs(a - n) <= atol + rtol * abs(n)


def _plain(args: Sequence[float]) -> list[float]:
    if isinstance(args, (str, bytes)) or not isinstance(args, Sequence):
        raise TypeError(
            f"check_grads: args must be a sequence of numbers, got {type(args).__name__}"
        )
    out: list[float] = []
    for i, x in enumerate(args):
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"check_grads: args[{i}] must be a real number, got {x!r:.40}")
        if not math.isfinite(x):
            raise ValueError(f"check_grads: args[{i}] = {x!r} is not finite")
        out.append(float(x))
    return out


def _central(g: Callable[..., Sequence[float]], xs: list[float], eps: float) -> list[list[float]]:
    """Central differences of the vector function g: J[j][k] ≈ ∂gₖ/∂xⱼ."""
    rows = []
    for j, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        up, down = x + h, x - h
        if up == down:
            raise ValueError(f"check_grads: eps={eps!r} does not move x{j} = {x!r}")
        try:
            g_up = g(*xs[:j], up, *xs[j + 1 :])
            g_down = g(*xs[:j], down, *xs[j + 1 :])
        except (ArithmeticError, ValueError) as error:
            raise ValueError(
                f"check_grads: f is undefined within the step of x{j} = {x!r} "
                f"(x ± {h:.3g}): {error}"
            ) from None
        rows.append([(u - d) / (up - down) for u, d in zip(g_up, g_down, strict=True)])
    return rows


def _report(
    order: int,
    xs: list[float],
    rows: list[tuple[str, float, float, bool]],
    eps: float,
    rtol: float,
    atol: float,
    name: str,
) -> AssertionError:
    inputs = ", ".join(f"x{i} = {x!r}" for i, x in enumerate(xs))
    lines = [
        f"check_grads({name}): order-{order} derivatives differ from finite differences "
        f"(eps={eps:g}, rtol={rtol:g}, atol={atol:g}) at {inputs}"
    ]
    for what, a, n, ok in rows:
        flag = "" if ok else "  <-- differs"
        lines.append(f"  order {order} {what}: analytic {a!r}, numeric {n!r}{flag}")
    return AssertionError("\n".join(lines))


def check_grads(
    f: Callable[..., Any],
    args: Sequence[float],
    *,
    order: int = 2,
    eps: float | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> None:
    """Check f's reverse-mode derivatives up to ``order`` (1 or 2) at ``args``.

    ``f`` takes one Value per argument and returns one Value. Order 1 compares
    ∂f/∂xᵢ from ``backward`` with central differences of f; order 2 also compares
    ∂²f/∂xᵢ∂xⱼ (``backward(create_graph=True)``, then one more backward pass; and
    :func:`~autograd_mini.functional.hessian`, forward-over-reverse on dual numbers) with
    central differences of the exact gradient. Steps and tolerances: see the module docstring.
    Returns None; raises ``AssertionError`` listing each input, every analytic and numeric
    value and the order on a mismatch (a nan never passes).
    """
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"check_grads: order must be 1 or 2, got {order!r}")
    xs = _plain(args)
    step = DEFAULT_EPS if eps is None else float(eps)
    if not step > 0:
        raise ValueError(f"check_grads: eps must be > 0, got {eps!r}")
    name = getattr(f, "__name__", type(f).__name__)

    def value(*vs: float) -> list[float]:
        out = f(*(Value(v) for v in vs))
        if not isinstance(out, Value):
            raise TypeError(f"check_grads: {name} must return one Value, got {out!r:.40}")
        return [out.data]

    value(*xs)  # a clear error for a wrong return type before any difference is taken
    analytic = [float(g) for g in grad(f)(*xs)]
    numeric = [row[0] for row in _central(value, xs, step)]
    rows = [
        (f"∂f/∂x{i}", a, n, _close(a, n, rtol, atol))
        for i, (a, n) in enumerate(zip(analytic, numeric, strict=True))
    ]
    if not all(ok for *_, ok in rows):
        raise _report(1, xs, rows, step, rtol, atol, name)
    if order == 1:
        return

    def gradient(*vs: float) -> list[float]:
        return [float(g) for g in grad(f)(*vs)]

    numeric2 = _central(gradient, xs, step)  # row j: ∂(∇f)/∂xⱼ
    # both second-order paths: create_graph (the partials on Values), then hessian's
    # forward-over-reverse (the partials on dual numbers)
    for second, path in ((_create_graph_rows(f, xs), ""), (_dual_rows(f, xs), " (hessian)")):
        rows = []
        for i in range(len(xs)):
            for j in range(len(xs)):
                a, n = second[i][j], numeric2[j][i]
                rows.append((f"∂²f/∂x{i}∂x{j}{path}", a, n, _close(a, n, rtol, atol)))
        if not all(ok for *_, ok in rows):
            raise _report(2, xs, rows, step, rtol, atol, name)


def _create_graph_rows(f: Callable[..., Any], xs: list[float]) -> list[list[float]]:
    """∂²f/∂xᵢ∂xⱼ as ``backward(create_graph=True)``, then one backward pass per row."""
    inputs = [Value(x) for x in xs]
    first = gradients(f(*inputs), inputs, create_graph=True)
    return [gradients(g, inputs) for g in first]


def _dual_rows(f: Callable[..., Any], xs: Sequence[float]) -> list[list[float]]:
    """``hessian``'s forward-over-reverse rows, on lists of floats (the kit never loads NumPy;
    the NumPy path gives the same numbers, tests/test_dual.py)."""
    inputs = [Value(x) for x in xs]
    return hessian_rows(f(*inputs), inputs, arrays=False)
