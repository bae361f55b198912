"""``refs``, ``cid/*``, ``stats/*``, and the network commands (``routing``,
``dht``) with Kubo's offline answers; ``object/*`` as Kubo 0.43 answers it: removed."""

from __future__ import annotations

from collections.abc import Iterator

from pytest_ipfs_accelerate.ipfs.engine import dag_codecs, multibase, multihash
from pytest_ipfs_accelerate.ipfs.engine.cid import (
    CID,
    CODECS,
    CODECS_BY_NAME,
    DAG_PB,
    InvalidCIDError,
)
from pytest_ipfs_accelerate.ipfs.engine.dagpb import decode_node
from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.engine.ipns import read_record
from pytest_ipfs_accelerate.ipfs.rpc.commands import Arg, ClientError, Opt, command, removed
from pytest_ipfs_accelerate.ipfs.rpc.handlers import OFFLINE_ACTION, file_parts
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse

OFFLINE_COMMAND = "this command must be run in online mode. Try running 'ipfs daemon' first"

for _name in ("stat", "get", "data", "links", "put", "new", "patch/add-link",
              "patch/rm-link", "patch/set-data", "patch/append-data", "diff"):
    removed(f"object/{_name}", "removed, use 'ipfs dag' or 'ipfs files' instead")
for _name in ("findprovs", "findpeer", "get", "put", "provide"):
    removed(f"dht/{_name}", "removed, use 'ipfs routing' instead")


# -- refs ---------------------------------------------------------------------------------

def _links(req: RpcRequest, cid: CID) -> list[tuple[str, CID]]:
    if cid.codec == DAG_PB:
        return [(lk.name, lk.cid) for lk in decode_node(req.node.get_block(cid)).links]
    return [("", c) for c in dag_codecs.links_of(cid, req.node.get_block(cid))]


def _visit(child: CID, depth: int, unique: bool, max_depth: int,
           seen: dict[CID, int]) -> tuple[bool, bool]:
    """Kubo's RefWriter.visit: (go deeper, print) for a link at ``depth``. With --unique a
    CID is printed once, and explored again only when met higher up than before."""
    at_max = max_depth >= 0 and depth == max_depth
    if max_depth >= 0 and depth > max_depth:
        return False, False
    if not unique:
        return not at_max, True
    old = seen.get(child)
    if old is not None and (max_depth < 0 or old <= depth):
        return False, False
    seen[child] = depth
    return not at_max, old is None


def _refs(req: RpcRequest, root: CID, fmt: str, unique: bool, max_depth: int,
          seen: dict[CID, int]) -> Iterator[dict[str, str]]:
    """Kubo's refs walk: depth first, each link printed (after its block is read, so a
    missing block stops the walk) before the links under it."""
    stack = [(root, 0, iter(_links(req, root)))]
    while stack:
        cid, depth, links = stack[-1]
        link = next(links, None)
        if link is None:
            stack.pop()
            continue
        name, child = link
        deeper, write = _visit(child, depth + 1, unique, max_depth, seen)
        if not (deeper or write):
            continue
        below = _links(req, child)
        if write:
            yield {"Ref": fmt.replace("<src>", str(cid)).replace("<dst>", str(child))
                   .replace("<linkname>", name), "Err": ""}
        if deeper:
            stack.append((child, depth + 1, iter(below)))


@command("refs", [Arg("ipfs-path", variadic=True)], [
    Opt("format", "string"), Opt("edges", aliases=("e",)), Opt("unique", aliases=("u",)),
    Opt("recursive", aliases=("r",)), Opt("max-depth", "int")])
def refs(req: RpcRequest) -> RpcResponse:
    fmt = req.opt("format", default="<dst>") or "<dst>"
    if req.flag("edges", False, "e"):
        if fmt != "<dst>":
            raise IpfsNodeError("using format argument with edges is not allowed")
        fmt = "<src> -> <dst>"
    max_depth = req.int_opt("max-depth", -1) if req.flag("recursive", False, "r") else 1
    roots = [req.node._resolve(path) for path in req.args]  # every path first, as Kubo
    seen: dict[CID, int] = {}

    def out() -> Iterator[dict[str, str]]:
        for root in roots:
            try:
                yield from _refs(req, root, fmt, req.flag("unique", False, "u"),
                                 -1 if max_depth is None else max_depth, seen)
            except IpfsNodeError as exc:
                yield {"Ref": "", "Err": str(exc)}
    return RpcResponse(ndjson=out())


# -- cid -----------------------------------------------------------------------------------

def _prefix(cid: CID) -> str:
    code, digest = cid.hash_code, cid.digest
    return (f"cidv{cid.version}-{cid.codec_name}-"
            f"{multihash.NAMES_BY_CODE.get(code, hex(code))}-{len(digest)}")


def _format(text: str, fmt: str, version: str | None, codec: str | None,
            base: str | None) -> dict[str, str]:
    try:
        cid = CID.decode(text)
    except InvalidCIDError as exc:
        why = "selected encoding not supported" if "multibase" in str(exc) else str(exc)
        return {"CidStr": text, "Formatted": "", "ErrorMsg": f"invalid cid: {why}"}
    if codec:
        cid = CID(cid.version if cid.version == 1 else 1, CODECS_BY_NAME[codec], cid.multihash)
    if version == "1" or (base and base != "base58btc"):
        cid = cid.to_v1()
    elif version == "0":
        cid = cid.to_v0()
    formatted = fmt.replace("%s", cid.encode(base) if base else str(cid)).replace(
        "%P", _prefix(cid)).replace("%v", f"cidv{cid.version}").replace(
        "%c", cid.codec_name).replace("%b", base or ("base58btc" if cid.version == 0 else
                                                      "base32"))
    return {"CidStr": text, "Formatted": formatted, "ErrorMsg": ""}


