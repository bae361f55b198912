"""The simulated backend's command model: a small, honest subset of busybox.

Commands: ``sh -c SCRIPT`` (simple commands joined by ``;``, ``&&``, ``||`` or newlines,
with ``>``/``>>`` redirection to the container's files), ``echo [-n]``, ``cat``,
``ls``, ``env``, ``true``, ``false``, ``exit N``, ``sleep N|infinity``
and ``httpd -f -p [IP:]PORT [-h DIR]``, which really serves the container's files over
HTTP. No variable expansion, globbing, pipes or background jobs: anything else prints
``sh: NAME: not found`` and exits 127, as a shell does. A stop request interrupts
``sleep`` and ``httpd``; the process then exits 143 (SIGTERM).
"""

from __future__ import annotations

import http.server
import posixpath
import shlex
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

SIGTERM_EXIT = 143


class Stopped(Exception):
    """The container was asked to stop while a command ran."""


@dataclass
class SimFS:
    """Files of one container: the image's copy, plus mounted volumes (shared dicts)."""

    files: dict[str, bytes]
    mounts: dict[str, dict[str, bytes]] = field(default_factory=dict)

    def _where(self, path: str) -> tuple[dict[str, bytes], str]:
        path = posixpath.normpath("/" + path.lstrip("/"))
        for point, store in self.mounts.items():
            if path == point or path.startswith(point.rstrip("/") + "/"):
                return store, "/" + posixpath.relpath(path, point) if path != point else "/"
        return self.files, path

    def read(self, path: str) -> bytes | None:
        store, key = self._where(path)
        return store.get(key)

    def write(self, path: str, data: bytes, append: bool = False) -> None:
        store, key = self._where(path)
        store[key] = (store.get(key, b"") if append else b"") + data

    def listdir(self, path: str) -> list[str] | None:
        """Entries directly under ``path``, or None when nothing lies there."""
        path = posixpath.normpath("/" + path.lstrip("/"))
        prefix = path.rstrip("/") + "/"
        names: set[str] = set()
        for store_path, store in [("/", self.files), *self.mounts.items()]:
            for key in store:
                full = posixpath.normpath(store_path.rstrip("/") + "/" + key.lstrip("/"))
                if full.startswith(prefix):
                    names.add(full[len(prefix):].split("/", 1)[0])
            if store_path != "/" and store_path.startswith(prefix):
                names.add(store_path[len(prefix):].split("/", 1)[0])
        return sorted(names) if names else None


@dataclass
class Process:
    """What a command runs against: files, env, output sink, stop signal, port registry."""

    fs: SimFS
    env: dict[str, str]
    out: Callable[[bytes], None]
    stop: threading.Event
    listen: Callable[[int, tuple[str, int] | None], None]


def run_command(argv: Sequence[str], proc: Process) -> int:
    """Run ``argv`` and return its exit code; 143 when stopped."""
    try:
        return _dispatch(list(argv), proc)
    except Stopped:
        return SIGTERM_EXIT


def _dispatch(argv: list[str], proc: Process) -> int:
    if not argv:
        return 0
    name = posixpath.basename(argv[0])
    args = argv[1:]
    if name == "sh":
        if args[:1] == ["-c"] and len(args) >= 2:
            return _run_script(args[1], proc)
        return 0  # no script and no stdin: an interactive shell ends at EOF
    handler = _COMMANDS.get(name)
    if handler is None:
        proc.out(f"sh: {name}: not found\n".encode())
        return 127
    return handler(args, proc)


_SEPARATORS = {";", "&&", "||", "\n"}


def _run_script(script: str, proc: Process) -> int:
    lexer = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=";&|>")
    lexer.whitespace_split = True
    tokens = list(lexer)
    code = 0
    pending_op = ";"
    command: list[str] = []
    for token in [*tokens, ";"]:
        if token not in _SEPARATORS:
            command.append(token)
            continue
        if command:
            if (pending_op == "&&" and code != 0) or (pending_op == "||" and code == 0):
                pass
            else:
                code = _run_simple(command, proc)
                if code < 0:  # `exit N`
                    return -code - 1
            command = []
        pending_op = token
    return code


