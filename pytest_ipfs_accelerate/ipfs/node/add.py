"""``add`` for the simulated node: Kubo's options and output order over the engine's importer.

Uploads arrive as (relative path, bytes | None for a directory | :class:`Symlink`) items,
as the RPC server gets them from multipart bodies; paths on disk go straight to the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import importer
from pytest_ipfs_accelerate.ipfs.engine.add_flags import NODE_OPTIONS, add_options
from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError
from pytest_ipfs_accelerate.ipfs.node.backend import Added


@dataclass(frozen=True)
class Symlink:
    """A symlink entry of an upload (``Content-Type: application/symlink``)."""

    target: str


Item = Any  # bytes, a readable stream, a Symlink, or None (a directory)
Tree = dict[str, Any]


def make_options(**options: Any) -> importer.AddOptions:
    """Engine options from ``ipfs add`` keyword names; bad values -> :class:`BadRequestError`."""
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
    opts = make_options(hidden=hidden, **options)
    try:
        entries = importer.add_path(path, opts, _put(node, only_hash), recursive=recursive)
    except importer.AddError as exc:
        raise BadRequestError(str(exc)) from None
    added = [Added(e.name, str(e.cid), e.size) for e in entries]
    return added, [added[-1].cid] if added else []


def build_tree(items: Iterable[tuple[str, Item]]) -> Tree:
    """Nest upload items by path; a file may not also be a directory."""
    tree: Tree = {}
    for path, data in items:
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
    return tree


def add_entries(node: Any, items: Iterable[tuple[str, Item]],
                **options: Any) -> tuple[list[Added], list[str]]:
    """Add uploaded items: (entries in ``ipfs add`` order, root last; roots to pin)."""
    only_hash = bool(options.pop("only_hash", False))
    opts = make_options(**options)
    put = _put(node, only_hash)
    builder = importer.DagBuilder(opts, put)

    def imported(path: str, data: Any) -> Any:
        # Streams are imported as they come (a multipart part must be read before the next).
        if hasattr(data, "read"):
            return importer.add_stream(data, opts, put, path)
        return data

    tree = build_tree((path, imported(path, data)) for path, data in items)
    if "" in tree and opts.wrap_with_directory:
        raise BadRequestError("cannot wrap an unnamed file in a directory: give it a name")
    if not tree:
        raise BadRequestError("no file to add: send at least one multipart part named 'file'")
    files: list[importer.AddedEntry] = []

    def walk(obj: Any, rel: str, dirs: list[importer.AddedEntry]) -> tuple[CID, int]:
        if isinstance(obj, importer.AddedEntry):
            files.append(importer.AddedEntry(rel, obj.cid, obj.size))
            return obj.cid, obj.size
        if isinstance(obj, Symlink):
            cid, tsize = builder.symlink(obj.target)
            files.append(importer.AddedEntry(rel, cid, tsize))
            return cid, tsize
        if not isinstance(obj, dict):
            child = importer.add_bytes(bytes(obj), opts, put, rel)
            files.append(child)
            return child.cid, child.size
        rows, sub = [], []
        for name in sorted(obj, key=lambda n: n.encode("utf-8")):
            child_dirs: list[importer.AddedEntry] = []
            cid, tsize = walk(obj[name], f"{rel}/{name}" if rel else name, child_dirs)
            rows.append((name, cid, tsize))
            sub.append(child_dirs)
        cid, tsize = builder.directory(rows)
        for child_dirs in sub:
            dirs.extend(child_dirs)
        dirs.append(importer.AddedEntry(rel, cid, tsize))
        return cid, tsize

    try:
        if not opts.wrap_with_directory:
            out: list[importer.AddedEntry] = []
            roots: list[str] = []
            for name, obj in tree.items():
                files.clear()
                dirs: list[importer.AddedEntry] = []
                cid, _ = walk(obj, name, dirs)
                out += files + dirs
                roots.append(str(cid))
            entries = out
        else:
            top = []
            for name, obj in tree.items():
                dirs = []
                cid, tsize = walk(obj, name, dirs)
                top.append((name, cid, tsize, dirs))
            root_cid, root_size = builder.directory([(n, c, s) for n, c, s, _ in top])
            entries = list(files)
            for _, _, _, dirs in sorted(top, key=lambda row: row[0]):
                entries += dirs
            entries.append(importer.AddedEntry("", root_cid, root_size))
            roots = [str(root_cid)]
    except importer.AddError as exc:
        raise BadRequestError(str(exc)) from None
    added = [Added(e.name or str(e.cid), str(e.cid), e.size) if e.name == "" and
             not opts.wrap_with_directory else Added(e.name, str(e.cid), e.size)
             for e in entries]
    return added, roots
