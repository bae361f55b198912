"""Issue 15, case 15: a sweep never removes a live session's containers.

A pytest session runs in its own PID namespace (``unshare --pid --fork --mount-proc``),
where it is PID 1, so the PID on its labels names the host's init. It holds a container,
a network and a volume. Each scenario runs real pytest sessions and a real backend, and
raises AssertionError (saying what it saw) when the guarantee breaks:

- :func:`live_session_in_pid_namespace`: another session's sweep and ``ipfs-accel
  containers sweep`` leave the holder's resources alone; once the holder is SIGKILLed,
  the next session sweeps them.
- :func:`hidden_lease`: a holder whose lease directory is hidden from us (its own mount
  over it) is never judged dead, even once killed; ``sweep --session`` removes its
  resources.

Used by ``tests/reliability/test_container_lease.py`` and the adversarial suite
(``python -m harness.reliability.adversarial -k containers``). Needs root and
unshare(1); the Docker rounds need an engine and the test image.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE, ContainerBackend
from pytest_ipfs_accelerate.containers.naming import LABEL_PID, LABEL_SESSION

HOLDER = """
import json, os, time
from pathlib import Path
from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE

def test_hold(container):
    held = container(TEST_IMAGE, ["sleep", "300"])
    container.network()
    container.volume()
    marker = Path(os.environ["HOLD_MARKER"])
    marker.with_suffix(".tmp").write_text(json.dumps(
        {"pid": os.getpid(), "session": container.identity.session_id, "name": held.name}))
    marker.with_suffix(".tmp").replace(marker)
    time.sleep(300)
"""

SWEEPER = """
def test_sweeps_at_start(container_backend):
    pass
"""

INNER = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:randomly", "-q"]
#: What the holder holds, as :func:`_held` lists it.
HELD = ["container:running", "network", "volume"]


class Missing(Exception):
    """This machine lacks what the scenario needs (root, unshare, an engine, the image)."""


def check_unshare() -> None:
    """Raise :class:`Missing` unless this process may make PID namespaces."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        raise Missing("needs root and unshare(1) for a PID namespace")
    probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        raise Missing(f"unshare --pid failed: {probe.stderr.strip()}")


@contextlib.contextmanager
def private_backend(name: str, tmp: Path) -> Iterator[ContainerBackend]:
    """``name``'s backend, with a simulated state and lease directory private to ``tmp``
    (set in the environment for the sessions and CLI calls the scenario makes)."""
    check_unshare()
    (tmp / "leases").mkdir(exist_ok=True)
    saved = {k: os.environ.get(k) for k in ("IPFS_ACCEL_SIM_STATE", "IPFS_ACCEL_LEASE_DIR")}
    os.environ["IPFS_ACCEL_SIM_STATE"] = str(tmp / "sim.json")
    os.environ["IPFS_ACCEL_LEASE_DIR"] = str(tmp / "leases")
    try:
        backend = _open(name)
        try:
            yield backend
        finally:
            backend.close()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _open(name: str) -> ContainerBackend:
    from pytest_ipfs_accelerate.containers.backend import EngineUnavailableError
    from pytest_ipfs_accelerate.containers.selection import open_backend

    try:
        backend = open_backend(name)
    except EngineUnavailableError as exc:
        raise Missing(str(exc)) from exc
    if not any(TEST_IMAGE in img.tags for img in backend.images()):
        backend.close()
        raise Missing(f"test image {TEST_IMAGE} is missing: build it with "
                      ".ci/build-busybox-image.sh")
    return backend


