"""The run's report at session end: built from the DB the capture session wrote, printed in
the terminal summary and written to ``--ipfs-accel-report``.

Registered on the controller (or the only process) when capture is on, after the
capture session, whose hooks have written and flushed every row by the time this
plugin's ``sessionfinish`` runs (inside the session's ``sessionfinish`` wrapper, while
the DB is still attached).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ipfs_accelerate.config import resolve
from pytest_ipfs_accelerate.config.paths import under_root
from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.report.build import build_run_report
from pytest_ipfs_accelerate.report.model import Limits, RunReport
from pytest_ipfs_accelerate.report.render import format_for_path, render_terminal, write_report

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.capture.session import CaptureSession


class SessionReport:
    """Reads the run back once it is written; the terminal summary and the report file."""

    def __init__(self, capture: CaptureSession, *, slowest: int,
                 report_path: Path | None) -> None:
        self.capture = capture
        self.slowest = slowest
        self.report_path = report_path
        self.report: RunReport | None = None
        self.error: str | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        capture = self.capture
        writer = capture.writer
        if writer is None or not capture.finished or capture.spooled is not None:
            return
        try:
            with writer.reading() as con:
                # A terminal-only summary needs no trends, matrix or all-tests table.
                limits = (Limits(slowest=self.slowest) if self.report_path is not None
                          else Limits.summary(self.slowest))
                self.report = build_run_report(con, capture.run_id, limits=limits,
                                               config=capture.config,
                                               db_path=str(capture.db_path),
                                               written=writer.tables_written)
        except Exception as exc:  # the data is safe; only the summary failed
            from pytest_ipfs_accelerate.db.connect import damage_message, is_damage_error

            self.error = (damage_message(capture.db_path, exc, unchanged=False)
                          if is_damage_error(exc) else f"{type(exc).__name__}: {exc}")
            return
        if self.report_path is not None:
            try:
                write_report(self.report, self.report_path)
            except OSError as exc:
                self.error = f"cannot write {self.report_path}: {exc.strerror}"
                self.report_path = None
            except Exception as exc:  # a rendering bug must not change the tests' outcome
                self.error = f"cannot write {self.report_path}: {type(exc).__name__}: {exc}"
                self.report_path = None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tr = terminalreporter
        capture = self.capture
        if capture.start_error_raised:  # pytest prints the usage error itself: once is enough
            return
        tr.write_sep("=", "ipfs-accelerate results")
        if capture.start_error is not None:
            tr.write_line(f"nothing recorded: {capture.start_error}", red=True)
            return
        if capture.spooled is not None:
            tr.write_line(capture.spool_news(), yellow=True)
        missing = capture.not_recorded()
        if missing is not None:  # one line: what this run did not record, and why
            tr.write_line(f"WARNING {missing}", yellow=True)
            capture.told(missing)
        lines = None
        if self.report is not None:
            try:
                lines = render_terminal(self.report)
            except Exception as exc:  # the data is safe; only the summary failed
                self.error = f"{type(exc).__name__}: {exc}"
        if lines is None:
            tr.write_line(f"results DB: {capture.db_path} (run {capture.run_id})")
            if self.error:
                tr.write_line(f"report not built: {self.error}", red=True)
            return
        for line in lines:
            tr.write_line(line)
        if self.report_path is not None:
            tr.write_line(f"report written to {self.report_path}")


def session_report(config: pytest.Config, capture: CaptureSession,
                   settings: Any) -> SessionReport:
    """The plugin for ``capture``, its options checked (a usage error before anything is
    written); the caller registers it."""
    return SessionReport(
        capture, slowest=resolve(config, option="ipfs_accel_slowest", key="db.slowest"),
        report_path=report_path_for(config, settings))


def report_path_for(config: pytest.Config, settings: Any) -> Path | None:
    """The report file (option, else ``[db] report``), checked for suffix and directory."""
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
