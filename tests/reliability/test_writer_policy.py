"""The writer's connection policy: per-flush frees the file between flushes, waits out
other writers' locks, keeps rows it cannot write, spools them at the end, and the
next writer folds the spool in. Memory stays bounded by the flush size."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
import warnings
from pathlib import Path

import duckdb
import pytest

from pytest_ipfs_accelerate.db.spools import spool_dir
from pytest_ipfs_accelerate.db.writer import BufferedWriter, WriterWarning
from tests.conftest import query

HOLD_LOCK = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that holds ``db``'s write lock for ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _run_row(run_id: uuid.UUID, **extra: object) -> dict[str, object]:
    return {"run_id": run_id, "started_at": "2026-01-01 00:00:00+00", "schema_version": 1,
            **extra}


def _writer(db: Path, run_id: uuid.UUID, **kw: object) -> BufferedWriter:
    kw.setdefault("flush_seconds", 0)
    w = BufferedWriter(db, spool_name=str(run_id), **kw)  # type: ignore[arg-type]
    w.put("runs", _run_row(run_id))
    assert w.start() is True
    return w


def _other_process_can_write(db: Path) -> bool:
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('SELECT 1')"
    return subprocess.run([sys.executable, "-c", code, str(db)],
                          capture_output=True).returncode == 0


def test_per_flush_leaves_the_file_free_between_flushes(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id)
    w.add("run_tags", (run_id, "k", "v"))
    assert w.flush()
    assert _other_process_can_write(db)  # mid-run: another process opens it read-write
    w.close()
    assert query(db, "SELECT key FROM run_tags") == [("k",)]


def test_keyed_row_is_inserted_then_updated_and_restored_if_deleted(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id)  # the first put: an INSERT
    w.put("runs", _run_row(run_id, exit_status=1, host="a"))
    assert w.flush()  # now an UPDATE of the stored row
    assert query(db, "SELECT exit_status, host FROM runs") == [(1, "a")]
    duckdb.connect(str(db)).execute("DELETE FROM runs").close()  # gone between flushes
    w.put("runs", _run_row(run_id, exit_status=2, host="b"))
    w.close()  # the UPDATE finds no row: inserted again
    assert query(db, "SELECT run_id, exit_status, host FROM runs") == [(run_id, 2, "b")]


def test_layout_rows_take_constants_and_the_tables_defaults(tmp_path):
    from pytest_ipfs_accelerate.db.tables import BRIEF_RESULTS

    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id)
    w.layout(BRIEF_RESULTS, {"run_id": str(run_id), "kind": "item"})
    values = {"nodeid": "t.py::test_a", "outcome": "passed", "duration_s": 0.5,
              "started_at": 1.0e9, "markers": "", "worker_id": "gw1"}
    w.add(BRIEF_RESULTS.name, BRIEF_RESULTS.from_mapping(values))
    w.add("run_tags", (run_id, "k", "v"))  # a table's own layout, in the same flush
    w.close()
    assert w.tables_written == {"runs", "test_results", "run_tags"}
    assert query(db, "SELECT run_id, kind, nodeid, outcome, markers, worker_id, rerun_count, "
                     "is_simulated, longrepr, extra, epoch(started_at) FROM test_results") == [
        (run_id, "item", "t.py::test_a", "passed", [], "gw1", 0, False, None, None, 1.0e9)]


def test_background_release_frees_the_file_and_close_writes_late_rows(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id, connection="hold")
    w.add("run_tags", (run_id, "early", "1"))
    assert w.finish() is None
    w.release_in_background()  # the session's: once every sessionfinish is done
    w._wait_released()
    assert _other_process_can_write(db)  # detached: the lock is gone
    w.add("run_tags", (run_id, "late", "2"))  # e.g. a plugin's row after sessionfinish
    w.close()  # waits for the release, then writes what came after it
    assert query(db, "SELECT key FROM run_tags ORDER BY key") == [("early",), ("late",)]


def test_hold_keeps_the_lock_until_close(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id, connection="hold")
    assert not _other_process_can_write(db)
    w.close()
    assert _other_process_can_write(db)


def test_flush_waits_out_a_brief_lock(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id, lock_timeout_s=20)
    holder = _hold_lock(db, 1.0)
    try:
        w.add("run_tags", (run_id, "k", "v"))
        assert w.flush() is True  # waited (backoff with jitter) until the holder left
        assert w.failed_flushes == 0
    finally:
        holder.wait()
        w.close()
    assert query(db, "SELECT count(*) FROM run_tags") == [(1,)]


def test_run_row_survives_a_briefly_locked_new_db(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    duckdb.connect(str(db)).close()  # an empty DuckDB file another process then holds
    holder = _hold_lock(db, 1.0)
    try:
        w = _writer(db, run_id, lock_timeout_s=20)
    finally:
        holder.wait()
    w.close()
    assert query(db, "SELECT run_id FROM runs") == [(run_id,)]


def test_locked_past_timeout_keeps_rows_then_spools_and_next_writer_folds(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id, lock_timeout_s=0.2, flush_rows=50)
    w.add("run_tags", (run_id, "first", "v"))
    assert w.flush()
    holder = _hold_lock(db, 60)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(120):  # several flush_rows' worth: none may be dropped
                w.add("run_tags", (run_id, f"k{i}", "v"))
            w.put("runs", _run_row(run_id, exit_status=1, finished_at="2026-01-01 00:01:00+00"))
            spooled = w.close()
        assert any(issubclass(c.category, WriterWarning) and "locked by PID" in str(c.message)
                   for c in caught)
    finally:
        holder.kill()
        holder.wait()
    assert spooled.parent == spool_dir(db) and spooled.is_file()
    assert spooled.name.startswith(f"{run_id}-") and spooled.suffix == ".duckdb"
    assert query(spooled, "SELECT count(*) FROM run_tags") == [(120,)]
    # The next writer on that DB folds the spool in: the run row's final state wins.
    nxt = _writer(db, uuid.uuid4())
    nxt.close()
    assert nxt.folded_spools == [spooled] and not spooled.exists()
    assert query(db, "SELECT count(*) FROM run_tags WHERE run_id = ?", [run_id]) == [(121,)]
    assert query(db, "SELECT exit_status FROM runs WHERE run_id = ?", [run_id]) == [(1,)]
    # Folding is idempotent even if the spool file reappears (crash before unlink).
    assert query(db, "SELECT count(*) FROM schema_meta WHERE key LIKE 'folded_spool:%'") \
        == [(1,)]


def _spool_one_tag(db: Path, run_id: uuid.UUID) -> Path:
    """A writer whose last row meets a DB locked past its timeout: returns the spool."""
    w = _writer(db, run_id, lock_timeout_s=0.1)
    holder = _hold_lock(db, 60)
    try:
        w.add("run_tags", (run_id, "k", "v"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spooled = w.close()
    finally:
        holder.kill()
        holder.wait()
    assert spooled is not None
    return spooled


def test_refold_of_an_already_folded_spool_adds_nothing(tmp_path):
    db = tmp_path / "r.duckdb"
    spooled = _spool_one_tag(db, uuid.uuid4())
    copy = spooled.read_bytes()
    _writer(db, uuid.uuid4()).close()
    spooled.parent.mkdir(exist_ok=True)
    spooled.write_bytes(copy)  # as if the process died between commit and unlink
    _writer(db, uuid.uuid4()).close()
    assert not spooled.exists()
    assert query(db, "SELECT count(*) FROM run_tags") == [(1,)]


def test_merge_folds_pending_spools_of_its_output(tmp_path):
    from pytest_ipfs_accelerate.db.merge import merge_databases

    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    _spool_one_tag(db, run_id)
    other, other_id = tmp_path / "other.duckdb", uuid.uuid4()
    _writer(other, other_id).close()
    merge_databases(db, [other])
    assert not spool_dir(db).exists()
    assert query(db, "SELECT count(*) FROM run_tags") == [(1,)]
    assert sorted(r[0] for r in query(db, "SELECT run_id FROM runs")) == sorted([run_id, other_id])


def test_bad_db_is_still_an_error_not_a_spool(tmp_path):
    from pytest_ipfs_accelerate.errors import DatabaseError

    bad = tmp_path / "r.duckdb"
    bad.write_bytes(b"not a database at all" * 100)
    w = BufferedWriter(bad, flush_seconds=0)
    w.put("runs", _run_row(uuid.uuid4()))
    with pytest.raises(DatabaseError, match="not a DuckDB database"):
        w.start()
    w.discard()
    assert bad.read_bytes() == b"not a database at all" * 100
    assert not spool_dir(bad).exists()


@pytest.mark.parametrize(("connection", "total"), [("per-flush", 100_000), ("hold", 20_000)])
def test_results_with_memory_bounded_by_flush_size(tmp_path, connection, total):
    from pytest_ipfs_accelerate.db.tables import TABLE_COLUMNS

    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    cols = TABLE_COLUMNS["test_results"]
    flush_rows = 2000

    def row(i: int) -> tuple[object, ...]:
        values = {"run_id": run_id, "nodeid": f"test_m.py::test_{i}", "kind": "item",
                  "outcome": "passed", "duration_s": 0.001, "rerun_count": 0,
                  "is_simulated": False}
        return tuple(values.get(c) for c in cols)

    w = _writer(db, run_id, flush_rows=flush_rows, connection=connection)
    for i in range(2 * flush_rows):  # warm up (appender and connection caches)
        w.add("test_results", row(i))
    w.flush()
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for i in range(2 * flush_rows, total):
            w.add("test_results", row(i))
            assert w.pending <= 2 * flush_rows
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    w.close()
    per_row = 1200  # generous bytes per buffered tuple (12 small objects + list slot)
    assert peak - base < 2 * flush_rows * per_row, (peak - base)
    assert query(db, "SELECT count(*), count(DISTINCT nodeid) FROM test_results") == \
        [(total, total)]


def test_pause_holds_back_every_automatic_flush_until_resume(tmp_path):
    """While paused (a benchmark is timing), neither the timer nor ``add`` flushes;
    resume lets the waiting rows go."""
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id, flush_seconds=0.05, flush_rows=2)
    try:
        w.pause()
        flushes = w.flushes
        for i in range(5):  # past flush_rows, and past twice it
            w.add("run_tags", (run_id, f"k{i}", "v"))
        time.sleep(0.5)  # ten timer periods
        assert w.flushes == flushes and w.pending == 5
        w.resume()
        deadline = time.monotonic() + 10
        while w.flushes == flushes and time.monotonic() < deadline:
            time.sleep(0.01)
        assert w.flushes > flushes
    finally:
        w.close()
    assert query(db, "SELECT count(*) FROM run_tags") == [(5,)]


def test_pause_waits_for_a_flush_in_progress(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id)
    w._io.acquire()  # a flush in progress, as far as pause() can tell
    released = []
    timer = threading.Timer(0.3, lambda: (released.append(time.monotonic()), w._io.release()))
    timer.start()
    w.pause()
    paused_at = time.monotonic()
    timer.join()
    assert released and paused_at >= released[0]
    w.resume()
    w.close()


def test_a_paused_writer_still_bounds_its_memory(tmp_path):
    db, run_id = tmp_path / "r.duckdb", uuid.uuid4()
    w = _writer(db, run_id, flush_rows=2, max_buffered_rows=4)
    w.pause()
    for i in range(6):
        w.add("run_tags", (run_id, f"k{i}", "v"))
    assert w.pending < 6  # past max_buffered_rows it writes, pause or not
    w.close()
    assert query(db, "SELECT count(*) FROM run_tags") == [(6,)]
