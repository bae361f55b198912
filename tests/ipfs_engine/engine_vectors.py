"""Regenerable inputs of vectors.json: file content and directory trees from a seed.

Shared by tools/oracles/generate_vectors.py (which runs the oracles on them) and the
offline tests (which run the engine on them), so no test data is stored.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).with_name("vectors.json")


def content(seed: int, size: int, fill: str = "random") -> bytes:
    """Deterministic bytes: ``random.Random(seed).randbytes`` or zeros."""
    if fill == "zeros":
        return bytes(size)
    return random.Random(seed).randbytes(size)


def materialize(root: Path, tree: dict[str, Any], seed: int) -> None:
    """Create ``tree`` under ``root``: ``{relpath: size | None (dir) | {"symlink": target}}``."""
    for index, (rel, spec) in enumerate(sorted(tree.items())):
        path = root / rel
        if spec is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, dict):
            os.symlink(spec["symlink"], path)
        else:
            path.write_bytes(content(seed + index, int(spec)))


def hamt_tree(count: int, name_len: int, prefix: str = "") -> dict[str, Any]:
    """A flat directory of ``count`` small files with names of ``name_len`` characters."""
    tree: dict[str, Any] = {}
    for i in range(count):
        name = f"{prefix}{i:06d}-".ljust(name_len, "x")
        tree[f"d/{name}"] = i % 7
    return tree


def case_tree(case: dict[str, Any]) -> dict[str, Any]:
    """The tree of a vector case (``{"$hamt": [count, name_len]}`` is expanded)."""
    spec = case["tree"]
    if "$hamt" in spec:
        return hamt_tree(*spec["$hamt"])
    return spec


def load_vectors() -> dict[str, Any]:
    """The committed vectors."""
    return json.loads(VECTORS.read_text())
