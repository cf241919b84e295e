"""Second-order gradients: backward(create_graph=True), grad(order=k), hessian, hvp, gradients.

Every op's second derivative is checked against its hand-derived value, and random
expression DAGs (shared nodes, every op) against central differences of first derivatives.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_mini.functional as functional
from autograd_mini import Value, grad, gradients, hessian, hvp, nn, no_grad, value_and_grad
from autograd_mini.engine import add_n, linear, logsumexp

Matrix = list[list[float]]


def sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def assert_matrix_close(got: Matrix, want: Matrix, rel: float = 1e-9, abs_: float = 1e-12) -> None:
    assert len(got) == len(want)
    for row_got, row_want in zip(got, want, strict=True):
        assert row_got == pytest.approx(row_want, rel=rel, abs=abs_)


# -- every op: value s, gradient ∇s and Hessian ∇²s derived by hand ----------------------------


@dataclass(frozen=True)
class Case:
    op: str
    f: Callable[..., Value]
    at: tuple[float, ...]
    s: Callable[..., float]
    ds: Callable[..., list[float]]
    d2s: Callable[..., Matrix]

    def __str__(self) -> str:
        return self.op


def zeros(n: int) -> Matrix:
    return [[0.0] * n for _ in range(n)]


def _softmax(xs: Sequence[float]) -> list[float]:
    top = max(xs)
    es = [math.exp(x - top) for x in xs]
    return [e / sum(es) for e in es]


def _lse_hessian(*xs: float) -> Matrix:
    p = _softmax(xs)
    n = len(p)
    return [[(p[i] if i == j else 0.0) - p[i] * p[j] for j in range(n)] for i in range(n)]


def _linear_hessian(*xs: float) -> Matrix:
    # variables (w1, w2, h1, h2, b): ∂²u/∂wᵢ∂hᵢ = 1, every other second derivative is 0
    h = zeros(5)
    for i in range(2):
        h[i][2 + i] = h[2 + i][i] = 1.0
    return h


def _pow_hessian(x: float, y: float) -> Matrix:
    lx = math.log(x)
    cross = x ** (y - 1) * (1 + y * lx)
    return [[y * (y - 1) * x ** (y - 2), cross], [cross, x**y * lx * lx]]


CASES = [
    Case("add", lambda x, y: x + y, (0.7, -1.3), lambda x, y: x + y, lambda x, y: [1.0, 1.0],
         lambda x, y: zeros(2)),
    Case("sub", lambda x, y: x - y, (0.7, -1.3), lambda x, y: x - y, lambda x, y: [1.0, -1.0],
         lambda x, y: zeros(2)),
    Case("mul", lambda x, y: x * y, (0.7, -1.3), lambda x, y: x * y, lambda x, y: [y, x],
         lambda x, y: [[0.0, 1.0], [1.0, 0.0]]),
    Case("div", lambda x, y: x / y, (0.7, -1.3), lambda x, y: x / y,
         lambda x, y: [1 / y, -x / y**2],
         lambda x, y: [[0.0, -1 / y**2], [-1 / y**2, 2 * x / y**3]]),
    Case("div", lambda x: 3 / x, (1.4,), lambda x: 3 / x, lambda x: [-3 / x**2],
         lambda x: [[6 / x**3]]),
    Case("neg", lambda x: -x, (0.7,), lambda x: -x, lambda x: [-1.0], lambda x: [[0.0]]),
    Case("powc", lambda x: x**3, (1.5,), lambda x: x**3, lambda x: [3 * x**2],
         lambda x: [[6 * x]]),
    Case("powc", lambda x: x**-0.5, (2.0,), lambda x: x**-0.5, lambda x: [-0.5 * x**-1.5],
         lambda x: [[0.75 * x**-2.5]]),
    Case("pow", lambda x, y: x**y, (1.7, 0.6), lambda x, y: x**y,
         lambda x, y: [y * x ** (y - 1), x**y * math.log(x)], _pow_hessian),
    Case("pow", lambda x: 2**x, (0.8,), lambda x: 2**x, lambda x: [2**x * math.log(2)],
         lambda x: [[2**x * math.log(2) ** 2]]),
    Case("exp", lambda x: x.exp(), (0.4,), math.exp, lambda x: [math.exp(x)],
         lambda x: [[math.exp(x)]]),
    Case("log", lambda x: x.log(), (1.7,), math.log, lambda x: [1 / x], lambda x: [[-1 / x**2]]),
    Case("sqrt", lambda x: x.sqrt(), (2.3,), math.sqrt, lambda x: [0.5 * x**-0.5],
         lambda x: [[-0.25 * x**-1.5]]),
    Case("tanh", lambda x: x.tanh(), (0.6,), math.tanh, lambda x: [1 - math.tanh(x) ** 2],
         lambda x: [[-2 * math.tanh(x) * (1 - math.tanh(x) ** 2)]]),
    Case("sigmoid", lambda x: x.sigmoid(), (-0.8,), sigma,
         lambda x: [sigma(x) * (1 - sigma(x))],
         lambda x: [[sigma(x) * (1 - sigma(x)) * (1 - 2 * sigma(x))]]),
    Case("relu", lambda x: x.relu(), (0.9,), lambda x: x, lambda x: [1.0], lambda x: [[0.0]]),
    Case("relu", lambda x: x.relu(), (-0.9,), lambda x: 0.0, lambda x: [0.0], lambda x: [[0.0]]),
    Case("abs", lambda x: abs(x), (-1.2,), abs, lambda x: [-1.0], lambda x: [[0.0]]),
    Case("softplus", lambda x: x.softplus(), (0.3,), lambda x: math.log1p(math.exp(x)),
         lambda x: [sigma(x)], lambda x: [[sigma(x) * (1 - sigma(x))]]),
    Case("linear", lambda w1, w2, h1, h2, b: linear([w1, w2], [h1, h2], b),
         (0.5, -1.5, 2.0, 0.25, 0.1), lambda w1, w2, h1, h2, b: w1 * h1 + w2 * h2 + b,
         lambda w1, w2, h1, h2, b: [h1, h2, w1, w2, 1.0], _linear_hessian),
    Case("linear", lambda w1, w2: linear([w1, w2], [0.5, -2.0], 0.3), (1.1, 0.4),
         lambda w1, w2: 0.5 * w1 - 2.0 * w2 + 0.3, lambda w1, w2: [0.5, -2.0],
         lambda w1, w2: zeros(2)),
    Case("sum", lambda x, y, z: add_n([x, y, z]), (0.2, -0.4, 1.0), lambda x, y, z: x + y + z,
         lambda x, y, z: [1.0, 1.0, 1.0], lambda x, y, z: zeros(3)),
    Case("logsumexp", lambda x, y, z: logsumexp([x, y, z]), (0.2, -0.4, 1.0),
         lambda *xs: math.log(sum(math.exp(x) for x in xs)), lambda *xs: _softmax(xs),
         _lse_hessian),
    Case("logsumexp", lambda x: logsumexp([x, 0.5]), (-0.3,),
         lambda x: math.log(math.exp(x) + math.exp(0.5)), lambda x: [_softmax([x, 0.5])[0]],
         lambda x: [[_softmax([x, 0.5])[0] * (1 - _softmax([x, 0.5])[0])]]),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case_builds_its_op(case: Case) -> None:
    assert case.f(*(Value(x) for x in case.at)).op == case.op


@pytest.mark.parametrize("case", CASES, ids=str)
def test_second_derivative_of_each_op(case: Case) -> None:
    assert_matrix_close(hessian(case.f)(*case.at), case.d2s(*case.at))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_chain_rule_through_each_op(case: Case) -> None:
    """f = s²: ∇²f = 2∇s∇sᵀ + 2s∇²s, so the first derivatives flow through ∇² too."""
    at = case.at
    s, ds, d2s = case.s(*at), case.ds(*at), case.d2s(*at)
    n = len(at)
    want = [[2 * ds[i] * ds[j] + 2 * s * d2s[i][j] for j in range(n)] for i in range(n)]
    assert_matrix_close(hessian(lambda *xs: case.f(*xs) ** 2)(*at), want)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_create_graph_grads_are_values_with_the_float_values(case: Case) -> None:
    xs = [Value(x) for x in case.at]
    out = case.f(*xs)
    out.backward(create_graph=True)
    assert all(isinstance(x.grad, Value) for x in xs if x.grad != 0.0)
    assert [float(x.grad) for x in xs] == pytest.approx(case.ds(*case.at), rel=1e-12)


# -- the examples ---------------------------------------------------------------------


def cube(x: Value) -> Value:
    return x**3


def test_second_derivative_of_cube_three_ways() -> None:
    assert grad(cube, order=2)(2.0) == (12.0,)
    assert grad(grad(cube))(2.0) == (12.0,)
    x = Value(2.0)
    cube(x).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == 12.0  # 3x² at 2
    x.grad = 0.0
    first.backward()
    assert x.grad == 12.0  # 6x at 2


def test_higher_orders_of_cube() -> None:
    assert grad(cube, order=3)(2.0) == (6.0,)
    assert grad(cube, order=4)(2.0) == (0.0,)


def f_xy(x: Value, y: Value) -> Value:
    return x * x * y + (x * y).exp()


def hand_hessian(x: float, y: float) -> Matrix:
    """f = x²y + e^(xy): f_xx = 2y + y²e^(xy), f_xy = 2x + e^(xy)(1 + xy), f_yy = x²e^(xy)."""
    e = math.exp(x * y)
    cross = 2 * x + e * (1 + x * y)
    return [[2 * y + y * y * e, cross], [cross, x * x * e]]


@pytest.mark.parametrize("at", [(1.0, 2.0), (-0.5, 0.3), (0.0, 0.0)])
def test_hessian_of_x2y_plus_exp_xy(at: tuple[float, float]) -> None:
    assert_matrix_close(hessian(f_xy)(*at), hand_hessian(*at), rel=1e-12)


def test_hessian_returns_a_list_of_lists_of_floats() -> None:
    h = hessian(f_xy)(1.0, 2.0)
    assert type(h) is list and all(type(row) is list for row in h)
    assert all(type(v) is float for row in h for v in row)


def test_hvp_equals_hessian_times_v() -> None:
    v = [0.3, -2.0]
    h = hand_hessian(1.0, 2.0)
    want = [sum(h[i][j] * v[j] for j in range(2)) for i in range(2)]
    assert hvp(f_xy)([1.0, 2.0], v) == pytest.approx(want, rel=1e-12)


def test_hvp_and_hessian_build_no_gradient_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forward-over-reverse on f's own graph: no ``gradients`` pass at all (no ∇f as Values),
    and hessian's rows are hvp with the unit vectors."""
    calls: list[bool] = []
    real = functional.gradients

    def counting(root: Value, wrt: Sequence[Value], *, create_graph: bool = False) -> Any:
        calls.append(create_graph)
        return real(root, wrt, create_graph=create_graph)  # type: ignore[call-overload]

    monkeypatch.setattr(functional, "gradients", counting)

    def f(*xs: Value) -> Value:
        return add_n([a * b for a, b in itertools.pairwise(xs)]).tanh()

    xs = [0.1 * i for i in range(6)]
    hv = hvp(f)(xs, [1.0] * 6)
    h = hessian(f)(*xs)
    assert calls == []
    assert hv == pytest.approx([sum(row) for row in h], rel=1e-12)
    units = [[1.0 if i == j else 0.0 for i in range(6)] for j in range(6)]
    columns = [hvp(f)(xs, e) for e in units]
    assert h == [[column[i] for column in columns] for i in range(6)]


