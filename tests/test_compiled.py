"""The compiled batch path equals eager mode, and refuses graphs that depend on the data."""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

from autograd_mini import Value, losses  # noqa: E402
from autograd_mini.compiled import (  # noqa: E402
    DataDependenceError,
    compile_fn,
    compile_loss,
)
from autograd_mini.engine import add_n, linear, linear_layer, logsumexp  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402

LossFn = Callable[[Any, Any], Value]


def eager(
    model: Any, loss: LossFn, xs: Sequence[Any], ys: Sequence[Any]
) -> tuple[float, list[float]]:
    """The batch mean loss and its gradients, computed with plain Values."""
    params = model.parameters()
    for p in params:
        p.grad = 0.0
    total = losses.mean([loss(model(x), t) for x, t in zip(xs, ys, strict=True)])
    total.backward()
    return total.data, [p.grad for p in params]


def assert_close(a: Sequence[float], b: Sequence[float], rel: float = 1e-9) -> None:
    assert len(a) == len(b)
    for i, (u, v) in enumerate(zip(a, b, strict=True)):
        assert math.isclose(u, v, rel_tol=rel, abs_tol=1e-12), f"index {i}: {u!r} != {v!r}"


def batch(rng: random.Random, n: int, nin: int) -> list[list[float]]:
    return [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]


TASKS: dict[str, tuple[int, LossFn, Callable[[random.Random], Any]]] = {
    # name: (outputs, per-sample loss, a random target)
    "mse": (1, losses.mse, lambda r: r.uniform(-1, 1)),
    "hinge": (1, losses.hinge, lambda r: r.choice([-1, 1])),
    "bce": (1, losses.binary_cross_entropy_with_logits, lambda r: r.choice([0.0, 1.0])),
    "cross_entropy": (3, losses.cross_entropy, lambda r: r.randrange(3)),
    "cross_entropy_onehot": (
        3,
        losses.cross_entropy,
        lambda r: [1.0 if i == k else 0.0 for k in [r.randrange(3)] for i in range(3)],
    ),
}


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    nin=st.integers(1, 3),
    size=st.integers(1, 9),
    activation=st.sampled_from(["relu", "tanh", "sigmoid"]),
    task=st.sampled_from(sorted(TASKS)),
    expand=st.booleans(),
)
def test_gradients_equal_eager_mode(
    seed: int, hidden: list[int], nin: int, size: int, activation: str, task: str, expand: bool
) -> None:
    rng = random.Random(seed)
    nout, loss, target = TASKS[task]
    model = MLP(nin, [*hidden, nout], activation, seed=seed, expand=expand)
    xs = batch(rng, size, nin)
    ys = [target(rng) for _ in range(size)]
    compiled = compile_loss(model, loss, xs[0], ys[0])
    result = compiled(xs, ys)
    want_loss, want_grads = eager(model, loss, xs, ys)
    assert math.isclose(result.loss, want_loss, rel_tol=1e-9, abs_tol=1e-12)
    assert_close(result.grads, want_grads)
    outs = [model(x) for x in xs]
    want_outputs = [[o.data] if nout == 1 else [v.data for v in o] for o in outs]
    got = [[o] if nout == 1 else o for o in result.outputs]
    assert np.allclose(got, want_outputs, rtol=1e-12, atol=1e-12)


def test_training_follows_eager_mode() -> None:
    """SGD for 20 steps on the moons-like task: the same loss to 1e-9 relative."""
    rng = random.Random(5)
    xs = batch(rng, 40, 2)
    ys = [1 if x0 * x1 > 0 else -1 for x0, x1 in xs]

    def penalty(ps: list[Value]) -> Value:
        return 1e-4 * add_n([p * p for p in ps])

    def train(compiled: bool) -> float:
        model = MLP(2, [8, 8, 1], seed=3)
        params = model.parameters()
        step = compile_loss(model, losses.hinge, xs[0], ys[0], penalty=penalty)
        loss = math.nan
        for k in range(20):
            if compiled:
                result = step(xs, ys)
                loss, grads = result.loss, result.grads
            else:
                loss, grads = eager(model, losses.hinge, xs, ys)
                reg = penalty(params)
                for p in params:
                    p.grad = 0.0
                reg.backward()
                loss += reg.data
                grads = [g + p.grad for g, p in zip(grads, params, strict=True)]
            lr = 1.0 - 0.9 * k / 100
            for p, g in zip(params, grads, strict=True):
                p.data -= lr * g
        return loss

    eager_loss, compiled_loss = train(False), train(True)
    assert eager_loss > 0
    assert math.isclose(compiled_loss, eager_loss, rel_tol=1e-9)


