"""Content identifiers (CIDv0 and CIDv1), from the multiformats CID spec."""

from __future__ import annotations

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import multibase, multihash
from pytest_ipfs_accelerate.ipfs.engine.values import FrozenValue, set_field
from pytest_ipfs_accelerate.ipfs.engine.varint import VarintError, decode_uvarint, encode_uvarint

DAG_PB = 0x70
RAW = 0x55

#: multicodec codes a CID may carry (name, code).
CODECS: dict[int, str] = {
    0x55: "raw",
    0x70: "dag-pb",
    0x71: "dag-cbor",
    0x72: "libp2p-key",
    0x78: "git-raw",
    0x0129: "dag-json",
    0x0200: "json",
    0x51: "cbor",
    0x0202: "car",
}
CODECS_BY_NAME = {name: code for code, name in CODECS.items()}


class InvalidCIDError(IpfsAccelError, ValueError):
    """A CID string or byte string is malformed; the message says which and why."""


class CID(FrozenValue):
    """A CID: version, content codec and the full multihash (code + length + digest)."""

    __slots__ = ("version", "codec", "multihash")
    version: int
    codec: int
    multihash: bytes

    def __init__(self, version: int, codec: int, multihash: bytes) -> None:
        if version not in (0, 1):
            raise InvalidCIDError(f"unsupported CID version {version}: only 0 and 1 exist")
        if version == 0 and (codec != DAG_PB or len(multihash) != 34
                             or multihash[:2] != b"\x12\x20"):
            raise InvalidCIDError("a CIDv0 must be dag-pb with a 32-byte sha2-256 multihash")
        set_field(self, "version", version)
        set_field(self, "codec", codec)
        set_field(self, "multihash", multihash)

    @classmethod
    def decode(cls, text: str) -> CID:
        """Parse a CID string: CIDv0 (base58btc ``Qm...``) or multibase CIDv1."""
        if not isinstance(text, str):
            raise InvalidCIDError(f"a CID string is expected, got {type(text).__name__}")
        if len(text) == 46 and text.startswith("Qm"):
            try:
                raw = multibase.b58decode(text)
            except multibase.MultibaseError as exc:
                raise InvalidCIDError(f"invalid CIDv0 {text!r}: {exc}")
            return cls._from_bytes(raw, text)
        if not text:
            raise InvalidCIDError("invalid CID '': the string is empty")
        if text.startswith("Qm"):
            raise InvalidCIDError(f"invalid CIDv0 {text!r}: a CIDv0 is 46 base58btc characters, "
                                  f"got {len(text)}")
        try:
            _, raw = multibase.decode(text)
        except multibase.MultibaseError as exc:
            raise InvalidCIDError(f"invalid CID {text!r}: {exc}")
        cid = cls._from_bytes(raw, text)
        if cid.version == 0:
            raise InvalidCIDError(f"invalid CID {text!r}: a CIDv0 must be written in plain "
                                  "base58btc (Qm...), without a multibase prefix")
        return cid

    @classmethod
    def from_bytes(cls, raw: bytes) -> CID:
        """Parse the binary form of a CID (all of ``raw``)."""
        return cls._from_bytes(bytes(raw), None)

    @classmethod
    def read(cls, buf: bytes | memoryview, offset: int = 0) -> tuple[CID, int]:
        """Parse a CID at ``offset`` of a longer buffer; return ``(cid, offset after it)``."""
        what = f"CID at byte {offset}"
        if len(buf) - offset >= 2 and buf[offset] == 0x12 and buf[offset + 1] == 0x20:
            end = offset + 34
            if end > len(buf):
                raise InvalidCIDError(f"invalid {what}: truncated CIDv0 multihash")
            return cls(0, DAG_PB, bytes(buf[offset:end])), end
        try:
            version, pos = decode_uvarint(buf, offset)
            codec, pos = decode_uvarint(buf, pos)
        except VarintError as exc:
            raise InvalidCIDError(f"invalid {what}: {exc}")
        if version != 1:
            raise InvalidCIDError(f"invalid {what}: unsupported CID version {version}")
        if codec not in CODECS:
            raise InvalidCIDError(f"invalid {what}: unknown codec 0x{codec:x}")
        try:
            _, _, end = multihash.decode(buf, pos)
        except multihash.MultihashError as exc:
            raise InvalidCIDError(f"invalid {what}: {exc}")
        return cls(1, codec, bytes(buf[pos:end])), end

    @classmethod
    def _from_bytes(cls, raw: bytes, text: str | None) -> CID:
        what = f"CID {text!r}" if text is not None else "CID bytes"
        if not raw:
            raise InvalidCIDError(f"invalid {what}: no bytes")
        if raw[0] == 0x12:
            if len(raw) != 34 or raw[1] != 0x20:
                raise InvalidCIDError(f"invalid {what}: bad multihash length: a CIDv0 is a "
                                      f"34-byte sha2-256 multihash, got {len(raw)} bytes")
            return cls(0, DAG_PB, raw)
        try:
            cid, end = cls.read(raw)
        except InvalidCIDError as exc:
            raise InvalidCIDError(str(exc).replace("CID at byte 0", what, 1))
        if end != len(raw):
            raise InvalidCIDError(f"invalid {what}: {len(raw) - end} trailing bytes after the "
                                  "multihash")
        return cid

    def to_bytes(self) -> bytes:
        """The binary form: the bare multihash for v0, version + codec + multihash for v1."""
        if self.version == 0:
            return self.multihash
        return encode_uvarint(1) + encode_uvarint(self.codec) + self.multihash

    def encode(self, base: str | None = None) -> str:
        """The string form: v0 in base58btc, v1 in ``base`` (default base32)."""
        if self.version == 0:
            if base not in (None, "base58btc", "z"):
                raise InvalidCIDError(f"a CIDv0 can only be written in base58btc, not {base!r}: "
                                      "convert it with to_v1() first")
            return multibase.b58encode(self.multihash)
        try:
            return multibase.encode(self.to_bytes(), base or "base32")
        except multibase.MultibaseError as exc:
            raise InvalidCIDError(str(exc))

    def to_v1(self) -> CID:
        """The same content as a CIDv1."""
        return self if self.version == 1 else CID(1, self.codec, self.multihash)

    def to_v0(self) -> CID:
        """The CIDv0 form; only dag-pb + sha2-256 CIDs have one."""
        if self.version == 0:
            return self
        if self.codec != DAG_PB or self.multihash[:2] != b"\x12\x20":
            raise InvalidCIDError(f"{self} has no CIDv0 form: only dag-pb sha2-256 CIDs do")
        return CID(0, DAG_PB, self.multihash)

    @property
    def hash_code(self) -> int:
        """The multihash function code (0x12 for sha2-256, 0 for identity)."""
        return multihash.decode(self.multihash)[0]

    @property
    def digest(self) -> bytes:
        """The bare digest of the multihash."""
        return multihash.decode(self.multihash)[1]

    @property
    def is_identity(self) -> bool:
        """Whether the content is inlined in the CID (identity multihash)."""
        return self.multihash[0] == 0

    @property
    def codec_name(self) -> str:
        return CODECS.get(self.codec, f"0x{self.codec:x}")

    def byte_len(self) -> int:
        """Length of the binary form (34 for v0, 36 for a sha2-256 v1)."""
        return len(self.to_bytes())

    def __str__(self) -> str:
        return self.encode()

    def __repr__(self) -> str:
        return f"CID({self.encode()!r})"


def cid_for_block(data: bytes | memoryview, codec: int, version: int,
                  hash_fn: str = "sha2-256") -> CID:
    """The CID of a block. ``hash_fn="identity"`` inlines the data (always a CIDv1)."""
    mh = multihash.digest(data, hash_fn)
    if version == 0 and (codec != DAG_PB or hash_fn != "sha2-256"):
        version = 1
    return CID(version, codec, mh)


def verify_block(cid: CID, data: bytes | memoryview) -> bool:
    """Whether ``data`` is the block that ``cid`` names."""
    return multihash.verify(cid.multihash, data)
