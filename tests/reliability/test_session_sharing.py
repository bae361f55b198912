"""Whole pytest sessions sharing a DB: readers during a run, a run whose DB stays locked
(it spools, says where, and the next session folds the spool in), and hold mode."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.conftest import query
from tests.reliability.test_writer_policy import _hold_lock

SLOW = """
import time, pytest
@pytest.mark.parametrize("i", range(300))
def test_slow(i):
    time.sleep(0.01)
"""


def _start_run(cwd, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "no:hypothesispytest", "-p", "no:randomly", "--ipfs-accel-db", "r.duckdb",
         "--ipfs-accel-flush-rows", "50", "--ipfs-accel-flush-seconds", "0.3", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _query_cli(cwd, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest_ipfs_accelerate.cli", "query",
                           "r.duckdb", sql, "--format", "csv"],
                          cwd=cwd, capture_output=True, text=True, check=False)


def test_readers_see_rows_while_a_run_writes(tmp_path):
    (tmp_path / "test_slow.py").write_text(SLOW)
    run = _start_run(tmp_path)
    seen: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while run.poll() is None and time.monotonic() < deadline:
            out = _query_cli(tmp_path, "SELECT count(*) FROM test_results")
            if out.returncode == 0:
                seen.append(int(out.stdout.splitlines()[1]))
            time.sleep(0.2)
    finally:
        output = run.communicate(timeout=120)[0]
    assert run.returncode == 0, output[-2000:]
    during = [n for n in seen if 0 < n < 300]
    assert during, f"no read succeeded mid-run: {seen}"  # `ipfs-accel query` mid-run works
    assert seen == sorted(seen)
    assert query(tmp_path / "r.duckdb", "SELECT count(*) FROM test_results") == [(300,)]


def test_hold_mode_keeps_others_out_until_the_end(tmp_path):
    (tmp_path / "test_slow.py").write_text(SLOW)
    (tmp_path / "ipfs_accelerate.toml").write_text('[db]\nconnection = "hold"\n')
    run = _start_run(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "r.duckdb").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        mid = (_query_cli(tmp_path, "SELECT count(*) FROM test_results")
               if run.poll() is None else None)
    finally:
        output = run.communicate(timeout=120)[0]
    assert run.returncode == 0, output[-2000:]
    if mid is not None:  # the reader waited for the run to let go: it sees all of it
        assert mid.returncode == 0 and mid.stdout.split() == ["count_star()", "300"], mid
    assert query(tmp_path / "r.duckdb", "SELECT count(*) FROM test_results") == [(300,)]


def test_locked_db_spools_and_the_next_session_folds_it(pytester, run_pytest):
    (pytester.path / "test_one.py").write_text("def test_one():\n    pass\n")
    assert run_pytest("--ipfs-accel-db", "r.duckdb").ret == 0
    (pytester.path / "ipfs_accelerate.toml").write_text("[db]\nlock_timeout_s = 0.5\n")
    holder = _hold_lock(pytester.path / "r.duckdb", 120)
    try:
        locked = run_pytest("--ipfs-accel-db", "r.duckdb")
    finally:
        holder.kill()
        holder.wait()
    stdout, output = locked.stdout.str(), locked.stdout.str() + locked.stderr.str()
    assert locked.ret == 0, output  # the run itself is not lost
    assert f"locked by PID {holder.pid}" in output  # names the holder
    assert "Traceback" not in output
    assert "stayed locked" in stdout and "spooled to r.duckdb.spool/" in stdout
    spools = list((pytester.path / "r.duckdb.spool").glob("*.duckdb"))
    assert len(spools) == 1
    assert query(spools[0], "SELECT count(*) FROM test_results") == [(1,)]
    # The next session folds the spool in: both earlier runs are whole.
    assert run_pytest("--ipfs-accel-db", "r.duckdb").ret == 0
    assert not (pytester.path / "r.duckdb.spool").exists()
    rows = query(pytester.path / "r.duckdb",
                 "SELECT r.exit_status, count(t.nodeid) FROM runs r "
                 "JOIN test_results t USING (run_id) GROUP BY r.run_id, r.exit_status")
    assert rows == [(0, 1)] * 3
