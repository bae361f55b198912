"""The regression gate's acceptance experiment (issue 19): does it tell noise from change?

Each repetition writes four runs of :mod:`workload` (12 benchmarks) into a fresh DB while a
busy background process competes for the cores, and compares runs 2, 3 and 4 with their
history using the default method. *Null*: identical code in all four runs; *effect*: run 4
makes one benchmark do 30 % more work. Counted: repetitions whose null comparisons flagged
nothing, and repetitions whose effect comparison flagged that benchmark and nothing else
(goal: at least 9 of 10 each).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.child_timing import clean_env

WORKLOAD = Path(__file__).with_name("workload.py")
SLOWED = "sha"


@dataclass
class Repetition:
    """The flags of one repetition: per compared run (2, 3, 4), the flagged benchmarks."""

    flags: list[set[str]]
    shared_changes: list[float | None]


@contextmanager
def busy_process() -> Iterator[None]:
    """One process spinning on a core for as long as the block runs."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def run_workload(db: Path, slow: str = "") -> None:
    env = clean_env({"GATE_SLOW": slow})
    cmd = [sys.executable, "-m", "pytest", str(WORKLOAD), "-q", "-p", "no:cacheprovider",
           "-p", "no:xdist", "-p", "no:randomly", "--ipfs-accel-db", str(db),
           "--benchmark-disable-gc"]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL,
                   cwd=WORKLOAD.parent)


def repetition(effect: bool) -> Repetition:
    """Four runs into a fresh DB, then the gate on runs 2, 3 and 4."""
    from pytest_ipfs_accelerate.analysis import AnalysisError, compare_runs
    from pytest_ipfs_accelerate.db.connect import open_database

    with tempfile.TemporaryDirectory(prefix="gate-") as tmp:
        db = Path(tmp) / "gate.duckdb"
        for i in range(4):
            run_workload(db, SLOWED if effect and i == 3 else "")
        con = open_database(db, read_only=True)
        try:
            ids = [r[0] for r in con.execute(
                "SELECT CAST(run_id AS VARCHAR) FROM runs ORDER BY started_at").fetchall()]
            flags, shared = [], []
            for rid in ids[1:]:
                try:
                    result = compare_runs(con, candidate=rid)
                except AnalysisError:
                    flags.append(set())
                    shared.append(None)
                    continue
                flags.append({c.nodeid.split("[")[-1].rstrip("]") for c in result.regressions
                              if c.nodeid} | {f"improved:{c.nodeid}" for c in result.improvements})
                shared.append(result.shared_change)
        finally:
            con.close()
    return Repetition(flags, shared)


def experiment(reps: int, *, busy: bool = True) -> dict[str, float]:
    """``reps`` null and ``reps`` effect repetitions; the counts of good ones."""
    clean_null = clean_effect = 0
    ctx = busy_process() if busy else _nothing()
    with ctx:
        for _ in range(reps):
            null = repetition(effect=False)
            clean_null += not any(null.flags)
            hit = repetition(effect=True)
            clean_effect += hit.flags[:2] == [set(), set()] and hit.flags[2] == {SLOWED}
            print(f"null flags {null.flags}, shared {_pct(null.shared_changes)}; "
                  f"effect flags {hit.flags}, shared {_pct(hit.shared_changes)}", flush=True)
    return {"gate_reps": reps, "gate_null_clean": clean_null, "gate_effect_exact": clean_effect}


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _pct(values: list[float | None]) -> str:
    return "[" + ", ".join("-" if v is None else f"{v:+.0%}" for v in values) + "]"


