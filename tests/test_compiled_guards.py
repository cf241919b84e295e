"""The compiled path never silently uses a number it read while tracing (issue 15, item 1).

Every read of a traced Value's number is either a guard checked on every sample of every
call (comparisons, ``float()``) or refused at trace time with the reader's file:line
(``.data``, ``repr()``, ``backward()`` inside the traced function, a Value made in
``no_grad()``). Numbers from outside the trace (Python floats, a parameter's ``.data`` read
in user code) are frozen at trace time, as documented; leaf Values that are not parameters
are checked on every call.
"""

from __future__ import annotations

import inspect
import math
import operator
import threading
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from autograd_mini import Value  # noqa: E402
from autograd_mini.compiled import DataDependenceError, compile_fn, compile_loss  # noqa: E402
from autograd_mini.engine import local_grads, no_grad  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402
from autograd_mini.optim import SGD  # noqa: E402
from autograd_mini.train import fit  # noqa: E402

HERE = __file__.rsplit("/", 1)[-1]


def where(f: Any) -> str:
    """``test_compiled_guards.py:<line>`` of a one-line function (a lambda)."""
    return rf"{HERE}:{inspect.getsourcelines(f)[1]}\b"


def eager_values(f: Any, batch: list[list[float]]) -> list[float]:
    return [f(*[Value(x) for x in row]).data for row in batch]


# -- the examples of the issue ------------------------------------------------------------


def test_a_branch_on_data_is_refused_at_trace_time_naming_the_line() -> None:
    """Was: cf([[-1.0]] + [[1.0]] * 15) gave −2 for sample 0 (eager −3), 200 times in 200."""
    f = lambda a: a * 2 if a.data > 0 else a * 3  # noqa: E731
    with pytest.raises(DataDependenceError, match=r"\.data of input x\[0\] at " + where(f)):
        compile_fn(f, [], [1.0])


def test_the_same_branch_written_as_a_comparison_is_guarded_on_every_call() -> None:
    f = lambda a: a * 2 if a > 0 else a * 3  # noqa: E731
    cf = compile_fn(f, [], [1.0])
    for _ in range(200):
        with pytest.raises(DataDependenceError, match=r"for sample 0 it is not"):
            cf([[-1.0]] + [[1.0]] * 15)
    assert cf([[1.0]] * 16).values[:, 0].tolist() == [2.0] * 16


HINGE_XS = [[1.0, 0.5], [-1.0, -0.5], [0.2, -1.0], [-0.3, 0.8], [0.9, 0.9], [-0.8, -0.1]]
HINGE_YS = [1, -1, 1, -1, 1, -1]


def hinge_on_data(y: Value, t: float) -> Value:
    m = y * t
    return 1 - m if m.data < 1 else m * 0


def hinge_compared(y: Value, t: float) -> Value:
    m = y * t
    return 1 - m if m < 1 else m * 0


def test_full_batch_fit_with_a_hinge_reading_data_is_refused_before_any_step() -> None:
    """Was: fit(compiled=True) trained to −11.39 where eager reaches a positive loss."""
    model = MLP(2, [4, 1], seed=1)
    before = [p.data for p in model.parameters()]
    with pytest.raises(DataDependenceError, match=r"\.data of .* at .*test_compiled_guards"):
        fit(model, HINGE_XS, HINGE_YS, loss=hinge_on_data, compiled=True, progress=False)
    assert [p.data for p in model.parameters()] == before  # no step was taken
    eager = fit(MLP(2, [4, 1], seed=1), HINGE_XS, HINGE_YS, loss=hinge_on_data, epochs=5,
                progress=False, optimizer=None)  # fmt: skip
    assert all(loss >= 0 for loss in eager.loss)


def test_full_batch_fit_with_a_compared_hinge_is_guarded() -> None:
    model = MLP(2, [4, 1], seed=1)
    with pytest.raises(DataDependenceError, match=r"was (True|False), but for sample \d"):
        fit(model, HINGE_XS, HINGE_YS, loss=hinge_compared, compiled=True, progress=False)


