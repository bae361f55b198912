"""``python -m harness.plugin_overhead [--tests N] [--repeats N] [--json OUT]``: the
overhead figures printed (and written as JSON); the harness suite records them in the DB."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.figures import Figure
from harness.plugin_overhead import BUDGET_DB_VS_PLAIN, BUDGET_IDLE_VS_DISABLED, measure


def _table(figures: list[Figure]) -> str:
    return "\n".join(f"  {f.name:<36} {f.value:10.3f} {f.unit}" for f in figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.plugin_overhead",
                                     description="Plugin overhead on N trivial tests.")
    parser.add_argument("--tests", type=int, default=10_000, help="trivial tests (10000)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="alternating runs of each configuration (5)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.tests < 1 or args.repeats < 1:
        parser.error("--tests and --repeats must be at least 1")
    capture, idle = measure(args.tests, args.repeats)
    print(f"{args.tests} trivial tests, {args.repeats} alternating runs each "
          "(medians; CPU = the children's user + system time)")
    print(_table(capture))
    print(f"idle startup (goal: installed-not-enabled <= {BUDGET_IDLE_VS_DISABLED}x disabled)")
    print(_table(idle))
    print(f"goal: --ipfs-accel-db <= {BUDGET_DB_VS_PLAIN}x plain, and below --junitxml")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {f.name: {"value": f.value, "unit": f.unit} for f in capture + idle}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
