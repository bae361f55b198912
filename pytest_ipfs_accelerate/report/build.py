"""Building the run report from the DB, by read-only queries.

Every list is capped in SQL (``LIMIT``), so a run of a million tests reports in about
a second; counts come from SQL aggregates. Simulated figures are kept apart from real
ones. Benchmark, metric, regression, trend and matrix sections appear when the DB has
those tables (schema v2 on); a v1 DB simply has none.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from pytest_ipfs_accelerate.errors import DatabaseError
from pytest_ipfs_accelerate.report.benchmark_sections import add_benchmark_sections
from pytest_ipfs_accelerate.report.model import (
    OUTCOMES,
    Limits,
    ResultTable,
    RunReport,
    rows,
)

if TYPE_CHECKING:
    import duckdb
    import pytest

#: A failure's whole text: its traceback and captured output (collapsed in the pages).
FAILURE_TEXT = ("longrepr", "stdout", "stderr", "log")
_FULL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def find_run(con: duckdb.DuckDBPyConnection, run_id: Any) -> dict[str, Any]:
    """The ``runs`` row for an id or unique id prefix; a clear error otherwise."""
    rid = str(run_id)
    if _FULL_UUID.fullmatch(rid):  # a key lookup, not a scan of every id as text
        found = rows(con, "SELECT * FROM runs WHERE run_id = CAST(? AS UUID)", [rid])
    else:
        found = rows(con, "SELECT * FROM runs WHERE starts_with(CAST(run_id AS VARCHAR), ?) "
                          "ORDER BY started_at DESC LIMIT 2", [rid])
    if not found:
        raise DatabaseError(f"no run with id {rid!r}; `ipfs-accel runs DB` lists them")
    if len(found) > 1:
        raise DatabaseError(f"run id prefix {rid!r} matches several runs; give more characters")
    return found[0]


def build_run_report(
    con: duckdb.DuckDBPyConnection,
    run_id: Any,
    *,
    slowest: int = 10,
    max_failures: int = 50,
    config: pytest.Config | None = None,
    db_path: str | None = None,
    limits: Limits | None = None,
    written: Collection[str] | None = None,
) -> RunReport:
    """Query one run's report (``run_id`` may be a prefix of the UUID).

    ``written``: when the caller wrote the run itself (the capture session), the tables
    it gave rows; lookups of this run in other tables are skipped, as they find nothing.
    """
    lim = limits or Limits(slowest=slowest, failures=max_failures)

    def wrote(table: str) -> bool:
        return written is None or table in written

    run = find_run(con, run_id)
    rid = run["run_id"]
    counts = {o: 0 for o in OUTCOMES}
    for outcome, n in con.execute("SELECT outcome, count(*) FROM test_results "
                                  "WHERE run_id = ? GROUP BY outcome", [rid]).fetchall():
        counts[outcome] = n
    prev = con.execute(
        "SELECT run_id FROM runs WHERE started_at < ? AND run_id <> ? "
        "ORDER BY started_at DESC LIMIT 1",
        [run["started_at"], rid]).fetchone()
    report = RunReport(
        run=run,
        counts=counts,
        total=sum(counts.values()),
        # the N-th largest duration first (a numeric top-N), then ties broken by nodeid
        slowest=rows(con, """
            SELECT nodeid, outcome, duration_s FROM test_results
            WHERE run_id = ? AND kind = 'item' AND duration_s >= (
                SELECT coalesce(min(d), 0) FROM (
                    SELECT duration_s AS d FROM test_results WHERE run_id = ? AND kind = 'item'
                    ORDER BY d DESC LIMIT ?))
            ORDER BY duration_s DESC, nodeid LIMIT ?""",
                     [rid, rid, max(lim.slowest, 0), max(lim.slowest, 0)]),
        failures=rows(con, f"""
            SELECT nodeid, kind, outcome, crash_path, crash_lineno, crash_message,
                   {', '.join(f'left({c}, {max(lim.failure_text, 0)}) AS {c}'
                              for c in FAILURE_TEXT)}
            FROM test_results WHERE run_id = ? AND outcome IN ('failed', 'error')
            ORDER BY nodeid LIMIT ?""", [rid, max(lim.failures, 0)]),
        failures_total=counts["failed"] + counts["error"],
        previous_run_id=str(prev[0]) if prev else None,
        newly_failing=[],
        newly_passing=[],
        operations=rows(con, """
            SELECT kind, op, backend, is_simulated, count(*) AS count,
                   count(*) FILTER (WHERE NOT ok) AS errors,
                   sum(nbytes) AS nbytes, sum(duration_s) AS total_s,
                   median(duration_s) AS median_s
            FROM operations WHERE run_id = ?
            GROUP BY ALL ORDER BY is_simulated, kind, op, backend""", [rid])
        if wrote("operations") else [],
        hardware=rows(con, "SELECT device, kind, name, vendor, memory_bytes, is_simulated "
                           "FROM hardware WHERE run_id = ? ORDER BY device", [rid])
        if wrote("hardware") else [],
        tags={r[0]: r[1] for r in con.execute(
            "SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key", [rid]).fetchall()}
        if wrote("run_tags") else {},
        db_path=db_path,
    )
    if report.previous_run_id is not None:
        _changes(con, report, lim)
    report.tests = _test_table(con, rid, report.total, lim.tests)
    add_benchmark_sections(con, report, lim, written)
    if config is not None:
        report.db_path = db_path or str(config.getoption("ipfs_accel_db", default="") or "")
        for result in config.hook.pytest_ipfs_accel_report_sections(report=report):
            for title, text in result or []:
                report.sections.append((str(title), str(text)))
    return report


def _changes(con: duckdb.DuckDBPyConnection, report: RunReport, lim: Limits) -> None:
    """Tests whose outcome flipped against the previous run: exact counts, capped lists."""
    rid, prev = report.run_id, report.previous_run_id
    # Only tests that failed in either run are looked up in the other (semi-joins on
    # the few failing ids, not a join of two whole runs).
    changed = rows(con, """
        WITH cur_bad AS (
            SELECT nodeid, kind, outcome, crash_message FROM test_results
            WHERE run_id = ? AND outcome IN ('failed', 'error')),
        prev_bad AS (
            SELECT nodeid, kind, outcome FROM test_results
            WHERE run_id = ? AND outcome IN ('failed', 'error')),
        prev_of AS (
            SELECT nodeid, kind, outcome FROM test_results
            WHERE run_id = ? AND nodeid IN (SELECT nodeid FROM cur_bad)),
        cur_of AS (
            SELECT nodeid, kind, outcome FROM test_results
            WHERE run_id = ? AND nodeid IN (SELECT nodeid FROM prev_bad)),
        ch AS (
            SELECT c.nodeid, c.outcome, p.outcome AS previous_outcome, c.crash_message,
                   TRUE AS failing
            FROM cur_bad c LEFT JOIN prev_of p USING (nodeid, kind)
            WHERE p.outcome IS NULL OR p.outcome NOT IN ('failed', 'error')
            UNION ALL
            SELECT c.nodeid, c.outcome, p.outcome, NULL, FALSE
            FROM prev_bad p JOIN cur_of c USING (nodeid, kind)
            WHERE c.outcome IN ('passed', 'xfailed')),
        ranked AS (
            SELECT *, count(*) OVER (PARTITION BY failing) AS n,
                   row_number() OVER (PARTITION BY failing ORDER BY nodeid) AS rn
            FROM ch)
        SELECT nodeid, outcome, previous_outcome, crash_message, failing, n FROM ranked
        WHERE rn <= ? ORDER BY nodeid""", [rid, prev, prev, rid, lim.changes])
    for row in changed:
        failing, n = row.pop("failing"), row.pop("n")
        if failing:
            report.newly_failing.append(row)
            report.newly_failing_total = n
        else:
            row.pop("crash_message")
            report.newly_passing.append(row)
            report.newly_passing_total = n


def _test_table(con: duckdb.DuckDBPyConnection, rid: str, total: int, cap: int) -> ResultTable:
    """The run's tests in run order, failures first (so a run of more than ``cap`` tests
    still shows all its failures); unsorted scans stop at the LIMIT, DuckDB writes the
    JSON."""
    if cap <= 0:
        return ResultTable(total=total, truncated=total > 0)
    parts, taken = [], 0
    for bad in (True, False):
        n, text = con.execute(f"""
            SELECT count(*), CAST(to_json(list(json_array(
                       nodeid, outcome, round(duration_s, 6), device, is_simulated,
                       CASE WHEN outcome IN ('failed', 'error') THEN left(crash_message, 300)
                       END) ORDER BY rid)) AS VARCHAR)
            FROM (SELECT rowid AS rid, * FROM test_results
                  WHERE run_id = ? AND {'' if bad else 'NOT '}(outcome IN ('failed', 'error'))
                  LIMIT ?)""", [rid, cap - taken]).fetchone()
        if n:
            parts.append(text[1:-1])
            taken += n
        if taken >= cap:
            break
    return ResultTable(total=total, truncated=taken < total, rows_json=f"[{','.join(parts)}]")
