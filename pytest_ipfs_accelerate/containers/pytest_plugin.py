"""The containers package's pytest plugin: options, markers and fixtures.

Registered by pytest_ipfs_accelerate.plugin. Imports nothing heavy at module level:
the Docker SDK is loaded only when a test asks for a container backend.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ipfs_accelerate.containers.selection import BACKEND_ENV, CATALOGUE_ENV, open_backend

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.containers.backend import ContainerBackend
    from pytest_ipfs_accelerate.containers.factory import ContainerFactory, Recorder
    from pytest_ipfs_accelerate.containers.naming import SessionIdentity

_FACTORIES = pytest.StashKey["list[ContainerFactory]"]()
_IDENTITY = pytest.StashKey["SessionIdentity"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ipfs-accelerate")
    group.addoption(
        "--ipfs-accel-containers", dest="ipfs_accel_containers", default=None,
        choices=("auto", "simulated", "docker"),
        help="Container backend for the container fixtures: auto (Docker when an engine "
             f"answers, else simulated), simulated or docker. Env {BACKEND_ENV}; "
             "config [containers] backend. Default: auto.")
    group.addoption(
        "--ipfs-accel-containers-catalogue", dest="ipfs_accel_containers_catalogue",
        default=None, metavar="TOML",
        help=f"Image catalogue (TOML) for the container_images fixture. Env {CATALOGUE_ENV}; "
             "config [containers] catalogue.")
    group.addoption(
        "--ipfs-accel-containers-no-sweep", dest="ipfs_accel_containers_sweep",
        action="store_false", default=None,
        help="Do not remove, at startup, containers left by dead sessions (those whose "
             "lease is gone).")


_CHOICE_MEANS = {
    "auto": "Docker if an engine answers at first use, else simulated",
    "docker": "Docker Engine",
    "simulated": "in-process",
}


def pytest_report_header(config: pytest.Config) -> str | None:
    """The configured backend, without probing the engine (that waits for first use); the
    one used, with its engine version, is in the run's facts and the summary."""
    from pytest_ipfs_accelerate.config import resolve

    try:
        choice = str(resolve(config, option="ipfs_accel_containers", key="containers.backend",
                             env=BACKEND_ENV, default="auto"))
    except pytest.UsageError:  # pytest reports a bad value where it is used, once
        return None
    return f"containers backend: {choice} ({_CHOICE_MEANS.get(choice, 'unknown choice')})"


def identity_for(config: pytest.Config) -> SessionIdentity:
    """This process's session identity (labels, names), worker-aware under xdist."""
    from pytest_ipfs_accelerate.containers.naming import SessionIdentity

    ident = config.stash.get(_IDENTITY, None)
    if ident is None:
        worker = getattr(config, "workerinput", {}).get("workerid", "main")
        ident = config.stash[_IDENTITY] = SessionIdentity(worker=worker)
    return ident


def _record(config: pytest.Config, backend: ContainerBackend) -> Recorder:
    """A factory recorder that writes ``kind="container"`` operation rows (no-op when DB off)."""
    from pytest_ipfs_accelerate.operations import record_operation, recording

    def recorder(op: str, target: str, duration_s: float, ok: bool, error: str | None) -> None:
        if not recording(config):
            return  # nor ask the engine its version
        record_operation(config, kind="container", op=op, backend=backend.name,
                         is_simulated=backend.is_simulated, duration_s=duration_s,
                         target=target, ok=ok, error=error,
                         backend_version=getattr(backend, "engine_version", None))

    return recorder


@pytest.fixture(scope="session")
def container_backend(request: pytest.FixtureRequest) -> Iterator[ContainerBackend]:
    """The session's container backend (``backend.name``: simulated or docker).

    Chosen by ``--ipfs-accel-containers`` / ``IPFS_ACCEL_CONTAINERS`` / ``[containers]
    backend``: ``auto`` takes Docker when an engine answers, else the simulated one.
    Asking for ``docker`` without an engine skips, or fails in strict mode (CI). On
    first use it sweeps resources of sessions whose lease is dead; at the end it removes
    whatever this session left behind, then gives its lease up.
    """
    from pytest_ipfs_accelerate.config import resolve
    from pytest_ipfs_accelerate.containers.backend import ContainerError, EngineUnavailableError
    from pytest_ipfs_accelerate.containers.naming import LABEL_SESSION
    from pytest_ipfs_accelerate.containers.sweep import sweep
    from pytest_ipfs_accelerate.strict import missing_backend

    config = request.config
    choice = str(resolve(config, option="ipfs_accel_containers", key="containers.backend",
                         env=BACKEND_ENV, default="auto"))
    try:
        backend = open_backend(choice)
    except EngineUnavailableError as exc:
        missing_backend(config, "Docker Engine", str(exc))
    ident = identity_for(config)
    recorder = _record(config, backend)
    if resolve(config, option="ipfs_accel_containers_sweep", key="containers.sweep",
               env="IPFS_ACCEL_CONTAINERS_SWEEP", default=True):
        import time

        start = time.perf_counter()
        try:  # a failed sweep must not fail the tests; it is recorded
            result = sweep(backend, keep_session=ident.session_id)
            outcome = (f"{result.removed} removed", not result.errors,
                       "; ".join(result.errors) or None)
        except ContainerError as exc:
            outcome = ("sweep", False, str(exc))
        recorder("sweep", outcome[0], time.perf_counter() - start, outcome[1], outcome[2])
    yield backend
    # Leftovers of this session (a factory whose teardown failed): remove them now.
    from pytest_ipfs_accelerate.containers.factory import ContainerFactory

    leftover = ContainerFactory(backend, ident, recorder)
    own = {LABEL_SESSION: ident.session_id}
    try:
        for info in backend.list_containers(own):
            leftover.containers.append(_adopt(backend, info))
        for res in backend.list_resources(own):
            (leftover.networks if res.kind == "network" else leftover.volumes).append(res.name)
        leftover.close()
    finally:
        backend.close()
        ident.release()  # whatever is still labelled with us is now sweepable