def test_micrograd_style_graph_and_batch_sizes() -> None:
    """Every w·h and + as its own node (expand=True), batches of changing size."""
    model = MLP(2, [4, 1], seed=0, expand=True)
    compiled = compile_loss(model, losses.mse, [0.1, 0.2], 0.5)
    rng = random.Random(1)
    for size in (7, 3, 7, 1):
        xs = batch(rng, size, 2)
        ys = [rng.uniform(-1, 1) for _ in range(size)]
        result = compiled(xs, ys)
        want_loss, want_grads = eager(model, losses.mse, xs, ys)
        assert math.isclose(result.loss, want_loss, rel_tol=1e-12)
        assert_close(result.grads, want_grads)
        assert len(result.losses) == size


def test_compile_fn_matches_eager_gradients() -> None:
    a, b = Value(0.7), Value(-1.3)

    def f(x: Value, y: Value) -> Value:
        return (a * x).exp() / (1 + y * y) + (x * x + 1).log() * b + (y**2 + 2.0).sqrt().tanh()

    compiled = compile_fn(f, [a, b], [0.0, 0.0])
    points = [[0.5, 1.0], [-1.0, 2.0], [2.0, -0.5]]
    result = compiled(points)
    grads = [0.0, 0.0]
    for n, (x0, y0) in enumerate(points):
        x, y = Value(x0), Value(y0)
        a.grad = b.grad = 0.0
        out = f(x, y)
        out.backward()
        assert result.values[n, 0] == pytest.approx(out.data, rel=1e-13)
        assert result.input_grads[n].tolist() == pytest.approx([x.grad, y.grad], rel=1e-12)
        grads = [grads[0] + a.grad / 3, grads[1] + b.grad / 3]
    assert result.grads == pytest.approx(grads, rel=1e-12)


def test_linear_layer_with_computed_weights_and_inputs_compiles() -> None:
    """linear_layer reads the numbers of its weights as well as of its inputs: a weight that
    is a node of the trace (here w·x) is read for the graph, not refused."""
    w, b = Value(0.5), Value(-0.25)

    def f(x: Value, y: Value) -> Value:
        rows = [[w * x, y], [y, 2.0]]
        (u, v) = linear_layer(rows, [x, y * y], [b, 1.0])
        return u * v

    compiled = compile_fn(f, [w, b], [0.0, 0.0])
    points = [[0.5, 1.0], [-1.0, 2.0], [2.0, -0.5]]
    result = compiled(points)
    for n, (x0, y0) in enumerate(points):
        x, y = Value(x0), Value(y0)
        out = f(x, y)
        out.backward()
        assert result.values[n, 0] == pytest.approx(out.data, rel=1e-13)
        assert result.input_grads[n].tolist() == pytest.approx([x.grad, y.grad], rel=1e-12)


def test_targets_may_change_the_loss_structure() -> None:
    """cross_entropy picks a logit by class index: samples are grouped by their loss graph."""
    model = MLP(2, [3], seed=4)
    xs = batch(random.Random(2), 6, 2)
    ys = [0, 2, 1, 2, 0, 0]
    result = compile_loss(model, losses.cross_entropy, xs[0], ys[0])(xs, ys)
    want_loss, want_grads = eager(model, losses.cross_entropy, xs, ys)
    assert math.isclose(result.loss, want_loss, rel_tol=1e-12)
    assert_close(result.grads, want_grads)


def test_a_python_branch_on_a_value_is_refused() -> None:
    model = MLP(1, [1], seed=0)

    def loss(y: Value, t: float) -> Value:
        return (y - t) ** 2 if y > 0 else (y - t).abs()  # a branch on the data

    xs = [[1.0], [-1.0], [2.0]]
    w = model.parameters()[0].data
    compiled = compile_loss(model, loss, [1.0 if w > 0 else -1.0], 0.0)
    with pytest.raises(DataDependenceError, match=r"y\[0\] > the constant 0\.0 was True"):
        compiled(xs, [0.0, 0.0, 0.0])


