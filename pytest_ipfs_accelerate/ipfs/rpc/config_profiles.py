"""``config profile apply``: Kubo's profiles (:mod:`...node.kubo_profiles`) over the
node's document; ``--dry-run`` stores nothing."""

from __future__ import annotations

import copy

from pytest_ipfs_accelerate.ipfs.node.kubo_profiles import applied
from pytest_ipfs_accelerate.ipfs.rpc.commands import Arg, Opt, command
from pytest_ipfs_accelerate.ipfs.rpc.config_commands import store_document
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse


@command("config/profile/apply", [Arg("profile")], [Opt("dry-run")])
def config_profile_apply(req: RpcRequest) -> RpcResponse:
    """Apply a profile; the old and new documents (``--dry-run``: nothing is stored)."""
    node = req.node
    old = copy.deepcopy(node.config_in_memory or node.config)  # Kubo: its struct in memory
    new = applied(req.arg(0, "profile"), old)
    if not req.flag("dry-run"):
        store_document(node, new)
    return RpcResponse(json={"OldCfg": old, "NewCfg": new})
