"""Issue 15, case 6: every spool has a name and an id of its own, so a run's second spool,
written after its first was folded, is folded too (it was skipped and deleted: 5 of 15
rows lost)."""

from __future__ import annotations

from harness.reliability.adversarial import capture_cases as cases


def test_a_second_spool_of_a_run_is_folded_too():
    cases.case_6_a_second_spool_of_a_run_is_folded_too()
