"""Switching capture on: build the writer side of a session from options and settings.

Called by ``plugin.pytest_configure`` once a results DB is named; everything here is
imported only then. On an xdist worker only the annotator and collectors are set up
(the controller writes); elsewhere the :class:`CaptureSession` opens the DB.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pytest_ipfs_accelerate.operations import CAPTURE_KEY


def start_capture(config: pytest.Config, db_path: Path, settings: Any) -> Any:
    """Register the capture plugins; returns the open CaptureSession (None on a worker)."""
    from pytest_ipfs_accelerate.benchmarks.capture import BenchmarkRecorder, register_collector
    from pytest_ipfs_accelerate.capture.annotate import ItemAnnotator, WorkerAnnotator
    from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer
    from pytest_ipfs_accelerate.capture.records import CaptureOptions
    from pytest_ipfs_accelerate.config import resolve

    ops = OperationBuffer()
    config.stash[CAPTURE_KEY] = ops
    worker = hasattr(config, "workerinput")  # an xdist worker: only the controller writes
    annotator = (WorkerAnnotator if worker else ItemAnnotator)(config, ops)
    config.pluginmanager.register(annotator, "ipfs_accel_annotator")
    collector = register_collector(config)  # benchmark payloads and metrics, workers included
    annotator.attachers.append(collector)
    if worker:
        return None

    from pytest_ipfs_accelerate.capture.runinfo import parse_tags
    from pytest_ipfs_accelerate.capture.session import CaptureSession

    try:
        tags = parse_tags(config.getoption("ipfs_accel_tag"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    report_path = report_path_for(config, settings)
    opts = CaptureOptions(
        longrepr_max_chars=settings.get("db.longrepr_max_chars"),
        capture_output=resolve(config, option="ipfs_accel_capture_output",
                               key="db.capture_output"),
        output_max_chars=settings.get("db.output_max_chars"),
    )
    session = CaptureSession(
        config,
        db_path=db_path,
        opts=opts,
        tags=tags,
        ops=ops,
        annotator=annotator,
        connection=settings.get("db.connection"),
        flush_rows=resolve(config, option="ipfs_accel_flush_rows", key="db.flush_rows"),
        flush_seconds=resolve(config, option="ipfs_accel_flush_seconds",
                              key="db.flush_seconds"),
        lock_timeout_s=settings.get("db.lock_timeout_s"),
        slowest=resolve(config, option="ipfs_accel_slowest", key="db.slowest"),
        report_path=report_path,
    )
    benchmarks = BenchmarkRecorder(  # before open(): bad [benchmarks] config writes no run
        config, session, collector.buffer, fail_on_regression=bool(resolve(
            config, option="ipfs_accel_fail_on_regression", key="benchmarks.fail_on_regression")))
    session.open()
    config.pluginmanager.register(session, "ipfs_accel_capture")
    config.pluginmanager.register(benchmarks, "ipfs_accel_benchmarks")
    session.payload_handlers.update(benchmarks.payload_handlers())
    return session


def db_path_for(config: pytest.Config, settings: Any) -> Path | None:
    """The DB path by precedence: option > env > ini > config file; None means off."""
    value = config.getoption("ipfs_accel_db")
    if value:
        return Path(value).expanduser()
    env = os.environ.get("IPFS_ACCEL_DB") or os.environ.get("IPFS_ACCEL_DB_PATH")
    if env:
        return Path(env).expanduser()
    ini = config.getini("ipfs_accel_db")
    if ini:
        return under_root(config, str(ini))
    from_file = settings.get("db.path")
    return under_root(config, from_file) if from_file else None


def report_path_for(config: pytest.Config, settings: Any) -> Path | None:
    """The report file (option, else ``[db] report``), checked for suffix and directory."""
    from pytest_ipfs_accelerate.errors import IpfsAccelError
    from pytest_ipfs_accelerate.report.render import format_for_path

    value = config.getoption("ipfs_accel_report")
    path = Path(value).expanduser() if value else None
    if path is None and settings.get("db.report"):
        path = under_root(config, settings.get("db.report"))
    if path is None:
        return None
    try:
        format_for_path(path)
    except IpfsAccelError as exc:
        raise pytest.UsageError(f"--ipfs-accel-report: {exc}") from None
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise pytest.UsageError(f"--ipfs-accel-report {path}: directory {parent} does not exist "
                                "or is not writable; create it or choose another path")
    return path


def under_root(config: pytest.Config, value: str) -> Path:
    """``value`` as a path, relative ones taken from pytest's rootdir."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else config.rootpath / p
