"""dag-pb codec (PBNode / PBLink), encoded exactly as Kubo and boxo write it.

Encoding rules (dag-pb spec): Links (field 2) come before Data (field 1); links are
sorted by name bytes (stable); every PBLink written by Kubo carries Hash, Name (even
empty) and Tsize.
"""

from __future__ import annotations

from collections.abc import Iterable

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import protowire
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, InvalidCIDError
from pytest_ipfs_accelerate.ipfs.engine.values import Value
from pytest_ipfs_accelerate.ipfs.engine.varint import encode_uvarint


class DagPBError(IpfsAccelError, ValueError):
    """A dag-pb block is malformed."""


class PBLink(Value):
    """A named link to a child block; ``tsize`` is the child's cumulative DAG size.

    Both are optional in dag-pb: ``named``/``sized`` False means the field is absent from
    the block (``name`` then reads "" and ``tsize`` 0), so a block decoded and written
    again keeps its bytes. Kubo always writes both; other writers may not.
    """

    __slots__ = ("cid", "name", "tsize", "named", "sized")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, cid: CID, name: str = "", tsize: int = 0, named: bool = True,
                 sized: bool = True) -> None:
        self.cid = cid
        self.name = name
        self.tsize = tsize
        self.named = named
        self.sized = sized


class PBNode(Value):
    """A dag-pb node: links, then optional data."""

    __slots__ = ("links", "data")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, links: list[PBLink] | None = None, data: bytes | None = None) -> None:
        self.links: list[PBLink] = [] if links is None else links
        self.data = data


def name_bytes(name: str) -> bytes:
    """A link name's bytes: UTF-8, and any bytes that are not UTF-8 kept as they were
    (a file name read with ``surrogateescape``, as ``os.listdir`` gives it)."""
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise DagPBError(f"link name {name!r} holds a lone surrogate at {exc.start}: it has "
                         "no byte form; use a UTF-8 name") from None


def display_name(name: str) -> str:
    """A name for JSON and terminals: bytes that are not UTF-8 become U+FFFD, as Go's
    JSON encoder writes them."""
    return name_bytes(name).decode("utf-8", "replace")


def encode_link(link: PBLink) -> bytes:
    """One PBLink message: Hash, then Name and Tsize where present."""
    out = protowire.bytes_field(1, link.cid.to_bytes())
    if link.named:
        out += protowire.bytes_field(2, name_bytes(link.name))
    if link.sized:
        out += protowire.varint_field(3, link.tsize)
    return out


def encode_links(links: Iterable[PBLink]) -> bytes:
    """The Links section, in the order given (callers sort directory links)."""
    out = bytearray()
    for link in links:
        body = encode_link(link)
        out += b"\x12" + encode_uvarint(len(body)) + body
    return bytes(out)


def sort_links(links: list[PBLink]) -> list[PBLink]:
    """Links sorted by name bytes, stable (as go-merkledag does before encoding)."""
    return sorted(links, key=lambda link: name_bytes(link.name))


def encode_node(node: PBNode, *, data_first: bool = False) -> bytes:
    """The dag-pb block bytes of ``node``. Links are written sorted by name, before the
    Data field as the dag-pb spec requires; ``data_first`` writes Data first instead
    (IPIP-550, Kubo's ``Import.UnixFSPBNodeFieldOrder = "data-first"``), which changes
    the CID of every node that has both."""
    links = encode_links(sort_links(node.links))
    if node.data is None:
        return links
    data = protowire.bytes_field(1, node.data)
    return data + links if data_first else links + data


def _decode_link(raw: bytes, index: int) -> PBLink:
    what = f"dag-pb link {index}"
    cid = name = tsize = None
    for num, wire, value in protowire.iter_fields(raw, DagPBError, what):
        if num == 1 and wire == protowire.LEN:
            if cid is not None:
                raise DagPBError(f"malformed {what}: duplicate Hash")
            if name is not None or tsize is not None:
                raise DagPBError(f"malformed {what}: Hash must come first")
            try:
                cid = CID.from_bytes(value)
            except InvalidCIDError as exc:
                raise DagPBError(f"malformed {what}: {exc}")
        elif num == 2 and wire == protowire.LEN:
            if name is not None or tsize is not None:
                raise DagPBError(f"malformed {what}: duplicate or misplaced Name")
            name = value.decode("utf-8", "surrogateescape")  # Kubo keeps any bytes
        elif num == 3 and wire == protowire.VARINT:
            if tsize is not None:
                raise DagPBError(f"malformed {what}: duplicate Tsize")
            tsize = value
        else:
            raise DagPBError(f"malformed {what}: unexpected field {num} (wire type {wire})")
    if cid is None:
        raise DagPBError(f"malformed {what}: no Hash")
    return PBLink(cid, name or "", tsize or 0, name is not None, tsize is not None)


def decode_node(raw: bytes | memoryview) -> PBNode:
    """Parse a dag-pb block; raises DagPBError on malformed input. Data may come before
    or after the Links (the spec asks decoders to take both, as go-codec-dagpb does), but
    not between two of them."""
    links: list[PBLink] = []
    data: bytes | None = None
    links_done = False  # the Links ran before Data: none may follow it
    for num, wire, value in protowire.iter_fields(raw, DagPBError, "dag-pb node"):
        if wire != protowire.LEN:
            raise DagPBError(f"malformed dag-pb node: field {num} has wire type {wire}, expected 2")
        if num == 1:
            if data is not None:
                raise DagPBError("malformed dag-pb node: duplicate Data")
            data = value
            links_done = bool(links)
        elif num == 2:
            if links_done:
                raise DagPBError("malformed dag-pb node: duplicate Links section (Links "
                                 "both before and after Data)")
            links.append(_decode_link(value, len(links)))
        else:
            raise DagPBError(f"malformed dag-pb node: unknown field {num}")
    return PBNode(links, data)


def cumulative_size(block: bytes, links: Iterable[PBLink]) -> int:
    """Block size plus the links' Tsize: what Kubo reports as CumulativeSize."""
    return len(block) + sum(link.tsize for link in links)
