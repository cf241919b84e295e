"""Objective functions L, computed stably from the network's raw outputs (logits).

Notation as in the chapter: y is the network's output, t the target (teacher) value, N the
number of samples. Every loss is built from the op table's operations, so it
differentiates, draws and compiles like everything else.

* Regression, mean squared error: L = (1/N) Σₙ (tₙ − yₙ)².
* Classification, cross-entropy with softmax outputs yₖ = e^(uₖ) / Σⱼ e^(uⱼ):
  L = −Σₖ tₖ log yₖ for one sample, averaged over the N samples of a batch.
  **The chapter prints L = (1/N) Σ t log y without the minus sign**; since log y ≤ 0 that
  quantity would be *maximized*. This module implements the usual −(1/N) Σ t log y, which
  gradient descent minimizes.
* Stability: log yₖ = sₖ − log Σⱼ e^(sⱼ) is computed from the shifted logits
  sⱼ = uⱼ − log Σ e^u with the log-sum-exp node (:func:`autograd_mini.engine.logsumexp`, which
  subtracts the largest logit first), never as log(softmax(u)) nor as uₖ − log Σ e^u (which
  rounds log k away once the logits are large): ``cross_entropy([1e16, 1e16], 0)`` is log 2
  with gradients (−0.5, 0.5), and ``cross_entropy([Value(1000.0), Value(0.0)], 1)`` is exactly
  1000 with gradients (1, −1). Binary cross-entropy uses softplus(x) = log(1 + eˣ) the same
  way, as two terms ≥ 0.

Per-sample losses take one sample's output; :func:`mean` averages a list of them (what
:func:`autograd_mini.train.fit` does for each batch).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from autograd_mini.engine import Operand, Value, add_n, logsumexp

__all__ = [
    "BUILTIN",
    "REGISTRY",
    "AccuracyRule",
    "Loss",
    "binary_cross_entropy_with_logits",
    "class_correct",
    "cross_entropy",
    "find",
    "get",
    "hinge",
    "log_softmax",
    "logit_correct",
    "mean",
    "mse",
    "names",
    "register",
    "sign_correct",
    "softmax",
]

Target = int | Sequence[float]

#: How far from 1 the sum of a probability target may be (float32 one-hots and smoothed
#: labels sum to 1 only up to rounding).
_SUM_TOLERANCE = 1e-6


def _as_value(x: Operand, who: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: expected a Value or a real number, got {type(x).__name__}")
    return Value(x)


def _as_list(xs: Sequence[Operand] | Operand, who: str) -> list[Operand]:
    """One value, or an ordered collection of them (a list, a tuple, a NumPy row), as a list."""
    if isinstance(xs, (Value, numbers.Real)) and not isinstance(xs, bool):
        return [xs]
    if isinstance(xs, (str, bytes, Set, Mapping)) or not isinstance(xs, Iterable):
        raise TypeError(f"{who}: expected a list of Values or numbers, got {type(xs).__name__}")
    items = list(xs)
    if not items:
        raise ValueError(f"{who}: needs at least one value, got an empty list")
    return items


def _real(t: object, who: str) -> float:
    if isinstance(t, Value):
        return t.data
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise TypeError(f"{who}: a target must be a real number, got {type(t).__name__} {t!r}")
    return float(t)


def mean(losses: Sequence[Operand]) -> Value:
    """(1/N) Σₙ Lₙ: one summation node (``add_n``) times 1/N."""
    items = _as_list(losses, "mean")
    return add_n(items) * (1.0 / len(items))


def mse(predictions: Sequence[Operand] | Operand, targets: Sequence[float] | float) -> Value:
    """Mean squared error L = (1/N) Σₙ (tₙ − yₙ)² over N predictions y and targets t.

    A single prediction and target may be passed as scalars (N = 1).
    """
    ys = _as_list(predictions, "mse")
    ts = [_real(t, "mse") for t in _as_list(targets, "mse")]
    if len(ys) != len(ts):
        raise ValueError(f"mse: {len(ys)} predictions but {len(ts)} targets")
    return mean([(_as_value(y, "mse") - t) ** 2 for y, t in zip(ys, ts, strict=True)])


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """log yₖ = sₖ − log Σⱼ e^(sⱼ) with the shifted logits sⱼ = uⱼ − c, accurate for logits of
    any size.

    The shift c = log Σⱼ e^(uⱼ) is within log k of the largest logit, so the sⱼ that matter
    are computed exactly and are small; the final log-sum-exp then has an output of order
    log k, and neither its value nor its derivatives (softmax) lose anything to rounding. The
    old uₖ − log Σⱼ e^(uⱼ) rounded log 2 away at u = (10¹⁶, 10¹⁶). Everything is built from
    op-table nodes (no data-dependent Python), so it compiles like the rest; the result is
    shift-invariant, so the derivative through c is 0 up to rounding. A −∞ logit (a masked
    class) gives −∞; a +∞ logit gives nan (∞ − ∞).
    """
    shifted, total = _shifted(_as_list(logits, "log_softmax"), "log_softmax")
    return [s - total for s in shifted]


def _shifted(logits: Sequence[Operand], who: str) -> tuple[list[Value], Value]:
    """(sⱼ = uⱼ − log Σ e^u, log Σⱼ e^(sⱼ)): shifted logits and their log-sum-exp (≈ 0)."""
    us = [_as_value(u, who) for u in logits]
    shift = logsumexp(us)
    shifted = [u - shift for u in us]
    return shifted, logsumexp(shifted)


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """yₖ = e^(uₖ) / Σⱼ e^(uⱼ) = exp(log yₖ): positive, summing to 1 for logits of any size."""
    return [v.exp() for v in log_softmax(logits)]


def _class_index(target: object, k: int) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"cross_entropy: a class index must be an int, got {target!r}")
    if not 0 <= int(target) < k:
        raise ValueError(f"cross_entropy: class index {target} is out of range for {k} logits")
    return int(target)


def _probabilities(target: Sequence[object], k: int) -> list[float]:
    ts = [_real(t, "cross_entropy") for t in target]
    if len(ts) != k:
        raise ValueError(f"cross_entropy: {k} logits but a target of {len(ts)} probabilities")
    for t in ts:
        if not (math.isfinite(t) and t >= 0):
            raise ValueError(f"cross_entropy: target probabilities must be ≥ 0, got {ts}")
    total = math.fsum(ts)
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise ValueError(f"cross_entropy: target probabilities must sum to 1, got {total:g}: {ts}")
    return ts


def cross_entropy(logits: Sequence[Operand], target: Target) -> Value:
    """−Σₖ tₖ log softmax(u)ₖ for one sample, from its logits u.

    ``target`` is a class index k (then L = log Σⱼ e^(uⱼ) − u_k) or a one-hot / probability
    list t (tₖ ≥ 0, Σₖ tₖ = 1 up to 1e-6; anything else is a ValueError, since the loss and
    its gradient yₖ − tₖ assume a distribution). The chapter's formula lacks the minus sign;
    this is the conventional loss, ≥ 0.
    """
    items = _as_list(logits, "cross_entropy")
    if isinstance(target, Iterable) and not isinstance(target, (str, bytes)):
        ts = _probabilities(list(target), len(items))
        shifted, total = _shifted(items, "cross_entropy")
        # Zero terms are left out; at least one tₖ > 0 since they sum to 1. Every term
        # tₖ·(log Σ e^s − sₖ) is ≥ 0, so the sum has no cancellation.
        terms = [t * (total - s) for t, s in zip(ts, shifted, strict=True) if t != 0]
        return terms[0] if len(terms) == 1 else add_n(terms)
    k = _class_index(target, len(items))
    shifted, total = _shifted(items, "cross_entropy")
    return total - shifted[k]


def binary_cross_entropy_with_logits(logit: Operand, target: float) -> Value:
    """−[t log σ(x) + (1 − t) log(1 − σ(x))] = softplus(x) − t·x, for t in [0, 1].

    Written with softplus(x) = log(1 + eˣ), so it is finite for any logit x.
    """
    x = _as_value(logit, "binary_cross_entropy_with_logits")
    t = _real(target, "binary_cross_entropy_with_logits")
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"binary_cross_entropy_with_logits: target must be in [0, 1], got {t}")
    # softplus(x) − t·x = (1 − t)·softplus(x) + t·softplus(−x): two terms ≥ 0, so nothing
    # cancels (at x = 40, t = 1 the difference form gives 0 for the true 4.25e-18).
    if t == 0.0:
        return x.softplus()
    if t == 1.0:
        return (-x).softplus()
    return (1.0 - t) * x.softplus() + t * (-x).softplus()


def hinge(score: Operand, target: float) -> Value:
    """The max-margin loss max(0, 1 − t·y) for a label t ∈ {−1, +1} (micrograd's demo)."""
    y = _as_value(score, "hinge")
    t = _real(target, "hinge")
    if t not in (-1.0, 1.0):
        raise ValueError(f"hinge: the target must be -1 or +1, got {target!r}")
    return (1.0 - t * y).relu()


# -- the loss registry ------------------------------------------------------------------------


def sign_correct(y: Any, t: Any) -> bool:
    """Accuracy rule for a ±1 label read off one score: the sign of y is the sign of t."""
    return (float(y) > 0) == bool(t > 0)


def logit_correct(y: Any, t: Any) -> bool:
    """Accuracy rule for a 0/1 target read off one logit: y > 0 exactly when t ≥ 0.5."""
    return (float(y) > 0) == bool(t >= 0.5)


def class_correct(y: Any, t: Any) -> bool:
    """Accuracy rule for classes: the arg-max of the scores is the class index (or the
    arg-max of a one-hot / probability target)."""
    target = int(t) if isinstance(t, numbers.Integral) else _argmax(list(t))
    return _argmax(list(y)) == target


def _argmax(xs: Sequence[float]) -> int:
    return max(range(len(xs)), key=xs.__getitem__)


#: ``rule(float output, target) -> bool``: whether one sample is classified correctly.
AccuracyRule = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Loss:
    """One per-sample loss: its name, ``function(output, target) -> Value``, the rule that
    says whether a sample is classified correctly (None for regression) and one line saying
    what it is. Calling the record calls the function."""

    name: str
    function: Callable[[Any, Any], Value]
    accuracy: AccuracyRule | None
    description: str

    def __call__(self, output: Any, target: Any) -> Value:
        return self.function(output, target)


#: The losses that come with autograd-mini, in the order the command line lists them.
BUILTIN: tuple[Loss, ...] = (
    Loss("mse", mse, None, "squared error (t − y)², for regression"),
    Loss("cross_entropy", cross_entropy, class_correct, "softmax cross-entropy of the logits"),
    Loss("hinge", hinge, sign_correct, "max-margin max(0, 1 − t·y) for t = ±1"),
    Loss("bce", binary_cross_entropy_with_logits, logit_correct, "binary cross-entropy, logit"),
)

#: Every loss by name (read by :func:`autograd_mini.train.fit` and the command line).
REGISTRY: dict[str, Loss] = {}


def register(loss: Loss) -> Loss:
    """Add a loss to :data:`REGISTRY` (a name used already is an error)."""
    if not isinstance(loss, Loss):
        raise TypeError(f"register: expected a Loss, got {type(loss).__name__}")
    if loss.name in REGISTRY:
        raise ValueError(f"register: loss {loss.name!r} is already registered")
    REGISTRY[loss.name] = loss
    return loss


for builtin in BUILTIN:
    register(builtin)
del builtin


def get(name: str, who: str = "loss") -> Loss:
    """The record of ``name``; a ValueError naming the known ones otherwise."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise ValueError(f"{who}: unknown loss {name!r}; choose one of {list(REGISTRY)}")
    return REGISTRY[name]


def names() -> tuple[str, ...]:
    """Every registered loss's name, in registration order."""
    return tuple(REGISTRY)


def find(function: Callable[..., Any]) -> Loss | None:
    """The registered record of a loss function (or the record itself), else None."""
    if isinstance(function, Loss):
        return function
    for loss in REGISTRY.values():
        if loss.function is function:
            return loss
    return None
