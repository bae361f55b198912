"""``python -m harness.benchmark_disturbance [--rounds N] [--max-time S] [--json OUT]``: the
disturbance figures printed (see ``__init__``); the harness suite records them in the DB."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.benchmark_disturbance import CONFIGS, STATS, measure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.benchmark_disturbance",
                                     description="pytest-benchmark medians, DB on vs off.")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of each configuration (6)")
    parser.add_argument("--max-time", type=float, default=0.5,
                        help="--benchmark-max-time of each benchmark, seconds (0.5)")
    parser.add_argument("--json", help="also write the figures and medians to this file")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.max_time <= 0:
        parser.error("--rounds must be at least 1 and --max-time positive")
    bench = measure(args.rounds, args.max_time)
    print(f"{args.rounds} rounds; ratio = pytest-benchmark's statistic with the DB over "
          "without, per benchmark and round (median of those, 90% bootstrap interval from "
          "5 rounds)")
    for fig in bench.figures():
        print(f"  {fig.name:<52} {fig.value:8.3f} {fig.unit}")
    for config in CONFIGS:
        for stat in STATS:
            if config != "off":
                name, ratio = bench.worst(config, stat)
                print(f"  worst {stat} under {config}: {name} {ratio:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "figures": {f.name: f.value for f in bench.figures()},
            "values": {f"{c}:{s}": dict(v) for (c, s), v in bench.values.items()}},
            indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
