"""Issue 15, items 2 and 6: every error of every subcommand is one line on stderr and exit 2;
nothing from the user reaches the terminal raw; full-width variable names work."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run

from autograd_mini.expression import ExpressionError, evaluate


def assert_one_line_error(err: str, command: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"autograd-mini {command}: error: "), err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("expression", "at", "words"),
    [
        ("sqrt(a)", ["a=0"], "sqrt"),
        ("a**0.5", ["a=0"], "0"),
        ("sqrt(0)", [], "sqrt"),
        ("log(a)", ["a=0"], "log"),
        ("a/b", ["a=1", "b=0"], "division"),
    ],
)
def test_graph_errors_of_backward_are_one_line_and_exit_2(
    expression: str, at: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["graph", expression, "-o", str(tmp_path / "g.dot")]
    if at:
        argv += ["--at", *at]
    code, _, err = run(argv, capsys)
    assert code == 2, err
    assert_one_line_error(err, "graph")
    assert words in err


def test_graph_error_of_backward_names_the_expression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["graph", "sqrt(a)", "--at", "a=0", "-o", str(tmp_path / "g.dot")], capsys)
    assert code == 2
    assert "sqrt(a)" in err and "backward" in err


def test_graph_echoes_no_terminal_escape_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "a + 1  # \x1b[2J\x1b]0;owned\x07 \u202e"
    code, out, err = run(["graph", evil, "--at", "a=1", "-o", str(tmp_path / "g.dot")], capsys)
    assert code == 0, err
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in out and bad not in err
    assert "a + 1  # \\x1b[2J" in out


def test_graph_with_a_full_width_variable_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["graph", "ａ*2", "--at", "ａ=3", "-o", str(tmp_path / "g.dot")], capsys)
    assert code == 0, err
    assert "∂/∂a = 2" in out


def test_printable_escapes_control_and_format_characters() -> None:
    from autograd_mini.cli.output import printable

    assert printable("a\x1b[31mb\tc\u200bd\u2028e") == "a\\x1b[31mb\\tc\\u200bd\\u2028e"
    assert printable("ａ + é") == "ａ + é"  # printable text is kept as written
    assert printable("x" * 100, limit=10) == "xxxxxxx..."


def test_evaluate_normalises_variable_names_like_the_parser() -> None:
    """Python's parser reads ``ａ`` as ``a`` (NFKC); the variable table does the same."""
    out, variables = evaluate("ａ * b", {"ａ": 2.0, "ｂ": 5.0})
    out.backward()
    assert out.data == 10.0
    assert sorted(variables) == ["a", "b"]
    assert variables["a"].label == "a" and variables["a"].grad == 5.0


def test_evaluate_refuses_names_that_collide_after_normalisation() -> None:
    with pytest.raises(ExpressionError, match=r"'a' and 'ａ' are the same name"):
        evaluate("a", {"a": 1.0, "ａ": 2.0})


def _errors() -> list[BaseException]:
    from autograd_mini.modelfile import ModelFileError

    return [
        ValueError("bad value\nsecond line"),
        ZeroDivisionError("backward: the derivative of sqrt(0.0) is undefined"),
        OverflowError("math range error"),
        ModelFileError("m.json", "integrity check failed"),
        PermissionError(13, "Permission denied", "out/x.svg"),
        TypeError("expected a number"),
        RecursionError("maximum recursion depth exceeded"),
        ValueError("\x1b[2J" + "x" * 10_000),
    ]


ARGV = {"graph": ["a"], "predict": ["--model", "m.json"]}


@pytest.mark.parametrize(
    "command", ["walkthrough", "train", "predict", "vanishing", "graph", "demo"]
)
@pytest.mark.parametrize("error", _errors(), ids=lambda e: type(e).__name__)
def test_every_subcommand_reports_library_errors_in_one_line_exit_2(
    command: str,
    error: BaseException,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Whatever the library raises inside a subcommand becomes one escaped, bounded line."""
    import importlib

    from autograd_mini.cli.parser import MAX_ERROR_CHARS

    module = importlib.import_module(f"autograd_mini.cli.{command}")

    def fail(args: object, report: object) -> None:
        raise error

    monkeypatch.setattr(module, "run", fail)
    code, _, err = run([command, *ARGV.get(command, [])], capsys)
    assert code == 2, err
    assert_one_line_error(err, command)
    assert "\x1b" not in err
    assert len(err) <= len(f"autograd-mini {command}: error: ") + MAX_ERROR_CHARS + 1


def test_a_diverged_run_still_exits_1_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd_mini.cli import vanishing

    def fail(args: object, report: object) -> None:
        raise FloatingPointError("training diverged at epoch 3")

    monkeypatch.setattr(vanishing, "run", fail)
    code, _, err = run(["vanishing"], capsys)
    assert code == 1
    assert_one_line_error(err, "vanishing")


def _saved_model(tmp_path: Path) -> Path:
    from autograd_mini.nn import MLP

    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    return path


def test_predict_with_a_tampered_model_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    path = _saved_model(tmp_path)
    content = json.loads(path.read_text())
    content["layers"][0]["biases"][0] += 1.0
    path.write_text(json.dumps(content))
    code, _, err = run(["predict", "--model", str(path), "--input", "0.5,1"], capsys)
    assert code == 2
    assert_one_line_error(err, "predict")
    assert "integrity check failed" in err


def test_predict_with_an_old_model_file_warns_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    path = _saved_model(tmp_path)
    content = json.loads(path.read_text())
    del content["sha256"]
    path.write_text(json.dumps(content))
    code, _, err = run(["predict", "--model", str(path), "--input", "0.5,1"], capsys)
    assert code == 0, err
    assert err.splitlines() == [
        f"autograd-mini predict: warning: model file {str(path)!r} has no integrity check "
        "(written by an older autograd-mini); save it again to add one"
    ]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs POSIX FIFOs")
def test_predict_with_a_fifo_is_refused_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    code, _, err = run(["predict", "--model", str(fifo), "--input", "0.5,1"], capsys)
    assert code == 2
    assert_one_line_error(err, "predict")
    assert "not a regular file (a FIFO)" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--hidden", "1,x"],
        ["train", "--epochs", "0"],
        ["graph", "a", "--max-nodes", "0"],
        ["bogus"],
        ["train", "--no-such-option"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse's own errors follow the command line's rule: one line, exit 2, no usage block."""
    from autograd_mini.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("autograd-mini") and ": error: " in err and "usage:" not in err
