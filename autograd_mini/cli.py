"""The ``autograd-mini`` command (also ``python -m autograd_mini``).

Subcommands: ``walkthrough`` (the chapter's worked example, step by step), ``train`` (an MLP
on a data set, with model file and plots), ``vanishing`` (the vanishing-gradient experiment),
``graph`` (draw the graph of an expression) and ``demo`` (all of them, small, into ``out/``
with an ``index.html``). ``autograd-mini SUBCOMMAND --help`` documents each one.

Exit status: 0 on success, 2 for bad input (unknown option, data set or value, an expression
that is not allowed, an ``--out`` that cannot be written), 1 when a run fails (e.g. training
diverges).
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograd_mini import chapter
from autograd_mini.engine import Value, local_grads, no_grad
from autograd_mini.files import write_atomic

__all__ = ["Report", "UsageError", "build_parser", "main"]

DATASETS_2D = ("moons", "spiral", "xor")
TOY_DATASETS = (*DATASETS_2D, "wine-toy")
CLASS_COLOURS = ["#3b6fb6", "#d1495b", "#2e9e5b", "#e09f1f", "#7b4fa6", "#6c757d"]
PICTURE_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv")
INSTALL_GRAPHVIZ = (
    "install Graphviz to draw it: sudo apt-get install graphviz (Debian/Ubuntu), "
    "brew install graphviz (macOS), or see https://graphviz.org/download/"
)


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


@dataclass
class Report:
    """What a subcommand printed, the numbers it found and the files it wrote."""

    title: str
    lines: list[str] = field(default_factory=list)
    numbers: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)
    quiet: bool = False

    def say(self, line: str = "") -> None:
        """Print a line (unless quiet) and keep it for the demo page."""
        self.lines.append(line)
        if not self.quiet:
            print(line, flush=True)

    def number(self, name: str, value: float | str) -> None:
        """Record a headline number."""
        self.numbers.append((name, value if isinstance(value, str) else fmt(value)))

    def wrote(self, label: str, path: Path) -> None:
        """Record (and announce) a file written."""
        self.files.append((label, path))
        self.say(f"  wrote {path}  ({label})")


def fmt(x: float, digits: int = 6) -> str:
    """A number as the chapter prints it: integers without a point, a true minus sign."""
    if math.isfinite(x) and x == round(x) and abs(x) < 1e15:
        text = str(round(x))
    else:
        text = f"{x:.{digits}g}"
    return text.replace("-", "−")


# -- output folder ------------------------------------------------------------------------------


def prepare_out(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Create the output folder and check that a file can be written there."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"{option} {str(out)!r} cannot be written: {reason}") from None
    return out


#: Seconds Graphviz's ``dot`` may take for one picture before the command gives up.
DOT_TIMEOUT = 30.0


def draw(report: Report, graph: Any, path: Path, label: str) -> Path:
    """Render a graphviz picture; without ``dot`` the .dot source is written instead."""
    from autograd_mini.viz import GraphTooLargeError, GraphvizNotInstalledWarning, render

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GraphvizNotInstalledWarning)
        try:
            written = render(graph, path, timeout=DOT_TIMEOUT)
        except GraphTooLargeError as error:
            raise UsageError(str(error)) from None
    if any(issubclass(w.category, GraphvizNotInstalledWarning) for w in caught):
        report.say(f"  note: Graphviz's `dot` was not found, so {path.name} is DOT source only;")
        report.say(f"        {INSTALL_GRAPHVIZ}")
        label += " (DOT source)"
    report.wrote(label, written)
    return written


def stepper(report: Report, root: Value, path: Path, title: str) -> None:
    """Write the backprop stepper page, or say why it could not be drawn."""
    from autograd_mini.viz import GraphTooLargeError, GraphvizNotFoundError, save_stepper

    try:
        page = save_stepper(root, path, title=title, timeout=DOT_TIMEOUT)
        report.wrote("backprop stepper page", page)
    except GraphTooLargeError as error:
        raise UsageError(str(error)) from None
    except GraphvizNotFoundError:
        report.say(f"  note: the stepper page needs Graphviz's `dot`; {INSTALL_GRAPHVIZ}")


def savefig(report: Report, fig: Any, path: Path, label: str) -> None:
    """Save a matplotlib figure and close it."""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    report.wrote(label, path)


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (imported only when a plot is made)."""
    try:
        import matplotlib
    except ImportError:
        raise UsageError("plots need matplotlib: pip install 'autograd-mini[examples]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# -- walkthrough ----------------------------------------------------------------------------------


def _terms(weights: Sequence[Value], inputs: Sequence[Value]) -> str:
    parts = []
    for w, x in zip(weights, inputs, strict=True):
        wt = fmt(w.data)
        parts.append(f"({wt})×{fmt(x.data)}" if w.data < 0 else f"{wt}×{fmt(x.data)}")
    return " + ".join(parts)


def walkthrough_step1(report: Report, ex: chapter.WorkedExample) -> None:
    """Step 1: every u = Wx and h = ReLU(u), then y."""
    report.say("Step 1. Linear and non-linear transforms (u = Wx, h = ReLU(u); no bias)")
    for j, (row, u) in enumerate(zip(ex.hidden_weights, ex.u, strict=True), start=1):
        note = "    (the chapter prints −11: errata E1)" if j == 2 else ""
        report.say(f"  u₁{'₁₂'[j - 1]} = {_terms(row, ex.x)} = {fmt(u.data)}{note}")
        report.number(f"u_1{j}", u.data)
    for j, (u, h) in enumerate(zip(ex.u, ex.h, strict=True), start=1):
        report.say(f"  h₁{'₁₂'[j - 1]} = max(0, {fmt(u.data)}) = {fmt(h.data)}")
        report.number(f"h_1{j}", h.data)
    report.say(f"  y   = {_terms(ex.output_weights, ex.h)} = {fmt(ex.y.data)}")
    report.number("y", ex.y.data)


def walkthrough_step3(report: Report, ex: chapter.WorkedExample, rho: float) -> None:
    """Step 3: ∂L/∂y, ∂L/∂w₁, ∂L/∂w₂ (with the chain rule written out) and the update."""
    from autograd_mini.viz import explain

    w1, w2 = ex.weight("w_1"), ex.weight("w_2")
    report.say(f"Step 3. Gradients by backpropagation, then one update with ρ = {fmt(rho)}")
    report.say(f"  ∂L/∂y  = −2 × ({fmt(ex.t)} − {fmt(ex.y.data)}) = {fmt(ex.y.grad)}")
    report.say(f"  ∂L/∂w₁ = h₁₁ × ∂L/∂y = {fmt(ex.h[0].data)} × {fmt(ex.y.grad)} = {fmt(w1.grad)}")
    (slope,) = local_grads(ex.h[0])  # f′(u₁₁) = ∂h₁₁/∂u₁₁, from the op table
    report.say(
        f"  ∂y/∂u₁₁ = w₁ f′(u₁₁) = {fmt(w1.data)} × {fmt(slope)} = {fmt(w1.data * slope)}"
        "    (ReLU′(u) = 1 for u > 0)"
    )
    chain = str(explain(ex.loss, w2, through=[ex.u[0], ex.y])).splitlines()[0]
    report.say(f"  {chain}")
    for name, value in (("dL/dy", ex.y.grad), ("dL/dw_1", w1.grad), ("dL/dw_2", w2.grad)):
        report.number(name, value)
    grads = ", ".join(fmt(w.grad) for w in ex.weights())
    report.say(f"  every weight: ∂L/∂(w₁ … w₈) = {grads}")
    after = chapter.gradient_step(ex, rho)
    new1, new2 = after.weight("w_1").data, after.weight("w_2").data
    report.say(f"  w₁ ← {fmt(w1.data)} − {fmt(rho)} × {fmt(w1.grad)} = {fmt(new1)}")
    report.say(
        f"  w₂ ← {fmt(w2.data)} − {fmt(rho)} × {fmt(w2.grad)} = {fmt(new2)}"
        "    (the chapter labels this line w₁: errata E8)"
    )
    report.number("w_1 after", new1)
    report.number("w_2 after", new2)
    rises = after.loss.data > ex.loss.data
    verdict = "higher than before: this ρ overshoots (errata E11)" if rises else "lower"
    report.say(f"  L after this update = {fmt(after.loss.data)}, {verdict}")
    report.number("L after the update", after.loss.data)


def walkthrough_more(report: Report, steps: int, lr: float) -> list[float]:
    """N more gradient steps from the initial weights with learning rate ``lr``."""
    report.say(f"{steps} gradient steps with ρ = {fmt(lr)} from the initial weights")
    ex = chapter.build()
    losses = [ex.loss.data]
    report.say(f"  step {0:>3}  L = {fmt(ex.loss.data)}")
    for k in range(1, steps + 1):
        ex = chapter.gradient_step(ex, lr)
        losses.append(ex.loss.data)
        report.say(f"  step {k:>3}  L = {fmt(ex.loss.data)}")
    report.number(f"L after {steps} steps (ρ = {fmt(lr)})", losses[-1])
    return losses


def cmd_walkthrough(args: argparse.Namespace, report: Report) -> None:
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


# -- train ----------------------------------------------------------------------------------------


@dataclass
class Problem:
    """A data set prepared for training: inputs, targets, loss and the network's shape."""

    name: str
    xs: list[list[float]]
    ys: list[int]
    loss: str
    nout: int
    test_xs: list[list[float]] = field(default_factory=list)
    test_ys: list[int] = field(default_factory=list)
    classes: tuple[str, ...] = ()
    scaler: Any = None


def load_problem(name: str, seed: int) -> Problem:
    """Load ``name`` and choose its loss: max-margin for moons (±1), else cross-entropy."""
    from autograd_mini import datasets as ds

    if name == "moons":
        xs, ys = ds.moons()
        return Problem(name, xs, ys, "hinge", 1, classes=("−1", "+1"))
    if name == "spiral":
        xs, ys = ds.spiral(n_per_class=60, seed=seed)
        return Problem(name, xs, ys, "cross_entropy", 3, classes=("0", "1", "2"))
    if name == "xor":
        xs, ys = ds.xor(n=80, seed=seed)
        return Problem(name, xs, ys, "cross_entropy", 2, classes=("0", "1"))
    if name == "wine-toy":
        raw_xs, ys = ds.wine_toy(seed=seed)
        xs, scaler = ds.standardize(raw_xs)
        return Problem(name, xs, ys, "cross_entropy", 2, classes=ds.WINE_TOY_CLASSES, scaler=scaler)
    try:
        data = ds.real(name)
    except ImportError as error:
        raise UsageError(str(error)) from None
    train_xs, train_ys, test_xs, test_ys = ds.train_test_split(data.xs, data.ys, 0.3, seed)
    scaler = ds.Standardizer.fit(train_xs)
    return Problem(
        name,
        scaler.transform(train_xs),
        train_ys,
        "cross_entropy",
        len(data.class_names),
        scaler.transform(test_xs),
        test_ys,
        data.class_names,
        scaler,
    )


def make_optimizer(name: str, params: list[Value], lr: float | None) -> Any:
    """SGD (default ρ = 0.1) or Adam (default lr = 0.01)."""
    from autograd_mini.optim import SGD, Adam

    if name == "sgd":
        return SGD(params, lr=0.1 if lr is None else lr)
    return Adam(params, lr=0.01 if lr is None else lr)


def predict_class(model: Any, x: Sequence[float]) -> int:
    """The predicted class: sign of a single score (0 for −1), else the arg-max."""
    out = model(x)
    if isinstance(out, Value):
        return int(out.data > 0)
    scores = [o.data for o in out]
    return max(range(len(scores)), key=scores.__getitem__)


def plot_loss(report: Report, history: Any, path: Path, title: str) -> None:
    """The training loss (and accuracy) per epoch."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    epochs = range(1, history.epochs + 1)
    lines = ax.plot(epochs, history.loss, color="tab:blue", label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss")
    ax.set_yscale("log" if min(history.loss) > 0 else "linear")
    if history.accuracy:
        acc = ax.twinx()
        lines += acc.plot(epochs, history.accuracy, color="tab:orange", label="accuracy")
        acc.set_ylabel("training accuracy")
        acc.set_ylim(0, 1.05)
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
    ax.set_title(title)
    savefig(report, fig, path, "loss curve")


def plot_boundary(report: Report, model: Any, problem: Problem, path: Path) -> None:
    """The decision regions of a 2-D classifier on a grid, with the training points."""
    plt = pyplot()
    xs0 = [x[0] for x in problem.xs]
    xs1 = [x[1] for x in problem.xs]
    lo0, hi0 = min(xs0) - 0.4, max(xs0) + 0.4
    lo1, hi1 = min(xs1) - 0.4, max(xs1) + 0.4
    n = 70
    g0 = [lo0 + (hi0 - lo0) * i / (n - 1) for i in range(n)]
    g1 = [lo1 + (hi1 - lo1) * i / (n - 1) for i in range(n)]
    with no_grad():
        zs = [[predict_class(model, [a, b]) for a in g0] for b in g1]
    from matplotlib.colors import ListedColormap

    k = max(problem.nout, 2)
    cmap = ListedColormap(CLASS_COLOURS[:k])
    fig, ax = plt.subplots(figsize=(5, 4.4))
    ax.contourf(g0, g1, zs, levels=[c - 0.5 for c in range(k + 1)], cmap=cmap, alpha=0.25)
    labels = [y if y >= 0 else 0 for y in problem.ys]
    ax.scatter(xs0, xs1, c=labels, cmap=cmap, vmin=-0.5, vmax=k - 0.5, s=18, edgecolors="k",
               linewidths=0.4)  # fmt: skip
    ax.set_title(f"{problem.name}: decision regions")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    savefig(report, fig, path, "decision boundary")


def wine_question(report: Report, model: Any, problem: Problem) -> None:
    """The chapter's question: a 3-year-old wine, 14 %, whiteness 0.2, blackness 0.8."""
    from autograd_mini.losses import softmax

    x = problem.scaler.transform_one([3.0, 14.0, 0.2, 0.8])
    with no_grad():
        probs = [p.data for p in softmax(model(x))]
    report.say(
        f"  the chapter's wine (3 years, 14 %, whiteness 0.2, blackness 0.8): "
        f"P(white) = {probs[0]:.5f}, P(red) = {probs[1]:.5f}"
    )
    report.number("P(white) for the chapter's wine", f"{probs[0]:.5f}")
    report.number("P(red) for the chapter's wine", f"{probs[1]:.5f}")


def cmd_train(args: argparse.Namespace, report: Report) -> None:
    """Train an MLP; print the metrics; save the model, loss curve and decision boundary."""
    from autograd_mini import nn, train

    out = prepare_out(args.out)
    problem = load_problem(args.dataset, args.seed)
    nin = len(problem.xs[0])
    model = nn.MLP(nin, [*args.hidden, problem.nout], activation=args.activation, seed=args.seed)
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr)
    report.say(
        f"Training MLP({nin}, {[*args.hidden, problem.nout]}) with {args.activation} on "
        f"{args.dataset} ({len(problem.xs)} samples), loss {problem.loss}, "
        f"{args.optimizer} lr {fmt(opt.lr)}, {args.epochs} epochs"
        + (f", batches of {args.batch_size}" if args.batch_size else ", full batch")
        + (", compiled" if args.compiled else "")
    )
    start = time.perf_counter()
    try:
        history = train.fit(
            model,
            problem.xs,
            problem.ys,
            loss=problem.loss,
            optimizer=opt,
            epochs=args.epochs,
            batch_size=args.batch_size,
            progress=not args.no_progress,
            compiled=args.compiled,
            seed=args.seed,
        )
    except ImportError as error:
        raise UsageError(str(error)) from None
    seconds = time.perf_counter() - start
    final_loss, train_acc = train.evaluate(model, problem.xs, problem.ys, loss=problem.loss)
    report.say(f"  {history.epochs} epochs in {seconds:.2f} s")
    report.say(f"  final training loss {final_loss:.6g}")
    report.number(f"{args.dataset}: final training loss", f"{final_loss:.6g}")
    if train_acc is not None:
        report.say(f"  training accuracy {train_acc:.1%}")
        report.number(f"{args.dataset}: training accuracy", f"{train_acc:.1%}")
    if problem.test_xs:
        _, test_acc = train.evaluate(model, problem.test_xs, problem.test_ys, loss=problem.loss)
        report.say(f"  held-out accuracy {test_acc:.1%} ({len(problem.test_xs)} samples)")
        report.number(f"{args.dataset}: held-out accuracy", f"{test_acc:.1%}")
    if args.dataset == "wine-toy":
        wine_question(report, model, problem)
    stem = args.dataset.replace("-", "_")
    model_path = out / f"model_{stem}.json"
    model.save(model_path)
    report.wrote("model (JSON)", model_path)
    plot_loss(report, history, out / f"loss_{stem}.png", f"{args.dataset}: training")
    if args.dataset in DATASETS_2D:
        plot_boundary(report, model, problem, out / f"boundary_{stem}.png")


