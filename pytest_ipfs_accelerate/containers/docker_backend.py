"""The Docker backend: the Docker SDK for Python against a real Docker Engine.

The engine is found through ``DOCKER_HOST``, else the Docker context (``DOCKER_CONTEXT``
or ``~/.docker/config.json``'s ``currentContext``), else the local socket. The SDK is
imported lazily. Images are never pulled: tests run offline, so a missing image is an
error that names it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pytest_ipfs_accelerate.containers.backend import (
    TEST_IMAGE,
    ContainerError,
    ContainerInfo,
    ContainerNotFoundError,
    ContainerSpec,
    EngineUnavailableError,
    ExecResult,
    ImageNotFoundError,
    LocalImage,
    PortBinding,
    PortInUseError,
    ResourceInfo,
    ResourceNotFoundError,
    port_request,
)

DEFAULT_HOST = "unix:///var/run/docker.sock"
_TEST_IMAGE_HINT = {TEST_IMAGE: "; a checkout of this project builds it offline with "
                                ".ci/build-busybox-image.sh"}


def resolve_engine_host(environ: Mapping[str, str] | None = None) -> tuple[str, str, Any]:
    """Return ``(base_url, where it came from, tls config or None)``.

    ``DOCKER_HOST`` wins; then the named or current Docker context; then the local socket.
    """
    env = os.environ if environ is None else environ
    if env.get("DOCKER_HOST"):
        return env["DOCKER_HOST"], "DOCKER_HOST", None
    try:
        from docker.context import ContextAPI
        from docker.context.config import get_current_context_name

        name = env.get("DOCKER_CONTEXT") or get_current_context_name()
        ctx = ContextAPI.get_context(name)
    except Exception:
        return DEFAULT_HOST, "default socket", None
    if ctx is not None and ctx.Host:
        return ctx.Host, f"docker context {name!r}", ctx.TLSConfig
    return DEFAULT_HOST, "default socket", None


def start_engine_hint(error: str = "") -> str:
    """How a user (pip install, no checkout) gets an engine that answers."""
    if "permission denied" in error.lower():
        return ("The engine runs but this user may not use its socket: add yourself to the "
                "docker group (sudo usermod -aG docker $USER, then log in again) or point "
                "DOCKER_HOST at an engine you may use")
    return ("To start one: install Docker Engine (https://docs.docker.com/engine/install/) or "
            "Docker Desktop, start it (sudo systemctl start docker, or open Docker Desktop) "
            "and check that `docker info` answers; or point DOCKER_HOST at a running engine; "
            "or use the simulated backend (--ipfs-accel-containers=simulated)")


def gpu_device_requests() -> list[Any]:
    """The device request for every GPU (``docker run --gpus all``)."""
    from docker.types import DeviceRequest

    return [DeviceRequest(count=-1, capabilities=[["gpu"]])]


def create_kwargs(spec: ContainerSpec, host_ip: str = "127.0.0.1") -> dict[str, Any]:
    """The ``client.containers.create`` keyword arguments for ``spec`` (pure; no engine).

    ``init=True`` runs docker-init as PID 1, so SIGTERM reaches the command and a stop
    takes milliseconds rather than the whole stop timeout.
    """
    kwargs: dict[str, Any] = {
        "image": spec.image,
        "command": spec.command,
        "name": spec.name,
        "environment": {str(k): str(v) for k, v in spec.env.items()},
        "labels": dict(spec.labels),
        "ports": {f"{int(p)}/tcp": port_request(v, host_ip) for p, v in spec.ports.items()},
        "volumes": {vol: {"bind": path, "mode": "rw"} for vol, path in spec.volumes.items()},
        "init": True,
        "detach": True,
    }
    if spec.network:
        kwargs["network"] = spec.network
    if spec.gpus:
        kwargs["device_requests"] = gpu_device_requests()
    return kwargs


class DockerBackend:
    """:class:`ContainerBackend` over the Docker SDK."""

    name = "docker"
    is_simulated = False
    _engine_version: str | None = None

    @property
    def engine_version(self) -> str | None:
        """The Docker Engine's version (asked once; None if it does not say)."""
        if self._engine_version is None:
            try:
                self._engine_version = str(self.client.version().get("Version") or "") or None
            except Exception:  # the version is a fact for reports, never a failure
                return None
        return self._engine_version

    def __init__(self, base_url: str | None = None, timeout: float = 60.0,
                 host_ip: str = "127.0.0.1", client: Any = None) -> None:
        """Connect and ping the engine; EngineUnavailableError names the host tried."""
        if base_url is None:
            base_url, self.source, tls = resolve_engine_host()
        else:
            self.source, tls = "argument", None
        self.base_url = base_url
        self.host_ip = host_ip
        try:
            import docker
        except ImportError as exc:
            raise EngineUnavailableError(
                "the Docker SDK is not installed: pip install 'pytest-ipfs-accelerate[docker]'"
            ) from exc
        try:
            self.client = client or docker.DockerClient(base_url=base_url, timeout=int(timeout),
                                                        tls=tls or False)
            self.client.ping()
        except Exception as exc:
            raise EngineUnavailableError(
                f"no Docker Engine answers at {base_url} (from {self.source}; "
                f"DOCKER_HOST={os.environ.get('DOCKER_HOST', '<unset>')}): {exc}. "
                + start_engine_hint(str(exc))
            ) from exc

    def describe(self) -> str:
        return f"Docker Engine at {self.base_url} ({self.source})"

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Translate SDK errors into ours, naming ``what``."""
        import docker.errors
        import requests.exceptions

        try:
            yield
        except docker.errors.ImageNotFound as exc:
            raise ImageNotFoundError(
                f"image {what!r} is not on the engine at {self.base_url}: pull it first "
                f"(docker pull {what}); tests never pull{_TEST_IMAGE_HINT.get(what, '')} "
                f"({exc.explanation})"
            ) from exc
        except docker.errors.NotFound as exc:
            raise ContainerNotFoundError(f"no such container: {what!r} ({exc.explanation})") from exc
        except docker.errors.APIError as exc:
            text = str(exc.explanation or exc)
            if "port is already allocated" in text or "address already in use" in text:
                raise PortInUseError(f"{what}: a host port is already in use: {text}") from exc
            raise ContainerError(f"{what}: {text}") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise ContainerError(f"{what}: engine at {self.base_url} did not answer: {exc}") from exc

    # -- lifecycle -----------------------------------------------------------------
    def create(self, spec: ContainerSpec) -> str:
        kwargs = create_kwargs(spec, self.host_ip)
        with self._errors(spec.image):
            # The low-level call skips the SDK's extra inspect; an absent image is a 404
            # (ImageNotFound), never a pull.
            try:
                from docker.models.containers import _create_container_args
            except ImportError:  # the SDK moved its helper: take the high-level path
                return self.client.containers.create(**kwargs).id
            args = _create_container_args({**kwargs, "version": self.client.api._version})
            return self.client.api.create_container(**args)["Id"]

    def start(self, ref: str) -> None:
        with self._errors(ref):
            self.client.api.start(ref)

    def run(self, spec: ContainerSpec) -> str:
        cid = self.create(spec)
        try:
            self.start(cid)
        except BaseException:
            try:
                self.remove(cid, force=True)
            except ContainerError:
                pass
            raise
        return cid

    def stop(self, ref: str, timeout: float = 10.0) -> None:
        with self._errors(ref):
            self.client.api.stop(ref, timeout=max(0, round(timeout)))

    def remove(self, ref: str, force: bool = False) -> None:
        with self._errors(ref):
            self.client.api.remove_container(ref, force=force, v=False)

    def _attrs(self, ref: str) -> dict[str, Any]:
        with self._errors(ref):
            return self.client.api.inspect_container(ref)

    def status(self, ref: str) -> str:
        state = self._attrs(ref)["State"]["Status"]
        return "exited" if state in ("dead", "removing") else state

    def inspect(self, ref: str) -> ContainerInfo:
        return self._info(self._attrs(ref))

    def _info(self, attrs: dict[str, Any]) -> ContainerInfo:
        config = attrs.get("Config") or {}
        env = dict(item.split("=", 1) for item in (config.get("Env") or []) if "=" in item)
        state = attrs["State"]
        status = state["Status"] if isinstance(state, dict) else str(state)
        exit_code = state.get("ExitCode") if isinstance(state, dict) else None
        return ContainerInfo(
            id=attrs["Id"], name=attrs["Name"].lstrip("/"), image=config.get("Image", ""),
            status=status, labels=dict(config.get("Labels") or {}), env=env,
            ports=tuple(self._bindings(attrs)),
            exit_code=exit_code if status == "exited" else None)

    @staticmethod
    def _bindings(attrs: dict[str, Any]) -> list[PortBinding]:
        out = []
        for key, binds in ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).items():
            port, _, proto = key.partition("/")
            for b in binds or []:
                out.append(PortBinding(int(port), b["HostIp"], int(b["HostPort"]), proto or "tcp"))
        return out

    def logs(self, ref: str) -> str:
        with self._errors(ref):
            return self.client.api.logs(ref, stdout=True, stderr=True).decode(
                "utf-8", errors="replace")

    def exec(self, ref: str, command: Sequence[str] | str) -> ExecResult:
        with self._errors(ref):
            exec_id = self.client.api.exec_create(ref, command, stdout=True, stderr=True)["Id"]
            output = self.client.api.exec_start(exec_id)
            code = self.client.api.exec_inspect(exec_id)["ExitCode"]
        return ExecResult(int(code), output)

    def wait(self, ref: str, timeout: float) -> int:
        with self._errors(ref):
            try:
                return int(self.client.api.wait(ref, timeout=timeout)["StatusCode"])
            except Exception as exc:
                import requests.exceptions

                if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
                    raise ContainerError(f"container {ref!r} did not exit within {timeout}s") from exc
                raise

    def ports(self, ref: str) -> list[PortBinding]:
        return self._bindings(self._attrs(ref))

    @staticmethod
    def _label_filter(labels: Mapping[str, str] | None) -> dict[str, list[str]]:
        return {"label": [k if v == "" else f"{k}={v}" for k, v in (labels or {}).items()]}

    def list_containers(self, labels: Mapping[str, str] | None = None) -> list[ContainerInfo]:
        with self._errors("list containers"):
            rows = self.client.api.containers(all=True, filters=self._label_filter(labels))
        out = []
        for row in rows:
            try:
                out.append(self.inspect(row["Id"]))
            except ContainerNotFoundError:
                continue  # removed meanwhile
        return out

    def images(self) -> list[LocalImage]:
        with self._errors("list images"):
            rows = self.client.api.images()
        return [LocalImage(tuple(t for t in (r.get("RepoTags") or []) if t != "<none>:<none>"),
                           dict(r.get("Labels") or {}), int(r.get("Size") or 0)) for r in rows]

    # -- networks and volumes ----------------------------------------------------
    def create_network(self, name: str, labels: Mapping[str, str] | None = None) -> str:
        with self._errors(f"network {name}"):
            self.client.api.create_network(name, driver="bridge", labels=dict(labels or {}))
        return name

    def remove_network(self, name: str) -> None:
        self._remove_resource("network", self.client.api.remove_network, name)

    def create_volume(self, name: str, labels: Mapping[str, str] | None = None) -> str:
        with self._errors(f"volume {name}"):
            self.client.api.create_volume(name, labels=dict(labels or {}))
        return name

    def remove_volume(self, name: str) -> None:
        self._remove_resource("volume", self.client.api.remove_volume, name)

    @staticmethod
    def _remove_resource(kind: str, remove: Callable[[str], Any], name: str) -> None:
        """Remove a network or volume; a missing one is ResourceNotFoundError."""
        import docker.errors

        try:
            remove(name)
        except docker.errors.NotFound as exc:
            raise ResourceNotFoundError(f"no such {kind}: {name!r}") from exc
        except docker.errors.APIError as exc:
            raise ContainerError(f"{kind} {name}: {exc.explanation}") from exc

    def list_resources(self, labels: Mapping[str, str] | None = None) -> list[ResourceInfo]:
        filters = self._label_filter(labels)
        with self._errors("list networks and volumes"):
            nets = self.client.api.networks(filters=filters)
            vols = self.client.api.volumes(filters=filters).get("Volumes") or []
        return ([ResourceInfo("network", n["Name"], dict(n.get("Labels") or {})) for n in nets]
                + [ResourceInfo("volume", v["Name"], dict(v.get("Labels") or {})) for v in vols])

    def close(self) -> None:
        self.client.close()
