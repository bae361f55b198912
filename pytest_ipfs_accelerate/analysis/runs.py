"""Which runs to compare: run ids by prefix, the default candidate and its baseline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pytest_ipfs_accelerate.errors import IpfsAccelError


class AnalysisError(IpfsAccelError):
    """The analysis cannot answer: no such run, no benchmarks, runs not comparable."""


@dataclass(frozen=True)
class RunInfo:
    """The facts of one run that decide whether two runs are comparable."""

    run_id: str
    started_at: datetime | None
    git_commit: str | None
    git_branch: str | None
    tox_env: str | None
    host: str | None
    hardware_fingerprint: str | None

    @property
    def label(self) -> str:
        commit = (self.git_commit or "")[:12] or "no commit"
        return f"{self.run_id[:8]} ({commit}, {self.git_branch or 'no branch'})"


_RUN_SQL = ("SELECT CAST(run_id AS VARCHAR), started_at, git_commit, git_branch, tox_env, "
            "host, hardware_fingerprint FROM runs")

#: Runs that hold something to compare.
_HAS_RESULTS = ("(run_id IN (SELECT run_id FROM benchmark_results WHERE status = 'ok') "
                "OR run_id IN (SELECT run_id FROM metrics))")


def require_tables(con: Any, *tables: str) -> None:
    """Refuse a DB that lacks the v2 tables (a v1 DB opened read-only)."""
    from pytest_ipfs_accelerate.db.connect import main_tables

    have = set(main_tables(con))
    missing = [t for t in tables if t not in have]
    if missing:
        raise AnalysisError(
            f"the DB has no {', '.join(missing)} table (written by schema version 1); open it "
            "once with this version (e.g. `ipfs-accel compare` without a read-only copy, or a "
            "pytest run with --ipfs-accel-db) to upgrade it")


def resolve_run(con: Any, ref: str, what: str = "run") -> RunInfo:
    """The run whose id is ``ref`` or starts with it; a clear error if none or several."""
    rows = con.execute(f"{_RUN_SQL} WHERE CAST(run_id AS VARCHAR) LIKE ? || '%' LIMIT 3",
                       [ref.strip().lower()]).fetchall()
    if not rows:
        raise AnalysisError(f"{what} '{ref}' does not exist in this DB; `ipfs-accel runs DB` "
                            "lists the runs")
    if len(rows) > 1:
        raise AnalysisError(f"{what} '{ref}' is ambiguous (matches {rows[0][0]}, {rows[1][0]}"
                            "...); give more of the run id")
    return RunInfo(*rows[0])


def has_results(con: Any, run: RunInfo) -> bool:
    row = con.execute(f"SELECT count(*) FROM runs WHERE run_id = ? AND {_HAS_RESULTS}",
                      [run.run_id]).fetchone()
    return bool(row and row[0])


def latest_with_results(con: Any) -> RunInfo:
    """The newest run with benchmark results or metrics."""
    row = con.execute(f"{_RUN_SQL} WHERE {_HAS_RESULTS} ORDER BY started_at DESC LIMIT 1"
                      ).fetchone()
    if row is None:
        raise AnalysisError("the DB holds no benchmark results or metrics; run pytest with "
                            "--ipfs-accel-db and tests that use the `benchmark` or "
                            "`accel_metric` fixture first")
    return RunInfo(*row)


def comparable_history(con: Any, candidate: RunInfo, limit: int) -> list[RunInfo]:
    """Earlier runs with results on the same hardware, branch and tox env, newest first."""
    rows = con.execute(
        f"{_RUN_SQL} WHERE started_at < ? AND run_id <> ? "
        "AND hardware_fingerprint IS NOT DISTINCT FROM ? AND git_branch IS NOT DISTINCT FROM ? "
        f"AND tox_env IS NOT DISTINCT FROM ? AND {_HAS_RESULTS} "
        "ORDER BY started_at DESC LIMIT ?",
        [candidate.started_at, candidate.run_id, candidate.hardware_fingerprint,
         candidate.git_branch, candidate.tox_env, limit]).fetchall()
    return [RunInfo(*r) for r in rows]


def default_baseline(con: Any, candidate: RunInfo) -> RunInfo:
    """The latest earlier run of the same hardware, branch and tox env, with results."""
    history = comparable_history(con, candidate, 1)
    if not history:
        raise AnalysisError(
            f"no baseline for run {candidate.label}: no earlier run with benchmark results on "
            f"the same hardware (fingerprint {candidate.hardware_fingerprint}), branch "
            f"{candidate.git_branch or '(none)'} and tox env {candidate.tox_env or '(none)'}; "
            "name one with --baseline RUN")
    return history[0]


def check_comparable(candidate: RunInfo, baseline: RunInfo, *, force: bool) -> None:
    """Refuse runs from different hardware unless forced."""
    if candidate.run_id == baseline.run_id:
        raise AnalysisError(f"candidate and baseline are the same run ({candidate.run_id}); "
                            "name two different runs")
    if force or candidate.hardware_fingerprint == baseline.hardware_fingerprint:
        return
    raise AnalysisError(
        f"runs {candidate.run_id[:8]} and {baseline.run_id[:8]} come from different hardware "
        f"(fingerprint {candidate.hardware_fingerprint} on {candidate.host} vs "
        f"{baseline.hardware_fingerprint} on {baseline.host}), so timings are not comparable; "
        "pass --force to compare anyway")
