"""Buffered writer: rows collect in memory and reach DuckDB in bulk, one transaction a flush.

Rows go in through ``add(table, row)`` as tuples in the table's column order
(``schema.TABLE_COLUMNS``; a table not listed there takes all its columns in DDL
order), or through ``add(layout, row)`` in a layout declared with ``layout()`` (some
columns of a table per row, others the same for every row, the rest left to their
defaults), with timestamps as epoch seconds (``time.time()``), UUIDs as ``UUID``
or text, and lists of text as one string, the items joined by
``schema.LIST_SEPARATOR`` (an empty list costs the Appender ~1.4 us, a string ~0.2).
Keyed rows that change over a run (the ``runs`` row) go through ``put(table, row)``,
which keeps only the latest version until it is written; its values are bound as SQL
parameters.

A flush appends every buffered row with the DuckDB Appender and commits once. It
happens every ``flush_rows`` rows, every ``flush_seconds`` (a background thread,
so a long test does not hold rows back), and at ``finish()``.

The Appender converts Python values one by one, and the costly ones (a tz-aware
``datetime``, a ``UUID``, JSON) cost 2-3 us each, several per row. So each table's
rows are appended to a TEMP staging table of cheap types (DOUBLE epoch seconds,
VARCHAR) and moved into the real table by one ``INSERT ... SELECT`` that converts
them in bulk (``to_timestamp``, ``::UUID``, ``::JSON``) in the same transaction.

Connection policy (``[db] connection``):

* ``per-flush`` (default): the DB file is attached for each flush and detached
  after it, so other processes (a second pytest session, ``ipfs-accel query``, the
  dashboard) can use it during a run. A lock held by another process is waited
  for up to ``lock_timeout_s`` with exponential backoff and jitter. The writer
  keeps one in-memory DuckDB for the run and ``ATTACH``es the file to it, which
  costs a few ms where a new connection costs tens.
* ``hold``: attached once and kept (and locked) until ``close()``.

A flush that fails (lock not had in time, or any error) rolls back and keeps its
rows for the next flush; nothing is dropped. If the rows still cannot be written
at ``finish()``, they go to a spool file, ``<db>.spool/<name>.duckdb`` (a results
DB of its own), which the next writer on that DB, or ``ipfs-accel merge``, folds in.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_ipfs_accelerate.db.schema import LIST_SEPARATOR, TABLE_COLUMNS

if TYPE_CHECKING:
    import duckdb

CONNECTION_POLICIES = ("per-flush", "hold")


class Layout(NamedTuple):
    """Rows of some columns of a table (see ``BufferedWriter.layout``)."""

    table: str
    columns: tuple[str, ...]
    constants: dict[str, Any]


class WriterWarning(UserWarning):
    """A flush failed; its rows are kept and retried."""


class _Job:
    """A function run on a thread of its own; ``join()`` returns its result or raises
    its error."""

    def __init__(self, fn: Callable[[], Any], name: str, *, daemon: bool) -> None:
        self._fn = fn
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=daemon)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._fn()
        except BaseException as exc:  # handed to join()
            self._error = exc

    def join(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


class _Batch:
    """Rows taken from the buffers for one flush (given back if the flush fails)."""

    def __init__(self, rows: dict[str, list[Sequence[Any]]],
                 puts: dict[tuple[str, Any], tuple[str, str, dict[str, Any]]], count: int) -> None:
        self.rows = rows
        self.puts = puts
        self.count = count


def spool_dir(db_path: Path) -> Path:
    """Where rows that could not reach ``db_path`` wait: ``<db>.spool/``."""
    return db_path.with_name(db_path.name + ".spool")


class BufferedWriter:
    """Bulk, transactional writes to the results DB from one process.

    ``target`` is the DB path, or an open connection (then ``hold`` is implied and
    there is no spool).
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
        if connection not in CONNECTION_POLICIES:
            raise ValueError(f"connection must be one of {CONNECTION_POLICIES}, not "
                             f"{connection!r}")
        if isinstance(target, (str, os.PathLike)):
            self.path: Path | None = Path(target)
            self._con: Any = None
        else:
            self.path, self._con, connection = None, target, "hold"
        self.connection_policy = connection
        self.lock_timeout_s = lock_timeout_s
        self.flush_rows = max(1, flush_rows)
        self.flush_seconds = flush_seconds
        self.max_buffered_rows = max_buffered_rows
        self.spool_name = spool_name or f"{os.getpid()}-{time.time_ns()}"
        self._buffers: dict[str, list[Sequence[Any]]] = defaultdict(list)
        self._puts: dict[tuple[str, Any], tuple[str, str, dict[str, Any]]] = {}
        self._stored_keys: set[tuple[str, Any]] = set()  # keyed rows already in the DB
        self._pending = 0
        self._oldest: float | None = None
        self._retry_at = 0.0  # after a failed flush, the next automatic try waits until then
        self._prepared = self._con is not None
        self._attached = False  # the results DB is attached to self._con (path targets)
        self._starter: _Job | None = None
        self._releaser: _Job | None = None
        self._started = False
        self._lock = threading.RLock()  # guards the buffers
        self._io = threading.Lock()  # one flush at a time
        self._stop = threading.Event()
        self._wake = threading.Event()  # rows reached flush_rows: flush now
        self._thread: threading.Thread | None = None
        self.rows_written = 0
        #: Tables that got rows (or keyed rows) from this writer: whatever else a reader
        #: looks up for this run is empty (the session's report skips those queries).
        self.tables_written: set[str] = set()
        self.layouts: dict[str, Layout] = {}
        self.flushes = 0
        self.failed_flushes = 0
        self.open_seconds = 0.0  # time spent opening/closing the DB file (per-flush cost)
        self.spooled_to: Path | None = None
        self.folded_spools: list[Path] = []
        if flush_seconds > 0:
            self._thread = threading.Thread(target=self._timer, name="ipfs-accel-flush",
                                            daemon=True)
            self._thread.start()

    # -- writing ---------------------------------------------------------------------------
    def add(self, table: str, row: Sequence[Any]) -> None:
        """Buffer one row of ``table`` (or of a layout, see :meth:`layout`); at
        ``flush_rows`` waiting rows, a flush starts.

        The flush thread does it, so the test run does not wait for the file; only
        past twice the flush size (the flush thread fell behind) does ``add`` flush
        itself, which keeps memory bounded by the flush size.
        """
        with self._lock:
            self._buffers[table].append(row)
            self._pending += 1
            if self._oldest is None:
                self._oldest = time.monotonic()
            if self._pending < self.flush_rows or self.failed_recently:
                return
            background = self._thread is not None and self._pending < 2 * self.flush_rows
        if background:
            self._wake.set()
        else:
            self.flush()

    def layout(self, name: str, table: str, columns: Sequence[str],
               constants: Mapping[str, Any] | None = None) -> None:
        """Declare a row layout: rows added as ``name`` hold ``columns`` of ``table``;
        ``constants`` (column -> value, bound once per flush) fill others for every row,
        and the rest take their defaults. Fewer values a row: less Appender work."""
        self.layouts[name] = Layout(table, tuple(columns), dict(constants or {}))

    def _table_of(self, name: str) -> str:
        layout = self.layouts.get(name)
        return name if layout is None else layout.table

    def put(self, table: str, row: Mapping[str, Any], *, key: str = "run_id") -> None:
        """Insert one keyed row, or update the stored one: the latest put wins (columns it
        leaves out keep their stored values)."""
        with self._lock:
            self._puts[(table, row[key])] = (table, key, dict(row))

    @property
    def failed_recently(self) -> bool:
        return time.monotonic() < self._retry_at

    def start(self) -> bool:
        """First flush: creates or upgrades the DB and folds pending spools.

        Bad input (not a results DB, newer schema, unwritable path) raises
        ``DatabaseError``; a lock still held after ``lock_timeout_s`` only returns
        False, with the rows kept for the next flush.
        """
        from pytest_ipfs_accelerate.errors import DatabaseError, DatabaseLockedError

        try:
            return self._flush(wait=True, strict=True)
        except DatabaseLockedError as exc:
            self._failed(exc)
            return False
        except DatabaseError:
            raise
        except Exception as exc:  # a write that failed: keep the rows, like any flush
            self._failed(exc)
            return False

    def start_in_background(self, prepare: Callable[[], None] | None = None) -> None:
        """Run :meth:`start` on a thread of its own: importing duckdb and creating or
        upgrading the DB take a few hundred ms, which can overlap pytest's collection.
        ``prepare`` runs first on that thread (e.g. slow facts for the first rows).
        :meth:`wait_started` returns its result or raises its error."""
        def run() -> bool:
            if prepare is not None:
                prepare()
            return self.start()

        self._starter = _Job(run, "ipfs-accel-start", daemon=True)

    def wait_started(self) -> bool:
        """Wait for :meth:`start_in_background`; its result, or its error raised here."""
        if self._starter is not None:
            job, self._starter = self._starter, None
            self._started = job.join()
        return self._started

    def flush(self, *, wait: bool = True) -> bool:
        """Write every buffered row in one transaction; False (rows kept) if it failed."""
        return self._flush(wait=wait, strict=False)

    def finish(self) -> Path | None:
        """Final flush; rows that still cannot be written go to a spool file (returned).

        The DB stays attached (and locked) from here until ``close()``.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.lock_timeout_s + 5)
        if self.flush() or self.path is None:
            return None
        return self._spool()

    def close(self) -> Path | None:
        """``finish()``, then close a held connection. Returns the spool path, if any."""
        try:
            self._wait_released()
        finally:  # rows added since release_in_background() are written too
            spooled = self.finish()
            with self._io:
                self._release()
        return spooled

    def release_in_background(self) -> None:
        """After ``finish()``: detach the DB (its checkpoint) and shut the engine down on a
        thread, while the caller goes on (pytest's own shutdown takes longer). ``close()``
        waits for it, and writes whatever was added meanwhile."""
        if self._con is None or self._releaser is not None:
            return

        def run() -> None:
            with self._io:
                self._release()

        # Not a daemon: the interpreter waits for it even if close() is never called.
        self._releaser = _Job(run, "ipfs-accel-release", daemon=False)

    def _wait_released(self) -> None:
        if self._releaser is not None:
            job, self._releaser = self._releaser, None
            job.join()

    def discard(self) -> None:
        """Stop without writing (the run is refused, e.g. its DB path is bad)."""
        self._stop.set()
        self._take()
        with self._io:
            self._release()

    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for read queries after a flush (held, or opened for the block)."""
        with self._io, self._connected() as con:
            yield con

    @property
    def pending(self) -> int:
        return self._pending + len(self._puts)

    # -- internals -------------------------------------------------------------------------
    def _flush(self, *, wait: bool, strict: bool) -> bool:
        if not self._io.acquire(blocking=wait):
            return False
        try:
            batch = self._take()
            if batch is None and (self._prepared or not strict):
                return True
            try:
                with self._connected() as con:
                    if batch is not None:
                        _write(con, batch, self._stored_keys, self.layouts)
            except Exception as exc:
                if batch is not None:
                    self._give_back(batch)
                if strict:
                    raise
                self._failed(exc)
                return False
            if batch is not None:
                self.rows_written += batch.count
                self.tables_written.update(self._table_of(t)
                                           for t, rows in batch.rows.items() if rows)
                self.tables_written.update(t for t, _, _ in batch.puts.values())
                self._stored_keys.update(batch.puts)
            self.flushes += 1
            self._retry_at = 0.0
            return True
        finally:
            self._io.release()

    def _take(self) -> _Batch | None:
        with self._lock:
            if not self._pending and not self._puts:
                return None
            batch = _Batch(dict(self._buffers), self._puts, self._pending)
            self._buffers = defaultdict(list)
            self._puts = {}
            self._pending = 0
            self._oldest = None
            return batch

    def _give_back(self, batch: _Batch) -> None:
        """Put a failed batch's rows back in front of any rows added meanwhile."""
        with self._lock:
            for table, rows in batch.rows.items():
                self._buffers[table][:0] = rows
            for key, value in batch.puts.items():
                self._puts.setdefault(key, value)
            self._pending += batch.count
            if self._oldest is None:
                self._oldest = time.monotonic()

    @contextlib.contextmanager
    def _connected(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.path is None:  # an open connection was given
            yield self._con
            return
        con = self._attach()
        try:
            yield con
        finally:
            # After finish() the session's last reads (its report) follow at once: stay
            # attached until close() rather than attach again for them.
            if self.connection_policy != "hold" and not self._stop.is_set():
                self._detach()

    def _attach(self) -> duckdb.DuckDBPyConnection:
        """The writer's in-memory DuckDB with the results DB attached (see
        ``connect.attach_database``: far cheaper than a connection per flush)."""
        if self._attached:
            return self._con
        from pytest_ipfs_accelerate.db.connect import attach_database
        from pytest_ipfs_accelerate.db.engine import engine

        assert self.path is not None
        started = time.perf_counter()
        if self._con is None:
            self._con = engine().connect(":memory:")
        attach_database(self._con, self.path, lock_timeout_s=self.lock_timeout_s,
                        migrate=not self._prepared)
        self._attached = True
        if not self._prepared:
            try:
                self._fold_spools(self._con)
            except BaseException:
                self._detach()
                raise
            self._prepared = True
        self.open_seconds += time.perf_counter() - started
        return self._con

    def _detach(self) -> None:
        """Detach the results DB, releasing its lock. The data is committed by then; if the
        detach fails, dropping the whole in-memory DuckDB releases the file all the same."""
        from pytest_ipfs_accelerate.db.connect import detach_database

        started = time.perf_counter()
        self._attached = False
        try:
            detach_database(self._con)
        except Exception:
            with contextlib.suppress(Exception):
                self._con.close()
            self._con = None
        self.open_seconds += time.perf_counter() - started

    def _release(self) -> None:
        """Detach (if attached) and close the connection; called under ``_io``."""
        if self._con is None:
            return
        if self._attached:
            self._detach()
        if self._con is not None:
            self._con.close()
            self._con = None

    def _fold_spools(self, con: duckdb.DuckDBPyConnection) -> None:
        assert self.path is not None
        if not spool_dir(self.path).is_dir():
            return
        from pytest_ipfs_accelerate.db.merge import fold_spools

        self.folded_spools = fold_spools(con, self.path)

    def _spool(self) -> Path:
        """Write what is left to ``<db>.spool/<name>.duckdb`` (atomically renamed into place)."""
        from pytest_ipfs_accelerate.db.connect import open_database
        from pytest_ipfs_accelerate.errors import DatabaseError

        assert self.path is not None
        batch = self._take()
        assert batch is not None
        folder = spool_dir(self.path)
        try:
            folder.mkdir(exist_ok=True)
            final, n = folder / f"{self.spool_name}.duckdb", 1
            while final.exists():  # a second spool of the same run (rows added late)
                final, n = folder / f"{self.spool_name}.{n}.duckdb", n + 1
            tmp = folder / f".{final.name}.tmp"
            tmp.unlink(missing_ok=True)
            con = open_database(tmp)
            try:
                _write(con, batch, set(), self.layouts)
            finally:
                con.close()
            os.replace(tmp, final)
        except Exception as exc:
            self._give_back(batch)
            raise DatabaseError(
                f"{self.path}: could not write {batch.count} buffered rows to the DB or to the "
                f"spool {final} ({type(exc).__name__}: {exc}); free disk space or fix the "
                "folder's permissions") from None
        self.spooled_to = final
        return final

    def _failed(self, exc: Exception) -> None:
        self.failed_flushes += 1
        self._retry_at = time.monotonic() + max(self.flush_seconds, 1.0)
        warnings.warn(WriterWarning(
            f"results DB flush failed ({type(exc).__name__}: {exc}); {self.pending} rows kept "
            "for the next flush"), stacklevel=3)
        if self._pending > self.max_buffered_rows:
            raise exc

    def _timer(self) -> None:
        period = max(self.flush_seconds / 2, 0.05)
        while not self._stop.is_set():
            woken = self._wake.wait(period)
            self._wake.clear()
            if self._stop.is_set():
                return
            oldest = self._oldest
            aged = oldest is not None and time.monotonic() - oldest >= self.flush_seconds
            if (woken or aged) and not self.failed_recently:
                try:
                    self.flush()
                except Exception:  # pragma: no cover - reported by _failed's warning
                    pass


#: Column types staged as a cheaper one, and the SQL that converts them back.
_STAGED_AS = {
    "TIMESTAMP WITH TIME ZONE": ("DOUBLE", "to_timestamp({})"),
    "UUID": ("VARCHAR", "CAST({} AS UUID)"),
    "JSON": ("VARCHAR", "CAST({} AS JSON)"),
    "VARCHAR[]": ("VARCHAR", "CASE WHEN {0} = '' THEN []::VARCHAR[] "
                             f"ELSE string_split({{0}}, chr({ord(LIST_SEPARATOR)})) END"),
}


def _write(con: duckdb.DuckDBPyConnection, batch: _Batch, stored: set[tuple[str, Any]],
           layouts: Mapping[str, Layout]) -> None:
    """One transaction: the keyed rows (``stored``: the keys already in this DB), then
    every buffered row (staged, see above)."""
    con.begin()
    try:
        for key, (table, key_column, row) in batch.puts.items():
            _put(con, table, key_column, row, update=key in stored)
        for name, rows in batch.rows.items():
            if rows:
                _append(con, name, rows, layouts.get(name))
        con.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            con.rollback()
        raise


def _put(con: duckdb.DuckDBPyConnection, table: str, key_column: str, row: dict[str, Any], *,
         update: bool) -> None:
    """INSERT a keyed row, or UPDATE it where an earlier flush stored it (an upsert,
    ``INSERT OR REPLACE``, plans about 5 ms longer than either)."""
    if update:
        columns = [c for c in row if c != key_column]
        sets = ", ".join(f"{c} = ?" for c in columns)
        changed = con.execute(f"UPDATE {table} SET {sets} WHERE {key_column} = ?",
                              [row[c] for c in columns] + [row[key_column]]).fetchone()
        if changed and changed[0]:
            return  # else the row is gone (e.g. deleted by hand): insert it again
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))


