"""Many machines: merge (idempotent, dedup by run_id, schema-aware) and Parquet export."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.cli.database import register
from pytest_ipfs_accelerate.db.export import export_parquet
from pytest_ipfs_accelerate.db.merge import merge_databases
from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION
from pytest_ipfs_accelerate.errors import SchemaVersionError
from tests.conftest import query, run_pytest_in

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"
SUITE = ("import pytest\n@pytest.mark.parametrize('i', range(5))\n"
         "def test_x(i):\n    assert i != 3\n")


@pytest.fixture(scope="module")
def machines(tmp_path_factory):
    """Two 'machines' (separate DB files), one of them with two runs."""
    root = tmp_path_factory.mktemp("machines")
    (root / "test_m.py").write_text(SUITE)
    for name, runs in (("a", 2), ("b", 1)):
        for _ in range(runs):
            run_pytest_in(root, "--ipfs-accel-db", f"{name}.duckdb", "--ipfs-accel-tag",
                          f"machine={name}")
    return root


def _counts(db):
    return (query(db, "SELECT count(*) FROM runs")[0][0],
            query(db, "SELECT count(*) FROM test_results")[0][0],
            query(db, "SELECT count(*) FROM run_tags")[0][0],
            query(db, "SELECT count(*) FROM hardware")[0][0])


def test_merge_is_idempotent_and_dedups_by_run_id(machines, tmp_path):
    out = tmp_path / "all.duckdb"
    first = merge_databases(out, [machines / "a.duckdb", machines / "b.duckdb"])
    assert (first.runs_added, first.runs_skipped) == (3, 0)
    runs, results, tags, hw = _counts(out)
    assert (runs, results, tags) == (3, 15, 3) and hw >= 3
    # Same inputs again, in another order, and an input listed twice: nothing new.
    again = merge_databases(out, [machines / "b.duckdb", machines / "a.duckdb",
                                  machines / "a.duckdb"])
    assert (again.runs_added, again.runs_skipped) == (0, 5)
    assert _counts(out) == (runs, results, tags, hw)
    # The merged DB is a normal results DB: views work across machines.
    assert query(out, "SELECT sum(failed) FROM run_summary") == [(3,)]


def test_merge_of_a_v1_input_upgrades_a_copy_not_the_input(tmp_path, machines):
    v1 = tmp_path / "v1.duckdb"
    shutil.copy(FIXTURES / "schema_v1.duckdb", v1)
    before = v1.read_bytes()
    out = tmp_path / "out.duckdb"
    shutil.copy(machines / "b.duckdb", out)
    result = merge_databases(out, [v1])
    assert result.runs_added == 2
    assert v1.read_bytes() == before  # inputs are never changed
    assert query(out, "SELECT count(*) FROM test_results WHERE run_id IN "
                      "(SELECT run_id FROM runs WHERE schema_version = 1)") == [(9,)]
    assert query(out, "SELECT value FROM schema_meta WHERE key = 'schema_version'") == \
        [(str(SCHEMA_VERSION),)]


def test_merge_refuses_an_input_from_a_newer_schema(tmp_path, machines, capsys):
    newer = tmp_path / "newer.duckdb"
    shutil.copy(machines / "b.duckdb", newer)
    con = duckdb.connect(str(newer))
    con.execute("UPDATE schema_meta SET value = ? WHERE key = 'schema_version'",
                [str(SCHEMA_VERSION + 1)])
    con.close()
    out = tmp_path / "out.duckdb"
    with pytest.raises(SchemaVersionError, match=r"merge input .*newer\.duckdb.*upgrade"):
        merge_databases(out, [newer])
    assert main(["merge", str(out), str(newer)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ipfs-accel: error: merge input") and "Traceback" not in err


def test_merge_rejects_bad_inputs_with_one_line(tmp_path, machines):
    from pytest_ipfs_accelerate.errors import DatabaseError

    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"junk" * 1000)
    with pytest.raises(DatabaseError, match="not a DuckDB database"):
        merge_databases(tmp_path / "o.duckdb", [junk])
    with pytest.raises(DatabaseError, match="no such results DB"):
        merge_databases(tmp_path / "o.duckdb", [tmp_path / "missing.duckdb"])
    with pytest.raises(DatabaseError, match="merge output itself"):
        merge_databases(machines / "a.duckdb", [machines / "a.duckdb"])


def test_export_parquet_partitions_and_queries_across_machines(machines, tmp_path):
    out = tmp_path / "pq"
    counts_a = export_parquet(machines / "a.duckdb", out)
    counts_b = export_parquet(machines / "b.duckdb", out)
    assert counts_a["test_results"] == 10 and counts_b["test_results"] == 5
    export_parquet(machines / "a.duckdb", out)  # again: replaces its own files
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet"))
    assert any(f.startswith("test_results/host=") and "/hardware_fingerprint=" in f
               and "/run_date=" in f for f in files)
    assert {f.rsplit("/", 1)[1].split("_")[0] for f in files} == {"a", "b"}
    con = duckdb.connect()
    rows = con.execute(f"""
        SELECT t.value AS machine, count(*) AS tests,
               count(*) FILTER (WHERE r.outcome = 'failed') AS failed
        FROM read_parquet('{out}/test_results/**/*.parquet', hive_partitioning = true) r
        JOIN read_parquet('{out}/run_tags/**/*.parquet', hive_partitioning = true) t
          USING (run_id)
        GROUP BY ALL ORDER BY machine""").fetchall()
    assert rows == [("a", 10, 2), ("b", 5, 1)]
    [(runs, hosts)] = con.execute(
        f"SELECT count(*), count(DISTINCT host) FROM read_parquet("
        f"'{out}/runs/**/*.parquet', hive_partitioning = true)").fetchall()
    assert (runs, hosts) == (3, 1)


def test_cli_export_and_merge(machines, tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser(prog="ipfs-accel")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["merge", str(tmp_path / "m.duckdb"), str(machines / "a.duckdb")])
    assert args.func(args) == 0
    assert "2 runs added, 0 already there" in capsys.readouterr().out
    args = parser.parse_args(["export", str(tmp_path / "m.duckdb"), "--parquet",
                              str(tmp_path / "pq")])
    assert args.func(args) == 0
    assert "test_results: 10 rows" in capsys.readouterr().out
