"""Writing files so that a crash never leaves a half-written file where a good one was, and
reading them with a bound on what a hostile path can cost.

* :func:`write_atomic` writes beside the target and renames. Its temporary is named
  ``.<target name>.<pid>.<random hex>.tmp`` (:func:`temporary_name`); a writer killed before the
  rename (``kill -9``, power loss) leaves one behind, and the next save of the same target
  removes every such temporary whose process no longer runs. A symlink is written *through*
  (the file it points to is replaced; the link stays), as editors do.
* :func:`read_bounded` reads at most ``limit`` bytes of a regular file and refuses anything
  else (a FIFO, a device, a folder) without blocking, with :class:`FileRefusedError`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path

__all__ = ["FileRefusedError", "read_bounded", "temporary_name", "write_atomic"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

#: Where processes cannot be probed (not POSIX), a temporary this old is taken as stale.
STALE_AFTER_SECONDS = 24 * 3600.0


class FileRefusedError(ValueError):
    """A file :func:`read_bounded` will not read: not a regular file, or over its limit.

    ``path`` and ``problem`` are kept apart so a caller can word its own one-line error."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path!r}: {problem}")


def temporary_name(name: str, pid: int, tag: str = "") -> str:
    """The name of :func:`write_atomic`'s temporary for a target called ``name``, written by
    process ``pid``: ``.<name>.<pid>.<tag>.tmp`` (``tag`` a random hex string)."""
    return f".{name}.{pid}.{tag or os.urandom(6).hex()}.tmp"


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    The file is opened without blocking and checked on the open descriptor (no race between
    a check and the open): a FIFO, device, socket or folder is a :class:`FileRefusedError`,
    and so is a file longer than ``limit`` bytes (found by reading ``limit + 1``, so a file
    that grows meanwhile is refused too). Errors of the system (missing file, no
    permission) propagate as ``OSError``.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except IsADirectoryError:
        raise FileRefusedError(path, "is not a regular file (a folder)") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefusedError(path, f"is not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise FileRefusedError(path, f"is larger than {limit} bytes")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise FileRefusedError(path, f"is larger than {limit} bytes")
    return b"".join(chunks)


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a plain file"


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, flushed and fsynced,
    then ``os.replace``d over it, then the folder fsynced so the rename is durable.

    The file gets the permissions an ordinary ``open(path, "w")`` would give: those of the
    file it replaces, or for a new file 0666 less the umask (applied by the system when the
    temporary file is created; the process's umask is never changed). Text is written as
    UTF-8. ``OSError`` propagates unchanged; the temporary file is removed on any failure.

    A symlink at ``path`` is written through: the file it points to (created if the link
    dangles) is replaced and the link is kept. Temporaries of the same target left by a
    killed writer are removed first (see the module notes).
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    mode = _regular_file_mode(target)
    _remove_stale_temporaries(folder, target.name)
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
        tmp = str(folder / temporary_name(name, os.getpid()))
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


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    """Remove ``folder``'s temporaries for target ``name`` whose writing process is gone
    (POSIX: probed with signal 0), or elsewhere older than :data:`STALE_AFTER_SECONDS`.
    Temporaries of the old ``.<name>.<hex>.tmp`` form (no process id) go by age too."""
    prefix = f".{name}."
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        middle = entry.name[len(prefix) : -len(".tmp")].split(".")
        if len(middle) == 2 and middle[0].isdigit() and _is_hex(middle[1]):
            stale = _process_gone(int(middle[0]))
        elif len(middle) == 1 and _is_hex(middle[0]):
            stale = None
        else:
            continue  # not one of ours
        if stale is None:
            try:
                stale = (
                    time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS
                )
            except OSError:
                continue
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _is_hex(text: str) -> bool:
    return bool(text) and all(c in "0123456789abcdef" for c in text)


def _process_gone(pid: int) -> bool | None:
    """True if no process ``pid`` runs, False if one does, None if that cannot be known."""
    if os.name != "posix":
        return None  # os.kill(pid, 0) is not a probe on Windows
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False  # it exists (owned by someone else) or cannot be probed
    return False