# -- vanishing ------------------------------------------------------------------------------------


def max_sigmoid_slope(lo: float = -10.0, hi: float = 10.0, n: int = 20001) -> tuple[float, float]:
    """(max σ′(u), argmax u) over a grid, with σ′ computed by backward()."""
    best, where = -1.0, 0.0
    for i in range(n):
        u = Value(lo + (hi - lo) * i / (n - 1))
        u.sigmoid().backward()
        if u.grad > best:
            best, where = u.grad, u.data
    return best, where


def layer_gradients(activation: str, depth: int, width: int, seed: int) -> list[float]:
    """Mean |∂L/∂W| per layer of an MLP(2, [width]*depth + [1]) on the moons data (MSE)."""
    from autograd_mini import datasets, losses, nn

    xs, ys = datasets.moons(n=40, seed=seed)
    model = nn.MLP(2, [width] * depth + [1], activation=activation, seed=seed)
    outputs = [model(x) for x in xs]
    scores = [o for o in outputs if isinstance(o, Value)]
    loss = losses.mse(scores, [float(y) for y in ys])
    loss.backward()
    means = []
    for layer in model.layers:
        ws = [w for n in layer.neurons for w in n.w]
        means.append(math.fsum(abs(w.grad) for w in ws) / len(ws))
    return means


