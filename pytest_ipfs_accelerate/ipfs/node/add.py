"""``add`` for the simulated node: Kubo's options and output order over the engine's importer.

Uploads arrive as (relative path, bytes | None for a directory | :class:`Symlink`[, Stat])
items, as the RPC server gets them from multipart bodies; paths on disk go straight to the
engine. Files are listed in the order they arrived, as Kubo lists them, then directories.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import hamt, importer
from pytest_ipfs_accelerate.ipfs.engine.add_flags import NODE_OPTIONS, add_options
from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.dag_builder import Meta, sort_key
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError
from pytest_ipfs_accelerate.ipfs.node.backend import Added
from pytest_ipfs_accelerate.ipfs.node.import_config import with_config


@dataclass(frozen=True)
class Symlink:
    """A symlink entry of an upload (``Content-Type: application/symlink``)."""

    target: str


@dataclass(frozen=True)
class Stat:
    """What an upload entry says of itself, as Go's ``os.FileInfo`` of a multipart part: a
    Go ``FileMode`` (0: none) and a modification time, ``(seconds, nanoseconds)`` (None: Go's
    zero time). Stored with ``preserve_mode`` / ``preserve_mtime``, as Kubo does."""

    mode: int = 0
    mtime: tuple[int, int] | None = None


NO_STAT = Stat()
Item = Any  # bytes, a readable stream, a Symlink, or None (a directory)
Tree = dict[str, Any]


@dataclass
class _Upload:
    """An upload as a tree, with each path's stat and each file's place in the upload."""

    tree: Tree
    stats: dict[str, Stat]
    order: dict[str, int]


def make_options(node: Any = None, **options: Any) -> importer.AddOptions:
    """Engine options from ``ipfs add`` keyword names, what they leave out taken from the
    node's ``Import`` config as Kubo takes it; bad values -> :class:`BadRequestError`."""
    if node is not None:
        options = with_config(options, getattr(node, "config", None),
                              getattr(node, "import_at_start", {}))
    unknown = set(options) - NODE_OPTIONS
    if unknown:
        raise BadRequestError(f"unknown add option(s) {sorted(unknown)}; known: "
                              f"{sorted(NODE_OPTIONS)}")
    try:
        return add_options(options)
    except ValueError as exc:  # AddError, ChunkerError, MultihashError
        raise BadRequestError(str(exc)) from None


def _put(node: Any, only_hash: bool) -> importer.PutBlock | None:
    return None if only_hash else node.put_block


def add_path(node: Any, path: Path, *, recursive: bool, hidden: bool,
             **options: Any) -> tuple[list[Added], list[str]]:
    """Add a file or directory from disk: (entries, roots to pin)."""
    only_hash = bool(options.pop("only_hash", False))
    opts = make_options(node, hidden=hidden, **options)
    try:
        entries = importer.add_path(path, opts, _put(node, only_hash), recursive=recursive)
    except importer.AddError as exc:
        raise BadRequestError(str(exc)) from None
    added = [Added(e.name, str(e.cid), e.size) for e in entries]
    return added, [added[-1].cid] if added else []


def build_tree(items: Iterable[tuple[str, Item]]) -> Tree:
    """Nest upload items by path; a file may not also be a directory."""
    return _build_upload(items).tree


def _build_upload(items: Iterable[tuple[Any, ...]]) -> _Upload:
    upload = _Upload({}, {}, {})
    tree = upload.tree
    for path, data, *stat in items:
        if stat:
            upload.stats[path] = stat[0]
        if data is not None:
            upload.order[path] = len(upload.order)
        parts = path.split("/") if path else [""]
        cur = tree
        for i, part in enumerate(parts[:-1]):
            nxt = cur.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise BadRequestError(
                    f"upload has {'/'.join(parts[:i + 1])!r} as a file and as a directory")
            cur = nxt
        leaf = parts[-1]
        if data is None:
            existing = cur.setdefault(leaf, {})
            if not isinstance(existing, dict):
                raise BadRequestError(f"upload has {path!r} as a file and as a directory")
        else:
            if leaf in cur:
                raise BadRequestError(f"upload names {path!r} twice")
            cur[leaf] = data
    if "" in tree and len(tree) > 1:
        raise BadRequestError("an unnamed file can only be uploaded alone")
    return upload


def add_entries(node: Any, items: Iterable[tuple[Any, ...]],
                **options: Any) -> tuple[list[Added], list[str]]:
    """Add uploaded items, ``(path, data)`` or ``(path, data, Stat)``: (entries in ``ipfs
    add`` order, root last; roots to pin)."""
    only_hash = bool(options.pop("only_hash", False))
    opts = make_options(node, **options)
    put = _put(node, only_hash)
    builder = _Builder(opts, put)

    def imported(path: str, data: Any, stat: Stat) -> Any:
        # Streams are imported as they come (a multipart part must be read before the next).
        if hasattr(data, "read"):
            return importer.add_stream(data, opts, put, path,
                                       importer.upload_meta(opts, stat.mode, stat.mtime))
        return data

    def items_imported() -> Iterator[tuple[Any, ...]]:
        for path, data, *stat in items:
            yield path, imported(path, data, stat[0] if stat else NO_STAT), *stat

    try:
        upload = _build_upload(items_imported())
        builder.stats, builder.order = upload.stats, upload.order
        tree = upload.tree
        if "" in tree and opts.wrap_with_directory:
            raise BadRequestError("cannot wrap an unnamed file in a directory: give it a name")
        if not tree:
            raise BadRequestError("no file to add: send at least one multipart part named "
                                  "'file'")
        entries, roots = _assemble(builder, tree, opts)
    except importer.AddError as exc:
        raise BadRequestError(str(exc)) from None
    except ValueError as exc:  # the engine's own errors (identity too large, bad names...)
        raise BadRequestError(str(exc)) from None
    added = [Added(e.name or str(e.cid), str(e.cid), e.size) if e.name == "" and
             not opts.wrap_with_directory else Added(e.name, str(e.cid), e.size)
             for e in entries]
    return added, roots


