"""The scalar autodiff engine: :class:`Value`, :func:`no_grad` and reverse-mode backward.

A :class:`Value` holds one float, the :class:`~autograd_mini.ops.Op` that produced it and
the arguments it was applied to. ``backward()`` visits the graph in reverse topological
order and applies the chain rule at each node,

    ∂L/∂xᵢ += ∂L/∂out · ∂out/∂xᵢ,

with the local derivatives ∂out/∂xᵢ read from the op table (:mod:`autograd_mini.ops`).
Nothing here recurses, so graphs of any depth work at Python's default recursion limit.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeAlias

from autograd_mini.ops import FLOAT, OPS, Op

__all__ = [
    "Value",
    "add_n",
    "apply",
    "is_grad_enabled",
    "linear",
    "local_grads",
    "logsumexp",
    "no_grad",
    "topological_order",
]

Operand: TypeAlias = "Value | int | float"

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POWC, _POW = OPS["powc"], OPS["pow"]
_EXP, _LOG, _SQRT, _TANH = OPS["exp"], OPS["log"], OPS["sqrt"], OPS["tanh"]
_SIGMOID, _RELU, _ABS, _SOFTPLUS = OPS["sigmoid"], OPS["relu"], OPS["abs"], OPS["softplus"]
_LINEAR, _ADD_N, _LOGSUMEXP = OPS["linear"], OPS["sum"], OPS["logsumexp"]

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether new operations record their arguments (False inside :func:`no_grad`)."""
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations record no arguments: results are leaves.

    Use it for evaluation and for parameter updates, where no gradient is wanted: it saves
    the memory and time of building a graph. (The flag is global, not per thread.)
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


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
    __slots__ = ("data", "grad", "label", "_op", "_x", "_y", "_order")

    data: float
    grad: Any
    label: str
    _op: Op | None
    _x: Any
    _y: Any
    _order: list[Value] | None

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._op = None
        self._x = self._y = None

    # -- introspection -------------------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that produced this value; ``""`` for a leaf."""
        return self._op.name if self._op is not None else ""

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
        if self._op is None:
            return ()
        return (self._x,) if y is None else (self._x, y)

    @property
    def operation(self) -> Op | None:
        """The op-table entry that produced this value (None for a leaf)."""
        return self._op

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
        return apply(_NEG, self)

    # -- elementary functions ------------------------------------------------------------

    def exp(self) -> Value:
        """eˣ."""
        return apply(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm; ``ValueError`` for x ≤ 0."""
        return apply(_LOG, self)

    def sqrt(self) -> Value:
        """√x; ``ValueError`` for x < 0."""
        return apply(_SQRT, self)

    def tanh(self) -> Value:
        """tanh x (stable at any magnitude)."""
        return apply(_TANH, self)

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^(−x)), computed without overflow; σ′ = σ(1 − σ) ≤ 0.25."""
        return apply(_SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); its derivative is 1 for x > 0 and 0 for x ≤ 0 (0 at 0 by convention)."""
        return apply(_RELU, self)

    def abs(self) -> Value:
        """|x|; derivative sign(x), 0 at 0."""
        return apply(_ABS, self)

    def __abs__(self) -> Value:
        return apply(_ABS, self)

    def softplus(self) -> Value:
        """log(1 + eˣ), stable for large |x|; derivative σ(x)."""
        return apply(_SOFTPLUS, self)

    # -- comparisons (not differentiable) ------------------------------------------------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    def __float__(self) -> float:
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
        if create_graph:
            _backward_graph(self, order)
        else:
            _backward_float(self, order)

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


#: The marker in ``Value._y`` for a node with more than two arguments (tuple in ``_x``).
_MANY: Any = object()


def _node(op: Op, data: float, x: Any, y: Any) -> Value:
    """A new node with its arguments stored inline (see ``Value.__slots__``)."""
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _grad_enabled:
        out._op = op
        out._x = x
        out._y = y
    else:
        out._op = None
        out._x = out._y = None
    return out


def _new(op: Op, data: float, args: tuple[Operand, ...]) -> Value:
    if len(args) == 2:
        return _node(op, data, args[0], args[1])
    if len(args) == 1:
        return _node(op, data, args[0], None)
    return _node(op, data, args, _MANY)


def _binary(op: Op, x: Operand, y: Operand) -> Value:
    """Apply a two-argument op where either side may be a plain number (the fast path)."""
    xd = x.data if isinstance(x, Value) else x
    yd = y.data if isinstance(y, Value) else y
    if xd.__class__ not in _NUMBERS or yd.__class__ not in _NUMBERS:
        return _binary_slow(op, x, y, xd, yd)
    if op.check is not None:
        op.check(xd, yd)
    try:
        return _new(op, op.forward(FLOAT, xd, yd), (x, y))
    except OverflowError:  # the float backend returns ±inf itself; only huge ints get here
        raise _too_large(op, xd, yd) from None


_NUMBERS = frozenset({float, int})


def _binary_slow(op: Op, x: Operand, y: Operand, xd: Any, yd: Any) -> Value:
    for d in (xd, yd):
        if isinstance(d, bool) or not isinstance(d, numbers.Real):
            return NotImplemented  # type: ignore[no-any-return]
    return apply(op, x, y)


def apply(op: Op, *args: Operand) -> Value:
    """Apply ``op`` to Values and/or plain numbers and record it in the graph."""
    xs = [a.data if isinstance(a, Value) else a for a in args]
    if not _NUMBERS.issuperset(map(type, xs)):  # the fast path: plain floats and ints
        xs, args = _real_arguments(op, args, xs)
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
    if node._op is None:
        return ()
    xs = [_data(a) for a in node.args]
    return tuple(float(p) for p in node._op.partials(FLOAT, node.data, *xs))


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its arguments (iterative DFS).

    A node is pushed once more under a ``None`` marker when it is expanded; popping the
    marker means all its arguments are emitted, so the node is emitted next (post-order).
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Value | None] = [root]
    push, pop, mark, emit = stack.append, stack.pop, seen.add, order.append
    while stack:
        node = pop()
        if node is None:
            emit(pop())  # type: ignore[arg-type]
        elif node not in seen:
            mark(node)
            push(node)
            push(None)
            x, y = node._x, node._y
            if y is _MANY:
                for a in x:
                    if isinstance(a, Value) and a not in seen:
                        push(a)
            else:
                if isinstance(x, Value) and x not in seen:
                    push(x)
                if isinstance(y, Value) and y not in seen:
                    push(y)
    return order


def _backward_float(root: Value, order: list[Value]) -> None:
    """Reverse-mode sweep on floats: ∂L/∂xᵢ += ∂L/∂out · ∂out/∂xᵢ."""
    for node in order:
        if node._op is not None:
            node.grad = 0.0
    root.grad = 1.0
    try:
        _sweep_float(order)
    except ArithmeticError as error:
        raise _backward_error(error, order) from error


def _backward_error(error: ArithmeticError, order: list[Value]) -> ArithmeticError:
    """Name the node whose local derivative could not be evaluated (e.g. d/dx √x at 0)."""
    for node in reversed(order):
        if node._op is None:
            continue
        try:
            local_grads(node)
        except ArithmeticError:
            inputs = ", ".join(repr(_data(a)) for a in node.args)
            return type(error)(
                f"backward: the derivative of {node._op.name}({inputs}) is undefined ({error})"
            )
    return error


def _sweep_float(order: list[Value]) -> None:
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        g = node.grad
        x, y = node._x, node._y
        if y is None:  # one argument
            if isinstance(x, Value):
                (px,) = op.partials(FLOAT, node.data, x.data)
                x.grad += px * g
        elif y is _MANY:
            xs = [a.data if isinstance(a, Value) else a for a in x]
            for a, p in zip(x, op.partials(FLOAT, node.data, *xs), strict=True):
                if isinstance(a, Value):
                    a.grad += p * g
        else:
            xv = isinstance(x, Value)
            yv = isinstance(y, Value)
            px, py = op.partials(FLOAT, node.data, x.data if xv else x, y.data if yv else y)
            if xv:
                x.grad += px * g
            if yv:
                y.grad += py * g


def _lifted(name: str) -> Any:
    """The Value backend's version of FLOAT.<name>: a graph node for a Value argument."""
    op = OPS[name]
    float_rule = getattr(FLOAT, name)

    def rule(x: Operand) -> Operand:
        return apply(op, x) if isinstance(x, Value) else float_rule(x)

    rule.__name__ = name
    return staticmethod(rule)


class _ValueBackend:
    """The op table's backend on Values, so local derivatives become graph nodes.

    Each function accepts a Value or a plain number (a constant argument of the op, e.g. the
    2 in 2 ** x) and gives a plain float for a plain number, so no needless nodes are built.
    ``step`` and ``sign`` (the derivatives of ReLU and |x|) are plain floats: they are
    piecewise constant, so their own derivative is 0 almost everywhere. ``shift`` is only
    the constant shift inside the forward rule of logsumexp, which its partials do not use.
    """

    exp = _lifted("exp")
    log = _lifted("log")
    tanh = _lifted("tanh")
    sqrt = _lifted("sqrt")
    sigmoid = _lifted("sigmoid")
    softplus = _lifted("softplus")
    relu = _lifted("relu")
    abs = _lifted("abs")

    @staticmethod
    def power(x: Operand, c: Operand) -> Operand:
        if isinstance(x, Value) or isinstance(c, Value):
            return x**c
        return FLOAT.power(x, c)

    @staticmethod
    def step(x: Operand) -> float:
        return FLOAT.step(_data(x))

    @staticmethod
    def sign(x: Operand) -> float:
        return FLOAT.sign(_data(x))

    @staticmethod
    def shift(xs: Sequence[Operand]) -> float:
        return FLOAT.shift([_data(x) for x in xs])


_VALUES = _ValueBackend()


def _scaled(p: Operand, g: Value) -> Value | None:
    """The chain-rule term p·g as a node, skipping trivial factors (None for p = 0)."""
    if isinstance(p, Value):
        return p * g
    if p == 1.0:
        return g
    if p == 0.0:
        return None
    return -g if p == -1.0 else p * g


def _adjoints_graph(root: Value, order: list[Value]) -> dict[Value, Value]:
    """Reverse-mode sweep on Values: ∂root/∂node for every node reached, each a Value.

    The same chain rule as the float sweep, ḡ(xᵢ) = Σ_out ∂out/∂xᵢ · ḡ(out), but every
    local derivative comes from the op table's ``partials`` evaluated on Values, so the
    result is a graph of its own and can be differentiated again. A node's incoming terms
    are summed by one ``sum`` node. Nothing is written to ``.grad``.
    """
    pending: dict[Value, list[Value]] = {root: [Value(1.0)]}
    adjoint: dict[Value, Value] = {}
    for node in reversed(order):
        terms = pending.pop(node, None)
        if terms is None:
            continue
        g = adjoint[node] = terms[0] if len(terms) == 1 else add_n(terms)
        op = node.operation
        if op is None:
            continue
        args = node.args
        for a, p in zip(args, op.partials(_VALUES, node, *args), strict=True):
            if isinstance(a, Value):
                term = _scaled(p, g)
                if term is not None:
                    pending.setdefault(a, []).append(term)
    return adjoint


def _backward_graph(root: Value, order: list[Value]) -> None:
    """``backward(create_graph=True)``: every ``.grad`` becomes a differentiable Value.

    Intermediate nodes get this pass's gradient; leaves accumulate (a leaf the root does not
    depend on through a nonzero derivative keeps its grad), as in the float sweep.
    """
    adjoint = _adjoints_graph(root, order)
    for node in order:
        if node.operation is not None:
            node.grad = adjoint.get(node, 0.0)
    for node, g in adjoint.items():
        if node.operation is None and node is not root:
            previous = node.grad
            node.grad = g if isinstance(previous, float) and previous == 0.0 else previous + g
    root.grad = adjoint[root]
