"""The node's ``Import`` config as ``add`` defaults: sizes as Kubo parses them, what a node
reads at start, and that an option given wins."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.ipfs.engine import unixfs
from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.dagpb import decode_node
from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.node.import_config import at_start, parse_bytes, with_config
from pytest_ipfs_accelerate.ipfs.node.mfs import EMPTY_DIR
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode


@pytest.mark.parametrize("text,value", [("256KiB", 262144), ("1MB", 1_000_000),
                                        ("262144", 262144), ("1.5 kib", 1536), ("2GiB", 2 << 30)])
def test_sizes_as_kubo_reads_them(text: str, value: int) -> None:
    assert parse_bytes(text) == value


def test_bad_start_settings_are_named() -> None:
    with pytest.raises(IpfsNodeError, match="UnixFSHAMTDirectorySizeThreshold: invalid size"):
        at_start({"Import": {"UnixFSHAMTDirectorySizeThreshold": "lots"}})
    with pytest.raises(IpfsNodeError, match='must be "links-first" or "data-first", got '
                                            "'sideways'"):
        at_start({"Import": {"UnixFSPBNodeFieldOrder": "sideways"}})
    assert at_start({"Import": {"UnixFSPBNodeFieldOrder": "data-first"}}) == {
        "pb_field_order": "data-first"}
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


def test_repo_config_keys_are_set_as_ipfs_config_sets_them() -> None:
    node = SimulatedNode(repo_config={"Import.UnixFSPBNodeFieldOrder": "data-first",
                                      "Import.UnixFSHAMTDirectorySizeThreshold": "1KiB"})
    assert node.config["Import"]["UnixFSPBNodeFieldOrder"] == "data-first"
    assert node.import_at_start == {"pb_field_order": "data-first", "shard_threshold": 1024}
    with pytest.raises(IpfsNodeError, match=r"Import\.Nope not found"):
        SimulatedNode(repo_config={"Import.Nope": 1})
    with pytest.raises(IpfsNodeError, match="private key"):
        SimulatedNode(repo_config={"Identity.PrivKey": "x"})
    with pytest.raises(IpfsNodeError, match="identity and store are its own"):
        SimulatedNode(repo_config={"Datastore.StorageMax": "1GB"})
    with pytest.raises(IpfsNodeError, match="cannot unmarshal string"):
        SimulatedNode(repo_config={"Discovery.MDNS.Enabled": "yes"})


def test_mfs_directories_follow_the_start_settings() -> None:
    """Kubo applies the start-time HAMT threshold and field order to MFS as to add."""
    plain = SimulatedNode()
    tuned = SimulatedNode(repo_config={"Import.UnixFSPBNodeFieldOrder": "data-first",
                                       "Import.UnixFSHAMTDirectorySizeThreshold": "1KiB"})
    for node in (plain, tuned):
        cid = CID.decode(node.add_bytes(b"x", pin=False).cid)
        node.mfs.set("/d", CID.decode(EMPTY_DIR))
        for i in range(39):
            node.mfs.set(f"/d/{i:03d}", cid)
    kind = {n: unixfs.decode_data(decode_node(n.get_block(n.mfs.lookup("/d"))).data or b"")
            .type for n in (plain, tuned)}
    assert kind == {plain: unixfs.DIRECTORY, tuned: unixfs.HAMT_SHARD}
    assert tuned.get_block(CID.decode(tuned.mfs.root))[0] == 0x0A  # Data written first
    assert plain.get_block(CID.decode(plain.mfs.root))[0] == 0x12  # Links first
