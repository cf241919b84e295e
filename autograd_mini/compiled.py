"""The compiled batch path: trace a per-sample computation once, replay it over a batch.

Eager mode builds a graph of scalar Values for every sample, every step. But a network's
graph has the same shape for every sample; only the numbers differ. So:

1. **Trace.** Run the per-sample function once, eagerly, on one sample, and turn its graph
   into a flat *tape*: a list of instructions ``(op, argument slots)``, where the slots are
   the leaves (parameters, the sample's inputs, constants) and the results of earlier
   instructions.
2. **Plan.** Give every instruction a level (1 + the largest level of its arguments; leaves
   are level 0) and group instructions of the same level, op and arity: all 16 neurons of a
   layer become one group. A group's arguments are gathered as one array of shape
   (arity, k instructions, B samples).
3. **Replay.** Forward: each group calls its op's ``forward`` rule from the op table
   (:mod:`autograd_mini.ops`) once on those arrays, through :data:`NUMPY`, a NumPy backend
   with the same functions as the float backend. Backward: in reverse, each group calls the
   op's ``partials`` rule and adds δ · ∂out/∂xᵢ into its arguments' gradient rows
   (∂L/∂xᵢ += ∂L/∂out · ∂out/∂xᵢ, as in eager mode). No op's math is written here.

Parameters are broadcast over the batch and their gradients summed over it, so the result
is the gradient of the batch mean L = (1/B) Σₙ loss(y(xₙ), tₙ), equal to eager mode's up to
floating-point rounding.

**Data dependence.** A traced tape is only valid if the function computes the same graph for
every sample. The rules:

* Every comparison (``< <= > >=``) and every ``float()`` of a Value made while tracing is
  recorded as a *guard* (its operands and its result). Each call re-evaluates every guard on
  the whole batch; if one comes out differently for some sample, the call raises
  :class:`DataDependenceError` naming the comparison and the sample. So a Python ``if`` on a
  Value, ``max(a, b)`` or a data-dependent loop that compares Values never silently reuses
  the wrong branch.
* Reading ``.data`` directly cannot be intercepted. To catch it (and anything else that
  makes the graph or its constants depend on the data or on the parameter values), the
  first two calls and every :data:`VERIFY_EVERY`-th call after them retrace one sample of
  the batch eagerly (the last sample first, then the one before it, ...; the second call
  already sees updated parameters) and compare its tape, constants included, with the
  compiled one; a difference raises :class:`DataDependenceError`. This check is by
  sampling: code that reads ``.data`` must be run eagerly. ``verify=False`` skips it.
* For :func:`compile_loss`, the loss is traced per distinct target value (cached), with the
  target as a plain number exactly as eager mode passes it, so targets may freely steer the
  loss's structure (a class index picking a logit, one-hot zeros skipped); samples whose
  loss tapes have the same structure are replayed together, with their constants per
  sample.

Tracing temporarily replaces ``Value``'s comparison methods and ``__float__`` with
recording versions (restored on exit, also on an error); do not compute with Values in
another thread while a function is being traced.

Domain errors (log of a number ≤ 0, division by zero, ...) are found with the op table's
``check`` rule on every element of the group that has one, and raised with the sample's
index. NumPy is imported only by this module (``pip install 'autograd-mini[fast]'``).
"""

from __future__ import annotations

import functools
import numbers
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from autograd_mini.engine import Value, is_grad_enabled, topological_order
from autograd_mini.ops import FLOAT, Op, relu_grad_at_zero

__all__ = [
    "NUMPY",
    "BatchResult",
    "CompiledFunction",
    "CompiledLoss",
    "DataDependenceError",
    "FunctionResult",
    "NumpyBackend",
    "compile_fn",
    "compile_loss",
]

Array = NDArray[np.float64]

#: A compiled loss retraces one sample on its first two calls and on every this-many-th call.
VERIFY_EVERY = 64


class DataDependenceError(RuntimeError):
    """The traced graph does not hold for some sample: its structure depends on the data."""


