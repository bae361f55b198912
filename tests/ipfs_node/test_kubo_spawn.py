"""The Kubo spawner (ipfsd-ctl style) against the real ``ipfs`` binary, its clear errors,
the sweep after a SIGKILL, and the ``ipfs-accel ipfs daemon`` command.

Real Kubo is required (``kubo_bin``: skips locally without it, fails in CI, where
.ci/setup-kubo.sh builds it). Only the error paths use stand-in binaries: a Kubo that is
too old, or whose daemon never gets ready, cannot be had otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.ipfs.engine.kubo_release import KUBO_VERSION
from pytest_ipfs_accelerate.ipfs.node.errors import KuboUnavailableError
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend, api_url
from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon
from pytest_ipfs_accelerate.ipfs.rpc.kubo_rundir import RunDir, sweep
from tests.conftest import query


def _port_open(addr: str) -> bool:
    host, port = api_url(addr).removeprefix("http://").rsplit(":", 1)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, int(port))) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_spawn_ready_use_and_stop_leaves_nothing(kubo_bin, kubo_run_root):
    daemon = KuboDaemon(kubo_bin, start_timeout=60).start()
    try:
        assert daemon.version == KUBO_VERSION
        assert daemon.api_addr and daemon.api_addr.startswith("/ip4/127.0.0.1/tcp/")
        backend = daemon.backend()
        assert backend.version()["Version"] == KUBO_VERSION
        cid = backend.add_bytes(b"hello world\n").cid
        assert cid == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
        assert backend.cat(cid) == b"hello world\n"
        # test profile: loopback only, no bootstrap peers
        assert all("/127.0.0.1/" in a for a in backend.id()["Addresses"])
        proc, run_dir, addr = daemon.proc, daemon.run_dir, daemon.api_addr
        assert run_dir is not None and run_dir.repo.is_dir()
    finally:
        daemon.stop()
    assert proc.returncode is not None  # the process is gone
    assert not run_dir.path.exists()  # and its repo
    assert not _port_open(addr)  # and its port
    assert list(kubo_run_root.iterdir()) == []


def test_two_daemons_get_their_own_free_ports(kubo_bin, kubo_run_root):
    with KuboDaemon(kubo_bin) as one, KuboDaemon(kubo_bin) as two:
        assert one.api_addr != two.api_addr
        assert one.backend().id()["ID"] != two.backend().id()["ID"]


def test_missing_binary_says_how_to_fix():
    with pytest.raises(KuboUnavailableError, match=r"not found on PATH.*setup-kubo\.sh"):
        KuboDaemon("/nonexistent/ipfs")


def _stand_in(tmp_path: Path, version: str, daemon: str) -> Path:
    """An ``ipfs`` that reports ``version`` and whose ``daemon`` runs ``daemon`` (Python)."""
    path = tmp_path / "bin" / "ipfs"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import os, sys, time
        args = sys.argv[1:]
        if args[:2] == ["version", "--number"]:
            print({version!r})
        elif args[:1] == ["init"]:
            os.makedirs(os.environ["IPFS_PATH"], exist_ok=True)
            open(os.path.join(os.environ["IPFS_PATH"], "config"), "w").write("{{}}")
        elif args[:1] == ["daemon"]:
        """) + textwrap.indent(textwrap.dedent(daemon), "    "))
    path.chmod(0o755)
    return path


def test_too_old_binary_is_refused_naming_its_version(tmp_path):
    old = _stand_in(tmp_path, "0.8.0", "pass")
    with pytest.raises(KuboUnavailableError) as info:
        KuboDaemon(str(old)).start()
    message = str(info.value)
    assert "\n" not in message
    assert f"{old} is version 0.8.0, older than 0.14.0" in message
    assert "setup-kubo.sh" in message


def test_daemon_that_never_gets_ready_is_one_line_with_its_log(tmp_path, kubo_run_root):
    stuck = _stand_in(tmp_path, "0.43.1", """\
        print("Initializing daemon...", flush=True)
        print("Error: cannot bind: address already in use", flush=True)
        time.sleep(600)
    """)
    started = time.monotonic()
    with pytest.raises(KuboUnavailableError) as info:
        KuboDaemon(str(stuck), start_timeout=2).start()
    assert time.monotonic() - started < 20
    message = str(info.value)
    assert "\n" not in message
    assert f"Kubo 0.43.1 at {stuck} did not become ready in 2s" in message
    assert "log: Initializing daemon... | Error: cannot bind: address already in use" in message
    assert list(kubo_run_root.iterdir()) == []  # its run directory is gone with it