def _adopt(backend: ContainerBackend, info: Any) -> Any:
    from pytest_ipfs_accelerate.containers.backend import ContainerSpec
    from pytest_ipfs_accelerate.containers.factory import ContainerHandle

    return ContainerHandle(backend, info.id, info.name, info.image, ContainerSpec(info.image))


def _wants_gpus(request: pytest.FixtureRequest) -> bool:
    """True when the test runs on a real, available CUDA ``accel_device``."""
    if "accel_device" not in request.fixturenames:
        return False
    device = request.getfixturevalue("accel_device")
    return (getattr(device, "kind", "") == "cuda" and not getattr(device, "is_simulated", True)
            and getattr(device, "available", False))


@pytest.fixture
def container(request: pytest.FixtureRequest,
              container_backend: ContainerBackend) -> Iterator[ContainerFactory]:
    """Factory: ``container(image, command=None, *, env, ports, wait_for, startup_timeout,
    name, labels, volumes, network, gpus)`` starts a container and returns its handle
    (``.id``, ``.name``, ``.host_port(p)``, ``.url(p, path)``, ``.logs()``, ``.exec(cmd)``).

    ``wait_for`` is a strategy from ``pytest_ipfs_accelerate.containers.waits``
    (``log_line``, ``port_open``, ``http_status``, ``command_succeeds``); on its timeout
    the error holds the logs. Names are unique per xdist worker; everything is labelled
    with the session and removed at teardown, which always runs. A failing test's report
    gets each container's logs. ``gpus`` defaults to True when the test's
    ``accel_device`` is a real CUDA device. Also: ``container.network()``,
    ``container.volume()``.
    """
    from pytest_ipfs_accelerate.containers.factory import ContainerFactory

    factory = ContainerFactory(container_backend, identity_for(request.config),
                               _record(request.config, container_backend),
                               default_gpus=_wants_gpus(request))
    request.node.stash.setdefault(_FACTORIES, []).append(factory)
    if not request.config.pluginmanager.has_plugin(_LOGS_PLUGIN):
        request.config.pluginmanager.register(_ContainerLogs(), _LOGS_PLUGIN)
    request.node.user_properties.append(("ipfs_accel_container_backend", container_backend.name))
    try:
        yield factory
    finally:
        errors = factory.close()
        if errors:
            pytest.fail("container teardown failed:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def container_images(request: pytest.FixtureRequest, container_backend: ContainerBackend) -> list:
    """The image marketplace: the engine's images plus the configured catalogue's entries
    (``ImageEntry``); filter them with ``catalogue.filter_images``."""
    from pytest_ipfs_accelerate.config import resolve
    from pytest_ipfs_accelerate.containers.catalogue import marketplace

    path = resolve(request.config, option="ipfs_accel_containers_catalogue",
                   key="containers.catalogue", env=CATALOGUE_ENV, default="")
    return marketplace(container_backend, path or None)


_LOGS_PLUGIN = "ipfs_accel_container_logs"


class _ContainerLogs:
    """Registered when the first ``container`` factory is made (other suites pay nothing
    per test): attaches each live container's logs to a failing test's report."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]
                                  ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        factories = item.stash.get(_FACTORIES, None)
        if factories and report.failed:
            _attach_logs(report, factories)
        return report


def _attach_logs(report: pytest.TestReport, factories: list[ContainerFactory]) -> None:
    from pytest_ipfs_accelerate.containers.backend import ContainerError

    for factory in factories:
        for handle in factory.containers:
            try:
                logs = handle.logs()
            except ContainerError as exc:
                logs = f"<logs unavailable: {exc}>"
            report.sections.append(
                (f"container logs: {handle.name} ({handle.image})", logs or "<empty>"))
