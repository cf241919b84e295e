"""A safe evaluator for scalar expressions such as ``"tanh(a*b + c)"``, built on Values.

The text is parsed with :mod:`ast` and checked node by node against a whitelist *before*
anything is evaluated; nothing is ever passed to ``eval`` or ``exec``. Allowed:

* numbers (int or float literals), the constants ``pi`` and ``e``;
* variable names given a value by the caller;
* ``+ - * / **`` and unary ``-``/``+``;
* calls of the whitelisted functions below with one positional argument.

Everything else — attribute access (``a.b``), subscripts, other calls, keywords, lambdas,
comprehensions, comparisons, strings, ... — raises :class:`ExpressionError` with one line
saying what is not allowed and where.

>>> out, variables = evaluate("tanh(a*b + c)", {"a": 1.0, "b": 2.0, "c": -1.0})
>>> round(out.data, 6)
0.761594
>>> out.backward()
>>> round(variables["a"].grad, 6), round(variables["c"].grad, 6)
(0.839949, 0.419974)
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Callable, Mapping

from autograd_mini.engine import Value
from autograd_mini.ops import FLOAT, OPS

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_LENGTH",
    "ExpressionError",
    "evaluate",
    "normalise_name",
    "parse",
]

#: The functions an expression may call: each applies one op of the op table (the table's
#: ops that ``Value`` has a method for; ``leaky_relu`` and ``elu`` with their default slope).
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    name: getattr(Value, name) for name, op in OPS.items() if op.method
}

#: Named constants an expression may use.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: The longest expression accepted (characters).
MAX_LENGTH = 2000

#: Each allowed binary operator and the op-table entry that computes it (``x ** c``: powc).
_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "powc",
}
_BINARY_NAMES = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

_DESCRIPTIONS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "starred arguments",
    ast.Await: "await",
}


class ExpressionError(ValueError):
    """The expression is not allowed or cannot be evaluated; the message is one line."""


def _where(node: ast.AST) -> str:
    col = getattr(node, "col_offset", None)
    return f" at column {col + 1}" if col is not None else ""


def _segment(text: str, node: ast.AST) -> str:
    piece = ast.get_source_segment(text, node) or type(node).__name__
    return piece if len(piece) <= 40 else piece[:37] + "..."


def parse(text: str, names: set[str] | frozenset[str] = frozenset()) -> ast.Expression:
    """Parse ``text`` and check every node against the whitelist (nothing is evaluated).

    ``names`` are the variables the caller will give values to, compared after NFKC
    normalisation as Python's parser reads identifiers (``ａ`` is ``a``). Raises
    :class:`ExpressionError` naming the first thing that is not allowed.
    """
    names = frozenset(normalise_name(n) for n in names)
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("expression: empty expression")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression: longer than {MAX_LENGTH} characters ({len(text)})")
    if "\n" in text or "\r" in text:
        raise ExpressionError("expression: must be one line")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        col = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"expression: syntax error{col}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression: too deeply nested") from None
    stripped = text.strip()
    callees = {
        id(node.func)
        for node in ast.walk(tree.body)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    for node in ast.walk(tree.body):
        if id(node) not in callees:
            _check(node, stripped, names)
    return tree


def _check(node: ast.AST, text: str, names: set[str] | frozenset[str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(
                f"expression: only numbers are allowed as constants, not {node.value!r}"
                f"{_where(node)}"
            )
    elif isinstance(node, ast.Name):
        _check_name(node, names)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(
                f"expression: operator in {_segment(text, node)!r}{_where(node)} is not allowed"
                f" (allowed: {' '.join(_BINARY_NAMES.values())})"
            )
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(
                f"expression: unary operator in {_segment(text, node)!r}{_where(node)} "
                "is not allowed (allowed: - +)"
            )
    elif isinstance(node, ast.Call):
        _check_call(node, text)
    elif isinstance(node, (ast.operator, ast.unaryop, ast.expr_context)):
        pass
    else:
        what = _DESCRIPTIONS.get(type(node), type(node).__name__)
        raise ExpressionError(
            f"expression: {what} ({_segment(text, node)!r}{_where(node)}) is not allowed"
        )


def _check_name(node: ast.Name, names: set[str] | frozenset[str]) -> None:
    if node.id in names or node.id in CONSTANTS:
        return
    if node.id in FUNCTIONS:
        raise ExpressionError(f"expression: {node.id} is a function; call it as {node.id}(x)")
    known = ", ".join(sorted(names)) or "none"
    raise ExpressionError(
        f"expression: unknown name {node.id!r}{_where(node)} "
        f"(variables given: {known}; constants: pi, e)"
    )


def _check_call(node: ast.Call, text: str) -> None:
    allowed = ", ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        raise ExpressionError(
            f"expression: call {_segment(text, node)!r}{_where(node)} is not allowed "
            f"(functions: {allowed})"
        )
    if node.keywords or len(node.args) != 1:
        raise ExpressionError(
            f"expression: {node.func.id}() takes exactly one positional argument{_where(node)}"
        )


def evaluate(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Evaluate ``text`` with variables ``values`` as a graph of Values.

    Returns ``(result, variables)``: the root Value and the leaf Value of each variable
    (labelled with its name), ready for ``result.backward()``. Names are NFKC-normalised as
    Python's parser normalises the expression's identifiers, so ``{"ａ": 1.0}`` gives the
    variable ``a`` (key and label); two names that normalise alike are refused. Raises
    :class:`ExpressionError` for anything not allowed and for values outside an
    operation's domain (``log(-1)``, division by zero, overflow).
    """
    given: dict[str, str] = {}
    for name in values:
        if not isinstance(name, str) or not name.isidentifier():
            raise ExpressionError(f"expression: {name!r} cannot be a variable name")
        key = normalise_name(name)
        if key in FUNCTIONS or key in CONSTANTS:
            raise ExpressionError(f"expression: {name!r} cannot be a variable name")
        if key in given:
            raise ExpressionError(
                f"expression: {given[key]!r} and {name!r} are the same name (NFKC {key!r})"
            )
        given[key] = name
    tree = parse(text, frozenset(given))
    variables = {key: Value(float(values[name]), key) for key, name in given.items()}
    quoted = _quote(text.strip())
    try:
        result = _eval(tree.body, variables)
    except OverflowError:
        raise ExpressionError(f"expression: {quoted} overflows a float") from None
    except (ArithmeticError, ValueError) as error:
        raise ExpressionError(f"expression: cannot evaluate {quoted}: {error}") from None
    except RecursionError:
        raise ExpressionError("expression: too deeply nested to evaluate") from None
    if not isinstance(result, Value):
        result = Value(result, "result")
    if math.isinf(result.data):
        raise ExpressionError(f"expression: {quoted} overflows a float ({result.data})")
    if math.isnan(result.data):
        raise ExpressionError(f"expression: {quoted} is not a number (nan)")
    return result, variables


