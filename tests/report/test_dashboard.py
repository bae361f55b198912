"""The live dashboard: endpoints, read-only brief reads with a busy-DB fallback, and a real
browser watching a pytest run that is still writing."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from harness.reliability.adversarial.surface_cases import dashboard
from pytest_ipfs_accelerate.cli import dashboard as serve_cli
from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.report.dashboard import DashboardServer, NoSnapshot, SnapshotReader

HOLD_LOCK = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
             "print('locked', flush=True); time.sleep(60)")


def running(db: Path, **kw: float) -> Any:
    """The dashboard served from a thread while in the block."""
    return dashboard(db, **{"lock_wait_s": 0.4, **kw})


def get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body, status, ctype = r.read().decode(), r.status, r.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        body, status, ctype = exc.read().decode(), exc.code, exc.headers["Content-Type"]
    return status, json.loads(body) if ctype == "application/json" else body


@contextmanager
def write_lock_held(db: Path):
    """Another process holds the DB open for writing (as a long flush would)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield
    finally:
        proc.kill()
        proc.wait()


def test_endpoints(small_db):
    db, rid = small_db
    with running(db) as server:
        status, live = get(server.url + "api/live")
        assert status == 200 and live["stale"] is False and live["data"]["total"] == 400
        assert live["data"]["run"]["run_id"] == rid and live["data"]["finished"] is True
        assert len(live["data"]["recent"]) <= 15 and live["data"]["counts"]["failed"] == 8
        status, runs = get(server.url + "api/runs")
        assert status == 200 and runs["data"][0]["run_id"] == rid
        assert len(runs["data"]) == 3
        status, run = get(server.url + f"api/run/{rid[:8]}")
        assert status == 200 and run["data"]["run"]["run_id"] == rid
        assert len(run["data"]["tests"]["rows"]) == 400
        status, page = get(server.url)
        assert status == 200 and "/api/live" in page
        status, html = get(server.url + f"report/{rid}")
        assert status == 200 and html.startswith("<!doctype html>")
        assert get(server.url + "api/run/<script>")[0] == 400
        status, err = get(server.url + "api/run/abcdef12")
        assert status == 404 and "no run with id 'abcdef12'" in err["error"]
        assert get(server.url + "nope")[0] == 404


def test_busy_db_serves_the_last_snapshot_with_its_age(small_db, tmp_path):
    db = tmp_path / "busy.duckdb"
    shutil.copy(small_db[0], db)
    reader = SnapshotReader(db, lock_wait_s=0.3, min_interval_s=0)

    def count(con):
        return con.execute("SELECT count(*) FROM test_results").fetchone()[0]

    fresh = reader.get("n", count)
    assert fresh["stale"] is False and fresh["data"] == 1200
    with write_lock_held(db):
        start = time.monotonic()
        busy = reader.get("n", count)
        assert time.monotonic() - start < 3  # bounded wait, then the old answer
        assert busy["stale"] is True and busy["busy"] is True and busy["data"] == 1200
        assert busy["age_s"] >= 0 and "locked" in busy["error"]
        with pytest.raises(NoSnapshot, match="locked"):
            SnapshotReader(db, lock_wait_s=0.1).get("n", count)
        with running(db, lock_wait_s=0.1) as server:
            status, err = get(server.url + "api/live")
            assert status == 503 and "locked" in err["error"]
    again = reader.get("n", count)
    assert again["stale"] is False and again["snapshot_at"] > fresh["snapshot_at"]


def test_charts_endpoint_draws_history_durations_and_trends(small_db):
    db, _ = small_db
    with running(db) as server:
        status, charts = get(server.url + "api/charts")
    assert status == 200 and charts["stale"] is False
    data = charts["data"]
    assert data["outcomes"].count('class="run-bar"') >= 3 * 2  # 3 runs, passed and failed
    assert 'class="chart durations"' in data["durations"] and 'class="bin"' in data["durations"]
    assert data["trends"] and all('class="chart trend"' in t["svg"] for t in data["trends"])
    assert any("(simulated)" in t["title"] for t in data["trends"])


