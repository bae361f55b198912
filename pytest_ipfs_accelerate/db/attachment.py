"""The writer's connection to the results DB: attached for each flush, or held.

The writer keeps one in-memory DuckDB for the run and ``ATTACH``es the DB file to it
(``connect.attach_database``: a few ms, where a new connection costs tens). With the
``per-flush`` policy the file is detached after each flush, so other processes (a second
pytest session, ``ipfs-accel query``, the dashboard) can use it during a run; with
``hold`` it stays attached (and locked) until released. The first attach creates or
upgrades the schema and folds pending spools.
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
from pytest_ipfs_accelerate.db.spools import fold_spools, spool_dir

CONNECTION_POLICIES = ("per-flush", "hold")


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
        if not self.prepared:
            try:
                if spool_dir(self.path).is_dir():
                    self.folded_spools = fold_spools(self.con, self.path)
            except BaseException:
                self._detach()
                raise
            self.prepared = True
        self.open_seconds += time.perf_counter() - started
        return self.con

    def _detach(self) -> None:
        """Detach the DB, releasing its lock. The data is committed by then; if the detach
        fails, dropping the whole in-memory DuckDB releases the file all the same."""
        started = time.perf_counter()
        self.attached = False
        try:
            detach_database(self.con)
        except Exception:
            with contextlib.suppress(Exception):
                self.con.close()
            self.con = None
        self.open_seconds += time.perf_counter() - started
