"""Exception types of the checkpoint package."""

from __future__ import annotations

from pytest_ipfs_accelerate.errors import IpfsAccelError


class CheckpointError(IpfsAccelError):
    """Base of the checkpoint package's errors."""


class CheckpointNotFoundError(CheckpointError):
    """The checkpoint file, folder or a shard named by the index is missing."""


class CheckpointIndexError(CheckpointError):
    """A sharded checkpoint's ``model.safetensors.index.json`` is malformed."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint's tensors don't fit the model (shape, missing or extra names)."""


class CidMismatchError(CheckpointError):
    """Fetched checkpoint bytes don't hash to the CID they were requested by."""


class DeviceMapError(CheckpointError):
    """A device map is malformed, names unknown devices or doesn't fit in memory."""


class UnknownArchitectureError(CheckpointError):
    """The checkpoint's metadata names an architecture no runner knows."""
