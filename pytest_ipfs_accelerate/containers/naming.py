"""Session identity, resource labels and per-worker names.

Every container, network and volume we create carries :func:`session_labels`, so a
sweep can tell ours from anyone else's and find those whose owning process is gone.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import uuid
from dataclasses import dataclass, field

LABEL_PREFIX = "org.pytest-ipfs-accel"
#: Present on everything we create; sweeps never touch a resource without it.
LABEL_SESSION = f"{LABEL_PREFIX}.session"
LABEL_PID = f"{LABEL_PREFIX}.pid"
LABEL_PID_START = f"{LABEL_PREFIX}.pid-start"
LABEL_HOST = f"{LABEL_PREFIX}.host"
LABEL_WORKER = f"{LABEL_PREFIX}.worker"


def process_start_time(pid: int) -> str:
    """The process's start time in clock ticks (Linux ``/proc``), or '' where unknown.

    Stored next to the PID so a reused PID is not mistaken for the owner.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            stat = fh.read()
    except OSError:
        return ""
    # Field 22; the command name (field 2) may hold spaces, so split after its ')'.
    return stat.rsplit(")", 1)[-1].split()[19]


@dataclass
class SessionIdentity:
    """Who owns the resources: session id, PID, host and xdist worker."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    worker: str = "main"
    _counter: itertools.count = field(default_factory=itertools.count, repr=False)

    def labels(self) -> dict[str, str]:
        """The labels every resource of this session carries."""
        return {
            LABEL_SESSION: self.session_id,
            LABEL_PID: str(self.pid),
            LABEL_PID_START: process_start_time(self.pid),
            LABEL_HOST: self.host,
            LABEL_WORKER: self.worker,
        }

    def new_name(self, hint: str = "c") -> str:
        """A name unique to this session and worker: ``pia-<session>-<worker>-<hint>-<n>``."""
        safe = re.sub(r"[^a-zA-Z0-9_.-]", "-", hint).strip("-.") or "c"
        return f"pia-{self.session_id}-{self.worker}-{safe[:24]}-{next(self._counter)}"


def image_hint(image: str) -> str:
    """A short name part from an image: ``pytest-ipfs-accel/busybox:test`` -> ``busybox``."""
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