class NumpyBackend:
    """The op table's elementary functions on NumPy arrays, elementwise.

    The same functions, and the same stable formulas, as :class:`~autograd_mini.ops.
    FloatBackend`.
    """

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    tanh = staticmethod(np.tanh)
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    power = staticmethod(np.power)

    @staticmethod
    def sigmoid(x: Array) -> Array:
        """σ(x): 1 / (1 + e^(−x)) for x ≥ 0, e^x / (1 + e^x) below, with z = e^(−|x|)."""
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))

    @staticmethod
    def softplus(x: Array) -> Array:
        """log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|))."""
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def step(x: Array) -> Array:
        """1 where x > 0, else ReLU's derivative at 0 (the float backend's convention)."""
        return np.where(x > 0, 1.0, relu_grad_at_zero)

    @staticmethod
    def relu(x: Array) -> Array:
        """0 where x ≤ 0, else x (nan stays nan)."""
        return np.where(x <= 0, 0.0, x)

    @staticmethod
    def shift(xs: Sequence[Array]) -> Array:
        """logsumexp's shift: the elementwise max of xs, 0 where that is not finite."""
        top = functools.reduce(np.maximum, xs)
        return np.where(np.isfinite(top), top, 0.0)


#: The backend the compiled path evaluates the op table's rules with.
NUMPY = NumpyBackend()


# -- tracing -----------------------------------------------------------------------------


class _Guard(NamedTuple):
    """A comparison made on a traced Value: ``compare(left, right)`` gave ``result``."""

    symbol: str
    left: Value | float
    right: Value | float
    result: bool


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
_METHODS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


@contextmanager
def _recording(guards: list[_Guard]) -> Iterator[None]:
    """While tracing, comparisons and float() of Values are recorded as guards."""
    saved = {name: Value.__dict__[name] for name in (*_METHODS, "__float__")}

    def recorder(symbol: str) -> Callable[[Value, Any], bool]:
        def compare(self: Value, other: Any) -> bool:
            result = bool(_COMPARISONS[symbol](self.data, _number(other)))
            guards.append(_Guard(symbol, self, other, result))
            return result

        return compare

    def to_float(self: Value) -> float:
        guards.append(_Guard("==", self, self.data, True))
        return self.data

    try:
        for name, symbol in _METHODS.items():
            setattr(Value, name, recorder(symbol))
        Value.__float__ = to_float  # type: ignore[method-assign]
        yield
    finally:
        for name, method in saved.items():
            setattr(Value, name, method)


