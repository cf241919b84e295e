"""A training loop: mini-batch gradient descent with a progress bar, history and safety checks.

For every batch B of samples (xₙ, tₙ) the objective is the mean of a per-sample loss,

    L = (1/|B|) Σₙ∈B loss(y(xₙ), tₙ),

then ``L.backward()`` fills ∂L/∂w for every weight and bias, and the optimizer updates them
(w ← w − ρ ∂L/∂w for plain SGD). One epoch visits every sample once (in a fresh random order
when ``shuffle`` is on and the batches are smaller than the data set).

The progress bar is tqdm's (``pip install 'autograd-mini[examples]'``; imported only when
``progress=True``). If the loss becomes nan or ±inf, :func:`fit` stops *before* updating
the weights with :class:`TrainingDivergedError`, which names the epoch and batch and carries
the history so far; it stops the same way, naming the parameter, if an update itself makes a
weight nan or ±inf (a finite loss with an overflowing step), so a broken model is never
returned as trained.

With ``compiled=True`` the loss is traced once by :func:`autograd_mini.compiled.compile_loss`
and replayed over each whole batch (the NumPy fast path); the updates are the same. While it
trains, the parameters are held in one NumPy array and updated there (SGD and Adam, by the
same rules elementwise) when the optimizer holds exactly the model's parameters in the
model's order; they are written back to the Values (``.data``, and ``.grad`` with the last
batch's gradient) when :func:`fit` returns or stops. Any other optimizer (some of the
parameters, another order) updates its own from the Values' ``.grad``, as in eager mode.
"""

from __future__ import annotations

import math
import numbers
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from autograd_mini import losses
from autograd_mini.engine import Value, no_grad
from autograd_mini.optim import Adam, Optimizer

__all__ = ["LOSSES", "History", "TrainingDivergedError", "evaluate", "fit"]

Output = Any  # a Value, or a list of Values for several outputs
LossFn = Callable[[Output, Any], Value]
FloatOutput = float | list[float]
AccuracyFn = Callable[[FloatOutput, Any], bool]


class Model(Protocol):
    """What :func:`fit` needs: a callable with ``parameters()`` (any nn Module)."""

    def __call__(self, x: Sequence[float]) -> Output: ...

    def parameters(self) -> list[Value]: ...


#: Loss records by name, for ``fit(..., loss="cross_entropy")`` and the command line: the
#: registry :data:`autograd_mini.losses.REGISTRY` (each record is callable as the loss).
LOSSES = losses.REGISTRY


