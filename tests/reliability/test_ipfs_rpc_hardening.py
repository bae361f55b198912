"""Issue 15, item 13: the simulated node's Kubo RPC server under hostile requests.

Cross-origin requests get Kubo's 403 (compared with real Kubo where it is installed);
bursts of simultaneous connections are all answered; big block/puts keep the server's
memory bounded; deep nesting gets an answer or a 400, never a 500. The cases are those of
``python -m harness.reliability.adversarial -k ipfs`` at sizes that suit a test run.
"""

from __future__ import annotations

import shutil

import pytest

from harness.reliability.adversarial import ipfs_cases as cases


def test_cross_origin_requests_get_kubo_s_403_and_change_nothing() -> None:
    cases.case_13_cross_origin_requests_get_403()


def test_cross_origin_answers_match_real_kubo(request: pytest.FixtureRequest) -> None:
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import api_url
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon
    from pytest_ipfs_accelerate.strict import missing_backend

    if shutil.which("ipfs") is None:
        missing_backend(request.config, "Kubo (ipfs on PATH)", "bash .ci/setup-kubo.sh")
    with KuboDaemon(offline=True) as daemon, cases.served_node() as server:
        host, port = api_url(daemon.api_addr or "").removeprefix("http://").rsplit(":", 1)
        kubo = cases.origin_statuses(host, int(port))
        ours = cases.origin_statuses(server.host, server.port)
    assert ours == kubo
    assert ours == [403 if refused else 200 for _, refused in cases.ORIGIN_CASES]


def test_preflight_gets_no_cors_permission() -> None:
    import http.client

    with cases.served_node() as server:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        conn.request("OPTIONS", "/api/v0/repo/gc", headers={
            "Origin": "http://attacker.example", "Access-Control-Request-Method": "POST"})
        resp = conn.getresponse()
        assert resp.status == 204
        assert resp.getheader("Access-Control-Allow-Origin") is None
        conn.close()


def test_three_bursts_of_200_simultaneous_connections_are_all_answered() -> None:
    cases.case_13_bursts_of_simultaneous_connections_all_answered(bursts=3, size=200)


def test_many_clients_add_and_cat_without_connection_resets() -> None:
    cases.case_13_hundred_clients_add_and_cat_without_resets(clients=100, size=1 << 20)


def test_concurrent_big_block_puts_keep_the_server_small() -> None:
    cases.check_block_put_memory(6, 48 << 20, peak_limit_mib=120, after_limit_mib=80)


def test_block_put_at_kubo_s_limit() -> None:
    with cases.served_node() as server:
        for size, status in ((2 << 20, 200), ((2 << 20) + 1, 500)):
            body, ctype = cases.multipart([("b", "application/octet-stream", b"\0" * size)])
            got, answer = cases.post(server.host, server.port, "/api/v0/block/put", body,
                                     {"Content-Type": ctype})
            assert got == status, answer[:200]
        got, _ = cases.post(server.host, server.port, "/api/v0/block/put?allow-big-block=true",
                            body, {"Content-Type": ctype})
        assert got == 200


def test_thousand_nested_directories_and_deep_json_get_answers() -> None:
    cases.case_13_thousand_nested_directories_get_an_answer()


def test_a_deep_file_dag_streams_without_recursion() -> None:
    """A hostile file DAG: 5,000 nodes, each the only child of the one above."""
    from pytest_ipfs_accelerate.ipfs.engine import unixfs
    from pytest_ipfs_accelerate.ipfs.engine.cid import DAG_PB, RAW, cid_for_block
    from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode, encode_node
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode

    node = SimulatedNode()
    cid = cid_for_block(b"leaf!", RAW, 1)
    node.put_block(cid, b"leaf!")
    for _ in range(5000):
        block = encode_node(PBNode([PBLink(cid, "", 5)], unixfs.encode_data(
            unixfs.UnixFSData(unixfs.FILE, filesize=5, blocksizes=[5]))))
        cid = cid_for_block(block, DAG_PB, 0)
        node.put_block(cid, block)
    assert node.cat(str(cid)) == b"leaf!"
    assert b"".join(node.dag_export(str(cid)))  # the CAR walk keeps its own stack too
