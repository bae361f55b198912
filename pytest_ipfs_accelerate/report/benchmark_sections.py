"""Report sections from the benchmark tables (schema v2 on): benchmarks with raw samples,
metrics, regressions, trends and the compatibility matrix. Each appears only when its
table exists (a v1 DB has none). Trends and the matrix come from the analysis package,
imported only when the report has them (a terminal summary of a run without benchmarks
loads none of it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from pytest_ipfs_accelerate.db.connect import main_tables
from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.report.model import Limits, RunReport, rows

if TYPE_CHECKING:
    import duckdb

    from pytest_ipfs_accelerate.analysis.matrix import Matrix

#: Above this many stored results the matrix holds only the most failing tests, picked in
#: SQL (a report of a million results stays fast).
FULL_MATRIX_ROWS = 20_000


def add_benchmark_sections(con: duckdb.DuckDBPyConnection, report: RunReport, lim: Limits,
                    written: Collection[str] | None = None) -> None:
    """``written``: see ``model.build_run_report`` (the tables this run has rows in)."""
    have = set(main_tables(con)) if written is None else set(written)
    rid = report.run_id
    if "benchmark_results" in have:
        _benchmarks(con, report, lim, with_samples="benchmark_samples" in have)
    if "metrics" in have:
        report.metrics_total = con.execute(
            "SELECT count(*) FROM metrics WHERE run_id = ?", [rid]).fetchone()[0]
        report.metrics = rows(con, """
            SELECT nodeid, name, value, unit, direction, device, is_simulated FROM metrics
            WHERE run_id = ? ORDER BY is_simulated, name, nodeid LIMIT ?""", [rid, lim.metrics])
    if "regressions" in have:
        _regressions(con, report, lim)
    if (report.benchmarks_total or report.metrics_total) and lim.trend_series > 0:
        _guarded(report, "trends", lambda: _trends(con, report, lim))
    if lim.matrix_rows > 0 and lim.matrix_columns > 0:
        _guarded(report, "compatibility matrix", lambda: _matrix(con, report, lim))


def _regressions(con: duckdb.DuckDBPyConnection, report: RunReport, lim: Limits) -> None:
    """The stored comparisons of this run, each with its metric's unit and which way is
    better (benchmarks: seconds, lower).

    Improvements: the stored ``is_improvement`` (schema v3). A row without it (an older
    DB, or one stored by older code) gets the classic method's verdict with its default
    settings (past the threshold the good way, and significant: Mann-Whitney p < 0.05,
    z-score |z| >= 3 when scored); a ``noise`` comparison without it shows none.
    """
    stored = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'regressions' "
        "AND table_schema = 'main'").fetchall()}
    derived = ("NOT r.is_regression AND r.ratio IS NOT NULL AND CASE WHEN direction = "
               "'higher' THEN r.ratio > 1 + coalesce(r.threshold, 0) ELSE r.ratio < 1 - "
               "coalesce(r.threshold, 0) END AND CASE r.method "
               "WHEN 'mann-whitney' THEN r.p_value < 0.05 "
               "WHEN 'z-score' THEN r.p_value IS NULL OR r.p_value <= 0.0027 ELSE FALSE END")
    improvement = (f"coalesce(r.is_improvement, {derived})" if "is_improvement" in stored
                   else derived)
    report.regressions = rows(con, f"""
        WITH units AS (
            SELECT name, any_value(unit) AS unit, any_value(direction) AS direction
            FROM metrics WHERE run_id = ? GROUP BY name),
        r AS (
            SELECT r.*, CASE WHEN r.metric = 'time' THEN 's' ELSE u.unit END AS unit,
                   CASE WHEN r.metric = 'time' THEN 'lower'
                        ELSE coalesce(u.direction, 'lower') END AS direction
            FROM regressions r LEFT JOIN units u ON r.metric <> 'time' AND u.name = r.metric
            WHERE r.candidate_run_id = ?)
        SELECT CAST(r.baseline_run_id AS VARCHAR) AS baseline_run_id, r.nodeid, r.name,
               r.metric, r.unit, r.direction, r.baseline_value, r.candidate_value, r.ratio,
               r.p_value, r.method, r.threshold, r.is_regression,
               {improvement} AS is_improvement
        FROM r ORDER BY r.is_regression DESC, is_improvement DESC, r.ratio DESC NULLS LAST,
                        r.name LIMIT ?""", [report.run_id, report.run_id, lim.regressions])


def _guarded(report: RunReport, what: str, build: Any) -> None:
    """An optional section that fails leaves a visible note, not a broken report."""
    try:
        build()
    except IpfsAccelError as exc:
        report.notes.append(f"{what}: {exc}")


def _benchmarks(con: duckdb.DuckDBPyConnection, report: RunReport, lim: Limits,
                *, with_samples: bool) -> None:
    rid = report.run_id
    report.benchmarks_total = con.execute(
        "SELECT count(*) FROM benchmark_results WHERE run_id = ?", [rid]).fetchone()[0]
    report.benchmarks = rows(con, """
        SELECT nodeid, name, fullname, group_name, param_id, status, error, min_s, max_s,
               mean_s, stddev_s, median_s, iqr_s, q1_s, q3_s, ops, rounds, iterations,
               outliers, device, is_simulated
        FROM benchmark_results WHERE run_id = ?
        ORDER BY is_simulated, group_name NULLS FIRST, name, nodeid LIMIT ?""",
                             [rid, lim.benchmarks])
    samples: dict[tuple[str, str], list[float]] = {}
    if with_samples and report.benchmarks:
        for nodeid, name, values in con.execute("""
                SELECT nodeid, name, list(duration_s ORDER BY round) FROM (
                    SELECT nodeid, name, round, duration_s, row_number() OVER (
                        PARTITION BY nodeid, name ORDER BY round) AS rn
                    FROM benchmark_samples WHERE run_id = ?)
                WHERE rn <= ? GROUP BY nodeid, name""", [rid, lim.samples]).fetchall():
            samples[(nodeid, name)] = values
    for bench in report.benchmarks:
        bench["samples"] = samples.get((bench["nodeid"], bench["name"]), [])


def _trends(con: duckdb.DuckDBPyConnection, report: RunReport, lim: Limits) -> None:
    """History of this run's benchmarks and metrics, per hardware (``analysis.trends``)."""
    from pytest_ipfs_accelerate.analysis.trends import trend

    names = {b["name"] for b in report.benchmarks} | {m["name"] for m in report.metrics}
    series = []
    for s in trend(con):
        if s.name not in names:
            continue
        dropped = max(len(s.points) - lim.trend_points, 0)
        series.append(_plain_tree({
            "name": s.name, "hardware_fingerprint": s.hardware_fingerprint,
            "is_simulated": bool(s.is_simulated), "unit": getattr(s, "unit", None),
            "points": [{"run_id": p.run_id, "started_at": p.started_at,
                        "git_commit": p.git_commit, "value": p.value}
                       for p in s.points[dropped:]],
            "change_points": [dict(dataclasses.asdict(c), index=c.index - dropped)
                              for c in s.change_points if c.index >= dropped]}))
    series.sort(key=lambda s: (bool(s["is_simulated"]), s["name"],
                               str(s["hardware_fingerprint"])))
    report.trends = series[:lim.trend_series]


