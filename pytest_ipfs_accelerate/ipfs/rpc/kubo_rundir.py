"""Disposable run directories of spawned Kubo daemons, and the sweep of orphaned ones.

Each spawned daemon gets ``<tmp>/pytest-ipfs-accel-<uid>/kubo/<id>/`` holding its repo
(``repo/``), its log (``daemon.log``), its process (``daemon.json``) and a ``lease`` file
that the owning pytest process keeps ``flock``ed. The kernel drops that lock the moment the
owner dies, SIGKILL included, so a later sweep knows for sure which directories are
orphans: it kills their daemon (identified by its IPFS_PATH, never by PID alone) and
deletes the directory. A live session's directories are never touched.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

#: Where run directories live (default ``<tmp>/pytest-ipfs-accel-<uid>/kubo``).
RUN_ROOT_ENV = "IPFS_ACCEL_KUBO_RUN_DIR"
_LEASE = "lease"
_DAEMON = "daemon.json"
#: A directory still being set up (a name starting with ".") older than this was left by
#: a crash in the middle of it.
_STALE_NEW_S = 60.0


def run_root() -> Path:
    """``$IPFS_ACCEL_KUBO_RUN_DIR``, else ``<tmp>/pytest-ipfs-accel-<uid>/kubo``."""
    configured = os.environ.get(RUN_ROOT_ENV)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"pytest-ipfs-accel-{os.getuid()}" / "kubo"


class RunDir:
    """A run directory, leased by this process from :meth:`create` to :meth:`remove`."""

    def __init__(self, path: Path, lease_fd: int) -> None:
        self.path = path
        self._fd: int | None = lease_fd
        self._pid = os.getpid()

    @property
    def repo(self) -> Path:
        return self.path / "repo"

    @property
    def log(self) -> Path:
        return self.path / "daemon.log"

    @classmethod
    def create(cls, root: Path | None = None) -> RunDir:
        """A new leased directory. It is locked before it gets its final name, so a sweep
        never sees it unlocked while its owner lives."""
        root = root or run_root()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = uuid.uuid4().hex[:12]
        tmp = root / f".{name}.new"
        tmp.mkdir(mode=0o700)
        fd = os.open(tmp / _LEASE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            final = root / name
            os.rename(tmp, final)
        except BaseException:
            os.close(fd)
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return cls(final, fd)

    def record_daemon(self, pid: int) -> None:
        """Note the daemon's PID so that a sweep can stop it if this process dies."""
        (self.path / _DAEMON).write_text(json.dumps({"pid": pid, "repo": str(self.repo)}))

    def remove(self) -> None:
        """Delete the directory and give the lease up (a forked child only closes its copy)."""
        if self._fd is None:
            return
        try:
            if os.getpid() == self._pid:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            os.close(self._fd)
            self._fd = None


@dataclass
class SweepResult:
    """What a sweep did: directories removed, daemons stopped, problems met."""

    removed: list[str] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _is_daemon_of(pid: int, repo: str) -> bool:
    """Whether ``pid`` is a Kubo daemon running on ``repo`` (its IPFS_PATH), in this PID
    namespace. A recycled PID, or one of another namespace, does not match."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"daemon" in cmdline and f"IPFS_PATH={repo}".encode() in environ


def _stop(pid: int, timeout: float = 10.0) -> bool:
    """SIGKILL the daemon and wait (bounded) until it is gone; True if it went."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # our own child (a daemon spawned by this process): reap it
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def _sweep_one(path: Path, result: SweepResult) -> None:
    try:
        fd = os.open(path / _LEASE, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = None  # half-removed: nobody owns it
    except OSError as exc:
        result.errors.append(f"{path}: {exc}")
        return
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # its owner lives (or another sweep has it)
        try:
            info = json.loads((path / _DAEMON).read_text())
        except (OSError, ValueError):
            info = {}
        pid, repo = info.get("pid"), info.get("repo")
        if isinstance(pid, int) and isinstance(repo, str) and _is_daemon_of(pid, repo):
            if _stop(pid):
                result.stopped.append(pid)
            else:
                result.errors.append(f"{path}: daemon {pid} did not stop; left in place")
                return
        shutil.rmtree(path, ignore_errors=True)
        result.removed.append(str(path))
    finally:
        if fd is not None:
            os.close(fd)


def sweep(root: Path | None = None) -> SweepResult:
    """Stop the daemons and delete the run directories whose owner has died."""
    root = root or run_root()
    result = SweepResult()
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return result
    except OSError as exc:
        result.errors.append(f"{root}: {exc}")
        return result
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name.startswith("."):
            try:
                if time.time() - entry.stat(follow_symlinks=False).st_mtime > _STALE_NEW_S:
                    shutil.rmtree(entry.path, ignore_errors=True)
                    result.removed.append(entry.path)
            except OSError:
                pass
            continue
        _sweep_one(Path(entry.path), result)
    return result
