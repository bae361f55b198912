"""IPNS records our node signs, checked by real Kubo: ``routing/put --allow-offline`` stores
them, ``name/resolve`` follows them and ``name/inspect --verify`` finds both signatures
valid. A record changed after signing, or put under another key's name, resolves to
nothing. Real Kubo is required (skips locally without it; fails in CI)."""

from __future__ import annotations

import json

from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from tests.ipfs_rpc.corpus import HELLO, multipart
from tests.ipfs_rpc.exchange import Answer, exchange

V1 = "/ipfs/bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"


def _post(kubo: tuple[str, int], target: str, record: bytes | None = None) -> Answer:
    body, headers = multipart(("record", record)) if record is not None else (b"", {})
    return exchange(kubo[0], kubo[1], "POST", f"/api/v0/{target}", body, headers)


def _put(kubo: tuple[str, int], name: str, record: bytes) -> None:
    answer = _post(kubo, f"routing/put?arg=/ipns/{name}&allow-offline=true", record)
    assert answer.status == 200, answer.body


def _resolved(kubo: tuple[str, int], name: str) -> str | None:
    answer = _post(kubo, f"name/resolve?arg=/ipns/{name}")
    return json.loads(answer.body)["Path"] if answer.status == 200 else None


def test_kubo_resolves_and_verifies_our_records(kubo_api):
    node = SimulatedNode()
    name = node.keys.publish("self", f"/ipfs/{HELLO}", 3600, 300 * 10**9)
    record = node.keys.record(name)
    assert record is not None
    _put(kubo_api, name, record)
    assert _resolved(kubo_api, name) == f"/ipfs/{HELLO}"

    inspected = json.loads(_post(kubo_api, f"name/inspect?verify={name}", record).body)
    assert inspected["SignatureType"] == "V1+V2"
    assert inspected["Validation"] == {"Valid": True, "Reason": "", "Name": name}
    assert inspected["Entry"]["Value"] == f"/ipfs/{HELLO}"

    # A newer record (sequence 1) wins over the older one put again afterwards.
    assert node.keys.publish("self", V1, 3600, 300 * 10**9) == name
    newer = node.keys.record(name)
    assert newer is not None
    _put(kubo_api, name, newer)
    _put(kubo_api, name, record)
    assert _resolved(kubo_api, name) == V1


def test_kubo_refuses_to_resolve_forged_records(kubo_api):
    node, other = SimulatedNode(), SimulatedNode()
    name = node.keys.publish("self", f"/ipfs/{HELLO}", 3600, 300 * 10**9)
    record = node.keys.record(name)
    assert record is not None
    forged = bytearray(record)
    forged[record.rindex(HELLO.encode()) + 5] ^= 1  # inside the signed data
    _put(kubo_api, name, bytes(forged))
    assert _resolved(kubo_api, name) is None
    stranger = other.keys.ipns_name("self")  # a valid record, under another key's name
    _put(kubo_api, stranger, record)
    assert _resolved(kubo_api, stranger) is None
