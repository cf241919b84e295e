"""``autograd-mini graph``: the ``--at`` names checked all at once, unused ones warned about,
``--max-nodes``, the help's own example, and the name of a root that has no label."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from cli_run import run


def test_every_missing_name_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.svg"
    argv = ["graph", "a*b + c*d - b", "--at", "a=1", "-o", str(target)]
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "unknown names 'b', 'c', 'd'" in err
    assert "--at b=" in err  # says how to give them
    assert not target.exists()


def test_an_unused_name_is_a_warning_not_a_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["graph", "a*2", "--at", "a=1.5", "z=3", "-o", str(tmp_path / "g.dot")]
    code, out, err = run(argv, capsys)
    assert code == 0
    assert "a*2 = 3" in out
    assert "∂/∂a = 2" in out and "∂/∂z" not in out
    assert err.strip().splitlines() == [
        "autograd-mini graph: warning: --at z=3 is not used by the expression 'a*2'"
    ]


def test_the_helps_own_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", "--help"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    match = re.search(r"graph (--at [^\"]*-- \"-a\*b\")", flat)
    assert match is not None, flat
    example = shlex.split(match.group(1))
    code, out, err = run(["graph", "-o", str(tmp_path / "g.dot"), *example], capsys)
    assert code == 0, err
    assert re.search(r"^-a\*b = −?-?\d", out, re.M)


def test_max_nodes_is_the_limit_the_error_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.dot"
    expression = "tanh(a*b + c) * exp(a)"  # 8 nodes
    code, out, err = run(
        ["graph", expression, "--at", "a=1", "b=2", "c=3", "--max-nodes", "5", "-o", str(target)],
        capsys,
    )
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "--max-nodes 5" in err  # the limit in force, named as the option
    suggested = re.findall(r"--max-nodes (\d+)", err)[-1]  # the size that draws it
    assert int(suggested) > 5
    assert "max_nodes=" not in err  # the command's option, not the function's argument
    at = ["--at", "a=1", "b=2", "c=3"]
    argv = ["graph", expression, *at, "--max-nodes", suggested, "-o", str(target)]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("digraph")


def test_max_nodes_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["graph", "a", "--at", "a=1", "--max-nodes", "0"], capsys)
    assert code == 2 and "--max-nodes" in err


@pytest.mark.parametrize(
    ("expression", "at"),
    [("a*b + c", ["a=1", "b=2", "c=3"]), ("2 * 3 + 1", [])],
)
def test_a_root_without_a_label_is_named_for_the_expression(
    expression: str, at: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.dot"
    code, out, err = run(["graph", expression, "--at", *at, "-o", str(target)], capsys)
    assert code == 0, err
    first_row = next(line for line in out.splitlines() if re.match(r"\s+1\s", line))
    assert first_row.split()[1] == expression.split()[0]  # the table's columns split on spaces
    assert expression in first_row
    assert " L " not in first_row and "result" not in first_row
    assert expression in target.read_text(encoding="utf-8")


def test_a_long_expression_names_its_root_by_its_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expression = " + ".join(f"a*{k}" for k in range(1, 20))
    code, out, err = run(
        ["graph", expression, "--at", "a=1", "-o", str(tmp_path / "g.dot")], capsys
    )
    assert code == 0, err
    first_row = next(line for line in out.splitlines() if re.match(r"\s+1\s", line))
    assert "a*1 + a*2" in first_row and "…" in first_row
    assert len(first_row) < len(expression) + 40


def test_repeated_at_options_add_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--at a=1 --at b=2`` gives both values: a second ``--at`` does not drop the first."""
    argv = ["graph", "a*b + c", "--at", "a=1", "--at", "b=2", "c=3"]
    code, out, err = run([*argv, "-o", str(tmp_path / "g.dot")], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == "a*b + c = 5"
    assert "∂/∂a = 2" in out and "∂/∂b = 1" in out and "∂/∂c = 1" in out
    code, _, err = run(["graph", "a", "--at", "a=1", "--at", "a=2"], capsys)
    assert code == 2 and "'a' is given twice" in err


def test_an_output_name_with_control_characters_is_refused_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-o's name reaches the terminal in "wrote …": control characters are refused, escaped."""
    target = tmp_path / "g\x1b[2J.svg"
    code, out, err = run(["graph", "a", "--at", "a=1", "-o", str(target)], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "\\x1b" in err and "\x1b" not in err
    assert not list(tmp_path.iterdir())
