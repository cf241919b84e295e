"""detect_anomaly(): the first nan/inf in a forward value or a backward gradient raises."""

from __future__ import annotations

import copy
import math
import random
import sys
from collections.abc import Callable

import op_cases
import pytest
from op_cases import CASES

import autograd_mini.anomaly as anomaly
from autograd_mini import AnomalyError, Value, detect_anomaly, nn
from autograd_mini.engine import add_n, apply
from autograd_mini.ops import OPS

INF, NAN = math.inf, math.nan


def here() -> int:
    """The caller's line number."""
    return sys._getframe(1).f_lineno


# one way to make each op produce nan or inf: the op-case catalogue's anomaly inputs
FORWARD: dict[str, tuple[Callable[..., Value], tuple[float, ...]]] = {
    case.name: (case.build, case.anomaly) for case in CASES
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_anomaly_of_every_op(name: str) -> None:
    f, inputs = FORWARD[name]
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    assert not math.isfinite(f(*xs).data)  # off: no error, the value is just nan/inf
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        f(*xs)
    error = caught.value
    assert (error.phase, error.op, error.label) == ("forward", name, "")
    assert error.inputs[: len(inputs)] == pytest.approx(inputs, nan_ok=True)
    assert error.site is not None and error.site.filename == op_cases.__file__
    assert error.site.function == "<lambda>"  # the user code that made the node
    message = str(error)
    assert message.startswith(f"forward: {name}(x0={inputs[0]!r}")
    assert f"created at {op_cases.__file__}:{error.site.lineno} in <lambda>" in message


def test_forward_anomaly_names_the_exact_line_and_is_a_floating_point_error() -> None:
    w = Value(1e200, label="w")
    with detect_anomaly():
        ok = w * 2.0
        assert ok.data == 2e200
        with pytest.raises(FloatingPointError) as caught:
            line = here() + 1
            w * w
    assert isinstance(caught.value, AnomalyError)
    assert caught.value.site == (
        __file__,
        line,
        "test_forward_anomaly_names_the_exact_line_and_is_a_floating_point_error",
    )
    assert str(caught.value).splitlines() == [
        "forward: mul(w=1e+200, w=1e+200) = inf, the first nan/inf value",
        f"  created at {__file__}:{line} in {caught.value.site.function}",
    ]


def test_apply_and_no_grad_results_are_checked_too() -> None:
    from autograd_mini import no_grad

    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"forward: exp\(800.0\) = inf"):
            apply(OPS["exp"], 800.0)
        with no_grad(), pytest.raises(AnomalyError, match="forward: tanh"):
            Value(NAN).tanh()


def test_backward_anomaly_infinite_local_derivative() -> None:
    with detect_anomaly():
        x = Value(0.0, label="x")
        line = here() + 1
        r = x.sqrt()
        r.label = "r"
        loss = r * 3.0
        with pytest.raises(AnomalyError) as caught:
            loss.backward()
    error = caught.value
    assert (error.phase, error.op, error.inputs, error.label) == ("backward", "sqrt", (0.0,), "r")
    assert error.site is not None and (error.site.filename, error.site.lineno) == (__file__, line)
    assert str(error).startswith("backward: sqrt(x=0.0) = 0.0 (node 'r'): the gradient is infinite")


def test_backward_anomaly_overflowing_product() -> None:
    """Forward values are all finite; ∂L/∂h = w · ∂L/∂u = 1e200 · 1e200 overflows."""
    w, h = Value(1e200, label="w"), Value(1e-200, label="h")
    with detect_anomaly():
        u = w * h
        u.label = "u"
        loss = u * 1e200
        with pytest.raises(AnomalyError) as caught:
            loss.backward()
    error = caught.value
    assert (error.op, error.label, error.inputs) == ("mul", "u", (1e200, 1e-200))
    assert "the gradient is inf: ∂out/∂x2 = 1e+200 times the upstream gradient" in str(error)
    assert w.grad == 0.0  # nothing half-written for the leaves of the failing pass


def test_backward_anomaly_with_create_graph() -> None:
    with detect_anomaly():
        x = Value(0.0)
        y = x.sqrt() + x
        with pytest.raises(AnomalyError, match="backward: sqrt"):
            y.backward(create_graph=True)


def test_node_created_outside_the_block_has_no_recorded_site() -> None:
    x = Value(0.0)
    y = x.sqrt()
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        y.backward()
    assert caught.value.site is None
    assert "created outside detect_anomaly()" in str(caught.value)


def test_without_the_block_nothing_is_checked() -> None:
    x = Value(0.0)
    y = x.sqrt() * 2.0
    with pytest.raises(ZeroDivisionError, match=r"derivative of sqrt\(0.0\)"):
        y.backward()  # the engine's own error for an undefined derivative
    z = Value(1e200) * 1e200
    assert z.data == INF


