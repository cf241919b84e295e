"""backward()'s shortcuts give exactly the partials the op table's rules give.

``backward()`` reads some partials rules once on placeholders (constants such as add's and
sum's, swapped arguments such as mul's and linear's) instead of calling them per node;
:func:`engine.adjoints` always calls the rule. Both must give the same gradients, bit for
bit, whatever mixes of Values and constants (and repeated Values) the arguments are.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, ops
from autograd_mini.engine import add_n, adjoints, apply, linear, linear_layer

SETTINGS = settings(max_examples=60, derandomize=True, deadline=None)


def backward_grads(root: Value, leaves: list[Value]) -> list[float]:
    for leaf in leaves:
        leaf.grad = 0.0
    root.backward()
    return [leaf.grad for leaf in leaves]


def rule_grads(root: Value, leaves: list[Value]) -> list[float]:
    found = adjoints(root)
    return [found.get(leaf, 0.0) for leaf in leaves]


finite = st.floats(-10, 10, allow_nan=False)


@SETTINGS
@given(
    n=st.integers(1, 6),
    numbers=st.lists(finite, min_size=13, max_size=13),
    kinds=st.lists(st.sampled_from(["value", "constant", "repeat"]), min_size=13, max_size=13),
)
def test_linear_backward_equals_the_rule(n: int, numbers: list[float], kinds: list[str]) -> None:
    """Weights, inputs and bias each a Value, a plain number or an earlier Value again."""
    leaves: list[Value] = []
    args: list[Value | float] = []
    for x, kind in zip(numbers[: 2 * n + 1], kinds, strict=False):
        if kind == "repeat" and leaves:
            args.append(leaves[0])
        elif kind == "constant":
            args.append(x)
        else:
            leaves.append(Value(x))
            args.append(leaves[-1])
    u = linear(args[:n], args[n : 2 * n], args[2 * n])
    root = u * u + u  # u is an intermediate node: the shortcut runs with g ≠ 1
    assert backward_grads(root, leaves) == rule_grads(root, leaves)


def test_a_layer_backward_equals_the_rule() -> None:
    ws = [[Value(0.1 * (i + j) - 0.3) for i in range(4)] for j in range(3)]
    bs = [Value(0.05 * j) for j in range(3)]
    hs = [Value(0.7), 2.0, Value(-1.5), 0.25]
    us = linear_layer(ws, hs, bs)
    root = add_n([u * u for u in us])
    leaves = [p for row in ws for p in row] + bs + [h for h in hs if isinstance(h, Value)]
    assert backward_grads(root, leaves) == rule_grads(root, leaves)
    # ∂/∂w₀₁ by hand: 2u₀ · h₁
    assert backward_grads(root, leaves)[1] == pytest.approx(2 * us[0].data * 2.0)


@pytest.fixture
def user_ops() -> dict[str, ops.Op]:
    """Variadic user ops of each kind of shortcut (conftest takes them out of the table)."""
    return {
        "pairs": ops.define(
            "zz_pairs_test",
            forward=lambda m, *xs: xs[0] * xs[2] + xs[1] * xs[3] + 3.0 * xs[4],
            partials=lambda m, out, *xs: (xs[2], xs[3], xs[0], xs[1], 3.0),
            formula="x₀x₂ + x₁x₃ + 3x₄",
        ),
        "constants": ops.define(
            "zz_weighted_test",
            forward=lambda m, *xs: 2.0 * xs[0] - xs[1] + 0.5 * xs[2],
            partials=lambda m, out, *xs: (2.0, -1.0, 0.5),
            formula="2x₀ − x₁ + x₂/2",
        ),
        "computed": ops.define(
            "zz_product_test",
            forward=lambda m, *xs: xs[0] * xs[1] * xs[2],
            partials=lambda m, out, *xs: (xs[1] * xs[2], xs[0] * xs[2], xs[0] * xs[1]),
            formula="x₀x₁x₂",
        ),
    }


@pytest.mark.parametrize("kind", ["pairs", "constants", "computed"])
def test_user_variadic_ops_backward_equals_the_rule(user_ops: dict[str, ops.Op], kind: str) -> None:
    op = user_ops[kind]
    a, b, c = Value(1.5), Value(-0.5), Value(2.25)
    args: list[Value | float] = [a, b, c, 4.0, a] if kind == "pairs" else [a, b, c]
    y = apply(op, *args)
    root = y * y
    assert backward_grads(root, [a, b, c]) == rule_grads(root, [a, b, c])
    if kind == "pairs":  # ∂y/∂a = x₂ + 3 (a is x₀ and x₄), ∂y/∂c = x₀
        assert backward_grads(y, [a, b, c]) == [2.25 + 3.0, 4.0, 1.5]
    if kind == "computed":
        assert backward_grads(y, [a, b, c]) == [-0.5 * 2.25, 1.5 * 2.25, 1.5 * -0.5]
