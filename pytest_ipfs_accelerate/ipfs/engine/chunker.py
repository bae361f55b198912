"""Fixed-size chunking (``size-N``), reading with io.ReadFull semantics like Kubo's splitter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from pytest_ipfs_accelerate.errors import IpfsAccelError

DEFAULT_CHUNK_SIZE = 262144
#: Kubo refuses chunks above its 1 MiB block size limit.
MAX_CHUNK_SIZE = 1048576


class ChunkerError(IpfsAccelError, ValueError):
    """A chunker spec is not understood."""


def parse_chunker(spec: str) -> int:
    """The chunk size of a Kubo chunker spec: ``size-N`` (``""``/``default`` = size-262144)."""
    if spec in ("", "default"):
        return DEFAULT_CHUNK_SIZE
    if spec.startswith(("rabin", "buzhash")):
        raise ChunkerError(f"chunker {spec!r} is not supported by this engine: use size-N, "
                           f"for example size-{DEFAULT_CHUNK_SIZE}")
    head, _, tail = spec.partition("-")
    if head != "size" or not tail.isdigit():
        raise ChunkerError(f"unknown chunker {spec!r}: expected size-N with N a number of bytes, "
                           f"for example size-{DEFAULT_CHUNK_SIZE}")
    size = int(tail)
    if size <= 0:
        raise ChunkerError(f"chunker {spec!r}: the chunk size must be at least 1 byte")
    if size > MAX_CHUNK_SIZE:
        raise ChunkerError(f"chunker {spec!r}: chunks may not exceed the {MAX_CHUNK_SIZE}-byte "
                           "block size limit")
    return size


def read_full(stream: BinaryIO, buf: bytearray) -> int:
    """Fill ``buf`` from ``stream`` unless it ends first; return the byte count read."""
    view = memoryview(buf)
    filled = 0
    readinto = getattr(stream, "readinto", None)
    while filled < len(buf):
        if readinto is not None:
            n = readinto(view[filled:])
        else:
            piece = stream.read(len(buf) - filled)
            n = len(piece) if piece else 0
            view[filled:filled + n] = piece or b""
        if not n:
            break
        filled += n
    return filled


def iter_chunks(stream: BinaryIO, size: int) -> Iterator[memoryview]:
    """Chunks of exactly ``size`` bytes (the last may be shorter; never an empty one).

    Each view is only valid until the next one is taken: the buffer is reused.
    """
    buf = bytearray(size)
    view = memoryview(buf)
    while True:
        n = read_full(stream, buf)
        if n == 0:
            return
        yield view[:n]
        if n < size:
            return
