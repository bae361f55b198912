"""The benchmarks package's plugin: the ``accel_metric`` fixture and the threshold marker."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.benchmarks.metrics import MetricRecorder


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ipfs-accelerate")
    group.addoption("--ipfs-accel-instructions", dest="ipfs_accel_instructions",
                    action="store_true", default=False,
                    help="Also count each timed benchmark's CPU instructions (once, under "
                         "valgrind's callgrind, at session end) and record them as a metric "
                         "the regression gate judges with a 1%% threshold: deterministic "
                         "however busy the machine (needs valgrind and --ipfs-accel-db).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "benchmark_threshold(x): relative change (0.2 = 20%) that counts as a "
        "regression for this test's benchmark and metrics.")
    config.addinivalue_line(
        "markers", "instructions: also count this benchmark's CPU instructions (as "
        "--ipfs-accel-instructions does for all).")


@pytest.fixture
def accel_metric(request: pytest.FixtureRequest) -> MetricRecorder:
    """Record custom metrics of this test into the results DB, compared like timings.

    ``accel_metric("throughput", 512.0, unit="MiB/s", direction="higher")``;
    ``direction`` is which way is better (``"lower"`` by default). Without
    ``--ipfs-accel-db`` values are only validated and kept in ``accel_metric.recorded``.
    """
    return MetricRecorder(request.config, request.node.nodeid)
