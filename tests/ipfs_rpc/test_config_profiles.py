"""``config profile apply`` and ``config replace`` on the simulated node alone (the
differential suite checks the same against real Kubo; these run without it)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_ipfs_accelerate.ipfs.node.kubo_profiles import PROFILES
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

BOUNDARY = "b0undary"


@pytest.fixture
def rpc() -> Iterator[Any]:
    """``rpc(path, query="", body=None) -> (status, JSON)`` against a fresh node."""
    node = SimulatedNode(None)
    with KuboRpcServer(node) as server:
        def call(path: str, query: str = "", body: bytes | None = None) -> tuple[int, Any]:
            headers = {} if body is None else {
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
            req = urllib.request.Request(f"http://{server.host}:{server.port}/api/v0/{path}"
                                         f"?{query}", data=body or b"", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    text = resp.read().decode()
                    return resp.status, json.loads(text) if text.strip() else None
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read().decode())
        call.node = node  # type: ignore[attr-defined]
        yield call


def _file(doc: dict[str, Any]) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n{json.dumps(doc)}\r\n"
            f"--{BOUNDARY}--\r\n").encode()


def test_dry_run_stores_nothing_and_apply_does(rpc: Any) -> None:
    status, out = rpc("config/profile/apply", "arg=unixfs-v1-2025&dry-run=true")
    assert status == 200 and out["NewCfg"]["Import"]["CidVersion"] == 1
    assert out["OldCfg"]["Import"]["CidVersion"] is None
    assert rpc("config", "arg=Import.CidVersion")[1]["Value"] is None
    rpc("config/profile/apply", "arg=unixfs-v1-2025")
    assert rpc("config", "arg=Import.UnixFSHAMTDirectorySizeEstimation")[1]["Value"] == "block"


def test_profile_shapes_the_next_add(rpc: Any) -> None:
    data = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n{'x' * 300000}\r\n"
            f"--{BOUNDARY}--\r\n").encode()
    before = rpc("add", "pin=false", data)[1]["Hash"]
    rpc("config/profile/apply", "arg=unixfs-v1-2025")
    after = rpc("add", "pin=false", data)[1]["Hash"]
    # 300 kB: two 256 KiB chunks under CIDv0; under unixfs-v1-2025 one 1 MiB chunk, a raw leaf
    assert before.startswith("Qm") and after.startswith("bafkrei")
    rpc("config/profile/apply", "arg=legacy-cid-v0")
    assert rpc("add", "pin=false", data)[1]["Hash"] == before


@pytest.mark.parametrize("name", ["pebbleds", "badgerds", "flatfs-pebbleds"])
def test_a_profile_that_changes_the_layout_is_refused(rpc: Any, name: str) -> None:
    status, out = rpc("config/profile/apply", f"arg={name}")
    assert status == 500 and f'profile "{name}" changes the datastore layout' in out["Message"]
    assert rpc("config", "arg=Datastore.Spec")[1]["Value"]["type"] == "simulated"


def test_unknown_profile_and_every_known_one(rpc: Any) -> None:
    assert rpc("config/profile/apply", "arg=nope")[1]["Message"] == "nope is not a profile"
    assert len(PROFILES) == 24
    for name in PROFILES:
        status, out = rpc("config/profile/apply", f"arg={name}&dry-run=true")
        assert status in (200, 500), (name, out)


def test_replace_keeps_what_go_omits_and_merges_maps(rpc: Any) -> None:
    rpc("config/profile/apply", "arg=lowpower")  # sets optional (omitempty) fields
    rpc("config", "arg=API.HTTPHeaders.X-Kept&arg=%5B%22a%22%5D&json=true")
    status, _ = rpc("config/replace", body=_file({"Datastore": {"GCPeriod": "5h"},
                                                  "API": {"HTTPHeaders": {}}}))
    assert status == 200
    shown = rpc("config/show")[1]
    assert shown["Datastore"]["GCPeriod"] == "5h"
    assert shown["Swarm"]["ConnMgr"]["Type"] == "basic"  # omitted by Go: kept from the file
    assert shown["API"]["HTTPHeaders"]["X-Kept"] == ["a"]  # maps merge key by key
    assert "RemoteServices" not in shown["Pinning"]  # null, scrubbed as Kubo's show does
    # Kubo's daemon holds the replacement itself in memory: profile apply starts from it.
    old = rpc("config/profile/apply", "arg=announce-on&dry-run=true")[1]["OldCfg"]
    assert "ConnMgr" not in old["Swarm"] or not old["Swarm"]["ConnMgr"]
