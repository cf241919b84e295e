"""micrograd's demo: an MLP 2-16-16-1 learns the two moons with the max-margin loss.

The training loop of micrograd's demo notebook, unchanged but for the import: full batch,
loss = mean(relu(1 − y·score)) + 1e-4·Σ p², SGD with lr = 1.0 − 0.9·k/100, 100 steps.

    python examples/micrograd_moons.py [--quick]
"""

from __future__ import annotations

import random
import time

from common import quick_flag

from autograd_mini import Value
from autograd_mini.datasets import moons
from autograd_mini.nn import MLP


def main() -> None:
    quick = quick_flag(__doc__.splitlines()[0])
    steps = 20 if quick else 100
    random.seed(1337)
    xs, ys = moons()
    model = MLP(2, [16, 16, 1])  # micrograd's initialization from the global generator
    start = time.perf_counter()
    for k in range(steps):
        scores = [model([Value(a), Value(b)]) for a, b in xs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        accuracy = sum((y > 0) == (s.data > 0) for y, s in zip(ys, scores, strict=True)) / len(ys)
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        if k % 10 == 0 or k == steps - 1:
            print(f"step {k} loss {total.data:.6f}, accuracy {accuracy * 100:.1f}%")
    per_step = (time.perf_counter() - start) / steps * 1000
    print(f"{per_step:.1f} ms per step")


if __name__ == "__main__":
    main()
