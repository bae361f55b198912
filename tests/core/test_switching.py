"""How capture is switched on, and that it costs nothing (no heavy imports) while off."""

from __future__ import annotations

import os

import pytest

from tests.conftest import query

HEAVY = ("duckdb", "torch", "docker", "ipfshttpclient")

PROBE = f"""
import sys
def test_no_heavy_imports(request):
    assert request.config.pluginmanager.has_plugin("ipfs_accelerate")
    loaded = [m for m in {HEAVY!r} if m in sys.modules]
    assert loaded == []
"""


def test_off_imports_nothing_heavy(pytester, run_pytest):
    (pytester.path / "test_probe.py").write_text(PROBE)
    result = run_pytest()
    assert result.parseoutcomes() == {"passed": 1}, result.stdout.str()
    assert "ipfs-accelerate results" not in result.stdout.str()


def test_off_still_registers_options_and_fixtures(pytester, run_pytest):
    result = run_pytest("--help")
    assert "--ipfs-accel-db=PATH" in result.stdout.str()
    assert "--ipfs-accel-tag=KEY=VALUE" in result.stdout.str()


@pytest.mark.parametrize("how", ["option", "ini", "env", "config"])
def test_switched_on_each_way(pytester, run_pytest, how):
    (pytester.path / "test_one.py").write_text("def test_one():\n    pass\n")
    args: list[str] = []
    env: dict[str, str] = {}
    if how == "option":
        args = ["--ipfs-accel-db", "r.duckdb"]
    elif how == "ini":
        (pytester.path / "pytest.ini").write_text("[pytest]\nipfs_accel_db = r.duckdb\n")
    elif how == "env":
        env = {"IPFS_ACCEL_DB": str(pytester.path / "r.duckdb")}
    else:
        (pytester.path / "ipfs_accelerate.toml").write_text('[db]\npath = "r.duckdb"\n')
    result = run_pytest(*args, env=env)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert query(pytester.path / "r.duckdb", "SELECT nodeid, outcome FROM test_results") == [
        ("test_one.py::test_one", "passed")]


def test_option_beats_env(pytester, run_pytest):
    (pytester.path / "test_one.py").write_text("def test_one():\n    pass\n")
    result = run_pytest("--ipfs-accel-db", "cli.duckdb",
                        env={"IPFS_ACCEL_DB": str(pytester.path / "env.duckdb")})
    assert result.ret == 0
    assert (pytester.path / "cli.duckdb").exists() and not (pytester.path / "env.duckdb").exists()


BLOCK_DUCKDB = """
import importlib.abc, sys

class _NoDuckDB(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "duckdb" or name.startswith("duckdb."):
            raise ModuleNotFoundError("No module named 'duckdb'", name=name)
        return None

sys.meta_path.insert(0, _NoDuckDB())
"""


def test_db_without_duckdb_is_a_usage_error(pytester, run_pytest):
    site = pytester.path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_DUCKDB)
    (pytester.path / "test_one.py").write_text("def test_one():\n    pass\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb",
                        env={"PYTHONPATH": os.pathsep.join([str(site),
                                                            os.environ.get("PYTHONPATH", "")])})
    assert result.ret == 4, result.stdout.str() + result.stderr.str()
    assert "the duckdb package is not installed" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()
    assert not (pytester.path / "r.duckdb").exists()


LOADED_AT_EXIT = """
import json, sys
import pytest
@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    names = ("duckdb", "_duckdb", "pytest_ipfs_accelerate.analysis")
    with open("loaded.json", "w") as f:
        json.dump([m for m in names if m in sys.modules], f)
"""


def test_capture_loads_only_what_it_uses(pytester, run_pytest):
    """A capture run needs DuckDB's engine, not the ``duckdb`` package's Python relation
    layer (~120 ms to import), nor the analysis package when no benchmark ran."""
    pytest.importorskip("_duckdb")  # duckdb >= 1.4; older ones are one module
    (pytester.path / "conftest.py").write_text(LOADED_AT_EXIT)
    (pytester.path / "test_one.py").write_text("def test_one():\n    pass\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert "outcomes: 1 passed" in result.stdout.str()
    assert (pytester.path / "loaded.json").read_text() == '["_duckdb"]'


def test_connections_for_users_have_the_duckdb_package_api(tmp_path):
    """Only the writer's own connection uses the bare engine: one from ``open_database``
    has the methods the ``duckdb`` package adds (``sql`` ...), even in a fresh process."""
    import subprocess
    import sys

    code = ("import sys; from pytest_ipfs_accelerate.db.connect import open_database; "
            f"con = open_database({str(tmp_path / 'r.duckdb')!r}); "
            "print(con.sql('SELECT 41 + 1').fetchall())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[(42,)]"
