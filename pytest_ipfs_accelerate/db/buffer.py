"""Rows waiting for a flush, safe to add to from any thread."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_ipfs_accelerate.db.staging import Batch


class RowBuffer:
    """Rows by layout name, and keyed rows (the latest version of each) by (table, key)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Sequence[Any]]] = defaultdict(list)
        self.puts: dict[tuple[str, Any], tuple[str, str, dict[str, Any]]] = {}
        self.pending = 0  # rows, keyed rows not counted
        self.oldest: float | None = None  # when the oldest waiting row came (monotonic)
        self.lock = threading.RLock()

    def add(self, name: str, row: Sequence[Any]) -> int:
        """Buffer one row; returns how many rows wait now."""
        with self.lock:
            self.rows[name].append(row)
            self.pending += 1
            if self.oldest is None:
                self.oldest = time.monotonic()
            return self.pending

    def put(self, table: str, row: Mapping[str, Any], key: str) -> None:
        with self.lock:
            self.puts[(table, row[key])] = (table, key, dict(row))

    def take(self) -> Batch | None:
        """Everything waiting, as one batch (None when nothing waits)."""
        with self.lock:
            if not self.pending and not self.puts:
                return None
            batch = Batch(dict(self.rows), self.puts, self.pending)
            self.rows = defaultdict(list)
            self.puts = {}
            self.pending = 0
            self.oldest = None
            return batch

    def give_back(self, batch: Batch) -> None:
        """Put a failed batch's rows back in front of any rows added meanwhile."""
        with self.lock:
            for name, rows in batch.rows.items():
                self.rows[name][:0] = rows
            for key, value in batch.puts.items():
                self.puts.setdefault(key, value)
            self.pending += batch.count
            if self.oldest is None:
                self.oldest = time.monotonic()

    @property
    def waiting(self) -> int:
        """Rows and keyed rows not yet written."""
        return self.pending + len(self.puts)
