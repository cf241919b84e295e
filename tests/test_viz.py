"""Drawing, explaining and rendering the backward pass (issue 4), on the chapter's worked
example built here from plain Values: x = (2, 3, 1), hidden weights (3, 1, 2) and
(−2, −3, −1), ReLU, output weights (3, 2), no bias, t = 20, L = (t − y)²."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_mini.engine import Value, linear
from autograd_mini.viz import (
    GraphTooLargeError,
    GraphvizNotFoundError,
    GraphvizNotInstalledWarning,
    backprop_table,
    draw_graph,
    draw_network,
    explain,
    render,
    save_stepper,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not found")


def worked_example(*, expanded: bool = False) -> dict[str, Value]:
    """The chapter's network; its names: w₁ (h₁₁ → y), w₂ (x₁ → u₁₁), w₃…w₈ the rest."""
    x = [Value(v, f"x_{i}") for i, v in enumerate((2, 3, 1), 1)]
    rows = [
        [Value(v, f"w_{k}") for k, v in zip(ks, vs, strict=True)]
        for ks, vs in (((2, 3, 4), (3, 1, 2)), ((5, 6, 7), (-2, -3, -1)))
    ]
    out_w = [Value(3, "w_1"), Value(2, "w_8")]

    def neuron(ws: list[Value], hs: list[Value]) -> Value:
        if not expanded:
            return linear(ws, hs)
        u = ws[0] * hs[0]
        for w, h in zip(ws[1:], hs[1:], strict=True):
            u = u + w * h
        return u

    u = [neuron(row, x) for row in rows]
    h = [ui.relu() for ui in u]
    for i, (ui, hi) in enumerate(zip(u, h, strict=True), 1):
        ui.label, hi.label = f"u_1{i}", f"h_1{i}"
    y = neuron(out_w, h)
    y.label = "y"
    loss = (20 - y) ** 2
    loss.label = "L"
    named = {v.label: v for v in [*x, *rows[0], *rows[1], *out_w, *u, *h, y, loss]}
    return named


@pytest.fixture
def ex() -> dict[str, Value]:
    return worked_example()


def test_explain_reproduces_the_chapters_derivations(ex: dict[str, Value]) -> None:
    first = explain(ex["L"], ex["w_1"]).splitlines()[0]
    assert first == "∂L/∂w₁ = ∂y/∂w₁ · ∂L/∂y = 11 × 26 = 286"
    lines = explain(ex["L"], ex["w_2"]).splitlines()
    assert lines[0] == "∂L/∂w₂ = ∂u₁₁/∂w₂ · ∂y/∂u₁₁ · ∂L/∂y = 2 × 3 × 26 = 156"
    # The folded factors are spelled out: f′(u₁₁) = 1 times w₁ = 3, and (t − y)′ · 2(t − y).
    assert "  where ∂y/∂u₁₁ = ∂h₁₁/∂u₁₁ · ∂y/∂h₁₁ = 1 × 3 = 3" in lines
    assert any(line.endswith("= (-1) × (-26) = 26") for line in lines)


def test_explain_sums_over_paths_and_matches_backward(ex: dict[str, Value]) -> None:
    text = explain(ex["L"], ex["x_1"])
    # x₁ reaches y through u₁₁ and u₁₂: 3·3·26 + (−2)·0·26 = 234.
    assert "3 × 3 × 26" in text and "(-2) × 0 × 26" in text
    assert text.splitlines()[0].endswith("= 234")
    ex["L"].backward()
    assert ex["x_1"].grad == 234.0
    assert explain(ex["L"], ex["L"]) == "∂L/∂L = 1"


def test_explain_with_chosen_waypoints_and_many_paths() -> None:
    from autograd_mini.engine import add_n

    x = Value(1.5, "x")
    parts = []
    for i in range(1, 9):  # 8 paths x → aᵢ → L
        part = x * i
        part.label = f"a_{i}"
        parts.append(part)
    loss = add_n(parts)
    loss.label = "L"
    loss.backward()
    text = explain(loss, x, max_terms=6)
    assert "8 paths from x to L" in text and "+ … (2 more)" in text
    assert text.splitlines()[1].endswith("= 36")  # 1 + 2 + … + 8
    few = explain(loss, x, max_terms=8).splitlines()[0]
    assert few.endswith("= 1 × 1 + 2 × 1 + 3 × 1 + 4 × 1 + 5 × 1 + 6 × 1 + 7 × 1 + 8 × 1 = 36")
    a = Value(2.0, "a")
    b = a * 3
    b.label = "b"
    c = b.tanh() * 2
    c.label = "c"
    full = explain(c, a, through=[b])
    assert full.splitlines()[0].startswith("∂c/∂a = ∂b/∂a · ∂c/∂b = 3 × ")
    with pytest.raises(ValueError, match="not part of the graph"):
        explain(c, Value(1.0))


