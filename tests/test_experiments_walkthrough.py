"""The worked example step by step has one version: ``autograd-mini walkthrough``'s
(:mod:`autograd_mini.cli.walkthrough`, with ``lang``); :mod:`autograd_mini.experiments` no
longer keeps an English-only copy of it."""

from __future__ import annotations

from autograd_mini import chapter, experiments
from autograd_mini.cli import walkthrough
from autograd_mini.experiments import Report


def test_experiments_has_no_copy_of_the_walkthrough() -> None:
    names = [n for n in experiments.__all__ if n.startswith("walkthrough")]
    assert names == []
    assert not hasattr(experiments, "walkthrough_step1")


def test_the_commands_step1_in_both_languages() -> None:
    for lang, first, note in (
        ("en", "Step 1.", "(the chapter prints −11: errata E1)"),
        ("ja", "Step1. 線形変換と非線形変換", "（章では −11：正誤表 E1）"),
    ):
        report = Report("walkthrough", quiet=True)
        walkthrough.step1(report, chapter.build(), lang)
        assert report.lines[0].startswith(first)
        assert report.lines[2] == f"  u₁₂ = (−2)×2 + (−3)×3 + (−1)×1 = −14    {note}"
        assert dict(report.numbers)["y"] == "33"
