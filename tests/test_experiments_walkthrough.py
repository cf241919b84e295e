"""The worked example step by step, as a library (:mod:`autograd_mini.experiments`): the one
version ``autograd-mini walkthrough`` prints, in English or the chapter's Japanese."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_mini import chapter, cli
from autograd_mini.experiments import (
    Report,
    walkthrough_both_losses,
    walkthrough_more,
    walkthrough_step1,
    walkthrough_step2,
    walkthrough_step3,
)


def test_step1_and_step2_in_japanese() -> None:
    report = Report("walkthrough", quiet=True)
    ex = chapter.build()
    walkthrough_step1(report, ex, "ja")
    walkthrough_step2(report, ex, "ja")
    assert report.lines[0] == "Step1. 線形変換と非線形変換（u = Wx、h = ReLU(u)。バイアスは省略）"
    assert report.lines[2] == "  u₁₂ = (−2)×2 + (−3)×3 + (−1)×1 = −14    （章では −11：正誤表 E1）"
    assert report.lines[-1] == "  L = (1/1)(20 − 33)² = 169"
    numbers = dict(report.numbers)
    assert (numbers["u_11"], numbers["u_12"], numbers["y"], numbers["L"]) == (
        "11",
        "−14",
        "33",
        "169",
    )


def test_step3_and_both_losses_in_english() -> None:
    report = Report("walkthrough", quiet=True)
    ex = chapter.build()
    ex.loss.backward()
    walkthrough_step3(report, ex, chapter.RHO)
    comparison = walkthrough_both_losses(report, chapter.RHO)
    numbers = dict(report.numbers)
    assert (numbers["dL/dw_1"], numbers["dL/dw_2"]) == ("286", "156")
    assert (numbers["w_1 after"], numbers["w_2 after"]) == ("0.14", "1.44")
    assert comparison.loss_w1_w2 == pytest.approx(357.089, abs=5e-4)
    assert comparison.loss_every_weight == pytest.approx(399.552, abs=5e-4)
    assert numbers["L after the update (w_1, w_2 only)"] == "357.089"


def test_more_steps_returns_the_losses() -> None:
    report = Report("walkthrough", quiet=True)
    losses = walkthrough_more(report, 2, 0.001, "ja")
    assert losses[0] == 169.0
    assert losses[2] == pytest.approx(17.5386, abs=5e-5)
    assert report.lines[-1] == "    2 回目  L = 17.5386"


def test_the_command_prints_what_the_library_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["walkthrough", "--steps", "1", "--lang", "ja", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    report = Report("walkthrough", quiet=True)
    ex = chapter.build()
    walkthrough_step1(report, ex, "ja")
    walkthrough_step2(report, ex, "ja")
    ex.loss.backward()
    walkthrough_step3(report, ex, chapter.RHO, "ja")
    walkthrough_both_losses(report, chapter.RHO, "ja")
    walkthrough_more(report, 1, 0.001, "ja")
    printed = out.splitlines()
    for line in report.lines:
        assert line in printed, line
