"""The Kubo RPC server at the HTTP level: verbs, status codes, error JSON, multipart, limits,
and real clients (ipfshttpclient 0.7, curl) used unchanged."""

from __future__ import annotations

import http.client
import io
import json
import random
import shutil
import subprocess
import tarfile
import warnings

import pytest

from pytest_ipfs_accelerate.ipfs.engine.kubo_release import KUBO_VERSION
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

HELLO_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


@pytest.fixture
def server():
    node = SimulatedNode()
    with KuboRpcServer(node, max_request_bytes=1 << 20) as srv:
        yield srv


def call(server, method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def multipart(parts, boundary="XyZ"):
    out = b""
    for filename, ctype, data in parts:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n').encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), {
        "Content-Type": f'multipart/form-data; boundary="{boundary}"'}


def test_get_is_405_and_unknown_path_404(server):
    status, headers, _ = call(server, "GET", "/api/v0/version")
    assert status == 405 and headers["Allow"] == "OPTIONS, POST"  # as Kubo
    assert call(server, "POST", "/api/v0/no/such/command")[0] == 404
    assert call(server, "POST", "/other")[0] == 404


def test_version_says_simulated(server):
    status, _, body = call(server, "POST", "/api/v0/version")
    version = json.loads(body)
    assert status == 200 and version["Version"] == KUBO_VERSION == "0.43.1"
    assert "simulated" in version["Commit"] and "simulated" in version["System"]


def test_error_json_shapes(server):
    status, headers, body = call(server, "POST", "/api/v0/cat?arg=notacid")
    err = json.loads(body)
    assert status == 500 and headers["Content-Type"] == "application/json"
    assert err["Type"] == "error" and err["Code"] == 0 and "notacid" in err["Message"]
    # Requests that do not parse: Kubo's 400 in plain text, before the command runs.
    status, headers, body = call(server, "POST", "/api/v0/cat")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert body == b'argument "ipfs-path" is required\n'
    status, _, body = call(server, "POST", "/api/v0/cat?arg=" + HELLO_CID)
    assert status == 500 and HELLO_CID in json.loads(body)["Message"]
    status, _, body = call(server, "POST", "/api/v0/add?cid-version=maybe",
                           *multipart([("a", "application/octet-stream", b"x")]))
    assert status == 400 and body == (b'could not convert value "maybe" to type "int" '
                                      b'(for option "-cid-version")\n')


def test_add_streams_ndjson_with_string_sizes(server):
    body, headers = multipart([
        ("dir", "application/x-directory", b""),
        ("dir%2Fa.txt", "application/octet-stream", b"hello world\n"),
        ("dir%2Fsub", "application/x-directory", b""),
        ("dir%2Fsub%2Fb", "application/octet-stream", b"bb"),
    ])
    status, resp_headers, raw = call(server, "POST", "/api/v0/add?pin=true", body, headers)
    assert status == 200 and resp_headers["Transfer-Encoding"] == "chunked"
    lines = [json.loads(line) for line in raw.splitlines()]
    assert [line["Name"] for line in lines] == ["dir/a.txt", "dir/sub/b", "dir/sub", "dir"]
    assert lines[0] == {"Name": "dir/a.txt", "Hash": HELLO_CID, "Size": "20"}
    assert all(isinstance(line["Size"], str) for line in lines)
    status, _, raw = call(server, "POST", "/api/v0/add?quieter=true&cid-version=1", body, headers)
    assert len(raw.splitlines()) == 1 and json.loads(raw)["Hash"].startswith("bafybei")


def test_chunked_request_body(server):
    body, headers = multipart([("h.txt", "text/plain", b"hello world\n")])
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("POST", "/api/v0/add", body=iter([body[:10], body[10:]]),
                 headers={**headers, "Transfer-Encoding": "chunked"}, encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read())["Hash"] == HELLO_CID
    conn.close()


def test_oversized_request_is_413(server):
    body, headers = multipart([("big", "application/octet-stream", b"x" * (2 << 20))])
    status, _, raw = call(server, "POST", "/api/v0/add", body, headers)
    err = json.loads(raw)
    assert status == 413 and "limit" in err["Message"] and err["Type"] == "error"


