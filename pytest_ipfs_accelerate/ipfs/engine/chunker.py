"""Chunkers, as Kubo's ``--chunker`` (boxo ``chunk.FromString``) parses and runs them.

- ``size-N`` (``""``/``default``: size-262144): fixed chunks read with io.ReadFull semantics;
- ``rabin``, ``rabin-AVG``, ``rabin-MIN-AVG-MAX``: Rabin fingerprints over a 16-byte
  window with boxo's polynomial (whyrusleeping/chunker, ported byte for byte);
- ``buzhash``: boxo's buzhash (32-byte window, 128 KiB min, 512 KiB max, 17-bit mask).

Every chunk is at most 2096896 bytes (boxo ``ChunkSizeLimit``: the 2 MiB bitswap block
limit less 256 bytes of framing). Bad specs raise :class:`ChunkerError` with boxo's own
message. The content-defined chunkers are pure Python (a few MB/s): exact, not fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine.values import FrozenValue, set_field

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import BinaryIO

DEFAULT_CHUNK_SIZE = 262144
#: boxo BlockSizeLimit (2 MiB) less its ChunkOverheadBudget (256).
MAX_CHUNK_SIZE = 2 * 1024 * 1024 - 256
_M64 = 0xFFFFFFFFFFFFFFFF
_M32 = 0xFFFFFFFF


class ChunkerError(IpfsAccelError, ValueError):
    """A chunker spec is not understood (the message is boxo's)."""


class ChunkerSpec(FrozenValue):
    """A parsed ``--chunker``: ``kind`` is size, rabin or buzhash."""

    __slots__ = ("kind", "size", "min", "max")
    kind: str
    size: int  # size-N: N; rabin: the average
    min: int
    max: int

    def __init__(self, kind: str, size: int = DEFAULT_CHUNK_SIZE, min: int = 0,
                 max: int = 0) -> None:
        set_field(self, "kind", kind)
        set_field(self, "size", size)
        set_field(self, "min", min)
        set_field(self, "max", max)


def _atoi(text: str) -> int:
    """Go's strconv.Atoi, with its error text."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        raise ChunkerError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _labelled(part: str, label: str, error: str) -> int:
    sub = part.split(":")
    if len(sub) > 1 and sub[0] != label:
        raise ChunkerError(error)
    return _atoi(sub[-1])


def parse_chunker(spec: str) -> ChunkerSpec:
    """Parse a Kubo chunker spec, refusing what boxo refuses (with its message)."""
    if spec in ("", "default"):
        return ChunkerSpec("size")
    name = spec.split("-", 1)[0]
    parts = spec.split("-")
    too_big = ChunkerError("chunker parameters may not exceed the maximum chunk size of "
                           f"{MAX_CHUNK_SIZE}")
    if name == "size":
        if len(parts) != 2:
            raise ChunkerError("incorrect chunker string format (expected size-{size})")
        size = _atoi(parts[1])
        if size <= 0:
            raise ChunkerError("chunker size must be greater than 0")
        if size > MAX_CHUNK_SIZE:
            raise too_big
        return ChunkerSpec("size", size)
    if name == "buzhash":
        return ChunkerSpec("buzhash")
    if name != "rabin":
        raise ChunkerError(f"unrecognized chunker option: {spec}")
    if len(parts) == 1:
        return _rabin(DEFAULT_CHUNK_SIZE // 3, DEFAULT_CHUNK_SIZE,
                      DEFAULT_CHUNK_SIZE + DEFAULT_CHUNK_SIZE // 2)
    if len(parts) == 2:
        avg = _atoi(parts[1])
        if int(avg * 1.5) > MAX_CHUNK_SIZE:
            raise too_big
        return _rabin(avg // 3, avg, avg + avg // 2)
    if len(parts) == 4:
        low = _labelled(parts[1], "min", "first label must be min")
        if low < 16:
            raise ChunkerError("rabin min must be greater than 16")
        avg = _labelled(parts[2], "avg", "second label must be avg")
        high = _labelled(parts[3], "max", "final label must be max")
        if low >= avg:
            raise ChunkerError("incorrect format: rabin-min must be smaller than rabin-avg")
        if avg >= high:
            raise ChunkerError("incorrect format: rabin-avg must be smaller than rabin-max")
        if high > MAX_CHUNK_SIZE:
            raise too_big
        return _rabin(low, avg, high)
    raise ChunkerError("incorrect format (expected 'rabin' 'rabin-[avg]' or "
                       "'rabin-[min]-[avg]-[max]'")


def _rabin(low: int, avg: int, high: int) -> ChunkerSpec:
    if avg <= 0:  # Go computes log2(0) = -Inf here and chunks nothing sensible
        raise ChunkerError("chunker size must be greater than 0")
    return ChunkerSpec("rabin", avg, low, high)


def read_full(stream: BinaryIO, buf: bytearray | memoryview, start: int = 0) -> int:
    """Fill ``buf[start:]`` from ``stream`` unless it ends first; return the bytes read."""
    view = memoryview(buf)
    filled = start
    readinto = getattr(stream, "readinto", None)
    while filled < len(view):
        if readinto is not None:
            n = readinto(view[filled:])
        else:
            piece = stream.read(len(view) - filled)
            n = len(piece) if piece else 0
            view[filled:filled + n] = piece or b""
        if not n:
            break
        filled += n
    return filled - start


def iter_chunks(stream: BinaryIO, spec: ChunkerSpec | int) -> Iterator[memoryview]:
    """The chunks of ``stream`` (never an empty one; an empty stream has none).

    A fixed-size chunk is only valid until the next one is taken: the buffer is reused.
    """
    if isinstance(spec, int):
        spec = ChunkerSpec("size", spec)
    if spec.kind == "rabin":
        return _rabin_chunks(stream, spec)
    if spec.kind == "buzhash":
        return _buzhash_chunks(stream)
    return _fixed_chunks(stream, spec.size)


def _fixed_chunks(stream: BinaryIO, size: int) -> Iterator[memoryview]:
    buf = bytearray(size)
    view = memoryview(buf)
    while True:
        n = read_full(stream, buf)
        if n == 0:
            return
        yield view[:n]
        if n < size:
            return


# -- Rabin (github.com/whyrusleeping/chunker, as boxo configures it) -------------------------

#: boxo's IpfsRabinPoly, an irreducible polynomial of degree 53.
RABIN_POLY = 17437180132763653
_WINDOW = 16
_RABIN_READ = 512 * 1024


def _deg(x: int) -> int:
    return x.bit_length() - 1


def _pol_mod(x: int, d: int) -> int:
    dd = _deg(d)
    while x and _deg(x) >= dd:
        x ^= d << (_deg(x) - dd)
    return x


def _rabin_tables(pol: int) -> tuple[list[int], list[int]]:
    out = []
    for b in range(256):
        h = _pol_mod(b, pol)
        for _ in range(_WINDOW - 1):
            h = _pol_mod(h << 8, pol)
        out.append(h)
    k = _deg(pol)
    mod = [_pol_mod(b << k, pol) | (b << k) for b in range(256)]
    return out, mod


_TABLES: tuple[list[int], list[int]] | None = None


def _rabin_chunks(stream: BinaryIO, spec: ChunkerSpec) -> Iterator[memoryview]:
    global _TABLES
    if _TABLES is None:
        _TABLES = _rabin_tables(RABIN_POLY)
    out_table, mod_table = _TABLES
    shift = _deg(RABIN_POLY) - 8
    mask = (1 << int(math.log2(spec.size))) - 1
    low, high = spec.min, spec.max
    pending = bytearray()  # bytes of the chunk being cut, not yet handed out
    buf = bytearray(_RABIN_READ)

    def reset() -> tuple[list[int], int, int, int]:
        # The state Go's reset() leaves: an empty window with the byte 1 slid in. ``pre``
        # is an unsigned subtraction there (a min below 16 wraps: no cut until the end).
        window = [1] + [0] * (_WINDOW - 1)
        return window, 1, 1 ^ mod_table[0], (low - _WINDOW) & _M64

    window, wpos, digest, pre = reset()
    count = 0  # bytes in the current chunk
    while True:
        n = read_full(stream, buf)
        if n == 0:
            if count:
                yield memoryview(bytes(pending))
            return
        data = memoryview(buf)[:n]
        pos = 0
        while pos < n:
            if pre:
                take = min(pre, n - pos)
                pending += data[pos:pos + take]
                pre -= take
                count += take
                pos += take
                continue
            cut = -1
            add = count
            for i in range(pos, n):
                b = data[i]
                digest ^= out_table[window[wpos]]
                window[wpos] = b
                wpos = (wpos + 1) & (_WINDOW - 1)
                index = digest >> shift
                digest = (((digest << 8) & _M64) | b) ^ mod_table[index]
                add += 1
                if add < low:
                    continue
                if (digest & mask) == 0 or add >= high:
                    cut = i
                    break
            if cut < 0:
                pending += data[pos:n]
                count += n - pos
                pos = n
                continue
            pending += data[pos:cut + 1]
            pos = cut + 1
            yield memoryview(bytes(pending))
            pending.clear()
            count = 0
            window, wpos, digest, pre = reset()


# -- buzhash (boxo chunker/buzhash.go) --------------------------------------------------------

_BUZ_MIN = 128 << 10
_BUZ_MAX = 512 << 10
_BUZ_MASK = (1 << 17) - 1
_BUZ_TABLE = (
    0x6236e7d5, 0x10279b0b, 0x72818182, 0xdc526514, 0x2fd41e3d, 0x777ef8c8,
    0x83ee5285, 0x2c8f3637, 0x2f049c1a, 0x57df9791, 0x9207151f, 0x9b544818,
    0x74eef658, 0x2028ca60, 0x0271d91a, 0x27ae587e, 0xecf9fa5f, 0x236e71cd,
    0xf43a8a2e, 0xbb13380, 0x9e57912c, 0x89a26cdb, 0x9fcf3d71, 0xa86da6f1,
    0x9c49f376, 0x346aecc7, 0xf094a9ee, 0xea99e9cb, 0xb01713c6, 0x88acffb,
    0x2960a0fb, 0x344a626c, 0x7ff22a46, 0x6d7a1aa5, 0x6a714916, 0x41d454ca,
    0x8325b830, 0xb65f563, 0x447fecca, 0xf9d0ea5e, 0xc1d9d3d4, 0xcb5ec574,
    0x55aae902, 0x86edc0e7, 0xd3a9e33, 0xe70dc1e1, 0xe3c5f639, 0x9b43140a,
    0xc6490ac5, 0x5e4030fb, 0x8e976dd5, 0xa87468ea, 0xf830ef6f, 0xcc1ed5a5,
    0x611f4e78, 0xddd11905, 0xf2613904, 0x566c67b9, 0x905a5ccc, 0x7b37b3a4,
    0x4b53898a, 0x6b8fd29d, 0xaad81575, 0x511be414, 0x3cfac1e7, 0x8029a179,
    0xd40efeda, 0x7380e02, 0xdc9beffd, 0x2d049082, 0x99bc7831, 0xff5002a8,
    0x21ce7646, 0x1cd049b, 0xf43994f, 0xc3c6c5a5, 0xbbda5f50, 0xec15ec7,
    0x9adb19b6, 0xc1e80b9, 0xb9b52968, 0xae162419, 0x2542b405, 0x91a42e9d,
    0x6be0f668, 0x6ed7a6b9, 0xbc2777b4, 0xe162ce56, 0x4266aad5, 0x60fdb704,
    0x66f832a5, 0x9595f6ca, 0xfee83ced, 0x55228d99, 0x12bf0e28, 0x66896459,
    0x789afda, 0x282baa8, 0x2367a343, 0x591491b0, 0x2ff1a4b1, 0x410739b6,
    0x9b7055a0, 0x2e0eb229, 0x24fc8252, 0x3327d3df, 0xb0782669, 0x1c62e069,
    0x7f503101, 0xf50593ae, 0xd9eb275d, 0xe00eb678, 0x5917ccde, 0x97b9660a,
    0xdd06202d, 0xed229e22, 0xa9c735bf, 0xd6316fe6, 0x6fc72e4c, 0x206dfa2,
    0xd6b15c5a, 0x69d87b49, 0x9c97745, 0x13445d61, 0x35a975aa, 0x859aa9b9,
    0x65380013, 0xd1fb6391, 0xc29255fd, 0x784a3b91, 0xb9e74c26, 0x63ce4d40,
    0xc07cbe9e, 0xe6e4529e, 0xfb3632f, 0x9438d9c9, 0x682f94a8, 0xf8fd4611,
    0x257ec1ed, 0x475ce3d6, 0x60ee2db1, 0x2afab002, 0x2b9e4878, 0x86b340de,
    0x1482fdca, 0xfe41b3bf, 0xd4a412b0, 0xe09db98c, 0xc1af5d53, 0x7e55e25f,
    0xd3346b38, 0xb7a12cbd, 0x9c6827ba, 0x71f78bee, 0x8c3a0f52, 0x150491b0,
    0xf26de912, 0x233e3a4e, 0xd309ebba, 0xa0a9e0ff, 0xca2b5921, 0xeeb9893c,
    0x33829e88, 0x9870cc2a, 0x23c4b9d0, 0xeba32ea3, 0xbdac4d22, 0x3bc8c44c,
    0x1e8d0397, 0xf9327735, 0x783b009f, 0xeb83742, 0x2621dc71, 0xed017d03,
    0x5c760aa1, 0x5a69814b, 0x96e3047f, 0xa93c9cde, 0x615c86f5, 0xb4322aa5,
    0x4225534d, 0xd2e2de3, 0xccfccc4b, 0xbac2a57, 0xf0a06d04, 0xbc78d737,
    0xf2d1f766, 0xf5a7953c, 0xbcdfda85, 0x5213b7d5, 0xbce8a328, 0xd38f5f18,
    0xdb094244, 0xfe571253, 0x317fa7ee, 0x4a324f43, 0x3ffc39d9, 0x51b3fa8e,
    0x7a4bee9f, 0x78bbc682, 0x9f5c0350, 0x2fe286c, 0x245ab686, 0xed6bf7d7,
    0xac4988a, 0x3fe010fa, 0xc65fe369, 0xa45749cb, 0x2b84e537, 0xde9ff363,
    0x20540f9a, 0xaa8c9b34, 0x5bc476b3, 0x1d574bd7, 0x929100ad, 0x4721de4d,
    0x27df1b05, 0x58b18546, 0xb7e76764, 0xdf904e58, 0x97af57a1, 0xbd4dc433,
    0xa6256dfd, 0xf63998f3, 0xf1e05833, 0xe20acf26, 0xf57fd9d6, 0x90300b4d,
    0x89df4290, 0x68d01cbc, 0xcf893ee3, 0xcc42a046, 0x778e181b, 0x67265c76,
    0xe981a4c4, 0x82991da1, 0x708f7294, 0xe6e2ae62, 0xfc441870, 0x95e1b0b6,
    0x445f825, 0x5a93b47f, 0x5e9cf4be, 0x84da71e7, 0x9d9582b0, 0x9bf835ef,
    0x591f61e2, 0x43325985, 0x5d2de32e, 0x8d8fbf0f, 0x95b30f38, 0x7ad5b6e,
    0x4e934edf, 0x3cd4990e, 0x9053e259, 0x5c41857d,
)


def _buzhash_chunks(stream: BinaryIO) -> Iterator[memoryview]:
    buf = bytearray(_BUZ_MAX)
    table = _BUZ_TABLE
    kept = 0  # bytes carried over from the last read, at the start of buf
    while True:
        n = read_full(stream, buf, kept)
        end = kept + n
        if end < _BUZ_MAX and end < _BUZ_MIN:  # the stream ended: the rest is one chunk
            if end:
                yield memoryview(bytes(buf[:end]))
            return
        state = 0
        for i in range(_BUZ_MIN - 32, _BUZ_MIN):
            state = (((state << 1) | (state >> 31)) & _M32) ^ table[buf[i]]
        i = _BUZ_MIN - 32
        last = end - 32 - 1
        while i <= last:
            if state & _BUZ_MASK == 0:
                break
            state = ((((state << 1) | (state >> 31)) & _M32) ^ table[buf[i]]
                     ^ table[buf[i + 32]])
            i += 1
        i += 32
        yield memoryview(bytes(buf[:i]))
        kept = end - i
        buf[:kept] = buf[i:end]
        if kept == 0 and end < _BUZ_MAX:
            return
