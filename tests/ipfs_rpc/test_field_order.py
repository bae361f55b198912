"""``Import.UnixFSPBNodeFieldOrder = "data-first"`` (IPIP-550) and a small
``UnixFSHAMTDirectorySizeThreshold``: a real Kubo daemon and the simulated node, each with
the keys set in its repo before it starts, answer the same steps alike: adds, MFS
directories (basic and HAMT, listed in shard order) and files, and dag-pb blocks
written Data first."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import api_url
from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon
from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer
from pytest_ipfs_accelerate.strict import missing_backend

#: Both start-time Import keys: the field order, and a HAMT threshold MFS reaches quickly.
DATA_FIRST = {"Import.UnixFSPBNodeFieldOrder": "data-first",
              "Import.UnixFSHAMTDirectorySizeThreshold": "1KiB"}
BOUNDARY = "b0undary"
#: A directory block written Data first, its links named and sized as Kubo writes them.
DATA_FIRST_BLOCK = encode_node(PBNode(
    [PBLink(CID.decode("QmcJw6x4bQr7oFnVnF6i8SLcJvhXjaxWvj54FYXmZ4Ct6p"), name, 6)
     for name in ("a", "b")], b"\x08\x01"), data_first=True)

Call = Callable[..., tuple[int, Any]]


def _caller(addr: str) -> Call:
    def raw(path: str, query: str = "") -> bytes:
        req = urllib.request.Request(f"{addr}/api/v0/{path}?{query}", data=b"")
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.read()

    def call(path: str, query: str = "", body: bytes | None = None) -> tuple[int, Any]:
        headers = {} if body is None else {
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        req = urllib.request.Request(f"{addr}/api/v0/{path}?{query}", data=body or b"",
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                text = resp.read().decode()
                return resp.status, [json.loads(x) for x in text.splitlines() if x.strip()]
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read().decode())["Message"]
    call.raw = raw  # type: ignore[attr-defined]
    return call


def _file(data: bytes, name: str = "f") -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode() \
        + data + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture(scope="module")
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[Call, Call]]:
    """(Kubo, ours), both started with data-first in their repo's config."""
    binary = shutil.which(os.environ.get("IPFS_ACCEL_IPFS_BIN") or "ipfs")
    if binary is None:
        missing_backend(request.config, "Kubo (ipfs on PATH)",
                        "bash .ci/setup-kubo.sh builds the pinned release")
    daemon = KuboDaemon(binary, offline=True, repo_config=DATA_FIRST).start()
    try:
        with KuboRpcServer(SimulatedNode(None, repo_config=DATA_FIRST)) as server:
            assert daemon.api_addr is not None
            yield _caller(api_url(daemon.api_addr)), _caller(server.url)
    finally:
        daemon.stop()


STEPS: list[tuple[str, str, bytes | None]] = [
    ("config", "arg=Import.UnixFSPBNodeFieldOrder", None),
    ("add", "pin=false", _file(b"data first\n" * 60_000)),  # 3 chunks under a root
    ("add", "pin=false&trickle=true", _file(b"trickle\n" * 90_000)),
    ("add", "pin=false&wrap-with-directory=true", _file(b"one\n", "one.txt")),
    ("files/mkdir", "arg=/a/b&parents=true", None),
    ("files/write", "arg=/a/f.bin&create=true", _file(b"mfs file\n" * 70_000)),
    ("files/stat", "arg=/a", None),
    ("files/stat", "arg=/", None),
    # dag-json into dag-pb: Kubo's codec (go-codec-dagpb) keeps the spec's order here
    ("dag/put", "input-codec=dag-json&store-codec=dag-pb", _file(json.dumps({
        "Data": {"/": {"bytes": "CAE"}},
        "Links": [{"Hash": {"/": "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"},
                   "Name": "e", "Tsize": 4}]}).encode())),
]


def test_data_first_node_answers_as_kubo(pair: tuple[Call, Call]) -> None:
    """The steps in order, in one test: they build on each other (xdist and random order
    would split or reorder parametrized cases)."""
    kubo, ours = pair
    for path, query, body in STEPS:
        theirs = kubo(path, query, body)
        assert ours(path, query, body) == theirs, (path, query)
        assert theirs[0] == 200, (path, query, theirs)


def test_a_data_first_block_put_elsewhere_reads_as_on_kubo(pair: tuple[Call, Call]) -> None:
    """Kubo reads dag-pb blocks written Data first whatever its own order; so must we."""
    kubo, ours = pair
    put = kubo("block/put", "cid-codec=dag-pb", _file(DATA_FIRST_BLOCK))
    assert ours("block/put", "cid-codec=dag-pb", _file(DATA_FIRST_BLOCK)) == put
    cid = put[1][0]["Key"]
    assert DATA_FIRST_BLOCK[0] == 0x0A  # field 1, Data, comes first
    for path in ("dag/get", "block/stat"):
        theirs = kubo(path, f"arg={cid}")
        assert theirs[0] == 200 and ours(path, f"arg={cid}") == theirs, path


def test_the_key_changed_what_kubo_wrote(pair: tuple[Call, Call]) -> None:
    """The steps above compare like with like only if the key took effect: Kubo's CID of
    a file with several chunks is not the links-first one."""
    kubo, _ = pair
    data = b"data first\n" * 60_000
    cid = kubo("add", "pin=false", _file(data))[1][0]["Hash"]
    assert cid != SimulatedNode(None).add_bytes(data, pin=False).cid


def test_an_mfs_directory_past_the_threshold_as_on_kubo(pair: tuple[Call, Call]) -> None:
    kubo, ours = pair
    for i in range(40):
        query = f"arg=/h/{i:03d}&create=true&parents=true"
        assert ours("files/write", query, _file(b"%d" % i)) == \
            kubo("files/write", query, _file(b"%d" % i))
    theirs = kubo("files/stat", "arg=/h")
    assert theirs[0] == 200 and ours("files/stat", "arg=/h") == theirs
    listed = kubo("files/ls", "arg=/h&long=true")  # a HAMT lists in shard order
    assert ours("files/ls", "arg=/h&long=true") == listed
    names = [e["Name"] for e in listed[1][0]["Entries"]]
    assert len(names) == 40 and names != sorted(names)
    cid = theirs[1][0]["Hash"]
    assert ours("ls", f"arg={cid}") == kubo("ls", f"arg={cid}")  # ls sorts by name
    # get: the tar's members in shard order (their headers differ: Kubo writes PAX ones)
    members = [_members(call.raw("get", f"arg={cid}")) for call in (ours, kubo)]
    assert members[0] == members[1] and [m.rsplit("/")[-1] for m in members[1][1:]] == names


def _members(tar: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return archive.getnames()
