"""What every subcommand shares: bad-input errors, the output folder and the pictures."""

from __future__ import annotations

import os
import tempfile
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autograd_mini.engine import Value
from autograd_mini.experiments import Report

__all__ = [
    "DOT_TIMEOUT",
    "INSTALL_GRAPHVIZ",
    "UsageError",
    "draw",
    "missing_dependency",
    "prepare_out",
    "printable",
    "stepper",
]

INSTALL_GRAPHVIZ = (
    "install Graphviz to draw it: sudo apt-get install graphviz (Debian/Ubuntu), "
    "brew install graphviz (macOS), or see https://graphviz.org/download/"
)

#: Seconds Graphviz's ``dot`` may take for one picture before the command gives up.
DOT_TIMEOUT = 30.0


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


#: Unicode categories never echoed to a terminal as they are: controls (ESC, BEL, CR...),
#: format characters (bidirectional overrides, zero-width), line/paragraph separators and
#: surrogates.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe to print on a terminal: every control or format character is shown as a
    Python escape (ESC → ``\\x1b``), so no escape sequence reaches the terminal and nothing
    is hidden; shortened to ``limit`` characters (ending ``...``) when given."""
    shown = "".join(repr(c)[1:-1] if unicodedata.category(c) in _HIDDEN else c for c in text)
    if limit is not None and len(shown) > limit:
        shown = shown[: max(limit - 3, 0)] + "..."
    return shown


@contextmanager
def missing_dependency() -> Iterator[None]:
    """Turn the ImportError of a missing optional dependency into a one-line UsageError."""
    try:
        yield
    except ImportError as error:
        raise UsageError(str(error)) from None


def prepare_out(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Create the output folder and check that a file can be written there."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"{option} {str(out)!r} cannot be written: {reason}") from None
    return out


def draw(report: Report, graph: Any, path: Path, label: str) -> Path:
    """Render a graphviz picture; without ``dot`` the .dot source is written instead."""
    from autograd_mini.viz import GraphTooLargeError, GraphvizNotInstalledWarning, render

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GraphvizNotInstalledWarning)
        try:
            written = render(graph, path, timeout=DOT_TIMEOUT)
        except GraphTooLargeError as error:
            raise UsageError(str(error)) from None
    if any(issubclass(w.category, GraphvizNotInstalledWarning) for w in caught):
        report.say(f"  note: Graphviz's `dot` was not found, so {path.name} is DOT source only;")
        report.say(f"        {INSTALL_GRAPHVIZ}")
        label += " (DOT source)"
    report.wrote(label, written)
    return written


def stepper(
    report: Report, root: Value, path: Path, title: str, max_nodes: int | None = None
) -> None:
    """Write the backprop stepper page, or say why it could not be drawn; ``max_nodes``: the
    page's size limit (None: save_stepper's own)."""
    from autograd_mini.viz import GraphTooLargeError, GraphvizNotFoundError, save_stepper

    try:
        if max_nodes is None:
            page = save_stepper(root, path, title=title, timeout=DOT_TIMEOUT)
        else:
            page = save_stepper(root, path, title=title, timeout=DOT_TIMEOUT, max_nodes=max_nodes)
        report.wrote("backprop stepper page", page)
    except GraphTooLargeError as error:
        raise UsageError(str(error)) from None
    except GraphvizNotFoundError:
        report.say(f"  note: the stepper page needs Graphviz's `dot`; {INSTALL_GRAPHVIZ}")
