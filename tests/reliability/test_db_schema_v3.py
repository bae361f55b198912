"""Schema version 3 adds ``dropped_rows``; DBs written by versions 1 and 2 (the committed
fixtures) upgrade in place, their rows intact, and merge into a new DB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.db.merge import merge_databases
from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION
from pytest_ipfs_accelerate.db.tables import DROPPED_ROWS, TABLES
from tests.conftest import query

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _columns(db: Path, table: str) -> tuple[str, ...]:
    return tuple(r[0] for r in query(db, "SELECT column_name FROM information_schema.columns "
                                     "WHERE table_name = ? ORDER BY ordinal_position", [table]))


@pytest.mark.parametrize("version", [1, 2])
def test_older_db_upgrades_in_place_to_v3(tmp_path, version):
    db = tmp_path / "old.duckdb"
    shutil.copy(FIXTURES / f"schema_v{version}.duckdb", db)
    old_tables = [t.name for t in TABLES if t.since <= version]
    # the columns each table had before: a later version may add columns at the end
    cols = {t: ", ".join(r[0] for r in query(
        db, "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [t])) for t in old_tables}
    before = {t: query(db, f"SELECT {cols[t]} FROM {t} ORDER BY ALL") for t in old_tables}
    assert query(db, "SELECT value FROM schema_meta WHERE key = 'schema_version'") == \
        [(str(version),)]
    open_database(db).close()
    assert SCHEMA_VERSION == 3
    assert query(db, "SELECT value FROM schema_meta WHERE key = 'schema_version'") == [("3",)]
    for table in old_tables:
        if table != "schema_meta":
            assert query(db, f"SELECT {cols[table]} FROM {table} ORDER BY ALL") == before[table], table
    assert _columns(db, DROPPED_ROWS.name) == DROPPED_ROWS.columns
    assert query(db, "SELECT count(*) FROM dropped_rows") == [(0,)]


def test_v1_and_v2_inputs_merge_into_a_new_db(tmp_path):
    inputs = [FIXTURES / "schema_v1.duckdb", FIXTURES / "schema_v2.duckdb"]
    digests = [p.read_bytes() for p in inputs]
    result = merge_databases(tmp_path / "out.duckdb", inputs)
    assert result.runs_added == len(query(inputs[0], "SELECT run_id FROM runs")) + \
        len(query(inputs[1], "SELECT run_id FROM runs"))
    assert [p.read_bytes() for p in inputs] == digests  # inputs upgraded on copies only
    assert query(tmp_path / "out.duckdb", "SELECT count(*) FROM benchmark_results") == [(2,)]
