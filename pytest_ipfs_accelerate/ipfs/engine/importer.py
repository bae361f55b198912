"""The UnixFS importer: bytes, streams and paths to Kubo-identical DAGs and CIDs.

It follows boxo's importer (what ``ipfs add`` runs): fixed-size chunks; balanced layout
with at most 174 links per node, or trickle layout (174 direct leaves, then layers of
4 sub-trees per depth); raw leaves by default only for CIDv1; identity CIDs for blocks
no longer than the inline limit; basic directories with links sorted by name, switched
to HAMT shards past the size threshold (see hamt.py and docs/ipfs-cids.md).

Memory stays bounded whatever the file size: one chunk plus the pending links of each
tree level. ``put_block`` receives every block (identity ones included) as it is made,
children before parents; pass ``None`` to only compute CIDs (``--only-hash``).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import hamt, multihash, unixfs
from pytest_ipfs_accelerate.ipfs.engine.chunker import iter_chunks, parse_chunker
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB, RAW
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node

PutBlock = Callable[[CID, bytes], None]
DEFAULT_MAX_LINKS = 174
TRICKLE_LAYER_REPEAT = 4


class AddError(IpfsAccelError, ValueError):
    """A path cannot be added (a directory without recursive, a special file...)."""


@dataclass(frozen=True)
class AddOptions:
    """The ``ipfs add`` options that shape the DAG, with Kubo's defaults."""

    cid_version: int = 0
    raw_leaves: bool | None = None  # None: Kubo's default, True iff CIDv1
    chunker: str = "size-262144"
    trickle: bool = False
    inline: bool = False
    inline_limit: int = 32
    hash: str = "sha2-256"
    wrap_with_directory: bool = False
    hidden: bool = False
    #: boxo HAMTShardingSize / Kubo Import.UnixFSHAMTDirectorySizeThreshold; 0 disables.
    shard_threshold: int = hamt.DEFAULT_THRESHOLD
    max_links: int = DEFAULT_MAX_LINKS

    def __post_init__(self) -> None:
        if self.cid_version not in (0, 1):
            raise AddError(f"unknown CID version {self.cid_version}: use 0 or 1")
        parse_chunker(self.chunker)
        multihash.hash_code(self.hash)
        if self.hash == "identity":
            raise AddError("hash 'identity' cannot address file blocks: use sha2-256, or "
                           "--inline to inline small blocks")
        if self.inline_limit < 0:
            raise AddError(f"inline limit must be >= 0, got {self.inline_limit}")
        if self.max_links < 2:
            raise AddError(f"max links per node must be at least 2, got {self.max_links}")

    @property
    def effective_cid_version(self) -> int:
        """Kubo switches to CIDv1 when the hash is not sha2-256."""
        return 1 if self.hash != "sha2-256" else self.cid_version

    @property
    def effective_raw_leaves(self) -> bool:
        """Raw leaves unless set: only with CIDv1, as Kubo does."""
        if self.raw_leaves is not None:
            return self.raw_leaves
        return self.effective_cid_version == 1

    @property
    def chunk_size(self) -> int:
        return parse_chunker(self.chunker)

    @classmethod
    def from_kubo_args(cls, cid_version: int | None = None, raw_leaves: bool | None = None,
                       chunker: str | None = None, trickle: bool = False,
                       inline: bool = False, inline_limit: int | None = None,
                       hash: str | None = None, wrap_with_directory: bool = False,
                       hidden: bool = False) -> AddOptions:
        """Options from ``ipfs add`` arguments, where ``None`` means "not given"."""
        hash_name = hash or "sha2-256"
        if cid_version == 0 and hash_name != "sha2-256":
            raise AddError(f"CIDv0 only supports sha2-256, not {hash_name!r}: use --cid-version=1")
        return cls(cid_version=1 if cid_version is None and hash_name != "sha2-256"
                   else (cid_version or 0),
                   raw_leaves=raw_leaves, chunker=chunker or "size-262144", trickle=trickle,
                   inline=inline, inline_limit=32 if inline_limit is None else inline_limit,
                   hash=hash_name, wrap_with_directory=wrap_with_directory, hidden=hidden)