@command("cid/format", [Arg("cid", variadic=True)], [
    Opt("f", "string"), Opt("v", "string"), Opt("mc", "string"), Opt("b", "string")])
def cid_format(req: RpcRequest) -> RpcResponse:
    return RpcResponse(ndjson=[_format(text, req.opt("f", default="%s") or "%s",
                                       req.opt("v"), req.opt("mc"), req.opt("b"))
                               for text in req.args])


@command("cid/base32", [Arg("cid", variadic=True)])
def cid_base32(req: RpcRequest) -> RpcResponse:
    return RpcResponse(ndjson=[_format(text, "%s", "1", None, "base32") for text in req.args])


def _table(items: dict[int, str]) -> RpcResponse:
    return RpcResponse(json=[{"Code": code, "Name": name} for code, name in items.items()])


@command("cid/codecs", options=[Opt("numeric", aliases=("n",)),
                                Opt("supported", aliases=("s",))])
def cid_codecs(req: RpcRequest) -> RpcResponse:
    return _table(CODECS)


@command("cid/hashes", options=[Opt("numeric", aliases=("n",)),
                                Opt("supported", aliases=("s",))])
def cid_hashes(req: RpcRequest) -> RpcResponse:
    return _table(multihash.NAMES_BY_CODE)


@command("cid/bases", options=[Opt("prefix"), Opt("numeric")])
def cid_bases(req: RpcRequest) -> RpcResponse:
    return _table({ord(prefix): name for prefix, name in multibase.BASES.items()})


# -- stats, network -------------------------------------------------------------------

def _online(req: RpcRequest, message: str, client: bool = False) -> None:
    if not req.node.online:
        raise (ClientError if client else IpfsNodeError)(message)


@command("stats/bw", options=[Opt("peer", "string", ("p",)), Opt("proto", "string", ("t",)),
                              Opt("poll"), Opt("interval", "string", ("i",))])
def stats_bw(req: RpcRequest) -> RpcResponse:
    _online(req, f"unable to run offline: {OFFLINE_COMMAND}", client=True)
    return RpcResponse(ndjson=[{"TotalIn": 0, "TotalOut": 0, "RateIn": 0.0, "RateOut": 0.0}])


@command("stats/bitswap", options=[Opt("verbose", aliases=("v",)), Opt("human")])
def stats_bitswap(req: RpcRequest) -> RpcResponse:
    _online(req, f"unable to run offline: {OFFLINE_COMMAND}", client=True)
    fetched = req.node.fetched_from_peers
    return RpcResponse(json={"ProvideBufLen": 0, "Wantlist": [], "Peers": [
        p.peer_id for p in req.node.peers], "BlocksReceived": fetched, "DataReceived": 0,
        "DupBlksReceived": 0, "DupDataReceived": 0, "MessagesReceived": fetched,
        "BlocksSent": 0, "DataSent": 0})


@command("bitswap/stat", options=[Opt("verbose", aliases=("v",)), Opt("human")])
def bitswap_stat(req: RpcRequest) -> RpcResponse:
    return stats_bitswap(req)


@command("stats/dht", [Arg("dht", required=False, variadic=True)])
def stats_dht(req: RpcRequest) -> RpcResponse:
    raise IpfsNodeError(OFFLINE_COMMAND)


@command("routing/findprovs", [Arg("key", variadic=True)], [
    Opt("verbose", aliases=("v",)), Opt("num-providers", "int", ("n",))])
def routing_findprovs(req: RpcRequest) -> RpcResponse:
    raise IpfsNodeError(OFFLINE_COMMAND)


@command("routing/findpeer", [Arg("peerID", variadic=True)], [Opt("verbose", aliases=("v",))])
def routing_findpeer(req: RpcRequest) -> RpcResponse:
    raise IpfsNodeError(OFFLINE_COMMAND)


@command("routing/provide", [Arg("key", variadic=True)], [
    Opt("verbose", aliases=("v",)), Opt("recursive", aliases=("r",))])
def routing_provide(req: RpcRequest) -> RpcResponse:
    raise IpfsNodeError(OFFLINE_COMMAND)


@command("routing/get", [Arg("key")])
def routing_get(req: RpcRequest) -> RpcResponse:
    raise IpfsNodeError(OFFLINE_ACTION)


@command("routing/put", [Arg("key"), Arg("value-file", file=True)], [Opt("allow-offline")])
def routing_put(req: RpcRequest) -> RpcResponse:
    """Store a signed IPNS record (``/ipns/<name>``) after checking its signature."""
    if not req.flag("allow-offline"):
        raise IpfsNodeError(OFFLINE_ACTION)
    key = req.arg(0, "key")
    if not key.startswith("/ipns/"):
        raise IpfsNodeError(f"invalid key {key!r}: only /ipns/ records are kept here")
    record = next(file_parts(req, 10 * 1024))
    name = key.removeprefix("/ipns/")
    read_record(record, name)
    req.node.keys.store_record(name, record)
    return RpcResponse(ndjson=[{"Extra": "", "ID": "", "Responses": None, "Type": 5}])


@command("dht/query", [Arg("peerID", variadic=True)], [Opt("verbose", aliases=("v",))])
def dht_query(req: RpcRequest) -> RpcResponse:
    raise IpfsNodeError("routing service is not a DHT")
