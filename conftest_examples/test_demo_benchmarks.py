"""Benchmarks: pytest-benchmark timings and custom metrics, both stored in the results DB."""

from __future__ import annotations

import hashlib
import time

from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, add_bytes

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


def test_cid_of_one_mib(benchmark):
    added = benchmark(add_bytes, PAYLOAD, AddOptions(), None)
    assert str(added.cid).startswith("Qm")


def test_cid_throughput_against_sha256(accel_metric):
    start = time.perf_counter()
    add_bytes(PAYLOAD, AddOptions(), None)
    cid_s = time.perf_counter() - start
    start = time.perf_counter()
    hashlib.sha256(PAYLOAD).digest()
    sha_s = time.perf_counter() - start
    accel_metric("cid_throughput", len(PAYLOAD) / cid_s / 2**20, unit="MiB/s",
                 direction="higher")
    accel_metric("cid_vs_sha256", sha_s / cid_s, unit="ratio", direction="higher")
    assert cid_s > 0 and sha_s > 0
