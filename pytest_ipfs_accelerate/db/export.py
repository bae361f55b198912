"""Export a results DB to Parquet, hive-partitioned by host, hardware fingerprint and date.

Layout: ``DIR/<table>/host=<h>/hardware_fingerprint=<f>/run_date=<YYYY-MM-DD>/<prefix>_<i>.parquet``
for every table with a ``run_id`` column (partition values come from the run).
Files are named after the source DB (``prefix``), so exporting the same DB again
replaces its own files, while exports of other DBs (other machines, tox envs) land
beside them. Read them back with DuckDB::

    SELECT * FROM read_parquet('DIR/test_results/**/*.parquet', hive_partitioning = true)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_ipfs_accelerate.errors import DatabaseError

if TYPE_CHECKING:
    import duckdb

PARTITION_COLUMNS = ("host", "hardware_fingerprint", "run_date")


def export_parquet(db: str | Path, out_dir: str | Path, *, prefix: str | None = None,
                   lock_timeout_s: float = 10.0) -> dict[str, int]:
    """Write each run-keyed table of ``db`` under ``out_dir``; returns rows per table."""
    from pytest_ipfs_accelerate.db.connect import open_database

    db_path, out = Path(db), Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DatabaseError(f"{out}: exists and is not a directory; choose a directory for "
                            "--parquet")
    name = prefix or db_path.stem
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise DatabaseError(f"export prefix {name!r}: use letters, digits, '.', '_' or '-'")
    con = open_database(db_path, read_only=True, lock_timeout_s=lock_timeout_s)
    try:
        out.mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        tables = [r[0] for r in con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND column_name = 'run_id' "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE') ORDER BY 1").fetchall()]
        for table in tables:
            counts[table] = _export_table(con, table, out / table, name)
    finally:
        con.close()
    return counts


def _export_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path,
                  prefix: str) -> int:
    own = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]
    derived = {
        "host": "coalesce(r.host, 'unknown')",
        "hardware_fingerprint": "coalesce(r.hardware_fingerprint, 'unknown')",
        "run_date": "strftime(CAST(r.started_at AS DATE), '%Y-%m-%d')",
    }
    extra = ", ".join(f"{expr} AS {col}" for col, expr in derived.items()
                      if col not in own or table == "runs")
    keep = ", ".join(f't."{c}"' for c in own
                     if not (table == "runs" and c in derived))
    sql = (f'SELECT {keep}, {extra} FROM main."{table}" t '
           "JOIN main.runs r ON t.run_id = r.run_id")
    [(rows,)] = con.execute(f"SELECT count(*) FROM ({sql})").fetchall()
    if rows:
        target = str(folder).replace("'", "''")
        con.execute(
            f"COPY ({sql}) TO '{target}' (FORMAT parquet, "
            f"PARTITION_BY ({', '.join(PARTITION_COLUMNS)}), OVERWRITE_OR_IGNORE true, "
            f"FILENAME_PATTERN '{prefix}_{{i}}')")
    return int(rows)
