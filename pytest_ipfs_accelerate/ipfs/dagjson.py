"""``dag get``/``dag put`` codecs: dag-json (in and out), dag-cbor, dag-pb and raw.

Values are plain JSON with IPLD's conventions: a link is ``{"/": "<cid>"}`` and bytes are
``{"/": {"bytes": "<base64, no padding>"}}``. dag-cbor is written canonically (map keys
sorted by length then bytes, CIDs as tag 42, floats as 64-bit), as Kubo does.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

from pytest_ipfs_accelerate.ipfs.cid import CID, CODECS_BY_NAME, DAG_PB, RAW, InvalidCIDError
from pytest_ipfs_accelerate.ipfs.dagpb import PBLink, PBNode, decode_node, encode_node
from pytest_ipfs_accelerate.ipfs.node_errors import BadRequestError, UnsupportedError

DAG_CBOR = CODECS_BY_NAME["dag-cbor"]
DAG_JSON = CODECS_BY_NAME["dag-json"]
_STORE = {"dag-cbor": DAG_CBOR, "cbor": DAG_CBOR, "dag-json": DAG_JSON, "dag-pb": DAG_PB,
          "protobuf": DAG_PB, "raw": RAW}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except ValueError:
        raise BadRequestError(f"invalid base64 bytes {text[:40]!r} in dag-json") from None


def to_ipld(value: Any) -> Any:
    """dag-json value -> Python IPLD data model (links as CID, bytes as bytes)."""
    if isinstance(value, dict):
        if set(value) == {"/"}:
            inner = value["/"]
            if isinstance(inner, str):
                try:
                    return CID.decode(inner)
                except InvalidCIDError as exc:
                    raise BadRequestError(f"invalid link in dag-json: {exc}") from None
            if isinstance(inner, dict) and set(inner) == {"bytes"}:
                return _unb64(inner["bytes"])
        return {str(k): to_ipld(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_ipld(v) for v in value]
    return value


def to_dag_json(value: Any) -> Any:
    """Python IPLD data model -> dag-json value."""
    if isinstance(value, CID):
        return {"/": str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"/": {"bytes": _b64(bytes(value))}}
    if isinstance(value, dict):
        return {k: to_dag_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_dag_json(v) for v in value]
    return value


def encode_dag_json(value: Any) -> bytes:
    return json.dumps(to_dag_json(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode("utf-8")


# -- dag-cbor -----------------------------------------------------------------------------

def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | extra]) + struct.pack(fmt, n)
    raise BadRequestError(f"integer {n} is too large for dag-cbor")


def encode_dag_cbor(value: Any) -> bytes:
    """Canonical dag-cbor bytes of an IPLD value."""
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
            raise BadRequestError("dag-cbor cannot store NaN or infinity")
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, (bytes, bytearray)):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, CID):
        raw = b"\x00" + value.to_bytes()
        return b"\xd8\x2a" + _head(2, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(encode_dag_cbor(v) for v in value)
    if isinstance(value, dict):
        keys = sorted((k.encode("utf-8") for k in value), key=lambda k: (len(k), k))
        body = b"".join(_head(3, len(k)) + k + encode_dag_cbor(value[k.decode("utf-8")])
                        for k in keys)
        return _head(5, len(value)) + body
    raise BadRequestError(f"cannot encode {type(value).__name__} as dag-cbor")


def decode_dag_cbor(data: bytes) -> Any:
    value, pos = _decode(data, 0, 0)
    if pos != len(data):
        raise BadRequestError(f"{len(data) - pos} trailing bytes after dag-cbor value")
    return value


def _decode(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    if depth > 256:
        raise BadRequestError("dag-cbor value nested too deeply")
    if pos >= len(data):
        raise BadRequestError("truncated dag-cbor value")
    first = data[pos]
    major, info = first >> 5, first & 0x1F
    pos += 1
    if major == 7:
        simple = {20: False, 21: True, 22: None}
        if info in simple:
            return simple[info], pos
        if info == 27:
            return struct.unpack(">d", data[pos:pos + 8])[0], pos + 8
        raise BadRequestError(f"unsupported dag-cbor simple value {info}")
    if info < 24:
        n = info
    elif info <= 27:
        size = 1 << (info - 24)
        if pos + size > len(data):
            raise BadRequestError("truncated dag-cbor length")
        n = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    else:
        raise BadRequestError("indefinite lengths are not allowed in dag-cbor")
    if major == 0:
        return n, pos
    if major == 1:
        return -1 - n, pos
    if major in (2, 3):
        raw = data[pos:pos + n]
        if len(raw) != n:
            raise BadRequestError("truncated dag-cbor string")
        return (raw if major == 2 else raw.decode("utf-8")), pos + n
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
            obj[str(key)], pos = _decode(data, pos, depth + 1)
        return obj, pos
    if major == 6 and n == 42:
        raw, pos = _decode(data, pos, depth + 1)
        if not isinstance(raw, bytes) or not raw.startswith(b"\x00"):
            raise BadRequestError("malformed CID (tag 42) in dag-cbor")
        return CID.from_bytes(raw[1:]), pos
    raise BadRequestError(f"unsupported dag-cbor major type {major} (tag {n})")


# -- dag-pb <-> data model ------------------------------------------------------------------

def _pb_to_ipld(data: bytes) -> dict[str, Any]:
    node = decode_node(data)
    out: dict[str, Any] = {}
    if node.data is not None:
        out["Data"] = node.data
    out["Links"] = [{"Hash": link.cid, "Name": link.name, "Tsize": link.tsize}
                    for link in node.links]
    return out


def _ipld_to_pb(value: Any) -> bytes:
    if not isinstance(value, dict) or set(value) - {"Data", "Links"}:
        raise BadRequestError("a dag-pb node must be {\"Data\": bytes, \"Links\": [...]}")
    links = []
    for link in value.get("Links", []):
        if not isinstance(link, dict) or not isinstance(link.get("Hash"), CID):
            raise BadRequestError("each dag-pb link needs \"Hash\": {\"/\": \"<cid>\"}")
        links.append(PBLink(link["Hash"], str(link.get("Name", "")), int(link.get("Tsize", 0))))
    data = value.get("Data")
    if data is not None and not isinstance(data, bytes):
        raise BadRequestError("dag-pb Data must be bytes: {\"/\": {\"bytes\": \"...\"}}")
    return encode_node(PBNode(links, data))


def to_json_value(cid: CID, data: bytes) -> Any:
    """A stored block decoded by its codec and rendered as dag-json (``ipfs dag get``)."""
    if cid.codec == DAG_PB:
        return to_dag_json(_pb_to_ipld(data))
    if cid.codec == RAW:
        return to_dag_json(data)
    if cid.codec == DAG_JSON:
        return json.loads(data)
    if cid.codec == DAG_CBOR:
        return to_dag_json(decode_dag_cbor(data))
    raise UnsupportedError(f"dag get: codec {cid.codec_name} of {cid} is not supported")


def encode_for_store(value: Any, store_codec: str, input_codec: str = "dag-json"
                     ) -> tuple[bytes, int]:
    """Encode a dag-json value for ``dag put``: (block bytes, multicodec)."""
    if input_codec not in ("dag-json", "json"):
        raise UnsupportedError(f"input-codec {input_codec!r} is not supported; use dag-json")
    code = _STORE.get(store_codec)
    if code is None:
        raise UnsupportedError(
            f"store-codec {store_codec!r} is not supported; use dag-cbor, dag-json, dag-pb or raw")
    ipld = to_ipld(value)
    if code == DAG_CBOR:
        return encode_dag_cbor(ipld), code
    if code == DAG_JSON:
        return encode_dag_json(ipld), code
    if code == DAG_PB:
        return _ipld_to_pb(ipld), code
    if not isinstance(ipld, bytes):
        raise BadRequestError("store-codec raw needs a bytes value: {\"/\": {\"bytes\": \"...\"}}")
    return ipld, code


def links_of(cid: CID, data: bytes) -> list[CID]:
    """Every CID a block links to (for pins and gc)."""
    if cid.codec == DAG_PB:
        return [link.cid for link in decode_node(data).links]
    if cid.codec in (DAG_CBOR, DAG_JSON):
        value = decode_dag_cbor(data) if cid.codec == DAG_CBOR else to_ipld(json.loads(data))
        found: list[CID] = []
        _collect(value, found)
        return found
    return []


def _collect(value: Any, found: list[CID]) -> None:
    if isinstance(value, CID):
        found.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, found)
    elif isinstance(value, list):
        for v in value:
            _collect(v, found)
