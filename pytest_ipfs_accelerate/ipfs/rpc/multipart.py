"""multipart/form-data bodies as Kubo's ``add`` receives them.

Parts are files (``filename="dir%2Fa.txt"``, percent-encoded, ``/`` separated) or
directories (``Content-Type: application/x-directory``). A part's form name may carry its
metadata as a query (``name="file?mode=0644&mtime=1700000000&mtime-nsecs=5"``), as the JS
client and Kubo's own CLI send it. The only exceptions raised are :class:`MultipartError`
(HTTP 400).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pytest_ipfs_accelerate.ipfs.node.add import NO_STAT, Stat
from pytest_ipfs_accelerate.ipfs.node.errors import MultipartError

DIRECTORY_TYPES = ("application/x-directory",)
SYMLINK_TYPES = ("application/symlink",)

_PARAM_RE = re.compile(r';\s*([A-Za-z0-9_.*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


class _PartKind:
    """A directory or symlink part, by its Content-Type (else a file)."""

    content_type: str

    @property
    def is_directory(self) -> bool:
        return self.content_type in DIRECTORY_TYPES

    @property
    def is_symlink(self) -> bool:
        return self.content_type in SYMLINK_TYPES


@dataclass
class Part(_PartKind):
    """One form-data part: its path (decoded), content type and body."""

    name: str
    path: str
    content_type: str
    data: memoryview


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type; k=v; k2="v2"`` into ``("type", {k: v})`` (keys lower-cased)."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM_RE.finditer(";" + rest):
        key, raw = match.group(1).lower(), match.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[key] = raw
    return main.strip().lower(), params


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type, or :class:`MultipartError`."""
    main, params = header_params(content_type or "")
    if not main.startswith("multipart/"):
        raise MultipartError(
            f"Content-Type is {content_type!r}, expected multipart/form-data; send files as "
            f"multipart/form-data parts named 'file'")
    boundary = params.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise MultipartError(f"multipart Content-Type {content_type!r} has no valid boundary")
    try:
        return boundary.encode("ascii")
    except UnicodeEncodeError:
        raise MultipartError(f"multipart boundary {boundary!r} is not ASCII") from None


def clean_path(raw: str) -> str:
    """The name as Kubo reads it: ``path.Clean("/" + name)`` without the leading ``/``, so
    absolute names become relative and ``..`` cannot climb above the upload's root."""
    if "\x00" in raw:
        raise MultipartError(f"file name {raw!r} contains NUL")
    parts: list[str] = []
    for part in raw.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def parse_multipart(body: bytes | memoryview, content_type: str) -> list[Part]:
    """Split a whole multipart body into :class:`Part` objects."""
    import io

    stream = MultipartStream(io.BytesIO(bytes(body)).readinto, content_type)
    return [Part(p.name, p.path, p.content_type, memoryview(p.read())) for p in stream]


