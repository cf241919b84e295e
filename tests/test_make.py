"""The README's two commands as `make` would run them (``make -n -B``: printed, not run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def planned(target: str) -> list[str]:
    """The commands ``make TARGET`` runs from scratch, in order."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_make_demo_installs_the_runtime_extras_only_and_ends_with_the_next_command() -> None:
    lines = planned("demo")
    installs = [line for line in lines if " install " in line and "-e " in line]
    assert len(installs) == 1 and "'.[viz,examples,fast]'" in installs[0], installs
    assert not any("[dev]" in line for line in lines)
    assert any(line.endswith(".venv/bin/autograd-mini demo") for line in lines)
    assert ".venv/bin/autograd-mini --help" in lines[-2]


def test_make_test_installs_the_dev_tools_graphviz_chromium_and_a_cjk_font() -> None:
    lines = planned("test")
    assert any("-e '.[dev]'" in line for line in lines)
    deps = [line for line in lines if "ensure-system-deps.sh" in line]
    assert deps and {"graphviz", "chromium", "cjk"} <= set(deps[0].split()[2:]), deps
    assert lines[-1] == ".venv/bin/pytest -q"


def test_make_demo_installs_a_cjk_font_for_the_japanese_figures() -> None:
    deps = [line for line in planned("demo") if "ensure-system-deps.sh" in line]
    assert deps and {"graphviz", "cjk"} <= set(deps[0].split()[2:]), deps
