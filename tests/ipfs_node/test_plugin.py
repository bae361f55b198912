"""The IPFS fixtures end to end, through pytester: backend choice, the per-backend marker,
strictness, faults, clients, swarms, and operation records in the results DB."""

from __future__ import annotations

import pytest

NO_KUBO = {"PATH": "/usr/bin:/bin", "IPFS_ACCEL_IPFS": None, "IPFS_ACCEL_IPFS_API": None,
           "CI": None, "IPFS_ACCEL_STRICT": None}


@pytest.fixture
def clean_env(monkeypatch):
    import os
    import sys

    bindir = os.path.dirname(sys.executable)
    for key, value in NO_KUBO.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, f"{bindir}:{value}")


@pytest.mark.parametrize("ci", [False, True], ids=["local", "ci"])
def test_marker_runs_each_backend_and_absent_kubo_skips_or_fails_in_ci(pytester, clean_env,
                                                                      monkeypatch, ci):
    if ci:
        monkeypatch.setenv("CI", "true")
    pytester.makepyfile("""
        import pytest

        @pytest.mark.ipfs_backends("simulated", "simulated-rpc", "kubo")
        def test_each(ipfs_node):
            assert ipfs_node.cat(ipfs_node.add_bytes(b"x").cid) == b"x"
    """)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=2, **({"errors": 1} if ci else {"skipped": 1}))
    result.stdout.fnmatch_lines(["*test_each?simulated? PASSED*",
                                 "*test_each?simulated-rpc? PASSED*",
                                 f"*test_each?kubo? {'ERROR' if ci else 'SKIPPED'}*",
                                 "*ipfs*not found on PATH*"])


def test_all_option_runs_every_node_test_per_backend(pytester, clean_env):
    pytester.makepyfile("""
        def test_node(ipfs_node, ipfs_backend):
            assert ipfs_node.label == ipfs_backend

        def test_plain():
            pass
    """)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider", "--ipfs-accel-ipfs=all")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["ipfs backend: all (every test once per backend*",
                                 "*test_node?simulated? PASSED*", "*test_node?kubo? SKIPPED*"])


@pytest.mark.parametrize("strict,outcome", [(False, "skipped"), (True, "errors")])
def test_explicit_kubo_skips_or_fails_in_strict_mode(pytester, clean_env, strict, outcome):
    pytester.makepyfile("""
        def test_needs_kubo(ipfs_node):
            pass
    """)
    args = ["-p", "no:cacheprovider", "--ipfs-accel-ipfs=kubo"]
    if strict:
        args.append("--ipfs-accel-strict")
    result = pytester.runpytest(*args)
    result.assert_outcomes(**{outcome: 1})
    if strict:
        result.stdout.fnmatch_lines(["*Kubo*not available*strict mode*"])


def test_address_option_connects_to_a_running_daemon(pytester, clean_env):
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
    from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

    node = SimulatedNode()
    cid = node.add_bytes(b"served by an external daemon\n").cid
    with KuboRpcServer(node) as server:
        pytester.makepyfile(f"""
            def test_remote(ipfs_node, ipfs_api_addr):
                assert ipfs_node.backend_name == "kubo"
                assert ipfs_api_addr == "{server.multiaddr}"
                assert ipfs_node.cat("{cid}") == b"served by an external daemon\\n"
        """)
        result = pytester.runpytest("-p", "no:cacheprovider",
                                    f"--ipfs-accel-ipfs={server.multiaddr}")
    result.assert_outcomes(passed=1)


def test_bad_backend_is_a_usage_error(pytester, clean_env):
    pytester.makepyfile("def test_x(ipfs_node): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "--ipfs-accel-ipfs=bogus")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--ipfs-accel-ipfs*'bogus'*"])


def test_fixtures_end_to_end(pytester, clean_env):
    pytester.makepyfile("""
        import pytest
        from pytest_ipfs_accelerate.ipfs.node.errors import InjectedFaultError

        def test_auto_is_simulated(ipfs_node, ipfs_backend, request):
            assert ipfs_backend == "simulated"
            cid = ipfs_node.add_bytes(b"hello world\\n").cid
            assert cid == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
            assert ("ipfs_backend", "simulated") in request.node.user_properties

        @pytest.mark.ipfs_faults(seed=3, error_rate=1.0, ops="cat")
        def test_faults(ipfs_node):
            cid = ipfs_node.add_bytes(b"x").cid
            with pytest.raises(InjectedFaultError):
                ipfs_node.cat(cid)

        def test_client(ipfs_client, ipfs_node):
            cid = ipfs_client.add_bytes(b"via client\\n")
            assert ipfs_node.cat(cid) == b"via client\\n"

        def test_swarm(ipfs_swarm):
            a, b = ipfs_swarm(2)
            cid = a.add_bytes(b"shared\\n").cid
            assert b.cat(cid) == b"shared\\n"
            assert b.backend.fetched_from_peers == 1

        def test_session_node_is_shared_1(ipfs_session_node):
            ipfs_session_node.add_bytes(b"shared across tests\\n")

        def test_session_node_is_shared_2(ipfs_session_node):
            # only_hash stores nothing: cat works because test 1 stored it in this node
            cid = ipfs_session_node.add_bytes(b"shared across tests\\n", only_hash=True).cid
            assert ipfs_session_node.cat(cid) == b"shared across tests\\n"

        def test_factory(ipfs_node_factory):
            one, two = ipfs_node_factory(), ipfs_node_factory()
            cid = one.add_bytes(b"only on one\\n").cid
            with pytest.raises(Exception, match="not found"):
                two.cat(cid)
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["ipfs backend: simulated (auto: no ipfs binary on PATH)"])


def test_operations_are_recorded(pytester, clean_env, query_db):
    pytester.makepyfile("""
        def test_ops(ipfs_node, ipfs_client):
            cid = ipfs_node.add_bytes(b"hello world\\n").cid
            assert ipfs_node.cat(cid) == b"hello world\\n"
            try:
                ipfs_node.cat("notacid")
            except Exception:
                pass
            assert ipfs_client.cat(cid) == b"hello world\\n"
    """)
    db = pytester.path / "results.duckdb"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--ipfs-accel-db={db}")
    result.assert_outcomes(passed=1)
    rows = query_db(db, "SELECT op, backend, is_simulated, target, nbytes, ok, nodeid "
                        "FROM operations WHERE kind = 'ipfs' ORDER BY started_at")
    hello = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    assert [row[:6] for row in rows] == [
        ("add_bytes", "simulated", True, hello, 12, True),
        ("cat", "simulated", True, hello, 12, True),
        ("cat", "simulated", True, "notacid", None, False),
        ("rpc/cat", "simulated", True, hello, None, True),  # ipfs_client, seen by the server
    ]
    assert {row[6] for row in rows} == {"test_operations_are_recorded.py::test_ops"}


def test_idle_plugin_imports_nothing_of_the_node(pytester, clean_env):
    pytester.makepyfile("""
        import sys

        def test_nothing_loaded():
            loaded = [m for m in ("pytest_ipfs_accelerate.ipfs.node", "http.server",
                                  "pytest_ipfs_accelerate.ipfs.rpc.server", "ipfshttpclient")
                      if m in sys.modules]
            assert loaded == []
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