def plot_vanishing(report: Report, rows: dict[str, list[float]], path: Path) -> None:
    """Mean |∂L/∂W| per layer, log scale, one line per activation."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, means in rows.items():
        ax.semilogy(range(1, len(means) + 1), [max(m, 1e-300) for m in means], "o-", label=name)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("mean |∂L/∂W|")
    ax.set_title("Vanishing gradients: the same architecture, sigmoid vs ReLU")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    savefig(report, fig, path, "mean |∂L/∂W| per layer (log scale)")


def cmd_vanishing(args: argparse.Namespace, report: Report) -> None:
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
    plot_vanishing(report, rows, out / "vanishing.png")


# -- graph ----------------------------------------------------------------------------------------


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["a=1", "b=2"]`` → ``{"a": 1.0, "b": 2.0}``; a UsageError for anything else."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"--at {item!r}: write NAME=NUMBER, e.g. a=1.5")
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"--at {item!r}: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise UsageError(f"--at {item!r}: the value must be finite")
        if name in values:
            raise UsageError(f"--at {item!r}: {name!r} is given twice")
        values[name] = number
    return values


def cmd_graph(args: argparse.Namespace, report: Report) -> None:
    """Evaluate an expression safely, backpropagate and draw its graph."""
    from autograd_mini.expression import ExpressionError, evaluate
    from autograd_mini.viz import GraphTooLargeError, backprop_table, draw_graph

    target = Path(args.output)
    if target.suffix.lower() not in PICTURE_SUFFIXES:
        raise UsageError(
            f"-o {str(target)!r}: the picture's format comes from its suffix; "
            f"use one of {', '.join(PICTURE_SUFFIXES)}"
        )
    values = parse_assignments(args.at)
    try:
        result, variables = evaluate(args.expression, values)
    except ExpressionError as error:
        raise UsageError(str(error)) from None
    result.backward()
    prepare_out(target.parent, "the folder of -o")
    report.say(f"{args.expression} = {result.data:.6g}")
    report.number(args.expression, f"{result.data:.6g}")
    for name, v in variables.items():
        report.say(f"  ∂/∂{name} = {v.grad:.6g}")
        report.number(f"∂/∂{name}", f"{v.grad:.6g}")
    report.say()
    for line in str(backprop_table(result)).splitlines():
        report.say(f"  {line}")
    try:
        graph = draw_graph(result)
    except GraphTooLargeError as error:
        raise UsageError(str(error)) from None
    draw(report, graph, target, "expression graph")
    if args.stepper:
        stepper(report, result, target.with_suffix(".html"), args.expression)


# -- demo -----------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace, report: Report) -> None:
    """Everything above with small settings into --out, and an index.html linking it all."""
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
        if argv[0] == "train":
            extra.append("--no-progress")
        sub = parser.parse_args([*argv, *extra])
        title = "autograd-mini " + " ".join(argv).replace(str(out) + os.sep, "")
        child = Report(title)
        print(f"\n=== {title}", flush=True)
        sub.handler(sub, child)
        reports.append(child)
    index = out / "index.html"
    write_atomic(index, index_html(reports, time.perf_counter() - start, out))
    print()
    report.say(f"demo finished in {time.perf_counter() - start:.1f} s; open {index}")


def _file_html(label: str, path: Path, base: Path) -> str:
    try:
        href = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        href = path.resolve().as_uri()
    link = f'<a href="{html.escape(href)}">{html.escape(path.name)}</a> ({html.escape(label)})'
    if path.suffix.lower() in (".svg", ".png"):
        src, alt = html.escape(href), html.escape(label)
        img = f'<a href="{src}"><img src="{src}" alt="{alt}"></a>'
        return f"<figure>{img}<figcaption>{link}</figcaption></figure>"
    return f"<p>{link}</p>"


def _docs_links(base: Path) -> str:
    """Links to the tutorials and errata when the docs sit next to the package (a checkout)."""
    docs = Path(__file__).resolve().parent.parent / "docs"
    names = [("tutorial.md", "tutorial"), ("tutorial.ja.md", "チュートリアル"),
             ("errata.md", "errata of the chapter"), ("api.md", "API reference")]  # fmt: skip
    links = [
        f'<a href="{html.escape(Path(os.path.relpath(docs / name, base)).as_posix())}">'
        f"{html.escape(text)}</a>"
        for name, text in names
        if (docs / name).exists()
    ]
    return f"<p>Docs: {' · '.join(links)}</p>" if links else ""


def index_html(reports: Sequence[Report], seconds: float, base: Path) -> str:
    """The demo's index page in folder ``base``: every number, picture and page of every run,
    all text escaped."""
    sections = [_docs_links(base)]
    for r in reports:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in r.numbers
        )
        files = "".join(_file_html(label, path, base) for label, path in r.files)
        text = html.escape("\n".join(r.lines))
        sections.append(
            f"<section><h2><code>{html.escape(r.title)}</code></h2>"
            f"<table><tr><th>quantity</th><th>value</th></tr>{rows}</table>{files}"
            f"<details><summary>full output</summary><pre>{text}</pre></details></section>"
        )
    return _PAGE.format(seconds=f"{seconds:.1f}", body="\n".join(sections))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>autograd-mini demo</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; margin: 0.5rem 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; }}
img {{ max-width: 100%; border: 1px solid #eee; }}
pre {{ background: #f6f6f6; padding: 0.6rem; overflow-x: auto; }}
section {{ margin-bottom: 2.5rem; }}
</style></head><body>
<h1>autograd-mini demo</h1>
<p>Every number below was computed by autograd-mini in this run ({seconds} s).
The chapter's corrections are listed in the errata (<code>docs/errata.md</code>).</p>
{body}
</body></html>
"""


