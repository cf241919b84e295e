"""check-engine (autograd_mini.testing.conformance) on real engines: autograd-mini's, micrograd
0.1.0's, and small micrograd-style engines written here with one deliberately wrong
derivative each; it must name the wrong operation every time, and only that one."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograd_mini.testing import conformance
from autograd_mini.testing.conformance import Report, run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = 25  # per check: enough for hypothesis to find and shrink each bug below


class Engine:
    """A correct micrograd-style engine (its own code; an iterative topological sort)."""

    def __init__(self, data: float, children: tuple[Any, ...] = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._back: Callable[[], None] = lambda: None
        self._prev = children

    @classmethod
    def lift(cls, x: Any) -> Any:
        return x if isinstance(x, Engine) else cls(x)

    def node(self, data: float, *children: Any) -> Any:
        return type(self)(data, children)

    def __add__(self, other: Any) -> Any:
        other = self.lift(other)
        out = self.node(self.data + other.data, self, other)

        def back() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._back = back
        return out

    def __mul__(self, other: Any) -> Any:
        other = self.lift(other)
        out = self.node(self.data * other.data, self, other)

        def back() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._back = back
        return out

    def __pow__(self, c: float) -> Any:
        if isinstance(c, Engine):
            return NotImplemented
        out = self.node(self.data**c, self)

        def back() -> None:
            self.grad += c * self.data ** (c - 1) * out.grad

        out._back = back
        return out

    def __truediv__(self, other: Any) -> Any:
        return self * self.lift(other) ** -1

    def __rtruediv__(self, other: Any) -> Any:
        return self.lift(other) * self**-1

    def unary(self, value: float, slope: float) -> Any:
        out = self.node(value, self)

        def back() -> None:
            self.grad += slope * out.grad

        out._back = back
        return out

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self.unary(t, 1 - t * t)

    def exp(self) -> Any:
        e = math.exp(self.data)
        return self.unary(e, e)

    def log(self) -> Any:
        return self.unary(math.log(self.data), 1 / self.data)

    def sigmoid(self) -> Any:
        s = 1 / (1 + math.exp(-self.data))
        return self.unary(s, s * (1 - s))

    def relu(self) -> Any:
        return self.unary(max(self.data, 0.0), float(self.data > 0))

    def __neg__(self) -> Any:
        return self.unary(-self.data, -1.0)

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-self.lift(other))

    def __rsub__(self, other: Any) -> Any:
        return self.lift(other) + (-self)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def backward(self) -> None:
        order: list[Any] = []
        seen: set[int] = set()
        stack: list[tuple[Any, bool]] = [(self, False)]
        while stack:
            v, expanded = stack.pop()
            if expanded:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((c, False) for c in v._prev)
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            v._back()


class WrongTanh(Engine):
    """tanh's derivative written as 1 − tanh (not 1 − tanh²)."""

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self.unary(t, 1 - t)


class WrongPow(Engine):
    """x ** c's derivative written as c·xᶜ (the − 1 of the exponent forgotten)."""

    def __pow__(self, c: float) -> Any:
        if isinstance(c, Engine):
            return NotImplemented
        out = self.node(self.data**c, self)

        def back() -> None:
            self.grad += c * self.data**c * out.grad

        out._back = back
        return out

    def __truediv__(self, other: Any) -> Any:  # division written out, so only ** is wrong
        return WrongDiv.__truediv__(self, other, sign=-1.0)

    def __rtruediv__(self, other: Any) -> Any:
        return self.lift(other) / self


class WrongDiv(Engine):
    """x / y with ∂/∂y = +x/y² (the sign lost); x / y has its own node here."""

    def __truediv__(self, other: Any, sign: float = 1.0) -> Any:
        other = self.lift(other)
        out = self.node(self.data / other.data, self, other)

        def back() -> None:
            self.grad += out.grad / other.data
            other.grad += sign * self.data / other.data**2 * out.grad

        out._back = back
        return out

    def __rtruediv__(self, other: Any) -> Any:
        return self.lift(other) * self**-1  # c / x through ** (right): only x / y is wrong


class NoAccumulate(Engine):
    """Multiplication assigns its gradients (=) instead of adding them (+=)."""

    def __mul__(self, other: Any) -> Any:
        other = self.lift(other)
        out = self.node(self.data * other.data, self, other)

        def back() -> None:
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad

        out._back = back
        return out


class SineForTanh(Engine):
    """x.tanh() computes sin x (with its own, consistent derivative cos x)."""

    def tanh(self) -> Any:
        return self.unary(math.sin(self.data), math.cos(self.data))


