"""One real Kubo daemon (offline, empty repo) and one simulated daemon per session: the
corpus runs once against the pair, never a daemon per case."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import api_url
from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon
from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer


def _host_port(addr: str) -> tuple[str, int]:
    host, port = api_url(addr).removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _kubo(request: pytest.FixtureRequest, *, offline: bool) -> Iterator[tuple[str, int]]:
    from pytest_ipfs_accelerate.strict import missing_backend

    binary = shutil.which(os.environ.get("IPFS_ACCEL_IPFS_BIN") or "ipfs")
    if binary is None:
        missing_backend(request.config, "Kubo (ipfs on PATH)",
                        "bash .ci/setup-kubo.sh builds the pinned release")
    daemon = KuboDaemon(binary, offline=offline).start()
    try:
        assert daemon.api_addr is not None
        yield _host_port(daemon.api_addr)
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def kubo_api(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """(host, port) of a real Kubo daemon, ``--offline``, on an empty repo.

    Missing Kubo: skips, or fails in strict mode (CI), where .ci/setup-kubo.sh builds it.
    """
    yield from _kubo(request, offline=True)


@pytest.fixture
def kubo_online_api(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """The same, online (loopback only, test profile: no peers): ``routing get`` needs it."""
    yield from _kubo(request, offline=False)


@pytest.fixture(scope="session")
def ours_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """(host, port) of the simulated node's RPC server, on a repo of its own."""
    node = SimulatedNode(tmp_path_factory.mktemp("sim-repo"))
    with KuboRpcServer(node) as server:
        yield server.host, server.port
