"""One equation per node, in the chapter's words: how backward() gets each node's grad.

* a hidden neuron's u: ``δ₁₁ = f′(u₁₁) · w₁ · δ_y = 1 × 3 × 26 = 78`` (the chapter's
  recursion δ_j = f′(u_j) Σ_k w_jk δ_k);
* an output neuron's u: ``δ_y = ∂L/∂y = ∂(20 − y)/∂y · ∂L/∂(20 − y) = (-1) × (-26) = 26``;
* a weight or bias: ``∂L/∂w₂ = x₁ · δ₁₁ = 2 × 78 = 156``, ``∂L/∂b = δ₁₁ = 78``;
* any other node: ``∂L/∂n = Σ ∂c/∂n · ∂L/∂c`` over the nodes c reading it.

The numbers are the op table's local derivatives and one backward pass's grads; an
equation is only written when its numbers add up to the node's grad.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from autograd_mini.engine import Value
from autograd_mini.viz._analysis import ACTIVATIONS, GraphInfo, natural_key, op_text
from autograd_mini.viz._text import num, product

__all__ = ["Equation", "delta_name", "node_equation"]

#: Past this many readers a node's sum is written as "Σ over n readers".
MAX_TERMS = 3


class Equation(NamedTuple):
    """``lhs = symbolic = numeric = value``; ``numeric`` is "" when there is nothing to
    multiply (the root, or a grad that is one number)."""

    lhs: str
    symbolic: str
    numeric: str
    value: float
    note: str = ""

    def one_line(self) -> str:
        parts = [self.lhs, self.symbolic, self.numeric, num(self.value)]
        text = " = ".join(p for p in parts if p)
        return f"{text}  ({self.note})" if self.note else text

    def lines(self, width: int = 26) -> list[str]:
        """The equation in short lines for a node's box: ``lhs = symbolic`` (a sum wrapped
        at its + signs) and ``= numeric = value``."""
        if not self.symbolic:
            return [f"{self.lhs} = {num(self.value)}"]
        return _wrap(f"{self.lhs} = {self.symbolic}", width) + _wrap(
            " = ".join(["", *(p for p in (self.numeric, num(self.value)) if p)]).strip(), width
        )


def _wrap(text: str, width: int) -> list[str]:
    """``text`` broken before a " + " or " = " outside parentheses where it is longer than
    ``width`` (a name like ``(a × b) + c`` is never split)."""
    words: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith((" + ", " = "), i) and i > start:
            words.append(text[start:i])
            start = i + 1
    words.append(text[start:])
    lines = [words[0]]
    for w in words[1:]:
        if len(lines[-1]) + 1 + len(w) <= width:
            lines[-1] += " " + w
        else:
            lines.append(w)
    return lines


def delta_name(info: GraphInfo, u: Value) -> str:
    """δ with the neuron's index: u₁₁ → δ₁₁, u → δ, y → δ_y."""
    name = info.name(u)
    if name == "u":
        return "δ"
    if name.startswith("u") and name[1:] and all("₀" <= c <= "₉" for c in name[1:]):
        return "δ" + name[1:]
    return f"δ_{info.factor_name(u)}"


def _sums_to(total: float, expected: float) -> bool:
    if math.isnan(expected):
        return math.isnan(total)
    return math.isclose(total, expected, rel_tol=1e-9, abs_tol=1e-12)


def _readers(info: GraphInfo, node: Value) -> list[tuple[Value, float]]:
    """The nodes reading ``node`` with ∂c/∂node (repeated arguments summed), in order."""
    local: dict[Value, float] = {}
    for c, pos in sorted(info.consumers[node], key=lambda cp: natural_key(info.name(cp[0]))):
        local[c] = local.get(c, 0.0) + info.locals[c][pos]
    return list(local.items())


def _neuron_inputs(
    info: GraphInfo, node: Value, grad: Callable[[Value], float]
) -> tuple[str, str, float] | None:
    """Σ_k w_k · δ_k when ``node`` is read only as an input of neurons' u (linear nodes):
    (``w₁ · δ₁ + w₂ · δ₂``, ``3 × 26 + 2 × 10``, total); None otherwise."""
    terms: list[tuple[str, float, str, float]] = []  # (w name, w, δ name, δ)
    for c, pos in sorted(info.consumers[node], key=lambda cp: natural_key(info.name(cp[0]))):
        if c.op != "linear" or not info.is_preactivation(c):
            return None
        n = len(c.args) // 2
        if not n <= pos < 2 * n:
            return None
        w = c.args[pos - n]
        w_name = info.name(w) if isinstance(w, Value) else num(float(w))
        terms.append((w_name, info.locals[c][pos], delta_name(info, c), grad(c)))
    if not terms or len(terms) > MAX_TERMS:
        return None
    sym = " + ".join(f"{wn} · {dn}" for wn, _, dn, _ in terms)
    nums = " + ".join(product([w, d]) for _, w, _, d in terms)
    return sym, nums, math.fsum(w * d for _, w, _, d in terms)


