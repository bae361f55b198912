"""Issue 15, case 7: a truncated or checksum-corrupt results DB is named in one line by the
plugin, ``runs``, ``report``, ``query`` and ``merge``, and left unchanged; damage found
mid-run is named, never spooled; a DuckDB file of another application (tables only in
another schema, only views, only a sequence) is refused and left byte-identical."""

from __future__ import annotations

from harness.reliability.adversarial import capture_cases as cases


def test_damaged_db_is_refused_in_one_line_and_unchanged():
    cases.case_7_damaged_db_is_refused_in_one_line_and_unchanged()


def test_damage_found_mid_run_is_named_and_never_spooled():
    cases.case_7_damage_found_mid_run_is_named_and_never_spooled()


def test_foreign_duckdb_files_are_refused_byte_identical():
    cases.case_7_foreign_duckdb_files_are_refused_byte_identical()
