"""One HTTP exchange read byte for byte: status, headers, the decoded body and the chunked
trailers (``X-Stream-Error``), which http.client drops. Each request uses a connection of
its own (``Connection: close``), so nothing of one case leaks into the next."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field


@dataclass
class Answer:
    """What a daemon answered: headers by lower-case name, the body de-chunked."""

    status: int
    headers: dict[str, str]
    body: bytes
    trailers: dict[str, str] = field(default_factory=dict)
    complete: bool = True  # False: a chunked body cut before its last chunk


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.decode("latin-1").split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            name = key.strip().lower()
            out[name] = f"{out[name]}, {value.strip()}" if name in out else value.strip()
    return out


def _dechunk(raw: bytes) -> tuple[bytes, dict[str, str], bool]:
    body, pos = [], 0
    while True:
        end = raw.find(b"\r\n", pos)
        if end < 0:
            return b"".join(body), {}, False
        size = int(raw[pos:end].split(b";")[0] or b"0", 16)
        pos = end + 2
        if size == 0:
            tail = raw[pos:]
            block = tail[:tail.find(b"\r\n\r\n")] if b"\r\n\r\n" in tail else tail
            return b"".join(body), _headers(block), True
        if len(raw) < pos + size + 2:
            body.append(raw[pos:pos + size])
            return b"".join(body), {}, False
        body.append(raw[pos:pos + size])
        pos += size + 2


def exchange(host: str, port: int, method: str, target: str, body: bytes = b"",
             headers: dict[str, str] | None = None, timeout: float = 30.0) -> Answer:
    """Send one request and read the whole answer (until the server closes)."""
    head = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    sent = {k.lower() for k in (headers or {})}
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if "content-length" not in sent and "transfer-encoding" not in sent:
        head.append(f"Content-Length: {len(body)}")
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body)
        chunks = []
        while data := sock.recv(1 << 16):
            chunks.append(data)
    raw = b"".join(chunks)
    split = raw.find(b"\r\n\r\n")
    status_line, _, header_block = raw[:split].partition(b"\r\n")
    fields = _headers(header_block)
    rest = raw[split + 4:]
    if "chunked" in fields.get("transfer-encoding", "").lower():
        payload, trailers, complete = _dechunk(rest)
    else:
        length = int(fields.get("content-length", len(rest)))
        payload, trailers, complete = rest[:length], {}, len(rest) >= length
    return Answer(int(status_line.split()[1]), fields, payload, trailers, complete)
