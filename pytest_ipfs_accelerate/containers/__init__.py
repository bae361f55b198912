"""Containers room: backend protocol, simulated and Docker backends, tunnels, the image
marketplace, wait strategies, sweeps and fixtures.

Public API (loaded on first use, so importing the plugin stays cheap)::

    from pytest_ipfs_accelerate.containers import (
        ContainerSpec, SimulatedBackend, DockerBackend, ContainerFactory,
        log_line, port_open, http_status, command_succeeds, load_catalogue)
    from pytest_ipfs_accelerate.containers.sweep import sweep
"""

from __future__ import annotations

import importlib
from typing import Any

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
    "sweep": ("SweepResult", "owner_alive"),
    "naming": ("SessionIdentity",),
    "catalogue": ("ImageEntry", "load_catalogue", "filter_images", "parse_filters",
                  "marketplace", "detected_hardware"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
