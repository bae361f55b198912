"""Issue 15, case 3: a capture problem never changes pytest's outcome: the tests' exit code,
pytest's summary line, and one warning line saying what was not recorded and why."""

from __future__ import annotations

import pytest

from harness.reliability.adversarial import capture_cases as cases

pytest.importorskip("xdist")


def test_unwritable_db_and_spool_keep_the_tests_outcome():
    cases.case_3_unwritable_db_and_spool_keep_the_tests_outcome()


def test_failing_capture_hook_keeps_the_tests_outcome():
    cases.case_3_failing_capture_hook_keeps_the_tests_outcome()
