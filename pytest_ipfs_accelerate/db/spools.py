"""Spool files: rows a session could not write because its DB stayed locked.

They wait in ``<db>.spool/<name>.duckdb`` (each a results DB of its own, written under a
temporary name and renamed into place) until the next writer on that DB, or
``ipfs-accel merge``, folds them in: the spool's ``runs`` row replaces the DB's (it is
the newer state of that run) and its other rows are appended. A ``schema_meta`` marker
written in the same transaction makes a fold that was interrupted before the spool file
was removed harmless to repeat.
"""

from __future__ import annotations

import contextlib
import os
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
            merge_attached(con, fold=True, marker=f"folded_spool:{spool.name}")
        for path in (spool, spool.with_name(spool.name + ".wal")):
            path.unlink(missing_ok=True)
        folded.append(spool)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty
    return folded


def write_spool(db_path: Path, name: str, write: Callable[[duckdb.DuckDBPyConnection], None],
                rows: int) -> Path:
    """A new spool of ``db_path``: ``write(con)`` fills a fresh results DB, which is then
    renamed into place as ``<db>.spool/<name>.duckdb`` (``<name>.<n>.duckdb`` when a spool
    of that name waits already). A failure raises ``DatabaseError``, naming ``rows``."""
    folder = spool_dir(db_path)
    final = folder / f"{name}.duckdb"
    try:
        folder.mkdir(exist_ok=True)
        n = 1
        while final.exists():  # a second spool of the same run (rows added late)
            final, n = folder / f"{name}.{n}.duckdb", n + 1
        tmp = folder / f".{final.name}.tmp"
        tmp.unlink(missing_ok=True)
        con = open_database(tmp)
        try:
            write(con)
        finally:
            con.close()
        os.replace(tmp, final)
    except Exception as exc:
        raise DatabaseError(
            f"{db_path}: could not write {rows} buffered rows to the DB or to the spool "
            f"{final} ({type(exc).__name__}: {exc}); free disk space or fix the folder's "
            "permissions") from None
    return final
