"""An HTTP request body as a stream: Content-Length or chunked, counted against a size limit.

Commands read it with :meth:`RequestBody.readinto`, through the multipart parser, part by
part (bounded memory); what they leave is drained. Malformed framing raises
:class:`BadRequestError`; going over the limit :class:`RequestTooLargeError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import BinaryIO

from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError
from pytest_ipfs_accelerate.ipfs.node.errors import RequestTooLargeError

_MAX_LINE = 65536


class RequestBody:
    """Readable body of one request; ``done`` once the last byte (or chunk) was read."""

    def __init__(self, rfile: BinaryIO, headers: Mapping[str, str], limit: int) -> None:
        self._rfile = rfile
        self.limit = limit
        self.consumed = 0
        self.chunked = "chunked" in (headers.get("Transfer-Encoding") or "").lower()
        self._chunk_left = 0
        self._left = 0
        self.declared: int | None = None
        if not self.chunked:
            raw = headers.get("Content-Length")
            try:
                self._left = int(raw) if raw else 0
            except ValueError:
                raise BadRequestError(f"invalid Content-Length {raw!r}") from None
            if self._left < 0:
                raise BadRequestError(f"invalid Content-Length {raw!r}")
            self.declared = self._left
        self.done = not self.chunked and self._left == 0

    def too_large(self, size: int | None = None) -> RequestTooLargeError:
        got = f"{size} bytes" if size is not None else f"more than {self.limit} bytes"
        return RequestTooLargeError(
            f"request body is {got}, over this server's limit of {self.limit} bytes; send "
            f"smaller requests or raise the limit ([ipfs] rpc_max_request_mb, "
            f"daemon --max-request-mb)")

    def readinto(self, buf: bytearray | memoryview) -> int:
        """Fill ``buf`` as far as the body goes, across chunks (clients send small ones:
        ipfshttpclient 8 KiB); the count, 0 at the end. One copy, from the socket's buffer."""
        view = memoryview(buf).cast("B")
        if self.done or not view:
            return 0
        if self.declared is not None and self.declared > self.limit:
            raise self.too_large(self.declared)
        got = 0
        while got < len(view) and not self.done:
            got += self._into_chunk(view[got:]) if self.chunked else self._into_plain(view[got:])
        self.consumed += got
        if self.consumed > self.limit:
            raise self.too_large(self.declared)
        return got

    def drain(self, cap: int) -> bool:
        """Read and drop what is left, up to ``cap`` bytes; True if the body was finished."""
        self.limit = self.consumed + cap
        self.declared = None
        scratch = bytearray(1 << 20)
        try:
            while not self.done:
                self.readinto(scratch)
        except (BadRequestError, RequestTooLargeError, OSError):
            return False
        return True

    def _into_plain(self, view: memoryview) -> int:
        take = min(len(view), self._left)
        got = self._rfile.readinto(view[:take])
        if got != take:
            raise BadRequestError(f"request body ended after {self.consumed + (got or 0)} of "
                                  f"{self.declared} bytes")
        self._left -= take
        self.done = self._left == 0
        return take

    def _into_chunk(self, view: memoryview) -> int:
        """Bytes of the current chunk (the next one when it is done) into ``view``."""
        if self._chunk_left == 0:
            line = self._rfile.readline(_MAX_LINE)
            if not line.endswith(b"\n"):
                raise BadRequestError("malformed chunked request body (chunk size line)")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequestError("malformed chunked request body (chunk size)") from None
            if size < 0:
                raise BadRequestError("malformed chunked request body (negative size)")
            if size == 0:
                while self._rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                self.done = True
                return 0
            self._chunk_left = size
        take = min(len(view), self._chunk_left)
        if self._rfile.readinto(view[:take]) != take:
            raise BadRequestError("chunked request body ended early")
        self._chunk_left -= take
        if self._chunk_left == 0 and self._rfile.read(2) != b"\r\n":
            raise BadRequestError("malformed chunked request body (missing CRLF)")
        return take
