"""The container backend contract: runs unchanged against every backend."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from pytest_ipfs_accelerate.containers.backend import (
    CREATED,
    EXITED,
    RUNNING,
    TEST_IMAGE,
    ContainerBackend,
    ContainerError,
    ContainerNotFoundError,
    ContainerSpec,
    ImageNotFoundError,
    PortInUseError,
    ResourceNotFoundError,
)
from pytest_ipfs_accelerate.containers.naming import LABEL_SESSION
from pytest_ipfs_accelerate.containers.waits import (
    command_succeeds,
    http_status,
    log_line,
    port_open,
)

HTTPD = ["httpd", "-f", "-p", "8080", "-h", "/www"]


def test_lifecycle_states_env_labels_and_exec(backend: ContainerBackend, identity) -> None:
    spec = ContainerSpec(TEST_IMAGE, ["sleep", "30"], name=identity.new_name("life"),
                         env={"GREETING": "hello world"}, labels=identity.labels())
    cid = backend.create(spec)
    try:
        assert backend.status(cid) == CREATED
        assert backend.status(spec.name) == CREATED  # names work as refs too
        backend.start(cid)
        assert backend.status(cid) == RUNNING
        info = backend.inspect(cid)
        assert info.name == spec.name and info.image == TEST_IMAGE
        assert info.env["GREETING"] == "hello world"
        assert info.labels[LABEL_SESSION] == identity.session_id
        assert [c.id for c in backend.list_containers({LABEL_SESSION: identity.session_id})] == [cid]
        assert backend.list_containers({LABEL_SESSION: "no-such-session"}) == []

        r = backend.exec(cid, ["echo", "a", "b"])
        assert (r.exit_code, r.output) == (0, b"a b\n")
        assert backend.exec(cid, ["sh", "-c", "exit 7"]).exit_code == 7
        assert backend.exec(cid, ["false"]).exit_code == 1
        assert backend.exec(cid, "cat /www/index.html").text.startswith("<html>")
        assert "GREETING=hello world\n" in backend.exec(cid, ["env"]).text
        r = backend.exec(cid, ["sh", "-c", "echo saved > /tmp/f && cat /tmp/f; nosuchcmd"])
        # stdout and stderr interleave in any order
        assert r.exit_code == 127 and "saved\n" in r.text and "nosuchcmd: not found" in r.text
        assert backend.exec(cid, ["nosuchcmd"]).exit_code == 126
        r = backend.exec(cid, ["cat", "/nope"])
        assert r.exit_code == 1 and "No such file" in r.text

        backend.stop(cid, timeout=5)
        assert backend.status(cid) == EXITED
        assert backend.inspect(cid).exit_code == 143  # SIGTERM, delivered by the init
        with pytest.raises(ContainerError, match="not running"):
            backend.exec(cid, ["true"])
        backend.start(cid)  # an exited container starts again
        assert backend.status(cid) == RUNNING
        with pytest.raises(ContainerError, match=r"(?i)stop"):
            backend.remove(cid)  # running: needs force
    finally:
        backend.remove(cid, force=True)
    with pytest.raises(ContainerNotFoundError):
        backend.status(cid)


def test_main_process_exit_code_and_logs(backend: ContainerBackend, identity) -> None:
    cid = backend.run(ContainerSpec(
        TEST_IMAGE, ["sh", "-c", "echo first; echo second; exit 3"],
        name=identity.new_name("exit"), labels=identity.labels()))
    try:
        assert backend.wait(cid, timeout=30) == 3
        assert backend.status(cid) == EXITED
        assert backend.inspect(cid).exit_code == 3
        assert backend.logs(cid).splitlines() == ["first", "second"]
    finally:
        backend.remove(cid)


def test_errors_name_the_thing(backend: ContainerBackend, identity) -> None:
    with pytest.raises(ImageNotFoundError, match="no-such/image:v9"):
        backend.run(ContainerSpec("no-such/image:v9", ["true"]))
    for op in (lambda: backend.stop("no-such-container"),
               lambda: backend.remove("no-such-container"),
               lambda: backend.logs("no-such-container"),
               lambda: backend.status("no-such-container")):
        with pytest.raises(ContainerNotFoundError, match="no-such-container"):
            op()
    with pytest.raises(ResourceNotFoundError):
        backend.remove_network("pia-no-such-network")
    with pytest.raises(ResourceNotFoundError):
        backend.remove_volume("pia-no-such-volume")
    # An executable the image lacks: the init reports it and the container exits 127.
    name = identity.new_name("noexec")
    cid = backend.run(ContainerSpec(TEST_IMAGE, ["nosuchcmd"], name=name,
                                    labels=identity.labels()))
    try:
        assert backend.wait(cid, timeout=30) == 127
        assert "exec nosuchcmd failed" in backend.logs(cid)
        # A name is unique.
        with pytest.raises(ContainerError, match="already in use"):
            backend.create(ContainerSpec(TEST_IMAGE, ["true"], name=name))
    finally:
        backend.remove(cid)


def test_port_in_use_is_refused(backend: ContainerBackend, identity) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PortInUseError, match=str(port)):
            backend.run(ContainerSpec(TEST_IMAGE, HTTPD, name=identity.new_name("busy"),
                                      ports={8080: port}, labels=identity.labels()))
    assert backend.list_containers({LABEL_SESSION: identity.session_id}) == []


def test_tunnel_carries_http_from_busybox_httpd(factory) -> None:
    web = factory(TEST_IMAGE, HTTPD, ports=[8080], wait_for=http_status(8080, timeout=30))
    (binding,) = web.inspect().ports
    assert binding.host_ip == "127.0.0.1" and binding.container_port == 8080
    # Bytes written inside the container come back through the host port.
    payload = "x" * 100_000
    assert web.exec(["sh", "-c", f"echo -n {payload} > /www/big.txt"]).exit_code == 0
    with urllib.request.urlopen(web.url(8080, "big.txt"), timeout=10) as resp:
        assert resp.read().decode() == payload
    with urllib.request.urlopen(web.url(8080), timeout=10) as resp:
        assert b"pytest-ipfs-accel busybox test image" in resp.read()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(web.url(8080, "missing.html"), timeout=10)
    assert err.value.code == 404


def test_wait_strategies(factory) -> None:
    c = factory(TEST_IMAGE, ["sh", "-c", "sleep 0.3; echo service ready; sleep 30"],
                wait_for=log_line(r"service ready", timeout=30))
    assert c.ready_s is not None and c.ready_s >= 0.2
    c2 = factory(TEST_IMAGE, HTTPD, ports=[8080], wait_for=port_open(8080, timeout=30))
    assert c2.exec(["cat", "/www/index.html"]).exit_code == 0
    factory(TEST_IMAGE, ["sleep", "30"], wait_for=command_succeeds(["true"], timeout=30))


def test_wait_timeout_error_holds_the_logs(factory) -> None:
    from pytest_ipfs_accelerate.containers.backend import WaitTimeoutError

    with pytest.raises(WaitTimeoutError) as err:
        factory(TEST_IMAGE, ["sh", "-c", "echo booting slowly; sleep 30"],
                wait_for=log_line("never printed"), startup_timeout=0.5)
    assert "not ready after 0.5s" in str(err.value)
    assert "booting slowly" in str(err.value)
    # A command that dies is reported at once, with its logs and exit code.
    with pytest.raises(WaitTimeoutError, match=r"(?s)exit code 4.*crashing"):
        factory(TEST_IMAGE, ["sh", "-c", "echo crashing; exit 4"],
                wait_for=log_line("never printed", timeout=30))


def test_volumes_and_networks_are_shared_and_labelled(backend: ContainerBackend, factory,
                                                      identity) -> None:
    volume = factory.volume()
    network = factory.network()
    found = {(r.kind, r.name) for r in backend.list_resources({LABEL_SESSION: identity.session_id})}
    assert found == {("volume", volume), ("network", network)}
    writer = factory(TEST_IMAGE, ["sh", "-c", "echo shared > /data/note; sleep 30"],
                     volumes={volume: "/data"}, network=network)
    reader = factory(TEST_IMAGE, ["sleep", "30"], volumes={volume: "/data"}, network=network)
    factory_wait = command_succeeds(["cat", "/data/note"], timeout=30)
    factory_wait.wait(backend, reader.id)
    assert reader.exec(["cat", "/data/note"]).text == "shared\n"
    assert writer.status == RUNNING
