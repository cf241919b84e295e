"""scripts/render_docs_pictures.py draws the wine network and the worked example's network
(docs/images/wine_network.svg, docs/images/worked_network.svg) from the library's numbers."""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"

pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_docs_pictures", ROOT / "scripts" / "render_docs_pictures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def texts(svg: Path) -> list[str]:
    """The text of every <text> element of an SVG, entities decoded."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text())]


WINE = ["u₁₁ = 2", "u₁₂ = -0.6", "h₁₂ = 0", "y₁ = -0.74", "y₂ = 1", "δ₂₂ = -0.1493"]
# the loss's letter (𝓛 or ℒ) is the drawing's business: the gradients are matched after it
WORKED = ["u₁₁ = 11", "u₁₂ = -14", "δ₁₁ = 78", "δ_y = 26", "/∂w₂ = 156", "→ 1.44"]


def shows(found: list[str], text: str) -> bool:
    """A text element is ``text``, or (for a gradient written "/∂w = ...") ends with it."""
    return any(t == text or (text.startswith("/∂") and t.endswith(text)) for t in found)


@needs_dot
def test_wine_network_is_drawn_after_cross_entropy_for_red(tmp_path: Path) -> None:
    path = tmp_path / "wine.svg"
    script().wine_network(path)
    found = texts(path)
    for line in WINE:
        assert line in found, line
    # δ at the outputs is y − t for softmax with cross-entropy: y₂ = 0.8507, t₂ = 1
    assert "δ₂₁ = 0.1493" in found


@needs_dot
def test_worked_network_shows_the_chapters_gradients_and_updates(tmp_path: Path) -> None:
    path = tmp_path / "worked.svg"
    script().worked_network(path)
    found = texts(path)
    for line in [*WORKED, "/∂w₁ = 286", "→ 0.14", "/∂w₅ = 0"]:
        assert shows(found, line), line


def test_the_committed_pictures_are_the_scripts() -> None:
    wine, worked = texts(IMAGES / "wine_network.svg"), texts(IMAGES / "worked_network.svg")
    for line in WINE:
        assert line in wine, line
    for line in WORKED:
        assert shows(worked, line), line
