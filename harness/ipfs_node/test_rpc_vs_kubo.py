"""``add`` and ``cat`` through ipfshttpclient 0.7: our daemon against real Kubo, side by side.

Both run as the processes users start: ``ipfs-accel ipfs daemon --repo DIR`` (blocks on
disk, flatfs) and ``ipfs daemon --offline`` on a fresh ``--profile test`` repo (Kubo's
flatfs and leveldb). The client is the same ``ipfshttpclient.Client`` (``add_bytes``,
``cat``) in this process for both. Each round adds fresh random bytes (no deduplication
across rounds) to both daemons, in alternating order, then cats them back; the CIDs must
agree. Figures: each side's MiB/s (median over rounds), the median of the per-round
ratios ours / Kubo (paired, so load that hits one round hits both sides alike), and each
daemon's CPU seconds (user + system, from /proc) per round, the steadier figure on a
shared machine: it does not count waiting for a core, nor the client's own work.

Budget (DESIGN.md): ours at least as fast as Kubo (ratio >= 1). Sizes:
IPFS_ACCEL_BENCH_RPC_MIB (default 64; quick 16) and IPFS_ACCEL_BENCH_RPC_ROUNDS (default
7; quick 2). Skips where ``ipfs`` is not on PATH.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.figures import Figure, record_figures
from harness.sizes import bench_size
from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon

MIB = bench_size("rpc_mib", 64, 16)
ROUNDS = bench_size("rpc_rounds", 7, 2)
GOAL_RATIO = 1.0
_SCRIPT = Path(sys.executable).with_name("ipfs-accel")
OURS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "pytest_ipfs_accelerate.cli"]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client(multiaddr: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ipfshttpclient
        return ipfshttpclient.Client(f"{multiaddr}/http")


@pytest.fixture(scope="module")
def daemons(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """ipfshttpclient clients of our daemon and real Kubo, both as processes."""
    if shutil.which("ipfs") is None:
        pytest.skip("Kubo (ipfs) is not on PATH: bash .ci/setup-kubo.sh")
    pytest.importorskip("ipfshttpclient")
    repo = tmp_path_factory.mktemp("ours-repo")
    ours = subprocess.Popen([*OURS, "ipfs", "daemon", "--api", "/ip4/127.0.0.1/tcp/0",
                             "--repo", str(repo)], stdout=subprocess.PIPE, text=True)
    kubo = KuboDaemon(offline=True)
    try:
        addr = ""
        assert ours.stdout is not None
        for line in ours.stdout:
            if line.startswith("RPC API server listening on "):
                addr = line.split()[-1]
            if "Daemon is ready" in line:
                break
        assert addr, "ipfs-accel ipfs daemon printed no API address"
        kubo.start()
        assert kubo.api_addr is not None and kubo.proc is not None
        yield {"ours": (_client(addr), ours.pid), "kubo": (_client(kubo.api_addr), kubo.proc.pid)}
    finally:
        kubo.stop()
        ours.terminate()
        ours.wait(timeout=30)


def _timed(call: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = call(*args)
    return time.perf_counter() - start, out


@pytest.mark.parametrize("op", ["add", "cat"])
def test_rpc_throughput_vs_kubo(benchmark: Any, request: pytest.FixtureRequest,
                                daemons: dict[str, Any], op: str) -> None:
    size = MIB << 20
    seconds: dict[str, list[float]] = {"ours": [], "kubo": []}
    cpu: dict[str, list[float]] = {"ours": [], "kubo": []}
    for round_no in range(ROUNDS):
        data = random.Random(f"{op}-{round_no}").randbytes(size)
        order = ["ours", "kubo"] if round_no % 2 == 0 else ["kubo", "ours"]
        cids = {}
        for side in order:
            client, pid = daemons[side]
            if op == "cat":
                cids[side] = client.add_bytes(data)
            before = _cpu_seconds(pid)
            if op == "add":
                took, cids[side] = _timed(client.add_bytes, data)
            else:
                took, out = _timed(client.cat, cids[side])
                assert out == data, f"{side}: cat returned other bytes"
            cpu[side].append(_cpu_seconds(pid) - before)
            seconds[side].append(took)
        assert cids["ours"] == cids["kubo"], f"the CIDs differ: {cids}"
    mib_s = {side: statistics.median(MIB / t for t in times) for side, times in seconds.items()}
    ratio = statistics.median(k / o for o, k in zip(seconds["ours"], seconds["kubo"],
                                                      strict=True))
    cpu_s = {side: statistics.median(times) for side, times in cpu.items()}
    record_figures(request, [
        Figure(f"{op}_ours_mib_s", mib_s["ours"], "MiB/s", "higher"),
        Figure(f"{op}_kubo_mib_s", mib_s["kubo"], "MiB/s", "higher"),
        Figure(f"{op}_ratio_ours_vs_kubo", ratio, "x", "higher"),
        Figure(f"{op}_ours_daemon_cpu_s", cpu_s["ours"], "s"),
        Figure(f"{op}_kubo_daemon_cpu_s", cpu_s["kubo"], "s"),
    ], benchmark)
    benchmark.extra_info.update(mib=MIB, rounds=ROUNDS,
                                ours_rounds_s=[round(t, 4) for t in seconds["ours"]],
                                kubo_rounds_s=[round(t, 4) for t in seconds["kubo"]])
    client = daemons["ours"][0]
    data = random.Random(f"{op}-timed").randbytes(size)
    cid = client.add_bytes(data)
    call = client.add_bytes if op == "add" else client.cat
    benchmark.pedantic(call, args=(data if op == "add" else cid,), rounds=1)
    assert ratio >= GOAL_RATIO, (f"{op} through ipfshttpclient: ours {mib_s['ours']:.0f} MiB/s, "
                                 f"Kubo {mib_s['kubo']:.0f} MiB/s, ratio {ratio:.2f} "
                                 f"(goal {GOAL_RATIO})")
