"""Four pytest sessions x 1,000 tests, started together against one new DB file: all
4,000 rows land (per-flush writers take turns on DuckDB's single-writer lock)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import query

SUITE = """
import pytest
@pytest.mark.parametrize("i", range(1000))
def test_n(i):
    pass
"""


def _start(cwd, tag: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("IPFS_ACCEL_") and k != "PYTEST_ADDOPTS"}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "no:hypothesispytest", "-p", "no:randomly", "-p", "no:xdist", "-p", "no:benchmark",
         "--ipfs-accel-db", "shared.duckdb", "--ipfs-accel-tag", f"proc={tag}",
         "--ipfs-accel-flush-rows", "100", "--ipfs-accel-flush-seconds", "0.2"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_four_sessions_at_once_all_rows_land(tmp_path):
    (tmp_path / "test_many.py").write_text(SUITE)
    procs = [_start(tmp_path, str(i)) for i in range(4)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out[-3000:]
        assert "1000 passed" in out
        assert "spooled" not in out  # the lock was always had within lock_timeout_s
    db = tmp_path / "shared.duckdb"
    assert not (tmp_path / "shared.duckdb.spool").exists()
    per_run = query(db, """
        SELECT t.value, count(r.nodeid), count(DISTINCT r.nodeid), any_value(u.exit_status)
        FROM run_tags t JOIN test_results r USING (run_id) JOIN runs u USING (run_id)
        GROUP BY t.value ORDER BY t.value""")
    assert per_run == [(str(i), 1000, 1000, 0) for i in range(4)]
    assert query(db, "SELECT count(*), count(finished_at) FROM runs") == [(4, 4)]
    assert query(db, "SELECT count(*) FROM test_results WHERE outcome <> 'passed'") == [(0,)]
