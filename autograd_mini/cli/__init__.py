"""The ``autograd-mini`` command (also ``python -m autograd_mini``).

Subcommands: ``walkthrough`` (the chapter's worked example, step by step), ``train`` (an MLP
on a data set, with model file and plots), ``predict`` (a saved model on a data set or on given
inputs), ``vanishing`` (the vanishing-gradient experiment),
``graph`` (draw the graph of an expression) and ``demo`` (all of them, small, into ``out/``
with an ``index.html``). ``autograd-mini SUBCOMMAND --help`` documents each one.

Exit status: 0 on success, 2 for bad input (unknown option, data set or value, an expression
that is not allowed, an ``--out`` that cannot be written), 1 when a run fails (e.g. training
diverges).

Layout: :mod:`~autograd_mini.cli.parser` (the parser and :func:`main`),
:mod:`~autograd_mini.cli.arguments` (option types), :mod:`~autograd_mini.cli.output` (output
folder, pictures, :class:`UsageError`), one module per subcommand
(:mod:`~autograd_mini.cli.walkthrough`, ``train``, ``predict``, ``vanishing``, ``graph``,
``demo``) and
:mod:`~autograd_mini.cli.page` (the demo's index page). The experiments and plots themselves
are the library module :mod:`autograd_mini.experiments`.
"""

from __future__ import annotations

from autograd_mini.cli.output import UsageError
from autograd_mini.cli.parser import build_parser, main
from autograd_mini.experiments import Report

__all__ = ["Report", "UsageError", "build_parser", "main"]
