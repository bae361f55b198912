"""Issue 15, case 2 at the writer: rows DuckDB refuses are found by bisection, dropped and
listed in ``dropped_rows`` with the reason; the rest is written; nothing is retried for ever."""

from __future__ import annotations

from harness.reliability.adversarial import capture_cases as cases


def test_writer_drops_only_the_rows_duckdb_refuses():
    cases.case_2_writer_drops_only_the_rows_duckdb_refuses()
