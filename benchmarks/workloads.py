"""The benchmark workloads, written once and run on every engine.

* **moons step** (``benchmarks/moons_workload.py``, the project's reference workload and
  micrograd's demo notebook): 100 points, an MLP 2-16-16-1 (ReLU hidden layers, linear
  output), the max-margin loss mean(relu(1 − t·y)) + 1e-4·Σp², full batch, SGD with
  ρ = 1.0 − 0.9·k/100. Every engine starts from micrograd's initial weights.
* **deep MLP**: 2-64-64-64-1 (ReLU), 256 moons points, the same loss, one SGD step;
  weights uniform(−1, 1)/√fan-in from the same generator.
* **second order**: f(w) = mean over 100 moons points of (y(x; w) − t)² for an MLP 2-8-8-1
  with tanh hidden layers (105 weights); its Hessian and a Hessian-vector product at w.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import moons_workload

MOONS_SEED = 1337
SIZES = (2, 16, 16, 1)
DEEP_SIZES = (2, 64, 64, 64, 1)
DEEP_POINTS = 256
SECOND_SIZES = (2, 8, 8, 1)
SECOND_POINTS = 100
L2 = 1e-4


def moons(n: int = 100) -> tuple[list[list[float]], list[int]]:
    """The reference workload's points (``autograd_mini.datasets.moons`` reproduces them)."""
    xs, ys = moons_workload.moons(n)
    return xs, ys


def learning_rate(k: int) -> float:
    """The workload's schedule ρ = 1.0 − 0.9·k/100."""
    return 1.0 - 0.9 * k / 100


def initial_weights(
    sizes: Sequence[int] = SIZES, seed: int = MOONS_SEED, scaled: bool = False
) -> list[list[list[float]]]:
    """Per layer, per neuron, fan-in draws of uniform(−1, 1) (÷ √fan-in when ``scaled``).

    Unscaled, these are micrograd's initial weights: it draws them from the global generator
    after ``random.seed(1337)``, neuron by neuron; biases start at 0.
    """
    rng = random.Random(seed)
    return [
        [
            [rng.uniform(-1, 1) / (math.sqrt(nin) if scaled else 1.0) for _ in range(nin)]
            for _ in range(nout)
        ]
        for nin, nout in itertools.pairwise(sizes)
    ]


def second_order_point(sizes: Sequence[int] = SECOND_SIZES) -> list[float]:
    """The 105 weights w at which the Hessian is taken: per neuron its weights, then its bias."""
    rng = random.Random(MOONS_SEED + 1)
    flat: list[float] = []
    for nin, nout in itertools.pairwise(sizes):
        for _ in range(nout):
            flat += [rng.uniform(-1, 1) / math.sqrt(nin) for _ in range(nin)]
            flat.append(rng.uniform(-0.1, 0.1))
    return flat


def second_order_vector(n: int) -> list[float]:
    """The vector v of the Hessian-vector product."""
    rng = random.Random(MOONS_SEED + 2)
    return [rng.uniform(-1, 1) for _ in range(n)]


def unflatten(flat: Sequence[Any], sizes: Sequence[int] = SECOND_SIZES) -> list[Any]:
    """[(W rows, biases) per layer] from ``second_order_point``'s layout."""
    layers, i = [], 0
    for nin, nout in itertools.pairwise(sizes):
        rows, biases = [], []
        for _ in range(nout):
            rows.append(list(flat[i : i + nin]))
            biases.append(flat[i + nin])
            i += nin + 1
        layers.append((rows, biases))
    return layers


def nn_model(sizes: Sequence[int] = SIZES, scaled: bool = False, expand: bool = False) -> Any:
    """autograd-mini's ``nn.MLP`` (ReLU) holding ``initial_weights(sizes, scaled=scaled)``."""
    from autograd_mini.nn import MLP

    model = MLP(sizes[0], list(sizes[1:]), expand=expand)
    for layer, weights in zip(model.layers, initial_weights(sizes, scaled=scaled), strict=True):
        for neuron, ws in zip(layer.neurons, weights, strict=True):
            for w, x in zip(neuron.w, ws, strict=True):
                w.data = x
            neuron.b.data = 0.0
    return model
