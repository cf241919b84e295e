"""Dual numbers from the op table, and second derivatives on f's own recorded graph.

A :class:`Dual` is a number with a *tangent*, a + ṫε with ε² = 0: evaluating a function on
Duals gives its value and its directional derivative (forward mode). The tangent is a float
(one direction) or a vector (several directions at once: a NumPy array, or
:class:`Directions` without NumPy); the code is the same.

Nothing about an op is written here. An op applied to Duals, :func:`lift`, is the op of the
table evaluated on the numbers, with the tangent Σᵢ ∂op/∂xᵢ · ṫᵢ from the table's float
partials; the arithmetic of Duals and the :data:`DUAL` backend's elementary functions are
the ops of those names lifted (derived from :data:`~autograd_mini.ops.ELEMENTARY` as the
engine derives its Value backend), so an op made with :func:`~autograd_mini.ops.define`
works on Duals unchanged. Evaluating an op's ``partials`` rule on Duals gives each local
derivative p and its directional derivative ṗ.

:func:`hessian_vector_products` is forward-over-reverse on the graph f recorded: a forward
sweep gives every node's tangent, then ONE reverse sweep carries the adjoint g = ∂f/∂node
and its tangent ġ, adding pᵢ·g into an argument's adjoint and ṗᵢ·g + pᵢ·ġ into its tangent.
At the inputs the tangents of the adjoints are H·v. No graph of the gradient is built.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import repeat
from operator import add, mul
from typing import Any

from autograd_mini.engine import Value, topological_order
from autograd_mini.ops import FLOAT, OPS, Op, lifted_backend

__all__ = [
    "DUAL",
    "Directions",
    "Dual",
    "hessian_rows",
    "hessian_vector_products",
    "lift",
    "scaled",
]

#: A tangent: a float, or a vector of them (one entry per direction): NumPy or Directions.
Tangent = Any

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POWC, _POW = OPS["powc"], OPS["pow"]
_INF = math.inf


class Dual:
    """A number ``primal`` and its tangent (float or NumPy vector): primal + tangent·ε.

    ``+ - * / **`` and ``-`` with Duals or plain numbers are the table's ops lifted
    (:func:`lift`); ``< <= > >= == !=`` compare the primals (plain bools, as for Values).
    """

    __slots__ = ("primal", "tangent")

    primal: float
    tangent: Tangent

    def __init__(self, primal: float, tangent: Tangent) -> None:
        self.primal = primal
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

    def __add__(self, other: Any) -> Any:
        return _binary(_ADD, self, other)

    def __radd__(self, other: Any) -> Any:
        return _binary(_ADD, other, self)

    def __sub__(self, other: Any) -> Any:
        return _binary(_SUB, self, other)

    def __rsub__(self, other: Any) -> Any:
        return _binary(_SUB, other, self)

    def __mul__(self, other: Any) -> Any:
        return _binary(_MUL, self, other)

    def __rmul__(self, other: Any) -> Any:
        return _binary(_MUL, other, self)

    def __truediv__(self, other: Any) -> Any:
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _binary(_DIV, other, self)

    def __pow__(self, other: Any) -> Any:
        return power(self, other)

    def __rpow__(self, other: Any) -> Any:
        return power(other, self)

    def __neg__(self) -> Any:
        return lift(_NEG, self)

    def __lt__(self, other: Any) -> bool:
        return bool(self.primal < primal(other))

    def __le__(self, other: Any) -> bool:
        return bool(self.primal <= primal(other))

    def __gt__(self, other: Any) -> bool:
        return bool(self.primal > primal(other))

    def __ge__(self, other: Any) -> bool:
        return bool(self.primal >= primal(other))

    def __eq__(self, other: object) -> bool:
        return bool(self.primal == primal(other))

    def __ne__(self, other: object) -> bool:
        return bool(self.primal != primal(other))

    __hash__ = None  # type: ignore[assignment]  # compares by value, as a float would


def primal(x: Any) -> Any:
    """The number of a Dual; a plain number itself."""
    return x.primal if isinstance(x, Dual) else x


class Directions:
    """A tangent in several directions at once as a list of floats, for when NumPy is not
    installed: what a tangent needs of a vector (``+`` and ``·`` by a float, entry by
    entry, ``any``). The same float operations as a NumPy vector's, so the same numbers."""

    __slots__ = ("entries",)

    def __init__(self, entries: list[float]) -> None:
        self.entries = entries

    def __add__(self, other: Any) -> Directions:
        if isinstance(other, Directions):
            return Directions(list(map(add, self.entries, other.entries)))
        return Directions(list(map(add, self.entries, repeat(other))))

    __radd__ = __add__  # float addition commutes exactly

    def __mul__(self, c: float) -> Directions:
        return Directions(list(map(mul, self.entries, repeat(c))))

    __rmul__ = __mul__

    def any(self) -> bool:
        """Whether some entry is not 0."""
        return any(self.entries)

    def __repr__(self) -> str:
        return f"Directions({self.entries!r})"


