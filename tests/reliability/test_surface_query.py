"""Issue 15, case 11: ``ipfs-accel query`` is read-only in fact (the scenarios are in
``harness/reliability/adversarial/surface_cases.py``, which the adversarial suite runs too)."""

from __future__ import annotations

from harness.reliability.adversarial import surface_cases as cases


def test_query_reads_no_file_outside_the_db():
    cases.case_11_query_reads_no_file_outside_the_db()


def test_query_cannot_write_files_or_other_dbs():
    cases.case_11_query_cannot_write_files_or_other_dbs()


def test_query_refuses_attach_extensions_and_settings():
    cases.case_11_query_refuses_attach_extensions_and_settings()


def test_query_several_statements_print_every_result():
    cases.case_11_query_several_statements_print_every_result()
