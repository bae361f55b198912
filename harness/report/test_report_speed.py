"""A report from 1,000,000 test rows: budget 2 s (DESIGN.md, issue 6).

The DB is built in the setup by bulk SQL (``INSERT ... SELECT FROM range(n)``): the
reported run has ``IPFS_ACCEL_BENCH_REPORT_TESTS`` tests (1,000,000; 50,000 under
``--quick``), 0.1% failing, plus a previous run of the same size (so the change
comparison works on real volumes), benchmarks with samples, metrics and a regression.
Timed: ``build_run_report`` plus rendering Markdown, HTML and JSON, from a read-only
connection, as ``ipfs-accel report`` does. The phases are recorded as figures.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.figures import Figure, record_figures
from harness.sizes import bench_size, is_quick
from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report.build import build_run_report
from pytest_ipfs_accelerate.report.render import render
from pytest_ipfs_accelerate.testing.synthetic import build_db

TESTS = bench_size("report_tests", full=1_000_000, quick=50_000)
BUDGET_S = 2.0


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    path = Path(tmp_path_factory.mktemp("report")) / "big.duckdb"
    rid = build_db(path, tests=TESTS, runs=2, fail_every=1000)
    con = open_database(path, read_only=True)
    yield con, rid
    con.close()


def test_report_from_1m_rows(benchmark: Any, big_db: tuple[Any, str],
                             request: pytest.FixtureRequest) -> None:
    con, rid = big_db
    phases: dict[str, float] = {}

    def report_all_formats() -> int:
        t0 = time.perf_counter()
        report = build_run_report(con, rid)
        t1 = time.perf_counter()
        size = 0
        for fmt in ("md", "html", "json"):
            start = time.perf_counter()
            size += len(render(report, fmt))
            phases[fmt] = time.perf_counter() - start
        phases["build"] = t1 - t0
        assert report.total == TESTS and report.failures_total == TESTS // 1000
        return size

    size = benchmark.pedantic(report_all_formats, rounds=3, warmup_rounds=1)
    record_figures(request, [Figure(f"report_{k}_s", v, "s") for k, v in phases.items()]
                   + [Figure("report_bytes", size, "B")], benchmark)
    if not is_quick():
        assert benchmark.stats.stats.median <= BUDGET_S, (
            f"report from {TESTS} rows: median {benchmark.stats.stats.median:.2f}s "
            f"> {BUDGET_S}s; phases of the last round: {phases}")
