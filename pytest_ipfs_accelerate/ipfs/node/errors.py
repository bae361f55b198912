"""Errors of the simulated node, its RPC server and the real-node backends.

They extend :class:`~pytest_ipfs_accelerate.ipfs.engine.errors.IpfsNodeError`, whose
``http_status`` the RPC server answers with.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError, IpfsNodeError


class BlockNotFoundError(IpfsNodeError):
    """A block is in neither this node's blockstore nor any connected peer's."""

    def __init__(self, cid: str, detail: str = "") -> None:
        self.cid = cid
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"block not found: {cid}{extra}; add the content to this node, connect a peer "
            f"that has it, or check the CID")


class CorruptBlockError(IpfsNodeError):
    """A stored block's bytes do not hash to its CID."""

    def __init__(self, cid: str, where: str = "") -> None:
        self.cid = cid
        loc = f" at {where}" if where else ""
        super().__init__(
            f"corrupted block {cid}{loc}: its bytes do not match the CID's multihash; remove it "
            f"(block rm) and add the content again")


class PinError(IpfsNodeError):
    """A pin operation that cannot be done (e.g. removing a pin that is not there)."""


class InjectedFaultError(IpfsNodeError):
    """A failure injected on purpose by the node's fault configuration."""


class NodeOfflineError(InjectedFaultError):
    """The node is configured offline: it cannot fetch blocks from peers."""


class RequestTooLargeError(IpfsNodeError):
    """An RPC request body is over the server's limit (HTTP 413)."""

    http_status = 413


class MultipartError(BadRequestError):
    """A multipart/form-data body that cannot be parsed (HTTP 400)."""


class KuboUnavailableError(IpfsNodeError):
    """No real Kubo node can be spawned or reached."""


class KuboRpcError(IpfsNodeError):
    """A Kubo RPC call answered with an error; ``message`` is the daemon's Message."""

    def __init__(self, message: str, status: int = 500, path: str = "") -> None:
        self.message = message
        self.status = status
        self.path = path
        super().__init__(f"{path}: {message} (HTTP {status})" if path else message)


class KeyError_(IpfsNodeError):
    """A key that does not exist, or a key name that cannot be used."""


class MfsError(IpfsNodeError):
    """An MFS (``files``) operation that cannot be done: a missing path, a wrong type."""
