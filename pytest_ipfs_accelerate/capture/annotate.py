"""Where items exist (in-process, or on an xdist worker), attach what reports lack.

Reports travel from xdist workers to the controller; items do not. So on the side
that runs the test, the setup report carries the item's identity (params, markers,
class) and the teardown report carries what attachers add (benchmark payloads,
metrics) and the extras users add through the ``pytest_ipfs_accel_result_extra``
hook. All are plain data (``records.jsonable``: exact ``str``, numbers, lists, dicts;
never a user's object, which execnet could not send), serialized with the report.

Every hook implementation costs every test of every suite, so there is one per-test
hook on this side: in-process the capture session calls :meth:`ItemAnnotator.annotate`
from its own ``pytest_runtest_logreport``; on an xdist worker the
:class:`WorkerAnnotator` does it from a ``pytest_runtest_logreport`` that runs before
xdist sends the report. Other packages plug in as attachers, not as hooks.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import pytest

from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer
from pytest_ipfs_accelerate.capture.records import item_identity, jsonable
from pytest_ipfs_accelerate.marks import NodeFacts

#: The report attribute that tells the controller a worker could not annotate a report.
CAPTURE_ERROR = "ipfs_accel_capture_error"


class ReportAttacher(Protocol):
    """Adds attributes to the last report of an item's attempt (its teardown report)."""

    def attach(self, item: pytest.Item, reports: list[pytest.TestReport]) -> None:
        """``reports``: this attempt's reports, setup first, teardown last."""


class ItemAnnotator:
    """Registered whenever capture is on, for the collected items; ``annotate`` each report."""

    def __init__(self, config: pytest.Config, ops: OperationBuffer) -> None:
        self.config = config
        self.ops = ops
        self.worker_id = os.environ.get("PYTEST_XDIST_WORKER")
        self.attachers: list[ReportAttacher] = []
        self.items: dict[str, pytest.Item] = {}
        self.node_facts = NodeFacts()
        self._reports: list[pytest.TestReport] = []  # the running item's (one at a time)
        self._extras_hook: Any = None
        #: Teardowns whose attachers or extras hook raised (their rows lack that data),
        #: and the first error.
        self.failures = 0
        self.failure: str | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.items = {item.nodeid: item for item in items}
        # Plugins and conftests are registered by now; most runs have no extras hook,
        # and asking pluggy for every test costs a list copy.
        hook = self.config.hook.pytest_ipfs_accel_result_extra
        self._extras_hook = hook if hook.get_hookimpls() else None

    def annotate(self, report: pytest.TestReport,
                 nodeid: str) -> list[pytest.TestReport] | None:
        """Attach this phase's operations, the identity (setup) and the attachers' data
        (teardown) to ``report`` (of the item ``nodeid``). Returns the reports of the
        item's attempt so far, setup first (complete at its teardown), or None for an
        item this session did not collect."""
        if self.ops.ops:  # on an xdist controller, next to the worker's own operations
            ops = self.ops.drain()
            shipped = report.__dict__.get("ipfs_accel_ops")
            report.ipfs_accel_ops = shipped + ops if shipped else ops  # type: ignore[attr-defined]
        item = self.items.get(nodeid)
        if item is None:  # not collected by this session (a plugin's own item): as is
            return None
        when = report.when
        if when == "setup" or report.outcome == "rerun":
            ident = item_identity(item, self.node_facts)
            ident["worker_id"] = self.worker_id
            report.ipfs_accel_item = ident  # type: ignore[attr-defined]
        reports = self._reports
        reports.append(report)
        if when == "teardown":
            self._reports = []
            try:
                for attacher in self.attachers:
                    attacher.attach(item, reports)
                self._extras(item, reports, report)
            except Exception as exc:  # the row is written without that data
                self.failed(report, exc)
        return reports

    def failed(self, report: pytest.TestReport, exc: BaseException) -> None:
        """Count a failure to annotate ``report``, and mark the report with it (under
        xdist that tells the controller, which counts what it is told)."""
        text = str(exc).strip().splitlines()
        line = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
        self.failures += 1
        self.failure = self.failure or line
        setattr(report, CAPTURE_ERROR, jsonable(line))

    def pending(self) -> list[pytest.TestReport]:
        """The reports of an attempt whose teardown never came (the run was stopped)."""
        reports, self._reports = self._reports, []
        return reports

    def _extras(self, item: pytest.Item, reports: list[pytest.TestReport],
                report: pytest.TestReport) -> None:
        hook = self._extras_hook
        if hook is None:  # the common case
            return
        extras: dict[str, Any] = {}
        for result in hook(item=item, reports=list(reports)):
            if result:
                extras.update(result)
        if extras:
            report.ipfs_accel_extra = jsonable(extras)  # type: ignore[attr-defined]


class WorkerAnnotator(ItemAnnotator):
    """On an xdist worker: annotate each report before xdist serializes it."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        try:
            self.annotate(report, report.nodeid)
        except Exception as exc:  # the controller counts it; the test's outcome stands
            self.failed(report, exc)
