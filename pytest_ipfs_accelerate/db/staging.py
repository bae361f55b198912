"""Writing a batch of rows in one transaction, through TEMP staging tables.

The Appender converts Python values one by one, and the costly ones (a tz-aware
``datetime``, a ``UUID``, JSON) cost 2-3 us each, several per row. So each layout's rows
are appended to a TEMP staging table of cheap types (DOUBLE epoch seconds, VARCHAR; see
``tables.STAGED_AS``) and moved into the real table by one ``INSERT ... SELECT`` that
converts them in bulk (``to_timestamp``, ``::UUID``, ``::JSON``) in the same transaction.
That round trip costs ~2.3 ms whatever the count; a layout with at most
:data:`SMALL_BATCH` rows goes in one ``INSERT ... VALUES`` with the same conversions
instead (~0.8 ms for one row, ~1.7 ms for ten), which a small suite's flush is mostly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pytest_ipfs_accelerate.db.tables import TABLES_BY_NAME, Layout
from pytest_ipfs_accelerate.db.transaction import transaction

#: Rows of one layout written by ``INSERT ... VALUES`` rather than staged.
SMALL_BATCH = 8


class Batch(NamedTuple):
    """Rows taken from a writer's buffers for one flush (given back if it fails).

    ``rows``: layout name -> rows; ``puts``: (table, key) -> (table, key column, row).
    """

    rows: dict[str, list[Sequence[Any]]]
    puts: dict[tuple[str, Any], tuple[str, str, dict[str, Any]]]
    count: int

    def units(self) -> list[tuple[str | None, Any]]:
        """Its rows one by one, keyed rows first: ``(None, put key)`` or ``(layout, row)``."""
        return [(None, key) for key in self.puts] + [
            (name, row) for name, rows in self.rows.items() for row in rows]

    def of(self, units: Sequence[tuple[str | None, Any]]) -> Batch:
        """The batch of some of its :meth:`units`."""
        rows: dict[str, list[Sequence[Any]]] = {}
        puts = {}
        count = 0
        for name, item in units:
            if name is None:
                puts[item] = self.puts[item]
            else:
                rows.setdefault(name, []).append(item)
                count += 1
        return Batch(rows, puts, count)


class _Statements(NamedTuple):
    table: str
    stage: str  # the TEMP table's name
    stage_columns: str  # its column definitions
    insert: str  # INSERT ... SELECT ... FROM stage
    constants: list[Any]  # parameters of ``insert``
    into: str  # INSERT INTO table (columns..., constants...) VALUES
    #: Per value of a VALUES row: its parameter ``{p}`` cast and converted as staged.
    value_parts: list[str]


class Stager:
    """Writes batches for one writer. Its statements are worked out once per layout from
    the table declarations (every DB written is at this package's schema: it is migrated
    first), and kept per stager, not per process."""

    def __init__(self) -> None:
        self.layouts: dict[str, tuple[Layout, dict[str, Any]]] = {}
        self._statements: dict[str, _Statements] = {}

    def declare(self, layout: Layout, constants: Mapping[str, Any] | None = None) -> None:
        """Rows added as ``layout.name`` hold ``layout.columns``; ``constants`` gives the value
        of each of ``layout.constants`` (bound once per flush)."""
        values = dict(constants or {})
        if set(values) != set(layout.constants):
            raise ValueError(f"layout {layout.name}: constants {sorted(layout.constants)} "
                             f"need values, got {sorted(values)}")
        self.layouts[layout.name] = (layout, values)
        self._statements.pop(layout.name, None)

    def table_of(self, name: str) -> str:
        declared = self.layouts.get(name)
        return name if declared is None else declared[0].table.name

    def describe(self, name: str) -> tuple[str, Sequence[str], dict[str, Any]]:
        """(table, the columns its rows hold, its constants' values) of a layout or table."""
        layout, values = self.layouts.get(name) or (TABLES_BY_NAME[name], {})
        return layout.table.name, layout.columns, values

    def write(self, con: Any, batch: Batch, stored: set[tuple[str, Any]]) -> None:
        """One transaction: the keyed rows (``stored``: the keys already in this DB), then
        every buffered row."""
        with transaction(con):
            for key, (table, key_column, row) in batch.puts.items():
                put(con, table, key_column, row, update=key in stored)
            for name, rows in batch.rows.items():
                if rows:
                    self._append(con, name, rows)

    def _append(self, con: Any, name: str, rows: list[Sequence[Any]]) -> None:
        """Append ``rows`` to a TEMP staging table, then move them into the table in one go."""
        sql = self._statements.get(name) or self._prepare(name)
        if len(rows) <= SMALL_BATCH:
            width = len(sql.value_parts)  # numbered: a conversion may use its value twice
            values = ", ".join(
                "(" + ", ".join(part.format(p=f"${r * width + i + 1}")
                                for i, part in enumerate(sql.value_parts)) + ")"
                for r in range(len(rows)))
            con.execute(sql.into + values, [v for row in rows for v in (*row, *sql.constants)])
            return
        con.execute(f"CREATE OR REPLACE TEMP TABLE {sql.stage} ({sql.stage_columns})")
        appender = con.appender(sql.stage)  # created in this transaction: a rollback drops it
        # Plain tuples: the Appender takes a typed row (a tuple subclass) by a slower path,
        # ~0.9 us a row more than the copy costs.
        appender.append_rows(list(map(tuple, rows)))
        appender.flush()
        if not sql.constants:
            con.execute(f"{sql.insert};\nDROP TABLE {sql.stage}")
            return
        con.execute(sql.insert, sql.constants)
        con.execute(f"DROP TABLE {sql.stage}")

    def _prepare(self, name: str) -> _Statements:
        declared = self.layouts.get(name)
        layout, values = declared if declared is not None else (TABLES_BY_NAME[name], {})
        table = layout.table
        stage_cols, select, params = [], [], []
        for col in layout.columns:
            stage_type, convert = table.by_name[col].staged()
            stage_cols.append(f'"{col}" {stage_type}')
            select.append(convert.format(f'"{col}"'))
            params.append(convert.format(f"CAST({{p}} AS {stage_type})"))
        for col in layout.constants:  # bound as parameters, once per flush
            select.append(f"CAST(? AS {table.by_name[col].type})")
            params.append(f"CAST({{p}} AS {table.by_name[col].type})")
        stage = "ipfs_accel_stage_" + re.sub(r"\W", "_", name)
        into = f"INSERT INTO {table.name} ({', '.join((*layout.columns, *layout.constants))})"
        sql = self._statements[name] = _Statements(
            table.name, stage, ", ".join(stage_cols),
            f"{into} SELECT {', '.join(select)} FROM {stage}",
            [values[c] for c in layout.constants], f"{into} VALUES ", params)
        return sql


def put(con: Any, table: str, key_column: str, row: Mapping[str, Any], *, update: bool) -> None:
    """INSERT a keyed row, or UPDATE it where an earlier flush stored it (an upsert,
    ``INSERT OR REPLACE``, plans about 5 ms longer than either)."""
    if update:
        columns = [c for c in row if c != key_column]
        sets = ", ".join(f"{c} = ?" for c in columns)
        changed = con.execute(f"UPDATE {table} SET {sets} WHERE {key_column} = ?",
                              [row[c] for c in columns] + [row[key_column]]).fetchone()
        if changed and changed[0]:
            return  # else the row is gone (e.g. deleted by hand): insert it again
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))
