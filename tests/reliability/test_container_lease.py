"""Issue 15, case 15: a sweep never removes a live session's containers.

A pytest session, PID 1 of its own PID namespace (so the PID on its labels names the
host's init), holds a container, a network and a volume. Another session's sweep and
``ipfs-accel containers sweep`` leave them alone; once it is SIGKILLed, the next session
sweeps them. A holder whose lease directory is hidden from us is never judged dead. The
scenarios live in ``harness/containers/lease_scenarios.py`` (the adversarial suite runs
them too). Needs root and unshare (skipped otherwise) and, for Docker, an engine (a skip,
or a failure under CI=true).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.containers.lease_scenarios import (
    Missing,
    check_unshare,
    hidden_lease,
    live_session_in_pid_namespace,
    private_backend,
)
from pytest_ipfs_accelerate.containers.backend import ContainerBackend

Scenario = Callable[[ContainerBackend, Path], str]


def _run(scenario: Scenario, backend: str, tmp_path: Path, config: pytest.Config) -> str:
    from pytest_ipfs_accelerate.strict import missing_backend

    try:
        check_unshare()
    except Missing as exc:
        pytest.skip(str(exc))
    try:
        with private_backend(backend, tmp_path) as b:
            return scenario(b, tmp_path)
    except Missing as exc:
        missing_backend(config, "Docker Engine and the test image", str(exc))


@pytest.mark.parametrize("backend", ["simulated", "docker"])
def test_a_live_session_in_another_pid_namespace_keeps_its_containers_until_killed(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    assert "swept once SIGKILLed" in _run(live_session_in_pid_namespace, backend, tmp_path,
                                          request.config)


@pytest.mark.parametrize("backend", ["simulated", "docker"])
def test_a_session_whose_lease_we_cannot_see_is_never_swept(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    assert "never judged dead" in _run(hidden_lease, backend, tmp_path, request.config)
