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


# -- a refused DB is said once, before collection (or, where the DB must be opened to
# -- know, as soon as it is known: collection stops there) -------------------------------
#: A module whose collection leaves a file behind.
COLLECTED = "import pathlib\npathlib.Path('collected').touch()\n\ndef test_c():\n    pass\n"


def _refused_once(result, message: str) -> str:
    err = _usage_error(result)
    out = result.stdout.str() + err
    assert out.count(message) == 1, out
    return out


def _make_unwritable(suite) -> str:
    return "/proc/r.duckdb"


def _make_directory(suite) -> str:
    (suite / "adir").mkdir()
    return "adir"


def _make_not_duckdb(suite) -> str:
    (suite / "thesis.duckdb").write_bytes(b"my thesis, not a database\n" * 100)
    return "thesis.duckdb"


@pytest.mark.parametrize("dist", [(), ("-n", "2")], ids=["in-process", "xdist"])
@pytest.mark.parametrize(("make", "message"), [
    (lambda suite: "no/such/dir/r.duckdb", "directory no/such/dir does not exist"),
    (_make_unwritable, "/proc is not writable"),
    (_make_directory, "adir: is a directory"),
    (_make_not_duckdb, "thesis.duckdb: not a DuckDB database file"),
], ids=["missing-dir", "unwritable-dir", "directory", "not-duckdb"])
def test_a_bad_db_path_is_refused_once_before_collection(suite, run_pytest, make, message,
                                                         dist):
    (suite / "test_collected.py").write_text(COLLECTED)
    out = _refused_once(run_pytest("--ipfs-accel-db", make(suite), *dist), message)
    assert not (suite / "collected").exists()  # refused before collection
    assert "collected" not in out and "workers" not in out  # nor any xdist worker started
    assert not (suite / "ran").exists()


# Collected slowly: it waits for the DB's start-up (a thread of the plugin) to end first.
SLOW_TO_COLLECT = """
import threading, time
deadline = time.monotonic() + 60
while any(t.name == "ipfs-accel-start" for t in threading.enumerate()):
    assert time.monotonic() < deadline
    time.sleep(0.01)

def test_slow():
    pass
"""


def test_a_db_refused_once_opened_stops_collection_there(suite, run_pytest):
    """A newer schema is known only once the DB is open, which overlaps collection: the
    refusal comes as soon as it is known (here: after the first module), said once."""
    import duckdb

    assert run_pytest("--ipfs-accel-db", "r.duckdb").ret == 0
    con = duckdb.connect(str(suite / "r.duckdb"))
    con.execute("UPDATE schema_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    (suite / "ran").unlink()
    (suite / "test_a_slow.py").write_text(SLOW_TO_COLLECT)
    (suite / "test_z_collected.py").write_text(COLLECTED)
    _refused_once(run_pytest("--ipfs-accel-db", "r.duckdb", "-p", "no:randomly"),
                  "schema version 99")
    assert not (suite / "collected").exists()
    assert not (suite / "ran").exists()


def test_the_early_checks_do_not_open_the_db(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from pytest_ipfs_accelerate.db.connect import check_db_path; "
            f"check_db_path({str(tmp_path / 'r.duckdb')!r}); "
            "print(sorted(m for m in sys.modules if 'duckdb' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
