"""The scalar autodiff engine: :class:`Value`, the one reverse sweep, and applying ops.

A :class:`Value` holds one float, the :class:`~autograd_mini.ops.Op` that produced it and
the arguments it was applied to. Every gradient — ``backward()``, ``backward(create_graph=
True)``, :func:`adjoints` (``functional.gradients``, the drawing) and anomaly mode's checks —
comes from ONE reverse sweep, :func:`adjoints`, which visits the graph in reverse
topological order and applies the chain rule at each node,

    ∂L/∂xᵢ += ∂L/∂out · ∂out/∂xᵢ,

with the local derivatives ∂out/∂xᵢ read from the op table (:mod:`autograd_mini.ops`),
evaluated on floats or, for ``create_graph``, on Values (the Value backend below, derived
from :data:`~autograd_mini.ops.ELEMENTARY`). Modes (grad, anomaly, tracing) are per-thread
state in :mod:`autograd_mini.modes` that the engine reads; nothing is patched. Nothing here
recurses, so graphs of any depth work at Python's default recursion limit.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from types import CodeType, FrameType
from typing import Any, TypeAlias

from autograd_mini import modes
from autograd_mini.modes import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from autograd_mini.ops import FLOAT, OPS, Backend, Op, lifted_backend

__all__ = [
    "Value",
    "add_n",
    "adjoints",
    "apply",
    "enable_grad",
    "is_grad_enabled",
    "linear",
    "linear_layer",
    "local_grads",
    "logsumexp",
    "no_grad",
    "reads_for_graph",
    "set_grad_enabled",
    "topological_order",
    "unary",
]

Operand: TypeAlias = "Value | int | float"

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POWC, _POW = OPS["powc"], OPS["pow"]
_LINEAR, _ADD_N, _LOGSUMEXP = OPS["linear"], OPS["sum"], OPS["logsumexp"]
_MAXIMUM, _MINIMUM, _CLIP = OPS["maximum"], OPS["minimum"], OPS["clip"]
_LEAKY_RELU, _ELU = OPS["leaky_relu"], OPS["elu"]
_STATE = modes.STATE


def _as_float(data: object) -> float:
    if isinstance(data, float):
        return data
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        kind = type(data).__name__
        raise TypeError(
            f"Value() takes a real number (int, float, numbers.Real), got {kind}: {data!r}"
        )
    try:
        return float(data)
    except OverflowError:
        if isinstance(data, int):
            what = f"int of {data.bit_length()} bits"
        else:
            what = f"{type(data).__name__} {repr(data)[:40]}…"
        raise OverflowError(f"Value(): {what} is too large for a float (|x| ≤ 1.8e308)") from None


class Value:
    """One scalar in a computation graph.

    ``data`` is the number (a float; writable, so optimizers can update it), ``grad`` is
    ∂L/∂(this value) after ``L.backward()``, ``label`` is a name for printing and drawing,
    ``op`` names the operation that produced the value (``""`` for a leaf) and ``parents``
    are the Values it was computed from, in argument order.

    Values compare equal and hash by identity, so they can be set members and dict keys.
    ``< <= > >=`` compare ``data`` and return a plain bool: comparisons are not
    differentiable.
    """

    # The arguments are stored inline, without a tuple per node (a node is then one
    # object for the garbage collector instead of two, and 112 bytes instead of 160):
    # one argument: _x, with _y None; two: _x, _y; more: _x is their tuple and _y _MANY.
    # (_fn is the Op; micrograd's names _op and _prev are read-only views, see below.)
    __slots__ = ("data", "grad", "label", "_fn", "_x", "_y", "_order")

    data: float
    grad: Any
    label: str
    _fn: Op | None
    _x: Any
    _y: Any
    _order: list[Value] | None

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._fn = None
        self._x = self._y = None

    # -- introspection -------------------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that produced this value; ``""`` for a leaf."""
        return self._fn.name if self._fn is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in argument order (constants left out)."""
        return tuple(a for a in self.args if isinstance(a, Value))

    @property
    def args(self) -> tuple[Operand, ...]:
        """Every argument of the operation, Values and plain-number constants alike."""
        y = self._y
        if y is _MANY:
            return self._x  # type: ignore[no-any-return]
        if self._fn is None:
            return ()
        return (self._x,) if y is None else (self._x, y)

    @property
    def operation(self) -> Op | None:
        """The op-table entry that produced this value (None for a leaf)."""
        return self._fn

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of parent Values (so micrograd's draw_dot runs)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name: the op's display symbol, ``""`` for a leaf."""
        return self._fn.symbol if self._fn is not None else ""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter's rich display: the drawing from :func:`autograd_mini.viz.mimebundle`, or
        plain text when that is not available."""
        try:
            from autograd_mini.viz import mimebundle
        except (ImportError, AttributeError):
            return {"text/plain": repr(self)}
        return mimebundle(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- arithmetic ----------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        return _binary(_ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(_ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(_SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(_SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(_MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(_MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(_DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return apply(_POW, self, other)
        return _binary(_POWC, self, other)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(_POW, other, self)

    def __neg__(self) -> Value:
        return _unary(_NEG, self)

    # -- elementary functions (one per op-table entry marked ``method``) -------------

    def exp(self) -> Value:
        """eˣ."""
        return _unary(OPS["exp"], self)

    def expm1(self) -> Value:
        """eˣ − 1, exact for small x."""
        return _unary(OPS["expm1"], self)

    def log(self) -> Value:
        """Natural logarithm; ``ValueError`` for x ≤ 0."""
        return _unary(OPS["log"], self)

    def log1p(self) -> Value:
        """log(1 + x), exact for small x; ``ValueError`` for x ≤ −1."""
        return _unary(OPS["log1p"], self)

    def sqrt(self) -> Value:
        """√x; ``ValueError`` for x < 0."""
        return _unary(OPS["sqrt"], self)

    def sin(self) -> Value:
        """sin x."""
        return _unary(OPS["sin"], self)

    def cos(self) -> Value:
        """cos x."""
        return _unary(OPS["cos"], self)

    def tanh(self) -> Value:
        """tanh x (stable at any magnitude)."""
        return _unary(OPS["tanh"], self)

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^(−x)), computed without overflow; σ′ = σ(1 − σ) ≤ 0.25."""
        return _unary(OPS["sigmoid"], self)

    def relu(self) -> Value:
        """max(0, x); its derivative is 1 for x > 0 and 0 for x ≤ 0 (0 at 0 by convention)."""
        return _unary(OPS["relu"], self)

    def leaky_relu(self, slope: Operand = 0.01) -> Value:
        """x for x > 0, else slope·x (PyTorch's default slope 0.01)."""
        return apply(_LEAKY_RELU, self, slope)

    def elu(self, alpha: Operand = 1.0) -> Value:
        """x for x > 0, else alpha·(eˣ − 1)."""
        return apply(_ELU, self, alpha)

    def silu(self) -> Value:
        """x·σ(x) (also called swish)."""
        return _unary(OPS["silu"], self)

    def gelu(self) -> Value:
        """GELU in its tanh form, ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's
        ``approximate="tanh"``)."""
        return _unary(OPS["gelu"], self)

    def abs(self) -> Value:
        """|x|; derivative sign(x), 0 at 0."""
        return _unary(OPS["abs"], self)

    def __abs__(self) -> Value:
        return _unary(OPS["abs"], self)

    def softplus(self) -> Value:
        """log(1 + eˣ), stable for large |x|; derivative σ(x)."""
        return _unary(OPS["softplus"], self)

    def maximum(self, other: Operand) -> Value:
        """max(self, other); at a tie each side gets half the gradient (a subgradient)."""
        return apply(_MAXIMUM, self, other)

    def minimum(self, other: Operand) -> Value:
        """min(self, other); at a tie each side gets half the gradient (a subgradient)."""
        return apply(_MINIMUM, self, other)

    def clip(self, lo: Operand, hi: Operand) -> Value:
        """x limited to [lo, hi]; derivative 1 inside (bounds included), 0 outside."""
        return apply(_CLIP, self, lo, hi)

    # -- comparisons (not differentiable; reported to a tracer, see modes) ------------

    def __lt__(self, other: Operand) -> bool:
        return _compare("<", self, other, self.data < _data(other))

    def __le__(self, other: Operand) -> bool:
        return _compare("<=", self, other, self.data <= _data(other))

    def __gt__(self, other: Operand) -> bool:
        return _compare(">", self, other, self.data > _data(other))

    def __ge__(self, other: Operand) -> bool:
        return _compare(">=", self, other, self.data >= _data(other))

    def __float__(self) -> float:
        tracer = _STATE.tracer
        if tracer is not None:
            tracer.compared("==", self, self.data, True)
        return self.data

    # -- backward ------------------------------------------------------------------------

    def backward(self, *, create_graph: bool = False) -> None:
        """Accumulate ∂self/∂node into ``node.grad`` for every node this value depends on.

        This value's grad is set to 1. Intermediate nodes get this pass's gradient (for a
        neuron's pre-activation u that is the chapter's δ = ∂L/∂u). Leaves — parameters and
        inputs — *accumulate*: calling ``backward()`` again, on this or another graph, adds
        to their ``grad`` (PyTorch's rule, so gradients of several losses can be summed).
        Reset with ``model.zero_grad()`` or ``for p in params: p.grad = 0.0``.

        With ``create_graph=True`` every grad is itself a Value built from the op table's
        local derivatives, so it can be differentiated again (second-order gradients).
        """
        order = self._topological_order()
        if create_graph or _STATE.anomaly is not None:  # checked or Values: nothing half-written
            _write_back(self, order, adjoints(self, order=order, create_graph=create_graph))
        else:  # the same sweep, adding into .grad in place
            _write_back(self, order, None)
            _sweep(order, None, None, None)

    def _topological_order(self) -> list[Value]:
        """This graph's nodes, each after everything it depends on, root last.

        From the second backward pass from this root on, the order without the root is
        cached on the root (the root is left out so the cache makes no reference cycle).
        Reusing it is always safe: a node's arguments never change after it is created. The
        first pass keeps nothing: a running total backpropagated at every step would
        otherwise hold 1 + 2 + … + n references, quadratic memory.
        """
        try:
            below = self._order
        except AttributeError:
            self._order = None  # seen once
            return topological_order(self)
        if below is None:
            below = self._order = topological_order(self)[:-1]
        return [*below, self]


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else x


