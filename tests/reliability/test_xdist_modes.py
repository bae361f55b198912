"""xdist: every item recorded exactly once with its worker id, whatever the distribution
mode; a worker that dies mid-test gets its item recorded as a crash, the rest all land."""

from __future__ import annotations

import pytest

from tests.conftest import query, run_pytest_in

pytest.importorskip("xdist")

SUITE = """
import pytest

class TestGrouped:
    @pytest.mark.parametrize("i", range(10))
    def test_in_class(self, i):
        pass

@pytest.mark.xdist_group("g1")
@pytest.mark.parametrize("i", range(10))
def test_group(i):
    pass

@pytest.mark.parametrize("i", range(20))
def test_free(i):
    assert i != 7
"""
TOTAL = 40


def _rows(db):
    return query(db, "SELECT nodeid, outcome, worker_id FROM test_results WHERE kind = 'item'")


@pytest.mark.parametrize("args", [
    ["-n", "2", "--dist", "load"],
    ["-n", "2", "--dist", "loadscope"],
    ["-n", "2", "--dist", "loadgroup"],
    ["--tx", "2*popen", "--dist", "load"],
], ids=["load", "loadscope", "loadgroup", "tx-2-popen"])
def test_every_item_once_with_its_worker(pytester, run_pytest, args):
    (pytester.path / "test_dist.py").write_text(SUITE)
    result = run_pytest(*args, "--ipfs-accel-db", "r.duckdb")
    assert result.parseoutcomes() == {"passed": TOTAL - 1, "failed": 1}, (
        result.stdout.str()[-2000:])
    db = pytester.path / "r.duckdb"
    rows = _rows(db)
    assert len(rows) == TOTAL and len({r[0] for r in rows}) == TOTAL
    workers = {r[2] for r in rows}
    assert workers <= {"gw0", "gw1"} and None not in workers
    by_node = {r[0]: r for r in rows}
    assert by_node["test_dist.py::test_free[7]"][1] == "failed"
    # loadgroup's placement is not asserted: xdist 3.8 marks groups through
    # ``item._nodeid``, which pytest 9.2 no longer reads, so groups spread like ``load``
    # (an upstream incompatibility; recording is unaffected).
    if "loadscope" in args:  # one class, one worker
        assert len({r[2] for r in rows if "TestGrouped" in r[0]}) == 1


@pytest.fixture(scope="module")
def crashed_run(tmp_path_factory):
    """One ``-n 2`` session in which test_n[11] kills its worker."""
    path = tmp_path_factory.mktemp("crash")
    (path / "test_crash.py").write_text("""
import os, pytest
@pytest.mark.parametrize("i", range(30))
def test_n(i):
    if i == 11:
        os._exit(1)
""")
    return run_pytest_in(path, "-n", "2", "--ipfs-accel-db", "r.duckdb"), path / "r.duckdb"


def test_worker_crash_is_recorded_and_the_rest_land(crashed_run):
    result, db = crashed_run
    assert result.ret == 1, result.stdout.str()[-2000:]
    rows = _rows(db)
    assert len(rows) == 30 and len({r[0] for r in rows}) == 30
    crashed = [r for r in rows if r[0] == "test_crash.py::test_n[11]"]
    assert len(crashed) == 1 and crashed[0][1] in ("error", "failed")  # see the next test
    assert crashed[0][2] in ("gw0", "gw1")
    assert sum(r[1] == "passed" for r in rows) == 29
    [(longrepr,)] = query(db, "SELECT longrepr FROM test_results "
                              "WHERE nodeid = 'test_crash.py::test_n[11]'")
    assert "crashed while running 'test_crash.py::test_n[11]'" in longrepr
    [(status, finished)] = query(db, "SELECT exit_status, finished_at IS NOT NULL "
                                     "FROM runs")
    assert (status, finished) == (1, True)


def test_worker_crash_outcome_is_error(crashed_run):
    _, db = crashed_run
    [(outcome, msg)] = query(db, "SELECT outcome, crash_message FROM test_results "
                                 "WHERE nodeid = 'test_crash.py::test_n[11]'")
    assert outcome == "error"
    assert "crashed while running" in msg