def scaled(p: float, t: Tangent) -> Tangent:
    """p·t, with 0 wherever t is 0 even when p is ±∞ or nan (0·∞ = 0: a direction that
    does not move an argument gets no contribution from it, the sweep's rule)."""
    if -_INF < p < _INF:
        return p * t
    if isinstance(t, float | int):
        return 0.0 if t == 0 else p * t
    if isinstance(t, Directions):
        return Directions([p * a if a != 0 else a for a in t.entries])
    out = t.copy()  # a NumPy vector: multiply only its nonzero entries
    moved = t != 0
    out[moved] = p * t[moved]
    return out


def lift(op: Op, *args: Any) -> Any:
    """``op`` applied to Duals and plain numbers: Dual(forward, Σᵢ ∂op/∂xᵢ · ṫᵢ).

    The value is the op's float forward rule (after its domain check), the tangent comes
    from its float partials; with no Dual argument the result is the plain float.
    """
    xs = [a.primal if isinstance(a, Dual) else a for a in args]
    if op.check is not None:
        op.check(*xs)
    out = op.forward(FLOAT, *xs)
    tangent: Tangent = None
    for a, p in zip(args, op.partials(FLOAT, out, *xs), strict=True):
        if isinstance(a, Dual):
            term = scaled(p, a.tangent)
            tangent = term if tangent is None else tangent + term
    return out if tangent is None else Dual(out, tangent)


def _binary(op: Op, x: Any, y: Any) -> Any:
    """:func:`lift` for an op of two arguments (the arithmetic), without its loop."""
    if isinstance(x, Dual):
        a, t = x.primal, x.tangent
    else:
        a, t = x, None
    if isinstance(y, Dual):
        b, u = y.primal, y.tangent
    else:
        b, u = y, None
    if op.check is not None:
        op.check(a, b)
    out = op.forward(FLOAT, a, b)
    p, q = op.partials(FLOAT, out, a, b)
    if u is None:
        return out if t is None else Dual(out, scaled(p, t))
    return Dual(out, scaled(q, u) if t is None else scaled(p, t) + scaled(q, u))


def _still(t: Tangent) -> bool:
    """Whether a tangent is the float 0 (a vector, even of zeros, counts as moving)."""
    return t.__class__ is float and t == 0.0


def _moves(t: Tangent) -> bool:
    """Whether a tangent is not zero (in some direction)."""
    return bool(t != 0) if isinstance(t, float | int) else bool(t.any())


def power(x: Any, c: Any) -> Any:
    """xᶜ on Duals: the table's ``pow`` (both arguments' derivatives, needs x > 0) when the
    exponent moves, else ``powc`` (the constant-exponent rule, defined also at x ≤ 0)."""
    if isinstance(c, Dual) and _moves(c.tangent):
        return lift(_POW, x, c)
    c = primal(c)
    return lift(_POWC, x, c) if isinstance(x, Dual) else FLOAT.power(x, c)


#: The op table's rules on Duals (``partials(DUAL, Dual(out, ṫ), *duals)`` gives p + ṗε).
DUAL = lifted_backend("dual", Dual, lift, primal, power)


