"""File leaves hashed on every core: fixed-size chunks in batches, hashed by a thread pool
(hashlib releases the GIL), handed back in file order.

A regular file is mapped a window at a time (no copy: the pool's threads hash the page
cache directly); a file that ends within its first window is hashed on the calling thread,
so small files pay nothing for the pool. Any other stream (an RPC upload, bytes in memory,
a pipe) is read into a few reused buffers and hashed on the calling thread: there, reading
is the slower half, and handing batches to the pool cost more than it saved (RPC add of
64 MiB: 13 % slower with the pool, in-memory add no faster). Memory stays bounded either
way: at most :data:`IN_FLIGHT` windows or one buffer exist at once, whatever the size.
"""

from __future__ import annotations

import mmap
import os
import stat
import threading
from collections import deque
from collections.abc import Callable, Iterator
from queue import SimpleQueue

from pytest_ipfs_accelerate.handoff import Outcome
from pytest_ipfs_accelerate.ipfs.engine.chunker import read_full

TYPE_CHECKING = False  # typing costs ~3 ms of the CLI's start-up: annotations only
if TYPE_CHECKING:
    from typing import Any, BinaryIO, TypeVar

    T = TypeVar("T")
    HashBatch = Callable[[memoryview, int], list[T]]

#: Bytes per task when reading a stream (its buffers count against the process's memory).
BATCH_BYTES = 1 << 20
#: Bytes per task when mapping a file (page cache: nothing is copied).
WINDOW_BYTES = 8 << 20
#: Batches read or mapped ahead of the one being consumed.
IN_FLIGHT = 3


class _Workers:
    """Daemon threads running tasks from one queue: what this module needs of a thread
    pool (``concurrent.futures`` and its ``logging`` cost the CLI ~9 ms of start-up).
    Daemons, because idle workers must not hold up the interpreter's exit."""

    def __init__(self, count: int) -> None:
        self._queue: SimpleQueue[tuple[Outcome, Callable[..., Any], tuple[Any, ...]]] = \
            SimpleQueue()
        for n in range(count):
            threading.Thread(target=self._work, name=f"ipfs-leaves-{n}", daemon=True).start()

    def _work(self) -> None:
        while True:
            outcome, call, args = self._queue.get()
            outcome.give_call(call, *args)  # an error is raised on the consumer's thread

    def submit(self, call: Callable[..., Any], *args: Any) -> Outcome:
        outcome = Outcome()
        self._queue.put((outcome, call, args))
        return outcome


_pool: _Workers | None = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    global _pool
    _pool = None  # a forked child has none of its parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _executor() -> _Workers | None:
    """The shared workers (one set per process), or None on a single core."""
    global _pool
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    if workers < 2:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = _Workers(workers)
        return _pool


def hashed_leaves(stream: BinaryIO, chunk_size: int, hash_batch: HashBatch[T]) -> Iterator[T]:
    """``hash_batch(view, chunk_size)`` over the stream's fixed-size chunks, batched.

    ``hash_batch`` gets a view of whole chunks (the last one may be short) and returns one
    result per chunk; it runs on pool threads, so it must copy what it keeps of the view and
    touch no shared state. Results come back in file order. An empty stream yields nothing.
    """
    windows = _mapped_windows(stream, chunk_size)
    if windows is not None:
        yield from _run(windows, chunk_size, hash_batch, full=WINDOW_BYTES // chunk_size
                        * chunk_size)
        return
    per_batch = max(1, BATCH_BYTES // chunk_size)
    yield from _run(_read_batches(stream, per_batch * chunk_size), chunk_size, hash_batch,
                    full=None)


def _read_batches(stream: BinaryIO, size: int) -> Iterator[tuple[memoryview, Any]]:
    """(view, buffer) batches of a stream; a buffer is reused once its batch is done."""
    free: list[bytearray] = []
    while True:
        buf = free.pop() if free else bytearray(size)
        n = read_full(stream, buf)
        if n == 0:
            return
        yield memoryview(buf)[:n], (free, buf)
        if n < size:
            return


def _mapped_windows(stream: BinaryIO, chunk_size: int
                    ) -> Iterator[tuple[memoryview, Any]] | None:
    """(view, mapping) windows of a regular file at offset 0, or None to read it instead."""
    window = WINDOW_BYTES // chunk_size * chunk_size
    try:
        fd = stream.fileno()
        size = os.fstat(fd).st_size
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        at_start = stream.tell() == 0
    except (AttributeError, OSError, ValueError):
        return None
    if not regular or not at_start or window == 0 or window % mmap.ALLOCATIONGRANULARITY:
        return None

    def windows() -> Iterator[tuple[memoryview, Any]]:
        offset = 0
        while offset < size:
            length = min(window, size - offset)
            mapping = mmap.mmap(fd, length, offset=offset, access=mmap.ACCESS_READ)
            yield memoryview(mapping), mapping
            offset += length
        stream.seek(size)  # the stream reads as consumed, as after reading it

    return windows()


def _release(holder: Any, view: memoryview) -> None:
    view.release()
    if isinstance(holder, mmap.mmap):
        holder.close()
    else:
        free, buf = holder
        free.append(buf)


def _run(batches: Iterator[tuple[memoryview, Any]], chunk_size: int, hash_batch: HashBatch[T],
         full: int | None) -> Iterator[T]:
    """Hash the batches, on the pool when the first one is ``full`` (None: never)."""
    first = next(batches, None)
    if first is None:
        return
    pool = _executor() if len(first[0]) == full else None
    if pool is None:  # small (one batch) or one core: no thread hand-off
        batch: tuple[memoryview, Any] | None = first
        while batch is not None:
            results = hash_batch(batch[0], chunk_size)
            _release(batch[1], batch[0])
            yield from results
            batch = next(batches, None)
        return
    pending: deque[tuple[Outcome, memoryview, Any]] = deque()
    pending.append((pool.submit(hash_batch, first[0], chunk_size), *first))
    ended = False
    while pending:
        while not ended and len(pending) < IN_FLIGHT:
            batch = next(batches, None)
            if batch is None:
                ended = True
                break
            pending.append((pool.submit(hash_batch, batch[0], chunk_size), *batch))
        future, view, holder = pending.popleft()
        results = future.wait()
        _release(holder, view)
        yield from results
