"""What a user selects: the container backend and the image catalogue.

Shared by the fixtures and ``ipfs-accel containers``. Imports no backend until one is
opened, so the plugin can name the environment variables for free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.containers.backend import ContainerBackend

#: Environment variable naming the backend: auto, simulated or docker.
BACKEND_ENV = "IPFS_ACCEL_CONTAINERS"
#: Environment variable naming the image catalogue (TOML).
CATALOGUE_ENV = "IPFS_ACCEL_CONTAINERS_CATALOGUE"


def open_backend(choice: str) -> ContainerBackend:
    """The backend for ``auto``, ``simulated`` or ``docker``; EngineUnavailableError for docker."""
    from pytest_ipfs_accelerate.containers.backend import ContainerError, EngineUnavailableError
    from pytest_ipfs_accelerate.containers.simulated import SimulatedBackend

    if choice == "simulated":
        return SimulatedBackend()
    from pytest_ipfs_accelerate.containers.docker_backend import DockerBackend

    if choice == "docker":
        return DockerBackend()
    if choice != "auto":
        raise ContainerError(f"unknown container backend {choice!r}: use auto, simulated or docker")
    try:
        return DockerBackend(timeout=10)
    except EngineUnavailableError:
        return SimulatedBackend()
