"""Each table is declared once (db/tables.py): a new DB and every upgraded older DB end with
the same tables, columns, types, order and constraints."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.db.tables import TABLE_COLUMNS, Table

FIXTURES = Path(__file__).parent.parent / "fixtures"


def catalog(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT table_name, column_index, column_name, data_type, is_nullable, "
            "column_default FROM duckdb_columns() WHERE schema_name = 'main' "
            "ORDER BY table_name, column_index").fetchall() + con.execute(
            "SELECT table_name, constraint_type, constraint_column_names "
            "FROM duckdb_constraints() WHERE schema_name = 'main' ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("fixture", ["schema_v1.duckdb", "schema_v2.duckdb"])
def test_an_upgraded_db_has_exactly_a_new_dbs_schema(tmp_path: Path, fixture: str) -> None:
    new, old = tmp_path / "new.duckdb", tmp_path / fixture
    open_database(new).close()
    shutil.copy(FIXTURES / fixture, old)
    open_database(old).close()
    assert catalog(old) == catalog(new)


def test_a_new_db_has_the_declared_columns_in_order(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    open_database(db).close()
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table, columns in TABLE_COLUMNS.items():
            got = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "ORDER BY column_index", [table]).fetchall()]
            assert tuple(got) == columns, table
    finally:
        con.close()


def test_a_later_column_must_come_after_the_older_ones():
    with pytest.raises(ValueError, match="must come after"):
        Table("t", "a INTEGER\nb INTEGER since 3\nc INTEGER\n", since=1)
    with pytest.raises(ValueError, match="must come after"):
        Table("t", "a INTEGER\nb INTEGER since 2\n", since=2)
    table = Table("t", "a INTEGER\nb VARCHAR since 3\n", since=1)
    assert table.ddl(2) == "CREATE TABLE t (\n    a INTEGER\n)"
    assert table.added_in(3) == ["ALTER TABLE t ADD COLUMN b VARCHAR"]
    assert table.row(a=1) == (1, None)
