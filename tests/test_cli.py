"""The ``autograd-mini`` command: every subcommand's real output, files and bad input."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_run import run

from autograd_mini import cli
from autograd_mini.cli import output
from autograd_mini.cli.page import index_html
from autograd_mini.nn import MLP

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def numbers_after(text: str, prefix: str) -> list[float]:
    """Every number that ends a line starting with ``prefix`` (true minus signs allowed)."""
    pattern = re.compile(rf"^\s*{re.escape(prefix)}.*?(−?[\d.]+(?:e[+−-]?\d+)?)\s*$", re.M)
    return [float(m.replace("−", "-")) for m in pattern.findall(text)]


# -- walkthrough ----------------------------------------------------------------------------------


def test_walkthrough_prints_the_chapter_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["walkthrough", "--steps", "6", "--out", str(tmp_path)], capsys)
    assert code == 0
    for line in (
        "u₁₁ = 3×2 + 1×3 + 2×1 = 11",
        "u₁₂ = (−2)×2 + (−3)×3 + (−1)×1 = −14    (the chapter prints −11: errata E1)",
        "h₁₁ = max(0, 11) = 11",
        "h₁₂ = max(0, −14) = 0",
        "y   = 3×11 + 2×0 = 33",
        "ℒ = (1/1)(20 − 33)² = 169",
        "∂ℒ/∂y  = −2 × (20 − 33) = 26",
        "∂ℒ/∂w₁ = h₁₁ × ∂ℒ/∂y = 11 × 26 = 286",
        "∂y/∂u₁₁ = w₁ f′(u₁₁) = 3 × 1 = 3",
        "∂ℒ/∂w₂ = ∂u₁₁/∂w₂ · ∂y/∂u₁₁ · ∂ℒ/∂y = 2 × 3 × 26 = 156",
        "w₁ ← 3 − 0.01 × 286 = 0.14",
        "w₂ ← 3 − 0.01 × 156 = 1.44",
        "ℒ after updating w₁ and w₂ only (as the chapter does) = 357.089",
        "ℒ after updating every weight (w₃ and w₄ move too) = 399.552",
        "both are above ℒ = 169: ρ = 0.01 overshoots.",
    ):
        assert line in out, line
    losses = numbers_after(out, "step")
    assert len(losses) == 7
    assert losses[:3] == [169.0, 47.4764, 17.5386]
    assert all(b < a for a, b in itertools.pairwise(losses))


def test_walkthrough_writes_graph_and_stepper(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(["walkthrough", "--steps", "0", "--out", str(tmp_path)], capsys)
    assert code == 0
    svg = (tmp_path / "walkthrough_graph.svg").read_text(encoding="utf-8")
    ET.fromstring(svg)  # well-formed XML
    for text in ("169", "286", "156", "11 × 26"):
        assert text in svg, text
    page = (tmp_path / "walkthrough_stepper.html").read_text(encoding="utf-8")
    assert "<svg" in page and "156" in page


# -- train ----------------------------------------------------------------------------------------


def test_train_moons_saves_a_model_that_reproduces_the_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", "--dataset", "moons", "--epochs", "25", "--lr", "0.05", "--no-progress"]
    code, out, _ = run([*argv, "--out", str(tmp_path)], capsys)
    assert code == 0
    accuracy = float(re.search(r"training accuracy ([\d.]+)%", out).group(1))  # type: ignore[union-attr]
    assert accuracy >= 90.0
    model = MLP.load(tmp_path / "model_moons.json")
    from autograd_mini.datasets import moons

    xs, ys = moons()
    correct = sum((model(x).data > 0) == (y > 0) for x, y in zip(xs, ys, strict=True))  # type: ignore[union-attr]
    assert correct == pytest.approx(accuracy, abs=0.5)
    for name in ("loss_moons.png", "boundary_moons.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000


def test_train_compiled_matches_eager(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("numpy")
    argv = ["train", "--dataset", "xor", "--hidden", "8", "--epochs", "8", "--no-progress"]
    _, eager, _ = run([*argv, "--out", str(tmp_path)], capsys)
    code, compiled, _ = run([*argv, "--compiled", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert numbers_after(compiled, "final training loss") == numbers_after(
        eager, "final training loss"
    )


def test_train_wine_toy_answers_the_chapters_question(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", "--dataset", "wine-toy", "--hidden", "3", "--epochs", "15", "--no-progress"]
    code, out, _ = run([*argv, "--lr", "0.05", "--out", str(tmp_path)], capsys)
    assert code == 0
    m = re.search(r"P\(white\) = ([\d.e−-]+), P\(red\) = ([\d.e−-]+)", out)
    assert m is not None
    white, red = (float(g.replace("−", "-")) for g in m.groups())
    assert red > white
    assert white + red == pytest.approx(1.0, abs=2e-3)
    assert not (tmp_path / "boundary_wine_toy.png").exists()  # 4-D data: no boundary plot


def test_train_real_dataset_reports_held_out_accuracy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    argv = ["train", "--dataset", "iris", "--hidden", "8", "--epochs", "40", "--lr", "0.03"]
    code, out, _ = run([*argv, "--no-progress", "--out", str(tmp_path)], capsys)
    assert code == 0
    held_out = float(re.search(r"held-out accuracy ([\d.]+)%", out).group(1))  # type: ignore[union-attr]
    assert held_out >= 90.0


# -- vanishing ------------------------------------------------------------------------------------


def test_vanishing_table_plot_and_sigmoid_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["vanishing", "--depth", "6", "--width", "4", "--out", str(tmp_path)], capsys
    )
    assert code == 0
    assert "max σ′(u) over u ∈ [−10, 10] (by backward()) = 0.25 at u = 0" in out
    rows = re.findall(r"^\s+(\d+)\s+([\d.e+-]+)\s+([\d.e+-]+)$", out, re.M)
    assert [int(r[0]) for r in rows] == list(range(1, 8))
    saved = json.loads((tmp_path / "vanishing.json").read_text())
    assert saved["sigmoid"] == pytest.approx([float(r[1]) for r in rows], rel=1e-3)
    sigmoid = saved["sigmoid"]
    assert sigmoid[0] < sigmoid[-1] / 100  # the gradient shrinks toward the input
    assert saved["relu"][0] > 100 * sigmoid[0]
    assert (tmp_path / "vanishing.png").read_bytes().startswith(PNG_MAGIC)


# -- graph ----------------------------------------------------------------------------------------


def test_graph_evaluates_backpropagates_and_draws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.svg"
    argv = ["graph", "tanh(a*b + c)", "--at", "a=1", "b=2", "c=-1", "-o", str(target)]
    code, out, _ = run([*argv, "--stepper"], capsys)
    assert code == 0
    assert "tanh(a*b + c) = 0.761594" in out
    assert "∂/∂a = 0.839949" in out and "∂/∂c = 0.419974" in out
    ET.fromstring(target.read_text(encoding="utf-8"))
    assert target.with_suffix(".html").exists()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('touch {canary}')", "not allowed"),
        ("a.__class__", "attribute access"),
        ("open('{canary}', 'w')", "not allowed"),
        ("a[0]", "subscripts"),
        ("(lambda: 1)()", "not allowed"),
        ("[x for x in (1, 2)]", "comprehensions"),
        ("q * a", "unknown name 'q'"),
        ("a +", "syntax error"),
        ("exp(a, b=1)", "one positional argument"),
        ("log(a - 5)", "log(-4.0) is undefined"),
        ("a / 0", "divides by zero"),
        ("10 ** 400", "overflows"),
        ("'text'", "only numbers"),
        # constants alone used to fold to a complex number and crash with a TypeError
        ("(-8) ** 0.5", "is not real"),
        ("(0 - 8) ** (1 / 3) * a", "is not real"),
        ("+".join(["a"] * 999), "too deeply nested"),
        ("exp(" * 30 + "a" + ")" * 30 + " + " + "a" * 1900, "longer than 2000 characters"),
    ],
)
def test_graph_rejects_expressions_in_one_line(
    expression: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canary = tmp_path / "canary"
    target = tmp_path / "g.svg"
    argv = ["graph", expression.format(canary=canary), "--at", "a=1", "-o", str(target)]
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert not canary.exists() and not target.exists()


# -- bad input, help ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--dataset", "mnist"],
        ["train", "--hidden", "16,x"],
        ["train", "--hidden", "0"],
        ["train", "--epochs", "0"],
        ["train", "--optimizer", "rmsprop"],
        ["train", "--lr", "nan"],
        ["vanishing", "--depth", "-3"],
        ["walkthrough", "--frobnicate"],
        ["graph"],
        ["dance"],
        [],
    ],
)
def test_bad_options_exit_2_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # One line (issue 15: every error of every subcommand), pointing at --help for the usage.
    code, _, err = run(argv, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("autograd-mini") and "error:" in err and "--help" in err


@pytest.mark.parametrize("bad", ["a", "a=", "1a=2", "a=inf", "a=x"])
def test_bad_assignment_exits_2(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["graph", "a", "--at", bad, "-o", "/nonexistent/g.svg"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "--at" in err


@pytest.mark.parametrize("command", ["walkthrough", "vanishing", "demo"])
def test_unwritable_out_is_one_clear_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run([command, "--out", str(blocker / "sub")], capsys)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        f"autograd-mini {command}: error: --out '{blocker / 'sub'}' cannot be written: "
        "Not a directory"
    ]


@pytest.mark.parametrize("command", ["walkthrough", "train", "vanishing", "graph", "demo"])
def test_help_on_every_subcommand(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0
    assert out.startswith(f"usage: autograd-mini {command}")
    assert "--out" in out or "--output" in out


def test_diverged_training_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd_mini import train

    def diverge(*args: object, **kwargs: object) -> None:
        raise train.TrainingDivergedError(float("nan"), 3, 1, 0.5, train.History())

    monkeypatch.setattr(train, "fit", diverge)
    argv = ["train", "--epochs", "5", "--no-progress", "--out", str(tmp_path)]
    code, _, err = run(argv, capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "epoch 3" in err


def test_graph_output_folder_unwritable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, out, err = run(["graph", "a*a", "--at", "a=2", "-o", str(blocker / "g.svg")], capsys)
    assert code == 2 and out == ""
    assert "the folder of -o" in err and err.count("\n") == 1


@pytest.mark.parametrize("name", ["g.jpeg", "g"])
def test_graph_output_of_unknown_format_is_a_usage_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # used to evaluate, print, then crash in render() with a ValueError traceback (status 1)
    code, out, err = run(["graph", "a*a", "--at", "a=2", "-o", str(tmp_path / name)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "-o" in err and ".svg, .png, .pdf" in err
    assert list(tmp_path.iterdir()) == []


def test_graph_variable_given_twice_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["graph", "a*2", "--at", "a=1", "a=2"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'a' is given twice" in err


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_mini", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    for command in ("walkthrough", "train", "vanishing", "graph", "demo"):
        assert command in done.stdout


# -- demo -----------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.targets.append(value)


def _demo(out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_mini", "demo", "--epochs", "5", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_demo_writes_an_index_linking_everything(tmp_path: Path) -> None:
    done = _demo(tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    links = _Links()
    links.feed(page)
    written = {p.name for p in tmp_path.iterdir() if p.name != "index.html"}
    assert written <= set(links.targets)
    assert all((tmp_path / t).exists() for t in links.targets)
    expected = {
        "walkthrough_graph.svg",
        "walkthrough_stepper.html",
        "model_moons.json",
        "loss_moons.png",
        "boundary_moons.png",
        "vanishing.png",
        "graph_tanh.svg",
    }
    assert expected <= written
    for number in ("169", "286", "156", "−14", "0.25"):
        assert f"<td>{number}</td>" in page


def test_demo_without_graphviz_writes_dot_sources(tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    out = tmp_path / "out"
    done = _demo(out, env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "install Graphviz" in done.stdout
    assert (out / "walkthrough_graph.dot").read_text().startswith("digraph")
    assert not (out / "walkthrough_graph.svg").exists()
    assert 'href="walkthrough_graph.dot"' in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "loss_moons.png").exists()


def test_index_page_escapes_every_text() -> None:
    report = cli.Report("<script>alert(1)</script>", quiet=True)
    report.say("a < b & c > d")
    report.number("<b>x</b>", "'\"&")
    page = index_html([report], 1.0, Path("out"))
    assert "<script>alert" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;" in page and "a &lt; b &amp; c &gt; d" in page


@pytest.mark.usefixtures("slow_dot")
def test_graph_too_slow_for_dot_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "DOT_TIMEOUT", 0.5)
    target = tmp_path / "g.svg"
    code, _, err = run(["graph", "a*b", "--at", "a=1", "b=2", "-o", str(target)], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "took longer than 0.5 s" in err and "Draw a part of it" in err
    assert not target.exists()


def test_graph_whose_layout_would_take_minutes_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a*a*…*a with 80 factors: dot needs minutes or crashes; refused before dot runs
    target = tmp_path / "g.svg"
    code, _, err = run(["graph", "*".join(["a"] * 80), "--at", "a=1", "-o", str(target)], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "bends" in err and "Draw a part of it" in err
    assert not target.exists()


def test_activation_and_subcommand_choices_come_from_the_registries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from autograd_mini import activations
    from autograd_mini.cli.parser import COMMANDS

    parser = cli.build_parser()
    for name in activations.names():
        assert parser.parse_args(["train", "--activation", name]).activation == name
    code, out, _ = run(["train", "--help"], capsys)
    assert code == 0 and "{" + ",".join(activations.names()) + "}" in out
    code, _, err = run(["train", "--activation", "swish"], capsys)
    assert code == 2 and "invalid choice: 'swish'" in err
    by_name = {c.NAME: c for c in COMMANDS}
    for name in ("walkthrough", "train", "vanishing", "graph", "demo"):
        args = parser.parse_args([name, "a"] if name == "graph" else [name])
        assert args.handler is by_name[name].run


def test_python_dash_m_runs_the_command() -> None:
    for module in ("autograd_mini", "autograd_mini.cli"):
        done = subprocess.run(
            [sys.executable, "-m", module, "graph", "a*a", "--at", "a=3", "-o", "x.txt"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.startswith("autograd-mini graph: error: -o 'x.txt'")
