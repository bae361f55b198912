"""``ipfs-accel bench [SUITE...]``: run the benchmark harness of a checkout into a DB.

The suites and their runner live in the checkout's ``harness/`` folder (next to this
package in an editable install, or in the current directory); ``python -m harness``
runs the same code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pytest_ipfs_accelerate.errors import IpfsAccelError


class BenchError(IpfsAccelError):
    """The harness cannot run as asked (unknown suite, no harness, unusable DB)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``bench`` options, shared by ``ipfs-accel bench`` and ``python -m harness``."""
    parser.add_argument("suites", nargs="*", metavar="SUITE",
                        help="suites to run (default: all; see --list)")
    parser.add_argument("--db", metavar="PATH", default="harness-results.duckdb",
                        help="results DuckDB file (default: harness-results.duckdb)")
    parser.add_argument("--list", action="store_true", help="list the suites and exit")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few rounds: a smoke run, not figures to keep")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show each suite's pytest output as it runs")
    parser.add_argument("--suites-dir", metavar="DIR", default=None,
                        help="run the suites (folders of test_*.py) under DIR instead of "
                             "the checkout's harness/")


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand."""
    parser = subparsers.add_parser(
        "bench", help="run the benchmark harness into a results DB",
        description="Run the harness suites (pytest-benchmark files under harness/), each "
                    "as a pytest subprocess writing to one results DB; exit 1 if any "
                    "suite failed.")
    add_arguments(parser)
    parser.set_defaults(func=cmd_bench)


def load_runner() -> ModuleType:
    """``harness.runner`` of this checkout (the package's parent, else the current dir)."""
    loaded = sys.modules.get("harness.runner")
    if loaded is not None:
        return loaded
    for root in (Path(__file__).resolve().parents[1], Path.cwd()):
        if (root / "harness" / "runner.py").is_file():
            if str(root) not in sys.path:
                sys.path.insert(0, str(root))
            return importlib.import_module("harness.runner")
    raise BenchError("no harness/ folder with runner.py next to the installed package or "
                     "in the current directory: run from a checkout of "
                     "pytest-ipfs-accelerate")


def cmd_bench(args: argparse.Namespace) -> int:
    return int(load_runner().run_bench(args))

