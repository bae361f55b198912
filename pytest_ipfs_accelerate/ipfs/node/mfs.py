"""The Mutable File System (``ipfs files``): a tree of UnixFS directories whose root CID
changes with every write, as Kubo's MFS.

Directories are rebuilt from the changed entry up to the root (basic UnixFS directories,
CIDv0 unless ``chcid`` gave one CIDv1, which its rebuilds keep). Files are written as
Kubo's MFS writes a new file: a trickle DAG. The root is a GC root, and with a repo it
persists in ``<repo>/mfs_root``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import exporter
from pytest_ipfs_accelerate.ipfs.engine.add_options import AddOptions
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB
from pytest_ipfs_accelerate.ipfs.engine.dag_builder import DagBuilder
from pytest_ipfs_accelerate.ipfs.node.errors import MfsError

EMPTY_DIR = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
EMPTY_DIR_BLOCK = b"\x0a\x02\x08\x01"
NOT_FOUND = "file does not exist"


def split(path: str) -> list[str]:
    """``/a/b`` -> ``["a", "b"]``; MFS paths are absolute."""
    if not path.startswith("/"):
        raise MfsError("paths must start with a leading slash")
    return [part for part in path.split("/") if part not in ("", ".")]


class Mfs:
    """One node's MFS. ``get_block``/``put_block`` reach its blockstore; ``add_file``
    imports bytes as a trickle DAG and returns the root CID."""

    def __init__(self, get_block: Callable[[CID], bytes], put_block: Callable[[CID, bytes], None],
                 add_file: Callable[..., str], repo: Path | None = None, *,
                 options: Mapping[str, Any] | None = None) -> None:
        #: The node's start-time import settings (HAMT threshold, dag-pb field order): Kubo
        #: applies them to MFS directories as to ``add``.
        self._options = dict(options or {})
        self._stored_get = get_block
        self._put = put_block
        self._add_file = add_file
        self._file = repo / "mfs_root" if repo is not None else None
        self._lock = threading.RLock()
        self.root = self._file.read_text().strip() if self._file and self._file.exists() \
            else EMPTY_DIR

    def _get(self, cid: CID) -> bytes:
        """A block; the empty root directory needs none stored (an unused MFS costs nothing)."""
        if str(cid) == EMPTY_DIR:
            return EMPTY_DIR_BLOCK
        return self._stored_get(cid)

    # -- reading ----------------------------------------------------------------------
    def entries(self, cid: CID) -> list[exporter.DirEntry]:
        return exporter.dir_entries(self._get, cid)

    def lookup(self, path: str) -> CID:
        """The CID at ``path``; :class:`MfsError` ``file does not exist`` when absent."""
        cid = CID.decode(self.root)
        for name in split(path):
            if self.kind(cid) != "directory":
                raise MfsError(NOT_FOUND)
            found = next((e.cid for e in self.entries(cid) if e.name == name), None)
            if found is None:
                raise MfsError(NOT_FOUND)
            cid = found
        return cid

    def exists(self, path: str) -> bool:
        try:
            self.lookup(path)
        except MfsError:
            return False
        return True

    def kind(self, cid: CID) -> str:
        return exporter.stat(self._get, cid).type

    # -- writing ----------------------------------------------------------------------
    def _directory(self, entries: list[tuple[str, CID, int]], version: int) -> tuple[CID, int]:
        opts = AddOptions.from_kubo_args(cid_version=version).replace(**self._options)
        builder = DagBuilder(opts, self._put)
        return builder.directory(sorted(entries, key=lambda e: e[0].encode()))

    def _tsize(self, cid: CID) -> int:
        return exporter.stat(self._get, cid).cumulative_size

    def set(self, path: str, child: CID | None, *, replace: bool = True) -> None:
        """Link ``child`` at ``path`` (``None``: unlink), rebuilding the parents."""
        parts = split(path)
        if not parts:
            raise MfsError("cannot replace the MFS root")
        with self._lock:
            chain = [CID.decode(self.root)]
            for name in parts[:-1]:
                found = next((e.cid for e in self.entries(chain[-1]) if e.name == name), None)
                if found is None or self.kind(found) != "directory":
                    raise MfsError(NOT_FOUND)
                chain.append(found)
            new: CID | None = child
            for name, parent in zip(reversed(parts), reversed(chain), strict=True):
                entries = [(e.name, e.cid, e.tsize) for e in self.entries(parent)]
                present = any(e[0] == name for e in entries)
                if present and not replace and new is child:
                    raise MfsError("directory already has entry by that name")
                entries = [e for e in entries if e[0] != name]
                if new is not None:
                    entries.append((name, new, self._tsize(new)))
                new = self._directory(entries, parent.version)[0]
            self._set_root(str(new))

    def _set_root(self, cid: str) -> None:
        self.root = cid
        if self._file is not None:
            self._file.write_text(cid)

    def mkdir(self, path: str, parents: bool = False, cid_version: int = 0) -> None:
        parts = split(path)
        with self._lock:
            if parents:
                for i in range(1, len(parts) + 1):
                    sub = "/" + "/".join(parts[:i])
                    if not self.exists(sub):
                        self.set(sub, self._directory([], cid_version)[0])
                    elif self.kind(self.lookup(sub)) != "directory":
                        raise MfsError("file already exists")
                return
            if self.exists(path):
                raise MfsError("file already exists")
            self.set(path, self._directory([], cid_version)[0], replace=False)

    def write(self, path: str, data: bytes, *, offset: int = 0, create: bool = False,
              parents: bool = False, truncate: bool = False, count: int | None = None,
              **add_options: Any) -> None:
        if count is not None:
            data = data[:count]
        with self._lock:
            parts = split(path)
            exists = self.exists(path)
            if exists and self.kind(self.lookup(path)) == "directory":
                raise MfsError(f"{path} was not a file")
            if not exists and not create:
                raise MfsError(NOT_FOUND)
            if parents and len(parts) > 1:
                self.mkdir("/" + "/".join(parts[:-1]), parents=True)
            old = b"" if truncate or not exists else self.read(path)
            if offset > len(old):
                old += b"\0" * (offset - len(old))
            content = old[:offset] + data + old[offset + len(data):]
            self.set(path, CID.decode(self._add_file(content, **add_options)))

    def read(self, path: str, offset: int = 0, count: int | None = None) -> bytes:
        try:
            cid = self.lookup(path)
        except MfsError:
            raise MfsError(f"{path}: {NOT_FOUND}") from None
        if self.kind(cid) == "directory":
            raise MfsError(f"{path} was not a file")
        return exporter.read_file(self._get, cid, offset, count)

    def remove(self, path: str, recursive: bool = False, force: bool = False) -> None:
        with self._lock:
            try:
                cid = self.lookup(path)
            except MfsError:
                if force:
                    return
                raise MfsError(f"{path}: {NOT_FOUND}") from None
            if self.kind(cid) == "directory" and not (recursive or force):
                raise MfsError(f"{path}: path is a directory, use -r to remove directories")
            self.set(path, None)

    def move(self, source: str, dest: str) -> None:
        with self._lock:
            cid = self.lookup(source)
            if self.exists(dest) and self.kind(self.lookup(dest)) == "directory":
                dest = dest.rstrip("/") + "/" + split(source)[-1]
            self.set(source, None)
            self.set(dest, cid)

    def chcid(self, path: str, cid_version: int) -> None:
        with self._lock:
            if not split(path):
                raise MfsError("cannot change CID format of the MFS root; use 'ipfs config "
                               "Import.CidVersion' and 'ipfs config Import.HashFunction' instead")
            cid = self.lookup(path)
            if self.kind(cid) != "directory":
                raise MfsError("can only update directories")
            changed = CID(cid_version, DAG_PB, cid.multihash) if cid_version in (0, 1) else cid
            self.set(path, changed)
