"""The optional extras: the demo's install leaves out scikit-learn (the ``datasets`` extra),
and a command that needs it says in one line which extra to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autograd_mini import cli

ROOT = Path(__file__).resolve().parent.parent


def extras() -> dict[str, list[str]]:
    # tomllib is in the standard library from Python 3.11; on 3.10 its twin tomli
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    with (ROOT / "pyproject.toml").open("rb") as f:
        return dict(tomllib.load(f)["project"]["optional-dependencies"])


def test_scikit_learn_is_its_own_extra_and_not_the_demos() -> None:
    found = extras()
    assert found["datasets"] == ["scikit-learn>=1.3"]
    assert found["examples"] == ["graphviz>=0.20", "tqdm>=4.66", "matplotlib>=3.7"]
    demo = [req for name in ("viz", "examples", "fast") for req in found[name]]  # `make demo`
    assert not any(req.startswith("scikit-learn") for req in demo)
    assert "autograd-mini[viz,examples,datasets,fast,testing]" in found["dev"]


@pytest.mark.parametrize("dataset", ["wine", "iris"])
def test_train_on_a_real_dataset_without_scikit_learn_names_the_extra(
    dataset: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` fails, as without it
    code = cli.main(["train", "--dataset", dataset, "--epochs", "1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"the real data set '{dataset}' comes with scikit-learn, which is not installed" in err
    assert err.rstrip().endswith("install it with: pip install 'autograd-mini[datasets]'")