def test_a_branch_agreeing_on_the_whole_batch_is_fine() -> None:
    def f(x: Value) -> Value:
        return x * x if x > 0 else -x

    compiled = compile_fn(f, [], [1.0])
    result = compiled([[2.0], [3.0]])
    assert result.values[:, 0].tolist() == [4.0, 9.0]
    with pytest.raises(DataDependenceError, match=r"for sample 1"):
        compiled([[2.0], [-3.0]])


def test_a_data_dependent_loop_is_refused() -> None:
    def f(x: Value) -> Value:
        y = x
        while y < 10:  # runs a number of times that depends on x
            y = y * 2
        return y

    compiled = compile_fn(f, [], [3.0])
    assert compiled([[3.0], [4.0]]).values[:, 0].tolist() == [12.0, 16.0]
    with pytest.raises(DataDependenceError, match="sample 1"):
        compiled([[3.0], [1.0]])


def test_reading_data_is_refused_at_trace_time() -> None:
    """(Issue 15 changed this: a sampled retrace caught it only on some calls.)"""

    def f(x: Value) -> Value:
        return x * Value(x.data)  # x.data would become a constant of the trace

    with pytest.raises(DataDependenceError, match=r"\.data of input x\[0\] at test_compiled\.py"):
        compile_fn(f, [], [1.0])


def test_float_of_a_value_is_a_guard() -> None:
    def f(x: Value) -> Value:
        return x * math.exp(float(x))  # float() leaves the graph

    compiled = compile_fn(f, [], [1.0])
    with pytest.raises(DataDependenceError, match=r"float\(input x\[0\]\)"):
        compiled([[1.0], [2.0]])


def test_domain_errors_name_the_op_and_the_sample() -> None:
    compiled = compile_fn(lambda x: x.log(), [], [1.0])
    with pytest.raises(ValueError, match=r"sample 2: log: log\(-1.0\) is undefined"):
        compiled([[1.0], [2.0], [-1.0]])
    divide = compile_fn(lambda x: 1 / x, [], [1.0])
    with pytest.raises(ZeroDivisionError, match="sample 1: division"):
        divide([[1.0], [0.0]])


def test_undefined_derivative_names_the_sample() -> None:
    compiled = compile_fn(lambda x: x.sqrt(), [], [1.0])
    with pytest.raises(ZeroDivisionError, match=r"sample 1: the derivative of sqrt\(0.0\)"):
        compiled([[4.0], [0.0]])


def test_parameter_updates_are_seen_and_bad_batches_rejected() -> None:
    model = MLP(2, [1], seed=0)
    compiled = compile_loss(model, losses.mse, [1.0, 2.0], 0.0)
    before = compiled([[1.0, 2.0]], [0.0]).loss
    for p in model.parameters():
        p.data += 0.5
    after = compiled([[1.0, 2.0]], [0.0])
    assert after.loss != before
    assert after.loss == pytest.approx(eager(model, losses.mse, [[1.0, 2.0]], [0.0])[0])
    with pytest.raises(ValueError, match=r"shape \(B ≥ 1, 2\)"):
        compiled([[1.0, 2.0, 3.0]], [0.0])
    with pytest.raises(ValueError, match="1 inputs but 2 targets"):
        compiled([[1.0, 2.0]], [0.0, 1.0])


def test_a_loss_reading_the_output_data_is_caught() -> None:
    model = MLP(1, [1], seed=0)

    def loss(y: Value, t: float) -> Value:
        return (y - y.data * t) ** 2  # y.data is frozen into the trace

    with pytest.raises(DataDependenceError, match=r"\.data of model output y\[0\] at test_comp"):
        compile_loss(model, loss, [0.3], 1.0)  # refused at trace time (was: a sampled retrace)


# Every op of the table, on inputs kept inside its domain: (name, function of two Values).
EVERY_OP: list[tuple[str, Callable[[Value, Value], Value]]] = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (b * b + 1)),
    ("neg", lambda a, b: -a),
    ("powc", lambda a, b: a**2 + (a * a + 1) ** -1.5),
    ("pow", lambda a, b: (a * a + 0.5) ** b.tanh()),
    ("exp", lambda a, b: (a.tanh()).exp()),
    ("log", lambda a, b: (a * a + 0.1).log()),
    ("sqrt", lambda a, b: (a * a + 0.2).sqrt()),
    ("tanh", lambda a, b: a.tanh()),
    ("sigmoid", lambda a, b: (a * 30).sigmoid()),
    ("relu", lambda a, b: a.relu()),
    ("abs", lambda a, b: abs(a)),
    ("softplus", lambda a, b: (a * 30).softplus()),
    ("linear", lambda a, b: linear([a, b], [b, a], 0.5)),
    ("sum", lambda a, b: add_n([a, b, a])),
    ("logsumexp", lambda a, b: logsumexp([a, b * 3, a - b])),
]


