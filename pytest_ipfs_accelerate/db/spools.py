"""Spool files: rows a session could not write because its DB stayed locked.

They wait in ``<db>.spool/<run>-<unique>.duckdb`` (each a results DB of its own, written
under a temporary name and renamed into place; one run may write several) until the next
writer on that DB, or ``ipfs-accel merge``, folds them in: the spool's ``runs`` row
replaces the DB's (it is the newer state of that run) and its other rows are appended.
Each spool carries an id of its own (``schema_meta`` key ``spool_id``); a marker with that
id, written in the fold's transaction, makes a fold that was interrupted before the
spool file was removed harmless to repeat, and can never match another spool.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.db.transfer import attached_source, merge_attached
from pytest_ipfs_accelerate.errors import DatabaseError

if TYPE_CHECKING:
    import duckdb


def spool_dir(db_path: Path) -> Path:
    """Where rows that could not reach ``db_path`` wait: ``<db>.spool/``."""
    return db_path.with_name(db_path.name + ".spool")


def fold_spools(con: duckdb.DuckDBPyConnection, db_path: Path) -> list[Path]:
    """Fold every finished spool of ``db_path`` into ``con`` and remove it; returns them."""
    folded: list[Path] = []
    folder = spool_dir(db_path)
    if not folder.is_dir():
        return folded
    for spool in sorted(folder.glob("*.duckdb")):
        with attached_source(con, spool):
            merge_attached(con, fold=True, marker=f"folded_spool:{_spool_id(con, spool)}")
        for path in (spool, spool.with_name(spool.name + ".wal")):
            path.unlink(missing_ok=True)
        folded.append(spool)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty
    return folded


def _spool_id(con: duckdb.DuckDBPyConnection, spool: Path) -> str:
    """The attached spool's own id; a spool written before ids existed goes by its name."""
    row = con.execute("SELECT value FROM merge_src.schema_meta WHERE key = 'spool_id'").fetchone()
    return row[0] if row else spool.name


def write_spool(db_path: Path, name: str, write: Callable[[duckdb.DuckDBPyConnection], object],
                rows: int) -> Path:
    """A new spool of ``db_path``: ``write(con)`` fills a fresh results DB, which is then
    renamed into place as ``<db>.spool/<name>-<unique>.duckdb``. A failure raises
    ``DatabaseError``, naming ``rows``, and leaves no file behind."""
    folder = spool_dir(db_path)
    spool_id = uuid.uuid4().hex
    final = folder / f"{name}-{spool_id[:16]}.duckdb"
    tmp = folder / f".{final.name}.tmp"
    made_folder = not folder.exists()
    try:
        folder.mkdir(exist_ok=True)
        con = open_database(tmp)
        try:
            write(con)
            con.execute("INSERT INTO schema_meta VALUES ('spool_id', ?)", [spool_id])
            con.execute("CHECKPOINT")  # the rows into the file, not a WAL left behind
        finally:
            con.close()
        os.replace(tmp, final)
    except Exception as exc:
        for path in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        if made_folder:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise DatabaseError(
            f"{db_path}: could not write {rows} buffered rows to the DB or to the spool "
            f"{final} ({type(exc).__name__}: {str(exc).strip().splitlines()[-1]}); free disk "
            "space or fix the folder's permissions") from None
    return final
