"""The Kubo spawner (ipfsd-ctl style) and the ``ipfs-accel ipfs daemon`` command.

No Kubo binary can be installed here, so the spawner is exercised against a stand-in
``ipfs`` script that speaks Kubo's command line (``init --profile test``, ``daemon
--offline``) and runs our simulated daemon. It proves the spawn/ready/stop logic and the
daemon's Kubo-like output; CID fidelity is proven elsewhere, against oracles.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from pytest_ipfs_accelerate.ipfs.node.errors import KuboUnavailableError
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend
from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon

FAKE_IPFS = textwrap.dedent("""\
    #!{python}
    # Stand-in for Kubo's `ipfs` CLI: init and daemon only.
    import json, os, sys
    repo = os.environ["IPFS_PATH"]
    args = sys.argv[1:]
    with open(os.path.join(os.path.dirname(sys.argv[0]), "calls.log"), "a") as log:
        log.write(" ".join(args) + "\\n")
    if args[:1] == ["init"]:
        assert "--profile" in args and "test" in args, args
        os.makedirs(repo, exist_ok=True)
        json.dump({{"Addresses": {{"API": "/ip4/127.0.0.1/tcp/0"}}}},
                  open(os.path.join(repo, "config"), "w"))
    elif args[:1] == ["daemon"]:
        assert "--offline" in args, args
        os.execv(sys.executable, [sys.executable, "-m", "pytest_ipfs_accelerate.cli", "ipfs",
                 "daemon", "--api", "/ip4/127.0.0.1/tcp/0", "--repo", repo])
    else:
        sys.exit("unsupported: " + " ".join(args))
""")


@pytest.fixture
def fake_ipfs(tmp_path):
    path = tmp_path / "bin" / "ipfs"
    path.parent.mkdir()
    path.write_text(FAKE_IPFS.format(python=sys.executable))
    path.chmod(0o755)
    return path


def test_spawn_ready_use_and_stop(fake_ipfs):
    daemon = KuboDaemon(str(fake_ipfs), start_timeout=30).start()
    try:
        assert daemon.api_addr and daemon.api_addr.startswith("/ip4/127.0.0.1/tcp/")
        assert any("Daemon is ready" in line for line in daemon.output)
        backend = daemon.backend()
        cid = backend.add_bytes(b"hello world\n").cid
        assert backend.cat(cid) == b"hello world\n"
        repo, proc = daemon.repo, daemon.proc
    finally:
        daemon.stop()
    assert proc.returncode == 0  # SIGINT: a clean shutdown
    assert not repo.exists()  # the disposable repo is gone
    calls = (fake_ipfs.parent / "calls.log").read_text().splitlines()
    assert calls == ["init --profile test --empty-repo", "daemon --offline"]


def test_missing_binary_says_how_to_fix():
    with pytest.raises(KuboUnavailableError, match="not found on PATH"):
        KuboDaemon("/nonexistent/ipfs")


def test_unreachable_api_is_a_clear_error():
    with pytest.raises(KuboUnavailableError, match="cannot reach"):
        KuboRpcBackend("/ip4/127.0.0.1/tcp/9", timeout=2).version()


def test_plugin_spawns_one_daemon_per_session(pytester, fake_ipfs, monkeypatch):
    monkeypatch.delenv("IPFS_ACCEL_IPFS_API", raising=False)
    pytester.makepyfile("""
        def test_one(ipfs_node):
            assert ipfs_node.backend_name == "kubo"
            assert ipfs_node.cat(ipfs_node.add_bytes(b"1").cid) == b"1"

        def test_two(ipfs_node, ipfs_client):
            assert ipfs_client.cat(ipfs_node.add_bytes(b"2").cid) == b"2"
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--ipfs-accel-ipfs=kubo",
                                f"--ipfs-accel-ipfs-bin={fake_ipfs}")
    result.assert_outcomes(passed=2)
    calls = (fake_ipfs.parent / "calls.log").read_text().splitlines()
    assert calls.count("daemon --offline") == 1


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
