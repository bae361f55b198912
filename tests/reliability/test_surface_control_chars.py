"""Issue 15, case 16: control characters from test output are escaped in the text output of
``ipfs-accel report`` and ``query`` (and in the session's terminal summary)."""

from __future__ import annotations

from harness.reliability.adversarial import surface_cases as cases
from pytest_ipfs_accelerate.report.text import escape_controls


def test_report_escapes_control_characters():
    cases.case_16_report_escapes_control_characters()


def test_query_escapes_control_characters():
    cases.case_16_query_escapes_control_characters()


def test_terminal_summary_escapes_control_characters(run_pytest, pytester):
    """A report section that quotes failure messages (as a conftest routing failures to
    their owners does) shows their control characters escaped."""
    pytester.makepyfile(test_h=cases.HOSTILE_SUITE)
    pytester.makeconftest("""
        def pytest_ipfs_accel_report_sections(report):
            return [("Owners", "\\n".join(f["crash_message"] or "" for f in report.failures))]
        """)
    result = run_pytest("--ipfs-accel-db", "h.duckdb")
    summary = result.stdout.str().split("ipfs-accelerate results")[1]
    cases.assert_no_raw_controls(summary.split("short test summary")[0], "terminal summary")
    assert "msg: \\x1b[5m blink \\x00 nul" in summary


def test_escape_controls_keeps_what_it_is_told_to():
    assert escape_controls("a\x1b[31mb\tc\nd\u202e") == "a\\x1b[31mb\\tc\\nd\\u202e"
    assert escape_controls("a\tb\nc\x07", keep="\n\t") == "a\tb\nc\\x07"
    assert escape_controls("plain ü ✓") == "plain ü ✓"
