"""A DB written by schema v1 upgrades in place to v2, its rows intact."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION
from pytest_ipfs_accelerate.db.tables import TABLE_COLUMNS
from tests.conftest import query

V1 = Path(__file__).parent.parent / "fixtures" / "schema_v1.duckdb"
V1_TABLES = ("runs", "run_tags", "test_results", "operations", "hardware")
V2_TABLES = ("benchmark_results", "benchmark_samples", "metrics", "regressions")


def test_v1_db_upgrades_in_place(tmp_path: Path) -> None:
    db = tmp_path / "v1.duckdb"
    shutil.copy(V1, db)
    # the columns each table had before: a later version may add columns at the end
    cols = {t: ", ".join(r[0] for r in query(
        db, "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [t])) for t in V1_TABLES}
    before = {t: query(db, f"SELECT {cols[t]} FROM {t} ORDER BY ALL") for t in V1_TABLES}
    assert query(db, "SELECT value FROM schema_meta WHERE key = 'schema_version'") == [("1",)]
    con = open_database(db)
    con.close()
    assert query(db, "SELECT value FROM schema_meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)]
    for table in V1_TABLES:
        assert query(db, f"SELECT {cols[table]} FROM {table} ORDER BY ALL") == before[table], table
    for table in V2_TABLES:
        cols = [r[0] for r in query(db, "SELECT column_name FROM information_schema.columns "
                                    "WHERE table_name = ? ORDER BY ordinal_position", [table])]
        assert tuple(cols) == TABLE_COLUMNS[table]
    assert query(db, "SELECT count(*) FROM benchmark_history") == [(0,)]
    con = open_database(db)  # a second open is a no-op
    con.close()