def test_hvp_checks_lengths() -> None:
    with pytest.raises(ValueError, match="2 inputs but the vector v has 3"):
        hvp(f_xy)([1.0, 2.0], [1.0, 2.0, 3.0])


def test_nested_grad_of_one_component_is_a_hessian_row() -> None:
    def dfdx(x: Value, y: Value) -> Value:
        first: Value = grad(f_xy)(x, y)[0]
        return first

    assert list(grad(dfdx)(1.0, 2.0)) == pytest.approx(hand_hessian(1.0, 2.0)[0], rel=1e-12)


def test_grad_called_with_values_returns_differentiable_values() -> None:
    x, y = Value(1.0), Value(2.0)
    value, (gx, gy) = value_and_grad(f_xy)(x, y)
    assert isinstance(value, Value) and isinstance(gx, Value) and isinstance(gy, Value)
    assert (gx.data, gy.data) == pytest.approx(grad(f_xy)(1.0, 2.0), rel=1e-15)
    assert x.grad == 0.0 and y.grad == 0.0  # nothing written to .grad
    gx.backward()
    assert [x.grad, y.grad] == pytest.approx(hand_hessian(1.0, 2.0)[0], rel=1e-12)


def test_nested_grad_treats_each_argument_separately() -> None:
    """∂(a·b)/∂a = b even when the caller passes the same Value twice, or x and 2x."""
    x = Value(3.0)
    assert [g.data for g in grad(lambda a, b: a * b)(x, x)] == [3.0, 3.0]
    da, db = grad(lambda a, b: a * b)(x, x * 2)
    assert (da.data, db.data) == (6.0, 3.0)
    da.backward()  # d(2x)/dx = 2
    assert x.grad == 2.0


