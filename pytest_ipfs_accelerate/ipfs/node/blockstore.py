"""Blockstores keyed by multihash: in memory, or on disk one file per block (like flatfs).

Every read is verified against the CID it was asked for; a mismatch raises
:class:`CorruptBlockError` naming the CID. Identity-multihash CIDs (inlined blocks)
carry their bytes in the CID and are never stored.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from pytest_ipfs_accelerate.ipfs.engine.cid import CID, verify_block
from pytest_ipfs_accelerate.ipfs.engine.errors import UnsupportedError
from pytest_ipfs_accelerate.ipfs.node.errors import BlockNotFoundError, CorruptBlockError


def multihash_bytes(cid: CID) -> bytes:
    """The multihash of ``cid`` (the blockstore key)."""
    return cid.multihash


def verify(cid: CID, data: bytes, where: str = "") -> bytes:
    """Return ``data`` if it hashes to ``cid``; raise :class:`CorruptBlockError` otherwise."""
    try:
        ok = verify_block(cid, data)
    except ValueError as exc:
        raise UnsupportedError(f"cannot verify block {cid}: {exc}") from None
    if not ok:
        raise CorruptBlockError(str(cid), where)
    return data


def block_key(mh: bytes) -> str:
    """The flatfs-style key of a multihash: unpadded upper-case base32."""
    return base64.b32encode(mh).decode("ascii").rstrip("=")


def key_to_multihash(key: str) -> bytes:
    return base64.b32decode(key + "=" * (-len(key) % 8))


class Blockstore(Protocol):
    """Where a node keeps blocks. ``get`` verifies what it returns."""

    def put(self, cid: CID, data: bytes) -> None: ...
    def get(self, cid: CID) -> bytes: ...
    def has(self, cid: CID) -> bool: ...
    def delete(self, cid: CID) -> bool: ...
    def multihashes(self) -> Iterator[bytes]: ...
    def size_of(self, mh: bytes) -> int: ...
    def delete_multihash(self, mh: bytes) -> bool: ...


class MemoryBlockstore:
    """Blocks in a dict, keyed by multihash. Thread-safe."""

    def __init__(self) -> None:
        self._blocks: dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryBlockstore({len(self._blocks)} blocks)"

    def put(self, cid: CID, data: bytes) -> None:
        if cid.is_identity:
            return
        mh = cid.multihash
        with self._lock:
            self._blocks[mh] = bytes(data)

    def get(self, cid: CID) -> bytes:
        if cid.is_identity:
            return cid.digest
        mh = cid.multihash
        with self._lock:
            data = self._blocks.get(mh)
        if data is None:
            raise BlockNotFoundError(str(cid))
        return verify(cid, data, "memory blockstore")

    def has(self, cid: CID) -> bool:
        mh = cid.multihash
        return cid.is_identity or mh in self._blocks

    def delete(self, cid: CID) -> bool:
        return self.delete_multihash(multihash_bytes(cid))

    def delete_multihash(self, mh: bytes) -> bool:
        with self._lock:
            return self._blocks.pop(mh, None) is not None

    def multihashes(self) -> Iterator[bytes]:
        with self._lock:
            keys = list(self._blocks)
        return iter(keys)

    def size_of(self, mh: bytes) -> int:
        return len(self._blocks.get(mh, b""))

    def corrupt(self, cid: CID, data: bytes) -> None:
        """Overwrite a block with other bytes (for tests of corruption handling)."""
        with self._lock:
            self._blocks[multihash_bytes(cid)] = bytes(data)


class FlatfsBlockstore:
    """One file per block under ``<repo>/blocks/<shard>/<KEY>.data`` (next-to-last/2 sharding)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"FlatfsBlockstore({str(self.root)!r})"

    def path_for(self, mh: bytes) -> Path:
        key = block_key(mh)
        return self.root / key[-3:-1] / f"{key}.data"

    def put(self, cid: CID, data: bytes) -> None:
        if cid.is_identity:
            return
        mh = cid.multihash
        path = self.path_for(mh)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def get(self, cid: CID) -> bytes:
        if cid.is_identity:
            return cid.digest
        mh = cid.multihash
        path = self.path_for(mh)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlockNotFoundError(str(cid)) from None
        return verify(cid, data, str(path))

    def has(self, cid: CID) -> bool:
        mh = cid.multihash
        return cid.is_identity or self.path_for(mh).exists()

    def delete(self, cid: CID) -> bool:
        return self.delete_multihash(multihash_bytes(cid))

    def delete_multihash(self, mh: bytes) -> bool:
        try:
            self.path_for(mh).unlink()
            return True
        except FileNotFoundError:
            return False

    def multihashes(self) -> Iterator[bytes]:
        for path in self.root.glob("*/*.data"):
            try:
                yield key_to_multihash(path.stem)
            except ValueError:
                continue

    def size_of(self, mh: bytes) -> int:
        try:
            return self.path_for(mh).stat().st_size
        except FileNotFoundError:
            return 0

    def corrupt(self, cid: CID, data: bytes) -> None:
        """Overwrite a block with other bytes (for tests of corruption handling)."""
        path = self.path_for(multihash_bytes(cid))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
