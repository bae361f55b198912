"""Two runs in one DB, the change between them, xdist, and the run row's facts."""

from __future__ import annotations

import json
import subprocess

import pytest

from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION
from tests.conftest import query

FLIP = """
import os
def test_stable():
    pass
def test_breaks():
    assert os.environ.get("BREAK") != "1"
def test_heals():
    assert os.environ.get("BREAK") == "1"
"""


def _git_repo(path):
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True)
    subprocess.run(["git", "-c", "user.email=t@e.st", "-c", "user.name=t", "commit", "-q",
                    "--allow-empty", "-m", "init"], cwd=path, check=True)


def test_two_runs_newly_failing_and_passing(pytester, run_pytest):
    (pytester.path / "test_flip.py").write_text(FLIP)
    _git_repo(pytester.path)
    first = run_pytest("--ipfs-accel-db", "r.duckdb")
    assert first.parseoutcomes() == {"passed": 2, "failed": 1}
    second = run_pytest("--ipfs-accel-db", "r.duckdb", "--ipfs-accel-tag", "n=2",
                        env={"BREAK": "1"})
    assert second.parseoutcomes() == {"passed": 2, "failed": 1}
    out = second.stdout.str()
    assert "1 newly failing, 1 newly passing" in out
    assert "newly failing: test_flip.py::test_breaks (passed -> failed)" in out
    assert "newly passing: test_flip.py::test_heals (failed -> passed)" in out
    assert "tags: n=2" in out
    db = pytester.path / "r.duckdb"
    runs = query(db, "SELECT exit_status, git_branch, git_commit IS NOT NULL, git_dirty "
                     "FROM runs ORDER BY started_at")
    assert runs == [(1, "main", True, False), (1, "main", True, False)]
    assert query(db, "SELECT count(*) FROM test_results") == [(6,)]
    # Same commit, different outcomes: both flipping tests are flaky.
    flaky = query(db, "SELECT nodeid, runs, failures FROM flaky_tests ORDER BY nodeid")
    assert flaky == [("test_flip.py::test_breaks", 2, 1), ("test_flip.py::test_heals", 2, 1)]
    history = query(db, "SELECT outcome FROM test_history WHERE nodeid = ? "
                        "ORDER BY run_started_at", ["test_flip.py::test_heals"])
    assert history == [("failed",), ("passed",)]
    assert query(db, "SELECT key, value FROM run_tags") == [("n", "2")]


