"""A seeded corpus for comparing ``ipfs add`` with real Kubo: every boundary, small sizes.

Files sit at every chunk, fan-out and trickle-layer boundary for a small chunker and link
limit (``size-16``, ``--max-file-links=4``), and at the 174-link fan-out of ``size-1024``;
directories hold symlinks, empty directories, dotfiles, non-UTF-8 and control-character
names; two flat directories sit exactly at and one byte over the HAMT threshold.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

SMALL_CHUNK = 16
SMALL_LINKS = 4
#: boxo's estimate of a HAMT candidate: sum of (name bytes + child CID bytes).
HAMT_THRESHOLD = 262144
#: An empty file's CIDv0 is 34 bytes; CIDv1 (raw leaves) 36.
CIDV0_BYTES = 34


def trickle_boundaries(links: int, depth: int = 3) -> list[int]:
    """Leaf counts where boxo's trickle layout starts a new sub-tree or layer."""
    capacity = [0]  # capacity[d]: leaves in a full sub-tree of depth d
    for d in range(1, depth + 1):
        capacity.append(links + sum(4 * capacity[k] for k in range(1, d)))
    out, total = [links], links
    for d in range(1, depth):
        for _ in range(4):
            total += capacity[d]
            out.append(total)
    return out


def boundary_sizes(chunk: int, links: int) -> list[int]:
    """Byte sizes at, below and above every chunk, fan-out and trickle boundary."""
    leaves = {1, links, links + 1, links * links, links * links + 1, *trickle_boundaries(links)}
    sizes = {0, 1, chunk - 1, chunk, chunk + 1}
    for n in leaves:
        sizes |= {n * chunk - 1, n * chunk, n * chunk + 1}
    return sorted(s for s in sizes if s >= 0)


def _write(path: Path, rng: random.Random, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rng.randbytes(size))


def make_corpus(root: Path, seed: int) -> dict[str, Path]:
    """Build the corpus under ``root``; returns its parts by name."""
    rng = random.Random(seed)
    parts: dict[str, Path] = {}

    boundaries = root / "boundaries"
    for size in boundary_sizes(SMALL_CHUNK, SMALL_LINKS):
        _write(boundaries / f"s{size:05d}", rng, size)
    parts["boundaries"] = boundaries

    fanout = root / "fanout"  # the default 174 links per node, with size-1024 chunks
    for leaves in (1, 173, 174, 175):
        for delta in (-1, 0, 1):
            _write(fanout / f"l{leaves}{delta:+d}", rng, leaves * 1024 + delta)
    parts["fanout"] = fanout

    tree = root / "tree"
    for rel, size in [("a.txt", 5), ("B.txt", 300), ("sub/x.bin", 70_000), ("sub/deep/y", 17),
                      (".hidden", 3), ("sub/.dot/z", 4), ("Ω-unicode", 9), ("sp ace", 2),
                      ("tab\there", 1), ("new\nline", 1), ("back\\slash", 1), ("bell\x07", 1)]:
        _write(tree / rel, rng, size)
    (tree / "empty").mkdir()
    (tree / "sub" / "empty-too").mkdir()
    (tree / "only-hidden").mkdir()
    (tree / "only-hidden" / ".x").write_bytes(b"x")
    os.symlink("a.txt", tree / "link-to-a")
    os.symlink("../outside/nowhere", tree / "dangling")
    os.symlink("sub", tree / "link-to-sub")
    with open(os.path.join(os.fsencode(tree), b"\xff\xfe-not-utf8"), "wb") as fh:
        fh.write(b"latin")
    parts["tree"] = tree

    content = root / "content"  # content-defined chunkers need more than a few chunks
    _write(content / "small", rng, 5_000)
    _write(content / "medium", rng, 1_300_000)
    parts["content"] = content

    deref = root / "deref"
    _write(deref / "target" / "f", rng, 10)
    os.symlink("target", deref / "to-dir")
    os.symlink("target/f", deref / "to-file")
    parts["deref"] = deref

    ignore = root / "ignore"
    for name in ("keep.txt", "drop.log", "also.log", "notes.md", "build/out.o", "x.tmp"):
        _write(ignore / name, rng, 3)
    parts["ignore"] = ignore
    (root / "ignore-rules").write_text("*.log\n!also.log\n# comment\nbuild/\n")
    parts["ignore_rules"] = root / "ignore-rules"

    tiny = root / "tiny"
    for size in (0, 1, 20, 40):
        _write(tiny / f"t{size}", rng, size)
    parts["tiny"] = tiny

    for label, extra in (("hamt-at", 0), ("hamt-over", 1)):
        parts[label] = _hamt_dir(root / label, HAMT_THRESHOLD + extra)
    return parts


def _hamt_dir(path: Path, estimate: int) -> Path:
    """Empty files (CIDv0 children, 34 bytes) whose names bring the estimate to ``estimate``."""
    path.mkdir(parents=True)
    per_entry = 100
    count = estimate // (per_entry + CIDV0_BYTES)
    rest = estimate - count * (per_entry + CIDV0_BYTES)
    for i in range(count):
        extra = rest if i == 0 else 0
        name = f"{i:06d}-" + "n" * (per_entry - 7 + extra)
        (path / name).touch()
    return path
