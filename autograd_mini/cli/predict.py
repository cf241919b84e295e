"""``autograd-mini predict``: run a saved model on a data set (outputs and accuracy) or on
samples given with ``--input``."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any

from autograd_mini.cli.arguments import bounded, dataset_names, seed_type
from autograd_mini.cli.output import UsageError, missing_dependency
from autograd_mini.cli.train import class_labels
from autograd_mini.engine import Value, no_grad
from autograd_mini.experiments import Problem, Report, load_problem

__all__ = [
    "HELP",
    "NAME",
    "Prediction",
    "add_arguments",
    "check_model_fits",
    "describe",
    "parse_input",
    "predict",
    "run",
]

NAME = "predict"
HELP = "Run a saved model on a data set or on given inputs."

#: (outputs, predicted class, class probabilities: softmax, none for a single score)
Prediction = tuple[list[float], int, list[float]]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    p.add_argument("--model", required=True, metavar="FILE", help="a model file (from train)")
    p.add_argument(
        "--dataset",
        choices=dataset_names(),
        default=None,
        help="print the model's accuracy on this data set (with --input: standardize the "
        "inputs as train did for this data set)",
    )
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="X1,X2,...",
        help="one sample's inputs, comma-separated; repeat for more samples; one that starts "
        "with - is written --input=-0.5,3",
    )
    p.add_argument(
        "--seed",
        type=seed_type,
        default=0,
        help="the seed train used: it samples spiral and xor and splits wine and iris (default: 0)",
    )
    p.add_argument(
        "--show",
        type=bounded(int, 0, 10**6),
        default=10,
        metavar="N",
        help="print the first N samples of the data set one by one (default: 10)",
    )


def parse_input(text: str, nin: int) -> list[float]:
    """``"1,2"`` → ``[1.0, 2.0]``: ``nin`` finite numbers, else a UsageError."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        x = [float(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(
            f"--input {shown!r}: write the inputs as comma-separated numbers, e.g. 1,2.5"
        ) from None
    if not all(math.isfinite(v) for v in x):
        raise UsageError(f"--input {shown!r}: every input must be a finite number")
    if len(x) != nin:
        raise UsageError(f"--input {shown!r} has {len(x)} numbers, the model takes {nin}")
    return x


def check_model_fits(model: Any, path: str, problem: Problem) -> None:
    """A UsageError unless ``model`` takes ``problem``'s features and gives one score (two
    classes) or one output per class."""
    features, k = len(problem.xs[0]), len(problem.classes)
    if model.nin != features:
        raise UsageError(
            f"model file {path!r} takes {model.nin} inputs but {problem.name} has "
            f"{features} features"
        )
    nout = model.nouts[-1]
    if nout != k and not (nout == 1 and k == 2):
        fits = "1 or 2" if k == 2 else str(k)
        raise UsageError(
            f"model file {path!r} has {nout} outputs, but {problem.name} has {k} classes "
            f"(a model for it has {fits})"
        )


def predict(model: Any, x: Sequence[float]) -> Prediction:
    """The model's outputs on ``x``, the class they predict (a single score: its sign; else
    the largest output) and, for several outputs, their softmax."""
    from autograd_mini.losses import softmax

    with no_grad():
        out = model(x)
        if isinstance(out, Value):
            return [out.data], int(out.data > 0), []
        probs = [p.data for p in softmax(out)]
    scores = [o.data for o in out]
    return scores, max(range(len(scores)), key=scores.__getitem__), probs


def describe(x: Sequence[float], prediction: Prediction, names: Sequence[str]) -> str:
    """One line: the input, the outputs, the predicted class and the probabilities."""
    outputs, best, probs = prediction
    inputs = ", ".join(f"{v:.6g}" for v in x)
    values = ", ".join(f"{v:.6g}" for v in outputs)
    text = f"  x = [{inputs}]  output{'s' if len(outputs) > 1 else ''} [{values}]  → class {best}"
    if names:
        text += f" ({names[best]})"
    if probs:
        text += "  " + ", ".join(
            f"P({names[c] if names else f'class {c}'}) = {p:.5f}" for c, p in enumerate(probs)
        )
    return text


def run(args: argparse.Namespace, report: Report) -> None:
    """A saved model's outputs on --input samples, or its accuracy on a data set."""
    from autograd_mini.nn import MLP, ModelFileError

    if not args.dataset and not args.input:
        raise UsageError("give --dataset NAME or --input X1,X2,… (or both) to predict on")
    try:
        model = MLP.load(args.model)
    except ModelFileError as error:
        raise UsageError(str(error)) from None
    problem: Problem | None = None
    if args.dataset:
        with missing_dependency():
            problem = load_problem(args.dataset, args.seed)
        check_model_fits(model, args.model, problem)
    inputs = [parse_input(text, model.nin) for text in args.input]
    report.say(f"model {args.model!r}: MLP({model.nin}, {model.nouts}) with {model.activation}")
    names = problem.classes if problem is not None else ()
    if names == tuple(str(c) for c in range(len(names))):
        names = ()  # classes named by their index: "class 2" says it all
    if inputs:
        scaler = problem.scaler if problem is not None else None
        if problem is not None and scaler is not None:
            report.say(f"  (inputs standardized as train did for {problem.name})")
        for x in inputs:
            seen = scaler.transform_one(x) if scaler is not None else x
            report.say(describe(x, predict(model, seen), names))
        return
    assert problem is not None  # no --input: --dataset was given
    parts = [("", problem.xs, problem.ys)]
    if problem.test_xs:
        parts = [
            (" on the training part", problem.xs, problem.ys),
            (" on the held-out part", problem.test_xs, problem.test_ys),
        ]
    for where, xs, ys in parts:
        labels = class_labels(problem, ys)
        predictions = [predict(model, x) for x in xs]
        for x, prediction, label in zip(xs[: args.show], predictions, labels, strict=False):
            true = f"{label} ({names[label]})" if names else str(label)
            report.say(f"{describe(x, prediction, names)}  (true class: {true})")
        if len(xs) > args.show:
            report.say(f"  … and {len(xs) - args.show:,} more")
        correct = sum(p[1] == c for p, c in zip(predictions, labels, strict=True))
        accuracy = correct / len(xs)
        report.say(f"  accuracy {accuracy:.1%}{where} of {problem.name} ({len(xs)} samples)")
        report.number(f"{problem.name}: accuracy{where}", f"{accuracy:.1%}")
