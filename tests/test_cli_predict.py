"""``autograd-mini predict`` (a saved model on a data set or on inputs) and the ``train``
options around it: ``--save``, ``--loss``, ``--no-plots``, the summary's labelled losses and
the ``--compiled`` hint."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from cli_run import run

from autograd_mini.nn import MLP


def percent(text: str, prefix: str) -> float:
    match = re.search(rf"{re.escape(prefix)} ([\d.]+)%", text)
    assert match is not None, text
    return float(match.group(1))


def number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match is not None, text
    return float(match.group(1).replace("−", "-"))


# -- train --save, --no-plots, predict on the data set ---------------------------------------------


def test_train_save_then_predict_gives_the_same_accuracy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_file = tmp_path / "models" / "moons.json"
    argv = ["train", "--epochs", "25", "--lr", "0.05", "--no-progress", "--no-plots"]
    code, out, _ = run([*argv, "--save", str(model_file), "--out", str(tmp_path)], capsys)
    assert code == 0
    trained = percent(out, "training accuracy")
    assert trained >= 90.0
    assert f"wrote {model_file}" in out
    assert not list(tmp_path.glob("*.png"))  # --no-plots
    assert not (tmp_path / "model_moons.json").exists()  # --save replaces the default name

    code, out, err = run(["predict", "--model", str(model_file), "--dataset", "moons"], capsys)
    assert code == 0, err
    assert percent(out, "accuracy") == trained
    assert "100 samples" in out
    # each shown row: the input, the model's score, the predicted and the true class
    model = MLP.load(model_file)
    from autograd_mini.datasets import moons

    xs, _ = moons()
    score = model(xs[0]).data  # type: ignore[union-attr]
    assert f"{score:.6g}" in out


def test_predict_on_inputs_prints_the_models_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = MLP(2, [4, 3], seed=5)
    path = tmp_path / "m.json"
    model.save(path)
    code, out, err = run(
        ["predict", "--model", str(path), "--input", "1,2", "--input=-0.5,3"], capsys
    )
    assert code == 0, err
    for x in ([1.0, 2.0], [-0.5, 3.0]):
        outputs = [o.data for o in model(x)]  # type: ignore[union-attr]
        for value in outputs:
            assert f"{value:.6g}" in out
        best = max(range(3), key=outputs.__getitem__)
        assert re.search(rf"class {best}\b", out)
    assert "accuracy" not in out  # no labels, no accuracy


def test_predict_standardizes_inputs_like_training_when_given_the_data_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wine.json"
    argv = ["train", "--dataset", "wine-toy", "--hidden", "3", "--epochs", "15", "--lr", "0.05"]
    code, out, _ = run([*argv, "--no-progress", "--no-plots", "--save", str(path)], capsys)
    assert code == 0
    white = number(out, r"P\(white\) = ([\d.]+)")
    argv = ["predict", "--model", str(path), "--dataset", "wine-toy", "--input", "3,14,0.2,0.8"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    # the same standardization as training, so the chapter's wine gets the same answer
    assert number(out, r"P\(white\) = ([\d.]+)") == pytest.approx(white, abs=1e-5)


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (None, ["--dataset", "moons"], "cannot be read"),
        ("{not json", ["--dataset", "moons"], "is not valid JSON"),
        ('{"format": "other"}', ["--dataset", "moons"], "format is 'other'"),
        ("model:4", ["--dataset", "moons"], "takes 4 inputs but moons has 2 features"),
        ("model:2", ["--input", "1,2,3"], "--input '1,2,3' has 3 numbers, the model takes 2"),
        ("model:2", ["--input", "1,x"], "--input '1,x'"),
        ("model:2", ["--input", "1,nan"], "--input '1,nan'"),
        ("model:2/3", ["--dataset", "moons"], "3 outputs, but moons has 2 classes"),
        ("model:2", [], "give --dataset NAME or --input"),
    ],
)
def test_predict_bad_input_is_one_line_exit_2(
    make: str | None,
    extra: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "model.json"
    if make is not None and make.startswith("model:"):
        sizes = make.removeprefix("model:").split("/")
        MLP(int(sizes[0]), [3, int(sizes[1]) if len(sizes) > 1 else 1], seed=0).save(path)
    elif make is not None:
        path.write_text(make, encoding="utf-8")
    code, out, err = run(["predict", "--model", str(path), *extra], capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("autograd-mini predict: error:")
    assert message in err
    assert "Traceback" not in err


def test_predict_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["predict", "--help"], capsys)
    assert code == 0
    assert out.startswith("usage: autograd-mini predict")
    assert "--model" in out and "--input" in out and "--dataset" in out
    assert "--input=-0.5,3" in " ".join(out.split())  # how to give a negative first input


# -- train: --loss, the summary, --seed, the --compiled hint ---------------------------------------


@pytest.mark.parametrize("loss", ["mse", "bce", "hinge", "cross_entropy"])
def test_train_loss_option_trains_moons_with_that_loss(
    loss: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.json"
    argv = ["train", "--loss", loss, "--epochs", "30", "--lr", "0.05", "--no-progress"]
    code, out, err = run([*argv, "--no-plots", "--save", str(path), "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert f"loss {loss}," in out
    assert percent(out, "training accuracy") >= 80.0
    # cross-entropy needs one output per class; the others one score
    nouts = json.loads(path.read_text())["architecture"]["nouts"]
    assert nouts[-1] == (2 if loss == "cross_entropy" else 1)


def test_train_loss_that_does_not_fit_the_data_set_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["train", "--dataset", "spiral", "--loss", "hinge"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "hinge" in err and "2 classes" in err and "spiral has 3" in err


def test_train_loss_choices_come_from_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["train", "--loss", "huber"], capsys)
    assert code == 2
    for name in ("mse", "cross_entropy", "hinge", "bce"):
        assert name in err


def test_train_summary_labels_both_losses_and_one_epoch_is_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.json"
    argv = ["train", "--epochs", "1", "--no-plots", "--save", str(path), "--out", str(tmp_path)]
    code, out, err = run(argv, capsys)
    assert code == 0
    assert "1 epoch in" in out and "1 epochs" not in out
    assert ", 1 epoch," in out
    # the progress bar's last loss (tqdm on stderr) is the last epoch's mean, labelled as such
    bar = [float(v) for v in re.findall(r"loss=([\d.e+-]+)", err)]
    assert bar
    during = number(out, r"mean loss during the last epoch \(the progress bar's\) ([\d.e+-]+)")
    assert during == pytest.approx(bar[-1], rel=1e-3)
    after = number(out, r"final training loss \(whole data set, after training\) ([\d.e+-]+)")
    from autograd_mini import train
    from autograd_mini.datasets import moons

    xs, ys = moons()
    expected, _ = train.evaluate(MLP.load(path), xs, ys, loss="hinge")
    assert after == pytest.approx(expected, rel=1e-5)
    assert not math.isclose(after, during, rel_tol=1e-3)  # one update apart: they differ


def test_train_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["train", "--help"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    assert re.search(r"--seed SEED \w+[^-]*\(default: 0\)", flat), flat
    for option in ("--loss", "--save", "--no-plots"):
        assert option in flat


def test_train_with_many_steps_suggests_compiled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("numpy")
    # xor has 80 samples: batches of 1 make 80 steps per epoch, 30 epochs 2,400 steps
    argv = ["train", "--dataset", "xor", "--hidden", "2", "--batch-size", "1", "--epochs", "30"]
    argv += ["--no-progress", "--no-plots", "--out", str(tmp_path)]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "hint: 2,400 steps (30 epochs × 80 batches)" in out and "--compiled" in out
    code, out, _ = run([*argv, "--compiled"], capsys)
    assert code == 0 and "hint" not in out
    code, out, _ = run([*argv, "--epochs", "2"], capsys)  # 160 steps: no hint
    assert code == 0 and "hint" not in out


def test_predict_rows_name_classes_only_when_they_have_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "spiral.json"
    MLP(2, [3], seed=1).save(path)
    argv = ["predict", "--model", str(path), "--dataset", "spiral", "--show", "2"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("  x = ")]
    assert len(rows) == 2
    for row in rows:
        assert re.search(r"→ class [012]  P\(class 0\) = [\d.]+, P\(class 1\)", row), row
        assert row.endswith("(true class: 0)")  # the spiral's first points are class 0
    assert "… and 178 more" in out
    path = tmp_path / "moons.json"
    MLP(2, [1], seed=1).save(path)
    argv = ["predict", "--model", str(path), "--dataset", "moons", "--show", "1"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert re.search(r"→ class [01] \([−+]1\)  \(true class: [01] \([−+]1\)\)$", out, re.M), out


def test_train_summary_says_which_accuracy_it_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The progress bar's acc is the last epoch's; the summary's is after training: labelled."""
    argv = ["train", "--epochs", "1", "--no-plots", "--out", str(tmp_path)]
    code, out, err = run(argv, capsys)
    assert code == 0
    bar = re.findall(r"acc=([\d.]+)%", err)
    assert bar and float(bar[-1]) == 50.0  # one update: the bar and the summary differ
    assert "training accuracy 55.0% (whole data set, after training)" in out


def test_train_save_to_a_folder_or_a_control_character_name_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--save names a file: a folder is refused before training (it was a traceback after
    it), and a name with control characters is refused with them escaped."""
    argv = ["train", "--epochs", "1", "--no-plots", "--no-progress", "--out", str(tmp_path)]
    for bad, says in ((str(tmp_path), "is a folder"), (str(tmp_path / "m\x1b[2J.json"), "\\x1b")):
        code, out, err = run([*argv, "--save", bad], capsys)
        assert code == 2 and out == "", err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert says in err and "\x1b" not in err
    assert not list(tmp_path.glob("m*"))
