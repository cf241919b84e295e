"""Running ``autograd-mini`` in the test process, for the CLI tests."""

from __future__ import annotations

import pytest

from autograd_mini import cli


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in this process; (exit status, stdout, stderr)."""
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own exits (--help, usage errors)
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