def test_run_facts(pytester, run_pytest):
    (pytester.path / "test_one.py").write_text("def test_one():\n    pass\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-q",
                        env={"TOX_ENV_NAME": "py311-cpu", "GITHUB_ACTIONS": "true",
                             "GITHUB_SERVER_URL": "https://github.example",
                             "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "77"})
    assert result.ret == 0, result.stdout.str()
    db = pytester.path / "r.duckdb"
    [row] = query(db, """
        SELECT run_id, finished_at >= started_at, exit_status, args, rootdir, host,
               python_version, pytest_version, plugin_version, ci_provider, ci_job_url,
               tox_env, cpu_count, ram_bytes > 0, length(hardware_fingerprint), schema_version,
               tests_collected
        FROM runs""")
    assert row[1:3] == (True, 0)
    assert "--ipfs-accel-db" in row[3]
    assert row[4] == str(pytester.path)
    assert row[9:12] == ("github-actions", "https://github.example/o/r/actions/runs/77",
                         "py311-cpu")
    assert row[12] >= 1 and row[13] and row[14] == 16 and row[15] == SCHEMA_VERSION and row[16] == 1
    hw = query(db, "SELECT device, kind FROM hardware WHERE kind = 'cpu'")
    assert hw == [("cpu", "cpu")]
    meta = dict(query(db, "SELECT key, value FROM schema_meta"))
    assert meta["schema_version"] == str(SCHEMA_VERSION)


def test_xdist_records_every_item_exactly_once(pytester, run_pytest):
    pytest.importorskip("xdist")
    lines = ["import pytest", "@pytest.mark.parametrize('i', range(40))",
             "def test_many(i, record_property):",
             "    record_property('i', i)",
             "    assert i % 13 != 5"]
    (pytester.path / "test_par.py").write_text("\n".join(lines) + "\n")
    result = run_pytest("-n", "2", "--ipfs-accel-db", "r.duckdb")
    assert result.parseoutcomes() == {"passed": 37, "failed": 3}, result.stdout.str()
    db = pytester.path / "r.duckdb"
    rows = query(db, "SELECT nodeid, outcome, worker_id, params, user_properties "
                     "FROM test_results")
    assert len(rows) == 40
    assert len({r[0] for r in rows}) == 40
    assert {r[2] for r in rows} == {"gw0", "gw1"}
    failed = sorted(json.loads(r[3])["i"] for r in rows if r[1] == "failed")
    assert failed == [5, 18, 31]
    assert all(json.loads(r[4]) == [["i", json.loads(r[3])["i"]]] for r in rows)
    [(workers,)] = query(db, "SELECT xdist_workers FROM runs")
    assert workers == 2


def test_hooks_add_fields_and_sections(pytester, run_pytest):
    (pytester.path / "conftest.py").write_text('''
def pytest_ipfs_accel_result_extra(item, reports):
    return {"owner": "team-a", "phases": [r.when for r in reports]}

def pytest_ipfs_accel_run_info(config):
    return {"build": "1234"}

def pytest_ipfs_accel_report_sections(report):
    return [("Custom section", f"{report.total} tests seen by a hook")]
''')
    (pytester.path / "test_one.py").write_text("def test_one():\n    pass\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "--ipfs-accel-report",
                        "out.md")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    db = pytester.path / "r.duckdb"
    [(extra,)] = query(db, "SELECT extra FROM test_results")
    assert json.loads(extra) == {"owner": "team-a", "phases": ["setup", "call", "teardown"]}
    [(run_extra,)] = query(db, "SELECT extra FROM runs")
    assert json.loads(run_extra) == {"build": "1234"}
    out = result.stdout.str()
    assert "Custom section:" in out and "1 tests seen by a hook" in out
    assert "## Custom section" in (pytester.path / "out.md").read_text()


@pytest.mark.parametrize("suffix", ["md", "html", "json"])
def test_report_file_formats(pytester, run_pytest, suffix):
    (pytester.path / "test_two.py").write_text("def test_ok():\n    pass\n"
                                               "def test_bad():\n    assert 0, 'broken <b>'\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb",
                        "--ipfs-accel-report", f"report.{suffix}")
    assert result.ret == 1
    text = (pytester.path / f"report.{suffix}").read_text()
    if suffix == "json":
        data = json.loads(text)
        assert data["counts"]["passed"] == 1 and data["counts"]["failed"] == 1
        assert data["failures"][0]["nodeid"] == "test_two.py::test_bad"
    elif suffix == "html":
        assert text.startswith("<!doctype html>")
        assert "broken &lt;b&gt;" in text and "broken <b>" not in text
    else:
        assert "| passed | 1 |" in text and "`test_two.py::test_bad`" in text


@pytest.mark.parametrize(("text", "facts"), [
    ("# branch.oid abc123\n# branch.head main\n# branch.upstream origin/main\n"
     "# branch.ab +0 -0\n", ("abc123", "main", False)),
    ("# branch.oid abc123\n# branch.head (detached)\n1 .M N... 100644 100644 100644 a b x.py\n",
     ("abc123", None, True)),
    ("# branch.oid (initial)\n# branch.head main\n", (None, None, None)),
    ("", (None, None, None)),
])
def test_parse_git_status(text, facts):
    from pytest_ipfs_accelerate.capture.runinfo import parse_git_status

    got = parse_git_status(text)
    assert (got["git_commit"], got["git_branch"], got["git_dirty"]) == facts


def test_git_facts_of_a_real_checkout(tmp_path):
    from pytest_ipfs_accelerate.capture.runinfo import git_facts

    assert git_facts(tmp_path) == {"git_commit": None, "git_branch": None, "git_dirty": None}
    _git_repo(tmp_path)
    (tmp_path / "a.txt").write_text("a")
    subprocess.run(["git", "add", "a.txt"], cwd=tmp_path, check=True)
    facts = git_facts(tmp_path)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert facts == {"git_commit": head, "git_branch": "main", "git_dirty": True}


def test_platform_string_matches_the_standard_library():
    import platform

    from pytest_ipfs_accelerate.capture.runinfo import platform_string

    assert platform_string() == platform.platform()
