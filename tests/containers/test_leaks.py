"""Nothing leaks: a pytest run killed with SIGKILL leaves containers that the next
session sweeps; ``ipfs-accel containers ls|sweep`` see and remove them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.containers.backend import ContainerBackend
from pytest_ipfs_accelerate.containers.naming import LABEL_PID

HOLDER = """
import os, time
from pathlib import Path
from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE

def test_hold(container):
    held = container(TEST_IMAGE, ["sleep", "300"])
    container.network()
    container.volume()
    Path(os.environ["HOLD_MARKER"]).write_text(held.name)
    time.sleep(300)
"""

NEXT_SESSION = """
import os
from pytest_ipfs_accelerate.containers.naming import LABEL_PID

def test_nothing_left(container_backend):
    pid = {LABEL_PID: os.environ["KILLED_PID"]}
    assert container_backend.list_containers(pid) == []
    assert container_backend.list_resources(pid) == []
"""

INNER = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-q"]


def _pytest(path: Path, backend: str, env: dict[str, str]) -> list[str]:
    return [sys.executable, "-m", "pytest", str(path), f"--ipfs-accel-containers={backend}",
            *INNER]


def test_sigkilled_session_is_swept_by_the_next(backend: ContainerBackend, tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "holder").mkdir()
    (tmp_path / "next").mkdir()
    holder = tmp_path / "holder" / "test_holder.py"
    holder.write_text(textwrap.dedent(HOLDER))
    marker = tmp_path / "held"
    env = {**os.environ, "HOLD_MARKER": str(marker)}
    env.pop("CI", None)
    proc = subprocess.Popen(_pytest(holder, backend.name, env), env=env, cwd=tmp_path / "holder",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"holder run ended early:\n{proc.stdout.read().decode()}")  # type: ignore[union-attr]
            time.sleep(0.1)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    killed = {LABEL_PID: str(proc.pid)}

    # The kill leaked a container, a network and a volume, labelled with the dead PID.
    leaked = backend.list_containers(killed)
    assert [c.name for c in leaked] == [marker.read_text()]
    assert sorted(r.kind for r in backend.list_resources(killed)) == ["network", "volume"]
    assert main(["containers", "ls", "--backend", backend.name, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["containers"]
    assert [r["owner"] for r in rows if r["pid"] == str(proc.pid)] == ["dead"]

    # The next session sweeps them at startup.
    nxt = tmp_path / "next" / "test_next.py"
    nxt.write_text(textwrap.dedent(NEXT_SESSION))
    env["KILLED_PID"] = str(proc.pid)
    run = subprocess.run(_pytest(nxt, backend.name, env), env=env, cwd=tmp_path / "next",
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert backend.list_containers(killed) == []
    assert backend.list_resources(killed) == []


def test_cli_sweep_removes_dead_owners_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture) -> None:
    state = tmp_path / "state.json"
    monkeypatch.setenv("IPFS_ACCEL_SIM_STATE", str(state))
    # A process that creates a labelled container, then exits without cleaning up.
    script = textwrap.dedent("""
        import os
        from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE, ContainerSpec
        from pytest_ipfs_accelerate.containers.naming import SessionIdentity
        from pytest_ipfs_accelerate.containers.simulated import SimulatedBackend
        ident = SessionIdentity()
        SimulatedBackend().run(ContainerSpec(TEST_IMAGE, ["sleep", "60"],
                               name=ident.new_name("orphan"), labels=ident.labels()))
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    from pytest_ipfs_accelerate.containers.backend import TEST_IMAGE, ContainerSpec
    from pytest_ipfs_accelerate.containers.naming import SessionIdentity
    from pytest_ipfs_accelerate.containers.simulated import SimulatedBackend

    live = SimulatedBackend()
    mine = SessionIdentity()
    alive = mine.new_name("alive")
    live.run(ContainerSpec(TEST_IMAGE, ["sleep", "60"], name=alive, labels=mine.labels()))
    live.run(ContainerSpec(TEST_IMAGE, ["sleep", "60"], name="not-ours"))
    assert main(["containers", "sweep", "--backend", "simulated", "--dry-run"]) == 0
    assert "would remove 1 container(s)" in capsys.readouterr().out
    assert len(SimulatedBackend().list_containers()) == 3
    assert main(["containers", "sweep", "--backend", "simulated"]) == 0
    out = capsys.readouterr().out
    assert "removed 1 container(s)" in out and "orphan" in out
    assert sorted(c.name for c in live.list_containers()) == sorted([alive, "not-ours"])
    live.close()
