"""Dual numbers from the op table, and forward-over-reverse ``hessian``/``hvp``.

Every result is compared with reverse-over-reverse (``gradients(create_graph=True)``, then one
``gradients`` pass per component), the engine's own second order: on the benchmark's MLP,
every op of the table at points drawn from its domain, a user op from ``ops.define``,
constants, unused inputs, kinks away from 0; the NumPy and the no-NumPy paths give the same
numbers; undefined derivatives and anomaly mode still go through the engine's sweep.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini.dual as dual
import autograd_mini.functional as functional
from autograd_mini import AnomalyError, Value, detect_anomaly, gradients, hessian, hvp
from autograd_mini.dual import (
    DUAL,
    Directions,
    Dual,
    hessian_rows,
    hessian_vector_products,
    lift,
    scaled,
)
from autograd_mini.engine import add_n, apply, linear, logsumexp
from autograd_mini.ops import BUILTIN, ELEMENTARY, FLOAT, OPS, Op, define
from autograd_mini.testing.domains import domain_of
from autograd_mini.testing.strategies import arguments

Matrix = list[list[float]]
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def reverse_over_reverse(f: Callable[..., Value], xs: Sequence[float]) -> Matrix:
    """The engine's Hessian: ∇f as Values (create_graph), then a float pass per component."""
    inputs = [Value(x) for x in xs]
    first = gradients(f(*inputs), inputs, create_graph=True)
    return [gradients(g, inputs) for g in first]


def times(h: Matrix, v: Sequence[float]) -> list[float]:
    return [math.fsum(a * b for a, b in zip(row, v, strict=True)) for row in h]


def assert_agrees(got: Sequence[Any], want: Sequence[Any], rel: float = 1e-12) -> None:
    """Equal to ``rel`` relative to the largest entry (entries near 0 come from cancellation)."""
    flat = [w for row in want for w in (row if isinstance(row, list) else [row])]
    scale = max([1e-300, *map(abs, flat)])
    for g, w in zip(got, want, strict=True):
        assert g == pytest.approx(w, rel=rel, abs=rel * scale)


# -- the Dual numbers ---------------------------------------------------------------------------


def test_arithmetic_is_the_tables_ops_on_duals() -> None:
    x, y = Dual(1.5, 1.0), Dual(-0.5, 2.0)
    s = x * y + x / y - y**2 - (-x) + 3.0 / x - 2.0**y + x**3
    value = 1.5 * -0.5 + 1.5 / -0.5 - 0.25 + 1.5 + 2.0 - 2**-0.5 + 3.375
    tangent = (
        (1.0 * -0.5 + 1.5 * 2.0)
        + (1.0 / -0.5 - 1.5 * 2.0 / 0.25)
        - 2 * -0.5 * 2.0
        + 1.0
        - 3.0 / 1.5**2
        - 2**-0.5 * math.log(2.0) * 2.0
        + 3 * 1.5**2
    )
    assert isinstance(s, Dual)
    assert s.primal == pytest.approx(value, rel=1e-15)
    assert s.tangent == pytest.approx(tangent, rel=1e-14)
    assert (x > y, x < y, x >= 1.5, x <= 1.0, x == 1.5, x != 1.5) == (
        True, False, True, False, True, False,
    )  # fmt: skip


def test_plain_numbers_give_plain_floats() -> None:
    assert lift(OPS["mul"], 2.0, 3.0) == 6.0 and type(lift(OPS["mul"], 2.0, 3.0)) is float
    assert DUAL.exp(0.0) == 1.0 and DUAL.power(2.0, 3.0) == 8.0


@pytest.mark.parametrize("name", [e.name for e in ELEMENTARY.values() if e.differentiable])
def test_each_elementary_function_has_its_ops_derivative(name: str) -> None:
    at = 0.7 if name != "power" else 1.3
    if name == "power":
        d = DUAL.power(Dual(at, 1.0), 2.5)
        assert (d.primal, d.tangent) == (at**2.5, pytest.approx(2.5 * at**1.5, rel=1e-15))
        return
    d = getattr(DUAL, name)(Dual(at, 2.0))
    value = getattr(FLOAT, name)(at)
    assert d.primal == value
    assert d.tangent == 2.0 * OPS[name].partials(FLOAT, value, at)[0]


