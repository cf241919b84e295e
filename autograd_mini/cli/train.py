"""``autograd-mini train``: train an MLP; save the model, a loss curve and a boundary plot."""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_mini import activations
from autograd_mini.cli.arguments import (
    bounded,
    dataset_names,
    hidden_sizes,
    out_option,
    printable_name,
    seed_type,
)
from autograd_mini.cli.output import UsageError, missing_dependency, prepare_out
from autograd_mini.experiments import (
    DATASETS_2D,
    Problem,
    Report,
    fmt,
    load_problem,
    make_optimizer,
    plot_boundary,
    plot_loss,
    wine_question,
)
from autograd_mini.modelfile import ModelFileError
from autograd_mini.train import LOSSES

__all__ = [
    "COMPILED_HINT_STEPS",
    "HELP",
    "NAME",
    "Targets",
    "add_arguments",
    "class_labels",
    "compiles",
    "plural",
    "run",
    "save_path",
    "targets_for",
]

NAME = "train"
HELP = "Train an MLP; save the model, a loss curve and a boundary plot."

#: Runs with more optimizer steps than this get a hint about ``--compiled``.
COMPILED_HINT_STEPS = 2000


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    p.add_argument(
        "--dataset",
        choices=dataset_names(),
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
        choices=activations.names(),
        default="relu",
        help="hidden layers' activation f (default: relu; the output layer is linear)",
    )
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam", help="default: adam")
    p.add_argument(
        "--lr",
        type=bounded(float, 1e-12, 100.0),
        default=None,
        help="learning rate (default: 0.01 for adam, 0.1 for sgd)",
    )
    positive = bounded(int, 1, 10**6)
    p.add_argument("--epochs", type=positive, default=100, help="epochs (default: 100)")
    p.add_argument(
        "--batch-size",
        type=positive,
        default=None,
        help="samples per batch (default: the whole data set)",
    )
    p.add_argument(
        "--loss",
        choices=tuple(LOSSES),
        default=None,
        help="training loss (default: hinge for moons, cross_entropy otherwise); hinge, bce "
        "and mse on two classes train one score, cross_entropy one output per class",
    )
    p.add_argument(
        "--seed",
        type=seed_type,
        default=0,
        help="seed of the initial weights, the sampled data sets and the batch order (default: 0)",
    )
    p.add_argument(
        "--compiled", action="store_true", help="use the compiled batch path (needs numpy)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-plots",
        action="store_true",
        help="no loss curve or boundary plot (they take seconds even for one epoch)",
    )
    p.add_argument(
        "--save",
        metavar="FILE",
        default=None,
        help="write the model (JSON) to FILE (default: model_DATASET.json in --out)",
    )
    out_option(p)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 epoch``, ``2 epochs``; ``many`` for a plural that is not ``word + "s"``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def sign_correct(y: Any, t: Any) -> bool:
    """A single score's class is its sign (the accuracy of mse on ±1 targets)."""
    return (float(y) > 0) == (float(t) > 0)


def argmax_correct(y: Any, t: Any) -> bool:
    """The largest output is the one-hot target's class (the accuracy of mse on one-hot)."""
    scores, hot = list(y), list(t)
    return max(range(len(scores)), key=scores.__getitem__) == hot.index(1.0)


@dataclass(frozen=True)
class Targets:
    """What a loss trains on: the network's number of outputs, the training and held-out
    targets, and the accuracy rule (``"auto"``: the one :func:`autograd_mini.train.fit`
    picks for the loss)."""

    loss: str
    nout: int
    ys: list[Any]
    test_ys: list[Any]
    accuracy: Any = "auto"


def class_labels(problem: Problem, ys: Sequence[Any]) -> list[int]:
    """The class index 0 … k−1 of each of ``problem``'s targets (moons' ±1 become 0, 1)."""
    return [int(y > 0) for y in ys] if problem.nout == 1 else [int(y) for y in ys]


def targets_for(loss: str, problem: Problem) -> Targets:
    """The network's outputs and the targets that ``loss`` needs on ``problem``; a UsageError
    when the loss does not fit the data set (hinge and bce separate two classes)."""
    k = len(problem.classes)
    train, test = class_labels(problem, problem.ys), class_labels(problem, problem.test_ys)
    if loss == "cross_entropy":
        return Targets(loss, k, train, test)
    if loss == "bce" and k == 2:
        return Targets(loss, 1, [float(c) for c in train], [float(c) for c in test])
    if loss in ("hinge", "mse") and k == 2:
        rule = sign_correct if loss == "mse" else "auto"
        return Targets(loss, 1, [2.0 * c - 1 for c in train], [2.0 * c - 1 for c in test], rule)
    if loss == "mse":
        hot = [[[float(c == j) for j in range(k)] for c in part] for part in (train, test)]
        return Targets(loss, k, hot[0], hot[1], argmax_correct)
    if loss in ("hinge", "bce"):
        raise UsageError(
            f"--loss {loss} separates 2 classes (one score per sample); {problem.name} has {k}: "
            "use cross_entropy or mse"
        )
    raise UsageError(f"--loss {loss}: the command line does not know which targets it takes")


