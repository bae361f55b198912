"""`compare` over 1,000 benchmarks x 100 samples each: budget 1 s (issue 6).

The DB (two runs, 200,000 samples, every 10th benchmark 30% slower in the candidate)
is generated inside DuckDB in the setup; only ``compare_runs`` (queries, rank tests,
verdicts) and storing the comparisons are timed. ``--quick``: 200 benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.sizes import bench_size
from pytest_ipfs_accelerate.analysis import compare_runs, store_comparisons
from pytest_ipfs_accelerate.testing.synthetic import add_run, bulk_benchmarks, new_db

BENCHMARKS = bench_size("compare_benchmarks", 1000, 200)
SAMPLES = bench_size("compare_samples", 100, 100)
BUDGET_S = 1.0


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    con = new_db(Path(tmp_path_factory.mktemp("compare")) / "big.duckdb")
    base = add_run(con, day=0)
    cand = add_run(con, day=1)
    bulk_benchmarks(con, base, BENCHMARKS, SAMPLES, seed=0.1)
    bulk_benchmarks(con, cand, BENCHMARKS, SAMPLES, slowdown=1.3, slow_every=10, seed=0.2)
    yield con
    con.close()


def test_compare_1000_benchmarks(benchmark: Any, big_db: Any) -> None:
    result = benchmark.pedantic(compare_runs, args=(big_db,), rounds=5, warmup_rounds=1)
    assert len(result.comparisons) == BENCHMARKS
    assert len(result.regressions) == BENCHMARKS // 10
    assert benchmark.stats.stats.median <= BUDGET_S


def test_compare_and_store_1000_benchmarks(benchmark: Any, big_db: Any) -> None:
    def compare_and_store() -> int:
        return store_comparisons(big_db, compare_runs(big_db))

    assert benchmark.pedantic(compare_and_store, rounds=5, warmup_rounds=1) == BENCHMARKS
    assert benchmark.stats.stats.median <= BUDGET_S
