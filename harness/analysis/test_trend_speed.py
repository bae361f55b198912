"""`trend` over 1,000 benchmarks x 50 runs: every series with its change points.

The history (every 10th benchmark steps up 40% at run 30) is generated inside DuckDB
in the setup; the timed part is ``trend(con)``: one query, 1,000 binary segmentations.
``--quick``: 200 benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.sizes import bench_size
from pytest_ipfs_accelerate.analysis import trend
from pytest_ipfs_accelerate.testing.synthetic import bulk_history, new_db

BENCHMARKS = bench_size("trend_benchmarks", 1000, 200)
RUNS = 50
STEP_AT = 30


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[str]]]:
    con = new_db(Path(tmp_path_factory.mktemp("trend")) / "history.duckdb")
    runs = bulk_history(con, RUNS, BENCHMARKS, step_at=STEP_AT)
    yield con, runs
    con.close()


def test_trend_1000_series(benchmark: Any, history: tuple[Any, list[str]]) -> None:
    con, runs = history
    series = benchmark.pedantic(trend, args=(con,), rounds=3, warmup_rounds=1)
    assert len(series) == BENCHMARKS
    stepped = [s for s in series if s.change_points]
    assert len(stepped) == BENCHMARKS // 10
    assert all([cp.run_id for cp in s.change_points] == [runs[STEP_AT]] for s in stepped)
