"""A Kubo RPC client backend (stdlib HTTP): :class:`KuboRpcBackend`.

It talks to any Kubo RPC API: a real daemon (see kubo_daemon.py to spawn one) or the
simulated node's :class:`~pytest_ipfs_accelerate.ipfs.rpc.server.KuboRpcServer`.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import tarfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import safe_paths
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError, UnsafePathError
from pytest_ipfs_accelerate.ipfs.node.backend import Added
from pytest_ipfs_accelerate.ipfs.node.errors import KuboRpcError, KuboUnavailableError

#: A TCP multiaddr: groups are the protocol (ip4, ip6, dns...), the host and the port.
MULTIADDR_RE = re.compile(r"^/(ip4|ip6|dns|dns4|dns6)/([^/]+)/tcp/(\d+)(/http)?/?$")


def api_url(addr: str) -> str:
    """``/ip4/127.0.0.1/tcp/5001`` or ``http://host:port`` -> ``http://host:port``."""
    text = addr.strip()
    if text.startswith(("http://", "https://")):
        return text.rstrip("/")
    match = MULTIADDR_RE.match(text)
    if not match:
        raise BadRequestError(
            f"cannot parse IPFS API address {addr!r}: use a multiaddr like "
            f"/ip4/127.0.0.1/tcp/5001 or a URL like http://127.0.0.1:5001")
    proto, host, port = match.group(1), match.group(2), match.group(3)
    if proto == "ip6":
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _opt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Payload = bytes | Path  # a part's data: in memory, or a file streamed from disk


def _multipart(parts: list[tuple[str, str, Payload]]) -> tuple[bytes | Iterator[bytes], str]:
    """Encode (path, content-type, data) parts as Kubo expects: (body, content-type).

    With a :class:`Path` among the data the body is a generator (sent chunked), so files
    are streamed from disk rather than held in memory.
    """
    boundary = uuid.uuid4().hex

    def pieces() -> Iterator[bytes]:
        for path, ctype, data in parts:
            name = urllib.parse.quote(os.fsencode(path), safe="")
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                   f"filename=\"{name}\"\r\nContent-Type: {ctype}\r\n\r\n").encode()
            if isinstance(data, Path):
                with open(data, "rb") as fh:
                    while piece := fh.read(1 << 20):
                        yield piece
            else:
                yield data
            yield b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    ctype = f"multipart/form-data; boundary={boundary}"
    if any(isinstance(data, Path) for _, _, data in parts):
        return pieces(), ctype
    return b"".join(pieces()), ctype


