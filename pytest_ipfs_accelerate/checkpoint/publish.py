"""Writing example checkpoints: single-file or sharded safetensors, and publishing to IPFS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.checkpoint.runners import (
    checkpoint_metadata,
    runner_for,
    save_checkpoint,
)
from pytest_ipfs_accelerate.checkpoint.sources import INDEX_NAME, open_local

#: Constructor arguments of the example models the ``checkpoint`` fixture builds.
EXAMPLE_CONFIGS: dict[str, dict[str, Any]] = {
    "mlp-classifier": {"in_features": 16, "hidden": 32, "out_features": 4, "depth": 2},
    "mlp-regressor": {"in_features": 8, "hidden": 16, "out_features": 1, "depth": 2},
    "tiny-text": {"vocab_size": 64, "dim": 32, "layers": 2, "context": 16},
}


@dataclass
class PublishedCheckpoint:
    """A checkpoint on disk and on an IPFS node: what the ``checkpoint`` fixture returns."""

    cid: str
    path: Path
    metadata: dict[str, str]
    state_dict: dict[str, Any]  # the original tensors, for comparison
    node: Any
    model: Any  # the model that was saved


def build_example_model(architecture: str = "mlp-classifier",
                        config: Mapping[str, Any] | None = None, seed: int = 0) -> Any:
    """A seeded example model of a known architecture."""
    import torch

    runner = runner_for({"architecture": architecture})
    torch.manual_seed(seed)
    return runner.build(dict(config or EXAMPLE_CONFIGS[architecture]))


def save_sharded_checkpoint(model: Any, folder: str | Path, *, architecture: str,
                            config: Mapping[str, Any] | None = None,
                            max_shard_bytes: int = 4096) -> Path:
    """Save ``model`` as shards of at most ``max_shard_bytes`` (one tensor may exceed it)
    plus ``model.safetensors.index.json``, in the Hugging Face layout."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shards: list[dict[str, Any]] = [{}]
    size = 0
    for name, tensor in model.state_dict().items():
        nbytes = tensor.numel() * tensor.element_size()
        if shards[-1] and size + nbytes > max_shard_bytes:
            shards.append({})
            size = 0
        shards[-1][name] = tensor.detach().contiguous().cpu()
        size += nbytes
    meta = checkpoint_metadata(architecture, config=config)
    weight_map: dict[str, str] = {}
    for i, shard in enumerate(shards, 1):
        file = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, str(folder / file), metadata=meta)
        weight_map.update(dict.fromkeys(shard, file))
    total = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    (folder / INDEX_NAME).write_text(json.dumps(
        {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    return folder


def publish(node: Any, path: Path) -> str:
    """Add a file or folder to ``node``; returns the root CID string."""
    if path.is_dir():
        added = node.add_path(path, recursive=True)
        return str(added[-1].cid)
    if hasattr(node, "add_bytes"):
        return str(node.add_bytes(path.read_bytes(), name=path.name).cid)
    result = node.add(str(path))  # ipfshttpclient style
    return str(result["Hash"] if isinstance(result, Mapping) else result)


def publish_example_checkpoint(node: Any, folder: Path, *, architecture: str = "mlp-classifier",
                               config: Mapping[str, Any] | None = None, seed: int = 0,
                               sharded: bool = False) -> PublishedCheckpoint:
    """Build a seeded example model, save it (with metadata) and publish it to ``node``."""
    config = dict(config or EXAMPLE_CONFIGS[architecture])
    folder.mkdir(parents=True, exist_ok=True)
    model = build_example_model(architecture, config, seed)
    if sharded:
        path = save_sharded_checkpoint(model, folder / "sharded", architecture=architecture,
                                       config=config)
    else:
        path = save_checkpoint(model, folder / "model.safetensors", architecture=architecture,
                               config=config)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return PublishedCheckpoint(publish(node, path), path, open_local(path).metadata, state, node,
                               model)
