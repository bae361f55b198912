"""The simulated container backend: in-process, fast, and faithful to the contract.

A container's main process is a thread running :mod:`sim_shell`'s command model
against a copy of the image's files. Published ports are real :class:`Tunnel`
listeners, so ``httpd -f -p 8080 -h /www`` really serves HTTP through the host port.

Leaks: the registry of containers, networks and volumes is persisted to a JSON state
file (``IPFS_ACCEL_SIM_STATE``, default ``<tmp>/pytest-ipfs-accel-<uid>/simulated-state.json``),
shared by every process under a file lock. A process that dies leaves its records
there, marked with its session labels, exactly like Docker would keep its containers;
a sweep removes them. Containers of another process are listed and removable, but
their logs and exec live only inside the owner.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_ipfs_accelerate.containers.backend import (
    CREATED,
    EXITED,
    RUNNING,
    TEST_IMAGE,
    ContainerError,
    ContainerInfo,
    ContainerNotFoundError,
    ContainerSpec,
    ExecResult,
    ImageNotFoundError,
    LocalImage,
    PortBinding,
    ResourceInfo,
    ResourceNotFoundError,
    labels_match,
    normalise_image,
    port_request,
)
from pytest_ipfs_accelerate.containers.lease import state_dir
from pytest_ipfs_accelerate.containers.sim_shell import Process as ShellProcess
from pytest_ipfs_accelerate.containers.sim_shell import (
    SimFS,
    executable,
    not_found_message,
    run_command,
    split_command,
)
from pytest_ipfs_accelerate.containers.tunnel import Tunnel

STATE_ENV = "IPFS_ACCEL_SIM_STATE"
#: Another process's container, as the state file records it: ``(id, record)``.
_Record = tuple[str, dict]
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # Docker's default


@dataclass
class SimImage:
    """An image the simulated engine knows: files, default command, env and labels."""

    name: str
    files: dict[str, bytes]
    cmd: list[str] = field(default_factory=lambda: ["/bin/sh"])
    env: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.files.values())


def busybox_test_image() -> SimImage:
    """The simulated twin of .ci/build-busybox-image.sh's image (same files that matter)."""
    return SimImage(
        name=TEST_IMAGE,
        files={
            "/www/index.html": b"<html><body>pytest-ipfs-accel busybox test image</body></html>\n",
            "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
            "/etc/group": b"root:x:0:\nnogroup:x:65534:\n",
        },
        labels={"org.pytest-ipfs-accel.test-image": "1"},
    )


def default_state_file() -> Path:
    """Where the simulated registry lives unless ``IPFS_ACCEL_SIM_STATE`` says otherwise."""
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env)
    return state_dir() / "simulated-state.json"


class _Container:
    def __init__(self, cid: str, name: str, image: SimImage, spec: ContainerSpec,
                 env: dict[str, str], fs: SimFS) -> None:
        self.id = cid
        self.name = name
        self.image = image
        self.spec = spec
        self.env = env
        self.fs = fs
        self.state = CREATED
        self.exit_code: int | None = None
        self.started_once = False
        self.log_chunks: list[bytes] = []
        self.log_lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.listeners: dict[int, tuple[str, int]] = {}
        self.tunnels: list[tuple[int, Tunnel]] = []

    def log(self, data: bytes) -> None:
        with self.log_lock:
            self.log_chunks.append(data)

    def listen(self, port: int, address: tuple[str, int] | None) -> None:
        if address is None:
            self.listeners.pop(port, None)
        else:
            self.listeners[port] = address


