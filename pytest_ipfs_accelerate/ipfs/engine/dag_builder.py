"""The blocks of one import: leaves, file trees (balanced and trickle), directories, symlinks.

It follows boxo's importer as Kubo 0.43.1 runs it: balanced layout with at most
``max_file_links`` links per node, or trickle layout (``max_file_links`` direct leaves,
then layers of 4 sub-trees per depth); raw leaves by default only for CIDv1; identity
CIDs for blocks no longer than the inline limit; UnixFS mode and mtime on the root of an
entry; basic directories with links sorted by name bytes, switched to HAMT shards past
the size threshold or the link limit.

Memory stays bounded whatever the file size. ``put_block`` receives every block
(identity ones included), children before parents; ``None`` only computes CIDs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator

from pytest_ipfs_accelerate.ipfs.engine import hamt, multihash, unixfs
from pytest_ipfs_accelerate.ipfs.engine.add_options import AddError, AddOptions
from pytest_ipfs_accelerate.ipfs.engine.chunker import iter_chunks
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB, RAW
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node, name_bytes
from pytest_ipfs_accelerate.ipfs.engine.leaf_hashing import hashed_leaves
from pytest_ipfs_accelerate.ipfs.engine.values import Value

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import BinaryIO

PutBlock = Callable[[CID, bytes], None]
TRICKLE_LAYER_REPEAT = 4
#: What an entry's root carries besides its content: (mode, (seconds, nanoseconds)).
Meta = tuple[int, "tuple[int, int | None] | None"]
NO_META: Meta = (0, None)


class Child(Value):
    """A built node as its parent links it: CID, cumulative size, file bytes below it."""

    __slots__ = ("cid", "tsize", "filesize")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, cid: CID, tsize: int, filesize: int) -> None:
        self.cid = cid
        self.tsize = tsize
        self.filesize = filesize


class _Chunks:
    """A child stream with Done()/Next() like boxo's DagBuilderHelper."""

    def __init__(self, it: Iterator[Child]) -> None:
        self.it = it
        self.pending: Child | None = None

    def done(self) -> bool:
        if self.pending is None:
            self.pending = next(self.it, None)
        return self.pending is None

    def take(self) -> Child:
        self.done()
        item, self.pending = self.pending, None
        assert item is not None
        return item


