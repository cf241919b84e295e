"""Writing files so that a crash never leaves a half-written file where a good one was."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

__all__ = ["write_atomic"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, flushed and fsynced,
    then ``os.replace``d over it, then the folder fsynced so the rename is durable.

    The file gets the permissions an ordinary ``open(path, "w")`` would give: those of the
    file it replaces, or for a new file 0666 less the umask (applied by the system when the
    temporary file is created; the process's umask is never changed). Text is written as
    UTF-8. ``OSError`` propagates unchanged; the temporary file is removed on any failure.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    mode = _regular_file_mode(target)
    fd, tmp = _create_beside(folder, target.name, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _regular_file_mode(path: Path) -> int | None:
    """The permission bits of the regular file at ``path``; None if there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def _create_beside(folder: Path, name: str, mode: int) -> tuple[int, str]:
    """A new, uniquely named hidden file in ``folder``, opened for writing and created with
    ``mode`` less the umask (the system applies it, as for any new file), so the data is
    never readable by more users than the finished file will be."""
    for _ in range(100):
        tmp = str(folder / f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"write_atomic: no free temporary name for {name!r} in {folder}")


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
