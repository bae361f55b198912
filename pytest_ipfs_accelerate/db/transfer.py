"""Copying the rows of one results DB into another, in one transaction.

The source is attached read-only as ``merge_src`` (upgraded first, on a temporary copy,
when an older schema wrote it; an input is never changed; a newer schema is refused).
Every table that has a ``run_id`` column follows its run; a table without one gains the
rows it does not already hold (whole-row comparison). Tables are found in the DBs, not
listed here. ``db.merge`` (many DBs into one) and ``db.spools`` (a session's leftover rows
back into its DB) are built on this.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_ipfs_accelerate.db.connect import check_schema, open_database
from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION
from pytest_ipfs_accelerate.db.transaction import transaction
from pytest_ipfs_accelerate.errors import DatabaseError, SchemaVersionError

if TYPE_CHECKING:
    import duckdb

_ALIAS = "merge_src"


def merge_attached(con: duckdb.DuckDBPyConnection, *, fold: bool,
                   marker: str | None = None) -> tuple[int, int, dict[str, int]]:
    """Copy the attached ``merge_src`` DB into ``main`` in one transaction.

    Returns (runs added, runs skipped, rows added per table). With ``fold``, the
    source's runs replace the main DB's (spool semantics) instead of being skipped.
    """
    with transaction(con):
        if marker is not None and _has_marker(con, marker):
            return 0, 0, {}
        con.execute("CREATE OR REPLACE TEMP TABLE merge_new_runs AS "
                    f"SELECT run_id FROM {_ALIAS}.runs" + ("" if fold else
                    " WHERE run_id NOT IN (SELECT run_id FROM main.runs)"))
        [(new_runs,)] = con.execute("SELECT count(*) FROM merge_new_runs").fetchall()
        [(all_runs,)] = con.execute(f"SELECT count(*) FROM {_ALIAS}.runs").fetchall()
        rows: dict[str, int] = {}
        main = _main_catalog(con)
        for table in _tables(con, main):
            if table == "schema_meta" or table not in _tables(con, _ALIAS):
                continue
            cols = _common_columns(con, main, table)
            if not cols:
                continue
            names = ", ".join(f'"{c}"' for c in cols)
            before = _count(con, table)
            if table == "runs":
                verb = "INSERT OR REPLACE" if fold else "INSERT"
                con.execute(f"{verb} INTO main.runs ({names}) SELECT {names} FROM "
                            f"{_ALIAS}.runs WHERE run_id IN (SELECT run_id FROM merge_new_runs)")
                rows[table] = new_runs
                continue
            if fold and "run_id" in cols:  # a spool holds only rows never written
                con.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM '
                            f'{_ALIAS}."{table}"')
            elif "run_id" in cols:
                con.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM '
                            f'{_ALIAS}."{table}" WHERE run_id IN '
                            "(SELECT run_id FROM merge_new_runs)")
            else:
                con.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM '
                            f'{_ALIAS}."{table}" EXCEPT ALL SELECT {names} FROM main."{table}"')
            rows[table] = _count(con, table) - before
        if marker is not None:
            con.execute("INSERT INTO main.schema_meta VALUES (?, ?)",
                        [marker, "folded"])
        con.execute("DROP TABLE merge_new_runs")
    return new_runs, all_runs - new_runs, rows


@contextlib.contextmanager
def attached_source(con: duckdb.DuckDBPyConnection, src: Path) -> Iterator[None]:
    """Attach ``src`` read-only as ``merge_src``, upgraded on a temporary copy if older."""
    with _current_schema_copy(src) as path:
        quoted = str(path).replace("'", "''")
        try:
            con.execute(f"ATTACH '{quoted}' AS {_ALIAS} (READ_ONLY)")
        except Exception as exc:
            raise DatabaseError(f"{src}: cannot read it for merging "
                                f"({str(exc).strip().splitlines()[0]})") from None
        try:
            yield
        finally:
            con.execute(f"DETACH {_ALIAS}")


def check_source(src: Path) -> int:
    """The schema version of the merge input ``src``; a file that is not a results DB, is
    damaged or has a newer schema is refused (``DatabaseError``)."""
    try:
        reader = open_database(src, read_only=True)
    except SchemaVersionError as exc:
        raise SchemaVersionError(f"merge input {exc}") from None
    try:
        return check_schema(reader, src)
    finally:
        reader.close()


@contextlib.contextmanager
def _current_schema_copy(src: Path) -> Iterator[Path]:
    """``src`` itself when its schema is current, else an upgraded temporary copy."""
    version = check_source(src)
    if version == SCHEMA_VERSION:
        yield src
        return
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-merge-") as tmp:
        copy = Path(tmp) / src.name
        shutil.copy2(src, copy)
        wal = src.with_name(src.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, copy.with_name(copy.name + ".wal"))
        open_database(copy).close()  # runs the migrations on the copy
        yield copy


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
        "AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name",
        [catalog]).fetchall()]


def _main_catalog(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_database()").fetchone()[0])


def _common_columns(con: duckdb.DuckDBPyConnection, main: str, table: str) -> list[str]:
    """The table's columns (main DB order) that the source has too."""
    def columns(catalog: str) -> list[str]:
        return [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? "
            "AND table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [catalog, table]).fetchall()]

    theirs = set(columns(_ALIAS))
    return [c for c in columns(main) if c in theirs]


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0])


def _has_marker(con: duckdb.DuckDBPyConnection, marker: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM main.schema_meta WHERE key = ?",
                            [marker]).fetchone()[0])
