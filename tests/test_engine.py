"""The Value contract: construction, operators, backward, no_grad, errors."""

import math
import re
import sys
from fractions import Fraction

import pytest

from autograd_mini import Value, no_grad
from autograd_mini.engine import (
    add_n,
    linear,
    linear_layer,
    local_grads,
    logsumexp,
    topological_order,
)


class TestConstruction:
    @pytest.mark.parametrize("data", [3, 2.5, Fraction(1, 4), -0.0])
    def test_real_numbers_become_floats(self, data: object) -> None:
        v = Value(data)  # type: ignore[arg-type]
        assert type(v.data) is float
        assert v.data == float(data)  # type: ignore[arg-type]

    def test_numpy_scalar(self) -> None:
        np = pytest.importorskip("numpy")
        v = Value(np.float32(1.5))
        assert type(v.data) is float and v.data == 1.5

    def test_nan_and_inf_are_allowed(self) -> None:
        assert math.isnan(Value(float("nan")).data)
        assert Value(float("inf")).data == math.inf

    @pytest.mark.parametrize("bad", [True, "1.0", None, 1j, [1.0]])
    def test_non_reals_raise_type_error_naming_the_type(self, bad: object) -> None:
        with pytest.raises(TypeError, match=type(bad).__name__):
            Value(bad)  # type: ignore[arg-type]

    def test_an_int_too_large_for_a_float_is_named(self) -> None:
        with pytest.raises(OverflowError, match=r"Value\(\): int of 1329 bits is too large"):
            Value(10**400)
        with pytest.raises(OverflowError, match=r"Value\(\): Fraction .* is too large"):
            Value(Fraction(10**400, 3))

    def test_attributes(self) -> None:
        v = Value(2.0, label="w_1")
        assert (v.data, v.grad, v.label, v.op, v.parents) == (2.0, 0.0, "w_1", "", ())
        v.data = 3.0
        v.label = "w_2"
        assert (v.data, v.label) == (3.0, "w_2")

    def test_parents_in_argument_order_and_op_names(self) -> None:
        a, b = Value(1.0), Value(2.0)
        assert (a - b).parents == (a, b)
        assert (b - a).parents == (b, a)
        assert (a - b).op == "sub"
        assert (a * 2).parents == (a,)
        assert (a * 2).args == (a, 2)
        assert (2 * a).args == (2, a)

    def test_repr_like_micrograd(self) -> None:
        assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
        assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"

    def test_identity_hash_and_equality(self) -> None:
        a, b = Value(1.0), Value(1.0)
        assert a != b and a == a
        assert len({a, b, a}) == 2
        assert {a: 1}[a] == 1

    def test_comparisons_compare_data_and_return_bool(self) -> None:
        a, b = Value(1.0), Value(2.0)
        assert (a < b) is True and (a <= 1) is True and (b > 3) is False and (b >= a) is True
        assert max([a, b]) is b


class TestOperators:
    def test_mixed_operands(self) -> None:
        a = Value(3.0)
        assert (a + 1).data == 4 and (1 + a).data == 4
        assert (a - 1).data == 2 and (1 - a).data == -2
        assert (a * 2).data == 6 and (2 * a).data == 6
        assert (a / 2).data == 1.5 and (6 / a).data == 2
        assert (a**2).data == 9 and (2**a).data == 8 and (a ** Value(2.0)).data == 9
        assert (-a).data == -3 and abs(Value(-2.0)).data == 2

    def test_unsupported_operand_returns_not_implemented(self) -> None:
        with pytest.raises(TypeError, match="unsupported operand"):
            Value(1.0) + "a"  # type: ignore[operator]
        with pytest.raises(TypeError):
            "a" * Value(1.0)  # type: ignore[operator]
        assert Value(1.0).__add__(None) is NotImplemented  # type: ignore[arg-type]
        assert Value(1.0).__mul__(True) is NotImplemented

    def test_numpy_scalar_operand(self) -> None:
        np = pytest.importorskip("numpy")
        out = Value(2.0) * np.float64(3.0)
        assert isinstance(out, Value) and out.data == 6.0


