"""``files/*``: Kubo's MFS commands over the node's :class:`~..node.mfs.Mfs`."""

from __future__ import annotations

from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.node.errors import MfsError
from pytest_ipfs_accelerate.ipfs.rpc.commands import Arg, Opt, command
from pytest_ipfs_accelerate.ipfs.rpc.handlers import STREAM_ERROR_HEADER, file_parts
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse

DONE = RpcResponse(ndjson=[])  # Kubo's answer to a change: an empty stream
_PREFIX = (Opt("cid-version", "int"), Opt("hash", "string"))


def _stat(req: RpcRequest, cid: CID) -> dict[str, object]:
    info = req.node.stat(str(cid))
    return {k: info[k] for k in ("Hash", "Size", "CumulativeSize", "Blocks", "Type")}


@command("files/stat", [Arg("path")], [Opt("format", "string"), Opt("hash"), Opt("size"),
                                       Opt("with-local")])
def files_stat(req: RpcRequest) -> RpcResponse:
    path = req.arg(0, "path")
    if path.startswith(("/ipfs/", "/ipns/")):
        return RpcResponse(json=_stat(req, req.node._resolve(path)))
    return RpcResponse(json=_stat(req, req.node.mfs.lookup(path)))


@command("files/ls", [Arg("path", required=False)], [Opt("long", aliases=("l",)),
                                                     Opt("U")])
def files_ls(req: RpcRequest) -> RpcResponse:
    mfs, path = req.node.mfs, (req.args or ["/"])[0]
    long = req.flag("long", False, "l")
    cid = mfs.lookup(path)
    if mfs.kind(cid) != "directory":
        entries = [{"Name": path.rstrip("/").rsplit("/", 1)[-1], "Type": 0, "Size": 0,
                    "Hash": ""}]
        return RpcResponse(json={"Entries": entries})
    out = []
    for entry in mfs.entries(cid):
        info = req.node.stat(str(entry.cid))
        directory = info["Type"] == "directory"
        out.append({"Name": entry.name, "Type": 1 if directory else 0,
                    "Size": info["Size"] if long and not directory else 0,
                    "Hash": str(entry.cid) if long else ""})
    return RpcResponse(json={"Entries": out or None})


@command("files/mkdir", [Arg("path")], [Opt("parents", aliases=("p",)), *_PREFIX])
def files_mkdir(req: RpcRequest) -> RpcResponse:
    req.node.mfs.mkdir(req.arg(0, "path"), parents=req.flag("parents", False, "p"),
                       cid_version=req.int_opt("cid-version", 0) or 0)
    return DONE


@command("files/write", [Arg("path"), Arg("data", file=True)], [
    Opt("offset", "int64", ("o",)), Opt("create", aliases=("e",)),
    Opt("parents", aliases=("p",)), Opt("truncate", aliases=("t",)),
    Opt("count", "int64", ("n",)), Opt("raw-leaves"), *_PREFIX])
def files_write(req: RpcRequest) -> RpcResponse:
    data = next(file_parts(req, None))
    options = {}
    if "cid-version" in req.options:
        options["cid_version"] = req.int_opt("cid-version")
    if "raw-leaves" in req.options:
        options["raw_leaves"] = req.flag("raw-leaves")
    if "hash" in req.options:
        options["hash"] = req.opt("hash")
    req.node.mfs.write(req.arg(0, "path"), data, offset=req.int_opt("offset", 0, 0) or 0,
                       create=req.flag("create", False, "e"),
                       parents=req.flag("parents", False, "p"),
                       truncate=req.flag("truncate", False, "t"),
                       count=req.int_opt("count", None, 0), **options)
    return DONE


@command("files/read", [Arg("path")], [Opt("offset", "int64", ("o",)),
                                       Opt("count", "int64", ("n",))])
def files_read(req: RpcRequest) -> RpcResponse:
    data = req.node.mfs.read(req.arg(0, "path"), req.int_opt("offset", 0, 0) or 0,
                             req.int_opt("count", None, 0))
    return RpcResponse(chunks=[data], content_type="text/plain")


@command("files/cp", [Arg("source"), Arg("dest")], [Opt("parents", aliases=("p",))])
def files_cp(req: RpcRequest) -> RpcResponse:
    source, dest = req.arg(0, "source"), req.arg(1, "dest")
    mfs = req.node.mfs
    try:
        cid = req.node._resolve(source) if source.startswith(("/ipfs/", "/ipns/")) \
            else mfs.lookup(source)
        req.node.get_block(cid)
    except Exception as exc:
        raise MfsError(f"cp: cannot get node from path {source}: {exc}") from None
    if req.flag("parents", False, "p") and dest.rstrip("/").count("/") > 1:
        mfs.mkdir(dest.rstrip("/").rsplit("/", 1)[0], parents=True)
    try:
        mfs.set(dest, cid, replace=False)
    except MfsError as exc:
        raise MfsError(f"cp: cannot put node in path {dest}: {exc}") from None
    return DONE


@command("files/mv", [Arg("source"), Arg("dest")], [Opt("parents", aliases=("p",))])
def files_mv(req: RpcRequest) -> RpcResponse:
    req.node.mfs.move(req.arg(0, "source"), req.arg(1, "dest"))
    return DONE


@command("files/rm", [Arg("path", variadic=True)], [Opt("recursive", aliases=("r",)),
                                                    Opt("force")])
def files_rm(req: RpcRequest) -> RpcResponse:
    failed = []
    for path in req.args:
        try:
            req.node.mfs.remove(path, recursive=req.flag("recursive", False, "r"),
                                force=req.flag("force"))
        except MfsError as exc:
            failed.append(str(exc))
    headers = {STREAM_ERROR_HEADER: "can't remove some files"} if failed else {}
    return RpcResponse(ndjson=failed, headers=headers)


@command("files/flush", [Arg("path", required=False)])
def files_flush(req: RpcRequest) -> RpcResponse:
    path = (req.args or ["/"])[0]
    return RpcResponse(json={"Cid": str(req.node.mfs.lookup(path))})


@command("files/chcid", [Arg("path", required=False)], _PREFIX)
def files_chcid(req: RpcRequest) -> RpcResponse:
    req.node.mfs.chcid((req.args or ["/"])[0], req.int_opt("cid-version", 0) or 0)
    return DONE
