"""The testing kit's docs run: the "Test your own gradients" sections (English and Japanese)
as doctests (the API reference's check of every public name, testing kit included, is
tests/test_docs.py's), and the example pytest file passes."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import autograd_mini.ops as ops

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["docs/_sections/testing.md", "docs/_sections/testing.ja.md"]
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def interim_define(
    name: str,
    *,
    forward: Callable[..., Any],
    partials: Callable[..., Any],
    formula: str,
    check: Callable[..., None] | None = None,
    symbol: str | None = None,
) -> ops.Op:
    """A stand-in for issue 10's ``ops.define`` (used only while ops has no define)."""
    return ops.Op(name, symbol or name, forward, partials, formula, check)


@pytest.fixture
def define(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(ops, "define"):
        monkeypatch.setattr(ops, "define", interim_define, raising=False)


def python_blocks(text: str) -> str:
    """The ```python blocks of a Markdown text, everything else blanked (line numbers kept)."""
    keep = [""] * len(text.splitlines())
    for match in FENCE.finditer(text):
        first = text.count("\n", 0, match.start(1))
        for offset, line in enumerate(match.group(1).splitlines()):
            keep[first + offset] = line
    return "\n".join(keep) + "\n"


@pytest.mark.usefixtures("define")
@pytest.mark.parametrize("name", SECTIONS)
def test_section_code_blocks_run(name: str) -> None:
    path = ROOT / name
    text = path.read_text(encoding="utf-8")
    blocks = FENCE.findall(text)
    assert len(blocks) == 7 and all(">>>" in block for block in blocks)
    test = doctest.DocTestParser().get_doctest(
        python_blocks(text), {"__name__": f"docs_{path.stem}"}, name, str(path), 0
    )
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report: list[str] = []
    runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
    assert result.attempted == len(test.examples) >= 25


def test_the_sections_are_in_step() -> None:
    """Same code in both languages: the doctest lines (comments aside) are identical."""

    def code(name: str) -> list[str]:
        lines = python_blocks((ROOT / name).read_text(encoding="utf-8")).splitlines()
        return [re.sub(r"\s+#.*$", "", line) for line in lines if line.strip()]

    assert code(SECTIONS[0]) == code(SECTIONS[1])


def test_the_example_pytest_file_passes() -> None:
    example = ROOT / "examples" / "testing" / "test_my_gradients.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(example), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=example.parent,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b6 passed\b", done.stdout), done.stdout
