"""Benchmarks and custom metrics: pytest-benchmark capture, the metrics API.

``record_metric(name, value, unit=, direction=)`` records a metric from anywhere;
the ``accel_metric`` fixture does the same inside a test. Rows land in the
``benchmark_results``, ``benchmark_samples`` and ``metrics`` tables.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.benchmarks.metrics import (
    DIRECTIONS,
    MetricError,
    MetricRecorder,
    record_metric,
)

__all__ = ["DIRECTIONS", "MetricError", "MetricRecorder", "record_metric"]
