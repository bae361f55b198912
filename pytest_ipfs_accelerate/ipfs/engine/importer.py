"""The UnixFS importer: bytes, streams and paths to Kubo-identical DAGs and CIDs.

It runs :class:`~.dag_builder.DagBuilder` the way Kubo 0.43.1's ``ipfs add`` does (see
docs/ipfs-cids.md): each path given is imported on its own; directories are walked with
names in byte order, dotfiles and ignored names skipped, empty directories kept unless
``empty_dirs=False``; symlinks are stored, or followed with ``dereference_symlinks``.
The walk keeps its own stack: no recursion grows with the depth of the tree.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable, Mapping

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import hamt, unixfs
from pytest_ipfs_accelerate.ipfs.engine.add_options import DEFAULT_MAX_LINKS, AddError, AddOptions
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB
from pytest_ipfs_accelerate.ipfs.engine.dag_builder import (
    DagBuilder,
    Meta,
    PutBlock,
    sort_key,
)
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node
from pytest_ipfs_accelerate.ipfs.engine.ignore_rules import IgnoreRules
from pytest_ipfs_accelerate.ipfs.engine.values import Value

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import BinaryIO

__all__ = ["DEFAULT_MAX_LINKS", "AddError", "AddOptions", "AddedEntry", "DagBuilder", "PutBlock",
           "add_bytes", "add_directory_entries", "add_path", "add_paths", "add_stream"]


class AddedEntry(Value):
    """One ``added <cid> <name>`` line; ``size`` is the cumulative DAG size Kubo reports."""

    __slots__ = ("name", "cid", "size", "is_dir")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, name: str, cid: CID, size: int, is_dir: bool = False) -> None:
        self.name = name
        self.cid = cid
        self.size = size
        self.is_dir = is_dir  # a directory line (Kubo prints these even with --silent)


def add_stream(stream: BinaryIO, opts: AddOptions, put_block: PutBlock | None,
               name: str = "", meta: Meta | None = None) -> AddedEntry:
    """Import one file from a binary stream, in bounded memory. ``meta``: the (mode, mtime)
    to store; by default ``--mode`` / ``--mtime``'s."""
    child = DagBuilder(opts, put_block).file(stream, _fixed_meta(opts) if meta is None else meta)
    return AddedEntry(name, child.cid, child.tsize)


def add_bytes(data: bytes, opts: AddOptions, put_block: PutBlock | None,
              name: str = "", meta: Meta | None = None) -> AddedEntry:
    """Import one file held in memory."""
    return add_stream(io.BytesIO(data), opts, put_block, name, meta)


def add_directory_entries(entries: Mapping[str, AddedEntry | tuple[CID, int]], opts: AddOptions,
                          put_block: PutBlock | None, name: str = "") -> AddedEntry:
    """A directory over already added children: ``{name: AddedEntry or (cid, cumulative size)}``."""
    rows = []
    for child_name, entry in entries.items():
        cid, size = (entry.cid, entry.size) if isinstance(entry, AddedEntry) else entry
        rows.append((child_name, cid, size))
    cid, tsize = DagBuilder(opts, put_block).directory(rows)
    return AddedEntry(name, cid, tsize)


def unix_mode(go_mode: int) -> int:
    """The permission bits UnixFS stores for a Go ``os.FileMode`` (boxo's
    ``ModePermsToUnixPerms``): the rwx bits, and setuid, setgid and sticky from Go's own bits
    (1<<23, 1<<22, 1<<20). So ``--mode=04755`` is stored as 0755, as Kubo stores it."""
    return ((go_mode & 0xC00000) >> 12) | ((go_mode & 0x100000) >> 11) | (go_mode & 0x1FF)


def _fixed_meta(opts: AddOptions) -> Meta:
    """The (mode, mtime) that ``--mode`` / ``--mtime`` put on every entry."""
    mtime = (opts.mtime, opts.mtime_nsecs or None) if opts.mtime else None
    return (unix_mode(opts.mode), mtime)


def upload_meta(opts: AddOptions, go_mode: int, mtime: tuple[int, int] | None) -> Meta:
    """The (mode, mtime) stored for an uploaded entry that carries its own Go mode and
    modification time (None: none): its own with ``--preserve-mode`` / ``--preserve-mtime``,
    unless ``--mode`` / ``--mtime`` is given, else those of ``--mode`` / ``--mtime``."""
    mode, fixed_mtime = _fixed_meta(opts)
    if opts.preserve_mode and not opts.mode:
        mode = unix_mode(go_mode)
    if opts.preserve_mtime and not opts.mtime:
        fixed_mtime = None if mtime is None else (mtime[0], mtime[1] or None)
    return mode, fixed_mtime


