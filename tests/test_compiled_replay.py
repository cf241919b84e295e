"""The work the compiled replay saves is never a different answer (issue 14, compiled path).

Partials the op's rule returns without computing are read off the rule once; the first
gradient write into a row assigns instead of adding; a group no gradient reaches is
skipped; a batch of one loss structure replays model and loss as one plan; a layer's
weights are views of the parameter vector. Each test compares with eager mode.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from autograd_mini import Value, losses  # noqa: E402
from autograd_mini.compiled import DataDependenceError, compile_fn, compile_loss  # noqa: E402
from autograd_mini.engine import add_n, apply  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402
from autograd_mini.ops import Op, define  # noqa: E402

CALLS = {"fixed": 0, "computed": 0}


def _fixed_partials(m: Any, out: Any, x: Any, y: Any) -> tuple[Any, ...]:
    CALLS["fixed"] += 1
    return (2.0, y)  # a number and an argument: nothing computed


def _computed_partials(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    CALLS["computed"] += 1
    return (m.cos(x),)


@pytest.fixture
def counted_ops() -> tuple[Op, Op]:
    """Two ops whose partials rules count their calls (conftest takes them out of the table)."""
    return (
        define(
            "replay_test_fixed",
            forward=lambda m, x, y: 2.0 * x + 0.5 * y * y,
            partials=_fixed_partials,
            formula="2x + y²/2: ∂/∂x = 2, ∂/∂y = y",
        ),
        define(
            "replay_test_computed",
            forward=lambda m, x: m.sin(x),
            partials=_computed_partials,
            formula="sin x: ∂/∂x = cos x",
        ),
    )


def eager_grads(f: Any, point: list[float]) -> tuple[float, list[float]]:
    xs = [Value(v) for v in point]
    out = f(*xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def test_fixed_partials_are_read_off_the_rule_once_computed_ones_every_call(
    counted_ops: tuple[Op, Op],
) -> None:
    fixed_op, computed_op = counted_ops

    def f(x: Value, y: Value) -> Value:
        return apply(fixed_op, x, y) * apply(computed_op, x)

    compiled = compile_fn(f, [], [0.5, 0.25])
    points = [[0.5, 0.25], [-1.0, 2.0], [3.0, -0.5]]
    fixed, computed = CALLS["fixed"], CALLS["computed"]
    for _ in range(3):
        result = compiled(points)
    assert CALLS["fixed"] == fixed  # never called again after the plan was made
    assert CALLS["computed"] == computed + 3  # once per call, on the whole batch
    for n, point in enumerate(points):
        value, grads = eager_grads(f, point)
        assert result.values[n, 0] == pytest.approx(value, rel=1e-14)
        assert result.input_grads[n].tolist() == pytest.approx(grads, rel=1e-13)


def test_rows_written_by_several_groups_and_repeated_arguments_add_up() -> None:
    """x feeds a mul twice (x·x), an add, a wide sum twice and the output: its first
    gradient write assigns, the others add; the wide sum scatters over repeated rows."""

    def f(x: Value, y: Value) -> Value:
        a = x * x
        b = a + y
        c = add_n([b, x, x, y, a, b.tanh()])
        return c * x + b

    compiled = compile_fn(f, [], [1.0, 1.0])
    points = [[0.3, -1.2], [2.0, 0.5], [-0.7, 0.1], [1.5, 1.5]]
    for _ in range(2):  # a reused workspace: rows assigned, never left from the last call
        result = compiled(points)
    for n, point in enumerate(points):
        value, grads = eager_grads(f, point)
        assert result.values[n, 0] == pytest.approx(value, rel=1e-13)
        assert result.input_grads[n].tolist() == pytest.approx(grads, rel=1e-12)


def test_a_node_only_a_guard_reads_gets_no_gradient_as_in_eager_mode() -> None:
    """x·∞ is compared (a guard) but not used: eager mode's backward never reaches it, so
    its partial ∞ must not meet a zero gradient (0·∞ = nan) in the replay either."""

    def f(x: Value) -> Value:
        assert (x * math.inf) > 0.0  # a guard, true for every x > 0
        return x * 2.0

    compiled = compile_fn(f, [], [1.0])
    result = compiled([[1.0], [3.0]])
    assert result.input_grads[:, 0].tolist() == [2.0, 2.0]
    assert eager_grads(f, [3.0])[1] == [2.0]


@pytest.mark.parametrize(
    ("loss", "target", "joint"),
    [
        (losses.mse, lambda n: 0.1 * n - 0.5, True),  # one loss structure for all
        (losses.hinge, lambda n: 1 if n % 2 else -1, True),  # targets are constants
        (losses.cross_entropy, lambda n: n % 3, False),  # one structure per class
    ],
)
def test_one_loss_structure_is_one_joint_replay_several_are_replayed_apart(
    loss: Any, target: Any, joint: bool
) -> None:
    rng = random.Random(4)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(12)]
    ys = [target(n) for n in range(len(xs))]
    single = loss is not losses.cross_entropy
    net = MLP(2, [5, 5, 1 if single else 3], seed=1)
    compiled = compile_loss(net, loss, xs[0], ys[0])
    batch = compiled.prepare(xs, ys)
    params = net.parameters()
    for _ in range(2):
        step = compiled.run(np.array([p.data for p in params]), batch)
    assert (batch.joint is not None) is joint
    for p in params:
        p.grad = 0.0
    outs = [net(x) for x in xs]
    total = losses.mean([loss(o, t) for o, t in zip(outs, ys, strict=True)])
    total.backward()
    assert step.loss == pytest.approx(total.data, rel=1e-13)
    assert step.grads.tolist() == pytest.approx([p.grad for p in params], rel=1e-11)
    want = [[o.data] if single else [v.data for v in o] for o in outs]
    assert np.allclose(step.outputs.T, want, rtol=1e-13, atol=0)


class Reversed:
    """An MLP whose parameters() come in reverse order: no layer's weights are a view."""

    def __init__(self) -> None:
        self.net = MLP(2, [4, 1], seed=6)

    def __call__(self, x: Any) -> Any:
        return self.net(x)

    def parameters(self) -> list[Value]:
        return self.net.parameters()[::-1]


