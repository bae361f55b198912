"""Where items exist (in-process, or on an xdist worker), attach what reports lack.

Reports travel from xdist workers to the controller; items do not. So on the side
that runs the test, the setup report carries the item's identity (params, markers,
class) and the teardown report carries the extras users add through the
``pytest_ipfs_accel_result_extra`` hook. Both are plain JSON-able attributes,
which xdist serializes with the report.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer
from pytest_ipfs_accelerate.capture.records import item_identity

_REPORTS = pytest.StashKey[list[pytest.TestReport]]()


class ItemAnnotator:
    """A small plugin object registered whenever capture is on (workers included)."""

    def __init__(self, config: pytest.Config, ops: OperationBuffer) -> None:
        self.config = config
        self.ops = ops
        self.worker_id = os.environ.get("PYTEST_XDIST_WORKER")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if self.ops.ops:  # operations of this phase belong to this item
            report.ipfs_accel_ops = self.ops.drain(item.nodeid)  # type: ignore[attr-defined]
        when = call.when
        if when == "setup" or report.outcome == "rerun":
            ident = item_identity(item)
            ident["worker_id"] = self.worker_id
            report.ipfs_accel_item = ident  # type: ignore[attr-defined]
        hook = self.config.hook.pytest_ipfs_accel_result_extra
        if not hook.get_hookimpls():  # the common case: keep the hot path short
            return report
        reports = item.stash.setdefault(_REPORTS, [])
        reports.append(report)
        if when == "teardown":
            extras: dict[str, Any] = {}
            for result in hook(item=item, reports=list(reports)):
                if result:
                    extras.update(result)
            if extras:
                report.ipfs_accel_extra = extras  # type: ignore[attr-defined]
            reports.clear()
        return report
