"""20 seeded SIGKILLs of a 10,000-test run against one DB: after every kill the DB opens,
every flushed row is whole, nothing is duplicated; then a normal run completes."""

from __future__ import annotations

import subprocess

from harness.reliability.crash_kills import check_db, pytest_cmd, soak
from tests.conftest import query


def test_twenty_seeded_sigkills_leave_a_whole_db(tmp_path):
    log = soak(tmp_path, seed=1234, kills=20, n_tests=10_000, max_tests_before_kill=300)
    assert log.kills == 20
    assert log.problems == []
    assert log.rows_after[-1] > 0  # some kills landed after flushes, mid-run
    assert log.kills_without_new_rows < 20
    # The DB still takes a normal run, which finishes its run row.
    (tmp_path / "test_ticks.py").write_text("def test_after():\n    pass\n")
    done = subprocess.run(pytest_cmd("r.duckdb", flush_rows=100), cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    rows, problems = check_db(tmp_path / "r.duckdb", 10_000)
    assert problems == [] and rows == log.rows_after[-1] + 1
    assert query(tmp_path / "r.duckdb", "SELECT count(finished_at) FROM runs") == [(1,)]
