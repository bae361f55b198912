"""The simulated node's own behaviour: blockstores, verification, repos, faults, peers,
and ``get`` never writing outside its target."""

from __future__ import annotations

import io
import random
import tarfile

import pytest

from pytest_ipfs_accelerate.ipfs.engine import exporter
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB, cid_for_block
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError, UnsafePathError
from pytest_ipfs_accelerate.ipfs.engine.unixfs import DIRECTORY, UnixFSData, encode_data
from pytest_ipfs_accelerate.ipfs.node.blockstore import (
    FlatfsBlockstore,
    MemoryBlockstore,
    block_key,
)
from pytest_ipfs_accelerate.ipfs.node.errors import (
    BlockNotFoundError,
    CorruptBlockError,
    InjectedFaultError,
    NodeOfflineError,
)
from pytest_ipfs_accelerate.ipfs.node.faults import FaultConfig
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.node.swarm import make_swarm


@pytest.mark.parametrize("kind", ["memory", "flatfs"])
def test_blockstore_verifies_every_read(kind, tmp_path):
    store = MemoryBlockstore() if kind == "memory" else FlatfsBlockstore(tmp_path / "blocks")
    cid = cid_for_block(b"payload", 0x55, 1)
    store.put(cid, b"payload")
    assert store.get(cid) == b"payload" and store.has(cid)
    store.corrupt(cid, b"PAYLOAD")
    with pytest.raises(CorruptBlockError, match=str(cid)):
        store.get(cid)
    assert store.delete(cid) and not store.has(cid)
    with pytest.raises(BlockNotFoundError, match=str(cid)):
        store.get(cid)


def test_identity_cids_are_never_stored():
    store = MemoryBlockstore()
    cid = cid_for_block(b"tiny", 0x55, 1, "identity")
    store.put(cid, b"tiny")
    assert list(store.multihashes()) == [] and store.get(cid) == b"tiny"


def test_flatfs_layout_and_repo_persistence(tmp_path):
    node = SimulatedNode(tmp_path / "repo")
    cid = node.add_bytes(b"hello world\n").cid
    mh = CID.decode(cid).multihash
    key = block_key(mh)
    assert (tmp_path / "repo" / "blocks" / key[-3:-1] / f"{key}.data").is_file()
    reopened = SimulatedNode(tmp_path / "repo")
    assert reopened.cat(cid) == b"hello world\n"
    assert reopened.pin_ls("recursive") == {cid: "recursive"}
    assert reopened.peer_id == node.peer_id


def test_corrupt_block_on_disk_names_the_cid(tmp_path):
    node = SimulatedNode(tmp_path / "repo")
    cid = node.add_bytes(b"hello world\n").cid
    node.blockstore.corrupt(CID.decode(cid), b"tampered")
    with pytest.raises(CorruptBlockError, match=cid):
        node.cat(cid)


def test_content_metadata():
    node = SimulatedNode()
    data = random.Random(3).randbytes(600_000)  # three leaves
    added = node.add_bytes(data, name="f")
    stat = node.stat(added.cid)
    assert (stat["Type"], stat["Size"], stat["Blocks"]) == ("file", 600_000, 3)
    assert stat["CumulativeSize"] == added.size > 600_000
    raw = node.add_bytes(b"abc", cid_version=1).cid
    assert node.stat(raw) | {"Local": True} == {"Hash": raw, "Size": 3, "CumulativeSize": 3,
                                                "Blocks": 0, "Type": "file", "Local": True}


# -- faults ----------------------------------------------------------------------------------

def _outcomes(seed):
    node = SimulatedNode(faults=FaultConfig(seed=seed, error_rate=0.5))
    out = []
    for _ in range(40):
        try:
            node.add_bytes(b"x", pin=False)
            out.append(True)
        except InjectedFaultError:
            out.append(False)
    return out


def test_error_rate_is_seeded_and_deterministic():
    first, again, other = _outcomes(1), _outcomes(1), _outcomes(2)
    assert first == again
    assert first != other
    assert 5 < first.count(False) < 35


def test_latency_and_bandwidth_use_the_sleep_hook():
    slept = []
    node = SimulatedNode(faults=FaultConfig(latency_s=0.25, bandwidth_bps=1000,
                                            ops=frozenset({"cat"})), sleep=slept.append)
    cid = node.add_bytes(b"a" * 500).cid
    assert slept == []  # add is not in ops
    assert node.cat(cid) == b"a" * 500
    assert slept[0] == pytest.approx(0.25) and sum(slept[1:]) == pytest.approx(0.5)


