"""Compatibility matrix: tests (or models) x hardware, real and simulated kept apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_ipfs_accelerate.analysis.runs import AnalysisError, resolve_run

#: pytest outcome -> matrix bucket (xpassed: it works, so it counts as passed).
_BUCKET = {"passed": "passed", "xpassed": "passed", "failed": "failed", "error": "failed",
           "skipped": "skipped", "xfailed": "xfailed"}


@dataclass
class Cell:
    """Outcome counts of one row on one hardware column, over every run in the DB."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    xfailed: int = 0
    total: int = 0
    is_simulated: bool = False

    @property
    def score(self) -> float | None:
        """Does it work on this hardware: passed / (passed + failed), xpassed counted as
        passed and errors as failed; None when nothing passed or failed (only skips or
        xfails, which say it was not expected to work there).

        The one definition every rendering shows (terminal, Markdown, HTML, CLI), always
        with the counts: a test that always xfails reads ``n/a (3 xfail)``.
        """
        ran = self.passed + self.failed
        return self.passed / ran if ran else None


@dataclass
class Matrix:
    by: str  # "test" | "model"
    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    simulated_columns: set[str] = field(default_factory=set)


def column_label(device: str | None, is_simulated: bool) -> str:
    """The hardware column: the device label (``cpu`` if none), marked when simulated."""
    label = device or "cpu"
    return f"{label} (simulated)" if is_simulated else label


#: The ``most_failing`` tests: those with most failing results first, then others, so a
#: million passing results cost one filtered scan, not a million-group aggregate.
_MOST_FAILING = """
    AND t.nodeid IN (SELECT nodeid FROM (
        SELECT nodeid, max(n) AS n FROM (
            (SELECT nodeid, count(*) AS n FROM test_results
             WHERE kind = 'item' AND outcome IN ('failed', 'error') GROUP BY nodeid
             ORDER BY n DESC, nodeid LIMIT ?)
            UNION ALL
            (SELECT nodeid, 0 AS n FROM test_results WHERE kind = 'item' LIMIT ?))
        GROUP BY nodeid ORDER BY n DESC, nodeid LIMIT ?))"""


def compatibility_matrix(con: Any, *, by: str = "test", run: str | None = None,
                         most_failing: int | None = None) -> Matrix:
    """Pass/fail/skip/xfail counts and a score per (test or model, hardware).

    ``by="model"`` groups by the checkpoint architecture that tests dispatched
    (``operations`` rows of kind ``checkpoint``). ``run`` limits to one run (id prefix).
    ``most_failing`` (tests only) keeps that many tests, those that failed most first.
    """
    if by not in ("test", "model"):
        raise AnalysisError(f"matrix: by must be 'test' or 'model', not {by!r}")
    params: list[Any] = []
    run_filter = ""
    if run:
        params.append(resolve_run(con, run).run_id)
        run_filter = " AND t.run_id = CAST(? AS UUID)"
    if by == "test":
        if most_failing is not None:
            run_filter += _MOST_FAILING
            params += [most_failing, most_failing * 4, most_failing]
        sql = f"""SELECT t.nodeid, t.device, t.is_simulated, t.outcome, count(*)
                  FROM test_results t WHERE t.kind = 'item'{run_filter} GROUP BY ALL"""
    else:
        sql = f"""
            WITH models AS (
                SELECT DISTINCT run_id, nodeid, json_extract_string(extra, '$.architecture') AS
                       arch, backend, is_simulated
                FROM operations WHERE kind = 'checkpoint' AND nodeid IS NOT NULL
                  AND json_extract_string(extra, '$.architecture') IS NOT NULL)
            SELECT m.arch, coalesce(t.device, m.backend), t.is_simulated OR m.is_simulated,
                   t.outcome, count(*)
            FROM models m JOIN test_results t ON t.run_id = m.run_id AND t.nodeid = m.nodeid
            WHERE t.kind = 'item'{run_filter} GROUP BY ALL"""
    matrix = Matrix(by=by)
    rows = con.execute(sql, params).fetchall()
    if not rows:
        what = "test results" if by == "test" else "checkpoint dispatches with an architecture"
        raise AnalysisError(f"the DB holds no {what} to build a matrix from")
    seen_rows: set[str] = set()
    for name, device, sim, outcome, n in rows:
        col = column_label(device, bool(sim))
        if sim:
            matrix.simulated_columns.add(col)
        cell = matrix.cells.setdefault((name, col), Cell(is_simulated=bool(sim)))
        bucket = _BUCKET.get(outcome, "failed")
        setattr(cell, bucket, getattr(cell, bucket) + n)
        cell.total += n
        seen_rows.add(name)
    matrix.rows = sorted(seen_rows)
    cols = {c for _, c in matrix.cells}
    matrix.columns = sorted(cols, key=lambda c: (c in matrix.simulated_columns, c))
    return matrix