def hessian_vector_products(
    root: Value,
    inputs: Sequence[Value],
    tangents: Sequence[Tangent],
    order: Sequence[Value] | None = None,
) -> list[Tangent]:
    """(H·v)ᵢ for each input xᵢ, H the Hessian of ``root`` in the inputs, v = ``tangents``.

    Forward-over-reverse on root's recorded graph (``order``: its topological order,
    default computed). ``tangents[i]`` is xᵢ's tangent: floats give H·v, NumPy vectors of
    length k give k products at once (each result a vector: with the unit vectors, the
    rows of H). Only nodes that depend on an input take part; an input root does not reach
    gets 0.0. A term with zero upstream g and ġ adds nothing, also where a local
    derivative is ∞ or nan (0·∞ = 0). An undefined local derivative raises the
    ArithmeticError of its rule (unnamed: callers fall back to the engine's sweep).
    """
    seeds = dict(zip(inputs, tangents, strict=True))
    if len(seeds) < len(inputs) or any(w.operation is not None for w in inputs):
        raise ValueError("hessian_vector_products: the inputs must be distinct leaf Values")
    nodes = topological_order(root) if order is None else order
    position: dict[object, int] = {}  # node -> k (a constant argument is never a key)
    # per node k that takes part (depends on an input), in order:
    tangent: list[Tangent] = []  # its tangent ṫ
    dual: list[Any] = []  # Dual(data, ṫ), or the float data where ṫ is 0
    argument: list[Sequence[int | None]] = []  # its arguments' k (None: takes no part)
    partial: list[Sequence[Any]] = []  # its local derivatives p + ṗε (floats where ṗ = 0)
    at = position.get
    for node in nodes:
        op = node.operation
        if op is None:
            if node in seeds:
                position[node] = len(tangent)
                t = seeds[node]
                tangent.append(t)
                dual.append(node.data if _still(t) else Dual(node.data, t))
                argument.append(())
                partial.append(())
            continue
        args = node.args
        ks = tuple(map(at, args))
        if ks.count(None) == len(ks):
            continue  # depends on no input: a constant
        xs = [a.data if isinstance(a, Value) else a for a in args]
        ps = op.partials(FLOAT, node.data, *xs)
        t = 0.0
        for i, k in enumerate(ks):  # ṫ = Σᵢ pᵢ·ṫᵢ (finite p inline, scaled for ∞ and nan)
            if k is not None:
                p = ps[i]
                t = t + (p * tangent[k] if -_INF < p < _INF else scaled(p, tangent[k]))
                xs[i] = dual[k]
        moves = not _still(t)
        here = Dual(node.data, t) if moves else node.data
        if moves or any(isinstance(x, Dual) for x in xs):
            ps = op.partials(DUAL, here, *xs)  # p + ṗε (else every ṗ is 0: keep the floats)
        position[node] = len(tangent)
        tangent.append(t)
        dual.append(here)
        argument.append(ks)
        partial.append(ps)
    top = position.get(root)
    n = len(tangent)
    adjoint: list[float] = [0.0] * n
    adjoint_t: list[Tangent] = [0.0] * n
    if top is not None:
        adjoint[top] = 1.0
    for k in range(-1 if top is None else top, -1, -1):
        g = adjoint[k]
        gt = adjoint_t[k]
        flows = g != 0.0
        moves = not _still(gt)
        if not (flows or moves):
            continue  # 0·∞ = 0: nothing flows on from a zero adjoint and tangent
        for j, p in zip(argument[k], partial[k], strict=True):
            if j is None:
                continue
            s = adjoint_t[j]
            if isinstance(p, Dual):
                if flows:
                    s = s + p.tangent * g
                p = p.primal
            if flows:
                adjoint[j] += p * g
            if moves:
                s = s + (p * gt if -_INF < p < _INF else scaled(p, gt))
            adjoint_t[j] = s
    return [adjoint_t[position[w]] if w in position else 0.0 for w in inputs]


def hessian_rows(root: Value, inputs: Sequence[Value], *, arrays: bool = True) -> list[list[float]]:
    """The Hessian of ``root`` in the inputs, H[i][j] = ∂²root/∂xᵢ∂xⱼ, as lists of floats.

    :func:`hessian_vector_products` with the n unit vectors at once (one forward and one
    reverse sweep): NumPy vectors when NumPy is importable and ``arrays`` is true, else
    :class:`Directions`. Both give the same numbers (the same float operations, entry by
    entry).
    """
    n = len(inputs)
    if arrays:
        try:
            import numpy as np
        except ImportError:  # NumPy is optional (the ``fast`` extra)
            pass
        else:
            with np.errstate(over="ignore", invalid="ignore"):  # as floats: inf, nan, silently
                rows = hessian_vector_products(root, inputs, list(np.eye(n)))
            return [[0.0] * n if isinstance(r, float) else r.tolist() for r in rows]
    units = [Directions([1.0 if i == j else 0.0 for j in range(n)]) for i in range(n)]
    lists = hessian_vector_products(root, inputs, units)
    return [[0.0] * n if isinstance(r, float) else r.entries for r in lists]