class DagBuilder:
    """Makes and stores the blocks of one import with one set of options."""

    def __init__(self, opts: AddOptions, put_block: PutBlock | None) -> None:
        self.opts = opts
        self.put_block = put_block
        self.version = opts.effective_cid_version
        self.raw_leaves = opts.effective_raw_leaves
        self.inline_limit = opts.inline_limit if opts.inline else -1
        self.hash_name = opts.hash_name
        self._identity = self.hash_name == "identity"
        self._sha256 = self.hash_name == "sha2-256"
        self._code = multihash.HASHES[self.hash_name][0]
        self._headers: dict[tuple[int, int], tuple[bytes, bytes]] = {}

    # -- blocks
    def cid_of(self, parts: Iterable[bytes | memoryview], length: int, codec: int) -> CID:
        """The CID of the block made of ``parts`` (pure: safe on any thread)."""
        if length <= self.inline_limit or self._identity:
            return CID(1, codec, multihash.identity(b"".join(parts)))
        h = hashlib.sha256() if self._sha256 else multihash.hasher(self.hash_name)
        for part in parts:
            h.update(part)
        version = self.version if codec == DAG_PB else 1
        return CID(version, codec, multihash.wrap(self._code, h.digest()))

    def store(self, parts: Iterable[bytes | memoryview], length: int, codec: int) -> CID:
        """CID (and ``put_block``) of the block made of ``parts``."""
        if not isinstance(parts, (list, tuple)):
            parts = list(parts)
        cid = self.cid_of(parts, length, codec)
        if self.put_block is not None:
            self.put_block(cid, b"".join(parts))
        return cid

    def node(self, block: bytes) -> tuple[CID, int]:
        """Store one dag-pb block; return ``(cid, block length)``."""
        return self.store((block,), len(block), DAG_PB), len(block)

    # -- files
    def _leaf_parts(self, chunk: memoryview | bytes, leaf_type: int) -> tuple[tuple, int, int]:
        n = len(chunk)
        if self.raw_leaves:
            return (chunk,), n, RAW
        header = self._headers.get((leaf_type, n))
        if header is None:
            header = self._headers[(leaf_type, n)] = unixfs.file_leaf_header(leaf_type, n)
        prefix, suffix = header
        return (prefix, chunk, suffix), len(prefix) + n + len(suffix), DAG_PB

    def leaf(self, chunk: memoryview | bytes, leaf_type: int = unixfs.FILE) -> Child:
        parts, length, codec = self._leaf_parts(chunk, leaf_type)
        return Child(self.store(parts, length, codec), length, len(chunk))

    def leaves(self, stream: BinaryIO, leaf_type: int) -> Iterator[Child]:
        """The leaves of a file, in order; fixed-size chunks are hashed on every core."""
        spec = self.opts.chunker_spec
        if spec.kind != "size":
            for chunk in iter_chunks(stream, spec):
                yield self.leaf(chunk, leaf_type)
            return
        for header in (unixfs.file_leaf_header(leaf_type, spec.size),):
            self._headers.setdefault((leaf_type, spec.size), header)
        keep = self.put_block is not None

        def hash_batch(view: memoryview, size: int) -> list[tuple[Child, bytes | None]]:
            out = []
            for start in range(0, len(view), size):
                chunk = view[start:start + size]
                parts, length, codec = self._leaf_parts(chunk, leaf_type)
                block = b"".join(parts) if keep else None
                out.append((Child(self.cid_of(parts, length, codec), length, len(chunk)),
                            block))
            return out

        for child, block in hashed_leaves(stream, spec.size, hash_batch):
            if block is not None and self.put_block is not None:
                self.put_block(child.cid, block)
            yield child

    def file_node(self, children: list[Child], meta: Meta = NO_META,
                  data: bytes | None = None, leaf_type: int = unixfs.FILE) -> Child:
        own = len(data) if data is not None else 0
        filesize = own + sum(c.filesize for c in children)
        mode, mtime = meta
        fsdata = unixfs.encode_data(unixfs.UnixFSData(
            leaf_type, data=data, filesize=filesize,
            blocksizes=[c.filesize for c in children], mode=mode or None, mtime=mtime))
        block = encode_node(PBNode([PBLink(c.cid, "", c.tsize) for c in children], fsdata),
                            data_first=self.opts.data_first)
        cid, length = self.node(block)
        return Child(cid, length + sum(c.tsize for c in children), filesize)

    def balanced(self, leaves: Iterator[Child], meta: Meta = NO_META,
                 first_chunk: list[bytes] | None = None) -> Child:
        """boxo's balanced layout, built bottom-up one level list at a time.

        ``meta`` goes on the root (boxo SetFileAttributes): a one-leaf file becomes a
        dag-pb leaf holding ``first_chunk[0]`` and the metadata.
        """
        max_links = self.opts.effective_max_links
        levels: list[list[Child]] = [[]]
        last: tuple[Child, list[Child]] | None = None  # the latest node built, its children

        def build(children: list[Child], node_meta: Meta = NO_META) -> Child:
            nonlocal last
            node = self.file_node(children, node_meta)
            last = (node, children)
            return node

        count = 0
        for leaf in leaves:
            count += 1
            levels[0].append(leaf)
            level = 0
            while len(levels[level]) == max_links:
                node = build(levels[level])
                levels[level] = []
                level += 1
                if level == len(levels):
                    levels.append([])
                levels[level].append(node)
        if count == 0:
            if self.raw_leaves:
                return self.leaf(b"")
            return self.file_node([], meta)
        level = 0
        while True:
            higher = any(levels[j] for j in range(level + 1, len(levels)))
            if not higher and len(levels[level]) == 1:
                root = levels[level][0]
                if meta == NO_META:
                    return root
                if level == 0:  # the file is its one leaf
                    return self.file_node([], meta, first_chunk[0] if first_chunk else b"")
                assert last is not None and last[0] is root
                return self.file_node(last[1], meta)
            if levels[level]:
                node = build(levels[level], NO_META if higher else meta)
                levels[level] = []
                if level + 1 == len(levels):
                    levels.append([])
                levels[level + 1].append(node)
                if not higher:
                    return node
            level += 1

    def trickle(self, leaves: Iterator[Child], meta: Meta = NO_META) -> Child:
        """boxo's trickle layout (fillTrickleRec); the depth is log(size), never the input's."""
        src = _Chunks(leaves)
        max_links = self.opts.effective_max_links

        def fill(max_depth: int, node_meta: Meta) -> Child:
            children: list[Child] = []
            while len(children) < max_links and not src.done():
                children.append(src.take())
            depth = 1
            while max_depth == -1 or depth < max_depth:
                if src.done():
                    break
                for _ in range(TRICKLE_LAYER_REPEAT):
                    if src.done():
                        break
                    children.append(fill(depth, NO_META))
                depth += 1
            return self.file_node(children, node_meta)

        return fill(-1, meta)

    def file(self, stream: BinaryIO, meta: Meta = NO_META) -> Child:
        if self.opts.trickle:
            return self.trickle(self.leaves(stream, unixfs.RAW), meta)
        if meta == NO_META:
            return self.balanced(self.leaves(stream, unixfs.FILE))
        first: list[bytes] = []  # a one-chunk file keeps its data in its root

        def leaves() -> Iterator[Child]:
            for chunk in iter_chunks(stream, self.opts.chunker_spec):
                if not first:
                    first.append(bytes(chunk))
                yield self.leaf(chunk, unixfs.FILE)

        return self.balanced(leaves(), meta, first)

    # -- directories and symlinks
    def directory(self, entries: list[tuple[str, CID, int]],
                  meta: Meta = NO_META) -> tuple[CID, int]:
        """A basic directory, or a HAMT past the threshold; return ``(cid, tsize)``."""
        names = set()
        for name, _, _ in entries:
            if not name or "/" in name:
                raise AddError(f"invalid directory entry name {name!r}: it must be non-empty "
                               "and contain no '/'")
            if name in names:
                raise AddError(f"duplicate directory entry name {name!r}")
            names.add(name)
        mode, mtime = meta
        data = unixfs.encode_data(unixfs.UnixFSData(unixfs.DIRECTORY, mode=mode or None,
                                                    mtime=mtime))
        if self.sharded(entries, data):
            return hamt.build_shard(entries, self.node, self.opts.fanout, meta,
                                    data_first=self.opts.data_first)
        links = [PBLink(cid, name, tsize) for name, cid, tsize in entries]
        block = encode_node(PBNode(links, data), data_first=self.opts.data_first)
        cid, length = self.node(block)
        return cid, length + sum(link.tsize for link in links)

    def sharded(self, entries: list[tuple[str, CID, int]], data: bytes | None = None,
                meta: Meta = NO_META) -> bool:
        """Whether :meth:`directory` builds these entries as a HAMT (``data``: the basic
        directory's UnixFS data, else made from ``meta``)."""
        opts = self.opts
        if data is None and opts.hamt_size_estimation == "block":
            mode, mtime = meta
            data = unixfs.encode_data(unixfs.UnixFSData(unixfs.DIRECTORY, mode=mode or None,
                                                        mtime=mtime))
        return hamt.needs_sharding(entries, opts.shard_threshold, opts.max_directory_links,
                                   opts.hamt_size_estimation, data or b"")

    def symlink(self, target: str, meta: Meta = NO_META) -> tuple[CID, int]:
        mode, mtime = meta
        data = unixfs.encode_data(unixfs.UnixFSData(unixfs.SYMLINK, data=os.fsencode(target),
                                                    mode=mode or None, mtime=mtime))
        return self.node(encode_node(PBNode([], data)))


def sort_key(name: str) -> bytes:
    """Directory entries are walked and linked in the order of their names' bytes."""
    return name_bytes(name)