@dataclass
class AddedEntry:
    """One ``added <cid> <name>`` line; ``size`` is the cumulative DAG size Kubo reports."""

    name: str
    cid: CID
    size: int


@dataclass
class _Child:
    cid: CID
    tsize: int
    filesize: int


@dataclass
class _Chunks:
    """A chunk stream with Done()/Next() like boxo's DagBuilderHelper."""

    it: Iterator[memoryview]
    pending: memoryview | None = None

    def done(self) -> bool:
        if self.pending is None:
            self.pending = next(self.it, None)
        return self.pending is None

    def take(self) -> memoryview:
        self.done()
        chunk, self.pending = self.pending, None
        assert chunk is not None
        return chunk


class DagBuilder:
    """Makes and stores the blocks of one import with one set of options."""

    def __init__(self, opts: AddOptions, put_block: PutBlock | None) -> None:
        self.opts = opts
        self.put_block = put_block
        self.version = opts.effective_cid_version
        self.raw_leaves = opts.effective_raw_leaves
        self.inline_limit = opts.inline_limit if opts.inline else -1
        self._sha256 = opts.hash == "sha2-256"
        self._headers: dict[tuple[int, int], tuple[bytes, bytes]] = {}

    # -- blocks
    def store(self, parts: Iterable[bytes | memoryview], length: int, codec: int) -> CID:
        """CID (and ``put_block``) of the block made of ``parts``."""
        block: bytes | None = None
        if length <= self.inline_limit:
            block = b"".join(parts)
            cid = CID(1, codec, multihash.wrap(multihash.IDENTITY, block))
        else:
            if not isinstance(parts, (list, tuple)):
                parts = list(parts)
            h = hashlib.sha256() if self._sha256 else multihash.hasher(self.opts.hash)
            for part in parts:
                h.update(part)
            code = multihash.SHA2_256 if self._sha256 else multihash.hash_code(self.opts.hash)
            version = self.version if codec == DAG_PB else 1
            cid = CID(version, codec, multihash.wrap(code, h.digest()))
        if self.put_block is not None:
            self.put_block(cid, block if block is not None else b"".join(parts))
        return cid

    def node(self, block: bytes) -> tuple[CID, int]:
        """Store one dag-pb block; return ``(cid, block length)``."""
        return self.store((block,), len(block), DAG_PB), len(block)

    # -- files
    def leaf(self, chunk: memoryview | bytes, leaf_type: int = unixfs.FILE) -> _Child:
        n = len(chunk)
        if self.raw_leaves:
            return _Child(self.store((chunk,), n, RAW), n, n)
        header = self._headers.get((leaf_type, n))
        if header is None:
            header = self._headers[(leaf_type, n)] = unixfs.file_leaf_header(leaf_type, n)
        prefix, suffix = header
        length = len(prefix) + n + len(suffix)
        return _Child(self.store((prefix, chunk, suffix), length, DAG_PB), length, n)

    def file_node(self, children: list[_Child]) -> _Child:
        filesize = sum(c.filesize for c in children)
        data = unixfs.encode_data(unixfs.UnixFSData(
            unixfs.FILE, filesize=filesize, blocksizes=[c.filesize for c in children]))
        block = encode_node(PBNode([PBLink(c.cid, "", c.tsize) for c in children], data))
        cid, length = self.node(block)
        return _Child(cid, length + sum(c.tsize for c in children), filesize)

    def empty_file(self) -> _Child:
        if self.raw_leaves and not self.opts.trickle:
            return self.leaf(b"")
        return self.file_node([])

    def balanced(self, chunks: Iterator[memoryview]) -> _Child:
        """boxo's balanced layout, built bottom-up one level list at a time."""
        max_links = self.opts.max_links
        levels: list[list[_Child]] = [[]]

        def push(level: int, child: _Child) -> None:
            if level == len(levels):
                levels.append([])
            levels[level].append(child)
            if len(levels[level]) == max_links:
                node = self.file_node(levels[level])
                levels[level] = []
                push(level + 1, node)

        any_chunk = False
        for chunk in chunks:
            any_chunk = True
            push(0, self.leaf(chunk))
        if not any_chunk:
            return self.empty_file()
        level = 0
        while True:
            higher = any(levels[j] for j in range(level + 1, len(levels)))
            if not higher and len(levels[level]) == 1:
                return levels[level][0]
            if levels[level]:
                node = self.file_node(levels[level])
                levels[level] = []
                if level + 1 == len(levels):
                    levels.append([])
                levels[level + 1].append(node)
            level += 1

    def trickle(self, chunks: Iterator[memoryview]) -> _Child:
        """boxo's trickle layout (fillTrickleRec): leaves are UnixFS Raw nodes."""
        src = _Chunks(chunks)
        max_links = self.opts.max_links

        def fill(max_depth: int) -> _Child:
            children: list[_Child] = []
            while len(children) < max_links and not src.done():
                children.append(self.leaf(src.take(), unixfs.RAW))
            depth = 1
            while max_depth == -1 or depth < max_depth:
                if src.done():
                    break
                for _ in range(TRICKLE_LAYER_REPEAT):
                    if src.done():
                        break
                    children.append(fill(depth))
                depth += 1
            return self.file_node(children)

        return fill(-1)

    def file(self, stream: BinaryIO) -> _Child:
        chunks = iter_chunks(stream, self.opts.chunk_size)
        return self.trickle(chunks) if self.opts.trickle else self.balanced(chunks)

    # -- directories and symlinks
    def directory(self, entries: list[tuple[str, CID, int]]) -> tuple[CID, int]:
        """A basic directory, or a HAMT past the threshold; return ``(cid, tsize)``."""
        names = set()
        for name, _, _ in entries:
            if not name or "/" in name:
                raise AddError(f"invalid directory entry name {name!r}: it must be non-empty "
                               "and contain no '/'")
            if name in names:
                raise AddError(f"duplicate directory entry name {name!r}")
            names.add(name)
        if hamt.needs_sharding(entries, self.opts.shard_threshold):
            return hamt.build_shard(entries, self.node)
        links = [PBLink(cid, name, tsize) for name, cid, tsize in entries]
        data = unixfs.encode_data(unixfs.UnixFSData(unixfs.DIRECTORY))
        block = encode_node(PBNode(links, data))
        cid, length = self.node(block)
        return cid, length + sum(link.tsize for link in links)

    def symlink(self, target: str) -> tuple[CID, int]:
        data = unixfs.encode_data(unixfs.UnixFSData(unixfs.SYMLINK,
                                                    data=os.fsencode(target)))
        return self.node(encode_node(PBNode([], data)))


