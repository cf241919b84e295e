"""Where each operation is tested: the op table's :class:`Domain`, or a default.

Every entry of the op table carries its test domain (``ops.define(..., domain=...)``; the
types live in :mod:`autograd_mini.sampling` and are re-exported here): per argument the
interval its values are drawn from or the constants it takes, an extra condition (away from
kinks and poles), and points its ``check`` must refuse. :func:`domain_of` reads it.

An op without one (made with ``ops.define`` and no ``domain``, or an ``Op`` built by hand)
gets a default domain: each argument in [−3, 3], its arity read from the forward rule, and
the points its ``check`` refuses left out.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from autograd_mini.ops import OPS, Op
from autograd_mini.sampling import Arg, Domain, between, constant

__all__ = ["Arg", "Domain", "between", "constant", "domain_of", "op_named"]

#: Each argument of the default domain.
_ANY = between(-3, 3)


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


def op_named(op: Op | str, who: str) -> Op:
    """``op`` itself, or the op of the table named ``op``. One line naming ``who`` otherwise:
    a ``TypeError`` for neither an ``Op`` nor a name, a ``ValueError`` for an unknown name."""
    if isinstance(op, Op):
        return op
    if not isinstance(op, str):
        raise TypeError(f"{who}: op must be an Op or the name of one, got {op!r:.40}")
    if op not in OPS:
        raise ValueError(f"{who}: unknown op {op!r:.40} (known: {', '.join(OPS)})")
    return OPS[op]


def domain_of(op: Op) -> Domain:
    """The op's test domain: ``op.domain`` from the op table, else the default above."""
    if op.domain is not None:
        return op.domain
    return Domain((_ANY,) * _arity(op), where=None if op.check is None else _accepted(op))