def compiles(model: Any, loss: str, x: Sequence[float], t: Any) -> bool:
    """Whether the compiled batch path can run this model and loss: NumPy is installed and
    tracing one sample works."""
    import importlib.util

    if importlib.util.find_spec("numpy") is None:
        return False
    from autograd_mini.compiled import DataDependenceError, compile_loss

    try:
        compile_loss(model, LOSSES[loss], x, t)
    except (DataDependenceError, TypeError, ValueError, ArithmeticError):
        return False
    return True


def save_path(text: str) -> Path:
    """``--save``'s file, checked before training: a file name, not a folder, printable."""
    path = Path(printable_name(text, "--save"))
    if path.is_dir():
        raise UsageError(f"--save {text[:60]!r} is a folder: give a file name, e.g. model.json")
    return path


def run(args: argparse.Namespace, report: Report) -> None:
    """Train an MLP; print the metrics; save the model, loss curve and decision boundary."""
    from autograd_mini import nn
    from autograd_mini import train as training

    out = prepare_out(args.out)
    save_to = save_path(args.save) if args.save else None
    if save_to is not None:
        prepare_out(save_to.parent, "the folder of --save")
    with missing_dependency():
        problem = load_problem(args.dataset, args.seed)
    targets = targets_for(args.loss or problem.loss, problem)
    nin = len(problem.xs[0])
    sizes = [*args.hidden, targets.nout]
    model = nn.MLP(nin, sizes, activation=args.activation, seed=args.seed)
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr)
    epochs = plural(args.epochs, "epoch")
    report.say(
        f"Training MLP({nin}, {sizes}) with {args.activation} on "
        f"{args.dataset} ({len(problem.xs)} samples), loss {targets.loss}, "
        f"{args.optimizer} lr {fmt(opt.lr)}, {epochs}"
        + (f", batches of {args.batch_size}" if args.batch_size else ", full batch")
        + (", compiled" if args.compiled else "")
    )
    batches = math.ceil(len(problem.xs) / min(args.batch_size or len(problem.xs), len(problem.xs)))
    steps = args.epochs * batches
    if (
        not args.compiled
        and steps > COMPILED_HINT_STEPS
        and compiles(model, targets.loss, problem.xs[0], targets.ys[0])
    ):
        each = plural(batches, "batch", "batches")
        report.say(
            f"  hint: {steps:,} steps ({epochs} × {each}); --compiled replays the traced "
            "graph over each batch with NumPy, usually many times faster"
        )
    start = time.perf_counter()
    with missing_dependency():
        history = training.fit(
            model,
            problem.xs,
            targets.ys,
            loss=targets.loss,
            optimizer=opt,
            epochs=args.epochs,
            batch_size=args.batch_size,
            progress=not args.no_progress,
            compiled=args.compiled,
            seed=args.seed,
            accuracy=targets.accuracy,
        )
    seconds = time.perf_counter() - start
    final_loss, train_acc = training.evaluate(
        model, problem.xs, targets.ys, loss=targets.loss, accuracy=targets.accuracy
    )
    report.say(f"  {plural(history.epochs, 'epoch')} in {seconds:.2f} s")
    # the progress bar shows each epoch's mean of the batch losses, each taken before its
    # update; the final loss is the whole data set's after the last update
    report.say(f"  mean loss during the last epoch (the progress bar's) {history.loss[-1]:.4g}")
    report.say(f"  final training loss (whole data set, after training) {final_loss:.6g}")
    report.number(f"{args.dataset}: final training loss", f"{final_loss:.6g}")
    if train_acc is not None:
        report.say(f"  training accuracy {train_acc:.1%} (whole data set, after training)")
        report.number(f"{args.dataset}: training accuracy", f"{train_acc:.1%}")
    if problem.test_xs:
        _, test_acc = training.evaluate(
            model, problem.test_xs, targets.test_ys, loss=targets.loss, accuracy=targets.accuracy
        )
        if test_acc is not None:
            report.say(f"  held-out accuracy {test_acc:.1%} ({len(problem.test_xs)} samples)")
            report.number(f"{args.dataset}: held-out accuracy", f"{test_acc:.1%}")
    if args.dataset == "wine-toy" and targets.nout == 2:
        wine_question(report, model, problem)
    stem = args.dataset.replace("-", "_")
    model_path = save_to if save_to is not None else out / f"model_{stem}.json"
    try:
        model.save(model_path)
    except ModelFileError as error:  # e.g. the folder became unwritable while training
        raise UsageError(str(error)) from None
    report.wrote("model (JSON)", model_path)
    if args.no_plots:
        return
    with missing_dependency():
        loss_path = plot_loss(history, out / f"loss_{stem}.png", f"{args.dataset}: training")
        report.wrote("loss curve", loss_path)
        if args.dataset in DATASETS_2D:
            boundary = plot_boundary(model, problem, out / f"boundary_{stem}.png")
            report.wrote("decision boundary", boundary)
