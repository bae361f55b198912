"""A control for ``harness.small_suite``, loaded into the measured pytest with ``-p``: the
results DB's writer replaced by one that takes every row and stores nothing.

With it, a ``--ipfs-accel-db`` run does all the plugin's own Python work (its imports,
the run's facts, hardware rows, git facts, a row built for every test, the session
report's plugin) and none of DuckDB's (import, attach, schema check, flush, the report's
queries, checkpoint). Its cost over ``idle`` is therefore the floor of any writer design
that keeps those facts and rows and builds them in the pytest process: even a writer
that cost nothing, in this process or another, could not go below it. The report's
queries fail (there is no DB), so the summary says "report not built".
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest_ipfs_accelerate.db.writer as writer_module


class NullWriter:
    """``BufferedWriter``'s interface, as the capture session, benchmarks and report use it."""

    def __init__(self, target: Any, **_: Any) -> None:
        self.path = target
        self.tables_written: set[str] = set()
        self.last_error: Exception | None = None
        self.lock_timeout_s = 0.0
        self.rows = 0
        self._prepare: threading.Thread | None = None

    def layout(self, layout: Any, constants: Any = None) -> None:
        pass

    def add(self, name: str, row: Any) -> None:
        self.rows += 1

    def put(self, table: str, row: Any, *, key: str = "run_id") -> None:
        pass

    def start_in_background(self, prepare: Callable[[], None] | None = None) -> None:
        if prepare is not None:  # the git facts, on a thread as the real writer runs them
            self._prepare = threading.Thread(target=prepare, daemon=True)
            self._prepare.start()

    start_finished = True

    def wait_started(self) -> bool:
        return True

    def start(self) -> bool:
        return True

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def flush(self, *, wait: bool = True) -> bool:
        return True

    def finish(self) -> None:
        if self._prepare is not None:
            self._prepare.join()

    def release_in_background(self) -> None:
        pass

    def close(self) -> None:
        return None

    def discard(self) -> None:
        pass

    def problems(self) -> list[str]:
        return []

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        raise RuntimeError("null writer: no DB to read (the control stores nothing)")
        yield  # pragma: no cover


writer_module.BufferedWriter = NullWriter  # type: ignore[misc, assignment]
