"""Kubo RPC commands over a :class:`SimulatedNode`: argument names and JSON shapes as Kubo's.

Each handler takes an :class:`RpcRequest` and returns an :class:`RpcResponse`; errors are
:class:`IpfsNodeError` subclasses, which the server turns into Kubo's error JSON.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import add_flags, dag_codecs, ipld_path
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, RAW
from pytest_ipfs_accelerate.ipfs.engine.dagcbor import decode_dag_cbor
from pytest_ipfs_accelerate.ipfs.engine.dagpb import display_name
from pytest_ipfs_accelerate.ipfs.engine.errors import (
    BadRequestError,
    IpfsNodeError,
    UnsupportedError,
)
from pytest_ipfs_accelerate.ipfs.node import import_config
from pytest_ipfs_accelerate.ipfs.node.add import NO_STAT, Stat, Symlink
from pytest_ipfs_accelerate.ipfs.node.errors import BlockNotFoundError, PinError
from pytest_ipfs_accelerate.ipfs.rpc.commands import COMMANDS, Arg, Opt, command
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse
from pytest_ipfs_accelerate.ipfs.rpc.multipart import MultipartStream

_KIND_TYPES = {bool: "bool", int: "int", str: "string", list: "strings",
               add_flags.go_uint: "uint"}
ADD_OPTIONS = tuple(Opt(flag.name, _KIND_TYPES[flag.kind], (flag.short,) if flag.short else ())
                    for flag in add_flags.ADD_FLAGS)
PATHS = (Arg("ipfs-path", variadic=True),)
#: A response header that the server sends as the X-Stream-Error trailer instead.
STREAM_ERROR_HEADER = "X-Stream-Error"
NO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time: an entry without a stored mtime
OFFLINE_ACTION = "this action must be run in online mode, try running 'ipfs daemon' first"


#: Kubo's block size limit: bitswap does not move bigger blocks.
BLOCK_LIMIT = 2 * 1024 * 1024
BIG_BLOCK = ("produced block is over 2MiB: big blocks can't be exchanged with other peers. "
             "consider using UnixFS for automatic chunking of bigger files, or pass "
             "--allow-big-block to override")


def file_parts(req: RpcRequest, limit: int | None) -> Iterator[bytes]:
    """The body's file parts, one at a time, each read only up to ``limit`` bytes: a bigger
    one is Kubo's error, raised before the rest of it is read (bounded memory)."""
    if req.stream is None or req.stream.done:
        raise BadRequestError("file argument 'data' is required: send a multipart/form-data "
                              "body with a part named 'file'")
    count = 0
    for part in MultipartStream(req.stream.readinto, req.content_type):
        if part.is_directory:
            continue
        data = part.read(-1 if limit is None else limit + 1)
        if limit is not None and len(data) > limit:
            raise IpfsNodeError(BIG_BLOCK)
        count += 1
        yield data
    if not count:
        raise BadRequestError("file argument 'data' is required: the body has no file part")


# -- add ----------------------------------------------------------------------------------

def _import_defaults(req: RpcRequest, values: dict[str, Any]) -> None:
    """What the node's ``Import`` config sets (``ipfs config Import.CidVersion 1``): the
    default of each flag the request does not give, as Kubo applies it
    (:mod:`...node.import_config`; a flag given as its default still wins)."""
    given = {flag.dest for flag in add_flags.ADD_FLAGS
             if any(n and n in req.options for n in (flag.name, flag.short))}
    for dest, value in import_config.per_add(getattr(req.node, "config", None)).items():
        if dest not in given:
            values[dest] = value


@command("add", [Arg("path", variadic=True, file=True)], ADD_OPTIONS)
def add(req: RpcRequest) -> RpcResponse:
    values = add_flags.from_query(req.options)
    _import_defaults(req, values)
    options = {name: value for name, value in values.items() if name in add_flags.NODE_OPTIONS}
    add_flags.check_refused(values)
    tops: dict[str, Stat] = {}
    added = req.node.add_entries(_upload_items(req, tops), pin=values["pin"], **options)
    if values["quieter"]:
        added = added[-1:]
    wrapped = bool(values["wrap_with_directory"])
    return RpcResponse(ndjson=[{"Name": display_name(a.name), "Hash": a.cid,
                                "Size": str(a.size),
                                **({} if wrapped else _stat_echo(tops, a.name))}
                               for a in added])


