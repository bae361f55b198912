"""TCP tunnels: a host port (127.0.0.1 by default) that forwards bytes to a target.

The simulated backend publishes container ports through these; any backend can open
one to a running container with :func:`open_tunnel`-style helpers. Threads, no asyncio:
each accepted connection gets two pump threads.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable

from pytest_ipfs_accelerate.containers.backend import PortInUseError

Target = Callable[[], "tuple[str, int] | None"]


class Tunnel:
    """Listen on ``host_ip:host_port`` (0: any free port) and forward each connection.

    ``target`` is an ``(ip, port)`` pair or a callable giving one at connect time (None:
    nothing listens there yet, so the connection is closed, as docker-proxy does).
    """

    def __init__(
        self,
        target: tuple[str, int] | Target,
        host_ip: str = "127.0.0.1",
        host_port: int = 0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._target = target if callable(target) else (lambda: target)
        self.host_ip = host_ip
        self.requested_port = host_port
        self.host_port = host_port
        self.connect_timeout = connect_timeout
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.bytes_forwarded = 0

    def start(self) -> Tunnel:
        """Bind and start accepting; PortInUseError when the host port is taken."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host_ip, self.requested_port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"host port {self.host_ip}:{self.requested_port} is already in use; "
                    "pick another port or pass None to get a free one"
                ) from exc
            raise
        sock.listen(64)
        self.host_port = sock.getsockname()[1]
        self._listener = sock
        threading.Thread(target=self._accept_loop, name=f"tunnel-{self.host_port}",
                         daemon=True).start()
        return self

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        target = self._target()
        if target is None:
            client.close()
            return
        try:
            upstream = socket.create_connection(target, timeout=self.connect_timeout)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            if self._closed.is_set():
                client.close()
                upstream.close()
                return
            self._conns.update((client, upstream))
        other = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        other.start()
        self._pump(client, upstream)
        other.join()
        with self._lock:
            self._conns.difference_update((client, upstream))
        client.close()
        upstream.close()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                self.bytes_forwarded += len(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        """Stop listening and cut open connections."""
        self._closed.set()
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept()
            except OSError:
                pass
            try:
                self._listener.close()
            except OSError:
                pass
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def __enter__(self) -> Tunnel:
        return self if self._listener else self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
