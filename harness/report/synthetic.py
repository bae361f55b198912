"""Synthetic results DBs built by bulk SQL (``INSERT ... SELECT FROM range(n)``).

Used by the report benchmark (1,000,000 tests) and by the report tests (100,000 tests,
benchmarks with samples, metrics, regressions, several devices).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

#: Schema-v2 tables as agreed; created here only while ``db/schema.py`` lacks them.
V2_TABLES = {
    "benchmark_results": """CREATE TABLE benchmark_results (run_id UUID, nodeid VARCHAR,
        name VARCHAR, fullname VARCHAR, group_name VARCHAR, params JSON, param_id VARCHAR,
        extra_info JSON, status VARCHAR, error VARCHAR, min_s DOUBLE, max_s DOUBLE,
        mean_s DOUBLE, stddev_s DOUBLE, median_s DOUBLE, iqr_s DOUBLE, q1_s DOUBLE,
        q3_s DOUBLE, ops DOUBLE, rounds INTEGER, iterations INTEGER, outliers VARCHAR,
        total_s DOUBLE, device VARCHAR, is_simulated BOOLEAN, started_at TIMESTAMPTZ,
        extra JSON)""",
    "benchmark_samples": """CREATE TABLE benchmark_samples (run_id UUID, nodeid VARCHAR,
        name VARCHAR, round INTEGER, duration_s DOUBLE)""",
    "metrics": """CREATE TABLE metrics (run_id UUID, nodeid VARCHAR, name VARCHAR,
        value DOUBLE, unit VARCHAR, direction VARCHAR, device VARCHAR, is_simulated BOOLEAN,
        recorded_at TIMESTAMPTZ, extra JSON)""",
    "regressions": """CREATE TABLE regressions (candidate_run_id UUID, baseline_run_id UUID,
        nodeid VARCHAR, name VARCHAR, metric VARCHAR, baseline_value DOUBLE,
        candidate_value DOUBLE, ratio DOUBLE, p_value DOUBLE, method VARCHAR,
        threshold DOUBLE, is_regression BOOLEAN, detected_at TIMESTAMPTZ)""",
}


def ensure_v2_tables(con: Any) -> None:
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()}
    for name, ddl in V2_TABLES.items():
        if name not in have:
            con.execute(ddl)


def add_run(con: Any, *, tests: int, started: str, fail_every: int = 0,
            devices: tuple[str, ...] = ("cpu",), simulated_devices: tuple[str, ...] = (),
            prefix: str = "tests/test_gen.py::test_", commit: str = "c0ffee",
            finished: bool = True, shift: int = 0) -> str:
    """One run with ``tests`` item rows in one bulk insert; returns its run id. Test ``i``
    runs on device ``(i + shift) % len(devices)``, so runs with other shifts fill the
    matrix."""
    rid = str(uuid.uuid4())
    con.execute("""INSERT INTO runs (run_id, started_at, finished_at, exit_status, host,
                   git_commit, git_branch, hardware_fingerprint, schema_version,
                   tests_collected)
                   VALUES (?, ?::TIMESTAMPTZ, CASE WHEN ? THEN ?::TIMESTAMPTZ END, ?, 'bench-host',
                           ?, 'main', 'fp-bench', 1, ?)""",
                [rid, started, finished, started, 1 if fail_every else 0, commit, tests])
    devs = list(devices) + list(simulated_devices)
    con.execute("""
        INSERT INTO test_results (run_id, nodeid, kind, file, function, outcome, duration_s,
                                  crash_message, device, is_simulated)
        SELECT ?, ? || i, 'item', 'tests/test_gen.py', 'test_' || i,
               CASE WHEN ? > 0 AND i % ? = 0 THEN 'failed'
                    WHEN i % 97 = 1 THEN 'skipped' ELSE 'passed' END,
               (i % 1000) / 10000.0 + 0.0001,
               CASE WHEN ? > 0 AND i % ? = 0 THEN 'AssertionError: value ' || i END,
               list_extract(?, ((i + ?) % ?) + 1), ((i + ?) % ?) >= ?
        FROM range(?) t(i)""",
                [rid, prefix, fail_every, max(fail_every, 1), fail_every, max(fail_every, 1),
                 devs, shift, len(devs), shift, len(devs), len(devices), tests])
    return rid


def add_benchmarks(con: Any, rid: str, *, count: int = 4, rounds: int = 50,
                   scale: float = 1.0, simulated: bool = False, device: str = "cpu") -> None:
    """``count`` ok benchmarks with ``rounds`` samples each, plus one errored one; names
    get a ``[device]`` suffix (a parametrized benchmark)."""
    sfx = f"[{device}]"
    con.execute("""
        INSERT INTO benchmark_samples
        SELECT ?, 'harness/test_b.py::bench_' || b || ?, 'bench_' || b || ?, r,
               ? * (0.001 * (b + 1) + 0.0001 * ((r * 7919) % 13))
        FROM range(?) x(b), range(?) y(r)""", [rid, sfx, sfx, scale, count, rounds])
    con.execute("""
        INSERT INTO benchmark_results (run_id, nodeid, name, fullname, group_name, status,
            min_s, max_s, mean_s, stddev_s, median_s, iqr_s, q1_s, q3_s, ops, rounds,
            iterations, total_s, device, is_simulated, started_at)
        SELECT run_id, nodeid, name, nodeid, 'group-' || (hash(name) % 2), 'ok', min(d),
               max(d), avg(d), stddev(d), median(d), quantile_cont(d, 0.75)
               - quantile_cont(d, 0.25), quantile_cont(d, 0.25), quantile_cont(d, 0.75),
               1 / avg(d), count(*), 1, sum(d), ?, ?, now()
        FROM (SELECT run_id, nodeid, name, duration_s AS d FROM benchmark_samples
              WHERE run_id = ? AND ends_with(name, ?)) GROUP BY ALL""",
                [device, simulated, rid, sfx])
    con.execute("""INSERT INTO benchmark_results (run_id, nodeid, name, status, error, device,
                   is_simulated) VALUES (?, 'harness/test_b.py::bench_broken' || ?,
                   'bench_broken' || ?, 'error', 'RuntimeError: <boom>', ?, ?)""",
                [rid, sfx, sfx, device, simulated])
    con.execute("""
        INSERT INTO metrics SELECT ?, 'harness/test_b.py::bench_' || b || ?,
               'throughput_' || b || ?, 1000.0 / (b + 1) / ?, 'MiB/s', 'higher', ?, ?, now(),
               NULL
        FROM range(?) x(b)""", [rid, sfx, sfx, scale, device, simulated, count])


def add_regression(con: Any, candidate: str, baseline: str,
                   name: str = "bench_0[cpu]") -> None:
    con.execute("""INSERT INTO regressions VALUES (?, ?, 'harness/test_b.py::' || ?, ?,
                   'median_s', 0.001, 0.0015, 1.5, 0.001, 'mann-whitney', 0.1, TRUE, now())""",
                [candidate, baseline, name, name])


def build_db(path: Path, *, tests: int, runs: int = 2, fail_every: int = 0,
             benchmarks: bool = True, simulated_devices: tuple[str, ...] = ("sim-a100",)) -> str:
    """A DB with ``runs`` runs of ``tests`` tests each; returns the newest run id."""
    from pytest_ipfs_accelerate.db.connect import open_database

    con = open_database(path)
    try:
        ensure_v2_tables(con)
        rid = ""
        prev = None
        for n in range(runs):
            rid = add_run(con, tests=tests, started=f"2026-01-{n + 1:02d} 10:00:00+00",
                          fail_every=fail_every if n == runs - 1 else 0,
                          simulated_devices=simulated_devices, commit=f"c{n:05d}", shift=n)
            if benchmarks:
                slow = 1.5 if n == runs - 1 and runs > 2 else 1.0
                add_benchmarks(con, rid, scale=slow)
                add_benchmarks(con, rid, scale=0.2, simulated=True, device="sim-a100")
                if prev is not None and n == runs - 1:
                    add_regression(con, rid, prev)
            prev = rid
        con.execute("CHECKPOINT")
        return rid
    finally:
        con.close()
