"""Every outcome kind reaches the DB with its identity, phases and failure detail."""

from __future__ import annotations

import json
import re

import pytest

SUITE = r'''
import warnings
import pytest

def test_pass():
    pass

def test_fail():
    print("to stdout")
    import sys; sys.stderr.write("to stderr\n")
    assert 1 == 2

@pytest.mark.parametrize("x", [1, "ünï", object()], ids=["one", "ünï", "obj"])
def test_param(x):
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfailed():
    assert 0

@pytest.mark.xfail(reason="maybe")
def test_xpassed():
    pass

@pytest.mark.xfail(strict=True, reason="strict")
def test_xpassed_strict():
    pass

def test_skipped():
    pytest.skip("not today")

@pytest.fixture
def broken_setup():
    raise RuntimeError("setup boom")

def test_setup_error(broken_setup):
    pass

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown boom")

def test_teardown_error(broken_teardown):
    pass

@pytest.mark.tag_me
def test_props(record_property):
    record_property("answer", 42)
    warnings.warn("careful now", UserWarning)

class TestGroup:
    def test_method(self):
        print("quiet on success")
'''


@pytest.fixture(scope="module")
def outcome_rows(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import query, run_pytest_in

    path = tmp_path_factory.mktemp("outcomes")
    (path / "test_suite.py").write_text(SUITE)
    (path / "test_modskip.py").write_text(
        "import pytest\npytest.skip('whole module', allow_module_level=True)\n")
    (path / "test_broken.py").write_text("import nonexistent_module_xyz\n")
    result = run_pytest_in(path, "--ipfs-accel-db", "r.duckdb", "--continue-on-collection-errors")
    assert result.parseoutcomes() == {"passed": 7, "failed": 2, "errors": 3, "skipped": 2,
                                      "xfailed": 1, "xpassed": 1, "warnings": 2}, (
        result.stdout.str())
    db = path / "r.duckdb"
    cols = ("nodeid", "kind", "outcome", "param_id", "params", "markers", "class_name",
            "function", "setup_outcome", "call_outcome", "teardown_outcome", "crash_message",
            "skip_reason", "xfail_reason", "stdout", "stderr", "user_properties", "warnings",
            "duration_s", "setup_duration_s", "call_duration_s", "teardown_duration_s",
            "started_at", "finished_at", "longrepr", "file")
    rows = query(db, f"SELECT {', '.join(cols)} FROM test_results")
    by_id = {r[0]: dict(zip(cols, r, strict=True)) for r in rows}
    return by_id, result


def test_final_outcomes_use_pytest_vocabulary(outcome_rows):
    rows, _ = outcome_rows
    expected = {
        "test_suite.py::test_pass": "passed",
        "test_suite.py::test_fail": "failed",
        "test_suite.py::test_xfailed": "xfailed",
        "test_suite.py::test_xpassed": "xpassed",
        "test_suite.py::test_xpassed_strict": "failed",
        "test_suite.py::test_skipped": "skipped",
        "test_suite.py::test_setup_error": "error",
        "test_suite.py::test_teardown_error": "error",
        "test_suite.py::test_props": "passed",
        "test_suite.py::TestGroup::test_method": "passed",
    }
    for nodeid, outcome in expected.items():
        assert rows[nodeid]["outcome"] == outcome, nodeid
        assert rows[nodeid]["kind"] == "item"
    # one row per item, plus one per collection problem
    assert len(rows) == 13 + 2


def test_phases_are_all_kept(outcome_rows):
    rows, _ = outcome_rows
    setup_err = rows["test_suite.py::test_setup_error"]
    assert (setup_err["setup_outcome"], setup_err["call_outcome"],
            setup_err["teardown_outcome"]) == ("failed", None, "passed")
    td_err = rows["test_suite.py::test_teardown_error"]
    assert (td_err["setup_outcome"], td_err["call_outcome"],
            td_err["teardown_outcome"]) == ("passed", "passed", "failed")
    for row in rows.values():
        if row["kind"] != "item":
            continue
        phases = [row[f"{p}_duration_s"] for p in ("setup", "call", "teardown")]
        assert row["duration_s"] == pytest.approx(sum(p for p in phases if p is not None))
        assert row["started_at"] <= row["finished_at"]


def test_failure_detail_and_crash_location(outcome_rows):
    rows, _ = outcome_rows
    fail = rows["test_suite.py::test_fail"]
    assert fail["crash_message"] == "assert 1 == 2"
    assert "assert 1 == 2" in fail["longrepr"]
    assert fail["stdout"] == "to stdout\n"
    assert fail["stderr"] == "to stderr\n"
    assert "setup boom" in rows["test_suite.py::test_setup_error"]["crash_message"]
    assert "teardown boom" in rows["test_suite.py::test_teardown_error"]["crash_message"]
    assert "XPASS(strict)" in rows["test_suite.py::test_xpassed_strict"]["crash_message"]


def test_output_kept_only_for_failures_by_default(outcome_rows):
    rows, _ = outcome_rows
    assert rows["test_suite.py::TestGroup::test_method"]["stdout"] is None


def test_skip_and_xfail_reasons(outcome_rows):
    rows, _ = outcome_rows
    assert rows["test_suite.py::test_skipped"]["skip_reason"] == "not today"
    assert rows["test_suite.py::test_xfailed"]["xfail_reason"] == "known bug"
    assert rows["test_suite.py::test_xpassed"]["xfail_reason"] == "maybe"


def test_identity_params_markers_class(outcome_rows):
    rows, _ = outcome_rows
    uni = [r for r in rows.values() if r["function"] == "test_param" and
           json.loads(r["params"])["x"] == "ünï"]
    assert len(uni) == 1 and uni[0]["param_id"] is not None
    obj = next(r for r in rows.values() if r["nodeid"].endswith("[obj]"))
    assert json.loads(obj["params"])["x"].startswith("<object object at")
    one = rows["test_suite.py::test_param[one]"]
    assert json.loads(one["params"]) == {"x": 1}
    assert "parametrize" in one["markers"]
    assert rows["test_suite.py::test_props"]["markers"] == ["tag_me"]
    assert rows["test_suite.py::test_pass"]["markers"] == []  # no markers: empty, not NULL
    method = rows["test_suite.py::TestGroup::test_method"]
    assert (method["class_name"], method["function"], method["file"]) == (
        "TestGroup", "test_method", "test_suite.py")


def test_user_properties_and_warnings(outcome_rows):
    rows, _ = outcome_rows
    props = rows["test_suite.py::test_props"]
    assert json.loads(props["user_properties"]) == [["answer", 42]]
    warnings = json.loads(props["warnings"])
    assert warnings[0]["category"] == "UserWarning"
    assert warnings[0]["message"] == "careful now"


def test_collection_errors_and_module_skips_are_rows(outcome_rows):
    rows, _ = outcome_rows
    broken = rows["test_broken.py"]
    assert (broken["kind"], broken["outcome"]) == ("collection", "error")
    assert "nonexistent_module_xyz" in broken["longrepr"]
    modskip = rows["test_modskip.py"]
    assert (modskip["kind"], modskip["outcome"]) == ("collection", "skipped")
    assert modskip["skip_reason"] == "whole module"


def test_terminal_summary_section(outcome_rows):
    _, result = outcome_rows
    out = result.stdout.str()
    assert "ipfs-accelerate results" in out
    assert re.search(r"^run [0-9a-f-]{36}  db .*r\.duckdb$", out, re.M)
    assert ("outcomes: 6 passed, 2 failed, 3 error, 2 skipped, 1 xfailed, 1 xpassed "
            "(total 15)") in out
    assert "slowest 10:" in out
    assert "no previous run in this DB to compare with" in out


def test_reruns_are_recorded_once_with_attempts(pytester: pytest.Pytester, query_db):
    pytest.importorskip("pytest_rerunfailures")
    pytester.makepyfile(test_flaky="""
        import itertools
        counter = itertools.count()
        def test_flaky():
            assert next(counter) >= 2
        def test_always():
            assert False
    """)
    db = pytester.path / "r.duckdb"
    result = pytester.runpytest("--ipfs-accel-db", str(db), "--reruns", "3")
    assert result.parseoutcomes()["rerun"] == 5
    rows = dict((r[0], r[1:]) for r in query_db(
        db, "SELECT nodeid, outcome, rerun_count, attempts FROM test_results"))
    assert rows["test_flaky.py::test_flaky"][:2] == ("passed", 2)
    assert rows["test_flaky.py::test_always"][:2] == ("failed", 3)
    attempts = json.loads(rows["test_flaky.py::test_flaky"][2])
    assert [a["outcome"] for a in attempts] == ["rerun", "rerun"]
    assert len(rows) == 2
    flaky = query_db(db, "SELECT nodeid, passed_after_rerun FROM flaky_tests")
    assert flaky == [] or all(r[1] >= 1 for r in flaky)


def test_capture_output_all_and_caps(pytester: pytest.Pytester, query_db):
    pytester.makepyfile(test_out="""
        def test_loud():
            print("x" * 500)
        def test_fail():
            assert "y" * 400 == "z"
    """)
    db = pytester.path / "r.duckdb"
    pytester.makefile(".toml", ipfs_accelerate="[db]\noutput_max_chars = 100\n"
                                              "longrepr_max_chars = 200\n")
    pytester.runpytest("--ipfs-accel-db", str(db), "--ipfs-accel-capture-output", "all")
    rows = dict((r[0], r[1:]) for r in query_db(
        db, "SELECT nodeid, stdout, longrepr FROM test_results"))
    stdout, _ = rows["test_out.py::test_loud"]
    assert stdout.startswith("x" * 100) and "truncated" in stdout
    _, longrepr = rows["test_out.py::test_fail"]
    assert len(longrepr) < 300 and "truncated" in longrepr
