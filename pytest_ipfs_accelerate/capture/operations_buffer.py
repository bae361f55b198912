"""Collects operation records where tests run; the annotator ships them on reports."""

from __future__ import annotations

import os
import time
from typing import Any


class OperationBuffer:
    """The object ``record_operation`` talks to (``config.stash[CAPTURE_KEY]``).

    Records are JSON-able dicts, so they can ride on xdist reports to the controller.
    """

    def __init__(self) -> None:
        self.ops: list[dict[str, Any]] = []
        self.worker_id = os.environ.get("PYTEST_XDIST_WORKER")

    def add_operation(self, **fields: Any) -> None:
        now = time.time()
        fields["started_at"] = now - float(fields["duration_s"])
        fields["nodeid"] = None  # set when drained for an item's report
        fields["worker_id"] = self.worker_id
        self.ops.append(fields)

    def drain(self, nodeid: str | None = None) -> list[dict[str, Any]]:
        """Take the buffered records; ``nodeid`` is the item they happened in, if any."""
        ops, self.ops = self.ops, []
        if nodeid is not None:
            for op in ops:
                op["nodeid"] = nodeid
        return ops