def test_oversized_chunked_upload_is_413_mid_stream(server):
    body, headers = multipart([("big", "application/octet-stream", b"y" * (3 << 20))])
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("POST", "/api/v0/add", body=iter([body[i:i + 65536]
                                                   for i in range(0, len(body), 65536)]),
                 headers={**headers, "Transfer-Encoding": "chunked"}, encode_chunked=True)
    resp = conn.getresponse()
    err = json.loads(resp.read())
    conn.close()
    assert resp.status == 413 and "1048576 bytes" in err["Message"]
    assert server.node.repo_stat()["NumObjects"] <= 5  # it stopped early; nothing pinned
    assert server.node.pin_ls() == {}


@pytest.mark.parametrize("body,ctype", [
    (b"not multipart at all", "text/plain"),
    (b"", 'multipart/form-data; boundary="XyZ"'),
])
def test_missing_upload_is_kubos_parse_error(server, body, ctype):
    status, _, raw = call(server, "POST", "/api/v0/add", body, {"Content-Type": ctype})
    assert (status, raw) == (400, b"file argument 'path' is required\n")


def test_garbled_multipart_is_an_error_and_adds_nothing(server):
    status, _, raw = call(server, "POST", "/api/v0/add", b"--XyZ\r\ngarbage",
                          {"Content-Type": 'multipart/form-data; boundary="XyZ"'})
    assert status == 500 and json.loads(raw)["Type"] == "error"
    assert server.node.pin_ls() == {}


def test_names_are_cleaned_like_kubos_path_clean(server):
    """Kubo reads a part's name as path.Clean("/" + name): nothing climbs out of the upload,
    and absolute names (the JS client's globSource sends them) are relative to its root."""
    body, headers = multipart([("..%2Fescape", "application/octet-stream", b"x"),
                               ("%2Fabs%2F..%2F..%2Fy", "application/octet-stream", b"y")])
    status, _, raw = call(server, "POST", "/api/v0/add", body, headers)
    names = [json.loads(line)["Name"] for line in raw.splitlines()]
    assert status == 200 and names == ["escape", "y"]


def test_get_returns_a_tar(server):
    body, headers = multipart([("d", "application/x-directory", b""),
                               ("d%2Fx.txt", "text/plain", b"xyz")])
    status, _, raw = call(server, "POST", "/api/v0/add", body, headers)
    root = json.loads(raw.splitlines()[-1])["Hash"]
    status, headers, tar_bytes = call(server, "POST", f"/api/v0/get?arg={root}&archive=true")
    assert status == 200 and headers["Content-Type"] == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        assert tar.getnames() == [root, f"{root}/x.txt"]
        assert tar.extractfile(f"{root}/x.txt").read() == b"xyz"


def test_corrupt_block_mid_stream_cuts_the_response(server):
    node = server.node
    data = random.Random(7).randbytes(512 * 1024)  # two different 256 KiB leaves
    cid = node.add_bytes(data, name="d").cid
    from pytest_ipfs_accelerate.ipfs.engine.exporter import file_links, parse_cid

    second = file_links(node.get_block, parse_cid(cid))[1].cid
    node.blockstore.corrupt(second, b"evil")
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("POST", f"/api/v0/cat?arg={cid}")
    resp = conn.getresponse()
    assert resp.status == 200  # the first leaf was fine and already sent
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()
    # The first block corrupt: caught before the headers, a proper 500 naming the CID.
    first = file_links(node.get_block, parse_cid(cid))[0].cid
    node.blockstore.corrupt(first, b"evil")
    status, _, raw = call(server, "POST", f"/api/v0/cat?arg={cid}")
    assert status == 500 and str(first) in json.loads(raw)["Message"]


def test_refuses_non_loopback_bind():
    from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError

    with pytest.raises(BadRequestError, match="refusing to bind"):
        KuboRpcServer(SimulatedNode(), host="0.0.0.0")


# -- real clients ------------------------------------------------------------------------

@pytest.fixture
def client(server):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ipfshttpclient = pytest.importorskip("ipfshttpclient")
        return ipfshttpclient.Client(server.multiaddr)


