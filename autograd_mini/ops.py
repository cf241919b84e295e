"""The table of primitive operations: each one's forward value and local derivatives, once.

Every primitive is one :class:`Op` entry, in the spirit of PyTorch's ``derivatives.yaml`` and
HIPS autograd's ``defvjp``: a ``forward`` rule and a ``partials`` rule, written side by side.
Everything else reads this table:

* eager ``Value.backward()`` evaluates ``partials`` on floats (the :data:`FLOAT` backend);
* ``backward(create_graph=True)`` evaluates the same ``partials`` on Values, so gradients
  can be differentiated again;
* the compiled batch path evaluates ``forward`` and ``partials`` on NumPy arrays;
* the drawing labels each edge with the local derivative ``partials`` gives.

Both rules take a *backend* ``m`` first: a namespace with the elementary functions
(``m.exp``, ``m.log``, ``m.power``, ...) for the kind of number being computed on. The
arithmetic operators ``+ - * /`` work on every kind directly, so most rules need no backend
at all; powers go through ``m.power`` so that a float power beyond the float range is ±∞ (as
on NumPy arrays), not Python's ``OverflowError``.
``partials(m, out, *xs)`` returns one local derivative ∂out/∂xᵢ per argument, given the
forward result ``out`` (reusing it is both cheaper and more stable: d tanh = 1 − out²).

Adding an operation is one entry here, one method on :class:`~autograd_mini.engine.Value`
(or a function that applies it), and its tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FLOAT", "OPS", "FloatBackend", "Op", "relu_grad_at_zero"]

#: ReLU's derivative at exactly 0 (a convention; PyTorch and micrograd also use 0).
relu_grad_at_zero = 0.0


class FloatBackend:
    """Elementary functions on Python floats, written to be numerically stable."""

    tanh = staticmethod(math.tanh)
    sqrt = staticmethod(math.sqrt)

    @staticmethod
    def exp(x: float) -> float:
        """eˣ, and +∞ past the float range (the IEEE result NumPy gives)."""
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    @staticmethod
    def power(x: float, c: float) -> float:
        """xᶜ, and ±∞ where that exceeds the float range (the IEEE result NumPy gives)."""
        try:
            result: float = x**c  # (float ** float is typed Any: it may be complex)
        except OverflowError:
            negative = x < 0 and float(c).is_integer() and c % 2 == 1
            return -math.inf if negative else math.inf
        return result

    @staticmethod
    def log(x: float) -> float:
        """ln x, with IEEE values where it is not finite: ln 0 = −∞, ln x = nan for x < 0.

        (``Value.log`` refuses x ≤ 0 with a clear error before this is reached; the IEEE
        values serve logsumexp of all −∞, as NumPy's log does on the compiled path.)
        """
        if x > 0:
            return math.log(x)
        return -math.inf if x == 0 else math.nan

    @staticmethod
    def sigmoid(x: float) -> float:
        """σ(x) = 1 / (1 + e^(−x)), evaluated without overflow for any x."""
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        z = math.exp(x)
        return z / (1.0 + z)

    @staticmethod
    def softplus(x: float) -> float:
        """log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), finite for any finite x."""
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    @staticmethod
    def step(x: float) -> float:
        """Heaviside step: 1 for x > 0, else 0 (ReLU's derivative; 0 at 0 by convention)."""
        return 1.0 if x > 0 else relu_grad_at_zero

    @staticmethod
    def sign(x: float) -> float:
        """sign(x), with sign(0) = 0 (the subgradient |x| uses at 0) and sign(nan) = nan."""
        return (x > 0) - (x < 0) + 0.0 if x == x else x

    @staticmethod
    def shift(xs: Sequence[float]) -> float:
        """logsumexp's shift: max xᵢ, or 0 when that is ±∞ or nan (so no xᵢ − shift is ∞ − ∞)."""
        top = max(xs)
        return top if -math.inf < top < math.inf else 0.0

    @staticmethod
    def relu(x: float) -> float:
        """max(0, x); nan stays nan."""
        return 0.0 if x <= 0 else x

    @staticmethod
    def abs(x: float) -> float:
        """|x|."""
        return abs(x)


#: The backend eager mode and the drawing use.
FLOAT = FloatBackend()

Rule = Callable[..., Any]


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive: its name, its forward rule and its local-derivative rule.

    ``forward(m, *xs)`` returns the value; ``partials(m, out, *xs)`` returns the tuple
    (∂out/∂x₁, …, ∂out/∂xₙ). ``check(*xs)``, when given, raises a clear error for inputs
    outside the operation's domain before anything is computed. ``symbol`` is how the
    drawing names the operation; ``formula`` is the rule in words, for documentation.
    """

    name: str
    symbol: str
    forward: Rule
    partials: Rule
    formula: str
    check: Callable[..., None] | None = field(default=None)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _check_div(x: float, y: float) -> None:
    if y == 0:
        raise ZeroDivisionError(f"division: {x!r} / {y!r} divides by zero")


def _check_powc(x: float, c: float) -> None:
    if x == 0 and c < 0:
        raise ZeroDivisionError(f"power: 0.0 ** {c!r} is a division by zero")
    if x < 0 and not float(c).is_integer():
        raise ValueError(f"power: {x!r} ** {c!r} is not real (negative base, fractional exponent)")


def _check_pow(x: float, y: float) -> None:
    if x <= 0:
        raise ValueError(
            f"power: {x!r} ** {y!r} with a Value exponent needs a positive base "
            f"(∂/∂y = xʸ·ln x is undefined for x = {x!r})"
        )


def _check_log(x: float) -> None:
    if x <= 0:
        raise ValueError(f"log: log({x!r}) is undefined (log needs x > 0)")


def _check_sqrt(x: float) -> None:
    if x < 0:
        raise ValueError(f"sqrt: sqrt({x!r}) is undefined (sqrt needs x >= 0)")


def _linear_forward(m: Any, *xs: Any) -> Any:
    n = len(xs) // 2
    total = xs[-1]
    for w, h in zip(xs[:n], xs[n:-1], strict=True):
        total = total + w * h
    return total


def _linear_partials(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    n = len(xs) // 2
    return (*xs[n:-1], *xs[:n], 1.0)


def _sum_forward(m: Any, *xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _logsumexp_forward(m: Any, *xs: Any) -> Any:
    """log Σ exp xᵢ = s + log Σ exp(xᵢ − s) with the shift s = max xᵢ (no overflow); s = 0
    when max xᵢ is infinite, so +∞ gives +∞ and all −∞ give log 0 = −∞."""
    top = m.shift(xs)
    return top + m.log(_sum_forward(m, *[m.exp(x - top) for x in xs]))


_ENTRIES = [
    Op("add", "+", lambda m, x, y: x + y, lambda m, out, x, y: (1.0, 1.0), "∂/∂x = 1, ∂/∂y = 1"),
    Op("sub", "-", lambda m, x, y: x - y, lambda m, out, x, y: (1.0, -1.0), "∂/∂x = 1, ∂/∂y = −1"),
    Op("mul", "*", lambda m, x, y: x * y, lambda m, out, x, y: (y, x), "∂/∂x = y, ∂/∂y = x"),
    Op(
        "div",
        "/",
        lambda m, x, y: x / y,
        lambda m, out, x, y: (1.0 / y, -out / y),
        "∂/∂x = 1/y, ∂/∂y = −x/y²",
        _check_div,
    ),
    Op("neg", "-", lambda m, x: -x, lambda m, out, x: (-1.0,), "∂/∂x = −1"),
    Op(
        "powc",
        "**",
        lambda m, x, c: m.power(x, c),
        # For c = 0 the exponent becomes 0, so the derivative is 0·x⁰ = 0 even at x = 0;
        # written without a Python branch on c so array backends (compiled path) work too.
        lambda m, out, x, c: (c * m.power(x, c - 1 + (c == 0)), 0.0),
        "x ** c for a constant c: ∂/∂x = c·x^(c−1) (0 for c = 0, also at x = 0)",
        _check_powc,
    ),
    Op(
        "pow",
        "**",
        lambda m, x, y: m.power(x, y),
        lambda m, out, x, y: (y * m.power(x, y - 1), out * m.log(x)),
        "∂/∂x = y·x^(y−1), ∂/∂y = xʸ·ln x",
        _check_pow,
    ),
    Op("exp", "exp", lambda m, x: m.exp(x), lambda m, out, x: (out,), "∂/∂x = eˣ"),
    Op(
        "log",
        "log",
        lambda m, x: m.log(x),
        lambda m, out, x: (1.0 / x,),
        "∂/∂x = 1/x",
        _check_log,
    ),
    Op(
        "sqrt",
        "sqrt",
        lambda m, x: m.sqrt(x),
        lambda m, out, x: (0.5 / out,),
        "∂/∂x = 1/(2√x)",
        _check_sqrt,
    ),
    Op(
        "tanh",
        "tanh",
        lambda m, x: m.tanh(x),
        lambda m, out, x: (1.0 - out * out,),
        "∂/∂x = 1 − tanh²x",
    ),
    Op(
        "sigmoid",
        "σ",
        lambda m, x: m.sigmoid(x),
        lambda m, out, x: (out * (1.0 - out),),
        "∂/∂x = σ(x)(1 − σ(x))",
    ),
    Op(
        "relu",
        "ReLU",
        lambda m, x: m.relu(x),
        lambda m, out, x: (m.step(x),),
        "∂/∂x = 1 if x > 0 else 0",
    ),
    Op("abs", "abs", lambda m, x: m.abs(x), lambda m, out, x: (m.sign(x),), "∂/∂x = sign(x)"),
    Op(
        "softplus",
        "softplus",
        lambda m, x: m.softplus(x),
        lambda m, out, x: (m.sigmoid(x),),
        "log(1 + eˣ): ∂/∂x = σ(x)",
    ),
    Op(
        "linear",
        "Σwh+b",
        _linear_forward,
        _linear_partials,
        "u = Σᵢ wᵢhᵢ + b: ∂u/∂wᵢ = hᵢ, ∂u/∂hᵢ = wᵢ, ∂u/∂b = 1",
    ),
    Op("sum", "Σ", _sum_forward, lambda m, out, *xs: (1.0,) * len(xs), "∂/∂xᵢ = 1"),
    Op(
        "logsumexp",
        "logΣexp",
        _logsumexp_forward,
        lambda m, out, *xs: tuple(m.exp(x - out) for x in xs),
        "log Σ exp xᵢ: ∂/∂xᵢ = softmax(x)ᵢ",
    ),
]

#: Every primitive by name.
OPS: dict[str, Op] = {op.name: op for op in _ENTRIES}
