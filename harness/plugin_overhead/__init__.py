"""Plugin overhead: N trivial tests under plain pytest, ``--ipfs-accel-db`` and ``--junitxml``.

Each configuration runs in a fresh subprocess, alternating (plain, junitxml, db, plain,
...) so that machine noise hits all three alike; figures are medians of wall time *and*
of the children's CPU time (user + system), and each ratio is the median of the
per-round ratios (a round's runs are seconds apart, so pairing them cancels slow drifts). Idle
startup: the plugin installed but not enabled, against ``-p no:ipfs_accelerate``.

Run as the harness suite (``python -m harness plugin_overhead``: every figure goes to the
results DB) or alone: ``python -m harness.plugin_overhead [--tests N] [--repeats N]``.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.child_timing import ChildTiming, clean_env, python_cmd, run_timed
from harness.figures import Figure

BASE = python_cmd("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                  "-p", "no:benchmark", "-p", "no:xdist", "-p", "no:rerunfailures")

#: The capture configurations, in the order each round runs them.
CAPTURE_CONFIGS = ("plain", "junitxml", "ipfs_accel_db")
#: Idle startup: the plugin disabled outright, and installed but not enabled.
IDLE_CONFIGS = ("disabled_plugin", "installed_idle")

BUDGET_DB_VS_PLAIN = 1.10
BUDGET_IDLE_VS_DISABLED = 1.03


#: Rounds below this give no interval worth printing.
MIN_ROUNDS_FOR_INTERVAL = 5


def bootstrap_median_interval(values: list[float], *, level: float = 0.90,
                              resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """The ``level`` percentile interval of the median of ``values``, by bootstrap."""
    rng = random.Random(seed)
    n = len(values)
    medians = sorted(statistics.median(rng.choices(values, k=n)) for _ in range(resamples))
    tail = (1 - level) / 2
    return medians[int(tail * (resamples - 1))], medians[int((1 - tail) * (resamples - 1))]


def round_ratios(samples: list[float], baseline: list[float]) -> list[float]:
    """The per-round ratios ``samples[i] / baseline[i]``."""
    return [a / b for a, b in zip(samples, baseline, strict=True)]


def paired_ratio(samples: list[float], baseline: list[float]) -> float:
    """The median of the per-round ratios (see ``OverheadBench.ratio``)."""
    return statistics.median(round_ratios(samples, baseline))


def make_suite(path: Path, n_tests: int) -> None:
    """``n_tests`` trivial tests in files of 500, like a real suite's shape."""
    per_file = 500
    for f in range(0, n_tests, per_file):
        count = min(per_file, n_tests - f)
        body = "".join(f"def test_{i}():\n    pass\n\n" for i in range(count))
        (path / f"test_gen_{f // per_file:03d}.py").write_text(body)


