"""Where an op is tested: the input :class:`Domain` each op-table entry carries.

An op's test domain lists, per argument, the interval its values are drawn from
(:func:`between`) or, for an argument passed as a plain number such as the exponent of
``x ** c``, the constants it takes (:func:`constant`); an extra condition the arguments must
meet (keeping away from kinks and poles, where finite differences say nothing); and a few
argument tuples *outside* the domain that the op's ``check`` must refuse. Intervals are
bounded so that values and derivatives stay moderate and the finite-difference tolerances of
:func:`autograd_mini.testing.check_grads` hold.

Each entry of :mod:`autograd_mini.ops` gives its domain with ``define(..., domain=...)``;
:func:`autograd_mini.testing.domain_of` reads it (and gives a default to an op without one).
Standard library only: the op table imports this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Arg", "Domain", "between", "constant"]


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