@pytest.mark.parametrize(
    ("name", "f", "read"),
    [
        ("data", lambda a: a * (2 if a.data > 0 else 3), r"\.data"),
        ("repr", lambda a: a * (2 if "-" not in repr(a) else 3), r"repr\(\)"),
        ("str", lambda a: a * (2 if "-" not in str(a) else 3), r"repr\(\)"),
        ("format", lambda a: a * (2 if "-" not in f"{a}" else 3), r"repr\(\)"),
        ("sorted key", lambda a: sorted([a, a * -1], key=lambda v: v.data)[0] * 1, r"\.data"),
        ("node data", lambda a: a * 2 + (a * 3).data, r"\.data of a Value computed by mul"),
    ],
)
def test_every_read_of_the_number_is_refused_at_trace_time(name: str, f: Any, read: str) -> None:
    with pytest.raises(DataDependenceError, match=read + r".* at " + where(f)):
        compile_fn(f, [], [1.0])


def test_a_refusal_swallowed_by_user_code_still_fails_the_trace() -> None:
    def f(a: Value) -> Value:
        try:
            k = a.data
        except Exception:
            k = 1.0
        return a * k

    with pytest.raises(DataDependenceError, match=r"\.data of input x\[0\]"):
        compile_fn(f, [], [1.0])


def test_writing_data_of_a_traced_value_is_refused() -> None:
    def f(a: Value) -> Value:
        y = a * 2
        y.data = 0.0  # eager would continue from 0, the tape from 2a
        return y + 1

    with pytest.raises(DataDependenceError, match=r"writing \.data of a Value computed by mul"):
        compile_fn(f, [], [1.0])


@pytest.mark.parametrize(
    ("name", "compare"),
    [
        ("saved unbound method", Value.__gt__),
        ("operator.gt", operator.gt),
        ("saved bound method", None),
    ],
)
def test_saved_comparison_methods_are_guards(name: str, compare: Any) -> None:
    def f(a: Value) -> Value:
        bigger = a.__gt__(0.0) if compare is None else compare(a, 0.0)
        return a * 2 if bigger else a * 3

    cf = compile_fn(f, [], [1.0])
    assert cf([[1.0], [2.0]]).values[:, 0].tolist() == [2.0, 4.0]
    for _ in range(130):
        with pytest.raises(DataDependenceError, match="for sample 1"):
            cf([[1.0], [-2.0], [3.0]])


def test_sorted_by_comparisons_is_guarded() -> None:
    def f(a: Value, b: Value) -> Value:
        low, high = sorted([a, b])
        return low * 10 + high

    cf = compile_fn(f, [], [1.0, 2.0])
    batch = [[1.0, 2.0], [-3.0, 5.0]]
    assert cf(batch).values[:, 0].tolist() == eager_values(f, batch)
    with pytest.raises(DataDependenceError, match="for sample 1"):
        cf([[1.0, 2.0], [5.0, -3.0]])


def test_float_is_a_guard_on_every_sample() -> None:
    f = lambda a: a * math.exp(float(a))  # noqa: E731
    cf = compile_fn(f, [], [1.0])
    assert cf([[1.0], [1.0]]).values[:, 0].tolist() == pytest.approx([math.e, math.e])
    with pytest.raises(DataDependenceError, match=r"float\(input x\[0\]\)"):
        cf([[1.0], [1.0], [2.0]])


def test_bool_and_equality_are_not_data_dependent() -> None:
    """``bool(v)`` is always True and ``==`` is identity, in eager mode and compiled alike."""
    f = lambda a: (a * 2 if a else a * 3) + (a * 5 if a == 0.0 else a * 7)  # noqa: E731
    batch = [[0.0], [-1.0], [2.0]]
    assert compile_fn(f, [], [1.0])(batch).values[:, 0].tolist() == eager_values(f, batch)


def test_backward_inside_the_traced_function_is_refused() -> None:
    def f(a: Value) -> Value:
        y = a * a
        y.backward()  # a.grad = 2a: a number of the sample
        return a * 3

    with pytest.raises(DataDependenceError, match=r"backward"):
        compile_fn(f, [], [1.0])


def test_a_value_computed_in_no_grad_while_tracing_is_refused() -> None:
    def f(a: Value) -> Value:
        with no_grad():
            k = a * 2  # a leaf holding a number of the sample
        return a * k

    with pytest.raises(DataDependenceError, match=r"no_grad"):
        compile_fn(f, [], [1.0])


