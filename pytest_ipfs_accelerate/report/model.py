"""The run report: a plain data model built from the DB by read-only queries.

Terminal, Markdown, HTML and JSON renderings are all made from a ``RunReport``.
Simulated operation figures are kept apart from real ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pytest

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
BAD = ("failed", "error")


@dataclass
class RunReport:
    """Everything a report shows about one run."""

    run: dict[str, Any]
    counts: dict[str, int]
    total: int
    slowest: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    previous_run_id: str | None
    newly_failing: list[dict[str, Any]]
    newly_passing: list[dict[str, Any]]
    operations: list[dict[str, Any]]
    hardware: list[dict[str, Any]]
    tags: dict[str, str]
    sections: list[tuple[str, str]] = field(default_factory=list)
    db_path: str | None = None

    @property
    def run_id(self) -> str:
        return str(self.run["run_id"])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sections"] = [{"title": t, "text": x} for t, x in self.sections]
        return data


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, _plain(row), strict=True)) for row in cur.fetchall()]


def _plain(row: tuple) -> list[Any]:
    import datetime
    import uuid

    out = []
    for v in row:
        if isinstance(v, uuid.UUID):
            v = str(v)
        elif isinstance(v, datetime.datetime):
            v = v.isoformat()
        out.append(v)
    return out


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def build_run_report(
    con: duckdb.DuckDBPyConnection,
    run_id: Any,
    *,
    slowest: int = 10,
    max_failures: int = 50,
    config: pytest.Config | None = None,
    db_path: str | None = None,
) -> RunReport:
    """Query one run's report (``run_id`` may be a prefix of the UUID)."""
    from pytest_ipfs_accelerate.errors import DatabaseError

    rid = str(run_id)
    runs = _rows(con, "SELECT * FROM runs WHERE CAST(run_id AS VARCHAR) LIKE ? || '%' "
                      "ORDER BY started_at DESC", [rid])
    if not runs:
        raise DatabaseError(f"no run with id {rid!r}; `ipfs-accel runs DB` lists them")
    if len(runs) > 1:
        raise DatabaseError(f"run id prefix {rid!r} matches {len(runs)} runs; give more characters")
    run = runs[0]
    rid = run["run_id"]
    counts = {o: 0 for o in OUTCOMES}
    for row in con.execute("SELECT outcome, count(*) FROM test_results WHERE run_id = ? "
                           "GROUP BY outcome", [rid]).fetchall():
        counts[row[0]] = row[1]
    prev = con.execute(
        "SELECT run_id FROM runs WHERE started_at < ? AND run_id <> ? "
        "ORDER BY started_at DESC LIMIT 1",
        [run["started_at"], rid]).fetchone()
    prev_id = str(prev[0]) if prev else None
    newly_failing: list[dict[str, Any]] = []
    newly_passing: list[dict[str, Any]] = []
    if prev_id is not None:
        newly_failing = _rows(con, """
            SELECT c.nodeid, c.outcome, p.outcome AS previous_outcome, c.crash_message
            FROM test_results c LEFT JOIN test_results p
                 ON p.nodeid = c.nodeid AND p.run_id = ?
            WHERE c.run_id = ? AND c.outcome IN ('failed', 'error')
              AND (p.outcome IS NULL OR p.outcome NOT IN ('failed', 'error'))
            ORDER BY c.nodeid""", [prev_id, rid])
        newly_passing = _rows(con, """
            SELECT c.nodeid, c.outcome, p.outcome AS previous_outcome
            FROM test_results c JOIN test_results p ON p.nodeid = c.nodeid AND p.run_id = ?
            WHERE c.run_id = ? AND c.outcome IN ('passed', 'xfailed')
              AND p.outcome IN ('failed', 'error')
            ORDER BY c.nodeid""", [prev_id, rid])
    report = RunReport(
        run=run,
        counts=counts,
        total=sum(counts.values()),
        slowest=_rows(con, """
            SELECT nodeid, outcome, duration_s FROM test_results
            WHERE run_id = ? AND kind = 'item' ORDER BY duration_s DESC, nodeid LIMIT ?""",
                      [rid, max(slowest, 0)]),
        failures=_rows(con, """
            SELECT nodeid, kind, outcome, crash_path, crash_lineno, crash_message
            FROM test_results WHERE run_id = ? AND outcome IN ('failed', 'error')
            ORDER BY nodeid LIMIT ?""", [rid, max_failures]),
        previous_run_id=prev_id,
        newly_failing=newly_failing,
        newly_passing=newly_passing,
        operations=_rows(con, """
            SELECT kind, op, backend, is_simulated, count(*) AS count,
                   count(*) FILTER (WHERE NOT ok) AS errors,
                   sum(nbytes) AS nbytes, sum(duration_s) AS total_s,
                   median(duration_s) AS median_s
            FROM operations WHERE run_id = ?
            GROUP BY ALL ORDER BY is_simulated, kind, op, backend""", [rid]),
        hardware=_rows(con, "SELECT device, kind, name, vendor, memory_bytes, is_simulated "
                            "FROM hardware WHERE run_id = ? ORDER BY device", [rid]),
        tags={r[0]: r[1] for r in con.execute(
            "SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key", [rid]).fetchall()},
        db_path=db_path,
    )
    if config is not None:
        report.db_path = db_path or str(config.getoption("ipfs_accel_db", default="") or "")
        for result in config.hook.pytest_ipfs_accel_report_sections(report=report):
            for title, text in result or []:
                report.sections.append((str(title), str(text)))
    return report
