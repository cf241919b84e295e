"""``autograd-mini demo``: every subcommand with small settings, and an index.html.

``--lang ja`` runs ``walkthrough`` and ``vanishing`` with ``--lang ja`` and writes the page in
Japanese.
"""

from __future__ import annotations

import argparse
import os
import time

from autograd_mini import i18n
from autograd_mini.cli.arguments import bounded, lang_option, out_option
from autograd_mini.cli.output import prepare_out
from autograd_mini.cli.page import index_html
from autograd_mini.experiments import Report
from autograd_mini.files import write_atomic

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "demo"
HELP = "Run everything with small settings into --out with an index.html."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    p.add_argument(
        "--epochs", type=bounded(int, 1, 10_000), default=40, help="training epochs (default: 40)"
    )
    lang_option(p, "the walkthrough, vanishing and the page")
    out_option(p)


def run(args: argparse.Namespace, report: Report) -> None:
    """Everything above with small settings into --out, and an index.html linking it all."""
    from autograd_mini.cli.parser import build_parser  # the parser imports this module

    lang = i18n.check_lang(getattr(args, "lang", "en"))
    out = prepare_out(args.out)
    start = time.perf_counter()
    parser = build_parser()
    runs = [
        ["walkthrough", "--steps", "5"],
        ["train", "--dataset", "moons", "--hidden", "16,16", "--optimizer", "adam",
         "--lr", "0.05", "--epochs", str(args.epochs), "--seed", "0"],
        ["train", "--dataset", "wine-toy", "--hidden", "3", "--epochs", str(args.epochs),
         "--lr", "0.05", "--seed", "0"],
        ["vanishing", "--depth", "10", "--width", "6"],
        ["graph", "tanh(a*b + c)", "--at", "a=1", "b=2", "c=-1",
         "-o", str(out / "graph_tanh.svg"), "--stepper"],
    ]  # fmt: skip
    reports = []
    for argv in runs:
        extra = ["--out", str(out)] if argv[0] != "graph" else []
        if argv[0] in ("walkthrough", "vanishing") and lang != "en":
            extra += ["--lang", lang]
        if argv[0] == "train":
            extra.append("--no-progress")
        sub = parser.parse_args([*argv, *extra])
        title = "autograd-mini " + " ".join(argv).replace(str(out) + os.sep, "")
        child = Report(title)
        print(f"\n=== {title}", flush=True)
        sub.handler(sub, child)
        reports.append(child)
    index = out / "index.html"
    write_atomic(index, index_html(reports, time.perf_counter() - start, out, lang))
    print()
    report.say(f"demo finished in {time.perf_counter() - start:.1f} s; open {index}")