class SimulatedBackend:
    """In-process container engine honouring :class:`ContainerBackend`."""

    name = "simulated"
    is_simulated = True

    def __init__(self, state_file: Path | str | bool | None = None,
                 images: Sequence[SimImage] | None = None) -> None:
        """``state_file``: a path, None for the default, False for no persistence."""
        if state_file is False:
            self.state_file: Path | None = None
        else:
            self.state_file = Path(state_file) if state_file else default_state_file()
        self._images = {img.name: img for img in (images or [busybox_test_image()])}
        self._containers: dict[str, _Container] = {}
        self._networks: dict[str, dict[str, str]] = {}
        self._volumes: dict[str, dict[str, str]] = {}
        self._volume_data: dict[str, dict[str, bytes]] = {}
        self._lock = threading.RLock()
        self._pid = os.getpid()
        #: Which records are this instance's (several instances may share a process).
        self._owner = f"{self._pid}-{uuid.uuid4().hex[:8]}"

    # -- registry persistence ------------------------------------------------------
    @contextlib.contextmanager
    def _state(self) -> Iterator[dict]:
        """The shared state, locked; changes made to the yielded dict are saved."""
        if self.state_file is None:
            yield {"containers": {}, "networks": {}, "volumes": {}}
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.state_file.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = json.loads(self.state_file.read_text() or "{}")
            except (FileNotFoundError, json.JSONDecodeError):
                state = {}
            for key in ("containers", "networks", "volumes"):
                state.setdefault(key, {})
            yield state
            tmp = self.state_file.with_suffix(f".{self._pid}.tmp")
            tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
            tmp.replace(self.state_file)

    def _save(self, c: _Container) -> None:
        with self._state() as state:
            if c.state == "removed":
                state["containers"].pop(c.id, None)
            else:
                state["containers"][c.id] = self._record(c)

    def _record(self, c: _Container) -> dict:
        return {
            "name": c.name, "image": c.image.name, "status": c.state, "exit_code": c.exit_code,
            "labels": dict(c.spec.labels), "env": c.env, "owner": self._owner,
            "ports": [[p.container_port, p.host_ip, p.host_port] for p in self._bindings(c)],
        }

    # -- lookups -------------------------------------------------------------------
    def describe(self) -> str:
        return f"simulated engine (state file {self.state_file or 'none'})"

    def _get(self, ref: str) -> _Container:
        """This process's container ``ref``; another process's one is an error."""
        found = self._lookup(ref)
        if isinstance(found, _Container):
            return found
        raise ContainerError(
            f"simulated container {ref!r} belongs to another process; its processes, "
            "logs and exec live only there (it can be listed and removed from here)"
        )

    def _lookup(self, ref: str) -> _Container | _Record:
        """This process's container ``ref``, else another process's record of it."""
        with self._lock:
            if ref in self._containers:
                return self._containers[ref]
            for c in self._containers.values():
                if c.name == ref or (len(ref) >= 4 and c.id.startswith(ref)):
                    return c
        found = self._foreign(ref)
        if found is None:
            raise ContainerNotFoundError(f"no such container: {ref!r} (never created, or removed)")
        return found

    def _foreign(self, ref: str) -> _Record | None:
        with self._state() as state:
            for cid, rec in state["containers"].items():
                if cid == ref or rec["name"] == ref or (len(ref) >= 4 and cid.startswith(ref)):
                    return cid, rec
        return None

    def _bindings(self, c: _Container) -> list[PortBinding]:
        return [PortBinding(port, t.host_ip, t.host_port) for port, t in c.tunnels]

    # -- lifecycle -----------------------------------------------------------------
    def create(self, spec: ContainerSpec) -> str:
        image_name = normalise_image(spec.image)
        image = self._images.get(image_name)
        if image is None:
            raise ImageNotFoundError(
                f"image {image_name!r} is not known to the simulated engine; known: "
                f"{', '.join(sorted(self._images)) or 'none'} (register it with add_image())"
            )
        if spec.network and spec.network not in self._networks:
            raise ResourceNotFoundError(f"network {spec.network!r} not found; create it first")
        with self._lock:
            name = spec.name or f"sim_{uuid.uuid4().hex[:8]}"
            if any(c.name == name for c in self._containers.values()) or (
                    self._foreign(name) is not None):
                raise ContainerError(
                    f"container name {name!r} is already in use; remove that container or "
                    "pick another name")
            mounts = {}
            for volume, path in spec.volumes.items():
                if volume not in self._volumes:
                    self._volumes[volume] = {}
                mounts[path] = self._volume_data.setdefault(volume, {})
            env = {**image.env, **{str(k): str(v) for k, v in spec.env.items()}}
            labels = {**image.labels, **spec.labels}  # Docker merges image labels in too
            spec = dataclasses.replace(spec, labels=labels)
            c = _Container(uuid.uuid4().hex + uuid.uuid4().hex, name, image, spec, env,
                           SimFS(dict(image.files), mounts))
            self._containers[c.id] = c
        self._save(c)
        return c.id

    def start(self, ref: str) -> None:
        c = self._get(ref)
        with self._lock:
            if c.state == RUNNING:
                return
            argv = split_command(c.spec.command, c.image.cmd)
            tunnels: list[tuple[int, Tunnel]] = []
            try:
                for cport, value in c.spec.ports.items():
                    host_ip, host_port = port_request(value)
                    tunnel = Tunnel(lambda p=int(cport), c=c: c.listeners.get(p),
                                    host_ip=host_ip, host_port=host_port or 0)
                    tunnels.append((int(cport), tunnel.start()))
            except BaseException:
                for _, t in tunnels:
                    t.close()
                raise
            c.tunnels = tunnels
            c.stop_event = threading.Event()
            c.state, c.exit_code, c.started_once = RUNNING, None, True
            proc = ShellProcess(c.fs, self._runtime_env(c), c.log, c.stop_event, c.listen)
            c.thread = threading.Thread(target=self._main, args=(c, argv, proc),
                                        name=f"sim-{c.name}", daemon=True)
            c.thread.start()
        self._save(c)

    @staticmethod
    def _runtime_env(c: _Container) -> dict[str, str]:
        """What a process sees: the engine's defaults, then image and container env."""
        return {"PATH": _PATH, "HOSTNAME": c.id[:12], "HOME": "/root", **c.env}

    def _main(self, c: _Container, argv: list[str], proc: ShellProcess) -> None:
        if executable(argv):
            code = run_command(argv, proc)
        else:  # what Docker's init (tini) does with an unknown executable
            c.log(f"[FATAL tini (7)] exec {argv[0] if argv else ''} failed: "
                  "No such file or directory\n".encode())
            code = 127
        with self._lock:
            for _, t in c.tunnels:
                t.close()
            c.tunnels = []
            c.exit_code, c.state = code, EXITED
        self._save(c)

    def run(self, spec: ContainerSpec) -> str:
        cid = self.create(spec)
        try:
            self.start(cid)
        except BaseException:
            self.remove(cid, force=True)
            raise
        return cid

    def stop(self, ref: str, timeout: float = 10.0) -> None:
        c = self._get(ref)
        if c.state != RUNNING or c.thread is None:
            return
        c.stop_event.set()
        c.thread.join(timeout)

    def remove(self, ref: str, force: bool = False) -> None:
        c = self._lookup(ref)
        if not isinstance(c, _Container):  # another process's: drop its record
            with self._state() as state:
                state["containers"].pop(c[0], None)
            return
        if c.state == RUNNING:
            if not force:
                raise ContainerError(
                    f"cannot remove running container {c.name!r}: stop it first or use force")
            self.stop(c.id)
        with self._lock:
            self._containers.pop(c.id, None)
            c.state = "removed"
        self._save(c)

    def status(self, ref: str) -> str:
        c = self._lookup(ref)
        return c.state if isinstance(c, _Container) else c[1]["status"]

    def inspect(self, ref: str) -> ContainerInfo:
        c = self._lookup(ref)
        if not isinstance(c, _Container):
            return self._info_from_record(*c)
        return ContainerInfo(
            id=c.id, name=c.name, image=c.image.name, status=c.state,
            labels=dict(c.spec.labels), env=dict(c.env), ports=tuple(self._bindings(c)),
            exit_code=c.exit_code)

    @staticmethod
    def _info_from_record(cid: str, rec: dict) -> ContainerInfo:
        return ContainerInfo(
            id=cid, name=rec["name"], image=rec["image"], status=rec["status"],
            labels=rec["labels"], env=rec["env"],
            ports=tuple(PortBinding(p[0], p[1], p[2]) for p in rec.get("ports", [])),
            exit_code=rec.get("exit_code"))

    def logs(self, ref: str) -> str:
        c = self._get(ref)
        with c.log_lock:
            return b"".join(c.log_chunks).decode("utf-8", errors="replace")

    def exec(self, ref: str, command: Sequence[str] | str) -> ExecResult:
        c = self._get(ref)
        if c.state != RUNNING:
            raise ContainerError(f"container {c.name!r} is not running (state {c.state})")
        argv = split_command(command, [])
        if not executable(argv):
            return ExecResult(126, f"OCI runtime exec failed: {not_found_message(argv)}\n".encode())
        out: list[bytes] = []
        code = run_command(argv,
                           ShellProcess(c.fs, self._runtime_env(c), out.append, c.stop_event, lambda p, a: None))
        return ExecResult(code, b"".join(out))

    def wait(self, ref: str, timeout: float) -> int:
        c = self._get(ref)
        deadline = time.monotonic() + timeout
        while c.state != EXITED or c.exit_code is None:
            if c.thread is not None:
                c.thread.join(max(0.0, deadline - time.monotonic()))
            elif time.monotonic() < deadline:
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline and c.state != EXITED:
                raise ContainerError(f"container {c.name!r} did not exit within {timeout}s")
        return c.exit_code

    def ports(self, ref: str) -> list[PortBinding]:
        return self._bindings(self._get(ref))

    def list_containers(self, labels: Mapping[str, str] | None = None) -> list[ContainerInfo]:
        with self._lock:
            mine = {c.id: self.inspect(c.id) for c in list(self._containers.values())}
        with self._state() as state:
            records = dict(state["containers"])
        out = list(mine.values())
        out += [self._info_from_record(cid, rec) for cid, rec in records.items()
                if cid not in mine and rec.get("owner") != self._owner]
        return [info for info in out if labels_match(info.labels, labels)]

    def images(self) -> list[LocalImage]:
        return [LocalImage((img.name,), dict(img.labels), img.size)
                for img in self._images.values()]

    def add_image(self, image: SimImage) -> None:
        """Make an image known to this engine (like ``docker import``)."""
        self._images[normalise_image(image.name)] = image

    # -- networks and volumes ----------------------------------------------------
    def create_network(self, name: str, labels: Mapping[str, str] | None = None) -> str:
        return self._create_resource("networks", self._networks, name, labels)

    def create_volume(self, name: str, labels: Mapping[str, str] | None = None) -> str:
        return self._create_resource("volumes", self._volumes, name, labels)

    def _create_resource(self, kind: str, table: dict[str, dict[str, str]], name: str,
                         labels: Mapping[str, str] | None) -> str:
        with self._lock:
            table[name] = dict(labels or {})
        with self._state() as state:
            state[kind][name] = {"labels": dict(labels or {}), "owner": self._owner}
        return name

    def remove_network(self, name: str) -> None:
        self._remove_resource("networks", self._networks, name)

    def remove_volume(self, name: str) -> None:
        with self._lock:
            if any(name in c.spec.volumes for c in self._containers.values()):
                raise ContainerError(f"volume {name!r} is in use by a container; remove it first")
        self._remove_resource("volumes", self._volumes, name)
        self._volume_data.pop(name, None)

    def _remove_resource(self, kind: str, table: dict[str, dict[str, str]], name: str) -> None:
        with self._lock:
            mine = table.pop(name, None)
        with self._state() as state:
            theirs = state[kind].pop(name, None)
        if mine is None and theirs is None:
            raise ResourceNotFoundError(f"no such {kind[:-1]}: {name!r}")

    def list_resources(self, labels: Mapping[str, str] | None = None) -> list[ResourceInfo]:
        found: dict[tuple[str, str], dict[str, str]] = {}
        with self._state() as state:
            for kind in ("networks", "volumes"):
                for name, rec in state[kind].items():
                    found[(kind[:-1], name)] = rec["labels"]
        with self._lock:
            found.update({("network", n): lab for n, lab in self._networks.items()})
            found.update({("volume", n): lab for n, lab in self._volumes.items()})
        return [ResourceInfo(kind, name, lab) for (kind, name), lab in sorted(found.items())
                if labels_match(lab, labels)]

    def close(self) -> None:
        """Stop this process's running containers (they cannot outlive it anyway)."""
        with self._lock:
            running = [c for c in self._containers.values() if c.state == RUNNING]
        for c in running:
            self.stop(c.id, timeout=1.0)