def _stat_meta(opts: AddOptions, st: os.stat_result, base: Meta) -> Meta:
    """``--preserve-mode`` / ``--preserve-mtime``: the entry's own, over ``base``."""
    mode, mtime = base
    if opts.preserve_mode and not opts.mode:
        mode = stat.S_IMODE(st.st_mode)
    if opts.preserve_mtime and not opts.mtime:
        seconds, nanos = divmod(st.st_mtime_ns, 1_000_000_000)
        mtime = (seconds, nanos or None)
    return mode, mtime


def check_wrapper(builder: DagBuilder, entry: AddedEntry) -> None:
    """Kubo puts each file it adds into a scratch directory under the file's CID; with
    ``--hash=identity`` that directory is an identity block too, and Kubo fails when it
    exceeds 128 bytes (after printing the file's line)."""
    if builder.opts.hash_name != "identity":
        return
    data = unixfs.encode_data(unixfs.UnixFSData(unixfs.DIRECTORY))
    block = encode_node(PBNode([PBLink(entry.cid, str(entry.cid), entry.size)], data))
    builder.cid_of((block,), len(block), DAG_PB)


class _Frame:
    """A directory being walked: its children still to visit, and what it has so far."""

    __slots__ = ("children", "dirs", "meta", "path", "rel", "rows")

    def __init__(self, path: str, rel: str, meta: Meta, children: list[str]) -> None:
        self.path = path
        self.rel = rel
        self.meta = meta
        self.children = children
        self.rows: list[tuple[str, CID, int]] = []
        #: Output lines of the sub-directories, by child name.
        self.dirs: dict[str, list[AddedEntry]] = {}


class _Walker:
    """Imports paths as ``ipfs add`` does; ``files`` then ``dirs`` is Kubo's output order."""

    def __init__(self, opts: AddOptions, put_block: PutBlock | None, recursive: bool) -> None:
        self.builder = DagBuilder(opts, put_block)
        self.opts = opts
        self.recursive = recursive
        self.files: list[AddedEntry] = []
        rules = list(opts.ignore)
        if opts.ignore_rules_path:
            try:
                with open(opts.ignore_rules_path, encoding="utf-8", errors="surrogateescape") as f:
                    text = f.read()
            except OSError as exc:
                raise AddError(f"open {opts.ignore_rules_path}: {exc.strerror or exc}") from None
            rules = text.split("\n") + rules
        self.rules = IgnoreRules.compile(rules)

    def _skipped(self, name: str) -> bool:
        return (name.startswith(".") and not self.opts.hidden) or self.rules.matches(name)

    def _stat(self, path: str) -> os.stat_result:
        try:
            if self.opts.dereference_symlinks:
                return os.stat(path)
            return os.lstat(path)
        except OSError as exc:
            raise AddError(f"{'stat' if self.opts.dereference_symlinks else 'lstat'} "
                           f"{path}: {(exc.strerror or str(exc)).lower()}") from None

    def _visible(self, path: str) -> list[str]:
        try:
            names = os.listdir(path)
        except OSError as exc:
            raise AddError(f"open {path}: {(exc.strerror or str(exc)).lower()}") from None
        return sorted((n for n in names if not self._skipped(n)), key=sort_key, reverse=True)

    def leaf(self, path: str, rel: str, st: os.stat_result, meta: Meta) -> tuple[CID, int]:
        """A file or symlink: imported, and its output line noted."""
        if stat.S_ISLNK(st.st_mode):
            cid, tsize = self.builder.symlink(os.readlink(path), (0, meta[1]))
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb", buffering=0) as f:
                child = self.builder.file(f, meta)  # type: ignore[arg-type]
            cid, tsize = child.cid, child.tsize
        else:
            raise AddError(f"cannot add {str(path)!r}: not a regular file, directory or symlink")
        self.files.append(AddedEntry(rel, cid, tsize))
        return cid, tsize

    def tree(self, root: str, rel: str, meta: Meta) -> tuple[CID, int, list[AddedEntry]]:
        """A directory, walked depth first with an explicit stack; returns the root's
        (cid, tsize) and the directory lines (deepest first, siblings in link order)."""
        base = _fixed_meta(self.opts)
        stack = [_Frame(root, rel, meta, self._visible(root))]
        while True:
            frame = stack[-1]
            if frame.children:
                name = frame.children.pop()
                path = os.path.join(frame.path, name)
                child_rel = f"{frame.rel}/{name}" if frame.rel else name
                st = self._stat(path)
                child_meta = _stat_meta(self.opts, st, base)
                if stat.S_ISDIR(st.st_mode):
                    children = self._visible(path)
                    if children or self.opts.empty_dirs:
                        stack.append(_Frame(path, child_rel, child_meta, children))
                    continue
                cid, tsize = self.leaf(path, child_rel, st, child_meta)
                frame.rows.append((name, cid, tsize))
                continue
            stack.pop()
            cid, tsize = self.builder.directory(frame.rows, frame.meta)
            if self.builder.sharded(frame.rows, meta=frame.meta):  # listed in shard order
                order = sorted(frame.dirs, key=lambda n: hamt.murmur3_x64_64(sort_key(n)))
            else:
                order = sorted(frame.dirs, key=sort_key)
            lines = [line for name in order for line in frame.dirs[name]]
            lines.append(AddedEntry(frame.rel, cid, tsize, is_dir=True))
            if not stack:
                return cid, tsize, lines
            parent = stack[-1]
            name = os.path.basename(frame.path)
            parent.rows.append((name, cid, tsize))
            parent.dirs[name] = lines

    def top(self, path: str, name: str) -> tuple[CID, int, list[AddedEntry]]:
        """One path given on the command line (never skipped as hidden or ignored)."""
        st = self._stat(path)
        meta = _stat_meta(self.opts, st, _fixed_meta(self.opts))
        if stat.S_ISDIR(st.st_mode):
            if not self.recursive:
                raise AddError(f"'{path}' is a directory, use the '-r' flag to specify "
                               "directories")
            return self.tree(path, name, meta)
        cid, tsize = self.leaf(path, name, st, meta)
        return cid, tsize, []


