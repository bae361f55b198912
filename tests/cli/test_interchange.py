"""``ipfs-accel export --junitxml`` and ``ipfs-accel import``: round trips through the
formats users already have (pytest's JUnit XML, pytest-benchmark's saved JSON), with the
files real pytest and pytest-benchmark write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from pytest_ipfs_accelerate.cli import main
from tests.conftest import query, run_pytest_in

SUITE = '''
import logging, sys, time, pytest

class TestGroup:
    def test_in_class(self):
        pass

    @pytest.mark.parametrize("v", [1.5, "a.b", "x::y"])
    def test_param(self, v):
        print("param", v)

def test_fails():
    print("to stdout")
    sys.stderr.write("to stderr\\n")
    assert 1 + 1 == 3, "math is off"

def test_skips():
    pytest.skip("not today")

@pytest.mark.xfail(reason="known bug")
def test_xfails():
    assert 0

@pytest.fixture
def broken():
    raise RuntimeError("setup boom")

def test_setup_error(broken):
    pass

def test_sleep(benchmark):
    benchmark(time.sleep, 0.0002)
'''
BENCH_ARGS = ("--benchmark-autosave", "--benchmark-save-data", "--benchmark-max-time=0.02",
              "--benchmark-min-rounds=7")


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real pytest run written three ways: our DB, pytest's JUnit XML (with output),
    pytest-benchmark's saved JSON; then a second saved benchmark run."""
    path = tmp_path_factory.mktemp("interchange")
    (path / "test_mix.py").write_text(SUITE)
    result = run_pytest_in(path, "--ipfs-accel-db", "cap.duckdb", "--junitxml", "j.xml",
                           "-o", "junit_logging=all", *BENCH_ARGS, "test_mix.py")
    assert result.ret == 1, result.stdout.str()[-3000:]
    result = run_pytest_in(path, *BENCH_ARGS, "test_mix.py", "-k", "sleep")
    assert result.ret == 0, result.stdout.str()[-3000:]
    return path


def outcomes(db: Path) -> dict[str, tuple[Any, ...]]:
    return {r[0]: r[1:] for r in query(db, """
        SELECT nodeid, kind, outcome, crash_lineno, regexp_extract(crash_message, '^[^\n]*')
        FROM test_results""")}


def cases(xml: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(classname, name) -> (child tag, its type, its message's first line) per test case."""
    out = {}
    for case in ElementTree.parse(xml).getroot().iter("testcase"):
        child = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        out[(case.get("classname"), case.get("name"))] = (
            None if child is None else child.tag, None if child is None else child.get("type"),
            None if child is None else (child.get("message") or "").splitlines()[0][:40])
    return out


def test_junit_from_pytest_imports_as_the_captured_run(suite, capsys):
    assert main(["import", str(suite / "imp.duckdb"), str(suite / "j.xml")]) == 0
    assert "9 tests (1 error, 1 failed, 1 xfailed, 5 passed, 1 skipped)" in \
        capsys.readouterr().out
    captured, imported = outcomes(suite / "cap.duckdb"), outcomes(suite / "imp.duckdb")
    assert {k: v[:3] for k, v in imported.items()} == {k: v[:3] for k, v in captured.items()}
    assert imported["test_mix.py::test_fails"][3] == "AssertionError: math is off"
    [(out, err)] = query(suite / "imp.duckdb", "SELECT stdout, stderr FROM test_results "
                                               "WHERE nodeid = 'test_mix.py::test_fails'")
    assert "to stdout" in out and "to stderr" in err
    [(tag,)] = query(suite / "imp.duckdb", "SELECT value FROM run_tags WHERE key = 'imported'")
    assert tag == "junit-xml"
    assert main(["import", str(suite / "imp.duckdb"), str(suite / "j.xml")]) == 0  # again
    assert "imported 0 of 1 runs" in capsys.readouterr().out
    assert query(suite / "imp.duckdb", "SELECT count(*) FROM runs") == [(1,)]


def test_export_writes_what_pytest_writes_and_reads_back(suite, capsys):
    ours = suite / "ours.xml"
    assert main(["export", str(suite / "cap.duckdb"), "--junitxml", str(ours)]) == 0
    assert cases(ours) == cases(suite / "j.xml")
    suite_el = ElementTree.parse(ours).getroot().find("testsuite")
    assert (suite_el.get("tests"), suite_el.get("failures"), suite_el.get("errors"),
            suite_el.get("skipped")) == ("9", "1", "1", "2")
    assert main(["import", str(suite / "back.duckdb"), str(ours)]) == 0
    assert outcomes(suite / "back.duckdb") == outcomes(suite / "cap.duckdb")
    capsys.readouterr()
    assert main(["export", str(suite / "back.duckdb"), "--junitxml", "-"]) == 0
    again = suite / "again.xml"
    again.write_text(capsys.readouterr().out)
    assert cases(again) == cases(ours)


def test_benchmark_history_imports_with_its_samples(suite, capsys):
    saved = sorted((suite / ".benchmarks").rglob("*.json"))
    assert len(saved) == 2
    db = suite / "hist.duckdb"
    assert main(["import", str(db), str(suite / ".benchmarks")]) == 0
    assert "imported 2 of 2 runs" in capsys.readouterr().out
    first = json.loads(saved[0].read_text())["benchmarks"][0]
    rows = query(db, """
        SELECT b.min_s, b.median_s, b.max_s, b.rounds, b.nodeid,
               (SELECT list(duration_s ORDER BY round) FROM benchmark_samples s
                WHERE s.run_id = b.run_id AND s.name = b.name), r.git_commit
        FROM benchmark_results b JOIN runs r USING (run_id) ORDER BY r.started_at""")
    stats = first["stats"]
    assert rows[0][:5] == (stats["min"], stats["median"], stats["max"], stats["rounds"],
                           "test_mix.py::test_sleep")
    assert rows[0][5] == stats["data"]
    [(median, samples)] = query(suite / "cap.duckdb", """
        SELECT median_s, (SELECT count(*) FROM benchmark_samples) FROM benchmark_results""")
    assert (median, samples) == (stats["median"], len(stats["data"]))  # as captured
    code = main(["compare", str(db), "--method", "classic", "--format", "json", "--no-store"])
    assert code == 0
    compared = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in compared["comparisons"]] == ["test_sleep"]
    assert main(["trend", str(db), "--benchmark", "test_sleep"]) == 0
    assert "2 runs" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    ("<html><body>no</body></html>", "not <testsuites> or <testsuite>"),
    ("<testsuites><testcase", "not a JUnit XML file"),
    ('{"benchmarks": []}', "not a run saved by pytest-benchmark"),
    ("not json at all", "not JSON"),
])
def test_bad_files_are_one_line_and_write_nothing(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.file"
    bad.write_text(content)
    assert main(["import", str(tmp_path / "x.duckdb"), str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(bad) in err and err.count("\n") == 1
    assert not (tmp_path / "x.duckdb").exists()


def test_export_needs_a_target(tmp_path, capsys):
    assert main(["export", str(tmp_path / "x.duckdb")]) == 2
    assert "--parquet DIR and/or --junitxml FILE" in capsys.readouterr().err
