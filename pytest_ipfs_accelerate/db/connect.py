"""Opening the results DB: clear errors for every way it can go wrong, then the schema.

Every error names the file and says what to do. Nothing here ever truncates,
overwrites or "repairs" a file that is not ours.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pytest_ipfs_accelerate import __version__
from pytest_ipfs_accelerate.db.schema import MIGRATIONS, SCHEMA_VERSION
from pytest_ipfs_accelerate.db.transaction import transaction
from pytest_ipfs_accelerate.errors import DatabaseError, DatabaseLockedError, SchemaVersionError

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")
_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")


def open_database(
    path: str | os.PathLike[str],
    *,
    read_only: bool = False,
    lock_timeout_s: float = 0.0,
    migrate: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open (and, unless ``read_only``, create or upgrade) the results DB at ``path``.

    A write lock held by another process is waited for up to ``lock_timeout_s``
    (see :func:`connect_with_retry`); after that, ``DatabaseLockedError``.
    """
    p = Path(path)
    _check_path(p, read_only)
    con = connect_with_retry(p, read_only=read_only, lock_timeout_s=lock_timeout_s)
    try:
        if read_only:
            check_schema(con, p)
        elif migrate:
            ensure_schema(con, p)
    except BaseException:
        con.close()
        raise
    return con