@pytest.mark.parametrize("name", ["step", "sign", "is_zero"])
def test_piecewise_constant_functions_act_on_the_primal(name: str) -> None:
    for at in (-0.5, 0.0, 0.5):
        assert getattr(DUAL, name)(Dual(at, 3.0)) == getattr(FLOAT, name)(at)


def test_where_selects_and_shift_reads_primals() -> None:
    a, b = Dual(1.0, 2.0), Dual(3.0, 4.0)
    assert DUAL.where(a < b, a, b) is a and DUAL.where(a > b, a, b) is b
    assert DUAL.shift([a, b, 0.5]) == 3.0


def test_power_with_a_constant_exponent_is_defined_at_nonpositive_bases() -> None:
    """powc's rule c·x^(c−1): also at x ≤ 0 and when the exponent is a Dual that does not move."""
    for c in (2.0, 3.0, Dual(3.0, 0.0)):
        d = Dual(-2.0, 1.0) ** c
        k = c.primal if isinstance(c, Dual) else c
        assert d.primal == (-2.0) ** k and d.tangent == k * (-2.0) ** (k - 1)
    assert (Dual(0.0, 1.0) ** 2.0).tangent == 0.0
    moving = Dual(2.0, 1.0) ** Dual(3.0, 1.0)  # pow: both derivatives, y·x^(y−1) + xʸ·ln x
    assert moving.tangent == pytest.approx(3 * 4.0 + 8.0 * math.log(2.0), rel=1e-15)
    with pytest.raises(ValueError, match="needs a positive base"):
        Dual(-2.0, 1.0) ** Dual(3.0, 1.0)


def test_scaled_keeps_zero_tangents_zero_at_infinite_partials() -> None:
    assert scaled(math.inf, 0.0) == 0.0 and scaled(math.nan, 0.0) == 0.0
    assert scaled(math.inf, 2.0) == math.inf and scaled(3.0, 2.0) == 6.0
    np = pytest.importorskip("numpy")
    assert scaled(math.inf, np.array([0.0, 2.0])).tolist() == [0.0, math.inf]


def test_a_domain_error_on_duals_is_the_ops_error() -> None:
    with pytest.raises(ValueError, match=r"log: log\(-1.0\) is undefined"):
        DUAL.log(Dual(-1.0, 1.0))
    with pytest.raises(ZeroDivisionError, match="divides by zero"):
        Dual(1.0, 1.0) / 0.0


# -- forward-over-reverse against reverse-over-reverse ----------------------------------------


def benchmark_f(points: int = 100) -> tuple[Callable[..., Value], list[float], list[float]]:
    """The benchmark's f (benchmarks/engines.py ours_second): MLP 2-8-8-1 tanh on 100 moons
    points (or fewer) as a function of its 105 weights, its w and its v."""
    sys.path.insert(0, str(BENCHMARKS))
    import workloads

    assert workloads.SECOND_POINTS == 100
    xs, ys = workloads.moons(points)
    w = workloads.second_order_point()

    def f(*w: Any) -> Value:
        layers = workloads.unflatten(w)
        terms = []
        for x, t in zip(xs, ys, strict=True):
            h: list[Any] = list(x)
            for i, (rows, biases) in enumerate(layers):
                u = [linear(r, h, b) for r, b in zip(rows, biases, strict=True)]
                h = [ui.tanh() for ui in u] if i < len(layers) - 1 else u
            d = h[0] - t
            terms.append(d * d)
        return add_n(terms) * (1.0 / len(xs))

    return f, w, workloads.second_order_vector(len(w))


def test_the_benchmark_mlp() -> None:
    f, w, v = benchmark_f()
    want = reverse_over_reverse(f, w)
    h = hessian(f)(*w)
    assert len(h) == len(w) == 105
    for row, row_want in zip(h, want, strict=True):
        assert_agrees(row, row_want)
    assert_agrees(hvp(f)(w, v), times(want, v))
    assert hvp(f)(w, v) == pytest.approx(times(h, v), rel=1e-12, abs=1e-15)


