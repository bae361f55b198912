"""A layout's rows read back the same whether a flush stages them (many rows) or inserts
them with ``VALUES`` (at most ``SMALL_BATCH``): every conversion, NULLs and constants."""

from __future__ import annotations

import duckdb

from pytest_ipfs_accelerate.db.staging import SMALL_BATCH, Batch, Stager
from pytest_ipfs_accelerate.db.tables import LIST_SEPARATOR, TEST_RESULTS

COLUMNS = ("nodeid", "kind", "params", "markers", "outcome", "duration_s", "started_at")
LAYOUT = TEST_RESULTS.layout("test_results:probe", COLUMNS, constants=("run_id",))
ROWS = [
    ("t.py::a", "item", '{"x": "nan", "n": [1, 2]}', f"slow{LIST_SEPARATOR}gpu", "passed",
     0.25, 1_700_000_000.123456),
    ("t.py::b", "item", None, "", "failed", 0.0, None),
    ("t.py::'c'", "item", "{}", "only", "error", 1e-9, 0.5),
]
RUNS = {"small": "00000000-0000-0000-0000-00000000000a",
        "staged": "00000000-0000-0000-0000-00000000000b"}


def _write(con: duckdb.DuckDBPyConnection, run: str, rows: list[tuple]) -> None:
    stager = Stager()
    stager.declare(LAYOUT, {"run_id": RUNS[run]})
    stager.write(con, Batch({LAYOUT.name: rows}, {}, len(rows)), set())


def test_small_and_staged_batches_read_back_the_same() -> None:
    con = duckdb.connect()
    con.execute(TEST_RESULTS.ddl())
    _write(con, "small", ROWS)
    padding = [(f"t.py::pad{i}", "item", None, "", "passed", 0.0, None)
               for i in range(SMALL_BATCH)]
    _write(con, "staged", ROWS + padding)
    got = {run: con.execute(f"SELECT {', '.join(COLUMNS)} FROM test_results WHERE run_id = ? "
                            "AND nodeid NOT LIKE '%pad%' ORDER BY nodeid",
                            [uuid]).fetchall()
           for run, uuid in RUNS.items()}
    assert got["small"] == got["staged"]
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in got["small"]}
    a = by_id["t.py::a"]
    assert a["markers"] == ["slow", "gpu"] and a["params"] == '{"x": "nan", "n": [1, 2]}'
    assert a["started_at"].timestamp() == 1_700_000_000.123456
    b = by_id["t.py::b"]
    assert b["markers"] == [] and b["params"] is None and b["started_at"] is None
    assert con.execute("SELECT count(*) FROM test_results").fetchone() == (
        2 * len(ROWS) + SMALL_BATCH,)