def _compare(symbol: str, left: Value, right: Operand, result: bool) -> bool:
    tracer = _STATE.tracer
    if tracer is not None:
        tracer.compared(symbol, left, right, result)
    return result


#: The marker in ``Value._y`` for a node with more than two arguments (tuple in ``_x``).
_MANY: Any = object()


def _node(op: Op, data: float, x: Any, y: Any) -> Value:
    """A new node with its arguments stored inline (see ``Value.__slots__``)."""
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _STATE.plain:  # the fast path: recording, no anomaly hook, no tracer
        out._fn = op
        out._x = x
        out._y = y
        return out
    state = _STATE
    if state.grad:
        out._fn = op
        out._x = x
        out._y = y
    else:
        out._fn = None
        out._x = out._y = None
    if state.anomaly is not None:
        state.anomaly.created(out if state.grad else _Unrecorded(op, out, x, y))
    if state.tracer is not None:  # the tracer's Value subclass (same slots) records reads
        out.__class__ = state.tracer.node_type
    return out


def reads_for_graph(frame: FrameType) -> bool:
    """Whether ``frame`` is one of the engine's own reads of a Value's number that stay in
    the graph: a forward rule's argument (the result is a node) or a comparison or
    ``float()`` (reported to the tracer). A tracer's Value subclass records every other."""
    code = frame.f_code
    if code is _data.__code__ and frame.f_back is not None:
        code = frame.f_back.f_code
    return code in _GRAPH_READS


