"""The chapter's worked example (Steps 1–3) as a graph of labelled Values.

The network of the chapter's figure: inputs xᵀ = [2, 3, 1], one hidden layer of two ReLU
neurons without bias, one linear output y, target t = 20, learning rate ρ = 0.01::

    u₁₁ = 3·2 + 1·3 + 2·1 = 11        h₁₁ = max(0, 11) = 11
    u₁₂ = −2·2 − 3·3 − 1·1 = −14      h₁₂ = max(0, −14) = 0   (the chapter prints −11)
    y   = 3·11 + 2·0 = 33             L = (1/1)(20 − 33)² = 169

The chapter names two weights: w₁, the weight from h₁₁ to y, and w₂, the weight from x₁
to u₁₁. This module keeps those names and numbers the other six w₃ … w₈ (w₃, w₄ feed
u₁₁ from x₂, x₃; w₅, w₆, w₇ feed u₁₂; w₈ is the weight from h₁₂ to y).

>>> ex = build()
>>> ex.loss.backward()
>>> ex.loss.data, ex.weight("w_1").grad, ex.weight("w_2").grad
(169.0, 286.0, 156.0)

It also holds the other numbers the chapter states without computing them: the wine
network's answer y₁ = 0.15 (white), y₂ = 0.85 (red) for the query (3, 14, 0.2, 0.8)
(:func:`wine_network`; the chapter gives no weights, so these are invented for the
example), the two losses after the ρ = 0.01 step (:func:`compare_updates`), the 0.25ⁿ
bound on a sigmoid network's gradients (:func:`quarter_power_reference`) and a short run
in which a deep sigmoid network stalls while the same ReLU network trains
(:func:`stall_comparison`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, NamedTuple

from autograd_mini.engine import Value, linear

if TYPE_CHECKING:
    from autograd_mini.nn import MLP

__all__ = [
    "HIDDEN_WEIGHTS",
    "OUTPUT_WEIGHTS",
    "RHO",
    "TARGET",
    "WINE_CLASSES",
    "WINE_HIDDEN_WEIGHTS",
    "WINE_OUTPUT_WEIGHTS",
    "WINE_QUERY",
    "StallRun",
    "UpdateComparison",
    "WorkedExample",
    "X",
    "build",
    "compare_updates",
    "gradient_step",
    "quarter_power_reference",
    "stall_comparison",
    "wine_network",
    "wine_probabilities",
]

#: The input xᵀ = [2, 3, 1].
X: tuple[float, ...] = (2.0, 3.0, 1.0)
#: Hidden-layer weights, one row per neuron (u₁₁'s row, then u₁₂'s row).
HIDDEN_WEIGHTS: tuple[tuple[float, ...], ...] = ((3.0, 1.0, 2.0), (-2.0, -3.0, -1.0))
#: Output weights on h₁₁ and h₁₂ (the first is the chapter's w₁).
OUTPUT_WEIGHTS: tuple[float, ...] = (3.0, 2.0)
#: The target t.
TARGET = 20.0
#: The chapter's learning rate ρ.
RHO = 0.01

#: Labels of the hidden weights (row by row) and of the output weights, in chapter names.
_HIDDEN_LABELS = (("w_2", "w_3", "w_4"), ("w_5", "w_6", "w_7"))
_OUTPUT_LABELS = ("w_1", "w_8")


class WorkedExample(NamedTuple):
    """Every Value of the worked example, labelled in the chapter's notation."""

    x: tuple[Value, ...]
    hidden_weights: tuple[tuple[Value, ...], ...]
    output_weights: tuple[Value, ...]
    u: tuple[Value, ...]
    h: tuple[Value, ...]
    y: Value
    t: float
    loss: Value

    def weights(self) -> list[Value]:
        """All eight weights in the order w₁, w₂, …, w₈."""
        order = [self.output_weights[0], *self.hidden_weights[0], *self.hidden_weights[1]]
        return [*order, self.output_weights[1]]

    def weight(self, label: str) -> Value:
        """The weight labelled ``label`` (``"w_1"`` … ``"w_8"``)."""
        for w in self.weights():
            if w.label == label:
                return w
        raise KeyError(f"worked example: no weight labelled {label!r} (w_1 … w_8)")


