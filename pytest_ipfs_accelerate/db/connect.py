"""Opening the results DB: clear errors for every way it can go wrong, then the schema.

Every error names the file and says what to do. Nothing here ever truncates,
overwrites or "repairs" a file that is not ours, nor one that is damaged.

Readers (``ipfs-accel runs``, ``report``, ``query``, the dashboard) open the DB read-only,
which a writer's lock forbids while it flushes; they wait for it, bounded
(:data:`READ_LOCK_WAIT_S`), saying so after :data:`WAIT_NOTICE_S` (``on_wait``).
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
#: How long a reader waits for a writer's lock, and when it says that it waits.
READ_LOCK_WAIT_S = 60.0
WAIT_NOTICE_S = 3.0
#: What DuckDB says of a file that is truncated or fails its checksums.
_DAMAGE_SIGNS = ("Corrupt database file", "Could not read enough bytes", "checksum")


def open_database(
    path: str | os.PathLike[str],
    *,
    read_only: bool = False,
    lock_timeout_s: float = 0.0,
    migrate: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (and, unless ``read_only``, create or upgrade) the results DB at ``path``.

    A write lock held by another process is waited for up to ``lock_timeout_s``
    (see :func:`connect_with_retry`; ``on_wait`` gets one line after
    :data:`WAIT_NOTICE_S` of waiting); after that, ``DatabaseLockedError``. A damaged
    file, or one that is not ours, is a ``DatabaseError`` that names it.
    """
    p = Path(path)
    _check_path(p, read_only)
    fresh = _is_fresh(p)
    con = connect_with_retry(p, read_only=read_only, lock_timeout_s=lock_timeout_s,
                             on_wait=on_wait)
    try:
        if read_only:
            check_schema(con, p)
        elif migrate:
            ensure_schema(con, p, fresh=fresh)
    except DatabaseError:
        con.close()
        raise
    except Exception as exc:  # reading the catalog met a damaged block
        con.close()
        raise _translate(p, exc) from None
    except BaseException:
        con.close()
        raise
    return con