def test_a_loss_reading_the_output_data_is_refused_at_compile_time() -> None:
    def loss(y: Value, t: float) -> Value:
        return (y - y.data * t) ** 2

    with pytest.raises(DataDependenceError, match=r"\.data of model output y\[0\]"):
        compile_loss(MLP(1, [1], seed=0), loss, [0.3], 1.0)


def test_a_loss_traced_later_for_a_new_target_is_checked_too() -> None:
    def loss(y: Value, t: float) -> Value:
        return (y - t) ** 2 if t < 2 else (y - y.data) ** 2

    compiled = compile_loss(MLP(1, [1], seed=0), loss, [0.3], 1.0)
    with pytest.raises(DataDependenceError, match=r"\.data of model output y\[0\]"):
        compiled([[0.3], [0.5]], [1.0, 3.0])


# -- numbers from outside the trace -----------------------------------------------------------


def test_a_leaf_value_that_is_not_a_parameter_is_checked_on_every_call() -> None:
    scale = Value(2.0)
    cf = compile_fn(lambda a: a * scale, [], [1.0])
    for _ in range(5):
        assert cf([[1.0], [3.0]]).values[:, 0].tolist() == [2.0, 6.0]
    scale.data = 4.0  # changed after the fifth call
    with pytest.raises(DataDependenceError, match=r"changed from 2\.0 to 4\.0"):
        cf([[1.0], [3.0]])


def test_a_loss_constant_changed_after_the_fifth_call_is_refused_on_the_next_call() -> None:
    """Was: unnoticed 59 times in 70. The traced function's own closure numbers are checked."""
    margin = 1.0

    def loss(y: Value, t: float) -> Value:
        return (margin - y * t).relu()

    model = MLP(1, [1], seed=0)
    compiled = compile_loss(model, loss, [0.3], 1.0)
    y = model([0.3]).data
    for _ in range(5):
        assert compiled([[0.3]], [1.0]).loss == pytest.approx(max(0.0, 1.0 - y))
    margin = 2.0
    for _ in range(65):
        with pytest.raises(DataDependenceError, match=r"'margin' .* changed from 1\.0 to 2\.0"):
            compiled([[0.3]], [1.0])
    assert compile_loss(model, loss, [0.3], 1.0)([[0.3]], [1.0]).loss == pytest.approx(2.0 - y)


def test_a_leaf_value_in_a_loss_is_checked_on_every_call() -> None:
    weight = Value(0.5, label="weight")
    model = MLP(1, [1], seed=0)
    compiled = compile_loss(model, lambda y, t: weight * (y - t) ** 2, [0.3], 1.0)
    assert compiled([[0.3], [0.6]], [1.0, 2.0]).loss > 0
    weight.data = 0.25
    with pytest.raises(DataDependenceError, match=r"'weight' .* from 0\.5 to 0\.25"):
        compiled([[0.3], [0.6]], [1.0, 2.0])


SCALE = 2.0


def test_a_global_number_the_traced_function_names_is_checked() -> None:
    global SCALE
    cf = compile_fn(lambda a: a * SCALE, [], [1.0])
    assert cf([[1.0]]).values[0, 0] == 2.0
    SCALE = 3.0
    try:
        with pytest.raises(
            DataDependenceError, match=r"'SCALE' \(a global\), .* from 2\.0 to 3\.0"
        ):
            cf([[1.0]])
    finally:
        SCALE = 2.0


def test_a_number_read_by_a_helper_is_frozen_at_trace_time() -> None:
    """Documented: numbers reached other than through the traced function's own closure or
    globals (here an attribute read by a helper) are constants of the trace, unchecked."""

    class Config:
        margin = 1.0

    config = Config()

    def helper(m: Value) -> Value:
        return (config.margin - m).relu()

    cf = compile_fn(lambda a: helper(a), [], [0.25])
    config.margin = 2.0
    assert cf([[0.25]]).values[0, 0] == 0.75  # still the margin of the trace, 1.0


def test_a_parameters_data_read_in_user_code_is_frozen_at_trace_time() -> None:
    """Documented: ``p.data`` read in the traced function is a constant; use ``p`` itself."""
    p = Value(2.0)
    frozen = compile_fn(lambda a: a * p.data, [p], [1.0])
    live = compile_fn(lambda a: a * p, [p], [1.0])
    p.data = 5.0
    assert frozen([[1.0]]).values[0, 0] == 2.0
    assert live([[1.0]]).values[0, 0] == 5.0