@dataclass
class History:
    """What :func:`fit` measured, one entry per completed epoch.

    ``loss[e]``: the mean per-sample training loss of epoch e+1 (each batch's loss taken
    before its update, weighted by batch size). ``accuracy[e]``: the fraction of training
    samples classified correctly in that epoch, measured the same way (empty when no
    accuracy applies, e.g. for regression). ``seconds[e]``: the epoch's wall time.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """The number of completed epochs."""
        return len(self.loss)

    def as_dict(self) -> dict[str, list[float]]:
        """The history as plain lists (JSON-ready)."""
        return {
            "loss": list(self.loss),
            "accuracy": list(self.accuracy),
            "seconds": list(self.seconds),
        }


class TrainingDivergedError(FloatingPointError):
    """The loss became nan or infinite, or an update made a parameter so; ``epoch``/``batch``
    are 1-based, ``history`` is the record of the epochs completed before.

    ``parameter`` is None when the loss itself was not finite (training stopped before that
    batch's update), else the label of the parameter the update made non-finite (``loss`` is
    then that batch's finite loss)."""

    def __init__(
        self,
        loss: float,
        epoch: int,
        batch: int,
        lr: float,
        history: History,
        parameter: tuple[str, float] | None = None,
    ) -> None:
        self.loss, self.epoch, self.batch, self.history = loss, epoch, batch, history
        self.parameter = None if parameter is None else parameter[0]
        if parameter is None:
            what = f"the loss became {loss} at epoch {epoch} (batch {batch}); training stopped "
            what += "before that update"
        else:
            name, value = parameter
            what = f"parameter {name} became {value} in the update of epoch {epoch} "
            what += f"(batch {batch}, loss {loss:g}); the model's weights are no longer usable"
        super().__init__(
            f"fit: {what}. Try a smaller learning rate (lr = {lr:g}) or standardized inputs."
        )


def _floats(out: Output) -> FloatOutput:
    if isinstance(out, Value):
        return out.data
    if isinstance(out, (int, float)):
        return float(out)
    return [_floats(o) for o in out]  # type: ignore[misc]


def _auto_accuracy(
    known: losses.Loss | None, output: FloatOutput, target: Any
) -> AccuracyFn | None:
    """The registered loss's accuracy rule, else one chosen from the output and the target."""
    if known is not None:
        return known.accuracy
    if isinstance(output, list) and isinstance(target, numbers.Integral):
        return losses.class_correct
    if isinstance(output, float) and target in (-1, 1):
        return losses.sign_correct
    return None


def _resolve_loss(loss: str | LossFn) -> tuple[LossFn, losses.Loss | None]:
    """The loss function and its registry record (None for an unregistered function)."""
    if isinstance(loss, str):
        named = losses.get(loss, "fit")
        return named.function, named
    if not callable(loss):
        raise TypeError(f"fit: loss must be a name or a function (output, target), got {loss!r}")
    known = losses.find(loss)
    return (loss if known is None else known.function), known


def _check_data(xs: Sequence[Any], ys: Sequence[Any]) -> None:
    if len(xs) != len(ys):
        raise ValueError(f"fit: {len(xs)} inputs but {len(ys)} targets")
    if len(xs) == 0:
        raise ValueError("fit: no training data (xs is empty)")


def _positive(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"fit: {name} must be a positive int, got {n!r}")
    return n


class _Accuracy:
    """Counts correct predictions; the rule is chosen on the first output it sees."""

    def __init__(self, rule: AccuracyFn | str | None, known: losses.Loss | None) -> None:
        self.rule, self.known, self.resolved = rule, known, rule != "auto"
        self.correct = self.seen = 0

    @property
    def wants_outputs(self) -> bool:
        """Whether :meth:`add` needs the outputs (a rule is to be chosen or applied)."""
        return not self.resolved or callable(self.rule)

    def add(self, outputs: Sequence[FloatOutput], targets: Sequence[Any]) -> None:
        if not self.resolved:
            self.rule = _auto_accuracy(self.known, outputs[0], targets[0])
            self.resolved = True
        if callable(self.rule):
            self.correct += sum(
                bool(self.rule(y, t)) for y, t in zip(outputs, targets, strict=True)
            )
            self.seen += len(outputs)

    def take(self) -> float | None:
        """The fraction correct since the last call (None without a rule); then reset."""
        value = self.correct / self.seen if self.seen else None
        self.correct = self.seen = 0
        return value


Penalty = Callable[[list[Value]], Value]


class _Batches(Protocol):
    """One way of running fit's batches (eager, compiled, compiled with the parameters in
    one array): for each batch :func:`_train` calls ``loss``, then — once the loss is known
    to be finite — ``accept``, then ``update``, then ``outputs`` if the meter wants them;
    ``close`` when training returns or stops."""

    def loss(self, lo: int, idx: list[int]) -> float:
        """The batch's objective on the samples ``idx`` (the batch starting at ``lo`` of
        the epoch's order); its gradients are computed here or in ``accept``."""

    def accept(self) -> None:
        """Make the batch's gradients the ones the update uses."""

    def update(self) -> tuple[str, float] | None:
        """One optimizer step; (label, value) of a parameter it made non-finite, else None."""

    def outputs(self) -> tuple[Sequence[FloatOutput], Sequence[Any]]:
        """The batch's float outputs and targets, for the accuracy meter."""

    def close(self) -> None:
        """Training returned or stopped."""


class _ValueBatches:
    """Batches whose gradients land in the parameters' ``.grad``: eager (the loss graph of
    the batch, ``backward()``) or ``compiled`` (a ``compile_loss`` replayed on the batch;
    None for eager)."""

    def __init__(
        self,
        model: Model,
        loss: LossFn,
        xs: Sequence[Any],
        ys: Sequence[Any],
        penalty: Penalty | None,
        opt: Optimizer,
        compiled: Any,
    ) -> None:
        self.model, self.loss_fn, self.xs, self.ys, self.penalty = model, loss, xs, ys, penalty
        self.opt, self.params, self.compiled = opt, model.parameters(), compiled
        self.fill: Callable[[], None] = _nothing
        self.outs: Sequence[FloatOutput] = []
        self.by: list[Any] = []

    def loss(self, lo: int, idx: list[int]) -> float:
        bx = [self.xs[i] for i in idx]
        self.by = [self.ys[i] for i in idx]
        self.opt.zero_grad()
        if self.compiled is not None:
            result = self.compiled(bx, self.by)
            self.outs, grads = list(result.outputs), result.grads
            self.fill = lambda: _set_grads(self.params, grads)
            return float(result.loss)
        outs = [self.model(x) for x in bx]
        total = losses.mean([self.loss_fn(o, t) for o, t in zip(outs, self.by, strict=True)])
        if self.penalty is not None:
            total = total + self.penalty(self.params)
        self.outs, self.fill = [_floats(o) for o in outs], total.backward
        return total.data

    def accept(self) -> None:
        self.fill()

    def update(self) -> tuple[str, float] | None:
        self.opt.step()
        return _non_finite(self.params)

    def outputs(self) -> tuple[Sequence[FloatOutput], Sequence[Any]]:
        return self.outs, self.by

    def close(self) -> None:
        pass


def _nothing() -> None:
    pass


def _set_grads(params: list[Value], grads: Any) -> None:
    for p, g in zip(params, grads, strict=True):
        p.grad = float(g)


class _VectorBatches:
    """fit(compiled=True) with the parameters in one array while it trains: the batches
    are prepared once when they are the same every epoch, the optimizer updates the array,
    and ``close`` writes it back to the Values (``.data``, and ``.grad`` with the last
    completed batch's gradient)."""

    def __init__(
        self, compiled: Any, params: list[Value], xs: Sequence[Any], ys: Sequence[Any],
        opt: Optimizer, fixed: bool,
    ) -> None:  # fmt: skip
        import numpy as np

        self.np, self.ys, self.opt, self.fixed = np, ys, opt, fixed
        self.compiled, self.params = compiled, params
        self.vec = np.array([p.data for p in self.params], dtype=np.float64)
        self.whole = self.compiled.prepare(xs, ys)
        self.prepared: dict[int, Any] = {}
        self.last: Any = None  # the gradient of the last completed batch
        self.result: Any = None
        self.batch: Any = None

    def loss(self, lo: int, idx: list[int]) -> float:
        batch = self.prepared.get(lo) if self.fixed else None
        if batch is None:
            if self.fixed and len(idx) == len(self.ys):
                batch = self.whole
            else:
                batch = self.compiled.prepare(self.whole.xs[idx], [self.ys[i] for i in idx])
            if self.fixed:
                self.prepared[lo] = batch
        self.batch, self.last = batch, None
        self.result = self.compiled.run(self.vec, batch)
        return float(self.result.loss)

    def accept(self) -> None:
        self.last = self.result.grads

    def update(self) -> tuple[str, float] | None:
        np, vec = self.np, self.vec
        self.opt.step_vector(vec, self.last, np)
        if np.isfinite(vec).all():
            return None
        i = int(np.argmin(np.isfinite(vec)))
        return (self.params[i].label or f"#{i}", float(vec[i]))

    def outputs(self) -> tuple[Sequence[FloatOutput], Sequence[Any]]:
        out = self.result.outputs
        return (out[0].tolist() if self.compiled.single else out.T.tolist()), self.batch.ys

    def close(self) -> None:
        grads = [0.0] * len(self.params) if self.last is None else self.last.tolist()
        for p, v, g in zip(self.params, self.vec.tolist(), grads, strict=True):
            p.data, p.grad = v, g
        self.opt.end_vector()


def _progress_bar(epochs: int, enabled: bool) -> Any:
    """tqdm's bar on stderr; None when disabled or when there is no stderr at all (pythonw,
    some services), where tqdm would fail on its first write."""
    if not enabled or sys.stderr is None:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(
            "fit(progress=True) shows a tqdm progress bar, but tqdm is not installed; "
            "install it with: pip install 'autograd-mini[examples]' (or pass progress=False)"
        ) from error
    return tqdm(total=epochs, desc="fit", unit="epoch")


def fit(
    model: Model,
    xs: Sequence[Any],
    ys: Sequence[Any],
    *,
    loss: str | LossFn,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    progress: bool = True,
    compiled: bool = False,
    shuffle: bool = True,
    seed: int = 0,
    accuracy: AccuracyFn | str | None = "auto",
    penalty: Penalty | None = None,
    schedule: Callable[[int], float] | None = None,
) -> History:
    """Train ``model`` on (xs, ys) and return its :class:`History`.

    ``loss``: a per-sample function ``loss(output, target) -> Value``, a name in
    :data:`LOSSES` (``"mse"``, ``"cross_entropy"``, ``"hinge"``, ``"bce"``) or its
    :class:`~autograd_mini.losses.Loss` record; the batch loss is its mean over the batch.
    ``optimizer``: default ``Adam(model.parameters(), lr=0.01)``. ``batch_size``: None for
    full-batch training. ``shuffle``/``seed``: the batch order of each epoch comes from
    ``random.Random(seed)``. ``accuracy``: ``"auto"`` (a registered loss's own rule: sign of
    the score for hinge, logit > 0 for ``bce``, arg-max for cross-entropy, none for ``mse``;
    for another function, arg-max for class-index targets, sign for ±1 targets), a function
    ``(float outputs, target) -> bool``, or None.
    ``compiled``: use :mod:`autograd_mini.compiled` (traced once, replayed per batch).
    ``penalty``: a function of the parameter list added once per batch to the objective,
    L = mean loss + penalty(parameters), e.g. L2 ``lambda ps: 1e-4 * add_n([p * p for p in
    ps])`` (part of the loss the history reports, unlike the optimizer's ``weight_decay``).
    ``schedule``: ``schedule(k)`` is the learning rate of the update made after k earlier
    ones (k = ``optimizer.steps``: 0, 1, … over all batches), set as ``optimizer.lr`` before
    it; None keeps ``optimizer.lr``.
    """
    loss_fn, known = _resolve_loss(loss)
    _check_data(xs, ys)
    epochs = _positive("epochs", epochs)
    n = len(xs)
    size = n if batch_size is None else min(_positive("batch_size", batch_size), n)
    opt = optimizer if optimizer is not None else Adam(model.parameters(), lr=0.01)
    if penalty is not None and not callable(penalty):
        raise TypeError(f"fit: penalty must be a function of the parameters, got {penalty!r}")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"fit: schedule must be a function of the step, got {schedule!r}")
    fixed = not (shuffle and size < n)  # the same batches, in the same order, every epoch
    traced: Any = None
    if compiled:
        from autograd_mini.compiled import (  # type: ignore[import-not-found,unused-ignore]
            compile_loss,  # the NumPy batch path
        )

        traced = compile_loss(model, loss_fn, xs[0], ys[0], penalty=penalty)
    params = model.parameters()
    batches: _Batches
    if compiled and opt.vectorized and _holds_exactly(opt, params):
        batches = _VectorBatches(traced, params, xs, ys, opt, fixed)
    else:
        batches = _ValueBatches(model, loss_fn, xs, ys, penalty, opt, traced)
    meter = _Accuracy(accuracy, known)
    return _train(batches, n, size, epochs, opt, fixed, seed, meter, schedule, progress)


