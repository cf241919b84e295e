"""Every primitive's value and local derivative at known points, boundary cases included."""

import math

import pytest

from autograd_mini import Value
from autograd_mini.engine import add_n, linear, local_grads, logsumexp
from autograd_mini.ops import OPS


def grads_at(f, *xs: float) -> tuple[float, tuple[float, ...]]:  # type: ignore[no-untyped-def]
    vs = [Value(x) for x in xs]
    out = f(*vs)
    out.backward()
    return out.data, tuple(v.grad for v in vs)


@pytest.mark.parametrize(
    ("name", "f", "xs", "value", "grads"),
    [
        ("add", lambda x, y: x + y, (2.0, 3.0), 5.0, (1.0, 1.0)),
        ("sub", lambda x, y: x - y, (2.0, 3.0), -1.0, (1.0, -1.0)),
        ("mul", lambda x, y: x * y, (2.0, 3.0), 6.0, (3.0, 2.0)),
        ("div", lambda x, y: x / y, (3.0, 2.0), 1.5, (0.5, -0.75)),
        ("neg", lambda x: -x, (2.0,), -2.0, (-1.0,)),
        ("powc int", lambda x: x**3, (2.0,), 8.0, (12.0,)),
        ("powc negative base, int", lambda x: x**3, (-2.0,), -8.0, (12.0,)),
        ("powc fractional", lambda x: x**0.5, (4.0,), 2.0, (0.25,)),
        ("powc negative", lambda x: x**-1, (2.0,), 0.5, (-0.25,)),
        ("powc zero", lambda x: x**0, (5.0,), 1.0, (0.0,)),
        ("pow", lambda x, y: x**y, (2.0, 3.0), 8.0, (12.0, 8.0 * math.log(2.0))),
        ("rpow", lambda y: 2**y, (3.0,), 8.0, (8.0 * math.log(2.0),)),
        ("exp", lambda x: x.exp(), (1.0,), math.e, (math.e,)),
        ("log", lambda x: x.log(), (2.0,), math.log(2.0), (0.5,)),
        ("sqrt", lambda x: x.sqrt(), (9.0,), 3.0, (1 / 6,)),
        ("tanh", lambda x: x.tanh(), (0.5,), math.tanh(0.5), (1 - math.tanh(0.5) ** 2,)),
        ("sigmoid", lambda x: x.sigmoid(), (0.0,), 0.5, (0.25,)),
        ("relu +", lambda x: x.relu(), (3.0,), 3.0, (1.0,)),
        ("relu -", lambda x: x.relu(), (-3.0,), 0.0, (0.0,)),
        ("relu at 0 (convention: 0)", lambda x: x.relu(), (0.0,), 0.0, (0.0,)),
        ("abs -", lambda x: x.abs(), (-2.0,), 2.0, (-1.0,)),
        ("abs at 0 (convention: 0)", lambda x: abs(x), (0.0,), 0.0, (0.0,)),
        ("softplus", lambda x: x.softplus(), (0.0,), math.log(2.0), (0.5,)),
        ("linear", lambda w, h, b: linear([w], [h], b), (3.0, 2.0, 1.0), 7.0, (2.0, 3.0, 1.0)),
        ("sum", lambda a, b, c: add_n([a, b, c]), (1.0, 2.0, 3.0), 6.0, (1.0, 1.0, 1.0)),
        (
            "logsumexp",
            lambda a, b: logsumexp([a, b]),
            (0.0, 0.0),
            math.log(2.0),
            (0.5, 0.5),
        ),
    ],
)
def test_value_and_derivative_at_known_points(name, f, xs, value, grads) -> None:  # type: ignore[no-untyped-def]
    out, got = grads_at(f, *xs)
    assert out == pytest.approx(value, rel=1e-12, abs=1e-15), name
    assert got == pytest.approx(grads, rel=1e-12, abs=1e-15), name


def test_sigmoid_derivative_never_exceeds_a_quarter() -> None:
    """The fact the chapter's vanishing-gradient argument rests on: σ′(u) ≤ 0.25."""
    peak = max(grads_at(Value.sigmoid, u / 100)[1][0] for u in range(-1000, 1001))
    assert peak == 0.25


@pytest.mark.parametrize("x", [-745.0, -40.0, 40.0, 745.0])
def test_softplus_is_stable(x: float) -> None:
    out, (g,) = grads_at(Value.softplus, x)
    assert out == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))))
    assert 0.0 <= g <= 1.0


def test_local_grads_include_constants() -> None:
    x = Value(3.0)
    assert local_grads(x * 2.0) == (2.0, 3.0)
    assert local_grads(x**2) == (6.0, 0.0)
    assert local_grads(x) == ()


def test_every_op_has_a_formula_and_symbol() -> None:
    for op in OPS.values():
        assert op.symbol and op.formula, op.name


@pytest.mark.parametrize(
    ("xs", "value", "grads"),
    [
        ((math.inf, 1.0), math.inf, (math.nan, 0.0)),  # ∂/∂x₁ = exp(∞ − ∞), as in PyTorch
        ((-math.inf, -math.inf), -math.inf, (math.nan, math.nan)),
        ((-math.inf, 0.0), 0.0, (0.0, 1.0)),
        ((-math.inf,), -math.inf, (math.nan,)),
        ((math.nan, 1.0), math.nan, (math.nan, math.nan)),
        ((1.0, math.nan), math.nan, (math.nan, math.nan)),
    ],
)
def test_logsumexp_with_infinite_inputs(
    xs: tuple[float, ...], value: float, grads: tuple[float, ...]
) -> None:
    """log Σ exp xᵢ is +∞ when some xᵢ is +∞ and −∞ when all are −∞ (never ∞ − ∞ = nan)."""
    out, got = grads_at(lambda *vs: logsumexp(list(vs)), *xs)
    assert out == pytest.approx(value, nan_ok=True)
    assert got == pytest.approx(grads, nan_ok=True)


def test_one_and_two_argument_nary_ops() -> None:
    """n-ary ops with 1 or 2 arguments use the engine's inline argument slots."""
    a, b = Value(1.0), Value(2.0)
    assert grads_at(lambda x, y: add_n([x, y]), 1.0, 2.0) == (3.0, (1.0, 1.0))
    assert grads_at(lambda x: add_n([x]), 1.0) == (1.0, (1.0,))
    assert grads_at(lambda x: logsumexp([x]), 1.5) == (1.5, (1.0,))
    assert grads_at(lambda b: linear([], [], b), 4.0) == (4.0, (1.0,))
    assert add_n([a, b]).args == (a, b) and logsumexp([a]).args == (a,)
    assert local_grads(add_n([a, 2.0])) == (1.0, 1.0)


def test_relu_passes_nan_through() -> None:
    """relu(nan) is nan (as in NumPy and PyTorch), not a silent 0 that hides the nan."""
    assert math.isnan(Value(math.nan).relu().data)
    assert Value(-0.0).relu().data == 0.0 and Value(-math.inf).relu().data == 0.0


def test_abs_derivative_at_nan_is_nan() -> None:
    """sign(nan) is nan, as NumPy's sign on the compiled path: a nan is never turned into 0."""
    out, (g,) = grads_at(abs, math.nan)
    assert math.isnan(out) and math.isnan(g)
    assert grads_at(abs, 0.0) == (0.0, (0.0,)) and grads_at(abs, -0.0) == (0.0, (0.0,))
