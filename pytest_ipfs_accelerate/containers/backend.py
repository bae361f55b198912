"""The container backend contract: one Protocol, its value types and its errors.

Every backend (simulated, Docker) implements :class:`ContainerBackend`; the contract
suite in ``tests/containers`` runs unchanged against each. A backend never imports pytest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pytest_ipfs_accelerate.errors import IpfsAccelError

#: Lifecycle states, as Docker names them.
CREATED = "created"
RUNNING = "running"
EXITED = "exited"
REMOVED = "removed"

#: The image the tests, docs and benchmarks use (built by .ci/build-busybox-image.sh).
TEST_IMAGE = "pytest-ipfs-accel/busybox:test"


class ContainerError(IpfsAccelError):
    """A container operation failed."""


class EngineUnavailableError(ContainerError):
    """The container engine is absent or does not answer."""


class ImageNotFoundError(ContainerError):
    """The image is not present on the engine."""


class ContainerNotFoundError(ContainerError):
    """No container has that id or name (never created, or already removed)."""


class ResourceNotFoundError(ContainerError):
    """No network or volume has that name."""


class PortInUseError(ContainerError):
    """The requested host port is already bound."""


class WaitTimeoutError(ContainerError):
    """A wait strategy did not see the container ready in time; the message holds its logs."""


class CatalogueError(ContainerError):
    """The image catalogue file is malformed."""


@dataclass(frozen=True)
class PortBinding:
    """A published port: ``host_ip:host_port`` on the host forwards to ``container_port``."""

    container_port: int
    host_ip: str
    host_port: int
    protocol: str = "tcp"


@dataclass
class ContainerSpec:
    """What to run.

    ``ports`` maps a container port to a host port (``None``: any free port), or to a
    ``(host_ip, host_port)`` pair; the host IP defaults to 127.0.0.1. ``volumes`` maps a
    volume name to the path it is mounted at. ``gpus`` asks the engine for every GPU.
    """

    image: str
    command: Sequence[str] | str | None = None
    name: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    ports: Mapping[int, int | tuple[str, int | None] | None] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    volumes: Mapping[str, str] = field(default_factory=dict)
    network: str | None = None
    gpus: bool = False


@dataclass(frozen=True)
class ContainerInfo:
    """A snapshot of one container."""

    id: str
    name: str
    image: str
    status: str
    labels: dict[str, str]
    env: dict[str, str]
    ports: tuple[PortBinding, ...] = ()
    exit_code: int | None = None


@dataclass(frozen=True)
class ExecResult:
    """The outcome of a command run inside a container: exit code and combined output."""

    exit_code: int
    output: bytes

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class ResourceInfo:
    """A network or a volume, with its labels."""

    kind: str
    name: str
    labels: dict[str, str]


@dataclass(frozen=True)
class LocalImage:
    """An image present on the engine."""

    tags: tuple[str, ...]
    labels: dict[str, str]
    size: int


def normalise_image(name: str) -> str:
    """``busybox`` -> ``busybox:latest``; a name with a tag or digest is kept."""
    last = name.rsplit("/", 1)[-1]
    return name if (":" in last or "@" in name) else f"{name}:latest"


def port_request(
    value: int | tuple[str, int | None] | None, default_ip: str = "127.0.0.1"
) -> tuple[str, int | None]:
    """Normalise one ``ContainerSpec.ports`` value to ``(host_ip, host_port or None)``."""
    if isinstance(value, tuple):
        return value[0] or default_ip, value[1]
    return default_ip, value


@runtime_checkable
class ContainerBackend(Protocol):
    """What every container backend does. Ids and names are both accepted as ``ref``."""

    #: ``simulated`` or ``docker``: goes into every DB row and fixture id.
    name: str
    is_simulated: bool

    def describe(self) -> str:
        """Where the engine is (e.g. the DOCKER_HOST), for messages."""
        ...

    def create(self, spec: ContainerSpec) -> str:
        """Create a container (state ``created``) and return its id."""
        ...

    def start(self, ref: str) -> None:
        """Start it (``running``); binds its published ports (PortInUseError)."""
        ...

    def run(self, spec: ContainerSpec) -> str:
        """Create and start; a container that fails to start is removed again."""
        ...

    def stop(self, ref: str, timeout: float = 10.0) -> None:
        """Stop it (SIGTERM, then SIGKILL after ``timeout``); state ``exited``."""
        ...

    def remove(self, ref: str, force: bool = False) -> None:
        """Remove it; ``force`` stops a running one first."""
        ...

    def status(self, ref: str) -> str:
        """One of created, running, exited."""
        ...

    def inspect(self, ref: str) -> ContainerInfo:
        ...

    def logs(self, ref: str) -> str:
        """Its stdout and stderr so far."""
        ...

    def exec(self, ref: str, command: Sequence[str] | str) -> ExecResult:
        """Run a command in the running container."""
        ...

    def wait(self, ref: str, timeout: float) -> int:
        """Wait until it exits and return its exit code (ContainerError on timeout)."""
        ...

    def ports(self, ref: str) -> list[PortBinding]:
        """Its published ports (bound while it runs)."""
        ...

    def list_containers(self, labels: Mapping[str, str] | None = None) -> list[ContainerInfo]:
        """Containers (any state) carrying all of ``labels``; a key mapped to '' matches any value."""
        ...

    def images(self) -> list[LocalImage]:
        ...

    def create_network(self, name: str, labels: Mapping[str, str] | None = None) -> str:
        ...

    def remove_network(self, name: str) -> None:
        ...

    def create_volume(self, name: str, labels: Mapping[str, str] | None = None) -> str:
        ...

    def remove_volume(self, name: str) -> None:
        ...

    def list_resources(self, labels: Mapping[str, str] | None = None) -> list[ResourceInfo]:
        """Networks and volumes carrying all of ``labels``."""
        ...

    def close(self) -> None:
        ...


def labels_match(have: Mapping[str, str], want: Mapping[str, str] | None) -> bool:
    """True when ``have`` carries every key of ``want`` (with that value, unless it is '')."""
    if not want:
        return True
    return all(k in have and (v == "" or have[k] == v) for k, v in want.items())
