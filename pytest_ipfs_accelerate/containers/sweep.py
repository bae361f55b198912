"""Sweeps: remove resources left by sessions whose owner is gone.

Only resources carrying our session label are considered. Their owner is judged by its
lease (:mod:`.lease`): a resource is removed only when its owner's lease is provably dead.
Resources whose lease this process cannot see (another host or kernel, another mount
namespace, another user's private directory) are left alone: their owner's liveness is
unknowable from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pytest_ipfs_accelerate.containers.backend import (
    ContainerBackend,
    ContainerError,
    ContainerNotFoundError,
    ResourceNotFoundError,
)
from pytest_ipfs_accelerate.containers.lease import DEAD, UNKNOWN, collect
from pytest_ipfs_accelerate.containers.naming import LABEL_LEASE, LABEL_SESSION, lease_ref

#: ``judge(labels)``: ``alive``, ``dead`` or ``unknown``.
Judge = Callable[[dict[str, str]], str]


def owner_state(labels: dict[str, str]) -> str:
    """``alive``, ``dead`` or ``unknown``: the owner named by a resource's lease labels."""
    ref = lease_ref(labels)
    return UNKNOWN if ref is None else ref.state()


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

    def remove(self, kind: str, name: str, remove: Callable[[], object], dry_run: bool) -> None:
        """Run ``remove`` (not on a dry run) and note it; one already gone counts as removed."""
        try:
            if not dry_run:
                remove()
        except (ContainerNotFoundError, ResourceNotFoundError):
            pass  # another sweep got there first
        except ContainerError as exc:
            self.errors.append(f"{kind} {name}: {exc}")
            return
        {"container": self.containers, "network": self.networks,
         "volume": self.volumes}[kind].append(name)


def sweep(backend: ContainerBackend, *, keep_session: str | None = None,
          session: str | None = None, dry_run: bool = False,
          judge: Judge = owner_state) -> SweepResult:
    """Remove containers, then networks and volumes, of sessions whose owner is dead.

    ``keep_session`` is never swept (the caller's own). ``session`` sweeps that session's
    resources only, whatever its lease says (for owners this host cannot judge).
    ``dry_run`` only lists. Each owner's lease is probed once; dead owners' lease files
    in this user's lease directory are deleted.
    """
    result = SweepResult()
    ours = {LABEL_SESSION: session or ""}
    verdicts: dict[tuple[str, str], bool] = {}

    def dead(labels: dict[str, str]) -> bool:
        owner = labels.get(LABEL_SESSION)
        if owner is None or owner == keep_session:
            return False
        if session is not None:
            return owner == session
        key = (owner, labels.get(LABEL_LEASE, ""))
        if key not in verdicts:
            verdicts[key] = judge(labels) == DEAD
        return verdicts[key]

    for info in backend.list_containers(ours):
        if dead(info.labels):
            result.remove("container", info.name,
                          lambda i=info: backend.remove(i.id, force=True), dry_run)
    for res in backend.list_resources(ours):
        if dead(res.labels):
            remove = backend.remove_network if res.kind == "network" else backend.remove_volume
            result.remove(res.kind, res.name, lambda r=res, rm=remove: rm(r.name), dry_run)
    if not dry_run:
        collect()
    return result
