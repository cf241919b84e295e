"""A user's own gradient tests with autograd_mini.testing: copy this file next to your code
and run ``pytest test_my_gradients.py`` (needs ``pip install 'autograd-mini[testing]'``).

It checks a function of yours to second order, an operation of yours with the whole
``check_op`` suite, random expressions and small networks, and a micrograd-style engine of
yours with the same checks as ``autograd-mini check-engine``.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings

from autograd_mini import Value
from autograd_mini.engine import apply
from autograd_mini.ops import Domain as OpDomain
from autograd_mini.ops import define
from autograd_mini.testing import Domain, Expression, between, check_grads, check_op
from autograd_mini.testing.conformance import run
from autograd_mini.testing.strategies import Network, expressions, networks, values

#: Repeatable and bounded, as every property test should be.
PROPERTY = settings(max_examples=50, derandomize=True, deadline=None)


# -- a function of yours ---------------------------------------------------------------------


def swish(x: Value) -> Value:
    """x·σ(x), written with autograd-mini's operations."""
    return x * x.sigmoid()


@PROPERTY
@given(values())
def test_swish_to_second_order(x: float) -> None:
    check_grads(swish, [x])


# -- operations of yours ---------------------------------------------------------------------

cube = define(
    "cube",
    forward=lambda m, x: x * x * x,
    partials=lambda m, out, x: (3 * x * x,),
    formula="∂/∂x = 3x²",
)


def test_my_cube_op() -> None:
    check_op(cube)
    assert apply(cube, Value(2.0)).data == 8.0


safe_log = define(
    "safe_log",
    symbol="log",
    forward=lambda m, x: m.log(x),
    partials=lambda m, out, x: (1.0 / x,),
    formula="∂/∂x = 1/x",
    # where it is undefined (refused with a clear error) ...
    check=OpDomain(lambda m, x: x <= 0, ValueError, "safe_log: log({0!r}) needs x > 0"),
    # ... and where it is tested: check_op draws from here and expects these refused
    domain=Domain((between(0.05, 10),), outside=((0.0,), (-1.0,))),
)


def test_my_log_op_on_its_domain() -> None:
    check_op(safe_log)


# -- random expressions and networks ---------------------------------------------------------


@PROPERTY
@given(expressions(["add", "mul", "tanh", "exp", "pow"]))
def test_random_dags(expr: Expression) -> None:
    check_grads(expr, expr.inputs)


@settings(max_examples=20, derandomize=True, deadline=None)
@given(networks())
def test_small_networks(net: Network) -> None:
    check_grads(net, net.weights, order=1)


# -- an engine of yours ----------------------------------------------------------------------


class MyValue:
    """The micrograd you wrote following a course (here: +, *, tanh)."""

    def __init__(self, data: float, children: tuple[Any, ...] = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._backward: Any = lambda: None
        self._prev = children

    def __add__(self, other: Any) -> MyValue:
        other = other if isinstance(other, MyValue) else MyValue(other)
        out = MyValue(self.data + other.data, (self, other))

        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: Any) -> MyValue:
        other = other if isinstance(other, MyValue) else MyValue(other)
        out = MyValue(self.data * other.data, (self, other))

        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def tanh(self) -> MyValue:
        t = math.tanh(self.data)
        out = MyValue(t, (self,))

        def backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = backward
        return out

    def backward(self) -> None:
        order: list[MyValue] = []
        seen: set[int] = set()
        stack: list[tuple[MyValue, bool]] = [(self, False)]
        while stack:  # an explicit stack: no recursion limit
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def test_my_engine() -> None:
    report = run(MyValue, examples=30)
    assert report.defects == [], report.text()
    assert {"add", "mul", "tanh", "radd", "rmul"} <= set(report.supported)
