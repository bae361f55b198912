"""Kubo's ``Import`` config as ``add`` sees it, for the simulated node.

Kubo reads two kinds of ``Import.*`` keys. Most it reads at each ``add``: each is the
default of an ``add`` flag (``Import.CidVersion`` for ``--cid-version``...), and
``UnixFSHAMTDirectorySizeEstimation``, which has no flag. Two it reads once, when the
daemon starts: ``UnixFSHAMTDirectorySizeThreshold`` and ``UnixFSPBNodeFieldOrder``, so a
running daemon keeps the values its repo had then (``ipfs init --profile ...``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.engine.hamt import FIELD_ORDERS

#: Kubo's per-add ``Import`` keys, and the ``add`` flag whose default each one sets.
IMPORT_DEFAULTS = {
    "CidVersion": "cid-version", "UnixFSRawLeaves": "raw-leaves", "UnixFSChunker": "chunker",
    "HashFunction": "hash", "UnixFSFileMaxLinks": "max-file-links",
    "UnixFSDirectoryMaxLinks": "max-directory-links",
    "UnixFSHAMTDirectoryMaxFanout": "max-hamt-fanout", "UnixFSDAGLayout": "trickle"}
#: humanize.ParseBytes' units (Kubo's OptionalBytes), lower case.
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024, "m": 1000**2,
          "mb": 1000**2, "mi": 1024**2, "mib": 1024**2, "g": 1000**3, "gb": 1000**3,
          "gi": 1024**3, "gib": 1024**3}
_BYTES = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*")


def _imports(config: Any) -> Mapping[str, Any]:
    section = config.get("Import") if isinstance(config, Mapping) else None
    return section if isinstance(section, Mapping) else {}


def per_add(config: Any) -> dict[str, Any]:
    """The node options (by dest) that the config's per-add keys set, where they are set."""
    imports = _imports(config)
    out: dict[str, Any] = {}
    for key, flag in IMPORT_DEFAULTS.items():
        value = imports.get(key)
        if value is not None:
            out[flag.replace("-", "_")] = value == "trickle" if flag == "trickle" else value
    if imports.get("UnixFSHAMTDirectorySizeEstimation"):
        out["hamt_size_estimation"] = imports["UnixFSHAMTDirectorySizeEstimation"]
    return out


def parse_bytes(text: str) -> int:
    """A size as Kubo's config writes it ("256KiB", "1MB", "262144")."""
    match = _BYTES.fullmatch(str(text).lower())
    if match is None or match.group(2) not in _UNITS:
        raise ValueError(f"invalid size {text!r}: use a number with an optional unit such as "
                         "256KiB or 1MB")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def at_start(config: Any) -> dict[str, Any]:
    """The node options the start-time keys set (a node reads them once, when made)."""
    imports = _imports(config)
    out: dict[str, Any] = {}
    threshold = imports.get("UnixFSHAMTDirectorySizeThreshold")
    if threshold is not None:
        try:
            out["shard_threshold"] = parse_bytes(threshold)
        except ValueError as exc:
            raise IpfsNodeError(f"Import.UnixFSHAMTDirectorySizeThreshold: {exc}") from None
    order = imports.get("UnixFSPBNodeFieldOrder")
    if order is not None:
        if order not in FIELD_ORDERS:  # Kubo's daemon refuses to start with it
            raise IpfsNodeError(f'Import.UnixFSPBNodeFieldOrder must be "links-first" or '
                                f'"data-first", got {order!r}')
        out["pb_field_order"] = order
    return out


def with_config(options: Mapping[str, Any], config: Any,
                started: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with every option they leave out (or None) taken from the config, as
    Kubo's ``add`` fills what its flags leave out."""
    out = dict(options)
    for name, value in {**started, **per_add(config)}.items():
        if out.get(name) is None:
            out[name] = value
    return out
