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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from autograd_mini.engine import Value, linear

__all__ = [
    "HIDDEN_WEIGHTS",
    "OUTPUT_WEIGHTS",
    "RHO",
    "TARGET",
    "WorkedExample",
    "X",
    "build",
    "gradient_step",
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
    loss.label = "L"
    return WorkedExample(xs, w_hidden, w_out, tuple(us), tuple(hs), y, t, loss)


def gradient_step(ex: WorkedExample, rho: float = RHO) -> WorkedExample:
    """One step of gradient descent w ← w − ρ ∂L/∂w on every weight, then a fresh forward.

    Computes the gradients of ``ex`` (``ex.loss.backward()``) first.
    """
    for w in ex.weights():
        w.grad = 0.0
    ex.loss.backward()
    hidden = [[w.data - rho * w.grad for w in row] for row in ex.hidden_weights]
    output = [w.data - rho * w.grad for w in ex.output_weights]
    x = [v.data for v in ex.x]
    activation = "relu" if ex.h[0].op == "relu" else "sigmoid"
    return build(hidden, output, x, ex.t, activation)