def add_stream(stream: BinaryIO, opts: AddOptions, put_block: PutBlock | None,
               name: str = "") -> AddedEntry:
    """Import one file from a binary stream, in bounded memory."""
    child = DagBuilder(opts, put_block).file(stream)
    return AddedEntry(name, child.cid, child.tsize)


def add_bytes(data: bytes, opts: AddOptions, put_block: PutBlock | None,
              name: str = "") -> AddedEntry:
    """Import one file held in memory."""
    import io

    return add_stream(io.BytesIO(data), opts, put_block, name)


def add_directory_entries(entries: Mapping[str, AddedEntry | tuple[CID, int]], opts: AddOptions,
                          put_block: PutBlock | None, name: str = "") -> AddedEntry:
    """A directory over already added children: ``{name: AddedEntry or (cid, cumulative size)}``."""
    rows = []
    for child_name, entry in entries.items():
        cid, size = (entry.cid, entry.size) if isinstance(entry, AddedEntry) else entry
        rows.append((child_name, cid, size))
    cid, tsize = DagBuilder(opts, put_block).directory(rows)
    return AddedEntry(name, cid, tsize)


def _top_name(path: Path) -> str:
    name = Path(os.path.abspath(path)).name
    return name or str(path)


class _PathImporter:
    def __init__(self, opts: AddOptions, put_block: PutBlock | None, recursive: bool) -> None:
        self.builder = DagBuilder(opts, put_block)
        self.opts = opts
        self.recursive = recursive
        self.files: list[AddedEntry] = []

    def add(self, path: Path, rel: str, dirs: list[AddedEntry]) -> tuple[CID, int]:
        try:
            st = os.lstat(path)
        except OSError as exc:
            raise AddError(f"cannot add {str(path)!r}: {exc.strerror or exc}")
        if stat.S_ISLNK(st.st_mode):
            cid, tsize = self.builder.symlink(os.readlink(path))
            self.files.append(AddedEntry(rel, cid, tsize))
            return cid, tsize
        if stat.S_ISREG(st.st_mode):
            with open(path, "rb", buffering=0) as f:
                child = self.builder.file(f)  # type: ignore[arg-type]
            self.files.append(AddedEntry(rel, child.cid, child.tsize))
            return child.cid, child.tsize
        if stat.S_ISDIR(st.st_mode):
            if not self.recursive:
                raise AddError(f"{str(path)!r} is a directory: use -r (recursive) to add it")
            entries = []
            sub_dirs: list[tuple[str, list[AddedEntry]]] = []
            for child in sorted(os.listdir(path)):
                if child.startswith(".") and not self.opts.hidden:
                    continue
                child_dirs: list[AddedEntry] = []
                cid, tsize = self.add(path / child, f"{rel}/{child}" if rel else child,
                                      child_dirs)
                entries.append((child, cid, tsize))
                sub_dirs.append((child, child_dirs))
            cid, tsize = self.builder.directory(entries)
            # Kubo lists sub-directories in link order: by name, or by hash in a HAMT.
            if hamt.needs_sharding(entries, self.opts.shard_threshold):
                sub_dirs.sort(key=lambda row: hamt.murmur3_x64_64(row[0].encode("utf-8")))
            for _, child_dirs in sub_dirs:
                dirs.extend(child_dirs)
            dirs.append(AddedEntry(rel, cid, tsize))
            return cid, tsize
        raise AddError(f"cannot add {str(path)!r}: not a regular file, directory or symlink")


