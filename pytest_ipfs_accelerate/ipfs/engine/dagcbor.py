"""dag-cbor, the CBOR subset IPLD uses: CAR headers and ``dag put``/``dag get`` blocks.

Written canonically, as Kubo does: shortest heads, map keys sorted by length then bytes,
CIDs as tag 42 (a 0x00 byte, then the CID's binary form), floats as 64-bit. Read back:
definite lengths only, text map keys only, at most :data:`MAX_DEPTH` levels of nesting.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.cid import CID, InvalidCIDError
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError

MAX_DEPTH = 256
CID_TAG = 42
_SIMPLE = {20: False, 21: True, 22: None}


class DagCborError(BadRequestError, ValueError):
    """A value has no dag-cbor form, or bytes are not dag-cbor (RPC: 400)."""


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | extra]) + struct.pack(fmt, n)
    raise DagCborError(f"integer {n} is too large for dag-cbor")


def encode_dag_cbor(value: Any) -> bytes:
    """Canonical dag-cbor bytes of an IPLD value (CIDs as :class:`CID`, bytes as bytes)."""
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DagCborError("dag-cbor cannot store NaN or infinity")
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, (bytes, bytearray)):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, CID):
        raw = b"\x00" + value.to_bytes()
        return _head(6, CID_TAG) + _head(2, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(encode_dag_cbor(v) for v in value)
    if isinstance(value, dict):
        keys = sorted((k.encode("utf-8") for k in value), key=lambda k: (len(k), k))
        body = b"".join(_head(3, len(k)) + k + encode_dag_cbor(value[k.decode("utf-8")])
                        for k in keys)
        return _head(5, len(value)) + body
    raise DagCborError(f"cannot encode {type(value).__name__} as dag-cbor")


def decode_dag_cbor(data: bytes) -> Any:
    """The IPLD value of a whole dag-cbor block; :class:`DagCborError` says what is wrong."""
    value, pos = _decode(data, 0, 0)
    if pos != len(data):
        raise DagCborError(f"{len(data) - pos} trailing bytes after dag-cbor value")
    return value


def _decode(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    if depth > MAX_DEPTH:
        raise DagCborError("dag-cbor value nested too deeply")
    if pos >= len(data):
        raise DagCborError("truncated dag-cbor value")
    first = data[pos]
    major, info = first >> 5, first & 0x1F
    pos += 1
    if major == 7:
        if info in _SIMPLE:
            return _SIMPLE[info], pos
        if info == 27:
            if pos + 8 > len(data):
                raise DagCborError("truncated dag-cbor float")
            return struct.unpack(">d", data[pos:pos + 8])[0], pos + 8
        raise DagCborError(f"unsupported dag-cbor simple value {info}")
    if info < 24:
        n = info
    elif info <= 27:
        size = 1 << (info - 24)
        if pos + size > len(data):
            raise DagCborError("truncated dag-cbor length")
        n = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    else:
        raise DagCborError("indefinite lengths are not allowed in dag-cbor")
    if major == 0:
        return n, pos
    if major == 1:
        return -1 - n, pos
    if major in (2, 3):
        raw = data[pos:pos + n]
        if len(raw) != n:
            raise DagCborError("truncated dag-cbor string")
        if major == 2:
            return raw, pos + n
        try:
            return raw.decode("utf-8"), pos + n
        except UnicodeDecodeError:
            raise DagCborError("dag-cbor text is not UTF-8") from None
    if major in (4, 5) and n > len(data) - pos:  # every item takes at least one byte
        raise DagCborError(f"truncated dag-cbor {'array' if major == 4 else 'map'}")
    if major == 4:
        out = []
        for _ in range(n):
            item, pos = _decode(data, pos, depth + 1)
            out.append(item)
        return out, pos
    if major == 5:
        obj: dict[str, Any] = {}
        for _ in range(n):
            key, pos = _decode(data, pos, depth + 1)
            if not isinstance(key, str):
                raise DagCborError("dag-cbor map key is not a string")
            obj[key], pos = _decode(data, pos, depth + 1)
        return obj, pos
    if major == 6 and n == CID_TAG:
        raw, pos = _decode(data, pos, depth + 1)
        if not isinstance(raw, bytes) or not raw.startswith(b"\x00"):
            raise DagCborError("malformed CID (tag 42) in dag-cbor")
        try:
            return CID.from_bytes(raw[1:]), pos
        except InvalidCIDError as exc:
            raise DagCborError(f"bad CID (tag 42) in dag-cbor: {exc}") from None
    raise DagCborError(f"unsupported dag-cbor major type {major} (tag {n})")
