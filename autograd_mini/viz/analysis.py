"""What the drawings need to know about a graph: order, consumers, names, δ nodes, weights.

Every local derivative comes from :func:`autograd_mini.engine.local_grads` (the op table);
nothing here knows any operation's math.

"Computed" rule: a graph counts as backpropagated from ``root`` when ``root.grad == 1``
(``root.backward()`` sets it; nothing else does). Before that, grads are "not yet
computed": a grad of exactly 0.0 is drawn as "—", never as 0 (a nonzero grad left by an
earlier ``backward()`` of another graph is still shown, since it is real).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from autograd_mini.activations import activation_ops
from autograd_mini.engine import Value, adjoints, local_grads, topological_order
from autograd_mini.viz.labels import dot_escape, num, pretty, pretty_html, product, subscript

__all__ = [
    "DISPLAY",
    "Equation",
    "GraphInfo",
    "GraphTooLargeError",
    "Term",
    "analyze",
    "arg_role",
    "count_nodes",
    "delta_name",
    "expression_name",
    "grad_value",
    "is_activation",
    "is_computed",
    "natural_key",
    "node_equation",
    "op_text",
    "parameter_role",
    "weight_equation",
]


def is_activation(op: str) -> bool:
    """Whether ``op`` is a neuron's activation h = f(u) in the activation registry (so the
    value it reads is a pre-activation u); read live, so registered activations count."""
    return op in activation_ops()


class GraphTooLargeError(ValueError):
    """The graph has more nodes than a drawing can lay out in reasonable time."""


def parameter_role(value: Value) -> Any:
    """``autograd_mini.nn.parameter_role(value)`` when nn provides it, else None."""
    try:
        from autograd_mini import nn
    except ImportError:
        return None
    role_of = getattr(nn, "parameter_role", None)
    return role_of(value) if role_of is not None else None


def grad_value(node: Value) -> float:
    """``node.grad`` as a float (it is a Value after ``backward(create_graph=True)``)."""
    g = node.grad
    return float(g.data) if isinstance(g, Value) else float(g)


def is_computed(root: Value) -> bool:
    """Whether ``root.backward()`` has run: it is the only thing that sets root.grad = 1."""
    return grad_value(root) == 1.0


def safe_local_grads(node: Value) -> tuple[float, ...]:
    """The op table's local derivatives; nan where one is undefined (e.g. d√x at 0)."""
    try:
        return local_grads(node)
    except ArithmeticError:
        return tuple(math.nan for _ in node.args)


def _label_base(node: Value) -> str:
    return node.label.split("_", 1)[0].strip().lower()


