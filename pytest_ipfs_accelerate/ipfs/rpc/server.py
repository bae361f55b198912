"""A Kubo-compatible RPC server (``/api/v0/...``) over a :class:`SimulatedNode`.

Stdlib only: ``ThreadingHTTPServer`` on 127.0.0.1, a random port by default. POST only
(GET: 405), unknown commands 404, errors as Kubo's ``{"Message", "Code", "Type"}`` JSON
(400 for client errors, 500 otherwise, 413 for oversized bodies). Streaming answers
(``add``, ``cat``, ``get``...) use chunked transfer encoding. Request bodies may be
chunked too, as ipfshttpclient sends them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError, IpfsNodeError
from pytest_ipfs_accelerate.ipfs.node.errors import RequestTooLargeError
from pytest_ipfs_accelerate.ipfs.rpc.body import RequestBody
from pytest_ipfs_accelerate.ipfs.rpc.command_table import COMMANDS
from pytest_ipfs_accelerate.ipfs.rpc.commands import ClientError, Command, ParseError
from pytest_ipfs_accelerate.ipfs.rpc.handlers import STREAM_ERROR_HEADER
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse

log = logging.getLogger("pytest_ipfs_accelerate.ipfs.rpc")

API_PREFIX = "/api/v0/"
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024 * 1024
_DRAIN_CAP = 64 * 1024 * 1024


def error_body(message: str, status: int) -> bytes:
    """Kubo's error JSON; Code 1 (client error) for 4xx, 0 otherwise."""
    code = 1 if 400 <= status < 500 else 0
    return json.dumps({"Message": message, "Code": code, "Type": "error"}).encode() + b"\n"


#: Kubo allows its companion browser extension besides the API's own origins.
COMPANION_ORIGINS = ("chrome-extension://nibjojkomfdiaoajekhjakgkdhaomnch",
                     "chrome-extension://hjoieblefckbooibpepigmacodalfndh")


def allowed_origins(host: str, port: int) -> frozenset[str]:
    """The origins Kubo's API accepts by default: its own address, as 127.0.0.1,
    localhost or [::1], over http or https."""
    names = {host if ":" not in host else f"[{host}]", "127.0.0.1", "localhost", "[::1]"}
    return frozenset({f"{scheme}://{name}:{port}" for scheme in ("http", "https")
                      for name in names} | set(COMPANION_ORIGINS))


