"""A local cache of CID-fetched checkpoints (``[cache]`` in the config).

Entries are keyed by the CIDv1 text, so a hit is content-addressed; it is still
re-verified (re-imported and compared with its CID) before use, so a corrupted or
tampered cache entry is dropped and fetched again, never loaded. The cache is kept under
``max_size_mb`` by removing the least recently used entries.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def default_root() -> Path:
    """``$XDG_CACHE_HOME/pytest-ipfs-accelerate/checkpoints`` (``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-ipfs-accelerate" / "checkpoints"


@dataclass
class CheckpointCache:
    """Verified, size-bounded cache of fetched checkpoints."""

    root: Path
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Any, rootdir: Path | None = None) -> CheckpointCache | None:
        """The cache ``[cache]`` describes, or None when ``enabled = false``.

        A relative ``path`` is taken from ``rootdir`` (the pytest rootdir) or the cwd.
        """
        if not settings.get("cache.enabled"):
            return None
        path = settings.get("cache.path")
        if not path:
            root = default_root()
        else:
            root = Path(path).expanduser()
            if not root.is_absolute():
                root = (rootdir or Path.cwd()) / root
        return cls(root, int(settings.get("cache.max_size_mb")) * 2**20)

    def entry(self, cid_v1: str) -> Path:
        return self.root / cid_v1

    def lookup(self, cid_v1: str, verify: Callable[[Path], bool]) -> Path | None:
        """The cached copy of ``cid_v1`` if present and still valid, else None."""
        entry = self.entry(cid_v1)
        if not entry.exists():
            return None
        target = _payload(entry)
        if target is None or not verify(target):
            _remove(entry)  # corrupted or tampered: drop it, the caller fetches again
            return None
        now = time.time()
        os.utime(entry, (now, now))
        return target

    def store(self, cid_v1: str, fetched: Path) -> Path:
        """Copy a verified fetch into the cache; returns the cached path."""
        entry = self.entry(cid_v1)
        staging = self.root / f".{cid_v1}.{os.getpid()}.tmp"
        _remove(staging)
        staging.mkdir(parents=True)
        dest = staging / fetched.name
        if fetched.is_dir():
            shutil.copytree(fetched, dest)
        else:
            shutil.copy2(fetched, dest)
        _remove(entry)
        os.replace(staging, entry)  # atomic: readers never see half an entry
        self.evict()
        return entry / fetched.name

    def evict(self) -> list[str]:
        """Remove least recently used entries until the cache fits; the removed CIDs."""
        entries = [(p.stat().st_mtime, p) for p in self.root.iterdir()
                   if p.is_dir() and not p.name.startswith(".")] if self.root.exists() else []
        sizes = {p: _size(p) for _, p in entries}
        total = sum(sizes.values())
        removed = []
        for _, path in sorted(entries):
            if total <= self.max_bytes:
                break
            total -= sizes[path]
            _remove(path)
            removed.append(path.name)
        return removed

    def describe(self) -> Mapping[str, Any]:
        return {"root": str(self.root), "max_bytes": self.max_bytes}


def _payload(entry: Path) -> Path | None:
    items = [p for p in entry.iterdir()] if entry.is_dir() else []
    return items[0] if len(items) == 1 else None


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()
