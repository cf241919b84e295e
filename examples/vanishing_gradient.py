"""Why sigmoid networks stop learning when they get deep: the gradient shrinks layer by layer.

Backpropagation multiplies δ by f′(u) at every layer (δ_j = f′(u_j) Σ_k w_jk δ_k). The
sigmoid's derivative is σ′ = σ(1 − σ) ≤ 0.25 (the chapter says "at least 0.25 times"; it is
*at most*: errata E9), ReLU's is 1 where u > 0. This script measures max σ′ by backward(),
then builds the same deep network with each activation and prints the mean |∂L/∂W| over
each layer's weights after one backward pass: the measure `autograd-mini vanishing` and the
tutorial report (`experiments.layer_gradients`).

    python examples/vanishing_gradient.py [--quick]
"""

from __future__ import annotations

from common import quick_flag

from autograd_mini.experiments import layer_gradients, max_sigmoid_slope


def main() -> None:
    quick = quick_flag(__doc__.splitlines()[0])
    depth = 5 if quick else 10
    slope, _ = max_sigmoid_slope(-4.0, 4.0, 801)  # by backward(), on a grid of step 0.01
    print(f"max sigmoid'(u) on [-4, 4] = {slope:.6f}  (ReLU' = 1 for u > 0)")
    print(f"0.25 ** {depth} = {0.25**depth:.3e}: the most {depth} sigmoid layers can pass on")
    # MLP(2, [8] * depth + [1]) on 40 moons points, mean squared error, seed 0
    sig, relu = (layer_gradients(a, depth, 8, 0) for a in ("sigmoid", "relu"))
    print("layer   mean|dL/dW| sigmoid   mean|dL/dW| relu")
    for i, (s, r) in enumerate(zip(sig, relu, strict=True), start=1):
        print(f"{i:>5}   {s:>18.3e}   {r:>16.3e}")
    print(f"sigmoid: layer 1 / layer {depth + 1} = {sig[0] / sig[-1]:.3e}")
    print(f"relu:    layer 1 / layer {depth + 1} = {relu[0] / relu[-1]:.3e}")


if __name__ == "__main__":
    main()
