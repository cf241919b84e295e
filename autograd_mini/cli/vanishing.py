"""``autograd-mini vanishing``: the same deep MLP with sigmoid and with ReLU.

``--lang ja`` prints the text in the chapter's Japanese terms (:mod:`autograd_mini.i18n`).
"""

from __future__ import annotations

import argparse
import json
import math

from autograd_mini import i18n
from autograd_mini.cli.arguments import bounded, lang_option, out_option, seed_type
from autograd_mini.cli.output import missing_dependency, prepare_out
from autograd_mini.experiments import (
    Report,
    fmt,
    layer_gradients,
    max_sigmoid_slope,
    plot_vanishing,
)
from autograd_mini.files import write_atomic

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "vanishing"
HELP = "Vanishing gradients: the same deep MLP with sigmoid and with ReLU."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    p.add_argument(
        "--depth", type=bounded(int, 1, 60), default=10, help="hidden layers (default: 10)"
    )
    p.add_argument(
        "--width",
        type=bounded(int, 1, 64),
        default=8,
        help="neurons per hidden layer (default: 8)",
    )
    p.add_argument("--seed", type=seed_type, default=0, help="seed (default: 0)")
    lang_option(p)
    out_option(p)


def run(args: argparse.Namespace, report: Report) -> None:
    """The vanishing-gradient experiment: mean |∂L/∂W| per layer, sigmoid vs ReLU."""
    lang = i18n.check_lang(getattr(args, "lang", "en"))
    out = prepare_out(args.out)
    slope, at = max_sigmoid_slope()
    report.say(i18n.text("max_slope", lang, slope=f"{slope:.6g}", at=fmt(at)))
    report.say(i18n.text("at_most", lang))
    report.number("max σ′", slope)
    rows = {a: layer_gradients(a, args.depth, args.width, args.seed) for a in ("sigmoid", "relu")}
    report.say()
    report.say(i18n.text("vanishing_setup", lang, width=args.width, depth=args.depth))
    report.say(f"  {i18n.text('col_layer', lang):>5}  {'sigmoid':>12}  {'relu':>12}")
    for i, (s, r) in enumerate(zip(rows["sigmoid"], rows["relu"], strict=True), start=1):
        report.say(f"  {i:>5}  {s:>12.3e}  {r:>12.3e}")
    first, last = rows["sigmoid"][0], rows["sigmoid"][-1]
    ratio = first / last if last else math.inf
    n = len(rows["sigmoid"])
    report.say("  " + i18n.text("sigmoid_ratio", lang, ratio=f"{ratio:.3g}", n=n))
    report.number(i18n.text("num_ratio_sigmoid", lang), f"{ratio:.3g}")
    relu_ratio = rows["relu"][0] / rows["relu"][-1] if rows["relu"][-1] else math.inf
    report.number(i18n.text("num_ratio_relu", lang), f"{relu_ratio:.3g}")
    path = out / "vanishing.json"
    write_atomic(path, json.dumps({"depth": args.depth, "width": args.width, **rows}, indent=1))
    report.wrote(i18n.text("file_numbers", lang), path)
    with missing_dependency():
        written = plot_vanishing(rows, out / "vanishing.png", lang)
    report.wrote(i18n.text("file_plot", lang), written)
