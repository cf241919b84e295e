"""White or red? The chapter's wine network (4 inputs, 3 hidden, 2 outputs) with softmax.

The chapter feeds a 3-year-old wine with 14 % alcohol, whiteness 0.2 and blackness 0.8 to
its network and reads y₁ = 0.15 (white) and y₂ = 0.85 (red): the softmax outputs are
positive and sum to 1, so they can be read as probabilities. The chapter gives no weights;
``autograd_mini.chapter.wine_network()`` has weights invented for the example that give
that answer. This script computes it neuron by neuron (u, h and, after backward() with
cross-entropy for "red", δ = ∂ℒ/∂u; at the outputs δ = y − t: errata E17), then trains a
network of the same shape on the toy wine data (synthetic, see
``autograd_mini.datasets.wine_toy``) and asks it the same question.

    python examples/wine_softmax.py [--quick]
"""

from __future__ import annotations

from common import quick_flag

from autograd_mini import chapter, datasets, losses, nn, optim, train
from autograd_mini.engine import no_grad

QUESTION = list(chapter.WINE_QUERY)  # years, alcohol %, whiteness, blackness


def the_chapters_network() -> None:
    """The fixed-weight network: every u, h and δ, then the softmax answer."""
    model = chapter.wine_network()
    scores = model(QUESTION)
    assert isinstance(scores, list)
    loss = losses.cross_entropy(scores, 1)  # the wine is red: t = (0, 1)
    loss.backward()
    print(f"the chapter's network (weights invented for the example), wine {QUESTION}:")
    names = (("hidden", ("h_1", "h_2", "h_3")), ("output", ("y_1 white", "y_2 red")))
    for layer, (kind, labels) in zip(model.layers, names, strict=True):
        for neuron, label in zip(layer.neurons, labels, strict=True):
            assert neuron.u is not None and neuron.h is not None and neuron.delta is not None
            weights = ", ".join(f"{w.data:g}" for w in neuron.w)
            print(
                f"  {kind} {label:<9} w = [{weights}]  u = {neuron.u.data:+.4f}  "
                f"h = {neuron.h.data:.4f}  delta = {neuron.delta:+.4f}"
            )
    white, red = (p.data for p in losses.softmax(scores))
    print(f"P(white) = {white:.4f}, P(red) = {red:.4f}, sum = {white + red:.6f}")
    print(f"to two decimals: {white:.2f} / {red:.2f}, the chapter's 0.15 / 0.85")
    print(f"cross-entropy for red = {loss.data:.4f}; output delta = y - t")


def a_trained_network(quick: bool) -> None:
    """The same shape trained on the toy wine data, asked the same question."""
    raw_xs, ys = datasets.wine_toy(n=80 if quick else 200, seed=0)
    xs, scaler = datasets.standardize(raw_xs)
    model = nn.MLP(4, [3, 2], activation="sigmoid", seed=1)
    history = train.fit(
        model,
        xs,
        ys,
        loss="cross_entropy",
        optimizer=optim.Adam(model.parameters(), lr=0.05),
        epochs=15 if quick else 60,
        progress=False,
    )
    print(
        f"a 4-3-2 network trained {history.epochs} epochs on the toy data: loss "
        f"{history.loss[-1]:.4f}, training accuracy {history.accuracy[-1]:.1%}"
    )
    with no_grad():
        logits = model(scaler.transform_one(QUESTION))
        probs = [p.data for p in losses.softmax(logits)]
    white, red = probs
    print(f"trained: P(white) = {white:.4f}, P(red) = {red:.4f}, sum = {white + red:.6f}")
    print("answer:", datasets.WINE_TOY_CLASSES[probs.index(max(probs))])
    print("(other weights, other probabilities; the reading is the same: the larger")
    print(" probability is the class)")


def main() -> None:
    quick = quick_flag(__doc__.splitlines()[0])
    the_chapters_network()
    print()
    a_trained_network(quick)


if __name__ == "__main__":
    main()
