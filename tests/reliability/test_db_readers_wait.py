"""Issue 15, case 10: ``query``, ``report`` and ``runs`` wait for a busy writer, bounded,
saying so after a few seconds, instead of failing on its lock."""

from __future__ import annotations

from harness.reliability.adversarial import capture_cases as cases


def test_readers_wait_for_a_writer_that_holds_the_db():
    cases.case_10_readers_wait_for_a_writer_that_holds_the_db()


def test_readers_succeed_while_sessions_write():
    cases.case_10_readers_succeed_while_sessions_write()


def test_a_reader_waits_a_bounded_time():
    cases.case_10_a_reader_waits_a_bounded_time()
