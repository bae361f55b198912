"""Owner leases: alive while the owner lives, dead the moment it dies (SIGKILL included),
unknown where this process cannot see the owner's lease. Real processes, real locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.containers.backend import ContainerError
from pytest_ipfs_accelerate.containers.lease import (
    ALIVE,
    DEAD,
    LEASE_DIR_ENV,
    UNKNOWN,
    Lease,
    LeaseRef,
    collect,
    dir_id,
    kernel_id,
)
from pytest_ipfs_accelerate.containers.naming import SessionIdentity, lease_ref
from pytest_ipfs_accelerate.containers.sweep import owner_state

HOLD = """
import json, sys, time
from pathlib import Path
from pytest_ipfs_accelerate.containers.lease import Lease
ref = Lease("held", Path(sys.argv[1])).acquire()
print(json.dumps([ref.kernel, ref.path, ref.directory]), flush=True)
time.sleep(300)
"""


def _holder(directory: Path) -> tuple[subprocess.Popen, LeaseRef]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(directory)], stdout=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    assert line, "the lease holder died before taking its lease"
    return proc, LeaseRef(*json.loads(line))


def test_another_process_lease_is_alive_until_sigkill_then_dead_and_collected(
        tmp_path: Path) -> None:
    proc, ref = _holder(tmp_path)
    try:
        assert ref.kernel == kernel_id() and ref.directory == dir_id(tmp_path)
        assert ref.state() == ALIVE
        assert ref.state() == ALIVE  # probing twice (or from two sweeps) changes nothing
        assert collect(tmp_path) == []  # a live lease is never collected
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert ref.state() == DEAD  # the kernel dropped the lock with the process
    assert collect(tmp_path) == ["held.lease"]
    assert not Path(ref.path).exists()
    assert ref.state() == DEAD  # gone from a directory we see as the owner did: still dead


def test_a_lease_we_cannot_see_as_the_owner_did_is_unknown(tmp_path: Path) -> None:
    proc, ref = _holder(tmp_path)
    try:
        assert LeaseRef("another-kernel", ref.path, ref.directory).state() == UNKNOWN
        # The owner saw another directory at that path (another mount namespace or tmp).
        assert LeaseRef(ref.kernel, ref.path, "1:2").state() == UNKNOWN
        assert LeaseRef(ref.kernel, str(tmp_path / "gone" / "x.lease"),
                        ref.directory).state() == UNKNOWN
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    # Not even a dead owner is judged dead through a directory we cannot match.
    assert LeaseRef(ref.kernel, ref.path, "1:2").state() == UNKNOWN
    # A label naming a FIFO (or anything not a regular file) is never opened to block on.
    os.mkfifo(tmp_path / "fifo.lease")
    assert LeaseRef(ref.kernel, str(tmp_path / "fifo.lease"), ref.directory).state() == UNKNOWN


def test_identity_labels_take_the_lease_and_release_gives_it_up(tmp_path: Path,
                                                                monkeypatch) -> None:
    monkeypatch.setenv(LEASE_DIR_ENV, str(tmp_path))
    ident = SessionIdentity(worker="gw/../1")
    labels = ident.labels()
    ref = lease_ref(labels)
    assert ref is not None and Path(ref.path).parent == tmp_path  # no path from the worker id
    assert owner_state(labels) == ALIVE  # our own lease, probed from another descriptor
    assert ident.labels() == labels  # taken once
    ident.release()
    assert owner_state(labels) == DEAD and list(tmp_path.iterdir()) == []
    assert owner_state({"org.pytest-ipfs-accel.pid": "1"}) == UNKNOWN  # labels without a lease


def test_a_forked_child_never_gives_up_its_parents_lease(tmp_path: Path) -> None:
    lease = Lease("parent", tmp_path)
    ref = lease.acquire()
    pid = os.fork()
    if pid == 0:  # the child closes its copy, as an atexit or fixture teardown might
        lease.release()
        os._exit(0)
    os.waitpid(pid, 0)
    assert ref.state() == ALIVE and Path(ref.path).exists()
    lease.release()
    assert ref.state() == DEAD


def test_a_stale_half_made_lease_is_collected_a_fresh_one_is_not(tmp_path: Path) -> None:
    stale, fresh = tmp_path / ".a.lease.1.tmp", tmp_path / ".b.lease.2.tmp"
    stale.write_text("")
    fresh.write_text("")
    os.utime(stale, (time.time() - 600, time.time() - 600))
    (tmp_path / "notes.txt").write_text("not ours")
    assert collect(tmp_path) == [stale.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name, "notes.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the directory away")
def test_a_default_lease_dir_owned_by_someone_else_is_refused(tmp_path: Path,
                                                              monkeypatch) -> None:
    os.chown(tmp_path, 65534, 65534)
    monkeypatch.delenv(LEASE_DIR_ENV, raising=False)
    with pytest.raises(ContainerError, match=f"belongs to uid 65534.*{LEASE_DIR_ENV}"):
        Lease("x", tmp_path).acquire()
    assert list(tmp_path.iterdir()) == []
