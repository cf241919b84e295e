"""``autograd-mini train``: train an MLP; save the model, a loss curve and a boundary plot."""

from __future__ import annotations

import argparse
import time

from autograd_mini.cli.arguments import bounded, dataset_names, hidden_sizes, out_option, seed_type
from autograd_mini.cli.output import missing_dependency, prepare_out
from autograd_mini.experiments import (
    DATASETS_2D,
    Report,
    fmt,
    load_problem,
    make_optimizer,
    plot_boundary,
    plot_loss,
    wine_question,
)

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "train"
HELP = "Train an MLP; save the model, a loss curve and a boundary plot."


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
        choices=("relu", "sigmoid", "tanh"),
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
    p.add_argument("--seed", type=seed_type, default=0)
    p.add_argument(
        "--compiled", action="store_true", help="use the compiled batch path (needs numpy)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    out_option(p)


def run(args: argparse.Namespace, report: Report) -> None:
    """Train an MLP; print the metrics; save the model, loss curve and decision boundary."""
    from autograd_mini import nn
    from autograd_mini import train as training

    out = prepare_out(args.out)
    with missing_dependency():
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
    with missing_dependency():
        history = training.fit(
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
    seconds = time.perf_counter() - start
    final_loss, train_acc = training.evaluate(model, problem.xs, problem.ys, loss=problem.loss)
    report.say(f"  {history.epochs} epochs in {seconds:.2f} s")
    report.say(f"  final training loss {final_loss:.6g}")
    report.number(f"{args.dataset}: final training loss", f"{final_loss:.6g}")
    if train_acc is not None:
        report.say(f"  training accuracy {train_acc:.1%}")
        report.number(f"{args.dataset}: training accuracy", f"{train_acc:.1%}")
    if problem.test_xs:
        _, test_acc = training.evaluate(model, problem.test_xs, problem.test_ys, loss=problem.loss)
        report.say(f"  held-out accuracy {test_acc:.1%} ({len(problem.test_xs)} samples)")
        report.number(f"{args.dataset}: held-out accuracy", f"{test_acc:.1%}")
    if args.dataset == "wine-toy":
        wine_question(report, model, problem)
    stem = args.dataset.replace("-", "_")
    model_path = out / f"model_{stem}.json"
    model.save(model_path)
    report.wrote("model (JSON)", model_path)
    with missing_dependency():
        loss_path = plot_loss(history, out / f"loss_{stem}.png", f"{args.dataset}: training")
        report.wrote("loss curve", loss_path)
        if args.dataset in DATASETS_2D:
            boundary = plot_boundary(model, problem, out / f"boundary_{stem}.png")
            report.wrote("decision boundary", boundary)
