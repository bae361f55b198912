"""Results DBs with known contents, written by plain SQL (every column named).

Row by row (:func:`add_benchmark`, :func:`add_metric`, :func:`add_test`) for the analysis
tests; in bulk, generated inside DuckDB (``INSERT ... SELECT FROM range(n)``), for the
report tests and the harness's speed benchmarks (:func:`build_db`: a million tests).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION

#: Run ``day`` starts ``day`` days after this.
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def new_db(path: Path | str) -> Any:
    """An empty results DB at ``path`` (current schema), opened for writing."""
    return open_database(path)


def add_run(con: Any, *, day: float = 0, tests: int = 0, fail_every: int = 0,
            devices: Sequence[str] = ("cpu",), simulated_devices: Sequence[str] = (),
            shift: int = 0, fingerprint: str = "fp-a", branch: str | None = "main",
            tox_env: str | None = None, commit: str | None = None,
            host: str = "host-a") -> str:
    """A finished ``runs`` row started ``day`` days after :data:`T0`; returns its run id.

    With ``tests``, also that many item rows in one bulk insert: every ``fail_every``-th
    fails (and the run exits 1), about 1% skip, and test ``i`` runs on device
    ``(i + shift) % len(devices + simulated_devices)``, so runs with other shifts fill
    the matrix.
    """
    run_id = str(uuid.uuid4())
    started = T0 + timedelta(days=day)
    con.execute(
        "INSERT INTO runs (run_id, started_at, finished_at, exit_status, host, git_commit, "
        "git_branch, tox_env, hardware_fingerprint, tests_collected, schema_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, started, started + timedelta(minutes=5), 1 if fail_every else 0, host,
         commit or f"c{day:05.1f}".replace(".", ""), branch, tox_env, fingerprint,
         tests or None, SCHEMA_VERSION])
    if tests:
        _add_tests(con, run_id, tests, fail_every, list(devices), list(simulated_devices),
                   shift)
    return run_id


def _add_tests(con: Any, run_id: str, tests: int, fail_every: int, devices: list[str],
               simulated: list[str], shift: int) -> None:
    devs = devices + simulated
    every = max(fail_every, 1)
    con.execute("""
        INSERT INTO test_results (run_id, nodeid, kind, file, function, outcome, duration_s,
                                  crash_message, device, is_simulated)
        SELECT ?, 'tests/test_gen.py::test_' || i, 'item', 'tests/test_gen.py', 'test_' || i,
               CASE WHEN ? > 0 AND i % ? = 0 THEN 'failed'
                    WHEN i % 97 = 1 THEN 'skipped' ELSE 'passed' END,
               (i % 1000) / 10000.0 + 0.0001,
               CASE WHEN ? > 0 AND i % ? = 0 THEN 'AssertionError: value ' || i END,
               list_extract(?, ((i + ?) % ?) + 1), ((i + ?) % ?) >= ?
        FROM range(?) t(i)""",
                [run_id, fail_every, every, fail_every, every, devs, shift, len(devs), shift,
                 len(devs), len(devices), tests])


# -- row by row -----------------------------------------------------------------------

def add_benchmark(con: Any, run_id: str, nodeid: str, samples: Sequence[float], *,
                  name: str | None = None, group: str | None = None, status: str = "ok",
                  device: str | None = None, is_simulated: bool = False,
                  threshold: float | None = None) -> None:
    """One ``benchmark_results`` row (stats from ``samples``) and its samples."""
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
        con.execute("INSERT INTO benchmark_samples (run_id, nodeid, name, round, duration_s) "
                    "SELECT CAST(? AS UUID), ?, ?, generate_subscripts(l, 1) - 1, unnest(l) "
                    "FROM (SELECT ?::DOUBLE[] AS l)",
                    [run_id, nodeid, name, [float(v) for v in samples]])


def add_metric(con: Any, run_id: str, nodeid: str | None, name: str,
               values: Sequence[float], *, unit: str | None = None,
               direction: str = "lower", device: str | None = None,
               is_simulated: bool = False) -> None:
    """One ``metrics`` row per value."""
    con.execute(
        "INSERT INTO metrics (run_id, nodeid, name, value, unit, direction, device, "
        "is_simulated) SELECT CAST(? AS UUID), ?, ?, unnest(?::DOUBLE[]), ?, ?, ?, ?",
        [run_id, nodeid, name, [float(v) for v in values], unit, direction, device,
         is_simulated])


def add_test(con: Any, run_id: str, nodeid: str, outcome: str, *, device: str | None = None,
             is_simulated: bool = False) -> None:
    """One item row of ``test_results``."""
    con.execute(
        "INSERT INTO test_results (run_id, nodeid, kind, outcome, duration_s, device, "
        "is_simulated) VALUES (?, ?, 'item', ?, 0.01, ?, ?)",
        [run_id, nodeid, outcome, device, is_simulated])


# -- in bulk --------------------------------------------------------------------------

def add_benchmarks(con: Any, run_id: str, *, count: int = 4, rounds: int = 50,
                   scale: float = 1.0, simulated: bool = False, device: str = "cpu") -> None:
    """What a report shows of benchmarks: ``count`` ok ones with ``rounds`` samples and a
    throughput metric each, plus one errored; names get a ``[device]`` suffix (a
    parametrized benchmark)."""
    sfx = f"[{device}]"
    con.execute("""
        INSERT INTO benchmark_samples (run_id, nodeid, name, round, duration_s)
        SELECT ?, 'harness/test_b.py::bench_' || b || ?, 'bench_' || b || ?, r,
               ? * (0.001 * (b + 1) + 0.0001 * ((r * 7919) % 13))
        FROM range(?) x(b), range(?) y(r)""", [run_id, sfx, sfx, scale, count, rounds])
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
                [device, simulated, run_id, sfx])
    con.execute("""INSERT INTO benchmark_results (run_id, nodeid, name, status, error, device,
                   is_simulated) VALUES (?, 'harness/test_b.py::bench_broken' || ?,
                   'bench_broken' || ?, 'error', 'RuntimeError: <boom>', ?, ?)""",
                [run_id, sfx, sfx, device, simulated])
    con.execute("""
        INSERT INTO metrics (run_id, nodeid, name, value, unit, direction, device,
                             is_simulated, recorded_at)
        SELECT ?, 'harness/test_b.py::bench_' || b || ?, 'throughput_' || b || ?,
               1000.0 / (b + 1) / ?, 'MiB/s', 'higher', ?, ?, now()
        FROM range(?) x(b)""", [run_id, sfx, sfx, scale, device, simulated, count])


def add_regression(con: Any, candidate: str, baseline: str,
                   name: str = "bench_0[cpu]") -> None:
    """A stored regression of benchmark ``name``: median 1 ms -> 1.5 ms."""
    con.execute("""
        INSERT INTO regressions (candidate_run_id, baseline_run_id, nodeid, name, metric,
            baseline_value, candidate_value, ratio, p_value, method, threshold,
            is_regression, detected_at)
        VALUES (?, ?, 'harness/test_b.py::' || ?, ?, 'time', 0.001, 0.0015, 1.5, 0.001,
                'mann-whitney', 0.1, TRUE, now())""", [candidate, baseline, name, name])


def bulk_benchmarks(con: Any, run_id: str, benchmarks: int, samples: int, *,
                    slowdown: float = 1.0, slow_every: int = 0, seed: float = 0.5) -> None:
    """Many benchmarks to compare: ``benchmarks`` x ``samples`` rounds.

    Benchmark b takes about (1 + b % 7) ms with 5% noise; with ``slow_every`` = k,
    every k-th benchmark is ``slowdown`` times slower.
    """
    con.execute("SELECT setseed(?)", [seed])
    factor = (f"CASE WHEN {slow_every} > 0 AND b % {slow_every} = 0 THEN {slowdown} ELSE 1 END"
              if slow_every else "1")
    con.execute(f"""
        INSERT INTO benchmark_samples (run_id, nodeid, name, round, duration_s)
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
    """A trend to read: ``runs`` daily runs x ``benchmarks`` medians (3% noise); from run
    ``step_at`` on, every ``step_every``-th benchmark is ``step`` times slower. Returns
    the run ids."""
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


def build_db(path: Path | str, *, tests: int, runs: int = 2, fail_every: int = 0,
             benchmarks: bool = True,
             simulated_devices: Sequence[str] = ("sim-a100",)) -> str:
    """A DB of ``runs`` daily runs of ``tests`` tests each (failures, when asked, in the
    newest only); with ``benchmarks``, real and simulated ones per run, the newest slower
    when there are more than two runs, and a stored regression. Returns the newest run
    id."""
    con = open_database(path)
    try:
        run_id = ""
        prev = None
        for n in range(runs):
            run_id = add_run(con, day=n, tests=tests,
                             fail_every=fail_every if n == runs - 1 else 0,
                             simulated_devices=simulated_devices, commit=f"c{n:05d}", shift=n)
            if benchmarks:
                add_benchmarks(con, run_id, scale=1.5 if n == runs - 1 and runs > 2 else 1.0)
                add_benchmarks(con, run_id, scale=0.2, simulated=True, device="sim-a100")
                if prev is not None and n == runs - 1:
                    add_regression(con, run_id, prev)
            prev = run_id
        con.execute("CHECKPOINT")
        return run_id
    finally:
        con.close()
