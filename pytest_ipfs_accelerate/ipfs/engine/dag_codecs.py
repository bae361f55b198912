"""Block codecs of ``dag get``/``dag put``: dag-json in and out, stored as dag-cbor,
dag-json, dag-pb or raw; and the links of such blocks (for pins and gc).

Values are plain JSON with IPLD's conventions: a link is ``{"/": "<cid>"}`` and bytes are
``{"/": {"bytes": "<base64, no padding>"}}``. dag-cbor itself is in dagcbor.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.cid import CID, CODECS_BY_NAME, DAG_PB, RAW, InvalidCIDError
from pytest_ipfs_accelerate.ipfs.engine.dagcbor import MAX_DEPTH, decode_dag_cbor, encode_dag_cbor
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, decode_node, encode_node
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError, UnsupportedError

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


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse values nested deeper than ``limit`` (measured without recursion), so that
    the codecs' recursion is bounded by this limit, never by the input alone."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise BadRequestError(f"dag value nested deeper than {limit} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def to_ipld(value: Any) -> Any:
    """dag-json value -> Python IPLD data model (links as CID, bytes as bytes)."""
    check_depth(value)
    return _to_ipld(value)


def _to_ipld(value: Any) -> Any:
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
        return {str(k): _to_ipld(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_ipld(v) for v in value]
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


# -- dag-pb <-> data model ------------------------------------------------------------------

def _pb_to_ipld(data: bytes) -> dict[str, Any]:
    """The dag-pb schema's view, as Kubo prints it: every field, null where absent."""
    node = decode_node(data)
    return {"Data": node.data,
            "Links": [{"Hash": link.cid, "Name": link.name if link.named else None,
                       "Tsize": link.tsize if link.sized else None} for link in node.links]}


def _ipld_to_pb(value: Any) -> bytes:
    """The dag-pb schema's fields, each optional but, when given, of its kind (null is no
    value, as go-codec-dagpb holds): Data bytes, Links a list, a link's Hash a CID, Name a
    string, Tsize an integer from 0 to 2**63-1."""
    if not isinstance(value, dict) or set(value) - {"Data", "Links"}:
        raise BadRequestError("a dag-pb node must be {\"Data\": bytes, \"Links\": [...]}")
    given = value.get("Links", [])
    if not isinstance(given, list):
        raise BadRequestError("dag-pb Links must be a list of links")
    links = []
    for i, link in enumerate(given):
        if not isinstance(link, dict) or not isinstance(link.get("Hash"), CID) \
                or set(link) - {"Hash", "Name", "Tsize"}:
            raise BadRequestError(f"dag-pb link {i}: it needs \"Hash\": {{\"/\": \"<cid>\"}} "
                                  "and may have \"Name\" and \"Tsize\"")
        name, tsize = link.get("Name", ""), link.get("Tsize", 0)
        if not isinstance(name, str):
            raise BadRequestError(f"dag-pb link {i}: Name must be a string, not "
                                  f"{json.dumps(name)}")
        if type(tsize) is not int or not 0 <= tsize < 1 << 63:  # Go reads an int64
            raise BadRequestError(f"dag-pb link {i}: Tsize must be an integer from 0 to "
                                  f"2**63-1, not {json.dumps(tsize)}")
        links.append(PBLink(link["Hash"], name, tsize, "Name" in link, "Tsize" in link))
    if "Data" in value and not isinstance(value["Data"], bytes):
        raise BadRequestError("dag-pb Data must be bytes: {\"/\": {\"bytes\": \"...\"}}")
    data = value.get("Data")
    return encode_node(PBNode(links, data))


def decode_block(cid: CID, data: bytes) -> Any:
    """A block as IPLD data (links as :class:`CID`, bytes as bytes), by its codec."""
    if cid.codec == DAG_PB:
        return _pb_to_ipld(data)
    if cid.codec == RAW:
        return data
    if cid.codec == DAG_JSON:
        return to_ipld(json.loads(data))
    if cid.codec == DAG_CBOR:
        return decode_dag_cbor(data)
    raise UnsupportedError(f"codec {cid.codec_name} of {cid} is not supported")


def encode_value(value: Any, codec: str) -> bytes:
    """IPLD data encoded as ``dag get --output-codec`` does: dag-json, dag-cbor, json, cbor."""
    if codec in ("dag-json", "json"):
        return encode_dag_json(value)
    if codec in ("dag-cbor", "cbor"):
        return encode_dag_cbor(value)
    if codec == "raw" and isinstance(value, bytes):
        return value
    raise UnsupportedError(f'unknown multicodec: "{codec}"')


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
