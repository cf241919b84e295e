"""Property-based check of reverse mode against central finite differences.

Hypothesis builds random expression DAGs — each new node applies a random operation to
earlier nodes, so one node can feed several others — over every operation of the op table,
with arguments mapped into each operation's domain. The output is the sum of a random subset
of nodes. Tolerance: |analytic − numeric| ≤ 1e-5 + 1e-4·|numeric| with ε = 1e-6 (central
differences have O(ε²) truncation and O(1e-16/ε) rounding error at these magnitudes).
"""

import math
from collections.abc import Callable

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_mini import Value, gradcheck
from autograd_mini.engine import add_n, linear, logsumexp

Node = Value
Unary = Callable[[Node], Node]
Binary = Callable[[Node, Node], Node]


def positive(x: Node) -> Node:
    """Map any value into [0.5, ∞) smoothly, for log, sqrt and pow bases."""
    return x * x + 0.5


def bounded(x: Node) -> Node:
    """Map any value into (−2, 2), so exponentials stay moderate."""
    return x.tanh() * 2


UNARY: dict[str, Unary] = {
    "neg": lambda x: -x,
    "exp": lambda x: bounded(x).exp(),
    "log": lambda x: positive(x).log(),
    "sqrt": lambda x: positive(x).sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "softplus": lambda x: x.softplus(),
    "powc2": lambda x: x**2,
    "powc3": lambda x: bounded(x) ** 3,
    "powc-1.5": lambda x: positive(x) ** -1.5,
}
BINARY: dict[str, Binary] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / positive(y),
    "pow": lambda x, y: positive(x) ** bounded(y),
    "rconst": lambda x, y: 1.5 - x * 0.5 + 2.0 / positive(y),
    "linear": lambda x, y: linear([x, y], [y, 0.5], x),
    "sum": lambda x, y: add_n([x, y, x]),
    "logsumexp": lambda x, y: logsumexp([x, y, 1.0]),
}
KINKED = {"relu", "abs"}


steps = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 50)),
        st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 50), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=12,
)
inputs = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=4)


def build(program: list[tuple[object, ...]], outputs: list[int]) -> Callable[..., Node]:
    def f(*xs: Node) -> Node:
        nodes: list[Node] = list(xs)
        for name, *picks in program:
            args = [nodes[int(i) % len(nodes)] for i in picks]  # type: ignore[call-overload]
            if len(args) == 1:
                nodes.append(UNARY[str(name)](args[0]))
            else:
                nodes.append(BINARY[str(name)](args[0], args[1]))
        return add_n([nodes[i % len(nodes)] for i in outputs])

    return f


def kink_distance(program: list[tuple[object, ...]], xs: list[float]) -> float:
    """How close any relu/abs argument comes to its kink at 0 (finite differences fail there)."""
    nodes = [Value(x) for x in xs]
    closest = math.inf
    for name, *picks in program:
        args = [nodes[int(i) % len(nodes)] for i in picks]  # type: ignore[call-overload]
        if name in KINKED:
            closest = min(closest, abs(args[0].data))
        op = UNARY.get(str(name)) or BINARY[str(name)]
        nodes.append(op(*args))
    return closest


@given(program=steps, xs=inputs, outputs=st.lists(st.integers(0, 60), min_size=1, max_size=4))
@settings(max_examples=150)
def test_reverse_mode_matches_central_differences(
    program: list[tuple[object, ...]], xs: list[float], outputs: list[int]
) -> None:
    assume(kink_distance(program, xs) > 1e-3)
    f = build(program, outputs)
    assert gradcheck(f, *xs, eps=1e-6, rtol=1e-4, atol=1e-5)
