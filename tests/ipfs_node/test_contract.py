"""The IPFS backend contract: one suite, run unchanged against every backend.

- ``simulated``: the in-process node;
- ``simulated-rpc``: the simulated node reached through its Kubo RPC server by the Kubo RPC
  client backend (proves the client/server pair);
- ``kubo``: a real daemon (spawned from PATH, or ``--ipfs-accel-ipfs-api``); skips when
  there is none.

Expected CIDs are published Kubo vectors, not values computed by this code.
"""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError

pytestmark = pytest.mark.ipfs_backends("simulated", "simulated-rpc", "kubo")

HELLO = b"hello world\n"
HELLO_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
EMPTY_V0 = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
EMPTY_V1 = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
ZEROS_1MIB = "QmVkbauSDEaMP4Tkq6Epm9uW75mWm136n81YH8fGtfwdHU"
# `echo -n '{"hello":"world"}' | ipfs dag put` (dag-json in, dag-cbor stored)
HELLO_DAG_CBOR = "bafyreidykglsfhoixmivffc5uwhcgshx4j465xwqntbmu43nb2dzqwfvae"


def test_backend_is_reported(ipfs_node, ipfs_backend, request):
    assert ("ipfs_backend", ipfs_backend) in request.node.user_properties
    assert ipfs_backend in repr(ipfs_node)
    assert ipfs_node.is_simulated == ipfs_backend.startswith("simulated")


def test_add_and_cat_known_vectors(ipfs_node):
    added = ipfs_node.add_bytes(HELLO, name="hello.txt")
    assert (added.cid, added.name, added.size) == (HELLO_CID, "hello.txt", 20)
    assert ipfs_node.cat(HELLO_CID) == HELLO
    assert ipfs_node.add_bytes(b"", name="e").cid == EMPTY_V0
    assert ipfs_node.add_bytes(b"", name="e", cid_version=1).cid == EMPTY_V1
    assert ipfs_node.add_bytes(b"\0" * (1 << 20), name="z").cid == ZEROS_1MIB


def test_cat_offset_and_length(ipfs_node):
    data = bytes(range(256)) * 4096  # 1 MiB: four 256 KiB chunks
    cid = ipfs_node.add_bytes(data, name="d").cid
    assert ipfs_node.cat(cid, offset=262_000, length=1_000) == data[262_000:263_000]
    assert ipfs_node.cat(cid, offset=len(data) - 5) == data[-5:]
    assert ipfs_node.cat(cid, offset=10, length=0) == b""
    assert ipfs_node.cat(f"/ipfs/{cid}") == data


def test_add_directory_ls_stat_and_get(ipfs_node, tmp_path):
    src = tmp_path / "site"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"aaa\n")
    (src / "sub" / "b.bin").write_bytes(b"b" * 70_000)
    (src / ".hidden").write_bytes(b"h")
    entries = ipfs_node.add_path(src, recursive=True)
    names = [e.name for e in entries]
    assert names == ["site/a.txt", "site/sub/b.bin", "site/sub", "site"]
    root = entries[-1].cid
    links = {link["Name"]: link for link in ipfs_node.ls(root)}
    assert set(links) == {"a.txt", "sub"}
    assert links["a.txt"]["Type"] == 2 and links["a.txt"]["Size"] == 4
    assert links["sub"]["Type"] == 1
    stat = ipfs_node.stat(root)
    assert stat["Type"] == "directory" and stat["Blocks"] == 2
    assert stat["CumulativeSize"] == entries[-1].size
    fstat = ipfs_node.stat(f"{root}/sub/b.bin")
    assert (fstat["Type"], fstat["Size"]) == ("file", 70_000)
    assert ipfs_node.cat(f"/ipfs/{root}/sub/b.bin") == b"b" * 70_000
    out = ipfs_node.get(root, tmp_path / "out", name="copy")
    assert (out / "a.txt").read_bytes() == b"aaa\n"
    assert (out / "sub" / "b.bin").read_bytes() == b"b" * 70_000
    assert not (out / ".hidden").exists()


def test_add_options_change_the_dag(ipfs_node):
    data = b"x" * 1000
    default = ipfs_node.add_bytes(data, name="x").cid
    small_chunks = ipfs_node.add_bytes(data, name="x", chunker="size-100").cid
    trickle = ipfs_node.add_bytes(data, name="x", chunker="size-100", trickle=True).cid
    raw_v0 = ipfs_node.add_bytes(data, name="x", raw_leaves=True).cid
    assert len({default, small_chunks, raw_v0}) == 3
    assert default.startswith("Qm") and raw_v0.startswith("bafk")  # one raw leaf
    assert ipfs_node.stat(small_chunks)["Blocks"] == 10
    assert ipfs_node.cat(trickle) == data
    inline = ipfs_node.add_bytes(b"tiny", name="t", cid_version=1, inline=True).cid
    assert inline.startswith("bafkqa")  # identity multihash: the bytes are in the CID
    assert ipfs_node.cat(inline) == b"tiny"
    wrapped = ipfs_node.add_bytes(HELLO, name="hello.txt", wrap_with_directory=True)
    assert wrapped.name == ""
    assert ipfs_node.cat(f"{wrapped.cid}/hello.txt") == HELLO
    only = ipfs_node.add_bytes(b"never stored 123", name="n", only_hash=True)
    with pytest.raises(IpfsNodeError):
        ipfs_node.block_get(only.cid)


