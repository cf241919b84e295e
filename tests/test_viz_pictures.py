"""Pictures that teach (issue 12) and bounded, safe drawings (issue 15): the chapter's
network, the compact worked example, Jupyter's mimebundle, names and neuron shapes,
refusals before Graphviz runs, and escaping."""

from __future__ import annotations

import re
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_mini import chapter, nn
from autograd_mini.engine import Value, add_n
from autograd_mini.viz import (
    GraphTooLargeError,
    backprop_table,
    draw_graph,
    draw_worked_example_network,
    explain,
    mimebundle,
    render,
    save_stepper,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not found")
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    return [t.text or "" for t in ET.parse(path).getroot().iter(f"{SVG}text")]


# -- the chapter's network --------------------------------------------------------------------


def test_the_chapters_network_has_its_numbers_and_a_legend() -> None:
    ex = chapter.build()
    src = draw_worked_example_network(ex).source
    for text in ("u₁₁ = 11", "h₁₁ = 11", "δ₁₁ = 78", "u₁₂ = -14", "h₁₂ = 0", "δ₁₂ = 0"):
        assert text in src, text
    assert "δ_y = 26" in src and "x₁<BR/>2" in src and "x₂<BR/>3" in src
    # ∂ℒ/∂w on each edge and the chapter's updates w ← w − ρ ∂ℒ/∂w: 3 → 0.14 and 3 → 1.44.
    assert "w₁ = 3<BR/>∂ℒ/∂w₁ = 286<BR/>→ 0.14" in src
    assert "w₂ = 3<BR/>∂ℒ/∂w₂ = 156<BR/>→ 1.44" in src
    assert src.count("∂ℒ/∂w") >= 8 + 1  # eight edges and the legend
    assert "thicker edge: larger |w|" in src and "red edge: w &lt; 0" in src
    assert "w₁: h₁₁ → y" in src and "w₅ w₆ w₇: x₁ x₂ x₃ → u₁₂" in src
    assert ex.weight("w_1").grad == 0.0  # the example's own grads are not touched
    assert "→ 2.714" in draw_worked_example_network(ex, rho=0.001).source  # 3 − 0.286


def test_the_chapters_network_refuses_other_things_in_one_line() -> None:
    with pytest.raises(TypeError, match=r"^draw_worked_example_network: expected .*build"):
        draw_worked_example_network(Value(1.0))


@needs_dot
def test_the_chapters_network_renders(tmp_path: Path) -> None:
    texts = svg_texts(render(draw_worked_example_network(chapter.build()), tmp_path / "n.svg"))
    assert "δ₁₁ = 78" in texts and "→ 1.44" in texts and "δ_y = 26" in texts


# -- the worked example, compact and full -----------------------------------------------------


@needs_dot
def test_the_worked_example_fits_a_900px_column(tmp_path: Path) -> None:
    ex = chapter.build()
    ex.loss.backward()
    svg = render(draw_graph(ex.loss), tmp_path / "we.svg")
    root = ET.parse(svg).getroot()
    width_pt = float(root.attrib["width"].removesuffix("pt"))
    sizes = [float(t.attrib["font-size"]) for t in root.iter(f"{SVG}text")]
    # Shown 900 px wide, a font of s pt is s × 900 / width px high.
    assert min(sizes) * 900 / width_pt >= 9.0, (min(sizes), width_pt)
    full = render(draw_graph(ex.loss, detail="full"), tmp_path / "full.svg")
    assert float(ET.parse(full).getroot().attrib["width"].removesuffix("pt")) > width_pt


def test_worked_example_names_and_order() -> None:
    ex = chapter.build()
    ex.loss.backward()
    src = draw_graph(ex.loss).source
    assert "<I>20 − y</I>" in src and "v₁₇" not in src
    assert "∂ℒ/∂u at a neuron&#39;s pre-activation u" in src  # the legend explains δ
    # The chapter's order: x₁ x₂ x₃ and u₁₁ before u₁₂ in the DOT source dot lays out.
    positions = [src.index(f"<B>{n}</B>") for n in ("x₁", "x₂", "x₃")]
    assert positions == sorted(positions)
    assert src.index("<B>u₁₁</B>") < src.index("<B>u₁₂</B>")
    names = [r.name for r in backprop_table(ex.loss)]
    assert names[:3] == ["ℒ", "20 − y", "y"]  # output layer first, then layer by layer
    assert names.index("u₁₂") < names.index("w₂") and names[-3:] == ["x₁", "x₂", "x₃"]
    with pytest.raises(ValueError, match=r"^draw_graph: detail must be"):
        draw_graph(ex.loss, detail="tiny")


def test_generic_expressions_get_no_guessed_neurons() -> None:
    a, b, c = Value(0.5, "a"), Value(-1.0, "b"), Value(2.0, "c")
    out = (a * b + c).tanh()
    out.label = "f"
    out.backward()
    src = draw_graph(out).source
    assert "δ" not in src  # not in a box, and the legend has no δ row
    assert "h·δ" not in src and "∂f/∂b<" in src  # the root keeps its own name
    assert ">∂f/∂c = ∂v₅/∂c · ∂f/∂v₅<" in src and "<B>f</B>" in src  # names never nest
    unnamed = (a * b + c).tanh()
    assert "tanh(" in draw_graph(unnamed).source or "<I>v" in draw_graph(unnamed).source
    assert "L" not in [r.name for r in backprop_table(unnamed)]  # an unlabelled root is not "L"


# -- Jupyter ----------------------------------------------------------------------------------


@needs_dot
def test_mimebundle_of_a_value_and_of_a_network() -> None:
    ex = chapter.build()
    ex.loss.backward()
    bundle = mimebundle(ex.loss)
    assert set(bundle) == {"text/plain", "image/svg+xml"}
    assert bundle["text/plain"] == repr(ex.loss)
    assert bundle["image/svg+xml"].startswith("<svg") and "δ₁₁ = f′(u₁₁)" in bundle["image/svg+xml"]
    model = nn.MLP(2, [3, 1], seed=0)
    net = mimebundle(model)
    assert net["text/plain"] == repr(model) and "x₁" in net["image/svg+xml"]
    assert set(mimebundle(model, include=["text/plain"])) == {"text/plain"}
    assert set(mimebundle(model, exclude=["image/svg+xml"])) == {"text/plain"}


def test_mimebundle_of_a_huge_graph_is_a_summary_at_once() -> None:
    x = Value(1.0, "x")
    v = x
    for _ in range(200_000):
        v = v * 1.0
    start = time.perf_counter()
    bundle = mimebundle(v)
    took = time.perf_counter() - start
    assert "more than 300 nodes" in bundle["text/plain"]
    assert "too large to draw inline" in bundle["image/svg+xml"]
    assert len(bundle["image/svg+xml"]) < 2000 and took < 1.0
    big = nn.MLP(4, [100, 100, 1], seed=0)
    assert "201 neurons" in mimebundle(big)["text/plain"]


def test_mimebundle_without_graphviz_is_text_only(monkeypatch: pytest.MonkeyPatch) -> None:
    value = Value(2.0, "a") * 3
    monkeypatch.setenv("PATH", "")  # no `dot`
    assert set(mimebundle(value)) == {"text/plain"}
    monkeypatch.setitem(sys.modules, "graphviz", None)  # no graphviz package
    assert mimebundle(value) == {"text/plain": repr(value)}
    with pytest.raises(TypeError, match=r"^mimebundle: expected a Value"):
        mimebundle("a string")


# -- bounded costs (issue 15, item 5) ---------------------------------------------------------


def test_a_dense_layered_graph_is_refused_before_dot_runs() -> None:
    layer = [Value(float(i), f"x_{i}") for i in range(30)]
    for _ in range(29):
        layer = [add_n(layer) * (0.1 * (j + 1)) for j in range(30)]
    root = add_n(layer)
    start = time.perf_counter()
    with pytest.raises(GraphTooLargeError) as info:
        draw_graph(root)  # 1,771 nodes (under max_nodes) but 27,000 edges
    assert time.perf_counter() - start < 5.0
    message = str(info.value)
    assert "27,000 edges" in message and "max_nodes=13500" in message
    assert "\n" not in message


def test_explain_is_linear_and_refuses_huge_graphs_at_once() -> None:
    x = Value(0.5, "x")
    v = x
    for _ in range(40_000):
        v = v * 1.0001
    text = explain(v, x)
    assert len(text) < 1000  # the 40,000-factor chain is written as one product
    assert "the product of the 40,000 local derivatives" in text
    assert text.splitlines()[0].endswith(f"= {1.0001**40_000:.4g}")  # ∂v/∂x = 1.0001ⁿ
    start = time.perf_counter()
    with pytest.raises(GraphTooLargeError, match=r"^explain: the graph has more than 10,000"):
        explain(v, x, max_nodes=1000)
    assert time.perf_counter() - start < 0.5


# -- escaping (issue 15, item 6) --------------------------------------------------------------


@needs_dot
def test_xml_invalid_characters_are_dropped(tmp_path: Path) -> None:
    a = Value(1.0, "a\ufffeb\uffffc\ufdd0d\U0001fffe")
    out = a * 2
    out.label = "o\x07k"
    out.backward()
    svg = render(draw_graph(out), tmp_path / "bad.svg")
    texts = "".join(svg_texts(svg))  # parses: no character XML forbids
    assert "abcd" in texts and "\ufffe" not in texts


def test_pipes_and_backticks_stay_inside_their_code_span_and_cell() -> None:
    a = Value(1.0, "a|`b`")
    out = a * 2
    md = explain(out, a)._repr_markdown_()
    assert "`" not in md and "|" not in md
    assert "<code>" in md and "&#124;" in md and "&#96;" in md
    table = backprop_table(out).to_markdown()
    body = table.splitlines()[2:]
    assert all(line.count(" | ") == 5 for line in body)  # six cells: no | escaped out
    assert "a\\|\\`b\\`" in table


@needs_dot
def test_walkthrough_writes_the_chapters_network(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd_mini",
            "walkthrough",
            "--steps",
            "0",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    texts = svg_texts(tmp_path / "walkthrough_network.svg")
    assert "δ₁₁ = 78" in texts and "δ_y = 26" in texts and "→ 0.14" in texts and "→ 1.44" in texts
    assert "walkthrough_network.svg" in done.stdout


def test_a_long_root_label_is_f_in_the_equations() -> None:
    # `autograd-mini graph` labels the root with the whole expression: written out in every
    # equation it made the boxes so wide that the text was 7 px at a 900 px column.
    w, x, b = Value(0.5, "w"), Value(2.0, "x"), Value(-3.0, "b")
    out = (w * x + b).relu()
    out.label = "relu(w*x + b) + 0"
    out.backward()
    src = draw_graph(out).source
    assert "∂f/∂w<" in src and "∂f/∂b = ∂v₅/∂b · ∂f/∂v₅" in src
    assert "∂(relu(w*x + b) + 0)/∂" not in src
    assert "<I>f</I>&#160;= relu(w*x + b) + 0&#160;= 0" in src  # the title says what f is
    assert "<B><I>f</I>&#160;= </B><B>relu(w*x + b) + 0</B>" in src  # and so does the root's box
    short = Value(1.0, "a") * Value(2.0, "b")
    short.label = "out"
    short.backward()
    assert "∂out/∂a = " in draw_graph(short).source  # a short label stays as it is
    assert explain(out, w).startswith("∂(relu(w*x + b) + 0)/∂w")  # explain() is unchanged


def test_the_op_text_is_readable_on_the_darkest_shade() -> None:
    # Grey (#555555) on the darkest orange (#d94801) was hard to read; on white text's
    # shade the op is written in a light colour.
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(-1.0, "c")
    out = (a * b + c).tanh()
    out.backward()
    src = draw_graph(out).source
    root_line = next(line for line in src.splitlines() if 'BGCOLOR="#d94801"' in line)
    assert '<FONT COLOR="white">' in root_line and "#555555" not in root_line
    assert '<FONT COLOR="#fdd0a2">tanh</FONT>' in root_line  # an unlabelled root f shows it
    light = next(line for line in src.splitlines() if "a × b" in line and "BGCOLOR" in line)
    assert '<FONT COLOR="#555555">' not in light or 'FONT COLOR="black"' in light


@needs_dot
def test_the_legend_keeps_its_size_under_a_wide_title(tmp_path: Path) -> None:
    # The legend's table used to be stretched to the title's width: 150 pt swatches.
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(-1.0, "c")
    out = (a * b + c).tanh()
    out.label = "tanh(a*b + c)"
    out.backward()
    root = ET.parse(render(draw_graph(out), tmp_path / "t.svg")).getroot()
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph")
    widths = []
    for poly in graph.findall(f"{SVG}polygon"):  # the caption's cells, outside every node
        xs = [float(p.split(",")[0]) for p in (poly.get("points") or "").split()]
        if poly.get("fill") not in ("white", "none", None):
            widths.append(max(xs) - min(xs))
    assert len(widths) >= 3 and max(widths) < 40, widths


def test_each_network_edge_label_is_tied_to_its_edge() -> None:
    # w₃'s and w₄'s labels sat between their two edges; a decorated label is underlined and
    # joined to its own edge by a line.
    src = draw_worked_example_network(chapter.build()).source
    labelled = [line for line in src.splitlines() if "->" in line and "label=" in line]
    assert len(labelled) == 8 and all("decorate=true" in line for line in labelled), labelled
    assert "the line under an edge's label joins it to its edge" in src  # the legend says so


@needs_dot
def test_the_stepper_picks_the_layout_that_fits_a_window(tmp_path: Path) -> None:
    # Left to right, the worked example is a tall column of nine leaves: at 1400 × 900 it
    # showed at 0.62 with half the window empty. Top to bottom it fits at ~0.9.
    def fit_scale(page: str) -> float:  # in the 1370 × 680 px the page has at 1400 × 900
        size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', page)
        assert size is not None
        width, height = (float(v) * 4 / 3 for v in size.groups())
        return min(1370 / width, 680 / height)

    ex = chapter.build()
    page = save_stepper(ex.loss, tmp_path / "auto.html").read_text("utf-8")
    lr = save_stepper(ex.loss, tmp_path / "lr.html", rankdir="LR").read_text("utf-8")
    assert fit_scale(page) > 0.8 > fit_scale(lr)
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(-1.0, "c")
    small = (a * b + c).tanh()  # fits left to right at natural size: kept so
    auto = save_stepper(small, tmp_path / "small.html").read_text("utf-8")
    lr_small = save_stepper(small, tmp_path / "small_lr.html", rankdir="LR").read_text("utf-8")
    assert fit_scale(lr_small) >= 1.0 and auto == lr_small
    with pytest.raises(ValueError, match=r"^save_stepper: rankdir must be auto, LR"):
        save_stepper(ex.loss, tmp_path / "x.html", rankdir="up")


def test_the_title_keeps_its_space_after_an_italic_name() -> None:
    # "<I>f</I> = 0.9993" was drawn "f= 0.9993": Graphviz drops a space after a font change.
    a = Value(2.0, "a")
    out = a.tanh() * 2  # unlabelled root: named f, in italics
    out.backward()
    assert "<I>f</I>&#160;= 1.928" in draw_graph(out).source


def test_full_detail_writes_each_local_derivative_at_its_edges_tail() -> None:
    # At the head, the labels of all the edges into one op crowded round it ("3 2", "1 2"
    # next to Σwh+b); at the tail each sits where its own edge leaves its value.
    ex = chapter.build()
    ex.loss.backward()
    src = draw_graph(ex.loss, detail="full").source
    labelled = [line for line in src.splitlines() if "->" in line and "label=" in line]
    assert len(labelled) == 20 and all("taillabel=" in line for line in labelled), labelled
    assert "headlabel" not in src


def test_too_many_nodes_names_the_size_that_draws_it() -> None:
    a = Value(1.0, "a")
    out = (a * 2 + 1).tanh() * a.exp()  # 6 nodes: a, a × 2, + 1, tanh, exp, ×
    with pytest.raises(GraphTooLargeError, match=r"more than max_nodes=5 .* pass max_nodes=6 to"):
        draw_graph(out, max_nodes=5)


def test_mimebundle_of_a_densely_connected_network_is_a_summary() -> None:
    # 120 neurons pass the neuron limit, but their 3,719 edges made a 1.4 MB picture.
    model = nn.MLP(2, [60, 59, 1], seed=0)
    start = time.perf_counter()
    bundle = mimebundle(model)
    assert time.perf_counter() - start < 1.0
    assert "3,719 weights: too many edges to draw inline" in bundle["text/plain"]
    assert len(bundle.get("image/svg+xml", "")) < 2000
