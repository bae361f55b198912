"""``key/*``, ``name/*`` and ``resolve``: the node's keys and its IPNS records, offline."""

from __future__ import annotations

import re

from pytest_ipfs_accelerate.ipfs.engine import exporter, ipns
from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.node.errors import KeyError_
from pytest_ipfs_accelerate.ipfs.node.keystore import SELF
from pytest_ipfs_accelerate.ipfs.rpc.commands import Arg, Opt, command
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration(text: str, option: str) -> float:
    """Seconds of a Go duration (``48h``, ``1m30s``)."""
    if not text or _DURATION.sub("", text):
        raise IpfsNodeError(f'time: invalid duration "{text}" (option {option})')
    return sum(float(n) * _UNIT_S[u] for n, u in _DURATION.findall(text))


@command("key/list", options=[Opt("l"), Opt("ipns-base", "string")])
def key_list(req: RpcRequest) -> RpcResponse:
    keys = req.node.keys
    return RpcResponse(json={"Keys": [{"Name": n, "Id": keys.ipns_name(n)} for n in keys.names()]})


@command("key/gen", [Arg("name")], [Opt("type", "string", ("t",)), Opt("size", "int", ("s",)),
                                    Opt("ipns-base", "string")])
def key_gen(req: RpcRequest) -> RpcResponse:
    kind = req.opt("type", "t", default="ed25519") or "ed25519"
    if kind != "ed25519":
        raise IpfsNodeError(f"unrecognized key type: {kind}" if kind != "rsa" else
                            "key type rsa: the simulated node makes ed25519 keys only")
    name = req.arg(0, "name")
    size = req.int_opt("size", -1)
    if size not in (-1, 256) and name != SELF and name not in req.node.keys.names():
        raise IpfsNodeError(f"invalid key size {size}: ed25519 keys are always 256 bits")
    return RpcResponse(json={"Name": name, "Id": req.node.keys.generate(name)})


@command("key/rename", [Arg("name"), Arg("newName")], [Opt("force", aliases=("f",)),
                                                        Opt("ipns-base", "string")])
def key_rename(req: RpcRequest) -> RpcResponse:
    old, new = req.arg(0, "name"), req.arg(1, "newName")
    ipns_name, overwrite = req.node.keys.rename(old, new, req.flag("force", False, "f"))
    return RpcResponse(json={"Was": old, "Now": new, "Id": ipns_name, "Overwrite": overwrite})


@command("key/rm", [Arg("name", variadic=True)], [Opt("l"), Opt("ipns-base", "string")])
def key_rm(req: RpcRequest) -> RpcResponse:
    removed = [{"Name": name, "Id": req.node.keys.remove(name)} for name in req.args]
    return RpcResponse(json={"Keys": removed})


@command("name/publish", [Arg("ipfs-path")], [
    Opt("resolve"), Opt("lifetime", "string", ("t",)), Opt("allow-offline"),
    Opt("allow-delegated"), Opt("ttl", "string"), Opt("key", "string", ("k",)),
    Opt("quieter", aliases=("Q",)), Opt("ipns-base", "string"), Opt("sequence", "uint64")])
def name_publish(req: RpcRequest) -> RpcResponse:
    if not req.node.online and not req.flag("allow-offline"):
        raise IpfsNodeError("can't publish while offline: pass `--allow-offline` to override "
                            "or `--allow-delegated` if Ipns.DelegatedPublishers are set up")
    path = req.arg(0, "ipfs-path")
    value = path if path.startswith(("/ipfs/", "/ipns/")) else f"/ipfs/{path}"
    if req.flag("resolve", True) and value.startswith("/ipfs/"):
        exporter.split_path(value)  # a path that does not parse is refused
    key = req.opt("key", "k", default=SELF) or SELF
    try:
        seed_name = key if key in req.node.keys.names() else None
        if seed_name is None:
            raise KeyError_("no key by the given name was found")
        name = req.node.keys.publish(
            seed_name, value, go_duration(req.opt("lifetime", "t", default="48h") or "48h",
                                          "lifetime"),
            int(go_duration(req.opt("ttl", default="5m") or "5m", "ttl") * 1e9))
    except KeyError_:
        raise KeyError_("no key by the given name was found") from None
    return RpcResponse(json={"Name": name, "Value": value})


@command("name/resolve", [Arg("name", required=False)], [
    Opt("recursive", aliases=("r",)), Opt("nocache", aliases=("n",)),
    Opt("dht-record-count", "uint", ("dhtrc",)), Opt("dht-timeout", "string", ("dhtt",)),
    Opt("stream", aliases=("s",))])
def name_resolve(req: RpcRequest) -> RpcResponse:
    name = (req.args or [req.node.keys.ipns_name(SELF)])[0]
    recursive = req.flag("recursive", True, "r")
    if not req.flag("stream", False, "s"):
        return RpcResponse(json={"Path": req.node.keys.resolve(name, recursive)})
    try:  # streamed (the JS client's way): a name without a record streams nothing
        return RpcResponse(ndjson=[{"Path": req.node.keys.resolve(name, recursive)}])
    except ipns.NoRecordError:
        return RpcResponse(ndjson=[])


@command("resolve", [Arg("name")], [Opt("recursive", aliases=("r",)),
                                    Opt("dht-record-count", "int", ("dhtrc",)),
                                    Opt("dht-timeout", "string", ("dhtt",))])
def resolve(req: RpcRequest) -> RpcResponse:
    path = req.arg(0, "name")
    if path.startswith("/ipns/"):
        path = req.node.keys.resolve(path)
    if "/" not in path.removeprefix("/ipfs/").strip("/"):
        return RpcResponse(json={"Path": path if path.startswith("/") else f"/ipfs/{path}"})
    return RpcResponse(json={"Path": f"/ipfs/{req.node._resolve(path)}"})
