"""Pure builders: a pytest-benchmark fixture's state -> a JSON-able payload -> DB rows.

The payload is built where the test ran (it may be an xdist worker) and travels on
the teardown report; the controller turns it into ``benchmark_results`` and
``benchmark_samples`` rows (the typed rows of ``db.tables``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_ipfs_accelerate.capture.records import jsonable, safe_repr, to_json
from pytest_ipfs_accelerate.db.tables import BENCHMARK_RESULTS, BENCHMARK_SAMPLES, METRICS

#: pytest-benchmark stat name -> our column.
STAT_COLUMNS = {"min": "min_s", "max": "max_s", "mean": "mean_s", "stddev": "stddev_s",
                "median": "median_s", "iqr": "iqr_s", "q1": "q1_s", "q3": "q3_s",
                "ops": "ops", "rounds": "rounds", "outliers": "outliers", "total": "total_s"}

STATUS_OK, STATUS_ERROR, STATUS_DISABLED = "ok", "error", "disabled"


def _plain(value: Any) -> Any:
    """An option value fit for JSON (timers and other callables by name)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return getattr(value, "__name__", None) or safe_repr(value)


def benchmark_payload(fixture: Any, *, nodeid: str, error: str | None,
                      disabled_reason: str | None, started_at: float | None,
                      device: str | None, is_simulated: bool,
                      threshold: float | None = None,
                      instructions: bool = False,
                      xfailed: tuple[str, str] | None = None) -> dict[str, Any]:
    """Everything about one ``benchmark`` fixture use, as plain JSON-able data.

    ``error``: the test's first failure; ``xfailed``: (reason, failure text) of an
    expected failure, the error when the benchmarked function itself raised. A disabled
    benchmark (``--benchmark-disable``, or under xdist) whose test failed is an error:
    ``extra.not_timed`` says why it has no numbers.
    """
    meta = getattr(fixture, "stats", None)
    stats = getattr(meta, "stats", None)
    data = [float(x) for x in getattr(stats, "data", None) or []]
    numbers: dict[str, Any] | None = None
    if data:
        numbers = {col: finite_number(getattr(stats, stat)) for stat, col in STAT_COLUMNS.items()}
        numbers["outliers"] = str(stats.outliers)
        numbers["rounds"] = int(stats.rounds)
    extra: dict[str, Any] = {}
    disabled = getattr(fixture, "disabled", False)
    if disabled:
        numbers, data = None, []  # a disabled benchmark ran once, untimed: no numbers
    if error or getattr(fixture, "has_error", False):
        status = STATUS_ERROR
        error = error or (xfailed[1] if xfailed is not None else
                          "the benchmarked function raised an exception")
        if disabled:
            extra["not_timed"] = disabled_reason or "pytest-benchmark was disabled"
    elif disabled:
        status, error = STATUS_DISABLED, disabled_reason or "pytest-benchmark was disabled"
    elif not data:
        status, error = STATUS_ERROR, "the benchmark fixture was requested but never called"
    else:
        status = STATUS_OK
    if xfailed is not None:
        extra["xfail"] = xfailed[0]
    params = getattr(fixture, "params", None)
    options = getattr(meta, "options", None) or {}
    extra["options"] = {k: _plain(v) for k, v in options.items()}
    if threshold is not None:
        extra["threshold"] = threshold
    if instructions:
        extra["instructions"] = True  # count them at session end (benchmarks.instructions)
    return {
        "nodeid": nodeid,
        "name": str(getattr(fixture, "name", nodeid)),
        "fullname": getattr(fixture, "fullname", nodeid),
        "group_name": getattr(fixture, "group", None),
        "params": {str(k): jsonable(v) for k, v in params.items()} if params else None,
        "param_id": getattr(fixture, "param", None),
        "extra_info": jsonable(dict(getattr(fixture, "extra_info", None) or {})) or None,
        "status": status,
        "error": error,
        "numbers": numbers,
        "iterations": getattr(meta, "iterations", None) if numbers else None,
        "data": data,
        "device": device,
        "is_simulated": bool(is_simulated),
        "started_at": started_at,
        "extra": extra,
    }


def benchmark_rows(payload: Mapping[str, Any], run_id: Any
                   ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """(``benchmark_results`` row, ``benchmark_samples`` rows) of one payload."""
    values: dict[str, Any] = {**payload, **(payload.get("numbers") or {})}
    values.update(run_id=run_id, params=to_json(payload.get("params")),
                  extra_info=to_json(payload.get("extra_info")),
                  extra=to_json(payload.get("extra")),
                  started_at=payload.get("started_at"))
    row = BENCHMARK_RESULTS.from_mapping(values)
    nodeid, name = payload["nodeid"], payload["name"]
    # Raw rounds only for timed, passing benchmarks: an errored attempt (a rerun plugin's
    # failed try, a wrong result) keeps its stats but must not mix into the rank test.
    data = (payload.get("data") or []) if payload["status"] == STATUS_OK else []
    samples = [BENCHMARK_SAMPLES.row(run_id=run_id, nodeid=nodeid, name=name, round=i,
                                     duration_s=d) for i, d in enumerate(data)]
    return row, samples


def metric_row(entry: Mapping[str, Any], run_id: Any) -> tuple[Any, ...]:
    """A ``metrics`` row from one recorded metric entry."""
    values = {**entry, "run_id": run_id, "recorded_at": entry.get("recorded_at"),
              "is_simulated": bool(entry.get("is_simulated")),
              "extra": to_json(entry.get("extra"))}
    return METRICS.from_mapping(values)


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or None (not a number, NaN or infinite)."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
