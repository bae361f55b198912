"""Read UnixFS DAGs back: resolve paths, stat, list, stream file bytes, export to disk or tar.

Everything takes ``get_block(cid) -> bytes`` (which verifies blocks), so it works on any
blockstore or node. Writing to disk never leaves the target directory.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

from pytest_ipfs_accelerate.ipfs.engine import safe_paths, unixfs
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB, RAW, InvalidCIDError
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, decode_node
from pytest_ipfs_accelerate.ipfs.engine.errors import (
    BadRequestError,
    InvalidPathError,
    IpfsNodeError,
    UnsafePathError,
    UnsupportedError,
)
from pytest_ipfs_accelerate.ipfs.engine.values import FrozenValue, set_fields

GetBlock = Callable[[CID], bytes]


class NotADirectoryError_(IpfsNodeError):
    """A path segment names something inside a file or raw block."""


class NoSuchLinkError(IpfsNodeError):
    """A path names a child that the directory does not have."""


class NodeInfo(FrozenValue):
    """Content metadata of one DAG node, as ``ipfs files stat`` reports it."""

    __slots__ = ("cid", "type", "size", "cumulative_size", "blocks", "block_size")
    cid: CID
    type: str  # file, directory, symlink, raw
    size: int  # file size (0 for directories)
    cumulative_size: int  # the block plus everything it links to
    blocks: int  # number of links
    block_size: int

    def __init__(self, cid: CID, type: str, size: int, cumulative_size: int, blocks: int,
                 block_size: int) -> None:
        set_fields(self, locals())


class DirEntry(FrozenValue):
    """One directory entry (HAMT shards flattened)."""

    __slots__ = ("name", "cid", "tsize")
    name: str
    cid: CID
    tsize: int

    def __init__(self, name: str, cid: CID, tsize: int) -> None:
        set_fields(self, locals())


def parse_cid(text: str) -> CID:
    """Parse a CID string; invalid input raises :class:`InvalidPathError` saying why."""
    try:
        return CID.decode(text.strip())
    except InvalidCIDError as exc:
        raise InvalidPathError(f"invalid path {text!r}: {exc}") from None


def split_path(path: str) -> tuple[CID, list[str]]:
    """``CID``, ``/ipfs/CID/a/b`` or ``CID/a/b`` -> (root CID, [segments])."""
    text = path.strip()
    if text.startswith("/ipfs/"):
        text = text[len("/ipfs/"):]
    elif text.startswith("/ipns/"):
        raise UnsupportedError(f"{path!r}: IPNS names are not supported by the simulated node")
    elif text.startswith("/"):
        raise InvalidPathError(f"invalid path {path!r}: use CID or /ipfs/CID[/sub/path]")
    first, *rest = text.split("/")
    return parse_cid(first), [seg for seg in rest if seg]


def load(get_block: GetBlock, cid: CID) -> tuple[bytes, PBNode | None, unixfs.UnixFSData | None]:
    """The block, its dag-pb node (or None) and UnixFS data (or None)."""
    data = get_block(cid)
    if cid.codec != DAG_PB:
        return data, None, None
    node = decode_node(data)
    fsdata = unixfs.decode_data(node.data) if node.data is not None else None
    return data, node, fsdata


def dir_entries(get_block: GetBlock, cid: CID, *, by_name: bool = False) -> list[DirEntry]:
    """The entries of a UnixFS directory in Kubo's order: a basic directory's links (sorted
    by name when written), a HAMT's in shard order (``files ls``, ``get``); ``by_name``
    sorts them by name bytes (``ls``)."""
    _, node, fsdata = load(get_block, cid)
    if node is None or fsdata is None or fsdata.type not in (unixfs.DIRECTORY,
                                                               unixfs.HAMT_SHARD):
        raise NotADirectoryError_(f"{cid} is not a UnixFS directory")
    if fsdata.type == unixfs.DIRECTORY:
        out = [DirEntry(link.name, link.cid, link.tsize) for link in node.links]
    else:
        out = _walk_shard(get_block, node, fsdata)
    return sorted(out, key=lambda e: e.name.encode("utf-8")) if by_name else out


def _walk_shard(get_block: GetBlock, node: PBNode,
                fsdata: unixfs.UnixFSData) -> list[DirEntry]:
    """A HAMT's entries in link order, each sub-shard's where it is linked, as boxo walks
    a shard (an explicit stack: a hostile DAG may nest shards as deep as it likes)."""
    out: list[DirEntry] = []
    stack = [(iter(node.links), len(f"{(fsdata.fanout or 256) - 1:X}"))]
    while stack:
        links, width = stack[-1]
        link = next(links, None)
        if link is None:
            stack.pop()
        elif len(link.name) == width:  # a sub-shard
            _, child, child_data = load(get_block, link.cid)
            if child is None or child_data is None:
                raise IpfsNodeError(f"HAMT sub-shard {link.cid} is not a dag-pb shard")
            stack.append((iter(child.links), len(f"{(child_data.fanout or 256) - 1:X}")))
        else:
            out.append(DirEntry(link.name[width:], link.cid, link.tsize))
    return out


def resolve(get_block: GetBlock, path: str) -> CID:
    """The CID that ``path`` names, following directory links."""
    cid, segments = split_path(path)
    for i, seg in enumerate(segments):
        entries = {e.name: e.cid for e in dir_entries(get_block, cid)}
        if seg not in entries:
            where = "/".join(segments[:i]) or str(cid)
            raise NoSuchLinkError(f"no link named {seg!r} under {where}")
        cid = entries[seg]
    return cid


def stat(get_block: GetBlock, cid: CID) -> NodeInfo:
    """Size, cumulative size, block count and type of the node ``cid`` names."""
    data, node, fsdata = load(get_block, cid)
    if node is None:
        kind = "file" if cid.codec == RAW else cid.codec_name
        return NodeInfo(cid, kind, len(data), len(data), 0, len(data))
    cumulative = len(data) + sum(link.tsize for link in node.links)
    if fsdata is None:
        return NodeInfo(cid, "dag-pb", 0, cumulative, len(node.links), len(data))
    if fsdata.type in (unixfs.FILE, unixfs.RAW):
        size = fsdata.filesize if fsdata.filesize is not None else len(fsdata.data or b"")
        kind = "file"
    elif fsdata.type in (unixfs.DIRECTORY, unixfs.HAMT_SHARD):
        size, kind = 0, "directory"
    elif fsdata.type == unixfs.SYMLINK:
        size, kind = len(fsdata.data or b""), "symlink"
    else:
        size, kind = 0, fsdata.type_name
    return NodeInfo(cid, kind, size, cumulative, len(node.links), len(data))


def file_links(get_block: GetBlock, cid: CID) -> list[PBLink]:
    """The links of a node (a file's chunks, a directory's raw links)."""
    _, node, _ = load(get_block, cid)
    return list(node.links) if node is not None else []


def iter_file(get_block: GetBlock, cid: CID, offset: int = 0,
              length: int | None = None) -> Iterator[bytes]:
    """Stream a file's bytes from ``offset`` (``length`` bytes, or to the end)."""
    if offset < 0:
        raise BadRequestError(f"offset must be >= 0, got {offset}")
    if length is not None and length < 0:
        raise BadRequestError(f"length must be >= 0, got {length}")
    end = None if length is None else offset + length
    yield from _iter_node(get_block, cid, offset, end, top=True)