@dataclass
class GraphInfo:
    """One graph, analysed once: nodes in topological order (root last), who reads each
    node and at which argument position, display names, and the nn roles of its leaves."""

    root: Value
    order: list[Value]
    index: dict[Value, int]
    consumers: dict[Value, list[tuple[Value, int]]]
    locals: dict[Value, tuple[float, ...]]
    names: dict[Value, str] = field(default_factory=dict)
    html_names: dict[Value, str] = field(default_factory=dict)
    roles: dict[Value, Any] = field(default_factory=dict)
    #: Pictures set this: a root whose name is longer than a short expression (``autograd-mini
    #: graph`` labels it with the whole expression) is written ``f`` in the equations.
    short_root: bool = False

    def name(self, node: Value) -> str:
        return self.names[node]

    @property
    def root_symbol(self) -> str:
        """The root's name in equations: its own, or ``f`` when :attr:`short_root` is set
        and the name is longer than a short expression."""
        name = self.names[self.root]
        return "f" if self.short_root and len(name) > _MAX_NAME else name

    def d(self, top: Value, bottom: Value) -> str:
        """``∂top/∂bottom`` with the names; an expression name goes in parentheses."""
        return f"∂{self.factor_name(top)}/∂{self.factor_name(bottom)}"

    def factor_name(self, node: Value) -> str:
        name = self.root_symbol if node is self.root else self.names[node]
        return f"({name})" if " " in name else name

    @property
    def backward_order(self) -> list[Value]:
        """The backward pass in the chapter's order: root first, then layer by layer (by
        the longest path up to the root: the output layer, then each hidden layer), and in
        a layer the weights first, then the other nodes, each by name (x₁ x₂ x₃, u₁₁ u₁₂).
        Every node comes after all the nodes reading it, so its grad is complete when it is
        visited, as in ``backward()``."""
        depth = {self.root: 0}
        for node in reversed(self.order):
            d = depth.setdefault(node, 0) + 1
            for p in node.parents:
                if depth.get(p, -1) < d:
                    depth[p] = d

        def key(n: Value) -> tuple[int, int, tuple[Any, ...], int]:
            kind = 1 if n.operation is not None else (0 if self.is_weight_like(n) else 2)
            return (depth[n], kind, natural_key(self.names[n]), -self.index[n])

        return sorted(self.order, key=key)

    @property
    def forward_ranks(self) -> dict[Value, int]:
        """Each node's longest path up from a leaf (leaves 0)."""
        rank: dict[Value, int] = {}
        for n in self.order:
            rank[n] = 1 + max((rank[p] for p in n.parents), default=-1)
        return rank

    def is_preactivation(self, node: Value) -> bool:
        """Whether ``node`` is a neuron's u (so its grad is the chapter's δ = ∂L/∂u): a
        ``linear`` node, or in expanded form a sum labelled ``u…`` (or ``y…``: an output
        without activation) or one that adds an nn bias. A plain sum is never guessed to
        be a neuron (``tanh(a*b + c)`` has no weights and no δ)."""
        op = node.op
        if op == "linear":
            return True
        if op not in ("add", "sum"):
            return False
        consumers = self.consumers[node]
        if _label_base(node) in ("u", "y"):  # y = u for an output without activation
            return True
        # The sum that adds an nn bias, unless another sum continues it.
        has_bias = any(_kind(self.roles.get(a)) == "b" for a in node.parents)
        return has_bias and not any(c.op in ("add", "sum") for c, _ in consumers)

    def feeds_delta(self, node: Value) -> bool:
        """Whether ∂L/∂node is a neuron's δ: node is a u, or reaches one through single-use
        sums with local derivative 1 (the partial sums of an expanded neuron)."""
        while not self.is_preactivation(node):
            if len(self.consumers[node]) != 1:
                return False
            parent, pos = self.consumers[node][0]
            if parent.op not in ("add", "sum", "linear") or self.locals[parent][pos] != 1.0:
                return False
            node = parent
        return True

    def is_weight_like(self, node: Value) -> bool:
        """Leaves whose gradient gets an equation: nn weights and biases, any leaf in a
        weight or bias slot of a ``linear`` node, and leaves labelled ``w…``/``b…``."""
        if node.operation is not None:
            return False
        if _kind(self.roles.get(node)) in ("w", "b"):
            return True
        consumers = self.consumers[node]
        if _label_base(node) in ("w", "b"):
            return any(self.feeds_delta(c) for c, _ in consumers)
        return any(c.op == "linear" and pos < len(c.args) // 2 for c, pos in consumers)

    def adjoints(self) -> dict[Value, float]:
        """∂root/∂node for every node, for ONE backward pass, from the op table's local
        derivatives: what ``root.backward()`` gives (leaves' ``.grad`` also adds earlier
        passes)."""
        found = adjoints(self.root, order=self.order, local=self.locals.__getitem__)
        return {node: found.get(node, 0.0) for node in self.order}


_SUB_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key reading subscript numbers as numbers: x₂ before x₁₀, w₁ before w₈."""
    parts = re.split(r"(\d+)", name.translate(_SUB_DIGITS))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def _kind(role: Any) -> str | None:
    return getattr(role, "kind", None)


def layout_bends(order: list[Value]) -> int:
    """About how many bend points dot must route to lay out ``order`` (root last): edges
    that skip ranks, with each value at rank 2 + its parents' highest (its op node one rank
    before it), or each pulled as close to its first reader as it can go, whichever skips
    fewer. dot's time grows faster than linearly in this number (a value read at every
    depth, like ``a`` in a*a*…*a with 60 factors, gives ~3,400 and takes 20 s)."""
    early: dict[Value, int] = {}
    for n in order:
        early[n] = 2 + max((early[p] for p in n.parents), default=-2)
    late = {order[-1]: early[order[-1]]}
    for n in reversed(order):
        for p in n.parents:
            late[p] = min(late.get(p, late[n]), late[n] - 2)

    def skipped(rank: dict[Value, int]) -> int:
        return sum(max(0, rank[n] - rank[p] - 2) for n in order for p in n.parents)

    return min(skipped(early), skipped(late))


def analyze(
    root: Value, *, max_nodes: int | None = None, what: str = "draw_graph", layout: bool = False
) -> GraphInfo:
    """Analyse the graph below ``root``; GraphTooLargeError past ``max_nodes`` nodes or, with
    ``layout``, when dot would need more than 2 × ``max_nodes`` edges or 1.5 × ``max_nodes``
    bends (see :func:`layout_bends`)."""
    if not isinstance(root, Value):
        raise TypeError(f"{what}: expected a Value to draw, got {type(root).__name__}: {root!r}")
    size = count_nodes(root, 10 * max_nodes) if max_nodes is not None else 0
    if max_nodes is not None and size > max_nodes:
        # Refused without walking the whole graph: counted up to 10 × max_nodes at most.
        many = f"{size:,}" if size <= 10 * max_nodes else f"more than {10 * max_nodes:,}"
        # The size that draws it, as a plain number (the CLI turns max_nodes= into its option).
        anyway = (
            f"max_nodes={size}" if size <= 10 * max_nodes else f"max_nodes above {10 * max_nodes}"
        )
        raise GraphTooLargeError(
            f"{what}: the graph has {many} nodes, more than max_nodes={max_nodes:,} "
            "(Graphviz needs minutes for 100,000 nodes and the picture would be unreadable). "
            "Draw a part of it: one neuron (draw_graph(neuron.u) after a forward call), the "
            "loss of one sample (draw_graph(loss(model(xs[0]), ys[0]))), or a small model; "
            f"or pass {anyway} to draw it anyway."
        )
    order = topological_order(root)
    if layout and max_nodes is not None:
        _check_layout(order, max_nodes, what)
    index = {n: i for i, n in enumerate(order)}
    consumers: dict[Value, list[tuple[Value, int]]] = {n: [] for n in order}
    locals_: dict[Value, tuple[float, ...]] = {}
    for n in order:
        locals_[n] = safe_local_grads(n)
        for pos, a in enumerate(n.args):
            if isinstance(a, Value):
                consumers[a].append((n, pos))
    info = GraphInfo(root, order, index, consumers, locals_)
    for n in order:
        if n.operation is None:
            role = parameter_role(n)
            if role is not None:
                info.roles[n] = role
        if n.label:
            info.names[n] = pretty(n.label)
            info.html_names[n] = pretty_html(n.label)
        else:
            fallback = "f" if n is root else "v" + (subscript(str(index[n] + 1)) or "")
            auto = expression_name(n, info.names) or fallback
            info.names[n] = auto
            info.html_names[n] = f"<I>{dot_escape(auto)}</I>"
    return info


#: How the drawings write the op table's ASCII symbols.
DISPLAY = {"*": "×", "-": "−", "**": "^"}
_SUP_DIGITS = dict(zip("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻", strict=True))
#: An unlabelled node is named by its expression while that stays this short.
_MAX_NAME = 14


def op_text(node: Value) -> str:
    """The op node's text: the op table's symbol, with any plain-number constants among the
    arguments (``20 −``, ``^ 2``, ``Σwh+b (b = 0)``)."""
    op = node.operation
    if op is None:
        return ""
    sym = DISPLAY.get(op.symbol, op.symbol)
    consts = [(pos, a) for pos, a in enumerate(node.args) if not isinstance(a, Value)]
    if not consts:
        return sym
    if len(node.args) == 2 and len(consts) == 1:
        pos, c = consts[0]
        return f"{num(float(c))} {sym}" if pos == 0 else f"{sym} {num(float(c))}"
    return f"{sym} (" + ", ".join(f"{arg_role(node, p)} = {num(float(c))}" for p, c in consts) + ")"


def arg_role(node: Value, pos: int) -> str:
    """A name for argument ``pos`` of ``node``: w₁, h₁, b for ``linear`` (its argument layout
    is weights, inputs, bias), else x₁, x₂, …."""
    n = len(node.args) // 2
    if node.op == "linear":
        if pos == len(node.args) - 1:
            return "b"
        kind, i = ("w", pos) if pos < n else ("h", pos - n)
        return kind + (subscript(str(i + 1)) or "")
    return "x" + (subscript(str(pos + 1)) or "")


def expression_name(node: Value, names: dict[Value, str]) -> str | None:
    """A short name for an unlabelled node from its expression, as the chapter writes it:
    ``20 − y``, ``a × b``, ``relu(u₁)``, when its arguments are labelled or leaves (so names
    never nest: an unlabelled node reading another is ``v₅``, an unlabelled root ``f``).
    None when there is no such name or it would be long."""
    op = node.operation
    if op is None:
        return None
    args = node.args
    parts: list[str] = []
    for a in args:
        if isinstance(a, Value):
            text = names.get(a)
            if text is None or (not a.label and a.operation is not None):
                return None
            parts.append(f"({text})" if " " in text else text)
        else:
            parts.append(num(float(a)))
    sym = DISPLAY.get(op.symbol, op.symbol)
    if op.name == "pow" and not isinstance(args[1], Value):
        exponent = num(float(args[1]))
        sup = "".join(_SUP_DIGITS.get(c, "") for c in exponent)
        name = parts[0] + (sup if len(sup) == len(exponent) else f"^{exponent}")
    elif len(args) == 2 and len(sym) <= 2:
        name = f"{parts[0]} {sym} {parts[1]}"
    elif len(args) == 1:
        name = f"−{parts[0]}" if sym == "−" else f"{sym}({parts[0]})"
    else:
        return None
    return name if len(name) <= _MAX_NAME else None


def count_nodes(root: Value, limit: int) -> int:
    """The number of nodes below ``root``, counting at most ``limit + 1`` (so refusing a
    huge graph costs as little as the limit, never a walk of the whole graph)."""
    seen = {root}
    stack = [root]
    while stack and len(seen) <= limit:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


def _check_layout(order: list[Value], max_nodes: int, what: str) -> None:
    edges = sum(len(n.parents) for n in order)
    if edges > 2 * max_nodes:
        raise GraphTooLargeError(
            f"{what}: the graph has {edges:,} edges, more than 2 × max_nodes = "
            f"{2 * max_nodes:,} (dense layers, each node reading many others): Graphviz "
            "would take minutes to order them. Draw a part of it, or pass "
            f"max_nodes={math.ceil(edges / 2)} to draw it anyway."
        )
    bends = layout_bends(order)
    if bends > 1.5 * max_nodes:
        raise GraphTooLargeError(
            f"{what}: laying this graph out needs about {bends:,} bends, more than "
            f"1.5 × max_nodes = {1.5 * max_nodes:,.0f}: some value is read at many depths "
            "(like a in a*a*…*a), and Graphviz would take minutes. Draw a part of it, or "
            f"pass max_nodes={math.ceil(bends / 1.5)} to draw it anyway."
        )


class Term(NamedTuple):
    """One term local · upstream of a leaf's gradient: ``local`` = ∂c/∂w read from the op
    table, ``upstream`` = ∂L/∂c, and ``kind`` "h·δ" (a weight feeding a neuron's u), "δ" (a
    bias) or "" when ∂L/∂c is not a neuron's δ."""

    local: float
    upstream: float
    kind: str