def test_explain_notes_accumulated_leaf_grads(ex: dict[str, Value]) -> None:
    ex["L"].backward()
    ex["L"].backward()  # leaves accumulate: w₁.grad = 572
    text = explain(ex["L"], ex["w_1"])
    assert "286" in text.splitlines()[0]
    assert "w₁.grad = 572" in text


def test_backprop_table_rows_follow_the_backward_order(ex: dict[str, Value]) -> None:
    table = backprop_table(ex["L"])
    assert [r.name for r in table][:3] == ["L", "20 − y", "y"]
    assert len(table) == 18
    rows = {r.name: r for r in table}
    assert rows["w₁"].grad == 286 and rows["w₂"].grad == 156 and rows["u₁₁"].grad == 78
    assert dict(rows["u₁₁"].local)["w₂"] == 2.0
    assert rows["20 − y"].op == "20 −" and rows["L"].op == "^ 2"
    # Every visited node's grad is complete: its consumers were all visited before it.
    seen: set[int] = set()
    for r in table:
        for arg in r.node.parents:
            assert id(arg) not in seen
        seen.add(id(r.node))
    text = str(table)
    assert text.splitlines()[0].split()[:3] == ["step", "node", "op"]
    assert "∂/∂w₂ = 2" in text
    md = table.to_markdown()
    assert md.splitlines()[1].startswith("|---|") and md.count("\n") == 19
    assert table._repr_markdown_() == md


def test_backprop_table_markdown_escapes_user_text() -> None:
    a = Value(1.0, "a|<b>`*")
    out = a * 2
    md = backprop_table(out).to_markdown()
    assert "a\\|&lt;b&gt;\\`\\*" in md and "<b>" not in md


def test_dot_source_of_the_worked_example(ex: dict[str, Value]) -> None:
    ex["L"].backward()
    src = draw_graph(ex["L"]).source
    for text in ("data 11", "data 33", "data 169", "grad 26", "grad 286", "grad 156"):
        assert text in src
    # The chapter's recursion δ_j = f′(u_j) Σ w·δ at u₁₁, two short lines per box.
    assert "δ₁₁ = f′(u₁₁) · w₁ · δ_y<" in src and ">= 1 × 3 × 26 = 78<" in src
    assert "δ_y = ∂L/∂y<" in src and ">= (-1) × (-26) = 26<" in src  # the output neuron
    assert "∂L/∂w₁ = h₁₁ · δ_y<" in src and ">= 11 × 26 = 286<" in src
    assert "∂L/∂w₂ = x₁ · δ₁₁<" in src and ">= 2 × 78 = 156<" in src
    assert "∂L/∂x₁ = w₂ · δ₁₁<" in src  # an input: Σ w·δ over the neurons reading it
    assert "<B>w₂</B>" in src and "<B>u₁₁</B>" in src  # subscripts
    assert "<I>20 − y</I>" in src and "^ 2" in src  # named by its expression; op shown
    assert ">-26</FONT>" not in src  # compact: no numbers on edges
    full = draw_graph(ex["L"], detail="full").source
    assert ">-26</FONT>" in full  # local derivative d(d²)/dd = 2·(−13) at an edge's head
    assert "δ₁₁ = f′(u₁₁) · w₁ · δ_y = 1 × 3 × 26 = 78" in full and "20 −" in full
    assert "|grad| (log scale)" in src and "not yet computed" not in src


def test_expanded_neurons_get_delta_and_h_delta(ex: dict[str, Value]) -> None:
    exp = worked_example(expanded=True)
    exp["L"].backward()
    src = draw_graph(exp["L"], detail="full").source
    assert "δ₁₁ = ∂L/∂u₁₁ = ∂h₁₁/∂u₁₁ · ∂L/∂h₁₁ = 1 × 78 = 78" in src
    assert "∂L/∂w₁ = h₁₁ · δ_y = 11 × 26 = 286" in src
    assert "∂L/∂w₂ = x₁ · δ₁₁ = 2 × 78 = 156" in src


def test_before_backward_grads_are_not_yet_computed(ex: dict[str, Value]) -> None:
    src = draw_graph(ex["L"]).source
    assert "grad —" in src and "grad 0<" not in src
    assert "grads not yet computed: call L.backward()" in src
    assert "δ =" not in src and "h·δ" not in src
    ex["L"].backward()
    after = draw_graph(ex["L"]).source
    assert "grad —" not in after and "grad 0<" in after  # u₁₂'s dead ReLU: a real 0


def test_weight_equation_is_left_out_when_it_would_be_wrong(ex: dict[str, Value]) -> None:
    ex["L"].backward()
    ex["w_1"].grad += 1.0  # as if accumulated from another pass
    src = draw_graph(ex["L"]).source
    assert "grad 287" in src and "11 × 26" not in src


