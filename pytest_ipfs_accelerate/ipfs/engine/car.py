"""CARv1 files: a dag-cbor header ``{roots: [CID...], version: 1}``, then blocks.

Each section is ``varint(len(cid bytes) + len(block)) + cid bytes + block``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB, RAW, InvalidCIDError
from pytest_ipfs_accelerate.ipfs.engine.dagcbor import (
    DagCborError,
    decode_dag_cbor,
    encode_dag_cbor,
)
from pytest_ipfs_accelerate.ipfs.engine.dagpb import DagPBError, decode_node
from pytest_ipfs_accelerate.ipfs.engine.varint import VarintError, decode_uvarint, encode_uvarint

#: Largest header or section read back; a guard against corrupt length prefixes.
MAX_SECTION = 32 << 20


class CarError(IpfsAccelError, ValueError):
    """A CAR file is malformed."""


def encode_header(roots: list[CID]) -> bytes:
    """The dag-cbor CAR header ``{roots: [...], version: 1}``."""
    return encode_dag_cbor({"roots": list(roots), "version": 1})


def car_chunks(roots: list[CID], blocks: Iterable[tuple[CID, bytes]]) -> Iterator[bytes]:
    """A CARv1 as byte chunks: the header, then one chunk per ``(cid, block)`` section."""
    header = encode_header(roots)
    yield encode_uvarint(len(header)) + header
    for cid, data in blocks:
        raw = cid.to_bytes()
        yield encode_uvarint(len(raw) + len(data)) + raw + data


def write_car(roots: list[CID], blocks: Iterable[tuple[CID, bytes]], out: BinaryIO) -> None:
    """Write a CARv1 with ``roots`` and every ``(cid, block)`` in the order given."""
    for chunk in car_chunks(roots, blocks):
        out.write(chunk)


def _read_varint(f: BinaryIO, what: str) -> int | None:
    raw = bytearray()
    while True:
        b = f.read(1)
        if not b:
            if raw:
                raise CarError(f"malformed CAR: truncated {what} length")
            return None
        raw += b
        if b[0] < 0x80:
            break
        if len(raw) >= 9:
            raise CarError(f"malformed CAR: {what} length varint is too long")
    try:
        return decode_uvarint(bytes(raw))[0]
    except VarintError as exc:
        raise CarError(f"malformed CAR: {what} length: {exc}")


def _read_exact(f: BinaryIO, n: int, what: str) -> bytes:
    if n > MAX_SECTION:
        raise CarError(f"malformed CAR: {what} claims {n} bytes, more than {MAX_SECTION}")
    data = f.read(n)
    if len(data) != n:
        raise CarError(f"malformed CAR: truncated {what} ({len(data)} of {n} bytes)")
    return data


def read_car(f: BinaryIO) -> tuple[list[CID], Iterator[tuple[CID, bytes]]]:
    """Read a CARv1: return its roots and an iterator of ``(cid, block)`` sections."""
    size = _read_varint(f, "header")
    if size is None:
        raise CarError("malformed CAR: the file is empty")
    try:
        parsed = decode_dag_cbor(_read_exact(f, size, "header"))
    except DagCborError as exc:
        raise CarError(f"malformed CAR header: {exc}") from None
    if not isinstance(parsed, dict):
        raise CarError("malformed CAR header: expected a dag-cbor map")
    if parsed.get("version") != 1:
        raise CarError(f"unsupported CAR version {parsed.get('version')!r}: only CARv1 is read")
    roots = parsed.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
        raise CarError("malformed CAR header: 'roots' must be a list of CIDs")

    def sections() -> Iterator[tuple[CID, bytes]]:
        index = 0
        while True:
            length = _read_varint(f, f"section {index}")
            if length is None:
                return
            raw = _read_exact(f, length, f"section {index}")
            try:
                cid, end = CID.read(raw)
            except InvalidCIDError as exc:
                raise CarError(f"malformed CAR section {index}: {exc}")
            yield cid, raw[end:]
            index += 1

    return list(roots), sections()


def walk_dag(root: CID, get_block: Callable[[CID], bytes]) -> Iterator[tuple[CID, bytes]]:
    """Every block under ``root``, depth first, each once (the order ``ipfs dag export`` uses).

    Identity CIDs are written too (their block is the digest), as Kubo writes them; only
    dag-pb links are followed. The walk keeps its own stack, however deep the DAG.
    """
    seen: set[CID] = set()
    stack = [root]
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        data = cid.digest if cid.is_identity else get_block(cid)
        yield cid, data
        if cid.codec == DAG_PB:
            try:
                node = decode_node(data)
            except DagPBError as exc:
                raise CarError(f"cannot walk {cid}: {exc}")
            stack.extend(link.cid for link in reversed(node.links))
        elif cid.codec != RAW:
            raise CarError(f"cannot walk {cid}: codec {cid.codec_name} is not supported")


def export_car(root: CID, get_block: Callable[[CID], bytes], out: BinaryIO) -> int:
    """Write the DAG under ``root`` as a CARv1 (``ipfs dag export``); return the block count."""
    count = 0

    def blocks() -> Iterator[tuple[CID, bytes]]:
        nonlocal count
        for item in walk_dag(root, get_block):
            count += 1
            yield item

    write_car([root], blocks(), out)
    return count
