"""Writer cost: connection policy and flush cadence on N trivial tests.

Configurations run alternating in fresh subprocesses (plain pytest, then each writer
setting), several rounds, after one run of each that compiles and caches the suite; the
figures are medians of wall time and of the children's CPU time, each ratio the median
of the per-round ratios. Also times the bare per-flush cost (open, append, commit,
close) on a DB that already holds ``--db-rows`` results.

    python -m harness.reliability.writer_overhead [--tests 10000] [--repeats 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from harness.child_timing import clean_env, python_cmd, run_timed
from harness.plugin_overhead import make_suite, paired_ratio

BASE = python_cmd("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                  "-p", "no:benchmark", "-p", "no:xdist", "-p", "no:rerunfailures",
                  "-p", "no:randomly")

#: name -> (connection policy, flush_rows, flush_seconds); None = plugin off.
CONFIGS: dict[str, tuple[str, int, float] | None] = {
    "plain": None,
    "hold_1000": ("hold", 1000, 2.0),
    "per_flush_1000": ("per-flush", 1000, 2.0),
    "per_flush_5000": ("per-flush", 5000, 5.0),
}


def _cmd(root: Path, name: str, i: int) -> list[str]:
    cfg = CONFIGS[name]
    if cfg is None:
        return [*BASE, "-p", "no:ipfs_accelerate"]
    connection, rows, seconds = cfg
    toml = root / f"{name}.toml"
    toml.write_text(f'[db]\nconnection = "{connection}"\n')
    return [*BASE, "--ipfs-accel-config", str(toml), "--ipfs-accel-db",
            str(root / f"{name}-{i}.duckdb"), "--ipfs-accel-flush-rows", str(rows),
            "--ipfs-accel-flush-seconds", str(seconds)]


def measure_runs(n_tests: int, repeats: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-writer-") as tmp:
        root = Path(tmp)
        suite = root / "suite"
        suite.mkdir()
        make_suite(suite, n_tests)
        wall: dict[str, list[float]] = {k: [] for k in CONFIGS}
        cpu: dict[str, list[float]] = {k: [] for k in CONFIGS}
        # Compile and cache the suite and our package once (bytecode writes on), as in
        # everyday use; otherwise every measured run compiles 10,000 tests.
        for name in ("plain", "per_flush_5000"):
            run_timed(_cmd(root, name, -1), suite, env=clean_env(write_bytecode=True))
        for i in range(repeats):
            for name in CONFIGS:
                t = run_timed(_cmd(root, name, i), suite)
                wall[name].append(t.wall_s)
                cpu[name].append(t.cpu_s)
    out: dict[str, object] = {"tests": n_tests, "repeats": repeats}
    for kind, samples in (("wall", wall), ("cpu", cpu)):
        med = {k: statistics.median(v) for k, v in samples.items()}
        out[f"{kind}_median_s"] = med
        out[f"{kind}_ratio_vs_plain"] = {k: paired_ratio(samples[k], samples["plain"])
                                         for k in CONFIGS if k != "plain"}
    return out


def measure_flush_cost(db_rows: int, flushes: int, batch: int) -> dict[str, float]:
    """Per-flush cost, open+close only and in all, on a DB holding ``db_rows`` results."""
    from pytest_ipfs_accelerate.db.tables import TABLE_COLUMNS

    cols = TABLE_COLUMNS["test_results"]
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-flush-") as tmp:
        db = Path(tmp) / "r.duckdb"
        figures: dict[str, float] = {}
        for policy in ("per-flush", "hold"):
            figures.update(_flush_cost(db, policy, cols, db_rows, flushes, batch))
    return figures


def _flush_cost(db: Path, policy: str, cols: tuple[str, ...], db_rows: int, flushes: int,
                batch: int) -> dict[str, float]:
    from pytest_ipfs_accelerate.db.writer import BufferedWriter

    run_id = uuid.uuid4()
    w = BufferedWriter(db, connection=policy, flush_rows=10**9, flush_seconds=0)
    w.put("runs", {"run_id": run_id, "started_at": "2026-01-01 00:00:00+00",
                   "schema_version": 1})
    w.start()
    counter = iter(range(10**12))

    def add(count: int) -> None:
        for _ in range(count):
            values = {"run_id": run_id, "nodeid": f"t.py::test_{next(counter)}",
                      "kind": "item", "outcome": "passed", "duration_s": 0.001,
                      "rerun_count": 0, "is_simulated": False}
            w.add("test_results", tuple(values.get(c) for c in cols))

    if policy == "per-flush":  # the DB already holds db_rows results (hold: same file)
        add(db_rows)
        w.flush()
    w.open_seconds = 0.0
    spent = 0.0
    for _ in range(flushes):
        add(batch)
        started = time.perf_counter()
        w.flush()
        spent += time.perf_counter() - started
    w.close()
    return {f"{policy}_flush_ms": spent / flushes * 1000,
            f"{policy}_open_close_ms": w.open_seconds / flushes * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db-rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--flushes", type=int, default=20)
    parser.add_argument("--skip-runs", action="store_true", help="only the flush cost")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    result: dict[str, object] = {"flush_cost": measure_flush_cost(args.db_rows, args.flushes,
                                                                  args.batch)}
    print(f"flush of {args.batch} rows (DB holding {args.db_rows} rows), mean of "
          f"{args.flushes}:")
    for k, v in result["flush_cost"].items():  # type: ignore[union-attr]
        print(f"  {k:<24} {v:8.2f} ms")
    if not args.skip_runs:
        runs = measure_runs(args.tests, args.repeats)
        result["runs"] = runs
        print(f"{args.tests} trivial tests, {args.repeats} alternating rounds (medians)")
        for name in CONFIGS:
            print(f"  {name:<16} wall {runs['wall_median_s'][name]:7.2f}s  "  # type: ignore[index]
                  f"cpu {runs['cpu_median_s'][name]:7.2f}s")  # type: ignore[index]
        for name, ratio in runs["cpu_ratio_vs_plain"].items():  # type: ignore[union-attr]
            wall_ratio = runs["wall_ratio_vs_plain"][name]  # type: ignore[index]
            print(f"  {name:<16} / plain: cpu {ratio:.3f}  wall {wall_ratio:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