#: Go's os.ModeSymlink | 0777: what a multipart symlink says its mode is.
_SYMLINK_MODE = 1 << 27 | 0o777


def _upload_items(req: RpcRequest, tops: dict[str, Stat]) -> Iterator[tuple[str, Any, Stat]]:
    """Upload parts as node.add items; file parts stream straight into the importer.
    ``tops`` gets the stat of each top-level part, which Kubo echoes in its output."""
    if req.stream is None or req.stream.done:
        raise BadRequestError("file argument 'path' is required: send a multipart/form-data "
                              "body with parts named 'file'")
    count = 0
    for part in MultipartStream(req.stream.readinto, req.content_type):
        count += 1
        stat = part.stat
        if part.is_directory:
            item: Any = None
        elif part.is_symlink:
            item = Symlink(part.read(4096).decode("utf-8", "replace"))
            stat = Stat(_SYMLINK_MODE, stat.mtime)
        else:
            item = part
        if "/" not in part.path:
            tops.setdefault(part.path, stat)
        yield part.path, item, part.stat
    if not count:
        raise BadRequestError("file argument 'path' is required: the body has no parts")


def _stat_echo(tops: dict[str, Stat], name: str) -> dict[str, Any]:
    """Kubo's Mode, Mtime and MtimeNsecs of an output line: those of the top-level entry
    the line belongs to, as its part said them (whether stored or not)."""
    stat = tops.get(name.split("/")[0], tops.get("", NO_STAT))
    out: dict[str, Any] = {}
    if stat.mode:
        out["Mode"] = f"0{stat.mode:o}"
    if stat.mtime is not None:
        seconds, nanos = stat.mtime
        out.update({key: value for key, value in (("Mtime", seconds), ("MtimeNsecs", nanos))
                    if value})
    return out


# -- reading --------------------------------------------------------------------------------

@command("cat", PATHS, [Opt("offset", "int64", ("o",)), Opt("length", "int64", ("l",)),
                      Opt("progress", aliases=("p",))])
def cat(req: RpcRequest) -> RpcResponse:
    offset = req.int_opt("offset", 0, 0) or 0
    length = req.int_opt("length", None, 0)

    def chunks() -> Iterator[bytes]:  # several paths: one after the other, as Kubo
        for path in req.args:
            yield from req.node.cat_iter(path, offset, length)
    return RpcResponse(chunks=chunks(), content_type="text/plain")


@command("get", [Arg("ipfs-path")], [
    Opt("output", "string", ("o",)), Opt("archive", aliases=("a",)),
    Opt("compress", aliases=("C",)), Opt("compression-level", "int", ("l",)),
    Opt("progress", aliases=("p",))])
def get(req: RpcRequest) -> RpcResponse:
    path = req.arg(0, "ipfs-path")
    chunks: Iterator[bytes] = req.node.tar(path)
    ctype = "application/x-tar"
    if req.flag("compress", False, "C"):
        level = req.int_opt("compression-level", -1, -1)
        chunks = _gzip(chunks, -1 if level is None else level)
        ctype = "application/gzip"
    return RpcResponse(chunks=chunks, content_type=ctype)


