"""Inference metrics: the pure computation, and recording through record_operation."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_ipfs_accelerate.checkpoint.metrics import (
    compute_inference_metrics,
    measure_inference,
    percentile,
)
from pytest_ipfs_accelerate.hardware.devices import AccelDevice
from pytest_ipfs_accelerate.hardware.profiles import simulated_devices
from pytest_ipfs_accelerate.operations import CAPTURE_KEY


def test_percentiles_interpolate_like_numpy() -> None:
    samples = [float(i) for i in range(1, 101)]  # 1..100
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 90) == pytest.approx(90.1)
    assert percentile(samples, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_metrics_from_samples() -> None:
    metrics = compute_inference_metrics([0.4, 0.1, 0.2, 0.3], batch_size=8,
                                        peak_memory_bytes=1234)
    assert metrics.samples == 4 and metrics.p50_s == pytest.approx(0.25)
    assert metrics.mean_s == pytest.approx(0.25)
    assert metrics.throughput_per_s == pytest.approx(4 * 8 / 1.0)
    assert metrics.p90_s == pytest.approx(0.37) and metrics.p99_s == pytest.approx(0.397)
    assert metrics.peak_memory_bytes == 1234


@pytest.mark.parametrize("bad", [[], [-1.0], [math.nan]])
def test_bad_samples_are_refused(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        compute_inference_metrics(bad)


class _Session:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add_operation(self, **row: Any) -> None:
        self.rows.append(row)


def _config() -> tuple[Any, _Session]:
    session = _Session()
    config = SimpleNamespace(stash={CAPTURE_KEY: session})
    return config, session


def test_measure_records_simulated_inference() -> None:
    config, session = _config()
    (device,) = simulated_devices(["cuda:H100-80GB"])
    calls: list[int] = []
    metrics = measure_inference(lambda: calls.append(1), device, iterations=5, warmup=2,
                                batch_size=4, config=config, target="QmX")
    assert len(calls) == 7 and metrics.samples == 5
    (row,) = session.rows
    assert row["kind"] == "checkpoint" and row["op"] == "inference"
    assert row["backend"] == "cuda:0" and row["is_simulated"] is True
    assert row["target"] == "QmX"
    extra = row["extra"]
    assert {"p50_s", "p90_s", "p99_s", "throughput_per_s", "peak_memory_bytes"} <= set(extra)
    assert extra["p50_s"] <= extra["p90_s"] <= extra["p99_s"]
    assert extra["peak_memory_source"] == "process peak RSS"


def test_measure_on_cpu_is_real() -> None:
    config, session = _config()
    cpu = AccelDevice(type="cpu", index=None, name="cpu", memory_bytes=None)
    measure_inference(lambda: sum(range(100)), cpu, iterations=3, config=config)
    assert session.rows[0]["is_simulated"] is False and session.rows[0]["backend"] == "cpu"


def test_real_cuda_path_reads_torch_cuda_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GPU here: check the logic that reads torch.cuda's answers, with a stand-in cuda."""
    torch = pytest.importorskip("torch")
    calls: list[str] = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda i=None: calls.append(f"sync{i}"))
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats",
                        lambda i=None: calls.append(f"reset{i}"))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda i=None: 123_456_789)
    config, session = _config()
    gpu = AccelDevice(type="cuda", index=1, name="NVIDIA L4", memory_bytes=24 * 10**9)
    metrics = measure_inference(lambda: None, gpu, iterations=2, warmup=1, config=config)
    assert calls == ["reset1", "sync1", "sync1", "sync1", "sync1"]
    assert metrics.peak_memory_bytes == 123_456_789
    assert metrics.peak_memory_source == "torch.cuda.max_memory_allocated"
    assert session.rows[0]["backend"] == "cuda:1" and session.rows[0]["is_simulated"] is False


def test_real_cuda_budget_is_free_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("accelerate")
    from pytest_ipfs_accelerate.checkpoint.device_map import plan_device_map
    from pytest_ipfs_accelerate.checkpoint.publish import build_example_model

    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda i=None: (5 * 2**30, 24 * 2**30))
    gpu = AccelDevice(type="cuda", index=0, name="NVIDIA L4", memory_bytes=24 * 2**30)
    plan = plan_device_map(build_example_model(), [gpu])
    assert plan.budgets["cuda:0"] == 5 * 2**30
    assert set(plan.execution_map().values()) == {"cuda:0"}  # real: no cpu stand-in
    assert not plan.is_simulated