def _iter_node(get_block: GetBlock, cid: CID, start: int, end: int | None,
               top: bool = False) -> Iterator[bytes]:
    """The bytes ``[start, end)`` of the file under ``cid``, depth first with an explicit
    stack: a DAG of any depth streams without recursion."""
    stack: list[tuple[CID, int, int | None, bool]] = [(cid, start, end, top)]
    while stack:
        cid, start, end, top = stack.pop()
        if end is not None and end <= start:
            continue
        data, node, fsdata = load(get_block, cid)
        if node is None:
            if top and cid.codec != RAW:
                raise UnsupportedError(f"{cid} is {cid.codec_name}, not a UnixFS file")
            yield data[start:end]
            continue
        if fsdata is None:
            raise BadRequestError(f"{cid} is a dag-pb node without UnixFS data, not a file")
        if fsdata.type in (unixfs.DIRECTORY, unixfs.HAMT_SHARD):
            raise BadRequestError(f"this dag node is a directory: {cid}")
        if fsdata.type == unixfs.SYMLINK:
            raise BadRequestError(f"{cid} is a symlink, not a file")
        if fsdata.type not in (unixfs.FILE, unixfs.RAW):
            raise UnsupportedError(f"{cid} is a UnixFS {fsdata.type_name} node, not a file")
        pos = 0
        own = fsdata.data or b""
        if own:
            if pos + len(own) > start and (end is None or pos < end):
                yield own[max(0, start - pos):None if end is None else end - pos]
            pos += len(own)
        if len(fsdata.blocksizes) != len(node.links):
            raise IpfsNodeError(f"UnixFS node {cid} has {len(node.links)} links but "
                                f"{len(fsdata.blocksizes)} blocksizes")
        children = []
        for link, size in zip(node.links, fsdata.blocksizes, strict=True):
            if end is not None and pos >= end:
                break
            if pos + size > start:
                children.append((link.cid, max(0, start - pos),
                                 None if end is None else end - pos, False))
            pos += size
        stack.extend(reversed(children))