class TestBackward:
    def test_chapter_worked_example(self) -> None:
        """x = (2, 3, 1); hidden weights (3, 1, 2), (−2, −3, −1); ReLU; output (3, 2); t = 20."""
        x = [Value(2.0), Value(3.0), Value(1.0)]
        w_hidden = [[Value(3.0), Value(1.0), Value(2.0)], [Value(-2.0), Value(-3.0), Value(-1.0)]]
        w_out = [Value(3.0), Value(2.0)]
        u = [sum((w * xi for w, xi in zip(row, x, strict=True)), Value(0.0)) for row in w_hidden]
        h = [ui.relu() for ui in u]
        y = w_out[0] * h[0] + w_out[1] * h[1]
        loss = (20 - y) ** 2
        loss.backward()
        assert [ui.data for ui in u] == [11.0, -14.0]  # the chapter prints −11: see errata
        assert [hi.data for hi in h] == [11.0, 0.0]
        assert (y.data, loss.data, y.grad) == (33.0, 169.0, 26.0)
        assert w_out[0].grad == 286.0  # ∂L/∂w₁ = h₁₁ · ∂L/∂y = 11 × 26
        assert w_hidden[0][0].grad == 156.0  # ∂L/∂w₂ = x₁ · w₁ f′(u₁₁) · ∂L/∂y = 2 × 3 × 26
        rho = 0.01
        assert w_out[0].data - rho * w_out[0].grad == pytest.approx(0.14)
        assert w_hidden[0][0].data - rho * w_hidden[0][0].grad == pytest.approx(1.44)

    def test_micrograd_readme_example(self) -> None:
        a = Value(-4.0)
        b = Value(2.0)
        c = a + b
        d = a * b + b**3
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        g += 10.0 / f
        g.backward()
        assert g.data == pytest.approx(24.7041, abs=1e-4)
        assert a.grad == pytest.approx(138.8338, abs=1e-4)
        assert b.grad == pytest.approx(645.5773, abs=1e-4)

    def test_shared_node_gradients_add_up(self) -> None:
        x = Value(3.0)
        y = x * x + x  # dy/dx = 2x + 1
        y.backward()
        assert x.grad == 7.0

    def test_backward_twice_accumulates_into_leaves_only(self) -> None:
        x = Value(2.0)
        h = x * x
        y = h * 3.0
        y.backward()
        assert (x.grad, h.grad, y.grad) == (12.0, 3.0, 1.0)
        y.backward()
        assert (x.grad, h.grad, y.grad) == (24.0, 3.0, 1.0)
        x.grad = 0.0
        y.backward()
        assert x.grad == 12.0

    def test_gradients_of_two_losses_sum_in_leaves(self) -> None:
        x = Value(2.0)
        shared = x * 5.0
        (shared * 2.0).backward()
        (shared + 1.0).backward()
        assert x.grad == 10.0 + 5.0
        assert shared.grad == 1.0  # intermediate nodes hold the last pass's gradient

    def test_topological_order_puts_arguments_first(self) -> None:
        a, b = Value(1.0), Value(2.0)
        c = a * b
        d = c + a
        order = topological_order(d)
        assert order[-1] is d and set(order) == {a, b, c, d}
        assert order.index(c) > order.index(a) and order.index(c) > order.index(b)

    def test_order_is_reused_and_local_derivatives_read_current_data(self) -> None:
        w = Value(2.0)
        y = w * w
        y.backward()
        y.backward()  # a graph backpropagated again: its order is cached from now on
        order = y._order
        assert isinstance(order, list)
        w.data = 5.0
        w.grad = 0.0
        y.backward()
        assert y._order is order  # the cached order was reused
        assert w.grad == 2 * 5.0  # ∂(w·w)/∂w = 2w at the data w holds now (as in micrograd)

    def test_a_running_total_backpropagated_each_step_keeps_linear_memory(self) -> None:
        """total = total + term; total.backward() per step: caching every step's order on its
        root would keep 1 + 2 + … + n node references (quadratic memory)."""
        w = Value(0.5)
        total = Value(0.0)
        for i in range(200):
            total = total + (w * float(i)).tanh()
            total.backward()
        cached = [n for n in topological_order(total) if isinstance(getattr(n, "_order", 0), list)]
        assert cached == []
        # w accumulates Σₖ ∂totalₖ/∂w = Σᵢ (200 − i) · i · (1 − tanh²(0.5 i))
        want = sum((200 - i) * i * (1 - math.tanh(0.5 * i) ** 2) for i in range(200))
        assert w.grad == pytest.approx(want, rel=1e-12)

    def test_million_op_chain_is_iterative(self) -> None:
        assert sys.getrecursionlimit() <= 10_000
        x = Value(1.0)
        y = x
        for _ in range(1_000_000):
            y = y * 1.0000001 + 0.0
        y.backward()
        assert x.grad == pytest.approx(1.0000001**1_000_000, rel=1e-9)


