"""While a run goes on, the DB already tells how many tests it collected (the dashboard's
"N of M" progress), in-process and under xdist."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CHILD_PLUGINS, OUTER_ENV

# Three tests; the last waits (at most a minute) until the outer test lets it finish.
SUITE = '''
import os, pathlib, time

def test_a():
    pass

def test_b():
    pass

def test_wait():
    release = pathlib.Path(os.environ["RELEASE"])
    deadline = time.monotonic() + 60
    while not release.exists():
        assert time.monotonic() < deadline, "never released"
        time.sleep(0.02)
'''


def _run_row(db: Path) -> tuple | None:
    """The run's (tests_collected, finished_at), or None while the DB is busy or empty."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:  # not created yet, or a flush holds its lock
        return None
    try:
        rows = con.execute("SELECT tests_collected, finished_at FROM runs").fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return rows[0] if rows else None


@pytest.mark.parametrize("dist", [(), ("-n", "2")], ids=["in-process", "xdist"])
def test_collected_count_is_in_the_db_while_the_run_goes_on(tmp_path: Path,
                                                            dist: tuple[str, ...]) -> None:
    if dist:
        pytest.importorskip("xdist")
    (tmp_path / "test_live.py").write_text(SUITE)
    db, release = tmp_path / "r.duckdb", tmp_path / "release"
    env = {k: v for k, v in os.environ.items() if k not in OUTER_ENV}
    env.update(PYTHONDONTWRITEBYTECODE="1", RELEASE=str(release))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *CHILD_PLUGINS, "--ipfs-accel-db", str(db),
         "--ipfs-accel-flush-seconds", "0.2", *dist],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        row = None
        while time.monotonic() < deadline and proc.poll() is None:
            row = _run_row(db)
            if row is not None and row[0] is not None:
                break
            time.sleep(0.05)
        assert row == (3, None), row  # collected 3, not finished: the test still waits
    finally:
        release.touch()
        out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert _run_row(db)[0] == 3
