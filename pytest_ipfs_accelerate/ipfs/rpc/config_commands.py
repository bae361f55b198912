"""``config`` (get and set one key), ``config/show``, ``config/replace`` and
``repo/version``, as Kubo answers.

The document is the node's (:attr:`SimulatedNode.config`: Kubo's defaults for the test
profile, with the node's identity). Keys are dotted paths, case-sensitive, read and set
by ``node.config_keys``' rules. ``Import.*`` set ``add``'s defaults
(``node.import_config``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.engine.kubo_release import REPO_VERSION, default_config
from pytest_ipfs_accelerate.ipfs.node.config_keys import (
    MAP_SECTIONS,
    OPTIONAL_FIELDS,
    guard,
    json_kind,
    set_key,
    walk,
)
from pytest_ipfs_accelerate.ipfs.rpc.commands import Arg, Opt, command
from pytest_ipfs_accelerate.ipfs.rpc.handlers import file_parts
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse

#: Fields whose Go type does not zero to its JSON kind's zero value (``Strings``, a
#: ``Flag`` that prints its default): what ``config replace`` leaves in them when the
#: document does not set them.
ZERO_VALUES = {"Addresses.API": None, "Addresses.Gateway": None,
               "Routing.LoopbackAddressesOnLanDHT": True}
@command("config", [Arg("key"), Arg("value", required=False)], [Opt("bool"), Opt("json")])
def config(req: RpcRequest) -> RpcResponse:
    """Get a key's value, or set it (a string; ``--json``: JSON; ``--bool``: a bool)."""
    key = req.arg(0, "key")
    guard(key)
    doc = req.node.config
    if len(req.args) < 2:
        return RpcResponse(json={"Key": key, "Value": walk(doc, key.split("."), "get")})
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
    set_key(doc, key, value)
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
    if shape is not None and json_kind(given) != json_kind(shape):
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
