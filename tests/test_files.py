"""The one atomic writer that model files, drawings and pages go through."""

import os
from pathlib import Path

import pytest

from autograd_mini.files import write_atomic


def test_writes_text_and_bytes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    write_atomic(target, "first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary left


def test_permissions_follow_the_umask_not_tempfile(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "graph.svg", "<svg/>")
    finally:
        os.umask(old)
    assert (tmp_path / "graph.svg").stat().st_mode & 0o777 == 0o644


def test_failure_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.json"
    target.write_text("good")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        write_atomic(target, "new")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_replacing_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    """Like open(path, "w"): a private model file stays private when it is overwritten."""
    target = tmp_path / "model.json"
    target.write_text("old")
    target.chmod(0o600)
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o600


def test_the_process_umask_is_never_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the umask with os.umask(0) would open a window where other threads create
    world-writable files; the kernel applies the umask when the file is created instead."""

    def refuse(mask: int) -> int:
        raise AssertionError(f"os.umask({mask:o}) called")

    old = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", refuse)
        write_atomic(tmp_path / "page.html", "<p/>")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert (tmp_path / "page.html").stat().st_mode & 0o777 == 0o640
