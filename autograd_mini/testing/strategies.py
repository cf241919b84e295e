"""Hypothesis strategies for testing gradient code (needs ``autograd-mini[testing]``).

* :func:`values` — floats inside an op's test domain (or argument tuples for ops of
  several arguments);
* :func:`expressions` — random DAGs over micrograd-style operations, where a node may feed
  several others, as :class:`~autograd_mini.testing.forms.Expression` objects that build
  themselves on any Value class;
* :func:`networks` — small MLPs with their weights and an input, as :class:`Network`.

Everything drawn is deterministic under hypothesis's ``derandomize=True`` (or a fixed
``@seed``) and shrinks towards small, simple examples. Every drawn argument of every node
lies inside its operation's domain (:mod:`autograd_mini.testing.domains`), away from kinks,
and every node's value is finite and at most 1e4 in magnitude.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd_mini import nn
from autograd_mini.ops import Op
from autograd_mini.testing.domains import Arg, Domain, domain_of, op_named
from autograd_mini.testing.forms import FORMS, Expression, Form, Step, evaluate_form

__all__ = ["LARGEST", "Network", "arguments", "expressions", "networks", "values"]

#: Node values beyond this magnitude are not used (finite differences lose their digits).
LARGEST = 1e4


def _arg(arg: Arg) -> st.SearchStrategy[float]:
    if arg.is_constant:
        return st.sampled_from(arg.choices)
    return st.floats(arg.low, arg.high, allow_nan=False, allow_infinity=False)


def arguments(domain: Domain) -> st.SearchStrategy[tuple[float, ...]]:
    """Argument tuples inside ``domain`` (its intervals and constants, filtered by ``where``)."""
    drawn = st.tuples(*(_arg(a) for a in domain.args))
    return drawn if domain.where is None else drawn.filter(lambda xs: domain.contains(*xs))


def values(op: Op | str | None = None) -> st.SearchStrategy[Any]:
    """Floats inside ``op``'s test domain (an :class:`~autograd_mini.ops.Op` or its name).

    For an op of one argument each example is a float; for an op of several arguments it
    is a tuple, one float per argument (constants such as the exponent of ``powc`` drawn
    from their choices). Without ``op``: floats in [−3, 3].
    """
    if op is None:
        return st.floats(-3.0, 3.0, allow_nan=False)
    domain = domain_of(op_named(op, "values"))
    if len(domain.args) == 1:
        return arguments(domain).map(lambda xs: xs[0])
    return arguments(domain)


def _forms(ops: Sequence[str] | None) -> list[Form]:
    if ops is None:
        return list(FORMS.values())
    if isinstance(ops, str) or not ops:
        raise ValueError(f"expressions: ops must be a non-empty list of form names, got {ops!r}")
    unknown = [name for name in ops if name not in FORMS]
    if unknown:
        raise ValueError(
            f"expressions: unknown operation {unknown[0]!r:.40} (known: {', '.join(FORMS)})"
        )
    return [FORMS[name] for name in ops]


@st.composite
def _expressions(
    draw: st.DrawFn, forms: list[Form], max_leaves: int, max_steps: int, shared: bool
) -> Expression:
    inputs = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=max_leaves))
    data = list(inputs)
    unused = set(range(len(data)))
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        form = draw(st.sampled_from(forms))
        pool = sorted(unused) if not shared else list(range(len(data)))
        if len(pool) < form.n_values:
            break
        picks: list[int] = []
        for _ in range(form.n_values):
            choice = draw(st.sampled_from(pool))
            picks.append(choice)
            if not shared:
                pool.remove(choice)
        constants = [draw(_arg(a)) for a in form.domain.args[form.n_values :]]
        args = [*(data[i] for i in picks), *constants]
        value = evaluate_form(form, args) if form.domain.contains(*args) else None
        if value is None or abs(value) > LARGEST:
            continue  # outside the form's domain here: no node (shrinks cleanly)
        steps.append(Step(form.name, tuple(picks), tuple(constants)))
        unused.difference_update(picks)
        unused.add(len(data))
        data.append(value)
    if not steps:
        outputs = [0]
    elif shared:
        last = len(data) - 1
        others = draw(st.lists(st.integers(0, last), max_size=2))
        outputs = [last, *others]
    else:
        outputs = sorted(unused)
    return Expression(tuple(inputs), tuple(steps), tuple(outputs))


def expressions(
    ops: Sequence[str] | None = None,
    *,
    max_leaves: int = 3,
    max_steps: int = 6,
    shared: bool = True,
) -> st.SearchStrategy[Expression]:
    """Random expressions over the forms ``ops`` (names in :data:`~autograd_mini.testing.
    forms.FORMS`; all of them by default), with 1 to ``max_leaves`` inputs in [−2, 2].

    Each step applies a form to earlier nodes (and its constants). With ``shared=True`` any
    earlier node may be picked again, and the output is the last node plus up to two
    earlier ones, so nodes feed several others and gradients must accumulate. With
    ``shared=False`` each node is used at most once (a tree) and the output sums the nodes
    nothing used. A step whose arguments fall outside its form's domain is left out.
    """
    for name, n in (("max_leaves", max_leaves), ("max_steps", max_steps)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"expressions: {name} must be an int >= 1, got {n!r}")
    return _expressions(_forms(ops), max_leaves, max_steps, bool(shared))


@dataclass(frozen=True)
class Network:
    """A small MLP: ``sizes`` (inputs, hidden widths…, 1 output), the hidden activation,
    every weight and bias (layer by layer, neuron by neuron, weights then bias: the order
    of ``nn.MLP.parameters()``) and one input.

    ``net(*params)`` computes its output from the given parameters (Values of any
    micrograd-style class, or autograd-mini's) at ``net.inputs``, so
    ``check_grads(net, net.weights)`` checks the gradient with respect to every weight;
    ``net.model()`` is the same network as an :class:`autograd_mini.nn.MLP`.
    """

    sizes: tuple[int, ...]
    activation: str
    weights: tuple[float, ...]
    inputs: tuple[float, ...]

    def __call__(self, *params: Any) -> Any:
        if len(params) != len(self.weights):
            raise ValueError(f"Network: takes {len(self.weights)} parameters, got {len(params)}")
        h: list[Any] = list(self.inputs)
        k = 0
        last = len(self.sizes) - 2
        for layer, width in enumerate(self.sizes[1:]):
            out = []
            for _ in range(width):
                ws, b = params[k : k + len(h)], params[k + len(h)]
                k += len(h) + 1
                u = b
                for w, x in zip(ws, h, strict=True):
                    u = u + w * x
                out.append(u if layer == last else getattr(u, self.activation)())
            h = out
        return h[0]

    def model(self) -> nn.MLP:
        """The same network as an ``nn.MLP`` (linear output), with these weights."""
        mlp = nn.MLP(self.sizes[0], list(self.sizes[1:]), activation=self.activation, seed=0)
        for p, w in zip(mlp.parameters(), self.weights, strict=True):
            p.data = w
        return mlp


def _n_params(sizes: Sequence[int]) -> int:
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


@st.composite
def _networks(
    draw: st.DrawFn, max_inputs: int, max_hidden: int, max_width: int, activations: list[str]
) -> Network:
    n_in = draw(st.integers(1, max_inputs))
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_hidden))
    sizes = (n_in, *hidden, 1)
    activation = draw(st.sampled_from(activations))
    weight = st.floats(-1.5, 1.5, allow_nan=False)
    weights = draw(st.lists(weight, min_size=_n_params(sizes), max_size=_n_params(sizes)))
    inputs = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=n_in, max_size=n_in))
    return Network(sizes, activation, tuple(weights), tuple(inputs))


def networks(
    *,
    max_inputs: int = 3,
    max_hidden: int = 2,
    max_width: int = 3,
    activations: Sequence[str] = ("tanh", "sigmoid"),
) -> st.SearchStrategy[Network]:
    """Small MLPs (1 to ``max_hidden`` hidden layers of 1 to ``max_width`` neurons, one
    linear output), weights in [−1.5, 1.5] and an input in [−2, 2]ⁿ, as :class:`Network`.

    The default activations are smooth; add ``"relu"`` to test kinked networks (finite
    differences then fail where a pre-activation is within a step of 0).
    """
    known = [a for a in nn.ACTIVATIONS if nn.ACTIVATIONS[a] is not None]
    bad = [a for a in activations if a not in known]
    if bad or not activations:
        raise ValueError(
            f"networks: unknown activation {bad[:1]!r:.40} (known: {', '.join(known)})"
        )
    return _networks(max_inputs, max_hidden, max_width, list(activations))
