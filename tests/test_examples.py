"""Every script in examples/ runs (with its small ``--quick`` setting) and prints real results."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def number(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    assert m is not None, f"{pattern!r} not found in:\n{text}"
    return float(m.group(1))


def test_every_example_is_tested() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if p.name != "common.py"}  # the shared flag
    tested = {
        "worked_example.py",
        "wine_softmax.py",
        "regression_vs_classification.py",
        "vanishing_gradient.py",
        "backprop_four_layers.py",
        "micrograd_moons.py",
    }
    assert scripts == tested


def test_worked_example() -> None:
    out = run_example("worked_example.py")
    assert "u_11 = 11   h_11 = max(0, 11) = 11" in out
    assert "u_12 = -14   h_12 = max(0, -14) = 0" in out
    assert "L = (20 - 33)^2 = 169" in out
    assert "∂L/∂w₁ = ∂y/∂w₁ · ∂L/∂y = 11 × 26 = 286" in out
    assert "∂L/∂w₂ = ∂u₁₁/∂w₂ · ∂y/∂u₁₁ · ∂L/∂y = 2 × 3 × 26 = 156" in out
    assert "w_1: 3 - 0.01 * 286 = 0.14" in out
    assert "w_2: 3 - 0.01 * 156 = 1.44" in out


def test_wine_softmax() -> None:
    out = run_example("wine_softmax.py")
    white = number(r"P\(white\) = ([\d.]+)", out)
    red = number(r"P\(red\) = ([\d.]+)", out)
    assert white + red == pytest.approx(1.0, abs=2e-4)
    assert red > white
    assert "answer: red" in out
    assert number(r"training accuracy ([\d.]+)%", out) >= 90.0


def test_regression_vs_classification() -> None:
    out = run_example("regression_vs_classification.py")
    assert number(r"mean squared error ([\d.]+)", out) < 0.02
    assert number(r"accuracy ([\d.]+)%", out) >= 95.0


def test_vanishing_gradient() -> None:
    out = run_example("vanishing_gradient.py")
    assert number(r"max sigmoid'\(u\) on \[-4, 4\] = ([\d.]+)", out) == 0.25
    sigmoid_ratio = number(r"sigmoid: layer 1 / layer \d+ = ([\d.e+-]+)", out)
    relu_ratio = number(r"relu:    layer 1 / layer \d+ = ([\d.e+-]+)", out)
    assert sigmoid_ratio < 0.01 < relu_ratio
    # the measure is the CLI's and the tutorial's: mean |∂L/∂W| per layer, the same numbers
    from autograd_mini.experiments import layer_gradients

    assert "mean|dL/dW| sigmoid" in out and "delta" not in out
    rows = re.findall(r"^\s+(\d+)\s+([\d.e+-]+)\s+([\d.e+-]+)$", out, re.M)
    sigmoid, relu = (layer_gradients(a, 5, 8, 0) for a in ("sigmoid", "relu"))
    assert [(float(s), float(r)) for _, s, r in rows] == [
        (float(f"{s:.3e}"), float(f"{r:.3e}")) for s, r in zip(sigmoid, relu, strict=True)
    ]


def test_backprop_four_layers() -> None:
    out = run_example("backprop_four_layers.py")
    deltas = re.findall(r"δ_([jkl])\d = ([+-][\d.]+)", out)
    assert [layer for layer, _ in deltas] == ["j", "j", "k", "k", "k", "l", "l"]
    assert any(float(d) != 0.0 for _, d in deltas)
    assert number(r"max \|dL/dw - h\*delta\| over every weight\s+= ([\d.e+-]+)", out) < 1e-12
    assert number(r"max \|delta_j - .*?= ([\d.e+-]+)", out) < 1e-12
    assert "both hold" in out


def test_micrograd_moons() -> None:
    out = run_example("micrograd_moons.py")
    losses = [float(v) for v in re.findall(r"loss ([\d.]+)", out)]
    assert len(losses) == 3  # steps 0, 10, 19
    assert losses[-1] < losses[0] / 3
    assert number(r"step 19 loss [\d.]+, accuracy ([\d.]+)%", out) >= 85.0
