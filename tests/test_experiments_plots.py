"""The plots of :mod:`autograd_mini.experiments`: the vanishing-gradient figure in each language."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import chapter, cli, experiments, i18n

pytest.importorskip("matplotlib")

ROWS = {"sigmoid": [1e-6, 1e-4, 1e-2, 0.5], "relu": [0.2, 0.3, 0.25, 0.4]}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_vanishing_figure_in_japanese_has_the_chapter_words_and_the_reference() -> None:
    fig = experiments.vanishing_figure(ROWS, "ja")
    try:
        (ax,) = fig.axes
        assert ax.get_title() == "勾配消失：同じ構造でシグモイド関数と ReLU 関数を比べる"
        assert ax.get_xlabel() == "層（1 = 入力に最も近い層）"
        assert ax.get_ylabel() == i18n.text("plot_y", "ja") and ax.get_ylabel().endswith("| の平均")
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["シグモイド関数", "ReLU 関数", "0.25ⁿ（1層ごとに σ′ ≤ 0.25）"]
        reference = ax.get_lines()[2]
        assert reference.get_linestyle() == "--"
        assert list(reference.get_ydata()) == [0.5 * 0.25**3, 0.5 * 0.25**2, 0.5 * 0.25, 0.5]
        assert list(reference.get_ydata()) == chapter.quarter_power_reference(ROWS["sigmoid"])
        assert ax.title.get_fontfamily() == ["DejaVu Sans", "Noto Sans CJK JP"]
    finally:
        experiments.pyplot().close(fig)


def test_vanishing_figure_in_english_by_default() -> None:
    fig = experiments.vanishing_figure(ROWS)
    try:
        (ax,) = fig.axes
        assert ax.get_title() == "Vanishing gradients: the same architecture, sigmoid vs ReLU"
        assert ax.get_xlabel() == "layer (1 = next to the input)"
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels[-1] == "0.25ⁿ (σ′ ≤ 0.25 per layer)"
        assert ax.title.get_fontfamily() == ["DejaVu Sans"]
    finally:
        experiments.pyplot().close(fig)


def test_vanishing_figure_without_a_sigmoid_row_has_no_reference() -> None:
    fig = experiments.vanishing_figure({"relu": [0.2, 0.3]})
    try:
        assert len(fig.axes[0].get_lines()) == 1
    finally:
        experiments.pyplot().close(fig)


def test_vanishing_figure_rejects_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="language must be 'en' or 'ja', not 'fr'"):
        experiments.vanishing_figure(ROWS, "fr")


def cjk_font_installed() -> bool:
    from matplotlib import font_manager

    try:
        font_manager.findfont(
            font_manager.FontProperties(family="Noto Sans CJK JP"), fallback_to_default=False
        )
    except ValueError:
        return False
    return True


def test_japanese_plot_renders_every_glyph(tmp_path: Path) -> None:
    """No tofu: matplotlib warns "Glyph ... missing from font(s)" for a character it lacks."""
    if not cjk_font_installed():
        pytest.skip("no CJK font: sh scripts/ensure-system-deps.sh cjk installs fonts-noto-cjk")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = experiments.plot_vanishing(ROWS, tmp_path / "ja.png", "ja")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_vanishing_cli_draws_the_plot_in_its_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    titles: list[str] = []
    save = experiments.savefig

    def spy(fig: Any, path: Path) -> Path:
        titles.append(fig.axes[0].get_title())
        return save(fig, path)

    monkeypatch.setattr(experiments, "savefig", spy)
    argv = ["vanishing", "--depth", "2", "--width", "2", "--lang", "ja", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    capsys.readouterr()
    assert titles == [i18n.text("plot_title", "ja")]
    assert (tmp_path / "vanishing.png").read_bytes().startswith(PNG_MAGIC)


# -- the decision-boundary grid: one batch ------------------------------------------------------

GRID = [[-1.5 + 0.5 * i, -1.0 + 0.4 * j] for j in range(6) for i in range(7)]


@pytest.mark.parametrize("nout", [1, 3])
def test_predict_classes_agrees_with_predict_class_point_by_point(nout: int) -> None:
    from autograd_mini import MLP

    model = MLP(2, [8, 8, nout], seed=5)
    expected = [experiments.predict_class(model, x) for x in GRID]
    assert experiments.predict_classes(model, GRID) == expected
    assert len(set(expected)) > 1  # the grid crosses a boundary: the check means something


def test_predict_classes_without_numpy_runs_eagerly(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from autograd_mini import MLP

    model = MLP(2, [6, 3], seed=1)
    expected = experiments.predict_classes(model, GRID)
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` fails, as without it
    assert experiments.predict_classes(model, GRID) == expected
    assert experiments.predict_classes(model, []) == []


class Branching:
    """A model whose graph depends on the input's sign: the trace cannot serve every point."""

    def __init__(self) -> None:
        from autograd_mini import Value

        self.w = Value(2.0)

    def parameters(self) -> list[Any]:
        return [self.w]

    def __call__(self, x: Any) -> Any:
        return self.w * x[0] if x[0] > 0 else -self.w * x[1]


def test_predict_classes_falls_back_when_the_graph_depends_on_the_data() -> None:
    model = Branching()
    points = [[1.0, 5.0], [-1.0, 5.0], [-1.0, -5.0], [2.0, -3.0]]
    # 2·1 > 0; −2·5 < 0; −2·(−5) > 0; 2·2 > 0
    assert experiments.predict_classes(model, points) == [1, 0, 1, 1]