def _top_name(path: str) -> str:
    name = os.path.basename(os.path.abspath(path))
    return name or str(path)


def add_paths(paths: Iterable[str | os.PathLike[str]], opts: AddOptions, put_block: PutBlock | None,
              recursive: bool = False) -> list[AddedEntry]:
    """Import several paths as ``ipfs add`` does; entries in its output order, root last.

    Files come first, in walk order (names sorted by bytes, dotfiles skipped unless
    ``hidden``), then directories, deepest first. With ``wrap_with_directory`` every
    path goes into one directory, reported last with an empty name.
    """
    walker = _Walker(opts, put_block, recursive)
    out: list[AddedEntry] = []
    try:
        return _add_paths(walker, paths, out)
    except IpfsAccelError as exc:
        # What Kubo printed before it failed: the lines of the entries already added.
        error = exc if isinstance(exc, AddError) else AddError(str(exc))
        error.entries = out + walker.files  # type: ignore[attr-defined]
        raise error from None


def _add_paths(walker: _Walker, paths: Iterable[str | os.PathLike[str]],
               out: list[AddedEntry]) -> list[AddedEntry]:
    opts = walker.opts
    tops: dict[str, str] = {}
    for raw in paths:
        path = os.path.normpath(raw)  # as Kubo's CLI cleans its arguments (filepath.Clean)
        if opts.dereference_args or opts.dereference_symlinks:
            path = os.path.realpath(path)
        name = _top_name(path)
        where = os.path.dirname(os.path.abspath(path))
        if name in tops:
            if os.path.dirname(tops[name]) != where:
                raise AddError(f"file name {name} repeated under different import "
                               f"directories: {where} and {os.path.dirname(tops[name])}")
            continue  # Kubo skips a path given twice
        tops[name] = os.path.abspath(path)
    tops = dict(sorted(tops.items(), key=lambda item: sort_key(item[0])))  # as Kubo's CLI
    if not tops:
        raise AddError("no path to add: name at least one file or directory")
    if not opts.wrap_with_directory:
        for name, path in tops.items():
            walker.files = []
            _, _, dirs = walker.top(path, name)
            out += walker.files
            walker.files = []
            if not dirs:
                check_wrapper(walker.builder, out[-1])
            out += dirs
        return out
    rows, lines = [], {}
    for name, path in tops.items():
        cid, tsize, dirs = walker.top(path, name)
        rows.append((name, cid, tsize))
        lines[name] = dirs
    root_cid, root_size = walker.builder.directory(rows, _fixed_meta(opts))
    out += walker.files
    walker.files = []
    for name in sorted(lines, key=sort_key):
        out += lines[name]
    out.append(AddedEntry("", root_cid, root_size, is_dir=True))
    return out


def add_path(path: str | os.PathLike[str], opts: AddOptions, put_block: PutBlock | None,
             recursive: bool = False) -> list[AddedEntry]:
    """Import one file or (with ``recursive``) directory; entries in ``ipfs add`` order."""
    return add_paths([path], opts, put_block, recursive)