def test_daemon_that_exits_is_reported_at_once(tmp_path, kubo_run_root):
    dying = _stand_in(tmp_path, "0.43.1", """\
        print("Error: config is broken", flush=True)
        sys.exit(1)
    """)
    started = time.monotonic()
    with pytest.raises(KuboUnavailableError,
                       match=r"exited with status 1 before it was ready .* log: Error: config"):
        KuboDaemon(str(dying), start_timeout=60).start()
    assert time.monotonic() - started < 20


def test_unreachable_api_is_a_clear_error():
    with pytest.raises(KuboUnavailableError, match="cannot reach"):
        KuboRpcBackend("/ip4/127.0.0.1/tcp/9", timeout=2).version()


def test_plugin_spawns_one_daemon_per_session_and_stops_it(pytester, kubo_bin, kubo_run_root):
    out = pytester.path / "addrs.txt"
    pytester.makepyfile(f"""
        def test_one(ipfs_node, ipfs_api_addr):
            assert ipfs_node.backend_name == "kubo" and not ipfs_node.is_simulated
            assert ipfs_node.cat(ipfs_node.add_bytes(b"1").cid) == b"1"
            open({str(out)!r}, "a").write(ipfs_api_addr + "\\n")

        def test_two(ipfs_node, ipfs_client, ipfs_api_addr):
            assert ipfs_client.cat(ipfs_node.add_bytes(b"2").cid) == b"2"
            open({str(out)!r}, "a").write(ipfs_api_addr + "\\n")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--ipfs-accel-ipfs=kubo",
                                f"--ipfs-accel-ipfs-bin={kubo_bin}")
    result.assert_outcomes(passed=2)
    addrs = out.read_text().split()
    assert len(addrs) == 2 and addrs[0] == addrs[1]  # one daemon for the session
    assert not _port_open(addrs[0])  # stopped at the end of the session
    assert list(kubo_run_root.iterdir()) == []


def test_address_option_connects_to_a_running_real_daemon(pytester, kubo_bin, kubo_run_root):
    with KuboDaemon(kubo_bin) as daemon:
        cid = daemon.backend().add_bytes(b"on the running daemon\n").cid
        pytester.makepyfile(f"""
            def test_remote(ipfs_node, ipfs_api_addr, ipfs_client):
                assert ipfs_node.backend_name == "kubo"
                assert ipfs_api_addr == "{daemon.api_addr}"
                assert ipfs_node.cat("{cid}") == b"on the running daemon\\n"
                assert ipfs_client.cat("{cid}") == b"on the running daemon\\n"
        """)
        result = pytester.runpytest("-p", "no:cacheprovider", "--ipfs-accel-db=r.duckdb",
                                    f"--ipfs-accel-ipfs={daemon.api_addr}")
        result.assert_outcomes(passed=1)
        assert daemon.proc is not None and daemon.proc.poll() is None  # not ours to stop
    # The daemon's version, asked over RPC, is a fact of the run and of each operation.
    db = pytester.path / "r.duckdb"
    assert query(db, "SELECT ipfs_backend, ipfs_backend_version FROM runs") == [
        ("kubo", KUBO_VERSION)]
    assert query(db, "SELECT DISTINCT backend, backend_version FROM operations "
                     "WHERE kind = 'ipfs'") == [("kubo", KUBO_VERSION)]
    assert f"backends: IPFS kubo {KUBO_VERSION}" in result.stdout.str()  # the summary


def test_all_runs_each_node_test_against_every_backend(pytester, kubo_bin, kubo_run_root,
                                                       monkeypatch):
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile("""
        def test_node(ipfs_node, ipfs_backend):
            assert ipfs_node.label == ipfs_backend
            assert ipfs_node.add_bytes(b"hello world\\n").cid == \\
                "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    """)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider", "--ipfs-accel-ipfs=all",
                                f"--ipfs-accel-ipfs-bin={kubo_bin}", "--ipfs-accel-db=r.duckdb")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_node?simulated? PASSED*",
                                 "*test_node?simulated-rpc? PASSED*", "*test_node?kubo? PASSED*"])
    # Each operation names its backend (simulated-rpc is the simulated node, over RPC); only
    # the real one has a version, the spawned binary's.
    db = pytester.path / "r.duckdb"
    assert set(query(db, "SELECT DISTINCT backend, backend_version FROM operations "
                         "WHERE kind = 'ipfs'")) == {("simulated", None), ("kubo", KUBO_VERSION)}
    assert query(db, "SELECT ipfs_backend_version FROM runs") == [(f"kubo {KUBO_VERSION}",)]


