"""``autograd-mini walkthrough``: the chapter's worked example, Step 1 to Step 3.

``--lang ja`` prints it in the chapter's own Japanese terms (:mod:`autograd_mini.i18n`).
After Step 3 it shows the loss after the ρ = 0.01 step both ways: updating w₁ and w₂ only,
as the chapter does (357.089), and every weight (399.552), and why the second is larger.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from autograd_mini import chapter, i18n
from autograd_mini.cli.arguments import bounded, lang_option, out_option
from autograd_mini.cli.output import draw, prepare_out, stepper
from autograd_mini.engine import Value, local_grads
from autograd_mini.experiments import Report, fmt

__all__ = [
    "HELP",
    "NAME",
    "add_arguments",
    "both_losses",
    "more_steps",
    "run",
    "step1",
    "step2",
    "step3",
]

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
    lang_option(p)
    out_option(p)


def _terms(weights: Sequence[Value], inputs: Sequence[Value]) -> str:
    parts = []
    for w, x in zip(weights, inputs, strict=True):
        wt = fmt(w.data)
        parts.append(f"({wt})×{fmt(x.data)}" if w.data < 0 else f"{wt}×{fmt(x.data)}")
    return " + ".join(parts)


def step1(report: Report, ex: chapter.WorkedExample, lang: str = "en") -> None:
    """Step 1: every u = Wx and h = ReLU(u), then y."""
    report.say(i18n.text("step1", lang))
    for j, (row, u) in enumerate(zip(ex.hidden_weights, ex.u, strict=True), start=1):
        note = "    " + i18n.text("note_e1", lang) if j == 2 else ""
        report.say(f"  u₁{'₁₂'[j - 1]} = {_terms(row, ex.x)} = {fmt(u.data)}{note}")
        report.number(f"u_1{j}", u.data)
    for j, (u, h) in enumerate(zip(ex.u, ex.h, strict=True), start=1):
        report.say(f"  h₁{'₁₂'[j - 1]} = max(0, {fmt(u.data)}) = {fmt(h.data)}")
        report.number(f"h_1{j}", h.data)
    report.say(f"  y   = {_terms(ex.output_weights, ex.h)} = {fmt(ex.y.data)}")
    report.number("y", ex.y.data)


def step2(report: Report, ex: chapter.WorkedExample, lang: str = "en") -> None:
    """Step 2: the squared error with N = 1."""
    report.say(i18n.text("step2", lang))
    report.say(f"  ℒ = (1/1)({fmt(ex.t)} − {fmt(ex.y.data)})² = {fmt(ex.loss.data)}")
    report.number("L", ex.loss.data)


def step3(report: Report, ex: chapter.WorkedExample, rho: float, lang: str = "en") -> None:
    """Step 3: ∂ℒ/∂y, ∂ℒ/∂w₁, ∂ℒ/∂w₂ (the chain rule written out) and the update of w₁, w₂.

    ``ex.loss.backward()`` must have run.
    """
    from autograd_mini.viz import explain

    w1, w2 = ex.weight("w_1"), ex.weight("w_2")
    report.say(i18n.text("step3", lang, rho=fmt(rho)))
    report.say(f"  ∂ℒ/∂y  = −2 × ({fmt(ex.t)} − {fmt(ex.y.data)}) = {fmt(ex.y.grad)}")
    report.say(f"  ∂ℒ/∂w₁ = h₁₁ × ∂ℒ/∂y = {fmt(ex.h[0].data)} × {fmt(ex.y.grad)} = {fmt(w1.grad)}")
    (slope,) = local_grads(ex.h[0])  # f′(u₁₁) = ∂h₁₁/∂u₁₁, from the op table
    report.say(
        f"  ∂y/∂u₁₁ = w₁ f′(u₁₁) = {fmt(w1.data)} × {fmt(slope)} = {fmt(w1.data * slope)}"
        "    " + i18n.text("relu_prime", lang)
    )
    chain = str(explain(ex.loss, w2, through=[ex.u[0], ex.y])).splitlines()[0]
    report.say(f"  {chain}")
    for name, value in (("dL/dy", ex.y.grad), ("dL/dw_1", w1.grad), ("dL/dw_2", w2.grad)):
        report.number(name, value)
    grads = ", ".join(fmt(w.grad) for w in ex.weights())
    report.say("  " + i18n.text("every_gradient", lang, grads=grads))
    new1, new2 = w1.data - rho * w1.grad, w2.data - rho * w2.grad
    report.say(f"  w₁ ← {fmt(w1.data)} − {fmt(rho)} × {fmt(w1.grad)} = {fmt(new1)}")
    report.say(
        f"  w₂ ← {fmt(w2.data)} − {fmt(rho)} × {fmt(w2.grad)} = {fmt(new2)}"
        "    " + i18n.text("note_e8", lang)
    )
    report.number(i18n.text("num_w_after", lang, i=1), new1)
    report.number(i18n.text("num_w_after", lang, i=2), new2)


def both_losses(report: Report, rho: float, lang: str = "en") -> chapter.UpdateComparison:
    """The loss after one step of ``rho``: w₁ and w₂ only, and every weight; and why."""
    c = chapter.compare_updates(rho)
    report.say("  " + i18n.text("loss_w1_w2", lang, loss=fmt(c.loss_w1_w2)))
    report.say("  " + i18n.text("loss_every", lang, loss=fmt(c.loss_every_weight)))
    if min(c.loss_w1_w2, c.loss_every_weight) > c.loss_before:
        why = i18n.text(
            "why_both_rise",
            lang,
            before=fmt(c.loss_before),
            rho=fmt(rho),
            y0=fmt(c.y_before),
            t=fmt(chapter.TARGET),
            y12=fmt(c.y_w1_w2, 4),
            yall=fmt(c.y_every_weight, 3),
        )
        for line in why.splitlines():
            report.say("  " + line)
    report.number(i18n.text("num_loss_w1_w2", lang), c.loss_w1_w2)
    report.number(i18n.text("num_loss_every", lang), c.loss_every_weight)
    return c


def more_steps(report: Report, steps: int, lr: float, lang: str = "en") -> list[float]:
    """``steps`` more gradient steps (every weight) from the initial weights, rate ``lr``."""
    report.say(i18n.text("more_steps", lang, steps=steps, lr=fmt(lr)))
    ex = chapter.build()
    losses = [ex.loss.data]
    report.say("  " + i18n.text("step_line", lang, k=0, loss=fmt(ex.loss.data)))
    for k in range(1, steps + 1):
        ex = chapter.gradient_step(ex, lr)
        losses.append(ex.loss.data)
        report.say("  " + i18n.text("step_line", lang, k=k, loss=fmt(ex.loss.data)))
    report.number(i18n.text("num_loss_steps", lang, steps=steps, lr=fmt(lr)), losses[-1])
    return losses


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
    step1(report, ex, lang)
    report.say()
    step2(report, ex, lang)
    report.say()
    ex.loss.backward()
    step3(report, ex, chapter.RHO, lang)
    both_losses(report, chapter.RHO, lang)
    report.say()
    more_steps(report, args.steps, args.lr, lang)
    report.say()
    fresh = chapter.build()
    fresh.loss.backward()
    graph = draw_graph(fresh.loss)
    draw(report, graph, out / "walkthrough_graph.svg", i18n.text("file_graph", lang))
    network = draw_worked_example_network(fresh)
    draw(report, network, out / "walkthrough_network.svg", i18n.text("file_network", lang))
    title = i18n.text("stepper_title", lang)
    stepper(report, fresh.loss, out / "walkthrough_stepper.html", title)
