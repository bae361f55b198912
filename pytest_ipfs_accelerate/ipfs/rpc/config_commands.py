"""``config`` (get and set one key), ``config/show``, ``config/replace`` and
``repo/version``, as Kubo answers.

The document is the node's (:attr:`SimulatedNode.config`: Kubo's defaults for the test
profile, with the node's identity). Keys are dotted paths, case-sensitive. Kubo's config
is a typed Go struct; we keep its JSON types: a value set must have the JSON type of the
one it replaces (a number an integer where the old one is; null goes anywhere), a key
whose value is null takes anything, and new keys go only into the sections that are Go
maps. ``Import.*`` set ``add``'s defaults (``node.import_config``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.engine.kubo_release import REPO_VERSION, default_config
from pytest_ipfs_accelerate.ipfs.rpc.commands import Arg, Opt, command
from pytest_ipfs_accelerate.ipfs.rpc.handlers import file_parts
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse

#: Sections that are Go maps in Kubo's config: any key may be added under them.
MAP_SECTIONS = frozenset({
    "API.HTTPHeaders", "Gateway.HTTPHeaders", "Gateway.PublicGateways", "DNS.Resolvers",
    "Plugins.Plugins", "Routing.Routers", "Routing.Methods", "Peering.Peers", "Datastore.Spec",
    "Pinning.RemoteServices"})
#: Fields whose Go type does not zero to its JSON kind's zero value (``Strings``, a
#: ``Flag`` that prints its default): what ``config replace`` leaves in them when the
#: document does not set them.
ZERO_VALUES = {"Addresses.API": None, "Addresses.Gateway": None,
               "Routing.LoopbackAddressesOnLanDHT": True}
#: Struct fields Go omits while unset (``omitempty``), so the default document lacks them;
#: profiles set these (``config profile apply``), and a replacement may.
OPTIONAL_FIELDS = frozenset({
    "AutoConf.URL", "AutoNAT.ServiceMode", "Provide.Enabled", "Provide.DHT.Interval",
    "Routing.Type", "Swarm.ConnMgr.Type", "Swarm.ConnMgr.LowWater", "Swarm.ConnMgr.HighWater",
    "Swarm.ConnMgr.GracePeriod", "Swarm.RelayService.Enabled"})
_RETRY = " (maybe use --json?)"


def _guard(key: str) -> None:
    """Kubo's refusals, before anything is read or written."""
    lower = key.lower()
    if lower in ("identity", "identity.privkey"):
        raise IpfsNodeError("cannot show or change private key through API")
    if lower == "pinning" or lower.startswith("pinning.remoteservices"):
        raise IpfsNodeError("cannot show or change pinning services credentials")


def _walk(doc: dict[str, Any], parts: list[str], verb: str) -> Any:
    """The value at ``parts``, or Kubo's "<path> not found" / "key is not a map" (quoted
    when getting; when setting, with Kubo's hint appended)."""
    cur: Any = doc
    for i, part in enumerate(parts):
        detail = (f"{'.'.join(parts[:i])} key is not a map" if not isinstance(cur, dict) else
                  f"{'.'.join(parts[:i + 1])} not found" if part not in cur else None)
        if detail is not None:
            raise IpfsNodeError(f"failed to {verb} config value: "
                                + (f'"{detail}"' if verb == "get" else detail + _RETRY))
        cur = cur[part]
    return cur


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


def _check_type(key: str, old: Any, new: Any) -> None:
    """Refuse ``new`` where Go would fail to decode it into ``old``'s field (a JSON null
    decodes into any field)."""
    if old is None or new is None:
        return
    kind, want = _json_kind(new), _json_kind(old)
    shown = f"number {new}" if kind == "number" and isinstance(old, int) else kind
    if kind != want or (want == "number" and isinstance(old, int) and not isinstance(old, bool)
                        and isinstance(new, float) and not new.is_integer()):
        go_type = {"string": "string", "bool": "bool", "array": "[]string",
                   "object": "map"}.get(want, "int" if isinstance(old, int) else "float64")
        raise IpfsNodeError(f"failed to set config value: failure to decode config: json: "
                            f"cannot unmarshal {shown} into Go struct field {key} of type "
                            f"{go_type}{_RETRY}")


