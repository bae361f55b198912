"""Issue 15, cases 2, 4 and 9: no value a test hands the plugin loses a row or the run.

Lone surrogates are stored escaped, parameters that cannot be shown get a placeholder, and
``record_property`` values are capped (``capture_cases.py`` holds the scenarios).
"""

from __future__ import annotations

import pytest

from harness.reliability.adversarial import capture_cases as cases

pytest.importorskip("xdist")


def test_lone_surrogates_never_poison_a_batch():
    cases.case_2_lone_surrogates_never_poison_a_batch()


def test_unrepresentable_parameters_get_a_placeholder():
    cases.case_4_unrepresentable_parameters_get_a_placeholder()


def test_record_property_values_are_capped():
    cases.case_9_record_property_values_are_capped()
