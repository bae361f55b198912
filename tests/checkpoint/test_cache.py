"""The [cache] of CID-fetched checkpoints: hits skip the fetch, bad entries are dropped."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")

from pytest_ipfs_accelerate.checkpoint import load_checkpoint_and_dispatch
from pytest_ipfs_accelerate.checkpoint.cache import CheckpointCache
from pytest_ipfs_accelerate.checkpoint.errors import CidMismatchError
from pytest_ipfs_accelerate.checkpoint.publish import publish_example_checkpoint
from pytest_ipfs_accelerate.config import Settings


class CountingNode:
    """Serves what it stored and counts fetches; ``tamper`` flips the last byte."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.fetches = 0
        self.tamper = False

    def add_bytes(self, data: bytes, name: str = "") -> object:
        from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, add_bytes

        cid = str(add_bytes(data, AddOptions(), None).cid)
        self.files[cid] = data
        return type("Added", (), {"cid": cid})()

    def cat(self, cid: str) -> bytes:
        self.fetches += 1
        data = self.files[cid]
        return data[:-1] + bytes([data[-1] ^ 1]) if self.tamper else data


@pytest.fixture
def published(tmp_path):
    node = CountingNode()
    return node, publish_example_checkpoint(node, tmp_path / "pub")


def test_second_load_is_a_verified_cache_hit(published, tmp_path):
    node, ckpt = published
    cache = CheckpointCache(tmp_path / "cache", 64 * 2**20)
    load_checkpoint_and_dispatch(None, ckpt.cid, node=node, cache=cache)
    load_checkpoint_and_dispatch(None, ckpt.cid, node=node, cache=cache)
    assert node.fetches == 1
    node.tamper = True  # the node now lies, but the cache holds verified bytes
    model = load_checkpoint_and_dispatch(None, ckpt.cid, node=node, cache=cache)
    assert model.ipfs_accel_source.cid == ckpt.cid and node.fetches == 1


def test_corrupted_cache_entry_is_dropped_and_refetched(published, tmp_path):
    node, ckpt = published
    cache = CheckpointCache(tmp_path / "cache", 64 * 2**20)
    load_checkpoint_and_dispatch(None, ckpt.cid, node=node, cache=cache)
    [entry] = [p for p in (tmp_path / "cache").iterdir() if p.is_dir()]
    [payload] = list(entry.iterdir())
    payload.write_bytes(payload.read_bytes()[:-1] + b"\x00")
    load_checkpoint_and_dispatch(None, ckpt.cid, node=node, cache=cache)
    assert node.fetches == 2  # the bad entry was not loaded
    node.tamper = True
    load_checkpoint_and_dispatch(None, ckpt.cid, node=node, cache=cache)  # re-stored entry is good
    assert node.fetches == 2


def test_tampered_fetch_is_never_cached(published, tmp_path):
    node, ckpt = published
    node.tamper = True
    cache = CheckpointCache(tmp_path / "cache", 64 * 2**20)
    with pytest.raises(CidMismatchError):
        load_checkpoint_and_dispatch(None, ckpt.cid, node=node, cache=cache)
    assert not any(p for p in (tmp_path / "cache").glob("*") if not p.name.startswith("."))


def test_eviction_keeps_the_cache_under_its_size(tmp_path):
    cache = CheckpointCache(tmp_path / "cache", 3000)
    for i, size in enumerate([1000, 1000, 1000, 1000]):
        src = tmp_path / f"f{i}.bin"
        src.write_bytes(b"x" * size)
        cache.store(f"bafy{i}", src)
    kept = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert kept == ["bafy1", "bafy2", "bafy3"]


def test_settings_choose_the_cache(tmp_path):
    (tmp_path / "ipfs_accelerate.toml").write_text('[cache]\npath = "c"\nmax_size_mb = 2\n')
    cache = CheckpointCache.from_settings(Settings.load(rootdir=tmp_path, env={}), tmp_path)
    assert cache is not None and cache.root == tmp_path / "c" and cache.max_bytes == 2 * 2**20
    (tmp_path / "ipfs_accelerate.toml").write_text("[cache]\nenabled = false\n")
    assert CheckpointCache.from_settings(Settings.load(rootdir=tmp_path, env={})) is None