def _set(doc: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    parent = _walk(doc, parts[:-1], "set")
    if not isinstance(parent, dict):
        raise IpfsNodeError(f"failed to set config value: {'.'.join(parts[:-1])} key is not "
                            f"a map{_RETRY}")
    name = parts[-1]
    if name in parent:
        _check_type(key, parent[name], value)
    elif ".".join(parts[:-1]) not in MAP_SECTIONS and key not in OPTIONAL_FIELDS:
        raise IpfsNodeError(f"failed to set config value: {key} not found{_RETRY}")
    parent[name] = value


@command("config", [Arg("key"), Arg("value", required=False)], [Opt("bool"), Opt("json")])
def config(req: RpcRequest) -> RpcResponse:
    """Get a key's value, or set it (a string; ``--json``: JSON; ``--bool``: a bool)."""
    key = req.arg(0, "key")
    _guard(key)
    doc = req.node.config
    if len(req.args) < 2:
        return RpcResponse(json={"Key": key, "Value": _walk(doc, key.split("."), "get")})
    text = req.args[1]
    value: Any = text
    if req.flag("json"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise IpfsNodeError(f"failed to unmarshal json. {exc}") from None
    elif req.flag("bool"):
        value = text == "true"
    if key == "Identity.PeerID":
        raise IpfsNodeError("cannot set Identity.PeerID to a value that does not match the "
                            "node's private key; use 'ipfs key rotate' to change the node "
                            "identity")
    _set(doc, key, value)
    req.node.config_in_memory = None  # Kubo reads its struct back from the file
    return RpcResponse(json={"Key": key, "Value": value})


@command("config/show")
def config_show(req: RpcRequest) -> RpcResponse:
    """The node's configuration, without its private key (Kubo redacts Identity.PrivKey);
    a null ``Pinning.RemoteServices`` is left out, as Kubo's scrubbing of service keys
    leaves it out."""
    doc = req.node.config
    pinning = doc.get("Pinning")
    if isinstance(pinning, dict) and "RemoteServices" in pinning \
            and pinning["RemoteServices"] is None:
        doc = {**doc, "Pinning": {k: v for k, v in pinning.items() if k != "RemoteServices"}}
    return RpcResponse(json=doc)


class _Undecodable(Exception):
    """A replacement document that Go would not decode into Kubo's config struct."""


def _decoded(shape: Any, given: Any, path: str, present: bool) -> Any:
    """``given`` as Go decodes it into the field whose default value is ``shape``: struct
    fields that are missing get their zero value, unknown ones are dropped; a JSON type
    that does not fit raises :class:`_Undecodable`."""
    if isinstance(shape, dict) and path not in MAP_SECTIONS:  # a Go struct
        if present and given is not None and not isinstance(given, dict):
            raise _Undecodable(path)
        given = given if isinstance(given, dict) else {}
        out = {}
        for key, value in shape.items():
            where = f"{path}.{key}".lstrip(".")
            out[key] = _decoded(value, given.get(key), where, key in given)
        for key, value in given.items():
            where = f"{path}.{key}".lstrip(".")
            if key not in shape and where in OPTIONAL_FIELDS and value is not None:
                out[key] = value
        return out
    if not present or given is None:
        return _zero(shape, path)
    if shape is not None and _json_kind(given) != _json_kind(shape):
        raise _Undecodable(path)
    return given


def _zero(shape: Any, path: str) -> Any:
    """Go's zero value of the field whose default is ``shape`` (slices and maps: null)."""
    if path in ZERO_VALUES:
        return ZERO_VALUES[path]
    if isinstance(shape, bool):
        return False
    if isinstance(shape, int | float):
        return 0
    if isinstance(shape, str):
        return ""
    return None


@command("config/replace", [Arg("file", file=True)])
def config_replace(req: RpcRequest) -> RpcResponse:
    """Replace the whole document, decoded as Kubo decodes it (the node keeps its
    identity's private key: a document that sets one is refused)."""
    text = next(file_parts(req, 1 << 20))
    try:
        given = json.loads(text)
    except (ValueError, RecursionError):
        raise IpfsNodeError("failed to decode file as config") from None
    if isinstance(given, dict) and isinstance(given.get("Identity"), dict) \
            and given["Identity"].get("PrivKey"):
        raise IpfsNodeError("setting private key with API is not supported")
    try:
        decoded = _decoded(default_config(), given, "", True)
    except _Undecodable:
        raise IpfsNodeError("failed to decode file as config") from None
    store_document(req.node, decoded)
    return RpcResponse(ndjson=[])  # Kubo: 200, chunked output, no value


def store_document(node: Any, doc: dict[str, Any]) -> None:
    """Set a whole new document as Kubo's fsrepo.SetConfig does: its file gets the new one
    merged over the old (MapMergeDeep: what Go omits, an unset optional field, keeps its old
    value; maps merge key by key), its memory the new one as it is."""
    _merge_into(node.config, copy.deepcopy(doc))
    node.config_in_memory = copy.deepcopy(doc)


def _merge_into(left: dict[str, Any], right: dict[str, Any]) -> None:
    for key, value in right.items():
        if isinstance(value, dict) and isinstance(left.get(key), dict):
            _merge_into(left[key], value)
        else:
            left[key] = value


@command("repo/version", options=[Opt("quiet", aliases=("q",))])
def repo_version(req: RpcRequest) -> RpcResponse:
    """The fs-repo version of the Kubo release we reproduce."""
    return RpcResponse(json={"Version": REPO_VERSION})