def _gzip(chunks: Iterator[bytes], level: int) -> Iterator[bytes]:
    comp = zlib.compressobj(level if 0 <= level <= 9 else 6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = comp.compress(chunk)
        if out:
            yield out
    yield comp.flush()


@command("ls", PATHS, [Opt("headers", aliases=("v",)), Opt("resolve-type"), Opt("size"),
                     Opt("stream", aliases=("s",)), Opt("long", aliases=("l",))])
def ls(req: RpcRequest) -> RpcResponse:
    objects = [{"Hash": path, "Links": [{**link, "Mode": 0, "ModTime": NO_TIME}
                                         for link in req.node.ls(path)]}
               for path in req.args]
    if req.flag("stream", False, "s"):  # one object per link, as Kubo streams them
        return RpcResponse(ndjson=[{"Objects": [{"Hash": obj["Hash"], "Links": [link]}]}
                                   for obj in objects for link in obj["Links"]])
    return RpcResponse(json={"Objects": objects})


# -- pins -------------------------------------------------------------------------------------

def _pin(req: RpcRequest, change: Callable[..., list[str]]) -> RpcResponse:
    recursive = req.flag("recursive", True, "r")
    pins = [cid for path in (req.args or [req.arg(0, "ipfs-path")])
            for cid in change(path, recursive=recursive)]
    return RpcResponse(json={"Pins": pins})


@command("pin/add", PATHS, [Opt("recursive", aliases=("r",)), Opt("name", "string"),
                          Opt("progress")])
def pin_add(req: RpcRequest) -> RpcResponse:
    return _pin(req, req.node.pin_add)


@command("pin/rm", PATHS, [Opt("recursive", aliases=("r",))])
def pin_rm(req: RpcRequest) -> RpcResponse:
    return _pin(req, req.node.pin_rm)


@command("pin/ls", [Arg("ipfs-path", required=False, variadic=True)], [
    Opt("type", "string", ("t",)), Opt("quiet", aliases=("q",)), Opt("stream", aliases=("s",)),
    Opt("names", aliases=("n",)), Opt("name", "string")])
def pin_ls(req: RpcRequest) -> RpcResponse:
    type_ = req.opt("type", "t", default="all") or "all"
    listing = req.node.pin_ls(type_, req.args)
    if req.flag("stream", False, "s"):
        return RpcResponse(ndjson=[{"Cid": cid, "Type": kind}
                                   for cid, kind in listing.items()])
    return RpcResponse(json={"Keys": {cid: {"Type": kind, "Name": ""}
                                      for cid, kind in listing.items()}})


@command("pin/update", [Arg("from-path"), Arg("to-path")], [Opt("unpin")])
def pin_update(req: RpcRequest) -> RpcResponse:
    old, new = (str(req.node._resolve(p)) for p in (req.arg(0, "from-path"),
                                                    req.arg(1, "to-path")))
    if req.node.pins.type_of(new) == "recursive":
        raise IpfsNodeError("'to' cid was already recursively pinned")
    if old not in req.node.pins.recursive:
        raise IpfsNodeError("'from' cid was not recursively pinned already")
    req.node.pins.add(new, recursive=True)
    if req.flag("unpin", True):
        req.node.pins.remove(old)
    return RpcResponse(json={"Pins": [old, new]})


@command("pin/verify", options=[Opt("verbose"), Opt("quiet", aliases=("q",)),
                                Opt("include-ok")])
def pin_verify(req: RpcRequest) -> RpcResponse:
    verbose = req.flag("verbose")
    out = []
    for root in sorted(req.node.pins.recursive):
        try:
            for _ in req.node.pins.walk([root]):
                pass
            if verbose:
                out.append({"Cid": root, "Ok": True})
        except IpfsNodeError as exc:
            out.append({"Cid": root, "Ok": False, "BadNodes": [{"Cid": root,
                                                                "Err": str(exc)}]})
    return RpcResponse(ndjson=out)


# -- blocks ---------------------------------------------------------------------------------

_FORMATS = {"v0": ("dag-pb", 0), "protobuf": ("dag-pb", 0), "dag-pb": ("dag-pb", 0),
            "cbor": ("dag-cbor", 1), "dag-cbor": ("dag-cbor", 1), "raw": ("raw", 1)}


@command("block/put", [Arg("data", variadic=True, file=True)], [
    Opt("cid-codec", "string"), Opt("mhtype", "string"), Opt("mhlen", "int"), Opt("pin"),
    Opt("allow-big-block"), Opt("format", "string", ("f",))])
def block_put(req: RpcRequest) -> RpcResponse:
    codec, version = req.opt("cid-codec", default="raw") or "raw", 1
    fmt = req.opt("format", "f")
    if fmt and "cid-codec" not in req.options:
        if fmt not in _FORMATS:
            raise BadRequestError(f"unknown block format {fmt!r}; use cid-codec=raw|dag-pb")
        codec, version = _FORMATS[fmt]
    mhtype = req.opt("mhtype", default="sha2-256") or "sha2-256"
    pin = req.flag("pin")
    limit = None if req.flag("allow-big-block") else BLOCK_LIMIT
    out = []
    for data in file_parts(req, limit):
        cid = req.node.block_put(data, codec=codec, mhtype=mhtype, version=version, pin=pin)
        out.append({"Key": cid, "Size": len(data)})
    return RpcResponse(ndjson=out)


@command("block/get", [Arg("cid")])
def block_get(req: RpcRequest) -> RpcResponse:
    data = req.node.block_get(req.arg(0, "cid"))
    return RpcResponse(chunks=[data], content_type="application/vnd.ipld.raw")


@command("block/stat", [Arg("cid")])
def block_stat(req: RpcRequest) -> RpcResponse:
    return RpcResponse(json=req.node.block_stat(req.arg(0, "cid")))


@command("block/rm", [Arg("cid", variadic=True)],
         [Opt("force", aliases=("f",)), Opt("quiet", aliases=("q",))])
def block_rm(req: RpcRequest) -> RpcResponse:
    force = req.flag("force", False, "f")
    quiet = req.flag("quiet", False, "q")
    results = []
    for cid in req.args or [req.arg(0, "cid")]:
        try:
            req.node.block_rm(cid, force=force)
            if not quiet:
                results.append({"Hash": cid})
        except PinError as exc:
            results.append({"Hash": cid, "Error": (str(exc).rsplit(": ", 2)[-2:][0] == "pinned"
                            and "pinned: " + str(exc).rsplit(": ", 1)[-1]) or str(exc)})
        except BlockNotFoundError:
            results.append({"Hash": cid, "Error": f"ipld: could not find {cid}"})
    return RpcResponse(ndjson=results)


# -- dag --------------------------------------------------------------------------------------

@command("dag/get", [Arg("ref")], [Opt("output-codec", "string")])
def dag_get(req: RpcRequest) -> RpcResponse:
    codec = req.opt("output-codec", default="dag-json") or "dag-json"
    _, value, _ = ipld_path.resolve(req.node.get_block, req.arg(0, "ref"))
    return RpcResponse(chunks=[dag_codecs.encode_value(value, codec)], content_type="text/plain")


@command("dag/resolve", [Arg("ref")])
def dag_resolve(req: RpcRequest) -> RpcResponse:
    cid, _, rest = ipld_path.resolve(req.node.get_block, req.arg(0, "ref"))
    return RpcResponse(json={"Cid": {"/": str(cid)}, "RemPath": "".join(f"/{s}" for s in rest)})


_OLD_FORMATS = {"cbor": "dag-cbor", "protobuf": "dag-pb", "json": "dag-json"}


@command("dag/put", [Arg("object data", variadic=True, file=True)], [
    Opt("store-codec", "string"), Opt("input-codec", "string"), Opt("pin"), Opt("hash", "string"),
    Opt("allow-big-block")])
def dag_put(req: RpcRequest) -> RpcResponse:
    store = req.opt("store-codec", "format", default="dag-cbor") or "dag-cbor"
    store = _OLD_FORMATS.get(store, store)
    input_codec = req.opt("input-codec", "input-enc", default="dag-json") or "dag-json"
    input_codec = {"json": "dag-json"}.get(input_codec, input_codec)
    pin = req.flag("pin")
    hash_name = req.opt("hash", default="sha2-256") or "sha2-256"
    limit = None if req.flag("allow-big-block") else BLOCK_LIMIT
    out = []
    for data in file_parts(req, limit):
        if input_codec == "dag-cbor":
            value = dag_codecs.to_dag_json(decode_dag_cbor(data))
            cid = req.node.dag_put(value, store_codec=store, input_codec="dag-json", pin=pin,
                                   hash=hash_name)
            out.append({"Cid": {"/": cid}})
            continue
        if input_codec not in ("dag-json", "json"):
            raise UnsupportedError(f'unknown multicodec: "{input_codec}"')
        try:
            value = json.loads(data)
        except RecursionError:
            raise BadRequestError("dag put: the input is nested too deeply") from None
        except ValueError as exc:
            raise BadRequestError(f"dag put: the input is not valid JSON: {exc}") from None
        cid = req.node.dag_put(value, store_codec=store, input_codec=input_codec, pin=pin,
                               hash=hash_name)
        out.append({"Cid": {"/": cid}})
    return RpcResponse(ndjson=out)


@command("dag/export", [Arg("root")], [Opt("progress", aliases=("p",))])
def dag_export(req: RpcRequest) -> RpcResponse:
    return RpcResponse(chunks=req.node.dag_export(req.arg(0, "root")),
                       content_type="application/vnd.ipld.car")


@command("dag/import", [Arg("path", variadic=True, file=True)], [
    Opt("pin-roots"), Opt("silent"), Opt("stats"), Opt("allow-big-block")])
def dag_import(req: RpcRequest) -> RpcResponse:
    pin = req.flag("pin-roots", True)
    if req.stream is None or req.stream.done:
        raise BadRequestError("file argument 'path' is required: send the CAR as a "
                              "multipart/form-data part")
    roots: list[str] = []
    for part in MultipartStream(req.stream.readinto, req.content_type):
        if not part.is_directory:
            roots += req.node.dag_import(part, pin_roots=pin)
    return RpcResponse(ndjson=[{"Root": {"Cid": {"/": root}, "PinErrorMsg": ""}}
                               for root in roots])



# -- repo and node ---------------------------------------------------------------------------

@command("repo/stat", options=[Opt("size-only"), Opt("human")])
def repo_stat(req: RpcRequest) -> RpcResponse:
    stat = req.node.repo_stat()
    if req.flag("size-only"):  # Kubo keeps every key, zeroed
        stat = {**stat, "NumObjects": 0, "RepoPath": "", "Version": ""}
    return RpcResponse(json=stat)


COMMANDS["stats/repo"] = replace(COMMANDS["repo/stat"], name="stats/repo")


@command("repo/gc", options=[Opt("stream-errors"), Opt("quiet", aliases=("q",)),
                                    Opt("silent")])
def repo_gc(req: RpcRequest) -> RpcResponse:
    removed = req.node.gc()
    if req.flag("quiet", False, "q"):
        return RpcResponse(ndjson=[])
    return RpcResponse(ndjson=[{"Key": {"/": cid}} for cid in removed])


@command("refs/local")
def refs_local(req: RpcRequest) -> RpcResponse:
    mhs = list(req.node.blockstore.multihashes())
    return RpcResponse(ndjson=[{"Ref": str(CID(1, RAW, mh)), "Err": ""} for mh in mhs])


@command("id", [Arg("peerid", required=False)],
         [Opt("format", "string", ("f",)), Opt("peerid-base", "string")])
def id_(req: RpcRequest) -> RpcResponse:
    if req.args and req.args[0] != req.node.peer_id:
        if not req.node.online:
            raise IpfsNodeError("'ipfs id' cannot query information on remote peers without "
                                "a running daemon; if you only want to convert --peerid-base, "
                                "pass --offline option")
        raise UnsupportedError(f"id {req.args[0]}: the simulated node only knows itself")
    return RpcResponse(json=req.node.id())


@command("version", options=[Opt("number", aliases=("n",)), Opt("commit"), Opt("repo"),
                                    Opt("all")])
def version(req: RpcRequest) -> RpcResponse:
    return RpcResponse(json=req.node.version())


@command("swarm/peers", options=[Opt("verbose", aliases=("v",)), Opt("streams"),
                                        Opt("latency"), Opt("direction"), Opt("identify")])
def swarm_peers(req: RpcRequest) -> RpcResponse:
    if not req.node.online:
        raise IpfsNodeError(OFFLINE_ACTION)
    return RpcResponse(json={"Peers": req.node.swarm_peers()})
