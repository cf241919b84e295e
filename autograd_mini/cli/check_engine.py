"""``autograd-mini check-engine MODULE:CLASS``: the conformance run of a micrograd-style engine.

The logic lives in :mod:`autograd_mini.testing.conformance`; this module only plugs it into
the command line. Exit status: 0 when everything the engine supports is right, 1 when a
defect was found, 2 for bad usage (one line on stderr).
"""

from __future__ import annotations

import argparse

from autograd_mini.experiments import Report
from autograd_mini.testing import conformance

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "check-engine"
HELP = "Check a micrograd-style Value class's values and gradients (needs hypothesis)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    conformance.add_arguments(p)


def run(args: argparse.Namespace, report: Report) -> int:
    """Run the checks and print the report; returns the exit status (0, 1 or 2)."""
    return conformance.execute(args)
