"""Text for the drawings: the chapter's notation for labels, numbers, and safe escaping.

Labels are user text. Everything that reaches DOT, SVG or HTML goes through
:func:`clean` (control characters and lone surrogates removed) and then :func:`html_escape`;
nothing user-written is ever placed in a DOT attribute outside an HTML-like label.
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = [
    "MARK",
    "clean",
    "dot_escape",
    "html_escape",
    "num",
    "pretty",
    "pretty_html",
    "product",
    "subscript",
]

#: An invisible mark the stepper page puts in front of the texts it fills in step by step
#: (it is removed from user labels, so no label can be mistaken for one of them).
MARK = "\u200b"

_SUB = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SUP = dict(zip("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ", strict=True))
_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "omega": "ω",
}
# base, then optionally _sub and ^sup; sub/sup either {braced} or a plain run of characters.
_NOTATION = re.compile(
    r"^(?P<base>[^_^{}\s]+)"
    r"(?:_(?P<sub>\{[^{}]+\}|[A-Za-z0-9,+\-]+))?"
    r"(?:\^(?P<sup>\{[^{}]+\}|\([A-Za-z0-9+\-]+\)|[A-Za-z0-9+\-]+))?$"
)


def clean(text: object) -> str:
    """``text`` as a printable one-line string: control characters become spaces, lone
    surrogates become "?", the stepper's invisible :data:`MARK` and the characters XML
    forbids (U+FFFE, U+FFFF, …) are removed."""
    s = str(text)
    s = s.encode("utf-8", "replace").decode("utf-8")
    s = s.replace("\r\n", " ").replace(MARK, "")
    return "".join(
        " " if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c
        for c in s
        if not _noncharacter(c)
    )


def _noncharacter(c: str) -> bool:
    """Unicode noncharacters (U+FFFE, U+FFFF and the like in every plane, U+FDD0–U+FDEF):
    not allowed in XML, so Graphviz and browsers reject an SVG holding one."""
    code = ord(c)
    return (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF


def html_escape(text: str) -> str:
    """Escape for HTML, XML and Graphviz HTML-like labels (& < > " ')."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def dot_escape(text: str) -> str:
    """Escape for a Graphviz HTML-like label: :func:`html_escape`, and backslashes doubled
    (Graphviz expands ``\\N``, ``\\G``, … even there, after decoding entities)."""
    return html_escape(text).replace("\\", "\\\\")


def _unbrace(s: str) -> str:
    return s[1:-1] if s.startswith("{") and s.endswith("}") else s


def subscript(s: str) -> str | None:
    """``s`` in Unicode subscript characters, or None when one of them has none."""
    out = [_SUB.get(c, "," if c == "," else None) for c in s]
    return None if any(c is None for c in out) else "".join(c for c in out if c)


def _superscript(s: str) -> str | None:
    out = [_SUP.get(c) for c in s]
    return None if any(c is None for c in out) else "".join(c for c in out if c)


def pretty(label: str) -> str:
    """A label in the chapter's notation, as plain Unicode: ``w_11`` → ``w₁₁``,
    ``delta_l`` → ``δₗ``, ``w_1^(1)`` → ``w₁⁽¹⁾``. Other text is returned cleaned."""
    text = clean(label)
    m = _NOTATION.match(text)
    if m is None:
        return text
    base = _GREEK.get(m["base"], m["base"])
    out = base
    if m["sub"] is not None:
        sub = _unbrace(m["sub"])
        out += subscript(sub) or f"_{sub}"
    if m["sup"] is not None:
        sup = _unbrace(m["sup"])
        out += _superscript(sup) or f"^{sup}"
    return out


def pretty_html(label: str) -> str:
    """Like :func:`pretty`, escaped for an HTML-like label; subscripts Unicode has no
    characters for are written with ``<SUB>``/``<SUP>``."""
    text = clean(label)
    m = _NOTATION.match(text)
    if m is None:
        return dot_escape(text)
    out = dot_escape(_GREEK.get(m["base"], m["base"]))
    if m["sub"] is not None:
        sub = _unbrace(m["sub"])
        uni = subscript(sub)
        out += dot_escape(uni) if uni is not None else f"<SUB>{dot_escape(sub)}</SUB>"
    if m["sup"] is not None:
        sup = _unbrace(m["sup"])
        uni = _superscript(sup)
        out += dot_escape(uni) if uni is not None else f"<SUP>{dot_escape(sup)}</SUP>"
    return out


def num(x: float) -> str:
    """A number as the chapter writes it: ``286``, ``-11``, ``0.25``, ``1.234e-05``."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def _factor(x: float) -> str:
    s = num(x)
    return f"({s})" if s.startswith("-") else s


def product(factors: list[float]) -> str:
    """``2 × 3 × 26``; negative factors in parentheses: ``2 × (-1)``."""
    return " × ".join(_factor(f) for f in factors)
