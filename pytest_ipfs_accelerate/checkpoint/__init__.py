"""The checkpoint package: load safetensors checkpoints (file, shards or IPFS CID) onto devices.

Public API::

    from pytest_ipfs_accelerate.checkpoint import load_checkpoint_and_dispatch, infer
    model = load_checkpoint_and_dispatch(None, cid, node=node,
                                         devices=["cuda:H100-80GB x2"], device_map="balanced")
    model.ipfs_accel_device_map          # {"input": "cuda:0", ..., "head": "cuda:1"}
    infer(model, batch)                  # routed by the checkpoint's architecture metadata

Names load on first use, so importing the package (as the idle plugin does) is cheap.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.lazy import lazy_exports

_EXPORTS = {
    "device_map": ("DevicePlan", "plan_device_map"),
    "dispatch": ("infer", "load_checkpoint_and_dispatch"),
    "errors": ("CheckpointError", "CheckpointIndexError", "CheckpointMismatchError",
               "CheckpointNotFoundError", "CidMismatchError", "DeviceMapError",
               "UnknownArchitectureError"),
    "metrics": ("InferenceMetrics", "compute_inference_metrics", "measure_inference"),
    "publish": ("PublishedCheckpoint", "publish_example_checkpoint", "save_sharded_checkpoint"),
    "runners": ("RUNNERS", "save_checkpoint"),
    "sources": ("read_metadata",),
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
