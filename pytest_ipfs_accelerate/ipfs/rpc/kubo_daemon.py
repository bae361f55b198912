"""Spawn a real Kubo daemon, like ipfsd-ctl: :class:`KuboDaemon`.

It checks the binary's version, runs ``ipfs init --profile test --empty-repo`` in a
disposable, leased run directory (see :mod:`.kubo_rundir`: loopback only, every port 0 so
the kernel picks free ones, no bootstrap peers, no mDNS), starts ``ipfs daemon``, waits
until it is ready, and on :meth:`~KuboDaemon.stop` leaves no process, port or directory
behind. Every failure is one line naming the binary, its version and the log's tail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.kubo_release import (
    KUBO_VERSION,
    MIN_KUBO_VERSION,
    version_tuple,
)
from pytest_ipfs_accelerate.ipfs.node.errors import KuboUnavailableError
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend
from pytest_ipfs_accelerate.ipfs.rpc.kubo_rundir import RunDir

_LISTEN_RE = re.compile(r"(?:RPC )?API server listening on (/\S+)")
INSTALL_HINT = (f"install Kubo >= {MIN_KUBO_VERSION} (`bash .ci/setup-kubo.sh` builds "
                f"{KUBO_VERSION}) or pass --ipfs-accel-ipfs-bin PATH")


def log_tail(text: str, lines: int = 6) -> str:
    """The last non-empty lines of a log, joined into one line."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "(no output)"


def kubo_version(binary: str, timeout: float = 30.0) -> str:
    """``ipfs version --number`` of ``binary``; :class:`KuboUnavailableError` when it does
    not run or is older than :data:`MIN_KUBO_VERSION`."""
    # A repo path that does not exist: the version must not depend on a user's repo.
    no_repo = os.path.join(tempfile.gettempdir(), f"pytest-ipfs-accel-no-repo-{os.getpid()}")
    try:
        proc = subprocess.run([binary, "version", "--number"], capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "IPFS_PATH": no_repo})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KuboUnavailableError(f"Kubo binary {binary} does not run ({exc}); "
                                   f"{INSTALL_HINT}") from None
    version = proc.stdout.strip()
    if proc.returncode != 0 or not version_tuple(version):
        raise KuboUnavailableError(
            f"Kubo binary {binary}: `version --number` failed (exit {proc.returncode}): "
            f"{log_tail(proc.stderr + proc.stdout)}; {INSTALL_HINT}")
    if version_tuple(version) < version_tuple(MIN_KUBO_VERSION):
        raise KuboUnavailableError(
            f"Kubo binary {binary} is version {version}, older than {MIN_KUBO_VERSION}; "
            f"{INSTALL_HINT}")
    return version


