"""Option types and options shared by the subcommands (argparse ``type=`` functions)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd_mini import i18n
from autograd_mini.cli.output import UsageError

__all__ = [
    "bounded",
    "dataset_names",
    "hidden_sizes",
    "lang_option",
    "out_option",
    "printable_name",
    "seed_type",
]


def hidden_sizes(text: str) -> list[int]:
    """``"16,16"`` → ``[16, 16]`` (argparse type)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of layer sizes (e.g. 16,16)"
        ) from None
    if not sizes or any(s < 1 or s > 4096 for s in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: every layer size must be in 1 … 4096")
    return sizes


def bounded(kind: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` (int or float), finite and within [low, high]."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not (low <= value <= high) or (isinstance(value, float) and not math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"{text!r} must be between {low:g} and {high:g}")
        return value

    parse.__name__ = kind.__name__
    return parse


#: A random seed: an int in 0 … 2³² − 1.
seed_type = bounded(int, 0, 2**32 - 1)


def dataset_names() -> tuple[str, ...]:
    """Every data set ``train`` accepts: the toy ones, then the real ones."""
    from autograd_mini.datasets import REAL_DATASETS
    from autograd_mini.experiments import TOY_DATASETS

    return (*TOY_DATASETS, *REAL_DATASETS)


def out_option(p: argparse.ArgumentParser) -> None:
    """The ``--out`` folder option."""
    p.add_argument("--out", default="out", help="output folder (default: out)")


def lang_option(p: argparse.ArgumentParser, what: str = "the text") -> None:
    """The ``--lang`` option: English (the default) or Japanese, the chapter's terms."""
    p.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default="en",
        help=f"language of {what}: en (default) or ja, the chapter's Japanese terms",
    )


def printable_name(text: str, option: str) -> str:
    """``text`` if it has no control characters (it is printed in "wrote …" lines), else an
    error naming ``option`` and the file name, escaped."""
    if not text.isprintable():
        raise UsageError(f"{option}: the file name {Path(text).name[:40]!r} has control characters")
    return text
