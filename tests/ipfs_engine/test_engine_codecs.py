"""dag-pb and UnixFS codecs: Kubo's exact bytes, round trips, and fuzzed decoders."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ipfs_accelerate.ipfs.engine import unixfs
from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.dagpb import (
    DagPBError,
    PBLink,
    PBNode,
    decode_node,
    encode_node,
)
from pytest_ipfs_accelerate.ipfs.engine.unixfs import (
    UnixFSData,
    UnixFSError,
    decode_data,
    encode_data,
)

LEAF = CID.decode("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")


def test_links_before_data_and_empty_name_written() -> None:
    raw = encode_node(PBNode([PBLink(LEAF, "", 20)], b"\x08\x02"))
    link = b"\x0a\x22" + LEAF.to_bytes() + b"\x12\x00" + b"\x18\x14"
    assert raw == b"\x12" + bytes([len(link)]) + link + b"\x0a\x02\x08\x02"


def test_links_sorted_by_name_bytes() -> None:
    node = PBNode([PBLink(LEAF, "b", 1), PBLink(LEAF, "B", 2), PBLink(LEAF, "a", 3)], b"\x08\x01")
    assert [link.name for link in decode_node(encode_node(node)).links] == ["B", "a", "b"]


def test_node_round_trip() -> None:
    node = PBNode([PBLink(LEAF, "x", 5), PBLink(LEAF.to_v1(), "ÿ", 2**40)], None)
    assert decode_node(encode_node(node)) == node
    assert decode_node(b"") == PBNode([], None)


#: One PBLinks entry (field 2) of go-codec-dagpb's order tests: a CIDv0, no name or size.
_LINK = "12240a221220cf92fdefcdc34cac009c8b05eb662be0618db9de55ecd42785e9ec6712f8df65"


def test_data_first_blocks_decode_and_encode_as_ipip_550_says() -> None:
    """Data before Links: go-codec-dagpb's TestNodeAlternativeOrder input decodes (Kubo
    reads such blocks); ``data_first`` writes that order, and only nodes with both fields
    change."""
    raw = bytes.fromhex("0a0408021806" + _LINK + _LINK)
    node = decode_node(raw)
    assert node.data == b"\x08\x02\x18\x06" and len(node.links) == 2
    assert decode_node(raw[6:] + raw[:6]) == node  # the same node, links first
    built = PBNode([PBLink(LEAF, "b", 4), PBLink(LEAF, "a", 3)], b"\x08\x01")
    canonical, data_first = encode_node(built), encode_node(built, data_first=True)
    assert canonical.endswith(b"\x0a\x02\x08\x01")
    assert data_first == b"\x0a\x02\x08\x01" + canonical[:-4]  # Data moved to the front
    assert decode_node(data_first) == decode_node(canonical)
    for alone in (PBNode([], b"\x08\x01"), PBNode(built.links, None)):
        assert encode_node(alone, data_first=True) == encode_node(alone)


@pytest.mark.parametrize("raw,match", [
    # go-codec-dagpb's TestNodeWithDataBetweenLinks: one link, Data, another link
    (bytes.fromhex(_LINK + "0a04080218" + "06" + _LINK), "duplicate Links section"),
    (b"\x1a\x00", "unknown field 3"),
    (b"\x08\x01", "wire type 0"),
    (b"\x12\x05\x0a\x03abc", "malformed dag-pb link 0"),
    (b"\x12\x02\x12\x00", "no Hash"),
    (b"\x0a\x05ab", "claims 5 bytes"),
    (b"\x0a\x00\x0a\x00", "duplicate Data"),
])
def test_dagpb_errors(raw: bytes, match: str) -> None:
    with pytest.raises(DagPBError, match=match):
        decode_node(raw)


def test_unixfs_field_order_and_bytes() -> None:
    d = UnixFSData(unixfs.FILE, filesize=300, blocksizes=[262144, 38])
    assert encode_data(d) == b"\x08\x02\x18\xac\x02\x20\x80\x80\x10\x20\x26"
    assert encode_data(UnixFSData(unixfs.DIRECTORY)) == b"\x08\x01"
    hamt = UnixFSData(unixfs.HAMT_SHARD, data=b"\x01", hash_type=0x22, fanout=256)
    assert encode_data(hamt) == b"\x08\x05\x12\x01\x01\x28\x22\x30\x80\x02"


def test_unixfs_round_trip_with_metadata() -> None:
    d = UnixFSData(unixfs.FILE, data=b"abc", filesize=3, mode=0o644, mtime=(-5, 7))
    assert decode_data(encode_data(d)) == d
    prefix, suffix = unixfs.file_leaf_header(unixfs.RAW, 3)
    assert decode_data(decode_node(prefix + b"abc" + suffix).data or b"").type == unixfs.RAW


def test_unixfs_accepts_packed_blocksizes() -> None:
    assert decode_data(b"\x08\x02\x22\x02\x01\x02").blocksizes == [1, 2]


@pytest.mark.parametrize("raw,match", [
    (b"", "no Type"), (b"\x08\x09", "unknown type 9"), (b"\x48\x00", "unknown field 9"),
    (b"\x08\x02\x12\x05ab", "claims 5"), (b"\x0a\x00", "wire type 2"),
])
def test_unixfs_errors(raw: bytes, match: str) -> None:
    with pytest.raises(UnixFSError, match=match):
        decode_data(raw)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_dagpb_decoder(raw: bytes) -> None:
    try:
        node = decode_node(raw)
    except DagPBError:
        return
    assert isinstance(node, PBNode)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=120))
def test_fuzz_unixfs_decoder(raw: bytes) -> None:
    try:
        decode_data(raw)
    except UnixFSError:
        return


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=10), st.integers(0, 2**63)), max_size=5),
       st.one_of(st.none(), st.binary(max_size=30)))
def test_fuzz_node_round_trip(links: list[tuple[str, int]], data: bytes | None) -> None:
    node = PBNode([PBLink(LEAF, name, size) for name, size in links], data)
    decoded = decode_node(encode_node(node))
    assert sorted((lk.name, lk.tsize) for lk in decoded.links) == sorted(links)
    assert decoded.data == data


def test_absent_link_fields_stay_absent() -> None:
    """dag-pb's Name and Tsize are optional: a block without them (go-codec-dagpb's
    vectors; Kubo's ``dag put`` writes them so) decodes and encodes to the same bytes."""
    raw = bytes.fromhex(_LINK + _LINK)
    node = decode_node(raw)
    assert [(link.named, link.sized) for link in node.links] == [(False, False)] * 2
    assert encode_node(node) == raw
    sized = PBNode([PBLink(LEAF, "", 7, named=False)], None)
    assert encode_node(sized) == b"\x12\x26\x0a\x22" + LEAF.to_bytes() + b"\x18\x07"
    assert decode_node(encode_node(sized)) == sized
