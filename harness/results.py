"""What a suite's pytest run left in the results DB: its run, outcome counts, skip reasons.

The runner tags every run ``bench_id=<this invocation>`` and ``suite=<name>``, and reads
the run back by those tags, so the summary is what the DB holds, not what was printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pytest_ipfs_accelerate.db.connect import open_database


@dataclass
class SuiteRun:
    """One suite's run as stored: id, outcome counts, skip reasons, benchmark rows."""

    run_id: str
    exit_status: int | None
    counts: dict[str, int] = field(default_factory=dict)
    skip_reasons: list[str] = field(default_factory=list)
    #: rows in ``benchmark_results``; None where the DB has no such table.
    benchmarks: int | None = None


def read_suite_run(db: Path, bench_id: str, suite: str) -> SuiteRun | None:
    """The latest run tagged with ``bench_id`` and ``suite``, or None if there is none."""
    con = open_database(db, read_only=True)
    try:
        row = con.execute("""
            SELECT CAST(r.run_id AS VARCHAR), r.exit_status FROM runs r
            JOIN run_tags b ON b.run_id = r.run_id AND b.key = 'bench_id' AND b.value = ?
            JOIN run_tags s ON s.run_id = r.run_id AND s.key = 'suite' AND s.value = ?
            ORDER BY r.started_at DESC LIMIT 1""", [bench_id, suite]).fetchone()
        if row is None:
            return None
        run = SuiteRun(row[0], row[1])
        run.counts = dict(con.execute(
            "SELECT outcome, count(*) FROM test_results WHERE run_id = ?::UUID GROUP BY ALL",
            [run.run_id]).fetchall())
        run.skip_reasons = [r[0] for r in con.execute("""
            SELECT skip_reason FROM test_results
            WHERE run_id = ?::UUID AND outcome = 'skipped' AND skip_reason IS NOT NULL
            GROUP BY skip_reason ORDER BY min(nodeid)""", [run.run_id]).fetchall()]
        has_bench = con.execute("""SELECT count(*) FROM information_schema.tables
                                   WHERE table_name = 'benchmark_results'""").fetchone()
        if has_bench and has_bench[0]:
            run.benchmarks = con.execute(
                "SELECT count(*) FROM benchmark_results WHERE run_id = ?::UUID",
                [run.run_id]).fetchone()[0]
        return run
    finally:
        con.close()
