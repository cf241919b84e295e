"""Shared by the examples: the small-setting switch (``--quick`` or AUTOGRAD_MINI_QUICK=1)."""

from __future__ import annotations

import argparse
import os


def quick_flag(description: str) -> bool:
    """Parse ``--quick`` (a small, fast setting for tests); the environment can set it too."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small, fast setting (for tests)")
    args = parser.parse_args()
    return bool(args.quick or os.environ.get("AUTOGRAD_MINI_QUICK") == "1")