def test_sigkill_of_pytest_leaves_a_daemon_that_the_next_session_sweeps(
        pytester, kubo_bin, kubo_run_root):
    ready = pytester.path / "ready.txt"
    pytester.makepyfile(test_hang=f"""
        import time

        def test_hang(ipfs_node, ipfs_api_addr):
            open({str(ready)!r}, "w").write(ipfs_api_addr)
            time.sleep(300)
    """)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    victim = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--ipfs-accel-ipfs=kubo", f"--ipfs-accel-ipfs-bin={kubo_bin}", "test_hang.py"],
        cwd=pytester.path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() or not ready.read_text():
            assert victim.poll() is None and time.monotonic() < deadline, "session never started"
            time.sleep(0.1)
        addr = ready.read_text()
        (left,) = list(kubo_run_root.iterdir())
        daemon_pid = json.loads((left / "daemon.json").read_text())["pid"]
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
    # The daemon outlived its session: process, port and repo are all still there.
    assert _alive(daemon_pid) and _port_open(addr) and left.is_dir()
    # A live session's directory is never swept.
    live = RunDir.create(kubo_run_root)
    try:
        pytester.makepyfile(test_next="""
            def test_next(ipfs_node):
                assert ipfs_node.add_bytes(b"x").cid
        """)
        result = pytester.runpytest("-p", "no:cacheprovider", "--ipfs-accel-ipfs=kubo",
                                    f"--ipfs-accel-ipfs-bin={kubo_bin}", "test_next.py")
        result.assert_outcomes(passed=1)
        deadline = time.monotonic() + 10
        while _alive(daemon_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(daemon_pid)
        assert not _port_open(addr)
        assert not left.exists()
        assert live.path.is_dir()
    finally:
        live.remove()
    assert sweep(kubo_run_root).removed == []


def test_sweep_command_removes_only_dead_run_directories(kubo_run_root, capsys):
    from pytest_ipfs_accelerate.cli import main

    dead = RunDir.create(kubo_run_root)
    (dead.path / "repo").mkdir()
    os.close(dead._fd)  # its owner "dies": the lease is free
    dead._fd = None
    live = RunDir.create(kubo_run_root)
    try:
        assert main(["ipfs", "sweep"]) == 0
        out = capsys.readouterr().out
        assert f"removed {dead.path}" in out and "1 run directory removed" in out
        assert not dead.path.exists() and live.path.is_dir()
    finally:
        live.remove()


def test_daemon_command_prints_kubo_lines_and_stops_on_sigterm(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_ipfs_accelerate.cli", "ipfs", "daemon", "--api",
         "/ip4/127.0.0.1/tcp/0", "--repo", str(tmp_path / "repo")],
        stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("Daemon is ready"):
                break
        listen = next(x for x in lines if x.startswith("RPC API server listening on "))
        addr = listen.rsplit(" ", 1)[1]
        assert (tmp_path / "repo" / "api").read_text() == addr
        backend = KuboRpcBackend(addr)
        cid = backend.add_bytes(b"persisted\n").cid
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    out = subprocess.run([sys.executable, "-m", "pytest_ipfs_accelerate.cli", "ipfs", "cat",
                          cid, "--repo", str(tmp_path / "repo")], capture_output=True,
                         timeout=60, env={**os.environ})
    assert out.returncode == 0 and out.stdout == b"persisted\n"
