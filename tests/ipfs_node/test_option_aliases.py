"""The issue's option names (--ipfs-node, --ipfs-bin) are aliases of --ipfs-accel-ipfs[-bin]."""

from __future__ import annotations

PROBE = """
def test_backend(ipfs_backend, ipfs_node):
    assert ipfs_backend == "simulated-rpc"
    assert ipfs_node.cat(str(ipfs_node.add_bytes(b"x").cid)) == b"x"
"""


def test_ipfs_node_alias_selects_the_backend(pytester, run_pytest):
    (pytester.path / "test_probe.py").write_text(PROBE)
    result = run_pytest("--ipfs-node=simulated-rpc", "-v")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert "ipfs backend: simulated-rpc" in result.stdout.str()


def test_ipfs_bin_alias_names_the_missing_binary(pytester, run_pytest):
    (pytester.path / "test_probe.py").write_text("def test_k(ipfs_node):\n    pass\n")
    result = run_pytest("--ipfs-node=kubo", "--ipfs-bin=/nonexistent/ipfs", "-rs",
                        env={"CI": "", "IPFS_ACCEL_STRICT": ""})
    assert "/nonexistent/ipfs" in result.stdout.str() + result.stderr.str()
