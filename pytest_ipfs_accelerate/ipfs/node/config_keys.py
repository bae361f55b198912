"""Kubo's config document, key by key: reading and setting one dotted key as ``ipfs config``
does, with Kubo's refusals and messages.

Kubo's config is a typed Go struct; we keep its JSON types: a value set must have the JSON
type of the one it replaces (a number an integer where the old one is; null goes
anywhere), a key whose value is null what its Go type decodes (:data:`NULL_FIELD_TYPES`),
and new keys go only into the sections that are Go maps. The RPC ``config`` command (``rpc.config_commands``) and a node's
``repo_config`` (keys set before it starts) both use these rules.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError

#: Sections that are Go maps in Kubo's config: any key may be added under them.
MAP_SECTIONS = frozenset({
    "API.HTTPHeaders", "Gateway.HTTPHeaders", "Gateway.PublicGateways", "DNS.Resolvers",
    "Plugins.Plugins", "Routing.Routers", "Routing.Methods", "Peering.Peers", "Datastore.Spec",
    "Pinning.RemoteServices"})
#: Struct fields Go omits while unset (``omitempty``), so the default document lacks them;
#: profiles set these (``config profile apply``), and a replacement may.
OPTIONAL_FIELDS = frozenset({
    "AutoConf.URL", "AutoNAT.ServiceMode", "Provide.Enabled", "Provide.DHT.Interval",
    "Routing.Type", "Swarm.ConnMgr.Type", "Swarm.ConnMgr.LowWater", "Swarm.ConnMgr.HighWater",
    "Swarm.ConnMgr.GracePeriod", "Swarm.RelayService.Enabled"})
_RETRY = " (maybe use --json?)"
#: Keys whose default is null: their Go types (from Kubo 0.43.1's ``config`` package), which
#: decide what ``ipfs config`` lets them hold. ``int64`` is ``OptionalInteger``, ``flag``
#: ``Flag``, ``string`` ``OptionalString``, ``bytes`` ``OptionalBytes``.
NULL_FIELD_TYPES = {
    **{f"Import.{k}": "int64" for k in (
        "CidVersion", "UnixFSFileMaxLinks", "UnixFSDirectoryMaxLinks",
        "UnixFSHAMTDirectoryMaxFanout", "BatchMaxNodes", "BatchMaxSize")},
    **{f"Import.{k}": "string" for k in (
        "UnixFSChunker", "HashFunction", "UnixFSHAMTDirectorySizeEstimation",
        "UnixFSDAGLayout", "UnixFSPBNodeFieldOrder")},
    **{f"Import.{k}": "flag" for k in (
        "UnixFSRawLeaves", "FastProvideRoot", "FastProvideDAG", "FastProvideWait")},
    "Import.UnixFSHAMTDirectorySizeThreshold": "bytes",
    "Datastore.BlockKeyCacheSize": "int64",
    **{f"Gateway.{k}": "flag" for k in (
        "AllowCodecConversion", "DeprecatedXIpfsPath", "DeserializedResponses",
        "DisableHTMLErrors", "ExposeRoutingAPI")},
    "Gateway.PublicGateways": "map[string]*config.GatewaySpec",
    **{f"Mounts.{k}": "flag" for k in ("FuseAllowOther", "StoreMode", "StoreMtime")},
    "Swarm.AddrFilters": "[]string",
    "Peering.Peers": "[]peer.AddrInfo",
    "Plugins.Plugins": "map[string]config.Plugin",
}
#: The Go struct type of each section, as Go's JSON errors name a field.
_STRUCTS = {"Swarm": "SwarmConfig"}
_INT64 = range(-(1 << 63), 1 << 63)


def guard(key: str) -> None:
    """Kubo's refusals, before anything is read or written."""
    lower = key.lower()
    if lower in ("identity", "identity.privkey"):
        raise IpfsNodeError("cannot show or change private key through API")
    if lower == "pinning" or lower.startswith("pinning.remoteservices"):
        raise IpfsNodeError("cannot show or change pinning services credentials")


