"""varint, multibase, multihash and CID parsing, encoding and their error messages."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import multibase, multihash
from pytest_ipfs_accelerate.ipfs.engine.cid import (
    CID,
    DAG_PB,
    RAW,
    InvalidCIDError,
    cid_for_block,
    verify_block,
)
from pytest_ipfs_accelerate.ipfs.engine.varint import VarintError, decode_uvarint, encode_uvarint

HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
HELLO_V1 = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"
EMPTY_RAW = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 300, 16383, 16384, 2**63 - 1])
def test_varint_round_trip(value: int) -> None:
    raw = encode_uvarint(value)
    assert decode_uvarint(raw) == (value, len(raw))


def test_varint_known_bytes() -> None:
    assert encode_uvarint(300) == b"\xac\x02"
    assert encode_uvarint(0x70) == b"\x70"


@pytest.mark.parametrize("raw,match", [(b"", "truncated"), (b"\x80", "truncated"),
                                       (b"\x80\x00", "minimally"), (b"\xff" * 10, "longer")])
def test_varint_errors(raw: bytes, match: str) -> None:
    with pytest.raises(VarintError, match=match):
        decode_uvarint(raw)


def test_cid_v0_and_v1() -> None:
    v0 = CID.decode(HELLO_V0)
    assert (v0.version, v0.codec, len(v0.multihash)) == (0, DAG_PB, 34)
    assert str(v0) == HELLO_V0 and v0.to_bytes() == v0.multihash
    assert str(v0.to_v1()) == HELLO_V1
    assert CID.decode(HELLO_V1).to_v0() == v0
    assert CID.from_bytes(v0.to_v1().to_bytes()) == v0.to_v1()
    assert hash(v0) == hash(CID.decode(HELLO_V0))
    raw = CID.decode(EMPTY_RAW)
    assert raw.codec == RAW and raw.digest == hashlib.sha256(b"").digest()
    assert raw.byte_len() == 36 and v0.byte_len() == 34


@pytest.mark.parametrize("base", ["base32", "base32upper", "base58btc", "base16", "base16upper",
                                  "base36", "base64", "base64url"])
def test_cid_v1_in_every_base(base: str) -> None:
    cid = CID.decode(HELLO_V1)
    text = cid.encode(base)
    assert CID.decode(text) == cid


def test_known_base_forms() -> None:
    cid = CID.decode(HELLO_V1)
    assert cid.encode("base16").startswith("f01701220")
    assert cid.encode("base58btc").startswith("zdj7")


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("xyz", "unknown multibase prefix 'x'"),
    ("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5", "46 base58btc characters, got 45"),
    ("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5O", r"bad base58btc character 'O' at position 45"),
    ("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff50", r"character '0' at position 45"),
    ("bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mb1", r"bad base32 character '1'"),
    ("bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2m", "multihash length"),
    ("f01990112200000", "unknown codec 0x99"),
    ("f0270", "unsupported CID version 2"),
    ("f017012", "truncated|multihash"),
    ("f0170122001", "multihash length"),
    ("f0170120400000000ff", "trailing bytes|multihash length"),
    ("zQmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "CIDv0 must be written in plain"),
])
def test_invalid_cid_strings(text: str, match: str) -> None:
    with pytest.raises(InvalidCIDError, match=match) as info:
        CID.decode(text)
    assert isinstance(info.value, ValueError) and isinstance(info.value, IpfsAccelError)
    assert repr(text) in str(info.value) or text == "" or "prefix" in str(info.value)


def test_invalid_cid_names_the_string() -> None:
    with pytest.raises(InvalidCIDError, match="'bnotacid!'"):
        CID.decode("bnotacid!")


def test_v0_only_in_base58() -> None:
    with pytest.raises(InvalidCIDError, match="base58btc"):
        CID.decode(HELLO_V0).encode("base32")


def test_cid_for_block_and_verify() -> None:
    block = b"\x0a\x04\x08\x02\x18\x00"
    cid = cid_for_block(block, DAG_PB, 0)
    assert str(cid) == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    assert verify_block(cid, block) and not verify_block(cid, block + b"x")
    ident = cid_for_block(b"hi", RAW, 0, "identity")
    assert ident.version == 1 and ident.is_identity and verify_block(ident, b"hi")
    assert str(cid_for_block(b"", RAW, 1)) == EMPTY_RAW
    other = cid_for_block(b"x", RAW, 1, "blake2b-256")
    assert other.multihash[:3] == b"\xa0\xe4\x02" and verify_block(other, b"x")


def test_multihash_errors() -> None:
    with pytest.raises(multihash.MultihashError, match="potentially insecure hash functions"):
        multihash.digest(b"", "md5")
    with pytest.raises(multihash.MultihashError, match="identity digest got 129 bytes"):
        multihash.digest(b"x" * 129, "identity")
    with pytest.raises(multihash.MultihashError, match="unsupported hash function"):
        multihash.verify(b"\x99\x01\x01\x00", b"")
    with pytest.raises(multihash.MultihashError, match="sha2-256 digests are 32 bytes"):
        multihash.decode(b"\x12\x02ab")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_cid_decode_text(text: str) -> None:
    try:
        cid = CID.decode(text)
    except InvalidCIDError:
        return
    assert CID.decode(cid.encode()) == cid


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_fuzz_cid_from_bytes(raw: bytes) -> None:
    try:
        cid = CID.from_bytes(raw)
    except InvalidCIDError:
        return
    assert cid.to_bytes() == raw


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_fuzz_multibase_round_trip(data: bytes) -> None:
    for base in ("base58btc", "base32", "base16", "base36", "base64url"):
        assert multibase.decode(multibase.encode(data, base))[1] == data


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="zbfkmuBF0123456789abcdefxyzQ=-_!/ ", max_size=40))
def test_fuzz_multibase_decode(text: str) -> None:
    try:
        multibase.decode(text)
    except multibase.MultibaseError:
        pass
