"""``autograd-mini walkthrough``: the chapter's worked example, Step 1 to Step 3."""

from __future__ import annotations

import argparse

from autograd_mini import chapter
from autograd_mini.cli.arguments import bounded, out_option
from autograd_mini.cli.output import draw, prepare_out, stepper
from autograd_mini.experiments import (
    Report,
    fmt,
    walkthrough_more,
    walkthrough_step1,
    walkthrough_step3,
)

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "walkthrough"
HELP = "The chapter's worked example, Step 1 to Step 3."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    p.add_argument(
        "--steps",
        type=bounded(int, 0, 10_000),
        default=5,
        help="further gradient steps to show (default: 5)",
    )
    p.add_argument(
        "--lr",
        type=bounded(float, 1e-12, 1.0),
        default=0.001,
        help="ρ for the further steps (default: 0.001; the chapter's 0.01 overshoots here)",
    )
    out_option(p)


def run(args: argparse.Namespace, report: Report) -> None:
    """The chapter's worked example, Steps 1–3, then more steps; graph and stepper page."""
    from autograd_mini.viz import draw_graph

    out = prepare_out(args.out)
    ex = chapter.build()
    report.say("The chapter's worked example: xᵀ = [2, 3, 1], t = 20, ReLU hidden layer")
    report.say("(w₁ is the weight from h₁₁ to y and w₂ the weight from x₁ to u₁₁, as in the")
    report.say(" chapter; the other six weights are numbered w₃ … w₈)")
    report.say()
    walkthrough_step1(report, ex)
    report.say()
    report.say("Step 2. Objective: squared error, N = 1")
    report.say(f"  L = (1/1)({fmt(ex.t)} − {fmt(ex.y.data)})² = {fmt(ex.loss.data)}")
    report.number("L", ex.loss.data)
    report.say()
    ex.loss.backward()
    walkthrough_step3(report, ex, chapter.RHO)
    report.say()
    walkthrough_more(report, args.steps, args.lr)
    report.say()
    fresh = chapter.build()
    fresh.loss.backward()
    draw(report, draw_graph(fresh.loss), out / "walkthrough_graph.svg", "annotated graph")
    stepper(report, fresh.loss, out / "walkthrough_stepper.html", "The chapter's worked example")
