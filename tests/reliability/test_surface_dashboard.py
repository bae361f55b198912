"""Issue 15, case 12: the dashboard answers only for its own address (DNS rebinding), listens
on ``::1`` as documented, and turns a corrupt DB into a 503 with a JSON error."""

from __future__ import annotations

import pytest

from harness.reliability.adversarial import Unavailable
from harness.reliability.adversarial import surface_cases as cases


def test_dashboard_refuses_a_foreign_host_header():
    cases.case_12_dashboard_refuses_a_foreign_host_header()


def test_dashboard_listens_on_ipv6_loopback():
    try:
        cases.case_12_dashboard_listens_on_ipv6_loopback()
    except Unavailable as exc:
        pytest.skip(str(exc))


def test_dashboard_corrupt_db_is_a_503_with_json():
    cases.case_12_dashboard_corrupt_db_is_a_503_with_json()
