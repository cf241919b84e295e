"""Functional entry points over the engine, in the style of JAX: ``grad``, ``value_and_grad``,
the second-order ``hessian`` and ``hvp``, ``gradients`` (PyTorch's ``torch.autograd.grad``)
and the finite-difference checks ``numerical_grad`` and ``gradcheck``.

``f`` is any Python function of scalars built from Value operations (and plain arithmetic),
returning one Value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

from autograd_mini.dual import hessian_rows, hessian_vector_products
from autograd_mini.engine import Value, add_n, adjoints, topological_order
from autograd_mini.modes import STATE

__all__ = [
    "grad",
    "gradcheck",
    "gradients",
    "hessian",
    "hvp",
    "numerical_grad",
    "value_and_grad",
]

ScalarFn = Callable[..., Any]


def _as_value(out: object, f: ScalarFn) -> Value:
    """f's result as one Value; a one-element sequence (grad of a 1-argument f) is unwrapped."""
    if isinstance(out, (tuple, list)) and len(out) == 1:
        out = out[0]
    if isinstance(out, Value):
        return out
    name = getattr(f, "__name__", repr(f))
    if isinstance(out, (tuple, list)):
        raise TypeError(
            f"{name} must return one Value, got a {type(out).__name__} of {len(out)}: grad "
            "differentiates a scalar (for second derivatives of a function of several "
            "inputs take one component, e.g. lambda x, y: grad(f)(x, y)[0], or use hessian(f))"
        )
    raise TypeError(f"{name} must return one Value, got {type(out).__name__}: {out!r}")


def _traced_inputs(xs: tuple[Any, ...]) -> list[Value] | None:
    """Fresh input nodes when any x is a Value (a nested call), else None.

    Each Value x becomes the node x + 0, so ∂f/∂xᵢ counts only the paths from this
    argument even when the caller passes one Value twice or passes x and a function of x.
    """
    if not any(isinstance(x, Value) for x in xs):
        return None
    return [x + 0.0 if isinstance(x, Value) else Value(x) for x in xs]


def value_and_grad(f: ScalarFn) -> Callable[..., tuple[Any, tuple[Any, ...]]]:
    """Return a function computing ``(f(*xs), (∂f/∂x₁, …, ∂f/∂xₙ))``.

    At plain numbers xs the results are floats. When any xᵢ is a Value (``grad`` nested in
    ``grad``, or a gradient penalty inside a loss) the results are Values built with
    ``create_graph=True``, so they can be differentiated again. No ``.grad`` is written,
    also not that of a Value f closes over (a model's parameters keep theirs).
    """

    def evaluate(*xs: Any) -> tuple[Any, tuple[Any, ...]]:
        traced = _traced_inputs(xs)
        if traced is not None:
            out = _as_value(f(*traced), f)
            return out, tuple(gradients(out, traced, create_graph=True))
        inputs = [Value(x) for x in xs]
        out = _as_value(f(*inputs), f)
        return out.data, tuple(gradients(out, inputs))

    return evaluate


