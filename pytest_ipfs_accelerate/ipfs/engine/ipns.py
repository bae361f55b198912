"""IPNS records (the IPNS spec, as boxo writes them) and libp2p Ed25519 key names.

A name is the CIDv1 (codec libp2p-key) of the key's peer ID, in base36: ``k51...``. The
peer ID is the identity multihash of the protobuf public key (``12D3KooW...`` in
base58btc). A record is an ``IpnsEntry`` protobuf carrying a dag-cbor ``data`` map signed
with signature V2 (``"ipns-signature:" + data``), plus the V1 fields and signature older
readers check.
"""

from __future__ import annotations

import datetime

from pytest_ipfs_accelerate.ipfs.engine import ed25519, multibase, protowire
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, CODECS_BY_NAME
from pytest_ipfs_accelerate.ipfs.engine.dagcbor import decode_dag_cbor, encode_dag_cbor
from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.engine.values import FrozenValue, set_fields

LIBP2P_KEY = CODECS_BY_NAME["libp2p-key"]
_ED25519 = 1  # libp2p KeyType


class IpnsError(IpfsNodeError):
    """A record or name that cannot be read, or whose signature does not verify."""


class NoRecordError(IpnsError):
    """A valid name with no record to resolve it (Kubo: "could not resolve name")."""


def public_key_protobuf(public: bytes) -> bytes:
    """libp2p's ``PublicKey`` message of an Ed25519 key."""
    return protowire.varint_field(1, _ED25519) + protowire.bytes_field(2, public)


def peer_id_bytes(public: bytes) -> bytes:
    """The identity multihash of the key: a peer ID's bytes."""
    pb = public_key_protobuf(public)
    return bytes([0x00, len(pb)]) + pb


def peer_id(public: bytes) -> str:
    """``12D3KooW...``: the peer ID in base58btc."""
    return multibase.b58encode(peer_id_bytes(public))


def ipns_name(public: bytes) -> str:
    """``k51...``: the key's IPNS name, a CIDv1 libp2p-key in base36."""
    return CID(1, LIBP2P_KEY, peer_id_bytes(public)).encode("base36")


def public_key_of_name(name: str) -> bytes:
    """The Ed25519 public key inside an IPNS name (``k51...``, ``12D3KooW...``)."""
    try:
        mh = multibase.b58decode(name) if name.startswith("12D3") else \
            CID.decode(name).multihash
    except ValueError as exc:
        raise IpnsError(f"invalid IPNS name {name!r}: {exc}") from None
    if mh[:2] != b"\x00\x24" or mh[2:6] != b"\x08\x01\x12\x20":
        raise IpnsError(f"IPNS name {name!r} is not an inlined Ed25519 key")
    return mh[6:]


def _rfc3339(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond * 1000:09d}Z"


class IpnsRecord(FrozenValue):
    """What a record says: its value (``/ipfs/...``), sequence, validity and TTL (ns)."""

    __slots__ = ("value", "sequence", "validity", "ttl_ns")
    value: str
    sequence: int
    validity: str
    ttl_ns: int

    def __init__(self, value: str, sequence: int, validity: str, ttl_ns: int) -> None:
        set_fields(self, locals())


def make_record(seed: bytes, value: str, sequence: int, lifetime_s: float = 48 * 3600,
                ttl_ns: int = 300 * 10**9, now: datetime.datetime | None = None) -> bytes:
    """A signed IPNS record of ``value`` by the key ``seed``."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    validity = _rfc3339(now + datetime.timedelta(seconds=lifetime_s)).encode()
    data = encode_dag_cbor({"Value": value.encode(), "Validity": validity, "ValidityType": 0,
                            "Sequence": sequence, "TTL": ttl_ns})
    v1 = ed25519.sign(seed, value.encode() + validity + b"EOL")
    v2 = ed25519.sign(seed, b"ipns-signature:" + data)
    return (protowire.bytes_field(1, value.encode()) + protowire.bytes_field(2, v1)
            + protowire.varint_field(3, 0) + protowire.bytes_field(4, validity)
            + protowire.varint_field(5, sequence) + protowire.varint_field(6, ttl_ns)
            + protowire.bytes_field(8, v2) + protowire.bytes_field(9, data))


def read_record(record: bytes, name: str) -> IpnsRecord:
    """The record's content, after checking its V2 signature against ``name``'s key."""
    fields: dict[int, bytes] = {}
    for number, wire, value in protowire.iter_fields(record, IpnsError, "IPNS record"):
        if wire == protowire.LEN and isinstance(value, bytes):
            fields[number] = value
    data, signature = fields.get(9), fields.get(8)
    if data is None or signature is None:
        raise IpnsError(f"IPNS record of {name} has no signature V2 or no data")
    if not ed25519.verify(public_key_of_name(name), b"ipns-signature:" + data, signature):
        raise IpnsError(f"IPNS record of {name}: the signature does not verify")
    content = decode_dag_cbor(data)
    return IpnsRecord(bytes(content["Value"]).decode(), int(content["Sequence"]),
                      bytes(content["Validity"]).decode(), int(content["TTL"]))
