"""Bad input gets one clear line (a usage error or CLI message), no traceback, no lost data."""

from __future__ import annotations

import pytest

from tests.conftest import query

# Leaves a file behind when it runs: a refused DB must stop the run before any test.
ONE_TEST = "import pathlib\n\ndef test_one():\n    pathlib.Path('ran').touch()\n"


def _usage_error(result) -> str:
    err = result.stderr.str()
    assert result.ret == 4, result.stdout.str() + err
    assert "Traceback" not in err, err
    return err


@pytest.fixture
def suite(pytester):
    (pytester.path / "test_one.py").write_text(ONE_TEST)
    return pytester.path


def test_db_in_missing_directory(suite, run_pytest):
    err = _usage_error(run_pytest("--ipfs-accel-db", "no/such/dir/r.duckdb"))
    assert "directory no/such/dir does not exist" in err
    assert "mkdir -p" in err


def test_db_path_unwritable(suite, run_pytest):
    (suite / "file").write_text("x")
    err = _usage_error(run_pytest("--ipfs-accel-db", "/proc/r.duckdb"))
    assert "/proc/r.duckdb" in err


def test_db_path_is_a_directory(suite, run_pytest):
    (suite / "adir").mkdir()
    err = _usage_error(run_pytest("--ipfs-accel-db", "adir"))
    assert "is a directory" in err


def test_not_a_duckdb_file_is_left_unchanged(suite, run_pytest):
    bogus = suite / "r.duckdb"
    bogus.write_bytes(b"this is my thesis, not a database\n" * 100)
    before = bogus.read_bytes()
    err = _usage_error(run_pytest("--ipfs-accel-db", "r.duckdb"))
    assert "not a DuckDB database file" in err and "left unchanged" in err
    assert bogus.read_bytes() == before
    assert not (suite / "ran").exists()


def test_foreign_duckdb_file_is_left_unchanged(suite, run_pytest):
    import duckdb

    con = duckdb.connect(str(suite / "r.duckdb"))
    con.execute("CREATE TABLE sales (id INTEGER)")
    con.close()
    err = _usage_error(run_pytest("--ipfs-accel-db", "r.duckdb"))
    assert "not a pytest-ipfs-accelerate results DB" in err and "sales" in err
    assert query(suite / "r.duckdb", "SELECT count(*) FROM information_schema.tables") == [(1,)]


def test_newer_schema_is_refused(suite, run_pytest):
    import duckdb

    assert run_pytest("--ipfs-accel-db", "r.duckdb").ret == 0
    con = duckdb.connect(str(suite / "r.duckdb"))
    con.execute("UPDATE schema_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    err = _usage_error(run_pytest("--ipfs-accel-db", "r.duckdb"))
    assert "schema version 99" in err and "upgrade the package" in err
    assert query(suite / "r.duckdb", "SELECT count(*) FROM runs") == [(1,)]


@pytest.mark.parametrize("tag", ["novalue", "=v", "bad key=v"])
def test_bad_tag(suite, run_pytest, tag):
    err = _usage_error(run_pytest("--ipfs-accel-db", "r.duckdb", "--ipfs-accel-tag", tag))
    assert "--ipfs-accel-tag" in err and repr(tag) in err
    assert not (suite / "r.duckdb").exists()


def test_malformed_toml_reports_the_line(suite, run_pytest):
    (suite / "ipfs_accelerate.toml").write_text("[db]\nflush_rows = 10\nslowest = = 3\n")
    err = _usage_error(run_pytest())
    assert "ipfs_accelerate.toml: invalid TOML" in err and "line 3" in err


def test_unknown_key_did_you_mean(suite, run_pytest):
    (suite / "ipfs_accelerate.toml").write_text("[db]\nflush_row = 10\n")
    err = _usage_error(run_pytest())
    assert "unknown key 'db.flush_row'" in err and "did you mean 'flush_rows'?" in err


def test_wrong_type_names_key_type_and_value(suite, run_pytest):
    (suite / "pyproject.toml").write_text("[tool.ipfs_accelerate.db]\nflush_rows = \"many\"\n")
    err = _usage_error(run_pytest())
    assert "pyproject.toml" in err
    assert "key 'db.flush_rows': expected integer, found string 'many'" in err


def test_report_with_unknown_suffix(suite, run_pytest):
    err = _usage_error(run_pytest("--ipfs-accel-db", "r.duckdb",
                                  "--ipfs-accel-report", "out.pdf"))
    assert "unknown suffix '.pdf'" in err


def test_report_without_db(suite, run_pytest):
    err = _usage_error(run_pytest("--ipfs-accel-report", "out.md"))
    assert "needs a results DB" in err
