"""Owner leases: a session holds a locked file for as long as it lives; sweeps ask the lock.

Every resource a session makes names its lease (:class:`LeaseRef`, as labels): the kernel
it runs on (the boot id), the lease file's path, and the identity (``device:inode``) of the
directory that holds it. The owner keeps the file ``flock``ed. The kernel drops that lock
the moment the owner dies, SIGKILL included, whatever PID namespace it ran in. A sweep
judges an owner by its lease alone:

- ``alive``: the lease file is locked;
- ``dead``: it is unlocked, or gone from a directory the sweep sees as the owner saw it;
- ``unknown``: another kernel, or a lease directory the sweep cannot see as the owner did
  (another mount namespace, another user's private directory). Left alone.

PIDs and host names are never compared: they collide across PID and UTS namespaces. Unlike
a reaper container (testcontainers' Ryuk), this needs no image, no engine object and no
heartbeat, and a crashed owner is sweepable at once.
"""

from __future__ import annotations

import fcntl
import functools
import os
import socket
import stat
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from pytest_ipfs_accelerate.containers.backend import ContainerError

#: Where leases live (default ``<tmp>/pytest-ipfs-accel-<uid>/leases``). Sessions in
#: containers that share an engine judge each other when they mount the same directory here.
LEASE_DIR_ENV = "IPFS_ACCEL_LEASE_DIR"

ALIVE, DEAD, UNKNOWN = "alive", "dead", "unknown"
_SUFFIX = ".lease"
#: An unlocked temporary lease older than this was left by a crash mid-acquire.
_STALE_TMP_S = 60.0


def state_dir() -> Path:
    """This user's directory for shared container state: ``<tmp>/pytest-ipfs-accel-<uid>``."""
    return Path(tempfile.gettempdir()) / f"pytest-ipfs-accel-{os.getuid()}"


def lease_dir() -> Path:
    """``$IPFS_ACCEL_LEASE_DIR``, else ``<state_dir>/leases``."""
    return Path(os.environ.get(LEASE_DIR_ENV) or state_dir() / "leases")


@functools.cache
def kernel_id() -> str:
    """This kernel's boot id (the same in every namespace and container), else the host name."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return f"host:{socket.gethostname()}"


def dir_id(path: str | os.PathLike[str]) -> str:
    """``device:inode`` of a directory: the same directory, seen from any mount namespace."""
    st = os.stat(path)
    return f"{st.st_dev}:{st.st_ino}"


@dataclass(frozen=True)
class LeaseRef:
    """What a resource records of its owner's lease."""

    kernel: str
    path: str
    #: ``device:inode`` of the lease's directory, as the owner saw it.
    directory: str

    def state(self, kernel: str | None = None) -> str:
        """``alive``, ``dead`` or ``unknown`` (see the module's docstring)."""
        if self.kernel != (kernel or kernel_id()):
            return UNKNOWN
        try:
            if dir_id(os.path.dirname(self.path)) != self.directory:
                return UNKNOWN
        except OSError:
            return UNKNOWN
        return _probe(self.path, missing=DEAD)


class Lease:
    """A lease file held ``flock``ed from :meth:`acquire` until :meth:`release` or death."""

    def __init__(self, name: str, directory: Path | None = None) -> None:
        self.directory = (directory or lease_dir()).absolute()
        self.path = self.directory / f"{name}{_SUFFIX}"
        self._fd: int | None = None
        self._pid = 0
        self.ref: LeaseRef | None = None

    def acquire(self) -> LeaseRef:
        """Take the lease (once); returns what resources record of it."""
        if self._fd is not None and self.ref is not None:
            return self.ref
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            owner = self.directory.stat().st_uid
            if owner != os.getuid() and not os.environ.get(LEASE_DIR_ENV):
                raise ContainerError(
                    f"lease directory {self.directory} belongs to uid {owner}, not you: "
                    f"remove it, or set {LEASE_DIR_ENV} to a directory of yours")
            # Locked before it gets its name, so a sweep never sees it unlocked while we live.
            tmp = self.directory / f".{self.path.name}.{uuid.uuid4().hex[:8]}.tmp"
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise ContainerError(f"cannot create a lease in {self.directory}: {exc}; set "
                                 f"{LEASE_DIR_ENV} to a writable directory") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, f"pid={os.getpid()} host={socket.gethostname()}\n".encode())
            os.rename(tmp, self.path)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        self._fd, self._pid = fd, os.getpid()
        self.ref = LeaseRef(kernel_id(), str(self.path), dir_id(self.directory))
        return self.ref

    def release(self) -> None:
        """Give the lease up: its file goes, and resources still naming it become sweepable.

        A forked child only closes its copy: the lease stays its parent's.
        """
        if self._fd is None:
            return
        try:
            if os.getpid() == self._pid:
                self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None


def _probe(path: str | os.PathLike[str], missing: str) -> str:
    """Whether someone holds the lock on ``path`` (a shared probe lock, so probes never clash)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return missing
    except OSError:
        return UNKNOWN
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return UNKNOWN
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return DEAD
    except BlockingIOError:
        return ALIVE
    except OSError:
        return UNKNOWN
    finally:
        os.close(fd)


def collect(directory: Path | None = None) -> list[str]:
    """Delete the lease files of dead owners in ``directory``; returns their names.

    Run by every sweep, so crashed sessions that made nothing leave no files behind.
    """
    directory = directory or lease_dir()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    removed = []
    for entry in entries:
        if entry.name.endswith(".tmp"):
            try:
                if time.time() - entry.stat().st_mtime < _STALE_TMP_S:
                    continue
            except OSError:
                continue
        elif not entry.name.endswith(_SUFFIX):
            continue
        if _probe(entry.path, missing=UNKNOWN) == DEAD:
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except OSError:
                pass
    return removed
