"""Outcomes exactly as pytest reports them, in the cases real suites showed: failing
subtests (pytest 9's ``subtests`` fixture and unittest's ``subTest``), and parameters that
are NaN or infinite."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import query

SUBTESTS = '''
import unittest

class T(unittest.TestCase):
    def test_sub(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertNotEqual(i, 1)

    def test_all_pass(self):
        for i in range(2):
            with self.subTest(i=i):
                pass

def test_fixture(subtests):
    for i in range(3):
        with subtests.test(msg="each", i=i):
            print("output of", i)
            assert i != 2, "two is bad"
'''


def _no_constants(text: str) -> Any:
    """``json.loads`` that refuses NaN and Infinity, as standard JSON does."""
    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("dist", [(), ("-n", "2")], ids=["in-process", "xdist"])
def test_a_failed_subtest_fails_its_item_and_every_subtest_is_kept(
        pytester: pytest.Pytester, run_pytest: Any, dist: tuple[str, ...]) -> None:
    if not hasattr(pytest, "Subtests"):
        pytest.skip("pytest < 9 has no built-in subtests")
    if dist:
        pytest.importorskip("xdist")
    pytester.makepyfile(test_sub=SUBTESTS)
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "--junitxml", "j.xml", *dist)
    assert result.ret == 1, result.stdout.str()
    rows = {r[0]: r[1:] for r in query(pytester.path / "r.duckdb", """
        SELECT nodeid, outcome, call_outcome, crash_message, longrepr, extra
        FROM test_results WHERE kind = 'item'""")}
    assert set(rows) == {"test_sub.py::T::test_sub", "test_sub.py::T::test_all_pass",
                         "test_sub.py::test_fixture"}
    # As pytest's summary and JUnit XML say: both items with a failed subtest failed.
    junit = (pytester.path / "j.xml").read_text()
    assert junit.count("<failure") >= 2
    outcome, _, crash, longrepr, extra = rows["test_sub.py::T::test_sub"]
    assert outcome == "failed" and crash == "AssertionError: 1 == 1"
    assert "assertNotEqual(i, 1)" in longrepr
    subtests = _no_constants(extra)["subtests"]
    # Parameters as pytest shows them: repr'd, and under xdist repr'd once more (pytest's).
    assert [(s["params"]["i"].strip("'"), s["outcome"]) for s in subtests] == [
        ("0", "passed"), ("1", "failed"), ("2", "passed")]
    assert subtests[1]["crash_message"] == "AssertionError: 1 == 1"
    assert all(s["duration_s"] >= 0 for s in subtests)

    outcome, _, crash, _, extra = rows["test_sub.py::test_fixture"]
    assert outcome == "failed" and "two is bad" in crash
    subtests = _no_constants(extra)["subtests"]
    assert [(s["msg"], s["params"]["i"].strip("'"), s["outcome"]) for s in subtests] == [
        ("each", "0", "passed"), ("each", "1", "passed"), ("each", "2", "failed")]
    assert "output of 2" in subtests[2]["stdout"]

    outcome, call, _, _, extra = rows["test_sub.py::T::test_all_pass"]
    assert (outcome, call) == ("passed", "passed")
    assert [s["outcome"] for s in _no_constants(extra)["subtests"]] == ["passed", "passed"]
    counts = dict(query(pytester.path / "r.duckdb",
                        "SELECT outcome, count(*) FROM test_results GROUP BY ALL"))
    assert counts == {"failed": 2, "passed": 1}  # one row per item: subtests are no items


NONFINITE = '''
import math
import pytest

@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, 1.5], ids=["nan", "inf", "ninf", "num"])
def test_param(x, record_property):
    record_property("value", x)
    record_property("nested", {"deep": [x]})
'''


def test_nan_and_infinite_values_are_stored_as_standard_json(
        pytester: pytest.Pytester, run_pytest: Any) -> None:
    pytester.makepyfile(test_nonfinite=NONFINITE)
    result = run_pytest("--ipfs-accel-db", "r.duckdb")
    assert result.ret == 0, result.stdout.str()
    rows = {r[0]: r[1:] for r in query(pytester.path / "r.duckdb", """
        SELECT param_id, params, user_properties, json_valid(params),
               json_valid(user_properties)
        FROM test_results""")}
    expected = {"nan": "nan", "inf": "inf", "ninf": "-inf", "num": 1.5}
    for param_id, value in expected.items():
        params, props, params_valid, props_valid = rows[param_id]
        assert params_valid and props_valid, (params, props)
        assert _no_constants(params) == {"x": value}
        assert _no_constants(props) == [["value", value], ["nested", {"deep": [value]}]]


def test_jsonable_names_non_finite_floats() -> None:
    from pytest_ipfs_accelerate.capture.records import jsonable, to_json

    assert jsonable([float("nan"), float("inf"), -float("inf"), 0.5]) == [
        "nan", "inf", "-inf", 0.5]
    assert to_json({"x": float("nan"), float("inf"): 1}) == '{"x": "nan", "inf": 1}'
