"""The plan: a tape grouped by level, op and arity, replayed on NumPy arrays.

Each group calls its op's ``forward`` and ``partials`` rules and ``domains`` tests from the
op table once on the arrays of all its instructions and samples (the table's NumPy backend,
:data:`NUMPY`); no op's math is written here. A group of an op with :class:`~autograd_mini.
ops.Dense` rules (``linear``) whose instructions share their inputs and read their weights and
biases from the parameters is one layer: one matrix product forward, two backward.

Layout. The parameters are one vector (P,) — never copied per sample — and their gradient
one vector summed over the batch. Every other value has a row of length B (the batch): the
per-sample leaves first (inputs, model outputs), then the parameters that some element-wise
group reads (broadcast over the batch), then each group's results in one contiguous block
(so the next group reads them as a slice, not a gather), then the constants.

Work saved at plan time, never by assuming anything of an op:

* **Fixed partials.** Each op's ``partials`` rule is called once on opaque placeholders:
  where it returns numbers (``add``: (1, 1), ``sum``: (1, …, 1)) or its own arguments
  (``mul``: (y, x)) without computing, the backward pass uses those directly instead of
  calling the rule on every batch; a rule that computes (``relu``: step(x)) is called.
* **First writes.** The backward pass is simulated once: a gradient row's first
  contribution is *assigned* (for a product, written by the multiplication itself) instead
  of added to a zeroed row, and only rows that are added to before any assignment, or read
  without one, are zeroed. A group none of whose results receives a gradient is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from autograd_mini.compiled.trace import COMPARISONS, Tape
from autograd_mini.ops import FLOAT, Backend, Dense, Op, numpy_backend

__all__ = ["NUMPY", "Array", "DataDependenceError", "Plan", "Workspace"]

Array = NDArray[np.float64]
Index = NDArray[np.intp]
Key = slice | Index

#: The backend the compiled path evaluates the op table's rules with (from the table).
NUMPY: Backend = numpy_backend()

#: Groups of at most this many arguments read each argument as a slice of rows where it can;
#: wider ones (``sum``, ``logsumexp``, a ``linear`` that is not a layer) gather all at once.
_NARROW = 4

#: Work arrays kept per plan (one per batch size), and views kept per parameter block (of
#: the parameter vector and of the workspaces' gradient vectors).
_KEPT_WORKSPACES = 4
_KEPT_VIEWS = 2 * _KEPT_WORKSPACES


class DataDependenceError(RuntimeError):
    """The traced graph does not hold for some sample: its structure depends on the data."""


# -- reading and writing rows: a slice where the slots are consecutive, else a gather ---------


def _key(index: Index) -> tuple[Key, bool]:
    """How to index rows ``index``: (a slice or the index itself, whether all are one row)."""
    if len(index) and (index == index[0]).all():
        return slice(int(index[0]), int(index[0]) + 1), True
    if len(index) and (np.diff(index) == 1).all():
        return slice(int(index[0]), int(index[-1]) + 1), False
    return index, False


@dataclass
class Rows:
    """Rows ``index`` of a (rows, B) array: read as a slice when they are consecutive, as
    one broadcast row when they are all the same, else gathered. Written by :meth:`put`:
    assigned when ``store`` (the first write into them, see :class:`_FirstWrites`), else
    added (summed first over a repeated row)."""

    index: Index
    store: bool = False

    def __post_init__(self) -> None:
        self.key, self.one = _key(self.index)
        self.distinct = len(np.unique(self.index)) == len(self.index)
        self.add = None if self.distinct or self.one else _adder(self.index)

    def read(self, a: Array) -> Array:
        return a[self.key]

    def put(self, a: Array, values: Array) -> None:
        """a[index] = values (``store``) or a[index] += values; values (len, B)."""
        if self.one and len(values) > 1:
            values = values.sum(axis=0, keepdims=True)
        if self.store:
            a[self.key] = values
        elif self.add is None:
            a[self.key] += values
        else:
            self.add(a, values)

    def put_product(self, a: Array, d: Array, p: Any) -> None:
        """:meth:`put` of d · p (a partial p that is exactly 1 adds d itself); an assignment
        into consecutive rows is written by the multiplication."""
        if p.__class__ is float and p == 1.0:
            self.put(a, d)
        elif self.store and not self.one and self.key.__class__ is slice:
            np.multiply(d, p, out=a[self.key])
        else:
            self.put(a, d * p)


Scatter = Callable[[Array, Array], None]


def _adder(flat: Index) -> Scatter:
    """grads[flat[j]] += rows[j] for every j, also when a slot repeats in ``flat``."""
    if len(flat) > 1 and (np.diff(flat) == 1).all():
        lo, hi = int(flat[0]), int(flat[-1]) + 1

        def consecutive(grads: Array, rows: Array) -> None:
            grads[lo:hi] += rows

        return consecutive
    if len(np.unique(flat)) == len(flat):

        def distinct(grads: Array, rows: Array) -> None:
            grads[flat] += rows

        return distinct
    perm = np.argsort(flat, kind="stable")
    slots, starts = np.unique(flat[perm], return_index=True)

    def summed(grads: Array, rows: Array) -> None:
        grads[slots] += np.add.reduceat(rows[perm], starts, axis=0)

    return summed


def _scatter_rule(args: Index) -> Scatter:
    """How to add a wide group's (arity, k, B) contributions into the gradient rows:
    ``grads[args[j, i]] += rows[j, i]``; a position shared by all k instructions is summed
    over them first."""
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


# -- parameter blocks: a view of the parameter vector where the layout allows -----------------


@dataclass
class Block:
    """Parameters ``index`` ((k,) or (k, n)) of the parameter vector of length ``size``,
    read as a view when they are laid out with constant strides (a layer's weights: rows of
    n with stride n + 1; its biases: every (n + 1)-th), else gathered. Written as
    :class:`Rows` are (``store``: assigned)."""

    index: Index
    size: int
    view: tuple[int, int, int] | None = None  # (start, row stride, columns)
    store: bool = False
    views: dict[int, tuple[Array, Array]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        i = self.index
        rows = i.reshape(i.shape[0], -1)
        k, n = rows.shape
        start = int(rows[0, 0])
        stride = int(rows[1, 0]) - start if k > 1 else n
        want = start + stride * np.arange(k).reshape(-1, 1) + np.arange(n).reshape(1, -1)
        if stride >= n and start + k * stride <= self.size and (rows == want).all():
            self.view = (start, stride, n)
        self.unique = len(np.unique(i)) == i.size

    def read(self, vec: Array) -> Array:
        """The parameters' values in ``vec``: a view (made once per vector: the parameter
        vector and the gradient vectors are each updated in place) or a gathered copy."""
        if self.view is None:
            return vec[self.index]
        seen = self.views.get(id(vec))
        if seen is not None and seen[0] is vec:
            return seen[1]
        start, stride, n = self.view
        k = self.index.shape[0]
        if self.index.ndim == 1:
            view = vec[start : start + (k - 1) * stride + 1 : stride]
        else:
            view = vec[start : start + k * stride].reshape(k, stride)[:, :n]
        if len(self.views) >= _KEPT_VIEWS:
            self.views.clear()
        self.views[id(vec)] = (vec, view)  # vec is kept alive, so its id is not reused
        return view

    def put(self, vec: Array, values: Array) -> None:
        """vec[index] = values (``store``) or vec[index] += values."""
        if self.view is not None:
            view = self.read(vec)
            if self.store:
                view[...] = values
            else:
                view += values
        elif self.store:
            vec[self.index] = values
        elif self.unique:
            vec[self.index] += values
        else:
            np.add.at(vec, self.index, values)


# -- partials read off the rule once ----------------------------------------------------------


class _Opaque:
    """An argument for probing a partials rule: any use of its value raises TypeError."""

    __slots__ = ()

    def _used(self, *other: object) -> Any:
        raise TypeError("an opaque argument has no value")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __float__ = _used
    __array__ = __index__ = __int__ = _used
    __hash__ = object.__hash__


#: A partial the rule returns without computing: ("const", number), ("arg", j) for its
#: j-th argument, ("out",) for its result. None: the rule computes; it is called.
Fixed = tuple[Any, ...]


def _fixed_partials(op: Op, arity: int) -> list[Fixed] | None:
    """What ``op.partials`` returns at ``arity`` arguments, read off the rule by calling it
    once on opaque arguments; None if it computes with their values (or fails without)."""
    out, *xs = (_Opaque() for _ in range(arity + 1))
    try:
        ps = tuple(op.partials(NUMPY, out, *xs))
    except Exception:  # the rule uses the values
        return None
    fixed: list[Fixed] = []
    for p in ps:
        if p is out:
            fixed.append(("out",))
        elif any(p is x for x in xs):
            fixed.append(("arg", next(j for j, x in enumerate(xs) if p is x)))
        elif p.__class__ in (float, int):
            fixed.append(("const", float(p)))
        else:
            return None
    return fixed if len(fixed) == arity else None


# -- groups ----------------------------------------------------------------------------------


class _FirstWrites:
    """The backward pass simulated at plan time, write by write in its order: a write is an
    assignment if none of its rows was written before (and it repeats none), else an
    addition; rows added to (or read) before any write must be zeroed first."""

    def __init__(self, n: int) -> None:
        self.written = np.zeros(n, dtype=bool)
        self.zero = np.zeros(n, dtype=bool)

    def write(self, index: Index, distinct: bool = True) -> bool:
        seen = self.written[index]
        fresh = distinct and not seen.any()
        if not fresh:
            self.zero[index[~seen]] = True
        self.written[index] = True
        return fresh

    def read(self, index: Index) -> None:
        self.zero[index[~self.written[index]]] = True

    def reached(self, index: Index) -> bool:
        return bool(self.written[index].any())

    def zeroed(self, also: Index | None = None) -> list[slice]:
        """The rows to zero before the pass (plus ``also``), as runs of consecutive rows."""
        zero = self.zero.copy()
        if also is not None:
            zero[also] = True
        rows = np.flatnonzero(zero)
        if not len(rows):
            return []
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        return [slice(int(r[0]), int(r[-1]) + 1) for r in np.split(rows, breaks)]


@dataclass
class Group:
    """Instructions of one level, op and arity, replayed together; results in rows
    ``out0 : out0 + k``."""

    op: Op
    out0: int
    k: int
    args: Index  # (arity, k) argument rows
    needs: list[bool]  # per argument position: whether its rows need a gradient
    needs_grad: bool = True
    wide: bool = False  # gathered as one (arity, k, B) array
    rows: list[Rows] = field(default_factory=list)  # narrow: per position
    scatter: Scatter | None = None  # wide, not a block
    block: slice | None = None  # wide: its arguments are these consecutive rows, in order
    block_store: bool = False  # wide block: the first write into its rows
    fixed: list[Fixed] | None = None  # the partials the rule returns without computing
    ones: Array | None = None  # wide, all partials fixed numbers: them, shaped (arity, 1, 1)

    def __post_init__(self) -> None:
        self.out = slice(self.out0, self.out0 + self.k)


@dataclass
class Layer:
    """A group of ``Dense`` instructions sharing their inputs: U = W H + b."""

    dense: Dense
    out0: int
    k: int
    weights: Block  # (k, n) parameter indices
    biases: Block  # (k,)
    inputs: Rows  # the n shared input rows
    inputs_need_grad: bool
    needs_grad: bool = True

    def __post_init__(self) -> None:
        self.out = slice(self.out0, self.out0 + self.k)


@dataclass
class Workspace:
    """One batch size's arrays: row values and gradients, the parameter gradient, and each
    group's gathered arguments (kept from the forward pass for the backward pass)."""

    vals: Array
    grads: Array
    pgrad: Array
    kept: list[Any]
    params: Array | None = None  # the parameter vector of the last forward pass
    constants: Any = None  # the constants last written into vals (the plan's own: None)


