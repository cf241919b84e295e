"""autograd_mini.testing.strategies: values inside domains, expression DAGs that build on any
micrograd-style class (shared nodes or trees), small networks; deterministic when derandomized."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import find, given, settings

from autograd_mini import Value
from autograd_mini.ops import OPS
from autograd_mini.testing import FORMS, Expression, Step, check_grads, domain_of
from autograd_mini.testing.strategies import LARGEST, Network, expressions, networks, values

SETTINGS = settings(max_examples=40, derandomize=True, deadline=None, database=None)
FIND = settings(max_examples=200, derandomize=True, database=None)


@pytest.mark.parametrize("name", ["log", "div", "powc", "relu", "linear"])
def test_values_lie_in_the_op_domain(name: str) -> None:
    domain = domain_of(OPS[name])

    @SETTINGS
    @given(values(name))
    def inside(xs: Any) -> None:
        args = xs if isinstance(xs, tuple) else (xs,)
        assert len(args) == len(domain.args)
        assert domain.contains(*args)
        if len(domain.args) == 1:
            assert isinstance(xs, float)

    inside()


def test_values_without_an_op_are_moderate_floats() -> None:
    @SETTINGS
    @given(values())
    def moderate(x: float) -> None:
        assert -3.0 <= x <= 3.0 and not math.isnan(x)

    moderate()
    with pytest.raises(ValueError, match="values: unknown op 'nope'"):
        values("nope")


def uses(expr: Expression) -> Counter[int]:
    """How often each node is used as an argument or an output."""
    count: Counter[int] = Counter()
    for step in expr.steps:
        count.update(step.picks)
    count.update(expr.outputs)
    return count


def test_shared_expressions_contain_nodes_that_feed_several_others() -> None:
    expr = find(
        expressions(),
        lambda e: len(e.steps) >= 2 and max(uses(e).values()) >= 2,
        settings=FIND,
    )
    assert max(uses(expr).values()) >= 2


def test_tree_expressions_use_each_node_at_most_once() -> None:
    @SETTINGS
    @given(expressions(shared=False, max_leaves=4))
    def tree(expr: Expression) -> None:
        assert max(uses(expr).values()) == 1

    tree()


def test_every_node_of_an_expression_is_inside_its_domain_and_finite() -> None:
    @SETTINGS
    @given(expressions(max_steps=8))
    def inside(expr: Expression) -> None:
        nodes = expr.nodes(*(Value(x) for x in expr.inputs))
        for step in expr.steps:
            args = [nodes[i].data for i in step.picks]
            assert FORMS[step.form].domain.contains(*args, *step.constants)
        assert all(abs(n.data) <= LARGEST for n in nodes)

    inside()


def test_expressions_agree_with_finite_differences_to_second_order() -> None:
    smooth = [name for name in FORMS if name != "relu"]

    @settings(max_examples=30, derandomize=True, deadline=None, database=None)
    @given(expressions(smooth))
    def agrees(expr: Expression) -> None:
        check_grads(expr, expr.inputs, rtol=1e-4, atol=1e-5)

    agrees()


def test_an_expression_builds_on_micrograd_too() -> None:
    micrograd = pytest.importorskip("micrograd.engine")
    arithmetic = ["add", "sub", "mul", "div", "neg", "pow", "radd", "rmul", "relu"]

    @SETTINGS
    @given(expressions(arithmetic))
    def same(expr: Expression) -> None:
        ours, out = expr.build(Value)
        theirs, out_mg = expr.build(micrograd.Value)
        out.backward()
        out_mg.backward()
        assert out_mg.data == pytest.approx(out.data, rel=1e-12, abs=1e-12)
        for a, b in zip(ours, theirs, strict=True):
            assert b.grad == pytest.approx(a.grad, rel=1e-9, abs=1e-12)

    same()


def test_an_expression_shows_its_program() -> None:
    expr = Expression(
        (0.5, 2.0), (Step("tanh", (0,)), Step("pow", (2,), (3.0,)), Step("mul", (2, 1))), (4, 2)
    )
    assert str(expr) == (
        "x0 = 0.5, x1 = 2.0: v0 = x0.tanh(); v1 = v0 ** 3.0; v2 = v0 * x1; out = v2 + v0"
    )
    assert expr.forms == ("tanh", "pow", "mul")
    t = math.tanh(0.5)
    assert expr(Value(0.5), Value(2.0)).data == pytest.approx(2 * t + t)
    with pytest.raises(ValueError, match="Expression: takes 2 inputs, got 1"):
        expr(Value(1.0))


def test_bad_expression_arguments() -> None:
    with pytest.raises(ValueError, match="expressions: unknown operation 'sin'"):
        expressions(["add", "sin"])
    with pytest.raises(ValueError, match="expressions: max_leaves must be an int >= 1"):
        expressions(max_leaves=0)


def test_drawing_is_deterministic_when_derandomized() -> None:
    def draw_all() -> list[str]:
        seen: list[str] = []

        @SETTINGS
        @given(expressions())
        def record(expr: Expression) -> None:
            seen.append(str(expr))

        record()
        return seen

    first = draw_all()
    assert first == draw_all() and len(set(first)) > 10


def test_networks_match_nn_mlp_and_their_gradients_check() -> None:
    @settings(max_examples=15, derandomize=True, deadline=None, database=None)
    @given(networks())
    def holds(net: Network) -> None:
        model = net.model()
        assert model(list(net.inputs)).data == pytest.approx(
            net(*(Value(w) for w in net.weights)).data, rel=1e-12, abs=1e-12
        )
        assert len(model.parameters()) == len(net.weights)
        check_grads(net, net.weights, order=1)

    holds()


def test_networks_refuse_unknown_activations() -> None:
    with pytest.raises(ValueError, match="networks: unknown activation \\['swish'\\]"):
        networks(activations=["swish"])
    net = find(networks(activations=["relu"]), lambda n: True, settings=FIND)
    assert net.activation == "relu" and net.sizes[-1] == 1
