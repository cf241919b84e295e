"""``autograd-mini graph``: evaluate an expression, backpropagate and draw its graph."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from autograd_mini.cli.output import UsageError, draw, prepare_out, printable, stepper
from autograd_mini.experiments import Report

__all__ = ["HELP", "NAME", "PICTURE_SUFFIXES", "add_arguments", "parse_assignments", "run"]

NAME = "graph"
HELP = "Evaluate an expression, backpropagate and draw its graph."

#: The picture formats ``-o`` accepts (chosen by the file's suffix).
PICTURE_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    p.add_argument(
        "expression",
        help='e.g. "tanh(a*b + c)"; functions: exp log sqrt tanh '
        "sigmoid relu abs softplus; operators + - * / **; one that starts with - goes "
        'after "--" at the end: graph --at a=1 -- "-a*b"',
    )
    p.add_argument(
        "--at",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="the variables' values, e.g. --at a=1 b=2 c=-1",
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


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["a=1", "b=2"]`` → ``{"a": 1.0, "b": 2.0}``; a UsageError for anything else."""
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
        if name in values:
            raise UsageError(f"--at {item!r}: {name!r} is given twice")
        values[name] = number
    return values


def run(args: argparse.Namespace, report: Report) -> None:
    """Evaluate an expression safely, backpropagate and draw its graph."""
    from autograd_mini.expression import ExpressionError, evaluate
    from autograd_mini.viz import GraphTooLargeError, backprop_table, draw_graph

    target = Path(args.output)
    if target.suffix.lower() not in PICTURE_SUFFIXES:
        raise UsageError(
            f"-o {str(target)!r}: the picture's format comes from its suffix; "
            f"use one of {', '.join(PICTURE_SUFFIXES)}"
        )
    values = parse_assignments(args.at)
    try:
        result, variables = evaluate(args.expression, values)
    except ExpressionError as error:
        raise UsageError(str(error)) from None
    shown = printable(args.expression)
    try:
        result.backward()
    except (ArithmeticError, ValueError) as error:
        # e.g. sqrt(a) at a = 0: the value is defined, its derivative is not.
        raise UsageError(
            f"cannot differentiate {printable(args.expression, 60)!r}: {error}"
        ) from None
    prepare_out(target.parent, "the folder of -o")
    report.say(f"{shown} = {result.data:.6g}")
    report.number(shown, f"{result.data:.6g}")
    for name, v in variables.items():
        report.say(f"  ∂/∂{name} = {v.grad:.6g}")
        report.number(f"∂/∂{name}", f"{v.grad:.6g}")
    report.say()
    for line in str(backprop_table(result)).splitlines():
        report.say(f"  {line}")
    try:
        graph = draw_graph(result)
    except GraphTooLargeError as error:
        raise UsageError(str(error)) from None
    draw(report, graph, target, "expression graph")
    if args.stepper:
        stepper(report, result, target.with_suffix(".html"), shown)