@dataclass(frozen=True)
class RequestRecord:
    """What an observer learns of one answered request."""

    command: str
    status: int
    duration_s: float
    target: str | None
    bytes_in: int
    error: str | None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes
    rbufsize = 1 << 18  # uploads come in small chunks: fewer, bigger socket reads
    timeout = 300  # seconds a client may stay silent mid-request (socket timeout)
    server: _Server
    server_version = "kubo-simulated"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    # -- verbs -----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._method_not_allowed()

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def do_OPTIONS(self) -> None:
        # A CORS preflight gets Kubo's bare 204: no Access-Control-Allow-* headers, so a
        # browser page of another origin is not allowed to send the request.
        self._origin = None
        self._discard_body()
        self.send_response(204)
        self.send_header("Vary", "Origin, Access-Control-Request-Method, "
                         "Access-Control-Request-Headers")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _method_not_allowed(self) -> None:
        self._origin = None
        self._discard_body()
        self._send_plain(405, b"405 - Method Not Allowed\n", {"Allow": "OPTIONS, POST"})

    def _forbidden_origin(self) -> str | None:
        """Kubo's CSRF checks (go-ipfs-cmds): an Origin or Referer that is not this API's
        own, or a browser's POST with neither, is refused. Returns the allowed Origin."""
        origin = self.headers.get("Origin")
        allowed = self.server.allowed_origins
        if origin is not None and origin not in allowed:
            return "forbidden"
        referer = self.headers.get("Referer")
        if referer:
            parts = urllib.parse.urlsplit(referer)
            if f"{parts.scheme}://{parts.netloc}" not in allowed:
                return "forbidden"
        if origin is None and not referer and \
                self.headers.get("User-Agent", "").startswith("Mozilla"):
            return "forbidden"
        return origin

    def do_POST(self) -> None:
        self._origin: str | None = None
        start = time.perf_counter()
        self._status, self._error, self._body = 200, None, None
        try:
            self._post()
        finally:
            observer = self.server.observer
            if observer is not None and self._command is not None:
                try:
                    observer(RequestRecord(
                        self._command, self._status, time.perf_counter() - start,
                        self._target, self._body.consumed if self._body else 0, self._error))
                except Exception:  # an observer must never break the answer
                    log.exception("RPC observer failed")

    def _post(self) -> None:
        self._command: str | None = None
        self._target: str | None = None
        url = urllib.parse.urlsplit(self.path)
        name = url.path[len(API_PREFIX):].strip("/")
        spec = self.server.commands.get(name) if url.path.startswith(API_PREFIX) else None
        if spec is None:
            self._discard_body()
            self._send_plain(404, b"404 page not found\n")
            return
        self._command = name
        origin = self._forbidden_origin()
        if origin == "forbidden":
            self._status, self._error = 403, "403 - Forbidden"
            self._discard_body()
            self._send_plain(403, b"403 - Forbidden\n", {"X-Content-Type-Options": "nosniff"})
            return
        self._origin = origin
        try:
            body = RequestBody(self.rfile, self.headers, self.server.max_request_bytes)
            self._body = body
        except IpfsNodeError as exc:  # unusable framing: the connection cannot be reused
            self.close_connection = True
            self._send_parse_error(exc.http_status, str(exc))
            return
        try:
            request = self._parse(spec, url.query, body)
        except IpfsNodeError as exc:
            self._finish_body(body)
            self._send_parse_error(exc.http_status, str(exc))
            return
        self._target = request.args[0] if request.args else None
        try:
            response = spec.handler(request)  # a handler reads the body as a stream, if at all
        except RecursionError:  # a value nested past what the codecs check (json's own)
            self._finish_body(body)
            self._send_error(500, f"{name}: the input is nested too deeply")
            return
        except Exception as exc:
            self._finish_body(body)
            self._send_error(*_status_of(exc, name))
            return
        self._finish_body(body)
        self._respond(response)

    # -- request ---------------------------------------------------------------------

    def _parse(self, spec: Command, query: str, body: RequestBody) -> RpcRequest:
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, errors="strict")
        except (ValueError, UnicodeDecodeError):
            raise ParseError("query string is not valid percent-encoded UTF-8") from None
        content_type = self.headers.get("Content-Type", "")
        has_files = content_type.lower().startswith("multipart/") and not body.done
        args, options = spec.parse(pairs, has_files)
        return RpcRequest(spec.name, args, options, content_type, self.server.node,
                          body if has_files else None)

    def _finish_body(self, body: RequestBody) -> None:
        """Drop an unread rest (up to a cap) so the client reads our answer, not a reset."""
        if not body.done and not body.drain(_DRAIN_CAP):
            self.close_connection = True

    def _discard_body(self) -> None:
        try:
            body = RequestBody(self.rfile, self.headers, self.server.max_request_bytes)
        except IpfsNodeError:
            self.close_connection = True
            return
        self._finish_body(body)

    # -- response ----------------------------------------------------------------------

    def _send_plain(self, status: int, body: bytes, headers: dict[str, str] | None = None,
                    content_type: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self._cors_headers()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _send_parse_error(self, status: int, message: str) -> None:
        """go-ipfs-cmds' answer to a request it cannot parse: the message, plain text."""
        self._status, self._error = status, message
        self._send_plain(status, message.encode() + b"\n",
                         {"X-Content-Type-Options": "nosniff"})

    def _send_error(self, status: int, message: str) -> None:
        """A running command's error: Kubo's error JSON, sent like any other answer."""
        self._status, self._error = status, message
        self._begin(status, "application/json", {})
        self._chunk(error_body(message, status))
        self.wfile.write(b"0\r\n\r\n")

    def _begin(self, status: int, content_type: str, headers: dict[str, str]) -> None:
        """Kubo's response head: chunked, with the X-Stream-Error trailer announced."""
        self.send_response(status)
        self._cors_headers()
        for key, value in _KUBO_HEADERS:
            self.send_header(key, value)
        self.send_header("Content-Type", content_type)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _respond(self, response: RpcResponse) -> None:
        if response.json is not None:
            self._stream(iter([json.dumps(response.json).encode() + b"\n"]),
                         "application/json", response.headers, ndjson=True)
        elif response.ndjson is not None:
            self._stream(_ndjson(response.ndjson), "application/json",
                         {"X-Chunked-Output": "1", **response.headers}, ndjson=True)
        else:
            self._stream(iter(response.chunks or ()), response.content_type,
                         {"X-Stream-Output": "1", **response.headers}, ndjson=False)

    def _stream(self, chunks: Iterator[bytes], content_type: str, headers: dict[str, str],
                ndjson: bool) -> None:
        # The first chunk is computed before the headers go out, so that errors found
        # early (missing root block, bad path) still get a proper status code.
        trailer = headers.pop(STREAM_ERROR_HEADER, None)  # known before the body: sent after it
        first = b""
        try:
            while not first:
                first = next(chunks)
        except StopIteration:
            pass
        except Exception as exc:
            self._send_error(*_status_of(exc, self._command or ""))
            return
        self._begin(200, content_type, headers)
        try:
            self._chunk(first)
            for chunk in chunks:
                self._chunk(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except Exception as exc:
            if not isinstance(exc, IpfsNodeError):
                log.exception("RPC stream failed")
            self._status, self._error = 200, str(exc)
            if ndjson:  # Kubo: the error goes in the X-Stream-Error trailer
                self._end(str(exc))
            else:  # binary: cut the stream so a client cannot take it as complete
                self.close_connection = True
            return
        self._end(trailer)

    def _end(self, stream_error: str | None = None) -> None:
        if stream_error is None:
            self.wfile.write(b"0\r\n\r\n")
            return
        text = stream_error.encode()[:1000].replace(b"\r", b" ").replace(b"\n", b" ")
        self.wfile.write(b"0\r\nX-Stream-Error: " + text + b"\r\n\r\n")

    def _cors_headers(self) -> None:
        """Kubo echoes an allowed Origin (the API's own) in Access-Control-Allow-Origin."""
        origin = getattr(self, "_origin", None)
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Vary", "Origin")

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


#: Headers of every answer of a command, as Kubo sends them.
_EXPOSED = "X-Stream-Output, X-Chunked-Output, X-Content-Length"
_KUBO_HEADERS = (("Access-Control-Allow-Headers", _EXPOSED),
                 ("Access-Control-Expose-Headers", _EXPOSED),
                 ("Trailer", "X-Stream-Error"))


def _status_of(exc: BaseException, command: str) -> tuple[int, str]:
    """Kubo's status for a running command's error: 500, unless the command says the
    client is at fault (400, Code 1); 413 for a body over our limit."""
    if isinstance(exc, (ClientError, RequestTooLargeError)):
        return exc.http_status, str(exc)
    if isinstance(exc, IpfsNodeError):
        return 500, str(exc)
    log.error("RPC %s failed", command, exc_info=exc)
    return 500, f"internal error in simulated node: {type(exc).__name__}: {exc}"


def _ndjson(items: Iterable[Any]) -> Iterator[bytes]:
    for item in items:
        yield json.dumps(item).encode() + b"\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    #: Go's listen backlog (the kernel caps it at net.core.somaxconn): bursts of hundreds of
    #: simultaneous connections wait in the queue instead of being refused or timing out.
    request_queue_size = 4096
    node: Any
    allowed_origins: frozenset[str]
    commands: dict[str, Command]
    max_request_bytes: int
    observer: Callable[[RequestRecord], None] | None


class KuboRpcServer:
    """Serve Kubo's RPC API for ``node`` on ``host:port`` (port 0: random).

    Binds to loopback unless ``allow_remote=True``. Use as a context manager, or call
    :meth:`start` and :meth:`stop`.
    """

    def __init__(self, node: Any, host: str = "127.0.0.1", port: int = 0, *,
                 max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
                 allow_remote: bool = False,
                 observer: Callable[[RequestRecord], None] | None = None) -> None:
        if not allow_remote and host not in ("127.0.0.1", "localhost", "::1"):
            raise BadRequestError(
                f"refusing to bind the simulated RPC API to {host}: it has no authentication; "
                f"use 127.0.0.1 or pass allow_remote=True")
        self.node = node
        self._httpd = _Server((host, port), _Handler)
        self._httpd.node = node
        self._httpd.commands = COMMANDS
        self._httpd.max_request_bytes = max_request_bytes
        self._httpd.observer = observer
        self._httpd.allowed_origins = allowed_origins(self.host, self.port)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def multiaddr(self) -> str:
        return f"/ip4/{self.host}/tcp/{self.port}"

    def __repr__(self) -> str:
        return f"<KuboRpcServer {self.multiaddr} node={self.node!r}>"

    def start(self) -> KuboRpcServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                            name=f"kubo-rpc-{self.port}", daemon=True)
            self._thread.start()
            self.node.api_addr = self.multiaddr
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (from another thread) or a signal."""
        self.node.api_addr = self.multiaddr
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> KuboRpcServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