class TestNoGrad:
    def test_no_parents_recorded(self) -> None:
        a = Value(2.0)
        with no_grad():
            b = a * 3.0
        assert b.data == 6.0 and b.parents == () and b.op == ""
        c = a * 3.0
        assert c.parents == (a,)

    def test_restored_after_exception(self) -> None:
        with pytest.raises(RuntimeError), no_grad():
            raise RuntimeError
        assert (Value(1.0) + 1).parents != ()


class TestBadInput:
    @pytest.mark.parametrize(
        ("make", "error", "words"),
        [
            (lambda: Value(0.0).log(), ValueError, r"log.*0\.0"),
            (lambda: Value(-2.0).log(), ValueError, r"log.*-2\.0"),
            (lambda: Value(-1.0) ** Value(2.0), ValueError, r"power.*-1\.0"),
            (lambda: Value(0.0) ** Value(2.0), ValueError, r"power.*0\.0"),
            (lambda: 0 ** Value(2.0), ValueError, r"power.*positive base"),
            (lambda: Value(0.0) ** -1, ZeroDivisionError, r"power.*0\.0"),
            (lambda: Value(-8.0) ** 0.5, ValueError, r"power.*-8\.0"),
            (lambda: Value(1.0) / 0, ZeroDivisionError, r"division.*1\.0"),
            (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, r"division"),
            (lambda: 1 / Value(0.0), ZeroDivisionError, r"division"),
            (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt.*-1\.0"),
        ],
    )
    def test_domain_errors_name_operation_and_value(self, make, error, words) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(error, match=words):
            make()

    def test_undefined_derivative_in_backward_is_named(self) -> None:
        x = Value(0.0)
        y = x**0.5
        with pytest.raises(ZeroDivisionError, match=r"derivative of powc\(0\.0, 0\.5\)"):
            y.backward()

    @pytest.mark.parametrize("create_graph", [False, True])
    def test_overflowing_derivative_is_ieee_infinity_as_in_the_forward_pass(
        self, create_graph: bool
    ) -> None:
        """A local derivative beyond the float range is ±inf, with the right sign."""
        cases = [  # (x, c, d/dx xᶜ = c·x^(c−1))
            (1e200, 3, math.inf),
            (-1e200, 3, math.inf),  # 3x² > 0
            (-1e100, 5, math.inf),  # 5x⁴ > 0
            (-1e-200, -3, -math.inf),  # −3x⁻⁴ < 0
            (1e-200, -3, -math.inf),
        ]
        for x0, c, want in cases:
            x = Value(x0)
            (x**c).backward(create_graph=create_graph)
            assert float(x.grad) == want, (x0, c)
        y = Value(2000.0)
        (2**y).backward(create_graph=create_graph)  # ∂/∂y 2ʸ = 2ʸ ln 2
        assert float(y.grad) == math.inf

    @pytest.mark.parametrize("x", [1000.0, -1000.0])
    def test_sigmoid_and_tanh_stable_at_extremes(self, x: float) -> None:
        for f in (Value.sigmoid, Value.tanh):
            v = Value(x)
            out = f(v)
            out.backward()
            assert math.isfinite(out.data) and math.isfinite(v.grad)
        assert Value(x).sigmoid().data == (1.0 if x > 0 else 0.0)

    def test_overflow_gives_ieee_infinity(self) -> None:
        assert Value(1000.0).exp().data == math.inf
        assert (Value(1e200) ** 2).data == math.inf
        assert (Value(-1e200) ** 3).data == -math.inf


class TestNaryOps:
    def test_linear_is_one_node_with_chapter_derivatives(self) -> None:
        w = [Value(3.0), Value(1.0), Value(2.0)]
        h = [Value(2.0), Value(3.0), Value(1.0)]
        b = Value(0.5)
        u = linear(w, h, b)
        assert u.data == 11.5 and u.op == "linear" and u.parents == (*w, *h, b)
        assert local_grads(u) == (2.0, 3.0, 1.0, 3.0, 1.0, 2.0, 1.0)
        u.backward()
        assert [v.grad for v in w] == [2.0, 3.0, 1.0] and b.grad == 1.0

    def test_linear_shape_mismatch(self) -> None:
        with pytest.raises(ValueError, match="2 weights but 3 inputs"):
            linear([Value(1.0), Value(1.0)], [1.0, 2.0, 3.0])

    def test_add_n_and_logsumexp(self) -> None:
        xs = [Value(1.0), Value(2.0), Value(3.0)]
        s = add_n(xs)
        assert s.data == 6.0
        lse = logsumexp(xs)
        assert lse.data == pytest.approx(math.log(sum(math.exp(v.data) for v in xs)))
        lse.backward()
        assert sum(x.grad for x in xs) == pytest.approx(1.0)

    def test_logsumexp_is_stable(self) -> None:
        a, b = Value(1000.0), Value(0.0)
        out = logsumexp([a, b])
        out.backward()
        assert out.data == 1000.0 and a.grad == 1.0 and b.grad == pytest.approx(math.exp(-1000))

    def test_empty_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="add_n"):
            add_n([])
        with pytest.raises(ValueError, match="logsumexp"):
            logsumexp([])


