"""Kubo 0.43.1's configuration profiles, as edits of the JSON config document (Kubo applies
them to its Go struct; what they change in its JSON was read off Kubo itself, each profile
applied to a fresh ``--profile test`` repo). ``config profile apply`` (rpc) and a node made
with ``profiles=`` (``ipfs init --profile``) use them.

A profile that would change the datastore's layout on disk is refused with Kubo's message
(:func:`check_layout`); the ``*-measure`` variants of the layout the node has only wrap it.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError

Doc = dict[str, Any]

#: Kubo's defaultServerFilters: private, local and reserved ranges (RFC 6890).
SERVER_FILTERS = (
    "/ip4/10.0.0.0/ipcidr/8", "/ip4/100.64.0.0/ipcidr/10", "/ip4/127.0.0.0/ipcidr/8",
    "/ip4/169.254.0.0/ipcidr/16", "/ip4/172.16.0.0/ipcidr/12", "/ip4/192.0.0.0/ipcidr/24",
    "/ip4/192.0.2.0/ipcidr/24", "/ip4/192.168.0.0/ipcidr/16", "/ip4/198.18.0.0/ipcidr/15",
    "/ip4/198.51.100.0/ipcidr/24", "/ip4/203.0.113.0/ipcidr/24", "/ip4/240.0.0.0/ipcidr/4",
    "/ip6/::/ipcidr/3", "/ip6/::1/ipcidr/128", "/ip6/100::/ipcidr/64", "/ip6/2001:2::/ipcidr/48",
    "/ip6/2001:db8::/ipcidr/32", "/ip6/fc00::/ipcidr/7", "/ip6/fe80::/ipcidr/10")
DEFAULT_SWARM = (
    "/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001", "/ip4/0.0.0.0/udp/4001/webrtc-direct",
    "/ip4/0.0.0.0/udp/4001/quic-v1", "/ip4/0.0.0.0/udp/4001/quic-v1/webtransport",
    "/ip6/::/udp/4001/webrtc-direct", "/ip6/::/udp/4001/quic-v1",
    "/ip6/::/udp/4001/quic-v1/webtransport")
AUTO = "auto"
AUTOCONF_URL = "https://conf.ipfs-mainnet.org/autoconf.json"
_FLATFS = {"path": "blocks", "shardFunc": "/repo/flatfs/shard/v1/next-to-last/2",
           "sync": False, "type": "flatfs"}
_LEVELDS = {"compression": "none", "path": "datastore", "type": "levelds"}
#: (Kubo's pebble spec also names pebble's format version: these specs only ever meet a
#: flatfs node, which refuses them by type and path, so it is left out.)
_PEBBLE = {"path": "pebbleds", "type": "pebbleds"}
_BADGER = {"path": "badgerds", "syncWrites": False, "truncate": True, "type": "badgerds"}


def _section(doc: Doc, path: str) -> Doc:
    """The object at a dotted ``path``, made (empty) where missing or null."""
    cur = doc
    for part in path.split("."):
        if not isinstance(cur.get(part), dict):
            cur[part] = {}
        cur = cur[part]
    return cur


def _set(doc: Doc, key: str, value: Any) -> None:
    parent, _, name = key.rpartition(".")
    (_section(doc, parent) if parent else doc)[name] = copy.deepcopy(value)


def _unset(doc: Doc, key: str) -> None:
    """A Go field tagged ``omitempty`` set back to its zero value: gone from the JSON."""
    parent, _, name = key.rpartition(".")
    (_section(doc, parent) if parent else doc).pop(name, None)


def _sets(**values: Any) -> Callable[[Doc], None]:
    """A profile that sets keys (``Import__CidVersion=0`` is ``Import.CidVersion``)."""
    def apply(doc: Doc) -> None:
        for key, value in values.items():
            _set(doc, key.replace("__", "."), value)
    return apply


def _merged(current: Any, extra: tuple[str, ...]) -> list[str]:
    """Kubo's appendSingle: the entries of both, each once, in order."""
    out: list[str] = []
    for item in [*(current or []), *extra]:
        if item not in out:
            out.append(item)
    return out


def _server(doc: Doc) -> None:
    addresses, swarm = _section(doc, "Addresses"), _section(doc, "Swarm")
    addresses["NoAnnounce"] = _merged(addresses.get("NoAnnounce"), SERVER_FILTERS)
    swarm["AddrFilters"] = _merged(swarm.get("AddrFilters"), SERVER_FILTERS)
    _set(doc, "Discovery.MDNS.Enabled", False)
    swarm["DisableNatPortMap"] = True


