"""Security: loopback-only servers, filters that reach SQL only as parameters, secrets
kept out of the DB, reports and logs. (Request size limits, ``get`` confinement and
label-only sweeps have their own tests; docs/reliability.md lists them.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.errors import IpfsAccelError
from tests.conftest import query, run_pytest_in

EVIL = [
    "x' OR '1'='1",
    "'; DROP TABLE runs; --",
    "%' UNION SELECT run_id FROM runs --",
    "\" OR 1=1 --",
    "0; DELETE FROM test_results",
]
SECRET = "TOPSECRET-k3y-9f8e7d"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sec")
    (path / "test_s.py").write_text("def test_ok():\n    pass\ndef test_bad():\n    assert 0\n")
    run_pytest_in(path, "--ipfs-accel-db", "r.duckdb")
    run_pytest_in(path, "--ipfs-accel-db", "r.duckdb")
    return path / "r.duckdb"


def _snapshot(db: Path) -> list[tuple[object, ...]]:
    return query(db, "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM test_results),"
                     " (SELECT count(*) FROM information_schema.tables)")


def test_rpc_server_binds_loopback_by_default():
    from pytest_ipfs_accelerate.ipfs import SimulatedNode
    from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

    server = KuboRpcServer(SimulatedNode())
    try:
        assert server.host == "127.0.0.1"
    finally:
        server._httpd.server_close()
    with pytest.raises(IpfsAccelError, match="refusing to bind"):
        KuboRpcServer(SimulatedNode(), host="0.0.0.0")


def test_dashboard_binds_loopback_by_default(db):
    dashboard = pytest.importorskip("pytest_ipfs_accelerate.report.dashboard")
    server = dashboard.DashboardServer(db)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
    for host in ("0.0.0.0", "::", "192.0.2.1"):
        with pytest.raises(IpfsAccelError, match="not loopback"):
            dashboard.DashboardServer(db, host=host)


@pytest.mark.parametrize("evil", EVIL)
def test_cli_filters_reach_sql_only_as_parameters(db, evil, capsys):
    before = _snapshot(db)
    runs_json = json.loads((main(["runs", str(db), "--format", "json"]), capsys.readouterr())[1]
                           .out)
    assert len(runs_json) == 2
    # A malicious run id matches no run: a clean error, not every run, not a changed DB.
    assert main(["report", str(db), "--run", evil, "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ipfs-accel: error:") and "Traceback" not in err
    commands = [["compare", str(db), "--baseline", evil, "--no-store"],
                ["compare", str(db), "--candidate", evil, "--no-store"],
                ["trend", str(db), "--benchmark", evil, "--format", "json"],
                ["trend", str(db), "--hardware", evil, "--format", "json"]]
    for argv in commands:
        try:
            code = main(argv)
        except SystemExit as exc:  # a subcommand this build does not have
            code = exc.code
        out = capsys.readouterr()
        assert code in (0, 1, 2), argv
        assert "Traceback" not in out.err and "Parser Error" not in out.err
        assert "syntax error" not in (out.out + out.err).lower(), argv
    assert _snapshot(db) == before


@pytest.mark.parametrize("evil", EVIL)
def test_report_model_rejects_a_malicious_run_id(db, evil):
    from pytest_ipfs_accelerate.cli.arguments import open_read_only
    from pytest_ipfs_accelerate.report.build import build_run_report

    con = open_read_only(str(db))
    try:
        with pytest.raises(IpfsAccelError):
            build_run_report(con, evil)
    finally:
        con.close()


def test_api_key_never_reaches_db_report_or_logs(pytester, run_pytest, capsys):
    (pytester.path / "ipfs_accelerate.toml").write_text(
        '[general]\ndebug = true\nlog_level = "DEBUG"\n'
        f'[endpoints]\ndefault = "remote"\n[endpoints.remote]\nhost = "127.0.0.1"\n'
        f'api_key = "{SECRET}"\n')
    (pytester.path / "test_s.py").write_text(
        "import logging\n"
        "def test_logs():\n    logging.getLogger('pytest_ipfs_accelerate').info('hello')\n"
        "def test_fails():\n    assert 0\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "--ipfs-accel-report",
                        "report.json", "-rA", "--log-level=DEBUG",
                        env={"IPFS_ACCEL_GENERAL_DEBUG": "1"})
    capsys.readouterr()  # drop pytester's echo of the run: only `config show` is read below
    assert result.ret == 1, result.stdout.str()[-2000:]
    assert SECRET not in result.stdout.str() + result.stderr.str()
    assert SECRET not in (pytester.path / "report.json").read_text()
    db = pytester.path / "r.duckdb"
    tables = [r[0] for r in query(db, "SELECT table_name FROM information_schema.tables "
                                      "WHERE table_type = 'BASE TABLE'")]
    for table in tables:
        for row in query(db, f'SELECT * FROM "{table}"'):
            assert SECRET not in repr(row), table
    assert main(["config", "show", "--config", str(pytester.path / "ipfs_accelerate.toml")]) == 0
    shown = capsys.readouterr().out
    assert SECRET not in shown and 'api_key = "***"' in shown
