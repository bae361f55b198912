"""Instruction counts of the overhead configurations: a deterministic cross-check.

Timings on a shared host vary by up to 20% between consecutive runs of one command, so
the timed ratios need many rounds and still move. Instructions executed do not: each
configuration runs under ``valgrind --tool=cachegrind --cache-sim=no`` (all threads
counted; ``PYTHONHASHSEED=0``) on a 1-test suite and on an M-test suite. That gives
its fixed cost and its cost per test, and the ratio at N tests is
``(fixed + N * per_test) / plain's``. Instructions are not time (DuckDB's C++ runs more of
them per cycle than the interpreter does), so this checks the timed figures; it does not
replace them.

Capture runs with ``--ipfs-accel-flush-seconds 0`` (flushes by row count only): under
valgrind a run is ~50x slower, so time-based flushes would come ~50x as often.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.child_timing import clean_env
from harness.figures import Figure
from harness.plugin_overhead import CAPTURE_CONFIGS, OverheadBench, overhead_bench


@dataclass(frozen=True)
class Counts:
    """Instructions of one configuration: on the 1-test suite and on the M-test suite."""

    one: int
    many: int
    many_tests: int

    @property
    def per_test(self) -> float:
        return (self.many - self.one) / (self.many_tests - 1)

    def at(self, n_tests: int) -> float:
        """Instructions extrapolated to ``n_tests``."""
        return self.one + (n_tests - 1) * self.per_test


def valgrind_available() -> bool:
    return shutil.which("valgrind") is not None


def _command(bench: OverheadBench, config: str, tag: str) -> list[str]:
    """The timed suite's command line, with output files of its own; capture flushes by
    row count only (see above)."""
    cmd = bench.args(config, f"cg-{tag}")
    return [*cmd, "--ipfs-accel-flush-seconds", "0"] if config == "ipfs_accel_db" else cmd


def _env(**extra: str) -> dict[str, str]:
    return clean_env(extra, write_bytecode=True)  # cached bytecode, as in everyday use


def _start(cmd: list[str], cwd: Path, out: Path) -> subprocess.Popen[bytes]:
    vg = ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}"]
    return subprocess.Popen([*vg, *cmd], cwd=cwd, env=_env(PYTHONHASHSEED="0"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _total(out: Path) -> int:
    for line in out.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"{out}: no summary line; did cachegrind finish?")


def _run_pair(jobs: list[tuple[list[str], Path, Path]]) -> None:
    """Run up to two jobs at once (this host has two cores)."""
    procs = [_start(*job) for job in jobs]
    for proc, (cmd, _, _) in zip(procs, jobs, strict=True):
        if proc.wait() != 0:
            raise RuntimeError(f"under cachegrind, {' '.join(cmd)} exited {proc.returncode}")


def count(many_tests: int = 1000) -> dict[str, Counts]:
    """Counts of every capture configuration, plus ``installed_idle`` (whose ``many`` is
    its 1-test count: idle start-up is measured on one test)."""
    counts: dict[str, Counts] = {}
    with overhead_bench(many_tests) as bench:  # bytecode cached (see overhead_bench)
        out = bench.root / "cg"
        out.mkdir()
        for config in CAPTURE_CONFIGS:
            _run_pair([(_command(bench, config, "1"), bench.idle, out / f"{config}.1"),
                       (_command(bench, config, "m"), bench.suite, out / f"{config}.m")])
            counts[config] = Counts(_total(out / f"{config}.1"), _total(out / f"{config}.m"),
                                    many_tests)
        _run_pair([(_command(bench, "installed_idle", "1"), bench.idle, out / "idle.1")])
        one = _total(out / "idle.1")
        counts["installed_idle"] = Counts(one, one, many_tests)
    return counts


def instruction_figures(n_tests: int, many_tests: int = 1000) -> list[Figure]:
    """Fixed and per-test instructions, and the ratios at ``n_tests``."""
    counts = count(many_tests)
    plain = counts["plain"]
    out = [Figure("instr_suite_tests", many_tests, "count")]
    for config in CAPTURE_CONFIGS:
        c = counts[config]
        out += [Figure(f"instr_one_test_run_{config}", c.one, "instructions"),
                Figure(f"instr_per_test_{config}", c.per_test, "instructions")]
    out += [Figure(f"instr_ratio_db_vs_plain_at_{n_tests}",
                   counts["ipfs_accel_db"].at(n_tests) / plain.at(n_tests), "ratio"),
            Figure(f"instr_ratio_junitxml_vs_plain_at_{n_tests}",
                   counts["junitxml"].at(n_tests) / plain.at(n_tests), "ratio"),
            Figure("instr_ratio_idle_vs_disabled", counts["installed_idle"].one / plain.one,
                   "ratio")]
    return out