@settings(max_examples=30)
@given(
    picks=st.lists(st.sampled_from(range(len(EVERY_OP))), min_size=1, max_size=6),
    wiring=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), min_size=6, max_size=6),
    points=st.lists(
        st.tuples(st.floats(-3, 3), st.floats(-3, 3)).filter(lambda p: 0 not in p),
        min_size=1,
        max_size=5,
    ),
)
def test_every_op_on_random_graphs_equals_eager(
    picks: list[int], wiring: list[tuple[int, int]], points: list[tuple[float, float]]
) -> None:
    """Random DAGs (a node may feed several others) over every op: values and gradients."""
    c = Value(0.3)

    def f(x: Value, y: Value) -> Value:
        nodes = [x, y, c]
        for pick, (i, j) in zip(picks, wiring, strict=False):
            nodes.append(EVERY_OP[pick][1](nodes[i % len(nodes)], nodes[j % len(nodes)]))
        return nodes[-1] * nodes[-2]

    compiled = compile_fn(f, [c], [1.0, -1.0])
    result = compiled([list(p) for p in points])
    for n, (x0, y0) in enumerate(points):
        x, y = Value(x0), Value(y0)
        out = f(x, y)
        out.backward()
        assert math.isclose(result.values[n, 0], out.data, rel_tol=1e-11, abs_tol=1e-12)
        assert_close(result.input_grads[n].tolist(), [x.grad, y.grad], rel=1e-9)


def test_nan_and_unusual_targets_are_traced_afresh() -> None:
    model = MLP(1, [1], seed=0)
    compiled = compile_loss(model, losses.mse, [0.5], 0.0)
    result = compiled([[0.5], [0.7]], [math.nan, 1.0])
    assert math.isnan(result.losses[0])
    assert result.losses[1] == pytest.approx(eager(model, losses.mse, [[0.7]], [1.0])[0])
    assert all(key is not None for key in compiled._by_target)  # nan is never cached


def test_an_output_listed_twice_counts_twice() -> None:
    """f returning [y, y] differentiates y + y, as eager mode does (not y once)."""
    p = Value(3.0)

    def f(x: Value) -> list[Value]:
        y = x * p
        return [y, y]

    result = compile_fn(f, [p], [2.0])([[2.0], [1.0]])
    assert result.input_grads.tolist() == [[6.0], [6.0]]  # ∂(y + y)/∂x = 2p
    assert result.grads == [3.0]  # mean over the batch of 2x: (4 + 2) / 2


