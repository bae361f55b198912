"""Buffered writer: rows collect in memory and reach DuckDB in bulk, one transaction a flush.

Rows go in through ``add(table, row)`` as tuples in the table's column order
(``schema.TABLE_COLUMNS``). A flush appends every buffered row with the DuckDB
Appender and commits once; it happens every ``flush_rows`` rows, every
``flush_seconds`` (a background thread, so a long test does not hold rows back),
and at close. A failed flush rolls back and keeps the rows for the next try, so
nothing is dropped silently.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pytest_ipfs_accelerate.db.schema import TABLE_COLUMNS

if TYPE_CHECKING:
    import duckdb


class WriterWarning(UserWarning):
    """A flush failed; its rows are kept and retried."""


class BufferedWriter:
    """Bulk, transactional writes to the results DB from one process."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        flush_rows: int = 1000,
        flush_seconds: float = 2.0,
        max_buffered_rows: int = 1_000_000,
    ) -> None:
        self._con = con
        self.flush_rows = max(1, flush_rows)
        self.flush_seconds = flush_seconds
        self.max_buffered_rows = max_buffered_rows
        self._buffers: dict[str, list[Sequence[Any]]] = {t: [] for t in TABLE_COLUMNS}
        self._appenders: dict[str, Any] = {}
        self._pending = 0
        self._oldest: float | None = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rows_written = 0
        self.flushes = 0
        self.failed_flushes = 0
        if flush_seconds > 0:
            self._thread = threading.Thread(target=self._timer, name="ipfs-accel-flush",
                                            daemon=True)
            self._thread.start()

    def add(self, table: str, row: Sequence[Any]) -> None:
        """Buffer one row; flushes when ``flush_rows`` rows are waiting."""
        with self._lock:
            self._buffers[table].append(row)
            self._pending += 1
            if self._oldest is None:
                self._oldest = time.monotonic()
            if self._pending >= self.flush_rows:
                self.flush()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run one statement (run-row insert/update) after flushing what is buffered."""
        with self._lock:
            self.flush()
            self._con.execute(sql, params or [])

    def flush(self) -> bool:
        """Write every buffered row in one transaction; False (rows kept) if it failed."""
        with self._lock:
            if not self._pending:
                return True
            try:
                self._con.begin()
                for table, rows in self._buffers.items():
                    if rows:
                        appender = self._appender(table)
                        appender.append_rows(rows)
                        appender.flush()
                self._con.commit()
            except Exception as exc:
                self._fail(exc)
                return False
            self.rows_written += self._pending
            self.flushes += 1
            for rows in self._buffers.values():
                rows.clear()
            self._pending = 0
            self._oldest = None
            return True

    def close(self) -> None:
        """Stop the timer, flush what is left, close the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            self.flush()
            self._appenders.clear()
            self._con.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The connection, for read queries after a ``flush()`` (same process only)."""
        return self._con

    @property
    def pending(self) -> int:
        return self._pending

    def _appender(self, table: str) -> Any:
        appender = self._appenders.get(table)
        if appender is None:
            appender = self._con.appender(table, columns=list(TABLE_COLUMNS[table]))
            self._appenders[table] = appender
        return appender

    def _fail(self, exc: Exception) -> None:
        self.failed_flushes += 1
        try:
            self._con.rollback()
        except Exception:
            pass
        for appender in self._appenders.values():
            try:
                appender.clear()
            except Exception:
                pass
        self._appenders.clear()
        warnings.warn(WriterWarning(
            f"results DB flush failed ({type(exc).__name__}: {exc}); {self._pending} rows kept "
            "for the next flush"), stacklevel=3)
        if self._pending > self.max_buffered_rows:
            raise exc

    def _timer(self) -> None:
        period = max(self.flush_seconds / 2, 0.05)
        while not self._stop.wait(period):
            oldest = self._oldest
            if oldest is not None and time.monotonic() - oldest >= self.flush_seconds:
                try:
                    self.flush()
                except Exception:  # pragma: no cover - reported by _fail's warning
                    pass
