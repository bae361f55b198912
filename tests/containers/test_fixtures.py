"""The pytest fixtures end to end (pytester), DB records, strictness, GPU requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

#: Options of inner runs. Hypothesis's plugin re-imports hypothesis (seconds) in every
#: in-process run, since pytester restores sys.modules after each.
INNER = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")

RECORDING_CONFTEST = """
import json, os
import pytest
from pytest_ipfs_accelerate.operations import CAPTURE_KEY

class FakeCapture:
    def __init__(self):
        self.ops = []
    def add_operation(self, **row):
        self.ops.append(row)

def pytest_configure(config):
    config.stash[CAPTURE_KEY] = FakeCapture()

def pytest_unconfigure(config):
    with open(os.environ["OPS_FILE"], "w") as fh:
        json.dump(config.stash[CAPTURE_KEY].ops, fh)
"""


@pytest.fixture
def sim_env(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private simulated state file and an ops dump file for the inner run."""
    state = pytester.path / "sim-state.json"
    monkeypatch.setenv("IPFS_ACCEL_SIM_STATE", str(state))
    monkeypatch.setenv("OPS_FILE", str(pytester.path / "ops.json"))
    return state


def test_container_fixture_serves_records_and_attaches_logs_to_failures(
        pytester: pytest.Pytester, sim_env: Path) -> None:
    pytester.makeconftest(RECORDING_CONFTEST)
    pytester.makepyfile("""
        import urllib.request
        from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE
        from pytest_ipfs_accelerate.containers.waits import http_status, log_line

        def test_serves(container, container_backend):
            assert container_backend.name == "simulated"
            web = container(TEST_IMAGE, ["httpd", "-f", "-p", "8080", "-h", "/www"],
                            ports=[8080], wait_for=http_status(8080, timeout=10))
            assert b"busybox test image" in urllib.request.urlopen(web.url(8080)).read()

        def test_fails(container):
            container(TEST_IMAGE, ["sh", "-c", "echo diagnostic-line-42; sleep 30"],
                      wait_for=log_line("diagnostic", timeout=10))
            assert False, "boom"
    """)
    result = pytester.runpytest("--ipfs-accel-containers=simulated", *INNER)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*container logs: pia-*-main-busybox-* (pytest-ipfs-accel/busybox:test)*",
                                 "diagnostic-line-42"])
    # Teardown removed everything: the shared registry is empty.
    state = json.loads(sim_env.read_text())
    assert state["containers"] == {}
    ops = json.loads((pytester.path / "ops.json").read_text())
    assert {o["kind"] for o in ops} == {"container"}
    assert all(o["backend"] == "simulated" and o["is_simulated"] is True for o in ops)
    seen = [o["op"] for o in ops]
    assert seen.count("run") == 2 and seen.count("wait_ready") == 2
    assert seen.count("stop") == 2 and seen.count("remove") == 2 and "sweep" in seen
    run = next(o for o in ops if o["op"] == "run")
    assert run["target"] == "pytest-ipfs-accel/busybox:test" and run["ok"] is True
    assert run["duration_s"] > 0


def test_wait_timeout_in_fixture_reports_logs(pytester: pytest.Pytester, sim_env: Path) -> None:
    pytester.makepyfile("""
        from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE
        from pytest_ipfs_accelerate.containers.waits import log_line

        def test_slow(container):
            container(TEST_IMAGE, ["sh", "-c", "echo still-booting; sleep 30"],
                      wait_for=log_line("ready"), startup_timeout=0.3)
    """)
    result = pytester.runpytest("--ipfs-accel-containers=simulated", *INNER)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*WaitTimeoutError*not ready after 0.3s*", "*still-booting*"])
    assert json.loads(sim_env.read_text())["containers"] == {}


@pytest.mark.parametrize(("strict", "outcome"), [(False, "skipped"), (True, "errors")])
def test_absent_docker_skips_or_fails_naming_docker_host_and_how_to_start_one(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, strict: bool,
        outcome: str) -> None:
    pytest.importorskip("docker")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    monkeypatch.delenv("IPFS_ACCEL_STRICT", raising=False)
    monkeypatch.setenv("CI", "true" if strict else "false")
    pytester.makepyfile("def test_x(container_backend):\n    pass\n")
    result = pytester.runpytest("--ipfs-accel-containers=docker", *INNER,
                                "-rs")
    result.assert_outcomes(**{outcome: 1})
    result.stdout.fnmatch_lines(["*Docker Engine is not available*unix:///nonexistent/docker.sock*"
                                 "https://docs.docker.com/engine/install/*"
                                 "sudo systemctl start docker*`docker info`*DOCKER_HOST*"
                                 "--ipfs-accel-containers=simulated*"])
    assert ".ci/" not in result.stdout.str()  # a pip user has no checkout's CI scripts


