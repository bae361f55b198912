"""The benchmarks package's plugin: the ``accel_metric`` fixture and the threshold marker."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.benchmarks.metrics import MetricRecorder


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "benchmark_threshold(x): relative change (0.2 = 20%) that counts as a "
        "regression for this test's benchmark and metrics.")


@pytest.fixture
def accel_metric(request: pytest.FixtureRequest) -> MetricRecorder:
    """Record custom metrics of this test into the results DB, compared like timings.

    ``accel_metric("throughput", 512.0, unit="MiB/s", direction="higher")``;
    ``direction`` is which way is better (``"lower"`` by default). Without
    ``--ipfs-accel-db`` values are only validated and kept in ``accel_metric.recorded``.
    """
    return MetricRecorder(request.config, request.node.nodeid)