def test_pins_recursive_direct_indirect(ipfs_node, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"pinned child\n")
    entries = ipfs_node.add_path(tmp_path / "d", recursive=True, pin=False)
    root, child = entries[-1].cid, entries[0].cid
    assert root not in ipfs_node.pin_ls("recursive")
    assert ipfs_node.pin_add(root) == [root]
    assert ipfs_node.pin_ls("recursive")[root] == "recursive"
    assert ipfs_node.pin_ls("indirect")[child] == "indirect"
    assert ipfs_node.pin_ls("all", [child]) == {child: f"indirect through {root}"}
    direct = ipfs_node.add_bytes(b"direct pin\n", name="x", pin=False).cid
    ipfs_node.pin_add(direct, recursive=False)
    assert ipfs_node.pin_ls("direct") == {direct: "direct"}
    with pytest.raises(IpfsNodeError):
        ipfs_node.pin_rm(child)  # indirect pins cannot be removed
    assert ipfs_node.pin_rm(root) == [root]
    assert root not in ipfs_node.pin_ls("recursive")
    with pytest.raises(IpfsNodeError):
        ipfs_node.pin_rm(root)


def test_gc_removes_unpinned_blocks(ipfs_node):
    kept = ipfs_node.add_bytes(b"keep me\n", name="k").cid
    dropped = ipfs_node.add_bytes(b"drop me, I am not pinned\n", name="d", pin=False).cid
    removed = ipfs_node.gc()
    assert len(removed) >= 1
    assert ipfs_node.cat(kept) == b"keep me\n"
    with pytest.raises(IpfsNodeError):
        ipfs_node.block_get(dropped)


def test_blocks_put_get_stat_rm(ipfs_node):
    cid = ipfs_node.block_put(b"a raw block")
    assert cid.startswith("bafkrei")
    assert ipfs_node.block_get(cid) == b"a raw block"
    assert ipfs_node.block_stat(cid) == {"Key": cid, "Size": 11}
    ipfs_node.block_rm(cid)
    with pytest.raises(IpfsNodeError):
        ipfs_node.block_get(cid)
    pinned = ipfs_node.block_put(b"pinned block", pin=True)
    with pytest.raises(IpfsNodeError):
        ipfs_node.block_rm(pinned)


def test_dag_put_and_get(ipfs_node):
    cid = ipfs_node.dag_put({"hello": "world"})
    assert cid == HELLO_DAG_CBOR
    assert ipfs_node.dag_get(cid) == {"hello": "world"}
    linked = ipfs_node.dag_put({"link": {"/": HELLO_DAG_CBOR}, "n": 1}, store_codec="dag-json")
    assert linked.startswith("baguqee")
    assert ipfs_node.dag_get(linked) == {"link": {"/": HELLO_DAG_CBOR}, "n": 1}
    file_cid = ipfs_node.add_bytes(HELLO, name="h").cid
    node = ipfs_node.dag_get(file_cid)
    assert node["Links"] == [] and set(node["Data"]["/"]) == {"bytes"}


def test_repo_stat_id_version(ipfs_node):
    before = ipfs_node.repo_stat()["NumObjects"]
    ipfs_node.add_bytes(b"one more object for the repo\n", name="r")
    after = ipfs_node.repo_stat()
    assert after["NumObjects"] > before and after["RepoSize"] > 0
    ident = ipfs_node.id()
    assert ident["ID"].startswith("12D3KooW") and "AgentVersion" in ident
    version = ipfs_node.version()
    assert version["Version"].count(".") == 2


@pytest.mark.parametrize("bad", ["notacid", "Qm123", "bafyINVALID"])
def test_invalid_cid_is_an_error(ipfs_node, bad):
    with pytest.raises(IpfsNodeError):
        ipfs_node.cat(bad)


def test_cat_of_a_directory_is_an_error(ipfs_node):
    wrapped = ipfs_node.add_bytes(HELLO, name="h", wrap_with_directory=True).cid
    with pytest.raises(IpfsNodeError, match="directory"):
        ipfs_node.cat(wrapped)


