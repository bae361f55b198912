"""Pure pieces: the simulated command model, tunnels, names, sweeps, Docker arguments."""

from __future__ import annotations

import re
import socket
import threading

import pytest

from pytest_ipfs_accelerate.containers.backend import (
    ContainerInfo,
    ContainerSpec,
    EngineUnavailableError,
    PortInUseError,
    labels_match,
    normalise_image,
)
from pytest_ipfs_accelerate.containers.naming import (
    LABEL_PID,
    LABEL_SESSION,
    SessionIdentity,
    image_hint,
)
from pytest_ipfs_accelerate.containers.sim_shell import Process, SimFS, run_command
from pytest_ipfs_accelerate.containers.sweep import sweep
from pytest_ipfs_accelerate.containers.tunnel import Tunnel


def _sh(script: str, files: dict[str, bytes] | None = None) -> tuple[int, str, SimFS]:
    fs = SimFS(dict(files or {}))
    out: list[bytes] = []
    code = run_command(["sh", "-c", script],
                       Process(fs, {"A": "1"}, out.append, threading.Event(), lambda p, a: None))
    return code, b"".join(out).decode(), fs


@pytest.mark.parametrize(("script", "code", "out"), [
    ("echo a; echo -n b", 0, "a\nb"),
    ("false && echo no || echo yes", 0, "yes\n"),
    ("true && exit 5; echo unreachable", 5, ""),
    ("echo hi > /f; cat /f /f", 0, "hi\nhi\n"),
    ("echo x >> /g; echo y >> /g; cat /g", 0, "x\ny\n"),
    ("env", 0, "A=1\n"),
    ("frobnicate", 127, "sh: frobnicate: not found\n"),
    ("ls /d", 0, "e\nf\n"),
    ("cat /missing", 1, "cat: can't open '/missing': No such file or directory\n"),
    ("sleep 0", 0, ""),
])
def test_simulated_shell_model(script: str, code: int, out: str) -> None:
    got_code, got_out, _ = _sh(script, {"/d/e": b"", "/d/f/g": b""})
    assert (got_code, got_out) == (code, out)


def test_simulated_sleep_is_interrupted_by_stop() -> None:
    stop = threading.Event()
    proc = Process(SimFS({}), {}, lambda b: None, stop, lambda p, a: None)
    threading.Timer(0.05, stop.set).start()
    assert run_command(["sleep", "infinity"], proc) == 143


def test_volume_mount_is_shared() -> None:
    shared: dict[str, bytes] = {}
    a, b = SimFS({}, {"/data": shared}), SimFS({}, {"/data": shared})
    a.write("/data/x", b"1")
    assert b.read("/data/x") == b"1" and shared == {"/x": b"1"}
    assert b.listdir("/") == ["data"]


def test_tunnel_forwards_bytes_both_ways_and_refuses_a_taken_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def echo_upper() -> None:
            conn, _ = server.accept()
            with conn:
                conn.sendall(conn.recv(1024).upper())

        threading.Thread(target=echo_upper, daemon=True).start()
        with Tunnel(server.getsockname()).start() as tunnel:
            assert tunnel.host_ip == "127.0.0.1" and tunnel.host_port > 0
            with socket.create_connection(("127.0.0.1", tunnel.host_port), timeout=5) as c:
                c.sendall(b"hello")
                assert c.recv(1024) == b"HELLO"
            with pytest.raises(PortInUseError, match=str(tunnel.host_port)):
                Tunnel(server.getsockname(), host_port=tunnel.host_port).start()


def test_names_are_unique_per_worker_and_labels_name_the_owner() -> None:
    a, b = SessionIdentity(worker="gw0"), SessionIdentity(worker="gw1")
    names = {a.new_name("busybox"), a.new_name("busybox"), b.new_name("busybox")}
    assert len(names) == 3
    assert all("-gw0-" in n for n in list(names) if n.startswith(f"pia-{a.session_id}"))
    labels = a.labels()
    assert labels[LABEL_SESSION] == a.session_id and labels[LABEL_PID] == str(a.pid)
    assert image_hint("pytest-ipfs-accel/busybox:test") == "busybox"
    assert normalise_image("busybox") == "busybox:latest"
    assert normalise_image("host:5000/busybox") == "host:5000/busybox:latest"


