"""Custom metrics: named numbers with a unit and a direction, stored and compared like timings.

Inside a test use the ``accel_metric`` fixture; elsewhere (helpers, session fixtures,
library code under test) call :func:`record_metric`. Both do nothing but validate
when the results DB is off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import pytest

from pytest_ipfs_accelerate.capture.current import current_nodeid, outer_test
from pytest_ipfs_accelerate.errors import IpfsAccelError

DIRECTIONS = ("lower", "higher")


class MetricError(IpfsAccelError, ValueError):
    """A metric with a bad name, value or direction."""


class MetricBuffer:
    """Metrics recorded in this process, waiting to ride on the next teardown report."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.outer_test = outer_test()

    def add(self, entry: dict[str, Any]) -> None:
        if entry.get("nodeid") is None:  # None outside tests: a session-level metric
            entry["nodeid"] = current_nodeid(self.outer_test)
        self.entries.append(entry)

    def drain(self) -> list[dict[str, Any]]:
        out, self.entries = self.entries, []
        return out


METRICS_KEY = pytest.StashKey[MetricBuffer]()
_active: list[MetricBuffer] = []  # running sessions' buffers, innermost last


def activate(buffer: MetricBuffer) -> None:
    """Make ``buffer`` the target of :func:`record_metric` calls that name no config."""
    _active.append(buffer)


def deactivate(buffer: MetricBuffer) -> None:
    if buffer in _active:
        _active.remove(buffer)


def metric_entry(name: str, value: float, *, unit: str | None = None,
                 direction: str = "lower", nodeid: str | None = None,
                 device: str | None = None, is_simulated: bool | None = None,
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A validated metric record; raises :class:`MetricError` naming what is wrong."""
    if not isinstance(name, str) or not name.strip():
        raise MetricError(f"metric name must be a non-empty string, got {name!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)  # numpy scalars, Decimals
        except (TypeError, ValueError):
            raise MetricError(f"metric {name!r}: value must be a number, got "
                              f"{type(value).__name__} {value!r}") from None
    if not math.isfinite(value):
        raise MetricError(f"metric {name!r}: value must be finite, got {value!r}")
    if direction not in DIRECTIONS:
        raise MetricError(f"metric {name!r}: direction must be 'lower' or 'higher' (which way "
                          f"is better), got {direction!r}")
    return {"name": name, "value": float(value), "unit": unit, "direction": direction,
            "nodeid": nodeid, "device": device, "is_simulated": is_simulated,
            "recorded_at": time.time(), "extra": dict(extra) if extra else None}


def record_metric(name: str, value: float, *, unit: str | None = None,
                  direction: str = "lower", config: pytest.Config | None = None,
                  nodeid: str | None = None, device: str | None = None,
                  is_simulated: bool | None = None,
                  extra: Mapping[str, Any] | None = None) -> bool:
    """Record one metric of the running test (or of the session, outside tests).

    ``direction`` says which way is better: ``"lower"`` (latency, memory) or
    ``"higher"`` (throughput, tokens/s). Returns True when it goes to a results DB.
    """
    entry = metric_entry(name, value, unit=unit, direction=direction, nodeid=nodeid,
                         device=device, is_simulated=is_simulated, extra=extra)
    buffer = config.stash.get(METRICS_KEY, None) if config is not None else None
    if buffer is None and config is None and _active:
        buffer = _active[-1]
    if buffer is None:
        return False
    buffer.add(entry)
    return True


class MetricRecorder:
    """What the ``accel_metric`` fixture returns: ``accel_metric("tokens_per_s", 812.0,
    unit="tokens/s", direction="higher")``. Keeps what it recorded in ``recorded``."""

    def __init__(self, config: pytest.Config, nodeid: str) -> None:
        self._config = config
        self._nodeid = nodeid
        self.recorded: list[dict[str, Any]] = []

    def __call__(self, name: str, value: float, unit: str | None = None,
                 direction: str = "lower", **extra: Any) -> None:
        entry = metric_entry(name, value, unit=unit, direction=direction,
                             nodeid=self._nodeid, extra=extra or None)
        self.recorded.append(entry)
        buffer = self._config.stash.get(METRICS_KEY, None)
        if buffer is not None:
            buffer.add(dict(entry))

    record = __call__
