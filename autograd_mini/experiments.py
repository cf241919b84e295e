"""The chapter's experiments and their plots, as a library: the data sets prepared for
training, the vanishing-gradient measurement and the pictures (the worked example step by
step is ``autograd-mini walkthrough``, :mod:`autograd_mini.cli.walkthrough`).

The ``autograd-mini`` command, the scripts in ``examples/`` and
``scripts/render_docs_pictures.py`` all read these. Each experiment writes what it finds to a
:class:`Report` (lines printed as they come, headline numbers and the files written), so the
same run can be shown in a terminal, a notebook or the demo's web page.

matplotlib is imported only when a plot is made (:func:`pyplot`); without it, a plot raises
``ImportError`` saying what to install.

>>> report = Report("vanishing", quiet=True)
>>> report.number("max σ′", max_sigmoid_slope(-4.0, 4.0, 801)[0])
>>> report.numbers
[('max σ′', '0.25')]
>>> fmt(-14.0)
'−14'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograd_mini import chapter, i18n
from autograd_mini.engine import Value, no_grad

__all__ = [
    "CLASS_COLOURS",
    "DATASETS_2D",
    "TOY_DATASETS",
    "Problem",
    "Report",
    "fmt",
    "layer_gradients",
    "load_problem",
    "make_optimizer",
    "max_sigmoid_slope",
    "plot_boundary",
    "plot_loss",
    "plot_vanishing",
    "predict_class",
    "predict_classes",
    "pyplot",
    "savefig",
    "vanishing_figure",
    "wine_question",
]

#: The two-dimensional toy data sets (those with a decision-boundary plot).
DATASETS_2D = ("moons", "spiral", "xor")
#: Every data set :func:`load_problem` builds without scikit-learn.
TOY_DATASETS = (*DATASETS_2D, "wine-toy")
#: The colour of each class in the plots.
CLASS_COLOURS = ["#3b6fb6", "#d1495b", "#2e9e5b", "#e09f1f", "#7b4fa6", "#6c757d"]


@dataclass
class Report:
    """What an experiment printed, the numbers it found and the files it wrote."""

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


# -- plots ----------------------------------------------------------------------------------------


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (imported only when a plot is made)."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'autograd-mini[examples]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def savefig(fig: Any, path: Path) -> Path:
    """Save a matplotlib figure to ``path`` and close it."""
    plt = pyplot()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


# -- training -------------------------------------------------------------------------------------


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
    """Load ``name`` and choose its loss: max-margin for moons (±1), else cross-entropy.

    The real data sets (``wine``, ``iris``) need scikit-learn; without it this raises
    ``ImportError`` saying what to install.
    """
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
    data = ds.real(name)
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
    """``"sgd"`` (default ρ = 0.1) or ``"adam"`` (default lr = 0.01)."""
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


def predict_classes(model: Any, points: Sequence[Sequence[float]]) -> list[int]:
    """:func:`predict_class` of each point, the whole list as one batch.

    With NumPy (the ``fast`` extra) the model's forward pass is traced once by
    :func:`autograd_mini.compiled.compile_fn` and replayed over every point together; without
    NumPy, or when the trace does not hold for every point (a branch on the data, a domain
    error), each point is run eagerly.
    """
    import importlib.util

    if not points:
        return []
    if importlib.util.find_spec("numpy") is not None:
        from autograd_mini.compiled import DataDependenceError, compile_fn

        try:
            forward = compile_fn(lambda *x: model(list(x)), model.parameters(), points[0])
            scores = forward(points).values
        except (DataDependenceError, ArithmeticError, TypeError, ValueError):
            pass
        else:
            if scores.shape[1] == 1:
                return [int(s > 0) for s in scores[:, 0].tolist()]
            return [int(k) for k in scores.argmax(axis=1).tolist()]
    with no_grad():
        return [predict_class(model, x) for x in points]


def plot_loss(history: Any, path: Path, title: str) -> Path:
    """The training loss (and accuracy) per epoch of a :class:`~autograd_mini.train.History`."""
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
    return savefig(fig, path)


def plot_boundary(model: Any, problem: Problem, path: Path) -> Path:
    """The decision regions of a 2-D classifier on a grid, with the training points.

    The 70 × 70 grid is classified as one batch by :func:`predict_classes` (compiled with
    NumPy, eager without it).
    """
    plt = pyplot()
    xs0 = [x[0] for x in problem.xs]
    xs1 = [x[1] for x in problem.xs]
    lo0, hi0 = min(xs0) - 0.4, max(xs0) + 0.4
    lo1, hi1 = min(xs1) - 0.4, max(xs1) + 0.4
    n = 70
    g0 = [lo0 + (hi0 - lo0) * i / (n - 1) for i in range(n)]
    g1 = [lo1 + (hi1 - lo1) * i / (n - 1) for i in range(n)]
    classes = predict_classes(model, [[a, b] for b in g1 for a in g0])  # one batch
    zs = [classes[row * n : (row + 1) * n] for row in range(n)]
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
    return savefig(fig, path)


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


# -- vanishing gradients --------------------------------------------------------------------------


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


def vanishing_figure(rows: dict[str, list[float]], lang: str = "en") -> Any:
    """The matplotlib figure of :func:`plot_vanishing` (not saved): mean |∂L/∂W| per layer.

    With a ``"sigmoid"`` row, a dashed grey line shows the 0.25ⁿ bound
    (:func:`autograd_mini.chapter.quarter_power_reference`). Labels and title are
    :func:`autograd_mini.i18n.text`'s ``plot_*`` messages in ``lang``, set in the font family
    :data:`autograd_mini.i18n.FONT_FAMILIES` gives for it (Japanese needs a CJK font); in
    Japanese the legend names the activations in the chapter's terms (シグモイド関数, ...).
    """
    lang = i18n.check_lang(lang)
    plt = pyplot()
    # every Text made inside the context keeps the language's font family
    with plt.rc_context({"font.family": list(i18n.FONT_FAMILIES[lang])}):
        fig, ax = plt.subplots(figsize=(6, 3.8))
        for name, means in rows.items():
            layers = range(1, len(means) + 1)
            label = i18n.term(name, lang) if lang != "en" and name in i18n.TERMS else name
            ax.semilogy(layers, [max(m, 1e-300) for m in means], "o-", label=label)
        if rows.get("sigmoid"):
            reference = chapter.quarter_power_reference(rows["sigmoid"])
            ax.semilogy(
                range(1, len(reference) + 1),
                [max(r, 1e-300) for r in reference],
                "--",
                color="gray",
                linewidth=1.2,
                label=i18n.text("plot_reference", lang),
            )
        ax.set_xlabel(i18n.text("plot_x", lang))
        ax.set_ylabel(i18n.text("plot_y", lang))
        ax.set_title(i18n.text("plot_title", lang))
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    return fig


def plot_vanishing(rows: dict[str, list[float]], path: Path, lang: str = "en") -> Path:
    """Mean |∂L/∂W| per layer, log scale, one line per activation and the 0.25ⁿ reference,
    in ``lang`` (``"en"`` or ``"ja"``): :func:`vanishing_figure` saved to ``path``."""
    plt = pyplot()
    fig = vanishing_figure(rows, lang)
    with plt.rc_context({"font.family": list(i18n.FONT_FAMILIES[lang])}):
        return savefig(fig, path)
