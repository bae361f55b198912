"""Buffered writer: rows collect in memory and reach DuckDB in bulk, one transaction a flush.

Rows go in through ``add(name, row)``: ``name`` is a table (``db.tables``) or a layout
declared with :meth:`BufferedWriter.layout`, and ``row`` that table's or layout's typed
row (``TEST_RESULTS.row(...)``), in the value conventions of ``db.tables``. Keyed rows
that change over a run (the ``runs`` row) go through ``put(table, row)``, which keeps
only the latest version until it is written; its values are bound as SQL parameters.

A flush appends every buffered row (``db.staging``) and commits once. It happens every
``flush_rows`` rows, every ``flush_seconds`` (a background thread, so a long test does
not hold rows back), and at ``finish()``. How the DB file is opened for it is the
connection policy (``[db] connection``, see ``db.attachment``): ``per-flush`` (default)
or ``hold``. A lock held by another process is waited for up to ``lock_timeout_s`` with
exponential backoff and jitter.

While a benchmark is timing, nothing of the writer may run beside it (a flush takes a
core and, converting rows, the GIL): :meth:`BufferedWriter.pause` waits for a flush in
progress and holds back every automatic one (the timer's, ``add``'s) until
:meth:`BufferedWriter.resume`.

A flush that fails (lock not had in time, or any error of the file) rolls back and keeps
its rows for the next flush. If the rows still cannot be written at ``finish()``, they go
to a spool file (``db.spools``), which the next writer on that DB, or ``ipfs-accel
merge``, folds in. Two failures are handled apart:

* A row DuckDB refuses (a value it cannot convert or store) would fail every retry: the
  batch is bisected, the bad rows are dropped and recorded in ``dropped_rows``, the rest
  is written (``db.isolation``).
* A full device: the flush is undone (``db.attachment``) and retried in halves, down to
  one row, so the rows that fit are stored; whatever fits nowhere, not even in a spool,
  is counted in :attr:`BufferedWriter.lost_rows`.

Nothing here raises into the caller after :meth:`BufferedWriter.start`: what was not
stored, and why, is in :meth:`BufferedWriter.problems`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_ipfs_accelerate.db.attachment import CONNECTION_POLICIES, Attachment, FlushUndone
from pytest_ipfs_accelerate.db.buffer import RowBuffer
from pytest_ipfs_accelerate.db.connect import damage_message, is_damage_error
from pytest_ipfs_accelerate.db.isolation import (
    Dropped,
    PartlyWritten,
    is_space_error,
    record_dropped,
    write_isolating,
)
from pytest_ipfs_accelerate.db.spools import write_spool
from pytest_ipfs_accelerate.db.staging import Batch, Stager
from pytest_ipfs_accelerate.db.tables import Layout
from pytest_ipfs_accelerate.errors import DatabaseError, DatabaseLockedError
from pytest_ipfs_accelerate.handoff import Outcome

if TYPE_CHECKING:
    import duckdb

__all__ = ["CONNECTION_POLICIES", "BufferedWriter", "WriterWarning"]


class WriterWarning(UserWarning):
    """A flush failed; its rows are kept and retried."""


class _Job:
    """A function run on a thread of its own; ``join()`` returns its result or raises
    its error."""

    def __init__(self, fn: Callable[[], Any], name: str, *, daemon: bool) -> None:
        self._outcome = Outcome()
        self._thread = threading.Thread(target=self._outcome.give_call, args=(fn,), name=name,
                                        daemon=daemon)
        self._thread.start()

    def join(self) -> Any:
        self._thread.join()
        return self._outcome.wait()


class BufferedWriter:
    """Bulk, transactional writes to the results DB from one process.

    ``target`` is the DB path, or an open connection (then ``hold`` is implied and there
    is no spool).
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | duckdb.DuckDBPyConnection,
        *,
        connection: str = "per-flush",
        lock_timeout_s: float = 10.0,
        flush_rows: int = 5000,
        flush_seconds: float = 5.0,
        max_buffered_rows: int = 1_000_000,
        spool_name: str | None = None,
    ) -> None:
        self._db = Attachment(target, connection, lock_timeout_s)
        self.path = self._db.path
        self.lock_timeout_s = lock_timeout_s
        self.flush_rows = max(1, flush_rows)
        self.flush_seconds = flush_seconds
        self.max_buffered_rows = max_buffered_rows
        self.spool_name = spool_name or f"{os.getpid()}-{time.time_ns()}"
        self._buffer = RowBuffer()
        self._stager = Stager()
        self._stored_keys: set[tuple[str, Any]] = set()  # keyed rows already in the DB
        self._retry_at = 0.0  # after a failed flush, the next automatic try waits until then
        self._starter: _Job | None = None
        self._verdict: Outcome | None = None
        self._releaser: _Job | None = None
        self._started = False
        self._io = threading.Lock()  # one flush at a time
        self._stop = threading.Event()
        self._wake = threading.Event()  # rows reached flush_rows: flush now
        self._paused = False  # see pause(): no automatic flush starts
        self._resumed = threading.Event()  # the timer waits on it while paused
        self._resumed.set()
        self._thread: threading.Thread | None = None
        self.rows_written = 0
        #: Tables that got rows (or keyed rows) from this writer: whatever else a reader
        #: looks up for this run is empty (the session's report skips those queries).
        self.tables_written: set[str] = set()
        self.flushes = 0
        self.failed_flushes = 0
        self.spooled_to: Path | None = None
        #: The last error that kept rows from the DB (None once a flush succeeds).
        self.last_error: Exception | None = None
        #: Rows the DB refused, dropped and recorded in ``dropped_rows`` (and the first reason).
        self.dropped_rows = 0
        self.drop_reason: str | None = None
        #: Rows stored nowhere (neither the DB nor a spool would take them), and why.
        self.lost_rows = 0
        self.lost_reason: str | None = None
        self._short_of_space = False  # a flush met a full device: write in parts, detach
        #: Set when DuckDB found the file damaged: nothing more is written to it or spooled
        #: for it (a spool would be folded into it later); its rows count as lost.
        self.damaged: DatabaseError | None = None
        self._part_rows: int | None = None  # rows a part holds then (halved on each miss)
        self._unsettled: list[Batch] = []  # written while attached: not yet checkpointed
        if flush_seconds > 0:
            self._thread = threading.Thread(target=self._timer, name="ipfs-accel-flush",
                                            daemon=True)
            self._thread.start()

    @property
    def connection_policy(self) -> str:
        return self._db.policy

    @property
    def open_seconds(self) -> float:
        """Time spent attaching and detaching the DB (the per-flush policy's cost)."""
        return self._db.open_seconds

    @open_seconds.setter
    def open_seconds(self, value: float) -> None:
        self._db.open_seconds = value

    @property
    def folded_spools(self) -> list[Path]:
        return self._db.folded_spools

    # -- writing ---------------------------------------------------------------------------
    def add(self, name: str, row: Sequence[Any]) -> None:
        """Buffer one row of a table or declared layout; at ``flush_rows`` waiting rows, a
        flush starts.

        The flush thread does it, so the test run does not wait for the file; only past
        twice the flush size (the flush thread fell behind) does ``add`` flush itself,
        which keeps memory bounded by the flush size. While paused (:meth:`pause`), rows wait
        (up to ``max_buffered_rows``).
        """
        pending = self._buffer.add(name, row)
        if pending < self.flush_rows or self.failed_recently:
            return
        if self._paused and pending <= self.max_buffered_rows:
            return  # resume() wakes the flush thread
        if self._thread is not None and pending < 2 * self.flush_rows:
            self._wake.set()
        else:
            self.flush()

    def layout(self, layout: Layout, constants: Mapping[str, Any] | None = None) -> None:
        """Declare ``layout`` (``db.tables``): rows added as ``layout.name`` hold its columns;
        ``constants`` gives each of its constant columns' value for this writer's rows."""
        self._stager.declare(layout, constants)

    def put(self, table: str, row: Mapping[str, Any], *, key: str = "run_id") -> None:
        """Insert one keyed row, or update the stored one: the latest put wins (columns it
        leaves out keep their stored values). Written within ``flush_seconds`` like a row
        (a live view of the run sees it)."""
        buffer = self._buffer
        with buffer.lock:
            buffer.put(table, row, key)
            if buffer.oldest is None:
                buffer.oldest = time.monotonic()

    @property
    def failed_recently(self) -> bool:
        return time.monotonic() < self._retry_at

    @property
    def pending(self) -> int:
        return self._buffer.waiting

    def pause(self) -> None:
        """Hold back every automatic flush (the timer's, ``add``'s) until :meth:`resume`,
        once the DB work in progress (the start-up's attach, the timer's flush) has ended:
        no writer work runs beside what the caller times. Explicit :meth:`flush` calls
        still write."""
        self._paused = True
        self._resumed.clear()
        with self._io:  # an automatic flush checks _paused under this lock
            pass

    def resume(self) -> None:
        """Undo :meth:`pause`; rows that came due meanwhile are flushed soon after."""
        self._paused = False
        self._resumed.set()
        if self._buffer.pending >= self.flush_rows:
            self._wake.set()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> bool:
        """First flush: creates or upgrades the DB and folds pending spools.

        Bad input (not a results DB, newer schema, unwritable path) raises
        ``DatabaseError``; a lock still held after ``lock_timeout_s`` only returns
        False, with the rows kept for the next flush.
        """
        return self._checked(lambda: self._flush(wait=True, strict=True))

    def start_in_background(self, prepare: Callable[[], None] | None = None) -> None:
        """Open the DB on a thread of its own, while pytest collects: importing duckdb and
        attaching, creating or upgrading the DB take ~100 ms.

        The thread only gives a *verdict*: the DB attached, its schema created, checked or
        upgraded (bad input raises in :meth:`wait_started`) and pending spools folded; then
        it detaches (``per-flush``). The rows buffered so far (the run row, tags, hardware)
        are written by the next flush, ``flush_seconds`` later at most: a start-up that
        writes nothing costs no checkpoint. A path with no file yet needs no verdict
        (``connect.check_db_path`` vetted its directory): nothing there can be refused.
        ``prepare`` (slow facts for the run row, e.g. ``git status``) runs on that thread
        after the verdict, not beside the start-up it would slow; :meth:`finish` waits
        for it.
        """
        verdict = self._verdict = Outcome()
        if self.path is not None and not self.path.exists():
            verdict.give(True)

        def run() -> None:
            try:
                ok = self._open_checked()
            except BaseException as exc:
                if verdict.given and isinstance(exc, Exception):
                    self._failed(exc)  # a new file, refused after all (a race)
                verdict.give(False, exc)
                return
            verdict.give(ok)
            if prepare is not None:
                prepare()

        self._starter = _Job(run, "ipfs-accel-start", daemon=True)

    @property
    def start_finished(self) -> bool:
        """True once :meth:`wait_started` would not wait (never waits itself)."""
        return self._verdict is None or self._verdict.given

    def wait_started(self) -> bool:
        """Wait for :meth:`start_in_background`'s verdict: True (the DB is ready), False
        (locked past ``lock_timeout_s``, or it failed otherwise: the rows are kept for the
        next flush), or its ``DatabaseError`` raised here."""
        if self._verdict is not None:
            verdict, self._verdict = self._verdict, None
            self._started = verdict.wait()
        return self._started

    def _open_checked(self) -> bool:
        """Attach the DB (creating or upgrading its schema, folding spools), then detach
        (under ``per-flush``); see :meth:`_checked`."""
        def attach() -> bool:
            with self._io, self._db.connected():
                return True
        return self._checked(attach)

    def _checked(self, action: Callable[[], bool]) -> bool:
        """``action()``; ``DatabaseError`` (bad input) raises, and False (the rows are kept)
        when the lock was not had in time or the file failed otherwise (e.g. FlushUndone: a
        new schema did not fit on the device)."""
        try:
            return action()
        except DatabaseLockedError as exc:
            self._failed(exc)
            return False
        except DatabaseError:
            raise
        except Exception as exc:
            self._failed(exc)
            return False

    def flush(self, *, wait: bool = True) -> bool:
        """Write every buffered row, in one transaction (more only to isolate rows DuckDB
        refuses, or on a full device); False (rows kept) if it failed."""
        return self._flush(wait=wait, strict=False)

    def finish(self) -> Path | None:
        """Final flush; rows that still cannot be written go to a spool file (returned).
        Never raises: rows that fit nowhere are counted in :attr:`lost_rows`.

        The DB stays attached (and locked) from here until ``close()``.
        """
        self._stop.set()
        self._wake.set()
        self._paused = False
        self._resumed.set()
        starter, self._starter = self._starter, None
        if starter is not None:  # the run row's facts (prepare) come before the last flush
            with contextlib.suppress(Exception):  # those facts are left out
                starter.join()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.lock_timeout_s + 5)
        if self.flush() or self.path is None:
            return None
        return self._spool()

    def close(self) -> Path | None:
        """``finish()``, then close a held connection. Returns the spool path, if any.
        Never raises (see :meth:`problems`)."""
        try:
            self._wait_released()
        except Exception as exc:  # the background release failed: its rows come back
            self._released_badly(exc)
        spooled = self.finish()  # rows added since release_in_background() are written too
        with self._io:
            try:
                self._db.release()
            except Exception as exc:
                self._released_badly(exc)
        if self._buffer.waiting:  # rows an undone checkpoint gave back
            spooled = self.finish() or spooled
            with self._io, contextlib.suppress(Exception):
                self._db.release()
        return spooled

    def problems(self) -> list[str]:
        """One line for each kind of row this writer did not store in the DB, and why."""
        out = []
        if self.dropped_rows:
            out.append(f"{self.dropped_rows} row(s) refused by DuckDB were dropped and listed "
                       f"in the dropped_rows table ({self.drop_reason})")
        if self.lost_rows:
            out.append(f"{self.lost_rows} row(s) were stored neither in {self.path} nor in a "
                       f"spool file: {self.lost_reason}")
        return out

    def _released_badly(self, exc: Exception) -> None:
        """A detach failed. After :class:`FlushUndone` the rows written while attached are
        back in the buffer, for a flush or a spool; any other failure left them in the
        WAL, which the next open replays."""
        self.last_error = exc
        if isinstance(exc, FlushUndone):
            self._short_of_space = True
            self._undo_unsettled()
        self._unsettled.clear()

    def release_in_background(self) -> None:
        """After ``finish()``: detach the DB (its checkpoint) and shut the engine down on a
        thread, while the caller goes on (pytest's own shutdown takes longer). ``close()``
        waits for it, and writes whatever was added meanwhile."""
        if self._db.con is None or self._releaser is not None:
            return

        def run() -> None:
            with self._io:
                self._db.release()

        # Not a daemon: the interpreter waits for it even if close() is never called.
        self._releaser = _Job(run, "ipfs-accel-release", daemon=False)

    def _wait_released(self) -> None:
        if self._releaser is not None:
            job, self._releaser = self._releaser, None
            job.join()

    def discard(self) -> None:
        """Stop without writing (the run is refused, e.g. its DB path is bad)."""
        self._stop.set()
        self._resumed.set()
        self._buffer.take()
        with self._io, contextlib.suppress(Exception):
            self._db.release()

    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for read queries after a flush (held, or opened for the block)."""
        with self._io, self._db.connected(stay=self._stop.is_set()) as con:
            yield con

    # -- internals -------------------------------------------------------------------------
    def _flush(self, *, wait: bool, strict: bool, auto: bool = False) -> bool:
        """``auto``: a flush nobody asked for (the timer's), held back while paused."""
        if self.damaged is not None and not strict:
            self._failed(self.damaged)
            return False
        if not self._io.acquire(blocking=wait):
            return False
        try:
            if auto and self._paused:
                return False
            batch = self._buffer.take()
            if batch is None:
                if self._db.prepared or not strict:
                    return True
                with self._db.connected(stay=self._stay()):  # create or upgrade the DB
                    pass
                self.flushes += 1
                return True
            return self._write(batch, strict=strict)
        finally:
            self._io.release()

    def _write(self, batch: Batch, *, strict: bool) -> bool:
        """Write ``batch``: at once, or in parts while the device is short of space."""
        pending: Batch | None = batch
        while pending is not None:
            part, rest = pending, None
            limit = self._part_rows
            if limit is not None and pending.count + len(pending.puts) > limit:
                units = pending.units()
                part, rest = pending.of(units[:limit]), pending.of(units[limit:])
            stay = self._stay()
            try:
                with self._db.connected(stay=stay) as con:
                    dropped = self._write_into(con, part)
            except Exception as exc:
                error, left = exc, part
                if isinstance(exc, PartlyWritten):
                    error, left = exc.error, exc.left
                elif isinstance(exc, FlushUndone):
                    self._undo_unsettled()
                if is_damage_error(error):
                    if not isinstance(error, DatabaseError):
                        error = DatabaseError(damage_message(self.path or "the DB", error,
                                                             unchanged=strict))
                    self.damaged = error
                if isinstance(error, FlushUndone) or is_space_error(error):
                    self._short_of_space = True
                    size = left.count + len(left.puts) if left is not None else 0
                    if size > 1:  # try again with half as many rows
                        self._part_rows = max(1, min(size, self._part_rows or size) // 2)
                        pending = _joined(left, rest)
                        continue
                for back in (rest, left):
                    if back is not None:
                        self._buffer.give_back(back)
                if strict:
                    raise error from None
                self._failed(error)
                return False
            self._settled(part, dropped, stayed=stay and self._db.attached
                          and self._db.policy == "per-flush")
            pending = rest
        self._retry_at = 0.0
        self.last_error = None
        return True

    def _write_into(self, con: Any, batch: Batch) -> list[Dropped]:
        """One batch into ``con``'s DB (or a spool's), rows DuckDB refuses dropped and
        recorded (``db.isolation``)."""
        stored = self._stored_keys if con is self._db.con else set()  # else a spool's
        dropped = write_isolating(lambda part: self._stager.write(con, part, stored), batch,
                                  self._stager.describe)
        if dropped:
            record_dropped(con, dropped)
        return dropped

    def _settled(self, batch: Batch, dropped: list[Dropped], *, stayed: bool) -> None:
        """Account for a batch written (``stayed``: still attached, not checkpointed)."""
        self.rows_written += batch.count - sum(not d.keyed for d in dropped)
        self.tables_written.update(self._stager.table_of(name)
                                   for name, rows in batch.rows.items() if rows)
        self.tables_written.update(t for t, _, _ in batch.puts.values())
        self._stored_keys.update(batch.puts)
        if dropped:
            self.dropped_rows += len(dropped)
            self.drop_reason = self.drop_reason or dropped[0].reason
            self.tables_written.add("dropped_rows")
        if stayed:
            self._unsettled.append(batch)
        else:
            self._unsettled.clear()
        self.flushes += 1

    def _undo_unsettled(self) -> None:
        """The flushes written while attached were undone with the last one: back they come."""
        unsettled, self._unsettled = self._unsettled, []
        for batch in reversed(unsettled):
            self.rows_written -= batch.count
            self._buffer.give_back(batch)

    def _stay(self) -> bool:
        """Stay attached after this flush? After ``finish()`` the session's last reads
        follow at once, and the background release checkpoints; not when the device is
        short of space, where a failed checkpoint must be known while the rows are at hand."""
        return self._stop.is_set() and not self._short_of_space and not _low_on_space(self.path)

    def _spool(self) -> Path | None:
        """Write what is left to a spool file of the DB (``db.spools``); if that fails too,
        count the rows as lost."""
        assert self.path is not None
        batch = self._buffer.take()
        if batch is None:
            return None
        if self.damaged is not None:
            self.lost_rows += batch.count
            self.lost_reason = str(self.damaged)
            return None
        try:
            final = write_spool(self.path, self.spool_name,
                                lambda con: self._write_into(con, batch), batch.count)
        except DatabaseError as exc:
            self.lost_rows += batch.count
            self.lost_reason = ("no space left on the device" if is_space_error(exc)
                                else str(exc))
            return None
        self.spooled_to = final
        return final

    def _failed(self, exc: Exception) -> None:
        self.failed_flushes += 1
        self.last_error = exc
        self._retry_at = time.monotonic() + max(self.flush_seconds, 1.0)
        if not self._stop.is_set():  # at the end, the spool or problems() tell the outcome
            warnings.warn(WriterWarning(
                f"results DB flush failed ({type(exc).__name__}: {exc}); {self.pending} rows "
                "kept for the next flush"), stacklevel=3)
        if self._buffer.pending > self.max_buffered_rows and self.path is not None:
            self._spool()  # memory stays bounded; the spool is folded in later

    def _timer(self) -> None:
        period = max(self.flush_seconds / 2, 0.05)
        while not self._stop.is_set():
            self._resumed.wait()  # not even a wake-up while paused
            woken = self._wake.wait(period)
            self._wake.clear()
            if self._stop.is_set():
                return
            oldest = self._buffer.oldest
            aged = oldest is not None and time.monotonic() - oldest >= self.flush_seconds
            if (woken or aged) and not self.failed_recently:
                try:
                    self._flush(wait=True, strict=False, auto=True)
                except Exception:  # pragma: no cover - reported by _failed's warning
                    pass


def _joined(first: Batch | None, second: Batch | None) -> Batch | None:
    """Two batches as one, ``first``'s rows in front."""
    if first is None:
        return second
    if second is None:
        return first
    return Batch({name: [*first.rows.get(name, ()), *second.rows.get(name, ())]
                  for name in {**first.rows, **second.rows}},
                 {**first.puts, **second.puts}, first.count + second.count)


#: Free space below which the final flush does not stay attached (see ``_stay``).
LOW_SPACE_BYTES = 64 << 20


def _low_on_space(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent if str(path.parent) else ".").free < LOW_SPACE_BYTES
    except OSError:
        return False