def test_page_draws_charts_and_says_none(browser, tmp_path):
    from pytest_ipfs_accelerate.testing.synthetic import build_db

    db = tmp_path / "green.duckdb"
    build_db(db, tests=20, runs=2)  # no failures
    with running(db) as server:
        tab = browser.open(server.url + "?interval=200")
        tab.wait_for("document.body.dataset.charts >= 1 && document.body.dataset.polls >= 1")
        assert tab.js("document.querySelectorAll('#chart-outcomes svg rect.run-bar')"
                      ".length") >= 2  # 2 runs, a bar per outcome
        assert tab.js("document.querySelectorAll('#chart-durations svg rect.bin').length") > 0
        assert tab.js("document.querySelector('#failures td').textContent") == "none"
        assert tab.js("document.querySelector('#failures td').colSpan") == 3


def test_only_loopback(small_db):
    with pytest.raises(IpfsAccelError, match="not loopback"):
        DashboardServer(small_db[0], host="0.0.0.0", port=0)


def test_cli_rejects_bad_port(capsys):
    parser = argparse.ArgumentParser(prog="ipfs-accel")
    serve_cli.register(parser.add_subparsers())
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["serve", "x.duckdb", "--port", "70000"])
    assert exc.value.code == 2 and "not a port number" in capsys.readouterr().err
    args = parser.parse_args(["serve", "x.duckdb", "--port", "0"])
    assert args.port == 0 and args.host == "127.0.0.1"


def test_cli_missing_db_is_one_line(tmp_path):
    from pytest_ipfs_accelerate.errors import DatabaseError

    parser = argparse.ArgumentParser(prog="ipfs-accel")
    serve_cli.register(parser.add_subparsers())
    args = parser.parse_args(["serve", str(tmp_path / "none.duckdb"), "--port", "0"])
    with pytest.raises(DatabaseError, match="no such results DB"):
        args.func(args)


LIVE_TESTS = 30


def test_browser_sees_a_run_while_pytest_writes(browser, tmp_path):
    (tmp_path / "test_slow.py").write_text(
        "import time, pytest\n"
        f"@pytest.mark.parametrize('i', range({LIVE_TESTS}))\n"
        "def test_slow(i):\n    time.sleep(0.15)\n    assert i % 10 != 3\n")
    db = tmp_path / "live.duckdb"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_ADDOPTS", "IPFS_ACCEL_DB", "PYTEST_XDIST_WORKER")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
         "-p", "no:randomly", "-q", "--ipfs-accel-db", str(db),
         "--ipfs-accel-flush-seconds", "0.2", "test_slow.py"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with running(db, lock_wait_s=0.3, min_interval_s=0.1) as server:
            tab = browser.open(server.url + "?interval=150")
            tab.wait_for("document.getElementById('status').className === 'finished'",
                         timeout=90)
            totals = tab.js("Array.from(document.querySelectorAll('#history li'))"
                            ".map(li => Number(li.dataset.total))")
            bars = tab.js("Array.from(document.querySelectorAll('#history li'))"
                          ".map(li => [Number(li.dataset.total), li.dataset.progress])")
            assert tab.js("document.getElementById('count-failed').textContent") == "3"
            assert tab.js("document.getElementById('count-passed').textContent") == "27"
            assert tab.js("document.querySelectorAll('#runs tr').length") >= 1
    finally:
        out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 1, out
    assert totals == sorted(totals) and totals[-1] == LIVE_TESTS, totals
    seen_mid_run = [t for t in totals if 0 < t < LIVE_TESTS]
    assert len(seen_mid_run) >= 2, f"the page saw only {totals} while the run wrote"
    # Mid-run the bar is never full: "N of M" once the collected count is in the DB, an
    # indeterminate bar before (a full one told the user the run was done).
    for total, state in bars:
        if 0 < total < LIVE_TESTS:
            assert state in ("unknown:-", f"counted:{total}/{LIVE_TESTS}"), bars
    assert bars[-1] == [LIVE_TESTS, f"counted:{LIVE_TESTS}/{LIVE_TESTS}"], bars
