"""The big random file the CID benchmarks hash (see baseline.py for its size)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.ipfs_engine.baseline import MIB, SIZE_MIB


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``IPFS_ACCEL_BENCH_MIB`` (default 256) MiB of random bytes on local disk."""
    path = tmp_path_factory.mktemp("cid") / f"random-{SIZE_MIB}MiB.bin"
    with open(path, "wb") as f:
        for _ in range(SIZE_MIB):
            f.write(os.urandom(MIB))
    return path
