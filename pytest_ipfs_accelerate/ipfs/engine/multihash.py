"""Multihash: ``<varint hash code><varint digest length><digest>``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine.varint import VarintError, decode_uvarint, encode_uvarint


class MultihashError(IpfsAccelError, ValueError):
    """A multihash is malformed, or names a hash function this engine cannot compute."""


IDENTITY = 0x00
SHA2_256 = 0x12

#: name -> (multicodec code, digest length, hashlib constructor or None for identity)
HASHES: dict[str, tuple[int, int, Callable[[], hashlib._Hash] | None]] = {
    "identity": (0x00, 0, None),
    "sha1": (0x11, 20, hashlib.sha1),
    "sha2-256": (0x12, 32, hashlib.sha256),
    "sha2-512": (0x13, 64, hashlib.sha512),
    "sha3-512": (0x14, 64, hashlib.sha3_512),
    "sha3-384": (0x15, 48, hashlib.sha3_384),
    "sha3-256": (0x16, 32, hashlib.sha3_256),
    "sha3-224": (0x17, 28, hashlib.sha3_224),
    "blake2b-256": (0xB220, 32, lambda: hashlib.blake2b(digest_size=32)),
    "blake2b-512": (0xB240, 64, lambda: hashlib.blake2b(digest_size=64)),
    "blake2s-256": (0xB260, 32, lambda: hashlib.blake2s(digest_size=32)),
}
NAMES_BY_CODE = {code: name for name, (code, _, _) in HASHES.items()}


def hash_code(name: str) -> int:
    """The multicodec code of a hash function name such as ``sha2-256``."""
    try:
        return HASHES[name][0]
    except KeyError:
        raise MultihashError(f"unknown hash function {name!r}: use one of {', '.join(HASHES)}")


def hasher(name: str) -> hashlib._Hash:
    """A fresh incremental hasher for ``name`` (not for identity)."""
    try:
        factory = HASHES[name][2]
    except KeyError:
        raise MultihashError(f"unknown hash function {name!r}: use one of {', '.join(HASHES)}")
    if factory is None:
        raise MultihashError("the identity hash has no incremental hasher")
    return factory()


def wrap(code: int, digest: bytes) -> bytes:
    """The multihash bytes for an already computed digest."""
    return encode_uvarint(code) + encode_uvarint(len(digest)) + digest


def digest(data: bytes | memoryview, name: str = "sha2-256") -> bytes:
    """The multihash of ``data`` with hash function ``name``."""
    code = hash_code(name)
    if code == IDENTITY:
        return wrap(code, bytes(data))
    h = hasher(name)
    h.update(data)
    return wrap(code, h.digest())


def decode(mh: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """Parse a multihash at ``offset``: return ``(code, digest, offset after it)``."""
    try:
        code, pos = decode_uvarint(mh, offset)
        length, pos = decode_uvarint(mh, pos)
    except VarintError as exc:
        raise MultihashError(f"bad multihash: {exc}")
    if pos + length > len(mh):
        raise MultihashError(f"bad multihash length: header says {length} digest bytes, "
                             f"{len(mh) - pos} present")
    name = NAMES_BY_CODE.get(code)
    if name is not None and name != "identity" and HASHES[name][1] != length:
        raise MultihashError(f"bad multihash length: {name} digests are {HASHES[name][1]} bytes, "
                             f"header says {length}")
    return code, bytes(mh[pos:pos + length]), pos + length


def verify(mh: bytes, data: bytes | memoryview) -> bool:
    """Whether ``data`` hashes to multihash ``mh``; raises MultihashError for an unknown hash."""
    code, want, _ = decode(mh)
    name = NAMES_BY_CODE.get(code)
    if name is None:
        raise MultihashError(f"cannot verify multihash code 0x{code:x}: unsupported hash function")
    if code == IDENTITY:
        return want == bytes(data)
    h = hasher(name)
    h.update(data)
    return h.digest() == want
