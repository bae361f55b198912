"""Facts about items that come from their parents (markers, class), with the parents' part
cached.

``item.iter_markers()`` and ``item.cls`` walk the item's node chain (function, class,
module, package, session) for every item; thousands of items repeat that walk for the
same few parents. :class:`NodeFacts` walks each parent chain once.
"""

from __future__ import annotations

from typing import Any

import pytest


class NodeFacts:
    """An item's marker names and the class it was collected from, each parent chain
    walked once."""

    def __init__(self) -> None:
        self._parents: dict[Any, tuple[tuple[str, ...], str | None]] = {}

    def _parent(self, parent: Any) -> tuple[tuple[str, ...], str | None]:
        facts = self._parents.get(parent)
        if facts is None:
            nodes = list(reversed(parent.listchain())) if parent is not None else []
            names = tuple(dict.fromkeys(mark.name for node in nodes for mark in node.own_markers))
            cls = next((node.obj for node in nodes if isinstance(node, pytest.Class)), None)
            facts = self._parents[parent] = (names, cls.__qualname__ if cls is not None else None)
        return facts

    def markers(self, item: Any) -> tuple[str, ...]:
        """The item's marker names, nearest node first, each name once."""
        return self.of(item)[0]

    def of(self, item: Any) -> tuple[tuple[str, ...], str | None]:
        """``(markers(item), the qualified name of the item's class or None)``."""
        chain, cls = self._parent(item.parent)
        own = item.own_markers
        if not own:
            return chain, cls
        return tuple(dict.fromkeys([*(mark.name for mark in own), *chain])), cls