def test_show_flags(ex: dict[str, Value]) -> None:
    ex["L"].backward()
    src = draw_graph(
        ex["L"], detail="full", show_grad=False, show_delta=False, show_local=False
    ).source
    assert "grad 286" not in src and "δ =" not in src and ">-26</FONT>" not in src
    assert "data 169" in src
    assert "rankdir=TB" in draw_graph(ex["L"], rankdir="TB").source


def test_max_nodes_guard_names_the_size_and_the_way_out() -> None:
    # (each addend is its own leaf: x + x·1 + … + x·59 now meets the layout guard first,
    # see test_graphs_whose_layout_would_take_minutes_are_refused_before_dot_runs)
    x = Value(0.5, "x")
    total = x
    for i in range(60):
        total = total + Value(float(i), f"c_{i}")
    with pytest.raises(GraphTooLargeError) as info:
        draw_graph(total, max_nodes=50)
    message = str(info.value)
    assert "121 nodes" in message and "max_nodes=50" in message
    assert "one neuron" in message and "one sample" in message
    assert isinstance(info.value, ValueError)
    assert draw_graph(total, max_nodes=121).source.count("->") > 0


def test_draw_graph_rejects_non_values() -> None:
    with pytest.raises(TypeError, match="draw_graph: expected a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]


@needs_dot
def test_worked_example_renders_to_svg_png_pdf_dot(ex: dict[str, Value], tmp_path: Path) -> None:
    ex["L"].backward()
    graph = draw_graph(ex["L"])
    svg = render(graph, tmp_path / "we.svg")
    root = ET.parse(svg).getroot()
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "∂L/∂w₁ = h₁₁ · δ_y= 11 × 26 = 286" in texts and "data 169" in texts
    png = render(graph, tmp_path / "we.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert render(graph, tmp_path / "we.pdf").read_bytes().startswith(b"%PDF")
    assert render(graph, tmp_path / "we.dot").read_text("utf-8") == graph.source
    with pytest.raises(ValueError, match=r"render: can't tell the format of .*\.jpeg"):
        render(graph, tmp_path / "we.jpeg")


def test_missing_dot_writes_the_source_and_says_how_to_install(
    ex: dict[str, Value], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere
    graph = draw_graph(ex["L"])
    with pytest.warns(GraphvizNotInstalledWarning) as record:
        written = render(graph, tmp_path / "out" / "we.png")
    assert written == tmp_path / "out" / "we.dot"
    assert written.read_text("utf-8") == graph.source
    assert not (tmp_path / "out" / "we.png").exists()
    assert len(record) == 1
    assert "sudo apt-get install graphviz" in str(record[0].message)
    with pytest.raises(GraphvizNotFoundError, match="sudo apt-get install graphviz") as info:
        save_stepper(ex["L"], tmp_path / "page.html")
    assert info.value.__cause__ is None and info.value.__suppress_context__


def _tiny_model() -> object:
    """A model shaped like autograd_mini.nn's (neurons_by_layer, w, b, u, h), by hand."""

    class N:
        def __init__(self, ws: list[float], label: str) -> None:
            self.w = [Value(w, f"w_{label}{i}") for i, w in enumerate(ws, 1)]
            self.b = Value(0.5, f"b_{label}")
            self.u: Value | None = None
            self.h: Value | None = None

        def parameters(self) -> list[Value]:
            return [*self.w, self.b]

        def __call__(self, xs: list[Value], act: bool) -> Value:
            self.u = linear(self.w, xs, self.b)
            self.h = self.u.tanh() if act else self.u
            return self.h

    class M:
        def __init__(self) -> None:
            self.layers = [[N([0.5, -1.0], "1"), N([2.0, 0.25], "2")], [N([1.0, -3.0], "o")]]

        def neurons_by_layer(self) -> list[list[N]]:
            return self.layers

        def __call__(self, xs: list[Value]) -> Value:
            hs = [n(xs, True) for n in self.layers[0]]
            return self.layers[1][0](hs, False)

    return M()


def test_draw_network_shows_u_h_weights_and_delta_after_backward() -> None:
    model = _tiny_model()
    before = draw_network(model).source
    assert "no forward call yet" in before and "b = 0.5" in before
    y = model([Value(1.0), Value(2.0)])  # type: ignore[operator]
    src = draw_network(model).source
    assert "δ not yet computed" in src and "δ =" not in src
    assert "x₁<BR/>1" in src and "w₁₁ = 0.5" in src and "u₁₁ = -1" in src
    loss = (y - 1) ** 2
    loss.backward()
    after = draw_network(model).source
    neuron = model.layers[1][0]  # type: ignore[attr-defined]
    assert f"δ_y = {neuron.u.grad:.4g}" in after  # the output neuron's δ
    assert "∂ℒ/∂w₁₁ = " in after and "after backward()" in after
    assert "thicker edge: larger |w|" in after and "numbering: w_ljk" in after  # legend
    assert after.count("style=invis") == 2  # x₁ above x₂, neuron 1 above neuron 2
    bare = draw_network(model, edge_labels=False).source
    assert "w₁₁ = 0.5" not in bare and "∂L/∂w" not in bare and "penwidth" in bare


def test_draw_network_with_autograd_mini_nn() -> None:
    nn = pytest.importorskip("autograd_mini.nn")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([1.5, -0.5]) - 1.0) ** 2
    loss.backward()
    src = draw_network(model).source
    first = model.neurons_by_layer()[0][0]
    assert f"δ₁₁ = {first.delta:.4g}" in src
    assert "x₁<BR/>1.5" in src
    graph = draw_graph(loss).source
    assert "cluster_layer1_neuron3" in graph and "cluster_layer2_neuron1" in graph
    assert "δ₁₁ = f′(u₁₁) · w₂₁₁ · δ₂₁<" in graph and f">= {first.delta:.4g}<" in graph


def test_grads_from_create_graph_are_drawn_as_numbers(ex: dict[str, Value]) -> None:
    ex["L"].backward(create_graph=True)
    src = draw_graph(ex["L"]).source
    assert "grad 286" in src and "∂L/∂w₁ = h₁₁ · δ_y<" in src and "= 11 × 26 = 286<" in src


def test_a_failing_dot_gives_one_clear_error(
    ex: dict[str, Value], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 1\n", "utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    with pytest.raises(
        RuntimeError, match=r"render: Graphviz's `dot -Tsvg` failed: Error: syn"
    ) as info:
        render(draw_graph(ex["L"]), tmp_path / "x.svg")
    assert info.value.__suppress_context__
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.usefixtures("slow_dot")
def test_a_dot_that_takes_too_long_is_stopped_with_one_clear_error(
    ex: dict[str, Value], tmp_path: Path
) -> None:
    # dot needs minutes (or crashes) on graphs like a*a*…*a (80 factors): a value read at
    # many depths makes thousands of bend points. render and save_stepper stop it.
    import time

    start = time.perf_counter()
    with pytest.raises(
        GraphTooLargeError, match=r"render: Graphviz's `dot` took longer than 0.5 s"
    ):
        render(draw_graph(ex["L"]), tmp_path / "x.svg", timeout=0.5)
    assert time.perf_counter() - start < 10
    assert not (tmp_path / "x.svg").exists()
    with pytest.raises(GraphTooLargeError, match=r"save_stepper: .* took longer than 0.5 s"):
        save_stepper(ex["L"], tmp_path / "x.html", timeout=0.5)
    assert not (tmp_path / "x.html").exists()


def test_shades_spread_over_the_palette_when_grads_span_few_decades() -> None:
    # grads 1, 10, 100: the three decades used to get the three darkest shades, so every
    # node looked alike; the smallest now gets a light shade and the largest the darkest.
    from autograd_mini.viz.drawing import SHADES

    x = Value(1.0, "x")
    mid = x * 10
    loss = mid * 10
    mid.label, loss.label = "v", "L"
    loss.backward()
    src = draw_graph(loss).source
    fills = {name: re.search(r'BGCOLOR="(#\w+)"', line) for name, line in _lines(src).items()}
    assert fills["x"] is not None and fills["x"].group(1) == SHADES[-1]  # |grad| 100
    assert fills["L"] is not None and fills["L"].group(1) == SHADES[2]  # |grad| 1
    assert fills["v"] is not None and fills["v"].group(1) == SHADES[4]  # |grad| 10


def _lines(src: str) -> dict[str, str]:
    """Each value node's DOT line by the first letter of its label (x, v, L)."""
    found = {}
    for line in src.splitlines():
        m = re.search(r"<TD[^>]*><B>(?:<I>)?(\w)", line)
        if m and "BGCOLOR" in line:
            found.setdefault(m.group(1), line)
    return found


def test_graphs_whose_layout_would_take_minutes_are_refused_before_dot_runs() -> None:
    # a*a*…*a: `a` is read at every depth, so dot routes ~n² bends (60 factors: >20 s, 80:
    # minutes or a crash). draw_graph says so at once; raising max_nodes draws it anyway.
    a = Value(1.5, "a")
    chain = a
    for _ in range(59):
        chain = chain * a
    chain.backward()
    with pytest.raises(GraphTooLargeError, match=r"draw_graph: laying this graph out .* bends"):
        draw_graph(chain)
    assert "digraph" in draw_graph(chain, max_nodes=4000).source
    short = a * a * a * a * a * a * a * a * a * a
    assert "digraph" in draw_graph(short).source
