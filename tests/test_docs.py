"""The docs are tested: every ```python block of the tutorials and the API reference runs as
a doctest (one shared namespace per file, top to bottom), every picture they show exists,
and docs/api.md covers every public name."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograd_mini.ops import OPS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCTESTED = [
    "docs/tutorial.md",
    "docs/tutorial.ja.md",
    "docs/api.md",
    "README.md",
    "docs/exercises.md",
    "docs/exercises.ja.md",
    "docs/chapter-map.md",
    "docs/chapter-map.ja.md",
]
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def python_blocks(text: str) -> str:
    """The ```python blocks of a Markdown text, everything else blanked (line numbers kept)."""
    keep = [""] * len(text.splitlines())
    for match in FENCE.finditer(text):
        first = text.count("\n", 0, match.start(1))
        for offset, line in enumerate(match.group(1).splitlines()):
            keep[first + offset] = line
        # a blank line closes each block's last expected output
    return "\n".join(keep) + "\n"


@contextlib.contextmanager
def shipped_op_table() -> Iterator[None]:
    """Run a doc against the op table as shipped: the ops its examples ``define`` are taken
    out again afterwards, so two docs (English and Japanese) may define the same name."""
    before = dict(OPS)
    try:
        yield
    finally:
        OPS.clear()
        OPS.update(before)


def run_doctests(path: Path, name: str) -> tuple[doctest.DocTest, doctest.TestResults, str]:
    """Run the ```python blocks of ``path`` as one doctest; the test, its result, the report."""
    test = doctest.DocTestParser().get_doctest(
        python_blocks(path.read_text(encoding="utf-8")),
        {"__name__": f"docs_{path.stem}"},
        name,
        str(path),
        0,
    )
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report: list[str] = []
    with shipped_op_table():
        runner.run(test, out=report.append)
    return test, runner.summarize(verbose=False), "".join(report)


@pytest.mark.parametrize("name", DOCTESTED)
def test_markdown_code_blocks_run(name: str) -> None:
    path = ROOT / name
    text = path.read_text(encoding="utf-8")
    blocks = FENCE.findall(text)
    assert blocks, f"{name} has no ```python blocks"
    assert all(">>>" in block for block in blocks), f"{name}: every block is doctest-style"
    test, result, report = run_doctests(path, name)
    assert len(test.examples) >= len(blocks)
    assert result.failed == 0, report
    assert result.attempted == len(test.examples)


@pytest.mark.parametrize(
    "name",
    [
        "tutorial.md",
        "tutorial.ja.md",
        "errata.md",
        "exercises.md",
        "exercises.ja.md",
        "chapter-map.md",
        "chapter-map.ja.md",
    ],
)
def test_pictures_and_links_exist(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)\)", text)
    local = [t for t in targets if "://" not in t]
    assert local
    for target in local:
        assert (DOCS / target).exists(), f"{name} links to missing {target}"


def test_tutorials_show_the_library_pictures() -> None:
    for name in ("tutorial.md", "tutorial.ja.md"):
        pictures = re.findall(r"!\[[^\]]*\]\((images/[^)]+)\)", (DOCS / name).read_text("utf-8"))
        assert set(pictures) == {
            "images/activations.png",
            "images/worked_example.svg",
            "images/vanishing.png",
            "images/network.svg",
            "images/moons_boundary.png",
            "images/wine_network.svg",
        }


@pytest.mark.parametrize("name", ["tutorial.md", "tutorial.ja.md"])
def test_included_sections_are_current(name: str) -> None:
    """The tutorials include docs/_sections/* verbatim (scripts/render_docs_pictures.py)."""
    text = (DOCS / name).read_text(encoding="utf-8")
    found = re.findall(r"^<!-- section: (\S+) -->\n(.*?)^<!-- end section -->$", text, re.M | re.S)
    assert found, f"{name} includes no section"
    for section, body in found:
        expected = (DOCS / "_sections" / section).read_text(encoding="utf-8").rstrip() + "\n"
        assert body == expected, f"{name}: rerun scripts/render_docs_pictures.py --sections-only"


PUBLIC_MODULES = [
    "autograd_mini",
    "autograd_mini.engine",
    "autograd_mini.functional",
    "autograd_mini.dual",
    "autograd_mini.ops",
    "autograd_mini.sampling",
    "autograd_mini.nn",
    "autograd_mini.modelfile",
    "autograd_mini.activations",
    "autograd_mini.experiments",
    "autograd_mini.losses",
    "autograd_mini.optim",
    "autograd_mini.train",
    "autograd_mini.datasets",
    "autograd_mini.viz",
    "autograd_mini.chapter",
    "autograd_mini.i18n",
    "autograd_mini.expression",
    "autograd_mini.anomaly",
    "autograd_mini.compiled",
    "autograd_mini.interop.torch",
    "autograd_mini.cli",
    "autograd_mini.testing",
    "autograd_mini.testing.domains",
    "autograd_mini.testing.forms",
    "autograd_mini.testing.gradcheck",
    "autograd_mini.testing.opcheck",
    "autograd_mini.testing.strategies",
    "autograd_mini.testing.conformance",
    "autograd_mini.cli.check_engine",
]


def test_api_reference_names_every_public_name() -> None:
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = []
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # an optional extra that is not installed
            continue
        assert f"`{module_name}`" in api, f"api.md has no section for {module_name}"
        for name in getattr(module, "__all__", []):
            if not re.search(rf"`(?:[\w.]+\.)?{re.escape(name)}\b", api):
                missing.append(f"{module_name}.{name}")
    assert not missing, f"api.md does not describe: {', '.join(missing)}"


def test_every_erratum_names_an_existing_test() -> None:
    errata = (DOCS / "errata.md").read_text(encoding="utf-8")
    rows = [line for line in errata.splitlines() if re.match(r"\| E\d+ \|", line)]
    assert len(rows) == 19  # E1–E19 (issue 13 added E18, E19)
    source = (DOCS.parent / "tests" / "test_errata.py").read_text(encoding="utf-8")
    for row in rows:
        names = re.findall(r"`(test_\w+)", row)
        assert names, f"no test named in: {row[:60]}"
        for name in names:
            assert f"def {name}(" in source, f"errata.md names a missing test {name}"
