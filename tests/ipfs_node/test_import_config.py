"""The node's ``Import`` config as ``add`` defaults: sizes as Kubo parses them, what a node
reads at start, and that an option given wins."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.node.import_config import at_start, parse_bytes, with_config
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode


@pytest.mark.parametrize("text,value", [("256KiB", 262144), ("1MB", 1_000_000),
                                        ("262144", 262144), ("1.5 kib", 1536), ("2GiB", 2 << 30)])
def test_sizes_as_kubo_reads_them(text: str, value: int) -> None:
    assert parse_bytes(text) == value


def test_bad_start_settings_are_named() -> None:
    with pytest.raises(IpfsNodeError, match="UnixFSHAMTDirectorySizeThreshold: invalid size"):
        at_start({"Import": {"UnixFSHAMTDirectorySizeThreshold": "lots"}})
    with pytest.raises(IpfsNodeError, match="links first only"):
        at_start({"Import": {"UnixFSPBNodeFieldOrder": "data-first"}})
    assert at_start({"Import": {"UnixFSHAMTDirectorySizeThreshold": "1KiB"}}) == {
        "shard_threshold": 1024}


def test_an_option_given_wins_and_the_rest_come_from_the_config() -> None:
    config = {"Import": {"CidVersion": 1, "UnixFSDAGLayout": "trickle",
                         "UnixFSHAMTDirectorySizeEstimation": "block"}}
    got = with_config({"cid_version": 0, "trickle": None}, config, {"shard_threshold": 5})
    assert got == {"cid_version": 0, "trickle": True, "hamt_size_estimation": "block",
                   "shard_threshold": 5}


def test_a_node_with_profiles_refuses_unknown_ones_and_another_datastore() -> None:
    with pytest.raises(IpfsNodeError, match="'nope' is not one of Kubo's profiles"):
        SimulatedNode(profiles=["nope"])
    with pytest.raises(IpfsNodeError, match="store is fixed"):
        SimulatedNode(profiles=["pebbleds"])
    node = SimulatedNode(profiles=["test", "flatfs-measure", "unixfs-v0-2015"])
    assert node.config["Import"]["CidVersion"] == 0
    assert node.add_bytes(b"hello world\n").cid == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
