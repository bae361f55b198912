"""Importer behaviour beyond the vectors: streaming, block order, paths, errors."""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.ipfs.engine.cid import CID, verify_block
from pytest_ipfs_accelerate.ipfs.engine.dagpb import decode_node
from pytest_ipfs_accelerate.ipfs.engine.importer import (
    AddedEntry,
    AddError,
    AddOptions,
    add_bytes,
    add_directory_entries,
    add_path,
    add_paths,
    add_stream,
)
from pytest_ipfs_accelerate.ipfs.engine.unixfs import SYMLINK, decode_data

ZEROS_1MIB = "QmVkbauSDEaMP4Tkq6Epm9uW75mWm136n81YH8fGtfwdHU"


class ZeroStream(io.RawIOBase):
    """``size`` zero bytes, produced on demand (nothing held in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        n = min(len(buf), self.left, 65536 + 7)  # short reads on purpose
        buf[:n] = bytes(n)
        self.left -= n
        return n


def test_stream_memory_is_bounded() -> None:
    tracemalloc.start()
    try:
        entry = add_stream(ZeroStream(48 << 20), AddOptions(), None)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"peak {peak} bytes for a 48 MiB stream"
    assert entry.size > 48 << 20


def test_short_reads_give_the_same_cid() -> None:
    assert str(add_stream(ZeroStream(1 << 20), AddOptions(), None).cid) == ZEROS_1MIB  # type: ignore[arg-type]


def test_blocks_arrive_children_first_and_verify() -> None:
    seen: list[CID] = []
    blocks: dict[CID, bytes] = {}

    def put(cid: CID, data: bytes) -> None:
        assert verify_block(cid, data)
        if cid.codec == 0x70:
            assert all(link.cid in blocks for link in decode_node(data).links)
        seen.append(cid)
        blocks[cid] = data

    entry = add_bytes(os.urandom(5000), AddOptions(chunker="size-100", trickle=True), put)
    assert seen[-1] == entry.cid
    assert entry.size == sum(len(b) for b in blocks.values())


def test_directory_entries_helper() -> None:
    a = add_bytes(b"a", AddOptions(), None, "a")
    both = add_directory_entries({"a": a, "b": (a.cid, a.size)}, AddOptions(), None)
    blocks: dict[CID, bytes] = {}
    again = add_directory_entries({"b": (a.cid, a.size), "a": a}, AddOptions(), blocks.__setitem__)
    assert again.cid == both.cid  # links sorted by name whatever the input order
    assert [link.name for link in decode_node(blocks[again.cid]).links] == ["a", "b"]
    for bad in ({"": a}, {"x/y": a}):
        with pytest.raises(AddError, match="invalid directory entry name"):
            add_directory_entries(bad, AddOptions(), None)


def test_several_paths_without_wrap(tmp_path: Path) -> None:
    for d in ("p", "q"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "f").write_bytes(d.encode())
    names = [e.name for e in add_paths([tmp_path / "q", tmp_path / "p"], AddOptions(), None,
                                       recursive=True)]
    assert names == ["p/f", "p", "q/f", "q"]  # Kubo's CLI sorts the paths by name


def test_wrap_with_duplicate_names_is_refused(tmp_path: Path) -> None:
    for d in ("p", "q"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "f").write_bytes(b"x")
    with pytest.raises(AddError, match="file name f repeated under different import "
                                       "directories"):
        add_paths([tmp_path / "p" / "f", tmp_path / "q" / "f"],
                  AddOptions(wrap_with_directory=True), None)


def test_symlink_and_special_files(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    os.symlink("target/path", tmp_path / "d" / "ln")
    blocks: dict[CID, bytes] = {}
    entries = add_path(tmp_path / "d", AddOptions(), blocks.__setitem__, recursive=True)
    link = next(e for e in entries if e.name == "d/ln")
    data = decode_data(decode_node(blocks[link.cid]).data or b"")
    assert (data.type, data.data) == (SYMLINK, b"target/path")
    os.mkfifo(tmp_path / "d" / "fifo")
    with pytest.raises(AddError, match="not a regular file"):
        add_path(tmp_path / "d", AddOptions(), None, recursive=True)


def test_hidden_top_level_path_is_added(tmp_path: Path) -> None:
    (tmp_path / ".dotdir").mkdir()
    (tmp_path / ".dotdir" / ".inner").write_bytes(b"x")
    (tmp_path / ".dotdir" / "shown").write_bytes(b"y")
    names = [e.name for e in add_path(tmp_path / ".dotdir", AddOptions(), None, recursive=True)]
    assert names == [".dotdir/shown", ".dotdir"]


@pytest.mark.parametrize("kwargs,match", [  # Kubo 0.43.1's messages
    ({"cid_version": 2}, "unknown CID version: 2"),
    ({"chunker": "size-"}, 'strconv.Atoi: parsing "": invalid syntax'),
    ({"inline": True, "inline_limit": 129}, "inline-limit 129 exceeds maximum allowed size of "
     "128 bytes"),
    ({"mode": 0o644, "raw_leaves": True}, "raw-leaves can't be used with UnixFS metadata"),
    ({"max_hamt_fanout": 12}, r"HAMT fanout must be a power of 2, between 8 and 1024 \(got 12\)"),
])
def test_bad_options(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        AddOptions(**kwargs)


def test_kubo_option_defaults() -> None:
    assert AddOptions().effective_raw_leaves is False
    assert AddOptions(cid_version=1).effective_raw_leaves is True
    assert AddOptions(cid_version=1, raw_leaves=False).effective_raw_leaves is False
    opts = AddOptions.from_kubo_args(hash="sha2-512")
    assert opts.effective_cid_version == 1 and opts.effective_raw_leaves
    assert isinstance(add_bytes(b"", AddOptions(), None), AddedEntry)


def test_sub_directories_of_a_hamt_are_listed_in_hash_order(tmp_path: Path) -> None:
    from pytest_ipfs_accelerate.ipfs.engine.hamt import murmur3_x64_64

    names = [f"sub{i:02d}" for i in range(12)]
    for name in names:
        (tmp_path / "d" / name).mkdir(parents=True)
        (tmp_path / "d" / name / "f").write_bytes(name.encode())
    entries = add_path(tmp_path / "d", AddOptions(shard_threshold=100), None, recursive=True)
    dirs = [e.name[2:] for e in entries if e.name.count("/") == 1]
    assert dirs == sorted(names, key=lambda n: murmur3_x64_64(n.encode()))
    files = [e.name for e in entries if e.name.endswith("/f")]
    assert files == [f"d/{n}/f" for n in names]  # files keep walk (name) order