def build(
    hidden: Sequence[Sequence[float]] = HIDDEN_WEIGHTS,
    output: Sequence[float] = OUTPUT_WEIGHTS,
    x: Sequence[float] = X,
    t: float = TARGET,
    activation: str = "relu",
) -> WorkedExample:
    """Build the forward pass u = Wx, h = f(u), y = w·h, L = (t − y)² (N = 1).

    ``activation`` is ``"relu"`` (the chapter's choice) or ``"sigmoid"`` (to compare).
    Each u and y is one linear-transform node (its parents are the weights and inputs).
    """
    if activation not in ("relu", "sigmoid"):
        raise ValueError(
            f"worked example: activation must be 'relu' or 'sigmoid', not {activation!r}"
        )
    xs = tuple(Value(v, f"x_{i + 1}") for i, v in enumerate(x))
    w_hidden = tuple(
        tuple(Value(w, label) for w, label in zip(row, labels, strict=True))
        for row, labels in zip(hidden, _HIDDEN_LABELS, strict=True)
    )
    w_out = tuple(Value(w, label) for w, label in zip(output, _OUTPUT_LABELS, strict=True))
    us, hs = [], []
    for j, row in enumerate(w_hidden, start=1):
        u = linear(row, xs)
        u.label = f"u_1{j}"
        h = u.relu() if activation == "relu" else u.sigmoid()
        h.label = f"h_1{j}"
        us.append(u)
        hs.append(h)
    y = linear(w_out, hs)
    y.label = "y"
    loss = (t - y) ** 2  # (1/N) Σ (t − y)² with N = 1
    loss.label = "ℒ"
    return WorkedExample(xs, w_hidden, w_out, tuple(us), tuple(hs), y, t, loss)


_ALL_LABELS = ("w_1", "w_2", "w_3", "w_4", "w_5", "w_6", "w_7", "w_8")


def gradient_step(
    ex: WorkedExample, rho: float = RHO, only: Collection[str] | None = None
) -> WorkedExample:
    """One step of gradient descent w ← w − ρ ∂L/∂w on every weight, then a fresh forward.

    Computes the gradients of ``ex`` (``ex.loss.backward()``) first. ``only`` names the
    weights to update (``{"w_1", "w_2"}``, as the chapter does); the others keep their values.
    """
    if only is not None:
        unknown = sorted(set(only) - set(_ALL_LABELS))
        if unknown:
            raise KeyError(f"gradient_step: no weight labelled {unknown[0]!r} (w_1 … w_8)")
    for w in ex.weights():
        w.grad = 0.0
    ex.loss.backward()

    def moved(w: Value) -> float:
        return w.data - rho * w.grad if only is None or w.label in only else w.data

    hidden = [[moved(w) for w in row] for row in ex.hidden_weights]
    output = [moved(w) for w in ex.output_weights]
    x = [v.data for v in ex.x]
    activation = "relu" if ex.h[0].op == "relu" else "sigmoid"
    return build(hidden, output, x, ex.t, activation)


# -- the two losses after the chapter's update -------------------------------------------------


class UpdateComparison(NamedTuple):
    """The loss before and after one step of ρ, updating w₁, w₂ only or every weight."""

    rho: float
    loss_before: float
    y_before: float
    loss_w1_w2: float
    y_w1_w2: float
    loss_every_weight: float
    y_every_weight: float


def compare_updates(rho: float = RHO) -> UpdateComparison:
    """The loss after one step of ``rho`` from the chapter's weights, two ways.

    The chapter updates only the two weights it differentiates (w₁ → 0.14, w₂ → 1.44); the
    loss then is 357.089. Gradient descent updates every weight (w₃ → −1.34 and
    w₄ → 1.22 move too; w₅ … w₈ have ∂L/∂w = 0): 399.552. Both exceed 169 because ρ = 0.01
    overshoots: y must fall from 33 to t = 20, and the step takes it to 1.103 (w₁, w₂)
    or 0.0112 (every weight) — each extra weight that moves downhill pushes y further past
    the target, so the squared error grows.

    >>> c = compare_updates()
    >>> round(c.loss_before, 3), round(c.loss_w1_w2, 3), round(c.loss_every_weight, 3)
    (169.0, 357.089, 399.552)
    >>> round(c.y_w1_w2, 4), round(c.y_every_weight, 4)
    (1.1032, 0.0112)
    """
    before = build()
    chapter_step = gradient_step(build(), rho, only={"w_1", "w_2"})
    every = gradient_step(build(), rho)
    return UpdateComparison(
        rho,
        before.loss.data,
        before.y.data,
        chapter_step.loss.data,
        chapter_step.y.data,
        every.loss.data,
        every.y.data,
    )


# -- the wine network of the chapter's introduction -------------------------------------------

#: The chapter's wine: 3 years old, 14 % alcohol, whiteness 0.2, blackness 0.8.
WINE_QUERY: tuple[float, float, float, float] = (3, 14, 0.2, 0.8)
#: The two outputs y₁, y₂, in order.
WINE_CLASSES: tuple[str, str] = ("white", "red")
#: Invented hidden weights (the chapter gives none), one row per hidden ReLU neuron, on
#: (years, alcohol, whiteness, blackness): a "red and strong" detector, a "white" detector
#: and an "age" neuron. No biases.
WINE_HIDDEN_WEIGHTS: tuple[tuple[float, ...], ...] = (
    (0.0, 0.1, -1.0, 1.0),
    (0.0, 0.0, 1.0, -1.0),
    (0.1, 0.0, 0.0, 0.0),
)
#: Invented output weights: y₁ (white) and y₂ (red) from the three hidden neurons. No biases.
WINE_OUTPUT_WEIGHTS: tuple[tuple[float, ...], ...] = ((-0.4, 1.0, 0.2), (0.5, -1.0, 0.0))


