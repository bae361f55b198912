"""Session identity, resource labels and per-worker names.

Every container, network and volume we create carries :meth:`SessionIdentity.labels`, so
a sweep can tell ours from anyone else's, and find those whose owner's lease
(:mod:`.lease`) is gone. The PID and host labels are for people: PIDs and host names
collide across namespaces, so no sweep decides by them.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import uuid
from dataclasses import dataclass, field

from pytest_ipfs_accelerate.containers.lease import Lease, LeaseRef

LABEL_PREFIX = "org.pytest-ipfs-accel"
#: Present on everything we create; sweeps never touch a resource without it.
LABEL_SESSION = f"{LABEL_PREFIX}.session"
LABEL_PID = f"{LABEL_PREFIX}.pid"
LABEL_HOST = f"{LABEL_PREFIX}.host"
LABEL_WORKER = f"{LABEL_PREFIX}.worker"
#: The owner's lease: its kernel (boot id), file and directory (``device:inode``).
LABEL_KERNEL = f"{LABEL_PREFIX}.kernel"
LABEL_LEASE = f"{LABEL_PREFIX}.lease"
LABEL_LEASE_DIR = f"{LABEL_PREFIX}.lease-dir"


def lease_ref(labels: dict[str, str]) -> LeaseRef | None:
    """The owner's lease named by a resource's labels, or None when they name none."""
    try:
        return LeaseRef(labels[LABEL_KERNEL], labels[LABEL_LEASE], labels[LABEL_LEASE_DIR])
    except KeyError:
        return None


@dataclass
class SessionIdentity:
    """Who owns the resources: session id, PID, host, xdist worker, and the owner's lease.

    The lease is taken when :meth:`labels` is first called and held until :meth:`release`
    (the ``container_backend`` fixture's teardown) or the process's death.
    """

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    worker: str = "main"
    _counter: itertools.count = field(default_factory=itertools.count, repr=False)
    _lease: Lease | None = field(default=None, repr=False)

    def labels(self) -> dict[str, str]:
        """The labels every resource of this session carries (takes the lease)."""
        if self._lease is None:
            self._lease = Lease(_safe(f"{self.session_id}-{self.worker}"))
        ref = self._lease.acquire()
        return {
            LABEL_SESSION: self.session_id,
            LABEL_PID: str(self.pid),
            LABEL_HOST: self.host,
            LABEL_WORKER: self.worker,
            LABEL_KERNEL: ref.kernel,
            LABEL_LEASE: ref.path,
            LABEL_LEASE_DIR: ref.directory,
        }

    def release(self) -> None:
        """Give up the lease: call only once this session's resources are removed."""
        if self._lease is not None:
            self._lease.release()

    def new_name(self, hint: str = "c") -> str:
        """A name unique to this session and worker: ``pia-<session>-<worker>-<hint>-<n>``."""
        return f"pia-{self.session_id}-{self.worker}-{_safe(hint)[:24]}-{next(self._counter)}"


def _safe(text: str) -> str:
    """``text`` with only name-safe characters (no path separators), never empty."""
    return re.sub(r"[^a-zA-Z0-9_.-]", "-", text).strip("-.") or "c"


def image_hint(image: str) -> str:
    """A short name part from an image: ``pytest-ipfs-accel/busybox:test`` -> ``busybox``."""
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