def _hidden_delta(info: GraphInfo, u: Value, grad: Callable[[Value], float]) -> Equation | None:
    """δ_j = f′(u_j) · Σ_k w_jk · δ_k for a u read only by its activation h, and h read only
    as an input of neurons' u."""
    readers = info.consumers[u]
    if len(readers) != 1 or readers[0][0].op not in ACTIVATIONS:
        return None
    h = readers[0][0]
    fprime = info.locals[h][0]
    inputs = _neuron_inputs(info, h, grad)
    if inputs is None:
        return None
    sym, nums, s = inputs
    total = fprime * s
    if not _sums_to(total, grad(u)):
        return None
    f = f"f′({info.name(u)})"
    if " + " in sym:
        sym, nums = f"({sym})", f"({nums})"
    return Equation(delta_name(info, u), f"{f} · {sym}", f"{product([fprime])} × {nums}", total)


def _input(info: GraphInfo, node: Value, grad: Callable[[Value], float]) -> Equation | None:
    """∂L/∂x = Σ w · δ for a node read only as an input of neurons (x₁, h₁₁)."""
    inputs = _neuron_inputs(info, node, grad)
    if inputs is None or not _sums_to(inputs[2], grad(node)):
        return None
    return Equation(info.d(info.root, node), inputs[0], inputs[1], inputs[2])


def _weight(info: GraphInfo, leaf: Value, grad: Callable[[Value], float]) -> Equation | None:
    """∂L/∂w = h · δ (a weight of a neuron) or ∂L/∂b = δ (its bias), one use only."""
    readers = info.consumers[leaf]
    if len(readers) != 1:
        return None
    c, pos = readers[0]
    lhs = info.d(info.root, leaf)
    if c.op == "linear" and info.is_preactivation(c):
        n = len(c.args) // 2
        if pos == len(c.args) - 1 and len(c.args) % 2 == 1:
            return (
                Equation(lhs, delta_name(info, c), "", grad(c))
                if _sums_to(grad(c), grad(leaf))
                else None
            )
        if pos >= n:
            return None
        h = c.args[pos + n]
        h_name = info.name(h) if isinstance(h, Value) else num(float(h))
        local = info.locals[c][pos]
    elif c.op == "mul" and info.feeds_delta(c):
        others = [a for i, a in enumerate(c.args) if i != pos]
        h_name = info.name(others[0]) if isinstance(others[0], Value) else num(float(others[0]))
        local = info.locals[c][pos]
        u = c
        while not info.is_preactivation(u):
            u = info.consumers[u][0][0]
        if not _sums_to(local * grad(u), grad(leaf)):
            return None
        return Equation(
            lhs, f"{h_name} · {delta_name(info, u)}", product([local, grad(u)]), grad(leaf)
        )
    else:
        return None
    if not _sums_to(local * grad(c), grad(leaf)):
        return None
    return Equation(lhs, f"{h_name} · {delta_name(info, c)}", product([local, grad(c)]), grad(leaf))


def _chain(info: GraphInfo, node: Value, grad: Callable[[Value], float], lhs: str) -> Equation:
    """∂L/∂n = Σ ∂c/∂n · ∂L/∂c over the readers c (∂L/∂L = 1 is left out)."""
    readers = _readers(info, node)
    root = info.root
    total = math.fsum(p * (1.0 if c is root else grad(c)) for c, p in readers)
    if not readers:
        return Equation(lhs, "", "", 0.0)
    if len(readers) > MAX_TERMS:
        return Equation(
            lhs, f"Σ over {len(readers)} readers ∂c/∂{info.factor_name(node)} · ∂L/∂c", "", total
        )
    syms, nums = [], []
    for c, p in readers:
        if c is root:
            syms.append(info.d(c, node))
            nums.append(product([p]))
        else:
            syms.append(f"{info.d(c, node)} · {info.d(root, c)}")
            nums.append(product([p, grad(c)]))
    if len(readers) == 1 and readers[0][0] is root:
        # ∂L/∂n is the root's own local derivative: one number from the op table.
        op = root.operation
        rule = op.formula.rsplit(": ", 1)[-1].split(",")[0].split(" (")[0] if op else ""
        note = f"the local derivative of {op_text(root)}: {rule}" if op is not None else ""
        return Equation(lhs, "", "", total, note)
    return Equation(lhs, " + ".join(syms), " + ".join(nums), total)


def node_equation(info: GraphInfo, node: Value, grad: Callable[[Value], float]) -> Equation:
    """The equation backward() applies at ``node`` (see the module's docstring)."""
    root = info.root
    if node is root:
        return Equation(info.d(root, root), "", "", 1.0)
    if info.is_preactivation(node):
        hidden = _hidden_delta(info, node, grad)
        if hidden is not None:
            return hidden
        lhs = f"{delta_name(info, node)} = {info.d(root, node)}"
        return _chain(info, node, grad, lhs)
    if node.operation is None and info.is_weight_like(node):
        weight = _weight(info, node, grad)
        if weight is not None:
            return weight
    return _input(info, node, grad) or _chain(info, node, grad, info.d(root, node))
