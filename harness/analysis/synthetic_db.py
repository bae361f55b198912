"""Build results DBs with known benchmarks and metrics, for the analysis tests and benchmarks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def new_db(path: Path | str) -> Any:
    """An empty results DB at ``path`` (current schema), opened for writing."""
    from pytest_ipfs_accelerate.db.connect import open_database

    return open_database(path)


def add_run(con: Any, *, day: float = 0, fingerprint: str = "fp-a", branch: str | None = "main",
            tox_env: str | None = None, commit: str | None = None, host: str = "host-a") -> str:
    """Insert a ``runs`` row started ``day`` days after T0; returns its run id."""
    from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION

    run_id = str(uuid.uuid4())
    con.execute(
        "INSERT INTO runs (run_id, started_at, finished_at, exit_status, host, git_commit, "
        "git_branch, tox_env, hardware_fingerprint, schema_version) "
        "VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
        [run_id, T0 + timedelta(days=day), T0 + timedelta(days=day, minutes=5), host,
         commit or f"c{day:05.1f}".replace(".", ""), branch, tox_env, fingerprint,
         SCHEMA_VERSION])
    return run_id


def add_benchmark(con: Any, run_id: str, nodeid: str, samples: Sequence[float], *,
                  name: str | None = None, group: str | None = None, status: str = "ok",
                  device: str | None = None, is_simulated: bool = False,
                  threshold: float | None = None) -> None:
    """One ``benchmark_results`` row (median from ``samples``) and its samples."""
    s = sorted(samples)
    n = len(s)
    med = (s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2) if n else None
    name = name or nodeid.split("::")[-1]
    extra = json.dumps({"threshold": threshold}) if threshold is not None else None
    con.execute(
        "INSERT INTO benchmark_results (run_id, nodeid, name, group_name, status, min_s, max_s, "
        "mean_s, median_s, rounds, iterations, device, is_simulated, extra) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        [run_id, nodeid, name, group, status, s[0] if n else None, s[-1] if n else None,
         sum(s) / n if n else None, med, n, device, is_simulated, extra])
    if n:
        con.execute("INSERT INTO benchmark_samples SELECT CAST(? AS UUID), ?, ?, "
                    "generate_subscripts(l, 1) - 1, unnest(l) FROM (SELECT ?::DOUBLE[] AS l)",
                    [run_id, nodeid, name, [float(v) for v in samples]])


def add_metric(con: Any, run_id: str, nodeid: str | None, name: str,
               values: Sequence[float], *, unit: str | None = None,
               direction: str = "lower", device: str | None = None,
               is_simulated: bool = False) -> None:
    con.execute(
        "INSERT INTO metrics (run_id, nodeid, name, value, unit, direction, device, "
        "is_simulated) SELECT CAST(? AS UUID), ?, ?, unnest(?::DOUBLE[]), ?, ?, ?, ?",
        [run_id, nodeid, name, [float(v) for v in values], unit, direction, device,
         is_simulated])


def add_test(con: Any, run_id: str, nodeid: str, outcome: str, *, device: str | None = None,
             is_simulated: bool = False) -> None:
    con.execute(
        "INSERT INTO test_results (run_id, nodeid, kind, outcome, duration_s, device, "
        "is_simulated) VALUES (?, ?, 'item', ?, 0.01, ?, ?)",
        [run_id, nodeid, outcome, device, is_simulated])


def bulk_benchmarks(con: Any, run_id: str, benchmarks: int, samples: int, *,
                    slowdown: float = 1.0, slow_every: int = 0, seed: float = 0.5) -> None:
    """``benchmarks`` benchmarks x ``samples`` rounds, generated inside DuckDB.

    Benchmark b takes about (1 + b % 7) ms with 5% noise; with ``slow_every`` = k,
    every k-th benchmark is ``slowdown`` times slower.
    """
    con.execute("SELECT setseed(?)", [seed])
    factor = (f"CASE WHEN {slow_every} > 0 AND b % {slow_every} = 0 THEN {slowdown} ELSE 1 END"
              if slow_every else "1")
    con.execute(f"""
        INSERT INTO benchmark_samples
        SELECT CAST(? AS UUID), 'bench.py::test_' || b, 'test_' || b, r,
               (1 + b % 7) * 1e-3 * {factor} * (0.95 + 0.1 * random())
        FROM range(?) t1(b), range(?) t2(r)""", [run_id, benchmarks, samples])
    con.execute("""
        INSERT INTO benchmark_results (run_id, nodeid, name, status, min_s, max_s, mean_s,
                                       median_s, rounds, iterations, is_simulated)
        SELECT run_id, nodeid, name, 'ok', min(duration_s), max(duration_s), avg(duration_s),
               median(duration_s), count(*), 1, FALSE
        FROM benchmark_samples WHERE run_id = CAST(? AS UUID) GROUP BY ALL""", [run_id])


def bulk_history(con: Any, runs: int, benchmarks: int, *, step_at: int | None = None,
                 step: float = 1.4, step_every: int = 10, seed: float = 0.3) -> list[str]:
    """``runs`` daily runs x ``benchmarks`` medians (3% noise); from run ``step_at`` on,
    every ``step_every``-th benchmark is ``step`` times slower. Returns the run ids."""
    ids = [add_run(con, day=i) for i in range(runs)]
    con.execute("SELECT setseed(?)", [seed])
    cut = T0 + timedelta(days=step_at if step_at is not None else runs + 1)
    con.execute(f"""
        INSERT INTO benchmark_results (run_id, nodeid, name, status, median_s, is_simulated)
        SELECT r.run_id, 'bench.py::test_' || b, 'test_' || b, 'ok',
               (1 + b % 7) * 1e-3 * (0.97 + 0.06 * random())
               * CASE WHEN b % {step_every} = 0 AND r.started_at >= ? THEN {step} ELSE 1 END,
               FALSE
        FROM runs r, range(?) t(b)""", [cut, benchmarks])
    return ids