def test_healthy_graph_gives_the_same_gradients_in_anomaly_mode() -> None:
    rng = random.Random(4)
    model = nn.MLP(3, [4, 4, 1], activation="tanh", seed=2)
    xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(5)]

    def run() -> list[float]:
        model.zero_grad()
        outputs = [model(x) for x in xs]
        loss = add_n([(y - 0.3) ** 2 for y in outputs if isinstance(y, Value)])
        loss.backward()
        loss.backward()  # leaves accumulate in both modes
        return [p.grad for p in model.parameters()] + [d for row in model.deltas() for d in row]

    plain = run()
    with detect_anomaly():
        checked = run()
    assert checked == pytest.approx(plain, rel=1e-14, abs=1e-300)


def test_network_anomaly_names_the_neuron_and_the_user_line() -> None:
    model = nn.MLP(2, [3, 2], activation="relu", seed=0)
    for p in model.parameters():
        p.data *= 1e154  # a deliberately broken network: absurd weights
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        line = here() + 1
        model([1e154, 1e154])
    error = caught.value
    assert error.op == "linear" and error.site is not None
    assert (error.site.filename, error.site.lineno) == (__file__, line)  # not nn.py
    assert "w_" in str(error)  # the weights are named by their labels


def test_mode_is_per_thread_state_and_nothing_is_patched() -> None:
    """Issue 10: the mode is this thread's state the engine reads; the engine's functions and
    Value's methods are the same objects inside the block as outside."""
    from autograd_mini import engine, modes

    before = dict(vars(engine)), dict(vars(Value))
    assert not anomaly.is_anomaly_enabled() and modes.STATE.anomaly is None
    with detect_anomaly():
        assert anomaly.is_anomaly_enabled() and modes.STATE.anomaly is not None
        with detect_anomaly():  # nested
            assert anomaly.is_anomaly_enabled()
        assert anomaly.is_anomaly_enabled()
        assert (Value(1.0) * 2.0).data == 2.0
        assert (dict(vars(engine)), dict(vars(Value))) == before
    assert not anomaly.is_anomaly_enabled() and modes.STATE.anomaly is None


def test_mode_is_restored_after_an_exception() -> None:
    from autograd_mini import modes

    with pytest.raises(AnomalyError), detect_anomaly(), detect_anomaly():
        Value(NAN) + 1.0
    assert modes.STATE.anomaly is None and not anomaly.is_anomaly_enabled()
    with pytest.raises(KeyError), detect_anomaly():
        raise KeyError("unrelated")
    assert modes.STATE.anomaly is None and not anomaly.is_anomaly_enabled()
    assert (Value(2.0) * 3.0).data == 6.0


def test_a_non_finite_input_leaf_is_reported_as_the_first_nan() -> None:
    """Issue 15 item 6: the leaf that is already nan/inf is named, not just the op using it."""
    x = Value(INF, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        x - 1.0
    message = str(caught.value)
    assert message.startswith("forward: sub(x=inf, 1.0) = inf: its input x = inf is a leaf")
    assert "the first nan/inf value" in message
    with detect_anomaly(), pytest.raises(AnomalyError, match="argument 2 = nan is a constant"):
        Value(1.0) * NAN


def test_functional_gradients_and_hessian_are_checked() -> None:
    from autograd_mini import gradients, hessian

    x = Value(0.0)
    y = x.sqrt() * 2.0
    with detect_anomaly(), pytest.raises(AnomalyError, match="backward: sqrt"):
        gradients(y, [x])
    with detect_anomaly(), pytest.raises(AnomalyError, match="backward: sqrt"):
        hessian(lambda a: a.sqrt() * a)(0.0)
    assert hessian(lambda a: a.sqrt() * a)(4.0) == [[pytest.approx(0.375)]]  # 3/(4√x)


def test_a_reused_id_never_reports_the_site_of_a_dead_node() -> None:
    """Sites are keyed by id(node); a node made without the engine (a copy) that gets the id
    of a dead node recorded in the block must not be reported at the dead node's site."""
    x = Value(0.0)
    outside = x.sqrt()  # made outside the block: no site
    with detect_anomaly():
        candidates = []
        for _ in range(20):  # recorded nodes that die at once, freeing their addresses
            candidates.append(id(Value(2.0) * 3.0))
        copies = [copy.copy(outside) for _ in range(20)]
        reused = [c for c in copies if id(c) in candidates]
        assert reused, "CPython reuses the freed addresses"
        for c in reused:
            with pytest.raises(AnomalyError) as caught:
                (c * 1.0).backward()
            assert caught.value.op == "sqrt" and caught.value.site is None
            assert "created outside detect_anomaly()" in str(caught.value)
        line = here() + 1
        inside = x.sqrt()
        with pytest.raises(AnomalyError) as caught:
            (inside * 1.0).backward()
        assert caught.value.site is not None and caught.value.site.lineno == line
