"""Issue 15, case 15: the container sweep never removes a live session's containers.

The scenarios are in ``harness/containers/lease_scenarios.py``: a pytest session, PID 1 of
its own PID namespace, holds a container, a network and a volume while other sessions and
the CLI sweep; then it is SIGKILLed. Each backend is one case; root, unshare(1) and, for
Docker, an engine with the test image are needed (SKIP otherwise).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from harness.containers.lease_scenarios import (
    Missing,
    hidden_lease,
    live_session_in_pid_namespace,
    private_backend,
)
from harness.reliability.adversarial import Unavailable
from pytest_ipfs_accelerate.containers.backend import ContainerBackend


def _run(scenario: Callable[[ContainerBackend, Path], str], backend: str) -> str:
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-case15-") as tmp:
        try:
            with private_backend(backend, Path(tmp)) as b:
                return scenario(b, Path(tmp))
        except Missing as exc:
            raise Unavailable(str(exc)) from exc


def case_15_live_session_in_another_pid_namespace_kept_docker() -> str:
    return _run(live_session_in_pid_namespace, "docker")


def case_15_live_session_in_another_pid_namespace_kept_simulated() -> str:
    return _run(live_session_in_pid_namespace, "simulated")


def case_15_hidden_lease_never_swept_docker() -> str:
    return _run(hidden_lease, "docker")