def _local_discovery(doc: Doc) -> None:
    addresses, swarm = _section(doc, "Addresses"), _section(doc, "Swarm")
    for section, key in ((addresses, "NoAnnounce"), (swarm, "AddrFilters")):
        section[key] = [a for a in section.get(key) or [] if a not in SERVER_FILTERS]
    _set(doc, "Discovery.MDNS.Enabled", True)
    swarm["DisableNatPortMap"] = False


def _default_networking(doc: Doc) -> None:
    doc["Addresses"] = {"API": "/ip4/127.0.0.1/tcp/5001", "Announce": [], "AppendAnnounce": [],
                        "Gateway": "/ip4/127.0.0.1/tcp/8080", "NoAnnounce": [],
                        "Swarm": list(DEFAULT_SWARM)}
    doc["Bootstrap"] = [AUTO]
    for key in ("AutoConf.Enabled", "AutoConf.URL", "AutoTLS.Enabled"):
        _unset(doc, key)
    _set(doc, "Swarm.DisableNatPortMap", False)
    _set(doc, "Discovery.MDNS.Enabled", True)


def _random_ports(doc: Doc) -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
        probe.bind(("::", 0))
        port = probe.getsockname()[1]
    _section(doc, "Addresses")["Swarm"] = [f"/ip4/0.0.0.0/tcp/{port}", f"/ip6/::/tcp/{port}"]


def _autoconf_on(doc: Doc) -> None:
    _sets(Bootstrap=[AUTO], DNS__Resolvers={".": AUTO}, Routing__DelegatedRouters=[AUTO],
          Ipns__DelegatedPublishers=[AUTO], AutoConf__Enabled=True)(doc)
    if _section(doc, "AutoConf").get("URL") is None:
        doc["AutoConf"]["URL"] = AUTOCONF_URL


def _unixfs(cid_version: int, raw_leaves: bool, chunker: str, file_links: int,
            estimation: str) -> Callable[[Doc], None]:
    """The IPIP-499 import profiles."""
    return _sets(Import__CidVersion=cid_version, Import__UnixFSRawLeaves=raw_leaves,
                 Import__UnixFSChunker=chunker, Import__HashFunction="sha2-256",
                 Import__UnixFSFileMaxLinks=file_links, Import__UnixFSDirectoryMaxLinks=0,
                 Import__UnixFSHAMTDirectoryMaxFanout=256,
                 Import__UnixFSHAMTDirectorySizeThreshold="256KiB",
                 Import__UnixFSHAMTDirectorySizeEstimation=estimation,
                 Import__UnixFSDAGLayout="balanced",
                 Import__UnixFSPBNodeFieldOrder="links-first")


def _measured(spec: Doc) -> Doc:
    """A datastore spec wrapped in Kubo's metrics datastore (``measure``)."""
    child = {k: v for k, v in spec.items() if k not in ("mountpoint", "prefix")}
    out = {"child": child, "prefix": spec["prefix"], "type": "measure"}
    return {**out, "mountpoint": spec["mountpoint"]} if "mountpoint" in spec else out


def _mounts(blocks: Doc, rest: Doc, rest_prefix: str) -> list[Doc]:
    return [{**blocks, "mountpoint": "/blocks", "prefix": "flatfs.datastore"},
            {**rest, "mountpoint": "/", "prefix": rest_prefix}]


def _datastore(mounts: list[Doc] | None, single: Doc | None = None, prefix: str = "",
               measure: bool = False) -> Callable[[Doc], None]:
    if mounts is not None:
        spec: Doc = {"mounts": [_measured(m) if measure else m for m in mounts], "type": "mount"}
    else:
        spec = {**(single or {}), "prefix": prefix}
        spec = _measured(spec) if measure else spec
    return _sets(Datastore__Spec=spec)


_FLATFS_LEVELDS = _mounts(_FLATFS, _LEVELDS, "leveldb.datastore")
_FLATFS_PEBBLE = _mounts(_FLATFS, _PEBBLE, "pebble.datastore")

