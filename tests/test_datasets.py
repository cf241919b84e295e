"""Data sets: the reference moons points, spiral, XOR, the toy wine problem, the real set,
standardization and the stratified split."""

from __future__ import annotations

import importlib.util
import math
import sys
from collections import Counter
from pathlib import Path

import pytest

from autograd_mini import datasets
from autograd_mini.datasets import Standardizer, standardize, train_test_split

ROOT = Path(__file__).resolve().parents[1]
#: The project's benchmark workload (a copy of the shared reference, kept byte-identical).
WORKLOAD = ROOT / "benchmarks" / "moons_workload.py"
#: Where the shared reference sits when the repository is checked out beside it.
SHARED_WORKLOAD = ROOT.parent / "shared" / "bench" / "moons_workload.py"


class TestMoons:
    def test_workload_is_identical_to_the_shared_reference(self) -> None:
        if not SHARED_WORKLOAD.is_file():
            pytest.skip("no shared reference workload beside this checkout to compare with")
        assert WORKLOAD.read_bytes() == SHARED_WORKLOAD.read_bytes()

    def test_same_points_as_the_reference_workload(self) -> None:
        spec = importlib.util.spec_from_file_location("moons_workload", WORKLOAD)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert datasets.moons() == module.moons()
        assert datasets.moons(60, 0.2, 3) == module.moons(60, 0.2, 3)

    def test_pinned_first_points_and_labels(self) -> None:
        xs, ys = datasets.moons()
        assert len(xs) == 100 and ys == [-1] * 50 + [1] * 50
        # Point 0 sits at (cos 0, sin 0) = (1, 0) plus noise; point 50 at (0, 0.5) plus noise.
        assert xs[0][0] == pytest.approx(1.0, abs=0.4) and xs[0][1] == pytest.approx(0.0, abs=0.4)
        assert xs[50][0] == pytest.approx(0.0, abs=0.4) and xs[50][1] == pytest.approx(0.5, abs=0.4)
        clean, _ = datasets.moons(noise=0.0)
        assert clean[0] == [1.0, 0.0] and clean[49][0] == pytest.approx(-1.0)

    def test_bad_size(self) -> None:
        with pytest.raises(ValueError, match="moons: n must be a positive int"):
            datasets.moons(0)


def test_spiral() -> None:
    xs, ys = datasets.spiral(30, 4, seed=1)
    assert len(xs) == 120 and Counter(ys) == {0: 30, 1: 30, 2: 30, 3: 30}
    radii = [math.hypot(*x) for x in xs]
    assert max(radii) == pytest.approx(1.0) and min(radii) == 0.0
    assert datasets.spiral(30, 4, seed=1) == (xs, ys)
    assert datasets.spiral(30, 4, seed=2) != (xs, ys)


def test_xor() -> None:
    assert datasets.xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    xs, ys = datasets.xor(40, noise=0.05)
    assert ys == [0, 1, 1, 0] * 10
    assert all(abs(x[0] - round(x[0])) < 0.3 and abs(x[1] - round(x[1])) < 0.3 for x in xs)
    assert all(y == (round(x[0]) != round(x[1])) for x, y in zip(xs, ys, strict=True))


def test_wine_toy() -> None:
    xs, ys = datasets.wine_toy(100, seed=4)
    assert Counter(ys) == {0: 50, 1: 50} and all(len(x) == 4 for x in xs)
    assert len(datasets.WINE_TOY_FEATURES) == 4 and datasets.WINE_TOY_CLASSES == ("white", "red")
    for x, y in zip(xs, ys, strict=True):
        assert 0.5 <= x[0] <= 10 and 9 <= x[1] <= 15.5
        assert 0 <= x[2] <= 1 and 0 <= x[3] <= 1
        assert (x[3] > 0.5) == (y == 1)  # red wines are dark
    reds = [x for x, y in zip(xs, ys, strict=True) if y == 1]
    whites = [x for x, y in zip(xs, ys, strict=True) if y == 0]
    assert sum(x[0] for x in reds) / len(reds) > sum(x[0] for x in whites) / len(whites)