def test_grad_of_a_function_of_several_inputs_needs_a_scalar() -> None:
    with pytest.raises(TypeError, match=r"got a tuple of 2.*hessian"):
        grad(f_xy, order=2)(1.0, 2.0)


@pytest.mark.parametrize("order", [0, -1, 1.5, True])
def test_grad_order_must_be_a_positive_int(order: Any) -> None:
    with pytest.raises(ValueError, match="order must be an int >= 1"):
        grad(cube, order=order)


def test_second_derivative_at_zero_of_powers() -> None:
    # x**1 → 1·x**0 → 0: needs ∂/∂x x**0 = 0 also at x = 0
    assert grad(lambda x: x**1, order=2)(0.0) == (0.0,)
    assert grad(lambda x: x**2, order=2)(0.0) == (2.0,)
    assert grad(lambda x: x**0)(0.0) == (0.0,)


# -- backward(create_graph=True) semantics ------------------------------------------------------


def tiny_net(x: Sequence[Value], w: Sequence[Value]) -> Value:
    """u = w·x + b → tanh → a second neuron → squared error against 0.5."""
    h1 = linear(w[0:2], x, w[2]).tanh()
    h2 = linear(w[3:5], x, w[5]).sigmoid()
    y = linear([w[6], w[7]], [h1, h2], w[8])
    return (y - 0.5) ** 2


