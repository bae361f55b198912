"""pytest-benchmark's saved history as runs of the results DB, so a team keeps its history
when it adopts the plugin.

pytest-benchmark saves a run with ``--benchmark-autosave`` or ``--benchmark-save=NAME`` as
``.benchmarks/<machine>/NNNN_<name>.json``: machine and commit facts, and per benchmark
its statistics (and its raw rounds with ``--benchmark-save-data``). Each file becomes one
run (``capture.imported``): a ``runs`` row from those facts, a ``benchmark_results`` row
per benchmark (built by ``benchmarks.records``, as a captured one) and its samples when
the file has them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.benchmarks.records import (
    STAT_COLUMNS,
    STATUS_OK,
    benchmark_rows,
    finite_number,
)
from pytest_ipfs_accelerate.capture.imported import (
    ImportedRun,
    ImportFileError,
    imported_run_row,
    parse_timestamp,
    run_id_for,
)
from pytest_ipfs_accelerate.db.tables import BENCHMARK_RESULTS, BENCHMARK_SAMPLES

#: The ``imported`` tag of a run read from pytest-benchmark's JSON.
PYTEST_BENCHMARK = "pytest-benchmark"


def is_pytest_benchmark(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("benchmarks"), list) \
        and "machine_info" in doc


def benchmark_files(folder: Path) -> list[Path]:
    """The saved runs under a ``.benchmarks`` folder, oldest first (by file name, which
    pytest-benchmark numbers)."""
    return sorted(folder.rglob("*.json"), key=lambda p: (p.name, str(p)))


def _payload(bench: dict[str, Any], started: datetime) -> dict[str, Any]:
    """A saved benchmark as the payload ``benchmarks.records.benchmark_rows`` takes."""
    stats = bench.get("stats") if isinstance(bench.get("stats"), dict) else {}
    name = str(bench.get("name") or bench.get("fullname") or "?")
    numbers: dict[str, Any] | None = {col: finite_number(stats.get(stat))
                                      for stat, col in STAT_COLUMNS.items()}
    assert numbers is not None
    numbers["outliers"] = None if stats.get("outliers") is None else str(stats["outliers"])
    rounds = finite_number(stats.get("rounds"))
    numbers["rounds"] = int(rounds) if rounds is not None else None
    ok = numbers["median_s"] is not None
    data = [v for v in (finite_number(x) for x in stats.get("data") or []) if v is not None]
    params = bench.get("params")
    return {
        "nodeid": str(bench.get("fullname") or name), "name": name,
        "fullname": bench.get("fullname"), "group_name": bench.get("group"),
        "params": params if isinstance(params, dict) else None,
        "param_id": bench.get("param"), "extra_info": bench.get("extra_info") or None,
        "status": STATUS_OK if ok else "error",
        "error": None if ok else "the saved file holds no statistics for this benchmark",
        "numbers": numbers if ok else None, "iterations": stats.get("iterations"),
        "data": data, "device": None, "is_simulated": False,
        "started_at": started.timestamp(),
        "extra": {"options": bench.get("options")} if bench.get("options") else None,
    }


def _fingerprint(machine: dict[str, Any]) -> str | None:
    """Same machine, same fingerprint, across imported files (RAM is not saved, so it
    differs from a captured run's: compare across the two with ``--force``)."""
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    parts = [cpu.get("brand_raw") or machine.get("processor"), cpu.get("count"),
             machine.get("machine"), machine.get("node")]
    if not any(parts):
        return None
    text = "pytest-benchmark|" + "|".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_pytest_benchmark(path: Path, data: bytes | None = None) -> ImportedRun:
    """One saved pytest-benchmark run as an :class:`ImportedRun`."""
    data = path.read_bytes() if data is None else data
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path}: not JSON ({exc})") from None
    if not is_pytest_benchmark(doc):
        raise ImportFileError(f"{path}: not a run saved by pytest-benchmark (no 'machine_info' "
                              "and 'benchmarks'); give a file from .benchmarks/")
    machine = doc["machine_info"] if isinstance(doc["machine_info"], dict) else {}
    commit = doc.get("commit_info") if isinstance(doc.get("commit_info"), dict) else {}
    started = parse_timestamp(doc.get("datetime")) or datetime.fromtimestamp(
        path.stat().st_mtime, tz=timezone.utc)
    run_id = run_id_for(PYTEST_BENCHMARK, data)
    rows: list[tuple[str, tuple[Any, ...]]] = []
    for bench in doc["benchmarks"]:
        if not isinstance(bench, dict):
            continue
        result, samples = benchmark_rows(_payload(bench, started), run_id)
        rows.append((BENCHMARK_RESULTS.name, result))
        rows += [(BENCHMARK_SAMPLES.name, s) for s in samples]
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    run = imported_run_row(
        run_id, PYTEST_BENCHMARK, path, started_at=started, host=machine.get("node"),
        python_version=machine.get("python_version"),
        python_implementation=machine.get("python_implementation"),
        platform=machine.get("system"), git_commit=commit.get("id"),
        git_branch=commit.get("branch"),
        git_dirty=commit.get("dirty") if isinstance(commit.get("dirty"), bool) else None,
        cpu_model=cpu.get("brand_raw"),
        cpu_count=cpu.get("count") if isinstance(cpu.get("count"), int) else None,
        hardware_fingerprint=_fingerprint(machine))
    n = sum(1 for t, _ in rows if t == BENCHMARK_RESULTS.name)
    samples = len(rows) - n
    return ImportedRun(path, PYTEST_BENCHMARK, run, rows,
                       f"{n} benchmarks, {samples} samples")
