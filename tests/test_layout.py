"""The project's layout rules: no private (``_name``) name of this project is imported or
reached across modules, in the package, the examples, the scripts or the tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("autograd_mini", "examples", "scripts", "tests")

#: Files (or folders, ending in "/") that still reach another module's private names, with
#: the work that removes it: engine hooks patched by anomaly mode, viz's private submodules.
#: Remove an entry as soon as it is clean; nothing may be added.
PENDING: tuple[str, ...] = ()


def _pending(name: str) -> bool:
    return any(name == p or (p.endswith("/") and name.startswith(p)) for p in PENDING)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _ours(module: str) -> bool:
    """A module of this project: the package, or a sibling script module (examples/common)."""
    top = module.split(".")[0]
    return top == "autograd_mini" or (ROOT / "examples" / f"{top}.py").exists()


def private_uses(source: str) -> list[str]:
    """Every ``from M import _x``, ``import M._x`` and ``M._x`` of this project's modules M."""
    tree = ast.parse(source)
    found: list[str] = []
    aliases: set[str] = set()  # local names bound to one of our modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _ours(node.module):
                continue
            if any(_private(part) for part in node.module.split(".")):
                found.append(f"line {node.lineno}: from {node.module} import …")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                else:
                    aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not _ours(alias.name):
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append(f"line {node.lineno}: import {alias.name}")
                aliases.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return sorted(found, key=lambda text: int(text.split()[1].rstrip(":")))


def test_the_checker_finds_each_kind_of_private_use() -> None:
    source = (
        "from autograd_mini.engine import _new, Value\n"
        "from autograd_mini.viz._hidden import pipe_svg\n"
        "import autograd_mini.nn as amnn\n"
        "amnn._ROLES.clear()\n"
        "import sys\n"
        "sys._getframe(0)\n"  # the standard library's own API is not ours
        "Value._slots\n"
    )
    assert private_uses(source) == [
        "line 1: from autograd_mini.engine import _new",
        "line 2: from autograd_mini.viz._hidden import …",
        "line 4: amnn._ROLES",
        "line 7: Value._slots",
    ]


def test_no_private_name_is_used_across_modules() -> None:
    offenders = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if _pending(name) or name == "tests/test_layout.py":
                continue
            uses = private_uses(path.read_text(encoding="utf-8"))
            if uses:
                offenders[name] = uses
    assert not offenders, f"private names used across modules: {offenders}"
