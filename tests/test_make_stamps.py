"""The install stamps of the Makefile (``make -n`` in a copy of it with a stand-in .venv): an
install that is up to date is skipped, one older than pyproject.toml is redone
(tests/test_make.py checks what the two commands run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def project(tmp_path: Path, *, installed: bool) -> Path:
    """A folder with the Makefile and pyproject.toml, and a .venv whose python exists; with
    ``installed``, both install stamps newer than pyproject.toml."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n", encoding="utf-8")
    if installed:
        stamp_time = (tmp_path / "pyproject.toml").stat().st_mtime + 10
        for stamp in (".demo-installed", ".test-installed"):
            path = tmp_path / ".venv" / stamp
            path.touch()
            os.utime(path, (stamp_time, stamp_time))
        os.utime(python, (stamp_time, stamp_time))
    return tmp_path


def dry_run(folder: Path, target: str) -> list[str]:
    done = subprocess.run(
        ["make", "-n", target], cwd=folder, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_stamps_skip_an_up_to_date_install_and_redo_a_stale_one(tmp_path: Path) -> None:
    folder = project(tmp_path, installed=True)
    assert not any("pip" in line for line in dry_run(folder, "setup"))
    assert not any("pip" in line for line in dry_run(folder, "demo"))
    later = (folder / ".venv" / ".test-installed").stat().st_mtime + 10
    os.utime(folder / "pyproject.toml", (later, later))
    setup = dry_run(folder, "setup")
    assert (
        ".venv/bin/python -m pip --disable-pip-version-check install --quiet -e '.[dev]'" in setup
    )
    demo = dry_run(folder, "demo")
    assert any("install --quiet -e '.[viz,examples,fast]'" in line for line in demo)
    assert not any("'.[dev]'" in line for line in demo)
