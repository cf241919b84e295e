"""The op-case catalogue: one row per op of the table, feeding every per-op test.

Each row holds test facts only: how to build the op from Values (a plain-number argument,
such as a slope, is a default of ``build`` and is passed on to the reference formulas), points
with known values, reference formulas for its value, first derivatives and (one input) second
derivative written independently with :mod:`math`, and inputs that make its forward value nan
or inf (for anomaly mode). Where an op is smooth, and so where finite differences and second
derivatives are compared, is the op table's fact (``OPS[name].domain``), not the catalogue's.
``tests/test_op_catalogue.py`` runs every row in eager mode, second order, the compiled path,
anomaly mode and the drawing's local derivatives, and asserts that every op of the table has
a row here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd_mini import Value
from autograd_mini.engine import add_n, linear, logsumexp
from autograd_mini.ops import OPS

INF, NAN = math.inf, math.nan
K = math.sqrt(2 / math.pi)


def sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@dataclass(frozen=True)
class OpCase:
    name: str
    build: Callable[..., Value]
    points: tuple[tuple[float, ...], ...]
    value: Callable[..., float]
    grads: Callable[..., tuple[float, ...]]
    second: Callable[..., float] | None
    anomaly: tuple[float, ...]

    @property
    def arity(self) -> int:
        return len(self.points[0])

    @property
    def constants(self) -> tuple[float, ...]:
        """The plain-number arguments ``build`` passes after the Values (its defaults)."""
        return tuple(getattr(self.build, "__defaults__", None) or ())

    def smooth(self, xs: tuple[float, ...]) -> bool:
        """Whether the op is smooth at ``xs`` (with the constants): its table domain's
        ``where`` holds (away from kinks and ties)."""
        domain = OPS[self.name].domain
        assert domain is not None, f"{self.name} has no domain in the op table"
        return domain.where is None or bool(domain.where(*xs, *self.constants))


def _gelu(x: float) -> float:
    return 0.5 * x * (1 + math.tanh(K * (x + 0.044715 * x**3)))


def _gelu1(x: float) -> float:
    u = K * (x + 0.044715 * x**3)
    t = math.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x)


def _lse(*xs: float) -> float:
    top = max(xs)
    return top + math.log(sum(math.exp(x - top) for x in xs))


Any_ = Any

CASES: list[OpCase] = [
    OpCase("add", lambda x, y: x + y, ((2.0, 3.0), (-1.5, 0.25)),
           lambda x, y: x + y, lambda x, y: (1.0, 1.0), None, (1e308, 1e308)),
    OpCase("sub", lambda x, y: x - y, ((2.0, 3.0), (-1.5, 0.25)),
           lambda x, y: x - y, lambda x, y: (1.0, -1.0), None, (1e308, -1e308)),
    OpCase("mul", lambda x, y: x * y, ((2.0, 3.0), (-1.5, 0.25)),
           lambda x, y: x * y, lambda x, y: (y, x), None, (1e200, 1e200)),
    OpCase("div", lambda x, y: x / y, ((3.0, 2.0), (-1.5, 0.75)),
           lambda x, y: x / y, lambda x, y: (1 / y, -x / y**2), None, (1e300, 1e-300)),
    OpCase("neg", lambda x: -x, ((2.0,), (-0.5,)),
           lambda x: -x, lambda x: (-1.0,), lambda x: 0.0, (NAN,)),
    OpCase("powc", lambda x, c=3.0: x**c, ((2.0,), (-1.5,)),
           lambda x, c: x**c, lambda x, c: (c * x ** (c - 1),),
           lambda x, c: c * (c - 1) * x ** (c - 2), (1e200,)),
    OpCase("pow", lambda x, y: x**y, ((2.0, 3.0), (0.5, -1.25)),
           lambda x, y: x**y, lambda x, y: (y * x ** (y - 1), x**y * math.log(x)), None,
           (10.0, 400.0)),
    OpCase("exp", lambda x: x.exp(), ((1.0,), (-2.5,)),
           math.exp, lambda x: (math.exp(x),), math.exp, (1000.0,)),
    OpCase("expm1", lambda x: x.expm1(), ((1e-10,), (-2.5,), (1.5,)),
           math.expm1, lambda x: (math.exp(x),), math.exp, (1000.0,)),
    OpCase("log", lambda x: x.log(), ((2.0,), (0.25,)),
           math.log, lambda x: (1 / x,), lambda x: -1 / x**2, (INF,)),
    OpCase("log1p", lambda x: x.log1p(), ((1e-10,), (-0.5,), (3.0,)),
           math.log1p, lambda x: (1 / (1 + x),), lambda x: -1 / (1 + x) ** 2, (INF,)),
    OpCase("sqrt", lambda x: x.sqrt(), ((9.0,), (0.25,)),
           math.sqrt, lambda x: (0.5 / math.sqrt(x),), lambda x: -0.25 * x**-1.5, (INF,)),
    OpCase("sin", lambda x: x.sin(), ((0.5,), (-2.0,), (3.0,)),
           math.sin, lambda x: (math.cos(x),), lambda x: -math.sin(x), (INF,)),
    OpCase("cos", lambda x: x.cos(), ((0.5,), (-2.0,), (3.0,)),
           math.cos, lambda x: (-math.sin(x),), lambda x: -math.cos(x), (INF,)),
    OpCase("tanh", lambda x: x.tanh(), ((0.5,), (-1.5,)),
           math.tanh, lambda x: (1 - math.tanh(x) ** 2,),
           lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), (NAN,)),
    OpCase("sigmoid", lambda x: x.sigmoid(), ((0.0,), (-1.5,), (2.0,)),
           sig, lambda x: (sig(x) * sig(-x),),
           lambda x: sig(x) * sig(-x) * (1 - 2 * sig(x)), (NAN,)),
    OpCase("relu", lambda x: x.relu(), ((3.0,), (-3.0,)),
           lambda x: max(x, 0.0), lambda x: (1.0 if x > 0 else 0.0,), lambda x: 0.0, (INF,)),
    OpCase("leaky_relu", lambda x, slope=0.1: x.leaky_relu(slope), ((3.0,), (-3.0,)),
           lambda x, a: x if x > 0 else a * x, lambda x, a: (1.0 if x > 0 else a,),
           lambda x, a: 0.0, (INF,)),
    OpCase("elu", lambda x, alpha=1.5: x.elu(alpha), ((2.0,), (-0.7,)),
           lambda x, a: x if x > 0 else a * math.expm1(x),
           lambda x, a: (1.0 if x > 0 else a * math.exp(x),),
           lambda x, a: 0.0 if x > 0 else a * math.exp(x), (INF,)),
    OpCase("silu", lambda x: x.silu(), ((0.0,), (1.5,), (-2.0,)),
           lambda x: x * sig(x), lambda x: (sig(x) * (1 + x * (1 - sig(x))),),
           lambda x: sig(x) * (1 - sig(x)) * (2 + x * (1 - 2 * sig(x))), (INF,)),
    OpCase("gelu", lambda x: x.gelu(), ((0.0,), (1.5,), (-2.0,)),
           _gelu, lambda x: (_gelu1(x),), None, (INF,)),
    OpCase("abs", lambda x: abs(x), ((-2.0,), (0.5,)),
           abs, lambda x: (math.copysign(1.0, x),), lambda x: 0.0, (-INF,)),
    OpCase("softplus", lambda x: x.softplus(), ((0.0,), (-3.0,), (2.5,)),
           lambda x: math.log1p(math.exp(x)), lambda x: (sig(x),),
           lambda x: sig(x) * sig(-x), (INF,)),
    OpCase("maximum", lambda x, y: x.maximum(y), ((2.0, 3.0), (-1.0, -2.0), (1.5, 1.5)),
           max, lambda x, y: (1.0, 0.0) if x > y else (0.0, 1.0) if x < y else (0.5, 0.5),
           None, (INF, 1.0)),
    OpCase("minimum", lambda x, y: x.minimum(y), ((2.0, 3.0), (-1.0, -2.0), (1.5, 1.5)),
           min, lambda x, y: (1.0, 0.0) if x < y else (0.0, 1.0) if x > y else (0.5, 0.5),
           None, (-INF, 1.0)),
    OpCase("clip", lambda x, lo=-1.0, hi=2.0: x.clip(lo, hi), ((0.5,), (-3.0,), (2.5,)),
           lambda x, lo, hi: min(max(x, lo), hi),
           lambda x, lo, hi: (1.0 if lo <= x <= hi else 0.0,), lambda x, lo, hi: 0.0, (NAN,)),
    OpCase("linear", lambda w, h: linear([w], [h], 1.0), ((3.0, 2.0), (-0.5, 1.5)),
           lambda w, h: w * h + 1, lambda w, h: (h, w), None, (1e200, 1e200)),
    OpCase("sum", lambda x, y: add_n([x, y, 1.0]), ((1.0, 2.0), (-0.5, 0.25)),
           lambda x, y: x + y + 1, lambda x, y: (1.0, 1.0), None, (1e308, 1e308)),
    OpCase("logsumexp", lambda x, y: logsumexp([x, y]), ((0.0, 0.0), (1.5, -0.5)),
           _lse, lambda x, y: (math.exp(x - _lse(x, y)), math.exp(y - _lse(x, y))), None,
           (INF, 1.0)),
]  # fmt: skip

BY_NAME: dict[str, OpCase] = {c.name: c for c in CASES}
