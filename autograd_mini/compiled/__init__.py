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
   (:mod:`autograd_mini.ops`) once on those arrays, through :data:`NUMPY`, the table's
   NumPy backend (derived from the same elementary-function rows as the float backend).
   Backward: in reverse, each group calls the op's ``partials`` rule and adds δ · ∂out/∂xᵢ
   into its arguments' gradient rows
   (∂L/∂xᵢ += ∂L/∂out · ∂out/∂xᵢ, as in eager mode). No op's math is written here. Where
   the rule returns numbers or its own arguments without computing (``add``, ``sum``,
   ``mul``), that is read off the rule once, by calling it on opaque placeholders, and
   the rule is not called per batch; a gradient row's first contribution is assigned,
   not added to a zeroed row.

For :func:`compile_loss`, a batch whose samples all have one loss structure (a regression
target, ±1 classes) is replayed as one plan: the model's tape followed by the loss's.

Parameters are broadcast over the batch and their gradients summed over it, so the result
is the gradient of the batch mean L = (1/B) Σₙ loss(y(xₙ), tₙ), equal to eager mode's up to
floating-point rounding.

**Data dependence.** A traced tape is only valid if the function computes the same graph
for every sample. The compiled path is never silently wrong about that: every read of a
traced Value's number while tracing is either a guard checked on every sample of every
call, or a :class:`DataDependenceError` at trace time. The rules:

* Every comparison (``< <= > >=``, also through a saved method or ``operator.gt``,
  ``max``, ``sorted``) and every ``float()`` of a Value made while tracing (also
  ``math.exp(v)``, ``math.isfinite(v)``) is recorded as a *guard* (its operands and its
  result). Each call re-evaluates every guard on the whole batch; if one comes out
  differently for some sample, the call raises :class:`DataDependenceError` naming the
  comparison and the sample. So a Python ``if`` on a Value or a data-dependent loop that
  compares Values never reuses the wrong branch.
* Every other read of a traced Value's number is refused at trace time with
  :class:`DataDependenceError` naming the Value and the user's ``file:line``: ``.data``
  (also in ``sorted(key=lambda v: v.data)``), ``repr()``/``str()``/f-strings,
  ``backward()`` or ``local_grads`` inside the traced function (first-order gradients are
  numbers of the sample; ``backward(create_graph=True)`` through smooth ops builds Values
  and is traced), writing ``.data``, and a Value computed in ``no_grad()`` while tracing.
  The traced Values are a :class:`~autograd_mini.compiled.trace.TracedValue` (a Value
  subclass made by the engine while this thread traces) whose ``data`` lets only the
  engine's forward rules and comparisons through. ``bool(v)`` is always true and ``==`` is
  identity, as in eager mode: neither depends on the data.
* Numbers from outside the trace: a leaf Value the function uses that is not a parameter
  is checked at every call (a change raises :class:`DataDependenceError`; pass it among the
  parameters to have it read at every call); so are the plain numbers (int, float, bool)
  the traced function (``f``, the loss, the penalty) reads from its own closure or from
  module globals it names. Any other plain number is **frozen** at its value when traced:
  a number reached through a helper function or an attribute, and a parameter's ``.data``
  read in user code (``a * p.data`` keeps p's value of the trace; write ``a * p``). To
  change such a number, compile again.
* For :func:`compile_loss`, the loss is traced per distinct target value (cached), with the
  target as a plain number exactly as eager mode passes it, so targets may freely steer the
  loss's structure (a class index picking a logit, one-hot zeros skipped); samples whose
  loss tapes have the same structure are replayed together, with their constants per
  sample.

Tracing puts a recorder in this thread's modes (:mod:`autograd_mini.modes`) that the
engine reports comparisons and ``float()`` to, and whose Value subclass the engine gives
the nodes it makes; nothing is patched, and other threads computing with Values (or even
reading this trace's Values) meanwhile are not affected. Outside tracing the engine's
fast path is unchanged.

Domain errors (log of a number ≤ 0, division by zero, ...) are found with the op table's
``domains`` tests evaluated on the group's whole array, and raised with the sample's index.
The package has three modules: :mod:`~autograd_mini.compiled.trace` (graph → tape),
:mod:`~autograd_mini.compiled.plan` (tape → grouped NumPy replay) and
:mod:`~autograd_mini.compiled.api` (:func:`compile_fn`, :func:`compile_loss`). NumPy is
imported only by this package (``pip install 'autograd-mini[fast]'``).
"""

from __future__ import annotations

from autograd_mini.compiled.api import (
    BatchResult,
    CompiledFunction,
    CompiledLoss,
    FunctionResult,
    compile_fn,
    compile_loss,
)
from autograd_mini.compiled.plan import NUMPY, DataDependenceError

__all__ = [
    "NUMPY",
    "BatchResult",
    "CompiledFunction",
    "CompiledLoss",
    "DataDependenceError",
    "FunctionResult",
    "compile_fn",
    "compile_loss",
]