#: Every profile of Kubo 0.43.1 by name: what it does to the config document.
PROFILES: dict[str, Callable[[Doc], None]] = {
    "server": _server,
    "local-discovery": _local_discovery,
    "test": _sets(Addresses__API="/ip4/127.0.0.1/tcp/0", Addresses__Gateway="/ip4/127.0.0.1/tcp/0",
                  Addresses__Swarm=["/ip4/127.0.0.1/tcp/0"], Swarm__DisableNatPortMap=True,
                  Routing__LoopbackAddressesOnLanDHT=True, Bootstrap=[],
                  Discovery__MDNS__Enabled=False, AutoTLS__Enabled=False,
                  AutoConf__Enabled=False, DNS__Resolvers={}, Routing__DelegatedRouters=[],
                  Ipns__DelegatedPublishers=[]),
    "default-networking": _default_networking,
    "default-datastore": _datastore(_FLATFS_LEVELDS),
    "flatfs-levelds": _datastore(_FLATFS_LEVELDS),
    "flatfs": _datastore(_FLATFS_LEVELDS),
    "flatfs-levelds-measure": _datastore(_FLATFS_LEVELDS, measure=True),
    "flatfs-measure": _datastore(_FLATFS_LEVELDS, measure=True),
    "flatfs-pebbleds": _datastore(_FLATFS_PEBBLE),
    "flatfs-pebbleds-measure": _datastore(_FLATFS_PEBBLE, measure=True),
    "pebbleds": _datastore(None, _PEBBLE, "pebble.datastore"),
    "pebbleds-measure": _datastore(None, _PEBBLE, "pebble.datastore", measure=True),
    "badgerds": _datastore(None, _BADGER, "badger.datastore"),
    "badgerds-measure": _datastore(None, _BADGER, "badger.datastore", measure=True),
    "lowpower": _sets(Routing__Type="autoclient", AutoNAT__ServiceMode="disabled",
                      Swarm__RelayService__Enabled=False, Swarm__ConnMgr__Type="basic",
                      Swarm__ConnMgr__LowWater=20, Swarm__ConnMgr__HighWater=40,
                      Swarm__ConnMgr__GracePeriod="1m0s"),
    "announce-off": _sets(Provide__Enabled=False, Provide__DHT__Interval="0s"),
    "announce-on": _sets(Provide__Enabled=True, Provide__DHT__Interval="22h0m0s"),
    "randomports": _random_ports,
    "unixfs-v0-2015": _unixfs(0, False, "size-262144", 174, "links"),
    "legacy-cid-v0": _unixfs(0, False, "size-262144", 174, "links"),
    "unixfs-v1-2025": _unixfs(1, True, "size-1048576", 1024, "block"),
    "autoconf-on": _autoconf_on,
    "autoconf-off": _sets(Bootstrap=None, DNS__Resolvers=None, Routing__DelegatedRouters=None,
                          Ipns__DelegatedPublishers=None, AutoConf__Enabled=False),
}


def _spec(doc: Doc) -> Any:
    datastore = doc.get("Datastore")
    return datastore.get("Spec") if isinstance(datastore, dict) else None


def disk_layout(spec: Any) -> Any:
    """What of a datastore spec is on disk (Kubo's DiskSpec): types, paths and the flatfs
    shard function; a ``measure`` wrapper is not. The simulated node's store, whose layout
    is fixed, counts as Kubo's default one (flatfs blocks, leveldb for the rest)."""
    if not isinstance(spec, dict):
        return spec
    if spec.get("type") == "simulated":
        return disk_layout({"mounts": _FLATFS_LEVELDS, "type": "mount"})
    if spec.get("type") == "measure":
        return disk_layout(spec.get("child"))
    if spec.get("type") == "mount":
        return sorted((m.get("mountpoint", ""), repr(disk_layout(m)))
                      for m in spec.get("mounts") or [] if isinstance(m, dict))
    return {k: spec.get(k) for k in ("type", "path", "shardFunc")}


def changes_layout(old: Doc, new: Doc) -> bool:
    """Whether ``new`` describes another datastore layout on disk than ``old``."""
    return disk_layout(_spec(new)) != disk_layout(_spec(old))


def transformed(name: str, doc: Doc) -> Doc:
    """A copy of ``doc`` with the profile ``name`` applied (Kubo's error if unknown)."""
    transform = PROFILES.get(name)
    if transform is None:
        raise IpfsNodeError(f"{name} is not a profile")
    new = copy.deepcopy(doc)
    transform(new)
    return new


def check_layout(name: str, old: Doc, new: Doc) -> None:
    """Kubo's refusal of a profile that changes the datastore's layout on disk."""
    if changes_layout(old, new):
        raise IpfsNodeError(
            f'profile "{name}" changes the datastore layout, which is fixed when the repo is '
            f"created. Create a new repo with 'ipfs init --profile={name}' and move your data "
            "there with 'ipfs dag export' and 'ipfs dag import', or with 'ipfs pin ls -t "
            "recursive' and 'ipfs pin add'")


def applied(name: str, doc: Doc) -> Doc:
    """A copy of ``doc`` with the profile ``name`` applied (Kubo's errors for an unknown
    name or a layout change)."""
    new = transformed(name, doc)
    check_layout(name, doc, new)
    return new