def connect_with_retry(
    path: Path,
    *,
    read_only: bool = False,
    lock_timeout_s: float = 0.0,
    rng: random.Random | None = None,
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` that waits out another process's lock, then raises our error.

    From the ``duckdb`` package, not the bare engine: these connections reach users (the
    CLI, ``open_database``), and the package adds methods such as ``sql`` to them."""
    import duckdb

    return _retry_on_lock(lambda: duckdb.connect(str(path), read_only=read_only), path,
                          lock_timeout_s, rng)


#: The name the writer attaches the results DB under (see :func:`attach_database`).
RESULTS_ALIAS = "ipfs_accel_results"


def attach_database(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], *,
                    lock_timeout_s: float = 0.0, migrate: bool = True) -> None:
    """Attach the results DB at ``path`` to ``con`` (an in-memory DuckDB) and make it the
    default catalog, creating or upgrading it like :func:`open_database`.

    A writer that opens the file for each flush keeps one in-memory DuckDB and attaches
    the file to it: ``ATTACH`` takes about 2 ms where a new connection takes 25-50 ms
    (each DuckDB instance sets up its catalog of built-in functions and its threads).
    The file's lock is held from here until :func:`detach_database`.
    """
    p = Path(path)
    _check_path(p, read_only=False)
    quoted = str(p).replace("'", "''")
    _retry_on_lock(lambda: con.execute(f"ATTACH '{quoted}' AS {RESULTS_ALIAS}"), p,
                   lock_timeout_s, None)
    try:
        con.execute(f"USE {RESULTS_ALIAS}")
        if migrate:
            ensure_schema(con, p)
    except BaseException:
        detach_database(con)
        raise


def detach_database(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the results DB (checkpointing it): other processes may open it again."""
    con.execute("USE memory")
    con.execute(f"DETACH DATABASE IF EXISTS {RESULTS_ALIAS}")


def _retry_on_lock(open_once: Callable[[], T], path: Path, lock_timeout_s: float,
                   rng: random.Random | None) -> T:
    """``open_once()``, waiting out another process's lock, then raising our error.

    Waits grow exponentially from 5 ms to 0.5 s, each scaled by a random factor
    (0.5-1.5, "jitter") so that writers that collided do not retry in lockstep.
    """
    from pytest_ipfs_accelerate.db.engine import engine

    error = engine().Error
    rand = rng or random
    deadline = time.monotonic() + max(lock_timeout_s, 0.0)
    delay = 0.005
    while True:
        try:
            return open_once()
        except error as exc:
            left = deadline - time.monotonic()
            if is_lock_error(exc) and left > 0:
                time.sleep(min(delay * rand.uniform(0.5, 1.5), left))
                delay = min(delay * 2, 0.5)
                continue
            raise _translate(path, exc) from None


def is_lock_error(exc: BaseException) -> bool:
    """True when ``exc`` says another process holds the DB file's lock."""
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Return the DB's schema version; refuse one that is not ours or is too new."""
    version = schema_version(con, path)
    if version is None:
        raise DatabaseError(f"{path}: not a pytest-ipfs-accelerate results DB (no schema_meta "
                            "table); point at a DB written by `pytest --ipfs-accel-db`")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{path}: written by schema version {version}, but this pytest-ipfs-accelerate "
            f"({__version__}) understands up to {SCHEMA_VERSION}; upgrade the package "
            "(pip install -U pytest-ipfs-accelerate) or use another DB file"
        )
    return version


def main_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of the current database's ``main`` schema (``duckdb_tables()`` is a
    table function: about half the cost of the ``information_schema`` view)."""
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main'").fetchall()]


def schema_version(con: duckdb.DuckDBPyConnection, path: Path | None = None,
                   tables: list[str] | None = None) -> int | None:
    """The stored schema version, or None when the DB has no ``schema_meta`` table
    (``tables``: :func:`main_tables`, when the caller has it)."""
    if "schema_meta" not in (main_tables(con) if tables is None else tables):
        return None
    row = con.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        raise DatabaseError(f"{path}: schema_meta has no schema_version; the DB is damaged")
    return int(row[0])


def ensure_schema(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Create the schema in an empty DB, or upgrade an older one in place."""
    tables = main_tables(con)
    version = schema_version(con, path, tables)
    if version is None:
        if tables:
            raise DatabaseError(
                f"{path}: is a DuckDB file but not a pytest-ipfs-accelerate results DB (it has "
                f"tables {', '.join(sorted(tables)[:5])}); it was left unchanged. Choose another "
                "--ipfs-accel-db path"
            )
        version = 0
    check_version = version if version else None
    if check_version is not None and check_version > SCHEMA_VERSION:
        check_schema(con, path)
    if version == SCHEMA_VERSION:
        return version
    with transaction(con):
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # One call per migration: each call releases and retakes the GIL, and while
            # pytest collects on the main thread, retaking it can wait 5 ms.
            statements = [s.strip().rstrip(";") for s in MIGRATIONS[target]]
            if target == SCHEMA_VERSION:
                statements.append(_meta_sql(target, created=(version == 0)))
            con.execute(";\n".join(statements))
    return SCHEMA_VERSION


def _meta_sql(version: int, *, created: bool) -> str:
    """The statement that records ``version`` in ``schema_meta``, values inlined so it
    runs in the migration's one call; a new DB takes a plain INSERT (an upsert plans
    several ms longer)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    meta = {"schema_version": str(version), "upgraded_at": now, "writer": __version__}
    if created:
        meta["created_at"] = now
    values = ", ".join(f"({_literal(k)}, {_literal(v)})" for k, v in meta.items())
    return f"INSERT {'' if created else 'OR REPLACE '}INTO schema_meta VALUES {values}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_path(p: Path, read_only: bool) -> None:
    if p.is_dir():
        raise DatabaseError(f"{p}: is a directory; give a file path such as {p / 'results.duckdb'}")
    if read_only:
        if not p.exists():
            raise DatabaseError(f"{p}: no such results DB; run `pytest --ipfs-accel-db {p}` first "
                                "or check the path")
        return
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise DatabaseError(f"{p}: directory {parent} does not exist; create it "
                            f"(mkdir -p {parent}) or choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseError(f"{p}: directory {parent} is not writable; choose a writable path "
                            "or fix its permissions")
    if p.exists() and not os.access(p, os.R_OK | os.W_OK):
        raise DatabaseError(f"{p}: file is not readable and writable; fix its permissions or "
                            "choose another path")


def _translate(p: Path, exc: Exception) -> DatabaseError:
    text = str(exc)
    m = _LOCK_RE.search(text)
    if m or is_lock_error(exc):
        holder = _describe_holder(int(m.group("pid")), m.group("exe")) if m else "another process"
        return DatabaseLockedError(
            f"{p}: locked by {holder}, which has it open for writing (DuckDB allows one writer "
            "process). Let that run finish, or give this run its own file "
            "(--ipfs-accel-db other.duckdb) and combine them later with "
            "`ipfs-accel merge OUT.duckdb IN.duckdb...`"
        )
    if "not a valid DuckDB database" in text or "database file" in text.lower():
        return DatabaseError(f"{p}: not a DuckDB database file; it was left unchanged. Choose "
                             "another path, or move that file away")
    if "version" in text.lower() and "storage" in text.lower():
        return DatabaseError(f"{p}: written by a newer DuckDB storage format ({text.strip()}); "
                             "upgrade duckdb")
    return DatabaseError(f"{p}: cannot open results DB: {text.strip()}")


def _describe_holder(pid: int, exe: str) -> str:
    cmdline = ""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        cmdline = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        pass
    what = cmdline[:200] if cmdline else exe
    return f"PID {pid} ({what})"