class Recursive(Engine):
    """Correct, but with micrograd's recursive topological sort."""

    def backward(self) -> None:
        order: list[Any] = []
        seen: set[int] = set()

        def visit(v: Any) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for c in v._prev:
                    visit(c)
                order.append(v)

        visit(self)
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            v._back()


def defects(report: Report) -> list[str]:
    return [f.detail for f in report.defects]


def named(report: Report) -> set[str]:
    """The operation each defect line names (the text before its first colon)."""
    return {line.split(":", 1)[0] for line in defects(report)}


def test_autograd_mini_passes_everything() -> None:
    report = run(conformance.load("autograd_mini.engine:Value"), examples=EXAMPLES)
    assert report.exit_code == 0, report.text()
    assert len(report.supported) == len(conformance.FORMS) == 17
    statuses = {f.check: f.status for f in report.findings}
    assert statuses["depth"] == statuses["backward twice"] == statuses["expressions"] == "ok"
    assert statuses["tanh (shared)"] == "ok"


def test_the_correct_test_engine_passes() -> None:
    report = run(Engine, examples=EXAMPLES)
    assert report.exit_code == 0, report.text()
    assert set(report.supported) == set(conformance.FORMS) - {"pow_value", "rpow"}


def test_micrograd_passes_the_arithmetic_and_reports_the_depth_limit() -> None:
    report = run(conformance.load("micrograd.engine:Value"))  # the default 100 examples
    statuses = {f.check: f.status for f in report.findings}
    arithmetic = ["add", "sub", "mul", "div", "neg", "pow", "radd", "rsub", "rmul", "rdiv"]
    assert all(statuses[name] == "ok" for name in [*arithmetic, "relu"])
    assert all(statuses[f"{name} (shared)"] == "ok" for name in arithmetic)
    assert statuses["expressions"] == "ok"
    for name in ("tanh", "exp", "log", "sigmoid", "pow_value", "rpow"):
        assert statuses[name] == "not supported"
    depth = next(f for f in report.findings if f.check == "depth")
    assert depth.status == "limit"
    assert "10,000 deep raises RecursionError" in depth.detail
    assert "works 625 deep, fails 1,250 deep" in depth.detail  # the default recursion limit
    # micrograd keeps the intermediate grads of the first pass: 18 instead of 2·6.75
    assert defects(report) == [
        "backward twice: y = (x * x) * x at x = 1.5, after a second y.backward() x.grad = 18 "
        "(expected 13.5 if leaves accumulate, 6.75 if grads are reset): the intermediate "
        "grads are not reset before a pass"
    ]
    assert report.exit_code == 1


@pytest.mark.parametrize(
    ("engine", "op"),
    [(WrongTanh, "tanh"), (WrongPow, "pow"), (WrongDiv, "div")],
    ids=["tanh", "pow", "div"],
)
def test_a_wrong_derivative_is_named(engine: type, op: str) -> None:
    report = run(engine, examples=EXAMPLES)
    assert named(report) == {op}, report.text()
    (line,) = defects(report)
    assert line.startswith(f"{op}: at x = ")
    if op == "pow":
        assert ", c = " in line  # the constant exponent is part of the counterexample
    assert "grad" in line and "(expected" in line
    assert report.exit_code == 1


def test_the_wrong_tanh_is_reported_at_the_smallest_counterexample() -> None:
    (line,) = defects(run(WrongTanh, examples=EXAMPLES))
    x = float(line.split("at x = ")[1].split(",")[0])
    assert x == 1.0  # hypothesis shrinks to the simplest float where 1 − t ≠ 1 − t²
    t = math.tanh(x)
    assert line == f"tanh: at x = 1.0, grad {1 - t:.3g} (expected {1 - t * t:.3g})"


def test_a_missing_accumulation_on_a_shared_node_is_named() -> None:
    report = run(NoAccumulate, examples=EXAMPLES)
    # x / y = x * y⁻¹ and c * x are this engine's multiplication too, so they are wrong as
    # well (and named: the defect is in what the user wrote for them); nothing else is
    assert named(report) == {"mul", "div", "rmul"}, report.text()
    mul = defects(report)[0]
    assert mul.startswith("mul: x used twice (")
    assert mul.endswith("gradients must accumulate (+=) over a shared node")
    statuses = {f.check: f.status for f in report.findings}
    assert statuses["mul"] == "ok"  # on two distinct Values = and += agree
    assert statuses["mul (shared)"] == "defect"