# -- the parser -----------------------------------------------------------------------------------


def hidden_sizes(text: str) -> list[int]:
    """``"16,16"`` → ``[16, 16]`` (argparse type)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of layer sizes (e.g. 16,16)"
        ) from None
    if not sizes or any(s < 1 or s > 4096 for s in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: every layer size must be in 1 … 4096")
    return sizes


def _bounded(kind: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not (low <= value <= high) or (isinstance(value, float) and not math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"{text!r} must be between {low:g} and {high:g}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _dataset_names() -> tuple[str, ...]:
    from autograd_mini.datasets import REAL_DATASETS

    return (*TOY_DATASETS, *REAL_DATASETS)


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

    def sub(name: str, handler: Callable[..., None], text: str) -> argparse.ArgumentParser:
        p = subs.add_parser(name, help=text, description=text)
        p.set_defaults(handler=handler)
        return p

    def out_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", default="out", help="output folder (default: out)")

    positive = _bounded(int, 1, 10**6)
    p = sub("walkthrough", cmd_walkthrough, "The chapter's worked example, Step 1 to Step 3.")
    p.add_argument(
        "--steps",
        type=_bounded(int, 0, 10_000),
        default=5,
        help="further gradient steps to show (default: 5)",
    )
    p.add_argument(
        "--lr",
        type=_bounded(float, 1e-12, 1.0),
        default=0.001,
        help="ρ for the further steps (default: 0.001; the chapter's 0.01 overshoots here)",
    )
    out_option(p)

    p = sub("train", cmd_train, "Train an MLP; save the model, a loss curve and a boundary plot.")
    p.add_argument(
        "--dataset",
        choices=_dataset_names(),
        default="moons",
        help="data set (default: moons); wine and iris need scikit-learn",
    )
    p.add_argument(
        "--hidden",
        type=hidden_sizes,
        default=[16, 16],
        help="hidden layer sizes, comma-separated (default: 16,16)",
    )
    p.add_argument(
        "--activation",
        choices=("relu", "sigmoid", "tanh"),
        default="relu",
        help="hidden layers' activation f (default: relu; the output layer is linear)",
    )
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam", help="default: adam")
    p.add_argument(
        "--lr",
        type=_bounded(float, 1e-12, 100.0),
        default=None,
        help="learning rate (default: 0.01 for adam, 0.1 for sgd)",
    )
    p.add_argument("--epochs", type=positive, default=100, help="epochs (default: 100)")
    p.add_argument(
        "--batch-size",
        type=positive,
        default=None,
        help="samples per batch (default: the whole data set)",
    )
    p.add_argument("--seed", type=_bounded(int, 0, 2**32 - 1), default=0)
    p.add_argument(
        "--compiled", action="store_true", help="use the compiled batch path (needs numpy)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    out_option(p)

    p = sub(
        "vanishing",
        cmd_vanishing,
        "Vanishing gradients: the same deep MLP with sigmoid and with ReLU.",
    )
    p.add_argument(
        "--depth", type=_bounded(int, 1, 60), default=10, help="hidden layers (default: 10)"
    )
    p.add_argument(
        "--width",
        type=_bounded(int, 1, 64),
        default=8,
        help="neurons per hidden layer (default: 8)",
    )
    p.add_argument("--seed", type=_bounded(int, 0, 2**32 - 1), default=0, help="seed (default: 0)")
    out_option(p)

    p = sub("graph", cmd_graph, "Evaluate an expression, backpropagate and draw its graph.")
    p.add_argument(
        "expression",
        help='e.g. "tanh(a*b + c)"; functions: exp log sqrt tanh '
        "sigmoid relu abs softplus; operators + - * / **; one that starts with - goes "
        'after "--" at the end: graph --at a=1 -- "-a*b"',
    )
    p.add_argument(
        "--at",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="the variables' values, e.g. --at a=1 b=2 c=-1",
    )
    p.add_argument(
        "-o",
        "--output",
        default="out/graph.svg",
        help="picture file: .svg, .png, .pdf or .dot (default: out/graph.svg)",
    )
    p.add_argument(
        "--stepper",
        action="store_true",
        help="also write the backprop stepper page next to it (.html)",
    )

    p = sub("demo", cmd_demo, "Run everything with small settings into --out with an index.html.")
    p.add_argument(
        "--epochs", type=_bounded(int, 1, 10_000), default=40, help="training epochs (default: 40)"
    )
    out_option(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    report = Report(f"autograd-mini {args.command}")
    try:
        args.handler(args, report)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