def fresh(seed: int) -> tuple[list[Value], list[Value]]:
    rng = random.Random(seed)
    return [Value(rng.uniform(-1, 1)) for _ in range(2)], [
        Value(rng.uniform(-1, 1)) for _ in range(9)
    ]


def test_create_graph_gives_the_same_gradients_as_the_float_sweep() -> None:
    x, w = fresh(0)
    loss = tiny_net(x, w)
    loss.backward()
    nodes = [*x, *w]
    floats = [n.grad for n in nodes]
    assert all(type(g) is float for g in floats)  # default: plain floats
    for n in nodes:
        n.grad = 0.0
    loss.backward(create_graph=True)
    assert all(isinstance(n.grad, Value) for n in nodes)
    assert [n.grad.data for n in nodes] == pytest.approx(floats, rel=1e-12, abs=1e-15)
    assert isinstance(loss.grad, Value) and loss.grad.data == 1.0


def test_create_graph_leaves_accumulate_and_intermediates_reset() -> None:
    x = Value(1.5)
    u = x * x
    y = u.exp()
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert x.grad.data == pytest.approx(2 * 2 * 1.5 * math.exp(2.25))
    assert u.grad.data == pytest.approx(math.exp(2.25))  # this pass's δ only
    y.backward()  # mixing: a float pass adds to the Value grad of a leaf
    assert float(x.grad) == pytest.approx(3 * 2 * 1.5 * math.exp(2.25))


def test_create_graph_under_no_grad_gives_constant_values() -> None:
    x = Value(2.0)
    y = cube(x)
    with no_grad():
        y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0 and x.grad.op == ""


def test_gradients_leaves_grad_untouched_and_gives_zero_for_unrelated_inputs() -> None:
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    out = f_xy(x, y)
    gx, gy, gz = gradients(out, [x, y, z])
    assert (gx, gy) == pytest.approx(grad(f_xy)(1.0, 2.0), rel=1e-15) and gz == 0.0
    vx, vz = gradients(out, [x, z], create_graph=True)
    assert vx.data == pytest.approx(gx, rel=1e-15) and vz.data == 0.0
    assert (x.grad, y.grad, z.grad, out.grad) == (0.0, 0.0, 0.0, 0.0)


def test_gradients_with_respect_to_an_intermediate_node() -> None:
    x = Value(0.5)
    u = x * 3
    y = u.tanh() * u
    (du,) = gradients(y, [u])
    t = math.tanh(1.5)
    assert du == pytest.approx((1 - t * t) * 1.5 + t)


