"""Switching capture on: the annotator everywhere tests run, the session where rows are
written.

Called by ``plugin.pytest_configure`` once a results DB is named; everything here is
imported only then. On an xdist worker only the annotator is set up (the controller
writes); elsewhere a :class:`CaptureSession` is made, to be opened once every other
package has checked its own settings (a bad one must not write a run).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_ipfs_accelerate.capture.annotate import ItemAnnotator, WorkerAnnotator
from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer
from pytest_ipfs_accelerate.capture.records import CaptureOptions
from pytest_ipfs_accelerate.capture.runinfo import parse_tags
from pytest_ipfs_accelerate.capture.session import CaptureSession, CaptureSettings
from pytest_ipfs_accelerate.config import resolve
from pytest_ipfs_accelerate.db.connect import check_db_path
from pytest_ipfs_accelerate.errors import DatabaseError
from pytest_ipfs_accelerate.operations import CAPTURE_KEY


@dataclass
class Capture:
    """What capture registered in this process."""

    annotator: ItemAnnotator
    #: The session that writes the run; None on an xdist worker.
    session: CaptureSession | None

    def open(self) -> None:
        """Open the session's DB and register it (on the controller)."""
        if self.session is not None:
            self.session.open()
            self.session.config.pluginmanager.register(self.session, "ipfs_accel_capture")


def start_capture(config: pytest.Config, db_path: Path, settings: Any) -> Capture:
    """Register the annotator; make (not open) the session unless this is an xdist worker."""
    ops = OperationBuffer()
    config.stash[CAPTURE_KEY] = ops
    worker = hasattr(config, "workerinput")  # an xdist worker: only the controller writes
    annotator = (WorkerAnnotator if worker else ItemAnnotator)(config, ops)
    config.pluginmanager.register(annotator, "ipfs_accel_annotator")
    if worker:
        return Capture(annotator, None)
    try:
        tags = parse_tags(config.getoption("ipfs_accel_tag"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:  # what needs no open DB is refused now, before collection (the rest: session.open)
        check_db_path(db_path)
    except DatabaseError as exc:
        raise pytest.UsageError(f"--ipfs-accel-db: {exc}") from None
    capture_settings = CaptureSettings(
        db_path=db_path,
        opts=CaptureOptions(
            longrepr_max_chars=settings.get("db.longrepr_max_chars"),
            capture_output=resolve(config, option="ipfs_accel_capture_output",
                                   key="db.capture_output"),
            output_max_chars=settings.get("db.output_max_chars"),
            property_max_chars=settings.get("db.property_max_chars"),
        ),
        connection=settings.get("db.connection"),
        flush_rows=resolve(config, option="ipfs_accel_flush_rows", key="db.flush_rows"),
        flush_seconds=resolve(config, option="ipfs_accel_flush_seconds",
                              key="db.flush_seconds"),
        lock_timeout_s=settings.get("db.lock_timeout_s"),
    )
    session = CaptureSession(config, capture_settings, tags=tags, ops=ops, annotator=annotator)
    return Capture(annotator, session)
