"""The leaf hasher's worker threads: results in file order, errors on the consumer's
thread, bounded windows, a fresh set of workers after a fork."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.ipfs.engine import leaf_hashing
from pytest_ipfs_accelerate.ipfs.engine.leaf_hashing import WINDOW_BYTES, hashed_leaves

CHUNK = 256 * 1024


def digests(view: memoryview, chunk: int) -> list[tuple[str, bytes]]:
    return [(threading.current_thread().name, hashlib.sha256(view[i:i + chunk]).digest())
            for i in range(0, len(view), chunk)]


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(2 * WINDOW_BYTES + 3 * CHUNK + 17))  # 3 windows, short tail
    return path


def test_mapped_file_hashed_by_workers_in_file_order(big: Path) -> None:
    data = big.read_bytes()
    with open(big, "rb", buffering=0) as f:
        got = list(hashed_leaves(f, CHUNK, digests))  # type: ignore[arg-type]
        assert f.tell() == len(data)  # consumed, as after reading it
    want = [hashlib.sha256(data[i:i + CHUNK]).digest() for i in range(0, len(data), CHUNK)]
    assert [d for _, d in got] == want
    threads = {name for name, _ in got}
    if len(os.sched_getaffinity(0)) > 1:
        assert all(name.startswith("ipfs-leaves-") for name in threads)
        assert threading.main_thread().name not in threads


def test_worker_error_raised_on_consumer(big: Path) -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: no workers")  # the 2-core CI machine runs it

    def failing(view: memoryview, chunk: int) -> list[bytes]:
        raise ValueError(f"bad batch of {len(view)} bytes")

    with open(big, "rb", buffering=0) as f, pytest.raises(ValueError, match="bad batch"):
        list(hashed_leaves(f, CHUNK, failing))  # type: ignore[arg-type]
    with open(big, "rb", buffering=0) as f:  # the workers survive a failed task
        assert len(list(hashed_leaves(f, CHUNK, digests))) == 2 * WINDOW_BYTES // CHUNK + 4  # type: ignore[arg-type]


def test_small_file_stays_on_calling_thread(tmp_path: Path) -> None:
    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * (CHUNK + 1))
    with open(path, "rb", buffering=0) as f:
        got = list(hashed_leaves(f, CHUNK, digests))  # type: ignore[arg-type]
    assert {name for name, _ in got} == {threading.current_thread().name}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_child_starts_its_own_workers(big: Path) -> None:
    with open(big, "rb", buffering=0) as f:
        list(hashed_leaves(f, CHUNK, digests))  # type: ignore[arg-type]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's workers did not come along
        try:
            fresh = leaf_hashing._pool is None
            with open(big, "rb", buffering=0) as f:
                n = len(list(hashed_leaves(f, CHUNK, digests)))  # type: ignore[arg-type]
            os.write(write, f"{fresh} {n}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 100).decode() == f"True {2 * WINDOW_BYTES // CHUNK + 4}"