class _FakeBackend:
    """Just enough of a backend to see what a sweep removes."""

    def __init__(self, infos: list[ContainerInfo]) -> None:
        self.infos = infos
        self.removed: list[str] = []

    def list_containers(self, labels=None):
        return [i for i in self.infos if labels_match(i.labels, labels)]

    def list_resources(self, labels=None):
        return []

    def remove(self, ref: str, force: bool = False) -> None:
        self.removed.append(ref)


def test_sweep_removes_only_sessions_judged_dead_with_our_labels() -> None:
    def info(cid: str, labels: dict[str, str]) -> ContainerInfo:
        return ContainerInfo(cid, cid, "img", "running", labels, {})

    fake = _FakeBackend([
        info("dead", {LABEL_SESSION: "s1"}),
        info("mine", {LABEL_SESSION: "keep"}),
        info("unknown", {LABEL_SESSION: "s2"}),
        info("alive", {LABEL_SESSION: "s3"}),
        info("foreign", {"com.example": "x", LABEL_PID: "999999"}),
    ])
    verdict = {"s1": "dead", "keep": "dead", "s2": "unknown", "s3": "alive"}
    asked: list[str] = []

    def judge(labels: dict[str, str]) -> str:
        asked.append(labels[LABEL_SESSION])
        return verdict[labels[LABEL_SESSION]]

    result = sweep(fake, keep_session="keep", judge=judge)
    assert fake.removed == ["dead"] and result.containers == ["dead"]
    assert sorted(asked) == ["s1", "s2", "s3"]  # the caller's own session is never judged
    # --session: that session only, whatever its owner's state.
    assert sweep(fake, session="s2", judge=judge).containers == ["unknown"]


def test_docker_create_kwargs_and_gpu_request() -> None:
    pytest.importorskip("docker")
    from pytest_ipfs_accelerate.containers.docker_backend import create_kwargs

    spec = ContainerSpec("img:1", ["sleep", "1"], name="n", env={"A": 1}, ports={8080: None,
                         9090: 19090, 7070: ("0.0.0.0", None)}, volumes={"v": "/data"},
                         network="net", labels={"k": "v"})
    kw = create_kwargs(spec)
    assert kw["ports"] == {"8080/tcp": ("127.0.0.1", None), "9090/tcp": ("127.0.0.1", 19090),
                           "7070/tcp": ("0.0.0.0", None)}
    assert kw["environment"] == {"A": "1"} and kw["init"] is True and kw["network"] == "net"
    assert kw["volumes"] == {"v": {"bind": "/data", "mode": "rw"}}
    assert "device_requests" not in kw
    (req,) = create_kwargs(ContainerSpec("img:1", gpus=True))["device_requests"]
    assert req["Count"] == -1 and req["Capabilities"] == [["gpu"]] and req["Driver"] == ""


def test_docker_engine_resolution_and_error_names_docker_host(monkeypatch) -> None:
    pytest.importorskip("docker")
    from pytest_ipfs_accelerate.containers.docker_backend import DockerBackend, resolve_engine_host

    assert resolve_engine_host({"DOCKER_HOST": "tcp://10.0.0.1:2375"})[:2] == (
        "tcp://10.0.0.1:2375", "DOCKER_HOST")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(EngineUnavailableError, match=re.escape("unix:///nonexistent/docker.sock")):
        DockerBackend(timeout=2)


def test_engine_hints_speak_to_a_pip_user() -> None:
    from pytest_ipfs_accelerate.containers.docker_backend import start_engine_hint

    hint = start_engine_hint("('Connection aborted.', FileNotFoundError(2, 'No such file'))")
    assert "docs.docker.com/engine/install" in hint and "docker info" in hint
    assert ".ci/" not in hint
    denied = start_engine_hint("('Connection aborted.', PermissionError(13, 'Permission denied'))")
    assert "usermod -aG docker" in denied and ".ci/" not in denied
