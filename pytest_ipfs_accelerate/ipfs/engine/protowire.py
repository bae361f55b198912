"""The few protobuf wire-format pieces dag-pb and UnixFS need (varint and bytes fields)."""

from __future__ import annotations

from collections.abc import Iterator

from pytest_ipfs_accelerate.ipfs.engine.varint import (
    PROTOBUF_MAX_BYTES,
    VarintError,
    decode_uvarint,
    encode_uvarint,
)

VARINT = 0
LEN = 2
FIXED32 = 5


def key(field: int, wire_type: int) -> bytes:
    """The tag bytes of a field."""
    return encode_uvarint((field << 3) | wire_type)


def bytes_field(field: int, value: bytes) -> bytes:
    """A length-delimited field."""
    return key(field, LEN) + encode_uvarint(len(value)) + value


def varint_field(field: int, value: int) -> bytes:
    """A varint field."""
    return key(field, VARINT) + encode_uvarint(value)


def iter_fields(buf: bytes | memoryview, error: type[Exception],
                what: str) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field number, wire type, value)``; malformed input raises ``error``."""
    pos = 0
    end = len(buf)
    while pos < end:
        try:
            tag, pos = decode_uvarint(buf, pos, PROTOBUF_MAX_BYTES, minimal=False)
        except VarintError as exc:
            raise error(f"malformed {what}: bad field tag: {exc}")
        field, wire = tag >> 3, tag & 7
        if field == 0:
            raise error(f"malformed {what}: field number 0 at byte {pos}")
        if wire == VARINT:
            try:
                value, pos = decode_uvarint(buf, pos, PROTOBUF_MAX_BYTES, minimal=False)
            except VarintError as exc:
                raise error(f"malformed {what}: field {field}: {exc}")
            yield field, wire, value
        elif wire == LEN:
            try:
                length, pos = decode_uvarint(buf, pos, PROTOBUF_MAX_BYTES, minimal=False)
            except VarintError as exc:
                raise error(f"malformed {what}: field {field} length: {exc}")
            if pos + length > end:
                raise error(f"malformed {what}: field {field} claims {length} bytes, "
                            f"{end - pos} left")
            yield field, wire, bytes(buf[pos:pos + length])
            pos += length
        elif wire == FIXED32:
            if pos + 4 > end:
                raise error(f"malformed {what}: truncated fixed32 field {field}")
            yield field, wire, int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise error(f"malformed {what}: unsupported wire type {wire} for field {field}")
