"""The activation functions f of a neuron (h = f(u)): one record each, in one registry.

Every fact about an activation lives in its :class:`Activation` record: its name, the op of
the op table it applies (``None`` for ``"linear"``, h = u), how a network's ``repr`` names it,
the matching ``torch.nn`` module, and the rule for its initial weights (He for ReLU-like
functions, Xavier/Glorot for sigmoid/tanh-like ones and the identity). :mod:`autograd_mini.nn`,
the command line's ``--activation`` choices, :mod:`autograd_mini.interop.torch` and the drawing
(:func:`activation_ops`) all read :data:`REGISTRY`, so adding an activation is one record:

    Activation("softplus", op="softplus", display="Softplus", torch_class="Softplus", init=he)

in :data:`BUILTIN` (or one :func:`register` call). An op that takes constant parameters after
the input (a leaky ReLU's slope) gets them from ``args``; a torch module that needs arguments
to compute the same function gets them from ``torch_kwargs``.

>>> from autograd_mini.engine import Value
>>> REGISTRY["relu"].display, REGISTRY["relu"].torch_class, REGISTRY["relu"].init.__name__
('ReLU', 'ReLU', 'he')
>>> get("tanh")(Value(0.5)).data == Value(0.5).tanh().data
True
>>> get("linear")(Value(2.0)).data
2.0
>>> names()
('relu', 'sigmoid', 'tanh', 'softplus', 'leaky_relu', 'elu', 'silu', 'gelu', 'linear')
>>> sorted(activation_ops())
['elu', 'gelu', 'leaky_relu', 'relu', 'sigmoid', 'silu', 'softplus', 'tanh']
>>> round(he(6, 1), 6), round(xavier(4, 2), 6)
(1.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autograd_mini import ops
from autograd_mini.engine import Value, apply, unary

__all__ = [
    "BUILTIN",
    "REGISTRY",
    "Activation",
    "InitRule",
    "activation_ops",
    "get",
    "he",
    "names",
    "register",
    "xavier",
]

#: ``init(fan_in, fan_out)``: the half-width a of the uniform U(−a, a) initial weights.
InitRule = Callable[[int, int], float]


def he(fan_in: int, fan_out: int) -> float:
    """He (Kaiming) scaling for ReLU-like f: a = √(6/n_in), variance 2/n_in."""
    return math.sqrt(6.0 / fan_in)


def xavier(fan_in: int, fan_out: int) -> float:
    """Xavier/Glorot scaling for sigmoid/tanh-like f and the identity: a = √(6/(n_in + n_out)),
    variance 2/(n_in + n_out)."""
    return math.sqrt(6.0 / (fan_in + fan_out))


@dataclass(frozen=True)
class Activation:
    """One activation function f: what applies it, names it, hands it to torch, initializes it.

    ``op``: the name of the op in :data:`autograd_mini.ops.OPS` that computes h = f(u) (None
    for the identity); ``args``: constant arguments the op takes after u. ``display``: the
    name in ``repr(model)`` (``ReLUNeuron(3)``). ``torch_class``: the ``torch.nn`` module
    computing the same function (None when torch has none), built with ``torch_kwargs``.
    ``init``: the initial-weight rule, :func:`he` or :func:`xavier`.
    """

    name: str
    op: str | None
    display: str
    torch_class: str | None
    init: InitRule
    args: tuple[float, ...] = ()
    torch_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, u: Value) -> Value:
        """h = f(u), one node of the op table's op (u itself for the identity)."""
        if self.op is None:
            return u
        return apply(ops.OPS[self.op], u, *self.args)

    def function(self) -> Callable[[Value], Value] | None:
        """f as a fast callable ``f(u)`` bound to the op (None for the identity): what a
        neuron calls on every forward pass."""
        if self.op is None:
            return None
        op, args = ops.OPS[self.op], self.args
        if not args:
            return unary(op)  # as fast as a Value method
        return lambda u: apply(op, u, *args)  # the constants go after u


#: The activations that come with autograd-mini, in the order the command line lists them.
BUILTIN: tuple[Activation, ...] = (
    Activation("relu", op="relu", display="ReLU", torch_class="ReLU", init=he),
    Activation("sigmoid", op="sigmoid", display="Sigmoid", torch_class="Sigmoid", init=xavier),
    Activation("tanh", op="tanh", display="Tanh", torch_class="Tanh", init=xavier),
    Activation("softplus", op="softplus", display="Softplus", torch_class="Softplus", init=he),
    Activation("leaky_relu", "leaky_relu", "LeakyReLU", "LeakyReLU", he, args=(0.01,)),
    Activation("elu", op="elu", display="ELU", torch_class="ELU", init=he, args=(1.0,)),
    Activation("silu", op="silu", display="SiLU", torch_class="SiLU", init=he),
    Activation("gelu", "gelu", "GELU", "GELU", he, torch_kwargs={"approximate": "tanh"}),
    Activation("linear", op=None, display="Linear", torch_class=None, init=xavier),
)

#: Every activation by name (read by nn, the command line, interop.torch and viz).
REGISTRY: dict[str, Activation] = {}


def register(activation: Activation) -> Activation:
    """Add an activation to :data:`REGISTRY`; its name, op and torch class are checked first."""
    if not isinstance(activation, Activation):
        raise TypeError(f"register: expected an Activation, got {type(activation).__name__}")
    if activation.name in REGISTRY:
        raise ValueError(f"register: activation {activation.name!r} is already registered")
    if activation.op is not None and activation.op not in ops.OPS:
        raise ValueError(
            f"register: activation {activation.name!r} names op {activation.op!r}, "
            "which is not in the op table (autograd_mini.ops.OPS)"
        )
    arity = None if activation.op is None else ops.OPS[activation.op].arity
    if arity is not None and arity != 1 + len(activation.args):
        raise ValueError(
            f"register: activation {activation.name!r} applies op {activation.op!r} to u and "
            f"{len(activation.args)} constant(s), but {activation.op} takes {arity} arguments"
        )
    for other in REGISTRY.values():
        if activation.torch_class is not None and other.torch_class == activation.torch_class:
            raise ValueError(
                f"register: torch.nn.{activation.torch_class} already stands for {other.name!r}"
            )
    REGISTRY[activation.name] = activation
    return activation


for builtin in BUILTIN:
    register(builtin)
del builtin


def get(name: str, who: str = "activation") -> Activation:
    """The record of ``name``; a ValueError naming the known ones otherwise."""
    if not isinstance(name, str) or name not in REGISTRY:
        known = ", ".join(repr(a) for a in REGISTRY)
        raise ValueError(f"{who}: unknown activation {name!r}; choose one of {known}")
    return REGISTRY[name]


def names() -> tuple[str, ...]:
    """Every registered activation's name, in registration order."""
    return tuple(REGISTRY)


def activation_ops() -> frozenset[str]:
    """The op names that are a neuron's activation (a value they read is a pre-activation u)."""
    return frozenset(a.op for a in REGISTRY.values() if a.op is not None)