class Plan:
    """A tape made executable on a batch: grouped by level, replayed with NumPy.

    ``params``: the leaf slots holding the parameters, in the order of the parameter vector
    (their values and gradients are vectors, not rows); the other leaves are per-sample rows,
    in leaf order. ``wanted``: the leaves whose gradients are wanted.
    """

    def __init__(self, tape: Tape, params: range, wanted: range) -> None:
        self.tape = tape
        self.params = params
        self.n_params = len(params)
        n_leaves, n_code = tape.n_leaves, len(tape.code)
        first_const = n_leaves + n_code
        n_slots = first_const + len(tape.constants)
        is_param = [params.start <= s < params.stop for s in range(n_slots)]
        # which slots need a gradient: they depend on a wanted leaf and an output depends
        # on them (a node only a guard reads gets none, as eager mode's backward never
        # reaches it: grouped apart, so no zero gradient meets its partials, 0 · ∞ = nan)
        feeds = [False] * n_slots
        for s in tape.outputs:
            feeds[s] = True
        for i in range(n_code - 1, -1, -1):
            if feeds[n_leaves + i]:
                for a in tape.code[i][1]:
                    feeds[a] = True
        needs = [s < n_leaves and s in wanted for s in range(n_slots)]
        level = [0] * n_slots
        buckets: dict[tuple[int, str, int, bool], list[int]] = {}
        for i, (op, args) in enumerate(tape.code):
            s = n_leaves + i
            level[s] = 1 + max((level[a] for a in args), default=0)
            needs[s] = feeds[s] and any(needs[a] for a in args)
            buckets.setdefault((level[s], op.name, len(args), feeds[s]), []).append(i)
        order = [buckets[key] for key in sorted(buckets)]
        layer_of = [self._as_layer(tape, m, is_param) for m in order]
        # parameters read as rows: by element-wise groups, guards or as outputs
        read: set[int] = set()
        for members, layer in zip(order, layer_of, strict=True):
            if not layer:
                read.update(a for i in members for a in tape.code[i][1] if is_param[a])
        read.update(s for s in tape.outputs if is_param[s])
        read.update(s for g in tape.guards for s in (g[1], g[2]) if is_param[s])
        row = [-1] * n_slots
        sample_leaves = [s for s in range(n_leaves) if not is_param[s]]
        for r, s in enumerate(sample_leaves):
            row[s] = r
        self.n_sample = len(sample_leaves)
        self.param_rows = np.array(sorted(s - params.start for s in read), dtype=np.intp)
        self.param_key, _ = _key(self.param_rows)
        for r, p in enumerate(self.param_rows.tolist()):
            row[params.start + p] = self.n_sample + r
        nxt = self.n_sample + len(self.param_rows)

        def place(a: int) -> int:  # where an argument lives: leaf order, then result rows
            return a if a < n_leaves else n_leaves + row[a] if row[a] >= 0 else n_slots + a

        for members in order:
            # in the order of their arguments: a layer's neurons in parameter order, an
            # activation's results in the order of the layer it reads (slices, not gathers)
            members.sort(key=lambda i: [place(a) for a in tape.code[i][1]])
            for i in members:
                row[n_leaves + i] = nxt
                nxt += 1
        self.n_grad_rows = nxt
        for c in range(first_const, n_slots):
            row[c] = nxt
            nxt += 1
        self.first_const, self.n_rows = self.n_grad_rows, nxt
        self.row = row
        self.groups: list[Group | Layer] = []
        for members, layer in zip(order, layer_of, strict=True):
            out0 = row[n_leaves + members[0]]
            need = any(needs[n_leaves + i] for i in members)
            if layer:
                self.groups.append(self._layer(tape, members, out0, need, needs))
                continue
            op = tape.code[members[0]][0]
            slots = np.array([tape.code[i][1] for i in members], dtype=np.intp).T
            args = np.array(row, dtype=np.intp)[slots]
            g = Group(op, out0, len(members), args, [any(needs[a] for a in p) for p in slots])
            g.needs_grad = need
            g.wide = len(slots) > _NARROW
            g.fixed = _fixed_partials(op, len(slots))
            if g.wide:
                flat = args.ravel()
                if len(flat) > 1 and (np.diff(flat) == 1).all():
                    g.block = slice(int(flat[0]), int(flat[-1]) + 1)
                elif need:
                    g.scatter = _scatter_rule(args)
                if g.fixed is not None and all(f[0] == "const" for f in g.fixed):
                    g.ones = np.array([f[1] for f in g.fixed]).reshape(-1, 1, 1)
            else:
                g.rows = [Rows(a) for a in args]
            self.groups.append(g)
        out_rows = np.array([row[s] for s in tape.outputs], dtype=np.intp)
        self.outputs = out_rows
        self._seed = Rows(out_rows) if len(np.unique(out_rows)) == len(out_rows) else None
        self.constants = np.array(tape.constants, dtype=np.float64).reshape(-1, 1)
        kinds: dict[tuple[str, bool], list[tuple[int, int]]] = {}
        for symbol, left, right, result in tape.guards:
            kinds.setdefault((symbol, result), []).append((row[left], row[right]))
        #: (comparison, left rows, right rows, traced result) per kind of guard
        self.guard_checks: list[tuple[Callable[[Any, Any], Any], Index, Index, bool]] = []
        for (symbol, result), pairs in kinds.items():
            left, right = np.array(pairs, dtype=np.intp).T
            self.guard_checks.append((COMPARISONS[symbol], left, right, result))
        self._plan_writes()
        self._workspaces: dict[int, Workspace] = {}

    def _plan_writes(self) -> None:
        """Decide, in the backward pass's order, which writes assign (see _FirstWrites),
        which rows and parameters to zero first, and which groups receive no gradient."""
        rows, params = _FirstWrites(self.n_rows), _FirstWrites(self.n_params)
        if self._seed is not None:
            self._seed.store = rows.write(self.outputs)
        else:
            rows.write(self.outputs, distinct=False)
        for g in reversed(self.groups):
            out = np.arange(g.out0, g.out0 + g.k)
            if not g.needs_grad or not rows.reached(out):
                g.needs_grad = False
                continue
            rows.read(out)
            if isinstance(g, Layer):
                g.weights.store = params.write(g.weights.index.ravel(), g.weights.unique)
                g.biases.store = params.write(g.biases.index, g.biases.unique)
                if g.inputs_need_grad:
                    g.inputs.store = rows.write(g.inputs.index, g.inputs.distinct or g.inputs.one)
            elif g.wide:
                if g.block is not None:
                    g.block_store = rows.write(g.args.ravel())
                else:
                    rows.write(g.args.ravel(), distinct=False)
            else:
                for r, need in zip(g.rows, g.needs, strict=True):
                    if need:
                        r.store = rows.write(r.index, r.distinct or r.one)
        self.param_rows_store = params.write(self.param_rows)
        rows.read(np.arange(self.n_sample + len(self.param_rows)))
        self.zero_rows = rows.zeroed()
        self.zero_params = params.zeroed(np.flatnonzero(~params.written))

    def _as_layer(self, tape: Tape, members: list[int], is_param: list[bool]) -> bool:
        """Whether a group runs as one layer: a Dense op whose weights and biases are
        parameters and whose inputs are the same for all its instructions."""
        op, args = tape.code[members[0]]
        if op.dense is None or len(args) < 3 or len(args) % 2 == 0:
            return False
        n = len(args) // 2
        first = args[n : 2 * n]
        for i in members:
            a = tape.code[i][1]
            if a[n : 2 * n] != first or not all(is_param[s] for s in (*a[:n], a[-1])):
                return False
        return not any(is_param[s] for s in first)

    def _layer(
        self, tape: Tape, members: list[int], out0: int, need: bool, needs: list[bool]
    ) -> Layer:
        op, args = tape.code[members[0]]
        assert op.dense is not None
        n = len(args) // 2
        start = self.params.start
        w = np.array([tape.code[i][1][:n] for i in members], dtype=np.intp) - start
        b = np.array([tape.code[i][1][-1] for i in members], dtype=np.intp) - start
        h = np.array([self.row[s] for s in args[n : 2 * n]], dtype=np.intp)
        inputs_need = any(needs[s] for s in args[n : 2 * n])
        return Layer(
            op.dense,
            out0,
            len(members),
            Block(w, self.n_params),
            Block(b, self.n_params),
            Rows(h),
            inputs_need,
            need,
        )

    def _workspace(self, batch: int) -> Workspace:
        """Work arrays for a batch size, reused across calls (a few sizes are kept)."""
        work = self._workspaces.pop(batch, None)
        if work is None:
            work = Workspace(
                vals=np.empty((self.n_rows, batch)),
                grads=np.empty((self.n_rows, batch)),  # constants: ignored
                pgrad=np.empty(self.n_params),
                kept=[None] * len(self.groups),
                constants=(),  # none written yet
            )
        self._workspaces[batch] = work  # most recently used last
        if len(self._workspaces) > _KEPT_WORKSPACES:
            del self._workspaces[next(iter(self._workspaces))]
        return work

    def forward(
        self, params: Array, rows: Array, constants: Array | None, samples: Sequence[int]
    ) -> Workspace:
        """Every row's values (``.vals``, shape (rows, B)) from the parameter vector (P,) and
        the per-sample leaf rows (leaves, B)."""
        work = self._workspace(rows.shape[1])
        vals, kept = work.vals, work.kept
        work.params = params
        if self.n_sample:
            vals[: self.n_sample] = rows
        if len(self.param_rows):
            vals[self.n_sample : self.n_sample + len(self.param_rows)] = params[
                self.param_key, None
            ]
        if constants is not None or work.constants is not None:  # the plan's own: once
            vals[self.first_const :] = self.constants if constants is None else constants
            work.constants = constants
        with np.errstate(all="ignore"):  # overflow gives ±inf, as in eager mode
            for i, g in enumerate(self.groups):
                out = g.out
                if isinstance(g, Layer):
                    h = g.inputs.read(vals)
                    kept[i] = h
                    vals[out] = g.dense.forward(
                        g.weights.read(params), h, g.biases.read(params)[:, None]
                    )
                elif g.wide:
                    if g.block is not None:
                        xs = vals[g.block].reshape(*g.args.shape, -1)
                    else:
                        xs = np.take(vals, g.args, axis=0)
                    kept[i] = xs
                    if g.op.domains:
                        _check_domain(g.op, list(xs), samples)
                    vals[out] = _forward(g.op, xs, g.k)
                else:
                    xs_n = [r.read(vals) for r in g.rows]
                    kept[i] = xs_n
                    if g.op.domains:
                        _check_domain(g.op, xs_n, samples)
                    vals[out] = _forward(g.op, xs_n, g.k)
        if self.tape.guards:
            self._check_guards(vals, samples)
        return work

    def backward(self, work: Workspace, seed: Array, samples: Sequence[int]) -> tuple[Array, Array]:
        """(gradient rows of the per-sample leaves (leaves, B), the parameter gradient summed
        over the batch (P,)), given ∂L/∂output rows ``seed``."""
        vals, grads, pgrad = work.vals, work.grads, work.pgrad
        for z in self.zero_rows:
            grads[z] = 0.0
        for z in self.zero_params:
            pgrad[z] = 0.0
        if self._seed is not None:
            self._seed.put(grads, seed)
        else:
            np.add.at(grads, self.outputs, seed)  # an output listed twice is seeded twice
        with np.errstate(divide="raise", invalid="ignore", over="ignore"):
            for i in range(len(self.groups) - 1, -1, -1):
                g = self.groups[i]
                if not g.needs_grad:
                    continue
                d = grads[g.out]
                if isinstance(g, Layer):
                    h = work.kept[i]
                    g.weights.put(pgrad, g.dense.grad_weights(d, h))
                    g.biases.put(pgrad, g.dense.grad_bias(d))
                    if g.inputs_need_grad:
                        assert work.params is not None
                        w = g.weights.read(work.params)
                        g.inputs.put(grads, g.dense.grad_inputs(d, w))
                elif g.wide:
                    self._backward_wide(g, vals, grads, d, work.kept[i], samples)
                else:
                    self._backward_group(g, vals, grads, d, work.kept[i], samples)
        if len(self.param_rows):
            q = grads[self.n_sample : self.n_sample + len(self.param_rows)].sum(axis=1)
            if self.param_rows_store:
                pgrad[self.param_key] = q
            else:
                pgrad[self.param_key] += q  # distinct (sorted) parameters
        return grads[: self.n_sample], pgrad

    def _backward_group(
        self, g: Group, vals: Array, grads: Array, d: Array, xs: Any, samples: Sequence[int]
    ) -> None:
        """∂L/∂xᵢ += ∂L/∂out · ∂out/∂xᵢ for every instruction of the group, on the batch."""
        out = vals[g.out]
        if g.fixed is None:
            try:
                partials = _partials(g.op, out, xs, g.k)
            except ArithmeticError as error:
                raise _undefined_derivative(g, list(xs), samples) from error
            for j, p in enumerate(partials):
                if g.needs[j]:
                    g.rows[j].put_product(grads, d, p)
            return
        for j, f in enumerate(g.fixed):
            if g.needs[j]:
                p = f[1] if f[0] == "const" else out if f[0] == "out" else xs[f[1]]
                g.rows[j].put_product(grads, d, p)

    def _backward_wide(
        self, g: Group, vals: Array, grads: Array, d: Array, xs: Array, samples: Sequence[int]
    ) -> None:
        """The same for a wide group, its (arity, k, B) contributions added at once."""
        if g.ones is not None:  # fixed numbers: no rule call, no per-argument work
            rows = d[None] if (g.ones == 1.0).all() else g.ones * d
        else:
            out = vals[g.out]
            try:
                partials = _partials(g.op, out, xs, g.k)
            except ArithmeticError as error:
                raise _undefined_derivative(g, list(xs), samples) from error
            rows = np.empty(xs.shape)
            for j, p in enumerate(partials):
                rows[j] = p
            rows *= d
        if g.block is not None:
            target = grads[g.block].reshape(xs.shape)
            if g.block_store:
                target[...] = rows
            else:
                target += rows
        else:
            assert g.scatter is not None
            g.scatter(grads, np.broadcast_to(rows, xs.shape))

    def _check_guards(self, vals: Array, samples: Sequence[int]) -> None:
        """Every guard on the whole batch: one array comparison per kind of guard (symbol
        and traced result) on all of them; if one fails, the first failing guard (in the
        trace's order) is named with its first failing sample."""
        for compare, left, right, result in self.guard_checks:
            holds = compare(vals[left], vals[right])
            if not (holds.all() if result else not holds.any()):
                self._name_failed_guard(vals, samples)

    def _name_failed_guard(self, vals: Array, samples: Sequence[int]) -> None:
        for symbol, left, right, result in self.tape.guards:
            holds = COMPARISONS[symbol](vals[self.row[left]], vals[self.row[right]]) == result
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
        raise DataDependenceError("compiled: a guard failed on this batch")  # (not reached)