def test_backend_choice_precedence_cli_over_env(pytester: pytest.Pytester, sim_env: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPFS_ACCEL_CONTAINERS", "docker")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("IPFS_ACCEL_STRICT", raising=False)
    pytester.makepyfile("def test_x(container_backend):\n"
                        "    assert container_backend.name == 'simulated'\n")
    pytester.runpytest("--ipfs-accel-containers=simulated",
                       *INNER).assert_outcomes(passed=1)
    pytester.runpytest(*INNER).assert_outcomes(skipped=1)  # env: docker


@pytest.mark.parametrize(("names", "kind", "simulated", "wanted"), [
    (["accel_device"], "cuda", False, True),
    (["accel_device"], "cuda", True, False),  # a simulated GPU computes on the CPU
    (["accel_device"], "cpu", False, False),
    ([], "cuda", False, False),
])
def test_real_cuda_accel_device_requests_gpus(sim_env: Path, names: list[str], kind: str,
                                              simulated: bool, wanted: bool) -> None:
    """The fixture asks for GPUs when the test's accel_device is a real CUDA device."""
    import types

    from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE
    from pytest_ipfs_accelerate.containers.factory import ContainerFactory
    from pytest_ipfs_accelerate.containers.pytest_plugin import _wants_gpus
    from pytest_ipfs_accelerate.containers.simulated import SimulatedBackend

    device = types.SimpleNamespace(kind=kind, is_simulated=simulated, available=True)
    request = types.SimpleNamespace(fixturenames=names, getfixturevalue=lambda name: device)
    assert _wants_gpus(request) is wanted  # type: ignore[arg-type]

    specs = []

    class Recording(SimulatedBackend):
        def run(self, spec):  # type: ignore[no-untyped-def]
            specs.append(spec)
            return super().run(spec)

    factory = ContainerFactory(Recording(), default_gpus=wanted)
    factory(TEST_IMAGE, ["true"])
    factory(TEST_IMAGE, ["true"], gpus=False)
    assert [s.gpus for s in specs] == [wanted, False]
    assert factory.close() == []


def test_worker_names_come_from_workerinput(pytester: pytest.Pytester) -> None:
    from pytest_ipfs_accelerate.containers.pytest_plugin import identity_for

    config = pytester.parseconfig()
    config.workerinput = {"workerid": "gw3"}  # type: ignore[attr-defined]
    ident = identity_for(config)
    assert ident.worker == "gw3" and "-gw3-" in ident.new_name("busybox")
    assert identity_for(config) is ident


def test_xdist_workers_name_containers_apart(pytester: pytest.Pytester, sim_env: Path) -> None:
    pytest.importorskip("xdist")
    out = pytester.path / "names"
    out.mkdir()
    pytester.makepyfile(f"""
        import os, time
        import pytest
        from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE

        @pytest.mark.parametrize("n", range(4))
        def test_name(container, n):
            c = container(TEST_IMAGE, ["sleep", "30"])
            time.sleep(0.2)
            open(os.path.join({str(out)!r}, c.name), "w").close()
    """)
    result = pytester.runpytest("-n", "2", "--ipfs-accel-containers=simulated", *INNER)
    result.assert_outcomes(passed=4)
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 4
    assert {n.split("-")[2] for n in names} == {"gw0", "gw1"}
    assert json.loads(sim_env.read_text())["containers"] == {}


def test_container_images_fixture_reads_the_catalogue_option(pytester: pytest.Pytester,
                                                             sim_env: Path) -> None:
    pytester.makefile(".toml", images='[[image]]\nname = "example/cuda"\nhardware = ["cuda"]\n')
    pytester.makepyfile("""
        from pytest_ipfs_accelerate.containers.catalogue import filter_images

        def test_images(container_images):
            assert [(e.name, e.source) for e in container_images] == [
                ("pytest-ipfs-accel/busybox", "local"), ("example/cuda", "catalogue")]
            cpu_only = filter_images(container_images, [("runs-on", "cpu")])
            assert [e.name for e in cpu_only] == ["pytest-ipfs-accel/busybox"]
    """)
    result = pytester.runpytest("--ipfs-accel-containers=simulated",
                                "--ipfs-accel-containers-catalogue=images.toml", *INNER)
    result.assert_outcomes(passed=1)
