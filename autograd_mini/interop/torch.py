"""The PyTorch hand-over: an :class:`~autograd_mini.nn.MLP` as a ``torch.nn.Sequential`` and back.

``to_torch(mlp)`` builds ``Linear(n₀, n₁), f, Linear(n₁, n₂), f, …, Linear(n_(L−1), n_L)``
(plus the output activation when it is not linear) in float64, with
``Linear.weight[j, i] = w_lji`` and ``Linear.bias[j] = b_lj`` (0-based j, i there), so both
compute the same u = Wh + b and h = f(u): the outputs agree to rounding. Each activation maps
to the ``torch.nn`` module its :class:`~autograd_mini.activations.Activation` record names
(``nn.ReLU``, ``nn.Sigmoid``, ``nn.Tanh``, ``nn.Softplus``, …), built with the record's
settings and read back only with them (``nn.Softplus(beta=2)`` is not autograd-mini's
softplus); a linear layer has none, and an activation torch has no module for is a
``ValueError``.

``from_torch(sequential)`` reads the same shape back: ``nn.Linear`` layers, each optionally
followed by one of those activations (``nn.Identity`` is skipped, ``nn.Flatten`` is not
accepted). Every hidden layer must use the same activation, as an MLP does. Anything else
raises ``ValueError`` naming the module and its position; modules are matched by their exact
type, so a subclass (which may compute something else in ``forward``) is refused too.

Needs PyTorch (``pip install 'autograd-mini[torch]'``; CPU build is enough); this module
imports it lazily, so importing it without torch only fails when a function is called.
"""

from __future__ import annotations

import importlib
from typing import Any

from autograd_mini import activations
from autograd_mini.nn import MLP

__all__ = ["from_torch", "to_torch"]


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise ImportError(
            "the PyTorch hand-over needs torch; install it with: "
            "pip install 'autograd-mini[torch]' (the CPU build is enough)"
        ) from error


def _torch_module(activation: activations.Activation, torch: Any) -> Any:
    """A fresh torch.nn module computing ``activation``."""
    if activation.torch_class is None:
        raise ValueError(
            f"to_torch: activation {activation.name!r} has no torch.nn module to hand over"
        )
    return getattr(torch.nn, activation.torch_class)(**activation.torch_kwargs)


def to_torch(model: MLP) -> Any:
    """A ``torch.nn.Sequential`` (float64) with ``model``'s weights, computing the same outputs."""
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: expects an autograd_mini.nn.MLP, got {type(model).__name__}")
    torch = _torch()
    modules = []
    last = len(model.layers) - 1
    for k, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        activation = activations.get(model.output_activation if k == last else model.activation)
        if activation.op is not None:
            modules.append(_torch_module(activation, torch))
    return torch.nn.Sequential(*modules)


def _activation_name(module: Any, torch: Any, what: str) -> str | None:
    """The registered activation whose torch class is exactly ``type(module)``, else None; a
    ValueError when the class matches but the module's settings compute something else."""
    for activation in activations.REGISTRY.values():
        cls = getattr(torch.nn, activation.torch_class or "", None)
        if cls is None or type(module) is not cls:
            continue
        expected = cls(**activation.torch_kwargs).extra_repr()
        if module.extra_repr() != expected:
            raise ValueError(
                f"{what} has settings ({module.extra_repr()[:60]}) that autograd-mini's "
                f"{activation.name!r} does not compute (it is {cls.__name__}({expected}))"
            )
        return activation.name
    return None


def _supported(torch: Any) -> str:
    classes = [a.torch_class for a in activations.REGISTRY.values() if a.torch_class]
    return ", ".join(["Linear", *(c for c in classes if hasattr(torch.nn, c)), "Identity"])


def _read(sequential: Any, torch: Any) -> list[tuple[Any, str]]:
    """[(Linear, activation name)] from the Sequential's modules, in order."""
    layers: list[tuple[Any, str]] = []
    for pos, module in enumerate(sequential):
        what = f"from_torch: module {pos} ({type(module).__name__})"
        if type(module) is torch.nn.Identity:
            continue
        if type(module) is torch.nn.Linear:
            layers.append((module, "linear"))
            continue
        name = _activation_name(module, torch, what)
        if name is None:
            raise ValueError(f"{what} is not supported; an MLP is made of {_supported(torch)}")
        if not layers or layers[-1][1] != "linear":
            raise ValueError(f"{what} must follow a Linear layer")
        layers[-1] = (layers[-1][0], name)
    if not layers:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    return layers


def from_torch(sequential: Any) -> MLP:
    """An :class:`~autograd_mini.nn.MLP` with the weights of a ``torch.nn.Sequential``."""
    torch = _torch()
    if not isinstance(sequential, torch.nn.Sequential):
        kind = type(sequential).__name__
        raise TypeError(f"from_torch: expects a torch.nn.Sequential, got {kind}")
    layers = _read(sequential, torch)
    hidden = {name for _, name in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(f"from_torch: hidden layers use different activations {sorted(hidden)}")
    for k in range(1, len(layers)):
        if layers[k][0].in_features != layers[k - 1][0].out_features:
            raise ValueError(
                f"from_torch: Linear layer {k + 1} takes {layers[k][0].in_features} inputs but "
                f"layer {k} gives {layers[k - 1][0].out_features}"
            )
    model = MLP(
        layers[0][0].in_features,
        [lin.out_features for lin, _ in layers],
        hidden.pop() if hidden else "relu",
        output_activation=layers[-1][1],
        seed=0,
    )
    for layer, (lin, _) in zip(model.layers, layers, strict=True):
        weights = lin.weight.detach().to(torch.float64).tolist()
        biases = lin.bias.detach().to(torch.float64).tolist() if lin.bias is not None else None
        for j, n in enumerate(layer.neurons):
            for w, x in zip(n.w, weights[j], strict=True):
                w.data = float(x)
            n.b.data = float(biases[j]) if biases is not None else 0.0
    return model
