"""Where each operation is tested: one :class:`Domain` per op-table entry.

A domain lists, per argument, the interval its values are drawn from (or, for an argument
passed as a plain number such as the exponent of ``x ** c``, the constants it takes), an
extra condition the arguments must meet (keeping away from kinks and poles, where finite
differences say nothing), and a few argument tuples *outside* the domain that the op's
``check`` must refuse. Intervals are bounded so that values and derivatives stay moderate
and the finite-difference tolerances of :func:`~autograd_mini.testing.check_grads` hold.

The table is keyed by op name. An op it does not know (one made with ``ops.define``) gets
a default domain: each argument in [−3, 3], its arity read from the forward rule, and the
points its ``check`` refuses left out.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

from autograd_mini.ops import Op

__all__ = ["DOMAINS", "Arg", "Domain", "between", "constant", "domain_of"]


@dataclass(frozen=True)
class Arg:
    """One argument: a Value drawn from [low, high], or a plain-number constant (``choices``)."""

    low: float = -3.0
    high: float = 3.0
    choices: tuple[float, ...] = ()

    @property
    def is_constant(self) -> bool:
        """Whether the argument is passed as a plain number (not differentiated)."""
        return bool(self.choices)


def between(low: float, high: float) -> Arg:
    """A Value argument drawn from the closed interval [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        raise ValueError(f"between: need finite low <= high, got {low!r}, {high!r}")
    return Arg(float(low), float(high))


def constant(*choices: float) -> Arg:
    """A plain-number argument taking one of ``choices`` (e.g. the exponent c of x ** c)."""
    if not choices:
        raise ValueError("constant: needs at least one choice")
    return Arg(min(choices), max(choices), tuple(float(c) for c in choices))


@dataclass(frozen=True)
class Domain:
    """Where an op is tested: its arguments, an extra condition, and points it must refuse.

    ``args`` fixes the arity tested (a variadic op such as ``sum`` is tested at that
    arity). ``where(*xs)``, if given, must hold for drawn arguments (e.g. |x| ≥ 0.01 for
    ReLU's kink, |y| ≥ 0.2 for a divisor). ``outside`` are argument tuples the op's
    ``check`` must refuse with an error naming the op and the value.
    """

    args: tuple[Arg, ...]
    where: Callable[..., bool] | None = None
    outside: tuple[tuple[float, ...], ...] = ()

    def contains(self, *xs: float) -> bool:
        """Whether the arguments lie in the intervals and meet ``where``."""
        if len(xs) != len(self.args):
            return False
        for arg, x in zip(self.args, xs, strict=True):
            if arg.is_constant:
                if x not in arg.choices:
                    return False
            elif not arg.low <= x <= arg.high:
                return False
        return self.where is None or bool(self.where(*xs))


def _kink_free(*xs: float) -> bool:
    return all(abs(x) >= 0.01 for x in xs)


def _real_power(x: float, c: float) -> bool:
    """x ** c is real and smooth around x: x > 0.1, or an integer c away from x = 0."""
    if x >= 0.1:
        return True
    return float(c).is_integer() and (c >= 0 or abs(x) >= 0.1)


_ANY = between(-3, 3)

#: The test domain of every built-in op, by op name.
DOMAINS: dict[str, Domain] = {
    "add": Domain((_ANY, _ANY)),
    "sub": Domain((_ANY, _ANY)),
    "mul": Domain((_ANY, _ANY)),
    "div": Domain((_ANY, _ANY), where=lambda x, y: abs(y) >= 0.2, outside=((1.0, 0.0),)),
    "neg": Domain((_ANY,)),
    "powc": Domain(
        (between(-2, 2), constant(-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3)),
        where=_real_power,
        outside=((0.0, -1.0), (-2.0, 0.5)),
    ),
    "pow": Domain((between(0.1, 3), between(-2, 2)), outside=((0.0, 1.0), (-1.0, 2.0))),
    "exp": Domain((between(-5, 5),)),
    "log": Domain((between(0.05, 10),), outside=((0.0,), (-1.0,))),
    "sqrt": Domain((between(0.05, 10),), outside=((-1.0,),)),
    "tanh": Domain((between(-4, 4),)),
    "sigmoid": Domain((between(-8, 8),)),
    "relu": Domain((_ANY,), where=_kink_free),
    "abs": Domain((_ANY,), where=_kink_free),
    "softplus": Domain((between(-8, 8),)),
    "linear": Domain((_ANY,) * 5),
    "sum": Domain((_ANY,) * 3),
    "logsumexp": Domain((between(-5, 5),) * 3),
}


def _arity(op: Op) -> int:
    """The number of arguments of ``op.forward(m, *xs)`` (1 for a variadic rule)."""
    params = list(inspect.signature(op.forward).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return max(1, sum(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params))
    return len(params)


def _accepted(op: Op) -> Callable[..., bool]:
    def accepted(*xs: float) -> bool:
        if op.check is None:
            return True
        try:
            op.check(*xs)
        except (ArithmeticError, ValueError):
            return False
        return all(abs(x) >= 0.05 for x in xs)  # keep finite differences off the boundary

    return accepted


def domain_of(op: Op) -> Domain:
    """The op's test domain: its row in :data:`DOMAINS`, else the default described above."""
    known = DOMAINS.get(op.name)
    if known is not None:
        return known
    return Domain((_ANY,) * _arity(op), where=None if op.check is None else _accepted(op))
