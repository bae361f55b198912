"""A run killed with SIGKILL leaves a DB that opens, with every flushed row whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.conftest import query

SLOW_SUITE = """
import time, pytest
@pytest.mark.parametrize("i", range(3000))
def test_tick(i):
    time.sleep(0.002)
"""


def test_sigkill_mid_run_keeps_flushed_rows(tmp_path):
    (tmp_path / "test_ticks.py").write_text(SLOW_SUITE)
    env = {k: v for k, v in os.environ.items() if k != "IPFS_ACCEL_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-p",
         "no:hypothesispytest", "--ipfs-accel-db", "r.duckdb", "--ipfs-accel-flush-rows", "50",
         "--ipfs-accel-flush-seconds", "0.2"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    passed = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if " PASSED" in line:
            passed += 1
            if passed == 400:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    db = tmp_path / "r.duckdb"
    [(rows,)] = query(db, "SELECT count(*) FROM test_results")
    # Flushes happen every 50 rows; a row is written once the next item reports.
    assert 300 <= rows <= 3000
    incomplete = query(db, """
        SELECT count(*) FROM test_results
        WHERE outcome <> 'passed' OR setup_outcome IS NULL OR call_outcome IS NULL
           OR teardown_outcome IS NULL OR duration_s IS NULL OR params IS NULL""")
    assert incomplete == [(0,)]
    [(runs, finished)] = query(db, "SELECT count(*), count(finished_at) FROM runs")
    assert (runs, finished) == (1, 0)
    # ...and the next run appends to the same file normally.
    (tmp_path / "test_ticks.py").write_text("def test_after():\n    pass\n")
    after = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "--ipfs-accel-db", "r.duckdb"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert after.returncode == 0, after.stdout + after.stderr
    assert query(db, "SELECT count(*) FROM runs") == [(2,)]