def open_for_reading(path: str | os.PathLike[str], *,
                     on_wait: Callable[[str], None] | None = None,
                     lock_timeout_s: float = READ_LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """The results DB opened read-only by a reader: a busy writer's lock is waited for
    (bounded), ``on_wait`` told after a few seconds."""
    return open_database(path, read_only=True, lock_timeout_s=lock_timeout_s, on_wait=on_wait)


def connect_with_retry(
    path: Path,
    *,
    read_only: bool = False,
    lock_timeout_s: float = 0.0,
    rng: random.Random | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` that waits out another process's lock, then raises our error.

    From the ``duckdb`` package, not the bare engine: these connections reach users (the
    CLI, ``open_database``), and the package adds methods such as ``sql`` to them."""
    import duckdb

    return _retry_on_lock(lambda: duckdb.connect(str(path), read_only=read_only), path,
                          lock_timeout_s, rng, on_wait)


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
    fresh = _is_fresh(p)
    quoted = str(p).replace("'", "''")
    _retry_on_lock(lambda: con.execute(f"ATTACH '{quoted}' AS {RESULTS_ALIAS}"), p,
                   lock_timeout_s, None)
    try:
        con.execute(f"USE {RESULTS_ALIAS}")
        if migrate:
            ensure_schema(con, p, fresh=fresh)
    except BaseException as exc:
        detach_database(con)
        if isinstance(exc, Exception) and is_damage_error(exc):
            raise DatabaseError(damage_message(p, exc)) from None
        raise


def detach_database(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the results DB (checkpointing it): other processes may open it again."""
    con.execute("USE memory")
    con.execute(f"DETACH DATABASE IF EXISTS {RESULTS_ALIAS}")


def _retry_on_lock(open_once: Callable[[], T], path: Path, lock_timeout_s: float,
                   rng: random.Random | None,
                   on_wait: Callable[[str], None] | None = None) -> T:
    """``open_once()``, waiting out another process's lock, then raising our error.

    Waits grow exponentially from 5 ms to 0.5 s, each scaled by a random factor
    (0.5-1.5, "jitter") so that writers that collided do not retry in lockstep.
    ``on_wait`` gets one line once the wait passes :data:`WAIT_NOTICE_S`.
    """
    from pytest_ipfs_accelerate.db.engine import engine

    error = engine().Error
    rand = rng or random
    started = time.monotonic()
    deadline = started + max(lock_timeout_s, 0.0)
    delay = 0.005
    told = on_wait is None
    while True:
        try:
            return open_once()
        except error as exc:
            now = time.monotonic()
            left = deadline - now
            if is_lock_error(exc) and left > 0:
                if not told and now - started >= WAIT_NOTICE_S:
                    told = True
                    on_wait(f"{path}: {_holder_of(exc)} is writing to it; waiting up to "  # type: ignore[misc]
                            f"{left:.0f} s more for its lock")
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


#: What a database holds besides tables of ``main`` (tables elsewhere come with their
#: schema): a DB with any of it is not empty, so not ours to create a schema in. Macros
#: and types are left out: listing them enumerates every built-in function (~30 ms, paid
#: by every new DB).
_OTHER_OBJECTS = """
SELECT 'schema ' || schema_name FROM duckdb_schemas()
WHERE database_name = current_database() AND NOT internal AND schema_name <> 'main'
UNION ALL SELECT 'view ' || schema_name || '.' || view_name FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal
UNION ALL SELECT 'sequence ' || sequence_name FROM duckdb_sequences()
WHERE database_name = current_database()
LIMIT 5"""


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


def ensure_schema(con: duckdb.DuckDBPyConnection, path: Path, *, fresh: bool = False) -> int:
    """Create the schema in an empty DB, or upgrade an older one in place (``fresh``: the
    file was created by this open, so it cannot hold anything of another application)."""
    tables = main_tables(con)
    version = schema_version(con, path, tables)
    if version is None:
        found = [f"table {t}" for t in sorted(tables)[:5]] or ([] if fresh else [
            r[0] for r in con.execute(_OTHER_OBJECTS).fetchall()])
        if found:
            raise DatabaseError(
                f"{path}: is a DuckDB file but not a pytest-ipfs-accelerate results DB (it "
                f"holds {', '.join(found)}); it was left unchanged. Choose another "
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


def check_db_path(path: str | os.PathLike[str]) -> None:
    """What can be known of a results DB path without opening it, checked at once (no
    duckdb import): its directory exists and is writable, it is not a directory, and an
    existing file is DuckDB's. ``DatabaseError`` names what is wrong and the fix; the
    rest (a foreign or newer schema, a damaged file) needs the DB opened."""
    p = Path(path)
    _check_path(p, read_only=False)
    try:
        size = p.stat().st_size
    except OSError:  # no file yet: DuckDB will create it, so try that (root passes access())
        _probe_create(p)
        return
    if size and not _has_duckdb_magic(p):
        raise _not_duckdb(p)


def _probe_create(p: Path) -> None:
    """Create and remove a file beside ``p``; ``DatabaseError`` if the directory refuses."""
    parent = p.parent if str(p.parent) else Path(".")
    probe = parent / f".{p.name}.{os.getpid()}.probe"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise DatabaseError(f"{p}: directory {parent} is not writable ({exc.strerror}); "
                            "choose a writable path or fix its permissions") from None
    os.unlink(probe)


def _not_duckdb(p: Path) -> DatabaseError:
    return DatabaseError(f"{p}: not a DuckDB database file; it was left unchanged. Choose "
                         "another path, or move that file away")


def _check_path(p: Path, read_only: bool) -> None:
    if "\0" in str(p):  # DuckDB would cut the name there and open another file
        raise DatabaseError(f"{str(p)!r}: the path holds a NUL character; give a plain path")
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


def is_damage_error(exc: BaseException) -> bool:
    """True when ``exc`` says the DB file is truncated or fails its checksums."""
    text = str(exc)
    return any(sign in text for sign in _DAMAGE_SIGNS)


def damage_message(p: Path | str, exc: BaseException, *, unchanged: bool = True) -> str:
    """One line for a damaged DB file: which, what DuckDB found, what to do (``unchanged``:
    found before anything was written, so say that the file was left as it was)."""
    text = str(exc)
    short = re.search(r"attempted to read (\d+) bytes from location (\d+)", text)
    bad = re.search(r"in block at location (\d+)", text)
    if short:
        found = (f"truncated: DuckDB needs {short.group(1)} bytes at offset {short.group(2)}, "
                 "past its end")
    elif bad:
        found = f"corrupt: the block at offset {bad.group(1)} fails its checksum"
    else:
        found = f"damaged: {text.strip().splitlines()[0] if text.strip() else type(exc).__name__}"
    kept = "; it was left unchanged. Restore" if unchanged else "; nothing more was written. " \
        "Restore"
    return (f"{p}: the file is {found}{kept} it from a copy, or move it away and start a new "
            "results DB")


def _holder_of(exc: BaseException) -> str:
    m = _LOCK_RE.search(str(exc))
    return _describe_holder(int(m.group("pid")), m.group("exe")) if m else "another process"


def _translate(p: Path, exc: Exception) -> DatabaseError:
    text = str(exc)
    if _LOCK_RE.search(text) or is_lock_error(exc):
        return DatabaseLockedError(
            f"{p}: locked by {_holder_of(exc)}, which has it open for writing (DuckDB allows "
            "one writer process). Let that run finish, or give this run its own file "
            "(--ipfs-accel-db other.duckdb) and combine them later with "
            "`ipfs-accel merge OUT.duckdb IN.duckdb...`"
        )
    if is_damage_error(exc) or (
            "not a valid DuckDB database" in text and _has_duckdb_magic(p)):
        return DatabaseError(damage_message(p, exc))
    if "not a valid DuckDB database" in text or "database file" in text.lower():
        return _not_duckdb(p)
    if "version" in text.lower() and "storage" in text.lower():
        return DatabaseError(f"{p}: written by a newer DuckDB storage format ({text.strip()}); "
                             "upgrade duckdb")
    return DatabaseError(f"{p}: cannot open results DB: {text.strip()}")


def _is_fresh(p: Path) -> bool:
    """True when there is no file at ``p`` yet (DuckDB will create it)."""
    try:
        return p.stat().st_size == 0 and not p.with_name(p.name + ".wal").exists()
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _has_duckdb_magic(p: Path) -> bool:
    """True when the file starts as DuckDB's do (its magic bytes at offset 8)."""
    try:
        with p.open("rb") as fh:
            return fh.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def _describe_holder(pid: int, exe: str) -> str:
    cmdline = ""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        cmdline = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        pass
    what = cmdline[:200] if cmdline else exe
    return f"PID {pid} ({what})"


