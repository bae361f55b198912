"""Issue 15, items 13 and 14: the simulated node's Kubo RPC server and ``get`` extraction.

Each case starts what it attacks itself (a server in this process, or ``ipfs-accel ipfs
daemon`` as a process when its memory is measured) on 127.0.0.1 only, and stops it.
The tests in tests/reliability/test_ipfs_*.py run the same functions at smaller sizes.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BOUNDARY = "adversarialboundary"


def multipart(parts: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body of (file name, content type, data) parts."""
    body = b""
    for name, ctype, data in parts:
        body += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: {ctype}\r\n\r\n').encode() + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode(), f"multipart/form-data; boundary={BOUNDARY}"


def post(host: str, port: int, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@contextmanager
def served_node() -> Iterator[Any]:
    """A simulated node behind a Kubo RPC server on 127.0.0.1 (a random port)."""
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
    from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

    with KuboRpcServer(SimulatedNode()) as server:
        yield server


@contextmanager
def daemon_process() -> Iterator[tuple[subprocess.Popen[str], str, int]]:
    """``ipfs-accel ipfs daemon`` as a process: (process, host, port)."""
    proc = subprocess.Popen([sys.executable, "-m", "pytest_ipfs_accelerate.cli", "ipfs", "daemon",
                             "--api", "/ip4/127.0.0.1/tcp/0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        addr = ""
        for line in proc.stdout:
            if line.startswith("RPC API server listening on "):
                addr = line.split()[-1]
            if line.startswith("Daemon is ready"):
                break
        match = re.match(r"/ip4/([^/]+)/tcp/(\d+)", addr)
        assert match, f"daemon printed no address ({addr!r})"
        yield proc, match.group(1), int(match.group(2))
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory (``VmRSS``) or its peak (``VmHWM``), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no {field}")


# -- 13: cross-origin requests ---------------------------------------------------------------

#: (headers, whether Kubo refuses the request with 403)
ORIGIN_CASES: list[tuple[dict[str, str], bool]] = [
    ({}, False),
    ({"Origin": "http://attacker.example"}, True),
    ({"Origin": "null"}, True),
    ({"Origin": "http://localhost:1"}, True),
    ({"Referer": "http://attacker.example/page"}, True),
    ({"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}, True),
    ({"User-Agent": "Mozilla/5.0", "Origin": "SELF"}, False),
    ({"Referer": "SELF/webui"}, False),
    ({"User-Agent": "curl/8.0"}, False),
]


def origin_statuses(host: str, port: int, path: str = "/api/v0/version") -> list[int]:
    """The status of ``path`` for each of :data:`ORIGIN_CASES` (SELF: the API's origin)."""
    out = []
    for headers, _ in ORIGIN_CASES:
        own = f"http://{host}:{port}"
        sent = {k: v.replace("SELF", own) for k, v in headers.items()}
        out.append(post(host, port, path, headers=sent)[0])
    return out


def case_13_cross_origin_requests_get_403() -> str:
    with served_node() as server:
        node = server.node
        pinned = node.add_bytes(b"keep me pinned\n").cid
        statuses = origin_statuses(server.host, server.port)
        want = [403 if refused else 200 for _, refused in ORIGIN_CASES]
        assert statuses == want, f"statuses {statuses}, Kubo gives {want}"
        evil = {"Origin": "http://attacker.example"}
        body, ctype = multipart([("x", "application/octet-stream", b"planted")])
        for path, data, headers in [
                ("/api/v0/repo/gc", b"", evil),
                (f"/api/v0/pin/rm?arg={pinned}", b"", evil),
                ("/api/v0/add", body, {**evil, "Content-Type": ctype})]:
            status, answer = post(server.host, server.port, path, data, headers)
            assert status == 403 and answer == b"403 - Forbidden\n", (path, status, answer)
        assert node.pin_ls("recursive") == {pinned: "recursive"}
        assert node.repo_stat()["NumObjects"] == 1  # nothing added, nothing collected
    return f"{len(ORIGIN_CASES)} header sets as Kubo; gc, pin rm, add from a page: 403"


# -- 13: connection bursts ------------------------------------------------------------------


def burst(host: str, port: int, count: int, timeout: float = 30.0) -> tuple[int, list[str]]:
    """``count`` connections opened at once, each sending ``version``: (answered, errors)."""
    start = threading.Barrier(count)
    answered: list[bool] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            start.wait(timeout)
            with socket.create_connection((host, port), timeout=timeout) as sock:
                sock.sendall(b"POST /api/v0/version HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            ok = data.startswith(b"HTTP/1.1 200")
            with lock:
                answered.append(ok)
                if not ok:
                    errors.append(data[:80].decode(errors="replace"))
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 10)
    return sum(answered), errors


def case_13_bursts_of_simultaneous_connections_all_answered(bursts: int = 3,
                                                            size: int = 200) -> str:
    with served_node() as server:
        for i in range(bursts):
            answered, errors = burst(server.host, server.port, size)
            assert answered == size, f"burst {i}: {answered}/{size} answered; {errors[:3]}"
    return f"{bursts} bursts x {size} simultaneous connections: every one answered"


def add_cat_clients(host: str, port: int, clients: int, size: int) -> list[str]:
    """``clients`` threads each adding ``size`` random bytes and reading them back."""
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        data = os.urandom(size)
        try:
            body, ctype = multipart([(f"f{i}", "application/octet-stream", data)])
            status, raw = post(host, port, "/api/v0/add", body, {"Content-Type": ctype}, 120)
            assert status == 200, (status, raw[:200])
            cid = json.loads(raw.splitlines()[-1])["Hash"]
            status, back = post(host, port, f"/api/v0/cat?arg={cid}", timeout=120)
            assert status == 200 and back == data, f"cat {cid}: {status}, {len(back)} bytes"
        except Exception as exc:
            with lock:
                errors.append(f"client {i}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return errors


def case_13_hundred_clients_add_and_cat_without_resets(clients: int = 100,
                                                       size: int = 1 << 20) -> str:
    with served_node() as server:
        errors = add_cat_clients(server.host, server.port, clients, size)
    assert errors == [], f"{len(errors)} failures, e.g. {errors[:3]}"
    return f"{clients} clients x add+cat of {size >> 20} MiB: 0 errors, 0 resets"


# -- 13: memory -------------------------------------------------------------------------------


def big_block_puts(host: str, port: int, count: int, size: int) -> list[tuple[int, bytes]]:
    """``count`` concurrent ``block/put`` of ``size`` bytes each, streamed; their answers
    (status, body), or (0, error) where the server closed the connection mid-upload."""
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="b"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    piece = os.urandom(1 << 20)
    results: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(size >> 20):
            yield piece
        yield tail

    def one() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        try:
            conn.request("POST", "/api/v0/block/put", body=body(), encode_chunked=True,
                         headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
            resp = conn.getresponse()
            result = (resp.status, resp.read())
        except OSError as exc:  # closed by the server after its answer: allowed
            result = (0, str(exc).encode())
        finally:
            conn.close()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def check_block_put_memory(count: int, size: int, peak_limit_mib: int,
                           after_limit_mib: int) -> str:
    with daemon_process() as (proc, host, port):
        base = rss_kib(proc.pid)
        results = big_block_puts(host, port, count, size)
        peak, after = rss_kib(proc.pid, "VmHWM"), rss_kib(proc.pid)
        assert len(results) == count
        for status, answer in results:
            assert status in (0, 500), (status, answer[:200])
            if status == 500:
                assert b"produced block is over 2MiB" in answer
        assert post(host, port, "/api/v0/version")[0] == 200  # still serving
    grown, held = (peak - base) >> 10, (after - base) >> 10
    assert grown < peak_limit_mib, f"peak RSS grew {grown} MiB (limit {peak_limit_mib})"
    assert held < after_limit_mib, f"RSS stays {held} MiB above its start"
    return (f"{count} concurrent {size >> 20} MB block/puts: Kubo's 2 MiB error; peak RSS "
            f"+{grown} MiB, +{held} MiB after")


def case_13_concurrent_big_block_puts_keep_memory_bounded() -> str:
    return check_block_put_memory(6, 150 << 20, peak_limit_mib=200, after_limit_mib=100)


# -- 13: depth --------------------------------------------------------------------------------


def nested_upload(depth: int) -> list[tuple[str, str, bytes]]:
    parts = []
    path = "top"
    for i in range(depth):
        parts.append((path, "application/x-directory", b""))
        path += f"/d{i % 10}"
    parts.append((path, "application/octet-stream", b"at the bottom\n"))
    return parts


def case_13_thousand_nested_directories_get_an_answer() -> str:
    from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, DagBuilder, add_bytes

    depth = 1000
    names = [f"d{i % 10}" for i in range(depth)]  # the last one is the file
    with served_node() as server:
        body, ctype = multipart([(p.replace("/", "%2F"), t, d) for p, t, d in
                                 nested_upload(depth)])
        status, raw = post(server.host, server.port, "/api/v0/add", body,
                           {"Content-Type": ctype})
        assert status == 200, (status, raw[:300])
        root = json.loads(raw.splitlines()[-1])
        # The same chain built one directory at a time, bottom up: the CID to expect.
        builder = DagBuilder(AddOptions(), None)
        bottom = add_bytes(b"at the bottom\n", AddOptions(), None)
        cid, size = bottom.cid, bottom.size
        for name in reversed(names):
            cid, size = builder.directory([(name, cid, size)])
        assert (root["Name"], root["Hash"]) == ("top", str(cid)), root
        inner = "/".join(names)
        status, data = post(server.host, server.port, f"/api/v0/cat?arg={root['Hash']}/{inner}")
        assert (status, data) == (200, b"at the bottom\n")
        status, raw = post(server.host, server.port, "/api/v0/dag/put",
                           *_json_part("[" * 5000 + "]" * 5000))
        # Kubo answers errors while a command runs with 500 (rpc/server.py): what matters
        # is our own refusal, never a RecursionError.
        assert status == 500 and b"nested too deeply" in raw, (status, raw[:200])
    return f"{depth} nested directories: added (the expected CID) and read back; " \
           "5,000-deep dag-json: refused (500, 'nested too deeply')"


def _json_part(text: str) -> tuple[bytes, dict[str, str]]:
    body, ctype = multipart([("node", "application/json", text.encode())])
    return body, {"Content-Type": ctype}


# -- 14: extraction -------------------------------------------------------------------------


def malicious_dag(node: Any, outside: Path) -> str:
    """A directory whose entry ``x`` is first a symlink to ``outside`` and then a directory
    holding ``pwned.txt`` (dag-pb allows the duplicate name); returns its CID."""
    from pytest_ipfs_accelerate.ipfs.engine import unixfs
    from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB, cid_for_block
    from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node

    def put(block: bytes) -> Any:
        cid = cid_for_block(block, DAG_PB, 0)
        node.put_block(cid, block)
        return cid

    pwned = node.add_bytes(b"pwned\n", pin=False).cid

    inner = put(encode_node(PBNode([PBLink(CID.decode(pwned), "pwned.txt", 14)],
                                   unixfs.encode_data(unixfs.UnixFSData(unixfs.DIRECTORY)))))
    link = put(encode_node(PBNode([], unixfs.encode_data(unixfs.UnixFSData(
        unixfs.SYMLINK, data=os.fsencode(str(outside)))))))
    # encode_node sorts links by name; both are "x", the symlink first (stable sort).
    root = put(encode_node(PBNode([PBLink(link, "x", 10), PBLink(inner, "x", 70)],
                                  unixfs.encode_data(unixfs.UnixFSData(unixfs.DIRECTORY)))))
    return str(root)


def get_malicious(target_of: Callable[[Path], Path]) -> tuple[Exception | None, Path, Path]:
    """Serve :func:`malicious_dag` and ``get`` it with the Kubo RPC client."""
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend

    tmp = Path(tempfile.mkdtemp(prefix="adversarial-get-"))
    outside, target = tmp / "outside", tmp / "target"
    outside.mkdir()
    with served_node() as server:
        cid = malicious_dag(server.node, target_of(outside))
        try:
            KuboRpcBackend(server.multiaddr).get(cid, target)
            error = None
        except Exception as exc:
            error = exc
    return error, outside, target


def case_14_symlink_then_directory_never_escapes() -> str:
    from pytest_ipfs_accelerate.ipfs.engine.errors import UnsafePathError

    seen = []
    for label, target_of in [("absolute", lambda out: out),
                             ("relative", lambda out: Path("../../outside"))]:
        error, outside, _ = get_malicious(target_of)
        assert not (outside / "pwned.txt").exists(), f"{label}: pwned.txt written outside"
        assert isinstance(error, UnsafePathError), f"{label}: {error!r}"
        assert list(outside.iterdir()) == []
        seen.append(f"{label}: {str(error)[:60]}...")
    return "; ".join(seen)