def test_dag_export_import_roundtrip(ipfs_node, tmp_path):
    import io

    src = tmp_path / "d"
    src.mkdir()
    (src / "a").write_bytes(b"a" * 300_000)
    (src / "b").write_bytes(b"bee\n")
    root = ipfs_node.add_path(src, pin=False)[-1].cid
    car = b"".join(ipfs_node.dag_export(root))
    assert car[1:].startswith(b"\xa2eroots")  # dag-cbor header {roots, version}
    ipfs_node.gc()
    with pytest.raises(IpfsNodeError):
        ipfs_node.cat(f"{root}/b")
    assert ipfs_node.dag_import(io.BytesIO(car)) == [root]
    assert ipfs_node.cat(f"{root}/a") == b"a" * 300_000
    assert ipfs_node.pin_ls("recursive")[root] == "recursive"


def test_two_nodes_fetch_each_others_blocks(ipfs_node_factory):
    """Several nodes: on kubo, two daemons of their own peering over bitswap."""
    import os

    one, two = ipfs_node_factory(), ipfs_node_factory()
    assert one.id()["ID"] != two.id()["ID"]
    data = os.urandom(600_000)  # three chunks under a root node
    root = one.add_bytes(data, name="big").cid
    one.connect(two)
    assert two.id()["ID"] in {peer["Peer"] for peer in one.swarm_peers()}
    assert two.cat(root) == data
    back = two.add_bytes(b"from the second node\n", name="b").cid
    assert one.cat(back) == b"from the second node\n"
    assert two.pin_add(root) == [root]  # every block is now local to the second node


# `ipfs init --profile test,unixfs-v1-2025`, then `ipfs add`: b"profiled\n" x 200,000 (two
# 1 MiB chunks), and a folder of 2,600 empty files named f"{i:05d}-" + "e" * 54 (a HAMT by
# the block-size estimate only); with the test profile alone they are Qm... CIDs.
PROFILED_DATA = b"profiled\n" * 200_000
PROFILED_CID = "bafybeiao2tjshcur5raka2lgsfihahntykqkp4i5gkx4enajkp3nrh2sdu"
PROFILED_DIR_CID = "bafybeifujy4c32m6ouphlkko6l4livofyvx6btth6ikijt6urhrbfmxujy"
PLAIN_DATA_CID = "QmeCsRtLPFqyohev7WEHmyGQwSkdkqXBp9QXd4SZo6uFLG"
# The same data with --cid-version=0 under the profile: the flag wins, its 1 MiB chunks stay.
PROFILED_V0_CID = "QmPLYe7FBqPffDTzmmWW3JZXxBfoQzGfn1pu3tWPkX3E1z"


def test_a_profile_shapes_every_add(ipfs_node_factory, tmp_path):
    """``profile=``: the repo starts with Kubo's unixfs-v1-2025 settings (IPIP-499)."""
    folder = tmp_path / "edge"
    folder.mkdir()
    for i in range(2600):
        (folder / (f"{i:05d}-" + "e" * 54)).touch()
    node = ipfs_node_factory(profile="unixfs-v1-2025")
    assert node.add_bytes(PROFILED_DATA, name="d").cid == PROFILED_CID
    assert node.add_path(folder)[-1].cid == PROFILED_DIR_CID
    assert node.add_bytes(PROFILED_DATA, name="d", cid_version=0).cid == PROFILED_V0_CID
    assert ipfs_node_factory().add_bytes(PROFILED_DATA, name="d").cid == PLAIN_DATA_CID


def test_an_unknown_profile_is_named_and_spoils_no_later_node(ipfs_node_factory):
    with pytest.raises(ValueError, match="'nope' is not one of Kubo's profiles"):
        ipfs_node_factory(profile=["unixfs-v1-2025", "nope"])
    assert ipfs_node_factory().add_bytes(HELLO, name="h").cid == HELLO_CID


# `ipfs init --profile test`, `ipfs config Import.UnixFSPBNodeFieldOrder data-first`, then
# `ipfs add` of bytes(range(256)) * 5000 (five chunks under a root written Data first).
DATA_FIRST_DATA = bytes(range(256)) * 5000
DATA_FIRST_CID = "QmavzLvZfqUDhaj6bKs8zyA5sEXdCs9orujXU6Z6Ew2WX8"
LINKS_FIRST_CID = "Qma8gTArz9gHtqAb4iorXohoVLJm1xwPb4eBZjSdB7BD6e"


def test_repo_config_shapes_the_node(ipfs_node_factory):
    """``config=``: keys set in the repo before the node starts (IPIP-550's field order)."""
    node = ipfs_node_factory(config={"Import.UnixFSPBNodeFieldOrder": "data-first"})
    assert node.add_bytes(DATA_FIRST_DATA, name="d").cid == DATA_FIRST_CID
    assert ipfs_node_factory().add_bytes(DATA_FIRST_DATA, name="d").cid == LINKS_FIRST_CID


def test_a_config_key_kubo_refuses_is_named_at_once(ipfs_node_factory):
    with pytest.raises(ValueError, match=r"'Import\.Nope'.*Import\.Nope not found"):
        ipfs_node_factory(config={"Import.Nope": 1})
    assert ipfs_node_factory().add_bytes(HELLO, name="h").cid == HELLO_CID
