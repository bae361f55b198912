"""murmur3 against the JS implementation's vectors, and the HAMT switch rule."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ipfs_accelerate.ipfs.engine import hamt
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, cid_for_block
from pytest_ipfs_accelerate.ipfs.engine.dagpb import decode_node
from pytest_ipfs_accelerate.ipfs.engine.importer import (
    AddError,
    AddOptions,
    add_bytes,
    add_directory_entries,
)
from pytest_ipfs_accelerate.ipfs.engine.unixfs import HAMT_SHARD, decode_data
from tests.ipfs_engine.engine_vectors import load_vectors


@pytest.mark.parametrize("case", load_vectors()["murmur3_x64_128"], ids=lambda c: repr(c["input"]))
def test_murmur3_matches_js_reference(case: dict[str, Any]) -> None:
    h1, h2 = hamt.murmur3_x64_128(case["input"].encode())
    # @multiformats/murmur3 writes h1 then h2, each big-endian.
    assert (h1.to_bytes(8, "big") + h2.to_bytes(8, "big")).hex() == case["x64_128"]


def test_murmur3_known_vectors() -> None:
    assert hamt.murmur3_x64_128(b"") == (0, 0)
    h1, h2 = hamt.murmur3_x64_128(b"hello")
    assert f"{h1:016x}{h2:016x}" == "cbd8a7b341bd9b025b1e906a48ae1d19"
    assert hamt.murmur3_x64_64(b"hello") == bytes.fromhex("cbd8a7b341bd9b02")


def _entries(count: int, name_len: int) -> dict[str, tuple[CID, int]]:
    opts = AddOptions()
    out = {}
    for i in range(count):
        leaf = add_bytes(str(i).encode(), opts, None)
        out[f"{i:06d}".ljust(name_len, "x")] = (leaf.cid, leaf.size)
    return out


def test_switch_is_strictly_above_threshold() -> None:
    entries = _entries(10, 16)  # estimate: 10 * (16 + 34) = 500
    rows = [(n, c, s) for n, (c, s) in entries.items()]
    assert not hamt.needs_sharding(rows, 500)
    assert hamt.needs_sharding(rows, 499)
    assert not hamt.needs_sharding(rows, 0)  # 0 disables sharding


def test_block_estimate_is_the_basic_block_length() -> None:
    rows = [(n, c, s) for n, (c, s) in _entries(10, 16).items()]
    blocks: dict[CID, bytes] = {}
    root = add_directory_entries({n: (c, s) for n, c, s in rows}, AddOptions(),
                                 blocks.__setitem__)
    size = len(blocks[root.cid])
    assert hamt.block_size(rows, b"\x08\x01") == size
    assert not hamt.needs_sharding(rows, size, estimation="block", data=b"\x08\x01")
    assert hamt.needs_sharding(rows, size - 1, estimation="block", data=b"\x08\x01")
    assert not hamt.needs_sharding(rows, 1, estimation="disabled")
    assert hamt.needs_sharding(rows, 1, max_links=9, estimation="disabled")


def test_unknown_estimation_is_kubos_error() -> None:
    with pytest.raises(AddError, match='must be "links", "block", or "disabled", got "exact"'):
        AddOptions(hamt_size_estimation="exact")


def test_shard_structure() -> None:
    blocks: dict[CID, bytes] = {}
    entries = _entries(400, 8)
    root = add_directory_entries(entries, AddOptions(shard_threshold=1000), blocks.__setitem__)
    node = decode_node(blocks[root.cid])
    data = decode_data(node.data or b"")
    assert data.type == HAMT_SHARD and data.fanout == 256 and data.hash_type == 0x22
    bitfield = int.from_bytes(data.data or b"", "big")
    assert bin(bitfield).count("1") == len(node.links)
    assert [link.name[:2] for link in node.links] == sorted(link.name[:2] for link in node.links)
    found = set()

    def walk(cid: CID) -> None:
        for link in decode_node(blocks[cid]).links:
            if len(link.name) == 2:
                walk(link.cid)
            else:
                found.add(link.name[2:])
    walk(root.cid)
    assert found == set(entries)
    assert root.size == sum(len(b) for c, b in blocks.items()) + sum(s for _, s in entries.values())


def test_bad_fanout() -> None:
    with pytest.raises(hamt.HAMTError, match="power of two"):
        hamt.build_shard([], lambda b: (cid_for_block(b, 0x70, 0), len(b)), fanout=100)
