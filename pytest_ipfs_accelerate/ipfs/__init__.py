"""IPFS room: the CID/UnixFS engine, the simulated node, its Kubo RPC server, the Kubo
client/spawner and the fixtures.

Public names load lazily (importing this package costs nothing), e.g.::

    from pytest_ipfs_accelerate.ipfs import SimulatedNode, KuboRpcServer
    node = SimulatedNode()
    with KuboRpcServer(node) as server:
        ...  # any Kubo RPC client at server.multiaddr
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SimulatedNode": "node",
    "Added": "node",
    "KUBO_VERSION": "node",
    "FaultConfig": "faults",
    "make_swarm": "swarm",
    "KuboRpcServer": "rpc_server",
    "KuboRpcBackend": "kubo",
    "KuboDaemon": "kubo",
    "IpfsBackend": "backend",
    "IpfsNodeError": "node_errors",
    "BlockNotFoundError": "node_errors",
    "CorruptBlockError": "node_errors",
    "InjectedFaultError": "node_errors",
    "NodeOfflineError": "node_errors",
    "KuboUnavailableError": "node_errors",
    "KuboRpcError": "node_errors",
    "UnsafePathError": "node_errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