#: (table or layout) -> (table, CREATE TEMP TABLE body, INSERT column list, SELECT list).
#: Every DB the writer appends to is at this package's schema (ensure_schema runs
#: first), so the statements are worked out once per process, not at every flush.
_STAGE_SQL: dict[Any, tuple[str, str, str, str]] = {}
_COLUMN_TYPES: dict[str, dict[str, str]] = {}


def _stage_sql(con: duckdb.DuckDBPyConnection, name: str,
               layout: Layout | None) -> tuple[str, str, str, str]:
    key = name if layout is None else (layout.table, layout.columns, tuple(layout.constants))
    sql = _STAGE_SQL.get(key)
    if sql is None:
        if not _COLUMN_TYPES:  # every table's types in one query, once per process
            for table, col, data_type in con.execute(
                    "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                    "WHERE database_name = current_database() AND schema_name = 'main' "
                    "ORDER BY table_name, column_index").fetchall():
                _COLUMN_TYPES.setdefault(table, {})[col] = data_type
        if layout is None:
            table, columns, constants = name, TABLE_COLUMNS.get(name), ()
        else:
            table, columns, constants = layout.table, layout.columns, tuple(layout.constants)
        types = _COLUMN_TYPES[table]
        columns = columns or tuple(types)
        stage_cols, select = [], []
        for col in columns:
            stage_type, convert = _STAGED_AS.get(types[col], (types[col], "{}"))
            stage_cols.append(f'"{col}" {stage_type}')
            select.append(convert.format(f'"{col}"'))
        for col in constants:  # bound as parameters, once per flush
            select.append(f"CAST(? AS {types[col]})")
        sql = _STAGE_SQL[key] = (table, ", ".join(stage_cols), ", ".join((*columns, *constants)),
                                 ", ".join(select))
    return sql


def _append(con: duckdb.DuckDBPyConnection, name: str, rows: list[Sequence[Any]],
            layout: Layout | None) -> None:
    """Append ``rows`` to a TEMP staging table, then move them into the table in one go."""
    table, stage_cols, columns, select = _stage_sql(con, name, layout)
    stage = "ipfs_accel_stage_" + re.sub(r"\W", "_", name)  # a layout's name may be any text
    con.execute(f"CREATE OR REPLACE TEMP TABLE {stage} ({stage_cols})")
    appender = con.appender(stage)  # created in this transaction: a rollback drops it
    appender.append_rows(rows)
    appender.flush()
    if layout is None or not layout.constants:
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {select} FROM {stage};\n"
                    f"DROP TABLE {stage}")
        return
    con.execute(f"INSERT INTO {table} ({columns}) SELECT {select} FROM {stage}",
                list(layout.constants.values()))
    con.execute(f"DROP TABLE {stage}")
