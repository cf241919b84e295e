"""Rich display in Jupyter: :func:`mimebundle` draws a Value's graph or a network.

``Value._repr_mimebundle_`` and ``Module._repr_mimebundle_`` call it. Every picture is
bounded: a graph is measured by a walk that stops past :data:`MAX_INLINE_NODES` nodes (so
a huge graph costs nothing to display), Graphviz gets :data:`INLINE_TIMEOUT` seconds, and
anything too large or failing shows a one-line text summary and a small SVG saying so.
Without the graphviz package or Graphviz's ``dot``, the bundle is text only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from autograd_mini.engine import Value
from autograd_mini.viz._analysis import count_nodes
from autograd_mini.viz._text import clean, html_escape

__all__ = ["INLINE_TIMEOUT", "MAX_INLINE_NEURONS", "MAX_INLINE_NODES", "mimebundle"]

#: Graphs with more nodes than this are summarised, not drawn, in a notebook.
MAX_INLINE_NODES = 300
#: Networks with more neurons than this are summarised, not drawn.
MAX_INLINE_NEURONS = 120
#: Seconds Graphviz may take to lay out an inline picture.
INLINE_TIMEOUT = 10.0

_TEXT = "text/plain"
_SVG = "image/svg+xml"


def _neurons_of(model: Any) -> int | None:
    """How many neurons ``model`` (an nn MLP, Layer or Neuron) has; None if it is not one."""
    if hasattr(model, "neurons_by_layer"):
        return sum(len(layer) for layer in model.neurons_by_layer())
    if hasattr(model, "layers"):
        return sum(len(layer.neurons) for layer in model.layers)
    if hasattr(model, "neurons"):
        return len(model.neurons)
    if hasattr(model, "parameters") and hasattr(model, "w"):
        return 1
    return None


def _summary_svg(text: str) -> str:
    """A one-line picture saying why there is no drawing (escaped, ~9 px per character)."""
    shown = html_escape(text)
    width = 12 + 7 * len(text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="28" '
        f'viewBox="0 0 {width} 28"><rect width="{width}" height="28" fill="#f7f7f7" '
        'stroke="#999999"/><text x="6" y="18" font-family="DejaVu Sans, sans-serif" '
        f'font-size="12">{shown}</text></svg>'
    )


def _svg_of(graph: Any) -> str:
    from autograd_mini.viz._draw import pipe_svg

    svg = pipe_svg(graph, "mimebundle", INLINE_TIMEOUT)
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _picture(obj: Any) -> tuple[str, str | None]:
    """(text/plain, image/svg+xml or None) for ``obj``."""
    from autograd_mini.viz._analysis import GraphTooLargeError

    text = clean(repr(obj)) if not isinstance(obj, Value) else repr(obj)
    try:
        if isinstance(obj, Value):
            n = count_nodes(obj, MAX_INLINE_NODES)
            if n > MAX_INLINE_NODES:
                note = (
                    f"a graph of more than {MAX_INLINE_NODES:,} nodes: too large to draw "
                    "inline (viz.draw_graph(part) draws a part of it)"
                )
                return f"{text}\n({note})", _summary_svg(note)
            from autograd_mini.viz._draw import draw_graph

            return text, _svg_of(draw_graph(obj, max_nodes=MAX_INLINE_NODES))
        neurons = _neurons_of(obj)
        if neurons is None:
            raise TypeError(
                "mimebundle: expected a Value or an nn MLP, Layer or Neuron, "
                f"got {type(obj).__name__}"
            )
        if neurons > MAX_INLINE_NEURONS:
            note = (
                f"a network of {neurons:,} neurons: too large to draw inline "
                f"(more than {MAX_INLINE_NEURONS}); viz.draw_network(model) draws it"
            )
            return f"{text}\n({note})", _summary_svg(note)
        from autograd_mini.viz._draw import draw_network

        return text, _svg_of(draw_network(obj))
    except ImportError:
        return text, None  # no graphviz package: text only
    except GraphTooLargeError as error:
        note = str(error).split(". ")[0]
        return f"{text}\n({note})", _summary_svg(note[:120])
    except RuntimeError as error:  # dot missing (GraphvizNotFoundError) or failing
        return f"{text}\n({str(error).splitlines()[0][:200]})", None


def mimebundle(
    obj: Any, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> dict[str, str]:
    """Jupyter's rich display of ``obj``: ``{"text/plain": ..., "image/svg+xml": ...}``.

    A :class:`~autograd_mini.Value` shows its computation graph (:func:`draw_graph`), an
    ``autograd_mini.nn`` MLP, Layer or Neuron its network (:func:`draw_network`). A graph of
    more than :data:`MAX_INLINE_NODES` nodes, a network of more than
    :data:`MAX_INLINE_NEURONS` neurons, or a layout Graphviz cannot finish in
    :data:`INLINE_TIMEOUT` seconds shows a one-line summary instead (at once: the graph is
    never walked past the limit). Without the graphviz package or Graphviz's ``dot`` only
    "text/plain" is given. ``include`` and ``exclude`` pick MIME types, as IPython passes
    them to ``_repr_mimebundle_``.
    """
    text, svg = _picture(obj)
    bundle = {_TEXT: text}
    if svg is not None:
        bundle[_SVG] = svg
    if include is not None:
        wanted = set(include)
        bundle = {k: v for k, v in bundle.items() if k in wanted}
    if exclude is not None:
        unwanted = set(exclude)
        bundle = {k: v for k, v in bundle.items() if k not in unwanted}
    return bundle
