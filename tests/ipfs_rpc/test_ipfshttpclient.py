"""ipfshttpclient 0.7, unchanged (``Client(addr)``), against real Kubo and ours: every
endpoint it has a method for among those added for Kubo parity (files, key, name, dag
get/put/resolve, pin update/verify, resolve, refs, config, repo stat, the offline
bitswap/dht/object answers). The two runs must agree step by step.

Real Kubo is required (skips locally without it; fails in CI). Like the JS client's test,
the steps touch only what they create and leave no pin, key or MFS entry behind.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest

from tests.ipfs_rpc.client_runs import Results, failed_steps, run_steps, step_diffs

ipfshttpclient = pytest.importorskip("ipfshttpclient")

VOLATILE = {
    "version": frozenset({"Commit", "System", "Golang"}),
    "id": frozenset({"ID", "PublicKey", "AgentVersion", "Addresses", "Protocols"}),
    "key.gen": frozenset({"Id"}),
    "key.list own": frozenset({"Id"}),
    "name.publish": frozenset({"Name"}),
    "key.rename": frozenset({"Id"}),
    "key.rm": frozenset({"Id"}),
    "repo.stat": frozenset({"NumObjects", "RepoSize", "RepoPath"}),
}
UNORDERED = frozenset({"key.list own"})
EXPECTED_ERRORS = frozenset({
    "files.stat missing", "files.rm non-recursive", "files.read removed", "key.gen 2048 bits",
    "key.rm missing", "bitswap.stat", "dht.findpeer", "dht.query", "object.stat",
    "config.set bad type"})


def _plain(value: Any) -> Any:
    """What the client returned, as JSON values."""
    if hasattr(value, "as_json"):
        value = value.as_json()
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _steps(client: Any, folder: Path) -> list[tuple[str, Any]]:
    st: dict[str, Any] = {}
    mfs = "/pyclient"

    def remember(key: str, value: Any) -> Any:
        st[key] = value
        return value

    def own_keys() -> Any:
        return [k for k in client.key.list()["Keys"] if k["Name"].startswith("pyclient")]

    def config_shape() -> Any:
        config = client.config.get()
        return {"sections": sorted(config), "identity": sorted(config["Identity"])}

    return [
        ("version", client.version),
        ("id", client.id),
        ("add_bytes", lambda: remember("file", client.add_bytes(b"pyclient hello\n"))),
        ("add folder", lambda: remember("dir", client.add(str(folder), recursive=True,
                                                          pin=False))),
        ("files.mkdir", lambda: client.files.mkdir(f"{mfs}/sub", parents=True)),
        ("files.write", lambda: client.files.write(f"{mfs}/sub/a.txt",
                                                   io.BytesIO(b"pyclient mfs text"),
                                                   create=True)),
        ("files.write offset", lambda: client.files.write(f"{mfs}/sub/a.txt",
                                                          io.BytesIO(b"MFS"), offset=9)),
        ("files.read", lambda: client.files.read(f"{mfs}/sub/a.txt")),
        ("files.read offset count", lambda: client.files.read(f"{mfs}/sub/a.txt", offset=3,
                                                              count=4)),
        ("files.cp", lambda: client.files.cp(f"/ipfs/{st['file']}", f"{mfs}/hello.txt")),
        ("files.mv", lambda: client.files.mv(f"{mfs}/hello.txt", f"{mfs}/sub/hello.txt")),
        ("files.ls", lambda: client.files.ls(f"{mfs}/sub")),
        ("files.stat", lambda: client.files.stat(f"{mfs}/sub")),
        ("files.stat missing", lambda: client.files.stat(f"{mfs}/missing")),
        ("files.rm non-recursive", lambda: client.files.rm(f"{mfs}/sub")),
        ("files.rm", lambda: client.files.rm(mfs, recursive=True)),
        ("files.read removed", lambda: client.files.read(f"{mfs}/sub/a.txt")),
        ("key.gen 2048 bits", lambda: client.key.gen("pyclient-key", "ed25519")),
        ("key.gen", lambda: remember("key", client.key.gen("pyclient-key", "ed25519", 256))),
        ("key.list own", own_keys),
        ("name.publish", lambda: client.name.publish(f"/ipfs/{st['file']}",
                                                     key="pyclient-key", allow_offline=True,
                                                     lifetime="1h")),
        ("name.resolve", lambda: client.name.resolve(f"/ipns/{st['key']['Id']}")),
        ("resolve ipns", lambda: client.resolve(f"/ipns/{st['key']['Id']}")),
        ("key.rename", lambda: client.key.rename("pyclient-key", "pyclient-renamed")),
        ("key.rm", lambda: client.key.rm("pyclient-renamed")),
        ("key.rm missing", lambda: client.key.rm("pyclient-renamed")),
        ("name.resolve after key.rm", lambda: client.name.resolve(f"/ipns/{st['key']['Id']}")),
        ("resolve path", lambda: client.resolve(f"/ipfs/{st['dir'][-1]['Hash']}/a.txt")),
        ("dag.put", lambda: remember("dag", client.dag.put(
            io.BytesIO(b'{"pyclient": [1, {"/": "' + st["file"].encode() + b'"}]}')))),
        ("dag.get", lambda: client.dag.get(st["dag"]["Cid"]["/"])),
        ("dag.get path", lambda: client.dag.get(f"{st['dag']['Cid']['/']}/pyclient/0")),
        ("dag.resolve", lambda: client.dag.resolve(f"{st['dag']['Cid']['/']}/pyclient/1")),
        ("refs", lambda: list(client.unstable.refs(st["dir"][-1]["Hash"]))),
        ("pin.update", lambda: client.pin.update(st["file"], st["dir"][-1]["Hash"])),
        ("pin.verify own", lambda: [p for p in client.pin.verify(st["dir"][-1]["Hash"],
                                                                 verbose=True)
                                    if p["Cid"] == st["dir"][-1]["Hash"]]),
        ("pin.verify not pinned", lambda: list(client.pin.verify(
            "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51"))),
        ("pin.rm", lambda: client.pin.rm(st["dir"][-1]["Hash"])),
        ("repo.stat", client.repo.stat),
        ("config.get", config_shape),
        ("config.set", lambda: client.config.set("Datastore.GCPeriod", "2h")),
        ("config.set json", lambda: client.config.set("Ipns.ResolveCacheSize", "64",
                                                      opts={"json": True})),
        ("config.set bad type", lambda: client.config.set("Ipns.ResolveCacheSize", "many")),
        ("config.set back", lambda: (client.config.set("Datastore.GCPeriod", "1h"),
                                     client.config.set("Ipns.ResolveCacheSize", "128",
                                                       opts={"json": True}))),
        ("bitswap.stat", client.bitswap.stat),
        ("dht.findpeer", lambda: client.dht.findpeer("12D3KooWJX1hPH8BQbDrY3WgAtpnmDWATM9z"
                                                     "nvzTrthswDTDeoZk")),
        ("dht.query", lambda: client.dht.query("12D3KooWJX1hPH8BQbDrY3WgAtpnmDWATM9znvzTrths"
                                               "wDTDeoZk")),
        ("object.stat", lambda: client.object.stat(st["file"])),
    ]


def _run(addr: tuple[str, int], folder: Path) -> Results:
    with ipfshttpclient.Client(f"/ip4/{addr[0]}/tcp/{addr[1]}/http") as client:
        steps = [(name, lambda call=call: _plain(call())) for name, call in
                 _steps(client, folder)]
        return run_steps(steps)


def test_ipfshttpclient_cannot_tell_ours_from_kubo(kubo_api, ours_api, tmp_path):
    folder = tmp_path / "pyclient"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("pyclient alpha\n")
    (folder / "sub" / "b.txt").write_text("pyclient beta " * 30000)
    kubo, ours = _run(kubo_api, folder), _run(ours_api, folder)
    assert failed_steps(kubo) == EXPECTED_ERRORS, "the steps no longer do what they meant to"
    diffs = step_diffs(kubo, ours, VOLATILE, UNORDERED)
    assert not diffs, "ipfshttpclient sees a difference:\n" + "\n".join(diffs)