_OCTAL = re.compile(r"[0-7]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def part_stat(form_name: str) -> Stat:
    """The metadata a part's form name carries, read as boxo's multipart ``fileInfo``: a
    name without ``?`` has none; with one, ``mode`` is octal (ignored when bad), and the
    modification time is ``mtime`` (default 0; a bad one means no time at all) plus
    ``mtime-nsecs``, normalised as Go's ``time.Unix``."""
    _, sep, query = form_name.partition("?")
    if not sep or ";" in query or _BAD_ESCAPE.search(query):  # url.ParseQuery fails
        return NO_STAT
    params: dict[str, str] = {}
    for pair in query.split("&") if query else ():
        key, _, value = (urllib.parse.unquote_plus(x, errors="surrogateescape")
                         for x in pair.partition("="))
        params.setdefault(key, value)
    text = params.get("mode", "")
    mode = int(text, 8) if _OCTAL.fullmatch(text) and int(text, 8) < 1 << 32 else 0
    seconds = params.get("mtime", "0")
    if not _DECIMAL.fullmatch(seconds) or not -(1 << 63) <= int(seconds) < 1 << 63:
        return Stat(mode, None)
    nanos = params.get("mtime-nsecs", "0")
    extra = int(nanos) if _DECIMAL.fullmatch(nanos) and -(1 << 63) <= int(nanos) < 1 << 63 \
        else 0
    carry, nsecs = divmod(extra, 1_000_000_000)
    return Stat(mode, (int(seconds) + carry, nsecs))


class StreamPart(_PartKind):
    """One part of a :class:`MultipartStream`: headers now, data read as it arrives.
    ``stat``: the metadata its form name carries (:func:`part_stat`)."""

    def __init__(self, stream: MultipartStream, name: str, path: str, content_type: str) -> None:
        self._stream = stream
        self.name, self.path, self.content_type = name, path, content_type
        self.stat = part_stat(name)
        self.finished = False

    def read(self, n: int = -1) -> bytes:
        """``n`` bytes of this part (fewer only at its end; all if negative)."""
        out: list[bytes] = []
        left = n
        while left != 0:
            piece = self._stream._read_part(self, 1 << 20 if left < 0 else left)
            if not piece:
                break
            out.append(piece)
            left = left - len(piece) if left > 0 else left
        return b"".join(out)

    def readinto(self, buf: bytearray | memoryview) -> int:
        """Fill ``buf`` with data of this part (one copy); 0 at its end."""
        return self._stream._read_part(self, len(buf), memoryview(buf).cast("B")) if buf else 0


class MultipartStream:
    """Parts of a multipart body read with ``readinto(view)``, one at a time, in bounded
    memory: the body is read straight into one reused buffer.

    Iterate to get :class:`StreamPart` objects; a part's unread data is skipped when the
    next part is requested.
    """

    def __init__(self, readinto: Callable[[memoryview], int], content_type: str,
                 bufsize: int = 1 << 18) -> None:
        self._readinto = readinto
        self._delim = b"\r\n--" + boundary_of(content_type)
        self._bufsize = bufsize
        self._buf = bytearray(b"\r\n")  # so the opening boundary looks like every other one
        self._pos = 0  # the unread data is _buf[_pos:_end]
        self._end = 2
        self._eof = False
        self._current: StreamPart | None = None

    def _fill(self) -> None:
        if self._eof:
            raise MultipartError("multipart body ends without a closing boundary")
        left = self._end - self._pos
        if self._pos:  # what is left is short (a boundary's length, or headers)
            self._buf[:left] = self._buf[self._pos:self._end]
            self._pos, self._end = 0, left
        if len(self._buf) < left + self._bufsize:
            self._buf.extend(bytes(left + self._bufsize - len(self._buf)))
        with memoryview(self._buf) as view:
            got = self._readinto(view[left:left + self._bufsize])
        if not got:
            self._eof = True
            return
        self._end = left + got

    def _avail(self) -> int:
        return self._end - self._pos

    def _need(self, n: int) -> None:
        while self._avail() < n and not self._eof:
            self._fill()

    def _find(self, sub: bytes) -> int:
        return self._buf.find(sub, self._pos, self._end)

    def __iter__(self) -> Iterator[StreamPart]:
        # Preamble: skip to the first boundary.
        while True:
            i = self._find(self._delim)
            if i >= 0:
                self._pos = i + len(self._delim)
                break
            if self._eof:
                raise MultipartError("multipart body has no opening boundary; is it empty?")
            self._pos = max(self._pos, self._end - len(self._delim))
            self._fill()
        while True:
            self._need(2)
            tail = bytes(self._buf[self._pos:min(self._pos + 2, self._end)])
            if tail == b"--":
                return
            if tail != b"\r\n":
                raise MultipartError(f"malformed multipart boundary line {tail!r}")
            self._pos += 2
            headers = self._read_headers()
            part = _make_stream_part(self, headers)
            self._current = part
            yield part
            while not part.finished:
                self._read_part(part, 1 << 20)

    def _read_headers(self) -> dict[str, str]:
        while True:
            end = self._find(b"\r\n\r\n")
            if end >= 0:
                block = bytes(self._buf[self._pos:end])
                self._pos = end + 4
                return _parse_headers(block)
            if self._avail() > 16384:
                raise MultipartError("multipart part headers are longer than 16 KiB")
            self._fill()
            if self._eof and self._find(b"\r\n\r\n") < 0:
                raise MultipartError("multipart part has no end of headers")

    def _read_part(self, part: StreamPart, n: int, into: memoryview | None = None) -> Any:
        """Up to ``n`` bytes of ``part``: returned, or copied into ``into`` (count returned)."""
        if part.finished:
            return 0 if into is not None else b""
        if part is not self._current:
            raise MultipartError("a multipart part was read after the next one started")
        keep = len(self._delim) - 1
        while True:
            i = self._find(self._delim)
            if i >= 0:
                if i == self._pos:
                    self._pos += len(self._delim)
                    part.finished = True
                    return 0 if into is not None else b""
                take = min(n, i - self._pos)
            else:
                take = min(n, self._avail() - keep)
            if take > 0:
                start, self._pos = self._pos, self._pos + take
                with memoryview(self._buf) as view:
                    if into is not None:
                        into[:take] = view[start:start + take]
                        return take
                    return bytes(view[start:start + take])
            self._fill()


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        raise MultipartError("multipart part headers are not UTF-8") from None
    for line in text.split("\r\n"):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise MultipartError(f"malformed multipart header line {line[:80]!r}")
        headers[key.strip().lower()] = value.strip()
    return headers


def _make_stream_part(stream: MultipartStream, headers: dict[str, str]) -> StreamPart:
    disp, params = header_params(headers.get("content-disposition", ""))
    if disp not in ("form-data", "file", "attachment"):
        raise MultipartError(
            f"multipart part has Content-Disposition {disp!r}; expected form-data")
    ctype = header_params(headers.get("content-type", "application/octet-stream"))[0]
    if ctype.startswith("multipart/"):
        raise MultipartError("nested multipart parts are not supported; send one flat "
                             "form-data body with '/'-separated file names")
    filename = params.get("filename", "")
    if "filename*" in params:
        filename = params["filename*"].split("''", 1)[-1]
    # Bytes that are not UTF-8 are kept (surrogateescape), as Kubo keeps them in names.
    decoded = urllib.parse.unquote_to_bytes(filename).decode("utf-8", "surrogateescape")
    path = clean_path(decoded) if decoded else ""
    return StreamPart(stream, params.get("name", ""), path, ctype)
