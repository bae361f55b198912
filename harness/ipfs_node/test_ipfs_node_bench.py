"""Simulated IPFS node speed: add/cat throughput in-process and through the Kubo RPC
server, and RPC request latency (raw HTTP and ipfshttpclient).

Run: ``pytest harness/ipfs_node -p no:cacheprovider`` (``--benchmark-json`` for the raw
samples). Sizes are small on purpose (shared CPUs); throughput is printed per test and
recorded in docs/performance.md. Every figure here is of the *simulated* node.
"""

from __future__ import annotations

import http.client
import random
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_ipfs_accelerate.ipfs.engine.kubo_release import KUBO_VERSION
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend
from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

SIZE = 16 << 20  # bytes per add/cat round
DATA = random.Random(42).randbytes(SIZE)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SimulatedNode, KuboRpcServer]]:
    node = SimulatedNode()
    with KuboRpcServer(node) as server:
        yield node, server


def _throughput(benchmark: Any, nbytes: int) -> None:
    mean = benchmark.stats.stats.mean
    benchmark.extra_info["MiB_per_s"] = round(nbytes / mean / 2**20, 1)
    benchmark.extra_info["simulated"] = True


def test_add_in_process(benchmark: Any) -> None:
    node = SimulatedNode()
    result = benchmark.pedantic(node.add_bytes, args=(DATA,), kwargs={"pin": False},
                                rounds=5, warmup_rounds=1)
    assert result.size > SIZE
    _throughput(benchmark, SIZE)


def test_cat_in_process(benchmark: Any) -> None:
    node = SimulatedNode()
    cid = node.add_bytes(DATA).cid
    out = benchmark.pedantic(node.cat, args=(cid,), rounds=5, warmup_rounds=1)
    assert out == DATA
    _throughput(benchmark, SIZE)


def test_add_over_rpc(benchmark: Any, served: tuple[SimulatedNode, KuboRpcServer]) -> None:
    client = KuboRpcBackend(served[1].multiaddr)
    result = benchmark.pedantic(client.add_bytes, args=(DATA,), kwargs={"name": "d",
                                                                       "pin": False},
                                rounds=5, warmup_rounds=1)
    assert result.size > SIZE
    _throughput(benchmark, SIZE)


def test_cat_over_rpc(benchmark: Any, served: tuple[SimulatedNode, KuboRpcServer]) -> None:
    client = KuboRpcBackend(served[1].multiaddr)
    cid = served[0].add_bytes(DATA).cid
    out = benchmark.pedantic(client.cat, args=(cid,), rounds=5, warmup_rounds=1)
    assert out == DATA
    _throughput(benchmark, SIZE)


def test_rpc_version_latency(benchmark: Any, served: tuple[SimulatedNode, KuboRpcServer]) -> None:
    server = served[1]
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)

    def version() -> bytes:
        conn.request("POST", "/api/v0/version")
        return conn.getresponse().read()

    try:
        assert KUBO_VERSION.encode() in benchmark(version)  # keep-alive: one TCP connection
    finally:
        conn.close()
    benchmark.extra_info["simulated"] = True


def test_rpc_cat_small_latency_ipfshttpclient(
        benchmark: Any, served: tuple[SimulatedNode, KuboRpcServer]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ipfshttpclient = pytest.importorskip("ipfshttpclient")
        client = ipfshttpclient.Client(served[1].multiaddr)
    cid = served[0].add_bytes(b"hello world\n").cid
    assert benchmark(client.cat, cid) == b"hello world\n"
    benchmark.extra_info["simulated"] = True
