"""Unsigned varints (LEB128), as multiformats and protobuf use them."""

from __future__ import annotations

from pytest_ipfs_accelerate.errors import IpfsAccelError

#: multiformats caps varints at 9 bytes (63 bits); protobuf allows 10 (64 bits).
MULTIFORMATS_MAX_BYTES = 9
PROTOBUF_MAX_BYTES = 10


class VarintError(IpfsAccelError, ValueError):
    """A varint is truncated, too long or not minimally encoded."""


def encode_uvarint(value: int) -> bytes:
    """The LEB128 encoding of a non-negative integer."""
    if value < 0:
        raise VarintError(f"varint cannot encode negative value {value}")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_uvarint(buf: bytes | bytearray | memoryview, offset: int = 0,
                   max_bytes: int = MULTIFORMATS_MAX_BYTES,
                   minimal: bool = True) -> tuple[int, int]:
    """Decode one varint at ``offset``; return ``(value, offset after it)``.

    ``minimal`` rejects padded encodings (multiformats requires the shortest form).
    """
    value = 0
    shift = 0
    pos = offset
    end = len(buf)
    while True:
        if pos >= end:
            raise VarintError(f"truncated varint at byte {offset}")
        if pos - offset >= max_bytes:
            raise VarintError(f"varint at byte {offset} is longer than {max_bytes} bytes")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if minimal and byte == 0 and pos - offset > 1:
                raise VarintError(f"varint at byte {offset} is not minimally encoded")
            if value >= 1 << 64:
                raise VarintError(f"varint at byte {offset} overflows 64 bits")
            return value, pos
        shift += 7