class TestReal:
    def test_wine_from_scikit_learn(self) -> None:
        pytest.importorskip("sklearn", reason="scikit-learn (the datasets extra) is absent")
        data = datasets.real("wine")
        assert len(data.xs) == 178 and len(data.xs[0]) == 13
        assert Counter(data.ys) == {0: 59, 1: 71, 2: 48}
        assert data.class_names == ("class_0", "class_1", "class_2")
        assert datasets.real("iris").feature_names[0] == "sepal length (cm)"

    def test_missing_scikit_learn_says_how_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "sklearn", None)
        with pytest.raises(ImportError, match=r"pip install 'autograd-mini\[datasets\]'"):
            datasets.real("wine")

    def test_unknown_name(self) -> None:
        with pytest.raises(ValueError, match="unknown data set 'mnist'"):
            datasets.real("mnist")


class TestStandardize:
    def test_zero_mean_unit_std_and_inverse(self) -> None:
        xs = [[1.0, 10.0, 5.0], [2.0, 30.0, 5.0], [6.0, 20.0, 5.0]]
        zs, scaler = standardize(xs)
        for j in range(3):
            col = [z[j] for z in zs]
            assert math.fsum(col) == pytest.approx(0.0, abs=1e-12)
            expected = 0.0 if j == 2 else 1.0  # a constant feature is only centred
            assert math.fsum(c * c for c in col) / 3 == pytest.approx(expected)
        assert scaler.inverse_one(zs[1]) == pytest.approx(xs[1])
        assert scaler.transform_one([3.0, 20.0, 5.0])[1] == pytest.approx(0.0)

    def test_numpy_arrays_like_lists(self) -> None:
        """fit() takes NumPy arrays, so the helpers that prepare its data must too."""
        np = pytest.importorskip("numpy")
        xs = [[1.0, 10.0], [2.0, 30.0], [6.0, 20.0]]
        assert Standardizer.fit(np.array(xs)) == Standardizer.fit(xs)
        with pytest.raises(ValueError, match="at least one sample"):
            Standardizer.fit(np.zeros((0, 2)))

    def test_errors(self) -> None:
        with pytest.raises(ValueError, match="at least one sample"):
            Standardizer.fit([])
        with pytest.raises(ValueError, match="same length"):
            Standardizer.fit([[1.0], [1.0, 2.0]])
        with pytest.raises(ValueError, match="expected 2 features, got 3"):
            Standardizer.fit([[1.0, 2.0]]).transform_one([1.0, 2.0, 3.0])


def test_train_test_split_is_stratified_disjoint_and_complete() -> None:
    xs = [[float(i)] for i in range(100)]
    ys = [i % 3 for i in range(100)]
    tx, ty, vx, vy = train_test_split(xs, ys, 0.2, seed=1)
    assert sorted(x[0] for x in tx + vx) == [float(i) for i in range(100)]
    assert Counter(vy) == {0: 7, 1: 7, 2: 7}
    assert all(int(x[0]) % 3 == y for x, y in zip(tx + vx, ty + vy, strict=True))
    assert train_test_split(xs, ys, 0.2, seed=1) == (tx, ty, vx, vy)
    with pytest.raises(ValueError, match="test_fraction must be in"):
        train_test_split(xs, ys, 1.0)


def test_synthetic_sets_leave_the_global_random_generator_alone() -> None:
    """The module docstring's promise: every synthetic set draws from its own seeded
    generator, so loading data never shifts micrograd-style global-random initialization."""
    import random

    state = random.getstate()
    datasets.moons()
    datasets.spiral(5, 2)
    datasets.xor(8)
    datasets.wine_toy(10)
    train_test_split([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1], 0.5)
    assert random.getstate() == state
