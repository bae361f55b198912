"""The bench command line: its options and its error, for ``python -m harness`` and for
``ipfs-accel bench`` (which offers them from a source checkout only)."""

from __future__ import annotations

import argparse

from pytest_ipfs_accelerate.errors import IpfsAccelError

HELP = "run the benchmark harness into a results DB"
DESCRIPTION = ("Run the harness suites (pytest-benchmark files under harness/), each as a "
               "pytest subprocess writing to one results DB; exit 1 if any suite failed.")


class BenchError(IpfsAccelError):
    """The harness cannot run as asked (unknown suite, no suites, unusable DB)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The bench options, shared by ``ipfs-accel bench`` and ``python -m harness``."""
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
