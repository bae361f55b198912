"""Wait strategies: when is a started container ready?

Each strategy polls until ready or until its startup timeout; on a timeout, or when the
container exits first, it raises :class:`WaitTimeoutError` with the container's logs.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_ipfs_accelerate.containers.backend import (
    RUNNING,
    ContainerBackend,
    ContainerError,
    WaitTimeoutError,
)

_POLL_S = 0.05
#: How often a wait also checks that the container still runs.
_STATUS_EVERY_S = 0.25


@dataclass
class WaitStrategy:
    """Base: ``timeout`` is the startup timeout in seconds."""

    timeout: float = 30.0

    def describe(self) -> str:
        raise NotImplementedError

    def ready(self, backend: ContainerBackend, ref: str) -> bool:
        """One probe; True when the container is ready."""
        raise NotImplementedError

    def wait(self, backend: ContainerBackend, ref: str) -> float:
        """Poll until ready and return the seconds it took; WaitTimeoutError otherwise."""
        start = time.monotonic()
        deadline = start + self.timeout
        next_status = start + _STATUS_EVERY_S
        while True:
            if self.ready(backend, ref):
                return time.monotonic() - start
            now = time.monotonic()
            if now >= next_status or now >= deadline:  # one engine call less per poll
                next_status = now + _STATUS_EVERY_S
                status = backend.status(ref)
                if status != RUNNING:
                    self._fail(backend, ref, f"the container is {status} "
                               f"(exit code {backend.inspect(ref).exit_code}) before it was ready")
            if now >= deadline:
                self._fail(backend, ref, f"not ready after {self.timeout}s")
            time.sleep(_POLL_S)

    def _fail(self, backend: ContainerBackend, ref: str, why: str) -> None:
        try:
            logs = backend.logs(ref)
        except ContainerError as exc:
            logs = f"<logs unavailable: {exc}>"
        raise WaitTimeoutError(
            f"container {ref[:12]} waiting for {self.describe()}: {why}; raise the startup "
            f"timeout or fix the command.\n--- container logs ---\n{logs or '<empty>'}"
        )


def host_address(backend: ContainerBackend, ref: str, container_port: int) -> tuple[str, int]:
    """The host address publishing ``container_port``; ContainerError when unpublished."""
    for binding in backend.ports(ref):
        if binding.container_port == container_port:
            host = "127.0.0.1" if binding.host_ip in ("", "0.0.0.0") else binding.host_ip
            return host, binding.host_port
    raise ContainerError(
        f"container port {container_port} of {ref[:12]} is not published; add it to ports=")


@dataclass
class LogLine(WaitStrategy):
    """Ready when a log line matches ``pattern`` (a regular expression) ``times`` times."""

    pattern: str = ""
    times: int = 1

    def describe(self) -> str:
        return f"log line /{self.pattern}/"

    def ready(self, backend: ContainerBackend, ref: str) -> bool:
        rx = re.compile(self.pattern)
        return sum(1 for line in backend.logs(ref).splitlines() if rx.search(line)) >= self.times


@dataclass
class PortOpen(WaitStrategy):
    """Ready when the published ``port`` accepts a TCP connection and does not drop it.

    A proxy (docker-proxy, our tunnels) accepts at once and then closes when nothing
    listens behind it, so the probe waits briefly for that close.
    """

    port: int = 0

    def describe(self) -> str:
        return f"port {self.port} open"

    def ready(self, backend: ContainerBackend, ref: str) -> bool:
        address = host_address(backend, ref, self.port)
        try:
            with socket.create_connection(address, timeout=1.0) as sock:
                sock.settimeout(0.05)
                try:
                    return sock.recv(1) != b""
                except TimeoutError:
                    return True  # still open: something listens behind the proxy
        except OSError:
            return False


@dataclass
class HttpStatus(WaitStrategy):
    """Ready when ``GET http://host:<published port><path>`` answers ``status``."""

    port: int = 0
    path: str = "/"
    status: int = 200

    def describe(self) -> str:
        return f"HTTP {self.status} from port {self.port}{self.path}"

    def ready(self, backend: ContainerBackend, ref: str) -> bool:
        host, port = host_address(backend, ref, self.port)
        try:
            with urllib.request.urlopen(f"http://{host}:{port}{self.path}", timeout=2) as resp:
                return resp.status == self.status
        except urllib.error.HTTPError as exc:
            return exc.code == self.status
        except (OSError, ValueError):
            return False


@dataclass
class CommandSucceeds(WaitStrategy):
    """Ready when ``command`` exits 0 inside the container."""

    command: Sequence[str] | str = ("true",)

    def describe(self) -> str:
        return f"command {self.command!r} to succeed"

    def ready(self, backend: ContainerBackend, ref: str) -> bool:
        try:
            return backend.exec(ref, self.command).exit_code == 0
        except ContainerError:
            return False


def log_line(pattern: str, timeout: float = 30.0, times: int = 1) -> LogLine:
    """Wait for a log line matching ``pattern``."""
    return LogLine(timeout=timeout, pattern=pattern, times=times)


def port_open(port: int, timeout: float = 30.0) -> PortOpen:
    """Wait until the published container ``port`` accepts connections."""
    return PortOpen(timeout=timeout, port=port)


def http_status(port: int, path: str = "/", status: int = 200, timeout: float = 30.0) -> HttpStatus:
    """Wait until ``GET path`` on the published container ``port`` answers ``status``."""
    return HttpStatus(timeout=timeout, port=port, path=path, status=status)


def command_succeeds(command: Sequence[str] | str, timeout: float = 30.0) -> CommandSucceeds:
    """Wait until ``command`` exits 0 inside the container."""
    return CommandSucceeds(timeout=timeout, command=command)