def test_huge_int_constant_is_a_clear_error_not_a_wrong_infinity() -> None:
    with pytest.raises(OverflowError, match=r"sub: an int of 1329 bits is too large"):
        Value(1.0) - 10**400


def test_adjoints_is_the_one_sweep_behind_backward_and_the_drawing() -> None:
    from autograd_mini.engine import adjoints

    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    z = (x * y).tanh() + x.sin() * y
    found = adjoints(z)
    z.backward()
    assert found[x] == x.grad and found[y] == y.grad and found[z] == 1.0
    # the drawing's local derivatives (nan where undefined) through the same sweep
    r = Value(0.0)
    s = r.sqrt() * 2.0
    with pytest.raises(ZeroDivisionError, match=r"derivative of sqrt\(0\.0\)"):
        adjoints(s)

    def drawn(node: Value) -> tuple[float, ...]:
        return (math.nan,) if node.op == "sqrt" else local_grads(node)

    assert math.isnan(adjoints(s, local=drawn)[r])
    second = adjoints(z, create_graph=True)
    assert isinstance(second[x], Value) and second[x].data == pytest.approx(x.grad)
    with pytest.raises(ValueError, match="not with create_graph"):
        adjoints(z, create_graph=True, local=drawn)


def _reference_grads(root: Value) -> dict[Value, float]:
    """The chain rule written plainly over the public API: every node in reverse
    topological order, every argument in order, the op table's partials (local_grads)."""
    adjoint: dict[Value, float] = {root: 1.0}
    for node in reversed(topological_order(root)):
        g = adjoint.get(node, 0.0)
        if g == 0.0:
            continue
        for a, p in zip(node.args, local_grads(node), strict=True):
            if isinstance(a, Value):
                adjoint[a] = adjoint.get(a, 0.0) + p * g
    return adjoint