def test_a_wrong_value_is_named() -> None:
    report = run(SineForTanh, examples=EXAMPLES)
    assert defects(report) == [
        f"tanh: at x = 1.0, value {math.sin(1.0):.3g} (expected {math.tanh(1.0):.3g})"
    ]


def test_a_recursive_sort_is_a_depth_limit_not_a_defect() -> None:
    report = run(Recursive, examples=5)
    assert report.exit_code == 0
    (limit,) = report.of("limit")
    assert limit.check == "depth" and "RecursionError" in limit.detail


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    command = [sys.executable, "-m", "autograd_mini.testing.conformance", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_cli_exit_status_and_report() -> None:
    ok = cli("test_testing_engines:Engine", "--examples", "5")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1] == "result: no defects"
    assert "check-engine: [1/" in ok.stderr  # the progress line
    bad = cli("test_testing_engines:WrongTanh", "--examples", "10", "--seed", "3")
    assert bad.returncode == 1
    (line,) = [line for line in bad.stdout.splitlines() if line.startswith("DEFECT")]
    assert line.startswith("DEFECT  tanh: at x = ")


def autograd_mini_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line: ``autograd-mini check-engine ...`` through cli.parser.main."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    command = [sys.executable, "-m", "autograd_mini", "check-engine", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_the_autograd_mini_command_has_check_engine_and_its_exit_status() -> None:
    ok = autograd_mini_cli("autograd_mini.engine:Value", "--examples", "5")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1] == "result: no defects"
    bad = autograd_mini_cli("test_testing_engines:WrongTanh", "--examples", "10", "--seed", "3")
    assert bad.returncode == 1, bad.stderr
    (line,) = [line for line in bad.stdout.splitlines() if line.startswith("DEFECT")]
    assert line.startswith("DEFECT  tanh: at x = ")
    usage = autograd_mini_cli("no_such_module:Value")
    assert usage.returncode == 2 and usage.stdout == ""
    (message,) = usage.stderr.splitlines()
    assert message.startswith("autograd-mini check-engine: error: cannot import 'no_such_module'")


def test_cli_json_report() -> None:
    done = cli("test_testing_engines:WrongDiv", "--examples", "10", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["engine"] == "test_testing_engines:WrongDiv"
    assert report["defects"] == 1 and report["exit_code"] == 1
    assert [f["check"] for f in report["findings"] if f["status"] == "defect"] == ["div"]
    assert report["not_supported"].keys() == {"pow_value", "rpow"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_module:Value"], "cannot import 'no_such_module'"),
        (["micrograd.engine:Missing"], "module 'micrograd.engine' has no 'Missing'"),
        (["micrograd.engine"], "expected MODULE:CLASS"),
        (["autograd_mini.engine:apply"], "is not a class"),
        (["micrograd.engine:Value", "--examples", "x"], "'x' is not an integer"),
    ],
)
def test_cli_bad_usage_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("autograd-mini check-engine: error: ") and message in line


def test_the_cli_subcommand_module_runs_the_same_checks(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from autograd_mini.cli import check_engine
    from autograd_mini.experiments import Report as CliReport

    parser = argparse.ArgumentParser(prog="autograd-mini check-engine")
    check_engine.add_arguments(parser)
    args = parser.parse_args(["test_testing_engines:WrongPow", "--examples", "10"])
    assert check_engine.run(args, CliReport("autograd-mini check-engine")) == 1
    out = capsys.readouterr().out
    assert "DEFECT  pow: at x = " in out
    assert check_engine.NAME == "check-engine"


def test_a_seeded_run_is_repeatable() -> None:
    first = run(WrongTanh, examples=10, seed=7)
    again = run(WrongTanh, examples=10, seed=7)
    assert first.text() == again.text()
    assert "(10 examples per check, seed 7)" in first.text().splitlines()[0]
    assert named(first) == {"tanh"}


class RaisingTanh(Engine):
    """x.tanh() raises for x > 1, with terminal control characters in its message."""

    def tanh(self) -> Any:
        if self.data > 1:
            raise ValueError("\x1b[31mred\x1b[0m\nsecond line")
        return super().tanh()


def test_an_engine_error_is_a_defect_on_one_escaped_line() -> None:
    (line,) = defects(run(RaisingTanh, examples=EXAMPLES))
    assert line.startswith("tanh: at x = ")
    assert line.endswith(r"ValueError: \x1b[31mred\x1b[0m second line")
    assert float(line.split("at x = ")[1].split(",")[0]) > 1