def wine_network() -> MLP:
    """The chapter's 4 → 3 → 2 wine network with fixed, invented weights (ReLU, no bias).

    The chapter shows the answer (白ワイン y₁ = 0.15, 赤ワイン y₂ = 0.85) but neither the
    weights nor the output function. These weights are made up so that the softmax of the
    two outputs gives that answer; for :data:`WINE_QUERY`::

        u₁ = 0.1·14 − 0.2 + 0.8 = 2.0      h₁ = 2.0
        u₂ = 0.2 − 0.8 = −0.6              h₂ = 0    (a dead ReLU, like the chapter's h₁₂)
        u₃ = 0.1·3 = 0.3                   h₃ = 0.3
        y₁ = −0.4·2.0 + 1.0·0 + 0.2·0.3 = −0.74   (white)
        y₂ =  0.5·2.0 − 1.0·0 + 0.0·0.3 =  1.0    (red)
        softmax: e^−0.74 / (e^−0.74 + e^1.0) = 0.1493,  0.8507

    >>> net = wine_network()
    >>> [round(y.data, 4) for y in net(list(WINE_QUERY))]
    [-0.74, 1.0]
    """
    from autograd_mini.nn import FORMAT_NAME, FORMAT_VERSION, MLP

    def layer(rows: tuple[tuple[float, ...], ...]) -> dict[str, object]:
        return {"weights": [list(r) for r in rows], "biases": [0.0] * len(rows)}

    content = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "architecture": {
            "nin": 4,
            "nouts": [3, 2],
            "activation": "relu",
            "output_activation": "linear",
        },
        "layers": [layer(WINE_HIDDEN_WEIGHTS), layer(WINE_OUTPUT_WEIGHTS)],
    }
    return MLP.from_dict(content, "chapter.wine_network")


def wine_probabilities(query: Sequence[float] = WINE_QUERY) -> tuple[float, float]:
    """(P(white), P(red)): the softmax of :func:`wine_network`'s two outputs for ``query``.

    >>> [round(p, 2) for p in wine_probabilities()]
    [0.15, 0.85]
    """
    from autograd_mini.losses import softmax

    outputs = wine_network()(list(query))
    assert isinstance(outputs, list)  # two outputs
    white, red = (p.data for p in softmax(outputs))
    return white, red


# -- vanishing gradients ------------------------------------------------------------------------


def quarter_power_reference(means: Sequence[float]) -> list[float]:
    """The 0.25ⁿ bound drawn beside per-layer gradients: ``means[-1] × 0.25^(L − l)``.

    ``means`` are per-layer gradient sizes, layer 1 first; the reference starts at the last
    layer's value and loses a factor of 0.25 (the most a sigmoid's σ′ lets through) for
    each layer nearer the input: the rate σ′ ≤ 0.25 alone imposes (the weights multiply
    too, so a sigmoid network with small weights falls faster, one with weights above 4
    can stay above it).

    >>> quarter_power_reference([0.0, 0.0, 0.5])
    [0.03125, 0.125, 0.5]
    """
    if not means:
        raise ValueError("quarter_power_reference: no layers given")
    last = float(means[-1])
    n = len(means)
    return [last * 0.25 ** (n - 1 - i) for i in range(n)]


class StallRun(NamedTuple):
    """The loss and accuracy per epoch of one activation in :func:`stall_comparison`."""

    activation: str
    loss: list[float]
    accuracy: list[float]


def stall_comparison(
    depth: int = 6, width: int = 6, epochs: int = 20, lr: float = 0.1, seed: int = 0
) -> dict[str, StallRun]:
    """Train ``MLP(2, [width] × depth + [1])`` with sigmoid and with ReLU on 20 moons points.

    Both use the same options (``seed=seed``: scaled uniform initial weights from the same
    generator, Xavier-scaled for sigmoid and He-scaled for ReLU), full-batch SGD with
    learning rate ``lr`` and the hinge loss. The sigmoid network's first layers get almost
    no gradient, so its loss stays at 1 (every score ≈ 0); the ReLU network's loss falls.
    """
    from autograd_mini import datasets, optim, train
    from autograd_mini.nn import MLP

    xs, ys = datasets.moons(n=20, seed=seed)
    runs = {}
    for activation in ("sigmoid", "relu"):
        net = MLP(2, [width] * depth + [1], activation=activation, seed=seed)
        history = train.fit(
            net,
            xs,
            ys,
            loss="hinge",
            epochs=epochs,
            optimizer=optim.SGD(net.parameters(), lr=lr),
            progress=False,
        )
        runs[activation] = StallRun(activation, list(history.loss), list(history.accuracy))
    return runs
