"""Benchmark disturbance: pytest-benchmark's medians with the results DB on vs off.

Records the ratios of ``harness.benchmark_disturbance`` (see its doc). Sizes:
``IPFS_ACCEL_BENCH_DISTURB_ROUNDS`` (6; quick 1).
"""

from __future__ import annotations

import pytest

from harness.benchmark_disturbance import measure
from harness.figures import record_figures
from harness.sizes import bench_size, is_quick

ROUNDS = bench_size("disturb_rounds", 6, 1)


def test_db_does_not_disturb_benchmarks(request: pytest.FixtureRequest) -> None:
    bench = measure(ROUNDS, max_time=0.05 if is_quick() else 0.5)
    record_figures(request, bench.figures())