@pytest.mark.parametrize("expand", [True, False])
def test_backward_is_bit_identical_to_the_plain_chain_rule_on_a_moons_step(expand: bool) -> None:
    """backward()'s fast paths (partials read off the op table once: constants, swapped
    arguments) give exactly the table's numbers, in the same summation order."""
    from autograd_mini import datasets, losses, nn

    xs, ys = datasets.moons(12, noise=0.1, seed=3)
    model = nn.MLP(2, [8, 8, 1], seed=5, expand=expand)
    scores = [model(x) for x in xs]
    total = losses.mean([losses.hinge(s, t) for s, t in zip(scores, ys, strict=True)])
    total = total + 1e-4 * add_n([p * p - p for p in model.parameters()])
    want = _reference_grads(total)
    total.backward()
    for p in model.parameters():
        assert p.grad == want[p]
    assert sum(abs(p.grad) for p in model.parameters()) > 0.1


def test_topological_order_is_the_depth_first_post_order() -> None:
    """The order (and so every summation order of backward) is the recursive post-order
    that visits a node's arguments last to first: leaves emitted at once change nothing."""
    from autograd_mini import datasets, losses, nn

    def post_order(root: Value) -> list[Value]:
        order: list[Value] = []
        seen: set[Value] = set()

        def visit(node: Value) -> None:
            if node in seen:
                return
            seen.add(node)
            for a in reversed(node.args):
                if isinstance(a, Value):
                    visit(a)
            order.append(node)

        visit(root)
        return order

    xs, ys = datasets.moons(6, noise=0.1, seed=3)
    for expand in (True, False):
        model = nn.MLP(2, [4, 1], seed=5, expand=expand)
        scores = [model(x) for x in xs]
        total = losses.mean([losses.hinge(s, t) for s, t in zip(scores, ys, strict=True)])
        total = total + add_n([p * p for p in model.parameters()]) * total
        order = topological_order(total)
        assert order == post_order(total)
        assert len(order) > 40 and order[-1] is total


def test_linear_layer_builds_the_same_nodes_as_linear_per_row() -> None:
    rows = [[Value(0.5), Value(-1.25)], [Value(2.0), Value(0.75)], [Value(-0.3), Value(1.1)]]
    biases = [Value(0.1), 0.0, Value(-2.0)]
    h = [Value(1.5), 3]  # a Value and a plain int input, shared by every row
    layer = linear_layer(rows, h, biases)
    alone = [linear(w, h, b) for w, b in zip(rows, biases, strict=True)]
    assert [u.data for u in layer] == [u.data for u in alone]
    assert [u.op for u in layer] == ["linear"] * 3
    expected = [(*w, h[0], 3.0, b) for w, b in zip(rows, biases, strict=True)]
    assert [u.args for u in layer] == expected
    grads = []
    for us in (layer, alone):
        for w in (*rows[0], *rows[1], *rows[2], h[0]):
            w.grad = 0.0
        (us[0] * us[1] + us[2]).backward()
        grads.append([w.grad for w in (*rows[0], *rows[1], *rows[2], h[0])])
    assert grads[0] == grads[1]
    assert grads[0][0] == layer[1].data * 1.5  # ∂(u₁u₂)/∂w₁₁ = u₂·h₁