def walk(doc: dict[str, Any], parts: list[str], verb: str) -> Any:
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


def json_kind(value: Any) -> str:
    """A value's JSON type name (``bool`` before ``number``: a bool is an int in Python)."""
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
    kind, want = json_kind(new), json_kind(old)
    shown = f"number {new}" if kind == "number" and isinstance(old, int) else kind
    if kind != want or (want == "number" and isinstance(old, int) and not isinstance(old, bool)
                        and isinstance(new, float) and not new.is_integer()):
        go_type = {"string": "string", "bool": "bool", "array": "[]string",
                   "object": "map"}.get(want, "int" if isinstance(old, int) else "float64")
        raise IpfsNodeError(f"failed to set config value: failure to decode config: json: "
                            f"cannot unmarshal {shown} into Go struct field {key} of type "
                            f"{go_type}{_RETRY}")


def _check_null_field(key: str, go_type: str, new: Any) -> None:
    """Refuse ``new`` where Kubo's decoder of a null-default field (``go_type``) would."""
    if new is None:
        return
    kind = json_kind(new)
    if go_type == "flag":
        if kind != "bool":
            raw = json.dumps(new, separators=(",", ":"))
            raise IpfsNodeError(f"failed to set config value: failure to decode config: "
                                f"failed to unmarshal {json.dumps(raw)} into a flag: must be "
                                f"null/undefined, true, or false{_RETRY}")
        return
    if go_type == "bytes":
        if kind == "string":
            from pytest_ipfs_accelerate.ipfs.node.import_config import parse_bytes

            try:
                parse_bytes(new)
            except ValueError as exc:
                raise IpfsNodeError(f"failed to set config value: failure to decode config: "
                                    f"{exc}{_RETRY}") from None
        elif kind != "number":
            go_kind = {"bool": "bool", "array": "[]interface {}"}.get(kind,
                                                                     "map[string]interface {}")
            raise IpfsNodeError(f"failed to set config value: failure to decode config: "
                                f"unable to parse byte size, expected a size string (e.g., "
                                f'"5GiB") or a number, but got {go_kind}{_RETRY}')
        return
    want = {"int64": "number", "string": "string"}.get(
        go_type, "array" if go_type.startswith("[]") else "object")
    fits = kind == want and (go_type != "int64" or (
        float(new).is_integer() and int(new) in _INT64))
    if fits and go_type == "[]string":
        bad = next((v for v in new if not isinstance(v, str)), None)
        if bad is not None:
            kind, go_type, fits = json_kind(bad), "string", False
    if not fits:
        shown = f"number {new}" if kind == "number" and go_type == "int64" else kind
        section = key.split(".")[0]
        raise IpfsNodeError(f"failed to set config value: failure to decode config: json: "
                            f"cannot unmarshal {shown} into Go struct field "
                            f"{_STRUCTS.get(section, section)}.{key} of type {go_type}{_RETRY}")


def set_key(doc: dict[str, Any], key: str, value: Any) -> None:
    """Set one dotted ``key`` of ``doc`` as ``ipfs config KEY VALUE`` does, or raise
    :class:`IpfsNodeError` with Kubo's message (see the module doc for the rules)."""
    parts = key.split(".")
    parent = walk(doc, parts[:-1], "set")
    if not isinstance(parent, dict):
        raise IpfsNodeError(f"failed to set config value: {'.'.join(parts[:-1])} key is not "
                            f"a map{_RETRY}")
    name = parts[-1]
    if key in NULL_FIELD_TYPES:  # by its Go type, whatever it holds now
        _check_null_field(key, NULL_FIELD_TYPES[key], value)
    elif name in parent:
        _check_type(key, parent[name], value)
    elif ".".join(parts[:-1]) not in MAP_SECTIONS and key not in OPTIONAL_FIELDS:
        raise IpfsNodeError(f"failed to set config value: {key} not found{_RETRY}")
    parent[name] = value
