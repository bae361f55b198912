"""Writing a batch that DuckDB rejects in part: the bad rows found and dropped, the rest
written.

One value the Appender or a cast refuses (a string UTF-8 cannot encode, malformed JSON,
a number out of its column's range, a NULL in a NOT NULL column) fails the whole flush,
and retrying cannot help. So when a flush fails with such a *row error*, the batch is
bisected: each half is written in a transaction of its own, down to single rows, and a
row that fails alone is dropped and recorded in ``dropped_rows`` (``tables.DROPPED_ROWS``)
with the reason, so a poisoned batch is never retried for ever. Errors of the file itself (a lock, a full disk, damage) are no row's
fault: they are raised, and the writer keeps the rows that were not written.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Sequence
from typing import Any

from pytest_ipfs_accelerate.db.staging import Batch
from pytest_ipfs_accelerate.db.tables import DROPPED_ROWS
from pytest_ipfs_accelerate.db.transaction import transaction

#: DuckDB's exception classes that blame a value, not the file.
_ROW_ERROR_CLASSES = ("ConversionException", "ConstraintException", "OutOfRangeException",
                      "TypeMismatchException", "NotImplementedException")
#: Longest ``row_text`` and ``reason`` stored for a dropped row.
ROW_TEXT_MAX_CHARS = 2000
REASON_MAX_CHARS = 500


class Dropped:
    """A row the DB refused: its table, run, node id (if it has one), the row and why;
    ``keyed``: a keyed row (the writer's ``put``). (A plain class: the plugin imports
    this module in every capture run, and a ``NamedTuple`` costs ~0.1 ms to create.)"""

    __slots__ = ("keyed", "nodeid", "reason", "row_text", "run_id", "table")

    def __init__(self, table: str, run_id: str | None, nodeid: str | None, row_text: str,
                 reason: str, *, keyed: bool = False) -> None:
        self.table, self.run_id, self.nodeid = table, run_id, nodeid
        self.row_text, self.reason, self.keyed = row_text, reason, keyed


class PartlyWritten(Exception):
    """An error of the file stopped a bisection midway: ``left`` holds what was not written
    (the caller keeps it), ``error`` is the cause."""

    def __init__(self, error: Exception, left: Batch | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.left = left


def is_row_error(exc: BaseException) -> bool:
    """True when ``exc`` blames a value of the rows (see the module doc), not the file."""
    if isinstance(exc, TypeError | ValueError | OverflowError):  # UnicodeError included
        return True
    name = type(exc).__name__
    if name in _ROW_ERROR_CLASSES:
        return True
    return name == "InvalidInputException" and "Conversion" in str(exc)


def is_space_error(exc: BaseException) -> bool:
    """True when ``exc`` says the device (or the user's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return "No space left on device" in text or "Disk quota exceeded" in text


def write_isolating(write: Callable[[Batch], None], batch: Batch,
                    describe: Callable[[str], tuple[str, Sequence[str], dict[str, Any]]],
                    ) -> list[Dropped]:
    """``write(batch)`` (one transaction); on a row error, bisect and drop the bad rows.

    ``describe(name)`` gives a layout's (table, columns, constants), to record a dropped
    row. Returns the dropped rows; raises :class:`PartlyWritten` when an error of the file
    stops the bisection.
    """
    try:
        write(batch)
        return []
    except Exception as exc:
        if not is_row_error(exc):
            raise
    units = batch.units()
    dropped: list[tuple[Any, Any, Exception]] = []
    done = 0  # units written or dropped, in order

    def attempt(part: list[tuple[Any, Any]]) -> None:
        nonlocal done
        try:
            write(batch.of(part))
        except Exception as exc:
            if not is_row_error(exc):
                raise PartlyWritten(exc, batch.of(units[done:])) from None
            if len(part) == 1:
                dropped.append((*part[0], exc))
            else:
                half = len(part) // 2
                attempt(part[:half])
                attempt(part[half:])
                return
        done += len(part)

    half = len(units) // 2
    for part in (units[:half], units[half:]):
        if part:
            attempt(part)
    return [_describe_drop(batch, name, item, exc, describe) for name, item, exc in dropped]


def record_dropped(con: Any, dropped: Sequence[Dropped]) -> None:
    """Insert ``dropped`` into ``dropped_rows`` (one transaction)."""
    now = time.time()
    with transaction(con):
        con.executemany(
            f"INSERT INTO {DROPPED_ROWS.name} (run_id, table_name, nodeid, reason, row_text, "
            "dropped_at) VALUES (CAST(? AS UUID), ?, ?, ?, ?, to_timestamp(?))",
            [[d.run_id, d.table, d.nodeid, d.reason, d.row_text, now] for d in dropped])


def _describe_drop(batch: Batch, name: str | None, item: Any, exc: Exception,
                   describe: Callable[[str], tuple[str, Sequence[str], dict[str, Any]]],
                   ) -> Dropped:
    if name is None:  # a keyed row: (table, key column, values)
        table, _, values = batch.puts[item]
    else:
        table, columns, constants = describe(name)
        values = {**constants, **dict(zip(columns, item, strict=False))}
    run_id = values.get("run_id")
    nodeid = values.get("nodeid")
    reason = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
    return Dropped(table, None if run_id is None else str(run_id),
                   _text(nodeid, ROW_TEXT_MAX_CHARS) if isinstance(nodeid, str) else None,
                   _text(repr(values), ROW_TEXT_MAX_CHARS), _text(reason, REASON_MAX_CHARS),
                   keyed=name is None)


def _text(text: str, limit: int) -> str:
    """``text`` encodable as UTF-8 and at most ``limit`` characters (``repr`` escapes lone
    surrogates already; reasons quote the bad value raw)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "..."
