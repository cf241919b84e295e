"""Modes are per-thread state (issue 10): the three thread failures, reproduced with
deterministic interleavings (events and barriers, never sleeps), and shown fixed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from autograd_mini import (
    AnomalyError,
    Value,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
)
from autograd_mini.anomaly import is_anomaly_enabled

TIMEOUT = 30.0


def run_threads(*targets: Callable[[], None]) -> None:
    """Run each target in its own thread; re-raise the first error any of them raised."""
    errors: list[BaseException] = []

    def wrap(target: Callable[[], None]) -> Callable[[], None]:
        def body() -> None:
            try:
                target()
            except BaseException as error:  # reported in the main thread
                errors.append(error)

        return body

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread is stuck"
    if errors:
        raise errors[0]


def wait(event: threading.Event) -> None:
    assert event.wait(TIMEOUT), "the other thread never got there"


def test_no_grad_in_one_thread_does_not_affect_another_threads_backward() -> None:
    """Was: 97% of the other thread's x*x + x backward passes wrong (nodes became leaves)."""
    evaluator_inside, trainer_done = threading.Event(), threading.Event()
    grads: list[float] = []

    def evaluator() -> None:
        with no_grad():
            evaluator_inside.set()
            wait(trainer_done)  # stays inside no_grad while the trainer works
            assert (Value(2.0) * 3.0).op == ""  # its own results are leaves

    def trainer() -> None:
        wait(evaluator_inside)
        try:
            for i in range(50):
                x = Value(float(i))
                y = x * x + x
                assert y.op == "add" and is_grad_enabled()
                y.backward()
                grads.append(x.grad)
        finally:
            trainer_done.set()

    run_threads(evaluator, trainer)
    assert grads == [2.0 * i + 1.0 for i in range(50)]


def test_interleaved_no_grad_blocks_leave_recording_on_in_both_threads() -> None:
    """A enters, B enters, A leaves, B leaves: was recording OFF for the whole process."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    after: dict[str, tuple[bool, str]] = {}

    def a() -> None:
        with no_grad():
            a_in.set()
            wait(b_in)
        a_out.set()
        after["a"] = (is_grad_enabled(), (Value(1.0) + 1.0).op)

    def b() -> None:
        wait(a_in)
        with no_grad():
            b_in.set()
            wait(a_out)
            assert not is_grad_enabled()  # B's own block is still active
        after["b"] = (is_grad_enabled(), (Value(1.0) + 1.0).op)

    run_threads(a, b)
    assert after == {"a": (True, "add"), "b": (True, "add")}
    assert is_grad_enabled() and (Value(1.0) * 2.0).op == "mul"


def test_detect_anomaly_from_three_threads_at_once() -> None:
    """Was: RecursionErrors, then every new operation failing with KeyError: '_new'."""
    inside = threading.Barrier(3, timeout=TIMEOUT)
    leaving = threading.Barrier(3, timeout=TIMEOUT)
    reports: list[tuple[str, str]] = []
    lock = threading.Lock()

    def worker() -> None:
        with detect_anomaly():
            inside.wait()  # all three blocks are active at the same time
            assert is_anomaly_enabled()
            with pytest.raises(AnomalyError) as forward:
                Value(1e200) * 1e200
            x = Value(0.0)
            y = x.sqrt() * 2.0
            with pytest.raises(AnomalyError) as backward:
                y.backward()
            assert (Value(3.0) * 2.0).data == 6.0
            with lock:
                reports.extend([(forward.value.phase, forward.value.op)])
                reports.extend([(backward.value.phase, backward.value.op)])
            leaving.wait()  # the others leave while this one is still inside, and after
        assert not is_anomaly_enabled()

    run_threads(worker, worker, worker)
    assert sorted(reports) == [("backward", "sqrt")] * 3 + [("forward", "mul")] * 3
    assert not is_anomaly_enabled()
    assert (Value(2.0) * 3.0).data == 6.0  # the process still works
    z = Value(1e200) * 1e200  # and checks nothing outside a block
    assert z.data == float("inf")


def test_anomaly_mode_in_one_thread_does_not_check_another() -> None:
    inside, done = threading.Event(), threading.Event()
    seen: list[float] = []

    def checked() -> None:
        with detect_anomaly():
            inside.set()
            wait(done)

    def unchecked() -> None:
        wait(inside)
        try:
            seen.append((Value(1e200) * 1e200).data)  # no AnomalyError in this thread
        finally:
            done.set()

    run_threads(checked, unchecked)
    assert seen == [float("inf")]


def test_tracing_in_one_thread_records_no_comparison_of_another() -> None:
    pytest.importorskip("numpy")
    from autograd_mini.compiled import compile_fn

    tracing, compared = threading.Event(), threading.Event()
    result: dict[str, Any] = {}

    def f(x: Value) -> Value:
        tracing.set()
        wait(compared)  # the other thread compares Values while this one traces
        return x * 2.0

    def tracer() -> None:
        compiled = compile_fn(f, [], [1.0])
        result["values"] = compiled([[-1.0], [3.0]]).values[:, 0].tolist()

    def other() -> None:
        wait(tracing)
        try:
            result["branch"] = Value(-1.0) > 0.0 or float(Value(5.0)) == 5.0
        finally:
            compared.set()

    run_threads(tracer, other)
    assert result == {"values": [-2.0, 6.0], "branch": True}


def test_enable_grad_inside_no_grad_records_again() -> None:
    with no_grad():
        assert (Value(1.0) * 2.0).op == ""
        with enable_grad():
            assert is_grad_enabled() and (Value(1.0) * 2.0).op == "mul"
        assert not is_grad_enabled()
    assert is_grad_enabled()
