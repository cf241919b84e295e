"""Labels are user text: no label can break the DOT source, the SVG, or inject markup or
script into the stepper page (hypothesis-generated labels)."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini.engine import Value, linear
from autograd_mini.viz import backprop_table, draw_graph, explain, save_stepper
from autograd_mini.viz.drawing import pipe_svg
from autograd_mini.viz.labels import clean, pretty
from autograd_mini.viz.stepper import json_for_script

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not found")

NASTY = st.sampled_from(
    [
        '"',
        "'",
        "<",
        ">",
        "&",
        "{",
        "}",
        "|",
        "\\",
        "\n",
        "\r",
        "\t",
        "\x00",
        "\x1b",
        "_",
        "^",
        "]]>",
        "</script>",
        "<!--",
        "-->",
        "&amp;",
        "\\N",
        "\\G",
        "\\l",
        "\u2028",
        "\u200b",
        "\ud800",
        "<B>",
        "${x}",
        "`",
        "é",
        "δ",
        " ",
    ]
)
LABELS = st.lists(st.one_of(NASTY, st.text(max_size=3)), max_size=8).map("".join)


def graph_with(labels: list[str]) -> tuple[Value, list[Value]]:
    """A small graph whose every node carries one of ``labels``."""
    a, b, c = (Value(v, lab) for v, lab in zip((2.0, -3.0, 0.5), labels[:3], strict=True))
    u = linear([a, b], [c, 1.5], 0.25)
    u.label = labels[3]
    h = u.tanh()
    h.label = labels[4]
    loss = (h - 1.0) ** 2 * a
    loss.label = labels[5]
    return loss, [a, b, c, u, h, loss]


def svg_text(svg: str) -> str:
    root = ET.fromstring(svg)  # the SVG is well-formed XML
    return "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


class TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [k for k, _ in attrs]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


@settings(max_examples=40)
@given(labels=st.lists(LABELS, min_size=6, max_size=6))
def test_labels_cannot_break_dot_or_svg(labels: list[str]) -> None:
    loss, nodes = graph_with(labels)
    loss.backward()
    text = svg_text(pipe_svg(draw_graph(loss), "test"))
    for node, label in zip(nodes, labels, strict=True):
        shown = pretty(label)
        # Plain labels come through whole (dot trims and squeezes spaces at the edges).
        if label and "_" not in label and "^" not in label and shown.strip():
            assert " ".join(shown.split()) in " ".join(text.split()), (label, node)
    str(backprop_table(loss))
    assert explain(loss, nodes[0]).startswith("∂")


@settings(max_examples=25)
@given(labels=st.lists(LABELS, min_size=6, max_size=6))
def test_labels_cannot_inject_into_the_stepper_page(
    labels: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    loss, _ = graph_with(labels)
    path = save_stepper(loss, tmp_path_factory.mktemp("page") / "page.html", title=labels[0])
    page = path.read_text("utf-8")
    parser = TagCounter()
    parser.feed(page)
    assert parser.tags.count("script") == 2 and parser.tags.count("svg") == 1
    assert not {"iframe", "img", "object", "embed", "link", "a", "base"} & set(parser.tags)
    assert not [a for a in parser.attrs if a.lower().startswith("on")]
    data = json.loads(parser.scripts[0])
    assert [s["name"] for s in data["steps"]][-1] in {pretty(lab) for lab in labels} | {"L"} | {
        s["name"] for s in data["steps"]
    }
    assert "</" not in parser.scripts[0] and "<!--" not in parser.scripts[0]


def test_json_for_script_escapes_html_breakers() -> None:
    text = json_for_script({"a": "</script><!-- & \u2028 ]]>"})
    assert not re.search(r"[<>&]", text) and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028 ]]>"}


def test_clean_removes_controls_and_the_stepper_mark() -> None:
    assert clean("a\nb\x00c\u200bd\ud800") == "a b cd?"
    assert pretty("w_11") == "w₁₁" and pretty("delta_l") == "δₗ" and pretty("w_1^(1)") == "w₁⁽¹⁾"
    assert pretty("w_{jk}") == "wⱼₖ" and pretty("w_1,12,3") == "w₁,₁₂,₃"
    assert pretty("x_y_z") == "x_y_z" and pretty("W_Q") == "W_Q"


def test_page_is_self_contained(tmp_path: Path) -> None:
    loss, _ = graph_with(["a", "b", "c", "u", "h", "L"])
    page = save_stepper(loss, tmp_path / "p.html").read_text("utf-8")
    assert "http://" not in page.replace("http://www.w3.org/", "")
    assert "https://" not in page and "src=" not in page and "<link" not in page
    assert "default-src 'none'" in page
