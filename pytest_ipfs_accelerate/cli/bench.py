"""``ipfs-accel bench [SUITE...]``: run the benchmark harness of a source checkout.

The harness (``harness/``, beside the package in a checkout) is not part of the wheel:
the command is offered only when this package was installed from a checkout that has
``harness/runner.py`` next to it (an editable install), and then runs that harness, as
``python -m harness`` does. It never looks in the current directory.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest_ipfs_accelerate

#: The folder holding the package: a source checkout when ``harness/runner.py`` is in it.
CHECKOUT = Path(pytest_ipfs_accelerate.__file__).resolve().parents[1]


def has_harness() -> bool:
    """Whether the package sits in a checkout with its harness."""
    return (CHECKOUT / "harness" / "runner.py").is_file()


def _harness(name: str) -> ModuleType:
    """``harness.<name>`` of the checkout; its root is on ``sys.path`` just for the import
    (the loaded package finds its own modules afterwards)."""
    root = str(CHECKOUT)
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        return importlib.import_module(f"harness.{name}")
    finally:
        if added:
            sys.path.remove(root)


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand, from a checkout only."""
    if not has_harness():
        return
    options = _harness("options")
    parser = subparsers.add_parser("bench", help=options.HELP, description=options.DESCRIPTION)
    options.add_arguments(parser)
    parser.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    return int(_harness("runner").run_bench(args))
