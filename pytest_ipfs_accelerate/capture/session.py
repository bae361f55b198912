"""The capture session: the pytest hooks that write one run, on the controller (or the
only process) when the DB is on.

It turns reports into rows (``records``, ``run_rows``), hands them to the
``BufferedWriter`` and keeps the ``runs`` row up to date. It builds no report and prints
no summary: the report package's plugin reads the DB once the session has finished.

A capture problem never changes the tests' outcome: no exception leaves these hooks
once the run has started (a bad DB is refused before the first test, as a usage error).
What could not be recorded, and why, is :meth:`CaptureSession.not_recorded`.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ipfs_accelerate.capture.annotate import CAPTURE_ERROR
from pytest_ipfs_accelerate.capture.records import (
    CaptureOptions,
    ItemRecord,
    collect_row,
    plain_pass,
    plain_row,
    safe_repr,
    truncate,
    ts,
    worker_of,
)
from pytest_ipfs_accelerate.capture.run_rows import (
    hardware_rows,
    operation_row,
    run_row,
    tag_rows,
)
from pytest_ipfs_accelerate.capture.runinfo import git_facts
from pytest_ipfs_accelerate.db.tables import (
    BRIEF_RESULTS,
    HARDWARE,
    OPERATIONS,
    PLAIN_RESULTS,
    RUN_TAGS,
    RUNS,
    TEST_RESULTS,
)

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.capture.annotate import ItemAnnotator
    from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer
    from pytest_ipfs_accelerate.db.writer import BufferedWriter


@dataclass(frozen=True)
class CaptureSettings:
    """Where and how a session writes (from options, env and config; see ``start``)."""

    db_path: Path
    opts: CaptureOptions = field(default_factory=CaptureOptions)
    connection: str = "per-flush"
    flush_rows: int = 1000
    flush_seconds: float = 5.0
    lock_timeout_s: float = 10.0


class CaptureSession:
    """Writes one run into the results DB."""

    def __init__(self, config: pytest.Config, settings: CaptureSettings, *,
                 tags: dict[str, str], ops: OperationBuffer,
                 annotator: ItemAnnotator | None) -> None:
        self.config = config
        self.settings = settings
        self.db_path = settings.db_path
        self.opts = settings.opts
        self.tags = tags
        self.ops = ops
        self.annotator = annotator
        self.run_id = uuid.uuid4()
        self.run_key = str(self.run_id)  # rows carry text: no UUID conversion per row
        self.started_at = time.time()
        self.writer: BufferedWriter | None = None
        self.items: dict[str, ItemRecord] = {}
        # Finished items wait for their worker's next report: pytest records an item's
        # warnings only after its teardown report, so writing at teardown would miss them.
        self.done: dict[str | None, list[Any]] = defaultdict(list)  # see _finish
        self.warnings: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.run_row: dict[str, Any] = {}
        self.spooled: Path | None = None
        self.start_error: str | None = None
        self.start_error_raised = False  # pytest printed it (a usage error before the tests)
        #: Reports that could not be made into rows (a bug or hostile input), the first why.
        self.capture_errors = 0
        self.capture_error: str | None = None
        self._told: set[str] = set()  # not_recorded() lines already printed
        #: True once the last rows are written (or spooled) at session end.
        self.finished = False
        self._started = False
        #: Teardown-report attribute -> what writes its value (other packages' payloads,
        #: such as benchmarks, ride on teardown reports).
        self.payload_handlers: dict[str, Callable[[Any], None]] = {}
        #: ``runs`` backend column -> backend -> version, as operations named them.
        self.backends: dict[str, dict[str, str | None]] = {}

    # -- lifecycle -----------------------------------------------------------------------
    def open(self) -> None:
        """Open the DB in the background (create, check or upgrade it); the run row, tags
        and hardware rows are buffered and go with the first flush.

        :meth:`ensure_started` waits for it (before the first test runs) and turns bad
        input into ``pytest.UsageError``. With ``[db] connection = "per-flush"``
        (default) the DB file is open only while a flush writes, so other processes can
        use it during the run. A DB still locked after ``lock_timeout_s`` does not stop
        the run: the rows wait for the next flush (and, at the end, for a spool file).
        """
        from pytest_ipfs_accelerate.db.writer import BufferedWriter

        s = self.settings
        self.writer = BufferedWriter(
            self.db_path, connection=s.connection, lock_timeout_s=s.lock_timeout_s,
            flush_rows=s.flush_rows, flush_seconds=s.flush_seconds, spool_name=str(self.run_id))
        self.writer.layout(BRIEF_RESULTS, {"run_id": self.run_key, "kind": "item"})
        self.writer.layout(PLAIN_RESULTS, {
            "run_id": self.run_key, "kind": "item", "outcome": "passed",
            "setup_outcome": "passed", "call_outcome": "passed", "teardown_outcome": "passed",
            "worker_id": None if self.annotator is None else self.annotator.worker_id})
        hardware = self.config.hook.pytest_ipfs_accel_hardware(config=self.config) or []
        self.run_row = run_row(self.config, self.run_id, self.started_at, hardware)
        self.writer.put(RUNS.name, self.run_row)
        for row in tag_rows(self.run_id, self.tags):
            self.writer.add(RUN_TAGS.name, row)
        for row in hardware_rows(self.run_id, hardware):
            self.writer.add(HARDWARE.name, row)
        self.writer.start_in_background(prepare=self._add_git_facts)

    def _add_git_facts(self) -> None:
        """On the writer's start-up thread: ``git status`` can take a while in a big
        checkout, and collection need not wait for it."""
        self.update_run(**git_facts(self.config.rootpath))

    def ensure_started(self) -> None:
        """Wait until the DB is ready (see :meth:`open`); ``pytest.UsageError`` on bad input."""
        from pytest_ipfs_accelerate.errors import DatabaseError

        if self.writer is None or self._started:
            return
        try:
            self.writer.wait_started()
        except DatabaseError as exc:
            self.writer.discard()
            self.writer = None
            self.start_error = f"--ipfs-accel-db: {exc}"
            raise pytest.UsageError(self.start_error) from None
        self._started = True

    def close(self) -> None:
        """Write what came after the session finished and let the DB go; news that the
        terminal summary could not carry goes to stderr. Never raises."""
        writer = self.writer
        if writer is None:
            return
        try:
            spooled = writer.close()
        except Exception as exc:  # pragma: no cover - close() catches what it knows of
            self._capture_failed(exc)
            spooled = None
        self.writer = None
        if spooled is not None and self.spooled is None:
            self.spooled = spooled
            _tell(f"ipfs-accel: {self.spool_news(writer)}")
        line = self.not_recorded(writer)
        if line is not None and line not in self._told:
            _tell(f"ipfs-accel: {line}")

    def spool_news(self, writer: BufferedWriter | None = None) -> str:
        """Where the rows the DB did not take went, and why the DB did not take them."""
        from pytest_ipfs_accelerate.errors import DatabaseLockedError

        writer = writer or self.writer
        error = None if writer is None else writer.last_error
        why = ("stayed locked" if error is None or isinstance(error, DatabaseLockedError)
               else f"could not be written ({_one_line(error)})")
        return (f"results DB {self.db_path} {why}: this run's last rows were spooled to "
                f"{self.spooled}; the next session on that DB, or `ipfs-accel merge "
                f"{self.db_path} ...`, folds them in")

    def not_recorded(self, writer: BufferedWriter | None = None) -> str | None:
        """One line saying what this run did not record, and why; None when nothing."""
        writer = writer or self.writer
        parts = [] if writer is None else writer.problems()
        annotator = self.annotator
        errors = self.capture_errors + (0 if annotator is None else annotator.failures)
        if errors:
            first = self.capture_error or (None if annotator is None else annotator.failure)
            parts.append(f"capture failed {errors} time(s) ({first}); those tests' rows are "
                         "missing or lack that data")
        return "not recorded: " + "; ".join(parts) if parts else None

    def told(self, line: str) -> None:
        """``line`` (of :meth:`not_recorded`) was printed: not again at close."""
        self._told.add(line)

    def _capture_failed(self, exc: BaseException) -> None:
        self.capture_errors += 1
        if self.capture_error is None:
            self.capture_error = _one_line(exc)

    # -- hooks ---------------------------------------------------------------------------
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self.writer is None or report.outcome == "passed":
            return
        try:
            row = collect_row(report, self.run_key, self.opts)
            if row is not None:
                self.writer.add(TEST_RESULTS.name, row)
        except Exception as exc:
            self._capture_failed(exc)

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str,
                                location: Any) -> None:
        if nodeid and when == "runtest":
            self.warnings[nodeid].append({
                "category": getattr(warning_message.category, "__name__", "Warning"),
                "message": truncate(safe_repr(warning_message.message, str), 2000),
                "filename": safe_repr(warning_message.filename, str),
                "lineno": warning_message.lineno,
            })

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Runs three times for every test: kept to few lookups (see test_hot_path.py).
        if self.writer is None:
            return
        try:  # free in Python 3.11+ until something raises
            nodeid = report.nodeid  # a property that builds the string each time: read once
            attrs = report.__dict__
            annotator = self.annotator
            # In-process, the annotator keeps the item's reports: read at its teardown.
            attempt = None if annotator is None else annotator.annotate(report, nodeid)
            ops = attrs.get("ipfs_accel_ops")
            if ops:
                self._write_ops(ops)
                del attrs["ipfs_accel_ops"]  # pytest keeps every report: drop what was ours
            when = report.when
            if when == "teardown":
                for name, handler in self.payload_handlers.items():
                    payload = attrs.get(name)
                    if payload:
                        handler(payload)
            worker = None
            if attrs.get("node") is not None:  # from an xdist worker
                worker = worker_of(report)
                if CAPTURE_ERROR in attrs:
                    self._capture_failed(RuntimeError(f"on {worker}: {attrs[CAPTURE_ERROR]}"))
            done = self.done
            if done:
                waiting = done.pop(worker, None)
                if waiting:
                    for finished in waiting:
                        try:  # one item's failure never costs the others theirs
                            self._finish(finished)
                        except Exception as exc:
                            self._capture_failed(exc)
            if attempt is None:  # report by report: the xdist controller, or not collected
                self._add(nodeid, report, worker)
            elif when == "teardown":
                if nodeid not in self.items and plain_pass(attempt):
                    done[None].append((nodeid, attempt))  # its row is built when finished
                else:  # by each report's own id, should an earlier attempt have lost its teardown
                    for each in attempt:
                        self._add(each.nodeid, each, None)
        except Exception as exc:  # a capture problem never changes the tests' outcome
            self._capture_failed(exc)

    def _add(self, nodeid: str, report: pytest.TestReport, worker: str | None) -> None:
        items = self.items
        rec = items.get(nodeid)
        if rec is None:
            rec = items[nodeid] = ItemRecord(nodeid)
        if rec.add(report, worker):
            self.done[worker].append(items.pop(nodeid))
        attrs = report.__dict__
        attrs.pop("ipfs_accel_item", None)  # pytest keeps every report: drop what was ours
        if report.when == "teardown":
            attrs.pop("ipfs_accel_extra", None)

    def pytest_collectstart(self) -> None:
        """The DB starts while pytest collects: once it has been refused (a foreign or newer
        schema, a damaged file), collection stops there, not after the whole suite."""
        writer = self.writer
        if writer is not None and not self._started and writer.start_finished:
            self._refuse_bad_db()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """The collected-test count, written now (not only at session end), so a live view
        of the DB (the dashboard) reads "N of M" while the run goes on."""
        self.update_run(tests_collected=len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist the controller collects nothing: each worker's collection tells it."""
        if self.run_row.get("tests_collected") != len(ids):
            self.update_run(tests_collected=len(ids))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """The DB must be ready (or refused) before the first test runs."""
        self._refuse_bad_db()

    def _refuse_bad_db(self) -> None:
        """:meth:`ensure_started`; a refused DB is a usage error pytest prints (once)."""
        try:
            self.ensure_started()
        except pytest.UsageError:
            self.start_error_raised = True
            raise

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session,
                             exitstatus: int) -> Generator[None, None, None]:
        """Write the last rows first (the DB stays attached for the report plugin's reads);
        once every other plugin's ``sessionfinish`` (the report, the benchmark recorder's
        writes) is done, the DB is detached in the background while pytest shuts down
        (``close()`` waits for it)."""
        try:
            self._finish_session(session, exitstatus)
        except Exception as exc:  # the tests' outcome stands; the summary says what is missing
            self._capture_failed(exc)
        try:
            return (yield)
        finally:
            if self.writer is not None:
                try:
                    self.writer.release_in_background()
                except Exception as exc:  # pragma: no cover - close() tries again
                    self._capture_failed(exc)

    def _finish_session(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            self.ensure_started()  # collection may have ended the session early
        except pytest.UsageError:
            return  # said in the terminal summary
        if self.writer is None:
            return
        try:
            self._finish_items()
            leftover = self.ops.drain()
            if leftover:
                self._write_ops(leftover)
            self.update_run(finished_at=ts(time.time()), exit_status=int(exitstatus),
                            tests_collected=session.testscollected)
        finally:  # whatever failed above, the rows already made are written
            self.spooled = self.writer.finish()
            self.finished = True

    def _finish_items(self) -> None:
        """Write every item still waiting: finished ones, then those whose teardown never
        came (the run was stopped, a worker crashed); one item's failure is counted and
        the others go on."""
        if self.annotator is not None:  # an attempt whose teardown never came
            for report in self.annotator.pending():
                try:
                    self._add(report.nodeid, report, None)
                except Exception as exc:
                    self._capture_failed(exc)
        entries = [rec for waiting in self.done.values() for rec in waiting]
        entries += self.items.values()
        self.done.clear()
        self.items.clear()
        for rec in entries:
            try:
                self._finish(rec)
            except Exception as exc:
                self._capture_failed(exc)

    def update_run(self, **fields: Any) -> None:
        """Change columns of this run's ``runs`` row (e.g. ``exit_status``); written at the
        next flush, or spooled with the rest if the DB stays locked."""
        if self.writer is None:
            return
        self.run_row.update(fields)
        self.writer.put(RUNS.name, self.run_row)

    # -- internals -----------------------------------------------------------------------
    def _finish(self, entry: ItemRecord | tuple[str, list[pytest.TestReport]]) -> None:
        """Write a finished item: an ItemRecord, or a plain pass's ``(nodeid, reports)``."""
        assert self.writer is not None
        if type(entry) is tuple:
            nodeid, reports = entry
            if nodeid not in self.warnings:
                self.writer.add(PLAIN_RESULTS.name, plain_row(nodeid, reports))
                reports[0].__dict__.pop("ipfs_accel_item", None)
                return
            entry = ItemRecord(nodeid)  # a warning came after its teardown: the full row
            for report in reports:
                entry.add(report)
            reports[0].__dict__.pop("ipfs_accel_item", None)
        self.writer.add(*entry.row(self.run_key, self.opts, self.warnings.pop(entry.nodeid, [])))

    def _write_ops(self, ops: list[dict[str, Any]]) -> None:
        assert self.writer is not None
        for op in ops:
            self.writer.add(OPERATIONS.name, operation_row(self.run_key, op))
            column = _RUN_BACKENDS.get(op["kind"])
            if column is not None and (op["backend"], op.get("backend_version")) not in \
                    self.backends.setdefault(column, {}).items():
                self._note_backend(column, op["backend"], op.get("backend_version"))

    def _note_backend(self, column: str, backend: str, version: str | None) -> None:
        """The run's ``<kind>_backend`` columns: every backend its operations used, each
        with its version where the backend has one (``kubo, simulated``)."""
        seen = self.backends[column]
        if version is not None or backend not in seen:
            seen[backend] = version
        self.update_run(**{
            column: ", ".join(sorted(seen)),
            f"{column}_version": ", ".join(f"{b} {v}" if len(seen) > 1 else str(v)
                                           for b, v in sorted(seen.items()) if v) or None})


#: operations.kind -> the ``runs`` column naming the backends a run's operations used.
_RUN_BACKENDS = {"ipfs": "ipfs_backend", "container": "container_backend"}


def _tell(message: str) -> None:
    """A line on stderr, for news after the terminal summary (e.g. a spool written late)."""
    print(message, file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    """``Type: first line of the message``."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
