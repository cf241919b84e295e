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


# -- issue 15 item 6: numerics ------------------------------------------------------------------


def test_zero_times_infinity_in_the_chain_rule_is_zero() -> None:
    """The exact derivative is 0; 0·∞ must not turn it into nan (as powc does for c = 0)."""
    x, y = Value(5e-324), Value(0.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad, y.grad) == (1.0, 0.0, z.data * math.log(5e-324))
    t = Value(5e-324)
    (t.log().tanh()).backward()  # tanh′(log x) = 0 exactly, d log/dx = 1/x = ∞
    assert t.grad == 0.0
    from autograd_mini import grad

    assert grad(lambda a: a.log().tanh())(5e-324) == (0.0,)


def test_relu_derivative_at_nan_follows_pytorch() -> None:
    """PyTorch's threshold rule passes the gradient unless x ≤ 0: relu′(nan) = 1."""
    out, (g,) = grads_at(Value.relu, math.nan)
    assert math.isnan(out) and g == 1.0


def test_second_derivative_of_softplus_far_out_is_not_rounded_to_zero() -> None:
    from autograd_mini import hessian

    (h,) = hessian(Value.softplus)(40.0)[0]
    assert h == pytest.approx(math.exp(-40.0) / (1 + math.exp(-40.0)) ** 2, rel=1e-12)
    assert h > 4e-18


# -- a new op in one call: ops.define ----------------------------------------------------------


def test_define_makes_an_op_that_works_everywhere() -> None:
    from autograd_mini import detect_anomaly, grad, gradcheck, hessian
    from autograd_mini.anomaly import AnomalyError
    from autograd_mini.engine import apply
    from autograd_mini.ops import define

    cube = define(
        "cube_test",
        forward=lambda m, x: x * x * x,
        partials=lambda m, out, x: (3 * x * x,),
        formula="∂/∂x = 3x²",
    )
    sinexp = define(
        "sinexp_test",
        forward=lambda m, x: m.sin(m.exp(x)),
        partials=lambda m, out, x: (m.cos(m.exp(x)) * m.exp(x),),
        formula="∂/∂x = cos(eˣ)·eˣ",
        symbol="sin∘exp",
    )
    x = Value(2.0)
    y = apply(cube, x)
    y.backward()
    assert (y.data, x.grad, y.op, cube.symbol) == (8.0, 12.0, "cube_test", "cube_test")
    assert local_grads(y) == (12.0,)
    assert grad(lambda a: apply(cube, a), order=2)(2.0) == (12.0,)  # 6x
    assert hessian(lambda a: apply(sinexp, a))(0.5)[0][0] == pytest.approx(
        -math.sin(math.exp(0.5)) * math.exp(1.0) + math.cos(math.exp(0.5)) * math.exp(0.5)
    )
    assert gradcheck(lambda a: apply(sinexp, a), 0.3)
    from autograd_mini.viz import draw_graph, explain

    x2 = Value(2.0, label="x")
    z = apply(cube, x2).sin()
    z.label = "z"
    z.backward()
    assert explain(z, x2).startswith(
        f"∂z/∂x = ∂cube_test(x)/∂x · ∂z/∂cube_test(x) = 12 × ({math.cos(8.0):.4f})"
    )
    source = draw_graph(z).source
    assert "cube_test" in source and "12" in source  # the node and its edge's local derivative
    with detect_anomaly(), pytest.raises(AnomalyError, match="forward: cube_test"):
        apply(cube, Value(1e200))
    pytest.importorskip("numpy")
    from autograd_mini.compiled import compile_fn

    result = compile_fn(lambda a: apply(sinexp, apply(cube, a)), [], [1.0])([[0.5], [-1.0]])
    for n, x0 in enumerate([0.5, -1.0]):
        v = Value(x0)
        out = apply(sinexp, apply(cube, v))
        out.backward()
        assert result.values[n, 0] == pytest.approx(out.data, rel=1e-13)
        assert result.input_grads[n, 0] == pytest.approx(v.grad, rel=1e-12)