def op_function(name: str, consts: dict[int, float]) -> Callable[..., Value]:
    """s = op(args) with the Values (and the domain's constants in place), then 1.5s² + s·x₀ so
    the op's first derivatives flow through the second ones too."""
    op = OPS[name]

    def f(*vs: Value) -> Value:
        it = iter(vs)
        n = len(vs) + len(consts)
        s = apply(op, *(consts[i] if i in consts else next(it) for i in range(n)))
        return 1.5 * s * s + s * vs[0] + 0.5 * s

    return f


@st.composite
def op_points(draw: st.DrawFn) -> tuple[str, dict[int, float], list[float]]:
    name = draw(st.sampled_from(list(BUILTIN)))
    domain = domain_of(OPS[name])
    xs = draw(arguments(domain))
    consts = {i: x for i, (a, x) in enumerate(zip(domain.args, xs, strict=True)) if a.is_constant}
    return name, consts, [x for i, x in enumerate(xs) if i not in consts]


@settings(max_examples=150, derandomize=True, deadline=None)
@given(point=op_points(), seed=st.integers(0, 2**16))
def test_every_op_of_the_table(point: tuple[str, dict[int, float], list[float]], seed: int) -> None:
    name, consts, xs = point
    f = op_function(name, consts)
    want = reverse_over_reverse(f, xs)
    h = hessian(f)(*xs)
    for row, row_want in zip(h, want, strict=True):
        assert_agrees(row, row_want)
    assert hessian_rows_without_numpy(f, xs) == h
    v = [random.Random(seed).uniform(-1, 1) for _ in xs]
    assert_agrees(hvp(f)(xs, v), times(want, v))


@pytest.mark.parametrize("name", list(BUILTIN))
def test_every_op_is_reached_by_the_property(name: str) -> None:
    """Each op at one point of its domain (the property above samples ops at random)."""
    domain = domain_of(OPS[name])
    fractions = [0.61, 0.27, 0.83, 0.45, 0.7]
    xs = [
        a.choices[0] if a.is_constant else a.low + u * (a.high - a.low)
        for a, u in zip(domain.args, fractions, strict=False)
    ]
    assert domain.contains(*xs)
    consts = {i: x for i, (a, x) in enumerate(zip(domain.args, xs, strict=True)) if a.is_constant}
    values = [x for i, x in enumerate(xs) if i not in consts]
    f = op_function(name, consts)
    want = reverse_over_reverse(f, values)
    assert any(w != 0.0 for row in want for w in row)
    for row, row_want in zip(hessian(f)(*values), want, strict=True):
        assert_agrees(row, row_want)


def hessian_rows_without_numpy(f: Callable[..., Value], xs: Sequence[float]) -> Matrix:
    inputs = [Value(x) for x in xs]
    return hessian_rows(f(*inputs), inputs, arrays=False)


@pytest.fixture
def soft_square() -> Op:
    """A user op: its second order comes from its partials rule alone, on Duals as on Values
    (conftest takes it out of the table afterwards)."""
    return define(
        "soft_square_for_test_dual",
        forward=lambda m, x, y: m.log1p(x * x) * m.exp(-y) + m.where(x > 0, x, 0.5 * x),
        partials=lambda m, out, x, y: (
            2.0 * x / (1.0 + x * x) * m.exp(-y) + m.where(x > 0, 1.0, 0.5),
            -m.log1p(x * x) * m.exp(-y),
        ),
        formula="log(1 + x²)·e^(−y) + leaky(x)",
    )


def test_a_user_op_from_define(soft_square: Op) -> None:
    def f(a: Value, b: Value, c: Value) -> Value:
        return apply(soft_square, a * c, b.sin()) * a + apply(soft_square, b, 0.3)

    for xs in ([0.8, -0.4, 1.3], [-0.6, 1.1, 0.7]):
        want = reverse_over_reverse(f, xs)
        h = hessian(f)(*xs)
        for row, row_want in zip(h, want, strict=True):
            assert_agrees(row, row_want)
        assert_agrees(hvp(f)(xs, [1.0, -2.0, 0.5]), times(want, [1.0, -2.0, 0.5]))