class _Unrecorded:
    """What an anomaly hook sees of a node made in no_grad: its op and arguments."""

    def __init__(self, op: Op, node: Value, x: Any, y: Any) -> None:
        self.node, self.operation, self.data, self.label = node, op, node.data, ""
        self.args = x if y is _MANY else ((x,) if y is None else (x, y))


def _new(op: Op, data: float, args: tuple[Operand, ...]) -> Value:
    if len(args) == 2:
        return _node(op, data, args[0], args[1])
    if len(args) == 1:
        return _node(op, data, args[0], None)
    return _node(op, data, args, _MANY)


def _unary(op: Op, x: Value) -> Value:
    """Apply a one-argument op to a Value (the fast path of its method, e.g. ``x.relu()``):
    what :func:`apply` does, without its argument list and arity check."""
    xd = x.data
    if xd.__class__ is not float:  # data set by hand to an int or another Real
        return _general(op, (x,))
    if op.check is not None:
        op.check(xd)
    data = op.forward(FLOAT, xd)
    if data.__class__ is not float:
        data = float(data)
    return _node(op, data, x, None)


def _binary(op: Op, x: Operand, y: Operand) -> Value:
    """Apply a two-argument op where either side may be a plain number (the fast path)."""
    xd = x.data if isinstance(x, Value) else x
    yd = y.data if isinstance(y, Value) else y
    if xd.__class__ not in _NUMBERS or yd.__class__ not in _NUMBERS:
        return _binary_slow(op, x, y, xd, yd)
    if op.check is not None:
        op.check(xd, yd)
    try:
        data = op.forward(FLOAT, xd, yd)
    except OverflowError:  # the float backend returns ±inf itself; only huge ints get here
        raise _too_large(op, xd, yd) from None
    if not _STATE.plain:
        return _node(op, data, x, y)
    out = Value.__new__(Value)  # _node's fast path, inline: a call less per + and *
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._fn = op
    out._x = x
    out._y = y
    return out


