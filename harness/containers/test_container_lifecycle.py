"""Container start-to-ready and stop latency, per backend; the fixture path against raw
Docker SDK calls in the same run (goal: fixture overhead <= 1.1x the SDK path).

Run: ``pytest harness/containers -p no:cacheprovider`` (Docker rounds skip without an
engine, or fail under CI=true). Figures: docs/performance.md.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE, ContainerBackend
from pytest_ipfs_accelerate.containers.factory import ContainerFactory
from pytest_ipfs_accelerate.containers.pytest_plugin import _record, identity_for
from pytest_ipfs_accelerate.containers.waits import log_line

COMMAND = ["sh", "-c", "echo ready; sleep 300"]
ROUNDS = {"simulated": 30, "docker": 15}


def _open(name: str, config: pytest.Config, tmp: pytest.TempPathFactory) -> ContainerBackend:
    """The backend; Docker skips (fails when strict) without an engine or the test image."""
    from pytest_ipfs_accelerate.containers.backend import EngineUnavailableError
    from pytest_ipfs_accelerate.strict import missing_backend

    if name == "simulated":
        from pytest_ipfs_accelerate.containers.simulated import SimulatedBackend

        return SimulatedBackend(tmp.mktemp("sim") / "state.json")
    from pytest_ipfs_accelerate.containers.docker_backend import DockerBackend

    try:
        backend = DockerBackend()
    except EngineUnavailableError as exc:
        missing_backend(config, "Docker Engine", str(exc))
    if not any(TEST_IMAGE in i.tags for i in backend.images()):
        missing_backend(config, TEST_IMAGE, "run .ci/build-busybox-image.sh")
    return backend


@pytest.fixture(scope="module", params=["simulated", "docker"])
def bench_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  ) -> Iterator[ContainerBackend]:
    """Each backend in turn."""
    backend = _open(request.param, request.config, tmp_path_factory)
    yield backend
    backend.close()


@pytest.fixture
def factory(bench_backend: ContainerBackend, pytestconfig: pytest.Config) -> Iterator[ContainerFactory]:
    """What the ``container`` fixture builds: session labels, per-worker names, DB recorder."""
    f = ContainerFactory(bench_backend, identity_for(pytestconfig),
                         _record(pytestconfig, bench_backend))
    yield f
    assert f.close() == []


def _rounds(backend: ContainerBackend) -> int:
    return ROUNDS[backend.name]


def test_fixture_start_to_ready(benchmark: Any, factory: ContainerFactory) -> None:
    benchmark.group = f"containers start-to-ready [{factory.backend.name}]"
    benchmark.extra_info.update(backend=factory.backend.name,
                                is_simulated=factory.backend.is_simulated, path="fixture")
    benchmark.pedantic(lambda: factory(TEST_IMAGE, COMMAND, wait_for=log_line("ready", 30)),
                       rounds=_rounds(factory.backend), iterations=1, warmup_rounds=1)


def test_fixture_stop_and_remove(benchmark: Any, factory: ContainerFactory) -> None:
    benchmark.group = f"containers stop+remove [{factory.backend.name}]"
    benchmark.extra_info.update(backend=factory.backend.name,
                                is_simulated=factory.backend.is_simulated, path="fixture")

    def setup() -> tuple[tuple, dict]:
        factory(TEST_IMAGE, COMMAND, wait_for=log_line("ready", 30))
        return (), {}

    benchmark.pedantic(factory.close, setup=setup, rounds=_rounds(factory.backend),
                       iterations=1)


@pytest.fixture(scope="module")
def sdk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A raw docker SDK client, and the containers it made (removed at the end)."""
    _open("docker", request.config, tmp_path_factory).close()
    import docker

    client = docker.from_env()
    made: list[Any] = []
    yield client, made
    for c in made:
        c.remove(force=True)
    client.close()


def _sdk_start(client: Any) -> Any:
    """The plain SDK path: run detached, then poll the logs for the ready line."""
    c = client.containers.run(TEST_IMAGE, COMMAND, detach=True, init=True,
                              labels={"org.pytest-ipfs-accel.bench": "raw-sdk"})
    deadline = time.monotonic() + 30
    while b"ready" not in c.logs():
        if time.monotonic() > deadline:
            raise TimeoutError(c.logs())
        time.sleep(0.05)
    return c


def _sdk_stop(c: Any) -> None:
    c.stop(timeout=10)
    c.remove()


def test_fixture_vs_raw_sdk_interleaved(benchmark: Any, sdk: Any, pytestconfig: pytest.Config,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """One full cycle (start-to-ready, stop+remove) per path, the two paths alternating
    round by round so that machine load hits both alike. The benchmark's own samples are
    the fixture cycles; per-phase samples of both paths and their median ratios go to
    ``extra_info``."""
    client, made = sdk
    backend = _open("docker", pytestconfig, tmp_path_factory)
    factory = ContainerFactory(backend, identity_for(pytestconfig), _record(pytestconfig, backend))
    phases: dict[str, list[float]] = {"sdk_start": [], "sdk_stop": [], "fixture_start": [],
                                      "fixture_stop": []}

    def timed(key: str, fn: Any, *args: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args)
        phases[key].append(time.perf_counter() - t)
        return out

    def raw_cycle() -> tuple[tuple, dict]:
        made.append(timed("sdk_start", _sdk_start, client))
        timed("sdk_stop", _sdk_stop, made[-1])
        made.pop()
        return (), {}

    def fixture_cycle() -> None:
        timed("fixture_start", lambda: factory(TEST_IMAGE, COMMAND, wait_for=log_line("ready", 30)))
        timed("fixture_stop", factory.close)

    benchmark.group = "containers fixture vs raw SDK, interleaved [docker]"
    try:
        benchmark.pedantic(fixture_cycle, setup=raw_cycle, rounds=ROUNDS["docker"], iterations=1)
    finally:
        factory.close()
        backend.close()
    med = {k: statistics.median(v) for k, v in phases.items()}
    benchmark.extra_info.update(
        backend="docker", is_simulated=False, path="fixture-vs-raw-sdk",
        samples_s=phases, medians_s=med,
        start_ratio=med["fixture_start"] / med["sdk_start"],
        stop_ratio=med["fixture_stop"] / med["sdk_stop"],
        cycle_ratio=(med["fixture_start"] + med["fixture_stop"])
        / (med["sdk_start"] + med["sdk_stop"]))