def test_linear_layer_says_what_is_wrong_with_its_input() -> None:
    with pytest.raises(ValueError, match="linear_layer: 2 rows of weights but 1 biases"):
        linear_layer([[1.0], [2.0]], [Value(1.0)], [0.0])
    with pytest.raises(ValueError, match="linear: 2 weights but 1 inputs"):
        linear_layer([[1.0], [2.0, 3.0]], [Value(1.0)], [0.0, 0.0])
    bad = "linear: arguments must be Values or real numbers, got str"
    with pytest.raises(TypeError, match=bad):
        linear_layer([[1.0]], ["x"], [0.0])
    with pytest.raises(TypeError, match="got bool"):
        linear_layer([[True]], [1.0], [0.0])


@pytest.mark.parametrize("where", ["weight", "bias"])
@pytest.mark.parametrize("data", [Fraction(1, 3), 7, True, "x", 10**400])
def test_linear_layer_treats_data_set_by_hand_as_linear_does(where: str, data: object) -> None:
    """A weight or bias whose ``.data`` was set by hand (not a float) takes linear's checked
    path: other reals become floats, the same node and number; anything else, the same error."""
    rows = [[Value(0.5), Value(-1.25)], [Value(2.0), Value(0.75)]]
    biases = [Value(0.1), Value(-2.0)]
    (rows[1][0] if where == "weight" else biases[1]).data = data  # type: ignore[assignment]
    h = [Value(1.5), 3]
    try:
        alone = [linear(w, h, b) for w, b in zip(rows, biases, strict=True)]
    except (TypeError, OverflowError) as error:
        with pytest.raises(type(error), match=f"^{re.escape(str(error))}$"):
            linear_layer(rows, h, biases)
        return
    layer = linear_layer(rows, h, biases)
    assert [u.data for u in layer] == [u.data for u in alone]
    assert [type(u.data) for u in layer] == [float, float]
    assert [u.args for u in layer] == [u.args for u in alone]


@pytest.mark.parametrize(
    ("w", "h", "b"),
    [
        ([10**200], [10**200], 0),  # ints whose product does not fit a float
        ([2], [3], 10**400),  # an int bias beyond the float range
        ([2, 3], [4, 5], 1),  # ints that fit: an exact int sum, then a float
        ([], [], Value(0.5)),  # no inputs: a node of one argument, as linear makes it
    ],
    ids=["int product too large", "int bias too large", "ints that fit", "no inputs"],
)
def test_linear_layer_on_plain_ints_is_linear(w: list[int], h: list[int], b: object) -> None:
    try:
        alone = linear(w, h, b)  # type: ignore[arg-type]
    except OverflowError as error:
        with pytest.raises(OverflowError, match=f"^{re.escape(str(error))}$"):
            linear_layer([w], h, [b])  # type: ignore[list-item]
        return
    (u,) = linear_layer([w], h, [b])  # type: ignore[list-item]
    assert (u.data, type(u.data), u.args, u.parents) == (
        alone.data,
        float,
        alone.args,
        alone.parents,
    )
    assert u._y is alone._y  # stored alike: inline for one argument, a tuple for more


def test_unary_is_apply_with_the_op_checked_once() -> None:
    from autograd_mini.engine import apply, unary
    from autograd_mini.ops import OPS

    relu, tanh = unary(OPS["relu"]), unary(OPS["tanh"])
    x = Value(-0.5)
    assert (relu.__name__, tanh(x).data, tanh(x).op) == ("relu", math.tanh(-0.5), "tanh")
    assert relu(x).args == apply(OPS["relu"], x).args == (x,)
    assert relu(2).data == 2.0 and relu(2).args == (2.0,)  # a plain number: apply's path
    with pytest.raises(TypeError, match="unary: expected an Op"):
        unary("relu")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mul: takes 2 arguments, got 1"):
        unary(OPS["mul"])
    with pytest.raises(TypeError, match="relu: arguments must be Values or real numbers, got str"):
        relu("x")  # type: ignore[arg-type]