_NUMBERS = frozenset({float, int})


def _binary_slow(op: Op, x: Operand, y: Operand, xd: Any, yd: Any) -> Value:
    for d in (xd, yd):
        if isinstance(d, bool) or not isinstance(d, numbers.Real):
            return NotImplemented  # type: ignore[no-any-return]
    return apply(op, x, y)


def apply(op: Op, *args: Operand) -> Value:
    """Apply ``op`` to Values and/or plain numbers and record it in the graph.

    ``op`` is an entry of the op table, built in or made with :func:`autograd_mini.ops.
    define`; a wrong number of arguments is a ``TypeError`` naming the op.
    """
    if not isinstance(op, Op):
        raise TypeError(f"apply: expected an Op (see autograd_mini.ops.define), got {op!r}")
    if op.arity is not None and len(args) != op.arity:
        raise TypeError(f"{op.name}: takes {op.arity} arguments, got {len(args)}")
    if len(args) == 1 and isinstance(args[0], Value):
        return _unary(op, args[0])
    return _general(op, args)


def unary(op: Op) -> Callable[[Operand], Value]:
    """``op`` as a function of one argument, ``f(x) = apply(op, x)``, with :func:`apply`'s
    checks of ``op`` done once, here: what an activation calls for every neuron."""
    if not isinstance(op, Op):
        raise TypeError(f"unary: expected an Op (see autograd_mini.ops.define), got {op!r}")
    if op.arity not in (None, 1):
        raise TypeError(f"{op.name}: takes {op.arity} arguments, got 1")

    def f(x: Operand) -> Value:
        return _unary(op, x) if isinstance(x, Value) else _general(op, (x,))

    f.__name__ = f.__qualname__ = op.name
    f.__doc__ = f"{op.name}(x): the op {op.name!r} of the table applied to one argument."
    return f


def _general(op: Op, args: tuple[Operand, ...]) -> Value:
    """:func:`apply` for any arguments (checked by the caller: an Op, the right arity)."""
    xs, args = _numbers(op, args)
    return _evaluate(op, args, *xs)


def _numbers(op: Op, args: tuple[Operand, ...]) -> tuple[list[float], tuple[Operand, ...]]:
    """The arguments' numbers, checked (Values or real numbers; other reals become floats)."""
    xs = [a.data if isinstance(a, Value) else a for a in args]
    if not _NUMBERS.issuperset(map(type, xs)):  # the fast path: plain floats and ints
        xs, args = _real_arguments(op, args, xs)
    return xs, args


def _evaluate(op: Op, args: tuple[Operand, ...], *xs: float) -> Value:
    """The node of ``op`` at the checked numbers ``xs`` of ``args``: domain check, forward."""
    if op.check is not None:
        op.check(*xs)
    try:
        data = float(op.forward(FLOAT, *xs))
    except OverflowError:  # the float backend returns ±inf itself; only huge ints get here
        raise _too_large(op, *xs) from None
    return _new(op, data, args)


