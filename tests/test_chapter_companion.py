"""The chapter's companion numbers: the wine answer, both losses after the ρ = 0.01 step, the
0.25ⁿ reference, the sigmoid-stalls run, and the Japanese terms (issue 13)."""

from __future__ import annotations

import doctest
import math

import pytest

from autograd_mini import chapter, i18n, losses


@pytest.mark.parametrize("module", [chapter, i18n])
def test_module_docstrings_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0


def test_wine_network_answers_the_chapter() -> None:
    net = chapter.wine_network()
    assert net.nouts == [3, 2] and net.nin == 4 and net.activation == "relu"
    assert chapter.WINE_QUERY == (3, 14, 0.2, 0.8)
    outputs = net(list(chapter.WINE_QUERY))
    assert isinstance(outputs, list)
    assert [y.data for y in outputs] == pytest.approx([-0.74, 1.0], abs=1e-12)
    white, red = chapter.wine_probabilities()
    assert (round(white, 2), round(red, 2)) == (0.15, 0.85)
    assert white == pytest.approx(1 / (1 + math.exp(1.74)), rel=1e-12)
    assert white + red == pytest.approx(1.0, rel=1e-15)
    assert [n.h.data for n in net.layers[0].neurons if n.h is not None] == pytest.approx(
        [2.0, 0.0, 0.3]
    )


def test_wine_network_trains_with_softmax_cross_entropy_delta() -> None:
    net = chapter.wine_network()
    outputs = net(list(chapter.WINE_QUERY))
    assert isinstance(outputs, list)
    loss = losses.cross_entropy(outputs, 1)
    loss.backward()
    white, red = chapter.wine_probabilities()
    assert [n.delta for n in net.layers[1].neurons] == pytest.approx([white, red - 1.0])


def test_compare_updates_gives_both_losses() -> None:
    c = chapter.compare_updates()
    assert c.loss_before == 169.0 and c.y_before == 33.0
    assert c.loss_w1_w2 == pytest.approx((20 - 0.14 * 7.88) ** 2, rel=1e-12)
    assert round(c.loss_w1_w2, 3) == 357.089
    assert round(c.loss_every_weight, 3) == 399.552
    assert c.loss_every_weight > c.loss_w1_w2 > c.loss_before
    assert c.y_every_weight < c.y_w1_w2 < 20.0  # both overshoot past t; every weight more so


def test_gradient_step_only_moves_the_named_weights() -> None:
    after = chapter.gradient_step(chapter.build(), 0.01, only={"w_1", "w_2"})
    values = [w.data for w in after.weights()]
    assert values == pytest.approx([0.14, 1.44, 1.0, 2.0, -2.0, -3.0, -1.0, 2.0])
    with pytest.raises(KeyError, match="w_9"):
        chapter.gradient_step(chapter.build(), 0.01, only={"w_9"})


def test_quarter_power_reference() -> None:
    assert chapter.quarter_power_reference([9.0, 9.0, 9.0, 2.0]) == [2 / 64, 2 / 16, 0.5, 2.0]
    with pytest.raises(ValueError, match="no layers"):
        chapter.quarter_power_reference([])


def test_deep_sigmoid_stalls_while_relu_trains() -> None:
    runs = chapter.stall_comparison(epochs=10)
    sigmoid, relu = runs["sigmoid"], runs["relu"]
    assert len(sigmoid.loss) == len(relu.loss) == 10
    assert abs(sigmoid.loss[-1] - sigmoid.loss[0]) < 1e-3
    assert relu.loss[-1] < relu.loss[0] - 0.1


def test_terms_and_messages_exist_in_both_languages() -> None:
    assert i18n.term("linear_transform", "ja") == "線形変換"
    assert i18n.term("nonlinear_transform", "ja") == "非線形変換"
    assert i18n.term("learning_rate", "ja") == "学習係数"
    assert i18n.term("backpropagation", "ja") == "誤差逆伝播法"
    for en, ja in [*i18n.TERMS.values(), *i18n.MESSAGES.values()]:
        assert en and ja and en != ja
    assert i18n.text("step_line", "ja", k=3, loss="1") == "  3 回目  L = 1"
    with pytest.raises(ValueError, match="'en' or 'ja'"):
        i18n.term("layer", "de")
    with pytest.raises(KeyError, match="no term"):
        i18n.term("nope")


