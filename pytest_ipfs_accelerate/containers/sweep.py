"""Sweeps: remove resources left by sessions whose process is gone.

Only resources carrying our session label are considered. A session is dead when it ran
on this host and its PID no longer exists (or now belongs to a process that started at
another time). Resources from other hosts are left alone: their liveness is unknowable.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from pytest_ipfs_accelerate.containers.backend import ContainerBackend, ContainerError
from pytest_ipfs_accelerate.containers.naming import (
    LABEL_HOST,
    LABEL_PID,
    LABEL_PID_START,
    LABEL_SESSION,
    process_start_time,
)


def pid_alive(pid: int, start_time: str = "") -> bool:
    """True when ``pid`` runs, and (where known) started at ``start_time``."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return not start_time or process_start_time(pid) in ("", start_time)


def owner_alive(labels: dict[str, str], host: str | None = None,
                alive: Callable[[int, str], bool] = pid_alive) -> bool:
    """Whether the owner named by ``labels`` may still be running (True when unknowable)."""
    if labels.get(LABEL_HOST, "") != (host or socket.gethostname()):
        return True
    try:
        pid = int(labels.get(LABEL_PID, ""))
    except ValueError:
        return True
    return alive(pid, labels.get(LABEL_PID_START, ""))


@dataclass
class SweepResult:
    """What a sweep removed, and what it could not."""

    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return len(self.containers) + len(self.networks) + len(self.volumes)


def sweep(backend: ContainerBackend, *, keep_session: str | None = None,
          host: str | None = None, dry_run: bool = False,
          alive: Callable[[int, str], bool] = pid_alive) -> SweepResult:
    """Remove containers, then networks and volumes, of dead sessions on this host.

    ``keep_session`` is never swept (the caller's own). ``dry_run`` only lists.
    """
    result = SweepResult()
    ours = {LABEL_SESSION: ""}

    def dead(labels: dict[str, str]) -> bool:
        return (LABEL_SESSION in labels and labels[LABEL_SESSION] != keep_session
                and not owner_alive(labels, host, alive))

    for info in backend.list_containers(ours):
        if not dead(info.labels):
            continue
        try:
            if not dry_run:
                backend.remove(info.id, force=True)
            result.containers.append(info.name)
        except ContainerError as exc:
            result.errors.append(f"container {info.name}: {exc}")
    for res in backend.list_resources(ours):
        if not dead(res.labels):
            continue
        try:
            if not dry_run:
                (backend.remove_network if res.kind == "network" else backend.remove_volume)(
                    res.name)
            (result.networks if res.kind == "network" else result.volumes).append(res.name)
        except ContainerError as exc:
            result.errors.append(f"{res.kind} {res.name}: {exc}")
    return result
