"""Rows about the run itself: its ``runs`` row, tags, hardware, and fixture operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from pytest_ipfs_accelerate.capture.records import encodable, encodable_row, to_json, ts
from pytest_ipfs_accelerate.capture.runinfo import hardware_fingerprint, run_facts
from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION
from pytest_ipfs_accelerate.db.tables import HARDWARE, OPERATIONS, RUN_TAGS, RUNS


def run_row(config: pytest.Config, run_id: Any, started_at: float,
            hardware: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``runs`` row as the run starts (git facts, end time and status come later), as
    the column -> value mapping the writer's ``put`` binds as SQL parameters."""
    facts = run_facts(config.rootpath)
    extra: dict[str, Any] = {}
    for result in config.hook.pytest_ipfs_accel_run_info(config=config):
        if result:
            extra.update(result)
    devices = [f"{h.get('kind')}:{h.get('name')}" for h in hardware
               if h.get("kind") != "cpu" and not h.get("is_simulated")]
    if devices:
        facts["hardware_fingerprint"] = hardware_fingerprint(
            facts["cpu_model"], facts["cpu_count"], facts["ram_bytes"], devices)
    numprocesses = getattr(config.option, "numprocesses", None)
    row = RUNS.from_mapping({
        **facts,
        "run_id": run_id,
        "started_at": ts(started_at),
        "args": [encodable(str(a)) for a in config.invocation_params.args],
        "xdist_workers": numprocesses if isinstance(numprocesses, int) else None,
        "schema_version": SCHEMA_VERSION,
        "extra": to_json(extra) if extra else None,
    })
    return encodable_row(row)._asdict()  # paths and arguments decoded with surrogateescape


def tag_rows(run_id: Any, tags: Mapping[str, str]) -> list[tuple]:
    return [encodable_row(RUN_TAGS.row(run_id=run_id, key=key, value=value))
            for key, value in tags.items()]


def hardware_rows(run_id: Any, hardware: list[dict[str, Any]]) -> list[tuple]:
    """``hardware`` rows from the ``pytest_ipfs_accel_hardware`` hook's dicts."""
    return [encodable_row(HARDWARE.row(
        run_id=run_id, device=str(h.get("device", "cpu")), kind=str(h.get("kind", "cpu")),
        name=h.get("name"), vendor=h.get("vendor"), memory_bytes=h.get("memory_bytes"),
        compute_capability=_str_or_none(h.get("compute_capability")),
        driver_version=_str_or_none(h.get("driver_version")),
        runtime_version=_str_or_none(h.get("runtime_version")),
        is_simulated=bool(h.get("is_simulated", False)), extra=to_json(h.get("extra")),
    )) for h in hardware]


def operation_row(run_id: Any, op: Mapping[str, Any]) -> tuple:
    """An ``operations`` row from a record of ``operations.record_operation``."""
    return encodable_row(OPERATIONS.row(
        run_id=run_id, nodeid=op.get("nodeid"), kind=op["kind"], op=op["op"],
        backend=op["backend"], is_simulated=bool(op["is_simulated"]), target=op.get("target"),
        nbytes=op.get("nbytes"), duration_s=float(op["duration_s"]), ok=bool(op.get("ok", True)),
        error=op.get("error"), started_at=op["started_at"], worker_id=op.get("worker_id"),
        extra=to_json(op.get("extra")), backend_version=op.get("backend_version"),
    ))


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