def test_ipfshttpclient_unchanged(client, tmp_path):
    assert client.add_bytes(b"hello world\n") == HELLO_CID  # sends raw-leaves=False etc.
    assert client.cat(HELLO_CID) == b"hello world\n"
    assert client.cat(HELLO_CID, offset=6, length=5) == b"world"
    (tmp_path / "d" / "s").mkdir(parents=True)
    (tmp_path / "d" / "f1").write_bytes(b"one")
    (tmp_path / "d" / "s" / "f2").write_bytes(b"two")
    added = client.add(str(tmp_path / "d"), recursive=True)
    assert [a["Name"] for a in added] == ["d/f1", "d/s/f2", "d/s", "d"]
    root = added[-1]["Hash"]
    assert {link["Name"] for link in client.ls(root)["Objects"][0]["Links"]} == {"f1", "s"}
    assert root in client.pin.ls(type="recursive")["Keys"]
    client.get(root, target=str(tmp_path / "out"))
    assert (tmp_path / "out" / root / "s" / "f2").read_bytes() == b"two"
    assert client.block.stat(HELLO_CID)["Size"] == 20
    assert client.id()["ID"].startswith("12D3KooW")
    assert client.files.stat(f"/ipfs/{root}")["Type"] == "directory"
    assert client.dag.get(root)["Links"][0]["Name"] == "f1"
    client.pin.rm(root)
    assert client.repo.gc()  # the directory blocks went
    ipfshttpclient = pytest.importorskip("ipfshttpclient")
    with pytest.raises(ipfshttpclient.exceptions.ErrorResponse, match="invalid"):
        client.cat("notacid")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_multipart_add_and_cat(server, tmp_path):
    src = tmp_path / "hello.txt"
    src.write_bytes(b"hello world\n")
    out = subprocess.run(["curl", "-sS", "-X", "POST", "-F", f"file=@{src}",
                          f"{server.url}/api/v0/add?cid-version=0"],
                         capture_output=True, timeout=30, check=True).stdout
    assert json.loads(out) == {"Name": "hello.txt", "Hash": HELLO_CID, "Size": "20"}
    cat = subprocess.run(["curl", "-sS", "-X", "POST",
                          f"{server.url}/api/v0/cat?arg={HELLO_CID}&offset=6"],
                         capture_output=True, timeout=30, check=True).stdout
    assert cat == b"world\n"
    code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                           f"{server.url}/api/v0/cat?arg={HELLO_CID}"],
                          capture_output=True, timeout=30, text=True).stdout
    assert code == "405"


class _Stream:
    """``size`` deterministic bytes, read in pieces, never held whole."""

    def __init__(self, size):
        self.left, self.pos = size, 0
        self.block = random.Random(11).randbytes(1 << 20)

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        start = self.pos % len(self.block)
        out = (self.block[start:] + self.block * (n // len(self.block) + 1))[:n]
        self.left -= n
        self.pos += n
        return out


def test_add_streams_in_bounded_memory():
    import tracemalloc

    size = 24 << 20
    expected = SimulatedNode().add_entries([("big.bin", _Stream(size))], only_hash=True)[-1]
    with KuboRpcServer(SimulatedNode(), max_request_bytes=1 << 30) as srv:
        boundary = "b0undary"
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()

        def body():
            yield head
            stream = _Stream(size)
            while piece := stream.read(1 << 20):
                yield piece
            yield f"\r\n--{boundary}--\r\n".encode()

        tracemalloc.start()
        try:
            conn = http.client.HTTPConnection(srv.host, srv.port, timeout=60)
            conn.request("POST", "/api/v0/add?only-hash=true", body=body(), encode_chunked=True,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                  "Transfer-Encoding": "chunked"})
            answer = json.loads(conn.getresponse().read())
            conn.close()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert answer == {"Name": "big.bin", "Hash": expected.cid, "Size": str(expected.size)}
    assert peak < 12 << 20, f"peak {peak / 2**20:.1f} MiB while adding {size >> 20} MiB"


def test_ipfshttpclient_explicit_raw_leaves_false_is_honoured(client, server, tmp_path):
    # ipfshttpclient always sends raw-leaves=False; Kubo then keeps dag-pb leaves even for
    # CIDv1, unlike `ipfs add --cid-version=1` (raw leaves implied).
    src = tmp_path / "f.bin"
    src.write_bytes(b"quirk\n")
    got = client.add(str(src), cid_version=1)["Hash"]
    reference = SimulatedNode()
    assert got == reference.add_bytes(b"quirk\n", cid_version=1, raw_leaves=False).cid
    assert got != reference.add_bytes(b"quirk\n", cid_version=1).cid
    assert got.startswith("bafybei")


def test_rpc_client_streams_files_from_disk(tmp_path):
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend

    (tmp_path / "d").mkdir()
    data = random.Random(9).randbytes(3 << 20)
    (tmp_path / "d" / "big").write_bytes(data)
    with KuboRpcServer(SimulatedNode()) as srv:
        entries = KuboRpcBackend(srv.url).add_path(tmp_path / "d")
    assert [e.name for e in entries] == ["d/big", "d"]
    assert entries[0].cid == SimulatedNode().add_bytes(data).cid
