"""IPFS: the node gives the same CIDs Kubo would, and real clients can talk to it."""

from __future__ import annotations

import pytest


def test_hello_world_has_kubos_cid(ipfs_node):
    added = ipfs_node.add_bytes(b"hello world\n")
    assert str(added.cid) == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    assert ipfs_node.cat(str(added.cid)) == b"hello world\n"


@pytest.mark.parametrize("size", [0, 1, 262_144, 262_145], ids=lambda s: f"{s}B")
def test_round_trip_across_chunk_boundaries(ipfs_node, size):
    data = bytes(i % 251 for i in range(size))
    cid = str(ipfs_node.add_bytes(data).cid)
    assert ipfs_node.cat(cid) == data


def test_rpc_api_speaks_kubo(ipfs_client):
    cid = ipfs_client.add_bytes(b"from a real client\n")
    assert ipfs_client.cat(cid) == b"from a real client\n"
