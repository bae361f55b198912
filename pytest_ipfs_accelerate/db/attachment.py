"""The writer's connection to the results DB: attached for each flush, or held.

The writer keeps one in-memory DuckDB for the run and ``ATTACH``es the DB file to it
(``connect.attach_database``: a few ms, where a new connection costs tens). With the
``per-flush`` policy the file is detached after each flush, so other processes (a second
pytest session, ``ipfs-accel query``, the dashboard) can use it during a run; with
``hold`` it stays attached (and locked) until released. The first attach creates or
upgrades the schema and folds pending spools.

A detach checkpoints: it moves the flush from the WAL into the file. When the device has
no room for that, the committed flush would stay behind in the WAL. Under ``per-flush``,
where the WAL holds just that flush, it is undone instead (the WAL removed while no
other process has the file open): the file stays at its last checkpoint, whole, and
:class:`FlushUndone` tells the writer to keep the flush's rows.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.db.connect import attach_database, detach_database
from pytest_ipfs_accelerate.db.engine import engine
from pytest_ipfs_accelerate.db.isolation import is_space_error
from pytest_ipfs_accelerate.db.spools import fold_spools, spool_dir

CONNECTION_POLICIES = ("per-flush", "hold")


class FlushUndone(Exception):
    """The device had no room to checkpoint the flushes since the last attach; they were
    undone, and the file is at its last checkpoint. ``error`` is DuckDB's."""

    def __init__(self, path: Path, error: Exception) -> None:
        super().__init__(f"{path}: no space left on the device for these rows "
                         f"({str(error).strip().splitlines()[-1]}); they were not stored")
        self.error = error


class Attachment:
    """``target`` is the DB path, or an open connection (then ``hold`` is implied and there
    is nothing to attach or fold). Not thread-safe: the writer calls it under its I/O lock."""

    def __init__(self, target: str | os.PathLike[str] | Any, policy: str,
                 lock_timeout_s: float) -> None:
        if policy not in CONNECTION_POLICIES:
            raise ValueError(f"connection must be one of {CONNECTION_POLICIES}, not {policy!r}")
        if isinstance(target, (str, os.PathLike)):
            self.path: Path | None = Path(target)
            self.con: Any = None
        else:
            self.path, self.con, policy = None, target, "hold"
        self.policy = policy
        self.lock_timeout_s = lock_timeout_s
        self.prepared = self.con is not None  # schema checked and spools folded
        self.attached = False
        self._wal_was_empty = False  # at the last attach: only our flushes are in the WAL
        self._size_at_attach = 0  # the file's size then: its last checkpoint's extent
        self.open_seconds = 0.0  # time spent attaching and detaching (the per-flush cost)
        self.folded_spools: list[Path] = []

    @contextlib.contextmanager
    def connected(self, *, stay: bool = False) -> Iterator[Any]:
        """The connection with the DB attached; detached after the block under
        ``per-flush`` unless ``stay`` (the session's last reads follow at once)."""
        if self.path is None:  # an open connection was given
            yield self.con
            return
        con = self._attach()
        try:
            yield con
        finally:
            if self.policy != "hold" and not stay:
                self._detach()

    def release(self) -> None:
        """Detach (if attached) and close the connection."""
        if self.con is None:
            return
        if self.attached:
            self._detach()
        if self.con is not None:
            self.con.close()
            self.con = None

    def _attach(self) -> Any:
        if self.attached:
            return self.con
        assert self.path is not None
        started = time.perf_counter()
        if self.con is None:
            self.con = engine().connect(":memory:")
        attach_database(self.con, self.path, lock_timeout_s=self.lock_timeout_s,
                        migrate=not self.prepared)
        self.attached = True
        self._wal_was_empty = _wal_size(self.path) == 0
        self._size_at_attach = self.path.stat().st_size
        if not self.prepared:
            try:
                if spool_dir(self.path).is_dir():
                    folded = fold_spools(self.con, self.path)
                    self.folded_spools += folded
                    if folded:  # their files are gone: never undo this attach's WAL
                        self._wal_was_empty = False
            except BaseException:
                self._detach()
                raise
            self.prepared = True
        self.open_seconds += time.perf_counter() - started
        return self.con

    def _detach(self) -> None:
        """Detach the DB, releasing its lock. The data is committed by then; if the detach
        fails, dropping the whole in-memory DuckDB releases the file all the same, and the
        WAL keeps the data for the next open; unless the device is full (see the module
        doc), then :class:`FlushUndone`."""
        started = time.perf_counter()
        self.attached = False
        try:
            detach_database(self.con)
        except Exception as exc:
            with contextlib.suppress(Exception):
                self.con.close()
            self.con = None
            assert self.path is not None
            if (is_space_error(exc) and self.policy == "per-flush" and self._wal_was_empty
                    and _undo_checkpoint(self.path, self._size_at_attach)):
                self.prepared = False  # a migration may have been undone with the rows
                raise FlushUndone(self.path, exc) from None
        finally:
            self.open_seconds += time.perf_counter() - started


def _wal_size(path: Path) -> int:
    try:
        return path.with_name(path.name + ".wal").stat().st_size
    except OSError:
        return 0


def _undo_checkpoint(path: Path, size: int) -> bool:
    """Undo a checkpoint that failed for lack of space, if no other process has the file
    open (we take DuckDB's own kind of lock, a POSIX write lock on the whole file, to be
    sure): remove the WAL, and cut the file back to ``size``, its extent at the attach,
    giving back the blocks the checkpoint had begun to write (the file's header, which
    that checkpoint never updated, still points within ``size``). True when done."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: keep the WAL
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        if size and os.fstat(fd).st_size > size:
            os.ftruncate(fd, size)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # releases the lock