def _term_kind(info: GraphInfo, c: Value, pos: int) -> str:
    if c.op == "linear":
        return "δ" if pos == len(c.args) - 1 else ("h·δ" if pos < len(c.args) // 2 else "")
    if c.op in ("add", "sum") and info.feeds_delta(c):  # expanded form: the bias
        return "δ"
    if c.op == "mul" and info.feeds_delta(c):  # expanded form: w·h inside u
        return "h·δ"
    return ""


def weight_equation(
    info: GraphInfo, leaf: Value, grad: Callable[[Value], float], *, max_terms: int = 3
) -> str | None:
    """``∂L/∂w = h·δ = 11 × 26 = 286`` for a weight-like leaf, from the op table's local
    derivatives and its consumers' grads; None when it would not equal ``grad(leaf)`` (e.g.
    a leaf that accumulated several backward passes) or the leaf has no consumers."""
    terms = [
        Term(info.locals[c][pos], grad(c), _term_kind(info, c, pos))
        for c, pos in info.consumers[leaf]
    ]
    if not terms:
        return None
    total = math.fsum(t.local * t.upstream for t in terms)
    if not math.isclose(total, grad(leaf), rel_tol=1e-9, abs_tol=1e-12):
        return None
    lhs = f"∂{info.factor_name(info.root)}/∂{info.name(leaf)}"
    if len(terms) > max_terms:
        return f"{lhs} = Σ over {len(terms)} uses = {num(total)}"
    kinds = {t.kind for t in terms}
    if kinds == {"δ"} and len(terms) == 1:
        return f"{lhs} = δ = {num(total)}"
    rule = ""
    if len(kinds) == 1 and "" not in kinds:
        rule = ("" if len(terms) == 1 else "Σ ") + terms[0].kind + " = "
    body = " + ".join(product([t.local, t.upstream]) for t in terms)
    return f"{lhs} = {rule}{body} = {num(total)}"


# -- one equation per node --------------------------------------------------------------------
# One equation per node, in the chapter's words: how backward() gets each node's grad.
#
# * a hidden neuron's u: ``δ₁₁ = f′(u₁₁) · w₁ · δ_y = 1 × 3 × 26 = 78`` (the chapter's
#   recursion δ_j = f′(u_j) Σ_k w_jk δ_k);
# * an output neuron's u: ``δ_y = ∂L/∂y = ∂(20 − y)/∂y · ∂L/∂(20 − y) = (-1) × (-26) = 26``;
# * a weight or bias: ``∂L/∂w₂ = x₁ · δ₁₁ = 2 × 78 = 156``, ``∂L/∂b = δ₁₁ = 78``;
# * any other node: ``∂L/∂n = Σ ∂c/∂n · ∂L/∂c`` over the nodes c reading it.
#
# The numbers are the op table's local derivatives and one backward pass's grads; an
# equation is only written when its numbers add up to the node's grad.

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
    if len(readers) != 1 or not is_activation(readers[0][0].op):
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
        top = info.factor_name(root)
        return Equation(
            lhs,
            f"Σ over {len(readers)} readers ∂c/∂{info.factor_name(node)} · ∂{top}/∂c",
            "",
            total,
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
