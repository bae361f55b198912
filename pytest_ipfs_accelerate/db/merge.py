"""Merging results DBs: many machines' files into one.

``merge_databases(out, inputs)`` is idempotent: a run already in ``out`` (same
``run_id``) is skipped with every row that references it, so merging the same file twice
adds nothing. Pending spools of ``out`` are folded in first. See ``db.transfer`` for how
one DB's rows are copied into another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_ipfs_accelerate.db.connect import damage_message, is_damage_error, open_database
from pytest_ipfs_accelerate.db.spools import fold_spools
from pytest_ipfs_accelerate.db.transfer import attached_source, check_source, merge_attached
from pytest_ipfs_accelerate.errors import DatabaseError


@dataclass
class MergeResult:
    """What one merge did: runs added/skipped and rows added per table, per input."""

    runs_added: int = 0
    runs_skipped: int = 0
    rows_added: dict[str, int] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)


def merge_databases(out: str | Path, inputs: Sequence[str | Path], *,
                    lock_timeout_s: float = 10.0) -> MergeResult:
    """Merge ``inputs`` into ``out`` (created if missing), deduplicating by run_id."""
    out_path = Path(out)
    resolved = out_path.resolve()
    for src in inputs:
        if Path(src).resolve() == resolved:
            raise DatabaseError(f"{src}: is the merge output itself; list only other DBs as "
                                "inputs")
        if not Path(src).is_file():
            raise DatabaseError(f"{src}: no such results DB; check the path")
    for src in inputs:  # a damaged or foreign input is refused before the output is touched
        check_source(Path(src))
    result = MergeResult()
    created = not out_path.exists()
    con = open_database(out_path, lock_timeout_s=lock_timeout_s)
    try:
        fold_spools(con, out_path)
        for src in inputs:
            with attached_source(con, Path(src)):
                try:
                    added, skipped, rows = merge_attached(con, fold=False)
                except Exception as exc:  # one transaction: the output is as it was
                    if not is_damage_error(exc):
                        raise
                    raise DatabaseError(damage_message(f"{src} (merging into {out_path})",
                                                       exc)) from None
            result.runs_added += added
            result.runs_skipped += skipped
            for table, n in rows.items():
                result.rows_added[table] = result.rows_added.get(table, 0) + n
            result.inputs.append(str(src))
    except BaseException:
        con.close()
        if created and not result.inputs:  # a new output that nothing reached: not left
            for path in (out_path, out_path.with_name(out_path.name + ".wal")):
                path.unlink(missing_ok=True)
        raise
    con.close()
    return result