def read_file(get_block: GetBlock, cid: CID, offset: int = 0, length: int | None = None) -> bytes:
    return b"".join(iter_file(get_block, cid, offset, length))


def safe_name(name: str, parent: CID) -> str:
    """Reject entry names that could escape the target directory."""
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name
            or os.path.isabs(name)):
        raise UnsafePathError(
            f"refusing to export entry {name!r} of directory {parent}: names must be plain "
            f"file names (no '..', '/', or absolute paths)")
    return name


def export_to_dir(get_block: GetBlock, cid: CID, target: str | os.PathLike[str],
                  name: str | None = None) -> Path:
    """Write the file or directory ``cid`` to ``target/name`` (name defaults to the CID)."""
    root = Path(target).resolve()
    root.mkdir(parents=True, exist_ok=True)
    dest = root / safe_name(name or str(cid), cid)
    _export(get_block, cid, dest, root)
    return dest


def _export(get_block: GetBlock, cid: CID, dest: Path, root: Path) -> None:
    """Write the DAG under ``cid`` at ``dest`` with the ``data`` filter's rules
    (:mod:`.safe_paths`), walking with an explicit stack (any depth)."""
    stack = [(cid, dest)]
    while stack:
        cid, dest = stack.pop()
        safe_paths.destination(root, list(dest.relative_to(root).parts), str(dest))
        if dest.is_symlink():
            raise UnsafePathError(f"refusing to write through existing symlink {dest}")
        info = stat(get_block, cid)
        if info.type == "directory":
            dest.mkdir(exist_ok=True)
            entries = dir_entries(get_block, cid)
            stack.extend((entry.cid, dest / safe_name(entry.name, cid))
                         for entry in reversed(entries))
        elif info.type == "symlink":
            _, _, fsdata = load(get_block, cid)
            target = os.fsdecode((fsdata.data if fsdata else None) or b"")
            safe_paths.check_symlink(root, dest, target, str(dest.relative_to(root)))
            os.symlink(target, dest)
        else:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            with open(fd, "wb") as fh:
                for chunk in iter_file(get_block, cid):
                    fh.write(chunk)


def tar_stream(get_block: GetBlock, cid: CID, name: str | None = None) -> Iterator[bytes]:
    """A tar archive of ``cid`` (as ``ipfs get --archive``), streamed chunk by chunk."""
    total = 0
    for item_name, item_cid in _tar_items(get_block, cid, name or str(cid)):
        info = stat(get_block, item_cid)
        member = tarfile.TarInfo(item_name)
        member.mtime = 0
        if info.type == "directory":
            member.type, member.mode = tarfile.DIRTYPE, 0o755
        elif info.type == "symlink":
            _, _, fsdata = load(get_block, item_cid)
            member.type = tarfile.SYMTYPE
            member.linkname = (fsdata.data or b"").decode("utf-8", "replace")  # type: ignore[union-attr]
        else:
            member.size, member.mode = info.size, 0o644
        header = member.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        total += len(header)
        yield header
        if member.isreg():
            written = 0
            for chunk in iter_file(get_block, item_cid):
                written += len(chunk)
                yield chunk
            if written != info.size:
                raise IpfsNodeError(f"file {item_cid} has {written} bytes, its UnixFS "
                                    f"filesize says {info.size}")
            pad = -written % tarfile.BLOCKSIZE
            total += written + pad
            yield b"\0" * pad
    end = 2 * tarfile.BLOCKSIZE
    total += end
    yield b"\0" * (end + (-total % tarfile.RECORDSIZE))


def _tar_items(get_block: GetBlock, cid: CID, name: str) -> Iterator[tuple[str, CID]]:
    """(member name, cid) of everything under ``cid``, parents first (explicit stack)."""
    stack = [(name, cid)]
    while stack:
        name, cid = stack.pop()
        yield name, cid
        if stat(get_block, cid).type == "directory":
            entries = dir_entries(get_block, cid)
            stack.extend((f"{name}/{safe_name(entry.name, cid)}", entry.cid)
                         for entry in reversed(entries))