def _too_large(op: Op, *xs: float) -> OverflowError:
    """The error for a plain-number argument beyond the float range (e.g. 10 ** 400)."""
    huge = next((x for x in xs if isinstance(x, int) and abs(x) > 2**1024), None)
    what = f"an int of {huge.bit_length()} bits" if huge is not None else "an argument"
    return OverflowError(f"{op.name}: {what} is too large for a float (|x| ≤ 1.8e308)")


def _real_arguments(
    op: Op, args: tuple[Operand, ...], xs: list[Any]
) -> tuple[list[float], tuple[Operand, ...]]:
    """Check every argument is a Value or a real number; other reals become floats."""
    for a, d in zip(args, xs, strict=True):
        if isinstance(d, bool) or not isinstance(d, numbers.Real):
            kind = type(a).__name__
            raise TypeError(f"{op.name}: arguments must be Values or real numbers, got {kind}")
    xs = [d if d.__class__ in _NUMBERS else float(d) for d in xs]
    return xs, tuple(a if isinstance(a, Value) else x for a, x in zip(args, xs, strict=True))


def linear(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """The chapter's linear transform u = Σᵢ wᵢhᵢ + b as ONE node.

    Its arguments are the weights, then the inputs, then the bias, and its local derivatives
    are ∂u/∂wᵢ = hᵢ, ∂u/∂hᵢ = wᵢ, ∂u/∂b = 1: one node per neuron instead of 2n.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"linear: {len(weights)} weights but {len(inputs)} inputs")
    return apply(_LINEAR, *weights, *inputs, bias)


def linear_layer(
    weights: Sequence[Sequence[Operand]], inputs: Sequence[Operand], biases: Sequence[Operand]
) -> list[Value]:
    """A layer of the chapter's linear transforms, uⱼ = Σᵢ wⱼᵢhᵢ + bⱼ: one :func:`linear`
    node per row of ``weights``, the same nodes as ``[linear(w, inputs, b) for w, b in
    zip(weights, biases)]``, with the shared inputs read and checked once for the layer
    (so with several bad arguments the error may name another one than ``linear``'s)."""
    if len(weights) != len(biases):
        raise ValueError(f"linear_layer: {len(weights)} rows of weights but {len(biases)} biases")
    hs, shared = _numbers(_LINEAR, tuple(inputs))
    n = len(shared)
    out = []
    for w, b in zip(weights, biases, strict=True):
        if len(w) != n:
            raise ValueError(f"linear: {len(w)} weights but {n} inputs")
        ws = [a.data if isinstance(a, Value) else a for a in w]
        bd = b.data if isinstance(b, Value) else b
        if bd.__class__ not in _NUMBERS or not _NUMBERS.issuperset(map(type, ws)):
            (*ws, bd), (*w, b) = _real_arguments(_LINEAR, (*w, b), [*ws, bd])
        out.append(_evaluate(_LINEAR, (*w, *shared, b), *ws, *hs, bd))
    return out


def add_n(values: Sequence[Operand]) -> Value:
    """x₁ + x₂ + … + xₙ as one node (∂/∂xᵢ = 1); faster than n − 1 additions."""
    if not values:
        raise ValueError("add_n: needs at least one value")
    return apply(_ADD_N, *values)


def logsumexp(values: Sequence[Operand]) -> Value:
    """log Σᵢ exp xᵢ, computed stably as m + log Σᵢ exp(xᵢ − m) with m = max xᵢ (m = 0 if
    that is infinite: +∞ for any xᵢ = +∞, −∞ when every xᵢ is −∞).

    Its local derivatives are softmax(x)ᵢ = exp(xᵢ − out).
    """
    if not values:
        raise ValueError("logsumexp: needs at least one value")
    return apply(_LOGSUMEXP, *values)


def local_grads(node: Value) -> tuple[float, ...]:
    """The local derivatives ∂node/∂argᵢ at the forward values, one per argument.

    Leaves have none. These are the factors of the chain rule the drawing writes on edges.
    """
    if node._fn is None:
        return ()
    xs = [_data(a) for a in node.args]
    return tuple(float(p) for p in node._fn.partials(FLOAT, node.data, *xs))


def topological_order(root: Value | Sequence[Value]) -> list[Value]:
    """Every node ``root`` depends on, each after all of its arguments (iterative DFS).

    ``root`` may be several Values: then every node any of them depends on, in one order
    (the first root's graph first). A node is pushed once more under a ``None`` marker when
    it is expanded; popping the marker means all its arguments are emitted, so the node is
    emitted next (post-order). A node with no argument left to visit is emitted at once.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Value | None] = [root] if isinstance(root, Value) else list(reversed(root))
    push, pop, mark, emit = stack.append, stack.pop, seen.add, order.append
    visited = seen.issuperset
    while stack:
        node = pop()
        if node is None:
            emit(pop())  # type: ignore[arg-type]
        elif node not in seen:
            mark(node)
            x, y = node._x, node._y
            if y is _MANY:  # (most of a layer's linear nodes: every argument already seen)
                todo = []
                if not visited(x):
                    todo = [a for a in x if isinstance(a, Value) and a not in seen]
                if todo:
                    push(node)
                    push(None)
                    stack.extend(todo)
                    continue
            else:
                xn = isinstance(x, Value) and x not in seen
                yn = isinstance(y, Value) and y not in seen
                if xn or yn:
                    push(node)
                    push(None)
                    if xn:
                        push(x)
                    if yn:
                        push(y)
                    continue
            emit(node)  # nothing left to visit below it (a leaf): it is next in post-order
    return order


def adjoints(
    root: Value,
    *,
    create_graph: bool = False,
    order: Sequence[Value] | None = None,
    local: Callable[[Value], Sequence[float]] | None = None,
) -> dict[Value, Any]:
    """∂root/∂node for every node reached from ``root``: THE reverse sweep.

    ``order`` is the part of ``topological_order(root)`` to sweep (root last; default: all
    of it). Floats, or with ``create_graph=True`` Values built from the op table's partials
    on the Value backend, so they can be differentiated again (a node's incoming terms are
    summed by one ``sum`` node). Writes no ``.grad``. A term with a zero upstream gradient is
    0, also where the local derivative is ∞ or nan (0·∞ = 0: d tanh(log x)/dx at 5e-324).
    In anomaly mode (this thread) every term is passed to the mode's check hook. ``local``
    (floats only): each node's local derivatives to use instead of the op table's, e.g. the
    drawing's ``local_grads`` with nan where one is undefined.
    """
    if local is not None and create_graph:
        raise ValueError("adjoints: local derivatives are floats; not with create_graph=True")
    nodes = topological_order(root) if order is None else order
    hook = _STATE.anomaly
    if create_graph:
        if hook is not None:  # check the float gradients first, with the same sweep
            _sweep(nodes, {root: 1.0}, None, hook)
        pending: dict[Value, Any] = {root: [Value(1.0)]}
        return _sweep(nodes, pending, _VALUES, hook)
    return _sweep(nodes, {root: 1.0}, None, hook, local)


def _sweep(
    order: Sequence[Value],
    adjoint: dict[Value, Any] | None,
    m: Backend | None,
    hook: Any,
    local: Callable[[Value], Sequence[float]] | None = None,
) -> dict[Value, Any]:
    """The chain rule over ``order`` in reverse.

    ``m`` None: on floats, else on the Value backend (``adjoint`` then collects each node's
    terms as a list until the node is reached). ``adjoint`` None: the float adjoints are
    kept in the nodes' ``.grad`` (``backward()``'s fast path, set up by :func:`_write_back`:
    intermediates reset to 0, so leaves accumulate in place); else in the dict.
    """
    into = adjoint is None
    store: dict[Value, Any] = {} if adjoint is None else adjoint
    get = store.get
    term = hook.term if hook is not None else None
    node = None
    try:
        for node in reversed(order):
            op = node._fn
            if op is None:
                continue
            g = node.grad if into else get(node)
            if g is None:
                continue
            x, y = node._x, node._y
            if m is not None:
                g = store[node] = g[0] if len(g) == 1 else add_n(g)
                args = node.args
                for a, p in zip(args, op.partials(m, node, *args), strict=True):
                    if isinstance(a, Value):
                        scaled = _scaled(p, g)
                        if scaled is not None:
                            store.setdefault(a, []).append(scaled)
                continue
            if g == 0.0:
                continue  # 0·∞ = 0: nothing flows on from a zero gradient
            if local is not None:
                args = x if y is _MANY else ((x,) if y is None else (x, y))
                ps = local(node)
            elif y is None:  # one argument: the fast path
                if isinstance(x, Value):
                    shortcut = _UNARY[op]
                    if shortcut is None:
                        (p,) = op.partials(FLOAT, node.data, x.data)
                    else:
                        (p,) = shortcut
                    if into:
                        x.grad += p * g
                        continue
                    t = get(x, 0.0) + p * g
                    if term is not None:
                        term(node, 1, p, g, t)
                    store[x] = t
                continue
            elif y is not _MANY:  # two arguments: fast too
                xv = isinstance(x, Value)
                yv = isinstance(y, Value)
                shortcut = _BINARY[op]
                if shortcut.__class__ is _Swapped:
                    ps = (y.data if yv else y, x.data if xv else x)
                elif shortcut is None:
                    ps = op.partials(FLOAT, node.data, x.data if xv else x, y.data if yv else y)
                else:
                    ps = shortcut
                if into:
                    if xv:
                        x.grad += ps[0] * g
                    if yv:
                        y.grad += ps[1] * g
                    continue
                args = (x, y)
            else:
                args = x
                shortcut = _VARIADIC[op, len(x)] if into else None
                if shortcut is None:
                    ps = op.partials(
                        FLOAT, node.data, *[a.data if isinstance(a, Value) else a for a in x]
                    )
                elif shortcut.__class__ is _Swapped:  # linear: ∂/∂wᵢ = hᵢ, then ∂/∂hᵢ = wᵢ
                    k = shortcut.k
                    for a, b in zip(x[: 2 * k], (*x[k : 2 * k], *x[:k]), strict=True):
                        if isinstance(a, Value):
                            a.grad += (b.data if isinstance(b, Value) else b) * g
                    args, ps = x[2 * k :], shortcut.tail
                else:
                    ps = shortcut
                if into:  # backward(): straight into .grad, as for one and two arguments
                    for a, p in zip(args, ps, strict=True):
                        if isinstance(a, Value):
                            a.grad += p * g
                    continue
            for i, (a, p) in enumerate(zip(args, ps, strict=True)):  # into a dict
                if isinstance(a, Value):
                    t = get(a, 0.0) + p * g
                    if term is not None:
                        term(node, i + 1, p, g, t)
                    store[a] = t
    except ArithmeticError as error:
        if node is None or node._fn is None or hook is None:
            raise _backward_error(error, node) from error
        raise hook.failed(node, error) from None
    if m is not None:  # leaves' (and unreached nodes') collected terms
        for a, terms in store.items():
            if isinstance(terms, list):
                store[a] = terms[0] if len(terms) == 1 else add_n(terms)
    return store


class _Placeholder:
    """An opaque argument for probing a partials rule: any use of it raises TypeError."""

    __slots__ = ()

    def _used(self, *other: object) -> Any:
        raise TypeError("a placeholder has no value")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __float__ = _used
    __hash__ = object.__hash__


class _Swapped:
    """The shortcut of an op whose partials are its first ``k`` arguments and the next ``k``
    swapped, then constants: ∂/∂xᵢ = xₖ₊ᵢ and ∂/∂xₖ₊ᵢ = xᵢ (mul: (y, x), k = 1; linear:
    (h…, w…, 1), k = n, ``tail`` (1.0,))."""

    __slots__ = ("k", "tail")

    def __init__(self, k: int, tail: tuple[float, ...]) -> None:
        self.k, self.tail = k, tail


def _shortcut(op: Op, n: int) -> Any:
    """What the float sweep needs of ``op``'s partials rule at ``n`` arguments, read off the
    rule once by calling it on placeholders: a tuple of constants (add (1, 1), sub (1, −1),
    neg (−1,), sum (1, …, 1)), a :class:`_Swapped` (mul, linear), or None — the rule
    computes with its arguments' values, so the sweep calls it. Either way the sweep gets
    exactly the partials the rule gives; a shortcut only saves calls per node."""
    out, *xs = (_Placeholder() for _ in range(n + 1))
    try:
        ps = tuple(op.partials(FLOAT, out, *xs))
    except Exception:  # the rule uses the values (or fails without them)
        return None
    if len(ps) != n:
        return None
    if all(p.__class__ in _NUMBERS for p in ps):
        return ps
    k = next((j for j, x in enumerate(xs) if ps[0] is x), 0)
    if (
        0 < k <= n // 2
        and all(ps[i] is xs[k + i] and ps[k + i] is xs[i] for i in range(k))
        and all(p.__class__ in _NUMBERS for p in ps[2 * k :])
    ):
        return _Swapped(k, ps[2 * k :])
    return None


class _Shortcuts(dict[Op, Any]):
    """:func:`_shortcut` of each op at ``n`` arguments (1 or 2), computed once per op."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def __missing__(self, op: Op) -> Any:
        shortcut = self[op] = _shortcut(op, self.n)
        return shortcut


class _Variadic(dict[tuple[Op, int], Any]):
    """:func:`_shortcut` of each op with more than two arguments, per number of arguments."""

    def __missing__(self, key: tuple[Op, int]) -> Any:
        shortcut = self[key] = _shortcut(*key)
        return shortcut


_UNARY, _BINARY, _VARIADIC = _Shortcuts(1), _Shortcuts(2), _Variadic()


def _backward_error(error: ArithmeticError, node: Value | None) -> ArithmeticError:
    """Name the node whose local derivative could not be evaluated (e.g. d/dx √x at 0)."""
    if node is None or node._fn is None:
        return error
    inputs = ", ".join(repr(_data(a)) for a in node.args)
    return type(error)(
        f"backward: the derivative of {node._fn.name}({inputs}) is undefined ({error})"
    )


def _write_back(root: Value, order: Sequence[Value], adjoint: dict[Value, Any] | None) -> None:
    """The one write-back rule: intermediate nodes get this pass's gradient (0 if the root
    does not reach them), leaves *accumulate* (PyTorch's rule), the root gets 1.

    With ``adjoint`` None this prepares the fast path, where the sweep adds into ``.grad``
    directly: intermediates are reset to 0 and the root set to 1 before it runs.
    """
    if adjoint is None:
        for node in order:
            if node._fn is not None:
                node.grad = 0.0
        root.grad = 1.0
        return
    get = adjoint.get
    for node in order:
        if node._fn is not None:
            node.grad = get(node, 0.0)
        else:
            g = get(node)
            if g is not None:
                previous = node.grad
                node.grad = g if previous.__class__ is float and previous == 0.0 else previous + g
    root.grad = adjoint[root]


def _scaled(p: Operand, g: Value) -> Value | None:
    """The chain-rule term p·g as a node, skipping trivial factors (None for p = 0)."""
    if isinstance(p, Value):
        return p * g
    if p == 1.0:
        return g
    if p == 0.0:
        return None
    return -g if p == -1.0 else p * g


# -- the Value backend: the op table's rules on Values, for create_graph ----------------------


def _power(x: Operand, c: Operand) -> Operand:
    """``m.power`` on Values: ``x ** c`` (powc or pow), the float power of plain numbers."""
    if isinstance(x, Value) or isinstance(c, Value):
        return x**c
    return FLOAT.power(x, c)  # type: ignore[no-any-return]


#: The op table's rules on Values (``create_graph``): ``m.exp`` is the ``exp`` op, etc.
_VALUES = lifted_backend("Value", Value, apply, _data, _power)


def _codes(*functions: Callable[..., Any]) -> frozenset[CodeType]:
    """The functions' code objects, with their comprehensions' (frames of their own)."""
    todo = [f.__code__ for f in functions]
    found: set[CodeType] = set()
    while todo:
        code = todo.pop()
        found.add(code)
        todo += [c for c in code.co_consts if isinstance(c, CodeType)]
    return frozenset(found)


# The engine functions whose reads of a Value's number become a node's number or a
# reported comparison. A new function that reads ``.data`` to build a node must be listed
# here, or the compiled path refuses it while tracing (loudly: never silently wrong).
_ARITHMETIC = ("add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv")
_GRAPH_READS = _codes(
    _unary,
    _binary,
    _numbers,
    linear_layer,
    *(getattr(Value, f"__{name}__") for name in (*_ARITHMETIC, "pow", "rpow", "neg", "abs")),
    *(getattr(Value, f"__{name}__") for name in ("lt", "le", "gt", "ge", "float")),
)