def _holds_exactly(opt: Optimizer, params: list[Value]) -> bool:
    """Whether ``opt`` updates exactly ``params``, the same Values in the same order (the
    condition for holding them in one array: an optimizer of some of them updates those)."""
    return len(opt.params) == len(params) and all(
        a is b for a, b in zip(opt.params, params, strict=True)
    )


def _train(
    batches: _Batches,
    n: int,
    size: int,
    epochs: int,
    opt: Optimizer,
    fixed: bool,
    seed: int,
    meter: _Accuracy,
    schedule: Callable[[int], float] | None,
    progress: bool,
) -> History:
    """fit's loop: epochs of batches in the order of ``random.Random(seed)`` (reshuffled
    each epoch unless ``fixed``), the divergence checks, the schedule, the history."""
    rng = random.Random(seed)
    order = list(range(n))
    history = History()
    bar = _progress_bar(epochs, progress)
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            if not fixed:
                rng.shuffle(order)
            total = 0.0
            for b, lo in enumerate(range(0, n, size), 1):
                idx = order[lo : lo + size]
                value = batches.loss(lo, idx)
                if not math.isfinite(value):
                    raise TrainingDivergedError(value, epoch, b, opt.lr, history)
                batches.accept()
                if schedule is not None:
                    opt.lr = _learning_rate(schedule, opt.steps)
                bad = batches.update()
                if bad is not None:
                    raise TrainingDivergedError(value, epoch, b, opt.lr, history, bad)
                total += value * len(idx)
                if meter.wants_outputs:
                    meter.add(*batches.outputs())
            _record(history, total / n, meter.take(), time.perf_counter() - start, bar)
    finally:
        batches.close()
        if bar is not None:
            bar.close()
    return history


