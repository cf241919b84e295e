"""The commands the tutorials show are real: each parses with the command's own parser, the
English and Japanese tutorials show the same ones, and what they say predict prints is what
it prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from autograd_mini import cli

DOCS = Path(__file__).resolve().parent.parent / "docs"


def commands(name: str) -> list[str]:
    """The indented `autograd-mini ...` lines of a tutorial, without their comments."""
    text = (DOCS / name).read_text(encoding="utf-8")
    lines = re.findall(r"^ {4}(autograd-mini .*)$", text, re.M)
    return [shlex.join(shlex.split(line, comments=True)) for line in lines]


def test_the_tutorials_show_the_same_commands() -> None:
    english, japanese = commands("tutorial.md"), commands("tutorial.ja.md")
    assert english == japanese
    assert "autograd-mini predict --model moons.json --dataset moons" in english
    for command in ("walkthrough", "vanishing --depth 10", "demo"):
        assert f"autograd-mini {command} --lang ja" in english


@pytest.mark.parametrize("line", commands("tutorial.md"))
def test_every_command_parses(line: str) -> None:
    args = cli.build_parser().parse_args(shlex.split(line)[1:])
    assert callable(args.handler)
    if "--lang" in line:
        assert args.lang == "ja"


def test_predict_prints_what_the_tutorial_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "moons.json"
    train = ["train", "--dataset", "moons", "--epochs", "40", "--lr", "0.05", "--save", str(model)]
    assert cli.main([*train, "--no-progress", "--no-plots", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert cli.main(["predict", "--model", str(model), "--dataset", "moons"]) == 0
    assert "accuracy 99.0% of moons" in capsys.readouterr().out
    assert cli.main(["predict", "--model", str(model), "--input", "0.5,0.25"]) == 0
    assert "output [0.0209636]  → class 1" in capsys.readouterr().out