def test_gradients_rejects_non_values() -> None:
    with pytest.raises(TypeError, match="wrt must be Values, got float"):
        gradients(Value(1.0) * 2, [1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="root must be a Value"):
        gradients(1.0, [])  # type: ignore[call-overload]


def test_create_graph_builds_one_sum_node_per_fan_in() -> None:
    x = Value(0.3)
    y = add_n([x * k for k in range(1, 6)])
    (g,) = gradients(y, [x], create_graph=True)
    assert g.op == "sum" and len(g.parents) == 5 and g.data == 15.0


# -- random expression DAGs against central differences ---------------------------------------


class ValueKit:
    """The few functions a random expression needs beyond operators and methods, on Values."""

    softplus = staticmethod(Value.softplus)
    linear = staticmethod(linear)
    add_n = staticmethod(add_n)
    logsumexp = staticmethod(logsumexp)


UNARY: dict[str, Callable[[Any, Any], Any]] = {
    "neg": lambda k, a: -a,
    "exp": lambda k, a: a.exp(),
    "log": lambda k, a: (a * a + 0.5).log(),
    "sqrt": lambda k, a: (a * a + 0.25).sqrt(),
    "tanh": lambda k, a: a.tanh(),
    "sigmoid": lambda k, a: a.sigmoid(),
    "relu": lambda k, a: a.relu(),
    "abs": lambda k, a: abs(a),
    "softplus": lambda k, a: k.softplus(a),
}
BINARY: dict[str, Callable[[Any, Any, float], Any]] = {
    "add": lambda a, b, c: a + b if c > 0 else c + a,
    "sub": lambda a, b, c: a - b if c > 0 else c - a,
    "mul": lambda a, b, c: a * b if c > 0 else a * c,
    "div": lambda a, b, c: a / (b * b + 0.5) if c > 0 else c / (a * a + 0.5),
    "powc": lambda a, b, c: a ** round(3 * abs(c) + 1) if c > 0 else (a * a + 0.5) ** c,
    "pow": lambda a, b, c: (a * a + 0.5) ** b if c > 0 else (abs(c) + 0.5) ** a,
}
NARY: dict[str, Callable[[Any, list[Any], float], Any]] = {
    "linear": lambda k, v, c: (
        k.linear(v[:2], v[2:4], v[4]) if c > 0 else k.linear(v[:2], [c, 0.5], 0.0)
    ),
    "sum": lambda k, v, c: k.add_n(v[:3]) if c > 0 else k.add_n([v[0], c, v[1]]),
    "logsumexp": lambda k, v, c: k.logsumexp(v[:3]) if c > 0 else k.logsumexp([v[0], c]),
}
# The random DAGs mix these ops; every op of the table is covered per op by
# tests/test_op_catalogue.py (whose one completeness check lists the table).
RANDOM_OPS = sorted({*UNARY, *BINARY, *NARY})

Step = tuple[str, tuple[int, ...], float]


def build(plan: list[Step], xs: Sequence[Any], kit: Any = ValueKit) -> tuple[Any, list[Any]]:
    """Run the plan on the inputs: each step applies an op to earlier nodes (shared freely).

    The output sums the last three nodes, so earlier nodes reach it along several paths.
    ``kit`` supplies softplus, linear, add_n and logsumexp (Values, or torch for a cross-check).
    """
    nodes: list[Any] = list(xs)
    for name, picks, c in plan:
        args = [nodes[i % len(nodes)] for i in picks]
        if name in UNARY:
            nodes.append(UNARY[name](kit, args[0]))
        elif name in BINARY:
            nodes.append(BINARY[name](args[0], args[1], c))
        else:
            nodes.append(NARY[name](kit, args, c))
    return kit.add_n(nodes[-3:]) if len(nodes) >= 3 else nodes[-1], nodes


def well_conditioned(plan: list[Step], xs: Sequence[float]) -> bool:
    """Magnitudes stay moderate and no relu/abs argument sits near its kink at 0."""
    _, nodes = build(plan, [Value(x) for x in xs])
    if any(not abs(n.data) < 50 for n in nodes):
        return False
    kinks = [n.parents[0].data for n in nodes if n.op in ("relu", "abs")]
    return all(abs(k) > 0.05 for k in kinks)


def numeric_hessian(f: Callable[..., Value], xs: Sequence[float], eps: float = 1e-5) -> Matrix:
    """Central differences of the (exact, float) gradient: H[i] ≈ (∇f(x+εeᵢ) − ∇f(x−εeᵢ))/2ε."""
    rows = []
    for i in range(len(xs)):
        up = grad(f)(*(x + eps if j == i else x for j, x in enumerate(xs)))
        down = grad(f)(*(x - eps if j == i else x for j, x in enumerate(xs)))
        rows.append([(u - d) / (2 * eps) for u, d in zip(up, down, strict=True)])
    return rows


def step_strategy(name: str | None = None) -> st.SearchStrategy[Step]:
    names = st.sampled_from(RANDOM_OPS) if name is None else st.just(name)
    picks = st.tuples(*[st.integers(0, 20)] * 5)
    consts = st.floats(0.1, 1.5) | st.floats(-1.5, -0.1)
    return st.tuples(names, picks, consts)


def plans(name: str) -> st.SearchStrategy[list[Step]]:
    """Random steps with the op under test forced in at a random place."""
    return st.tuples(
        st.lists(step_strategy(), max_size=4),
        step_strategy(name),
        st.lists(step_strategy(), max_size=3),
    ).map(lambda t: [*t[0], t[1], *t[2]])


inputs = st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=3)


