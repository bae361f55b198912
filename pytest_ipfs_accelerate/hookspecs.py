"""Hooks that other plugins and conftests may implement (added in ``pytest_addhooks``).

Example, in a ``conftest.py``::

    def pytest_ipfs_accel_result_extra(item, reports):
        return {"owner": item.get_closest_marker("owner").args[0]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.report.model import RunReport


@pytest.hookspec
def pytest_ipfs_accel_run_info(config: pytest.Config) -> dict[str, Any] | None:
    """Return extra facts about this run; they are merged into ``runs.extra`` (JSON).

    Called once, on the controller, when capture starts.
    """


@pytest.hookspec(firstresult=True)
def pytest_ipfs_accel_hardware(config: pytest.Config) -> list[dict[str, Any]] | None:
    """Return the rows of the ``hardware`` table for this run (one per device).

    The first non-None result wins. The plugin's own ``trylast`` implementation
    describes the CPU; the hardware package's plugin adds accelerators.
    """


@pytest.hookspec
def pytest_ipfs_accel_result_extra(
    item: pytest.Item | None, reports: list[pytest.TestReport]
) -> dict[str, Any] | None:
    """Return extra fields for one test's row; they are merged into ``test_results.extra``.

    ``item`` is None when the row is built on the xdist controller, which sees only
    reports. Values must be JSON-representable.
    """


@pytest.hookspec
def pytest_ipfs_accel_report_sections(report: RunReport) -> list[tuple[str, str]] | None:
    """Return ``(title, text)`` sections to add to the terminal summary and report files."""
