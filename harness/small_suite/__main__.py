"""``python -m harness.small_suite [--rounds N] [--suite-dir DIR | --package SPEC] [--json OUT]``:
the fixed cost of the results DB on a small real suite, printed (see ``__init__``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.small_suite import (
    BUDGET_DB_VS_IDLE,
    DEFAULT_PACKAGE,
    SuiteUnavailableError,
    fetch_sdist,
    measure,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.small_suite",
                                     description="The results DB's cost on a small real suite.")
    parser.add_argument("--rounds", type=int, default=15, help="rounds of each configuration (15)")
    parser.add_argument("--package", default=DEFAULT_PACKAGE,
                        help=f"sdist whose tests run, from PyPI ({DEFAULT_PACKAGE})")
    parser.add_argument("--suite-dir", type=Path, help="run the tests of this folder instead")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    try:
        suite = args.suite_dir or fetch_sdist(args.package)
    except SuiteUnavailableError as exc:
        parser.error(str(exc))
    figures = measure(suite, args.rounds)
    print(f"{suite}: {args.rounds} rounds (medians; ratios = median of the per-round ratios, "
          "90% bootstrap interval from 5 rounds)")
    for fig in figures:
        print(f"  {fig.name:<44} {fig.value:10.3f} {fig.unit}")
    print(f"goal: db_existing <= {BUDGET_DB_VS_IDLE}x idle")
    if args.json:
        Path(args.json).write_text(json.dumps({f.name: f.value for f in figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