def test_infinite_values_give_ieee_results_without_numpy_warnings() -> None:
    """∞ · 0 in the backward sweep (here ∂(c·x)/∂c · 0) is handled as in eager mode, silently."""

    def f(x: Value) -> Value:
        return (x * 0.0).relu() + x.exp()  # relu(nan) + exp(inf) at x = inf

    compiled = compile_fn(f, [], [1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compiled([[math.inf], [1.0]])
    x = Value(math.inf)
    out = f(x)
    out.backward()
    assert math.isnan(result.values[0, 0]) and math.isnan(out.data)
    assert result.input_grads[0, 0] == x.grad == math.inf
    assert result.input_grads[1, 0] == pytest.approx(math.e)


def test_logsumexp_with_infinite_inputs_equals_eager_mode() -> None:
    compiled = compile_fn(lambda x, y: logsumexp([x, y]), [], [0.0, 0.0])
    points = [[math.inf, 1.0], [-math.inf, -math.inf], [-math.inf, 0.0], [1e308, 1e308]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compiled(points)
    for n, (a, b) in enumerate(points):
        x, y = Value(a), Value(b)
        out = logsumexp([x, y])
        out.backward()
        assert result.values[n, 0] == pytest.approx(out.data, nan_ok=True)
        assert result.input_grads[n].tolist() == pytest.approx([x.grad, y.grad], nan_ok=True)
    assert result.values[:, 0].tolist() == [math.inf, -math.inf, 0.0, 1e308 + math.log(2.0)]


@pytest.mark.parametrize("name", ["relu", "abs"])
def test_relu_and_abs_at_nan_and_zero_equal_eager_mode(name: str) -> None:
    def f(x: Value) -> Value:
        return getattr(x * 1.0, name)()  # type: ignore[no-any-return]

    points = [math.nan, 0.0, -0.0, -1.0, 2.0]
    result = compile_fn(f, [], [1.0])([[x] for x in points])
    for n, x0 in enumerate(points):
        x = Value(x0)
        out = f(x)
        out.backward()
        assert result.values[n, 0] == pytest.approx(out.data, nan_ok=True)
        assert result.input_grads[n, 0] == pytest.approx(x.grad, nan_ok=True)
    assert math.isnan(result.values[0, 0])


@pytest.mark.parametrize("batch", [[[1e200]], [[1e200], [-1e-200]]])
def test_overflowing_powers_equal_eager_mode_for_any_batch_size(
    batch: list[list[float]],
) -> None:
    """xᶜ and its derivative c·x^(c−1) beyond the float range are ±inf on every path."""
    compiled = compile_fn(lambda x: x**3 + x**-3, [], [1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compiled(batch)
    for n, (x0,) in enumerate(batch):
        x = Value(x0)
        out = x**3 + x**-3
        out.backward()
        assert result.values[n, 0] == out.data
        assert result.input_grads[n, 0] == x.grad
    assert result.input_grads[:, 0].tolist() == [math.inf, -math.inf][: len(batch)]


def test_dense_layer_rules_agree_with_the_linear_ops_own_rules() -> None:
    """The op table's matrix form of ``linear`` (compiled layers) is its forward and partials
    rule, instruction by instruction, summed over the batch where the parameters are."""
    from autograd_mini.ops import FLOAT, OPS

    op = OPS["linear"]
    assert op.dense is not None
    rng = np.random.default_rng(0)
    k, n, batch = 3, 4, 5
    W, H, b = rng.normal(size=(k, n)), rng.normal(size=(n, batch)), rng.normal(size=(k, 1))
    d = rng.normal(size=(k, batch))
    out = op.dense.forward(W, H, b)
    gw, gh, gb = op.dense.grad_weights(d, H), op.dense.grad_inputs(d, W), op.dense.grad_bias(d)
    want_gw, want_gh, want_gb = np.zeros((k, n)), np.zeros((n, batch)), np.zeros(k)
    for i in range(k):
        for s in range(batch):
            args = [*W[i], *H[:, s], b[i, 0]]
            assert out[i, s] == pytest.approx(op.forward(FLOAT, *args), rel=1e-13)
            ps = op.partials(FLOAT, out[i, s], *args)
            want_gw[i] += d[i, s] * np.array(ps[:n])
            want_gh[:, s] += d[i, s] * np.array(ps[n : 2 * n])
            want_gb[i] += d[i, s] * ps[-1]
    assert np.allclose(gw, want_gw, rtol=1e-13) and np.allclose(gh, want_gh, rtol=1e-13)
    assert np.allclose(gb, want_gb, rtol=1e-13)


def test_run_takes_the_parameters_as_one_vector() -> None:
    """CompiledLoss.run reads the parameter vector it is given, not the Values' .data."""
    model = MLP(2, [3, 1], seed=2)
    xs = batch(random.Random(3), 6, 2)
    ys = [1, -1, 1, 1, -1, -1]
    compiled = compile_loss(model, losses.hinge, xs[0], ys[0])
    params = model.parameters()
    vec = np.array([p.data for p in params]) * 0.5
    step = compiled.run(vec, compiled.prepare(xs, ys))
    for p, v in zip(params, vec.tolist(), strict=True):
        p.data = v
    want_loss, want_grads = eager(model, losses.hinge, xs, ys)
    assert step.loss == pytest.approx(want_loss, rel=1e-13)
    assert_close(step.grads.tolist(), want_grads, rel=1e-12)


def test_stacked_rules_agree_with_the_ops_own_forward() -> None:
    """Every op with a ``stacked`` rule (one reduction over its stacked arguments) computes
    its forward rule's value; the compiled path uses it for wide groups."""
    from autograd_mini.ops import FLOAT, OPS

    stacked = [op for op in OPS.values() if op.stacked is not None]
    assert [op.name for op in stacked] == ["sum"]
    xs = np.random.default_rng(1).normal(size=(7, 2, 3))
    for op in stacked:
        got = op.stacked(xs)
        for i in range(2):
            for s in range(3):
                want = op.forward(FLOAT, *xs[:, i, s].tolist())
                assert got[i, s] == pytest.approx(want, rel=1e-14)
