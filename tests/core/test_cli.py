"""``ipfs-accel runs|report|query|config`` against a real results DB."""

from __future__ import annotations

import json

import pytest

from pytest_ipfs_accelerate.cli import main
from tests.conftest import run_pytest_in


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli")
    (path / "test_x.py").write_text("def test_ok():\n    pass\ndef test_bad():\n    assert 0\n")
    run_pytest_in(path, "--ipfs-accel-db", "r.duckdb")
    run_pytest_in(path, "--ipfs-accel-db", "r.duckdb", "-k", "ok")
    return path / "r.duckdb"


def test_runs_lists_newest_first(db, capsys):
    assert main(["runs", str(db), "--format", "json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [(r["tests"], r["failed"]) for r in runs] == [(1, 0), (2, 1)]


def test_runs_fits_100_columns_unless_wide(tmp_path, capsys):
    from pytest_ipfs_accelerate.testing.synthetic import add_run, new_db

    path = tmp_path / "wide.duckdb"
    con = new_db(path)
    try:
        for day in range(3):
            add_run(con, day=day, tests=1234, fail_every=10, tox_env="py311-cuda-long-env-name",
                    branch="feature/a-very-long-branch-name-for-the-runs-table",
                    host="build-agent-0042.ci.example.internal")
    finally:
        con.close()
    assert main(["runs", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and max(map(len, lines)) <= 100, lines
    assert lines[0].split() == ["run", "started", "exit", "tests", "passed", "failed", "errors",
                                "skipped", "xfailed", "branch"]
    assert "feature/a-very" in lines[2] and lines[2].endswith("…")
    assert main(["runs", str(path), "--wide"]) == 0
    wide = capsys.readouterr().out.splitlines()
    assert "build-agent-0042.ci.example.internal" in wide[2] and "tox_env" in wide[0]
    assert main(["runs", str(path), "--format", "json"]) == 0  # machine formats: every column
    assert "py311-cuda-long-env-name" in capsys.readouterr().out


def test_report_latest_and_by_prefix(db, capsys, tmp_path):
    assert main(["runs", str(db), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    older = lines[2].split(",")[0]
    assert main(["report", str(db), "--run", older[:8], "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["failed"] == 1 and data["run"]["run_id"] == older
    out = tmp_path / "r.html"
    assert main(["report", str(db), "-o", str(out)]) == 0
    assert out.read_text().startswith("<!doctype html>")


def test_query_formats(db, capsys):
    sql = "SELECT outcome, count(*) AS n FROM test_results GROUP BY 1 ORDER BY 1"
    assert main(["query", str(db), sql]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["outcome", "n"] and "(2 rows)" in table
    assert main(["query", str(db), sql, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["outcome,n", "failed,1", "passed,2"]


def test_query_is_read_only(db, capsys):
    assert main(["query", str(db), "DELETE FROM runs"]) == 2
    assert "read-only" in capsys.readouterr().err
    assert main(["query", str(db), "SELECT count(*) AS n FROM runs", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 2}]


@pytest.mark.parametrize("argv, message", [
    (["runs", "/nonexistent/r.duckdb"], "no such results DB"),
    (["report", "{db}", "--run", "zzzz"], "no run with id 'zzzz'"),
    (["query", "{db}", "SELEC 1"], "query failed"),
    (["report", "{db}", "-o", "x.pdf"], "unknown suffix"),
])
def test_errors_are_one_line(db, capsys, argv, message):
    argv = [a.replace("{db}", str(db)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("ipfs-accel: error:")


def test_not_a_results_db(tmp_path, capsys):
    bogus = tmp_path / "x.duckdb"
    bogus.write_text("hello")
    assert main(["runs", str(bogus)]) == 2
    assert "not a DuckDB database file" in capsys.readouterr().err


def test_config_show_redacts(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ipfs_accelerate.toml").write_text('[endpoints.a]\napi_key = "topsecret"\n')
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "topsecret" not in out and 'api_key = "***"' in out
    assert main(["config", "validate"]) == 0


def test_each_command_group_registers_the_commands_it_declares():
    """A command line loads only its own group (``cli.group_of``): the declaration must
    name every command the group registers, or that command would be unknown."""
    import argparse

    from pytest_ipfs_accelerate import cli

    for group, commands in cli.COMMAND_GROUPS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        __import__(f"pytest_ipfs_accelerate.cli.{group}", fromlist=["register"]).register(sub)
        assert tuple(sub.choices) == commands or (group == "bench" and not sub.choices)
