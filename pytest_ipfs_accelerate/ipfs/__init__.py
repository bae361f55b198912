"""The IPFS backend: the CID/UnixFS engine, the simulated node, its Kubo RPC server, the
Kubo client/spawner and the fixtures.

- ``engine/``: codecs, CIDs, the importer (``ipfs add``) and exporter, CAR, HAMT, IPLD
  paths, Ed25519 and IPNS records: pure.
- ``node/``: the backend interface, the simulated node and its blockstore, pins, MFS,
  keystore, faults.
- ``rpc/``: the Kubo RPC server over a node (its commands declared per area), and the
  client of any Kubo RPC API.

Public names load lazily (importing this package costs nothing), e.g.::

    from pytest_ipfs_accelerate.ipfs import SimulatedNode, KuboRpcServer, AddOptions, add_bytes
    node = SimulatedNode()
    with KuboRpcServer(node) as server:
        ...  # any Kubo RPC client at server.multiaddr
    add_bytes(b"hello world\\n", AddOptions(), None).cid  # CID only, nothing stored
"""

from __future__ import annotations

from pytest_ipfs_accelerate.lazy import lazy_exports

_EXPORTS = {
    "engine.cid": ("CID", "cid_for_block", "verify_block"),
    "engine.importer": ("AddOptions", "AddedEntry", "AddError", "add_bytes", "add_stream",
                        "add_path", "add_paths"),
    "engine.car": ("read_car", "write_car", "export_car"),
    "engine.errors": ("IpfsNodeError", "BadRequestError", "UnsafePathError"),
    "node.backend": ("IpfsBackend", "Added"),
    "engine.kubo_release": ("KUBO_VERSION",),
    "node.simulated": ("SimulatedNode",),
    "node.faults": ("FaultConfig",),
    "node.swarm": ("make_swarm",),
    "node.errors": ("BlockNotFoundError", "CorruptBlockError", "InjectedFaultError",
                    "NodeOfflineError", "KuboUnavailableError", "KuboRpcError"),
    "rpc.server": ("KuboRpcServer",),
    "rpc.kubo_client": ("KuboRpcBackend",),
    "rpc.kubo_daemon": ("KuboDaemon",),
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
