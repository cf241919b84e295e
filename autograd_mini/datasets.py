"""Small data sets for training and teaching, as plain Python lists (no dependencies).

Every loader returns ``(xs, ys)``: ``xs`` a list of feature lists, ``ys`` a list of labels.
All but :func:`real` are synthetic: generated from formulas and a seeded ``random.Random``
(the same arguments give the same points on every platform, and the global generator is
never touched); only :func:`real` holds measurements.

* :func:`moons` — two interleaving half circles, labels −1/+1 (micrograd's demo data). The
  defaults reproduce exactly the 100 points of the project's reference speed workload
  (the moons step of ``benchmarks/workloads.py``: noise 0.1, seed 1337, same generator and
  order).
* :func:`spiral` — k interleaved spiral arms (CS231n's classic), labels 0 … k−1.
* :func:`xor` — the four corners of XOR, or noisy samples around them; labels 0/1.
* :func:`wine_toy` — the chapter's toy wine problem: white (0) or red (1) from age in years,
  alcohol %, whiteness and blackness in [0, 1]. **Synthetic**: drawn from hand-set ranges so
  that red wines are older, stronger, darker; not measurements.
* :func:`real` — a real, published data set that scikit-learn ships (``"wine"``: 178 Italian
  wines, 13 chemical measurements, 3 cultivars; ``"iris"``: 150 flowers, 4 measurements,
  3 species). Needs the ``examples`` extra (``pip install 'autograd-mini[examples]'``).

Helpers: :class:`Standardizer` / :func:`standardize` (z = (x − mean) / std per feature, the
statistics taken from the training data only) and :func:`train_test_split` (stratified).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "REAL_DATASETS",
    "WINE_TOY_CLASSES",
    "WINE_TOY_FEATURES",
    "RealData",
    "Standardizer",
    "moons",
    "real",
    "spiral",
    "standardize",
    "train_test_split",
    "wine_toy",
    "xor",
]

Data = tuple[list[list[float]], list[int]]

#: The toy wine problem's features and classes (class index = position).
WINE_TOY_FEATURES = ("age (years)", "alcohol (%)", "whiteness", "blackness")
WINE_TOY_CLASSES = ("white", "red")

#: The real data sets :func:`real` loads, by name.
REAL_DATASETS = ("wine", "iris")


def _positive(who: str, name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{who}: {name} must be a positive int, got {n!r}")
    return n


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> Data:
    """Two interleaving half circles; labels −1 (upper moon) and +1 (lower moon).

    Point i uses t = π·(i mod n/2)/(n/2 − 1); the first half lies on (cos t, sin t), the
    second on (1 − cos t, 1 − sin t − 0.5); each coordinate gets Gaussian noise drawn from
    ``random.Random(seed)`` in order (x₀ then x₁, point by point).
    """
    _positive("moons", "n", n)
    if n < 4:
        raise ValueError(f"moons: n must be at least 4, got {n}")
    rng = random.Random(seed)
    half = n // 2
    xs: list[list[float]] = []
    ys: list[int] = []
    for i in range(n):
        t = math.pi * (i % half) / (half - 1)
        if i < half:
            x0, x1, label = math.cos(t), math.sin(t), -1
        else:
            x0, x1, label = 1 - math.cos(t), 1 - math.sin(t) - 0.5, 1
        xs.append([x0 + rng.gauss(0, noise), x1 + rng.gauss(0, noise)])
        ys.append(label)
    return xs, ys


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Data:
    """k spiral arms: for arm c and r = i/(n − 1), θ = 4(c + r) + noise·N(0, 1), and the point
    (r sin θ, r cos θ). Labels 0 … k−1, arm by arm."""
    _positive("spiral", "n_per_class", n_per_class)
    _positive("spiral", "classes", classes)
    rng = random.Random(seed)
    xs: list[list[float]] = []
    ys: list[int] = []
    for c in range(classes):
        for i in range(n_per_class):
            r = i / max(n_per_class - 1, 1)
            theta = 4.0 * (c + r) + rng.gauss(0, noise)
            xs.append([r * math.sin(theta), r * math.cos(theta)])
            ys.append(c)
    return xs, ys


def xor(n: int | None = None, noise: float = 0.1, seed: int = 0) -> Data:
    """XOR: label 1 when exactly one coordinate is 1. ``n=None`` gives the four corners
    (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0; an int gives n points, corner by corner in turn,
    each moved by Gaussian noise of standard deviation ``noise``."""
    corners = [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)]
    if n is None:
        return [list(c) for c, _ in corners], [y for _, y in corners]
    _positive("xor", "n", n)
    rng = random.Random(seed)
    xs: list[list[float]] = []
    ys: list[int] = []
    for i in range(n):
        corner, label = corners[i % 4]
        xs.append([v + rng.gauss(0, noise) for v in corner])
        ys.append(label)
    return xs, ys


# (low, high) of each feature for white (class 0) and red (class 1) wines: invented ranges.
_WINE_TOY_RANGES = (
    ((0.5, 4.0), (9.0, 13.0), (0.6, 1.0), (0.0, 0.4)),  # white: young, lighter, pale
    ((1.0, 10.0), (11.5, 15.5), (0.0, 0.45), (0.55, 1.0)),  # red: older, stronger, dark
)


def wine_toy(n: int = 200, seed: int = 0) -> Data:
    """The chapter's toy wine problem: [age, alcohol %, whiteness, blackness] → 0 white, 1 red.

    Synthetic: each feature is drawn uniformly from an invented range per class (white:
    0.5–4 years, 9–13 %, whiteness 0.6–1, blackness 0–0.4; red: 1–10 years, 11.5–15.5 %,
    whiteness 0–0.45, blackness 0.55–1), classes alternating. Age and alcohol overlap between
    the classes; colour nearly separates them. Standardize before training (the features'
    scales differ by a factor of ten).
    """
    _positive("wine_toy", "n", n)
    rng = random.Random(seed)
    xs: list[list[float]] = []
    ys: list[int] = []
    for i in range(n):
        label = i % 2
        xs.append([rng.uniform(lo, hi) for lo, hi in _WINE_TOY_RANGES[label]])
        ys.append(label)
    return xs, ys


@dataclass(frozen=True)
class RealData:
    """A real data set: features, class indices and their names."""

    name: str
    xs: list[list[float]]
    ys: list[int]
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]


def real(name: str = "wine") -> RealData:
    """Load scikit-learn's ``load_wine`` (default) or ``load_iris`` as plain lists.

    Raises ImportError with the install command when scikit-learn is missing.
    """
    if name not in REAL_DATASETS:
        raise ValueError(f"real: unknown data set {name!r}; choose one of {REAL_DATASETS}")
    try:
        from sklearn import datasets as skd
    except ImportError as error:
        raise ImportError(
            f"the real data set {name!r} comes with scikit-learn, which is not installed; "
            "install it with: pip install 'autograd-mini[examples]'"
        ) from error
    bunch: Any = skd.load_wine() if name == "wine" else skd.load_iris()
    return RealData(
        name=name,
        xs=[[float(v) for v in row] for row in bunch.data],
        ys=[int(t) for t in bunch.target],
        feature_names=tuple(str(f) for f in bunch.feature_names),
        class_names=tuple(str(c) for c in bunch.target_names),
    )


def train_test_split(
    xs: Sequence[Sequence[float]], ys: Sequence[int], test_fraction: float = 0.3, seed: int = 0
) -> tuple[list[list[float]], list[int], list[list[float]], list[int]]:
    """Shuffle and split into (train_xs, train_ys, test_xs, test_ys), stratified by label:
    each class contributes round(test_fraction × its count) samples (at least one, leaving
    at least one for training when it has two or more) to the test set."""
    if len(xs) != len(ys):
        raise ValueError(f"train_test_split: {len(xs)} inputs but {len(ys)} labels")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1), got {test_fraction}")
    rng = random.Random(seed)
    by_class: dict[int, list[int]] = {}
    for i, y in enumerate(ys):
        by_class.setdefault(y, []).append(i)
    test: list[int] = []
    for label in sorted(by_class):
        idx = by_class[label]
        rng.shuffle(idx)
        k = min(max(1, round(test_fraction * len(idx))), max(len(idx) - 1, 1))
        test.extend(idx[:k])
    chosen = set(test)
    train = [i for i in range(len(ys)) if i not in chosen]
    rng.shuffle(train)
    rng.shuffle(test)
    return (
        [list(xs[i]) for i in train],
        [ys[i] for i in train],
        [list(xs[i]) for i in test],
        [ys[i] for i in test],
    )


@dataclass(frozen=True)
class Standardizer:
    """Per-feature z = (x − mean) / std, with the statistics of the data it was fit on.

    A feature with zero spread keeps std = 1 (it is only centred).
    """

    means: tuple[float, ...]
    stds: tuple[float, ...]

    @classmethod
    def fit(cls, xs: Sequence[Sequence[float]]) -> Standardizer:
        """Mean and (population) standard deviation of every feature of ``xs``."""
        if len(xs) == 0:  # not `not xs`: a NumPy array has no truth value
            raise ValueError("Standardizer.fit: needs at least one sample")
        width = len(xs[0])
        if any(len(x) != width for x in xs):
            raise ValueError("Standardizer.fit: every sample must have the same length")
        n = len(xs)
        means = [math.fsum(x[j] for x in xs) / n for j in range(width)]
        stds = []
        for j, m in enumerate(means):
            s = math.sqrt(math.fsum((x[j] - m) ** 2 for x in xs) / n)
            stds.append(s if s > 0 else 1.0)
        return cls(tuple(means), tuple(stds))

    def transform_one(self, x: Sequence[float]) -> list[float]:
        """Standardize one sample."""
        if len(x) != len(self.means):
            raise ValueError(
                f"Standardizer: expected {len(self.means)} features, got {len(x)}: {list(x)}"
            )
        return [(v - m) / s for v, m, s in zip(x, self.means, self.stds, strict=True)]

    def transform(self, xs: Sequence[Sequence[float]]) -> list[list[float]]:
        """Standardize every sample."""
        return [self.transform_one(x) for x in xs]

    def inverse_one(self, z: Sequence[float]) -> list[float]:
        """Undo :meth:`transform_one`: x = z·std + mean."""
        return [v * s + m for v, m, s in zip(z, self.means, self.stds, strict=True)]


def standardize(xs: Sequence[Sequence[float]]) -> tuple[list[list[float]], Standardizer]:
    """Fit a :class:`Standardizer` on ``xs`` and return (standardized xs, the standardizer)."""
    scaler = Standardizer.fit(xs)
    return scaler.transform(xs), scaler