@pytest.mark.parametrize("make", [lambda: MLP(2, [4, 4, 1], seed=6), Reversed])
def test_runs_read_the_vector_they_are_given_also_updated_in_place(make: Any) -> None:
    """Layer weights read as views of the parameter vector (or gathered, when the order does
    not allow a view): a second vector, and in-place updates of the first, are seen."""
    model = make()
    rng = random.Random(8)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(7)]
    ys = [1 if a * b > 0 else -1 for a, b in xs]
    penalty = lambda ps: 1e-3 * add_n([p * p for p in ps])  # noqa: E731
    compiled = compile_loss(model, losses.hinge, xs[0], ys[0], penalty=penalty)
    params = model.parameters()
    batch = compiled.prepare(xs, ys)
    first = np.array([p.data for p in params])
    other = first * -0.5
    strided = np.repeat(first * 0.7, 2)[::2]  # not contiguous (its views are strided too)
    for vec in [first, other, first, None, other, strided, "strided", first]:
        if vec is None:  # the first vector changed in place
            first *= 1.5
            vec = first
        elif isinstance(vec, str):  # so did the strided one
            strided *= -2.0
            vec = strided
        step = compiled.run(vec, batch)
        for p, v in zip(params, vec.tolist(), strict=True):
            p.data, p.grad = v, 0.0
        total = losses.mean([losses.hinge(model(x), t) for x, t in zip(xs, ys, strict=True)])
        total = total + penalty(params)
        total.backward()
        assert step.loss == pytest.approx(total.data, rel=1e-13)
        assert step.grads.tolist() == pytest.approx([p.grad for p in params], rel=1e-11)


def test_guards_checked_together_still_name_the_first_failing_one_in_trace_order() -> None:
    """The guards of one kind are one array comparison; a failure still names the first
    guard of the trace that fails, and its first failing sample."""

    def f(x: Value, y: Value) -> Value:
        assert x > 0.0 and y < 5.0 and x < 4.0 and not (y < 0.0)  # four guards, three kinds
        return x * y

    compiled = compile_fn(f, [], [1.0, 1.0])
    assert compiled([[1.0, 1.0], [3.0, 2.0]]).values[:, 0].tolist() == [1.0, 6.0]
    # sample 1 fails ``y < 0`` (the 4th guard), sample 2 fails ``x < 4`` (the 3rd)
    with pytest.raises(
        DataDependenceError, match=r"input x\[0\] < the constant 4.0 was True, but for sample 2"
    ):
        compiled([[1.0, 1.0], [1.0, -1.0], [4.5, 1.0]])
    with pytest.raises(
        DataDependenceError, match=r"input x\[1\] < the constant 0.0 was False, but for sample 1"
    ):
        compiled([[1.0, 1.0], [1.0, -1.0], [1.5, 1.0]])