class Holder:
    """A pytest session, PID 1 of its own PID namespace, holding a container, a network and
    a volume until it is killed."""

    def __init__(self, tmp: Path, backend: str, hide_leases: bool) -> None:
        (tmp / "holder").mkdir()
        test = tmp / "holder" / "test_holder.py"
        test.write_text(textwrap.dedent(HOLDER))
        self.marker = tmp / "held.json"
        argv = [sys.executable, "-m", "pytest", str(test), f"--ipfs-accel-containers={backend}",
                *INNER]
        if hide_leases:  # its own, private mount over the lease directory
            argv = ["sh", "-c", 'mount -t tmpfs leases "$IPFS_ACCEL_LEASE_DIR" && exec "$@"',
                    "sh", *argv]
        log = tmp / "holder.log"
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", *argv],
                env={**_env(), "HOLD_MARKER": str(self.marker)}, cwd=tmp / "holder",
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while not self.marker.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError("the holder session ended early:\n"
                                     + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        self.held = json.loads(self.marker.read_text())
        self.session = {LABEL_SESSION: self.held["session"]}

    def kill(self) -> None:
        """SIGKILL the pytest process itself (its namespace dies with it), then unshare."""
        if self.proc.poll() is not None:
            return
        try:  # the holder as the host sees it: unshare's only child
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            os.kill(int(children.split()[0]), signal.SIGKILL)
            self.proc.wait(timeout=30)
        except (OSError, IndexError, ValueError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CI", None)  # the inner sessions run unstrict: only their sweeps matter here
    return env


def _session(tmp: Path, name: str, backend: str) -> None:
    """Run a pytest session, in the host's PID namespace, that sweeps at start."""
    (tmp / name).mkdir()
    test = tmp / name / "test_sweeper.py"
    test.write_text(textwrap.dedent(SWEEPER))
    run = subprocess.run([sys.executable, "-m", "pytest", str(test),
                          f"--ipfs-accel-containers={backend}", *INNER],
                         env=_env(), cwd=tmp / name, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise AssertionError(f"the {name} session failed:\n{(run.stdout + run.stderr)[-3000:]}")


def _held(backend: ContainerBackend, holder: Holder) -> list[str]:
    return sorted([f"container:{c.status}" for c in backend.list_containers(holder.session)]
                  + [r.kind for r in backend.list_resources(holder.session)])


def _expect(backend: ContainerBackend, holder: Holder, want: list[str], when: str) -> None:
    got = _held(backend, holder)
    if got != want:
        raise AssertionError(f"{when}, the holder's resources are {got or 'gone'}, not {want}")


def _cli(*argv: str) -> str:
    """``ipfs-accel ARGV``'s output; AssertionError unless it exits 0."""
    from pytest_ipfs_accelerate.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    if code != 0:
        raise AssertionError(f"ipfs-accel {' '.join(argv)} exited {code}: {out.getvalue()}")
    return out.getvalue()


def _owner(backend: ContainerBackend, holder: Holder) -> list[str]:
    rows = json.loads(_cli("containers", "ls", "--backend", backend.name, "--format",
                           "json"))["containers"]
    return [r["owner"] for r in rows if r["name"] == holder.held["name"]]


@contextlib.contextmanager
def _holding(backend: ContainerBackend, tmp: Path, hide_leases: bool) -> Iterator[Holder]:
    """A :class:`Holder`, killed at the end; whatever it still holds is removed, pass or fail."""
    from pytest_ipfs_accelerate.containers.sweep import sweep

    holder = Holder(tmp, backend.name, hide_leases)
    try:
        yield holder
    finally:
        holder.kill()
        with contextlib.suppress(Exception):  # best effort: never hide what the scenario saw
            sweep(backend, session=holder.held["session"])


def live_session_in_pid_namespace(backend: ContainerBackend, tmp: Path) -> str:
    """A live holder keeps its resources through two sweeps; killed, the next session sweeps."""
    with _holding(backend, tmp, hide_leases=False) as holder:
        (held,) = backend.list_containers(holder.session)
        if holder.held["pid"] != 1 or held.labels[LABEL_PID] != "1":
            raise AssertionError(f"the holder is not PID 1 of its namespace: {holder.held}")
        _expect(backend, holder, HELD, "at first")
        _session(tmp, "second", backend.name)
        _expect(backend, holder, HELD, "after a second session's sweep")
        out = _cli("containers", "sweep", "--backend", backend.name)
        _expect(backend, holder, HELD, f"after `ipfs-accel containers sweep` ({out.strip()})")
        if _owner(backend, holder) != ["alive"]:
            raise AssertionError(f"`containers ls` shows the owner {_owner(backend, holder)}")
        holder.kill()
        _expect(backend, holder, HELD, "right after the SIGKILL")
        _session(tmp, "next", backend.name)
        _expect(backend, holder, [], "after the next session's sweep")
    return (f"{backend.name}: PID 1 of another namespace kept its container, network and "
            "volume through a session's and the CLI's sweep; swept once SIGKILLed")


def hidden_lease(backend: ContainerBackend, tmp: Path) -> str:
    """A holder whose lease we cannot see is never swept, alive or dead; --session removes."""
    with _holding(backend, tmp, hide_leases=True) as holder:
        _session(tmp, "second", backend.name)
        _expect(backend, holder, HELD, "after a second session's sweep")
        holder.kill()
        _session(tmp, "next", backend.name)
        _expect(backend, holder, HELD, "killed, after the next session's sweep")
        if _owner(backend, holder) != ["unknown"]:
            raise AssertionError(f"`containers ls` shows the owner {_owner(backend, holder)}")
        out = _cli("containers", "sweep", "--backend", backend.name,
                   "--session", holder.held["session"])
        if "removed 1 container(s), 1 network(s), 1 volume(s)" not in out:
            raise AssertionError(f"`containers sweep --session` said: {out}")
        _expect(backend, holder, [], "after `containers sweep --session`")
    return (f"{backend.name}: a lease hidden by a private mount is never judged dead (owner "
            "unknown, kept after SIGKILL); `sweep --session` removed its resources")