def grad(f: ScalarFn, order: int = 1) -> Callable[..., tuple[Any, ...]]:
    """Return a function computing the tuple (∂f/∂x₁, …, ∂f/∂xₙ) at xs.

    Floats in, floats out; Values in, differentiable Values out (see :func:`value_and_grad`),
    so ``grad(grad(f))`` is the second derivative of a one-argument f: a one-element result
    counts as a scalar. ``order=k`` nests ``grad`` k times, e.g. ``grad(f, order=2)(2.0)``
    is ``(f''(2),)``. For all second derivatives of a function of several inputs use
    :func:`hessian`.
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"grad: order must be an int >= 1, got {order!r}")
    both = value_and_grad(f)

    def gradient(*xs: Any) -> tuple[Any, ...]:
        return both(*xs)[1]

    gradient.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return gradient if order == 1 else grad(gradient, order - 1)


def numerical_grad(f: ScalarFn, *xs: float, eps: float = 1e-6) -> tuple[float, ...]:
    """Central differences: ∂f/∂xᵢ ≈ (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ, one per input.

    The step is relative to the input, hᵢ = ε·max(1, |xᵢ|), so it stays above the float
    spacing at large |xᵢ|, and 2hᵢ is the distance actually stepped (the difference of the
    two rounded arguments). ``ValueError`` if ε is too small to move some xᵢ at all.
    ``f`` is called with Values (so the same function serves :func:`grad`); the relative
    error is O(ε²) in exact arithmetic plus O(machine-ε / ε) from rounding.
    """
    estimates = []
    for i, x in enumerate(xs):
        step = eps * max(1.0, abs(x))
        up, down = x + step, x - step
        if up == down:
            raise ValueError(f"numerical_grad: eps={eps!r} does not move x{i} = {x!r}")
        f_up, f_down = (_at(f, [*xs[:i], moved, *xs[i + 1 :]]) for moved in (up, down))
        estimates.append((f_up - f_down) / (up - down))
    return tuple(estimates)


def _at(f: ScalarFn, xs: Sequence[float]) -> float:
    """f's value at plain numbers xs (called with fresh Values)."""
    return _as_value(f(*(Value(x) for x in xs)), f).data


def gradcheck(
    f: ScalarFn, *xs: float, eps: float = 1e-6, rtol: float = 1e-4, atol: float = 1e-6
) -> bool:
    """Compare reverse-mode gradients with central differences at xs.

    Returns True when every input satisfies |analytic − numeric| ≤ atol + rtol·|numeric|
    (or the two are equal, e.g. the same infinity; a nan never passes); otherwise raises
    ``AssertionError`` listing every input's analytic and numeric value, the differing ones
    marked. The numeric values come from :func:`numerical_grad` with step ``eps``.
    """
    analytic = grad(f)(*xs)
    numeric = numerical_grad(f, *xs, eps=eps)
    rows = []
    ok = True
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        close = a == n or abs(a - n) <= atol + rtol * abs(n)
        ok = ok and close
        flag = "" if close else "  <-- differs"
        rows.append(f"  x{i} = {xs[i]!r}: analytic {a!r}, numeric {n!r}{flag}")
    if not ok:
        header = f"gradcheck failed (rtol={rtol}, atol={atol}):\n"
        raise AssertionError(header + "\n".join(rows))
    return True


@overload
def gradients(
    root: Value, wrt: Sequence[Value], *, create_graph: Literal[False] = False
) -> list[float]: ...
@overload
def gradients(root: Value, wrt: Sequence[Value], *, create_graph: Literal[True]) -> list[Value]: ...
def gradients(root: Value, wrt: Sequence[Value], *, create_graph: bool = False) -> list[Any]:
    """∂root/∂w for each w in ``wrt``, without touching any ``.grad`` (``torch.autograd.grad``).

    With ``create_graph=False`` the results are floats. With ``create_graph=True`` they are
    Values built from the op table's local derivatives, so they can be differentiated again
    (Hessians, gradient penalties such as ‖∂L/∂x‖²); a w that root does not depend on gets
    the constant ``Value(0.0)``. The sweep visits only nodes computed after the earliest w.
    Inside :func:`~autograd_mini.anomaly.detect_anomaly` every chain-rule term is checked.
    """
    if not isinstance(root, Value):
        raise TypeError(f"gradients: root must be a Value, got {type(root).__name__}")
    for w in wrt:
        if not isinstance(w, Value):
            raise TypeError(f"gradients: wrt must be Values, got {type(w).__name__}: {w!r}")
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    start = min((position[w] for w in wrt if w in position), default=len(order))
    adjoint = adjoints(root, order=order[start:], create_graph=create_graph)
    if create_graph:
        return [adjoint[w] if w in adjoint else Value(0.0) for w in wrt]
    return [adjoint.get(w, 0.0) for w in wrt]


def hessian(f: ScalarFn) -> Callable[..., list[list[float]]]:
    """Return a function computing the Hessian H[i][j] = ∂²f/∂xᵢ∂xⱼ at plain numbers xs.

    Forward-over-reverse on the graph f records (:func:`~autograd_mini.dual.hessian_rows`):
    one forward sweep of tangents and one reverse sweep of adjoints with their tangents,
    every input's direction at once (NumPy vectors when NumPy is installed, else lists of
    floats: the same numbers); no graph of the gradient is built. In anomaly mode, or when a
    local derivative is undefined, it is one ``create_graph`` pass and one checked
    ``gradients`` pass per row instead (so every term is checked and the error names the
    node). Returns a list of lists of floats.
    """

    def evaluate(*xs: float) -> list[list[float]]:
        inputs = [Value(x) for x in xs]
        out = _as_value(f(*inputs), f)
        if STATE.anomaly is None:
            try:
                return hessian_rows(out, inputs)
            except ArithmeticError:  # a local derivative is undefined: name it as gradients does
                pass
        first = gradients(out, inputs, create_graph=True)
        return [gradients(g, inputs) for g in first]  # each row its own (checked) pass

    return evaluate


def hvp(f: ScalarFn) -> Callable[[Sequence[float], Sequence[float]], list[float]]:
    """Return a function computing the Hessian-vector product H·v at xs, as a list of floats.

    It never forms H, nor a graph of ∇f: forward-over-reverse on the graph f records
    (:func:`~autograd_mini.dual.hessian_vector_products`), one forward sweep of tangents in
    the direction v and one reverse sweep of adjoints and their tangents. Cost: about three
    evaluations of f, whatever the number of inputs. In anomaly mode, or when a local
    derivative is undefined, it differentiates ∇f·v built with ``create_graph=True`` instead
    (∇(∇f·v) = H·v), so every term is checked and the error names the node.
    """

    def evaluate(xs: Sequence[float], v: Sequence[float]) -> list[float]:
        if len(xs) != len(v):
            raise ValueError(f"hvp: {len(xs)} inputs but the vector v has {len(v)} entries")
        if not xs:
            return []
        inputs = [Value(x) for x in xs]
        out = _as_value(f(*inputs), f)
        if STATE.anomaly is None:
            try:
                products = hessian_vector_products(out, inputs, [float(vi) for vi in v])
                return [float(p) for p in products]
            except ArithmeticError:  # a local derivative is undefined: name it as gradients does
                pass
        first = gradients(out, inputs, create_graph=True)
        return gradients(add_n([g * vi for g, vi in zip(first, v, strict=True)]), inputs)

    return evaluate