@pytest.mark.parametrize("name", RANDOM_OPS)
@settings(max_examples=25)
@given(data=st.data())
def test_random_dags_match_central_differences(name: str, data: st.DataObject) -> None:
    plan = data.draw(plans(name))
    xs = data.draw(inputs)
    assume(well_conditioned(plan, xs))

    def f(*vs: Value) -> Value:
        out: Value = build(plan, vs)[0]
        return out

    analytic = hessian(f)(*xs)
    numeric = numeric_hessian(f, xs)
    scale = 1.0 + max(abs(v) for row in numeric for v in row)
    for row_a, row_n in zip(analytic, numeric, strict=True):
        assert row_a == pytest.approx(row_n, rel=1e-5, abs=2e-6 * scale)
    for i, row in enumerate(analytic):  # symmetric, as a Hessian must be
        assert [r[i] for r in analytic] == pytest.approx(row, rel=1e-9, abs=1e-12)
    v = [1.0, -0.5, 0.25][: len(xs)]
    want = [sum(h * vj for h, vj in zip(row, v, strict=True)) for row in analytic]
    assert hvp(f)(xs, v) == pytest.approx(want, rel=1e-9, abs=1e-12)


class TorchKit:
    """The same four functions on float64 torch tensors."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch

    def tensor(self, x: Any) -> Any:
        t = self.torch
        return x if isinstance(x, t.Tensor) else t.tensor(float(x), dtype=t.float64)

    def softplus(self, a: Any) -> Any:
        return self.torch.nn.functional.softplus(a)

    def linear(self, ws: list[Any], hs: list[Any], b: Any) -> Any:
        return self.add_n([*(w * h for w, h in zip(ws, hs, strict=True)), b])

    def add_n(self, xs: list[Any]) -> Any:
        return self.torch.stack([self.tensor(x) for x in xs]).sum()

    def logsumexp(self, xs: list[Any]) -> Any:
        return self.torch.logsumexp(self.torch.stack([self.tensor(x) for x in xs]), dim=0)


@settings(max_examples=60)
@given(plan=st.lists(step_strategy(), min_size=1, max_size=8), xs=inputs)
def test_random_dags_match_torch_hessian(plan: list[Step], xs: list[float]) -> None:
    torch = pytest.importorskip("torch")
    assume(well_conditioned(plan, xs))
    kit = TorchKit(torch)

    def f_torch(t: Any) -> Any:
        return build(plan, list(t.unbind()), kit)[0]

    def f(*vs: Value) -> Value:
        out: Value = build(plan, vs)[0]
        return out

    want = torch.autograd.functional.hessian(f_torch, torch.tensor(xs, dtype=torch.float64))
    assert_matrix_close(hessian(f)(*xs), want.tolist(), rel=1e-9, abs_=1e-12)


# -- through nn ---------------------------------------------------------------------------------


def mlp_loss(model: nn.MLP, x: Sequence[float], t: float) -> Value:
    y = model(list(x))
    assert isinstance(y, Value)
    return (y - t) ** 2


def float_grads(model: nn.MLP, wrt: list[Value], x: Sequence[float], t: float) -> list[float]:
    return gradients(mlp_loss(model, x, t), wrt)


def test_hessian_of_a_tiny_network_loss_with_respect_to_a_few_weights() -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    named = {p.label: p for p in model.parameters()}
    wrt = [named[k] for k in ("w_111", "w_121", "w_211", "w_213", "b_21")]
    x, t = (0.5, -1.0), 0.8
    first = gradients(mlp_loss(model, x, t), wrt, create_graph=True)
    h = [gradients(g, wrt) for g in first]
    eps = 1e-6
    for i, p in enumerate(wrt):  # central differences of the float gradient in p
        p.data += eps
        up = float_grads(model, wrt, x, t)
        p.data -= 2 * eps
        down = float_grads(model, wrt, x, t)
        p.data += eps
        assert h[i] == pytest.approx(
            [(u - d) / (2 * eps) for u, d in zip(up, down, strict=True)], abs=1e-7
        )
        assert [row[i] for row in h] == pytest.approx(h[i], rel=1e-12, abs=1e-15)
    assert h[4][4] == 2.0  # ∂²(y − t)²/∂b² = 2 for the linear output's bias
    h_11 = model.neurons_by_layer()[0][0].h
    assert h_11 is not None and h_11.label == "h_11"
    assert h[2][2] == pytest.approx(2 * h_11.data**2, rel=1e-12)  # ∂²/∂w² (w·h + …)² = 2h²


XS = [(-1.0, 0.5), (-0.5, -1.0), (0.0, 0.3), (0.5, 1.0), (1.0, -0.4), (0.8, 0.8)]
TS = [math.sin(2 * a) + 0.5 * b for a, b in XS]


def penalised_loss(model: nn.MLP, lam: float) -> tuple[Value, float]:
    """Mean over the batch of (y − t)² + λ‖∂(y − t)²/∂x‖², and the mean penalty."""
    total: list[Value] = []
    penalty = 0.0
    for x, t in zip(XS, TS, strict=True):
        inputs = [Value(v) for v in x]
        loss = mlp_loss(model, inputs, t)  # type: ignore[arg-type]
        gx = gradients(loss, inputs, create_graph=True)
        norm2 = add_n([g * g for g in gx])
        penalty += norm2.data / len(XS)
        total.append(loss + lam * norm2)
    return add_n(total) / len(XS), penalty


def test_gradient_penalty_is_differentiated_through() -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", seed=3)
    total, _ = penalised_loss(model, 0.5)
    total.backward()
    eps = 1e-6
    for p in model.parameters()[:6]:
        analytic = p.grad
        p.data += eps
        up = penalised_loss(model, 0.5)[0].data
        p.data -= 2 * eps
        down = penalised_loss(model, 0.5)[0].data
        p.data += eps
        assert analytic == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


def train(lam: float, steps: int, rate: float = 0.1) -> tuple[list[float], float]:
    model = nn.MLP(2, [6, 1], activation="tanh", seed=1)
    history = []
    for _ in range(steps):
        model.zero_grad()
        total, _ = penalised_loss(model, lam)
        total.backward()
        history.append(total.data)
        for p in model.parameters():
            p.data -= rate * p.grad
    return history, penalised_loss(model, lam)[1]


def test_gradient_penalty_trains() -> None:
    history, penalty = train(lam=0.5, steps=40)
    assert history[-1] < 0.6 * history[0]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(history))  # small ρ: monotone
    _, unpenalised = train(lam=0.0, steps=40)
    assert penalty < unpenalised  # the penalty term really shrinks ‖∂L/∂x‖²


def test_hessian_agrees_with_reverse_over_reverse() -> None:
    """Forward-over-reverse (hessian) against ∇f as Values and one gradients pass per row."""

    def f(*xs: Value) -> Value:
        return add_n([(a * b).tanh() * a for a, b in itertools.pairwise(xs)])

    xs = [0.3, -0.7, 1.1, 0.05, -1.3]
    inputs = [Value(x) for x in xs]
    first = gradients(f(*inputs), inputs, create_graph=True)
    separate = [gradients(g, inputs) for g in first]
    h = hessian(f)(*xs)
    assert_matrix_close(h, separate, rel=1e-13)
    assert h[1][3] == 0.0 and h[0][1] != 0.0  # x₂, x₄ never meet; x₁, x₂ do


def test_hessian_with_an_undefined_local_derivative_names_it() -> None:
    with pytest.raises(ZeroDivisionError, match=r"backward: the derivative of sqrt\(0.0\)"):
        hessian(lambda a, b: (a * b).sqrt() + a * b)(0.0, 1.0)