def _number(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


@dataclass
class _Tape:
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


def _trace(run: Callable[[], Any], leaves: Sequence[Value], labels: list[str]) -> _Tape:
    """Run ``run()`` eagerly, recording guards, and flatten the Values it returns."""
    if not is_grad_enabled():
        raise RuntimeError("compiled: cannot trace inside no_grad(): no graph is recorded")
    guards: list[_Guard] = []
    with _recording(guards):
        result = run()
    return _flatten(leaves, _output_values(result), guards, labels)


def _output_values(result: Any) -> list[Value]:
    items = [result] if isinstance(result, Value) else result
    if not isinstance(items, Sequence) or not all(isinstance(v, Value) for v in items):
        raise TypeError(
            f"compiled: the traced function must return a Value or a list of Values, "
            f"got {type(result).__name__}"
        )
    return list(items)


def _flatten(
    leaves: Sequence[Value], outputs: list[Value], guards: list[_Guard], labels: list[str]
) -> _Tape:
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
        constants.append(float(_number(a)))
        return len(leaves) + len(nodes) + len(constants) - 1

    for leaf in constant_leaves:
        slot[leaf] = ref(leaf)
    code = [(node.operation, tuple(ref(a) for a in node.args)) for node in nodes]
    return _Tape(
        n_leaves=len(leaves),
        code=code,  # type: ignore[arg-type]
        constants=constants,
        outputs=[slot[v] for v in outputs],
        guards=[(g.symbol, ref(g.left), ref(g.right), g.result) for g in guards],
        labels=labels,
    )


# -- the grouped, vectorized replay --------------------------------------------------------


@dataclass
class _Group:
    """Instructions of one level, op and arity, replayed together."""

    op: Op
    out: NDArray[np.intp]  # (k,) result slots
    args: NDArray[np.intp]  # (arity, k) argument slots
    scatter: Scatter | None = None  # adds the (arity, k, B) contributions into grads
    needs_grad: bool = True


Scatter = Callable[[Array, Array], None]


def _scatter_rule(args: NDArray[np.intp]) -> Scatter:
    """How to add a group's (arity, k, B) contributions into the gradient rows.

    ``grads[args[j, i]] += rows[j, i]`` for every argument position j and instruction i.
    A position whose k slots are all the same (an input h shared by all neurons of a layer)
    is first summed over the k instructions; the other positions are added in one step.
    """
    arity, k = args.shape
    shared = [j for j in range(arity) if k > 1 and (args[j] == args[j, 0]).all()]
    own = [j for j in range(arity) if j not in shared]
    add_shared = _adder(args[shared, 0]) if shared else None
    add_own = _adder(args[own].ravel()) if own else None
    every = len(own) == arity

    def scatter(grads: Array, rows: Array) -> None:
        batch = rows.shape[2]
        if add_own is not None:
            add_own(grads, (rows if every else rows[own]).reshape(-1, batch))
        if add_shared is not None:
            add_shared(grads, rows[shared].sum(axis=1))

    return scatter


def _adder(flat: NDArray[np.intp]) -> Scatter:
    """grads[flat[j]] += rows[j] for every j, also when a slot repeats in ``flat``."""
    if len(np.unique(flat)) == len(flat):

        def distinct(grads: Array, rows: Array) -> None:
            grads[flat] += rows

        return distinct
    perm = np.argsort(flat, kind="stable")
    slots, starts = np.unique(flat[perm], return_index=True)

    def summed(grads: Array, rows: Array) -> None:
        grads[slots] += np.add.reduceat(rows[perm], starts, axis=0)

    return summed


_KEPT_WORKSPACES = 4


@dataclass
class _Workspace:
    """One batch size's arrays: slot values and gradients, each group's arguments (gathered
    in the forward pass, reused by the backward pass) and contributions."""

    vals: Array
    grads: Array
    xs: list[Array]
    rows: list[Array]


class _Plan:
    """A tape made executable on a batch: grouped by level, replayed with NumPy."""

    def __init__(self, tape: _Tape, trainable: int) -> None:
        self.tape = tape
        self.first_const = tape.n_leaves + len(tape.code)
        self.n_slots = self.first_const + len(tape.constants)
        self.groups = self._group(tape, trainable)
        self.outputs = np.array(tape.outputs, dtype=np.intp)
        self.constants = np.array(tape.constants, dtype=np.float64).reshape(-1, 1)
        self._workspaces: dict[int, _Workspace] = {}

    def _group(self, tape: _Tape, trainable: int) -> list[_Group]:
        level = [0] * self.n_slots
        # A slot needs a gradient when it depends on one of the first `trainable` leaves.
        needs = [i < trainable for i in range(self.n_slots)]
        buckets: dict[tuple[int, str, int], list[int]] = {}
        for i, (op, args) in enumerate(tape.code):
            s = tape.n_leaves + i
            level[s] = 1 + max((level[a] for a in args), default=0)
            needs[s] = any(needs[a] for a in args)
            buckets.setdefault((level[s], op.name, len(args)), []).append(i)
        groups = []
        for key in sorted(buckets):
            members = buckets[key]
            op = tape.code[members[0]][0]
            args = np.array([tape.code[i][1] for i in members], dtype=np.intp).T
            out = np.array([tape.n_leaves + i for i in members], dtype=np.intp)
            group = _Group(op, out, args.copy())
            group.needs_grad = any(needs[s] for s in out)
            if group.needs_grad:
                group.scatter = _scatter_rule(group.args)
            groups.append(group)
        return groups

    def _workspace(self, batch: int) -> _Workspace:
        """Work arrays for a batch size, reused across calls (a few sizes are kept)."""
        work = self._workspaces.pop(batch, None)
        if work is None:
            work = _Workspace(
                vals=np.empty((self.n_slots, batch)),
                grads=np.empty((self.n_slots, batch)),
                xs=[np.empty((*g.args.shape, batch)) for g in self.groups],
                rows=[np.empty((*g.args.shape, batch)) for g in self.groups],
            )
        self._workspaces[batch] = work  # most recently used last
        if len(self._workspaces) > _KEPT_WORKSPACES:
            del self._workspaces[next(iter(self._workspaces))]
        return work

    def forward(self, leaves: Array, constants: Array | None, samples: Sequence[int]) -> _Workspace:
        """Every slot's values (``.vals``, shape (slots, B)) from the leaf rows (leaves, B)."""
        work = self._workspace(leaves.shape[1])
        vals = work.vals
        vals[: self.tape.n_leaves] = leaves
        vals[self.first_const :] = self.constants if constants is None else constants
        with np.errstate(all="ignore"):  # overflow gives ±inf, as in eager mode
            for g, xs in zip(self.groups, work.xs, strict=True):
                np.take(vals, g.args, axis=0, out=xs)
                if g.op.check is not None:
                    _check_domain(g.op, xs, samples)
                vals[g.out] = _forward(g.op, xs)
        self._check_guards(vals, samples)
        return work

    def backward(self, work: _Workspace, seed: Array, samples: Sequence[int]) -> Array:
        """Gradient rows of every slot (slots, B), given ∂L/∂output rows ``seed``."""
        vals, grads = work.vals, work.grads
        grads.fill(0.0)
        np.add.at(grads, self.outputs, seed)  # an output listed twice is seeded twice
        with np.errstate(invalid="ignore", over="ignore"):  # ∞·0 is nan, as in eager mode
            for g, xs, rows in zip(
                reversed(self.groups), work.xs[::-1], work.rows[::-1], strict=True
            ):
                if g.scatter is not None:
                    self._backward_group(g, vals, grads, xs, rows, samples)
        return grads

    @staticmethod
    def _backward_group(
        g: _Group, vals: Array, grads: Array, xs: Array, rows: Array, samples: Sequence[int]
    ) -> None:
        """∂L/∂xᵢ += ∂L/∂out · ∂out/∂xᵢ for every instruction of the group, on the batch."""
        assert g.scatter is not None
        try:
            partials = _partials(g.op, vals[g.out], xs)
        except ArithmeticError as error:
            raise _undefined_derivative(g, xs, samples) from error
        if _FLOATS.issuperset(map(type, partials)):  # constants: add, sum, ...
            rows[...] = np.array(partials).reshape(-1, 1, 1)
        else:
            for j, p in enumerate(partials):
                rows[j] = p
        rows *= grads[g.out]
        g.scatter(grads, rows)

    def _check_guards(self, vals: Array, samples: Sequence[int]) -> None:
        for symbol, left, right, result in self.tape.guards:
            holds = _COMPARISONS[symbol](vals[left], vals[right]) == result
            if not holds.all():
                bad = samples[int(np.argmin(holds))]
                what = (
                    f"float({self.tape.describe(left)})"
                    if symbol == "=="
                    else f"{self.tape.describe(left)} {symbol} {self.tape.describe(right)}"
                )
                raise DataDependenceError(
                    f"compiled: while tracing, {what} was {result}, but for sample {bad} it "
                    f"is not: the graph depends on the data (a Python branch on a Value?). "
                    f"Run this function eagerly, or express the branch with ops (relu, abs)."
                )


_FLOATS = frozenset({float})


def _forward(op: Op, xs: Array) -> Any:
    """The op's forward rule on a group's (arity, k, B) arguments.

    A single element (k = B = 1, e.g. a penalty's 337-argument sum) is computed on Python
    floats with the float backend — the same rule, without NumPy's per-call overhead.
    """
    if xs.shape[1] * xs.shape[2] == 1:
        try:
            return op.forward(FLOAT, *xs.ravel().tolist())
        except OverflowError:
            pass  # NumPy gives ±inf, as eager mode does
    return op.forward(NUMPY, *xs)


def _partials(op: Op, out: Array, xs: Array) -> tuple[Any, ...]:
    """The op's partials rule; ArithmeticError where a derivative divides by zero."""
    if xs.shape[1] * xs.shape[2] == 1:
        return tuple(op.partials(FLOAT, float(out[0, 0]), *xs.ravel().tolist()))
    with np.errstate(divide="raise", invalid="ignore", over="ignore"):
        return tuple(op.partials(NUMPY, out, *xs))


def _check_domain(op: Op, xs: Array, samples: Sequence[int]) -> None:
    """Run the op's own domain check on every element; name the sample that fails."""
    check = op.check
    assert check is not None
    batch = xs.shape[2]
    for i, args in enumerate(zip(*(row.ravel().tolist() for row in xs), strict=True)):
        try:
            check(*args)
        except (ArithmeticError, ValueError) as error:
            sample = samples[i % batch]
            raise type(error)(f"compiled: sample {sample}: {error}") from error


def _undefined_derivative(g: _Group, xs: Array, samples: Sequence[int]) -> ArithmeticError:
    """Find the element whose local derivative divides by zero (as eager mode's errors)."""
    batch = xs.shape[2]
    columns = zip(*(row.ravel().tolist() for row in xs), strict=True)
    for i, args in enumerate(columns):
        try:
            _float_partials(g.op, args)
        except ArithmeticError as error:
            inputs = ", ".join(repr(a) for a in args)
            return type(error)(
                f"compiled backward: sample {samples[i % batch]}: the derivative of "
                f"{g.op.name}({inputs}) is undefined ({error})"
            )
    return ZeroDivisionError(f"compiled backward: a derivative of {g.op.name} divides by zero")


def _float_partials(op: Op, args: Sequence[float]) -> tuple[Any, ...]:
    """The op's partials on floats at one element (used only to name a failing sample)."""
    out = float(op.forward(FLOAT, *args))
    return tuple(op.partials(FLOAT, out, *args))


# -- public API: compile_fn ------------------------------------------------------------------


@dataclass
class FunctionResult:
    """What a :class:`CompiledFunction` returns for a batch of B samples.

    ``values``: (B, outputs) array of f at each sample. ``grads``: d(mean over the batch of
    Σ outputs)/d p for each parameter p (the outputs' sum, so one scalar output gives the
    mean's gradient). ``input_grads``: (B, inputs) array of ∂(Σ outputs)/∂xᵢ per sample.
    """

    values: Array
    grads: list[float]
    input_grads: Array


class CompiledFunction:
    """``f(*inputs)`` traced once, replayed for a whole batch; see :func:`compile_fn`."""

    def __init__(
        self,
        f: Callable[..., Any],
        params: Sequence[Value],
        example: Sequence[float],
        verify: bool = True,
    ) -> None:
        self.f = f
        self.params = list(params)
        self.n_inputs = len(example)
        plan = self._trace(example)
        self.plan = _Plan(plan, trainable=plan.n_leaves)  # parameters and inputs
        self.verify = verify
        self.verify_every = VERIFY_EVERY
        self._calls = 0

    def _trace(self, sample: Sequence[float]) -> _Tape:
        inputs = [Value(float(x)) for x in sample]
        labels = [f"parameter #{i}" for i in range(len(self.params))]
        labels += [f"input x[{i}]" for i in range(len(inputs))]
        return _trace(lambda: self.f(*inputs), [*self.params, *inputs], labels)

    def __call__(self, batch: Sequence[Sequence[float]] | Array) -> FunctionResult:
        xs = _as_batch(batch, self.n_inputs, "compile_fn")
        samples = range(xs.shape[0])
        leaves = np.empty((len(self.params) + self.n_inputs, xs.shape[0]))
        leaves[: len(self.params)] = np.array([p.data for p in self.params]).reshape(-1, 1)
        leaves[len(self.params) :] = xs.T
        work = self.plan.forward(leaves, None, samples)  # checks the guards
        vals = work.vals
        grads = self.plan.backward(work, np.ones((len(self.plan.outputs), len(xs))), samples)
        if _verify_due(self._calls, self.verify, self.verify_every):
            n = (-1 - self._calls) % len(xs)
            _verify(self.plan.tape, self._trace(xs[n].tolist()), f"f on sample {n}")
        self._calls += 1
        n = len(self.params)
        return FunctionResult(
            values=vals[self.plan.outputs].T.copy(),
            grads=(grads[:n].sum(axis=1) / len(xs)).tolist(),
            input_grads=grads[n : n + self.n_inputs].T.copy(),
        )


def compile_fn(
    f: Callable[..., Any],
    params: Sequence[Value],
    example_inputs: Sequence[float],
    *,
    verify: bool = True,
) -> CompiledFunction:
    """Trace ``f(*inputs)`` once at ``example_inputs`` and return a batch version of it.

    ``f`` takes one Value per input and returns a Value or a list of Values; ``params`` are
    Values f uses (read at each call, so updating ``p.data`` is seen). ``compiled(batch)``
    takes a (B, inputs) batch and returns a :class:`FunctionResult`. Any other leaf Value f
    uses is a constant of the trace. Data dependence is guarded as the module explains.
    """
    return CompiledFunction(f, params, example_inputs, verify)


def _as_batch(batch: Any, width: int, who: str) -> Array:
    try:
        xs = np.asarray(batch, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{who}: the batch must be numbers of shape (B, {width}): {error}"
        ) from error
    if xs.ndim == 1 and width == 1:
        xs = xs.reshape(-1, 1)
    if xs.ndim != 2 or xs.shape[1] != width or xs.shape[0] == 0:
        raise ValueError(f"{who}: expected a batch of shape (B ≥ 1, {width}), got {xs.shape}")
    return xs


def _verify_due(calls: int, verify: bool, every: int) -> bool:
    """Retrace on the first two calls (the second sees updated parameters), then every
    ``every``-th call."""
    return verify and (calls < 2 or (every > 0 and calls % every == 0))


def _verify(tape: _Tape, again: _Tape, what: str) -> None:
    """The retrace of one sample must give the same tape, constants included."""
    if again.structure != tape.structure:
        raise DataDependenceError(
            f"compiled: retracing {what} gave a different graph: its "
            f"structure depends on the data (a branch or loop on .data?); run it eagerly"
        )
    _same_constants(tape.constants, again.constants, what)


def _same_constants(traced: list[float], again: list[float], what: str) -> None:
    for a, b in zip(traced, again, strict=True):
        if a != b and not (a != a and b != b):  # nan == nan here
            raise DataDependenceError(
                f"compiled: retracing {what} changed the constant {a!r} "
                f"to {b!r}: a number was read from a Value's .data, or a leaf Value that is "
                f"not a parameter changed; run it eagerly"
            )


# -- public API: compile_loss ----------------------------------------------------------------


@dataclass
class BatchResult:
    """One batch through :class:`CompiledLoss`.

    ``loss``: the mean per-sample loss (1/B) Σₙ loss(y(xₙ), tₙ). ``grads``: ∂loss/∂p for p
    in ``model.parameters()``, in order. ``outputs``: each sample's model output, a float
    (one output) or a list of floats. ``losses``: the per-sample losses.
    """

    loss: float
    grads: list[float]
    outputs: list[Any]
    losses: list[float]


class _LossKind(NamedTuple):
    plan: _Plan
    structure: tuple[Any, ...]


class CompiledLoss:
    """``loss(model(x), t)`` traced once and replayed per batch; see :func:`compile_loss`."""

    def __init__(
        self,
        model: Any,
        loss: Callable[[Any, Any], Value],
        x: Any,
        y: Any,
        penalty: Callable[[list[Value]], Value] | None = None,
        verify: bool = True,
    ) -> None:
        self.model, self.loss = model, loss
        self.params: list[Value] = list(model.parameters())
        self.n_inputs = len(x) if _is_seq(x) else 1
        self.single = True  # whether the model returns one Value (not a list)
        #: Retrace a sample on the first two calls and every ``verify_every``-th call after
        #: (to catch .data reads, see the module docstring); False: never.
        self.verify = verify
        self.verify_every = VERIFY_EVERY
        self._calls = 0
        tape = self._trace_model(x)
        self.model_plan = _Plan(tape, trainable=len(self.params))
        self.penalty = penalty
        self.penalty_plan = (
            None if penalty is None else _Plan(self._trace_penalty(), len(self.params))
        )
        self.n_outputs = len(tape.outputs)
        self._kinds: dict[tuple[Any, ...], _LossKind] = {}
        self._by_target: dict[Any, tuple[_LossKind, list[float]]] = {}
        self._last_keys: tuple[Any, ...] = ()
        self._last_groups: list[tuple[_LossKind, list[int], Array]] = []
        self._loss_kind(y, self._eager_outputs(x))

    # tracing

    def _inputs(self, x: Any) -> list[Value]:
        return [Value(float(v)) for v in (x if _is_seq(x) else [x])]

    def _trace_model(self, x: Any) -> _Tape:
        inputs = self._inputs(x)
        labels = [_param_label(i, p) for i, p in enumerate(self.params)]
        labels += [f"input x[{i}]" for i in range(len(inputs))]

        def run() -> Any:
            out = self.model(inputs)
            self.single = isinstance(out, Value)
            return out

        return _trace(run, [*self.params, *inputs], labels)

    def _eager_outputs(self, x: Any) -> list[float]:
        return [v.data for v in _output_values(self.model(self._inputs(x)))]

    def _trace_penalty(self) -> _Tape:
        assert self.penalty is not None
        penalty = self.penalty
        labels = [_param_label(i, p) for i, p in enumerate(self.params)]
        return _trace(lambda: penalty(self.params), self.params, labels)

    def _trace_loss(self, target: Any, outputs: Sequence[float]) -> _Tape:
        ys = [Value(v) for v in outputs]
        labels = [f"model output y[{i}]" for i in range(len(ys))]
        labels += [_param_label(i, p) for i, p in enumerate(self.params)]

        def run() -> Value:
            out = self.loss(ys[0] if self.single else ys, target)
            if not isinstance(out, Value):
                raise TypeError(f"compile_loss: the loss must return a Value, got {out!r}")
            return out

        return _trace(run, [*ys, *self.params], labels)

    def _loss_kind(self, target: Any, outputs: Sequence[float]) -> tuple[_LossKind, list[float]]:
        """The loss tape for this target value: traced once per distinct target, cached."""
        tape = self._trace_loss(target, outputs)
        kind = self._kinds.get(tape.structure)
        if kind is None:
            kind = _LossKind(_Plan(tape, trainable=tape.n_leaves), tape.structure)
            self._kinds[tape.structure] = kind
        found = (kind, tape.constants)
        key = _freeze(target)
        if key is not None:
            self._by_target[key] = found
        return found

    # replay

    def __call__(self, xs_batch: Sequence[Any] | Array, ys_batch: Sequence[Any]) -> BatchResult:
        """Loss, gradients and outputs of the batch; see :class:`BatchResult`."""
        xs = _as_batch(xs_batch, self.n_inputs, "compile_loss")
        if len(ys_batch) != len(xs):
            raise ValueError(f"compile_loss: {len(xs)} inputs but {len(ys_batch)} targets")
        batch, n_params = len(xs), len(self.params)
        samples = range(batch)
        pvals = np.array([p.data for p in self.params], dtype=np.float64).reshape(-1, 1)
        leaves = np.empty((n_params + self.n_inputs, batch))
        leaves[:n_params] = pvals
        leaves[n_params:] = xs.T
        work = self.model_plan.forward(leaves, None, samples)
        outputs = work.vals[self.model_plan.outputs]
        losses = np.empty(batch)
        d_outputs = np.empty_like(outputs)
        d_params = np.zeros(n_params)
        for kind, columns, constants in self._kind_groups(ys_batch, outputs):
            leaf_rows = np.empty((self.n_outputs + n_params, len(columns)))
            leaf_rows[: self.n_outputs] = outputs[:, columns]
            leaf_rows[self.n_outputs :] = pvals
            lwork = kind.plan.forward(leaf_rows, constants, columns)
            losses[columns] = lwork.vals[kind.plan.outputs[0]]
            seed = np.full((1, len(columns)), 1.0 / batch)
            lgrads = kind.plan.backward(lwork, seed, columns)
            d_outputs[:, columns] = lgrads[: self.n_outputs]
            d_params += lgrads[self.n_outputs : self.n_outputs + n_params].sum(axis=1)
        grads = self.model_plan.backward(work, d_outputs, samples)
        d_params += grads[:n_params].sum(axis=1)
        total = float(losses.sum() / batch)
        if self.penalty_plan is not None:
            pwork = self.penalty_plan.forward(pvals, None, [0])
            total += float(pwork.vals[self.penalty_plan.outputs[0], 0])
            d_params += self.penalty_plan.backward(pwork, np.ones((1, 1)), [0])[:n_params, 0]
        if _verify_due(self._calls, self.verify, self.verify_every):  # after the guards
            self._verify(xs, ys_batch)
        self._calls += 1
        return BatchResult(
            loss=total,
            grads=d_params.tolist(),
            outputs=outputs[0].tolist() if self.single else outputs.T.tolist(),
            losses=losses.tolist(),
        )

    def _kind_groups(
        self, ys: Sequence[Any], outputs: Array
    ) -> list[tuple[_LossKind, list[int], Array]]:
        """Samples grouped by the structure of their loss tape, with per-sample constants.

        The grouping of the previous call is reused when the targets are the same.
        """
        keys = tuple(map(_freeze, ys))
        if keys == self._last_keys and None not in keys:
            return self._last_groups
        kinds: dict[tuple[Any, ...], _LossKind] = {}
        columns: dict[tuple[Any, ...], list[int]] = {}
        constants: dict[tuple[Any, ...], list[list[float]]] = {}
        for n, (t, key) in enumerate(zip(ys, keys, strict=True)):
            found = self._by_target.get(key)
            kind, consts = found if found else self._loss_kind(t, outputs[:, n].tolist())
            kinds[kind.structure] = kind
            columns.setdefault(kind.structure, []).append(n)
            constants.setdefault(kind.structure, []).append(consts)
        groups = []
        for s, cols in columns.items():
            rows = np.array(constants[s], dtype=np.float64).reshape(len(cols), -1).T
            groups.append((kinds[s], cols, rows))
        self._last_keys, self._last_groups = keys, groups
        return groups

    def _verify(self, xs: Array, ys: Sequence[Any]) -> None:
        """Retrace sample n (a different one each call) and compare with the tapes."""
        n = (-1 - self._calls) % len(xs)
        x = xs[n].tolist()
        _verify(self.model_plan.tape, self._trace_model(x), f"the model on sample {n}")
        if self.penalty_plan is not None:
            _verify(self.penalty_plan.tape, self._trace_penalty(), "the penalty")
        found = self._by_target.get(_freeze(ys[n]))
        if found is None:
            return  # a target that is not cached: its loss was traced afresh this call
        kind, constants = found
        again = self._trace_loss(ys[n], self._eager_outputs(x))
        what = f"the loss on sample {n}"
        if again.structure != kind.structure:
            raise DataDependenceError(
                f"compiled: retracing {what} gave a different graph: its structure depends "
                f"on the model's outputs (a branch on .data?); run it eagerly"
            )
        _same_constants(constants, again.constants, what)


def compile_loss(
    model: Any,
    loss: Callable[[Any, Any], Value],
    x_example: Any,
    y_example: Any,
    *,
    penalty: Callable[[list[Value]], Value] | None = None,
    verify: bool = True,
) -> CompiledLoss:
    """Trace ``loss(model(x), t)`` once; ``compiled(xs, ys)`` replays it for a whole batch.

    ``model`` is callable on a list of inputs and has ``parameters()`` (any nn Module);
    ``loss(output, target)`` is a per-sample loss (e.g. ``losses.hinge``). The call returns a
    :class:`BatchResult` for the batch objective

        L = (1/B) Σₙ loss(model(xₙ), tₙ) + penalty(parameters),

    ``.loss``, ``.grads`` (∂L/∂p aligned with ``model.parameters()``) and ``.outputs``.
    ``penalty`` (optional) is a function of the parameter list only, e.g. an L2 term
    ``lambda ps: 1e-4 * add_n([p * p for p in ps])``, computed once per batch rather than
    per sample. Parameter values are read at every call, so optimizer updates are seen.
    ``verify``: retrace a sample now and then to catch ``.data`` reads (module docstring).
    """
    return CompiledLoss(model, loss, x_example, y_example, penalty, verify)


def _is_seq(x: Any) -> bool:
    return isinstance(x, (Sequence, np.ndarray)) and not isinstance(x, (str, bytes))


def _freeze(t: Any) -> Any:
    """A hashable key for a target that keeps its type (1, 1.0 and True differ).

    None for a target that cannot be a cache key (nan, an object of unknown kind): its loss
    is then traced afresh at every call.
    """
    if t.__class__ in (int, float):
        return (t.__class__, t) if t == t else None
    if isinstance(t, np.ndarray):
        return None if np.isnan(t).any() else ("array", t.dtype.str, t.shape, t.tobytes())
    if _is_seq(t):
        items = tuple(_freeze(v) for v in t)
        return None if None in items else ("seq", items)
    if isinstance(t, numbers.Number):
        return (type(t).__name__, t) if t == t else None
    return None


def _param_label(i: int, p: Value) -> str:
    return f"parameter #{i} ({p.label})" if p.label else f"parameter #{i}"
