"""One network, two jobs: the chapter's point that a neural network computes a continuous
value (regression) and that classification reads a decision off that value.

The same architecture, MLP(1, [16, 16, 1]) with ReLU, is trained twice on x ∈ [−1, 1]:
* regression: t = sin(πx) with the mean squared error;
* classification: the class of x is +1 where sin(πx) > 0 and −1 elsewhere, with the
  max-margin loss; the class is the sign of the same continuous output.

    python examples/regression_vs_classification.py [--quick]
"""

from __future__ import annotations

import math

from common import quick_flag

from autograd_mini import nn, optim, train
from autograd_mini.engine import no_grad


def fit(xs: list[list[float]], ts: list[float], loss: str, epochs: int) -> nn.MLP:
    model = nn.MLP(1, [16, 16, 1], seed=0)
    opt = optim.Adam(model.parameters(), lr=0.02)
    train.fit(model, xs, ts, loss=loss, optimizer=opt, epochs=epochs, progress=False)
    return model


def main() -> None:
    quick = quick_flag(__doc__.splitlines()[0])
    n, epochs = (24, 120) if quick else (60, 400)
    xs = [[-1 + 2 * i / (n - 1)] for i in range(n)]
    targets = [math.sin(math.pi * x[0]) for x in xs]
    labels = [1.0 if t > 0 else -1.0 for t in targets]

    regressor = fit(xs, targets, "mse", epochs)
    classifier = fit(xs, labels, "hinge", epochs)
    with no_grad():
        ys = [regressor(x).data for x in xs]  # type: ignore[union-attr]
        scores = [classifier(x).data for x in xs]  # type: ignore[union-attr]
    mse = sum((t - y) ** 2 for t, y in zip(targets, ys, strict=True)) / n
    accuracy = sum((s > 0) == (t > 0) for s, t in zip(scores, labels, strict=True)) / n
    print(f"regression:     mean squared error {mse:.5f}")
    print(f"classification: accuracy {accuracy:.1%} (class = sign of the output)")
    print("   x      sin(pi x)  regression y  classifier score  class")
    for i in range(0, n, max(1, n // 6)):
        cls = "+1" if scores[i] > 0 else "-1"
        print(
            f"  {xs[i][0]:+.3f}  {targets[i]:+.4f}    {ys[i]:+.4f}        {scores[i]:+.4f}"
            f"        {cls}"
        )


if __name__ == "__main__":
    main()
