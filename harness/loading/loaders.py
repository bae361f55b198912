"""What the parallel-loading suite loads, and how: serially, on threads, on processes.

The worker functions are module-level (picklable by name) and take one batch, so a
process pool gets one task per worker and sends the loaded data back, as a real loader
would have to.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

MIB = 1 << 20
BLOCK_BYTES = 256 * 1024
MODES = ("serial", "threads", "processes")


def make_shards(folder: Path, n_shards: int, shard_bytes: int) -> list[str]:
    """``n_shards`` safetensors files of four float32 tensors each, about ``shard_bytes``."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(0)
    per_tensor = max(shard_bytes // 4 // 4, 1)  # four tensors of float32
    paths = []
    for i in range(n_shards):
        tensors = {f"layer{i}.w{j}": torch.randn(per_tensor, generator=gen) for j in range(4)}
        path = folder / f"model-{i + 1:05d}-of-{n_shards:05d}.safetensors"
        save_file(tensors, str(path))
        paths.append(str(path))
    return paths


def load_shards(paths: Sequence[str]) -> list[dict[str, Any]]:
    """Every tensor of each shard in private memory: opened the way
    ``load_checkpoint_and_dispatch`` opens them, then copied out of the file mapping
    (``get_tensor`` alone is lazy: it maps the file and reads nothing), as copying into
    the model's parameters does."""
    from safetensors import safe_open

    out = []
    for path in paths:
        with safe_open(path, framework="pt") as handle:
            out.append({name: handle.get_tensor(name).clone()
                        for name in handle.keys()})  # noqa: SIM118
    return out


def make_blocks(root: Path, n_blocks: int) -> list[str]:
    """``n_blocks`` random raw blocks of 256 KiB in a flatfs blockstore; their CIDs."""
    from pytest_ipfs_accelerate.ipfs.engine.cid import cid_for_block
    from pytest_ipfs_accelerate.ipfs.node.blockstore import FlatfsBlockstore

    store = FlatfsBlockstore(root)
    cids = []
    for _ in range(n_blocks):
        data = os.urandom(BLOCK_BYTES)
        cid = cid_for_block(data, 0x55, 1)
        store.put(cid, data)
        cids.append(str(cid))
    return cids


def load_blocks(root: str, cids: Sequence[str]) -> list[bytes]:
    """Each block read from the flatfs store and verified against its CID."""
    from pytest_ipfs_accelerate.ipfs.engine.cid import CID
    from pytest_ipfs_accelerate.ipfs.node.blockstore import FlatfsBlockstore

    store = FlatfsBlockstore(root)
    return [store.get(CID.decode(c)) for c in cids]


def warm_worker() -> None:
    """Process-pool initializer: import what the loaders need once, not per task."""
    import safetensors.torch  # noqa: F401

    import pytest_ipfs_accelerate.ipfs.node.blockstore  # noqa: F401


def batches(items: Sequence[Any], n: int) -> list[list[Any]]:
    """``items`` in ``n`` contiguous batches of near-equal length (none empty)."""
    n = max(1, min(n, len(items)))
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return out


def load_with(executor: Executor | None, fn: Callable[..., list[Any]], items: Sequence[Any],
              workers: int, *args: Any) -> list[Any]:
    """``fn(*args, batch)`` over ``items``: in this thread when ``executor`` is None, else
    one batch per worker on ``executor``; results in order."""
    if executor is None:
        return fn(*args, items)
    futures = [executor.submit(fn, *args, batch) for batch in batches(items, workers)]
    return [x for f in futures for x in f.result()]
