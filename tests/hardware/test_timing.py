"""Timers synchronize the device before each clock read (checked with a fake torch)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from pytest_ipfs_accelerate.hardware.devices import AccelDevice, synchronize
from pytest_ipfs_accelerate.hardware.profiles import simulated_devices
from pytest_ipfs_accelerate.hardware.timing import DeviceTimer


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    events: list[str] = []
    fake = SimpleNamespace(
        cuda=SimpleNamespace(synchronize=lambda i=None: events.append(f"sync cuda:{i}")),
        mps=SimpleNamespace(synchronize=lambda: events.append("sync mps")),
        xpu=SimpleNamespace(synchronize=lambda i=None: events.append(f"sync xpu:{i}")),
    )
    monkeypatch.setitem(sys.modules, "torch", fake)
    return events


def test_timer_syncs_before_each_clock_read(log: list[str]) -> None:
    ticks = iter([10.0, 12.5])

    def clock() -> float:
        log.append("clock")
        return next(ticks)

    gpu = AccelDevice(type="cuda", index=1, name="fake", memory_bytes=1)
    with DeviceTimer(gpu, clock=clock) as timer:
        log.append("work")
    assert log == ["sync cuda:1", "clock", "work", "sync cuda:1", "clock"]
    assert timer.elapsed_s == 2.5


def test_synchronize_by_name(log: list[str]) -> None:
    synchronize("mps")
    synchronize("xpu:0")
    synchronize("cpu")
    assert log == ["sync mps", "sync xpu:0"]


def test_simulated_and_cpu_never_touch_torch(log: list[str]) -> None:
    (sim,) = simulated_devices(["cuda:H100-80GB"])
    result, seconds = DeviceTimer(sim).time(lambda: 42)
    DeviceTimer(AccelDevice(type="cpu", index=None, name="cpu", memory_bytes=None)).time(int)
    assert result == 42 and seconds >= 0 and log == []
