"""The CID benchmarks' file size and baseline: single-thread sha256 over the same file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

MIB = 1 << 20
SIZE_MIB = int(os.environ.get("IPFS_ACCEL_BENCH_MIB", "256"))


def sha256_file(path: Path) -> str:
    """One sha256 over the file on one thread, read in 256 KiB pieces."""
    h = hashlib.sha256()
    buf = bytearray(262144)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()
