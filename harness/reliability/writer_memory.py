"""Writer memory: N results through ``BufferedWriter``; peak Python memory (tracemalloc)
above the starting point, per flush size, and the process's peak RSS.

    python -m harness.reliability.writer_memory [--rows 100000] [--flush-rows 1000 5000]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path


def measure(rows: int, flush_rows: int, connection: str) -> dict[str, float]:
    from pytest_ipfs_accelerate.db.tables import TABLE_COLUMNS
    from pytest_ipfs_accelerate.db.writer import BufferedWriter

    cols = TABLE_COLUMNS["test_results"]
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-mem-") as tmp:
        run_id = uuid.uuid4()
        w = BufferedWriter(Path(tmp) / "r.duckdb", connection=connection,
                           flush_rows=flush_rows, flush_seconds=2.0)
        w.put("runs", {"run_id": run_id, "started_at": "2026-01-01 00:00:00+00",
                       "schema_version": 1})
        w.start()
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        started = time.perf_counter()
        max_pending = 0
        for i in range(rows):
            values = {"run_id": run_id, "nodeid": f"test_m.py::test_{i}", "kind": "item",
                      "outcome": "passed", "duration_s": 0.001, "rerun_count": 0,
                      "is_simulated": False, "longrepr": None}
            w.add("test_results", tuple(values.get(c) for c in cols))
            max_pending = max(max_pending, w.pending)
        w.close()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"rows": rows, "flush_rows": flush_rows, "max_pending_rows": max_pending,
            "peak_traced_mib": round((peak - base) / 2**20, 2),
            "peak_bytes_per_flush_row": round((peak - base) / flush_rows, 1),
            "seconds": round(elapsed, 2), "flushes": w.flushes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--flush-rows", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--connection", default="per-flush", choices=("per-flush", "hold"))
    args = parser.parse_args(argv)
    out = [measure(args.rows, n, args.connection) for n in args.flush_rows]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"runs": out, "process_peak_rss_mib": round(rss, 1)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
