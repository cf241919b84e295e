"""``--lang ja`` of ``walkthrough``, ``vanishing`` and ``demo``: the chapter's own terms."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import run

from autograd_mini.cli.page import index_html
from autograd_mini.experiments import Report


def test_walkthrough_in_japanese_shows_both_losses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["walkthrough", "--steps", "2", "--lang", "ja", "--out", str(tmp_path)], capsys
    )
    assert code == 0
    for line in (
        "Step1. 線形変換と非線形変換（u = Wx、h = ReLU(u)。バイアスは省略）",
        "u₁₂ = (−2)×2 + (−3)×3 + (−1)×1 = −14    （章では −11：正誤表 E1）",
        "Step2. 目的関数：平均二乗誤差（N = 1）",
        "ℒ = (1/1)(20 − 33)² = 169",
        "Step3. 誤差逆伝播法で勾配を求め、学習係数 ρ = 0.01 で1回更新する",
        "∂ℒ/∂w₂ = ∂u₁₁/∂w₂ · ∂y/∂u₁₁ · ∂ℒ/∂y = 2 × 3 × 26 = 156",
        "w₂ ← 3 − 0.01 × 156 = 1.44    （章ではこの行の左辺が w₁ になっている：正誤表 E8）",
        "w₁ と w₂ だけを更新したとき（章の手順）の目的関数 ℒ = 357.089",
        "すべての重みを更新したとき（w₃ と w₄ も動く）の目的関数 ℒ = 399.552",
        "どちらも更新前の ℒ = 169 より大きい。",
        "初期値から、学習係数 ρ = 0.001 の最急降下法で 2 回更新する",
        "2 回目  ℒ = 17.5386",
    ):
        assert line in out, line
    assert "Step 1." not in out and "gradient steps" not in out


def test_walkthrough_in_english_explains_why_every_weight_is_worse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["walkthrough", "--steps", "0", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "the step takes it to 1.103 (w₁, w₂) or 0.0112 (every weight)" in out
    assert "線形変換" not in out


def test_vanishing_in_japanese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["vanishing", "--depth", "3", "--width", "3", "--lang", "ja", "--out", str(tmp_path)],
        capsys,
    )
    assert code == 0
    assert "シグモイド関数の微分 σ′(u) の最大値（backward() で計算）は 0.25（u = 0）" in out
    assert "勾配は最大でも 0.25 倍になる" in out
    rows = re.findall(r"^\s+(\d+)\s+([\d.e+-]+)\s+([\d.e+-]+)$", out, re.M)
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4]
    assert re.search(r"シグモイド関数：第1層の勾配は第4層の [\d.e+-]+ 倍", out)


def test_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["walkthrough", "--lang", "fr"], capsys)
    assert code == 2
    assert "invalid choice: 'fr'" in err


def test_demo_page_in_japanese() -> None:
    report = Report("autograd-mini walkthrough", quiet=True)
    report.number("L", "169")
    page = index_html([report], 2.5, Path("out"), "ja")
    assert '<html lang="ja">' in page and "<title>autograd-mini デモ</title>" in page
    assert "今回の実行（2.5 秒）で autograd-mini が計算したもの" in page
    assert "<th>量</th><th>値</th>" in page and "<summary>出力全体</summary>" in page
    english = index_html([report], 2.5, Path("out"))
    assert '<html lang="en">' in english and "<th>quantity</th>" in english


def test_demo_passes_the_language_on(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_mini", "demo", "--epochs", "1", "--lang", "ja",
         "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "w₁ と w₂ だけを更新したとき（章の手順）の目的関数 ℒ = 357.089" in done.stdout
    assert "勾配は最大でも 0.25 倍になる" in done.stdout
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "<td>357.089</td>" in page


@pytest.mark.parametrize(
    "argv", [["walkthrough", "--steps", "1"], ["vanishing", "--depth", "2", "--width", "2"]]
)
def test_numbers_and_files_are_named_in_japanese(argv: list[str], tmp_path: Path) -> None:
    """The demo page's table and captions (Report.numbers, Report.files) follow --lang too."""
    from autograd_mini.cli.parser import build_parser

    names = {}
    for lang in ("en", "ja"):
        args = build_parser().parse_args([*argv, "--lang", lang, "--out", str(tmp_path / lang)])
        report = Report("t", quiet=True)
        args.handler(args, report)
        numbers = [name for name, _ in report.numbers]
        files = [label for label, path in report.files if path.suffix != ".html"]
        names[lang] = numbers + files
    # the same quantities in the same order, and no English words left in Japanese
    assert len(names["ja"]) == len(names["en"]) >= 3
    english = [n for n in names["ja"] if re.search(r"[a-z]{4,}", n)]
    assert not english, english
    assert any(re.search(r"[a-z]{4,}", n) for n in names["en"])


def test_demo_page_links_its_docs_in_the_pages_language() -> None:
    """In Japanese the page links the Japanese docs with Japanese names (en: the English)."""
    ja = index_html([], 1.0, Path("out"), "ja")
    en = index_html([], 1.0, Path("out"))
    ja_links = re.findall(r'<a href="[^"]*?([\w.-]+\.md)">([^<]+)</a>', ja)
    en_links = re.findall(r'<a href="[^"]*?([\w.-]+\.md)">([^<]+)</a>', en)
    assert [f for f, _ in ja_links] == [
        "tutorial.ja.md", "errata.md", "chapter-map.ja.md", "exercises.ja.md", "api.md"
    ]  # fmt: skip
    assert not [t for _, t in ja_links if re.search(r"[a-z]{4,}", t)], ja_links
    assert [f for f, _ in en_links] == [
        "tutorial.md", "errata.md", "chapter-map.md", "exercises.md", "api.md"
    ]  # fmt: skip