def _plain_tree(value: Any) -> Any:
    """Dataclass output made JSON-ready (UUIDs and times to strings, tuples to lists)."""
    import datetime
    import uuid

    if isinstance(value, dict):
        return {str(k): _plain_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_tree(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _matrix(con: duckdb.DuckDBPyConnection, report: RunReport, lim: Limits) -> None:
    """The whole matrix for a DB of up to FULL_MATRIX_ROWS results; above that only the
    most failing tests (their totals not counted)."""
    from pytest_ipfs_accelerate.analysis.matrix import compatibility_matrix

    stored = con.execute("SELECT count(*) FROM test_results").fetchone()[0]
    if not stored:
        return
    if stored <= FULL_MATRIX_ROWS:
        report.matrix = _matrix_dict(compatibility_matrix(con, by="test"), lim)
    else:
        capped = compatibility_matrix(con, by="test", most_failing=lim.matrix_rows)
        report.matrix = _matrix_dict(capped, lim, (None, None))


def _matrix_dict(matrix: Matrix, lim: Limits,
                 totals: tuple[int | None, int | None] | None = None) -> dict[str, Any]:
    """An analysis ``Matrix`` as report data: most-failing rows first, capped. ``totals``
    (rows, columns) overrides the matrix's own sizes (None: not counted)."""
    bad: dict[str, int] = {}
    for (row, _col), cell in matrix.cells.items():
        bad[row] = bad.get(row, 0) + cell.failed
    rows = sorted(matrix.rows, key=lambda r: (-bad.get(r, 0), r))[:lim.matrix_rows]
    columns = matrix.columns[:lim.matrix_columns]
    ri = {r: i for i, r in enumerate(rows)}
    ci = {c: i for i, c in enumerate(columns)}
    cells = [[ri[row], ci[col], c.passed, c.failed, c.skipped, c.xfailed, c.total, c.score]
             for (row, col), c in matrix.cells.items() if row in ri and col in ci]
    return {"by": matrix.by, "rows": rows,
            "columns": [{"label": c, "is_simulated": c in matrix.simulated_columns}
                        for c in columns],
            "cells": cells, "rows_total": totals[0] if totals else len(matrix.rows),
            "columns_total": totals[1] if totals else len(matrix.columns)}
