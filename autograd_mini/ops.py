"""The table of primitive operations: every fact about each op, once.

Every primitive is one :class:`Op` entry, in the spirit of PyTorch's ``derivatives.yaml`` and
HIPS autograd's ``defvjp``: a ``forward`` rule and a ``partials`` rule side by side, with its
domain (``domains``), its display ``symbol`` and its ``formula`` in words. Everything else
reads this table:

* eager ``Value.backward()`` evaluates ``partials`` on floats (the :data:`FLOAT` backend);
* ``backward(create_graph=True)`` evaluates the same ``partials`` on Values (the engine's
  Value backend, derived from :data:`ELEMENTARY`), so gradients can be differentiated again;
* the compiled batch path evaluates ``forward``, ``partials`` and the domain tests on NumPy
  arrays (:func:`numpy_backend`, also derived from :data:`ELEMENTARY`);
* the drawing labels each edge with the local derivative ``partials`` gives; the expression
  grapher's functions and ``Value``'s methods are the table's one-argument ops.

Both rules take a *backend* ``m`` first: a namespace with the elementary functions
(``m.exp``, ``m.sin``, ``m.where``, ...) for the kind of number being computed on. The
arithmetic operators ``+ - * /`` and comparisons work on every kind directly.
``partials(m, out, *xs)`` returns one local derivative ∂out/∂xᵢ per argument, given the
forward result ``out`` (reusing it is both cheaper and more stable: d tanh = 1 − out²).

Each elementary function is one :class:`Elementary` row with its float and NumPy
implementations; the stable formulas (sigmoid, softplus, step, sign, relu) are written once,
on any backend. Adding an operation is one :func:`define` call (or one entry below).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_mini import sampling
from autograd_mini.sampling import between, constant

__all__ = [
    "BUILTIN",
    "ELEMENTARY",
    "FLOAT",
    "OPS",
    "Backend",
    "Dense",
    "Domain",
    "Elementary",
    "Op",
    "define",
    "derive_backend",
    "lifted_backend",
    "numpy_backend",
    "relu_grad_at_zero",
]

#: ReLU's derivative at exactly 0 (a convention; PyTorch and micrograd also use 0).
relu_grad_at_zero = 0.0

Rule = Callable[..., Any]


# -- elementary functions, per backend ----------------------------------------------------------


def _exp(x: float) -> float:
    """eˣ, and +∞ past the float range (the IEEE result NumPy gives)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _expm1(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        return math.inf


def _power(x: float, c: float) -> float:
    """xᶜ, and ±∞ where that exceeds the float range (the IEEE result NumPy gives)."""
    try:
        result: float = x**c  # (float ** float is typed Any: it may be complex)
    except OverflowError:
        negative = x < 0 and float(c).is_integer() and c % 2 == 1
        return -math.inf if negative else math.inf
    return result


def _log(x: float) -> float:
    """ln x with IEEE values where not finite: ln 0 = −∞, nan for x < 0 (as NumPy's log)."""
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _log1p(x: float) -> float:
    if x > -1:
        return math.log1p(x)
    return -math.inf if x == -1 else math.nan


def _total(f: Callable[[float], float]) -> Callable[[float], float]:
    """f with nan where math raises a domain error (sin ∞ is nan, as on NumPy arrays)."""

    def g(x: float) -> float:
        try:
            return f(x)
        except ValueError:
            return math.nan

    g.__name__ = f.__name__
    return g


def _shift(xs: Sequence[float]) -> float:
    """logsumexp's shift: max xᵢ, or 0 when that is ±∞ or nan (so no xᵢ − shift is ∞ − ∞)."""
    top = max(xs)
    return top if -math.inf < top < math.inf else 0.0


def _where(condition: Any, a: Any, b: Any) -> Any:
    return a if condition else b


def _np_shift(np: Any) -> Callable[[Sequence[Any]], Any]:
    def shift(xs: Sequence[Any]) -> Any:
        top = xs[0]
        for x in xs[1:]:
            top = np.maximum(top, x)
        return np.where(np.isfinite(top), top, 0.0)

    return shift


# The stable formulas, written once for every backend ``m``.


def _sigmoid(m: Any, x: Any) -> Any:
    """σ(x) = 1 / (1 + e^(−x)) for x ≥ 0 and eˣ / (1 + eˣ) below: no overflow for any x."""
    z = m.exp(-m.abs(x))
    return m.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _softplus(m: Any, x: Any) -> Any:
    """log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), finite for any finite x."""
    return m.relu(x) + m.log1p(m.exp(-m.abs(x)))


def _relu(m: Any, x: Any) -> Any:
    """max(0, x); nan stays nan."""
    return m.where(x <= 0, 0.0, x)


def _step(m: Any, x: Any) -> Any:
    """ReLU's derivative: 1 for x > 0, 0 for x < 0, :data:`relu_grad_at_zero` at 0; 1 at nan
    (PyTorch's threshold rule: the gradient passes unless x ≤ 0)."""
    return m.where(x == 0, relu_grad_at_zero, m.where(x < 0, 0.0, 1.0))


def _sign(m: Any, x: Any) -> Any:
    """sign(x) with sign(0) = 0 (|x|'s subgradient at 0) and sign(nan) = nan (NumPy's; PyTorch
    gives 0: a nan is never turned into a 0 here)."""
    return m.where(x > 0, 1.0, m.where(x < 0, -1.0, x * 0.0))


def _is_zero(m: Any, x: Any) -> Any:
    """1 where x == 0, else 0 (exponent corrections such as 0·x⁻¹ = 0 for a zero power)."""
    return m.where(x == 0, 1.0, 0.0)


@dataclass(frozen=True)
class Elementary:
    """One elementary function a rule may call as ``m.<name>``, on every backend.

    ``on_float``: the implementation on Python floats; ``on_array``: the NumPy function's
    name, or a factory ``np -> function``. ``formula`` instead gives one implementation
    ``(m, x) -> ...`` for every backend (the stable formulas). ``differentiable``: on the
    Value backend it is the op of the same name (so it has a derivative); otherwise it is
    piecewise constant or a selection, evaluated on the numbers (derivative 0 / none).
    """

    name: str
    on_float: Callable[..., Any] | None = None
    on_array: str | Callable[[Any], Callable[..., Any]] | None = None
    formula: Callable[..., Any] | None = None
    differentiable: bool = True


#: Every elementary function of the backends, by name.
ELEMENTARY: dict[str, Elementary] = {
    e.name: e
    for e in [
        Elementary("exp", _exp, "exp"),
        Elementary("expm1", _expm1, "expm1"),
        Elementary("log", _log, "log"),
        Elementary("log1p", _log1p, "log1p"),
        Elementary("sqrt", math.sqrt, "sqrt"),
        Elementary("tanh", math.tanh, "tanh"),
        Elementary("sin", _total(math.sin), "sin"),
        Elementary("cos", _total(math.cos), "cos"),
        Elementary("abs", abs, "abs"),
        Elementary("power", _power, "power"),
        Elementary("sigmoid", formula=_sigmoid),
        Elementary("softplus", formula=_softplus),
        Elementary("relu", formula=_relu),
        Elementary("step", formula=_step, differentiable=False),
        Elementary("sign", formula=_sign, differentiable=False),
        Elementary("is_zero", formula=_is_zero, differentiable=False),
        Elementary("where", _where, "where", differentiable=False),
        Elementary("shift", _shift, _np_shift, differentiable=False),
    ]
}


class Backend:
    """A namespace of elementary functions for one kind of number (``m`` in the rules)."""

    def __init__(self, kind: str, functions: dict[str, Callable[..., Any]]) -> None:
        self.kind = kind
        missing = sorted(set(ELEMENTARY) - set(functions))
        if missing:
            raise ImportError(f"the {kind} backend has no {', '.join(missing)}")
        for name, function in functions.items():
            setattr(self, name, function)

    def __getattr__(self, name: str) -> Any:  # only reached for a missing name
        raise AttributeError(
            f"the {self.__dict__.get('kind', '?')} backend has no elementary function "
            f"{name!r} (add an Elementary row to autograd_mini.ops.ELEMENTARY)"
        )

    def __repr__(self) -> str:
        return f"<{self.kind} backend>"


def derive_backend(kind: str, primitive: Callable[[Elementary], Callable[..., Any]]) -> Backend:
    """A backend with ``primitive(e)`` for each implemented row and the formulas on top."""
    functions: dict[str, Callable[..., Any]] = {}
    backend = Backend.__new__(Backend)
    for e in ELEMENTARY.values():
        if e.formula is not None:
            functions[e.name] = _bound(e.formula, backend)
        else:
            functions[e.name] = primitive(e)
    Backend.__init__(backend, kind, functions)
    return backend


def _bound(formula: Callable[..., Any], m: Backend) -> Callable[..., Any]:
    """``formula`` with the backend filled in: ``f(x) = formula(m, x)`` (a C-level partial,
    so a formula costs no extra Python call per use)."""
    return functools.partial(formula, m)


def lifted_backend(
    kind: str,
    number_type: type,
    apply_op: Callable[..., Any],
    number: Callable[[Any], Any],
    power: Callable[[Any, Any], Any],
) -> Backend:
    """A backend on numbers that carry a float (``number_type``: the engine's Values, the
    Duals of :mod:`autograd_mini.dual`), derived from :data:`ELEMENTARY` and the table: a
    differentiable function is the op of that name applied with ``apply_op(op, x)``; a
    piecewise-constant one (step, sign, is_zero) or a selection (shift) is the float
    function of ``number(x)``; ``where`` is the float one (it selects); ``power`` is given
    (its two arguments). A plain number gives the plain float."""

    def on(e: Elementary) -> Callable[..., Any]:
        float_rule = getattr(FLOAT, e.name)
        if e.name == "power":
            return power
        if e.name == "where":
            return float_rule  # type: ignore[no-any-return]
        if e.name == "shift":
            return lambda xs: float_rule([number(x) for x in xs])
        if not e.differentiable:
            return lambda x: float_rule(number(x))
        if e.name not in OPS:
            raise ImportError(f"elementary function {e.name!r} is differentiable but has no op")
        op = OPS[e.name]

        def rule(x: Any) -> Any:
            return apply_op(op, x) if isinstance(x, number_type) else float_rule(x)

        rule.__name__ = e.name
        return rule

    return Backend(kind, {e.name: on(e) for e in ELEMENTARY.values()})


def _float_primitive(e: Elementary) -> Callable[..., Any]:
    if e.on_float is None:
        raise ImportError(f"elementary function {e.name!r} has no float implementation")
    return e.on_float


#: The backend eager mode and the drawing use.
FLOAT = derive_backend("float", _float_primitive)

_numpy: list[Backend] = []


def numpy_backend() -> Backend:
    """The backend on NumPy arrays (imports NumPy on first use; the compiled path's)."""
    if not _numpy:
        import numpy as np

        def primitive(e: Elementary) -> Callable[..., Any]:
            if isinstance(e.on_array, str):
                return getattr(np, e.on_array)  # type: ignore[no-any-return]
            if e.on_array is None:
                raise ImportError(f"elementary function {e.name!r} has no NumPy version")
            return e.on_array(np)

        _numpy.append(derive_backend("numpy", primitive))
    return _numpy[0]


# -- the op record -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """Where an op is undefined: ``fails(m, *xs)`` is true (elementwise on arrays) for bad
    inputs, which raise ``error(message.format(*xs))``."""

    fails: Rule
    error: type[Exception]
    message: str


@dataclass(frozen=True)
class Dense:
    """How k instructions of an op with arguments (w₁…wₙ, h₁…hₙ, b) that share their inputs
    h run as one layer on arrays (the compiled path; ``linear``): W is (k, n), H is (n, B),
    b is (k, 1) and δ = ∂L/∂out is (k, B). ``forward(W, H, b)`` gives the (k, B) outputs;
    ``grad_weights(δ, H)``, ``grad_inputs(δ, W)`` and ``grad_bias(δ)`` give ∂L/∂W summed over
    the batch, ∂L/∂H and ∂L/∂b summed over the batch (the op's ``partials`` as matrix products;
    tests check the two agree)."""

    forward: Rule
    grad_weights: Rule
    grad_inputs: Rule
    grad_bias: Rule


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive: its name, forward rule, local-derivative rule, domain and display.

    ``forward(m, *xs)`` returns the value; ``partials(m, out, *xs)`` returns the tuple
    (∂out/∂x₁, …, ∂out/∂xₙ). ``domains`` list where it is undefined; ``check(*xs)`` raises
    the first one's clear error for plain-number inputs (None when there are none).
    ``symbol`` is how the drawing names the operation; ``formula`` is the rule in words.
    ``arity`` is the number of arguments (None: any number). ``method``: whether ``Value``
    has a method of this name and the expression grapher a function of that arity.
    ``domain``: where it is tested (:class:`autograd_mini.sampling.Domain`: the intervals
    its arguments are drawn from, the constants, the points ``check`` must refuse).
    ``dense``: the op as a whole layer of matrix products (:class:`Dense`), or None.
    ``stacked``: for a variadic op, its forward rule on all arguments stacked in one array
    (arity, …) — one reduction instead of a fold of n − 1 steps (``sum``), or None.
    """

    name: str
    symbol: str
    forward: Rule
    partials: Rule
    formula: str
    domains: tuple[Domain, ...] = ()
    arity: int | None = None
    method: bool = False
    check: Callable[..., None] | None = field(default=None, repr=False)
    domain: sampling.Domain | None = field(default=None, repr=False)
    dense: Dense | None = field(default=None, repr=False)
    stacked: Rule | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.domains and self.check is None:
            object.__setattr__(self, "check", _checker(self.domains))

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _checker(domains: tuple[Domain, ...]) -> Callable[..., None]:
    def check(*xs: Any) -> None:
        for d in domains:
            if d.fails(FLOAT, *xs):
                raise d.error(d.message.format(*xs))

    return check


def _arity(rule: Rule, skip: int, what: str, name: str) -> int | None:
    """The number of arguments after the first ``skip`` that ``rule`` takes (None: any)."""
    try:
        params = list(inspect.signature(rule).parameters.values())
    except (TypeError, ValueError):
        raise TypeError(f"define({name!r}): {what} must be a function") from None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    n = len(positional) - skip
    if n < 1:
        first = "(m, x, ...)" if skip == 1 else "(m, out, x, ...)"
        raise TypeError(f"define({name!r}): {what} must take {first}, it takes {len(positional)}")
    return n


#: Every primitive by name.
OPS: dict[str, Op] = {}


def define(
    name: str,
    *,
    forward: Rule,
    partials: Rule,
    formula: str,
    check: Domain | Sequence[Domain] | None = None,
    symbol: str | None = None,
    method: bool = False,
    domain: sampling.Domain | None = None,
    dense: Dense | None = None,
    stacked: Rule | None = None,
) -> Op:
    """Add an operation to the table and return it; apply it with ``engine.apply(op, ...)``.

    ``forward(m, x₁, …, xₙ)`` computes the value and ``partials(m, out, x₁, …, xₙ)`` the
    tuple of local derivatives, with arithmetic and the backend's functions (``m.exp``,
    ``m.sin``, ``m.where``, …), so the op works in eager and second-order backward, the
    compiled path, the drawing, ``explain``, anomaly mode and ``gradcheck`` unchanged.
    ``check``: :class:`Domain` rules for inputs where the op is undefined. ``symbol``: the
    drawing's name (default ``name``). ``method``: marks a built-in op that ``Value`` has a
    method for (the expression grapher's functions are these; tests check each exists).
    ``domain``: where the op is tested (:class:`autograd_mini.sampling.Domain`, one
    argument spec per argument; ``check_op`` and the strategies draw from it).
    ``dense``: for an op taking (w₁…wₙ, h₁…hₙ, b), its rules as one layer of matrix products
    (:class:`Dense`), which the compiled path uses for instructions that share their inputs.
    ``stacked``: for a variadic op, its forward rule on the arguments stacked in one array.

    >>> cube = define("cube_doc", forward=lambda m, x: x * x * x,
    ...               partials=lambda m, out, x: (3 * x * x,), formula="∂/∂x = 3x²")
    >>> from autograd_mini.engine import Value, apply
    >>> y = apply(cube, Value(2.0)); y.backward(); y.data
    8.0
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"define: the name must be an identifier, got {name!r}")
    if name in OPS:
        raise ValueError(f"define({name!r}): an op of that name already exists")
    n = _arity(forward, 1, "forward", name)
    p = _arity(partials, 2, "partials", name)
    if n != p:

        def shown(k: int | None) -> str:
            return "any number of" if k is None else str(k)

        raise TypeError(
            f"define({name!r}): forward takes {shown(n)} arguments after m but partials "
            f"takes {shown(p)} after (m, out): they must match"
        )
    if check is None or isinstance(check, Domain):
        domains: tuple[Any, ...] = () if check is None else (check,)
    else:
        domains = tuple(check) if isinstance(check, (list, tuple)) else (check,)
    if not all(isinstance(d, Domain) for d in domains):
        raise TypeError(f"define({name!r}): check must be a Domain or a list of Domains")
    if domain is not None and not isinstance(domain, sampling.Domain):
        raise TypeError(f"define({name!r}): domain must be an autograd_mini.sampling.Domain")
    if domain is not None and n is not None and len(domain.args) != n:
        raise TypeError(
            f"define({name!r}): the domain has {len(domain.args)} arguments, forward takes {n}"
        )
    op = Op(
        name, symbol or name, forward, partials, formula, domains, n, method, domain=domain,
        dense=dense, stacked=stacked,
    )  # fmt: skip
    OPS[name] = op
    return op


# -- the table ------------------------------------------------------------------------------


def _linear_forward(m: Any, *xs: Any) -> Any:
    """b + w₁h₁ + w₂h₂ + … + wₙhₙ, added left to right (the same order on floats, Values and
    arrays; a plain loop is faster here than ``functools.reduce`` over ``map``)."""
    n = len(xs) // 2
    total = xs[-1]
    for i in range(n):
        total = total + xs[i] * xs[n + i]
    return total


def _linear_partials(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    n = len(xs) // 2
    return (*xs[n:-1], *xs[:n], 1.0)


def _sum_forward(m: Any, *xs: Any) -> Any:
    """x₁ + x₂ + … + xₙ, added left to right."""
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _logsumexp_forward(m: Any, *xs: Any) -> Any:
    """log Σ exp xᵢ = s + log Σ exp(xᵢ − s) with the shift s = max xᵢ (no overflow); s = 0
    when max xᵢ is infinite, so +∞ gives +∞ and all −∞ give log 0 = −∞."""
    top = m.shift(xs)
    return top + m.log(_sum_forward(m, *[m.exp(x - top) for x in xs]))


#: √(2/π), gelu's tanh-form constant.
_GELU_K = math.sqrt(2.0 / math.pi)


def _gelu_partials(m: Any, out: Any, x: Any) -> tuple[Any]:
    t = m.tanh(_GELU_K * (x + 0.044715 * x * x * x))
    return (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _GELU_K * (1.0 + 0.134145 * x * x),)


def _tie(m: Any, x: Any, y: Any) -> Any:
    """∂max(x, y)/∂x: 1 where x > y, 0 where x < y, ½ at a tie (and at nan)."""
    return m.where(x > y, 1.0, m.where(x < y, 0.0, 0.5))


def _kink_free(*xs: float) -> bool:
    """Test points keep |x| ≥ 0.01 from a kink at 0 (finite differences say nothing there)."""
    return all(abs(x) >= 0.01 for x in xs)


def _real_power(x: float, c: float) -> bool:
    """x ** c is real and smooth around x: x > 0.1, or an integer c away from x = 0."""
    if x >= 0.1:
        return True
    return float(c).is_integer() and (c >= 0 or abs(x) >= 0.1)


_ANY = between(-3, 3)
_ONE, _TWO = sampling.Domain((_ANY,)), sampling.Domain((_ANY, _ANY))

# fmt: off
define("add", symbol="+", forward=lambda m, x, y: x + y,
       partials=lambda m, out, x, y: (1.0, 1.0), formula="∂/∂x = 1, ∂/∂y = 1",
       domain=_TWO)
define("sub", symbol="-", forward=lambda m, x, y: x - y,
       partials=lambda m, out, x, y: (1.0, -1.0), formula="∂/∂x = 1, ∂/∂y = −1",
       domain=_TWO)
define("mul", symbol="*", forward=lambda m, x, y: x * y,
       partials=lambda m, out, x, y: (y, x), formula="∂/∂x = y, ∂/∂y = x",
       domain=_TWO)
define("div", symbol="/", forward=lambda m, x, y: x / y,
       partials=lambda m, out, x, y: (1.0 / y, -out / y), formula="∂/∂x = 1/y, ∂/∂y = −x/y²",
       check=Domain(lambda m, x, y: y == 0, ZeroDivisionError,
                    "division: {0!r} / {1!r} divides by zero"),
       domain=sampling.Domain((_ANY, _ANY), where=lambda x, y: abs(y) >= 0.2,
                              outside=((1.0, 0.0),)))
define("neg", symbol="-", forward=lambda m, x: -x,
       partials=lambda m, out, x: (-1.0,), formula="∂/∂x = −1", method=False,
       domain=_ONE)
define("powc", symbol="**", forward=lambda m, x, c: m.power(x, c),
       # For c = 0 the exponent becomes 0, so the derivative is 0·x⁰ = 0 even at x = 0;
       # written without a Python branch on c so array backends (compiled path) work too.
       partials=lambda m, out, x, c: (c * m.power(x, c - 1 + (c == 0)), 0.0),
       formula="x ** c for a constant c: ∂/∂x = c·x^(c−1) (0 for c = 0, also at x = 0)",
       check=[Domain(lambda m, x, c: (x == 0) & (c < 0), ZeroDivisionError,
                     "power: {0!r} ** {1!r} is a division by zero"),
              Domain(lambda m, x, c: (x < 0) & (c % 1 != 0), ValueError,
                     "power: {0!r} ** {1!r} is not real (negative base, fractional exponent)")],
       domain=sampling.Domain((between(-2, 2), constant(-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3)),
                              where=_real_power, outside=((0.0, -1.0), (-2.0, 0.5))))
define("pow", symbol="**", forward=lambda m, x, y: m.power(x, y),
       # y·x^(y−1) written as xʸ·y/x (x > 0): exactly 0 for y = 0 even where x⁻¹ overflows
       # (x = 5e-324), and still the true formula for second order (∂²/∂x∂y = 1/x at y = 0)
       partials=lambda m, out, x, y: (out * y / x, out * m.log(x)),
       formula="∂/∂x = y·x^(y−1), ∂/∂y = xʸ·ln x",
       check=Domain(lambda m, x, y: x <= 0, ValueError,
                    "power: {0!r} ** {1!r} with a Value exponent needs a positive base "
                    "(∂/∂y = xʸ·ln x is undefined for x = {0!r})"),
       domain=sampling.Domain((between(0.1, 3), between(-2, 2)),
                              outside=((0.0, 1.0), (-1.0, 2.0))))
define("exp", method=True, forward=lambda m, x: m.exp(x), partials=lambda m, out, x: (out,),
       formula="∂/∂x = eˣ",
       domain=sampling.Domain((between(-5, 5),)))
define("expm1", method=True, forward=lambda m, x: m.expm1(x),
       partials=lambda m, out, x: (out + 1.0,),
       formula="eˣ − 1, exact near 0: ∂/∂x = eˣ",
       domain=sampling.Domain((between(-5, 5),)))
define("log", method=True, forward=lambda m, x: m.log(x), partials=lambda m, out, x: (1.0 / x,),
       formula="∂/∂x = 1/x",
       check=Domain(lambda m, x: x <= 0, ValueError,
                    "log: log({0!r}) is undefined (log needs x > 0)"),
       domain=sampling.Domain((between(0.05, 10),), outside=((0.0,), (-1.0,))))
define("log1p", method=True, forward=lambda m, x: m.log1p(x),
       partials=lambda m, out, x: (1.0 / (1.0 + x),),
       formula="log(1 + x), exact near 0: ∂/∂x = 1/(1 + x)",
       check=Domain(lambda m, x: x <= -1, ValueError,
                    "log1p: log1p({0!r}) is undefined (log1p needs x > -1)"),
       domain=sampling.Domain((between(-0.9, 5),), outside=((-1.0,), (-2.0,))))
define("sqrt", method=True, forward=lambda m, x: m.sqrt(x), partials=lambda m, out, x: (0.5 / out,),
       formula="∂/∂x = 1/(2√x)",
       check=Domain(lambda m, x: x < 0, ValueError,
                    "sqrt: sqrt({0!r}) is undefined (sqrt needs x >= 0)"),
       domain=sampling.Domain((between(0.05, 10),), outside=((-1.0,),)))
define("sin", method=True, forward=lambda m, x: m.sin(x), partials=lambda m, out, x: (m.cos(x),),
       formula="∂/∂x = cos x",
       domain=sampling.Domain((between(-4, 4),)))
define("cos", method=True, forward=lambda m, x: m.cos(x), partials=lambda m, out, x: (-m.sin(x),),
       formula="∂/∂x = −sin x",
       domain=sampling.Domain((between(-4, 4),)))
define("tanh", method=True, forward=lambda m, x: m.tanh(x),
       partials=lambda m, out, x: (1.0 - out * out,),
       formula="∂/∂x = 1 − tanh²x",
       domain=sampling.Domain((between(-4, 4),)))
define("sigmoid", method=True, symbol="σ", forward=lambda m, x: m.sigmoid(x),
       # σ(x)σ(−x), not σ(1 − σ): 1 − σ(40) rounds to 0, σ(−40) = 4.2e-18 does not
       partials=lambda m, out, x: (out * m.sigmoid(-x),), formula="∂/∂x = σ(x)(1 − σ(x))",
       domain=sampling.Domain((between(-8, 8),)))
define("relu", method=True, symbol="ReLU", forward=lambda m, x: m.relu(x),
       partials=lambda m, out, x: (m.step(x),), formula="∂/∂x = 1 if x > 0 else 0",
       domain=sampling.Domain((_ANY,), where=_kink_free))
define("leaky_relu", method=True, symbol="LeakyReLU",
       forward=lambda m, x, slope: m.where(x > 0, x, slope * x),
       partials=lambda m, out, x, slope: (m.where(x > 0, 1.0, slope), m.where(x > 0, 0.0, x)),
       formula="x if x > 0 else a·x: ∂/∂x = 1 if x > 0 else a",
       domain=sampling.Domain((_ANY, constant(0.01, 0.1, 0.2)),
                              where=lambda x, slope: abs(x) >= 0.01))
define("elu", method=True, symbol="ELU",
       forward=lambda m, x, alpha: m.where(x > 0, x, alpha * m.expm1(x)),
       partials=lambda m, out, x, alpha: (m.where(x > 0, 1.0, out + alpha),
                                          m.where(x > 0, 0.0, m.expm1(x))),
       formula="x if x > 0 else a(eˣ − 1): ∂/∂x = 1 if x > 0 else a·eˣ",
       domain=sampling.Domain((_ANY, constant(0.5, 1.0, 1.5)),
                              where=lambda x, alpha: abs(x) >= 0.01))
define("silu", method=True, symbol="SiLU", forward=lambda m, x: x * m.sigmoid(x),
       partials=lambda m, out, x: (m.sigmoid(x) + out * m.sigmoid(-x),),
       formula="x·σ(x): ∂/∂x = σ(x)(1 + x(1 − σ(x)))",
       domain=sampling.Domain((between(-6, 6),)))
define("gelu", method=True, symbol="GELU",
       forward=lambda m, x: 0.5 * x * (1.0 + m.tanh(_GELU_K * (x + 0.044715 * x * x * x))),
       partials=_gelu_partials,
       formula="½x(1 + tanh(√(2/π)(x + 0.044715x³))) (tanh form): ∂/∂x by the chain rule",
       domain=sampling.Domain((between(-6, 6),)))
define("abs", method=True, forward=lambda m, x: m.abs(x), partials=lambda m, out, x: (m.sign(x),),
       formula="∂/∂x = sign(x) (0 at 0, nan at nan)",
       domain=sampling.Domain((_ANY,), where=_kink_free))
define("softplus", method=True, forward=lambda m, x: m.softplus(x),
       partials=lambda m, out, x: (m.sigmoid(x),),
       formula="log(1 + eˣ): ∂/∂x = σ(x)",
       domain=sampling.Domain((between(-8, 8),)))
define("maximum", method=True, symbol="max",
       forward=lambda m, x, y: m.where(x >= y, x, m.where(x < y, y, x + y)),
       partials=lambda m, out, x, y: (_tie(m, x, y), _tie(m, y, x)),
       formula="max(x, y): ∂/∂x = 1 if x > y, 0 if x < y, ½ at a tie",
       domain=sampling.Domain((_ANY, _ANY), where=lambda x, y: abs(x - y) >= 0.01))
define("minimum", method=True, symbol="min",
       forward=lambda m, x, y: m.where(x <= y, x, m.where(x > y, y, x + y)),
       partials=lambda m, out, x, y: (_tie(m, y, x), _tie(m, x, y)),
       formula="min(x, y): ∂/∂x = 1 if x < y, 0 if x > y, ½ at a tie",
       domain=sampling.Domain((_ANY, _ANY), where=lambda x, y: abs(x - y) >= 0.01))
define("clip", method=True, symbol="clip",
       forward=lambda m, x, lo, hi: m.where(x < lo, lo, m.where(x > hi, hi, x)),
       partials=lambda m, out, x, lo, hi: (m.where(x < lo, 0.0, m.where(x > hi, 0.0, 1.0)),
                                           m.where(x < lo, 1.0, 0.0), m.where(x > hi, 1.0, 0.0)),
       formula="min(max(x, lo), hi): ∂/∂x = 1 for lo ≤ x ≤ hi, else 0 (to lo or hi)",
       check=Domain(lambda m, x, lo, hi: lo > hi, ValueError,
                    "clip: the bounds lo = {1!r} > hi = {2!r}"),
       domain=sampling.Domain((_ANY, constant(-1.0, -0.5), constant(1.0, 2.0)),
                              where=lambda x, lo, hi: abs(x - lo) >= 0.01 and abs(x - hi) >= 0.01,
                              outside=((0.0, 2.0, 1.0),)))
define("linear", symbol="Σwh+b", forward=_linear_forward, partials=_linear_partials,
       formula="u = Σᵢ wᵢhᵢ + b: ∂u/∂wᵢ = hᵢ, ∂u/∂hᵢ = wᵢ, ∂u/∂b = 1",
       domain=sampling.Domain((_ANY,) * 5),
       # a layer of them sharing their inputs: U = WH + b, ∂L/∂W = δHᵀ, ∂L/∂H = Wᵀδ
       dense=Dense(forward=lambda W, H, b: W @ H + b, grad_weights=lambda d, H: d @ H.T,
                   grad_inputs=lambda d, W: W.T @ d, grad_bias=lambda d: d.sum(axis=1)))
define("sum", symbol="Σ", forward=_sum_forward, stacked=lambda xs: xs.sum(axis=0),
       partials=lambda m, out, *xs: (1.0,) * len(xs), formula="∂/∂xᵢ = 1",
       domain=sampling.Domain((_ANY,) * 3))
define("logsumexp", symbol="logΣexp", forward=_logsumexp_forward,
       partials=lambda m, out, *xs: tuple(m.exp(x - out) for x in xs),
       formula="log Σ exp xᵢ: ∂/∂xᵢ = softmax(x)ᵢ",
       domain=sampling.Domain((between(-5, 5),) * 3))
# fmt: on

#: The ops of the table as shipped (``define`` adds user ops to :data:`OPS` after these).
BUILTIN = tuple(OPS)
