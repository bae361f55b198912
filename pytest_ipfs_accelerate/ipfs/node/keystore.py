"""The node's keys (Ed25519, as ``ipfs key``) and the IPNS records it published with them.

``self`` is the node's identity key: its peer ID and its IPNS name come from it. Other keys
are made by :meth:`Keystore.generate`. With a repo, keys persist as raw seeds under
``<repo>/keystore/`` and records under ``<repo>/ipns/``, as Kubo keeps them in its repo.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from pytest_ipfs_accelerate.ipfs.engine import ed25519, ipns
from pytest_ipfs_accelerate.ipfs.node.errors import KeyError_

SELF = "self"


class Keystore:
    """Named Ed25519 keys and the latest IPNS record of each name."""

    def __init__(self, self_seed: bytes, repo: Path | None = None) -> None:
        self._dir = repo / "keystore" if repo is not None else None
        self._records_dir = repo / "ipns" if repo is not None else None
        self._lock = threading.Lock()
        self._seeds: dict[str, bytes] = {SELF: self_seed}
        self._records: dict[str, bytes] = {}
        if self._dir is not None and self._dir.is_dir():
            for path in sorted(self._dir.iterdir()):
                self._seeds[path.name] = path.read_bytes()
        if self._records_dir is not None and self._records_dir.is_dir():
            for path in self._records_dir.iterdir():
                self._records[path.name] = path.read_bytes()

    def names(self) -> list[str]:
        with self._lock:
            return list(self._seeds)

    def seed(self, name: str) -> bytes:
        with self._lock:
            seed = self._seeds.get(name)
        if seed is None:
            raise KeyError_(f"no key named {name} was found")
        return seed

    def ipns_name(self, name: str) -> str:
        return ipns.ipns_name(ed25519.public_key(self.seed(name)))

    def generate(self, name: str) -> str:
        """A new key called ``name``; returns its IPNS name."""
        if name == SELF:
            raise KeyError_(f"cannot create key with name '{name}'")
        with self._lock:
            if name in self._seeds:
                raise KeyError_(f"key with name '{name}' already exists")
            self._seeds[name] = os.urandom(32)
            self._save(name)
        return self.ipns_name(name)

    def rename(self, old: str, new: str, force: bool = False) -> tuple[str, bool]:
        """Rename a key; returns (its IPNS name, whether a key ``new`` was overwritten)."""
        if SELF in (old, new):
            raise KeyError_("cannot rename key with name 'self'")
        with self._lock:
            if old not in self._seeds:
                raise KeyError_(f"no key named {old} was found")
            overwrite = new in self._seeds
            if overwrite and not force:
                raise KeyError_("key by that name already exists, refusing to overwrite")
            self._seeds[new] = self._seeds.pop(old)
            self._save(new)
            self._drop(old)
        return self.ipns_name(new), overwrite

    def remove(self, name: str) -> str:
        if name == SELF:
            raise KeyError_("cannot remove key with name 'self'")
        ipns_name = self.ipns_name(name)
        with self._lock:
            del self._seeds[name]
            self._drop(name)
        return ipns_name

    def publish(self, key: str, value: str, lifetime_s: float, ttl_ns: int) -> str:
        """Sign and keep a record of ``value`` for ``key``; returns the IPNS name."""
        seed = self.seed(key)
        name = ipns.ipns_name(ed25519.public_key(seed))
        with self._lock:
            previous = self._records.get(name)
        sequence = ipns.read_record(previous, name).sequence + 1 if previous else 0
        self.store_record(name, ipns.make_record(seed, value, sequence, lifetime_s, ttl_ns))
        return name

    def store_record(self, name: str, record: bytes) -> None:
        """Keep ``record`` as the latest of ``name`` (its signature checked by the caller)."""
        with self._lock:
            self._records[name] = record
            if self._records_dir is not None:
                self._records_dir.mkdir(parents=True, exist_ok=True)
                (self._records_dir / name).write_bytes(record)

    def record(self, name: str) -> bytes | None:
        """The latest record of the IPNS name ``name`` (``k51...``), if this node has one."""
        with self._lock:
            return self._records.get(name)

    def resolve(self, path: str, recursive: bool = True) -> str:
        """The path ``/ipns/<name>[/rest]`` points to, from this node's verified records."""
        for _ in range(32):
            name, _, rest = path.removeprefix("/ipns/").partition("/")
            try:
                canonical = ipns.ipns_name(ipns.public_key_of_name(name))
            except ipns.IpnsError:
                raise ipns.IpnsError(f"could not resolve name {path!r}: not a key name "
                                     "(DNSLink needs the network)") from None
            record = self.record(canonical)
            if record is None:
                raise ipns.NoRecordError("could not resolve name")
            path = ipns.read_record(record, canonical).value + (f"/{rest}" if rest else "")
            if not (recursive and path.startswith("/ipns/")):
                return path
        raise ipns.IpnsError("could not resolve name: too many recursive lookups")

    def _save(self, name: str) -> None:
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
            (self._dir / name).write_bytes(self._seeds[name])

    def _drop(self, name: str) -> None:
        if self._dir is not None:
            (self._dir / name).unlink(missing_ok=True)
