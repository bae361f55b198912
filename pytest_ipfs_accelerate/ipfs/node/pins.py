"""Pins with Kubo's semantics: recursive, direct, and indirect (reachable from a recursive pin).

Pins are kept by CID string as given (a CIDv0 stays v0, as in ``ipfs pin ls``). Indirect
pins are computed on demand by walking the DAG with the node's ``links_of`` callback.
When the node has a repo directory the pin set persists in ``<repo>/pins.json``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from pytest_ipfs_accelerate.ipfs.node.errors import PinError

PIN_TYPES = ("recursive", "direct", "indirect", "all")


class PinSet:
    """Recursive and direct pins; ``links_of(cid) -> [child cid str]`` walks the DAG."""

    def __init__(self, links_of: Callable[[str], Iterable[str]],
                 path: str | os.PathLike[str] | None = None) -> None:
        self._links_of = links_of
        self._path = Path(path) if path else None
        self._lock = threading.RLock()
        self.recursive: set[str] = set()
        self.direct: set[str] = set()
        if self._path and self._path.exists():
            data = json.loads(self._path.read_text())
            self.recursive = set(data.get("recursive", []))
            self.direct = set(data.get("direct", []))

    def _save(self) -> None:
        if self._path:
            tmp = self._path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"recursive": sorted(self.recursive),
                                       "direct": sorted(self.direct)}))
            os.replace(tmp, self._path)

    def add(self, cid: str, recursive: bool = True, stored: bool = False) -> None:
        """Pin ``cid``; a recursive pin first checks the whole DAG is present, unless the
        caller has just ``stored`` all of it (an add: reading it back would hash it twice)."""
        with self._lock:
            if recursive:
                if not stored:
                    for _ in self.walk([cid]):
                        pass
                self.direct.discard(cid)
                self.recursive.add(cid)
            else:
                if cid in self.recursive:
                    raise PinError(f"pin: {cid} already pinned recursively; "
                                   f"`pin rm` it first to pin it directly")
                self.direct.add(cid)
            self._save()

    def remove(self, cid: str, recursive: bool = True) -> None:
        """Unpin ``cid`` (Kubo: ``recursive=False`` refuses to remove a recursive pin)."""
        with self._lock:
            if cid in self.recursive:
                if not recursive:
                    raise PinError(f"{cid} is pinned recursively; use recursive=true to unpin")
                self.recursive.discard(cid)
            elif cid in self.direct:
                self.direct.discard(cid)
            else:
                raise PinError(f"{cid} is not pinned or pinned indirectly; nothing to unpin")
            self._save()

    def walk(self, roots: Iterable[str]) -> Iterable[str]:
        """Every CID reachable from ``roots`` (roots included), each once."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            cid = stack.pop()
            if cid in seen:
                continue
            seen.add(cid)
            yield cid
            stack.extend(self._links_of(cid))

    def indirect(self) -> set[str]:
        with self._lock:
            roots = list(self.recursive)
        out: set[str] = set()
        for root in roots:
            for cid in self.walk(self._links_of(root)):
                out.add(cid)
        return out - self.recursive - self.direct

    def listing(self, type_: str = "all") -> dict[str, str]:
        """``{cid: type}`` of the pins of ``type_`` (recursive, direct, indirect or all)."""
        if type_ not in PIN_TYPES:
            raise PinError(f"invalid pin type {type_!r}; use one of {', '.join(PIN_TYPES)}")
        out: dict[str, str] = {}
        with self._lock:
            if type_ in ("recursive", "all"):
                out.update(dict.fromkeys(self.recursive, "recursive"))
            if type_ in ("direct", "all"):
                out.update(dict.fromkeys(self.direct, "direct"))
        if type_ in ("indirect", "all"):
            out.update(dict.fromkeys(self.indirect(), "indirect"))
        return out

    def type_of(self, cid: str) -> str | None:
        """The pin type of ``cid``, or None when it is not pinned at all."""
        with self._lock:
            if cid in self.recursive:
                return "recursive"
            if cid in self.direct:
                return "direct"
        return "indirect" if cid in self.indirect() else None

    def indirect_root(self, cid: str) -> str | None:
        """A recursive pin that ``cid`` is reachable from (Kubo: "indirect through ROOT")."""
        with self._lock:
            roots = sorted(self.recursive)
        for root in roots:
            if any(child == cid for child in self.walk(self._links_of(root))):
                return root
        return None

    def roots(self) -> list[str]:
        with self._lock:
            return sorted(self.recursive | self.direct)
