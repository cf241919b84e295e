"""Backpropagation on the chapter's 4-layer network (i → j → k → l), every δ printed.

The chapter derives, for consecutive layers j → k,

    ∂ℒ/∂w_jk = h_j · δ_k        δ_j = f′(u_j) · Σ_k w_jk · δ_k

(with the sum over k running to K and, for the output layer, over l to L: errata E15).
This script builds the network with sigmoid neurons everywhere (y_l = f(u_l), as in the
chapter), backpropagates a squared error, prints every δ from ``model.deltas()`` and checks
both equations for every weight and neuron against the gradients backward() computed.

    python examples/backprop_four_layers.py [--quick]
"""

from __future__ import annotations

from common import quick_flag

from autograd_mini import losses, nn


def sigmoid_slope(h: float) -> float:
    return h * (1 - h)  # σ′(u) = σ(u)(1 − σ(u)) = h(1 − h)


def main() -> None:
    quick = quick_flag(__doc__.splitlines()[0])
    sizes = [2, 3, 2] if quick else [3, 4, 3]  # j, k, l widths; i = 2 inputs
    model = nn.MLP(2, sizes, activation="sigmoid", output_activation="sigmoid", seed=3)
    x, t = [0.5, -1.0], [0.0] * sizes[-1]
    t[0] = 1.0
    y = model(x)
    loss = losses.mse(y, t)
    loss.backward()
    print(f"L = {loss.data:.6f}")
    names = "jkl"
    layers = model.layers
    for name, deltas in zip(names, model.deltas(), strict=True):
        row = "  ".join(f"δ_{name}{n + 1} = {d:+.6f}" for n, d in enumerate(deltas))
        print(f"layer {name}: {row}")

    worst_w = worst_d = 0.0
    for index, layer in enumerate(layers):
        inputs = x if index == 0 else [n.h.data for n in layers[index - 1].neurons]
        for neuron in layer.neurons:
            for w, h in zip(neuron.w, inputs, strict=True):
                worst_w = max(worst_w, abs(w.grad - h * neuron.delta))
        if index + 1 < len(layers):
            after = layers[index + 1].neurons
            for j, neuron in enumerate(layer.neurons):
                total = sum(n.w[j].data * n.delta for n in after)
                worst_d = max(worst_d, abs(neuron.delta - sigmoid_slope(neuron.h.data) * total))
    print(f"max |dL/dw - h*delta| over every weight       = {worst_w:.2e}")
    print(f"max |delta_j - f'(u_j) sum_k w_jk delta_k|      = {worst_d:.2e}")
    print("both hold" if max(worst_w, worst_d) < 1e-12 else "MISMATCH")


if __name__ == "__main__":
    main()
