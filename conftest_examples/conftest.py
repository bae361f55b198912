"""An example conftest a downstream project can copy.

It shows the plugin's own hooks: extra fields on every result row, a custom
section in the session report, and facts about the run.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "owner(team): the team that owns a test")


def pytest_ipfs_accel_result_extra(item, reports):
    """Store each test's owner (from ``@pytest.mark.owner``) in ``test_results.extra``."""
    if item is None:
        return None
    marker = item.get_closest_marker("owner")
    return {"owner": marker.args[0]} if marker else None


def pytest_ipfs_accel_run_info(config):
    """Store the build number CI gives us, if any, in ``runs.extra``."""
    build = os.environ.get("BUILD_NUMBER")
    return {"build_number": build} if build else None


def pytest_ipfs_accel_report_sections(report):
    """Add an "Ownership" section to the terminal summary and report files."""
    failing = [f["nodeid"] for f in report.failures]
    text = "no failures to route" if not failing else "\n".join(failing)
    return [("Ownership", text)]
