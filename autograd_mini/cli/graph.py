"""``autograd-mini graph``: evaluate an expression, backpropagate and draw its graph."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from autograd_mini.cli.arguments import bounded, printable_name
from autograd_mini.cli.output import UsageError, draw, prepare_out, printable, stepper
from autograd_mini.experiments import Report

__all__ = [
    "HELP",
    "NAME",
    "PICTURE_SUFFIXES",
    "ROOT_LABEL_LENGTH",
    "add_arguments",
    "check_names",
    "names_used",
    "parse_assignments",
    "root_label",
    "run",
]

NAME = "graph"
HELP = "Evaluate an expression, backpropagate and draw its graph."

#: The picture formats ``-o`` accepts (chosen by the file's suffix).
PICTURE_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv")

#: The longest root label (characters): a longer expression names its root by its start.
ROOT_LABEL_LENGTH = 24


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    p.add_argument(
        "expression",
        help='e.g. "tanh(a*b + c)"; functions: exp log sqrt tanh '
        "sigmoid relu abs softplus; operators + - * / **; one that starts with - goes "
        'after "--" at the end: graph --at a=1 b=2 -- "-a*b"',
    )
    p.add_argument(
        "--at",
        nargs="*",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="the variables' values, e.g. --at a=1 b=2 c=-1 (repeating --at adds more)",
    )
    p.add_argument(
        "-o",
        "--output",
        default="out/graph.svg",
        help="picture file: .svg, .png, .pdf or .dot (default: out/graph.svg)",
    )
    p.add_argument(
        "--stepper",
        action="store_true",
        help="also write the backprop stepper page next to it (.html)",
    )
    p.add_argument(
        "--max-nodes",
        type=bounded(int, 1, 10**6),
        default=None,
        metavar="N",
        help="draw graphs of up to N nodes (default: the drawing's own limit; a larger graph "
        "is refused with its size)",
    )


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["a=1", "b=2"]`` → ``{"a": 1.0, "b": 2.0}``; a UsageError for anything else. Names
    are NFKC-normalised as Python's parser normalises the expression's (``ａ=1`` gives a)."""
    from autograd_mini.expression import normalise_name

    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"--at {item!r}: write NAME=NUMBER, e.g. a=1.5")
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"--at {item!r}: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise UsageError(f"--at {item!r}: the value must be finite")
        name = normalise_name(name)  # as the parser reads the expression: ａ is a
        if name in values:
            raise UsageError(f"--at {item!r}: {name!r} is given twice")
        values[name] = number
    return values


def quoted(text: str, limit: int = 60) -> str:
    """``text`` quoted for a one-line message (escapes included), shortened to ``limit``."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def names_used(text: str) -> set[str] | None:
    """The variable names an expression reads (not the functions it calls, not pi or e);
    None when it does not parse (evaluating it then says why)."""
    import ast

    from autograd_mini.expression import CONSTANTS, FUNCTIONS

    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id not in CONSTANTS and node.id not in FUNCTIONS
    }


def check_names(expression: str, values: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """(the ``--at`` values the expression uses, the names it does not use). The expression
    is checked against the whitelist first; then every missing name is reported at once."""
    from autograd_mini.expression import ExpressionError, parse

    used = names_used(expression)
    if used is None:  # a syntax error: evaluating says where
        return values, []
    try:
        parse(expression, frozenset(used | values.keys()))
    except ExpressionError as error:
        raise UsageError(str(error)) from None
    missing = sorted(used - values.keys())
    if missing:
        many = len(missing) > 1
        names = ", ".join(repr(n) for n in missing)
        example = " ".join(f"{n}=1" for n in missing)
        given = ", ".join(sorted(values)) or "none"
        raise UsageError(
            f"expression: unknown name{'s' if many else ''} {names}: give "
            f"{'each' if many else 'it'} a value with --at, e.g. --at {example} "
            f"(variables given: {given}; constants: pi, e)"
        )
    unused = sorted(values.keys() - used)
    return {name: v for name, v in values.items() if name in used}, unused


def root_label(expression: str) -> str:
    """The name of an expression's root in the table and the picture: the expression itself
    (its start, if it is long)."""
    text = " ".join(expression.split())
    return text if len(text) <= ROOT_LABEL_LENGTH else text[: ROOT_LABEL_LENGTH - 1] + "…"


def too_large(error: Exception) -> UsageError:
    """draw_graph's GraphTooLargeError in the command's terms (its option --max-nodes)."""
    text = str(error).replace("max_nodes=", "--max-nodes ").replace("max_nodes", "--max-nodes")
    return UsageError(text)


def run(args: argparse.Namespace, report: Report) -> None:
    """Evaluate an expression safely, backpropagate and draw its graph."""
    from autograd_mini.expression import ExpressionError, evaluate
    from autograd_mini.viz import GraphTooLargeError, backprop_table, draw_graph

    target = Path(printable_name(args.output, "-o"))
    if target.suffix.lower() not in PICTURE_SUFFIXES:
        raise UsageError(
            f"-o {str(target)!r}: the picture's format comes from its suffix; "
            f"use one of {', '.join(PICTURE_SUFFIXES)}"
        )
    given = parse_assignments(args.at)
    values, unused = check_names(args.expression, given)
    try:
        result, variables = evaluate(args.expression, values)
    except ExpressionError as error:
        raise UsageError(str(error)) from None
    shown = printable(args.expression)
    for name in unused:
        print(
            f"autograd-mini graph: warning: --at {name}={given[name]:g} is not used by the "
            f"expression {quoted(args.expression)}",
            file=sys.stderr,
        )
    if not any(result is v for v in variables.values()):  # a variable keeps its own name
        result.label = root_label(shown)
    try:
        result.backward()
    except (ArithmeticError, ValueError) as error:
        # e.g. sqrt(a) at a = 0: the value is defined, its derivative is not.
        raise UsageError(f"cannot differentiate {quoted(args.expression)}: {error}") from None
    limit = {} if args.max_nodes is None else {"max_nodes": args.max_nodes}
    try:  # refused before anything is printed or written
        graph = draw_graph(result, **limit)
    except GraphTooLargeError as error:
        raise too_large(error) from None
    prepare_out(target.parent, "the folder of -o")
    report.say(f"{shown} = {result.data:.6g}")
    report.number(shown, f"{result.data:.6g}")
    for name, v in variables.items():
        report.say(f"  ∂/∂{name} = {v.grad:.6g}")
        report.number(f"∂/∂{name}", f"{v.grad:.6g}")
    report.say()
    for line in str(backprop_table(result)).splitlines():
        report.say(f"  {line}")
    draw(report, graph, target, "expression graph")
    if args.stepper:
        stepper(report, result, target.with_suffix(".html"), shown, args.max_nodes)