def with_constants(x: Value, y: Value) -> Value:
    return 3.0 * x + x * 2.5 + x**2 / 4.0 + (x * y + 1.0).exp() - 2.0**y + linear([x, 0.5], [y, 2])


def unused(x: Value, y: Value, z: Value) -> Value:
    return (x * y).tanh() + x**3  # z is never used


def kinks(x: Value, y: Value) -> Value:
    return (
        (x * y).relu()
        + abs(x - 0.3) * y
        + x.maximum(y) * y.minimum(x * 2.0)
        + (x * 3.0).clip(-1.0, 1.0) * x
        + (y * y).clip(-1.0, 1.0) * y
        + (x - 2.0).relu() * y
        + logsumexp([x, y * 2.0, 0.5])
    )


@pytest.mark.parametrize(
    ("f", "xs"),
    [
        (with_constants, [0.4, -0.9]),
        (unused, [0.5, -1.2, 7.0]),
        (kinks, [0.2, 0.9]),
        (kinks, [-0.7, 0.35]),
        (kinks, [1.3, -0.6]),
    ],
    ids=["constants", "unused-input", "kinks-1", "kinks-2", "kinks-3"],
)
def test_functions_of_several_kinds(f: Callable[..., Value], xs: list[float]) -> None:
    want = reverse_over_reverse(f, xs)
    h = hessian(f)(*xs)
    for row, row_want in zip(h, want, strict=True):
        assert_agrees(row, row_want)
    assert hessian_rows_without_numpy(f, xs) == h
    v = [0.5, -1.5, 2.0][: len(xs)]
    assert_agrees(hvp(f)(xs, v), times(want, v))


def test_an_unused_input_has_a_zero_row_and_column() -> None:
    h = hessian(unused)(0.5, -1.2, 7.0)
    assert h[2] == [0.0, 0.0, 0.0] and [row[2] for row in h] == [0.0, 0.0, 0.0]
    assert hvp(unused)([0.5, -1.2, 7.0], [0.0, 0.0, 1.0]) == [0.0, 0.0, 0.0]
    assert hessian(lambda x, y: x * 2.0)(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda x: x)(3.0) == [[0.0]]  # f is its input: no node at all


def test_zero_directions_still_reach_second_derivatives() -> None:
    """A node whose own tangent is 0 (here x·y with v = (1, 0) at y = 0) still has a moving
    local derivative: ∂(xy)/∂y = x moves with x."""

    def f(x: Value, y: Value) -> Value:
        return x * y

    assert hvp(f)([2.0, 0.0], [1.0, 0.0]) == [0.0, 1.0]
    assert hessian(f)(2.0, 0.0) == [[0.0, 1.0], [1.0, 0.0]]


# -- the NumPy and the no-NumPy paths -------------------------------------------------------------


