"""HAMT-sharded UnixFS directories, as boxo (Kubo) and the JS importer build them.

A directory switches to a HAMT when the estimated size of its basic node exceeds
the threshold (boxo's ``HAMTShardingSize``, Kubo's
``Import.UnixFSHAMTDirectorySizeThreshold``, 256 KiB by default). How it is estimated is
Kubo's ``Import.UnixFSHAMTDirectorySizeEstimation`` (boxo's ``SizeEstimationMode``):
``links`` (the default) sums ``len(name bytes) + len(child CID bytes)`` over the links,
``block`` takes the whole serialized dag-pb block (Tsize, protobuf framing and the UnixFS
data with any mode and mtime: what the ``unixfs-v1-2025`` profile of IPIP-499 uses), and
``disabled`` leaves only the link count (see docs/ipfs-cids.md).

Layout: fanout 256; each level takes the next 8 bits (most significant first) of the
64-bit murmur3-x64-64 hash of the entry name (the first half, ``h1``, of
murmur3-x64-128 with seed 0, big-endian). A slot that holds one entry links to it as
``<slot in 2 upper-case hex digits><name>``; a slot that holds more links to a
sub-shard named ``<slot>``. The UnixFS data of a shard is its occupancy bitfield as a
minimal big-endian integer (bit i = slot i), ``hashType`` 0x22 and ``fanout``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import unixfs
from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node, name_bytes

DEFAULT_FANOUT = 256
DEFAULT_THRESHOLD = 262144
#: Kubo's Import.UnixFSHAMTDirectorySizeEstimation values; the first is the default.
SIZE_ESTIMATIONS = ("links", "block", "disabled")
#: Kubo's Import.UnixFSPBNodeFieldOrder values; the first is the default (dag-pb's order).
FIELD_ORDERS = ("links-first", "data-first")
_M64 = 0xFFFFFFFFFFFFFFFF


class HAMTError(IpfsAccelError, ValueError):
    """A HAMT cannot be built (bad fanout, or two names with the same 64-bit hash)."""


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _M64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _M64
    k ^= k >> 33
    return k


def murmur3_x64_128(data: bytes, seed: int = 0) -> tuple[int, int]:
    """MurmurHash3 x64 128-bit (Appleby's reference algorithm); returns ``(h1, h2)``."""
    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    h1 = h2 = seed & _M64
    length = len(data)
    nblocks = length // 16
    for i in range(nblocks):
        k1 = int.from_bytes(data[i * 16:i * 16 + 8], "little")
        k2 = int.from_bytes(data[i * 16 + 8:i * 16 + 16], "little")
        k1 = (_rotl((k1 * c1) & _M64, 31) * c2) & _M64
        h1 ^= k1
        h1 = (_rotl(h1, 27) + h2) & _M64
        h1 = (h1 * 5 + 0x52DCE729) & _M64
        k2 = (_rotl((k2 * c2) & _M64, 33) * c1) & _M64
        h2 ^= k2
        h2 = (_rotl(h2, 31) + h1) & _M64
        h2 = (h2 * 5 + 0x38495AB5) & _M64
    tail = data[nblocks * 16:]
    if len(tail) > 8:
        k2 = int.from_bytes(tail[8:], "little")
        k2 = (_rotl((k2 * c2) & _M64, 33) * c1) & _M64
        h2 ^= k2
    if tail:
        k1 = int.from_bytes(tail[:8], "little")
        k1 = (_rotl((k1 * c1) & _M64, 31) * c2) & _M64
        h1 ^= k1
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    return h1, h2


def murmur3_x64_64(data: bytes) -> bytes:
    """The HAMT key hash: ``h1`` of murmur3-x64-128 (seed 0) as 8 big-endian bytes."""
    return murmur3_x64_128(data)[0].to_bytes(8, "big")


def valid_fanout(width: int) -> bool:
    """boxo's validShardWidth: a positive power of two and a multiple of 8."""
    return width > 0 and width & (width - 1) == 0 and width % 8 == 0


def estimated_link_size(name: str, cid: CID) -> int:
    """boxo's estimate of one link's share of a basic directory block."""
    return len(name_bytes(name)) + cid.byte_len()


def needs_sharding(entries: Sequence[tuple[str, CID, int]], threshold: int = DEFAULT_THRESHOLD,
                   max_links: int = 0, estimation: str = "links", data: bytes = b"") -> bool:
    """Whether a directory with these ``(name, cid, tsize)`` entries is built as a HAMT:
    its ``estimation`` is *greater than* ``threshold`` (boxo as Kubo 0.43.1 ships it: a
    directory exactly at the threshold stays basic), or it has more than ``max_links``
    links (0: no limit). A threshold of 0 disables both, as in boxo. ``data`` is the
    basic directory's UnixFS data (``block`` counts it)."""
    if threshold <= 0:
        return False
    if max_links and len(entries) > max_links:
        return True
    if estimation == "disabled":
        return False
    if estimation == "block":
        return block_size(entries, data) > threshold
    return sum(estimated_link_size(name, cid) for name, cid, _ in entries) > threshold


def _varint_len(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


def _field_len(length: int) -> int:
    """A length-delimited protobuf field of ``length`` bytes (one-byte tag)."""
    return 1 + _varint_len(length) + length


def block_size(entries: Sequence[tuple[str, CID, int]], data: bytes) -> int:
    """The byte length of the basic directory block of these entries and UnixFS ``data``
    (boxo's linkSerializedSize and dataFieldSerializedSize, without encoding it)."""
    size = _field_len(len(data))
    for name, cid, tsize in entries:
        size += _field_len(_field_len(cid.byte_len()) + _field_len(len(name_bytes(name)))
                           + 1 + _varint_len(tsize))
    return size


MakeNode = Callable[[bytes], tuple[CID, int]]


def build_shard(entries: Sequence[tuple[str, CID, int]], make_node: MakeNode,
                fanout: int = DEFAULT_FANOUT,
                root_meta: tuple[int, tuple[int, int | None] | None] = (0, None),
                *, data_first: bool = False) -> tuple[CID, int]:
    """Build a HAMT over ``(name, cid, tsize)`` entries; return the root ``(cid, tsize)``.

    ``make_node(block)`` stores one dag-pb block and returns its ``(cid, block length)``.
    Shards are stored children first. ``root_meta`` is the root's (mode, mtime);
    ``data_first``: the dag-pb field order (``dagpb.encode_node``). The recursion is
    bounded by the hash's 64 bits, never by the input.
    """
    bits = fanout.bit_length() - 1
    if fanout < 2 or fanout & (fanout - 1) or bits > 64:
        raise HAMTError(f"HAMT fanout must be a power of two between 2 and 2**64, got {fanout}")
    pad = len(f"{fanout - 1:X}")
    keyed = [(int.from_bytes(murmur3_x64_64(name_bytes(name)), "big"), name, cid, tsize)
             for name, cid, tsize in entries]

    def build(items: list[tuple[int, str, CID, int]], depth: int) -> tuple[CID, int]:
        shift = 64 - (depth + 1) * bits
        if shift < 0:
            names = ", ".join(repr(item[1]) for item in items)
            raise HAMTError(f"HAMT hash bits exhausted for names {names}: their murmur3 hashes "
                            "collide; rename one of them")
        slots: dict[int, list[tuple[int, str, CID, int]]] = {}
        for item in items:
            slots.setdefault((item[0] >> shift) & (fanout - 1), []).append(item)
        links = []
        bitfield = 0
        for index in sorted(slots):
            bitfield |= 1 << index
            label = f"{index:0{pad}X}"
            group = slots[index]
            if len(group) == 1:
                _, name, cid, tsize = group[0]
                links.append(PBLink(cid, label + name, tsize))
            else:
                sub_cid, sub_tsize = build(group, depth + 1)
                links.append(PBLink(sub_cid, label, sub_tsize))
        nbytes = (bitfield.bit_length() + 7) // 8
        mode, mtime = root_meta if depth == 0 else (0, None)
        data = unixfs.encode_data(unixfs.UnixFSData(
            unixfs.HAMT_SHARD, data=bitfield.to_bytes(nbytes, "big"),
            hash_type=unixfs.MURMUR3_X64_64, fanout=fanout, mode=mode or None, mtime=mtime))
        block = encode_node(PBNode(links, data), data_first=data_first)
        cid, _ = make_node(block)
        return cid, len(block) + sum(link.tsize for link in links)

    seen: set[str] = set()
    for _, name, _, _ in keyed:
        if name in seen:
            raise HAMTError(f"duplicate directory entry name {name!r}")
        seen.add(name)
    return build(keyed, 0)
