"""``autograd-mini vanishing``: the same deep MLP with sigmoid and with ReLU."""

from __future__ import annotations

import argparse
import json
import math

from autograd_mini.cli.arguments import bounded, out_option, seed_type
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
    out_option(p)


def run(args: argparse.Namespace, report: Report) -> None:
    """The vanishing-gradient experiment: mean |∂L/∂W| per layer, sigmoid vs ReLU."""
    out = prepare_out(args.out)
    slope, at = max_sigmoid_slope()
    report.say(
        f"max σ′(u) over u ∈ [−10, 10] (by backward()) = {slope:.6g} at u = {fmt(at)}; "
        "ReLU′(u) = 1 for every u > 0"
    )
    report.say(
        "so each sigmoid layer multiplies the gradient by at most 0.25 "
        "(the chapter's 「最低でも」 should read 「最大でも」, errata E9)"
    )
    report.number("max σ′", slope)
    rows = {a: layer_gradients(a, args.depth, args.width, args.seed) for a in ("sigmoid", "relu")}
    report.say()
    report.say(
        f"MLP(2, [{args.width}] × {args.depth} + [1]) on 40 moons points, MSE, each activation "
        "with its default initialization (Xavier for sigmoid, He for ReLU); mean |∂L/∂W| per layer"
    )
    report.say(f"  {'layer':>5}  {'sigmoid':>12}  {'relu':>12}")
    for i, (s, r) in enumerate(zip(rows["sigmoid"], rows["relu"], strict=True), start=1):
        report.say(f"  {i:>5}  {s:>12.3e}  {r:>12.3e}")
    first, last = rows["sigmoid"][0], rows["sigmoid"][-1]
    ratio = first / last if last else math.inf
    report.say(f"  sigmoid: layer 1 gets {ratio:.3g}× the gradient of layer {len(rows['sigmoid'])}")
    report.number("sigmoid: layer 1 / last layer", f"{ratio:.3g}")
    relu_ratio = rows["relu"][0] / rows["relu"][-1] if rows["relu"][-1] else math.inf
    report.number("relu: layer 1 / last layer", f"{relu_ratio:.3g}")
    path = out / "vanishing.json"
    write_atomic(path, json.dumps({"depth": args.depth, "width": args.width, **rows}, indent=1))
    report.wrote("numbers (JSON)", path)
    with missing_dependency():
        written = plot_vanishing(rows, out / "vanishing.png")
    report.wrote("mean |∂L/∂W| per layer (log scale)", written)
