"""Collects operation records where tests run; the annotator ships them on reports."""

from __future__ import annotations

import os
import time
from typing import Any

from pytest_ipfs_accelerate.capture.current import current_nodeid, outer_test
from pytest_ipfs_accelerate.capture.records import jsonable


class OperationBuffer:
    """The object ``record_operation`` talks to (``config.stash[CAPTURE_KEY]``).

    Records are plain data (``records.jsonable``), so they can ride on xdist reports to
    the controller whatever a fixture put in them.
    """

    def __init__(self) -> None:
        self.ops: list[dict[str, Any]] = []
        self.worker_id = os.environ.get("PYTEST_XDIST_WORKER")
        self.outer_test = outer_test()

    def add_operation(self, **fields: Any) -> None:
        now = time.time()
        fields["started_at"] = now - float(fields["duration_s"])
        fields["nodeid"] = current_nodeid(self.outer_test)  # None: session-level
        fields["worker_id"] = self.worker_id
        self.ops.append(jsonable(fields))

    def drain(self) -> list[dict[str, Any]]:
        """Take the buffered records."""
        ops, self.ops = self.ops, []
        return ops
