"""Backends for the container contract suite: every test here runs against each."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE, ContainerBackend
from pytest_ipfs_accelerate.containers.naming import SessionIdentity

REPO = Path(__file__).resolve().parents[2]
BUILD_IMAGE = REPO / ".ci" / "build-busybox-image.sh"


@pytest.fixture(scope="session")
def sim_state_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private state file, so these tests never see other runs' simulated containers.

    Exported as IPFS_ACCEL_SIM_STATE for the subprocesses the leak tests start.
    """
    path = tmp_path_factory.mktemp("sim-state") / "state.json"
    old = os.environ.get("IPFS_ACCEL_SIM_STATE")
    os.environ["IPFS_ACCEL_SIM_STATE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("IPFS_ACCEL_SIM_STATE", None)
    else:
        os.environ["IPFS_ACCEL_SIM_STATE"] = old


@pytest.fixture(scope="session", autouse=True)
def lease_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private lease directory (IPFS_ACCEL_LEASE_DIR, inherited by subprocesses), so
    these tests leave no lease files in the user's."""
    path = tmp_path_factory.mktemp("leases")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPFS_ACCEL_LEASE_DIR", str(path))
        yield path


def _docker(config: pytest.Config) -> ContainerBackend:
    from pytest_ipfs_accelerate.containers.backend import EngineUnavailableError
    from pytest_ipfs_accelerate.containers.docker_backend import DockerBackend
    from pytest_ipfs_accelerate.strict import missing_backend

    try:
        backend = DockerBackend(timeout=30)
    except EngineUnavailableError as exc:
        missing_backend(config, "Docker Engine", str(exc))
    if not any(TEST_IMAGE in img.tags for img in backend.images()):
        backend.close()
        missing_backend(config, f"test image {TEST_IMAGE}", f"build it with {BUILD_IMAGE}")
    return backend


@pytest.fixture(scope="session", params=["simulated", "docker"])
def backend(request: pytest.FixtureRequest, sim_state_file: Path) -> Iterator[ContainerBackend]:
    """Each backend in turn; the Docker one skips (fails under CI=true) without an engine."""
    if request.param == "simulated":
        from pytest_ipfs_accelerate.containers.simulated import SimulatedBackend

        b: ContainerBackend = SimulatedBackend(sim_state_file)
    else:
        b = _docker(request.config)
    yield b
    b.close()


@pytest.fixture
def identity() -> SessionIdentity:
    """A fresh session identity (labels and names) for one test."""
    return SessionIdentity(worker=os.environ.get("PYTEST_XDIST_WORKER", "main"))


@pytest.fixture
def factory(backend: ContainerBackend, identity: SessionIdentity) -> Iterator:
    """A ContainerFactory over ``backend`` that removes what it made."""
    from pytest_ipfs_accelerate.containers.factory import ContainerFactory

    f = ContainerFactory(backend, identity, stop_timeout=5)
    yield f
    assert f.close() == []
