"""The public API of the compiled path: :func:`compile_fn` and :func:`compile_loss`."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from autograd_mini.compiled.plan import Array, Plan
from autograd_mini.compiled.trace import (
    OutsideNumbers,
    OutsideValues,
    Tape,
    joined,
    output_values,
    trace,
    traced_leaf,
)
from autograd_mini.engine import Value

__all__ = [
    "Batch",
    "BatchResult",
    "CompiledFunction",
    "CompiledLoss",
    "FunctionResult",
    "Step",
    "compile_fn",
    "compile_loss",
]

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
    ) -> None:
        self.f = f
        self.params = list(params)
        self.n_inputs = len(example)
        tape = self._trace(example)
        # the parameters are a vector; gradients wanted for parameters and inputs
        self.plan = Plan(tape, params=range(len(self.params)), wanted=range(tape.n_leaves))
        self.outside = OutsideNumbers(f)
        self.outside_values = OutsideValues()
        self.outside_values.add(tape)

    def _trace(self, sample: Sequence[float]) -> Tape:
        inputs = [traced_leaf(float(x)) for x in sample]
        labels = [f"parameter #{i}" for i in range(len(self.params))]
        labels += [f"input x[{i}]" for i in range(len(inputs))]
        return trace(lambda: self.f(*inputs), [*self.params, *inputs], labels)

    def __call__(self, batch: Sequence[Sequence[float]] | Array) -> FunctionResult:
        xs = as_batch(batch, self.n_inputs, "compile_fn")
        self.outside_values.check()
        self.outside.check()
        samples = range(xs.shape[0])
        pvec = np.array([p.data for p in self.params], dtype=np.float64)
        work = self.plan.forward(pvec, np.ascontiguousarray(xs.T), None, samples)  # guards
        vals = work.vals
        seed = np.ones((len(self.plan.outputs), len(xs)))
        input_grads, pgrad = self.plan.backward(work, seed, samples)
        return FunctionResult(
            values=vals[self.plan.outputs].T.copy(),
            grads=(pgrad / len(xs)).tolist(),
            input_grads=input_grads.T.copy(),
        )


def compile_fn(
    f: Callable[..., Any],
    params: Sequence[Value],
    example_inputs: Sequence[float],
) -> CompiledFunction:
    """Trace ``f(*inputs)`` once at ``example_inputs`` and return a batch version of it.

    ``f`` takes one Value per input and returns a Value or a list of Values; ``params`` are
    Values f uses (read at each call, so updating ``p.data`` is seen). ``compiled(batch)``
    takes a (B, inputs) batch and returns a :class:`FunctionResult`. Any other leaf Value f
    uses is a constant of the trace, checked at every call. Data dependence is guarded
    or refused as :mod:`autograd_mini.compiled` explains.
    """
    return CompiledFunction(f, params, example_inputs)


def as_batch(batch: Any, width: int, who: str) -> Array:
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


@dataclass
class Batch:
    """A batch checked and converted by :meth:`CompiledLoss.prepare`: the inputs (B, inputs)
    and as rows (inputs, B), the targets, and (after the first run) the samples grouped by
    the structure of their loss."""

    xs: Array
    rows: Array
    ys: list[Any]
    groups: list[tuple[_LossKind, list[int], Array]] | None = None
    joint: _Joint | None = None  # one loss structure for all its samples: the joint replay


@dataclass
class Step:
    """One :meth:`CompiledLoss.run`: the objective ``loss``, its gradient ``grads`` (P,),
    the model's ``outputs`` (outputs, B) and the per-sample ``losses`` (B,)."""

    loss: float
    grads: Array
    outputs: Array
    losses: Array


#: The penalty's per-sample rows (it has none; one column) and its seed.
_NO_ROWS, _ONE = np.empty((0, 1)), np.ones((1, 1))
_NO_ROWS.flags.writeable = _ONE.flags.writeable = False


class _LossKind(NamedTuple):
    plan: Plan
    structure: tuple[Any, ...]
    tape: Tape


class _Joint(NamedTuple):
    """A batch whose samples all have one loss structure, replayed as one plan: the model's
    tape followed by the loss's (:func:`~autograd_mini.compiled.trace.joined`), with its
    constants per sample, the rows of the model's outputs and the seed 1/B."""

    plan: Plan
    constants: Array
    outputs: Array
    seed: Array