def _run_simple(words: list[str], proc: Process) -> int:
    """One simple command with optional ``> file`` or ``>> file``; `exit N` returns -(N+1)."""
    target: tuple[str, bool] | None = None
    for op in (">>", ">"):
        if op in words:
            i = words.index(op)
            if i + 1 >= len(words):
                proc.out(b"sh: syntax error: unexpected newline\n")
                return 2
            target = (words[i + 1], op == ">>")
            words = words[:i] + words[i + 2:]
            break
    if words and words[0] == "exit":
        try:
            return -(int(words[1]) if len(words) > 1 else 0) - 1
        except ValueError:
            proc.out(f"sh: exit: Illegal number: {words[1]}\n".encode())
            return -3
    if target is None:
        return _dispatch(words, proc)
    buf: list[bytes] = []
    inner = Process(proc.fs, proc.env, buf.append, proc.stop, proc.listen)
    code = _dispatch(words, inner)
    proc.fs.write(target[0], b"".join(buf), append=target[1])
    return code


def _echo(args: list[str], proc: Process) -> int:
    newline = True
    if args[:1] == ["-n"]:
        newline, args = False, args[1:]
    proc.out((" ".join(args) + ("\n" if newline else "")).encode())
    return 0


def _cat(args: list[str], proc: Process) -> int:
    code = 0
    for path in args:
        data = proc.fs.read(path)
        if data is None:
            proc.out(f"cat: can't open '{path}': No such file or directory\n".encode())
            code = 1
        else:
            proc.out(data)
    return code


def _ls(args: list[str], proc: Process) -> int:
    code = 0
    for path in args or ["/"]:
        if proc.fs.read(path) is not None:
            proc.out(f"{path}\n".encode())
            continue
        entries = proc.fs.listdir(path)
        if entries is None:
            proc.out(f"ls: {path}: No such file or directory\n".encode())
            code = 1
        else:
            proc.out("".join(f"{e}\n" for e in entries).encode())
    return code


def _env(args: list[str], proc: Process) -> int:
    proc.out("".join(f"{k}={v}\n" for k, v in proc.env.items()).encode())
    return 0


def _sleep(args: list[str], proc: Process) -> int:
    if not args:
        proc.out(b"sleep: missing operand\n")
        return 1
    seconds = None if args[0] == "infinity" else float(args[0].rstrip("s"))
    if proc.stop.wait(seconds):
        raise Stopped
    return 0


def _httpd(args: list[str], proc: Process) -> int:
    opts: dict[str, str] = {}
    flags: set[str] = set()
    i = 0
    while i < len(args):
        if args[i] in ("-p", "-h") and i + 1 < len(args):
            opts[args[i]] = args[i + 1]
            i += 2
        else:
            flags.add(args[i])
            i += 1
    if "-f" not in flags:
        proc.out(b"httpd: the simulated httpd runs in the foreground only: pass -f\n")
        return 1
    port = int(opts.get("-p", "80").rsplit(":", 1)[-1])
    root = opts.get("-h", "/www")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(proc.fs, root))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    proc.listen(port, server.server_address[:2])
    try:
        proc.stop.wait()
    finally:
        proc.listen(port, None)
        server.shutdown()
        server.server_close()
    raise Stopped


def _handler_for(fs: SimFS, root: str) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "busybox-httpd-simulated"

        def do_GET(self) -> None:
            self._serve(body=True)

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def _serve(self, body: bool) -> None:
            path = posixpath.join(root, self.path.split("?", 1)[0].lstrip("/"))
            data = fs.read(path)
            if data is None:
                data = fs.read(posixpath.join(path, "index.html"))
            if data is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            ctype = "text/html" if path.endswith((".html", "/")) or path == root else (
                "application/octet-stream")
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # busybox httpd logs nothing without -v

    return Handler


_COMMANDS: dict[str, Callable[[list[str], Process], int]] = {
    "echo": _echo,
    "cat": _cat,
    "ls": _ls,
    "env": _env,
    "true": lambda args, proc: 0,
    "false": lambda args, proc: 1,
    "sleep": _sleep,
    "httpd": _httpd,
}


def executable(argv: Sequence[str]) -> bool:
    """Whether ``argv[0]`` names a command of this model (else the engine cannot exec it)."""
    return bool(argv) and posixpath.basename(argv[0]) in {"sh", *_COMMANDS}


def not_found_message(argv: Sequence[str]) -> str:
    """The engine's message for an unknown executable (as Docker words it)."""
    return f'exec: "{argv[0] if argv else ""}": executable file not found in $PATH'


def split_command(command: Sequence[str] | str | None, default: Sequence[str]) -> list[str]:
    """A command as argv: a string is split like a shell word list (Docker does the same)."""
    if command is None:
        return list(default)
    return shlex.split(command) if isinstance(command, str) else list(command)