class KuboRpcBackend:
    """An :class:`IpfsBackend` over a Kubo RPC API at ``addr`` (multiaddr or URL)."""

    backend_name = "kubo"
    is_simulated = False

    def __init__(self, addr: str, *, timeout: float = 60.0, backend_name: str = "kubo",
                 is_simulated: bool = False, daemon: Any = None) -> None:
        self.url = api_url(addr)
        parsed = urllib.parse.urlsplit(self.url)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or 5001
        self.api_addr = addr if addr.startswith("/") else f"/ip4/{self._host}/tcp/{self._port}"
        self.timeout = timeout
        self.backend_name = backend_name
        self.is_simulated = is_simulated
        #: A daemon this backend owns (a KuboDaemon): stopped by :meth:`close`.
        self.daemon = daemon

    def __repr__(self) -> str:
        return f"<KuboRpcBackend {self.backend_name} {self.url}>"

    _version: str | None = None
    _version_asked = False

    @property
    def backend_version(self) -> str | None:
        """The real daemon's version, a fact for the run's records: the spawned binary's, or
        the daemon's ``version`` answer (asked once, within 5 s). None for a simulated
        daemon behind this client, or when the daemon does not say."""
        if self.is_simulated:
            return None
        if not self._version_asked:
            self._version_asked = True
            self._version = getattr(self.daemon, "version", None) or None
            if self._version is None:
                timeout, self.timeout = self.timeout, min(self.timeout, 5.0)
                try:
                    self._version = str((self._one("version") or {}).get("Version") or "") or None
                except Exception:  # a fact for reports, never a failure
                    pass
                finally:
                    self.timeout = timeout
        return self._version

    # -- transport -------------------------------------------------------------------

    def _open(self, command: str, args: tuple[str, ...] | list[str] = (),
              opts: dict[str, Any] | None = None, body: bytes | Iterator[bytes] | None = None,
              content_type: str | None = None) -> http.client.HTTPResponse:
        query = [("arg", a) for a in args]
        query += [(k, _opt(v)) for k, v in (opts or {}).items() if v is not None]
        path = f"/api/v0/{command}"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        headers = {"Content-Type": content_type} if content_type else {}
        try:
            if body is not None and not isinstance(body, bytes):
                conn.request("POST", path, body=body, headers=headers, encode_chunked=True)
            else:
                conn.request("POST", path, body=body or b"", headers=headers)
            resp = conn.getresponse()
        except OSError as exc:
            conn.close()
            raise KuboUnavailableError(
                f"cannot reach the IPFS RPC API at {self.url} ({command}): {exc}; is the daemon "
                f"running?") from None
        if resp.status != 200:
            raw = resp.read()
            conn.close()
            try:
                message = json.loads(raw)["Message"]
            except (ValueError, KeyError, TypeError):
                message = raw.decode("utf-8", "replace").strip() or resp.reason
            raise KuboRpcError(message, resp.status, command)
        return resp

    def _bytes(self, command: str, *args: str, **opts: Any) -> bytes:
        resp = self._open(command, args, opts)
        try:
            return resp.read()
        except http.client.IncompleteRead as exc:
            trailer = resp.headers.get("X-Stream-Error", "")
            raise KuboRpcError(f"stream cut short: {trailer or exc}", 500, command) from None
        finally:
            resp.close()

    def _json(self, command: str, *args: str, body: bytes | Iterator[bytes] | None = None,
              content_type: str | None = None, **opts: Any) -> list[Any]:
        resp = self._open(command, args, opts, body, content_type)
        try:
            raw = resp.read()
        finally:
            resp.close()
        out = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            value = json.loads(line)
            if isinstance(value, dict) and value.get("Type") == "error" and "Message" in value:
                raise KuboRpcError(value["Message"], 500, command)
            out.append(value)
        return out

    def _one(self, command: str, *args: str, **opts: Any) -> Any:
        values = self._json(command, *args, **opts)
        return values[0] if values else None

    # -- operations ----------------------------------------------------------------------

    def add_parts(self, parts: list[tuple[str, str, Payload]], pin: bool,
                  options: dict[str, Any]) -> list[Added]:
        """Upload ``(path, content type, data)`` parts (see :func:`upload_parts`) in one
        ``add``; ``options`` are add flags by Python name."""
        body, ctype = _multipart(parts)
        opts = {k.replace("_", "-"): v for k, v in options.items()}
        opts["pin"] = pin
        values = self._json("add", body=body, content_type=ctype, **opts)
        return [Added(v["Name"], v["Hash"], int(v["Size"])) for v in values if "Hash" in v]

    def add_bytes(self, data: bytes, *, name: str = "", pin: bool = True,
                  **options: Any) -> Added:
        return self.add_parts([(name, "application/octet-stream", bytes(data))], pin, options)[-1]

    def add_path(self, path: str | os.PathLike[str], *, recursive: bool = True,
                 hidden: bool = False, pin: bool = True, **options: Any) -> list[Added]:
        root = Path(path)
        if root.is_dir() and not recursive:
            raise BadRequestError(f"{str(root)!r} is a directory: use recursive=True to add it")
        parts = list(upload_parts(root, root.name, hidden))
        return self.add_parts(parts, pin, options)

    def cat(self, path: str, offset: int = 0, length: int | None = None) -> bytes:
        return self._bytes("cat", path, offset=offset or None, length=length)

    def get(self, path: str, target: str | os.PathLike[str], name: str | None = None) -> Path:
        resp = self._open("get", [path], {"archive": True})
        try:
            return _extract(resp, Path(target), name)
        finally:
            resp.close()

    def ls(self, path: str) -> list[dict[str, Any]]:
        objects = self._one("ls", path)["Objects"]
        return [dict(link) for obj in objects for link in obj.get("Links") or []]

    def stat(self, path: str) -> dict[str, Any]:
        if not path.startswith("/"):
            path = f"/ipfs/{path}"
        info = self._one("files/stat", path)
        return {k: info[k] for k in ("Hash", "Size", "CumulativeSize", "Blocks", "Type")}

    def pin_add(self, path: str, recursive: bool = True) -> list[str]:
        return list(self._one("pin/add", path, recursive=recursive)["Pins"])

    def pin_rm(self, path: str, recursive: bool = True) -> list[str]:
        return list(self._one("pin/rm", path, recursive=recursive)["Pins"])

    def pin_ls(self, type_: str = "all", paths: Any = ()) -> dict[str, str]:
        keys = self._one("pin/ls", *list(paths), type=type_)["Keys"]
        return {cid: info["Type"] for cid, info in keys.items()}

    def block_put(self, data: bytes, codec: str = "raw", mhtype: str = "sha2-256",
                  version: int = 1, pin: bool = False) -> str:
        body, ctype = _multipart([("block", "application/octet-stream", bytes(data))])
        opts: dict[str, Any] = {"mhtype": mhtype, "pin": pin}
        if version == 0 and codec == "dag-pb":
            opts["format"] = "v0"
        else:
            opts["cid-codec"] = codec
        return str(self._json("block/put", body=body, content_type=ctype, **opts)[0]["Key"])

    def block_get(self, cid: str) -> bytes:
        return self._bytes("block/get", cid)

    def block_stat(self, cid: str) -> dict[str, Any]:
        return dict(self._one("block/stat", cid))

    def block_rm(self, cid: str, force: bool = False) -> None:
        for item in self._json("block/rm", cid, force=force):
            if item.get("Error"):
                raise KuboRpcError(item["Error"], 500, "block/rm")

    def dag_get(self, path: str) -> Any:
        return self._one("dag/get", path)

    def dag_put(self, value: Any, store_codec: str = "dag-cbor", input_codec: str = "dag-json",
                pin: bool = False) -> str:
        body, ctype = _multipart([("node", "application/json", json.dumps(value).encode())])
        out = self._json("dag/put", body=body, content_type=ctype, **{
            "store-codec": store_codec, "input-codec": input_codec, "pin": pin})
        return str(out[0]["Cid"]["/"])

    def dag_export(self, path: str) -> Iterator[bytes]:
        resp = self._open("dag/export", [path])
        try:
            while piece := resp.read(1 << 20):
                yield piece
        except http.client.IncompleteRead as exc:
            raise KuboRpcError(f"stream cut short: {exc}", 500, "dag/export") from None
        finally:
            resp.close()

    def dag_import(self, stream: Any, pin_roots: bool = True) -> list[str]:
        data = stream.read() if hasattr(stream, "read") else bytes(stream)
        body, ctype = _multipart([("car", "application/vnd.ipld.car", data)])
        out = self._json("dag/import", body=body, content_type=ctype,
                         **{"pin-roots": pin_roots})
        return [v["Root"]["Cid"]["/"] for v in out if "Root" in v]

    def repo_stat(self) -> dict[str, Any]:
        return dict(self._one("repo/stat"))

    def gc(self) -> list[str]:
        return [v["Key"]["/"] for v in self._json("repo/gc") if v.get("Key")]

    def id(self) -> dict[str, Any]:
        return dict(self._one("id"))

    def version(self) -> dict[str, Any]:
        return dict(self._one("version"))

    def swarm_peers(self) -> list[dict[str, Any]]:
        return list(self._one("swarm/peers").get("Peers") or [])

    def connect(self, other: Any) -> None:
        """Connect to another Kubo node (``swarm connect`` to its loopback address), so
        each fetches the other's blocks over bitswap."""
        inner, other_inner = getattr(self, "inner", None), getattr(other, "inner", None)
        if inner is not None and other_inner is not None:  # simulated nodes behind RPC
            inner.connect(other_inner)
            return
        if not isinstance(other, KuboRpcBackend) or other.is_simulated or self.is_simulated:
            raise BadRequestError(f"cannot connect {self!r} to {other!r}: nodes connect only "
                                  "to nodes of the same backend")
        if other.url == self.url:
            return
        ident = other.id()
        addrs = [a for a in ident.get("Addresses") or [] if "/tcp/" in a]
        if not addrs:
            raise KuboRpcError(f"node {ident.get('ID')} announces no TCP address to dial",
                               500, "swarm/connect")
        local = [a for a in addrs if a.startswith(("/ip4/127.", "/ip6/::1/"))]
        addr = (local or addrs)[0]
        if "/p2p/" not in addr:
            addr += f"/p2p/{ident['ID']}"
        self._json("swarm/connect", addr)

    def close(self) -> None:
        """Stop the daemon this backend owns, if any (every call has its own connection)."""
        daemon, self.daemon = self.daemon, None
        if daemon is not None:
            daemon.stop()


