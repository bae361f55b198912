"""Kubo RPC commands over a :class:`SimulatedNode`: argument names and JSON shapes as Kubo's.

Each handler takes an :class:`RpcRequest` and returns an :class:`RpcResponse`; errors are
:class:`IpfsNodeError` subclasses, which the server turns into Kubo's error JSON.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import add_flags
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, RAW
from pytest_ipfs_accelerate.ipfs.engine.dagpb import display_name
from pytest_ipfs_accelerate.ipfs.engine.errors import (
    BadRequestError,
    IpfsNodeError,
    UnsupportedError,
)
from pytest_ipfs_accelerate.ipfs.node.add import Symlink
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse
from pytest_ipfs_accelerate.ipfs.rpc.multipart import MultipartStream

Handler = Callable[[RpcRequest], RpcResponse]
HANDLERS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn
    return register


#: Kubo's block size limit: bitswap does not move bigger blocks.
BLOCK_LIMIT = 2 * 1024 * 1024
BIG_BLOCK = ("produced block is over 2MiB: big blocks can't be exchanged with other peers. "
             "consider using UnixFS for automatic chunking of bigger files, or pass "
             "--allow-big-block to override")


def _file_parts(req: RpcRequest, limit: int | None) -> Iterator[bytes]:
    """The body's file parts, one at a time, each read only up to ``limit`` bytes: a bigger
    one is Kubo's error, raised before the rest of it is read (bounded memory)."""
    if req.stream is None or req.stream.done:
        raise BadRequestError("file argument 'data' is required: send a multipart/form-data "
                              "body with a part named 'file'")
    count = 0
    for part in MultipartStream(req.stream.read, req.content_type):
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

@command("add")
def add(req: RpcRequest) -> RpcResponse:
    values = add_flags.from_query(req.options)
    options = {name: value for name, value in values.items() if name in add_flags.NODE_OPTIONS}
    add_flags.check_refused(values)
    added = req.node.add_entries(_upload_items(req), pin=values["pin"], **options)
    if values["quieter"]:
        added = added[-1:]
    return RpcResponse(ndjson=[{"Name": display_name(a.name), "Hash": a.cid,
                                "Size": str(a.size)} for a in added])



def _upload_items(req: RpcRequest) -> Iterator[tuple[str, Any]]:
    """Upload parts as node.add items; file parts stream straight into the importer."""
    if req.stream is None or req.stream.done:
        raise BadRequestError("file argument 'path' is required: send a multipart/form-data "
                              "body with parts named 'file'")
    count = 0
    for part in MultipartStream(req.stream.read, req.content_type):
        count += 1
        if part.is_directory:
            yield part.path, None
        elif part.is_symlink:
            yield part.path, Symlink(part.read(4096).decode("utf-8", "replace"))
        else:
            yield part.path, part
    if not count:
        raise BadRequestError("file argument 'path' is required: the body has no parts")


# -- reading --------------------------------------------------------------------------------

@command("cat")
def cat(req: RpcRequest) -> RpcResponse:
    path = req.arg(0, "ipfs-path")
    offset = req.int_opt("offset", 0, 0) or 0
    length = req.int_opt("length", None, 0)
    return RpcResponse(chunks=req.node.cat_iter(path, offset, length),
                       content_type="text/plain")


@command("get")
def get(req: RpcRequest) -> RpcResponse:
    path = req.arg(0, "ipfs-path")
    chunks: Iterator[bytes] = req.node.tar(path)
    ctype = "application/x-tar"
    if req.flag("compress", False, "C"):
        level = req.int_opt("compression-level", -1, -1)
        chunks = _gzip(chunks, -1 if level is None else level)
        ctype = "application/x-gzip"
    return RpcResponse(chunks=chunks, content_type=ctype)