def test_training_with_compiled_guards_matches_eager() -> None:
    """A model with a guarded branch that agrees on the batch trains as eager mode does."""

    def loss(y: Value, t: float) -> Value:
        return (y - t) ** 2 if t > 0 else (y - t).abs()

    def train(compiled: bool) -> list[float]:
        model = MLP(2, [3, 1], seed=2)
        history = fit(model, HINGE_XS, [0.5] * 6, loss=loss, compiled=compiled, epochs=4,
                      optimizer=SGD(model.parameters(), lr=0.1), progress=False)  # fmt: skip
        return history.loss

    assert train(True) == pytest.approx(train(False), rel=1e-9)


# -- threads ------------------------------------------------------------------------------


def wait(event: threading.Event) -> None:
    assert event.wait(10), "the other thread did not get there"


def test_tracing_leaves_other_threads_values_alone() -> None:
    """Thread A traces; meanwhile thread B computes, reads ``.data`` and ``repr``, and even
    reads a Value of A's trace: B sees plain numbers, A's trace is not refused."""
    inside, done = threading.Event(), threading.Event()
    shared: dict[str, Any] = {}
    errors: list[BaseException] = []

    def f(a: Value) -> Value:
        shared["traced"] = y = a * 2
        inside.set()
        wait(done)
        return y + 1

    def tracer() -> None:
        try:
            shared["values"] = compile_fn(f, [], [1.0])([[1.0], [4.0]]).values[:, 0].tolist()
        except BaseException as error:
            errors.append(error)

    def other() -> None:
        wait(inside)
        try:
            v = Value(3.0) * 2
            shared["other"] = (type(v) is Value, v.data, repr(v), shared["traced"].data)
        finally:
            done.set()

    threads = [threading.Thread(target=tracer), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert shared["other"] == (True, 6.0, "Value(data=6.0, grad=0.0)", 2.0)
    assert shared["values"] == [3.0, 9.0]


def test_values_made_outside_tracing_are_plain() -> None:
    a = Value(1.5)
    y = a * 2 + 1
    assert type(y) is Value and type(a) is Value
    assert y.data == 4.0 and repr(y) == "Value(data=4.0, grad=0.0)"


def test_math_functions_of_a_value_are_float_guards() -> None:
    """``math.isfinite(v)`` calls ``float()``: a guard."""
    f = lambda a: a * 2 if math.isfinite(a) else a * 0  # noqa: E731
    cf = compile_fn(f, [], [1.0])
    with pytest.raises(DataDependenceError, match=r"float\(input x\[0\]\)"):
        cf([[1.0], [2.0]])


def test_local_grads_inside_the_traced_function_is_refused() -> None:
    f = lambda a: a * local_grads(a * a)[0]  # noqa: E731
    with pytest.raises(DataDependenceError, match=r"local_grads\(\) reading the number of"):
        compile_fn(f, [], [1.0])


def test_second_order_inside_the_traced_function_stays_in_the_graph() -> None:
    """``backward(create_graph=True)`` builds the gradient from Values: traced like the rest.
    Through relu its derivative step(x) is a number of the sample: refused."""

    def slope(a: Value) -> Value:
        y = a * a * a
        y.backward(create_graph=True)
        return a.grad  # type: ignore[no-any-return]  # 3a², a Value

    batch = [[1.0], [-2.0], [0.5]]
    assert compile_fn(slope, [], [1.0])(batch).values[:, 0].tolist() == [3.0, 12.0, 0.75]

    def relu_slope(a: Value) -> Value:
        y = (a * 2).relu()
        y.backward(create_graph=True)
        return a.grad * a  # type: ignore[no-any-return]

    with pytest.raises(DataDependenceError, match=r"backward\(\) reading the number of"):
        compile_fn(relu_slope, [], [1.0])


def test_anomaly_mode_while_tracing_reports_the_first_nan_or_inf() -> None:
    """Anomaly mode's checks read a traced Value's number only to name it in their error."""
    from autograd_mini.anomaly import detect_anomaly

    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"mul"):
        compile_fn(lambda a: (a * 1e308) * 10, [], [1.0])
    with detect_anomaly():
        cf = compile_fn(lambda a: (a * 2).tanh(), [], [1.0])
    assert cf([[0.0]]).values[0, 0] == 0.0
