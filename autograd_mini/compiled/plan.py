"""The plan: a tape grouped by level, op and arity, replayed on NumPy arrays.

Each group calls its op's ``forward`` and ``partials`` rules and ``domains`` tests from the
op table once on the arrays of all its instructions and samples (the table's NumPy backend,
:data:`NUMPY`); no op's math is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from autograd_mini.compiled.trace import COMPARISONS, Tape
from autograd_mini.ops import FLOAT, Backend, Op, numpy_backend

__all__ = ["NUMPY", "Array", "DataDependenceError", "Plan", "Workspace"]

Array = NDArray[np.float64]

#: The backend the compiled path evaluates the op table's rules with (from the table).
NUMPY: Backend = numpy_backend()


class DataDependenceError(RuntimeError):
    """The traced graph does not hold for some sample: its structure depends on the data."""


# -- the grouped, vectorized replay --------------------------------------------------------


@dataclass
class Group:
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
class Workspace:
    """One batch size's arrays: slot values and gradients, each group's arguments (gathered
    in the forward pass, reused by the backward pass) and contributions."""

    vals: Array
    grads: Array
    xs: list[Array]
    rows: list[Array]


class Plan:
    """A tape made executable on a batch: grouped by level, replayed with NumPy."""

    def __init__(self, tape: Tape, trainable: int) -> None:
        self.tape = tape
        self.first_const = tape.n_leaves + len(tape.code)
        self.n_slots = self.first_const + len(tape.constants)
        self.groups = self._group(tape, trainable)
        self.outputs = np.array(tape.outputs, dtype=np.intp)
        self.constants = np.array(tape.constants, dtype=np.float64).reshape(-1, 1)
        self._workspaces: dict[int, Workspace] = {}

    def _group(self, tape: Tape, trainable: int) -> list[Group]:
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
            group = Group(op, out, args.copy())
            group.needs_grad = any(needs[s] for s in out)
            if group.needs_grad:
                group.scatter = _scatter_rule(group.args)
            groups.append(group)
        return groups

    def _workspace(self, batch: int) -> Workspace:
        """Work arrays for a batch size, reused across calls (a few sizes are kept)."""
        work = self._workspaces.pop(batch, None)
        if work is None:
            work = Workspace(
                vals=np.empty((self.n_slots, batch)),
                grads=np.empty((self.n_slots, batch)),
                xs=[np.empty((*g.args.shape, batch)) for g in self.groups],
                rows=[np.empty((*g.args.shape, batch)) for g in self.groups],
            )
        self._workspaces[batch] = work  # most recently used last
        if len(self._workspaces) > _KEPT_WORKSPACES:
            del self._workspaces[next(iter(self._workspaces))]
        return work

    def forward(self, leaves: Array, constants: Array | None, samples: Sequence[int]) -> Workspace:
        """Every slot's values (``.vals``, shape (slots, B)) from the leaf rows (leaves, B)."""
        work = self._workspace(leaves.shape[1])
        vals = work.vals
        vals[: self.tape.n_leaves] = leaves
        vals[self.first_const :] = self.constants if constants is None else constants
        with np.errstate(all="ignore"):  # overflow gives ±inf, as in eager mode
            for g, xs in zip(self.groups, work.xs, strict=True):
                np.take(vals, g.args, axis=0, out=xs)
                if g.op.domains:
                    _check_domain(g.op, xs, samples)
                vals[g.out] = _forward(g.op, xs)
        self._check_guards(vals, samples)
        return work

    def backward(self, work: Workspace, seed: Array, samples: Sequence[int]) -> Array:
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
        g: Group, vals: Array, grads: Array, xs: Array, rows: Array, samples: Sequence[int]
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
            holds = COMPARISONS[symbol](vals[left], vals[right]) == result
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
    """The op's domain tests on the whole (arity, k, B) array at once; the first failing
    element is named with its sample and the op's own message."""
    batch = xs.shape[2]
    for domain in op.domains:
        bad = np.asarray(domain.fails(NUMPY, *xs))
        if bad.any():
            i = int(np.argmax(bad.ravel()))
            args = [float(row.ravel()[i]) for row in xs]
            message = domain.message.format(*args)
            raise domain.error(f"compiled: sample {samples[i % batch]}: {message}")


def _undefined_derivative(g: Group, xs: Array, samples: Sequence[int]) -> ArithmeticError:
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
