"""Plugin overhead: capture on N trivial tests vs plain pytest and --junitxml; idle startup.

Every figure lands in the results DB. pytest-benchmark's samples are the ``--ipfs-accel-db`` runs (and, for idle startup, the
installed-but-not-enabled runs); the other configurations run in each round's setup, so
the rounds alternate. Medians and ratios, wall and CPU, go to the test's
``user_properties`` and the benchmark's ``extra_info`` (see harness/figures.py).
Sizes: ``IPFS_ACCEL_BENCH_OVERHEAD_TESTS`` (10000; quick 100), ``IPFS_ACCEL_BENCH_REPEATS``
(5; quick 1), ``IPFS_ACCEL_BENCH_IDLE_ROUNDS`` (twice the repeats; quick 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.figures import record_figures
from harness.plugin_overhead import OverheadBench, overhead_bench
from harness.sizes import bench_size

N_TESTS = bench_size("overhead_tests", 10_000, 100)
REPEATS = bench_size("repeats", 5, 1)
IDLE_ROUNDS = bench_size("idle_rounds", 2 * REPEATS, 1)


@pytest.fixture(scope="module")
def bench() -> Iterator[OverheadBench]:
    with overhead_bench(N_TESTS) as b:
        yield b


def _then(bench: OverheadBench, first: tuple[str, ...], timed: str) -> Any:
    """A pedantic ``setup``: run ``first`` (untimed by pytest-benchmark), then time ``timed``."""
    def setup() -> tuple[tuple[str], dict[str, Any]]:
        bench.run_round(first)
        return (timed,), {}
    return setup


def _samples(bench: OverheadBench, configs: tuple[str, ...]) -> dict[str, Any]:
    return {"samples_wall_s": {c: bench.wall[c] for c in configs},
            "samples_cpu_s": {c: bench.cpu[c] for c in configs}}


def test_capture_overhead(benchmark: Any, bench: OverheadBench,
                          request: pytest.FixtureRequest) -> None:
    """``--ipfs-accel-db`` vs plain pytest vs ``--junitxml`` on N trivial tests."""
    benchmark.group = "plugin overhead: capture"
    benchmark.pedantic(bench.run, setup=_then(bench, ("plain", "junitxml"), "ipfs_accel_db"),
                       rounds=REPEATS, iterations=1)
    benchmark.extra_info.update(_samples(bench, ("plain", "junitxml", "ipfs_accel_db")))
    record_figures(request, bench.capture_figures(), benchmark)


def test_idle_startup(benchmark: Any, bench: OverheadBench,
                      request: pytest.FixtureRequest) -> None:
    """One trivial test: the plugin installed but not enabled vs ``-p no:ipfs_accelerate``."""
    benchmark.group = "plugin overhead: idle startup"
    benchmark.pedantic(bench.run, setup=_then(bench, ("disabled_plugin",), "installed_idle"),
                       rounds=IDLE_ROUNDS, iterations=1)
    benchmark.extra_info.update(_samples(bench, ("disabled_plugin", "installed_idle")))
    record_figures(request, bench.idle_figures(), benchmark)
