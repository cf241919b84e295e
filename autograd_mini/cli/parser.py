"""The argument parser of ``autograd-mini`` and :func:`main`.

Each subcommand is a module with ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args, report)``; :data:`COMMANDS` lists them in the order ``--help`` shows them. A
``run`` that returns an int gives the exit status (``check-engine``: 1 for a defect);
otherwise a run that ends normally exits 0.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from autograd_mini.cli import check_engine, demo, graph, predict, train, vanishing, walkthrough
from autograd_mini.cli.output import UsageError, printable
from autograd_mini.experiments import Report
from autograd_mini.modelfile import ModelFileWarning

__all__ = ["COMMANDS", "MAX_ERROR_CHARS", "build_parser", "main"]

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


class OneLineParser(argparse.ArgumentParser):
    """argparse with its usage errors as ONE line on stderr (``PROG: error: ...``, control
    characters escaped), exit status 2, like every other error of the command line; ``--help``
    still prints the whole usage."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see `{self.prog} --help`)"
        self.exit(2, f"{self.prog}: error: {printable(message, MAX_ERROR_CHARS)}{hint}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``autograd-mini`` and its subcommands."""
    parser = OneLineParser(
        prog="autograd-mini",
        description="The chapter's neural network, computed: worked example, training, "
        "vanishing gradients, graphs.",
        epilog="Run `autograd-mini SUBCOMMAND --help` for each subcommand's options.",
    )
    from autograd_mini import __version__

    parser.add_argument("--version", action="version", version=f"autograd-mini {__version__}")
    subs = parser.add_subparsers(
        dest="command", metavar="SUBCOMMAND", required=True, parser_class=OneLineParser
    )
    for command in COMMANDS:
        p = subs.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        p.set_defaults(handler=command.run)
        command.add_arguments(p)
    return parser


#: The longest error message printed (characters); longer ones are shortened.
MAX_ERROR_CHARS = 1000


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Every error is one line on stderr, ``autograd-mini SUBCOMMAND: error: ...``, with control
    characters escaped and at most :data:`MAX_ERROR_CHARS` characters, never a traceback:
    exit status 1 when a run fails (training diverges: ``FloatingPointError``), 2 for
    everything else (bad input, a file that cannot be read or written, a value whose
    derivative is undefined, anything the library refuses).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    report = Report(f"autograd-mini {args.command}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        status = _run(args, report)
    for w in caught:  # library warnings as one line each, like the errors
        if issubclass(w.category, ModelFileWarning):
            line = printable(" ".join(str(w.message).split()), MAX_ERROR_CHARS)
            print(f"autograd-mini {args.command}: warning: {line}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return status


def _run(args: argparse.Namespace, report: Report) -> int:
    try:
        status = args.handler(args, report)
    except FloatingPointError as error:
        return _fail(args.command, str(error), 1)
    except UsageError as error:
        return _fail(args.command, str(error), 2)
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        message = f"{error.filename}: {reason}" if error.filename else reason
        return _fail(args.command, message, 2)
    except (ValueError, ArithmeticError, TypeError) as error:
        return _fail(args.command, str(error) or type(error).__name__, 2)
    except (RecursionError, MemoryError) as error:
        return _fail(args.command, f"too large to compute ({type(error).__name__})", 2)
    return status if isinstance(status, int) else 0


def _fail(command: str, message: str, status: int) -> int:
    line = printable(" ".join(message.split()), MAX_ERROR_CHARS)
    print(f"autograd-mini {command}: error: {line}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
