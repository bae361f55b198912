"""``python -m harness.plugin_overhead [--tests N] [--repeats N] [--instructions] [--json OUT]``:
the overhead figures printed (and written as JSON); the harness suite records them in the DB.
``--instructions`` adds the deterministic cross-check (cachegrind; see ``instructions.py``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.figures import Figure
from harness.plugin_overhead import BUDGET_DB_VS_PLAIN, BUDGET_IDLE_VS_DISABLED, measure
from harness.plugin_overhead.instructions import instruction_figures, valgrind_available


def _table(figures: list[Figure]) -> str:
    return "\n".join(f"  {f.name:<44} {f.value:16,.3f} {f.unit}" for f in figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.plugin_overhead",
                                     description="Plugin overhead on N trivial tests.")
    parser.add_argument("--tests", type=int, default=10_000, help="trivial tests (10000)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="alternating runs of each configuration (5)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions under cachegrind (needs valgrind; "
                             "about 5 minutes)")
    parser.add_argument("--instr-tests", type=int, default=1000, metavar="M",
                        help="tests in the larger suite counted under cachegrind (1000); "
                             "M equal to --tests measures that figure directly (10,000: about "
                             "30 minutes), fewer extrapolate it and understate a larger run")
    parser.add_argument("--timed", action=argparse.BooleanOptionalAction, default=True,
                        help="run the timed rounds (default; --no-timed: instructions only)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.tests < 1 or args.repeats < 1 or args.instr_tests < 2:
        parser.error("--tests and --repeats must be at least 1, --instr-tests at least 2")
    if args.instructions and not valgrind_available():
        parser.error("--instructions needs valgrind on PATH (apt-get install valgrind)")
    figures: list[Figure] = []
    if args.timed:
        capture, idle = measure(args.tests, args.repeats)
        figures += capture + idle
        print(f"{args.tests} trivial tests, {args.repeats} alternating runs each (medians; "
              "CPU = the children's user + system time; ratios = median of the per-round "
              "ratios, with a 90% bootstrap interval from 5 rounds up)")
        print(_table(capture))
        print(f"idle startup (goal: installed-not-enabled <= {BUDGET_IDLE_VS_DISABLED}x "
              "disabled)")
        print(_table(idle))
    if args.instructions:
        instr = instruction_figures(args.tests, args.instr_tests)
        figures += instr
        how = ("measured" if args.instr_tests == args.tests
               else f"extrapolated to {args.tests} tests")
        print(f"instructions under cachegrind (1- and {args.instr_tests}-test suites, {how})")
        print(_table(instr))
    print(f"goal: --ipfs-accel-db <= {BUDGET_DB_VS_PLAIN}x plain, and below --junitxml")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {f.name: {"value": f.value, "unit": f.unit} for f in figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