def _gzip(chunks: Iterator[bytes], level: int) -> Iterator[bytes]:
    comp = zlib.compressobj(level if 0 <= level <= 9 else 6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = comp.compress(chunk)
        if out:
            yield out
    yield comp.flush()


@command("ls")
def ls(req: RpcRequest) -> RpcResponse:
    paths = req.args or [req.arg(0, "ipfs-path")]
    objects = [{"Hash": path, "Links": req.node.ls(path)} for path in paths]
    if req.flag("stream", False, "s"):
        return RpcResponse(ndjson=[{"Objects": [obj]} for obj in objects])
    return RpcResponse(json={"Objects": objects})


@command("files/stat")
def files_stat(req: RpcRequest) -> RpcResponse:
    path = req.arg(0, "path")
    if not path.startswith("/ipfs/"):
        raise UnsupportedError(f"files stat {path!r}: the simulated node has no MFS; "
                               f"stat /ipfs/<cid> paths")
    info = dict(req.node.stat(path))
    info.pop("Local", None)
    if req.flag("hash"):
        return RpcResponse(json={"Hash": info["Hash"]})
    if req.flag("size"):
        return RpcResponse(json={"Size": info["Size"]})
    info["WithLocality"] = False
    return RpcResponse(json=info)


# -- pins -------------------------------------------------------------------------------------

def _pin(req: RpcRequest, change: Callable[..., list[str]]) -> RpcResponse:
    recursive = req.flag("recursive", True, "r")
    pins = [cid for path in (req.args or [req.arg(0, "ipfs-path")])
            for cid in change(path, recursive=recursive)]
    return RpcResponse(json={"Pins": pins})


@command("pin/add")
def pin_add(req: RpcRequest) -> RpcResponse:
    return _pin(req, req.node.pin_add)


@command("pin/rm")
def pin_rm(req: RpcRequest) -> RpcResponse:
    return _pin(req, req.node.pin_rm)


@command("pin/ls")
def pin_ls(req: RpcRequest) -> RpcResponse:
    type_ = req.opt("type", "t", default="all") or "all"
    listing = req.node.pin_ls(type_, req.args)
    if req.flag("stream", False, "s"):
        return RpcResponse(ndjson=[{"Cid": cid, "Type": kind, "Name": ""}
                                   for cid, kind in listing.items()])
    return RpcResponse(json={"Keys": {cid: {"Type": kind, "Name": ""}
                                      for cid, kind in listing.items()}})


# -- blocks ---------------------------------------------------------------------------------

_FORMATS = {"v0": ("dag-pb", 0), "protobuf": ("dag-pb", 0), "dag-pb": ("dag-pb", 0),
            "cbor": ("dag-cbor", 1), "dag-cbor": ("dag-cbor", 1), "raw": ("raw", 1)}


@command("block/put")
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
    for data in _file_parts(req, limit):
        cid = req.node.block_put(data, codec=codec, mhtype=mhtype, version=version, pin=pin)
        out.append({"Key": cid, "Size": len(data)})
    return RpcResponse(json=out[0]) if len(out) == 1 else RpcResponse(ndjson=out)


@command("block/get")
def block_get(req: RpcRequest) -> RpcResponse:
    data = req.node.block_get(req.arg(0, "cid"))
    return RpcResponse(chunks=[data], content_type="text/plain")


@command("block/stat")
def block_stat(req: RpcRequest) -> RpcResponse:
    return RpcResponse(json=req.node.block_stat(req.arg(0, "cid")))


@command("block/rm")
def block_rm(req: RpcRequest) -> RpcResponse:
    force = req.flag("force", False, "f")
    quiet = req.flag("quiet", False, "q")
    results, failed = [], 0
    for cid in req.args or [req.arg(0, "cid")]:
        try:
            req.node.block_rm(cid, force=force)
            if not quiet:
                results.append({"Hash": cid})
        except BadRequestError:
            raise
        except Exception as exc:
            failed += 1
            results.append({"Hash": cid, "Error": str(exc)})
    if failed and not force:
        results.append({"Message": f"{failed} block(s) could not be removed", "Code": 0,
                        "Type": "error"})
    return RpcResponse(ndjson=results)


# -- dag --------------------------------------------------------------------------------------

@command("dag/get")
def dag_get(req: RpcRequest) -> RpcResponse:
    codec = req.opt("output-codec", default="dag-json") or "dag-json"
    if codec not in ("dag-json", "json"):
        raise UnsupportedError(f"output-codec {codec!r} is not supported; use dag-json")
    return RpcResponse(json=req.node.dag_get(req.arg(0, "ref")))


_OLD_FORMATS = {"cbor": "dag-cbor", "protobuf": "dag-pb", "json": "dag-json"}


@command("dag/put")
def dag_put(req: RpcRequest) -> RpcResponse:
    store = req.opt("store-codec", "format", default="dag-cbor") or "dag-cbor"
    store = _OLD_FORMATS.get(store, store)
    input_codec = req.opt("input-codec", "input-enc", default="dag-json") or "dag-json"
    input_codec = {"json": "dag-json"}.get(input_codec, input_codec)
    pin = req.flag("pin")
    limit = None if req.flag("allow-big-block") else BLOCK_LIMIT
    out = []
    for data in _file_parts(req, limit):
        try:
            value = json.loads(data)
        except RecursionError:
            raise BadRequestError("dag put: the input is nested too deeply") from None
        except ValueError as exc:
            raise BadRequestError(f"dag put: the input is not valid JSON: {exc}") from None
        cid = req.node.dag_put(value, store_codec=store, input_codec=input_codec, pin=pin)
        out.append({"Cid": {"/": cid}})
    return RpcResponse(json=out[0]) if len(out) == 1 else RpcResponse(ndjson=out)


@command("dag/export")
def dag_export(req: RpcRequest) -> RpcResponse:
    return RpcResponse(chunks=req.node.dag_export(req.arg(0, "root")),
                       content_type="application/vnd.ipld.car")


@command("dag/import")
def dag_import(req: RpcRequest) -> RpcResponse:
    pin = req.flag("pin-roots", True)
    if req.stream is None or req.stream.done:
        raise BadRequestError("file argument 'path' is required: send the CAR as a "
                              "multipart/form-data part")
    roots: list[str] = []
    for part in MultipartStream(req.stream.read, req.content_type):
        if not part.is_directory:
            roots += req.node.dag_import(part, pin_roots=pin)
    return RpcResponse(ndjson=[{"Root": {"Cid": {"/": root}, "PinErrorMsg": ""}}
                               for root in roots])



# -- repo and node ---------------------------------------------------------------------------

@command("repo/stat")
def repo_stat(req: RpcRequest) -> RpcResponse:
    stat = req.node.repo_stat()
    if req.flag("size-only"):
        stat = {"RepoSize": stat["RepoSize"], "StorageMax": stat["StorageMax"]}
    return RpcResponse(json=stat)


@command("repo/gc")
def repo_gc(req: RpcRequest) -> RpcResponse:
    removed = req.node.gc()
    if req.flag("quiet", False, "q"):
        return RpcResponse(ndjson=[])
    return RpcResponse(ndjson=[{"Key": {"/": cid}} for cid in removed])


@command("refs/local")
def refs_local(req: RpcRequest) -> RpcResponse:
    mhs = list(req.node.blockstore.multihashes())
    return RpcResponse(ndjson=[{"Ref": str(CID(1, RAW, mh)), "Err": ""} for mh in mhs])


@command("id")
def id_(req: RpcRequest) -> RpcResponse:
    if req.args and req.args[0] != req.node.peer_id:
        raise UnsupportedError(f"id {req.args[0]}: the simulated node only knows itself")
    return RpcResponse(json=req.node.id())


@command("version")
def version(req: RpcRequest) -> RpcResponse:
    return RpcResponse(json=req.node.version())


@command("swarm/peers")
def swarm_peers(req: RpcRequest) -> RpcResponse:
    return RpcResponse(json={"Peers": req.node.swarm_peers()})
