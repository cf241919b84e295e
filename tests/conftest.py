"""Shared test settings: hypothesis is derandomized and bounded so CI is deterministic."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from autograd_mini.ops import OPS

settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def the_op_table_as_shipped() -> Iterator[None]:
    """Ops a test makes with ``ops.define`` leave the table when it ends, so every test
    sees the table as shipped plus its own ops (the CLI, ``check_op`` and the catalogue
    list the whole table)."""
    before = dict(OPS)
    yield
    OPS.clear()
    OPS.update(before)


@pytest.fixture
def slow_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a `dot` that never finishes (it sleeps 30 s) first on PATH: it stands in for a
    layout that takes Graphviz minutes."""
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\nexec {shutil.which('sleep')} 30\n", "utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    return fake