def test_fault_config_validation():
    with pytest.raises(BadRequestError, match="error_rate"):
        FaultConfig(error_rate=2)
    with pytest.raises(BadRequestError, match="unknown fault"):
        FaultConfig.from_mapping({"latency": 1})
    assert FaultConfig.from_mapping({"ops": "cat, add"}).ops == {"cat", "add"}


# -- peers -------------------------------------------------------------------------------------

def test_swarm_fetches_missing_blocks_from_peers():
    a, b, c = make_swarm(3)
    data = random.Random(5).randbytes(300_000)
    cid = a.add_bytes(data).cid
    assert not c.has_local(CID.decode(cid))
    assert c.cat(cid) == data
    assert c.fetched_from_peers == 3 and c.has_local(CID.decode(cid))
    assert c.gc()  # fetched blocks are not pinned
    assert b.cat(cid) == data


def test_offline_node_cannot_fetch():
    a, b = make_swarm(2, faults=[None, FaultConfig(offline=True)])
    cid = a.add_bytes(b"only on a\n").cid
    with pytest.raises(NodeOfflineError):
        b.cat(cid)
    lonely = SimulatedNode()
    with pytest.raises(BlockNotFoundError, match="no peers"):
        lonely.cat(cid)


def test_line_topology_only_fetches_from_direct_peers():
    a, b, c = make_swarm(3, topology="line")
    cid = a.add_bytes(b"two hops away\n").cid
    with pytest.raises(BlockNotFoundError):
        c.cat(cid)
    assert b.cat(cid) == b"two hops away\n"
    assert c.cat(cid) == b"two hops away\n"  # now b has it


# -- get never escapes its target ---------------------------------------------------------

def _evil_dir(node, name):
    file_cid = CID.decode(node.add_bytes(b"evil\n", pin=False).cid)
    block = encode_node(PBNode([PBLink(file_cid, name, 13)],
                               encode_data(UnixFSData(type=DIRECTORY))))
    cid = cid_for_block(block, DAG_PB, 0)
    node.put_block(cid, block)
    return str(cid)


@pytest.mark.parametrize("name", ["..", "../escape", "/etc/passwd", "a/b", ""])
def test_get_rejects_unsafe_names(tmp_path, name):
    node = SimulatedNode()
    root = _evil_dir(node, name)
    target = tmp_path / "target"
    with pytest.raises(UnsafePathError):
        node.get(root, target)
    with pytest.raises(UnsafePathError):
        b"".join(node.tar(root))
    assert not (tmp_path / "escape").exists()
    with pytest.raises(UnsafePathError):
        node.get(node.add_bytes(b"x").cid, target, name="../x")


def test_kubo_client_extract_rejects_escaping_tar(tmp_path):
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import _extract

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("root/../../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    buf.seek(0)
    with pytest.raises(UnsafePathError):
        _extract(buf, tmp_path / "t", None)
    assert not (tmp_path / "escape").exists()


def test_hamt_directories_are_listed_and_resolved():
    node = SimulatedNode()
    # 4000 x (33-byte name + 34-byte CID) > 256 KiB: past Kubo's sharding threshold.
    items = [(f"big/file-with-a-longer-name-{i:05d}.txt", f"{i}\n".encode())
             for i in range(4000)]
    root = node.add_entries(items)[-1].cid
    assert node.dag_get(root)["Data"]["/"]["bytes"].startswith("CAU")  # UnixFS type 5
    names = [e.name for e in exporter.dir_entries(node.get_block, CID.decode(root))]
    assert len(names) == 4000 and names != sorted(names)  # shard order, as Kubo walks it
    assert [e.name for e in exporter.dir_entries(node.get_block, CID.decode(root),
                                                 by_name=True)] == sorted(names)
    assert node.ls(root)[0]["Name"] == "file-with-a-longer-name-00000.txt"  # ls sorts
    assert node.cat(f"/ipfs/{root}/file-with-a-longer-name-03999.txt") == b"3999\n"


def test_both_backends_satisfy_the_protocol():
    from pytest_ipfs_accelerate.ipfs.node.backend import IpfsBackend
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend

    assert isinstance(SimulatedNode(), IpfsBackend)
    assert isinstance(KuboRpcBackend("/ip4/127.0.0.1/tcp/5001"), IpfsBackend)
    for name in [n for n in dir(IpfsBackend) if not n.startswith("_")]:
        assert callable(getattr(SimulatedNode, name, None)) or name in (
            "backend_name", "is_simulated", "api_addr"), name
