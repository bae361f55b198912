"""The containers package: backend protocol, simulated and Docker backends, tunnels, the
image marketplace, wait strategies, sweeps and fixtures.

Public API (loaded on first use, so importing the plugin stays cheap)::

    from pytest_ipfs_accelerate.containers import (
        ContainerSpec, SimulatedBackend, DockerBackend, ContainerFactory,
        log_line, port_open, http_status, command_succeeds, load_catalogue)
    from pytest_ipfs_accelerate.containers.sweep import sweep
"""

from __future__ import annotations

from pytest_ipfs_accelerate.lazy import lazy_exports

_EXPORTS = {
    "backend": ("ContainerBackend", "ContainerSpec", "ContainerInfo", "ExecResult", "PortBinding",
                "ContainerError", "EngineUnavailableError", "ImageNotFoundError",
                "ContainerNotFoundError", "ResourceNotFoundError", "PortInUseError",
                "WaitTimeoutError", "CatalogueError", "TEST_IMAGE"),
    "simulated": ("SimulatedBackend", "SimImage"),
    "docker_backend": ("DockerBackend",),
    "factory": ("ContainerFactory", "ContainerHandle"),
    "tunnel": ("Tunnel",),
    "waits": ("log_line", "port_open", "http_status", "command_succeeds"),
    "sweep": ("SweepResult", "owner_state"),
    "lease": ("Lease", "LeaseRef"),
    "naming": ("SessionIdentity",),
    "catalogue": ("ImageEntry", "load_catalogue", "filter_images", "parse_filters",
                  "marketplace", "detected_hardware"),
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
