"""The operations of a micrograd-style engine, and expressions built from them.

A micrograd-style ``Value`` class is used through Python syntax: ``x + y``, ``2.0 * x``,
``x ** 3``, ``x.tanh()``. Each :class:`Form` is one such piece of syntax, written once as
a function of generic objects, so the same form builds a node on autograd-mini's
:class:`~autograd_mini.engine.Value`, on micrograd's, or on a user's own class. Its
:class:`~autograd_mini.testing.domains.Domain` says where it is tested.

An :class:`Expression` is a small program of forms over some inputs, a DAG in which a node
may feed several others; :func:`autograd_mini.testing.strategies.expressions` draws them.
Nothing here imports hypothesis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_mini.engine import Value
from autograd_mini.ops import OPS
from autograd_mini.testing.domains import Domain, between, constant, domain_of

__all__ = ["FORMS", "Expression", "Form", "Step", "evaluate_form"]

#: The plain-number constants forms such as ``c + x`` draw from.
_CONSTANTS = constant(-2.0, -0.5, 0.5, 1.5, 3.0)


@dataclass(frozen=True)
class Form:
    """One operation written in Python syntax: ``build(*args)`` works on any Value class.

    ``template`` shows it with ``{x}``, ``{y}`` for the Values and ``{c}`` for a constant;
    ``domain`` lists its arguments in order (Values first, then any plain-number constant).
    """

    name: str
    template: str
    build: Callable[..., Any]
    domain: Domain

    @property
    def text(self) -> str:
        """The syntax with placeholder names: ``x + y``, ``c / x``, ``x.tanh()``."""
        return self.template.format(x="x", y="y", c="c")

    def show(self, names: Sequence[str], constants: Sequence[float] = ()) -> str:
        """The syntax with the given argument names and constants filled in."""
        fill = dict(zip(("x", "y"), names, strict=False))
        if constants:
            fill["c"] = repr(constants[0])
        return self.template.format(**fill)

    @property
    def n_values(self) -> int:
        """How many of the arguments are Values (the rest are plain numbers)."""
        return sum(not a.is_constant for a in self.domain.args)


def _domain(name: str) -> Domain:
    """The test domain of the op-table entry ``name``."""
    return domain_of(OPS[name])


_FORMS = [
    Form("add", "{x} + {y}", lambda x, y: x + y, _domain("add")),
    Form("sub", "{x} - {y}", lambda x, y: x - y, _domain("sub")),
    Form("mul", "{x} * {y}", lambda x, y: x * y, _domain("mul")),
    Form("div", "{x} / {y}", lambda x, y: x / y, _domain("div")),
    Form("neg", "-{x}", lambda x: -x, _domain("neg")),
    # c = 0 left out: d/dx x⁰ at x = 0 is a convention (autograd-mini says 0; 0 · 0⁻¹ fails)
    Form(
        "pow",
        "{x} ** {c}",
        lambda x, c: x**c,
        Domain(
            (between(-2, 2), constant(-2, -1, -0.5, 0.5, 1, 1.5, 2, 3)),
            where=_domain("powc").where,
            outside=_domain("powc").outside,
        ),
    ),
    Form("pow_value", "{x} ** {y}", lambda x, y: x**y, _domain("pow")),
    Form("radd", "{c} + {x}", lambda x, c: c + x, Domain((between(-3, 3), _CONSTANTS))),
    Form("rsub", "{c} - {x}", lambda x, c: c - x, Domain((between(-3, 3), _CONSTANTS))),
    Form("rmul", "{c} * {x}", lambda x, c: c * x, Domain((between(-3, 3), _CONSTANTS))),
    Form(
        "rdiv",
        "{c} / {x}",
        lambda x, c: c / x,
        Domain((between(-3, 3), _CONSTANTS), where=lambda x, c: abs(x) >= 0.2),
    ),
    Form(
        "rpow",
        "{c} ** {x}",
        lambda x, c: c**x,
        Domain((between(-2, 2), constant(0.5, 1.5, 2.0, 3.0))),
    ),
    Form("relu", "{x}.relu()", lambda x: x.relu(), _domain("relu")),
    Form("tanh", "{x}.tanh()", lambda x: x.tanh(), _domain("tanh")),
    Form("exp", "{x}.exp()", lambda x: x.exp(), _domain("exp")),
    Form("log", "{x}.log()", lambda x: x.log(), _domain("log")),
    Form("sigmoid", "{x}.sigmoid()", lambda x: x.sigmoid(), _domain("sigmoid")),
]

#: Every form by name, in the order check-engine reports them.
FORMS: dict[str, Form] = {form.name: form for form in _FORMS}


@dataclass(frozen=True)
class Step:
    """One node of an :class:`Expression`: a form applied to earlier nodes and constants."""

    form: str
    picks: tuple[int, ...]
    constants: tuple[float, ...] = ()


def _name(i: int, n_inputs: int) -> str:
    return f"x{i}" if i < n_inputs else f"v{i - n_inputs}"


@dataclass(frozen=True)
class Expression:
    """A random program: nodes are the inputs, then one node per step; the output sums
    the nodes listed in ``outputs`` (so an earlier node can reach it along several paths).

    ``expr(*values)`` builds it on Values of any micrograd-style class (or autograd-mini's)
    and returns the output node; ``expr.build(cls)`` makes the leaves ``cls(x)`` from
    ``inputs`` and returns ``(leaves, output)``. ``str(expr)`` shows the program.
    """

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]
    outputs: tuple[int, ...]

    def nodes(self, *xs: Any) -> list[Any]:
        """Every node built on ``xs``: the inputs, then one per step."""
        if len(xs) != len(self.inputs):
            raise ValueError(f"Expression: takes {len(self.inputs)} inputs, got {len(xs)}")
        nodes = list(xs)
        for step in self.steps:
            form = FORMS[step.form]
            nodes.append(form.build(*(nodes[i] for i in step.picks), *step.constants))
        return nodes

    def __call__(self, *xs: Any) -> Any:
        nodes = self.nodes(*xs)
        out = nodes[self.outputs[0]]
        for i in self.outputs[1:]:
            out = out + nodes[i]
        return out

    def build(self, value_class: Callable[[float], Any] = Value) -> tuple[list[Any], Any]:
        """Leaves ``value_class(x)`` for the inputs, and the output built on them."""
        leaves = [value_class(x) for x in self.inputs]
        return leaves, self(*leaves)

    @property
    def forms(self) -> tuple[str, ...]:
        """The forms the program uses, each once, in order of first use."""
        return tuple(dict.fromkeys(step.form for step in self.steps))

    def __str__(self) -> str:
        n = len(self.inputs)
        lines = []
        for k, step in enumerate(self.steps):
            names = [_name(i, n) for i in step.picks]
            lines.append(f"v{k} = {FORMS[step.form].show(names, step.constants)}")
        lines.append("out = " + " + ".join(_name(i, n) for i in self.outputs))
        inputs = ", ".join(f"x{i} = {x!r}" for i, x in enumerate(self.inputs))
        return f"{inputs}: " + "; ".join(lines)


def evaluate_form(form: Form, args: Sequence[float]) -> float | None:
    """The form's value on autograd-mini at plain numbers (Values first, then constants),
    or None where it is undefined or not finite."""
    values = [Value(x) for x in args[: form.n_values]]
    try:
        out = form.build(*values, *args[form.n_values :])
    except (ArithmeticError, ValueError):
        return None
    data = float(out.data)
    return data if math.isfinite(data) else None