class _Builder(importer.DagBuilder):
    """The DAG builder of one upload, which knows each path's stat and arrival."""

    stats: dict[str, Stat]
    order: dict[str, int]

    def meta_of(self, path: str) -> Meta:
        stat = self.stats.get(path, NO_STAT)
        return importer.upload_meta(self.opts, stat.mode, stat.mtime)

    def in_arrival_order(self, files: list[importer.AddedEntry]) -> list[importer.AddedEntry]:
        return sorted(files, key=lambda entry: self.order.get(entry.name, 0))


def _leaf(builder: _Builder, obj: Any, rel: str) -> importer.AddedEntry:
    if isinstance(obj, importer.AddedEntry):
        return importer.AddedEntry(rel, obj.cid, obj.size)
    if isinstance(obj, Symlink):  # a symlink keeps its mtime, never a mode (as boxo)
        cid, tsize = builder.symlink(obj.target, (0, builder.meta_of(rel)[1]))
        return importer.AddedEntry(rel, cid, tsize)
    return importer.add_bytes(bytes(obj), builder.opts, builder.put_block, rel,
                              builder.meta_of(rel))


def _directory(builder: _Builder, tree: Tree, rel: str,
               files: list[importer.AddedEntry]) -> tuple[CID, int, list[importer.AddedEntry]]:
    """A directory of the upload, built bottom-up with an explicit stack (no recursion
    grows with the upload's depth); returns its (cid, tsize) and its directory lines."""
    # A frame: (rel, children still to visit (reversed), rows, sub-directory lines by name)
    stack: list[tuple[str, list[tuple[str, Any]], list[tuple[str, CID, int]],
                      dict[str, list[importer.AddedEntry]]]] = []

    def push(sub: Tree, path: str) -> None:
        children = sorted(sub.items(), key=lambda kv: sort_key(kv[0]), reverse=True)
        stack.append((path, children, [], {}))

    push(tree, rel)
    while True:
        path, children, rows, dirs = stack[-1]
        if children:
            name, obj = children.pop()
            child_rel = f"{path}/{name}" if path else name
            if isinstance(obj, dict):
                push(obj, child_rel)
                continue
            entry = _leaf(builder, obj, child_rel)
            files.append(entry)
            rows.append((name, entry.cid, entry.size))
            continue
        stack.pop()
        meta = builder.meta_of(path)
        cid, tsize = builder.directory(rows, meta)
        if builder.sharded(rows, meta=meta):
            order = sorted(dirs, key=lambda n: hamt.murmur3_x64_64(sort_key(n)))
        else:
            order = sorted(dirs, key=sort_key)
        lines = [line for name in order for line in dirs[name]]
        lines.append(importer.AddedEntry(path, cid, tsize, is_dir=True))
        if not stack:
            return cid, tsize, lines
        parent = stack[-1]
        name = path.rsplit("/", 1)[-1]
        parent[2].append((name, cid, tsize))
        parent[3][name] = lines


def _assemble(builder: _Builder, tree: Tree,
              opts: importer.AddOptions) -> tuple[list[importer.AddedEntry], list[str]]:
    """Every entry in ``ipfs add`` order (root last) and the roots to pin."""
    files: list[importer.AddedEntry] = []
    if not opts.wrap_with_directory:
        out: list[importer.AddedEntry] = []
        roots: list[str] = []
        for name, obj in tree.items():
            if isinstance(obj, dict):
                cid, _, lines = _directory(builder, obj, name, files)
                out += builder.in_arrival_order(files) + lines
            else:
                entry = _leaf(builder, obj, name)
                importer.check_wrapper(builder, entry)
                cid = entry.cid
                out += [*files, entry]
            files.clear()
            roots.append(str(cid))
        return out, roots
    top, lines_by_name = [], {}
    for name, obj in tree.items():
        if isinstance(obj, dict):
            cid, tsize, lines = _directory(builder, obj, name, files)
            lines_by_name[name] = lines
        else:
            entry = _leaf(builder, obj, name)
            files.append(entry)
            cid, tsize = entry.cid, entry.size
        top.append((name, cid, tsize))
    # The wrapper is a directory of its own, with no stat (Kubo's SliceDirectory).
    root_cid, root_size = builder.directory(top, importer.upload_meta(opts, 0, None))
    entries = builder.in_arrival_order(files)
    for name in sorted(lines_by_name, key=sort_key):
        entries += lines_by_name[name]
    entries.append(importer.AddedEntry("", root_cid, root_size, is_dir=True))
    return entries, [str(root_cid)]
