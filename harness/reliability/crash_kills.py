"""SIGKILL a 10,000-test run again and again (seeded moments), checking the DB after each.

The bounded CI test (``tests/reliability/test_crash_kills.py``) runs 20 kills; run
more here::

    python -m harness.reliability.crash_kills [--kills 200] [--seed 1234] [--tests 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SUITE = """
import pytest
@pytest.mark.parametrize("i", range({n}))
def test_tick(i):
    pass
"""
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


@dataclass
class KillLog:
    """What the kills did: moments, rows seen after each, and any broken invariant."""

    kills: int = 0
    kills_without_new_rows: int = 0  # landed before that run's first flush
    rows_after: list[int] = field(default_factory=list)
    moments: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def write_suite(folder: Path, n_tests: int) -> None:
    (folder / "test_ticks.py").write_text(SUITE.format(n=n_tests))


def pytest_cmd(db: str, flush_rows: int) -> list[str]:
    return [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-p",
            "no:hypothesispytest", "-p", "no:randomly", "-p", "no:xdist", "-p", "no:benchmark",
            "--ipfs-accel-db", db, "--ipfs-accel-flush-rows", str(flush_rows),
            "--ipfs-accel-flush-seconds", "0.2"]


def kill_once(folder: Path, rng: random.Random, *, max_tests_before_kill: int,
              flush_rows: int) -> str:
    """Start a run and SIGKILL it at a seeded moment; returns a description of the moment."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("IPFS_ACCEL_") and k != "PYTEST_ADDOPTS"}
    proc = subprocess.Popen(pytest_cmd("r.duckdb", flush_rows), cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    if rng.random() < 0.3:  # during startup: collection, DB creation, the run row
        delay = rng.uniform(0.0, 1.5)
        time.sleep(delay)
        moment = f"{delay:.2f}s after start"
    else:
        target = rng.randint(1, max_tests_before_kill)
        seen = 0
        for line in proc.stdout:
            if " PASSED" in line:
                seen += 1
                if seen >= target:
                    break
        time.sleep(rng.uniform(0.0, 0.05))
        moment = f"after {seen} tests"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    return moment


def check_db(db: Path, n_tests: int) -> tuple[int, list[str]]:
    """Open the DB (read-write: replays any WAL) and check every row is whole."""
    problems: list[str] = []
    if not db.exists():
        return 0, problems
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as exc:
        return 0, [f"DB does not open: {exc}"]
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if "test_results" not in tables:
            return 0, problems  # killed before the schema transaction committed
        [(rows,)] = con.execute("SELECT count(*) FROM test_results").fetchall()
        [(broken,)] = con.execute(f"""
            SELECT count(*) FROM test_results
            WHERE outcome NOT IN {OUTCOMES} OR setup_outcome IS NULL OR call_outcome IS NULL
               OR teardown_outcome IS NULL OR duration_s IS NULL OR nodeid IS NULL
               OR run_id NOT IN (SELECT run_id FROM runs)""").fetchall()
        if broken:
            problems.append(f"{broken} partial or orphan rows")
        dupes = con.execute("SELECT run_id, nodeid FROM test_results GROUP BY ALL "
                            "HAVING count(*) > 1 LIMIT 3").fetchall()
        if dupes:
            problems.append(f"duplicate rows: {dupes}")
        over = con.execute("SELECT run_id FROM test_results GROUP BY run_id "
                           "HAVING count(*) > ?", [n_tests]).fetchall()
        if over:
            problems.append(f"runs with more than {n_tests} rows: {over}")
    finally:
        con.close()
    return int(rows), problems


def soak(folder: Path, *, seed: int, kills: int, n_tests: int = 10_000,
         max_tests_before_kill: int = 2000, flush_rows: int = 100) -> KillLog:
    """``kills`` seeded SIGKILLs of the same suite against one DB, checked after each."""
    rng = random.Random(seed)
    write_suite(folder, n_tests)
    log = KillLog()
    db = folder / "r.duckdb"
    for i in range(kills):
        log.moments.append(kill_once(folder, rng, max_tests_before_kill=max_tests_before_kill,
                                     flush_rows=flush_rows))
        log.kills += 1
        before = log.rows_after[-1] if log.rows_after else 0
        rows, problems = check_db(db, n_tests)
        log.rows_after.append(rows)
        log.kills_without_new_rows += rows == before
        log.problems += [f"kill {i + 1} ({log.moments[-1]}): {p}" for p in problems]
    return log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--tests", type=int, default=10_000)
    parser.add_argument("--max-tests-before-kill", type=int, default=9000)
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-kills-") as tmp:
        log = soak(Path(tmp), seed=args.seed, kills=args.kills, n_tests=args.tests,
                   max_tests_before_kill=args.max_tests_before_kill)
    print(f"{log.kills} SIGKILLs (seed {args.seed}) in {time.monotonic() - started:.0f}s; "
          f"{log.kills_without_new_rows} landed before their run's first flush; "
          f"rows in the DB at the end: {log.rows_after[-1] if log.rows_after else 0}")
    for problem in log.problems:
        print("PROBLEM", problem)
    print("problems: none" if not log.problems else f"problems: {len(log.problems)}")
    return 1 if log.problems else 0


if __name__ == "__main__":
    sys.exit(main())