@pytest.mark.parametrize("name", ["chapter-map.md", "chapter-map.ja.md"])
def test_chapter_map_names_existing_tests_examples_and_code(name: str) -> None:
    import importlib
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / name).read_text(encoding="utf-8")
    tests = re.findall(r"`(tests/\w+\.py)::(test_\w+)`", text)
    assert len(tests) >= 15
    for path, test in tests:
        assert f"def {test}(" in (root / path).read_text(encoding="utf-8"), f"{path}::{test}"
    examples = set(re.findall(r"`(examples/\w+\.py)`", text))
    assert len(examples) >= 4 and all((root / e).is_file() for e in examples)
    names = set(re.findall(r"`((?:nn|engine|losses|chapter|viz|optim)\.[\w.]+|Value\.\w+)", text))
    assert len(names) >= 15
    for dotted in names:
        module, *attrs = dotted.split(".")
        obj: object = (
            importlib.import_module(f"autograd_mini.{module}")
            if module != "Value"
            else importlib.import_module("autograd_mini").Value
        )
        for attr in attrs:
            obj = getattr(obj, attr)
        assert obj is not None


def test_the_examples_show_the_wine_answer_and_both_losses() -> None:
    import subprocess
    import sys
    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "examples"

    def run(name: str) -> str:
        done = subprocess.run(
            [sys.executable, str(examples / name), "--quick"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    wine = run("wine_softmax.py")
    assert "P(white) = 0.1493, P(red) = 0.8507, sum = 1.000000" in wine
    assert "output y_2 red   w = [0.5, -1, 0]  u = +1.0000  h = 1.0000  delta = -0.1493" in wine
    worked = run("worked_example.py")
    assert "(as the chapter does): 357.089" in worked
    assert "(w_3, w_4 move too): 399.552" in worked


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_vanishing_plot_draws_the_quarter_power_reference(lang: str, tmp_path: object) -> None:
    """The vanishing plot has three lines: sigmoid, ReLU and the 0.25ⁿ reference (issue 13)."""
    from pathlib import Path

    from autograd_mini.cli import vanishing

    rows = {"sigmoid": [1e-6, 1e-3, 0.5], "relu": [0.1, 0.2, 0.3]}
    lines = vanishing.plot_lines(rows, lang)
    reference = i18n.text("plot_reference", lang)
    sigmoid, relu = ("sigmoid", "relu") if lang == "en" else ("シグモイド関数", "ReLU 関数")
    assert list(lines) == [sigmoid, relu, reference]
    assert lines[reference] == [0.03125, 0.125, 0.5]  # 0.5 × 0.25², 0.5 × 0.25, 0.5
    assert lines[sigmoid] == rows["sigmoid"] and lines[relu] == rows["relu"]
    pytest.importorskip("matplotlib")
    assert isinstance(tmp_path, Path)
    written = vanishing.plot(rows, tmp_path / "v.png", lang)
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["chapter-map.md", "chapter-map.ja.md"])
def test_chapter_map_says_which_commands_take_lang(name: str) -> None:
    """The map's sentence about ``--lang ja`` names exactly the subcommands that accept it."""
    import argparse
    import re
    from pathlib import Path

    from autograd_mini.cli.parser import COMMANDS

    text = (Path(__file__).resolve().parent.parent / "docs" / name).read_text(encoding="utf-8")
    sentence = next(p for p in text.split("\n\n") if "`--lang ja`" in p)
    assert "Every command" not in sentence
    named = set(re.findall(r"`(\w+)`", sentence)) - {"ja"}
    with_lang = set()
    for command in COMMANDS:
        options = argparse.ArgumentParser()
        command.add_arguments(options)
        if "--lang" in options.format_help():
            with_lang.add(command.NAME)
    assert named == with_lang == {"walkthrough", "vanishing", "demo"}
