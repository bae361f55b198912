"""IPNS records our node signs, checked by real Kubo: ``routing/put --allow-offline`` stores
them, ``name/resolve`` follows them and ``name/inspect --verify`` finds both signatures
valid. A record changed after signing, or put under another key's name, resolves to
nothing. Real Kubo is required (skips locally without it; fails in CI)."""

from __future__ import annotations

import json

import pytest

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


def test_we_verify_and_resolve_records_kubo_signed(kubo_online_api, ours_api):
    """The other way round: a record real Kubo signed (its own key) is read, verified and
    resolved by our node; the same record changed after signing is refused. (An offline
    Kubo refuses ``routing get``, hence an online one.)"""
    kubo_api = kubo_online_api
    import base64

    from pytest_ipfs_accelerate.ipfs.engine.ipns import IpnsError, read_record

    added = _post(kubo_api, "add?pin=false", b"kubo signs this\n")
    assert added.status == 200, added.body
    path = "/ipfs/" + json.loads(added.body)["Hash"]
    published = _post(kubo_api, f"name/publish?arg={path}&allow-offline=true")
    assert published.status == 200, published.body
    name = json.loads(published.body)["Name"]
    got = _post(kubo_api, f"routing/get?arg=/ipns/{name}")
    assert got.status == 200, got.body
    record = base64.b64decode(json.loads(got.body)["Extra"])

    assert read_record(record, name).value == path
    _put(ours_api, name, record)
    assert _resolved(ours_api, name) == path

    forged = bytearray(record)
    forged[record.rindex(path.encode()) + 10] ^= 1
    with pytest.raises(IpnsError, match="does not verify"):
        read_record(bytes(forged), name)