class CompiledLoss:
    """``loss(model(x), t)`` traced once and replayed per batch; see :func:`compile_loss`."""

    def __init__(
        self,
        model: Any,
        loss: Callable[[Any, Any], Value],
        x: Any,
        y: Any,
        penalty: Callable[[list[Value]], Value] | None = None,
    ) -> None:
        self.model, self.loss = model, loss
        self.params: list[Value] = list(model.parameters())
        self.n_inputs = len(x) if _is_seq(x) else 1
        self.single = True  # whether the model returns one Value (not a list)
        #: Leaf Values from outside any of its traces, and the loss's and penalty's own
        #: closure and global numbers: checked at every call.
        self.outside_values = OutsideValues()
        self.outside = [OutsideNumbers(fn) for fn in (loss, penalty) if fn is not None]
        tape = self._trace_model(x)
        self.model_tape = tape
        every = range(len(self.params))
        self.model_plan = Plan(tape, params=every, wanted=every)
        self.penalty = penalty
        self.penalty_plan = None if penalty is None else Plan(self._trace_penalty(), every, every)
        self.n_outputs = len(tape.outputs)
        self._kinds: dict[tuple[Any, ...], _LossKind] = {}
        self._joint: dict[tuple[Any, ...], tuple[Plan, Array] | None] = {}
        self._by_target: dict[Any, tuple[_LossKind, list[float]]] = {}
        self._last_keys: tuple[Any, ...] = ()
        self._last_groups: list[tuple[_LossKind, list[int], Array]] = []
        self._loss_kind(y, self._eager_outputs(x))

    # tracing

    def _inputs(self, x: Any) -> list[Value]:
        return [traced_leaf(float(v)) for v in (x if _is_seq(x) else [x])]

    def _trace_model(self, x: Any) -> Tape:
        inputs = self._inputs(x)
        labels = [_param_label(i, p) for i, p in enumerate(self.params)]
        labels += [f"input x[{i}]" for i in range(len(inputs))]

        def run() -> Any:
            out = self.model(inputs)
            self.single = isinstance(out, Value)
            return out

        return self.outside_values.add(trace(run, [*self.params, *inputs], labels))

    def _eager_outputs(self, x: Any) -> list[float]:
        return [v.data for v in output_values(self.model(self._inputs(x)))]

    def _trace_penalty(self) -> Tape:
        assert self.penalty is not None
        penalty = self.penalty
        labels = [_param_label(i, p) for i, p in enumerate(self.params)]
        return self.outside_values.add(trace(lambda: penalty(self.params), self.params, labels))

    def _trace_loss(self, target: Any, outputs: Sequence[float]) -> Tape:
        ys = [traced_leaf(v) for v in outputs]
        labels = [f"model output y[{i}]" for i in range(len(ys))]
        labels += [_param_label(i, p) for i, p in enumerate(self.params)]

        def run() -> Value:
            out = self.loss(ys[0] if self.single else ys, target)
            if not isinstance(out, Value):
                raise TypeError(f"compile_loss: the loss must return a Value, got {out!r}")
            return out

        return self.outside_values.add(trace(run, [*ys, *self.params], labels))

    def _loss_kind(self, target: Any, outputs: Sequence[float]) -> tuple[_LossKind, list[float]]:
        """The loss tape for this target value: traced once per distinct target, cached."""
        tape = self._trace_loss(target, outputs)
        kind = self._kinds.get(tape.structure)
        if kind is None:
            params = range(self.n_outputs, self.n_outputs + len(self.params))
            kind = _LossKind(Plan(tape, params, range(tape.n_leaves)), tape.structure, tape)
            self._kinds[tape.structure] = kind
        found = (kind, tape.constants)
        key = _freeze(target)
        if key is not None:
            self._by_target[key] = found
        return found

    # replay

    def __call__(self, xs_batch: Sequence[Any] | Array, ys_batch: Sequence[Any]) -> BatchResult:
        """Loss, gradients and outputs of the batch; see :class:`BatchResult`."""
        pvec = np.array([p.data for p in self.params], dtype=np.float64)
        step = self.run(pvec, self.prepare(xs_batch, ys_batch))
        return BatchResult(
            loss=step.loss,
            grads=step.grads.tolist(),
            outputs=step.outputs[0].tolist() if self.single else step.outputs.T.tolist(),
            losses=step.losses.tolist(),
        )

    def prepare(self, xs_batch: Sequence[Any] | Array, ys_batch: Sequence[Any]) -> Batch:
        """Check a batch and convert it once, for any number of :meth:`run` calls."""
        xs = as_batch(xs_batch, self.n_inputs, "compile_loss")
        if len(ys_batch) != len(xs):
            raise ValueError(f"compile_loss: {len(xs)} inputs but {len(ys_batch)} targets")
        return Batch(xs, np.ascontiguousarray(xs.T), list(ys_batch))

    def run(self, params: Array, batch: Batch) -> Step:
        """The batch objective and its gradient at the parameter vector ``params`` (P,), in
        the order of ``model.parameters()`` (the Values' ``.data`` are not read). The numbers
        from outside the trace are checked first, at every call."""
        self.outside_values.check()
        for numbers_read in self.outside:
            numbers_read.check()
        size = len(batch.xs)
        samples = range(size)
        if batch.groups is None:  # the samples grouped by the structure of their loss
            found: list[Array] = []

            def outputs_now() -> Array:  # traced for a new target: at the model's outputs
                if not found:
                    work = self.model_plan.forward(params, batch.rows, None, samples)
                    found.append(work.vals[self.model_plan.outputs])
                return found[0]

            batch.groups = self._kind_groups(batch.ys, outputs_now)
            batch.joint = self._joint_replay(batch) if len(batch.groups) == 1 else None
        if batch.joint is not None:
            plan, constants, out_rows, seed = batch.joint
            jwork = plan.forward(params, batch.rows, constants, samples)
            outputs = jwork.vals[out_rows]
            losses = jwork.vals[plan.outputs[0]].copy()
            grads = plan.backward(jwork, seed, samples)[1]
        else:
            outputs, losses, grads = self._separately(params, batch)
        total = float(losses.sum() / size)
        if self.penalty_plan is not None:
            pwork = self.penalty_plan.forward(params, _NO_ROWS, None, [0])
            total += float(pwork.vals[self.penalty_plan.outputs[0], 0])
            grads = grads + self.penalty_plan.backward(pwork, _ONE, [0])[1]
        else:
            grads = grads.copy()  # not the plan's work array
        return Step(total, grads, outputs, losses)

    def _joint_replay(self, batch: Batch) -> _Joint | None:
        """The joint replay of a batch of one loss structure (None where the loss compares
        its numbers — its guards' messages name the model's outputs — or the model returns
        a leaf)."""
        assert batch.groups is not None
        kind, _, constants = batch.groups[0]
        if kind.structure not in self._joint:
            found: tuple[Plan, Array] | None = None
            model = self.model_tape
            nodes = range(model.n_leaves, model.n_leaves + len(model.code))
            if all(s in nodes for s in model.outputs) and not kind.tape.guards:
                links = [*model.outputs, *range(len(self.params))]
                tape, outs = joined(model, kind.tape, links)
                every = range(len(self.params))
                plan = Plan(tape, params=every, wanted=every)
                found = (plan, np.array([plan.row[s] for s in outs], dtype=np.intp))
            self._joint[kind.structure] = found
        joint = self._joint[kind.structure]
        if joint is None:
            return None
        plan, out_rows = joint
        size = len(batch.xs)
        own = np.array(self.model_tape.constants, dtype=np.float64).reshape(-1, 1)
        columns = np.vstack([np.broadcast_to(own, (len(own), size)), constants])
        return _Joint(plan, columns, out_rows, np.full((1, size), 1.0 / size))

    def _separately(self, params: Array, batch: Batch) -> tuple[Array, Array, Array]:
        """(outputs, losses, gradient) replaying the model, then each loss structure on its
        samples."""
        assert batch.groups is not None
        size = len(batch.xs)
        samples = range(size)
        work = self.model_plan.forward(params, batch.rows, None, samples)
        outputs = work.vals[self.model_plan.outputs]
        grads = np.zeros(len(self.params))
        losses = np.empty(size)
        d_outputs = np.empty_like(outputs)
        for kind, columns, constants in batch.groups:
            lwork = kind.plan.forward(params, outputs[:, columns], constants, columns)
            losses[columns] = lwork.vals[kind.plan.outputs[0]]
            seed = np.full((1, len(columns)), 1.0 / size)
            d_rows, lgrad = kind.plan.backward(lwork, seed, columns)
            d_outputs[:, columns] = d_rows
            grads += lgrad
        grads += self.model_plan.backward(work, d_outputs, samples)[1]
        return outputs, losses, grads

    def _kind_groups(
        self, ys: Sequence[Any], outputs: Callable[[], Array]
    ) -> list[tuple[_LossKind, list[int], Array]]:
        """Samples grouped by the structure of their loss tape, with per-sample constants.

        The grouping of the previous call is reused when the targets are the same; the
        model's ``outputs()`` are computed only if a target's loss is still to be traced.
        """
        keys = tuple(map(_freeze, ys))
        if keys == self._last_keys and None not in keys:
            return self._last_groups
        kinds: dict[tuple[Any, ...], _LossKind] = {}
        columns: dict[tuple[Any, ...], list[int]] = {}
        constants: dict[tuple[Any, ...], list[list[float]]] = {}
        for n, (t, key) in enumerate(zip(ys, keys, strict=True)):
            found = self._by_target.get(key)
            kind, consts = found if found else self._loss_kind(t, outputs()[:, n].tolist())
            kinds[kind.structure] = kind
            columns.setdefault(kind.structure, []).append(n)
            constants.setdefault(kind.structure, []).append(consts)
        groups = []
        for s, cols in columns.items():
            rows = np.array(constants[s], dtype=np.float64).reshape(len(cols), -1).T
            groups.append((kinds[s], cols, rows))
        self._last_keys, self._last_groups = keys, groups
        return groups


def compile_loss(
    model: Any,
    loss: Callable[[Any, Any], Value],
    x_example: Any,
    y_example: Any,
    *,
    penalty: Callable[[list[Value]], Value] | None = None,
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
    Data dependence is guarded or refused as :mod:`autograd_mini.compiled` explains.
    """
    return CompiledLoss(model, loss, x_example, y_example, penalty)


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
