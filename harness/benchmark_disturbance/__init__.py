"""Does the results DB disturb the benchmarks it records? (issue 19, item 3)

:mod:`workload` (eight benchmarks, pytest-benchmark's own calibration) runs in fresh
pytest processes, alternating round by round between configurations:

* ``off``: the plugin installed but not enabled (no results DB);
* ``db``: ``--ipfs-accel-db`` with the default flush settings;
* ``db_flush_hourly``: the same with ``--ipfs-accel-flush-seconds 3600`` (the writer's
  timer pushed out of the run: a control for what the periodic flush costs).

Each run writes ``--benchmark-json``; the figures are pytest-benchmark's own **median**
and **mean** of each benchmark (a flush during a few rounds moves the mean of thousands
of rounds, and the median of 25). A configuration's ratio is the median, over every
benchmark and round, of its statistic over ``off``'s in the same round (pairing cancels
the machine's slow drifts), with a 90 % bootstrap interval; ``worst`` is the largest
per-benchmark median of those ratios. 1.0 means the DB does not disturb the timings.

    python -m harness.benchmark_disturbance [--rounds 6] [--max-time 0.5]
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from harness.child_timing import clean_env, python_cmd, run_timed
from harness.figures import Figure
from harness.plugin_overhead import MIN_ROUNDS_FOR_INTERVAL, bootstrap_median_interval

WORKLOAD = Path(__file__).with_name("workload.py")
BASE = python_cmd("-m", "pytest", str(WORKLOAD), "-q", "-p", "no:cacheprovider",
                  "-p", "no:xdist", "-p", "no:randomly", "-p", "no:hypothesispytest",
                  "-p", "no:rerunfailures")
#: pytest-benchmark's statistics compared.
STATS = ("median", "mean")
#: Configuration -> the arguments it adds (see the module doc).
CONFIGS: dict[str, tuple[str, ...]] = {
    "off": (),
    "db": ("--ipfs-accel-db", "{db}"),
    "db_flush_hourly": ("--ipfs-accel-db", "{db}", "--ipfs-accel-flush-seconds", "3600"),
}


@dataclass
class Disturbance:
    """Every run's per-benchmark statistics so far: (config, stat) -> benchmark -> one
    value per round."""

    root: Path
    max_time: float
    values: dict[tuple[str, str], dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def run(self, config: str) -> None:
        """One run of ``config``; its benchmarks' statistics are kept."""
        n = sum(len(v) for v in self.values[config, "median"].values())
        out = self.root / f"{config}-{n}.json"
        db = str(self.root / f"{config}-{n}.duckdb")
        args = [a.format(db=db) for a in CONFIGS[config]]
        run_timed([*BASE, f"--benchmark-max-time={self.max_time}",
                   f"--benchmark-json={out}", *args], WORKLOAD.parent)
        for bench in json.loads(out.read_text())["benchmarks"]:
            for stat in STATS:
                self.values[config, stat][bench["name"]].append(bench["stats"][stat])

    def per_benchmark(self, config: str, stat: str) -> dict[str, list[float]]:
        """``config``'s ``stat`` over ``off``'s, per benchmark, one ratio per round."""
        off = self.values["off", stat]
        return {name: [a / b for a, b in zip(values, off[name], strict=True)]
                for name, values in self.values[config, stat].items()}

    def worst(self, config: str, stat: str) -> tuple[str, float]:
        """The benchmark whose median ratio over the rounds is largest, and that ratio."""
        per = {name: statistics.median(r) for name, r in self.per_benchmark(config, stat).items()}
        name = max(per, key=per.__getitem__)
        return name, per[name]

    def figures(self) -> list[Figure]:
        off = self.values["off", "median"]
        rounds = len(next(iter(off.values())))
        out = [Figure("rounds", rounds, "count"), Figure("benchmarks", len(off), "count")]
        for config in CONFIGS:
            if config == "off":
                continue
            for stat in STATS:
                ratios = [r for rs in self.per_benchmark(config, stat).values() for r in rs]
                name = f"{stat}_ratio_{config}_vs_off"
                out.append(Figure(name, statistics.median(ratios), "ratio"))
                if rounds >= MIN_ROUNDS_FOR_INTERVAL:
                    low, high = bootstrap_median_interval(ratios)
                    out += [Figure(f"{name}_ci90_low", low, "ratio"),
                            Figure(f"{name}_ci90_high", high, "ratio")]
                out.append(Figure(f"worst_{name}", self.worst(config, stat)[1], "ratio"))
        return out


def measure(rounds: int, max_time: float = 0.5) -> Disturbance:
    """``rounds`` rounds of every configuration, the order rotated each round; the first
    round (bytecode caching, file cache) is not kept."""
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-disturb-") as tmp:
        warm = Disturbance(Path(tmp), max_time)
        for config in CONFIGS:
            run_timed([*BASE, "--benchmark-disable", *[a.format(db=Path(tmp) / "w.duckdb")
                                                       for a in CONFIGS[config]]],
                      WORKLOAD.parent, env=clean_env(write_bytecode=True))
        bench = Disturbance(warm.root, max_time)
        order = list(CONFIGS)
        for i in range(rounds):
            for config in order[i % len(order):] + order[:i % len(order)]:
                bench.run(config)
        return bench