@dataclass
class OverheadBench:
    """The generated suites and every sample taken so far, per configuration."""

    root: Path
    n_tests: int
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)

    @property
    def suite(self) -> Path:
        return self.root / "suite"

    @property
    def idle(self) -> Path:
        return self.root / "idle"

    def args(self, config: str, tag: str) -> list[str]:
        """The pytest command line of one configuration; ``tag`` names its output file."""
        if config in ("plain", "disabled_plugin"):
            return [*BASE, "-p", "no:ipfs_accelerate"]
        if config == "junitxml":
            return [*BASE, "-p", "no:ipfs_accelerate", f"--junitxml={self.root / f'j{tag}.xml'}"]
        if config == "ipfs_accel_db":
            return [*BASE, "--ipfs-accel-db", str(self.root / f"r{tag}.duckdb")]
        if config == "installed_idle":
            return list(BASE)
        raise ValueError(f"unknown overhead configuration {config!r}")

    def command(self, config: str) -> tuple[list[str], Path]:
        """The command line and working directory of one configuration's next run."""
        cmd = self.args(config, str(len(self.wall.get(config, []))))
        return cmd, self.idle if config in IDLE_CONFIGS else self.suite

    def env(self, *, write_bytecode: bool = False) -> dict[str, str]:
        """The environment of every run (the same for each configuration)."""
        return clean_env(write_bytecode=write_bytecode)

    def run(self, config: str) -> ChildTiming:
        """Run one configuration once and keep its wall and CPU samples."""
        cmd, cwd = self.command(config)
        timing = run_timed(cmd, cwd, env=self.env())
        self.wall.setdefault(config, []).append(timing.wall_s)
        self.cpu.setdefault(config, []).append(timing.cpu_s)
        return timing

    def run_round(self, configs: tuple[str, ...]) -> None:
        for config in configs:
            self.run(config)

    def median(self, kind: str, config: str) -> float:
        samples = self.wall if kind == "wall" else self.cpu
        return statistics.median(samples[config])

    def paired_ratios(self, kind: str, config: str, baseline: str) -> list[float]:
        samples = self.wall if kind == "wall" else self.cpu
        return round_ratios(samples[config], samples[baseline])

    def ratio(self, kind: str, config: str, baseline: str) -> float:
        """The median of the per-round ratios: each round's runs are seconds apart, so
        pairing them cancels the machine's slower drifts (shared cores, clock changes)."""
        return statistics.median(self.paired_ratios(kind, config, baseline))

    def ratio_interval(self, kind: str, config: str, baseline: str) -> tuple[float, float]:
        """A 90% bootstrap interval of :meth:`ratio` (percentiles of the median of resampled
        rounds; seeded, so the same samples give the same interval)."""
        return bootstrap_median_interval(self.paired_ratios(kind, config, baseline))

    def figures(self, configs: tuple[str, ...], ratios: dict[str, tuple[str, str]],
                ) -> list[Figure]:
        """Medians of ``configs`` and the named ratios, wall and CPU each."""
        out = [Figure("rounds", len(self.wall[configs[0]]), "count")]
        for kind in ("wall", "cpu"):
            out += [Figure(f"{kind}_median_s_{c}", self.median(kind, c), "s") for c in configs]
            for name, (num, den) in ratios.items():
                out.append(Figure(f"{name}_{kind}", self.ratio(kind, num, den), "ratio"))
                if len(self.wall[num]) >= MIN_ROUNDS_FOR_INTERVAL:
                    low, high = self.ratio_interval(kind, num, den)
                    out += [Figure(f"{name}_{kind}_ci90_low", low, "ratio"),
                            Figure(f"{name}_{kind}_ci90_high", high, "ratio")]
        return out

    def capture_figures(self) -> list[Figure]:
        return [Figure("tests", self.n_tests, "count"), *self.figures(CAPTURE_CONFIGS, {
            "ratio_db_vs_plain": ("ipfs_accel_db", "plain"),
            "ratio_junitxml_vs_plain": ("junitxml", "plain"),
        })]

    def idle_figures(self) -> list[Figure]:
        return self.figures(IDLE_CONFIGS, {
            "ratio_idle_vs_disabled": ("installed_idle", "disabled_plugin")})


@contextmanager
def overhead_bench(n_tests: int) -> Iterator[OverheadBench]:
    """Generated suites in a temporary folder, with their rewritten test modules and our
    package compiled and cached first: as in everyday use, and the same for every
    configuration (otherwise only the first run pays for compiling 10,000 tests, or,
    with bytecode writes off, every run does). The first of those runs also warms the
    file cache."""
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-overhead-") as tmp:
        bench = OverheadBench(Path(tmp), n_tests)
        bench.suite.mkdir()
        make_suite(bench.suite, n_tests)
        bench.idle.mkdir()
        (bench.idle / "test_one.py").write_text("def test_one():\n    pass\n")
        # The big suite, the 1-test one, then our own modules (a capture run, on one test).
        for config in ("plain", "disabled_plugin", "installed_idle"):
            cmd, cwd = bench.command(config)
            run_timed(cmd, cwd, env=clean_env(write_bytecode=True))
        cmd, _ = bench.command("ipfs_accel_db")
        run_timed(cmd, bench.idle, env=clean_env(write_bytecode=True))
        yield bench


def measure(n_tests: int, repeats: int) -> tuple[list[Figure], list[Figure]]:
    """Alternating rounds of every configuration; (capture figures, idle figures)."""
    with overhead_bench(n_tests) as bench:
        for _ in range(repeats):
            bench.run_round(CAPTURE_CONFIGS)
            for _ in range(2):
                bench.run_round(IDLE_CONFIGS)
        return bench.capture_figures(), bench.idle_figures()
