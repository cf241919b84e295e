"""The notebooks in examples/ run without a cell error (nbclient, a real IPython kernel) and
are stored without outputs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def run(path: Path) -> object:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    return client.execute()


def test_the_notebooks_are_there() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"walkthrough.ipynb", "walkthrough.ja.ipynb", "micrograd_moons.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (path.name, cell.source)


@pytest.mark.skipif(shutil.which("dot") is None, reason="the notebooks draw with Graphviz's dot")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_run_without_errors(path: Path) -> None:
    nb = run(path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]  # type: ignore[attr-defined]
    assert not [o for o in outputs if o.output_type == "error"]
    svgs = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert svgs, "no picture was shown"
    # A notebook column is ~1000 px: a picture wider than 1222 pt is shrunk so much that its
    # 11 pt text is under 9 px (the worked example in full detail was 1882 pt).
    for o in svgs:
        size = re.search(r'<svg width="([\d.]+)pt"', o["data"]["image/svg+xml"])
        assert size is not None and float(size.group(1)) <= 1222, size
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    if path.name.startswith("walkthrough"):
        assert "169.0 286.0 156.0" in text and "0.14 1.44" in text


def test_a_cell_error_fails_the_run(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="ZeroDivisionError"):
        run(path)
