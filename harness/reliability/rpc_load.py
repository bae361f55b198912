"""Load on the simulated Kubo RPC server: N concurrent clients x M mixed operations.

Each client (a thread with its own keep-alive HTTP connection, loopback only) draws
operations from a seeded mix: add (random bytes), cat (of any CID added so far,
checked byte for byte), block/stat, pin/ls, version. At the end every added CID
is cat'ed back and compared. Reports errors, lost or corrupted data and latency
percentiles per operation.

    python -m harness.reliability.rpc_load [--clients 8] [--ops 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field

MIX = (("add", 0.35), ("cat", 0.35), ("block_stat", 0.1), ("pin_ls", 0.1), ("version", 0.1))
BOUNDARY = "loadtestboundary"


@dataclass
class LoadResult:
    """Everything one load run saw."""

    clients: int
    ops_per_client: int
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    added: dict[str, bytes] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)

    @property
    def total_ops(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def percentile(self, q: float, op: str | None = None) -> float:
        values = sorted(self.latencies.get(op, []) if op else
                        [x for v in self.latencies.values() for x in v])
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(q * len(values)))]

    def summary(self) -> dict[str, object]:
        return {
            "clients": self.clients, "ops_per_client": self.ops_per_client,
            "total_ops": self.total_ops, "wall_s": round(self.wall_s, 3),
            "ops_per_s": round(self.total_ops / self.wall_s, 1) if self.wall_s else None,
            "errors": len(self.errors), "cids_added": len(self.added),
            "lost_or_corrupt": len(self.mismatches),
            "p50_ms": round(self.percentile(0.50) * 1000, 3),
            "p99_ms": round(self.percentile(0.99) * 1000, 3),
            "per_op": {op: {"n": len(v), "p50_ms": round(self.percentile(0.5, op) * 1000, 3),
                            "p99_ms": round(self.percentile(0.99, op) * 1000, 3),
                            "mean_ms": round(statistics.fmean(v) * 1000, 3)}
                       for op, v in sorted(self.latencies.items()) if v},
        }


class _Client:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=30)

    def post(self, path: str, body: bytes = b"", headers: dict[str, str] | None = None
             ) -> tuple[int, bytes]:
        try:
            self.conn.request("POST", path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            return resp.status, resp.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # reconnect once: a dropped keep-alive is not a server error
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.conn.request("POST", path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            return resp.status, resp.read()

    def add(self, data: bytes) -> str:
        body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
        body += data + f"\r\n--{BOUNDARY}--\r\n".encode()
        status, raw = self.post("/api/v0/add?pin=true", body, {
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        if status != 200:
            raise RuntimeError(f"add: HTTP {status}: {raw[:200]!r}")
        return str(json.loads(raw.splitlines()[-1])["Hash"])

    def cat(self, cid: str) -> bytes:
        status, raw = self.post(f"/api/v0/cat?arg={cid}")
        if status != 200:
            raise RuntimeError(f"cat {cid}: HTTP {status}: {raw[:200]!r}")
        return raw

    def simple(self, path: str) -> None:
        status, raw = self.post(path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}: {raw[:200]!r}")
        json.loads(raw.splitlines()[0]) if raw.strip() else None


def run_load(clients: int = 8, ops: int = 1000, *, seed: int = 7,
             max_blob: int = 64 * 1024) -> LoadResult:
    """Start a simulated node's RPC server on 127.0.0.1 and load it; returns the result."""
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
    from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

    result = LoadResult(clients, ops, latencies={op: [] for op, _ in MIX})
    lock = threading.Lock()
    names, weights = zip(*MIX, strict=True)
    with KuboRpcServer(SimulatedNode()) as server:
        server.start()

        def worker(index: int) -> None:
            rng = random.Random(seed * 1000 + index)
            client = _Client(server.host, server.port)
            mine: list[str] = []
            for _ in range(ops):
                op = rng.choices(names, weights)[0]
                if op == "cat" and not mine and not result.added:
                    op = "add"
                started = time.perf_counter()
                try:
                    if op == "add":
                        data = rng.randbytes(rng.randint(0, max_blob))
                        cid = client.add(data)
                        mine.append(cid)
                        with lock:
                            known = result.added.setdefault(cid, data)
                        if known != data:
                            raise RuntimeError(f"{cid} names two different contents")
                    elif op == "cat":
                        with lock:
                            cid = rng.choice(list(result.added)) if result.added else mine[-1]
                            want = result.added.get(cid)
                        got = client.cat(cid)
                        if want is not None and got != want:
                            raise RuntimeError(f"cat {cid}: {len(got)} bytes differ from the "
                                               f"{len(want)} added")
                    elif op == "block_stat":
                        with lock:
                            cid = rng.choice(list(result.added)) if result.added else None
                        client.simple(f"/api/v0/block/stat?arg={cid}" if cid
                                      else "/api/v0/version")
                    elif op == "pin_ls":
                        client.simple("/api/v0/pin/ls?type=recursive")
                    else:
                        client.simple("/api/v0/version")
                except Exception as exc:
                    with lock:
                        result.errors.append(f"client {index} {op}: {exc}")
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    result.latencies[op].append(elapsed)
            client.conn.close()

        threads = [threading.Thread(target=worker, args=(i,), name=f"load-{i}")
                   for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result.wall_s = time.perf_counter() - started
        checker = _Client(server.host, server.port)
        for cid, data in result.added.items():  # nothing lost: every CID reads back whole
            try:
                if checker.cat(cid) != data:
                    result.mismatches.append(cid)
            except Exception as exc:
                result.mismatches.append(f"{cid}: {exc}")
        checker.conn.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="also write the summary to this JSON file")
    args = parser.parse_args(argv)
    result = run_load(args.clients, args.ops, seed=args.seed)
    summary = result.summary()
    print(json.dumps(summary, indent=2))
    for line in result.errors[:10]:
        print("ERROR", line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2)
    return 1 if result.errors or result.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