def test_without_numpy_hessian_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numpy")
    xs = [0.2, 0.9]
    with_numpy = hessian(kinks)(*xs)
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` fails, as without it
    seen: list[Any] = []
    real = dual.hessian_vector_products

    def recording(root: Value, inputs: Sequence[Value], tangents: Sequence[Any]) -> Any:
        seen.extend(tangents)
        return real(root, inputs, tangents)

    monkeypatch.setattr(dual, "hessian_vector_products", recording)
    assert hessian(kinks)(*xs) == with_numpy
    assert [type(t) for t in seen] == [Directions, Directions]  # lists of floats, no NumPy


def test_the_two_paths_agree_on_the_benchmark_mlp_exactly() -> None:
    pytest.importorskip("numpy")
    f, w, _ = benchmark_f(points=10)
    inputs = [Value(x) for x in w]
    root = f(*inputs)
    assert hessian_rows(root, inputs, arrays=True) == hessian_rows(root, inputs, arrays=False)


@pytest.mark.parametrize("kind", ["numpy", "lists"])
def test_vector_tangents_give_several_products_at_once(kind: str) -> None:
    """Each entry of a vector tangent is the float tangent of its own direction, exactly."""
    vs = [[1.0, 0.5, -2.0], [0.0, 1.0, 3.0]]  # three directions, one per column
    if kind == "numpy":
        np = pytest.importorskip("numpy")
        tangents: list[Any] = [np.array(row) for row in vs]
    else:
        tangents = [Directions(row) for row in vs]
    inputs = [Value(0.3), Value(-0.8)]
    root = kinks(*inputs)
    together = hessian_vector_products(root, inputs, tangents)
    entries = [t.tolist() if kind == "numpy" else t.entries for t in together]
    for c in range(3):
        alone = hessian_vector_products(root, inputs, [vs[0][c], vs[1][c]])
        assert [e[c] for e in entries] == alone


def test_directions_arithmetic_is_entry_by_entry() -> None:
    a, b = Directions([1.0, -2.0, 0.0]), Directions([0.5, 0.25, 0.0])
    assert (a + b).entries == [1.5, -1.75, 0.0] and (0.0 + a).entries == a.entries
    assert (a * 3.0).entries == (3.0 * a).entries == [3.0, -6.0, 0.0]
    assert a.any() and not Directions([0.0, 0.0]).any()
    assert scaled(math.inf, a).entries == [math.inf, -math.inf, 0.0]  # 0·∞ = 0
    d = Dual(2.0, a) * Dual(3.0, b)  # the product rule on every direction at once
    assert d.primal == 6.0 and d.tangent.entries == [3.0 * 1.0 + 2.0 * 0.5, -6.0 + 0.5, 0.0]


# -- errors and anomaly mode ----------------------------------------------------------------


def test_an_undefined_local_derivative_names_the_node_in_hvp_and_hessian() -> None:
    def f(a: Value, b: Value) -> Value:
        return (a * b).sqrt() + a * b

    message = r"backward: the derivative of sqrt\(0.0\) is undefined"
    with pytest.raises(ZeroDivisionError, match=message):
        hessian(f)(0.0, 1.0)
    with pytest.raises(ZeroDivisionError, match=message):
        hvp(f)([0.0, 1.0], [1.0, 1.0])


def test_a_forward_domain_error_is_unchanged() -> None:
    message = r"log: log\(-1.0\) is undefined \(log needs x > 0\)"
    with pytest.raises(ValueError, match=message):
        hessian(lambda x: x.log())(-1.0)
    with pytest.raises(ValueError, match=message):
        hvp(lambda x: x.log())([-1.0], [1.0])


def test_hvp_checks_lengths_first() -> None:
    with pytest.raises(ValueError, match="3 inputs but the vector v has 1 entries"):
        hvp(unused)([1.0, 2.0, 3.0], [1.0])


def test_anomaly_mode_checks_every_term(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside detect_anomaly both go through the engine's checked sweeps (reverse over
    reverse), which see a nan term that forward-over-reverse would carry silently."""
    calls: list[bool] = []
    real = functional.gradients

    def counting(root: Value, wrt: Sequence[Value], *, create_graph: bool = False) -> Any:
        calls.append(create_graph)
        return real(root, wrt, create_graph=create_graph)  # type: ignore[call-overload]

    monkeypatch.setattr(functional, "gradients", counting)
    with detect_anomaly():
        assert hessian(unused)(0.5, -1.2, 7.0) == reverse_over_reverse(unused, [0.5, -1.2, 7.0])
        assert calls == [True, False, False, False]  # ∇f as Values, then one pass per row
        calls.clear()
        hvp(unused)([0.5, -1.2, 7.0], [1.0, 1.0, 1.0])
        assert calls == [True, False]
        with pytest.raises(AnomalyError, match="backward: mul"):  # ∂/∂h = w·1e200 = inf
            hvp(lambda w, h: (w * h) * 1e200)([1e200, 1e-200], [1.0, 1.0])
    calls.clear()
    hessian(unused)(0.5, -1.2, 7.0)
    hvp(unused)([0.5, -1.2, 7.0], [1.0, 1.0, 1.0])
    assert calls == []  # outside: no gradient graph, no gradients pass
