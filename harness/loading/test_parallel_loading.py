"""Parallel loading: safetensors shards and IPFS blocks, serial vs threads vs processes.

Each round loads everything three ways, interleaved (serial, threads, processes), so
the speedups compare like with like. pytest-benchmark's samples are the serial loads
(what ``load_checkpoint_and_dispatch`` does today); the threaded and process loads are
timed in each round's setup. Pools are started once and warmed (their start-up is a
figure of its own); the process pool forks from a forkserver (spawn where there is
none) and sends the loaded data back.
Sizes: ``IPFS_ACCEL_BENCH_LOAD_MIB`` (128; quick 8) per workload,
``IPFS_ACCEL_BENCH_SHARDS`` (8; quick 4), ``IPFS_ACCEL_BENCH_WORKERS`` (min(4, CPUs), at
least 2), ``IPFS_ACCEL_BENCH_LOAD_ROUNDS`` (5; quick 2).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from harness.figures import Figure, record_figures
from harness.loading.loaders import (
    BLOCK_BYTES,
    MIB,
    load_blocks,
    load_shards,
    load_with,
    make_blocks,
    make_shards,
    warm_worker,
)
from harness.sizes import bench_size

pytest.importorskip("safetensors")
pytest.importorskip("torch")

LOAD_MIB = bench_size("load_mib", 128, 8)
SHARDS = bench_size("shards", 8, 4)
WORKERS = bench_size("workers", max(2, min(4, os.cpu_count() or 1)), 2)
ROUNDS = bench_size("load_rounds", 5, 2)


def _context() -> multiprocessing.context.BaseContext:
    """forkserver (torch imported once, in the server) where there is one, else spawn:
    never a plain fork of this multi-threaded process."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["safetensors.torch", "harness.loading.loaders"])
    return ctx


@pytest.fixture(scope="module")
def pools() -> Iterator[dict[str, Any]]:
    """Warm thread and process pools of WORKERS each, and the process pool's start time."""
    start = time.perf_counter()
    procs = ProcessPoolExecutor(WORKERS, mp_context=_context(), initializer=warm_worker)
    for f in [procs.submit(os.getpid) for _ in range(WORKERS)]:
        f.result()
    started = time.perf_counter() - start
    threads = ThreadPoolExecutor(WORKERS)
    try:
        yield {"serial": None, "threads": threads, "processes": procs,
               "process_pool_start_s": started}
    finally:
        threads.shutdown()
        procs.shutdown()


def _shards(tmp: Path) -> tuple[Callable[..., list[Any]], list[Any], tuple[Any, ...]]:
    return load_shards, make_shards(tmp, SHARDS, LOAD_MIB * MIB // SHARDS), ()


def _blocks(tmp: Path) -> tuple[Callable[..., list[Any]], list[Any], tuple[Any, ...]]:
    return load_blocks, make_blocks(tmp, LOAD_MIB * MIB // BLOCK_BYTES), (str(tmp),)


WORKLOADS = {"safetensors_shards": _shards, "ipfs_blocks": _blocks}


@pytest.mark.parametrize("workload", list(WORKLOADS))
def test_parallel_loading(benchmark: Any, workload: str, pools: dict[str, Any],
                          tmp_path: Path, request: pytest.FixtureRequest) -> None:
    fn, items, args = WORKLOADS[workload](tmp_path)
    wall: dict[str, list[float]] = {"serial": [], "threads": [], "processes": []}

    def timed(mode: str) -> list[Any]:
        executor: Executor | None = pools[mode]
        start = time.perf_counter()
        out = load_with(executor, fn, items, WORKERS, *args)
        wall[mode].append(time.perf_counter() - start)
        assert len(out) == len(items)
        return out

    def setup() -> None:
        timed("threads")
        timed("processes")

    benchmark.group = f"parallel loading: {workload}"
    benchmark.pedantic(timed, args=("serial",), setup=setup, rounds=ROUNDS, iterations=1,
                       warmup_rounds=1)
    med = {mode: statistics.median(samples[1:] or samples)  # the first round warms up
           for mode, samples in wall.items()}
    figures = [Figure("mib", LOAD_MIB, "MiB"), Figure("items", len(items), "count"),
               Figure("workers", WORKERS, "count"),
               Figure("cpu_count", os.cpu_count() or 0, "count"),
               Figure("process_pool_start_s", pools["process_pool_start_s"], "s")]
    figures += [Figure(f"wall_median_s_{m}", v, "s") for m, v in med.items()]
    figures += [Figure(f"mib_per_s_{m}", LOAD_MIB / v, "MiB/s", "higher")
                for m, v in med.items()]
    figures += [Figure(f"speedup_{m}_vs_serial", med["serial"] / med[m], "ratio", "higher")
                for m in ("threads", "processes")]
    benchmark.extra_info["samples_wall_s"] = wall
    record_figures(request, figures, benchmark)
