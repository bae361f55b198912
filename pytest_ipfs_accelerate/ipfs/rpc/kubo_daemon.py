"""Spawn a real Kubo daemon, like ipfsd-ctl: :class:`KuboDaemon`.

It runs ``ipfs init --profile test`` in a disposable repo and ``ipfs daemon --offline`` on
random ports, and stops it cleanly.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from pytest_ipfs_accelerate.ipfs.node.errors import KuboUnavailableError
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend

_LISTEN_RE = re.compile(r"(?:RPC )?API server listening on (/\S+)")


class KuboDaemon:
    """``ipfs daemon --offline`` in a disposable repo (``ipfs init --profile test``).

    ``binary`` defaults to ``ipfs`` on PATH. :meth:`start` waits for "Daemon is ready" and
    the API address; :meth:`stop` sends SIGINT, then kills after ``stop_timeout``.
    """

    def __init__(self, binary: str | None = None, repo: str | os.PathLike[str] | None = None,
                 *, start_timeout: float = 60.0, stop_timeout: float = 10.0) -> None:
        found = shutil.which(binary or "ipfs")
        if found is None:
            raise KuboUnavailableError(
                f"Kubo binary {binary or 'ipfs'!r} not found on PATH; install Kubo "
                f"(https://docs.ipfs.tech/install/command-line/) or pass --ipfs-accel-ipfs-bin")
        self.binary = found
        self._own_repo = repo is None
        self.repo = Path(repo) if repo is not None else Path(tempfile.mkdtemp(prefix="kubo-"))
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.api_addr: str | None = None
        self.output: list[str] = []

    def __repr__(self) -> str:
        return f"<KuboDaemon {self.binary} repo={self.repo} api={self.api_addr}>"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "IPFS_PATH": str(self.repo)}

    def _run(self, *args: str) -> str:
        proc = subprocess.run([self.binary, *args], env=self.env, capture_output=True,
                              text=True, timeout=self.start_timeout)
        if proc.returncode != 0:
            raise KuboUnavailableError(
                f"`{self.binary} {' '.join(args)}` failed ({proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
        return proc.stdout

    def start(self) -> KuboDaemon:
        if not (self.repo / "config").exists():
            self._run("init", "--profile", "test", "--empty-repo")
            # The test profile uses port 0 for API, gateway and swarm: no collisions.
        self.proc = subprocess.Popen(
            [self.binary, "daemon", "--offline"], env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(ready,), daemon=True).start()
        if not ready.wait(self.start_timeout) or self.api_addr is None:
            log = "".join(self.output[-40:])
            self.stop()
            raise KuboUnavailableError(
                f"Kubo daemon did not become ready in {self.start_timeout}s "
                f"(IPFS_PATH={self.repo}); its output:\n{log}")
        return self

    def _pump(self, ready: threading.Event) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            match = _LISTEN_RE.search(line)
            if match:
                self.api_addr = match.group(1)
            if "Daemon is ready" in line:
                if self.api_addr is None:
                    api_file = self.repo / "api"
                    if api_file.exists():
                        self.api_addr = api_file.read_text().strip()
                ready.set()
        ready.set()

    def backend(self) -> KuboRpcBackend:
        if self.api_addr is None:
            raise KuboUnavailableError("Kubo daemon is not started")
        return KuboRpcBackend(self.api_addr)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._own_repo:
            shutil.rmtree(self.repo, ignore_errors=True)

    def __enter__(self) -> KuboDaemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
