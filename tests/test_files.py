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


# -- issue 15, item 6: stale temporaries, symlinks, non-regular files ------------------------


def test_a_stale_temporary_of_a_killed_save_is_cleaned_on_the_next_save(tmp_path: Path) -> None:
    """``kill -9`` between creating the temporary and renaming it leaves it behind; the next
    save of the same target removes it (its writer is gone), and leaves other files alone."""
    import subprocess
    import sys

    target = tmp_path / "model.json"
    code = (
        "import os, sys\n"
        "from autograd_mini import files\n"
        "os.replace = lambda *a: os.kill(os.getpid(), 9)\n"  # die just before the rename
        "files.write_atomic(sys.argv[1], 'half')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(target)], check=False)
    assert proc.returncode == -9
    stale = [p.name for p in tmp_path.iterdir()]
    assert len(stale) == 1 and stale[0].startswith(".model.json.") and stale[0].endswith(".tmp")
    (tmp_path / ".other.json.1.abc.tmp").write_text("not ours")
    (tmp_path / "notes.txt").write_text("keep")
    write_atomic(target, "whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.json.1.abc.tmp",
        "model.json",
        "notes.txt",
    ]
    assert target.read_text() == "whole"


def test_a_live_writers_temporary_is_left_alone(tmp_path: Path) -> None:
    """A temporary whose writer still runs (here: this process) is not removed."""
    from autograd_mini.files import temporary_name

    live = tmp_path / temporary_name("model.json", os.getpid())
    live.write_text("in progress")
    write_atomic(tmp_path / "model.json", "done")
    assert live.exists()


def test_saving_through_a_symlink_writes_through_it(tmp_path: Path) -> None:
    real = tmp_path / "store" / "model.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "model.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["model.json"]


def test_a_dangling_symlink_is_written_through_too(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to(tmp_path / "target.json")
    write_atomic(link, "new")
    assert link.is_symlink() and (tmp_path / "target.json").read_text() == "new"


def test_read_bounded_reads_a_regular_file(tmp_path: Path) -> None:
    from autograd_mini.files import read_bounded

    f = tmp_path / "m.json"
    f.write_bytes(b"12345")
    assert read_bounded(f, 5) == b"12345"


def test_read_bounded_refuses_a_file_over_the_limit(tmp_path: Path) -> None:
    from autograd_mini.files import FileRefusedError, read_bounded

    f = tmp_path / "m.json"
    f.write_bytes(b"123456")
    with pytest.raises(FileRefusedError, match=r"m\.json.*larger than 5 bytes"):
        read_bounded(f, 5)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_read_bounded_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    import threading

    from autograd_mini.files import FileRefusedError, read_bounded

    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_bounded(fifo, 100)
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5.0)
    if worker.is_alive():  # unblock the reader so the test process can exit
        with open(fifo, "wb"):
            pass
        pytest.fail("read_bounded blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], FileRefusedError)
    assert "not a regular file (a FIFO)" in str(outcome[0])


def test_read_bounded_refuses_a_directory(tmp_path: Path) -> None:
    from autograd_mini.files import FileRefusedError, read_bounded

    with pytest.raises(FileRefusedError, match="not a regular file"):
        read_bounded(tmp_path, 100)


def test_read_bounded_passes_system_errors_on(tmp_path: Path) -> None:
    from autograd_mini.files import read_bounded

    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "missing.json", 100)
