"""Timers that synchronize the device before reading the clock.

GPU work is asynchronous: reading the clock without a synchronize measures the
launch, not the work. `DeviceTimer` synchronizes at start and at stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from pytest_ipfs_accelerate.hardware.devices import AccelDevice, synchronize


class DeviceTimer:
    """Context manager timing a block on a device: ``with DeviceTimer(dev) as t: ...; t.elapsed_s``."""

    def __init__(self, device: AccelDevice | str,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.device = device
        self.clock = clock
        self.start_s: float | None = None
        self.elapsed_s: float | None = None

    def __enter__(self) -> DeviceTimer:
        synchronize(self.device)
        self.start_s = self.clock()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        synchronize(self.device)
        assert self.start_s is not None
        self.elapsed_s = self.clock() - self.start_s

    def time(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
        """Run ``fn`` once; return its result and the synchronized wall time in seconds."""
        with self:
            result = fn(*args, **kwargs)
        assert self.elapsed_s is not None
        return result, self.elapsed_s