def upload_parts(path: Path, rel: str, hidden: bool) -> Iterator[tuple[str, str, Payload]]:
    """The ``add`` upload of ``path`` named ``rel``: a part per file, directory, symlink,
    depth first in name-byte order (an explicit stack: any depth)."""
    stack = [(path, rel)]
    while stack:
        path, rel = stack.pop()
        if path.is_symlink():
            yield rel, "application/symlink", os.fsencode(os.readlink(path))
        elif path.is_dir():
            yield rel, "application/x-directory", b""
            children = sorted((c for c in os.listdir(path) if hidden or not c.startswith(".")),
                              key=os.fsencode, reverse=True)
            stack.extend((path / child, f"{rel}/{child}") for child in children)
        else:
            yield rel, "application/octet-stream", path


def _extract(stream: Any, target: Path, name: str | None) -> Path:
    """Extract a ``get`` tar stream under ``target`` with the ``data`` filter's rules
    (:mod:`~pytest_ipfs_accelerate.ipfs.engine.safe_paths`): nothing lands outside it."""
    root = target.resolve()
    root.mkdir(parents=True, exist_ok=True)
    first: Path | None = None
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            parts = member.name.split("/")
            if name is not None:
                parts[0] = name
            if member.name.startswith("/"):
                parts[0] = "/"  # refused below, naming the member
            dest = safe_paths.destination(root, parts, member.name)
            first = first or dest
            if member.isdir():
                dest.mkdir(exist_ok=True)
            elif member.isfile():
                src = tar.extractfile(member)
                # O_NOFOLLOW: never through a symlink that was placed at this very name.
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                             0o644)
                with open(fd, "wb") as fh:
                    shutil.copyfileobj(src, fh)  # type: ignore[misc]
            elif member.issym():
                safe_paths.check_symlink(root, dest, member.linkname, member.name)
                os.symlink(member.linkname, dest)
            else:
                raise UnsafePathError(f"refusing to extract {member.name!r}: only directories, "
                                      "files and symlinks are extracted, not hard links or "
                                      "special files")
    if first is None:
        raise KuboRpcError("get returned an empty archive", 500, "get")
    return first


def wait_for_api(addr: str, timeout: float = 10.0) -> KuboRpcBackend:
    """A backend for ``addr`` once ``version`` answers; :class:`KuboUnavailableError` if not."""
    backend = KuboRpcBackend(addr, timeout=min(timeout, 10.0))
    deadline = time.monotonic() + timeout
    while True:
        try:
            backend.version()
            return backend
        except KuboUnavailableError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