def _learning_rate(schedule: Callable[[int], float], k: int) -> float:
    lr = schedule(k)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"fit: schedule({k}) must be a positive number, got {lr!r}")
    return float(lr)


def _non_finite(params: list[Value]) -> tuple[str, float] | None:
    """(label, value) of the first parameter that is nan or ±inf, else None (a cheap scan:
    a few µs for hundreds of parameters, against ~0.3 ms for one sample's forward and back)."""
    for i, p in enumerate(params):
        if not math.isfinite(p.data):
            return (p.label or f"#{i}", p.data)
    return None


def _record(history: History, loss: float, acc: float | None, seconds: float, bar: Any) -> None:
    history.loss.append(loss)
    history.seconds.append(seconds)
    if acc is not None:
        history.accuracy.append(acc)
    if bar is not None:
        shown = {"loss": f"{loss:.4g}"}
        if acc is not None:
            shown["acc"] = f"{acc:.1%}"
        bar.set_postfix(shown, refresh=False)
        bar.update(1)


def evaluate(
    model: Model,
    xs: Sequence[Any],
    ys: Sequence[Any],
    *,
    loss: str | LossFn,
    accuracy: AccuracyFn | str | None = "auto",
) -> tuple[float, float | None]:
    """(mean loss, accuracy) of ``model`` on (xs, ys), without building a graph.

    ``accuracy`` is None when no accuracy rule applies (see :func:`fit`).
    """
    loss_fn, known = _resolve_loss(loss)
    _check_data(xs, ys)
    meter = _Accuracy(accuracy, known)
    with no_grad():
        outs = [model(x) for x in xs]
        value = losses.mean([loss_fn(o, t) for o, t in zip(outs, ys, strict=True)]).data
    meter.add([_floats(o) for o in outs], list(ys))
    return value, meter.take()
