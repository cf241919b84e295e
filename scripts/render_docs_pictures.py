"""Regenerate the pictures of docs/tutorial.md and docs/tutorial.ja.md into docs/images/,
and merge the shared sections of docs/_sections/ into the tutorials.

    .venv/bin/python scripts/render_docs_pictures.py [--out docs/images] [--sections-only]

A tutorial includes a section file between the lines ``<!-- section: NAME -->`` and
``<!-- end section -->``; the script replaces what is between them with the current
``docs/_sections/NAME`` (tests/test_docs.py checks that they agree).

Every picture is drawn from numbers the library computes (the same settings as the
tutorials' code blocks): the activations and their derivatives (by backward()), the worked
example's graph (viz.draw_graph), the 4-layer network with u, h and δ (viz.draw_network),
mean |∂L/∂W| per layer for sigmoid vs ReLU, and the decision regions on the moons.
Needs the dev extras (matplotlib, graphviz) and Graphviz's `dot`.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from autograd_mini import MLP, Value, chapter, datasets, losses, optim, train
from autograd_mini.cli.vanishing import plot as vanishing_plot
from autograd_mini.experiments import Problem, layer_gradients, plot_boundary
from autograd_mini.experiments import pyplot as get_pyplot
from autograd_mini.viz import draw_graph, draw_network, render

DOCS = Path(__file__).resolve().parent.parent / "docs"
DOCS_IMAGES = DOCS / "images"
SECTION = re.compile(r"^<!-- section: (\S+) -->\n.*?^<!-- end section -->$", re.M | re.S)


def merge_sections(tutorial: Path) -> None:
    """Replace each included section of ``tutorial`` with docs/_sections/NAME's text."""

    def current(match: re.Match[str]) -> str:
        body = (DOCS / "_sections" / match.group(1)).read_text(encoding="utf-8").rstrip()
        return f"<!-- section: {match.group(1)} -->\n{body}\n<!-- end section -->"

    text = tutorial.read_text(encoding="utf-8")
    tutorial.write_text(SECTION.sub(current, text), encoding="utf-8")


def slope(activation: str, u: float) -> float:
    """f′(u) by backward()."""
    v = Value(u)
    getattr(v, activation)().backward()
    return float(v.grad)


def activations(path: Path) -> None:
    """The sigmoid and the ReLU (left) and their derivatives (right)."""
    plt = get_pyplot()
    us = [k / 50 for k in range(-300, 301)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    left.plot(us, [Value(u).sigmoid().data for u in us], label="sigmoid σ(u)")
    left.plot(us, [Value(u).relu().data for u in us], label="ReLU max(0, u)")
    left.set_ylim(-0.5, 3)
    left.axhline(1, color="gray", lw=0.6, ls="--")
    left.set_title("h = f(u)")
    right.plot(us, [slope("sigmoid", u) for u in us], label="σ′(u) = σ(1 − σ) ≤ 0.25")
    right.plot(us, [slope("relu", u) for u in us], label="ReLU′(u) = 1 for u > 0")
    right.axhline(0.25, color="gray", lw=0.6, ls="--")
    right.set_title("f′(u), computed by backward()")
    left.legend(loc="upper left", fontsize=8)
    right.legend(loc="center right", fontsize=8)
    for ax in (left, right):
        ax.set_xlabel("u")
        ax.grid(alpha=0.3)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def worked_example(path: Path) -> None:
    """The chapter's worked example after backward()."""
    ex = chapter.build()
    ex.loss.backward()
    render(draw_graph(ex.loss), path)


def network(path: Path) -> None:
    """The 4-layer network of the tutorial's backprop section, after backward()."""
    net = MLP(2, [3, 2, 2], activation="sigmoid", output_activation="sigmoid", seed=3)
    losses.mse(net([0.5, -1.0]), [1.0, 0.0]).backward()
    render(draw_network(net), path)


def moons(path: Path) -> None:
    """The moons, trained as in the tutorial, with the decision regions."""
    xs, ys = datasets.moons()
    model = MLP(2, [16, 16, 1], seed=0)
    opt = optim.Adam(model.parameters(), lr=0.05)
    train.fit(model, xs, ys, loss="hinge", epochs=40, optimizer=opt, progress=False)
    plot_boundary(model, Problem("moons", xs, ys, "hinge", 1), path)


def vanishing(path: Path) -> None:
    """Mean |∂L/∂W| per layer, sigmoid vs ReLU and the 0.25ⁿ reference, depth 10 (as
    `autograd-mini vanishing`)."""
    rows = {a: layer_gradients(a, 10, 8, 0) for a in ("sigmoid", "relu")}
    vanishing_plot(rows, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS_IMAGES, help="folder for the pictures")
    parser.add_argument("--sections-only", action="store_true", help="only merge the sections")
    args = parser.parse_args()
    for name in ("tutorial.md", "tutorial.ja.md"):
        merge_sections(DOCS / name)
        print(f"merged docs/_sections into docs/{name}")
    if args.sections_only:
        return
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name, make in (
        ("activations.png", activations),
        ("worked_example.svg", worked_example),
        ("network.svg", network),
        ("moons_boundary.png", moons),
        ("vanishing.png", vanishing),
    ):
        make(out / name)
        (out / name).chmod(0o644)  # viz.render writes through mkstemp, which makes 0600 files
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
