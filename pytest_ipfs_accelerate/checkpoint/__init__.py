"""Checkpoint room: load safetensors checkpoints (file, shards or IPFS CID) onto devices.

Public API::

    from pytest_ipfs_accelerate.checkpoint import load_checkpoint_and_dispatch, infer
    model = load_checkpoint_and_dispatch(None, cid, node=node,
                                         devices=["cuda:H100-80GB x2"], device_map="balanced")
    model.ipfs_accel_device_map          # {"input": "cuda:0", ..., "head": "cuda:1"}
    infer(model, batch)                  # routed by the checkpoint's architecture metadata
"""

from __future__ import annotations

from pytest_ipfs_accelerate.checkpoint.device_map import DevicePlan, plan_device_map
from pytest_ipfs_accelerate.checkpoint.dispatch import infer, load_checkpoint_and_dispatch
from pytest_ipfs_accelerate.checkpoint.errors import (
    CheckpointError,
    CheckpointIndexError,
    CheckpointMismatchError,
    CheckpointNotFoundError,
    CidMismatchError,
    DeviceMapError,
    UnknownArchitectureError,
)
from pytest_ipfs_accelerate.checkpoint.metrics import (
    InferenceMetrics,
    compute_inference_metrics,
    measure_inference,
)
from pytest_ipfs_accelerate.checkpoint.publish import (
    PublishedCheckpoint,
    publish_example_checkpoint,
    save_sharded_checkpoint,
)
from pytest_ipfs_accelerate.checkpoint.runners import RUNNERS, read_metadata, save_checkpoint

__all__ = [
    "RUNNERS",
    "CheckpointError",
    "CheckpointIndexError",
    "CheckpointMismatchError",
    "CheckpointNotFoundError",
    "CidMismatchError",
    "DeviceMapError",
    "DevicePlan",
    "InferenceMetrics",
    "PublishedCheckpoint",
    "UnknownArchitectureError",
    "compute_inference_metrics",
    "infer",
    "load_checkpoint_and_dispatch",
    "measure_inference",
    "plan_device_map",
    "publish_example_checkpoint",
    "read_metadata",
    "save_checkpoint",
    "save_sharded_checkpoint",
]
