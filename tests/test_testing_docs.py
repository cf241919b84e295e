"""The testing kit's docs run: the "Test your own gradients" sections (English and Japanese)
as doctests (the API reference's check of every public name, testing kit included, is
tests/test_docs.py's), and the example pytest file passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_docs import FENCE, python_blocks, run_doctests

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["docs/_sections/testing.md", "docs/_sections/testing.ja.md"]


@pytest.mark.parametrize("name", SECTIONS)
def test_section_code_blocks_run(name: str) -> None:
    path = ROOT / name
    blocks = FENCE.findall(path.read_text(encoding="utf-8"))
    assert len(blocks) == 7 and all(">>>" in block for block in blocks)
    test, result, report = run_doctests(path, name)
    assert result.failed == 0, report
    assert result.attempted == len(test.examples) >= 25


def test_the_sections_are_in_step() -> None:
    """Same code in both languages: the doctest lines (comments aside) are identical."""

    def code(name: str) -> list[str]:
        lines = python_blocks((ROOT / name).read_text(encoding="utf-8")).splitlines()
        return [re.sub(r"\s+#.*$", "", line) for line in lines if line.strip()]

    assert code(SECTIONS[0]) == code(SECTIONS[1])


def test_the_example_pytest_file_passes() -> None:
    example = ROOT / "examples" / "test_my_gradients.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(example), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=example.parent,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b6 passed\b", done.stdout), done.stdout
