"""micrograd's attribute names on Value, so micrograd's notebooks and draw_dot run unchanged:
``_prev`` (the set of parents), ``_op`` (the op's symbol) and Jupyter's rich display."""

from __future__ import annotations

from typing import Any

from autograd_mini import Value

# -- micrograd's attribute names, for notebooks (issue 10 item 6) ------------------------------


def trace(root: Value) -> tuple[set[Value], set[tuple[Value, Value]]]:
    """micrograd's draw_dot helper (trace_graph.ipynb), unchanged: it reads _prev."""
    nodes, edges = set(), set()

    def build(v: Value) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def test_micrograd_prev_and_op_names() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    e = d.relu()
    nodes, edges = trace(e)
    assert nodes == {a, b, c, d, e}
    assert edges == {(a, c), (b, c), (c, d), (a, d), (d, e)}
    assert [n._op for n in (a, c, d, e)] == ["", "*", "+", "ReLU"]
    assert (a * a)._prev == {a}  # a set of parents, as in micrograd


def test_repr_mimebundle_falls_back_to_text_without_the_drawing(monkeypatch: Any) -> None:
    import sys

    v = Value(1.5, label="v")
    monkeypatch.setitem(sys.modules, "autograd_mini.viz", None)  # import fails: ImportError
    assert v._repr_mimebundle_() == {"text/plain": repr(v)}
    assert v._repr_mimebundle_(include=["text/plain"], exclude=[]) == {"text/plain": repr(v)}


def test_repr_mimebundle_uses_viz_mimebundle_when_there_is_one() -> None:
    import autograd_mini.viz as viz

    v = Value(1.5) * 2.0
    bundle = v._repr_mimebundle_()
    if hasattr(viz, "mimebundle"):
        assert bundle == viz.mimebundle(v)
    else:  # the drawing's mimebundle is not there: AttributeError falls back to text
        assert bundle == {"text/plain": repr(v)}