def normalise_name(name: str) -> str:
    """A variable name as Python's parser reads it: NFKC-normalised (``ａ`` → ``a``)."""
    return unicodedata.normalize("NFKC", name)


def _quote(text: str, limit: int = 60) -> str:
    """``text`` quoted for a one-line message, shortened to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _binary(kind: type[ast.operator], x: Value | float, y: Value | float) -> Value | float:
    """``x op y``: a Value through its operator; two plain numbers through the same op-table
    entry with its domain check, so ``(-8) ** 0.5`` is an error, not a complex number."""
    if not isinstance(x, Value) and not isinstance(y, Value):
        op = OPS[_BINARY[kind]]
        if op.check is not None:
            op.check(x, y)
        return float(op.forward(FLOAT, x, y))
    if kind is ast.Add:
        return x + y
    if kind is ast.Sub:
        return x - y
    if kind is ast.Mult:
        return x * y
    if kind is ast.Div:
        return x / y
    return x**y


def _eval(node: ast.expr, variables: dict[str, Value]) -> Value | float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.Name):
        return variables[node.id] if node.id in variables else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, variables), _eval(node.right, variables)
        return _binary(type(node.op), left, right)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, variables)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        arg = _eval(node.args[0], variables)
        return FUNCTIONS[node.func.id](arg if isinstance(arg, Value) else Value(arg))
    raise ExpressionError(f"expression: {type(node).__name__} is not allowed")  # unreachable