def _forward(op: Op, xs: Any, k: int) -> Any:
    """The op's forward rule on a group's arguments (each (k, B) or (1, B)); for a wide
    group (one (arity, k, B) array) of a variadic op, its ``stacked`` rule if it has one.

    A single element (k = B = 1, e.g. a 3-argument sum) is computed on Python floats with the
    float backend — the same rule, without NumPy's per-call overhead.
    """
    if op.stacked is not None and isinstance(xs, np.ndarray):
        return op.stacked(xs)
    if k == 1 and xs[0].shape[-1] == 1:
        try:
            return op.forward(FLOAT, *_floats(xs))
        except OverflowError:
            pass  # NumPy gives ±inf, as eager mode does
    return op.forward(NUMPY, *xs)


def _partials(op: Op, out: Array, xs: Any, k: int) -> tuple[Any, ...]:
    """The op's partials rule; ArithmeticError where a derivative divides by zero."""
    if k == 1 and xs[0].shape[-1] == 1:
        return tuple(op.partials(FLOAT, float(out[0, 0]), *_floats(xs)))
    return tuple(op.partials(NUMPY, out, *xs))


def _floats(xs: Any) -> list[float]:
    """A single element's arguments as floats (a wide group's are one gathered array)."""
    if isinstance(xs, np.ndarray):
        return xs.ravel().tolist()  # type: ignore[no-any-return]
    return [float(x[0, 0]) for x in xs]


def _check_domain(op: Op, xs: list[Any], samples: Sequence[int]) -> None:
    """The op's domain tests on the whole arrays at once; the first failing element is
    named with its sample and the op's own message."""
    for domain in op.domains:
        bad = np.asarray(domain.fails(NUMPY, *xs))
        if bad.any():
            full = np.broadcast_arrays(bad, *xs)
            i = int(np.argmax(full[0].ravel()))
            args = [float(x.ravel()[i]) for x in full[1:]]
            message = domain.message.format(*args)
            batch = full[0].shape[-1]
            raise domain.error(f"compiled: sample {samples[i % batch]}: {message}")


def _undefined_derivative(g: Group, xs: list[Any], samples: Sequence[int]) -> ArithmeticError:
    """Find the element whose local derivative divides by zero (as eager mode's errors)."""
    full = np.broadcast_arrays(*xs)
    batch = full[0].shape[-1]
    columns = zip(*(x.ravel().tolist() for x in full), strict=True)
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
