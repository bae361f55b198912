"""Start labelled containers, wait until ready, and clean up: the logic behind fixtures.

No pytest here: the ``container`` fixture, the CLI and the benchmarks all use
:class:`ContainerFactory`. Every operation is reported to an optional ``recorder``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from pytest_ipfs_accelerate.containers.backend import (
    ContainerBackend,
    ContainerError,
    ContainerInfo,
    ContainerSpec,
    ExecResult,
)
from pytest_ipfs_accelerate.containers.naming import SessionIdentity, image_hint
from pytest_ipfs_accelerate.containers.waits import WaitStrategy, host_address

#: ``recorder(op, target, duration_s, ok, error)``
Recorder = Callable[[str, str, float, bool, "str | None"], None]


@dataclass
class ContainerHandle:
    """A container started by a factory."""

    backend: ContainerBackend
    id: str
    name: str
    image: str
    spec: ContainerSpec
    ready_s: float | None = None

    def host_port(self, container_port: int) -> int:
        """The host port publishing ``container_port``."""
        return host_address(self.backend, self.id, container_port)[1]

    def url(self, container_port: int, path: str = "/") -> str:
        """``http://host:port/path`` for a published container port."""
        host, port = host_address(self.backend, self.id, container_port)
        return f"http://{host}:{port}/{path.lstrip('/')}"

    def logs(self) -> str:
        return self.backend.logs(self.id)

    def exec(self, command: Sequence[str] | str) -> ExecResult:
        return self.backend.exec(self.id, command)

    @property
    def status(self) -> str:
        return self.backend.status(self.id)

    def inspect(self) -> ContainerInfo:
        return self.backend.inspect(self.id)

    def stop(self, timeout: float = 10.0) -> None:
        self.backend.stop(self.id, timeout)


@dataclass
class ContainerFactory:
    """Creates containers, networks and volumes labelled with ``identity``; :meth:`close` removes them."""

    backend: ContainerBackend
    identity: SessionIdentity = field(default_factory=SessionIdentity)
    recorder: Recorder | None = None
    stop_timeout: float = 10.0
    #: ``gpus`` when a call does not say (the fixture sets it for a real CUDA accel_device).
    default_gpus: bool = False
    containers: list[ContainerHandle] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    @contextmanager
    def _timed(self, op: str, target: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        except BaseException as exc:
            if self.recorder:
                self.recorder(op, target, time.perf_counter() - start, False,
                              f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            raise
        if self.recorder:
            self.recorder(op, target, time.perf_counter() - start, True, None)

    def __call__(
        self,
        image: str,
        command: Sequence[str] | str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        ports: Mapping[int, int | tuple[str, int | None] | None] | Sequence[int] | None = None,
        wait_for: WaitStrategy | None = None,
        startup_timeout: float | None = None,
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
        volumes: Mapping[str, str] | None = None,
        network: str | None = None,
        gpus: bool | None = None,
    ) -> ContainerHandle:
        """Run ``image`` and wait for ``wait_for`` (its timeout, or ``startup_timeout``).

        ``ports``: a list of container ports (each published on a free 127.0.0.1 port)
        or a mapping as in :class:`ContainerSpec`. On a failed wait the container stays
        registered, so :meth:`close` still removes it; the error holds its logs.
        """
        if ports is not None and not isinstance(ports, Mapping):
            ports = {int(p): None for p in ports}
        spec = ContainerSpec(
            image=image, command=command, name=name or self.identity.new_name(image_hint(image)),
            env=dict(env or {}), ports=dict(ports or {}),
            labels={**(labels or {}), **self.identity.labels()},
            volumes=dict(volumes or {}), network=network,
            gpus=self.default_gpus if gpus is None else gpus)
        with self._timed("run", image):
            cid = self.backend.run(spec)
        handle = ContainerHandle(self.backend, cid, spec.name or cid, image, spec)
        self.containers.append(handle)
        if wait_for is not None:
            if startup_timeout is not None:
                wait_for = replace(wait_for, timeout=startup_timeout)
            with self._timed("wait_ready", image):
                handle.ready_s = wait_for.wait(self.backend, cid)
        return handle

    def network(self, name: str | None = None) -> str:
        """Create a labelled bridge network; removed by :meth:`close`."""
        return self._create("network", "net", self.backend.create_network, self.networks, name)

    def volume(self, name: str | None = None) -> str:
        """Create a labelled volume; removed by :meth:`close`."""
        return self._create("volume", "vol", self.backend.create_volume, self.volumes, name)

    def _create(self, kind: str, hint: str, create: Callable[[str, Mapping[str, str]], str],
                made: list[str], name: str | None) -> str:
        name = name or self.identity.new_name(hint)
        with self._timed(f"{kind}_create", name):
            create(name, self.identity.labels())
        made.append(name)
        return name

    def close(self) -> list[str]:
        """Stop and remove everything this factory made, newest first; returns the errors."""
        errors: list[str] = []
        while self.containers:
            handle = self.containers.pop()
            try:
                with self._timed("stop", handle.image):
                    self.backend.stop(handle.id, self.stop_timeout)
            except ContainerError as exc:
                errors.append(f"stop {handle.name}: {exc}")
            try:
                with self._timed("remove", handle.image):
                    self.backend.remove(handle.id, force=True)
            except ContainerError as exc:
                errors.append(f"remove {handle.name}: {exc}")
        for kind, names, remove in (("network", self.networks, self.backend.remove_network),
                                    ("volume", self.volumes, self.backend.remove_volume)):
            while names:
                item = names.pop()
                try:
                    with self._timed(f"{kind}_remove", item):
                        remove(item)
                except ContainerError as exc:
                    errors.append(f"remove {kind} {item}: {exc}")
        return errors
