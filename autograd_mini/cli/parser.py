"""The argument parser of ``autograd-mini`` and :func:`main`.

Each subcommand is a module with ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args, report)``; :data:`COMMANDS` lists them in the order ``--help`` shows them. A
``run`` that returns an int gives the exit status (``check-engine``: 1 for a defect);
otherwise a run that ends normally exits 0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from autograd_mini.cli import check_engine, demo, graph, predict, train, vanishing, walkthrough
from autograd_mini.cli.output import UsageError
from autograd_mini.experiments import Report

__all__ = ["COMMANDS", "build_parser", "main"]

#: The subcommand modules, in the order of ``autograd-mini --help``.
COMMANDS: tuple[ModuleType, ...] = (
    walkthrough,
    train,
    predict,
    vanishing,
    graph,
    demo,
    check_engine,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``autograd-mini`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="autograd-mini",
        description="The chapter's neural network, computed: worked example, training, "
        "vanishing gradients, graphs.",
        epilog="Run `autograd-mini SUBCOMMAND --help` for each subcommand's options.",
    )
    from autograd_mini import __version__

    parser.add_argument("--version", action="version", version=f"autograd-mini {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)
    for command in COMMANDS:
        p = subs.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        p.set_defaults(handler=command.run)
        command.add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    report = Report(f"autograd-mini {args.command}")
    try:
        status = args.handler(args, report)
    except UsageError as error:
        print(f"autograd-mini {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(
            f"autograd-mini {args.command}: error: cannot write{where}: {error.strerror or error}",
            file=sys.stderr,
        )
        return 2
    except FloatingPointError as error:
        print(f"autograd-mini {args.command}: error: {error}", file=sys.stderr)
        return 1
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
