"""hypothesis is an optional extra: importing autograd_mini and autograd_mini.testing (and
using check_grads) never imports it; check_op and check-engine say what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Make ``import hypothesis`` fail, as on an install without the testing extra.
BLOCK = "import sys; sys.modules['hypothesis'] = None"


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code).replace("BLOCK", BLOCK)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_importing_the_package_and_check_grads_never_imports_hypothesis() -> None:
    done = python(
        """
        import sys
        import autograd_mini
        import autograd_mini.testing
        from autograd_mini.testing import check_grads
        check_grads(lambda x, y: (x * y).tanh(), [0.5, 1.5])
        heavy = [m for m in ("hypothesis", "numpy", "graphviz", "matplotlib") if m in sys.modules]
        print(heavy)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_hypothesis_check_grads_works_and_check_op_says_what_to_install() -> None:
    done = python(
        """
        BLOCK
        from autograd_mini.testing import check_grads, check_op
        check_grads(lambda x: x.exp(), [0.3])
        try:
            check_op("tanh")
        except ImportError as error:
            print(error)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "check_op needs hypothesis: pip install 'autograd-mini[testing]'"


def test_without_hypothesis_check_engine_exits_2_with_one_line() -> None:
    done = python(
        """
        BLOCK
        import sys
        from autograd_mini.testing.conformance import main
        sys.exit(main(["autograd_mini.engine:Value"]))
        """
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "autograd-mini check-engine: error: needs hypothesis: pip install 'autograd-mini[testing]'"
    )


def test_the_testing_extra_is_declared() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'testing = ["hypothesis>=6.100"]' in text
    assert '"autograd-mini[viz,examples,datasets,fast,testing]"' in text