def add_paths(paths: Iterable[str | Path], opts: AddOptions, put_block: PutBlock | None,
              recursive: bool = False) -> list[AddedEntry]:
    """Import several paths as ``ipfs add`` does; entries in its output order, root last.

    Files come first, in walk order (names sorted, dotfiles skipped unless ``hidden``),
    then directories, deepest first. With ``wrap_with_directory`` every path goes into
    one directory, reported last with an empty name.
    """
    importer = _PathImporter(opts, put_block, recursive)
    paths = [Path(p) for p in paths]
    if not paths:
        raise AddError("no path to add: name at least one file or directory")
    if not opts.wrap_with_directory:
        out: list[AddedEntry] = []
        for path in paths:
            importer.files = []
            dirs: list[AddedEntry] = []
            importer.add(path, _top_name(path), dirs)
            out += importer.files + dirs
        return out
    top: list[tuple[str, CID, int, list[AddedEntry]]] = []
    for path in paths:
        dirs = []
        name = _top_name(path)
        cid, tsize = importer.add(path, name, dirs)
        top.append((name, cid, tsize, dirs))
    root_cid, root_size = importer.builder.directory([(n, c, s) for n, c, s, _ in top])
    out = list(importer.files)
    for _, _, _, dirs in sorted(top, key=lambda row: row[0]):
        out += dirs
    out.append(AddedEntry("", root_cid, root_size))
    return out


def add_path(path: str | Path, opts: AddOptions, put_block: PutBlock | None,
             recursive: bool = False) -> list[AddedEntry]:
    """Import one file or (with ``recursive``) directory; entries in ``ipfs add`` order."""
    return add_paths([path], opts, put_block, recursive)
