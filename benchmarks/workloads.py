"""The benchmark workloads, written once and run on any engine.

The moons step is the one of ``/work/shared/bench/moons_workload.py`` (micrograd's demo
notebook): 100 points, an MLP 2-16-16-1 (ReLU hidden layers, linear output), the max-margin
loss mean(relu(1 − t·y)) + 1e-4·Σp², full batch, SGD with ρ = 1.0 − 0.9·k/100.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd_mini import datasets

MOONS_SEED = 1337
SIZES = (2, 16, 16, 1)


def moons(n: int = 100, noise: float = 0.1, seed: int = MOONS_SEED) -> Any:
    """The shared workload's points (``autograd_mini.datasets.moons`` reproduces them)."""
    return datasets.moons(n, noise, seed)


def initial_weights(
    sizes: Sequence[int] = SIZES, seed: int = MOONS_SEED
) -> list[list[list[float]]]:
    """micrograd's initial weights: per layer, per neuron, nin draws of uniform(−1, 1).

    micrograd draws them from the global generator after ``random.seed(1337)``, neuron by
    neuron; biases start at 0. Every engine here starts from these same numbers.
    """
    rng = random.Random(seed)
    return [
        [[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
        for nin, nout in itertools.pairwise(sizes)
    ]


class MicrogradStyleMLP:
    """micrograd's ``nn.MLP`` over any Value class: every wᵢ·hᵢ and every + its own node.

    ``Neuron.__call__`` is micrograd's ``sum((wi*xi for ...), self.b)`` followed by relu on
    hidden layers, so the graph has exactly micrograd's nodes.
    """

    def __init__(self, value: Callable[[float], Any], sizes: Sequence[int] = SIZES) -> None:
        weights = initial_weights(sizes)
        self.layers = [[([value(w) for w in ws], value(0.0)) for ws in layer] for layer in weights]

    def __call__(self, x: Sequence[Any]) -> Any:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            out = []
            for ws, b in layer:
                act = sum((wi * xi for wi, xi in zip(ws, x, strict=False)), b)
                out.append(act.relu() if i != last else act)
            x = out
        return x[0]

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for ws, b in layer for p in (*ws, b)]
