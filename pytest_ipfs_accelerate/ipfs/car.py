"""CARv1 files: a dag-cbor header ``{roots: [CID...], version: 1}``, then blocks.

Each section is ``varint(len(cid bytes) + len(block)) + cid bytes + block``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ..errors import IpfsAccelError
from .cid import CID, DAG_PB, RAW, InvalidCIDError
from .dagpb import DagPBError, decode_node
from .varint import VarintError, decode_uvarint, encode_uvarint

#: Largest header or section read back; a guard against corrupt length prefixes.
MAX_SECTION = 32 << 20


class CarError(IpfsAccelError, ValueError):
    """A CAR file is malformed."""


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes((major << 5 | value,))
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes((major << 5 | extra,)) + value.to_bytes(size, "big")
    raise CarError(f"CBOR value {value} is too large")


def encode_header(roots: list[CID]) -> bytes:
    """The dag-cbor CAR header (map keys in dag-cbor order: ``roots``, ``version``)."""
    out = bytearray(_cbor_head(5, 2))
    out += _cbor_head(3, 5) + b"roots" + _cbor_head(4, len(roots))
    for root in roots:
        raw = b"\0" + root.to_bytes()
        out += _cbor_head(6, 42) + _cbor_head(2, len(raw)) + raw
    out += _cbor_head(3, 7) + b"version" + _cbor_head(0, 1)
    return bytes(out)


def write_car(roots: list[CID], blocks: Iterable[tuple[CID, bytes]], out: BinaryIO) -> None:
    """Write a CARv1 with ``roots`` and every ``(cid, block)`` in the order given."""
    header = encode_header(roots)
    out.write(encode_uvarint(len(header)) + header)
    for cid, data in blocks:
        raw = cid.to_bytes()
        out.write(encode_uvarint(len(raw) + len(data)))
        out.write(raw)
        out.write(data)


class _Cbor:
    """Just enough CBOR to read a CAR header."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise CarError("malformed CAR header: truncated CBOR")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def item(self, depth: int = 0) -> object:
        if depth > 16:
            raise CarError("malformed CAR header: CBOR nested too deeply")
        first = self._take(1)[0]
        major, info = first >> 5, first & 31
        if info < 24:
            value = info
        elif info <= 27:
            value = int.from_bytes(self._take(1 << (info - 24)), "big")
        else:
            raise CarError(f"malformed CAR header: unsupported CBOR item 0x{first:02x}")
        if major == 0:
            return value
        if major == 1:
            return -1 - value
        if major == 2:
            return self._take(value)
        if major == 3:
            try:
                return self._take(value).decode("utf-8")
            except UnicodeDecodeError:
                raise CarError("malformed CAR header: CBOR text is not UTF-8")
        if major == 4:
            if value > len(self.buf):
                raise CarError("malformed CAR header: CBOR array longer than the header")
            return [self.item(depth + 1) for _ in range(value)]
        if major == 5:
            if value > len(self.buf):
                raise CarError("malformed CAR header: CBOR map longer than the header")
            out = {}
            for _ in range(value):
                key = self.item(depth + 1)
                if not isinstance(key, str):
                    raise CarError("malformed CAR header: CBOR map key is not a string")
                out[key] = self.item(depth + 1)
            return out
        if major == 6:
            inner = self.item(depth + 1)
            if value != 42 or not isinstance(inner, bytes) or inner[:1] != b"\0":
                raise CarError(f"malformed CAR header: unexpected CBOR tag {value}")
            try:
                return CID.from_bytes(inner[1:])
            except InvalidCIDError as exc:
                raise CarError(f"malformed CAR header: bad root: {exc}")
        if major == 7 and info in (20, 21, 22):
            return {20: False, 21: True, 22: None}[info]
        raise CarError(f"malformed CAR header: unsupported CBOR major type {major}")


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
    header = _Cbor(_read_exact(f, size, "header"))
    parsed = header.item()
    if header.pos != size or not isinstance(parsed, dict):
        raise CarError("malformed CAR header: expected one CBOR map")
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

    Identity CIDs are skipped; only dag-pb links are followed.
    """
    seen: set[CID] = set()
    stack = [root]
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        if cid.is_identity:
            continue
        data = get_block(cid)
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