def test_define_refuses_a_second_op_of_the_same_name_and_wrong_arity() -> None:
    from autograd_mini.ops import Domain, define

    with pytest.raises(ValueError, match=r"define\('sin'\): an op of that name already exists"):
        define("sin", forward=lambda m, x: x, partials=lambda m, out, x: (1.0,), formula="")
    with pytest.raises(TypeError, match=r"forward takes 1 arguments .* partials takes 2"):
        define(
            "bad_arity", forward=lambda m, x: x, partials=lambda m, out, x, y: (1.0,), formula=""
        )
    with pytest.raises(TypeError, match=r"partials must take \(m, out, x, ...\)"):
        define("bad_rule", forward=lambda m, x: x, partials=lambda m, out: (1.0,), formula="")
    with pytest.raises(TypeError, match="check must be a Domain"):
        define(
            "bad_check",
            forward=lambda m, x: x,
            partials=lambda m, out, x: (1.0,),
            formula="",
            check=lambda x: None,  # type: ignore[arg-type]
        )
    recip = define(
        "recip_test",
        forward=lambda m, x: 1.0 / x,
        partials=lambda m, out, x: (-out * out,),
        formula="∂/∂x = −1/x²",
        check=Domain(lambda m, x: x == 0, ZeroDivisionError, "recip_test: 1/{0!r}"),
    )
    from autograd_mini.engine import apply

    with pytest.raises(ZeroDivisionError, match=r"recip_test: 1/0\.0"):
        apply(recip, Value(0.0))
    with pytest.raises(TypeError, match="recip_test: takes 1 arguments, got 2"):
        apply(recip, Value(1.0), 2.0)


def test_backends_are_derived_from_one_elementary_table() -> None:
    from autograd_mini.ops import ELEMENTARY, FLOAT, numpy_backend

    pytest.importorskip("numpy")
    np_backend = numpy_backend()
    for name in ELEMENTARY:
        assert callable(getattr(FLOAT, name)) and callable(getattr(np_backend, name))
    with pytest.raises(AttributeError, match="no elementary function 'erf'"):
        FLOAT.erf  # noqa: B018
    assert FLOAT.sigmoid(-1000.0) == 0.0 and FLOAT.softplus(-1000.0) == 0.0
    import numpy as np

    xs = np.array([-1000.0, -1.0, 0.0, 2.0, 1000.0])
    assert np_backend.sigmoid(xs).tolist() == [FLOAT.sigmoid(float(x)) for x in xs]
    assert np_backend.softplus(xs).tolist() == pytest.approx([FLOAT.softplus(float(x)) for x in xs])


def test_expression_functions_come_from_the_table() -> None:
    from autograd_mini.expression import FUNCTIONS, evaluate

    assert {"sin", "cos", "gelu", "silu", "log1p", "expm1", "elu", "leaky_relu"} <= set(FUNCTIONS)
    assert set(FUNCTIONS) == {name for name, op in OPS.items() if op.method}
    out, variables = evaluate("sin(a) + gelu(a) * log1p(a)", {"a": 0.5})
    out.backward()
    gelu = 0.5 * 0.5 * (1 + math.tanh(math.sqrt(2 / math.pi) * (0.5 + 0.044715 * 0.125)))
    assert out.data == pytest.approx(math.sin(0.5) + gelu * math.log1p(0.5), rel=1e-12)
    assert variables["a"].grad == pytest.approx(gradient_of_expression(0.5), rel=1e-6)


def gradient_of_expression(a: float, h: float = 1e-6) -> float:
    def f(x: float) -> float:
        g = 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
        return math.sin(x) + g * math.log1p(x)

    return (f(a + h) - f(a - h)) / (2 * h)


def test_ops_a_test_defines_leave_the_table_when_it_ends() -> None:
    """conftest's fixture: the ops the tests above defined are gone, the table is as shipped."""
    from autograd_mini.ops import BUILTIN

    assert tuple(OPS) == BUILTIN
    assert not [name for name in OPS if "test" in name]
