"""UnixFS ``Data`` protobuf (the payload of dag-pb nodes in a UnixFS DAG).

Fields are written in field-number order with non-packed ``blocksizes``, as Go's
proto2 marshaller does::

    Type=1 (enum)  Data=2  filesize=3  blocksizes=4 (repeated)  hashType=5  fanout=6
    mode=7  mtime=8 (UnixTime: Seconds=1 int64, FractionalNanoseconds=2 fixed32)
"""

from __future__ import annotations

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import protowire
from pytest_ipfs_accelerate.ipfs.engine.values import Value
from pytest_ipfs_accelerate.ipfs.engine.varint import encode_uvarint

RAW = 0
DIRECTORY = 1
FILE = 2
METADATA = 3
SYMLINK = 4
HAMT_SHARD = 5
TYPE_NAMES = {RAW: "raw", DIRECTORY: "directory", FILE: "file", METADATA: "metadata",
              SYMLINK: "symlink", HAMT_SHARD: "hamt-sharded-directory"}

#: multicodec of murmur3-x64-64, the only HAMT hash function in use.
MURMUR3_X64_64 = 0x22


class UnixFSError(IpfsAccelError, ValueError):
    """A UnixFS Data message is malformed."""


class UnixFSData(Value):
    """A UnixFS Data message."""

    __slots__ = ("type", "data", "filesize", "blocksizes", "hash_type", "fanout", "mode",
                 "mtime")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, type: int, data: bytes | None = None, filesize: int | None = None,
                 blocksizes: list[int] | None = None, hash_type: int | None = None,
                 fanout: int | None = None, mode: int | None = None,
                 mtime: tuple[int, int | None] | None = None) -> None:
        self.type = type
        self.data = data
        self.filesize = filesize
        self.blocksizes: list[int] = [] if blocksizes is None else blocksizes
        self.hash_type = hash_type
        self.fanout = fanout
        self.mode = mode
        self.mtime = mtime  # (seconds, nanoseconds)

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, str(self.type))


def encode_data(d: UnixFSData) -> bytes:
    """The protobuf bytes of a UnixFS Data message."""
    out = bytearray(protowire.varint_field(1, d.type))
    if d.data is not None:
        out += protowire.bytes_field(2, d.data)
    if d.filesize is not None:
        out += protowire.varint_field(3, d.filesize)
    for size in d.blocksizes:
        out += protowire.varint_field(4, size)
    if d.hash_type is not None:
        out += protowire.varint_field(5, d.hash_type)
    if d.fanout is not None:
        out += protowire.varint_field(6, d.fanout)
    if d.mode is not None:
        out += protowire.varint_field(7, d.mode)
    if d.mtime is not None:
        seconds, nanos = d.mtime
        body = protowire.varint_field(1, seconds & 0xFFFFFFFFFFFFFFFF)
        if nanos is not None:
            body += protowire.key(2, protowire.FIXED32) + nanos.to_bytes(4, "little")
        out += protowire.bytes_field(8, body)
    return bytes(out)


def file_leaf_header(type_: int, size: int) -> tuple[bytes, bytes]:
    """The bytes around a leaf's content, so big leaves need no copy to be hashed.

    A dag-pb leaf block is ``prefix + content + suffix``.
    """
    inner_head = protowire.varint_field(1, type_) + protowire.key(2, protowire.LEN) \
        + encode_uvarint(size)
    inner_tail = protowire.varint_field(3, size)
    inner_len = len(inner_head) + size + len(inner_tail)
    prefix = protowire.key(1, protowire.LEN) + encode_uvarint(inner_len) + inner_head
    return prefix, inner_tail


_FIELDS = {1: protowire.VARINT, 2: protowire.LEN, 3: protowire.VARINT, 4: protowire.VARINT,
           5: protowire.VARINT, 6: protowire.VARINT, 7: protowire.VARINT, 8: protowire.LEN}


def _decode_mtime(raw: bytes) -> tuple[int, int | None]:
    seconds = nanos = None
    for num, wire, value in protowire.iter_fields(raw, UnixFSError, "UnixFS mtime"):
        if num == 1 and wire == protowire.VARINT:
            seconds = value - (1 << 64) if value >= 1 << 63 else value
        elif num == 2 and wire == protowire.FIXED32:
            nanos = value
        else:
            raise UnixFSError(f"malformed UnixFS mtime: unexpected field {num}")
    if seconds is None:
        raise UnixFSError("malformed UnixFS mtime: no Seconds")
    return seconds, nanos


def decode_data(raw: bytes | memoryview) -> UnixFSData:
    """Parse a UnixFS Data message; raises UnixFSError on malformed input."""
    out = UnixFSData(type=-1)
    for num, wire, value in protowire.iter_fields(raw, UnixFSError, "UnixFS data"):
        expected = _FIELDS.get(num)
        if expected is None:
            raise UnixFSError(f"malformed UnixFS data: unknown field {num}")
        if num == 4 and wire == protowire.LEN:  # packed blocksizes, accepted on read
            out.blocksizes.extend(_packed(value))
            continue
        if wire != expected:
            raise UnixFSError(f"malformed UnixFS data: field {num} has wire type {wire}")
        if num == 1:
            if value not in TYPE_NAMES:
                raise UnixFSError(f"malformed UnixFS data: unknown type {value}")
            out.type = value
        elif num == 2:
            out.data = value
        elif num == 3:
            out.filesize = value
        elif num == 4:
            out.blocksizes.append(value)
        elif num == 5:
            out.hash_type = value
        elif num == 6:
            out.fanout = value
        elif num == 7:
            out.mode = value
        else:
            out.mtime = _decode_mtime(value)
    if out.type == -1:
        raise UnixFSError("malformed UnixFS data: no Type field")
    return out


def _packed(raw: bytes) -> list[int]:
    from pytest_ipfs_accelerate.ipfs.engine.varint import VarintError, decode_uvarint

    values, pos = [], 0
    while pos < len(raw):
        try:
            value, pos = decode_uvarint(raw, pos, protowire.PROTOBUF_MAX_BYTES, minimal=False)
        except VarintError as exc:
            raise UnixFSError(f"malformed UnixFS data: packed blocksizes: {exc}")
        values.append(value)
    return values