class KuboDaemon:
    """``ipfs daemon`` in a disposable repo (``ipfs init --profile test --empty-repo``;
    ``profiles`` adds more, e.g. ``unixfs-v1-2025``; ``repo_config`` then sets dotted keys,
    ``ipfs config --json KEY VALUE``, before the daemon starts).

    ``binary`` defaults to ``ipfs`` on PATH; ``repo`` is a repo of yours to use instead of a
    disposable one (it is kept). ``offline`` starts it with ``--offline`` (no swarm: it can
    then not peer with other nodes). :meth:`start` waits until it is ready; :meth:`stop`
    sends SIGINT, then kills after ``stop_timeout``.
    """

    def __init__(self, binary: str | None = None, repo: str | os.PathLike[str] | None = None,
                 *, start_timeout: float = 60.0, stop_timeout: float = 10.0,
                 offline: bool = False, profiles: Sequence[str] = (),
                 repo_config: Mapping[str, Any] | None = None) -> None:
        name = binary or "ipfs"
        found = shutil.which(name)
        if found is None:
            raise KuboUnavailableError(f"Kubo binary {name!r} not found on PATH; {INSTALL_HINT}")
        self.binary = found
        self.version = ""
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.offline = offline
        #: Profiles applied at init after the test profile (``--profile test,NAME...``).
        self.profiles = tuple(profiles)
        #: Dotted keys set in the repo's config before the daemon starts (``ipfs config``).
        self.repo_config = dict(repo_config or {})
        self.run_dir: RunDir | None = None
        self.repo: Path = Path(repo) if repo is not None else Path()
        self._own_repo = repo is None
        self.proc: subprocess.Popen[bytes] | None = None
        self.api_addr: str | None = None
        self._log_path: Path | None = None

    def __repr__(self) -> str:
        return f"<KuboDaemon {self.binary} {self.version} repo={self.repo} api={self.api_addr}>"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "IPFS_PATH": str(self.repo)}

    @property
    def output(self) -> str:
        """What the daemon printed so far."""
        if self._log_path is None:
            return ""
        try:
            return self._log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _fail(self, what: str, log: str) -> KuboUnavailableError:
        return KuboUnavailableError(
            f"Kubo {self.version or '?'} at {self.binary} {what} (IPFS_PATH={self.repo}); "
            f"log: {log_tail(log)}")

    def _run(self, *args: str) -> str:
        try:
            proc = subprocess.run([self.binary, *args], env=self.env, capture_output=True,
                                  text=True, timeout=self.start_timeout)
        except subprocess.TimeoutExpired:
            raise self._fail(f"did not finish `{' '.join(args)}` in {self.start_timeout:.0f}s",
                             "") from None
        if proc.returncode != 0:
            raise self._fail(f"failed `{' '.join(args)}` (exit {proc.returncode})",
                             proc.stderr + proc.stdout)
        return proc.stdout

    def start(self) -> KuboDaemon:
        """Init (a disposable repo), start the daemon, wait until it is ready."""
        self.version = kubo_version(self.binary)
        try:
            if self._own_repo:
                self.run_dir = RunDir.create()
                self.repo = self.run_dir.repo
                self._log_path = self.run_dir.log
            else:
                self._log_path = self.repo / "pytest-ipfs-accel-daemon.log"
            if not (self.repo / "config").exists():
                self._run("init", "--profile", ",".join(("test", *self.profiles)),
                          "--empty-repo")
            for key, value in self.repo_config.items():
                self._run("config", "--json", key, json.dumps(value))
            self._spawn()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self) -> None:
        assert self._log_path is not None
        args = [self.binary, "daemon"] + (["--offline"] if self.offline else [])
        with open(self._log_path, "wb") as log:
            # A session of its own: Ctrl-C in the terminal goes to pytest, which stops it.
            self.proc = subprocess.Popen(args, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        if self.run_dir is not None:
            self.run_dir.record_daemon(self.proc.pid)

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        while True:
            log = self.output
            match = _LISTEN_RE.search(log)
            if match:
                self.api_addr = match.group(1)
            if "Daemon is ready" in log:
                if self.api_addr is None and (self.repo / "api").exists():
                    self.api_addr = (self.repo / "api").read_text().strip()
                if self.api_addr is None:
                    raise self._fail("is ready but printed no RPC API address", log)
                return
            code = self.proc.poll()
            if code is not None:
                raise self._fail(f"exited with status {code} before it was ready", log)
            if time.monotonic() > deadline:
                raise self._fail(f"did not become ready in {self.start_timeout:.0f}s", log)
            time.sleep(0.05)

    def backend(self) -> KuboRpcBackend:
        if self.api_addr is None:
            raise KuboUnavailableError(f"Kubo daemon {self.binary} is not started")
        return KuboRpcBackend(self.api_addr)

    def stop(self) -> None:
        """Stop the daemon (SIGINT, then SIGKILL) and remove a disposable repo."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self.run_dir is not None:
            self.run_dir.remove()
            self.run_dir = None
        self.api_addr = None

    def __enter__(self) -> KuboDaemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
