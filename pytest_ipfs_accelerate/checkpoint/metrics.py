"""Inference metrics per device: latency percentiles, throughput and peak memory.

:func:`compute_inference_metrics` is pure (samples in, numbers out);
:func:`measure_inference` runs a model with a device-synchronizing timer and, given a
pytest config, records the result in the results DB.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pytest_ipfs_accelerate.hardware.devices import AccelDevice


@dataclass(frozen=True)
class InferenceMetrics:
    """Latency percentiles (seconds per call), items per second, and peak memory."""

    samples: int
    batch_size: int
    p50_s: float
    p90_s: float
    p99_s: float
    mean_s: float
    throughput_per_s: float
    peak_memory_bytes: int | None = None
    peak_memory_source: str | None = None

    def as_extra(self) -> dict[str, Any]:
        """The dict stored as the operation's ``extra``."""
        return asdict(self)


def percentile(sorted_samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation (numpy's default)."""
    if not sorted_samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in 0..100, got {q}")
    pos = (len(sorted_samples) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    frac = pos - low
    return sorted_samples[low] + (sorted_samples[high] - sorted_samples[low]) * frac


def compute_inference_metrics(samples_s: Sequence[float], batch_size: int = 1,
                              peak_memory_bytes: int | None = None,
                              peak_memory_source: str | None = None) -> InferenceMetrics:
    """Metrics from per-call latencies (seconds) of batches of ``batch_size`` items."""
    if not samples_s:
        raise ValueError("no latency samples: run at least one inference")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if any(s < 0 or math.isnan(s) for s in samples_s):
        raise ValueError("latency samples must be non-negative numbers")
    ordered = sorted(samples_s)
    total = sum(ordered)
    return InferenceMetrics(
        samples=len(ordered), batch_size=batch_size,
        p50_s=percentile(ordered, 50), p90_s=percentile(ordered, 90),
        p99_s=percentile(ordered, 99), mean_s=total / len(ordered),
        throughput_per_s=(len(ordered) * batch_size / total) if total > 0 else math.inf,
        peak_memory_bytes=peak_memory_bytes, peak_memory_source=peak_memory_source,
    )


def _reset_peak(device: AccelDevice) -> None:
    if device.type == "cuda" and not device.is_simulated:
        import torch

        torch.cuda.reset_peak_memory_stats(device.index)


def _peak(device: AccelDevice) -> tuple[int | None, str | None]:
    """Peak memory: the CUDA allocator's, else the process's peak RSS (cpu, simulated)."""
    if device.type == "cuda" and not device.is_simulated:
        import torch

        return int(torch.cuda.max_memory_allocated(device.index)), "torch.cuda.max_memory_allocated"
    if device.type == "mps" and not device.is_simulated:
        import torch

        return int(torch.mps.driver_allocated_memory()), "torch.mps.driver_allocated_memory"
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss if sys.platform == "darwin" else rss * 1024), "process peak RSS"
    except (ImportError, OSError):
        return None, None


def measure_inference(run: Callable[[], Any], device: AccelDevice, *, iterations: int = 20,
                      warmup: int = 2, batch_size: int = 1, config: Any = None,
                      target: str | None = None) -> InferenceMetrics:
    """Time ``run()`` ``iterations`` times on ``device`` (synchronized) and compute metrics.

    With a pytest ``config``, records ``kind="checkpoint", op="inference"`` with the
    metrics as ``extra`` (flagged simulated for simulated devices).
    """
    from pytest_ipfs_accelerate.hardware.timing import DeviceTimer

    if iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {iterations}")
    for _ in range(warmup):
        run()
    _reset_peak(device)
    timer = DeviceTimer(device)
    samples = [timer.time(run)[1] for _ in range(iterations)]
    peak, source = _peak(device)
    metrics = compute_inference_metrics(samples, batch_size, peak, source)
    if config is not None:
        from pytest_ipfs_accelerate.operations import record_operation

        record_operation(config, kind="checkpoint", op="inference", backend=device.label,
                         is_simulated=device.is_simulated, duration_s=sum(samples),
                         target=target, extra=metrics.as_extra())
    return metrics
