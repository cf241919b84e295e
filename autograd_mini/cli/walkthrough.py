"""``autograd-mini walkthrough``: the chapter's worked example, Step 1 to Step 3.

``--lang ja`` prints it in the chapter's own Japanese terms (:mod:`autograd_mini.i18n`).
After Step 3 it shows the loss after the ρ = 0.01 step both ways: updating w₁ and w₂ only,
as the chapter does (357.089), and every weight (399.552), and why the second is larger.
"""

from __future__ import annotations

import argparse

from autograd_mini import chapter, i18n
from autograd_mini.cli.arguments import bounded, out_option
from autograd_mini.cli.output import draw, prepare_out, stepper
from autograd_mini.experiments import (
    Report,
    walkthrough_both_losses,
    walkthrough_more,
    walkthrough_step1,
    walkthrough_step2,
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
    p.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default="en",
        help="language of the text: en (default) or ja, the chapter's Japanese terms",
    )
    out_option(p)


def run(args: argparse.Namespace, report: Report) -> None:
    """The chapter's worked example, Steps 1–3, then more steps; graph and stepper page."""
    from autograd_mini.viz import draw_graph, draw_worked_example_network

    lang = i18n.check_lang(getattr(args, "lang", "en"))
    out = prepare_out(args.out)
    ex = chapter.build()
    report.say(i18n.text("intro", lang))
    for line in i18n.text("intro_names", lang).splitlines():
        report.say(line)
    report.say()
    walkthrough_step1(report, ex, lang)
    report.say()
    walkthrough_step2(report, ex, lang)
    report.say()
    ex.loss.backward()
    walkthrough_step3(report, ex, chapter.RHO, lang)
    walkthrough_both_losses(report, chapter.RHO, lang)
    report.say()
    walkthrough_more(report, args.steps, args.lr, lang)
    report.say()
    fresh = chapter.build()
    fresh.loss.backward()
    draw(report, draw_graph(fresh.loss), out / "walkthrough_graph.svg", "annotated graph")
    network = draw_worked_example_network(fresh)
    draw(report, network, out / "walkthrough_network.svg", "the chapter's 3-2-1 network")
    stepper(report, fresh.loss, out / "walkthrough_stepper.html", "The chapter's worked example")
