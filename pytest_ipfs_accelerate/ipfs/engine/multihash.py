"""Multihash: ``<varint hash code><varint digest length><digest>``.

:data:`HASHES` holds every hash function Kubo's ``add --hash`` and ``block put --mhtype``
accept (go-multihash's names, as Kubo's verifcid allows them): identity, sha1, sha2-256,
sha2-512, sha3 (= sha3-512), sha3-224/256/384/512, dbl-sha2-256, keccak-256/512, blake3,
shake-256, blake2b-160 to blake2b-512 (every 8 bits) and blake2s-256. Names are
case-insensitive. :func:`check_name` refuses the others with Kubo's own message.

keccak-* needs pycryptodome and blake3 the ``blake3`` package (imported when used).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine.varint import VarintError, decode_uvarint, encode_uvarint

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import Any


class MultihashError(IpfsAccelError, ValueError):
    """A multihash is malformed, or names a hash function this engine cannot compute."""


IDENTITY = 0x00
SHA2_256 = 0x12
#: boxo verifcid: the longest identity digest (inlined block) allowed.
MAX_IDENTITY_DIGEST = 128


class _Finished:
    """A hashlib object whose digest is finished another way (go-multihash's)."""

    def __init__(self, inner: Any, finish: Callable[[Any], bytes]) -> None:
        self._inner, self._finish = inner, finish

    def update(self, data: Any) -> None:
        self._inner.update(data)

    def digest(self) -> bytes:
        return self._finish(self._inner)


def _double_sha256() -> _Finished:
    """dbl-sha2-256: sha256 of the sha256 digest."""
    return _Finished(hashlib.sha256(), lambda h: hashlib.sha256(h.digest()).digest())


def _shake256() -> _Finished:
    """shake-256 with go-multihash's 64-byte output."""
    return _Finished(hashlib.shake_256(), lambda h: h.digest(64))


def _keccak(bits: int) -> Callable[[], Any]:
    def make() -> Any:
        try:
            from Crypto.Hash import keccak
        except ImportError:
            raise MultihashError(f"hash keccak-{bits} needs pycryptodome: pip install "
                                 "pycryptodome") from None
        return keccak.new(digest_bits=bits)
    return make


def _blake3() -> Any:
    try:
        import blake3
    except ImportError:
        raise MultihashError("hash blake3 needs the blake3 package: pip install blake3") from None
    return blake3.blake3()


def _blake2b(size: int) -> Callable[[], Any]:
    return lambda: hashlib.blake2b(digest_size=size)


#: name -> (multicodec code, digest length, hasher factory or None for identity)
HASHES: dict[str, tuple[int, int, Callable[[], Any] | None]] = {
    "identity": (0x00, 0, None),
    "sha1": (0x11, 20, hashlib.sha1),
    "sha2-256": (0x12, 32, hashlib.sha256),
    "sha2-512": (0x13, 64, hashlib.sha512),
    "sha3-512": (0x14, 64, hashlib.sha3_512),
    "sha3-384": (0x15, 48, hashlib.sha3_384),
    "sha3-256": (0x16, 32, hashlib.sha3_256),
    "sha3-224": (0x17, 28, hashlib.sha3_224),
    "shake-256": (0x19, 64, _shake256),
    "keccak-256": (0x1B, 32, _keccak(256)),
    "keccak-512": (0x1D, 64, _keccak(512)),
    "blake3": (0x1E, 32, _blake3),
    "dbl-sha2-256": (0x56, 32, _double_sha256),
    **{f"blake2b-{8 * n}": (0xB200 + n, n, _blake2b(n)) for n in range(20, 65)},
    "blake2s-256": (0xB260, 32, lambda: hashlib.blake2s(digest_size=32)),
}
NAMES_BY_CODE = {code: name for name, (code, _, _) in HASHES.items()}
#: go-multihash's other names: Kubo refuses these.
ALIASES = {"sha3": "sha3-512"}
_INSECURE = {"md5", "murmur3-x64-64", "shake-128", *(f"blake2b-{8 * n}" for n in range(1, 20))}
_UNREGISTERED = {"keccak-224": 0x1A, "keccak-384": 0x1C, "sha2-256-trunc254-padded": 0x1012,
                 "x11": 0x1100, "poseidon-bls12_381-a2-fc1": 0xB401,
                 **{f"blake2s-{8 * n}": 0xB240 + n for n in range(1, 32)}}


def check_name(name: str) -> str:
    """The canonical name of a hash function Kubo accepts; others raise Kubo's error."""
    lowered = name.lower()
    lowered = ALIASES.get(lowered, lowered)
    if lowered in HASHES:
        return lowered
    if lowered in _INSECURE:
        raise MultihashError("potentially insecure hash functions not allowed")
    if lowered in _UNREGISTERED:
        code = _UNREGISTERED[lowered]
        raise MultihashError(f"unknown multihash code {code} (0x{code:x}): no such hash "
                             "registered")
    raise MultihashError(f'unrecognized hash function: "{lowered}"')


def hash_code(name: str) -> int:
    """The multicodec code of a hash function name such as ``sha2-256``."""
    return HASHES[check_name(name)][0]


def hasher(name: str) -> Any:
    """A fresh incremental hasher for ``name`` (not for identity)."""
    factory = HASHES[check_name(name)][2]
    if factory is None:
        raise MultihashError("the identity hash has no incremental hasher")
    return factory()


def wrap(code: int, digest: bytes) -> bytes:
    """The multihash bytes for an already computed digest."""
    return encode_uvarint(code) + encode_uvarint(len(digest)) + digest


def identity(data: bytes | memoryview) -> bytes:
    """The identity multihash of ``data``; over 128 bytes is Kubo's error."""
    if len(data) > MAX_IDENTITY_DIGEST:
        raise MultihashError(f"digest too large: identity digest got {len(data)} bytes, "
                             f"maximum {MAX_IDENTITY_DIGEST}")
    return wrap(IDENTITY, bytes(data))


def digest(data: bytes | memoryview, name: str = "sha2-256") -> bytes:
    """The multihash of ``data`` with hash function ``name``."""
    code = hash_code(name)
    if code == IDENTITY:
        return identity(data)
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
    return bool(h.digest() == want)
